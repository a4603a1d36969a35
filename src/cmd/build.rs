//! `casebook build`: the whole site into the output folder.

pub use crate::build::{BuildError, BuildOptions, BuildReport, Phase};

/// Build the site; the report says what was written and what each phase
/// took, the error why nothing was.
pub fn run(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    crate::build::build(options)
}
