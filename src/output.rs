//! The one place output files are written. A build writes into a fresh
//! staging folder beside the output folder and then swaps the two in one
//! atomic step, so a failed or killed build leaves the previous output
//! exactly as it was, and readers of the folder never see half a site.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::render::{Contents, OutputFile};

/// Write `files` as the new content of `out_dir`.
pub fn write_site(out_dir: &Path, files: &[OutputFile]) -> io::Result<()> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    clean_leftovers(&parent, &name);
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir(&staging)?;
    if let Err(err) = fill(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(err);
    }
    if out_dir.exists() {
        exchange(&staging, out_dir)?;
        // `staging` now holds the previous output.
        fs::remove_dir_all(&staging)?;
    } else {
        fs::rename(&staging, out_dir)?;
    }
    Ok(())
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

fn fill(staging: &Path, files: &[OutputFile]) -> io::Result<()> {
    // Create every folder first (sequentially, cheap), then write in parallel.
    let mut dirs: Vec<&Path> = files
        .iter()
        .filter_map(|f| Path::new(&f.path).parent())
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    for dir in dirs {
        fs::create_dir_all(staging.join(dir))?;
    }
    files.par_iter().try_for_each(|file| {
        let target = staging.join(&file.path);
        match &file.contents {
            Contents::Bytes(bytes) => fs::write(&target, bytes),
            Contents::Copy(source) => {
                fs::hard_link(source, &target).or_else(|_| fs::copy(source, &target).map(|_| ()))
            }
        }
    })
}

/// Swap two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`); where
/// that is not available, fall back to two renames.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let ca = CString::new(a.as_os_str().as_bytes())?;
        let cb = CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
    }
    let aside = b.with_extension("previous");
    if aside.exists() {
        fs::remove_dir_all(&aside)?;
    }
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
    fn replaces_previous_output_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("output");
        write_site(&out, &[file("a/index.html", "one"), file("old.txt", "x")]).unwrap();
        write_site(&out, &[file("a/index.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("a/index.html")).unwrap(), "two");
        assert!(!out.join("old.txt").exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only the output folder remains");
    }
}
