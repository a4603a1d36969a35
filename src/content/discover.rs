//! Finding content files: every `*.md` under `content/cases/` at any depth
//! (a folder holding `index.md` is a bundle: its other files belong to that
//! case), `content/pages/*.md`, and the prefaces of the annual books,
//! `content/compilation/{year}/preface.md`. Names starting with `_` or `.` are
//! skipped, so editors can park work in progress.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostics::{rules, Diagnostic};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Case,
    Page,
    /// `content/compilation/{year}/preface.md`: the preface of a year's book.
    Preface,
}

pub struct Discovered {
    /// Files in a stable (sorted) order.
    pub files: Vec<(SourceKind, PathBuf)>,
    pub diagnostics: Vec<Diagnostic>,
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('_') || name.starts_with('.')
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
}

pub fn discover(root: &Path) -> Discovered {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    for (kind, dir, max_depth) in [
        (SourceKind::Case, root.join("content/cases"), usize::MAX),
        (SourceKind::Page, root.join("content/pages"), 1),
        (SourceKind::Preface, root.join("content/compilation"), 2),
    ] {
        if !dir.is_dir() {
            continue;
        }
        let walker = WalkDir::new(&dir)
            .max_depth(max_depth)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        for entry in walker {
            match entry {
                Ok(entry)
                    if kind == SourceKind::Preface
                        && (entry.depth() != 2 || entry.file_name() != "preface.md") => {}
                // Links are not followed (they may point outside the site
                // or form loops); say so rather than skip them silently.
                Ok(entry)
                    if entry.path_is_symlink()
                        && (is_markdown(entry.path()) || entry.path().is_dir()) =>
                {
                    diagnostics.push(
                        Diagnostic::error(
                            rules::FILE_UNREADABLE,
                            &super::relative_display(root, entry.path()),
                            "这是一个符号链接，Casebook 不跟随链接读取内容",
                        )
                        .help("把文件或文件夹本身复制到 content/ 里，删除这个链接"),
                    );
                }
                Ok(entry) if entry.file_type().is_file() && is_markdown(entry.path()) => {
                    let path = entry.path();
                    let in_bundle = path.file_name().is_some_and(|n| n != "index.md")
                        && path.parent().is_some_and(|p| p.join("index.md").is_file());
                    if !in_bundle {
                        files.push((kind, path.to_path_buf()));
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    let file = err
                        .path()
                        .map(|p| super::relative_display(root, p))
                        .unwrap_or_else(|| "content".to_string());
                    let message = if err.loop_ancestor().is_some() {
                        "目录中有循环的符号链接".to_string()
                    } else {
                        format!("无法读取：{err}")
                    };
                    diagnostics.push(
                        Diagnostic::error(rules::FILE_UNREADABLE, &file, message)
                            .help("检查这个文件或目录的权限，或删除有问题的链接"),
                    );
                }
            }
        }
    }
    Discovered { files, diagnostics }
}
