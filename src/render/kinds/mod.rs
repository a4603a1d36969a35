//! The one list of what a site renders, kind by kind ([`PageKind`]), what
//! each kind shows and so which edits change it. The whole render is the
//! selection of everything ([`Selection::all`]); the preview renders the
//! selection an edit calls for ([`select`]). Both go through [`render`],
//! so a page comes out the same either way.
//!
//! What each kind depends on follows from what its context holds:
//!
//! | kind | files | changes with |
//! | --- | --- | --- |
//! | `Case` | page, share kit, aliases, short links, files beside it (QR codes with `site_files`) | its case, its neighbours in book order (prev/next), the links of its terms (with counts) |
//! | `TaxonomyIndex` | `areas/` … | its terms' links |
//! | `Term` | `areas/{slug}/` and its later pages `page/N/` … | the cards of its cases (its page count: the shape), its taxonomy's terms' links (the side navigation) |
//! | `Lists` | home, overview, feed | every case's card |
//! | `Singles` | free pages and their files, 404, robots.txt | the page itself |
//! | `Search` | the search page | the search export (every case) |
//! | `Book` | `compilation/{year}/`: front page, chapters `parts/{slug}/[N/]`, `indices/`, `print/` | its year's cases, its preface (a case moving between parts or chapters may change which chapters exist: the shape) |
//! | `OpenData` | `data/` | every case |
//! | `SiteFiles` | static files, QR codes, sitemap | the theme, the set of output paths |
//!
//! A book is selected by year and rendered whole, front page, chapters,
//! indices and print version together: its print version holds every case
//! of the year, so a chapter alone would save at most half the work, and
//! the preview writes only the chapters whose bytes changed.
//!
//! And every page shows the site-wide context
//! (`depends::site_fingerprint`): when it changes, or the set of output
//! paths does ([`Snapshot::shape`]), or config or static files do,
//! everything is rendered again. When only templates change, the kinds
//! whose templates use them are ([`kinds_using`], in `templates`).

use std::collections::{BTreeSet, HashSet};

use rayon::prelude::*;

mod depends;
mod templates;

use super::views::CaseCard;
use super::{open_data, qr, stand_in, Mode, Renderer};
use crate::diagnostics::{rules, Diagnostic};
use crate::images;
use crate::output::{Contents, OutputFile, Recorder, Sink};
use crate::site::Site;
use crate::taxonomy::{TaxonomyKind, Term};
use crate::urls;

pub use depends::{select, Changes, Snapshot};
pub use templates::kinds_using;

/// The kinds of output, in the order a whole render makes them (the
/// sitemap, last, lists the pages made before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    Case,
    Lists,
    TaxonomyIndex,
    Term,
    Singles,
    Search,
    Book,
    OpenData,
    SiteFiles,
}

impl PageKind {
    pub const ALL: [PageKind; 9] = [
        PageKind::Case,
        PageKind::Lists,
        PageKind::TaxonomyIndex,
        PageKind::Term,
        PageKind::Singles,
        PageKind::Search,
        PageKind::Book,
        PageKind::OpenData,
        PageKind::SiteFiles,
    ];
}

/// The pages to render, by kind.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// [`PageKind::Case`]: cases by index into `site.cases`.
    pub cases: BTreeSet<usize>,
    /// [`PageKind::Term`]: by taxonomy and slug.
    pub terms: HashSet<(TaxonomyKind, String)>,
    /// [`PageKind::TaxonomyIndex`].
    pub indexes: HashSet<TaxonomyKind>,
    /// [`PageKind::Lists`]: home, overview and feed.
    pub lists: bool,
    /// [`PageKind::Singles`]: free-standing pages, the 404 page, robots.txt.
    pub singles: bool,
    /// [`PageKind::Search`]: the search page (inlines the export's meta).
    pub search: bool,
    /// [`PageKind::Book`]: the books of these years.
    pub books: BTreeSet<i64>,
    /// [`PageKind::OpenData`].
    pub data: bool,
    /// [`PageKind::SiteFiles`]: static files, every QR code, the sitemap.
    pub site_files: bool,
}

impl Selection {
    /// Everything: the whole site.
    pub fn all(site: &Site) -> Selection {
        Selection {
            cases: (0..site.cases.len()).collect(),
            terms: site
                .taxonomies
                .iter()
                .flat_map(|t| t.terms.iter().map(|term| (t.kind, term.slug.clone())))
                .collect(),
            indexes: TaxonomyKind::ALL.into_iter().collect(),
            lists: true,
            singles: true,
            search: true,
            books: crate::book::years(site).into_iter().collect(),
            data: true,
            site_files: true,
        }
    }

    /// One case page and every list and single page: what shows a
    /// template error before the slow whole-site work.
    pub fn probe(site: &Site) -> Selection {
        Selection {
            cases: (0..site.cases.len().min(1)).collect(),
            lists: true,
            singles: true,
            indexes: TaxonomyKind::ALL.into_iter().collect(),
            ..Selection::default()
        }
    }

    fn has(&self, kind: PageKind) -> bool {
        match kind {
            PageKind::Case => !self.cases.is_empty(),
            PageKind::Lists => self.lists,
            PageKind::TaxonomyIndex => !self.indexes.is_empty(),
            PageKind::Term => !self.terms.is_empty(),
            PageKind::Singles => self.singles,
            PageKind::Search => self.search,
            PageKind::Book => !self.books.is_empty(),
            PageKind::OpenData => self.data,
            PageKind::SiteFiles => self.site_files,
        }
    }
}

/// Render `selection` into `out`, kind by kind. The open data is made on
/// one thread alongside the pages (which keep every other thread busy).
pub(super) fn render(
    renderer: &Renderer,
    selection: &Selection,
    mode: Mode,
    out: &dyn Sink,
) -> Result<(), Vec<Diagnostic>> {
    let out = Recorder::new(out);
    let (pages, data) = rayon::join(
        || pages(renderer, selection, mode, &out),
        || match (selection.data, mode.makes_everything()) {
            (false, _) => Ok(Vec::new()),
            (true, true) => open_data(renderer.views.site),
            (true, false) => Ok([
                urls::DATA_JSON,
                urls::DATA_SCHEMA,
                urls::DATA_CSV,
                urls::DATA_XLSX,
            ]
            .map(stand_in)
            .into()),
        },
    );
    pages?;
    data?.into_iter().for_each(|f| out.put(f));
    if selection.site_files {
        // Last: the sitemap lists every page made before it.
        let statics = renderer.static_files.iter().map(|f| OutputFile {
            path: f.path.clone(),
            contents: match &f.contents {
                Contents::Bytes(bytes) => Contents::Bytes(bytes.clone()),
                Contents::Copy(path) => Contents::Copy(path.clone()),
            },
        });
        statics.for_each(|f| out.put(f));
        for file in renderer.sitemaps(&out.written()).map_err(one)? {
            out.put(file);
        }
    }
    Ok(())
}

fn one(diagnostic: Diagnostic) -> Vec<Diagnostic> {
    vec![diagnostic]
}

/// Every kind but the open data, in [`PageKind::ALL`] order.
fn pages(
    renderer: &Renderer,
    selection: &Selection,
    mode: Mode,
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    let site = renderer.views.site;
    // Lists show the cards of many cases; a case's own pages only its own.
    let cards: Vec<CaseCard> = if selection.lists || !selection.terms.is_empty() {
        site.cases
            .par_iter()
            .map(|c| renderer.views.card(c))
            .collect()
    } else {
        Vec::new()
    };
    for kind in PageKind::ALL.into_iter().filter(|&k| selection.has(k)) {
        match kind {
            PageKind::Case => cases(renderer, selection, &cards, mode, out)?,
            PageKind::Lists => {
                out.put(renderer.home(&cards).map_err(one)?);
                out.put(renderer.overview().map_err(one)?);
                out.put(renderer.feed(&cards).map_err(one)?);
            }
            PageKind::TaxonomyIndex => {
                for kind in TaxonomyKind::ALL {
                    if selection.indexes.contains(&kind) {
                        out.put(renderer.taxonomy_index(kind).map_err(one)?);
                    }
                }
            }
            PageKind::Term => terms(renderer, selection, &cards, out)?,
            PageKind::Singles => singles(renderer, mode, out)?,
            PageKind::Search => out.put(renderer.search_page().map_err(one)?),
            PageKind::Book => books(renderer, selection, mode, out)?,
            // Made beside the pages, by `render`.
            PageKind::OpenData => {}
            // After everything, by `render`.
            PageKind::SiteFiles => {}
        }
    }
    Ok(())
}

/// Each selected case's page, share kit, aliases, short links and files,
/// and (with the site files) its QR codes.
fn cases(
    renderer: &Renderer,
    selection: &Selection,
    cards: &[CaseCard],
    mode: Mode,
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    let site = renderer.views.site;
    let chosen: Vec<usize> = selection.cases.iter().copied().collect();
    let posters = mode.makes_everything() && site.config.posters.enabled;
    if posters && !chosen.is_empty() {
        // Once for the build, not once per case.
        super::poster::font().map_err(|message| vec![super::poster::font_missing(message)])?;
    }
    chosen.par_iter().try_for_each(|&i| {
        let case = site.cases[i];
        let card = match cards.get(i) {
            Some(card) => std::borrow::Cow::Borrowed(card),
            None => std::borrow::Cow::Owned(renderer.views.card(case)),
        };
        let [page, kit] = renderer.case_pages(i, &card).map_err(one)?;
        out.put(page);
        out.put(kit);
        if posters {
            for poster in renderer.case_posters(i, mode).map_err(one)? {
                out.put(poster);
            }
        }
        renderer
            .case_aliases(case)
            .map_err(one)?
            .into_iter()
            .chain(renderer.case_short_links(case).map_err(one)?)
            .for_each(|f| out.put(f));
        for asset in &case.assets {
            out.put(OutputFile {
                path: urls::case_file(&case.id, &asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            });
            if mode.makes_everything() {
                let path = |rel: &str| urls::case_file(&case.id, rel);
                image_variants(renderer, &case.source.rel, asset, path, out)?;
            }
        }
        if selection.site_files {
            let url = renderer.views.permalink(&urls::short_link(&case.id));
            let qr = match mode.makes_everything() {
                true => qr::files(&renderer.views.qr, i, &case.id, &url),
                false => qr::paths(&case.id, &url),
            };
            let qr = qr.map_err(|message| {
                vec![Diagnostic::error(rules::QR_CODE, &case.source.rel, message)
                    .help("二维码装不下这么长的网址：缩短 site.base_url")]
            })?;
            qr.into_iter().for_each(|f| out.put(f));
        }
        Ok(())
    })
}

/// The resized variants of `asset` (if it is a picture the site resizes),
/// at the output paths `path` gives for their names; a picture that cannot
/// be decoded is an error of `file`, the page that shows it.
fn image_variants(
    renderer: &Renderer,
    file: &str,
    asset: &crate::markdown::Asset,
    path: impl Fn(&str) -> String,
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    let Some((width, height)) = images::orientation::upright_size(&asset.source) else {
        return Ok(());
    };
    let bytes = std::fs::metadata(&asset.source).map_or(0, |m| m.len());
    let variants = images::variants(&asset.rel, width, height, bytes);
    let made = images::resize::make(&renderer.media.images, &asset.source, &variants).map_err(
        |problem| {
            vec![
                Diagnostic::error(rules::IMAGE_INVALID, file, problem.message(&asset.rel)).help(
                    "用看图软件打开确认，重新导出为 PNG 或 JPEG（网页用宽 1600 像素以内即可）",
                ),
            ]
        },
    )?;
    for (variant, bytes) in variants.iter().zip(made) {
        out.put(OutputFile {
            path: path(&variant.rel),
            contents: Contents::Bytes(bytes),
        });
    }
    Ok(())
}

/// The selected term pages, taxonomy by taxonomy.
fn terms(
    renderer: &Renderer,
    selection: &Selection,
    cards: &[CaseCard],
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    for kind in TaxonomyKind::ALL {
        let terms: Vec<&Term> = renderer
            .views
            .site
            .taxonomy(kind)
            .terms
            .iter()
            .filter(|t| selection.terms.contains(&(kind, t.slug.clone())))
            .collect();
        terms.par_iter().try_for_each(|term| {
            let pages = renderer.term_pages(kind, term, cards).map_err(one)?;
            pages.into_iter().for_each(|f| out.put(f));
            Ok::<(), Vec<Diagnostic>>(())
        })?;
    }
    Ok(())
}

/// Free-standing pages with their files, the 404 page, robots.txt.
fn singles(renderer: &Renderer, mode: Mode, out: &Recorder) -> Result<(), Vec<Diagnostic>> {
    for page in renderer.views.site.pages {
        out.put(renderer.free_page(page).map_err(one)?);
        for asset in &page.assets {
            out.put(OutputFile {
                path: urls::page_file(&page.slug, &asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            });
            if mode.makes_everything() {
                let path = |rel: &str| urls::page_file(&page.slug, rel);
                image_variants(renderer, &page.source.rel, asset, path, out)?;
            }
        }
    }
    for (template, path) in [
        (urls::NOT_FOUND, urls::NOT_FOUND),
        (urls::ROBOTS, urls::ROBOTS),
    ] {
        let context = renderer.context(path);
        out.put(
            renderer
                .render(template, path.to_string(), &context)
                .map_err(one)?,
        );
    }
    Ok(())
}

/// The selected books; in `check`, their pages stand in by their paths.
fn books(
    renderer: &Renderer,
    selection: &Selection,
    mode: Mode,
    out: &Recorder,
) -> Result<(), Vec<Diagnostic>> {
    selection.books.par_iter().try_for_each(|&year| {
        let files = if mode.makes_everything() {
            let has_pdf = renderer.views.pdfs.contains(&year);
            renderer
                .book(year, has_pdf, &Default::default())
                .map_err(one)?
        } else {
            let site = renderer.views.site;
            crate::book::book(site, year)
                .map(|book| super::book::page_folders(site, &book))
                .unwrap_or_default()
                .iter()
                .map(|folder| stand_in(&urls::index_of(folder)))
                .collect()
        };
        files.into_iter().for_each(|f| out.put(f));
        Ok(())
    })
}
