//! `casebook deploy`: check that the output folder is a finished build of
//! Casebook's, find the target (flag or `[deploy] target`) and the
//! connection (environment), then hand over to `deploy`.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use crate::build::load_config;
use crate::deploy::{self, target, Outcome};
use crate::destination;
use crate::diagnostics::Diagnostic;
use crate::urls::Urls;

pub struct DeployOptions {
    pub root: PathBuf,
    /// Defaults to `ROOT/output`.
    pub output: Option<PathBuf>,
    /// Overrides `[deploy] target`.
    pub target: Option<String>,
    pub dry_run: bool,
    /// Uploads at once.
    pub jobs: usize,
    /// Show a progress bar (when stderr is a terminal).
    pub progress: bool,
}

pub struct DeployReport {
    pub target: String,
    pub dry_run: bool,
    pub outcome: Outcome,
}

pub enum DeployError {
    /// `casebook.toml` has errors.
    Config(Vec<Diagnostic>),
    /// Refused before anything was sent: the message says why.
    Refused(String),
    /// The deploy failed midway; running it again completes it.
    Failed(String),
}

pub fn run(options: &DeployOptions) -> Result<DeployReport, DeployError> {
    let config = load_config(&options.root).map_err(DeployError::Config)?;
    let out = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("output"));
    check_output(&options.root, &out).map_err(DeployError::Refused)?;
    let text = options
        .target
        .clone()
        .or(config.deploy.target.clone())
        .ok_or_else(|| {
            DeployError::Refused(
                "没有发布目标：用 --target s3://存储桶名/目录 指定，或在 casebook.toml 的 [deploy] 里写 target = \"s3://存储桶名/目录\"".into(),
            )
        })?;
    let target = target::parse(&text).map_err(DeployError::Refused)?;
    let connection =
        target::connection(|name| std::env::var(name).ok(), config.deploy.virtual_host)
            .map_err(DeployError::Refused)?;
    let request = deploy::Request {
        out,
        target: target.clone(),
        connection,
        urls: Urls::new(&config.site.base_url),
        dry_run: options.dry_run,
        jobs: options.jobs.clamp(1, 64),
    };
    let progress = progress_bar(options.progress);
    let outcome = deploy::run(&request, &progress);
    progress.finish_and_clear();
    Ok(DeployReport {
        target: target.to_string(),
        dry_run: options.dry_run,
        outcome: outcome.map_err(DeployError::Failed)?,
    })
}

/// Only a finished build's output is published: Casebook's marker (a
/// staging folder gets it only when its build commits) and nothing the
/// marker does not list.
fn check_output(root: &std::path::Path, out: &std::path::Path) -> Result<(), String> {
    let shown = out.display();
    if !out.is_dir() {
        return Err(format!(
            "输出目录 {shown} 不存在：先运行 casebook build 再发布"
        ));
    }
    destination::check(root, out, destination::Use::Site)
        .map_err(|why| format!("不发布 {shown}：{why}"))?;
    if !destination::is_marked(out) {
        return Err(format!(
            "{shown} 不是一次完成的 Casebook 构建（没有输出标记 {}；构建失败或中断时输出不完整）：先运行 casebook build，成功后再发布",
            destination::MARKER
        ));
    }
    // A --drafts build shows unpublished cases: it is a preview only.
    let home = std::fs::read_to_string(out.join("index.html")).unwrap_or_default();
    if home.contains(DRAFTS_BANNER) {
        return Err(format!(
            "{shown} 是用 --drafts 构建的预览，含有未发布的案例，不能发布：不带 --drafts 重新运行 casebook build 后再发布"
        ));
    }
    Ok(())
}

/// The banner `base.html` puts on every page of a `--drafts` build
/// (content cannot write it: its markup is escaped or sanitised).
const DRAFTS_BANNER: &str = "class=\"draft-banner\"";

fn progress_bar(enabled: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len}") {
        bar.set_style(style);
    }
    bar
}
