//! `casebook build`: the pipeline in [`Mode::Publish`] into a staging
//! folder, `urls.txt` checked against the previous build's, then the
//! atomic swap. The output folder must be Casebook's (`destination`).
//! The output it replaces is kept as the previous generation
//! (`output::previous_path`), which [`rollback`] swaps back in; the one
//! before is left set aside for the caller to remove outside the editor's
//! wait (`BuildReport::committed`, `output::remove_discarded`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::build::{load, printed_books, published_list, render, Mode, Phases, Rendered, Request};
use crate::content;
use crate::diagnostics::{self, Diagnostic};
use crate::output::{Contents, Copies, OutputFile, Reuse, Reused, Sink, Staging, Written};
use crate::precompress::Precompress;
use crate::published;
use crate::urls;

pub use crate::build::Phase;

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
    /// Write every file afresh, taking nothing from the output being
    /// replaced (`--clean`; `output::Reuse`).
    pub clean: bool,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub cases: usize,
    pub pages: usize,
    pub files: usize,
    pub output: PathBuf,
    pub warnings: Vec<Diagnostic>,
    /// Picture variants (and share posters) drawn by this build, and
    /// taken from the cache (`images::resize`).
    pub drawn: Drawn,
    /// Unchanged files linked from the output this build replaced.
    pub reused: Reused,
    /// Each phase's wall and CPU time and the peak memory at its end.
    pub phases: Vec<Phase>,
    pub elapsed: Duration,
    /// What the commit did beside the output: whether an older generation
    /// was set aside (call `output::remove_discarded`; the CLI does, in a
    /// detached process) and whether the replaced output was kept.
    pub committed: crate::output::Committed,
}

/// What a build drew, and what it took from the caches.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    pub images_made: usize,
    pub images_reused: usize,
    pub posters_made: usize,
    pub posters_reused: usize,
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

/// `casebook build`: the pipeline in [`Mode::Publish`] into a staging
/// folder, `urls.txt` checked against the previous build's, then the
/// atomic swap.
pub fn run(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let out_dir = options
        .output
        .clone()
        .unwrap_or_else(|| crate::destination::default_output(&options.root));
    crate::destination::check(&options.root, &out_dir, crate::destination::Use::Site)
        .map_err(BuildError::Destination)?;
    let mut phases = Phases::new();
    let progress = progress_bar(options.progress);
    let built = stage(options, &out_dir, &progress, &mut phases);
    let (staging, written, cases, warnings, drawn, reused) = match built {
        Ok(built) => built,
        Err(err) => {
            progress.finish_and_clear();
            return Err(err);
        }
    };
    progress.set_message("写入文件");
    let committed = staging.commit_keeping_previous();
    progress.finish_and_clear();
    let committed = committed.map_err(BuildError::Io)?;
    phases.done("commit");
    Ok(BuildReport {
        cases,
        pages: written.iter().filter(|f| f.path.ends_with(".html")).count(),
        files: written.len(),
        output: out_dir,
        warnings,
        drawn,
        reused,
        elapsed: phases.started.elapsed(),
        phases: phases.list,
        committed,
    })
}

/// `casebook build --rollback`: swap the previous generation back in as
/// the output (atomically; a second rollback swaps them again). Returns
/// the output folder.
pub fn rollback(root: &Path, output: Option<&Path>) -> Result<PathBuf, BuildError> {
    let out_dir = output.map_or_else(
        || crate::destination::default_output(root),
        Path::to_path_buf,
    );
    let previous = crate::output::previous_path(&out_dir);
    for folder in [&out_dir, &previous] {
        crate::destination::check(root, folder, crate::destination::Use::Site)
            .map_err(BuildError::Destination)?;
    }
    crate::output::roll_back(&out_dir).map_err(BuildError::Io)?;
    Ok(out_dir)
}

type Staged = (Staging, Vec<Written>, usize, Vec<Diagnostic>, Drawn, Reused);

/// Every step of a build but the commit.
fn stage(
    options: &BuildOptions,
    out_dir: &Path,
    progress: &ProgressBar,
    phases: &mut Phases,
) -> Result<Staged, BuildError> {
    let request = Request {
        root: options.root.clone(),
        base_url: options.base_url.clone(),
        drafts: options.drafts,
        mode: Mode::Publish,
        keep_markdown: false,
    };
    let loaded = load(&request, progress).map_err(BuildError::Content)?;
    phases.done("load");
    let derived = loaded.derive().map_err(BuildError::Content)?;
    let cases = derived.site.cases.len();
    let printed = printed_books(&derived.site, out_dir);
    phases.done("derive");
    let brotli = derived.site.config.output.brotli;
    let snippet = crate::nginx::snippet(&derived.site, brotli);
    let staging = Staging::begin(out_dir).map_err(BuildError::Io)?;
    let compress = Precompress::new(&staging, brotli);
    let previous = (!options.clean).then_some(out_dir);
    let copies = Copies {
        wanted: crate::precompress::gets_copies,
        brotli,
    };
    let sink = Reuse::new(&staging, &compress, previous, copies);
    let rendered =
        render(derived, &printed, &sink, progress, Some(phases)).map_err(BuildError::Content)?;
    let Rendered {
        mut written,
        mut warnings,
        images,
        posters,
        ..
    } = rendered;
    let drawn = Drawn {
        images_made: images.0,
        images_reused: images.1,
        posters_made: posters.0,
        posters_reused: posters.1,
    };
    match published_urls(options, &loaded.root, out_dir, &written) {
        Ok(urls_file) => {
            written.push(Written {
                path: urls_file.path.clone(),
                copied_from: None,
            });
            sink.put(urls_file);
        }
        Err(problems) => {
            warnings.extend(problems);
            diagnostics::sort(&mut warnings);
            return Err(BuildError::Content(warnings));
        }
    }
    sink.put(OutputFile {
        path: crate::nginx::SNIPPET.to_string(),
        contents: Contents::Bytes(snippet.into_bytes()),
    });
    let paths = written.iter().map(|w| w.path.as_str());
    let record = crate::destination::record_text(options.drafts, paths);
    sink.put(OutputFile {
        path: crate::destination::BUILD_RECORD.to_string(),
        contents: Contents::Bytes(record.into_bytes()),
    });
    phases.done("urls");
    diagnostics::sort(&mut warnings);
    let reused = sink.reused();
    drop(sink);
    Ok((staging, written, cases, warnings, drawn, reused))
}

fn progress_bar(shown: bool) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message("解析内容");
    bar
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
        .unwrap_or_else(|| out_dir.join(urls::PUBLISHED_LIST));
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
    if options.drafts && options.check_removed {
        return Ok(OutputFile {
            path: urls::PUBLISHED_LIST.to_string(),
            contents: Contents::Bytes(previous.unwrap_or_default().into_bytes()),
        });
    }
    if let Some(previous) = previous.as_ref().filter(|_| options.check_removed) {
        let current = published::list(files.iter().map(|f| f.path.as_str()));
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
    Ok(published_list(files))
}
