//! The commands, one file each: every one runs a `casebook` command and
//! returns a typed report or a typed error. They never print and never
//! choose exit codes: `cli` turns reports, errors and (for `serve`) events
//! into text and exit codes. The real work stays in the libraries
//! (`build`, `compile`, `import`, `new_case`, `search`, `serve`); a command
//! only checks its arguments and strings that work together.

pub mod build;
pub mod check;
pub mod compile;
pub mod import;
pub mod new;
pub mod search;
pub mod serve;
