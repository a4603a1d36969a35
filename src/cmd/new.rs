//! `casebook new ID`: a case skeleton with every field and section. Ids
//! whose year `check` would refuse are refused before anything is read.

use std::io;
use std::path::{Path, PathBuf};

use crate::content::{implausible_id_year, is_valid_id};
use crate::diagnostics::Diagnostic;
use crate::new_case;

#[derive(Debug)]
pub struct NewReport {
    /// The skeleton written.
    pub file: PathBuf,
}

#[derive(Debug)]
pub enum NewError {
    /// The id is not `YYYY-NNN`.
    BadId(String),
    /// The id's year is one `check` refuses; why.
    ImplausibleYear(String),
    /// `casebook.toml` is missing or has errors.
    Config(Vec<Diagnostic>),
    /// The id is taken, by this file, folder or link.
    Exists { id: String, path: PathBuf },
    /// The skeleton could not be written to `file`.
    Create { file: PathBuf, error: io::Error },
}

/// Write the skeleton of case `id` into the site at `root`.
pub fn run(root: &Path, id: &str) -> Result<NewReport, NewError> {
    if !is_valid_id(id) {
        return Err(NewError::BadId(id.to_string()));
    }
    if let Some(why) = implausible_id_year(id) {
        return Err(NewError::ImplausibleYear(why));
    }
    let config = crate::build::load_config(root).map_err(NewError::Config)?;
    if let Some(path) = new_case::taken(root, id) {
        let id = id.to_string();
        return Err(NewError::Exists { id, path });
    }
    match new_case::write(root, id, &config) {
        Ok(file) => Ok(NewReport { file }),
        Err(error) => {
            let file = root.join(new_case::bundle_path(id));
            Err(NewError::Create { file, error })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::tests::site;

    #[test]
    fn a_malformed_id_is_refused_before_anything_is_read() {
        let dir = tempfile::tempdir().unwrap();
        for id in ["2024-1", "24-001", "2024_001", ""] {
            let result = run(dir.path(), id);
            assert!(
                matches!(&result, Err(NewError::BadId(bad)) if bad == id),
                "{id}"
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_year_check_refuses_is_refused_with_the_reason() {
        let site = site();
        match run(site.path(), "1900-001") {
            Err(NewError::ImplausibleYear(why)) => assert!(why.contains("1900"), "{why}"),
            other => panic!("expected the year refused, got {other:?}"),
        }
        assert!(!site.path().join("content").exists());
    }

    #[test]
    fn the_skeleton_is_written_once_and_the_id_is_then_taken() {
        let site = site();
        let report = run(site.path(), "2024-101").expect("written");
        assert_eq!(
            report.file,
            site.path().join("content/cases/2024/2024-101/index.md")
        );
        let text = std::fs::read_to_string(&report.file).unwrap();
        assert!(text.starts_with("---\nid: \"2024-101\"\n"), "{text}");
        match run(site.path(), "2024-101") {
            Err(NewError::Exists { id, path }) => {
                assert_eq!(id, "2024-101");
                assert_eq!(path, site.path().join("content/cases/2024/2024-101"));
            }
            other => panic!("expected the id taken, got {other:?}"),
        }
    }

    #[test]
    fn a_folder_without_config_gives_its_diagnostics() {
        let dir = tempfile::tempdir().unwrap();
        match run(dir.path(), "2024-001") {
            Err(NewError::Config(diags)) => assert!(diags.iter().any(|d| d.is_error())),
            other => panic!("expected config diagnostics, got {other:?}"),
        }
    }
}
