//! `casebook search` answers from the index it keeps under
//! `.casebook-cache/search/`, and never from an index of older content:
//! after every kind of change (a case's text, a new case, a removed case,
//! the config's synonyms, a corrupt or foreign index) the answer equals
//! the one a search without any kept index gives.

mod common;

use std::path::Path;

use casebook::cmd::search::{run, SearchCommandError, SearchOptions, SearchReport};
use casebook::search::Filters;
use common::*;

/// Held by each test: one changes this test binary's modification time,
/// which is part of every key.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn search(root: &Path, query: &str) -> SearchReport {
    let options = SearchOptions {
        root: root.to_path_buf(),
        query: query.to_string(),
        filters: Filters::default(),
        limit: 50,
    };
    match run(&options) {
        Ok(report) => report,
        Err(SearchCommandError::Content(diags)) => panic!("content errors: {diags:?}"),
        Err(other) => panic!("search failed: {other:?}"),
    }
}

fn hits(report: &SearchReport) -> Vec<serde_json::Value> {
    report.hits.iter().map(|h| h.to_json()).collect()
}

/// The hits a search gives with no kept index (which it then keeps).
fn fresh(root: &Path, query: &str) -> Vec<serde_json::Value> {
    let _ = std::fs::remove_dir_all(root.join(".casebook-cache"));
    let report = search(root, query);
    assert!(!report.reused_index);
    hits(&report)
}

/// The kept index's folders (one per key).
fn kept(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(".casebook-cache/search"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Search after `edit`: not from the old index, and equal to a search
/// with no kept index.
fn after(root: &Path, what: &str, query: &str, edit: impl FnOnce(&Path)) -> usize {
    assert!(search(root, query).reused_index, "{what}: warm before");
    edit(root);
    let report = search(root, query);
    assert!(!report.reused_index, "{what}: answered from the old index");
    let warm = search(root, query);
    assert!(warm.reused_index, "{what}: the new index is kept");
    assert_eq!(hits(&report), hits(&warm), "{what}");
    assert_eq!(hits(&report), fresh(root, query), "{what}");
    assert_eq!(kept(root).len(), 1, "{what}: one index kept");
    report.hits.len()
}

#[test]
fn a_kept_index_answers_only_for_the_content_it_was_built_from() {
    let _guard = one_at_a_time();
    let dir = temp_dir();
    let root = example_site_at(&dir.path().join("site"));
    let cold = search(&root, "精益");
    assert!(!cold.reused_index);
    assert!(!cold.hits.is_empty());
    let warm = search(&root, "精益");
    assert!(warm.reused_index);
    assert_eq!(hits(&cold), hits(&warm));

    let case = root.join("content/cases/2023/2023-005.md");
    let word = "鲲鹏磐石";
    let found = after(&root, "a case's text", word, |_| {
        let text = std::fs::read_to_string(&case).unwrap();
        std::fs::write(
            &case,
            text.replacen("## 摘要\n", &format!("## 摘要\n\n{word}。\n"), 1),
        )
        .unwrap();
    });
    assert_eq!(found, 1, "the edited case is found by its new word");
    let copy = root.join("content/cases/2023/2023-099.md");
    let found = after(&root, "a new case", word, |_| {
        let text = std::fs::read_to_string(&case).unwrap();
        std::fs::write(
            &copy,
            text.replace("id: \"2023-005\"", "id: \"2023-099\"")
                .replace("提升产品直通率的经验", "提升产品一次合格率的经验"),
        )
        .unwrap();
    });
    assert_eq!(found, 2, "the new case is found");
    let found = after(&root, "a removed case", word, |_| {
        std::fs::remove_file(&copy).unwrap();
    });
    assert_eq!(found, 1, "the removed case is gone");
    // A case named `.MD` (discovery reads any case of `.md`), then edited
    // to the same length with its time put back: still its bytes that key
    // the index, not its size and time.
    let upper = root.join("content/cases/2023/2023-005.MD");
    after(&root, "a case renamed .MD", word, |_| {
        std::fs::rename(&case, &upper).unwrap();
    });
    let other = "麒麟磐石";
    assert_eq!(word.len(), other.len());
    let found = after(&root, "a same-length edit", other, |_| {
        let modified = std::fs::metadata(&upper).unwrap().modified().unwrap();
        let text = std::fs::read_to_string(&upper).unwrap();
        std::fs::write(&upper, text.replacen(word, other, 1)).unwrap();
        let file = std::fs::File::options().write(true).open(&upper).unwrap();
        file.set_modified(modified).unwrap();
    });
    assert_eq!(found, 1, "the same-length edit is found");
    // A FIFO named like a case is not read (it would block the key).
    let fifo = root.join("content/cases/2023/fifo.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    assert!(
        !search(&root, other).reused_index,
        "a new path is a new key"
    );
    std::fs::remove_file(&fifo).unwrap();
    // The config's synonyms: a table of the site's own replaces the
    // defaults, so 6σ no longer finds 六西格玛.
    let before = search(&root, "6σ").hits.len();
    assert!(before > 0);
    let found = after(&root, "the config", "6σ", |root| {
        let config = root.join("casebook.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            format!("{text}\n[search.synonyms]\n\"鲲鹏\" = [\"磐石\"]\n"),
        )
        .unwrap();
    });
    assert!(found < before, "{found} vs {before}");
}

#[test]
fn a_corrupt_or_foreign_index_is_indexed_again_never_used() {
    let _guard = one_at_a_time();
    let dir = temp_dir();
    let root = example_site_at(&dir.path().join("site"));
    let want = fresh(&root, "精益");
    let [key] = <[String; 1]>::try_from(kept(&root)).unwrap();
    let folder = root.join(".casebook-cache/search").join(&key);
    // Every file of the index cut short.
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let len = std::fs::metadata(&path).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len / 2).unwrap();
    }
    assert_eq!(hits(&search(&root, "精益")), want, "corrupt index");
    // Another site's cache copied over this one's: its key is not this
    // content's, so it is not used (and is replaced).
    let other = temp_dir();
    let basic = other.path().join("basic");
    copy_dir(&fixture("basic"), &basic);
    search(&basic, "质量");
    std::fs::remove_dir_all(root.join(".casebook-cache")).unwrap();
    copy_dir(
        &basic.join(".casebook-cache"),
        &root.join(".casebook-cache"),
    );
    let report = search(&root, "精益");
    assert!(!report.reused_index, "foreign cache");
    assert_eq!(hits(&report), want, "foreign cache");
    assert_eq!(kept(&root), [key]);
    // Another binary (here: the same one, modified later) does not use
    // the index the first one kept.
    let exe = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(1);
    exe.set_modified(later).unwrap();
    let report = search(&root, "精益");
    assert!(!report.reused_index, "another binary");
    assert_eq!(hits(&report), want, "another binary");
    // A deleted cache.
    std::fs::remove_dir_all(root.join(".casebook-cache")).unwrap();
    assert_eq!(hits(&search(&root, "精益")), want, "deleted cache");
    // A file where the cache's folder goes: answered in memory.
    std::fs::remove_dir_all(root.join(".casebook-cache")).unwrap();
    std::fs::write(root.join(".casebook-cache"), "not a folder").unwrap();
    let report = search(&root, "精益");
    assert_eq!(hits(&report), want, "unwritable cache");
    assert!(!report.reused_index);
}

#[test]
fn content_errors_are_reported_even_with_a_kept_index() {
    let _guard = one_at_a_time();
    let dir = temp_dir();
    let root = example_site_at(&dir.path().join("site"));
    search(&root, "精益");
    std::fs::write(
        root.join("content/cases/2023/2023-005.md"),
        "no front matter\n",
    )
    .unwrap();
    let options = SearchOptions {
        root: root.clone(),
        query: "精益".to_string(),
        filters: Filters::default(),
        limit: 10,
    };
    assert!(matches!(run(&options), Err(SearchCommandError::Content(_))));
}

#[test]
fn a_symlinked_cache_folder_is_neither_used_nor_cleaned() {
    let _guard = one_at_a_time();
    let dir = temp_dir();
    let root = example_site_at(&dir.path().join("site"));
    let want = fresh(&root, "精益");
    for link in [".casebook-cache", ".casebook-cache/search"] {
        let _ = std::fs::remove_dir_all(root.join(".casebook-cache"));
        // A folder of the editor's, holding a folder named like a key.
        let elsewhere = dir.path().join("mine");
        let _ = std::fs::remove_dir_all(&elsewhere);
        let theirs = elsewhere.join("a".repeat(64));
        std::fs::create_dir_all(&theirs).unwrap();
        std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
        let at = root.join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &at).unwrap();
        for _ in 0..2 {
            let report = search(&root, "精益");
            assert!(!report.reused_index, "{link}");
            assert_eq!(hits(&report), want, "{link}");
        }
        let left: Vec<_> = std::fs::read_dir(&elsewhere)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [std::ffi::OsString::from("a".repeat(64))], "{link}");
        assert!(theirs.join("notes.txt").is_file(), "{link}");
    }
}
