//! Responsive images: every content picture (a case's figures, a page's
//! pictures) is published at a few widths ([`WIDTHS`], never wider than
//! the original) in WebP, with the original format as the fallback, and
//! the page asks for them with `<picture>`, `srcset` and `sizes` so a
//! phone downloads a picture of its own width instead of a camera's
//! megabytes.
//!
//! This module names the variants (a pure function of the picture's path
//! and size, known at parse time from its header, so the Markdown renderer
//! can write the markup) and writes the markup; [`resize`] makes the files,
//! through a cache of earlier results under the site root
//! ([`CACHE_DIR`]).
//!
//! Variants sit beside the original: `chart.png` of 2400 px gives
//! `chart.png.480.webp`, `chart.png.480.png`, … `chart.png.1600.png`. The
//! original stays published at its own name (the `src` of the `<img>`,
//! which the book and old browsers use, and which a reader can open to
//! zoom). GIFs (maybe animated) and WebP originals are not resized.
//!
//! Sizes are those of the upright picture ([`orientation`]): a phone
//! photo tagged "rotate 90°" has its width and height swapped, and its
//! variants are turned upright before they are resized.

pub mod cache;
pub mod orientation;
pub mod resize;

use crate::text::escape_markup as escape;

fn escape_href(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let _ = pulldown_cmark_escape::escape_href(&mut out, url);
    out
}

/// The widths a picture is published at (CSS pixels of a phone at 1×,
/// phones at 2×/3× and the desktop column, a large screen at 2×).
pub const WIDTHS: [u32; 3] = [480, 960, 1600];

/// Below this size an original is its own fallback at every width: a
/// re-encoded PNG of a small chart is often larger than the editor's
/// palette PNG, and every browser in use takes the WebP anyway.
pub const FALLBACK_MIN_BYTES: u64 = 150 * 1024;

/// How wide a content picture is drawn: the whole screen on a phone, at
/// most the content column (60rem) on a desktop.
pub const SIZES: &str = "(min-width: 64rem) 60rem, 100vw";

/// The picture formats the site resizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    /// The format of a picture named `rel`, if it is one the site resizes.
    fn of(rel: &str) -> Option<Format> {
        let (_, ext) = rel.rsplit_once('.')?;
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Format::Png),
            "jpg" | "jpeg" => Some(Format::Jpeg),
            _ => None,
        }
    }
}

/// One resized copy of a picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Its path relative to the page's folder (beside the original).
    pub rel: String,
    pub width: u32,
    pub height: u32,
    pub format: Format,
}

/// The resized copies of the picture `rel` of `width`×`height` px and
/// `bytes` long: WebP at each of [`WIDTHS`] below its width and at its own
/// width (at most the largest), and, when it is heavier than
/// [`FALLBACK_MIN_BYTES`], the original format at each width below its own
/// (at its own width the original is the fallback). Empty for GIF and WebP.
pub fn variants(rel: &str, width: u32, height: u32, bytes: u64) -> Vec<Variant> {
    let Some(original) = Format::of(rel) else {
        return Vec::new();
    };
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|&w| w < width).collect();
    if width <= WIDTHS[WIDTHS.len() - 1] {
        widths.push(width);
    }
    let mut out = Vec::new();
    for &w in &widths {
        let h = scaled_height(width, height, w);
        out.push(variant(rel, w, h, Format::Webp));
        if w < width && bytes > FALLBACK_MIN_BYTES {
            out.push(variant(rel, w, h, original));
        }
    }
    out
}

/// The widest share picture (`og:image`) a cover is given: WeChat's and
/// other share cards show it a few hundred pixels wide, and crawlers
/// refuse or time out on multi-megabyte pictures.
pub const SHARE_WIDTH: u32 = 960;

/// The picture a share card shows for the cover `rel` of `width`×`height`
/// px and `bytes` long: its path and size. A cover wider than
/// [`SHARE_WIDTH`] and heavy enough to have variants in its own format is
/// shown as that variant (share cards take PNG and JPEG, not always
/// WebP); any other is shown as it is.
pub fn share_picture(rel: &str, width: u32, height: u32, bytes: u64) -> (String, u32, u32) {
    variants(rel, width, height, bytes)
        .into_iter()
        .filter(|v| v.format != Format::Webp && v.width == SHARE_WIDTH && width > SHARE_WIDTH)
        .map(|v| (v.rel, v.width, v.height))
        .next()
        .unwrap_or_else(|| (rel.to_string(), width, height))
}

fn variant(rel: &str, width: u32, height: u32, format: Format) -> Variant {
    Variant {
        rel: format!("{rel}.{width}.{}", format.extension()),
        width,
        height,
        format,
    }
}

/// The height of a `width`×`height` picture drawn `to` px wide (at least 1).
fn scaled_height(width: u32, height: u32, to: u32) -> u32 {
    let h = (u64::from(height) * u64::from(to) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(h.max(1)).unwrap_or(u32::MAX)
}

/// The markup of a content picture: `<picture>` with a WebP `<source>` and
/// an `<img>` whose `srcset` lists the original format's widths, or a
/// plain `<img>` when the picture has no variants. `prefix` is the URL of
/// the picture's folder (ending in `/`), `rel` its path below it; `size`
/// its width, height and bytes when known. Lazy: content pictures sit
/// below the page's first screen (title, meta, summary).
pub fn markup(prefix: &str, rel: &str, size: Option<(u32, u32, u64)>, alt: &str) -> String {
    let src = format!("{prefix}{rel}");
    let Some((width, height, bytes)) = size else {
        return img(&src, None, alt, "");
    };
    let all = variants(rel, width, height, bytes);
    if all.is_empty() {
        return img(&src, Some((width, height)), alt, "");
    }
    let srcset = |format: Format| {
        let mut list: Vec<String> = all
            .iter()
            .filter(|v| v.format == format)
            .map(|v| {
                format!(
                    "{} {}w",
                    escape_href(&format!("{prefix}{}", v.rel)),
                    v.width
                )
            })
            .collect();
        if format != Format::Webp {
            list.push(format!("{} {width}w", escape_href(&src)));
        }
        list.join(", ")
    };
    let original = Format::of(rel).unwrap_or(Format::Png);
    format!(
        "<picture><source type=\"{}\" srcset=\"{}\" sizes=\"{SIZES}\">{}</picture>",
        Format::Webp.mime(),
        srcset(Format::Webp),
        img(
            &src,
            Some((width, height)),
            alt,
            &format!(" srcset=\"{}\" sizes=\"{SIZES}\"", srcset(original)),
        )
    )
}

fn img(src: &str, size: Option<(u32, u32)>, alt: &str, extra: &str) -> String {
    let size = size
        .map(|(w, h)| format!(" width=\"{w}\" height=\"{h}\""))
        .unwrap_or_default();
    format!(
        "<img src=\"{}\" alt=\"{}\"{size}{extra} loading=\"lazy\" decoding=\"async\">",
        escape_href(src),
        escape(alt)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAVY: u64 = FALLBACK_MIN_BYTES + 1;

    fn names(rel: &str, w: u32, h: u32) -> Vec<String> {
        variants(rel, w, h, HEAVY)
            .into_iter()
            .map(|v| v.rel)
            .collect()
    }

    #[test]
    fn never_upscales_and_keeps_the_original_as_fallback() {
        assert_eq!(
            names("a.png", 2400, 1200),
            [
                "a.png.480.webp",
                "a.png.480.png",
                "a.png.960.webp",
                "a.png.960.png",
                "a.png.1600.webp",
                "a.png.1600.png"
            ]
        );
        assert_eq!(
            names("img/b.JPG", 700, 350),
            [
                "img/b.JPG.480.webp",
                "img/b.JPG.480.jpg",
                "img/b.JPG.700.webp"
            ]
        );
        assert_eq!(names("c.jpeg", 300, 3), ["c.jpeg.300.webp"]);
        assert!(names("d.gif", 3000, 3000).is_empty());
        assert!(names("e.webp", 3000, 3000).is_empty());
        let light: Vec<String> = variants("f.png", 1000, 500, 20_000)
            .into_iter()
            .map(|v| v.rel)
            .collect();
        assert_eq!(
            light,
            ["f.png.480.webp", "f.png.960.webp", "f.png.1000.webp"]
        );
    }

    #[test]
    fn a_wide_heavy_cover_is_shared_as_its_own_format_at_the_share_width() {
        assert_eq!(
            share_picture("cover.jpg", 4000, 3000, HEAVY),
            ("cover.jpg.960.jpg".to_string(), 960, 720)
        );
        assert_eq!(
            share_picture("c.png", 1200, 630, 20_000),
            ("c.png".to_string(), 1200, 630)
        );
        assert_eq!(
            share_picture("c.png", 900, 900, HEAVY),
            ("c.png".to_string(), 900, 900)
        );
        assert_eq!(
            share_picture("c.gif", 4000, 3000, HEAVY),
            ("c.gif".to_string(), 4000, 3000)
        );
    }

    #[test]
    fn heights_keep_the_aspect_ratio() {
        let v = variants("a.png", 1000, 3, HEAVY);
        assert_eq!((v[0].width, v[0].height), (480, 1));
        let v = variants("a.png", 2000, 1001, HEAVY);
        assert_eq!((v[0].width, v[0].height), (480, 240));
    }

    #[test]
    fn markup_lists_every_variant_with_the_size() {
        let html = markup("/cases/x/", "a-b.png", Some((1000, 500, HEAVY)), "图 \"1\"");
        assert!(html.starts_with("<picture><source type=\"image/webp\" srcset=\"/cases/x/a-b.png.480.webp 480w, /cases/x/a-b.png.960.webp 960w, /cases/x/a-b.png.1000.webp 1000w\""), "{html}");
        assert!(html.contains("srcset=\"/cases/x/a-b.png.480.png 480w, /cases/x/a-b.png.960.png 960w, /cases/x/a-b.png 1000w\""), "{html}");
        assert!(html.contains("<img src=\"/cases/x/a-b.png\" alt=\"图 &quot;1&quot;\" width=\"1000\" height=\"500\""), "{html}");
        let gif = markup("/p/", "a.gif", Some((10, 10, HEAVY)), "");
        assert!(
            !gif.contains("srcset") && gif.contains("width=\"10\""),
            "{gif}"
        );
    }
}
