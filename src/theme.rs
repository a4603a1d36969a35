//! The theme: Tera templates and static files. The default theme is built
//! into the binary (so `casebook` works on any site folder); a site that
//! holds `themes/default/` uses that copy instead, which keeps template
//! work on the bundled site live. Files in the site's own `templates/` and
//! `static/` override theme files of the same path.
//!
//! Static files in subfolders (`css/`, `js/`, `img/`) are published under
//! content-hashed names, since WeChat's browser caches hard; files at the
//! top of `static/` (favicon.ico, verification files) keep their names.

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{include_dir, Dir};
use walkdir::WalkDir;

use crate::diagnostics::{rules, Diagnostic};

static BUILTIN: Dir = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

pub struct Theme {
    /// Template name (path under `templates/`) → source.
    pub templates: BTreeMap<String, String>,
    /// Path under `static/` → bytes.
    pub statics: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    pub fn load(root: &Path) -> Result<Theme, Vec<Diagnostic>> {
        let mut theme = Theme {
            templates: BTreeMap::new(),
            statics: BTreeMap::new(),
        };
        let mut problems = Vec::new();
        let on_disk = root.join("themes/default");
        if on_disk.is_dir() {
            theme.read_dir(&on_disk, root, &mut problems);
        } else {
            theme.read_builtin(&BUILTIN);
        }
        theme.read_dir(root, root, &mut problems);
        theme
            .statics
            .entry("css/syntax.css".to_string())
            .or_insert_with(|| crate::markdown::highlight_stylesheet().into_bytes());
        if problems.is_empty() {
            Ok(theme)
        } else {
            Err(problems)
        }
    }

    fn read_builtin(&mut self, dir: &Dir) {
        for entry in dir.entries() {
            if let Some(sub) = entry.as_dir() {
                self.read_builtin(sub);
            } else if let Some(file) = entry.as_file() {
                let path = file.path().to_string_lossy().replace('\\', "/");
                self.insert(&path, file.contents().to_vec(), &mut Vec::new(), "");
            }
        }
    }

    /// Read `base/templates/**` and `base/static/**`.
    fn read_dir(&mut self, base: &Path, root: &Path, problems: &mut Vec<Diagnostic>) {
        for sub in ["templates", "static"] {
            let dir = base.join(sub);
            if !dir.is_dir() {
                continue;
            }
            for entry in WalkDir::new(&dir)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
            {
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = crate::content::relative_display(base, entry.path());
                let display = crate::content::relative_display(root, entry.path());
                match std::fs::read(entry.path()) {
                    Ok(bytes) => self.insert(&rel, bytes, problems, &display),
                    Err(err) => problems.push(Diagnostic::error(
                        rules::FILE_UNREADABLE,
                        &display,
                        format!("无法读取主题文件：{err}"),
                    )),
                }
            }
        }
    }

    fn insert(&mut self, rel: &str, bytes: Vec<u8>, problems: &mut Vec<Diagnostic>, display: &str) {
        if let Some(name) = rel.strip_prefix("templates/") {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    self.templates.insert(name.to_string(), text);
                }
                Err(_) => problems.push(
                    Diagnostic::error(rules::ENCODING_INVALID, display, "模板文件不是 UTF-8 文本")
                        .help("把模板另存为 UTF-8 编码"),
                ),
            }
        } else if let Some(name) = rel.strip_prefix("static/") {
            let bytes = match name.ends_with(".css") {
                true => without_css_comments(bytes),
                false => bytes,
            };
            self.statics.insert(name.to_string(), bytes);
        }
    }
}

/// A stylesheet without its comments and the lines they leave blank: the
/// theme's CSS is commented for its readers, and a phone should not
/// download the comments (about 15 % of `site.css`). Strings are kept as
/// they are; a file that is not UTF-8 is left alone.
fn without_css_comments(bytes: Vec<u8>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return bytes;
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == '\\' {
                    out.extend(chars.next());
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '/' && chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut compact = lines.join("\n");
    compact.push('\n');
    compact.into_bytes()
}

/// The published path of a static file: `css/site.css` →
/// `css/site.1a2b3c4d5e.css`; top-level files keep their name.
pub fn fingerprinted_path(rel: &str, bytes: &[u8]) -> String {
    let Some((dir, file)) = rel.rsplit_once('/') else {
        return rel.to_string();
    };
    let hash = blake3::hash(bytes).to_hex();
    let short = &hash[..10];
    match file.rsplit_once('.') {
        Some((stem, ext)) => format!("{dir}/{stem}.{short}.{ext}"),
        None => format!("{dir}/{file}.{short}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn css_loses_its_comments_but_not_its_strings() {
        let css =
            "/* head */\na { content: \"/* kept */\"; } /* tail\n more */\n\nb { x: 'a\\'/*'; }\n";
        let out = String::from_utf8(without_css_comments(css.as_bytes().to_vec())).unwrap();
        assert_eq!(out, "a { content: \"/* kept */\"; } \nb { x: 'a\\'/*'; }\n");
        assert_eq!(without_css_comments(vec![0xff, b'/']), vec![0xff, b'/']);
    }

    #[test]
    fn fingerprints_only_files_in_folders() {
        assert_eq!(fingerprinted_path("favicon.ico", b"x"), "favicon.ico");
        let css = fingerprinted_path("css/site.css", b"body{}");
        assert!(
            css.starts_with("css/site.")
                && css.ends_with(".css")
                && css.len() == "css/site..css".len() + 10
        );
        assert_ne!(css, fingerprinted_path("css/site.css", b"body{color:red}"));
    }

    #[test]
    fn builtin_theme_has_the_templates() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(dir.path()).unwrap();
        for name in [
            "base.html",
            "case.html",
            "index.html",
            "term.html",
            "taxonomy.html",
            "page.html",
        ] {
            assert!(theme.templates.contains_key(name), "{name}");
        }
        assert!(theme.statics.contains_key("css/syntax.css"));
    }
}
