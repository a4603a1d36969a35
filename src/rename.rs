//! The two atomic renames Linux offers beyond `rename(2)`, for the two
//! writers: [`exchange`] swaps the staged output with the old one
//! (`output`), [`no_replace`] puts a new editor file in place only if
//! nothing is there (`editor_files`). Each falls back where the kernel or
//! the file system cannot (`Unsupported`), and the callers decide how.

use std::io;
use std::path::Path;

/// Swap `a` and `b` in one step (`RENAME_EXCHANGE`).
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    renameat2(a, b, RENAME_EXCHANGE)
}

/// Rename `from` to `to` unless `to` exists, a dangling link included
/// (`RENAME_NOREPLACE`).
pub fn no_replace(from: &Path, to: &Path) -> io::Result<()> {
    renameat2(from, to, RENAME_NOREPLACE)
}

#[cfg(target_os = "linux")]
const RENAME_EXCHANGE: u32 = libc::RENAME_EXCHANGE;
#[cfg(target_os = "linux")]
const RENAME_NOREPLACE: u32 = libc::RENAME_NOREPLACE;
#[cfg(not(target_os = "linux"))]
const RENAME_EXCHANGE: u32 = 0;
#[cfg(not(target_os = "linux"))]
const RENAME_NOREPLACE: u32 = 0;

/// `renameat2(2)`; `Unsupported` where this kernel or file system has no
/// such rename (EINVAL, ENOSYS) or the system is not Linux.
fn renameat2(from: &Path, to: &Path, flags: u32) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(from.as_os_str().as_bytes())?;
        let b = CString::new(to.as_os_str().as_bytes())?;
        // SAFETY: both are valid NUL-terminated paths that outlive the call.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                flags,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EINVAL) | Some(libc::ENOSYS) => Err(unsupported()),
            _ => Err(err),
        };
    }
    #[allow(unreachable_code)]
    {
        let _ = (from, to, flags);
        Err(unsupported())
    }
}

fn unsupported() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "renameat2 is not available here",
    )
}
