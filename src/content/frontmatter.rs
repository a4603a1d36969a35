//! Splitting a file into YAML front matter and Markdown body, parsing the
//! YAML, and locating keys in it so diagnostics can point at a line.
//!
//! Chinese input methods make characteristic slips in YAML: a full-width
//! colon after a key (`title：…` turns the whole block into one string), a
//! full-width space U+3000 as indentation, tabs. They are caught here, before
//! the YAML parser gives a confusing message about them.

use serde_yaml::{Mapping, Value};

use crate::diagnostics::{rules, Diagnostic};

/// A file cut in two at its front matter fences.
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line of the first YAML line.
    pub yaml_line: usize,
    pub body: &'a str,
    /// 1-based line of the first body line.
    pub body_line: usize,
}

/// Cut `text` at the `---` fences.
pub fn split<'a>(text: &'a str, file: &str) -> Result<Split<'a>, Diagnostic> {
    let first_line = text.lines().next().unwrap_or("");
    if first_line.trim_end() != "---" {
        return Err(Diagnostic::error(rules::FRONT_MATTER_MISSING, file, "文件开头没有前置信息（front matter）")
            .at(1, 1)
            .help("文件第一行写 ---，接着写 id、title 等字段，再用一行 --- 结束；可用 casebook new 生成模板"));
    }
    let yaml_start = first_line.len() + 1;
    let mut offset = yaml_start.min(text.len());
    for (line_no, line) in (2..).zip(text[offset..].split_inclusive('\n')) {
        if line.trim_end() == "---" {
            let body_start = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::error(
        rules::FRONT_MATTER_UNCLOSED,
        file,
        "前置信息从第 1 行的 --- 开始，但没有找到结束它的 ---",
    )
    .at(1, 1)
    .spanning(3)
    .help("在最后一个字段之后、正文之前加一行 ---"))
}

/// Check for the input-method slips, then parse the YAML into a mapping.
pub fn parse(split: &Split, file: &str) -> Result<Mapping, Vec<Diagnostic>> {
    let slips = find_input_method_slips(split.yaml, split.yaml_line, file);
    if !slips.is_empty() {
        return Err(slips);
    }
    let value: Value =
        serde_yaml::from_str(split.yaml).map_err(|err| vec![yaml_error(&err, split, file)])?;
    match value {
        Value::Mapping(map) => Ok(map),
        Value::Null => Ok(Mapping::new()),
        _ => Err(vec![Diagnostic::error(
            rules::FRONT_MATTER_NOT_MAPPING,
            file,
            "前置信息不是“字段: 值”的形式",
        )
        .at(split.yaml_line, 1)
        .help(
            "每行写一个字段，字段名后用半角冒号加空格，例如 title: 某某公司实施六西格玛的经验",
        )]),
    }
}

fn find_input_method_slips(yaml: &str, first_line: usize, file: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (i, line) in yaml.lines().enumerate() {
        let line_no = first_line + i;
        let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
        if let Some(pos) = indent.chars().position(|c| c == '\u{3000}') {
            found.push(
                Diagnostic::error(
                    rules::YAML_FULLWIDTH_SPACE,
                    file,
                    "这一行用全角空格（U+3000）缩进，YAML 不认",
                )
                .at(line_no, pos + 1)
                .help("把行首的全角空格换成半角空格（关闭输入法的全角模式再输入）"),
            );
            continue;
        }
        if let Some(pos) = indent.chars().position(|c| c == '\t') {
            found.push(
                Diagnostic::error(
                    rules::YAML_TAB_INDENT,
                    file,
                    "这一行用 Tab 缩进，YAML 只允许空格缩进",
                )
                .at(line_no, pos + 1)
                .help("把 Tab 换成两个空格"),
            );
            continue;
        }
        // `key：value` – a key made of ASCII letters followed by a full-width
        // colon. Full-width colons inside values are fine and not matched.
        let rest = line.trim_start();
        let rest = rest.strip_prefix("- ").unwrap_or(rest);
        let key_len = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .count();
        if key_len > 0 {
            let after_key = rest[key_len..].trim_start_matches(' ');
            if after_key.starts_with('：') {
                let key = &rest[..key_len];
                let column = line.chars().count() - after_key.chars().count() + 1;
                found.push(
                    Diagnostic::error(
                        rules::YAML_FULLWIDTH_COLON,
                        file,
                        format!("字段 {key} 后面用了全角冒号“：”，YAML 只认半角冒号"),
                    )
                    .at(line_no, column)
                    .help(format!(
                        "改成半角冒号加一个空格：{key}: …（切换到英文标点再输入）"
                    )),
                );
            }
        }
    }
    found
}

fn yaml_error(err: &serde_yaml::Error, split: &Split, file: &str) -> Diagnostic {
    let raw = err.to_string();
    let (message, help) = if raw.contains("mapping values are not allowed") {
        (
            "值里有未加引号的“: ”（冒号加空格），YAML 把它当成了新的字段".to_string(),
            "给整个值加上英文双引号，例如 title: \"…: …\"，或把值里的冒号改成全角“：”",
        )
    } else if raw.contains("did not find expected key") || raw.contains("did not find expected '-'")
    {
        (
            "缩进不一致，YAML 找不到下一个字段".to_string(),
            "同一层的字段要对齐，子字段统一多缩进两个空格",
        )
    } else if raw.contains("found character that cannot start any token") {
        (
            "这里有 YAML 不允许放在值开头的字符（如 @、`、%）".to_string(),
            "给这个值加上英文双引号",
        )
    } else if raw.contains("duplicate entry") {
        (
            "同一个字段写了两次".to_string(),
            "删去重复的字段，只保留一个",
        )
    } else if raw.contains("recursion limit") || raw.contains("repetition limit") {
        (
            "前置信息嵌套或引用（&、*）过多".to_string(),
            "去掉 YAML 锚点和引用，直接写出值",
        )
    } else {
        (
            "前置信息的 YAML 语法有误".to_string(),
            "检查这一行的冒号、引号和缩进",
        )
    };
    let (line, column) = err.location().map_or((split.yaml_line, 1), |loc| {
        yaml_position(split, loc.index())
    });
    Diagnostic::error(
        rules::YAML_SYNTAX,
        file,
        format!("{message}（YAML：{raw}）"),
    )
    .at(line, column)
    .help(help)
}

/// The file's line and column (1-based, the column in characters) of
/// byte `index` of the YAML text. YAML also ends a line at a lone CR,
/// editors and Casebook only at LF: serde_yaml's own line number can point
/// past the end of the file, so the position is counted again here.
fn yaml_position(split: &Split, index: usize) -> (usize, usize) {
    let mut end = index.min(split.yaml.len());
    while !split.yaml.is_char_boundary(end) {
        end -= 1;
    }
    let before = &split.yaml[..end];
    let line = split.yaml_line + before.matches('\n').count();
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Finds the line and column of a key in the YAML text, so a diagnostic
/// about a field's value can point at it. serde_yaml keeps no positions.
pub struct KeyLocator<'a> {
    yaml: &'a str,
    first_line: usize,
}

impl<'a> KeyLocator<'a> {
    pub fn new(split: &Split<'a>) -> Self {
        KeyLocator {
            yaml: split.yaml,
            first_line: split.yaml_line,
        }
    }

    /// Position of the key at `path` (e.g. `["enterprise", "name"]`); for a
    /// key that is absent, the position of its nearest present parent, or
    /// the start of the front matter.
    pub fn locate(&self, path: &[&str]) -> (usize, usize) {
        let lines: Vec<&str> = self.yaml.lines().collect();
        let mut best = (self.first_line, 1);
        let mut cursor = Cursor {
            start: 0,
            parent: None,
            item_line: false,
        };
        for step in path {
            let index = step
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .and_then(|n| n.parse::<usize>().ok());
            let found = match index {
                Some(n) => find_item(&lines, &cursor, n),
                None => find_key(&lines, &cursor, step),
            };
            let Some((line, column_byte)) = found else {
                break;
            };
            best = (
                self.first_line + line,
                lines[line][..column_byte].chars().count() + 1,
            );
            cursor = Cursor {
                start: if index.is_some() { line } else { line + 1 },
                parent: Some(column_byte),
                item_line: index.is_some(),
            };
        }
        best
    }
}

/// Where the search for the next path step starts.
struct Cursor {
    start: usize,
    /// Column (bytes) of the enclosing key or item; children are deeper.
    parent: Option<usize>,
    /// `start` is a sequence item line (`- key: …`) whose first key shares it.
    item_line: bool,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#')
}

fn key_at(text: &str, key: &str) -> bool {
    text.strip_prefix(key)
        .is_some_and(|after| after.trim_start().starts_with(':'))
}

/// Line and key column of `key` under the cursor's parent.
fn find_key(lines: &[&str], cursor: &Cursor, key: &str) -> Option<(usize, usize)> {
    let mut from = cursor.start;
    if cursor.item_line {
        let line = lines.get(from)?;
        let content = cursor.parent? + 2;
        if line.get(content..).is_some_and(|rest| key_at(rest, key)) {
            return Some((from, content));
        }
        from += 1;
    }
    for (i, line) in lines.iter().enumerate().skip(from) {
        if is_blank_or_comment(line) {
            continue;
        }
        let indent = indent_of(line);
        match cursor.parent {
            None if indent != 0 => continue,
            Some(parent) if indent <= parent => break,
            _ => {}
        }
        let trimmed = line.trim_start();
        let item = trimmed.strip_prefix("- ").unwrap_or(trimmed);
        if key_at(item, key) {
            return Some((i, line.len() - item.len()));
        }
    }
    None
}

/// Line and dash column of the `n`-th (0-based) item of the sequence under
/// the cursor's parent key. Items may sit at the parent's own indentation.
fn find_item(lines: &[&str], cursor: &Cursor, n: usize) -> Option<(usize, usize)> {
    let mut seen = 0;
    let mut item_indent = None;
    for (i, line) in lines.iter().enumerate().skip(cursor.start) {
        if is_blank_or_comment(line) {
            continue;
        }
        let indent = indent_of(line);
        let is_item = line.trim_start().starts_with('-');
        if let Some(parent) = cursor.parent {
            if indent < parent || (indent == parent && !is_item) {
                break;
            }
        }
        if !is_item || item_indent.is_some_and(|d| d != indent) {
            continue;
        }
        item_indent = Some(indent);
        if seen == n {
            return Some((i, indent));
        }
        seen += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_of(text: &str) -> Split<'_> {
        split(text, "a.md").unwrap()
    }

    #[test]
    fn splits_at_fences() {
        let s = split_of("---\nid: x\n---\n## 摘要\n");
        assert_eq!(s.yaml, "id: x\n");
        assert_eq!(s.body, "## 摘要\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn missing_and_unclosed_front_matter() {
        assert_eq!(
            split("## 摘要", "a.md").err().unwrap().rule,
            rules::FRONT_MATTER_MISSING
        );
        assert_eq!(
            split("---\nid: x\n", "a.md").err().unwrap().rule,
            rules::FRONT_MATTER_UNCLOSED
        );
    }

    #[test]
    fn catches_full_width_colon() {
        let s = split_of("---\nid: x\ntitle：某某公司的经验\n---\n");
        let errs = parse(&s, "a.md").unwrap_err();
        assert_eq!(errs[0].rule, rules::YAML_FULLWIDTH_COLON);
        assert_eq!((errs[0].line, errs[0].column), (3, 6));
    }

    #[test]
    fn full_width_colon_inside_a_value_is_fine() {
        let s = split_of("---\ntitle: 标题：副标题\n---\n");
        assert!(parse(&s, "a.md").is_ok());
    }

    #[test]
    fn catches_full_width_space_indent() {
        let s = split_of("---\nenterprise:\n\u{3000}name: x\n---\n");
        assert_eq!(
            parse(&s, "a.md").unwrap_err()[0].rule,
            rules::YAML_FULLWIDTH_SPACE
        );
    }

    #[test]
    fn yaml_errors_have_positions() {
        let s = split_of("---\nid: x\ntitle: 甲: 乙\n---\n");
        let errs = parse(&s, "a.md").unwrap_err();
        assert_eq!(errs[0].rule, rules::YAML_SYNTAX);
        assert_eq!(errs[0].line, 3);
        assert!(
            errs[0].message.contains("引号") || errs[0].message.contains("冒号"),
            "{}",
            errs[0].message
        );
    }

    #[test]
    fn yaml_errors_are_placed_by_lf_lines_and_characters() {
        // Lone CRs end lines for YAML, not for editors: the unclosed
        // quote is on the file's line 3, not YAML's line 6.
        let s = split_of("---\nid: x\r\r\r\ntitle: \"甲\n---\n");
        let errs = parse(&s, "a.md").unwrap_err();
        assert_eq!((errs[0].rule, errs[0].line), (rules::YAML_SYNTAX, 4));
        let s = split_of("---\n\r\r\r\r\rid: x\ntitle: 甲乙: 丙\n---\n");
        let errs = parse(&s, "a.md").unwrap_err();
        // `: ` after 甲乙 is the 10th character of line 3.
        assert_eq!((errs[0].line, errs[0].column), (3, 10));
    }

    #[test]
    fn locates_keys_inside_sequence_items() {
        let text = "---\nmetrics:\n  - name: 甲\n    values: [1]\n  - name: 乙\n    values: [2, 3]\nother:\n- name: x\n---\n";
        let s = split_of(text);
        let loc = KeyLocator::new(&s);
        assert_eq!(loc.locate(&["metrics", "[1]"]), (5, 3));
        assert_eq!(loc.locate(&["metrics", "[1]", "name"]), (5, 5));
        assert_eq!(loc.locate(&["metrics", "[1]", "values"]), (6, 5));
        assert_eq!(loc.locate(&["metrics", "[0]", "values"]), (4, 5));
        assert_eq!(loc.locate(&["other", "[0]", "name"]), (8, 3));
        assert_eq!(loc.locate(&["metrics", "[5]", "values"]), (2, 1));
    }

    #[test]
    fn locates_nested_keys() {
        let s = split_of("---\nid: x\nenterprise:\n  nature: 国企\n  name: 甲\nname: top\n---\n");
        let loc = KeyLocator::new(&s);
        assert_eq!(loc.locate(&["enterprise", "name"]), (5, 3));
        assert_eq!(loc.locate(&["name"]), (6, 1));
        assert_eq!(loc.locate(&["enterprise", "missing"]), (3, 1));
        assert_eq!(loc.locate(&["nothing"]), (2, 1));
    }
}
