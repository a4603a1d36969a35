//! What a local file that a page references (cover, image, attachment) may
//! be before it is published beside the page, on the site's own origin.
//!
//! Only types that cannot run script there are allowed (`ALLOWED`, also
//! listed in docs/editors.md): images as PNG, JPEG, GIF or WebP; attachments also as
//! PDF, Office and WPS files (OOXML, OpenDocument and the older OLE
//! formats), ZIP, and plain text or CSV. HTML, SVG, XML, scripts, style
//! sheets, Markdown and anything unknown are refused (`attachment-type`).
//! The extension is not trusted alone: hosts pick the type from it, but
//! browsers and some hosts sniff the bytes, so the file's first bytes must
//! be what its extension says (a `.png` holding HTML is refused). Images
//! must also have a plausible header (`image-invalid`): not empty, readable
//! as their type, each side 1 to [`MAX_IMAGE_SIDE`] pixels and at most
//! [`MAX_IMAGE_PIXELS`] in all, so no page or share card states an absurd
//! size.

use std::io::Read;
use std::path::Path;

use crate::diagnostics::{rules, Diagnostic};

/// How a page uses a referenced file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// Shown in the page (`![…](…)`) or as its share picture (`cover`).
    Image,
    /// Linked for download (`[…](…)`).
    Attachment,
}

/// The widest or tallest image a page may show, in pixels.
pub const MAX_IMAGE_SIDE: usize = 20_000;
/// The most pixels an image may have (100 megapixels).
pub const MAX_IMAGE_PIXELS: usize = 100_000_000;

/// The formats a published file may have, by what its bytes start with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    /// A ZIP container: .docx, .xlsx, .pptx, OpenDocument, .zip.
    Zip,
    /// An OLE compound file: .doc, .xls, .ppt and WPS's .wps, .et, .dps.
    Ole,
    /// Plain text: .txt, .csv.
    Text,
}

/// Every extension a referenced file may have (lowercase), and its format.
pub const ALLOWED: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "zip",
    "doc", "xls", "ppt", "wps", "et", "dps", "txt", "csv",
];

impl Format {
    fn of_extension(ext: &str) -> Option<Format> {
        Some(match ext {
            "png" => Format::Png,
            "jpg" | "jpeg" => Format::Jpeg,
            "gif" => Format::Gif,
            "webp" => Format::Webp,
            "pdf" => Format::Pdf,
            "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "zip" => Format::Zip,
            "doc" | "xls" | "ppt" | "wps" | "et" | "dps" => Format::Ole,
            "txt" | "csv" => Format::Text,
            _ => return None,
        })
    }

    fn is_image(self) -> bool {
        matches!(
            self,
            Format::Png | Format::Jpeg | Format::Gif | Format::Webp
        )
    }

    /// What an editor calls it.
    fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG 图片",
            Format::Jpeg => "JPEG 图片",
            Format::Gif => "GIF 图片",
            Format::Webp => "WebP 图片",
            Format::Pdf => "PDF 文件",
            Format::Zip => "Office/WPS 文档或 ZIP 压缩包",
            Format::Ole => "Office/WPS 文档",
            Format::Text => "纯文本",
        }
    }

    /// Whether `head` (the file's first bytes) starts like this format.
    fn matches(self, head: &[u8]) -> bool {
        match self {
            Format::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
            Format::Jpeg => head.starts_with(&[0xFF, 0xD8, 0xFF]),
            Format::Gif => head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a"),
            Format::Webp => head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"),
            Format::Pdf => head.starts_with(b"%PDF-"),
            Format::Zip => head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06"),
            Format::Ole => head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            // Text a browser could take for markup (HTML, SVG, XML) is not.
            Format::Text => !head.is_empty() && !looks_like_markup(head),
        }
    }
}

/// How much of a file the signature test reads: browsers sniff up to
/// 1,445 bytes for markup.
const SNIFF_BYTES: u64 = 2048;

/// Whether text could be taken for markup: it starts, after a UTF-8 BOM
/// and white space, with `<`; or it is UTF-16/32 (a BOM hides the `<`
/// from this byte test); or its whole head is white space (what follows
/// is past where the test looks, not past where a browser sniffs).
fn looks_like_markup(head: &[u8]) -> bool {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return true;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    matches!(
        text.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'<') | None
    )
}

/// What the bytes seem to be, for the message.
fn describe(head: &[u8]) -> &'static str {
    const SNIFFED: [Format; 7] = [
        Format::Png,
        Format::Jpeg,
        Format::Gif,
        Format::Webp,
        Format::Pdf,
        Format::Zip,
        Format::Ole,
    ];
    if head.is_empty() {
        return "空文件";
    }
    if looks_like_markup(head) {
        return "网页、SVG 或 XML 代码";
    }
    SNIFFED
        .iter()
        .find(|f| f.matches(head))
        .map_or("无法识别的格式", |f| f.name())
}

/// Why a referenced file is not published.
#[derive(Debug, PartialEq, Eq)]
pub enum AssetProblem {
    /// Its extension is not on the allow-list for this use.
    TypeRefused { ext: String, usage: Use },
    /// Its bytes are not what its extension says.
    NotItsType {
        expected: &'static str,
        found: &'static str,
    },
    /// An image of 0 bytes.
    ImageEmpty,
    /// An image whose header cannot be read.
    ImageUnreadable,
    /// An image whose header claims an implausible size.
    ImageImplausible { width: usize, height: usize },
    /// The file could not be read at all.
    Unreadable(String),
}

/// Check the file at `path` (named `rel` in the content) for `usage`.
/// Returns an image's width and height, upright (`images::orientation`).
pub fn check(path: &Path, rel: &str, usage: Use) -> Result<Option<(u32, u32)>, AssetProblem> {
    let ext = extension(rel);
    let format = Format::of_extension(&ext)
        .filter(|f| usage == Use::Attachment || f.is_image())
        .ok_or(AssetProblem::TypeRefused { ext, usage })?;
    let head = read_head(path).map_err(|e| AssetProblem::Unreadable(e.to_string()))?;
    if format.is_image() && head.is_empty() {
        return Err(AssetProblem::ImageEmpty);
    }
    if !format.matches(&head) {
        return Err(AssetProblem::NotItsType {
            expected: format.name(),
            found: describe(&head),
        });
    }
    if !format.is_image() {
        return Ok(None);
    }
    let size = imagesize::size(path).map_err(|_| AssetProblem::ImageUnreadable)?;
    if !plausible(size.width, size.height) {
        return Err(AssetProblem::ImageImplausible {
            width: size.width,
            height: size.height,
        });
    }
    let stored = (size.width as u32, size.height as u32);
    Ok(Some(crate::images::orientation::upright(
        stored,
        crate::images::orientation::of_file(path),
    )))
}

/// Whether an image of this size can be real (and fits in `u32`): each
/// side 1 to [`MAX_IMAGE_SIDE`], at most [`MAX_IMAGE_PIXELS`] in all. Every
/// picture Casebook decodes (content images, covers, the book's cover) is
/// held to it before it is decoded.
pub fn plausible(width: usize, height: usize) -> bool {
    (1..=MAX_IMAGE_SIDE).contains(&width)
        && (1..=MAX_IMAGE_SIDE).contains(&height)
        && width * height <= MAX_IMAGE_PIXELS
}

/// The lowercase extension of the last path component ("" if none).
fn extension(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The first [`SNIFF_BYTES`] of the file (every signature, and what a
/// browser sniffs for markup).
fn read_head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    Ok(head)
}

impl AssetProblem {
    /// The diagnostic for `dest` (as written) in `file`; the caller places it.
    pub fn diagnostic(&self, file: &str, dest: &str) -> Diagnostic {
        match self {
            AssetProblem::TypeRefused { ext, usage } => type_refused(file, dest, ext, *usage),
            AssetProblem::NotItsType { expected, found } => Diagnostic::error(
                rules::ATTACHMENT_TYPE,
                file,
                format!("文件“{dest}”的扩展名表明它是{expected}，但内容是{found}"),
            )
            .help("用原来的软件重新导出，保存成与扩展名相符的格式；不要把网页或其他文件改个扩展名发布"),
            AssetProblem::ImageEmpty => Diagnostic::error(
                rules::IMAGE_INVALID,
                file,
                format!("图片“{dest}”是空文件（0 字节）"),
            )
            .help("重新复制或导出这张图片；文件可能在传输中损坏"),
            AssetProblem::ImageUnreadable => Diagnostic::error(
                rules::IMAGE_INVALID,
                file,
                format!("读不出图片“{dest}”的尺寸，文件已损坏或不完整"),
            )
            .help("用看图软件打开确认，重新导出为 PNG 或 JPEG"),
            AssetProblem::ImageImplausible { width, height } => Diagnostic::error(
                rules::IMAGE_INVALID,
                file,
                format!(
                    "图片“{dest}”的文件头声称有 {width}×{height} 像素，不可能是真实的图片（上限：每边 {MAX_IMAGE_SIDE} 像素、共 1 亿像素）"
                ),
            )
            .help("用看图软件打开确认，重新导出为正常尺寸的 PNG 或 JPEG（网页用宽 1600 像素以内即可）"),
            AssetProblem::Unreadable(err) => Diagnostic::error(
                rules::FILE_UNREADABLE,
                file,
                format!("无法读取“{dest}”：{err}"),
            )
            .help("检查这个文件的权限"),
        }
    }
}

fn type_refused(file: &str, dest: &str, ext: &str, usage: Use) -> Diagnostic {
    let shown = if ext.is_empty() {
        "没有扩展名".to_string()
    } else {
        format!(".{ext} 文件")
    };
    let (message, help) = match usage {
        Use::Image => (
            format!("图片“{dest}”是{shown}，网站只发布 PNG、JPEG、GIF、WebP 图片"),
            "SVG 等格式可能含有脚本：用绘图软件导出为 PNG（图表、示意图）或 JPEG（照片）",
        ),
        Use::Attachment if ext == "md" => (
            format!("“{dest}”是 Markdown 文件，不能作为附件发布"),
            "链接其他案例请写 /cases/案例编号/；要提供文字材料，请另存为 PDF",
        ),
        Use::Attachment => (
            format!("附件“{dest}”是{shown}，网站不发布这种文件：网页、SVG、脚本等文件能在网站上运行代码"),
            "附件只能是 PDF、Word/Excel/PowerPoint（含 WPS、OpenDocument）、ZIP、TXT/CSV 或 PNG/JPEG/GIF/WebP 图片；网页请另存为 PDF",
        ),
    };
    Diagnostic::error(rules::ATTACHMENT_TYPE, file, message).help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    fn check_bytes(
        name: &str,
        bytes: &[u8],
        usage: Use,
    ) -> Result<Option<(u32, u32)>, AssetProblem> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        check(&path, name, usage)
    }

    #[test]
    fn allowed_types_with_their_own_bytes_pass() {
        assert_eq!(
            check_bytes("a.png", &png(4, 3), Use::Image),
            Ok(Some((4, 3)))
        );
        assert_eq!(
            check_bytes("A.PNG", &png(4, 3), Use::Attachment),
            Ok(Some((4, 3)))
        );
        for (name, bytes) in [
            ("r.pdf", &b"%PDF-1.7\n"[..]),
            ("r.docx", b"PK\x03\x04rest"),
            ("r.ods", b"PK\x03\x04rest"),
            ("r.wps", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
            ("r.csv", "年份,良率\n2022,97.2\n".as_bytes()),
        ] {
            assert_eq!(
                check_bytes(name, bytes, Use::Attachment),
                Ok(None),
                "{name}"
            );
        }
    }

    #[test]
    fn text_that_a_browser_could_sniff_as_markup_is_refused() {
        let padded = [" ".repeat(100).as_bytes(), b"<html><script>x</script>"].concat();
        let utf16: Vec<u8> = "\u{feff}<svg onload=x>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let blank = [" \n".repeat(1500).as_bytes(), b"<html>"].concat();
        for (name, bytes) in [("a.txt", padded), ("b.csv", utf16), ("c.txt", blank)] {
            assert!(
                check_bytes(name, &bytes, Use::Attachment).is_err(),
                "{name}"
            );
        }
        let text = [" 2022,97.2\n".repeat(300).as_bytes(), b"<b>"].concat();
        assert_eq!(check_bytes("d.csv", &text, Use::Attachment), Ok(None));
    }

    #[test]
    fn the_documented_list_is_the_one_checked() {
        for ext in ALLOWED {
            assert!(Format::of_extension(ext).is_some(), "{ext}");
        }
        let guide = include_str!("../../docs/editors.md");
        for ext in ALLOWED {
            assert!(
                guide.contains(&format!("`.{ext}`")),
                "docs/editors.md lacks .{ext}"
            );
        }
    }

    #[test]
    fn active_and_unknown_types_are_refused_by_extension() {
        for name in [
            "evil.html",
            "a.HTM",
            "a.xhtml",
            "a.svg",
            "a.xml",
            "a.js",
            "a.mjs",
            "a.css",
            "a.json",
            "notes.md",
            "noext",
            ".png",
            "a.exe",
        ] {
            let found = check_bytes(name, b"%PDF-", Use::Attachment);
            assert!(
                matches!(found, Err(AssetProblem::TypeRefused { .. })),
                "{name}: {found:?}"
            );
        }
        // Images: pictures only.
        for name in ["chart.svg", "r.pdf", "r.txt"] {
            let found = check_bytes(name, b"%PDF-", Use::Image);
            assert!(
                matches!(found, Err(AssetProblem::TypeRefused { .. })),
                "{name}"
            );
        }
    }

    #[test]
    fn bytes_must_be_what_the_extension_says() {
        for (name, bytes) in [
            ("a.png", &b"<html><script>alert(1)</script>"[..]),
            ("a.jpg", b"\xEF\xBB\xBF  <svg onload=alert(1)>"),
            ("a.pdf", b"<html>%PDF-1.4"),
            ("a.docx", b"%PDF-1.4"),
            ("a.gif", &png(2, 2)),
            ("a.txt", b"\n <!doctype html>"),
            ("a.csv", b""),
        ] {
            let found = check_bytes(name, bytes, Use::Attachment);
            assert!(
                matches!(found, Err(AssetProblem::NotItsType { .. })),
                "{name}: {found:?}"
            );
        }
    }

    #[test]
    fn empty_and_implausible_images_are_refused() {
        assert_eq!(
            check_bytes("a.png", b"", Use::Image),
            Err(AssetProblem::ImageEmpty)
        );
        assert_eq!(
            check_bytes("a.png", b"\x89PNG\r\n\x1a\n", Use::Image),
            Err(AssetProblem::ImageUnreadable)
        );
        for (w, h) in [
            (0, 10),
            (10, 0),
            (2_147_483_647, 630),
            (20_001, 10),
            (15_000, 15_000),
        ] {
            assert_eq!(
                check_bytes("a.png", &png(w, h), Use::Image),
                Err(AssetProblem::ImageImplausible {
                    width: w as usize,
                    height: h as usize
                }),
                "{w}×{h}"
            );
        }
        assert_eq!(
            check_bytes("a.png", &png(20_000, 5_000), Use::Image),
            Ok(Some((20_000, 5_000)))
        );
    }
}
