//! Which page kinds a template shows in, so the preview renders only those
//! when templates change. Each kind renders a few templates by name
//! ([`ROOTS`]); a template is used by every root that extends, includes
//! or imports it, directly or through others (read from the sources:
//! `{% extends "…" %}`, `{% include "…" %}`, `{% import "…" as … %}`).
//! Where that cannot be told (a name that is not a string literal, a
//! template no root reaches, a kind whose pages list the others), the
//! answer is `None`: render everything.

use std::collections::{BTreeMap, BTreeSet};

use super::{PageKind, Selection};
use crate::site::Site;

/// The templates each kind renders by name (`render::pages`, `lists`,
/// `overview`, `kinds::singles`, `book`). The sitemaps are not here: they
/// list the pages rendered before them, so their templates change
/// everything.
const ROOTS: [(&str, PageKind); 18] = [
    ("case.html", PageKind::Case),
    ("share.html", PageKind::Case),
    ("redirect.html", PageKind::Case),
    ("index.html", PageKind::Lists),
    ("overview.html", PageKind::Lists),
    ("atom.xml", PageKind::Lists),
    ("taxonomy.html", PageKind::TaxonomyIndex),
    ("term.html", PageKind::Term),
    ("redirect.html", PageKind::Term),
    ("page.html", PageKind::Singles),
    ("404.html", PageKind::Singles),
    ("robots.txt", PageKind::Singles),
    ("redirect.html", PageKind::Singles),
    ("search.html", PageKind::Search),
    ("compilation.html", PageKind::Book),
    ("compilation-chapter.html", PageKind::Book),
    ("compilation-indices.html", PageKind::Book),
    ("compilation-print.html", PageKind::Book),
];

/// The kinds whose pages show any of `changed` (template names), given
/// every template's source; `None` when everything must be rendered.
pub fn kinds_using(
    templates: &BTreeMap<String, String>,
    changed: &BTreeSet<String>,
) -> Option<Vec<PageKind>> {
    let mut refs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, source) in templates {
        refs.insert(name, references(source)?);
    }
    let mut kinds = Vec::new();
    for name in changed {
        let mut reached = false;
        for (root, kind) in ROOTS {
            if uses(&refs, root, name) {
                reached = true;
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
        }
        if !reached {
            return None;
        }
    }
    Some(kinds)
}

/// Does `root` use `name` (is it, or does it reach it)?
fn uses(refs: &BTreeMap<&str, Vec<String>>, root: &str, name: &str) -> bool {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack = vec![root];
    while let Some(at) = stack.pop() {
        if at == name {
            return true;
        }
        if !seen.insert(at) {
            continue;
        }
        if let Some(next) = refs.get(at) {
            stack.extend(next.iter().map(String::as_str));
        }
    }
    false
}

/// The template names a source extends, includes or imports; `None` if
/// one of those tags names its template by anything but a string literal.
fn references(source: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{%") {
        rest = &rest[open + 2..];
        let tag = rest.trim_start_matches('-').trim_start();
        let Some(after) = ["extends", "include", "import"]
            .iter()
            .find_map(|word| tag.strip_prefix(word))
        else {
            continue;
        };
        if !after.starts_with(char::is_whitespace) {
            continue;
        }
        let after = after.trim_start();
        let quote = after.chars().next()?;
        if !matches!(quote, '"' | '\'' | '`') {
            return None;
        }
        let end = after[1..].find(quote)?;
        names.push(after[1..1 + end].to_string());
    }
    Some(names)
}

impl Selection {
    /// Every page of `kinds`.
    pub fn of_kinds(site: &Site, kinds: &[PageKind]) -> Selection {
        let all = Selection::all(site);
        let has = |kind| kinds.contains(&kind);
        Selection {
            cases: if has(PageKind::Case) {
                all.cases
            } else {
                BTreeSet::new()
            },
            terms: if has(PageKind::Term) {
                all.terms
            } else {
                Default::default()
            },
            indexes: if has(PageKind::TaxonomyIndex) {
                all.indexes
            } else {
                Default::default()
            },
            lists: has(PageKind::Lists),
            singles: has(PageKind::Singles),
            search: has(PageKind::Search),
            books: if has(PageKind::Book) {
                all.books
            } else {
                BTreeSet::new()
            },
            data: has(PageKind::OpenData),
            site_files: has(PageKind::SiteFiles),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn theme(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect()
    }

    fn changed(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_template_is_used_by_every_root_that_reaches_it() {
        let t = theme(&[
            (
                "base.html",
                "{%- import \"macros.html\" as m -%}{% block x %}{% endblock %}",
            ),
            ("macros.html", ""),
            (
                "case.html",
                "{% extends \"base.html\" %}{% include 'wechat.html' %}",
            ),
            ("index.html", "{% extends \"base.html\" %}"),
            ("term.html", "{% extends \"base.html\" %}"),
            ("wechat.html", "{# (included by case.html) #}"),
        ]);
        assert_eq!(
            kinds_using(&t, &changed(&["term.html"])),
            Some(vec![PageKind::Term])
        );
        assert_eq!(
            kinds_using(&t, &changed(&["wechat.html"])),
            Some(vec![PageKind::Case])
        );
        let all = kinds_using(&t, &changed(&["macros.html"])).unwrap();
        for kind in [PageKind::Case, PageKind::Lists, PageKind::Term] {
            assert!(all.contains(&kind), "{kind:?}");
        }
    }

    #[test]
    fn what_cannot_be_told_renders_everything() {
        let dynamic = theme(&[("case.html", "{% include name %}")]);
        assert_eq!(kinds_using(&dynamic, &changed(&["case.html"])), None);
        let t = theme(&[("case.html", ""), ("unused.html", ""), ("sitemap.xml", "")]);
        assert_eq!(kinds_using(&t, &changed(&["unused.html"])), None);
        assert_eq!(kinds_using(&t, &changed(&["sitemap.xml"])), None);
    }

    #[test]
    fn every_default_template_but_the_sitemaps_is_reached_from_a_root() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/templates");
        let mut t = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            t.insert(name, std::fs::read_to_string(&path).unwrap());
        }
        let sitemaps = ["sitemap.xml", "sitemap-index.xml"];
        for name in t.keys().filter(|n| !sitemaps.contains(&n.as_str())) {
            assert!(kinds_using(&t, &changed(&[name])).is_some(), "{name}");
        }
    }
}
