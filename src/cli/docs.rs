//! `entramap docs`: Markdown documentation of a mapping table (see [`crate::docs`]).

use std::path::PathBuf;

use super::{Failure, emit};

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
    let loaded = super::read_compiling_mapping(&args.mapping)?;
    let markdown = crate::docs::render(&loaded.file);
    emit(args.out.as_deref(), &markdown)
}
