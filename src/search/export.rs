//! The static search index: the tantivy index of the published cases,
//! exported as small JSON files for the browser's search page
//! (`static/js/search.js`). Format 3 is built so that what one query
//! downloads does not grow with the site: scores are computed here, once,
//! so the browser needs no per-document statistics; a common term sends
//! only its best-scoring documents and a bitmap of the rest.
//!
//! Every file but `meta.json` lives in one folder, `search/{hash}/`, named
//! by a hash of what gives names and numbers their meaning (format, the
//! documents in order, the shard count): a page never reads a file whose
//! document numbers mean something else. Inside it names are stable: a
//! term's file number comes from the term, the shard count moves in steps
//! of 6 to 12 %, and averages are rounded, so a one-case edit rewrites
//! only the files that hold its terms (its card file, the shards and term
//! files of terms whose entries changed). These files are therefore not
//! immutable: they are served `no-cache` (revalidated), like `meta.json`.
//!
//! - `search/meta.json` (fixed name; also inlined into the search page, so
//!   a search starts with no round trip for it): format version, document
//!   count, the folder, the shard count, cards per file, and the synonyms
//!   (normalised spelling → term) the page cuts a query's slots with.
//! - `s{i}.json`: term shards. Term `t` lives in shard
//!   `fnv1a32(utf8(t)) % shards`; a shard is a JSON object term → entry.
//!   An entry is a *posting string* (below) of every document holding the
//!   term, or, when that would be long, a number `k` naming `t{k}.json`
//!   (`k` from a hash of the term, so it stays the term's).
//! - `t{k}.json`: a term of its own: a posting string (a rarer term), or
//!   for a term in more than [`TOP`] documents `{n, min, top, …}`: its
//!   document count, its lowest impact, a posting string of its [`TOP`]
//!   best-scoring documents, and which documents hold it, in the shortest
//!   of three forms: `bits` (a bitmap), `docs` (the documents as deltas) or
//!   `absent` (the documents *without* it, as deltas).
//! - `c{i}.json`: cards, [`CARDS_PER_FILE`] per file in doc order:
//!   `{id, title, url, enterprise, summary, area, industry, district, year}`
//!   (`district` left out when a case has none; `summary` long enough for
//!   the page to centre a snippet on a match in it).
//!
//! A *posting string* is pairs `docDelta, impact` (documents ascending),
//! each number written as a little-endian base-32 varint over the base64url
//! alphabet (a digit is 5 bits, plus 32 when more digits follow). An
//! *impact* is the term's whole score in the document, as `casebook search`
//! scores a one-term word: BM25 per field times the field's boost, summed
//! over fields; stored on a log scale, `1 + round(ln(score / IMPACT_MIN) ×
//! IMPACT_STEPS)` (0: no score). A bitmap is 6 documents per character of
//! the same alphabet, document `d` at bit `d % 6` of character `d / 6`.
//!
//! Facets are terms too: `#a:{slug}`, `#i:{slug}`, `#d:{slug}`, `#y:{year}`,
//! `#m:{slug}` (a method, as the method pages name it; impact 0; the
//! analyzer never makes a term holding `#`).
//!
//! Everything comes out of [`SearchIndex::build`], which indexes published
//! cases only, so nothing unpublished can reach these files.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use tantivy::postings::Postings as _;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED};

use super::index::{Purpose, SearchIndex};
use crate::content::Case;
use crate::output::{Contents, OutputFile};
use crate::site::Site;
use crate::urls;

/// Version of the file format (bump when `search.js` must change with it).
pub const FORMAT_VERSION: u32 = 3;

/// Aim for shards of about this many bytes of JSON (before gzip).
pub const SHARD_TARGET_BYTES: usize = 1_000;

/// An entry longer than this many bytes moves out of its shard into a file
/// of its own, so that a common term does not swell the shard every other
/// term in it is fetched with.
pub const INLINE_MAX: usize = 400;

/// A term in more documents than this sends its best-scoring [`TOP`]
/// postings and a bitmap of the rest instead of every posting.
pub const TOP: usize = 256;

/// Cards per card file (a card is ~700 bytes; a results page of 10 cards
/// then fetches at most ~14 KB of them).
pub const CARDS_PER_FILE: usize = 2;

/// Characters of summary on a card: the page shows about 80 of them,
/// centred on the first match, so it keeps more than it shows.
pub const CARD_SUMMARY_CHARS: usize = 160;

/// The impact scale: the smallest score kept apart from 0, and steps per
/// unit of its natural logarithm (2%: finer than the ranking needs).
pub const IMPACT_MIN: f64 = 1e-5;
pub const IMPACT_STEPS: f64 = 50.0;

/// BM25 constants, as tantivy's.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The shard a term lives in: FNV-1a (32 bit) of its UTF-8 bytes, modulo
/// the shard count. `search.js` computes the same.
pub fn shard_of(term: &str, shards: usize) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in term.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash as usize % shards.max(1)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Append `n` as a base-32 varint (see the module docs).
fn push_varint(out: &mut String, mut n: u32) {
    while n >= 32 {
        out.push(ALPHABET[(32 | (n & 31)) as usize] as char);
        n >>= 5;
    }
    out.push(ALPHABET[n as usize] as char);
}

/// A score on the stored log scale (0 for no score).
pub fn quantize(score: f32) -> u32 {
    let score = f64::from(score);
    if score <= IMPACT_MIN {
        return if score > 0.0 { 1 } else { 0 };
    }
    (1 + ((score / IMPACT_MIN).ln() * IMPACT_STEPS).round() as u32).min(1023)
}

/// `(doc, impact)` pairs (any order) as a posting string.
fn posting_string(postings: &mut [(u32, u32)]) -> String {
    postings.sort_unstable();
    let mut out = String::with_capacity(postings.len() * 3);
    let mut last = 0;
    for &(doc, impact) in postings.iter() {
        push_varint(&mut out, doc - last);
        push_varint(&mut out, impact);
        last = doc;
    }
    out
}

/// The documents of `postings` as a bitmap string (see the module docs).
fn bitmap(postings: &[(u32, u32)]) -> String {
    let last = postings.iter().map(|&(doc, _)| doc).max().unwrap_or(0) as usize;
    let mut sextets = vec![0u8; last / 6 + 1];
    for &(doc, _) in postings {
        sextets[doc as usize / 6] |= 1 << (doc % 6);
    }
    sextets
        .into_iter()
        .map(|s| ALPHABET[s as usize] as char)
        .collect()
}

/// Ascending documents as a string of deltas.
fn doc_list(docs: impl Iterator<Item = u32>) -> String {
    let mut out = String::new();
    let mut last = 0;
    for doc in docs {
        push_varint(&mut out, doc - last);
        last = doc;
    }
    out
}

/// A big term: its count, lowest impact, best documents, and which
/// documents hold it, in the shortest of three forms.
#[derive(Serialize)]
struct BigTerm {
    n: usize,
    min: u32,
    top: String,
    #[serde(flatten)]
    members: Members,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Members {
    /// A bitmap string.
    Bits(String),
    /// The documents holding the term, as deltas.
    Docs(String),
    /// The documents *not* holding it, as deltas (a term nearly everywhere).
    Absent(String),
}

/// A term's JSON value: a posting string, or for a term in more than
/// [`TOP`] of the `docs` documents a [`BigTerm`].
fn term_value(mut postings: Vec<(u32, u32)>, docs: usize) -> Vec<u8> {
    if postings.len() <= TOP {
        return serde_json::to_vec(&posting_string(&mut postings)).expect("plain JSON");
    }
    postings.sort_unstable();
    let min = postings.iter().map(|&(_, i)| i).min().unwrap_or(0);
    let present: Vec<u32> = postings.iter().map(|&(doc, _)| doc).collect();
    // The documents without it, in one walk beside the sorted `present`.
    let mut next_present = present.iter().copied().peekable();
    let absent = (0..docs as u32).filter(move |&d| {
        if next_present.peek() == Some(&d) {
            next_present.next();
            false
        } else {
            true
        }
    });
    let forms = [
        Members::Bits(bitmap(&postings)),
        Members::Docs(doc_list(present.iter().copied())),
        Members::Absent(doc_list(absent)),
    ];
    let members = forms
        .into_iter()
        .min_by_key(|m| match m {
            Members::Bits(s) | Members::Docs(s) | Members::Absent(s) => s.len(),
        })
        .expect("three forms");
    // The best-scoring documents, ties to the lower document.
    postings.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let n = postings.len();
    postings.truncate(TOP);
    let big = BigTerm {
        n,
        min,
        top: posting_string(&mut postings),
        members,
    };
    serde_json::to_vec(&big).expect("plain JSON")
}

/// One term's posting in one field: our document, the field's number (in
/// `Fields::weighted` order) and the term's frequency there.
type Entry = (u32, usize, u32);

/// BM25 statistics of one weighted field.
struct FieldStats {
    boost: f32,
    average_length: f32,
}

/// Where one field's inverted index of one segment is read from.
struct Source {
    inverted: std::sync::Arc<tantivy::InvertedIndexReader>,
    /// Field number (in `Fields::weighted` order).
    field: usize,
    /// Segment doc id → our doc number.
    ours: std::sync::Arc<Vec<u32>>,
}

/// What scoring needs besides the postings.
struct Scoring<'a> {
    docs: usize,
    fields: &'a [FieldStats],
    /// Per our document, per field: its length as BM25 sees it.
    lengths: &'a [Vec<u32>],
}

impl Scoring<'_> {
    /// Each document's impact for a term, from its `(doc, field, tf)`
    /// entries sorted by doc.
    fn impacts(&self, entries: &[Entry]) -> Vec<(u32, u32)> {
        let mut doc_freq = vec![0u32; self.fields.len()];
        for &(_, field, _) in entries {
            doc_freq[field] += 1;
        }
        let n = self.docs as f32;
        let idf: Vec<f32> = doc_freq
            .iter()
            .map(|&df| (1.0 + (n - df as f32 + 0.5) / (df as f32 + 0.5)).ln())
            .collect();
        let mut out: Vec<(u32, u32)> = Vec::new();
        let mut current: Option<(u32, f32)> = None;
        for &(doc, field, tf) in entries {
            let stats = &self.fields[field];
            let length = self.lengths[doc as usize][field] as f32;
            let norm = K1 * (1.0 - B + B * length / stats.average_length);
            let tf = tf as f32;
            let score = stats.boost * idf[field] * (K1 + 1.0) * tf / (tf + norm);
            match &mut current {
                Some((d, sum)) if *d == doc => *sum += score,
                _ => {
                    if let Some((d, sum)) = current.take() {
                        out.push((d, quantize(sum)));
                    }
                    current = Some((doc, score));
                }
            }
        }
        if let Some((d, sum)) = current {
            out.push((d, quantize(sum)));
        }
        out
    }
}

/// The postings of a CJK character alone, gathered from every term it
/// begins, for an index that holds it alone only where a run ends
/// ([`Purpose::Export`]): its count in a field is the count of the
/// bigrams it begins plus its own.
struct Lead {
    /// The character being gathered, and where its placeholder sits in the
    /// output (it sorts before every term it begins).
    current: Option<(char, usize)>,
    /// Term frequency per `doc × fields + field`; dense, as every term of
    /// a common character is in most documents.
    counts: Vec<u32>,
    touched: Vec<u32>,
}

impl Lead {
    fn add(&mut self, entries: &[Entry], fields: usize) {
        for &(doc, field, tf) in entries {
            let at = doc as usize * fields + field;
            if self.counts[at] == 0 {
                self.touched.push(at as u32);
            }
            self.counts[at] += tf;
        }
    }

    /// The gathered `(doc, field, tf)` entries sorted by doc, and the
    /// placeholder's slot; the counts are reset for the next character.
    fn finish(&mut self, fields: usize) -> Option<(usize, Vec<Entry>)> {
        let (_, slot) = self.current.take()?;
        if self.touched.len() * 16 >= self.counts.len() {
            // A common character is in most documents: reading the dense
            // counts in order is cheaper than sorting what was touched.
            self.touched.clear();
            self.touched
                .extend((0..self.counts.len() as u32).filter(|&at| self.counts[at as usize] != 0));
        } else {
            self.touched.sort_unstable();
        }
        let entries = self
            .touched
            .drain(..)
            .map(|at| {
                let at = at as usize;
                let tf = std::mem::take(&mut self.counts[at]);
                ((at / fields) as u32, at % fields, tf)
            })
            .collect();
        Some((slot, entries))
    }
}

/// The CJK character a term begins with, if it does.
fn lead_character(term: &str) -> Option<char> {
    term.chars().next().filter(|&c| super::is_ideograph(c))
}

/// Every term whose key lies in `[lo, hi)` (`hi` empty: no bound), merging
/// the term streams of every field of every segment, with its impacts.
/// With `derive_alone`, a CJK character's own entry is derived from every
/// term it begins (see [`Lead`]).
fn terms_in_range(
    sources: &[Source],
    scoring: &Scoring,
    derive_alone: bool,
    lo: &[u8],
    hi: &[u8],
) -> tantivy::Result<Vec<(String, Vec<u8>)>> {
    let mut streams = Vec::with_capacity(sources.len());
    for source in sources {
        let mut builder = source.inverted.terms().range().ge(lo);
        if !hi.is_empty() {
            builder = builder.lt(hi);
        }
        let mut stream = builder.into_stream()?;
        let live = stream.advance();
        streams.push((stream, live));
    }
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let fields = scoring.fields.len();
    let mut lead = Lead {
        current: None,
        counts: if derive_alone {
            vec![0; scoring.docs * fields]
        } else {
            Vec::new()
        },
        touched: Vec::new(),
    };
    let finish = |lead: &mut Lead, out: &mut Vec<(String, Vec<u8>)>| {
        if let Some((slot, entries)) = lead.finish(fields) {
            out[slot].1 = term_value(scoring.impacts(&entries), scoring.docs);
        }
    };
    while let Some(key) = streams
        .iter()
        .filter(|(_, live)| *live)
        .map(|(s, _)| s.key())
        .min()
        .map(<[u8]>::to_vec)
    {
        entries.clear();
        for ((stream, live), source) in streams.iter_mut().zip(sources) {
            if !*live || stream.key() != key.as_slice() {
                continue;
            }
            let mut list = source
                .inverted
                .read_postings_from_terminfo(stream.value(), IndexRecordOption::WithFreqs)?;
            while list.doc() != TERMINATED {
                entries.push((
                    source.ours[list.doc() as usize],
                    source.field,
                    list.term_freq(),
                ));
                list.advance();
            }
            *live = stream.advance();
        }
        // Each source's list ascends by document (documents go to segments
        // in order): a run-merging sort, not a fresh one.
        entries.sort();
        let term = String::from_utf8_lossy(&key).into_owned();
        if derive_alone {
            let character = lead_character(&term);
            if lead.current.is_some_and(|(c, _)| Some(c) != character) {
                finish(&mut lead, &mut out);
            }
            if let Some(character) = character {
                if lead.current.is_none() {
                    out.push((character.to_string(), Vec::new()));
                    lead.current = Some((character, out.len() - 1));
                }
                lead.add(&entries, fields);
                if term.len() == character.len_utf8() {
                    // Only where runs end: its placeholder gets the whole.
                    continue;
                }
            }
        }
        out.push((term, term_value(scoring.impacts(&entries), scoring.docs)));
    }
    finish(&mut lead, &mut out);
    Ok(out)
}

/// Term key ranges read in parallel (split where CJK terms' first UTF-8
/// bytes change, as those terms are most of them).
const RANGES: &[&[u8]] = &[
    b"",
    b"\xe4\xb8",
    b"\xe4\xba",
    b"\xe4\xbd",
    b"\xe5",
    b"\xe5\x90",
    b"\xe5\x9c",
    b"\xe5\xb0",
    b"\xe5\xb9",
    b"\xe6",
    b"\xe6\x89",
    b"\xe6\x97",
    b"\xe6\xb0",
    b"\xe7",
    b"\xe7\x94",
    b"\xe8",
    b"\xe8\xa1",
    b"\xe9",
    b"",
];

/// Every term of the tantivy index that `casebook search` uses, with its
/// JSON value, sorted by term.
fn terms_of_index(
    published: &[&Case],
    index: &SearchIndex,
) -> tantivy::Result<Vec<(String, Vec<u8>)>> {
    let searcher = index.reader.searcher();
    let weighted = index.fields.weighted();
    let number: HashMap<&str, u32> = published
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i as u32))
        .collect();
    let docs = published.len();
    let mut lengths = vec![vec![0u32; weighted.len()]; docs];
    let mut totals = vec![0u64; weighted.len()];
    let mut sources = Vec::new();
    for segment in searcher.segment_readers() {
        // Segment doc id → our doc number, from the id field's terms.
        let mut ours = vec![u32::MAX; segment.max_doc() as usize];
        let ids = segment.inverted_index(index.fields.id)?;
        let mut terms = ids.terms().stream()?;
        while terms.advance() {
            let id = String::from_utf8_lossy(terms.key());
            let n = number.get(id.as_ref()).copied().ok_or_else(|| {
                tantivy::TantivyError::InternalError(format!("indexed case {id} is not published"))
            })?;
            let mut list =
                ids.read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            while list.doc() != TERMINATED {
                ours[list.doc() as usize] = n;
                list.advance();
            }
        }
        if ours.contains(&u32::MAX) {
            return Err(tantivy::TantivyError::InternalError(
                "an indexed case has no id".to_string(),
            ));
        }
        let ours = std::sync::Arc::new(ours);
        for (f, &(field, _, _)) in weighted.iter().enumerate() {
            let norms = segment.get_fieldnorms_reader(field)?;
            for local in 0..segment.max_doc() {
                lengths[ours[local as usize] as usize][f] = norms.fieldnorm(local);
            }
            let inverted = segment.inverted_index(field)?;
            totals[f] += inverted.total_num_tokens();
            sources.push(Source {
                inverted,
                field: f,
                ours: ours.clone(),
            });
        }
    }
    let fields: Vec<FieldStats> = weighted
        .iter()
        .zip(&totals)
        .map(|(&(_, _, boost), &total)| FieldStats {
            boost,
            average_length: stable_average(total, docs),
        })
        .collect();
    let scoring = Scoring {
        docs,
        fields: &fields,
        lengths: &lengths,
    };
    let derive_alone = index.purpose == Purpose::Export;
    let ranges: Vec<Vec<(String, Vec<u8>)>> = RANGES
        .windows(2)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|w| terms_in_range(&sources, &scoring, derive_alone, w[0], w[1]))
        .collect::<tantivy::Result<_>>()?;
    Ok(ranges.into_iter().flatten().collect())
}

/// A field's average length for BM25, kept to 12 significant bits (within
/// 0.05 %, a fortieth of an impact step): one case's edit moves the exact
/// average a little, and would otherwise move some impact of nearly every
/// term across a rounding edge, changing files that hold nothing of it.
fn stable_average(total: u64, docs: usize) -> f32 {
    if docs == 0 {
        return 1.0;
    }
    let exact = total as f64 / docs as f64;
    if exact <= 0.0 {
        return 1.0;
    }
    let unit = 2f64.powi(exact.log2().floor() as i32 - 11);
    ((exact / unit).round() * unit) as f32
}

/// The facet terms (`#a:slug` …) with their documents.
fn facet_terms(published: &[&Case], site: &Site) -> Vec<(String, Vec<u8>)> {
    let config = site.config;
    let mut facets: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
    for (doc, case) in published.iter().enumerate() {
        let slugs = [
            ("a", config.priority_areas.get(case.area)),
            ("i", config.industries.get(case.industry)),
            ("d", case.district.and_then(|d| config.districts.get(d))),
        ];
        for (key, term) in slugs {
            if let Some(term) = term {
                facets
                    .entry(format!("#{key}:{}", term.slug))
                    .or_default()
                    .push((doc as u32, 0));
            }
        }
        facets
            .entry(format!("#y:{}", case.year))
            .or_default()
            .push((doc as u32, 0));
    }
    facets.extend(method_facets(published, site));
    let mut out: Vec<(String, Vec<u8>)> = facets
        .into_iter()
        .map(|(term, postings)| (term, term_value(postings, published.len())))
        .collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The method facets (`#m:slug`): the method taxonomy's terms (which fold
/// a method's spellings together), restricted to the published documents.
fn method_facets(published: &[&Case], site: &Site) -> HashMap<String, Vec<(u32, u32)>> {
    // The taxonomy holds indices into `site.cases` (drafts too with
    // `--drafts`); documents number the published ones only.
    let doc_of: HashMap<&str, u32> = published
        .iter()
        .enumerate()
        .map(|(doc, case)| (case.id.as_str(), doc as u32))
        .collect();
    let methods = site.taxonomy(crate::taxonomy::TaxonomyKind::Method);
    methods
        .terms
        .iter()
        .map(|term| {
            let docs = term
                .cases
                .iter()
                .filter_map(|&i| doc_of.get(site.cases[i].id.as_str()))
                .map(|&doc| (doc, 0))
                .collect();
            (format!("#m:{}", term.slug), docs)
        })
        .filter(|(_, docs): &(String, Vec<(u32, u32)>)| !docs.is_empty())
        .collect()
}

/// What the search page needs to start: inlined into it, and written as
/// `search/meta.json`.
#[derive(Serialize)]
pub struct Meta {
    pub version: u32,
    pub docs: usize,
    /// The folder of this export's files, from the site root's path
    /// (`/search/0123456789/`).
    pub base: String,
    pub shards: usize,
    pub cards_per_file: usize,
    pub impact_min: f64,
    pub impact_steps: f64,
    /// The site's synonyms, normalised spelling → term (see
    /// [`super::Synonyms`]): the page cuts a query's slots with them.
    pub synonyms: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Card<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
    enterprise: &'a str,
    summary: String,
    area: &'a str,
    industry: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    district: Option<&'a str>,
    year: i64,
    /// The headline figure (`charts::case_headline`), as list cards show it.
    #[serde(skip_serializing_if = "Option::is_none")]
    headline: Option<String>,
}

/// The static search export of `site` from its `index` (built by
/// [`SearchIndex::build`] from the same site: published cases only): its
/// files, and its [`Meta`] for the search page.
pub fn export(site: &Site, index: &SearchIndex) -> tantivy::Result<(Vec<OutputFile>, Meta)> {
    // Documents are numbered in book order of the published cases.
    let published: Vec<&Case> = site
        .cases
        .iter()
        .copied()
        .filter(|c| c.status.is_published())
        .collect();
    let mut terms = terms_of_index(&published, index)?;
    terms.extend(facet_terms(&published, site));

    let (mut named, shard_count) = term_files(terms);
    let config = site.config;
    let cards: Vec<Card> = published
        .iter()
        .map(|c| Card {
            id: &c.id,
            title: &c.title,
            url: site.urls.link(&urls::case(&c.id)),
            enterprise: &c.enterprise.name,
            summary: crate::text::clause_excerpt(&c.body.summary, CARD_SUMMARY_CHARS),
            area: config
                .priority_areas
                .get(c.area)
                .map_or("", |t| t.name.as_str()),
            district: c
                .district
                .and_then(|d| config.districts.get(d))
                .map(|t| t.name.as_str()),
            industry: config
                .industries
                .get(c.industry)
                .map_or("", |t| t.name.as_str()),
            year: c.year,
            headline: crate::charts::case_headline(&c.metrics).map(|h| h.text),
        })
        .collect();
    for (i, chunk) in cards.chunks(CARDS_PER_FILE).enumerate() {
        named.push((
            format!("c{i}.json"),
            serde_json::to_vec(chunk).expect("plain JSON"),
        ));
    }

    let folder = folder_name(&published, shard_count);
    let folder = folder.as_str();
    let meta = Meta {
        version: FORMAT_VERSION,
        docs: published.len(),
        base: site.urls.link(&urls::search_export_file(folder, "")),
        shards: shard_count,
        cards_per_file: CARDS_PER_FILE,
        impact_min: IMPACT_MIN,
        impact_steps: IMPACT_STEPS,
        synonyms: index.synonyms.table().clone(),
    };
    let mut files: Vec<OutputFile> = named
        .into_iter()
        .map(|(name, bytes)| OutputFile {
            path: urls::search_export_file(folder, &name),
            contents: Contents::Bytes(bytes),
        })
        .collect();
    files.push(OutputFile {
        path: urls::SEARCH_META.to_string(),
        contents: Contents::Bytes(serde_json::to_vec(&meta).expect("plain JSON")),
    });
    Ok((files, meta))
}

/// The term files: long entries in `t{k}.json` files of their own, the
/// rest in `s{i}.json` shards; and the shard count.
///
/// Both kinds of name stay put while the content stays put, so a one-case
/// edit changes only the files holding terms of that case: `k` comes from
/// the term itself ([`big_term_numbers`]), and the shard count from the
/// export's size rounded up to four significant bits ([`shard_count`]).
fn term_files(terms: Vec<(String, Vec<u8>)>) -> (Vec<(String, Vec<u8>)>, usize) {
    let big: Vec<&str> = terms
        .iter()
        .filter(|(_, value)| value.len() > INLINE_MAX)
        .map(|(term, _)| term.as_str())
        .collect();
    let numbers: HashMap<String, usize> = big_term_numbers(&big)
        .into_iter()
        .map(|(term, k)| (term.to_string(), k))
        .collect();
    let mut named: Vec<(String, Vec<u8>)> = Vec::new();
    let mut inline: Vec<(String, Vec<u8>)> = Vec::with_capacity(terms.len());
    for (term, value) in terms {
        if value.len() > INLINE_MAX {
            let k = numbers[&term];
            named.push((format!("t{k}.json"), value));
            inline.push((term, k.to_string().into_bytes()));
        } else {
            inline.push((term, value));
        }
    }
    let total: usize = inline.iter().map(|(t, v)| t.len() + v.len() + 6).sum();
    let shard_count = shard_count(total);
    let mut shards: Vec<Vec<u8>> = vec![b"{".to_vec(); shard_count];
    for (term, value) in inline {
        let shard = &mut shards[shard_of(&term, shard_count)];
        if shard.len() > 1 {
            shard.push(b',');
        }
        serde_json::to_writer(&mut *shard, &term).expect("plain JSON");
        shard.push(b':');
        shard.extend_from_slice(&value);
    }
    for (i, mut shard) in shards.into_iter().enumerate() {
        shard.push(b'}');
        named.push((format!("s{i}.json"), shard));
    }
    (named, shard_count)
}

/// Shards for `total` bytes of entries: about [`SHARD_TARGET_BYTES`] each,
/// the count rounded up to four significant bits (8..16 × 2^e), so that
/// the few bytes a one-case edit adds or takes away almost never move
/// every term to another shard (a step is 6 to 12 % of the count).
pub fn shard_count(total: usize) -> usize {
    let wanted = total.div_ceil(SHARD_TARGET_BYTES).max(1);
    let bits = usize::BITS - wanted.leading_zeros();
    let unit = 1usize << bits.saturating_sub(4);
    wanted.div_ceil(unit) * unit
}

/// File numbers of the big terms: a term's own hash (FNV-1a, as shards),
/// modulo a space much larger than their count; on a clash the later term
/// (in sorted order) takes the next free number. A big term thus keeps its
/// file name while other terms come and go.
fn big_term_numbers<'a>(big: &[&'a str]) -> HashMap<&'a str, usize> {
    let space = (big.len() * 64).next_power_of_two().max(1 << 16);
    let mut taken = std::collections::HashSet::with_capacity(big.len());
    let mut numbers = HashMap::with_capacity(big.len());
    for &term in big {
        let mut k = shard_of(term, space);
        while !taken.insert(k) {
            k = (k + 1) % space;
        }
        numbers.insert(term, k);
    }
    numbers
}

/// The export's folder: a hash of what gives the files' names and numbers
/// their meaning (format, the documents in order, shard count, cards per
/// file), so a page that loaded one meta never reads files whose document
/// numbers or shards mean something else; an edit that keeps these keeps
/// the folder, and changes only the files whose content changed.
fn folder_name(published: &[&Case], shard_count: usize) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&FORMAT_VERSION.to_le_bytes());
    hasher.update(&(shard_count as u64).to_le_bytes());
    hasher.update(&(CARDS_PER_FILE as u64).to_le_bytes());
    for case in published {
        hasher.update(case.id.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().to_hex()[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_counts_move_in_small_steps_only() {
        assert_eq!(shard_count(0), 1);
        assert_eq!(shard_count(15 * SHARD_TARGET_BYTES), 15);
        // 550 wanted: 4 significant bits of 550 are 544 + 32 = 576.
        assert_eq!(shard_count(550 * SHARD_TARGET_BYTES), 576);
        assert_eq!(shard_count(551 * SHARD_TARGET_BYTES), 576);
        for wanted in [1usize, 17, 100, 550, 3000, 100_000] {
            let count = shard_count(wanted * SHARD_TARGET_BYTES);
            assert!(
                count >= wanted && count * 8 <= wanted * 9 + 8,
                "{wanted} → {count}"
            );
        }
    }

    #[test]
    fn a_big_term_keeps_its_number_when_others_come_and_go() {
        let before = big_term_numbers(&["质量", "管理", "检测"]);
        let after = big_term_numbers(&["一次", "质量", "检测"]);
        assert_eq!(before["质量"], after["质量"]);
        assert_eq!(before["检测"], after["检测"]);
        let numbers: std::collections::HashSet<usize> = after.values().copied().collect();
        assert_eq!(numbers.len(), 3);
    }

    #[test]
    fn averages_round_to_twelve_bits() {
        assert_eq!(stable_average(0, 0), 1.0);
        assert_eq!(stable_average(4096, 1), 4096.0);
        let exact = 50_000_003.0 / 10_000.0;
        let rounded = f64::from(stable_average(50_000_003, 10_000));
        assert!((rounded - exact).abs() / exact < 1.0 / 2048.0);
        // A one-case edit's few characters do not move it.
        assert_eq!(
            stable_average(50_000_003, 10_000),
            stable_average(50_000_023, 10_000)
        );
    }

    #[test]
    fn shard_hash_is_fnv1a() {
        // FNV-1a 32 of "a" is 0xe40c292c; search.js checks the same values.
        assert_eq!(shard_of("a", usize::MAX >> 1), 0xe40c_292c);
        assert_eq!(shard_of("", 1 << 32), 0x811c_9dc5);
        assert_eq!(shard_of("西格", 1), 0);
    }

    #[test]
    fn varints_take_five_bits_a_digit() {
        let mut s = String::new();
        for n in [0, 31, 32, 1023, 1024] {
            push_varint(&mut s, n);
        }
        // 0 → A; 31 → f; 32 → g (0|32) B (1); 1023 → _ (31|32) f (31);
        // 1024 → g (0|32) g (0|32) B (1).
        assert_eq!(s, "AfgB_fggB");
    }

    #[test]
    fn posting_strings_are_doc_deltas_and_impacts() {
        assert_eq!(posting_string(&mut [(40, 2), (3, 1)]), "DBlBC");
    }

    #[test]
    fn bitmaps_hold_six_docs_a_character() {
        // Docs 0, 5 → bits 0 and 5 of the first sextet (33 = h); doc 7 →
        // bit 1 of the second (2 = C).
        assert_eq!(bitmap(&[(0, 1), (5, 1), (7, 1)]), "hC");
    }

    #[test]
    fn impacts_are_logarithmic_and_keep_zero() {
        assert_eq!(quantize(0.0), 0);
        assert_eq!(quantize(5e-6), 1);
        assert_eq!(quantize(1e-5), 1);
        let q = quantize(1.0);
        assert_eq!(q, 577, "search.js's test takes 577 for about 1");
        let back = IMPACT_MIN * (f64::from(q - 1) / IMPACT_STEPS).exp();
        assert!((back - 1.0).abs() < 0.01, "{back}");
        assert!(quantize(1000.0) < 1024, "two digits at most");
    }

    #[test]
    fn big_terms_keep_their_best_documents_and_the_shortest_member_list() {
        let big = |postings: Vec<(u32, u32)>, docs| -> serde_json::Value {
            serde_json::from_slice(&term_value(postings, docs)).unwrap()
        };
        // In every document: nothing is absent.
        let everywhere: Vec<(u32, u32)> = (0..300).map(|d| (d, d % 7 + 1)).collect();
        let value = big(everywhere, 300);
        assert_eq!(value["n"], 300);
        assert_eq!(value["min"], 1);
        assert_eq!(value["absent"], "");
        assert_eq!(
            super::tests::decode(value["top"].as_str().unwrap()).len(),
            2 * TOP
        );
        // In every other document: a bitmap (1 character per 6 documents)
        // beats a list of deltas (1 per document).
        let half: Vec<(u32, u32)> = (0..600).step_by(2).map(|d| (d, 1)).collect();
        assert_eq!(big(half, 600)["bits"].as_str().unwrap().len(), 100);
        // Spread thinly: a list of deltas beats both.
        let sparse: Vec<(u32, u32)> = (0..300).map(|d| (d * 20, 1)).collect();
        assert_eq!(big(sparse, 6000)["docs"].as_str().unwrap().len(), 300);
    }

    /// `tests/fixtures/search/export-vectors.json`, which `search.js`'s
    /// test decodes: the real encoders write exactly its strings, and the
    /// decoder here reads them back.
    #[test]
    fn shared_vectors_encode_as_listed() {
        let vectors: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/search/export-vectors.json"
        ))
        .unwrap();
        let list = |key: &str| vectors[key].as_array().unwrap().clone();
        let numbers = |v: &serde_json::Value| -> Vec<u32> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_u64().unwrap() as u32)
                .collect()
        };
        let pairs = |v: &serde_json::Value| -> Vec<(u32, u32)> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_u64().unwrap() as u32, p[1].as_u64().unwrap() as u32))
                .collect()
        };
        for v in list("varints") {
            let mut text = String::new();
            for n in numbers(&v["numbers"]) {
                push_varint(&mut text, n);
            }
            assert_eq!(text, v["text"], "{v}");
            assert_eq!(decode(&text), numbers(&v["numbers"]));
        }
        for v in list("postings") {
            assert_eq!(posting_string(&mut pairs(&v["pairs"])), v["text"], "{v}");
        }
        for v in list("bitmaps") {
            let docs: Vec<(u32, u32)> = numbers(&v["docs"]).iter().map(|&d| (d, 1)).collect();
            assert_eq!(bitmap(&docs), v["text"], "{v}");
        }
        for v in list("doc_lists") {
            assert_eq!(doc_list(numbers(&v["docs"]).into_iter()), v["text"], "{v}");
        }
        let mut forms = std::collections::BTreeSet::new();
        for v in list("terms") {
            let docs = v["docs"].as_u64().unwrap() as usize;
            let value: serde_json::Value =
                serde_json::from_slice(&term_value(pairs(&v["postings"]), docs)).unwrap();
            assert_eq!(value, v["value"], "term {}", v["name"]);
            for form in ["bits", "docs", "absent"] {
                if value.get(form).is_some() {
                    forms.insert(form);
                }
            }
        }
        assert_eq!(forms.len(), 3, "the vectors hold every membership form");
    }

    /// A character's gathered postings come out sorted by document with
    /// the summed counts, whether few slots were touched (sorted) or most
    /// (read densely): the same entries a plain map gives.
    #[test]
    fn lead_gathers_the_terms_a_character_begins() {
        let fields = 3;
        let docs = 40;
        // Each term's entries ascend by document, as the streams give them.
        let term = |step: u32, field: usize| -> Vec<Entry> {
            (0..docs as u32)
                .step_by(step as usize)
                .map(|d| (d, field, d % 4 + 1))
                .collect()
        };
        for terms in [
            vec![term(13, 0), term(17, 2)],                       // a few slots
            vec![term(1, 0), term(2, 1), term(3, 0), term(1, 2)], // most of them
        ] {
            let mut lead = Lead {
                current: Some(('质', 0)),
                counts: vec![0; docs * fields],
                touched: Vec::new(),
            };
            let mut expected = std::collections::BTreeMap::new();
            for entries in &terms {
                lead.add(entries, fields);
                for &(doc, field, tf) in entries {
                    *expected.entry((doc, field)).or_insert(0) += tf;
                }
            }
            let (slot, gathered) = lead.finish(fields).unwrap();
            assert_eq!(slot, 0);
            let expected: Vec<Entry> = expected
                .into_iter()
                .map(|((d, f), tf)| (d, f, tf))
                .collect();
            assert_eq!(gathered, expected);
            assert!(lead.counts.iter().all(|&c| c == 0), "counts reset");
            assert!(lead.touched.is_empty());
        }
    }

    /// Each term's documents, from an export's in-memory files.
    fn exported_terms(files: &[OutputFile]) -> std::collections::BTreeMap<String, Vec<u32>> {
        let json = |name: &str| -> serde_json::Value {
            let file = files
                .iter()
                .find(|f| f.path.ends_with(&format!("/{name}")))
                .unwrap_or_else(|| panic!("{name} is exported"));
            match &file.contents {
                Contents::Bytes(bytes) => serde_json::from_slice(bytes).unwrap(),
                Contents::Copy(_) => panic!("{name} is in memory"),
            }
        };
        let mut terms = std::collections::BTreeMap::new();
        for i in 0.. {
            if !files
                .iter()
                .any(|f| f.path.ends_with(&format!("/s{i}.json")))
            {
                break;
            }
            for (term, value) in json(&format!("s{i}.json")).as_object().unwrap() {
                let value = match value.as_u64() {
                    Some(k) => json(&format!("t{k}.json")),
                    None => value.clone(),
                };
                let postings = decode(value.as_str().expect("a small site has no big terms"));
                let docs = postings
                    .chunks(2)
                    .scan(0, |doc, pair| {
                        *doc += pair[0];
                        Some(*doc)
                    })
                    .collect();
                terms.insert(term.clone(), docs);
            }
        }
        terms
    }

    /// The build's lean index (a character alone only where its run ends,
    /// no positions) exports the same terms with the same documents as the
    /// full index `casebook search` queries: a character's postings are
    /// derived from the bigrams it begins.
    #[test]
    fn the_lean_index_exports_what_the_full_index_does() {
        crate::site::with_example_site(|site| {
            let export_of = |purpose| {
                let index = SearchIndex::build_for(site, purpose).unwrap();
                exported_terms(&export(site, &index).unwrap().0)
            };
            let full = export_of(Purpose::Query);
            let lean = export_of(Purpose::Export);
            assert!(full.len() > 5_000, "{} terms", full.len());
            assert_eq!(
                full.keys().collect::<Vec<_>>(),
                lean.keys().collect::<Vec<_>>()
            );
            for (term, docs) in &full {
                assert_eq!(docs, &lean[term], "documents of {term}");
            }
            // A character alone holds every document it appears in.
            assert!(lean["质"].len() >= 14, "{:?}", lean["质"]);
        });
    }

    /// The numbers of a varint string (as search.js decodes them).
    fn decode(text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let (mut value, mut shift) = (0u32, 0);
        for c in text.bytes() {
            let d = ALPHABET.iter().position(|&a| a == c).unwrap() as u32;
            value |= (d & 31) << shift;
            if d & 32 != 0 {
                shift += 5;
            } else {
                out.push(value);
                (value, shift) = (0, 0);
            }
        }
        out
    }
}
