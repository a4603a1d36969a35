use std::path::Path;

use super::*;

fn fixed(heading: &str) -> Option<&'static str> {
    (heading == "摘要").then_some("abstract")
}

fn render_in(dir: &Path, text: &str) -> (RenderedBody, Vec<Diagnostic>) {
    let root = dir.canonicalize().unwrap();
    let options = MarkdownOptions {
        file: "content/cases/a.md",
        first_line: 10,
        dir: &root,
        root: &root,
        base_path: "/",
        page_path: "cases/2023-001/",
        fixed_anchor: fixed,
        summary_anchor: Some("abstract"),
        require_captions: true,
        highlight: true,
        keep_markdown: false,
    };
    render(text, &options)
}

/// A PNG header of 4×3 pixels: all an image check reads.
fn tiny_png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    bytes.extend(4u32.to_be_bytes());
    bytes.extend(3u32.to_be_bytes());
    bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
    bytes
}

fn render_str(text: &str) -> (RenderedBody, Vec<Diagnostic>) {
    let dir = tempfile::tempdir().unwrap();
    render_in(dir.path(), text)
}

#[test]
fn soft_break_between_chinese_is_not_a_space() {
    let (body, _) = render_str("质量\n标杆\nand\nmore");
    assert!(body.html.contains("质量标杆"), "{}", body.html);
    assert!(body.html.contains("and\nmore"), "{}", body.html);
}

#[test]
fn sections_get_fixed_and_pinyin_anchors() {
    let (body, _) =
        render_str("## 摘要\n\n文字。\n\n### 一、背景\n\n更多文字\n\n## 其他 (说明)\n\n内容\n");
    assert!(
        body.html.contains("<h2 id=\"abstract\">摘要</h2>"),
        "{}",
        body.html
    );
    assert!(
        body.html.contains("<h3 id=\"yi-bei-jing\">"),
        "{}",
        body.html
    );
    assert_eq!(body.sections.len(), 2);
    assert_eq!(body.sections[1].heading.text, "其他（说明）");
    assert_eq!(body.sections[0].heading.line, 10);
    assert_eq!(body.sections[0].chars, 3 + 4);
    assert_eq!(body.summary.trim(), "文字。\n更多文字");
}

#[test]
fn figures_and_tables_are_numbered_with_captions_placed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.png"), tiny_png()).unwrap();
    let text = "![良率趋势](a.png)\n\n表：主要指标\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n表2：第二张\n\n| c |\n|---|\n| 3 |\n\n![第二图](a.png)\n";
    let (body, diags) = render_in(dir.path(), text);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!((body.figures, body.tables), (2, 2));
    let html = &body.html;
    assert!(
        html.contains("<figcaption><span class=\"label\">图1</span> 良率趋势</figcaption>"),
        "{html}"
    );
    assert!(html.contains("<span class=\"label\">图2</span> 第二图"));
    assert!(
        html.contains("<table><caption><span class=\"label\">表1</span> 主要指标</caption>"),
        "{html}"
    );
    assert!(html.contains("<span class=\"label\">表2</span> 第二张"));
    // Figure caption below the image, table caption above the rows.
    assert!(html.find("<img").unwrap() < html.find("图1").unwrap());
    assert!(html.find("表1").unwrap() < html.find("<thead>").unwrap());
    assert!(html.contains("src=\"/cases/2023-001/a.png\""));
    assert_eq!(body.assets.len(), 1);
}

#[test]
fn missing_and_remote_images_are_errors_with_positions() {
    let (_, diags) =
        render_str("文字\n\n![图](nope.png)\n\n![外](https://cdn.example.com/x.png)\n");
    assert_eq!(diags.len(), 2, "{diags:?}");
    assert_eq!(diags[0].rule, rules::IMAGE_MISSING);
    assert_eq!((diags[0].line, diags[0].column), (12, 1));
    assert_eq!(diags[1].rule, rules::IMAGE_REMOTE);
}

#[test]
fn paths_may_not_leave_the_folder() {
    let (_, diags) = render_str("![图](../secret.png)\n");
    assert_eq!(diags[0].rule, rules::PATH_OUTSIDE);
}

#[test]
fn links_and_symlinks_to_other_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("other")).unwrap();
    std::fs::write(root.join("other/index.md"), "---\n---\n").unwrap();
    std::fs::write(root.join("other/notes.pdf"), "%PDF-1.4").unwrap();
    std::fs::write(root.join("a.png"), tiny_png()).unwrap();
    std::os::unix::fs::symlink("other/index.md", root.join("notes.txt")).unwrap();
    std::os::unix::fs::symlink("a.png", root.join("b.png")).unwrap();
    std::os::unix::fs::symlink("other", root.join("linked")).unwrap();
    std::fs::create_dir(root.join("_parked")).unwrap();
    std::fs::write(root.join("_parked/x.pdf"), "%PDF-1.4").unwrap();
    let text = "[a](notes.txt)\n\n![b](b.png)\n\n[c](linked/notes.pdf)\n\n\
                [d](other/notes.pdf)\n\n[e](_parked/x.pdf)\n\n[f](other/index.md)\n\n![g](a.png)\n";
    let (body, diags) = render_in(root, text);
    let rules: Vec<&str> = diags.iter().map(|d| d.rule).collect();
    assert_eq!(
        rules,
        [
            rules::PATH_SYMLINK,
            rules::PATH_SYMLINK,
            rules::PATH_SYMLINK,
            rules::PATH_OUTSIDE,
            rules::PATH_OUTSIDE,
            rules::PATH_OUTSIDE,
        ],
        "{diags:?}"
    );
    assert_eq!(diags[3].line, 16, "{diags:?}");
    // Only the real image beside the page is published, with its size.
    assert_eq!(body.assets.len(), 1);
    assert!(
        body.html.contains("width=\"4\" height=\"3\""),
        "{}",
        body.html
    );
}

#[test]
fn images_from_the_sites_static_folder_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("static")).unwrap();
    std::fs::write(dir.path().join("static/logo.svg"), "<svg/>").unwrap();
    std::fs::write(dir.path().join("static/empty.png"), "").unwrap();
    std::fs::write(dir.path().join("static/ok.png"), tiny_png()).unwrap();
    let (body, diags) = render_in(
        dir.path(),
        "![a](/logo.svg)\n\n![b](/empty.png)\n\n![c](/ok.png)\n",
    );
    let rules: Vec<&str> = diags.iter().map(|d| d.rule).collect();
    assert_eq!(
        rules,
        [rules::ATTACHMENT_TYPE, rules::IMAGE_INVALID],
        "{diags:?}"
    );
    assert!(
        body.html.contains("src=\"/ok.png\" alt=\"c\" width=\"4\""),
        "{}",
        body.html
    );
    assert!(!body.html.contains("logo.svg"), "{}", body.html);
}

#[test]
fn site_links_with_dot_segments_are_refused() {
    for dest in [
        "/cases/2023-002/../../x/",
        "/cases/2023-002/%2e%2e/%2E%2e/x/",
        "/cases/2023-002/.%2e/x/",
        "/cases/./2023-002/",
        "/cases/2023-002/..",
        "/cases/2023-002/..%5c..%5cx/",
        "/cases/2023-002/..\\x/",
        "/cases/2023-002/%2e%2e?x=1",
    ] {
        let (body, diags) = render_str(&format!("见[另一案例]({dest})。\n"));
        assert_eq!(diags.len(), 1, "{dest}: {diags:?}");
        assert_eq!(diags[0].rule, rules::LINK_DOT_SEGMENT, "{dest}");
        assert_eq!((diags[0].line, diags[0].column), (10, 2), "{dest}");
        assert!(body.site_links.is_empty(), "{dest}");
        assert!(!body.html.contains("2023-002"), "{dest}: {}", body.html);
    }
    // Dots inside names are fine.
    let (body, diags) = render_str("[a](/files/v1.2/report..pdf) [b](/cases/2023-002/#a.b)\n");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(body.site_links.len(), 2);
}

#[test]
fn case_links_are_collected_and_prefixed() {
    let (body, _) = render_str("见[另一案例](/cases/2022-003/)。\n");
    assert_eq!(body.site_links.len(), 1);
    assert_eq!(body.site_links[0].case_id(), Some("2022-003"));
    assert!(body.html.contains("href=\"/cases/2022-003/\""));
}

#[test]
fn code_is_highlighted_and_raw_html_sanitised() {
    let (body, _) = render_str("```python\nx = 1\n```\n\n<script>alert(1)</script>\n\nH<sub>2</sub>O <a href=\"javascript:alert(1)\" onclick=\"x()\">a</a>\n");
    assert!(body.html.contains("class=\"hl-"), "{}", body.html);
    assert!(!body.html.contains("<script"), "{}", body.html);
    assert!(!body.html.contains("javascript:"), "{}", body.html);
    assert!(!body.html.contains("onclick"), "{}", body.html);
    assert!(body.html.contains("<sub>2</sub>"));
}

#[test]
fn uncaptioned_table_is_a_warning() {
    let (body, diags) = render_str("| a |\n|---|\n| 1 |\n");
    assert_eq!(body.tables, 0);
    assert_eq!(diags[0].rule, rules::TABLE_CAPTION_MISSING);
    assert!(!diags[0].is_error());
}

#[test]
fn soft_break_beside_inline_markup_joins_cjk() {
    let (body, _) = render_str("开展**质量改进**\n活动，见[案例](/cases/2023-001/)\n后面");
    assert!(body.html.contains("</strong>活动"), "{}", body.html);
    assert!(body.html.contains("</a>后面"), "{}", body.html);
}

#[test]
fn remote_sources_in_raw_html_are_errors_and_dropped() {
    let (body, diags) =
        render_str("文字\n\n<img src=\"https://cdn.example.com/a.png\" alt=\"x\">\n");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].rule, rules::IMAGE_REMOTE);
    assert!(diags[0].message.contains("https://cdn.example.com/a.png"));
    assert!(!body.html.contains("cdn.example.com"), "{}", body.html);
}

#[test]
fn finds_remote_sources() {
    assert_eq!(
        remote_sources("<IMG SRC='//x.org/a.png'>"),
        vec!["//x.org/a.png"]
    );
    assert!(remote_sources("<img src=\"a.png\"> <p data-src=\"https://x\">").is_empty());
}

#[test]
fn script_links_are_refused_however_written() {
    for dest in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "<java\tscript:alert(1)>",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
    ] {
        let (body, diags) = render_str(&format!("见[链接]({dest})。\n"));
        assert!(
            diags
                .iter()
                .any(|d| d.rule == rules::LINK_SCHEME && d.is_error()),
            "{dest}: {diags:?}"
        );
        assert!(diags[0].message.contains("链接"), "{}", diags[0].message);
        assert_eq!(diags[0].column, 2, "{dest}");
        // The refused link keeps its text and points nowhere.
        assert!(
            body.html.contains(r##"<a href="#">"##) && !body.html.contains("script"),
            "{dest}: {}",
            body.html
        );
    }
    // Autolinks are links too.
    let (_, diags) = render_str("<javascript:alert(1)>\n");
    assert_eq!(diags[0].rule, rules::LINK_SCHEME);
    // Web, mail and phone links and relative paths with a colon stay.
    let (body, diags) =
        render_str("[a](https://example.com/) [b](mailto:x@example.com) [c](tel:+86-21) [d](#x)\n");
    assert!(diags.is_empty(), "{diags:?}");
    assert!(body.html.contains("href=\"mailto:x@example.com\""));
}

#[test]
fn absurdly_nested_html_is_refused_before_parsing() {
    let deep = format!("{}深{}", "<div>".repeat(50_000), "</div>".repeat(50_000));
    let (body, diags) = render_str(&deep);
    // The rule comes only from the depth scan before ammonia, and nothing
    // was rendered: the sanitiser never saw the body.
    assert_eq!(diags[0].rule, rules::HTML_TOO_DEEP);
    assert!(diags[0].is_error() && diags[0].help.is_some());
    assert!(body.html.is_empty());
    // Unclosed tags nest too.
    let (_, diags) = render_str(&"<span><b>".repeat(1_000));
    assert_eq!(diags[0].rule, rules::HTML_TOO_DEEP);
    // Ordinary raw HTML is far below the limit.
    let (body, diags) = render_str("<table><tr><td>H<sub>2</sub>O<br>x<img src=\"data:image/png;base64,AA\"/></td></tr></table>\n");
    assert!(diags.is_empty(), "{diags:?}");
    assert!(body.html.contains("<sub>2</sub>"));
    assert_eq!(super::nesting_depth("<p><a>x</a><br><img/></p>"), 2);
}

#[test]
fn raw_html_may_not_point_into_the_site() {
    let (_, diags) = render_str(
        "<img src=\"x.png\"> <a href='/about/'>关于</a> <A HREF=../a.pdf>附件</A>\n\n\
         <a href=\"https://example.com/\">外站</a> <a href=\"#fig-1\">图</a> <a href=\"mailto:a@example.com\">信</a>\n",
    );
    let found: Vec<&str> = diags
        .iter()
        .filter(|d| d.rule == rules::HTML_SITE_LINK)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(found.len(), 3, "{diags:?}");
    assert!(found[0].contains("x.png") && found[1].contains("/about/"));
    assert!(found[2].contains("../a.pdf"));
}
