//! The pipeline every command runs: [`load`] (config, theme and content,
//! with `--base-url` and `--drafts` applied once) → [`Loaded::derive`]
//! (the published site; the site's `[check] allow` applied) → [`render`]
//! (in a [`Mode`]: the search export first, then every page streamed into a
//! sink, then the link check) → [`published_list`] (`urls.txt`) → commit
//! (`output::Staging`). The commands in `cmd` (`build`, `check`,
//! `compile`, `search`) and the preview (`serve`) call these steps; none
//! repeats them. Diagnostics of every step are
//! collected; any error stops the pipeline before anything is committed.

mod phases;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, Content, ParseOptions};
use crate::diagnostics::{self, Diagnostic};
use crate::output::{Contents, OutputFile, Recorder, Sink, Written};
use crate::published;
use crate::render;
use crate::search::{Purpose, Related, SearchIndex};
use crate::site::{self, Site};
use crate::theme::Theme;
use crate::urls::{self, Urls};

use phases::return_freed_memory;
pub use phases::{Phase, Phases};
pub use render::Mode;

/// What to load, with the command line's overrides.
#[derive(Clone, Debug)]
pub struct Request {
    pub root: PathBuf,
    /// Overrides `site.base_url` (previews, staging hosts).
    pub base_url: Option<String>,
    /// Publish every case, drafts included, marked as such.
    pub drafts: bool,
    pub mode: Mode,
    /// Keep each body's Markdown in the model (`compile --pdf`).
    pub keep_markdown: bool,
}

impl Request {
    /// The site at `root` as configured, for `mode`.
    pub fn new(root: &Path, mode: Mode) -> Request {
        Request {
            root: root.to_path_buf(),
            base_url: None,
            drafts: false,
            mode,
            keep_markdown: false,
        }
    }
}

/// Everything the pipeline reads: config, theme, content. The preview
/// keeps one and replaces its parts as files change.
pub struct Loaded {
    /// The site folder, canonical.
    pub root: PathBuf,
    pub config: Config,
    /// The theme, or its problems (reported with the site's, by derive).
    pub theme: Result<Theme, Vec<Diagnostic>>,
    pub urls: Urls,
    pub content: Content,
    /// What was asked for: drafts or not, the mode, whether bodies keep
    /// their Markdown.
    pub request: Request,
}

/// Config and theme of the site at `root` (canonical), and its base URL
/// with the override applied: the one place they are read.
pub struct Setup {
    pub root: PathBuf,
    pub config: Config,
    pub theme: Result<Theme, Vec<Diagnostic>>,
    pub urls: Urls,
}

/// Read the site's `casebook.toml` (commands that need only the config,
/// like `new` and `import`, call this too).
pub fn load_config(root: &Path) -> Result<Config, Vec<Diagnostic>> {
    Config::load(root)
}

/// Read the site's config and theme. A config with errors stops here.
pub fn load_setup(root: &Path, base_url: Option<&str>) -> Result<Setup, Vec<Diagnostic>> {
    let config = load_config(root)?;
    let root = root.canonicalize().map_err(|err| {
        vec![Diagnostic::error(
            diagnostics::rules::CONFIG_MISSING,
            ".",
            format!("无法打开站点目录：{err}"),
        )]
    })?;
    let urls = Urls::new(base_url.unwrap_or(&config.site.base_url));
    let theme = Theme::load(&root);
    Ok(Setup {
        root,
        config,
        theme,
        urls,
    })
}

/// Load config, theme and content; the content's problems travel with it
/// (in `content.diagnostics`) to [`Loaded::derive`].
pub fn load(request: &Request, progress: &ProgressBar) -> Result<Loaded, Vec<Diagnostic>> {
    let setup = load_setup(&request.root, request.base_url.as_deref())?;
    let mut loaded = Loaded::without_content(setup, request);
    loaded.content = content::load(&loaded.parse_options(), progress);
    Ok(loaded)
}

/// The site derived from what was loaded, ready to render.
pub struct Derived<'l> {
    /// The site folder (caches live under it).
    pub root: &'l Path,
    pub site: Site<'l>,
    pub theme: &'l Theme,
    pub mode: Mode,
    /// Warnings only: errors stop [`Loaded::derive`].
    pub warnings: Vec<Diagnostic>,
}

impl Loaded {
    /// Config and theme for `request`, no content yet (the preview parses
    /// its files one at a time).
    pub fn without_content(setup: Setup, request: &Request) -> Loaded {
        Loaded {
            root: setup.root,
            config: setup.config,
            theme: setup.theme,
            urls: setup.urls,
            content: Content::default(),
            request: request.clone(),
        }
    }

    /// How a file of this site is parsed (the preview parses edited files
    /// one at a time, exactly as [`load`] does).
    pub fn parse_options(&self) -> ParseOptions<'_> {
        ParseOptions {
            config: &self.config,
            root: &self.root,
            base_path: self.urls.base_path().to_string(),
            highlight: self.request.mode.highlights(),
            keep_markdown: self.request.keep_markdown,
        }
    }

    /// The published site. Every problem found so far (content, theme,
    /// the whole site's checks), less the writing rules the site turned
    /// off; any error left stops here, sorted.
    pub fn derive(&self) -> Result<Derived<'_>, Vec<Diagnostic>> {
        let (site, mut diagnostics) = site::derive(
            &self.config,
            self.urls.clone(),
            &self.content,
            self.request.drafts,
        );
        diagnostics.extend(self.content.diagnostics.iter().cloned());
        diagnostics.extend(self.config.warnings(self.urls.base_url()));
        if let Err(problems) = &self.theme {
            diagnostics.extend(problems.iter().cloned());
        }
        self.config.check.apply(&mut diagnostics);
        let warnings = stop_on_errors(diagnostics)?;
        let theme = self
            .theme
            .as_ref()
            .expect("no errors means the theme loaded");
        Ok(Derived {
            root: &self.root,
            site,
            theme,
            mode: self.request.mode,
            warnings,
        })
    }
}

/// The diagnostics when none is an error; else all of them, sorted.
fn stop_on_errors(mut diagnostics: Vec<Diagnostic>) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    if diagnostics::count_errors(&diagnostics) == 0 {
        return Ok(diagnostics);
    }
    diagnostics::sort(&mut diagnostics);
    Err(diagnostics)
}

/// What [`render`] made.
pub struct Rendered {
    /// Every path put into the sink.
    pub written: Vec<Written>,
    /// The search index `/api/search` queries (preview only).
    pub search_index: Option<SearchIndex>,
    /// The search export's paths.
    pub search_files: Vec<String>,
    /// Each case's related cases (not in `check`, which has no export).
    pub related: Option<Related>,
    /// Warnings only.
    pub warnings: Vec<Diagnostic>,
    /// Picture variants made, and taken from the cache.
    pub images: (usize, usize),
    /// Share posters drawn, and taken from the cache.
    pub posters: (usize, usize),
}

/// Printed books found beside the output, by year: kept (copied into the
/// new output, and linked) while their year still has a book.
pub fn printed_books(site: &Site, out_dir: &Path) -> Vec<(i64, PathBuf)> {
    crate::book::years(site)
        .into_iter()
        .map(|year| (year, out_dir.join(urls::book_pdf(year))))
        .filter(|(_, path)| path.is_file())
        .collect()
}

/// Render the derived site into `sink`: the search export first (the
/// search page inlines its meta), then every page, then the printed
/// books' copies; then check the site's links against what was made.
pub fn render(
    derived: Derived,
    printed: &[(i64, PathBuf)],
    sink: &dyn Sink,
    progress: &ProgressBar,
    mut phases: Option<&mut Phases>,
) -> Result<Rendered, Vec<Diagnostic>> {
    let Derived {
        root,
        site,
        theme,
        mode,
        warnings: mut diagnostics,
    } = derived;
    // Errors come back with the warnings found so far.
    let failed = |mut diagnostics: Vec<Diagnostic>, problems: Vec<Diagnostic>| {
        diagnostics.extend(problems);
        diagnostics::sort(&mut diagnostics);
        diagnostics
    };
    let out = Recorder::new(sink);
    if mode == Mode::Preview {
        // A template error shows before the slow search export is made.
        if let Err(problems) = render::render_probe(&site, theme) {
            return Err(failed(diagnostics, problems));
        }
    }
    let mut search_meta = None;
    let mut search_index = None;
    let mut related = None;
    let mut search_files = Vec::new();
    if mode.exports_search() {
        progress.set_message("生成搜索索引");
        let exported = match search_export(&site, mode, phases.as_deref_mut()) {
            Ok(exported) => exported,
            Err(problems) => return Err(failed(diagnostics, problems)),
        };
        search_files = exported.files.iter().map(|f| f.path.clone()).collect();
        exported.files.into_par_iter().for_each(|f| out.put(f));
        search_meta = Some(exported.meta);
        search_index = exported.index;
        related = Some(exported.related);
        return_freed_memory();
    }

    progress.set_message("生成页面");
    let years: Vec<i64> = printed.iter().map(|(year, _)| *year).collect();
    let media = render::Media::at(root);
    let rendered = render::render_site(
        &site,
        theme,
        search_meta.as_ref().zip(related.as_ref()),
        &years,
        mode,
        &media,
        &out,
    );
    if let Err(problems) = rendered {
        return Err(failed(diagnostics, problems));
    }
    for (year, path) in printed {
        out.put(OutputFile {
            path: urls::book_pdf(*year),
            contents: Contents::Copy(path.clone()),
        });
    }
    let written = out.into_written();
    if let Some(phases) = phases {
        phases.done("render");
    }
    let outputs: HashSet<&str> = written.iter().map(|f| f.path.as_str()).collect();
    diagnostics.extend(site::check_links_against_output(&site, &outputs));
    diagnostics.extend(media.refusals());
    let warnings = stop_on_errors(diagnostics)?;
    Ok(Rendered {
        written,
        search_index,
        search_files,
        related,
        warnings,
        images: media.images.counts(),
        posters: media.posters.counts(),
    })
}

/// What the search export makes: its files and meta, each case's related
/// cases (from the same lean index), and the full index the preview keeps
/// for `/api/search`.
pub struct SearchExport {
    pub files: Vec<OutputFile>,
    pub meta: crate::search::export::Meta,
    pub related: Related,
    pub index: Option<SearchIndex>,
}

/// The static search export and the related cases, from a lean index
/// dropped before the pages are rendered (it is the build's largest
/// allocation); the preview also keeps a full index for `/api/search`.
pub fn search_export(
    site: &Site,
    mode: Mode,
    mut phases: Option<&mut Phases>,
) -> Result<SearchExport, Vec<Diagnostic>> {
    let exported = SearchIndex::build_for(site, Purpose::Export).and_then(|lean| {
        if let Some(phases) = phases.as_deref_mut() {
            phases.done("search index");
        }
        let (files, meta) = crate::search::export::export(site, &lean)?;
        if let Some(phases) = phases.as_deref_mut() {
            phases.done("search export");
        }
        let related = Related::of_site(site, &lean)?;
        if let Some(phases) = phases {
            phases.done("related cases");
        }
        Ok((files, meta, related))
    });
    let kept = exported.and_then(|(files, meta, related)| {
        let index = match mode {
            Mode::Preview => Some(SearchIndex::build(site)?),
            Mode::Publish | Mode::Check => None,
        };
        Ok(SearchExport {
            files,
            meta,
            related,
            index,
        })
    });
    kept.map_err(|err| {
        vec![Diagnostic::error(
            diagnostics::rules::SEARCH_INDEX,
            ".",
            format!("无法生成搜索索引：{err}"),
        )
        .help("这通常是磁盘或内存不足；释放空间后重新构建，问题仍在请报告给维护者")]
    })
}

/// `urls.txt` listing every published URL path of `files`.
pub fn published_list(files: &[Written]) -> OutputFile {
    let current = published::list(files.iter().map(|f| f.path.as_str()));
    OutputFile {
        path: urls::PUBLISHED_LIST.to_string(),
        contents: Contents::Bytes(published::contents(&current).into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example site loaded for `request`.
    fn example(keep_markdown: bool) -> Loaded {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let request = Request {
            keep_markdown,
            ..Request::new(root, Mode::Publish)
        };
        load(&request, &ProgressBar::hidden()).expect("the example site loads")
    }

    #[test]
    fn bodies_keep_their_markdown_only_when_asked() {
        let plain = example(false);
        assert!(plain
            .content
            .cases
            .iter()
            .all(|c| c.body.markdown.is_none()));
        let kept = example(true);
        assert!(!kept.content.cases.is_empty());
        for case in &kept.content.cases {
            let markdown = case.body.markdown.as_deref().expect("kept");
            assert!(markdown.contains("## 摘要"), "{}", case.source.rel);
            assert!(!markdown.starts_with("---"), "front matter left out");
        }
    }
}
