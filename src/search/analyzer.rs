//! The search analyzer: one way of cutting text into terms, used for every
//! field, every query, and (later) the browser's search.
//!
//! 1. Each character is width-folded ([`text::fold_char`]): `ＱＣ１２` is
//!    `QC12`, U+3000 is a space.
//! 2. Characters fall into three classes: CJK ideographs (and kana, `〇`,
//!    `々`), other letters and digits, and everything else (punctuation,
//!    spaces, symbols), which only separates.
//! 3. A run of letters and digits is one lowercase term (`TPM` → `tpm`,
//!    `5G` → `5g`, `ISO9001` → `iso9001`).
//! 4. A run of CJK characters gives one position per character. When
//!    indexing, each position holds the character itself (a unigram) and the
//!    bigram starting there (`六西格玛` → 六 六西 | 西 西格 | 格 格玛 | 玛).
//!    A query is cut into bigrams only (`西格玛` → 西格 格玛), or the single
//!    character when the run is one character long (`质` → 质).
//!    The index built only for the static export ([`Mode::IndexBigrams`])
//!    keeps a character alone only where its run ends (`六西 | 西格 | 格玛 |
//!    玛`): every other occurrence already begins a bigram, so the export
//!    derives a character's postings from the terms it begins, and the
//!    index is cut into half as many tokens.
//!
//! A query term matches when all its terms sit at the same relative
//! positions in a field (a phrase), so `西格玛` finds 六西格玛 but `精益`
//! never matches 精 and 益 apart, and `QC小组` matches `QC 小组`. Unigrams
//! are indexed (rather than expanding one-character queries to every
//! bigram holding that character) so that a character standing alone, as in
//! `2021年`, is found too, with no dictionary scan; the price is about twice
//! the postings of a bigram-only index.
//!
//! The same rules, checked against `tests/fixtures/search/tokenizer-vectors.json`,
//! are what a browser tokenizer must implement.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::fold_char;

/// Name under which the analyzer is registered with tantivy.
pub const TOKENIZER_NAME: &str = "casebook_cjk";

/// Indexing emits unigrams and bigrams; queries only what must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every CJK character alone and the bigram it begins.
    Index,
    /// Bigrams, and a CJK character alone only where its run ends.
    IndexBigrams,
    Query,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Word,
    Separator,
}

/// Ideographs are written without spaces and get bigrams; kana too.
pub fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3007          // 々 〇
        | 0x3040..=0x30FF        // kana
        | 0x3400..=0x4DBF        // extension A
        | 0x4E00..=0x9FFF        // unified ideographs
        | 0xF900..=0xFAFF        // compatibility ideographs
        | 0x20000..=0x3134F) // extensions B–G
}

fn class(c: char) -> Class {
    if is_ideograph(c) {
        Class::Cjk
    } else if c.is_alphanumeric() {
        Class::Word
    } else {
        Class::Separator
    }
}

/// What a token's text is, without allocating it: one or two folded CJK
/// characters, or a Latin/digit word to fold from the source text.
#[derive(Clone, Copy, Debug)]
enum PieceText {
    Chars(char, Option<char>),
    Word,
}

/// A token before its text is written out: byte offsets into the source,
/// position, and how to make its text.
#[derive(Clone, Copy, Debug)]
struct Piece {
    from: usize,
    to: usize,
    position: usize,
    text: PieceText,
}

impl Piece {
    /// Write the token's text into `out` (cleared first).
    fn write_text(&self, source: &str, out: &mut String) {
        out.clear();
        match self.text {
            PieceText::Chars(a, b) => {
                out.push(a);
                out.extend(b);
            }
            PieceText::Word => {
                for c in source[self.from..self.to].chars() {
                    out.extend(fold_char(c).to_lowercase());
                }
            }
        }
    }
}

/// Cut `text` into pieces (appended to `out`), by the rules in the module
/// docs. `run` is scratch space, kept by callers that cut many texts.
fn cut(text: &str, mode: Mode, run: &mut Vec<(usize, char)>, out: &mut Vec<Piece>) {
    let mut position = 0;
    run.clear();
    let mut run_class = Class::Separator;
    for (offset, c) in text.char_indices() {
        let c = fold_char(c);
        let class = class(c);
        if class != run_class {
            flush(text, run, run_class, mode, &mut position, out);
            run.clear();
            run_class = class;
        }
        if class != Class::Separator {
            run.push((offset, c));
        }
    }
    flush(text, run, run_class, mode, &mut position, out);
}

fn flush(
    text: &str,
    run: &[(usize, char)],
    class: Class,
    mode: Mode,
    position: &mut usize,
    out: &mut Vec<Piece>,
) {
    if run.is_empty() {
        return;
    }
    // Byte offset where the run's character `i` ends.
    let end = |i: usize| match run.get(i + 1) {
        Some(&(next, _)) => next,
        None => {
            let (o, _) = run[i];
            o + text[o..].chars().next().map_or(0, char::len_utf8)
        }
    };
    match class {
        Class::Separator => {}
        Class::Word => {
            out.push(Piece {
                from: run[0].0,
                to: end(run.len() - 1),
                position: *position,
                text: PieceText::Word,
            });
            *position += 1;
        }
        Class::Cjk => {
            let single = run.len() == 1;
            for (i, &(offset, c)) in run.iter().enumerate() {
                let alone = match mode {
                    Mode::Index => true,
                    Mode::IndexBigrams => i + 1 == run.len(),
                    Mode::Query => single,
                };
                if alone {
                    out.push(Piece {
                        from: offset,
                        to: end(i),
                        position: *position + i,
                        text: PieceText::Chars(c, None),
                    });
                }
                if let Some(&(_, next)) = run.get(i + 1) {
                    out.push(Piece {
                        from: offset,
                        to: end(i + 1),
                        position: *position + i,
                        text: PieceText::Chars(c, Some(next)),
                    });
                }
            }
            *position += run.len();
        }
    }
}

/// Cut `text` into tokens. Offsets are byte offsets into `text` itself
/// (not the folded form), so highlights land on the original characters.
pub fn analyze(text: &str, mode: Mode) -> Vec<Token> {
    let mut pieces = Vec::new();
    cut(text, mode, &mut Vec::new(), &mut pieces);
    pieces
        .iter()
        .map(|piece| {
            let mut token = Token {
                offset_from: piece.from,
                offset_to: piece.to,
                position: piece.position,
                position_length: 1,
                ..Token::default()
            };
            piece.write_text(text, &mut token.text);
            token
        })
        .collect()
}

/// The analyzer as a tantivy tokenizer. It keeps its buffers between
/// texts: indexing a case cuts ~12,000 tokens, and writing each into one
/// reused [`Token`] instead of allocating a `String` apiece is what keeps
/// the search index cheap to build.
#[derive(Clone, Debug)]
pub struct CjkTokenizer {
    mode: Mode,
    run: Vec<(usize, char)>,
    pieces: Vec<Piece>,
    token: Token,
}

impl CjkTokenizer {
    pub fn new(mode: Mode) -> Self {
        CjkTokenizer {
            mode,
            run: Vec::new(),
            pieces: Vec::new(),
            token: Token::default(),
        }
    }
}

/// The pieces of one text, turned into tokens one at a time.
pub struct CjkTokenStream<'a> {
    text: &'a str,
    pieces: &'a [Piece],
    /// Index of the current piece plus one; 0 before the first `advance`.
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for CjkTokenizer {
    type TokenStream<'a> = CjkTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkTokenStream<'a> {
        self.pieces.clear();
        cut(text, self.mode, &mut self.run, &mut self.pieces);
        self.token.reset();
        CjkTokenStream {
            text,
            pieces: &self.pieces,
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for CjkTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(piece) = self.pieces.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.offset_from = piece.from;
        self.token.offset_to = piece.to;
        self.token.position = piece.position;
        self.token.position_length = 1;
        piece.write_text(self.text, &mut self.token.text);
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text@position` for each token, in order.
    fn cut(text: &str, mode: Mode) -> Vec<String> {
        analyze(text, mode)
            .into_iter()
            .map(|t| format!("{}@{}", t.text, t.position))
            .collect()
    }

    #[test]
    fn chinese_gets_unigrams_and_bigrams_when_indexing() {
        assert_eq!(
            cut("六西格玛", Mode::Index),
            ["六@0", "六西@0", "西@1", "西格@1", "格@2", "格玛@2", "玛@3"]
        );
    }

    #[test]
    fn the_export_index_keeps_a_character_alone_only_at_a_run_end() {
        assert_eq!(
            cut("六西格玛，质", Mode::IndexBigrams),
            ["六西@0", "西格@1", "格玛@2", "玛@3", "质@4"]
        );
        assert_eq!(
            cut("QC小组", Mode::IndexBigrams),
            ["qc@0", "小组@1", "组@2"]
        );
    }

    #[test]
    fn queries_are_bigrams_or_one_unigram() {
        assert_eq!(cut("西格玛", Mode::Query), ["西格@0", "格玛@1"]);
        assert_eq!(cut("质", Mode::Query), ["质@0"]);
        assert_eq!(cut("精益", Mode::Query), ["精益@0"]);
    }

    #[test]
    fn latin_and_digits_are_lowercase_words() {
        assert_eq!(cut("TPM 5G", Mode::Index), ["tpm@0", "5g@1"]);
        assert_eq!(
            cut("QC小组", Mode::Index),
            ["qc@0", "小@1", "小组@1", "组@2"]
        );
        assert_eq!(cut("QC小组", Mode::Query), ["qc@0", "小组@1"]);
    }

    #[test]
    fn full_width_folds_to_half_width() {
        assert_eq!(cut("ＱＣ小组", Mode::Query), cut("QC小组", Mode::Query));
        assert_eq!(cut("５Ｇ＋ＴＰＭ", Mode::Index), ["5g@0", "tpm@1"]);
    }

    #[test]
    fn punctuation_separates_and_breaks_bigrams() {
        assert_eq!(cut("精，益", Mode::Index), ["精@0", "益@1"]);
        assert!(!cut("精，益", Mode::Index)
            .iter()
            .any(|t| t.starts_with("精益")));
        assert_eq!(cut("。，、  ", Mode::Index), Vec::<String>::new());
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "用ＴＰＭ管理";
        let tokens = analyze(text, Mode::Index);
        let tpm = tokens.iter().find(|t| t.text == "tpm").unwrap();
        assert_eq!(&text[tpm.offset_from..tpm.offset_to], "ＴＰＭ");
        let bigram = tokens.iter().find(|t| t.text == "管理").unwrap();
        assert_eq!(&text[bigram.offset_from..bigram.offset_to], "管理");
    }

    /// The vectors a browser tokenizer is checked against too.
    #[test]
    fn shared_vectors() {
        let file = include_str!("../../tests/fixtures/search/tokenizer-vectors.json");
        let doc: serde_json::Value = serde_json::from_str(file).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 20);
        for vector in vectors {
            let input = vector["input"].as_str().unwrap();
            for (mode, key) in [(Mode::Index, "index"), (Mode::Query, "query")] {
                let expected: Vec<String> = vector[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| format!("{}@{}", t[0].as_str().unwrap(), t[1]))
                    .collect();
                assert_eq!(cut(input, mode), expected, "{key} tokens of {input:?}");
            }
        }
    }

    #[test]
    fn tantivy_stream_yields_the_same_tokens() {
        let mut tokenizer = CjkTokenizer::new(Mode::Index);
        let mut stream = tokenizer.token_stream("QC小组");
        let mut seen = Vec::new();
        while let Some(token) = stream.next() {
            seen.push(format!("{}@{}", token.text, token.position));
        }
        assert_eq!(seen, cut("QC小组", Mode::Index));
    }
}
