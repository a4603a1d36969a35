//! Blocks of a submitted write-up → a Casebook case: the required sections
//! recognised by their text (with or without heading styles), whatever
//! precedes them and the document's notes kept under `## 待归类内容` for the
//! editor to sort (nothing is dropped), sub-headings,
//! lists, tables and pictures in Markdown, captions in the Casebook forms
//! (`![图题](file)` for 图1 below a picture, `表：标题` for 表1 above a
//! table), and front matter filled with what the document says.

use super::docx::{Block, Para};
use crate::content::{SectionKind, UNSORTED_HEADING};
use crate::text::{fold_width, is_cjk};

/// The converted case.
pub struct Converted {
    /// The whole `index.md`, front matter and body.
    pub markdown: String,
    /// Pictures to write beside it: file name and bytes.
    pub images: Vec<(String, Vec<u8>)>,
    /// Sections the document did not have (the editor writes them).
    pub missing: Vec<SectionKind>,
    /// Blocks kept under `## 待归类内容` (text before the first required
    /// section, the notes): the editor sorts them into sections.
    pub unsorted: usize,
    /// Footnotes and endnotes among them.
    pub notes: usize,
}

/// What the front matter gets from the document and the command line.
pub struct Meta<'a> {
    pub id: &'a str,
    pub year: i64,
    /// Configured districts, to recognise one in the profile.
    pub districts: Vec<String>,
}

const PLACEHOLDER: &str = "待填写";

/// Text without a leading outline number: 一、 （一） 1. 1、 (1) 第一部分.
fn strip_numbering(text: &str) -> &str {
    let t = text.trim();
    let numerals = |c: char| "一二三四五六七八九十".contains(c) || c.is_ascii_digit();
    for (open, close) in [("（", "）"), ("(", ")")] {
        if let Some(rest) = t.strip_prefix(open) {
            if let Some(end) = rest.find(close) {
                if rest[..end].chars().all(numerals) && end > 0 {
                    return rest[end + close.len()..].trim_start();
                }
            }
        }
    }
    if let Some(rest) = t.strip_prefix('第') {
        if let Some(end) = rest.find(['部', '章', '节']) {
            if rest[..end].chars().all(numerals) {
                let after = &rest[end..];
                let after = after
                    .strip_prefix("部分")
                    .unwrap_or_else(|| &after[after.chars().next().map_or(0, char::len_utf8)..]);
                return after.trim_start_matches(['、', ' ', '：', ':']);
            }
        }
    }
    let digits = t.chars().take_while(|c| numerals(*c)).count();
    if digits > 0 {
        let rest: &str = &t[t.char_indices().nth(digits).map_or(t.len(), |(i, _)| i)..];
        if let Some(rest) = rest.strip_prefix(['、', '.', '．', ' ']) {
            return rest.trim_start();
        }
    }
    t
}

/// The required section a heading names, if any.
pub fn section_of(text: &str) -> Option<SectionKind> {
    let t: String = strip_numbering(&fold_width(text))
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ':' | '：'))
        .collect();
    if t.chars().count() > 30 {
        return None;
    }
    if t == "摘要" || t == "案例摘要" {
        Some(SectionKind::Abstract)
    } else if t.starts_with("企业概况") || t == "企业简介" || t == "企业基本情况" {
        Some(SectionKind::Profile)
    } else if t.contains("推进") && (t.contains("应用") || t.contains("管理方法")) {
        Some(SectionKind::Practice)
    } else if t.contains("实施效果") {
        Some(SectionKind::Results)
    } else if t.starts_with("证实性材料") {
        Some(SectionKind::Evidence)
    } else {
        None
    }
}

/// Does a paragraph look like a heading: a heading style, or a short bold
/// or centred line, or a short line numbered 一、/（一）?
fn is_heading_like(p: &Para) -> bool {
    let text = p.text.trim();
    let n = text.chars().count();
    if n == 0 || n > 40 {
        return false;
    }
    if p.heading.is_some() {
        return true;
    }
    let sentence = text.ends_with(['。', '；', '，']);
    let numbered = strip_numbering(text).len() != text.len()
        && !text.starts_with(|c: char| c.is_ascii_digit());
    !sentence && (p.bold || p.centered || numbered && n <= 20)
}

/// `图1 标题` / `表 2：标题`: the caption's text without its number.
fn caption(text: &str, mark: char) -> Option<String> {
    let t = fold_width(text);
    let rest = t.trim().strip_prefix(mark)?.trim_start();
    let digits = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .count();
    if digits == 0 {
        return None;
    }
    let rest = &rest[digits..];
    let rest = rest.trim_start_matches([' ', '.', ':', '：', '、', '\u{3000}']);
    (!rest.is_empty()).then(|| rest.trim().to_string())
}

/// A YAML string, quoted so that no value can break the front matter.
fn yaml(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

fn table_markdown(rows: &[Vec<String>]) -> String {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let line = |row: &Vec<String>| {
        let cells: Vec<String> = (0..width)
            .map(|i| cell(row.get(i).map_or("", String::as_str)))
            .collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        out.push(line(row));
        if i == 0 {
            out.push(format!("|{}", " --- |".repeat(width)));
        }
    }
    out.join("\n")
}

/// Find `label` followed by a value: `法定代表人：张某某，` → 张某某.
fn labelled(text: &str, labels: &[&str], max: usize) -> Option<String> {
    for label in labels {
        if let Some(at) = text.find(label) {
            let rest = text[at + label.len()..].trim_start_matches(['：', ':', ' ', '为', '是']);
            let value: String = rest
                .chars()
                .take_while(|c| !"，。、；;,\n（(".contains(*c))
                .take(max + 1)
                .collect();
            let value = value.trim().to_string();
            if !value.is_empty() && value.chars().count() <= max {
                return Some(value);
            }
        }
    }
    None
}

/// An enterprise name in running text: from the sentence start to the
/// first legal-form ending.
fn enterprise_in(text: &str) -> Option<String> {
    const ENDS: &[&str] = &[
        "股份有限公司",
        "有限责任公司",
        "有限公司",
        "集团",
        "研究院",
        "公司",
    ];
    let first = text.split(['。', '，', ',']).next()?.trim();
    let end = ENDS
        .iter()
        .filter_map(|e| first.find(e).map(|i| i + e.len()))
        .min()?;
    let name = first[..end].trim_start_matches(|c: char| !is_cjk(c) && !c.is_alphanumeric());
    (name.chars().count() >= 4).then(|| name.to_string())
}

/// A GB/T 4754 code in running text (`行业代码C3921`).
fn industry_code_in(text: &str) -> Option<String> {
    let t = fold_width(text);
    let at = t.find("代码")?;
    let rest = &t[at..];
    let start = rest.find(|c: char| c.is_ascii_uppercase())?;
    let code: String = rest[start..]
        .chars()
        .enumerate()
        .take_while(|(i, c)| {
            if *i == 0 {
                c.is_ascii_uppercase()
            } else {
                c.is_ascii_digit()
            }
        })
        .map(|(_, c)| c)
        .collect();
    crate::content::rulebook::industry_code_problem(&code)
        .is_none()
        .then_some(code)
}

pub fn convert(blocks: &[Block], notes: &[String], meta: &Meta) -> Converted {
    // Front part: everything before the first required section (all of
    // it when none is recognised).
    let first_section = blocks.iter().position(
        |b| matches!(b, Block::Paragraph(p) if is_heading_like(p) && section_of(&p.text).is_some()),
    );
    let front = &blocks[..first_section.unwrap_or(blocks.len())];
    let front_paras: Vec<&Para> = front
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) if !p.text.trim().is_empty() => Some(p),
            _ => None,
        })
        .collect();
    let strip_label = |t: &str| {
        let t = t.trim();
        ["质量标杆名称", "案例名称", "名称", "标题"]
            .iter()
            .find_map(|l| t.strip_prefix(l))
            .map(|r| r.trim_start_matches(['：', ':', ' ']).to_string())
            .unwrap_or_else(|| t.to_string())
    };
    let title_para = front_paras
        .iter()
        .find(|p| p.heading == Some(0))
        .or_else(|| front_paras.iter().find(|p| p.text.trim().ends_with("经验")))
        .or_else(|| front_paras.iter().find(|p| is_heading_like(p)))
        .or(front_paras.first())
        .copied();
    let title = title_para.map(|p| strip_label(&p.text));
    let front_text: String = front_paras
        .iter()
        .map(|p| p.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");

    // Body: sections and their Markdown. Whatever comes before the first
    // required section (the title line aside, which is in the front
    // matter) is kept in the unsorted part (`None`), never dropped.
    let body = blocks;
    let mut sections: Vec<(Option<SectionKind>, Vec<String>)> = vec![(None, Vec::new())];
    let mut images = Vec::new();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    // The marker of the list the last block is, if it is one.
    let mut list_open: Option<&str> = None;
    let flush = |sections: &mut Vec<(Option<SectionKind>, Vec<String>)>, out: &mut Vec<String>| {
        if let Some(last) = sections.last_mut() {
            last.1.append(out);
        }
        out.clear();
    };
    while i < body.len() {
        match &body[i] {
            Block::Paragraph(p) if p.text.trim().is_empty() => {
                i += 1;
                continue;
            }
            Block::Paragraph(p) if title_para.is_some_and(|t| std::ptr::eq(t, p)) => {}
            Block::Paragraph(p) => {
                let next_is_table = matches!(body.get(i + 1), Some(Block::Table(_)));
                if let (Some(c), true) = (caption(&p.text, '表'), next_is_table) {
                    out.push(format!("表：{c}"));
                } else if let Some(kind) = is_heading_like(p).then(|| section_of(&p.text)).flatten()
                {
                    flush(&mut sections, &mut out);
                    sections.push((Some(kind), Vec::new()));
                } else if is_heading_like(p) && caption(&p.text, '图').is_none() {
                    let hashes = if p.heading.is_some_and(|l| l >= 3) {
                        "####"
                    } else {
                        "###"
                    };
                    out.push(format!("{hashes} {}", p.text.trim()));
                } else if let Some(ordered) = p.list {
                    let marker = if ordered { "1." } else { "-" };
                    let item = format!("{marker} {}", p.markdown.trim());
                    // List items stay together: no blank line between them.
                    match out.last_mut() {
                        Some(prev) if list_open == Some(marker) => {
                            prev.push('\n');
                            prev.push_str(&item);
                        }
                        _ => out.push(item),
                    }
                    list_open = Some(marker);
                    i += 1;
                    continue;
                } else {
                    out.push(p.markdown.trim().to_string());
                }
            }
            Block::Table(rows) => {
                if !rows.is_empty() {
                    out.push(table_markdown(rows));
                }
            }
            Block::Image { name, bytes } => {
                // The media part's name is the document's to choose: only
                // a plain extension reaches the bundle's file name.
                let ext = name
                    .rsplit_once('.')
                    .map(|(_, e)| e.to_ascii_lowercase())
                    .filter(|e| {
                        (1..=8).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
                    .unwrap_or_else(|| "png".into());
                let file = format!("figure-{}.{ext}", images.len() + 1);
                images.push((file.clone(), bytes.clone()));
                let caption_text = match body.get(i + 1) {
                    Some(Block::Paragraph(p)) => caption(&p.text, '图'),
                    _ => None,
                };
                if caption_text.is_some() {
                    i += 1;
                }
                out.push(format!("![{}]({file})", caption_text.unwrap_or_default()));
            }
        }
        list_open = None;
        i += 1;
    }
    flush(&mut sections, &mut out);
    if !notes.is_empty() {
        // docx-rs does not say where a note was referenced: the editor
        // places each one (the unsorted part must be emptied anyway).
        let list: Vec<String> = notes
            .iter()
            .map(|n| format!("1. {}", n.replace('\n', " ")))
            .collect();
        sections[0]
            .1
            .push("**原文的脚注和尾注**（请移到正文中引用它们的地方）".to_string());
        sections[0].1.push(list.join("\n"));
    }
    let unsorted = sections[0].1.len();

    let section_text = |kind: SectionKind| -> String {
        sections
            .iter()
            .filter(|(k, _)| *k == Some(kind))
            .flat_map(|(_, lines)| lines.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let profile = section_text(SectionKind::Profile);
    let enterprise = labelled(&front_text, &["申报单位", "企业名称", "单位名称"], 40)
        .or_else(|| enterprise_in(&profile))
        .or_else(|| title.as_deref().and_then(enterprise_in));
    let legal = labelled(&profile, &["法定代表人"], 6);
    let code = industry_code_in(&profile);
    let district = meta
        .districts
        .iter()
        .find(|d| profile.contains(d.as_str()) || front_text.contains(d.as_str()))
        .cloned();

    let mut fm = vec![
        "---".to_string(),
        format!("id: {}", yaml(meta.id)),
        format!("title: {}", yaml(title.as_deref().unwrap_or(PLACEHOLDER))),
        "enterprise:".to_string(),
        format!(
            "  name: {}",
            yaml(enterprise.as_deref().unwrap_or(PLACEHOLDER))
        ),
    ];
    if let Some(legal) = &legal {
        fm.push(format!("  legal_representative: {}", yaml(legal)));
    }
    if let Some(code) = &code {
        fm.push(format!("  industry_code: {}", yaml(code)));
    }
    fm.push(format!("year: {}", meta.year));
    fm.push("# 以下三项从 casebook.toml 的列表中选填".to_string());
    fm.push(format!("priority_area: {}", yaml(PLACEHOLDER)));
    fm.push(format!("industry: {}", yaml(PLACEHOLDER)));
    fm.push(format!(
        "district: {}",
        yaml(district.as_deref().unwrap_or(PLACEHOLDER))
    ));
    fm.push("methods: []".to_string());
    fm.push("status: submitted".to_string());
    fm.push(
        "# 实施效果的指标：每项写连续三年的 years、values，以及 competitor 或 benchmark"
            .to_string(),
    );
    fm.push("metrics: []".to_string());
    fm.push("---".to_string());

    let mut body_md = Vec::new();
    if unsorted > 0 {
        body_md.push(format!("## {UNSORTED_HEADING}"));
        body_md.extend(sections[0].1.iter().cloned());
    }
    let mut missing = Vec::new();
    for kind in SectionKind::ALL {
        let present: Vec<&(Option<SectionKind>, Vec<String>)> =
            sections.iter().filter(|(k, _)| *k == Some(kind)).collect();
        if present.is_empty() {
            if kind.is_required() {
                missing.push(kind);
            }
            continue;
        }
        body_md.push(format!("## {}", kind.heading()));
        for (_, lines) in present {
            body_md.extend(lines.iter().cloned());
        }
    }
    let markdown = format!("{}\n{}\n", fm.join("\n"), body_md.join("\n\n"));
    Converted {
        markdown,
        images,
        missing,
        unsorted,
        notes: notes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_sections_by_text() {
        assert_eq!(section_of("一、摘要"), Some(SectionKind::Abstract));
        assert_eq!(section_of("（一）企业概况"), Some(SectionKind::Profile));
        assert_eq!(
            section_of("三、管理方法(技术)的推进和应用情况"),
            Some(SectionKind::Practice)
        );
        assert_eq!(
            section_of("4. 管理方法（技术）的实施效果："),
            Some(SectionKind::Results)
        );
        assert_eq!(
            section_of("第五部分 证实性材料"),
            Some(SectionKind::Evidence)
        );
        assert_eq!(section_of("一、背景与目标"), None);
    }

    #[test]
    fn picture_names_from_the_document_never_make_folders() {
        let meta = Meta {
            id: "2024-001",
            year: 2024,
            districts: Vec::new(),
        };
        let blocks: Vec<Block> = ["media/a.png/../../x", "media/b.JPEG", "media/c", "d.p\\ng"]
            .into_iter()
            .map(|name| Block::Image {
                name: name.to_string(),
                bytes: vec![1],
            })
            .collect();
        let names: Vec<String> = convert(&blocks, &[], &meta)
            .images
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            [
                "figure-1.png",
                "figure-2.jpeg",
                "figure-3.png",
                "figure-4.png"
            ]
        );
    }

    #[test]
    fn never_panics_on_odd_text() {
        let odd = "第（一)二、(3）第部分章 图１-表 法定代表人：代码Ｃ12公司。有限公司";
        let at: Vec<usize> = odd
            .char_indices()
            .map(|(i, _)| i)
            .chain([odd.len()])
            .collect();
        for &a in &at {
            for &b in at.iter().filter(|&&b| b >= a) {
                let t = &odd[a..b];
                let _ = (section_of(t), caption(t, '图'), caption(t, '表'));
                let _ = (
                    enterprise_in(t),
                    industry_code_in(t),
                    labelled(t, &["法定代表人"], 6),
                );
            }
        }
    }

    #[test]
    fn captions_lose_their_numbers() {
        assert_eq!(caption("图1 质量屋", '图'), Some("质量屋".into()));
        assert_eq!(
            caption("表 2：主要指标对标", '表'),
            Some("主要指标对标".into())
        );
        assert_eq!(caption("图表说明", '图'), None);
    }

    #[test]
    fn finds_names_and_codes() {
        let profile = "上海星联通信设备有限公司成立于2012年，法定代表人马某某，属通信设备制造业（行业代码C3921）。";
        assert_eq!(
            enterprise_in(profile).as_deref(),
            Some("上海星联通信设备有限公司")
        );
        assert_eq!(
            labelled(profile, &["法定代表人"], 6).as_deref(),
            Some("马某某")
        );
        assert_eq!(industry_code_in(profile).as_deref(), Some("C3921"));
    }
}
