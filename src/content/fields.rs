//! Reading typed values out of parsed front matter, with diagnostics that
//! point at the key's line. Lenient where YAML's typing surprises people
//! (`founded: 1998` is read as the string "1998"), strict where it matters.

use serde_yaml::{Mapping, Value};

use super::frontmatter::{self, KeyLocator, Split};
use crate::diagnostics::{rules, Diagnostic};

/// A file's front matter cut off (`frontmatter::split`), parsed
/// (`frontmatter::parse`) and ready to read field by field; every file kind
/// with front matter starts here. Unknown keys (not in `known`) are
/// reported at once.
pub fn read_front_matter<'a>(
    text: &'a str,
    file: &'a str,
    known: &[&str],
) -> Result<(Split<'a>, Mapping, Fields<'a>), Vec<Diagnostic>> {
    let split = frontmatter::split(text, file).map_err(|diag| vec![diag])?;
    let map = frontmatter::parse(&split, file)?;
    let mut fields = Fields {
        locator: KeyLocator::new(&split),
        file,
        diagnostics: Vec::new(),
    };
    fields.unknown_keys(&map, &[], known);
    Ok((split, map, fields))
}

pub struct Fields<'a> {
    pub locator: KeyLocator<'a>,
    pub file: &'a str,
    pub diagnostics: Vec<Diagnostic>,
}

/// What a YAML value is, in words an editor knows.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "空值".to_string(),
        Value::Bool(b) => format!("布尔值 {b}"),
        Value::Number(n) => format!("数字 {n}"),
        Value::String(s) => format!("文字“{s}”"),
        Value::Sequence(_) => "列表".to_string(),
        Value::Mapping(_) => "字段组".to_string(),
        Value::Tagged(_) => "带标签的值".to_string(),
    }
}

/// A field path as editors read it: `metrics[2].values` (items 1-based).
pub fn display_path(path: &[&str]) -> String {
    let mut out = String::new();
    for step in path {
        let index = step
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .and_then(|n| n.parse::<usize>().ok());
        match index {
            Some(n) => out.push_str(&format!("[{}]", n + 1)),
            None if out.is_empty() => out.push_str(step),
            None => {
                out.push('.');
                out.push_str(step);
            }
        }
    }
    out
}

pub fn get<'m>(map: &'m Mapping, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| !v.is_null())
}

impl<'a> Fields<'a> {
    pub fn error(
        &mut self,
        rule: &'static str,
        path: &[&str],
        message: String,
        help: impl Into<String>,
    ) {
        let (line, column) = self.locator.locate(path);
        let length = path.last().map_or(1, |k| k.len());
        self.diagnostics.push(
            Diagnostic::error(rule, self.file, message)
                .at(line, column)
                .spanning(length)
                .help(help),
        );
    }

    pub fn warning(
        &mut self,
        rule: &'static str,
        path: &[&str],
        message: String,
        help: impl Into<String>,
    ) {
        let (line, column) = self.locator.locate(path);
        self.diagnostics.push(
            Diagnostic::warning(rule, self.file, message)
                .at(line, column)
                .spanning(path.last().map_or(1, |k| k.len()))
                .help(help),
        );
    }

    pub fn missing(&mut self, path: &[&str], what: &str, example: &str) {
        let name = display_path(path);
        self.error(
            rules::FIELD_MISSING,
            path,
            format!("缺少必填字段 {name}（{what}）"),
            format!("在前置信息中加上一行，例如 {example}"),
        );
    }

    fn wrong_type(&mut self, path: &[&str], expected: &str, value: &Value) {
        let name = display_path(path);
        self.error(
            rules::FIELD_TYPE,
            path,
            format!("字段 {name} 应为{expected}，实际是{}", describe(value)),
            format!("把 {name} 改成{expected}"),
        );
    }

    /// A text value; numbers and booleans are taken as their text.
    pub fn string(&mut self, map: &Mapping, path: &[&str]) -> Option<String> {
        let value = get(map, path.last()?)?;
        match value {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.wrong_type(path, "一段文字", other);
                None
            }
        }
    }

    pub fn required_string(
        &mut self,
        map: &Mapping,
        path: &[&str],
        what: &str,
        example: &str,
    ) -> Option<String> {
        let present = path.last().and_then(|k| get(map, k)).is_some();
        match self.string(map, path) {
            Some(s) if !s.is_empty() && s.chars().all(crate::text::is_invisible) => {
                let name = display_path(path);
                self.error(
                    rules::FIELD_MISSING,
                    path,
                    format!("字段 {name}（{what}）只有看不见的字符（零宽字符、方向控制符或空格），等于没有填写"),
                    format!("删掉这些字符，填上内容，例如 {example}"),
                );
                None
            }
            Some(s) if !s.is_empty() => Some(s),
            // Present but of the wrong type: already reported.
            None if present => None,
            _ => {
                self.missing(path, what, example);
                None
            }
        }
    }

    pub fn integer(&mut self, map: &Mapping, path: &[&str]) -> Option<i64> {
        let value = get(map, path.last()?)?;
        match value {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            other => {
                self.wrong_type(path, "整数", other);
                None
            }
        }
    }

    pub fn boolean(&mut self, map: &Mapping, path: &[&str]) -> Option<bool> {
        let value = get(map, path.last()?)?;
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(path, " true 或 false", other);
                None
            }
        }
    }

    /// A list of texts; a single text is taken as a one-item list.
    pub fn string_list(&mut self, map: &Mapping, path: &[&str]) -> Vec<String> {
        let Some(value) = path.last().and_then(|k| get(map, k)) else {
            return Vec::new();
        };
        match value {
            Value::String(s) => vec![s.trim().to_string()],
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                        Value::Number(n) => out.push(n.to_string()),
                        other => {
                            self.wrong_type(path, "文字列表（如 [六西格玛, 精益]）", other);
                            return Vec::new();
                        }
                    }
                }
                out
            }
            other => {
                self.wrong_type(path, "文字列表（如 [六西格玛, 精益]）", other);
                Vec::new()
            }
        }
    }

    /// A list of numbers.
    pub fn number_list(&mut self, map: &Mapping, path: &[&str]) -> Option<Vec<f64>> {
        let value = get(map, path.last()?)?;
        let Value::Sequence(items) = value else {
            self.wrong_type(path, "数字列表（如 [95.1, 96.8, 98.2]）", value);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item.as_f64() {
                Some(n) if n.is_finite() => out.push(n),
                _ => {
                    self.wrong_type(
                        path,
                        "数字列表（如 [95.1, 96.8, 98.2]），每一项都是数字",
                        item,
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    pub fn mapping<'m>(&mut self, map: &'m Mapping, path: &[&str]) -> Option<&'m Mapping> {
        let value = get(map, path.last()?)?;
        match value {
            Value::Mapping(m) => Some(m),
            other => {
                self.wrong_type(path, "字段组（下一行起缩进两格写子字段）", other);
                None
            }
        }
    }

    /// Warn about keys not in `known`, suggesting the closest known one.
    pub fn unknown_keys(&mut self, map: &Mapping, parent: &[&str], known: &[&str]) {
        for key in map.keys() {
            let Some(key) = key.as_str() else { continue };
            if known.contains(&key) {
                continue;
            }
            let closest = known
                .iter()
                .map(|k| (strsim::jaro_winkler(key, k), *k))
                .filter(|(score, _)| *score > 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| k);
            let mut path = parent.to_vec();
            path.push(key);
            let name = display_path(&path);
            let help = match closest {
                Some(k) => format!("你是不是想写 {k}？如果是，请改正拼写；否则删除这个字段"),
                None => format!("可用的字段有：{}", known.join("、")),
            };
            self.warning(
                rules::FIELD_UNKNOWN,
                &path,
                format!("未知字段 {name}，构建时会被忽略"),
                help,
            );
        }
    }
}
