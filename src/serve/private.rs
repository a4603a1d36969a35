//! The preview's private folder in the temporary directory:
//! `casebook-serve-{pid}/`, made readable by its owner only as it is
//! created (mode 0700; with `--drafts` it holds drafts), marked as
//! Casebook's by a small file, with the site built into `site/` inside it.
//! It is removed when the server ends, on SIGINT, SIGTERM and SIGHUP too
//! (a thread waits for them and tells the server, which removes it; every
//! other thread has them blocked), and a later start removes the folders
//! of servers that were killed (SIGKILL cannot be caught): only folders by
//! this name, owned by this user, holding the mark, whose process is gone.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The folders are named by this prefix and the server's process id.
const PREFIX: &str = "casebook-serve-";
/// The mark: this file, with exactly [`MARK_TEXT`], in the folder.
const MARK: &str = ".casebook-serve";
const MARK_TEXT: &str = "casebook serve 的私有预览目录，服务结束后删除\n";

pub struct Folder {
    path: PathBuf,
}

impl Folder {
    /// Create this process's folder in `temp`. Nothing already there is
    /// used or replaced: `mkdir` fails if any file, folder or link has the
    /// name (a planted one in a shared `/tmp`).
    pub fn create(temp: &Path) -> io::Result<Folder> {
        let path = temp.join(format!("{PREFIX}{}", std::process::id()));
        DirBuilder::new().mode(0o700).create(&path).map_err(|err| {
            if err.kind() == io::ErrorKind::AlreadyExists {
                io::Error::new(
                    err.kind(),
                    format!(
                        "{} 已存在且不是本程序留下的，请检查后删除它",
                        path.display()
                    ),
                )
            } else {
                err
            }
        })?;
        let folder = Folder { path };
        let mut mark = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(folder.path.join(MARK))?;
        mark.write_all(MARK_TEXT.as_bytes())?;
        Ok(folder)
    }

    /// Where the preview builds the site.
    pub fn site(&self) -> PathBuf {
        self.path.join("site")
    }

    /// Remove the folder. A rebuild may be writing into it at that moment:
    /// a removal that meets new files tries again.
    pub fn remove(&self) {
        for _ in 0..40 {
            match fs::remove_dir_all(&self.path) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return,
            }
        }
    }
}

/// Remove the folders of servers that were killed (a large site's folder
/// is gigabytes, and with `--drafts` it holds drafts).
pub fn remove_leftovers(temp: &Path) {
    // Whether a process is alive is read from /proc (Linux).
    if !Path::new("/proc/self").is_dir() {
        return;
    }
    let Ok(entries) = fs::read_dir(temp) else {
        return;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    for entry in entries.flatten() {
        let Some(pid) = leftover_pid(&entry.file_name().to_string_lossy()) else {
            continue;
        };
        // A folder named by this very process is a killed one's whose id
        // was reused: this process has not made its own yet.
        let alive = pid != std::process::id() && Path::new("/proc").join(pid.to_string()).exists();
        if !alive && is_ours(&entry.path(), uid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The process id in a folder name this module makes (`casebook-serve-`
/// and the id in decimal, no sign or leading zero), or `None`.
fn leftover_pid(name: &str) -> Option<u32> {
    let digits = name.strip_prefix(PREFIX)?;
    let pid: u32 = digits.parse().ok()?;
    (pid.to_string() == digits).then_some(pid)
}

/// A real folder (not a link) owned by `uid` that holds the mark.
fn is_ours(path: &Path, uid: u32) -> bool {
    let owned = |meta: &fs::Metadata| meta.uid() == uid;
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_dir() || !owned(&meta) {
        return false;
    }
    let mark = path.join(MARK);
    let Ok(meta) = fs::symlink_metadata(&mark) else {
        return false;
    };
    if !meta.is_file() || !owned(&meta) || meta.len() != MARK_TEXT.len() as u64 {
        return false;
    }
    let mut text = String::new();
    fs::File::open(&mark)
        .and_then(|f| f.take(1024).read_to_string(&mut text).map(|_| ()))
        .is_ok()
        && text == MARK_TEXT
}

/// The signals that end a server: Ctrl+C, `kill`, a closed terminal.
fn ending_signals() -> libc::sigset_t {
    // SAFETY: the set is initialised by sigemptyset before it is used.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

/// Block the ending signals in this thread and so in every thread it
/// starts from now on. Call before any other thread starts.
pub fn block_signals() {
    let set = ending_signals();
    // SAFETY: `set` is a valid, initialised signal set.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Wait for an ending signal on a thread of its own, then pass its number
/// to `ended` (the server then removes its folder and ends).
pub fn on_ending_signal(ended: impl FnOnce(i32) + Send + 'static) {
    std::thread::spawn(move || {
        let set = ending_signals();
        let mut signal: libc::c_int = 0;
        // SAFETY: `set` is initialised and `signal` is a valid out-pointer.
        while unsafe { libc::sigwait(&set, &mut signal) } != 0 {}
        ended(signal);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn folders_are_named_by_process_id_only() {
        assert_eq!(leftover_pid("casebook-serve-4242"), Some(4242));
        for name in [
            "casebook-serve-",
            "casebook-serve-+42",
            "casebook-serve-042",
            "casebook-serve-42x",
            "casebook-serve-42.staging",
            "casebook-build-42",
            "xcasebook-serve-42",
        ] {
            assert_eq!(leftover_pid(name), None, "{name}");
        }
    }

    #[test]
    fn the_folder_is_private_marked_and_never_reused() {
        let temp = tempfile::tempdir().unwrap();
        let folder = Folder::create(temp.path()).unwrap();
        let meta = fs::metadata(&folder.path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        // SAFETY: as above.
        let uid = unsafe { libc::geteuid() };
        assert!(is_ours(&folder.path, uid));
        assert!(!is_ours(&folder.path, uid.wrapping_add(1)));
        // The name is taken: a second one is refused, the first untouched.
        assert!(Folder::create(temp.path()).is_err());
        assert!(folder.path.join(MARK).is_file());
        folder.remove();
        assert!(!folder.path.exists());
    }

    #[test]
    fn only_marked_folders_are_recognised() {
        let temp = tempfile::tempdir().unwrap();
        // SAFETY: as above.
        let uid = unsafe { libc::geteuid() };
        let plain = temp.path().join("casebook-serve-1");
        fs::create_dir(&plain).unwrap();
        assert!(!is_ours(&plain, uid), "no mark");
        fs::write(plain.join(MARK), "something else\n").unwrap();
        assert!(!is_ours(&plain, uid), "a different mark");
        let marked = temp.path().join("marked");
        fs::create_dir(&marked).unwrap();
        fs::write(marked.join(MARK), MARK_TEXT).unwrap();
        assert!(is_ours(&marked, uid));
        let link = temp.path().join("casebook-serve-2");
        std::os::unix::fs::symlink(&marked, &link).unwrap();
        assert!(!is_ours(&link, uid), "a link to a marked folder");
        let linked_mark = temp.path().join("casebook-serve-3");
        fs::create_dir(&linked_mark).unwrap();
        std::os::unix::fs::symlink(marked.join(MARK), linked_mark.join(MARK)).unwrap();
        assert!(!is_ours(&linked_mark, uid), "a linked mark");
    }
}
