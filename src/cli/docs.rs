//! `entramap docs`: Markdown documentation of a mapping table (see [`crate::docs`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Failure, report};
use crate::expr::AttributeCheck;
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
    let objects = std::iter::once(&loaded.file.users).chain(loaded.file.groups.as_ref());
    for row in objects.flat_map(|o| &o.mappings) {
        if let Some(e) = &row.expression {
            load::compile_expression(&loaded, e, AttributeCheck::Any).map_err(|located| {
                report(*located);
                Failure::Input
            })?;
        }
    }
    let markdown = crate::docs::render(&loaded.file);
    match &args.out {
        Some(path) => write_atomically(path, &markdown).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", path.display());
            Failure::Eval
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(markdown.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| {
                    eprintln!("error: cannot write to standard output: {e}");
                    Failure::Eval
                })
        }
    }
}

/// Write `text` to a temporary file next to `path`, then rename it over `path`: a rename
/// within one directory is atomic, so `path` is either the old file or the whole new one.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".entramap-{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
