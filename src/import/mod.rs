//! A submitted Word write-up → a case bundle (`index.md` and its
//! pictures), for `casebook import` (`cmd::import`, which checks the
//! arguments, runs the rulebook on the result and reports the editor's
//! to-do list).
//!
//! The document is read by `docx-rs` ([`docx`]: paragraphs, runs, styles,
//! tables, pictures → blocks), turned into Markdown by [`convert`], and
//! written here (every file new, checked before any is written, through
//! `editor_files`: atomic, never over anything, never through a link).
//! Files Word cannot hand over (encrypted, old .doc, broken)
//! are recognised by their first bytes and explained in Chinese.

mod archive;
mod convert;
mod docx;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

pub use convert::{convert, section_of, Converted, Meta};
pub use docx::{blocks, Block, Para};

use crate::content;
use crate::editor_files;

/// Why a file cannot be imported: what is wrong and what to do.
#[derive(Debug, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    pub help: String,
}

fn read_error(message: impl Into<String>, help: impl Into<String>) -> ReadError {
    ReadError {
        message: message.into(),
        help: help.into(),
    }
}

/// Compound File (OLE) signature: old .doc files, and .docx files Word has
/// encrypted with a password (the encrypted package sits inside one).
const CFB: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP: &[u8] = b"PK\x03\x04";

/// Does `bytes` hold `name` as a UTF-16LE string (a CFB directory entry)?
fn has_utf16(bytes: &[u8], name: &str) -> bool {
    let needle: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// Read a .docx, or say in Chinese why it cannot be read.
pub fn read(bytes: &[u8]) -> Result<docx_rs::Docx, ReadError> {
    if bytes.starts_with(CFB) {
        if has_utf16(bytes, "EncryptedPackage") {
            return Err(read_error(
                "文件设置了打开密码（加密的 Word 文档），无法读取",
                "请企业去掉密码后重新提供：在 Word 中打开，“文件 → 信息 → 保护文档 → 用密码进行加密”，清空密码并保存",
            ));
        }
        if has_utf16(bytes, "WordDocument") {
            return Err(read_error(
                "这是旧版 Word 97-2003 文档（.doc），不是 .docx",
                "在 Word 或 WPS 中打开，“另存为”选择“Word 文档 (*.docx)”，再导入另存的文件",
            ));
        }
        return Err(read_error(
            "这是旧版 Office 文件，不是 Word 的 .docx 文档",
            "在 Word 或 WPS 中打开，另存为“Word 文档 (*.docx)”后再导入",
        ));
    }
    if bytes.starts_with(b"{\\rtf") {
        return Err(read_error(
            "这是 RTF 文件，不是 .docx",
            "在 Word 或 WPS 中打开，另存为“Word 文档 (*.docx)”后再导入",
        ));
    }
    if !bytes.starts_with(ZIP) {
        return Err(read_error(
            "这不是 Word 文档（.docx）",
            "casebook import 只接受 Word 2007 及以后版本的 .docx 文件；其他格式请先用 Word 或 WPS 另存为 .docx",
        ));
    }
    archive::check_limits(bytes)?;
    let options = docx_rs::ReadDocxOptions::default().with_image_previews(false);
    docx_rs::read_docx_with_options(bytes, options).map_err(|err| {
        read_error(
            format!("文件已损坏或不完整，无法作为 .docx 读取（{err}）"),
            "在 Word 中打开并重新“另存为” .docx；如果 Word 也打不开，请企业重新发送文件",
        )
    })
}

/// Every case id the site already uses, in any form, with a file that
/// uses it: a single-file case `ID.md`, a bundle folder `ID/`, or any case
/// file under `content/cases/` whose front matter says `id: ID` (drafts and
/// `_`-hidden files included: an id is taken as soon as a file claims it).
/// Symlinks are not followed; files over `content::MAX_FILE_BYTES` are
/// named by their file name only.
pub fn existing_ids(root: &Path) -> HashMap<String, PathBuf> {
    let mut ids = HashMap::new();
    let walk = walkdir::WalkDir::new(root.join("content/cases")).max_depth(8);
    for entry in walk.into_iter().filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy();
        let stem = name.strip_suffix(".md").unwrap_or(&name);
        if content::is_valid_id(stem) {
            ids.entry(stem.to_string())
                .or_insert_with(|| path.to_path_buf());
        }
        let is_file = entry.file_type().is_file();
        if is_file && name.ends_with(".md") {
            if let Some(id) = front_matter_id(path) {
                ids.entry(id).or_insert_with(|| path.to_path_buf());
            }
        }
    }
    ids
}

/// The `id:` a Markdown file's front matter gives, if it reads as one.
fn front_matter_id(path: &Path) -> Option<String> {
    let size = std::fs::symlink_metadata(path).ok()?.len();
    if size > content::MAX_FILE_BYTES {
        return None;
    }
    let file = path.to_string_lossy();
    let text = content::source::decode(&std::fs::read(path).ok()?, &file).ok()?;
    let split = content::frontmatter::split(&text, &file).ok()?;
    let map = content::frontmatter::parse(&split, &file).ok()?;
    let id = map.get("id")?;
    id.as_str().map(str::to_string)
}

/// The next unused `YEAR-NNN` after every id the site uses.
pub fn next_id(used: &HashMap<String, PathBuf>, year: i64) -> String {
    let prefix = format!("{year}-");
    let last = used
        .keys()
        .filter_map(|id| id.strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{:03}", last + 1)
}

/// The case bundle's Markdown and pictures made from `docx`, which was
/// read from `bytes` (the notes docx-rs does not read come from them).
pub fn convert_document(docx: &docx_rs::Docx, bytes: &[u8], meta: &Meta) -> Converted {
    convert(&blocks(docx), &archive::notes(bytes), meta)
}

/// Write the bundle into `dir` (`--out`, or the folder under `root`'s
/// content): every file new, none written if any exists, none through a
/// link. `AlreadyExists` says the folder already holds one of them.
pub fn write(root: &Path, out: Option<&Path>, dir: &Path, converted: &Converted) -> io::Result<()> {
    let (base, rel) = bundle_place(root, out, dir);
    write_bundle(&base, &rel, converted)
}

/// Where the bundle goes, as a folder that must already be real (the site
/// root, or the nearest existing folder of `--out`) and the folders below
/// it that `editor_files` may make, refusing any link on the way.
fn bundle_place(root: &Path, out: Option<&Path>, dir: &Path) -> (PathBuf, PathBuf) {
    let Some(out) = out else {
        let rel = dir.strip_prefix(root).unwrap_or(dir);
        return (root.to_path_buf(), rel.to_path_buf());
    };
    // `--out` may name folders that do not exist yet: they are made from
    // the nearest one that does (which the user named, links and all).
    let mut base = out;
    let mut rel = Vec::new();
    while std::fs::symlink_metadata(base).is_err() {
        match (base.parent(), base.file_name()) {
            (Some(parent), Some(name)) => {
                rel.push(name);
                base = parent;
            }
            _ => break,
        }
    }
    let base = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    (base.to_path_buf(), rel.iter().rev().collect())
}

/// Write `index.md` and every picture into `base/rel`, each as a new file
/// (`editor_files::create_new`: atomic, never over anything, never through
/// a link). Every name is checked before any is written, so a bundle
/// folder that already holds one of them is left exactly as it was; a
/// write that fails midway removes the files this import made.
fn write_bundle(base: &Path, rel: &Path, converted: &Converted) -> io::Result<()> {
    let files: Vec<(&str, &[u8])> = converted
        .images
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .chain([("index.md", converted.markdown.as_bytes())])
        .collect();
    let dir = base.join(rel);
    for (name, _) in &files {
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} 已存在，不覆盖（导入不写任何文件）", path.display()),
            ));
        }
    }
    let made_dir = std::fs::symlink_metadata(&dir).is_err();
    editor_files::create_dir(base, rel)?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        if let Err(err) = editor_files::create_new(base, &rel.join(name), bytes) {
            for done in written {
                let _ = std::fs::remove_file(dir.join(done));
            }
            if made_dir {
                // Only if empty: never removes anything else.
                let _ = std::fs::remove_dir(&dir);
            }
            return Err(err);
        }
        written.push(name);
    }
    Ok(())
}
