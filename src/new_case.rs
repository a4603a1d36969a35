//! `casebook new ID`: write a case skeleton with every field and section,
//! so editors start from the contract instead of from memory. Ids whose year
//! `check` would refuse are refused first; the file is written by
//! `editor_files::create_new` (never over anything, never through a link).

use std::path::Path;

use crate::config::Config;
use crate::content::{implausible_id_year, is_valid_id};
use crate::editor_files;

pub fn run(root: &Path, id: &str) -> i32 {
    if !is_valid_id(id) {
        eprintln!("错误：案例编号“{id}”格式不对，应为“年份-序号”，例如 2024-001");
        return 2;
    }
    if let Some(why) = implausible_id_year(id) {
        eprintln!("错误：{why}");
        return 2;
    }
    let year = &id[..4];
    let config = match Config::load(root) {
        Ok(config) => config,
        Err(diags) => {
            crate::diagnostics::print_human(&diags, root);
            return 1;
        }
    };
    let year_dir = Path::new("content/cases").join(year);
    let bundle = year_dir.join(id).join("index.md");
    // Taken in any form: a bundle, a single file, or a link (even a
    // dangling one) at either name.
    for taken in [year_dir.join(id), year_dir.join(format!("{id}.md"))] {
        if std::fs::symlink_metadata(root.join(&taken)).is_ok() {
            eprintln!("错误：案例 {id} 已存在：{}", root.join(&taken).display());
            return 1;
        }
    }
    let file = root.join(&bundle);
    // A new file, never over anything, never through a linked
    // `content/cases`, year or bundle folder.
    let text = skeleton(id, year, &config);
    if let Err(err) = editor_files::create_new(root, &bundle, text.as_bytes()) {
        eprintln!("错误：无法创建 {}：{err}", file.display());
        return 1;
    }
    println!("{}", file.display());
    eprintln!(
        "已创建案例模板：{}。填好各字段和章节后运行 casebook check。",
        file.display()
    );
    0
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
