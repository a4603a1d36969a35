//! The annual books (`compilation/{year}/`): view models of a
//! [`book::Book`](crate::book::Book) and the case bodies adapted to it.
//! On the web a book is a front page (cover, preface, contents), its
//! chapters (`parts/{slug}/[N/]`, [`crate::book::chapters`]) and its
//! indices (`indices/`); `print/` holds the whole book on one page for
//! printing from the browser. A case's body is rewritten for the page it
//! is on ([`Place`]): its files and the other cases it links to relative to
//! that page. A book's folder is self-contained (its stylesheet, the images
//! of its cases, QR codes inline; every URL relative or an absolute link to
//! the site), so `casebook compile` can write it anywhere and a browser can
//! print it from disk. The print-ready PDF is typeset from the same `Book`
//! by `typeset`, not from this HTML.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use super::qr;
use super::views::{MetricView, Views, FIGURE_LABEL};
use crate::book::{Book, Chapter};
use crate::content::{Case, Status};
use crate::output::{Contents, OutputFile};
use crate::site::Site;
use crate::theme::fingerprinted_path;
use crate::urls;

/// Chinese numerals for part numbers (第一部分 …).
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// What every page of a book shows of it (cover, bar, colophon), with its
/// links made relative to the page.
#[derive(Serialize)]
pub struct BookMeta {
    pub title: String,
    pub year: i64,
    pub site_title: String,
    pub site_url: String,
    pub publisher: String,
    pub editor: String,
    pub case_count: usize,
    pub enterprise_count: usize,
    /// The way up from the page to the book's folder (`../` a level;
    /// empty on the front page).
    pub root: String,
    /// The front page, the print version, the indices, relative to the page.
    pub front_url: String,
    pub print_url: String,
    pub indices_url: String,
    /// The stylesheet, relative to the page.
    pub stylesheet: String,
    /// The printed PDF beside the book folder, when there is one.
    pub pdf_url: Option<String>,
}

/// The whole book on one page (`print/`): what a browser prints.
#[derive(Serialize)]
pub struct BookView<'a> {
    #[serde(flatten)]
    pub meta: BookMeta,
    pub preface: Option<PrefaceView>,
    /// Printed pages of the preface and the indices, when known.
    pub preface_page: Option<usize>,
    pub indices_page: Option<usize>,
    pub parts: Vec<PartView<'a>>,
    pub indices: Vec<IndexView>,
    /// `@page` rules naming each part's and case's running header
    /// (CSS, already escaped for a `<style>` element).
    pub page_css: String,
}

#[derive(Serialize)]
pub struct PrefaceView {
    pub title: String,
    pub html: String,
}

#[derive(Clone, Serialize)]
pub struct PartHead {
    /// 一, 二 …
    pub numeral: String,
    pub name: String,
    pub anchor: String,
    pub page: String,
    pub page_number: Option<usize>,
    pub description: Option<String>,
}

#[derive(Serialize)]
pub struct PartView<'a> {
    #[serde(flatten)]
    pub head: PartHead,
    pub groups: Vec<GroupView<'a>>,
}

#[derive(Serialize)]
pub struct GroupView<'a> {
    pub industry: String,
    pub cases: Vec<&'a BookCase>,
}

#[derive(Clone, Serialize)]
pub struct BookCase {
    pub number: usize,
    /// The printed page it starts on (a PDF's second printing).
    pub page_number: Option<usize>,
    pub id: String,
    pub anchor: String,
    pub page: String,
    pub title: String,
    pub enterprise: String,
    pub area: String,
    pub industry: String,
    pub district: Option<String>,
    pub national: bool,
    pub permalink: String,
    pub short_url: String,
    pub qr_svg: String,
    /// The body up to the end of 实施效果 (where the metrics tables go).
    pub html: String,
    /// 证实性材料, when present.
    pub html_after: String,
    pub metrics: Vec<BookMetric>,
}

#[derive(Clone, Serialize)]
pub struct BookMetric {
    /// The table's number in its case (after the body's tables before it).
    pub number: usize,
    /// The chart's figure number in its case (after the body's figures
    /// before it).
    pub figure: usize,
    #[serde(flatten)]
    pub metric: MetricView,
}

#[derive(Serialize)]
pub struct IndexView {
    pub title: String,
    pub anchor: String,
    pub page_number: Option<usize>,
    pub entries: Vec<IndexEntryView>,
}

#[derive(Serialize)]
pub struct IndexEntryView {
    pub name: String,
    pub cases: Vec<CaseRef>,
}

#[derive(Serialize)]
pub struct CaseRef {
    pub number: usize,
    pub title: String,
    pub anchor: String,
    /// The case on its page, relative to the page showing this reference.
    pub href: String,
}

/// The front page (`compilation/{year}/`): cover, preface, contents.
#[derive(Serialize)]
pub struct FrontView {
    #[serde(flatten)]
    pub meta: BookMeta,
    pub preface: Option<PrefaceView>,
    pub parts: Vec<TocPart>,
    pub index_links: Vec<TocLink>,
}

#[derive(Serialize)]
pub struct TocPart {
    #[serde(flatten)]
    pub head: PartHead,
    /// The part's first chapter.
    pub href: String,
    /// Its chapters (more than one for a long part).
    pub chapters: Vec<TocLink>,
    pub cases: Vec<CaseRef>,
}

#[derive(Serialize)]
pub struct TocLink {
    pub title: String,
    pub href: String,
}

/// A chapter of the web book: a part, or a run of a long part's cases.
#[derive(Serialize)]
pub struct ChapterView {
    #[serde(flatten)]
    pub meta: BookMeta,
    pub part: PartHead,
    pub number: usize,
    pub of: usize,
    /// The chapter's title: the part's name, numbered when it is cut.
    pub chapter_title: String,
    pub cases: Vec<BookCase>,
    pub prev: Option<TocLink>,
    pub next: Option<TocLink>,
}

/// The indices' page (`indices/`).
#[derive(Serialize)]
pub struct IndicesView {
    #[serde(flatten)]
    pub meta: BookMeta,
    pub indices: Vec<IndexView>,
    /// The last chapter.
    pub prev: Option<TocLink>,
}

/// The anchor of a case in its book.
pub fn case_anchor(id: &str) -> String {
    format!("case-{id}")
}

/// Where a page of the book sits: links from it to the book's files and
/// to cases of the book are made relative to it.
struct Place<'p> {
    /// The page's path below the book's folder (`print/`, `parts/x/2/`).
    path: &'p str,
    /// The page each case of the book is on (path below the book's
    /// folder), by id; `None`: every case is on this page.
    pages: Option<&'p HashMap<String, String>>,
}

impl Place<'_> {
    /// The way up to the book's folder.
    fn root(&self) -> String {
        "../".repeat(self.path.matches('/').count())
    }

    /// The link from this page to case `id` of the book.
    fn case(&self, id: &str) -> String {
        let anchor = case_anchor(id);
        match self.pages.and_then(|p| p.get(id)) {
            Some(page) if page != self.path => format!("{}{page}#{anchor}", self.root()),
            _ => format!("#{anchor}"),
        }
    }
}

/// A year's book made ready for its pages: every case's view (bodies as
/// on the print page), its chapters and where each case is.
pub struct Prepared<'v> {
    views: &'v Views<'v>,
    book: &'v Book<'v>,
    cases: Vec<BookCase>,
    chapters: Vec<Chapter>,
    /// Each chapter's path below the book's folder.
    chapter_paths: Vec<String>,
    /// The chapter path of each case, by id.
    case_pages: HashMap<String, String>,
    stylesheet: String,
    has_pdf: bool,
}

/// The book's cases made ready for its pages, and the files its folder
/// needs besides them (stylesheet, images of its cases and preface).
pub fn prepare<'v>(
    views: &'v Views,
    book: &'v Book,
    stylesheet: (&str, &[u8]),
    has_pdf: bool,
) -> Result<(Prepared<'v>, Vec<OutputFile>), (String, String)> {
    let site = views.site;
    let base = urls::book(book.year);
    let css_rel = fingerprinted_path(stylesheet.0, stylesheet.1);
    let mut files = vec![OutputFile {
        path: format!("{base}{css_rel}"),
        contents: Contents::Bytes(stylesheet.1.to_vec()),
    }];
    let in_book: HashSet<&str> = book
        .cases
        .iter()
        .map(|&i| site.cases[i].id.as_str())
        .collect();
    let print = Place {
        path: urls::BOOK_PRINT,
        pages: None,
    };
    // The cases' views in reading order, made in parallel (QR codes and body
    // rewriting are most of a book's time).
    let cases = book
        .cases
        .par_iter()
        .enumerate()
        .map(|(n, &i)| {
            let case = &site.cases[i];
            book_case(views, i, n + 1, &in_book, &print)
                .map_err(|message| (case.source.rel.clone(), message))
        })
        .collect::<Result<Vec<BookCase>, (String, String)>>()?;
    for &i in &book.cases {
        let case = &site.cases[i];
        for asset in &case.assets {
            files.push(OutputFile {
                path: format!("{base}{}", urls::case_file(&case.id, &asset.rel)),
                contents: Contents::Copy(asset.source.clone()),
            });
        }
    }
    if let Some(preface) = book.preface {
        for asset in &preface.assets {
            files.push(OutputFile {
                path: format!("{base}{}", asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            });
        }
    }
    let chapters = crate::book::chapters(book);
    let chapter_paths = chapter_paths(site, book, &chapters);
    let case_pages = chapters
        .iter()
        .zip(&chapter_paths)
        .flat_map(|(c, path)| {
            c.cases
                .iter()
                .map(|&i| (site.cases[i].id.clone(), path.clone()))
        })
        .collect();
    let prepared = Prepared {
        views,
        book,
        cases,
        chapters,
        chapter_paths,
        case_pages,
        stylesheet: css_rel,
        has_pdf,
    };
    Ok((prepared, files))
}

/// The path of each of `chapters` below its book's folder.
fn chapter_paths(site: &Site, book: &Book, chapters: &[Chapter]) -> Vec<String> {
    let areas = &site.config.priority_areas;
    chapters
        .iter()
        .map(|c| urls::book_chapter(&areas[book.parts[c.part].area].slug, c.number))
        .collect()
}

/// The folders of every page of `book` (front page, chapters, indices,
/// print version), below the output folder: what the book's pages are
/// without rendering them.
pub fn page_folders(site: &Site, book: &Book) -> Vec<String> {
    let folder = urls::book(book.year);
    let chapters = crate::book::chapters(book);
    std::iter::once(String::new())
        .chain(chapter_paths(site, book, &chapters))
        .chain([urls::BOOK_INDICES.to_string(), urls::BOOK_PRINT.to_string()])
        .map(|rel| format!("{folder}{rel}"))
        .collect()
}

impl<'v> Prepared<'v> {
    /// The chapters' paths below the book's folder, in reading order.
    pub fn chapter_paths(&self) -> &[String] {
        &self.chapter_paths
    }

    fn meta(&self, place: &Place) -> BookMeta {
        let config = self.views.site.config;
        let year = self.book.year;
        let root = place.root();
        let mut enterprises: Vec<&str> = self
            .book
            .cases
            .iter()
            .map(|&i| self.views.site.cases[i].enterprise.name.as_str())
            .collect();
        enterprises.sort_unstable();
        enterprises.dedup();
        BookMeta {
            title: crate::book::title(year),
            year,
            site_title: config.site.title.clone(),
            site_url: self.views.site.urls.base_url().to_string(),
            publisher: config.site.publisher.clone(),
            editor: config.site.editor.clone(),
            case_count: self.book.cases.len(),
            enterprise_count: enterprises.len(),
            front_url: if root.is_empty() {
                "./".to_string()
            } else {
                root.clone()
            },
            print_url: format!("{root}{}", urls::BOOK_PRINT),
            indices_url: format!("{root}{}", urls::BOOK_INDICES),
            stylesheet: format!("{root}{}", self.stylesheet),
            pdf_url: self.has_pdf.then(|| format!("{root}../{year}.pdf")),
            root,
        }
    }

    fn part_head(&self, p: usize, pages: &BTreeMap<String, usize>) -> PartHead {
        let area = &self.views.site.config.priority_areas[self.book.parts[p].area];
        let page = format!("part-{}", area.slug);
        PartHead {
            numeral: NUMERALS
                .get(p)
                .map_or_else(|| (p + 1).to_string(), |n| n.to_string()),
            name: area.name.clone(),
            anchor: page.clone(),
            page_number: pages.get(&page).copied(),
            page,
            description: area.description.clone(),
        }
    }

    fn preface(&self, place: &Place) -> Option<PrefaceView> {
        let own = self.views.url(&urls::book(self.book.year));
        self.book.preface.map(|p| PrefaceView {
            title: p.title.clone(),
            html: local_urls(
                &single_pictures(&p.body.html),
                self.views,
                &own,
                &place.root(),
            ),
        })
    }

    fn indices_view(&self, place: &Place, pages: &BTreeMap<String, usize>) -> Vec<IndexView> {
        let site = self.views.site;
        let numbers: HashMap<usize, usize> = self
            .book
            .cases
            .iter()
            .enumerate()
            .map(|(n, &i)| (i, n + 1))
            .collect();
        self.book
            .indices
            .iter()
            .map(|index| IndexView {
                title: index.kind.title().to_string(),
                anchor: index.kind.anchor().to_string(),
                page_number: pages.get(index.kind.anchor()).copied(),
                entries: index
                    .entries
                    .iter()
                    .map(|entry| IndexEntryView {
                        name: entry.name.clone(),
                        cases: entry
                            .cases
                            .iter()
                            .map(|&i| CaseRef {
                                number: numbers[&i],
                                title: site.cases[i].title.clone(),
                                anchor: case_anchor(&site.cases[i].id),
                                href: place.case(&site.cases[i].id),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The whole book on one page. `pages`: the printed page of each
    /// anchor, for the table of contents.
    pub fn print(&self, pages: &BTreeMap<String, usize>) -> BookView<'_> {
        let site = self.views.site;
        let place = Place {
            path: urls::BOOK_PRINT,
            pages: None,
        };
        let mut page_css = String::new();
        let mut next = 0;
        let mut parts = Vec::new();
        for (p, part) in self.book.parts.iter().enumerate() {
            let head = self.part_head(p, pages);
            page_css.push_str(&running_header(&head.page, &head.name));
            let groups = part
                .groups
                .iter()
                .map(|group| {
                    let cases = group
                        .cases
                        .iter()
                        .map(|&i| {
                            let view = &self.cases[next];
                            next += 1;
                            page_css.push_str(&running_header(&view.page, &site.cases[i].title));
                            view
                        })
                        .collect();
                    GroupView {
                        industry: site.config.industries[group.industry].name.clone(),
                        cases,
                    }
                })
                .collect();
            parts.push(PartView { head, groups });
        }
        BookView {
            meta: self.meta(&place),
            preface: self.preface(&place),
            preface_page: pages.get("preface").copied(),
            indices_page: pages.get("indices").copied(),
            parts,
            indices: self.indices_view(&place, pages),
            page_css,
        }
    }

    /// The front page: cover, preface and the contents, whose entries
    /// lead into the chapters.
    pub fn front(&self) -> FrontView {
        let site = self.views.site;
        let place = Place {
            path: "",
            pages: Some(&self.case_pages),
        };
        let no_pages = BTreeMap::new();
        let mut next = 0;
        let parts = (0..self.book.parts.len())
            .map(|p| {
                let head = self.part_head(p, &no_pages);
                let mine: Vec<usize> = (0..self.chapters.len())
                    .filter(|&k| self.chapters[k].part == p)
                    .collect();
                let chapters = mine
                    .iter()
                    .map(|&k| TocLink {
                        title: self.chapter_title(k),
                        href: self.chapter_paths[k].clone(),
                    })
                    .collect();
                let cases = mine
                    .iter()
                    .flat_map(|&k| self.chapters[k].cases.iter())
                    .map(|&i| {
                        next += 1;
                        CaseRef {
                            number: next,
                            title: site.cases[i].title.clone(),
                            anchor: case_anchor(&site.cases[i].id),
                            href: place.case(&site.cases[i].id),
                        }
                    })
                    .collect();
                TocPart {
                    href: format!("{}#{}", self.chapter_paths[mine[0]], head.anchor),
                    head,
                    chapters,
                    cases,
                }
            })
            .collect();
        FrontView {
            meta: self.meta(&place),
            preface: self.preface(&place),
            parts,
            index_links: self
                .book
                .indices
                .iter()
                .map(|index| TocLink {
                    title: index.kind.title().to_string(),
                    href: format!("{}#{}", urls::BOOK_INDICES, index.kind.anchor()),
                })
                .collect(),
        }
    }

    fn chapter_title(&self, k: usize) -> String {
        let chapter = &self.chapters[k];
        let name = &self.views.site.config.priority_areas[self.book.parts[chapter.part].area].name;
        match chapter.of {
            1 => name.clone(),
            of => format!("{name}（{}/{of}）", chapter.number),
        }
    }

    /// Chapter `k` (in reading order), its cases' bodies linking into the
    /// other chapters.
    pub fn chapter(&self, k: usize) -> ChapterView {
        let site = self.views.site;
        let chapter = &self.chapters[k];
        let place = Place {
            path: &self.chapter_paths[k],
            pages: Some(&self.case_pages),
        };
        let root = place.root();
        let in_book: HashSet<&str> = self.case_pages.keys().map(String::as_str).collect();
        let first = self
            .book
            .cases
            .iter()
            .position(|&i| Some(&i) == chapter.cases.first())
            .unwrap_or(0);
        let cases = chapter
            .cases
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let mut view = self.cases[first + n].clone();
                let (html, html_after) = case_body(self.views, site.cases[i], &in_book, &place);
                view.html = html;
                view.html_after = finish_after(&html_after, view.metrics.len());
                view
            })
            .collect();
        let link = |k: usize| TocLink {
            title: self.chapter_title(k),
            href: format!("{root}{}", self.chapter_paths[k]),
        };
        ChapterView {
            meta: self.meta(&place),
            part: self.part_head(chapter.part, &BTreeMap::new()),
            number: chapter.number,
            of: chapter.of,
            chapter_title: self.chapter_title(k),
            cases,
            prev: k.checked_sub(1).map(link),
            next: match k + 1 < self.chapters.len() {
                true => Some(link(k + 1)),
                false => Some(TocLink {
                    title: "索引".to_string(),
                    href: format!("{root}{}", urls::BOOK_INDICES),
                }),
            },
        }
    }

    /// The indices, each entry leading to its case's chapter.
    pub fn indices(&self) -> IndicesView {
        let place = Place {
            path: urls::BOOK_INDICES,
            pages: Some(&self.case_pages),
        };
        let root = place.root();
        let last = self.chapters.len().checked_sub(1);
        IndicesView {
            meta: self.meta(&place),
            indices: self.indices_view(&place, &BTreeMap::new()),
            prev: last.map(|k| TocLink {
                title: self.chapter_title(k),
                href: format!("{root}{}", self.chapter_paths[k]),
            }),
        }
    }
}

/// The view of case `index` in its book, where it is the `number`th, with
/// its body's links made for `place`.
fn book_case(
    views: &Views,
    index: usize,
    number: usize,
    in_book: &HashSet<&str>,
    place: &Place,
) -> Result<BookCase, String> {
    let config = views.site.config;
    let case = &views.site.cases[index];
    let short_url = views.permalink(&urls::short_link(&case.id));
    let qr_svg = qr::inline_svg(&views.qr, index, &short_url)?;
    let (html, html_after) = case_body(views, case, in_book, place);
    let tables_before = html.matches(TABLE_LABEL).count();
    let figures_before = html.matches(FIGURE_LABEL).count();
    let metrics: Vec<BookMetric> = views
        .metric_views(index)
        .into_iter()
        .enumerate()
        .map(|(k, metric)| BookMetric {
            number: tables_before + k + 1,
            figure: figures_before + k + 1,
            metric,
        })
        .collect();
    let html_after = finish_after(&html_after, metrics.len());
    Ok(BookCase {
        number,
        page_number: None,
        anchor: case_anchor(&case.id),
        page: format!("case-{}", case.id),
        id: case.id.clone(),
        title: case.title.clone(),
        enterprise: case.enterprise.name.clone(),
        area: config.priority_areas[case.area].name.clone(),
        industry: config.industries[case.industry].name.clone(),
        district: case.district.map(|d| config.districts[d].name.clone()),
        national: case.status == Status::National,
        permalink: views.permalink(&Views::case_path(case)),
        short_url,
        qr_svg,
        html,
        html_after,
        metrics,
    })
}

/// 证实性材料 after `metrics` metric charts and tables: its table and
/// figure numbers move on past them.
fn finish_after(html_after: &str, metrics: usize) -> String {
    let html_after = shift_table_numbers(html_after, metrics);
    shift_figure_numbers(&html_after, metrics)
}

/// How the Markdown renderer labels a table's number.
const TABLE_LABEL: &str = "<caption><span class=\"label\">表";

/// A case's body made part of the book: headings one level down (the case
/// title is the `<h2>`), ids and in-page links prefixed with the case's
/// anchor so they stay unique, its files relative to `place`, links to
/// cases of the same book turned into links within the book and other site
/// links into absolute ones. Cut before 证实性材料, where the metrics
/// tables go.
fn case_body(
    views: &Views,
    case: &Case,
    in_book: &HashSet<&str>,
    place: &Place,
) -> (String, String) {
    let prefix = format!("{}-", case_anchor(&case.id));
    let own = views.url(&urls::case(&case.id));
    let root = place.root();
    let flat = single_pictures(&case.body.html);
    let mut html = rewrite(&flat, true, |attr, value| match attr {
        Attribute::Id => Some(format!("{prefix}{value}")),
        Attribute::Href if value.starts_with('#') => Some(format!("#{prefix}{}", &value[1..])),
        Attribute::Href | Attribute::Src => {
            if let Some(rel) = value.strip_prefix(own.as_str()) {
                if case.assets.iter().any(|a| a.rel == rel) {
                    return Some(format!("{root}{}", urls::case_file(&case.id, rel)));
                }
            }
            if attr == Attribute::Href {
                if let Some(id) = in_book_case(value, views.site.urls.base_path(), in_book) {
                    return Some(place.case(id));
                }
            }
            site_url(views, attr, value, "", &root)
        }
    });
    // 摘要 prints in bold 宋体 by an offset copy drawn from this attribute
    // (book.css): a shadow would double the heading's PDF bookmark.
    if let Some(heading) = case.body.headings.iter().find(|h| h.anchor == "abstract") {
        html = html.replacen(
            &format!("<h3 id=\"{prefix}abstract\">"),
            &format!(
                "<h3 id=\"{prefix}abstract\" data-bold=\"{}\">",
                crate::text::escape_markup(&heading.text)
            ),
            1,
        );
    }
    let cut = html
        .find(&format!("<h3 id=\"{prefix}evidence\""))
        .unwrap_or(html.len());
    let after = html.split_off(cut);
    (html, after)
}

/// The attributes whose values [`rewrite`] hands over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attribute {
    Id,
    Href,
    Src,
}

/// `html` with `h2`–`h5` one level down (when `shift_headings`) and every
/// `id`, `href` and `src` value passed through `value` (None: unchanged),
/// in one pass: a book rewrites every case's body, and a dozen `replace`
/// passes over each were a tenth of the build. Bodies come from the
/// Markdown renderer and the sanitiser, so attribute values are always
/// double-quoted and text never holds a raw `<`; text may hold ` id="`
/// (the sanitiser does not escape quotes in text), so attributes are only
/// looked for inside a tag.
fn rewrite(
    html: &str,
    shift_headings: bool,
    value: impl Fn(Attribute, &str) -> Option<String>,
) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut copied = 0;
    let mut in_tag = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let close = bytes.get(i + 1) == Some(&b'/');
                let h = i + 1 + usize::from(close);
                in_tag = bytes.get(h).is_some_and(u8::is_ascii_alphabetic);
                if shift_headings && bytes.get(h) == Some(&b'h') {
                    if let Some(level @ b'2'..=b'5') = bytes.get(h + 1).copied() {
                        out.push_str(&html[copied..h + 1]);
                        out.push(char::from(level + 1));
                        copied = h + 2;
                        i = h + 2;
                        continue;
                    }
                }
            }
            b'>' => in_tag = false,
            b'=' if in_tag && bytes.get(i + 1) == Some(&b'"') => {
                let before = &html[..i];
                let attr = if before.ends_with(" id") {
                    Some(Attribute::Id)
                } else if before.ends_with(" href") {
                    Some(Attribute::Href)
                } else if before.ends_with(" src") {
                    Some(Attribute::Src)
                } else {
                    None
                };
                // Past the value, so a `>` inside it does not end the tag.
                let start = i + 2;
                let end = html[start..].find('"').map_or(html.len(), |n| start + n);
                if let Some(new) = attr.and_then(|attr| value(attr, &html[start..end])) {
                    out.push_str(&html[copied..start]);
                    out.push_str(&new);
                    copied = end;
                }
                i = end + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&html[copied..]);
    out
}

/// `html` with each responsive picture (`images::markup`) reduced to its
/// `<img>` of the original: the book's folder holds only the originals
/// (it is printed, and read from anywhere), so no `srcset` may point into
/// the site.
fn single_pictures(html: &str) -> String {
    if !html.contains("<picture>") {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<picture>") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find("</picture>") else {
            break;
        };
        let picture = &after[..end];
        let img = picture.find("<img").map_or("", |i| &picture[i..]);
        out.push_str(&drop_attribute(&drop_attribute(img, "srcset"), "sizes"));
        rest = &after[end + "</picture>".len()..];
    }
    out.push_str(rest);
    out
}

/// `tag` without its attribute `name` (written ` name="…"`).
fn drop_attribute(tag: &str, name: &str) -> String {
    let needle = format!(" {name}=\"");
    match tag.find(&needle) {
        Some(at) => {
            let value_end = tag[at + needle.len()..]
                .find('"')
                .map_or(tag.len(), |n| at + needle.len() + n + 1);
            format!("{}{}", &tag[..at], &tag[value_end..])
        }
        None => tag.to_string(),
    }
}

/// The id of the case of this book that `href` leads to, if any
/// (`{base_path}cases/{id}/…`).
fn in_book_case<'a>(href: &'a str, base_path: &str, in_book: &HashSet<&str>) -> Option<&'a str> {
    let rest = href.strip_prefix(base_path)?.strip_prefix(urls::CASES)?;
    let id = rest.split(['/', '#', '?']).next().unwrap_or("");
    in_book.get(id).map(|_| id)
}

/// A site URL as the book needs it from a page `root` below the book's
/// folder: files of the book's own folder (`own`,
/// `{base_path}compilation/{year}/`) relative to the page; other site
/// links absolute (they lead out of the book, also from a printed PDF);
/// other site resources relative to the site root (`{root}../../`, as the
/// book sits two folders down). None for URLs outside the site.
fn site_url(views: &Views, attr: Attribute, value: &str, own: &str, root: &str) -> Option<String> {
    if !own.is_empty() {
        if let Some(rest) = value.strip_prefix(own) {
            return Some(format!("{root}{rest}"));
        }
    }
    let rest = value.strip_prefix(views.site.urls.base_path())?;
    Some(match attr {
        Attribute::Src => format!("{root}../../{rest}"),
        _ => views.permalink(rest),
    })
}

/// The preface's body with its URLs as the book needs them (see
/// [`site_url`]); `own` is the book folder's path.
fn local_urls(html: &str, views: &Views, own: &str, root: &str) -> String {
    rewrite(html, false, |attr, value| match attr {
        Attribute::Id => None,
        _ => site_url(views, attr, value, own, root),
    })
}

/// Add `by` to every numbered table label (表N) in `html`.
fn shift_table_numbers(html: &str, by: usize) -> String {
    shift_numbers(html, by, &["<span class=\"label\">表", "aria-label=\"表"])
}

/// Add `by` to the number of every figure label in `html`.
fn shift_figure_numbers(html: &str, by: usize) -> String {
    shift_numbers(html, by, &[FIGURE_LABEL])
}

/// Add `by` to the number that follows each of `labels` in `html`.
fn shift_numbers(html: &str, by: usize, labels: &[&str]) -> String {
    if by == 0 {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some((start, len)) = labels
        .iter()
        .filter_map(|label| rest.find(label).map(|at| (at, label.len())))
        .min()
    {
        out.push_str(&rest[..start + len]);
        let digits: String = rest[start + len..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let n: usize = digits.parse().unwrap_or(0);
        out.push_str(&(n + by).to_string());
        rest = &rest[start + len + digits.len()..];
    }
    out.push_str(rest);
    out
}

/// `@page NAME { @top-center { content: "TEXT" } }`.
fn running_header(page: &str, text: &str) -> String {
    format!(
        "@page {page} {{ @top-center {{ content: {}; }} }}\n",
        css_string(text)
    )
}

/// A CSS string literal that is also safe inside a `<style>` element.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' => out.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(css_string("a\"b</style>"), "\"a\\22 b\\3c /style\\3e \"");
    }

    #[test]
    fn table_numbers_shift() {
        let html = "<div aria-label=\"表3 结果\"><table><caption><span class=\"label\">表3</span> 结果</caption></table></div>";
        assert_eq!(
            shift_table_numbers(html, 2),
            "<div aria-label=\"表5 结果\"><table><caption><span class=\"label\">表5</span> 结果</caption></table></div>"
        );
    }

    #[test]
    fn figure_numbers_shift_past_the_metric_charts() {
        let html = "<figure class=\"figure\" id=\"case-x-fig-2\"><img src=\"a.png\" alt=\"证书\"><figcaption><span class=\"label\">图2</span> 证书</figcaption></figure><p>表1</p>";
        assert_eq!(
            shift_figure_numbers(html, 3),
            html.replace("图2</span>", "图5</span>")
        );
    }

    #[test]
    fn links_to_cases_of_the_book_stay_inside() {
        let in_book: HashSet<&str> = ["2023-001"].into_iter().collect();
        assert_eq!(
            in_book_case("/cases/2023-001/#results", "/", &in_book),
            Some("2023-001")
        );
        assert_eq!(in_book_case("/cases/2022-001/", "/", &in_book), None);
        assert_eq!(in_book_case("https://example.org/", "/", &in_book), None);
    }

    #[test]
    fn one_pass_shifts_headings_and_hands_over_id_href_and_src() {
        let html = "<h2 id=\"a\">摘要</h2><h5>x</h5><h6>y</h6><hr><header><p class=\"c\">\
                    <a href=\"#a\">1</a><img src=\"/p.png\" alt=\"=\"></p>";
        let seen = std::cell::RefCell::new(Vec::new());
        let out = rewrite(html, true, |attr, value| {
            seen.borrow_mut().push(value.to_string());
            (attr == Attribute::Id).then(|| format!("case-x-{value}"))
        });
        assert_eq!(
            out,
            "<h3 id=\"case-x-a\">摘要</h3><h6>x</h6><h6>y</h6><hr><header><p class=\"c\">\
             <a href=\"#a\">1</a><img src=\"/p.png\" alt=\"=\"></p>"
        );
        assert_eq!(*seen.borrow(), ["a", "#a", "/p.png"]);
    }

    #[test]
    fn attribute_like_text_is_left_as_written() {
        // Text the sanitiser passes through with its quotes, and values
        // holding `>` or `=`.
        let html = "<p>写作 id=\"a\" 或 href=\"b\" 都行</p>\
                    <a title=\"x > y\" href=\"#a\">id=\"c\"</a>";
        let out = rewrite(html, false, |_, value| Some(format!("[{value}]")));
        assert_eq!(
            out,
            "<p>写作 id=\"a\" 或 href=\"b\" 都行</p>\
             <a title=\"x > y\" href=\"[#a]\">id=\"c\"</a>"
        );
    }
}
