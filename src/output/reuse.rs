//! Files carried over unchanged from the output a build replaces. A build
//! still renders every file, but one whose bytes equal the file the
//! previous build wrote at the same path is not written again: the new
//! output gets a hard link to the old file, and to its `.gz`/`.br` copies,
//! which are then not compressed again. Unchanged files keep their inode
//! and modification time, so a sync tool that compares times, nginx's
//! `ETag` and a CDN see only what changed, and a rebuild skips most of its
//! writing and compressing.
//!
//! An old file is used only where nothing can have changed it unseen:
//! - the previous output is Casebook's (the caller checked its marker) and
//!   its build record lists the path;
//! - the file is opened below the old output without following any
//!   symlink (`openat2`, `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`), is a
//!   regular file, and its bytes are compared in full with the new ones;
//!   the link is made to that opened file, not to the path again;
//! - a compressed copy is used only when the same binary wrote the old
//!   output (the record's `binary:`; compression is then byte for byte the
//!   same) and it decompresses to exactly the new bytes, nothing after.
//!
//! Anything else goes on to be compressed and written afresh, so the
//! output is byte for byte what a clean build writes (`build --clean`
//! turns reuse off). New and old outputs share the unchanged files'
//! inodes, so the kept previous generation costs no space for them. Off
//! Linux nothing is reused.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::{stays_inside, Contents, OutputFile, Sink, Staging};
use crate::destination;

/// A sink in front of the compression and the staging folder that links
/// unchanged files from the previous output instead.
pub struct Reuse<'a> {
    staging: &'a Staging,
    /// Where files that are not reused go (compression, then `staging`).
    next: &'a dyn Sink,
    previous: Option<PreviousOutput>,
    copies: Copies,
    files: AtomicUsize,
    bytes: AtomicU64,
}

/// Which files the compression after this sink gives copies
/// (`precompress`, which `output` must not know: it is built on it).
#[derive(Clone, Copy)]
pub struct Copies {
    /// Whether a file of this path and length gets a `.gz`.
    pub wanted: fn(&str, usize) -> bool,
    /// Whether it also gets a `.br` (`[output] brotli`).
    pub brotli: bool,
}

/// What a build took from the previous output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reused {
    /// Files linked (compressed copies included).
    pub files: usize,
    pub bytes: u64,
}

struct PreviousOutput {
    /// The old output folder, opened once (never through a symlink).
    dir: fs::File,
    /// The paths its build recorded.
    recorded: HashSet<String>,
    /// Whether this binary wrote it: its compressed copies are ours.
    same_binary: bool,
}

impl<'a> Reuse<'a> {
    /// Reuse from `previous` (the output about to be replaced), if it has
    /// a build record; `None` reuses nothing (`build --clean`).
    pub fn new(
        staging: &'a Staging,
        next: &'a dyn Sink,
        previous: Option<&Path>,
        copies: Copies,
    ) -> Reuse<'a> {
        Reuse {
            staging,
            next,
            previous: previous.and_then(PreviousOutput::open),
            copies,
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    pub fn reused(&self) -> Reused {
        Reused {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Link `path` and its compressed copies from the previous output if
    /// they hold exactly what a clean build writes; `false` (nothing
    /// linked) otherwise.
    fn try_reuse(&self, previous: &PreviousOutput, path: &str, bytes: &[u8]) -> bool {
        let Some(old) = previous.same_file(path, bytes) else {
            return false;
        };
        let mut links = vec![(path.to_string(), old)];
        if (self.copies.wanted)(path, bytes.len()) {
            let mut kinds = vec![Compression::Gzip];
            if self.copies.brotli {
                kinds.push(Compression::Brotli);
            }
            for kind in kinds {
                let copy = format!("{path}.{}", kind.extension());
                match previous.same_copy(&copy, kind, bytes) {
                    Some(file) => links.push((copy, file)),
                    // Not there, or not provably ours: compress afresh.
                    None => return false,
                }
            }
        }
        self.link_all(&links)
    }

    /// Link `path`, a copy of the site's file `source` (never compressed),
    /// from the previous output if that holds exactly the same bytes.
    fn try_reuse_copy(&self, previous: &PreviousOutput, path: &str, source: &Path) -> bool {
        match previous.same_as(path, source) {
            Some(old) => self.link_all(&[(path.to_string(), old)]),
            None => false,
        }
    }

    /// Link every one of `links` into the staging folder, or none.
    fn link_all(&self, links: &[(String, fs::File)]) -> bool {
        let mut made = Vec::new();
        for (path, file) in links {
            if self.staging.link(path, file).is_err() {
                for path in made {
                    self.staging.unlink(path);
                }
                return false;
            }
            made.push(path.as_str());
        }
        for (_, file) in links {
            let size = file.metadata().map_or(0, |m| m.len());
            self.bytes.fetch_add(size, Ordering::Relaxed);
        }
        self.files.fetch_add(links.len(), Ordering::Relaxed);
        true
    }
}

impl Sink for Reuse<'_> {
    fn put(&self, file: OutputFile) {
        if let Some(previous) = &self.previous {
            let reused = match &file.contents {
                Contents::Bytes(bytes) => self.try_reuse(previous, &file.path, bytes),
                Contents::Copy(source) => self.try_reuse_copy(previous, &file.path, source),
            };
            if reused {
                return;
            }
        }
        self.next.put(file);
    }
}

#[derive(Clone, Copy)]
enum Compression {
    Gzip,
    Brotli,
}

impl Compression {
    fn extension(self) -> &'static str {
        match self {
            Compression::Gzip => "gz",
            Compression::Brotli => "br",
        }
    }
}

/// The largest compressed copy read back (the largest page's is a few MB).
const MAX_COPY_BYTES: u64 = 64 << 20;

impl PreviousOutput {
    fn open(dir: &Path) -> Option<PreviousOutput> {
        if !cfg!(target_os = "linux") || !destination::is_marked(dir) {
            return None;
        }
        let record = destination::read_record(dir)?;
        let same_binary =
            record.binary.is_some() && record.binary.as_deref() == destination::binary_id();
        Some(PreviousOutput {
            dir: open_folder(dir).ok()?,
            recorded: record.files,
            same_binary,
        })
    }

    /// The old file at `path`, if the build recorded it and it holds
    /// exactly `bytes`.
    fn same_file(&self, path: &str, bytes: &[u8]) -> Option<fs::File> {
        if !self.recorded.contains(path) {
            return None;
        }
        let mut file = self.open_any(path)?;
        let same_size = file.metadata().ok()?.len() == bytes.len() as u64;
        (same_size && holds_exactly(&mut file, bytes)).then_some(file)
    }

    /// The old file at `path`, if the build recorded it and it holds
    /// exactly what the file `source` holds (compared as both are read).
    fn same_as(&self, path: &str, source: &Path) -> Option<fs::File> {
        if !self.recorded.contains(path) {
            return None;
        }
        let new = fs::File::open(source).ok()?;
        let mut old = self.open_any(path)?;
        let len = new.metadata().ok()?.len();
        if !new.metadata().ok()?.is_file() || old.metadata().ok()?.len() != len {
            return None;
        }
        // The source may change length while it is read: `len` is checked.
        same_contents(&mut old, new, len).then_some(old)
    }

    /// The old compressed copy `path` of `bytes`, if this binary wrote it
    /// and it decompresses to exactly `bytes`.
    fn same_copy(&self, path: &str, kind: Compression, bytes: &[u8]) -> Option<fs::File> {
        if !self.same_binary {
            return None;
        }
        let mut file = self.open_any(path)?;
        let size = file.metadata().ok()?.len();
        if size > MAX_COPY_BYTES {
            return None;
        }
        let mut packed = Vec::with_capacity(size as usize);
        file.read_to_end(&mut packed).ok()?;
        decompresses_to(kind, &packed, bytes).then_some(file)
    }

    /// `path` below the old output, a regular file, reached without
    /// following a symlink.
    fn open_any(&self, path: &str) -> Option<fs::File> {
        if !stays_inside(path) {
            return None;
        }
        let file = open_beneath(&self.dir, path).ok()?;
        file.metadata().ok()?.is_file().then_some(file)
    }
}

/// Whether `file` (already known to be `bytes.len()` long) holds `bytes`.
fn holds_exactly(file: &mut fs::File, bytes: &[u8]) -> bool {
    same_contents(file, bytes, bytes.len() as u64)
}

/// Whether `old` holds what `new` reads, which must be `len` bytes.
fn same_contents(old: &mut fs::File, mut new: impl Read, len: u64) -> bool {
    let (mut a, mut b) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    let mut at = 0;
    loop {
        let n = match new.read(&mut a) {
            Ok(0) => return at == len,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        if old.read_exact(&mut b[..n]).is_err() || a[..n] != b[..n] {
            return false;
        }
        at += n as u64;
    }
}

/// Whether `packed` is one complete stream of `kind` holding exactly
/// `bytes`, with nothing after it.
fn decompresses_to(kind: Compression, packed: &[u8], bytes: &[u8]) -> bool {
    let mut out = Vec::with_capacity(bytes.len());
    // One byte more than expected tells a longer stream apart.
    let limit = bytes.len() as u64 + 1;
    match kind {
        Compression::Gzip => {
            let mut decoder = flate2::bufread::GzDecoder::new(packed);
            if (&mut decoder).take(limit).read_to_end(&mut out).is_err() {
                return false;
            }
            if !decoder.into_inner().is_empty() {
                return false;
            }
        }
        Compression::Brotli => return brotli_holds(packed, bytes),
    }
    out == bytes
}

/// Whether `packed` is one complete Brotli stream of exactly `bytes`.
/// The stream-level decoder says where the stream ended, so input left
/// after it is caught (the `Read` adapter would swallow it).
fn brotli_holds(packed: &[u8], bytes: &[u8]) -> bool {
    use brotli::{BrotliDecompressStream, BrotliResult, BrotliState, HeapAlloc, HuffmanCode};
    let mut state = BrotliState::new(
        HeapAlloc::<u8>::new(0),
        HeapAlloc::<u32>::new(0),
        HeapAlloc::<HuffmanCode>::new(HuffmanCode::default()),
    );
    // One byte more than expected tells a longer stream apart.
    let mut out = vec![0u8; bytes.len() + 1];
    let (mut available_in, mut input_offset) = (packed.len(), 0);
    let (mut available_out, mut output_offset, mut total_out) = (out.len(), 0, 0);
    let result = BrotliDecompressStream(
        &mut available_in,
        &mut input_offset,
        packed,
        &mut available_out,
        &mut output_offset,
        &mut out,
        &mut total_out,
        &mut state,
    );
    matches!(result, BrotliResult::ResultSuccess)
        && available_in == 0
        && out.get(..output_offset) == Some(bytes)
}

/// Open the folder `dir` itself, refusing a symlink.
fn open_folder(dir: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir)
}

/// Open `path` below the folder `dir` for reading, refusing to leave it or
/// to follow any symlink on the way (`openat2`).
#[cfg(target_os = "linux")]
fn open_beneath(dir: &fs::File, path: &str) -> io::Result<fs::File> {
    use std::ffi::CString;
    use std::os::fd::{AsRawFd, FromRawFd};
    let name = CString::new(path)?;
    // SAFETY: `open_how` is plain data; zeroed is a valid value.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    // Non-blocking: a FIFO put there must not hang the build (it is then
    // refused as not a regular file).
    how.flags = (libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS;
    // SAFETY: a valid folder descriptor, a NUL-terminated path and a
    // pointer to `how` with its size, all alive for the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir.as_raw_fd(),
            name.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this descriptor, owned by no one else.
    Ok(unsafe { fs::File::from_raw_fd(fd as i32) })
}

#[cfg(not(target_os = "linux"))]
fn open_beneath(_dir: &fs::File, _path: &str) -> io::Result<fs::File> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// The build's compression (`precompress`, which sits above `output`
    /// and so is not used here): a `.gz`, and with `brotli` a `.br`,
    /// beside each page of 1 KB or more.
    struct Compress<'a> {
        inner: &'a dyn Sink,
        brotli: bool,
    }

    fn wanted(path: &str, len: usize) -> bool {
        len >= 1024 && path.ends_with(".html")
    }

    fn gunzip(packed: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(packed)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    impl Sink for Compress<'_> {
        fn put(&self, file: OutputFile) {
            if let Contents::Bytes(bytes) = &file.contents {
                if wanted(&file.path, bytes.len()) {
                    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Default::default());
                    gz.write_all(bytes).unwrap();
                    put(
                        self.inner,
                        &format!("{}.gz", file.path),
                        gz.finish().unwrap(),
                    );
                    if self.brotli {
                        let mut br = Vec::new();
                        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
                        writer.write_all(bytes).unwrap();
                        drop(writer);
                        put(self.inner, &format!("{}.br", file.path), br);
                    }
                }
            }
            self.inner.put(file);
        }
    }

    fn copies(brotli: bool) -> Copies {
        Copies { wanted, brotli }
    }
    use std::os::unix::fs::MetadataExt as _;

    fn page(n: usize) -> Vec<u8> {
        format!("<p>质量标杆案例 {n}</p>\n")
            .repeat(200)
            .into_bytes()
    }

    fn put(sink: &dyn Sink, path: &str, bytes: Vec<u8>) {
        sink.put(OutputFile {
            path: path.to_string(),
            contents: Contents::Bytes(bytes),
        });
    }

    /// An output at `out` as a build with `brotli` writes it: pages
    /// `a/index.html`, `b/index.html`, the picture `p.png`, and its record.
    fn first_build(out: &Path, brotli: bool) {
        let staging = Staging::begin(out).unwrap();
        let sink = Compress {
            inner: &staging,
            brotli,
        };
        put(&sink, "a/index.html", page(1));
        put(&sink, "b/index.html", page(2));
        put(&sink, "p.png", vec![7; 4000]);
        let record = destination::record_text(false, ["a/index.html", "b/index.html", "p.png"]);
        put(&sink, destination::BUILD_RECORD, record.into_bytes());
        staging.commit().unwrap();
    }

    /// The paths a second build over `out` links rather than writes, when
    /// it renders the same files.
    fn second_build(out: &Path, brotli: bool) -> (Vec<String>, Reused) {
        let staging = Staging::begin(out).unwrap();
        let compress = Compress {
            inner: &staging,
            brotli,
        };
        let reuse = Reuse::new(&staging, &compress, Some(out), copies(brotli));
        put(&reuse, "a/index.html", page(1));
        put(&reuse, "b/index.html", page(2));
        put(&reuse, "p.png", vec![7; 4000]);
        let mut linked = Vec::new();
        for rel in [
            "a/index.html",
            "a/index.html.gz",
            "a/index.html.br",
            "b/index.html",
            "b/index.html.gz",
            "p.png",
        ] {
            let (new, old) = (staging.dir.join(rel), out.join(rel));
            if let (Ok(new), Ok(old)) = (fs::symlink_metadata(new), fs::symlink_metadata(old)) {
                if new.ino() == old.ino() {
                    linked.push(rel.to_string());
                }
            }
        }
        // Whatever was reused, the staged files are what a clean build
        // writes.
        let gz = fs::read(staging.dir.join("a/index.html.gz")).unwrap();
        assert_eq!(gunzip(&gz), page(1));
        assert_eq!(fs::read(staging.dir.join("b/index.html")).unwrap(), page(2));
        (linked, reuse.reused())
    }

    #[test]
    fn unchanged_files_and_their_copies_are_linked() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        first_build(&out, true);
        let (linked, reused) = second_build(&out, true);
        assert_eq!(
            linked,
            [
                "a/index.html",
                "a/index.html.gz",
                "a/index.html.br",
                "b/index.html",
                "b/index.html.gz",
                "p.png"
            ]
        );
        assert_eq!(reused.files, 7);
    }

    #[test]
    fn changed_unrecorded_or_tampered_files_are_written_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        first_build(&out, true);
        // Same length, other bytes.
        let mut other = page(1);
        other[5] ^= 1;
        fs::write(out.join("a/index.html"), other).unwrap();
        // A gzip copy with something after its stream.
        let mut gz = fs::read(out.join("b/index.html.gz")).unwrap();
        gz.extend_from_slice(b"<script>");
        fs::write(out.join("b/index.html.gz"), gz).unwrap();
        let (linked, _) = second_build(&out, true);
        assert_eq!(linked, ["p.png"]);

        // A brotli copy with something after its stream.
        first_build(&out, true);
        let mut br = fs::read(out.join("a/index.html.br")).unwrap();
        br.extend_from_slice(b"x");
        fs::write(out.join("a/index.html.br"), br).unwrap();
        let (linked, _) = second_build(&out, true);
        assert!(!linked.contains(&"a/index.html".to_string()), "{linked:?}");

        // A path the record does not list.
        first_build(&out, false);
        let record = destination::record_text(false, ["a/index.html"]);
        fs::write(out.join(destination::BUILD_RECORD), record).unwrap();
        let (linked, _) = second_build(&out, false);
        assert_eq!(linked, ["a/index.html", "a/index.html.gz"]);

        // Copies from another binary; and with brotli now on, a missing `.br`.
        first_build(&out, false);
        let (linked, _) = second_build(&out, true);
        assert_eq!(linked, ["p.png"], "no .br to reuse: compressed afresh");
        first_build(&out, false);
        let record = fs::read_to_string(out.join(destination::BUILD_RECORD)).unwrap();
        let id = destination::binary_id().unwrap();
        fs::write(
            out.join(destination::BUILD_RECORD),
            record.replace(id, "casebook-0-1-1"),
        )
        .unwrap();
        let (linked, _) = second_build(&out, false);
        assert_eq!(linked, ["p.png"]);
    }

    #[test]
    fn nothing_is_reached_through_a_symlink_or_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        first_build(&out, false);
        // `a/` replaced by a link to a folder elsewhere holding the same
        // bytes, `p.png` by a FIFO (opening it must not wait for a writer).
        let elsewhere = dir.path().join("elsewhere");
        fs::rename(out.join("a"), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("a")).unwrap();
        fs::remove_file(out.join("p.png")).unwrap();
        let fifo = std::ffi::CString::new(out.join("p.png").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let staging = Staging::begin(&out).unwrap();
        let compress = Compress {
            inner: &staging,
            brotli: false,
        };
        let reuse = Reuse::new(&staging, &compress, Some(&out), copies(false));
        put(&reuse, "a/index.html", page(1));
        put(&reuse, "p.png", vec![7; 4000]);
        put(&reuse, "b/index.html", page(2));
        assert_eq!(reuse.reused().files, 2, "only b/index.html and its copy");
        let staged = fs::symlink_metadata(staging.dir.join("a/index.html")).unwrap();
        assert_ne!(
            staged.ino(),
            fs::metadata(elsewhere.join("index.html")).unwrap().ino()
        );
        assert!(staged.is_file());
        assert!(fs::symlink_metadata(staging.dir.join("p.png"))
            .unwrap()
            .is_file());
    }

    #[test]
    fn a_path_written_again_after_its_link_never_writes_into_the_old_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        first_build(&out, false);
        let staging = Staging::begin(&out).unwrap();
        let reuse = Reuse::new(&staging, &staging, Some(&out), copies(false));
        put(&reuse, "p.png", vec![7; 4000]);
        assert_eq!(reuse.reused().files, 1);
        // The same path rendered a second time, with other bytes.
        put(&staging, "p.png", vec![8; 4000]);
        assert_eq!(fs::read(out.join("p.png")).unwrap(), vec![7; 4000]);
        assert_eq!(fs::read(staging.dir.join("p.png")).unwrap(), vec![8; 4000]);
    }

    #[test]
    fn copies_of_the_sites_files_are_linked_only_when_identical() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let picture = dir.path().join("figure.svg");
        fs::write(&picture, "<svg>图</svg>".repeat(200)).unwrap();
        let copy = |sink: &dyn Sink| {
            sink.put(OutputFile {
                path: "c/figure.svg".to_string(),
                contents: Contents::Copy(picture.clone()),
            })
        };
        let staging = Staging::begin(&out).unwrap();
        copy(&staging);
        let record = destination::record_text(false, ["c/figure.svg"]);
        put(&staging, destination::BUILD_RECORD, record.into_bytes());
        staging.commit().unwrap();
        let old = fs::metadata(out.join("c/figure.svg")).unwrap().ino();
        let again = |edit: Option<&str>| {
            if let Some(text) = edit {
                fs::write(&picture, text).unwrap();
            }
            let staging = Staging::begin(&out).unwrap();
            let reuse = Reuse::new(&staging, &staging, Some(&out), copies(false));
            copy(&reuse);
            let staged = staging.dir.join("c/figure.svg");
            assert_eq!(fs::read(&staged).unwrap(), fs::read(&picture).unwrap());
            fs::metadata(staged).unwrap().ino()
        };
        assert_eq!(again(None), old, "unchanged: linked, not copied");
        let same_length = "<svg>圖</svg>".repeat(200);
        assert_ne!(again(Some(&same_length)), old);
        assert_ne!(again(Some("<svg/>")), old);
    }

    #[test]
    fn a_folder_without_a_record_or_marker_gives_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        first_build(&out, false);
        fs::remove_file(out.join(destination::BUILD_RECORD)).unwrap();
        let (linked, reused) = second_build(&out, false);
        assert!(linked.is_empty());
        assert_eq!(reused, Reused::default());
        // A record in a folder that lost its marker: not known to be ours.
        first_build(&out, false);
        fs::remove_file(out.join(destination::MARKER)).unwrap();
        let (linked, _) = second_build(&out, false);
        assert!(linked.is_empty(), "{linked:?}");
    }
}
