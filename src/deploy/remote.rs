//! The bucket, through `opendal`'s S3 service (which OSS, COS and OBS
//! speak too): listing, the manifest, uploads with their headers, and
//! deletions, every request retried with exponential backoff and bounded
//! by a timeout. Uploads run in parallel, at most `jobs` at a time.

use std::future::Future;
use std::time::Duration;

use opendal::layers::{RetryLayer, TimeoutLayer};
use opendal::services::S3;
use opendal::{ErrorKind, Operator};
use tokio::task::JoinSet;

use super::manifest::{self, Manifest};
use super::plan::{Listing, Object};
use super::target::{Connection, Target};

/// Tries per request (the first and the retries).
pub const TRIES: usize = 5;

/// The bucket at a target prefix.
#[derive(Clone)]
pub struct Bucket {
    op: Operator,
}

/// What the bucket's manifest turned out to be.
pub enum Found {
    Missing,
    /// There, but not a manifest Casebook can use (the reason).
    Unusable(String),
    Manifest(Manifest),
}

impl Bucket {
    pub fn connect(target: &Target, conn: &Connection) -> Result<Bucket, String> {
        opendal::install_default();
        let mut builder = S3::default()
            .bucket(&target.bucket)
            .root(&format!("/{}", target.prefix))
            .endpoint(&conn.endpoint)
            .region(&conn.region)
            .access_key_id(&conn.access_key_id)
            .secret_access_key(&conn.secret_access_key)
            // Only the four variables: no ~/.aws files, no instance metadata.
            .disable_config_load()
            .disable_ec2_metadata();
        if let Some(token) = &conn.session_token {
            builder = builder.session_token(token);
        }
        if conn.virtual_host {
            builder = builder.enable_virtual_host_style();
        }
        let op = Operator::new(builder)
            .map_err(|e| format!("无法设置存储服务连接：{e}"))?
            .layer(
                TimeoutLayer::new()
                    .with_timeout(Duration::from_secs(60))
                    .with_io_timeout(Duration::from_secs(30)),
            )
            .layer(
                RetryLayer::new()
                    .with_max_times(TRIES - 1)
                    .with_factor(2.0)
                    .with_min_delay(Duration::from_millis(200))
                    .with_max_delay(Duration::from_secs(5))
                    .with_jitter(),
            );
        Ok(Bucket { op })
    }

    /// Every object under the prefix but the manifest.
    pub async fn listing(&self) -> opendal::Result<Listing> {
        let entries = self.op.list_with("/").recursive(true).await?;
        Ok(entries
            .into_iter()
            .filter(|e| e.metadata().is_file() && e.path() != manifest::NAME)
            .map(|e| {
                let meta = e.metadata();
                let object = Object {
                    size: meta.content_length(),
                    etag: meta.etag().map(str::to_string),
                };
                (e.path().to_string(), object)
            })
            .collect())
    }

    /// The manifest at the top of the prefix, read only if it is small.
    pub async fn manifest(&self) -> opendal::Result<Found> {
        let meta = match self.op.stat(manifest::NAME).await {
            Ok(meta) => meta,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(Found::Missing),
            Err(err) => return Err(err),
        };
        if meta.content_length() > manifest::MAX_BYTES {
            return Ok(Found::Unusable(format!(
                "它有 {} 字节，超过上限，不是 Casebook 写的",
                meta.content_length()
            )));
        }
        let bytes = self.op.read(manifest::NAME).await?.to_vec();
        Ok(match manifest::parse(&bytes) {
            Ok(manifest) => Found::Manifest(manifest),
            Err(why) => Found::Unusable(why),
        })
    }

    pub async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
        cache: &str,
    ) -> opendal::Result<()> {
        self.op
            .write_with(key, bytes)
            .content_type(content_type)
            .cache_control(cache)
            .await
            .map(|_| ())
    }

    pub async fn put_manifest(&self, manifest: &Manifest) -> opendal::Result<()> {
        let json = manifest.to_json();
        self.put(
            manifest::NAME,
            json,
            "application/json; charset=utf-8",
            "no-cache",
        )
        .await
    }

    pub async fn delete(&self, key: &str) -> opendal::Result<()> {
        self.op.delete(key).await
    }
}

/// Run `task` for every key, at most `jobs` at once; the first error
/// stops new tasks (running ones finish) and is returned.
pub async fn each<F, Fut>(keys: &[String], jobs: usize, task: F) -> Result<(), String>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let mut running = JoinSet::new();
    let mut keys = keys.iter();
    let mut failure = None;
    loop {
        while running.len() < jobs.max(1) && failure.is_none() {
            let Some(key) = keys.next() else { break };
            running.spawn(task(key.clone()));
        }
        match running.join_next().await {
            None => break,
            Some(Ok(Ok(()))) => {}
            Some(Ok(Err(err))) => {
                failure.get_or_insert(err);
            }
            Some(Err(err)) => {
                failure.get_or_insert(err.to_string());
            }
        }
    }
    failure.map_or(Ok(()), Err)
}
