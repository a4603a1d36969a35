//! Integration tests of the command line: exit codes for usage errors, the
//! default output folder, and `casebook new`.

mod common;

use std::ffi::OsStr;

use common::*;

#[test]
fn usage_errors_exit_2() {
    let site = temp_dir();
    copy_dir(&fixture("basic"), site.path());
    let root = site.path().as_os_str();
    let cases: [&[&OsStr]; 8] = [
        &[],
        &["frobnicate".as_ref()],
        &["build".as_ref(), "--bogus".as_ref()],
        &["check".as_ref(), "--format".as_ref(), "xml".as_ref()],
        &["new".as_ref()],
        &["new".as_ref(), "2030-1".as_ref(), "--root".as_ref(), root],
        &["new".as_ref(), "30-001".as_ref(), "--root".as_ref(), root],
        // An output folder that holds the site would replace the site.
        &[
            "build".as_ref(),
            "--root".as_ref(),
            root,
            "--output".as_ref(),
            root,
        ],
    ];
    for args in cases {
        let output = casebook(args);
        assert_eq!(code(&output), 2, "{args:?}: {}", stderr(&output));
        assert!(!stderr(&output).is_empty(), "{args:?}: no message");
    }
    // Nothing was created by the refused commands.
    assert!(!site.path().join("content/cases/2030").exists());
    assert!(!site.path().join("content/cases/30").exists());
    assert!(!site.path().join("output").exists());
    // Our own usage messages are in Chinese.
    let output = casebook(["new".as_ref(), "2030-1".as_ref(), "--root".as_ref(), root]);
    assert!(has_cjk(&stderr(&output)), "{}", stderr(&output));
}

#[test]
fn missing_config_is_a_content_error() {
    let empty = temp_dir();
    let (code, diags) = check_json(empty.path());
    assert_eq!(code, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].rule, "config-missing");
    assert!(has_cjk(&diags[0].message));
}

#[test]
fn build_writes_to_root_output_by_default() {
    let site = temp_dir();
    copy_dir(&fixture("basic"), site.path());
    let output = casebook(["build".as_ref(), "--root".as_ref(), site.path().as_os_str()]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(site.path().join("output/index.html").is_file());
    assert!(site
        .path()
        .join("output/cases/2022-001/index.html")
        .is_file());
}

/// `casebook new ID` in a temporary copy of the basic fixture.
fn new_case(id: &str) -> (tempfile::TempDir, std::process::Output) {
    let site = temp_dir();
    copy_dir(&fixture("basic"), site.path());
    let output = casebook([
        "new".as_ref(),
        id.as_ref(),
        "--root".as_ref(),
        site.path().as_os_str(),
    ]);
    (site, output)
}

#[test]
fn new_creates_a_skeleton_with_every_field_and_section() {
    let (site, output) = new_case("2025-001");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let file = site.path().join("content/cases/2025/2025-001/index.md");
    assert!(
        stdout(&output)
            .trim()
            .ends_with("content/cases/2025/2025-001/index.md"),
        "{}",
        stdout(&output)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("---\n"));
    for line in [
        "id: \"2025-001\"",
        "year: 2025",
        "status: draft",
        // The first configured terms as defaults.
        "priority_area: 促进产业高质量发展",
        "industry: 集成电路",
        "district: 浦东新区",
        "private:",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
    }
    for heading in [
        "## 摘要",
        "## 企业概况",
        "## 管理方法（技术）的推进和应用情况",
        "## 管理方法（技术）的实施效果",
        "## 证实性材料",
    ] {
        assert!(
            text.lines().any(|l| l == heading),
            "{heading} not in\n{text}"
        );
    }

    // A second `new` with the same id refuses and leaves the file alone.
    let again = casebook([
        "new".as_ref(),
        "2025-001".as_ref(),
        "--root".as_ref(),
        site.path().as_os_str(),
    ]);
    assert_eq!(code(&again), 1, "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn new_refuses_an_id_taken_by_a_single_file_case() {
    let (_site, output) = new_case("2022-002");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
}

// The skeleton's placeholders (an image example among them) are not
// content errors: a fresh case never stops the site from building.
#[test]
fn new_skeleton_passes_check_and_stays_unpublished() {
    let (site, output) = new_case("2025-001");
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    let (code, diags) = check_json(site.path());
    let errors: Vec<&Diag> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(code, 0);
    // Any warnings concern the new case only (its placeholder values).
    for d in &diags {
        assert_eq!(d.file, "content/cases/2025/2025-001/index.md", "{d:?}");
    }

    // A draft: not published, but previewed with --drafts, without its
    // private contact.
    let built = build_ok(site.path(), &[]);
    assert!(!built.exists("cases/2025-001/index.html"));
    let preview = build_ok(site.path(), &["--drafts"]);
    let page = preview.read("cases/2025-001/index.html");
    assert!(page.contains("草稿"));
    for (path, bytes) in preview.files() {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("联系人及电话"), "private field in {path}");
    }
}

/// `check` does not make the annual books or the open-data files, but a
/// page linking to them is still fine: they stand in by their paths. A
/// link to a year with no book is still broken.
#[test]
fn check_resolves_links_to_books_and_open_data() {
    let site = temp_dir();
    copy_dir(&fixture("basic"), site.path());
    let about = site.path().join("content/pages/about.md");
    let text = std::fs::read_to_string(&about).unwrap();
    std::fs::write(
        &about,
        format!("{text}\n\n[2023 年汇编](/compilation/2023/)、[开放数据](/data/cases.csv)\n"),
    )
    .unwrap();
    let (status, diags) = check_json(site.path());
    assert_eq!(status, 0, "{diags:?}");
    assert!(
        !diags.iter().any(|d| d.rule.starts_with("link-broken")),
        "{diags:?}"
    );

    std::fs::write(
        &about,
        format!("{text}\n\n[1999 年汇编](/compilation/1999/)\n"),
    )
    .unwrap();
    let (status, diags) = check_json(site.path());
    assert_eq!(status, 1, "{diags:?}");
    assert!(diags.iter().any(|d| d.rule == "link-broken"), "{diags:?}");
}

/// `build -v` names every phase with its wall time, its CPU time (on Unix)
/// and, on Linux, the peak memory at its end (what the benchmark reads).
#[test]
fn verbose_build_prints_each_phase_with_time_and_peak_memory() {
    let built = build_ok(&fixture("basic"), &["-v"]);
    for phase in [
        "load",
        "derive",
        "search index",
        "search export",
        "render",
        "urls",
        "commit",
    ] {
        let line = built
            .stderr
            .lines()
            .find(|l| l.trim_start().starts_with(phase))
            .unwrap_or_else(|| panic!("no {phase} line in:\n{}", built.stderr));
        assert!(line.contains(" ms"), "{line}");
        if cfg!(unix) {
            assert!(line.contains("  CPU "), "{line}");
        }
        if cfg!(target_os = "linux") {
            assert!(line.contains("峰值内存") && line.ends_with("MiB"), "{line}");
        }
    }
}

/// `new` takes only ids whose year `check` accepts (one shared range), and
/// refuses the rest with exit 2 before writing anything.
#[test]
fn new_takes_only_years_check_accepts() {
    let years = casebook::content::plausible_years();
    let (first, last) = (*years.start(), *years.end());
    let site = temp_dir();
    copy_dir(&fixture("basic"), site.path());
    let root = site.path().as_os_str();
    for year in [9999, 1900, first - 1, last + 1, last + 2, 2101] {
        let id = format!("{year}-001");
        let output = casebook(["new".as_ref(), id.as_ref(), "--root".as_ref(), root]);
        assert_eq!(code(&output), 2, "{id}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("年份"),
            "{id}: {}",
            stderr(&output)
        );
        let folder = site.path().join(format!("content/cases/{year}"));
        assert!(!folder.exists(), "{id}: {} was made", folder.display());
    }
    // Every other year: the new case passes check's id and year rules.
    for (n, year) in [first, 2012, casebook::content::current_year(), last]
        .into_iter()
        .enumerate()
    {
        let id = format!("{year}-{:03}", 901 + n);
        let output = casebook(["new".as_ref(), id.as_ref(), "--root".as_ref(), root]);
        assert_eq!(code(&output), 0, "{id}: {}", stderr(&output));
    }
    // The skeletons are alike, so they are duplicates of each other;
    // nothing else is wrong.
    let (_, diags) = check_json(site.path());
    let errors: Vec<&Diag> = diags
        .iter()
        .filter(|d| d.is_error() && d.rule != "case-duplicate")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// `new` never writes through a link: a linked `content/cases`, year or
/// bundle folder (inside or outside the site), a dangling link at the
/// bundle's or the single file's name. Refused, the link and its target
/// untouched.
#[test]
fn new_never_writes_through_a_link() {
    use std::os::unix::fs::symlink;
    let cases: [(&str, &str, bool); 5] = [
        ("content/cases", "elsewhere", true),
        ("content/cases/2025", "elsewhere", true),
        ("content/cases/2025/2025-001", "elsewhere", true),
        ("content/cases/2025/2025-001", "nowhere", false),
        ("content/cases/2025/2025-001.md", "nowhere", false),
    ];
    for (link, target, is_dir) in cases {
        let dir = temp_dir();
        let root = dir.path().join("site");
        copy_dir(&fixture("basic"), &root);
        let target = dir.path().join(target);
        if is_dir {
            std::fs::create_dir_all(&target).unwrap();
        }
        let link = root.join(link);
        if link.exists() {
            std::fs::rename(&link, &target).unwrap();
        }
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        symlink(&target, &link).unwrap();
        let before = is_dir.then(|| snapshot(&target));
        let output = casebook([
            "new".as_ref(),
            "2025-001".as_ref(),
            "--root".as_ref(),
            root.as_os_str(),
        ]);
        assert_eq!(code(&output), 1, "{link:?}: {}", stderr(&output));
        assert!(has_cjk(&stderr(&output)), "{}", stderr(&output));
        assert!(link.is_symlink(), "{link:?} was replaced");
        let after = is_dir.then(|| snapshot(&target));
        assert_eq!(after, before, "{link:?}: target changed");
        assert_eq!(target.exists(), is_dir, "{link:?}: target made");
    }
}
