//! A body's Markdown as Typst markup, walking the same events with the
//! same conventions as `markdown::render` (an image alone in its paragraph
//! is a numbered figure, `表：标题` before a table is its caption, a soft
//! break between CJK characters is nothing). Every text is escaped
//! (`escape::markup`), so content can only ever be text.

use std::ops::Range;
use std::path::PathBuf;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::escape;
use crate::content::SectionKind;
use crate::markdown::{lone_image, normalize_heading, plain_text, table_caption, Asset};
use crate::text::is_cjk;

/// Figure and table numbers within one case (图1, 表1 …).
#[derive(Default)]
pub struct Numbers {
    pub figures: usize,
    pub tables: usize,
}

/// What a body needs from its document: its images, and what goes before
/// its 证实性材料 (the metrics, numbered after the body's figures and
/// tables before them).
pub struct Body<'a> {
    /// Prefix of the virtual paths of this body's images.
    pub folder: String,
    pub assets: &'a [Asset],
    /// Image files to serve: virtual path, file on disk.
    pub files: Vec<(String, PathBuf)>,
    pub numbers: Numbers,
    /// Typst markup inserted before 证实性材料 (or at the end).
    pub before_evidence: Option<Insert<'a>>,
}

/// Markup made when its place is reached, numbered from there.
pub type Insert<'a> = Box<dyn FnOnce(&mut Numbers) -> String + 'a>;

type Events<'e> = [(Event<'e>, Range<usize>)];

/// Lists and quotes nested deeper than this are set flat at this depth:
/// Typst's parser refuses deep nesting, and a page cannot show it anyway.
const MAX_NESTING: usize = 8;

/// `markdown` as Typst markup.
pub fn convert(markdown: &str, body: &mut Body) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_FOOTNOTES);
    let events: Vec<_> = Parser::new_ext(markdown, options)
        .into_offset_iter()
        .collect();
    let mut walk = Walk {
        body,
        out: String::with_capacity(markdown.len() * 2),
        caption: None,
        open: Vec::new(),
    };
    walk.run(&events);
    if let Some(insert) = walk.body.before_evidence.take() {
        walk.out.push_str(&insert(&mut walk.body.numbers));
    }
    walk.out
}

struct Walk<'b, 'a> {
    body: &'b mut Body<'a>,
    out: String,
    /// A `表：标题` paragraph waiting for its table.
    caption: Option<String>,
    /// The lists, items and quotes around the current event: whether each
    /// was written (past [`MAX_NESTING`] they are left out and their
    /// content set flat), and whether it is a level (a list or a quote).
    open: Vec<(bool, bool)>,
}

impl Walk<'_, '_> {
    fn run(&mut self, events: &Events) {
        let mut i = 0;
        while i < events.len() {
            i = self.step(events, i);
        }
    }

    /// Write event `i` (and what it owns, when taken whole); the next index.
    fn step(&mut self, events: &Events, i: usize) -> usize {
        match &events[i].0 {
            Event::Start(Tag::Paragraph) => {
                let end = end_of(events, i);
                let inner = &events[i + 1..end];
                if let Some(image) = lone_image(inner) {
                    self.figure(&inner[image]);
                } else if let Some(caption) = table_caption(&plain_text(inner)) {
                    self.caption = Some(caption);
                } else {
                    self.inline(inner);
                    self.out.push_str("\n\n");
                }
                end + 1
            }
            Event::Start(Tag::Heading { level, .. }) => {
                let end = end_of(events, i);
                self.heading(*level, &events[i + 1..end]);
                end + 1
            }
            Event::Start(Tag::Table(_)) => {
                let end = end_of(events, i);
                self.table(&events[i + 1..end]);
                end + 1
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = end_of(events, i);
                let code = plain_text(&events[i + 1..end]);
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) if !lang.is_empty() => {
                        format!("lang: {}, ", escape::string(lang))
                    }
                    _ => String::new(),
                };
                let code = escape::string(&code);
                self.out
                    .push_str(&format!("#raw(block: true, {lang}{code})\n\n"));
                end + 1
            }
            Event::Start(Tag::List(start)) => {
                let open = match start {
                    Some(n) => format!("#enum(start: {n}, "),
                    None => "#list(".to_string(),
                };
                self.open_container(&open);
                i + 1
            }
            Event::End(TagEnd::List(_)) => {
                self.close(")\n\n");
                i + 1
            }
            Event::Start(Tag::Item) => {
                // An item is written exactly when its list was.
                let write = self.open.last().is_some_and(|&(written, _)| written);
                self.open.push((write, false));
                self.out.push_str(if write { "[" } else { "\n\n" });
                i + 1
            }
            Event::End(TagEnd::Item) => {
                self.close("], ");
                i + 1
            }
            Event::Start(Tag::BlockQuote(_)) => {
                self.open_container("#quote(block: true)[");
                i + 1
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.close("]\n\n");
                i + 1
            }
            Event::Rule => {
                self.out.push_str("#line(length: 100%)\n\n");
                i + 1
            }
            _ => {
                // Inline events directly in a list item (a tight list).
                let end = (i + 1..events.len())
                    .find(|&j| is_block(&events[j].0))
                    .unwrap_or(events.len());
                self.inline(&events[i..end]);
                end.max(i + 1)
            }
        }
    }

    /// Open a list or quote with `markup`, unless [`MAX_NESTING`] of them
    /// are open already.
    fn open_container(&mut self, markup: &str) {
        let levels = self
            .open
            .iter()
            .filter(|&&(written, level)| written && level);
        let write = levels.count() < MAX_NESTING;
        self.open.push((write, true));
        if write {
            self.out.push_str(markup);
        }
    }

    /// Close the innermost list, item or quote with `markup` if it was
    /// written (else end its flat text as a paragraph).
    fn close(&mut self, markup: &str) {
        let (written, _) = self.open.pop().unwrap_or((false, false));
        self.out.push_str(if written { markup } else { "\n\n" });
    }

    fn heading(&mut self, level: HeadingLevel, inner: &Events) {
        let text = plain_text(inner);
        let kind = SectionKind::from_heading(&normalize_heading(&text));
        if kind == Some(SectionKind::Evidence) {
            if let Some(insert) = self.body.before_evidence.take() {
                self.out.push_str(&insert(&mut self.body.numbers));
            }
        }
        let call = match (level, kind) {
            (_, Some(SectionKind::Abstract)) => "abstract-heading",
            (HeadingLevel::H1 | HeadingLevel::H2, _) => "section-heading",
            _ => "subsection-heading",
        };
        self.out.push_str(&format!("#{call}["));
        self.inline(inner);
        self.out.push_str("]\n\n");
    }

    fn figure(&mut self, image: &Events) {
        let Event::Start(Tag::Image { dest_url, .. }) = &image[0].0 else {
            return;
        };
        let alt = plain_text(&image[1..image.len() - 1]);
        self.body.numbers.figures += 1;
        let number = self.body.numbers.figures;
        let label = format!("图{number} {}", alt.trim());
        match self.image_path(dest_url) {
            Some(path) => self.out.push_str(&format!(
                "#book-figure({}, {}, [{}])\n\n",
                escape::string(&path),
                escape::string(&alt),
                escape::markup(&label)
            )),
            // A remote image cannot be fetched: its caption stays.
            None => self
                .out
                .push_str(&format!("#figure-missing[{}]\n\n", escape::markup(&label))),
        }
    }

    /// The virtual path of a local image, registered for the world.
    fn image_path(&mut self, dest: &str) -> Option<String> {
        let rel: Vec<&str> = dest
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let rel = rel.join("/");
        let asset = self.body.assets.iter().find(|a| a.rel == rel)?;
        let n = self.body.files.len() + 1;
        let ext = rel.rsplit('.').next().unwrap_or("png").to_ascii_lowercase();
        let path = format!("{}/image-{n}.{ext}", self.body.folder);
        self.body.files.push((path.clone(), asset.source.clone()));
        Some(path)
    }

    fn table(&mut self, inner: &Events) {
        let columns = inner
            .iter()
            .take_while(|(e, _)| !matches!(e, Event::End(TagEnd::TableHead)))
            .filter(|(e, _)| matches!(e, Event::Start(Tag::TableCell)))
            .count()
            .max(1);
        let caption = match self.caption.take() {
            Some(caption) => {
                self.body.numbers.tables += 1;
                let label = format!("表{} {caption}", self.body.numbers.tables);
                format!("[{}]", escape::markup(&label))
            }
            None => "none".to_string(),
        };
        self.out
            .push_str(&format!("#book-table({columns}, {caption}, "));
        let mut i = 0;
        let mut head = false;
        while i < inner.len() {
            match &inner[i].0 {
                Event::Start(Tag::TableHead) => {
                    head = true;
                    self.out.push_str("table.header(");
                }
                Event::End(TagEnd::TableHead) => {
                    head = false;
                    self.out.push_str("), ");
                }
                Event::Start(Tag::TableCell) => {
                    let end = end_of(inner, i);
                    let unbroken = keep_whole(&inner[i + 1..end], head);
                    self.out.push_str(if unbroken { "[#box[" } else { "[" });
                    self.inline(&inner[i + 1..end]);
                    self.out.push_str(if unbroken { "]], " } else { "], " });
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
        self.out.push_str(")\n\n");
    }

    /// Inline events (text, emphasis, links, breaks) as markup.
    fn inline(&mut self, events: &Events) {
        for (k, (event, _)) in events.iter().enumerate() {
            match event {
                Event::Text(text) => self.out.push_str(&escape::markup(text)),
                Event::Code(code) => self
                    .out
                    .push_str(&format!("#raw({})", escape::string(code))),
                Event::SoftBreak => {
                    let before = plain_text(&events[..k]).chars().last();
                    let after = plain_text(&events[k + 1..]).chars().next();
                    if !(before.is_some_and(is_cjk) && after.is_some_and(is_cjk)) {
                        self.out.push(' ');
                    }
                }
                Event::HardBreak => self.out.push_str("#linebreak()"),
                Event::Start(Tag::Emphasis) => self.out.push_str("#emph["),
                Event::Start(Tag::Strong) => self.out.push_str("#strong["),
                Event::Start(Tag::Strikethrough) => self.out.push_str("#strike["),
                Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                    self.out.push(']')
                }
                Event::Start(Tag::Link { dest_url, .. }) if is_web(dest_url) => self
                    .out
                    .push_str(&format!("#link({})[", escape::string(dest_url))),
                Event::End(TagEnd::Link) if self.out_has_open_link(events, k) => self.out.push(']'),
                Event::FootnoteReference(name) => self
                    .out
                    .push_str(&format!("#super[{}]", escape::markup(name))),
                _ => {}
            }
        }
    }

    /// Whether the link that event `k` closes was written as `#link(…)[`.
    fn out_has_open_link(&self, events: &Events, k: usize) -> bool {
        let mut depth = 0;
        for (event, _) in events[..k].iter().rev() {
            match event {
                Event::End(TagEnd::Link) => depth += 1,
                Event::Start(Tag::Link { dest_url, .. }) if depth == 0 => return is_web(dest_url),
                Event::Start(Tag::Link { .. }) => depth -= 1,
                _ => {}
            }
        }
        false
    }
}

fn is_web(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

fn is_block(event: &Event) -> bool {
    matches!(
        event,
        Event::Start(
            Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::Table(_)
                | Tag::CodeBlock(_)
                | Tag::List(_)
                | Tag::Item
                | Tag::BlockQuote(_)
        ) | Event::End(TagEnd::List(_) | TagEnd::Item | TagEnd::BlockQuote(_))
            | Event::Rule
    )
}

/// The index of the event that closes the one opened at `start`.
fn end_of(events: &Events, start: usize) -> usize {
    let mut depth = 0usize;
    for (j, (event, _)) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len() - 1
}

/// Whether a table cell is set on one line: a short header (CJK text
/// would otherwise break anywhere, "2022年竞争对/手") or a year ("2022年").
/// Longer headers may wrap, or the table would run off the page.
fn keep_whole(cell: &Events, head: bool) -> bool {
    let text: String = cell
        .iter()
        .filter_map(|(e, _)| match e {
            Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    let text = text.trim();
    let year = text
        .strip_suffix("年度")
        .or_else(|| text.strip_suffix('年'))
        .unwrap_or(text);
    (head && text.chars().count() <= 12)
        || (year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::{convert, Body, Numbers};

    fn typst(markdown: &str) -> String {
        let mut body = Body {
            folder: "c".to_string(),
            assets: &[],
            files: Vec::new(),
            numbers: Numbers::default(),
            before_evidence: Some(Box::new(|n: &mut Numbers| {
                n.tables += 1;
                format!("METRICS{}\n\n", n.tables)
            })),
        };
        convert(markdown, &mut body)
    }

    #[test]
    fn short_headers_and_years_are_set_on_one_line() {
        let out = typst("| 指标 | 2022年竞争对手 | 这是一个很长很长很长的表头文字 |\n| - | - | - |\n| 2022年 | 20221 | 2022年度 |\n");
        assert!(out.contains("[#box[指标]]"), "{out}");
        assert!(out.contains("[#box[2022年竞争对手]]"), "{out}");
        assert!(out.contains("[这是一个很长很长很长的表头文字]"), "{out}");
        assert!(out.contains("[#box[2022年]]"), "{out}");
        assert!(out.contains("[20221]"), "{out}");
        assert!(out.contains("[#box[2022年度]]"), "{out}");
    }

    #[test]
    fn structure_becomes_calls_and_text_stays_text() {
        let out = typst("## 摘要\n\n质量\n提升 *a* **b**\n\n- 一\n- 二\n\n表：数据\n\n| 年 | 值 |\n| - | - |\n| 2022 | 1 |\n\n## 证实性材料\n\n#x");
        assert!(out.contains("#abstract-heading[摘要]"), "{out}");
        assert!(out.contains("质量提升 #emph[a] #strong[b]"), "{out}");
        assert!(out.contains("#list([一], [二], )"), "{out}");
        assert!(
            out.contains(
                "#book-table(2, [表1 数据], table.header([#box[年]], [#box[值]], ), [#box[2022]], [1], )"
            ),
            "{out}"
        );
        assert!(
            out.contains("METRICS2\n\n#section-heading[证实性材料]"),
            "{out}"
        );
        assert!(out.ends_with("\\#x\n\n"), "{out}");
    }

    #[test]
    fn images_without_a_local_file_keep_their_caption() {
        let out = typst("![流程图](https://example.org/a.png)\n");
        assert!(out.contains("#figure-missing[图1 流程图]"), "{out}");
        assert!(out.ends_with("METRICS1\n\n"), "{out}");
    }
}
