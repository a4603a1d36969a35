//! Where everything is published: the site's base URL, and the path of
//! every output below it. This is the one place the URL scheme is written
//! down; renderers, the search export, the open data, the published-URL
//! list, the preview and the page-slug check all ask here.
//!
//! Paths are relative to the output folder and `/`-separated; a folder's
//! path ends with `/` (its page is `{path}index.html`). [`Urls`] turns a
//! path into a link (below the base path, for pages of the site) or a
//! permalink (the full URL, for feeds, share cards and QR codes).

use crate::taxonomy::TaxonomyKind;

/// The base a site is published under: `https://host/sub/` and its path
/// `/sub/`. Computed once, when the site is loaded (`--base-url` applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Urls {
    base_url: String,
    base_path: String,
}

impl Urls {
    /// `base_url` with or without its trailing slash.
    pub fn new(base_url: &str) -> Urls {
        let base_url = format!("{}/", base_url.trim_end_matches('/'));
        let base_path = base_path_of(&base_url);
        Urls {
            base_url,
            base_path,
        }
    }

    /// The base URL, ending with `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The base URL's path, starting and ending with `/`: every internal
    /// link starts with it, so a site can live in a subfolder.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The link to `path` from a page of the site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// The full URL of `path`.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// The path part of a base URL, starting and ending with `/`.
fn base_path_of(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) if after_scheme.ends_with('/') => after_scheme[i..].to_string(),
        Some(i) => format!("{}/", &after_scheme[i..]),
        None => "/".to_string(),
    }
}

/// The page of a folder path (`cases/x/` → `cases/x/index.html`).
pub fn index_of(folder: &str) -> String {
    format!("{folder}index.html")
}

/// A case's page: `cases/{id}/`.
pub fn case(id: &str) -> String {
    format!("{CASES}{id}/")
}

/// A file beside a case (image, attachment), by its path in the bundle.
pub fn case_file(id: &str, rel: &str) -> String {
    format!("{CASES}{id}/{rel}")
}

/// A case's share kit: `cases/{id}/share/`.
pub fn share_kit(id: &str) -> String {
    format!("{CASES}{id}/share/")
}

/// A case's share poster, in its share kit's folder:
/// `cases/{id}/share/poster.png` (phone) or `poster-square.png`.
pub fn poster(id: &str, file_name: &str) -> String {
    format!("{}{file_name}", share_kit(id))
}

/// The short link of a case, for posters, slides and QR codes: `c/{id}`.
pub fn short_link(id: &str) -> String {
    format!("{SHORT_LINKS}{id}")
}

/// The files that serve a case's short link: `c/{id}/index.html`, which
/// hosts serve for `/c/{id}` when they resolve folders, and `c/{id}.html`.
pub fn short_link_files(id: &str) -> [String; 2] {
    let short = short_link(id);
    [format!("{short}/index.html"), format!("{short}.html")]
}

/// Is `path` one of the files serving a short link?
pub fn is_short_link_file(path: &str) -> bool {
    path.starts_with(SHORT_LINKS)
}

/// A case's QR code (of its short link) as `svg` or `png`.
pub fn qr_code(id: &str, extension: &str) -> String {
    format!("{QR_CODES}{id}.{extension}")
}

/// A taxonomy's index page: `areas/` and so on.
pub fn taxonomy(kind: TaxonomyKind) -> String {
    format!("{}/", kind.path())
}

/// A term's list: `areas/{slug}/` and so on.
pub fn term(kind: TaxonomyKind, slug: &str) -> String {
    format!("{}/{slug}/", kind.path())
}

/// Page `n` (from 1) of a term's list: page 1 is the term's own path,
/// the others `{term}page/{n}/`.
pub fn term_page(kind: TaxonomyKind, slug: &str, n: usize) -> String {
    match n {
        0 | 1 => term(kind, slug),
        n => format!("{}{LIST_PAGES}{n}/", term(kind, slug)),
    }
}

/// The list a later page belongs to: `areas/x/page/3/` → `areas/x/`
/// (with or without the trailing slash); `None` for any other path.
pub fn list_of_page(path: &str) -> Option<&str> {
    let path = path.trim_end_matches('/');
    let (list, number) = path.rsplit_once('/')?;
    let list = list.strip_suffix(LIST_PAGES.trim_end_matches('/'))?;
    let is_number = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    let kind = TaxonomyKind::ALL
        .into_iter()
        .find(|k| list.starts_with(&taxonomy(*k)))?;
    let slug = list[taxonomy(kind).len()..].trim_end_matches('/');
    (is_number && !slug.is_empty() && !slug.contains('/')).then_some(list)
}

/// A free-standing page (`content/pages/`): `{slug}/`.
pub fn page(slug: &str) -> String {
    format!("{slug}/")
}

/// A file beside a free-standing page.
pub fn page_file(slug: &str, rel: &str) -> String {
    format!("{slug}/{rel}")
}

/// The annual book of `year`: `compilation/{year}/`.
pub fn book(year: i64) -> String {
    format!("{BOOKS}{year}/")
}

/// Below a book's folder, its chapters: `parts/{area slug}/`.
pub const BOOK_PARTS: &str = "parts/";
/// Below a book's folder, the whole book on one page, for printing.
pub const BOOK_PRINT: &str = "print/";
/// Below a book's folder, its indices.
pub const BOOK_INDICES: &str = "indices/";

/// Chapter `n` (from 1) of a book's part, relative to the book's folder:
/// `parts/{slug}/` for the first, `parts/{slug}/{n}/` for the others.
pub fn book_chapter(slug: &str, n: usize) -> String {
    match n {
        0 | 1 => format!("{BOOK_PARTS}{slug}/"),
        n => format!("{BOOK_PARTS}{slug}/{n}/"),
    }
}

/// The book a page of a web book's chapter belongs to:
/// `compilation/2023/parts/x/2/` → `compilation/2023/` (with or without
/// the trailing slash); `None` for any other path. Chapters come and go as
/// a year's parts grow and shrink; a visit to a vanished one is sent to
/// its book.
pub fn book_of_chapter(path: &str) -> Option<&str> {
    let path = path.trim_end_matches('/');
    let rest = path.strip_prefix(BOOKS)?;
    let (year, chapter) = rest.split_once('/')?;
    let chapter = chapter.strip_prefix(BOOK_PARTS)?;
    let mut segments = chapter.split('/');
    let slug_ok = segments.next().is_some_and(|s| !s.is_empty());
    let number_ok = match (segments.next(), segments.next()) {
        (None, _) => true,
        (Some(n), None) => !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    };
    let year_ok = !year.is_empty() && year.bytes().all(|b| b.is_ascii_digit());
    (year_ok && slug_ok && number_ok).then(|| &path[..BOOKS.len() + year.len() + 1])
}

/// Is `path` a book's print version (`compilation/{year}/print/index.html`)?
pub fn is_book_print_page(path: &str) -> bool {
    path.strip_prefix(BOOKS)
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, page)| page == index_of(BOOK_PRINT))
}

/// The printed book of `year`, beside its folder: `compilation/{year}.pdf`.
pub fn book_pdf(year: i64) -> String {
    format!("{BOOKS}{year}.pdf")
}

/// A file of the search export, in its folder named by the export's hash.
pub fn search_export_file(folder: &str, name: &str) -> String {
    format!("{SEARCH}{folder}/{name}")
}

/// Is `path` a file of the search export (not the search page)?
pub fn is_search_export_file(path: &str) -> bool {
    path.starts_with(SEARCH) && path != index_of(SEARCH)
}

pub const HOME: &str = "";
/// The folder of every case's page.
pub const CASES: &str = "cases/";
pub const OVERVIEW: &str = "overview/";
pub const SEARCH: &str = "search/";
/// The export's meta, for clients that do not read it from the search page.
pub const SEARCH_META: &str = "search/meta.json";
pub const NOT_FOUND: &str = "404.html";
pub const FEED: &str = "atom.xml";
/// The sitemap index (robots.txt names it); its sitemaps are
/// [`sitemap_part`]s beside it (a sitemap lists only URLs below its own
/// folder, so they stay at the root).
pub const SITEMAP: &str = "sitemap.xml";

/// The `n`th sitemap (from 1) the index lists.
pub fn sitemap_part(n: usize) -> String {
    format!("sitemap-{n}.xml")
}

/// Is `path` the sitemap index or one of its sitemaps?
pub fn is_sitemap(path: &str) -> bool {
    path == SITEMAP
        || path
            .strip_prefix("sitemap-")
            .and_then(|rest| rest.strip_suffix(".xml"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}
pub const ROBOTS: &str = "robots.txt";
/// Every published URL path of the build (see `published`).
pub const PUBLISHED_LIST: &str = "urls.txt";
pub const SHORT_LINKS: &str = "c/";
/// Below a term's list, its later pages: `page/2/` …
pub const LIST_PAGES: &str = "page/";
pub const QR_CODES: &str = "qr/";
pub const BOOKS: &str = "compilation/";
/// The open data.
pub const DATA: &str = "data/";
pub const DATA_JSON: &str = "data/cases.json";
pub const DATA_SCHEMA: &str = "data/cases.schema.json";
pub const DATA_CSV: &str = "data/cases.csv";
pub const DATA_XLSX: &str = "data/cases.xlsx";

/// First path segments the generator uses itself (and the theme's static
/// folders); pages may not take them.
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
    NOT_FOUND,
    SITEMAP,
    FEED,
    ROBOTS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_follows_the_base_url() {
        let urls = Urls::new("https://example.org/casebook");
        assert_eq!(urls.base_url(), "https://example.org/casebook/");
        assert_eq!(urls.base_path(), "/casebook/");
        assert_eq!(Urls::new("https://example.org").base_path(), "/");
        assert_eq!(urls.link(&case("2023-001")), "/casebook/cases/2023-001/");
        assert_eq!(
            urls.permalink(&short_link("2023-001")),
            "https://example.org/casebook/c/2023-001"
        );
    }

    #[test]
    fn every_output_folder_is_reserved() {
        let first = |path: String| path.split('/').next().unwrap().to_string();
        let outputs = [
            case("x"),
            short_link("x"),
            qr_code("x", "svg"),
            book(2023),
            SEARCH.to_string(),
            DATA.to_string(),
            OVERVIEW.to_string(),
            NOT_FOUND.to_string(),
            SITEMAP.to_string(),
            FEED.to_string(),
            ROBOTS.to_string(),
        ];
        for path in outputs.into_iter().map(first) {
            assert!(RESERVED_SEGMENTS.contains(&path.as_str()), "{path}");
        }
        for kind in TaxonomyKind::ALL {
            assert!(RESERVED_SEGMENTS.contains(&first(taxonomy(kind)).as_str()));
        }
    }

    #[test]
    fn later_list_pages_sit_below_their_list() {
        let kind = TaxonomyKind::Area;
        assert_eq!(term_page(kind, "lean", 1), term(kind, "lean"));
        let third = term_page(kind, "lean", 3);
        assert_eq!(third, "areas/lean/page/3/");
        assert_eq!(list_of_page(&third), Some("areas/lean/"));
        assert_eq!(list_of_page("areas/lean/page/3"), Some("areas/lean/"));
        for other in [
            "areas/lean/",
            "areas/page/3/",
            "cases/x/page/3/",
            "areas/lean/page/x/",
        ] {
            assert_eq!(list_of_page(other), None, "{other}");
        }
    }

    #[test]
    fn chapters_sit_below_their_book() {
        assert_eq!(book_chapter("lean", 1), "parts/lean/");
        assert!(is_book_print_page("compilation/2023/print/index.html"));
        assert!(!is_book_print_page("compilation/2023/index.html"));
        assert!(!is_book_print_page("print/index.html"));
        let third = format!("{}{}", book(2023), book_chapter("lean", 3));
        assert_eq!(third, "compilation/2023/parts/lean/3/");
        assert_eq!(book_of_chapter(&third), Some("compilation/2023/"));
        assert_eq!(
            book_of_chapter("compilation/2023/parts/lean"),
            Some("compilation/2023/")
        );
        for other in [
            "compilation/2023/",
            "compilation/2023/print/",
            "compilation/2023/parts/",
            "compilation/x/parts/lean/",
            "compilation/2023/parts/lean/x/",
            "compilation/2023/parts/lean/2/3/",
            "areas/lean/page/3/",
        ] {
            assert_eq!(book_of_chapter(other), None, "{other}");
        }
    }

    #[test]
    fn search_export_files_are_told_from_the_search_page() {
        assert!(is_search_export_file(&search_export_file(
            "ab12", "t/0.json"
        )));
        assert!(is_search_export_file(SEARCH_META));
        assert!(!is_search_export_file(&index_of(SEARCH)));
    }
}
