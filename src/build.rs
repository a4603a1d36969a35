//! The build pipeline, one phase after another: load config and theme →
//! parse content → derive the site → render, each file streaming into a
//! staging folder → commit. Diagnostics from every phase are collected;
//! any error stops the build and discards the staging folder, so the
//! output is only ever replaced by a complete, checked site.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::config::Config;
use crate::content::{self, ParseOptions};
use crate::diagnostics::{self, Diagnostic};
use crate::output::Staging;
use crate::published;
use crate::output::{Contents, Discard, OutputFile, Recorder, Sink, Written};
use crate::render;
use crate::search::{Purpose, SearchIndex};
use crate::site;
use crate::theme::Theme;

#[derive(Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Defaults to `ROOT/output`.
    pub output: Option<PathBuf>,
    /// Overrides `site.base_url` (for previews and staging hosts).
    pub base_url: Option<String>,
    /// Publish every case, drafts included, marked as such.
    pub drafts: bool,
    /// Show a progress bar (when stderr is a terminal).
    pub progress: bool,
    /// The previous build's `urls.txt`; defaults to the one in the output
    /// folder. Every URL in it must still be published (or aliased).
    pub published: Option<PathBuf>,
    /// URLs that may disappear (`--allow-removed`).
    pub allow_removed: Vec<String>,
    /// Compare with the previously published URLs (off for previews).
    pub check_removed: bool,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub cases: usize,
    pub pages: usize,
    pub files: usize,
    pub output: PathBuf,
    pub warnings: Vec<Diagnostic>,
    /// Each phase's wall and CPU time and the peak memory at its end.
    pub phases: Vec<Phase>,
    pub elapsed: Duration,
}

pub enum BuildError {
    /// The content (or config, or templates) has errors; nothing written.
    Content(Vec<Diagnostic>),
    /// Writing the output failed; the previous output is untouched.
    Io(std::io::Error),
    /// The output folder is not Casebook's to replace (`destination`);
    /// the message says why. Nothing read or written.
    Destination(String),
}

/// What one phase of the build cost, for `--verbose`.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: &'static str,
    pub wall: Duration,
    /// CPU time of all the process's threads (user + system) during the
    /// phase: above `wall` when it ran in parallel (Unix only).
    pub cpu: Option<Duration>,
    /// The process's peak resident memory at the phase's end (Linux only).
    pub peak_memory: Option<u64>,
}

/// Timings of each phase, for `--verbose`.
struct Phases {
    started: Instant,
    last: Instant,
    last_cpu: Option<Duration>,
    list: Vec<Phase>,
}

impl Phases {
    fn new() -> Self {
        let now = Instant::now();
        Phases {
            started: now,
            last: now,
            last_cpu: cpu_time(),
            list: Vec::new(),
        }
    }

    fn done(&mut self, name: &'static str) {
        let now = Instant::now();
        let cpu = cpu_time();
        self.list.push(Phase {
            name,
            wall: now - self.last,
            cpu: cpu
                .zip(self.last_cpu)
                .map(|(now, then)| now.saturating_sub(then)),
            peak_memory: peak_memory(),
        });
        self.last = now;
        self.last_cpu = cpu;
    }
}

/// CPU time used so far by all the process's threads.
fn cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
        // SAFETY: getrusage fills the struct it is given and reads nothing.
        let usage = unsafe {
            if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
                return None;
            }
            usage.assume_init()
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        Some(time(usage.ru_utime) + time(usage.ru_stime))
    }
    #[cfg(not(unix))]
    None
}

/// Hand memory freed so far back to the system. The search index is the
/// build's largest allocation; glibc keeps what it frees in its heap, and
/// rendering would then grow the process past it instead of reusing it.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it has no
    // preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The process's peak resident memory so far (`VmHWM`), where Linux tells.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The parsed, derived site, kept for `check` and for rendering.
pub struct Loaded {
    pub config: Config,
    pub root: PathBuf,
    pub content: content::Content,
    pub base_url: String,
}

/// Load config and parse content; diagnostics of both are in the result.
pub fn load(
    root: &Path,
    base_url: Option<&str>,
    progress: &ProgressBar,
) -> Result<Loaded, Vec<Diagnostic>> {
    load_with(root, base_url, progress, true)
}

/// [`load`], choosing whether code blocks are highlighted.
fn load_with(
    root: &Path,
    base_url: Option<&str>,
    progress: &ProgressBar,
    highlight: bool,
) -> Result<Loaded, Vec<Diagnostic>> {
    let config = Config::load(root)?;
    let root = root.canonicalize().map_err(|err| {
        vec![Diagnostic::error(
            diagnostics::rules::CONFIG_MISSING,
            ".",
            format!("无法打开站点目录：{err}"),
        )]
    })?;
    let base_url = match base_url {
        Some(url) => format!("{}/", url.trim_end_matches('/')),
        None => config.base_url(),
    };
    let base_path = crate::config::base_path_of(&base_url);
    let options = ParseOptions {
        config: &config,
        root: &root,
        base_path,
        highlight,
    };
    let content = content::load(&options, progress);
    Ok(Loaded {
        config,
        root,
        content,
        base_url,
    })
}

/// Check the content without writing anything: the whole build runs (so
/// template errors and broken links are found too) except the search
/// export, which cannot find content problems, and the write.
pub fn check(root: &Path) -> Vec<Diagnostic> {
    let options = BuildOptions {
        root: root.to_path_buf(),
        output: None,
        base_url: None,
        drafts: false,
        progress: false,
        published: None,
        allow_removed: Vec::new(),
        check_removed: false,
    };
    let produced = produce(
        &options,
        &ProgressBar::hidden(),
        &mut Phases::new(),
        SearchExport::Skip,
    );
    let mut diagnostics = match produced {
        Ok(rendered) => rendered.diagnostics,
        Err(BuildError::Content(diagnostics)) => diagnostics,
        // `check` stages nothing, so it cannot fail to write; should that
        // change, the failure is still reported rather than a panic.
        Err(BuildError::Io(err)) => vec![Diagnostic::error(
            diagnostics::rules::FILE_UNREADABLE,
            ".",
            format!("检查时读写文件失败：{err}"),
        )
        .help("检查站点目录的读写权限和磁盘空间后重试")],
        Err(BuildError::Destination(message)) => vec![Diagnostic::error(
            diagnostics::rules::FILE_UNREADABLE,
            ".",
            message,
        )],
    };
    diagnostics::sort(&mut diagnostics);
    diagnostics
}

/// A site rendered into its staging folder, ready to commit.
struct Rendered {
    /// None for `check`, which writes nothing.
    staging: Option<Staging>,
    written: Vec<Written>,
    cases: usize,
    root: PathBuf,
    /// Warnings only: any error stops [`produce`].
    diagnostics: Vec<Diagnostic>,
}

/// Whether [`produce`] builds the static search export.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchExport {
    Build,
    Skip,
}

/// Every phase but the commit. Errors of any phase stop it, with every
/// diagnostic found so far. `check` (`SearchExport::Skip`) renders into a
/// sink that keeps nothing; a build, into a staging folder.
fn produce(
    options: &BuildOptions,
    progress: &ProgressBar,
    phases: &mut Phases,
    search: SearchExport,
) -> Result<Rendered, BuildError> {
    let stop_on_errors = |mut diagnostics: Vec<Diagnostic>| {
        if diagnostics::count_errors(&diagnostics) == 0 {
            return Ok(diagnostics);
        }
        diagnostics::sort(&mut diagnostics);
        Err(BuildError::Content(diagnostics))
    };
    let Loaded {
        config,
        root,
        content,
        base_url,
    } = load_with(
        &options.root,
        options.base_url.as_deref(),
        progress,
        search == SearchExport::Build,
    )
    .map_err(BuildError::Content)?;
    let theme = Theme::load(&root);
    phases.done("load");

    let (site, mut diagnostics) = site::derive(&config, content, options.drafts);
    config.check.apply(&mut diagnostics);
    let theme = match theme {
        Ok(theme) => Some(theme),
        Err(problems) => {
            diagnostics.extend(problems);
            None
        }
    };
    let mut diagnostics = stop_on_errors(diagnostics)?;
    let theme = theme.expect("no errors means the theme loaded");
    phases.done("derive");

    let out_dir = options
        .output
        .clone()
        .unwrap_or_else(|| root.join("output"));
    let staging = match search {
        SearchExport::Build => Some(Staging::begin(&out_dir).map_err(BuildError::Io)?),
        SearchExport::Skip => None,
    };
    let sink: &dyn Sink = match &staging {
        Some(staging) => staging,
        None => &Discard,
    };
    let out = Recorder::new(sink);

    // The search export comes first: the search page inlines its meta.
    let mut search_meta = None;
    if search == SearchExport::Build {
        progress.set_message("生成搜索索引");
        let base_path = crate::config::base_path_of(&base_url);
        let exported =
            SearchIndex::build_for(&site, Purpose::Export, &base_path).and_then(|index| {
                phases.done("search index");
                // The index is dropped here: it is the build's largest
                // allocation, and only its export is published.
                crate::search::export::export(&site, &index, &base_path)
            });
        match exported {
            Ok((files, meta)) => {
                files.into_par_iter().for_each(|f| out.put(f));
                search_meta = Some(meta);
                return_freed_memory();
            }
            Err(err) => {
                diagnostics.push(
                    Diagnostic::error(
                        diagnostics::rules::SEARCH_INDEX,
                        ".",
                        format!("无法生成搜索索引：{err}"),
                    )
                    .help("这通常是磁盘或内存不足；释放空间后重新构建，问题仍在请报告给维护者"),
                );
                diagnostics::sort(&mut diagnostics);
                return Err(BuildError::Content(diagnostics));
            }
        }
        phases.done("search export");
    }

    progress.set_message("生成页面");
    // Books printed by `casebook compile --pdf` into the output are kept
    // (and linked) while their year still has a book.
    let pdfs: Vec<(i64, PathBuf)> = crate::book::years(&site)
        .into_iter()
        .map(|year| (year, out_dir.join(render::book_pdf_path(year))))
        .filter(|(_, path)| path.is_file())
        .collect();
    let pdf_years: Vec<i64> = pdfs.iter().map(|(year, _)| *year).collect();
    let purpose = match search {
        SearchExport::Build => render::Purpose::Publish,
        SearchExport::Skip => render::Purpose::Check,
    };
    let meta = search_meta.as_ref();
    let rendered =
        render::render_site_as(&site, &theme, &base_url, meta, &pdf_years, purpose, &out);
    if let Err(problems) = rendered {
        diagnostics.extend(problems);
        diagnostics::sort(&mut diagnostics);
        return Err(BuildError::Content(diagnostics));
    }
    for (year, path) in pdfs {
        out.put(OutputFile {
            path: render::book_pdf_path(year),
            contents: Contents::Copy(path),
        });
    }
    let written = out.into_written();
    phases.done("render");
    let outputs: HashSet<&str> = written.iter().map(|f| f.path.as_str()).collect();
    diagnostics.extend(site::check_links_against_output(&site, &outputs));
    let diagnostics = stop_on_errors(diagnostics)?;
    Ok(Rendered {
        staging,
        written,
        cases: site.cases.len(),
        root,
        diagnostics,
    })
}

pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let out_dir = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("output"));
    crate::destination::check(&options.root, &out_dir, crate::destination::Use::Site)
        .map_err(BuildError::Destination)?;
    let mut phases = Phases::new();
    let progress = if options.progress {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message("解析内容");
        bar
    } else {
        ProgressBar::hidden()
    };
    let rendered = produce(options, &progress, &mut phases, SearchExport::Build);
    let Rendered {
        staging,
        mut written,
        cases,
        root,
        mut diagnostics,
    } = match rendered {
        Ok(rendered) => rendered,
        Err(err) => {
            progress.finish_and_clear();
            return Err(err);
        }
    };
    let staging = staging.expect("a build stages its files");

    match published_urls(options, &root, &out_dir, &written) {
        Ok(urls_file) => {
            written.push(Written {
                path: urls_file.path.clone(),
                copied_from: None,
            });
            staging.put(urls_file);
        }
        Err(problems) => {
            progress.finish_and_clear();
            diagnostics.extend(problems);
            diagnostics::sort(&mut diagnostics);
            return Err(BuildError::Content(diagnostics));
        }
    }
    phases.done("urls");

    progress.set_message("写入文件");
    let committed = staging.commit();
    progress.finish_and_clear();
    committed.map_err(BuildError::Io)?;
    phases.done("commit");

    diagnostics::sort(&mut diagnostics);
    Ok(BuildReport {
        cases,
        pages: written.iter().filter(|f| f.path.ends_with(".html")).count(),
        files: written.len(),
        output: out_dir,
        warnings: diagnostics,
        elapsed: phases.started.elapsed(),
        phases: phases.list,
    })
}

/// `urls.txt` for this build, after checking that every URL the previous
/// build published is still there (or aliased, or allowed). A `--drafts`
/// build publishes nothing for real: it carries the previous list over
/// unchanged (or writes none), so the next real build is checked against
/// the last real one.
fn published_urls(
    options: &BuildOptions,
    root: &Path,
    out_dir: &Path,
    files: &[Written],
) -> Result<OutputFile, Vec<Diagnostic>> {
    let previous_path = options
        .published
        .clone()
        .unwrap_or_else(|| out_dir.join(published::FILE));
    let shown = content::relative_display(root, &previous_path);
    let previous = match std::fs::read_to_string(&previous_path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && options.published.is_none() => {
            None
        }
        Err(err) => {
            return Err(vec![Diagnostic::error(
                diagnostics::rules::FILE_UNREADABLE,
                &shown,
                format!("无法读取上次发布的网址清单 {shown}：{err}"),
            )])
        }
    };
    let current = published::list(files.iter().map(|f| f.path.as_str()));
    let text = if options.drafts && options.check_removed {
        previous.unwrap_or_default()
    } else {
        if let Some(previous) = previous.as_ref().filter(|_| options.check_removed) {
            let lost = published::check_removed(
                &published::parse(previous),
                &current,
                &options.allow_removed,
                &shown,
            );
            if !lost.is_empty() {
                return Err(lost);
            }
        }
        published::contents(&current)
    };
    Ok(OutputFile {
        path: published::FILE.to_string(),
        contents: Contents::Bytes(text.into_bytes()),
    })
}

/// The bundled example site, loaded and derived (published cases only),
/// handed to `f`: unit tests that need a real site use it.
#[cfg(test)]
pub(crate) fn with_example_site<R>(f: impl FnOnce(&crate::site::Site) -> R) -> R {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let loaded = load(&root, None, &ProgressBar::hidden()).expect("the example site loads");
    let (site, _) = crate::site::derive(&loaded.config, loaded.content, false);
    f(&site)
}
