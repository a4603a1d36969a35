//! Charts drawn at build time as inline SVG: no JavaScript, no chart library
//! in the browser. Pure functions: data in, SVG markup out (they read and
//! write nothing), so the site, the overview page and the annual
//! compilation all draw the same pictures.
//!
//! Every chart is `viewBox`-sized and scales to its box (`width:100%`); the
//! viewBox is about as wide as a phone's text column, so 12–13 unit labels
//! stay 12 px or more at 390 px. Series differ by line dash and marker
//! shape as well as colour, and values are labelled directly, so charts
//! read in black-and-white print. Each SVG has a `<title>` and a `<desc>`
//! that spells out every value, for screen readers.
//!
//! - [`metric`]: a case metric over the years against the competitor and
//!   the industry benchmark; the case's headline figure.
//! - [`overview`]: counts as bar charts, heat maps and trend lines.

mod lines;
pub mod metric;
pub mod overview;

use std::fmt::Write as _;

pub use metric::{
    case_figures, case_headline, chart_id, headline, metric_figure, Headline, MetricFigure,
};

/// Fonts named in the SVG itself, for when it is shown outside the site's
/// CSS (the compilation, a saved file): readers' own CJK fonts, never a
/// downloaded one.
const FONT_STACK: &str = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei',sans-serif";

/// Text colour (≥ 7:1 on white) and the quieter one for axes (≥ 4.5:1).
const INK: &str = "#1f1f1f";
const MUTED: &str = "#595959";
const GRID: &str = "#d9d5d0";

/// Escape text for SVG/XML content and attribute values.
pub use crate::text::escape_markup as escape;

/// A coordinate, rounded to 0.1 unit: enough for any screen, and short.
fn coord(v: f64) -> String {
    // In integer tenths: charts write thousands of coordinates, and float
    // formatting was a tenth of a chart's time.
    let tenths = (v * 10.0).round() as i64;
    let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    let sign = if tenths < 0 { "-" } else { "" };
    if tenth == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{tenth}")
    }
}

/// `value` followed by its unit the way Chinese text writes it: `98.8%`,
/// `42天`, `350 ppm` (a space only before a Latin unit).
pub fn with_unit(value: &str, unit: &str) -> String {
    match unit.chars().next() {
        None => value.to_string(),
        Some(c) if c.is_ascii_alphabetic() => format!("{value} {unit}"),
        Some(_) => format!("{value}{unit}"),
    }
}

/// An ASCII id fragment for `id` attributes (callers pass case ids and
/// slugs, which are ASCII already; anything else is dropped).
fn id_safe(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect()
}

/// A small SVG writer: the opening tag with title and description, then
/// elements appended with every text value escaped.
struct Svg {
    out: String,
}

impl Svg {
    /// Start an SVG of `width`×`height` units. `id` makes the title and
    /// description ids unique on a page that shows several charts. A chart
    /// with links is a `group` (an `img` may not hold interactive parts).
    fn new(
        id: &str,
        class: &str,
        (width, height): (f64, f64),
        linked: bool,
        title: &str,
        desc: &str,
    ) -> Svg {
        let role = if linked { "group" } else { "img" };
        let id = id_safe(id);
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {} {}\" \
             role=\"{role}\" aria-labelledby=\"{id}-title {id}-desc\" font-family=\"{FONT_STACK}\" \
             font-size=\"12\" fill=\"{INK}\">\
             <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            coord(width),
            coord(height),
            escape(title),
            escape(desc)
        );
        Svg { out }
    }

    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// `<text>` at (x, y); `attrs` are trusted, `content` is escaped.
    fn text(&mut self, x: f64, y: f64, attrs: &str, content: &str) {
        let _ = write!(
            self.out,
            "<text x=\"{}\" y=\"{}\" {attrs}>{}</text>",
            coord(x),
            coord(y),
            escape(content)
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: &str) {
        let _ = write!(
            self.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {attrs}/>",
            coord(x1),
            coord(y1),
            coord(x2),
            coord(y2)
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        let _ = write!(
            self.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {attrs}/>",
            coord(x),
            coord(y),
            coord(w.max(0.0)),
            coord(h.max(0.0))
        );
    }

    /// Open a link around the next elements (SVG 2 `href`); `label` is what
    /// screen readers announce for it.
    fn open_link(&mut self, href: &str, label: &str) {
        let _ = write!(
            self.out,
            "<a href=\"{}\" aria-label=\"{}\">",
            escape(href),
            escape(label)
        );
    }

    fn close_link(&mut self) {
        self.out.push_str("</a>");
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// How wide a label is drawn, in units, at `size`: CJK and full-width
/// characters are a full em, others about half. Used to place labels and
/// size label columns without a font.
fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| {
            if crate::text::is_cjk(c) {
                size
            } else if c.is_ascii_uppercase() || matches!(c, '%' | 'm' | 'w') {
                size * 0.72
            } else if c == ' ' || c == '.' {
                size * 0.3
            } else {
                size * 0.6
            }
        })
        .sum()
}

/// `text` cut with "…" to fit `max_width` units at `size` (the full text
/// stays in the chart's description and link names).
fn fit(text: &str, size: f64, max_width: f64) -> String {
    if text_width(text, size) <= max_width {
        return text.to_string();
    }
    let ellipsis = text_width("…", size);
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]), size);
        if width + w + ellipsis > max_width {
            break;
        }
        width += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Most intervals an axis is ever given: a guard for spans near the ends of
/// f64's range, where `(end - start) / step` stops being a small count.
const MAX_TICK_INTERVALS: f64 = 100.0;

/// Tick positions for an axis covering `lo..=hi`: a step of 1, 2 or 5 × 10ⁿ
/// giving about `target` intervals, and the rounded ends. Total for any
/// finite input (content bounds metric values, but a chart never panics
/// whatever it is given): spans past f64's range are worked in halves, and
/// the result is never empty and holds only finite numbers.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return vec![0.0, 1.0];
    }
    let (lo, hi) = if (hi - lo).abs() < f64::EPSILON {
        // Tiny values (1e-308) would get a pad that underflows to nothing.
        let pad = if lo.abs() < 1e-250 {
            1.0
        } else {
            lo.abs() * 0.05
        };
        ((lo - pad).max(f64::MIN), (hi + pad).min(f64::MAX))
    } else {
        (lo, hi)
    };
    // hi/2 − lo/2 cannot overflow, whatever the signs.
    let half_span = hi / 2.0 - lo / 2.0;
    let raw = (half_span / target.max(1) as f64 * 2.0).min(f64::MAX);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    // Ticks as whole multiples of the step: no float noise
    // (0.30000000000000004), and no sum that overflows on the way.
    let (first, last) = ((lo / step).floor(), (hi / step).ceil());
    let count = last - first;
    if !count.is_finite() || !(1.0..=MAX_TICK_INTERVALS).contains(&count) {
        return vec![lo, hi];
    }
    let mut ticks: Vec<f64> = (0..=count as usize)
        .map(|i| (first + i as f64) * step)
        .filter(|v| v.is_finite())
        .collect();
    // A round end past f64::MAX is dropped above: the data's end stands in.
    if ticks.first().is_none_or(|t| *t > lo) {
        ticks.insert(0, lo);
    }
    if ticks.last().is_none_or(|t| *t < hi) {
        ticks.push(hi);
    }
    ticks
}

/// Move label positions (sorted top to bottom) apart so that no two are
/// closer than `gap`, keeping them within `top..=bottom`.
fn spread(positions: &mut [f64], gap: f64, top: f64, bottom: f64) {
    for i in 1..positions.len() {
        if positions[i] - positions[i - 1] < gap {
            positions[i] = positions[i - 1] + gap;
        }
    }
    if let Some(&last) = positions.last() {
        if last > bottom {
            let shift = last - bottom;
            for p in positions.iter_mut() {
                *p -= shift;
            }
        }
    }
    for i in (0..positions.len().saturating_sub(1)).rev() {
        if positions[i + 1] - positions[i] < gap {
            positions[i] = positions[i + 1] - gap;
        }
    }
    for p in positions.iter_mut() {
        *p = p.max(top);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn coordinates_round_to_tenths_and_read_like_numbers() {
        for (v, text) in [
            (12.34, "12.3"),
            (12.35001, "12.4"),
            (7.0, "7"),
            (0.04, "0"),
            (-0.04, "0"),
            (-0.5, "-0.5"),
            (-12.96, "-13"),
            (1234.05001, "1234.1"),
        ] {
            assert_eq!(coord(v), text, "{v}");
            assert_eq!(
                coord(v),
                crate::text::format_number((v * 10.0).round() / 10.0),
                "as before, {v}"
            );
        }
    }

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(93.5, 98.8, 4),
            vec![92.0, 94.0, 96.0, 98.0, 100.0]
        );
        assert_eq!(nice_ticks(0.0, 7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        let flat = nice_ticks(100.0, 100.0, 4);
        assert!(flat.first().unwrap() < &100.0 && flat.last().unwrap() > &100.0);
        let small = nice_ticks(99.55, 99.93, 4);
        assert!(small[0] <= 99.55 && *small.last().unwrap() >= 99.93);
        assert!(small
            .iter()
            .all(|t| crate::text::format_number(*t).len() <= 5));
    }

    /// Hostile values: every finite number and pair of them gives at least
    /// two finite, ascending ticks that cover the range (found: 1e308 with
    /// 0 asked for ~10³⁰⁸ ticks and panicked allocating them).
    #[test]
    fn ticks_are_total_for_any_finite_range() {
        let grid = hostile_numbers();
        for &a in &grid {
            for &b in &grid {
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                for target in [0, 1, 4, 7] {
                    let ticks = nice_ticks(lo, hi, target);
                    assert!(ticks.len() >= 2, "{lo:e} {hi:e}: {ticks:?}");
                    assert!(ticks.iter().all(|t| t.is_finite()), "{lo:e} {hi:e}");
                    assert!(ticks.windows(2).all(|w| w[0] <= w[1]), "{lo:e} {hi:e}");
                    let covers = ticks[0] <= lo && *ticks.last().unwrap() >= hi;
                    assert!(covers, "{lo:e} {hi:e} {target}: {ticks:?}");
                }
            }
        }
    }

    /// Finite numbers that break careless arithmetic: the ends of f64's
    /// range, subnormals, negative zero, and a pseudo-random spread of
    /// bit patterns (a property-style sweep over every exponent).
    pub(crate) fn hostile_numbers() -> Vec<f64> {
        let mut grid = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e-308,
            1e308,
            -1e308,
            1e15,
            -1e15,
            1e15 + 0.5,
            99.9999999999,
            f64::EPSILON,
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        while grid.len() < 60 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let v = f64::from_bits(seed);
            if v.is_finite() {
                grid.push(v);
            }
        }
        grid
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        assert_eq!(fit("六西格玛", 12.0, 100.0), "六西格玛");
        let cut = fit("基于大数据的全生命周期质量追溯管理体系", 12.0, 100.0);
        assert!(
            cut.ends_with('…') && text_width(&cut, 12.0) <= 100.0,
            "{cut}"
        );
    }

    #[test]
    fn labels_are_spread_apart() {
        let mut ys = vec![50.0, 52.0, 53.0];
        spread(&mut ys, 14.0, 0.0, 200.0);
        assert!(ys[1] - ys[0] >= 14.0 && ys[2] - ys[1] >= 14.0);
        let mut low = vec![195.0, 198.0];
        spread(&mut low, 14.0, 0.0, 200.0);
        assert!(low[1] <= 200.0 && low[1] - low[0] >= 14.0);
    }

    #[test]
    fn units_follow_chinese_usage() {
        assert_eq!(with_unit("98.8", "%"), "98.8%");
        assert_eq!(with_unit("42", "天"), "42天");
        assert_eq!(with_unit("350", "ppm"), "350 ppm");
        assert_eq!(with_unit("7", ""), "7");
    }
}
