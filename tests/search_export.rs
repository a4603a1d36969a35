//! The static search index under `output/search/` (src/search/export.rs):
//! present, consistent with meta.json, and holding nothing unpublished,
//! even in a `--drafts` build.

mod common;

use common::*;

/// Strings only unpublished cases (one draft, one rejected) or `private`
/// front matter hold in the example site.
const UNPUBLISHED_MARKERS: &[&str] = &[
    "DRAFT-CASE-CONTACT",
    "REJECTED-CASE-CONTACT",
    "不予推荐",
    "智算",
    "雅韵",
    "2023-006",
    "2024-006",
];

fn search_files(built: &Built) -> Vec<(String, String)> {
    built
        .files()
        .into_iter()
        .filter(|(path, _)| path.starts_with("search/"))
        .map(|(path, bytes)| (path, String::from_utf8(bytes).expect("UTF-8 JSON")))
        .collect()
}

fn check_index(built: &Built) {
    let files = search_files(built);
    let meta: serde_json::Value =
        serde_json::from_str(&built.read("search/meta.json")).expect("meta.json is JSON");
    assert_eq!(meta["version"], 2);
    let docs = meta["docs"].as_u64().unwrap() as usize;
    assert_eq!(docs, 15, "the example site publishes 15 cases");
    assert_eq!(meta["lengths"].as_array().unwrap().len(), docs);
    assert_eq!(meta["doc_facets"].as_array().unwrap().len(), docs);
    let shards = meta["shards"].as_array().unwrap();
    assert!(shards.len() > 1, "the example site gets several shards");
    let mut listed = Vec::new();
    for name in shards.iter().chain(meta["cards"].as_array().unwrap()) {
        let name = name.as_str().unwrap();
        // Content-hashed: s3.0123456789.json.
        assert!(
            name.split('.').nth(1).is_some_and(|h| h.len() == 10),
            "{name} has no content hash"
        );
        let path = format!("search/{name}");
        assert!(built.exists(&path), "{path} listed in meta.json is missing");
        let json: serde_json::Value = serde_json::from_str(&built.read(&path)).unwrap();
        assert!(json.is_object() || json.is_array());
        listed.push(path);
    }
    // Terms paged out of their shard, and positions too long to keep
    // inline, live in files the shards (or the term files) name.
    let mut paged = Vec::new();
    for name in shards {
        let shard: serde_json::Value =
            serde_json::from_str(&built.read(&format!("search/{}", name.as_str().unwrap())))
                .unwrap();
        for (term, value) in shard.as_object().unwrap() {
            let entry = match value.as_str() {
                Some(file) => {
                    let path = format!("search/{file}");
                    assert!(built.exists(&path), "{path} of {term} is missing");
                    paged.push(path.clone());
                    serde_json::from_str(&built.read(&path)).unwrap()
                }
                None => value.clone(),
            };
            // [p, pos]: p is docDelta, field, tf triples.
            let p = entry[0].as_array().unwrap();
            assert_eq!(p.len() % 3, 0, "postings of {term}");
            let tfs: u64 = p
                .iter()
                .skip(2)
                .step_by(3)
                .map(|n| n.as_u64().unwrap())
                .sum();
            let positions = match entry[1].as_str() {
                Some(file) => {
                    let path = format!("search/{file}");
                    paged.push(path.clone());
                    serde_json::from_str::<serde_json::Value>(&built.read(&path)).unwrap()
                }
                None => entry[1].clone(),
            };
            assert_eq!(
                positions.as_array().unwrap().len() as u64,
                tfs,
                "one position per occurrence of {term}"
            );
        }
    }
    assert_eq!(
        files.len(),
        listed.len() + paged.len() + 2,
        "every file under search/ but meta.json and the page is listed in meta.json or a shard"
    );
    for (path, text) in &files {
        for marker in UNPUBLISHED_MARKERS {
            assert!(!text.contains(marker), "{marker} appears in {path}");
        }
        assert!(text.len() < 40_000, "{path} is {} bytes", text.len());
    }
    let cards: String = files
        .iter()
        .filter(|(p, _)| p.starts_with("search/c"))
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(cards.contains("六西格玛"));
    assert!(built.exists("search/index.html"));
    let page = built.read("search/index.html");
    assert!(page.contains("id=\"search-results\""));
    assert!(page.contains("search/meta.json"));
}

#[test]
fn example_site_has_a_published_only_search_index() {
    check_index(&build_ok(&repo_root(), &[]));
}

#[test]
fn drafts_build_still_exports_only_published_cases() {
    check_index(&build_ok(&repo_root(), &["--drafts"]));
}

#[test]
fn every_page_has_a_search_box() {
    let built = build_ok(&repo_root(), &[]);
    for page in [
        "index.html",
        "cases/2023-002/index.html",
        "areas/index.html",
    ] {
        let html = built.read(page);
        assert!(
            html.contains("action=\"/search/\"") && html.contains("name=\"q\""),
            "{page} has no search form"
        );
    }
}
