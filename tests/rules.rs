//! Every rule id in `diagnostics::rules::ALL` is triggered by a test and
//! its id asserted: [`TRIGGERS`] maps each id to a function that breaks a
//! copy of `tests/fixtures/rules/base` (or copies a `tests/fixtures/bad/`
//! fixture) and to the command that must report it. The completeness test
//! reads `rules::ALL` itself, so a rule added without an entry fails here.
//!
//! To add a rule: one line in [`TRIGGERS`] and one `fn(&Path)` that builds
//! the triggering content into the empty folder it is given.

mod common;

use std::path::{Path, PathBuf};

use casebook::diagnostics::rules;
use common::*;

/// Which command reports the rule.
#[derive(Clone, Copy, Debug)]
enum Run {
    /// `casebook check --format json`.
    Check,
    /// `casebook build` into `out/` beside the site (human diagnostics on
    /// stderr): the rules only the write of the site meets.
    Build,
}

/// Where the diagnostic must point.
#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    /// A file, at a line ≥ 1 (and a column ≥ 1).
    Line,
    /// A file as a whole (line 0): a file that cannot be read, a config
    /// value, an output path.
    File,
}

struct Trigger {
    rule: &'static str,
    run: Run,
    at: At,
    make: fn(&Path),
}

const fn t(rule: &'static str, run: Run, at: At, make: fn(&Path)) -> Trigger {
    Trigger {
        rule,
        run,
        at,
        make,
    }
}

use At::{File, Line};
use Run::{Build, Check};

/// One entry per rule id of `rules::ALL` (except [`EXEMPT`]).
const TRIGGERS: &[Trigger] = &[
    t(rules::CONFIG_MISSING, Check, File, config_missing),
    t(rules::CONFIG_INVALID, Check, Line, config_invalid),
    t(rules::ENCODING_GBK, Check, Line, |r| bad(r, "encoding-gbk")),
    t(rules::ENCODING_INVALID, Check, File, encoding_invalid),
    t(rules::FILE_UNREADABLE, Check, File, file_unreadable),
    t(rules::FILE_TOO_LARGE, Check, File, file_too_large),
    t(rules::FRONT_MATTER_MISSING, Check, Line, |r| {
        bad(r, "front-matter-missing")
    }),
    t(rules::FRONT_MATTER_UNCLOSED, Check, Line, |r| {
        bad(r, "front-matter-unclosed")
    }),
    t(
        rules::FRONT_MATTER_NOT_MAPPING,
        Check,
        Line,
        front_matter_list,
    ),
    t(rules::YAML_SYNTAX, Check, Line, |r| bad(r, "yaml-syntax")),
    t(rules::YAML_FULLWIDTH_COLON, Check, Line, |r| {
        bad(r, "yaml-fullwidth-colon")
    }),
    t(
        rules::YAML_FULLWIDTH_SPACE,
        Check,
        Line,
        yaml_fullwidth_space,
    ),
    t(rules::YAML_TAB_INDENT, Check, Line, yaml_tab_indent),
    t(rules::FIELD_MISSING, Check, Line, |r| {
        bad(r, "field-missing")
    }),
    t(rules::FIELD_TYPE, Check, Line, field_type),
    t(rules::FIELD_UNKNOWN, Check, Line, |r| {
        bad(r, "field-unknown")
    }),
    t(rules::VALUE_NOT_IN_LIST, Check, Line, |r| {
        bad(r, "value-not-in-list")
    }),
    t(rules::ID_FORMAT, Check, Line, |r| bad(r, "id-format")),
    t(rules::ID_YEAR_MISMATCH, Check, Line, id_year_mismatch),
    t(rules::ID_DUPLICATE, Check, Line, |r| bad(r, "id-duplicate")),
    t(rules::YEAR_IMPLAUSIBLE, Check, Line, year_implausible),
    t(rules::METRIC_INVALID, Check, Line, |r| {
        bad(r, "metric-invalid")
    }),
    t(rules::SECTION_MISSING, Check, Line, |r| {
        bad(r, "section-missing")
    }),
    t(rules::SECTION_ORDER, Check, Line, |r| {
        bad(r, "section-order")
    }),
    t(rules::SECTION_UNKNOWN, Check, Line, section_unknown),
    t(rules::SECTION_EMPTY, Check, Line, section_empty),
    t(rules::IMAGE_MISSING, Check, Line, |r| {
        bad(r, "image-missing")
    }),
    t(rules::IMAGE_REMOTE, Check, Line, |r| bad(r, "image-remote")),
    t(rules::PATH_OUTSIDE, Check, Line, |r| bad(r, "path-outside")),
    t(
        rules::FIGURE_CAPTION_MISSING,
        Check,
        Line,
        figure_caption_missing,
    ),
    t(
        rules::TABLE_CAPTION_MISSING,
        Check,
        Line,
        table_caption_missing,
    ),
    t(rules::LINK_BROKEN_CASE, Check, Line, |r| {
        bad(r, "link-broken-case")
    }),
    t(rules::LINK_BROKEN_FILE, Check, Line, link_broken_file),
    t(rules::LINK_BROKEN, Check, Line, |r| bad(r, "link-broken")),
    t(rules::LINK_SCHEME, Check, Line, link_scheme),
    t(rules::HTML_TOO_DEEP, Check, Line, html_too_deep),
    t(rules::HTML_SITE_LINK, Check, Line, html_site_link),
    t(rules::ALIAS_INVALID, Check, Line, alias_invalid),
    t(rules::UPDATED_INVALID, Check, Line, updated_invalid),
    t(rules::PAGE_SLUG, Check, Line, page_slug),
    t(rules::SLUG_COLLISION, Check, File, slug_collision),
    t(rules::OUTPUT_COLLISION, Build, File, output_collision),
    t(rules::TEMPLATE_ERROR, Build, File, template_error),
    t(rules::URL_REMOVED, Build, File, url_removed),
    t(rules::QR_CODE, Build, File, qr_code),
    t(rules::COVER_SMALL, Check, Line, cover_small),
    t(rules::DATA_EXPORT, Build, File, data_export),
    t(rules::TITLE_TOO_LONG, Check, Line, |r| {
        bad(r, "title-too-long")
    }),
    t(rules::TITLE_SHAPE, Check, Line, |r| bad(r, "title-shape")),
    t(rules::SECTION_TOO_LONG, Check, Line, |r| {
        bad(r, "section-too-long")
    }),
    t(rules::INDUSTRY_CODE, Check, Line, |r| {
        bad(r, "industry-code")
    }),
    t(rules::RESULTS_DATA, Check, Line, |r| bad(r, "results-data")),
    t(rules::RESULTS_COMPARISON, Check, Line, |r| {
        bad(r, "results-comparison")
    }),
    t(rules::IMAGE_HEAVY, Check, Line, image_heavy),
    t(rules::PUNCT_HALF_WIDTH, Check, Line, |r| {
        bad(r, "typography")
    }),
    t(rules::CHAR_FULL_WIDTH, Check, Line, |r| {
        bad(r, "typography")
    }),
    t(rules::PUNCT_DOUBLED, Check, Line, |r| bad(r, "typography")),
    t(rules::HEADING_EMPTY, Check, Line, |r| bad(r, "typography")),
    t(rules::TRAILING_SPACE, Check, Line, |r| bad(r, "typography")),
    t(rules::METRIC_YEARS, Check, Line, |r| {
        base_with(r, "years: [2020, 2021, 2022]", "years: [2020, 2022, 2021]")
    }),
    t(rules::SECTION_UNSORTED, Check, Line, |r| {
        base_plus(r, "## 待归类内容\n\n导入时没能归类的一段文字。")
    }),
    t(rules::PATH_SYMLINK, Check, Line, path_symlink),
    t(rules::ATTACHMENT_TYPE, Check, Line, attachment_type),
    t(rules::IMAGE_INVALID, Check, Line, image_invalid),
    t(rules::BUNDLE_AMBIGUOUS, Check, File, bundle_ambiguous),
    t(rules::LINK_DOT_SEGMENT, Check, Line, |r| {
        base_plus(r, "详见[另一案例](/cases/2023-001/../../x/)。")
    }),
    t(rules::CASE_DUPLICATE, Check, Line, |r| {
        bad(r, "case-duplicate")
    }),
    t(rules::ICP_MISSING, Check, Line, icp_missing),
];

/// Rules no input can trigger, each with the reason. Keep this minimal:
/// the completeness test accepts only these ids without a trigger.
const EXEMPT: &[(&str, &str)] = &[
    (
        rules::SEARCH_INDEX,
        "an internal failure: the build's in-memory tantivy index fails only \
     when memory runs out, and the export only on a broken invariant \
     (an indexed case that is not published); no content reaches either",
    ),
    (
        rules::POSTER_FONT,
        "the machine's fonts, not content: a build where no CJK font is \
     installed (tests/posters.rs points fontconfig at an empty folder)",
    ),
    (
        rules::BOOK_TYPESET,
        "an internal failure: the typeset book's Typst source is generated with \
     every text from content escaped, so valid content cannot make Typst fail",
    ),
];

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[test]
fn every_rule_has_a_trigger_or_a_documented_exemption() {
    let listed = |id: &str| TRIGGERS.iter().any(|t| t.rule == id);
    let exempt = |id: &str| EXEMPT.iter().any(|(e, _)| *e == id);
    let missing: Vec<&str> = rules::ALL
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !listed(id) && !exempt(id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules with no entry in tests/rules.rs TRIGGERS (add one line and a builder): {missing:?}"
    );
    let unknown: Vec<&str> = TRIGGERS
        .iter()
        .map(|t| t.rule)
        .chain(EXEMPT.iter().map(|(id, _)| *id))
        .filter(|id| rules::describe(id).is_none())
        .collect();
    assert!(unknown.is_empty(), "not in rules::ALL: {unknown:?}");
    let both: Vec<&str> = EXEMPT
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| listed(id))
        .collect();
    assert!(both.is_empty(), "exempt and triggered: {both:?}");
    // An exemption is said in the rule's own description too.
    for (id, _) in EXEMPT {
        let description = rules::describe(id).unwrap();
        assert!(
            description.contains("内容无法触发"),
            "{id}: its description must say no content triggers it: {description}"
        );
    }
}

#[test]
fn every_rule_is_reported_with_its_id() {
    // Two at a time: each entry runs the binary once or twice.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let halves = TRIGGERS.split_at(TRIGGERS.len() / 2);
        let runs = [halves.0, halves.1]
            .map(|half| scope.spawn(move || half.iter().filter_map(failure).collect::<Vec<_>>()));
        runs.into_iter()
            .flat_map(|run| run.join().expect("trigger thread"))
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One reported diagnostic, from JSON or the human format.
#[derive(Debug)]
struct Found {
    rule: String,
    file: String,
    line: usize,
    column: usize,
    message: String,
}

/// Run one trigger; `None` when its rule was reported where it should be.
fn failure(trigger: &Trigger) -> Option<String> {
    let dir = temp_dir();
    let root = dir.path().join("site");
    std::fs::create_dir_all(&root).unwrap();
    (trigger.make)(&root);
    let (code, found, raw) = match trigger.run {
        Run::Check => check_found(&root),
        Run::Build => build_found(&root),
    };
    let name = trigger.rule;
    let ours: Vec<&Found> = found.iter().filter(|f| f.rule == name).collect();
    let Some(first) = ours.first() else {
        return Some(format!("{name}: not reported (exit {code}); got:\n{raw}"));
    };
    if first.file.is_empty() || !has_cjk(&first.message) {
        return Some(format!("{name}: no file or no Chinese message: {first:?}"));
    }
    if trigger.at == At::Line && !ours.iter().all(|f| f.line >= 1 && f.column >= 1) {
        return Some(format!(
            "{name}: reported without a line and column: {ours:?}"
        ));
    }
    None
}

fn check_found(root: &Path) -> (i32, Vec<Found>, String) {
    let (code, diags) = check_json(root);
    let raw = format!("{diags:#?}");
    let found = diags
        .into_iter()
        .map(|d| Found {
            rule: d.rule,
            file: d.file,
            line: d.line,
            column: d.column,
            message: d.message,
        })
        .collect();
    (code, found, raw)
}

/// The output folder a site built by these tests goes to.
fn out_of(root: &Path) -> PathBuf {
    root.with_file_name("out")
}

fn build_site(root: &Path) -> std::process::Output {
    casebook([
        "build".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        "--output".as_ref(),
        out_of(root).as_os_str(),
    ])
}

fn build_found(root: &Path) -> (i32, Vec<Found>, String) {
    let output = build_site(root);
    let text = stderr(&output);
    (code(&output), parse_human(&text), text)
}

/// Diagnostics from the human format: `error[rule]: message` followed by
/// `┌─ file:line:column` (or `┌─ file` for a whole file).
fn parse_human(text: &str) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for line in text.lines() {
        let header = line
            .strip_prefix("error[")
            .or_else(|| line.strip_prefix("warning["));
        if let Some((rule, message)) = header.and_then(|h| h.split_once("]: ")) {
            found.push(Found {
                rule: rule.to_string(),
                file: String::new(),
                line: 0,
                column: 0,
                message: message.to_string(),
            });
        } else if let (Some(at), Some(last)) = (line.trim().strip_prefix("┌─ "), found.last_mut())
        {
            let mut parts = at.rsplitn(3, ':');
            let (column, line_no, file) = (parts.next(), parts.next(), parts.next());
            match (column.map(str::parse), line_no.map(str::parse), file) {
                (Some(Ok(column)), Some(Ok(line_no)), Some(file)) => {
                    (last.file, last.line, last.column) = (file.to_string(), line_no, column)
                }
                _ => last.file = at.to_string(),
            }
        }
    }
    found
}

#[test]
fn the_human_format_parser_reads_both_location_forms() {
    let text = "error[id-format]: 编号不对\n  ┌─ content/a.md:2:1\n  │\n\
                warning[data-export]: 无法导出\n  ┌─ data/cases.xlsx\n  = 修改建议：…\n";
    let found = parse_human(text);
    let got: Vec<_> = found
        .iter()
        .map(|f| (f.rule.as_str(), f.file.as_str(), f.line, f.column))
        .collect();
    assert_eq!(
        got,
        [
            ("id-format", "content/a.md", 2, 1),
            ("data-export", "data/cases.xlsx", 0, 0)
        ]
    );
}

// ---------------------------------------------------------------------------
// Builders: each fills an empty folder with a site that breaks one rule
// ---------------------------------------------------------------------------

/// The case of the base fixture.
const CASE: &str = "content/cases/2023/2023-001/index.md";

fn base(root: &Path) {
    copy_dir(&fixture("rules/base"), root);
}

fn bad(root: &Path, name: &str) {
    copy_dir(&fixture(&format!("bad/{name}")), root);
}

/// The base site with `edit` applied to the text of `rel`, which must
/// change it (a builder whose pattern no longer matches fails loudly).
fn edit(root: &Path, rel: &str, edit: impl FnOnce(&str) -> String) {
    let path = root.join(rel);
    let before = std::fs::read_to_string(&path).unwrap();
    let after = edit(&before);
    assert_ne!(before, after, "the edit of {rel} changed nothing");
    std::fs::write(&path, after).unwrap();
}

/// The base site with `from` replaced by `to` in its case.
fn base_with(root: &Path, from: &str, to: &str) {
    base(root);
    edit(root, CASE, |text| text.replacen(from, to, 1));
}

/// The base site with `text` added at the end of its case's body.
fn base_plus(root: &Path, text: &str) {
    base(root);
    edit(root, CASE, |case| format!("{case}\n{text}\n"));
}

fn config_missing(root: &Path) {
    base(root);
    std::fs::remove_file(root.join("casebook.toml")).unwrap();
}

fn config_invalid(root: &Path) {
    base(root);
    edit(root, "casebook.toml", |text| {
        text.replace("base_url = \"https://bad.example.org/\"", "base_url = 42")
    });
}

/// A public address and no `[site.identity] icp`.
fn icp_missing(root: &Path) {
    base(root);
    edit(root, "casebook.toml", |text| {
        text.replace("https://bad.example.org/", "https://zlbg.sheitc.sh.gov.cn/")
    });
}

fn encoding_invalid(root: &Path) {
    base(root);
    // Bytes that are neither UTF-8 nor GBK (0xFF leads nothing in either).
    std::fs::write(root.join(CASE), b"---\nid: \xff\xff\xff\n---\n").unwrap();
}

fn file_unreadable(root: &Path) {
    base(root);
    // Links in content/ are not followed: reported, never read.
    std::os::unix::fs::symlink(
        "2023-001/index.md",
        root.join("content/cases/2023/2023-009.md"),
    )
    .unwrap();
}

fn file_too_large(root: &Path) {
    base(root);
    let padding = "正文。".repeat(4 * 1024 * 1024 / 9 + 1);
    edit(root, CASE, |text| format!("{text}\n{padding}\n"));
}

fn front_matter_list(root: &Path) {
    base(root);
    std::fs::write(
        root.join(CASE),
        "---\n- 上海测试有限公司\n- 2023\n---\n## 摘要\n\n摘要正文。\n",
    )
    .unwrap();
}

fn yaml_fullwidth_space(root: &Path) {
    base_with(root, "  name: ", "\u{3000}\u{3000}name: ");
}

fn yaml_tab_indent(root: &Path) {
    base_with(root, "  industry_code: C3973", "\tindustry_code: C3973");
}

fn field_type(root: &Path) {
    base_with(root, "year: 2023", "year: 2023\ndate: 2023年6月30日");
}

fn id_year_mismatch(root: &Path) {
    base_with(root, "year: 2023", "year: 2024");
}

fn year_implausible(root: &Path) {
    base_with(root, "year: 2023", "year: 1023");
}

fn section_unknown(root: &Path) {
    base_plus(root, "## 附录\n\n附录正文。");
}

fn section_empty(root: &Path) {
    base_with(root, "概况正文。\n", "");
}

fn figure_caption_missing(root: &Path) {
    base_with(root, "![生产线](line.png)", "![](line.png)");
}

fn table_caption_missing(root: &Path) {
    base_plus(
        root,
        "| 年度 | 一次合格率 |\n| --- | --- |\n| 2022 | 98.2% |",
    );
}

fn link_broken_file(root: &Path) {
    base_plus(root, "详见[检测报告](报告/检测报告.pdf)。");
}

fn link_scheme(root: &Path) {
    base_plus(root, "[点这里](javascript:alert(1))");
}

fn html_too_deep(root: &Path) {
    base_plus(
        root,
        &format!("{}深{}", "<span>".repeat(300), "</span>".repeat(300)),
    );
}

fn html_site_link(root: &Path) {
    base_plus(root, "<a href=\"/cases/\">全部案例</a>");
}

fn alias_invalid(root: &Path) {
    base_with(
        root,
        "status: approved",
        "status: approved\naliases: [\"https://elsewhere.example/a\"]",
    );
}

fn updated_invalid(root: &Path) {
    base_with(
        root,
        "status: approved",
        "status: approved\nupdated: \"2023-02-30\"",
    );
}

fn page_slug(root: &Path) {
    base(root);
    std::fs::create_dir_all(root.join("content/pages")).unwrap();
    std::fs::write(
        root.join("content/pages/notice.md"),
        "---\ntitle: 说明\nslug: 说明页\n---\n正文。\n",
    )
    .unwrap();
}

fn slug_collision(root: &Path) {
    // Two free-form methods with one ASCII slug.
    base_with(
        root,
        "status: approved",
        "status: approved\nmethods: [TQM, tqm]",
    );
}

fn output_collision(root: &Path) {
    // An alias is written where the search page goes.
    base_with(
        root,
        "status: approved",
        "status: approved\naliases: [\"/search/\"]",
    );
}

fn template_error(root: &Path) {
    base(root);
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(
        root.join("templates/index.html"),
        "{{ no_such_variable.field }}",
    )
    .unwrap();
}

fn url_removed(root: &Path) {
    base(root);
    let second = "content/cases/2023/2023-002.md";
    let case = std::fs::read_to_string(root.join(CASE)).unwrap();
    let case = case
        .replace("2023-001", "2023-002")
        .replace("![生产线](line.png)", "")
        .replace("上海测试有限公司", "上海另一测试有限公司");
    std::fs::write(root.join(second), case).unwrap();
    let first = build_site(root);
    assert_eq!(
        code(&first),
        0,
        "url-removed: first build: {}",
        stderr(&first)
    );
    std::fs::remove_file(root.join(second)).unwrap();
}

fn qr_code(root: &Path) {
    base(root);
    let long = format!("https://bad.example.org/{}/", "a".repeat(4000));
    edit(root, "casebook.toml", |text| {
        text.replace("https://bad.example.org/", &long)
    });
}

fn cover_small(root: &Path) {
    base_with(
        root,
        "status: approved",
        "status: approved\ncover: cover.png",
    );
    // A real PNG of 240×160, under the share card's 300 pixels a side.
    let file = std::fs::File::create(root.join("content/cases/2023/2023-001/cover.png")).unwrap();
    let mut encoder = png::Encoder::new(file, 240, 160);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&[200u8; 240 * 160]).unwrap();
}

fn data_export(root: &Path) {
    // An enterprise name past Excel's 32,767 characters a cell.
    let name = "长".repeat(33_000);
    base_with(root, "  name: 上海测试有限公司", &format!("  name: {name}"));
}

fn image_heavy(root: &Path) {
    base(root);
    let image = root.join("content/cases/2023/2023-001/line.png");
    let mut bytes = std::fs::read(&image).unwrap();
    bytes.resize(700 * 1024, 0);
    std::fs::write(&image, bytes).unwrap();
}

const BUNDLE: &str = "content/cases/2023/2023-001";

fn path_symlink(root: &Path) {
    base_plus(root, "![生产线](line-link.png)");
    std::os::unix::fs::symlink("line.png", root.join(BUNDLE).join("line-link.png")).unwrap();
}

fn attachment_type(root: &Path) {
    base_plus(root, "详见[说明](notes.html)。");
    std::fs::write(root.join(BUNDLE).join("notes.html"), "<script>1</script>").unwrap();
}

fn image_invalid(root: &Path) {
    base_plus(root, "![空白图](empty.png)");
    std::fs::write(root.join(BUNDLE).join("empty.png"), b"").unwrap();
}

fn bundle_ambiguous(root: &Path) {
    base(root);
    let single = std::fs::read_to_string(root.join(CASE)).unwrap();
    let single = single.replace("2023-001", "2023-002");
    std::fs::write(root.join(BUNDLE).join("2023-002.md"), single).unwrap();
}
