//! `urls.txt`: every URL a build publishes (pages, cases, lists, aliases,
//! short links; not assets), and the check that a new build does not lose
//! one the previous build published. Links in WeChat articles, on posters
//! and in QR codes cannot be changed once printed, so a lost URL is an error
//! unless an alias keeps it alive or the editor allows it explicitly.

use std::collections::BTreeSet;

use crate::diagnostics::{rules, Diagnostic};
use crate::urls;

/// The published URL paths of a rendered site, below the base URL, each
/// starting with `/`, sorted. Directory pages are listed as `/dir/`; a
/// short link's `c/{id}/index.html` also as `/c/{id}` (what people type).
pub fn list<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut urls = BTreeSet::new();
    for path in paths {
        if let Some(dir) = path.strip_suffix("index.html") {
            urls.insert(format!("/{dir}"));
            if dir.starts_with(urls::SHORT_LINKS) && dir.len() > urls::SHORT_LINKS.len() {
                urls.insert(format!("/{}", dir.trim_end_matches('/')));
            }
        } else if (path.ends_with(".html") && path != urls::NOT_FOUND)
            || path == urls::FEED
            || path == urls::SITEMAP
            // The open data: scripts and spreadsheets link to these.
            || path.starts_with(urls::DATA)
        {
            urls.insert(format!("/{path}"));
        }
    }
    urls.into_iter().collect()
}

/// `urls.txt`'s contents: one URL path a line.
pub fn contents(urls: &[String]) -> String {
    let mut text = String::new();
    for url in urls {
        text.push_str(url);
        text.push('\n');
    }
    text
}

/// The URL paths in a previous `urls.txt` (blank lines and `#` comments
/// skipped).
pub fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `/cases/x/` and `/cases/x` name one page (hosts redirect one to the
/// other), and `--allow-removed cases/x/` means `/cases/x/`.
fn key(url: &str) -> String {
    format!("/{}", url.trim_start_matches('/').trim_end_matches('/'))
}

/// The case a URL belongs to: a short link (`/c/{id}`, `/c/{id}/`,
/// `/c/{id}.html`) or a page below the case (`/cases/{id}/share/`).
fn short_link_id(key: &str) -> Option<&str> {
    let key = key.strip_prefix('/')?;
    if let Some(rest) = key.strip_prefix(urls::CASES) {
        let (id, sub) = rest.split_once('/')?;
        return (!id.is_empty() && !sub.is_empty()).then_some(id);
    }
    let rest = key.strip_prefix(urls::SHORT_LINKS)?;
    let id = rest.strip_suffix(".html").unwrap_or(rest);
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// One error per previously published URL the new build no longer
/// publishes, unless allowed. A case page's short links and share kit are
/// reported with it (and allowed or kept alive with it: an alias at
/// `/cases/{id}/` keeps the case's short links acceptable too, since they
/// lead there).
pub fn check_removed(
    previous: &[String],
    current: &[String],
    allowed: &[String],
    previous_file: &str,
) -> Vec<Diagnostic> {
    let current: BTreeSet<String> = current.iter().map(|u| key(u)).collect();
    let allowed: BTreeSet<String> = allowed.iter().map(|u| key(u)).collect();
    let covered = |k: &str| current.contains(k) || allowed.contains(k);
    let mut lost: BTreeSet<String> = BTreeSet::new();
    for url in previous {
        let k = key(url);
        if covered(&k) {
            continue;
        }
        // A later page of a list comes and goes with the list's count; a
        // visit to a vanished one is sent to the list (404.html's script).
        if let Some(list) = urls::list_of_page(&k[1..]) {
            if covered(&key(list)) {
                continue;
            }
        }
        // So does a chapter of a web book with its parts; a visit to a
        // vanished one is sent to the book's front page.
        if let Some(book) = urls::book_of_chapter(&k[1..]) {
            if covered(&key(book)) {
                continue;
            }
        }
        if let Some(id) = short_link_id(&k) {
            let case = format!("/{}", urls::case(id).trim_end_matches('/'));
            if covered(&case) {
                continue;
            }
            if previous.iter().any(|u| key(u) == case) {
                // Reported with its case page.
                continue;
            }
        }
        lost.insert(k);
    }
    lost.into_iter()
        .map(|k| {
            let shown = if previous.iter().any(|u| u == &format!("{k}/")) {
                format!("{k}/")
            } else {
                k.clone()
            };
            let short = k
                .strip_prefix('/')
                .and_then(|k| k.strip_prefix(urls::CASES))
                .filter(|id| !id.contains('/'))
                .map(|id| format!("（以及它的短链接 /{} 和分享页）", urls::short_link(id)))
                .unwrap_or_default();
            Diagnostic::error(
                rules::URL_REMOVED,
                previous_file,
                format!("上次发布的网址 {shown}{short} 在这次构建中没有了：已经转发或印出的链接会失效"),
            )
            .help(format!(
                "在取代它的案例的 aliases 里加上 \"{shown}\"，旧链接就会转到那个案例；确实要下线这个网址（例如最后一个案例移走后的分类页），就用 --allow-removed {shown} 构建"
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lost_urls_are_reported_once_per_page() {
        let previous = s(&[
            "/",
            "/c/2022-001",
            "/c/2022-001.html",
            "/c/2022-001/",
            "/cases/2022-001/",
            "/cases/2022-001/share/",
            "/cases/2022-002/",
        ]);
        let current = s(&["/", "/cases/2022-002/"]);
        let diags = check_removed(&previous, &current, &[], "urls.txt");
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("/cases/2022-001/"));
        assert!(diags[0].message.contains("/c/2022-001"));
    }

    #[test]
    fn a_vanished_later_page_of_a_list_is_not_lost_while_the_list_stays() {
        let previous = s(&["/areas/lean/", "/areas/lean/page/2/", "/areas/lean/page/3/"]);
        let shrunk = s(&["/areas/lean/", "/areas/lean/page/2/"]);
        assert!(check_removed(&previous, &shrunk, &[], "urls.txt").is_empty());
        // The list itself gone: its pages go with it, each reported.
        let gone = check_removed(&previous, &s(&["/"]), &[], "urls.txt");
        assert_eq!(gone.len(), 3, "{gone:?}");
    }

    #[test]
    fn a_vanished_chapter_of_a_book_is_not_lost_while_the_book_stays() {
        let previous = s(&[
            "/compilation/2023/",
            "/compilation/2023/parts/lean/",
            "/compilation/2023/parts/lean/2/",
            "/compilation/2023/print/",
        ]);
        let shrunk = s(&[
            "/compilation/2023/",
            "/compilation/2023/parts/lean/",
            "/compilation/2023/print/",
        ]);
        assert!(check_removed(&previous, &shrunk, &[], "urls.txt").is_empty());
        let gone = check_removed(&previous, &s(&["/"]), &[], "urls.txt");
        assert_eq!(gone.len(), 4, "{gone:?}");
        // The print version is a page like any other.
        let unprinted = s(&["/compilation/2023/", "/compilation/2023/parts/lean/"]);
        let lost = check_removed(&previous, &unprinted, &[], "urls.txt");
        assert_eq!(lost.len(), 1, "{lost:?}");
    }

    #[test]
    fn pages_feeds_and_open_data_are_listed_but_not_assets() {
        let files = [
            "index.html",
            "overview/index.html",
            "data/cases.json",
            "data/cases.xlsx",
            "css/site.0123abcd.css",
            "qr/2022-001.png",
            "atom.xml",
        ];
        assert_eq!(
            list(files),
            [
                "/",
                "/atom.xml",
                "/data/cases.json",
                "/data/cases.xlsx",
                "/overview/"
            ]
        );
    }

    #[test]
    fn aliases_and_allowances_cover_lost_urls() {
        let previous = s(&["/c/2022-001", "/cases/2022-001/", "/old.html"]);
        let current = s(&["/cases/2022-001/", "/old.html"]);
        assert!(check_removed(&previous, &current, &[], "urls.txt").is_empty());
        let allowed = s(&["cases/2022-001"]);
        assert!(check_removed(&previous, &s(&["/old.html"]), &allowed, "urls.txt").is_empty());
    }
}
