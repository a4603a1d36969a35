//! The site as it will be published: which cases are in it (drafts and
//! unpublished statuses are dropped here, before anything is rendered), in
//! what order, how they are grouped, and the site-wide checks that need all
//! cases at once (duplicate ids, links between cases, aliases, page slugs).

use std::collections::HashMap;

use crate::config::Config;
use crate::content::{Case, Content, Page};
use crate::diagnostics::{rules, Diagnostic};
use crate::markdown::CaseLink;
use crate::taxonomy::{self, Taxonomy, TaxonomyKind};

/// First path segments the generator uses itself; pages may not take them.
pub const RESERVED_SEGMENTS: &[&str] = &[
    "cases",
    "areas",
    "industries",
    "districts",
    "years",
    "methods",
    "static",
    "css",
    "js",
    "img",
    "search",
    "compilation",
    "c",
    "qr",
    "data",
    "overview",
    "404.html",
    "sitemap.xml",
    "atom.xml",
    "robots.txt",
];

pub struct Site<'c> {
    pub config: &'c Config,
    /// Cases to publish, in book order: priority area, industry, id.
    pub cases: Vec<Case>,
    pub pages: Vec<Page>,
    pub taxonomies: Vec<Taxonomy>,
    /// `--drafts`: every case is in, marked as a draft where it is one.
    pub drafts: bool,
}

impl<'c> Site<'c> {
    pub fn taxonomy(&self, kind: TaxonomyKind) -> &Taxonomy {
        self.taxonomies
            .iter()
            .find(|t| t.kind == kind)
            .expect("every taxonomy is built")
    }
}

pub fn derive(config: &Config, content: Content, drafts: bool) -> (Site<'_>, Vec<Diagnostic>) {
    let Content {
        cases,
        pages,
        mut diagnostics,
        ..
    } = content;
    check_duplicate_ids(&cases, &mut diagnostics);

    let (mut published, unpublished): (Vec<Case>, Vec<Case>) = cases
        .into_iter()
        .partition(|c| drafts || c.status.is_published());
    published.sort_by(|a, b| (a.area, a.industry, &a.id).cmp(&(b.area, b.industry, &b.id)));
    published.dedup_by(|a, b| a.id == b.id);

    let published_ids: HashMap<&str, ()> = published.iter().map(|c| (c.id.as_str(), ())).collect();
    let unpublished_ids: HashMap<&str, ()> =
        unpublished.iter().map(|c| (c.id.as_str(), ())).collect();
    let link_sources = published
        .iter()
        .map(|c| (&c.source.rel, &c.body.case_links))
        .chain(pages.iter().map(|p| (&p.source.rel, &p.body.case_links)));
    for (file, links) in link_sources {
        for link in links {
            if let Some(diag) = check_case_link(file, link, &published_ids, &unpublished_ids) {
                diagnostics.push(diag);
            }
        }
    }
    check_pages(&pages, &mut diagnostics);

    let (taxonomies, taxonomy_diagnostics) = taxonomy::build(config, &published);
    diagnostics.extend(taxonomy_diagnostics);
    let site = Site {
        config,
        cases: published,
        pages,
        taxonomies,
        drafts,
    };
    (site, diagnostics)
}

fn check_duplicate_ids(cases: &[Case], diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, &Case> = HashMap::new();
    let mut sorted: Vec<&Case> = cases.iter().collect();
    sorted.sort_by(|a, b| a.source.rel.cmp(&b.source.rel));
    for case in sorted {
        if let Some(original) = first.insert(&case.id, case) {
            first.insert(&original.id, original);
            diagnostics.push(
                Diagnostic::error(
                    rules::ID_DUPLICATE,
                    &case.source.rel,
                    format!("案例编号 {} 与 {} 重复", case.id, original.source.rel),
                )
                .at(case.id_at.0, case.id_at.1)
                .help("每个案例的编号必须唯一：给其中一个换一个未用过的编号"),
            );
        }
    }
}

fn check_case_link(
    file: &str,
    link: &CaseLink,
    published: &HashMap<&str, ()>,
    unpublished: &HashMap<&str, ()>,
) -> Option<Diagnostic> {
    if published.contains_key(link.id.as_str()) {
        return None;
    }
    let (message, help) = if unpublished.contains_key(link.id.as_str()) {
        (
            format!(
                "链接指向的案例 {} 尚未发布（草稿、已提交或未入选）",
                link.id
            ),
            "等该案例发布后再加链接，或先删去这个链接",
        )
    } else {
        (
            format!("链接指向不存在的案例 {}", link.id),
            "检查案例编号是否写对，格式为 /cases/2023-001/",
        )
    };
    Some(
        Diagnostic::error(rules::LINK_BROKEN_CASE, file, message)
            .at(link.line, link.column)
            .help(help),
    )
}

fn check_pages(pages: &[Page], diagnostics: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    for page in pages {
        if RESERVED_SEGMENTS.contains(&page.slug.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    rules::PAGE_SLUG,
                    &page.source.rel,
                    format!("页面网址名“{}”已被系统占用", page.slug),
                )
                .at(page.slug_at.0, page.slug_at.1)
                .help(format!(
                    "换一个 slug；以下名称不能用：{}",
                    RESERVED_SEGMENTS.join("、")
                )),
            );
        }
        if let Some(other) = seen.insert(&page.slug, page) {
            diagnostics.push(
                Diagnostic::error(
                    rules::PAGE_SLUG,
                    &page.source.rel,
                    format!("页面网址名“{}”与 {} 重复", page.slug, other.source.rel),
                )
                .at(page.slug_at.0, page.slug_at.1)
                .help("给其中一个页面换一个 slug"),
            );
        }
    }
}
