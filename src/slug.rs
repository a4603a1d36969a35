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
/// becomes `bei-jing-2`, the next free suffix.
///
/// Linear in the number of headings: each base remembers the suffix its
/// search got to, so 50,000 identical headings do not probe 2, 3, … afresh
/// each time (that was quadratic: 11 s for 15,000). The anchors are the ones
/// the probe-from-2 search gave: the suffixes below the remembered one are
/// all taken, since anchors are only ever added.
#[derive(Default)]
pub struct AnchorSet {
    used: std::collections::HashSet<String>,
    /// For each base that was asked for twice, the first suffix not yet tried.
    next_suffix: std::collections::HashMap<String, u64>,
    /// Candidates looked up so far: the work done, for the tests' bound.
    probes: usize,
}

impl AnchorSet {
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        self.probes += 1;
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let mut n = self.next_suffix.get(base).copied().unwrap_or(2);
        loop {
            // Each failed probe meets an anchor `{base}-{n}`, which only
            // this base can name: at most one failure per anchor in all.
            self.probes += 1;
            let candidate = format!("{base}-{n}");
            n += 1;
            if self.used.insert(candidate.clone()) {
                self.next_suffix.insert(base.to_string(), n);
                return candidate;
            }
        }
    }

    /// Reserve an anchor chosen elsewhere (the fixed section anchors).
    pub fn reserve(&mut self, anchor: &str) {
        self.used.insert(anchor.to_string());
    }

    /// How many candidate anchors were looked up so far.
    #[cfg(test)]
    fn probes(&self) -> usize {
        self.probes
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

    /// The anchors the old probe-from-2 search gave, for comparison.
    fn probing(headings: &[&str], reserved: &[&str]) -> Vec<String> {
        let mut used: std::collections::HashSet<String> =
            reserved.iter().map(|s| s.to_string()).collect();
        headings
            .iter()
            .map(|&h| {
                let base = if h.is_empty() { "section" } else { h };
                let anchor = std::iter::once(base.to_string())
                    .chain((2..).map(|n| format!("{base}-{n}")))
                    .find(|c| !used.contains(c))
                    .unwrap();
                used.insert(anchor.clone());
                anchor
            })
            .collect()
    }

    #[test]
    fn anchors_never_collide_with_headings_that_look_suffixed() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["a", "a", "a-2", "a"], &[]),
            (&["a-2", "a", "a", "a", "a-3"], &[]),
            (&["a", "a-1", "a", "a-1", "a-2", "a-2-2", "a-2"], &[]),
            (&["x", "x", "x-3", "x", "x", "x-2-2", "x-2"], &["x-4"]),
            (&["", "", "section-2", "section"], &["abstract"]),
            (&["abstract", "abstract", "abstract-2"], &["abstract"]),
        ];
        for (headings, reserved) in cases {
            let mut set = AnchorSet::default();
            for r in *reserved {
                set.reserve(r);
            }
            let got: Vec<String> = headings.iter().map(|h| set.unique(h)).collect();
            assert_eq!(got, probing(headings, reserved), "{headings:?}");
            let distinct: std::collections::HashSet<&String> = got.iter().collect();
            assert_eq!(distinct.len(), got.len(), "{got:?}");
            for r in *reserved {
                assert!(!got.contains(&r.to_string()), "{r} reused: {got:?}");
            }
        }
    }

    /// 50,000 identical headings, and as many again that look like their
    /// suffixed anchors: the work is linear (probes counted, not timed).
    #[test]
    fn anchors_take_linear_work() {
        let n = 50_000;
        let mut set = AnchorSet::default();
        let mut seen = std::collections::HashSet::new();
        for i in 0..n {
            assert!(seen.insert(set.unique("bei-jing")));
            if i % 2 == 0 {
                assert!(seen.insert(set.unique(&format!("bei-jing-{}", i + 3))));
            }
        }
        let asked = n + n / 2;
        assert_eq!(seen.len(), asked);
        // One probe per request plus at most one failed probe per anchor.
        assert!(set.probes() <= 3 * asked, "{} probes", set.probes());
    }
}
