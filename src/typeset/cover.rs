//! The cover picture `[book] cover` names: a PNG or JPEG file inside the
//! site, read through no symlink, at most [`MAX_BYTES`] and at most the
//! pixels of a content picture (`markdown::assets::plausible`, from the
//! header, before Typst decodes it). Anything else is an error on
//! `casebook.toml` saying what is wrong, before any layout.

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
    // Typst decodes the whole picture: a few KB of PNG can claim
    // 30,000 × 30,000 px (gigabytes once decoded).
    let size = imagesize::size(&file)
        .map_err(|_| bad("读不出图片的尺寸（文件损坏或不完整）".to_string()))?;
    if !crate::markdown::assets::plausible(size.width, size.height) {
        return Err(bad(format!(
            "图片有 {}×{} 像素，超过上限（每边最多 {} 像素，共 1 亿像素）",
            size.width,
            size.height,
            crate::markdown::assets::MAX_IMAGE_SIDE
        )));
    }
    Ok(Some(Cover { file, extension }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("static")).unwrap();
        std::fs::write(dir.path().join("static/cover.png"), png(40, 60)).unwrap();
        let mut jpg = Vec::new();
        image::RgbImage::new(40, 60)
            .write_to(
                &mut std::io::Cursor::new(&mut jpg),
                image::ImageFormat::Jpeg,
            )
            .unwrap();
        std::fs::write(dir.path().join("static/cover.jpg"), jpg).unwrap();
        std::fs::write(dir.path().join("static/cover.svg"), b"<svg/>").unwrap();
        dir
    }

    /// A whole, valid PNG of `width`×`height` black pixels (1 bit each,
    /// so 30,000 × 30,000 px is a few hundred KB).
    pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0u8; width.div_ceil(8) as usize];
        for _ in 0..height {
            stream.write_all(&row).unwrap();
        }
        stream.finish().unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_cover_of_more_pixels_than_a_content_picture_is_refused() {
        let dir = site();
        let huge = png(30_000, 30_000);
        assert!(huge.len() < 1024 * 1024, "{} bytes", huge.len());
        std::fs::write(dir.path().join("static/huge.png"), huge).unwrap();
        let error = cover(dir.path(), Some("static/huge.png")).unwrap_err();
        assert!(
            error.message.contains("static/huge.png"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("30000×30000 像素"),
            "{}",
            error.message
        );
        std::fs::write(dir.path().join("static/cut.png"), &png(40, 60)[..20]).unwrap();
        let error = cover(dir.path(), Some("static/cut.png")).unwrap_err();
        assert!(error.message.contains("尺寸"), "{}", error.message);
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
