//! The site configuration, `casebook.toml`: site identity and the
//! taxonomy terms (priority areas, industries, districts, known methods)
//! with their ASCII slugs and display order.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::diagnostics::{rules, Diagnostic};
use crate::slug::is_valid_slug;

pub const CONFIG_FILE: &str = "casebook.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    #[serde(default)]
    pub priority_areas: Vec<TermConfig>,
    #[serde(default)]
    pub industries: Vec<TermConfig>,
    #[serde(default)]
    pub districts: Vec<TermConfig>,
    /// Known methods: fixed slugs and display order. Others get pinyin slugs.
    #[serde(default)]
    pub methods: Vec<TermConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    /// A shorter name for the header on narrow screens.
    pub short_title: Option<String>,
    #[serde(default)]
    pub description: String,
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub editor: String,
}

fn default_language() -> String {
    "zh-CN".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermConfig {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
}

impl Config {
    /// Read and validate `ROOT/casebook.toml`. Every problem found is returned.
    pub fn load(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => {
                return Err(vec![Diagnostic::error(
                    rules::CONFIG_MISSING,
                    CONFIG_FILE,
                    format!("无法读取站点配置文件 {}：{err}", path.display()),
                )
                .help("在站点根目录放置 casebook.toml，或用 --root 指向含有它的目录")])
            }
        };
        Config::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Config, Vec<Diagnostic>> {
        let text = text.trim_start_matches('\u{feff}');
        let config: Config = toml::from_str(text).map_err(|err| {
            let (line, column) = err
                .span()
                .map(|span| line_col(text, span.start))
                .unwrap_or((0, 0));
            vec![Diagnostic::error(
                rules::CONFIG_INVALID,
                CONFIG_FILE,
                format!("配置文件格式有误：{}", err.message()),
            )
            .at(line, column)
            .help("对照 README 中的配置说明修改；字符串要加英文双引号")]
        })?;
        let problems = config.validate();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    fn validate(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut bad = |message: String, help: &str| {
            problems.push(
                Diagnostic::error(rules::CONFIG_INVALID, CONFIG_FILE, message)
                    .help(help.to_string()),
            );
        };
        if !(self.site.base_url.starts_with("http://")
            || self.site.base_url.starts_with("https://"))
        {
            bad(
                format!(
                    "site.base_url “{}” 不是以 http:// 或 https:// 开头的网址",
                    self.site.base_url
                ),
                "写成完整网址，例如 https://casebook.example.org/",
            );
        } else if !self.site.base_url.is_ascii() {
            bad(
                format!("site.base_url “{}” 含有非 ASCII 字符", self.site.base_url),
                "网址只能用英文字母、数字和符号，微信和二维码会把中文网址弄乱",
            );
        }
        for (label, terms) in [
            ("priority_areas", &self.priority_areas),
            ("industries", &self.industries),
            ("districts", &self.districts),
            ("methods", &self.methods),
        ] {
            if terms.is_empty() && label != "methods" {
                bad(
                    format!("配置中没有 [[{label}]]"),
                    "至少配置一项，见示例站点的 casebook.toml",
                );
            }
            let mut names = HashSet::new();
            let mut slugs = HashSet::new();
            for term in terms {
                if !is_valid_slug(&term.slug) {
                    bad(
                        format!("[[{label}]] “{}” 的 slug “{}” 不合规", term.name, term.slug),
                        "slug 只能用小写英文字母、数字和连字符，例如 six-sigma",
                    );
                }
                if !names.insert(term.name.as_str()) {
                    bad(
                        format!("[[{label}]] 中“{}”出现了两次", term.name),
                        "删去重复的一项",
                    );
                }
                if !slugs.insert(term.slug.as_str()) {
                    bad(
                        format!("[[{label}]] 中 slug “{}” 被两个词条共用", term.slug),
                        "给每个词条不同的 slug，否则它们的页面会互相覆盖",
                    );
                }
            }
        }
        problems
    }

    /// The site's base URL with a trailing slash.
    pub fn base_url(&self) -> String {
        let url = self.site.base_url.trim_end_matches('/');
        format!("{url}/")
    }

    /// The path part of the base URL, starting and ending with `/`: every
    /// internal link is prefixed with it so a site can live in a subfolder.
    pub fn base_path(&self) -> String {
        base_path_of(&self.base_url())
    }
}

/// The path part of a base URL, starting and ending with `/`.
pub fn base_path_of(base_url: &str) -> String {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) if after_scheme.ends_with('/') => after_scheme[i..].to_string(),
        Some(i) => format!("{}/", &after_scheme[i..]),
        None => "/".to_string(),
    }
}

/// 1-based line and character column of byte offset `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[site]
title = "T"
base_url = "https://example.org/casebook"
[[priority_areas]]
name = "其他"
slug = "other"
[[industries]]
name = "汽车"
slug = "automotive"
[[districts]]
name = "黄浦区"
slug = "huangpu"
"#;

    #[test]
    fn parses_and_derives_base_path() {
        let config = Config::parse(MINIMAL).unwrap();
        assert_eq!(config.base_url(), "https://example.org/casebook/");
        assert_eq!(config.base_path(), "/casebook/");
        assert_eq!(config.site.language, "zh-CN");
    }

    #[test]
    fn reports_bad_slug_and_duplicates() {
        let text = MINIMAL.replace("slug = \"huangpu\"", "slug = \"黄浦\"");
        let errs = Config::parse(&text).unwrap_err();
        assert!(errs[0].message.contains("slug"), "{errs:?}");
    }

    #[test]
    fn reports_toml_errors_with_position() {
        let errs = Config::parse("[site]\ntitle = 未加引号\n").unwrap_err();
        assert_eq!(errs[0].rule, rules::CONFIG_INVALID);
        assert_eq!(errs[0].line, 2);
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\n质量x", 9), (2, 3));
    }
}
