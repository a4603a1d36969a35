//! The typeset book (`casebook compile --pdf`), read back from the PDF
//! with poppler (`pdfinfo`, `pdffonts`, `pdftotext`, and `pdftohtml -xml`
//! for each text run's font, size and position): A4, fonts embedded as
//! subsets and never Type 3, the programme's sizes, bold and centring,
//! Latin in the serif, cases on rectos in the book's order, page numbers in
//! the contents and indices that match, and content that cannot run as
//! Typst code. The case list and order come from the HTML book beside the
//! PDF, which tests/compilation.rs checks against the content.
//!
//! Needs poppler-utils and the fonts of `[book]` (on Debian
//! fonts-noto-cjk and fonts-liberation): under CI it fails without them,
//! elsewhere it skips and says so on stderr.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::*;
use scraper::Html;

const INSTALL: &str = "apt-get install poppler-utils fonts-noto-cjk fonts-liberation";

/// One run of text on a page, in points (`pdftohtml -xml -zoom 2`, halved).
#[derive(Debug, Clone)]
struct Run {
    top: f64,
    left: f64,
    width: f64,
    size: f64,
    family: String,
    bold: bool,
    text: String,
}

impl Run {
    fn centre(&self) -> f64 {
        self.left + self.width / 2.0
    }
}

struct Printed {
    pdf: PathBuf,
    /// Runs of each page, from page 1.
    pages: Vec<Vec<Run>>,
    /// Case ids, titles and enterprises in the HTML book's order.
    cases: Vec<(String, String, String)>,
    /// Part names in order.
    parts: Vec<String>,
}

fn have_poppler() -> bool {
    ["pdfinfo", "pdffonts", "pdftotext", "pdftohtml"]
        .iter()
        .all(|tool| {
            Command::new(tool)
                .arg("-v")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// The example site's newest book, typeset once for all tests here.
fn printed(test: &str) -> Option<&'static Printed> {
    static PRINTED: OnceLock<Option<Printed>> = OnceLock::new();
    let printed = PRINTED.get_or_init(|| {
        if !have_poppler() {
            return None;
        }
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("typeset-example");
        let _ = std::fs::remove_dir_all(&out);
        let output = compile(&repo_root(), &out, &[]);
        if code(&output) != 0 && stderr(&output).contains("找不到排版年度汇编所需的字体")
        {
            return None;
        }
        assert_eq!(code(&output), 0, "{}", stderr(&output));
        Some(read(&out))
    });
    if printed.is_none() {
        skip(test, "poppler-utils or the book's fonts", INSTALL);
    }
    printed.as_ref()
}

const YEAR: &str = "2023";

fn compile(root: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["compile", "--pdf", "--year", YEAR];
    args.extend(extra);
    casebook(
        args.iter()
            .map(|a| a.as_ref())
            .chain([
                "--root".as_ref(),
                root.as_os_str(),
                "--output".as_ref(),
                out.as_os_str(),
            ])
            .collect::<Vec<&std::ffi::OsStr>>(),
    )
}

/// `compile --pdf --single-sided` of `root` into `out`, which must
/// succeed: the PDF's path, or `None` (skipped, saying so) when the
/// machine lacks the book's fonts.
fn compiled_single_sided(test: &str, root: &Path, out: &Path) -> Option<PathBuf> {
    let output = compile(root, out, &["--single-sided"]);
    if stderr(&output).contains("找不到排版年度汇编所需的字体") {
        skip(test, "the book's fonts", INSTALL);
        return None;
    }
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    Some(out.join(format!("compilation/{YEAR}.pdf")))
}

fn read(out: &Path) -> Printed {
    let pdf = out.join(format!("compilation/{YEAR}.pdf"));
    let html = Html::parse_document(
        &std::fs::read_to_string(out.join(format!("compilation/{YEAR}/print/index.html"))).unwrap(),
    );
    let cases = html
        .select(&sel("article.book-case"))
        .map(|article| {
            let title = text_of(article.select(&sel(".case-title")).next().unwrap());
            let enterprise = text_of(article.select(&sel(".case-enterprise")).next().unwrap());
            let id = article.value().attr("data-case-id").unwrap().to_string();
            (id, title, enterprise)
        })
        .collect();
    let parts = html.select(&sel(".part-opener h1")).map(text_of).collect();
    Printed {
        pages: runs(&pdf),
        pdf,
        cases,
        parts,
    }
}

fn tool(program: &str, args: &[&str], pdf: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .arg(pdf)
        .args(if program == "pdftotext" {
            &["-"][..]
        } else {
            &[]
        })
        .output()
        .unwrap();
    assert!(output.status.success(), "{program} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every page's text runs with their fonts.
fn runs(pdf: &Path) -> Vec<Vec<Run>> {
    let xml = tool("pdftohtml", &["-xml", "-i", "-zoom", "2", "-stdout"], pdf);
    let doc = roxmltree::Document::parse_with_options(
        &xml,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let mut fonts = std::collections::HashMap::new();
    let mut pages = Vec::new();
    for page in doc.descendants().filter(|n| n.has_tag_name("page")) {
        let mut runs = Vec::new();
        for node in page.children().filter(|n| n.is_element()) {
            let num = |name: &str| node.attribute(name).unwrap().parse::<f64>().unwrap() / 2.0;
            if node.has_tag_name("fontspec") {
                let id = node.attribute("id").unwrap().to_string();
                let family = node.attribute("family").unwrap().to_string();
                fonts.insert(id, (num("size"), family));
            } else if node.has_tag_name("text") {
                let (size, family) = fonts[node.attribute("font").unwrap()].clone();
                runs.push(Run {
                    top: num("top"),
                    left: num("left"),
                    width: num("width"),
                    size,
                    family,
                    bold: node.descendants().any(|d| d.has_tag_name("b")),
                    text: node
                        .descendants()
                        .filter(|d| d.is_text())
                        .filter_map(|d| d.text())
                        .collect::<String>(),
                });
            }
        }
        pages.push(runs);
    }
    pages
}

fn flat(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Centre of the text column of page `page` (from 1): the middle of the
/// widest lines of all pages on the same side (rectos and versos have
/// mirrored margins), leaving out runs that end or start with punctuation,
/// which hangs into the margin.
fn column_centre(printed: &Printed, page: usize) -> f64 {
    let same_side = printed
        .pages
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 2 == (page - 1) % 2)
        .flat_map(|(_, runs)| runs);
    let opening = ['（', '“', '‘', '《'];
    let closing = ['。', '，', '、', '；', '：', '）', '”', '’', '》'];
    let left = same_side
        .clone()
        .filter(|r| !r.text.starts_with(opening))
        .map(|r| r.left)
        .fold(f64::MAX, f64::min);
    let right = same_side
        .filter(|r| !r.text.trim_end().ends_with(closing))
        .map(|r| r.left + r.width)
        .fold(f64::MIN, f64::max);
    (left + right) / 2.0
}

/// The centre of the line `run` is on (its runs differ in top by a few
/// points where Latin and CJK faces meet).
fn line_centre(runs: &[Run], run: &Run) -> f64 {
    let line: Vec<&Run> = runs
        .iter()
        .filter(|r| (r.top - run.top).abs() < 4.0)
        .collect();
    let left = line.iter().map(|r| r.left).fold(f64::MAX, f64::min);
    let right = line
        .iter()
        .map(|r| r.left + r.width)
        .fold(f64::MIN, f64::max);
    (left + right) / 2.0
}

/// A page's runs by line, top to bottom, each line left to right.
fn lines(runs: &[Run]) -> Vec<Vec<&Run>> {
    let mut sorted: Vec<&Run> = runs.iter().collect();
    sorted.sort_by(|a, b| a.top.total_cmp(&b.top));
    let mut lines: Vec<Vec<&Run>> = Vec::new();
    for run in sorted {
        match lines.last_mut() {
            Some(line) if (run.top - line[0].top).abs() < 4.0 => line.push(run),
            _ => lines.push(vec![run]),
        }
    }
    for line in &mut lines {
        line.sort_by(|a, b| a.left.total_cmp(&b.left));
    }
    lines
}

fn is_latin(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic())
}

/// The page (from 1) whose 18 pt runs spell `title`.
fn title_page(printed: &Printed, title: &str) -> usize {
    let found: Vec<usize> = (0..printed.pages.len())
        .filter(|&p| {
            let runs: String = printed.pages[p]
                .iter()
                .filter(|r| (r.size - 18.0).abs() < 1.5)
                .map(|r| r.text.as_str())
                .collect();
            flat(&runs) == flat(title)
        })
        .map(|p| p + 1)
        .collect();
    assert_eq!(found.len(), 1, "{title} set in 18 pt on pages {found:?}");
    found[0]
}

/// The folio printed at the foot of page `page` (from 1).
fn folio(printed: &Printed, page: usize) -> String {
    let runs = &printed.pages[page - 1];
    let bottom = runs.iter().map(|r| r.top).fold(f64::MIN, f64::max);
    runs.iter()
        .filter(|r| r.top == bottom)
        .map(|r| r.text.trim().to_string())
        .collect()
}

/// Text lines of the pages that hold `heading`, through the next opener.
fn section_lines(printed: &Printed, heading: &str) -> Vec<String> {
    let text = tool("pdftotext", &["-layout"], &printed.pdf);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let start = pages
        .iter()
        .position(|p| p.lines().any(|l| l.trim() == heading))
        .unwrap_or_else(|| panic!("no page with {heading}"));
    pages[start..]
        .iter()
        .take(4)
        .flat_map(|p| p.lines().map(str::to_string))
        .collect()
}

/// The page numbers at the end of the dot-leader line naming `name`.
fn leader_pages(lines: &[String], name: &str) -> Vec<String> {
    let line = lines
        .iter()
        .find(|l| flat(l).starts_with(&flat(name)) && l.contains(".."))
        .unwrap_or_else(|| panic!("no line for {name} in:\n{}", lines.join("\n")));
    let tail = line.rsplit("..").next().unwrap();
    tail.split([',', '，'])
        .map(|n| {
            n.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// Outline (bookmark) titles, which Typst writes as UTF-16 hex strings.
fn outline_titles(pdf: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(pdf);
    text.split("/Title<FEFF")
        .skip(1)
        .map(|rest| {
            let hex = &rest[..rest.find('>').unwrap()];
            let units: Vec<u16> = (0..hex.len() / 4)
                .map(|i| u16::from_str_radix(&hex[i * 4..i * 4 + 4], 16).unwrap())
                .collect();
            String::from_utf16_lossy(&units)
        })
        .collect()
}

#[test]
fn the_pdf_is_a4_with_metadata_and_only_embedded_subset_fonts() {
    let Some(printed) = printed("the_pdf_is_a4_with_metadata_and_only_embedded_subset_fonts")
    else {
        return;
    };
    let info = tool("pdfinfo", &[], &printed.pdf);
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name}: {info}"))
            .trim()
            .to_string()
    };
    assert!(field("Page size").ends_with("(A4)"), "{info}");
    assert_eq!(
        field("Title"),
        format!("{YEAR}年度“质量标杆”典型经验案例汇编")
    );
    assert_eq!(field("Author"), "上海市经济和信息化委员会");
    assert_eq!(field("Tagged"), "yes");
    let fonts = tool("pdffonts", &[], &printed.pdf);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 4, "{fonts}");
    for row in &rows {
        assert!(!row.contains("Type 3"), "Type 3 font:\n{fonts}");
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!((cols[n - 5], cols[n - 4]), ("yes", "yes"), "{row}");
    }
    assert!(
        rows.iter().any(|r| r.contains("Bold")),
        "a real bold face:\n{fonts}"
    );
    let titles = outline_titles(&std::fs::read(&printed.pdf).unwrap());
    for name in printed
        .parts
        .iter()
        .chain(printed.cases.iter().map(|c| &c.1))
    {
        assert!(titles.contains(name), "no bookmark {name}: {titles:?}");
    }
}

#[test]
fn titles_abstracts_body_and_captions_follow_the_programme() {
    let Some(printed) = printed("titles_abstracts_body_and_captions_follow_the_programme") else {
        return;
    };
    let mut captions = 0;
    let mut body_family = String::new();
    for (_, title, _) in &printed.cases {
        let page = title_page(printed, title);
        let runs = &printed.pages[page - 1];
        let centre = column_centre(printed, page);
        for run in runs.iter().filter(|r| (r.size - 18.0).abs() < 0.3) {
            assert!(
                (line_centre(runs, run) - centre).abs() < 3.0,
                "title not centred: {run:?}"
            );
            assert!(run.family.contains("Sans"), "title not in 黑体: {run:?}");
        }
        let abstract_heading = runs
            .iter()
            .find(|r| r.text.trim() == "摘要")
            .unwrap_or_else(|| panic!("no 摘要 on page {page}"));
        assert!(
            (abstract_heading.size - 14.0).abs() < 0.3,
            "{abstract_heading:?}"
        );
        assert!(abstract_heading.bold, "摘要 not bold: {abstract_heading:?}");
        assert!((abstract_heading.centre() - centre).abs() < 3.0);
        // The abstract right below it: 宋体 小四.
        let below = runs
            .iter()
            .find(|r| r.top > abstract_heading.top + 5.0 && r.text.chars().count() > 5)
            .unwrap();
        assert!((below.size - 12.0).abs() < 0.3, "abstract size: {below:?}");
        assert!(!below.bold);
        body_family = below.family.clone();
    }
    for (n, runs) in printed.pages.iter().enumerate() {
        let centre = column_centre(printed, n + 1);
        for line in lines(runs) {
            let text = flat(&line.iter().map(|r| r.text.as_str()).collect::<String>());
            let is_caption = ["图", "表"].iter().any(|k| {
                text.strip_prefix(k)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            });
            if is_caption && (line[0].size - 10.5).abs() < 0.3 {
                captions += 1;
                assert!(line.iter().all(|r| r.bold), "caption not bold: {line:?}");
                assert!(
                    (line_centre(runs, line[0]) - centre).abs() < 4.0,
                    "caption not centred: {line:?}"
                );
            }
            // Latin letters beside the body's 宋体: in the serif (code
            // keeps its monospace).
            if line.iter().any(|r| r.family == body_family) {
                let latin = line
                    .iter()
                    .filter(|r| is_latin(&r.text) && !r.family.contains("Mono"));
                for run in latin {
                    assert!(
                        ["LiberationSerif", "TimesNewRoman", "TeXGyreTermes"]
                            .iter()
                            .any(|f| run.family.contains(f)),
                        "Latin run not in the serif: {run:?}"
                    );
                }
            }
        }
    }
    assert!(captions >= printed.cases.len(), "{captions} captions");
}

#[test]
fn titles_are_balanced_and_no_line_starts_with_closing_punctuation() {
    let Some(printed) = printed("titles_are_balanced_and_no_line_starts_with_closing_punctuation")
    else {
        return;
    };
    let width = |line: &[&Run]| {
        let last = line[line.len() - 1];
        last.left + last.width - line[0].left
    };
    for (id, title, _) in &printed.cases {
        let runs = &printed.pages[title_page(printed, title) - 1];
        let widths: Vec<f64> = lines(runs)
            .iter()
            .filter(|line| line.iter().all(|r| (r.size - 18.0).abs() < 0.3))
            .map(|line| width(line))
            .collect();
        let (short, long) = widths
            .iter()
            .fold((f64::MAX, 0.0_f64), |(s, l), w| (s.min(*w), l.max(*w)));
        assert!(
            short > 0.6 * long,
            "{id}: title lines of {widths:?} points, one nearly alone"
        );
    }
    let closing = [
        '。', '，', '、', '；', '：', '）', '”', '’', '》', '！', '？',
    ];
    for (n, runs) in printed.pages.iter().enumerate() {
        for line in lines(runs) {
            let text = line[0].text.trim_start();
            assert!(
                !text.starts_with(closing),
                "page {}: a line starts with closing punctuation: {text}",
                n + 1
            );
        }
    }
    // The cover's quotes (“质量标杆”) are the 黑体's, not the Latin sans's.
    for run in printed.pages[0].iter().filter(|r| r.text.contains('“')) {
        assert!(run.family.contains("CJK"), "cover quotes in {}", run.family);
    }
}

#[test]
fn cases_start_on_rectos_in_order_and_contents_and_indices_give_their_pages() {
    let Some(printed) =
        printed("cases_start_on_rectos_in_order_and_contents_and_indices_give_their_pages")
    else {
        return;
    };
    let contents = section_lines(printed, "目录");
    let enterprise_index = section_lines(printed, "按企业名称索引（以汉语拼音为序）");
    let mut last = 0;
    for (id, title, enterprise) in &printed.cases {
        let page = title_page(printed, title);
        assert!(page % 2 == 1, "{id} starts on page {page}, a verso");
        assert!(page > last, "{id} is out of the book's order");
        last = page;
        let printed_number = folio(printed, page);
        let listed = leader_pages(&contents, title);
        assert_eq!(listed, vec![printed_number.clone()], "contents for {id}");
        let indexed = leader_pages(&enterprise_index, enterprise);
        assert!(
            indexed.contains(&printed_number),
            "{enterprise}: index gives {indexed:?}, {id} starts on {printed_number}"
        );
        // No running head above a case's title; the next page has one.
        let runs = &printed.pages[page - 1];
        let top = runs.iter().map(|r| r.top).fold(f64::MAX, f64::min);
        assert!(
            runs.iter()
                .filter(|r| r.top - top < 3.0)
                .all(|r| r.size > 11.0),
            "{id}: running head on its first page"
        );
        let next = &printed.pages[page];
        let top = next.iter().map(|r| r.top).fold(f64::MAX, f64::min);
        let head: String = next
            .iter()
            .filter(|r| r.top - top < 3.0)
            .map(|r| r.text.as_str())
            .collect();
        assert_eq!(
            flat(&head),
            flat(&format!("{YEAR}年度“质量标杆”典型经验案例汇编")),
            "verso head after {id}"
        );
    }
}

#[test]
fn parts_open_on_rectos_and_blank_pages_are_versos() {
    let Some(printed) = printed("parts_open_on_rectos_and_blank_pages_are_versos") else {
        return;
    };
    let contents = section_lines(printed, "目录");
    for (n, name) in printed.parts.iter().enumerate() {
        let pages: Vec<usize> = (1..=printed.pages.len())
            .filter(|&p| {
                let runs = &printed.pages[p - 1];
                runs.iter()
                    .any(|r| flat(&r.text) == flat(name) && r.size > 18.0)
            })
            .collect();
        assert_eq!(pages.len(), 1, "part {name} opens on pages {pages:?}");
        let page = pages[0];
        assert!(page % 2 == 1, "part {} opens on page {page}", n + 1);
        let runs = &printed.pages[page - 1];
        assert!(
            runs.iter()
                .all(|r| r.size > 11.0 || r.text.trim() == folio(printed, page)),
            "a running head on part {name}'s title page: {runs:?}"
        );
        assert_eq!(
            leader_pages(&contents, name),
            vec![folio(printed, page)],
            "contents for part {name}"
        );
    }
    for (n, runs) in printed.pages.iter().enumerate() {
        if runs.is_empty() {
            assert!((n + 1) % 2 == 0, "page {} is a blank recto", n + 1);
        }
    }
}

#[test]
fn deeply_nested_quotes_and_lists_are_typeset_not_refused() {
    if !have_poppler() {
        skip(
            "deeply_nested_quotes_and_lists_are_typeset_not_refused",
            "poppler-utils",
            INSTALL,
        );
        return;
    }
    // Content `check` accepts: Typst's parser and show rules refuse such
    // depth, so the book sets it flat below a few levels.
    let dir = temp_dir();
    let root = dir.path().join("site");
    common::example_site_at(&root);
    let case = root.join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&case).unwrap();
    let quotes = format!("{}深层引用结束\n\n", "> ".repeat(3000));
    let list: String = (0..200)
        .map(|i| format!("{}- 层{i}\n", "  ".repeat(i)))
        .collect();
    let key = "\n## 管理方法（技术）的实施效果";
    let text = text.replacen(key, &format!("\n{quotes}{list}\n{key}"), 1);
    std::fs::write(&case, text).unwrap();
    let out = dir.path().join("out");
    let test = "deeply_nested_quotes_and_lists_are_typeset_not_refused";
    let Some(pdf) = compiled_single_sided(test, &root, &out) else {
        return;
    };
    let text = flat(&tool("pdftotext", &[], &pdf));
    assert!(
        text.contains("深层引用结束"),
        "the quote's text is in the book"
    );
    assert!(
        text.contains("层0") && text.contains("层199"),
        "every list level's text is in the book"
    );
}

#[test]
fn content_cannot_run_as_typst_code() {
    if !have_poppler() {
        skip("content_cannot_run_as_typst_code", "poppler-utils", INSTALL);
        return;
    }
    let dir = temp_dir();
    let root = dir.path().join("site");
    common::example_site_at(&root);
    let case = root.join("content/cases/2023/2023-003.md");
    let text = std::fs::read_to_string(&case).unwrap();
    let hostile = r"注入检验：\# \$ \[ \] \\ \< \@ \* \_ \= // \` ~ -- ... 完";
    let text = text.replacen("\n## 企业概况", &format!("\n{hostile}\n\n## 企业概况"), 1);
    std::fs::write(&case, text).unwrap();
    let out = dir.path().join("out");
    let test = "content_cannot_run_as_typst_code";
    let Some(pdf) = compiled_single_sided(test, &root, &out) else {
        return;
    };
    let text = tool("pdftotext", &[], &pdf);
    assert!(
        flat(&text).contains(r"注入检验：#$[]\<@*_=//`~--...完"),
        "{}",
        text
    );
}

#[test]
fn single_sided_has_no_blank_pages_and_pdf_a_says_so() {
    let Some(printed) = printed("single_sided_has_no_blank_pages_and_pdf_a_says_so") else {
        return;
    };
    let dir = temp_dir();
    let out = dir.path().join("out");
    let output = compile(&repo_root(), &out, &["--single-sided", "--pdf-a"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let pdf = out.join(format!("compilation/{YEAR}.pdf"));
    let pages = runs(&pdf);
    assert!(pages.len() < printed.pages.len(), "{} pages", pages.len());
    for (n, page) in pages.iter().enumerate() {
        assert!(!page.is_empty(), "page {} is blank", n + 1);
    }
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("pdfaid:part>2<") || text.contains("pdfaid:part=\"2\""),
        "no PDF/A-2 identification"
    );
    assert!(text.contains("pdfaid:conformance>B<") || text.contains("pdfaid:conformance=\"B\""));
    // PDF/A's output intent: the sRGB profile its colours are in.
    for key in ["/OutputIntents", "/GTS_PDFA1", "/DestOutputProfile"] {
        assert!(text.contains(key), "PDF/A without {key}");
    }
}

#[test]
fn missing_fonts_are_named_with_how_to_install_them() {
    let dir = temp_dir();
    let root = dir.path().join("site");
    copy_dir(&repo_root().join("content"), &root.join("content"));
    let config = std::fs::read_to_string(repo_root().join("casebook.toml")).unwrap();
    let config = format!("{config}\n[book]\nsong = [\"不存在的宋体\"]\n");
    std::fs::write(root.join("casebook.toml"), config).unwrap();
    let out = dir.path().join("out");
    let output = compile(&root, &out, &[]);
    assert_eq!(code(&output), 1);
    let message = stderr(&output);
    assert!(message.contains("不存在的宋体"), "{message}");
    assert!(
        message.contains("apt-get install fonts-noto-cjk"),
        "{message}"
    );
    assert!(!out.exists(), "nothing written");
}

/// A site copied from the example with `extra` appended to its
/// `casebook.toml`, or `None` (skipped) without poppler.
fn site_with_config(test: &str, extra: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if !have_poppler() {
        skip(test, "poppler-utils", INSTALL);
        return None;
    }
    let dir = temp_dir();
    let root = dir.path().join("site");
    common::example_site_at(&root);
    let config = std::fs::read_to_string(root.join("casebook.toml")).unwrap();
    std::fs::write(
        root.join("casebook.toml"),
        format!("{config}\n[book]\n{extra}\n"),
    )
    .unwrap();
    Some((dir, root))
}

#[test]
fn the_cover_shows_the_configured_picture() {
    let test = "the_cover_shows_the_configured_picture";
    let Some((dir, root)) = site_with_config(test, "cover = \"static/book-cover.png\"") else {
        return;
    };
    std::fs::create_dir_all(root.join("static")).unwrap();
    std::fs::copy(
        repo_root().join("content/cases/2023/2023-001/cover.png"),
        root.join("static/book-cover.png"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let Some(pdf) = compiled_single_sided(test, &root, &out) else {
        return;
    };
    let list = tool("pdfimages", &["-list", "-f", "1", "-l", "1"], &pdf);
    assert!(
        list.lines()
            .skip(2)
            .any(|l| l.split_whitespace().nth(2) == Some("image")),
        "no picture on the cover:\n{list}"
    );
}

#[test]
fn a_cover_that_is_missing_or_not_a_picture_is_refused_before_anything_is_written() {
    let test = "a_cover_that_is_missing_or_not_a_picture_is_refused_before_anything_is_written";
    for (setting, reason) in [
        ("static/none.png", "找不到这个文件"),
        ("casebook.toml", "不是 PNG 或 JPEG"),
        ("../outside.png", "相对路径"),
    ] {
        let Some((dir, root)) = site_with_config(test, &format!("cover = \"{setting}\"")) else {
            return;
        };
        if !cover_is_refused(test, &root, &dir.path().join("out"), &[reason]) {
            return;
        }
    }
}

/// `compile --pdf` of `root` into `out` fails on its `[book] cover` with
/// a message on `casebook.toml` holding each of `says`, writing nothing;
/// false (skipped, said so) on a machine without the book's fonts.
fn cover_is_refused(test: &str, root: &Path, out: &Path, says: &[&str]) -> bool {
    let output = compile(root, out, &[]);
    let message = stderr(&output);
    if message.contains("找不到排版年度汇编所需的字体") {
        skip(test, "the book's fonts", INSTALL);
        return false;
    }
    assert_eq!(code(&output), 1, "{message}");
    for part in says.iter().chain(&["casebook.toml"]) {
        assert!(message.contains(part), "{part}: {message}");
    }
    assert!(!out.exists(), "nothing written");
    true
}

/// A whole, valid PNG of 30,000 × 30,000 black pixels (1 bit each): a few
/// hundred KB on disk, 3.6 GB once decoded as RGBA.
fn huge_png() -> Vec<u8> {
    use std::io::Write;
    let side = 30_000u32;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![0u8; side.div_ceil(8) as usize];
    for _ in 0..side {
        stream.write_all(&row).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn a_cover_of_too_many_pixels_is_refused_naming_the_file() {
    let test = "a_cover_of_too_many_pixels_is_refused_naming_the_file";
    let Some((dir, root)) = site_with_config(test, "cover = \"static/huge.png\"") else {
        return;
    };
    std::fs::create_dir_all(root.join("static")).unwrap();
    let huge = huge_png();
    assert!(huge.len() < 1024 * 1024, "{} bytes", huge.len());
    std::fs::write(root.join("static/huge.png"), huge).unwrap();
    let says = ["static/huge.png", "30000×30000 像素"];
    cover_is_refused(test, &root, &dir.path().join("out"), &says);
}
