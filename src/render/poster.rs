//! Share posters (分享海报): per case, a PNG for a phone screen
//! (1080×1920, for WeChat Moments) and a square one (1080×1080, the share
//! card), each with the programme's name, the case's title, its
//! enterprise, its headline result (as its card shows it) and the QR code
//! of its short link.
//!
//! A poster is an SVG written here (every text from content escaped) and
//! drawn by `resvg` with one CJK face of the system's fonts, found once a
//! process ([`font`]): Noto Sans CJK SC or one of [`FAMILIES`]. Without
//! any, the build stops with an error naming them and how to install
//! them. The same SVG and face give the same pixels and PNG bytes, so
//! posters are deterministic; they are cached like pictures (by the hash
//! of the SVG, the face and [`RENDERER`]), since drawing is the slow part.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use crate::text::escape_markup as escape;

/// The families a poster may be set in, best first (all have the
/// simplified Chinese glyphs and Latin).
pub const FAMILIES: [&str; 6] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Micro Hei",
    "Noto Sans SC",
];

/// Everything besides the SVG and the face that decides a poster's bytes.
pub const RENDERER: &str = concat!(
    "casebook-poster/1 resvg-0.47 tiny-skia-0.12 casebook-",
    env!("CARGO_PKG_VERSION")
);

/// The two shapes of poster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// 1080×1920, a phone screen.
    Portrait,
    /// 1080×1080, the share card.
    Square,
}

impl Shape {
    pub const ALL: [Shape; 2] = [Shape::Portrait, Shape::Square];

    pub fn size(self) -> (u32, u32) {
        match self {
            Shape::Portrait => (1080, 1920),
            Shape::Square => (1080, 1080),
        }
    }

    /// The name of its file in the share kit's folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Shape::Portrait => "poster.png",
            Shape::Square => "poster-square.png",
        }
    }
}

/// What a poster shows (plain text; escaped when drawn).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    pub programme: &'a str,
    pub title: &'a str,
    pub enterprise: &'a str,
    pub headline: Option<&'a str>,
    pub short_url: &'a str,
    /// A case that is not published (drawn only by `build --drafts`): the
    /// poster is marked [`DRAFT_MARK`] in a red band and across its face,
    /// so it cannot pass for an official one.
    pub unpublished: bool,
}

/// The mark of an unpublished case's poster.
pub const DRAFT_MARK: &str = "草稿 · 未发布";
/// The colour of that mark.
const DRAFT_RED: &str = "#b3261e";

/// The CJK face posters are set in.
pub struct Font {
    pub family: String,
    /// Its file, and the file's length (in the cache key: another font
    /// installed under the same name draws other pixels).
    pub path: PathBuf,
    pub bytes: u64,
    database: Arc<usvg::fontdb::Database>,
}

/// The system's CJK face, looked up once a process; or the error naming
/// the families looked for and how to install one.
pub fn font() -> Result<&'static Font, String> {
    static FONT: OnceLock<Result<Font, String>> = OnceLock::new();
    FONT.get_or_init(find_font).as_ref().map_err(Clone::clone)
}

fn find_font() -> Result<Font, String> {
    let mut system = usvg::fontdb::Database::new();
    system.load_system_fonts();
    for family in FAMILIES {
        let query = usvg::fontdb::Query {
            families: &[usvg::fontdb::Family::Name(family)],
            weight: usvg::fontdb::Weight::BOLD,
            ..Default::default()
        };
        let Some(id) = system.query(&query) else {
            continue;
        };
        let Some((usvg::fontdb::Source::File(path), _)) = system.face_source(id) else {
            continue;
        };
        // Only this family's faces: no other font can slip in as a
        // fallback, so the poster depends on one file set. Read once into
        // memory: a face loaded from a file is opened and mapped again for
        // every run of text, which cost more (in the kernel) than drawing.
        let mut files: Vec<&Path> = system
            .faces()
            .filter(|face| face.families.iter().any(|(name, _)| name == family))
            .filter_map(|face| match &face.source {
                usvg::fontdb::Source::File(file) => Some(file.as_path()),
                _ => None,
            })
            .collect();
        files.sort();
        files.dedup();
        let mut database = usvg::fontdb::Database::new();
        for file in files {
            if let Ok(data) = std::fs::read(file) {
                let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(data);
                database.load_font_source(usvg::fontdb::Source::Binary(data));
            }
        }
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        return Ok(Font {
            family: family.to_string(),
            path,
            bytes,
            database: Arc::new(database),
        });
    }
    Err(format!(
        "生成分享海报需要简体中文字体，但系统中没有找到以下任何一种：{}。\
         在 Debian/Ubuntu 上运行 apt-get install fonts-noto-cjk 安装思源黑体（Noto Sans CJK）",
        FAMILIES.join("、")
    ))
}

/// The poster of `text` in `shape`, as a PNG. `qr`: the QR code as an
/// `<svg>` element, given the place [`qr_place`] says.
pub fn draw(font: &Font, svg: &str, shape: Shape) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        fontdb: font.database.clone(),
        font_family: font.family.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("海报 SVG 无效：{e}"))?;
    let (width, height) = shape.size();
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or("海报尺寸无效")?;
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("海报 PNG 编码失败：{e}"))
}

/// Where the QR code goes on a poster of `shape`: x, y, side.
pub fn qr_place(shape: Shape) -> (u32, u32, u32) {
    match shape {
        Shape::Portrait => (330, 1400, 420),
        Shape::Square => (720, 720, 300),
    }
}

const BLUE: &str = "#0b4a8b";
const INK: &str = "#1a1a1a";
const GREY: &str = "#555555";
const PALE: &str = "#eef3f9";

/// The SVG of a poster of `shape` showing `text`, with `qr` (from
/// [`qr_place`]) placed in it.
pub fn svg(text: &Text, shape: Shape, family: &str, qr: &str) -> String {
    let (width, height) = shape.size();
    let mut body = String::new();
    let layout = match shape {
        Shape::Portrait => Layout {
            band: 300,
            programme_size: 52,
            title_top: 420,
            title_size: 76,
            title_lines: 4,
            text_size: 42,
            headline_lines: 3,
            caption_y: 1880,
            text_width: 920,
        },
        Shape::Square => Layout {
            band: 150,
            programme_size: 44,
            title_top: 240,
            title_size: 64,
            title_lines: 3,
            text_size: 36,
            headline_lines: 3,
            caption_y: 1050,
            text_width: 960,
        },
    };
    let band = if text.unpublished { DRAFT_RED } else { BLUE };
    body.push_str(&format!(
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\
         <rect width=\"{width}\" height=\"{}\" fill=\"{band}\"/>",
        layout.band
    ));
    if text.unpublished {
        body.push_str(&watermark(width, height));
    }
    let left = 60;
    let band_text = match text.unpublished {
        true => format!("{DRAFT_MARK}　请勿转发"),
        false => text.programme.to_string(),
    };
    let programme = wrap(&band_text, layout.text_width, layout.programme_size, 1);
    body.push_str(&lines(
        &programme,
        left,
        layout.band / 2 + layout.programme_size * 2 / 5,
        layout.programme_size,
        "#ffffff",
        true,
    ));
    let title = wrap(
        text.title,
        layout.text_width,
        layout.title_size,
        layout.title_lines,
    );
    body.push_str(&lines(
        &title,
        left,
        layout.title_top,
        layout.title_size,
        INK,
        true,
    ));
    let mut y = layout.title_top + layout.title_size * title.len() as u32 * 13 / 10 + 30;
    let enterprise = wrap(text.enterprise, layout.text_width, layout.text_size, 2);
    body.push_str(&lines(&enterprise, left, y, layout.text_size, GREY, false));
    y += layout.text_size * enterprise.len() as u32 * 13 / 10 + 30;
    if let Some(headline) = text.headline {
        let size = layout.text_size;
        let width_left = layout.text_width - 40;
        let wrapped = wrap(headline, width_left, size, layout.headline_lines);
        let box_height = size * wrapped.len() as u32 * 13 / 10 + 40;
        let box_width = width_left + 40;
        body.push_str(&format!(
            "<rect x=\"{}\" y=\"{y}\" width=\"{box_width}\" height=\"{box_height}\" rx=\"16\" fill=\"{PALE}\"/>",
            left - 20
        ));
        body.push_str(&lines(&wrapped, left, y + 20 + size, size, BLUE, true));
    }
    body.push_str(qr);
    let caption = format!("长按识别二维码阅读全文 · {}", text.short_url);
    let caption_size = layout.text_size * 2 / 3;
    let caption_x = match shape {
        Shape::Portrait => width / 2,
        Shape::Square => width - left,
    };
    let anchor = match shape {
        Shape::Portrait => "middle",
        Shape::Square => "end",
    };
    body.push_str(&format!(
        "<text x=\"{caption_x}\" y=\"{}\" font-size=\"{caption_size}\" fill=\"{GREY}\" text-anchor=\"{anchor}\">{}</text>",
        layout.caption_y,
        escape(&caption)
    ));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{}\">{body}</svg>",
        escape(family)
    )
}

/// [`DRAFT_MARK`] large and pale across the poster, under its text.
fn watermark(width: u32, height: u32) -> String {
    let (x, y) = (width / 2, height / 2);
    format!(
        "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" font-weight=\"700\" fill=\"{DRAFT_RED}\" \
         fill-opacity=\"0.16\" text-anchor=\"middle\" transform=\"rotate(-30 {x} {y})\">{}</text>",
        width / 7,
        escape(DRAFT_MARK)
    )
}

struct Layout {
    band: u32,
    programme_size: u32,
    title_top: u32,
    title_size: u32,
    title_lines: usize,
    text_size: u32,
    headline_lines: usize,
    caption_y: u32,
    text_width: u32,
}

/// `<text>` lines, the first on baseline `y`, 1.3 sizes apart.
fn lines(lines: &[String], x: u32, y: u32, size: u32, fill: &str, bold: bool) -> String {
    let weight = if bold { " font-weight=\"700\"" } else { "" };
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        let baseline = y + size * n as u32 * 13 / 10;
        out.push_str(&format!(
            "<text x=\"{x}\" y=\"{baseline}\" font-size=\"{size}\" fill=\"{fill}\"{weight}>{}</text>",
            escape(line)
        ));
    }
    out
}

/// How wide `c` is, in ems: CJK and full-width forms one, others about
/// half (the face's Latin is proportional; a half em is its average).
fn advance(c: char) -> f32 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c.is_ascii_digit() {
            0.62
        } else {
            0.52
        }
    } else {
        1.0
    }
}

/// Punctuation that must not start a line (禁则).
fn no_line_start(c: char) -> bool {
    "，。、；：！？）」』》〉”’…—%,.;:!?)".contains(c)
}

/// The units a line may break between: a run of Latin letters, digits
/// and their punctuation (`97.2%`, `ISO 9001`'s words) is one, every
/// other character (a Chinese one, a space) one of its own.
fn units(text: &str) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    let mut latin = false;
    for c in text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        let is_latin = c.is_ascii() && c != ' ';
        match units.last_mut() {
            Some(unit) if is_latin && latin => unit.push(c),
            _ => units.push(c.to_string()),
        }
        latin = is_latin;
    }
    units
}

/// `text` broken into at most `max` lines of `width` px at `size` px, the
/// last ending in "…" when the text is longer.
fn wrap(text: &str, width: u32, size: u32, max: usize) -> Vec<String> {
    let room = width as f32 / size as f32;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    for unit in units(text) {
        let w: f32 = unit.chars().map(advance).sum();
        let first = unit.chars().next().unwrap_or(' ');
        if used + w > room && !line.is_empty() && !no_line_start(first) {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
            used = 0.0;
            if unit == " " {
                continue;
            }
        }
        line.push_str(&unit);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max {
        lines.truncate(max);
        let last = &mut lines[max - 1];
        let mut chars: Vec<char> = last.chars().collect();
        let mut used: f32 = chars.iter().map(|&c| advance(c)).sum();
        while used + 1.0 > room && !chars.is_empty() {
            used -= advance(chars.pop().unwrap_or(' '));
        }
        *last = chars.into_iter().collect::<String>() + "…";
    }
    lines
}

impl super::Renderer<'_> {
    /// The share posters of case `index`, from the cache when it has them.
    ///
    /// A preview's posters link the published site, as the published
    /// posters will: the preview's address is a port on the editor's
    /// machine that no phone can open, and with it in the picture every
    /// new port drew every poster again (20 minutes at 10,000 cases).
    pub(super) fn case_posters(
        &self,
        index: usize,
        mode: super::Mode,
    ) -> Result<Vec<crate::output::OutputFile>, crate::diagnostics::Diagnostic> {
        use crate::diagnostics::{rules, Diagnostic};
        let case = self.views.site.cases[index];
        let file = case.source.rel.as_str();
        let font = font().map_err(font_missing)?;
        let link = crate::urls::short_link(&case.id);
        let public = (mode == super::Mode::Preview).then(|| {
            crate::urls::Urls::new(&self.views.site.config.site.base_url).permalink(&link)
        });
        let short_url = public
            .clone()
            .unwrap_or_else(|| self.views.permalink(&link));
        let headline = crate::charts::case_headline(&case.metrics).map(|h| h.text);
        let text = Text {
            programme: &self.views.site.config.site.title,
            title: &case.title,
            enterprise: &case.enterprise.name,
            headline: headline.as_deref(),
            short_url: &short_url,
            unpublished: !case.status.is_published(),
        };
        Shape::ALL
            .iter()
            .map(|&shape| {
                let failed = |message: String| {
                    Diagnostic::error(rules::POSTER_FONT, file, message)
                        .help("检查系统字体是否完整；或报告这个问题")
                };
                let qr = match &public {
                    Some(url) => super::qr::placed_svg_of(url, qr_place(shape)),
                    None => {
                        super::qr::placed_svg(&self.views.qr, index, &short_url, qr_place(shape))
                    }
                };
                let qr = qr.map_err(|message| {
                    Diagnostic::error(rules::QR_CODE, file, message)
                        .help("二维码装不下这么长的网址：缩短 site.base_url")
                })?;
                let svg = svg(&text, shape, &font.family, &qr);
                let png = self
                    .media
                    .posters
                    .fetch_or_make(
                        &key(font, &svg),
                        crate::images::Format::Png,
                        crate::images::cache::max_payload(shape.size().0, shape.size().1),
                        || draw(font, &svg, shape),
                    )
                    .map_err(failed)?;
                Ok(crate::output::OutputFile {
                    path: crate::urls::poster(&case.id, shape.file_name()),
                    contents: crate::output::Contents::Bytes(png),
                })
            })
            .collect()
    }
}

/// The build's error when no CJK face is installed (reported once, at the
/// site's configuration, which can also turn posters off).
pub fn font_missing(message: String) -> crate::diagnostics::Diagnostic {
    crate::diagnostics::Diagnostic::error(
        crate::diagnostics::rules::POSTER_FONT,
        crate::config::CONFIG_FILE,
        message,
    )
    .help("安装字体后重新构建：Debian/Ubuntu 用 apt-get install fonts-noto-cjk，Fedora 用 dnf install google-noto-sans-cjk-fonts；不需要海报的站点可在 casebook.toml 中写 [posters] enabled = false")
}

/// The cache key of a poster: everything that decides its pixels.
fn key(font: &Font, svg: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(RENDERER.as_bytes());
    hasher.update(font.family.as_bytes());
    hasher.update(font.path.as_os_str().as_encoded_bytes());
    hasher.update(&font.bytes.to_le_bytes());
    hasher.update(svg.as_bytes());
    hasher.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_punctuation_off_line_starts_and_cuts_with_an_ellipsis() {
        let lines = wrap("一二三四五，六七八", 500, 100, 3);
        assert_eq!(lines, ["一二三四五，", "六七八"]);
        // Numbers are never cut.
        assert_eq!(
            wrap("良率 92.1% → 97.2%", 600, 100, 3),
            ["良率 92.1%", "→ 97.2%"]
        );
        let lines = wrap(&"质量".repeat(40), 1000, 100, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(lines[1].chars().count() <= 10, "{lines:?}");
    }

    /// Pixels of the title's ink (#1a1a1a, within 8) in a PNG.
    fn ink(png_bytes: &[u8]) -> usize {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        buffer[..info.buffer_size()]
            .chunks(4)
            .filter(|p| (0..3).all(|c| p[c].abs_diff(0x1a) <= 8))
            .count()
    }

    #[test]
    fn only_the_title_is_drawn_in_the_title_ink() {
        let font = match font() {
            Ok(font) => font,
            Err(message) if std::env::var("CI").is_err() => {
                eprintln!("SKIPPED poster drawing: {message}");
                return;
            }
            Err(message) => panic!("{message}"),
        };
        let text = Text {
            programme: "上海市质量标杆典型经验案例库",
            title: "上海某精密机械有限公司推行精益生产降低报废率的经验",
            enterprise: "上海某精密机械有限公司",
            headline: Some("报废率 3.2% → 1.1%（−2.1个百分点）"),
            short_url: "https://example.org/c/2023-001",
            unpublished: false,
        };
        let untitled = Text {
            title: "",
            ..text.clone()
        };
        for shape in Shape::ALL {
            let with = draw(font, &svg(&text, shape, &font.family, ""), shape).unwrap();
            let without = draw(font, &svg(&untitled, shape, &font.family, ""), shape).unwrap();
            assert_eq!(ink(&without), 0, "{shape:?}");
            assert!(ink(&with) > 25 * 150, "{shape:?}: {}", ink(&with));
            // Deterministic: the same text draws the same bytes.
            let again = draw(font, &svg(&text, shape, &font.family, ""), shape).unwrap();
            assert_eq!(with, again);
        }
    }

    #[test]
    fn content_text_is_escaped_in_the_svg() {
        let text = Text {
            programme: "质量标杆",
            title: "<script>alert(1)</script>&",
            enterprise: "\"企业\"",
            headline: None,
            short_url: "https://example.org/c/1",
            unpublished: false,
        };
        let svg = svg(&text, Shape::Square, "Noto Sans CJK SC", "");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;") && svg.contains("&quot;企业&quot;"));
        roxmltree::Document::parse(&svg).expect("well-formed");
        assert!(!svg.contains(DRAFT_MARK));
    }

    #[test]
    fn an_unpublished_cases_poster_is_marked_in_its_band_and_across_it() {
        let text = Text {
            programme: "质量标杆",
            title: "某公司的经验",
            enterprise: "某公司",
            headline: None,
            short_url: "https://example.org/c/1",
            unpublished: true,
        };
        for shape in Shape::ALL {
            let svg = svg(&text, shape, "Noto Sans CJK SC", "");
            roxmltree::Document::parse(&svg).expect("well-formed");
            assert_eq!(svg.matches(DRAFT_MARK).count(), 2, "{shape:?}: {svg}");
            assert!(svg.contains(&format!("fill=\"{DRAFT_RED}\"/>")), "{svg}");
            assert!(!svg.contains(&format!("fill=\"{BLUE}\"/>")), "{svg}");
        }
    }
}
