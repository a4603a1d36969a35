//! The annual books: `casebook build` writes `compilation/{year}/` for every
//! year with published cases, and `casebook compile --year Y [--pdf]`
//! writes one book (and prints it). The expectations are read from the
//! example site's own content and `casebook.toml`, not written down here:
//! which cases a year's book holds, their order and grouping, the numbering
//! and placement of captions, the indices, the preface.
//!
//! The typeset PDF (`compile --pdf`) is read back in tests/typeset.rs.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::OnceLock;

use common::*;
use scraper::{ElementRef, Html};

/// What the tests need of a case, read from its front matter.
#[derive(Debug, Clone)]
struct Source {
    id: String,
    title: String,
    enterprise: String,
    year: i64,
    area: String,
    industry: String,
    district: Option<String>,
    published: bool,
    metrics: usize,
}

fn sources() -> &'static Vec<Source> {
    static SOURCES: OnceLock<Vec<Source>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        let mut found = Vec::new();
        for entry in walkdir::WalkDir::new(repo_root().join("content/cases"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            let yaml = text
                .trim_start_matches("---\n")
                .split("\n---\n")
                .next()
                .unwrap();
            let v: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
            let s = |k: &str| v[k].as_str().map(str::to_string);
            let status = s("status").unwrap();
            found.push(Source {
                id: s("id").unwrap(),
                title: s("title").unwrap(),
                enterprise: v["enterprise"]["name"].as_str().unwrap().to_string(),
                year: v["year"].as_i64().unwrap(),
                area: s("priority_area").unwrap(),
                industry: s("industry").unwrap(),
                district: s("district")
                    .or_else(|| v["enterprise"]["district"].as_str().map(str::to_string)),
                published: status == "approved" || status == "national",
                metrics: v["metrics"].as_sequence().map_or(0, |m| m.len()),
            });
        }
        assert!(found.len() > 10, "the example site has its cases");
        found
    })
}

/// Configured names in order: `priority_areas`, `industries`, `districts`.
fn configured(list: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("casebook.toml")).unwrap();
    let config: toml::Value = toml::from_str(&text).unwrap();
    config[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

fn position(list: &[String], name: &str) -> usize {
    list.iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("{name} is not configured"))
}

/// The published cases of `year` in the order the book must have them.
fn expected_order(year: i64) -> Vec<Source> {
    let areas = configured("priority_areas");
    let industries = configured("industries");
    let mut cases: Vec<Source> = sources()
        .iter()
        .filter(|c| c.published && c.year == year)
        .cloned()
        .collect();
    cases.sort_by_key(|c| {
        (
            position(&areas, &c.area),
            position(&industries, &c.industry),
            c.id.clone(),
        )
    });
    cases
}

fn book_years() -> BTreeSet<i64> {
    sources()
        .iter()
        .filter(|c| c.published)
        .map(|c| c.year)
        .collect()
}

/// The whole book of `year` on one page: its print version.
fn book(year: i64) -> Html {
    example().html(&format!("compilation/{year}/print/index.html"))
}

fn attr<'a>(e: &ElementRef<'a>, name: &str) -> &'a str {
    e.value().attr(name).unwrap_or("")
}

#[test]
fn every_year_with_published_cases_has_a_book_and_no_other() {
    let years = book_years();
    assert!(years.len() >= 2, "{years:?}");
    for year in &years {
        assert!(
            example().exists(&format!("compilation/{year}/index.html")),
            "no book for {year}"
        );
    }
    let written: BTreeSet<i64> = example()
        .files()
        .keys()
        .filter_map(|p| p.strip_prefix("compilation/")?.strip_suffix("/index.html"))
        .filter_map(|y| y.parse().ok())
        .collect();
    assert_eq!(written, years);
}

#[test]
fn a_book_holds_every_approved_case_of_its_year_in_book_order_and_nothing_else() {
    for year in book_years() {
        let html = book(year);
        let expected: Vec<String> = expected_order(year).into_iter().map(|c| c.id).collect();
        let found: Vec<String> = html
            .select(&sel("article.book-case"))
            .map(|a| attr(&a, "data-case-id").to_string())
            .collect();
        assert_eq!(found, expected, "cases of {year}");
        // Numbered 1…N in reading order, and the table of contents agrees.
        let kickers: Vec<String> = html
            .select(&sel("article.book-case .case-kicker"))
            .map(text_of)
            .collect();
        for (n, kicker) in kickers.iter().enumerate() {
            assert!(kicker.starts_with(&format!("案例{} ", n + 1)), "{kicker}");
        }
        let toc: Vec<String> = html
            .select(&sel(".toc-cases a"))
            .map(|a| attr(&a, "href").trim_start_matches("#case-").to_string())
            .collect();
        assert_eq!(toc, expected, "table of contents of {year}");
    }
}

/// The page (below the output folder) and fragment a link on the page in
/// `folder` (`compilation/2023/parts/x/`) leads to.
fn resolve(folder: &str, href: &str) -> (String, String) {
    let (path, fragment) = href.split_once('#').unwrap_or((href, ""));
    let mut segments: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    if path.is_empty() {
        return (format!("{folder}index.html"), fragment.to_string());
    }
    assert!(
        !path.contains("://") && !path.starts_with('/'),
        "{href} is relative"
    );
    for segment in path.split('/').filter(|s| !s.is_empty() && *s != ".") {
        match segment {
            ".." => assert!(segments.pop().is_some(), "{href} leaves the site"),
            s => segments.push(s),
        }
    }
    let page = format!("{}/index.html", segments.join("/"));
    assert!(path.ends_with('/'), "{href} names a folder");
    (page, fragment.to_string())
}

/// Does the page at `rel` hold an element with id `id`?
fn holds_id(rel: &str, id: &str) -> bool {
    let selector = scraper::Selector::parse(&format!("[id=\"{id}\"]")).unwrap();
    example().html(rel).select(&selector).next().is_some()
}

/// The priority areas of `year`'s book, in book order.
fn expected_parts(year: i64) -> Vec<String> {
    let mut parts: Vec<String> = expected_order(year).into_iter().map(|c| c.area).collect();
    parts.dedup();
    parts
}

#[test]
fn the_front_page_lists_every_part_and_case_in_book_order_linking_into_the_chapters() {
    for year in book_years() {
        let folder = format!("compilation/{year}/");
        let front = example().html(&format!("{folder}index.html"));
        assert_eq!(
            front.select(&sel("article.book-case")).count(),
            0,
            "{year}: cases stay in the chapters"
        );
        let parts: Vec<String> = front
            .select(&sel(".toc-parts > li > a.toc-part .toc-title"))
            .map(text_of)
            .filter_map(|t| {
                t.strip_prefix("第")?
                    .split_once(' ')
                    .map(|(_, name)| name.to_string())
            })
            .collect();
        assert_eq!(parts, expected_parts(year), "parts of {year}");
        for a in front.select(&sel(".toc-parts > li > a.toc-part")) {
            let (page, fragment) = resolve(&folder, attr(&a, "href"));
            assert!(example().exists(&page), "{year}: {page}");
            assert!(
                fragment.is_empty() || holds_id(&page, &fragment),
                "{year}: {page}#{fragment}"
            );
        }
        let mut found = Vec::new();
        for a in front.select(&sel(".toc-cases a")) {
            let (page, fragment) = resolve(&folder, attr(&a, "href"));
            assert!(page.starts_with(&format!("{folder}parts/")), "{page}");
            assert!(
                holds_id(&page, &fragment),
                "{year}: {page} lacks #{fragment}"
            );
            found.push(fragment.trim_start_matches("case-").to_string());
        }
        let expected: Vec<String> = expected_order(year).into_iter().map(|c| c.id).collect();
        assert_eq!(found, expected, "contents of {year}");
        let print = front.select(&sel(".cover-actions a")).next().unwrap();
        assert_eq!(
            resolve(&folder, attr(&print, "href")).0,
            format!("{folder}print/index.html")
        );
    }
}

#[test]
fn the_chapters_chain_by_previous_and_next_through_every_case_once() {
    for year in book_years() {
        let folder = format!("compilation/{year}/");
        let front = example().html(&format!("{folder}index.html"));
        let first = front
            .select(&sel(".toc-parts > li > a.toc-part"))
            .find(|a| !attr(a, "href").starts_with('#'))
            .unwrap();
        let mut page = resolve(&folder, attr(&first, "href")).0;
        let mut visited: Vec<String> = Vec::new();
        let mut cases: Vec<String> = Vec::new();
        let mut previous: Option<String> = None;
        while page != format!("{folder}indices/index.html") {
            assert!(!visited.contains(&page), "{page} comes twice");
            let html = example().html(&page);
            let here = page.trim_end_matches("index.html").to_string();
            cases.extend(
                html.select(&sel("article.book-case"))
                    .map(|a| attr(&a, "data-case-id").to_string()),
            );
            // Back to the previous chapter (the first: to the front page),
            // and a breadcrumb to the front page.
            let back = html
                .select(&sel(".chapter-nav .chapter-prev"))
                .next()
                .unwrap();
            let back = resolve(&here, attr(&back, "href")).0;
            assert_eq!(
                back,
                previous.clone().unwrap_or(format!("{folder}index.html")),
                "{page}"
            );
            let crumb = html.select(&sel(".book-crumbs a")).next().unwrap();
            assert_eq!(
                resolve(&here, attr(&crumb, "href")).0,
                format!("{folder}index.html")
            );
            let link_prev = html
                .select(&sel("link[rel=prev]"))
                .next()
                .map(|l| resolve(&here, attr(&l, "href")).0);
            assert_eq!(link_prev, previous, "{page}");
            let next = html
                .select(&sel(".chapter-nav a[rel=next]"))
                .next()
                .expect("a next chapter");
            visited.push(page.clone());
            previous = Some(page.clone());
            page = resolve(&here, attr(&next, "href")).0;
        }
        let expected: Vec<String> = expected_order(year).into_iter().map(|c| c.id).collect();
        assert_eq!(cases, expected, "the chapters of {year} in order");
        let chapters = example()
            .files()
            .keys()
            .filter(|p| p.starts_with(&format!("{folder}parts/")) && p.ends_with("/index.html"))
            .count();
        assert_eq!(
            visited.len(),
            chapters,
            "every chapter of {year} is on the chain"
        );
        assert!(chapters >= expected_parts(year).len());
        // The indices close the chain and lead to each case's chapter.
        let indices = example().html(&page);
        let back = indices
            .select(&sel(".chapter-nav .chapter-prev"))
            .next()
            .unwrap();
        assert_eq!(
            Some(resolve(&format!("{folder}indices/"), attr(&back, "href")).0),
            previous
        );
        for a in indices.select(&sel(".index dd a")) {
            let (target, fragment) = resolve(&format!("{folder}indices/"), attr(&a, "href"));
            assert!(holds_id(&target, &fragment), "{target}#{fragment}");
        }
    }
}

#[test]
fn the_print_version_holds_the_whole_book_is_noindex_and_out_of_the_sitemap() {
    let sitemap = common::sitemaps(&example().out);
    for year in book_years() {
        let print = book(year);
        let robots = print
            .select(&sel("meta[name=robots]"))
            .next()
            .map(|m| attr(&m, "content").to_string());
        assert_eq!(robots.as_deref(), Some("noindex"));
        assert_eq!(
            print.select(&sel("article.book-case")).count(),
            expected_order(year).len()
        );
        assert!(
            !sitemap.contains(&format!("/compilation/{year}/print/")),
            "{year}"
        );
        assert!(
            sitemap.contains(&format!("/compilation/{year}/</loc>")),
            "{year}"
        );
        for path in example().files().keys() {
            if let Some(chapter) = path
                .strip_prefix(&format!("compilation/{year}/"))
                .filter(|p| p.starts_with("parts/") && p.ends_with("index.html"))
            {
                let url = format!(
                    "/compilation/{year}/{}</loc>",
                    chapter.trim_end_matches("index.html")
                );
                assert!(sitemap.contains(&url), "the sitemap lacks {url}");
            }
        }
        // Read to print, it links back to the chapters' front page.
        let web = print
            .select(&sel(".book-bar a"))
            .find(|a| text_of(*a) == "在线阅读")
            .unwrap();
        assert_eq!(
            resolve(&format!("compilation/{year}/print/"), attr(&web, "href")).0,
            format!("compilation/{year}/index.html")
        );
    }
}

#[test]
fn nothing_unpublished_reaches_a_book() {
    let unpublished: Vec<&Source> = sources().iter().filter(|c| !c.published).collect();
    assert!(!unpublished.is_empty());
    for (path, bytes) in example().files() {
        if !path.starts_with("compilation/") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for marker in [
            "DRAFT-CASE-CONTACT",
            "REJECTED-CASE-CONTACT",
            "【不予推荐】",
        ] {
            assert!(!text.contains(marker), "{path} contains {marker}");
        }
        for case in &unpublished {
            assert!(!text.contains(&case.title), "{path} has {}", case.title);
            assert!(!path.contains(&case.id), "{path}");
            assert!(!text.contains(&format!("\"{}\"", case.id)), "{path}");
        }
    }
}

#[test]
fn drafts_previews_keep_drafts_out_of_the_books() {
    let preview = build_ok(&repo_root(), &["--drafts"]);
    let drafts: Vec<&Source> = sources().iter().filter(|c| !c.published).collect();
    for year in book_years() {
        let html = preview.read(&format!("compilation/{year}/print/index.html"));
        for case in &drafts {
            assert!(!html.contains(&case.title), "{} in book {year}", case.id);
        }
        let found = Html::parse_document(&html)
            .select(&sel("article.book-case"))
            .count();
        assert_eq!(found, expected_order(year).len(), "book {year}");
    }
}

#[test]
fn parts_follow_the_configured_areas_and_industries() {
    let areas = configured("priority_areas");
    let industries = configured("industries");
    for year in book_years() {
        let html = book(year);
        let cases = expected_order(year);
        let mut expected_parts: Vec<&str> = cases.iter().map(|c| c.area.as_str()).collect();
        expected_parts.dedup();
        let parts: Vec<String> = html
            .select(&sel("section.part .part-opener h1"))
            .map(text_of)
            .collect();
        assert_eq!(parts, expected_parts, "parts of {year}");
        let mut last = 0;
        for part in html.select(&sel("section.part")) {
            let name = text_of(part.select(&sel(".part-opener h1")).next().unwrap());
            let at = position(&areas, &name);
            assert!(at >= last, "{name} out of configured order");
            last = at;
            // Every case of the part is of its area; industries in order.
            let mut last_industry = 0;
            for article in part.select(&sel("article.book-case")) {
                let id = attr(&article, "data-case-id");
                let case = cases.iter().find(|c| c.id == id).unwrap();
                assert_eq!(case.area, name, "{id}");
                let industry = attr(&article, "data-industry");
                assert_eq!(industry, case.industry, "{id}");
                let i = position(&industries, industry);
                assert!(i >= last_industry, "{id}: industries out of order");
                last_industry = i;
                // Each case opens with its name, then the required layout.
                let title = article.select(&sel("h2.case-title")).next().unwrap();
                assert_eq!(text_of(title), case.title);
                let sections: Vec<String> =
                    article.select(&sel(".prose > h3")).map(text_of).collect();
                let required = [
                    "摘要",
                    "企业概况",
                    "管理方法（技术）的推进和应用情况",
                    "管理方法（技术）的实施效果",
                ];
                assert_eq!(&sections[..4], &required, "{id}: {sections:?}");
            }
        }
    }
}

#[test]
fn figures_and_tables_are_numbered_per_case_with_captions_in_place() {
    let mut figures_seen = 0;
    let mut tables_seen = 0;
    for year in book_years() {
        let html = book(year);
        let mut ids = HashSet::new();
        for element in html.select(&sel("[id]")) {
            let id = attr(&element, "id");
            assert!(ids.insert(id.to_string()), "id {id} twice in book {year}");
        }
        for article in html.select(&sel("article.book-case")) {
            let id = attr(&article, "data-case-id");
            let case = sources().iter().find(|c| c.id == id).unwrap();
            // Figures (the body's images and the metrics charts): caption
            // below, 图1, 图2 … in this case.
            for (n, figure) in article.select(&sel(".prose figure")).enumerate() {
                let children: Vec<ElementRef> =
                    figure.children().filter_map(ElementRef::wrap).collect();
                assert_eq!(children.last().unwrap().value().name(), "figcaption");
                if children[0].value().name() == "svg" {
                    let caption = text_of(children.last().unwrap().to_owned());
                    assert!(
                        caption.starts_with(&format!("图{} ", n + 1)),
                        "{id}: {caption}"
                    );
                    figures_seen += 1;
                    continue;
                }
                assert!(children[0].value().name() == "img", "{id}: image first");
                let caption = text_of(children.last().unwrap().to_owned());
                assert!(
                    caption.starts_with(&format!("图{} ", n + 1)),
                    "{id}: {caption}"
                );
                let src = attr(&children[0], "src");
                assert!(
                    example().exists(&format!("compilation/{year}/print/{src}")),
                    "{id}: image {src} not in the book's folder"
                );
                figures_seen += 1;
            }
            // Tables (the body's and the metrics tables): caption above,
            // 表1, 表2 … in this case.
            let mut numbered = 0;
            let mut metric_tables = 0;
            for table in article.select(&sel(".prose table")) {
                let first = table.children().find_map(ElementRef::wrap).unwrap();
                if first.value().name() != "caption" {
                    continue;
                }
                numbered += 1;
                let caption = text_of(first);
                assert!(
                    caption.starts_with(&format!("表{numbered} ")),
                    "{id}: {caption}"
                );
                if attr(&table, "class").contains("metric-table") {
                    metric_tables += 1;
                }
                tables_seen += 1;
            }
            assert_eq!(metric_tables, case.metrics, "{id}: one table per metric");
            // The metrics tables close 实施效果, before 证实性材料.
            let prose = article.select(&sel(".prose")).next().unwrap().html();
            if let (Some(metrics), Some(evidence)) =
                (prose.find("class=\"metrics\""), prose.find("-evidence\""))
            {
                assert!(metrics < evidence, "{id}: metrics after 证实性材料");
            }
            if let Some(metrics) = prose.find("class=\"metrics\"") {
                assert!(prose.find("-results\"").unwrap() < metrics, "{id}");
            }
        }
    }
    assert!(figures_seen > 0 && tables_seen > 0);
}

#[test]
fn each_case_carries_the_qr_code_of_its_short_link() {
    let base_url = "https://casebook.example.org/";
    for year in book_years() {
        let html = book(year);
        for article in html.select(&sel("article.book-case")) {
            let id = attr(&article, "data-case-id");
            let qr = article.select(&sel(".case-qr")).next().unwrap();
            let short = format!("{base_url}c/{id}");
            assert!(text_of(qr).contains(&short), "{id}");
            let svg = qr.select(&sel("svg")).next().expect("inline QR svg");
            // The same code as the site's qr/{id}.svg.
            let file = example().read(&format!("qr/{id}.svg"));
            let path_of = |s: &str| {
                let at = s.find(" d=\"").expect("QR path") + 4;
                s[at..at + s[at..].find('"').unwrap()].to_string()
            };
            assert_eq!(path_of(&svg.html()), path_of(&file), "{id}");
        }
    }
}

/// The example books' enterprise indices, in pinyin order worked out by
/// hand (all begin 上海 and end （示例）): hu < jin < long < qing < rui;
/// gang < heng < xin < xing < zhi; jing < kang < shen'an < shen yun < ying.
const ENTERPRISES_IN_PINYIN_ORDER: &[(i64, [&str; 5])] = &[
    (
        2022,
        [
            "沪嘉汽车零部件有限公司",
            "金石新材料股份有限公司",
            "珑玥珠宝首饰有限公司",
            "清源供水有限公司",
            "瑞康生物制药有限公司",
        ],
    ),
    (
        2023,
        [
            "港城精密传动有限公司",
            "衡准检测技术有限公司",
            "芯程微电子有限公司",
            "星联通信设备有限公司",
            "智瞳视觉科技有限公司",
        ],
    ),
    (
        2024,
        [
            "晶纯电子材料有限公司",
            "康域医疗器械有限公司",
            "申安电梯有限公司",
            "申运冷链物流有限公司",
            "瀛洲乳业有限公司",
        ],
    ),
];

#[test]
fn indices_by_industry_district_and_enterprise_in_pinyin_order() {
    let industries = configured("industries");
    let districts = configured("districts");
    for year in book_years() {
        let html = book(year);
        let cases = expected_order(year);
        let index = |anchor: &str| -> BTreeMap<usize, (String, Vec<String>)> {
            let section = html.select(&sel(&format!("#{anchor}"))).next().unwrap();
            let mut entries = BTreeMap::new();
            let mut current = None;
            for child in section.select(&sel("dt, dd")) {
                if child.value().name() == "dt" {
                    let n = entries.len();
                    entries.insert(n, (text_of(child), Vec::new()));
                    current = Some(n);
                } else {
                    let a = child.select(&sel("a")).next().unwrap();
                    let id = attr(&a, "href").trim_start_matches("#case-").to_string();
                    entries.get_mut(&current.unwrap()).unwrap().1.push(id);
                }
            }
            entries
        };
        let by_industry = index("index-industry");
        let names: Vec<&String> = by_industry.values().map(|(n, _)| n).collect();
        let mut expected: Vec<&String> = industries
            .iter()
            .filter(|i| cases.iter().any(|c| &c.industry == *i))
            .collect();
        assert_eq!(names, expected, "industry index of {year}");
        for (name, ids) in by_industry.values() {
            let want: Vec<String> = cases
                .iter()
                .filter(|c| &c.industry == name)
                .map(|c| c.id.clone())
                .collect();
            assert_eq!(ids, &want, "{name}");
        }
        let by_district = index("index-district");
        let names: Vec<&String> = by_district.values().map(|(n, _)| n).collect();
        expected = districts
            .iter()
            .filter(|d| cases.iter().any(|c| c.district.as_ref() == Some(*d)))
            .collect();
        assert_eq!(names, expected, "district index of {year}");
        let by_enterprise = index("index-enterprise");
        let names: Vec<String> = by_enterprise.values().map(|(n, _)| n.clone()).collect();
        let expected = ENTERPRISES_IN_PINYIN_ORDER
            .iter()
            .find(|(y, _)| *y == year)
            .unwrap_or_else(|| panic!("write out the enterprise index of {year}"))
            .1
            .map(|name| format!("上海{name}（示例）"));
        assert_eq!(
            names, expected,
            "enterprise index of {year} in pinyin order"
        );
        let all: BTreeSet<String> = cases.iter().map(|c| c.enterprise.clone()).collect();
        assert_eq!(names.iter().cloned().collect::<BTreeSet<_>>(), all);
    }
}

#[test]
fn the_preface_comes_from_content_compilation() {
    for year in book_years() {
        let html = book(year);
        let file = repo_root().join(format!("content/compilation/{year}/preface.md"));
        let preface = html.select(&sel("#preface .prose")).next();
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                let first = text
                    .lines()
                    .find(|l| !l.is_empty() && !l.starts_with("---") && !l.contains(':'))
                    .unwrap();
                let shown = text_of(preface.expect("preface shown"));
                assert!(shown.contains(first.trim()), "{year}: {shown}");
                let toc = html.select(&sel(".toc a[href='#preface']")).count();
                assert_eq!(toc, 1, "{year}: preface in the table of contents");
            }
            Err(_) => assert!(preface.is_none(), "{year} has no preface.md"),
        }
    }
}

#[test]
fn home_and_year_pages_link_to_the_books() {
    let home = example().html("index.html");
    let links: BTreeSet<String> = home
        .select(&sel(".book-list a"))
        .map(|a| attr(&a, "href").to_string())
        .collect();
    for year in book_years() {
        let url = format!("/compilation/{year}/");
        assert!(links.contains(&url), "home lacks {url}: {links:?}");
        let term = example().html(&format!("years/{year}/index.html"));
        let on_term = term
            .select(&sel(".book-link a"))
            .any(|a| attr(&a, "href") == url);
        assert!(on_term, "years/{year}/ lacks {url}");
    }
    let problems: Vec<String> = link_problems(&example().out, "/")
        .into_iter()
        .filter(|p| p.starts_with("compilation/"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn compile_writes_the_same_book_and_nothing_else() {
    let year = *book_years().iter().next_back().unwrap();
    let dir = temp_dir();
    // An output folder holds only what Casebook made (see
    // tests/destinations.rs for the folders compile refuses).
    let out = dir.path().join("out");
    let output = casebook([
        "compile".as_ref(),
        "--year".as_ref(),
        year.to_string().as_ref(),
        "--root".as_ref(),
        repo_root().as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let written = snapshot(&out);
    let prefix = format!("compilation/{year}/");
    let marker = casebook::destination::MARKER;
    let book_marker = format!("{prefix}{marker}");
    for path in written.keys() {
        assert!(
            path.starts_with(&prefix) || path == marker,
            "compile wrote {path}"
        );
    }
    // Byte for byte the book `build` writes (besides the folders' markers
    // and the precompressed copies, which only `build` makes for servers).
    let built: BTreeMap<String, Vec<u8>> = example()
        .files()
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".gz") && !p.ends_with(".br"))
        .collect();
    for (path, bytes) in &written {
        if path.starts_with(&prefix) && *path != book_marker {
            assert!(
                built.get(path) == Some(bytes),
                "{path} differs from build's"
            );
        }
    }
    let from_build = built.keys().filter(|p| p.starts_with(&prefix)).count();
    assert_eq!(written.len() - 2, from_build);
}

#[test]
fn compile_refuses_a_year_without_published_cases() {
    let empty = book_years().iter().next().unwrap() - 1;
    let dir = temp_dir();
    let output = casebook([
        "compile".as_ref(),
        "--year".as_ref(),
        empty.to_string().as_ref(),
        "--root".as_ref(),
        repo_root().as_os_str(),
        "--output".as_ref(),
        dir.path().join("out").as_os_str(),
    ]);
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert!(
        message.contains(&format!("{empty} 年度没有已发布")),
        "{message}"
    );
    assert!(!dir.path().join("out").exists());
}

// The typeset PDF: tests/typeset.rs.

#[test]
fn a_later_build_keeps_and_links_the_printed_pdf() {
    let year = *book_years().iter().next_back().unwrap();
    let first = build_ok(&repo_root(), &[]);
    let pdf = first.path(&format!("compilation/{year}.pdf"));
    // Stands in for `compile --pdf`'s file: build only carries it over.
    std::fs::write(&pdf, b"%PDF-1.4 printed earlier").unwrap();
    let again = casebook([
        "build".as_ref(),
        "--root".as_ref(),
        repo_root().as_os_str(),
        "--output".as_ref(),
        first.out.as_os_str(),
    ]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(std::fs::read(&pdf).unwrap(), b"%PDF-1.4 printed earlier");
    let url = format!("/compilation/{year}.pdf");
    let home = first.html("index.html");
    assert!(home
        .select(&sel(".book-pdf"))
        .any(|a| attr(&a, "href") == url));
    let book = first.html(&format!("compilation/{year}/index.html"));
    let relative = format!("../{year}.pdf");
    assert!(book
        .select(&sel(".book-bar a"))
        .any(|a| attr(&a, "href") == relative));
    // Years without a printed book link none.
    for other in book_years().iter().filter(|&&y| y != year) {
        assert!(!first.exists(&format!("compilation/{other}.pdf")));
        let html = first.read(&format!("compilation/{other}/index.html"));
        assert!(!html.contains(".pdf\""), "book {other} links a PDF");
    }
}

#[test]
fn a_preface_outside_a_year_folder_is_an_error_with_a_fix() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let bad = root.join("content/compilation/2023年/preface.md");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, "序言正文。\n").unwrap();
    let good = root.join("content/compilation/2023/preface.md");
    std::fs::create_dir_all(good.parent().unwrap()).unwrap();
    std::fs::write(&good, "---\ntitle: 编者的话\n---\n本书收录zqxpreface。\n").unwrap();
    let (code, diags) = check_json(&root);
    assert_eq!(code, 1, "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].rule, "year-implausible");
    assert!(diags[0].file.ends_with("2023年/preface.md"), "{diags:?}");
    assert!(diags[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("content/compilation/"));
    std::fs::remove_dir_all(bad.parent().unwrap()).unwrap();
    let built = build_ok(&root, &[]);
    let book = built.html("compilation/2023/index.html");
    let title = book.select(&sel("#preface h1")).next().map(text_of);
    assert_eq!(title.as_deref(), Some("编者的话"));
    assert!(text_of(book.select(&sel("#preface .prose")).next().unwrap()).contains("zqxpreface"));
}

/// `[check] allow` turns a writing rule off for every command that reports
/// warnings: `check` and `compile` alike, through the same filter. The case
/// triggers two allowable rules; allowing one silences only that one.
#[test]
fn compile_honours_check_allow_like_check() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("bad/results-comparison"), &root);
    // A second warning of another allowable rule: a line ending in spaces.
    let case = root.join("content/cases/2023/2023-001.md");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(&case, text.replace("概况正文。", "概况正文。   ")).unwrap();
    let config = root.join("casebook.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    let reports = |allow: &[&str]| -> Vec<String> {
        let list: Vec<String> = allow.iter().map(|r| format!("\"{r}\"")).collect();
        let allowed = format!("{base}\n[check]\nallow = [{}]\n", list.join(", "));
        std::fs::write(&config, allowed).unwrap();
        let check = casebook(["check".as_ref(), "--root".as_ref(), root.as_os_str()]);
        let compile = casebook([
            "compile".as_ref(),
            "--year".as_ref(),
            "2023".as_ref(),
            "--root".as_ref(),
            root.as_os_str(),
            "--output".as_ref(),
            dir.path().join("out").as_os_str(),
        ]);
        assert_eq!(code(&compile), 0, "{}", stderr(&compile));
        vec![stderr(&check), stderr(&compile)]
    };
    for stderr in reports(&[]) {
        assert!(stderr.contains("results-comparison"), "{stderr}");
        assert!(stderr.contains("trailing-space"), "{stderr}");
    }
    for stderr in reports(&["results-comparison"]) {
        assert!(!stderr.contains("results-comparison"), "{stderr}");
        assert!(stderr.contains("trailing-space"), "{stderr}");
    }
    for stderr in reports(&["trailing-space", "results-comparison"]) {
        assert!(!stderr.contains("results-comparison"), "{stderr}");
        assert!(!stderr.contains("trailing-space"), "{stderr}");
    }
}

/// The example site with `extra` copies of case 2024-003 (an area of the
/// 2024 book): 2024-101, 2024-102 …
fn example_with_copies(root: &std::path::Path, extra: usize) {
    let source = root.join("content/cases/2024/2024-003.md");
    let text = std::fs::read_to_string(&source).unwrap();
    for n in 1..=extra {
        let id = format!("2024-{}", 100 + n);
        let copy = text
            .replacen("id: \"2024-003\"", &format!("id: \"{id}\""), 1)
            .replace(
                "上海申运冷链物流有限公司",
                &format!("上海申运{n}号冷链物流有限公司"),
            );
        std::fs::write(root.join(format!("content/cases/2024/{id}.md")), copy).unwrap();
    }
}

#[test]
fn a_long_part_is_cut_into_chapters_and_a_vanished_chapter_is_not_a_lost_url() {
    let dir = temp_dir();
    let root = example_site_at(&dir.path().join("site"));
    example_with_copies(&root, 12);
    let out = dir.path().join("out");
    let build = || {
        let output = casebook([
            "build".as_ref(),
            "--root".as_ref(),
            root.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
        ]);
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    };
    build();
    let folder = "compilation/2024/";
    let page = |rel: &str| Html::parse_document(&std::fs::read_to_string(out.join(rel)).unwrap());
    let first = format!("{folder}parts/digital-transformation/");
    let second = format!("{first}2/");
    let ids = |rel: &str| -> Vec<String> {
        page(&format!("{rel}index.html"))
            .select(&sel("article.book-case"))
            .map(|a| attr(&a, "data-case-id").to_string())
            .collect()
    };
    let (one, two) = (ids(&first), ids(&second));
    // 13 or more cases: two chapters, the longer first, 12 at most each.
    assert!(one.len() + two.len() >= 13, "{one:?} {two:?}");
    assert!(one.len() <= 12 && two.len() <= one.len() && one.len() - two.len() <= 1);
    assert!(one.iter().all(|id| !two.contains(id)));
    // The second chapter follows the first and goes on to the next part.
    let html = page(&format!("{second}index.html"));
    let prev = html
        .select(&sel(".chapter-nav a[rel=prev]"))
        .next()
        .unwrap();
    assert_eq!(
        resolve(&second, attr(&prev, "href")).0,
        format!("{first}index.html")
    );
    let title = text_of(
        html.select(&sel(".book-crumbs [aria-current]"))
            .next()
            .unwrap(),
    );
    assert!(title.ends_with("（2/2）"), "{title}");
    // The contents lead to the case where it is.
    let front = page(&format!("{folder}index.html"));
    let late = &two[0];
    assert!(front
        .select(&sel(".toc-cases a"))
        .any(|a| attr(&a, "href") == format!("parts/digital-transformation/2/#case-{late}")));
    // The print version holds every case the contents list.
    assert_eq!(
        page(&format!("{folder}print/index.html"))
            .select(&sel("article.book-case"))
            .count(),
        page(&format!("{folder}index.html"))
            .select(&sel(".toc-cases a"))
            .count()
    );
    // The copies move to another area: the second chapter of this one
    // vanishes (another part gets one), and the next build, which checks
    // the previous urls.txt, does not call it lost.
    let urls = std::fs::read_to_string(out.join("urls.txt")).unwrap();
    assert!(urls.contains(&format!("/{second}")), "{urls}");
    for n in 1..=12 {
        let copy = root.join(format!("content/cases/2024/2024-{}.md", 100 + n));
        let text = std::fs::read_to_string(&copy).unwrap();
        let moved = text.replacen(
            "priority_area: 助力城市数字化转型",
            "priority_area: 促进产业高质量发展",
            1,
        );
        std::fs::write(&copy, moved).unwrap();
    }
    build();
    assert!(!out.join(format!("{second}index.html")).exists());
    assert!(out
        .join(format!("{folder}parts/industrial-quality/2/index.html"))
        .exists());
    assert!(!std::fs::read_to_string(out.join("urls.txt"))
        .unwrap()
        .contains(&format!("/{second}")));
}
