//! `casebook compile`: load and check the site like `build`, render one
//! year's book, write its folder (atomically, like every output) to
//! `OUTPUT/compilation/{year}/`, and with `--pdf` print it to
//! `OUTPUT/compilation/{year}.pdf`. Nothing else in `OUTPUT` is touched, so
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
    /// `--pdf` without a Chromium to print with; nothing written.
    NoChromium,
    /// Chromium failed; the book's folder was written.
    Pdf(String),
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
        .unwrap_or_else(|| options.root.join("output"));
    crate::destination::check(&options.root, &out, crate::destination::Use::Books)
        .map_err(CompileError::Destination)?;
    let chromium = if options.pdf {
        Some(crate::pdf::find_chromium().ok_or(CompileError::NoChromium)?)
    } else {
        None
    };
    let request = crate::build::Request::new(&options.root, crate::build::Mode::Publish);
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
    crate::destination::claim(&out, "compilation").map_err(CompileError::Io)?;
    let folder = out.join(urls::book(options.year));
    let target = out.join(urls::book_pdf(options.year));
    // Printed beside the target, then moved in whole.
    let partial = target.with_extension("pdf.partial");

    // Chromium cannot number the table of contents (no target-counter()):
    // print, read where each part and case landed, print again with the
    // numbers (their space is kept free in the first printing, so nothing
    // moves); a third time if something did.
    let mut pages = BTreeMap::new();
    for _ in 0..3 {
        let files = render::render_book(&site, theme, options.year, options.pdf, &pages)
            .map_err(CompileError::Content)?;
        output::write_site(&folder, files).map_err(CompileError::Io)?;
        let Some(chromium) = &chromium else {
            break;
        };
        if let Err(message) = crate::pdf::print(chromium, &folder.join("index.html"), &partial) {
            let _ = std::fs::remove_file(&partial);
            return Err(CompileError::Pdf(message));
        }
        let bytes = std::fs::read(&partial).map_err(CompileError::Io)?;
        let found = crate::pdf::destination_pages(&bytes);
        if found == pages || found.is_empty() {
            break;
        }
        pages = found;
    }
    let pdf = match chromium {
        Some(_) => {
            std::fs::rename(&partial, &target).map_err(CompileError::Io)?;
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
