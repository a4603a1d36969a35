//! Chinese-text helpers: character classes, width folding, counting and
//! excerpts. Everything here counts characters, never bytes.

/// Format a number for people: at most four decimals, no trailing zeros,
/// no `-0`.
pub fn format_number(n: f64) -> String {
    // Charts format thousands of numbers a page, nearly all with few
    // decimals: those are written from an integer count of ten-thousandths.
    // `{:.4}` expands the float's exact binary value instead, which is an
    // order of magnitude slower; it stays for numbers near a rounding tie.
    let scaled = n * 10_000.0;
    let whole = scaled.round();
    if whole.abs() < 1e15 && (scaled - whole).abs() < 1e-6 {
        let units = whole as i64;
        if units == 0 {
            return "0".to_string();
        }
        let (integer, fraction) = (units.unsigned_abs() / 10_000, units.unsigned_abs() % 10_000);
        let sign = if units < 0 { "-" } else { "" };
        if fraction == 0 {
            return format!("{sign}{integer}");
        }
        let digits = format!("{fraction:04}");
        return format!("{sign}{integer}.{}", digits.trim_end_matches('0'));
    }
    let s = format!("{:.4}", n);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Escape text for HTML and XML, in content and in attribute values alike
/// (every template, feed, sitemap and SVG chart goes through it). Control
/// characters other than tab and line breaks are dropped: XML 1.0 forbids
/// them, and in HTML they are never what an editor meant.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// Is `c` a CJK ideograph or CJK/full-width punctuation? Such characters are
/// written without spaces between them, so a soft line break between two of
/// them must not turn into a visible space.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // radicals
        | 0x3000..=0x303F    // CJK symbols and punctuation
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x312F    // bopomofo
        | 0x3400..=0x4DBF    // extension A
        | 0x4E00..=0x9FFF    // unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFE30..=0xFE4F    // compatibility forms
        | 0xFF00..=0xFFEF    // half-width and full-width forms
        | 0x20000..=0x3134F) // extensions B–G
}

/// Fold full-width ASCII variants (１２３, ＴＰＭ, full-width space) to their
/// half-width forms, so that "ＱＣ小组" and "QC小组" are one term.
pub fn fold_width(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// [`fold_width`] for one character (for callers that must keep offsets
/// into the original text, like the search analyzer).
pub fn fold_char(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Characters that count towards the programme's 字数: every visible
/// character, punctuation included, whitespace excluded.
pub fn visible_chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

/// Whether `c` shows nothing: white space (U+3000 included), zero-width
/// characters and joiners, bidi controls, the BOM, soft hyphen, variation
/// selectors, Hangul fillers, the blank Braille pattern and tag characters.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F    // zero-width space, joiners, LRM, RLM
            | 0x202A..=0x202E    // bidi embeddings and overrides
            | 0x2060..=0x206F    // word joiner, invisible operators, isolates
            | 0x2800 | 0x3164 | 0xFE00..=0xFE0F | 0xFEFF | 0xFFA0
            | 0xE0000..=0xE0FFF)
}

/// Minutes to read `chars` characters of Chinese (about 450 a minute), at
/// least one.
pub fn reading_minutes(chars: usize) -> usize {
    chars.div_ceil(450).max(1)
}

/// Whether `text` writes thousands with separators (`2,600`, `12,500.5`):
/// a digit, a comma, three digits and no fourth.
pub fn uses_thousands_separators(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(5).enumerate().any(|(i, w)| {
        w[0].is_ascii_digit()
            && w[1] == b','
            && w[2..5].iter().all(u8::is_ascii_digit)
            && !bytes.get(i + 5).is_some_and(u8::is_ascii_digit)
    })
}

/// Digits after the decimal point in [`format_number`]'s form of `n`.
pub fn decimals(n: f64) -> usize {
    format_number(n).split_once('.').map_or(0, |(_, f)| f.len())
}

/// `n` as a table shows it beside others: `decimals` places (so 96 and
/// 96.4 line up as 96.0 and 96.4) and, when `grouped`, thousands
/// separators as the author writes them in prose.
pub fn format_table_number(n: f64, decimals: usize, grouped: bool) -> String {
    // -0.0 would print as "-0".
    let n = if n == 0.0 { 0.0 } else { n };
    let plain = format!("{n:.decimals$}");
    if !grouped {
        return plain;
    }
    let (sign, rest) = plain
        .strip_prefix('-')
        .map_or(("", plain.as_str()), |r| ("-", r));
    let (integer, fraction) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::with_capacity(plain.len() + integer.len() / 3);
    out.push_str(sign);
    for (k, c) in integer.chars().enumerate() {
        if k > 0 && (integer.len() - k) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// Sentence-ending punctuation, where an excerpt may be cut cleanly.
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
}

/// An excerpt of at most `max` characters. It is cut at the last sentence end
/// inside the limit when there is one in its second half, else at the limit
/// with an ellipsis. Whitespace runs are collapsed first.
pub fn excerpt(s: &str, max: usize) -> String {
    let collapsed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = collapsed.chars().collect();
    if chars.len() <= max {
        return collapsed;
    }
    let window = &chars[..max];
    if let Some(end) = window.iter().rposition(|&c| ends_sentence(c)) {
        if end + 1 >= max / 2 {
            return window[..=end].iter().collect();
        }
    }
    let mut cut: String = chars[..max.saturating_sub(1)].iter().collect();
    cut.push('…');
    cut
}

/// A card's summary of at most `max` characters: cut like [`excerpt`] at a
/// sentence end when one falls in the second half; otherwise at the last
/// clause break (，、：) in the second half that is outside every bracket
/// and quote, with an ellipsis; never inside a bracket or quote ("质量功能
/// 展开（Q…" becomes "质量功能展开…").
pub fn clause_excerpt(s: &str, max: usize) -> String {
    let collapsed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = collapsed.chars().collect();
    if chars.len() <= max || max < 2 {
        return excerpt(&collapsed, max);
    }
    let window = &chars[..max - 1];
    if let Some(end) = window.iter().rposition(|&c| ends_sentence(c)) {
        if end + 1 >= max / 2 && open_pairs(&window[..=end]) == 0 {
            return window[..=end].iter().collect();
        }
    }
    // Where the text is outside every pair, and the last clause break there.
    let mut depth = 0usize;
    let mut last_outside = 0;
    let mut last_clause = None;
    for (i, &c) in window.iter().enumerate() {
        depth = step_depth(depth, c);
        if depth == 0 {
            last_outside = i + 1;
            if matches!(c, '，' | '、' | '：' | ',' | ':') && i + 1 >= max / 2 {
                last_clause = Some(i);
            }
        }
    }
    let end = match last_clause {
        Some(i) => i,
        None if depth == 0 => window.len(),
        None => last_outside,
    };
    let mut cut: String = window[..end].iter().collect();
    let trimmed = cut
        .trim_end_matches(['，', '、', '：', ',', ':', ' '])
        .len();
    cut.truncate(trimmed);
    cut.push('…');
    cut
}

/// Opening and closing brackets and quotes that pair up in Chinese text.
const PAIRS: [(char, char); 6] = [
    ('（', '）'),
    ('(', ')'),
    ('“', '”'),
    ('《', '》'),
    ('【', '】'),
    ('「', '」'),
];

fn step_depth(depth: usize, c: char) -> usize {
    if PAIRS.iter().any(|p| p.0 == c) {
        depth + 1
    } else if PAIRS.iter().any(|p| p.1 == c) {
        depth.saturating_sub(1)
    } else {
        depth
    }
}

/// How many brackets and quotes are open at the end of `chars`.
fn open_pairs(chars: &[char]) -> usize {
    chars.iter().fold(0, |depth, &c| step_depth(depth, c))
}

/// Closing quotes and brackets that belong to the sentence before them
/// (`……。”`).
fn closes_sentence(c: char) -> bool {
    matches!(c, '”' | '’' | '」' | '』' | '）' | ')' | '》' | '"' | '\'')
}

/// A description of at most `max` characters that ends at a sentence end
/// (with its closing quote, if any): as many whole sentences as fit. When
/// the sentences that fit make fewer than a quarter of `max` (one long first
/// sentence), it falls back to [`excerpt`]'s cut with an ellipsis. For share
/// cards and search snippets, where a sentence broken off mid-way reads badly.
pub fn sentence_excerpt(s: &str, max: usize) -> String {
    let collapsed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let chars: Vec<char> = collapsed.chars().collect();
    if chars.len() <= max {
        return collapsed;
    }
    let mut best = None;
    for (i, &c) in chars[..max].iter().enumerate() {
        if !ends_sentence(c) {
            continue;
        }
        let mut end = i + 1;
        while end < chars.len() && closes_sentence(chars[end]) {
            end += 1;
        }
        if end <= max {
            best = Some(end);
        }
    }
    match best {
        Some(end) if end * 4 >= max => chars[..end]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string(),
        _ => excerpt(&collapsed, max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(97.2), "97.2");
        assert_eq!(format_number(100.0), "100");
        assert_eq!(format_number(0.125), "0.125");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(1234.5678), "1234.5678");
        assert_eq!(format_number(-3.05), "-3.05");
        assert_eq!(format_number(-0.00001), "0");
        assert_eq!(format_number(0.0001), "0.0001");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }

    /// The integer path agrees with `{:.4}` wherever it is taken.
    #[test]
    fn format_number_agrees_with_exact_formatting() {
        let exact = |n: f64| {
            let s = format!("{n:.4}");
            let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
            if s == "-0" {
                "0".to_string()
            } else {
                s
            }
        };
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for i in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let n = match i % 4 {
                0 => (seed % 2_000_001) as f64 / 10.0 - 100_000.0,
                1 => (seed % 20_001) as f64 / 100.0 - 100.0,
                2 => (seed % 2_000_001) as f64 / 10_000.0,
                _ => f64::from_bits(seed) % 1e6,
            };
            if n.is_finite() {
                assert_eq!(format_number(n), exact(n), "{n:?}");
            }
        }
    }

    #[test]
    fn classifies_cjk() {
        assert!(is_cjk('质'));
        assert!(is_cjk('，'));
        assert!(is_cjk('。'));
        assert!(!is_cjk('a'));
        assert!(!is_cjk('1'));
        assert!(!is_cjk(','));
    }

    #[test]
    fn folds_full_width() {
        assert_eq!(fold_width("ＱＣ小组１２３"), "QC小组123");
        assert_eq!(fold_width("六西格玛"), "六西格玛");
    }

    #[test]
    fn counts_visible_characters() {
        assert_eq!(visible_chars("质量 标杆，\n经验"), 7);
        assert_eq!(visible_chars("TPM 5G"), 5);
    }

    #[test]
    fn reading_time_for_chinese() {
        assert_eq!(reading_minutes(6000), 14);
        assert_eq!(reading_minutes(10), 1);
        assert_eq!(reading_minutes(0), 1);
    }

    #[test]
    fn excerpts_cut_at_sentence_end() {
        let s = "第一句话很短。第二句话要长一些才能超过限制的长度。";
        assert_eq!(excerpt(s, 10), "第一句话很短。");
        assert_eq!(excerpt("短句。", 10), "短句。");
        // No sentence end in the second half: cut with an ellipsis.
        assert_eq!(excerpt("一二三四五六七八九十十一", 6), "一二三四五…");
    }

    #[test]
    fn table_numbers_follow_the_prose() {
        assert!(uses_thousands_separators("投诉从2,600件降至1,200件"));
        assert!(!uses_thousands_separators("2600件，1,2个，12,34567"));
        assert_eq!(format_table_number(2600.0, 0, true), "2,600");
        assert_eq!(format_table_number(2600.0, 0, false), "2600");
        assert_eq!(format_table_number(-1234567.25, 2, true), "-1,234,567.25");
        assert_eq!(format_table_number(96.0, 1, false), "96.0");
        assert_eq!(format_table_number(999.0, 0, true), "999");
        assert_eq!(decimals(96.4), 1);
        assert_eq!(decimals(96.0), 0);
    }

    #[test]
    fn card_excerpts_never_end_inside_a_bracket() {
        let s = "公司运用质量功能展开（QFD）方法将客户需求逐层分解，形成覆盖研发与制造的质量功能展开（QFD）矩阵和闭环改进机制";
        let cut = clause_excerpt(s, 40);
        assert!(cut.chars().count() <= 40, "{cut}");
        assert_eq!(cut, "公司运用质量功能展开（QFD）方法将客户需求逐层分解…");
        // No clause break in the second half: cut before the open bracket.
        let s = "一二三四五六七八九十一二三四五六七八九十质量功能展开（QFD及其他方法的组合应用）";
        assert_eq!(
            clause_excerpt(s, 30),
            "一二三四五六七八九十一二三四五六七八九十质量功能展开…"
        );
        // A sentence end in the second half wins; short text is whole.
        assert_eq!(
            clause_excerpt("第一句话很长很长。第二句话很长很长很长很长", 12),
            "第一句话很长很长。"
        );
        assert_eq!(clause_excerpt("短句。", 10), "短句。");
        let s = "一二三四五六七八九十一二三四五六七八九十";
        assert_eq!(clause_excerpt(s, 10), "一二三四五六七八九…");
    }

    #[test]
    fn sentence_excerpts_keep_whole_sentences() {
        // A first sentence in the first half still ends the description.
        let s = "第一句话有十个字符。第二句话很长很长很长很长很长很长很长很长很长。";
        assert_eq!(sentence_excerpt(s, 25), "第一句话有十个字符。");
        // The closing quote goes with its sentence.
        let quoted = "他说“质量是生命。”然后又说了很多很多很多很多很多很多很多很多的话。";
        assert_eq!(sentence_excerpt(quoted, 20), "他说“质量是生命。”");
        // A closing quote that would pass the limit drops that sentence.
        assert_eq!(sentence_excerpt("一二。三四五六。”七八九十", 8), "一二。");
        // Short text is kept whole; no sentence end at all: ellipsis.
        assert_eq!(sentence_excerpt("短句。", 10), "短句。");
        assert_eq!(
            sentence_excerpt("一二三四五六七八九十十一", 6),
            "一二三四五…"
        );
        // A sentence end too early (under a quarter) is not enough.
        assert_eq!(
            sentence_excerpt("好。一二三四五六七八九十十一", 12),
            "好。一二三四五六七八九…"
        );
        assert!(sentence_excerpt(&"质量".repeat(200), 120).chars().count() <= 120);
    }
}
