//! Diagnostics: what is wrong, in which file, where, and how to fix it.
//!
//! Every phase reports problems as [`Diagnostic`] values instead of failing
//! on the first one, so an editor sees all of a file's problems at once.
//! Content diagnostics are written in Chinese (the editors read them) and
//! carry a stable rule id from [`rules`] that tools and docs can refer to.

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
    pub const SECTION_MISSING: &str = "section-missing";
    pub const SECTION_ORDER: &str = "section-order";
    pub const SECTION_UNKNOWN: &str = "section-unknown";
    pub const SECTION_EMPTY: &str = "section-empty";
    pub const IMAGE_MISSING: &str = "image-missing";
    pub const IMAGE_REMOTE: &str = "image-remote";
    pub const PATH_OUTSIDE: &str = "path-outside";
    pub const FIGURE_CAPTION_MISSING: &str = "figure-caption-missing";
    pub const TABLE_CAPTION_MISSING: &str = "table-caption-missing";
    pub const LINK_BROKEN_CASE: &str = "link-broken-case";
    pub const LINK_BROKEN_FILE: &str = "link-broken-file";
    pub const LINK_BROKEN: &str = "link-broken";
    pub const ALIAS_INVALID: &str = "alias-invalid";
    pub const PAGE_SLUG: &str = "page-slug";
    pub const SLUG_COLLISION: &str = "slug-collision";
    pub const OUTPUT_COLLISION: &str = "output-collision";
    pub const TEMPLATE_ERROR: &str = "template-error";
    pub const SEARCH_INDEX: &str = "search-index";
    pub const URL_REMOVED: &str = "url-removed";
    pub const QR_CODE: &str = "qr-code";
    pub const COVER_SMALL: &str = "cover-small";
    pub const DATA_EXPORT: &str = "data-export";
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
    let source = (d.line > 0)
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
    fn json_has_rule_and_position() {
        let d = Diagnostic::error(rules::FIELD_MISSING, "content/cases/a.md", "缺少字段").at(2, 1);
        let json = to_json(&[d]);
        assert!(json.contains("\"rule\": \"field-missing\""));
        assert!(json.contains("\"line\": 2"));
        assert!(json.contains("\"severity\": \"error\""));
    }
}
