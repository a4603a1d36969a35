//! The book's pieces laid out and joined into one document. Body pieces
//! (part title pages and cases) are laid out in parallel, a batch at a
//! time with Typst's caches emptied between batches, so memory holds the
//! finished pages and one batch's caches, never a layout of the whole
//! book. Once their lengths are known the body is numbered (blank versos
//! added in double-sided books, then a folio laid over each page), and the
//! front matter and the indices are set with the pages cases start on.

use std::collections::HashMap;

use rayon::prelude::*;
use typst::diag::SourceDiagnostic;
use typst::foundations::Datetime;
use typst::layout::{Frame, Point};
use typst::model::{Document as _, DocumentInfo};
use typst::utils::LazyHash;
use typst::{Library, WorldExt};
use typst_kit::fonts::FontStore;
use typst_layout::{Page, PagedDocument};

use super::cover::Cover;
use super::document::{self, Document, Opens, Start};
use super::world::{self, BookWorld};
use crate::book::Book;
use crate::diagnostics::{rules, Diagnostic, Severity};
use crate::site::Site;

/// Body pieces laid out between two evictions of Typst's caches: enough
/// to keep both cores busy, few enough that the caches stay small.
const BATCH: usize = 16;

/// What lays out pieces: the fonts, Typst's library, the date.
pub struct Typesetter<'f> {
    fonts: &'f FontStore,
    library: LazyHash<Library>,
    today: Option<Datetime>,
    double_sided: bool,
}

/// A piece's pages, its document metadata and Typst's warnings.
struct Laid {
    pages: Vec<Page>,
    info: DocumentInfo,
    warnings: Vec<Diagnostic>,
}

type Problems = Vec<Diagnostic>;

impl<'f> Typesetter<'f> {
    pub fn new(fonts: &'f FontStore, today: Option<Datetime>, double_sided: bool) -> Self {
        Typesetter {
            fonts,
            library: world::library(),
            today,
            double_sided,
        }
    }

    /// The whole book as one document, and the warnings of every piece.
    pub fn book(
        &self,
        site: &Site,
        book: &Book,
        prelude: &str,
        cover: Option<&Cover>,
    ) -> Result<(PagedDocument, Problems), Problems> {
        let mut warnings = Vec::new();
        let order = document::body(book);
        let pieces = self.body(site, book, prelude, &order, &mut warnings)?;
        let (body, starts) = self.number(prelude, &order, pieces, &mut warnings)?;
        let end = body.len();
        // Links into the body need the front matter's length: set it once
        // to learn it (links take no room), then with the links right.
        let front = |front_pages| {
            document::front(site, book, prelude, &starts, front_pages, cover)
                .map_err(|d| vec![d])
                .and_then(|doc| self.lay_out("front.typ", doc))
        };
        let front_pages = self.padded(front(0)?.pages.len());
        let mut front = front(front_pages)?;
        self.pad(&mut front.pages);
        let back = self.lay_out(
            "back.typ",
            document::back(book, prelude, &starts, end + 1, front.pages.len()),
        )?;
        warnings.extend(front.warnings);
        warnings.extend(back.warnings);
        let pages: Vec<Page> = front
            .pages
            .into_iter()
            .chain(body)
            .chain(back.pages)
            .collect();
        typst::comemo::evict(0);
        Ok((PagedDocument::new(pages.into(), front.info), warnings))
    }

    /// Every body piece's pages in reading order, laid out in parallel.
    fn body(
        &self,
        site: &Site,
        book: &Book,
        prelude: &str,
        order: &[Opens],
        warnings: &mut Problems,
    ) -> Result<Vec<Vec<Page>>, Problems> {
        let mut pieces = Vec::with_capacity(order.len());
        let mut errors = Vec::new();
        for (b, batch) in order.chunks(BATCH).enumerate() {
            let laid: Vec<Result<Laid, Problems>> = batch
                .par_iter()
                .enumerate()
                .map(|(k, &opens)| {
                    let doc =
                        document::body_piece(site, book, prelude, opens).map_err(|d| vec![d])?;
                    self.lay_out(&format!("piece-{}.typ", b * BATCH + k), doc)
                })
                .collect();
            typst::comemo::evict(1);
            for result in laid {
                match result {
                    Ok(laid) => {
                        warnings.extend(laid.warnings);
                        pieces.push(laid.pages);
                    }
                    Err(problems) => errors.extend(problems),
                }
            }
        }
        if errors.is_empty() {
            Ok(pieces)
        } else {
            Err(errors)
        }
    }

    /// The body's pages numbered from 1, each piece on a recto when
    /// printing on both sides, with the folio each piece starts on.
    fn number(
        &self,
        prelude: &str,
        order: &[Opens],
        pieces: Vec<Vec<Page>>,
        warnings: &mut Problems,
    ) -> Result<(Vec<Page>, HashMap<Opens, Start>), Problems> {
        let mut starts = HashMap::new();
        let mut body = Vec::new();
        let mut blank = Vec::new();
        for (&opens, mut pages) in order.iter().zip(pieces) {
            starts.insert(opens, body.len() + 1);
            body.append(&mut pages);
            if self.pad(&mut body) {
                blank.push(body.len() - 1);
            }
        }
        let folios = self.lay_out("folios.typ", document::folios(prelude, body.len()))?;
        warnings.extend(folios.warnings);
        if folios.pages.len() != body.len() {
            return Err(vec![Diagnostic::error(
                rules::BOOK_TYPESET,
                "casebook.toml",
                format!(
                    "年度汇编排版失败：页码 {} 页，正文 {} 页（这是 Casebook 的缺陷，请报告）",
                    folios.pages.len(),
                    body.len()
                ),
            )]);
        }
        for (n, (page, folio)) in body.iter_mut().zip(folios.pages).enumerate() {
            page.number = n as u64 + 1;
            if blank.binary_search(&n).is_err() {
                page.frame.push_frame(Point::zero(), folio.frame);
            }
        }
        Ok((body, starts))
    }

    /// `count` pages made even when printing on both sides.
    fn padded(&self, count: usize) -> usize {
        if self.double_sided {
            count + count % 2
        } else {
            count
        }
    }

    /// Adds a blank verso after `pages` if they end on a recto when
    /// printing on both sides; whether it did.
    fn pad(&self, pages: &mut Vec<Page>) -> bool {
        if self.padded(pages.len()) == pages.len() {
            return false;
        }
        let Some(last) = pages.last() else {
            return false;
        };
        let mut blank = last.clone();
        blank.frame = Frame::hard(last.frame.size());
        blank.number = last.number + 1;
        pages.push(blank);
        true
    }

    /// One piece laid out as its own document named `name`.
    fn lay_out(&self, name: &str, doc: Document) -> Result<Laid, Problems> {
        let world = BookWorld::new(
            name,
            doc.source,
            doc.files,
            self.fonts,
            &self.library,
            self.today,
        );
        let report = |errors: &[SourceDiagnostic], severity| -> Problems {
            errors
                .iter()
                .map(|e| diagnostic(&world, &doc.origins, &doc.file, e, severity))
                .collect()
        };
        let compiled = typst::compile::<PagedDocument>(&world);
        let warnings = report(&compiled.warnings, Severity::Warning);
        let compiled = compiled.output.map_err(|e| report(&e, Severity::Error))?;
        Ok(Laid {
            pages: compiled.pages().to_vec(),
            info: compiled.info().clone(),
            warnings,
        })
    }
}

/// A Typst error or warning as a diagnostic on the content file its
/// source came from (`file` when no origin holds it).
pub fn diagnostic(
    world: &BookWorld,
    origins: &[(std::ops::Range<usize>, String)],
    file: &str,
    error: &SourceDiagnostic,
    severity: Severity,
) -> Diagnostic {
    let offset = world.range(error.span).map(|r| r.start);
    let file = offset
        .and_then(|at| origins.iter().find(|(range, _)| range.contains(&at)))
        .map_or(file, |(_, file)| file.as_str());
    let what = match severity {
        Severity::Error => "年度汇编排版失败",
        Severity::Warning => "年度汇编排版提醒",
    };
    let mut diagnostic = Diagnostic::error(
        rules::BOOK_TYPESET,
        file,
        format!("{what}：{}", error.message),
    );
    diagnostic.severity = severity;
    if let Some(at) = offset {
        let excerpt: String = world.source_text()[at..].chars().take(60).collect();
        diagnostic = diagnostic.help(format!(
            "出错的排版代码：{excerpt}（这是 Casebook 的缺陷，请报告）"
        ));
    }
    diagnostic
}
