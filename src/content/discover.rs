//! Finding content files: every `*.md` under `content/cases/` at any depth
//! (a folder holding `index.md` is a bundle: its other files belong to that
//! case, so it may hold no other case file, `bundle-ambiguous`: an
//! `index.md` dropped into a year folder would hide every case there),
//! `content/pages/*.md`, and the prefaces of the annual books,
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

/// A Markdown file by its name, as discovery reads it (any case of `.md`).
pub(crate) fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("md"))
}

fn symlink_refused(file: &str) -> Diagnostic {
    Diagnostic::error(
        rules::FILE_UNREADABLE,
        file,
        "这是一个符号链接，Casebook 不跟随链接读取内容",
    )
    .help("把文件或文件夹本身复制到 content/ 里，删除这个链接")
}

/// `content/` or the folder below it (`dir`) when either is a symlink, as
/// the site shows it.
fn linked_folder(root: &Path, dir: &Path) -> Option<String> {
    let is_link =
        |path: &Path| std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let content = root.join("content");
    let link = [content.as_path(), dir].into_iter().find(|p| is_link(p))?;
    Some(super::relative_display(root, link))
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
        // walkdir always follows the folder it starts from: a linked
        // `content/` or `content/cases/` must be refused here, unread.
        if let Some(link) = linked_folder(root, &dir) {
            if !diagnostics.iter().any(|d: &Diagnostic| d.file == link) {
                diagnostics.push(symlink_refused(&link));
            }
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
                    diagnostics.push(symlink_refused(&super::relative_display(
                        root,
                        entry.path(),
                    )));
                }
                Ok(entry) if entry.file_type().is_file() && is_markdown(entry.path()) => {
                    let path = entry.path();
                    if kind == SourceKind::Case && entry.file_name() == "index.md" {
                        diagnostics.extend(ambiguous_bundle(root, path));
                    }
                    let in_bundle = kind == SourceKind::Case
                        && entry.file_name() != "index.md"
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

/// The `bundle-ambiguous` error for the bundle `index` when its folder holds
/// other (not parked) Markdown files at any depth: single-file cases it
/// would hide, or bundles inside it.
fn ambiguous_bundle(root: &Path, index: &Path) -> Option<Diagnostic> {
    let folder = index.parent()?;
    let others: Vec<String> = WalkDir::new(folder)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()))
        .filter_map(Result::ok)
        .filter(|e| e.path() != index && is_markdown(e.path()) && !e.file_type().is_dir())
        .map(|e| super::relative_display(folder, e.path()))
        .collect();
    let first = others.first()?;
    let count = if others.len() > 1 {
        format!("等 {} 个文件", others.len())
    } else {
        String::new()
    };
    let folder = super::relative_display(root, folder);
    Some(
        Diagnostic::error(
            rules::BUNDLE_AMBIGUOUS,
            &super::relative_display(root, index),
            format!(
                "index.md 让文件夹 {folder}/ 成为一个案例包，但里面还有其他案例文件（{first}{count}），无法确定哪些是案例：它们会被当作这个案例的附属文件而不发布"
            ),
        )
        .help("如果 index.md 是一个案例，把它移到以案例编号命名的子文件夹里（如 2023/2023-010/index.md）；不发布的附注等文件改用以 _ 开头的名字"),
    )
}
