//! Promises of docs/ and ARCHITECTURE.md that no other test pins down:
//! `casebook check` writes nothing, and a bundle publishes only the files
//! its page references.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use common::*;

/// One entry below a folder: its kind, bytes (files), link target (links)
/// and modification time.
#[derive(Debug, PartialEq)]
struct Entry {
    kind: &'static str,
    bytes: Vec<u8>,
    modified: SystemTime,
}

/// Every entry below `dir` (folders, files, links; links not followed).
fn tree(dir: &Path) -> BTreeMap<String, Entry> {
    let mut entries = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.unwrap();
        let meta = entry.path().symlink_metadata().unwrap();
        let (kind, bytes) = if meta.is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            ("link", target.into_os_string().into_encoded_bytes())
        } else if meta.is_dir() {
            ("folder", Vec::new())
        } else {
            ("file", std::fs::read(entry.path()).unwrap())
        };
        let rel = entry.path().strip_prefix(dir).unwrap();
        entries.insert(
            rel.to_string_lossy().into_owned(),
            Entry {
                kind,
                bytes,
                modified: meta.modified().unwrap(),
            },
        );
    }
    entries
}

fn run_check(root: &Path, extra: &[&str]) -> i32 {
    let mut args = vec!["check".as_ref(), "--root".as_ref(), root.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    code(&casebook(args))
}

#[test]
fn check_writes_nothing() {
    let dir = temp_dir();
    // A clean site, one with errors, and one with slips --fix would mend.
    let sites = [
        ("basic", None),
        ("bad/id-duplicate", None),
        ("bad/typography", None),
        ("rules/base", Some("content/cases/2023/2023-001/index.md")),
    ];
    for (name, broken) in sites {
        let root = dir.path().join(name.replace('/', "-"));
        copy_dir(&fixture(name), &root);
        if let Some(rel) = broken {
            // An unreadable link and an unclosed front matter as well.
            std::os::unix::fs::symlink(rel, root.join("content/cases/2023/2023-099.md")).unwrap();
            std::fs::write(root.join("content/cases/2023/2023-098.md"), "---\nid: x\n").unwrap();
        }
        let before = tree(dir.path());
        for format in [&[][..], &["--format", "json"], &["--format", "sarif"]] {
            let code = run_check(&root, format);
            assert!(code == 0 || code == 1, "{name} {format:?}: exit {code}");
        }
        let after = tree(dir.path());
        assert!(
            !root.join("output").exists(),
            "{name}: check made an output folder"
        );
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|rel| before.get(*rel) != after.get(*rel))
            .collect();
        assert!(
            changed.is_empty(),
            "{name}: check changed, made or removed {changed:?}"
        );
    }
}

#[test]
fn a_bundle_publishes_only_the_files_its_page_references() {
    let built = basic();
    let bundle = fixture("basic/content/cases/2022/2022-001");
    // The fixture's bundle holds files no page names (a Markdown file in
    // a bundle must be parked with `_`, or it is `bundle-ambiguous`).
    for unreferenced in ["internal-notes.txt", "unused-photo.png", "_old-draft.md"] {
        assert!(bundle.join(unreferenced).is_file(), "{unreferenced}");
    }
    let files = built.files();
    let published: Vec<&String> = files
        .keys()
        .filter(|p| p.starts_with("cases/2022-001/"))
        .collect();
    let mut names: Vec<&str> = published
        .iter()
        .map(|p| p.trim_start_matches("cases/2022-001/"))
        .filter(|p| !p.contains('/'))
        // Copies made from what is published: a page's `.gz`, a
        // picture's smaller WebP (`flow.png.2.webp`).
        .filter(|p| !p.ends_with(".gz") && !p.ends_with(".br") && !p.ends_with(".webp"))
        .collect();
    names.sort();
    // The page, its two figures and its cover (the share image).
    assert_eq!(
        names,
        ["cover.png", "flow.png", "index.html", "yield-trend.png"],
        "{published:?}"
    );
    for (path, bytes) in &files {
        for name in ["internal-notes", "unused-photo", "old-draft"] {
            assert!(!path.contains(name), "{path} was published");
        }
        for marker in ["ZQXUNREFERENCED-NOTE", "ZQXUNREFERENCED-MD"] {
            let found = bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
            assert!(!found, "{path} holds {marker}");
        }
    }
}

#[test]
fn ci_is_read_one_way() {
    for on in ["true", "1", "yes", "TRUE", " true "] {
        assert!(is_ci_value(on), "{on:?}");
    }
    for off in ["", "0", "false", "False", " "] {
        assert!(!is_ci_value(off), "{off:?}");
    }
}
