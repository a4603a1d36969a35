//! `casebook import FILE.docx`: a submitted Word write-up → a case bundle
//! (`index.md` and its pictures), then the rulebook run on the result and
//! the editor's to-do list printed.
//!
//! The document is read by `docx-rs` ([`docx`]: paragraphs, runs, styles,
//! tables, pictures → blocks), turned into Markdown by [`convert`], and
//! written here. Files Word cannot hand over (encrypted, old .doc, broken)
//! are recognised by their first bytes and explained in Chinese.

mod convert;
mod docx;

use std::path::{Path, PathBuf};

pub use convert::{convert, section_of, Converted, Meta};
pub use docx::{blocks, Block, Para};

use crate::config::Config;
use crate::content;
use crate::diagnostics;

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
    let options = docx_rs::ReadDocxOptions::default().with_image_previews(false);
    docx_rs::read_docx_with_options(bytes, options).map_err(|err| {
        read_error(
            format!("文件已损坏或不完整，无法作为 .docx 读取（{err}）"),
            "在 Word 中打开并重新“另存为” .docx；如果 Word 也打不开，请企业重新发送文件",
        )
    })
}

/// The current year, from the system clock.
fn this_year() -> i64 {
    use chrono::Datelike;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0).map_or(2025, |t| i64::from(t.year()))
}

/// The next unused `YEAR-NNN` under `content/cases/` (by file and folder
/// names, which is how the example site and `casebook new` name cases).
fn next_id(root: &Path, year: i64) -> String {
    let prefix = format!("{year}-");
    let used = walkdir::WalkDir::new(root.join("content/cases"))
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy();
            let stem = name.strip_suffix(".md").unwrap_or(&name);
            stem.strip_prefix(&prefix)?.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0);
    format!("{prefix}{:03}", used + 1)
}

/// The command. Exit codes: 0 imported (the to-do list may be long), 1 the
/// document cannot be read or the bundle not written, 2 usage errors (no
/// such file, bad id, the target exists).
pub fn run(file: &Path, id: Option<&str>, out: Option<&Path>, root: &Path) -> i32 {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(err) => {
            eprintln!("错误：无法打开 {}：{err}", file.display());
            return 2;
        }
    };
    if let Some(id) = id {
        if !content::is_valid_id(id) {
            eprintln!("错误：案例编号“{id}”格式不对，写成“年份-序号”，例如 2024-007");
            return 2;
        }
    }
    // --out only ever gets new files: an absent or empty plain folder.
    if let Some(out) = out {
        if let Err(message) = crate::destination::check(root, out, crate::destination::Use::Import)
        {
            eprintln!("错误：{message}");
            return 2;
        }
    }
    let docx = match read(&bytes) {
        Ok(docx) => docx,
        Err(err) => {
            eprintln!("错误：{}：{}", file.display(), err.message);
            eprintln!("  修改建议：{}", err.help);
            return 1;
        }
    };
    let config = Config::load(root).ok();
    if config.is_none() && out.is_none() {
        eprintln!(
            "错误：{} 不是站点目录（没有可用的 casebook.toml）；用 --root 指向站点，或用 --out 指定输出文件夹",
            root.display()
        );
        return 2;
    }
    let year = id
        .and_then(|id| id[..4].parse().ok())
        .unwrap_or_else(this_year);
    let id = id.map_or_else(|| next_id(root, year), str::to_string);
    let dir: PathBuf = out.map_or_else(
        || root.join(format!("content/cases/{year}/{id}")),
        Path::to_path_buf,
    );
    let index = dir.join("index.md");
    if index.exists() {
        eprintln!(
            "错误：{} 已存在，不覆盖；换一个 --id 或 --out",
            index.display()
        );
        return 2;
    }
    let meta = Meta {
        id: &id,
        year,
        districts: config
            .as_ref()
            .map(|c| c.districts.iter().map(|d| d.name.clone()).collect())
            .unwrap_or_default(),
    };
    let converted = convert(&blocks(&docx), &meta);
    if let Err(err) = write_bundle(&dir, &converted) {
        eprintln!("错误：无法写入 {}：{err}", dir.display());
        return 1;
    }
    eprintln!(
        "已导入：{} → {}（{} 张图片）",
        file.display(),
        index.display(),
        converted.images.len()
    );
    report_todo(root, &index, config.as_ref(), &converted);
    0
}

fn write_bundle(dir: &Path, converted: &Converted) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in &converted.images {
        std::fs::write(dir.join(name), bytes)?;
    }
    std::fs::write(dir.join("index.md"), &converted.markdown)
}

/// Run the rulebook on the new case and list what the editor still does.
fn report_todo(root: &Path, index: &Path, config: Option<&Config>, converted: &Converted) {
    for kind in &converted.missing {
        eprintln!(
            "注意：文档里没有找到“{}”这一部分，请对照原文补上",
            kind.heading()
        );
    }
    let Some(config) = config else {
        eprintln!(
            "没有找到 {}，未检查导入结果；在站点目录中运行 casebook check",
            root.join(crate::config::CONFIG_FILE).display()
        );
        return;
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut diags = content::check_file(config, &root, index);
    diagnostics::sort(&mut diags);
    diagnostics::print_human(&diags, &root);
    let errors = diagnostics::count_errors(&diags);
    if diags.is_empty() {
        eprintln!("检查通过。请核对内容后把 status 改为 approved 发布。");
    } else {
        eprintln!(
            "编辑还需处理：{errors} 个错误，{} 条提醒（见上）。改完后运行 casebook check。",
            diags.len() - errors
        );
    }
}
