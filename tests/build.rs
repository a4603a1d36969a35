//! Integration tests of `casebook build`: the fixture site under
//! `tests/fixtures/basic` and the bundled example site are built into
//! temporary folders (once per test binary) and the produced files are
//! inspected: pages present, grouping and counts, unpublished and private
//! content absent, figure and table numbering, the CJK soft-break rule,
//! atomic output on failure, and every internal link resolving.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;

const BASE_URL: &str = "https://fixture.example.org/";

/// The published cases of the basic fixture.
const PUBLISHED: &[&str] = &["2022-001", "2022-002", "2023-001", "2023-002", "2023-003"];

/// Strings from `private:` maps (of published and unpublished cases).
const PRIVATE_MARKERS: &[&str] = &["zqxpriv", "保密备注"];

/// Strings only found in the draft (2024-001) and rejected (2024-002) cases:
/// titles, bodies, enterprise names, methods, image and alias names.
const UNPUBLISHED_MARKERS: &[&str] = &[
    "zqxdraft",
    "zqxreject",
    "待审案例",
    "待审正文",
    "未入选案例",
    "未入选正文",
    "2024-001",
    "2024-002",
];

/// Strings only found in `_`-prefixed files and folders.
const SKIPPED_MARKERS: &[&str] = &["zqxskip", "未完成的案例", "2023-999"];

/// Every (file, marker) pair where a marker occurs in a file's path or
/// bytes. ASCII is compared case-insensitively (slugs are lowercased).
fn markers_in(built: &Built, markers: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, bytes) in built.files() {
        let path_lower = path.to_ascii_lowercase();
        let bytes_lower = bytes.to_ascii_lowercase();
        for marker in markers {
            let needle = marker.to_ascii_lowercase();
            let needle = needle.as_bytes();
            if path_lower.contains(&*String::from_utf8_lossy(needle))
                || bytes_lower.windows(needle.len()).any(|w| w == needle)
            {
                found.push(format!("{path}: {marker}"));
            }
        }
    }
    found
}

fn hrefs(html: &scraper::Html, css: &str) -> Vec<String> {
    html.select(&sel(css))
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

fn texts(html: &scraper::Html, css: &str) -> Vec<String> {
    html.select(&sel(css)).map(text_of).collect()
}

/// The numbers in the text of each element matching `css` (counts, whatever
/// words surround them).
fn numbers(html: &scraper::Html, css: &str) -> Vec<Vec<usize>> {
    texts(html, css)
        .iter()
        .map(|t| {
            t.split(|c: char| !c.is_ascii_digit())
                .filter(|n| !n.is_empty())
                .map(|n| n.parse().unwrap())
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Pages present
// ---------------------------------------------------------------------------

#[test]
fn basic_fixture_checks_clean() {
    // The CRLF + BOM file, the `_` files and folders, the draft and the
    // rejected case: none of them may cause a single diagnostic.
    let (code, diags) = check_json(&fixture("basic"));
    assert_eq!(diags, vec![], "the basic fixture should check clean");
    assert_eq!(code, 0);
}

#[test]
fn basic_fixture_builds_without_warnings() {
    let built = basic();
    assert!(
        built.stderr.contains("构建完成：5 个案例"),
        "{}",
        built.stderr
    );
    assert!(
        !built.stderr.contains("提醒") && !built.stderr.contains("warning"),
        "unexpected warnings:\n{}",
        built.stderr
    );
}

#[test]
fn every_page_is_present() {
    let built = basic();
    let mut expected = vec![
        "index.html",
        "404.html",
        "sitemap.xml",
        "atom.xml",
        "robots.txt",
        "about/index.html",
        "areas/index.html",
        "areas/industrial-quality/index.html",
        "areas/sme-quality/index.html",
        "areas/other/index.html",
        "industries/index.html",
        "industries/integrated-circuits/index.html",
        "industries/automotive/index.html",
        "industries/electronic-information/index.html",
        "industries/biomedicine/index.html",
        "districts/index.html",
        "districts/pudong/index.html",
        "districts/jiading/index.html",
        "districts/songjiang/index.html",
        "years/index.html",
        "years/2022/index.html",
        "years/2023/index.html",
        "methods/index.html",
        "methods/six-sigma/index.html",
        "methods/lean/index.html",
        "methods/qc-circles/index.html",
        // Methods not configured get a pinyin slug.
        "methods/zhi-liang-feng-xian-guan-li/index.html",
        "methods/zhuo-yue-ji-xiao/index.html",
        // Alias redirects.
        "old/2022-002.html",
        "anli/2022-002/index.html",
        // Images beside the bundle's index.md.
        "cases/2022-001/yield-trend.png",
        "cases/2022-001/flow.png",
        "favicon.ico",
    ];
    let case_pages: Vec<String> = PUBLISHED
        .iter()
        .map(|id| format!("cases/{id}/index.html"))
        .collect();
    expected.extend(case_pages.iter().map(String::as_str));
    let missing: Vec<&&str> = expected.iter().filter(|p| !built.exists(p)).collect();
    assert!(missing.is_empty(), "missing output files: {missing:?}");

    // Years and methods exist only for published cases.
    for absent in [
        "years/2024/index.html",
        "cases/2024-001/index.html",
        "cases/2024-002/index.html",
        "zqxdraft-alias/index.html",
    ] {
        assert!(!built.exists(absent), "{absent} should not be published");
    }
}

#[test]
fn bundle_images_are_copied_unchanged() {
    let built = basic();
    let source = fixture("basic/content/cases/2022/2022-001");
    for name in ["yield-trend.png", "flow.png"] {
        assert_eq!(
            std::fs::read(built.path(&format!("cases/2022-001/{name}"))).unwrap(),
            std::fs::read(source.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn static_assets_have_content_hashed_names() {
    let built = basic();
    let home = built.html("index.html");
    let stylesheets = hrefs(&home, "link[rel=stylesheet]");
    assert_eq!(stylesheets.len(), 1, "{stylesheets:?}");
    let css = &stylesheets[0];
    let name = css
        .strip_prefix("/css/site.")
        .and_then(|rest| rest.strip_suffix(".css"))
        .unwrap_or_else(|| panic!("unexpected stylesheet URL {css}"));
    assert!(
        name.len() == 10 && name.bytes().all(|b| b.is_ascii_hexdigit()),
        "{css} is not content-hashed"
    );
    assert!(built.exists(css.trim_start_matches('/')));
    let icons = hrefs(&home, "link[rel=icon]");
    assert!(
        icons.iter().all(|i| i.starts_with("/img/favicon.")),
        "{icons:?}"
    );
}

#[test]
fn case_page_shows_the_case() {
    let built = basic();
    let page = built.html("cases/2022-001/index.html");
    assert_eq!(
        texts(&page, "h1"),
        ["上海测芯微电子有限公司实施六西格玛提升良率的经验"]
    );
    assert!(
        texts(&page, ".case-id .badge-national")
            .iter()
            .any(|t| t == "推荐全国"),
        "a national case carries the 推荐全国 badge"
    );
    // Section anchors are the fixed ASCII ones.
    for anchor in ["abstract", "profile", "practice", "results", "evidence"] {
        assert_eq!(
            page.select(&sel(&format!("h2#{anchor}"))).count(),
            1,
            "#{anchor}"
        );
    }
    assert_eq!(page.select(&sel("table.metric-table")).count(), 1);
    // The link to another case is kept root-relative.
    assert!(hrefs(&page, ".prose a").contains(&"/cases/2023-001/".to_string()));
    // Chips link to the case's terms.
    let chips = hrefs(&page, ".case-header .chips a");
    for url in [
        "/areas/industrial-quality/",
        "/industries/integrated-circuits/",
        "/districts/pudong/",
        "/years/2022/",
        "/methods/six-sigma/",
        "/methods/zhi-liang-feng-xian-guan-li/",
    ] {
        assert!(chips.contains(&url.to_string()), "{url} not in {chips:?}");
    }
    // An approved (not national) case has no badge.
    let other = built.html("cases/2022-002/index.html");
    assert_eq!(other.select(&sel(".badge-national")).count(), 0);
}

#[test]
fn standalone_page_is_rendered() {
    let built = basic();
    let page = built.html("about/index.html");
    assert_eq!(texts(&page, "h1"), ["关于测试库"]);
    assert!(hrefs(&page, ".prose a").contains(&"/cases/2022-001/".to_string()));
    // Listed in every page's footer.
    let home = built.html("index.html");
    assert!(hrefs(&home, ".site-footer a").contains(&"/about/".to_string()));
}

#[test]
fn not_found_page_exists() {
    let built = basic();
    let page = built.html("404.html");
    assert_eq!(texts(&page, "h1"), ["页面不存在"]);
}

#[test]
fn robots_txt_allows_and_names_the_sitemap() {
    let robots = basic().read("robots.txt");
    assert!(robots.contains("User-agent: *"), "{robots}");
    assert!(robots.contains("Allow: /"), "{robots}");
    assert!(!robots.contains("Disallow"), "{robots}");
    assert!(
        robots.contains(&format!("Sitemap: {BASE_URL}sitemap.xml")),
        "{robots}"
    );
}

#[test]
fn sitemap_lists_every_published_page_and_nothing_else() {
    let built = basic();
    let index = built.read("sitemap.xml");
    xml_well_formed(&index).unwrap_or_else(|e| panic!("sitemap.xml: {e}\n{index}"));
    assert_eq!(
        xml_texts(&index, "loc"),
        [format!("{BASE_URL}sitemap-1.xml")]
    );
    let xml = built.read("sitemap-1.xml");
    xml_well_formed(&xml).unwrap_or_else(|e| panic!("sitemap-1.xml: {e}\n{xml}"));
    let locs: BTreeSet<String> = xml_texts(&xml, "loc").into_iter().collect();
    for id in PUBLISHED {
        let url = format!("{BASE_URL}cases/{id}/");
        assert!(locs.contains(&url), "{url} not in sitemap: {locs:?}");
    }
    // Exactly the pages at `…/index.html`, minus the alias redirects and
    // the books' print versions (noindex).
    let expected: BTreeSet<String> = built
        .files()
        .keys()
        .filter_map(|p| p.strip_suffix("index.html"))
        .filter(|p| !p.starts_with("anli/") && !p.starts_with("c/") && !p.ends_with("/share/"))
        .filter(|p| !(p.starts_with("compilation/") && p.ends_with("/print/")))
        .map(|p| format!("{BASE_URL}{p}"))
        .collect();
    assert_eq!(locs, expected);
}

#[test]
fn atom_feed_has_every_published_case() {
    let built = basic();
    let xml = built.read("atom.xml");
    xml_well_formed(&xml).unwrap_or_else(|e| panic!("atom.xml: {e}\n{xml}"));
    assert!(xml.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
    let ids: Vec<String> = xml_texts(&xml, "id");
    // The feed's own id, then one per entry.
    assert_eq!(ids[0], BASE_URL);
    let entries: BTreeSet<&str> = ids[1..].iter().map(String::as_str).collect();
    let expected: Vec<String> = PUBLISHED
        .iter()
        .map(|id| format!("{BASE_URL}cases/{id}/"))
        .collect();
    let expected: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    assert_eq!(entries, expected);
    let titles = xml_texts(&xml, "title");
    assert!(
        titles.contains(&"上海测驰汽车部件有限公司推行精益生产的经验".to_string()),
        "{titles:?}"
    );
    assert_eq!(xml_texts(&xml, "entry").len(), PUBLISHED.len());
    // Entry links point at the case pages.
    let links = xml_attrs(&xml, "link", "href");
    assert!(links.contains(&format!("{BASE_URL}cases/2022-001/")));
}

#[test]
fn aliases_redirect_to_the_case() {
    let built = basic();
    for alias in ["old/2022-002.html", "anli/2022-002/index.html"] {
        let page = built.html(alias);
        let refresh: Vec<String> = page
            .select(&sel("meta[http-equiv=refresh]"))
            .filter_map(|e| e.value().attr("content").map(str::to_string))
            .collect();
        assert_eq!(refresh, ["0; url=/cases/2022-002/"], "{alias}");
        assert_eq!(hrefs(&page, "a"), ["/cases/2022-002/"], "{alias}");
        assert_eq!(
            hrefs(&page, "link[rel=canonical]"),
            [format!("{BASE_URL}cases/2022-002/")],
            "{alias}"
        );
        assert_eq!(
            page.select(&sel("meta[name=robots][content=noindex]"))
                .count(),
            1,
            "{alias}"
        );
    }
}

#[test]
fn short_links_redirect_to_the_case() {
    let built = basic();
    for id in PUBLISHED {
        for file in [format!("c/{id}/index.html"), format!("c/{id}.html")] {
            let page = built.html(&file);
            let refresh: Vec<String> = page
                .select(&sel("meta[http-equiv=refresh]"))
                .filter_map(|e| e.value().attr("content").map(str::to_string))
                .collect();
            assert_eq!(refresh, [format!("0; url=/cases/{id}/")], "{file}");
            assert_eq!(hrefs(&page, "a"), [format!("/cases/{id}/")], "{file}");
            assert_eq!(
                hrefs(&page, "link[rel=canonical]"),
                [format!("{BASE_URL}cases/{id}/")],
                "{file}"
            );
        }
    }
    // Nothing unpublished gets a short link.
    assert!(!built.exists("c/2024-001.html"));
    assert!(!built.exists("c/2024-001/index.html"));
}

// ---------------------------------------------------------------------------
// Grouping and counts
// ---------------------------------------------------------------------------

/// A term page's groups: (anchor, count shown, case URLs in order).
fn groups(built: &Built, rel: &str) -> Vec<(String, String, Vec<String>)> {
    let page = built.html(rel);
    page.select(&sel("section.group"))
        .map(|section| {
            let anchor = section.value().attr("id").unwrap_or("").to_string();
            let count = section
                .select(&sel("h2 .count"))
                .next()
                .map(text_of)
                .unwrap_or_default();
            let cases = section
                .select(&sel("li.card h3 a"))
                .filter_map(|a| a.value().attr("href").map(str::to_string))
                .collect();
            (anchor, count, cases)
        })
        .collect()
}

fn group(anchor: &str, ids: &[&str]) -> (String, String, Vec<String>) {
    (
        anchor.to_string(),
        ids.len().to_string(),
        ids.iter().map(|id| format!("/cases/{id}/")).collect(),
    )
}

#[test]
fn area_pages_group_cases_by_industry_with_counts() {
    let built = basic();
    // Groups follow the configured industry order; inside a group newest
    // first, then by id.
    assert_eq!(
        groups(built, "areas/industrial-quality/index.html"),
        [
            group("integrated-circuits", &["2023-002", "2022-001"]),
            group("automotive", &["2022-002"]),
        ]
    );
    assert_eq!(
        groups(built, "areas/sme-quality/index.html"),
        [
            group("automotive", &["2023-003"]),
            group("electronic-information", &["2023-001"]),
        ]
    );
    let page = built.html("areas/industrial-quality/index.html");
    // "3 个案例，按行业分为 2 组"
    assert_eq!(numbers(&page, ".list-count"), [[3, 2]]);
    // Jump links: the group's name (the link's own text) and its count.
    let jump_links: Vec<(String, String, String)> = page
        .select(&sel(".group-nav a"))
        .map(|a| {
            let name: String = a
                .children()
                .filter_map(|n| n.value().as_text().map(|t| t.trim().to_string()))
                .collect();
            let count = a.select(&sel(".count")).next().map(text_of);
            let href = a.value().attr("href").unwrap_or("").to_string();
            (name, count.unwrap_or_default(), href)
        })
        .collect();
    let jump = |name: &str, count: &str, href: &str| (name.into(), count.into(), href.into());
    assert_eq!(
        jump_links,
        [
            jump("集成电路", "2", "#integrated-circuits"),
            jump("汽车", "1", "#automotive"),
        ]
    );
    // An area without published cases (the draft is in it) is empty.
    assert_eq!(groups(built, "areas/other/index.html"), []);
    let other = built.html("areas/other/index.html");
    assert_eq!(numbers(&other, ".list-count"), [[0]]);
    assert_eq!(texts(&other, ".empty"), ["暂无案例。"]);
}

#[test]
fn other_term_pages_group_cases_by_area() {
    let built = basic();
    let iq = "industrial-quality";
    let sme = "sme-quality";
    let cases = [
        (
            "industries/integrated-circuits",
            vec![group(iq, &["2023-002", "2022-001"])],
        ),
        (
            "industries/automotive",
            vec![group(iq, &["2022-002"]), group(sme, &["2023-003"])],
        ),
        (
            "industries/electronic-information",
            vec![group(sme, &["2023-001"])],
        ),
        ("industries/biomedicine", vec![]),
        (
            "districts/pudong",
            vec![group(iq, &["2023-002", "2022-001"])],
        ),
        ("districts/jiading", vec![group(iq, &["2022-002"])]),
        (
            "districts/songjiang",
            vec![group(sme, &["2023-001", "2023-003"])],
        ),
        ("years/2022", vec![group(iq, &["2022-001", "2022-002"])]),
        (
            "years/2023",
            vec![
                group(iq, &["2023-002"]),
                group(sme, &["2023-001", "2023-003"]),
            ],
        ),
        (
            "methods/six-sigma",
            vec![group(iq, &["2023-002", "2022-001"])],
        ),
        ("methods/lean", vec![group(iq, &["2023-002", "2022-002"])]),
        ("methods/qc-circles", vec![group(sme, &["2023-003"])]),
        (
            "methods/zhi-liang-feng-xian-guan-li",
            vec![group(iq, &["2022-001"])],
        ),
        ("methods/zhuo-yue-ji-xiao", vec![group(sme, &["2023-001"])]),
    ];
    for (path, expected) in cases {
        assert_eq!(
            groups(built, &format!("{path}/index.html")),
            expected,
            "{path}"
        );
    }
}

#[test]
fn taxonomy_indexes_list_terms_with_counts() {
    let built = basic();
    let terms = |rel: &str| -> Vec<(String, String, String)> {
        let page = built.html(rel);
        page.select(&sel(".term-list li > a"))
            .map(|a| {
                let name = a.select(&sel(".term-name")).next().map(text_of);
                let count = a.select(&sel(".count")).next().map(text_of);
                (
                    name.unwrap_or_default(),
                    count.unwrap_or_default(),
                    a.value().attr("href").unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let t = |name: &str, count: usize, url: &str| {
        (name.to_string(), count.to_string(), url.to_string())
    };
    assert_eq!(
        terms("areas/index.html"),
        [
            t("促进产业高质量发展", 3, "/areas/industrial-quality/"),
            t("促进中小企业质量提升", 2, "/areas/sme-quality/"),
            t("其他", 0, "/areas/other/"),
        ]
    );
    assert_eq!(
        terms("industries/index.html"),
        [
            t("集成电路", 2, "/industries/integrated-circuits/"),
            t("汽车", 2, "/industries/automotive/"),
            t("电子信息", 1, "/industries/electronic-information/"),
            t("生物医药", 0, "/industries/biomedicine/"),
        ]
    );
    assert_eq!(
        terms("districts/index.html"),
        [
            t("浦东新区", 2, "/districts/pudong/"),
            t("嘉定区", 1, "/districts/jiading/"),
            t("松江区", 2, "/districts/songjiang/"),
        ]
    );
    // Newest year first; no year of unpublished cases only.
    assert_eq!(
        terms("years/index.html"),
        [
            t("2023年", 3, "/years/2023/"),
            t("2022年", 2, "/years/2022/")
        ]
    );
    // Configured methods in their order, then the others by slug; methods of
    // unpublished cases are absent.
    assert_eq!(
        terms("methods/index.html"),
        [
            t("六西格玛", 2, "/methods/six-sigma/"),
            t("精益", 2, "/methods/lean/"),
            t("QC小组", 1, "/methods/qc-circles/"),
            t("质量风险管理", 1, "/methods/zhi-liang-feng-xian-guan-li/"),
            t("卓越绩效", 1, "/methods/zhuo-yue-ji-xiao/"),
        ]
    );
}

#[test]
fn home_page_counts_and_matrix() {
    let built = basic();
    let home = built.html("index.html");
    // 5 cases, 5 enterprises, 2 years, 3 districts.
    assert_eq!(texts(&home, ".stats li strong"), ["5", "5", "2", "3"]);
    assert_eq!(numbers(&home, ".area-list .count"), [[3], [2], [0]]);
    // Oriented as the overview's heat map: an industry a row, an area a
    // column.
    assert_eq!(
        texts(&home, "table.matrix thead th a"),
        ["促进产业高质量发展", "促进中小企业质量提升", "其他"]
    );
    // A cell's count is the number in it; an empty cell (a dot, maybe with
    // a visually hidden 0) counts 0.
    let count = |cell: scraper::ElementRef| -> usize {
        let digits: String = cell
            .text()
            .flat_map(str::chars)
            .filter(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap_or(0)
    };
    let rows: Vec<(String, Vec<usize>)> = home
        .select(&sel("table.matrix tbody tr"))
        .map(|tr| {
            let area = tr
                .select(&sel("th"))
                .next()
                .map(text_of)
                .unwrap_or_default();
            let cells = tr.select(&sel("td")).map(count).collect();
            (area, cells)
        })
        .collect();
    let row = |industry: &str, cells: [usize; 3]| (industry.to_string(), cells.to_vec());
    assert_eq!(
        rows,
        [
            row("集成电路", [2, 0, 0]),
            row("汽车", [1, 1, 0]),
            row("电子信息", [0, 1, 0]),
            row("生物医药", [0, 0, 0]),
        ]
    );
    // Non-zero cells link to the area page's industry group.
    let cell_links = hrefs(&home, "table.matrix tbody td a");
    assert_eq!(
        cell_links,
        [
            "/areas/industrial-quality/#integrated-circuits",
            "/areas/industrial-quality/#automotive",
            "/areas/sme-quality/#automotive",
            "/areas/sme-quality/#electronic-information",
        ]
    );
    // The latest year's cases are listed.
    let mut latest = hrefs(&home, "ul.cards li.card h3 a");
    latest.sort();
    assert_eq!(
        latest,
        ["/cases/2023-001/", "/cases/2023-002/", "/cases/2023-003/"]
    );
}

// ---------------------------------------------------------------------------
// Unpublished and private content
// ---------------------------------------------------------------------------

#[test]
fn unpublished_cases_are_absent_from_every_output_file() {
    let found = markers_in(basic(), UNPUBLISHED_MARKERS);
    assert!(found.is_empty(), "unpublished content leaked: {found:#?}");
}

#[test]
fn private_fields_are_absent_from_every_output_file() {
    let found = markers_in(basic(), PRIVATE_MARKERS);
    assert!(found.is_empty(), "private fields leaked: {found:#?}");
}

#[test]
fn underscore_files_and_folders_are_skipped() {
    let found = markers_in(basic(), SKIPPED_MARKERS);
    assert!(found.is_empty(), "skipped files were published: {found:#?}");
    let found = markers_in(basic_drafts(), SKIPPED_MARKERS);
    assert!(
        found.is_empty(),
        "skipped files were published with --drafts: {found:#?}"
    );
}

#[test]
fn drafts_build_marks_unpublished_cases() {
    let built = basic_drafts();
    assert!(built.stderr.contains("--drafts"), "{}", built.stderr);
    for (id, label) in [("2024-001", "草稿"), ("2024-002", "未入选")] {
        let page = built.html(&format!("cases/{id}/index.html"));
        let notes = texts(&page, ".draft-note");
        assert_eq!(notes.len(), 1, "{id}: {notes:?}");
        assert!(
            notes[0].contains("草稿") && notes[0].contains(label),
            "{id}: {notes:?}"
        );
        assert_eq!(page.select(&sel(".draft-banner")).count(), 1, "{id}");
    }
    // The draft's title and body are there.
    let draft = built.read("cases/2024-001/index.html");
    assert!(draft.contains("待审案例ZQXDRAFT-title"));
    assert!(draft.contains("待审正文ZQXDRAFT-body"));
    assert!(built.exists("cases/2024-001/zqxdraft-photo.png"));
    assert!(built.exists("years/2024/index.html"));
    // Cards of unpublished cases carry the 草稿 badge; published ones don't.
    let home = built.html("index.html");
    let mut badged: Vec<String> = home
        .select(&sel("li.card"))
        .filter(|card| {
            card.select(&sel(".badge-draft"))
                .any(|b| text_of(b) == "草稿")
        })
        .filter_map(|card| {
            card.select(&sel("h3 a"))
                .next()
                .and_then(|a| a.value().attr("href").map(str::to_string))
        })
        .collect();
    badged.sort();
    assert_eq!(badged, ["/cases/2024-001/", "/cases/2024-002/"]);
    let published = built.html("cases/2022-001/index.html");
    assert_eq!(published.select(&sel(".draft-note")).count(), 0);
    // A preview must not be indexed.
    assert!(built.read("robots.txt").contains("Disallow: /"));
}

#[test]
fn drafts_build_still_drops_private_fields() {
    let found = markers_in(basic_drafts(), PRIVATE_MARKERS);
    assert!(
        found.is_empty(),
        "private fields leaked with --drafts: {found:#?}"
    );
}

// ---------------------------------------------------------------------------
// Markdown conventions
// ---------------------------------------------------------------------------

/// The names of an element's child elements (to see where its caption
/// sits) and the text of its caption.
fn children_and_caption(element: scraper::ElementRef, caption: &str) -> (Vec<String>, String) {
    let children = element
        .children()
        .filter_map(scraper::ElementRef::wrap)
        .map(|e| e.value().name().to_string())
        .collect();
    let caption = element
        .select(&sel(caption))
        .next()
        .map(text_of)
        .unwrap_or_default();
    (children, caption)
}

#[test]
fn figures_and_tables_are_numbered_with_captions_placed() {
    let built = basic();
    let page = built.html("cases/2022-001/index.html");

    let figures: Vec<(Vec<String>, String)> = page
        .select(&sel(".prose figure.figure"))
        .map(|figure| children_and_caption(figure, "figcaption"))
        .collect();
    // Caption after the image (a responsive `<picture>`: `images`).
    assert_eq!(
        figures,
        [
            (
                vec!["picture".into(), "figcaption".into()],
                "图1 晶圆一次良率趋势".into()
            ),
            (
                vec!["picture".into(), "figcaption".into()],
                "图2 改进流程示意".into()
            ),
        ]
    );
    let srcs: Vec<&str> = page
        .select(&sel(".prose figure img"))
        .filter_map(|i| i.value().attr("src"))
        .collect();
    assert_eq!(
        srcs,
        [
            "/cases/2022-001/yield-trend.png",
            "/cases/2022-001/flow.png"
        ]
    );
    let alts: Vec<&str> = page
        .select(&sel(".prose figure img"))
        .filter_map(|i| i.value().attr("alt"))
        .collect();
    assert_eq!(alts, ["晶圆一次良率趋势", "改进流程示意"]);

    let tables: Vec<(Vec<String>, String)> = page
        .select(&sel(".prose table"))
        .map(|table| children_and_caption(table, "caption"))
        .collect();
    // Caption first, before the rows.
    assert_eq!(
        tables,
        [
            (
                vec!["caption".into(), "thead".into(), "tbody".into()],
                "表1 DFSS各阶段放行准则".into()
            ),
            (
                vec!["caption".into(), "thead".into(), "tbody".into()],
                "表2 主要质量指标".into()
            ),
        ]
    );
    // The `表：…` paragraph became the caption; it is not also a paragraph.
    let paragraphs = texts(&page, ".prose p");
    assert!(
        !paragraphs.iter().any(|p| p.contains("表：")),
        "{paragraphs:?}"
    );
}

/// The text of the paragraph in `page` containing `needle`.
fn paragraph_with(built: &Built, page: &str, needle: &str) -> String {
    let html = built.html(page);
    let found: Vec<String> = html
        .select(&sel(".prose p"))
        .map(|p| p.text().collect::<String>())
        .filter(|t| t.contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{page}: paragraphs with {needle}: {found:?}"
    );
    found.into_iter().next().unwrap()
}

#[test]
fn soft_break_between_cjk_characters_is_dropped() {
    let built = basic();
    // LF file.
    let p = paragraph_with(built, "cases/2022-001/index.html", "硬换行测试");
    assert!(
        p.contains("这一段是硬换行测试甲乙段落继续，换行处不应出现空格。"),
        "{p:?}"
    );
    // CRLF file with a BOM: the same rule, and no stray carriage returns.
    let p = paragraph_with(built, "cases/2023-001/index.html", "CRLF");
    assert_eq!(
        p,
        "这个文件使用CRLF换行并带有BOM，应当被静默接受，硬换行也不应产生空格。"
    );
    let raw = built.read("cases/2023-001/index.html");
    assert!(!raw.contains('\r'), "carriage return in the HTML");
    assert!(!raw.contains('\u{feff}'), "BOM in the HTML");
    // The summary (description, cards) follows the same rule.
    let home = built.html("index.html");
    let summaries = texts(&home, ".card-summary");
    assert!(
        summaries
            .iter()
            .any(|s| s == "这个文件使用CRLF换行并带有BOM，应当被静默接受，硬换行也不应产生空格。"),
        "{summaries:?}"
    );
}

// A soft break between CJK characters is dropped after inline markup too
// (`**质量改进**⏎活动`), not only between plain text.
#[test]
fn soft_break_between_cjk_after_inline_markup_is_dropped() {
    let built = basic();
    let raw = built.read("cases/2023-003/index.html");
    assert!(
        raw.contains("<strong>质量改进</strong>活动"),
        "newline kept after </strong>: {:?}",
        raw.find("<strong>质量改进")
            .map(|i| raw[i..].chars().take(30).collect::<String>())
    );
}

// ---------------------------------------------------------------------------
// A failed build leaves the previous output alone
// ---------------------------------------------------------------------------

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let sites = temp_dir();
    let outputs = temp_dir();
    let out = outputs.path().join("out");
    let build_into_out = |root: &std::path::Path| {
        casebook([
            "build".as_ref(),
            "--root".as_ref(),
            root.as_os_str(),
            "--output".as_ref(),
            out.as_os_str(),
        ])
    };
    let good = sites.path().join("good");
    copy_dir(&fixture("basic"), &good);
    let first = build_into_out(&good);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = snapshot(&out);
    assert!(before.contains_key("index.html"));

    type Break = fn(&std::path::Path);
    let breaks: [(&str, Break); 4] = [
        ("content error", |site| {
            std::fs::write(
                site.join("content/cases/2023/2023-010.md"),
                "## 摘要\n\n没有前置信息。\n",
            )
            .unwrap()
        }),
        ("config error", |site| {
            std::fs::write(site.join("casebook.toml"), "[site]\ntitle = 未加引号\n").unwrap()
        }),
        ("template error", |site| {
            std::fs::create_dir_all(site.join("templates")).unwrap();
            std::fs::write(
                site.join("templates/index.html"),
                "{{ no_such_variable.field }}",
            )
            .unwrap()
        }),
        ("output collision", |site| {
            let file = site.join("content/cases/2023/2023-002.md");
            let text = std::fs::read_to_string(&file).unwrap();
            let text = text.replace(
                "status: approved",
                "status: approved\naliases: [\"/about/\"]",
            );
            std::fs::write(&file, text).unwrap()
        }),
    ];
    for (n, (what, break_site)) in breaks.into_iter().enumerate() {
        let site = sites.path().join(format!("broken-{n}"));
        copy_dir(&fixture("basic"), &site);
        break_site(&site);
        let failed = build_into_out(&site);
        assert_eq!(code(&failed), 1, "{what}: {}", stderr(&failed));
        assert!(
            stderr(&failed).contains("上次的输出保持不变"),
            "{what}: {}",
            stderr(&failed)
        );
        let after = snapshot(&out);
        assert!(
            before == after,
            "{what}: the output changed: {:?} vs {:?}",
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>()
        );
        // No staging folder is left beside the output.
        let beside: Vec<String> = std::fs::read_dir(outputs.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(beside, ["out"], "{what}");
    }
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

fn assert_links_ok(built: &Built, base_path: &str) {
    let problems = link_problems(&built.out, base_path);
    assert!(
        problems.is_empty(),
        "link problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn basic_fixture_links_resolve() {
    assert_links_ok(basic(), "/");
}

#[test]
fn basic_fixture_links_resolve_with_drafts() {
    assert_links_ok(basic_drafts(), "/");
}

#[test]
fn basic_fixture_links_resolve_below_a_base_path() {
    let built = build_ok(
        &fixture("basic"),
        &["--base-url", "https://fixture.example.org/casebook/"],
    );
    assert_links_ok(&built, "/casebook/");
    let home = built.html("index.html");
    assert!(hrefs(&home, ".site-nav a")
        .iter()
        .all(|h| h.starts_with("/casebook/")));
    let sitemap = sitemaps(&built.out);
    assert!(xml_texts(&sitemap, "loc")
        .contains(&"https://fixture.example.org/casebook/cases/2022-001/".to_string()));
}

#[test]
fn example_site_builds_without_errors() {
    let (code, diags) = check_json(&repo_root());
    let errors: Vec<&Diag> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(code, 0);
    let built = example();
    assert!(built.exists("index.html") && built.exists("sitemap.xml"));
    assert!(built.stderr.contains("构建完成"), "{}", built.stderr);
}

#[test]
fn example_site_links_resolve() {
    assert_links_ok(example(), "/");
}

/// The rulebook fixture (a case that passes every writing rule) is only
/// checked elsewhere; built, its links resolve too.
#[test]
fn rulebook_fixture_links_resolve() {
    assert_links_ok(&build_ok(&fixture("rulebook-good"), &[]), "/");
}

#[test]
fn example_site_feeds_are_well_formed() {
    let built = example();
    for file in ["sitemap.xml", "sitemap-1.xml", "atom.xml"] {
        let xml = built.read(file);
        xml_well_formed(&xml).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}

// ---------------------------------------------------------------------------
// The checkers themselves
// ---------------------------------------------------------------------------

#[test]
fn link_checker_finds_problems() {
    let dir = temp_dir();
    let out = dir.path();
    std::fs::create_dir_all(out.join("a")).unwrap();
    std::fs::write(out.join("a/index.html"), "<p id=\"here\">x</p>").unwrap();
    std::fs::write(
        out.join("index.html"),
        r##"<html><head>
        <link rel="stylesheet" href="https://cdn.example.com/x.css">
        <link rel="canonical" href="https://example.org/">
        <script src="//cdn.example.com/x.js"></script>
        </head><body>
        <a href="/a/">ok</a><a href="/a/#here">ok</a><a href="/a/?q=1">ok</a><a href="/a">ok</a>
        <a href="https://example.org/elsewhere">ok: a link may leave</a>
        <a href="/missing/">missing</a><a href="/a/#nowhere">anchor</a>
        <img src="http://cdn.example.com/x.png"><img src="/nope.png">
        <img srcset="/a/index.html 1x, /gone-2x.png 2x">
        </body></html>"##,
    )
    .unwrap();
    let problems = link_problems(out, "/");
    let expected = [
        "x.css\"> loads a resource from another host",
        "x.js\"> loads a resource from another host",
        "x.png\"> loads a resource from another host",
        "/missing/\"> points to a missing file",
        "/a/#nowhere\"> points to a missing anchor",
        "/nope.png\"> points to a missing file",
        "srcset=\"/gone-2x.png\"> points to a missing file",
    ];
    for e in expected {
        assert!(
            problems.iter().any(|p| p.contains(e)),
            "{e} not found in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn xml_checker_finds_problems() {
    assert!(xml_well_formed("<?xml version=\"1.0\"?>\n<a><b x=\"1&amp;2\"/>t&#x2F;</a>").is_ok());
    assert!(xml_well_formed("<a><b></a></b>").is_err());
    assert!(xml_well_formed("<a>&nbsp;</a>").is_err());
    assert!(xml_well_formed("<a>x & y</a>").is_err());
    assert!(xml_well_formed("<a></a><b></b>").is_err());
    assert!(xml_well_formed("<a>").is_err());
    assert_eq!(xml_unescape("https:&#x2F;&#x2F;x&amp;y"), "https://x&y");
    assert_eq!(
        xml_texts("<r><loc>a</loc><loc x=\"1\">b&lt;</loc></r>", "loc"),
        ["a", "b<"]
    );
}

/// Two builds of the same input are byte-identical: no timestamps, no
/// order that depends on threads or hashing, nothing from the machine.
/// The second build runs on one thread from a copy of the site in another
/// folder, so neither the thread schedule nor the site's path can leak in.
#[test]
fn builds_are_deterministic() {
    let first = example();
    let dir = temp_dir();
    let site = dir.path().join("elsewhere/site");
    for name in ["casebook.toml", "content"] {
        let from = repo_root().join(name);
        if from.is_dir() {
            copy_dir(&from, &site.join(name));
        } else {
            std::fs::create_dir_all(&site).unwrap();
            std::fs::copy(&from, site.join(name)).unwrap();
        }
    }
    for name in ["templates", "static"] {
        assert!(
            !repo_root().join(name).exists(),
            "copy the site's own {name}/ too"
        );
    }
    let out = dir.path().join("second");
    let output = std::process::Command::new(BIN)
        .env("RAYON_NUM_THREADS", "1")
        .args(["build", "--root"])
        .arg(&site)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run casebook");
    assert!(output.status.success(), "{}", stderr(&output));
    let (a, b) = (first.files(), snapshot(&out));
    let only_in = |x: &BTreeMap<String, Vec<u8>>, y: &BTreeMap<String, Vec<u8>>| -> Vec<String> {
        x.keys().filter(|k| !y.contains_key(*k)).cloned().collect()
    };
    assert!(
        only_in(&a, &b).is_empty(),
        "only in the first: {:?}",
        only_in(&a, &b)
    );
    assert!(
        only_in(&b, &a).is_empty(),
        "only in the second: {:?}",
        only_in(&b, &a)
    );
    let differing: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(differing.is_empty(), "files that differ: {differing:?}");
    assert!(a.len() > 100, "the example site has many files");
}

#[test]
fn sitemaps_give_each_case_page_its_lastmod_and_robots_names_the_index() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&fixture("basic"), &root);
    let edit = |file: &str, fields: &str| {
        let path = root.join("content/cases").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replacen("year: ", &format!("{fields}\nyear: "), 1),
        )
        .unwrap();
    };
    edit("2023/2023-001.md", "date: 2023-03-01\nupdated: 2024-05-20");
    edit("2023/2023-002.md", "date: \"2023-06-30\"");
    let built = build_ok(&root, &[]);
    let xml = built.read("sitemap-1.xml");
    let lastmod_of = |id: &str| -> Option<String> {
        let url = format!("<loc>{BASE_URL}cases/{id}/</loc>");
        let after = &xml[xml.find(&url).unwrap_or_else(|| panic!("{id}: {xml}")) + url.len()..];
        let entry = &after[..after.find("</url>").unwrap()];
        xml_texts(&format!("<url>{entry}</url>"), "lastmod")
            .into_iter()
            .next()
    };
    assert_eq!(lastmod_of("2023-001").as_deref(), Some("2024-05-20"));
    assert_eq!(lastmod_of("2023-002").as_deref(), Some("2023-06-30"));
    assert_eq!(lastmod_of("2023-003").as_deref(), Some("2023-12-31"));
    // A list page claims no date.
    assert!(!xml.contains(&format!("<loc>{BASE_URL}cases/</loc><lastmod>")));
    // The index dates its sitemap by its newest page.
    let index = built.read("sitemap.xml");
    assert_eq!(xml_texts(&index, "lastmod"), ["2024-05-20"]);
    let robots = built.read("robots.txt");
    assert!(robots.contains(&format!("Sitemap: {BASE_URL}sitemap.xml")));
}
