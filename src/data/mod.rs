//! Open data: every published case's metadata, abstract and metrics as
//! `data/cases.json` (versioned schema `casebook-cases/1`, described in
//! docs/site-owners.md and by the JSON Schema `data/cases.schema.json`),
//! `data/cases.csv` (UTF-8 with BOM, for Excel) and `data/cases.xlsx` (two
//! sheets: cases, and metrics one row per year), rendered in memory.
//!
//! Only cases whose status is published go in, even in a `--drafts`
//! preview; the model has no private fields to leak. Nothing here depends
//! on the time of the build, so builds stay byte-for-byte reproducible.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use crate::charts;
use crate::content::{Case, Metric, Status};
use crate::site::Site;
use crate::urls;

/// The JSON schema's name and version. Bump the number when a field is
/// removed or changes meaning; adding fields keeps it.
pub const SCHEMA: &str = "casebook-cases/1";

/// The JSON Schema of `cases.json`, published beside it.
pub const JSON_SCHEMA: &str = include_str!("cases.schema.json");

#[derive(Serialize)]
struct Export<'a> {
    schema: &'static str,
    site: &'a str,
    publisher: &'a str,
    base_url: &'a str,
    count: usize,
    cases: Vec<CaseRecord<'a>>,
}

#[derive(Serialize)]
struct Term<'a> {
    name: &'a str,
    slug: &'a str,
}

#[derive(Serialize)]
struct EnterpriseRecord<'a> {
    name: &'a str,
    legal_representative: Option<&'a str>,
    nature: Option<&'a str>,
    founded: Option<&'a str>,
    industry_code: Option<&'a str>,
    website: Option<&'a str>,
}

#[derive(Serialize)]
struct CaseRecord<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    year: i64,
    cohort: Option<&'a str>,
    status: Status,
    date: Option<String>,
    area: Term<'a>,
    industry: Term<'a>,
    district: Option<Term<'a>>,
    enterprise: EnterpriseRecord<'a>,
    recommender: Option<&'a str>,
    methods: &'a [String],
    technologies: &'a [String],
    honors: &'a [String],
    #[serde(rename = "abstract")]
    summary: &'a str,
    headline: Option<String>,
    metrics: &'a [Metric],
}

/// The cases that go into the open data: published ones, in book order.
fn published<'a>(site: &'a Site) -> impl Iterator<Item = &'a Case> {
    site.cases
        .iter()
        .copied()
        .filter(|c| c.status.is_published())
}

fn record<'a>(site: &'a Site, case: &'a Case) -> CaseRecord<'a> {
    let config = site.config;
    let term = |t: &'a crate::config::TermConfig| Term {
        name: &t.name,
        slug: &t.slug,
    };
    let e = &case.enterprise;
    CaseRecord {
        id: &case.id,
        url: site.urls.permalink(&urls::case(&case.id)),
        title: &case.title,
        year: case.year,
        cohort: case.cohort.as_deref(),
        status: case.status,
        date: case.date.map(|d| d.format("%Y-%m-%d").to_string()),
        area: term(&config.priority_areas[case.area]),
        industry: term(&config.industries[case.industry]),
        district: case.district.map(|d| term(&config.districts[d])),
        enterprise: EnterpriseRecord {
            name: &e.name,
            legal_representative: e.legal_representative.as_deref(),
            nature: e.nature.as_deref(),
            founded: e.founded.as_deref(),
            industry_code: e.industry_code.as_deref(),
            website: e.website.as_deref(),
        },
        recommender: case.recommender.as_deref(),
        methods: &case.methods,
        technologies: &case.technologies,
        honors: &case.honors,
        summary: &case.body.summary,
        headline: charts::case_headline(&case.metrics).map(|h| h.text),
        metrics: &case.metrics,
    }
}

/// `data/cases.json`.
pub fn json(site: &Site) -> Vec<u8> {
    let config = &site.config.site;
    let cases: Vec<CaseRecord> = published(site).map(|c| record(site, c)).collect();
    let export = Export {
        schema: SCHEMA,
        site: &config.title,
        publisher: &config.publisher,
        base_url: site.urls.base_url(),
        count: cases.len(),
        cases,
    };
    let mut out = serde_json::to_vec_pretty(&export).expect("plain data serialises");
    out.push(b'\n');
    out
}

/// Columns of the case table, shared by the CSV and the first XLSX sheet.
const CASE_COLUMNS: [&str; 21] = [
    "编号",
    "标题",
    "企业名称",
    "年度",
    "批次",
    "状态",
    "遴选重点",
    "行业",
    "所在区",
    "行业代码",
    "企业性质",
    "成立时间",
    "推荐单位",
    "管理方法",
    "技术",
    "荣誉",
    "日期",
    "网址",
    "摘要",
    "主要成效",
    "指标数",
];

fn case_row(site: &Site, case: &Case) -> Vec<String> {
    let r = record(site, case);
    let opt = |v: Option<&str>| v.unwrap_or_default().to_string();
    vec![
        r.id.to_string(),
        r.title.to_string(),
        r.enterprise.name.to_string(),
        r.year.to_string(),
        opt(r.cohort),
        r.status.label().to_string(),
        r.area.name.to_string(),
        r.industry.name.to_string(),
        opt(r.district.as_ref().map(|d| d.name)),
        opt(r.enterprise.industry_code),
        opt(r.enterprise.nature),
        opt(r.enterprise.founded),
        opt(r.recommender),
        r.methods.join("；"),
        r.technologies.join("；"),
        r.honors.join("；"),
        r.date.unwrap_or_default(),
        r.url,
        r.summary.to_string(),
        r.headline.unwrap_or_default(),
        r.metrics.len().to_string(),
    ]
}

/// `data/cases.csv`: one row per published case, UTF-8 with a BOM so that
/// Excel opens the Chinese text correctly, RFC 4180 quoting.
pub fn csv(site: &Site) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let rows = std::iter::once(CASE_COLUMNS.map(str::to_string).to_vec()).chain(
            published(site).map(|c| case_row(site, c).into_iter().map(defuse_formula).collect()),
        );
        for row in rows {
            writer.write_record(&row).expect("writing to memory");
        }
        writer.flush().expect("writing to memory");
    }
    out
}

/// Spreadsheets run a CSV cell that starts with `=`, `+`, `-` or `@` as a
/// formula: such text gets a leading `'` (Excel shows the text as is).
/// The XLSX stores text as text and needs no such care.
fn defuse_formula(cell: String) -> String {
    let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
        || (cell.starts_with('-') && cell.parse::<f64>().is_err());
    if risky {
        format!("'{cell}")
    } else {
        cell
    }
}

const METRIC_COLUMNS: [&str; 10] = [
    "编号",
    "企业名称",
    "指标",
    "单位",
    "越高越好",
    "年度",
    "本企业",
    "竞争对手",
    "行业标杆",
    "序号",
];

fn header(sheet: &mut Worksheet, columns: &[&str], widths: &[f64]) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    for (c, (name, width)) in columns.iter().zip(widths).enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// `data/cases.xlsx`: sheet 案例 (the CSV's columns) and sheet 指标 (one
/// row per case, metric and year, numbers as numbers), for the editors.
pub fn xlsx(site: &Site) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    // A fixed creation date keeps the file identical from build to build.
    let year = published(site).map(|c| c.year).max().unwrap_or(2000);
    let created = ExcelDateTime::from_ymd(year.clamp(1900, 9999) as u16, 12, 31)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(&site.config.site.title)
            .set_author(&site.config.site.publisher)
            .set_creation_datetime(&created),
    );

    let cases: Vec<&Case> = published(site).collect();
    let sheet = book.add_worksheet();
    sheet.set_name("案例")?;
    let widths = [
        10.0, 40.0, 28.0, 6.0, 10.0, 8.0, 18.0, 12.0, 10.0, 10.0, 12.0, 10.0, 16.0, 20.0, 20.0,
        24.0, 11.0, 36.0, 60.0, 48.0, 6.0,
    ];
    header(sheet, &CASE_COLUMNS, &widths)?;
    for (r, case) in cases.iter().enumerate() {
        let row = (r + 1) as u32;
        for (c, value) in case_row(site, case).iter().enumerate() {
            let c = c as u16;
            match CASE_COLUMNS[c as usize] {
                "年度" | "指标数" => {
                    sheet.write_number(row, c, value.parse().unwrap_or(0.0))?
                }
                _ => sheet.write_string(row, c, value)?,
            };
        }
    }
    sheet.autofilter(0, 0, cases.len() as u32, CASE_COLUMNS.len() as u16 - 1)?;

    let sheet = book.add_worksheet();
    sheet.set_name("指标")?;
    let widths = [10.0, 28.0, 24.0, 8.0, 8.0, 6.0, 10.0, 10.0, 10.0, 6.0];
    header(sheet, &METRIC_COLUMNS, &widths)?;
    let mut row = 0u32;
    for case in &cases {
        for (m, metric) in case.metrics.iter().enumerate() {
            for (i, year) in metric.years.iter().enumerate() {
                row += 1;
                sheet.write_string(row, 0, &case.id)?;
                sheet.write_string(row, 1, &case.enterprise.name)?;
                sheet.write_string(row, 2, &metric.name)?;
                sheet.write_string(row, 3, &metric.unit)?;
                sheet.write_string(
                    row,
                    4,
                    if metric.higher_is_better {
                        "是"
                    } else {
                        "否"
                    },
                )?;
                sheet.write_number(row, 5, *year as f64)?;
                for (c, series) in [&metric.values, &metric.competitor, &metric.benchmark]
                    .into_iter()
                    .enumerate()
                {
                    if let Some(v) = series.get(i).filter(|v| v.is_finite()) {
                        sheet.write_number(row, 6 + c as u16, *v)?;
                    }
                }
                sheet.write_number(row, 9, (m + 1) as f64)?;
            }
        }
    }
    sheet.autofilter(0, 0, row, METRIC_COLUMNS.len() as u16 - 1)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(
            defuse_formula("=HYPERLINK(\"x\")".into()),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(defuse_formula("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(defuse_formula("+86 21".into()), "'+86 21");
        assert_eq!(defuse_formula("-x".into()), "'-x");
        assert_eq!(defuse_formula("-3".into()), "-3");
        assert_eq!(defuse_formula("上海".into()), "上海");
    }
}
