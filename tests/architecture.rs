//! Rules about the shape of the code, read from `src/**/*.rs`:
//!
//! - no import cycle, of any length, between sibling modules;
//! - `Config::load(` and `Theme::load(` are each called from one place
//!   (outside `#[cfg(test)]` code), so every command loads a site the same way.
//!
//! The analyser is plain string processing, no parser crate. It blanks
//! comments and string and character literals, splits the rest into tokens,
//! and collects every path that starts with `crate::`, `super::` or `self::`
//! plus every `use` tree (groups expanded, `use crate::{a::{b, c}, d}` is
//! three paths). Modules come from the file names (`src/x.rs` and
//! `src/x/mod.rs` are `x`); inline `mod name { … }` blocks only change what
//! `self` and `super` mean inside them, and their code counts as the file's.
//! A path through a `pub use` re-export is followed to where the item is
//! defined. `#[cfg(test)]` code counts for the cycles: it is compiled in test
//! builds.
//!
//! Edges are compared between siblings: a reference from module M to module
//! N becomes an edge between the two children of their lowest common
//! ancestor that hold them (`crate::a::x` → `crate::b::y` is `a → b`); a
//! reference between a module and one of its ancestors is no edge.
//!
//! Known limits: names brought in by a glob (`use super::*`) and then used
//! bare are seen only as the glob; macros are not expanded.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

type ModPath = Vec<String>;

#[test]
fn no_import_cycles_between_sibling_modules() {
    let analysis = analyse(&read_sources());
    let cycles = analysis.cycles();
    assert!(
        cycles.is_empty(),
        "sibling modules import each other ({} cycles; one reference per edge):\n{}",
        cycles.len(),
        analysis.describe_tangles()
    );
}

#[test]
fn config_and_theme_are_each_loaded_in_one_place() {
    let analysis = analyse(&read_sources());
    let mut report = String::new();
    for call in ["Config::load(", "Theme::load("] {
        let sites = analysis.call_sites(call);
        if sites.len() != 1 {
            writeln!(
                report,
                "{call} is called from {} places outside tests (want 1):",
                sites.len()
            )
            .unwrap();
            for site in sites {
                writeln!(report, "  {site}").unwrap();
            }
        }
    }
    assert!(report.is_empty(), "{report}");
}

/// Every `.rs` file under `src/`, as (path relative to `src/`, text).
fn read_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect_rs_files(&src, &src, &mut files);
    files.sort();
    files
}

fn collect_rs_files(dir: &Path, src: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ is readable").path();
        if path.is_dir() {
            collect_rs_files(&path, src, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push((
                rel,
                std::fs::read_to_string(&path).expect("source is UTF-8"),
            ));
        }
    }
}

/// The module a file is, from its path under `src/`; `None` for the
/// binary's files, which are another crate.
fn file_module(rel: &str) -> Option<ModPath> {
    if rel == "main.rs" || rel.starts_with("bin/") {
        return None;
    }
    let mut parts: ModPath = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    Some(parts)
}

fn show(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_string()
    } else {
        path.join("::")
    }
}

// ---------------------------------------------------------------------------
// Lexing: blank out comments and literals, then split into tokens.
// ---------------------------------------------------------------------------

/// The source with comments, strings and character literals replaced by
/// spaces (newlines kept, so line numbers stay right).
fn strip(src: &str) -> Vec<char> {
    let s: Vec<char> = src.chars().collect();
    let mut out = s.clone();
    let mut i = 0;
    while i < s.len() {
        match literal_or_comment_end(&s, i) {
            Some(end) => {
                for c in &mut out[i..end] {
                    if *c != '\n' {
                        *c = ' ';
                    }
                }
                i = end;
            }
            None => i += 1,
        }
    }
    out
}

/// Where the comment or literal starting at `i` ends (exclusive), if one does.
fn literal_or_comment_end(s: &[char], i: usize) -> Option<usize> {
    match (s[i], s.get(i + 1)) {
        ('/', Some('/')) => Some(
            s[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(s.len(), |p| i + p),
        ),
        ('/', Some('*')) => Some(block_comment_end(s, i)),
        ('"', _) => Some(string_end(s, i + 1)),
        ('\'', _) => char_literal_end(s, i),
        ('r' | 'b' | 'c', _) if i == 0 || !is_ident_char(s[i - 1]) => prefixed_literal_end(s, i),
        _ => None,
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Block comments nest in Rust.
fn block_comment_end(s: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < s.len() {
        if s[i] == '/' && s.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    s.len()
}

/// The end of a `"…"` string whose body starts at `i`.
fn string_end(s: &[char], mut i: usize) -> usize {
    while i < s.len() {
        match s[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// `'x'`, `'\n'`, `'\u{1F600}'` are literals; `'a` alone is a lifetime.
fn char_literal_end(s: &[char], i: usize) -> Option<usize> {
    if s.get(i + 1) == Some(&'\\') {
        let close = s[i + 3..].iter().position(|&c| c == '\'')?;
        Some(i + 3 + close + 1)
    } else if s.get(i + 2) == Some(&'\'') {
        Some(i + 3)
    } else {
        None
    }
}

/// `b"…"`, `c"…"`, `r"…"`, `r#"…"#`, `br##"…"##`; `None` for an identifier.
fn prefixed_literal_end(s: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(s[j], 'b' | 'c') {
        j += 1;
    }
    let raw = s.get(j) == Some(&'r');
    if raw {
        j += 1;
    }
    let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
    if s.get(j + hashes) != Some(&'"') || (hashes > 0 && !raw) {
        return None;
    }
    if !raw {
        return Some(string_end(s, j + 1));
    }
    let body = j + hashes + 1;
    let closes = |k: usize| {
        s[k] == '"'
            && s[k + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
    };
    let close = (body..s.len()).find(|&k| closes(k))?;
    Some(close + 1 + hashes)
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    text: String,
    line: usize,
}

impl Token {
    fn is_ident(&self) -> bool {
        self.text.chars().next().is_some_and(is_ident_char)
    }
}

/// Identifiers, `::`, and single punctuation characters, with line numbers.
fn tokenize(code: &[char]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < code.len() {
        let c = code[i];
        let len = if is_ident_char(c) {
            code[i..].iter().take_while(|&&c| is_ident_char(c)).count()
        } else if c == ':' && code.get(i + 1) == Some(&':') {
            2
        } else {
            1
        };
        if !c.is_whitespace() {
            tokens.push(Token {
                text: code[i..i + len].iter().collect(),
                line,
            });
        }
        line += usize::from(c == '\n');
        i += len;
    }
    tokens
}

fn text(tokens: &[Token], i: usize) -> &str {
    tokens.get(i).map_or("", |t| t.text.as_str())
}

// ---------------------------------------------------------------------------
// Test-only code: `#[cfg(test)]` items.
// ---------------------------------------------------------------------------

/// For each token, whether it is inside an item marked `#[cfg(test)]`.
fn test_mask(tokens: &[Token]) -> Vec<bool> {
    let mut mask = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let Some(attr_end) = attribute_end(tokens, i) else {
            i += 1;
            continue;
        };
        if is_cfg_test(&tokens[i..attr_end]) {
            let end = item_end(tokens, attr_end);
            mask[i..end].iter_mut().for_each(|m| *m = true);
            i = end;
        } else {
            i = attr_end;
        }
    }
    mask
}

/// If an outer attribute `#[…]` starts at `i`, the index after its `]`.
fn attribute_end(tokens: &[Token], i: usize) -> Option<usize> {
    if text(tokens, i) != "#" || text(tokens, i + 1) != "[" {
        return None;
    }
    matching_close(tokens, i + 1)
}

/// The index after the bracket closing the one at `open`.
fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (k, token) in tokens.iter().enumerate().skip(open) {
        match token.text.as_str() {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return Some(k + 1);
        }
    }
    None
}

fn is_cfg_test(attribute: &[Token]) -> bool {
    let joined: String = attribute.iter().map(|t| t.text.as_str()).collect();
    joined == "#[cfg(test)]" || joined.starts_with("#[cfg(all(test,")
}

/// The end of the item starting at `i` (after any further attributes): its
/// `;` or the `}` closing its body.
fn item_end(tokens: &[Token], mut i: usize) -> usize {
    while let Some(end) = attribute_end(tokens, i) {
        i = end;
    }
    let mut depth = 0i32;
    for k in i..tokens.len() {
        match text(tokens, k) {
            "(" | "[" => depth += 1,
            ")" | "]" => depth -= 1,
            ";" if depth == 0 => return k + 1,
            "{" if depth == 0 => return matching_close(tokens, k).unwrap_or(tokens.len()),
            _ => {}
        }
    }
    tokens.len()
}

// ---------------------------------------------------------------------------
// One file: its references, re-exports, test-only children and load calls.
// ---------------------------------------------------------------------------

/// A path written in a file: `crate::…`, `super::…`, `self::…`, or any
/// path of a `use` tree.
#[derive(Debug, Clone)]
struct Reference {
    file: String,
    line: usize,
    /// The file's module.
    module: ModPath,
    /// The module the path is written in (the file's, or an inline one).
    scope: ModPath,
    /// The path as written, groups expanded.
    path: Vec<String>,
    from_use: bool,
    /// `pub use`: the name it exports (the alias or the last segment).
    exports: Option<String>,
}

#[derive(Debug, Default)]
struct FileFacts {
    references: Vec<Reference>,
    /// Modules declared `#[cfg(test)] mod name;` here.
    test_children: Vec<ModPath>,
    /// `Type::load(` calls outside test code: (call text, "file:line").
    load_calls: Vec<(String, String)>,
}

/// One path of a `use` tree.
struct UsePath {
    segments: Vec<String>,
    line: usize,
    alias: Option<String>,
    glob: bool,
}

fn scan_file(file: &str, module: &ModPath, src: &str) -> FileFacts {
    let tokens = tokenize(&strip(src));
    let test = test_mask(&tokens);
    let mut scan = Scan {
        file,
        module,
        tokens: &tokens,
        inline: Vec::new(),
        depth: 0,
        facts: FileFacts::default(),
    };
    let mut i = 0;
    while i < tokens.len() {
        i = scan.step(i, test[i]);
    }
    scan.facts.load_calls = load_calls(file, &tokens, &test);
    scan.facts
}

/// `Config::load(` and `Theme::load(` outside test code, however the type
/// is reached (`crate::config::Config::load(` too).
fn load_calls(file: &str, tokens: &[Token], test: &[bool]) -> Vec<(String, String)> {
    let is_call = |i: usize| {
        matches!(text(tokens, i), "Config" | "Theme")
            && text(tokens, i + 1) == "::"
            && text(tokens, i + 2) == "load"
            && text(tokens, i + 3) == "("
    };
    (0..tokens.len())
        .filter(|&i| is_call(i) && !test[i])
        .map(|i| {
            let call = format!("{}::load(", tokens[i].text);
            (call, format!("src/{file}:{}", tokens[i].line))
        })
        .collect()
}

struct Scan<'a> {
    file: &'a str,
    module: &'a ModPath,
    tokens: &'a [Token],
    /// Inline modules open at this point: (name, brace depth inside them).
    inline: Vec<(String, usize)>,
    depth: usize,
    facts: FileFacts,
}

impl Scan<'_> {
    fn scope(&self) -> ModPath {
        let mut scope = self.module.clone();
        scope.extend(self.inline.iter().map(|(name, _)| name.clone()));
        scope
    }

    /// Look at the token at `i`; the index of the next one to look at.
    fn step(&mut self, i: usize, in_test: bool) -> usize {
        let t = self.tokens;
        match text(t, i) {
            "{" => self.depth += 1,
            "}" => self.close_brace(),
            "mod" if t.get(i + 1).is_some_and(Token::is_ident) => {
                return self.module_item(i, in_test)
            }
            "use" => return self.use_item(i),
            "crate" | "super" | "self"
                if text(t, i + 1) == "::" && text(t, i.wrapping_sub(1)) != "::" =>
            {
                return self.path_expression(i)
            }
            _ => {}
        }
        i + 1
    }

    fn close_brace(&mut self) {
        if self.inline.last().is_some_and(|(_, d)| *d == self.depth) {
            self.inline.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// `mod name { … }` opens an inline module; `mod name;` in test code
    /// makes that child file test-only.
    fn module_item(&mut self, i: usize, in_test: bool) -> usize {
        let name = text(self.tokens, i + 1).to_string();
        match text(self.tokens, i + 2) {
            "{" => {
                self.depth += 1;
                self.inline.push((name, self.depth));
                i + 3
            }
            ";" if in_test => {
                let mut child = self.scope();
                child.push(name);
                self.facts.test_children.push(child);
                i + 3
            }
            _ => i + 1,
        }
    }

    fn use_item(&mut self, i: usize) -> usize {
        let mut paths = Vec::new();
        let mut k = i + 1;
        parse_use_tree(self.tokens, &mut k, Vec::new(), &mut paths);
        let public = is_pub(self.tokens, i);
        for p in paths {
            let named = public && !p.glob;
            let exports = named
                .then(|| p.alias.clone().or_else(|| p.segments.last().cloned()))
                .flatten();
            self.record(p.segments, p.line, true, exports);
        }
        // Whatever the parser stopped at, the item ends at its `;`.
        (k..self.tokens.len())
            .find(|&j| text(self.tokens, j) == ";")
            .map_or(self.tokens.len(), |j| j + 1)
    }

    fn path_expression(&mut self, i: usize) -> usize {
        let t = self.tokens;
        let mut segments = vec![t[i].text.clone()];
        let mut k = i + 1;
        while text(t, k) == "::" && t.get(k + 1).is_some_and(Token::is_ident) {
            segments.push(t[k + 1].text.clone());
            k += 2;
        }
        self.record(segments, t[k - 1].line, false, None);
        k
    }

    fn record(&mut self, path: Vec<String>, line: usize, from_use: bool, exports: Option<String>) {
        let reference = Reference {
            file: self.file.to_string(),
            line,
            module: self.module.clone(),
            scope: self.scope(),
            path,
            from_use,
            exports,
        };
        self.facts.references.push(reference);
    }
}

/// Is the `use` at `i` public (`pub use`, `pub(crate) use`, …)?
fn is_pub(tokens: &[Token], i: usize) -> bool {
    match text(tokens, i.wrapping_sub(1)) {
        "pub" => true,
        ")" => (0..i)
            .rev()
            .find(|&k| text(tokens, k) == "(")
            .is_some_and(|k| text(tokens, k.wrapping_sub(1)) == "pub"),
        _ => false,
    }
}

/// Parse a use tree at `*k` under `prefix`, pushing every path it names.
/// `{self, x}` names the prefix itself and `prefix::x`; a glob names the
/// prefix.
fn parse_use_tree(tokens: &[Token], k: &mut usize, prefix: Vec<String>, out: &mut Vec<UsePath>) {
    let mut path = prefix;
    let in_group = !path.is_empty();
    if text(tokens, *k) == "::" {
        *k += 1; // a leading `::` names an external crate; the first segment shows it
    }
    loop {
        let token = text(tokens, *k);
        let line = tokens.get(*k).map_or(0, |t| t.line);
        match token {
            "{" => return parse_use_group(tokens, k, path, out),
            "*" => {
                *k += 1;
                return out.push(UsePath {
                    segments: path,
                    line,
                    alias: None,
                    glob: true,
                });
            }
            "self" if in_group && text(tokens, *k + 1) != "::" => *k += 1,
            _ if tokens.get(*k).is_some_and(Token::is_ident) => {
                path.push(token.to_string());
                *k += 1;
            }
            _ => return,
        }
        if text(tokens, *k) != "::" {
            let alias = (text(tokens, *k) == "as").then(|| text(tokens, *k + 1).to_string());
            if alias.is_some() {
                *k += 2;
            }
            return out.push(UsePath {
                segments: path,
                line,
                alias,
                glob: false,
            });
        }
        *k += 1;
    }
}

fn parse_use_group(tokens: &[Token], k: &mut usize, prefix: Vec<String>, out: &mut Vec<UsePath>) {
    *k += 1;
    while *k < tokens.len() {
        match text(tokens, *k) {
            "}" => {
                *k += 1;
                return;
            }
            "," => *k += 1,
            _ => {
                let before = *k;
                parse_use_tree(tokens, k, prefix.clone(), out);
                if *k == before {
                    return; // not a use tree: give up on this item
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The crate: module tree, resolved references, sibling edges, cycles.
// ---------------------------------------------------------------------------

/// One example of an edge: where it is written and the path as written.
#[derive(Debug, Clone)]
struct Example {
    file: String,
    line: usize,
    path: String,
}

struct Analysis {
    /// Sibling edges, each with the first reference that makes it.
    edges: BTreeMap<(ModPath, ModPath), Example>,
    /// `Type::load(` calls outside test code: (call text, "file:line").
    load_calls: Vec<(String, String)>,
}

fn analyse(files: &[(String, String)]) -> Analysis {
    let mut modules = BTreeSet::new();
    let mut facts = Vec::new();
    for (rel, src) in files {
        if let Some(module) = file_module(rel) {
            facts.push((module.clone(), scan_file(rel, &module, src)));
            modules.insert(module);
        }
    }
    let test_only: Vec<ModPath> = facts
        .iter()
        .flat_map(|(_, f)| f.test_children.clone())
        .collect();
    let references: Vec<Reference> = facts
        .iter()
        .flat_map(|(_, f)| f.references.clone())
        .collect();
    let resolver = Resolver::new(modules, &references);
    let mut edges = BTreeMap::new();
    for r in &references {
        let Some(target) = resolver.target_module(r) else {
            continue;
        };
        if let Some(edge) = sibling_edge(&r.module, &target) {
            let example = Example {
                file: format!("src/{}", r.file),
                line: r.line,
                path: r.path.join("::"),
            };
            edges.entry(edge).or_insert(example);
        }
    }
    let load_calls = facts
        .iter()
        .filter(|(module, _)| !test_only.iter().any(|t| module.starts_with(t)))
        .flat_map(|(_, f)| f.load_calls.clone())
        .collect();
    Analysis { edges, load_calls }
}

struct Resolver {
    modules: BTreeSet<ModPath>,
    /// (module, exported name) → the absolute path it re-exports.
    reexports: BTreeMap<(ModPath, String), Vec<String>>,
}

impl Resolver {
    fn new(modules: BTreeSet<ModPath>, references: &[Reference]) -> Resolver {
        let mut resolver = Resolver {
            modules,
            reexports: BTreeMap::new(),
        };
        for r in references {
            if let (Some(name), Some(path)) = (&r.exports, resolver.absolute(r)) {
                resolver
                    .reexports
                    .insert((r.scope.clone(), name.clone()), path);
            }
        }
        resolver
    }

    /// The path from the crate root, or `None` for another crate's path.
    fn absolute(&self, r: &Reference) -> Option<Vec<String>> {
        let mut segments = r.path.iter();
        let mut base = match r.path.first().map(String::as_str)? {
            "crate" => Vec::new(),
            "self" => r.scope.clone(),
            "super" => r.scope.clone(),
            first
                if r.from_use
                    && self
                        .modules
                        .contains(&[r.scope.clone(), vec![first.to_string()]].concat()) =>
            {
                return Some([r.scope.clone(), r.path.clone()].concat());
            }
            _ => return None,
        };
        if r.path[0] != "super" {
            segments.next();
        }
        let mut rest = segments.peekable();
        while rest.peek().is_some_and(|s| *s == "super") {
            base.pop()?;
            rest.next();
        }
        base.extend(rest.cloned());
        Some(base)
    }

    /// The module holding the item a reference names, through re-exports.
    fn target_module(&self, r: &Reference) -> Option<ModPath> {
        let mut path = self.absolute(r)?;
        // A re-export of a re-export is followed too; a loop of them (which
        // would not compile) stops after a few hops.
        for _ in 0..8 {
            match self.reexported(&path) {
                Some(defined) => path = defined,
                None => break,
            }
        }
        Some(self.longest_module_prefix(&path))
    }

    /// The path `path` stands for when its first segment after a module is
    /// a name that module re-exports.
    fn reexported(&self, path: &[String]) -> Option<Vec<String>> {
        let module = self.longest_module_prefix(path);
        let name = path.get(module.len())?;
        let target = self.reexports.get(&(module.clone(), name.clone()))?;
        let rest = &path[module.len() + 1..];
        (target[..] != path[..=module.len()]).then(|| [target.clone(), rest.to_vec()].concat())
    }

    fn longest_module_prefix(&self, path: &[String]) -> ModPath {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| self.modules.contains(p))
            .unwrap_or_default()
    }
}

/// The edge between the children of the lowest common ancestor of `from`
/// and `to` that hold them; `None` within one module or along its ancestry.
fn sibling_edge(from: &ModPath, to: &ModPath) -> Option<(ModPath, ModPath)> {
    if from.starts_with(to) || to.starts_with(from) {
        return None;
    }
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    Some((from[..=common].to_vec(), to[..=common].to_vec()))
}

impl Analysis {
    fn successors<'a>(&'a self, node: &'a ModPath) -> impl Iterator<Item = &'a ModPath> + 'a {
        self.edges
            .keys()
            .filter(move |(from, _)| from == node)
            .map(|(_, to)| to)
    }

    /// Strongly connected components with more than one module.
    fn tangles(&self) -> Vec<BTreeSet<ModPath>> {
        let nodes: BTreeSet<&ModPath> = self.edges.keys().flat_map(|(a, b)| [a, b]).collect();
        let mut tangles = Vec::new();
        let mut seen = BTreeSet::new();
        for &node in &nodes {
            if seen.contains(node) {
                continue;
            }
            let component: BTreeSet<ModPath> = self
                .reachable(node)
                .into_iter()
                .filter(|other| self.reachable(other).contains(node))
                .collect();
            seen.extend(component.iter().cloned());
            if component.len() > 1 {
                tangles.push(component);
            }
        }
        tangles
    }

    fn reachable(&self, start: &ModPath) -> BTreeSet<ModPath> {
        let mut seen = BTreeSet::from([start.clone()]);
        let mut queue = VecDeque::from([start.clone()]);
        while let Some(node) = queue.pop_front() {
            for next in self.successors(&node) {
                if seen.insert(next.clone()) {
                    queue.push_back(next.clone());
                }
            }
        }
        seen
    }

    /// Every cycle `cycles_in` finds, over all tangles.
    fn cycles(&self) -> Vec<Vec<ModPath>> {
        let tangles = self.tangles();
        tangles.iter().flat_map(|t| self.cycles_in(t)).collect()
    }

    /// For every edge inside the tangle, the shortest cycle through it, each
    /// cycle once, written from its least module; shortest cycles first.
    /// Every edge that keeps the tangle together is shown.
    fn cycles_in(&self, tangle: &BTreeSet<ModPath>) -> Vec<Vec<ModPath>> {
        let mut cycles = BTreeSet::new();
        let inside = |(a, b): &&(ModPath, ModPath)| tangle.contains(a) && tangle.contains(b);
        for (from, to) in self.edges.keys().filter(inside) {
            let back = self
                .shortest_path(to, from, tangle)
                .expect("a tangle is strongly connected");
            cycles.insert((back.len(), rotate_to_least(back)));
        }
        cycles.into_iter().map(|(_, cycle)| cycle).collect()
    }

    /// Modules from `start` to `goal`, both included, staying in `within`.
    fn shortest_path(
        &self,
        start: &ModPath,
        goal: &ModPath,
        within: &BTreeSet<ModPath>,
    ) -> Option<Vec<ModPath>> {
        let mut came_from: BTreeMap<ModPath, ModPath> = BTreeMap::new();
        let mut queue = VecDeque::from([start.clone()]);
        while let Some(node) = queue.pop_front() {
            if node == *goal {
                let mut path = vec![node];
                while let Some(previous) = came_from.get(path.last().unwrap()) {
                    path.push(previous.clone());
                }
                path.reverse();
                return Some(path);
            }
            for next in self.successors(&node) {
                if within.contains(next) && *next != *start && !came_from.contains_key(next) {
                    came_from.insert(next.clone(), node.clone());
                    queue.push_back(next.clone());
                }
            }
        }
        None
    }

    /// Each tangle's modules, then its cycles with an example per edge.
    fn describe_tangles(&self) -> String {
        let mut out = String::new();
        for tangle in self.tangles() {
            let names: Vec<String> = tangle.iter().map(|m| show(m)).collect();
            writeln!(
                out,
                "{} modules in one tangle: {}",
                names.len(),
                names.join(", ")
            )
            .unwrap();
            out.push_str(&self.describe_cycles(&self.cycles_in(&tangle)));
        }
        out
    }

    fn describe_cycles(&self, cycles: &[Vec<ModPath>]) -> String {
        let mut out = String::new();
        for cycle in cycles {
            let names: Vec<String> = cycle.iter().chain(cycle.first()).map(|m| show(m)).collect();
            writeln!(out, "  {}", names.join(" → ")).unwrap();
            for (i, from) in cycle.iter().enumerate() {
                let to = &cycle[(i + 1) % cycle.len()];
                let e = &self.edges[&(from.clone(), to.clone())];
                writeln!(
                    out,
                    "    {} → {}: {}:{} `{}`",
                    show(from),
                    show(to),
                    e.file,
                    e.line,
                    e.path
                )
                .unwrap();
            }
        }
        out
    }

    /// Where `call` (e.g. `Config::load(`) is written outside test code.
    fn call_sites(&self, call: &str) -> Vec<String> {
        self.load_calls
            .iter()
            .filter(|(c, _)| c == call)
            .map(|(_, site)| site.clone())
            .collect()
    }
}

/// A cycle written from its least module, so each cycle has one spelling.
fn rotate_to_least(mut cycle: Vec<ModPath>) -> Vec<ModPath> {
    let least = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap_or(0);
    cycle.rotate_left(least);
    cycle
}

// ---------------------------------------------------------------------------
// The analyser on small examples.
// ---------------------------------------------------------------------------

fn sources(files: &[(&str, &str)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, s)| (p.to_string(), s.to_string()))
        .collect()
}

fn cycle_names(analysis: &Analysis) -> Vec<String> {
    analysis
        .cycles()
        .iter()
        .map(|c| {
            c.iter()
                .chain(c.first())
                .map(|m| show(m))
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .collect()
}

#[test]
fn a_two_module_cycle_is_found_with_its_references() {
    let analysis = analyse(&sources(&[
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "b.rs",
            "pub struct B;\n\npub fn f() -> crate::a::A { crate::a::A }\n",
        ),
    ]));
    assert_eq!(cycle_names(&analysis), ["a → b → a"]);
    let report = analysis.describe_cycles(&analysis.cycles());
    assert!(
        report.contains("a → b: src/a.rs:1 `crate::b::B`"),
        "{report}"
    );
    assert!(
        report.contains("b → a: src/b.rs:3 `crate::a::A`"),
        "{report}"
    );
}

#[test]
fn a_three_module_cycle_is_found_and_a_chain_is_not_a_cycle() {
    let three = analyse(&sources(&[
        ("a.rs", "use crate::b::X;"),
        ("b.rs", "fn f() { crate::c::g() }"),
        ("c.rs", "use super::a;"),
    ]));
    assert_eq!(cycle_names(&three), ["a → b → c → a"]);
    let chain = analyse(&sources(&[
        ("a.rs", "use crate::b::X;"),
        ("b.rs", "use crate::c::Y;"),
        ("c.rs", ""),
    ]));
    assert_eq!(chain.edges.len(), 2);
    assert!(chain.cycles().is_empty());
}

#[test]
fn parent_and_child_references_are_not_edges() {
    let analysis = analyse(&sources(&[
        (
            "p/mod.rs",
            "mod c;\nuse self::c::X;\npub use c::Y;\nfn f() { c::g() }\n",
        ),
        ("p/c.rs", "use super::Z;\nuse crate::p::W;\n"),
    ]));
    assert!(analysis.edges.is_empty(), "{:?}", analysis.edges);
}

#[test]
fn edges_join_the_children_of_the_lowest_common_ancestor() {
    let analysis = analyse(&sources(&[
        ("x/mod.rs", ""),
        ("x/deep.rs", "use crate::y::inner::Thing;"),
        ("y/mod.rs", ""),
        ("y/inner.rs", "use super::super::x::deep::Other;"),
    ]));
    let edges: Vec<String> = analysis
        .edges
        .keys()
        .map(|(a, b)| format!("{} → {}", show(a), show(b)))
        .collect();
    assert_eq!(edges, ["x → y", "y → x"]);
    assert_eq!(cycle_names(&analysis), ["x → y → x"]);
}

#[test]
fn nested_use_groups_are_expanded() {
    let src = "use crate::{a::{b, c as see, self}, d, e::*};\nuse super::{x::{y::{z}}};";
    let tokens = tokenize(&strip(src));
    let mut k = 1;
    let mut paths = Vec::new();
    parse_use_tree(&tokens, &mut k, Vec::new(), &mut paths);
    let names: Vec<String> = paths.iter().map(|p| p.segments.join("::")).collect();
    assert_eq!(
        names,
        [
            "crate::a::b",
            "crate::a::c",
            "crate::a",
            "crate::d",
            "crate::e"
        ]
    );
    assert_eq!(paths[1].alias.as_deref(), Some("see"));
    let facts = scan_file("m.rs", &vec!["m".to_string()], src);
    let last: Vec<String> = facts.references.iter().map(|r| r.path.join("::")).collect();
    assert_eq!(last.last().map(String::as_str), Some("super::x::y::z"));
}

#[test]
fn comments_strings_and_char_literals_hide_paths() {
    let analysis = analyse(&sources(&[
        (
            "a.rs",
            concat!(
                "// use crate::b::X;\n/* crate::b::Y /* nested */ crate::b::Z */\n",
                "fn f() -> (&'static str, char, &'static str) {\n",
                "    (\"crate::b::Q\", '\"', r#\"crate::b::\"R\"#)\n}\n",
                "fn g<'a>(s: &'a str) -> &'a str { s }\n",
            ),
        ),
        ("b.rs", "use crate::a::f;"),
    ]));
    let edges: Vec<String> = analysis
        .edges
        .keys()
        .map(|(a, b)| format!("{} → {}", show(a), show(b)))
        .collect();
    assert_eq!(edges, ["b → a"]);
}

#[test]
fn inline_modules_change_what_super_means_and_test_code_counts() {
    let analysis = analyse(&sources(&[
        (
            "a.rs",
            concat!(
                "pub fn helper() {}\n#[cfg(test)]\nmod tests {\n",
                "    use super::helper;\n    use crate::b::fixture;\n}\n",
            ),
        ),
        (
            "b.rs",
            "pub fn fixture() {}\nfn f() { super::a::helper() }\n",
        ),
    ]));
    assert_eq!(cycle_names(&analysis), ["a → b → a"]);
    let report = analysis.describe_cycles(&analysis.cycles());
    assert!(
        report.contains("a → b: src/a.rs:5 `crate::b::fixture`"),
        "{report}"
    );
}

#[test]
fn references_through_a_reexport_reach_the_defining_module() {
    let analysis = analyse(&sources(&[
        ("m/mod.rs", "mod one;\nmod two;\npub use one::Kind;\n"),
        ("m/one.rs", "use super::two::check;\npub enum Kind {}\n"),
        ("m/two.rs", "use super::Kind;\npub fn check() {}\n"),
    ]));
    assert_eq!(cycle_names(&analysis), ["m::one → m::two → m::one"]);
}

#[test]
fn load_calls_in_test_code_are_not_counted() {
    let analysis = analyse(&sources(&[
        ("lib.rs", "#[cfg(test)]\nmod fixtures;\n"),
        (
            "build.rs",
            "fn f() { let c = Config::load(p); let t = crate::theme::Theme::load(p); }\n",
        ),
        (
            "serve.rs",
            concat!(
                "fn g() {\n    Config::load(r);\n}\n",
                "#[cfg(test)]\nmod tests { fn t() { Theme::load(r); } }\n",
            ),
        ),
        ("fixtures.rs", "fn h() { Theme::load(r); }\n"),
        (
            "config.rs",
            "impl Config { pub fn load(p: &Path) -> Self { todo!() } }\n// Config::load(\n",
        ),
    ]));
    assert_eq!(
        analysis.call_sites("Config::load("),
        ["src/build.rs:1", "src/serve.rs:2"]
    );
    assert_eq!(analysis.call_sites("Theme::load("), ["src/build.rs:1"]);
}
