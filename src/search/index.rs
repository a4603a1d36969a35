//! Building the tantivy index from the published site: the schema, one
//! document per published case, and the plain text of a case's body
//! (derived from its rendered HTML with the tags stripped).
//!
//! Only what the model holds can be indexed, and the model has no place for
//! `private` fields; unpublished cases are skipped here even when the site
//! was derived with `--drafts`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, STORED, STRING,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument};

use super::analyzer::{CjkTokenizer, Mode, TOKENIZER_NAME};
use crate::content::Case;
use crate::site::Site;
use crate::taxonomy::TaxonomyKind;
use crate::text::fold_width;

/// What an index is built for, which decides what it records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Answering queries (`casebook search`, `serve`'s `/api/search`), and
    /// exporting: every CJK character is indexed alone and in the bigram
    /// it begins, with positions (a query word is a phrase), and the text
    /// is stored for snippets.
    Query,
    /// Only the static export (`casebook build`): the browser has neither
    /// positions nor snippets from the index, so none are recorded, and a
    /// character is indexed alone only where its run ends
    /// ([`Mode::IndexBigrams`]); `export` derives the rest. Half the tokens
    /// of [`Purpose::Query`], and no positions: the build's index costs
    /// about half as much.
    Export,
}

impl Purpose {
    fn analyzer_mode(self) -> Mode {
        match self {
            Purpose::Query => Mode::Index,
            Purpose::Export => Mode::IndexBigrams,
        }
    }
}

/// The index's fields. Text fields use the CJK analyzer (with positions
/// for [`Purpose::Query`]); facets are raw strings (a configured term is
/// indexed by name and slug).
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub url: Field,
    pub title: Field,
    pub enterprise: Field,
    pub summary: Field,
    pub body: Field,
    pub methods: Field,
    pub technologies: Field,
    pub area: Field,
    pub industry: Field,
    pub district: Field,
    pub year: Field,
    /// Each method's term, by name (width-folded) and slug: the `--method`
    /// filter.
    pub method: Field,
    pub status: Field,
}

impl Fields {
    /// The text fields a query word is matched in, with their names and
    /// boosts (title and enterprise name weigh most). The browser's search
    /// gets the same list from `search/meta.json`.
    pub(crate) fn weighted(&self) -> [(Field, &'static str, f32); 6] {
        [
            (self.title, "title", 5.0),
            (self.enterprise, "enterprise", 5.0),
            (self.methods, "methods", 2.0),
            (self.technologies, "technologies", 2.0),
            (self.summary, "summary", 1.5),
            (self.body, "body", 1.0),
        ]
    }

    fn schema(purpose: Purpose) -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let record = match purpose {
            Purpose::Query => IndexRecordOption::WithFreqsAndPositions,
            Purpose::Export => IndexRecordOption::WithFreqs,
        };
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(record);
        let text = TextOptions::default().set_indexing_options(indexing);
        let stored_text = match purpose {
            Purpose::Query => text.clone().set_stored(),
            Purpose::Export => text.clone(),
        };
        let fields = Fields {
            id: builder.add_text_field("id", STRING | STORED),
            url: builder.add_text_field("url", STORED),
            title: builder.add_text_field("title", stored_text.clone()),
            enterprise: builder.add_text_field("enterprise", text.clone()),
            summary: builder.add_text_field("summary", stored_text.clone()),
            body: builder.add_text_field("body", stored_text),
            methods: builder.add_text_field("methods", text.clone()),
            technologies: builder.add_text_field("technologies", text),
            area: builder.add_text_field("area", STRING),
            industry: builder.add_text_field("industry", STRING),
            district: builder.add_text_field("district", STRING),
            year: builder.add_text_field("year", STRING),
            method: builder.add_text_field("method", STRING),
            status: builder.add_text_field("status", STRING),
        };
        (builder.build(), fields)
    }

    fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let get = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: get("id")?,
            url: get("url")?,
            title: get("title")?,
            enterprise: get("enterprise")?,
            summary: get("summary")?,
            body: get("body")?,
            methods: get("methods")?,
            technologies: get("technologies")?,
            area: get("area")?,
            industry: get("industry")?,
            district: get("district")?,
            year: get("year")?,
            method: get("method")?,
            status: get("status")?,
        })
    }
}

/// A built (or opened) index, ready to query.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) purpose: Purpose,
    /// The site's synonyms, applied to every query.
    pub(crate) synonyms: super::Synonyms,
    /// The methods published cases use, most used first: what
    /// [`SearchIndex::did_you_mean`] suggests and `--method` accepts.
    pub methods: Vec<MethodTerm>,
}

/// A method some published case uses, as `--method` accepts it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MethodTerm {
    pub name: String,
    pub slug: String,
}

/// Where a kept index keeps its [`MethodTerm`]s.
const METHODS_FILE: &str = "methods.json";

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.len())
            .finish()
    }
}

impl SearchIndex {
    /// Index the site's published cases in memory, for queries (and the
    /// export). Hits link below the site's base path (`--base-url`, the
    /// preview's own, or the configured one: `site.urls`).
    pub fn build(site: &Site) -> tantivy::Result<SearchIndex> {
        Self::build_for(site, Purpose::Query)
    }

    /// Index the site's published cases in memory, recording what
    /// `purpose` needs.
    pub fn build_for(site: &Site, purpose: Purpose) -> tantivy::Result<SearchIndex> {
        let (schema, fields) = Fields::schema(purpose);
        Self::fill(Index::create_in_ram(schema), fields, site, purpose)
    }

    /// Index the site's published cases into `dir` (which must exist and
    /// hold no index yet).
    pub fn build_in_dir(site: &Site, dir: &Path) -> tantivy::Result<SearchIndex> {
        let (schema, fields) = Fields::schema(Purpose::Query);
        let directory = tantivy::directory::MmapDirectory::open(dir)?;
        Self::fill(
            Index::create(directory, schema, Default::default())?,
            fields,
            site,
            Purpose::Query,
        )
    }

    /// Open an index written by [`SearchIndex::build_in_dir`]. The folder
    /// keeps no config: queries use the synonyms of `search`.
    pub fn open(dir: &Path, search: &crate::config::SearchConfig) -> tantivy::Result<SearchIndex> {
        let index = Index::open_in_dir(dir)?;
        register(&index, Purpose::Query);
        let fields = Fields::from_schema(&index.schema())?;
        let synonyms = super::Synonyms::new(search);
        let methods = std::fs::read(dir.join(METHODS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| tantivy::TantivyError::InvalidArgument("methods.json".into()))?;
        SearchIndex::with_reader(index, fields, Purpose::Query, synonyms, methods)
    }

    /// Keep the methods beside an index built by
    /// [`SearchIndex::build_in_dir`], for [`SearchIndex::open`].
    pub fn write_methods(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec(&self.methods).map_err(std::io::Error::other)?;
        std::fs::write(dir.join(METHODS_FILE), json)
    }

    fn with_reader(
        index: Index,
        fields: Fields,
        purpose: Purpose,
        synonyms: super::Synonyms,
        methods: Vec<MethodTerm>,
    ) -> tantivy::Result<SearchIndex> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            purpose,
            synonyms,
            methods,
        })
    }

    fn fill(
        index: Index,
        fields: Fields,
        site: &Site,
        purpose: Purpose,
    ) -> tantivy::Result<SearchIndex> {
        register(&index, purpose);
        // One indexing thread per ~250 cases, at most one per core (or 4).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = (site.cases.len() / 250).clamp(1, cores.min(4));
        let mut writer = index.writer_with_num_threads(threads, threads * 40_000_000)?;
        // Built once and read whole: merging segments would be wasted work.
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let methods = method_slugs(site);
        for case in site.cases.iter().filter(|c| c.status.is_published()) {
            writer.add_document(document(&fields, site, &methods, case))?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let synonyms = super::Synonyms::new(&site.config.search);
        // Most used first, ties in the taxonomy's order: as the search
        // page's 方法 select lists them (`search.js` suggests from it).
        let mut methods: Vec<&crate::taxonomy::Term> =
            site.taxonomy(TaxonomyKind::Method).terms.iter().collect();
        methods.sort_by_key(|t| std::cmp::Reverse(t.cases.len()));
        let methods = methods
            .iter()
            .map(|t| MethodTerm {
                name: t.name.clone(),
                slug: t.slug.clone(),
            })
            .collect();
        SearchIndex::with_reader(index, fields, purpose, synonyms, methods)
    }

    /// The same index searching each word only as typed, without the
    /// site's synonyms: what a term's exported impacts are compared with.
    pub fn without_synonyms(mut self) -> SearchIndex {
        self.synonyms = super::Synonyms::default();
        self
    }

    /// The underlying tantivy index (for exporting its terms).
    pub fn tantivy_index(&self) -> &Index {
        &self.index
    }

    /// Number of cases indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn register(index: &Index, purpose: Purpose) {
    index.tokenizers().register(
        TOKENIZER_NAME,
        TextAnalyzer::from(CjkTokenizer::new(purpose.analyzer_mode())),
    );
}

/// The slug of each method term, by its width-folded name.
fn method_slugs<'s>(site: &'s Site) -> HashMap<String, &'s str> {
    site.taxonomy(TaxonomyKind::Method)
        .terms
        .iter()
        .map(|t| (fold_width(&t.name), t.slug.as_str()))
        .collect()
}

fn document(
    fields: &Fields,
    site: &Site,
    methods: &HashMap<String, &str>,
    case: &Case,
) -> TantivyDocument {
    let config = site.config;
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &case.id);
    doc.add_text(fields.url, site.urls.link(&crate::urls::case(&case.id)));
    for ((field, _, _), values) in fields.weighted().into_iter().zip(weighted_texts(case)) {
        for value in values {
            doc.add_text(field, value);
        }
    }
    let terms = [
        (fields.area, config.priority_areas.get(case.area)),
        (fields.industry, config.industries.get(case.industry)),
        (
            fields.district,
            case.district.and_then(|d| config.districts.get(d)),
        ),
    ];
    for (field, term) in terms {
        if let Some(term) = term {
            doc.add_text(field, &term.name);
            doc.add_text(field, &term.slug);
        }
    }
    doc.add_text(fields.year, case.year.to_string());
    for method in &case.methods {
        let folded = fold_width(method);
        if let Some(slug) = methods.get(&folded) {
            doc.add_text(fields.method, slug);
        }
        doc.add_text(fields.method, folded);
    }
    let status = match case.status {
        crate::content::Status::National => "national",
        _ => "approved",
    };
    doc.add_text(fields.status, status);
    doc
}

/// The text a case's document holds in each of the weighted fields
/// ([`Fields::weighted`] order), value by value. The static export
/// (`export.rs`) analyzes the same text.
pub(crate) fn weighted_texts(case: &Case) -> [Vec<Cow<'_, str>>; 6] {
    fn each(values: &[String]) -> Vec<Cow<'_, str>> {
        values.iter().map(|v| Cow::Borrowed(v.as_str())).collect()
    }
    [
        vec![Cow::Borrowed(case.title.as_str())],
        vec![Cow::Borrowed(case.enterprise.name.as_str())],
        each(&case.methods),
        each(&case.technologies),
        vec![Cow::Borrowed(case.body.summary.as_str())],
        vec![Cow::Owned(plain_text(&case.body.html))],
    ]
}

/// Tags whose start or end separates text (so `<td>2019</td><td>11</td>`
/// does not read as `201911`, nor a heading run into its paragraph).
/// Sorted, for [`is_block_tag`].
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// The text of rendered HTML: tags dropped (block tags become line breaks,
/// inline ones nothing), `script`/`style` contents dropped, entities
/// decoded, whitespace runs collapsed (to a line break if they held one).
pub fn plain_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        decode_entities(&rest[..lt], &mut raw);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // Not a tag after all.
            decode_entities(&rest[lt..], &mut raw);
            rest = "";
            break;
        };
        let tag = &after[..gt];
        // Compared in place: highlighted code has hundreds of tags a case.
        let unslashed = tag.trim_start_matches('/');
        let name = &unslashed[..unslashed
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(unslashed.len())];
        rest = &after[gt + 1..];
        let is = |other: &str| name.eq_ignore_ascii_case(other);
        if (is("script") || is("style")) && !tag.starts_with('/') {
            let close = format!("</{}", name.to_ascii_lowercase());
            rest = rest
                .to_ascii_lowercase()
                .find(&close)
                .and_then(|i| rest[i..].find('>').map(|j| &rest[i + j + 1..]))
                .unwrap_or("");
        } else if is_block_tag(name) {
            raw.push('\n');
        }
    }
    decode_entities(rest, &mut raw);
    collapse_whitespace(&raw)
}

fn decode_entities(s: &str, out: &mut String) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&i| i <= 10).and_then(|semi| {
            let entity = &after[..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Is `name` (as written in the tag) one of [`BLOCK_TAGS`]? A binary
/// search: highlighted code has hundreds of tags a case.
fn is_block_tag(name: &str) -> bool {
    BLOCK_TAGS
        .binary_search_by(|block| {
            block
                .bytes()
                .cmp(name.bytes().map(|b| b.to_ascii_lowercase()))
        })
        .is_ok()
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Option<char> = None;
    // Text between whitespace is copied a run at a time, not a char.
    let mut run_start = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(start) = run_start.take() {
                out.push_str(&s[start..i]);
            }
            if c == '\n' || pending.is_none() {
                pending = Some(if c == '\n' { '\n' } else { ' ' });
            }
        } else if run_start.is_none() {
            if let Some(space) = pending.take() {
                if !out.is_empty() {
                    out.push(space);
                }
            }
            run_start = Some(i);
        }
    }
    if let Some(start) = run_start {
        out.push_str(&s[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build's lean index has no positions for phrases: a query on it
    /// is an error, not silently wrong results.
    #[test]
    fn an_export_index_refuses_queries() {
        crate::site::with_example_site(|site| {
            let filters = crate::search::Filters::default();
            let full = SearchIndex::build(site).unwrap();
            assert!(!full.search("六西格玛", &filters, 10).unwrap().is_empty());
            let lean = SearchIndex::build_for(site, Purpose::Export).unwrap();
            // A one-term query needs no positions, yet would come back without
            // titles or snippets (nothing is stored): refused too.
            for query in ["六西格玛", "精益"] {
                assert!(matches!(
                    lean.search(query, &filters, 10),
                    Err(crate::search::SearchError::Index(_))
                ));
            }
        });
    }

    #[test]
    fn strips_tags_and_separates_blocks() {
        let html = "<h2 id=\"abstract\">摘要</h2>\n<p>推行<strong>六西格玛</strong>，\
                    成本&lt;5%&amp;更低</p><table><tr><td>2019</td><td>11</td></tr></table>";
        assert_eq!(
            plain_text(html),
            "摘要\n推行六西格玛，成本<5%&更低\n2019\n11"
        );
    }

    #[test]
    fn drops_scripts_and_decodes_numeric_entities() {
        assert_eq!(
            plain_text("<p>a<script>var x = '<b>';</script>b &#39;&#x4e2d; &bogus c</p>"),
            "ab '中 &bogus c"
        );
    }

    #[test]
    fn block_tags_in_any_case_separate_and_whitespace_collapses() {
        assert_eq!(
            plain_text("<TD>2019</TD><Td>11</td>\u{3000}x  y\n z<span>w</span><Br>v"),
            "2019\n11\nx y\nzw\nv"
        );
        assert!(BLOCK_TAGS.windows(2).all(|w| w[0] < w[1]), "sorted");
    }
}
