//! Integration tests of what promotion teams use: short links, the
//! published URL list (`urls.txt`) and the check that no published URL is
//! lost between builds.

mod common;

use std::path::Path;

use common::*;

/// A copy of the basic fixture in a temp folder, safe to edit.
fn basic_copy() -> tempfile::TempDir {
    let dir = temp_dir();
    copy_dir(&fixture("basic"), dir.path());
    dir
}

fn build_into(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<std::ffi::OsString> = vec![
        "build".into(),
        "--root".into(),
        root.into(),
        "--output".into(),
        out.into(),
    ];
    args.extend(extra.iter().map(Into::into));
    casebook(&args)
}

#[test]
fn urls_txt_lists_every_published_url_sorted() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = std::fs::read_to_string(out.join("urls.txt")).unwrap();
    let urls: Vec<&str> = text.lines().collect();
    let mut sorted = urls.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(urls, sorted, "sorted, no duplicates");
    for url in [
        "/",
        "/cases/2022-001/",
        "/c/2022-001",
        "/c/2022-001/",
        "/c/2022-001.html",
        "/areas/",
        "/old/2022-002.html",
        "/anli/2022-002/",
        "/atom.xml",
    ] {
        assert!(urls.contains(&url), "{url} missing from urls.txt:\n{text}");
    }
    for url in &urls {
        assert!(url.starts_with('/'), "{url}");
        assert!(
            !url.contains("/css/") && !url.ends_with(".png") && !url.ends_with(".json"),
            "asset listed: {url}"
        );
        assert!(!url.contains("2024-001"), "unpublished case listed: {url}");
    }
}

#[test]
fn a_lost_url_fails_the_build_until_aliased_or_allowed() {
    let site = basic_copy();
    let out = site.path().join("out");
    let first = build_into(site.path(), &out, &[]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = snapshot(&out);

    std::fs::remove_file(site.path().join("content/cases/2023/2023-002.md")).unwrap();
    let second = build_into(site.path(), &out, &[]);
    let err = stderr(&second);
    assert_eq!(code(&second), 1, "{err}");
    assert!(err.contains("url-removed"), "{err}");
    assert!(err.contains("/cases/2023-002/"), "{err}");
    assert!(err.contains("--allow-removed"), "{err}");
    assert!(has_cjk(&err));
    // One diagnostic for the case (its short links are named with it).
    assert_eq!(err.matches("url-removed").count(), 1, "{err}");
    assert_eq!(snapshot(&out), before, "a failed build changed the output");

    // Allowed explicitly: passes, and the new list no longer has it.
    let allowed_out = site.path().join("out-allowed");
    copy_dir(&out, &allowed_out);
    let allowed = build_into(
        site.path(),
        &allowed_out,
        &["--allow-removed", "/cases/2023-002/"],
    );
    assert_eq!(code(&allowed), 0, "{}", stderr(&allowed));
    let urls = std::fs::read_to_string(allowed_out.join("urls.txt")).unwrap();
    assert!(!urls.contains("2023-002"), "{urls}");

    // `--published FILE` names the list to compare with.
    let elsewhere = site.path().join("out-elsewhere");
    let published = site.path().join("previous-urls.txt");
    std::fs::copy(out.join("urls.txt"), &published).unwrap();
    let checked = build_into(
        site.path(),
        &elsewhere,
        &["--published", published.to_str().unwrap()],
    );
    assert_eq!(code(&checked), 1, "{}", stderr(&checked));
    assert!(!elsewhere.exists());

    // Kept alive by an alias on the case that replaces it: passes.
    let replacement = site.path().join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&replacement).unwrap();
    let text = text.replacen(
        "id: \"2023-003\"\n",
        "id: \"2023-003\"\naliases: [\"/cases/2023-002/\"]\n",
        1,
    );
    std::fs::write(&replacement, text).unwrap();
    let third = build_into(site.path(), &out, &[]);
    assert_eq!(code(&third), 0, "{}", stderr(&third));
    let page = std::fs::read_to_string(out.join("cases/2023-002/index.html")).unwrap();
    assert!(page.contains("url=/cases/2023-003/"), "{page}");
}

#[test]
fn drafts_builds_keep_the_published_list() {
    let site = basic_copy();
    let out = site.path().join("out");
    assert_eq!(code(&build_into(site.path(), &out, &[])), 0);
    let list = std::fs::read_to_string(out.join("urls.txt")).unwrap();
    let drafts = build_into(site.path(), &out, &["--drafts"]);
    assert_eq!(code(&drafts), 0, "{}", stderr(&drafts));
    assert_eq!(std::fs::read_to_string(out.join("urls.txt")).unwrap(), list);
    // The next real build compares with the last real one: passes.
    let again = build_into(site.path(), &out, &[]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
}

/// `zbarimg`, or `None` (with a SKIPPED line) when it is not installed.
/// On CI (`CI=true`) a missing zbarimg fails the test instead.
fn zbarimg() -> Option<&'static str> {
    let found = std::process::Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok();
    if found {
        return Some("zbarimg");
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("zbarimg is missing: install zbar-tools (.ci/run does)");
    }
    println!("SKIPPED: zbarimg not installed (apt-get install zbar-tools)");
    None
}

#[test]
fn qr_codes_decode_to_the_short_links() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for id in ["2022-001", "2022-002", "2023-001", "2023-002", "2023-003"] {
        let svg = std::fs::read_to_string(out.join(format!("qr/{id}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(out.join(format!("qr/{id}.png")).is_file());
    }
    assert!(!out.join("qr/2024-001.png").exists(), "unpublished case");
    let Some(zbarimg) = zbarimg() else { return };
    for id in ["2022-001", "2022-002", "2023-001", "2023-002", "2023-003"] {
        let png = out.join(format!("qr/{id}.png"));
        let decoded = std::process::Command::new(zbarimg)
            .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
            .arg(&png)
            .output()
            .unwrap();
        assert!(decoded.status.success(), "{}", stderr(&decoded));
        assert_eq!(
            stdout(&decoded).trim_end(),
            format!("https://fixture.example.org/c/{id}"),
            "{}",
            png.display()
        );
    }
}
