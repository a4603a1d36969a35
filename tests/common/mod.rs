//! Helpers shared by the integration tests: running the `casebook` binary,
//! building fixture sites into temporary folders (once per test binary),
//! reading `check --format json`, snapshotting output folders, a link checker
//! over the built HTML and a small XML well-formedness check.
//!
//! Each test binary uses a different subset of these.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, Once};

use scraper::{Html, Selector};
use serde::Deserialize;
use tempfile::TempDir;

pub mod common_terms;

pub const BIN: &str = env!("CARGO_BIN_EXE_casebook");

/// Whether `CI`'s value means "under CI": anything but empty, `0` or
/// `false` (any case). CI services set `true` (`.ci/run` does) or `1`.
pub fn is_ci_value(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false"
    )
}

/// Whether the tests run under CI (the one rule every test uses: see
/// [`is_ci_value`]). Under CI a test that needs a missing tool fails.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| is_ci_value(&v))
}

/// `test` cannot run here: `missing` is not installed (`install` installs
/// it). Under CI that fails the test; elsewhere it says `SKIPPED` on the
/// process's own stderr, which libtest's capture (it takes only `print!`
/// and `eprint!` output) leaves alone, so a local run shows what did not
/// run even without `--nocapture`.
pub fn skip(test: &str, missing: &str, install: &str) {
    if ci() {
        panic!("{test}: {missing} is not installed, and CI is set: install it ({install})");
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {missing} not installed (install: {install})"
    );
}

/// The repository root: the bundled example site lives here.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(name)
}

/// A temporary folder under Cargo's per-project temp dir (target/tmp).
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("casebook-test-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("create temp dir")
}

/// Run `casebook ARGS…` and wait for it.
pub fn casebook<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(BIN)
        // Keep messages in the default form whatever the caller's terminal is.
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .expect("run casebook")
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("casebook exited normally")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A site built into a temporary folder.
pub struct Built {
    /// Holds the output folder alive.
    _dir: TempDir,
    pub out: PathBuf,
    pub code: i32,
    pub stderr: String,
}

impl Built {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.out.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        let path = self.path(rel);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read output file {}: {e}", path.display()))
    }

    pub fn html(&self, rel: &str) -> Html {
        Html::parse_document(&self.read(rel))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).is_file()
    }

    /// Every output file, relative and `/`-separated, with its bytes.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.out)
    }
}

/// Folders to remove when the test process exits.
static REMOVE_AT_EXIT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

extern "C" fn remove_registered() {
    if let Ok(dirs) = REMOVE_AT_EXIT.lock() {
        for dir in dirs.iter() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Remove `dir` when the process exits (libtest returns from `main` or
/// calls `process::exit`; both run `atexit` handlers).
pub fn remove_at_exit(dir: &Path) {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a plain function that takes no arguments and
        // neither unwinds nor touches state that exit has torn down.
        unsafe {
            libc::atexit(remove_registered);
        }
    });
    REMOVE_AT_EXIT.lock().unwrap().push(dir.to_path_buf());
}

/// [`build_ok`] for a build kept in a `static` for the whole test binary:
/// statics are never dropped, so its folder is removed at exit instead.
pub fn build_shared(root: &Path, extra: &[&str]) -> Built {
    let built = build_ok(root, extra);
    remove_at_exit(built._dir.path());
    built
}

/// The bundled example site, built once per test binary.
pub fn example() -> &'static Built {
    static BUILT: std::sync::OnceLock<Built> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| build_shared(&repo_root(), &[]))
}

/// The basic fixture, built once per test binary.
pub fn basic() -> &'static Built {
    static BUILT: std::sync::OnceLock<Built> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| build_shared(&fixture("basic"), &[]))
}

/// The basic fixture built with `--drafts`, once per test binary.
pub fn basic_drafts() -> &'static Built {
    static BUILT: std::sync::OnceLock<Built> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| build_shared(&fixture("basic"), &["--drafts"]))
}

/// `casebook build --root ROOT --output TMP/out EXTRA…`.
pub fn build(root: &Path, extra: &[&str]) -> Built {
    let dir = temp_dir();
    let out = dir.path().join("out");
    let mut args: Vec<std::ffi::OsString> = vec![
        "build".into(),
        "--root".into(),
        root.into(),
        "--output".into(),
        out.clone().into(),
    ];
    args.extend(extra.iter().map(Into::into));
    let output = casebook(&args);
    Built {
        _dir: dir,
        out,
        code: code(&output),
        stderr: stderr(&output),
    }
}

/// Like [`build`], but fail the test unless the build succeeded.
pub fn build_ok(root: &Path, extra: &[&str]) -> Built {
    let built = build(root, extra);
    assert_eq!(
        built.code,
        0,
        "build of {} failed:\n{}",
        root.display(),
        built.stderr
    );
    built
}

/// One entry of `casebook check --format json`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Diag {
    pub rule: String,
    pub severity: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[serde(default)]
    pub help: Option<String>,
}

impl Diag {
    pub fn is_error(&self) -> bool {
        self.severity == "error"
    }
}

/// Run `casebook check --format json` on `root`: exit code and diagnostics.
pub fn check_json(root: &Path) -> (i32, Vec<Diag>) {
    let output = casebook([
        "check".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    let text = stdout(&output);
    let diags: Vec<Diag> = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "check --format json printed invalid JSON ({e}):\n{text}\nstderr:\n{}",
            stderr(&output)
        )
    });
    (code(&output), diags)
}

/// Does `s` hold any CJK ideograph (is the message in Chinese)?
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| matches!(c as u32, 0x4E00..=0x9FFF))
}

/// Copy a folder tree (fixtures are never modified in place).
/// A copy of the bundled example site (its `casebook.toml` and
/// `content/`) at `root`, for a test to edit; `root` is returned.
pub fn example_site_at(root: &Path) -> PathBuf {
    copy_dir(&repo_root().join("content"), &root.join("content"));
    std::fs::copy(
        repo_root().join("casebook.toml"),
        root.join("casebook.toml"),
    )
    .unwrap();
    root.to_path_buf()
}

/// A copy of the site or folder `from` at `to`, without the cache a test
/// that built `from` in place left there (a fresh site has none).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".casebook-cache" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file below `dir` (relative, `/`-separated) with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, into: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, into);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                into.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

/// Text of an element with whitespace runs collapsed.
pub fn text_of(element: scraper::ElementRef) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------
// Link checking
// ---------------------------------------------------------------------------

fn is_external(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

/// `rel` attribute values whose `href` loads a resource into the page.
const RESOURCE_RELS: &[&str] = &[
    "stylesheet",
    "icon",
    "apple-touch-icon",
    "preload",
    "modulepreload",
    "manifest",
    "mask-icon",
];

/// One URL-bearing attribute of an element.
struct Ref {
    element: String,
    attr: &'static str,
    url: String,
    /// Loads a resource into the page (image, stylesheet, icon, script).
    loads: bool,
}

/// What the link check needs from one parsed page.
struct PageLinks {
    ids: HashSet<String>,
    refs: Vec<Ref>,
}

fn page_links(html: &str) -> PageLinks {
    let html = Html::parse_document(html);
    let ids = html
        .select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect();
    let mut refs = Vec::new();
    for element in html.select(&sel("[href], [src], [srcset], meta[http-equiv]")) {
        let el = element.value();
        let name = el.name().to_string();
        // `srcset="a.png 1x, b.png 2x"`: each candidate's URL.
        for candidate in el.attr("srcset").unwrap_or("").split(',') {
            if let Some(url) = candidate.split_whitespace().next() {
                refs.push(Ref {
                    element: name.clone(),
                    attr: "srcset",
                    url: url.to_string(),
                    loads: true,
                });
            }
        }
        if let Some(src) = el.attr("src") {
            refs.push(Ref {
                element: name.clone(),
                attr: "src",
                url: src.to_string(),
                loads: true,
            });
        }
        if let Some(href) = el.attr("href") {
            let rels = el.attr("rel").unwrap_or("").to_ascii_lowercase();
            let loads =
                name == "link" && rels.split_whitespace().any(|r| RESOURCE_RELS.contains(&r));
            refs.push(Ref {
                element: name.clone(),
                attr: "href",
                url: href.to_string(),
                loads,
            });
        }
        let refresh = el
            .attr("http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case("refresh"));
        if name == "meta" && refresh {
            let content = el.attr("content").unwrap_or("");
            if let Some((_, url)) = content.split_once("url=") {
                refs.push(Ref {
                    element: name.clone(),
                    attr: "refresh",
                    url: url.trim().to_string(),
                    loads: false,
                });
            }
        }
    }
    PageLinks { ids, refs }
}

/// Check every HTML file below `out`: each internal `href`/`src`/`srcset` (after
/// stripping `?query` and `#fragment`; folders resolve to `index.html`)
/// names an existing output file, each `#fragment` of an internal link to a
/// page names an element id on it, and no `src`, stylesheet/icon `href` or
/// script points to another host. Root-relative URLs must start with
/// `base_path` (`/` or `/sub/`). Returns every problem found.
pub fn link_problems(out: &Path, base_path: &str) -> Vec<String> {
    // Parse every page once, then check its links against the others.
    let pages: BTreeMap<PathBuf, PageLinks> = snapshot(out)
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".html"))
        .map(|(rel, bytes)| (out.join(rel), page_links(&String::from_utf8_lossy(&bytes))))
        .collect();
    let mut problems = Vec::new();
    for (page, links) in &pages {
        let rel = page.strip_prefix(out).unwrap().display();
        for Ref {
            element,
            attr,
            url,
            loads,
        } in &links.refs
        {
            let at = format!("{rel}: <{element} {attr}=\"{url}\">");
            if is_external(url) {
                if *loads || element == "script" {
                    problems.push(format!("{at} loads a resource from another host"));
                }
                continue;
            }
            if url.to_ascii_lowercase().starts_with("javascript:") {
                problems.push(format!("{at} is a javascript: URL"));
                continue;
            }
            if url.starts_with("data:") || url.starts_with("mailto:") || url.starts_with("tel:") {
                continue;
            }
            if let Some(problem) = check_internal(out, page, url, base_path, &pages) {
                problems.push(format!("{at} {problem}"));
            }
        }
    }
    problems
}

fn check_internal(
    out: &Path,
    page: &Path,
    url: &str,
    base_path: &str,
    pages: &BTreeMap<PathBuf, PageLinks>,
) -> Option<String> {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let path = before_fragment.split('?').next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let mut target = if decoded.is_empty() {
        page.to_path_buf()
    } else if let Some(abs) = decoded.strip_prefix('/') {
        let Some(below) = format!("/{abs}")
            .strip_prefix(base_path)
            .map(str::to_string)
        else {
            return Some(format!("is not below the base path {base_path}"));
        };
        out.join(below)
    } else {
        page.parent().unwrap().join(&decoded)
    };
    if decoded.ends_with('/') || target.is_dir() {
        target = target.join("index.html");
    }
    // No `..` may climb out of the output folder.
    let normalized: PathBuf = target.components().fold(PathBuf::new(), |mut p, c| {
        match c {
            std::path::Component::ParentDir => {
                p.pop();
            }
            std::path::Component::CurDir => {}
            other => p.push(other),
        }
        p
    });
    if !normalized.starts_with(out) {
        return Some("points outside the output folder".to_string());
    }
    if !normalized.is_file() {
        return Some(format!(
            "points to a missing file {}",
            normalized.strip_prefix(out).unwrap().display()
        ));
    }
    if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
        let fragment = percent_encoding::percent_decode_str(fragment)
            .decode_utf8_lossy()
            .into_owned();
        let missing = pages
            .get(&normalized)
            .is_some_and(|target| !target.ids.contains(&fragment));
        if missing {
            return Some(format!("points to a missing anchor #{fragment}"));
        }
    }
    None
}

// ---------------------------------------------------------------------------
// XML
// ---------------------------------------------------------------------------

fn valid_reference(s: &str) -> bool {
    match s {
        "amp" | "lt" | "gt" | "quot" | "apos" => true,
        _ => {
            if let Some(hex) = s.strip_prefix("#x").or_else(|| s.strip_prefix("#X")) {
                !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
            } else if let Some(dec) = s.strip_prefix('#') {
                !dec.is_empty() && dec.chars().all(|c| c.is_ascii_digit())
            } else {
                false
            }
        }
    }
}

fn check_text(text: &str, at: usize) -> Result<(), String> {
    if text.contains('<') {
        return Err(format!("stray '<' at byte {at}"));
    }
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .ok_or_else(|| format!("unterminated entity near byte {at}"))?;
        if !valid_reference(&after[..end]) {
            return Err(format!("bad entity &{}; near byte {at}", &after[..end]));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// A small XML well-formedness check: one root element, tags balanced and
/// properly nested, attribute values quoted, every `&` a valid reference.
/// Enough to catch a broken template or unescaped text in a feed.
pub fn xml_well_formed(xml: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut pos = 0;
    let bytes = xml.as_bytes();
    while pos < xml.len() {
        let Some(lt) = xml[pos..].find('<').map(|i| pos + i) else {
            check_text(&xml[pos..], pos)?;
            if !xml[pos..].trim().is_empty() && stack.is_empty() {
                return Err("text after the root element".into());
            }
            break;
        };
        let text = &xml[pos..lt];
        check_text(text, pos)?;
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root element at byte {pos}"));
        }
        let rest = &xml[lt..];
        if rest.starts_with("<?") {
            pos = lt + rest.find("?>").ok_or("unterminated <?…?>")? + 2;
        } else if rest.starts_with("<!--") {
            pos = lt + rest.find("-->").ok_or("unterminated comment")? + 3;
        } else if rest.starts_with("<![CDATA[") {
            pos = lt + rest.find("]]>").ok_or("unterminated CDATA")? + 3;
        } else if let Some(close) = rest.strip_prefix("</") {
            let end = close.find('>').ok_or("unterminated end tag")?;
            let name = close[..end].trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?} at byte {lt}")),
            }
            pos = lt + 2 + end + 1;
        } else {
            // Start tag: name, attributes, `>` or `/>`; `>` inside quoted
            // attribute values does not end it.
            let mut i = lt + 1;
            let name_end = xml[i..]
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .map(|n| i + n)
                .ok_or("unterminated start tag")?;
            let name = &xml[i..name_end];
            if name.is_empty() {
                return Err(format!("empty tag name at byte {lt}"));
            }
            i = name_end;
            let mut quote: Option<u8> = None;
            let mut value_start = 0;
            let self_closing;
            loop {
                let b = *bytes.get(i).ok_or("unterminated start tag")?;
                match quote {
                    Some(q) if b == q => {
                        check_text(&xml[value_start..i], value_start)?;
                        quote = None;
                    }
                    Some(_) => {}
                    None if b == b'"' || b == b'\'' => {
                        if !xml[..i].trim_end().ends_with('=') {
                            return Err(format!("attribute value without name at byte {i}"));
                        }
                        quote = Some(b);
                        value_start = i + 1;
                    }
                    None if b == b'>' => {
                        self_closing = xml[..i].ends_with('/');
                        break;
                    }
                    None => {}
                }
                i += 1;
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name);
            }
            pos = i + 1;
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{open}> is never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

/// Replace XML character and entity references with the text they stand for.
pub fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(';') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let reference = &after[..end];
        let c = match reference {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => reference
                .strip_prefix("#x")
                .or_else(|| reference.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| reference.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => out.push(c),
            None => out.push_str(&rest[i..i + 1 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The unescaped text of every `<tag>…</tag>` (or `<tag attr…>…</tag>`).
pub fn xml_texts(xml: &str, tag: &str) -> Vec<String> {
    let mut found = Vec::new();
    let open_plain = format!("<{tag}>");
    let open_attr = format!("<{tag} ");
    let close = format!("</{tag}>");
    let mut rest = xml;
    loop {
        let start = match (rest.find(&open_plain), rest.find(&open_attr)) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => break,
        };
        let Some(gt) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(end) = rest[gt..].find(&close).map(|i| gt + i) else {
            break;
        };
        found.push(xml_unescape(&rest[gt..end]));
        rest = &rest[end + close.len()..];
    }
    found
}

/// The unescaped value of attribute `attr` on every `<tag …>`.
pub fn xml_attrs(xml: &str, tag: &str, attr: &str) -> Vec<String> {
    let open = format!("<{tag} ");
    let needle = format!("{attr}=\"");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let tag_text = &rest[start..];
        let end = tag_text.find('>').unwrap_or(tag_text.len());
        let tag_text = &tag_text[..end];
        if let Some(v) = tag_text.find(&needle) {
            let value = &tag_text[v + needle.len()..];
            if let Some(q) = value.find('"') {
                found.push(xml_unescape(&value[..q]));
            }
        }
        rest = &rest[start + end..];
    }
    found
}

/// The numbers of a base-32 varint string, as `search.js` decodes the
/// search export (`src/search/export.rs`).
pub fn varints(text: &str) -> Vec<u32> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut value, mut shift) = (0u32, 0);
    for c in text.chars() {
        let d = ALPHABET.find(c).expect("a base64url digit") as u32;
        value |= (d & 31) << shift;
        if d & 32 != 0 {
            shift += 5;
        } else {
            out.push(value);
            (value, shift) = (0, 0);
        }
    }
    assert_eq!(shift, 0, "{text} ends inside a number");
    out
}

/// A copy of `tests/fixtures/rulebook-good` in `dir/site`, for imports.
pub fn import_site(dir: &Path) -> PathBuf {
    let root = dir.join("site");
    copy_dir(&fixture("rulebook-good"), &root);
    root
}

/// `casebook import DOCX --root ROOT EXTRA…`.
pub fn import_command(root: &Path, docx: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "import".as_ref(),
        docx.as_os_str(),
        "--root".as_ref(),
        root.as_os_str(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    casebook(args)
}

/// Every sitemap the sitemap index (`sitemap.xml`) lists, read from `out`
/// (the index's URLs end in the file's name), concatenated.
pub fn sitemaps(out: &Path) -> String {
    let index = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(index.contains("<sitemapindex"), "{index}");
    xml_texts(&index, "loc")
        .iter()
        .map(|loc| {
            let name = loc.rsplit('/').next().unwrap();
            std::fs::read_to_string(out.join(name)).unwrap()
        })
        .collect()
}
