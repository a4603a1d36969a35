//! `/overview/`: the programme in charts (each a pure function of counts,
//! from `charts::overview`), every chart linking to the lists it counts,
//! and the open data downloads.

use serde::Serialize;

use super::views::Views;
use super::Renderer;
use crate::diagnostics::Diagnostic;
use crate::output::OutputFile;
use crate::taxonomy::TaxonomyKind;
use crate::urls;

/// One chart of the overview page.
#[derive(Serialize)]
struct OverviewChart {
    id: &'static str,
    title: String,
    hint: Option<&'static str>,
    svg: String,
    /// Every number of the chart, in words.
    caption: String,
    list_url: Option<String>,
    list_label: String,
}

#[derive(Serialize)]
struct OpenDataLinks {
    count: usize,
    schema: &'static str,
    json: String,
    json_schema: String,
    csv: String,
    xlsx: String,
}

/// Methods shown on the overview (the most used).
const OVERVIEW_METHODS: usize = 10;

impl Renderer<'_> {
    /// `/overview/`: the programme in charts, each linking to the lists it
    /// counts, and the open data downloads.
    pub(super) fn overview(&self) -> Result<OutputFile, Diagnostic> {
        use crate::charts::overview::{bar_chart, heat_map, trend_chart, Bar, Cell, Trend};
        let site = self.views.site;
        let views = &self.views;
        let term_url = |kind: TaxonomyKind, term: &crate::taxonomy::Term| {
            views.url(&Views::term_path(kind, term))
        };
        let bars_of = |kind: TaxonomyKind, terms: &[&crate::taxonomy::Term]| -> Vec<Bar> {
            terms
                .iter()
                .map(|t| Bar {
                    label: t.name.clone(),
                    count: t.cases.len(),
                    url: term_url(kind, t),
                })
                .collect()
        };
        let used = |kind: TaxonomyKind| -> Vec<&crate::taxonomy::Term> {
            site.taxonomy(kind)
                .terms
                .iter()
                .filter(|t| !t.cases.is_empty())
                .collect()
        };
        let describe = |bars: &[Bar]| {
            bars.iter()
                .map(|b| format!("{} {} 个", b.label, b.count))
                .collect::<Vec<_>>()
                .join("，")
        };
        let mut charts = Vec::new();
        let mut bars_section = |id: &'static str,
                                kind: TaxonomyKind,
                                title: String,
                                terms: Vec<&crate::taxonomy::Term>| {
            let bars = bars_of(kind, &terms);
            if bars.is_empty() {
                return;
            }
            charts.push(OverviewChart {
                id,
                svg: bar_chart(id, &title, &bars),
                caption: format!("{title}：{}", describe(&bars)),
                title,
                hint: None,
                list_url: Some(self.views.taxonomy(kind).url),
                list_label: format!("全部{}", kind.label()),
            });
        };
        bars_section(
            "by-area",
            TaxonomyKind::Area,
            "按遴选重点统计".into(),
            used(TaxonomyKind::Area),
        );
        bars_section(
            "by-industry",
            TaxonomyKind::Industry,
            "按行业统计".into(),
            used(TaxonomyKind::Industry),
        );
        bars_section(
            "by-district",
            TaxonomyKind::District,
            "按区统计".into(),
            used(TaxonomyKind::District),
        );
        let mut years = used(TaxonomyKind::Year);
        years.sort_by(|a, b| a.slug.cmp(&b.slug));
        bars_section(
            "by-year",
            TaxonomyKind::Year,
            "按年度统计".into(),
            years.clone(),
        );

        // Area × industry: industries down (there are many), areas across.
        let areas = used(TaxonomyKind::Area);
        let industries = used(TaxonomyKind::Industry);
        let shared =
            |a: &[usize], b: &[usize]| a.iter().filter(|i| b.binary_search(i).is_ok()).count();
        if !areas.is_empty() {
            let group_urls: Vec<_> = areas
                .iter()
                .map(|area| self.group_urls(TaxonomyKind::Area, area))
                .collect();
            let cells: Vec<Vec<Cell>> = industries
                .iter()
                .map(|industry| {
                    areas
                        .iter()
                        .zip(&group_urls)
                        .map(|(area, urls)| Cell {
                            count: shared(&area.cases, &industry.cases),
                            url: urls
                                .get(&industry.slug)
                                .cloned()
                                .unwrap_or_else(|| term_url(TaxonomyKind::Area, area)),
                        })
                        .collect()
                })
                .collect();
            let title = "遴选重点 × 行业".to_string();
            let svg = heat_map(
                "area-industry",
                &title,
                &industries
                    .iter()
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>(),
                &areas.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                &cells,
            );
            charts.push(OverviewChart {
                id: "area-industry",
                caption: format!("{title}：格中数字为案例数，颜色越深案例越多"),
                title,
                hint: Some(
                    "每行一个行业，每列一个遴选重点；点击格子查看该遴选重点下这一行业的案例。",
                ),
                svg,
                list_url: None,
                list_label: String::new(),
            });
        }

        // Trends: cases per year in all and per area, oldest year first.
        if !years.is_empty() {
            let year_numbers: Vec<i64> = years.iter().filter_map(|t| t.slug.parse().ok()).collect();
            let per_year = |cases: &[usize]| -> Vec<usize> {
                years.iter().map(|y| shared(cases, &y.cases)).collect()
            };
            let all: Vec<usize> = (0..site.cases.len()).collect();
            let mut trends = vec![Trend {
                name: "合计".into(),
                counts: per_year(&all),
                url: self.views.taxonomy(TaxonomyKind::Year).url,
            }];
            trends.extend(areas.iter().map(|a| Trend {
                name: a.name.clone(),
                counts: per_year(&a.cases),
                url: term_url(TaxonomyKind::Area, a),
            }));
            let title = "历年趋势".to_string();
            let svg = trend_chart(
                "trend",
                &title,
                &year_numbers,
                years
                    .iter()
                    .map(|y| term_url(TaxonomyKind::Year, y))
                    .collect(),
                &trends,
            );
            let caption = trends
                .iter()
                .map(|t| {
                    let counts: Vec<String> = year_numbers
                        .iter()
                        .zip(&t.counts)
                        .map(|(y, c)| format!("{y}年 {c} 个"))
                        .collect();
                    format!("{}：{}", t.name, counts.join("，"))
                })
                .collect::<Vec<_>>()
                .join("；");
            charts.push(OverviewChart {
                id: "trend",
                title,
                hint: Some("每年入选的案例数，合计及各遴选重点；点击年份或线条查看相应案例。"),
                svg,
                caption,
                list_url: Some(self.views.taxonomy(TaxonomyKind::Year).url),
                list_label: "全部年度".into(),
            });
        }

        // The methods most used, and in which industries.
        let mut methods = used(TaxonomyKind::Method);
        methods.sort_by_key(|m| std::cmp::Reverse(m.cases.len()));
        methods.truncate(OVERVIEW_METHODS);
        if !methods.is_empty() {
            let bars = bars_of(TaxonomyKind::Method, &methods);
            let title = "最常用的管理方法".to_string();
            charts.push(OverviewChart {
                id: "methods",
                svg: bar_chart("methods", &title, &bars),
                caption: format!("{title}：{}", describe(&bars)),
                title,
                hint: None,
                list_url: Some(self.views.taxonomy(TaxonomyKind::Method).url),
                list_label: "全部管理方法".into(),
            });
            let method_industries: Vec<&crate::taxonomy::Term> = industries
                .iter()
                .copied()
                .filter(|i| methods.iter().any(|m| shared(&m.cases, &i.cases) > 0))
                .collect();
            let cells: Vec<Vec<Cell>> = methods
                .iter()
                .map(|m| {
                    method_industries
                        .iter()
                        .map(|i| Cell {
                            count: shared(&m.cases, &i.cases),
                            url: term_url(TaxonomyKind::Method, m),
                        })
                        .collect()
                })
                .collect();
            let title = "管理方法 × 行业".to_string();
            let svg = heat_map(
                "method-industry",
                &title,
                &methods.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
                &method_industries
                    .iter()
                    .map(|t| t.name.clone())
                    .collect::<Vec<_>>(),
                &cells,
            );
            charts.push(OverviewChart {
                id: "method-industry",
                caption: format!("{title}：格中数字为用到该方法的案例数"),
                title,
                hint: Some("常用管理方法在哪些行业得到应用；点击格子查看用到该方法的案例。"),
                svg,
                list_url: None,
                list_label: String::new(),
            });
        }

        let mut context = self.context("overview/");
        context.insert("charts", &charts);
        context.insert(
            "data",
            &OpenDataLinks {
                count: site
                    .cases
                    .iter()
                    .filter(|c| c.status.is_published())
                    .count(),
                schema: crate::data::SCHEMA,
                json: self.views.url(urls::DATA_JSON),
                json_schema: self.views.url(urls::DATA_SCHEMA),
                csv: self.views.url(urls::DATA_CSV),
                xlsx: self.views.url(urls::DATA_XLSX),
            },
        );
        self.render("overview.html", "overview/index.html".to_string(), &context)
    }
}
