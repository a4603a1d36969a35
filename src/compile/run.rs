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
use crate::theme::Theme;

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

pub fn run(options: &CompileOptions) -> Result<CompileReport, CompileError> {
    let out = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("output"));
    crate::destination::check(&options.root, &out, crate::destination::Use::Books)
        .map_err(CompileError::Destination)?;
    let chromium = if options.pdf {
        Some(super::pdf::find_chromium().ok_or(CompileError::NoChromium)?)
    } else {
        None
    };
    let stop_on_errors = |mut diagnostics: Vec<Diagnostic>| {
        diagnostics::sort(&mut diagnostics);
        if diagnostics::count_errors(&diagnostics) > 0 {
            Err(CompileError::Content(diagnostics))
        } else {
            Ok(diagnostics)
        }
    };
    let loaded = crate::build::load(&options.root, None, &indicatif::ProgressBar::hidden())
        .map_err(CompileError::Content)?;
    let theme = Theme::load(&loaded.root);
    let (site, mut diagnostics) = crate::site::derive(&loaded.config, loaded.content, false);
    // The writing rules the site turned off, as `build` and `check` drop them.
    loaded.config.check.apply(&mut diagnostics);
    let theme = match theme {
        Ok(theme) => Some(theme),
        Err(problems) => {
            diagnostics.extend(problems);
            None
        }
    };
    let diagnostics = stop_on_errors(diagnostics)?;
    let theme = theme.expect("no errors means the theme loaded");
    let Some(book) = crate::book::book(&site, options.year) else {
        return Err(CompileError::NoBook {
            year: options.year,
            years: crate::book::years(&site),
        });
    };
    let cases = book.cases.len();
    crate::destination::claim(&out, "compilation").map_err(CompileError::Io)?;
    let folder = out.join(render::book_folder(options.year));
    let target = out.join(render::book_pdf_path(options.year));
    // Printed beside the target, then moved in whole.
    let partial = target.with_extension("pdf.partial");

    // Chromium cannot number the table of contents (no target-counter()):
    // print, read where each part and case landed, print again with the
    // numbers (their space is kept free in the first printing, so nothing
    // moves); a third time if something did.
    let mut pages = BTreeMap::new();
    for _ in 0..3 {
        let files = render::render_book(
            &site,
            &theme,
            &loaded.base_url,
            options.year,
            options.pdf,
            &pages,
        )
        .map_err(CompileError::Content)?;
        output::write_site(&folder, files).map_err(CompileError::Io)?;
        let Some(chromium) = &chromium else {
            break;
        };
        if let Err(message) = super::pdf::print(chromium, &folder.join("index.html"), &partial) {
            let _ = std::fs::remove_file(&partial);
            return Err(CompileError::Pdf(message));
        }
        let bytes = std::fs::read(&partial).map_err(CompileError::Io)?;
        let found = super::pdf::destination_pages(&bytes);
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
