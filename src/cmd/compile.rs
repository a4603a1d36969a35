//! `casebook compile`: one year's book (年度案例汇编), as HTML and with
//! `--pdf` as a PDF.

pub use crate::compile::{CompileError, CompileOptions, CompileReport};

/// Write the book; the report names what was written.
pub fn run(options: &CompileOptions) -> Result<CompileReport, CompileError> {
    crate::compile::run(options)
}
