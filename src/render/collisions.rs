//! Output paths that clash: two things written to one path (an alias over a
//! case page, a page slug over a static file …), or a file where another
//! output needs a folder (an alias `/robots.txt` is written to
//! `robots.txt/index.html`, beside the site's own file `robots.txt`). Either
//! would fail the write or lose a file, so both are `output-collision`
//! errors before anything is committed; when an alias is involved the error
//! points at the alias's line in its case's front matter.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::pages::alias_output_path;
use crate::content::Case;
use crate::diagnostics::{rules, Diagnostic};
use crate::output::Written;
use crate::site::Site;

/// Check every written path and the `reserved` ones (written later by the
/// build: `urls.txt`, printed books) against each other.
pub(super) fn check(
    site: &Site,
    files: &[Written],
    reserved: &[String],
) -> Result<(), Vec<Diagnostic>> {
    let aliases = alias_origins(site);
    let reserved: Vec<Written> = reserved
        .iter()
        .map(|path| Written {
            path: path.clone(),
            copied_from: None,
        })
        .collect();
    let all: Vec<&Written> = files.iter().chain(&reserved).collect();
    let mut problems = same_path(&all, &aliases);
    problems.extend(file_over_folder(&all, &aliases));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The case and alias index behind each alias's output path.
fn alias_origins<'s>(site: &'s Site) -> HashMap<String, (&'s Case, usize)> {
    let mut origins = HashMap::new();
    for &case in &site.cases {
        for (n, alias) in case.aliases.iter().enumerate() {
            origins.entry(alias_output_path(alias)).or_insert((case, n));
        }
    }
    origins
}

/// Two outputs with one path.
fn same_path(files: &[&Written], aliases: &HashMap<String, (&Case, usize)>) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let Some(&first) = seen.get(file.path.as_str()) else {
            seen.insert(&file.path, i);
            continue;
        };
        let diag = match aliases.get(&file.path) {
            Some(&(case, n)) => alias_clash(
                case,
                n,
                format!("它的跳转页 {} 与网站的另一个输出文件同名", file.path),
            ),
            None => Diagnostic::error(
                rules::OUTPUT_COLLISION,
                &file.path,
                format!(
                    "两个来源要写入同一个输出文件 {}：{} 和 {}",
                    file.path,
                    describe(files[first]),
                    describe(file)
                ),
            )
            .help("检查 aliases 是否与现有网址重复，页面 slug 是否与静态文件重名"),
        };
        problems.push(diag);
    }
    problems
}

/// An output that is a file where another needs a folder of that name.
fn file_over_folder(
    files: &[&Written],
    aliases: &HashMap<String, (&Case, usize)>,
) -> Vec<Diagnostic> {
    let paths: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut reported = BTreeSet::new();
    let mut problems = Vec::new();
    for file in files {
        let inside = &file.path;
        let clashes = inside
            .match_indices('/')
            .map(|(at, _)| &inside[..at])
            .filter(|folder| paths.contains(folder));
        for folder in clashes {
            if !reported.insert(folder.to_string()) {
                continue;
            }
            let origin = aliases.get(inside.as_str()).or_else(|| aliases.get(folder));
            problems.push(match origin {
                Some(&(case, n)) => alias_clash(
                    case,
                    n,
                    format!("网站有输出文件 {folder}，又要在同名文件夹里写 {inside}"),
                ),
                None => Diagnostic::error(
                    rules::OUTPUT_COLLISION,
                    folder,
                    format!("输出文件 {folder} 与文件夹 {folder}/（{inside} 要写在里面）同名"),
                )
                .help("检查页面 slug、静态文件和模板是否把文件和文件夹用了同一个名字"),
            });
        }
    }
    problems
}

/// The error at alias `n` of `case`.
fn alias_clash(case: &Case, n: usize, what: String) -> Diagnostic {
    let alias = &case.aliases[n];
    let (line, column) = case.aliases_at.get(n).copied().unwrap_or(case.id_at);
    Diagnostic::error(
        rules::OUTPUT_COLLISION,
        &case.source.rel,
        format!("旧网址“{alias}”与网站自己的文件冲突：{what}"),
    )
    .at(line, column)
    .spanning(alias.chars().count())
    .help("删去这个旧网址，或改成网站没有用到的路径（如 /old/2021-003.html）；robots.txt、sitemap.xml、data/、qr/ 等是网站自己的文件")
}

fn describe(file: &Written) -> String {
    match &file.copied_from {
        Some(source) => source.display().to_string(),
        None => "生成的页面".to_string(),
    }
}
