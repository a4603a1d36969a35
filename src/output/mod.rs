//! The one place output files are written. A build writes each file into a
//! fresh staging folder beside the output folder as soon as it is rendered
//! (so a large site never sits in memory whole), and only when the whole
//! build has succeeded swaps the two folders in one atomic step. A failed
//! or killed build leaves the previous output exactly as it was, and
//! readers of the folder never see half a site.
//!
//! A build keeps the output it replaced as the previous generation,
//! `.NAME.previous` beside the output folder `NAME` (hidden, never inside
//! the output, so never published), which `build --rollback` swaps back
//! in ([`roll_back`]). The generation before that is renamed
//! `.NAME.discard-PID-N` (a name no earlier process used) at the commit
//! and removed afterwards by
//! [`remove_discarded`] (the CLI runs it in a detached, low-priority
//! process), so deleting a large old output is not part of the editor's
//! wait. At rest beside the output there is at most the previous
//! generation; a killed build or remover leaves a `.NAME.staging-PID` or
//! a `.NAME.discard-…` that the next build clears. Only folders holding
//! Casebook's marker are ever set aside, swapped back or removed.
//!
//! Every committed folder holds `destination::MARKER`, listing what it
//! made, so the next build knows the folder is Casebook's to replace.
//! Files copied from the site (images, attachments) are copies or
//! copy-on-write clones, never hard links: writing to the output must
//! never change an editor's original. Files the replaced output already
//! holds byte for byte are hard links to its files instead ([`Reuse`]):
//! both are Casebook's, and no build writes into a committed output.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::destination::{self, MARKER};

mod reuse;
mod sink;

pub use reuse::{Copies, Reuse, Reused};
pub use sink::{Contents, Discard, OutputFile, Recorder, Sink, Written};

/// A staging folder being filled by a build. [`Staging::commit`] makes it
/// the output; dropping it uncommitted removes it.
pub struct Staging {
    out_dir: PathBuf,
    dir: PathBuf,
    /// The first write that failed: the build cannot be committed.
    failure: Mutex<Option<io::Error>>,
    /// Folders made so far (relative to `dir`). Asking the kernel for a
    /// folder that exists takes the lock of its parent, which every
    /// thread writing into the same folder (`qr/`, `c/`) then waits for.
    folders: Mutex<HashSet<String>>,
    committed: bool,
}

impl Staging {
    /// Start a new staging folder for `out_dir` (after removing those of
    /// builds that were killed).
    pub fn begin(out_dir: &Path) -> io::Result<Staging> {
        let (parent, name) = parent_and_name(out_dir);
        fs::create_dir_all(&parent)?;
        clean_leftovers(&parent, &name);
        let dir = beside(out_dir, &format!("staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)?;
        }
        fs::create_dir(&dir)?;
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            dir,
            failure: Mutex::new(None),
            folders: Mutex::new(HashSet::new()),
            committed: false,
        })
    }

    /// Make the staged files the output, replacing the previous output
    /// whole and removing it; fails (leaving the previous output) if any
    /// write failed. For folders inside an output (`compile`'s books),
    /// where no previous generation may be kept.
    pub fn commit(mut self) -> io::Result<()> {
        let _lock = GenerationLock::take(&self.out_dir);
        if self.swap_in()? {
            // The staging path now holds the previous output.
            fs::remove_dir_all(&self.dir)?;
        }
        Ok(())
    }

    /// Make the staged files the output and keep the output they replace
    /// as `.NAME.previous` (for [`roll_back`]); the generation kept before
    /// is renamed `.NAME.discard-PID-N` for [`remove_discarded`].
    pub fn commit_keeping_previous(mut self) -> io::Result<Committed> {
        let _lock = GenerationLock::take(&self.out_dir);
        if !self.swap_in()? {
            return Ok(Committed {
                discarded: false,
                previous: Previous::NoneReplaced,
            });
        }
        // The new output is in place: what follows only tidies up, and
        // its failures leave a folder the next build clears.
        Ok(retire(&self.dir, &self.out_dir))
    }

    /// Check that every write succeeded, mark the folder and swap it in.
    /// Returns whether the staging path now holds the replaced output.
    fn swap_in(&mut self) -> io::Result<bool> {
        if let Some(err) = self
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            return Err(err);
        }
        destination::mark(&self.dir)?;
        let replaced = if self.out_dir.exists() {
            exchange(&self.dir, &self.out_dir)?;
            true
        } else {
            fs::rename(&self.dir, &self.out_dir)?;
            false
        };
        self.committed = true;
        Ok(replaced)
    }

    fn write(&self, file: &OutputFile) -> io::Result<()> {
        let target = self.prepare(&file.path)?;
        match &file.contents {
            Contents::Bytes(bytes) => write_new(&target, bytes),
            Contents::Copy(source) => copy_file(source, &target),
        }
    }

    /// Put a hard link to `from`, an open file of the output being
    /// replaced (`reuse`), at `path`.
    fn link(&self, path: &str, from: &fs::File) -> io::Result<()> {
        let target = self.prepare(path)?;
        link_open_file(from, &target)
    }

    /// Take back a link [`Staging::link`] made.
    fn unlink(&self, path: &str) {
        let _ = fs::remove_file(self.dir.join(path));
    }

    /// Where `path` goes in the staging folder, its folder made.
    fn prepare(&self, path: &str) -> io::Result<PathBuf> {
        // Output paths come from content (ids, slugs, aliases), which
        // parsing validates; this is the last line: nothing is written
        // outside the staging folder.
        if !stays_inside(path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "输出路径会写到输出目录之外",
            ));
        }
        if path == MARKER {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "输出路径与 Casebook 的输出标记文件同名",
            ));
        }
        let target = self.dir.join(path);
        if let Some((folder, _)) = path.rsplit_once('/') {
            let known = self
                .folders
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(folder);
            if !known {
                fs::create_dir_all(self.dir.join(folder))?;
                self.folders
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(folder.to_string());
            }
        }
        Ok(target)
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) {
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        if failure.is_some() {
            return;
        }
        drop(failure);
        if let Err(err) = self.write(&file) {
            let err = io::Error::new(err.kind(), format!("{}: {err}", file.path));
            failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
            failure.get_or_insert(err);
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Write `files` as the new content of `out_dir` in one go.
pub fn write_site(out_dir: &Path, files: Vec<OutputFile>) -> io::Result<()> {
    let staging = Staging::begin(out_dir)?;
    for file in files {
        staging.put(file);
    }
    staging.commit()
}

/// Copy `source` to the new file `target`: a copy-on-write clone where the
/// file system has them (Linux `FICLONE`: Btrfs, XFS), else a copy (which
/// the standard library does in the kernel, `copy_file_range`). Never a
/// hard link, which would let a write to the output edit the source.
fn copy_file(source: &Path, target: &Path) -> io::Result<()> {
    let mut from = fs::File::open(source)?;
    let mut to = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: both descriptors are open files owned for the call.
        let rc = unsafe { libc::ioctl(to.as_raw_fd(), libc::FICLONE, from.as_raw_fd()) };
        if rc == 0 {
            return Ok(());
        }
    }
    io::copy(&mut from, &mut to).map(|_| ())
}

/// Write `bytes` as a new file at `target`. A file already there (a path
/// rendered twice) is unlinked first, never truncated: it may be a link
/// to a file of the output being replaced (`reuse`), which no build may
/// write into.
fn write_new(target: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let create = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(target)
    };
    let mut file = match create() {
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(target)?;
            create()?
        }
        other => other?,
    };
    file.write_all(bytes)
}

/// Make `target` a new name for the open file `from` (through
/// `/proc/self/fd`, so the link is to the very file that was checked, not
/// to whatever its path names now).
fn link_open_file(from: &fs::File, target: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        let source = CString::new(format!("/proc/self/fd/{}", from.as_raw_fd()))?;
        let target = CString::new(target.as_os_str().as_bytes())?;
        // SAFETY: both are valid NUL-terminated paths that outlive the call.
        let rc = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                source.as_ptr(),
                libc::AT_FDCWD,
                target.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        return Err(io::Error::last_os_error());
    }
    #[allow(unreachable_code)]
    {
        let _ = (from, target);
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// The folder holding `out_dir`, and `out_dir`'s own name.
fn parent_and_name(out_dir: &Path) -> (PathBuf, String) {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    (parent, name)
}

/// `.NAME.WHAT` beside the output folder `NAME`: hidden, and named after
/// the output so two outputs in one folder never share one.
fn beside(out_dir: &Path, what: &str) -> PathBuf {
    let (parent, name) = parent_and_name(out_dir);
    parent.join(format!(".{name}.{what}"))
}

/// Keep `old` (the output just replaced) as the previous generation and
/// set the one kept before aside as `.NAME.discard-PID-N`.
fn retire(old: &Path, out_dir: &Path) -> Committed {
    let previous = previous_path(out_dir);
    let done = |kept: bool| Committed {
        discarded: has_discarded(out_dir),
        previous: if kept {
            Previous::Kept
        } else {
            Previous::NotKept(previous.clone())
        },
    };
    match fs::symlink_metadata(&previous) {
        Ok(_) if destination::is_output(&previous) => {
            // A set-aside name no other folder has; should the move still
            // fail, the stale generation goes now rather than stay
            // `.previous` (a rollback must never go back two builds).
            if fs::rename(&previous, unique_beside(out_dir, "discard")).is_err() {
                let _ = fs::remove_dir_all(&previous);
            }
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        // Not a folder of ours (someone's folder, a file or a link at that
        // name), or unreadable: left alone, and nothing is kept.
        _ => {
            let _ = fs::remove_dir_all(old);
            return done(false);
        }
    }
    if fs::rename(old, &previous).is_err() {
        let _ = fs::remove_dir_all(old);
        return done(false);
    }
    done(true)
}

/// What a build's commit did beside the output.
#[derive(Debug, PartialEq, Eq)]
pub struct Committed {
    /// A set-aside generation waits for [`remove_discarded`] (this
    /// build's or one a killed remover left).
    pub discarded: bool,
    pub previous: Previous,
}

/// The output a build replaced.
#[derive(Debug, PartialEq, Eq)]
pub enum Previous {
    /// There was none (the first build into this folder).
    NoneReplaced,
    /// Kept as `.NAME.previous`, for [`roll_back`].
    Kept,
    /// Removed instead: the folder holds something at `.NAME.previous`
    /// that is not Casebook's (left alone), or the rename failed.
    NotKept(PathBuf),
}

/// Held while the output's generations are shuffled (a build's commit, a
/// rollback), so two processes never interleave their renames: a build
/// committing during `build --rollback` would otherwise leave a
/// `.previous` two builds old. An advisory lock on the folder holding the
/// output (no lock file is left beside it); where the platform cannot lock
/// a folder, no lock is taken.
struct GenerationLock(Option<fs::File>);

impl GenerationLock {
    fn take(out_dir: &Path) -> GenerationLock {
        let (parent, _) = parent_and_name(out_dir);
        let folder = fs::File::open(&parent).ok();
        GenerationLock(folder.filter(|folder| folder.lock().is_ok()))
    }
}

impl Drop for GenerationLock {
    fn drop(&mut self) {
        if let Some(folder) = &self.0 {
            let _ = folder.unlock();
        }
    }
}

/// `.NAME.WHAT-PID-N` beside the output: a name no earlier process (even
/// one with this PID, as in a container where every build is PID 1) used.
fn unique_beside(out_dir: &Path, what: &str) -> PathBuf {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    beside(
        out_dir,
        &format!("{what}-{}-{nanos}{n}", std::process::id()),
    )
}

/// The set-aside generations beside `out_dir` (`.NAME.discard-…` folders
/// holding Casebook's marker).
fn discarded(out_dir: &Path) -> Vec<PathBuf> {
    let (parent, name) = parent_and_name(out_dir);
    let prefix = format!(".{name}.discard-");
    let Ok(entries) = fs::read_dir(&parent) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|entry| {
            let file_name = entry.file_name();
            let Some(tag) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
                return false;
            };
            let is_tag = !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_digit() || b == b'-');
            let is_folder = entry.file_type().is_ok_and(|t| t.is_dir());
            is_tag && is_folder && entry.path().join(destination::MARKER).is_file()
        })
        .map(|entry| entry.path())
        .collect()
}

fn has_discarded(out_dir: &Path) -> bool {
    !discarded(out_dir).is_empty()
}

/// Where the output a build replaced is kept: `.NAME.previous` beside it.
pub fn previous_path(out_dir: &Path) -> PathBuf {
    beside(out_dir, "previous")
}

/// Swap the previous generation (`.NAME.previous`) and the output in one
/// atomic step, so the output is the site before the last build and the
/// previous generation the site that was rolled back (a second rollback
/// undoes the first). `NotFound` when there is no previous generation.
pub fn roll_back(out_dir: &Path) -> io::Result<()> {
    let _lock = GenerationLock::take(out_dir);
    let previous = previous_path(out_dir);
    if fs::symlink_metadata(&previous).is_err() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("没有上一次构建的结果（{}）", previous.display()),
        ));
    }
    if !destination::is_output(&previous) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} 不是 Casebook 构建的输出", previous.display()),
        ));
    }
    if !out_dir.exists() {
        return fs::rename(&previous, out_dir);
    }
    exchange(&previous, out_dir)
}

/// Remove the old generations (`.NAME.discard-*`) that builds set aside
/// beside `out_dir`; returns how many were removed. Only folders holding
/// Casebook's marker are touched, and the marker goes last, so a removal
/// killed halfway leaves a folder the next one still knows as its own.
/// Safe to run while a build runs and in several processes at once: one
/// already gone is not an error.
pub fn remove_discarded(out_dir: &Path) -> io::Result<usize> {
    // `/`, `..`: no folder a build could have written.
    if out_dir.file_name().is_none() {
        return Ok(0);
    }
    let mut removed = 0;
    for folder in discarded(out_dir) {
        match remove_marker_last(&folder) {
            Ok(()) => removed += 1,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(removed)
}

/// Remove `folder` (an output of ours), its marker after everything else.
fn remove_marker_last(folder: &Path) -> io::Result<()> {
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        if entry.file_name() == destination::MARKER {
            continue;
        }
        match entry.file_type()?.is_dir() {
            true => fs::remove_dir_all(entry.path())?,
            false => fs::remove_file(entry.path())?,
        }
    }
    fs::remove_file(folder.join(destination::MARKER))?;
    fs::remove_dir(folder)
}

/// Remove staging folders left by builds that were killed.
fn clean_leftovers(parent: &Path, name: &str) {
    let prefix = format!(".{name}.staging-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if let Some(pid) = file_name.strip_prefix(&prefix) {
            let alive =
                Path::new("/proc").join(pid).exists() && pid != std::process::id().to_string();
            if !alive {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Is `path` relative, made only of plain names (no `..`, root, `.`, NUL
/// or backslash)?
fn stays_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\0', '\\'])
        && Path::new(path)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Bring the preview server's private folder up to date in place: write
/// only the files whose bytes differ (each through a temporary file and a
/// rename, so a page being served is never half written) and delete
/// `remove`. Returns the paths written or deleted, sorted. `output/` is
/// never written this way: builds replace it whole with [`write_site`].
pub fn update(out_dir: &Path, files: &[OutputFile], remove: &[String]) -> io::Result<Vec<String>> {
    let mut changed: Vec<String> = files
        .par_iter()
        .map(|file| update_one(out_dir, file))
        .collect::<io::Result<Vec<Option<String>>>>()?
        .into_iter()
        .flatten()
        .collect();
    for path in remove.iter().filter(|p| stays_inside(p)) {
        match fs::remove_file(out_dir.join(path)) {
            Ok(()) => changed.push(path.clone()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    changed.sort();
    Ok(changed)
}

/// Write `file` into the preview's folder if its bytes differ (through a
/// temporary file and a rename); its path if it was written.
fn update_one(out_dir: &Path, file: &OutputFile) -> io::Result<Option<String>> {
    if !stays_inside(&file.path) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("output path leaves the folder: {}", file.path),
        ));
    }
    let target = out_dir.join(&file.path);
    let bytes = match &file.contents {
        Contents::Bytes(bytes) => std::borrow::Cow::Borrowed(bytes),
        Contents::Copy(source) => std::borrow::Cow::Owned(fs::read(source)?),
    };
    if fs::read(&target).is_ok_and(|old| old == *bytes) {
        return Ok(None);
    }
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir)?;
    }
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temporary = target.with_file_name(format!(".{name}.new-{}", std::process::id()));
    fs::write(&temporary, bytes.as_ref())?;
    fs::rename(&temporary, &target)?;
    Ok(Some(file.path.clone()))
}

/// [`update`] as a sink: each file is written (if it differs) as it is
/// rendered, so a whole-site render of the preview never holds the site
/// in memory.
pub struct Updater<'a> {
    out_dir: &'a Path,
    changed: Mutex<Vec<String>>,
    failure: Mutex<Option<io::Error>>,
}

impl<'a> Updater<'a> {
    pub fn new(out_dir: &'a Path) -> Self {
        Updater {
            out_dir,
            changed: Mutex::new(Vec::new()),
            failure: Mutex::new(None),
        }
    }

    /// The paths written (unsorted), or the first write that failed.
    pub fn finish(self) -> Result<Vec<String>, (io::Error, Vec<String>)> {
        let changed = self.changed.into_inner().unwrap_or_else(|e| e.into_inner());
        match self.failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(err) => Err((err, changed)),
            None => Ok(changed),
        }
    }
}

impl Sink for Updater<'_> {
    fn put(&self, file: OutputFile) {
        match update_one(self.out_dir, &file) {
            Ok(Some(path)) => self
                .changed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(path),
            Ok(None) => {}
            Err(err) => {
                let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
                failure.get_or_insert(err);
            }
        }
    }
}

/// Swap two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`); where
/// that is not available, fall back to two renames.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    match crate::rename::exchange(a, b) {
        Err(err) if err.kind() == io::ErrorKind::Unsupported => {}
        other => return other,
    }
    swap_by_renames(a, b)
}

/// The swap in three renames, for where the kernel has no exchange: `b`
/// is put aside under a fresh name beside it.
fn swap_by_renames(a: &Path, b: &Path) -> io::Result<()> {
    // Aside under a name no folder has (never one that could be the
    // user's, or the kept previous generation's), so nothing is removed.
    let aside = unique_beside(b, "swap");
    fs::rename(b, &aside)?;
    fs::rename(a, b)?;
    fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.to_string(),
            contents: Contents::Bytes(text.as_bytes().to_vec()),
        }
    }

    #[test]
    fn a_rollback_waits_for_a_commit_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        for text in ["one", "two"] {
            let staging = Staging::begin(&out).unwrap();
            staging.put(file("index.html", text));
            staging.commit_keeping_previous().unwrap();
        }
        // Another process's commit holds the lock: the rollback waits.
        let held = GenerationLock::take(&out);
        assert!(held.0.is_some(), "no lock on a Linux folder");
        let (done, finished) = std::sync::mpsc::channel();
        let waiting = {
            let out = out.clone();
            std::thread::spawn(move || done.send(roll_back(&out).is_ok()).unwrap())
        };
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(finished.try_recv().is_err(), "the rollback did not wait");
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        drop(held);
        assert!(finished.recv().unwrap());
        waiting.join().unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "one");
    }

    #[test]
    fn never_writes_outside_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site/output");
        write_site(&out, vec![file("index.html", "old")]).unwrap();
        for bad in [
            "../escape.html",
            "/tmp/abs.html",
            "a/../../b.html",
            "a\\b",
            "",
        ] {
            let err = write_site(&out, vec![file("ok.html", "x"), file(bad, "x")]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "old");
        }
        assert!(!dir.path().join("site/escape.html").exists());
        assert!(!dir.path().join("b.html").exists());
    }

    #[test]
    fn replaces_previous_output_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(
            &out,
            vec![file("a/index.html", "one"), file("old.txt", "x")],
        )
        .unwrap();
        write_site(&out, vec![file("a/index.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "two");
        assert!(!out.join("old.txt").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the output folder remains");
    }

    #[test]
    fn an_abandoned_build_leaves_the_previous_output_and_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, vec![file("index.html", "old")]).unwrap();
        let staging = Staging::begin(&out).unwrap();
        staging.put(file("index.html", "new"));
        drop(staging);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_refuses_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, vec![file("index.html", "old")]).unwrap();
        let staging = Staging::begin(&out).unwrap();
        staging.put(OutputFile {
            path: "picture.png".into(),
            contents: Contents::Copy(dir.path().join("missing.png")),
        });
        staging.put(file("index.html", "new"));
        let err = staging.commit().unwrap_err();
        assert!(err.to_string().contains("picture.png"), "{err}");
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn copied_files_are_copies_not_links() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("picture.png");
        fs::write(&source, "original").unwrap();
        let out = dir.path().join("output");
        let copy = OutputFile {
            path: "cases/x/picture.png".into(),
            contents: Contents::Copy(source.clone()),
        };
        write_site(&out, vec![copy]).unwrap();
        let published = out.join("cases/x/picture.png");
        assert_eq!(fs::read_to_string(&published).unwrap(), "original");
        assert_eq!(fs::metadata(&source).unwrap().nlink(), 1);
        fs::write(&published, "edited").unwrap();
        assert_eq!(fs::read_to_string(&source).unwrap(), "original");
    }

    #[test]
    fn the_fallback_swap_leaves_the_users_folders_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        let staged = dir.path().join(".output.staging-1");
        for (folder, text) in [(&out, "old"), (&staged, "new")] {
            fs::create_dir(folder).unwrap();
            fs::write(folder.join("index.html"), text).unwrap();
        }
        // A folder of the user's where the old fallback put the output.
        let theirs = dir.path().join("output.previous");
        fs::create_dir(&theirs).unwrap();
        fs::write(theirs.join("keep.txt"), "theirs").unwrap();
        swap_by_renames(&staged, &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "new");
        assert_eq!(
            fs::read_to_string(staged.join("index.html")).unwrap(),
            "old"
        );
        assert_eq!(
            fs::read_to_string(theirs.join("keep.txt")).unwrap(),
            "theirs"
        );
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn build(out: &Path, text: &str) -> bool {
        build_reporting(out, text).discarded
    }

    fn build_reporting(out: &Path, text: &str) -> Committed {
        let staging = Staging::begin(out).unwrap();
        staging.put(file("index.html", text));
        staging.commit_keeping_previous().unwrap()
    }

    #[test]
    fn a_previous_generation_that_cannot_be_kept_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert_eq!(
            build_reporting(&out, "one").previous,
            Previous::NoneReplaced
        );
        assert_eq!(build_reporting(&out, "two").previous, Previous::Kept);
        let previous = previous_path(&out);
        fs::remove_dir_all(&previous).unwrap();
        fs::create_dir(&previous).unwrap();
        fs::write(previous.join("notes.txt"), "theirs").unwrap();
        assert_eq!(
            build_reporting(&out, "three").previous,
            Previous::NotKept(previous.clone())
        );
        assert_eq!(
            fs::read_to_string(previous.join("notes.txt")).unwrap(),
            "theirs"
        );
        assert_eq!(names_in(dir.path()), [".out.previous", "out"]);
    }

    #[test]
    fn keeps_one_previous_generation_and_sets_older_ones_aside() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert!(!build(&out, "one"), "nothing replaced, nothing to remove");
        assert_eq!(names_in(dir.path()), ["out"]);
        assert!(!build(&out, "two"), "the first replaced output is kept");
        assert_eq!(names_in(dir.path()), [".out.previous", "out"]);
        assert!(build(&out, "three"));
        let previous = previous_path(&out);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "three");
        assert_eq!(
            fs::read_to_string(previous.join("index.html")).unwrap(),
            "two"
        );
        let names = names_in(dir.path());
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names[0].starts_with(&format!(".out.discard-{}-", std::process::id())));
        assert_eq!(names[1..], [".out.previous", "out"]);
        assert_eq!(remove_discarded(&out).unwrap(), 1);
        assert_eq!(names_in(dir.path()), [".out.previous", "out"]);
        assert_eq!(remove_discarded(&out).unwrap(), 0);
    }

    /// A killed remover's folder under this process's own id (every build
    /// is PID 1 in a container) never stops the previous generation from
    /// moving on, and is removed with the rest.
    #[test]
    fn a_leftover_discard_folder_never_keeps_a_stale_previous() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        build(&out, "one");
        build(&out, "two");
        for n in ["", "-0"] {
            let leftover = dir
                .path()
                .join(format!(".out.discard-{}{n}", std::process::id()));
            fs::create_dir(&leftover).unwrap();
            fs::write(leftover.join(destination::MARKER), "index.html\n").unwrap();
            fs::write(leftover.join("index.html"), "zero").unwrap();
        }
        assert!(build(&out, "three"));
        assert_eq!(
            fs::read_to_string(previous_path(&out).join("index.html")).unwrap(),
            "two"
        );
        assert_eq!(remove_discarded(&out).unwrap(), 3);
        assert_eq!(names_in(dir.path()), [".out.previous", "out"]);
    }

    #[test]
    fn rolling_back_swaps_the_previous_generation_in_and_out() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        assert_eq!(roll_back(&out).unwrap_err().kind(), io::ErrorKind::NotFound);
        build(&out, "one");
        assert_eq!(roll_back(&out).unwrap_err().kind(), io::ErrorKind::NotFound);
        build(&out, "two");
        roll_back(&out).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "one");
        roll_back(&out).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert_eq!(names_in(dir.path()), [".out.previous", "out"]);
    }

    #[test]
    fn removing_discarded_generations_touches_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        for name in [
            ".out.discard-12",
            ".out.discard-13",
            ".out.discard-x",
            ".other.discard-3",
            "out.discard-4",
        ] {
            fs::create_dir(dir.path().join(name)).unwrap();
            fs::write(dir.path().join(name).join("f"), "x").unwrap();
            fs::write(dir.path().join(name).join(destination::MARKER), "f\n").unwrap();
        }
        // A folder by a discard name without Casebook's marker is the user's.
        fs::remove_file(dir.path().join(".out.discard-13").join(destination::MARKER)).unwrap();
        // A file and a link by a discard name are not folders of ours.
        fs::write(dir.path().join(".out.discard-5"), "theirs").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("out.discard-4"),
            dir.path().join(".out.discard-6"),
        )
        .unwrap();
        assert_eq!(remove_discarded(&out).unwrap(), 1);
        assert_eq!(remove_discarded(Path::new("/")).unwrap(), 0);
        assert_eq!(remove_discarded(&dir.path().join("..")).unwrap(), 0);
        assert_eq!(
            names_in(dir.path()),
            [
                ".other.discard-3",
                ".out.discard-13",
                ".out.discard-5",
                ".out.discard-6",
                ".out.discard-x",
                "out.discard-4"
            ]
        );
        assert!(dir.path().join("out.discard-4/f").exists());
    }

    #[test]
    fn anything_else_where_the_previous_generation_goes_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        build(&out, "one");
        fs::write(previous_path(&out), "theirs").unwrap();
        assert!(!build(&out, "two"));
        assert_eq!(fs::read_to_string(previous_path(&out)).unwrap(), "theirs");
        // A folder without Casebook's marker is someone else's too.
        fs::remove_file(previous_path(&out)).unwrap();
        fs::create_dir(previous_path(&out)).unwrap();
        fs::write(previous_path(&out).join("notes.txt"), "theirs").unwrap();
        assert!(!build(&out, "three"));
        let kept = previous_path(&out).join("notes.txt");
        assert_eq!(fs::read_to_string(kept).unwrap(), "theirs");
        assert_eq!(names_in(dir.path()), [".out.previous", "out"]);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "three");
    }

    #[test]
    fn updates_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        let first = [file("a/index.html", "one"), file("b.txt", "x")];
        let written = update(&out, &first, &[]).unwrap();
        assert_eq!(written, ["a/index.html", "b.txt"]);
        let second = [file("a/index.html", "one"), file("c/d.txt", "new")];
        let written = update(&out, &second, &["b.txt".to_string()]).unwrap();
        assert_eq!(written, ["b.txt", "c/d.txt"]);
        assert!(!out.join("b.txt").exists());
        assert_eq!(fs::read_to_string(out.join("c/d.txt")).unwrap(), "new");
        let names: Vec<_> = fs::read_dir(out.join("a")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary files left");
    }
}
