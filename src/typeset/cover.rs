//! The cover picture `[book] cover` names: a PNG or JPEG file inside the
//! site, read through no symlink, at most [`MAX_BYTES`]. Anything else is
//! an error on `casebook.toml` saying what is wrong, before any layout.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::config::CONFIG_FILE;
use crate::diagnostics::{rules, Diagnostic};

/// A cover picture larger than this is refused (a print cover at 300 dpi
/// is a few MB).
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// A checked cover picture: its file and its extension for Typst.
#[derive(Debug, Clone)]
pub struct Cover {
    pub file: PathBuf,
    pub extension: &'static str,
}

/// The cover `setting` names under `root`, checked; `None` without one.
pub fn cover(root: &Path, setting: Option<&str>) -> Result<Option<Cover>, Diagnostic> {
    let Some(setting) = setting else {
        return Ok(None);
    };
    let bad = |what: String| {
        Diagnostic::error(
            rules::CONFIG_INVALID,
            CONFIG_FILE,
            format!("[book] cover = \"{setting}\"：{what}"),
        )
        .help(
            "把封面图片（PNG 或 JPEG，不超过 32 MB）放在站点目录里，例如 static/cover.jpg，\
             写 cover = \"static/cover.jpg\"（相对站点根目录）；不要封面图片就删去这一行",
        )
    };
    let relative = Path::new(setting);
    if setting.is_empty()
        || !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(bad(
            "应为站点根目录下的相对路径，不能是绝对路径，也不能含 ..".to_string(),
        ));
    }
    let mut file = root.to_path_buf();
    for part in relative.components() {
        file.push(part);
        let meta =
            std::fs::symlink_metadata(&file).map_err(|_| bad("找不到这个文件".to_string()))?;
        if meta.file_type().is_symlink() {
            return Err(bad("路径经过符号链接，不予读取".to_string()));
        }
    }
    let meta = std::fs::metadata(&file).map_err(|e| bad(format!("无法读取：{e}")))?;
    if !meta.is_file() {
        return Err(bad("不是文件".to_string()));
    }
    if meta.len() > MAX_BYTES {
        return Err(bad(format!(
            "文件有 {} MB，超过 32 MB",
            meta.len() / (1024 * 1024)
        )));
    }
    let mut head = [0u8; 8];
    let read = std::fs::File::open(&file)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| bad(format!("无法读取：{e}")))?;
    let extension = match &head[..read] {
        [0x89, b'P', b'N', b'G', ..] => "png",
        [0xFF, 0xD8, 0xFF, ..] => "jpg",
        _ => return Err(bad("不是 PNG 或 JPEG 图片".to_string())),
    };
    Ok(Some(Cover { file, extension }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("static")).unwrap();
        std::fs::write(
            dir.path().join("static/cover.png"),
            b"\x89PNG\r\n\x1a\n....",
        )
        .unwrap();
        std::fs::write(dir.path().join("static/cover.jpg"), b"\xff\xd8\xff\xe0....").unwrap();
        std::fs::write(dir.path().join("static/cover.svg"), b"<svg/>").unwrap();
        dir
    }

    #[test]
    fn png_and_jpeg_inside_the_site_are_taken() {
        let dir = site();
        let png = cover(dir.path(), Some("static/cover.png"))
            .unwrap()
            .unwrap();
        assert_eq!(png.extension, "png");
        let jpg = cover(dir.path(), Some("static/cover.jpg"))
            .unwrap()
            .unwrap();
        assert_eq!(jpg.extension, "jpg");
        assert!(cover(dir.path(), None).unwrap().is_none());
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        let dir = site();
        let refused = |setting: &str| cover(dir.path(), Some(setting)).unwrap_err().message;
        assert!(refused("static/missing.png").contains("找不到"));
        assert!(refused("static/cover.svg").contains("不是 PNG 或 JPEG"));
        assert!(refused("../cover.png").contains("相对路径"));
        assert!(refused("/etc/passwd").contains("相对路径"));
        assert!(refused("static").contains("不是文件"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", dir.path().join("static/link.png"))
                .unwrap();
            assert!(refused("static/link.png").contains("符号链接"));
        }
    }
}
