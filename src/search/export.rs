//! The static search index: the tantivy index of the published cases,
//! exported as small JSON files under `search/` for the browser's search
//! page (`static/js/search.js`), which fetches only the shards holding the
//! query's terms.
//!
//! - `search/meta.json` (fixed name): format version, number of documents,
//!   the text fields with their boosts and average lengths (for BM25), each
//!   document's field lengths and facets, the content-hashed names of the
//!   shard and card files.
//! - `search/s{i}.{hash}.json`: term shards. Term `t` lives in shard
//!   `fnv1a32(utf8(t)) % shards`. A shard is a JSON object term →
//!   postings, each posting `[doc, field, position, position…]` (the
//!   fields numbered as in `meta.fields`), sorted by doc and field.
//! - `search/c{i}.{hash}.json`: cards, [`CARDS_PER_FILE`] per file in doc
//!   order: `{id, title, url, enterprise, summary}`.
//!
//! Everything comes out of [`SearchIndex::build`], which indexes published
//! cases only, so nothing unpublished can reach these files.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::postings::Postings;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocSet, TantivyDocument, TERMINATED};

use super::index::SearchIndex;
use crate::render::{Contents, OutputFile};
use crate::site::Site;
use crate::theme::fingerprinted_path;

/// Version of the file format (bump when `search.js` must change with it).
pub const FORMAT_VERSION: u32 = 1;

/// Aim for shards of about this many bytes of JSON (before gzip).
pub const SHARD_TARGET_BYTES: usize = 20_000;

/// Cards per card file (a card is ~300 bytes).
pub const CARDS_PER_FILE: usize = 64;

/// Characters of summary on a card.
pub const CARD_SUMMARY_CHARS: usize = 80;

/// The shard a term lives in: FNV-1a (32 bit) of its UTF-8 bytes, modulo
/// the shard count. `search.js` computes the same.
pub fn shard_of(term: &str, shards: usize) -> usize {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in term.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash as usize % shards.max(1)
}

#[derive(Serialize)]
struct FieldMeta {
    name: &'static str,
    boost: f32,
    /// Average field length (tokens per document), as tantivy's BM25 uses.
    avg: f32,
}

#[derive(Serialize)]
struct FacetTerm {
    name: String,
    slug: String,
}

#[derive(Serialize)]
struct Facets {
    area: Vec<FacetTerm>,
    industry: Vec<FacetTerm>,
    district: Vec<FacetTerm>,
}

#[derive(Serialize)]
struct Meta {
    version: u32,
    docs: usize,
    fields: Vec<FieldMeta>,
    /// Per document, per field (in `fields` order): its length in tokens.
    lengths: Vec<Vec<u32>>,
    facets: Facets,
    /// Per document: `[area, industry, district or -1, year]` (indexes into
    /// `facets`).
    doc_facets: Vec<[i64; 4]>,
    shards: Vec<String>,
    cards_per_file: usize,
    cards: Vec<String>,
}

#[derive(Serialize)]
struct Card<'a> {
    id: &'a str,
    title: &'a str,
    url: String,
    enterprise: &'a str,
    summary: String,
}

/// The `search/` files for `site` (published cases only). `base_path` is
/// the site's path prefix (`/` or `/sub/`).
pub fn export(site: &Site, base_path: &str) -> tantivy::Result<Vec<OutputFile>> {
    let index = SearchIndex::build(site)?;
    let searcher = index.reader.searcher();
    let fields = index.fields.weighted();

    // Documents are numbered in book order of the published cases.
    let published: Vec<_> = site
        .cases
        .iter()
        .filter(|c| c.status.is_published())
        .collect();
    let number: HashMap<&str, u32> = published
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i as u32))
        .collect();

    let docs = published.len();
    let mut lengths = vec![vec![0u32; fields.len()]; docs];
    let mut totals = vec![0u64; fields.len()];
    let mut postings: BTreeMap<String, Vec<Vec<u32>>> = BTreeMap::new();
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        // Segment doc id → our doc number.
        let mut ours = Vec::with_capacity(segment.max_doc() as usize);
        for local in 0..segment.max_doc() {
            let doc: TantivyDocument = searcher.doc(DocAddress::new(segment_ord as u32, local))?;
            let id = doc
                .get_first(index.fields.id)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let n = number.get(id).copied().ok_or_else(|| {
                tantivy::TantivyError::InternalError(format!("indexed case {id} is not published"))
            })?;
            ours.push(n);
        }
        for (f, &(field, _, _)) in fields.iter().enumerate() {
            let norms = segment.get_fieldnorms_reader(field)?;
            for local in 0..segment.max_doc() {
                lengths[ours[local as usize] as usize][f] = norms.fieldnorm(local);
            }
            let inverted = segment.inverted_index(field)?;
            totals[f] += inverted.total_num_tokens();
            let mut terms = inverted.terms().stream()?;
            let mut positions = Vec::new();
            while terms.advance() {
                let term = String::from_utf8_lossy(terms.key()).into_owned();
                let mut list = inverted.read_postings_from_terminfo(
                    terms.value(),
                    IndexRecordOption::WithFreqsAndPositions,
                )?;
                let entry = postings.entry(term).or_default();
                while list.doc() != TERMINATED {
                    list.positions(&mut positions);
                    let mut posting = Vec::with_capacity(positions.len() + 2);
                    posting.push(ours[list.doc() as usize]);
                    posting.push(f as u32);
                    posting.extend_from_slice(&positions);
                    entry.push(posting);
                    list.advance();
                }
            }
        }
    }
    for list in postings.values_mut() {
        list.sort();
    }

    // Size the shards from the postings' JSON.
    let encoded: Vec<(&String, String)> = postings
        .iter()
        .map(|(term, list)| (term, serde_json::to_string(list).expect("plain JSON")))
        .collect();
    let total: usize = encoded.iter().map(|(t, p)| t.len() + p.len() + 4).sum();
    let shard_count = total.div_ceil(SHARD_TARGET_BYTES).max(1);
    let mut shards: Vec<Vec<(&String, &String)>> = vec![Vec::new(); shard_count];
    for (term, list) in &encoded {
        shards[shard_of(term, shard_count)].push((term, list));
    }

    let mut files = Vec::new();
    let mut publish = |rel: String, bytes: Vec<u8>| -> String {
        let path = fingerprinted_path(&rel, &bytes);
        let name = path.trim_start_matches("search/").to_string();
        files.push(OutputFile {
            path,
            contents: Contents::Bytes(bytes),
        });
        name
    };
    let shard_names: Vec<String> = shards
        .iter()
        .enumerate()
        .map(|(i, shard)| {
            let mut json = String::from("{");
            for (n, (term, list)) in shard.iter().enumerate() {
                if n > 0 {
                    json.push_str(",\n");
                }
                json.push_str(&serde_json::to_string(term).expect("plain JSON"));
                json.push(':');
                json.push_str(list);
            }
            json.push('}');
            publish(format!("search/s{i}.json"), json.into_bytes())
        })
        .collect();

    let cards: Vec<Card> = published
        .iter()
        .map(|c| Card {
            id: &c.id,
            title: &c.title,
            url: format!("{base_path}cases/{}/", c.id),
            enterprise: &c.enterprise.name,
            summary: crate::text::excerpt(&c.body.summary, CARD_SUMMARY_CHARS),
        })
        .collect();
    let card_names: Vec<String> = cards
        .chunks(CARDS_PER_FILE)
        .enumerate()
        .map(|(i, chunk)| {
            let json = serde_json::to_vec(chunk).expect("plain JSON");
            publish(format!("search/c{i}.json"), json)
        })
        .collect();

    let config = site.config;
    let facet_terms = |terms: &[crate::config::TermConfig]| {
        terms
            .iter()
            .map(|t| FacetTerm {
                name: t.name.clone(),
                slug: t.slug.clone(),
            })
            .collect()
    };
    let meta = Meta {
        version: FORMAT_VERSION,
        docs,
        fields: fields
            .iter()
            .zip(&totals)
            .map(|(&(_, name, boost), &total)| FieldMeta {
                name,
                boost,
                avg: if docs == 0 {
                    1.0
                } else {
                    total as f32 / docs as f32
                },
            })
            .collect(),
        lengths,
        facets: Facets {
            area: facet_terms(&config.priority_areas),
            industry: facet_terms(&config.industries),
            district: facet_terms(&config.districts),
        },
        doc_facets: published
            .iter()
            .map(|c| {
                [
                    c.area as i64,
                    c.industry as i64,
                    c.district.map_or(-1, |d| d as i64),
                    c.year,
                ]
            })
            .collect(),
        shards: shard_names,
        cards_per_file: CARDS_PER_FILE,
        cards: card_names,
    };
    files.push(OutputFile {
        path: "search/meta.json".to_string(),
        contents: Contents::Bytes(serde_json::to_vec(&meta).expect("plain JSON")),
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_hash_is_fnv1a() {
        // FNV-1a 32 of "a" is 0xe40c292c; search.js checks the same values.
        assert_eq!(shard_of("a", usize::MAX >> 1), 0xe40c_292c);
        assert_eq!(shard_of("", 1 << 32), 0x811c_9dc5);
        assert_eq!(shard_of("西格", 1), 0);
    }
}
