//! The site as it will be published: which cases are in it (drafts and
//! unpublished statuses are dropped here, before anything is rendered), in
//! what order, how they are grouped, and the site-wide checks that need all
//! cases at once (duplicate ids, links between cases, aliases, page slugs).

use std::collections::{HashMap, HashSet};

use crate::config::Config;
use crate::content::{Case, Content, Page, Preface};
use crate::diagnostics::{rules, Diagnostic};
use crate::markdown::SiteLink;
use crate::taxonomy::{self, Taxonomy, TaxonomyKind};
use crate::urls::{self, Urls};

/// The site as published, borrowing the content it was derived from (the
/// preview keeps its content between rebuilds and derives again).
pub struct Site<'c> {
    pub config: &'c Config,
    /// Where the site is published (`--base-url` applied).
    pub urls: Urls,
    /// Cases to publish, in book order: priority area, industry, id.
    pub cases: Vec<&'c Case>,
    pub pages: &'c [Page],
    /// Prefaces of the annual books, by year (those of years without
    /// published cases are dropped: there is no book for them).
    pub prefaces: Vec<&'c Preface>,
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

/// The published site of `content` and the problems only the whole site
/// shows. The content's own diagnostics are the caller's to add.
pub fn derive<'c>(
    config: &'c Config,
    urls: Urls,
    content: &'c Content,
    drafts: bool,
) -> (Site<'c>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    check_duplicate_ids(&content.cases, &mut diagnostics);
    check_duplicate_cases(&content.cases, &mut diagnostics);

    let (mut published, unpublished): (Vec<&Case>, Vec<&Case>) = content
        .cases
        .iter()
        .partition(|c| drafts || c.status.is_published());
    published.sort_by(|a, b| (a.area, a.industry, &a.id).cmp(&(b.area, b.industry, &b.id)));
    // A second case with a taken id (an error reported above) is left out.
    published.dedup_by(|later, kept| later.id == kept.id);

    let published_ids: HashSet<&str> = published.iter().map(|c| c.id.as_str()).collect();
    let unpublished_ids: HashSet<&str> = unpublished.iter().map(|c| c.id.as_str()).collect();
    let mut prefaces: Vec<&Preface> = content
        .prefaces
        .iter()
        .filter(|p| published.iter().any(|c| c.year == p.year))
        .collect();
    prefaces.sort_by_key(|p| p.year);
    for (file, link) in site_links(&published, &content.pages, &prefaces) {
        if let Some(id) = link.case_id() {
            if let Some(diag) = check_case_link(file, id, link, &published_ids, &unpublished_ids) {
                diagnostics.push(diag);
            }
        }
    }
    check_pages(&content.pages, &mut diagnostics);

    let (taxonomies, taxonomy_diagnostics) = taxonomy::build(config, &published);
    diagnostics.extend(taxonomy_diagnostics);
    let site = Site {
        config,
        urls,
        cases: published,
        pages: &content.pages,
        prefaces,
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

/// The same enterprise with the same title under two ids: one write-up
/// entered twice (a resubmission, a copied folder).
fn check_duplicate_cases(cases: &[Case], diagnostics: &mut Vec<Diagnostic>) {
    let key = |case: &Case| {
        let squeeze = |s: &str| -> String {
            crate::text::fold_width(s)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        };
        (squeeze(&case.enterprise.name), squeeze(&case.title))
    };
    let mut first: HashMap<(String, String), &Case> = HashMap::new();
    let mut sorted: Vec<&Case> = cases.iter().collect();
    sorted.sort_by(|a, b| a.source.rel.cmp(&b.source.rel));
    for case in sorted {
        match first.get(&key(case)) {
            // The same id is reported as id-duplicate already.
            Some(original) if original.id != case.id => diagnostics.push(
                Diagnostic::error(
                    rules::CASE_DUPLICATE,
                    &case.source.rel,
                    format!(
                        "{}的案例“{}”与 {}（{}）重复",
                        case.enterprise.name, case.title, original.source.rel, original.id
                    ),
                )
                .at(case.title_at.0, case.title_at.1)
                .help("同一企业的同一经验只收录一次：删去重复的文件；若是不同的经验，请把名称写得能区分开"),
            ),
            Some(_) => {}
            None => {
                first.insert(key(case), case);
            }
        }
    }
}

/// Every root-relative link in published content, with its file.
fn site_links<'a>(
    cases: &'a [&'a Case],
    pages: &'a [Page],
    prefaces: &'a [&'a Preface],
) -> impl Iterator<Item = (&'a str, &'a SiteLink)> {
    let of_cases = cases.iter().flat_map(|c| {
        c.body
            .site_links
            .iter()
            .map(move |l| (c.source.rel.as_str(), l))
    });
    let of_pages = pages.iter().flat_map(|p| {
        p.body
            .site_links
            .iter()
            .map(move |l| (p.source.rel.as_str(), l))
    });
    let of_prefaces = prefaces.iter().flat_map(|p| {
        p.body
            .site_links
            .iter()
            .map(move |l| (p.source.rel.as_str(), l))
    });
    of_cases.chain(of_pages).chain(of_prefaces)
}

/// Links to pages that the build does not write (`/aboutt/`). Checked after
/// rendering, against the output paths; links into `/cases/` were checked
/// when the site was derived, with better messages.
pub fn check_links_against_output(site: &Site, outputs: &HashSet<&str>) -> Vec<Diagnostic> {
    let exists = |path: &str| {
        let path = path.trim_start_matches('/');
        if path.is_empty() || path.ends_with('/') {
            outputs.contains(format!("{path}index.html").as_str())
        } else {
            outputs.contains(path) || outputs.contains(format!("{path}/index.html").as_str())
        }
    };
    site_links(&site.cases, site.pages, &site.prefaces)
        .filter(|(_, link)| link.case_id().is_none() && !exists(&link.path))
        .map(|(file, link)| {
            Diagnostic::error(
                rules::LINK_BROKEN,
                file,
                format!("站内链接“/{}”指向的页面不存在", link.path),
            )
            .at(link.line, link.column)
            .help("检查网址拼写；站内页面如 /about/、/areas/，案例写 /cases/2023-001/")
        })
        .collect()
}

fn check_case_link(
    file: &str,
    id: &str,
    link: &SiteLink,
    published: &HashSet<&str>,
    unpublished: &HashSet<&str>,
) -> Option<Diagnostic> {
    if published.contains(id) {
        return None;
    }
    let (message, help) = if unpublished.contains(id) {
        (
            format!("链接指向的案例 {id} 尚未发布（草稿、已提交或未入选）"),
            "等该案例发布后再加链接，或先删去这个链接",
        )
    } else {
        (
            format!("链接指向不存在的案例 {id}"),
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
        if urls::RESERVED_SEGMENTS.contains(&page.slug.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    rules::PAGE_SLUG,
                    &page.source.rel,
                    format!("页面网址名“{}”已被系统占用", page.slug),
                )
                .at(page.slug_at.0, page.slug_at.1)
                .help(format!(
                    "换一个 slug；以下名称不能用：{}",
                    urls::RESERVED_SEGMENTS.join("、")
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

/// The bundled example site, loaded and derived (published cases only),
/// handed to `f`: unit tests that need a real site use it. (Tests below
/// the pipeline read it themselves, so they need not import `build`.)
#[cfg(test)]
pub(crate) fn with_example_site<R>(f: impl FnOnce(&Site) -> R) -> R {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = Config::load(&root).expect("the example config loads");
    let urls = Urls::new(&config.site.base_url);
    let options = crate::content::ParseOptions {
        config: &config,
        root: &root,
        base_path: urls.base_path().to_string(),
        highlight: true,
        keep_markdown: false,
    };
    let content = crate::content::load(&options, &indicatif::ProgressBar::hidden());
    let (site, _) = derive(&config, urls, &content, false);
    f(&site)
}
