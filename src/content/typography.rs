//! Typography slips that text pasted from Word brings along: half-width
//! punctuation inside Chinese sentences, full-width digits and letters,
//! doubled punctuation, empty headings, trailing spaces.
//!
//! The scanner works on the file's own text (front matter skipped, code left
//! alone) and reports each slip with its exact byte span, so that `casebook
//! check --fix` can replace exactly those bytes and nothing else.

use std::ops::Range;

use crate::diagnostics::{rules, Diagnostic};
use crate::text::{fold_char, is_cjk};

/// One slip, with the bytes it covers and, when the fix is safe, the text
/// that replaces them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slip {
    pub rule: &'static str,
    /// 1-based line and character column.
    pub line: usize,
    pub column: usize,
    /// Byte range in the scanned text.
    pub range: Range<usize>,
    pub found: String,
    /// The safe replacement, when there is one.
    pub fix: Option<String>,
}

impl Slip {
    pub fn diagnostic(&self, file: &str) -> Diagnostic {
        let found = &self.found;
        let chars = found.chars().count();
        let (message, help) = match self.rule {
            rules::PUNCT_HALF_WIDTH => {
                let fix = self.fix.as_deref().unwrap_or_default();
                (
                    format!("中文句子里用了半角标点“{found}”"),
                    format!("改成全角“{fix}”；casebook check --fix 可自动修改"),
                )
            }
            rules::CHAR_FULL_WIDTH => {
                let fix = self.fix.as_deref().unwrap_or_default();
                (
                    format!("用了全角数字或字母“{found}”"),
                    format!("数字和英文字母用半角，改成“{fix}”；casebook check --fix 可自动修改"),
                )
            }
            rules::PUNCT_DOUBLED => (
                format!("标点重复：“{found}”"),
                "删去多余的标点，只留一个".to_string(),
            ),
            rules::HEADING_EMPTY => (
                "标题没有文字".to_string(),
                "在 # 后写上标题文字，或删去这一行".to_string(),
            ),
            _ => (
                format!("行尾有 {chars} 个多余的空白字符"),
                "删去行尾的空格；casebook check --fix 可自动删除".to_string(),
            ),
        };
        Diagnostic::warning(self.rule, file, message)
            .at(self.line, self.column)
            .spanning(chars)
            .help(help)
    }
}

/// Half-width marks that become their full-width forms between Chinese
/// characters.
fn full_width_punct(c: char) -> Option<char> {
    Some(match c {
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '?' => '？',
        '!' => '！',
        _ => return None,
    })
}

/// Chinese sentence punctuation that is never written twice in a row.
fn is_sentence_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '、' | '；' | '：' | '？' | '！' | ',' | ';'
    )
}

fn is_full_width_alnum(c: char) -> bool {
    matches!(c, '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ')
}

/// A CJK ideograph or CJK punctuation, not a full-width Latin letter or digit.
fn is_chinese(c: char) -> bool {
    is_cjk(c) && !is_full_width_alnum(c)
}

/// Every slip in `text`, a whole case or page file, in file order.
pub fn scan(text: &str) -> Vec<Slip> {
    let mut slips = Vec::new();
    let mut offset = 0;
    let mut front_matter = false;
    let mut fence: Option<(char, usize)> = None;
    for (index, raw) in text.split_inclusive('\n').enumerate() {
        let line_no = index + 1;
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let bare = line.trim_start_matches('\u{feff}');
        if line_no == 1 && bare.trim_end() == "---" {
            front_matter = true;
            continue;
        }
        if front_matter {
            if bare.trim_end() == "---" {
                front_matter = false;
            }
            continue;
        }
        if let Some(marker) = fence_marker(line) {
            fence = match fence {
                None => Some(marker),
                Some((c, n)) if c == marker.0 && marker.1 >= n => None,
                open => open,
            };
            continue;
        }
        if fence.is_some() {
            continue;
        }
        scan_line(line, start, line_no, &mut slips);
    }
    slips
}

/// ``` or ~~~ opening or closing a fenced code block: (character, length).
fn fence_marker(line: &str) -> Option<(char, usize)> {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let c = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = trimmed.chars().take_while(|x| *x == c).count();
    (n >= 3).then_some((c, n))
}

/// Could `line` hold a slip? One pass without allocating: most lines of a
/// clean file hold none, and scanning is then nearly free.
fn may_slip(line: &str) -> bool {
    if line.ends_with([' ', '\t', '\u{3000}']) || line.trim_start().starts_with('#') {
        return true;
    }
    let mut prev_punct = false;
    for c in line.chars() {
        if full_width_punct(c).is_some() || is_full_width_alnum(c) {
            return true;
        }
        let punct = is_sentence_punct(c);
        if punct && prev_punct {
            return true;
        }
        prev_punct = punct;
    }
    false
}

fn scan_line(line: &str, start: usize, line_no: usize, slips: &mut Vec<Slip>) {
    if !may_slip(line) {
        return;
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let protected = protected_mask(line, &chars);
    let slip = |rule, from: usize, to: usize, fix: Option<String>| {
        let begin = chars[from].0;
        let end = chars.get(to).map_or(line.len(), |(i, _)| *i);
        Slip {
            rule,
            line: line_no,
            column: from + 1,
            range: start + begin..start + end,
            found: line[begin..end].to_string(),
            fix,
        }
    };

    if is_empty_heading(line) {
        slips.push(slip(rules::HEADING_EMPTY, 0, chars.len(), None));
        return;
    }

    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if protected[i] {
            i += 1;
            continue;
        }
        if let Some(full) = full_width_punct(c) {
            let before = i.checked_sub(1).map(|j| chars[j].1);
            let after = chars.get(i + 1).map(|x| x.1);
            if before.is_some_and(is_chinese) && after.is_some_and(is_chinese) {
                slips.push(slip(rules::PUNCT_HALF_WIDTH, i, i + 1, Some(full.into())));
                i += 1;
                continue;
            }
        }
        if is_full_width_alnum(c) {
            let mut j = i;
            while j < chars.len() && is_full_width_alnum(chars[j].1) && !protected[j] {
                j += 1;
            }
            let folded: String = chars[i..j].iter().map(|x| fold_char(x.1)).collect();
            slips.push(slip(rules::CHAR_FULL_WIDTH, i, j, Some(folded)));
            i = j;
            continue;
        }
        if is_sentence_punct(c) {
            let mut j = i;
            while j < chars.len() && is_sentence_punct(chars[j].1) && !protected[j] {
                j += 1;
            }
            if j - i >= 2 {
                slips.push(slip(rules::PUNCT_DOUBLED, i, j, None));
                i = j;
                continue;
            }
        }
        i += 1;
    }

    let content_end = line
        .trim_end_matches([' ', '\t', '\u{3000}'])
        .chars()
        .count();
    let trailing = &line[chars.get(content_end).map_or(line.len(), |x| x.0)..];
    // Exactly two spaces after text is Markdown's hard line break: meant.
    let hard_break = trailing == "  " && content_end > 0;
    if !trailing.is_empty() && !hard_break {
        slips.push(slip(
            rules::TRAILING_SPACE,
            content_end,
            chars.len(),
            Some(String::new()),
        ));
    }
}

/// `#`, `## `, `### ##`: an ATX heading with no text.
fn is_empty_heading(line: &str) -> bool {
    let trimmed = line.trim_start_matches(' ');
    if line.len() - trimmed.len() > 3 {
        return false;
    }
    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&hashes) {
        return false;
    }
    let rest = &trimmed[hashes..];
    (rest.is_empty() || rest.starts_with([' ', '\t']))
        && rest.trim_matches([' ', '\t', '#']).is_empty()
}

/// Characters that are code, link targets, HTML tags or URLs: never
/// typography.
fn protected_mask(line: &str, chars: &[(usize, char)]) -> Vec<bool> {
    let mut mask = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let rest = &line[chars[i].0..];
        let end = if c == '`' {
            let ticks = chars[i..].iter().take_while(|x| x.1 == '`').count();
            let run = "`".repeat(ticks);
            rest[ticks..]
                .find(&run)
                .map(|k| char_index(chars, chars[i].0 + ticks + k + ticks))
        } else if rest.starts_with("](") {
            rest.find(')')
                .map(|k| char_index(chars, chars[i].0 + k + 1))
        } else if c == '<' {
            rest.find('>')
                .map(|k| char_index(chars, chars[i].0 + k + 1))
        } else if rest.starts_with("http://") || rest.starts_with("https://") {
            Some(
                chars[i..]
                    .iter()
                    .position(|x| x.1.is_whitespace() || is_chinese(x.1) || x.1 == ')')
                    .map_or(chars.len(), |k| i + k),
            )
        } else {
            None
        };
        match end {
            Some(end) => {
                mask[i..end].iter_mut().for_each(|m| *m = true);
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    mask
}

/// The index in `chars` of the character at byte `byte` (or the end).
fn char_index(chars: &[(usize, char)], byte: usize) -> usize {
    chars.partition_point(|x| x.0 < byte)
}

/// Apply the safe fixes of `slips` to `text`, by their exact byte spans.
pub fn apply_fixes(text: &str, slips: &[Slip]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for slip in slips {
        let Some(fix) = &slip.fix else { continue };
        if slip.range.start < at {
            continue;
        }
        out.push_str(&text[at..slip.range.start]);
        out.push_str(fix);
        at = slip.range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules_of(text: &str) -> Vec<(&'static str, usize, usize, String)> {
        scan(text)
            .into_iter()
            .map(|s| (s.rule, s.line, s.column, s.found))
            .collect()
    }

    #[test]
    fn half_width_punctuation_between_chinese() {
        let text = "---\ntitle: a,b\n---\n公司成立于2012年,主要产品:射频模块。\n";
        assert_eq!(
            rules_of(text),
            vec![
                (rules::PUNCT_HALF_WIDTH, 4, 11, ",".to_string()),
                (rules::PUNCT_HALF_WIDTH, 4, 16, ":".to_string()),
            ]
        );
    }

    #[test]
    fn leaves_latin_code_and_links_alone() {
        let text = "Six Sigma, DMAIC: yes\n`质量,标杆` 与 [质量,标杆](https://x.org/a,b) 和 <img alt=\"质,量\">\n```\n质量,标杆\n```\n";
        let found = rules_of(text);
        // Only the link text counts as prose; code, URL and tag do not.
        assert_eq!(found, vec![(rules::PUNCT_HALF_WIDTH, 2, 14, ",".into())]);
    }

    #[test]
    fn full_width_runs_doubled_marks_headings_and_spaces() {
        let text = "引入ＴＰＭ管理，，提升１２％\n## \n正文 \n硬换行  \n";
        assert_eq!(
            rules_of(text),
            vec![
                (rules::CHAR_FULL_WIDTH, 1, 3, "ＴＰＭ".into()),
                (rules::PUNCT_DOUBLED, 1, 8, "，，".into()),
                (rules::CHAR_FULL_WIDTH, 1, 12, "１２".into()),
                (rules::HEADING_EMPTY, 2, 1, "## ".into()),
                (rules::TRAILING_SPACE, 3, 3, " ".into()),
            ]
        );
    }

    #[test]
    fn never_panics_on_odd_text() {
        let odd = "---\n\u{feff}`未闭合,代码 [链接](没有右括号 <未闭合,标签 ＡＢ,，。\r\n#\t\n  ## ##  \n\u{3000}\n~~~~\n甲,乙\n~~~\n丙,丁 ";
        let chars: Vec<usize> = odd.char_indices().map(|(i, _)| i).collect();
        for &start in &chars {
            for &end in chars.iter().filter(|&&e| e >= start) {
                let piece = &odd[start..end];
                let slips = scan(piece);
                let fixed = apply_fixes(piece, &slips);
                // Fixing is idempotent: nothing fixable is left.
                assert!(scan(&fixed).iter().all(|s| s.fix.is_none()), "{piece:?}");
            }
        }
    }

    #[test]
    fn fixes_change_only_their_bytes() {
        let text = "甲,乙 \r\n丙；丁\r\n";
        let fixed = apply_fixes(text, &scan(text));
        assert_eq!(fixed, "甲，乙\r\n丙；丁\r\n");
    }
}
