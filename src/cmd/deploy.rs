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
    /// Replace objects in the bucket that no manifest of ours names.
    pub adopt: bool,
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
        .unwrap_or_else(|| crate::destination::default_output(&options.root));
    // Absolute, so the files written beside it (`--output .` too) land
    // beside it, never inside.
    let out = std::path::absolute(&out)
        .map_err(|e| DeployError::Refused(format!("输出目录 {} 无效：{e}", out.display())))?;
    let published = check_output(&options.root, &out).map_err(DeployError::Refused)?;
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
        published,
        target: target.clone(),
        connection,
        urls: Urls::new(&config.site.base_url),
        dry_run: options.dry_run,
        adopt: options.adopt,
        jobs: options.jobs.clamp(1, 64),
    };
    let progress = progress_bar(options.progress);
    let outcome = deploy::run(&request, &progress);
    progress.finish_and_clear();
    Ok(DeployReport {
        target: target.to_string(),
        dry_run: options.dry_run,
        outcome: outcome.map_err(|stop| match stop {
            deploy::Stop::Refused(why) => DeployError::Refused(why),
            deploy::Stop::Failed(why) => DeployError::Failed(why),
        })?,
    })
}

/// Only a finished build's output is published: Casebook's marker (a
/// staging folder gets it only when its build commits) and the build's
/// record, which must not be a `--drafts` build's. Returns the files the
/// build wrote (nothing else is sent).
fn check_output(
    root: &std::path::Path,
    out: &std::path::Path,
) -> Result<std::collections::HashSet<String>, String> {
    let shown = out.display();
    if !out.is_dir() {
        return Err(format!(
            "输出目录 {shown} 不存在：先运行 casebook build 再发布"
        ));
    }
    destination::check(root, out, destination::Use::Site)
        .map_err(|why| format!("不发布 {shown}：{why}"))?;
    let record = destination::read_record(out).filter(|_| destination::is_marked(out));
    let Some(record) = record else {
        return Err(format!(
            "{shown} 不是一次完成的 Casebook 构建（没有输出标记 {} 或构建记录 {}；构建失败、中断或由旧版本生成时如此）：先运行 casebook build，成功后再发布",
            destination::MARKER,
            destination::BUILD_RECORD
        ));
    };
    // A --drafts build shows unpublished cases: it is a preview only.
    if record.drafts {
        return Err(format!(
            "{shown} 是用 --drafts 构建的预览，含有未发布的案例，不能发布：不带 --drafts 重新运行 casebook build 后再发布"
        ));
    }
    Ok(record.files)
}

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
