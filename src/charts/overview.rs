//! The programme overview's charts: counts as horizontal bars, two-way
//! counts as heat maps, counts per year as trend lines. Every bar, cell and
//! line links to the list of cases it counts.

use super::lines::{self, LineChart, Series, WIDTH};
use super::{coord, fit, text_width, Svg, GRID, MUTED};

const FONT: f64 = 13.0;

/// One bar: a term, how many cases it holds, and the list of them.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub count: usize,
    pub url: String,
}

/// Horizontal bars, each with its label above it and its count at its end
/// (labels of any length fit a phone's width this way).
pub fn bar_chart(id: &str, title: &str, bars: &[Bar]) -> String {
    let row = 40.0;
    let height = (bars.len() as f64 * row).max(row) + 4.0;
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let desc = bars
        .iter()
        .map(|b| format!("{} {} 个", b.label, b.count))
        .collect::<Vec<_>>()
        .join("，");
    let mut svg = Svg::new(id, "chart-bars", (WIDTH, height), true, title, &desc);
    let longest = WIDTH - 44.0;
    for (i, bar) in bars.iter().enumerate() {
        let y = i as f64 * row;
        svg.open_link(&bar.url, &format!("{}：{} 个案例", bar.label, bar.count));
        // The whole row is the link's target, not just the thin bar.
        svg.rect(0.0, y, WIDTH, row - 2.0, "fill=\"#fff\" fill-opacity=\"0\"");
        let label = fit(&bar.label, FONT, WIDTH);
        svg.text(0.0, y + 15.0, &format!("font-size=\"{FONT}\""), &label);
        let w = (bar.count as f64 / max * longest).max(if bar.count > 0 { 3.0 } else { 0.0 });
        svg.rect(0.0, y + 21.0, w, 14.0, "fill=\"#b3261e\" rx=\"2\"");
        svg.text(
            w + 6.0,
            y + 33.0,
            &format!("font-size=\"{FONT}\" font-weight=\"700\""),
            &bar.count.to_string(),
        );
        svg.close_link();
    }
    svg.finish()
}

/// A heat map cell: its count and the list it links to.
#[derive(Clone, Debug)]
pub struct Cell {
    pub count: usize,
    pub url: String,
}

/// Counts of `rows` × `columns`. Row labels sit on the left; column labels
/// are written top to bottom (Chinese reads well that way), so many
/// columns fit a phone. Shade and the printed count say the same thing.
pub fn heat_map(
    id: &str,
    title: &str,
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Cell>],
) -> String {
    const MAX_COLUMN_CHARS: usize = 10;
    let label_width = rows
        .iter()
        .map(|r| text_width(r, FONT))
        .fold(0.0, f64::max)
        .min(WIDTH * 0.4)
        + 8.0;
    let column_chars = columns
        .iter()
        .map(|c| c.chars().count().min(MAX_COLUMN_CHARS))
        .max()
        .unwrap_or(1);
    let header = column_chars as f64 * 14.0 + 8.0;
    let cell_w = ((WIDTH - label_width) / columns.len().max(1) as f64).clamp(24.0, 64.0);
    let width = (label_width + cell_w * columns.len() as f64).max(WIDTH);
    let cell_h = 30.0;
    let height = header + cell_h * rows.len() as f64 + 2.0;
    let max = cells
        .iter()
        .flatten()
        .map(|c| c.count)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut desc = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        for (c, column) in columns.iter().enumerate() {
            let count = cells.get(r).and_then(|cs| cs.get(c)).map_or(0, |c| c.count);
            if count > 0 {
                desc.push(format!("{row} × {column}：{count} 个"));
            }
        }
    }
    let mut svg = Svg::new(
        id,
        "chart-heat",
        (width, height),
        true,
        title,
        &desc.join("，"),
    );
    for (c, column) in columns.iter().enumerate() {
        let x = label_width + cell_w * (c as f64 + 0.5);
        let mut chars: Vec<char> = column.chars().collect();
        if chars.len() > MAX_COLUMN_CHARS {
            chars.truncate(MAX_COLUMN_CHARS - 1);
            chars.push('…');
        }
        let mut spans = String::new();
        for (k, ch) in chars.iter().enumerate() {
            spans.push_str(&format!(
                "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                coord(x),
                coord(14.0 + 14.0 * k as f64),
                super::escape(&ch.to_string())
            ));
        }
        svg.raw(&format!(
            "<text text-anchor=\"middle\" font-size=\"12\" fill=\"{MUTED}\" aria-label=\"{}\">{spans}</text>",
            super::escape(column)
        ));
    }
    for (r, row) in rows.iter().enumerate() {
        let y = header + cell_h * r as f64;
        svg.text(
            0.0,
            y + cell_h / 2.0 + 5.0,
            &format!("font-size=\"{FONT}\""),
            &fit(row, FONT, label_width - 8.0),
        );
        for (c, column) in columns.iter().enumerate() {
            let x = label_width + cell_w * c as f64;
            let cell = cells.get(r).and_then(|cs| cs.get(c));
            let count = cell.map_or(0, |c| c.count);
            if count == 0 {
                svg.rect(
                    x + 1.0,
                    y + 1.0,
                    cell_w - 2.0,
                    cell_h - 2.0,
                    &format!("fill=\"#fff\" stroke=\"{GRID}\""),
                );
                continue;
            }
            let t = count as f64 / max;
            let label = format!("{row} × {column}：{count} 个案例");
            svg.open_link(&cell.map(|c| c.url.clone()).unwrap_or_default(), &label);
            svg.rect(
                x + 1.0,
                y + 1.0,
                cell_w - 2.0,
                cell_h - 2.0,
                &format!("fill=\"{}\" stroke=\"{GRID}\"", shade(t)),
            );
            // Dark cells get white text; both ways stay ≥ 4.5:1.
            let ink = if t > 0.68 { "#fff" } else { "#1f1f1f" };
            svg.text(
                x + cell_w / 2.0,
                y + cell_h / 2.0 + 5.0,
                &format!("text-anchor=\"middle\" font-weight=\"700\" fill=\"{ink}\""),
                &count.to_string(),
            );
            svg.close_link();
        }
    }
    svg.finish()
}

/// From the theme's pale accent tint (few) to its dark accent ink (most).
fn shade(t: f64) -> String {
    let (from, to) = ([0xfb, 0xef, 0xed], [0x8c, 0x1d, 0x17]);
    let mix = |i: usize| {
        let v = from[i] as f64 + (to[i] as f64 - from[i] as f64) * t.clamp(0.0, 1.0);
        v.round() as u8
    };
    format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2))
}

/// One line of the trend chart: a term's count per year.
#[derive(Clone, Debug)]
pub struct Trend {
    pub name: String,
    pub counts: Vec<usize>,
    pub url: String,
}

/// Counts per year, one line per term (plus their total), each line
/// linking to its term and each year to its year list.
pub fn trend_chart(
    id: &str,
    title: &str,
    years: &[i64],
    year_urls: Vec<String>,
    trends: &[Trend],
) -> String {
    let desc = trends
        .iter()
        .map(|t| {
            let per_year: Vec<String> = years
                .iter()
                .zip(&t.counts)
                .map(|(y, c)| format!("{y}年 {c} 个"))
                .collect();
            format!("{}：{}", t.name, per_year.join("，"))
        })
        .collect::<Vec<_>>()
        .join("；");
    let series = trends
        .iter()
        .enumerate()
        .map(|(i, t)| Series {
            name: t.name.clone(),
            values: t.counts.iter().map(|c| *c as f64).collect(),
            label_points: i == 0,
            href: Some(t.url.clone()),
        })
        .collect();
    let label = |v: f64| crate::text::format_number(v);
    lines::draw(&LineChart {
        id,
        class: "chart-trend",
        title,
        desc: &desc,
        header: "案例数（个）",
        years,
        year_links: Some(year_urls),
        series,
        label: &label,
        from_zero: true,
        ceiling: None,
        name_ends: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars() -> Vec<Bar> {
        vec![
            Bar {
                label: "集成电路".into(),
                count: 3,
                url: "/industries/ic/".into(),
            },
            Bar {
                label: "A&B <x>".into(),
                count: 1,
                url: "/industries/a?b=1&c=2".into(),
            },
        ]
    }

    #[test]
    fn bars_link_to_their_lists_and_show_counts() {
        let svg = bar_chart("bars", "按行业", &bars());
        assert!(svg.contains("<a href=\"/industries/ic/\" aria-label=\"集成电路：3 个案例\">"));
        assert!(svg.contains("href=\"/industries/a?b=1&amp;c=2\""));
        assert!(svg.contains("A&amp;B &lt;x&gt;"));
        assert!(svg.contains(">3</text>") && svg.contains(">1</text>"));
    }

    #[test]
    fn heat_map_shades_and_labels_cells() {
        let cells = vec![
            vec![
                Cell {
                    count: 4,
                    url: "/a/#x".into(),
                },
                Cell {
                    count: 0,
                    url: "/a/#y".into(),
                },
            ],
            vec![
                Cell {
                    count: 1,
                    url: "/b/#x".into(),
                },
                Cell {
                    count: 2,
                    url: "/b/#y".into(),
                },
            ],
        ];
        let svg = heat_map(
            "heat",
            "重点 × 行业",
            &["甲".into(), "乙".into()],
            &["集成电路".into(), "生物医药".into()],
            &cells,
        );
        assert!(svg.contains("href=\"/a/#x\""));
        assert!(!svg.contains("href=\"/a/#y\""), "empty cells do not link");
        assert!(svg.contains(&format!("fill=\"{}\"", shade(1.0))));
        assert!(svg.contains("甲 × 集成电路：4 个"));
        assert_eq!(shade(0.0), "#fbefed");
        assert_eq!(shade(1.0), "#8c1d17");
    }

    #[test]
    fn trend_links_lines_and_years() {
        let svg = trend_chart(
            "trend",
            "年度趋势",
            &[2022, 2023],
            vec!["/years/2022/".into(), "/years/2023/".into()],
            &[
                Trend {
                    name: "合计".into(),
                    counts: vec![5, 7],
                    url: "/years/".into(),
                },
                Trend {
                    name: "促进产业高质量发展".into(),
                    counts: vec![2, 3],
                    url: "/areas/x/".into(),
                },
            ],
        );
        assert!(svg.contains("href=\"/years/2023/\""));
        assert!(svg.contains("href=\"/areas/x/\""));
        assert!(svg.contains("促进产业高质量发展：2022年 2 个，2023年 3 个"));
    }
}
