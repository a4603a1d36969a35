//! The .docx package as a zip archive, before and beside `docx-rs`: limits
//! on what unpacking it may cost (a 1.6 MB file whose `document.xml`
//! unpacks to 400 MB exhausted memory), and the document's footnotes and
//! endnotes, which `docx-rs` 0.4 does not read.
//!
//! The limits are checked twice: on the sizes the central directory
//! declares (cheap, refuses most bombs at once), then by inflating every
//! part into nothing through a cap (declared sizes can lie). Only a
//! package that passes both reaches `docx-rs`, which then unpacks parts no
//! larger than the caps.

use std::io::{Cursor, Read};

use flate2::read::DeflateDecoder;
use quick_xml::events::Event;
use zip::CompressionMethod;

use super::{read_error, ReadError};

/// Most parts a package may hold (Word writes a few dozen).
pub const MAX_PARTS: usize = 10_000;
/// Largest unpacked XML (or other non-media) part: 64 MB.
pub const MAX_XML_PART: u64 = 64 * 1024 * 1024;
/// Largest unpacked picture or other `word/media/` part: 50 MB.
pub const MAX_MEDIA_PART: u64 = 50 * 1024 * 1024;
/// Largest unpacked package in all: 200 MB.
pub const MAX_TOTAL: u64 = 200 * 1024 * 1024;
/// Deepest element nesting an XML part may have. docx-rs reads nested
/// tables recursively: 300 tables in tables (900 elements deep) overflowed
/// the stack; Word documents stay far below 256.
pub const MAX_XML_DEPTH: usize = 256;
/// Deflate cannot shrink data more than ~1032:1; a part declaring more
/// (past 1 MB, where ratios mean something) lies about its size.
const MAX_RATIO: u64 = 1100;

const MB: u64 = 1024 * 1024;

fn limit_of(name: &str) -> u64 {
    if name.starts_with("word/media/") {
        MAX_MEDIA_PART
    } else {
        MAX_XML_PART
    }
}

fn too_large(name: &str, what: String) -> ReadError {
    read_error(
        format!("文档中的“{name}”{what}，超出导入的限制，不读取"),
        format!(
            "正常的 Word 文档远小于这些限制（每个文字部分 {} MB、每张图片 {} MB、全部 {} MB、{} 个部分、嵌套 {} 层）。\
             请在 Word 中打开并另存为 .docx，压缩其中的图片（“图片格式 → 压缩图片”）、拆开层层嵌套的表格后再导入",
            MAX_XML_PART / MB,
            MAX_MEDIA_PART / MB,
            MAX_TOTAL / MB,
            MAX_PARTS,
            MAX_XML_DEPTH
        ),
    )
}

fn corrupt(detail: impl std::fmt::Display) -> ReadError {
    read_error(
        format!("文件已损坏或不完整，无法作为 .docx 读取（{detail}）"),
        "在 Word 中打开并重新“另存为” .docx；如果 Word 也打不开，请企业重新发送文件",
    )
}

/// Refuse a package whose parts are too many, too large (declared or
/// actual), or compressed past what deflate can do.
pub fn check_limits(bytes: &[u8]) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > MAX_PARTS {
        return Err(too_large(
            "压缩包",
            format!("有 {} 个部分（上限 {MAX_PARTS} 个）", archive.len()),
        ));
    }
    // First what the directory declares, for every part: refuses most
    // bombs before a byte is inflated.
    let mut declared_total = 0u64;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(corrupt)?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let (size, limit) = (part.size(), limit_of(&name));
        if size > limit {
            let what = format!("解压后有 {} MB（上限 {} MB）", size / MB, limit / MB);
            return Err(too_large(&name, what));
        }
        declared_total = declared_total.saturating_add(size);
        if declared_total > MAX_TOTAL {
            let what = format!("使全部内容解压后超过 {} MB", MAX_TOTAL / MB);
            return Err(too_large(&name, what));
        }
    }
    // Then what the parts really hold: the directory may lie.
    let mut actual_total = 0u64;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(corrupt)?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let (size, packed, limit) = (part.size(), part.compressed_size(), limit_of(&name));
        if size > MB && size / packed.max(1) > MAX_RATIO {
            let what = format!("声称由 {packed} 字节解压出 {size} 字节，不可能");
            return Err(too_large(&name, what));
        }
        let method = part.compression();
        let is_xml = name.ends_with(".xml") || name.ends_with(".rels");
        let (actual, depth) = unpacked_size(part, method, limit, is_xml).map_err(corrupt)?;
        if depth > MAX_XML_DEPTH {
            let what = format!("的元素嵌套超过 {MAX_XML_DEPTH} 层（如表格套表格）");
            return Err(too_large(&name, what));
        }
        if actual > limit {
            let what = format!("实际解压后超过 {} MB（声称只有 {size} 字节）", limit / MB);
            return Err(too_large(&name, what));
        }
        actual_total += actual;
        if actual_total > MAX_TOTAL {
            let what = format!("使全部内容实际解压后超过 {} MB", MAX_TOTAL / MB);
            return Err(too_large(&name, what));
        }
    }
    // Every part within bounds: now read each as docx-rs will, through the
    // zip crate, which also checks its CRC; a part that would fail there
    // (and make docx-rs panic) is refused here as a damaged file.
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).map_err(corrupt)?;
        std::io::copy(&mut part, &mut std::io::sink()).map_err(corrupt)?;
    }
    Ok(())
}

/// Inflate a raw part, stopping one byte past `limit`: its true unpacked
/// size, whatever the directory claims, and for XML its deepest element
/// nesting (read as it streams; nothing is kept).
fn unpacked_size(
    part: impl Read,
    method: CompressionMethod,
    limit: u64,
    is_xml: bool,
) -> Result<(u64, usize), String> {
    let inflated: Box<dyn Read + '_> = match method {
        CompressionMethod::Stored => Box::new(part),
        CompressionMethod::Deflated => Box::new(DeflateDecoder::new(part)),
        other => return Err(format!("不支持的压缩方式 {other:?}")),
    };
    let mut counted = Counted {
        inner: inflated.take(limit + 1),
        count: 0,
    };
    let depth = if is_xml {
        deepest_nesting(&mut counted)
    } else {
        0
    };
    if depth > MAX_XML_DEPTH {
        // Refused already: no need to inflate the rest.
        return Ok((counted.count, depth));
    }
    std::io::copy(&mut counted, &mut std::io::sink()).map_err(|e| e.to_string())?;
    Ok((counted.count, depth))
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// The deepest element nesting of the XML read from `input`, stopping as
/// soon as it passes [`MAX_XML_DEPTH`]. A byte-level tag counter rather
/// than an XML reader, so that memory stays flat: a reader buffers each
/// event whole, and one text node can be the whole 64 MB part. Comments,
/// CDATA and processing instructions are skipped; malformed XML only gives
/// a wrong depth, and docx-rs refuses it anyway.
fn deepest_nesting(input: &mut impl Read) -> usize {
    let mut scan = TagDepth::default();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                for &b in &buf[..n] {
                    scan.byte(b);
                }
                if scan.deepest > MAX_XML_DEPTH {
                    break;
                }
            }
        }
    }
    scan.deepest
}

/// Where [`deepest_nesting`] is in the XML.
#[derive(Default)]
struct TagDepth {
    state: TagState,
    depth: usize,
    deepest: usize,
    /// The two bytes before this one, to find `/>`, `-->`, `]]>`, `?>`.
    last: [u8; 2],
}

#[derive(Clone, Copy, Default, PartialEq)]
enum TagState {
    #[default]
    Text,
    /// Just after `<`.
    Open,
    /// Just after `<!`.
    Bang,
    /// Inside a start tag: in a quoted attribute value (its quote) or not.
    Start(Option<u8>),
    /// Inside an end tag.
    End,
    /// Skipped up to their ends: `<!--…-->`, `<![CDATA[…]]>`, `<?…?>`,
    /// `<!DOCTYPE…>`.
    Comment,
    CData,
    Instruction,
    Declaration,
}

impl TagDepth {
    fn byte(&mut self, b: u8) {
        use TagState::*;
        self.state = match (self.state, b) {
            (Text, b'<') => Open,
            (Open, b'/') => End,
            (Open, b'?') => Instruction,
            (Open, b'!') => Bang,
            (Open, _) => {
                self.depth += 1;
                self.deepest = self.deepest.max(self.depth);
                Start(None)
            }
            (Bang, b'-') => Comment,
            (Bang, b'[') => CData,
            (Bang, _) => Declaration,
            (Start(None), b'"' | b'\'') => Start(Some(b)),
            (Start(Some(q)), _) if b == q => Start(None),
            (Start(None), b'>') => {
                if self.last[1] == b'/' {
                    self.depth = self.depth.saturating_sub(1);
                }
                Text
            }
            (End, b'>') => {
                self.depth = self.depth.saturating_sub(1);
                Text
            }
            (Comment, b'>') if self.last == *b"--" => Text,
            (CData, b'>') if self.last == *b"]]" => Text,
            (Instruction, b'>') if self.last[1] == b'?' => Text,
            (Declaration, b'>') => Text,
            (state, _) => state,
        };
        self.last = [self.last[1], b];
    }
}

/// The text of a package part, if present (after [`check_limits`], so
/// bounded).
fn part_text(bytes: &[u8], name: &str) -> Option<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut part = archive.by_name(name).ok()?;
    let mut text = String::new();
    part.by_ref()
        .take(MAX_XML_PART)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The document's footnotes, then its endnotes: each note's text (its
/// paragraphs joined by a space), tracked deletions left out. Word's
/// separator "notes" have no text and drop out.
pub fn notes(bytes: &[u8]) -> Vec<String> {
    ["word/footnotes.xml", "word/endnotes.xml"]
        .iter()
        .filter_map(|name| part_text(bytes, name))
        .flat_map(|xml| note_texts(&xml))
        .collect()
}

/// The text of each `w:footnote` / `w:endnote` in a notes part.
fn note_texts(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut notes = Vec::new();
    let mut note: Option<Vec<String>> = None;
    // Depth inside w:del / w:moveFrom (deleted text), and inside a w:t.
    let (mut deleted, mut in_text) = (0usize, false);
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(event) => event,
        };
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                b"footnote" | b"endnote" => note = Some(vec![String::new()]),
                b"p" => {
                    if let Some(paras) = note.as_mut() {
                        paras.push(String::new());
                    }
                }
                b"del" | b"moveFrom" => deleted += 1,
                b"t" => in_text = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"footnote" | b"endnote" => {
                    let paras = note.take().unwrap_or_default();
                    let text: Vec<&str> = paras
                        .iter()
                        .map(|p| p.trim())
                        .filter(|p| !p.is_empty())
                        .collect();
                    if !text.is_empty() {
                        notes.push(text.join(" "));
                    }
                }
                b"del" | b"moveFrom" => deleted = deleted.saturating_sub(1),
                b"t" => in_text = false,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == b"tab" => {
                push_text(&mut note, deleted, " ");
            }
            Event::Text(t) if in_text => {
                if let Ok(text) = t.decode() {
                    push_text(&mut note, deleted, &text);
                }
            }
            Event::GeneralRef(r) if in_text => {
                push_text(&mut note, deleted, &entity(&r));
            }
            _ => {}
        }
    }
    notes
}

fn push_text(note: &mut Option<Vec<String>>, deleted: usize, text: &str) {
    if deleted > 0 {
        return;
    }
    if let Some(last) = note.as_mut().and_then(|paras| paras.last_mut()) {
        last.push_str(text);
    }
}

/// An entity reference in text: the five XML ones and character references.
fn entity(r: &quick_xml::events::BytesRef) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match &**r {
        b"amp" => "&",
        b"lt" => "<",
        b"gt" => ">",
        b"quot" => "\"",
        b"apos" => "'",
        _ => "",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(xml: &str) -> usize {
        deepest_nesting(&mut xml.as_bytes())
    }

    #[test]
    fn nesting_is_counted_through_attributes_comments_and_cdata() {
        assert_eq!(
            depth_of("<?xml version=\"1.0\"?><a><b/><c x=\"/>\"><d></d></c></a>"),
            3
        );
        assert_eq!(
            depth_of("<a><!-- <b><c><d> --><![CDATA[<e><f>]]><g x='>'/></a>"),
            2
        );
        assert_eq!(depth_of("<!DOCTYPE a><a>text > more</a>"), 1);
        let deep = "<w:tbl>".repeat(300);
        assert!(depth_of(&deep) > MAX_XML_DEPTH);
        // Siblings do not add up.
        assert_eq!(depth_of(&"<p><r>x</r></p>".repeat(10_000)), 2);
    }

    #[test]
    fn notes_keep_their_text_without_deletions_or_separators() {
        let xml = r#"<w:footnotes xmlns:w="w">
            <w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
            <w:footnote w:id="1"><w:p><w:r><w:t>数据来源 A&amp;B</w:t></w:r>
              <w:del><w:r><w:delText>删去</w:delText></w:r></w:del>
              <w:del><w:r><w:t>也删去</w:t></w:r></w:del>
              <w:ins><w:r><w:t xml:space="preserve"> 补充&#x4E00;</w:t></w:r></w:ins></w:p>
              <w:p><w:r><w:t>第二段</w:t><w:tab/><w:t>续</w:t></w:r></w:p></w:footnote>
            <w:footnote w:id="2"><w:p></w:p></w:footnote>
        </w:footnotes>"#;
        assert_eq!(note_texts(xml), vec!["数据来源 A&B 补充一 第二段 续"]);
        // Broken XML ends the reading, never a panic.
        for cut in [10, 100, 200, 300] {
            let _ = note_texts(&xml[..cut.min(xml.len())]);
        }
    }
}
