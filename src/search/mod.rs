//! Full-text search over the published cases, with tantivy.
//!
//! [`analyzer`] cuts Chinese into overlapping bigrams (and unigrams) and
//! Latin/digit runs into lowercase words, after width folding; it is used
//! for every field and every query. [`SearchIndex`] is built from a derived
//! [`Site`](crate::site::Site) (published cases only; the model has no
//! `private` fields). [`SearchIndex::search`] runs a query: whitespace
//! separates words that must all appear; each word must match as a phrase
//! in one of the fields (title and enterprise name weigh most); filters
//! narrow by priority area, industry, district (name or slug) and year.
//! The site's [`Synonyms`] let a word match as typed or as its term (6σ or
//! 六西格玛), whichever scores higher.
//! Hits come ranked, with a snippet around the match. [`Related`] picks
//! each case's related cases from the index once per build.

mod analyzer;
pub mod export;
mod index;
pub mod persisted;
mod related;
mod snippet;
mod suggest;
mod synonyms;

use std::fmt;

use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::tokenizer::Token;
use tantivy::{TantivyDocument, Term};

pub use analyzer::{analyze, is_ideograph, CjkTokenizer, Mode, TOKENIZER_NAME};
pub use index::{plain_text, MethodTerm, Purpose, SearchIndex};
pub use related::{Related, RELATED_CASES};
pub use snippet::{around_matches, find_matches, Snippet};
pub use synonyms::Synonyms;

use crate::config::{Config, TermConfig};

/// Characters of text in a snippet (about two lines on a phone).
pub const SNIPPET_CHARS: usize = 80;

/// Restrict results to some taxonomy terms. Areas, industries, districts
/// and methods are given by name or slug (a method's name in any width).
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub area: Option<String>,
    pub industry: Option<String>,
    pub district: Option<String>,
    pub year: Option<i64>,
    pub method: Option<String>,
}

impl Filters {
    /// Every filter must name a term of the site: a configured one, or a
    /// method some published case uses; the message lists them.
    pub fn check(&self, config: &Config, methods: &[MethodTerm]) -> Result<(), String> {
        let lists: [(&str, &Option<String>, &[TermConfig]); 3] = [
            ("遴选重点", &self.area, &config.priority_areas),
            ("行业", &self.industry, &config.industries),
            ("区", &self.district, &config.districts),
        ];
        for (what, value, terms) in lists {
            let Some(value) = value else { continue };
            if !terms.iter().any(|t| &t.name == value || &t.slug == value) {
                let known: Vec<String> = terms
                    .iter()
                    .map(|t| format!("{}（{}）", t.name, t.slug))
                    .collect();
                return Err(format!(
                    "没有名为“{value}”的{what}；可用：{}",
                    known.join("、")
                ));
            }
        }
        if let Some(value) = &self.method {
            let folded = crate::text::fold_width(value);
            let known =
                |t: &MethodTerm| crate::text::fold_width(&t.name) == folded || t.slug == *value;
            if !methods.iter().any(known) {
                // `methods` is most used first.
                let names: Vec<String> = methods
                    .iter()
                    .take(METHODS_LISTED)
                    .map(|t| format!("{}（{}）", t.name, t.slug))
                    .collect();
                let more = if methods.len() > METHODS_LISTED {
                    "等"
                } else {
                    ""
                };
                return Err(format!(
                    "没有案例用名为“{value}”的方法；常用的有：{}{more}",
                    names.join("、")
                ));
            }
        }
        Ok(())
    }
}

/// Methods an unknown `--method` lists (the most used first).
const METHODS_LISTED: usize = 20;

/// One result.
#[derive(Clone, Debug)]
pub struct Hit {
    pub id: String,
    pub title: String,
    /// Site-relative URL of the case page (with the base URL's path).
    pub url: String,
    pub score: f32,
    pub snippet: Snippet,
}

impl Hit {
    /// `{id, title, url, score, snippet}`, the snippet as HTML with `<mark>`
    /// around matches: what `casebook search --json` prints and the preview
    /// server's `/api/search` answers.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "score": self.score,
            "snippet": self.snippet.to_html(),
        })
    }
}

#[derive(Debug)]
pub enum SearchError {
    /// The query holds nothing searchable (only punctuation or spaces).
    EmptyQuery,
    Index(tantivy::TantivyError),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            SearchError::EmptyQuery => write!(f, "查询里没有可搜索的文字或数字"),
            SearchError::Index(err) => write!(f, "搜索索引出错：{err}"),
        }
    }
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(err: tantivy::TantivyError) -> Self {
        SearchError::Index(err)
    }
}

/// The query-mode tokens of each whitespace-separated word of `query`
/// (words with nothing searchable are dropped).
pub fn query_terms(query: &str) -> Vec<Vec<Token>> {
    crate::text::fold_width(query)
        .split_whitespace()
        .map(|word| analyze(word, Mode::Query))
        .filter(|tokens| !tokens.is_empty())
        .collect()
}

/// A query cut into slots ([`Synonyms::slots`]), each slot's alternatives
/// as query-mode tokens: alternatives with nothing searchable are dropped,
/// then slots left with none.
pub fn query_slots(synonyms: &Synonyms, query: &str) -> Vec<Vec<Vec<Token>>> {
    synonyms
        .slots(query)
        .iter()
        .map(|slot| {
            slot.iter()
                .map(|alternative| analyze(alternative, Mode::Query))
                .filter(|tokens| !tokens.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|slot| !slot.is_empty())
        .collect()
}

impl SearchIndex {
    /// The `limit` best hits for `query` (at least 1), best first; ties in
    /// score go by case id.
    pub fn search(
        &self,
        query: &str,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        if self.purpose != Purpose::Query {
            // Without positions a phrase cannot be matched: a bug, not input.
            return Err(SearchError::Index(tantivy::TantivyError::InvalidArgument(
                "this index was built for the static export only".to_string(),
            )));
        }
        let slots = query_slots(&self.synonyms, query);
        if slots.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        let query = self.query(&slots, filters);
        // Snippets mark every alternative.
        let terms: Vec<Vec<Token>> = slots.into_iter().flatten().collect();
        let searcher = self.reader.searcher();
        let everything = (searcher.num_docs() as usize).max(1);
        let mut found =
            searcher.search(&query, &TopDocs::with_limit(everything).order_by_score())?;
        // Keep every hit tied with the last one that fits, so that ties are
        // broken by id, not by where a document landed in the index.
        let limit = limit.max(1);
        if found.len() > limit {
            let cutoff = found[limit - 1].0;
            found.retain(|(score, _)| *score >= cutoff);
        }
        let f = &self.fields;
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let body = text(f.body);
            let snippet = around_matches(&body, &terms, SNIPPET_CHARS)
                .unwrap_or_else(|| snippet::lead(&text(f.summary), SNIPPET_CHARS));
            hits.push(Hit {
                id: text(f.id),
                title: text(f.title),
                url: text(f.url),
                score,
                snippet,
            });
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// 你是不是要找: for a query that found nothing, the query with its
    /// words near a method name replaced by that name, when that finds
    /// cases (with the same filters).
    pub fn did_you_mean(&self, query: &str, filters: &Filters) -> Option<String> {
        let names: Vec<String> = self.methods.iter().map(|m| m.name.clone()).collect();
        let suggestion = suggest::nearest(query, &names)?;
        let hits = self.search(&suggestion, filters, 1).ok()?;
        (!hits.is_empty()).then_some(suggestion)
    }

    /// Every slot must match: one of its alternatives (as a phrase) in
    /// some field, the best-scoring alternative counting; the fields weigh
    /// differently. Filters must match too, without changing the score.
    fn query(&self, slots: &[Vec<Vec<Token>>], filters: &Filters) -> BooleanQuery {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = slots
            .iter()
            .map(|alternatives| {
                let mut each: Vec<Box<dyn Query>> = alternatives
                    .iter()
                    .map(|tokens| self.word_query(tokens))
                    .collect();
                let q: Box<dyn Query> = if each.len() == 1 {
                    each.remove(0)
                } else {
                    Box::new(DisjunctionMaxQuery::new(each))
                };
                (Occur::Must, q)
            })
            .collect();
        let year = filters.year.map(|y| y.to_string());
        // Methods are indexed by slug and by width-folded name (folding
        // leaves a slug as it is).
        let method = filters.method.as_deref().map(crate::text::fold_width);
        let facets = [
            (f.area, filters.area.as_deref()),
            (f.industry, filters.industry.as_deref()),
            (f.district, filters.district.as_deref()),
            (f.year, year.as_deref()),
            (f.method, method.as_deref()),
        ];
        for (field, value) in facets {
            if let Some(value) = value {
                let term = TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                );
                must.push((
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
                ));
            }
        }
        BooleanQuery::new(must)
    }

    /// One word's tokens as a phrase in any weighted field, with its boost.
    fn word_query(&self, tokens: &[Token]) -> Box<dyn Query> {
        let any_field: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .weighted()
            .iter()
            .map(|&(field, _, boost)| {
                let q: Box<dyn Query> = Box::new(BoostQuery::new(phrase(field, tokens), boost));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(any_field))
    }
}

/// One word's tokens as a query on one field: a term, or a phrase.
fn phrase(field: Field, tokens: &[Token]) -> Box<dyn Query> {
    let term = |t: &Token| Term::from_field_text(field, &t.text);
    match tokens {
        [one] => Box::new(TermQuery::new(term(one), IndexRecordOption::WithFreqs)),
        _ => Box::new(PhraseQuery::new_with_offset(
            tokens.iter().map(|t| (t.position, term(t))).collect(),
        )),
    }
}
