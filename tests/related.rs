//! Related cases (相关案例) on case pages: published cases other than the
//! page's own, relevant to it (sharing a method or an industry), the same
//! method preferably from elsewhere, never a draft, the same on every build.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{sel, text_of, Built};

/// One case page's own terms and its related cases.
struct CasePage {
    industry: String,
    methods: BTreeSet<String>,
    /// (id, industry, methods) of each related case, in order.
    related: Vec<(String, String, BTreeSet<String>)>,
}

/// Every case page of a build, by id.
fn case_pages(built: &Built) -> BTreeMap<String, CasePage> {
    let mut pages = BTreeMap::new();
    for entry in std::fs::read_dir(built.path("cases")).unwrap() {
        let id = entry.unwrap().file_name().to_string_lossy().to_string();
        let html = built.html(&format!("cases/{id}/index.html"));
        let chips: Vec<String> = html.select(&sel(".chips a")).map(text_of).collect();
        // Area, industry, district, year, then the methods.
        let year_at = chips.iter().position(|c| c.ends_with('年')).unwrap();
        let related = html
            .select(&sel(".related-list li"))
            .map(|li| {
                let href = li.select(&sel("a")).next().unwrap().value().attr("href");
                let other = href.unwrap().trim_end_matches('/').rsplit('/').next();
                let meta = text_of(li.select(&sel(".related-meta")).next().unwrap());
                let parts: Vec<&str> = meta.split(" · ").collect();
                let methods = parts.get(3).map_or("", |m| m);
                (
                    other.unwrap().to_string(),
                    parts[1].to_string(),
                    methods.split('、').map(str::to_string).collect(),
                )
            })
            .collect();
        pages.insert(
            id,
            CasePage {
                industry: chips[1].clone(),
                methods: chips[year_at + 1..].iter().cloned().collect(),
                related,
            },
        );
    }
    pages
}

#[test]
fn every_case_lists_other_published_cases_that_share_its_method_or_industry() {
    let built = common::example();
    let pages = case_pages(built);
    assert!(pages.len() >= 10);
    for (id, page) in &pages {
        assert!(
            (1..=4).contains(&page.related.len()),
            "{id}: {} related",
            page.related.len()
        );
        let ids: BTreeSet<&str> = page.related.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(ids.len(), page.related.len(), "{id}: listed twice");
        for (other, industry, methods) in &page.related {
            assert_ne!(other, id, "a case is not its own related case");
            assert!(
                pages.contains_key(other),
                "{id} lists {other}, not published"
            );
            assert!(
                industry == &page.industry || !methods.is_disjoint(&page.methods),
                "{id} lists {other}, sharing neither method nor industry"
            );
        }
        // The same method applied elsewhere comes first among the choices.
        assert!(
            page.related
                .iter()
                .any(|(_, industry, methods)| industry != &page.industry
                    && !methods.is_disjoint(&page.methods)),
            "{id}: no case of its method from another industry"
        );
    }
}

#[test]
fn no_draft_is_related_even_when_drafts_are_shown() {
    let built = common::build_ok(&common::repo_root(), &["--drafts"]);
    let pages = case_pages(&built);
    let drafts = ["2023-006", "2024-006"];
    for draft in drafts {
        assert!(
            pages.contains_key(draft),
            "{draft} has a page with --drafts"
        );
        assert!(
            !pages[draft].related.is_empty(),
            "{draft} lists related cases"
        );
    }
    for (id, page) in &pages {
        for (other, _, _) in &page.related {
            assert!(
                !drafts.contains(&other.as_str()),
                "{id} lists draft {other}"
            );
        }
    }
}

#[test]
fn related_cases_are_the_same_on_every_build() {
    let first = common::example();
    let second = common::build_ok(&common::repo_root(), &[]);
    let lists = |built: &Built| -> Vec<(String, Vec<String>)> {
        case_pages(built)
            .into_iter()
            .map(|(id, p)| (id, p.related.into_iter().map(|r| r.0).collect()))
            .collect()
    };
    assert_eq!(lists(first), lists(&second));
}
