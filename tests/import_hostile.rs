//! `casebook import` on hostile and unusual Word documents (issue 18):
//! zip bombs (honest and lying central directories, many parts, huge
//! pictures) refused with a clear error and nothing written; every word of
//! a document kept (text before or without any recognised section, tables,
//! lists, text boxes, footnotes and endnotes, tracked insertions), tracked
//! deletions and comments left out; an id the site already uses, in any
//! form, refused. Every .docx is written at test time, part by part, so
//! that it can hold what docx-rs cannot write.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn import(root: &Path, docx: &Path, extra: &[&str]) -> (i32, String) {
    let output = import_command(root, docx, extra);
    let log = stderr(&output);
    assert!(!log.contains("panicked"), "{log}");
    (code(&output), log)
}

/// A zip of `parts`, deflated (fast).
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(false);
    for (name, bytes) in parts {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Make the local and central headers of `name` declare `size` unpacked
/// bytes: a lying directory.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    patch_headers(zip, name, (22, 24), size);
}

/// Make the local and central headers of `name` declare `crc`: a part
/// whose bytes no longer match its checksum.
fn declare_crc(zip: &mut [u8], name: &str, crc: u32) {
    patch_headers(zip, name, (14, 16), crc);
}

/// Write `value` at `offsets` (local header, central header) of `name`.
fn patch_headers(zip: &mut [u8], name: &str, offsets: (usize, usize), value: u32) {
    let name = name.as_bytes();
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46 + name.len()) {
        let (sig, field_at, name_at) = match &zip[at..at + 4] {
            b"PK\x03\x04" => ("local", at + offsets.0, at + 30),
            b"PK\x01\x02" => ("central", at + offsets.1, at + 46),
            _ => continue,
        };
        let len_at = if sig == "local" { at + 26 } else { at + 28 };
        let len = u16::from_le_bytes([zip[len_at], zip[len_at + 1]]) as usize;
        if len == name.len() && &zip[name_at..name_at + len] == name {
            zip[field_at..field_at + 4].copy_from_slice(&value.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "{}", String::from_utf8_lossy(name));
}

fn document(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"{W}\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" \
         xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:wps=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\">\
         <w:body>{body}<w:sectPr/></w:body></w:document>"
    )
}

/// A .docx package: `document.xml` with `body`, and optional notes and
/// comments parts (each with its relationship).
fn package(
    body: &str,
    footnotes: Option<&str>,
    endnotes: Option<&str>,
    comments: Option<&str>,
) -> Vec<u8> {
    let rel = |id: &str, kind: &str, target: &str| {
        format!(
            "<Relationship Id=\"{id}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}\" Target=\"{target}\"/>"
        )
    };
    let override_of = |part: &str, kind: &str| {
        format!(
            "<Override PartName=\"/word/{part}\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml\"/>"
        )
    };
    let mut rels = String::new();
    let mut overrides = override_of("document.xml", "document.main");
    let mut parts: Vec<(&str, String)> = Vec::new();
    let notes_part = |root: &str, child: &str, notes: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:{root} xmlns:w=\"{W}\">\
             <w:{child} w:type=\"separator\" w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:{child}>\
             {notes}</w:{root}>"
        )
    };
    if let Some(notes) = footnotes {
        rels.push_str(&rel("rIdF", "footnotes", "footnotes.xml"));
        overrides.push_str(&override_of("footnotes.xml", "footnotes"));
        parts.push((
            "word/footnotes.xml",
            notes_part("footnotes", "footnote", notes),
        ));
    }
    if let Some(notes) = endnotes {
        rels.push_str(&rel("rIdE", "endnotes", "endnotes.xml"));
        overrides.push_str(&override_of("endnotes.xml", "endnotes"));
        parts.push((
            "word/endnotes.xml",
            notes_part("endnotes", "endnote", notes),
        ));
    }
    if let Some(comments) = comments {
        rels.push_str(&rel("rIdC", "comments", "comments.xml"));
        overrides.push_str(&override_of("comments.xml", "comments"));
        parts.push((
            "word/comments.xml",
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:comments xmlns:w=\"{W}\">{comments}</w:comments>"),
        ));
    }
    let content_types = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>{overrides}</Types>"
    );
    let root_rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{}</Relationships>",
        rel("rId1", "officeDocument", "word/document.xml")
    );
    let doc_rels = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">{rels}</Relationships>"
    );
    let document = document(body);
    let mut all: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", root_rels.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", doc_rels.as_bytes()),
    ];
    all.extend(parts.iter().map(|(n, t)| (*n, t.as_bytes())));
    zip_of(&all)
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn heading(text: &str) -> String {
    format!("<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>{text}</w:t></w:r></w:p>")
}

fn table(rows: &[&[&str]]) -> String {
    let rows: String = rows
        .iter()
        .map(|cells| {
            let cells: String = cells
                .iter()
                .map(|c| format!("<w:tc>{}</w:tc>", p(c)))
                .collect();
            format!("<w:tr>{cells}</w:tr>")
        })
        .collect();
    format!("<w:tbl>{rows}</w:tbl>")
}

fn text_box(text: &str) -> String {
    format!(
        "<w:p><w:r><w:drawing><wp:anchor distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\" simplePos=\"0\" \
         relativeHeight=\"1\" behindDoc=\"0\" locked=\"0\" layoutInCell=\"1\" allowOverlap=\"1\">\
         <wp:simplePos x=\"0\" y=\"0\"/><wp:positionH relativeFrom=\"column\"><wp:posOffset>0</wp:posOffset></wp:positionH>\
         <wp:positionV relativeFrom=\"paragraph\"><wp:posOffset>0</wp:posOffset></wp:positionV>\
         <wp:extent cx=\"1000000\" cy=\"500000\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:wrapNone/>\
         <wp:docPr id=\"1\" name=\"Text Box 1\"/><a:graphic><a:graphicData \
         uri=\"http://schemas.microsoft.com/office/word/2010/wordprocessingShape\"><wps:wsp>\
         <wps:cNvSpPr txBox=\"1\"/><wps:spPr/><wps:txbx><w:txbxContent>{}</w:txbxContent></wps:txbx>\
         <wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r></w:p>",
        p(text)
    )
}

/// The words a reader sees in the document: `w:t` text of the document
/// and its notes outside tracked deletions (the test's oracle, independent
/// of docx-rs), cut at spaces and punctuation.
fn visible_words(parts: &[&str]) -> Vec<String> {
    let mut words = Vec::new();
    for xml in parts {
        let mut deleted = 0usize;
        let mut rest = *xml;
        while let Some(open) = rest.find('<') {
            let close = open + rest[open..].find('>').unwrap();
            let tag = &rest[open + 1..close];
            let after = &rest[close + 1..];
            if tag.starts_with("w:del ") || tag == "w:del" {
                deleted += 1;
            } else if tag == "/w:del" {
                deleted -= 1;
            } else if (tag == "w:t" || tag.starts_with("w:t ")) && deleted == 0 {
                let end = after.find("</w:t>").unwrap();
                words.extend(
                    after[..end]
                        .split(|c: char| c.is_whitespace() || "，。、；：,.;:()（）".contains(c))
                        .filter(|w| !w.is_empty())
                        .map(str::to_string),
                );
            }
            rest = after;
        }
    }
    words
}

fn imported_markdown(root: &Path, id: &str) -> String {
    let path = root.join(format!("content/cases/{}/{id}/index.md", &id[..4]));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn walk_md(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk_md(&path));
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Bombs: refused with a clear error, exit 1, nothing written
// ---------------------------------------------------------------------------

fn assert_refused(name: &str, bytes: &[u8], expect: &[&str]) {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let before = snapshot(&root);
    let (code, log) = import(&root, &path, &[]);
    assert_eq!(code, 1, "{name}: {log}");
    assert!(log.contains("超出导入的限制"), "{name}: {log}");
    for part in expect {
        assert!(log.contains(part), "{name}: {part:?} not in {log}");
    }
    assert!(log.contains("修改建议"), "{name}: {log}");
    assert_eq!(snapshot(&root), before, "{name}: the site changed");
}

/// A 65 MB `document.xml` (compressing to ~65 KB): refused by its declared
/// size, and by its real size when the directory claims 900 bytes.
#[test]
fn zip_bombs_in_the_document_part_are_refused() {
    let huge = document(&p(&"质".repeat(65 * 1024 * 1024 / 3 + 10)));
    let parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", huge.as_bytes()),
    ];
    let bomb = zip_of(&parts);
    assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
    assert_refused("bomb.docx", &bomb, &["word/document.xml", "64 MB"]);
    let mut liar = bomb.clone();
    declare_size(&mut liar, "word/document.xml", 900);
    assert_refused(
        "liar.docx",
        &liar,
        &["word/document.xml", "实际解压后超过 64 MB"],
    );
}

/// Variations: a huge picture (declared), parts that together pass the
/// total, too many parts, an impossible compression ratio, a styles part
/// instead of the document.
#[test]
fn archives_past_any_limit_are_refused() {
    let small = package(&p("正文"), None, None, None);
    let mut picture = {
        let png = vec![7u8; 4096];
        let mut parts: Vec<(&str, &[u8])> = vec![("word/media/image1.png", &png)];
        let doc = document(&p("正文"));
        parts.push(("word/document.xml", doc.as_bytes()));
        zip_of(&parts)
    };
    declare_size(&mut picture, "word/media/image1.png", 51 * 1024 * 1024);
    assert_refused(
        "picture.docx",
        &picture,
        &["word/media/image1.png", "50 MB"],
    );

    let filler = vec![b'x'; 2048];
    let names = ["word/a.xml", "word/b.xml", "word/c.xml", "word/d.xml"];
    let mut total = zip_of(
        &names
            .iter()
            .map(|n| (*n, filler.as_slice()))
            .collect::<Vec<_>>(),
    );
    for name in names {
        declare_size(&mut total, name, 60 * 1024 * 1024);
    }
    assert_refused("total.docx", &total, &["200 MB"]);

    let many_names: Vec<String> = (0..10_001).map(|i| format!("word/p{i}.xml")).collect();
    let many = zip_of(
        &many_names
            .iter()
            .map(|n| (n.as_str(), &b"<a/>"[..]))
            .collect::<Vec<_>>(),
    );
    assert_refused("many.docx", &many, &["10001", "10000"]);

    let mut ratio = small.clone();
    declare_size(&mut ratio, "word/document.xml", 40 * 1024 * 1024);
    assert_refused("ratio.docx", &ratio, &["word/document.xml", "不可能"]);

    let mut styles = zip_of(&[("word/styles.xml", &b"<w:styles/>"[..])]);
    declare_size(&mut styles, "word/styles.xml", 70 * 1024 * 1024);
    assert_refused("styles.docx", &styles, &["word/styles.xml", "70 MB"]);
}

/// Tables nested in tables past 256 elements deep (300 overflowed the
/// stack in docx-rs's recursive reader, exit 134) are refused; 20 levels,
/// as deep as real documents go and more, import with their text.
#[test]
fn deeply_nested_xml_is_refused_before_it_overflows() {
    let nested = |levels: usize, inner: &str| {
        "<w:tbl><w:tr><w:tc>".repeat(levels) + inner + &"</w:tc></w:tr></w:tbl>".repeat(levels)
    };
    for (levels, name) in [(100, "tables-100.docx"), (20_000, "tables-20000.docx")] {
        let bytes = package(&nested(levels, &p("深处")), None, None, None);
        assert_refused(name, &bytes, &["word/document.xml", "256 层"]);
    }
    let deep_notes = format!(
        "<w:footnote w:id=\"1\">{}</w:footnote>",
        "<w:x>".repeat(300) + &"</w:x>".repeat(300)
    );
    let bytes = package(&p("正文"), Some(&deep_notes), None, None);
    assert_refused("notes.docx", &bytes, &["word/footnotes.xml", "256 层"]);

    let dir = temp_dir();
    let root = import_site(dir.path());
    let path = dir.path().join("nested-20.docx");
    std::fs::write(
        &path,
        package(&nested(20, &p("depth20word")), None, None, None),
    )
    .unwrap();
    let out = dir.path().join("out");
    let (code, log) = import(&root, &path, &["--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{log}");
    let md = std::fs::read_to_string(out.join("index.md")).unwrap();
    assert!(md.contains("depth20word"), "{md}");
}

// ---------------------------------------------------------------------------
// Nothing lost
// ---------------------------------------------------------------------------

/// A document without any of the programme's headings (as 123 real Word
/// documents were): every paragraph, table cell, list item and text box is
/// kept under `## 待归类内容`, the to-do names it, exit 0, and `check`
/// refuses the case until the editor sorts it (`section-unsorted`).
#[test]
fn text_outside_recognised_sections_is_kept_and_flagged() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let body = [
        heading("年度质量报告"),
        p("第一段说明：良率提升 alpha17 个百分点"),
        heading("背景与目标"),
        p("第二段 bravo29，客户投诉下降。"),
        table(&[&["指标", "charlie31"], &["合格率", "98.6"]]),
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>列表项 delta43</w:t></w:r></w:p>".to_string(),
        text_box("文本框里的 echo59"),
        p("最后一段 foxtrot61。"),
    ]
    .concat();
    let path = dir.path().join("报告.docx");
    std::fs::write(&path, package(&body, None, None, None)).unwrap();
    let (code, log) = import(&root, &path, &["--id", "2023-090"]);
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains("没有归入规定章节") && log.contains("待归类内容"),
        "{log}"
    );
    assert!(log.contains("section-unsorted"), "{log}");
    let md = imported_markdown(&root, "2023-090");
    for word in [
        "alpha17",
        "背景与目标",
        "bravo29",
        "charlie31",
        "98.6",
        "delta43",
        "echo59",
        "foxtrot61",
    ] {
        assert!(md.contains(word), "{word} lost:\n{md}");
    }
    assert!(md.contains("## 待归类内容"), "{md}");
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1);
    let d = diags
        .iter()
        .find(|d| d.rule == "section-unsorted")
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert!(
        d.file.contains("2023-090") && d.line > 1 && has_cjk(&d.message),
        "{d:?}"
    );
}

/// Tracked insertions (and moves) are read, deletions and comments are
/// not; footnotes, endnotes and text boxes are kept.
#[test]
fn revisions_comments_notes_and_text_boxes() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let body = [
        heading("一、摘要"),
        "<w:p><w:r><w:t xml:space=\"preserve\">保留 kept11 </w:t></w:r>\
             <w:ins w:id=\"1\" w:author=\"a\"><w:r><w:t>inserted22</w:t></w:r></w:ins>\
             <w:del w:id=\"2\" w:author=\"a\"><w:r><w:delText>deleted33</w:delText></w:r></w:del>\
             <w:commentRangeStart w:id=\"0\"/><w:r><w:t xml:space=\"preserve\"> commented44</w:t></w:r>\
             <w:commentRangeEnd w:id=\"0\"/><w:r><w:commentReference w:id=\"0\"/></w:r>\
             <w:r><w:footnoteReference w:id=\"1\"/></w:r><w:r><w:endnoteReference w:id=\"1\"/></w:r>\
             <w:moveFrom w:id=\"5\" w:author=\"a\"><w:r><w:t>movedaway55</w:t></w:r></w:moveFrom>\
             <w:moveTo w:id=\"6\" w:author=\"a\"><w:r><w:t>movedhere66</w:t></w:r></w:moveTo></w:p>"
        .to_string(),
        heading("二、企业概况"),
        text_box("框中文字 boxed77"),
        p("plain88"),
    ]
    .concat();
    let footnotes = "<w:footnote w:id=\"1\"><w:p><w:r><w:t>脚注 foot99 &amp; more</w:t></w:r></w:p></w:footnote>";
    let endnotes =
        "<w:endnote w:id=\"1\"><w:p><w:r><w:t>尾注 endnote12</w:t></w:r></w:p></w:endnote>";
    let comments = "<w:comment w:id=\"0\" w:author=\"审稿人\"><w:p><w:r><w:t>批注 remark34</w:t></w:r></w:p></w:comment>";
    let path = dir.path().join("修订.docx");
    std::fs::write(
        &path,
        package(&body, Some(footnotes), Some(endnotes), Some(comments)),
    )
    .unwrap();
    let (code, log) = import(&root, &path, &["--id", "2023-091"]);
    assert_eq!(code, 0, "{log}");
    let md = imported_markdown(&root, "2023-091");
    for word in [
        "kept11",
        "inserted22",
        "commented44",
        "movedhere66",
        "boxed77",
        "plain88",
        "foot99 & more",
        "endnote12",
    ] {
        assert!(md.contains(word), "{word} lost:\n{md}");
    }
    for word in ["deleted33", "remark34", "movedaway55"] {
        assert!(!md.contains(word), "{word} imported:\n{md}");
    }
    assert!(log.contains("2 条脚注和尾注"), "{log}");
}

/// A small deterministic generator of CJK and Latin words.
struct Words(u64);

impl Words {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn word(&mut self) -> String {
        let n = self.next();
        if n.is_multiple_of(2) {
            let cjk = "质量标杆管理体系创新改进客户满意数据驱动精益生产";
            let chars: Vec<char> = cjk.chars().collect();
            (0..2 + n % 3)
                .map(|i| chars[((n >> (8 * i)) % chars.len() as u64) as usize])
                .collect::<String>()
                + &format!("{}", n % 997)
        } else {
            format!("w{}x{}", n % 10_007, (n >> 20) % 89)
        }
    }

    fn sentence(&mut self, words: usize) -> String {
        (0..words)
            .map(|_| self.word())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Generated documents of many shapes: every word a reader sees in the
/// document XML (outside tracked deletions) is in the imported Markdown.
#[test]
fn every_visible_word_of_generated_documents_is_imported() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let sections = [
        "一、摘要",
        "二、企业概况",
        "三、管理方法（技术）的推进和应用情况",
        "四、管理方法（技术）的实施效果",
    ];
    for seed in 1..=8u64 {
        let mut g = Words(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut body = String::new();
        // The recognised section headings are rewritten in the standard
        // form (一、摘要 → ## 摘要): the oracle reads the rest.
        let mut headings = Vec::new();
        let mut notes = String::new();
        // Some documents start with loose text, some have no sections.
        let with_sections = seed % 3 != 0;
        for (i, section) in sections.iter().enumerate() {
            if i > 0 || seed % 2 == 0 {
                body.push_str(&p(&g.sentence(5)));
            }
            if with_sections {
                headings.push(heading(section));
                body.push_str(headings.last().unwrap());
            }
            for k in 0..(1 + g.next() % 4) {
                match (g.next() + k) % 6 {
                    0 => body.push_str(&table(&[&[&g.word(), &g.word()], &[&g.word(), &g.word()]])),
                    1 => body.push_str(&text_box(&g.sentence(3))),
                    2 => body.push_str(&format!(
                        "<w:p><w:r><w:t xml:space=\"preserve\">{} </w:t></w:r><w:del w:id=\"9\" w:author=\"a\"><w:r><w:delText>{}</w:delText></w:r></w:del><w:ins w:id=\"8\" w:author=\"a\"><w:r><w:t>{}</w:t></w:r></w:ins></w:p>",
                        g.sentence(2), g.word(), g.word()
                    )),
                    3 => {
                        let id = notes.matches("<w:footnote ").count() + 1;
                        notes.push_str(&format!(
                            "<w:footnote w:id=\"{id}\"><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:footnote>",
                            g.sentence(3)
                        ));
                        body.push_str(&format!(
                            "<w:p><w:r><w:t>{}</w:t></w:r><w:r><w:footnoteReference w:id=\"{id}\"/></w:r></w:p>",
                            g.word()
                        ));
                    }
                    _ => body.push_str(&p(&g.sentence(4))),
                }
            }
        }
        let path = dir.path().join(format!("generated-{seed}.docx"));
        std::fs::write(&path, package(&body, Some(&notes), None, None)).unwrap();
        let out = dir.path().join(format!("out-{seed}"));
        let (code, log) = import(&root, &path, &["--out", out.to_str().unwrap()]);
        assert_eq!(code, 0, "seed {seed}: {log}");
        let md = std::fs::read_to_string(out.join("index.md")).unwrap();
        let document = headings
            .iter()
            .fold(document(&body), |doc, h| doc.replacen(h.as_str(), "", 1));
        for word in visible_words(&[&document, &notes]) {
            assert!(md.contains(&word), "seed {seed}: {word:?} lost:\n{md}");
        }
    }
}

// ---------------------------------------------------------------------------
// Ids in use
// ---------------------------------------------------------------------------

/// `--id` of an id the site uses as a single-file case, as a bundle, or
/// inside another file's front matter (a draft included) is refused, exit
/// 2, nothing written; without `--id` the next id skips them all.
#[test]
fn an_id_in_use_in_any_form_is_refused() {
    let dir = temp_dir();
    let root = import_site(dir.path());
    let cases = root.join("content/cases");
    let existing = walk_md(&cases);
    let text = std::fs::read_to_string(&existing[0]).unwrap();
    let first_id = text
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    std::fs::create_dir_all(cases.join("2001/2001-004")).unwrap();
    std::fs::write(
        cases.join("2001/2001-004/index.md"),
        "---\nid: \"2001-004\"\n---\n",
    )
    .unwrap();
    std::fs::write(cases.join("2001/2001-002.md"), "---\nid: 2001-002\n---\n").unwrap();
    std::fs::write(
        cases.join("2001/misnamed.md"),
        "---\nid: \"2001-007\"\nstatus: draft\n---\n",
    )
    .unwrap();
    std::fs::write(cases.join("2001/_wip.md"), "---\nid: '2001-009'\n---\n").unwrap();
    let docx = dir.path().join("case.docx");
    std::fs::write(
        &docx,
        package(&(heading("一、摘要") + &p("正文。")), None, None, None),
    )
    .unwrap();
    let before = snapshot(&root);
    for id in [
        first_id.as_str(),
        "2001-004",
        "2001-002",
        "2001-007",
        "2001-009",
    ] {
        let (code, log) = import(&root, &docx, &["--id", id]);
        assert_eq!(code, 2, "{id}: {log}");
        assert!(log.contains("已被") && log.contains(id), "{id}: {log}");
        assert_eq!(snapshot(&root), before, "{id}: the site changed");
    }
    // Neither may an --out folder get an id the site uses.
    let out = dir.path().join("elsewhere");
    let (code, _) = import(
        &root,
        &docx,
        &["--id", "2001-007", "--out", out.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(!out.exists());
    // An unused id imports; the next free one follows the largest in use.
    let (code, log) = import(&root, &docx, &["--id", "2001-010"]);
    assert_eq!(code, 0, "{log}");
    let (code, log) = import(&root, &docx, &["--id", "2001-010"]);
    assert_eq!(code, 2, "{log}");
    // Without --id the next free id of this year follows every id in use,
    // also one only a front matter names.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now = chrono::DateTime::from_timestamp(secs as i64, 0).unwrap();
    let year = chrono::Datelike::year(&now);
    std::fs::create_dir_all(cases.join(format!("{year}"))).unwrap();
    let text = format!("---\nid: \"{year}-041\"\nstatus: draft\n---\n");
    std::fs::write(cases.join(format!("{year}/renamed.md")), text).unwrap();
    let (code, log) = import(&root, &docx, &[]);
    assert_eq!(code, 0, "{log}");
    assert!(
        cases.join(format!("{year}/{year}-042/index.md")).is_file(),
        "{log}"
    );
}

/// A part whose checksum does not match its bytes (sizes all honest) is
/// refused as a damaged file: docx-rs would panic reading it.
#[test]
fn a_part_failing_its_checksum_is_refused_not_a_panic() {
    for part in ["word/document.xml", "[Content_Types].xml"] {
        let mut docx = package(&p("校验和不符的文档。"), None, None, None);
        declare_crc(&mut docx, part, 0x1234_5678);
        let dir = temp_dir();
        let root = import_site(dir.path());
        let path = dir.path().join("crc.docx");
        std::fs::write(&path, &docx).unwrap();
        let before = snapshot(&root);
        let (code, log) = import(&root, &path, &[]);
        assert_eq!(code, 1, "{part}: {log}");
        assert!(log.contains("文件已损坏"), "{part}: {log}");
        assert_eq!(snapshot(&root), before, "{part}: the site changed");
    }
}
