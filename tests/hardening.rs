//! Hardening (issue 9): content from many hands must not crash a build,
//! inject into a page, leak what is unpublished, escape the site or output
//! folder, or lose a published site. Hostile inputs are generated at test
//! time in temporary copies of the fixtures (nothing large is committed).
//! The preview server's hardening is tested from outside in
//! `serve_survives_hostile_requests`. SECURITY.md lists what is guaranteed.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A hang guard, not a speed claim: a run still going after ten minutes
/// (a normal one takes about a second) is killed and the test fails, so a
/// hostile input that made a build run unbounded cannot stall the suite.
/// Speed is measured by the benchmark (`bench/run.py`), never asserted here.
const BOUND: Duration = Duration::from_secs(600);

/// A copy of the basic fixture in a temporary folder, to add hostile
/// content to.
fn basic_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    (dir, root)
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A valid, approved case of the basic fixture with `extra` front matter
/// lines and `body` appended (the enterprise is named after the id, so
/// that cases with one title are not duplicates) to the four required sections.
fn case(id: &str, title: &str, extra: &str, body: &str) -> String {
    format!(
        "---\nid: \"{id}\"\ntitle: \"{title}\"\nenterprise:\n  name: 上海测试有限公司{id}\nyear: 2023\n\
         priority_area: 促进产业高质量发展\nindustry: 集成电路\ndistrict: 浦东新区\n\
         methods: [六西格玛]\nstatus: approved\n{extra}---\n## 摘要\n\n测试公司的摘要。\n\n\
         ## 企业概况\n\n测试公司位于浦东新区。\n\n## 管理方法（技术）的推进和应用情况\n\n\
         公司推行六西格玛。\n\n{body}\n\n## 管理方法（技术）的实施效果\n\n缺陷下降。\n"
    )
}

/// Run casebook with `args`, bounded in time; returns (exit code, stderr).
fn run_bounded(args: &[&std::ffi::OsStr]) -> (i32, String, Duration) {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let text = reader.join().unwrap();
            let code = status.code().expect("exited, not killed by a signal");
            return (code, text, started.elapsed());
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("casebook {args:?} ran longer than {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Build `root` into `out` within [`BOUND`]: never a panic, exit 0 or 1.
fn build_bounded(root: &Path, out: &Path) -> (i32, String) {
    let (code, stderr, _) = run_bounded(&[
        "build".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!stderr.contains("panicked"), "panic:\n{stderr}");
    assert!(code == 0 || code == 1, "exit {code}:\n{stderr}");
    (code, stderr)
}

// ---------------------------------------------------------------------------
// Hostile inputs: bounded time, a diagnostic, never a panic
// ---------------------------------------------------------------------------

#[test]
fn oversized_files_are_refused_by_name_and_limit() {
    let (_dir, root) = basic_copy();
    // 50 MB of Markdown: refused before it is read.
    let big = root.join("content/cases/2023/2023-900.md");
    let mut text = case("2023-900", "上海测试有限公司的经验", "", "");
    let line = "这是一段很长的正文，用来把文件撑到五十兆字节。\n";
    text.push_str(&line.repeat(50 * 1024 * 1024 / line.len()));
    write(&big, &text);
    let (code, stderr) = build_bounded(&root, &root.join("out"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("file-too-large"), "{stderr}");
    assert!(
        stderr.contains("content/cases/2023/2023-900.md"),
        "{stderr}"
    );
    assert!(stderr.contains("4 MB"), "the limit is named:\n{stderr}");
    assert!(!root.join("out").exists(), "a failed build writes nothing");
}

#[test]
fn files_just_under_the_size_limit_end_in_bounded_time() {
    let (_dir, root) = basic_copy();
    // ~3.5 MB of text, one paragraph per line: a case (its sections' 字数
    // limits stop it after parsing) and a free-form page (no limits: it is
    // rendered and written).
    let line = "公司推行六西格玛管理，缺陷率逐年下降，客户满意度稳步提升。\n\n";
    let body = line.repeat(3_500_000 / line.len());
    write(
        &root.join("content/cases/2023/2023-901.md"),
        case("2023-901", "上海测试有限公司推行六西格玛的经验", "", &body),
    );
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 1);
    assert!(stderr.contains("section-too-long"), "{stderr}");
    std::fs::remove_file(root.join("content/cases/2023/2023-901.md")).unwrap();
    write(
        &root.join("content/pages/long.md"),
        format!("---\ntitle: 长页面\nslug: long\n---\n{body}"),
    );
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        std::fs::metadata(out.join("long/index.html"))
            .unwrap()
            .len()
            > 3_000_000
    );
}

#[test]
fn binary_files_named_md_are_named_not_parsed() {
    let (_dir, root) = basic_copy();
    // A PNG renamed to .md, and random bytes with NULs.
    let png = std::fs::read(root.join("content/cases/2022/2022-001/cover.png")).unwrap();
    write(&root.join("content/cases/2023/picture.md"), &png);
    let noise: Vec<u8> = (0u32..100_000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(&root.join("content/pages/noise.md"), &noise);
    let (code, stderr) = build_bounded(&root, &root.join("out"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("encoding-invalid"), "{stderr}");
    assert!(stderr.contains("content/cases/2023/picture.md"), "{stderr}");
    assert!(stderr.contains("content/pages/noise.md"), "{stderr}");
    assert!(stderr.contains("二进制"), "{stderr}");
}

#[test]
fn deeply_nested_markdown_and_html_end_in_bounded_time() {
    let (_dir, root) = basic_copy();
    let depth = 20_000;
    let quotes = format!("{} 深处的引用\n", ">".repeat(depth));
    let lists: String = (0..1_000)
        .map(|i| format!("{}- 第{i}层\n", "  ".repeat(i)))
        .collect();
    // Brackets and emphasis count as text (8,000 字 a section at most).
    let brackets = format!("{}x{}", "[".repeat(3_000), "]".repeat(3_000));
    let emphasis = format!("{}强调{}", "*_".repeat(1_500), "_*".repeat(1_500));
    let bodies = [quotes, lists, brackets, emphasis];
    for (n, body) in bodies.iter().enumerate() {
        let id = format!("2023-9{n:02}");
        write(
            &root.join(format!("content/cases/2023/{id}.md")),
            case(&id, "上海测试有限公司推行六西格玛的经验", "", body),
        );
    }
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    for n in 0..bodies.len() {
        let page = out.join(format!("cases/2023-9{n:02}/index.html"));
        assert!(page.is_file(), "{}", page.display());
    }
    // Deep raw HTML is refused before the sanitiser parses it (its tree
    // building is quadratic in depth: 20,000 <div>s took 30 s).
    let divs = format!("{}深{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let spans = format!("正文{}", "<span><b><i>".repeat(depth));
    for (id, body) in [("2023-910", divs), ("2023-911", spans)] {
        write(
            &root.join(format!("content/cases/2023/{id}.md")),
            case(id, "上海测试有限公司推行六西格玛的经验", "", &body),
        );
    }
    // The rule is only reported by the depth scan that runs before the
    // sanitiser: two reports prove neither body reached it.
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.matches("html-too-deep").count(), 2, "{stderr}");
}

#[test]
fn a_yaml_alias_bomb_is_a_diagnostic() {
    let (_dir, root) = basic_copy();
    // Nine levels of nine aliases: 9^9 strings if expanded.
    let mut bomb = String::from("a0: &a0 [\"lol\"]\n");
    for level in 1..10 {
        let refs = vec![format!("*a{}", level - 1); 9].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
    }
    let text = case(
        "2023-950",
        "上海测试有限公司推行六西格玛的经验",
        &format!("private:\n  {}\n", bomb.trim_end().replace('\n', "\n  ")),
        "",
    );
    write(&root.join("content/cases/2023/2023-950.md"), text);
    let (code, stderr) = build_bounded(&root, &root.join("out"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("yaml-syntax"), "{stderr}");
    assert!(stderr.contains("2023-950.md"), "{stderr}");
}

#[test]
fn symlink_loops_do_not_hang_discovery() {
    let (_dir, root) = basic_copy();
    let cases = root.join("content/cases");
    std::os::unix::fs::symlink(&cases, cases.join("2023/loop")).unwrap();
    std::os::unix::fs::symlink("self.md", cases.join("2023/self.md")).unwrap();
    std::os::unix::fs::symlink("b", cases.join("2023/a")).unwrap();
    std::os::unix::fs::symlink("a", cases.join("2023/b")).unwrap();
    // An image that is a symlink loop, referenced from a case.
    std::os::unix::fs::symlink("ring.png", cases.join("2023/ring.png")).unwrap();
    write(
        &cases.join("2023/2023-960.md"),
        case(
            "2023-960",
            "上海测试有限公司推行六西格玛的经验",
            "",
            "![图 环](ring.png)",
        ),
    );
    let (code, stderr) = build_bounded(&root, &root.join("out"));
    assert_eq!(code, 1, "{stderr}");
    // A symlink is refused as one before it would be followed.
    assert!(stderr.contains("path-symlink"), "{stderr}");
    assert!(stderr.contains("ring.png"), "{stderr}");
    // Linked folders and Markdown files are named, not followed.
    for link in ["2023/loop", "2023/self.md"] {
        assert!(
            stderr.contains(&format!("content/cases/{link}")),
            "{link}:\n{stderr}"
        );
    }
    assert!(stderr.contains("符号链接"), "{stderr}");
    assert!(stderr.contains("2023-960.md"), "{stderr}");
}

#[test]
fn thousands_of_tiny_files_build_in_bounded_time() {
    let (_dir, root) = basic_copy();
    for n in 0..3_000 {
        let id = format!("2024-{:04}", 1000 + n);
        write(
            &root.join(format!("content/cases/2024/many/{id}.md")),
            case(&id, "上海测试有限公司推行六西格玛的经验", "", "")
                .replace("status: approved", "status: draft")
                .replace("year: 2023", "year: 2024"),
        );
    }
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(!out.join("cases/2024-1000").exists(), "drafts stay out");
    // And a thousand empty files: one diagnostic each, no more.
    for n in 0..1_000 {
        write(&root.join(format!("content/cases/2024/empty/e{n}.md")), "");
    }
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 1);
    assert_eq!(stderr.matches("front-matter-missing").count(), 1_000);
}

// ---------------------------------------------------------------------------
// Injection: raw HTML is sanitised, front matter escaped everywhere
// ---------------------------------------------------------------------------

/// Everything a hostile editor might paste into a case body.
const HOSTILE_HTML: &str = r##"<script>alert("body-script")</script>
<img src="data:image/png;base64,iVBORw0KGgo=" onerror="alert(1)"><svg onload="alert(1)"><circle r="1"/></svg>
<a href="javascript:alert(1)">js</a> <a href="JAVASCRIPT:alert(1)">JS</a>
<a href=" java&#x09;script:alert(1)">tab</a> <a href="data:text/html,<script>alert(1)</script>">data</a>
<iframe srcdoc="<script>alert(1)</script>"></iframe><object data="data:text/html,x"></object><embed type="text/html">
<form action="javascript:alert(1)"><input name="a"><button formaction="javascript:alert(1)">b</button></form>
<style>body{display:none}</style><link rel="stylesheet" href="#x"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<base href="#"><div style="background:url(javascript:alert(1))">styled</div>
<table><caption>安全表格</caption><tr><td>H<sub>2</sub>O</td><td>m<sup>2</sup><br>换行</td></tr></table>
<details><summary>摘要</summary>折叠</details> <abbr title="全称">简称</abbr> <kbd>Ctrl</kbd>"##;

/// The value planted in every front matter field an editor writes.
const PAYLOAD: &str =
    r#"</script><script>alert('fm')</script><img src=x onerror=alert(2)>"'&amp;]]>"#;

/// Checks a page holds no markup that can run script: every `<script>`
/// either loads a theme file or is JSON-LD that parses; no `on…`
/// attributes, no frames or plugins, no `javascript:` URLs, no `<base>`.
fn assert_inert(rel: &str, html: &str) {
    let doc = scraper::Html::parse_document(html);
    for el in doc.select(&sel("*")) {
        let e = el.value();
        assert!(
            !["iframe", "object", "embed", "frame", "base"].contains(&e.name()),
            "{rel}: <{}>",
            e.name()
        );
        for (name, value) in e.attrs() {
            assert!(!name.starts_with("on"), "{rel}: <{} {name}=…>", e.name());
            let v: String = value
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            assert!(
                !v.starts_with("javascript:") && !v.contains("url(javascript"),
                "{rel}: <{} {name}=\"{value}\">",
                e.name()
            );
        }
        if e.name() == "meta" {
            let content = e.attr("content").unwrap_or("").to_ascii_lowercase();
            assert!(!content.contains("javascript:"), "{rel}: {content}");
        }
        if e.name() == "script" {
            let inline: String = el.text().collect();
            if e.attr("type") == Some("application/ld+json") {
                let value: serde_json::Value = serde_json::from_str(&inline)
                    .unwrap_or_else(|err| panic!("{rel}: JSON-LD does not parse ({err})"));
                assert!(value.is_object() || value.is_array());
            } else if let Some(src) = e.attr("src") {
                assert!(src.contains("/js/"), "{rel}: script from {src}");
            } else {
                assert!(
                    !inline.contains("alert("),
                    "{rel}: an inline script holds content: {inline}"
                );
            }
        }
    }
}

#[test]
fn raw_html_keeps_the_documented_safe_set_and_nothing_active() {
    let (_dir, root) = basic_copy();
    write(
        &root.join("content/cases/2023/2023-970.md"),
        case(
            "2023-970",
            "上海测试有限公司推行六西格玛的经验",
            "",
            HOSTILE_HTML,
        ),
    );
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    let page = std::fs::read_to_string(out.join("cases/2023-970/index.html")).unwrap();
    assert_inert("cases/2023-970/index.html", &page);
    assert!(
        !page.contains("body-script"),
        "the script's text is gone too"
    );
    assert!(!page.contains("display:none"), "<style> content is gone");
    // The safe set stays.
    let doc = scraper::Html::parse_document(&page);
    for css in [
        "table caption",
        "td sub",
        "td sup",
        "td br",
        "details summary",
        "abbr[title]",
        "kbd",
    ] {
        assert!(doc.select(&sel(css)).next().is_some(), "{css} was removed");
    }
    // The same sanitised body reaches the book, feeds and search.
    for (rel, bytes) in snapshot(&out) {
        let text = String::from_utf8_lossy(&bytes);
        if rel.ends_with(".html") {
            assert_inert(&rel, &text);
        }
        assert!(!text.contains("onerror=\"alert"), "{rel}");
        assert!(!text.contains("<iframe"), "{rel}");
    }
    assert_links_resolve(&out, "/");
}

#[test]
fn markdown_script_links_are_refused() {
    let (_dir, root) = basic_copy();
    write(
        &root.join("content/cases/2023/2023-971.md"),
        case(
            "2023-971",
            "上海测试有限公司推行六西格玛的经验",
            "",
            "见[说明](javascript:alert(1))和<vbscript:msgbox(1)>。",
        ),
    );
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    let found: Vec<&Diag> = diags.iter().filter(|d| d.rule == "link-scheme").collect();
    assert_eq!(found.len(), 2, "{diags:?}");
    for d in found {
        assert!(d.file.ends_with("2023-971.md"));
        assert!(d.line > 1 && d.column > 1, "{d:?}");
        assert!(has_cjk(&d.message) && d.help.is_some());
    }
}

#[test]
fn front_matter_values_are_escaped_in_every_output() {
    let (_dir, root) = basic_copy();
    let yaml = serde_json::to_string(PAYLOAD).unwrap(); // a valid YAML string
                                                        // Titles are short (40 字): a payload of its own.
    let title = serde_json::to_string("测试</title><script>x()</script>\"'&经验").unwrap();
    let text = format!(
        "---\nid: \"2023-980\"\ntitle: {title}\nenterprise:\n  name: {yaml}\n  short_name: {yaml}\n  \
         legal_representative: {yaml}\n  nature: {yaml}\n  founded: {yaml}\n  website: \"javascript:alert(3)\"\n\
         year: 2023\ncohort: {yaml}\npriority_area: 促进产业高质量发展\nindustry: 集成电路\ndistrict: 浦东新区\n\
         methods: [{yaml}]\ntechnologies: [{yaml}]\nhonors: [{yaml}]\nrecommender: {yaml}\n\
         status: approved\nmetrics:\n  - name: {yaml}\n    unit: {yaml}\n    higher_is_better: true\n    \
         years: [2020, 2021, 2022]\n    values: [1, 2, 3]\n    competitor: [1, 1, 2]\n    benchmark: [2, 2, 3]\n\
         ---\n## 摘要\n\n摘要。\n\n## 企业概况\n\n概况。\n\n## 管理方法（技术）的推进和应用情况\n\n做法。\n\n\
         ## 管理方法（技术）的实施效果\n\n效果。\n"
    );
    write(&root.join("content/cases/2023/2023-980.md"), text);
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    let files = snapshot(&out);
    let mut seen_in = Vec::new();
    for (rel, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let ext = rel.rsplit('.').next().unwrap_or("");
        match ext {
            "html" => {
                assert_inert(rel, &text);
                assert!(!text.contains(PAYLOAD), "{rel}: the payload is raw");
                assert!(!text.contains("<script>alert"), "{rel}");
                let doc = scraper::Html::parse_document(&text);
                let shown: String = doc.root_element().text().collect();
                let attrs = doc
                    .select(&sel("meta[content], [title], [alt], [aria-label]"))
                    .flat_map(|e| {
                        e.value()
                            .attrs()
                            .map(|(_, v)| v.to_string())
                            .collect::<Vec<_>>()
                    })
                    .collect::<String>();
                if shown.contains(PAYLOAD) || attrs.contains(PAYLOAD) {
                    seen_in.push(rel.clone());
                }
            }
            "xml" => {
                xml_well_formed(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
                if xml_unescape(&text).contains(PAYLOAD) {
                    seen_in.push(rel.clone());
                }
            }
            "json" => {
                let value: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"));
                if value
                    .to_string()
                    .contains(&serde_json::to_string(PAYLOAD).unwrap()[1..20])
                {
                    seen_in.push(rel.clone());
                }
            }
            "csv" => {
                let mut reader = csv::Reader::from_reader(bytes.as_slice());
                let any = reader
                    .records()
                    .map(|r| r.unwrap_or_else(|e| panic!("{rel}: {e}")))
                    .any(|r| r.iter().any(|cell| cell.contains(PAYLOAD)));
                if any {
                    seen_in.push(rel.clone());
                }
            }
            "svg" => {
                roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
                assert!(!text.contains("<script"), "{rel}");
            }
            "js" | "css" | "txt" => {
                assert!(!text.contains("alert('fm')"), "{rel} holds content");
            }
            _ => {}
        }
    }
    // The values did reach the outputs (as text), so the checks above saw them.
    for expected in [
        "cases/2023-980/index.html",
        "atom.xml",
        "data/cases.json",
        "data/cases.csv",
    ] {
        assert!(
            seen_in.iter().any(|s| s == expected),
            "{expected} does not show the value as text; seen in {seen_in:?}"
        );
    }
    assert!(seen_in.iter().any(|s| s.starts_with("compilation/")));
    assert_links_resolve(&out, "/");
}

// ---------------------------------------------------------------------------
// Paths from content stay inside the site and the output folder
// ---------------------------------------------------------------------------

#[test]
fn paths_from_content_cannot_leave_the_site() {
    let outside = temp_dir();
    let secret = outside.path().join("secret.png");
    std::fs::copy(
        fixture("basic").join("content/cases/2022/2022-001/cover.png"),
        &secret,
    )
    .unwrap();
    let (_dir, root) = basic_copy();
    let dir = root.join("content/cases/2023");
    std::os::unix::fs::symlink(&secret, dir.join("linked.png")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.join("linked-dir")).unwrap();
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "2023-801",
            "cover: ../../../../etc/passwd\n",
            "",
            "path-outside",
        ),
        ("2023-802", "cover: /etc/passwd\n", "", "path-outside"),
        ("2023-803", "cover: linked.png\n", "", "path-outside"),
        (
            "2023-804",
            "",
            "![图 x](linked-dir/secret.png)",
            "path-outside",
        ),
        (
            "2023-805",
            "",
            "![图 x](../../../../etc/hosts)",
            "path-outside",
        ),
        (
            "2023-806",
            "",
            "[附件](%2e%2e/%2e%2e/casebook.toml)",
            "path-outside",
        ),
        (
            "2023-807",
            "",
            "[附件](..\\..\\casebook.toml)",
            "path-outside",
        ),
        (
            "2023-808",
            "aliases: [\"/../../../etc/x/\"]\n",
            "",
            "alias-invalid",
        ),
        (
            "2023-809",
            "aliases: [\"//evil.example/x\"]\n",
            "",
            "alias-invalid",
        ),
        (
            "2023-810",
            "aliases: [\"/旧/\u{202e}lmth.x\"]\n",
            "",
            "alias-invalid",
        ),
        (
            "2023-811",
            "cover: \"．．／．．／casebook.toml\"\n",
            "",
            "image-missing",
        ),
        ("2023-812", "cover: \"cover\u{0}.png\"\n", "", "yaml-syntax"),
        (
            "2023-813",
            "cover: \"cover\u{200b}\u{202e}gnp.png\"\n",
            "",
            "image-missing",
        ),
        // Escaped ASCII: servers decode it to another page's path.
        (
            "2023-814",
            "aliases: [\"/c%61ses/2022-001/\"]\n",
            "",
            "alias-invalid",
        ),
        (
            "2023-815",
            "aliases: [\"/about%2F\"]\n",
            "",
            "alias-invalid",
        ),
        (
            "2023-816",
            "aliases: [\"/old%zz.html\"]\n",
            "",
            "alias-invalid",
        ),
        // The build's own dot files.
        (
            "2023-817",
            "aliases: [\"/.nginx/casebook.conf\"]\n",
            "",
            "alias-invalid",
        ),
    ];
    for (id, extra, body, _) in cases {
        write(
            &dir.join(format!("{id}.md")),
            case(id, "上海测试有限公司推行六西格玛的经验", extra, body),
        );
    }
    // Ids and page slugs become folder names.
    write(
        &dir.join("dots.md"),
        case("../../x", "上海测试有限公司推行六西格玛的经验", "", ""),
    );
    write(
        &root.join("content/pages/evil.md"),
        "---\ntitle: 越界\nslug: ../../../tmp/evil\n---\n正文\n",
    );
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    for (id, _, _, rule) in cases {
        let file = format!("content/cases/2023/{id}.md");
        let found = diags.iter().find(|d| d.file == file && d.is_error());
        let d = found.unwrap_or_else(|| panic!("no error for {file}: {diags:?}"));
        assert_eq!(d.rule, *rule, "{file}: {d:?}");
        assert!(
            d.line >= 1 && has_cjk(&d.message) && d.help.is_some(),
            "{d:?}"
        );
    }
    let by_file = |f: &str| diags.iter().find(|d| d.file == f && d.is_error()).cloned();
    assert_eq!(
        by_file("content/cases/2023/dots.md").map(|d| d.rule),
        Some("id-format".into())
    );
    assert_eq!(
        by_file("content/pages/evil.md").map(|d| d.rule),
        Some("page-slug".into())
    );
    // The build refuses too, and writes nothing anywhere.
    let out = root.join("out");
    let (code, _) = build_bounded(&root, &out);
    assert_eq!(code, 1);
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

// ---------------------------------------------------------------------------
// Only files meant to be published are: types, bytes, links, other cases
// ---------------------------------------------------------------------------

/// A PNG header claiming `width`×`height` pixels: all an image check reads.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(width.to_be_bytes());
    bytes.extend(height.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// A real (decodable) PNG of `width`×`height` pixels: pictures in a body
/// are decoded to make their smaller copies.
fn real_png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::new(width, height)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// A hostile case: its id, files written beside it, front matter lines,
/// a body line, and the rule it must get at the line naming `target`.
struct Hostile {
    id: &'static str,
    files: Vec<(&'static str, Vec<u8>)>,
    extra: String,
    body: String,
    target: &'static str,
    rule: &'static str,
}

fn hostile(id: &'static str, target: &'static str, rule: &'static str) -> Hostile {
    Hostile {
        id,
        files: Vec::new(),
        extra: String::new(),
        body: String::new(),
        target,
        rule,
    }
}

impl Hostile {
    fn file(mut self, name: &'static str, bytes: impl Into<Vec<u8>>) -> Self {
        self.files.push((name, bytes.into()));
        self
    }
    fn cover(mut self) -> Self {
        self.extra = format!("cover: {}\n", self.target);
        self
    }
    fn figure(mut self) -> Self {
        self.body = format!("![示意图](./{})", self.target);
        self
    }
    fn attachment(mut self) -> Self {
        self.body = format!("详见[附件](./{})。", self.target);
        self
    }
}

/// Write each hostile case as a bundle `content/cases/2023/ID/index.md`,
/// then assert `check` gives each its rule at the line naming its target,
/// and that a build fails and writes nothing.
fn assert_each_refused(root: &Path, cases: &[Hostile]) {
    for case_ in cases {
        let dir = root.join(format!("content/cases/2023/{}", case_.id));
        for (name, bytes) in &case_.files {
            write(&dir.join(name), bytes);
        }
        write(
            &dir.join("index.md"),
            case(
                case_.id,
                "上海测试有限公司推行六西格玛的经验",
                &case_.extra,
                &case_.body,
            ),
        );
    }
    let (code, diags) = check_json(root);
    assert_eq!(code, 1, "{diags:?}");
    for case_ in cases {
        let file = format!("content/cases/2023/{}/index.md", case_.id);
        let text = std::fs::read_to_string(root.join(&file)).unwrap();
        let line = 1 + text.lines().position(|l| l.contains(case_.target)).unwrap();
        let found = diags
            .iter()
            .find(|d| d.file == file && d.rule == case_.rule && d.is_error());
        let d = found.unwrap_or_else(|| panic!("no {} for {file}: {diags:?}", case_.rule));
        assert_eq!(
            (d.line, d.rule.as_str()),
            (line, case_.rule),
            "{}: {d:?}",
            case_.target
        );
        assert!(
            d.column >= 1 && has_cjk(&d.message) && d.help.is_some(),
            "{d:?}"
        );
    }
    let out = root.join("out");
    let (code, stderr) = build_bounded(root, &out);
    assert_eq!(code, 1, "{stderr}");
    assert!(!out.exists(), "a refused build wrote its output");
}

#[test]
fn only_files_of_safe_types_are_published() {
    let (_dir, root) = basic_copy();
    let script = b"<script>alert(document.cookie)</script>".to_vec();
    let mut cases = Vec::new();
    // Types that run script on the site's origin, or are unknown.
    for (id, name) in [
        ("2023-701", "evil.html"),
        ("2023-702", "page.HTM"),
        ("2023-703", "doc.xhtml"),
        ("2023-704", "chart.svg"),
        ("2023-705", "feed.xml"),
        ("2023-706", "app.js"),
        ("2023-707", "mod.mjs"),
        ("2023-708", "site.css"),
        ("2023-709", "data.json"),
        ("2023-710", "notes.md"),
        ("2023-711", "tool.exe"),
        ("2023-712", "README"),
    ] {
        cases.push(
            hostile(id, name, "attachment-type")
                .file(name, script.clone())
                .attachment(),
        );
    }
    // SVG as a figure or a cover; a PDF as a figure.
    cases.push(
        hostile("2023-713", "figure.svg", "attachment-type")
            .file("figure.svg", "<svg onload=alert(1)/>")
            .figure(),
    );
    cases.push(
        hostile("2023-714", "share.svg", "attachment-type")
            .file("share.svg", "<svg/>")
            .cover(),
    );
    cases.push(
        hostile("2023-715", "scan.pdf", "attachment-type")
            .file("scan.pdf", "%PDF-1.4")
            .figure(),
    );
    // Bytes that are not what the name says.
    cases.push(
        hostile("2023-716", "trend.png", "attachment-type")
            .file("trend.png", script.clone())
            .figure(),
    );
    cases.push(
        hostile("2023-717", "report.pdf", "attachment-type")
            .file("report.pdf", "<html><body>%PDF-1.4")
            .attachment(),
    );
    cases.push(
        hostile("2023-718", "photo.jpg", "attachment-type")
            .file("photo.jpg", "\u{feff}\n<svg onload=alert(1)>")
            .cover(),
    );
    cases.push(
        hostile("2023-719", "table.xlsx", "attachment-type")
            .file("table.xlsx", "%PDF-1.4")
            .attachment(),
    );
    cases.push(
        hostile("2023-720", "data.csv", "attachment-type")
            .file("data.csv", "  <!DOCTYPE html><script>x</script>")
            .attachment(),
    );
    // Empty and implausible images.
    cases.push(
        hostile("2023-721", "empty.png", "image-invalid")
            .file("empty.png", "")
            .figure(),
    );
    cases.push(
        hostile("2023-722", "empty.jpg", "image-invalid")
            .file("empty.jpg", "")
            .cover(),
    );
    cases.push(
        hostile("2023-723", "huge.png", "image-invalid")
            .file("huge.png", png_header(2_147_483_647, 630))
            .cover(),
    );
    cases.push(
        hostile("2023-724", "flat.png", "image-invalid")
            .file("flat.png", png_header(800, 0))
            .figure(),
    );
    let mut gif = b"GIF89a".to_vec();
    gif.extend(30_000u16.to_le_bytes());
    gif.extend(10u16.to_le_bytes());
    gif.extend([0, 0, 0]);
    cases.push(
        hostile("2023-725", "wide.gif", "image-invalid")
            .file("wide.gif", gif)
            .figure(),
    );
    cases.push(
        hostile("2023-726", "cut.png", "image-invalid")
            .file("cut.png", &b"\x89PNG\r\n\x1a\n"[..])
            .figure(),
    );
    assert_each_refused(&root, &cases);
}

#[test]
fn files_of_safe_types_are_published_as_they_are() {
    let (_dir, root) = basic_copy();
    let dir = root.join("content/cases/2023/2023-730");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("report.pdf", b"%PDF-1.7\n%probe".to_vec()),
        ("slides.pptx", b"PK\x03\x04probe".to_vec()),
        ("old.wps", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1probe".to_vec()),
        ("data.csv", "年份,良率\n2022,97.2\n".as_bytes().to_vec()),
        ("wide.png", real_png(1200, 630)),
    ];
    let mut body = String::new();
    for (name, bytes) in &files {
        write(&dir.join(name), bytes);
        body.push_str(&format!("[{name}]({name})。"));
    }
    write(
        &dir.join("index.md"),
        case(
            "2023-730",
            "上海测试有限公司推行六西格玛的经验",
            "cover: wide.png\n",
            &body,
        ),
    );
    let built = build_ok(&root, &[]);
    for (name, bytes) in &files {
        let published = std::fs::read(built.path(&format!("cases/2023-730/{name}"))).unwrap();
        assert_eq!(&published, bytes, "{name}");
    }
    let page = built.read("cases/2023-730/index.html");
    assert!(
        page.contains("content=\"1200\""),
        "og:image:width of the cover"
    );
}

#[test]
fn nothing_is_published_through_a_symlink_or_from_another_case() {
    use std::os::unix::fs::symlink;
    let (_dir, root) = basic_copy();
    let cases_dir = root.join("content/cases");
    // 2024-001 is a draft bundle of the basic fixture.
    let draft = cases_dir.join("2024/2024-001");
    let cases = vec![
        // `notes.txt` → the draft's Markdown: a symlink whatever its name.
        hostile("2023-740", "notes.txt", "path-symlink").attachment(),
        hostile("2023-741", "report.pdf", "path-symlink").attachment(),
        hostile("2023-742", "photo.png", "path-symlink").figure(),
        hostile("2023-743", "cover.png", "path-symlink").cover(),
        hostile("2023-744", "linked/zqxdraft-photo.png", "path-symlink").figure(),
        // Parked files are not published either.
        hostile("2023-745", "_private/plan.pdf", "path-outside")
            .file("_private/plan.pdf", "%PDF-1.4")
            .attachment(),
        hostile("2023-746", ".hidden.pdf", "path-outside")
            .file(".hidden.pdf", "%PDF-1.4")
            .attachment(),
        // A bundle inside this bundle is another case.
        hostile("2023-747", "inner/plan.pdf", "path-outside")
            .file("inner/plan.pdf", "%PDF-1.4")
            .attachment(),
    ];
    let bundle = |id: &str| cases_dir.join(format!("2023/{id}"));
    for id in [
        "2023-740", "2023-741", "2023-742", "2023-743", "2023-744", "2023-747",
    ] {
        std::fs::create_dir_all(bundle(id)).unwrap();
    }
    symlink(draft.join("index.md"), bundle("2023-740").join("notes.txt")).unwrap();
    symlink(
        "../../2024/2024-001/index.md",
        bundle("2023-741").join("report.pdf"),
    )
    .unwrap();
    symlink(
        "../../2024/2024-001/zqxdraft-photo.png",
        bundle("2023-742").join("photo.png"),
    )
    .unwrap();
    symlink(
        cases_dir.join("2022/2022-001/cover.png"),
        bundle("2023-743").join("cover.png"),
    )
    .unwrap();
    symlink(&draft, bundle("2023-744").join("linked")).unwrap();
    write(
        &bundle("2023-747").join("inner/index.md"),
        case("2023-748", "上海测试有限公司推行精益的经验", "", "").replace("approved", "draft"),
    );
    // A single-file case reaching into the draft's bundle beside it.
    let single = cases_dir.join("2024/2024-749.md");
    write(
        &single,
        case(
            "2024-749",
            "上海测试有限公司推行六西格玛的经验",
            "",
            "![草稿的图](2024-001/zqxdraft-photo.png)",
        )
        .replace("year: 2023", "year: 2024"),
    );
    assert_each_refused(&root, &cases);
    let (_, diags) = check_json(&root);
    let d = diags
        .iter()
        .find(|d| d.file == "content/cases/2024/2024-749.md" && d.is_error())
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(d.rule, "path-outside", "{d:?}");
    assert!(d.message.contains("2024-001"), "{d:?}");
    // Without the hostile cases the site builds, and nothing of the
    // draft is in any output byte, under any name.
    for id in [
        "2023-740", "2023-741", "2023-742", "2023-743", "2023-744", "2023-745", "2023-746",
        "2023-747",
    ] {
        std::fs::remove_dir_all(bundle(id)).unwrap();
    }
    std::fs::remove_file(&single).unwrap();
    let built = build_ok(&root, &[]);
    for (rel, bytes) in built.files() {
        let lower = rel.to_lowercase();
        assert!(!lower.contains("zqxdraft"), "{rel}");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("ZQXDRAFT"),
            "{rel}"
        );
    }
}

#[test]
fn a_bundle_index_beside_other_case_files_is_an_error() {
    let title = "上海测试有限公司推行六西格玛的经验";
    // (where the stray index.md goes, what else is written, what it hides)
    let layouts: &[(&str, &[&str], &str)] = &[
        // The issue's shape: a year folder with single-file cases.
        ("content/cases/2023/index.md", &[], "2023-001.md"),
        // The root of the cases: every case below.
        ("content/cases/index.md", &[], "2022/2022-001/index.md"),
        // A bundle with a stray Markdown note (other name, other case).
        (
            "content/cases/2022/2022-001/index.md",
            &["content/cases/2022/2022-001/notes.md"],
            "notes.md",
        ),
        // A bundle inside a bundle.
        (
            "content/cases/2022/2022-001/index.md",
            &["content/cases/2022/2022-001/appendix/index.md"],
            "appendix/index.md",
        ),
    ];
    for (index, extra, hidden) in layouts {
        let (_dir, root) = basic_copy();
        if !root.join(index).exists() {
            write(&root.join(index), case("2023-760", title, "", ""));
        }
        for file in *extra {
            write(&root.join(file), case("2022-761", title, "", ""));
        }
        // Parked files and other types are no ambiguity.
        write(&root.join("content/cases/2023/_notes.md"), "草稿");
        let (code, diags) = check_json(&root);
        assert_eq!(code, 1, "{index}: {diags:?}");
        let found: Vec<&Diag> = diags
            .iter()
            .filter(|d| d.rule == "bundle-ambiguous")
            .collect();
        assert_eq!(found.len(), 1, "{index}: {diags:?}");
        let d = found[0];
        assert_eq!((d.file.as_str(), d.line), (*index, 0), "{d:?}");
        assert!(d.is_error() && d.message.contains(hidden), "{d:?}");
        assert!(d.help.as_deref().is_some_and(has_cjk), "{d:?}");
        let out = root.join("out");
        let (code, _) = build_bounded(&root, &out);
        assert_eq!(code, 1, "{index}");
        assert!(!out.exists(), "{index}");
    }
}

#[test]
fn invisible_required_text_is_missing() {
    let (_dir, root) = basic_copy();
    let invisible = [
        "\u{200b}\u{200b}\u{200b}",
        "\u{202e}\u{2066}\u{2069}",
        "\u{3000}\u{200d}\u{3000}",
        "\u{feff}",
        "\u{2060} \u{200c}\u{00ad}",
        "\u{3164}\u{e0020}",
    ];
    let dir = root.join("content/cases/2023");
    let mut expected = Vec::new();
    for (n, text) in invisible.iter().enumerate() {
        // Titles (line 3) and, with a visible title, enterprise names (line 5).
        let id = format!("2023-77{n}");
        write(&dir.join(format!("{id}.md")), case(&id, text, "", ""));
        expected.push((format!("content/cases/2023/{id}.md"), 3));
        let id = format!("2023-78{n}");
        let named = case(&id, "上海测试有限公司推行六西格玛的经验", "", "")
            .replace(&format!("上海测试有限公司{id}\n"), &format!("\"{text}\"\n"));
        write(&dir.join(format!("{id}.md")), named);
        expected.push((format!("content/cases/2023/{id}.md"), 5));
    }
    write(
        &root.join("content/pages/blank.md"),
        "---\ntitle: \"\u{200b}\u{2063}\"\nslug: blank\n---\n正文\n",
    );
    expected.push(("content/pages/blank.md".to_string(), 2));
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    for (file, line) in &expected {
        let d = diags
            .iter()
            .find(|d| &d.file == file && d.rule == "field-missing")
            .unwrap_or_else(|| panic!("no field-missing for {file}: {diags:?}"));
        assert_eq!(d.line, *line, "{d:?}");
        assert!(d.is_error() && d.message.contains("看不见"), "{d:?}");
    }
    let out = root.join("out");
    assert_eq!(build_bounded(&root, &out).0, 1);
    assert!(!out.exists());
}

#[test]
fn site_links_that_normalise_elsewhere_are_refused() {
    let (_dir, root) = basic_copy();
    let dir = root.join("content/cases/2023");
    let links = [
        "/cases/2023-002/../../x/",
        "/cases/2023-001/%2e%2e/%2e%2e/casebook.toml",
        "/cases/2023-003/.%2E/2024-001/",
        "/about/./../cases/2024-001/",
        "/cases/2022-001/..%5C..%5Cdata/cases.json",
    ];
    for (n, link) in links.iter().enumerate() {
        let id = format!("2023-79{n}");
        let body = format!("参见[相关案例]({link})。");
        write(
            &dir.join(format!("{id}.md")),
            case(&id, "上海测试有限公司推行六西格玛的经验", "", &body),
        );
    }
    write(
        &root.join("content/pages/dots.md"),
        "---\ntitle: 说明\nslug: dots\n---\n参见[案例](/cases/2022-001/../2024-001/)\n",
    );
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    let mut expected: Vec<(String, usize)> = (0..links.len())
        .map(|n| {
            let file = format!("content/cases/2023/2023-79{n}.md");
            let text = std::fs::read_to_string(root.join(&file)).unwrap();
            let line = 1 + text.lines().position(|l| l.contains("参见")).unwrap();
            (file, line)
        })
        .collect();
    expected.push(("content/pages/dots.md".into(), 5));
    for (file, line) in expected {
        let d = diags
            .iter()
            .find(|d| d.file == file && d.rule == "link-dot-segment")
            .unwrap_or_else(|| panic!("no link-dot-segment for {file}: {diags:?}"));
        assert_eq!((d.line, d.column), (line, 3), "{d:?}");
        assert!(d.is_error() && has_cjk(&d.message), "{d:?}");
    }
    let out = root.join("out");
    assert_eq!(build_bounded(&root, &out).0, 1);
    assert!(!out.exists());
}

#[test]
fn aliases_over_any_output_file_are_collisions_at_their_line() {
    let (_dir, root) = basic_copy();
    let dir = root.join("content/cases/2023");
    // Files the site writes itself (a folder would be needed beside each),
    // one a page would be written over, and a file below a file.
    let aliases = [
        "/robots.txt",
        "/sitemap.xml",
        "/data/cases.json",
        "/data/cases.xlsx/",
        "/qr/2022-001.svg",
        "/atom.xml",
        "/urls.txt",
        "/favicon.ico",
        "/404.html",
        "/data/cases.csv/old.html",
        "/c/2022-001.html",
        // The precompressed copy `build` writes beside the home page.
        "/index.html.gz",
    ];
    for (n, alias) in aliases.iter().enumerate() {
        let id = format!("2023-8{n:02}");
        let extra = format!("aliases:\n  - /old/{id}/\n  - {alias}\n");
        write(
            &dir.join(format!("{id}.md")),
            case(&id, "上海测试有限公司推行六西格玛的经验", &extra, ""),
        );
    }
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    for (n, alias) in aliases.iter().enumerate() {
        let file = format!("content/cases/2023/2023-8{n:02}.md");
        let d = diags
            .iter()
            .find(|d| d.file == file && d.rule == "output-collision")
            .unwrap_or_else(|| panic!("no output-collision for {alias}: {diags:?}"));
        // Line 12 is `aliases:`, 13 the harmless one, 14 this one.
        assert_eq!((d.line, d.column), (14, 3), "{alias}: {d:?}");
        assert!(d.is_error() && d.message.contains(alias), "{d:?}");
    }
    assert!(
        !diags.iter().any(|d| d.message.contains("Is a directory")),
        "{diags:?}"
    );
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 1);
    assert!(stderr.contains("output-collision"), "{stderr}");
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------
// Nothing unpublished leaks, in any byte of any output
// ---------------------------------------------------------------------------

/// What never reaches an output: the example site's markers in its draft
/// and rejected cases, and a probe this test plants in every `private`
/// block (published cases included).
const MARKERS: &[&str] = &[
    "DRAFT-CASE-CONTACT",
    "REJECTED-CASE-CONTACT",
    "【不予推荐】",
    "PRIVATE-PROBE-7Q3",
    "ZQXPRIV",
];

/// The example site with the probe added to every `private:` block.
fn example_with_probes() -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let root = dir.path().join("site");
    common::example_site_at(&root);
    let mut planted = 0;
    for entry in walkdir::WalkDir::new(root.join("content")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            if text.contains("\nprivate:\n") {
                let text = text.replacen(
                    "\nprivate:\n",
                    "\nprivate:\n  leak_probe: PRIVATE-PROBE-7Q3 私密探针\n",
                    1,
                );
                std::fs::write(entry.path(), text).unwrap();
                planted += 1;
            }
        }
    }
    assert!(planted >= 8, "planted {planted} probes");
    (dir, root)
}

/// Every marker found in `bytes` (and, for zip archives such as the XLSX,
/// in every entry decompressed).
fn markers_in(rel: &str, bytes: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = MARKERS
        .iter()
        .filter(|m| bytes.windows(m.len()).any(|w| w == m.as_bytes()))
        .map(|m| format!("{rel}: {m}"))
        .collect();
    if bytes.starts_with(b"PK\x03\x04") {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .unwrap_or_else(|e| panic!("{rel}: not a readable zip ({e})"));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let name = format!("{rel}!{}", entry.name().unwrap_or_default());
            let mut inner = Vec::new();
            entry.read_to_end(&mut inner).unwrap();
            found.extend(markers_in(&name, &inner));
        }
    }
    // The precompressed copies (`.gz`) are searched as what they hold.
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut inner = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut inner)
            .unwrap_or_else(|e| panic!("{rel}: not readable gzip ({e})"));
        found.extend(markers_in(&format!("{rel}!gz"), &inner));
        return found;
    }
    // Any other compressed format would hide markers from the byte search.
    assert!(
        !bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]),
        "{rel} is zstd-compressed: teach this test to open it"
    );
    found
}

#[test]
fn nothing_unpublished_reaches_any_output_byte() {
    let (_dir, root) = example_with_probes();
    let out = root.join("out");
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    let files = snapshot(&out);
    assert!(files.keys().any(|f| f.starts_with("compilation/")));
    assert!(files.keys().any(|f| f.starts_with("search/")));
    assert!(files.contains_key("data/cases.xlsx"));
    let mut leaks: Vec<String> = Vec::new();
    for (rel, bytes) in &files {
        leaks.extend(markers_in(rel, bytes));
    }
    // The basic fixture has its own private markers (ZQXPRIV…).
    for (rel, bytes) in basic().files() {
        leaks.extend(markers_in(&format!("basic/{rel}"), &bytes));
    }
    // Unpublished cases are not there by id or title either.
    for entry in walkdir::WalkDir::new(root.join("content/cases")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let published = text.contains("status: approved") || text.contains("status: national");
        if published {
            continue;
        }
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().trim_matches('"').to_string())
                .unwrap()
        };
        let (id, title) = (field("id:"), field("title:"));
        for (rel, bytes) in &files {
            assert!(!rel.contains(&id), "{rel} is named after unpublished {id}");
            let text = String::from_utf8_lossy(bytes);
            if text.contains(&title) {
                leaks.push(format!("{rel}: title of unpublished {id}"));
            }
        }
    }
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
    assert_links_resolve(&out, "/");
}

#[test]
fn nothing_unpublished_reaches_a_printed_book() {
    let has_pdftotext = Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pdftotext {
        skip(
            "nothing_unpublished_reaches_a_printed_book",
            "pdftotext",
            "apt-get install poppler-utils fonts-noto-cjk fonts-liberation",
        );
        return;
    }
    let (_dir, root) = example_with_probes();
    let out = root.join("out");
    for year in ["2023", "2024"] {
        let (code, stderr, _) = run_bounded(&[
            "compile".as_ref(),
            "--year".as_ref(),
            year.as_ref(),
            "--pdf".as_ref(),
            "--root".as_ref(),
            root.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        let pdf = out.join(format!("compilation/{year}.pdf"));
        let bytes = std::fs::read(&pdf).unwrap();
        let mut leaks = markers_in(&format!("{year}.pdf"), &bytes);
        let text = Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) runs");
        assert!(text.status.success());
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("前言") || text.contains("目录"),
            "the text was extracted"
        );
        // pdftotext may break a marker across lines: compare without spaces.
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        leaks.extend(markers_in(&format!("{year}.pdf text"), flat.as_bytes()));
        assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
    }
}

// ---------------------------------------------------------------------------
// Nothing is lost: failed and killed builds leave the previous output
// ---------------------------------------------------------------------------

/// A small xorshift generator: random kill points, reproducible by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The killed-build test's seed: `CASEBOOK_KILL_SEED` to replay a
/// failure, else taken from the clock (every message names it).
fn kill_seed() -> u64 {
    let seed = match std::env::var("CASEBOOK_KILL_SEED") {
        Ok(seed) => seed.trim().parse().expect("CASEBOOK_KILL_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    };
    // xorshift never leaves 0.
    seed | 1
}

/// What builds left beside the output `out` in `parent` besides the one
/// kept previous generation, once the removal of older generations that
/// builds start in the background is over (a bounded wait: a hang guard,
/// not a speed claim).
fn staging_leftovers(parent: &Path) -> Vec<String> {
    let names = || -> Vec<String> {
        std::fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("staging") || n.contains("discard") || n.ends_with(".previous"))
            .filter(|n| n != ".out.previous")
            .collect()
    };
    let started = Instant::now();
    while names().iter().any(|n| n.contains("discard")) && started.elapsed() < BOUND {
        std::thread::sleep(Duration::from_millis(50));
    }
    names()
}

#[test]
fn builds_killed_at_random_points_never_lose_the_output() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let out = dir.path().join("out");
    let build = |out: &Path| {
        let (code, stderr) = build_bounded(&root, out);
        assert_eq!(code, 0, "{stderr}");
    };
    // Two known-good outputs: before and after an edit.
    let started = Instant::now();
    build(&out);
    let took = started.elapsed();
    let old = snapshot(&out);
    let about = root.join("content/pages/about.md");
    let text = std::fs::read_to_string(&about).unwrap();
    std::fs::write(&about, text.replace("集成测试用", "集成测试所用")).unwrap();
    let fresh = dir.path().join("fresh");
    build(&fresh);
    let new = snapshot(&fresh);
    std::fs::remove_dir_all(&fresh).unwrap();
    assert_ne!(old, new);

    let seed = kill_seed();
    let mut rng = Rng(seed);
    let window = took.as_micros() as u64 * 2 + 1;
    let (mut saw_old, mut saw_new, mut mid_write) = (0, 0, 0);
    // At least 24 kills; more (bounded) until three landed while a build
    // was writing its staging folder, the moment the swap protects.
    let mut round = 0;
    while round < 24 || (mid_write < 3 && round < 120) {
        // Each build heads for the other site than the one in place.
        let before = snapshot(&out);
        let edited = text.replace("集成测试用", "集成测试所用");
        std::fs::write(&about, if before == old { &edited } else { &text }).unwrap();
        let delay = Duration::from_micros(rng.next() % window);
        let mut child = Command::new(BIN)
            .arg("build")
            .arg("--root")
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = snapshot(&out);
        let previous = dir.path().join(".out.previous");
        if previous.exists() {
            let kept = snapshot(&previous);
            assert!(
                kept == old || kept == new,
                "CASEBOOK_KILL_SEED={seed}, round {round}: the previous generation is not a whole site"
            );
        }
        if now == old {
            saw_old += 1;
        } else if now == new {
            saw_new += 1;
        } else {
            panic!(
                "CASEBOOK_KILL_SEED={seed}, round {round}, killed after {delay:?}: the \
                 output is neither the old nor the new site"
            );
        }
        // Its staging folder, with files in it, beside an unchanged output:
        // the kill landed while the new output was being written.
        let staging = dir.path().join(format!(".out.staging-{}", child.id()));
        if now == before && staging.is_dir() && !snapshot(&staging).is_empty() {
            mid_write += 1;
        }
        round += 1;
    }
    eprintln!(
        "CASEBOOK_KILL_SEED={seed}: {round} kills, {mid_write} mid-write; \
         {saw_old} left the old site, {saw_new} the new one"
    );
    assert!(
        mid_write > 0,
        "CASEBOOK_KILL_SEED={seed}: no kill of {round} landed while a build was writing"
    );
    // The next build clears what killed builds left beside the output.
    std::fs::write(&about, text.replace("集成测试用", "集成测试所用")).unwrap();
    build(&out);
    assert_eq!(snapshot(&out), new);
    assert_eq!(staging_leftovers(dir.path()), Vec::<String>::new());
    // The builds killed above were rebuilds that link unchanged files from
    // the output they replace (`output::reuse`): so is this one.
    {
        use std::os::unix::fs::MetadataExt as _;
        let previous = dir.path().join(".out.previous");
        let linked = snapshot(&out).into_keys().filter(|rel| {
            let (a, b) = (
                std::fs::metadata(out.join(rel)),
                std::fs::metadata(previous.join(rel)),
            );
            matches!((a, b), (Ok(a), Ok(b)) if a.ino() == b.ino())
        });
        assert!(
            linked.count() > 10,
            "CASEBOOK_KILL_SEED={seed}: the rebuild linked nothing"
        );
    }

    // A build that fails leaves the output exactly as it was.
    std::fs::write(&about, "no front matter\n").unwrap();
    let (code, _) = build_bounded(&root, &out);
    assert_eq!(code, 1);
    assert_eq!(snapshot(&out), new);
}

/// `casebook remove-discarded` (what a build starts in the background to
/// remove the generation before the previous one) killed at random points:
/// the output and the kept previous generation stay whole, and the next
/// build's remover finishes the job.
#[test]
fn removing_old_outputs_killed_at_random_points_loses_nothing() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let out = dir.path().join("out");
    let build = || {
        let (code, stderr) = build_bounded(&root, &out);
        assert_eq!(code, 0, "{stderr}");
    };
    build();
    build();
    assert_eq!(staging_leftovers(dir.path()), Vec::<String>::new());
    let site = snapshot(&out);
    let previous = dir.path().join(".out.previous");
    assert_eq!(snapshot(&previous), site, "the same content built twice");
    let seed = kill_seed();
    let mut rng = Rng(seed);
    let mut interrupted = 0;
    for round in 0..12 {
        let discard = dir.path().join(".out.discard-1");
        if !discard.exists() {
            copy_dir(&out, &discard);
        }
        let before = snapshot(&discard).len();
        let mut child = Command::new(BIN)
            .args(["remove-discarded", "--output"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.next() % 20_000));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if discard.exists() && snapshot(&discard).len() < before {
            interrupted += 1;
        }
        assert_eq!(
            snapshot(&out),
            site,
            "CASEBOOK_KILL_SEED={seed}, round {round}"
        );
        assert_eq!(
            snapshot(&previous),
            site,
            "CASEBOOK_KILL_SEED={seed}, round {round}"
        );
    }
    eprintln!("CASEBOOK_KILL_SEED={seed}: {interrupted} of 12 kills interrupted a removal");
    // A half-removed generation is finished by the next build's remover.
    if !dir.path().join(".out.discard-1").exists() {
        copy_dir(&out, &dir.path().join(".out.discard-1"));
    }
    build();
    assert_eq!(staging_leftovers(dir.path()), Vec::<String>::new());
    assert_eq!(snapshot(&out), site);
}

/// `build --rollback` swaps the previous generation back in, byte for
/// byte; a second one undoes it; a folder of someone else's at that name
/// is refused and left alone.
#[test]
fn a_rollback_restores_the_site_the_last_build_replaced() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let out = dir.path().join("out");
    let rollback = || {
        let output = Command::new(BIN)
            .args(["build", "--rollback", "--root"])
            .arg(&root)
            .arg("--output")
            .arg(&out)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = rollback();
    assert_eq!(code, Some(1), "nothing to roll back to yet: {stderr}");
    assert!(stderr.contains("无法回滚"), "{stderr}");
    let old = snapshot(&out);
    let about = root.join("content/pages/about.md");
    let text = std::fs::read_to_string(&about).unwrap();
    std::fs::write(&about, text.replace("集成测试用", "集成测试所用")).unwrap();
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    let new = snapshot(&out);
    assert_ne!(old, new);
    let (code, stderr) = rollback();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(snapshot(&out), old);
    let (code, stderr) = rollback();
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(snapshot(&out), new);
    // Someone else's folder where the previous generation is kept.
    let previous = dir.path().join(".out.previous");
    std::fs::remove_dir_all(&previous).unwrap();
    std::fs::create_dir(&previous).unwrap();
    std::fs::write(previous.join("notes.txt"), "theirs").unwrap();
    let (code, stderr) = rollback();
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(snapshot(&out), new);
    assert_eq!(
        std::fs::read_to_string(previous.join("notes.txt")).unwrap(),
        "theirs"
    );
    // A build does not replace it either: the replaced output is removed,
    // and the editor is told no rollback is kept.
    let (code, stderr) = build_bounded(&root, &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("没有保留上一次的输出") && stderr.contains(".out.previous"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(previous.join("notes.txt")).unwrap(),
        "theirs"
    );
}

// ---------------------------------------------------------------------------
// Links: every internal link and asset of the built sites resolves
// ---------------------------------------------------------------------------

fn assert_links_resolve(out: &Path, base_path: &str) {
    let problems = link_problems(out, base_path);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_link_of_the_example_site_resolves_under_a_sub_path() {
    let built = build_ok(
        &repo_root(),
        &["--base-url", "https://example.org/cases-site/"],
    );
    // (At `/` it is checked by tests/build.rs, as is the basic fixture.)
    assert_links_resolve(&built.out, "/cases-site/");
}

// ---------------------------------------------------------------------------
// The preview server
// ---------------------------------------------------------------------------

/// Send raw `bytes`, read what comes back within a few seconds.
fn raw_request(port: u16, bytes: &[u8]) -> Vec<u8> {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return Vec::new();
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(response);
    text.split_whitespace().nth(1)?.parse().ok()
}

fn get(port: u16, path: &[u8]) -> Vec<u8> {
    let mut request = b"GET ".to_vec();
    request.extend_from_slice(path);
    request.extend_from_slice(b" HTTP/1.1\r\nConnection: close\r\nHost: 127.0.0.1:");
    request.extend_from_slice(format!("{port}\r\n\r\n").as_bytes());
    raw_request(port, &request)
}

/// Local addresses (hex, as in /proc/net/tcp{,6}) with a socket listening
/// on `port`.
fn listeners(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (cols.get(1), cols.get(3)) else {
                continue;
            };
            let Some((addr, hex_port)) = local.split_once(':') else {
                continue;
            };
            if *state == "0A" && u16::from_str_radix(hex_port, 16) == Ok(port) {
                found.push(addr.to_string());
            }
        }
    }
    found
}

#[test]
fn serve_survives_hostile_requests() {
    let dir = temp_dir();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "SERVE-SECRET-9K").unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(fixture("basic"))
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Kill(child);
    let deadline = Instant::now() + BOUND;
    while status_of(&get(port, b"/")) != Some(200) {
        assert!(Instant::now() < deadline, "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Only loopback: the kernel's table of listening sockets has the port
    // on 127.0.0.1 alone (no packet needs to leave loopback to know).
    let listening = listeners(port);
    assert_eq!(listening, ["0100007F"], "serve listens on {listening:?}");
    // A symlink planted inside the served folder, pointing outside it.
    let served = walkdir::WalkDir::new(&tmp)
        .max_depth(3)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == "index.html")
        .map(|e| e.path().parent().unwrap().to_path_buf())
        .expect("serve builds into its temp folder");
    std::os::unix::fs::symlink(&secret, served.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path(), served.join("up")).unwrap();
    // A plain file planted beside them is served: the folder is the live one.
    std::fs::write(served.join("plain.txt"), "PLAIN-FILE").unwrap();
    let plain = get(port, b"/plain.txt");
    assert_eq!(status_of(&plain), Some(200));
    assert!(String::from_utf8_lossy(&plain).contains("PLAIN-FILE"));

    let traversals: &[&[u8]] = &[
        b"/../secret.txt",
        b"/../../../../../../etc/passwd",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E%2Fsecret.txt",
        b"/css/..%2f..%2fsecret.txt",
        b"/..%5c..%5csecret.txt",
        b"/..\\..\\secret.txt",
        b"/leak.txt",
        b"/up/secret.txt",
        b"/up/tmp/",
        b"/index.html%00.txt",
        b"//etc/passwd",
        b"/%252e%252e/secret.txt",
        b"/%c0%ae%c0%ae/secret.txt",
    ];
    for path in traversals {
        let response = get(port, path);
        let text = String::from_utf8_lossy(&response);
        assert!(
            !text.contains("SERVE-SECRET-9K"),
            "{:?} leaked",
            String::from_utf8_lossy(path)
        );
        assert!(
            !text.contains("root:x:0:0"),
            "{:?} leaked",
            String::from_utf8_lossy(path)
        );
        let status = status_of(&response);
        assert!(
            status.is_none() || status.is_some_and(|s| s >= 400),
            "{:?} answered {status:?}",
            String::from_utf8_lossy(path)
        );
    }
    // The links were there all along (no rebuild replaced the folder).
    assert!(served.join("leak.txt").is_symlink() && served.join("up").is_symlink());
    let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(1 << 20));
    let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(10_000));
    let malformed: Vec<Vec<u8>> = vec![
        b"\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"BREW /pot HTCPCP/1.0\r\n\r\n".to_vec(),
        b"GET /\0 HTTP/1.1\r\nHost: \0\r\n\r\n".to_vec(),
        b"GET /\xff\xfe\xc3( HTTP/1.1\r\nHost: \xff\r\n\r\n".to_vec(),
        b"GET /api/search?q=%FF%FE&limit=99999999999999999999 HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /api/search?q=\xe7\xb2 HTTP/1.1\r\n\r\n".to_vec(),
        b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\nabc".to_vec(),
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_vec(),
        b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n".to_vec(),
        long_line.into_bytes(),
        many_headers.into_bytes(),
        (0u8..=255).cycle().take(64 * 1024).collect(),
    ];
    for request in &malformed {
        let _ = raw_request(port, request);
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "serve exited after {:?}",
            String::from_utf8_lossy(&request[..request.len().min(60)])
        );
    }
    // A client that connects and says nothing, or declares a body and
    // never sends it, does not block others.
    let idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stalled
        .write_all(b"POST /about/ HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc")
        .unwrap();
    let mut small = TcpStream::connect(("127.0.0.1", port)).unwrap();
    small
        .write_all(b"POST /about/ HTTP/1.1\r\nContent-Length: 1000\r\n\r\nabc")
        .unwrap();
    let response = get(port, b"/about/");
    assert_eq!(status_of(&response), Some(200));
    assert!(String::from_utf8_lossy(&response).contains("测试库"));
    drop((idle, stalled, small));
    assert_eq!(status_of(&get(port, b"/")), Some(200));
}

/// The folders discovery starts from are never read through a link either:
/// walkdir follows the folder it starts at, so a linked `content/`,
/// `content/cases/`, `content/pages/` or `content/compilation/` is refused
/// before it is walked, and nothing behind it (a draft here) is read.
#[test]
fn linked_content_folders_are_refused_unread() {
    for linked in [
        "content",
        "content/cases",
        "content/pages",
        "content/compilation",
    ] {
        let (dir, root) = basic_copy();
        let elsewhere = dir.path().join("elsewhere");
        let real = root.join(linked);
        std::fs::create_dir_all(&real).unwrap();
        std::fs::rename(&real, &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &real).unwrap();
        let (code, stderr) = build_bounded(&root, &root.join("out"));
        assert_eq!(code, 1, "{linked}:\n{stderr}");
        assert!(stderr.contains("file-unreadable"), "{linked}:\n{stderr}");
        assert!(stderr.contains("符号链接"), "{linked}:\n{stderr}");
        assert!(stderr.contains(linked), "{linked}:\n{stderr}");
        assert!(!root.join("out").exists(), "{linked}: a build was written");
        // Nothing behind the link was parsed: no diagnostic names a file in it.
        let inside = format!("{linked}/");
        assert!(
            !stderr
                .lines()
                .any(|l| l.contains(&inside) && l.contains(".md")),
            "{linked}: a file behind the link was read:\n{stderr}"
        );
    }
}
