//! A term's list (an area, an industry, a district, a year, a method),
//! in pages of `[lists] page_size` cards. The list reads in groups (an
//! area's cases by industry, every other list's by area), newest first
//! inside a group; the pages cut that one sequence, so a group may run
//! on from one page to the next. Page 1 is the term's own URL, later
//! pages `page/N/` below it (`urls::term_page`).

use std::collections::HashMap;

use serde::Serialize;

use super::views::{CaseCard, Group};
use super::Renderer;
use crate::diagnostics::Diagnostic;
use crate::output::OutputFile;
use crate::site::Site;
use crate::taxonomy::{TaxonomyKind, Term};
use crate::urls;

/// How many pages a list of `cases` takes (one, even when empty).
pub fn page_count(cases: usize, page_size: usize) -> usize {
    cases.div_ceil(page_size.max(1)).max(1)
}

/// The taxonomy a term's list is grouped by.
pub fn grouped_by(kind: TaxonomyKind) -> TaxonomyKind {
    if kind == TaxonomyKind::Area {
        TaxonomyKind::Industry
    } else {
        TaxonomyKind::Area
    }
}

/// The term's cases in reading order, as (group term index, case index).
fn sequence(site: &Site, kind: TaxonomyKind, term: &Term) -> Vec<(usize, usize)> {
    let mut order = Vec::with_capacity(term.cases.len());
    for (g, group) in site.taxonomy(grouped_by(kind)).terms.iter().enumerate() {
        let mut members: Vec<usize> = term
            .cases
            .iter()
            .copied()
            .filter(|i| group.cases.binary_search(i).is_ok())
            .collect();
        // Newest first inside a group, then by id.
        members.sort_by(|&a, &b| {
            let (ca, cb) = (&site.cases[a], &site.cases[b]);
            cb.year.cmp(&ca.year).then_with(|| ca.id.cmp(&cb.id))
        });
        order.extend(members.into_iter().map(|i| (g, i)));
    }
    order
}

/// The page links of page `current` of `total`: the first and last, the
/// two either side of the current one, gaps as `None` (shown as "…").
fn window(current: usize, total: usize) -> Vec<Option<usize>> {
    let shown = |n: usize| n == 1 || n == total || n.abs_diff(current) <= 2;
    let mut links = Vec::new();
    for n in 1..=total {
        if shown(n) {
            links.push(Some(n));
        } else if links.last() != Some(&None) {
            links.push(None);
        }
    }
    links
}

/// Where page `current` sits among the list's pages.
#[derive(Serialize)]
struct Pager {
    current: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    /// Numbered links; `None` entries are gaps.
    links: Vec<Option<PageLink>>,
}

#[derive(Serialize)]
struct PageLink {
    number: usize,
    url: String,
    current: bool,
}

/// A group of the whole list, linking to the page where it begins (a
/// plain `#anchor` on that page itself).
#[derive(Clone, Serialize)]
struct GroupLink {
    /// The group's term, by index into its taxonomy.
    #[serde(skip)]
    group: usize,
    /// The page (from 1) the group begins on.
    #[serde(skip)]
    page: usize,
    #[serde(skip)]
    anchor: String,
    name: String,
    count: usize,
    url: String,
}

impl Renderer<'_> {
    /// Every page of one term's list.
    pub(super) fn term_pages(
        &self,
        kind: TaxonomyKind,
        term: &Term,
        cards: &[CaseCard],
    ) -> Result<Vec<OutputFile>, Diagnostic> {
        let site = self.views.site;
        let page_size = site.config.lists.page_size.max(1);
        let order = sequence(site, kind, term);
        let total = page_count(order.len(), page_size);
        let page_url = |n: usize| self.views.url(&urls::term_page(kind, &term.slug, n));
        let group_terms = &site.taxonomy(grouped_by(kind)).terms;
        let mut group_links: Vec<GroupLink> = Vec::new();
        for (at, &(g, _)) in order.iter().enumerate() {
            if at == 0 || order[at - 1].0 != g {
                let group = &group_terms[g];
                let page = at / page_size + 1;
                group_links.push(GroupLink {
                    group: g,
                    page,
                    anchor: group.slug.clone(),
                    name: group.name.clone(),
                    count: order.iter().filter(|&&(x, _)| x == g).count(),
                    url: format!("{}#{}", page_url(page), group.slug),
                });
            }
        }
        let chunks: Vec<&[(usize, usize)]> = if order.is_empty() {
            vec![&[]]
        } else {
            order.chunks(page_size).collect()
        };
        let mut files = Vec::with_capacity(chunks.len());
        for (p, chunk) in chunks.into_iter().enumerate() {
            let n = p + 1;
            let pager = Pager {
                current: n,
                total,
                prev: (n > 1).then(|| page_url(n - 1)),
                next: (n < total).then(|| page_url(n + 1)),
                links: window(n, total)
                    .into_iter()
                    .map(|link| {
                        link.map(|number| PageLink {
                            number,
                            url: page_url(number),
                            current: number == n,
                        })
                    })
                    .collect(),
            };
            let groups = page_groups(group_terms, &group_links, chunk, cards);
            let jumps: Vec<GroupLink> = group_links
                .iter()
                .map(|link| match link.page == n {
                    true => GroupLink {
                        url: format!("#{}", link.anchor),
                        ..link.clone()
                    },
                    false => link.clone(),
                })
                .collect();
            files.push(self.term_page(kind, term, n, &pager, &groups, &jumps)?);
        }
        Ok(files)
    }

    /// Page `n` of a term's list.
    fn term_page(
        &self,
        kind: TaxonomyKind,
        term: &Term,
        n: usize,
        pager: &Pager,
        groups: &[Group],
        group_links: &[GroupLink],
    ) -> Result<OutputFile, Diagnostic> {
        let path = urls::term_page(kind, &term.slug, n);
        let mut context = self.context(&path);
        context.insert("taxonomy", &self.views.taxonomy(kind));
        context.insert("term", &self.views.term_link(kind, term));
        // The side navigation: the taxonomy's other terms with counts.
        context.insert("siblings", &self.views.term_links(kind));
        context.insert("group_label", grouped_by(kind).label());
        context.insert("groups", groups);
        context.insert("group_links", group_links);
        context.insert("pager", pager);
        if kind == TaxonomyKind::Year {
            let book = term
                .slug
                .parse::<i64>()
                .ok()
                .and_then(|year| self.views.book_link(year));
            context.insert("book", &book);
        }
        self.render("term.html", urls::index_of(&path), &context)
    }

    /// The link to where each group's cases begin in `term`'s list, by
    /// the group's slug (the home page's area × industry table, the
    /// overview's heat map link there).
    pub(super) fn group_urls(&self, kind: TaxonomyKind, term: &Term) -> HashMap<String, String> {
        let site = self.views.site;
        let page_size = site.config.lists.page_size.max(1);
        let groups = &site.taxonomy(grouped_by(kind)).terms;
        let mut urls_by_slug = HashMap::new();
        for (at, &(g, _)) in sequence(site, kind, term).iter().enumerate() {
            let slug = &groups[g].slug;
            urls_by_slug.entry(slug.clone()).or_insert_with(|| {
                let page = urls::term_page(kind, &term.slug, at / page_size + 1);
                format!("{}#{slug}", self.views.url(&page))
            });
        }
        urls_by_slug
    }
}

/// The groups of one page: runs of `chunk` by group, each with its
/// group's total count.
fn page_groups(
    group_terms: &[Term],
    group_links: &[GroupLink],
    chunk: &[(usize, usize)],
    cards: &[CaseCard],
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (at, &(g, case)) in chunk.iter().enumerate() {
        if at == 0 || chunk[at - 1].0 != g {
            let term = &group_terms[g];
            let count = group_links
                .iter()
                .find(|l| l.group == g)
                .map_or(0, |l| l.count);
            groups.push(Group {
                name: term.name.clone(),
                anchor: term.slug.clone(),
                count,
                cases: Vec::new(),
            });
        }
        let group = groups.last_mut().expect("pushed above");
        group.cases.push(cards[case].clone());
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_up_and_an_empty_list_has_one() {
        assert_eq!(page_count(0, 24), 1);
        assert_eq!(page_count(24, 24), 1);
        assert_eq!(page_count(25, 24), 2);
        assert_eq!(page_count(2000, 24), 84);
    }

    #[test]
    fn the_window_keeps_the_ends_and_the_neighbourhood() {
        let numbers = |v: Vec<Option<usize>>| -> Vec<usize> {
            v.into_iter().map(|n| n.unwrap_or(0)).collect()
        };
        assert_eq!(numbers(window(1, 1)), [1]);
        assert_eq!(numbers(window(1, 5)), [1, 2, 3, 0, 5]);
        assert_eq!(numbers(window(10, 84)), [1, 0, 8, 9, 10, 11, 12, 0, 84]);
        assert_eq!(numbers(window(84, 84)), [1, 0, 82, 83, 84]);
    }
}
