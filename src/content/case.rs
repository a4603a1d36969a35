//! Parsing one case file into a [`Case`]: front matter fields checked
//! against the configured lists, the body rendered and its required
//! sections checked. Every problem becomes a diagnostic; the case itself is
//! returned whenever its identity (id, title, …) could be read, so that
//! site-wide checks (duplicate ids) still see it.

use serde_yaml::{Mapping, Value};

use super::fields::{get, read_front_matter, Fields};
use super::frontmatter::KeyLocator;
use super::{rulebook, typography};
use super::{Case, Enterprise, Metric, ParseOptions, SectionKind, SourceFile, Status};
use crate::config::TermConfig;
use crate::diagnostics::{rules, Diagnostic};
use crate::markdown::assets::{self, Use};
use crate::markdown::{self, resolve_local, Asset, LocalPathError, MarkdownOptions, RenderedBody};
use crate::text::fold_width;

/// Every front matter field a case may have.
pub const KNOWN_FIELDS: &[&str] = &[
    "id",
    "title",
    "enterprise",
    "year",
    "cohort",
    "priority_area",
    "industry",
    "district",
    "methods",
    "technologies",
    "honors",
    "status",
    "recommender",
    "cover",
    "aliases",
    "metrics",
    "date",
    "updated",
    "private",
];

const ENTERPRISE_FIELDS: &[&str] = &[
    "name",
    "short_name",
    "legal_representative",
    "nature",
    "founded",
    "industry_code",
    "district",
    "website",
];

const METRIC_FIELDS: &[&str] = &[
    "name",
    "unit",
    "higher_is_better",
    "years",
    "values",
    "competitor",
    "benchmark",
];

fn section_anchor(heading: &str) -> Option<&'static str> {
    SectionKind::from_heading(heading).map(SectionKind::anchor)
}

/// Is `id` shaped `YYYY-NNN` (three or more digits after the dash)?
pub fn is_valid_id(id: &str) -> bool {
    let Some((year, seq)) = id.split_once('-') else {
        return false;
    };
    year.len() == 4
        && seq.len() >= 3
        && year.bytes().all(|b| b.is_ascii_digit())
        && seq.bytes().all(|b| b.is_ascii_digit())
}

/// The current year, from the system clock.
pub fn current_year() -> i64 {
    use chrono::Datelike;
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(secs, 0).map_or(2025, |t| i64::from(t.year()))
}

/// The years a case (its `year`, its id, a book's folder) may belong to:
/// from the programme's start to next year (a cycle is planned a year
/// ahead, never more). `check` and `casebook new` share this one range.
pub fn plausible_years() -> std::ops::RangeInclusive<i64> {
    2000..=current_year() + 1
}

/// Why a well-formed `id`'s year is one `check` would refuse, for the
/// commands that make cases (`new`, `import --id`).
pub fn implausible_id_year(id: &str) -> Option<String> {
    let year = id.get(..4)?;
    let years = plausible_years();
    (!year.parse().is_ok_and(|y: i64| years.contains(&y))).then(|| {
        format!(
            "案例编号“{id}”的年份 {year} 不合理：casebook check 只接受 {} 到 {} 年的案例",
            years.start(),
            years.end()
        )
    })
}

pub fn parse(
    text: &str,
    source: SourceFile,
    options: &ParseOptions,
) -> (Option<Case>, Vec<Diagnostic>) {
    let file = source.rel.as_str();
    let (split, map, mut fields) = match read_front_matter(text, file, KNOWN_FIELDS) {
        Ok(read) => read,
        Err(diags) => return (None, diags),
    };

    let id = read_id(&mut fields, &map);
    let id_at = fields.locator.locate(&["id"]);
    let title = fields.required_string(
        &map,
        &["title"],
        "质量标杆名称",
        "title: 某某公司实施六西格玛管理的经验",
    );
    let title_at = fields.locator.locate(&["title"]);
    let enterprise = read_enterprise(&mut fields, &map);
    if let Some(title) = &title {
        rulebook::check_title(&mut fields, title, enterprise.as_ref());
    }
    if let Some(code) = enterprise.as_ref().and_then(|e| e.industry_code.as_deref()) {
        rulebook::check_industry_code(&mut fields, code);
    }
    let year = read_year(&mut fields, &map);
    if let (Some(id), Some(year)) = (&id, year) {
        if !id.starts_with(&format!("{year}-")) {
            fields.warning(
                rules::ID_YEAR_MISMATCH,
                &["id"],
                format!("案例编号 {id} 的年份与 year: {year} 不一致"),
                "编号的前四位通常是案例所属年度；编号一经发布不再更改，若确属有意可忽略此提示",
            );
        }
    }
    let config = options.config;
    let area = read_term(
        &mut fields,
        &map,
        "priority_area",
        "遴选重点",
        &config.priority_areas,
    );
    let industry = read_term(&mut fields, &map, "industry", "行业", &config.industries);
    let district = read_district(&mut fields, &map, enterprise.as_ref(), &config.districts);
    let status = read_status(&mut fields, &map);
    let methods: Vec<String> = fields
        .string_list(&map, &["methods"])
        .iter()
        .map(|m| fold_width(m).trim().to_string())
        .collect();
    let technologies = fields.string_list(&map, &["technologies"]);
    let honors = fields.string_list(&map, &["honors"]);
    let cohort = fields.string(&map, &["cohort"]);
    let recommender = fields.string(&map, &["recommender"]);
    let (aliases, aliases_at) = read_aliases(&mut fields, &map).into_iter().unzip();
    let metrics = read_metrics(&mut fields, &map);
    rulebook::check_results_data(&mut fields, &map, &metrics);
    let date = read_date(&mut fields, &map);
    let updated = read_updated(&mut fields, &map, date);
    let cover = fields.string(&map, &["cover"]);

    let page_path = format!("cases/{}/", id.as_deref().unwrap_or("_"));
    let markdown_options = MarkdownOptions {
        file,
        first_line: split.body_line,
        dir: &source.dir,
        root: options.root,
        base_path: &options.base_path,
        page_path: &page_path,
        fixed_anchor: section_anchor,
        summary_anchor: Some(SectionKind::Abstract.anchor()),
        require_captions: true,
        highlight: options.highlight,
        keep_markdown: options.keep_markdown,
    };
    let (body, body_diagnostics) = markdown::render(split.body, &markdown_options);
    let mut diagnostics = fields.diagnostics;
    diagnostics.extend(body_diagnostics);
    check_sections(&body, file, split.body_line, &mut diagnostics);
    rulebook::check_section_lengths(&body, file, &mut diagnostics);
    diagnostics.extend(typography::scan(text).iter().map(|s| s.diagnostic(file)));

    let mut assets = body.assets.clone();
    let mut cover_size = None;
    if let Some(cover) = &cover {
        let (line, column) = KeyLocator::new(&split).locate(&["cover"]);
        match read_cover(&source.dir, options.root, cover, file) {
            Ok((asset, size)) => {
                cover_size = size;
                if let Some((width, height)) =
                    size.filter(|&(w, h)| w < MIN_COVER_PX || h < MIN_COVER_PX)
                {
                    diagnostics.push(
                        Diagnostic::warning(
                            rules::COVER_SMALL,
                            file,
                            format!("封面图片“{cover}”只有 {width}×{height} 像素，微信分享卡片需要至少 {MIN_COVER_PX}×{MIN_COVER_PX} 像素"),
                        )
                        .help("换一张更大的图片（建议 1200×630 或 600×600），或删去 cover 改用遴选重点的默认分享图")
                        .at(line, column),
                    );
                }
                assets.push(asset);
            }
            Err(diag) => diagnostics.push(diag.at(line, column)),
        }
    }
    assets.sort();
    assets.dedup();
    let cover_at = cover
        .as_deref()
        .map(|c| (c, KeyLocator::new(&split).locate(&["cover"])));
    rulebook::check_heavy_images(&assets, text, cover_at, file, &mut diagnostics);

    let (
        Some(id),
        Some(title),
        Some(enterprise),
        Some(year),
        Some(area),
        Some(industry),
        Some(status),
    ) = (id, title, enterprise, year, area, industry, status)
    else {
        return (None, diagnostics);
    };
    let case = Case {
        source,
        id,
        id_at,
        title,
        title_at,
        enterprise,
        year,
        cohort,
        area,
        industry,
        district,
        methods,
        technologies,
        honors,
        status,
        recommender,
        cover,
        cover_size,
        aliases,
        aliases_at,
        metrics,
        date,
        updated,
        body,
        assets,
    };
    (Some(case), diagnostics)
}

/// The cover's file, checked as an image ([`markdown::assets`]), and its
/// size; or the diagnostic (the caller places it at the `cover` key).
fn read_cover(
    dir: &std::path::Path,
    root: &std::path::Path,
    cover: &str,
    file: &str,
) -> Result<(Asset, Option<(u32, u32)>), Diagnostic> {
    let asset = resolve_local(dir, root, cover).map_err(|problem| match problem {
        LocalPathError::Missing => Diagnostic::error(
            rules::IMAGE_MISSING,
            file,
            format!("找不到封面图片“{cover}”"),
        )
        .help("把图片放在案例文件所在的文件夹里，cover 写它的文件名"),
        other => other.diagnostic(file, cover),
    })?;
    match assets::check(&asset.source, &asset.rel, Use::Image) {
        Ok(size) => Ok((asset, size)),
        Err(problem) => Err(problem.diagnostic(file, cover)),
    }
}

/// WeChat shows no share picture smaller than this (pixels, each side).
const MIN_COVER_PX: u32 = 300;

fn read_id(fields: &mut Fields, map: &Mapping) -> Option<String> {
    let id = fields.required_string(map, &["id"], "案例编号", "id: \"2023-001\"")?;
    if is_valid_id(&id) {
        Some(id)
    } else {
        fields.error(
            rules::ID_FORMAT,
            &["id"],
            format!("案例编号“{id}”格式不对"),
            "编号写成“年份-序号”，序号至少三位，例如 id: \"2023-001\"；编号用于永久网址，确定后不要再改",
        );
        None
    }
}

fn read_year(fields: &mut Fields, map: &Mapping) -> Option<i64> {
    if get(map, "year").is_none() {
        fields.missing(&["year"], "所属年度", "year: 2023");
        return None;
    }
    let year = fields.integer(map, &["year"])?;
    let years = plausible_years();
    if years.contains(&year) {
        Some(year)
    } else {
        fields.error(
            rules::YEAR_IMPLAUSIBLE,
            &["year"],
            format!("年度 {year} 不合理"),
            format!(
                "写 {} 到 {} 之间的四位数年度，例如 year: 2023",
                years.start(),
                years.end()
            ),
        );
        None
    }
}

fn read_enterprise(fields: &mut Fields, map: &Mapping) -> Option<Enterprise> {
    if get(map, "enterprise").is_none() {
        fields.missing(
            &["enterprise"],
            "企业信息",
            "enterprise:\n  name: 上海某某有限公司",
        );
        return None;
    }
    let ent = fields.mapping(map, &["enterprise"])?;
    fields.unknown_keys(ent, &["enterprise"], ENTERPRISE_FIELDS);
    let path = |key: &'static str| ["enterprise", key];
    let name = fields.required_string(ent, &path("name"), "企业名称", "name: 上海某某有限公司")?;
    Some(Enterprise {
        name,
        short_name: fields.string(ent, &path("short_name")),
        legal_representative: fields.string(ent, &path("legal_representative")),
        nature: fields.string(ent, &path("nature")),
        founded: fields.string(ent, &path("founded")),
        industry_code: fields.string(ent, &path("industry_code")),
        district: fields.string(ent, &path("district")),
        website: fields.string(ent, &path("website")),
    })
}

/// The index of the configured term a field names.
fn read_term(
    fields: &mut Fields,
    map: &Mapping,
    key: &'static str,
    what: &str,
    terms: &[TermConfig],
) -> Option<usize> {
    let example = format!("{key}: {}", terms.first().map_or("", |t| &t.name));
    let value = fields.required_string(map, &[key], what, &example)?;
    find_term(fields, &[key], &value, what, terms)
}

fn find_term(
    fields: &mut Fields,
    path: &[&str],
    value: &str,
    what: &str,
    terms: &[TermConfig],
) -> Option<usize> {
    let wanted = fold_width(value);
    if let Some(i) = terms.iter().position(|t| t.name == wanted.trim()) {
        return Some(i);
    }
    let names: Vec<&str> = terms.iter().map(|t| t.name.as_str()).collect();
    let close = names
        .iter()
        .filter(|n| n.contains(wanted.trim()) || wanted.contains(**n))
        .copied()
        .next();
    let hint = close
        .map(|n| format!("你是不是想写“{n}”？"))
        .unwrap_or_default();
    fields.error(
        rules::VALUE_NOT_IN_LIST,
        path,
        format!("{} 的值“{value}”不在配置的{what}列表中", path.join(".")),
        format!("{hint}可选值：{}（见 casebook.toml）", names.join("、")),
    );
    None
}

fn read_district(
    fields: &mut Fields,
    map: &Mapping,
    enterprise: Option<&Enterprise>,
    terms: &[TermConfig],
) -> Option<usize> {
    // The top-level district is the recommending one (临港新片区 may differ
    // from where the enterprise is registered); it wins when both are given.
    let top = fields.string(map, &["district"]);
    let nested = enterprise.and_then(|e| e.district.clone());
    match (top, nested) {
        (Some(value), _) => find_term(fields, &["district"], &value, "区", terms),
        (None, Some(value)) => find_term(fields, &["enterprise", "district"], &value, "区", terms),
        (None, None) => {
            fields.warning(
                rules::FIELD_MISSING,
                &["district"],
                "没有填写所在区（district），案例不会出现在按区浏览中".to_string(),
                "加上一行，例如 district: 浦东新区",
            );
            None
        }
    }
}

fn read_status(fields: &mut Fields, map: &Mapping) -> Option<Status> {
    let value = fields.required_string(map, &["status"], "审核状态", "status: approved")?;
    let found = Status::ALL
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, s)| *s);
    if found.is_none() {
        fields.error(
            rules::VALUE_NOT_IN_LIST,
            &["status"],
            format!("status 的值“{value}”无效"),
            "可选值：approved（已入选，发布）、national（入选并推荐至全国，发布）、draft（草稿）、submitted（已提交）、rejected（未入选）；后三种不会发布",
        );
    }
    found
}

/// The valid aliases, each with where it is written (line, column).
fn read_aliases(fields: &mut Fields, map: &Mapping) -> Vec<(String, (usize, usize))> {
    let aliases = fields.string_list(map, &["aliases"]);
    let mut valid = Vec::new();
    for (n, alias) in aliases.into_iter().enumerate() {
        let ok = alias.starts_with('/')
            && alias.len() > 1
            && alias.is_ascii()
            && !alias.contains("..")
            && !alias.contains("//")
            && !alias.contains(['?', '#', '\\', ' ', '"', '<', '>'])
            // A server's configuration takes it as one string (nginx).
            && !alias.chars().any(|c| c.is_ascii_control())
            // Dot folders and files are the build's (`.nginx/`, the marker).
            && !alias.contains("/.")
            && plain_escapes(&alias);
        if ok {
            let at = fields.locator.locate(&["aliases", &format!("[{n}]")]);
            valid.push((alias, at));
        } else {
            fields.error(
                rules::ALIAS_INVALID,
                &["aliases"],
                format!("旧网址“{alias}”不能用作跳转"),
                "写成以 / 开头、只含英文字母数字和 - _ . / 的站内路径，例如 /old/2021-003.html；不以 . 开头的目录或文件名；%XX 只用于中文等非英文字符（英文字母、数字和 / 直接写）",
            );
        }
    }
    valid
}

/// Every `%XX` in `alias` encodes a byte of a non-ASCII character (an old
/// URL's Chinese, say). An escaped ASCII character (`%61` for `a`, `%2F`
/// for `/`) is refused: servers match the decoded path, so the alias
/// would redirect another page than the one every check saw.
fn plain_escapes(alias: &str) -> bool {
    let bytes = alias.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) if byte >= 0x80 => i += 3,
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

fn read_date(fields: &mut Fields, map: &Mapping) -> Option<chrono::NaiveDate> {
    let value = fields.string(map, &["date"])?;
    match chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            fields.error(
                rules::FIELD_TYPE,
                &["date"],
                format!("日期“{value}”格式不对"),
                "写成 年-月-日，例如 date: 2023-06-30",
            );
            None
        }
    }
}

/// `updated`: when the case's text last changed (the sitemap's
/// `lastmod`); a real date, not before `date`.
fn read_updated(
    fields: &mut Fields,
    map: &Mapping,
    date: Option<chrono::NaiveDate>,
) -> Option<chrono::NaiveDate> {
    let value = fields.string(map, &["updated"])?;
    let Ok(updated) = chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d") else {
        fields.error(
            rules::UPDATED_INVALID,
            &["updated"],
            format!("更新日期“{value}”格式不对"),
            "写成 年-月-日，例如 updated: 2024-03-15",
        );
        return None;
    };
    if date.is_some_and(|date| updated < date) {
        fields.error(
            rules::UPDATED_INVALID,
            &["updated"],
            format!("更新日期“{value}”早于发布日期 date"),
            "updated 写最近一次修改正文的日期，不能早于 date",
        );
        return None;
    }
    Some(updated)
}

fn read_metrics(fields: &mut Fields, map: &Mapping) -> Vec<Metric> {
    let Some(value) = get(map, "metrics") else {
        return Vec::new();
    };
    let Value::Sequence(items) = value else {
        fields.error(
            rules::METRIC_INVALID,
            &["metrics"],
            "metrics 应为指标列表（每项以“- name:”开头）".to_string(),
            "参照 casebook new 生成的模板填写",
        );
        return Vec::new();
    };
    let mut metrics = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let number = n + 1;
        // Diagnostics point into this very item, not the first metric.
        let index = format!("[{n}]");
        let Value::Mapping(m) = item else {
            fields.error(
                rules::METRIC_INVALID,
                &["metrics", &index],
                format!("第 {number} 个指标不是字段组"),
                "每个指标写 name、unit、years、values 等字段",
            );
            continue;
        };
        fields.unknown_keys(m, &["metrics", &index], METRIC_FIELDS);
        let at = |key: &'static str| ["metrics", index.as_str(), key];
        let Some(name) = fields.required_string(m, &at("name"), "指标名称", "- name: 一次合格率")
        else {
            continue;
        };
        let years: Vec<i64> = match get(m, "years") {
            Some(Value::Sequence(ys)) if ys.iter().all(|y| y.as_i64().is_some()) => {
                ys.iter().filter_map(Value::as_i64).collect()
            }
            Some(_) => {
                fields.error(
                    rules::METRIC_INVALID,
                    &at("years"),
                    format!("指标“{name}”的 years 应为年份列表"),
                    "例如 years: [2020, 2021, 2022]",
                );
                continue;
            }
            None => {
                fields.missing(
                    &at("years"),
                    &format!("指标“{name}”的年份"),
                    "years: [2020, 2021, 2022]",
                );
                continue;
            }
        };
        let Some(values) = fields.number_list(m, &at("values")) else {
            if get(m, "values").is_none() {
                fields.missing(
                    &at("values"),
                    &format!("指标“{name}”的数值"),
                    "values: [95.1, 96.8, 98.2]",
                );
            }
            continue;
        };
        let competitor = fields.number_list(m, &at("competitor")).unwrap_or_default();
        let benchmark = fields.number_list(m, &at("benchmark")).unwrap_or_default();
        if !years_in_order(fields, &name, &years, &at("years"))
            || !values_in_range(fields, &name, &[&values, &competitor, &benchmark], &at)
        {
            continue;
        }
        let mut lengths_ok = true;
        for (label, series) in [
            ("values", &values),
            ("competitor", &competitor),
            ("benchmark", &benchmark),
        ] {
            let absent_optional = series.is_empty() && label != "values";
            if series.len() != years.len() && !absent_optional {
                lengths_ok = false;
                fields.error(
                    rules::METRIC_INVALID,
                    &at(label),
                    format!(
                        "指标“{name}”的 {label} 有 {} 个数，而 years 有 {} 年",
                        series.len(),
                        years.len()
                    ),
                    "每个年份对应一个数，各列表长度要相同",
                );
            }
        }
        if !lengths_ok {
            continue;
        }
        metrics.push(Metric {
            name,
            unit: fields.string(m, &at("unit")).unwrap_or_default(),
            higher_is_better: fields.boolean(m, &at("higher_is_better")).unwrap_or(true),
            years,
            values,
            competitor,
            benchmark,
        });
    }
    metrics
}

/// Largest magnitude a metric value may have. Real indicators (rates,
/// ppm, yuan, days) stay far below it; past it a typo (`1e308`) is likelier
/// than data, and sums and differences of two values stay exact enough to
/// chart and compare.
pub const METRIC_VALUE_LIMIT: f64 = 1e15;

/// Years strictly increasing, each once: the chart's x axis and the
/// headline's "first → last" read them in this order.
fn years_in_order(fields: &mut Fields, name: &str, years: &[i64], path: &[&str]) -> bool {
    let Some(pair) = years.windows(2).find(|w| w[0] >= w[1]) else {
        return true;
    };
    let what = if pair[0] == pair[1] {
        format!("年份 {} 出现了两次", pair[0])
    } else {
        format!("{} 年排在 {} 年之后", pair[1], pair[0])
    };
    fields.error(
        rules::METRIC_YEARS,
        path,
        format!("指标“{name}”的 years 没有从早到晚排列：{what}"),
        "years 按从早到晚写、每年一次，values 等列表按同样的顺序对应，例如 years: [2020, 2021, 2022]",
    );
    false
}

/// Every value within ±`METRIC_VALUE_LIMIT`.
fn values_in_range<'k>(
    fields: &mut Fields,
    name: &str,
    series: &[&Vec<f64>; 3],
    at: &dyn Fn(&'static str) -> [&'k str; 3],
) -> bool {
    let mut ok = true;
    for (key, values) in ["values", "competitor", "benchmark"]
        .into_iter()
        .zip(series)
    {
        if let Some(v) = values.iter().find(|v| v.abs() > METRIC_VALUE_LIMIT) {
            ok = false;
            fields.error(
                rules::METRIC_INVALID,
                &at(key),
                format!("指标“{name}”的 {key} 中有数 {v:e}，超出了可信的范围（绝对值不超过 10¹⁵）"),
                "检查是否多写了位数或把科学计数法写错了；很大的数可换用更大的单位（如 万元、亿元）",
            );
        }
    }
    ok
}

/// The heading `casebook import` puts over text it could not place under
/// a required section; `check` refuses it until the editor has sorted it.
pub const UNSORTED_HEADING: &str = "待归类内容";

/// Required sections present, in order, none empty; unknown ones flagged.
fn check_sections(
    body: &RenderedBody,
    file: &str,
    body_line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut last: Option<SectionKind> = None;
    let mut seen = Vec::new();
    for section in &body.sections {
        let heading = &section.heading;
        if heading.text == UNSORTED_HEADING {
            // Not a writing rule a site may turn off: this is text the
            // editor has not read yet.
            diagnostics.push(
                Diagnostic::error(
                    rules::SECTION_UNSORTED,
                    file,
                    format!("“## {UNSORTED_HEADING}”下是导入 Word 文档时未能归入规定章节的文字"),
                )
                .at(heading.line, heading.column)
                .help("把其中的文字逐段移到对应的规定章节（或确认无用后删去），再删掉这个标题"),
            );
            continue;
        }
        let Some(kind) = SectionKind::from_heading(&heading.text) else {
            let expected: Vec<&str> = SectionKind::ALL.iter().map(|k| k.heading()).collect();
            diagnostics.push(
                Diagnostic::warning(
                    rules::SECTION_UNKNOWN,
                    file,
                    format!("“## {}”不是规定的章节", heading.text),
                )
                .at(heading.line, heading.column)
                .help(format!(
                    "二级标题（##）只用于规定章节：{}；其他小标题请用 ###",
                    expected.join("、")
                )),
            );
            continue;
        };
        if last.is_some_and(|prev| kind <= prev) {
            diagnostics.push(
                Diagnostic::error(rules::SECTION_ORDER, file, format!("章节“{}”重复或顺序不对", kind.heading()))
                    .at(heading.line, heading.column)
                    .help("章节顺序：摘要、企业概况、管理方法（技术）的推进和应用情况、管理方法（技术）的实施效果、证实性材料（可选）"),
            );
        }
        if section.chars == 0 && kind.is_required() {
            diagnostics.push(
                Diagnostic::error(
                    rules::SECTION_EMPTY,
                    file,
                    format!("章节“{}”没有内容", kind.heading()),
                )
                .at(heading.line, heading.column)
                .help("在这个标题下写上正文"),
            );
        }
        last = Some(kind);
        seen.push(kind);
    }
    for kind in SectionKind::ALL
        .into_iter()
        .filter(|k| k.is_required() && !seen.contains(k))
    {
        diagnostics.push(
            Diagnostic::error(
                rules::SECTION_MISSING,
                file,
                format!("缺少章节“## {}”", kind.heading()),
            )
            .at(body_line, 1)
            .help(format!(
                "在正文中按顺序加上二级标题“## {}”并写上内容",
                kind.heading()
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_ids() {
        assert!(is_valid_id("2023-001"));
        assert!(is_valid_id("2023-0001"));
        assert!(!is_valid_id("2023-01"));
        assert!(!is_valid_id("23-001"));
        assert!(!is_valid_id("2023_001"));
        assert!(!is_valid_id("２０２３-001"));
    }

    #[test]
    fn sections_match_with_half_width_parentheses() {
        let heading = markdown::normalize_heading("管理方法(技术)的实施效果");
        assert_eq!(
            SectionKind::from_heading(&heading),
            Some(SectionKind::Results)
        );
    }
}
