//! `entramap sample`: generate a deterministic directory snapshot of any size, streamed.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::Failure;
use crate::provision::sample::{self, Options};

/// Arguments of `entramap sample`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of users.
    #[arg(long, value_name = "N")]
    users: usize,
    /// Seed: the same seed and sizes always give the same bytes.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Number of groups (each user joins one).
    #[arg(long, value_name = "G", default_value_t = 0)]
    groups: usize,
    /// Output format. Default: JSON when `--out` ends in `.json`, else YAML.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to this file (replaced atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Yaml,
    Json,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    let format = match args.format {
        Some(Format::Json) => sample::Format::Json,
        Some(Format::Yaml) => sample::Format::Yaml,
        None if args
            .out
            .as_ref()
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
        {
            sample::Format::Json
        }
        None => sample::Format::Yaml,
    };
    let options = Options {
        users: args.users,
        groups: args.groups,
        seed: args.seed,
    };
    match &args.out {
        Some(path) => {
            super::write_atomically_with(path, |out| sample::write(out, &options, format)).map_err(
                |e| {
                    errln!("error: cannot write {}: {e}", path.display());
                    Failure::Eval
                },
            )
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            match sample::write(&mut out, &options, format).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(141),
                Err(e) => {
                    errln!("error: cannot write to standard output: {e}");
                    Err(Failure::Eval)
                }
            }
        }
    }
}
