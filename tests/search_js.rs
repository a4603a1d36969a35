//! The browser search's tokenizer, shard hash and ranking
//! (themes/default/static/js/search.js), checked by `node --test tests/js/`
//! against the same tokenizer vectors as the Rust analyzer; the same run
//! tests the WeChat share script (static/js/wechat.js, wechat.test.mjs)
//! with a fake `wx`, and the 404 page's script (static/js/notfound.js,
//! notfound.test.mjs) with a fake `location`; common-terms.test.mjs
//! searches the export of the
//! generated common-terms site (tests/common/common_terms.rs), built here,
//! against its Markdown oracle. Skipped without node, except under CI
//! (`common::ci`).

mod common;

use std::process::Command;

#[test]
fn search_js_matches_the_rust_analyzer() {
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node {
        common::skip(
            "search_js_matches_the_rust_analyzer",
            "node",
            "apt-get install -y nodejs",
        );
        return;
    }
    let site = common::common_terms::prepare();
    let run = Command::new("node")
        .args(["--test", "tests/js/"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CASEBOOK_COMMON_OUT", &site.out)
        .env("CASEBOOK_COMMON_EXPECTED", &site.expected)
        .output()
        .expect("run node --test tests/js/");
    assert!(
        run.status.success(),
        "node --test tests/js/ failed:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}
