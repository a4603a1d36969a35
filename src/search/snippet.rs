//! Snippets: a window of a case's text, cut by characters, around the
//! places the query matches, with those places marked. Matches are found
//! with the search analyzer itself, so a snippet marks exactly what the
//! index matched (`ＴＰＭ` for `tpm`, 六**西格玛** for `西格玛`).

use std::collections::HashMap;
use std::ops::Range;

use serde::Serialize;
use tantivy::tokenizer::Token;

use super::analyzer::{analyze, Mode};

/// Characters of context kept before the first match shown.
const LEAD: usize = 24;

/// A piece of text with marked byte ranges (sorted, not overlapping).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub text: String,
    pub marks: Vec<Range<usize>>,
}

impl Snippet {
    /// HTML: the text escaped, each match in `<mark>…</mark>`.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        self.render(&mut out, "<mark>", "</mark>", |out, s| {
            pulldown_cmark_escape::escape_html(out, s).expect("writing to a String")
        });
        out
    }

    /// Plain text with each match between `open` and `close` (for a
    /// terminal: 【…】).
    pub fn to_marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 16);
        self.render(&mut out, open, close, |out, s| out.push_str(s));
        out
    }

    fn render(&self, out: &mut String, open: &str, close: &str, text: impl Fn(&mut String, &str)) {
        let mut at = 0;
        for mark in &self.marks {
            text(out, &self.text[at..mark.start]);
            out.push_str(open);
            text(out, &self.text[mark.clone()]);
            out.push_str(close);
            at = mark.end;
        }
        text(out, &self.text[at..]);
    }
}

/// Byte ranges of `text` where one of `terms` (each the query-mode tokens
/// of one query word) matches as a phrase, merged and sorted, each with the
/// index of the term that matched first there.
pub fn find_matches(text: &str, terms: &[Vec<Token>]) -> Vec<(Range<usize>, usize)> {
    let tokens = analyze(text, Mode::Index);
    let at: HashMap<(usize, &str), &Token> = tokens
        .iter()
        .map(|t| ((t.position, t.text.as_str()), t))
        .collect();
    let mut found: Vec<(Range<usize>, usize)> = Vec::new();
    for (which, term) in terms.iter().enumerate() {
        let Some(first) = term.first() else { continue };
        for start in tokens.iter().filter(|t| t.text == first.text) {
            let Some(base) = start.position.checked_sub(first.position) else {
                continue;
            };
            let matched: Option<Vec<&Token>> = term
                .iter()
                .map(|q| at.get(&(base + q.position, q.text.as_str())).copied())
                .collect();
            if let Some(matched) = matched {
                let from = matched.iter().map(|t| t.offset_from).min().unwrap_or(0);
                let to = matched.iter().map(|t| t.offset_to).max().unwrap_or(0);
                found.push((from..to, which));
            }
        }
    }
    found.sort_by_key(|(r, which)| (r.start, r.end, *which));
    let mut merged: Vec<(Range<usize>, usize)> = Vec::new();
    for (range, which) in found {
        match merged.last_mut() {
            Some((last, _)) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push((range, which)),
        }
    }
    merged
}

/// A window of at most about `width` characters of `text` around the
/// matches of `terms`: the window that shows the most different terms,
/// the earliest of those. `None` when nothing matches.
pub fn around_matches(text: &str, terms: &[Vec<Token>], width: usize) -> Option<Snippet> {
    let matches = find_matches(text, terms);
    if matches.is_empty() {
        return None;
    }
    // Character index of each byte offset we need.
    let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let char_at = |byte: usize| char_starts.partition_point(|&b| b < byte);
    let total = char_starts.len();

    let mut best: Option<(usize, usize)> = None; // (distinct terms, match index)
    for (i, (range, _)) in matches.iter().enumerate().take(64) {
        let start = char_at(range.start);
        let mut seen: Vec<usize> = matches[i..]
            .iter()
            .take_while(|(r, _)| char_at(r.end) <= start + width)
            .map(|(_, which)| *which)
            .collect();
        seen.sort_unstable();
        seen.dedup();
        if best.is_none_or(|(count, _)| seen.len() > count) {
            best = Some((seen.len(), i));
        }
    }
    let (_, first) = best.expect("at least one match");
    let first_char = char_at(matches[first].0.start);

    // Start a little before the match, at a sentence start when one is near.
    let earliest = first_char.saturating_sub(LEAD);
    let chars: Vec<char> = text.chars().collect();
    let start = (earliest..=first_char)
        .rev()
        .find(|&i| i > 0 && matches!(chars[i - 1], '。' | '！' | '？' | '；' | '\n'))
        .unwrap_or(earliest);
    let end = (start + width)
        .max(char_at(matches[first].0.end))
        .min(total);
    let byte = |c: usize| char_starts.get(c).copied().unwrap_or(text.len());
    let (from, to) = (byte(start), byte(end));

    let mut snippet = Snippet::default();
    if start > 0 {
        snippet.text.push('…');
    }
    let shift = snippet.text.len();
    snippet.text.push_str(&text[from..to].replace('\n', " "));
    for (range, _) in &matches {
        let (a, b) = (range.start.max(from), range.end.min(to));
        if a < b {
            snippet.marks.push(a - from + shift..b - from + shift);
        }
    }
    if end < total {
        snippet.text.push('…');
    }
    Some(snippet)
}

/// The opening of `text`, unmarked: for cases that match only in their
/// title, enterprise name, methods or technologies.
pub fn lead(text: &str, width: usize) -> Snippet {
    Snippet {
        text: crate::text::excerpt(text, width),
        marks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(query: &str) -> Vec<Vec<Token>> {
        query
            .split_whitespace()
            .map(|w| analyze(w, Mode::Query))
            .collect()
    }

    #[test]
    fn marks_parts_of_words_and_folded_forms() {
        let text = "公司推行六西格玛和ＴＰＭ。";
        let snippet = around_matches(text, &terms("西格玛 tpm"), 80).unwrap();
        assert_eq!(
            snippet.to_marked("【", "】"),
            "公司推行六【西格玛】和【ＴＰＭ】。"
        );
        assert_eq!(
            snippet.to_html(),
            "公司推行六<mark>西格玛</mark>和<mark>ＴＰＭ</mark>。"
        );
    }

    #[test]
    fn does_not_mark_characters_apart() {
        assert_eq!(around_matches("精，益求精", &terms("精益"), 80), None);
    }

    #[test]
    fn cuts_by_characters_around_the_match() {
        let text = format!("{}。精益生产{}", "前".repeat(100), "后".repeat(100));
        let snippet = around_matches(&text, &terms("精益"), 10).unwrap();
        assert_eq!(snippet.to_marked("[", "]"), "…[精益]生产后后后后后后…");
    }

    #[test]
    fn escapes_html() {
        let snippet = around_matches("<b>QC</b>小组", &terms("qc"), 80).unwrap();
        assert_eq!(snippet.to_html(), "&lt;b&gt;<mark>QC</mark>&lt;/b&gt;小组");
    }
}
