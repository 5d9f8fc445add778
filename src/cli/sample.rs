//! `entramap sample`: generate a deterministic directory snapshot of any size, streamed.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::Failure;
use crate::provision::sample::{self, SampleOptions, Written};

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
    /// Write to this file (replaced atomically; a FIFO or device is written into) instead of
    /// standard output.
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
        Some(Format::Json) => sample::SnapshotFormat::Json,
        Some(Format::Yaml) => sample::SnapshotFormat::Yaml,
        None if args
            .out
            .as_ref()
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("json")) =>
        {
            sample::SnapshotFormat::Json
        }
        None => sample::SnapshotFormat::Yaml,
    };
    let options = SampleOptions {
        users: args.users,
        groups: args.groups,
        seed: args.seed,
    };
    // From here on, Ctrl-C and SIGTERM stop the output after a whole user instead of killing
    // the program half-way through a line or with a temporary file of hundreds of MB left.
    if let Err(e) = super::interrupt::install() {
        errln!("warning: Ctrl-C will not stop the output cleanly: {e}");
    }
    let stop = super::interrupt::flag();
    match &args.out {
        Some(path) => {
            let result = super::write_atomically_with(path, |out| {
                match sample::write_until(out, &options, format, stop)? {
                    Written::Whole => Ok(()),
                    // An error, so that the unfinished temporary file is removed.
                    Written::Stopped => Err(std::io::Error::other("stopped by a signal")),
                }
            });
            match result {
                Ok(()) => Ok(()),
                Err(_) if super::interrupt::requested() => Err(super::interrupted(&format!(
                    "{} was not written",
                    path.display()
                ))),
                Err(e) => Err(super::out_failure(path, e)),
            }
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            let written = sample::write_until(&mut out, &options, format, stop)
                .and_then(|w| out.flush().map(|()| w));
            drop(out);
            match written {
                Ok(Written::Whole) => Ok(()),
                Ok(Written::Stopped) => Err(super::interrupted(
                    "the output stops after the last whole user",
                )),
                Err(e) => Err(super::stdout_failure(e)),
            }
        }
    }
}
