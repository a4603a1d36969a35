//! Output names stay put while content stays put: a one-case text edit
//! rewrites only the files that show that case, so a deploy uploads (and a
//! CDN refreshes) only those.

mod common;

use common::*;
use std::collections::BTreeMap;

/// Files whose bytes differ, and files only in one of the two trees.
fn changes(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> (Vec<String>, Vec<String>) {
    let changed = before
        .iter()
        .filter(|(name, bytes)| after.get(*name).is_some_and(|b| b != *bytes))
        .map(|(name, _)| name.clone())
        .collect();
    let moved = before
        .keys()
        .filter(|name| !after.contains_key(*name))
        .chain(after.keys().filter(|name| !before.contains_key(*name)))
        .cloned()
        .collect();
    (changed, moved)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[test]
fn a_one_case_edit_changes_only_the_files_that_show_it() {
    let dir = temp_dir();
    let root = example_site_at(dir.path());
    let before = build_ok(&root, &[]).files();
    let case = root.join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&case).unwrap();
    // The summary shows on the case's card too.
    let edited = text.replacen("## 摘要\n\n", "## 摘要\n\n公司建立了检测报告追溯看板。", 1);
    assert_ne!(edited, text);
    std::fs::write(&case, edited).unwrap();
    let after = build_ok(&root, &[]).files();

    let (changed, moved) = changes(&before, &after);
    assert!(moved.is_empty(), "files came or went: {moved:?}");
    assert!(changed.iter().any(|f| f == "cases/2023-003/index.html"));
    // The search export keeps its folder, so the search page (which inlines
    // the meta) and meta.json are unchanged.
    assert!(!changed
        .iter()
        .any(|f| f == "search/meta.json" || f == "search/index.html"));
    // Of the cards, only the file holding this case's card; shards and
    // term files change where they hold its terms (most of them on a site
    // this small; a few hundred of 8,500 at 10,000 cases, bench/README.md).
    let cards: Vec<&String> = changed
        .iter()
        .filter(|f| f.starts_with("search/") && file_name(f).starts_with('c'))
        .filter(|f| f.ends_with(".json"))
        .collect();
    assert_eq!(cards.len(), 1, "{cards:?}");
    assert!(String::from_utf8_lossy(&after[cards[0]]).contains("\"2023-003\""));
    assert!(changed
        .iter()
        .any(|f| f.starts_with("search/") && file_name(f).starts_with('s')));
    // Every other file that changed shows the case (its page, lists with
    // its card, feeds, its year's book, the open data): it names it.
    // (The workbook is compressed: it is the open data, which lists all.)
    for file in changed
        .iter()
        .filter(|f| !f.starts_with("search/") && *f != "data/cases.xlsx")
    {
        let shown = file.strip_suffix(".gz").unwrap_or(file);
        let bytes = String::from_utf8_lossy(&after[shown]);
        assert!(
            bytes.contains("2023-003"),
            "{file} changed after an edit of a case it does not show"
        );
    }
}
