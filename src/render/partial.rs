//! Pages one at a time, and a chosen few of them: the preview server
//! renders again only the pages an edit can have changed
//! ([`render_selected`]). The whole-site render in `mod.rs` is built from
//! the same per-page methods, so a page comes out the same either way.

use std::collections::{BTreeSet, HashSet};

use rayon::prelude::*;

use super::views::{Group, Views};
use super::{renderer, short_link_files, CaseCard, Renderer};
use crate::output::{Contents, OutputFile};
use crate::content::{Case, Page};
use crate::diagnostics::Diagnostic;
use crate::site::Site;
use crate::taxonomy::{TaxonomyKind, Term};
use crate::theme::Theme;

/// The pages to render again.
#[derive(Debug, Default)]
pub struct Selection {
    /// Cases (indices into `site.cases`): page, share kit, short links,
    /// aliases and the files beside it.
    pub cases: BTreeSet<usize>,
    /// Term pages, by taxonomy and slug.
    pub terms: HashSet<(TaxonomyKind, String)>,
    /// The index page of these taxonomies.
    pub indexes: HashSet<TaxonomyKind>,
    /// Home, overview and feed: they show every case, or counts of all.
    pub lists: bool,
    /// Pages that show only the site-wide context: free-standing pages,
    /// the 404 page, robots.txt.
    pub singles: bool,
    /// The search page (inlines the search export's meta).
    pub search: bool,
    /// The books of these years.
    pub books: BTreeSet<i64>,
    /// The open data files.
    pub data: bool,
}

/// The selected pages of `site`. `search`: the export's meta, for the
/// search page.
pub fn render_selected(
    site: &Site,
    theme: &Theme,
    base_url: &str,
    search: Option<&crate::search::export::Meta>,
    pdfs: &[i64],
    selection: &Selection,
) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    let (renderer, _) = renderer(site, theme, base_url, search, pdfs)?;
    let one = |e| vec![e];
    // Lists show the cards of many cases; a case's own pages only its own.
    let lists = selection.lists || !selection.terms.is_empty();
    let cards: Vec<CaseCard> = if lists {
        site.cases
            .par_iter()
            .map(|c| renderer.views.card(c))
            .collect()
    } else {
        Vec::new()
    };
    let card = |i: usize| match cards.get(i) {
        Some(card) => std::borrow::Cow::Borrowed(card),
        None => std::borrow::Cow::Owned(renderer.views.card(&site.cases[i])),
    };
    let cases: Vec<usize> = selection.cases.iter().copied().collect();
    let mut files: Vec<OutputFile> = cases
        .par_iter()
        .map(|&i| renderer.case_pages(i, &card(i)))
        .collect::<Result<Vec<[OutputFile; 2]>, Diagnostic>>()
        .map_err(one)?
        .into_iter()
        .flatten()
        .collect();
    for &i in &cases {
        let case = &site.cases[i];
        files.extend(renderer.case_aliases(case).map_err(one)?);
        files.extend(renderer.case_short_links(case).map_err(one)?);
        files.extend(case.assets.iter().map(|asset| OutputFile {
            path: format!("cases/{}/{}", case.id, asset.rel),
            contents: Contents::Copy(asset.source.clone()),
        }));
    }
    for kind in TaxonomyKind::ALL {
        if selection.indexes.contains(&kind) {
            files.push(renderer.taxonomy_index(kind).map_err(one)?);
        }
        let terms: Vec<&Term> = site
            .taxonomy(kind)
            .terms
            .iter()
            .filter(|t| selection.terms.contains(&(kind, t.slug.clone())))
            .collect();
        let pages: Result<Vec<OutputFile>, Diagnostic> = terms
            .par_iter()
            .map(|term| renderer.term_page(kind, term, &cards))
            .collect();
        files.extend(pages.map_err(one)?);
    }
    if selection.lists {
        files.push(renderer.home(&cards).map_err(one)?);
        files.push(renderer.overview().map_err(one)?);
        files.push(renderer.feed(&cards).map_err(one)?);
    }
    if selection.singles {
        for page in &site.pages {
            files.push(renderer.free_page(page).map_err(one)?);
            files.extend(page.assets.iter().map(|asset| OutputFile {
                path: format!("{}/{}", page.slug, asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            }));
        }
        let context = renderer.context("404.html");
        files.push(
            renderer
                .render("404.html", "404.html".to_string(), &context)
                .map_err(one)?,
        );
        let context = renderer.context("robots.txt");
        files.push(
            renderer
                .render("robots.txt", "robots.txt".to_string(), &context)
                .map_err(one)?,
        );
    }
    if selection.search {
        files.push(renderer.search_page().map_err(one)?);
    }
    let books: Vec<Result<Vec<OutputFile>, Diagnostic>> = selection
        .books
        .par_iter()
        .map(|&year| {
            let has_pdf = renderer.views.pdfs.contains(&year);
            renderer.book(year, has_pdf, &Default::default())
        })
        .collect();
    for book in books {
        files.extend(book.map_err(one)?);
    }
    if selection.data {
        files.extend(super::open_data(site, base_url)?);
    }
    Ok(files)
}

/// Everything every page's layout can show of the site as a whole (counts,
/// areas, books, pages), as text: when it differs between two versions of
/// a site, every page may have changed.
pub fn site_fingerprint(site: &Site, base_url: &str, pdfs: &[i64]) -> String {
    let views = Views::new(site, base_url, pdfs);
    serde_json::to_string(&views.site_view()).expect("plain JSON")
}

impl Renderer<'_> {
    /// Case `index`'s page and share kit.
    pub(super) fn case_pages(
        &self,
        index: usize,
        card: &CaseCard,
    ) -> Result<[OutputFile; 2], Diagnostic> {
        let case = &self.views.site.cases[index];
        let path = Views::case_path(case);
        let mut context = self.context(&path);
        let view = self.views.case_view(index, card.clone());
        context.insert("share", &self.share(index, &view.description));
        context.insert("case", &view);
        let page = self.render("case.html", format!("{path}index.html"), &context)?;
        let kit_path = format!("{path}share/");
        let mut context = self.context(&kit_path);
        context.insert("case", card);
        context.insert("kit", &self.share_kit(index));
        let kit = self.render("share.html", format!("{kit_path}index.html"), &context)?;
        Ok([page, kit])
    }

    /// A redirect page at each of the case's aliases: old links keep working.
    pub(super) fn case_aliases(&self, case: &Case) -> Result<Vec<OutputFile>, Diagnostic> {
        let target = Views::case_path(case);
        let mut files = Vec::new();
        for alias in &case.aliases {
            let path = alias_output_path(alias);
            let mut context = self.context(&target);
            context.insert("title", &case.title);
            context.insert("target", &self.views.url(&target));
            files.push(self.render("redirect.html", path, &context)?);
        }
        Ok(files)
    }

    /// The redirects that serve the case's short link.
    pub(super) fn case_short_links(&self, case: &Case) -> Result<Vec<OutputFile>, Diagnostic> {
        let target = Views::case_path(case);
        let mut context = self.context(&target);
        context.insert("title", &case.title);
        context.insert("target", &self.views.url(&target));
        short_link_files(&case.id)
            .into_iter()
            .map(|path| self.render("redirect.html", path, &context))
            .collect()
    }

    /// A free-standing page (`content/pages/`).
    pub(super) fn free_page(&self, page: &Page) -> Result<OutputFile, Diagnostic> {
        let path = format!("{}/", page.slug);
        let mut context = self.context(&path);
        context.insert("title", &page.title);
        context.insert(
            "description",
            &page
                .description
                .clone()
                .unwrap_or_else(|| crate::text::sentence_excerpt(&page.body.summary, 120)),
        );
        context.insert("html", &page.body.html);
        self.render("page.html", format!("{path}index.html"), &context)
    }

    /// The search page, with the export's meta inlined.
    pub(super) fn search_page(&self) -> Result<OutputFile, Diagnostic> {
        let mut context = self.context("search/");
        for (key, kind) in [
            ("areas", TaxonomyKind::Area),
            ("industries", TaxonomyKind::Industry),
            ("districts", TaxonomyKind::District),
            ("years", TaxonomyKind::Year),
        ] {
            context.insert(key, &self.views.term_links(kind));
        }
        context.insert("search_meta", &self.search_meta);
        self.render("search.html", "search/index.html".to_string(), &context)
    }

    /// The taxonomy's index page: its terms with their counts.
    pub(super) fn taxonomy_index(&self, kind: TaxonomyKind) -> Result<OutputFile, Diagnostic> {
        let mut context = self.context(&format!("{}/", kind.path()));
        context.insert("taxonomy", &self.views.taxonomy(kind));
        context.insert("terms", &self.views.term_links(kind));
        self.render(
            "taxonomy.html",
            format!("{}/index.html", kind.path()),
            &context,
        )
    }

    /// One term's list. Area pages group by industry; every other list
    /// groups by priority area.
    pub(super) fn term_page(
        &self,
        kind: TaxonomyKind,
        term: &Term,
        cards: &[CaseCard],
    ) -> Result<OutputFile, Diagnostic> {
        let site = self.views.site;
        let group_by = if kind == TaxonomyKind::Area {
            TaxonomyKind::Industry
        } else {
            TaxonomyKind::Area
        };
        let groups: Vec<Group> = site
            .taxonomy(group_by)
            .terms
            .iter()
            .filter_map(|g| {
                let mut members: Vec<usize> = term
                    .cases
                    .iter()
                    .copied()
                    .filter(|i| g.cases.binary_search(i).is_ok())
                    .collect();
                if members.is_empty() {
                    return None;
                }
                // Newest first inside a group, then by id.
                members.sort_by(|&a, &b| {
                    let (ca, cb) = (&site.cases[a], &site.cases[b]);
                    cb.year.cmp(&ca.year).then_with(|| ca.id.cmp(&cb.id))
                });
                Some(Group {
                    name: g.name.clone(),
                    anchor: g.slug.clone(),
                    count: members.len(),
                    cases: members.iter().map(|&i| cards[i].clone()).collect(),
                })
            })
            .collect();
        let path = Views::term_path(kind, term);
        let mut context = self.context(&path);
        context.insert("taxonomy", &self.views.taxonomy(kind));
        context.insert("term", &self.views.term_link(kind, term));
        context.insert("group_label", group_by.label());
        context.insert("groups", &groups);
        if kind == TaxonomyKind::Year {
            let book = term
                .slug
                .parse::<i64>()
                .ok()
                .and_then(|year| self.views.book_link(year));
            context.insert("book", &book);
        }
        self.render("term.html", format!("{path}index.html"), &context)
    }
}

/// The file an alias's redirect page is written to: the alias itself when
/// it names an `.html`/`.htm` file, else `index.html` in its folder.
pub(super) fn alias_output_path(alias: &str) -> String {
    let trimmed = alias.trim_start_matches('/');
    if trimmed.ends_with(".html") || trimmed.ends_with(".htm") {
        trimmed.to_string()
    } else {
        format!("{}/index.html", trimmed.trim_end_matches('/'))
    }
}
