//! Integration tests of the diagnostics: each fixture under
//! `tests/fixtures/bad/` holds one kind of mistake. `casebook check --format
//! json` must report exactly the expected rule at the right file, line and
//! column, in Chinese; `check` and `build` must exit 1 when there is an
//! error (0 for warnings alone), and a failed build writes nothing.

mod common;

use common::*;

/// What one diagnostic must look like.
#[derive(Clone, Debug)]
struct Expect {
    rule: &'static str,
    error: bool,
    file: &'static str,
    line: usize,
    column: usize,
    /// Substrings the message must contain.
    message: Vec<&'static str>,
    /// Substrings the help must contain.
    help: Vec<&'static str>,
}

/// The file most fixtures consist of.
const CASE: &str = "content/cases/2023/2023-001.md";

fn error(rule: &'static str, file: &'static str, line: usize, column: usize) -> Expect {
    Expect {
        rule,
        error: true,
        file,
        line,
        column,
        message: Vec::new(),
        help: Vec::new(),
    }
}

fn warning(rule: &'static str, file: &'static str, line: usize, column: usize) -> Expect {
    Expect {
        error: false,
        ..error(rule, file, line, column)
    }
}

impl Expect {
    fn message(mut self, parts: &[&'static str]) -> Self {
        self.message.extend(parts);
        self
    }

    fn help(mut self, parts: &[&'static str]) -> Self {
        self.help.extend(parts);
        self
    }

    fn key(&self) -> (String, bool, String, usize, usize) {
        (
            self.rule.to_string(),
            self.error,
            self.file.to_string(),
            self.line,
            self.column,
        )
    }
}

fn key_of(d: &Diag) -> (String, bool, String, usize, usize) {
    (
        d.rule.clone(),
        d.is_error(),
        d.file.clone(),
        d.line,
        d.column,
    )
}

/// Check `tests/fixtures/bad/NAME` against `expected` (the complete list of
/// diagnostics), through `check --format json`, `check` and `build`.
fn run_bad_fixture(name: &str, expected: &[Expect]) {
    run_bad_site(&fixture(&format!("bad/{name}")), name, expected);
}

/// [`run_bad_fixture`] for a site anywhere (a fixture copied and changed).
fn run_bad_site(root: &std::path::Path, name: &str, expected: &[Expect]) {
    let root = root.to_path_buf();
    let has_errors = expected.iter().any(|e| e.error);
    let want_code = if has_errors { 1 } else { 0 };

    // JSON: exactly these diagnostics, in Chinese.
    let (check_code, diags) = check_json(&root);
    let mut got: Vec<_> = diags.iter().map(key_of).collect();
    let mut want: Vec<_> = expected.iter().map(Expect::key).collect();
    got.sort();
    want.sort();
    assert_eq!(
        got, want,
        "{name}: diagnostics (rule, is_error, file, line, column) differ; got {diags:#?}"
    );
    assert_eq!(check_code, want_code, "{name}: check exit code");
    for e in expected {
        let d = diags.iter().find(|d| key_of(d) == e.key()).unwrap();
        for part in &e.message {
            assert!(
                d.message.contains(part),
                "{name}: message {:?} lacks {part:?}",
                d.message
            );
        }
        let help = d.help.as_deref().unwrap_or("");
        for part in &e.help {
            assert!(help.contains(part), "{name}: help {help:?} lacks {part:?}");
        }
    }
    for d in &diags {
        assert!(has_cjk(&d.message), "{name}: message not in Chinese: {d:?}");
        let help = d.help.as_deref().unwrap_or_default();
        assert!(has_cjk(help), "{name}: no help in Chinese: {d:?}");
    }

    // Human format: the same exit code; each problem with its rule and
    // position.
    let human = casebook(["check".as_ref(), "--root".as_ref(), root.as_os_str()]);
    assert_eq!(code(&human), want_code, "{name}: check (human) exit code");
    let text = stderr(&human);
    for e in expected {
        assert!(text.contains(e.rule), "{name}: {} not in\n{text}", e.rule);
        let position = format!("{}:{}:{}", e.file, e.line, e.column);
        assert!(
            text.contains(&position),
            "{name}: {position} not in\n{text}"
        );
    }

    // Build: fails on errors and writes nothing; warnings alone don't stop it.
    let built = build(&root, &[]);
    assert_eq!(
        built.code, want_code,
        "{name}: build exit code\n{}",
        built.stderr
    );
    if has_errors {
        assert!(!built.out.exists(), "{name}: a failed build wrote output");
        assert!(
            built.stderr.contains("构建失败"),
            "{name}: {}",
            built.stderr
        );
    } else {
        assert!(built.exists("index.html"), "{name}: no output");
        assert!(built.stderr.contains("提醒"), "{name}: {}", built.stderr);
    }
}

#[test]
fn no_front_matter() {
    run_bad_fixture(
        "front-matter-missing",
        &[error("front-matter-missing", CASE, 1, 1).message(&["前置信息"])],
    );
}

#[test]
fn unclosed_front_matter() {
    run_bad_fixture(
        "front-matter-unclosed",
        &[error("front-matter-unclosed", CASE, 1, 1).help(&["---"])],
    );
}

#[test]
fn yaml_syntax_error_unquoted_colon_in_value() {
    // `title: 上海测试有限公司: 六西格玛经验`: column 16 is the second colon.
    run_bad_fixture(
        "yaml-syntax",
        &[error("yaml-syntax", CASE, 3, 16)
            .message(&["冒号"])
            .help(&["引号"])],
    );
}

#[test]
fn full_width_colon_after_key() {
    // `title：…`: column 6 is the full-width colon.
    run_bad_fixture(
        "yaml-fullwidth-colon",
        &[error("yaml-fullwidth-colon", CASE, 3, 6)
            .message(&["title", "全角冒号"])
            .help(&["title: "])],
    );
}

#[test]
fn gbk_encoded_file() {
    // Line 3 is `title: 上海…`; the first non-UTF-8 byte is character 8.
    run_bad_fixture(
        "encoding-gbk",
        &[error("encoding-gbk", CASE, 3, 8)
            .message(&["GBK"])
            .help(&["UTF-8"])],
    );
}

#[test]
fn missing_required_fields() {
    // A missing top-level field points at the start of the front matter; a
    // missing `enterprise.name` at `enterprise:`.
    let file = |f| error("field-missing", f, 2, 1);
    run_bad_fixture(
        "field-missing",
        &[
            file("content/cases/2023/missing-id.md").message(&["id"]),
            file("content/cases/2023/missing-title.md").message(&["title"]),
            error(
                "field-missing",
                "content/cases/2023/missing-enterprise-name.md",
                4,
                1,
            )
            .message(&["enterprise.name"]),
            file("content/cases/2023/missing-year.md").message(&["year"]),
            file("content/cases/2023/missing-status.md").message(&["status"]),
            file("content/cases/2023/missing-priority-area.md").message(&["priority_area"]),
            file("content/cases/2023/missing-industry.md").message(&["industry"]),
        ],
    );
}

#[test]
fn values_outside_the_configured_lists() {
    run_bad_fixture(
        "value-not-in-list",
        &[
            error("value-not-in-list", "content/cases/2023/bad-area.md", 7, 1)
                .message(&["priority_area", "促进产业发展"])
                .help(&["促进产业高质量发展"]),
            error(
                "value-not-in-list",
                "content/cases/2023/bad-industry.md",
                8,
                1,
            )
            .message(&["industry", "芯片"])
            .help(&["集成电路", "汽车"]),
            error(
                "value-not-in-list",
                "content/cases/2023/bad-district.md",
                9,
                1,
            )
            .message(&["district", "外滩区"])
            .help(&["浦东新区"]),
            error(
                "value-not-in-list",
                "content/cases/2023/bad-status.md",
                10,
                1,
            )
            .message(&["status", "published"])
            .help(&["approved", "national"]),
        ],
    );
}

#[test]
fn duplicate_ids_name_both_files() {
    // Reported on the second file (in path order), naming the first.
    run_bad_fixture(
        "id-duplicate",
        &[
            error("id-duplicate", "content/cases/2023/2023-001/index.md", 2, 1)
                .message(&["2023-001", "content/cases/2023/2023-001.md"]),
        ],
    );
}

// The duplicate is reported at its `id:` line (here line 3, after `title:`).
#[test]
fn duplicate_id_points_at_the_id_line() {
    run_bad_fixture(
        "id-duplicate-id-not-first",
        &[
            error("id-duplicate", "content/cases/2023/2023-001/index.md", 3, 1)
                .message(&["2023-001", "content/cases/2023/2023-001.md"]),
        ],
    );
}

#[test]
fn missing_required_section() {
    // Reported at the first body line.
    run_bad_fixture(
        "section-missing",
        &[error("section-missing", CASE, 12, 1).message(&["企业概况"])],
    );
}

#[test]
fn sections_out_of_order() {
    // `## 企业概况` (line 12) comes before `## 摘要` (line 16).
    run_bad_fixture(
        "section-order",
        &[error("section-order", CASE, 16, 1).message(&["摘要"])],
    );
}

#[test]
fn missing_image() {
    run_bad_fixture(
        "image-missing",
        &[error("image-missing", CASE, 24, 1).message(&["nope.png"])],
    );
}

#[test]
fn remote_image() {
    run_bad_fixture(
        "image-remote",
        &[error("image-remote", CASE, 24, 1).message(&["https://cdn.example.com/yield.png"])],
    );
}

// Raw HTML `<img src="https://…">` is refused like a Markdown image.
#[test]
fn remote_image_in_raw_html() {
    run_bad_fixture(
        "image-remote-html",
        &[error("image-remote", CASE, 24, 1).message(&["https://cdn.example.com/yield.png"])],
    );
}

#[test]
fn image_path_with_parent_folder() {
    // `../secret.png` exists, but may not be referenced.
    run_bad_fixture(
        "path-outside",
        &[error("path-outside", CASE, 24, 1).message(&["../secret.png"])],
    );
}

#[test]
fn links_to_missing_and_draft_cases() {
    // Line 24: `参见[不存在的案例](/cases/2099-001/)和[草稿案例](/cases/2023-002/)。`
    run_bad_fixture(
        "link-broken-case",
        &[
            error("link-broken-case", CASE, 24, 3).message(&["2099-001", "不存在"]),
            error("link-broken-case", CASE, 24, 30).message(&["2023-002", "尚未发布"]),
        ],
    );
}

#[test]
fn links_to_pages_the_site_does_not_have() {
    // Line 24: `参见[关于本站](/aboutt/)、[行业列表](/industries/)和[本站首页](/)。`
    // Only the first is broken; `check` runs the whole build but the write.
    run_bad_fixture(
        "link-broken",
        &[error("link-broken", CASE, 24, 3).message(&["/aboutt/", "不存在"])],
    );
}

#[test]
fn unknown_field_is_a_warning_with_the_closest_field() {
    run_bad_fixture(
        "field-unknown",
        &[warning("field-unknown", CASE, 10, 1)
            .message(&["honours"])
            .help(&["honors"])],
    );
}

#[test]
fn metric_arrays_of_unequal_length() {
    // `    values: [95.1, 96.8]` on line 15 against three years.
    run_bad_fixture(
        "metric-invalid",
        &[error("metric-invalid", CASE, 15, 5).message(&["一次合格率", "values"])],
    );
}

// A problem in the second metric is reported at its own line (19), not the
// first metric's (15).
#[test]
fn metric_problem_points_at_its_own_metric() {
    run_bad_fixture(
        "metric-invalid-second",
        &[error("metric-invalid", CASE, 19, 5).message(&["客户投诉率", "values"])],
    );
}

#[test]
fn invalid_id_format() {
    run_bad_fixture(
        "id-format",
        &[error("id-format", CASE, 2, 1)
            .message(&["2023-01"])
            .help(&["2023-001"])],
    );
}

#[test]
fn every_bad_fixture_is_tested() {
    // A fixture added without a test would silently test nothing.
    let tested = [
        "case-duplicate",
        "encoding-gbk",
        "field-missing",
        "field-unknown",
        "front-matter-missing",
        "front-matter-unclosed",
        "id-duplicate",
        "id-duplicate-id-not-first",
        "id-format",
        "image-heavy",
        "image-missing",
        "image-remote",
        "image-remote-html",
        "industry-code",
        "link-broken",
        "link-broken-case",
        "metric-invalid",
        "metric-invalid-second",
        "path-outside",
        "results-comparison",
        "results-data",
        "section-missing",
        "section-order",
        "section-too-long",
        "title-shape",
        "title-too-long",
        "typography",
        "value-not-in-list",
        "yaml-fullwidth-colon",
        "yaml-syntax",
    ];
    let mut present: Vec<String> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(present, tested);
}

// The programme's writing rules (申报材料编写说明). Each has a failing
// fixture here; `rulebook-good` holds cases at the edge of every rule that
// pass them all.

#[test]
fn rulebook_good_fixture_passes_every_rule() {
    let (code, diags) = check_json(&fixture("rulebook-good"));
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(code, 0);
}

#[test]
fn title_over_forty_characters() {
    run_bad_fixture(
        "title-too-long",
        &[error("title-too-long", CASE, 3, 1)
            .message(&["47 字", "40 字"])
            .help(&["企业+典型方法技术+经验"])],
    );
}

#[test]
fn title_without_experience_or_enterprise() {
    run_bad_fixture(
        "title-shape",
        &[
            warning("title-shape", CASE, 3, 1).message(&["经验"]),
            warning("title-shape", "content/cases/2023/2023-002.md", 3, 1)
                .message(&["上海测试有限公司"])
                .help(&["short_name"]),
        ],
    );
}

#[test]
fn section_over_its_character_limit() {
    // 摘要 (heading on line 19): 499 visible characters of text and a
    // subheading `### 一、小结` of 4, which counts.
    run_bad_fixture(
        "section-too-long",
        &[error("section-too-long", CASE, 19, 1)
            .message(&["摘要", "503 字", "500 字", "多 3 字"])
            .help(&["标点各计 1"])],
    );
}

#[test]
fn industry_code_not_gb_t_4754() {
    run_bad_fixture(
        "industry-code",
        &[
            error("industry-code", CASE, 6, 3)
                .message(&["3973"])
                .help(&["C3973"]),
            error("industry-code", "content/cases/2023/2023-002.md", 6, 3)
                .message(&["C6520", "65"]),
        ],
    );
}

#[test]
fn results_without_three_years_of_data() {
    run_bad_fixture(
        "results-data",
        &[
            warning("results-data", CASE, 2, 1).message(&["metrics"]),
            warning("results-data", "content/cases/2023/2023-002.md", 12, 1)
                .message(&["连续三年"])
                .help(&["years"]),
        ],
    );
}

#[test]
fn results_without_comparison() {
    run_bad_fixture(
        "results-comparison",
        &[warning("results-comparison", CASE, 12, 1).help(&["competitor", "benchmark"])],
    );
}

#[test]
fn same_enterprise_and_title_twice() {
    run_bad_fixture(
        "case-duplicate",
        &[error(
            "case-duplicate",
            "content/cases/2023/2023-009/index.md",
            3,
            1,
        )
        .message(&["上海测试有限公司", "content/cases/2023/2023-001.md"])],
    );
}

#[test]
fn typography_slips_at_their_columns() {
    // Line 29: `公司成立于2012年,主要产品:射频模块。`
    // Line 31: `引入ＴＰＭ管理，，一次合格率提升到９８％。`
    // Line 33: `### `; line 35: `做法正文。 `; line 37: a comma in link
    // text counts, the ones in code and in the URL do not.
    run_bad_fixture(
        "typography",
        &[
            warning("punct-half-width", CASE, 29, 11).help(&["，"]),
            warning("punct-half-width", CASE, 29, 16).help(&["："]),
            warning("char-full-width", CASE, 31, 3)
                .message(&["ＴＰＭ"])
                .help(&["TPM"]),
            warning("punct-doubled", CASE, 31, 8).message(&["，，"]),
            warning("char-full-width", CASE, 31, 18).help(&["98"]),
            warning("heading-empty", CASE, 33, 1),
            warning("trailing-space", CASE, 35, 6),
            warning("punct-half-width", CASE, 37, 16),
        ],
    );
}

#[test]
fn heavy_image_warns_with_its_size() {
    // The shipped picture is small (no warning: see rulebook-good); grow a
    // copy past 500 KB. Bytes after a PNG's end are ignored by readers.
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("bad/image-heavy"), &root);
    let (code, diags) = check_json(&root);
    assert_eq!((code, diags.len()), (0, 0), "{diags:#?}");
    let image = root.join("content/cases/2023/2023-001/line.png");
    let mut bytes = std::fs::read(&image).unwrap();
    bytes.resize(600 * 1024, 0);
    std::fs::write(&image, bytes).unwrap();
    run_bad_site(
        &root,
        "image-heavy",
        &[
            warning("image-heavy", "content/cases/2023/2023-001/index.md", 31, 8)
                .message(&["line.png", "600 KB", "500 KB"]),
        ],
    );
}

#[test]
fn fix_applies_only_the_safe_fixes() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("bad/typography"), &root);
    let file = root.join(CASE);
    let before = std::fs::read_to_string(&file).unwrap();
    let output = casebook([
        "check".as_ref(),
        "--fix".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    let text = stderr(&output);
    assert_eq!(code(&output), 0, "{text}");
    let after = std::fs::read_to_string(&file).unwrap();
    let expected = before
        .replace("2012年,主要产品:射频", "2012年，主要产品：射频")
        .replace("ＴＰＭ", "TPM")
        .replace("到９８％", "到98％")
        .replace("做法正文。 \n", "做法正文。\n")
        .replace("[质量,标杆]", "[质量，标杆]");
    assert_eq!(after, expected);
    // Each change is printed with its place; the rest is reported again.
    for change in [
        "content/cases/2023/2023-001.md:29:11 “,” → “，”",
        "content/cases/2023/2023-001.md:31:3 “ＴＰＭ” → “TPM”",
        "content/cases/2023/2023-001.md:35:6 删去行尾空白",
    ] {
        assert!(text.contains(change), "{change} not in\n{text}");
    }
    assert!(text.contains("修改了 6 处"), "{text}");
    let (_, diags) = check_json(&root);
    let rules: Vec<&str> = diags.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(rules, ["punct-doubled", "heading-empty"]);
    // A second run has nothing left to fix and changes nothing.
    let again = casebook([
        "check".as_ref(),
        "--fix".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    assert!(stderr(&again).contains("修改了 0 处"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn fix_keeps_crlf_and_bom() {
    // A BOM, CRLF line ends and one bare LF (line 21): every byte but the
    // slips' stays as it is.
    const BEFORE: &str = "\u{feff}---\r\n\
        id: \"2023-001\"\r\n\
        title: 上海测试有限公司实施六西格玛的经验\r\n\
        enterprise:\r\n  name: 上海测试有限公司\r\n\
        year: 2023\r\npriority_area: 促进产业高质量发展\r\n\
        industry: 集成电路\r\ndistrict: 浦东新区\r\nstatus: approved\r\n\
        ---\r\n## 摘要\r\n\r\n摘要正文。\r\n\r\n## 企业概况\r\n\r\n概况正文。\r\n\r\n\
        ## 管理方法（技术）的推进和应用情况\r\n\r\n\
        公司成立于2012年,主要产品:射频模块。\r\n\
        引入ＴＰＭ管理，一次合格率提升到９８％。 \n\
        \r\n## 管理方法（技术）的实施效果\r\n\r\n效果正文。\r\n";
    const AFTER: &str = "\u{feff}---\r\n\
        id: \"2023-001\"\r\n\
        title: 上海测试有限公司实施六西格玛的经验\r\n\
        enterprise:\r\n  name: 上海测试有限公司\r\n\
        year: 2023\r\npriority_area: 促进产业高质量发展\r\n\
        industry: 集成电路\r\ndistrict: 浦东新区\r\nstatus: approved\r\n\
        ---\r\n## 摘要\r\n\r\n摘要正文。\r\n\r\n## 企业概况\r\n\r\n概况正文。\r\n\r\n\
        ## 管理方法（技术）的推进和应用情况\r\n\r\n\
        公司成立于2012年，主要产品：射频模块。\r\n\
        引入TPM管理，一次合格率提升到98％。\n\
        \r\n## 管理方法（技术）的实施效果\r\n\r\n效果正文。\r\n";
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("bad/typography"), &root);
    let file = root.join(CASE);
    std::fs::write(&file, BEFORE).unwrap();
    let output = casebook([
        "check".as_ref(),
        "--fix".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    assert!(
        stderr(&output).contains("修改了 5 处"),
        "{}",
        stderr(&output)
    );
    let after = std::fs::read(&file).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&after),
        AFTER,
        "the bytes after --fix differ"
    );
    assert_eq!(after, AFTER.as_bytes());
}

#[test]
fn sarif_output_is_a_valid_log() {
    let root = fixture("bad/typography");
    let output = casebook([
        "check".as_ref(),
        "--format".as_ref(),
        "sarif".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    assert_eq!(code(&output), 0);
    let log: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "casebook");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    for result in results {
        let id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id);
        assert_eq!(result["level"], "warning");
        assert!(has_cjk(result["message"]["text"].as_str().unwrap()));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], CASE);
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 29);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let first = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (first["startLine"].as_u64(), first["startColumn"].as_u64()),
        (Some(29), Some(11))
    );
}

#[test]
fn sites_turn_writing_rules_off_but_not_others() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("bad/results-comparison"), &root);
    let config = root.join("casebook.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{base}\n[check]\nallow = [\"results-comparison\"]\n"),
    )
    .unwrap();
    let (code, diags) = check_json(&root);
    assert_eq!((code, diags.len()), (0, 0), "{diags:#?}");
    std::fs::write(
        &config,
        format!("{base}\n[check]\nallow = [\"section-too-long\"]\n"),
    )
    .unwrap();
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    assert_eq!(diags[0].rule, "config-invalid");
    assert!(diags[0].message.contains("section-too-long"));
}

#[test]
fn editors_guide_lists_every_rule() {
    let guide = std::fs::read_to_string(repo_root().join("docs/editors.md")).unwrap();
    for (id, _) in casebook::diagnostics::rules::ALL {
        assert!(
            guide.contains(&format!("`{id}`")),
            "the rule table of docs/editors.md lacks {id}"
        );
    }
}
