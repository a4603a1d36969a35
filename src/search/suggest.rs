//! 你是不是要找: after a query finds nothing, the nearest method name to
//! each of its words (the same rule as `search.js`'s `didYouMean`, over the
//! same names: the methods published cases use, which the search page's
//! 方法 select lists). A method name always finds its cases, so a
//! suggestion never leads to another empty page.

/// The query with each word that is not a method name, but within a few
/// edits of one, replaced by the nearest (the most used first on a tie);
/// `None` when no word changes. `names`: most used first.
pub fn nearest(query: &str, names: &[String]) -> Option<String> {
    let folded: Vec<Vec<char>> = names.iter().map(|n| chars_of(n)).collect();
    let mut changed = false;
    let words: Vec<String> = crate::text::fold_width(query)
        .split_whitespace()
        .map(|word| {
            let chars = chars_of(word);
            if folded.contains(&chars) {
                return word.to_string();
            }
            let limit = max_edits(chars.len());
            let best = folded
                .iter()
                .enumerate()
                .map(|(i, name)| (edits(&chars, name), i))
                .filter(|&(d, _)| d <= limit)
                .min();
            match best {
                Some((_, i)) => {
                    changed = true;
                    names[i].clone()
                }
                None => word.to_string(),
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// Edits allowed for a word of `len` characters: one in a short word, two
/// from five characters on, three from nine; a word of one character has
/// too little to go on.
pub fn max_edits(len: usize) -> usize {
    match len {
        0 | 1 => 0,
        2..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

/// Width-folded, lowercased characters (ＱＣ小组, qc小组 and QC小组 are one).
fn chars_of(s: &str) -> Vec<char> {
    crate::text::fold_width(s)
        .chars()
        .flat_map(char::to_lowercase)
        .collect()
}

/// Levenshtein distance over characters.
fn edits(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["六西格玛", "精益", "QC小组", "全面质量管理", "卓越绩效"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_near_word_becomes_the_method_and_the_rest_stays() {
        assert_eq!(nearest("六西格马", &names()).as_deref(), Some("六西格玛"));
        assert_eq!(
            nearest("ｑｃ小祖 汽车", &names()).as_deref(),
            Some("QC小组 汽车")
        );
        assert_eq!(
            nearest("全面质量管里", &names()).as_deref(),
            Some("全面质量管理")
        );
    }

    #[test]
    fn no_suggestion_for_a_known_or_far_word() {
        assert_eq!(nearest("六西格玛", &names()), None);
        assert_eq!(nearest("qc小组", &names()), None);
        assert_eq!(nearest("冷链物流", &names()), None);
        assert_eq!(nearest("精", &names()), None, "one character is too little");
        assert_eq!(nearest("", &names()), None);
    }

    /// The vectors `search.js`'s `didYouMean` is checked against too.
    #[test]
    fn shared_vectors() {
        let vectors: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/search/suggest-vectors.json"
        ))
        .unwrap();
        let names: Vec<String> = serde_json::from_value(vectors["names"].clone()).unwrap();
        let cases: Vec<(String, String)> =
            serde_json::from_value(vectors["cases"].clone()).unwrap();
        for (query, want) in cases {
            let got = nearest(&query, &names).unwrap_or_default();
            assert_eq!(got, want, "{query:?}");
        }
    }

    #[test]
    fn edits_count_characters_not_bytes() {
        assert_eq!(edits(&chars_of("六西格马"), &chars_of("六西格玛")), 1);
        assert_eq!(edits(&chars_of("abc"), &chars_of("")), 3);
        assert_eq!(edits(&chars_of("kitten"), &chars_of("sitting")), 3);
    }
}
