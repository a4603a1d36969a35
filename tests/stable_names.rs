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

/// Every path whose file in `a` is the very file (same inode) in `b`.
fn shared_inodes(a: &std::path::Path, b: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt as _;
    snapshot(a)
        .into_keys()
        .filter(|rel| {
            let (x, y) = (
                std::fs::metadata(a.join(rel)),
                std::fs::metadata(b.join(rel)),
            );
            matches!((x, y), (Ok(x), Ok(y)) if x.ino() == y.ino() && x.dev() == y.dev())
        })
        .collect()
}

/// A rebuild over an existing output keeps the files that did not change
/// (hard links to the replaced output's, with their compressed copies)
/// and writes the rest; after every kind of edit its output is byte for
/// byte what a clean build of the same content writes.
#[test]
fn a_rebuild_keeps_unchanged_files_and_equals_a_clean_build() {
    let dir = temp_dir();
    let root = example_site_at(&dir.path().join("site"));
    let out = dir.path().join("out");
    let previous = dir.path().join(".out.previous");
    let build_into = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["build", "--root"];
        args.push(root.to_str().unwrap());
        args.extend(["--output", out.to_str().unwrap()]);
        // Removed cases and aliases are this test's edits, not losses.
        args.extend(["--published", "/dev/null"]);
        args.extend(extra);
        let output = casebook(&args);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        stderr(&output)
    };
    let edit = |rel: &str, from: &str, to: &str| {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let theme = repo_root().join("themes/default");
    let case_template = std::fs::read_to_string(theme.join("templates/case.html")).unwrap();
    let site_css = std::fs::read_to_string(theme.join("static/css/site.css")).unwrap();
    let case_003 = std::fs::read_to_string(root.join("content/cases/2023/2023-003.md")).unwrap();
    build_into(&out, &[]);

    type Edit<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let edits: Vec<Edit> = vec![
        ("nothing", Box::new(|| {})),
        (
            "a case's text",
            Box::new(|| {
                edit(
                    "content/cases/2023/2023-003.md",
                    "## 摘要\n\n",
                    "## 摘要\n\n公司建立了检测报告追溯看板。",
                )
            }),
        ),
        (
            "a case's area",
            Box::new(|| {
                edit(
                    "content/cases/2023/2023-003.md",
                    "priority_area: 促进产业高质量发展",
                    "priority_area: 助力城市数字化转型",
                )
            }),
        ),
        (
            "a new case",
            Box::new(|| {
                let copy = case_003
                    .replacen("id: \"2023-003\"", "id: \"2023-090\"", 1)
                    .replacen("运用卓越绩效模式提升", "运用卓越绩效模式全面提升", 1);
                write("content/cases/2023/2023-090.md", &copy);
            }),
        ),
        (
            "a removed case",
            Box::new(|| std::fs::remove_file(root.join("content/cases/2023/2023-090.md")).unwrap()),
        ),
        (
            "an alias",
            Box::new(|| {
                edit(
                    "content/cases/2023/2023-003.md",
                    "status: approved\n",
                    "status: approved\naliases: [/old/hengzhun/]\n",
                )
            }),
        ),
        (
            "a template",
            Box::new(|| {
                write(
                    "templates/case.html",
                    &format!("{case_template}\n{{# 站点改过的模板 #}}<!-- 改 -->\n"),
                )
            }),
        ),
        (
            "the config",
            Box::new(|| {
                edit(
                    "casebook.toml",
                    "title = \"上海市质量标杆典型经验案例库\"",
                    "title = \"上海市质量标杆典型经验案例库（试）\"",
                )
            }),
        ),
        (
            "a static file",
            Box::new(|| {
                write(
                    "static/css/site.css",
                    &format!("{site_css}\n.site-改 {{ color: #123; }}\n"),
                )
            }),
        ),
        (
            "a deleted cache",
            Box::new(|| std::fs::remove_dir_all(root.join(".casebook-cache")).unwrap()),
        ),
        (
            "an output from another binary",
            Box::new(|| {
                let record = out.join(".casebook-build");
                let text = std::fs::read_to_string(&record).unwrap();
                let line = text
                    .lines()
                    .find(|l| l.starts_with("binary: "))
                    .unwrap()
                    .to_string();
                std::fs::write(&record, text.replace(&line, "binary: casebook-0.0.1-1-1")).unwrap();
            }),
        ),
    ];
    for (what, apply) in edits {
        apply();
        let said = build_into(&out, &[]);
        assert!(
            said.contains("沿用上次输出中未变的文件"),
            "after {what}: {said}"
        );
        let kept = shared_inodes(&out, &previous);
        assert!(!kept.is_empty(), "after {what}: nothing was kept");
        let clean = dir.path().join("clean");
        build_into(&clean, &["--clean"]);
        assert!(
            shared_inodes(&clean, &out).is_empty(),
            "--clean linked files"
        );
        let (rebuilt, fresh) = (snapshot(&out), snapshot(&clean));
        let differ: Vec<&String> = fresh
            .keys()
            .chain(rebuilt.keys())
            .filter(|k| rebuilt.get(*k) != fresh.get(*k))
            .collect();
        assert!(
            differ.is_empty(),
            "after {what}, the rebuild differs from a clean build: {differ:?}"
        );
        match what {
            "nothing" => {
                // Only the build's own files are new: every file of the
                // site is kept, pictures copied from the content too.
                let fresh: Vec<&String> = rebuilt.keys().filter(|k| !kept.contains(k)).collect();
                let own = [
                    ".casebook-build",
                    ".casebook-output",
                    ".nginx/casebook.conf",
                ];
                assert!(
                    fresh.iter().all(|k| own.contains(&k.as_str())),
                    "written again with no change: {fresh:?}"
                );
            }
            "a case's text" => {
                assert!(!kept.contains(&"cases/2023-003/index.html".to_string()));
                assert!(!kept.contains(&"cases/2023-003/index.html.gz".to_string()));
                assert!(kept.contains(&"cases/2022-001/share/poster.png".to_string()));
                assert!(kept.contains(&"about/index.html".to_string()), "{kept:?}");
            }
            "an output from another binary" => {
                // Compressed copies another binary wrote are made again;
                // files compared byte for byte are still kept.
                assert!(!kept.iter().any(|k| k.ends_with(".gz")), "{kept:?}");
                assert!(kept.iter().any(|k| k.ends_with(".png")), "{kept:?}");
            }
            _ => {}
        }
        std::fs::remove_dir_all(&clean).unwrap();
        let _ = std::fs::remove_dir_all(dir.path().join(".clean.previous"));
    }
}
