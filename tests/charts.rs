//! Charts, headline figures, the overview page and the open data, checked
//! on built sites: the example site (every case has metrics) and the basic
//! fixture (with a draft and a rejected case, and private fields).
//!
//! SVGs are cut out of the pages exactly as written and parsed as XML
//! (roxmltree); the data files are read back with the `csv` crate and
//! calamine, and compared with the case pages and the content.

mod common;

use std::collections::BTreeSet;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::*;
use serde_json::Value;

/// Strings only in the basic fixture's draft (2024-001) and rejected
/// (2024-002) cases, and in its `private` fields.
const LEAK_MARKERS: &[&str] = &[
    "zqxdraft",
    "zqxreject",
    "待审案例",
    "待审正文",
    "未入选案例",
    "未入选正文",
    "2024-001",
    "2024-002",
    "zqxpriv",
    "保密备注",
];

/// Every `<svg …>…</svg>` in `html`, as written (charts do not nest SVGs).
fn svgs(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("unclosed <svg>") + start + 6;
        found.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    found
}

fn chart_svgs(html: &str) -> Vec<String> {
    svgs(html)
        .into_iter()
        .filter(|s| s.contains("class=\"chart "))
        .collect()
}

/// All text of an SVG (labels, title, description, tooltips), parsed as
/// XML; fails on anything that is not well-formed.
fn svg_text(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(root.attribute("viewBox").is_some(), "no viewBox: {svg}");
    assert_eq!(root.attribute("width"), None, "fixed width: {svg}");
    assert_eq!(root.attribute("height"), None, "fixed height: {svg}");
    // A chart with links is a group (an img may not hold links).
    let linked = doc.descendants().any(|n| n.has_tag_name("a"));
    let role = if linked { "group" } else { "img" };
    assert_eq!(root.attribute("role"), Some(role), "{svg}");
    for id in root.attribute("aria-labelledby").unwrap().split(' ') {
        assert!(
            doc.descendants().any(|n| n.attribute("id") == Some(id)),
            "aria-labelledby names a missing id {id}"
        );
    }
    doc.descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Visible labels only (`<text>` content).
fn svg_labels(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.descendants().filter_map(|t| t.text()).collect::<String>())
        .collect()
}

fn json(built: &Built) -> Value {
    serde_json::from_str(&built.read("data/cases.json")).expect("data/cases.json parses")
}

/// Ids of the case pages in a build.
fn case_page_ids(built: &Built) -> BTreeSet<String> {
    built
        .files()
        .keys()
        .filter_map(|p| {
            let id = p.strip_prefix("cases/")?.strip_suffix("/index.html")?;
            (!id.contains('/')).then(|| id.to_string())
        })
        .collect()
}

fn number_list(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_f64().unwrap())
        .collect()
}

/// Units of the example site written after a space (they begin with a
/// Latin letter); every other unit there follows the number directly.
/// Written out by hand: a new unit must be added to one list.
const SPACED_UNITS: &[&str] = &["ppm", "kgce/t", "kgCO2e/t"];
const JOINED_UNITS: &[&str] = &[
    "",
    "%",
    "‰",
    "分",
    "次/台·年",
    "次/千台",
    "工作日",
    "天",
    "分钟",
    "万CFU/mL",
];

/// A number as the editor wrote it, with trailing zeros of its decimals
/// dropped (`87.0` → `87`, `0.30` → `0.3`), and its unit.
fn label(written: &str, unit: &str) -> String {
    let number = if written.contains('.') {
        written.trim_end_matches('0').trim_end_matches('.')
    } else {
        written
    };
    if SPACED_UNITS.contains(&unit) {
        format!("{number} {unit}")
    } else {
        assert!(JOINED_UNITS.contains(&unit), "unit {unit:?} in no list");
        format!("{number}{unit}")
    }
}

/// The numbers of each metric's `series` (`values`, `competitor`,
/// `benchmark`) as written in the case's Markdown front matter, metric by
/// metric (an empty list where the series is absent).
fn written_series(id: &str, series: &str) -> Vec<Vec<String>> {
    let year = &id[..4];
    let dir = repo_root().join("content/cases").join(year);
    let text = std::fs::read_to_string(dir.join(format!("{id}.md")))
        .or_else(|_| std::fs::read_to_string(dir.join(id).join("index.md")))
        .unwrap();
    let front = text.split("\n---").next().unwrap();
    let metrics = front.split_once("\nmetrics:").map_or("", |(_, m)| m);
    let metrics = metrics.split("\n  - ").skip(1);
    metrics
        .map(|metric| {
            metric
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{series}:")))
                .map(|list| {
                    let list = list.trim().trim_start_matches('[').trim_end_matches(']');
                    list.split(',').map(|n| n.trim().to_string()).collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

// ------------------------------------------------------------------ charts

#[test]
fn every_metric_has_a_chart_with_every_value_and_its_unit() {
    let built = example();
    let data = json(built);
    let mut charts = 0;
    for case in data["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let html = built.read(&format!("cases/{id}/index.html"));
        let svgs = chart_svgs(&html);
        let metrics = case["metrics"].as_array().unwrap();
        assert_eq!(svgs.len(), metrics.len(), "{id}: one chart per metric");
        for (m, (svg, metric)) in svgs.iter().zip(metrics).enumerate() {
            charts += 1;
            let text = svg_text(svg);
            let labels = svg_labels(svg).join("\n");
            let name = metric["name"].as_str().unwrap();
            let unit = metric["unit"].as_str().unwrap();
            assert!(text.contains(name), "{id}: {name} not in its chart");
            if !unit.is_empty() {
                assert!(
                    labels.contains(&format!("单位：{unit}")),
                    "{id} {name}: the unit {unit} is not shown"
                );
            }
            let direction = if metric["higher_is_better"].as_bool().unwrap() {
                "越高越好"
            } else {
                "越低越好"
            };
            assert!(labels.contains(direction), "{id} {name}: no direction");
            let years: Vec<i64> = metric["years"]
                .as_array()
                .unwrap()
                .iter()
                .map(|y| y.as_i64().unwrap())
                .collect();
            for year in &years {
                assert!(labels.contains(&year.to_string()), "{id} {name}: {year}");
            }
            // Every data point, with its unit, in the SVG's own text; the
            // case's own values also as visible labels.
            // The expected text comes from the Markdown, not from the data.
            for (series, who) in [
                ("values", "本企业"),
                ("competitor", "竞争对手"),
                ("benchmark", "行业标杆"),
            ] {
                let written = &written_series(id, series)[m];
                assert_eq!(written.len(), number_list(&metric[series]).len());
                for (year, n) in years.iter().zip(written) {
                    let point = format!("{year}年 {who}：{}", label(n, unit));
                    assert!(text.contains(&point), "{id} {name}: missing {point}");
                }
            }
            for n in &written_series(id, "values")[m] {
                assert!(
                    labels.contains(&label(n, unit)),
                    "{id} {name}: {n} is not labelled"
                );
            }
        }
    }
    assert!(charts >= 20, "the example site has {charts} metric charts");
}

#[test]
fn case_page_chart_sits_in_a_figure_with_caption_and_data_table() {
    let built = example();
    let page = built.html("cases/2022-002/index.html");
    let figures: Vec<_> = page.select(&sel("#metrics figure.chart-figure")).collect();
    assert_eq!(figures.len(), 2);
    let caption = text_of(
        figures[0]
            .select(&sel("figcaption"))
            .next()
            .expect("figcaption"),
    );
    assert_eq!(
        caption,
        "图1 原液批次一次放行合格率（%），2019—2021年，与竞争对手和行业标杆对比（越高越好）"
    );
    // The data as a table, for screen readers and print.
    let tables: Vec<_> = page.select(&sel("#metrics table.metric-table")).collect();
    assert_eq!(tables.len(), 2);
    let cells: Vec<String> = tables[0].select(&sel("tbody td")).map(text_of).collect();
    assert_eq!(
        cells,
        ["93.5", "94.0", "95.5", "96.2", "95.1", "96.5", "98.8", "96.3", "97.5"]
    );
    assert_eq!(
        text_of(page.select(&sel(".metrics-headline")).next().unwrap()),
        "原液批次一次放行合格率 93.5% → 98.8%（+5.3个百分点），领先行业标杆 1.3个百分点"
    );
}

#[test]
fn metric_text_from_content_is_escaped_in_svg() {
    // The basic fixture's metric names are plain; build a site whose metric
    // name and unit hold markup and check the SVG stays well-formed.
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let case = root.join("content/cases/2022/2022-001/index.md");
    let text = std::fs::read_to_string(&case).unwrap();
    let text = text
        .replace("- name: 晶圆一次良率", "- name: \"良率<b>&\\\"x\\\"\"")
        .replace("unit: \"%\"", "unit: \"<%>\"");
    std::fs::write(&case, text).unwrap();
    let built = build_ok(&root, &[]);
    let html = built.read("cases/2022-001/index.html");
    let svgs = chart_svgs(&html);
    assert_eq!(svgs.len(), 1);
    let text = svg_text(&svgs[0]);
    assert!(text.contains("良率<b>&\"x\""), "{text}");
    assert!(text.contains("97.2<%>"), "{text}");
    assert!(
        !html.contains("<b>&"),
        "raw markup from content in the page"
    );
}

// --------------------------------------------------------------- headlines

#[test]
fn case_cards_show_the_headline_figure() {
    let built = example();
    // Home page (latest year) and term pages: every card of a case with
    // metrics carries its headline.
    for page in ["index.html", "areas/industrial-quality/index.html"] {
        let html = built.html(page);
        let cards: Vec<_> = html.select(&sel("li.card")).collect();
        assert!(!cards.is_empty(), "{page}: no cards");
        for card in cards {
            let headline = card
                .select(&sel(".card-headline"))
                .next()
                .unwrap_or_else(|| panic!("{page}: a card without a headline"));
            let text = text_of(headline);
            assert!(text.contains(" → "), "{page}: {text}");
        }
    }
    // 2022-002's card on its area page, with the figure computed from its
    // first metric.
    let html = built.html("areas/industrial-quality/index.html");
    let card = html
        .select(&sel("li.card"))
        .find(|c| c.html().contains("/cases/2022-002/"))
        .expect("2022-002 is listed under its area");
    assert_eq!(
        text_of(card.select(&sel(".card-headline")).next().unwrap()),
        "主要成效：原液批次一次放行合格率 93.5% → 98.8%（+5.3个百分点），领先行业标杆 1.3个百分点"
    );
    // And in the open data, the same text.
    let data = json(built);
    let case = data["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "2022-002")
        .unwrap();
    assert_eq!(
        case["headline"],
        "原液批次一次放行合格率 93.5% → 98.8%（+5.3个百分点），领先行业标杆 1.3个百分点"
    );
}

// ---------------------------------------------------------------- overview

#[test]
fn overview_charts_parse_and_link_to_the_lists_they_count() {
    let built = example();
    let html = built.read("overview/index.html");
    let charts = chart_svgs(&html);
    assert!(charts.len() >= 7, "{} charts on the overview", charts.len());
    for svg in &charts {
        svg_text(svg);
        let doc = roxmltree::Document::parse(svg).unwrap();
        let links: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("a"))
            .map(|n| n.attribute("href").unwrap())
            .collect();
        assert!(!links.is_empty(), "a chart without links: {svg}");
        for href in links {
            let path = href.split('#').next().unwrap().trim_start_matches('/');
            assert!(
                built.exists(&format!("{path}index.html")),
                "{href} is not a list page"
            );
        }
    }
    let page = built.html("overview/index.html");
    for id in [
        "by-area",
        "by-industry",
        "by-district",
        "by-year",
        "area-industry",
        "trend",
        "methods",
        "method-industry",
        "open-data",
    ] {
        assert!(
            page.select(&sel(&format!("section#{id}"))).next().is_some(),
            "no section #{id}"
        );
    }
    // Bars count what the term pages list.
    let by_area = svgs(&html)
        .into_iter()
        .find(|s| s.contains("aria-labelledby=\"by-area-title"))
        .unwrap();
    let doc = roxmltree::Document::parse(&by_area).unwrap();
    for a in doc.descendants().filter(|n| n.has_tag_name("a")) {
        let href = a.attribute("href").unwrap();
        let label = a.attribute("aria-label").unwrap();
        let count: usize = label
            .rsplit('：')
            .next()
            .unwrap()
            .trim_end_matches(" 个案例")
            .parse()
            .unwrap();
        let term = built.html(&format!("{}index.html", href.trim_start_matches('/')));
        assert_eq!(
            term.select(&sel("li.card")).count(),
            count,
            "{href}: the bar says {count}"
        );
    }
    // The methods most used include the example's common ones.
    let methods = svgs(&html)
        .into_iter()
        .find(|s| s.contains("aria-labelledby=\"methods-title"))
        .unwrap();
    let labels = svg_labels(&methods).join(" ");
    assert!(
        labels.contains("六西格玛") && labels.contains("精益"),
        "{labels}"
    );
    // Linked from the home page and every page's footer.
    let home = built.read("index.html");
    assert!(home.contains("href=\"/overview/\""));
    let case = built.read("cases/2022-002/index.html");
    assert!(case.contains("href=\"/overview/\""));
}

// --------------------------------------------------------------- open data

fn check_data_files(built: &Built, expected: usize) {
    let pages: BTreeSet<String> = case_page_ids(built)
        .into_iter()
        .filter(|id| !id.starts_with("2024-00"))
        .collect();
    assert_eq!(pages.len(), expected);

    // JSON: schema, every published case once, nothing else.
    let data = json(built);
    assert_eq!(data["schema"], "casebook-cases/1");
    assert_eq!(data["count"], expected);
    let cases = data["cases"].as_array().unwrap();
    let ids: BTreeSet<String> = cases
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, pages);
    for c in cases {
        let status = c["status"].as_str().unwrap();
        assert!(status == "approved" || status == "national", "{status}");
        assert!(c["abstract"].as_str().is_some_and(|a| !a.is_empty()));
        assert!(c.get("private").is_none());
    }

    // CSV: BOM, header, one row per case, fields round-trip.
    let bytes = std::fs::read(built.path("data/cases.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "no UTF-8 BOM");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "编号");
    assert_eq!(&headers[1], "标题");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), expected, "CSV rows");
    for row in &rows {
        let case = cases.iter().find(|c| c["id"] == row[0]).unwrap();
        assert_eq!(&row[1], case["title"].as_str().unwrap());
        assert_eq!(&row[18], case["abstract"].as_str().unwrap());
    }

    // XLSX: the case sheet and the metric sheet.
    let bytes = std::fs::read(built.path("data/cases.xlsx")).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["案例", "指标"]);
    let sheet = book.worksheet_range("案例").unwrap();
    assert_eq!(sheet.height(), expected + 1, "XLSX case rows");
    let xlsx_ids: BTreeSet<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert_eq!(xlsx_ids, pages);
    let metrics = book.worksheet_range("指标").unwrap();
    let expected_rows: usize = cases
        .iter()
        .flat_map(|c| c["metrics"].as_array().unwrap())
        .map(|m| m["years"].as_array().unwrap().len())
        .sum();
    assert_eq!(metrics.height(), expected_rows + 1, "XLSX metric rows");
    for row in metrics.rows().skip(1) {
        let case = cases
            .iter()
            .find(|c| c["id"] == row[0].to_string())
            .unwrap();
        let metric = case["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == row[2].to_string())
            .unwrap();
        let year = match &row[5] {
            Data::Float(y) => *y as i64,
            other => panic!("year cell {other:?}"),
        };
        let i = metric["years"]
            .as_array()
            .unwrap()
            .iter()
            .position(|y| y.as_i64() == Some(year))
            .unwrap();
        assert_eq!(row[6], Data::Float(number_list(&metric["values"])[i]));
    }

    // No draft, rejected or private text in any of them (the xlsx is
    // zipped, so its cells are checked as read back).
    let mut texts = vec![built.read("data/cases.json"), built.read("data/cases.csv")];
    for name in ["案例", "指标"] {
        let range = book.worksheet_range(name).unwrap();
        texts.push(
            range
                .rows()
                .flat_map(|r| r.iter().map(|c| c.to_string()))
                .collect::<Vec<_>>()
                .join("\t"),
        );
    }
    for text in texts {
        for marker in LEAK_MARKERS {
            assert!(
                !text.to_lowercase().contains(&marker.to_lowercase()),
                "{marker} leaked into the open data"
            );
        }
    }
}

#[test]
fn open_data_holds_every_published_case_and_nothing_else() {
    check_data_files(basic(), 5);
}

#[test]
fn open_data_leaves_drafts_out_even_in_a_drafts_preview() {
    let built = basic_drafts();
    // The preview shows the draft's page …
    assert!(built.exists("cases/2024-001/index.html"));
    // … but the open data are the published cases only.
    check_data_files(built, 5);
}

#[test]
fn open_data_of_the_example_site() {
    let built = example();
    let n = case_page_ids(built).len();
    let data = json(built);
    assert_eq!(data["count"], n);
    let case = data["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "2022-002")
        .unwrap();
    assert_eq!(case["industry"]["name"], "生物医药");
    assert_eq!(case["metrics"][1]["name"], "偏差平均关闭周期");
    assert_eq!(case["metrics"][1]["higher_is_better"], false);
    assert_eq!(
        number_list(&case["metrics"][1]["values"]),
        [42.0, 29.0, 18.0]
    );
    for marker in [
        "DRAFT-CASE-CONTACT",
        "REJECTED-CASE-CONTACT",
        "【不予推荐】",
    ] {
        for file in ["data/cases.json", "data/cases.csv"] {
            assert!(!built.read(file).contains(marker), "{marker} in {file}");
        }
    }
}

#[test]
fn open_data_are_reproducible() {
    let a = build_ok(&fixture("basic"), &[]);
    for file in ["data/cases.json", "data/cases.csv", "data/cases.xlsx"] {
        assert_eq!(
            std::fs::read(a.path(file)).unwrap(),
            std::fs::read(basic().path(file)).unwrap(),
            "{file} differs between two builds"
        );
    }
}

// ------------------------------------------------------------- JSON Schema

/// Checks `value` against the subset of JSON Schema that
/// `data/cases.schema.json` uses (type, const, enum, required, properties,
/// additionalProperties: false, items, $ref into $defs, oneOf); problems
/// are collected with their JSON path.
fn validate(schema: &Value, root: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local $ref");
        return validate(&root["$defs"][name], root, value, at, problems);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let matching = options
            .iter()
            .filter(|o| {
                let mut p = Vec::new();
                validate(o, root, value, at, &mut p);
                p.is_empty()
            })
            .count();
        if matching != 1 {
            problems.push(format!("{at}: matches {matching} of oneOf"));
        }
        return;
    }
    if let Some(c) = schema.get("const") {
        if c != value {
            problems.push(format!("{at}: {value} is not {c}"));
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            problems.push(format!("{at}: {value} not in {options:?}"));
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => panic!("bad type in schema at {at}"),
        };
        let ok = types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            other => panic!("type {other} not supported by this checker"),
        });
        if !ok {
            problems.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema.get("properties")) {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !object.contains_key(key.as_str().unwrap()) {
                problems.push(format!("{at}: missing {key}"));
            }
        }
        for (key, v) in object {
            match properties.get(key) {
                Some(s) => validate(s, root, v, &format!("{at}.{key}"), problems),
                None if schema["additionalProperties"] == false => {
                    problems.push(format!("{at}: unexpected {key}"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            validate(schema, root, item, &format!("{at}[{i}]"), problems);
        }
    }
}

#[test]
fn cases_json_follows_its_published_json_schema() {
    for built in [example(), basic()] {
        let schema: Value = serde_json::from_str(&built.read("data/cases.schema.json")).unwrap();
        assert_eq!(schema["$id"], "casebook-cases/1");
        let data = json(built);
        let mut problems = Vec::new();
        validate(&schema, &schema, &data, "$", &mut problems);
        assert!(problems.is_empty(), "{problems:#?}");
        // The checker does catch what it should.
        let mut broken = data.clone();
        broken["cases"][0]["status"] = Value::from("draft");
        broken["cases"][0]["private"] = Value::from("x");
        broken["cases"][0]["metrics"][0]
            .as_object_mut()
            .unwrap()
            .remove("years");
        let mut problems = Vec::new();
        validate(&schema, &schema, &broken, "$", &mut problems);
        assert_eq!(problems.len(), 3, "{problems:#?}");
    }
}

#[test]
fn annual_books_show_every_metric_chart_as_a_numbered_figure() {
    let built = example();
    let data = json(built);
    let mut books = 0;
    for entry in std::fs::read_dir(built.path("compilation")).unwrap() {
        let year = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !built.exists(&format!("compilation/{year}/index.html")) {
            continue;
        }
        books += 1;
        let html = built.read(&format!("compilation/{year}/print/index.html"));
        let expected: usize = data["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["year"].as_i64().map(|y| y.to_string()).as_deref() == Some(year.as_str()))
            .map(|c| c["metrics"].as_array().unwrap().len())
            .sum();
        let charts = chart_svgs(&html);
        assert_eq!(charts.len(), expected, "book {year}");
        for svg in &charts {
            svg_text(svg);
        }
        let page = scraper::Html::parse_document(&html);
        for figure in page.select(&sel("figure.chart-figure")) {
            let caption = text_of(figure.select(&sel("figcaption")).next().unwrap());
            assert!(caption.starts_with('图'), "book {year}: {caption}");
        }
    }
    assert!(books >= 2, "{books} books in the example site");
}
