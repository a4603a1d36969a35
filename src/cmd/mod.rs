//! The commands, one file each: every one runs a `casebook` command and
//! returns a typed report or a typed error. They never print and never
//! choose exit codes: `cli` turns reports, errors and (for `serve`) events
//! into text and exit codes. The real work stays in the libraries
//! (`build`, `pdf`, `import`, `new_case`, `search`, `serve`); a command
//! only checks its arguments and strings that work together.

pub mod build;
pub mod check;
pub mod compile;
pub mod deploy;
pub mod import;
pub mod new;
pub mod search;
pub mod serve;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A site holding only the example's `casebook.toml`.
    pub(super) fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("casebook.toml");
        std::fs::copy(config, dir.path().join("casebook.toml")).unwrap();
        dir
    }
}
