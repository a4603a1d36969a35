//! The cache of drawn pictures (resized variants, share posters) under the
//! site root, in [`CACHE_DIR`] and [`POSTER_CACHE_DIR`]: never in
//! `content/`, never in the output; deleting it only costs time.
//!
//! An entry is named by its key (the caller's hash of everything that
//! decides its bytes) and holds a seal before the payload: the hash of the
//! key and the payload, so an entry cut short, edited, or copied under
//! another key fails the check and is made again. Entries are written
//! through a temporary file and a rename, so a killed build leaves none
//! half written.
//!
//! The cache is the site's, but its folders may not be what they seem:
//! - an entry is opened without following a symlink and without blocking
//!   (a FIFO), and read only if it is a regular file no longer than the
//!   largest payload the caller could have stored (a symlink to
//!   `/dev/zero` or a FIFO is a miss, then replaced by a real entry);
//! - the cache folders (`.casebook-cache`, `images`, the two-letter
//!   shards) are only passed through when they are real folders: one that
//!   is a symlink (say, to the user's home) or a file makes the build go
//!   on without the cache, with a `path-symlink` warning naming it
//!   ([`Cache::refusal`]); Casebook never writes through it.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::Format;
use crate::diagnostics::{rules, Diagnostic};

/// The pictures' cache folder, relative to the site root.
pub const CACHE_DIR: &str = ".casebook-cache/images";
/// The share posters' cache folder (`render::poster`), relative to the root.
pub const POSTER_CACHE_DIR: &str = ".casebook-cache/posters";

/// The most bytes a drawn picture of `width`×`height` px can take in any
/// of the formats (8 a pixel: twice raw RGBA, above any PNG, JPEG or WebP
/// an encoder writes) and its headers: the bound of a cache entry.
pub fn max_payload(width: u32, height: u32) -> u64 {
    u64::from(width) * u64::from(height) * 8 + 64 * 1024
}

/// The length of an entry's seal.
const SEAL: usize = 32;

/// Where pictures are cached and how many were made or reused (the build
/// report counts them, so a test can see that a rebuild made none).
#[derive(Debug, Default)]
pub struct Cache {
    /// The site root and the cache folder below it; `None`: no cache.
    place: Option<(PathBuf, PathBuf)>,
    /// The cache folder (relative to the root) found to be a symlink or
    /// not a folder: the cache is off from then on.
    refused: Mutex<Option<PathBuf>>,
    pub(super) made: AtomicUsize,
    pub(super) reused: AtomicUsize,
}

impl Cache {
    /// The pictures' cache of the site at `root`.
    pub fn at(root: &Path) -> Cache {
        Cache::under(root, CACHE_DIR)
    }

    /// A cache in the folder `rel` below the site root `root`.
    pub fn under(root: &Path, rel: &str) -> Cache {
        Cache {
            place: Some((root.to_path_buf(), PathBuf::from(rel))),
            ..Cache::default()
        }
    }

    /// No cache: every variant is made (tests, `compile`).
    pub fn none() -> Cache {
        Cache::default()
    }

    /// Variants made by this build, and taken from the cache.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.made.load(Ordering::Relaxed),
            self.reused.load(Ordering::Relaxed),
        )
    }

    /// The warning when a cache folder was refused (a symlink or a file),
    /// naming it: the build went on without the cache.
    pub fn refusal(&self) -> Option<Diagnostic> {
        let refused = self.refused.lock().ok()?.clone()?;
        let rel = refused.to_string_lossy().into_owned();
        Some(
            Diagnostic::warning(
                rules::PATH_SYMLINK,
                &rel,
                format!(
                    "缓存文件夹“{rel}”是符号链接或不是文件夹，Casebook 不经过它读写：这次构建不使用缓存（输出不受影响，只是更慢）"
                ),
            )
            .help("删除这个符号链接或文件（缓存可以随时删除），下次构建会在站点目录里重新建立缓存文件夹"),
        )
    }

    /// The payload under `key`, from the cache if it has it whole (at most
    /// `max` bytes), else from `make` (then cached).
    pub fn fetch_or_make<E>(
        &self,
        key: &str,
        format: Format,
        max: u64,
        make: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Vec<u8>, E> {
        if let Some(payload) = self.get(key, format, max) {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok(payload);
        }
        let payload = make()?;
        self.made.fetch_add(1, Ordering::Relaxed);
        self.put(key, &payload);
        Ok(payload)
    }

    /// The cached payload under `key` of `format`, at most `max` bytes, if
    /// whole and sealed under this key.
    pub(super) fn get(&self, key: &str, format: Format, max: u64) -> Option<Vec<u8>> {
        let path = self.folder(key, false)?.join(key);
        let bytes = read_entry(&path, max.saturating_add(SEAL as u64))?;
        let (stored, payload) = bytes.split_at_checked(SEAL)?;
        (seal(key, payload).as_bytes() == stored && starts_like(format, payload))
            .then(|| payload.to_vec())
    }

    /// Store `payload` under `key`; a cache that cannot be written only
    /// costs time, so failures are ignored.
    pub(super) fn put(&self, key: &str, payload: &[u8]) {
        let Some(folder) = self.folder(key, true) else {
            return;
        };
        if let Some((root, rel)) = &self.place {
            if let Some(top) = rel.components().next() {
                mark(&root.join(top));
            }
        }
        let _ = write_entry(&folder.join(key), key, payload);
    }

    /// The path of `key`'s entry (tests).
    #[cfg(test)]
    pub(super) fn entry(&self, key: &str) -> Option<PathBuf> {
        Some(self.folder(key, false)?.join(key))
    }

    /// The shard folder of `key` (`CACHE/ab/`), every folder from the root
    /// down a real folder ([`plain_folder`]); `None` when there is no
    /// cache, a folder is missing (and not `create`), or a folder is
    /// refused (then recorded).
    fn folder(&self, key: &str, create: bool) -> Option<PathBuf> {
        let (root, rel) = self.place.as_ref()?;
        if self.refused.lock().map_or(true, |r| r.is_some()) {
            return None;
        }
        match plain_folder(root, &rel.join(key.get(..2)?), create) {
            Ok(dir) => dir,
            Err(walked) => {
                if let Ok(mut refused) = self.refused.lock() {
                    refused.get_or_insert(walked);
                }
                None
            }
        }
    }
}

/// The folder `root/rel` when every folder from `root` down is a real
/// folder, not a symlink (missing ones made when `create`): `Ok(None)`
/// when one is missing (or cannot be made), `Err` with the first folder
/// (relative to `root`) that is a symlink or not a folder. Caches go
/// through it so nothing is ever written through a link to a folder
/// Casebook did not make.
pub fn plain_folder(root: &Path, rel: &Path, create: bool) -> Result<Option<PathBuf>, PathBuf> {
    let mut dir = root.to_path_buf();
    let mut walked = PathBuf::new();
    for part in rel.components() {
        dir.push(part);
        walked.push(part);
        match real_folder(&dir, create) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(()) => return Err(walked),
        }
    }
    Ok(Some(dir))
}

/// Whether `dir` is a real folder (made when missing and `create`):
/// `Ok(false)` when missing, `Err` when it is a symlink or anything but a
/// folder.
fn real_folder(dir: &Path, create: bool) -> Result<bool, ()> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_dir() => Ok(true),
        Ok(_) => Err(()),
        Err(err) if err.kind() == io::ErrorKind::NotFound && create => {
            match fs::create_dir(dir) {
                Ok(()) => Ok(true),
                // Made meanwhile (another thread): look again.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => real_folder(dir, false),
                Err(_) => Ok(false),
            }
        }
        Err(_) => Ok(false),
    }
}

/// The seal of an entry: the hash of its key and its payload.
fn seal(key: &str, payload: &[u8]) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"casebook-cache-entry/2\0");
    hasher.update(key.as_bytes());
    hasher.update(b"\0");
    hasher.update(payload);
    hasher.finalize()
}

/// The bytes of the regular file at `path` if it is at most `max` long:
/// opened without following a symlink or waiting on a FIFO.
fn read_entry(path: &Path, max: u64) -> Option<Vec<u8>> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).ok()?);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .ok()?;
    (bytes.len() as u64 <= max).then_some(bytes)
}

/// Mark the cache's top folder as a cache: a `.gitignore` that ignores it
/// all (so committing the site leaves it out) and the `CACHEDIR.TAG` that
/// backup tools skip. Files already there are left as they are (made
/// only as new files, never through a symlink).
fn mark(top: &Path) {
    if fs::symlink_metadata(top.join(".gitignore")).is_ok() {
        return;
    }
    let files: [(&str, &[u8]); 2] = [
        (
            ".gitignore",
            b"# Casebook's cache of resized pictures and posters: safe to delete.\n*\n",
        ),
        (
            "CACHEDIR.TAG",
            b"Signature: 8a477f597d28d172789f06886806bc55\n# Casebook's cache: safe to delete.\n",
        ),
    ];
    for (name, bytes) in files {
        if let Ok(mut file) = fs::File::create_new(top.join(name)) {
            let _ = file.write_all(bytes);
        }
    }
}

/// Write the entry at `path`: its seal, then `payload`, through a new
/// temporary file renamed over it.
fn write_entry(path: &Path, key: &str, payload: &[u8]) -> io::Result<()> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let temporary = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let written = fs::File::create_new(&temporary).and_then(|mut file| {
        file.write_all(seal(key, payload).as_bytes())?;
        file.write_all(payload)
    });
    match written.and_then(|()| fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(err) => {
            let _ = fs::remove_file(&temporary);
            Err(err)
        }
    }
}

/// Whether `payload` starts like a file of `format`.
pub(super) fn starts_like(format: Format, payload: &[u8]) -> bool {
    match format {
        Format::Png => payload.starts_with(b"\x89PNG\r\n\x1a\n"),
        Format::Jpeg => payload.starts_with(&[0xFF, 0xD8, 0xFF]),
        Format::Webp => payload.starts_with(b"RIFF") && payload.get(8..12) == Some(b"WEBP"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ab0123456789";

    fn png(n: usize) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.resize(n, 7);
        bytes
    }

    #[test]
    fn an_entry_is_served_only_under_its_own_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        cache.put(KEY, &png(100));
        assert_eq!(cache.get(KEY, Format::Png, 1000), Some(png(100)));
        // Copied under another key: the seal does not match.
        let other = "ab9999";
        fs::copy(
            cache.entry(KEY).unwrap(),
            dir.path().join(CACHE_DIR).join("ab").join(other),
        )
        .unwrap();
        assert_eq!(cache.get(other, Format::Png, 1000), None);
        // Longer than the caller's bound: a miss.
        assert_eq!(cache.get(KEY, Format::Png, 99), None);
        let top = dir.path().join(".casebook-cache");
        assert!(top.join(".gitignore").is_file() && top.join("CACHEDIR.TAG").is_file());
        assert!(cache.refusal().is_none());
    }

    #[test]
    fn fifos_and_symlinked_entries_are_misses_then_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        cache.put(KEY, &png(64));
        let entry = cache.entry(KEY).unwrap();
        fs::remove_file(&entry).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
        assert_eq!(cache.get(KEY, Format::Png, 1 << 20), None);
        let made = cache.fetch_or_make(KEY, Format::Png, 1 << 20, || Ok::<_, ()>(png(64)));
        assert_eq!(made, Ok(png(64)));
        assert!(fs::symlink_metadata(&entry).unwrap().is_file());
        fs::remove_file(&entry).unwrap();
        let fifo = std::ffi::CString::new(entry.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        // Would block for ever if opened as a plain read.
        assert_eq!(cache.get(KEY, Format::Png, 1 << 20), None);
        cache.put(KEY, &png(64));
        assert_eq!(cache.get(KEY, Format::Png, 1 << 20), Some(png(64)));
    }

    #[test]
    fn a_symlinked_cache_folder_is_never_written_through() {
        for link in [
            ".casebook-cache",
            ".casebook-cache/images",
            ".casebook-cache/images/ab",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let elsewhere = tempfile::tempdir().unwrap();
            let site = dir.path();
            let at = site.join(link);
            fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(elsewhere.path(), &at).unwrap();
            let cache = Cache::at(site);
            let made = cache.fetch_or_make(KEY, Format::Png, 1000, || Ok::<_, ()>(png(50)));
            assert_eq!(made, Ok(png(50)), "{link}");
            cache.put(KEY, &png(50));
            assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0, "{link}");
            let warning = cache.refusal().expect("a warning");
            assert_eq!(warning.rule, rules::PATH_SYMLINK);
            assert!(warning.message.contains(link), "{}", warning.message);
            assert_eq!(cache.counts(), (1, 0));
        }
    }
}
