//! A case metric as a chart (the case's values over the years beside the
//! competitor and the industry benchmark) and as a headline figure
//! ("一次合格率 97.2% → 99.1%（+1.9个百分点），领先行业标杆 0.7个百分点").

use serde::Serialize;

use super::lines::{self, LineChart, Series};
use super::with_unit;
use crate::content::Metric;
use crate::text::format_number;

pub const OWN: &str = "本企业";
pub const COMPETITOR: &str = "竞争对手";
pub const BENCHMARK: &str = "行业标杆";

/// A metric's chart and the caption that goes with it. The compilation
/// numbers the caption (图1 …); the case page shows it as is.
#[derive(Clone, Debug, Serialize)]
pub struct MetricFigure {
    /// Inline SVG markup (no XML declaration), safe to embed in HTML.
    pub svg: String,
    /// "原液批次一次放行合格率（%），2019—2021年，与竞争对手和行业标杆对比（越高越好）".
    pub caption: String,
}

fn direction(metric: &Metric) -> &'static str {
    if metric.higher_is_better {
        "越高越好"
    } else {
        "越低越好"
    }
}

fn value_text(value: f64, unit: &str) -> String {
    with_unit(&format_number(value), unit)
}

/// The caption of a metric's chart.
pub fn caption(metric: &Metric) -> String {
    let unit = if metric.unit.is_empty() {
        String::new()
    } else {
        format!("（{}）", metric.unit)
    };
    let span = match (metric.years.first(), metric.years.last()) {
        (Some(a), Some(b)) if a != b => format!("，{a}—{b}年"),
        (Some(a), _) => format!("，{a}年"),
        _ => String::new(),
    };
    let against = match (metric.competitor.is_empty(), metric.benchmark.is_empty()) {
        (false, false) => "，与竞争对手和行业标杆对比",
        (false, true) => "，与竞争对手对比",
        (true, false) => "，与行业标杆对比",
        (true, true) => "",
    };
    format!(
        "{}{unit}{span}{against}（{}）",
        metric.name,
        direction(metric)
    )
}

/// Every value in words, for the SVG's description (what a screen reader
/// reads out), e.g. "本企业：2019年 93.5%，2020年 96.2%……".
fn description(metric: &Metric) -> String {
    let mut parts = Vec::new();
    for (name, series) in series_of(metric) {
        let values: Vec<String> = metric
            .years
            .iter()
            .zip(series)
            .map(|(y, v)| {
                if v.is_finite() {
                    format!("{y}年 {}", value_text(*v, &metric.unit))
                } else {
                    format!("{y}年 无数据")
                }
            })
            .collect();
        parts.push(format!("{name}：{}", values.join("，")));
    }
    format!("{}。{}。", direction(metric), parts.join("；"))
}

fn series_of(metric: &Metric) -> Vec<(&'static str, &[f64])> {
    let mut series = vec![(OWN, metric.values.as_slice())];
    if !metric.competitor.is_empty() {
        series.push((COMPETITOR, metric.competitor.as_slice()));
    }
    if !metric.benchmark.is_empty() {
        series.push((BENCHMARK, metric.benchmark.as_slice()));
    }
    series
}

/// The chart of `metric`. `id` must be unique on the page that shows it
/// (e.g. `m-2022-002-1`): the SVG's title and description ids derive from it.
pub fn metric_figure(metric: &Metric, id: &str) -> MetricFigure {
    let caption = caption(metric);
    let desc = description(metric);
    let unit = &metric.unit;
    let header = format!(
        "{}{}{}",
        if unit.is_empty() {
            String::new()
        } else {
            format!("单位：{unit}　")
        },
        direction(metric),
        if metric.higher_is_better {
            " ↑"
        } else {
            " ↓"
        }
    );
    let label = |v: f64| value_text(v, unit);
    let series = series_of(metric)
        .into_iter()
        .map(|(name, values)| Series {
            name: name.to_string(),
            values: values.to_vec(),
            label_points: name == OWN,
            href: None,
        })
        .collect();
    let svg = lines::draw(&LineChart {
        id,
        class: "chart-metric",
        title: &caption,
        desc: &desc,
        header: &header,
        years: &metric.years,
        year_links: None,
        series,
        label: &label,
        from_zero: false,
        ceiling: (unit == "%").then_some(100.0),
        name_ends: false,
    });
    MetricFigure { svg, caption }
}

/// The charts of every metric of a case, in order, with the ids the case
/// page uses (`chart-{case id}-{n}`, n from 1): what the compilation embeds
/// and numbers as figures.
pub fn case_figures(case_id: &str, metrics: &[Metric]) -> Vec<MetricFigure> {
    metrics
        .iter()
        .enumerate()
        .map(|(i, m)| metric_figure(m, &chart_id(case_id, i + 1)))
        .collect()
}

/// The id of a case's `number`th metric chart (from 1).
pub fn chart_id(case_id: &str, number: usize) -> String {
    format!("chart-{case_id}-{number}")
}

/// A metric's change over its years, and where its last year stands
/// against the benchmark (or the competitor, when there is no benchmark).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Headline {
    pub metric: String,
    pub unit: String,
    pub from_year: i64,
    pub to_year: i64,
    pub from: f64,
    pub to: f64,
    /// `to - from`.
    pub change: f64,
    /// The change went the better way (`higher_is_better`).
    pub improved: bool,
    /// `行业标杆` or `竞争对手`, with the last year's gap (`to - theirs`)
    /// and whether the case is ahead.
    pub versus: Option<Versus>,
    /// The whole figure as one line of text.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Versus {
    pub against: &'static str,
    pub gap: f64,
    pub ahead: bool,
}

/// A difference in the metric's unit: percentages differ in 个百分点.
fn amount(value: f64, unit: &str) -> String {
    let n = format_number(value);
    if unit == "%" {
        format!("{n}个百分点")
    } else {
        with_unit(&n, unit)
    }
}

/// Differences of numbers read from the content (98.8 − 93.5) come out as
/// 5.299999…: round to the precision the inputs were written with.
fn difference(a: f64, b: f64) -> f64 {
    let decimals = |v: f64| {
        let s = format_number(v);
        s.split_once('.').map_or(0, |(_, d)| d.len())
    };
    let places = decimals(a).max(decimals(b)) as i32;
    let scale = 10f64.powi(places);
    let rounded = ((a - b) * scale).round() / scale;
    // Past 1e304 the scaled difference overflows; the raw one is as good.
    if rounded.is_finite() {
        rounded
    } else {
        a - b
    }
}

/// The headline figure of one metric: first year → last year, and the last
/// year against the benchmark. `None` with fewer than two usable years.
pub fn headline(metric: &Metric) -> Option<Headline> {
    let usable: Vec<usize> = (0..metric.years.len().min(metric.values.len()))
        .filter(|&i| metric.values[i].is_finite())
        .collect();
    let (&first, &last) = (usable.first()?, usable.last()?);
    if first == last {
        return None;
    }
    let (from, to) = (metric.values[first], metric.values[last]);
    let change = difference(to, from);
    if !change.is_finite() {
        // Only values past content's bound (`content::METRIC_VALUE_LIMIT`)
        // can get here: no headline rather than "inf".
        return None;
    }
    let improved = if metric.higher_is_better {
        change > 0.0
    } else {
        change < 0.0
    };
    let versus = [
        (BENCHMARK, &metric.benchmark),
        (COMPETITOR, &metric.competitor),
    ]
    .into_iter()
    .find_map(|(against, series)| {
        let theirs = *series.get(last)?;
        let gap = difference(to, theirs);
        gap.is_finite().then_some(Versus {
            against,
            gap,
            ahead: if metric.higher_is_better {
                gap > 0.0
            } else {
                gap < 0.0
            },
        })
    });
    let unit = &metric.unit;
    let sign = if change > 0.0 {
        "+"
    } else if change < 0.0 {
        "−"
    } else {
        "±"
    };
    let mut text = format!(
        "{} {} → {}（{sign}{}）",
        metric.name,
        value_text(from, unit),
        value_text(to, unit),
        amount(change.abs(), unit)
    );
    if let Some(v) = &versus {
        if v.gap == 0.0 {
            text.push_str(&format!("，与{}持平", v.against));
        } else {
            let word = if v.ahead { "领先" } else { "落后" };
            text.push_str(&format!(
                "，{word}{} {}",
                v.against,
                amount(v.gap.abs(), unit)
            ));
        }
    }
    Some(Headline {
        metric: metric.name.clone(),
        unit: unit.clone(),
        from_year: metric.years[first],
        to_year: metric.years[last],
        from,
        to,
        change,
        improved,
        versus,
        text,
    })
}

/// The headline figure of a case: that of its first metric with two usable
/// years (write-ups list their main indicator first).
pub fn case_headline(metrics: &[Metric]) -> Option<Headline> {
    metrics.iter().find_map(headline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(higher: bool, values: &[f64], competitor: &[f64], benchmark: &[f64]) -> Metric {
        Metric {
            name: "一次合格率".into(),
            unit: "%".into(),
            higher_is_better: higher,
            years: (2019..2019 + values.len() as i64).collect(),
            values: values.to_vec(),
            competitor: competitor.to_vec(),
            benchmark: benchmark.to_vec(),
        }
    }

    #[test]
    fn headline_of_a_rising_rate() {
        let h = headline(&metric(true, &[97.2, 98.0, 99.1], &[], &[97.5, 98.0, 98.4])).unwrap();
        assert_eq!(
            h.text,
            "一次合格率 97.2% → 99.1%（+1.9个百分点），领先行业标杆 0.7个百分点"
        );
        assert!(h.improved);
        assert_eq!(h.change, 1.9);
        assert_eq!(
            h.versus,
            Some(Versus {
                against: BENCHMARK,
                gap: 0.7,
                ahead: true
            })
        );
    }

    #[test]
    fn headline_when_lower_is_better() {
        let mut m = metric(false, &[42.0, 29.0, 18.0], &[38.0, 35.0, 31.0], &[]);
        m.name = "偏差平均关闭周期".into();
        m.unit = "天".into();
        let h = headline(&m).unwrap();
        assert_eq!(
            h.text,
            "偏差平均关闭周期 42天 → 18天（−24天），领先竞争对手 13天"
        );
        assert!(h.improved);
        let worse = headline(&metric(false, &[1.0, 2.5], &[], &[2.0, 2.0])).unwrap();
        assert!(!worse.improved);
        assert!(
            worse.text.ends_with("落后行业标杆 0.5个百分点"),
            "{}",
            worse.text
        );
    }

    #[test]
    fn headline_needs_two_years() {
        assert_eq!(headline(&metric(true, &[97.2], &[], &[])), None);
        assert_eq!(headline(&metric(true, &[f64::NAN, 97.2], &[], &[])), None);
        let flat = headline(&metric(true, &[99.0, 99.0], &[], &[99.0, 99.0])).unwrap();
        assert_eq!(
            flat.text,
            "一次合格率 99% → 99%（±0个百分点），与行业标杆持平"
        );
    }

    #[test]
    fn chart_holds_every_value_and_the_unit() {
        let m = metric(
            true,
            &[93.5, 96.2, 98.8],
            &[94.0, 95.1, 96.3],
            &[95.5, 96.5, 97.5],
        );
        let figure = metric_figure(&m, "m-1");
        for v in [
            "93.5%", "96.2%", "98.8%", "94%", "95.1%", "96.3%", "95.5%", "96.5%", "97.5%",
        ] {
            assert!(figure.svg.contains(v), "{v} missing from {}", figure.svg);
        }
        assert!(figure.svg.contains("单位：%"));
        assert!(figure.svg.contains("越高越好"));
        assert!(figure.svg.contains("viewBox=\"0 0 360 240\""));
        assert!(
            !figure.svg.contains("width=\"360\""),
            "no fixed pixel width"
        );
        assert_eq!(
            figure.caption,
            "一次合格率（%），2019—2021年，与竞争对手和行业标杆对比（越高越好）"
        );
    }

    #[test]
    fn case_figures_use_the_case_page_ids() {
        let metrics = [
            metric(true, &[1.0, 2.0], &[], &[]),
            metric(false, &[3.0, 2.0], &[], &[]),
        ];
        let figures = case_figures("2022-002", &metrics);
        assert_eq!(figures.len(), 2);
        assert!(figures[1]
            .svg
            .contains("aria-labelledby=\"chart-2022-002-2-title chart-2022-002-2-desc\""));
        assert!(figures[1].caption.ends_with("（越低越好）"));
    }

    #[test]
    fn chart_escapes_content_text() {
        let mut m = metric(true, &[1.0, 2.0], &[], &[]);
        m.name = "<script>&\"x\"".into();
        m.unit = "<b>".into();
        let figure = metric_figure(&m, "m\"><x");
        assert!(!figure.svg.contains("<script>"));
        assert!(!figure.svg.contains("<b>"));
        assert!(figure.svg.contains("&lt;script&gt;&amp;&quot;x&quot;"));
        assert!(figure.svg.contains("aria-labelledby=\"mx-title mx-desc\""));
    }

    #[test]
    fn chart_survives_odd_data() {
        for m in [
            metric(true, &[5.0], &[], &[]),
            metric(false, &[0.0, 0.0, 0.0], &[0.0, 0.0, 0.0], &[]),
            metric(true, &[f64::NAN, 1e12, -3.0], &[], &[]),
            metric(true, &[], &[], &[]),
        ] {
            let svg = metric_figure(&m, "x").svg;
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
    }

    /// Any finite values, in any mix (the ends of f64's range beside
    /// subnormals and zeros), draw a chart without NaN or infinity and give
    /// a headline or none, never a panic: `1e308` with `-1e308` did.
    #[test]
    fn chart_and_headline_are_total_for_any_finite_values() {
        let grid = crate::charts::tests::hostile_numbers();
        for (i, &a) in grid.iter().enumerate() {
            for &b in &grid {
                let c = grid[(i * 7 + 3) % grid.len()];
                for m in [
                    metric(true, &[a, b], &[b, a], &[c, c]),
                    metric(false, &[a, b, c], &[], &[a, a, a]),
                    metric(true, &[a], &[b], &[c]),
                ] {
                    let svg = metric_figure(&m, "x").svg;
                    assert!(svg.ends_with("</svg>"));
                    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{a:e} {b:e}");
                    if let Some(h) = case_headline(std::slice::from_ref(&m)) {
                        assert!(h.change.is_finite() && !h.text.contains("inf"));
                    }
                }
            }
        }
    }

    #[test]
    fn headline_reads_the_years_in_order() {
        // Valid (increasing) years: 2019 → 2021 is the first → last value.
        let m = metric(true, &[90.0, 95.0, 99.0], &[], &[]);
        let h = headline(&m).unwrap();
        assert_eq!((h.from_year, h.to_year), (2019, 2021));
        assert!(h.improved && h.change > 0.0, "{}", h.text);
    }

    #[test]
    fn chart_survives_odd_data_in_every_chart() {
        for m in [
            metric(true, &[1e308, -1e308], &[], &[]),
            metric(true, &[f64::MAX, f64::MIN, 0.0], &[], &[]),
        ] {
            let svg = metric_figure(&m, "x").svg;
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
    }
}
