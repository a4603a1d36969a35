//! `casebook compile`: one year's book (its model is [`crate::book`]),
//! rendered by `render` and written to its folder in the output ([`run`]),
//! and printed to PDF with headless Chromium ([`pdf`]).

pub mod pdf;
mod run;

pub use run::{run, CompileError, CompileOptions, CompileReport};
