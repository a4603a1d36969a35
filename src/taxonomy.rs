//! Taxonomies: the ways to browse cases (priority area, industry, district,
//! year, method), each a list of terms in display order with the cases
//! they hold. Derived from the published cases; reads and writes nothing.

use std::collections::HashMap;

use crate::config::{Config, TermConfig};
use crate::content::Case;
use crate::diagnostics::{rules, Diagnostic};
use crate::slug::slugify;
use crate::text::fold_width;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaxonomyKind {
    Area,
    Industry,
    District,
    Year,
    Method,
}

impl TaxonomyKind {
    pub const ALL: [TaxonomyKind; 5] = [
        TaxonomyKind::Area,
        TaxonomyKind::Industry,
        TaxonomyKind::District,
        TaxonomyKind::Year,
        TaxonomyKind::Method,
    ];

    /// URL segment of the taxonomy's pages.
    pub fn path(self) -> &'static str {
        match self {
            TaxonomyKind::Area => "areas",
            TaxonomyKind::Industry => "industries",
            TaxonomyKind::District => "districts",
            TaxonomyKind::Year => "years",
            TaxonomyKind::Method => "methods",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TaxonomyKind::Area => "遴选重点",
            TaxonomyKind::Industry => "行业",
            TaxonomyKind::District => "区",
            TaxonomyKind::Year => "年度",
            TaxonomyKind::Method => "管理方法",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Term {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    /// Indices into the site's cases, in book order.
    pub cases: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Taxonomy {
    pub kind: TaxonomyKind,
    pub terms: Vec<Term>,
}

impl Taxonomy {
    pub fn term_by_name(&self, name: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.name == name)
    }
}

fn configured(terms: &[TermConfig]) -> Vec<Term> {
    terms
        .iter()
        .map(|t| Term {
            name: t.name.clone(),
            slug: t.slug.clone(),
            description: t.description.clone(),
            cases: Vec::new(),
        })
        .collect()
}

/// Build all five taxonomies over `cases` (already in book order).
pub fn build(config: &Config, cases: &[&Case]) -> (Vec<Taxonomy>, Vec<Diagnostic>) {
    let mut areas = configured(&config.priority_areas);
    let mut industries = configured(&config.industries);
    let mut districts = configured(&config.districts);
    for (i, case) in cases.iter().enumerate() {
        areas[case.area].cases.push(i);
        industries[case.industry].cases.push(i);
        if let Some(d) = case.district {
            districts[d].cases.push(i);
        }
    }

    let mut years: Vec<i64> = cases.iter().map(|c| c.year).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    let years = years
        .into_iter()
        .map(|year| Term {
            name: format!("{year}年"),
            slug: year.to_string(),
            description: None,
            cases: (0..cases.len())
                .filter(|&i| cases[i].year == year)
                .collect(),
        })
        .collect();

    let (methods, diagnostics) = methods(config, cases);
    let taxonomies = vec![
        Taxonomy {
            kind: TaxonomyKind::Area,
            terms: areas,
        },
        Taxonomy {
            kind: TaxonomyKind::Industry,
            terms: industries,
        },
        Taxonomy {
            kind: TaxonomyKind::District,
            terms: districts,
        },
        Taxonomy {
            kind: TaxonomyKind::Year,
            terms: years,
        },
        Taxonomy {
            kind: TaxonomyKind::Method,
            terms: methods,
        },
    ];
    (taxonomies, diagnostics)
}

/// Methods are free-form: configured ones keep their slug and order (and
/// only appear when used); others follow, by pinyin slug. Two different
/// methods with one slug would share a page: that is an error naming both.
fn methods(config: &Config, cases: &[&Case]) -> (Vec<Term>, Vec<Diagnostic>) {
    let mut terms: Vec<Term> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut diagnostics = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        for method in &case.methods {
            let key = fold_width(method);
            let index = *by_name.entry(key.clone()).or_insert_with(|| {
                let known = config.methods.iter().find(|m| fold_width(&m.name) == key);
                terms.push(Term {
                    name: known.map_or_else(|| method.clone(), |m| m.name.clone()),
                    slug: known.map_or_else(|| slugify(method), |m| m.slug.clone()),
                    description: known.and_then(|m| m.description.clone()),
                    cases: Vec::new(),
                });
                terms.len() - 1
            });
            if terms[index].cases.last() != Some(&i) {
                terms[index].cases.push(i);
            }
            if terms[index].slug.is_empty() {
                let hash = blake3::hash(method.as_bytes()).to_hex();
                terms[index].slug = format!("m-{}", &hash[..8]);
            }
        }
    }
    let order = |t: &Term| {
        config
            .methods
            .iter()
            .position(|m| m.name == t.name)
            .unwrap_or(usize::MAX)
    };
    terms.sort_by(|a, b| order(a).cmp(&order(b)).then_with(|| a.slug.cmp(&b.slug)));
    let mut by_slug: HashMap<&str, &Term> = HashMap::new();
    for term in &terms {
        let Some(other) = by_slug.insert(&term.slug, term) else {
            continue;
        };
        let file = cases[term.cases[0]].source.rel.clone();
        diagnostics.push(
            Diagnostic::error(
                rules::SLUG_COLLISION,
                &file,
                format!(
                    "方法“{}”和“{}”的网址名都是 {}，两者的页面会互相覆盖",
                    other.name, term.name, term.slug
                ),
            )
            .help(
                "若是同一方法，统一写法；否则在 casebook.toml 的 [[methods]] 中给它们各自配置 slug",
            ),
        );
    }
    (terms, diagnostics)
}
