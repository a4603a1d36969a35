//! The preview's model and its rebuilds. The parsed content stays in memory
//! between rebuilds: an edit re-parses only the files that changed, derives
//! the site again (cheap), renders only the pages the edit can have changed
//! (`render::select`, beside the list of page kinds) and writes only the
//! files whose bytes differ. What shows every case (the search export and
//! the search page, the open data, the books) comes after, in
//! [`Preview::refresh_slow`], so it never delays a reload. Loading,
//! deriving and the whole-site render are the pipeline's (`build`), in
//! [`Mode::Preview`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::build::{self, Loaded, Mode, Request};
use crate::content::{self, Case, Content, Parsed, SourceKind};
use crate::diagnostics::{self, Diagnostic};
use crate::output::{self, OutputFile, Sink};
use crate::render::{self, Changes, Selection, Snapshot};
use crate::search::{Related, SearchIndex};
use crate::site;
use crate::urls;

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
    /// The site, the preview's base URL, `--drafts`, in [`Mode::Preview`].
    request: Request,
    out: PathBuf,
    /// Config, theme and content, once the config loaded.
    loaded: Option<Loaded>,
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
    /// Page kinds whose templates changed since the snapshot.
    template_kinds: Vec<render::PageKind>,
    /// The search index of the last good site.
    pub search_index: Option<SearchIndex>,
    /// The related cases case pages list now (from the last search
    /// export: an edit changes them with the slow refresh).
    related: Option<Related>,
}

impl Preview {
    pub fn new(root: &Path, out: &Path, base_url: &str, drafts: bool) -> Preview {
        Preview {
            request: Request {
                root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
                base_url: Some(base_url.to_string()),
                drafts,
                mode: Mode::Preview,
                keep_markdown: false,
            },
            out: out.to_path_buf(),
            loaded: None,
            sources: BTreeMap::new(),
            discover_diagnostics: Vec::new(),
            snapshot: None,
            dirty: BTreeSet::new(),
            dirty_ids: BTreeSet::new(),
            written: BTreeSet::new(),
            search_files: BTreeSet::new(),
            slow: None,
            template_kinds: Vec::new(),
            search_index: None,
            related: None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.request.root
    }

    /// Whether [`Preview::refresh_slow`] has work to do.
    pub fn slow_pending(&self) -> bool {
        self.slow.is_some()
    }

    /// Load everything and build the whole site.
    pub fn build_all(&mut self) -> Outcome {
        self.loaded = None;
        self.snapshot = None;
        let setup = match build::load_setup(&self.request.root, self.request.base_url.as_deref()) {
            Ok(setup) => setup,
            Err(diags) => return Outcome::Failed(diags),
        };
        self.loaded = Some(Loaded::without_content(setup, &self.request));
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
        let root = self.request.root.clone();
        let content = root.join("content");
        let (content_paths, other): (Vec<&PathBuf>, Vec<&PathBuf>) = paths
            .iter()
            .partition(|p| p.starts_with(&content) && p.as_path() != content);
        let config_changed = other
            .iter()
            .any(|p| !p.starts_with(&root) || p.ends_with("casebook.toml"));
        let Some(loaded) = self.loaded.as_mut().filter(|_| !config_changed) else {
            return self.build_all();
        };
        if !other.is_empty() {
            // Templates or static files: the content is parsed as it was.
            match build::load_setup(&root, self.request.base_url.as_deref()) {
                Ok(setup) => {
                    // Only templates changed: the kinds that use them.
                    match template_kinds(&loaded.theme, &setup.theme) {
                        Some(kinds) => self.template_kinds.extend(kinds),
                        // Every page may have changed: render them all.
                        None => self.snapshot = None,
                    }
                    loaded.theme = setup.theme;
                }
                Err(diags) => {
                    self.snapshot = None;
                    return Outcome::Failed(diags);
                }
            }
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
            for case in &loaded.content.cases {
                if path.starts_with(&case.source.dir) && case.source.dir != content {
                    reparse.insert(case.source.path.clone());
                }
            }
        }
        if rediscover {
            let found = content::discover(&root);
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
        ids_in(&loaded.content.cases, &mut self.dirty_ids);
        for path in &reparse {
            self.reparse(path);
        }
        if let Some(loaded) = &self.loaded {
            ids_in(&loaded.content.cases, &mut self.dirty_ids);
        }
        self.dirty.extend(reparse);
        self.rebuild_with(notify)
    }

    /// Discover and parse every content file.
    fn parse_all(&mut self) {
        let Some(loaded) = self.loaded.as_mut() else {
            return;
        };
        let found = content::discover(&loaded.root);
        let options = loaded.parse_options();
        let parsed: Vec<(Parsed, Vec<Diagnostic>)> = found
            .files
            .par_iter()
            .map(|(kind, path)| content::parse_file(*kind, path, &options))
            .collect();
        self.discover_diagnostics = found.diagnostics;
        self.sources.clear();
        let mut content = Content::default();
        for ((kind, path), (item, diagnostics)) in found.files.into_iter().zip(parsed) {
            self.sources.insert(path, Source { kind, diagnostics });
            keep(&mut content, item);
        }
        loaded.content = content;
        self.dirty.clear();
        self.dirty_ids.clear();
    }

    /// Parse `path` again (or forget it, when it is gone).
    fn reparse(&mut self, path: &Path) {
        let Some(loaded) = self.loaded.as_mut() else {
            return;
        };
        let content = &mut loaded.content;
        content.cases.retain(|c| c.source.path != path);
        content.pages.retain(|p| p.source.path != path);
        content.prefaces.retain(|p| p.source.path != path);
        let Some(kind) = self.sources.get(path).map(|s| s.kind) else {
            return;
        };
        if !path.is_file() {
            self.sources.remove(path);
            return;
        }
        let (item, diagnostics) = content::parse_file(kind, path, &loaded.parse_options());
        self.sources
            .insert(path.to_path_buf(), Source { kind, diagnostics });
        let content = &mut loaded.content;
        keep(content, item);
        // Pages keep discovery order (the navigation lists them so).
        content
            .pages
            .sort_by(|a, b| a.source.path.cmp(&b.source.path));
    }

    /// The content's problems as they stand: discovery's and each file's.
    fn refresh_diagnostics(&mut self) {
        let Some(loaded) = self.loaded.as_mut() else {
            return;
        };
        let mut diagnostics = self.discover_diagnostics.clone();
        for source in self.sources.values() {
            diagnostics.extend(source.diagnostics.iter().cloned());
        }
        loaded.content.diagnostics = diagnostics;
    }

    /// Derive and render the whole site (the pipeline, as `casebook build`
    /// runs it, without printed books), and write what differs.
    fn rebuild(&mut self) -> Outcome {
        self.refresh_diagnostics();
        let Some(loaded) = &self.loaded else {
            return Outcome::Failed(Vec::new());
        };
        let derived = match loaded.derive() {
            Ok(derived) => derived,
            Err(diagnostics) => {
                self.snapshot = None;
                return Outcome::Failed(diagnostics);
            }
        };
        let mut snapshot = Snapshot::of(&derived.site);
        let cases = derived.site.cases.len();
        // Written as rendered (only what differs), never held whole: at
        // 10,000 cases the site is gigabytes.
        let updater = output::Updater::new(&self.out);
        let hidden = ProgressBar::hidden();
        let rendered = build::render(derived, &[], &updater, &hidden, None);
        let list = rendered
            .as_ref()
            .ok()
            .map(|rendered| build::published_list(&rendered.written));
        let mut paths: BTreeSet<String> = list.iter().map(|f| f.path.clone()).collect();
        if let Some(list) = list {
            updater.put(list);
        }
        let written = updater.finish();
        // Whatever went in stays known, so a later rebuild removes it.
        let mut changed = match written {
            Ok(changed) => changed,
            Err((err, changed)) => {
                self.written.extend(changed);
                return Outcome::Io(err);
            }
        };
        let rendered = match rendered {
            Ok(rendered) => rendered,
            Err(diagnostics) => {
                self.written.extend(changed);
                self.snapshot = None;
                return Outcome::Failed(diagnostics);
            }
        };
        paths.extend(rendered.written.iter().map(|w| w.path.clone()));
        let removed: Vec<String> = self.written.difference(&paths).cloned().collect();
        match output::update(&self.out, &[], &removed) {
            Ok(gone) => changed.extend(gone),
            Err(err) => return Outcome::Io(err),
        }
        changed.sort();
        self.written = paths;
        self.search_files = rendered.search_files.into_iter().collect();
        self.search_index = rendered.search_index;
        if let Some(related) = &rendered.related {
            snapshot.relate(related);
        }
        self.related = rendered.related;
        self.snapshot = Some(snapshot);
        self.dirty.clear();
        self.dirty_ids.clear();
        self.template_kinds.clear();
        self.slow = None;
        Outcome::Built {
            changed,
            cases,
            warnings: rendered.warnings,
            full: true,
        }
    }

    /// Derive, render what the changed files can have changed, write what
    /// differs: first the changed cases' own pages (what the editor looks
    /// at; `notify` is told at once), then the pages around them.
    fn rebuild_with(&mut self, notify: &mut dyn FnMut(&[String])) -> Outcome {
        let Some(old) = &self.snapshot else {
            return self.rebuild();
        };
        let shape = old.shape;
        self.refresh_diagnostics();
        let Some(loaded) = &self.loaded else {
            return Outcome::Failed(Vec::new());
        };
        let derived = match loaded.derive() {
            Ok(derived) => derived,
            Err(diagnostics) => return Outcome::Failed(diagnostics),
        };
        let mut now = Snapshot::of(&derived.site);
        if now.shape != shape {
            drop(derived);
            return self.rebuild();
        }
        let (site, theme, mut diagnostics) = (derived.site, derived.theme, derived.warnings);
        let outputs: HashSet<&str> = self.written.iter().map(String::as_str).collect();
        diagnostics.extend(site::check_links_against_output(&site, &outputs));
        diagnostics::sort(&mut diagnostics);
        if diagnostics::count_errors(&diagnostics) > 0 {
            return Outcome::Failed(diagnostics);
        }
        let kinds: HashMap<&PathBuf, SourceKind> =
            self.sources.iter().map(|(p, s)| (p, s.kind)).collect();
        let changes = Changes {
            files: &self.dirty,
            ids: &self.dirty_ids,
            kinds: &kinds,
        };
        let old = self.snapshot.as_ref().expect("checked above");
        let prefaces = &loaded.content.prefaces;
        let (own, rest, slow) = render::select(old, &now, &site, &changes, prefaces);
        let (rest, slow) = with_template_kinds(&self.template_kinds, &site, rest, slow);
        // Until the slow refresh finds them again, the lists stay as they were.
        if let Some(related) = &self.related {
            now.relate(related);
        }
        let related = self.related.as_ref();
        let mut changed = Vec::new();
        let media = render::Media::at(&self.request.root);
        for selection in [own, rest] {
            let collected = Collect::default();
            if let Err(problems) =
                render::render_selected(&site, theme, None, related, &selection, &media, &collected)
            {
                let mut all = diagnostics.clone();
                all.extend(problems);
                diagnostics::sort(&mut all);
                return Outcome::Failed(all);
            }
            match output::update(&self.out, &collected.into_files(), &[]) {
                Ok(written) => {
                    notify(&written);
                    changed.extend(written);
                }
                Err(err) => return Outcome::Io(err),
            }
        }
        let cases = site.cases.len();
        self.snapshot = Some(now);
        self.dirty.clear();
        self.dirty_ids.clear();
        self.template_kinds.clear();
        self.slow = Some(match self.slow.take() {
            Some(before) => before.merge(slow),
            None => slow,
        });
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
        self.refresh_diagnostics();
        let loaded = self.loaded.as_ref()?;
        // `None`: not now (errors since, or a change came in).
        let produced: Result<_, Option<Vec<Diagnostic>>> = match loaded.derive() {
            Err(_) => Err(None),
            Ok(_) if stop() => Err(None),
            Ok(derived) => build::search_export(&derived.site, Mode::Preview, None)
                .map_err(Some)
                .and_then(|exported| if stop() { Err(None) } else { Ok(exported) })
                .and_then(|exported| {
                    // And the case pages whose related cases changed.
                    let mut selection = selection.clone();
                    let relisted = match &self.related {
                        Some(before) => before.changed(&exported.related),
                        None => derived.site.cases.iter().map(|c| c.id.clone()).collect(),
                    };
                    selection.cases.extend(
                        (derived.site.cases.iter().enumerate())
                            .filter(|(_, c)| relisted.contains(&c.id))
                            .map(|(i, _)| i),
                    );
                    let collected = Collect::default();
                    render::render_selected(
                        &derived.site,
                        derived.theme,
                        Some(&exported.meta),
                        Some(&exported.related),
                        &selection,
                        &render::Media::at(derived.root),
                        &collected,
                    )
                    .map_err(Some)?;
                    let mut files = collected.into_files();
                    files.extend(exported.files);
                    let cases = derived.site.cases.len();
                    Ok((exported.index, exported.related, files, cases))
                })
                .and_then(|produced| if stop() { Err(None) } else { Ok(produced) }),
        };
        let (index, related, files, cases) = match produced {
            Ok(produced) => produced,
            Err(None) => {
                self.slow = Some(selection);
                return None;
            }
            Err(Some(diagnostics)) => return Some(Outcome::Failed(diagnostics)),
        };
        let search_files: BTreeSet<String> = files
            .iter()
            .filter(|f| urls::is_search_export_file(&f.path))
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
        self.search_index = index;
        if let Some(snapshot) = &mut self.snapshot {
            snapshot.relate(&related);
        }
        self.related = Some(related);
        Some(Outcome::Built {
            changed,
            cases,
            warnings: Vec::new(),
            full: false,
        })
    }
}

/// Add a parsed file to the content.
fn keep(content: &mut Content, item: Parsed) {
    match item {
        Parsed::Case(case) => content.cases.push(*case),
        Parsed::Page(page) => content.pages.push(*page),
        Parsed::Preface(preface) => content.prefaces.push(*preface),
        Parsed::Nothing => {}
    }
}

/// A sink that keeps what is rendered: the preview compares it with what
/// it wrote before and writes only what differs.
#[derive(Default)]
struct Collect(Mutex<Vec<OutputFile>>);

impl Collect {
    fn into_files(self) -> Vec<OutputFile> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for Collect {
    fn put(&self, file: OutputFile) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(file);
    }
}

/// The page kinds to render again when the theme went from `old` to
/// `new`: `None` when anything but templates changed (static files, a
/// theme with errors) or the templates' users cannot be told.
fn template_kinds(
    old: &Result<crate::theme::Theme, Vec<Diagnostic>>,
    new: &Result<crate::theme::Theme, Vec<Diagnostic>>,
) -> Option<Vec<render::PageKind>> {
    let (Ok(old), Ok(new)) = (old, new) else {
        return None;
    };
    if old.statics != new.statics {
        return None;
    }
    let names: BTreeSet<&String> = old.templates.keys().chain(new.templates.keys()).collect();
    let changed: BTreeSet<String> = names
        .into_iter()
        .filter(|name| old.templates.get(*name) != new.templates.get(*name))
        .cloned()
        .collect();
    render::kinds_using(&new.templates, &changed)
}

/// Add every page of the kinds whose templates changed: the search page
/// and books to what comes when quiet (they need the search export), the
/// rest to what is rendered now.
fn with_template_kinds(
    kinds: &[render::PageKind],
    site: &site::Site,
    rest: Selection,
    slow: Selection,
) -> (Selection, Selection) {
    use render::PageKind;
    let (later, now): (Vec<PageKind>, Vec<PageKind>) = kinds
        .iter()
        .partition(|k| matches!(k, PageKind::Search | PageKind::Book));
    (
        rest.merge(Selection::of_kinds(site, &now)),
        slow.merge(Selection::of_kinds(site, &later)),
    )
}
