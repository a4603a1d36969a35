//! The case skeleton for `casebook new` (`cmd::new`): every field and
//! section, so editors start from the contract instead of from memory. The
//! file is written by `editor_files::create_new` (never over anything,
//! never through a link).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::editor_files;

/// Where a new case `id` (a valid `YYYY-NNN`) goes, below the site root.
pub fn bundle_path(id: &str) -> PathBuf {
    cases_year(id).join(id).join("index.md")
}

fn cases_year(id: &str) -> PathBuf {
    Path::new("content/cases").join(&id[..4])
}

/// What already takes the case `id` in any form: a bundle, a single file,
/// or a link (even a dangling one) at either name.
pub fn taken(root: &Path, id: &str) -> Option<PathBuf> {
    let year_dir = cases_year(id);
    [year_dir.join(id), year_dir.join(format!("{id}.md"))]
        .into_iter()
        .map(|taken| root.join(taken))
        .find(|path| std::fs::symlink_metadata(path).is_ok())
}

/// Write the skeleton of case `id` at [`bundle_path`] below `root`: a new
/// file, never over anything, never through a linked `content/cases`, year
/// or bundle folder. Returns the file written.
pub fn write(root: &Path, id: &str, config: &Config) -> std::io::Result<PathBuf> {
    let bundle = bundle_path(id);
    let text = skeleton(id, &id[..4], config);
    editor_files::create_new(root, &bundle, text.as_bytes())?;
    Ok(root.join(bundle))
}

fn skeleton(id: &str, year: &str, config: &Config) -> String {
    let first = |terms: &[crate::config::TermConfig]| {
        terms.first().map(|t| t.name.clone()).unwrap_or_default()
    };
    let list = |terms: &[crate::config::TermConfig]| {
        terms
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let prev: i64 = year.parse::<i64>().unwrap_or(2024);
    let cohort = format!("{}-{}", prev - 1, prev);
    format!(
        r#"---
id: "{id}"
# 质量标杆名称，不超过 40 字：（企业）+（典型方法技术）+（经验）
title: 某某公司实施某某方法提升质量的经验
enterprise:
  name: 上海某某有限公司
  legal_representative: 
  nature: 民营企业
  founded: "2000"
  # industry_code: C3973     # GB/T 4754-2017 行业代码（门类字母加大类、中类或小类），填写后去掉行首的 #
  district: {district}
  website: 
year: {year}
cohort: {cohort}
# 可选：{areas}
priority_area: {area}
# 可选：{industries}
industry: {industry}
district: {district}
methods: [六西格玛]
technologies: []
honors: []
# approved | national（发布）；draft | submitted | rejected（不发布）
status: draft
recommender: 
# cover: cover.png            # 分享卡片用图，放在本文件旁边
aliases: []
metrics:
  - name: 一次合格率
    unit: "%"
    higher_is_better: true
    years: [{y1}, {y2}, {y3}]
    values: [0, 0, 0]
    competitor: [0, 0, 0]
    benchmark: [0, 0, 0]
private:
  contact: 联系人及电话（不会发布）
---
## 摘要

（不超过 500 字：方法、推进方式、亮点、主要成效、所获认可）

## 企业概况

（不超过 500 字）

## 管理方法（技术）的推进和应用情况

（不超过 8000 字。图片单独成段：`![图题](图片.png)`；表格前一段写“表：表题”）

## 管理方法（技术）的实施效果

（不超过 2000 字，近三年数据，与竞争对手和行业标杆对比）

## 证实性材料

（可选）
"#,
        district = first(&config.districts),
        cohort = cohort,
        areas = list(&config.priority_areas),
        area = first(&config.priority_areas),
        industries = list(&config.industries),
        industry = first(&config.industries),
        y1 = prev - 3,
        y2 = prev - 2,
        y3 = prev - 1,
    )
}
