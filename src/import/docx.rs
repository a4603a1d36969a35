//! Reading a .docx (with the `docx-rs` reader) into a flat list of
//! [`Block`]s: what the rest of import needs to know about each paragraph
//! (its text as Markdown, heading style, bold, centred, list), tables as
//! rows of cell text (nested tables flattened into their cell), and
//! pictures with their media bytes. Text boxes and content controls give
//! their paragraphs; tracked insertions are read, deletions are not.

use std::collections::HashMap;

use docx_rs::{
    Bold, DocumentChild, Docx, DrawingData, Paragraph, ParagraphChild, Run, RunChild,
    StructuredDataTag, StructuredDataTagChild, Table, TableCellContent, TableChild, TableRowChild,
    TextBox, TextBoxContentChild,
};

/// One unit of the document body, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Paragraph(Para),
    Table(Vec<Vec<String>>),
    /// A picture: its file name in the package and its bytes.
    Image {
        name: String,
        bytes: Vec<u8>,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Para {
    /// The text as Markdown (bold runs as `**…**`).
    pub markdown: String,
    /// The plain text.
    pub text: String,
    /// Heading level from the paragraph's style (Heading 1 … / Title = 0).
    pub heading: Option<usize>,
    /// Every visible character is bold.
    pub bold: bool,
    pub centered: bool,
    /// A numbered or bulleted list item: ordered or not.
    pub list: Option<bool>,
}

/// Read the document's body into blocks. Pictures come out as blocks of
/// their own, after the text of the paragraph that holds them.
pub fn blocks(docx: &Docx) -> Vec<Block> {
    let reader = Reader::new(docx);
    let mut out = Vec::new();
    for child in &docx.document.children {
        match child {
            DocumentChild::Paragraph(p) => reader.paragraph(p, &mut out),
            DocumentChild::Table(t) => out.push(Block::Table(reader.table(t))),
            // Content controls (form fields, templates' placeholders) hold
            // ordinary paragraphs and tables.
            DocumentChild::StructuredDataTag(sdt) => reader.content_control(sdt, &mut out),
            // A table of contents repeats the headings; bookmarks, comment
            // ranges and section breaks hold no text.
            _ => {}
        }
    }
    out
}

struct Reader<'d> {
    /// Style id → heading level (0 for Title).
    headings: HashMap<String, usize>,
    /// Numbering id → is its first level a bullet?
    bullets: HashMap<usize, bool>,
    images: HashMap<&'d str, (&'d str, &'d [u8])>,
    /// Paragraph styles that make text bold or centred (Word's own caption
    /// and heading-like styles often do).
    bold_styles: HashMap<String, bool>,
    centered_styles: HashMap<String, bool>,
}

impl<'d> Reader<'d> {
    fn new(docx: &'d Docx) -> Self {
        let mut headings = HashMap::new();
        let mut bold_styles = HashMap::new();
        let mut centered_styles = HashMap::new();
        for style in &docx.styles.styles {
            let name = serde_json::to_value(&style.name)
                .ok()
                .and_then(|v| v.as_str().map(str::to_lowercase))
                .unwrap_or_default();
            let level = if name == "title" || style.style_id == "Title" {
                Some(0)
            } else if style.name.is_heading() {
                style.name.get_heading_number()
            } else {
                style
                    .paragraph_property
                    .outline_lvl
                    .as_ref()
                    .and_then(|o| serde_json::to_value(o).ok())
                    .and_then(|v| v.as_u64())
                    .map(|l| l as usize + 1)
            };
            if let Some(level) = level {
                headings.insert(style.style_id.clone(), level);
            }
            if is_bold(&style.run_property.bold) {
                bold_styles.insert(style.style_id.clone(), true);
            }
            if style
                .paragraph_property
                .alignment
                .as_ref()
                .is_some_and(|j| j.val == "center")
            {
                centered_styles.insert(style.style_id.clone(), true);
            }
        }
        let mut bullets = HashMap::new();
        for numbering in &docx.numberings.numberings {
            let bullet = docx
                .numberings
                .abstract_nums
                .iter()
                .find(|a| a.id == numbering.abstract_num_id)
                .and_then(|a| a.levels.first())
                .is_some_and(|l| l.format.val == "bullet");
            bullets.insert(numbering.id, bullet);
        }
        let images = docx
            .images
            .iter()
            .map(|(id, path, image, _)| (id.as_str(), (path.as_str(), image.0.as_slice())))
            .collect();
        Reader {
            headings,
            bullets,
            images,
            bold_styles,
            centered_styles,
        }
    }

    fn content_control(&self, sdt: &StructuredDataTag, out: &mut Vec<Block>) {
        for child in &sdt.children {
            match child {
                StructuredDataTagChild::Paragraph(p) => self.paragraph(p, out),
                StructuredDataTagChild::Table(t) => out.push(Block::Table(self.table(t))),
                StructuredDataTagChild::StructuredDataTag(inner) => {
                    self.content_control(inner, out)
                }
                StructuredDataTagChild::Run(run) => {
                    let p = Paragraph::new().add_run((**run).clone());
                    self.paragraph(&p, out);
                }
                _ => {}
            }
        }
    }

    /// A text box's paragraphs and tables, as blocks of their own after
    /// the paragraph that anchors it.
    fn text_box(&self, text_box: &TextBox, out: &mut Vec<Block>) {
        for child in &text_box.children {
            match child {
                TextBoxContentChild::Paragraph(p) => self.paragraph(p, out),
                TextBoxContentChild::Table(t) => out.push(Block::Table(self.table(t))),
            }
        }
    }

    fn paragraph(&self, p: &Paragraph, out: &mut Vec<Block>) {
        let style = p.property.style.as_ref().map(|s| s.val.as_str());
        let style_bold = style.is_some_and(|s| self.bold_styles.contains_key(s));
        let mut para = Para {
            heading: style.and_then(|s| self.headings.get(s).copied()),
            centered: p
                .property
                .alignment
                .as_ref()
                .map(|j| j.val == "center")
                .unwrap_or_else(|| style.is_some_and(|s| self.centered_styles.contains_key(s))),
            list: p.property.numbering_property.as_ref().and_then(|n| {
                let id = n.id.as_ref()?.id;
                // Numbering id 0 means "no numbering".
                (id != 0).then(|| !self.bullets.get(&id).copied().unwrap_or(false))
            }),
            ..Para::default()
        };
        let mut runs = Vec::new();
        collect_runs(&p.children, &mut runs);
        let mut images = Vec::new();
        let mut pieces: Vec<(String, bool)> = Vec::new();
        for run in runs {
            let bold = style_bold && !matches!(&run.run_property.bold, Some(b) if !is_on(b))
                || is_bold(&run.run_property.bold);
            let mut text = String::new();
            for child in &run.children {
                match child {
                    RunChild::Text(t) => text.push_str(&t.text),
                    RunChild::Tab(_) => text.push(' '),
                    RunChild::Break(_) => text.push('\n'),
                    RunChild::Drawing(d) => match &d.data {
                        Some(DrawingData::Pic(pic)) => {
                            if let Some((path, bytes)) = self.images.get(pic.id.as_str()) {
                                let name = path.rsplit('/').next().unwrap_or(path).to_string();
                                images.push(Block::Image {
                                    name,
                                    bytes: bytes.to_vec(),
                                });
                            }
                        }
                        Some(DrawingData::TextBox(text_box)) => {
                            self.text_box(text_box, &mut images)
                        }
                        None => {}
                    },
                    _ => {}
                }
            }
            if !text.is_empty() {
                pieces.push((text, bold));
            }
        }
        para.text = pieces.iter().map(|(t, _)| t.as_str()).collect();
        para.bold = pieces.iter().any(|(t, _)| !t.trim().is_empty())
            && pieces.iter().all(|(t, b)| *b || t.trim().is_empty());
        para.markdown = markdown_of(&pieces, para.bold);
        if !para.text.trim().is_empty() || images.is_empty() {
            out.push(Block::Paragraph(para));
        }
        out.extend(images);
    }

    fn table(&self, t: &Table) -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|TableChild::TableRow(row)| {
                row.cells
                    .iter()
                    .map(|TableRowChild::TableCell(cell)| {
                        let mut texts = Vec::new();
                        let mut blocks = Vec::new();
                        for content in &cell.children {
                            match content {
                                TableCellContent::Paragraph(p) => self.paragraph(p, &mut blocks),
                                TableCellContent::Table(t) => {
                                    blocks.push(Block::Table(self.table(t)))
                                }
                                TableCellContent::StructuredDataTag(sdt) => {
                                    self.content_control(sdt, &mut blocks)
                                }
                                TableCellContent::TableOfContents(_) => {}
                            }
                        }
                        for block in blocks {
                            match block {
                                Block::Paragraph(para) if !para.text.trim().is_empty() => {
                                    texts.push(para.text.trim().to_string())
                                }
                                // A table in a cell: its text, row by row.
                                Block::Table(rows) => texts.extend(
                                    rows.iter()
                                        .flatten()
                                        .filter(|c| !c.trim().is_empty())
                                        .cloned(),
                                ),
                                _ => {}
                            }
                        }
                        texts.join(" ")
                    })
                    .collect()
            })
            .collect()
    }
}

fn is_on(bold: &Bold) -> bool {
    serde_json::to_value(bold)
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn is_bold(bold: &Option<Bold>) -> bool {
    bold.as_ref().is_some_and(is_on)
}

/// Runs of a paragraph, through hyperlinks, content controls, tracked
/// insertions and moves (the text's new place). Tracked deletions and the
/// old place of moved text are left out: the document as it reads with
/// every change accepted. Comments live in their own part, never here.
fn collect_runs<'p>(children: &'p [ParagraphChild], runs: &mut Vec<&'p Run>) {
    for child in children {
        match child {
            ParagraphChild::Run(run) => runs.push(run),
            ParagraphChild::Hyperlink(link) => collect_runs(&link.children, runs),
            ParagraphChild::Insert(insert) => {
                for c in &insert.children {
                    if let docx_rs::InsertChild::Run(run) = c {
                        runs.push(run);
                    }
                }
            }
            ParagraphChild::MoveTo(moved) => {
                for c in &moved.children {
                    if let docx_rs::MoveToChild::Run(run) = c {
                        runs.push(run);
                    }
                }
            }
            ParagraphChild::StructuredDataTag(sdt) => {
                for c in &sdt.children {
                    if let StructuredDataTagChild::Run(run) = c {
                        runs.push(run);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Join runs into Markdown, bold runs as `**…**` (unless the whole
/// paragraph is bold: then it is a heading candidate and stays plain).
fn markdown_of(pieces: &[(String, bool)], all_bold: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < pieces.len() {
        let bold = pieces[i].1 && !all_bold;
        let mut j = i;
        let mut text = String::new();
        while j < pieces.len() && (pieces[j].1 && !all_bold) == bold {
            text.push_str(&pieces[j].0);
            j += 1;
        }
        let trimmed = text.trim();
        if bold && !trimmed.is_empty() {
            let lead = &text[..text.len() - text.trim_start().len()];
            let tail = &text[text.trim_end().len()..];
            out.push_str(lead);
            out.push_str("**");
            out.push_str(trimmed);
            out.push_str("**");
            out.push_str(tail);
        } else {
            out.push_str(&text);
        }
        i = j;
    }
    out
}
