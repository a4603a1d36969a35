//! Text from content into Typst source, inert: whatever an editor writes
//! comes out as the same characters and never runs as Typst code.

/// `text` as Typst markup that shows exactly `text`: every ASCII
/// punctuation character is backslash-escaped (Typst reads `\` followed
/// by any other character as that character), which disarms markup
/// (`*`, `_`, `=`, `-`, `+`, `/`, `` ` ``), code (`#`), maths (`$`),
/// content blocks (`[`, `]`), labels and references (`<`, `@`), comments
/// (`//`), smart quotes and shorthands (`~`, `--`, `...`). Line breaks
/// become spaces: paragraphs are the caller's to make.
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as a Typst string literal (quotes included), for code such as
/// `image(alt: …)` and `metadata(…)`.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{markup, string};

    const HOSTILE: &str = "#set text(red) $x^2$ [a] \\ <l> @ref *b* _i_ = h // c `r` ~ -- ... \"q\" 'p' 1. - + /t: http://x";

    #[test]
    fn markup_escapes_every_punctuation_character() {
        let escaped = markup(HOSTILE);
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let next = chars.next().expect("an escape is never last");
                assert!(next.is_ascii_punctuation(), "escaped {next:?}");
            } else {
                assert!(!c.is_ascii_punctuation(), "unescaped {c:?} in {escaped}");
            }
        }
        assert!(escaped.starts_with("\\#set text\\(red\\) \\$x\\^2\\$ \\[a\\] \\\\ \\<l\\> \\@ref"));
        assert_eq!(markup("a\nb"), "a b");
        assert_eq!(markup("质量标杆 DFSS"), "质量标杆 DFSS");
    }

    #[test]
    fn strings_are_quoted_and_escaped() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("x\ny"), "\"x\\ny\"");
    }
}
