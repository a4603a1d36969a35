//! The line chart behind metric charts and the overview's trends: years
//! across, values up, each series with its own dash and marker so that the
//! lines stay apart in black-and-white print.

use std::fmt::Write as _;

use super::{coord, escape, fit, nice_ticks, spread, text_width, Svg, GRID, MUTED};

/// Width of the viewBox: about a phone's text column (390 px less margins),
/// so one unit is about one CSS pixel there.
pub const WIDTH: f64 = 360.0;
/// The most a legend entry's name may take (it is cut with "…" beyond).
const LEGEND_TEXT: f64 = WIDTH - 44.0;
/// Height of the plot area; the legend's rows come on top of it.
const PLOT_HEIGHT: f64 = 150.0;
const FONT: f64 = 12.0;
/// A white outline under value labels, so they stay legible across lines.
const HALO: &str =
    "stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
}

/// Colour (each ≥ 4.5:1 on white, so its labels are readable), dash
/// pattern, stroke width, marker and whether the marker is filled.
struct Style {
    colour: &'static str,
    dash: &'static str,
    width: f64,
    marker: Marker,
    filled: bool,
}

const STYLES: [Style; 6] = [
    Style {
        colour: "#b3261e",
        dash: "",
        width: 3.0,
        marker: Marker::Circle,
        filled: true,
    },
    Style {
        colour: "#4d4d4d",
        dash: "7 4",
        width: 2.0,
        marker: Marker::Square,
        filled: false,
    },
    Style {
        colour: "#1d5c8a",
        dash: "2 3",
        width: 2.0,
        marker: Marker::Triangle,
        filled: true,
    },
    Style {
        colour: "#6b4c00",
        dash: "10 3 2 3",
        width: 2.0,
        marker: Marker::Diamond,
        filled: false,
    },
    Style {
        colour: "#2f6b3a",
        dash: "4 2",
        width: 2.0,
        marker: Marker::Cross,
        filled: true,
    },
    Style {
        colour: "#6a3d8f",
        dash: "1 2",
        width: 2.0,
        marker: Marker::Circle,
        filled: false,
    },
];

pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
    /// Label every point (the case's own values); otherwise only the last.
    pub label_points: bool,
    /// Where the series links (the list it counts), if anywhere.
    pub href: Option<String>,
}

pub struct LineChart<'a> {
    pub id: &'a str,
    pub class: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    /// The line above the legend: unit and which way is better.
    pub header: &'a str,
    pub years: &'a [i64],
    /// Links of the year labels, one per year, if they link.
    pub year_links: Option<Vec<String>>,
    pub series: Vec<Series>,
    /// A value as its label shows it (with its unit).
    pub label: &'a dyn Fn(f64) -> String,
    /// Start the value axis at zero (counts) rather than near the data.
    pub from_zero: bool,
    /// The most the value axis may reach when no value is above it
    /// (100 for a percentage: an axis to 102 % reads as nonsense).
    pub ceiling: Option<f64>,
    /// End labels carry the series' name as well as its last value, so
    /// each line is named where it ends (the overview's trends; a metric
    /// chart's lines are few and named by the legend).
    pub name_ends: bool,
}

/// The most an end label's series name may take before it is cut.
const END_NAME: f64 = 84.0;

/// A point's marker; `tooltip` becomes its `<title>` (left out inside a
/// link, whose name must then be the only text).
fn marker(out: &mut String, style: &Style, x: f64, y: f64, tooltip: Option<&str>) {
    let fill = if style.filled { style.colour } else { "#fff" };
    let paint = format!(
        "fill=\"{fill}\" stroke=\"{}\" stroke-width=\"1.8\"",
        style.colour
    );
    let tip = tooltip.map_or(String::new(), |t| format!("<title>{}</title>", escape(t)));
    let (x, y) = (x, y);
    let _ = match style.marker {
        Marker::Circle => write!(
            out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" {paint}>{tip}</circle>",
            coord(x),
            coord(y)
        ),
        Marker::Square => write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" {paint}>{tip}</rect>",
            coord(x - 4.0),
            coord(y - 4.0)
        ),
        Marker::Triangle => write!(
            out,
            "<path d=\"M{} {}l5 9h-10z\" {paint}>{tip}</path>",
            coord(x),
            coord(y - 5.5)
        ),
        Marker::Diamond => write!(
            out,
            "<path d=\"M{} {}l5 5-5 5-5-5z\" {paint}>{tip}</path>",
            coord(x),
            coord(y - 5.0)
        ),
        Marker::Cross => write!(
            out,
            "<path d=\"M{} {}l8 8m0-8l-8 8\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.4\">{tip}</path>",
            coord(x - 4.0),
            coord(y - 4.0),
            style.colour
        ),
    };
}

fn stroke(style: &Style) -> String {
    let dash = if style.dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{}\"", style.dash)
    };
    format!(
        "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-linejoin=\"round\"{dash}",
        style.colour,
        coord(style.width)
    )
}

pub fn draw(chart: &LineChart) -> String {
    let label = chart.label;
    let finite: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if finite.is_empty() {
        (0.0, 1.0)
    } else if chart.from_zero {
        (lo.min(0.0), hi.max(1.0))
    } else {
        (lo, hi)
    };
    // A little room beyond the data, so that no point sits on the frame and
    // its label has somewhere to go.
    // In halves and clamped: the span of −1e308..1e308 overflows f64.
    let margin = (hi / 2.0 - lo / 2.0) * 0.16;
    let widen = |v: f64| v.clamp(f64::MIN, f64::MAX);
    let (lo, hi) = if chart.from_zero {
        (lo, widen(hi + margin))
    } else {
        (widen(lo - margin), widen(hi + margin))
    };
    let data_hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let hi = match chart.ceiling {
        Some(ceiling) if data_hi <= ceiling && lo < ceiling => hi.min(ceiling),
        _ => hi,
    };
    let ticks = nice_ticks(lo, hi, 4);
    let (axis_lo, axis_hi) = (ticks[0], *ticks.last().unwrap_or(&hi));

    // Legend rows, wrapped to the width.
    let mut legend = Vec::new();
    let (mut x, mut row) = (0.0, 0usize);
    for s in &chart.series {
        let w = 30.0 + text_width(&s.name, FONT).min(LEGEND_TEXT) + 14.0;
        if x > 0.0 && x + w > WIDTH {
            x = 0.0;
            row += 1;
        }
        legend.push((x, row));
        x += w;
    }
    let legend_top = 38.0;
    let top = legend_top + 18.0 * (row as f64) + 26.0;
    let bottom = top + PLOT_HEIGHT;
    let height = bottom + 26.0;
    let tick_labels: Vec<String> = ticks
        .iter()
        .map(|t| crate::text::format_number(*t))
        .collect();
    let left = tick_labels
        .iter()
        .map(|t| text_width(t, 11.0))
        .fold(0.0, f64::max)
        + 10.0;
    let end_labelled: Vec<usize> = (0..chart.series.len())
        .filter(|&i| !chart.series[i].label_points)
        .collect();
    let end_text = |s: &Series, v: f64| {
        if chart.name_ends {
            format!("{} {}", fit(&s.name, FONT, END_NAME), label(v))
        } else {
            label(v)
        }
    };
    let end_width = end_labelled
        .iter()
        .filter_map(|&i| {
            let s = &chart.series[i];
            s.values.last().map(|v| end_text(s, *v))
        })
        .map(|text| text_width(&text, FONT))
        .fold(0.0, f64::max)
        // End labels are semibold: a little wider than the estimate.
        * 1.15;
    let right = WIDTH - end_width.max(12.0) - 12.0;
    let pad = 18.0;
    let n = chart.years.len();
    let x_of = |i: usize| {
        if n <= 1 {
            (left + right) / 2.0
        } else {
            left + pad + (right - left - 2.0 * pad) * i as f64 / (n - 1) as f64
        }
    };
    // Halved for the same reason as the margin; a flat axis draws mid-height.
    let y_of = |v: f64| {
        let share = (v / 2.0 - axis_lo / 2.0) / (axis_hi / 2.0 - axis_lo / 2.0);
        bottom - if share.is_finite() { share } else { 0.5 } * (bottom - top)
    };

    let linked = chart.year_links.is_some() || chart.series.iter().any(|s| s.href.is_some());
    let mut svg = Svg::new(
        chart.id,
        chart.class,
        (WIDTH, height),
        linked,
        chart.title,
        chart.desc,
    );
    svg.text(0.0, 16.0, &format!("fill=\"{MUTED}\""), chart.header);
    for (s, (lx, lrow)) in chart.series.iter().zip(&legend) {
        let style = &STYLES[legend_index(chart, s)];
        let y = legend_top + 18.0 * *lrow as f64;
        svg.line(*lx, y - 4.0, lx + 24.0, y - 4.0, &stroke(style));
        let mut m = String::new();
        marker(&mut m, style, lx + 12.0, y - 4.0, None);
        svg.raw(&m);
        svg.text(lx + 30.0, y, "", &fit(&s.name, FONT, LEGEND_TEXT));
    }
    // Grid and value axis.
    for (t, text) in ticks.iter().zip(&tick_labels) {
        let y = y_of(*t);
        svg.line(
            left,
            y,
            right,
            y,
            &format!("stroke=\"{GRID}\" stroke-width=\"1\""),
        );
        svg.text(
            left - 6.0,
            y + 4.0,
            &format!("text-anchor=\"end\" font-size=\"11\" fill=\"{MUTED}\""),
            text,
        );
    }
    for (i, year) in chart.years.iter().enumerate() {
        let text = format!("{year}");
        let href = chart.year_links.as_ref().and_then(|l| l.get(i));
        if let Some(href) = href {
            svg.open_link(href, &format!("{year}年的案例"));
        }
        svg.text(
            x_of(i),
            height - 8.0,
            &format!("text-anchor=\"middle\" fill=\"{MUTED}\""),
            &text,
        );
        if href.is_some() {
            svg.close_link();
        }
    }

    // Lines, then markers and labels on top.
    let mut end_labels: Vec<(f64, String, &Style)> = Vec::new();
    for (si, s) in chart.series.iter().enumerate() {
        let style = &STYLES[legend_index(chart, s)];
        if let Some(href) = &s.href {
            svg.open_link(href, &s.name);
        }
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate().take(n) {
            if !v.is_finite() {
                pen_down = false;
                continue;
            }
            let _ = write!(
                path,
                "{}{} {}",
                if pen_down { "L" } else { "M" },
                coord(x_of(i)),
                coord(y_of(*v))
            );
            pen_down = true;
        }
        if !path.is_empty() {
            svg.raw(&format!("<path d=\"{path}\" {}/>", stroke(style)));
        }
        let mut points = String::new();
        for (i, v) in s.values.iter().enumerate().take(n) {
            if v.is_finite() {
                let tip = format!("{}年 {}：{}", chart.years[i], s.name, label(*v));
                let tip = s.href.is_none().then_some(tip.as_str());
                marker(&mut points, style, x_of(i), y_of(*v), tip);
            }
        }
        svg.raw(&points);
        // Labels stay outside the link: its name is the series' name.
        if s.href.is_some() {
            svg.close_link();
        }
        if s.label_points {
            for (i, v) in s.values.iter().enumerate().take(n) {
                if !v.is_finite() {
                    continue;
                }
                let (x, y) = (x_of(i), y_of(*v));
                let text = label(*v);
                let w = text_width(&text, FONT) * 1.1;
                // Above, below, right or left of the point: the first spot
                // that covers no other series' line or marker (or the one
                // that covers least).
                let spots = [
                    (x, y - 10.0, "middle"),
                    (x, y + 19.0, "middle"),
                    (x + 9.0, y + 4.0, "start"),
                    (x - 9.0, y + 4.0, "end"),
                    (x + 6.0, y - 8.0, "start"),
                    (x - 6.0, y - 8.0, "end"),
                    (x + 6.0, y + 17.0, "start"),
                    (x - 6.0, y + 17.0, "end"),
                ];
                let mut obstacles = obstacles_near(chart, si, &x_of, &y_of, x, w + 20.0);
                // The point's own marker.
                obstacles.extend(marker_extent(x, y));
                let (lx, ly, anchor) = spots
                    .iter()
                    .map(|&(lx, ly, anchor)| {
                        let ly = ly.clamp(top - 6.0, height - 22.0);
                        let left = match anchor {
                            "middle" => lx - w / 2.0,
                            "start" => lx,
                            _ => lx - w,
                        };
                        let outside = left < 0.0 || left + w > WIDTH;
                        let hits = obstacles
                            .iter()
                            .filter(|(ox, oy)| {
                                *ox >= left - 2.0
                                    && *ox <= left + w + 2.0
                                    && *oy >= ly - FONT - 2.0
                                    && *oy <= ly + 3.0
                            })
                            .count()
                            + if outside { 1000 } else { 0 };
                        (hits, lx, ly, anchor)
                    })
                    .min_by_key(|spot| spot.0)
                    .map(|(_, lx, ly, anchor)| (lx, ly, anchor))
                    .unwrap_or((x, y - 10.0, "middle"));
                svg.text(
                    lx,
                    ly,
                    &format!(
                        "text-anchor=\"{anchor}\" font-weight=\"700\" fill=\"{}\" {HALO}",
                        style.colour
                    ),
                    &text,
                );
            }
        } else if let Some(last) = s.values.get(n.saturating_sub(1)).filter(|v| v.is_finite()) {
            end_labels.push((y_of(*last) + 4.0, end_text(s, *last), style));
        }
    }
    end_labels.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut ys: Vec<f64> = end_labels.iter().map(|l| l.0).collect();
    spread(&mut ys, 15.0, top, height - 24.0);
    for ((_, text, style), y) in end_labels.iter().zip(ys) {
        svg.text(
            right + 10.0,
            y,
            &format!("fill=\"{}\" font-weight=\"600\" {HALO}", style.colour),
            text,
        );
    }
    svg.finish()
}

/// Points the other series draw within `reach` of `x`: their markers and
/// their lines sampled every few units, for placing a label clear of them.
fn obstacles_near(
    chart: &LineChart,
    own: usize,
    x_of: &dyn Fn(usize) -> f64,
    y_of: &dyn Fn(f64) -> f64,
    x: f64,
    reach: f64,
) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for (j, s) in chart.series.iter().enumerate() {
        if j == own {
            continue;
        }
        let n = s.values.len().min(chart.years.len());
        for i in 0..n {
            let v = s.values[i];
            if !v.is_finite() {
                continue;
            }
            let (x0, y0) = (x_of(i), y_of(v));
            points.extend(marker_extent(x0, y0));
            if let Some(next) = s.values.get(i + 1).filter(|v| v.is_finite() && i + 1 < n) {
                let (x1, y1) = (x_of(i + 1), y_of(*next));
                let steps = ((x1 - x0).abs() / 3.0).ceil().max(1.0) as usize;
                for k in 1..steps {
                    let t = k as f64 / steps as f64;
                    points.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
                }
            }
        }
    }
    points.retain(|(px, _)| (px - x).abs() <= reach);
    points
}

/// Series keep their style by position.
fn legend_index(chart: &LineChart, series: &Series) -> usize {
    chart
        .series
        .iter()
        .position(|s| std::ptr::eq(s, series))
        .unwrap_or(0)
        % STYLES.len()
}

/// Points that stand for a marker at `(x, y)`: its centre and corners,
/// what a value label must keep clear of.
fn marker_extent(x: f64, y: f64) -> [(f64, f64); 5] {
    [
        (0.0, 0.0),
        (-5.0, -5.0),
        (5.0, -5.0),
        (-5.0, 5.0),
        (5.0, 5.0),
    ]
    .map(|(dx, dy)| (x + dx, y + dy))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The number after `attr="` in `tag`.
    fn attr(tag: &str, name: &str) -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    }

    #[test]
    fn point_labels_keep_clear_of_other_markers() {
        let label = |v: f64| format!("{}%", crate::text::format_number(v));
        let svg = draw(&LineChart {
            id: "t",
            class: "chart-metric",
            title: "t",
            desc: "t",
            header: "单位：%",
            years: &[2019, 2020, 2021],
            year_links: None,
            series: vec![
                Series {
                    name: "本企业".into(),
                    values: vec![93.5, 96.2, 98.8],
                    label_points: true,
                    href: None,
                },
                Series {
                    name: "行业标杆".into(),
                    values: vec![95.5, 96.5, 97.5],
                    label_points: false,
                    href: None,
                },
            ],
            label: &label,
            from_zero: false,
            ceiling: None,
            name_ends: false,
        });
        // The 2020 label and the second series' 2020 marker (its style's
        // marker is an 8×8 square drawn from x-4, y-4).
        let text_at = svg.find(">96.2%</text>").unwrap();
        let tag = &svg[svg[..text_at].rfind("<text").unwrap()..text_at];
        let (x, y) = (attr(tag, "x"), attr(tag, "y"));
        let w = text_width("96.2%", FONT);
        let left = if tag.contains("\"start\"") {
            x
        } else if tag.contains("\"end\"") {
            x - w
        } else {
            x - w / 2.0
        };
        let squares: Vec<(f64, f64)> = svg
            .match_indices("<rect x=\"")
            .map(|(i, _)| {
                let tag = &svg[i..i + svg[i..].find('>').unwrap()];
                (attr(tag, "x") + 4.0, attr(tag, "y") + 4.0)
            })
            .filter(|(_, y)| *y > 40.0)
            .collect();
        assert_eq!(squares.len(), 3, "{svg}");
        let (mx, my) = squares[1];
        let overlaps =
            mx + 4.0 >= left && mx - 4.0 <= left + w && my + 4.0 >= y - FONT && my - 4.0 <= y;
        assert!(
            !overlaps,
            "label at ({x}, {y}) covers the marker at ({mx}, {my})"
        );
    }

    fn two_series(values: [Vec<f64>; 2], ceiling: Option<f64>, name_ends: bool) -> String {
        let label = |v: f64| crate::text::format_number(v);
        let [a, b] = values;
        draw(&LineChart {
            id: "t",
            class: "chart-trend",
            title: "t",
            desc: "t",
            header: "h",
            years: &[2020, 2021, 2022],
            year_links: None,
            series: vec![
                Series {
                    name: "合计".into(),
                    values: a,
                    label_points: true,
                    href: None,
                },
                Series {
                    name: "数字化质量管控".into(),
                    values: b,
                    label_points: false,
                    href: None,
                },
            ],
            label: &label,
            from_zero: false,
            ceiling,
            name_ends,
        })
    }

    /// The value axis's tick labels (11-unit text anchored at the end).
    fn ticks(svg: &str) -> Vec<f64> {
        svg.match_indices("font-size=\"11\" fill=\"#595959\">")
            .map(|(i, m)| {
                let rest = &svg[i + m.len()..];
                rest[..rest.find('<').unwrap()]
                    .replace(',', "")
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn a_percentage_axis_stops_at_its_ceiling() {
        let values = [vec![90.0, 95.0, 99.5], vec![85.0, 92.0, 99.0]];
        let open = ticks(&two_series(values.clone(), None, false));
        assert!(
            open.iter().any(|t| *t > 100.0),
            "the data's margin passes 100: {open:?}"
        );
        let capped = ticks(&two_series(values, Some(100.0), false));
        assert_eq!(
            capped.iter().copied().fold(f64::MIN, f64::max),
            100.0,
            "{capped:?}"
        );
        // A value above the ceiling keeps the axis above it.
        let over = ticks(&two_series(
            [vec![96.0, 101.0, 104.0], vec![95.0, 97.0, 99.0]],
            Some(100.0),
            false,
        ));
        assert!(over.iter().any(|t| *t >= 104.0), "{over:?}");
    }

    #[test]
    fn end_labels_name_their_line_when_asked() {
        let values = [vec![3.0, 5.0, 6.0], vec![1.0, 2.0, 2.0]];
        let named = two_series(values.clone(), None, true);
        assert!(named.contains(">数字化质量管控 2</text>"), "{named}");
        let plain = two_series(values, None, false);
        assert!(plain.contains(">2</text>") && !plain.contains("数字化质量管控 2"));
    }
}
