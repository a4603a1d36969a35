//! The static search index: the tantivy index of the published cases,
//! exported as small JSON files under `search/` for the browser's search
//! page (`static/js/search.js`), which fetches only the shards holding the
//! query's terms.
//!
//! - `search/meta.json` (fixed name): format version, number of documents,
//!   the text fields with their boosts and average lengths (for BM25), each
//!   document's field lengths and facets, the content-hashed names of the
//!   shard and card files.
//! - `search/s{i}.{hash}.json`: term shards. Term `t` lives in shard
//!   `fnv1a32(utf8(t)) % shards`. A shard is a JSON object term →
//!   postings, each posting `[doc, field, position, position…]` (the
//!   fields numbered as in `meta.fields`), sorted by doc and field.
//! - `search/c{i}.{hash}.json`: cards, [`CARDS_PER_FILE`] per file in doc
//!   order: `{id, title, url, enterprise, summary}`.
//!
//! Everything comes out of [`SearchIndex::build`], which indexes published
//! cases only, so nothing unpublished can reach these files.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::postings::Postings as _;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED};

use super::index::SearchIndex;
use crate::content::Case;
use crate::render::{Contents, OutputFile};
use crate::site::Site;
use crate::theme::fingerprinted_path;

/// Version of the file format (bump when `search.js` must change with it).
pub const FORMAT_VERSION: u32 = 2;

/// Aim for shards of about this many bytes of JSON (before gzip).
pub const SHARD_TARGET_BYTES: usize = 20_000;

/// A term's positions, or its whole entry, longer than this many bytes of
/// JSON gets a file of its own (so a common term does not swell a shard).
pub const PAGE_BYTES: usize = 8_000;

/// Cards per card file (a card is ~300 bytes).
pub const CARDS_PER_FILE: usize = 64;

/// Characters of summary on a card.
pub const CARD_SUMMARY_CHARS: usize = 80;

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

#[derive(Serialize)]
struct FieldMeta {
    name: &'static str,
    boost: f32,
    /// Average field length (tokens per document), as tantivy's BM25 uses.
    avg: f32,
}

#[derive(Serialize)]
struct FacetTerm {
    name: String,
    slug: String,
}

#[derive(Serialize)]
struct Facets {
    area: Vec<FacetTerm>,
    industry: Vec<FacetTerm>,
    district: Vec<FacetTerm>,
}

#[derive(Serialize)]
struct Meta {
    version: u32,
    docs: usize,
    fields: Vec<FieldMeta>,
    /// Per document, per field (in `fields` order): its length in tokens.
    lengths: Vec<Vec<u32>>,
    facets: Facets,
    /// Per document: `[area, industry, district or -1, year]` (indexes into
    /// `facets`).
    doc_facets: Vec<[i64; 4]>,
    shards: Vec<String>,
    cards_per_file: usize,
    cards: Vec<String>,
}

#[derive(Serialize)]
struct Card<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
    enterprise: &'a str,
    summary: String,
}

/// One term's postings, encoded: `p` and `pos` as in the module docs.
struct Encoded {
    term: String,
    p: Vec<u8>,
    pos: Vec<u8>,
}

/// Append `n` in decimal.
fn push_num(out: &mut Vec<u8>, n: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// A comma before every number of a JSON array but the first.
fn push_sep(out: &mut Vec<u8>) {
    if out.len() > 1 {
        out.push(b',');
    }
}

/// What the export needs of the index: per document and field its length
/// as tantivy's BM25 sees it (the fieldnorm), per field the total token
/// count, and every term's encoded postings, sorted by term.
struct Postings {
    /// The weighted fields' names and boosts.
    fields: Vec<(&'static str, f32)>,
    lengths: Vec<Vec<u32>>,
    totals: Vec<u64>,
    terms: Vec<Encoded>,
}

/// Where one field's inverted index of one segment is read from.
struct Source {
    inverted: std::sync::Arc<tantivy::InvertedIndexReader>,
    /// Field number (in `meta.fields` order).
    field: u32,
    /// Segment doc id → our doc number.
    ours: std::sync::Arc<Vec<u32>>,
}

/// Encode every term whose key lies in `[lo, hi)` (`hi` empty: no bound),
/// merging the term streams of every field of every segment.
fn encode_range(sources: &[Source], lo: &[u8], hi: &[u8]) -> tantivy::Result<Vec<Encoded>> {
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
    let mut out = Vec::new();
    // (our doc, field, tf, start in `positions`) of the current term.
    let mut entries: Vec<(u32, u32, u32, usize)> = Vec::new();
    let mut positions: Vec<u32> = Vec::new();
    let mut buf: Vec<u32> = Vec::new();
    while let Some(key) = streams
        .iter()
        .filter(|(_, live)| *live)
        .map(|(s, _)| s.key())
        .min()
        .map(<[u8]>::to_vec)
    {
        entries.clear();
        positions.clear();
        for ((stream, live), source) in streams.iter_mut().zip(sources) {
            if !*live || stream.key() != key.as_slice() {
                continue;
            }
            let mut list = source.inverted.read_postings_from_terminfo(
                stream.value(),
                IndexRecordOption::WithFreqsAndPositions,
            )?;
            while list.doc() != TERMINATED {
                list.positions(&mut buf);
                entries.push((
                    source.ours[list.doc() as usize],
                    source.field,
                    buf.len() as u32,
                    positions.len(),
                ));
                positions.extend_from_slice(&buf);
                list.advance();
            }
            *live = stream.advance();
        }
        entries.sort_unstable();
        let mut p = Vec::with_capacity(entries.len() * 8);
        let mut pos = Vec::with_capacity(positions.len() * 4);
        p.push(b'[');
        pos.push(b'[');
        let mut last_doc = 0;
        for &(doc, field, tf, start) in &entries {
            push_sep(&mut p);
            push_num(&mut p, doc - last_doc);
            p.push(b',');
            push_num(&mut p, field);
            p.push(b',');
            push_num(&mut p, tf);
            last_doc = doc;
            let mut last = 0;
            for &position in &positions[start..start + tf as usize] {
                push_sep(&mut pos);
                push_num(&mut pos, position - last);
                last = position;
            }
        }
        p.push(b']');
        pos.push(b']');
        out.push(Encoded {
            term: String::from_utf8_lossy(&key).into_owned(),
            p,
            pos,
        });
    }
    Ok(out)
}

/// Term key ranges encoded in parallel (split where CJK terms' first UTF-8
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

/// The postings of the tantivy index that `casebook search` uses, read
/// term by term (merging every field of every segment), in parallel over
/// ranges of terms.
fn from_index(site: &Site, published: &[&Case]) -> tantivy::Result<Postings> {
    use rayon::prelude::*;

    let index = SearchIndex::build(site)?;
    let searcher = index.reader.searcher();
    let fields = index.fields.weighted();
    let number: HashMap<&str, u32> = published
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i as u32))
        .collect();
    let docs = published.len();
    let mut lengths = vec![vec![0u32; fields.len()]; docs];
    let mut totals = vec![0u64; fields.len()];
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
        for (f, &(field, _, _)) in fields.iter().enumerate() {
            let norms = segment.get_fieldnorms_reader(field)?;
            for local in 0..segment.max_doc() {
                lengths[ours[local as usize] as usize][f] = norms.fieldnorm(local);
            }
            let inverted = segment.inverted_index(field)?;
            totals[f] += inverted.total_num_tokens();
            sources.push(Source {
                inverted,
                field: f as u32,
                ours: ours.clone(),
            });
        }
    }
    let encoded: Vec<Vec<Encoded>> = RANGES
        .windows(2)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|w| encode_range(&sources, w[0], w[1]))
        .collect::<tantivy::Result<_>>()?;
    Ok(Postings {
        fields: fields
            .iter()
            .map(|&(_, name, boost)| (name, boost))
            .collect(),
        lengths,
        totals,
        terms: encoded.into_iter().flatten().collect(),
    })
}

/// The `search/` files for `site` (published cases only). `base_path` is
/// the site's path prefix (`/` or `/sub/`).
pub fn export(site: &Site, base_path: &str) -> tantivy::Result<Vec<OutputFile>> {
    // Documents are numbered in book order of the published cases.
    let published: Vec<&Case> = site
        .cases
        .iter()
        .filter(|c| c.status.is_published())
        .collect();
    let docs = published.len();
    let Postings {
        fields,
        lengths,
        totals,
        terms: encoded,
    } = from_index(site, &published)?;

    let mut files = Vec::new();
    let mut publish = |rel: String, bytes: Vec<u8>| -> String {
        let path = fingerprinted_path(&rel, &bytes);
        let name = path.trim_start_matches("search/").to_string();
        files.push(OutputFile {
            path,
            contents: Contents::Bytes(bytes),
        });
        name
    };

    // Large positions and large postings move to files of their own; the
    // shards hold the rest.
    let mut inline: Vec<(String, Vec<u8>)> = Vec::new();
    let (mut pages, mut position_pages) = (0, 0);
    for term in encoded {
        let Encoded { term, p, pos } = term;
        let pos = if pos.len() > PAGE_BYTES {
            let name = publish(format!("search/p{position_pages}.json"), pos);
            position_pages += 1;
            serde_json::to_vec(&name).expect("plain JSON")
        } else {
            pos
        };
        let mut value = Vec::with_capacity(p.len() + pos.len() + 3);
        value.push(b'[');
        value.extend_from_slice(&p);
        value.push(b',');
        value.extend_from_slice(&pos);
        value.push(b']');
        let value = if value.len() > PAGE_BYTES {
            let name = publish(format!("search/t{pages}.json"), value);
            pages += 1;
            serde_json::to_vec(&name).expect("plain JSON")
        } else {
            value
        };
        inline.push((term, value));
    }

    let total: usize = inline.iter().map(|(t, v)| t.len() + v.len() + 6).sum();
    let shard_count = total.div_ceil(SHARD_TARGET_BYTES).max(1);
    let mut shards: Vec<Vec<u8>> = vec![b"{".to_vec(); shard_count];
    for (term, value) in inline {
        let shard = &mut shards[shard_of(&term, shard_count)];
        if shard.len() > 1 {
            shard.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut *shard, &term).expect("plain JSON");
        shard.push(b':');
        shard.extend_from_slice(&value);
    }
    let shard_names: Vec<String> = shards
        .into_iter()
        .enumerate()
        .map(|(i, mut json)| {
            json.push(b'}');
            publish(format!("search/s{i}.json"), json)
        })
        .collect();

    let cards: Vec<Card> = published
        .iter()
        .map(|c| Card {
            id: &c.id,
            title: &c.title,
            url: format!("{base_path}cases/{}/", c.id),
            enterprise: &c.enterprise.name,
            summary: crate::text::excerpt(&c.body.summary, CARD_SUMMARY_CHARS),
        })
        .collect();
    let card_names: Vec<String> = cards
        .chunks(CARDS_PER_FILE)
        .enumerate()
        .map(|(i, chunk)| {
            let json = serde_json::to_vec(chunk).expect("plain JSON");
            publish(format!("search/c{i}.json"), json)
        })
        .collect();

    let config = site.config;
    let facet_terms = |terms: &[crate::config::TermConfig]| {
        terms
            .iter()
            .map(|t| FacetTerm {
                name: t.name.clone(),
                slug: t.slug.clone(),
            })
            .collect()
    };
    let meta = Meta {
        version: FORMAT_VERSION,
        docs,
        fields: fields
            .iter()
            .zip(&totals)
            .map(|(&(name, boost), &total)| FieldMeta {
                name,
                boost,
                avg: if docs == 0 {
                    1.0
                } else {
                    total as f32 / docs as f32
                },
            })
            .collect(),
        lengths,
        facets: Facets {
            area: facet_terms(&config.priority_areas),
            industry: facet_terms(&config.industries),
            district: facet_terms(&config.districts),
        },
        doc_facets: published
            .iter()
            .map(|c| {
                [
                    c.area as i64,
                    c.industry as i64,
                    c.district.map_or(-1, |d| d as i64),
                    c.year,
                ]
            })
            .collect(),
        shards: shard_names,
        cards_per_file: CARDS_PER_FILE,
        cards: card_names,
    };
    files.push(OutputFile {
        path: "search/meta.json".to_string(),
        contents: Contents::Bytes(serde_json::to_vec(&meta).expect("plain JSON")),
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_hash_is_fnv1a() {
        // FNV-1a 32 of "a" is 0xe40c292c; search.js checks the same values.
        assert_eq!(shard_of("a", usize::MAX >> 1), 0xe40c_292c);
        assert_eq!(shard_of("", 1 << 32), 0x811c_9dc5);
        assert_eq!(shard_of("西格", 1), 0);
    }
}
