//! `casebook search` on the bundled example site, against answers computed
//! here by a plain scan of the case files (front matter and Markdown), so
//! the oracle owes nothing to tantivy or to the analyzer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn casebook(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(args)
        .output()
        .expect("casebook runs")
}

/// `casebook search --json --root REPO ARGS…`: the hits, in rank order.
fn search(args: &[&str]) -> Vec<Value> {
    let root = root();
    let mut all = vec!["search", "--json", "--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = casebook(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "search {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits: Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    hits.as_array().expect("an array").clone()
}

fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// One example case, as the oracle sees it.
struct Case {
    id: String,
    published: bool,
    area: String,
    industry: String,
    year: i64,
    methods: Vec<String>,
    /// Title and enterprise name.
    head: String,
    /// Everything searchable: head, methods, technologies, Markdown body.
    text: String,
}

fn str_of<'a>(v: &'a serde_yaml::Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

fn list_of(v: &serde_yaml::Value, key: &str) -> Vec<String> {
    v[key]
        .as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn example_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in walkdir::WalkDir::new(root().join("content/cases")).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let rest = text.strip_prefix("---\n").expect("front matter");
        let (yaml, body) = rest.split_once("\n---\n").expect("closed front matter");
        let fm: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        let status = str_of(&fm, "status");
        let head = format!(
            "{}\n{}",
            str_of(&fm, "title"),
            str_of(&fm["enterprise"], "name")
        );
        let mut searchable = vec![head.clone()];
        searchable.extend(list_of(&fm, "methods"));
        searchable.extend(list_of(&fm, "technologies"));
        searchable.push(body.to_string());
        cases.push(Case {
            id: str_of(&fm, "id").to_string(),
            published: matches!(status, "approved" | "national"),
            area: str_of(&fm, "priority_area").to_string(),
            industry: str_of(&fm, "industry").to_string(),
            year: fm["year"].as_i64().unwrap(),
            methods: list_of(&fm, "methods"),
            head: normalize(&head),
            text: normalize(&searchable.join("\n")),
        });
    }
    assert!(cases.len() >= 17, "example cases found");
    cases
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Full-width ASCII to half-width, lowercase, and line breaks between
/// Chinese characters dropped (Markdown joins such lines without a space).
fn normalize(s: &str) -> String {
    let folded: Vec<char> = s
        .chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap(),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = String::new();
    for (i, &c) in folded.iter().enumerate() {
        let joins_han = c == '\n'
            && i > 0
            && folded.get(i + 1).is_some_and(|&n| is_han(n))
            && is_han(folded[i - 1]);
        if !joins_han {
            out.push(c);
        }
    }
    out
}

/// Does `word` occur in `text`? Latin letters and digits at its ends must
/// not continue into more letters or digits (`qc` is not inside `qcc`).
fn occurs(text: &str, word: &str) -> bool {
    let word = normalize(word);
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(&word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let glued_before = alnum(word.chars().next()) && alnum(before);
        let glued_after = alnum(word.chars().next_back()) && alnum(after);
        !glued_before && !glued_after
    })
}

/// Published cases holding every word of `query` and passing `keep`.
fn expected(cases: &[Case], query: &str, keep: impl Fn(&Case) -> bool) -> BTreeSet<String> {
    cases
        .iter()
        .filter(|c| c.published && keep(c))
        .filter(|c| query.split_whitespace().all(|w| occurs(&c.text, w)))
        .map(|c| c.id.clone())
        .collect()
}

/// Recall 1.00 and precision 1.00 over all hits.
fn assert_known_answer(query: &str, filters: &[&str], want: &BTreeSet<String>) {
    let mut args: Vec<&str> = vec!["--limit", "100"];
    args.extend_from_slice(filters);
    args.push(query);
    let got: BTreeSet<String> = ids(&search(&args)).into_iter().collect();
    assert_eq!(&got, want, "query {query:?} {filters:?}");
}

#[test]
fn known_answer_queries() {
    let cases = example_cases();
    let all = |_: &Case| true;
    let queries = [
        // A part of a word: 西格玛 inside 六西格玛.
        "西格玛",
        "六西格玛",
        // Several words that must all appear.
        "精益 数字化",
        "可靠性 故障树",
        // Latin and mixed, case-insensitive.
        "qc",
        "QC小组",
        "dmaic",
        "5G",
        "iso",
        // A single character.
        "梯",
        "乳",
        // A whole enterprise name, a technology.
        "上海申运冷链物流有限公司",
        "区块链",
    ];
    for query in queries {
        let want = expected(&cases, query, all);
        assert!(!want.is_empty(), "{query:?} should find something");
        assert_known_answer(query, &[], &want);
    }
    // The default limit: the 10 best, all of them right.
    let want = expected(&cases, "质量", all);
    assert!(want.len() > 10);
    let top = ids(&search(&["质量"]));
    assert_eq!(top.len(), 10);
    assert!(top.iter().all(|id| want.contains(id)), "{top:?}");
    // 西格玛 finds 六西格玛 cases: all of them, and nothing else.
    assert_eq!(
        expected(&cases, "西格玛", all),
        expected(&cases, "六西格玛", all)
    );
}

#[test]
fn full_width_and_half_width_match_each_other() {
    let cases = example_cases();
    for (full, half) in [
        ("ＤＭＡＩＣ", "DMAIC"),
        ("５Ｇ", "5g"),
        ("ＱＣ小组", "qc小组"),
    ] {
        let want = expected(&cases, half, |_| true);
        assert!(!want.is_empty());
        let full_ids = ids(&search(&["--limit", "100", full]));
        assert_eq!(full_ids.iter().cloned().collect::<BTreeSet<_>>(), want);
        assert_eq!(
            full_ids,
            ids(&search(&["--limit", "100", half])),
            "{full} = {half}"
        );
    }
}

#[test]
fn facet_filters_narrow_results() {
    let cases = example_cases();
    let by_area = expected(&cases, "可靠性", |c| c.area == "履行社会责任");
    assert!(!by_area.is_empty());
    assert_known_answer("可靠性", &["--area", "履行社会责任"], &by_area);
    // A configured term is found by its slug too.
    assert_known_answer("可靠性", &["--area", "social-responsibility"], &by_area);

    let by_year = expected(&cases, "精益", |c| c.year == 2023);
    assert!(!by_year.is_empty());
    assert_known_answer("精益", &["--year", "2023"], &by_year);

    let by_industry = expected(&cases, "质量", |c| c.industry == "高端装备");
    assert!(!by_industry.is_empty());
    assert_known_answer("质量", &["--industry", "高端装备"], &by_industry);
}

#[test]
fn the_method_filter_narrows_by_name_slug_or_full_width_name() {
    let cases = example_cases();
    let six_sigma = expected(&cases, "质量", |c| {
        c.methods.iter().any(|m| m == "六西格玛")
    });
    assert!(six_sigma.len() >= 3);
    for method in ["六西格玛", "six-sigma"] {
        assert_known_answer("质量", &["--method", method], &six_sigma);
    }
    let circles = expected(&cases, "质量", |c| {
        c.methods.iter().any(|m| m == "QC小组")
    });
    assert!(!circles.is_empty());
    assert_known_answer("质量", &["--method", "ＱＣ小组"], &circles);
    // With another facet, both must hold.
    let both = expected(&cases, "质量", |c| {
        c.methods.iter().any(|m| m == "六西格玛") && c.year == 2023
    });
    assert_known_answer("质量", &["--method", "six-sigma", "--year", "2023"], &both);
    // A method no case uses is a usage error naming the common ones.
    let root = root();
    let out = casebook(&[
        "search",
        "--root",
        root.to_str().unwrap(),
        "--method",
        "八西格玛",
        "质量",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("八西格玛") && stderr.contains("六西格玛（six-sigma）"),
        "{stderr}"
    );
}

#[test]
fn no_hits_suggest_the_nearest_method_that_finds_cases() {
    let root = root();
    let root = root.to_str().unwrap();
    for args in [
        vec!["search", "--root", root, "六西格马"],
        vec!["search", "--json", "--root", root, "六西格马"],
    ] {
        let out = casebook(&args);
        assert_eq!(out.status.code(), Some(0));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("你是不是要找：六西格玛"),
            "{args:?}: {stderr}"
        );
    }
    // The JSON on stdout stays the list of hits.
    assert!(search(&["六西格马"]).is_empty());
    // A near word with a hit, or a word near no method, suggests nothing.
    for query in ["六西格玛", "冷链物流", "量子纠缠"] {
        let out = casebook(&["search", "--root", root, query]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("你是不是要找"), "{query}: {stderr}");
    }
}

#[test]
fn title_and_enterprise_matches_rank_first() {
    let cases = example_cases();
    for query in ["可靠性", "六西格玛", "精益", "卓越绩效"] {
        let hits = ids(&search(&["--limit", "100", query]));
        let in_head = |id: &String| {
            let case = cases.iter().find(|c| &c.id == id).unwrap();
            occurs(&case.head, query)
        };
        let first_other = hits.iter().position(|id| !in_head(id));
        if let Some(first_other) = first_other {
            assert!(
                hits[first_other..].iter().all(|id| !in_head(id)),
                "{query:?}: a title match ranks below a body match: {hits:?}"
            );
        }
        assert!(hits.iter().any(in_head), "{query:?} matches some title");
    }
}

#[test]
fn unpublished_and_private_text_never_found() {
    let cases = example_cases();
    let unpublished: Vec<&str> = cases
        .iter()
        .filter(|c| !c.published)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(unpublished.len(), 2, "one draft and one rejected case");
    for marker in [
        "DRAFT-CASE-CONTACT",
        "REJECTED-CASE-CONTACT",
        "不予推荐",
        "智算",
        "雅韵",
    ] {
        assert_eq!(ids(&search(&[marker])), Vec::<String>::new(), "{marker}");
    }
    // Broad queries: no unpublished case, no marker in any field shown.
    for query in ["质量", "公司", "经验", "的"] {
        let hits = search(&["--limit", "100", query]);
        assert!(!hits.is_empty());
        for hit in &hits {
            let id = hit["id"].as_str().unwrap();
            assert!(!unpublished.contains(&id), "{query:?} found {id}");
            let shown = hit.to_string();
            for marker in [
                "DRAFT-CASE-CONTACT",
                "REJECTED-CASE-CONTACT",
                "不予推荐",
                "xxxx",
            ] {
                assert!(!shown.contains(marker), "{marker} shown for {query:?}");
            }
        }
    }
}

#[test]
fn json_hits_carry_url_score_and_marked_snippet() {
    let hits = search(&["西格玛"]);
    let first = &hits[0];
    let id = first["id"].as_str().unwrap();
    assert_eq!(first["url"], format!("/cases/{id}/"));
    assert!(first["title"].as_str().unwrap().contains("六西格玛"));
    assert!(first["score"].as_f64().unwrap() > 0.0);
    let snippet = first["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>西格玛</mark>"), "{snippet}");
    assert!(snippet.chars().count() <= 100, "{snippet}");
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );
}

#[test]
fn human_output_and_exit_codes() {
    let root = root();
    let root = root.to_str().unwrap();
    let out = casebook(&["search", "--root", root, "西格玛"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains(" 1. "), "{stdout}");
    assert!(stdout.contains("【西格玛】"), "{stdout}");
    assert!(stdout.contains("/cases/"), "{stdout}");

    // No results is not an error.
    let out = casebook(&["search", "--root", root, "茶"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());

    // Usage errors: nothing searchable, an unknown area, a bad limit.
    for args in [
        vec!["search", "--root", root, "。，"],
        vec!["search", "--root", root, "--area", "无此重点", "精益"],
        vec!["search", "--root", root, "--limit", "0", "精益"],
        vec!["search", "--root", root],
    ] {
        assert_eq!(casebook(&args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn content_errors_exit_1_with_diagnostics() {
    let site = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("casebook.toml"),
        site.path().join("casebook.toml"),
    )
    .unwrap();
    let cases = site.path().join("content/cases");
    std::fs::create_dir_all(&cases).unwrap();
    std::fs::write(cases.join("broken.md"), "---\ntitle：坏的\n---\n正文\n").unwrap();
    let out = casebook(&["search", "--root", path(site.path()), "精益"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("broken.md"), "{stderr}");
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Under a sub-path base URL, `casebook search` links to the pages
/// `casebook build` writes: every hit's URL starts with the base path and
/// names a page in the output whose canonical address it is.
#[test]
fn hits_link_to_built_pages_under_a_sub_path() {
    let fixture = root().join("tests/fixtures/basic");
    for (base_url, base_path) in [
        ("https://fixture.example.org/casebook/", "/casebook/"),
        ("http://localhost:8080/deep/sub/path/", "/deep/sub/path/"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        for entry in walkdir::WalkDir::new(&fixture) {
            let entry = entry.unwrap();
            let target = site.join(entry.path().strip_prefix(&fixture).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
        let config = site.join("casebook.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        let moved = text.replace("https://fixture.example.org/", base_url);
        assert_ne!(moved, text);
        std::fs::write(&config, moved).unwrap();
        let out = dir.path().join("out");
        let site_arg = site.to_str().unwrap();
        let built = casebook(&[
            "build",
            "--root",
            site_arg,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(built.status.success(), "{built:?}");
        let found = casebook(&["search", "--json", "--root", site_arg, "经验"]);
        assert!(found.status.success(), "{found:?}");
        let hits: Value = serde_json::from_slice(&found.stdout).unwrap();
        let hits = hits.as_array().unwrap();
        assert!(hits.len() >= 3, "{hits:?}");
        for hit in hits {
            let url = hit["url"].as_str().unwrap();
            let rest = url.strip_prefix(base_path).expect("under the base path");
            let page = std::fs::read_to_string(out.join(rest).join("index.html")).unwrap();
            // The page's own canonical address is the hit's, on the site's host.
            assert!(page.contains(&format!("{base_url}{rest}")), "{url}");
        }
    }
}

/// The default synonyms: what readers type for 六西格玛 finds the cases
/// 六西格玛 finds (the example writes none of those spellings), and a
/// spelling the cases do write still finds them too: `SPC` finds the cases
/// with SPC and those with 统计过程控制 (the synonym vectors test the
/// slots themselves).
#[test]
fn synonyms_find_the_cases_of_their_term() {
    let cases = example_cases();
    let all = |_: &Case| true;
    let want = expected(&cases, "六西格玛", all);
    assert!(want.len() >= 3, "{want:?}");
    for query in ["6σ", "6sigma", "Six Sigma", "６Σ", "six  SIGMA"] {
        assert_known_answer(query, &[], &want);
    }
    let spc = expected(&cases, "SPC", all);
    let term = expected(&cases, "统计过程控制", all);
    assert!(
        !spc.is_subset(&term) && !term.is_subset(&spc),
        "{spc:?} {term:?}"
    );
    assert_known_answer("SPC", &[], &spc.union(&term).cloned().collect());
    // A synonym inside a query of several words.
    let both = expected(&cases, "六西格玛 精益", |_| true);
    assert!(!both.is_empty());
    assert_known_answer("6sigma 精益", &[], &both);
}

/// TPM finds a case that writes 全员生产维护 (none of the example's does),
/// and a site's own `[search] synonyms` table replaces the defaults.
#[test]
fn tpm_finds_total_productive_maintenance_and_a_site_table_replaces_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path();
    let config = std::fs::read_to_string(root().join("casebook.toml")).unwrap();
    std::fs::write(site.join("casebook.toml"), &config).unwrap();
    let cases = site.join("content/cases");
    std::fs::create_dir_all(&cases).unwrap();
    let case = std::fs::read_to_string(root().join("content/cases/2022/2022-002.md")).unwrap();
    std::fs::write(
        cases.join("2022-002.md"),
        format!("{case}\n\n车间推行全员生产维护，设备综合效率持续提升。\n"),
    )
    .unwrap();
    let found = |query: &str| -> Vec<String> {
        let out = casebook(&["search", "--json", "--root", path(site), query]);
        assert!(out.status.success(), "{out:?}");
        let hits: Value = serde_json::from_slice(&out.stdout).unwrap();
        ids(hits.as_array().unwrap())
    };
    assert_eq!(found("TPM"), ["2022-002"]);
    assert_eq!(found("ｔｐｍ"), ["2022-002"]);
    let own = format!("{config}\n[search]\nsynonyms = {{ \"全员生产维护\" = [\"TPM管理\"] }}\n");
    std::fs::write(site.join("casebook.toml"), own).unwrap();
    assert_eq!(found("TPM管理"), ["2022-002"]);
    assert!(
        found("TPM").is_empty(),
        "the site's table replaced the defaults"
    );
}
