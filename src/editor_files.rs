//! The one place Casebook writes into an editor's own files (`check --fix`,
//! `import`, `new`). Every write here is atomic and durable: the bytes go
//! to a temporary file in the same folder, are flushed to disk, and are
//! renamed over the target, then the folder itself is flushed, so a full
//! disk, a size limit, Ctrl-C or a power cut leaves the old file or the new
//! one, never a file cut off mid-character.
//!
//! Nothing here follows a symlink to write: every folder between the site
//! root and the file, and the file itself, must be a real folder or file
//! (the build refuses to read through links too, so a write through one
//! would change something the site does not even show). [`create_new`]
//! never replaces anything that exists, not even a dangling link;
//! [`replace`] keeps the file's permissions.
//!
//! Temporary files are named `.NAME.tmp-PID-N`: a leading dot, so a killed
//! write's leftover is never read as content (discovery skips dot files).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Replace the existing regular file `root/rel` with `bytes`, keeping its
/// permissions.
pub fn replace(root: &Path, rel: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = checked_target(root, rel, false)?;
    let meta = fs::symlink_metadata(&target)?;
    if !meta.file_type().is_file() {
        return Err(not_a_plain_file(&target, &meta));
    }
    let temporary = write_temporary(&target, bytes, Some(&meta))?;
    // Look again just before the rename: a link put in its place since
    // would otherwise be replaced by a file, silently.
    let still_file = fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_file());
    if !still_file {
        let _ = fs::remove_file(&temporary);
        return Err(refused(&target, "写入过程中这个文件被替换成了别的东西"));
    }
    finish(fs::rename(&temporary, &target), &temporary, &target)
}

/// Create the file `root/rel` holding `bytes`, making missing folders on the
/// way; fails with `AlreadyExists` when anything is at that path.
pub fn create_new(root: &Path, rel: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = checked_target(root, rel, true)?;
    if fs::symlink_metadata(&target).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} 已存在，Casebook 不会覆盖它", target.display()),
        ));
    }
    let temporary = write_temporary(&target, bytes, None)?;
    finish(rename_no_replace(&temporary, &target), &temporary, &target)
}

/// Make the folder `root/rel` and any missing folders above it (below
/// `root`), refusing to pass through a symlink or a file.
pub fn create_dir(root: &Path, rel: &Path) -> io::Result<PathBuf> {
    let mut dir = root.to_path_buf();
    for component in relative_components(rel)? {
        dir.push(component);
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_dir() => {}
            Ok(meta) => return Err(not_a_plain_folder(&dir, &meta)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => match fs::create_dir(&dir) {
                // Flush the parent so the new folder survives a power cut.
                Ok(()) => sync_dir(parent_of(&dir))?,
                // Made by someone else meanwhile: fine if it is a folder.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    let meta = fs::symlink_metadata(&dir)?;
                    if !meta.file_type().is_dir() {
                        return Err(not_a_plain_folder(&dir, &meta));
                    }
                }
                Err(err) => return Err(err),
            },
            Err(err) => return Err(err),
        }
    }
    Ok(dir)
}

/// `root/rel` once every folder between them is a real folder (made if
/// `create`), and `rel` is relative and plain (no `..`, no root).
fn checked_target(root: &Path, rel: &Path, create: bool) -> io::Result<PathBuf> {
    let components = relative_components(rel)?;
    let Some((name, folders)) = components.split_last() else {
        return Err(refused(rel, "路径为空"));
    };
    let folder: PathBuf = folders.iter().collect();
    let dir = if create {
        create_dir(root, &folder)?
    } else {
        let mut dir = root.to_path_buf();
        for component in folders {
            dir.push(component);
            let meta = fs::symlink_metadata(&dir)?;
            if !meta.file_type().is_dir() {
                return Err(not_a_plain_folder(&dir, &meta));
            }
        }
        dir
    };
    Ok(dir.join(name))
}

fn relative_components(rel: &Path) -> io::Result<Vec<&std::ffi::OsStr>> {
    rel.components()
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            _ => Err(refused(
                rel,
                "路径必须是站点内的相对路径，不能含 .. 或根目录",
            )),
        })
        .collect()
}

/// Write `bytes` to a new temporary file beside `target` and flush it to
/// disk. The file is created exclusively, so no link at its name is
/// followed. Replacing a file, it gets that file's permissions (and owner,
/// where allowed) before a byte is written: a private file's new text is
/// never readable by others, not even for a moment.
fn write_temporary(
    target: &Path,
    bytes: &[u8],
    replacing: Option<&fs::Metadata>,
) -> io::Result<PathBuf> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temporary = target.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        if replacing.is_some() {
            options.mode(0o600);
        }
        let mut file = options.open(&temporary)?;
        if let Some(meta) = replacing {
            // Another owner is kept only by root; anyone else keeps theirs.
            let _ = std::os::unix::fs::fchown(&file, Some(meta.uid()), Some(meta.gid()));
            file.set_permissions(meta.permissions())?;
        }
        file.write_all(bytes)?;
        file.sync_all()
    })();
    match written {
        Ok(()) => Ok(temporary),
        Err(err) => {
            let _ = fs::remove_file(&temporary);
            Err(err)
        }
    }
}

/// After the rename: remove the temporary file if it failed, else flush
/// the folder so the rename itself survives a power cut.
fn finish(renamed: io::Result<()>, temporary: &Path, target: &Path) -> io::Result<()> {
    if let Err(err) = renamed {
        let _ = fs::remove_file(temporary);
        return Err(err);
    }
    sync_dir(parent_of(target))
}

/// The folder holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Some file systems cannot flush a folder; the rename is still atomic.
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(err) if err.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

/// Rename `from` to `to` unless `to` exists (anything, a dangling link too).
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    match crate::rename::no_replace(from, to) {
        Err(err) if err.kind() == io::ErrorKind::Unsupported => {
            // A hard link is never made over an existing name either.
            fs::hard_link(from, to)?;
            fs::remove_file(from)
        }
        other => other,
    }
}

fn not_a_plain_file(path: &Path, meta: &fs::Metadata) -> io::Error {
    if meta.file_type().is_symlink() {
        refused(path, "这是一个符号链接，Casebook 不通过链接写文件")
    } else {
        refused(path, "这不是一个普通文件")
    }
}

fn not_a_plain_folder(path: &Path, meta: &fs::Metadata) -> io::Error {
    if meta.file_type().is_symlink() {
        refused(path, "这是一个符号链接，Casebook 不通过链接写文件")
    } else {
        refused(path, "这不是一个文件夹")
    }
}

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{}：{why}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    #[test]
    fn replace_keeps_permissions_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("content")).unwrap();
        let file = dir.path().join("content/a.md");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        replace(dir.path(), Path::new("content/a.md"), b"new").unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let names: Vec<_> = fs::read_dir(dir.path().join("content")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left");
    }

    #[test]
    fn replace_keeps_the_owner_where_allowed() {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file to someone else (and keep it theirs).
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        fs::write(&file, "old").unwrap();
        std::os::unix::fs::chown(&file, Some(4321), Some(4322)).unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        replace(dir.path(), Path::new("a.md"), b"new").unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4321, 4322));
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read_to_string(&file).unwrap(), "new");
    }

    #[test]
    fn never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir_all(root.join("content")).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        fs::write(elsewhere.join("a.md"), "theirs").unwrap();
        // A linked folder on the way, and a linked file at the end.
        symlink(&elsewhere, root.join("content/cases")).unwrap();
        symlink(elsewhere.join("a.md"), root.join("content/b.md")).unwrap();
        for rel in ["content/cases/a.md", "content/b.md"] {
            let err = replace(&root, Path::new(rel), b"ours").unwrap_err();
            assert!(err.to_string().contains("符号链接"), "{rel}: {err}");
        }
        let err = create_new(&root, Path::new("content/cases/new.md"), b"x").unwrap_err();
        assert!(err.to_string().contains("符号链接"), "{err}");
        assert_eq!(
            fs::read_to_string(elsewhere.join("a.md")).unwrap(),
            "theirs"
        );
        assert!(!elsewhere.join("new.md").exists());
    }

    #[test]
    fn create_new_never_replaces_anything() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("taken.md"), "theirs").unwrap();
        symlink(root.join("nowhere"), root.join("dangling.md")).unwrap();
        for rel in ["taken.md", "dangling.md"] {
            let err = create_new(root, Path::new(rel), b"ours").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{rel}");
        }
        assert_eq!(fs::read_to_string(root.join("taken.md")).unwrap(), "theirs");
        assert!(!root.join("nowhere").exists(), "the link was not followed");
        create_new(root, Path::new("a/b/new.md"), b"ours").unwrap();
        assert_eq!(fs::read_to_string(root.join("a/b/new.md")).unwrap(), "ours");
        assert_eq!(fs::read_dir(root.join("a/b")).unwrap().count(), 1);
    }

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        for rel in ["../x.md", "/tmp/x.md", "a/../../x.md", ""] {
            assert!(
                create_new(dir.path(), Path::new(rel), b"x").is_err(),
                "{rel}"
            );
        }
    }
}
