//! Integration tests of what promotion teams use: short links, the
//! published URL list (`urls.txt`) and the check that no published URL is
//! lost between builds.

mod common;

use std::path::Path;

use common::*;

/// A copy of the basic fixture in a temp folder, safe to edit.
fn basic_copy() -> tempfile::TempDir {
    let dir = temp_dir();
    copy_dir(&fixture("basic"), dir.path());
    dir
}

fn build_into(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<std::ffi::OsString> = vec![
        "build".into(),
        "--root".into(),
        root.into(),
        "--output".into(),
        out.into(),
    ];
    args.extend(extra.iter().map(Into::into));
    casebook(&args)
}

#[test]
fn urls_txt_lists_every_published_url_sorted() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = std::fs::read_to_string(out.join("urls.txt")).unwrap();
    let urls: Vec<&str> = text.lines().collect();
    let mut sorted = urls.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(urls, sorted, "sorted, no duplicates");
    for url in [
        "/",
        "/cases/2022-001/",
        "/c/2022-001",
        "/c/2022-001/",
        "/c/2022-001.html",
        "/areas/",
        "/old/2022-002.html",
        "/anli/2022-002/",
        "/atom.xml",
        "/overview/",
        "/data/cases.json",
        "/data/cases.csv",
        "/data/cases.xlsx",
    ] {
        assert!(urls.contains(&url), "{url} missing from urls.txt:\n{text}");
    }
    for url in &urls {
        assert!(url.starts_with('/'), "{url}");
        assert!(
            !url.contains("/css/")
                && !url.ends_with(".png")
                // Search shards are assets; the open data are promised URLs.
                && (!url.ends_with(".json") || url.starts_with("/data/")),
            "asset listed: {url}"
        );
        assert!(!url.contains("2024-001"), "unpublished case listed: {url}");
    }
}

#[test]
fn a_lost_url_fails_the_build_until_aliased_or_allowed() {
    let site = basic_copy();
    let out = site.path().join("out");
    let first = build_into(site.path(), &out, &[]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let before = snapshot(&out);

    std::fs::remove_file(site.path().join("content/cases/2023/2023-002.md")).unwrap();
    let second = build_into(site.path(), &out, &[]);
    let err = stderr(&second);
    assert_eq!(code(&second), 1, "{err}");
    assert!(err.contains("url-removed"), "{err}");
    assert!(err.contains("/cases/2023-002/"), "{err}");
    assert!(err.contains("--allow-removed"), "{err}");
    assert!(has_cjk(&err));
    // One diagnostic for the case (its short links are named with it).
    assert_eq!(err.matches("url-removed").count(), 1, "{err}");
    assert_eq!(snapshot(&out), before, "a failed build changed the output");

    // Allowed explicitly: passes, and the new list no longer has it.
    let allowed_out = site.path().join("out-allowed");
    copy_dir(&out, &allowed_out);
    let allowed = build_into(
        site.path(),
        &allowed_out,
        &["--allow-removed", "/cases/2023-002/"],
    );
    assert_eq!(code(&allowed), 0, "{}", stderr(&allowed));
    let urls = std::fs::read_to_string(allowed_out.join("urls.txt")).unwrap();
    assert!(!urls.contains("2023-002"), "{urls}");

    // `--published FILE` names the list to compare with.
    let elsewhere = site.path().join("out-elsewhere");
    let published = site.path().join("previous-urls.txt");
    std::fs::copy(out.join("urls.txt"), &published).unwrap();
    let checked = build_into(
        site.path(),
        &elsewhere,
        &["--published", published.to_str().unwrap()],
    );
    assert_eq!(code(&checked), 1, "{}", stderr(&checked));
    assert!(!elsewhere.exists());

    // Kept alive by an alias on the case that replaces it: passes.
    let replacement = site.path().join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&replacement).unwrap();
    let text = text.replacen(
        "id: \"2023-003\"\n",
        "id: \"2023-003\"\naliases: [\"/cases/2023-002/\"]\n",
        1,
    );
    std::fs::write(&replacement, text).unwrap();
    let third = build_into(site.path(), &out, &[]);
    assert_eq!(code(&third), 0, "{}", stderr(&third));
    let page = std::fs::read_to_string(out.join("cases/2023-002/index.html")).unwrap();
    assert!(page.contains("url=/cases/2023-003/"), "{page}");
}

#[test]
fn drafts_builds_keep_the_published_list() {
    let site = basic_copy();
    let out = site.path().join("out");
    assert_eq!(code(&build_into(site.path(), &out, &[])), 0);
    let list = std::fs::read_to_string(out.join("urls.txt")).unwrap();
    let drafts = build_into(site.path(), &out, &["--drafts"]);
    assert_eq!(code(&drafts), 0, "{}", stderr(&drafts));
    assert_eq!(std::fs::read_to_string(out.join("urls.txt")).unwrap(), list);
    // The next real build compares with the last real one: passes.
    let again = build_into(site.path(), &out, &[]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
}

/// `zbarimg`, or `None` (with a SKIPPED line) when it is not installed.
/// Under CI (`common::ci`) a missing zbarimg fails the test instead.
fn zbarimg() -> Option<&'static str> {
    let found = std::process::Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok();
    if found {
        return Some("zbarimg");
    }
    skip("QR decoding", "zbarimg", "apt-get install zbar-tools");
    None
}

#[test]
fn qr_codes_decode_to_the_short_links() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for id in ["2022-001", "2022-002", "2023-001", "2023-002", "2023-003"] {
        let svg = std::fs::read_to_string(out.join(format!("qr/{id}.svg"))).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(out.join(format!("qr/{id}.png")).is_file());
    }
    assert!(!out.join("qr/2024-001.png").exists(), "unpublished case");
    let Some(zbarimg) = zbarimg() else { return };
    for id in ["2022-001", "2022-002", "2023-001", "2023-002", "2023-003"] {
        let png = out.join(format!("qr/{id}.png"));
        let decoded = std::process::Command::new(zbarimg)
            .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
            .arg(&png)
            .output()
            .unwrap();
        assert!(decoded.status.success(), "{}", stderr(&decoded));
        assert_eq!(
            stdout(&decoded).trim_end(),
            format!("https://fixture.example.org/c/{id}"),
            "{}",
            png.display()
        );
    }
}

fn meta(page: &scraper::Html, css: &str) -> String {
    let found: Vec<String> = page
        .select(&sel(css))
        .filter_map(|e| e.value().attr("content").map(str::to_string))
        .collect();
    assert_eq!(found.len(), 1, "{css}: {found:?}");
    found[0].clone()
}

fn json_ld(page: &scraper::Html) -> serde_json::Value {
    let scripts: Vec<String> = page
        .select(&sel("script[type='application/ld+json']"))
        .map(|e| e.inner_html())
        .collect();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    serde_json::from_str(&scripts[0]).unwrap_or_else(|e| panic!("{e}: {}", scripts[0]))
}

const BASE_URL: &str = "https://fixture.example.org/";

#[test]
fn case_pages_carry_share_metadata() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let read =
        |rel: &str| scraper::Html::parse_document(&std::fs::read_to_string(out.join(rel)).unwrap());

    // With a cover: the cover is the share image.
    let page = read("cases/2022-001/index.html");
    let title = "上海测芯微电子有限公司实施六西格玛提升良率的经验";
    let url = format!("{BASE_URL}cases/2022-001/");
    assert_eq!(meta(&page, "meta[property='og:title']"), title);
    assert_eq!(meta(&page, "meta[property='og:type']"), "article");
    assert_eq!(meta(&page, "meta[property='og:url']"), url);
    assert_eq!(meta(&page, "meta[property='og:locale']"), "zh_CN");
    assert!(!meta(&page, "meta[property='og:site_name']").is_empty());
    assert_eq!(
        meta(&page, "meta[property='og:image']"),
        format!("{BASE_URL}cases/2022-001/cover.png")
    );
    assert_eq!(
        meta(&page, "meta[name='twitter:card']"),
        "summary_large_image"
    );
    // The case's abstract (摘要), short enough to be the description whole.
    let description = meta(&page, "meta[name=description]");
    assert_eq!(
        description,
        "测芯公司系统导入六西格玛，晶圆一次良率三年提升五个百分点。"
    );
    assert_eq!(meta(&page, "meta[property='og:description']"), description);
    let ld = json_ld(&page);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["headline"], title);
    assert_eq!(ld["description"], description.as_str());
    assert_eq!(ld["url"], url.as_str());
    assert_eq!(ld["publisher"]["@type"], "Organization");
    assert_eq!(ld["publisher"]["name"], "测试发布单位");
    assert_eq!(ld["author"]["@type"], "Organization");
    assert_eq!(ld["author"]["name"], "上海测芯微电子有限公司");
    assert_eq!(ld["about"]["name"], "上海测芯微电子有限公司");

    // Without a cover: its square share poster, published, 1080×1080 as
    // the card says.
    let page = read("cases/2023-003/index.html");
    let image = meta(&page, "meta[property='og:image']");
    let rel = image.strip_prefix(BASE_URL).expect("absolute image URL");
    assert_eq!(rel, "cases/2023-003/share/poster-square.png", "{image}");
    let png = std::fs::read(out.join(rel)).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1080, 1080));
    assert_eq!(meta(&page, "meta[property='og:image:width']"), "1080");

    // Other pages: a website card with absolute URLs.
    let home = read("index.html");
    assert_eq!(meta(&home, "meta[property='og:type']"), "website");
    assert_eq!(meta(&home, "meta[property='og:url']"), BASE_URL);
    assert!(meta(&home, "meta[property='og:image']").starts_with(BASE_URL));
    assert_eq!(
        home.select(&sel("script[type='application/ld+json']"))
            .count(),
        0
    );
}

#[test]
fn share_metadata_is_escaped() {
    let site = basic_copy();
    let file = site.path().join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let title = "测联\"<>&</script>推行QC小组的经验";
    let text = text.replacen(
        "title: 上海测联汽车电子有限公司深化QC小组活动的经验",
        "title: '测联\"<>&</script>推行QC小组的经验'",
        1,
    );
    std::fs::write(&file, text).unwrap();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let raw = std::fs::read_to_string(out.join("cases/2023-003/index.html")).unwrap();
    // Only the visible title in <h1>/<title> and attributes, all escaped.
    assert!(!raw.contains("\"<>&"), "unescaped title in:\n{raw}");
    assert!(!raw.contains("</script>推行"), "script broken out of");
    assert!(raw.contains("content=\"测联&quot;&lt;&gt;&amp;&lt;/script&gt;推行QC小组的经验\""));
    assert!(raw.contains("测联\\\"\\u003c\\u003e\\u0026\\u003c/script\\u003e推行"));
    let page = scraper::Html::parse_document(&raw);
    assert_eq!(meta(&page, "meta[property='og:title']"), title);
    assert_eq!(json_ld(&page)["headline"], title);
}

#[test]
fn share_kit_has_the_short_link_qr_and_text() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let raw = std::fs::read_to_string(out.join("cases/2022-002/share/index.html")).unwrap();
    let page = scraper::Html::parse_document(&raw);
    let short = format!("{BASE_URL}c/2022-002");
    let text: Vec<String> = page
        .select(&sel("textarea#share-text"))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(text.len(), 1);
    assert!(
        text[0].contains("上海测驰汽车部件有限公司推行精益生产的经验"),
        "{}",
        text[0]
    );
    assert!(text[0].contains(&short), "{}", text[0]);
    let imgs: Vec<&str> = page
        .select(&sel("img"))
        .filter_map(|e| e.value().attr("src"))
        .collect();
    assert!(imgs.contains(&"/qr/2022-002.svg"), "{imgs:?}");
    let links: Vec<&str> = page
        .select(&sel("a"))
        .filter_map(|e| e.value().attr("href"))
        .collect();
    assert!(links.contains(&short.as_str()), "{links:?}");
    // The copy button's script is a file, and the button is hidden without it.
    let scripts: Vec<&str> = page
        .select(&sel("script[src]"))
        .filter_map(|e| e.value().attr("src"))
        .collect();
    assert!(
        scripts.iter().any(|s| s.starts_with("/js/share.")),
        "{scripts:?}"
    );
    assert_eq!(page.select(&sel("button[data-copy][hidden]")).count(), 1);
    assert_eq!(
        page.select(&sel("meta[name=robots][content=noindex]"))
            .count(),
        1
    );
    // The case page links to it; the sitemap does not list it.
    let case = std::fs::read_to_string(out.join("cases/2022-002/index.html")).unwrap();
    assert!(case.contains("href=\"/cases/2022-002/share/\""));
    let sitemap = sitemaps(&out);
    assert!(!sitemap.contains("/share/"));
    assert!(
        link_problems(&out, "/").is_empty(),
        "{:?}",
        link_problems(&out, "/")
    );
}

#[test]
fn share_images_carry_their_size() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let read =
        |rel: &str| scraper::Html::parse_document(&std::fs::read_to_string(out.join(rel)).unwrap());
    // The cover's own size, read from its header.
    let page = read("cases/2022-001/index.html");
    assert_eq!(meta(&page, "meta[property='og:image:width']"), "400");
    assert_eq!(meta(&page, "meta[property='og:image:height']"), "400");
    // A case without a cover shares its square poster (1080×1080).
    let page = read("cases/2023-003/index.html");
    assert_eq!(meta(&page, "meta[property='og:image:width']"), "1080");
    assert_eq!(meta(&page, "meta[property='og:image:height']"), "1080");
    // The theme's default pictures (600×600) on other pages.
    for rel in ["index.html", "areas/index.html"] {
        let page = read(rel);
        assert_eq!(
            meta(&page, "meta[property='og:image:width']"),
            "600",
            "{rel}"
        );
        assert_eq!(
            meta(&page, "meta[property='og:image:height']"),
            "600",
            "{rel}"
        );
    }
}

#[test]
fn a_cover_too_small_for_wechat_is_a_warning() {
    let site = basic_copy();
    let file = site.path().join("content/cases/2022/2022-001/index.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen("cover: cover.png", "cover: yield-trend.png", 1),
    )
    .unwrap();
    let (code, diags) = check_json(site.path());
    assert_eq!(code, 0, "a warning alone does not fail: {diags:?}");
    let small: Vec<&Diag> = diags.iter().filter(|d| d.rule == "cover-small").collect();
    assert_eq!(small.len(), 1, "{diags:?}");
    let d = small[0];
    assert_eq!(d.severity, "warning");
    assert_eq!(d.file, "content/cases/2022/2022-001/index.md");
    assert_eq!((d.line, d.column), (22, 1));
    assert!(
        d.message.contains("4×3") && d.message.contains("300×300"),
        "{d:?}"
    );
    assert!(has_cjk(d.help.as_deref().unwrap_or("")));
}

/// Characters that may end a description cut at a sentence end.
fn ends_a_sentence(s: &str) -> bool {
    s.trim_end_matches(['”', '’', '」', '）'])
        .ends_with(['。', '！', '？', '；', '!', '?', ';'])
}

#[test]
fn descriptions_are_whole_sentences_of_the_abstract() {
    // The example site: real abstracts, several longer than a description.
    let built = build_shared(&repo_root(), &[]);
    let mut cut = 0;
    for entry in std::fs::read_dir(built.path("cases")).unwrap() {
        let dir = entry.unwrap().path();
        let page = scraper::Html::parse_document(
            &std::fs::read_to_string(dir.join("index.html")).unwrap(),
        );
        let description = meta(&page, "meta[name=description]");
        let abstract_text: String = page
            .select(&sel("#abstract ~ p"))
            .next()
            .map(text_of)
            .unwrap_or_default();
        let n = description.chars().count();
        assert!(n <= 120, "{}: {n} characters", dir.display());
        assert!(
            ends_a_sentence(&description),
            "{}: description does not end a sentence: {description}",
            dir.display()
        );
        // Its first sentences, word for word.
        assert!(
            abstract_text.starts_with(&description),
            "{}: {description:?} does not begin the abstract {abstract_text:?}",
            dir.display()
        );
        if abstract_text.chars().count() > n {
            cut += 1;
        }
        assert_eq!(meta(&page, "meta[property='og:description']"), description);
    }
    assert!(cut >= 3, "only {cut} abstracts were long enough to be cut");
    // A long abstract (about 230 characters): its first two sentences
    // make 93, the third would pass 120.
    let page = built.html("cases/2023-004/index.html");
    assert_eq!(
        meta(&page, "meta[name=description]"),
        "上海港城精密传动有限公司是临港新片区一家专业生产工业机器人用RV精密减速器的高端装备企业。\
         精密减速器的传动精度以角秒计，关键零件尺寸公差仅为2-3微米，传统的抽检和离线测量难以满足要求。"
    );
}

#[test]
fn redirect_pages_keep_the_query_string() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for rel in [
        "c/2022-001/index.html",
        "c/2022-001.html",
        "old/2022-002.html",
    ] {
        let raw = std::fs::read_to_string(out.join(rel)).unwrap();
        assert!(
            raw.contains("location.replace(\"/cases/")
                && raw.contains("+ location.search + location.hash)"),
            "{rel}:\n{raw}"
        );
        assert!(raw.contains("http-equiv=\"refresh\""), "{rel}");
    }
}

/// Every text file of a built site, by path.
fn text_files(out: &Path) -> Vec<(String, String)> {
    snapshot(out)
        .into_iter()
        .filter_map(|(path, bytes)| String::from_utf8(bytes).ok().map(|t| (path, t)))
        .collect()
}

#[test]
fn wechat_sdk_is_off_by_default_and_leaves_no_trace() {
    let site = basic_copy();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for (path, text) in text_files(&out) {
        assert!(
            !path.contains("wechat"),
            "{path} published without [wechat]"
        );
        for trace in ["jweixin", "res.wx.qq.com", "wechat.", "data-wechat"] {
            assert!(!text.contains(trace), "{path} mentions {trace}");
        }
    }
}

#[test]
fn wechat_sdk_when_configured() {
    let site = basic_copy();
    let config = site.path().join("casebook.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[wechat]\napp_id = \"wx0123456789abcdef\"\nsignature_endpoint = \"/api/wechat-signature\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    let scripts = |rel: &str| -> Vec<(String, String)> {
        let page = scraper::Html::parse_document(&std::fs::read_to_string(out.join(rel)).unwrap());
        page.select(&sel("head script[src]"))
            .map(|e| {
                let v = e.value();
                (
                    v.attr("src").unwrap().to_string(),
                    v.attr("data-wechat-endpoint").unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    for rel in [
        "index.html",
        "cases/2022-001/index.html",
        "cases/2023-003/index.html",
    ] {
        let found = scripts(rel);
        let sdk = found
            .iter()
            .position(|(src, _)| src == "https://res.wx.qq.com/open/js/jweixin-1.6.0.js");
        let ours = found
            .iter()
            .position(|(src, _)| src.starts_with("/js/wechat."));
        let (Some(sdk), Some(ours)) = (sdk, ours) else {
            panic!("{rel}: {found:?}");
        };
        assert!(sdk < ours, "{rel}: the SDK must run first: {found:?}");
        assert_eq!(found[ours].1, "/api/wechat-signature");
        assert!(out.join(found[ours].0.trim_start_matches('/')).is_file());
        let raw = std::fs::read_to_string(out.join(rel)).unwrap();
        assert!(
            raw.contains("data-wechat-app-id=\"wx0123456789abcdef\""),
            "{rel}"
        );
    }
    // Only the home and case pages load it.
    for rel in [
        "areas/index.html",
        "search/index.html",
        "cases/2022-001/share/index.html",
    ] {
        let raw = std::fs::read_to_string(out.join(rel)).unwrap();
        assert!(
            !raw.contains("jweixin") && !raw.contains("wechat."),
            "{rel}"
        );
    }
}

#[test]
fn wechat_app_id_without_endpoint_fails_with_a_chinese_explanation() {
    let site = basic_copy();
    let config = site.path().join("casebook.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[wechat]\napp_id = \"wx0123456789abcdef\"\n");
    std::fs::write(&config, text).unwrap();
    let out = site.path().join("out");
    let output = build_into(site.path(), &out, &[]);
    let err = stderr(&output);
    assert_eq!(code(&output), 1, "{err}");
    assert!(err.contains("config-invalid"), "{err}");
    assert!(
        err.contains("signature_endpoint") && err.contains("签名"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn only_case_pages_with_code_load_the_code_colours() {
    let built = build_shared(&repo_root(), &[]);
    let (mut with, mut without) = (0, 0);
    for entry in std::fs::read_dir(built.path("cases")).unwrap() {
        let page = entry.unwrap().path().join("index.html");
        let raw = std::fs::read_to_string(&page).unwrap();
        let has_code = raw.contains("<pre class=\"code\"");
        let links_syntax = scraper::Html::parse_document(&raw)
            .select(&sel("link[rel=stylesheet]"))
            .filter_map(|e| e.value().attr("href"))
            .any(|href| href.starts_with("/css/syntax."));
        assert_eq!(has_code, links_syntax, "{}", page.display());
        if has_code {
            with += 1;
        } else {
            without += 1;
        }
    }
    assert!(
        with >= 1 && without >= 1,
        "{with} with code, {without} without"
    );
}
