//! QR codes of the cases' short links, for WeChat articles and posters
//! (readers 长按识别 or scan them). Error correction level M (15% of the
//! code may be damaged or covered) and the standard quiet zone of 4 modules.

use std::sync::OnceLock;

use fast_qr::{QRBuilder, ECL};
use image::{GrayImage, ImageFormat};

use super::{Contents, OutputFile};

/// Pixels per module in the PNG: a version-3 code (29 modules, 37 with the
/// quiet zone) comes out at 370 px, sharp enough to print at 3 cm.
const PNG_MODULE_PX: u32 = 10;

/// Modules of light margin around a code (the standard's quiet zone).
const QUIET_ZONE: usize = 4;

/// A QR code's modules, row by row, `true` for dark. Kept instead of the
/// encoder's own value, which holds room for the largest version (31 KB).
#[derive(Debug, PartialEq)]
struct Matrix {
    width: usize,
    dark: Vec<bool>,
}

impl Matrix {
    fn rows(&self) -> std::slice::Chunks<'_, bool> {
        self.dark.chunks(self.width)
    }
}

/// The code of `url`, error correction M (survives print smudges), with
/// the mask of lowest penalty. `fast_qr` chooses the mask five times
/// faster than `qrcode` did: that was 6% of a 10,000-case build.
fn encode(url: &str) -> Result<Matrix, String> {
    let code = QRBuilder::new(url)
        .ecl(ECL::M)
        .build()
        .map_err(|e| format!("无法为 {url} 生成二维码：{e:?}"))?;
    let width = code.size;
    let dark = code.data[..width * width]
        .iter()
        .map(|m| m.value())
        .collect();
    Ok(Matrix { width, dark })
}

/// The SVG document of `code`, black on white with the quiet zone, at
/// least 200 px a side. Drawn in module units, one subpath per run of
/// dark modules in a row (a subpath per module would triple the bytes).
fn svg(code: &Matrix) -> String {
    use std::fmt::Write as _;
    let width = code.width;
    let side = width + 2 * QUIET_ZONE;
    let pixels = side * 200usize.div_ceil(side);
    let mut path = String::with_capacity(width * width);
    for (y, row) in code.rows().enumerate() {
        let mut x = 0;
        while x < width {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && row[x] {
                x += 1;
            }
            let run = x - start;
            let _ = write!(
                path,
                "M{} {}h{run}v1h-{run}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
    }
    format!(
        "<?xml version=\"1.0\" standalone=\"yes\"?>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{pixels}\" \
         height=\"{pixels}\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#ffffff\"/>\
         <path fill=\"#000000\" d=\"{path}\"/></svg>"
    )
}

/// The PNG of `code`: `PNG_MODULE_PX` pixels a module, quiet zone included.
/// Each row of modules is drawn once as a line of pixels and copied down.
fn png(code: &Matrix) -> Result<Vec<u8>, image::ImageError> {
    let module = PNG_MODULE_PX as usize;
    let side = (code.width + 2 * QUIET_ZONE) * module;
    let margin = QUIET_ZONE * module;
    let mut pixels = vec![255u8; side * side];
    for (y, row) in code.rows().enumerate() {
        let top = (margin + y * module) * side;
        let (line, below) = pixels[top..top + module * side].split_at_mut(side);
        for (x, _) in row.iter().enumerate().filter(|(_, dark)| **dark) {
            let left = margin + x * module;
            line[left..left + module].fill(0);
        }
        for copy in below.chunks_exact_mut(side) {
            copy.copy_from_slice(line);
        }
    }
    let image = GrayImage::from_raw(side as u32, side as u32, pixels)
        .expect("the buffer holds side × side pixels");
    let mut bytes = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut bytes), ImageFormat::Png)?;
    Ok(bytes)
}

/// Each case's code, encoded once for its QR files and its page in the
/// book (choosing a code's mask, eight trial drawings, is most of its cost).
pub struct Codes {
    codes: Vec<OnceLock<Result<Matrix, String>>>,
}

impl Codes {
    /// Room for `cases` codes, none encoded yet.
    pub fn new(cases: usize) -> Codes {
        Codes {
            codes: (0..cases).map(|_| OnceLock::new()).collect(),
        }
    }
}

/// The code of case `index`, whose short link is `url`.
fn code<'c>(codes: &'c Codes, index: usize, url: &str) -> Result<&'c Matrix, String> {
    codes.codes[index]
        .get_or_init(|| encode(url))
        .as_ref()
        .map_err(Clone::clone)
}

/// The files [`files`] would make, empty, after proving that `url` fits in
/// a QR code.
pub fn paths(id: &str, url: &str) -> Result<[OutputFile; 2], String> {
    encode(url)?;
    Ok(["svg", "png"].map(|ext| OutputFile {
        path: format!("qr/{id}.{ext}"),
        contents: Contents::Bytes(Vec::new()),
    }))
}

/// `qr/{id}.svg` and `qr/{id}.png`, each encoding `url`.
pub fn files(codes: &Codes, index: usize, id: &str, url: &str) -> Result<[OutputFile; 2], String> {
    let code = code(codes, index, url)?;
    let png = png(code).map_err(|e| format!("无法为 {url} 生成二维码图片：{e}"))?;
    Ok([
        OutputFile {
            path: format!("qr/{id}.svg"),
            contents: Contents::Bytes(svg(code).into_bytes()),
        },
        OutputFile {
            path: format!("qr/{id}.png"),
            contents: Contents::Bytes(png),
        },
    ])
}

/// The QR code of `url` as an `<svg>` element to inline in a page (the
/// printed book), without the XML declaration.
pub fn inline_svg(codes: &Codes, index: usize, url: &str) -> Result<String, String> {
    let svg = svg(code(codes, index, url)?);
    let start = svg.find("<svg").unwrap_or(0);
    Ok(svg[start..].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_paths_match_the_files() {
        let url = "https://example.org/c/2022-001";
        let codes = super::Codes::new(2);
        let made = super::files(&codes, 0, "2022-001", url)
            .unwrap()
            .map(|f| f.path);
        let checked = super::paths("2022-001", url).unwrap().map(|f| f.path);
        assert_eq!(made, checked);
        let long = format!("https://example.org/{}", "a".repeat(3000));
        assert!(super::files(&codes, 1, "x", &long).is_err());
        assert!(super::paths("x", &long).is_err());
    }

    #[test]
    fn png_and_svg_have_a_quiet_zone() {
        let codes = super::Codes::new(1);
        let [svg, png] =
            super::files(&codes, 0, "2022-001", "https://example.org/c/2022-001").unwrap();
        let super::Contents::Bytes(svg) = svg.contents else {
            panic!()
        };
        let svg = String::from_utf8(svg).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
        // Its runs of dark modules are the code's, shifted by the quiet zone.
        let code = super::encode("https://example.org/c/2022-001").unwrap();
        let width = code.width;
        let mut dark = vec![false; width * width];
        let path = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for run in path.split('M').filter(|r| !r.is_empty()) {
            let (x, rest) = run.split_once(' ').unwrap();
            let (y, rest) = rest.split_once('h').unwrap();
            let length: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            for dx in 0..length {
                dark[(y - 4) * width + x - 4 + dx] = true;
            }
        }
        assert_eq!(dark, code.dark);
        assert!(
            svg.contains("width=\"222\" height=\"222\" viewBox=\"0 0 37 37\""),
            "{svg}"
        );
        let super::Contents::Bytes(png) = png.contents else {
            panic!()
        };
        let image = image::load_from_memory(&png).unwrap().to_luma8();
        // The first 4 modules of every side are light.
        let quiet = 4 * super::PNG_MODULE_PX;
        for y in 0..quiet {
            for x in 0..image.width() {
                assert_eq!(image.get_pixel(x, y).0[0], 255);
            }
        }
        assert_eq!(image.get_pixel(quiet, quiet).0[0], 0, "finder pattern");
    }
}
