//! `casebook deploy`: publish a built output folder to S3-compatible object
//! storage (Aliyun OSS, Tencent COS, Huawei OBS, AWS S3), uploading only
//! what changed.
//!
//! A deploy reads the bucket's listing and manifest, compares them with
//! the output's files (`plan`: a file is skipped only when the bucket
//! provably holds it) and then changes the bucket in an order that keeps
//! the live site whole at every moment:
//!
//! 1. an interim manifest naming every object this deploy will touch as
//!    stale, so a deploy killed from here on is never trusted about them;
//! 2. assets and the search export, then pages, then the home page, feeds
//!    and sitemaps (`files::Stage`), each stage finished before the next,
//!    so no page goes up before what it loads, and no link to a new page
//!    before the page;
//! 3. the manifest of the new state (with the objects to delete as stale);
//! 4. deletions of objects the old site had and the new one does not;
//! 5. the final manifest; then, beside the output folder, its copy and the
//!    changed page URLs (for CDN refresh and Baidu's link push).
//!
//! Uploads are idempotent, so a deploy stopped anywhere is completed by
//! running it again. Each file is hashed when the output is read and
//! again when it is uploaded: an output rebuilt during a deploy stops it
//! instead of leaving a manifest that misdescribes the bucket.
//!
//! Redirects (aliases, short links) stay the refresh pages the build
//! writes: opendal 0.59 sends user metadata only as `x-amz-meta-*`, so it
//! cannot set `x-amz-website-redirect-location`.
//!
//! Credentials come from the environment only (`target`), are sent only
//! to the endpoint, and every message from the store is passed through
//! [`Connection::redact`] before anyone sees it.

pub mod files;
pub mod manifest;
pub mod plan;
pub mod remote;
pub mod target;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indicatif::ProgressBar;

use crate::urls::Urls;
use files::Files;
use manifest::Manifest;
use plan::Plan;
use remote::{Bucket, Found};
use target::{Connection, Target};

/// What to deploy where.
pub struct Request {
    pub out: PathBuf,
    /// The files the build recorded as its site (`destination::read_record`).
    pub published: std::collections::HashSet<String>,
    pub target: Target,
    pub connection: Connection,
    /// The site's URLs, for the changed-page list.
    pub urls: Urls,
    pub dry_run: bool,
    /// Replace objects no manifest of ours names (`--adopt`).
    pub adopt: bool,
    /// Uploads at once.
    pub jobs: usize,
}

/// Why a deploy stopped.
#[derive(Debug)]
pub enum Stop {
    /// Before anything was sent: the message says why.
    Refused(String),
    /// Midway; the live site is whole and running it again completes it.
    Failed(String),
}

/// What a deploy did (or, with `--dry-run`, would do).
#[derive(Debug, Default)]
pub struct Outcome {
    pub uploaded: Vec<String>,
    pub deleted: Vec<String>,
    pub unchanged: usize,
    pub bytes: u64,
    /// Things the user should know (a missing or unusable manifest).
    pub notices: Vec<String>,
    /// Full URLs of the pages that changed or went away.
    pub changed_urls: Vec<String>,
    /// Where the changed URLs were written (not on a dry run).
    pub changed_urls_file: Option<PathBuf>,
}

/// Deploy `request.out`. Messages are Chinese sentences, credentials
/// removed.
pub fn run(request: &Request, progress: &ProgressBar) -> Result<Outcome, Stop> {
    let redact = |text: String| request.connection.redact(&text);
    progress.set_message("读取输出目录");
    let files = files::scan(&request.out, &request.published).map_err(Stop::Refused)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Stop::Failed(format!("无法启动网络线程：{e}")))?;
    let bucket = Bucket::connect(&request.target, &request.connection)
        .map_err(|e| Stop::Refused(redact(e)))?;
    progress.set_message("读取存储桶");
    let cannot_read = |e: opendal::Error| Stop::Failed(redact(unreachable(request, &e)));
    let (previous, mut notices) = runtime
        .block_on(read_manifest(&bucket, &request.target))
        .map_err(cannot_read)?;
    let listing = runtime.block_on(bucket.listing()).map_err(cannot_read)?;
    let plan = plan::plan(&files, &listing, previous.as_ref());
    if !plan.overwrites.is_empty() {
        let what = overwrites(request, &plan.overwrites);
        if request.dry_run {
            notices.push(what);
        } else if !request.adopt {
            return Err(Stop::Refused(what));
        }
    }
    let mut outcome = Outcome {
        uploaded: plan.uploads.clone(),
        deleted: plan.deletions.clone(),
        unchanged: plan.unchanged.len(),
        bytes: plan.bytes,
        notices,
        changed_urls: changed_urls(&plan, &request.urls),
        changed_urls_file: None,
    };
    if request.dry_run {
        return Ok(outcome);
    }
    let fresh = Manifest::new(files.clone(), BTreeSet::new());
    runtime
        .block_on(apply(
            request,
            &bucket,
            &files,
            &plan,
            previous.as_ref(),
            &fresh,
            progress,
        ))
        .map_err(|e| Stop::Failed(redact(e)))?;
    write_local(request, &fresh, &outcome.changed_urls).map_err(Stop::Failed)?;
    outcome.changed_urls_file = Some(beside(&request.out, CHANGED_URLS));
    Ok(outcome)
}

/// What replacing objects that are not provably ours would do.
fn overwrites(request: &Request, keys: &[String]) -> String {
    let shown: Vec<&str> = keys.iter().take(5).map(String::as_str).collect();
    format!(
        "{} 里已有 {} 个对象不在 Casebook 的发布清单里，这次发布会覆盖它们（{}{}）：它们可能是别人放的。发布到一个空的或专用的前缀；确认这些对象可以被替换时，加 --adopt 接管它们",
        request.target,
        keys.len(),
        shown.join("、"),
        if keys.len() > shown.len() { " …" } else { "" }
    )
}

/// The bucket's manifest, or none with a notice saying what follows.
async fn read_manifest(
    bucket: &Bucket,
    target: &Target,
) -> opendal::Result<(Option<Manifest>, Vec<String>)> {
    Ok(match bucket.manifest().await? {
        Found::Manifest(manifest) => (Some(manifest), Vec::new()),
        Found::Missing => (None, vec![format!(
            "{target} 里没有 Casebook 的发布清单 {}（第一次发布到这里？）：逐个比较全部文件，只上传不同的；清单之外的对象一个也不删",
            manifest::NAME
        )]),
        Found::Unusable(why) => (None, vec![format!(
            "{target} 里的发布清单 {} 不能用：{why}。逐个比较全部文件，只上传不同的；清单之外的对象一个也不删，发布完成后清单会重写",
            manifest::NAME
        )]),
    })
}

fn unreachable(request: &Request, err: &opendal::Error) -> String {
    format!(
        "无法读取存储桶 {}（服务地址 {}，已尝试 {} 次）：{err}。请检查网络、{} 和 {}，以及密钥是否有读写这个存储桶的权限",
        request.target,
        request.connection.endpoint,
        remote::TRIES,
        target::ENDPOINT,
        target::REGION
    )
}

/// Change the bucket in the order the module comment gives.
async fn apply(
    request: &Request,
    bucket: &Bucket,
    files: &Files,
    plan: &Plan,
    previous: Option<&Manifest>,
    fresh: &Manifest,
    progress: &ProgressBar,
) -> Result<(), String> {
    let failed =
        |what: &str, e: opendal::Error| format!("{what}失败（已尝试 {} 次）：{e}", remote::TRIES);
    if !plan.is_empty() {
        let interim = plan.interim_manifest(files, previous);
        bucket
            .put_manifest(&interim)
            .await
            .map_err(|e| failed("写入发布清单", e))?;
    }
    progress.set_length(plan.uploads.len() as u64 + plan.deletions.len() as u64);
    progress.set_message("上传");
    let files = Arc::new(files.clone());
    for stage in [
        files::Stage::Assets,
        files::Stage::Pages,
        files::Stage::EntryPoints,
    ] {
        let keys: Vec<String> = plan
            .uploads
            .iter()
            .filter(|k| files::stage(k) == stage)
            .cloned()
            .collect();
        remote::each(&keys, request.jobs, |key| {
            upload(
                bucket.clone(),
                request.out.clone(),
                files.clone(),
                key,
                progress.clone(),
            )
        })
        .await?;
    }
    if !plan.deletions.is_empty() {
        let pending = Manifest::new(
            fresh.files.clone(),
            plan.deletions.iter().cloned().collect(),
        );
        bucket
            .put_manifest(&pending)
            .await
            .map_err(|e| failed("写入发布清单", e))?;
        progress.set_message("删除旧文件");
        remote::each(&plan.deletions, request.jobs, |key| {
            let (bucket, progress) = (bucket.clone(), progress.clone());
            async move {
                bucket
                    .delete(&key)
                    .await
                    .map_err(|e| format!("删除 {key} 失败（已尝试 {} 次）：{e}", remote::TRIES))?;
                progress.inc(1);
                Ok(())
            }
        })
        .await?;
    }
    if !plan.is_empty() || previous != Some(fresh) {
        bucket
            .put_manifest(fresh)
            .await
            .map_err(|e| failed("写入发布清单", e))?;
    }
    Ok(())
}

/// Upload one file, checking it still is what the plan hashed.
async fn upload(
    bucket: Bucket,
    out: PathBuf,
    files: Arc<Files>,
    key: String,
    progress: ProgressBar,
) -> Result<(), String> {
    let path = out.join(&key);
    let bytes = std::fs::read(&path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
    let planned = &files[&key];
    let md5 = files::hex(&<md5::Md5 as md5::Digest>::digest(&bytes));
    if md5 != planned.md5 || bytes.len() as u64 != planned.size {
        return Err(format!(
            "{} 在发布过程中变了（输出目录被重新构建了？）。等构建结束后重新运行 casebook deploy，已上传的文件不会重复上传",
            path.display()
        ));
    }
    bucket
        .put(
            &key,
            bytes,
            &files::content_type(&key),
            files::cache_control(&key),
        )
        .await
        .map_err(|e| format!("上传 {key} 失败（已尝试 {} 次）：{e}", remote::TRIES))?;
    progress.inc(1);
    Ok(())
}

/// Full URLs of the pages uploaded or deleted (a folder's `index.html`
/// as the folder's URL), for CDN refresh and search engines' link push.
fn changed_urls(plan: &Plan, urls: &Urls) -> Vec<String> {
    plan.uploads
        .iter()
        .chain(&plan.deletions)
        .filter(|key| key.ends_with(".html"))
        .map(|key| urls.permalink(key.strip_suffix("index.html").unwrap_or(key)))
        .collect()
}

/// The changed-URL list, beside the output folder.
pub const CHANGED_URLS: &str = "deploy-changed-urls.txt";

/// `NAME` beside the output folder, prefixed with the folder's name so
/// two outputs in one folder keep their own (`output.deploy-changed-urls.txt`).
pub fn beside(out: &Path, name: &str) -> PathBuf {
    let folder = out
        .file_name()
        .map_or("output".into(), |n| n.to_string_lossy());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!("{folder}.{}", name.trim_start_matches('.')))
}

fn write_local(request: &Request, manifest: &Manifest, urls: &[String]) -> Result<(), String> {
    let mut list = urls.join("\n");
    if !list.is_empty() {
        list.push('\n');
    }
    write_new(&beside(&request.out, manifest::NAME), &manifest.to_json())?;
    write_new(&beside(&request.out, CHANGED_URLS), list.as_bytes())
}

/// Write `path` whole through a new temporary file renamed over it;
/// refuse to replace anything but a regular file (never through a link).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let shown = path.display();
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_file() {
            return Err(format!("{shown} 已存在且不是普通文件（可能是链接或目录），发布不替换它。请把它移走后重新运行"));
        }
    }
    let temporary = path.with_extension(format!("new-{}", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut f| std::io::Write::write_all(&mut f, bytes))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("无法写入 {shown}：{e}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_pages_are_listed_as_their_urls() {
        let plan = Plan {
            uploads: vec![
                "css/s.0123abcdef.css".into(),
                "cases/a/index.html".into(),
                "index.html".into(),
            ],
            deletions: vec!["c/old.html".into()],
            ..Plan::default()
        };
        let urls = Urls::new("https://example.org/cases-site");
        assert_eq!(
            changed_urls(&plan, &urls),
            [
                "https://example.org/cases-site/cases/a/",
                "https://example.org/cases-site/",
                "https://example.org/cases-site/c/old.html"
            ]
        );
        assert_eq!(
            beside(Path::new("site/output"), manifest::NAME),
            Path::new("site/output.casebook-deploy.json")
        );
        assert_eq!(
            beside(Path::new("output"), CHANGED_URLS),
            Path::new("./output.deploy-changed-urls.txt")
        );
    }

    #[test]
    fn files_beside_the_output_are_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("output.deploy-changed-urls.txt");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(write_new(&link, b"x").unwrap_err().contains("不是普通文件"));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let plain = dir.path().join("output.casebook-deploy.json");
        write_new(&plain, b"one").unwrap();
        write_new(&plain, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            3,
            "no temporary file left"
        );
    }
}
