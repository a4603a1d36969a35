//! Parsing the preface of a year's book,
//! `content/compilation/{year}/preface.md`: Markdown, with optional front
//! matter holding only `title` (default 前言). The year is the folder name.

use super::fields::read_front_matter;
use super::{ParseOptions, Preface, SourceFile};
use crate::diagnostics::{rules, Diagnostic};
use crate::markdown;

const PREFACE_FIELDS: &[&str] = &["title"];
const DEFAULT_TITLE: &str = "前言";

pub fn parse(
    text: &str,
    source: SourceFile,
    options: &ParseOptions,
) -> (Option<Preface>, Vec<Diagnostic>) {
    let file = source.rel.as_str();
    let folder = source
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(year) = folder
        .parse::<i64>()
        .ok()
        .filter(|y| super::plausible_years().contains(y))
    else {
        let diag = Diagnostic::error(
            rules::YEAR_IMPLAUSIBLE,
            file,
            format!("汇编前言所在的目录名“{folder}”不是年度"),
        )
        .help("把前言放在 content/compilation/年度/preface.md，例如 content/compilation/2023/preface.md");
        return (None, vec![diag]);
    };

    let mut diagnostics = Vec::new();
    let (title, body, body_line) = if text.lines().next().map(str::trim_end) == Some("---") {
        let (split, map, mut fields) = match read_front_matter(text, file, PREFACE_FIELDS) {
            Ok(read) => read,
            Err(diags) => return (None, diags),
        };
        let title = fields.string(&map, &["title"]);
        diagnostics.extend(fields.diagnostics);
        (title, split.body, split.body_line)
    } else {
        (None, text, 1)
    };
    let page_path = format!("compilation/{year}/");
    let markdown_options = options.free_form_markdown(file, body_line, &source, &page_path);
    let (body, body_diagnostics) = markdown::render(body, &markdown_options);
    diagnostics.extend(body_diagnostics);
    let assets = body.assets.clone();
    let preface = Preface {
        source,
        year,
        title: title.unwrap_or_else(|| DEFAULT_TITLE.to_string()),
        body,
        assets,
    };
    (Some(preface), diagnostics)
}
