//! The preview's incremental rebuild: after editing one case, the preview
//! folder equals a fresh `casebook build` of the edited site byte for byte,
//! and only the files that differ were written: the case's own pages and
//! the pages that show it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use casebook::cmd::build::{self, BuildOptions};
use casebook::serve::{Outcome, Preview};

const BASE_URL: &str = "http://127.0.0.1:9/";

/// A built site's files: path → bytes.
type Files = BTreeMap<String, Vec<u8>>;

/// A copy of the example site, and a preview of it built in full.
struct Fixture {
    site: tempfile::TempDir,
    out: tempfile::TempDir,
    preview: Preview,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with_config("")
    }

    /// The example site with `extra` appended to its `casebook.toml`.
    fn with_config(extra: &str) -> Fixture {
        let site = common::temp_dir();
        let repo = common::repo_root();
        let config = std::fs::read_to_string(repo.join("casebook.toml")).unwrap();
        std::fs::write(site.path().join("casebook.toml"), config + extra).unwrap();
        common::copy_dir(&repo.join("content"), &site.path().join("content"));
        let out = common::temp_dir();
        let mut preview = Preview::new(site.path(), &out.path().join("preview"), BASE_URL, false);
        let Outcome::Built { full, .. } = preview.build_all() else {
            panic!("the example site builds");
        };
        assert!(full);
        Fixture { site, out, preview }
    }

    /// Like [`Fixture::edit`], for an edit that changes which files exist
    /// (a list's page count): everything is rendered again.
    fn edit_shape(&mut self, rel: &str, from: &str, to: &str) -> BTreeSet<String> {
        let path = self.site.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let path: PathBuf = path.canonicalize().unwrap();
        let outcome = self.preview.apply(&[path], &mut |_| {});
        let Outcome::Built { changed, full, .. } = outcome else {
            panic!("the edited site builds");
        };
        assert!(full, "new output paths mean a full rebuild");
        changed.into_iter().collect()
    }

    fn files(&self) -> BTreeMap<String, Vec<u8>> {
        common::snapshot(&self.out.path().join("preview"))
    }

    /// [`Fixture::edit`], then check the preview equals a fresh build and
    /// wrote exactly the files that differ; the files before, the paths
    /// written and the files after.
    fn edit_like_a_fresh_build(
        &mut self,
        rel: &str,
        from: &str,
        to: &str,
    ) -> (Files, BTreeSet<String>, Files) {
        let before = self.files();
        let written = self.edit(rel, from, to);
        let after = self.files();
        let fresh = self.fresh_build();
        assert_same(&after, &fresh);
        assert_eq!(
            written,
            differing(&before, &fresh),
            "exactly the files that differ were written"
        );
        (before, written, after)
    }

    /// Replace `from` by `to` in a content file, rebuild incrementally and
    /// refresh the search and books; the paths written.
    fn edit(&mut self, rel: &str, from: &str, to: &str) -> BTreeSet<String> {
        let path = self.site.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has {from}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let path: PathBuf = path.canonicalize().unwrap();
        let mut told = Vec::new();
        let outcome = self
            .preview
            .apply(&[path], &mut |changed| told.extend_from_slice(changed));
        let Outcome::Built { changed, full, .. } = outcome else {
            panic!("the edited site builds");
        };
        assert!(!full, "an edit to one case is not a full rebuild");
        told.sort();
        assert_eq!(told, changed, "every write is reported as it happens");
        assert!(self.preview.slow_pending());
        let Some(Outcome::Built {
            changed: slow_changed,
            ..
        }) = self.preview.refresh_slow(&|| false)
        else {
            panic!("the search export and books refresh");
        };
        changed.into_iter().chain(slow_changed).collect()
    }

    /// A fresh full build of the site as it is now, with the preview's URL
    /// (the share posters, which link the published site in a preview
    /// too, from a build with the site's own URL).
    fn fresh_build(&self) -> BTreeMap<String, Vec<u8>> {
        let build_at = |base_url: Option<&str>| {
            let out = self.out.path().join("fresh");
            let options = BuildOptions {
                root: self.site.path().to_path_buf(),
                output: Some(out.clone()),
                base_url: base_url.map(str::to_string),
                drafts: false,
                progress: false,
                published: None,
                allow_removed: Vec::new(),
                check_removed: false,
                clean: false,
            };
            assert!(build::run(&options).is_ok());
            let files = common::snapshot(&out);
            std::fs::remove_dir_all(&out).unwrap();
            let _ = std::fs::remove_dir_all(self.out.path().join(".fresh.previous"));
            files
        };
        let mut files = build_at(Some(BASE_URL));
        let is_poster = |path: &String| path.contains("/share/poster") && path.ends_with(".png");
        files.retain(|path, _| !is_poster(path));
        files.extend(
            build_at(None)
                .into_iter()
                .filter(|(path, _)| is_poster(path)),
        );
        // A build marks its folder as Casebook's; the preview's own needs no
        // mark, nor precompressed copies (its server compresses nothing),
        // nor the nginx snippet.
        files.remove(casebook::destination::MARKER);
        files.remove(casebook::nginx::SNIPPET);
        files.remove(casebook::destination::BUILD_RECORD);
        files.retain(|path, _| !path.ends_with(".gz") && !path.ends_with(".br"));
        files
    }
}

/// Paths whose bytes differ between two folders (or are in one only).
fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> BTreeSet<String> {
    let paths: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .cloned()
        .collect()
}

fn assert_same(preview: &BTreeMap<String, Vec<u8>>, fresh: &BTreeMap<String, Vec<u8>>) {
    // The live-reload script is added as pages are served, never written.
    let marked: Vec<&String> = preview
        .iter()
        .filter(|(_, bytes)| bytes.windows(12).any(|w| w == b"__casebook/l"))
        .map(|(path, _)| path)
        .collect();
    assert!(marked.is_empty(), "{marked:?} mention the preview's script");
    let differ = differing(preview, fresh);
    assert!(
        differ.is_empty(),
        "the preview differs from a fresh build in {differ:?}"
    );
}

/// Pages (not search shards, open data or books) among `paths`.
fn pages(paths: &BTreeSet<String>) -> BTreeSet<&str> {
    paths
        .iter()
        .map(String::as_str)
        .filter(|p| {
            !p.starts_with("search/") && !p.starts_with("data/") && !p.starts_with("compilation/")
        })
        .collect()
}

/// Whether `path` is one of case `id`'s own pages, or shows the case (links
/// to it) before or after the edit.
fn shows_case(
    path: &str,
    id: &str,
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> bool {
    let link = format!("/cases/{id}/");
    let own = path.starts_with(&format!("cases/{id}/")) || path.starts_with(&format!("c/{id}"));
    let links = |files: &BTreeMap<String, Vec<u8>>| {
        files
            .get(path)
            .is_some_and(|bytes| String::from_utf8_lossy(bytes).contains(&link))
    };
    own || links(before) || links(after)
}

#[test]
fn editing_a_title_rewrites_the_case_and_the_pages_that_show_it() {
    let mut fixture = Fixture::new();
    let (before, written, after) = fixture.edit_like_a_fresh_build(
        "content/cases/2023/2023-003.md",
        "提升检测服务质量的经验",
        "提升检测服务水平的经验",
    );
    // Only the case's own pages and the pages that show it: lists, its
    // neighbours in book order (prev/next), home, feed.
    let changed = pages(&written);
    let others: Vec<&&str> = changed
        .iter()
        .filter(|p| !shows_case(p, "2023-003", &before, &after))
        .collect();
    assert!(
        others.is_empty(),
        "pages that do not show the case changed: {others:?}"
    );
    for page in [
        "cases/2023-003/index.html",
        "cases/2023-003/share/index.html",
        "c/2023-003.html",
        "areas/industrial-quality/index.html",
        "industries/producer-services/index.html",
        "districts/putuo/index.html",
        "years/2023/index.html",
        "methods/performance-excellence/index.html",
    ] {
        assert!(
            changed.contains(page),
            "{page} shows the new title: {changed:?}"
        );
    }
    // Lists of other terms are untouched.
    assert!(!changed.contains("areas/social-responsibility/index.html"));
    // The book of its year and the search export follow.
    assert!(written.contains("compilation/2023/index.html"));
    assert!(written.iter().any(|p| p.starts_with("search/")));
    let page = String::from_utf8(after["cases/2023-003/index.html"].clone()).unwrap();
    assert!(page.contains("提升检测服务水平的经验"));
}

#[test]
fn moving_a_case_to_another_area_rewrites_both_area_lists() {
    let mut fixture = Fixture::new();
    let before = fixture.files();
    let written = fixture.edit(
        "content/cases/2023/2023-003.md",
        "priority_area: 促进产业高质量发展",
        "priority_area: 助力城市数字化转型",
    );
    let after = fixture.files();
    let fresh = fixture.fresh_build();
    assert_same(&after, &fresh);
    assert_eq!(written, differing(&before, &fresh));
    let changed = pages(&written);
    for page in [
        "areas/industrial-quality/index.html",
        "areas/digital-transformation/index.html",
        "cases/2023-003/index.html",
    ] {
        assert!(changed.contains(page), "{page} changed: {changed:?}");
    }
    // Besides the pages that show the case, only pages with counts per area
    // (every area's list shows them all in its side navigation).
    let counts = [
        "index.html",
        "overview/index.html",
        "areas/index.html",
        "404.html",
    ];
    let others: Vec<&&str> = changed
        .iter()
        .filter(|p| {
            !shows_case(p, "2023-003", &before, &after)
                && !counts.contains(p)
                && !p.starts_with("areas/")
        })
        .collect();
    assert!(others.is_empty(), "unexpected pages changed: {others:?}");
    let list = |path: &str| String::from_utf8(after[path].clone()).unwrap();
    assert!(list("areas/digital-transformation/index.html").contains("/cases/2023-003/"));
    assert!(!list("areas/industrial-quality/index.html").contains("/cases/2023-003/"));
    // Its book's chapters: the case left one and joined the other.
    for chapter in ["industrial-quality", "digital-transformation"] {
        let path = format!("compilation/2023/parts/{chapter}/index.html");
        assert!(written.contains(&path), "{path} rewritten: {written:?}");
    }
    assert!(
        list("compilation/2023/parts/digital-transformation/index.html")
            .contains("data-case-id=\"2023-003\"")
    );
}

#[test]
fn emptying_a_part_of_a_book_removes_its_chapter_like_a_fresh_build() {
    let mut fixture = Fixture::new();
    let chapter = "compilation/2023/parts/sme-quality/index.html";
    assert!(fixture.files().contains_key(chapter));
    // 2023-005 is the 2023 book's only case of its area.
    fixture.edit_shape(
        "content/cases/2023/2023-005.md",
        "priority_area: 促进中小企业质量提升",
        "priority_area: 助力城市数字化转型",
    );
    let after = fixture.files();
    assert_same(&after, &fixture.fresh_build());
    assert!(
        !after.contains_key(chapter),
        "the emptied part's chapter is gone"
    );
    let front = String::from_utf8(after["compilation/2023/index.html"].clone()).unwrap();
    assert!(
        !front.contains("parts/sme-quality/"),
        "the contents no longer lead there"
    );
    // And back: the chapter returns.
    fixture.edit_shape(
        "content/cases/2023/2023-005.md",
        "priority_area: 助力城市数字化转型",
        "priority_area: 促进中小企业质量提升",
    );
    assert_same(&fixture.files(), &fixture.fresh_build());
    assert!(fixture.files().contains_key(chapter));
}

#[test]
fn edits_to_paginated_lists_match_a_fresh_build() {
    // Two cards a page: a list's pages and their links move with its cases.
    let mut fixture = Fixture::with_config("\n[lists]\npage_size = 2\n");
    assert!(fixture
        .files()
        .contains_key("areas/industrial-quality/page/2/index.html"));
    let written = fixture.edit_shape(
        "content/cases/2023/2023-003.md",
        "priority_area: 促进产业高质量发展",
        "priority_area: 助力城市数字化转型",
    );
    assert_same(&fixture.files(), &fixture.fresh_build());
    assert!(written
        .iter()
        .any(|p| p.starts_with("areas/digital-transformation/")));
    // A title edit keeps every list's page count: rendered incrementally.
    let written = fixture.edit(
        "content/cases/2023/2023-003.md",
        "提升检测服务质量的经验",
        "提升检测服务水平的经验",
    );
    assert_same(&fixture.files(), &fixture.fresh_build());
    assert!(!written.contains("sitemap.xml"), "{written:?}");
}

#[test]
fn a_broken_case_fails_and_its_fix_builds_again() {
    let mut fixture = Fixture::new();
    let before = fixture.files();
    let rel = "content/cases/2023/2023-003.md";
    let path = fixture.site.path().join(rel).canonicalize().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("---\n", "", 1)).unwrap();
    let outcome = fixture
        .preview
        .apply(std::slice::from_ref(&path), &mut |_| {});
    let Outcome::Failed(diagnostics) = outcome else {
        panic!("a case without front matter fails");
    };
    assert!(diagnostics
        .iter()
        .any(|d| d.file.ends_with("2023-003.md") && d.is_error()));
    assert_eq!(fixture.files(), before, "a failed rebuild writes nothing");
    std::fs::write(&path, &text).unwrap();
    let outcome = fixture.preview.apply(&[path], &mut |_| {});
    let Outcome::Built { changed, .. } = outcome else {
        panic!("the fixed site builds");
    };
    assert!(changed.is_empty(), "back as it was: {changed:?}");
}

/// The preview folder never holds a file a fresh build would not.
#[test]
fn a_new_case_file_is_found() {
    let mut fixture = Fixture::new();
    let source = fixture.site.path().join("content/cases/2024/2024-003.md");
    let copy = fixture.site.path().join("content/cases/2024/2024-007.md");
    let text = std::fs::read_to_string(&source).unwrap();
    let text = text
        .replacen("id: \"2024-003\"", "id: \"2024-007\"", 1)
        .replacen("上海申运冷链物流有限公司", "上海申达冷链物流有限公司", 2);
    std::fs::write(&copy, text).unwrap();
    let outcome = fixture.preview.apply(&[copy], &mut |_| {});
    assert!(matches!(outcome, Outcome::Built { full: true, .. }));
    assert_same(&fixture.files(), &fixture.fresh_build());
    assert!(Path::new(&fixture.out.path().join("preview/cases/2024-007/index.html")).is_file());
}

impl Fixture {
    /// Write the site's own `templates/NAME` (the default theme's with
    /// `from` replaced by `to`), rebuild and refresh; the paths written.
    fn override_template(&mut self, name: &str, from: &str, to: &str) -> (BTreeSet<String>, bool) {
        let theme = common::repo_root()
            .join("themes/default/templates")
            .join(name);
        let text = std::fs::read_to_string(theme).unwrap();
        assert!(text.contains(from), "{name} has {from}");
        let path = self.site.path().join("templates").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let path: PathBuf = path.canonicalize().unwrap();
        let Outcome::Built { changed, full, .. } = self.preview.apply(&[path], &mut |_| {}) else {
            panic!("the site builds with the edited template");
        };
        let mut written: BTreeSet<String> = changed.into_iter().collect();
        if let Some(Outcome::Built { changed, .. }) = self.preview.refresh_slow(&|| false) {
            written.extend(changed);
        }
        (written, full)
    }
}

/// A template change renders only the kinds of page that use it, and the
/// preview still equals a fresh build byte for byte.
#[test]
fn a_template_change_renders_only_the_pages_that_use_it() {
    let mut fixture = Fixture::new();
    let before = fixture.files();
    let (written, full) = fixture.override_template("term.html", "</h1>", "</h1><p>按术语</p>");
    assert!(!full, "a term template edit is not a full rebuild");
    let fresh = fixture.fresh_build();
    assert_same(&fixture.files(), &fresh);
    let differ = differing(&before, &fresh);
    assert!(!differ.is_empty());
    for path in &written {
        assert!(
            path.starts_with("areas/")
                || path.starts_with("industries/")
                || path.starts_with("districts/")
                || path.starts_with("years/")
                || path.starts_with("methods/"),
            "{path} is not a term page"
        );
    }
    assert!(!written.iter().any(|p| p.starts_with("cases/")));

    // The case template: case pages only.
    let before = fixture.files();
    let (written, full) = fixture.override_template(
        "case.html",
        "{% block title %}{{ case.title }}",
        "{% block title %}案例：{{ case.title }}",
    );
    assert!(!full);
    assert_same(&fixture.files(), &fixture.fresh_build());
    assert!(written.iter().any(|p| p.starts_with("cases/")));
    assert!(
        !written.iter().any(|p| p.starts_with("areas/")),
        "{written:?}"
    );
    assert_eq!(differing(&before, &fixture.files()), written);

    // The base template: every page, still incremental, still the same.
    let (_, full) = fixture.override_template("base.html", "<body", "<!-- 基础 --><body");
    assert!(!full);
    assert_same(&fixture.files(), &fixture.fresh_build());
}

/// The ids a case page lists as related (相关案例), in order.
fn related_on(files: &BTreeMap<String, Vec<u8>>, page: &str) -> Vec<String> {
    let Some(bytes) = files.get(page) else {
        return Vec::new();
    };
    let html = scraper::Html::parse_document(&String::from_utf8_lossy(bytes));
    html.select(&common::sel(".related-list a"))
        .filter_map(|a| a.value().attr("href"))
        .map(|href| {
            href.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_method_edit_relists_related_cases_as_a_fresh_build_does() {
    let mut fixture = Fixture::new();
    let (before, written, after) = fixture.edit_like_a_fresh_build(
        "content/cases/2023/2023-005.md",
        "methods: [QC小组, 精益]",
        "methods: [六西格玛, 精益]",
    );
    let case_pages: Vec<&String> = after
        .keys()
        .filter(|p| p.starts_with("cases/") && p.matches('/').count() == 2)
        .filter(|p| p.ends_with("/index.html"))
        .collect();
    let relisted: BTreeSet<&str> = case_pages
        .iter()
        .filter(|p| related_on(&before, p) != related_on(&after, p))
        .map(|p| p.as_str())
        .collect();
    assert!(
        relisted.iter().any(|p| !p.starts_with("cases/2023-005/")),
        "the edit moves other cases' related lists: {relisted:?}"
    );
    // Case pages written either show the case (a link to it: its own,
    // neighbours, related cards) or list other related cases now.
    for page in pages(&written)
        .into_iter()
        .filter(|p| case_pages.iter().any(|c| c == p))
    {
        assert!(
            shows_case(page, "2023-005", &before, &after) || relisted.contains(page),
            "{page} was rewritten but neither shows the case nor relists"
        );
    }
}
