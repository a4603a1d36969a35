//! The output folder as a deploy sees it: every file to publish with its
//! MD5 (the hash S3-compatible stores give back as the ETag of an object
//! uploaded in one request, so a listing proves what the bucket holds),
//! and what each file is sent with: its `Content-Type`, its
//! `Cache-Control` and its stage in the upload order.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;

use md5::{Digest, Md5};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::destination::MARKER;

/// One file of the output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// Lowercase hex MD5 of the content.
    pub md5: String,
    pub size: u64,
}

/// Every file to publish, by its key (its path in the output, `/`-separated).
pub type Files = BTreeMap<String, FileState>;

/// Read every file under `out` that a bucket should serve: those the
/// build recorded as its site (`published`). The build's own files are
/// left out ([`Kind::Build`]); anything else (a note dropped into the
/// output, a symlink) refuses the deploy: a build never made it.
pub fn scan(out: &Path, published: &HashSet<String>) -> Result<Files, String> {
    let mut paths = Vec::new();
    let mut foreign = Vec::new();
    for entry in walkdir::WalkDir::new(out)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| format!("无法读取输出目录 {}：{e}", out.display()))?;
        let file_type = entry.file_type();
        if file_type.is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        if !file_type.is_file() {
            return Err(format!(
                "输出目录里的 {} 不是普通文件（可能是符号链接）：Casebook 的构建不会生成它，不发布。请重新构建后再发布",
                rel.display()
            ));
        }
        let key = key_of(rel)?;
        match kind(&key, published) {
            Kind::Site => paths.push((key, entry.into_path())),
            Kind::Build => {}
            Kind::Foreign => foreign.push(key),
        }
    }
    if !foreign.is_empty() {
        let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
        return Err(format!(
            "输出目录里有 {} 个文件不是这次构建写的（{}{}），不发布：删掉它们，或重新运行 casebook build 后再发布",
            foreign.len(),
            shown.join("、"),
            if foreign.len() > shown.len() { " …" } else { "" }
        ));
    }
    paths
        .into_par_iter()
        .map(|(key, path)| {
            let state =
                hash_file(&path).map_err(|e| format!("无法读取 {}：{e}", path.display()))?;
            Ok((key, state))
        })
        .collect()
}

/// What a file in the output is to a bucket.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// A file of the site, as the build recorded it.
    Site,
    /// The build's own: the marker, its record, the nginx snippet in
    /// `.nginx/`, and the `.gz`/`.br` copies of recorded text files (for
    /// nginx's `gzip_static`; object storage, which does not choose a file
    /// by `Accept-Encoding`, would only serve them as downloads).
    Build,
    /// Not the build's: never published.
    Foreign,
}

fn kind(key: &str, published: &HashSet<String>) -> Kind {
    let nginx_folder = crate::nginx::SNIPPET.split('/').next().unwrap_or_default();
    let copy_of = key.strip_suffix(".gz").or_else(|| key.strip_suffix(".br"));
    if published.contains(key) {
        Kind::Site
    } else if key == MARKER
        || key == crate::destination::BUILD_RECORD
        || key.split('/').next() == Some(nginx_folder)
        || copy_of.is_some_and(|source| {
            published.contains(source) && crate::precompress::is_compressible(source)
        })
    {
        Kind::Build
    } else {
        Kind::Foreign
    }
}

/// The object key of a relative path: UTF-8, `/`-separated.
fn key_of(rel: &Path) -> Result<String, String> {
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    match parts {
        Some(parts) if is_key(&parts.join("/")) => Ok(parts.join("/")),
        _ => Err(format!(
            "输出目录里的文件名 {} 不能作为网址发布（不是 UTF-8 或含有控制字符）。请重新构建后再发布",
            rel.display()
        )),
    }
}

/// A key a deploy writes or deletes: relative, no empty, `.` or `..`
/// segment, no backslash or control character, at most 1,024 bytes.
pub fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 1024
        && !key.chars().any(|c| c.is_control() || c == '\\')
        && key
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
}

fn hash_file(path: &Path) -> std::io::Result<FileState> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0; 64 * 1024];
    let mut size = 0;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok(FileState {
        md5: hex(&hasher.finalize()),
        size,
    })
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// When a file goes up: everything a page may load before the pages, the
/// pages before the entry points (home page, feeds, sitemaps) that lead
/// readers and crawlers to new pages. The manifest follows, deletions last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Styles, scripts, images, QR codes, data, the search export.
    Assets,
    /// Every HTML page but the home page.
    Pages,
    /// The home page, feeds, sitemaps, `robots.txt`, `urls.txt`.
    EntryPoints,
}

pub fn stage(key: &str) -> Stage {
    let name = key.rsplit('/').next().unwrap_or(key);
    if key == "index.html"
        || name.ends_with(".xml")
        || key == "robots.txt"
        || key == crate::urls::PUBLISHED_LIST
    {
        Stage::EntryPoints
    } else if name.ends_with(".html") {
        Stage::Pages
    } else {
        Stage::Assets
    }
}

/// `Content-Type`, with `charset=utf-8` on every text type (Casebook
/// writes only UTF-8), so no browser or CDN guesses GBK.
pub fn content_type(key: &str) -> String {
    // mime_guess says text/xml, which some CDNs do not compress.
    if key.ends_with(".xml") {
        let feed = key.rsplit('/').next() == Some("atom.xml");
        let essence = if feed {
            "application/atom+xml"
        } else {
            "application/xml"
        };
        return format!("{essence}; charset=utf-8");
    }
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    let essence = mime.essence_str();
    let text = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            essence,
            "application/json"
                | "application/javascript"
                | "application/xml"
                | "application/atom+xml"
                | "application/rss+xml"
                | "application/manifest+json"
                | "image/svg+xml"
        );
    if text {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_string()
    }
}

use crate::nginx::{IMMUTABLE, REVALIDATE};

pub fn cache_control(key: &str) -> &'static str {
    // One rule for every server: nginx's snippet sends the same.
    if crate::nginx::is_immutable(key) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_say_utf8_and_hashed_assets_are_immutable() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("css/site.0123abcdef.css"),
            "text/css; charset=utf-8"
        );
        assert_eq!(content_type("qr/a.svg"), "image/svg+xml; charset=utf-8");
        assert_eq!(content_type("qr/a.png"), "image/png");
        assert_eq!(
            content_type("atom.xml"),
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("search/x.bin"), "application/octet-stream");
        assert_eq!(cache_control("css/site.0123abcdef.css"), IMMUTABLE);
        // The export's folder keeps its name while a shard changes.
        assert_eq!(cache_control("search/0123abcdef/t-3.json"), REVALIDATE);
        assert_eq!(cache_control("search/meta.json"), REVALIDATE);
        assert_eq!(
            cache_control("cases/2024-0123456789/index.html"),
            REVALIDATE
        );
        assert_eq!(cache_control("qr/2024012345.png"), REVALIDATE);
    }

    #[test]
    fn the_builds_own_files_stay_out_of_the_bucket_and_foreign_ones_are_named() {
        let published: HashSet<String> = [
            "index.html",
            "downloads/archive.tar.gz",
            ".well-known/security.txt",
            "img/logo.png",
        ]
        .map(String::from)
        .into();
        for (key, want) in [
            ("index.html", Kind::Site),
            ("downloads/archive.tar.gz", Kind::Site),
            (".well-known/security.txt", Kind::Site),
            ("index.html.gz", Kind::Build),
            ("index.html.br", Kind::Build),
            (".casebook-output", Kind::Build),
            (".casebook-build", Kind::Build),
            (".nginx/casebook.conf", Kind::Build),
            // Not a text file: no copy of it is the build's.
            ("img/logo.png.gz", Kind::Foreign),
            ("cases/评审意见.txt", Kind::Foreign),
            ("about.html.gz", Kind::Foreign),
        ] {
            assert_eq!(kind(key, &published), want, "{key}");
        }
    }

    #[test]
    fn entry_points_go_last_and_assets_first() {
        assert_eq!(stage("css/site.css"), Stage::Assets);
        assert_eq!(stage("cases/a/index.html"), Stage::Pages);
        assert_eq!(stage("index.html"), Stage::EntryPoints);
        assert_eq!(stage("atom.xml"), Stage::EntryPoints);
        assert_eq!(stage("sitemaps/cases-1.xml"), Stage::EntryPoints);
        assert!(Stage::Assets < Stage::Pages && Stage::Pages < Stage::EntryPoints);
    }

    #[test]
    fn keys_stay_inside_the_prefix() {
        assert!(is_key("cases/a/index.html"));
        for bad in ["", "/a", "a//b", "a/../b", "..", "a/./b", "a\\b", "a\nb"] {
            assert!(!is_key(bad), "{bad:?}");
        }
    }
}
