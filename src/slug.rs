//! ASCII slugs for URLs and heading anchors. WeChat, posters and QR codes
//! mangle non-ASCII paths, so every generated path segment is ASCII: a
//! configured slug for known terms, else the pinyin of the text.

use pinyin::ToPinyin;

use crate::text::fold_width;

/// Longest slug made from free text; long headings make unwieldy anchors.
const MAX_SLUG_LEN: usize = 60;

/// Turn free text into a lowercase ASCII slug: Latin letters and digits are
/// kept, Chinese characters become their toneless pinyin, everything else
/// separates words. Returns an empty string when nothing is left.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    let push_word = |out: &mut String, word: &str, pending: &mut bool| {
        if *pending && !out.is_empty() {
            out.push('-');
        }
        *pending = false;
        out.push_str(word);
    };
    let mut prev_was_ascii_word = false;
    for c in fold_width(text).chars() {
        if c.is_ascii_alphanumeric() {
            if !prev_was_ascii_word {
                pending_dash = true;
            }
            push_word(
                &mut out,
                &c.to_ascii_lowercase().to_string(),
                &mut pending_dash,
            );
            prev_was_ascii_word = true;
        } else if let Some(py) = c.to_pinyin() {
            pending_dash = true;
            // Toneless pinyin still has ü (绿 lü): written v, as on
            // keyboards, so that slugs stay ASCII.
            push_word(&mut out, &py.plain().replace('ü', "v"), &mut pending_dash);
            pending_dash = true;
            prev_was_ascii_word = false;
        } else {
            pending_dash = true;
            prev_was_ascii_word = false;
        }
    }
    // Only ASCII is left, so any byte is a character boundary.
    debug_assert!(out.is_ascii(), "{out}");
    if out.len() > MAX_SLUG_LEN {
        let cut = out[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        out.truncate(cut);
    }
    out
}

/// Is `s` usable as a configured slug: non-empty lowercase ASCII letters,
/// digits and inner dashes?
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Hands out unique anchors within one document: the second "背景" heading
/// becomes `bei-jing-2`.
#[derive(Default)]
pub struct AnchorSet {
    used: std::collections::HashSet<String>,
}

impl AnchorSet {
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .expect("an unused suffix exists")
    }

    /// Reserve an anchor chosen elsewhere (the fixed section anchors).
    pub fn reserve(&mut self, anchor: &str) {
        self.used.insert(anchor.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_u_umlaut_is_written_v() {
        // Found by the case_file fuzz target: "lü" made slugs non-ASCII,
        // and cutting a long one at byte 60 split the ü and panicked.
        assert_eq!(slugify("绿色律师"), "lv-se-lv-shi");
        let long = slugify(&"良率".repeat(20));
        assert!(long.is_ascii() && long.len() <= MAX_SLUG_LEN, "{long}");
        for n in 0..8 {
            let text = format!("{}{}", "a".repeat(n), "律".repeat(40));
            assert!(slugify(&text).is_ascii());
        }
    }

    #[test]
    fn chinese_becomes_pinyin() {
        assert_eq!(slugify("精益生产"), "jing-yi-sheng-chan");
        assert_eq!(slugify("QC小组"), "qc-xiao-zu");
        assert_eq!(slugify("ＴＰＭ 管理"), "tpm-guan-li");
        assert_eq!(slugify("5G+工业互联网"), "5g-gong-ye-hu-lian-wang");
        assert_eq!(slugify("一、背景与目标"), "yi-bei-jing-yu-mu-biao");
    }

    #[test]
    fn nothing_usable_gives_empty() {
        assert_eq!(slugify("——"), "");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        let s = slugify(&"质量".repeat(40));
        assert!(s.len() <= MAX_SLUG_LEN);
        assert!(!s.ends_with('-'));
    }

    #[test]
    fn validates_configured_slugs() {
        assert!(is_valid_slug("six-sigma"));
        assert!(!is_valid_slug("Six-Sigma"));
        assert!(!is_valid_slug("六西格玛"));
        assert!(!is_valid_slug("-x"));
    }

    #[test]
    fn anchors_are_unique() {
        let mut set = AnchorSet::default();
        set.reserve("abstract");
        assert_eq!(set.unique("abstract"), "abstract-2");
        assert_eq!(set.unique("x"), "x");
        assert_eq!(set.unique("x"), "x-2");
    }
}
