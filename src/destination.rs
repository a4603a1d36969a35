//! Where Casebook may put what it makes. `build` replaces its output folder
//! whole and `compile` replaces a book's folder inside one, so before either
//! reads a byte of content they make sure the folder is Casebook's to
//! replace: absent, empty, or one an earlier build made. Everything else
//! is refused with the folder and what is in it named, and nothing is
//! touched. `import --out` only ever creates files, so its folder must be
//! absent or empty.
//!
//! Casebook's folders are recognised by [`MARKER`], which `output::Staging`
//! writes into every folder it commits, listing the top-level entries it
//! made: a folder is Casebook's when it holds the marker and nothing the
//! marker does not list. Folders built before the marker existed are
//! recognised by their layout ([`legacy_site`], [`legacy_books`]).
//!
//! Always refused, whatever they hold: a symlink (replacing the link by a
//! folder would leave its target stale, writing through it would replace a
//! folder somewhere else), a file, the site root or a folder above it, a
//! folder inside the site's sources (`content/`, `themes/`, `templates/`,
//! `static/`), and a version-control folder or anything inside one.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The output folder when a command is given none: `ROOT/output`.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("output")
}

/// The file naming a folder as Casebook's output, at its top.
pub const MARKER: &str = ".casebook-output";

/// The build's record at the top of a site output: whether it was a
/// `--drafts` build, and every file it wrote (`casebook deploy` publishes
/// nothing else, and no preview).
pub const BUILD_RECORD: &str = ".casebook-build";

/// The record's first line; `drafts: BOOL` and `binary: ID` follow, then
/// the paths. Records of the first format (no `binary:` line) are still
/// read, with no binary.
const RECORD_HEADER: &str =
    "# casebook-build 2: what this build wrote; casebook deploy publishes nothing else";
const RECORD_HEADER_1: &str =
    "# casebook-build 1: what this build wrote; casebook deploy publishes nothing else";

/// Written for a program that cannot tell what it is.
const UNKNOWN_BINARY: &str = "unknown";

/// A record of 100,000 paths is a few MB; a bigger file is not ours.
const RECORD_MAX_BYTES: u64 = 256 << 20;

/// What [`BUILD_RECORD`] says.
#[derive(Debug, PartialEq, Eq)]
pub struct BuildRecord {
    pub drafts: bool,
    /// The [`binary_id`] of the program that wrote the output.
    pub binary: Option<String>,
    pub files: std::collections::HashSet<String>,
}

/// The text of a build's record, written by this binary.
pub fn record_text<'a>(drafts: bool, files: impl IntoIterator<Item = &'a str>) -> String {
    let mut files: Vec<&str> = files.into_iter().collect();
    files.sort_unstable();
    let binary = binary_id().unwrap_or(UNKNOWN_BINARY);
    let mut text = format!("{RECORD_HEADER}\ndrafts: {drafts}\nbinary: {binary}\n");
    for file in files {
        text.push_str(file);
        text.push('\n');
    }
    text
}

/// The record of the output `out`, if it has one of ours.
pub fn read_record(out: &Path) -> Option<BuildRecord> {
    let path = out.join(BUILD_RECORD);
    let meta = fs::symlink_metadata(&path).ok()?;
    if !meta.file_type().is_file() || meta.len() > RECORD_MAX_BYTES {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    let second_format = match lines.next()? {
        RECORD_HEADER => true,
        RECORD_HEADER_1 => false,
        _ => return None,
    };
    let drafts = match lines.next()? {
        "drafts: true" => true,
        "drafts: false" => false,
        _ => return None,
    };
    let binary = match second_format {
        true => match lines.next()?.strip_prefix("binary: ")? {
            UNKNOWN_BINARY => None,
            id => Some(id.to_string()),
        },
        false => None,
    };
    Some(BuildRecord {
        drafts,
        binary,
        files: lines.map(str::to_string).collect(),
    })
}

/// This program, as far as what it writes can differ: its version, and
/// the size and modification time of its executable (a rebuilt or
/// reinstalled binary gets a new one). Files whose bytes depend on more
/// than the site (the compressed copies) are reused from an output only
/// when the same binary wrote it (`output::reuse`).
pub fn binary_id() -> Option<&'static str> {
    static ID: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let meta = std::env::current_exe().and_then(fs::metadata).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        let (version, size, nanos) = (env!("CARGO_PKG_VERSION"), meta.len(), modified.as_nanos());
        Some(format!("casebook-{version}-{size}-{nanos}"))
    })
    .as_deref()
}

/// The marker's first line; the top-level names follow, one a line.
const MARKER_HEADER: &str =
    "# casebook-output 1: made by Casebook, replaced whole by the next build";

/// The site's own sources: no output goes inside them.
const SOURCES: [&str; 4] = ["content", "themes", "templates", "static"];

/// Version-control folders: never written into.
const VERSION_CONTROL: [&str; 8] = [
    ".git", ".hg", ".svn", ".bzr", "_darcs", "CVS", ".jj", ".pijul",
];

/// How many entries a refusal names.
const NAMED: usize = 5;

/// What the destination is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Use {
    /// `build`: the folder is replaced whole.
    Site,
    /// `compile`: `compilation/YEAR/` inside the folder is replaced.
    Books,
    /// `import --out`: files are created in the folder, never replaced.
    Import,
}

/// The marker's contents for a folder whose top-level entries are `names`.
/// Mark `dir` (a staged output) as Casebook's, listing its entries.
pub fn mark(dir: &Path) -> io::Result<()> {
    fs::write(dir.join(MARKER), marker_text(&entry_names(dir)?))
}

/// Is `dir` a folder a build committed: a real folder (not a link) whose
/// marker lists everything in it?
pub fn is_output(dir: &Path) -> bool {
    let is_folder = fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir());
    is_folder
        && marker_names(dir)
            .is_some_and(|listed| entry_names(dir).is_ok_and(|names| only_listed(&names, &listed)))
}

fn marker_text(names: &[String]) -> String {
    let mut text = format!("{MARKER_HEADER}\n");
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    text
}

/// May `out` be used for `purpose` by the site at `root`? The error is a
/// whole Chinese sentence naming the folder, why, and what to do.
pub fn check(root: &Path, out: &Path, purpose: Use) -> Result<(), String> {
    // `out/` and `out/.` would make lstat follow a link: look at the name.
    let out: PathBuf = out.components().collect();
    let shown = out.display();
    let meta = match fs::symlink_metadata(&out) {
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(format!("无法查看输出位置 {shown}：{err}")),
    };
    if meta.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
        let target = fs::read_link(&out).map_or_else(|_| "?".into(), |t| t.display().to_string());
        return Err(format!(
            "输出位置 {shown} 是符号链接（指向 {target}）：Casebook 不通过链接写入，也不替换链接。请直接用链接指向的真实目录，或换一个新目录"
        ));
    }
    let real = resolve(&out).map_err(|e| format!("无法解析输出位置 {shown}：{e}"))?;
    check_place(root, &real, purpose).map_err(|why| format!("不能写入 {shown}：{why}"))?;
    match meta {
        None => Ok(()),
        Some(meta) if !meta.is_dir() => Err(format!(
            "{shown} 是一个文件，不是目录；Casebook 不会把它换成目录。请换一个新目录"
        )),
        Some(_) => check_contents(&out, purpose),
    }
}

/// Record in `out`'s marker that Casebook made its entry `name`, making
/// `out` (and the marker) when there is none yet. A folder built before
/// the marker is left as it is: its layout still says it is Casebook's.
/// Call only after [`check`] accepted `out`.
pub fn claim(out: &Path, name: &str) -> io::Result<()> {
    fs::create_dir_all(out)?;
    let names = entry_names(out)?;
    let mut listed = match marker_names(out) {
        Some(listed) => listed,
        None if names.is_empty() => Vec::new(),
        None => return Ok(()),
    };
    if listed.iter().any(|n| n == name) {
        return Ok(());
    }
    listed.push(name.to_string());
    listed.sort();
    // A new file renamed over the marker: never written through a link.
    let temporary = out.join(format!("{MARKER}.new-{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    // Created new: a link planted at that name is not written through.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    std::io::Write::write_all(&mut file, marker_text(&listed).as_bytes())?;
    drop(file);
    fs::rename(&temporary, out.join(MARKER))
}

/// The places no output goes, whatever they hold.
fn check_place(root: &Path, real: &Path, purpose: Use) -> Result<(), String> {
    // No site there: loading it reports that, in the command's own words.
    let root = root
        .canonicalize()
        .unwrap_or_else(|_| resolve(root).unwrap_or_default());
    if !root.as_os_str().is_empty() && root.starts_with(real) {
        return Err(format!(
            "它是站点目录 {} 本身或它的上级，替换它会删掉整个站点。请换一个站点之外或站点里的新目录（默认 output/）",
            root.display()
        ));
    }
    if let Some(vcs) = real.components().find_map(|c| match c {
        Component::Normal(name) => VERSION_CONTROL.iter().find(|v| name.to_str() == Some(**v)),
        _ => None,
    }) {
        return Err(format!(
            "它是版本库目录 {vcs} 或在其中，Casebook 不会写进版本库。请换一个目录"
        ));
    }
    // import writes new cases into content/ by design.
    if purpose == Use::Import {
        return Ok(());
    }
    for source in SOURCES {
        let folder = root.join(source);
        let folder = folder.canonicalize().unwrap_or(folder);
        if real.starts_with(&folder) {
            return Err(format!(
                "它在站点的源文件目录 {source}/ 里，替换它会删掉编辑的文件。请换一个目录（默认 output/）"
            ));
        }
    }
    Ok(())
}

/// An existing folder: empty, or made by Casebook (import: empty only).
fn check_contents(out: &Path, purpose: Use) -> Result<(), String> {
    let shown = out.display();
    let names = entry_names(out).map_err(|e| format!("无法读取目录 {shown}：{e}"))?;
    if names.is_empty() {
        return Ok(());
    }
    let foreign = match purpose {
        Use::Import => names,
        Use::Site | Use::Books => {
            // With a marker, its list decides; without, the old layouts.
            let accepted = match marker_names(out) {
                Some(listed) => only_listed(&names, &listed),
                None => {
                    legacy_site(out, &names) || (purpose == Use::Books && legacy_books(out, &names))
                }
            };
            if accepted {
                return Ok(());
            }
            unlisted(out, names)
        }
    };
    let mut named = foreign
        .iter()
        .take(NAMED)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("、");
    if foreign.len() > NAMED {
        named.push_str(&format!(" 等 {} 项", foreign.len()));
    }
    Err(match purpose {
        Use::Import => format!(
            "目录 {shown} 已存在且不是空的（里面有 {named}），导入只写入不存在的目录或空目录，不覆盖任何文件，什么都没有改动。请换一个新目录"
        ),
        _ => format!(
            "目录 {shown} 里有不是 Casebook 生成的文件（{named}），Casebook 只替换空目录或它自己生成的目录，什么都没有改动。请换一个新目录，或先把这些文件移走"
        ),
    })
}

/// The folder's entry names, sorted.
fn entry_names(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<Vec<_>>>()?;
    names.sort();
    Ok(names)
}

/// Does `out` hold Casebook's marker (a committed build's output)? A
/// staging folder gets it only at the commit, so a killed build's has none.
pub fn is_marked(out: &Path) -> bool {
    marker_names(out).is_some()
}

/// The listed names of a marker, if the folder holds a real marker file.
fn marker_names(out: &Path) -> Option<Vec<String>> {
    let path = out.join(MARKER);
    let meta = fs::symlink_metadata(&path).ok()?;
    // A marker is a few hundred bytes; a big "marker" is not ours.
    if !meta.file_type().is_file() || meta.len() > 1 << 20 {
        return None;
    }
    let text = fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    (lines.next()? == MARKER_HEADER).then(|| lines.map(str::to_string).collect())
}

/// Nothing in `names` but the marker and what it lists.
/// The temporary file of a marker update (`claim`) that was killed.
fn is_marker_update(name: &str) -> bool {
    name.strip_prefix(MARKER)
        .and_then(|rest| rest.strip_prefix(".new-"))
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

fn only_listed(names: &[String], listed: &[String]) -> bool {
    names
        .iter()
        .all(|name| name == MARKER || is_marker_update(name) || listed.contains(name))
}

/// The entries a refusal names: those the marker does not list (all of
/// them when there is no marker).
fn unlisted(out: &Path, names: Vec<String>) -> Vec<String> {
    let listed = marker_names(out).unwrap_or_default();
    names
        .into_iter()
        .filter(|name| name != MARKER && !listed.contains(name))
        .collect()
}

/// A site built before the marker: `urls.txt` in Casebook's format
/// listing the home page, beside `index.html` and `sitemap.xml`.
pub fn legacy_site(out: &Path, names: &[String]) -> bool {
    let has = |name: &str| names.iter().any(|n| n == name) && is_file(&out.join(name));
    if !(has(crate::urls::PUBLISHED_LIST) && has("index.html") && has(crate::urls::SITEMAP)) {
        return false;
    }
    let Ok(text) = fs::read_to_string(out.join(crate::urls::PUBLISHED_LIST)) else {
        return false;
    };
    let urls = crate::published::parse(&text);
    if !(urls.iter().any(|u| u == "/") && urls.iter().all(|u| u.starts_with('/'))) {
        return false;
    }
    // Every entry must be one a build makes: a published URL's first
    // segment or one of the fixed top-level names. A checkout that once
    // received a copy of a build (`.git`, `CNAME`, a README) is not ours.
    let published: Vec<&str> = urls
        .iter()
        .filter_map(|u| u.trim_start_matches('/').split('/').next())
        .collect();
    names
        .iter()
        .all(|name| LEGACY_NAMES.contains(&name.as_str()) || published.contains(&name.as_str()))
}

/// What a build before the marker wrote at the top level besides its
/// published URLs' folders (assets, search export, QR codes, short links).
const LEGACY_NAMES: &[&str] = &[
    "urls.txt",
    "index.html",
    "404.html",
    "sitemap.xml",
    "robots.txt",
    "atom.xml",
    "favicon.ico",
    "css",
    "js",
    "img",
    "search",
    "qr",
    "c",
    "data",
    "compilation",
];

/// Books compiled before the marker into a folder of their own: nothing
/// but `compilation/`, holding only `YYYY/` folders and `YYYY.pdf` files.
pub fn legacy_books(out: &Path, names: &[String]) -> bool {
    if names != ["compilation"] {
        return false;
    }
    let books = out.join("compilation");
    let Ok(inside) = entry_names(&books) else {
        return false;
    };
    inside.iter().all(|name| {
        // A killed compile's staging folder, removed by the next.
        if name.starts_with('.') && name.contains(".staging-") {
            return true;
        }
        let (year, rest) = name.split_at(name.len().min(4));
        let is_year = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
        let path = books.join(name);
        is_year
            && match rest {
                "" => fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()),
                ".pdf" | ".pdf.partial" => is_file(&path),
                _ => false,
            }
    })
}

fn is_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// The real path `path` names: its longest existing ancestor resolved
/// (links followed), the missing rest appended.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::env::current_dir()?.join(path);
    let mut missing = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return Ok(missing.into_iter().rev().fold(real, |p, n| p.join(n)));
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "路径含有无法解析的 ..",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("casebook.toml"), "").unwrap();
        fs::create_dir_all(dir.path().join("content/cases")).unwrap();
        dir
    }

    #[test]
    fn marked_folders_are_casebooks_until_something_unlisted_appears() {
        let dir = site();
        let out = dir.path().join("output");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("index.html"), "x").unwrap();
        let names = ["index.html".to_string()];
        fs::write(out.join(MARKER), marker_text(&names)).unwrap();
        assert_eq!(check(dir.path(), &out, Use::Site), Ok(()));
        fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = check(dir.path(), &out, Use::Site).unwrap_err();
        assert!(
            err.contains("notes.txt") && !err.contains("index.html"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_tail_resolves_below_its_real_ancestor() {
        let dir = site();
        let real = dir.path().canonicalize().unwrap();
        let path = dir.path().join("content/new/deeper");
        assert_eq!(resolve(&path).unwrap(), real.join("content/new/deeper"));
        let err = check(dir.path(), &path, Use::Site).unwrap_err();
        assert!(err.contains("content/"), "{err}");
        assert_eq!(check(dir.path(), &path, Use::Import), Ok(()));
    }

    #[test]
    fn legacy_books_need_the_book_layout() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("compilation/2023")).unwrap();
        fs::write(dir.path().join("compilation/2023.pdf"), "%PDF").unwrap();
        let names = entry_names(dir.path()).unwrap();
        assert!(legacy_books(dir.path(), &names));
        fs::write(dir.path().join("compilation/notes.md"), "x").unwrap();
        assert!(!legacy_books(dir.path(), &names));
    }
}
