//! `casebook import FILE.docx`: a submitted Word write-up → a case bundle,
//! then the rulebook run on the new case so the report can list what the
//! editor still has to do. The arguments are checked before anything is
//! read (the file aside) or written.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::{Config, CONFIG_FILE};
use crate::content::{self, SectionKind};
use crate::diagnostics::{self, Diagnostic};
use crate::import::{self, Meta, ReadError};

pub struct ImportOptions {
    /// The .docx file.
    pub file: PathBuf,
    /// `YYYY-NNN`; default the next free id of the current year.
    pub id: Option<String>,
    /// The bundle's folder, absent or empty; default under `root`'s content.
    pub out: Option<PathBuf>,
    pub root: PathBuf,
    /// Make pictures wider than `images::resize::SHRINK_WIDTH` that wide
    /// before writing them (`--shrink`).
    pub shrink: bool,
}

#[derive(Debug)]
pub struct ImportReport {
    /// The bundle's `index.md`.
    pub index: PathBuf,
    /// Pictures written beside it.
    pub images: usize,
    /// Of those, the ones `--shrink` made narrower, and the ones left
    /// wider than `images::resize::SHRINK_WIDTH` (name, upright width and
    /// height, in the document's order).
    pub shrunk: usize,
    pub wide: Vec<(String, u32, u32)>,
    /// Blocks left under `## 待归类内容` for the editor to sort, and how
    /// many of them are the document's footnotes and endnotes.
    pub unsorted: usize,
    pub notes: usize,
    /// Required sections the document did not have.
    pub missing: Vec<SectionKind>,
    pub check: Checked,
}

/// The rulebook's verdict on the new case.
#[derive(Debug)]
pub enum Checked {
    /// No usable `casebook.toml` (possible only with `--out`): not checked.
    /// The config file looked for.
    NoConfig(PathBuf),
    /// The problems found (sorted), their paths relative to `root`.
    Done {
        root: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
}

#[derive(Debug)]
pub enum ImportError {
    /// The document cannot be opened.
    Open { file: PathBuf, error: io::Error },
    /// `--id` is not `YYYY-NNN`.
    BadId(String),
    /// `--id`'s year is outside the programme's (`content::plausible_years`);
    /// why, in Chinese.
    ImplausibleYear(String),
    /// `--out` may not take a bundle (`destination`); why.
    Destination(String),
    /// The document is not a readable .docx: what is wrong, what to do.
    Unreadable { file: PathBuf, error: ReadError },
    /// `root` holds no usable `casebook.toml` and no `--out` was given.
    NotASite(PathBuf),
    /// `--id` is already used by this file.
    IdTaken { id: String, by: PathBuf },
    /// The bundle's folder already holds one of its files; nothing written.
    Exists(io::Error),
    /// Writing the bundle into `dir` failed; what this import wrote is gone.
    Write { dir: PathBuf, error: io::Error },
}

/// Import `options.file` into a new case bundle.
pub fn run(options: &ImportOptions) -> Result<ImportReport, ImportError> {
    let file = &options.file;
    let bytes = std::fs::read(file).map_err(|error| ImportError::Open {
        file: file.clone(),
        error,
    })?;
    check_arguments(options)?;
    let docx = import::read(&bytes).map_err(|error| ImportError::Unreadable {
        file: file.clone(),
        error,
    })?;
    let root = &options.root;
    let config = crate::build::load_config(root).ok();
    if config.is_none() && options.out.is_none() {
        return Err(ImportError::NotASite(root.clone()));
    }
    let (id, year) = choose_id(options.id.as_deref(), &import::existing_ids(root))?;
    let dir = options
        .out
        .clone()
        .unwrap_or_else(|| root.join(format!("content/cases/{year}/{id}")));
    let districts = config
        .as_ref()
        .map(|c| c.districts.iter().map(|d| d.name.clone()).collect())
        .unwrap_or_default();
    let meta = Meta {
        id: &id,
        year,
        districts,
    };
    let mut converted = import::convert_document(&docx, &bytes, &meta);
    let shrunk = if options.shrink {
        shrink_pictures(&mut converted.images)
    } else {
        0
    };
    let wide = converted
        .images
        .iter()
        .filter_map(|(name, bytes)| {
            let (width, height) = crate::images::orientation::upright_blob_size(bytes)?;
            (width > crate::images::resize::SHRINK_WIDTH).then(|| (name.clone(), width, height))
        })
        .collect();
    import::write(root, options.out.as_deref(), &dir, &converted)
        .map_err(|error| write_error(&dir, error))?;
    let index = dir.join("index.md");
    Ok(ImportReport {
        check: check_bundle(root, &index, config.as_ref()),
        index,
        images: converted.images.len(),
        shrunk,
        wide,
        unsorted: converted.unsorted,
        notes: converted.notes,
        missing: converted.missing,
    })
}

/// Narrow every picture wider than `SHRINK_WIDTH` (in memory, before any
/// file is written: the import only ever writes files it makes); how many
/// were. A picture that cannot be decoded is kept as it is (the rulebook
/// run on the bundle reports it).
fn shrink_pictures(images: &mut [(String, Vec<u8>)]) -> usize {
    use rayon::prelude::*;
    images
        .par_iter_mut()
        .map(|(_, bytes)| match crate::images::resize::shrink(bytes) {
            Ok(Some(smaller)) => {
                *bytes = smaller;
                1
            }
            _ => 0,
        })
        .sum()
}

/// `--id` well formed, `--out` a folder that only ever gets new files.
fn check_arguments(options: &ImportOptions) -> Result<(), ImportError> {
    if let Some(id) = &options.id {
        if !content::is_valid_id(id) {
            return Err(ImportError::BadId(id.clone()));
        }
        if let Some(why) = content::implausible_id_year(id) {
            return Err(ImportError::ImplausibleYear(why));
        }
    }
    if let Some(out) = &options.out {
        crate::destination::check(&options.root, out, crate::destination::Use::Import)
            .map_err(ImportError::Destination)?;
    }
    Ok(())
}

/// The id given, if no file uses it, or the next free one of this year;
/// with its year.
fn choose_id(
    given: Option<&str>,
    used: &HashMap<String, PathBuf>,
) -> Result<(String, i64), ImportError> {
    let year = given
        .and_then(|id| id[..4].parse().ok())
        .unwrap_or_else(content::current_year);
    match given {
        Some(id) => match used.get(id) {
            Some(by) => Err(ImportError::IdTaken {
                id: id.to_string(),
                by: by.clone(),
            }),
            None => Ok((id.to_string(), year)),
        },
        None => Ok((import::next_id(used, year), year)),
    }
}

fn write_error(dir: &Path, error: io::Error) -> ImportError {
    if error.kind() == io::ErrorKind::AlreadyExists {
        ImportError::Exists(error)
    } else {
        ImportError::Write {
            dir: dir.to_path_buf(),
            error,
        }
    }
}

/// Run the rulebook on the new case, when there is a config to run it with.
fn check_bundle(root: &Path, index: &Path, config: Option<&Config>) -> Checked {
    let Some(config) = config else {
        return Checked::NoConfig(root.join(CONFIG_FILE));
    };
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let urls = crate::urls::Urls::new(&config.site.base_url);
    let mut diagnostics = content::check_file(config, &root, index, urls.base_path());
    diagnostics::sort(&mut diagnostics);
    Checked::Done { root, diagnostics }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::tests::site;
    use docx_rs::{Docx, Paragraph, Run};

    fn options(site: &Path, file: &Path, id: Option<&str>) -> ImportOptions {
        ImportOptions {
            shrink: false,
            file: file.to_path_buf(),
            id: id.map(str::to_string),
            out: None,
            root: site.to_path_buf(),
        }
    }

    /// A write-up with only its summary, under a bold heading.
    fn summary_only(path: &Path) {
        let para = |text: &str, bold: bool| {
            let run = Run::new().add_text(text);
            Paragraph::new().add_run(if bold { run.bold() } else { run })
        };
        let docx = Docx::new()
            .add_paragraph(para("摘要", true))
            .add_paragraph(para("本企业运用六西格玛方法提升了一次合格率。", false));
        let file = std::fs::File::create(path).unwrap();
        docx.build().pack(file).unwrap();
    }

    #[test]
    fn the_report_lists_what_the_document_lacked_and_the_rulebook_found() {
        let site = site();
        let file = site.path().join("write-up.docx");
        summary_only(&file);
        let report = run(&options(site.path(), &file, Some("2024-301"))).expect("imported");
        let index = site.path().join("content/cases/2024/2024-301/index.md");
        assert_eq!(report.index, index);
        assert!(index.is_file());
        assert_eq!((report.images, report.unsorted), (0, 0));
        assert!(report.missing.contains(&SectionKind::Profile), "{report:?}");
        match &report.check {
            Checked::Done { diagnostics, .. } => {
                assert!(diagnostics::count_errors(diagnostics) > 0, "placeholders");
            }
            other => panic!("expected the rulebook's findings, got {other:?}"),
        }
        // The same id again: refused, naming what uses it.
        match run(&options(site.path(), &file, Some("2024-301"))) {
            Err(ImportError::IdTaken { id, by }) => {
                assert_eq!(id, "2024-301");
                assert!(by.starts_with(site.path().join("content/cases/2024")));
            }
            other => panic!("expected the id refused, got {other:?}"),
        }
    }

    #[test]
    fn a_bad_id_is_refused_before_the_document_is_read() {
        let site = site();
        let file = site.path().join("not-a-docx.docx");
        std::fs::write(&file, "plain text").unwrap();
        let result = run(&options(site.path(), &file, Some("24-1")));
        assert!(matches!(&result, Err(ImportError::BadId(id)) if id == "24-1"));
        let result = run(&options(site.path(), &file, Some("9999-001")));
        assert!(
            matches!(&result, Err(ImportError::ImplausibleYear(why)) if why.contains("9999")),
            "{result:?}"
        );
        assert!(!site.path().join("content").exists());
    }

    #[test]
    fn unreadable_and_missing_documents_are_typed_errors() {
        let site = site();
        let text = site.path().join("text.docx");
        std::fs::write(&text, "plain text").unwrap();
        match run(&options(site.path(), &text, None)) {
            Err(ImportError::Unreadable { file, error }) => {
                assert_eq!(file, text);
                assert!(error.message.contains(".docx"), "{error:?}");
            }
            other => panic!("expected an unreadable document, got {other:?}"),
        }
        let missing = site.path().join("missing.docx");
        let result = run(&options(site.path(), &missing, None));
        assert!(matches!(&result, Err(ImportError::Open { file, .. }) if file == &missing));
    }

    #[test]
    fn without_an_id_the_next_free_one_of_the_year_is_taken() {
        let used: HashMap<String, PathBuf> = [("2024-007", "a"), ("2023-010", "b")]
            .into_iter()
            .map(|(id, path)| (id.to_string(), PathBuf::from(path)))
            .collect();
        let (id, year) = choose_id(Some("2024-003"), &used).expect("free");
        assert_eq!((id.as_str(), year), ("2024-003", 2024));
        let (id, year) = choose_id(None, &used).expect("a next id");
        assert_eq!(year, content::current_year());
        assert!(id.starts_with(&format!("{year}-")), "{id}");
        assert!(!used.contains_key(&id));
    }
}
