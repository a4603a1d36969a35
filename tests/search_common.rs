//! Common terms in the search export, on a generated site big enough for
//! every form (tests/common/common_terms.rs): each membership form is
//! exported, and every exported impact is the score `casebook search`
//! gives the term as a one-word query, within the bound docs/search.md states.
//! (tests/js/common-terms.test.mjs and tests/browser/search-common.test.mjs
//! search the same site with search.js against the Markdown oracle.)

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use casebook::search::export::{self, quantize};
use casebook::search::{Filters, Purpose, SearchIndex};
use common::{common_terms, varints};

/// An exported file, from disk or memory, as JSON.
type Reader<'a> = dyn Fn(&str) -> serde_json::Value + 'a;

/// Every word term of an export (facets left out) with its JSON value.
fn exported_terms(read: &Reader, shards: u64) -> BTreeMap<String, serde_json::Value> {
    let mut terms = BTreeMap::new();
    for i in 0..shards {
        for (term, value) in read(&format!("s{i}.json")).as_object().unwrap() {
            let value = match value.as_u64() {
                Some(k) => read(&format!("t{k}.json")),
                None => value.clone(),
            };
            terms.insert(term.clone(), value);
        }
    }
    terms
}

/// `(doc, impact)` of a posting string.
fn postings(text: &str) -> Vec<(u32, u32)> {
    let mut doc = 0;
    varints(text)
        .chunks(2)
        .map(|pair| {
            doc += pair[0];
            (doc, pair[1])
        })
        .collect()
}

#[test]
fn the_generated_site_exports_every_membership_form() {
    let site = common_terms::prepare();
    let search = site.out.join("search");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(search.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["docs"], common_terms::PUBLISHED);
    let folder = site
        .out
        .join(meta["base"].as_str().unwrap().trim_start_matches('/'));
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(folder.join(name)).unwrap()).unwrap()
    };
    let terms = exported_terms(&read, meta["shards"].as_u64().unwrap());
    let form = |term: &str| -> (&'static str, usize) {
        let value = &terms[term];
        for form in ["bits", "docs", "absent"] {
            if let Some(text) = value[form].as_str() {
                assert_eq!(
                    postings(value["top"].as_str().unwrap()).len(),
                    256,
                    "{term}"
                );
                return (form, text.len());
            }
        }
        panic!("{term} is not a big term: {value}");
    };
    let (quality, absent) = form("质量");
    assert_eq!(quality, "absent");
    assert!(absent > 0, "质量 is missing from some cases");
    assert_eq!(form("管理"), ("absent", 0), "管理 is in every case");
    assert_eq!(form("检测").0, "bits");
    assert_eq!(form("稀土").0, "docs");
    assert_eq!(terms["稀土"]["n"], 262);
    // Every form somewhere, the single characters and facets included.
    let forms: std::collections::BTreeSet<&str> = terms
        .values()
        .filter_map(|v| {
            ["bits", "docs", "absent"]
                .into_iter()
                .find(|f| v.get(*f).is_some())
        })
        .collect();
    assert_eq!(forms.len(), 3);
}

/// The largest difference, in steps of the impact scale, between an
/// exported impact (the build's lean index) and `casebook search`'s score
/// of a one-word query for the term (the full index), over the terms
/// `sample` keeps: each term's listed documents, and a big term's lowest
/// impact against its lowest score.
fn impact_deviation(root: &Path, sample: impl Fn(usize, &str) -> bool) -> (u32, usize) {
    let request = casebook::build::Request::new(root, casebook::build::Mode::Publish);
    let loaded = casebook::build::load(&request, &indicatif::ProgressBar::hidden())
        .unwrap_or_else(|_| panic!("{} loads", root.display()));
    let derived = loaded
        .derive()
        .unwrap_or_else(|_| panic!("{} derives", root.display()));
    let site = derived.site;
    // Term by term, as exported: no synonym may stand in for a term.
    let full = SearchIndex::build_for(&site, Purpose::Query)
        .unwrap()
        .without_synonyms();
    let lean = SearchIndex::build_for(&site, Purpose::Export).unwrap();
    let (files, meta) = export::export(&site, &lean).unwrap();
    drop(lean);
    let read = |name: &str| -> serde_json::Value {
        let file = files
            .iter()
            .find(|f| f.path.ends_with(&format!("/{name}")))
            .unwrap();
        match &file.contents {
            casebook::output::Contents::Bytes(bytes) => serde_json::from_slice(bytes).unwrap(),
            casebook::output::Contents::Copy(_) => unreachable!("search files are in memory"),
        }
    };
    let doc_of: BTreeMap<String, u32> = site
        .cases
        .iter()
        .filter(|c| c.status.is_published())
        .enumerate()
        .map(|(d, c)| (c.id.clone(), d as u32))
        .collect();
    let (mut worst, mut compared) = (0u32, 0usize);
    let terms = exported_terms(&read, meta.shards as u64);
    for (n, (term, value)) in terms
        .iter()
        .filter(|(t, _)| !t.starts_with('#'))
        .enumerate()
    {
        if !sample(n, term) {
            continue;
        }
        let hits = full.search(term, &Filters::default(), meta.docs).unwrap();
        let score: BTreeMap<u32, u32> = hits
            .iter()
            .map(|h| (doc_of[&h.id], quantize(h.score)))
            .collect();
        let (listed, min) = match value {
            serde_json::Value::String(text) => (postings(text), None),
            big => (postings(big["top"].as_str().unwrap()), big["min"].as_u64()),
        };
        for (doc, impact) in listed {
            let q = *score
                .get(&doc)
                .unwrap_or_else(|| panic!("{term}: doc {doc} not found"));
            worst = worst.max(impact.abs_diff(q));
            compared += 1;
        }
        if let Some(min) = min {
            let lowest = *score.values().min().unwrap();
            worst = worst.max((min as u32).abs_diff(lowest));
        }
    }
    (worst, compared)
}

/// docs/search.md ("Scores are computed at build time"): the lean index's field
/// lengths count a CJK character once, not as a unigram and a bigram, so
/// an impact may differ from `casebook search`'s score by this many steps
/// of 2 %.
const MAX_STEPS: u32 = 3;

#[test]
fn impacts_are_the_scores_of_casebook_search_on_the_example_site() {
    let (worst, compared) = impact_deviation(&common::repo_root(), |_, _| true);
    println!("example site: {compared} impacts, at most {worst} steps off");
    assert!(compared > 15_000, "{compared} impacts compared");
    assert!(worst <= MAX_STEPS, "{worst} steps > {MAX_STEPS}");
}

#[test]
fn impacts_are_the_scores_of_casebook_search_on_the_generated_site() {
    let dir = common::temp_dir();
    common_terms::generate(dir.path(), common_terms::SEED);
    // The common terms, and one term in 25 of the rest.
    let designed = [
        "质量", "管理", "检测", "稀土", "精益", "西格", "格玛", "质", "土",
    ];
    let (worst, compared) =
        impact_deviation(dir.path(), |n, t| designed.contains(&t) || n % 25 == 0);
    println!("generated site: {compared} impacts, at most {worst} steps off");
    assert!(compared > 5_000, "{compared} impacts compared");
    assert!(worst <= MAX_STEPS, "{worst} steps > {MAX_STEPS}");
}
