//! A [`Book`] as Typst documents, one per piece of the book: the front
//! matter (cover, colophon, preface, contents), each part's title page,
//! each case, and the indices. Each piece is its own source (the settings,
//! the page design `book.typ`, then its content), so pieces are laid out
//! independently and in parallel, and no layout pass ever holds the whole
//! book (`super::compose` joins their pages). The contents and the indices
//! are written last, with the page numbers the other pieces came out on.
//! Every text from content or configuration goes through `escape`; the
//! only Typst code here is Casebook's own.

use std::collections::HashMap;
use std::ops::Range;

use super::cover::Cover;
use super::escape;
use super::fonts::Families;
use super::markup::{self, Body, Numbers};
use super::world::FileData;
use crate::book::Book;
use crate::charts;
use crate::content::{Case, Metric};
use crate::diagnostics::{rules, Diagnostic};
use crate::site::Site;
use crate::urls;

/// The page design, after the settings.
const DESIGN: &str = include_str!("book.typ");

/// Chinese numerals for part numbers (第一部分 …).
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

/// One piece's Typst source, the files it refers to, and which content
/// file each stretch of the source came from (to name it in an error).
pub struct Document {
    pub source: String,
    pub files: HashMap<String, FileData>,
    pub origins: Vec<(Range<usize>, String)>,
    /// The content file a problem outside every origin is reported on.
    pub file: String,
}

pub struct Settings<'a> {
    pub families: &'a Families,
    pub double_sided: bool,
    /// The date printed on the cover and colophon (2026年12月).
    pub date: String,
}

/// What a body piece opens: a part's title page or a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opens {
    Part(usize),
    /// Index into `site.cases`.
    Case(usize),
}

/// The folio a part or case starts on: its page in the body, from 1
/// (every body page is numbered, blank ones too, so this is also its
/// physical page after the front matter).
pub type Start = usize;

/// The settings and the page design every piece starts with.
pub fn prelude(site: &Site, book: &Book, settings: &Settings) -> String {
    let mut out = preamble(site, book, settings);
    out.push_str(DESIGN);
    out.push('\n');
    out
}

fn piece(prelude: &str, file: &str) -> Document {
    Document {
        source: prelude.to_string(),
        files: HashMap::new(),
        origins: Vec::new(),
        file: file.to_string(),
    }
}

/// The body's pieces in reading order: each part's title page, then its
/// cases. Their pages are numbered from 1 by `compose`, not here.
pub fn body(book: &Book) -> Vec<Opens> {
    let mut pieces = Vec::with_capacity(book.cases.len() + book.parts.len());
    for (p, part) in book.parts.iter().enumerate() {
        pieces.push(Opens::Part(p));
        pieces.extend(
            part.groups
                .iter()
                .flat_map(|g| &g.cases)
                .map(|&i| Opens::Case(i)),
        );
    }
    pieces
}

/// The source of one body piece, without its folios (`compose` adds them);
/// an error names the file that could not be read again or whose QR code
/// failed.
pub fn body_piece(
    site: &Site,
    book: &Book,
    prelude: &str,
    opens: Opens,
) -> Result<Document, Diagnostic> {
    match opens {
        Opens::Part(p) => {
            let area = &site.config.priority_areas[book.parts[p].area];
            let numeral = NUMERALS
                .get(p)
                .map_or((p + 1).to_string(), |n| n.to_string());
            let description = area
                .description
                .as_deref()
                .map_or("none".to_string(), escape::string);
            let mut doc = piece(prelude, "casebook.toml");
            doc.source.push_str(&format!(
                "{NO_FOLIO}#part-page({}, {}, {description})\n",
                escape::string(&numeral),
                escape::string(&area.name),
            ));
            Ok(doc)
        }
        Opens::Case(i) => {
            let case = site.cases[i];
            let mut doc = piece(prelude, &case.source.rel);
            doc.source.push_str(NO_FOLIO);
            case_section(site, case, &mut doc)?;
            Ok(doc)
        }
    }
}

/// Body pieces are set without folios: `compose` numbers their pages once
/// every piece's length is known.
const NO_FOLIO: &str = "#set page(numbering: \"1\", footer: none)\n";

/// The folios of the body's pages 1 to `pages`, one per page, placed as
/// the design places them.
pub fn folios(prelude: &str, pages: usize) -> Document {
    let mut doc = piece(prelude, "casebook.toml");
    doc.source.push_str(&format!(
        "#set page(numbering: \"1\", header: none)\n#counter(page).update(1)\n#for _ in range({}) {{ pagebreak() }}\n",
        pages.saturating_sub(1)
    ));
    doc
}

/// The front matter: cover, colophon, preface and the contents, whose
/// entries give the pages of `starts` and link to them (on the physical
/// page `front_pages` after their folio, the front matter's own length).
pub fn front(
    site: &Site,
    book: &Book,
    prelude: &str,
    starts: &HashMap<Opens, Start>,
    front_pages: usize,
    cover: Option<&Cover>,
) -> Result<Document, Diagnostic> {
    let mut doc = piece(prelude, "casebook.toml");
    let picture = match cover {
        Some(cover) => {
            let path = format!("cover.{}", cover.extension);
            doc.files
                .insert(path.clone(), FileData::Disk(cover.file.clone()));
            escape::string(&path)
        }
        None => "none".to_string(),
    };
    doc.source.push_str(&format!(
        "#cover({}, {picture})\n#new-section()\n#colophon()\n#new-section()\n",
        book.year
    ));
    if let Some(preface) = book.preface {
        let start = doc.source.len();
        doc.source.push_str(&format!(
            "#metadata(none) <preface>\n#front-heading({})\n",
            escape::string(&preface.title)
        ));
        let mut body = body_of("preface", &preface.assets);
        let markdown = kept_markdown(&preface.body, &preface.source.rel)?;
        doc.source.push_str(&markup::convert(markdown, &mut body));
        doc.add_files(body.files);
        doc.source.push_str("#new-section()\n");
        doc.origins
            .push((start..doc.source.len(), preface.source.rel.clone()));
    }
    doc.source
        .push_str("#front-heading(\"目录\", outlined: false)\n");
    if let Some(preface) = book.preface {
        doc.source.push_str(&format!(
            "#toc-preface([{}])\n",
            escape::markup(&preface.title)
        ));
    }
    for (p, part) in book.parts.iter().enumerate() {
        let area = &site.config.priority_areas[part.area];
        doc.source.push_str(&toc_entry(
            1,
            &area.name,
            starts.get(&Opens::Part(p)),
            front_pages,
        ));
        for &i in part.groups.iter().flat_map(|g| &g.cases) {
            let title = &site.cases[i].title;
            doc.source.push_str(&toc_entry(
                2,
                title,
                starts.get(&Opens::Case(i)),
                front_pages,
            ));
        }
    }
    Ok(doc)
}

fn toc_entry(level: u8, title: &str, start: Option<&Start>, front_pages: usize) -> String {
    let folio = start.copied().unwrap_or(1);
    format!(
        "#toc-entry({level}, [{}], ({folio}, {}))\n",
        escape::markup(title),
        front_pages + folio
    )
}

/// The indices, numbered on from `first` (the folio after the body's
/// last page): each entry with the pages its cases start on, linked as in
/// the contents.
pub fn back(
    book: &Book,
    prelude: &str,
    starts: &HashMap<Opens, Start>,
    first: Start,
    front_pages: usize,
) -> Document {
    let mut doc = piece(prelude, "casebook.toml");
    doc.source.push_str(&format!(
        "#set page(numbering: \"1\")\n#counter(page).update({first})\n",
    ));
    for (n, index) in book.indices.iter().enumerate() {
        if n > 0 {
            doc.source.push_str("#new-section()\n");
        }
        let title = escape::string(index.kind.title());
        doc.source.push_str(&format!(
            "#front-heading({title})\n#metadata({title}) <running>\n"
        ));
        for entry in &index.entries {
            let pages: Vec<String> = entry
                .cases
                .iter()
                .filter_map(|&i| starts.get(&Opens::Case(i)))
                .map(|folio| format!("({folio}, {})", front_pages + folio))
                .collect();
            doc.source.push_str(&format!(
                "#index-entry([{}], ({},))\n",
                escape::markup(&entry.name),
                pages.join(", ")
            ));
        }
    }
    doc
}

impl Document {
    fn add_files(&mut self, files: Vec<(String, std::path::PathBuf)>) {
        for (path, source) in files {
            self.files.insert(path, FileData::Disk(source));
        }
    }
}

/// The settings `book.typ` reads.
fn preamble(site: &Site, book: &Book, settings: &Settings) -> String {
    let config = site.config;
    let fonts = |latin: &str, cjk: &str| {
        format!(
            "((name: {}, covers: \"latin-in-cjk\"), {})",
            escape::string(latin),
            escape::string(cjk)
        )
    };
    let f = settings.families;
    format!(
        "#let book-title = {}\n#let publisher = {}\n#let editor = {}\n#let date-text = {}\n\
         #let note = {}\n#let double-sided = {}\n#let song-fonts = {}\n#let hei-fonts = {}\n",
        escape::string(&crate::book::title(book.year)),
        escape::string(&config.site.publisher),
        escape::string(&config.site.editor),
        escape::string(&settings.date),
        escape::string(&config.book.note),
        settings.double_sided,
        fonts(&f.serif, &f.song),
        fonts(&f.sans, &f.hei),
    )
}

fn body_of<'a>(folder: &str, assets: &'a [crate::content::Asset]) -> Body<'a> {
    Body {
        folder: folder.to_string(),
        assets,
        files: Vec::new(),
        numbers: Numbers::default(),
        before_evidence: None,
    }
}

/// One case: on a new page, its title, enterprise, body with the metrics
/// before 证实性材料, and its QR code.
fn case_section(site: &Site, case: &Case, doc: &mut Document) -> Result<(), Diagnostic> {
    let markdown = kept_markdown(&case.body, &case.source.rel)?;
    let folder = format!("cases/{}", case.id);
    let title = escape::string(&case.title);
    doc.source.push_str(&format!(
        "#case-start({title})\n#heading(level: 2)[{}] {}\n#case-meta[{}]\n",
        escape::markup(&case.title),
        case_label(&case.id),
        escape::markup(&case.enterprise.name),
    ));
    let mut charts = Vec::new();
    let metrics_folder = folder.clone();
    let mut body = body_of(&folder, &case.assets);
    let charts_out = &mut charts;
    body.before_evidence = Some(Box::new(move |numbers: &mut Numbers| {
        metrics_markup(
            &metrics_folder,
            &case.id,
            &case.metrics,
            numbers,
            charts_out,
        )
    }));
    let text = markup::convert(markdown, &mut body);
    let images = std::mem::take(&mut body.files);
    drop(body);
    doc.source.push_str(&text);
    doc.add_files(images);
    for (path, svg) in charts {
        doc.files
            .insert(path, FileData::Memory(typst::foundations::Bytes::new(svg)));
    }
    let url = site.urls.permalink(&urls::short_link(&case.id));
    let qr = crate::render::qr_svg(&url)
        .map_err(|e| Diagnostic::error(rules::BOOK_TYPESET, &case.source.rel, e))?;
    let qr_path = format!("{folder}/qr.svg");
    doc.files.insert(
        qr_path.clone(),
        FileData::Memory(typst::foundations::Bytes::new(qr.into_bytes())),
    );
    doc.source.push_str(&format!(
        "#qr-block({}, {})\n",
        escape::string(&qr_path),
        escape::string(&url)
    ));
    Ok(())
}

/// The label of a case's title, which the indices' page numbers refer to
/// (ids are `YYYY-NNN`; anything else is dropped to stay a valid label).
pub fn case_label(id: &str) -> String {
    format!("<{}>", case_key(id))
}

fn case_key(id: &str) -> String {
    let id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("case-{id}")
}

/// Each metric's chart (a figure, below its caption's number) and its data
/// table (years as rows, so years never wrap), numbered after the body's
/// figures and tables so far.
fn metrics_markup(
    folder: &str,
    case_id: &str,
    metrics: &[Metric],
    numbers: &mut Numbers,
    charts_out: &mut Vec<(String, Vec<u8>)>,
) -> String {
    let mut out = String::new();
    for (k, metric) in metrics.iter().enumerate() {
        let figure = charts::metric_figure(metric, &charts::chart_id(case_id, k + 1));
        let path = format!("{folder}/chart-{}.svg", k + 1);
        numbers.figures += 1;
        out.push_str(&format!(
            "#chart({}, {}, [{}])\n\n",
            escape::string(&path),
            escape::string(&figure.caption),
            escape::markup(&format!("图{} {}", numbers.figures, figure.caption)),
        ));
        charts_out.push((path, figure.svg.into_bytes()));
        numbers.tables += 1;
        out.push_str(&metric_table(metric, numbers.tables));
    }
    out
}

fn metric_table(metric: &Metric, number: usize) -> String {
    let unit = if metric.unit.is_empty() {
        String::new()
    } else {
        format!("（{}）", metric.unit)
    };
    let mut columns = vec![(charts::metric::OWN, metric.values.as_slice())];
    if !metric.competitor.is_empty() {
        columns.push((charts::metric::COMPETITOR, metric.competitor.as_slice()));
    }
    if !metric.benchmark.is_empty() {
        columns.push((charts::metric::BENCHMARK, metric.benchmark.as_slice()));
    }
    let cell = |text: &str| format!("[{}], ", escape::markup(text));
    // Headers and years on one line (CJK would break anywhere).
    let whole = |text: &str| format!("[#box[{}]], ", escape::markup(text));
    let mut out = format!(
        "#book-table({}, [{}], table.header({}",
        columns.len() + 1,
        escape::markup(&format!("表{number} {}{unit}", metric.name)),
        whole("年份")
    );
    for (name, _) in &columns {
        out.push_str(&whole(name));
    }
    out.push_str("), ");
    for (row, year) in metric.years.iter().enumerate() {
        out.push_str(&whole(&year.to_string()));
        for (_, values) in &columns {
            let value = values.get(row).copied().filter(|v| v.is_finite());
            out.push_str(&cell(
                &value.map_or("—".to_string(), crate::text::format_number),
            ));
        }
    }
    out.push_str(")\n\n");
    out
}

/// The Markdown a body was rendered from, kept by the parse because
/// `compile --pdf` asked for it (`build::Request::keep_markdown`).
fn kept_markdown<'b>(
    body: &'b crate::markdown::RenderedBody,
    file: &str,
) -> Result<&'b str, Diagnostic> {
    body.markdown.as_deref().ok_or_else(|| {
        Diagnostic::error(
            crate::diagnostics::rules::BOOK_TYPESET,
            file,
            "排版时缺少正文的 Markdown（加载站点时没有保留）".to_string(),
        )
        .help("这是程序的问题：casebook compile --pdf 加载站点时应保留正文；请报告给维护者")
    })
}
