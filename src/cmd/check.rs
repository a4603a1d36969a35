//! `casebook check [--fix]`: the content against the programme's rules;
//! with `--fix`, the safe typography fixes first.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use crate::build::{load, render, Mode, Request};
use crate::diagnostics::{self, Diagnostic};
use crate::fix;
use crate::output::Discard;

pub struct CheckReport {
    /// What `--fix` changed, when it was asked for.
    pub fixed: Option<fix::Report>,
    /// Every problem found, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl CheckReport {
    pub fn errors(&self) -> usize {
        diagnostics::count_errors(&self.diagnostics)
    }
}

#[derive(Debug)]
pub enum CheckError {
    /// `--fix` in a folder without `casebook.toml`: nothing was written.
    NotASite(PathBuf),
    /// `--fix` could not write some files back (`report.failures`); the
    /// check did not run.
    FixFailed(fix::Report),
}

/// Check the site at `root`, fixing what is safe to fix first if `fix`.
pub fn run(root: &Path, fix: bool) -> Result<CheckReport, CheckError> {
    let fixed = if fix { Some(apply_fixes(root)?) } else { None };
    Ok(CheckReport {
        fixed,
        diagnostics: check(root),
    })
}

/// Check the content without writing anything: the whole pipeline runs in
/// [`Mode::Check`] (so template errors and broken links are found too)
/// into a sink that keeps nothing.
fn check(root: &Path) -> Vec<Diagnostic> {
    let request = Request::new(root, Mode::Check);
    let checked = load(&request, &ProgressBar::hidden()).and_then(|loaded| {
        let derived = loaded.derive()?;
        render(derived, &[], &Discard, &ProgressBar::hidden(), None).map(|r| r.warnings)
    });
    let mut diagnostics = checked.unwrap_or_else(|diagnostics| diagnostics);
    diagnostics::sort(&mut diagnostics);
    diagnostics
}

fn apply_fixes(root: &Path) -> Result<fix::Report, CheckError> {
    // Only a site's content is rewritten, never a folder that merely
    // holds Markdown.
    if !root.join(crate::config::CONFIG_FILE).is_file() {
        return Err(CheckError::NotASite(root.to_path_buf()));
    }
    let report = fix::fix_site(root);
    if report.failures.is_empty() {
        Ok(report)
    } else {
        Err(CheckError::FixFailed(report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_refuses_a_folder_that_is_not_a_site_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let case = dir.path().join("content/cases/a.md");
        std::fs::create_dir_all(case.parent().unwrap()).unwrap();
        std::fs::write(&case, "质量 ,好 \n").unwrap();
        let err = run(dir.path(), true).err().expect("not a site");
        assert!(matches!(&err, CheckError::NotASite(root) if root == dir.path()));
        assert_eq!(std::fs::read_to_string(&case).unwrap(), "质量 ,好 \n");
    }

    #[test]
    fn the_example_site_checks_clean_without_fixing() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let report = run(root, false).expect("a report");
        assert!(report.fixed.is_none());
        assert_eq!(report.errors(), 0, "{:?}", report.diagnostics);
    }
}
