//! The government-portal essentials (issue 23): the footer's identity from
//! `[site.identity]`, its format checks and the `icp-missing` warning.
//! The browser side (links, badge, layout) is in
//! tests/browser/portal.test.mjs.

mod common;

use std::path::Path;

use common::*;
use scraper::Html;

fn page(out: &Path, rel: &str) -> Html {
    Html::parse_document(&std::fs::read_to_string(out.join(rel)).unwrap())
}

#[test]
fn every_page_shows_the_configured_filings_with_their_links() {
    let built = example();
    for rel in [
        "index.html",
        "cases/2023-001/index.html",
        "areas/index.html",
        "overview/index.html",
        "404.html",
    ] {
        let html = page(&built.out, rel);
        let footer = html.select(&sel(".site-footer .footer-identity")).next();
        let footer = footer.unwrap_or_else(|| panic!("{rel}: no identity in the footer"));
        let text = text_of(footer);
        for expect in [
            "主办单位：上海市经济和信息化委员会",
            "承办单位：上海质量管理科学研究院",
            "网站标识码：0000000000",
            "沪ICP备00000000号-1",
            "沪公网安备31000000000000号",
            "联系方式：",
        ] {
            assert!(text.contains(expect), "{rel}: {expect} missing in {text}");
        }
        let icp = footer.select(&sel("a.filing-icp")).next().unwrap();
        assert_eq!(icp.value().attr("href"), Some("https://beian.miit.gov.cn/"));
        let police = footer.select(&sel("a.filing-police")).next().unwrap();
        assert_eq!(
            police.value().attr("href"),
            Some("https://beian.mps.gov.cn/#/query/webSearch?code=31000000000000")
        );
        // The badge is the site's own file, not the filing site's.
        let badge = police.select(&sel("img")).next().unwrap();
        let src = badge.value().attr("src").unwrap();
        assert!(src.starts_with('/') && !src.starts_with("//"), "{src}");
        let file = built.out.join(src.trim_start_matches('/'));
        assert!(file.is_file(), "badge {src} not in the output");
    }
}

#[test]
fn without_identity_the_footer_has_no_filings() {
    let html = page(&basic().out, "index.html");
    assert!(html.select(&sel(".footer-identity")).next().is_none());
}

#[test]
fn badly_written_filing_numbers_are_config_errors() {
    let dir = temp_dir();
    let root = example_site_at(dir.path());
    let config = root.join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replace("沪ICP备00000000号-1", "ICP 00000000")
        .replace("沪公网安备31000000000000号", "沪公网安备 310000号");
    std::fs::write(&config, text).unwrap();
    let (code, diags) = check_json(&root);
    assert_ne!(code, 0);
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (diag, field) in errors.iter().zip(["icp", "police"]) {
        assert_eq!(diag.rule, "config-invalid");
        assert_eq!(diag.file, "casebook.toml");
        assert!(
            diag.message.contains(field) && has_cjk(&diag.message),
            "{diag:?}"
        );
        assert!(diag.help.as_deref().is_some_and(has_cjk), "{diag:?}");
    }
}

#[test]
fn a_public_site_without_an_icp_number_is_warned_at_its_base_url() {
    let dir = temp_dir();
    let root = example_site_at(dir.path());
    let config = root.join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("base_url"))
        .unwrap()
        + 1;
    let public = text
        .replace(
            "https://casebook.example.org/",
            "https://zlbg.sheitc.sh.gov.cn/",
        )
        .replace("icp = \"沪ICP备00000000号-1\"\n", "");
    std::fs::write(&config, &public).unwrap();
    let (code, diags) = check_json(&root);
    assert_eq!(code, 0, "a warning does not fail check: {diags:?}");
    let warning = diags.iter().find(|d| d.rule == "icp-missing");
    let warning = warning.unwrap_or_else(|| panic!("no icp-missing in {diags:?}"));
    assert_eq!(warning.severity, "warning");
    assert_eq!(
        (warning.file.as_str(), warning.line),
        ("casebook.toml", line)
    );
    assert!(warning.message.contains("ICP 备案号"), "{warning:?}");

    // A local preview address is not public: no warning.
    let local = public.replace("https://zlbg.sheitc.sh.gov.cn/", "http://127.0.0.1:8000/");
    std::fs::write(&config, local).unwrap();
    let (_, diags) = check_json(&root);
    assert!(diags.iter().all(|d| d.rule != "icp-missing"), "{diags:?}");
}

#[test]
fn identity_values_reach_the_footer_as_text_only() {
    let dir = temp_dir();
    let root = example_site_at(dir.path());
    let config = root.join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "contact = \"示例站点，电话 021-00000000（虚构）\"",
        "contact = \"<script>alert(1)</script><a href=javascript:x>x</a>\"",
    );
    std::fs::write(&config, text).unwrap();
    let built = build_ok(&root, &[]);
    let html = std::fs::read_to_string(built.out.join("index.html")).unwrap();
    assert!(!html.contains("<script>alert(1)"), "contact not escaped");
    assert!(!html.contains("<a href=javascript"), "contact not escaped");
    assert!(html.contains("联系方式：&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn metric_tables_write_numbers_as_the_prose_does() {
    let built = example();
    let html = page(&built.out, "cases/2023-004/index.html");
    let prose: String = html.select(&sel(".prose")).map(text_of).collect();
    assert!(
        prose.contains("2,600"),
        "the example's prose groups thousands"
    );
    for table in html.select(&sel(".metric-table")) {
        let cells: Vec<String> = table.select(&sel("tbody td")).map(text_of).collect();
        assert!(!cells.is_empty());
        // One number of decimals in a table, thousands grouped like the prose.
        let places: std::collections::BTreeSet<usize> = cells
            .iter()
            .map(|c| c.split_once('.').map_or(0, |(_, f)| f.len()))
            .collect();
        assert_eq!(places.len(), 1, "{cells:?}");
        for cell in &cells {
            let integer = cell.split('.').next().unwrap().trim_start_matches('-');
            if integer.replace(',', "").len() > 3 {
                assert!(integer.contains(','), "{cell} not grouped like 2,600");
            }
        }
    }
    let cells: Vec<String> = html.select(&sel(".metric-table td")).map(text_of).collect();
    assert!(cells.iter().any(|c| c == "2,600"), "{cells:?}");
}
