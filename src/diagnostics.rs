//! Diagnostics: what is wrong, in which file, where, and how to fix it.
//!
//! Every phase reports problems as [`Diagnostic`] values instead of failing
//! on the first one, so an editor sees all of a file's problems at once.
//! Content diagnostics are written in Chinese (the editors read them) and
//! carry a stable rule id from [`rules`] that tools and docs can refer to.
//! A new rule gets a const, an entry in `rules::ALL`, and one line in
//! `tests/rules.rs`'s `TRIGGERS` with a function building content that
//! triggers it (that test fails for any rule without one).

use std::io::{self, IsTerminal};
use std::path::Path;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{
    self,
    termcolor::{Buffer, ColorChoice, StandardStream, WriteColor},
};
use serde::Serialize;

/// Stable rule ids. Renaming one breaks editors' scripts: add, never rename.
pub mod rules {
    pub const CONFIG_MISSING: &str = "config-missing";
    pub const CONFIG_INVALID: &str = "config-invalid";
    pub const ENCODING_GBK: &str = "encoding-gbk";
    pub const ENCODING_INVALID: &str = "encoding-invalid";
    pub const FILE_UNREADABLE: &str = "file-unreadable";
    pub const FILE_TOO_LARGE: &str = "file-too-large";
    pub const FRONT_MATTER_MISSING: &str = "front-matter-missing";
    pub const FRONT_MATTER_UNCLOSED: &str = "front-matter-unclosed";
    pub const FRONT_MATTER_NOT_MAPPING: &str = "front-matter-not-mapping";
    pub const YAML_SYNTAX: &str = "yaml-syntax";
    pub const YAML_FULLWIDTH_COLON: &str = "yaml-fullwidth-colon";
    pub const YAML_FULLWIDTH_SPACE: &str = "yaml-fullwidth-space";
    pub const YAML_TAB_INDENT: &str = "yaml-tab-indent";
    pub const FIELD_MISSING: &str = "field-missing";
    pub const FIELD_TYPE: &str = "field-type";
    pub const FIELD_UNKNOWN: &str = "field-unknown";
    pub const VALUE_NOT_IN_LIST: &str = "value-not-in-list";
    pub const ID_FORMAT: &str = "id-format";
    pub const ID_YEAR_MISMATCH: &str = "id-year-mismatch";
    pub const ID_DUPLICATE: &str = "id-duplicate";
    pub const YEAR_IMPLAUSIBLE: &str = "year-implausible";
    pub const METRIC_INVALID: &str = "metric-invalid";
    pub const METRIC_YEARS: &str = "metric-years";
    pub const SECTION_MISSING: &str = "section-missing";
    pub const SECTION_ORDER: &str = "section-order";
    pub const SECTION_UNKNOWN: &str = "section-unknown";
    pub const SECTION_UNSORTED: &str = "section-unsorted";
    pub const SECTION_EMPTY: &str = "section-empty";
    pub const IMAGE_MISSING: &str = "image-missing";
    pub const IMAGE_REMOTE: &str = "image-remote";
    pub const PATH_OUTSIDE: &str = "path-outside";
    pub const PATH_SYMLINK: &str = "path-symlink";
    pub const ATTACHMENT_TYPE: &str = "attachment-type";
    pub const IMAGE_INVALID: &str = "image-invalid";
    pub const BUNDLE_AMBIGUOUS: &str = "bundle-ambiguous";
    pub const FIGURE_CAPTION_MISSING: &str = "figure-caption-missing";
    pub const TABLE_CAPTION_MISSING: &str = "table-caption-missing";
    pub const LINK_BROKEN_CASE: &str = "link-broken-case";
    pub const LINK_BROKEN_FILE: &str = "link-broken-file";
    pub const LINK_BROKEN: &str = "link-broken";
    pub const LINK_SCHEME: &str = "link-scheme";
    pub const LINK_DOT_SEGMENT: &str = "link-dot-segment";
    pub const HTML_TOO_DEEP: &str = "html-too-deep";
    pub const HTML_SITE_LINK: &str = "html-site-link";
    pub const ALIAS_INVALID: &str = "alias-invalid";
    pub const PAGE_SLUG: &str = "page-slug";
    pub const SLUG_COLLISION: &str = "slug-collision";
    pub const OUTPUT_COLLISION: &str = "output-collision";
    pub const TEMPLATE_ERROR: &str = "template-error";
    pub const SEARCH_INDEX: &str = "search-index";
    pub const BOOK_TYPESET: &str = "book-typeset";
    pub const URL_REMOVED: &str = "url-removed";
    pub const QR_CODE: &str = "qr-code";
    pub const POSTER_FONT: &str = "poster-font";
    pub const COVER_SMALL: &str = "cover-small";
    pub const DATA_EXPORT: &str = "data-export";
    // The programme's writing rules (申报材料编写说明), checked for the
    // submission desk.
    pub const TITLE_TOO_LONG: &str = "title-too-long";
    pub const TITLE_SHAPE: &str = "title-shape";
    pub const SECTION_TOO_LONG: &str = "section-too-long";
    pub const INDUSTRY_CODE: &str = "industry-code";
    pub const RESULTS_DATA: &str = "results-data";
    pub const RESULTS_COMPARISON: &str = "results-comparison";
    pub const IMAGE_HEAVY: &str = "image-heavy";
    pub const PUNCT_HALF_WIDTH: &str = "punct-half-width";
    pub const CHAR_FULL_WIDTH: &str = "char-full-width";
    pub const PUNCT_DOUBLED: &str = "punct-doubled";
    pub const HEADING_EMPTY: &str = "heading-empty";
    pub const TRAILING_SPACE: &str = "trailing-space";
    pub const CASE_DUPLICATE: &str = "case-duplicate";
    pub const ICP_MISSING: &str = "icp-missing";
    pub const UPDATED_INVALID: &str = "updated-invalid";

    /// Every rule with a one-line description (for SARIF and the docs).
    pub const ALL: &[(&str, &str)] = &[
        (CONFIG_MISSING, "找不到站点配置文件 casebook.toml"),
        (CONFIG_INVALID, "站点配置文件格式或取值有误"),
        (ENCODING_GBK, "文件是 GBK/GB18030 编码，不是 UTF-8"),
        (ENCODING_INVALID, "文件不是 UTF-8 文本"),
        (FILE_UNREADABLE, "文件无法读取"),
        (FILE_TOO_LARGE, "内容文件超过大小上限"),
        (FRONT_MATTER_MISSING, "文件开头没有前置信息"),
        (FRONT_MATTER_UNCLOSED, "前置信息没有用 --- 结束"),
        (FRONT_MATTER_NOT_MAPPING, "前置信息不是“字段: 值”的形式"),
        (YAML_SYNTAX, "前置信息的 YAML 语法错误"),
        (YAML_FULLWIDTH_COLON, "字段名后用了全角冒号"),
        (YAML_FULLWIDTH_SPACE, "用全角空格缩进"),
        (YAML_TAB_INDENT, "用制表符缩进"),
        (FIELD_MISSING, "缺少必填字段"),
        (FIELD_TYPE, "字段的值类型不对"),
        (FIELD_UNKNOWN, "未知字段"),
        (VALUE_NOT_IN_LIST, "取值不在配置的列表中"),
        (ID_FORMAT, "案例编号格式不对"),
        (ID_YEAR_MISMATCH, "案例编号的年份与 year 不一致"),
        (ID_DUPLICATE, "案例编号重复"),
        (YEAR_IMPLAUSIBLE, "年度不合理"),
        (METRIC_INVALID, "指标数据不完整或长度不一致"),
        (METRIC_YEARS, "指标年份没有从早到晚排列或有重复"),
        (SECTION_MISSING, "缺少规定章节"),
        (SECTION_ORDER, "章节重复或顺序不对"),
        (SECTION_UNKNOWN, "二级标题不是规定章节"),
        (SECTION_UNSORTED, "导入时未能归类的文字还没有移到规定章节"),
        (SECTION_EMPTY, "规定章节没有内容"),
        (IMAGE_MISSING, "找不到图片"),
        (IMAGE_REMOTE, "图片来自其他网站"),
        (PATH_OUTSIDE, "路径指向站点目录之外"),
        (
            PATH_SYMLINK,
            "引用的图片或附件是符号链接（或在链接的文件夹里）",
        ),
        (
            ATTACHMENT_TYPE,
            "图片或附件的类型不能发布（网页、SVG、脚本等），或内容与扩展名不符",
        ),
        (
            IMAGE_INVALID,
            "图片是空文件、已损坏，或文件头声称的尺寸不合理",
        ),
        (
            BUNDLE_AMBIGUOUS,
            "index.md 所在文件夹里还有其他案例文件，无法确定哪些是案例",
        ),
        (FIGURE_CAPTION_MISSING, "图没有图题"),
        (TABLE_CAPTION_MISSING, "表没有表题"),
        (LINK_BROKEN_CASE, "链接到不存在或未发布的案例"),
        (LINK_SCHEME, "链接使用了不安全的协议（如 javascript:）"),
        (LINK_DOT_SEGMENT, "站内链接含 . 或 .. 路径段（或反斜杠）"),
        (HTML_TOO_DEEP, "正文 HTML 标签嵌套过深"),
        (
            HTML_SITE_LINK,
            "HTML 标签里写了站内地址（应改用 Markdown 写法）",
        ),
        (LINK_BROKEN_FILE, "链接到不存在的文件"),
        (LINK_BROKEN, "站内链接指向不存在的页面"),
        (ALIAS_INVALID, "旧网址不能用作跳转"),
        (PAGE_SLUG, "页面网址名无效或被占用"),
        (SLUG_COLLISION, "两个分类词条的网址名相同"),
        (OUTPUT_COLLISION, "两个输出文件路径相同"),
        (TEMPLATE_ERROR, "模板错误"),
        (SEARCH_INDEX, "无法生成搜索索引（内部故障，内容无法触发）"),
        (BOOK_TYPESET, "年度汇编排版失败（内部故障，内容无法触发）"),
        (URL_REMOVED, "上次发布的网址将消失"),
        (QR_CODE, "无法生成二维码"),
        (
            POSTER_FONT,
            "系统缺少生成分享海报所需的中文字体，或海报无法绘制（运行环境的问题，内容无法触发）",
        ),
        (COVER_SMALL, "封面图片太小，不够做微信分享卡片"),
        (DATA_EXPORT, "无法导出数据文件"),
        (TITLE_TOO_LONG, "质量标杆名称超过 40 字"),
        (TITLE_SHAPE, "名称不是“企业+方法+经验”的形式"),
        (SECTION_TOO_LONG, "章节字数超过上限"),
        (INDUSTRY_CODE, "行业代码不符合 GB/T 4754-2017"),
        (RESULTS_DATA, "实施效果缺少连续三年的指标数据"),
        (RESULTS_COMPARISON, "指标没有与竞争对手或标杆比较"),
        (IMAGE_HEAVY, "图片过大，手机加载慢"),
        (PUNCT_HALF_WIDTH, "中文句子里用了半角标点"),
        (CHAR_FULL_WIDTH, "用了全角数字或字母"),
        (PUNCT_DOUBLED, "标点重复"),
        (HEADING_EMPTY, "空标题"),
        (TRAILING_SPACE, "行尾有多余空格"),
        (CASE_DUPLICATE, "同一企业的同名案例出现两次"),
        (ICP_MISSING, "公开网站没有填写 ICP 备案号"),
        (UPDATED_INVALID, "更新日期（updated）写错或早于发布日期"),
    ];

    /// Rules a site may turn off in `casebook.toml` (`[check] allow`):
    /// the writing rules, whose findings never stop a build from being
    /// correct.
    pub const ALLOWABLE: &[&str] = &[
        ICP_MISSING,
        TITLE_SHAPE,
        RESULTS_DATA,
        RESULTS_COMPARISON,
        IMAGE_HEAVY,
        COVER_SMALL,
        PUNCT_HALF_WIDTH,
        CHAR_FULL_WIDTH,
        PUNCT_DOUBLED,
        HEADING_EMPTY,
        TRAILING_SPACE,
        SECTION_UNKNOWN,
        FIELD_UNKNOWN,
        ID_YEAR_MISMATCH,
        FIGURE_CAPTION_MISSING,
        TABLE_CAPTION_MISSING,
    ];

    /// The description of a rule id.
    pub fn describe(id: &str) -> Option<&'static str> {
        ALL.iter().find(|(rule, _)| *rule == id).map(|(_, d)| *d)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in the input.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    /// Stable rule id, one of [`rules`].
    pub rule: &'static str,
    pub severity: Severity,
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes).
    pub column: usize,
    /// How many characters the problem spans (for the snippet's marker).
    #[serde(skip)]
    pub length: usize,
    /// Whether people may be shown the source line (not when it may hold
    /// a secret, such as a key typed into `casebook.toml`).
    #[serde(skip)]
    pub quote_source: bool,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(rule: &'static str, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Error,
            file: file.to_string(),
            line: 0,
            column: 0,
            length: 1,
            quote_source: true,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(rule: &'static str, file: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(rule, file, message)
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// Never print the source line (it may hold a secret).
    pub fn unquoted(mut self) -> Self {
        self.quote_source = false;
        self
    }

    pub fn spanning(mut self, length: usize) -> Self {
        self.length = length.max(1);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sort diagnostics by file and position. The sort is stable, so problems
/// at one place keep the order in which they were found.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

pub fn count_errors(diagnostics: &[Diagnostic]) -> usize {
    diagnostics.iter().filter(|d| d.is_error()).count()
}

/// Print diagnostics for people: a header, the source line with the span
/// marked, and the fix, like a compiler. Colour only on a terminal.
pub fn print_human(diagnostics: &[Diagnostic], root: &Path) {
    let choice = if io::stderr().is_terminal() {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    };
    let stream = StandardStream::stderr(choice);
    let mut out = stream.lock();
    for d in diagnostics {
        let _ = write_one(&mut out, d, root);
    }
}

/// The human format as a plain string (for tests and the serve overlay).
pub fn render_human(diagnostics: &[Diagnostic], root: &Path) -> String {
    let mut buffer = Buffer::no_color();
    for d in diagnostics {
        let _ = write_one(&mut buffer, d, root);
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// Diagnostics as a JSON array, for editors' tools.
pub fn to_json(diagnostics: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(diagnostics).expect("diagnostics serialize")
}

/// Diagnostics as a SARIF 2.1.0 log, for code-scanning tools and editors.
/// Every rule is listed in the driver; each result points at its rule by
/// id and index. Columns count Unicode code points, as ours do.
pub fn to_sarif(diagnostics: &[Diagnostic]) -> String {
    use serde_json::{json, Value};
    let rule_list: Vec<Value> = rules::ALL
        .iter()
        .map(|(id, text)| {
            json!({
                "id": id,
                "shortDescription": { "text": text },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\n修改建议：");
                text.push_str(help);
            }
            let mut location = json!({
                "artifactLocation": { "uri": d.file },
            });
            if d.line > 0 {
                location["region"] = json!({
                    "startLine": d.line,
                    "startColumn": d.column.max(1),
                    "endColumn": d.column.max(1) + d.length.max(1),
                });
            }
            let mut result = json!({
                "ruleId": d.rule,
                "level": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "message": { "text": text },
                "locations": [{ "physicalLocation": location }],
            });
            if let Some(index) = rules::ALL.iter().position(|(id, _)| *id == d.rule) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "casebook",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rule_list,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).expect("SARIF serializes")
}

fn write_one(out: &mut dyn WriteColor, d: &Diagnostic, root: &Path) -> io::Result<()> {
    let report = match d.severity {
        Severity::Error => Report::error(),
        Severity::Warning => Report::warning(),
    }
    .with_code(d.rule)
    .with_message(&d.message);
    let notes: Vec<String> = d
        .help
        .iter()
        .map(|help| format!("修改建议：{help}"))
        .collect();
    let config = term::Config::default();

    // Show the source line when the file is readable text and the position
    // falls inside it; otherwise fall back to a `file:line:column` line.
    let source = (d.line > 0 && d.quote_source)
        .then(|| std::fs::read(root.join(&d.file)).ok())
        .flatten()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .map(|s| s.trim_start_matches('\u{feff}').replace("\r\n", "\n"));
    if let Some(source) = source {
        if let Some(range) = byte_range(&source, d.line, d.column, d.length) {
            let file = SimpleFile::new(d.file.as_str(), source.as_str());
            let report = report
                .with_labels(vec![Label::primary((), range)])
                .with_notes(notes);
            return term::emit(out, &config, &file, &report)
                .map_err(|e| io::Error::other(e.to_string()));
        }
    }
    let file = SimpleFile::new(d.file.as_str(), "");
    term::emit(out, &config, &file, &report).map_err(|e| io::Error::other(e.to_string()))?;
    if d.line > 0 {
        writeln!(out, "  ┌─ {}:{}:{}", d.file, d.line, d.column)?;
    } else {
        writeln!(out, "  ┌─ {}", d.file)?;
    }
    for note in notes {
        writeln!(out, "  = {note}")?;
    }
    writeln!(out)
}

/// Byte range of `length` characters starting at 1-based (`line`, `column`).
fn byte_range(
    source: &str,
    line: usize,
    column: usize,
    length: usize,
) -> Option<std::ops::Range<usize>> {
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let text = source.get(line_start..)?.split('\n').next()?;
    let col = column.max(1) - 1;
    let start = text
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let end = text[start..]
        .char_indices()
        .nth(length.max(1))
        .map(|(i, _)| start + i)
        .unwrap_or(text.len());
    if source[..line_start].matches('\n').count() + 1 != line {
        return None;
    }
    Some(line_start + start..line_start + end.max(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_range_counts_characters() {
        let src = "---\ntitle：某某\n---\n";
        // Column 6 is the full-width colon (3 bytes).
        let r = byte_range(src, 2, 6, 1).unwrap();
        assert_eq!(&src[r], "：");
        assert!(byte_range(src, 9, 1, 1).is_none());
    }

    #[test]
    fn every_rule_is_described_once() {
        let mut ids: Vec<&str> = rules::ALL.iter().map(|(id, _)| *id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "a rule is listed twice");
        for id in rules::ALLOWABLE {
            assert!(rules::describe(id).is_some(), "{id} not in rules::ALL");
        }
    }

    #[test]
    fn sarif_has_the_required_fields() {
        let d = Diagnostic::warning(rules::TRAILING_SPACE, "content/cases/a.md", "行尾空格")
            .at(3, 5)
            .help("删去");
        let whole = Diagnostic::error(rules::ENCODING_GBK, "content/cases/b.md", "GBK");
        let log: serde_json::Value = serde_json::from_str(&to_sarif(&[d, whole])).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "casebook");
        let rules_list = run["tool"]["driver"]["rules"].as_array().unwrap();
        let result = &run["results"][0];
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules_list[index]["id"], "trailing-space");
        assert_eq!(result["ruleId"], "trailing-space");
        assert_eq!(result["level"], "warning");
        assert!(result["message"]["text"].as_str().unwrap().contains("删去"));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "content/cases/a.md");
        assert_eq!(location["region"]["startLine"], 3);
        assert_eq!(location["region"]["startColumn"], 5);
        // A whole-file problem has no region (SARIF lines start at 1).
        let whole = &run["results"][1]["locations"][0]["physicalLocation"];
        assert!(whole.get("region").is_none());
        assert_eq!(run["results"][1]["level"], "error");
    }

    #[test]
    fn json_has_rule_and_position() {
        let d = Diagnostic::error(rules::FIELD_MISSING, "content/cases/a.md", "缺少字段").at(2, 1);
        let json = to_json(&[d]);
        assert!(json.contains("\"rule\": \"field-missing\""));
        assert!(json.contains("\"line\": 2"));
        assert!(json.contains("\"severity\": \"error\""));
    }
}
