//! Related cases (相关案例): for every case of the site, the few published
//! cases most like it, chosen once per build from the search index.
//!
//! In the spirit of a more-like-this query (Lucene's `MoreLikeThis`, which
//! tantivy's `MoreLikeThisQuery` follows): a case's short, telling fields
//! (title, methods, technologies, abstract) are cut with the index's own
//! analyzer; each term weighs its count × its idf in the index × its field's
//! weight; the [`QUERY_TERMS`] heaviest (ties by field and text) are looked
//! up in the index's postings, and every other case holding them scores the
//! sum of their weights (each saturated by its count there, as BM25 does).
//! Terms held by one case only, or by more than a tenth of the site, are
//! skipped: they can match nothing, or everything.
//!
//! tantivy's own `MoreLikeThisQuery` is not used: it picks among equally
//! weighted terms in hash-map order and its top-k search sums scores in an
//! order that depends on which segment a case landed in, so two builds of
//! the same content could disagree. Here terms are taken in a fixed order
//! and every candidate's score is summed in that order, so the lists are
//! the same on every build.
//!
//! Then the reader's preference: a case sharing a method ranks higher, and
//! higher still when it is from another industry or another year (the same
//! method applied elsewhere). Ties go by book order. The index holds only
//! published cases, so no draft is ever related; a case is never its own.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocSet, Searcher, TantivyDocument, Term, TERMINATED};

use super::index::Fields;
use super::SearchIndex;
use crate::content::Case;
use crate::site::Site;

/// Related cases shown on a case page.
pub const RELATED_CASES: usize = 4;

/// Terms of a case looked up in the index (Lucene's default is 25).
const QUERY_TERMS: usize = 25;

/// Terms held by more than this share of the cases (and more than
/// [`MAX_COMMON`] cases) are too common to say what a case is about, and
/// would cost a pass over most of the index.
const MAX_SHARE: f64 = 0.1;
const MAX_COMMON: u64 = 20;

/// BM25's term-count saturation.
const K1: f32 = 1.2;

/// A candidate sharing a method with the case scores this much higher…
const SAME_METHOD: f32 = 1.5;
/// …and, sharing one, this much higher again from another industry…
const OTHER_INDUSTRY: f32 = 1.25;
/// …and this much from another year.
const OTHER_YEAR: f32 = 1.15;

/// Each case's related cases (ids, best first), by case id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Related {
    lists: BTreeMap<String, Vec<String>>,
}

impl Related {
    /// The related cases of every case of `site` (drafts too, under
    /// `--drafts`: their page shows published cases only), from `index`
    /// (built from the same site, for any purpose).
    pub fn of_site(site: &Site, index: &SearchIndex) -> tantivy::Result<Related> {
        let searcher = index.reader.searcher();
        let docs = DocCases::new(&searcher, &index.fields, site)?;
        let fields = query_fields(&index.fields);
        let mut analyzers = Vec::new();
        for &(field, _) in &fields {
            analyzers.push(index.index.tokenizer_for_field(field)?);
        }
        let methods = site
            .cases
            .iter()
            .map(|c| {
                c.methods
                    .iter()
                    .map(|m| crate::text::fold_width(m))
                    .collect()
            })
            .collect();
        let finder = Finder {
            site,
            methods,
            searcher: &searcher,
            docs: &docs,
            fields: &fields,
            analyzers: &analyzers,
        };
        let lists = site
            .cases
            .par_iter()
            .enumerate()
            .map(|(i, case)| Ok((case.id.clone(), finder.related(i)?)))
            .collect::<tantivy::Result<BTreeMap<_, _>>>()?;
        Ok(Related { lists })
    }

    /// Case `id`'s related cases, best first (none for an unknown id).
    pub fn of(&self, id: &str) -> &[String] {
        self.lists.get(id).map_or(&[], Vec::as_slice)
    }

    /// Ids whose list differs between `self` and `other`.
    pub fn changed(&self, other: &Related) -> BTreeSet<String> {
        let ids: BTreeSet<&String> = self.lists.keys().chain(other.lists.keys()).collect();
        ids.into_iter()
            .filter(|id| self.lists.get(*id) != other.lists.get(*id))
            .cloned()
            .collect()
    }
}

/// The fields a case's terms are taken from, with their weights: methods
/// say most about what a case did, an abstract least per term.
fn query_fields(fields: &Fields) -> [(Field, f32); 4] {
    [
        (fields.methods, 3.0),
        (fields.technologies, 2.0),
        (fields.title, 1.5),
        (fields.summary, 1.0),
    ]
}

/// The text of `case` in each of [`query_fields`].
fn query_texts(case: &Case) -> [Vec<&str>; 4] {
    fn each(values: &[String]) -> Vec<&str> {
        values.iter().map(String::as_str).collect()
    }
    [
        each(&case.methods),
        each(&case.technologies),
        vec![case.title.as_str()],
        vec![case.body.summary.as_str()],
    ]
}

/// Which case of the site each document of each segment is.
struct DocCases(Vec<Vec<Option<usize>>>);

impl DocCases {
    fn new(searcher: &Searcher, fields: &Fields, site: &Site) -> tantivy::Result<DocCases> {
        let position: HashMap<&str, usize> = site
            .cases
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let mut segments = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(0)?;
            let mut cases = Vec::with_capacity(segment.max_doc() as usize);
            for doc in 0..segment.max_doc() {
                let stored: TantivyDocument = store.get(doc)?;
                let id = stored.get_first(fields.id).and_then(|v| v.as_str());
                cases.push(id.and_then(|id| position.get(id).copied()));
            }
            segments.push(cases);
        }
        Ok(DocCases(segments))
    }
}

/// What finding one case's related cases reads.
struct Finder<'a> {
    site: &'a Site<'a>,
    /// Each case's methods, width-folded, in site order.
    methods: Vec<Vec<String>>,
    searcher: &'a Searcher,
    docs: &'a DocCases,
    fields: &'a [(Field, f32); 4],
    analyzers: &'a [tantivy::tokenizer::TextAnalyzer],
}

/// A term of the case, its weight, and its postings' places per segment.
struct QueryTerm {
    term: Term,
    weight: f32,
    infos: Vec<Option<tantivy::postings::TermInfo>>,
}

impl Finder<'_> {
    /// Case `i`'s related cases (ids, best first).
    fn related(&self, i: usize) -> tantivy::Result<Vec<String>> {
        let terms = self.query_terms(i)?;
        let mut scores = vec![0f32; self.site.cases.len()];
        for term in &terms {
            self.add_matches(term, &mut scores)?;
        }
        let mut ranked: Vec<(f32, usize)> = scores
            .iter()
            .enumerate()
            .filter(|&(j, &score)| j != i && score > 0.0)
            .map(|(j, &score)| (score * self.preference(i, j), j))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(ranked
            .into_iter()
            .take(RELATED_CASES)
            .map(|(_, j)| self.site.cases[j].id.clone())
            .collect())
    }

    /// The case's heaviest terms, heaviest first (ties by field and text).
    fn query_terms(&self, i: usize) -> tantivy::Result<Vec<QueryTerm>> {
        let mut counts: BTreeMap<Term, (f32, usize)> = BTreeMap::new();
        let texts = query_texts(self.site.cases[i]);
        for ((&(field, boost), analyzer), values) in
            self.fields.iter().zip(self.analyzers).zip(texts)
        {
            let mut analyzer = analyzer.clone();
            for value in values {
                analyzer.token_stream(value).process(&mut |token| {
                    let term = Term::from_field_text(field, &token.text);
                    counts.entry(term).or_insert((boost, 0)).1 += 1;
                });
            }
        }
        let cases = self.searcher.num_docs().max(1);
        let most = ((cases as f64 * MAX_SHARE) as u64).max(MAX_COMMON);
        let mut terms = Vec::new();
        for (term, (boost, count)) in counts {
            let mut infos = Vec::new();
            let mut df = 0u64;
            for segment in self.searcher.segment_readers() {
                let info = segment.inverted_index(term.field())?.get_term_info(&term)?;
                df += info.as_ref().map_or(0, |i| u64::from(i.doc_freq));
                infos.push(info);
            }
            if df < 2 || df > most {
                continue;
            }
            let idf = (1.0 + (cases as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln();
            let weight = count as f32 * idf * boost;
            terms.push(QueryTerm {
                term,
                weight,
                infos,
            });
        }
        // Stable: equal weights keep the map's (field, text) order.
        terms.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        terms.truncate(QUERY_TERMS);
        Ok(terms)
    }

    /// Add `term`'s weight, saturated by its count, to each case holding it.
    fn add_matches(&self, term: &QueryTerm, scores: &mut [f32]) -> tantivy::Result<()> {
        let segments = self.searcher.segment_readers().iter().zip(&self.docs.0);
        for ((segment, cases), info) in segments.zip(&term.infos) {
            let Some(info) = info else { continue };
            let inverted = segment.inverted_index(term.term.field())?;
            let mut postings =
                inverted.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
            while postings.doc() != TERMINATED {
                if let Some(&Some(j)) = cases.get(postings.doc() as usize) {
                    let tf = postings.term_freq() as f32;
                    scores[j] += term.weight * tf * (K1 + 1.0) / (tf + K1);
                }
                postings.advance();
            }
        }
        Ok(())
    }

    /// How much more case `j` is worth to a reader of case `i`: the same
    /// method, better still applied in another industry or year.
    fn preference(&self, i: usize, j: usize) -> f32 {
        let shares_method = self.methods[j].iter().any(|m| self.methods[i].contains(m));
        if !shares_method {
            return 1.0;
        }
        let (case, other) = (self.site.cases[i], self.site.cases[j]);
        let mut factor = SAME_METHOD;
        if other.industry != case.industry {
            factor *= OTHER_INDUSTRY;
        }
        if other.year != case.year {
            factor *= OTHER_YEAR;
        }
        factor
    }
}
