//! The annual book typeset as a PDF with Typst, used as a library: the
//! [`Book`] becomes Typst documents, one per piece (`document`, with the
//! page design in `book.typ` and each body's Markdown walked into markup by
//! `markup`), each compiled in memory against a [`world`] that holds the
//! system's fonts (`fonts`), the charts and QR codes, and the cases'
//! images; `compose` lays the pieces out in parallel and joins their pages
//! into the one document the PDF is written from. No other program and no
//! network access is needed. Content is only ever text to Typst
//! (`escape`); a Typst error names the case it came from.

mod compose;
pub mod cover;
mod document;
pub mod escape;
mod fonts;
mod markup;
mod world;

use typst::foundations::{Datetime, Smart};
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::book::Book;
use crate::diagnostics::{rules, Diagnostic};
use crate::site::Site;

pub use fonts::Families;

/// How to make the PDF.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// A screen PDF: no blank versos, cases on any page.
    pub single_sided: bool,
    /// PDF/A-2b, the archival format.
    pub pdf_a: bool,
    /// The cover picture, checked by [`cover::cover`].
    pub cover: Option<cover::Cover>,
}

#[derive(Debug)]
pub enum TypesetError {
    /// The configured fonts are not installed; the message names them.
    Fonts(String),
    /// Typst failed (a bug: content is escaped), named by case.
    Typst(Vec<Diagnostic>),
}

/// The PDF of `book`, and Typst's warnings (e.g. page references that did
/// not settle) as diagnostics.
pub fn pdf(
    site: &Site,
    book: &Book,
    options: Options,
) -> Result<(Vec<u8>, Vec<Diagnostic>), TypesetError> {
    let store = fonts::system();
    let families = fonts::choose(&store, &site.config.book).map_err(TypesetError::Fonts)?;
    let today = today();
    let settings = document::Settings {
        families: &families,
        double_sided: site.config.book.double_sided && !options.single_sided,
        date: format!("{}年{}月", today.0, today.1),
    };
    let prelude = document::prelude(site, book, &settings);
    let date = Datetime::from_ymd(today.0, today.1, today.2);
    let setter = compose::Typesetter::new(&store, date, settings.double_sided);
    let (compiled, warnings) = setter
        .book(site, book, &prelude, options.cover.as_ref())
        .map_err(|e| TypesetError::Typst(distinct(e)))?;
    let warnings = distinct(warnings);
    let standards = if options.pdf_a {
        PdfStandards::new(&[PdfStandard::A_2b]).expect("PDF/A-2b alone is valid")
    } else {
        PdfStandards::default()
    };
    let pdf_options = PdfOptions {
        ident: Smart::Custom(crate::book::title(book.year)),
        timestamp: date.map(Timestamp::new_utc),
        standards,
        ..PdfOptions::default()
    };
    let bytes = typst_pdf::pdf(&compiled, &pdf_options).map_err(|e| {
        TypesetError::Typst(distinct(
            e.iter()
                .map(|e| {
                    Diagnostic::error(
                        rules::BOOK_TYPESET,
                        "casebook.toml",
                        format!("年度汇编排版失败：{}", e.message),
                    )
                    .help("写出 PDF 时出错（这是 Casebook 的缺陷，请报告）")
                })
                .collect(),
        ))
    })?;
    Ok((bytes, warnings))
}

/// `diagnostics` with repeats left out: Typst reports one problem once per
/// place it is met (a layout pass, a repeated show rule), which would
/// print the same line to the editor a hundred times.
fn distinct(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut seen = std::collections::HashSet::new();
    diagnostics.retain(|d| seen.insert((d.file.clone(), d.line, d.column, d.message.clone())));
    diagnostics
}

/// Today's year, month and day (UTC), for the cover and the PDF's date.
fn today() -> (i32, u8, u8) {
    use chrono::Datelike;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let now = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
    (now.year(), now.month() as u8, now.day() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_typst_diagnostics_are_reported_once() {
        let problem =
            |message: &str| Diagnostic::error(rules::BOOK_TYPESET, "a.md", message.to_string());
        let reported = distinct(vec![
            problem("深度超限"),
            problem("深度超限"),
            problem("另一个"),
        ]);
        let messages: Vec<&str> = reported.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["深度超限", "另一个"]);
    }
}
