//! The programme's writing rules (申报材料编写说明) that go beyond a
//! well-formed file: the title's length and shape, each section's 字数
//! limit, the industry code, data behind the results, and image weight.
//! Each finding says what the rule is and how to meet it.

use serde_yaml::Value;

use super::fields::{get, Fields};
use super::{Asset, Enterprise, Metric, SectionKind};
use crate::diagnostics::{rules, Diagnostic};
use crate::markdown::RenderedBody;
use crate::text::{fold_width, visible_chars};

/// 质量标杆名称: at most this many characters.
pub const TITLE_MAX: usize = 40;

/// Images heavier than this load slowly on phones.
pub const IMAGE_HEAVY_BYTES: u64 = 500 * 1024;

/// How the limits count: said in every length message.
const COUNTING: &str = "按可见字符计：汉字、字母、数字和标点各计 1，空格、换行和 Markdown 符号不计";

/// The 字数 limit of a section, if it has one.
pub fn section_limit(kind: SectionKind) -> Option<usize> {
    match kind {
        SectionKind::Abstract | SectionKind::Profile => Some(500),
        SectionKind::Practice => Some(8000),
        SectionKind::Results => Some(2000),
        SectionKind::Evidence => None,
    }
}

/// Title: at most 40 characters, (企业)+(典型方法技术)+(经验).
pub fn check_title(fields: &mut Fields, title: &str, enterprise: Option<&Enterprise>) {
    let count = visible_chars(title);
    if count > TITLE_MAX {
        fields.error(
            rules::TITLE_TOO_LONG,
            &["title"],
            format!("质量标杆名称有 {count} 字，超过 {TITLE_MAX} 字的上限"),
            format!("按“企业+典型方法技术+经验”压缩到 {TITLE_MAX} 字以内（{COUNTING}）"),
        );
    }
    let trimmed = title.trim_end_matches(|c: char| c.is_whitespace() || "。.！!".contains(c));
    if !trimmed.ends_with("经验") {
        fields.warning(
            rules::TITLE_SHAPE,
            &["title"],
            format!("名称“{title}”没有以“经验”结尾"),
            "名称按“企业+典型方法技术+经验”的形式写，例如“上海某某有限公司实施六西格玛设计的经验”",
        );
    }
    if let Some(enterprise) = enterprise {
        if !names_enterprise(title, enterprise) {
            fields.warning(
                rules::TITLE_SHAPE,
                &["title"],
                format!("名称没有写出企业名称“{}”（全称或简称）", enterprise.name),
                format!(
                    "名称以企业开头，例如“{}实施六西格玛设计的经验”；名称里用的简称请写在 enterprise.short_name",
                    bare_name(&enterprise.name)
                ),
            );
        }
    }
}

/// The name without parenthetical notes like （示例）.
fn bare_name(name: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in fold_width(name).chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// The distinctive part of a name: no region prefix, no legal form.
fn core_name(name: &str) -> String {
    let mut core = bare_name(name);
    for prefix in ["上海市", "上海", "中国"] {
        if let Some(rest) = core.strip_prefix(prefix) {
            core = rest.to_string();
            break;
        }
    }
    const SUFFIXES: &[&str] = &[
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "股份公司",
        "集团公司",
        "总公司",
        "公司",
        "集团",
        "股份",
        "研究院",
        "研究所",
        "厂",
    ];
    for _ in 0..2 {
        if let Some(rest) = SUFFIXES.iter().find_map(|s| core.strip_suffix(s)) {
            core = rest.to_string();
        }
    }
    core
}

/// Does `title` name the enterprise: its full name, its short name, the
/// distinctive part of its name, or that part's first two characters (the
/// usual short form: 星联通信设备 → 星联)?
pub fn names_enterprise(title: &str, enterprise: &Enterprise) -> bool {
    let title = fold_width(title);
    let core = core_name(&enterprise.name);
    let first_two: String = core.chars().take(2).collect();
    let mut names = vec![bare_name(&enterprise.name), core];
    names.extend(enterprise.short_name.as_deref().map(fold_width));
    if first_two.chars().count() == 2 {
        names.push(first_two);
    }
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .any(|n| title.contains(n.trim()))
}

/// GB/T 4754-2017 门类 letters and the 大类 numbers each spans.
const DIVISIONS: &[(char, u32, u32)] = &[
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

/// What is wrong with an industry code, if anything: a 门类 letter and a
/// 大类 (2 digits), 中类 (3) or 小类 (4) number in that letter's range.
pub fn industry_code_problem(code: &str) -> Option<String> {
    let code = code.trim();
    let mut chars = code.chars();
    let letter = chars.next()?;
    let digits: &str = chars.as_str();
    let shaped = letter.is_ascii_uppercase()
        && (2..=4).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit());
    if !shaped {
        return Some(format!("行业代码“{code}”不是“门类字母+2至4位数字”的形式"));
    }
    let major: u32 = digits[..2].parse().ok()?;
    match DIVISIONS.iter().find(|(l, ..)| *l == letter) {
        None => Some(format!("行业代码“{code}”的门类字母 {letter} 不存在（门类为 A 至 T）")),
        Some((_, low, high)) if !(*low..=*high).contains(&major) => Some(format!(
            "行业代码“{code}”的大类 {major:02} 不属于门类 {letter}（{letter} 门类的大类为 {low:02}–{high:02}）"
        )),
        _ => None,
    }
}

pub fn check_industry_code(fields: &mut Fields, code: &str) {
    if let Some(message) = industry_code_problem(code) {
        let folded = fold_width(code);
        let hint = if folded != code && industry_code_problem(&folded).is_none() {
            format!("改用半角字母和数字：{}。", folded.trim())
        } else {
            String::new()
        };
        fields.error(
            rules::INDUSTRY_CODE,
            &["enterprise", "industry_code"],
            message,
            format!(
                "{hint}按 GB/T 4754-2017《国民经济行业分类》写门类字母加大类、中类或小类代码，例如 industry_code: C3973（集成电路制造）"
            ),
        );
    }
}

/// Does a run of three consecutive years appear in `years`?
fn has_three_consecutive_years(years: &[i64]) -> bool {
    years
        .windows(3)
        .any(|w| w[1] == w[0] + 1 && w[2] == w[1] + 1)
}

/// 实施效果 backed by data: at least one metric with three consecutive
/// years, and one compared with a competitor or the benchmark. Skipped when
/// some metric was invalid (its own diagnostic says why).
pub fn check_results_data(fields: &mut Fields, map: &serde_yaml::Mapping, metrics: &[Metric]) {
    let written = match get(map, "metrics") {
        Some(Value::Sequence(items)) => items.len(),
        Some(_) => return,
        None => 0,
    };
    if written != metrics.len() {
        return;
    }
    let with_years: Vec<&Metric> = metrics
        .iter()
        .filter(|m| has_three_consecutive_years(&m.years))
        .collect();
    if with_years.is_empty() {
        let message = if metrics.is_empty() {
            "实施效果缺少指标数据（metrics）".to_string()
        } else {
            "没有一项指标有连续三年的数值".to_string()
        };
        fields.warning(
            rules::RESULTS_DATA,
            &["metrics"],
            message,
            "编写说明要求用相关指标连续三年的数据说明效果：在 metrics 中至少写一项，例如\n- name: 一次合格率\n  unit: \"%\"\n  years: [2020, 2021, 2022]\n  values: [95.1, 96.8, 98.2]\n  benchmark: [96.0, 96.5, 97.0]",
        );
        return;
    }
    let compared = with_years
        .iter()
        .any(|m| !m.competitor.is_empty() || !m.benchmark.is_empty());
    if !compared {
        fields.warning(
            rules::RESULTS_COMPARISON,
            &["metrics"],
            "指标没有与竞争对手或行业标杆比较".to_string(),
            "给至少一项指标写上同期的 competitor（主要竞争对手）或 benchmark（行业标杆）数值，例如 benchmark: [96.0, 96.5, 97.0]",
        );
    }
}

/// Each limited section within its 字数 limit.
pub fn check_section_lengths(body: &RenderedBody, file: &str, diagnostics: &mut Vec<Diagnostic>) {
    for section in &body.sections {
        let Some(kind) = SectionKind::from_heading(&section.heading.text) else {
            continue;
        };
        let Some(limit) = section_limit(kind) else {
            continue;
        };
        let chars = section.chars + section.subheading_chars;
        if chars > limit {
            let heading = &section.heading;
            diagnostics.push(
                Diagnostic::error(
                    rules::SECTION_TOO_LONG,
                    file,
                    format!(
                        "章节“{}”有 {} 字，超过 {limit} 字的上限（多 {} 字）",
                        kind.heading(),
                        chars,
                        chars - limit
                    ),
                )
                .at(heading.line, heading.column)
                .spanning(heading.text.chars().count() + 3)
                .help(format!(
                    "删减到 {limit} 字以内（{COUNTING}；小标题计入，章节标题本身不计）"
                )),
            );
        }
    }
}

fn is_image(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// "812 KB", "1.4 MB".
pub fn human_size(bytes: u64) -> String {
    let kb = bytes as f64 / 1024.0;
    if kb < 1024.0 {
        format!("{kb:.0} KB")
    } else {
        format!("{:.1} MB", kb / 1024.0)
    }
}

/// Images over [`IMAGE_HEAVY_BYTES`], located where the text names them.
pub fn check_heavy_images(
    assets: &[Asset],
    text: &str,
    cover_at: Option<(&str, (usize, usize))>,
    file: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for asset in assets.iter().filter(|a| is_image(&a.rel)) {
        let Ok(meta) = std::fs::metadata(&asset.source) else {
            continue;
        };
        if meta.len() <= IMAGE_HEAVY_BYTES {
            continue;
        }
        let (line, column) = match cover_at {
            Some((cover, at)) if cover.trim_start_matches("./") == asset.rel => at,
            _ => locate(text, &asset.rel),
        };
        diagnostics.push(
            Diagnostic::warning(
                rules::IMAGE_HEAVY,
                file,
                format!(
                    "图片“{}”有 {}，超过 {}，手机上加载慢",
                    asset.rel,
                    human_size(meta.len()),
                    human_size(IMAGE_HEAVY_BYTES)
                ),
            )
            .at(line, column)
            .spanning(asset.rel.chars().count())
            .help("压缩到 500 KB 以内：照片存为 JPEG（质量 80%），示意图存为 PNG，宽度 1600 像素足够手机和打印使用"),
        );
    }
}

/// Line and column of the first mention of `needle` in `text`.
fn locate(text: &str, needle: &str) -> (usize, usize) {
    let Some(at) = text.find(needle) else {
        return (0, 0);
    };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enterprise(name: &str, short: Option<&str>) -> Enterprise {
        Enterprise {
            name: name.to_string(),
            short_name: short.map(str::to_string),
            ..Enterprise::default()
        }
    }

    #[test]
    fn titles_name_the_enterprise() {
        let e = enterprise("上海星联通信设备有限公司（示例）", None);
        assert!(names_enterprise(
            "上海星联通信设备有限公司深化QC小组活动的经验",
            &e
        ));
        assert!(names_enterprise("星联通信深化QC小组活动的经验", &e));
        assert!(names_enterprise("星联公司深化QC小组活动的经验", &e));
        assert!(!names_enterprise("深化QC小组活动提升直通率的经验", &e));
        let e = enterprise("上海华虹宏力半导体制造有限公司", Some("华虹宏力"));
        assert!(names_enterprise("华虹宏力推行六西格玛的经验", &e));
    }

    #[test]
    fn industry_codes() {
        assert_eq!(industry_code_problem("C3973"), None);
        assert_eq!(industry_code_problem("I65"), None);
        assert_eq!(industry_code_problem("C397"), None);
        assert!(industry_code_problem("3973").is_some());
        assert!(industry_code_problem("C39731").is_some());
        assert!(industry_code_problem("c3973").is_some());
        assert!(industry_code_problem("Ｃ３９７３").is_some());
        // 大类 65 is in 门类 I, not C.
        assert!(industry_code_problem("C6520")
            .unwrap()
            .contains("不属于门类 C"));
        assert!(industry_code_problem("Z1234").unwrap().contains("不存在"));
    }

    #[test]
    fn consecutive_years() {
        assert!(has_three_consecutive_years(&[2020, 2021, 2022]));
        assert!(has_three_consecutive_years(&[2018, 2020, 2021, 2022]));
        assert!(!has_three_consecutive_years(&[2019, 2021, 2022]));
        assert!(!has_three_consecutive_years(&[2021, 2022]));
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(812 * 1024), "812 KB");
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
    }
}
