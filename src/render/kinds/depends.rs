//! What each page kind depends on, and so which pages an edit changes
//! (the table in `kinds`): a [`Snapshot`] of what the pages of a written
//! site show, and [`select`], which compares two snapshots and the files
//! that changed and returns what to render now, next and when quiet.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use super::Selection;
use crate::content::{Preface, SourceKind};
use crate::render::views::Views;
use crate::site::Site;
use crate::taxonomy::TaxonomyKind;

/// Everything every page's layout can show of the site as a whole (counts,
/// areas, books, pages), as text: when it differs between two versions of
/// a site, every page may have changed.
pub fn site_fingerprint(site: &Site) -> String {
    let views = Views::new(site, &[]);
    serde_json::to_string(&views.site_view()).expect("plain JSON")
}

/// The things of a written site that decide which pages an edit touches.
pub struct Snapshot {
    /// [`site_fingerprint`]: what every page's layout can show.
    fingerprint: String,
    /// A hash of what the output paths follow from: case ids and aliases,
    /// terms and their lists' page counts, page slugs, book years and
    /// their chapters. Equal
    /// shapes, equal paths.
    pub shape: blake3::Hash,
    /// Case ids in book order.
    order: Vec<String>,
    position: HashMap<String, usize>,
    /// Each term's link (name, description, count), by taxonomy and slug.
    links: HashMap<(TaxonomyKind, String), String>,
    /// The terms of each case in book order (index into `slugs`), and its
    /// year.
    case_terms: Vec<(Vec<(TaxonomyKind, usize)>, i64)>,
    /// Term slugs by taxonomy (in `TaxonomyKind::ALL` order).
    slugs: Vec<Vec<String>>,
    /// For each case id, the cases whose page lists it as related (their
    /// card shows its title, terms and year): set by [`Snapshot::relate`]
    /// once the related lists are known.
    listed_by: HashMap<String, Vec<String>>,
}

/// Kinds of terms a case page links to (with their counts).
const CASE_PAGE_TERMS: [TaxonomyKind; 4] = [
    TaxonomyKind::Area,
    TaxonomyKind::Industry,
    TaxonomyKind::District,
    TaxonomyKind::Method,
];

impl Snapshot {
    /// What `site`'s pages depend on.
    pub fn of(site: &Site) -> Snapshot {
        let mut shape = blake3::Hasher::new();
        let mut ids: Vec<&str> = site.cases.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        for id in ids {
            shape.update(b"case\0").update(id.as_bytes()).update(b"\0");
        }
        let mut aliases: Vec<&str> = site
            .cases
            .iter()
            .flat_map(|c| c.aliases.iter().map(String::as_str))
            .collect();
        aliases.sort_unstable();
        for alias in aliases {
            shape
                .update(b"alias\0")
                .update(alias.as_bytes())
                .update(b"\0");
        }
        let mut links = HashMap::new();
        let mut case_terms: Vec<(Vec<(TaxonomyKind, usize)>, i64)> =
            site.cases.iter().map(|c| (Vec::new(), c.year)).collect();
        let mut slugs = Vec::new();
        for kind in TaxonomyKind::ALL {
            let terms = &site.taxonomy(kind).terms;
            let mut sorted: Vec<&str> = terms.iter().map(|t| t.slug.as_str()).collect();
            sorted.sort_unstable();
            for slug in sorted {
                shape
                    .update(kind.path().as_bytes())
                    .update(slug.as_bytes())
                    .update(b"\0");
            }
            // A list's page count decides which `page/N/` paths exist.
            let page_size = site.config.lists.page_size;
            for term in terms {
                let pages = crate::render::lists::page_count(term.cases.len(), page_size);
                shape
                    .update(b"pages\0")
                    .update(term.slug.as_bytes())
                    .update(&pages.to_le_bytes());
            }
            for (t, term) in terms.iter().enumerate() {
                links.insert(
                    (kind, term.slug.clone()),
                    format!(
                        "{}\n{:?}\n{}",
                        term.name,
                        term.description,
                        term.cases.len()
                    ),
                );
                for &i in &term.cases {
                    case_terms[i].0.push((kind, t));
                }
            }
            slugs.push(terms.iter().map(|t| t.slug.clone()).collect());
        }
        for page in site.pages {
            shape
                .update(b"page\0")
                .update(page.slug.as_bytes())
                .update(b"\0");
        }
        for year in crate::book::years(site) {
            shape.update(b"book\0").update(&year.to_le_bytes());
            // Its chapters come and go as its parts grow and shrink.
            if let Some(book) = crate::book::book(site, year) {
                for folder in crate::render::book::page_folders(site, &book) {
                    shape.update(folder.as_bytes()).update(b"\0");
                }
            }
        }
        let order: Vec<String> = site.cases.iter().map(|c| c.id.clone()).collect();
        // The sitemaps show each case's lastmod; they are written by whole
        // renders only (they list every page), so a new date is a new shape.
        let mut lastmods: Vec<(&str, String)> = site
            .cases
            .iter()
            .map(|c| (c.id.as_str(), crate::render::lastmod(c)))
            .collect();
        lastmods.sort_unstable();
        for (id, lastmod) in lastmods {
            shape
                .update(b"lastmod\0")
                .update(id.as_bytes())
                .update(lastmod.as_bytes());
        }
        Snapshot {
            fingerprint: site_fingerprint(site),
            shape: shape.finalize(),
            position: order
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect(),
            order,
            links,
            case_terms,
            slugs,
            listed_by: HashMap::new(),
        }
    }

    /// Note which case pages list which cases as related.
    pub fn relate(&mut self, related: &crate::search::Related) {
        self.listed_by.clear();
        for owner in &self.order {
            for id in related.of(owner) {
                self.listed_by
                    .entry(id.clone())
                    .or_default()
                    .push(owner.clone());
            }
        }
    }

    /// The ids of the cases whose page lists `id` as related.
    fn listed_by(&self, id: &str) -> &[String] {
        self.listed_by.get(id).map_or(&[], Vec::as_slice)
    }

    /// The ids next to `id` in book order.
    pub fn neighbours(&self, id: &str) -> Vec<&str> {
        let Some(&at) = self.position.get(id) else {
            return Vec::new();
        };
        [at.checked_sub(1), Some(at + 1)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.order.get(i))
            .map(String::as_str)
            .collect()
    }

    /// The terms (taxonomy, slug) and year of case `id`.
    pub fn terms_of(&self, id: &str) -> Option<(Vec<(TaxonomyKind, String)>, i64)> {
        let (terms, year) = &self.case_terms[*self.position.get(id)?];
        let slug = |kind: TaxonomyKind, t: usize| {
            let k = TaxonomyKind::ALL
                .iter()
                .position(|&x| x == kind)
                .unwrap_or(0);
            self.slugs[k][t].clone()
        };
        Some((
            terms
                .iter()
                .map(|&(kind, t)| (kind, slug(kind, t)))
                .collect(),
            *year,
        ))
    }
}

/// What changed since the snapshot.
pub struct Changes<'a> {
    pub files: &'a BTreeSet<PathBuf>,
    /// Ids of the cases in those files, before and after.
    pub ids: &'a BTreeSet<String>,
    pub kinds: &'a HashMap<&'a PathBuf, SourceKind>,
}

/// What a rebuild renders: the changed cases' own pages, the pages around
/// them, and (later) the slow whole-site files.
pub fn select(
    old: &Snapshot,
    now: &Snapshot,
    site: &Site,
    changes: &Changes,
    prefaces: &[Preface],
) -> (Selection, Selection, Selection) {
    let mut own = Selection::default();
    let mut rest = Selection {
        lists: true,
        ..Selection::default()
    };
    let mut slow = Selection {
        search: true,
        data: true,
        ..Selection::default()
    };
    let changed: BTreeSet<&str> = changes.ids.iter().map(String::as_str).collect();
    for file in changes.files {
        match changes.kinds.get(file) {
            Some(SourceKind::Page) => rest.singles = true,
            Some(SourceKind::Preface) => {
                slow.books.extend(
                    prefaces
                        .iter()
                        .filter(|p| &p.source.path == file)
                        .map(|p| p.year),
                );
            }
            Some(SourceKind::Case) => {}
            // Gone: whichever book it was in.
            None => slow.books.extend(crate::book::years(site)),
        }
    }
    let index_of = |id: &str| now.position.get(id).copied();
    for id in &changed {
        own.cases.extend(index_of(id));
        for snapshot in [old, now] {
            for neighbour in snapshot.neighbours(id) {
                rest.cases.extend(index_of(neighbour));
            }
            for lister in snapshot.listed_by(id) {
                rest.cases.extend(index_of(lister));
            }
            if let Some((terms, year)) = snapshot.terms_of(id) {
                rest.terms.extend(terms);
                slow.books.insert(year);
            }
        }
    }
    // A term whose link (count) changed: its taxonomy's index and every
    // list of the taxonomy (their side navigation shows it), and the
    // pages of its cases, which link to it.
    for taxonomy in &site.taxonomies {
        for term in &taxonomy.terms {
            let key = (taxonomy.kind, term.slug.clone());
            if old.links.get(&key) == now.links.get(&key) {
                continue;
            }
            rest.indexes.insert(taxonomy.kind);
            if CASE_PAGE_TERMS.contains(&taxonomy.kind) {
                rest.cases.extend(term.cases.iter().copied());
            }
            rest.terms.extend(
                taxonomy
                    .terms
                    .iter()
                    .map(|t| (taxonomy.kind, t.slug.clone())),
            );
        }
    }
    if old.fingerprint != now.fingerprint {
        rest.cases.extend(0..site.cases.len());
        for taxonomy in &site.taxonomies {
            rest.indexes.insert(taxonomy.kind);
            rest.terms.extend(
                taxonomy
                    .terms
                    .iter()
                    .map(|t| (taxonomy.kind, t.slug.clone())),
            );
        }
        rest.singles = true;
        slow.books.extend(crate::book::years(site));
    }
    rest.cases = rest.cases.difference(&own.cases).copied().collect();
    (own, rest, slow)
}

impl Selection {
    /// Both selections' pages.
    pub fn merge(mut self, other: Selection) -> Selection {
        self.cases.extend(other.cases);
        self.terms.extend(other.terms);
        self.indexes.extend(other.indexes);
        self.lists |= other.lists;
        self.singles |= other.singles;
        self.search |= other.search;
        self.books.extend(other.books);
        self.data |= other.data;
        self.site_files |= other.site_files;
        self
    }
}
