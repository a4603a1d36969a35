//! One method per page (or per group of files one page needs): the whole
//! render and the preview's selective render both call them through the
//! list of page kinds (`kinds`), so a page comes out the same either way.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::views::{TermLink, Views};
use super::{book, CaseCard, Renderer, BOOK_STYLESHEET};
use crate::content::{Case, Page};
use crate::diagnostics::{rules, Diagnostic};
use crate::output::{OutputFile, Written};
use crate::taxonomy::TaxonomyKind;
use crate::urls;

#[derive(Serialize)]
/// The home page's 遴选重点 × 行业 table, in the overview's orientation:
/// an industry a row, an area a column.
struct Matrix {
    columns: Vec<TermLink>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct MatrixRow {
    term: TermLink,
    cells: Vec<MatrixCell>,
}

#[derive(Serialize)]
struct MatrixCell {
    count: usize,
    url: String,
}

#[derive(Serialize)]
struct FeedEntry {
    title: String,
    url: String,
    enterprise: String,
    summary: String,
    updated: String,
}

#[derive(Serialize)]
struct SitemapEntry {
    loc: String,
    /// `YYYY-MM-DD`, on case pages only (see [`lastmod`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    lastmod: Option<String>,
}

/// URLs per sitemap file: the protocol's (and Baidu's, Google's) limit.
pub const SITEMAP_URLS: usize = 50_000;

/// When a case's page last changed, as far as its content says: its
/// `updated` date, else its `date`, else 31 December of its year (a case
/// is published after its year's selection). Other pages get none: a list
/// changes with any of its cases, and a date claimed for it would be a guess.
pub fn lastmod(case: &crate::content::Case) -> String {
    case.updated
        .or(case.date)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("{}-12-31", case.year))
}

/// Where cases sit in the feed.
const FEED_ENTRIES: usize = 30;

/// Methods the search page offers as entry points and suggestions.
const TOP_METHODS: usize = 8;

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
        context.insert("related", &self.related_cards(case));
        let page = self.render("case.html", urls::index_of(&path), &context)?;
        let kit_path = urls::share_kit(&case.id);
        let mut context = self.context(&kit_path);
        context.insert("case", card);
        context.insert("kit", &self.share_kit(index));
        let kit = self.render("share.html", urls::index_of(&kit_path), &context)?;
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
        urls::short_link_files(&case.id)
            .into_iter()
            .map(|path| self.render("redirect.html", path, &context))
            .collect()
    }

    /// A free-standing page (`content/pages/`).
    pub(super) fn free_page(&self, page: &Page) -> Result<OutputFile, Diagnostic> {
        let path = urls::page(&page.slug);
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
        self.render("page.html", urls::index_of(&path), &context)
    }

    /// The search page, with the export's meta inlined.
    pub(super) fn search_page(&self) -> Result<OutputFile, Diagnostic> {
        let mut context = self.context(urls::SEARCH);
        for (key, kind) in [
            ("areas", TaxonomyKind::Area),
            ("industries", TaxonomyKind::Industry),
            ("districts", TaxonomyKind::District),
            ("years", TaxonomyKind::Year),
        ] {
            context.insert(key, &self.views.term_links(kind));
        }
        // Methods are free-form and many: most used first, so the select
        // and the entry points show the ones readers look for.
        let mut methods = self.views.term_links(TaxonomyKind::Method);
        methods.sort_by_key(|m| std::cmp::Reverse(m.count));
        context.insert("methods", &methods);
        context.insert("top_methods", &methods[..methods.len().min(TOP_METHODS)]);
        context.insert("search_meta", &self.search_meta);
        self.render("search.html", urls::index_of(urls::SEARCH), &context)
    }

    /// The taxonomy's index page: its terms with their counts.
    pub(super) fn taxonomy_index(&self, kind: TaxonomyKind) -> Result<OutputFile, Diagnostic> {
        let path = urls::taxonomy(kind);
        let mut context = self.context(&path);
        context.insert("taxonomy", &self.views.taxonomy(kind));
        context.insert("terms", &self.views.term_links(kind));
        self.render("taxonomy.html", urls::index_of(&path), &context)
    }

    /// Cases per industry (rows) and area (columns); a cell links to the
    /// area's list at the industry's group.
    fn area_industry_matrix(&self, areas: &[TermLink], industries: &[TermLink]) -> Matrix {
        let site = self.views.site;
        let area_terms = &site.taxonomy(TaxonomyKind::Area).terms;
        let group_urls: Vec<_> = area_terms
            .iter()
            .map(|term| self.group_urls(TaxonomyKind::Area, term))
            .collect();
        let rows = site
            .taxonomy(TaxonomyKind::Industry)
            .terms
            .iter()
            .zip(industries)
            .map(|(industry, link)| MatrixRow {
                term: link.clone(),
                cells: area_terms
                    .iter()
                    .zip(areas)
                    .zip(&group_urls)
                    .map(|((area, area_link), urls)| MatrixCell {
                        count: area
                            .cases
                            .iter()
                            .filter(|&&i| industry.cases.binary_search(&i).is_ok())
                            .count(),
                        url: urls
                            .get(&industry.slug)
                            .cloned()
                            .unwrap_or_else(|| area_link.url.clone()),
                    })
                    .collect(),
            })
            .collect();
        Matrix {
            columns: areas.to_vec(),
            rows,
        }
    }

    pub(super) fn home(&self, cards: &[CaseCard]) -> Result<OutputFile, Diagnostic> {
        let site = self.views.site;
        let areas = self.views.term_links(TaxonomyKind::Area);
        let industries = self.views.term_links(TaxonomyKind::Industry);
        let matrix = self.area_industry_matrix(&areas, &industries);
        // The newest year's cases, as many as a list page holds: the rest
        // are one click away on the year's list.
        let latest_year = site.cases.iter().map(|c| c.year).max();
        let latest_all: Vec<&CaseCard> = cards
            .iter()
            .filter(|c| Some(c.year) == latest_year)
            .collect();
        let latest = &latest_all[..latest_all.len().min(site.config.lists.page_size)];
        let latest_list = latest_year.map(|year| {
            self.views
                .url(&urls::term(TaxonomyKind::Year, &year.to_string()))
        });
        let mut context = self.context(urls::HOME);
        context.insert("areas", &areas);
        context.insert("industries", &industries);
        context.insert("years", &self.views.term_links(TaxonomyKind::Year));
        context.insert("matrix", &matrix);
        context.insert("latest_year", &latest_year);
        context.insert("latest", latest);
        context.insert("latest_count", &latest_all.len());
        context.insert("latest_list", &latest_list);
        context.insert(
            "taxonomies",
            &TaxonomyKind::ALL.map(|k| self.views.taxonomy(k)),
        );
        self.render("index.html", urls::index_of(urls::HOME), &context)
    }

    /// The book of `year` (`compilation/{year}/`: front page, chapters,
    /// indices, print version) and the files of its folder; nothing when
    /// the year has no published case.
    pub(super) fn book(
        &self,
        year: i64,
        has_pdf: bool,
        pages: &BTreeMap<String, usize>,
    ) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.views.site;
        let Some(book) = crate::book::book(site, year) else {
            return Ok(Vec::new());
        };
        let stylesheet = (BOOK_STYLESHEET, self.book_css.as_slice());
        let (prepared, mut files) = book::prepare(&self.views, &book, stylesheet, has_pdf)
            .map_err(|(file, message)| {
                Diagnostic::error(rules::QR_CODE, &file, message)
                    .help("二维码装不下这么长的网址：缩短 site.base_url")
            })?;
        let folder = urls::book(year);
        let at = |rel: &str| format!("{folder}{rel}");
        files.push(self.book_page(&at(""), "compilation.html", &prepared.front())?);
        // In parallel: a year of 1,000 cases has some 90 chapters.
        let chapters = prepared
            .chapter_paths()
            .par_iter()
            .enumerate()
            .map(|(k, rel)| {
                self.book_page(&at(rel), "compilation-chapter.html", &prepared.chapter(k))
            })
            .collect::<Result<Vec<OutputFile>, Diagnostic>>()?;
        files.extend(chapters);
        let indices = prepared.indices();
        files.push(self.book_page(
            &at(urls::BOOK_INDICES),
            "compilation-indices.html",
            &indices,
        )?);
        let print = prepared.print(pages);
        files.push(self.book_page(&at(urls::BOOK_PRINT), "compilation-print.html", &print)?);
        Ok(files)
    }

    /// A page of a book, its view as `book`.
    fn book_page(
        &self,
        path: &str,
        template: &str,
        view: &impl Serialize,
    ) -> Result<OutputFile, Diagnostic> {
        let mut context = self.context(path);
        context.insert("book", view);
        self.render(template, urls::index_of(path), &context)
    }

    pub(super) fn feed(&self, cards: &[CaseCard]) -> Result<OutputFile, Diagnostic> {
        let site = self.views.site;
        let mut order: Vec<usize> = (0..site.cases.len()).collect();
        let updated_of = |i: usize| {
            let case = &site.cases[i];
            case.date
                .map(|d| d.format("%Y-%m-%dT00:00:00+08:00").to_string())
                .unwrap_or_else(|| format!("{}-12-31T00:00:00+08:00", case.year))
        };
        order.sort_by(|&a, &b| {
            updated_of(b)
                .cmp(&updated_of(a))
                .then_with(|| site.cases[a].id.cmp(&site.cases[b].id))
        });
        let entries: Vec<FeedEntry> = order
            .iter()
            .take(FEED_ENTRIES)
            .map(|&i| FeedEntry {
                title: cards[i].title.clone(),
                url: self.views.permalink(&Views::case_path(site.cases[i])),
                enterprise: cards[i].enterprise.clone(),
                summary: crate::text::excerpt(&site.cases[i].body.summary, 200),
                updated: updated_of(i),
            })
            .collect();
        let mut context = self.context(urls::FEED);
        context.insert(
            "updated",
            &entries
                .first()
                .map_or("2000-01-01T00:00:00+08:00".to_string(), |e| {
                    e.updated.clone()
                }),
        );
        context.insert("entries", &entries);
        self.render("atom.xml", urls::FEED.to_string(), &context)
    }

    /// The sitemap index (`sitemap.xml`, the one robots.txt names) and its
    /// sitemaps `sitemap-{n}.xml` of at most [`SITEMAP_URLS`] URLs each:
    /// every HTML page except the 404, share kits, redirects and the books'
    /// print versions (`noindex`: the chapters are the book's pages), sorted.
    pub(super) fn sitemaps(&self, files: &[Written]) -> Result<Vec<OutputFile>, Diagnostic> {
        let entries = self.sitemap_entries(files);
        let mut out = Vec::new();
        let mut parts = Vec::new();
        for (n, chunk) in entries.chunks(SITEMAP_URLS).enumerate() {
            let path = urls::sitemap_part(n + 1);
            let mut context = self.context(&path);
            context.insert("entries", chunk);
            // A part's lastmod: its newest page's.
            let newest = chunk.iter().filter_map(|e| e.lastmod.clone()).max();
            parts.push(SitemapEntry {
                loc: self.views.permalink(&path),
                lastmod: newest,
            });
            out.push(self.render("sitemap.xml", path, &context)?);
        }
        let mut context = self.context(urls::SITEMAP);
        context.insert("sitemaps", &parts);
        out.push(self.render("sitemap-index.xml", urls::SITEMAP.to_string(), &context)?);
        Ok(out)
    }

    fn sitemap_entries(&self, files: &[Written]) -> Vec<SitemapEntry> {
        let site = self.views.site;
        let alias_paths: std::collections::HashSet<&str> = site
            .cases
            .iter()
            .flat_map(|c| c.aliases.iter().map(|a| a.trim_matches('/')))
            .collect();
        let lastmods: std::collections::HashMap<String, String> = site
            .cases
            .iter()
            .map(|c| (Views::case_path(c), lastmod(c)))
            .collect();
        let mut locs: Vec<String> = files
            .iter()
            .filter(|f| {
                f.path.ends_with("index.html")
                    && !urls::is_short_link_file(&f.path)
                    && !f.path.ends_with("/share/index.html")
                    && !urls::is_book_print_page(&f.path)
            })
            .map(|f| f.path.trim_end_matches("index.html").to_string())
            .filter(|p| !alias_paths.contains(p.trim_end_matches('/')))
            .collect();
        locs.sort();
        locs.into_iter()
            .map(|p| SitemapEntry {
                loc: self.views.permalink(&p),
                lastmod: lastmods.get(&p).cloned(),
            })
            .collect()
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
