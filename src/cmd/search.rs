//! `casebook search`: answer from the index kept under
//! `.casebook-cache/search/` when it was built from the content as it is
//! now (`search::persisted`: keyed by a hash of the binary, the config and
//! every content file); otherwise load and derive the site (the pipeline's
//! first two steps), index the published cases, keep that index for the
//! next query and answer.

use std::path::PathBuf;

use crate::build;
use crate::config::Config;
use crate::diagnostics::{self, Diagnostic};
use crate::search::{persisted, Filters, Hit, SearchError, SearchIndex};

pub struct SearchOptions {
    pub root: PathBuf,
    /// The words to find, separated by spaces.
    pub query: String,
    pub filters: Filters,
    /// Most hits to return (ties with the last one come too).
    pub limit: usize,
}

pub struct SearchReport {
    /// Best first.
    pub hits: Vec<Hit>,
    /// 你是不是要找: with no hits, a query near this one that has some.
    pub suggestion: Option<String>,
    /// Answered from the kept index, without reading the site again.
    pub reused_index: bool,
}

#[derive(Debug)]
pub enum SearchCommandError {
    /// The content has errors (sorted): nothing was searched.
    Content(Vec<Diagnostic>),
    /// The query or a filter asks for nothing the site can have; the
    /// message says what (a filter's message lists the terms).
    Usage(String),
    /// The index failed.
    Failed(SearchError),
}

/// Search the site at `options.root`.
pub fn run(options: &SearchOptions) -> Result<SearchReport, SearchCommandError> {
    let config = build::load_config(&options.root).map_err(content_error)?;
    let key = persisted::inputs_key(&options.root).ok();
    if let Some(index) = key
        .as_deref()
        .and_then(|key| persisted::open(&options.root, key, &config.search))
    {
        match answer(&index, &config, options, true) {
            // A kept index that fails is indexed again below.
            Err(SearchCommandError::Failed(_)) => {}
            answered => return answered,
        }
    }
    let hidden = indicatif::ProgressBar::hidden();
    let request = build::Request::new(&options.root, build::Mode::Publish);
    let loaded = build::load(&request, &hidden).map_err(content_error)?;
    let site = loaded.derive().map_err(content_error)?.site;
    // Kept only if the content did not change while it was read.
    let unchanged =
        key.filter(|key| persisted::inputs_key(&options.root).ok().as_ref() == Some(key));
    let index = match unchanged.and_then(|key| persisted::store(&options.root, &key, &site)) {
        Some(index) => index,
        None => SearchIndex::build(&site)
            .map_err(|err| SearchCommandError::Failed(SearchError::from(err)))?,
    };
    answer(&index, &loaded.config, options, false)
}

fn answer(
    index: &SearchIndex,
    config: &Config,
    options: &SearchOptions,
    reused_index: bool,
) -> Result<SearchReport, SearchCommandError> {
    options
        .filters
        .check(config, &index.methods)
        .map_err(SearchCommandError::Usage)?;
    let hits = index
        .search(&options.query, &options.filters, options.limit)
        .map_err(|err| match err {
            SearchError::EmptyQuery => SearchCommandError::Usage(err.to_string()),
            err => SearchCommandError::Failed(err),
        })?;
    let suggestion = match hits.is_empty() {
        true => index.did_you_mean(&options.query, &options.filters),
        false => None,
    };
    Ok(SearchReport {
        hits,
        suggestion,
        reused_index,
    })
}

fn content_error(mut diags: Vec<Diagnostic>) -> SearchCommandError {
    diagnostics::sort(&mut diags);
    SearchCommandError::Content(diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn example(query: &str, filters: Filters) -> SearchOptions {
        SearchOptions {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            query: query.to_string(),
            filters,
            limit: 10,
        }
    }

    #[test]
    fn a_filter_naming_no_term_is_a_usage_error_listing_the_terms() {
        let filters = Filters {
            area: Some("没有这个重点".to_string()),
            ..Filters::default()
        };
        match run(&example("质量", filters)) {
            Err(SearchCommandError::Usage(message)) => {
                assert!(message.contains("没有这个重点"), "{message}");
                assert!(message.contains("industrial-quality"), "{message}");
            }
            other => panic!("expected a usage error, got {:?}", other.err()),
        }
    }

    #[test]
    fn a_query_with_nothing_searchable_is_a_usage_error() {
        let result = run(&example("。 ，", Filters::default()));
        assert!(matches!(result, Err(SearchCommandError::Usage(_))));
    }

    #[test]
    fn hits_come_best_first_with_their_case_urls() {
        let report = run(&example("西格玛", Filters::default())).expect("hits");
        assert!(!report.hits.is_empty());
        let scores: Vec<f32> = report.hits.iter().map(|h| h.score).collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
        for hit in &report.hits {
            assert_eq!(hit.url, format!("/cases/{}/", hit.id));
        }
    }

    #[test]
    fn a_near_miss_suggests_the_method_and_a_hit_suggests_nothing() {
        let report = run(&example("六西格马", Filters::default())).expect("searched");
        assert!(report.hits.is_empty());
        assert_eq!(report.suggestion.as_deref(), Some("六西格玛"));
        let report = run(&example("六西格玛", Filters::default())).expect("searched");
        assert!(!report.hits.is_empty());
        assert_eq!(report.suggestion, None);
    }

    #[test]
    fn the_method_filter_takes_a_name_or_a_slug_and_rejects_others() {
        let only = |method: &str| Filters {
            method: Some(method.to_string()),
            ..Filters::default()
        };
        let by_name = run(&example("质量", only("六西格玛"))).expect("hits");
        let by_slug = run(&example("质量", only("six-sigma"))).expect("hits");
        let ids = |r: &SearchReport| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&by_name), ids(&by_slug));
        assert!(!by_name.hits.is_empty());
        match run(&example("质量", only("没有这种方法"))) {
            Err(SearchCommandError::Usage(message)) => {
                assert!(message.contains("没有这种方法") && message.contains("六西格玛"));
            }
            other => panic!("expected a usage error, got {:?}", other.err()),
        }
    }

    #[test]
    fn content_errors_stop_the_search() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/yaml-syntax");
        let options = SearchOptions {
            root,
            ..example("质量", Filters::default())
        };
        match run(&options) {
            Err(SearchCommandError::Content(diags)) => {
                assert!(diagnostics::count_errors(&diags) > 0);
            }
            other => panic!("expected content errors, got {:?}", other.err()),
        }
    }
}
