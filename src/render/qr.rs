//! QR codes of the cases' short links, for WeChat articles and posters
//! (readers 长按识别 or scan them). Error correction level M (15% of the
//! code may be damaged or covered) and the standard quiet zone of 4 modules.

use std::sync::OnceLock;

use fast_qr::{QRBuilder, ECL};

use crate::output::{Contents, OutputFile};
use crate::urls;

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

/// The code of case `index` as an `<svg>` element placed at `x`, `y` and
/// `size` px a side in a larger drawing (the share posters), quiet zone
/// included; whole pixels a module where `size` allows, so no module
/// blurs into its neighbour.
pub fn placed_svg(
    codes: &Codes,
    index: usize,
    url: &str,
    place: (u32, u32, u32),
) -> Result<String, String> {
    Ok(placed(code(codes, index, url)?, place))
}

/// [`placed_svg`] of a `url` that is not the case's own short link in
/// this build (encoded afresh, not kept).
pub fn placed_svg_of(url: &str, place: (u32, u32, u32)) -> Result<String, String> {
    Ok(placed(&encode(url)?, place))
}

fn placed(code: &Matrix, (x, y, size): (u32, u32, u32)) -> String {
    let whole = svg(code);
    let start = whole.find("<svg").unwrap_or(0);
    let open_end = whole[start..].find('>').map_or(whole.len(), |n| start + n);
    let view_box = whole[start..open_end]
        .split("viewBox=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("0 0 1 1");
    format!(
        "<svg x=\"{x}\" y=\"{y}\" width=\"{size}\" height=\"{size}\" viewBox=\"{view_box}\" shape-rendering=\"crispEdges\">{}",
        &whole[open_end + 1..]
    )
}

/// The PNG of `code`: `PNG_MODULE_PX` pixels a module, quiet zone included,
/// one bit a pixel (the code is black and white: an eighth of the pixel
/// data of an 8-bit grey image, and a smaller file to share). Compressed
/// with fdeflate (`Compression::Fast`): 1.7 KB in 27 µs; zlib's default
/// level made 0.8 KB but took 250 µs, 2.5 s of CPU at 10,000 cases.
/// Each row of modules is packed once and repeated for its pixel rows.
fn png(code: &Matrix) -> Result<Vec<u8>, png::EncodingError> {
    let module = PNG_MODULE_PX as usize;
    let side = (code.width + 2 * QUIET_ZONE) * module;
    let stride = side.div_ceil(8);
    let mut light_line = vec![0u8; stride];
    set_bits(&mut light_line, 0..side);
    let mut data = Vec::with_capacity(stride * side);
    for _ in 0..QUIET_ZONE * module {
        data.extend_from_slice(&light_line);
    }
    for row in code.rows() {
        // In 1-bit grey, a set bit is white: start light, clear dark runs.
        let mut line = light_line.clone();
        for (x, _) in row.iter().enumerate().filter(|(_, dark)| **dark) {
            let left = (QUIET_ZONE + x) * module;
            clear_bits(&mut line, left..left + module);
        }
        for _ in 0..module {
            data.extend_from_slice(&line);
        }
    }
    for _ in 0..QUIET_ZONE * module {
        data.extend_from_slice(&light_line);
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(bytes)
}

/// Set pixels `range` of a 1-bit line (most significant bit first).
fn set_bits(line: &mut [u8], range: std::ops::Range<usize>) {
    for x in range {
        line[x / 8] |= 0x80 >> (x % 8);
    }
}

/// Clear pixels `range` of a 1-bit line.
fn clear_bits(line: &mut [u8], range: std::ops::Range<usize>) {
    for x in range {
        line[x / 8] &= !(0x80 >> (x % 8));
    }
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
        path: urls::qr_code(id, ext),
        contents: Contents::Bytes(Vec::new()),
    }))
}

/// `qr/{id}.svg` and `qr/{id}.png`, each encoding `url`.
pub fn files(codes: &Codes, index: usize, id: &str, url: &str) -> Result<[OutputFile; 2], String> {
    let code = code(codes, index, url)?;
    let png = png(code).map_err(|e| format!("无法为 {url} 生成二维码图片：{e}"))?;
    Ok([
        OutputFile {
            path: urls::qr_code(id, "svg"),
            contents: Contents::Bytes(svg(code).into_bytes()),
        },
        OutputFile {
            path: urls::qr_code(id, "png"),
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
        let crate::output::Contents::Bytes(svg) = svg.contents else {
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
        let crate::output::Contents::Bytes(png) = png.contents else {
            panic!()
        };
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&png));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut grey = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut grey).unwrap();
        assert_eq!((info.width, info.height), (370, 370));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let pixel = |x: usize, y: usize| grey[y * info.line_size + x];
        // The first 4 modules of every side are light, and the pixels are
        // the code's modules, each PNG_MODULE_PX pixels square.
        let module = super::PNG_MODULE_PX as usize;
        let quiet = 4 * module;
        for y in 0..370 {
            for x in 0..370 {
                let in_code =
                    (quiet..370 - quiet).contains(&x) && (quiet..370 - quiet).contains(&y);
                let dark =
                    in_code && code.dark[(y - quiet) / module * width + (x - quiet) / module];
                assert_eq!(pixel(x, y), if dark { 0 } else { 255 }, "pixel ({x}, {y})");
            }
        }
    }
}
