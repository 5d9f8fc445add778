//! `entramap docs`: Markdown documentation of a mapping table (see [`crate::docs`]).

use std::path::PathBuf;

use super::{Failure, emit, report};
use crate::model::load;

/// Arguments of `entramap docs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping file (YAML or Graph JSON).
    mapping: PathBuf,
    /// Write the Markdown to this file instead of standard output (replaced atomically:
    /// readers never see half a file, and a failure leaves the old one in place).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    let loaded = load::read(&args.mapping).map_err(|e| {
        report(e);
        Failure::Input
    })?;
    // A broken expression would be published as if it worked: refuse it, pointing into the
    // file, like every other command that reads a mapping.
    if load::report_expression_errors(&loaded, report) {
        return Err(Failure::Input);
    }
    let markdown = crate::docs::render(&loaded.file);
    emit(args.out.as_deref(), &markdown)
}
