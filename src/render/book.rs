//! The annual books (`compilation/{year}/`): view models of a
//! [`book::Book`](crate::book::Book) and the case bodies adapted to
//! one long document. A book's folder is self-contained (its stylesheet,
//! the images of its cases, QR codes inline; every URL relative or an
//! absolute link to the site), so `casebook compile` can write it anywhere
//! and a browser can print it from disk. The print-ready PDF is typeset
//! from the same `Book` by `typeset`, not from this HTML.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use super::qr;
use super::views::{MetricView, Views};
use crate::book::Book;
use crate::content::{Case, Status};
use crate::output::{Contents, OutputFile};
use crate::theme::fingerprinted_path;
use crate::urls;

/// Chinese numerals for part numbers (第一部分 …).
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

#[derive(Serialize)]
pub struct BookView {
    pub title: String,
    pub year: i64,
    pub site_title: String,
    pub site_url: String,
    pub publisher: String,
    pub editor: String,
    pub case_count: usize,
    pub enterprise_count: usize,
    pub preface: Option<PrefaceView>,
    /// Printed pages of the preface and the indices, when known.
    pub preface_page: Option<usize>,
    pub indices_page: Option<usize>,
    pub parts: Vec<PartView>,
    pub indices: Vec<IndexView>,
    /// `@page` rules naming each part's and case's running header
    /// (CSS, already escaped for a `<style>` element).
    pub page_css: String,
    /// The stylesheet, relative to the book.
    pub stylesheet: String,
    /// The printed PDF beside the book folder, when there is one.
    pub pdf_url: Option<String>,
}

#[derive(Serialize)]
pub struct PrefaceView {
    pub title: String,
    pub html: String,
}

#[derive(Serialize)]
pub struct PartView {
    /// 一, 二 …
    pub numeral: String,
    pub name: String,
    pub anchor: String,
    pub page: String,
    pub page_number: Option<usize>,
    pub description: Option<String>,
    pub groups: Vec<GroupView>,
}

#[derive(Serialize)]
pub struct GroupView {
    pub industry: String,
    pub cases: Vec<BookCase>,
}

#[derive(Serialize)]
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

#[derive(Serialize)]
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
}

/// The anchor of a case in its book.
pub fn case_anchor(id: &str) -> String {
    format!("case-{id}")
}

/// The book's view, and the files its folder needs besides the page
/// (stylesheet, images of its cases).
pub fn view(
    views: &Views,
    book: &Book,
    stylesheet: (&str, &[u8]),
    has_pdf: bool,
    pages: &BTreeMap<String, usize>,
) -> Result<(BookView, Vec<OutputFile>), (String, String)> {
    let site = views.site;
    let config = site.config;
    let year = book.year;
    let base = urls::book(year);
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
    // The cases' views in reading order, made in parallel (QR codes and body
    // rewriting are most of a book's time), then put into their parts.
    let mut case_views = book
        .cases
        .par_iter()
        .enumerate()
        .map(|(n, &i)| {
            let case = &site.cases[i];
            book_case(views, i, n + 1, &in_book)
                .map_err(|message| (case.source.rel.clone(), message))
        })
        .collect::<Result<Vec<BookCase>, (String, String)>>()?
        .into_iter();
    let mut page_css = String::new();
    let mut parts = Vec::new();
    for (p, part) in book.parts.iter().enumerate() {
        let area = &config.priority_areas[part.area];
        let page = format!("part-{}", area.slug);
        page_css.push_str(&running_header(&page, &area.name));
        let mut groups = Vec::new();
        for group in &part.groups {
            let mut cases = Vec::new();
            for &i in &group.cases {
                let case = &site.cases[i];
                let mut view = case_views.next().expect("a view per case");
                view.page_number = pages.get(&view.anchor).copied();
                page_css.push_str(&running_header(&view.page, &case.title));
                for asset in &case.assets {
                    files.push(OutputFile {
                        path: format!("{base}{}", urls::case_file(&case.id, &asset.rel)),
                        contents: Contents::Copy(asset.source.clone()),
                    });
                }
                cases.push(view);
            }
            groups.push(GroupView {
                industry: config.industries[group.industry].name.clone(),
                cases,
            });
        }
        parts.push(PartView {
            numeral: NUMERALS
                .get(p)
                .map_or_else(|| (p + 1).to_string(), |n| n.to_string()),
            name: area.name.clone(),
            anchor: format!("part-{}", area.slug),
            page_number: pages.get(&page).copied(),
            page,
            description: area.description.clone(),
            groups,
        });
    }
    if let Some(preface) = book.preface {
        for asset in &preface.assets {
            files.push(OutputFile {
                path: format!("{base}{}", asset.rel),
                contents: Contents::Copy(asset.source.clone()),
            });
        }
    }
    let numbers: std::collections::HashMap<usize, usize> = book
        .cases
        .iter()
        .enumerate()
        .map(|(n, &i)| (i, n + 1))
        .collect();
    let indices = book
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
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let mut enterprises: Vec<&str> = book
        .cases
        .iter()
        .map(|&i| site.cases[i].enterprise.name.as_str())
        .collect();
    enterprises.sort_unstable();
    enterprises.dedup();
    let preface = book.preface.map(|p| PrefaceView {
        title: p.title.clone(),
        html: local_urls(&single_pictures(&p.body.html), views, &views.url(&base)),
    });
    let view = BookView {
        title: crate::book::title(year),
        year,
        site_title: config.site.title.clone(),
        site_url: views.site.urls.base_url().to_string(),
        publisher: config.site.publisher.clone(),
        editor: config.site.editor.clone(),
        case_count: book.cases.len(),
        enterprise_count: enterprises.len(),
        preface,
        preface_page: pages.get("preface").copied(),
        indices_page: pages.get("indices").copied(),
        parts,
        indices,
        page_css,
        stylesheet: css_rel,
        pdf_url: has_pdf.then(|| format!("../{year}.pdf")),
    };
    Ok((view, files))
}

/// The view of case `index` in its book, where it is the `number`th.
fn book_case(
    views: &Views,
    index: usize,
    number: usize,
    in_book: &HashSet<&str>,
) -> Result<BookCase, String> {
    let config = views.site.config;
    let case = &views.site.cases[index];
    let short_url = views.permalink(&urls::short_link(&case.id));
    let qr_svg = qr::inline_svg(&views.qr, index, &short_url)?;
    let (html, html_after, tables_before) = body(views, case, in_book);
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
    let html_after = shift_table_numbers(&html_after, metrics.len());
    // Each metric's chart is a figure too: the figures after them move on.
    let html_after = shift_figure_numbers(&html_after, metrics.len());
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

/// A case's body made part of the book: headings one level down (the case
/// title is the `<h2>`), ids and in-page links prefixed with the case's
/// anchor so they stay unique, its files relative to the book folder, links
/// to cases of the same book turned into links within the book and other
/// site links into absolute ones. Cut before 证实性材料, where the metrics
/// tables go; also returns the number of numbered tables before the cut.
fn body(views: &Views, case: &Case, in_book: &HashSet<&str>) -> (String, String, usize) {
    let prefix = format!("{}-", case_anchor(&case.id));
    let own = views.url(&urls::case(&case.id));
    let flat = single_pictures(&case.body.html);
    let mut html = rewrite(&flat, true, |attr, value| match attr {
        Attribute::Id => Some(format!("{prefix}{value}")),
        Attribute::Href if value.starts_with('#') => Some(format!("#{prefix}{}", &value[1..])),
        Attribute::Href | Attribute::Src => {
            if let Some(rel) = value.strip_prefix(own.as_str()) {
                if case.assets.iter().any(|a| a.rel == rel) {
                    return Some(urls::case_file(&case.id, rel));
                }
            }
            if attr == Attribute::Href {
                if let Some(id) = in_book_case(value, views.site.urls.base_path(), in_book) {
                    return Some(format!("#{}", case_anchor(id)));
                }
            }
            site_url(views, attr, value, "")
        }
    });
    // 摘要 prints in bold 宋体 by an offset copy drawn from this attribute
    // (book.css): a shadow would double the heading's PDF bookmark.
    if let Some(heading) = case.body.headings.iter().find(|h| h.anchor == "abstract") {
        html = html.replacen(
            &format!("<h3 id=\"{prefix}abstract\">"),
            &format!(
                "<h3 id=\"{prefix}abstract\" data-bold=\"{}\">",
                escape_attr(&heading.text)
            ),
            1,
        );
    }
    let cut = html
        .find(&format!("<h3 id=\"{prefix}evidence\""))
        .unwrap_or(html.len());
    let after = html.split_off(cut);
    let tables = html.matches("<caption><span class=\"label\">表").count();
    (html, after, tables)
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
/// double-quoted and text never holds `="` or a raw `<`.
fn rewrite(
    html: &str,
    shift_headings: bool,
    value: impl Fn(Attribute, &str) -> Option<String>,
) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if shift_headings => {
                let close = bytes.get(i + 1) == Some(&b'/');
                let h = i + 1 + usize::from(close);
                if bytes.get(h) == Some(&b'h') {
                    if let Some(level @ b'2'..=b'5') = bytes.get(h + 1).copied() {
                        out.push_str(&html[copied..h + 1]);
                        out.push(char::from(level + 1));
                        copied = h + 2;
                        i = h + 2;
                        continue;
                    }
                }
            }
            b'=' if bytes.get(i + 1) == Some(&b'"') => {
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
                let start = i + 2;
                let end = html[start..].find('"').map_or(html.len(), |n| start + n);
                if let Some(new) = attr.and_then(|attr| value(attr, &html[start..end])) {
                    out.push_str(&html[copied..start]);
                    out.push_str(&new);
                    copied = end;
                }
                i = end;
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

fn escape_attr(text: &str) -> String {
    let mut out = String::new();
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// The id of the case of this book that `href` leads to, if any
/// (`{base_path}cases/{id}/…`).
fn in_book_case<'a>(href: &'a str, base_path: &str, in_book: &HashSet<&str>) -> Option<&'a str> {
    let rest = href.strip_prefix(base_path)?.strip_prefix(urls::CASES)?;
    let id = rest.split(['/', '#', '?']).next().unwrap_or("");
    in_book.get(id).map(|_| id)
}

/// A site URL as the book needs it: files of the book's own folder (`own`,
/// `{base_path}compilation/{year}/`) relative to it; other site links
/// absolute (they lead out of the book, also from a printed PDF); other
/// site resources relative to the site root (`../../`), as the book sits
/// two folders down. None for URLs outside the site.
fn site_url(views: &Views, attr: Attribute, value: &str, own: &str) -> Option<String> {
    if !own.is_empty() {
        if let Some(rest) = value.strip_prefix(own) {
            return Some(rest.to_string());
        }
    }
    let rest = value.strip_prefix(views.site.urls.base_path())?;
    Some(match attr {
        Attribute::Src => format!("../../{rest}"),
        _ => views.permalink(rest),
    })
}

/// The preface's body with its URLs as the book needs them (see
/// [`site_url`]); `own` is the book folder's path.
fn local_urls(html: &str, views: &Views, own: &str) -> String {
    rewrite(html, false, |attr, value| match attr {
        Attribute::Id => None,
        _ => site_url(views, attr, value, own),
    })
}

/// Add `by` to every numbered table label (表N) in `html`.
fn shift_table_numbers(html: &str, by: usize) -> String {
    if by == 0 {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = find_label(rest) {
        let (start, len) = at;
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

/// How the Markdown renderer labels a figure's number.
const FIGURE_LABEL: &str = "<span class=\"label\">图";

/// Add `by` to the number of every figure label in `html`.
fn shift_figure_numbers(html: &str, by: usize) -> String {
    if by == 0 {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(FIGURE_LABEL) {
        let len = FIGURE_LABEL.len();
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

/// The next table-number label: its offset and the length of the text
/// before the number.
fn find_label(html: &str) -> Option<(usize, usize)> {
    ["<span class=\"label\">表", "aria-label=\"表"]
        .iter()
        .filter_map(|m| html.find(m).map(|at| (at, m.len())))
        .min()
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
}
