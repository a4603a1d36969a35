//! Typography slips that text pasted from Word brings along: half-width
//! punctuation inside Chinese sentences, full-width digits and letters,
//! doubled punctuation, empty headings, trailing spaces.
//!
//! The scanner works on the file's own text and reports each slip with its
//! exact byte span, so that `casebook check --fix` can replace exactly those
//! bytes and nothing else. Only prose is looked at: which bytes are prose
//! comes from pulldown-cmark's offsets (`Layout`), so code of every kind,
//! raw HTML, link destinations, autolinks, reference definitions and (by
//! their shape) bare URLs are neither warned about nor changed, and `check`
//! and `--fix` agree. Front matter is skipped.

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
    let body_start = body_start(text);
    // Parsed only when a line may hold a slip: most files hold none.
    let mut layout: Option<Layout> = None;
    let mut offset = body_start;
    let first_line = text[..body_start].matches('\n').count() + 1;
    for (index, raw) in text[body_start..].split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !may_slip(line) {
            continue;
        }
        let layout = layout.get_or_insert_with(|| Layout::of(text, body_start));
        if layout.is_verbatim(&(start..start + line.len())) {
            continue;
        }
        scan_line(line, start, first_line + index, layout, &mut slips);
    }
    slips
}

/// The byte where the Markdown body begins: after the front matter (a
/// first line `---` up to the next `---` line; all of the file when it is
/// never closed), or 0.
fn body_start(text: &str) -> usize {
    let is_fence = |line: &str| line.trim_start_matches('\u{feff}').trim_end() == "---";
    let mut lines = text.split_inclusive('\n');
    let mut offset = match lines.next() {
        Some(first) if is_fence(first) => first.len(),
        _ => return 0,
    };
    for line in lines {
        offset += line.len();
        if is_fence(line) {
            return offset;
        }
    }
    text.len()
}

/// Where the prose is in a file, from the same parser the build uses (its
/// offsets are the file's own bytes): the text of paragraphs, headings,
/// list items, table cells and link text; never code (blocks or spans),
/// raw HTML, link destinations or autolinks. Reference definitions make no
/// event at all, so they are never prose either.
struct Layout {
    /// Byte ranges of prose text, in file order.
    prose: Vec<Range<usize>>,
    /// Code and HTML blocks, whose lines are kept byte for byte (trailing
    /// spaces in code are code).
    verbatim: Vec<Range<usize>>,
    /// Where hard line breaks begin.
    hard_breaks: Vec<usize>,
}

impl Layout {
    fn of(text: &str, body_start: usize) -> Layout {
        use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
        // The options `markdown` renders with.
        let options =
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
        let mut layout = Layout {
            prose: Vec::new(),
            verbatim: Vec::new(),
            hard_breaks: Vec::new(),
        };
        let (mut in_code, mut in_autolink) = (false, false);
        let body = &text[body_start..];
        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            let range = range.start + body_start..range.end + body_start;
            match event {
                Event::Start(Tag::CodeBlock(_)) => {
                    in_code = true;
                    layout.verbatim.push(range);
                }
                Event::End(TagEnd::CodeBlock) => in_code = false,
                Event::Start(Tag::HtmlBlock) => layout.verbatim.push(range),
                Event::Start(Tag::Link { link_type, .. }) => {
                    in_autolink = matches!(link_type, LinkType::Autolink | LinkType::Email);
                }
                Event::End(TagEnd::Link) => in_autolink = false,
                Event::Text(_) if !in_code && !in_autolink => layout.prose.push(range),
                Event::HardBreak => layout.hard_breaks.push(range.start),
                _ => {}
            }
        }
        layout
    }

    fn is_prose(&self, byte: usize) -> bool {
        let i = self.prose.partition_point(|r| r.end <= byte);
        self.prose.get(i).is_some_and(|r| r.start <= byte)
    }

    /// Does the line at `bytes` (without its line end) touch a code or
    /// HTML block?
    fn is_verbatim(&self, bytes: &Range<usize>) -> bool {
        let i = self.verbatim.partition_point(|r| r.end <= bytes.start);
        self.verbatim.get(i).is_some_and(|r| r.start < bytes.end)
    }

    /// Does a hard line break begin within `bytes`?
    fn breaks_within(&self, bytes: &Range<usize>) -> bool {
        let i = self.hard_breaks.partition_point(|b| *b < bytes.start);
        self.hard_breaks.get(i).is_some_and(|b| *b <= bytes.end)
    }
}

/// Could `line` hold a slip? One pass without allocating: most lines of a
/// clean file hold none, and scanning is then nearly free.
fn may_slip(line: &str) -> bool {
    // Headings only matter when empty: every case has `## ` sections, and
    // a candidate line makes the file's prose layout be parsed.
    if line.ends_with([' ', '\t', '\u{3000}']) || is_empty_heading(line) {
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

fn scan_line(line: &str, start: usize, line_no: usize, layout: &Layout, slips: &mut Vec<Slip>) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    // Only prose is typography; a bare URL inside prose is not.
    let urls = url_mask(line, &chars);
    let protected: Vec<bool> = chars
        .iter()
        .zip(urls)
        .map(|(&(at, _), url)| url || !layout.is_prose(start + at))
        .collect();
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
    let trailing_at = chars.get(content_end).map_or(line.len(), |x| x.0);
    let trailing = &line[trailing_at..];
    // Spaces that make a hard line break are meant, and so are exactly two
    // after text (the usual way to write one).
    let hard_break = (trailing == "  " && content_end > 0)
        || layout.breaks_within(&(start + trailing_at..start + line.len()));
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

/// Characters of bare URLs (`https://…`, any `scheme://…`, `www.…`,
/// `mailto:…`) up to a space, a Chinese character or `)`: an address, never
/// typography, even where Markdown sees plain text.
fn url_mask(line: &str, chars: &[(usize, char)]) -> Vec<bool> {
    let is_scheme_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-');
    let mut mask = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let at_word_start = i == 0 || !is_scheme_char(chars[i - 1].1);
        if !at_word_start || !starts_url(&line[chars[i].0..]) {
            i += 1;
            continue;
        }
        let end = chars[i..]
            .iter()
            .position(|x| x.1.is_whitespace() || is_chinese(x.1) || x.1 == ')')
            .map_or(chars.len(), |k| i + k);
        mask[i..end].iter_mut().for_each(|m| *m = true);
        i = end.max(i + 1);
    }
    mask
}

/// Does `rest` begin with `scheme://`, `www.` or `mailto:`?
fn starts_url(rest: &str) -> bool {
    let lower = |n: usize| rest.get(..n).map(str::to_ascii_lowercase);
    if lower(4).as_deref() == Some("www.") || lower(7).as_deref() == Some("mailto:") {
        return true;
    }
    let scheme = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        .count();
    scheme > 0 && rest.as_bytes()[0].is_ascii_alphabetic() && rest[scheme..].starts_with("://")
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
    fn spaces_that_make_a_hard_break_stay() {
        // Two or more spaces before another line of the same paragraph, in
        // any block, with either line end.
        for kept in [
            "甲   \r\n乙\r\n",
            "甲    \n乙\n",
            "- 项目    \n  续行\n",
            "> 引文   \n> 续行\n",
        ] {
            assert!(scan(kept).is_empty(), "{kept:?}: {:?}", scan(kept));
        }
        // At a paragraph's end, or one space, they are only trailing spaces.
        for slip in ["甲   \n\n乙\n", "甲 \u{3000}\n乙\n", "甲 \n乙\n"] {
            let rules: Vec<_> = scan(slip).iter().map(|s| s.rule).collect();
            assert_eq!(rules, vec![rules::TRAILING_SPACE], "{slip:?}");
        }
    }

    #[test]
    fn fixes_change_only_their_bytes() {
        let text = "甲,乙 \r\n丙；丁\r\n";
        let fixed = apply_fixes(text, &scan(text));
        assert_eq!(fixed, "甲，乙\r\n丙；丁\r\n");
    }
}
