//! The preview's model and its rebuilds. The parsed content stays in memory
//! between rebuilds: an edit re-parses only the files that changed, derives
//! the site again (cheap), renders only the pages the edit can have changed
//! and writes only the files whose bytes differ. What shows every case
//! (the search export and the search page, the open data, the books) comes
//! after, in [`Preview::refresh_slow`], so it never delays a reload.
//!
//! Which pages an edit changes follows from what a page's context holds:
//! a case page shows its case, its neighbours in book order (prev/next)
//! and the links of its terms (with counts); a term page shows the cards
//! of its cases; home, overview and feed show all cases; every page shows
//! the site-wide context ([`render::site_fingerprint`]). When that context,
//! or the set of output paths ([`Snapshot::shape`]), changes, or config,
//! templates or static files change, everything is rendered again (still
//! writing only what differs).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, Case, Content, Page, ParseOptions, Parsed, Preface, SourceKind};
use crate::diagnostics::{self, rules, Diagnostic};
use crate::output;
use crate::published;
use crate::output::{Contents, OutputFile, Recorder, Sink};
use crate::render::{self, Selection};
use crate::search::{Purpose, SearchIndex};
use crate::site::{self, Site};
use crate::taxonomy::TaxonomyKind;
use crate::theme::Theme;

/// What a rebuild did.
pub enum Outcome {
    /// Output paths written or removed (sorted), with the build's warnings.
    Built {
        changed: Vec<String>,
        cases: usize,
        warnings: Vec<Diagnostic>,
        /// Everything was rendered again (config, templates, site shape).
        full: bool,
    },
    /// Content, config or templates have errors; nothing was written.
    Failed(Vec<Diagnostic>),
    /// Writing the preview folder failed.
    Io(std::io::Error),
}

/// One parsed content file.
struct Source {
    kind: SourceKind,
    diagnostics: Vec<Diagnostic>,
}

/// The preview: the site's sources in memory and what was last written.
pub struct Preview {
    root: PathBuf,
    out: PathBuf,
    base_url: String,
    drafts: bool,
    /// Config and theme, when they loaded without errors.
    setup: Option<(Config, Theme)>,
    cases: Vec<Case>,
    pages: Vec<Page>,
    prefaces: Vec<Preface>,
    /// Every discovered content file, with its parse diagnostics.
    sources: BTreeMap<PathBuf, Source>,
    discover_diagnostics: Vec<Diagnostic>,
    /// The site last written; `None` until a build succeeds.
    snapshot: Option<Snapshot>,
    /// Content files changed since the snapshot.
    dirty: BTreeSet<PathBuf>,
    /// Ids of the cases in those files, before and after the changes.
    dirty_ids: BTreeSet<String>,
    /// Every file in the preview folder.
    written: BTreeSet<String>,
    /// The search export's files now in the folder.
    search_files: BTreeSet<String>,
    /// What [`Preview::refresh_slow`] still has to do.
    slow: Option<Selection>,
    /// The search index of the last good site.
    pub search_index: Option<SearchIndex>,
}

/// The things of a written site that decide which pages an edit touches.
struct Snapshot {
    /// [`render::site_fingerprint`]: what every page's layout can show.
    fingerprint: String,
    /// A hash of what the output paths follow from: case ids and aliases,
    /// terms, page slugs, book years. Equal shapes, equal paths.
    shape: blake3::Hash,
    /// Case ids in book order.
    order: Vec<String>,
    position: HashMap<String, usize>,
    /// Each term's link (name, description, count), by taxonomy and slug.
    links: HashMap<(TaxonomyKind, String), String>,
    /// The terms of each case in book order (index into `slugs`), and its
    /// year.
    case_terms: Vec<(Vec<(TaxonomyKind, usize)>, i64)>,
    /// Term slugs by taxonomy (in `TaxonomyKind::ALL` order).
    slugs: Vec<Vec<String>>,
}

/// Kinds of terms a case page links to (with their counts).
const CASE_PAGE_TERMS: [TaxonomyKind; 4] = [
    TaxonomyKind::Area,
    TaxonomyKind::Industry,
    TaxonomyKind::District,
    TaxonomyKind::Method,
];

impl Snapshot {
    fn of(site: &Site, base_url: &str) -> Snapshot {
        let mut shape = blake3::Hasher::new();
        let mut ids: Vec<&str> = site.cases.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        for id in ids {
            shape.update(b"case\0").update(id.as_bytes()).update(b"\0");
        }
        let mut aliases: Vec<&str> = site
            .cases
            .iter()
            .flat_map(|c| c.aliases.iter().map(String::as_str))
            .collect();
        aliases.sort_unstable();
        for alias in aliases {
            shape
                .update(b"alias\0")
                .update(alias.as_bytes())
                .update(b"\0");
        }
        let mut links = HashMap::new();
        let mut case_terms: Vec<(Vec<(TaxonomyKind, usize)>, i64)> =
            site.cases.iter().map(|c| (Vec::new(), c.year)).collect();
        let mut slugs = Vec::new();
        for kind in TaxonomyKind::ALL {
            let terms = &site.taxonomy(kind).terms;
            let mut sorted: Vec<&str> = terms.iter().map(|t| t.slug.as_str()).collect();
            sorted.sort_unstable();
            for slug in sorted {
                shape
                    .update(kind.path().as_bytes())
                    .update(slug.as_bytes())
                    .update(b"\0");
            }
            for (t, term) in terms.iter().enumerate() {
                links.insert(
                    (kind, term.slug.clone()),
                    format!(
                        "{}\n{:?}\n{}",
                        term.name,
                        term.description,
                        term.cases.len()
                    ),
                );
                for &i in &term.cases {
                    case_terms[i].0.push((kind, t));
                }
            }
            slugs.push(terms.iter().map(|t| t.slug.clone()).collect());
        }
        for page in &site.pages {
            shape
                .update(b"page\0")
                .update(page.slug.as_bytes())
                .update(b"\0");
        }
        for year in crate::book::years(site) {
            shape.update(b"book\0").update(&year.to_le_bytes());
        }
        let order: Vec<String> = site.cases.iter().map(|c| c.id.clone()).collect();
        Snapshot {
            fingerprint: render::site_fingerprint(site, base_url, &[]),
            shape: shape.finalize(),
            position: order
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect(),
            order,
            links,
            case_terms,
            slugs,
        }
    }

    /// The ids next to `id` in book order.
    fn neighbours(&self, id: &str) -> Vec<&str> {
        let Some(&at) = self.position.get(id) else {
            return Vec::new();
        };
        [at.checked_sub(1), Some(at + 1)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.order.get(i))
            .map(String::as_str)
            .collect()
    }

    /// The terms (taxonomy, slug) and year of case `id`.
    fn terms_of(&self, id: &str) -> Option<(Vec<(TaxonomyKind, String)>, i64)> {
        let (terms, year) = &self.case_terms[*self.position.get(id)?];
        let slug = |kind: TaxonomyKind, t: usize| {
            let k = TaxonomyKind::ALL
                .iter()
                .position(|&x| x == kind)
                .unwrap_or(0);
            self.slugs[k][t].clone()
        };
        Some((
            terms
                .iter()
                .map(|&(kind, t)| (kind, slug(kind, t)))
                .collect(),
            *year,
        ))
    }
}

impl Preview {
    pub fn new(root: &Path, out: &Path, base_url: &str, drafts: bool) -> Preview {
        Preview {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            out: out.to_path_buf(),
            base_url: base_url.to_string(),
            drafts,
            setup: None,
            cases: Vec::new(),
            pages: Vec::new(),
            prefaces: Vec::new(),
            sources: BTreeMap::new(),
            discover_diagnostics: Vec::new(),
            snapshot: None,
            dirty: BTreeSet::new(),
            dirty_ids: BTreeSet::new(),
            written: BTreeSet::new(),
            search_files: BTreeSet::new(),
            slow: None,
            search_index: None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether [`Preview::refresh_slow`] has work to do.
    pub fn slow_pending(&self) -> bool {
        self.slow.is_some()
    }

    /// Load everything and build the whole site.
    pub fn build_all(&mut self) -> Outcome {
        self.setup = None;
        self.snapshot = None;
        let config = match Config::load(&self.root) {
            Ok(config) => config,
            Err(diags) => return Outcome::Failed(diags),
        };
        let theme = match Theme::load(&self.root) {
            Ok(theme) => theme,
            Err(diags) => return Outcome::Failed(diags),
        };
        self.setup = Some((config, theme));
        self.parse_all();
        self.rebuild()
    }

    /// The site after `paths` changed (files or folders, created, edited or
    /// removed). Config, templates and static files load everything again;
    /// content files are parsed again one by one. Every file written is
    /// passed to `notify` once, as soon as it is written.
    pub fn apply(&mut self, paths: &[PathBuf], notify: &mut dyn FnMut(&[String])) -> Outcome {
        let outcome = self.apply_changes(paths, notify);
        if let Outcome::Built {
            changed,
            full: true,
            ..
        } = &outcome
        {
            notify(changed);
        }
        outcome
    }

    fn apply_changes(&mut self, paths: &[PathBuf], notify: &mut dyn FnMut(&[String])) -> Outcome {
        let content = self.root.join("content");
        let (content_paths, other): (Vec<&PathBuf>, Vec<&PathBuf>) = paths
            .iter()
            .partition(|p| p.starts_with(&content) && p.as_path() != content);
        let config_changed = other
            .iter()
            .any(|p| !p.starts_with(&self.root) || p.ends_with("casebook.toml"));
        if config_changed || self.setup.is_none() {
            return self.build_all();
        }
        if !other.is_empty() {
            // Templates or static files: the content is parsed as it was.
            match Theme::load(&self.root) {
                Ok(theme) => {
                    if let Some(setup) = self.setup.as_mut() {
                        setup.1 = theme;
                    }
                }
                Err(diags) => {
                    self.snapshot = None;
                    return Outcome::Failed(diags);
                }
            }
            // Every page may have changed: render them all.
            self.snapshot = None;
        }
        let mut rediscover = false;
        let mut reparse: BTreeSet<PathBuf> = BTreeSet::new();
        for path in content_paths {
            if self.sources.contains_key(path) {
                reparse.insert(path.clone());
                continue;
            }
            rediscover = true;
            // A file beside a case (an image): its case reads it.
            for case in &self.cases {
                if path.starts_with(&case.source.dir) && case.source.dir != content {
                    reparse.insert(case.source.path.clone());
                }
            }
        }
        if rediscover {
            let found = content::discover(&self.root);
            self.discover_diagnostics = found.diagnostics;
            let now: BTreeMap<PathBuf, SourceKind> =
                found.files.into_iter().map(|(k, p)| (p, k)).collect();
            for gone in self.sources.keys().filter(|p| !now.contains_key(*p)) {
                reparse.insert(gone.clone());
            }
            for (path, kind) in now {
                if !self.sources.contains_key(&path) {
                    self.sources.insert(
                        path.clone(),
                        Source {
                            kind,
                            diagnostics: Vec::new(),
                        },
                    );
                    reparse.insert(path);
                }
            }
        }
        let ids_in = |cases: &[Case], ids: &mut BTreeSet<String>| {
            for case in cases.iter().filter(|c| reparse.contains(&c.source.path)) {
                ids.insert(case.id.clone());
            }
        };
        ids_in(&self.cases, &mut self.dirty_ids);
        for path in &reparse {
            self.reparse(path);
        }
        ids_in(&self.cases, &mut self.dirty_ids);
        self.dirty.extend(reparse);
        self.rebuild_with(notify)
    }

    /// Discover and parse every content file.
    fn parse_all(&mut self) {
        let Some(options) = self.parse_options() else {
            return;
        };
        let found = content::discover(&self.root);
        let parsed: Vec<(Parsed, Vec<Diagnostic>)> = found
            .files
            .par_iter()
            .map(|(kind, path)| content::parse_file(*kind, path, &options))
            .collect();
        self.discover_diagnostics = found.diagnostics;
        self.sources.clear();
        self.cases.clear();
        self.pages.clear();
        self.prefaces.clear();
        for ((kind, path), (item, diagnostics)) in found.files.into_iter().zip(parsed) {
            self.sources.insert(path, Source { kind, diagnostics });
            self.keep(item);
        }
        self.dirty.clear();
        self.dirty_ids.clear();
    }

    /// How content files are parsed (none while the config is broken).
    fn parse_options(&self) -> Option<ParseOptions<'_>> {
        let (config, _) = self.setup.as_ref()?;
        Some(ParseOptions {
            config,
            root: &self.root,
            base_path: crate::config::base_path_of(&self.base_url),
            highlight: true,
        })
    }

    fn keep(&mut self, item: Parsed) {
        match item {
            Parsed::Case(case) => self.cases.push(*case),
            Parsed::Page(page) => self.pages.push(*page),
            Parsed::Preface(preface) => self.prefaces.push(*preface),
            Parsed::Nothing => {}
        }
    }

    /// Parse `path` again (or forget it, when it is gone).
    fn reparse(&mut self, path: &Path) {
        self.cases.retain(|c| c.source.path != path);
        self.pages.retain(|p| p.source.path != path);
        self.prefaces.retain(|p| p.source.path != path);
        let Some(kind) = self.sources.get(path).map(|s| s.kind) else {
            return;
        };
        if !path.is_file() {
            self.sources.remove(path);
            return;
        }
        let Some(options) = self.parse_options() else {
            return;
        };
        let (item, diagnostics) = content::parse_file(kind, path, &options);
        self.sources
            .insert(path.to_path_buf(), Source { kind, diagnostics });
        self.keep(item);
        // Pages keep discovery order (the navigation lists them so).
        self.pages.sort_by(|a, b| a.source.path.cmp(&b.source.path));
    }

    /// The model as `Content`, for deriving (put back with [`Self::put_back`]).
    fn take_content(&mut self) -> Content {
        let mut diagnostics = self.discover_diagnostics.clone();
        for source in self.sources.values() {
            diagnostics.extend(source.diagnostics.iter().cloned());
        }
        Content {
            cases: std::mem::take(&mut self.cases),
            pages: std::mem::take(&mut self.pages),
            prefaces: std::mem::take(&mut self.prefaces),
            diagnostics,
        }
    }

    fn put_back(&mut self, content: Content) {
        self.cases = content.cases;
        self.pages = content.pages;
        self.prefaces = content.prefaces;
    }

    /// Derive and render the whole site, and write what differs.
    fn rebuild(&mut self) -> Outcome {
        let content = self.take_content();
        let Some((config, theme)) = &self.setup else {
            self.put_back(content);
            return Outcome::Failed(Vec::new());
        };
        let (site, mut diagnostics, left) = site::derive_keeping(config, content, self.drafts);
        config.check.apply(&mut diagnostics);
        let produced = if diagnostics::count_errors(&diagnostics) > 0 {
            Err(diagnostics)
        } else {
            produce_all(&site, theme, &self.base_url, diagnostics)
        };
        let snapshot = Snapshot::of(&site, &self.base_url);
        let cases = site.cases.len();
        let content = site.into_content(left, Vec::new());
        self.put_back(content);
        let (files, search_files, index, warnings) = match produced {
            Ok(produced) => produced,
            Err(mut diagnostics) => {
                diagnostics::sort(&mut diagnostics);
                self.snapshot = None;
                return Outcome::Failed(diagnostics);
            }
        };
        let paths: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
        let removed: Vec<String> = self.written.difference(&paths).cloned().collect();
        let changed = match output::update(&self.out, &files, &removed) {
            Ok(changed) => changed,
            Err(err) => return Outcome::Io(err),
        };
        self.written = paths;
        self.search_files = search_files;
        self.search_index = Some(index);
        self.snapshot = Some(snapshot);
        self.dirty.clear();
        self.dirty_ids.clear();
        self.slow = None;
        Outcome::Built {
            changed,
            cases,
            warnings,
            full: true,
        }
    }

    /// Derive, render what the changed files can have changed, write what
    /// differs: first the changed cases' own pages (what the editor looks
    /// at; `notify` is told at once), then the pages around them.
    fn rebuild_with(&mut self, notify: &mut dyn FnMut(&[String])) -> Outcome {
        if self.snapshot.is_none() {
            return self.rebuild();
        }
        let content = self.take_content();
        let Some((config, theme)) = &self.setup else {
            self.put_back(content);
            return Outcome::Failed(Vec::new());
        };
        let (site, mut diagnostics, left) = site::derive_keeping(config, content, self.drafts);
        config.check.apply(&mut diagnostics);
        let now = Snapshot::of(&site, &self.base_url);
        let old = self.snapshot.as_ref().expect("checked above");
        if diagnostics::count_errors(&diagnostics) == 0 {
            let outputs: HashSet<&str> = self.written.iter().map(String::as_str).collect();
            diagnostics.extend(site::check_links_against_output(&site, &outputs));
        }
        if diagnostics::count_errors(&diagnostics) > 0 || now.shape != old.shape {
            let shape_changed = now.shape != old.shape;
            self.put_back(site.into_content(left, Vec::new()));
            if shape_changed && diagnostics::count_errors(&diagnostics) == 0 {
                return self.rebuild();
            }
            diagnostics::sort(&mut diagnostics);
            return Outcome::Failed(diagnostics);
        }
        let kinds: HashMap<&PathBuf, SourceKind> =
            self.sources.iter().map(|(p, s)| (p, s.kind)).collect();
        let changes = Changes {
            files: &self.dirty,
            ids: &self.dirty_ids,
            kinds: &kinds,
        };
        let (own, rest, slow) = select(old, &now, &site, &changes, &self.prefaces);
        let mut changed = Vec::new();
        let mut failure = None;
        for selection in [own, rest] {
            let rendered =
                render::render_selected(&site, theme, &self.base_url, None, &[], &selection);
            match rendered {
                Ok(files) => match output::update(&self.out, &files, &[]) {
                    Ok(written) => {
                        notify(&written);
                        changed.extend(written);
                    }
                    Err(err) => {
                        failure = Some(Outcome::Io(err));
                        break;
                    }
                },
                Err(problems) => {
                    let mut all = diagnostics.clone();
                    all.extend(problems);
                    diagnostics::sort(&mut all);
                    failure = Some(Outcome::Failed(all));
                    break;
                }
            }
        }
        let cases = site.cases.len();
        self.put_back(site.into_content(left, Vec::new()));
        if let Some(failure) = failure {
            return failure;
        }
        self.snapshot = Some(now);
        self.dirty.clear();
        self.dirty_ids.clear();
        self.slow = Some(match self.slow.take() {
            Some(before) => merge(before, slow),
            None => slow,
        });
        diagnostics::sort(&mut diagnostics);
        changed.sort();
        Outcome::Built {
            changed,
            cases,
            warnings: diagnostics,
            full: false,
        }
    }

    /// What shows every case, after an incremental rebuild: the search
    /// index and export with the search page, the open data, the books of
    /// the years touched. `stop` is asked between steps: when it says a
    /// change came in, the work is left for later and `None` returned (as
    /// when there is nothing to do, or the site has errors now).
    pub fn refresh_slow(&mut self, stop: &dyn Fn() -> bool) -> Option<Outcome> {
        let selection = self.slow.take()?;
        let content = self.take_content();
        let Some((config, theme)) = &self.setup else {
            self.put_back(content);
            return None;
        };
        let (site, diagnostics, left) = site::derive_keeping(config, content, self.drafts);
        // `None`: not now (errors since, or a change came in).
        let produced: Result<_, Option<Vec<Diagnostic>>> =
            if diagnostics::count_errors(&diagnostics) > 0 || stop() {
                Err(None)
            } else {
                search_export(&site, &self.base_url)
                    .map_err(Some)
                    .and_then(|exported| if stop() { Err(None) } else { Ok(exported) })
                    .and_then(|(index, search_files, meta)| {
                        let base_url = &self.base_url;
                        render::render_selected(
                            &site,
                            theme,
                            base_url,
                            Some(&meta),
                            &[],
                            &selection,
                        )
                        .map(|mut files| {
                            files.extend(search_files);
                            (index, files)
                        })
                        .map_err(Some)
                    })
                    .and_then(|produced| if stop() { Err(None) } else { Ok(produced) })
            };
        let cases = site.cases.len();
        self.put_back(site.into_content(left, Vec::new()));
        let (index, files) = match produced {
            Ok(produced) => produced,
            Err(None) => {
                self.slow = Some(selection);
                return None;
            }
            Err(Some(diagnostics)) => return Some(Outcome::Failed(diagnostics)),
        };
        let search_files: BTreeSet<String> = files
            .iter()
            .filter(|f| is_search_export(&f.path))
            .map(|f| f.path.clone())
            .collect();
        let removed: Vec<String> = self
            .search_files
            .difference(&search_files)
            .cloned()
            .collect();
        let changed = match output::update(&self.out, &files, &removed) {
            Ok(changed) => changed,
            Err(err) => return Some(Outcome::Io(err)),
        };
        for path in &removed {
            self.written.remove(path);
        }
        self.written.extend(files.iter().map(|f| f.path.clone()));
        self.search_files = search_files;
        self.search_index = Some(index);
        Some(Outcome::Built {
            changed,
            cases,
            warnings: Vec::new(),
            full: false,
        })
    }
}

/// Files of the search export (its folder is named by its hash).
fn is_search_export(path: &str) -> bool {
    path.starts_with("search/") && path != "search/index.html"
}

/// The search index `/api/search` queries, and the static export, made as
/// `casebook build` makes it (from an index of its own, so that the
/// preview's files are the build's, byte for byte).
fn search_export(
    site: &Site,
    base_url: &str,
) -> Result<(SearchIndex, Vec<OutputFile>, crate::search::export::Meta), Vec<Diagnostic>> {
    let base_path = crate::config::base_path_of(base_url);
    SearchIndex::build_for(site, Purpose::Export, &base_path)
        .and_then(|lean| crate::search::export::export(site, &lean, &base_path))
        .and_then(|(files, meta)| Ok((SearchIndex::build(site, &base_path)?, files, meta)))
        .map_err(|err| {
            vec![Diagnostic::error(
                rules::SEARCH_INDEX,
                ".",
                format!("无法生成搜索索引：{err}"),
            )]
        })
}

type Produced = (
    Vec<OutputFile>,
    BTreeSet<String>,
    SearchIndex,
    Vec<Diagnostic>,
);

/// A sink that keeps what is rendered: the preview compares it with what
/// it wrote before and writes only what differs.
#[derive(Default)]
struct Collect(Mutex<Vec<OutputFile>>);

impl Sink for Collect {
    fn put(&self, file: OutputFile) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(file);
    }
}

/// The whole site, as `casebook build` makes it (no printed books in a
/// preview).
fn produce_all(
    site: &Site,
    theme: &Theme,
    base_url: &str,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<Produced, Vec<Diagnostic>> {
    // A template error shows before the slow search export is made.
    let probe = Selection {
        cases: (0..site.cases.len().min(1)).collect(),
        lists: true,
        singles: true,
        indexes: TaxonomyKind::ALL.into_iter().collect(),
        ..Selection::default()
    };
    render::render_selected(site, theme, base_url, None, &[], &probe)?;
    let (index, search, meta) = search_export(site, base_url)?;
    let collected = Collect::default();
    let recorder = Recorder::new(&collected);
    render::render_site_as(
        site,
        theme,
        base_url,
        Some(&meta),
        &[],
        render::Purpose::Publish,
        &recorder,
    )?;
    drop(recorder);
    let mut files = collected.0.into_inner().unwrap_or_else(|e| e.into_inner());
    let search_files = search.iter().map(|f| f.path.clone()).collect();
    files.extend(search);
    let outputs: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    diagnostics.extend(site::check_links_against_output(site, &outputs));
    if diagnostics::count_errors(&diagnostics) > 0 {
        return Err(diagnostics);
    }
    let urls = published::contents(&published::list(files.iter().map(|f| f.path.as_str())));
    files.push(OutputFile {
        path: published::FILE.to_string(),
        contents: Contents::Bytes(urls.into_bytes()),
    });
    Ok((files, search_files, index, diagnostics))
}

/// What changed since the snapshot.
struct Changes<'a> {
    files: &'a BTreeSet<PathBuf>,
    /// Ids of the cases in those files, before and after.
    ids: &'a BTreeSet<String>,
    kinds: &'a HashMap<&'a PathBuf, SourceKind>,
}

/// What a rebuild renders: the changed cases' own pages, the pages around
/// them, and (later) the slow whole-site files.
fn select(
    old: &Snapshot,
    now: &Snapshot,
    site: &Site,
    changes: &Changes,
    prefaces: &[Preface],
) -> (Selection, Selection, Selection) {
    let mut own = Selection::default();
    let mut rest = Selection {
        lists: true,
        ..Selection::default()
    };
    let mut slow = Selection {
        search: true,
        data: true,
        ..Selection::default()
    };
    let changed: BTreeSet<&str> = changes.ids.iter().map(String::as_str).collect();
    for file in changes.files {
        match changes.kinds.get(file) {
            Some(SourceKind::Page) => rest.singles = true,
            Some(SourceKind::Preface) => {
                slow.books.extend(
                    prefaces
                        .iter()
                        .filter(|p| &p.source.path == file)
                        .map(|p| p.year),
                );
            }
            Some(SourceKind::Case) => {}
            // Gone: whichever book it was in.
            None => slow.books.extend(crate::book::years(site)),
        }
    }
    let index_of = |id: &str| now.position.get(id).copied();
    for id in &changed {
        own.cases.extend(index_of(id));
        for snapshot in [old, now] {
            for neighbour in snapshot.neighbours(id) {
                rest.cases.extend(index_of(neighbour));
            }
            if let Some((terms, year)) = snapshot.terms_of(id) {
                rest.terms.extend(terms);
                slow.books.insert(year);
            }
        }
    }
    // A term whose link (count) changed: its list, its taxonomy's index,
    // and the pages of its cases, which link to it.
    for taxonomy in &site.taxonomies {
        for term in &taxonomy.terms {
            let key = (taxonomy.kind, term.slug.clone());
            if old.links.get(&key) == now.links.get(&key) {
                continue;
            }
            rest.indexes.insert(taxonomy.kind);
            if CASE_PAGE_TERMS.contains(&taxonomy.kind) {
                rest.cases.extend(term.cases.iter().copied());
            }
            rest.terms.insert(key);
        }
    }
    if old.fingerprint != now.fingerprint {
        rest.cases.extend(0..site.cases.len());
        for taxonomy in &site.taxonomies {
            rest.indexes.insert(taxonomy.kind);
            rest.terms.extend(
                taxonomy
                    .terms
                    .iter()
                    .map(|t| (taxonomy.kind, t.slug.clone())),
            );
        }
        rest.singles = true;
        slow.books.extend(crate::book::years(site));
    }
    rest.cases = rest.cases.difference(&own.cases).copied().collect();
    (own, rest, slow)
}

/// Both selections' pages.
fn merge(mut a: Selection, b: Selection) -> Selection {
    a.cases.extend(b.cases);
    a.terms.extend(b.terms);
    a.indexes.extend(b.indexes);
    a.lists |= b.lists;
    a.singles |= b.singles;
    a.search |= b.search;
    a.books.extend(b.books);
    a.data |= b.data;
    a
}
