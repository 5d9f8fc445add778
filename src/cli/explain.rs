//! `entramap explain`: Provision on demand, offline, for one user or group.

use std::path::PathBuf;

use super::simulate::ScheduleArgs;
use super::{DialectArg, Failure, ScopeArg, parse_now, read_compiling_mapping, read_snapshots};
use crate::provision::explain::{ExplainError, ExplainQuery, explain, render};

/// Arguments of `entramap explain`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping file (YAML, or a Graph synchronization schema in JSON).
    mapping: PathBuf,
    /// A directory snapshot, one per cycle; repeatable. Default: the built-in sample
    /// directory.
    #[arg(long, value_name = "FILE")]
    directory: Vec<PathBuf>,
    /// The user (objectId or userPrincipalName) or group (objectId or displayName).
    #[arg(long, value_name = "ID")]
    object: String,
    /// The cycle to explain; the cycles before it run first. Default: the last snapshot's.
    #[arg(long, value_name = "N")]
    cycle: Option<u32>,
    #[command(flatten)]
    schedule: ScheduleArgs,
    /// The request dialect.
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// Which users and groups the job considers (default: the mapping's `settings.scope`).
    #[arg(long, value_enum, value_name = "SCOPE")]
    scope: Option<ScopeArg>,
    /// `human` (Provision on demand's steps, the attribute table, the requests) or `json`
    /// (the object's provisioning-log entries).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// What Now() returns in cycle 1, RFC 3339 (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Seed for Guid() and RandomString().
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    let mut loaded = read_compiling_mapping(&args.mapping)?;
    ScopeArg::apply(args.scope, &mut loaded.file);
    let snapshots = read_snapshots(&args.directory)?;
    let now = parse_now(args.now.as_deref())?;
    let query = ExplainQuery {
        file: &loaded.file,
        snapshots: &snapshots,
        object: &args.object,
        cycle: args.cycle,
        dialect: DialectArg::resolve(args.dialect, None, &loaded.file),
        schedule: args.schedule.schedule(now),
        seed: args.seed,
    };
    let explanation = explain(&query).map_err(|e| {
        match &e {
            ExplainError::Mapping(m) => errln!("error: {}: {m}", loaded.name),
            e => errln!("error: {e}"),
        }
        Failure::Input
    })?;
    match args.format {
        Format::Human => out!("{}", render(&explanation)),
        Format::Json => {
            let json = serde_json::to_string_pretty(&explanation.entries)
                .map_err(|e| super::stdout_failure(std::io::Error::from(e)))?;
            out!("{json}\n");
        }
    }
    Ok(())
}
