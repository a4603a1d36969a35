//! Making a picture's variants: decode once (bounded), resize with
//! Lanczos3 (`fast_image_resize`), encode WebP (libwebp, lossy, quality
//! [`WEBP_QUALITY`]) and the original format, through a cache.
//!
//! Variants go through the site's [`Cache`] (`images::cache`: where it
//! lives, how entries are sealed and read). An entry is named by the hash
//! of the source's bytes, its EXIF orientation, the variant's width,
//! height and format and [`SETTINGS`] (the encoders, their settings and
//! the crates' versions). Encoders are deterministic, so a cached and a
//! fresh variant are the same bytes, and two builds give the same output.
//!
//! Hostile pictures are bounded: the parse refused headers over
//! `markdown::assets::MAX_IMAGE_PIXELS`; the decoder is given the same
//! limits ([`MAX_DECODE_PIXELS`], [`MAX_DECODE_BYTES`]) so a header that
//! lies cannot make it allocate more, and a truncated or corrupt file is a
//! [`Problem`], never a panic.

use std::fs;
use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::Ordering;

use fast_image_resize as fr;
use image::{DynamicImage, ImageEncoder, ImageReader, Limits};
use rayon::prelude::*;

use super::cache::max_payload;
pub use super::cache::{Cache, CACHE_DIR, POSTER_CACHE_DIR};
use super::{orientation, Format, Variant};
use image::metadata::Orientation;

/// The most pixels the decoder accepts (the parse's limit, 100 megapixels).
pub const MAX_DECODE_PIXELS: u64 = 100_000_000;
/// The most memory one decode may allocate (100 MP of RGBA, and a little).
pub const MAX_DECODE_BYTES: u64 = 448 * 1024 * 1024;

/// Lossy WebP quality: photos and charts without visible artefacts at
/// about a third of the PNG/JPEG bytes.
pub const WEBP_QUALITY: f32 = 80.0;
/// JPEG fallback quality.
pub const JPEG_QUALITY: u8 = 85;

/// Everything besides the source and the size that decides a variant's
/// bytes: change it and every entry is made again.
const SETTINGS: &str = concat!(
    "casebook-images/2 exif-upright lanczos3 webp-q80 jpeg-q85 png-default-adaptive ",
    "image-0.25 fast_image_resize-6 webp-0.3 casebook-",
    env!("CARGO_PKG_VERSION")
);

/// Why a picture's variants could not be made.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file could not be read.
    Unreadable(String),
    /// The decoder refused it: truncated, corrupt, or larger than the
    /// limits once decoding.
    Corrupt(String),
}

impl Problem {
    /// The message for an editor, naming the picture `rel`.
    pub fn message(&self, rel: &str) -> String {
        match self {
            Problem::Unreadable(err) => format!("无法读取图片“{rel}”：{err}"),
            Problem::Corrupt(err) => {
                format!("图片“{rel}”无法解码（文件损坏、不完整，或超过 1 亿像素的上限）：{err}")
            }
        }
    }
}

/// The bytes of each of `variants` of the picture at `source`, in order:
/// from the cache where it has them, else made (in parallel) and cached.
pub fn make(cache: &Cache, source: &Path, variants: &[Variant]) -> Result<Vec<Vec<u8>>, Problem> {
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    let bytes = fs::read(source).map_err(|e| Problem::Unreadable(e.to_string()))?;
    let source_hash = blake3::hash(&bytes);
    let turn = orientation::of_bytes(&bytes);
    let keys: Vec<String> = variants
        .iter()
        .map(|v| key(&source_hash, turn, v))
        .collect();
    let cached: Vec<Option<Vec<u8>>> = variants
        .iter()
        .zip(&keys)
        .map(|(v, k)| cache.get(k, v.format, max_payload(v.width, v.height)))
        .collect();
    if cached.iter().all(Option::is_some) {
        cache.reused.fetch_add(variants.len(), Ordering::Relaxed);
        return Ok(cached.into_iter().flatten().collect());
    }
    let decoded = decode(&bytes)?;
    variants
        .par_iter()
        .zip(keys.par_iter())
        .zip(cached.into_par_iter())
        .map(|((variant, key), cached)| match cached {
            Some(payload) => {
                cache.reused.fetch_add(1, Ordering::Relaxed);
                Ok(payload)
            }
            None => {
                let payload = draw(&decoded, variant)?;
                cache.made.fetch_add(1, Ordering::Relaxed);
                cache.put(key, &payload);
                Ok(payload)
            }
        })
        .collect()
}

/// The widest picture `casebook import --shrink` keeps (the widest variant
/// a page uses).
pub const SHRINK_WIDTH: u32 = 1600;

/// `bytes` (a PNG or JPEG picture) made [`SHRINK_WIDTH`] px wide in its
/// own format, when it is wider and the result is smaller; `None` when it
/// is kept as it is (narrow enough, another format, or nothing gained).
pub fn shrink(bytes: &[u8]) -> Result<Option<Vec<u8>>, Problem> {
    let format = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => Format::Png,
        Ok(image::ImageFormat::Jpeg) => Format::Jpeg,
        _ => return Ok(None),
    };
    let decoded = decode(bytes)?;
    if decoded.width <= SHRINK_WIDTH {
        return Ok(None);
    }
    let height = super::scaled_height(decoded.width, decoded.height, SHRINK_WIDTH);
    let variant = Variant {
        rel: String::new(),
        width: SHRINK_WIDTH,
        height,
        format,
    };
    let smaller = draw(&decoded, &variant)?;
    Ok((smaller.len() < bytes.len()).then_some(smaller))
}

fn key(source: &blake3::Hash, orientation: Orientation, variant: &Variant) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(SETTINGS.as_bytes());
    hasher.update(source.as_bytes());
    hasher.update(&[orientation.to_exif()]);
    hasher.update(&variant.width.to_le_bytes());
    hasher.update(&variant.height.to_le_bytes());
    hasher.update(variant.format.extension().as_bytes());
    hasher.finalize().to_hex().to_string()
}

/// A decoded picture, upright, as 8-bit RGB or RGBA.
struct Decoded {
    width: u32,
    height: u32,
    alpha: bool,
    pixels: Vec<u8>,
}

/// Decode `bytes` within the limits and turn the picture upright (the
/// orientation [`orientation::of_bytes`] reads, as the markup did).
fn decode(bytes: &[u8]) -> Result<Decoded, Problem> {
    let corrupt = |e: image::ImageError| Problem::Corrupt(e.to_string());
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Problem::Corrupt(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = image::ImageDecoder::dimensions(&decoder);
    if u64::from(width) * u64::from(height) > MAX_DECODE_PIXELS {
        return Err(Problem::Corrupt(format!("{width}×{height} 像素")));
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation::of_bytes(bytes));
    let (width, height) = (image.width(), image.height());
    let alpha = image.color().has_alpha();
    let pixels = match (image, alpha) {
        (DynamicImage::ImageRgba8(buffer), true) => buffer.into_raw(),
        (DynamicImage::ImageRgb8(buffer), false) => buffer.into_raw(),
        (other, true) => other.into_rgba8().into_raw(),
        (other, false) => other.into_rgb8().into_raw(),
    };
    Ok(Decoded {
        width,
        height,
        alpha,
        pixels,
    })
}

/// One variant of `decoded`, encoded.
fn draw(decoded: &Decoded, variant: &Variant) -> Result<Vec<u8>, Problem> {
    let failed = |e: String| Problem::Corrupt(e);
    let pixel_type = if decoded.alpha {
        fr::PixelType::U8x4
    } else {
        fr::PixelType::U8x3
    };
    let source =
        fr::images::ImageRef::new(decoded.width, decoded.height, &decoded.pixels, pixel_type)
            .map_err(|e| failed(e.to_string()))?;
    let mut target = fr::images::Image::new(variant.width, variant.height, pixel_type);
    let options =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    fr::Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| failed(e.to_string()))?;
    encode(
        target.buffer(),
        variant.width,
        variant.height,
        decoded.alpha,
        variant.format,
    )
    .map_err(failed)
}

/// `pixels` (RGB or RGBA rows) as a file of `format`.
fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    alpha: bool,
    format: Format,
) -> Result<Vec<u8>, String> {
    let color = if alpha {
        image::ExtendedColorType::Rgba8
    } else {
        image::ExtendedColorType::Rgb8
    };
    let mut out = Vec::new();
    match format {
        Format::Webp => {
            let layout = if alpha {
                webp::PixelLayout::Rgba
            } else {
                webp::PixelLayout::Rgb
            };
            let memory = webp::Encoder::new(pixels, layout, width, height)
                .encode_simple(false, WEBP_QUALITY)
                .map_err(|e| format!("WebP 编码失败：{e:?}"))?;
            out.extend_from_slice(&memory);
        }
        Format::Png => image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Default,
            image::codecs::png::FilterType::Adaptive,
        )
        .write_image(pixels, width, height, color)
        .map_err(|e| e.to_string())?,
        Format::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .write_image(pixels, width, height, color)
            .map_err(|e| e.to_string())?,
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 128])
        });
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn variants_are_made_once_then_reused_and_equal() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a.png");
        fs::write(&source, picture(1000, 600)).unwrap();
        let variants = super::super::variants("a.png", 1000, 600, u64::MAX);
        let cache = Cache::at(dir.path());
        let first = make(&cache, &source, &variants).unwrap();
        assert_eq!(cache.counts(), (variants.len(), 0));
        for (bytes, v) in first.iter().zip(&variants) {
            let size = imagesize::blob_size(bytes).unwrap();
            assert_eq!((size.width as u32, size.height as u32), (v.width, v.height));
            assert!(super::super::cache::starts_like(v.format, bytes));
        }
        let again = Cache::at(dir.path());
        assert_eq!(make(&again, &source, &variants).unwrap(), first);
        assert_eq!(again.counts(), (0, variants.len()));
        // Made without a cache, the same bytes: the output is deterministic.
        assert_eq!(make(&Cache::none(), &source, &variants).unwrap(), first);
    }

    #[test]
    fn a_phone_photo_is_turned_upright_before_it_is_resized() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("photo.jpg");
        // Stored 1200×800, left half red; tagged "rotate 90° clockwise".
        let bytes = super::super::orientation::tests::jpeg_with_orientation(1200, 800, 6);
        fs::write(&source, &bytes).unwrap();
        let (width, height) = super::super::orientation::upright_size(&source).unwrap();
        assert_eq!((width, height), (800, 1200));
        let variants = super::super::variants("photo.jpg", width, height, u64::MAX);
        let made = make(&Cache::at(dir.path()), &source, &variants).unwrap();
        for (bytes, v) in made.iter().zip(&variants) {
            let picture = image::load_from_memory(bytes).unwrap().into_rgb8();
            assert_eq!(picture.dimensions(), (v.width, v.height), "{}", v.rel);
            // The stored left half is the upright top half.
            let top = picture.get_pixel(v.width / 2, v.height / 8);
            let bottom = picture.get_pixel(v.width / 2, v.height * 7 / 8);
            assert!(top[0] > 200 && top[2] < 60, "{}: top {top:?}", v.rel);
            assert!(
                bottom[2] > 200 && bottom[0] < 60,
                "{}: bottom {bottom:?}",
                v.rel
            );
        }
        let plain = super::super::orientation::tests::jpeg_with_orientation(1200, 800, 1);
        let hash = blake3::hash(&plain);
        assert_ne!(
            key(&hash, Orientation::NoTransforms, &variants[0]),
            key(&hash, Orientation::Rotate90, &variants[0]),
            "the orientation is part of the key"
        );
    }

    #[test]
    fn a_damaged_or_foreign_cache_entry_is_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("a.png");
        fs::write(&source, picture(600, 400)).unwrap();
        let variants = super::super::variants("a.png", 600, 400, u64::MAX);
        let first = make(&Cache::at(dir.path()), &source, &variants).unwrap();
        let cache = Cache::at(dir.path());
        let hash = blake3::hash(&fs::read(&source).unwrap());
        let entry = cache
            .entry(&key(&hash, Orientation::NoTransforms, &variants[0]))
            .unwrap();
        let whole = fs::read(&entry).unwrap();
        fs::write(&entry, &whole[..whole.len() / 2]).unwrap();
        let other = cache
            .entry(&key(&hash, Orientation::NoTransforms, &variants[1]))
            .unwrap();
        fs::write(&other, b"<html>not a picture</html>").unwrap();
        assert_eq!(make(&cache, &source, &variants).unwrap(), first);
        assert_eq!(cache.counts(), (2, variants.len() - 2));
        assert_eq!(fs::read(&entry).unwrap(), whole);
    }

    #[test]
    fn shrinking_keeps_narrow_pictures_and_narrows_wide_ones() {
        assert_eq!(shrink(&picture(1200, 800)).unwrap(), None);
        let wide = picture(3200, 1000);
        let shrunk = shrink(&wide).unwrap().expect("smaller");
        let size = imagesize::blob_size(&shrunk).unwrap();
        assert_eq!((size.width, size.height), (1600, 500));
        assert!(shrunk.starts_with(b"\x89PNG"));
        assert!(shrink(&wide[..wide.len() / 2]).is_err());
        assert_eq!(shrink(b"GIF89a....").unwrap(), None);
    }

    #[test]
    fn truncated_and_lying_pictures_are_problems_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let whole = picture(800, 600);
        let variants = super::super::variants("a.png", 800, 600, u64::MAX);
        let cut = dir.path().join("cut.png");
        fs::write(&cut, &whole[..whole.len() / 3]).unwrap();
        assert!(matches!(
            make(&Cache::none(), &cut, &variants),
            Err(Problem::Corrupt(_))
        ));
        // A header claiming 20,000 × 20,000 px over a few bytes of data.
        let mut liar = whole[..33].to_vec();
        liar[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        liar[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let path = dir.path().join("liar.png");
        fs::write(&path, &liar).unwrap();
        assert!(make(&Cache::none(), &path, &variants).is_err());
        let empty = dir.path().join("empty.png");
        fs::write(&empty, b"").unwrap();
        assert!(make(&Cache::none(), &empty, &variants).is_err());
        let missing = dir.path().join("missing.png");
        assert!(matches!(
            make(&Cache::none(), &missing, &variants),
            Err(Problem::Unreadable(_))
        ));
    }
}
