//! Synonyms at query time (`[search] synonyms` in `casebook.toml`): a
//! query word, or a run of words, that equals a spelling readers type (6σ,
//! Six Sigma, TPM) is searched as that spelling *or* the term the cases
//! write (六西格玛, 全员生产维护), whichever scores higher in a case: a
//! case that writes only "SPC" is still found by `SPC`. Nothing is added to
//! the index; the static export's meta carries [`Synonyms::table`] so
//! `search.js` cuts a query into the same slots (both are checked against
//! `tests/fixtures/search/synonym-vectors.json`).
//!
//! A spelling matches whole words only, compared width-folded and
//! lowercased: `TPM` is also searched as 全员生产维护, `TPM维护` only as
//! typed. At most [`MAX_EXPANDED`] runs of a query are expanded; later
//! ones are searched as their term alone, so the browser ranks at most
//! 2^3 variants of a query.

use std::collections::BTreeMap;

use crate::config::{normalise_spelling, SearchConfig};
use crate::text::fold_width;

/// How many runs of one query are searched both ways.
pub const MAX_EXPANDED: usize = 3;

/// Normalised spelling → the term it stands for.
#[derive(Clone, Debug, Default)]
pub struct Synonyms {
    table: BTreeMap<String, String>,
    /// Words in the longest spelling: how far a match can reach.
    longest: usize,
}

impl Synonyms {
    /// From the site's `[search]` table (validated by the config).
    pub fn new(config: &SearchConfig) -> Synonyms {
        let table: BTreeMap<String, String> = config
            .synonyms
            .iter()
            .flat_map(|(term, spellings)| {
                spellings
                    .iter()
                    .map(move |s| (normalise_spelling(s), term.clone()))
            })
            .filter(|(spelling, _)| !spelling.is_empty())
            .collect();
        let longest = table
            .keys()
            .map(|s| s.split(' ').count())
            .max()
            .unwrap_or(0);
        Synonyms { table, longest }
    }

    /// Normalised spelling → term, as the export's meta carries it.
    pub fn table(&self) -> &BTreeMap<String, String> {
        &self.table
    }

    /// `query` as it is searched: one slot per word or run of words, each
    /// the alternatives a case may match it with. A run equal to a
    /// spelling gives `[term, run as typed]` (the longest run first;
    /// beyond [`MAX_EXPANDED`], `[term]`); any other word gives `[word]`.
    /// Words are width-folded, a run's words joined by a space.
    pub fn slots(&self, query: &str) -> Vec<Vec<String>> {
        let folded = fold_width(query);
        let words: Vec<&str> = folded.split_whitespace().collect();
        let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let mut slots = Vec::with_capacity(words.len());
        let mut expanded = 0;
        let mut i = 0;
        while i < words.len() {
            let Some((term, length)) = self.match_at(&lower[i..]) else {
                slots.push(vec![words[i].to_string()]);
                i += 1;
                continue;
            };
            let mut slot = vec![term.to_string()];
            if expanded < MAX_EXPANDED {
                slot.push(words[i..i + length].join(" "));
                expanded += 1;
            }
            slots.push(slot);
            i += length;
        }
        slots
    }

    /// The term of the longest spelling `words` begins with, and how many
    /// words it takes.
    fn match_at(&self, words: &[String]) -> Option<(&str, usize)> {
        (1..=self.longest.min(words.len())).rev().find_map(|n| {
            self.table
                .get(&words[..n].join(" "))
                .map(|term| (term.as_str(), n))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/search/synonym-vectors.json"
        ))
        .unwrap()
    }

    fn from_vectors() -> Synonyms {
        let table = serde_json::from_value(vectors()["table"].clone()).unwrap();
        Synonyms::new(&SearchConfig { synonyms: table })
    }

    /// The shared vectors: the table normalises to what the export's meta
    /// carries, and each query is cut into the slots listed (search.js's test
    /// checks the same).
    #[test]
    fn shared_vectors() {
        let synonyms = from_vectors();
        let normalised: BTreeMap<String, String> =
            serde_json::from_value(vectors()["normalised"].clone()).unwrap();
        assert_eq!(synonyms.table(), &normalised);
        let queries = vectors()["queries"].as_array().unwrap().clone();
        assert!(queries.len() >= 10);
        for v in queries {
            let query = v["query"].as_str().unwrap();
            let slots = serde_json::to_value(synonyms.slots(query)).unwrap();
            assert_eq!(slots, v["slots"], "{query:?}");
        }
    }

    #[test]
    fn no_table_leaves_words_folded_as_typed() {
        let none = Synonyms::default();
        assert_eq!(none.slots(" ＴＰＭ\u{3000}设备 "), [["TPM"], ["设备"]]);
    }

    #[test]
    fn the_vectors_table_is_the_default() {
        let defaults = Synonyms::new(&SearchConfig::default());
        assert_eq!(defaults.table(), from_vectors().table());
    }
}
