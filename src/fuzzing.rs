//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), kept in the
//! library so that `tests/fuzz_corpus.rs` replays the committed corpus and
//! every crasher through exactly the same code without libFuzzer.
//!
//! Each takes arbitrary bytes and must return without panicking, whatever
//! they are; the targets check a few properties on top (see each function).

use std::path::PathBuf;
use std::sync::LazyLock;

use crate::config::Config;
use crate::content::{self, ParseOptions, SourceFile, SourceKind};
use crate::markdown::{self, MarkdownOptions};
use crate::search::{self, Filters, Mode, SearchIndex};

/// The example site's configuration: its term lists make realistic front
/// matter valid, so the fuzzer gets past the first field.
static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    Config::parse(include_str!("../casebook.toml")).expect("the example casebook.toml is valid")
});

/// An empty folder standing in for the site root (relative image paths
/// resolve against it and find nothing). One for every process: nothing
/// writes into it, and a folder per process was left behind by each run.
static ROOT: LazyLock<PathBuf> = LazyLock::new(|| {
    let dir = std::env::temp_dir().join("casebook-fuzz-root");
    let _ = std::fs::create_dir_all(&dir);
    dir.canonicalize().unwrap_or(dir)
});

fn source(name: &str) -> SourceFile {
    SourceFile {
        path: ROOT.join(name),
        rel: format!("content/cases/{name}"),
        dir: ROOT.clone(),
    }
}

/// A case file's bytes: decoding (BOM, CRLF, GBK detection), the front
/// matter split, YAML, every field reader, the writing rules and the body.
/// Every diagnostic must point inside the file: a line from 1 to the
/// file's last (one past it for a problem at its end), or line 0 for the
/// rules in [`WHOLE_FILE`], which concern the file as a whole.
pub fn case_file(data: &[u8]) {
    let options = ParseOptions {
        config: &CONFIG,
        root: &ROOT,
        base_path: "/".to_string(),
        highlight: false,
        keep_markdown: false,
    };
    let (_, diagnostics) = content::parse_bytes(SourceKind::Case, data, source("x.md"), &options);
    let lines = data.split(|&b| b == b'\n').count();
    for d in &diagnostics {
        assert!(!d.message.is_empty(), "a diagnostic without a message");
        assert!(
            (1..=lines + 1).contains(&d.line) || (d.line == 0 && WHOLE_FILE.contains(&d.rule)),
            "{} at line {} of a file of {lines} lines",
            d.rule,
            d.line
        );
    }
    // The same bytes as a free-form page and as a book preface.
    let _ = content::parse_bytes(SourceKind::Page, data, source("p.md"), &options);
}

/// Rules that may concern a case file as a whole (line 0): a UTF-16 file
/// has no UTF-8 line to point at.
pub const WHOLE_FILE: &[&str] = &[crate::diagnostics::rules::ENCODING_INVALID];

/// A Markdown body: the pipeline with highlighting and the case
/// conventions, then the property that matters for a public site: no
/// script, event handler, `javascript:` URL or frame survives sanitising.
pub fn markdown_body(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = MarkdownOptions {
        file: "content/cases/x.md",
        first_line: 1,
        dir: &ROOT,
        root: &ROOT,
        base_path: "/",
        page_path: "cases/2023-001/",
        fixed_anchor: |_| None,
        summary_anchor: None,
        require_captions: true,
        highlight: true,
        keep_markdown: false,
    };
    let (body, _) = markdown::render(text, &options);
    assert_no_active_content(&body.html);
}

/// Attributes whose value a browser loads or follows as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "cite",
    "longdesc",
    "data",
    "ping",
    "lowsrc",
    "dynsrc",
    "manifest",
    "codebase",
    "classid",
    "archive",
    "icon",
    "profile",
    "usemap",
];

/// Panics if `html` holds markup that could run script.
pub fn assert_no_active_content(html: &str) {
    let lower = html.to_ascii_lowercase();
    for tag in [
        "<script", "<iframe", "<object", "<embed", "<frame", "<style",
    ] {
        assert!(!lower.contains(tag), "{tag} in rendered HTML: {html}");
    }
    // An event handler is an attribute `on…=` inside a tag; text outside
    // tags may say anything (it is escaped).
    for tag in tags(&lower) {
        for (name, value) in attributes(tag) {
            assert!(!name.starts_with("on"), "event handler {name} in <{tag}>");
            // Only an attribute a browser follows as a URL can run a
            // script URL; `alt="vbscript:…"` is text.
            let value = value.trim_start();
            assert!(
                !URL_ATTRIBUTES.contains(&name)
                    || !value.starts_with("javascript:") && !value.starts_with("vbscript:"),
                "script URL in <{tag}>"
            );
        }
    }
}

/// The inside of every `<…>` of `html`, quoted `>` kept inside.
fn tags(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<').map(|p| i + p) {
        let mut quote = None;
        let mut j = lt + 1;
        while j < bytes.len() {
            match (quote, bytes[j]) {
                (None, b'>') => break,
                (None, q @ (b'"' | b'\'')) => quote = Some(q),
                (Some(q), b) if b == q => quote = None,
                _ => {}
            }
            j += 1;
        }
        found.push(&html[lt + 1..j.min(html.len())]);
        i = j.min(html.len());
        if i == lt {
            i += 1;
        }
    }
    found
}

/// `name=value` pairs of a tag's inside (after its name), quotes removed.
fn attributes(tag: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let rest = tag.trim_start_matches(|c: char| !c.is_ascii_whitespace());
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let mut value = "";
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, tail) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(q).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = v;
            rest = tail;
        } else if name.is_empty() {
            // A stray `/` or `=`: skip one character.
            rest = rest.get(1..).unwrap_or("");
        }
        if !name.is_empty() {
            found.push((name, value));
        }
        rest = rest.trim_start();
    }
    found
}

/// The example site's search index, built once.
static INDEX: LazyLock<Option<SearchIndex>> = LazyLock::new(|| {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let request = crate::build::Request::new(&root, crate::build::Mode::Publish);
    let loaded = crate::build::load(&request, &indicatif::ProgressBar::hidden()).ok()?;
    let derived = loaded.derive().ok()?;
    SearchIndex::build(&derived.site).ok()
});

/// A search query as typed into the box: the analyzer in both modes, the
/// query terms, snippets over a fixed text, and a real search with each
/// filter against the example site's index.
pub fn search_query(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    let _ = search::analyze(&query, Mode::Index);
    let terms = search::query_terms(&query);
    const TEXT: &str = "上海芯程微电子有限公司导入六西格玛设计（DFSS），2022年晶圆一次良率达到97.2%。Lean production 精益生产";
    let _ = search::find_matches(TEXT, &terms);
    let _ = search::around_matches(TEXT, &terms, search::SNIPPET_CHARS);
    let _ = search::around_matches(&query, &terms, 10);
    if let Some(index) = INDEX.as_ref() {
        let filters = Filters {
            area: Some(query.chars().take(8).collect()),
            ..Filters::default()
        };
        if let Ok(hits) = index.search(&query, &Filters::default(), 5) {
            for hit in hits {
                let _ = hit.to_json();
            }
        }
        let _ = index.search(&query, &filters, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_content_is_recognised() {
        assert_no_active_content(
            "<p>onload= is text &lt;script&gt;</p><img alt=\"a onclick=x\" src=\"/x.png\">",
        );
        // A script scheme in text attributes is text.
        assert_no_active_content(
            "<img alt=\"vbscript:趋势\" src=\"/x.png\" title=\"javascript:\">",
        );
        for bad in [
            "<p><script>alert(1)</script></p>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=/x></iframe>",
            "<a title='x>y' onclick=go()>x</a>",
            "<img srcset=\"javascript:x 1x\">",
            "<form action=\" vbscript:x\"></form>",
        ] {
            assert!(std::panic::catch_unwind(|| assert_no_active_content(bad)).is_err());
        }
    }
}
