//! Browser test of the default theme: builds the example site into a
//! temporary folder and runs `node --test tests/browser/` on it, which opens
//! the pages in headless Chromium at phone size (see
//! tests/browser/site.test.mjs for what it checks, promotion.test.mjs for
//! WeChat links and the phone byte budget, and lighthouse.test.mjs, which
//! builds its own copy with a local `--base-url` and runs Lighthouse on it;
//! live.test.mjs runs `casebook serve` on a copy and edits a case under an
//! open page; search-page.test.mjs works the search page's facets, history
//! and hints; search-common.test.mjs searches the generated common-terms
//! site, tests/common/common_terms.rs, built here too; book.test.mjs walks
//! the web book's chapters and its forwarding of old one-page anchors;
//! portal.test.mjs checks the footer's filings, 长者模式, dark mode, 200 %
//! zoom, the desktop layout at 1024 and 1440 px and the share kit's copy
//! buttons).
//! The files run one after another, so Lighthouse measures an idle machine.
//!
//! Needs /usr/bin/chromium (Debian's `chromium`, with `fonts-noto-cjk`),
//! node and npm. Without them the test is skipped (a `SKIPPED` line on
//! stderr), except under CI (`common::ci`), where it fails. The npm packages are installed with `npm ci` from
//! tests/browser/package-lock.json when node_modules is missing or stale.
//!
//! Run it alone, with the test's own output: `cargo test --test browser --
//! --nocapture`. The screenshots it takes are removed afterwards unless
//! `CASEBOOK_SCREENSHOTS=DIR` names a folder to keep them in.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Debian's Chromium; CASEBOOK_CHROMIUM names another build (the node test
/// reads it too).
fn chromium() -> PathBuf {
    std::env::var_os("CASEBOOK_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether a prerequisite is there; if not, fail in CI and skip elsewhere.
/// Returns false when the test should stop (skipped).
fn require(present: bool, what: &str, install: &str) -> bool {
    if !present {
        common::skip("browser", what, install);
    }
    present
}

fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn show(output: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

/// `npm ci` unless node_modules already matches package-lock.json.
fn install_packages(dir: &Path) {
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = ["playwright-core", "axe-core", "lighthouse"]
        .iter()
        .all(|p| dir.join("node_modules").join(p).is_dir())
        && matches!((modified(&installed), modified(&lock)), (Some(i), Some(l)) if i >= l);
    if fresh {
        return;
    }
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .expect("run npm ci");
    println!("{}", show(&output));
    assert!(
        output.status.success(),
        "npm ci in {} failed:\n{}",
        dir.display(),
        show(&output)
    );
}

#[test]
fn theme_in_headless_chromium() {
    if !require(
        chromium().exists(),
        "chromium",
        "apt-get install -y --no-install-recommends chromium fonts-noto-cjk",
    ) || !require(runs("node"), "node", "apt-get install -y nodejs")
        || !require(runs("npm"), "npm", "apt-get install -y npm")
    {
        return;
    }

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let temp = tempfile::tempdir().expect("temp dir");
    let site = temp.path().join("site");
    let build = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("build")
        .arg("--root")
        .arg(&root)
        .arg("--output")
        .arg(&site)
        .output()
        .expect("run casebook build");
    assert!(
        build.status.success(),
        "casebook build failed:\n{}",
        show(&build)
    );
    assert!(
        site.join("index.html").is_file(),
        "no index.html in {}",
        site.display()
    );

    let common_terms = common::common_terms::prepare();

    let tests = root.join("tests/browser");
    install_packages(&tests);

    let run = Command::new("node")
        .arg("--test")
        .arg("--test-concurrency=1")
        .arg("tests/browser/")
        .current_dir(&root)
        .env("CASEBOOK_SITE_DIR", &site)
        .env("CASEBOOK_BIN", env!("CARGO_BIN_EXE_casebook"))
        .env("CASEBOOK_ROOT", &root)
        .env("CASEBOOK_COMMON_OUT", &common_terms.out)
        .env("CASEBOOK_COMMON_EXPECTED", &common_terms.expected)
        .output()
        .expect("run node --test");
    println!("{}", show(&run));
    assert!(
        run.status.success(),
        "browser tests failed (node --test tests/browser/ with CASEBOOK_SITE_DIR={}):\n{}",
        site.display(),
        show(&run)
    );
}
