//! The index `casebook search` keeps between runs, so a query after the
//! first opens an index on disk instead of parsing the site and indexing
//! every case again.
//!
//! It lives under `ROOT/.casebook-cache/search/KEY/`, where `KEY` is a
//! hash of everything the index follows from ([`inputs_key`]): the
//! binary (its version, size and modification time), `casebook.toml`
//! (base URL, taxonomies, synonyms) byte for byte, and every file under
//! `content/`: the bytes of each Markdown file, the size and modification
//! time of the others (images and attachments, which no index holds but
//! whose presence can make a case an error), and every path. A folder is
//! used only when its name is the key of the content as it is now, so an
//! edit, a new binary or a new config is never answered from an index of
//! what was there before: the command indexes again (the whole site:
//! tantivy segments are not updated case by case here) and keeps the new
//! index in place of the old.
//!
//! A folder is built under a temporary name and renamed to its key only
//! when complete, so a killed search leaves at most a `.tmp-PID` folder,
//! which a later store removes. An index that does not open, or fails a
//! query, is treated as absent: the caller indexes again. The cache's
//! folders are used only when they are real folders
//! (`images::cache::plain_folder`): with `.casebook-cache` or its
//! `search` folder a symlink, nothing is read or written there (and no
//! folder it leads to is cleaned); the search indexes in memory.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use walkdir::WalkDir;

use super::SearchIndex;
use crate::config::SearchConfig;
use crate::site::Site;

/// The cache root at the top of a site, shared by every cache.
pub const CACHE_ROOT: &str = ".casebook-cache";

/// This format's name: a different layout is a different key.
const FORMAT: &[u8] = b"casebook-search-index 1";

/// `.casebook-cache/search`, relative to the root.
fn folder() -> PathBuf {
    Path::new(CACHE_ROOT).join("search")
}

/// The hash (hex) of what an index of the site at `root` follows from.
pub fn inputs_key(root: &Path) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update(FORMAT).update(b"\0");
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(meta) = std::env::current_exe().and_then(fs::metadata) {
        hasher.update(&meta.len().to_le_bytes());
        hasher.update(&mtime_nanos(&meta).to_le_bytes());
    }
    hasher.update(b"\0config\0");
    hash_file(&mut hasher, &root.join("casebook.toml"))?;
    let content = root.join("content");
    if content.exists() {
        hash_tree(&mut hasher, &content)?;
    }
    Ok(hasher.finalize().to_hex().to_string())
}

fn hash_tree(hasher: &mut blake3::Hasher, content: &Path) -> io::Result<()> {
    for entry in WalkDir::new(content).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let rel = entry.path().strip_prefix(content).unwrap_or(entry.path());
        hasher.update(b"\0path\0");
        hasher.update(rel.as_os_str().as_encoded_bytes());
        let file_type = entry.file_type();
        if file_type.is_symlink() {
            hasher.update(b"\0link\0");
            let target = fs::read_link(entry.path())?;
            hasher.update(target.as_os_str().as_encoded_bytes());
        } else if file_type.is_dir() {
            hasher.update(b"\0dir");
        } else if file_type.is_file() && crate::content::is_markdown(entry.path()) {
            hasher.update(b"\0md\0");
            hash_file(hasher, entry.path())?;
        } else {
            let meta = entry.metadata().map_err(io::Error::other)?;
            hasher.update(b"\0file\0");
            hasher.update(&meta.len().to_le_bytes());
            hasher.update(&mtime_nanos(&meta).to_le_bytes());
        }
    }
    Ok(())
}

/// Hash a file's length and bytes, streamed. Not a regular file (a FIFO
/// would block) or over the parser's limit (which refuses it unread, so
/// no index is kept from it): its kind, size and time only.
fn hash_file(hasher: &mut blake3::Hasher, path: &Path) -> io::Result<()> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() || meta.len() > crate::content::MAX_FILE_BYTES {
        hasher.update(b"\0unread\0");
        hasher.update(&meta.len().to_le_bytes());
        hasher.update(&mtime_nanos(&meta).to_le_bytes());
        return Ok(());
    }
    hasher.update(&meta.len().to_le_bytes());
    hasher.update_reader(fs::File::open(path)?)?;
    Ok(())
}

fn mtime_nanos(meta: &fs::Metadata) -> i128 {
    use std::os::unix::fs::MetadataExt;
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

/// The kept index for `key`, if there is one that opens.
pub fn open(root: &Path, key: &str, search: &SearchConfig) -> Option<SearchIndex> {
    // Every folder down to the index a real one, none a symlink.
    let dir = crate::images::cache::plain_folder(root, &folder().join(key), false).ok()??;
    SearchIndex::open(&dir, search).ok()
}

/// Index `site` and keep the index as the one for `key`, replacing any
/// other. Returns the index, or `None` when it could not be kept (a
/// read-only site, a full disk): the caller then indexes in memory.
pub fn store(root: &Path, key: &str, site: &Site) -> Option<SearchIndex> {
    // Never through a symlinked cache folder (it may lead to a folder of
    // the editor's, whose other folders `remove_others` would delete).
    let base = crate::images::cache::plain_folder(root, &folder(), true).ok()??;
    // Unique in this process too: two searches may store at once.
    static STORES: AtomicU64 = AtomicU64::new(0);
    let n = STORES.fetch_add(1, Ordering::Relaxed);
    let temporary = base.join(format!(".tmp-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&temporary);
    fs::create_dir(&temporary).ok()?;
    let built = SearchIndex::build_in_dir(site, &temporary)
        .ok()
        .and_then(|index| index.write_methods(&temporary).ok());
    let target = base.join(key);
    let placed = built.is_some() && {
        let _ = fs::remove_dir_all(&target);
        fs::rename(&temporary, &target).is_ok()
    };
    if !placed {
        let _ = fs::remove_dir_all(&temporary);
        return None;
    }
    remove_others(&base, key);
    // Reopened at its final path: the files were renamed with their folder.
    SearchIndex::open(&target, &site.config.search).ok()
}

/// Remove every folder in the cache but `key`'s: older indexes and the
/// temporary folders of searches that were killed (their process gone).
fn remove_others(base: &Path, key: &str) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_key = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
        let killed = name
            .strip_prefix(".tmp-")
            .and_then(|rest| rest.split('-').next())
            .is_some_and(|pid| !Path::new("/proc").join(pid).exists());
        if (is_key && name != key) || killed {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
