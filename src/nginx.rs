//! The nginx server snippet `casebook build` writes beside the site, at
//! `.nginx/casebook.conf` in the output folder (a dot folder: the snippet
//! itself answers 404 for every dot path, so it is never served, nor is the
//! output marker). A site's `server { root …/output; include
//! …/output/.nginx/casebook.conf; }` then gets:
//!
//! - real 301 redirects for aliases and short links (exact `location =`
//!   blocks, which nginx looks up in a tree; the query string is carried
//!   on), instead of the HTML refresh pages other hosts fall back to;
//! - `error_page 404` with the site's 404 page;
//! - `Cache-Control`: `no-cache` (revalidate) for everything with a fixed
//!   name, HTML and the search export included; a year and `immutable`
//!   for the theme's content-hashed files ([`is_immutable`]);
//! - `charset utf-8` on every text type, `gzip_static on` for the `.gz`
//!   copies `precompress` writes (and `brotli_static on` with `[output]
//!   brotli`, which needs nginx's brotli module).
//!
//! Every path from content is quoted and checked: an alias nginx could not
//! take as one string (a control character) is refused at parse time
//! (`alias-invalid`); `"` and `\` are refused there too, and escaped here
//! all the same.

use crate::site::Site;
use crate::urls;

/// Where the snippet is written, in the output folder.
pub const SNIPPET: &str = ".nginx/casebook.conf";

/// Cache-Control for files whose names change with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control for everything else: always revalidate (WeChat's browser
/// otherwise keeps pages for days).
pub const REVALIDATE: &str = "no-cache";

/// The theme's folders, whose files are published with a content hash.
const HASHED_FOLDERS: &[&str] = &["css", "js", "img"];

/// Is `path` (relative to the output) a content-hashed theme file, safe to
/// cache for a year? `css/site.1a2b3c4d5e.css`, not a case's image.
pub fn is_immutable(path: &str) -> bool {
    let Some((folder, file)) = path.split_once('/') else {
        return false;
    };
    let mut parts = file.rsplit('.');
    let (_, hash) = (parts.next(), parts.next());
    HASHED_FOLDERS.contains(&folder)
        && !file.contains('/')
        && parts.next().is_some()
        && hash.is_some_and(|h| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The same test as an nginx regex, for the snippet.
const IMMUTABLE_REGEX: &str = r#""^/(css|js|img)/[^/]+\.[0-9a-f]{10}\.[^/.]+$""#;

/// The snippet for `site` (published cases only: their aliases and short
/// links).
pub fn snippet(site: &Site, brotli: bool) -> String {
    let mut out = String::from(
        "# Written by `casebook build`. Include it inside the site's server block:\n\
         #   server { root /path/to/output; include /path/to/output/.nginx/casebook.conf; }\n\
         # It needs the http block's usual `include mime.types;`.\n\n",
    );
    out.push_str("absolute_redirect off;\n");
    out.push_str("charset utf-8;\n");
    out.push_str(
        "charset_types text/css text/plain text/xml text/csv application/javascript \
         application/json application/xml application/atom+xml image/svg+xml;\n",
    );
    out.push_str("gzip_static on;\n");
    if brotli {
        out.push_str("brotli_static on;\n");
    }
    out.push_str("gzip_vary on;\n");
    // CDNs fetch from their origin in HTTP/1.0 too.
    out.push_str("gzip_http_version 1.0;\n");
    out.push_str(&format!("error_page 404 /{};\n\n", urls::NOT_FOUND));
    out.push_str("# The build's own files (this snippet, the output marker, the build record) are not the site's.\n");
    out.push_str(&format!(
        "location ~ ^/(\\.nginx/|{}$|{}$) {{ return 404; }}\n",
        crate::destination::MARKER.replace('.', "\\."),
        crate::destination::BUILD_RECORD.replace('.', "\\.")
    ));
    out.push_str(&format!(
        "location / {{ add_header Cache-Control \"{REVALIDATE}\" always; }}\n"
    ));
    out.push_str(&format!(
        "location ~ {IMMUTABLE_REGEX} {{ add_header Cache-Control \"{IMMUTABLE}\" always; }}\n\n"
    ));
    out.push_str("# Aliases and short links: real redirects.\n");
    for (from, to) in redirects(site) {
        out.push_str(&format!(
            "location = {} {{ return 301 {}; }}\n",
            quoted(&from),
            quoted(&format!("{}$is_args$args", to.replace('$', "%24")))
        ));
    }
    out
}

/// Every redirect: each alias (a folder alias with and without its slash)
/// and each short link, to the case's page, by path from the site root.
fn redirects(site: &Site) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for case in site.cases.iter().filter(|c| c.status.is_published()) {
        let to = site.urls.link(&urls::case(&case.id));
        let short = site.urls.link(&urls::short_link(&case.id));
        let mut froms = vec![short.clone(), format!("{short}/")];
        for alias in &case.aliases {
            let from = site.urls.link(alias.trim_start_matches('/'));
            if let Some(bare) = from.strip_suffix('/') {
                froms.push(bare.to_string());
            }
            froms.push(from);
        }
        for from in froms {
            // nginx matches the decoded path: `%41` is `A` to it.
            let decoded = percent_encoding::percent_decode_str(&from)
                .decode_utf8()
                .map_or(from.clone(), |d| d.into_owned());
            if !decoded.is_empty() && decoded != to {
                out.push((decoded, to.clone()));
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// `text` as one nginx string: double-quoted, `"` and `\` escaped;
/// control characters (which no alias holds) dropped. (`$` is literal in a
/// `location`; redirect targets have theirs percent-encoded.)
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_theme_files_are_immutable() {
        assert!(is_immutable("css/site.35fa155897.css"));
        assert!(is_immutable("img/icons.0123456789.svg"));
        assert!(!is_immutable("css/site.css"));
        assert!(!is_immutable("cases/2023-001/figure.0123456789.png"));
        assert!(!is_immutable("search/0123456789/s1.json"));
        assert!(!is_immutable("index.html"));
        assert!(!is_immutable("css/a/b.0123456789.css"));
    }

    #[test]
    fn strings_are_quoted_for_nginx() {
        assert_eq!(quoted("/a b;{c}"), "\"/a b;{c}\"");
        assert_eq!(quoted("/a\"b\\c"), "\"/a\\\"b\\\\c\"");
        assert_eq!(quoted("/a\nb"), "\"/ab\"");
    }
}
