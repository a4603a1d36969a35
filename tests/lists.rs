//! Paginated lists: every term's list cut into pages of `[lists]
//! page_size` cards, walked from page 1 by its 下一页 links.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{sel, sitemaps, Built};

/// A copy of the example site with `page_size` cards a list page.
fn example_paged(dir: &Path, page_size: usize) -> std::path::PathBuf {
    let root = common::example_site_at(&dir.join("site"));
    let config = root.join("casebook.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[lists]\npage_size = {page_size}\n"));
    std::fs::write(&config, text).unwrap();
    root
}

/// The case ids a list page's cards link to, in order.
fn card_ids(built: &Built, rel: &str) -> Vec<String> {
    let html = built.html(rel);
    html.select(&sel(".cards a[href*='/cases/']"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| href.split("/cases/").nth(1))
        .map(|rest| rest.trim_end_matches('/').to_string())
        .collect::<Vec<_>>()
        .into_iter()
        .fold(Vec::new(), |mut ids, id| {
            if ids.last() != Some(&id) {
                ids.push(id);
            }
            ids
        })
}

/// The output path of a site link (`/areas/x/page/2/` → `areas/x/page/2/index.html`).
fn file_of(href: &str) -> String {
    format!("{}index.html", href.trim_start_matches('/'))
}

/// Walk a list from its first page by the 下一页 links: the ids met on
/// each page, and the pages' paths.
fn walk(built: &Built, first: &str) -> (Vec<String>, Vec<String>) {
    let mut ids = Vec::new();
    let mut pages = vec![first.to_string()];
    loop {
        let page = pages.last().unwrap().clone();
        ids.extend(card_ids(built, &page));
        let html = built.html(&page);
        let next = html
            .select(&sel("nav.pager a[rel='next']"))
            .next()
            .and_then(|a| a.value().attr("href"))
            .map(file_of);
        let head_next = html
            .select(&sel("link[rel='next']"))
            .next()
            .and_then(|l| l.value().attr("href"))
            .map(file_of);
        assert_eq!(next, head_next, "{page}: the pager and <head> agree");
        match next {
            Some(next) => {
                assert!(!pages.contains(&next), "{page} leads back to {next}");
                pages.push(next);
            }
            None => return (ids, pages),
        }
    }
}

/// Every term list of the built site: (list path, the count it states).
fn lists(built: &Built) -> BTreeMap<String, usize> {
    let mut found = BTreeMap::new();
    for taxonomy in ["areas", "industries", "districts", "years", "methods"] {
        let index = built.html(&format!("{taxonomy}/index.html"));
        for a in index.select(&sel("main a[href]")) {
            let href = a.value().attr("href").unwrap();
            let rel = href.trim_start_matches('/');
            if rel.starts_with(&format!("{taxonomy}/")) && rel.len() > taxonomy.len() + 1 {
                let count: usize = a
                    .select(&sel(".count"))
                    .next()
                    .map(|c| common::text_of(c).trim().parse().unwrap())
                    .unwrap_or(0);
                found.insert(file_of(href), count);
            }
        }
    }
    found
}

#[test]
fn walking_every_list_meets_each_of_its_cases_exactly_once() {
    let dir = common::temp_dir();
    let root = example_paged(dir.path(), 2);
    let built = common::build_ok(&root, &[]);
    let lists = lists(&built);
    assert!(lists.len() > 20, "{lists:?}");
    let mut paged = 0;
    for (first, count) in &lists {
        let (ids, pages) = walk(&built, first);
        let unique: BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{first}: a case twice: {ids:?}");
        assert_eq!(ids.len(), *count, "{first}: {ids:?}");
        assert_eq!(pages.len(), count.div_ceil(2).max(1), "{first}: {pages:?}");
        for (n, page) in pages.iter().enumerate().skip(1) {
            assert_eq!(
                *page,
                format!(
                    "{}page/{}/index.html",
                    first.trim_end_matches("index.html"),
                    n + 1
                )
            );
        }
        paged += usize::from(pages.len() > 1);
    }
    assert!(paged > 5, "only {paged} lists have more than one page");
    // No page beyond the last.
    let sitemap = sitemaps(&built.out);
    for (first, count) in &lists {
        let list = first.trim_end_matches("index.html");
        let beyond = format!("{list}page/{}/index.html", count.div_ceil(2).max(1) + 1);
        assert!(!built.exists(&beyond), "{beyond}");
        if *count > 2 {
            assert!(
                sitemap.contains(&format!("{list}page/2/")),
                "sitemap lacks {list}page/2/"
            );
        }
    }
}

#[test]
fn the_default_page_size_keeps_the_example_lists_whole() {
    let built = common::example();
    for (first, _) in lists(built) {
        let (_, pages) = walk(built, &first);
        assert_eq!(pages.len(), 1, "{first}");
        assert!(built
            .html(&first)
            .select(&sel("nav.pager"))
            .next()
            .is_none());
    }
}

#[test]
fn the_home_table_links_where_a_group_begins() {
    let dir = common::temp_dir();
    let root = example_paged(dir.path(), 1);
    let built = common::build_ok(&root, &[]);
    let home = built.html("index.html");
    let mut checked = 0;
    for a in home.select(&sel("table a[href*='#']")) {
        let href = a.value().attr("href").unwrap();
        let (page, anchor) = href.split_once('#').unwrap();
        let html = built.html(&file_of(page));
        let selector = format!("section.group[id='{anchor}']");
        assert!(
            html.select(&sel(&selector)).next().is_some(),
            "{href}: no group {anchor} on that page"
        );
        checked += 1;
    }
    assert!(checked > 5, "{checked}");
    // The newest year's cases: one list page's worth, then a link to all.
    let latest = home
        .select(&sel("section[aria-labelledby='latest']"))
        .next()
        .unwrap();
    assert_eq!(latest.select(&sel(".cards > li")).count(), 1);
    let more = latest
        .select(&sel("p.more a"))
        .next()
        .expect("a link to the rest");
    let href = more.value().attr("href").unwrap();
    assert!(href.starts_with("/years/20"), "{href}");
    assert!(built.exists(&file_of(href)));
}

#[test]
fn a_later_page_that_vanishes_is_not_a_lost_url() {
    let dir = common::temp_dir();
    let root = example_paged(dir.path(), 1);
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let build = || {
        let output = common::casebook([
            "build",
            "--root",
            root.to_str().unwrap(),
            "--output",
            out_arg,
        ]);
        assert_eq!(common::code(&output), 0, "{}", common::stderr(&output));
    };
    build();
    let urls = std::fs::read_to_string(out.join("urls.txt")).unwrap();
    assert!(urls.contains("/page/2/"), "{urls}");
    // Bigger pages: every `page/N/` is gone, the lists stay.
    let config = root.join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("page_size = 1", "page_size = 100")).unwrap();
    build();
    assert!(!std::fs::read_to_string(out.join("urls.txt"))
        .unwrap()
        .contains("/page/"));
    // The 404 page sends a visit to a vanished page on to its list.
    let not_found = std::fs::read_to_string(out.join("404.html")).unwrap();
    assert!(not_found.contains("/js/notfound."), "{not_found}");
}

#[test]
fn a_page_size_out_of_range_is_a_config_error() {
    for size in ["0", "100000"] {
        let dir = common::temp_dir();
        let root = example_paged(dir.path(), 1);
        let config = root.join("casebook.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(
            &config,
            text.replace("page_size = 1", &format!("page_size = {size}")),
        )
        .unwrap();
        let (code, diags) = common::check_json(&root);
        assert_eq!(code, 1);
        assert!(
            diags
                .iter()
                .any(|d| d.rule == "config-invalid" && d.message.contains("page_size")),
            "{diags:?}"
        );
    }
}
