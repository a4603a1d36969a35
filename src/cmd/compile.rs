//! `casebook compile`: load and check the site like `build`, render one
//! year's book, write its folder (atomically, like every output) to
//! `OUTPUT/compilation/{year}/`, and with `--pdf` typeset it with Typst
//! (`typeset`) to `OUTPUT/compilation/{year}.pdf`. Nothing else in `OUTPUT` is touched, so
//! the default `ROOT/output` works with the site built there. `OUTPUT` must
//! be Casebook's (`destination`): absent, empty, or an earlier output.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostics::{self, Diagnostic};
use crate::output;
use crate::render;
use crate::urls;

pub struct CompileOptions {
    pub root: PathBuf,
    /// Defaults to `ROOT/output`.
    pub output: Option<PathBuf>,
    pub year: i64,
    pub pdf: bool,
    /// A screen PDF (no blank versos) rather than a double-sided book.
    pub single_sided: bool,
    /// The PDF in the archival PDF/A-2b format.
    pub pdf_a: bool,
}

#[derive(Debug)]
pub struct CompileReport {
    pub cases: usize,
    /// The book's folder (holding `index.html`).
    pub folder: PathBuf,
    pub pdf: Option<PathBuf>,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug)]
pub enum CompileError {
    /// The content has errors; nothing written.
    Content(Vec<Diagnostic>),
    /// No published case belongs to the year; the years that have a book.
    NoBook {
        year: i64,
        years: Vec<i64>,
    },
    /// `--pdf` without the fonts the book needs (the message names them
    /// and how to install them); nothing written.
    Fonts(String),
    /// Typst failed, by case (a bug); nothing written.
    Typeset(Vec<Diagnostic>),
    Io(std::io::Error),
    /// `OUTPUT` is not Casebook's to write into (`destination`); nothing
    /// read or written.
    Destination(String),
}

/// Write the book; the report names what was written.
pub fn run(options: &CompileOptions) -> Result<CompileReport, CompileError> {
    let out = options
        .output
        .clone()
        .unwrap_or_else(|| crate::destination::default_output(&options.root));
    crate::destination::check(&options.root, &out, crate::destination::Use::Books)
        .map_err(CompileError::Destination)?;
    let request = crate::build::Request {
        // The typeset book walks each body's Markdown.
        keep_markdown: options.pdf,
        ..crate::build::Request::new(&options.root, crate::build::Mode::Publish)
    };
    let loaded = crate::build::load(&request, &indicatif::ProgressBar::hidden())
        .map_err(CompileError::Content)?;
    let derived = loaded.derive().map_err(CompileError::Content)?;
    let (site, theme, mut diagnostics) = (derived.site, derived.theme, derived.warnings);
    diagnostics::sort(&mut diagnostics);
    let Some(book) = crate::book::book(&site, options.year) else {
        return Err(CompileError::NoBook {
            year: options.year,
            years: crate::book::years(&site),
        });
    };
    let cases = book.cases.len();
    // Typeset before writing anything: a missing font leaves no half output.
    let pdf_bytes = match options.pdf {
        true => {
            let (bytes, warnings) = typeset(&site, &book, options)?;
            diagnostics.extend(warnings);
            Some(bytes)
        }
        false => None,
    };
    crate::destination::claim(&out, "compilation").map_err(CompileError::Io)?;
    let folder = out.join(urls::book(options.year));
    let files = render::render_book(&site, theme, options.year, options.pdf, &BTreeMap::new())
        .map_err(CompileError::Content)?;
    output::write_site(&folder, files).map_err(CompileError::Io)?;
    let pdf = match pdf_bytes {
        Some(bytes) => {
            let target = out.join(urls::book_pdf(options.year));
            write_whole(&target, &bytes).map_err(CompileError::Io)?;
            Some(target)
        }
        None => None,
    };
    Ok(CompileReport {
        cases,
        folder,
        pdf,
        warnings: diagnostics,
    })
}

fn typeset(
    site: &crate::site::Site,
    book: &crate::book::Book,
    options: &CompileOptions,
) -> Result<(Vec<u8>, Vec<Diagnostic>), CompileError> {
    let cover = crate::typeset::cover::cover(&options.root, site.config.book.cover.as_deref())
        .map_err(|d| CompileError::Typeset(vec![d]))?;
    let typeset_options = crate::typeset::Options {
        single_sided: options.single_sided,
        pdf_a: options.pdf_a,
        cover,
    };
    crate::typeset::pdf(site, book, typeset_options).map_err(|e| match e {
        crate::typeset::TypesetError::Fonts(message) => CompileError::Fonts(message),
        crate::typeset::TypesetError::Typst(diagnostics) => CompileError::Typeset(diagnostics),
    })
}

/// Write `bytes` beside `target`, then move them in whole: a reader never
/// sees half a PDF.
fn write_whole(target: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let partial = target.with_extension("pdf.partial");
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, target).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })
}
