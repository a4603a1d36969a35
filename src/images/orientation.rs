//! EXIF orientation: a phone stores a portrait photo as a landscape
//! picture with an Orientation tag saying "rotate 90°". Browsers turn the
//! original upright (`image-orientation: from-image`), so the page's
//! `width`/`height` and every variant must be those of the upright
//! picture: the variants are rotated before they are resized (they carry
//! no EXIF), and their sizes are computed from the upright size.
//!
//! The markup (at parse time) and the resizer (at render time) read the
//! orientation with the one function [`of_bytes`], from the same first
//! [`HEAD_BYTES`] of the file, so the sizes a page states and the files it
//! names always agree. The tag is read by the `image` crate's decoders
//! (JPEG APP1, PNG eXIf, WebP EXIF); a missing, unreadable or invalid tag
//! means upright.

use std::io::{Cursor, Read};
use std::path::Path;

use image::metadata::Orientation;
use image::{ImageReader, Limits};

/// How much of a file is read for its orientation: every header a
/// decoder parses before the pixels (JPEG's APP segments are at most
/// 64 KiB each; a phone's EXIF, thumbnail included, fits in one) fits
/// with room to spare...
pub const HEAD_BYTES: u64 = 1024 * 1024;
/// ...and is read in two steps: this much first, all of [`HEAD_BYTES`]
/// only when the decoder could not read its headers from it (most
/// pictures' headers are a few KB: `check` reads 128 KiB of each, not a
/// megabyte).
const FIRST_BYTES: u64 = 128 * 1024;

/// The orientation a picture's bytes declare, read from their first
/// [`FIRST_BYTES`], or [`HEAD_BYTES`] when that is not enough (a pure
/// function of the bytes: [`of_file`] gives the same).
pub fn of_bytes(bytes: &[u8]) -> Orientation {
    [FIRST_BYTES, HEAD_BYTES]
        .into_iter()
        .find_map(|n| read(&bytes[..bytes.len().min(n as usize)]))
        .unwrap_or(Orientation::NoTransforms)
}

fn read(head: &[u8]) -> Option<Orientation> {
    let mut reader = ImageReader::new(Cursor::new(head))
        .with_guessed_format()
        .ok()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    image::ImageDecoder::orientation(&mut decoder).ok()
}

/// The orientation of the picture file at `path` (as [`of_bytes`] of its
/// bytes, reading no more than it needs).
pub fn of_file(path: &Path) -> Orientation {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Orientation::NoTransforms;
    };
    let mut head = Vec::new();
    for n in [FIRST_BYTES, HEAD_BYTES] {
        let missing = n - head.len() as u64;
        if (&mut file).take(missing).read_to_end(&mut head).is_err() {
            return Orientation::NoTransforms;
        }
        if let Some(orientation) = read(&head) {
            return orientation;
        }
        if (head.len() as u64) < n {
            break; // the whole file was read
        }
    }
    Orientation::NoTransforms
}

/// Whether turning a picture upright swaps its width and height.
pub fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// `(width, height)` as stored, turned to the upright picture's.
pub fn upright(size: (u32, u32), orientation: Orientation) -> (u32, u32) {
    if swaps_sides(orientation) {
        (size.1, size.0)
    } else {
        size
    }
}

/// The upright width and height of the picture file at `path`, from its
/// header (`None` when it cannot be read or does not fit in `u32`).
pub fn upright_size(path: &Path) -> Option<(u32, u32)> {
    let size = imagesize::size(path).ok()?;
    let stored = (
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    );
    Some(upright(stored, of_file(path)))
}

/// The upright width and height of a picture held in memory.
pub fn upright_blob_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(bytes).ok()?;
    let stored = (
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    );
    Some(upright(stored, of_bytes(bytes)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A JPEG of `width`×`height` (a red left half, a blue right half)
    /// whose EXIF Orientation tag is `tag`: the APP1 segment is built by
    /// hand (big-endian TIFF header, one IFD with one SHORT entry).
    pub fn jpeg_with_orientation(width: u32, height: u32, tag: u16) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        });
        let mut jpeg = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
            .unwrap();
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend(1u16.to_be_bytes()); // one entry
        tiff.extend(0x0112u16.to_be_bytes()); // Orientation
        tiff.extend(3u16.to_be_bytes()); // SHORT
        tiff.extend(1u32.to_be_bytes()); // one value
        tiff.extend(tag.to_be_bytes());
        tiff.extend([0, 0]); // padding of the value field
        tiff.extend(0u32.to_be_bytes()); // no next IFD
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend(tiff);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        out.extend(app1);
        out.extend(&jpeg[2..]);
        out
    }

    #[test]
    fn the_tag_of_a_phone_photo_is_read_and_swaps_the_sides() {
        let six = jpeg_with_orientation(64, 32, 6);
        assert_eq!(of_bytes(&six), Orientation::Rotate90);
        assert!(swaps_sides(of_bytes(&six)));
        assert_eq!(upright((64, 32), of_bytes(&six)), (32, 64));
        let three = jpeg_with_orientation(64, 32, 3);
        assert_eq!(of_bytes(&three), Orientation::Rotate180);
        assert_eq!(upright((64, 32), of_bytes(&three)), (64, 32));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, &six).unwrap();
        assert_eq!(upright_size(&path), Some((32, 64)));
        assert_eq!(upright_blob_size(&six), Some((32, 64)));
    }

    #[test]
    fn a_tag_behind_long_headers_is_read_from_the_longer_head() {
        // Three 64 KiB APP15 segments (192 KiB) before the EXIF.
        let six = jpeg_with_orientation(64, 32, 6);
        let mut bytes = six[..2].to_vec();
        for _ in 0..3 {
            bytes.extend([0xFF, 0xEF, 0xFF, 0xFF]);
            bytes.extend(vec![0u8; 0xFFFF - 2]);
        }
        bytes.extend(&six[2..]);
        assert!(bytes.len() as u64 > FIRST_BYTES);
        assert_eq!(of_bytes(&bytes), Orientation::Rotate90);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(of_file(&path), Orientation::Rotate90);
    }

    #[test]
    fn no_bad_or_absent_tag_means_upright() {
        for tag in [0, 1, 9, 0xFFFF] {
            let bytes = jpeg_with_orientation(40, 20, tag);
            assert_eq!(of_bytes(&bytes), Orientation::NoTransforms, "{tag}");
        }
        assert_eq!(of_bytes(b""), Orientation::NoTransforms);
        assert_eq!(of_bytes(b"\xFF\xD8\xFF\xE1\xFF"), Orientation::NoTransforms);
        assert_eq!(
            of_file(Path::new("/nonexistent/x.jpg")),
            Orientation::NoTransforms
        );
    }
}
