//! Markdown to HTML, with the programme's conventions on top of CommonMark:
//!
//! - an image alone in its paragraph becomes a numbered `<figure>` with its
//!   alt text as caption below (图1, 图2 …);
//! - a paragraph `表：标题` right before a table becomes that table's
//!   numbered caption above it (表1, 表2 …);
//! - a soft line break between two CJK characters renders as nothing;
//! - headings get ASCII anchors (fixed ones for the required sections);
//! - code blocks are highlighted with CSS classes;
//! - local images and links are checked (their path: [`resolve_local`];
//!   their type and bytes: [`assets`]) and collected as assets, links to
//!   `/cases/{id}/` are collected for the site to validate;
//! - raw HTML, when present, is sanitised.
//!
//! It reads only file metadata (existence, image size); it writes nothing.

pub mod assets;
mod highlight;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::diagnostics::{rules, Diagnostic};
use crate::slug::{slugify, AnchorSet};
use crate::text::{is_cjk, visible_chars};
use assets::Use;

pub use highlight::stylesheet as highlight_stylesheet;

/// How long a summary source may grow; excerpts are cut from it.
const SUMMARY_SOURCE_CHARS: usize = 1000;

/// A local file a page refers to (image, cover, attachment), published in
/// the page's folder under the same relative path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Asset {
    /// Path relative to the page's folder, `/`-separated.
    pub rel: String,
    pub source: PathBuf,
}

#[derive(Clone, Debug, Default)]
pub struct Heading {
    pub level: u8,
    /// Heading text; for level 2, normalised (see [`normalize_heading`]).
    pub text: String,
    pub anchor: String,
    pub line: usize,
    pub column: usize,
}

/// A level-2 section and how much text it holds.
#[derive(Clone, Debug, Default)]
pub struct Section {
    pub heading: Heading,
    /// Visible characters (字数) of the section's text, headings excluded.
    pub chars: usize,
    /// Visible characters of its subheadings (### and below), which the
    /// programme's 字数 limits count as part of the section.
    pub subheading_chars: usize,
}

/// A root-relative link (`/cases/2023-001/`, `/about/`), checked once the
/// site is known: links to cases against the published cases, others
/// against the pages the build writes.
#[derive(Clone, Debug)]
pub struct SiteLink {
    /// The path below the site root, without query or fragment.
    pub path: String,
    pub line: usize,
    pub column: usize,
}

impl SiteLink {
    /// The case id, for links into `/cases/`.
    pub fn case_id(&self) -> Option<&str> {
        let id = self.path.strip_prefix("cases/")?.split('/').next()?;
        (!id.is_empty()).then_some(id)
    }
}

#[derive(Clone, Debug, Default)]
pub struct RenderedBody {
    pub html: String,
    /// Level-2 and level-3 headings, for a table of contents.
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    /// Plain text of the summary section (or of the opening text), from
    /// which descriptions and card excerpts are cut.
    pub summary: String,
    /// Visible characters of the whole body.
    pub chars: usize,
    pub figures: usize,
    pub tables: usize,
    pub site_links: Vec<SiteLink>,
    pub assets: Vec<Asset>,
    /// The Markdown it was rendered from, when the parse asked to keep it
    /// ([`MarkdownOptions::keep_markdown`]).
    pub markdown: Option<String>,
}

pub struct MarkdownOptions<'a> {
    /// Display path of the source file, for diagnostics.
    pub file: &'a str,
    /// Line of the file on which the Markdown starts.
    pub first_line: usize,
    /// Folder that relative paths resolve against.
    pub dir: &'a Path,
    /// Canonical site root: nothing outside it may be referenced.
    pub root: &'a Path,
    /// Prefix of every internal URL (`/` or `/sub/`).
    pub base_path: &'a str,
    /// The page's own path below the base (`cases/2023-001/`), so that asset
    /// URLs can be absolute and work wherever the HTML is shown.
    pub page_path: &'a str,
    /// Fixed anchors for known level-2 headings (given normalised text).
    pub fixed_anchor: fn(&str) -> Option<&'static str>,
    /// The section whose text is the summary; `None`: the opening text.
    pub summary_anchor: Option<&'static str>,
    /// Warn about figures and tables without captions (the programme's
    /// rule for cases; standalone pages are free-form).
    pub require_captions: bool,
    /// Highlight code blocks (off for `check`: highlighting finds no
    /// problems and was a quarter of its time).
    pub highlight: bool,
    /// Keep the Markdown in the body (for the typeset book, which walks
    /// it into Typst; off elsewhere: it would add a large site's whole
    /// Markdown to every build's memory).
    pub keep_markdown: bool,
}

/// Normalise a level-2 heading for matching: trim, drop inner spaces, and
/// accept half-width parentheses as the full-width ones the rules use.
pub fn normalize_heading(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

pub fn render(text: &str, options: &MarkdownOptions) -> (RenderedBody, Vec<Diagnostic>) {
    let mut parser_options = Options::empty();
    parser_options.insert(Options::ENABLE_TABLES);
    parser_options.insert(Options::ENABLE_STRIKETHROUGH);
    parser_options.insert(Options::ENABLE_FOOTNOTES);
    let events: Vec<(Event, Range<usize>)> = Parser::new_ext(text, parser_options)
        .into_offset_iter()
        .collect();
    let mut walk = Walk {
        options,
        lines: LineIndex::new(text),
        out: Vec::with_capacity(events.len() + 16),
        body: RenderedBody {
            markdown: options.keep_markdown.then(|| text.to_string()),
            ..RenderedBody::default()
        },
        diagnostics: Vec::new(),
        anchors: AnchorSet::default(),
        in_heading: false,
        summary_open: options.summary_anchor.is_none(),
        pending_caption: None,
        raw_html: false,
    };
    walk.walk(&events);
    let Walk {
        out,
        mut body,
        mut diagnostics,
        raw_html,
        ..
    } = walk;
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    body.html = if raw_html && nesting_depth(&html) > MAX_NESTING {
        // html5ever's tree building is quadratic in the nesting depth
        // (20,000 nested <div>s took half a minute): refuse, don't parse.
        let diag = Diagnostic::error(
            rules::HTML_TOO_DEEP,
            options.file,
            format!("正文的 HTML 标签嵌套超过 {MAX_NESTING} 层"),
        )
        .at(options.first_line, 1)
        .help("检查正文里的 HTML：可能有大量没有闭合的标签（如 <div>、<span>），或粘贴了整段网页代码；表格和上下标用少量标签即可");
        diagnostics.push(diag);
        String::new()
    } else if raw_html {
        SANITIZER.clean(&html).to_string()
    } else {
        html
    };
    body.assets.sort();
    body.assets.dedup();
    (body, diagnostics)
}

/// How deep tags may nest in a body with raw HTML. Real write-ups stay
/// under 20 (a list in a table in a quote); the limit only stops pasted
/// pages and hostile input before the sanitiser's parser.
const MAX_NESTING: usize = 256;

/// The deepest nesting of tags in `html`, counted loosely: every start tag
/// that is not void or self-closed opens a level, every end tag closes one
/// (so unclosed tags count as nested, as a parser would treat them).
fn nesting_depth(html: &str) -> usize {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        if let Some(after) = rest.strip_prefix('/') {
            depth = depth.saturating_sub(1);
            rest = after;
            continue;
        }
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        if name_len == 0 {
            continue; // `<!--`, `<?`, a lone `<` in text
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let self_closed = rest.find('>').is_some_and(|gt| rest[..gt].ends_with('/'));
        if !VOID.contains(&name.as_str()) && !self_closed {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Raw HTML from content is reduced to a safe set: formatting, tables,
/// figures, links; no scripts, styles, event handlers or frames.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["figure", "figcaption", "caption"])
        .add_generic_attributes(["class", "id"])
        .add_tag_attributes("img", ["loading", "decoding", "width", "height"])
        .add_tag_attributes("pre", ["data-lang"])
        .attribute_filter(|_, attribute, value| {
            let remote = value.starts_with("http:")
                || value.starts_with("https:")
                || value.starts_with("//");
            if attribute == "src" && remote {
                None
            } else {
                Some(value.into())
            }
        });
    builder
});

/// Byte offset → (line, column) within the Markdown text.
struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// 0-based line and 1-based character column.
    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

enum Target<'s> {
    /// `#anchor`, `https://…`, `mailto:` …: left as written.
    Untouched,
    /// `/path` below the site root.
    SiteRoot(&'s str),
    /// A path relative to the page's source folder.
    Local(String),
}

fn classify(dest: &str) -> Target<'_> {
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") || dest.contains(':') {
        return Target::Untouched;
    }
    if let Some(rest) = dest.strip_prefix('/') {
        return Target::SiteRoot(rest);
    }
    let path = dest.split(['?', '#']).next().unwrap_or(dest);
    Target::Local(
        percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// URL schemes a link from content may use; anything else (`javascript:`,
/// `data:`, `vbscript:`, `file:` …) is refused with [`rules::LINK_SCHEME`].
const SAFE_LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// The scheme of `dest` as a browser reads it (tabs and newlines removed,
/// leading spaces and control characters trimmed, lowercase), if it has one.
fn link_scheme(dest: &str) -> Option<String> {
    let cleaned: String = dest
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| c <= ' ');
    let (scheme, _) = cleaned.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// Whether a site link's decoded path is what a browser will fetch: no
/// `.` or `..` segment (which the browser resolves, so
/// `/cases/2023-002/../../x/` is not a link to 2023-002) and no backslash
/// (which browsers read as `/`). Tabs and newlines, which browsers drop,
/// are dropped first.
fn is_normal_site_path(path: &str) -> bool {
    let path: String = path
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    !path.contains('\\') && !path.split('/').any(|s| s == "." || s == "..")
}

struct Walk<'o> {
    options: &'o MarkdownOptions<'o>,
    lines: LineIndex<'o>,
    out: Vec<Event<'o>>,
    body: RenderedBody,
    diagnostics: Vec<Diagnostic>,
    anchors: AnchorSet,
    in_heading: bool,
    /// Text seen now belongs to the summary.
    summary_open: bool,
    /// Caption text of a `表：` paragraph waiting for its table.
    pending_caption: Option<String>,
    raw_html: bool,
}

impl<'o> Walk<'o> {
    fn walk(&mut self, events: &[(Event<'o>, Range<usize>)]) {
        let mut i = 0;
        while i < events.len() {
            i = self.step(events, i);
        }
        if let Some(caption) = self.pending_caption.take() {
            // A `表：` line with no table after it stays an ordinary paragraph
            // in spirit, but it was swallowed: say so.
            let diag = Diagnostic::warning(
                rules::TABLE_CAPTION_MISSING,
                self.options.file,
                format!("表格标题“{caption}”后面没有紧跟表格"),
            )
            .help("“表：标题”一行之后空一行，紧接着写表格");
            self.diagnostics.push(diag);
        }
    }

    /// Handle the event at `i`; return the index of the next unhandled one.
    fn step(&mut self, events: &[(Event<'o>, Range<usize>)], i: usize) -> usize {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::Heading(_))));
                self.heading(*level, plain_text(&events[i + 1..end]), range.start);
                self.in_heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                self.in_heading = false;
                self.out.push(event.clone());
            }
            Event::Start(Tag::Paragraph) => {
                let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::Paragraph)));
                if let Some(image) = lone_image(&events[i + 1..end]) {
                    self.figure(&events[i + 1 + image.start..i + 1 + image.end]);
                    self.end_block();
                    return end + 1;
                }
                if matches!(events.get(end + 1), Some((Event::Start(Tag::Table(_)), _))) {
                    if let Some(caption) = table_caption(&plain_text(&events[i + 1..end])) {
                        self.pending_caption = Some(caption);
                        return end + 1;
                    }
                }
                self.out.push(event.clone());
            }
            Event::End(TagEnd::Paragraph)
            | Event::End(TagEnd::Item)
            | Event::End(TagEnd::TableCell) => {
                self.end_block();
                self.out.push(event.clone());
            }
            Event::Start(Tag::Table(_)) => {
                // The wrapper scrolls wide tables sideways on phones; as a
                // focusable, labelled region it can be scrolled by keyboard.
                let caption = self.pending_caption.take();
                let label = match &caption {
                    Some(caption) => format!("表{} {}", self.body.tables + 1, escape(caption)),
                    None => "表格".to_string(),
                };
                let wrapper = format!("<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" aria-label=\"{label}\">");
                self.out.push(Event::Html(wrapper.into()));
                self.out.push(event.clone());
                match caption {
                    Some(caption) => {
                        self.body.tables += 1;
                        let html = format!(
                            "<caption><span class=\"label\">表{}</span> {}</caption>",
                            self.body.tables,
                            escape(&caption)
                        );
                        self.out.push(Event::Html(html.into()));
                    }
                    None if self.options.require_captions => {
                        let diag = self
                            .located(
                                Diagnostic::warning(
                                    rules::TABLE_CAPTION_MISSING,
                                    self.options.file,
                                    "表格没有标题",
                                ),
                                range.start,
                            )
                            .help("在表格前单独一段写“表：标题”（空一行再接表格），标题会自动编号");
                        self.diagnostics.push(diag);
                    }
                    None => {}
                }
            }
            Event::End(TagEnd::Table) => {
                self.out.push(event.clone());
                self.out.push(Event::Html("</div>\n".into()));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::CodeBlock)));
                let code: String = events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let lang = match kind {
                    pulldown_cmark::CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("")
                    }
                    pulldown_cmark::CodeBlockKind::Indented => "",
                };
                self.count(&code);
                let html = if self.options.highlight {
                    highlight::highlight(&code, lang)
                } else {
                    format!("<pre><code>{}</code></pre>", escape(&code))
                };
                self.out.push(Event::Html(html.into()));
                return end + 1;
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                let end = find_end(events, i, |e| matches!(e, Event::End(TagEnd::Image)));
                let alt = plain_text(&events[i + 1..end]);
                let html = self.image_tag(dest_url, &alt, range.start);
                self.out.push(Event::InlineHtml(html.into()));
                return end + 1;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = self.link(dest_url, range.start);
                self.out.push(Event::Start(Tag::Link {
                    link_type: *link_type,
                    dest_url: dest,
                    title: title.clone(),
                    id: id.clone(),
                }));
            }
            Event::SoftBreak => {
                let before = last_char(events[..i].iter().rev().map(|(e, _)| e));
                let after = first_char(events[i + 1..].iter().map(|(e, _)| e));
                let joins_cjk = before.is_some_and(is_cjk) && after.is_some_and(is_cjk);
                if !joins_cjk {
                    self.out.push(Event::SoftBreak);
                    self.summarize(" ");
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if !self.in_heading {
                    self.count(text);
                }
                self.out.push(event.clone());
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                self.raw_html = true;
                for source in remote_sources(html) {
                    let diag = self
                        .located(
                            Diagnostic::error(
                                rules::IMAGE_REMOTE,
                                self.options.file,
                                format!("HTML 中的“{source}”引用了外部网址"),
                            ),
                            range.start,
                        )
                        .help("把文件下载后放在案例文件旁边，改用 Markdown 图片 ![图题](文件名.png)：微信里的读者打不开其他网站的资源");
                    self.diagnostics.push(diag);
                }
                for url in site_urls(html) {
                    let diag = self
                        .located(
                            Diagnostic::error(
                                rules::HTML_SITE_LINK,
                                self.options.file,
                                format!("HTML 标签中的站内地址“{url}”不会被检查和发布"),
                            ),
                            range.start,
                        )
                        .help("改用 Markdown 写法：图片写 ![图题](文件名.png)，链接写 [文字](/cases/2023-001/) 或 [文字](附件.pdf)；HTML 标签只用于表格、上下标等排版");
                    self.diagnostics.push(diag);
                }
                self.out.push(event.clone());
            }
            _ => self.out.push(event.clone()),
        }
        i + 1
    }

    fn located(&self, diag: Diagnostic, offset: usize) -> Diagnostic {
        let (line, column) = self.lines.position(offset);
        diag.at(self.options.first_line + line, column)
    }

    fn heading(&mut self, level: HeadingLevel, text: String, offset: usize) {
        let level = level as u8;
        let (line, column) = self.lines.position(offset);
        let line = self.options.first_line + line;
        let (text, fixed) = if level == 2 {
            let normalized = normalize_heading(&text);
            let fixed = (self.options.fixed_anchor)(&normalized);
            (normalized, fixed)
        } else {
            (text.trim().to_string(), None)
        };
        let anchor = match fixed {
            Some(anchor) => self.anchors.unique(anchor),
            None => self.anchors.unique(&slugify(&text)),
        };
        let heading = Heading {
            level,
            text,
            anchor: anchor.clone(),
            line,
            column,
        };
        if level == 2 {
            self.summary_open = match self.options.summary_anchor {
                Some(summary) => fixed == Some(summary),
                None => self.summary_open,
            };
            self.body.sections.push(Section {
                heading: heading.clone(),
                chars: 0,
                subheading_chars: 0,
            });
        } else if let Some(section) = self.body.sections.last_mut() {
            section.subheading_chars += visible_chars(&heading.text);
        }
        if level <= 3 {
            self.body.headings.push(heading);
        }
        self.out.push(Event::Start(Tag::Heading {
            level: HeadingLevel::try_from(level as usize).unwrap_or(HeadingLevel::H6),
            id: Some(anchor.into()),
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
    }

    /// Count visible text into the body, the current section and the summary.
    fn count(&mut self, text: &str) {
        let n = visible_chars(text);
        self.body.chars += n;
        if let Some(section) = self.body.sections.last_mut() {
            section.chars += n;
        }
        self.summarize(text);
    }

    fn summarize(&mut self, text: &str) {
        if self.summary_open
            && !self.in_heading
            && self.body.summary.chars().count() < SUMMARY_SOURCE_CHARS
        {
            self.body.summary.push_str(text);
        }
    }

    /// A block ended: separate the summary's paragraphs.
    fn end_block(&mut self) {
        if self.summary_open && !self.body.summary.is_empty() && !self.body.summary.ends_with('\n')
        {
            self.body.summary.push('\n');
        }
    }

    fn figure(&mut self, image_events: &[(Event<'o>, Range<usize>)]) {
        let (Event::Start(Tag::Image { dest_url, .. }), range) = &image_events[0] else {
            return;
        };
        let alt = plain_text(&image_events[1..image_events.len() - 1]);
        self.body.figures += 1;
        let number = self.body.figures;
        if alt.trim().is_empty() && self.options.require_captions {
            let diag = self
                .located(
                    Diagnostic::warning(
                        rules::FIGURE_CAPTION_MISSING,
                        self.options.file,
                        "图片没有图题",
                    ),
                    range.start,
                )
                .help("把图题写在方括号里：![图题](文件名.png)，编号“图1”会自动加上");
            self.diagnostics.push(diag);
        }
        let img = self.image_tag(dest_url, &alt, range.start);
        self.count(&alt);
        let html = format!(
            "<figure class=\"figure\" id=\"fig-{number}\">{img}<figcaption><span class=\"label\">图{number}</span> {}</figcaption></figure>\n",
            escape(alt.trim())
        );
        self.out.push(Event::Html(html.into()));
    }

    /// The picture for `dest`, after checking the file: with its resized
    /// variants (`images::markup`) when it is a local file. A bad image
    /// renders as its alt text (the build fails on the error anyway).
    fn image_tag(&mut self, dest: &str, alt: &str, offset: usize) -> String {
        let alt_attr = escape(alt.trim());
        let (prefix, rel, size) = match classify(dest) {
            Target::Untouched if dest.starts_with("data:image/") => {
                return format!(
                    "<img src=\"{}\" alt=\"{alt_attr}\" loading=\"lazy\" decoding=\"async\">",
                    escape_href(dest)
                );
            }
            Target::Untouched => {
                let diag = self
                    .located(
                        Diagnostic::error(
                            rules::IMAGE_REMOTE,
                            self.options.file,
                            format!("图片“{dest}”引用了外部网址"),
                        ),
                        offset,
                    )
                    .help("把图片下载后放在案例文件旁边，用相对路径引用：微信里的读者打不开其他网站的图片");
                self.diagnostics.push(diag);
                return alt_attr;
            }
            // `/img/x.png`: a file of the site's own `static/` folder, as
            // it is (static files are the theme's, not resized).
            Target::SiteRoot(rest) => {
                let statics = self.options.root.join("static");
                let Some((asset, size)) =
                    self.checked_file(&statics, rest, dest, offset, Use::Image)
                else {
                    return alt_attr;
                };
                let size = size
                    .map(|(width, height)| format!(" width=\"{width}\" height=\"{height}\""))
                    .unwrap_or_default();
                return format!(
                    "<img src=\"{}\" alt=\"{alt_attr}\"{size} loading=\"lazy\" decoding=\"async\">",
                    escape_href(&format!("{}{}", self.options.base_path, asset.rel))
                );
            }
            Target::Local(rel) => {
                let Some((asset, size)) =
                    self.checked_file(self.options.dir, &rel, dest, offset, Use::Image)
                else {
                    return alt_attr;
                };
                let prefix = format!("{}{}", self.options.base_path, self.options.page_path);
                let rel = asset.rel.clone();
                let bytes = std::fs::metadata(&asset.source).map_or(0, |m| m.len());
                self.body.assets.push(asset);
                (prefix, rel, size.map(|(w, h)| (w, h, bytes)))
            }
        };
        crate::images::markup(&prefix, &rel, size, alt.trim())
    }

    /// The URL to write for a link, after checking local targets.
    fn link(&mut self, dest: &CowStr<'o>, offset: usize) -> CowStr<'o> {
        match classify(dest) {
            Target::Untouched => match link_scheme(dest) {
                Some(scheme) if !SAFE_LINK_SCHEMES.contains(&scheme.as_str()) => {
                    let diag = self
                        .located(
                            Diagnostic::error(
                                rules::LINK_SCHEME,
                                self.options.file,
                                format!("链接“{dest}”以 {scheme}: 开头，网站不发布这种链接"),
                            ),
                            offset,
                        )
                        .help("链接只能指向网页（https://…）、邮箱（mailto:…）、电话（tel:…）或站内页面和文件；删除这个链接，或改成网址");
                    self.diagnostics.push(diag);
                    // Never reaches a page: the build stops on the error,
                    // and `check` renders nothing.
                    "#".into()
                }
                _ => dest.clone(),
            },
            Target::SiteRoot(rest) => {
                let (line, column) = self.lines.position(offset);
                let path = rest.split(['#', '?']).next().unwrap_or("");
                let path = percent_encoding::percent_decode_str(path)
                    .decode_utf8_lossy()
                    .into_owned();
                if !is_normal_site_path(&path) {
                    let diag = self
                        .located(
                            Diagnostic::error(
                                rules::LINK_DOT_SEGMENT,
                                self.options.file,
                                format!("站内链接“{dest}”含有 . 或 .. 路径段（或反斜杠），浏览器打开的不是它写的页面"),
                            ),
                            offset,
                        )
                        .help("直接写目标页面的完整路径，例如 /cases/2023-001/；不要用 ./ 或 ../");
                    self.diagnostics.push(diag);
                    return "#".into();
                }
                self.body.site_links.push(SiteLink {
                    path,
                    line: self.options.first_line + line,
                    column,
                });
                format!("{}{rest}", self.options.base_path).into()
            }
            Target::Local(rel) => match self.local_asset(&rel, dest, offset, Use::Attachment) {
                Some((url, _)) => url.into(),
                None => dest.clone(),
            },
        }
    }

    /// Check a relative path and record it as an asset. Returns its
    /// published URL and, for an image, its size.
    fn local_asset(
        &mut self,
        rel: &str,
        dest: &str,
        offset: usize,
        usage: Use,
    ) -> Option<(String, Option<(u32, u32)>)> {
        let (asset, size) = self.checked_file(self.options.dir, rel, dest, offset, usage)?;
        let url = format!(
            "{}{}{}",
            self.options.base_path, self.options.page_path, asset.rel
        );
        self.body.assets.push(asset);
        Some((url, size))
    }

    /// Resolve `rel` below `dir` and check the file for `usage`; every
    /// problem becomes a diagnostic at `offset`.
    fn checked_file(
        &mut self,
        dir: &Path,
        rel: &str,
        dest: &str,
        offset: usize,
        usage: Use,
    ) -> Option<(Asset, Option<(u32, u32)>)> {
        let problem = match resolve_local(dir, self.options.root, rel) {
            Ok(asset) => match assets::check(&asset.source, &asset.rel, usage) {
                Ok(size) => return Some((asset, size)),
                Err(problem) => problem.diagnostic(self.options.file, dest),
            },
            Err(LocalPathError::Missing) => {
                let rule = match usage {
                    Use::Image => rules::IMAGE_MISSING,
                    Use::Attachment => rules::LINK_BROKEN_FILE,
                };
                self.missing(rule, dest, offset);
                return None;
            }
            Err(problem) => problem.diagnostic(self.options.file, dest),
        };
        let diag = self.located(problem, offset);
        self.diagnostics.push(diag);
        None
    }

    fn missing(&mut self, rule: &'static str, dest: &str, offset: usize) {
        let (what, help) = if rule == rules::IMAGE_MISSING {
            (
                "图片",
                "检查文件名（包括大小写和扩展名）；图片应放在案例文件所在的文件夹里",
            )
        } else {
            (
                "链接的文件",
                "检查文件名；链接其他案例请写 /cases/案例编号/，例如 /cases/2023-001/",
            )
        };
        let diag = self
            .located(
                Diagnostic::error(rule, self.options.file, format!("找不到{what}“{dest}”")),
                offset,
            )
            .spanning(dest.chars().count() + 4)
            .help(help);
        self.diagnostics.push(diag);
    }
}

/// Why a relative path from content cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum LocalPathError {
    /// `..`, a backslash, or nothing at all.
    Escapes,
    /// Resolves (through a symlink) outside the site root.
    LinksOutside,
    /// A symlink on the way (inside the site, but links are not followed:
    /// `notes.txt` → a draft's `index.md` would publish the draft).
    Symlink,
    /// Inside another case's bundle (a folder below holding `index.md`):
    /// that case's files are its own, and it may be unpublished.
    OtherBundle(String),
    /// A name starting with `_` or `.`: parked work, never published.
    Parked,
    Missing,
}

impl LocalPathError {
    /// The diagnostic for a path problem other than [`LocalPathError::Missing`].
    pub fn diagnostic(&self, file: &str, dest: &str) -> Diagnostic {
        match self {
            LocalPathError::LinksOutside => Diagnostic::error(
                rules::PATH_OUTSIDE,
                file,
                format!("“{dest}”指向站点目录之外的文件"),
            )
            .help("把文件复制到案例文件夹里，不要用指向外部的符号链接"),
            LocalPathError::Symlink => Diagnostic::error(
                rules::PATH_SYMLINK,
                file,
                format!(
                    "“{dest}”是符号链接（或在链接的文件夹里），Casebook 不通过链接读取要发布的文件"
                ),
            )
            .help("把文件本身复制到案例文件夹里，删除这个链接"),
            LocalPathError::OtherBundle(folder) => Diagnostic::error(
                rules::PATH_OUTSIDE,
                file,
                format!("“{dest}”在另一个案例的文件夹 {folder}/ 里（那里有它自己的 index.md）"),
            )
            .help(
                "每个案例只能引用自己文件夹里的文件：把文件复制到本案例旁边（或本案例的文件夹里）",
            ),
            LocalPathError::Parked => Diagnostic::error(
                rules::PATH_OUTSIDE,
                file,
                format!("“{dest}”的路径里有以 _ 或 . 开头的名字：这些是暂存、不发布的内容"),
            )
            .help("要发布的文件改用不以 _ 或 . 开头的名字"),
            _ => Diagnostic::error(
                rules::PATH_OUTSIDE,
                file,
                format!("路径“{dest}”指向案例文件夹之外"),
            )
            .help("图片和附件放在案例文件所在的文件夹（或其子文件夹）里，用不含 .. 的相对路径引用"),
        }
    }
}

/// Resolve `rel` against `dir`: it must stay inside `dir` (no `..`), name
/// no parked (`_`, `.`) file or folder, pass through no symlink and no
/// other case's bundle folder, be a file, and not resolve outside the
/// (canonical) site `root`.
pub fn resolve_local(dir: &Path, root: &Path, rel: &str) -> Result<Asset, LocalPathError> {
    let parts: Vec<&str> = rel
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") || rel.contains('\\') || rel.starts_with('/') {
        return Err(LocalPathError::Escapes);
    }
    if parts.iter().any(|p| p.starts_with(['_', '.'])) {
        return Err(LocalPathError::Parked);
    }
    let mut file = dir.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        file.push(part);
        let meta = std::fs::symlink_metadata(&file).map_err(|_| LocalPathError::Missing)?;
        if meta.file_type().is_symlink() {
            return Err(match file.canonicalize() {
                Ok(real) if !real.starts_with(root) => LocalPathError::LinksOutside,
                _ => LocalPathError::Symlink,
            });
        }
        let is_last = i + 1 == parts.len();
        if !is_last && std::fs::symlink_metadata(file.join("index.md")).is_ok() {
            return Err(LocalPathError::OtherBundle(parts[..=i].join("/")));
        }
        if is_last != meta.is_file() {
            return Err(LocalPathError::Missing);
        }
    }
    match file.canonicalize() {
        Ok(real) if !real.starts_with(root) => Err(LocalPathError::LinksOutside),
        Ok(real) => Ok(Asset {
            rel: parts.join("/"),
            source: real,
        }),
        Err(_) => Err(LocalPathError::Missing),
    }
}

/// The values of attribute `attr` (lowercase) in a raw HTML fragment, as
/// written.
fn attribute_values<'h>(html: &'h str, attr: &str) -> Vec<&'h str> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(attr) {
        let at = from + pos;
        from = at + attr.len();
        let preceded_by_space = lower[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let rest = lower[from..].trim_start();
        let Some(value) = rest.strip_prefix('=') else {
            continue;
        };
        if !preceded_by_space {
            continue;
        }
        let value = value.trim_start();
        let value = value.trim_start_matches(['"', '\'']);
        let end = value.find(['"', '\'', ' ', '>']).unwrap_or(value.len());
        // Report it as written (the original case), not lowercased.
        let offset = lower.len() - value.len();
        found.push(&html[offset..offset + end]);
    }
    found
}

/// `src` values in a raw HTML fragment that load from another host.
fn remote_sources(html: &str) -> Vec<&str> {
    attribute_values(html, "src")
        .into_iter()
        .filter(|url| {
            let lower = url.to_ascii_lowercase();
            lower.starts_with("http:") || lower.starts_with("https:") || lower.starts_with("//")
        })
        .collect()
}

/// `src` and `href` values in a raw HTML fragment that point into the site
/// (`x.png`, `../a/`, `/about/`): raw HTML is not rewritten, so such a URL
/// would be neither checked nor published, and would break in the books
/// and feeds, where a page's relative URLs mean something else.
fn site_urls(html: &str) -> Vec<&str> {
    let mut found = attribute_values(html, "src");
    found.extend(attribute_values(html, "href"));
    found.retain(|url| {
        let url = url.trim();
        !url.is_empty()
            && !url.starts_with('#')
            && !url.starts_with("//")
            && link_scheme(url).is_none()
    });
    found
}

/// Index of the first event after `start` that `is_end` accepts.
fn find_end(
    events: &[(Event, Range<usize>)],
    start: usize,
    is_end: impl Fn(&Event) -> bool,
) -> usize {
    events[start + 1..]
        .iter()
        .position(|(e, _)| is_end(e))
        .map_or(events.len() - 1, |p| start + 1 + p)
}

/// Within a paragraph's events: the range of the one image, if the
/// paragraph holds nothing else but whitespace.
pub(crate) fn lone_image(events: &[(Event, Range<usize>)]) -> Option<Range<usize>> {
    let is_blank = |e: &Event| match e {
        Event::Text(t) => t.trim().is_empty(),
        Event::SoftBreak | Event::HardBreak => true,
        _ => false,
    };
    let start = events.iter().position(|(e, _)| !is_blank(e))?;
    if !matches!(events[start].0, Event::Start(Tag::Image { .. })) {
        return None;
    }
    let end = start
        + events[start..]
            .iter()
            .position(|(e, _)| matches!(e, Event::End(TagEnd::Image)))?;
    events[end + 1..]
        .iter()
        .all(|(e, _)| is_blank(e))
        .then_some(start..end + 1)
}

/// `表：标题`, `表:标题` or `表1：标题` → `标题`.
pub(crate) fn table_caption(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix('表')?;
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c.is_whitespace());
    let caption = rest
        .strip_prefix('：')
        .or_else(|| rest.strip_prefix(':'))?
        .trim();
    (!caption.is_empty()).then(|| caption.to_string())
}

/// The text of a run of inline events, CJK-aware at soft breaks.
pub(crate) fn plain_text(events: &[(Event, Range<usize>)]) -> String {
    let mut out = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(t),
            Event::SoftBreak | Event::HardBreak if !out.chars().last().is_some_and(is_cjk) => {
                out.push(' ')
            }
            _ => {}
        }
    }
    out
}

/// Inline markup that a soft break can sit beside without a character of
/// its own: `**质量**⏎改进` still joins two CJK characters.
fn is_inline_markup(event: &Event) -> bool {
    use pulldown_cmark::Tag as T;
    matches!(
        event,
        Event::Start(T::Emphasis | T::Strong | T::Strikethrough | T::Link { .. })
            | Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link)
    )
}

/// The character nearest to a soft break, looking through inline markup.
fn last_char<'e>(events: impl Iterator<Item = &'e Event<'e>>) -> Option<char> {
    nearest_text(events).and_then(|t| t.chars().last())
}

fn first_char<'e>(events: impl Iterator<Item = &'e Event<'e>>) -> Option<char> {
    nearest_text(events).and_then(|t| t.chars().next())
}

fn nearest_text<'e>(mut events: impl Iterator<Item = &'e Event<'e>>) -> Option<&'e str> {
    events.find(|e| !is_inline_markup(e)).and_then(|e| match e {
        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
        _ => None,
    })
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

fn escape_href(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = pulldown_cmark_escape::escape_href(&mut out, s);
    out
}

#[cfg(test)]
mod tests;
