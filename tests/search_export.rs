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

/// The numbers of a base-32 varint string (src/search/export.rs).
fn varints(text: &str) -> Vec<u32> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut value, mut shift) = (0u32, 0);
    for c in text.chars() {
        let d = ALPHABET.find(c).expect("a base64url digit") as u32;
        value |= (d & 31) << shift;
        if d & 32 != 0 {
            shift += 5;
        } else {
            out.push(value);
            (value, shift) = (0, 0);
        }
    }
    assert_eq!(shift, 0, "{text} ends inside a number");
    out
}

/// Documents of a posting string (doc deltas and impacts).
fn posting_docs(text: &str) -> Vec<u32> {
    let numbers = varints(text);
    assert_eq!(numbers.len() % 2, 0, "pairs in {text}");
    let mut doc = 0;
    numbers
        .chunks(2)
        .map(|pair| {
            doc += pair[0];
            doc
        })
        .collect()
}

fn check_index(built: &Built) {
    let files = search_files(built);
    let meta: serde_json::Value =
        serde_json::from_str(&built.read("search/meta.json")).expect("meta.json is JSON");
    assert_eq!(meta["version"], 3);
    let docs = meta["docs"].as_u64().unwrap() as u32;
    assert_eq!(docs, 15, "the example site publishes 15 cases");
    let base = meta["base"].as_str().unwrap();
    // Every file in one folder named by a 10-digit hash of the export.
    let folder = base
        .strip_prefix("/search/")
        .and_then(|f| f.strip_suffix('/'))
        .unwrap();
    assert!(folder.len() == 10 && folder.chars().all(|c| c.is_ascii_hexdigit()));
    let shards = meta["shards"].as_u64().unwrap();
    assert!(shards > 1, "the example site gets several shards");
    let mut seen = std::collections::BTreeSet::new();
    let mut read = |name: &str| -> serde_json::Value {
        let path = format!("search/{folder}/{name}");
        assert!(built.exists(&path), "{path} is missing");
        seen.insert(path.clone());
        serde_json::from_str(&built.read(&path)).unwrap()
    };
    let mut terms = std::collections::BTreeMap::new();
    for i in 0..shards {
        let shard = read(&format!("s{i}.json"));
        for (term, value) in shard.as_object().unwrap() {
            let value = match value.as_u64() {
                Some(k) => read(&format!("t{k}.json")),
                None => value.clone(),
            };
            let docs_of_term = match &value {
                serde_json::Value::String(postings) => posting_docs(postings),
                big => {
                    let top = posting_docs(big["top"].as_str().unwrap());
                    let n = big["n"].as_u64().unwrap() as usize;
                    assert!(
                        top.len() < n,
                        "{term}: a big term lists only its best documents"
                    );
                    let absent = varints(big["absent"].as_str().unwrap_or(""));
                    assert!(
                        big["bits"].is_string()
                            || big["docs"].is_string()
                            || !absent.is_empty()
                            || n == docs as usize
                    );
                    top
                }
            };
            assert!(
                docs_of_term.iter().all(|&d| d < docs),
                "{term}: documents in range"
            );
            terms.insert(term.clone(), docs_of_term);
        }
    }
    for c in 0..(docs as usize).div_ceil(meta["cards_per_file"].as_u64().unwrap() as usize) {
        let cards = read(&format!("c{c}.json"));
        assert!(cards.as_array().is_some_and(|a| !a.is_empty()));
    }
    assert_eq!(
        seen.len() + 2,
        files.len(),
        "every file under search/ but meta.json and the page is a shard, a term or a card file"
    );
    // The three six-sigma cases hold both bigrams of 西格玛; facets are terms.
    for term in ["西格", "格玛", "#y:2023", "#a:social-responsibility"] {
        assert!(terms.contains_key(term), "{term} is exported");
    }
    for (path, text) in &files {
        for marker in UNPUBLISHED_MARKERS {
            assert!(!text.contains(marker), "{marker} appears in {path}");
        }
        assert!(text.len() < 40_000, "{path} is {} bytes", text.len());
    }
    let cards: String = files
        .iter()
        .filter(|(p, _)| p.contains("/c"))
        .map(|(_, t)| t.as_str())
        .collect();
    assert!(cards.contains("六西格玛"));
    let page = built.read("search/index.html");
    assert!(page.contains("id=\"search-results\""));
    // The meta is inlined in the page, as script-safe JSON.
    let inline = page
        .split("<script type=\"application/json\" id=\"search-meta\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the search page inlines the meta");
    let inline: serde_json::Value = serde_json::from_str(inline).unwrap();
    assert_eq!(inline, meta);
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
