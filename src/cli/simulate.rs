//! `entramap simulate`: the SCIM requests Entra sends for directory snapshots, cycle by cycle.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value as Json;

use super::progress::ProgressBar;
use super::{
    DialectArg, Failure, ScopeArg, parse_now, read_compiling_mapping, read_snapshots, report,
};
use crate::expr::Context;
use crate::input::{self, FileError};
use crate::provision::clock::{Interval, cycle_time};
use crate::provision::cycle::{Failure as ObjectFailure, Simulator};
use crate::provision::directory::Directory;
use crate::provision::target::Kind;
use crate::provision::target::WriteAnswers;
use crate::provision::transcript::{HttpWriter, Redactions, Summary, write_jsonl_line};

/// Arguments of `entramap simulate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping file (YAML, or a Graph synchronization schema in JSON).
    mapping: PathBuf,
    /// A directory snapshot (YAML or JSON), one per cycle; repeatable. Default: the built-in
    /// sample directory.
    #[arg(long, value_name = "FILE")]
    directory: Vec<PathBuf>,
    /// Accounts already in the app: `users:` and `groups:` lists of SCIM resources.
    #[arg(long, value_name = "FILE")]
    target: Option<PathBuf>,
    /// Cycles to run in total; the last snapshot repeats. Default: one per snapshot. The
    /// first cycle is full; later ones are incremental (only changed objects).
    #[arg(long, value_name = "N")]
    cycles: Option<u32>,
    /// The request dialect (`aadOptscim062020` is another name for `compliant`). Default: the
    /// mapping's `dialect`, else `compliant` when its tenant_url has `?aadOptscim062020`, else
    /// `legacy`.
    /// Restart provisioning before cycle N (clears the watermark, keeps the links): cycle N
    /// is a full cycle. Repeatable.
    #[arg(long, value_name = "N")]
    restart_before: Vec<u32>,
    /// The time between two cycles, e.g. 40m, 2h, 1d (what Now() reads advances by it).
    #[arg(long, value_name = "DURATION", default_value = "40m")]
    cycle_interval: Interval,
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// Which users and groups the job considers: `assigned` ("Sync only assigned users and
    /// groups") or `all` ("Sync all users and groups"). Default: the mapping's `settings.scope`.
    #[arg(long, value_enum, value_name = "SCOPE")]
    scope: Option<ScopeArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Http)]
    format: Format,
    /// What Now() returns, RFC 3339 (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Seed for Guid() and RandomString().
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Send `Redact()`ed values unmasked in `jsonl` output (`http` output always masks them).
    #[arg(long)]
    show_secrets: bool,
    /// Write the `--format html` page to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Http,
    Jsonl,
    Summary,
    /// One self-contained HTML page: counts per cycle, every object with its steps and
    /// requests.
    Html,
}

/// Used when the mapping gives no tenant URL: the `.http` transcript still needs a base.
pub(super) const DEFAULT_BASE_URL: &str = "https://scim.example.com/scim";

pub(super) fn run(args: Args) -> Result<(), Failure> {
    // Everything is loaded and compiled before the first byte of output, so a bad input
    // gives a diagnostic and exit 2, never half a transcript.
    let mut loaded = read_compiling_mapping(&args.mapping)?;
    ScopeArg::apply(args.scope, &mut loaded.file);
    let file = &loaded.file;
    let snapshots = read_snapshots(&args.directory)?;
    let now = parse_now(args.now.as_deref())?;
    let base_url = file.tenant_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let dialect = DialectArg::resolve(args.dialect, None, file);
    let mut simulator =
        Simulator::new(file, dialect, Context::new(now, args.seed)).map_err(|e| {
            errln!("error: {}: {e}", loaded.name);
            Failure::Input
        })?;
    if let Some(path) = &args.target {
        preload(&mut simulator, path)?;
    }
    let cycles = args.cycles.unwrap_or(snapshots.len() as u32);
    if let Some(n) = args.restart_before.iter().find(|&&n| n < 2 || n > cycles) {
        errln!(
            "error: --restart-before {n}: the run has cycles 1 to {cycles}, and cycle 1 is a full \
             cycle already; give a cycle from 2 to {cycles}"
        );
        return Err(Failure::Input);
    }
    let mut schedule = Schedule {
        start: now,
        interval: args.cycle_interval,
        restarts: args.restart_before.clone(),
    };
    // Found once here, not per request: most mappings have none and then masking is free.
    let redactions = Redactions::from_mapping(file);

    // From here on, Ctrl-C and SIGTERM end the output after a whole request (a `jsonl` stream
    // on a whole line) instead of killing the program mid-write.
    if let Err(e) = super::interrupt::install() {
        errln!("warning: Ctrl-C will not stop the output cleanly: {e}");
    }
    let interrupt = super::interrupt::flag();
    let stopped = || interrupt.load(Ordering::Relaxed);
    // Raised by a failed write too: a closed pipe or a full disk ends the run at once, rather
    // than after every remaining cycle has been computed for nobody.
    let halt = AtomicBool::new(false);
    let stop = || stopped() || halt.load(Ordering::Relaxed);
    if args.format == Format::Html {
        return super::report::simulate(super::report::SimulateRun {
            mapping: &args.mapping,
            directories: &args.directory,
            out: args.out.as_deref(),
            loaded: &loaded,
            dialect,
            simulator,
            snapshots: &snapshots,
            cycles,
            schedule,
            stop: &stop,
        });
    }
    super::report::refuse_out(args.out.as_deref())?;

    let mut bar = ProgressBar::new(cycles);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let result = (|| -> std::io::Result<()> {
        match args.format {
            Format::Http => {
                let mut writer = HttpWriter::new(&mut out, base_url)?;
                let mut error = None;
                for cycle in (1..=cycles).take_while(|_| !stop()) {
                    let snapshot = pick(&snapshots, cycle);
                    schedule.before(&mut simulator, cycle);
                    let failed = simulator.run_cycle_with_progress(
                        snapshot,
                        cycle,
                        &mut |r| {
                            let masked = redactions.mask(r);
                            let r = masked.as_ref().map_or(*r, |m| m.apply(r));
                            if error.is_none()
                                && let Err(e) = writer.write(&r)
                            {
                                error = Some(e);
                                halt.store(true, Ordering::Relaxed);
                            }
                        },
                        &mut |p| bar.update(cycle, p),
                        &stop,
                    );
                    if error.is_none() {
                        writer.write_outcomes(cycle, &failed, simulator.notes())?;
                    }
                    failures.extend(failed);
                    notes.extend(guard_note(&simulator, cycle));
                }
                error.map_or(Ok(()), Err)?;
                writer.finish()?;
            }
            Format::Jsonl => {
                let mut error = None;
                for cycle in (1..=cycles).take_while(|_| !stop()) {
                    let snapshot = pick(&snapshots, cycle);
                    schedule.before(&mut simulator, cycle);
                    failures.extend(simulator.run_cycle_with_progress(
                        snapshot,
                        cycle,
                        &mut |r| {
                            let masked = if args.show_secrets {
                                None
                            } else {
                                redactions.mask(r)
                            };
                            let r = masked.as_ref().map_or(*r, |m| m.apply(r));
                            if error.is_none()
                                && let Err(e) = write_jsonl_line(&mut out, &r)
                            {
                                error = Some(e);
                                halt.store(true, Ordering::Relaxed);
                            }
                        },
                        &mut |p| bar.update(cycle, p),
                        &stop,
                    ));
                    notes.extend(guard_note(&simulator, cycle));
                }
                error.map_or(Ok(()), Err)?;
            }
            Format::Summary => {
                // The summary counts requests and their statuses; it never reads a write's
                // answer, so the app need not turn each stored resource back into JSON.
                simulator
                    .endpoint_mut()
                    .set_write_answers(WriteAnswers::IdOnly);
                let mut summary = Summary::default();
                for cycle in (1..=cycles).take_while(|_| !stop()) {
                    let snapshot = pick(&snapshots, cycle);
                    schedule.before(&mut simulator, cycle);
                    summary.begin_cycle(cycle, simulator.next_cycle_is_full());
                    let failed = simulator.run_cycle_with_progress(
                        snapshot,
                        cycle,
                        &mut |r| summary.add(r),
                        &mut |p| bar.update(cycle, p),
                        &stop,
                    );
                    summary.add_outcomes(cycle, &failed, simulator.notes());
                    failures.extend(failed);
                    if let Some(q) = simulator.quarantine() {
                        summary.note(cycle, q.describe(cycle));
                    }
                }
                // Counts of part of a run would pass for the whole run's.
                if !stopped() {
                    out.write_all(summary.render().as_bytes())?;
                }
            }
            // Made and written by `html` before the output starts.
            Format::Html => {}
        }
        out.flush()
    })();
    bar.finish();
    drop(out);
    result.map_err(super::stdout_failure)?;
    if stopped() {
        return Err(super::interrupted(match args.format {
            Format::Summary => "no summary of a partial run",
            Format::Http | Format::Jsonl => "the output stops after the last whole request",
            Format::Html => "no report of a partial run",
        }));
    }
    warn_failures(&failures);
    // The staged deletes send nothing, so they have no request line; they are said here.
    for note in &notes {
        errln!("note: {note}");
    }
    Ok(())
}

/// What the accidental-deletions guard did in `cycle`, if anything.
fn guard_note(simulator: &Simulator, cycle: u32) -> Option<String> {
    let q = simulator.quarantine()?;
    Some(format!("cycle {cycle}: {}", q.describe(cycle)))
}

/// Failed objects on stderr too: the transcript may be going to a file.
pub(super) fn warn_failures(failures: &[ObjectFailure]) {
    for f in failures {
        errln!("warning: {}: {}", f.object, f.message);
    }
}

/// When cycles run and which follow a restart.
pub(super) struct Schedule {
    /// When cycle 1 runs.
    pub start: crate::dotnet::datetime::DateTime,
    /// The time between two cycles.
    pub interval: Interval,
    /// The cycles restarted before they run.
    pub restarts: Vec<u32>,
}

impl Schedule {
    /// Set the job up for `cycle`: its clock, and a restart when one is due.
    pub fn before<E: crate::provision::endpoint::Endpoint>(
        &mut self,
        simulator: &mut Simulator<E>,
        cycle: u32,
    ) {
        simulator.set_now(cycle_time(self.start, self.interval, cycle));
        if self.restarts.contains(&cycle) {
            simulator.restart();
        }
    }
}

/// The snapshot of a cycle: one per cycle, the last one repeating.
pub(super) fn pick(snapshots: &[Directory], cycle: u32) -> &Directory {
    let i = (cycle as usize - 1).min(snapshots.len() - 1);
    &snapshots[i]
}

fn input_failure(e: FileError) -> Failure {
    report(e);
    Failure::Input
}

/// Load `--target FILE` into the app: `users:` and `groups:` lists of SCIM resources.
pub(super) fn preload(simulator: &mut Simulator, path: &std::path::Path) -> Result<(), Failure> {
    let name = input::display_name(path);
    let text = input::read_text(path).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    let value = input::parse_document(&name, &text).map_err(input_failure)?;
    let fail = |message: String| {
        input_failure(
            FileError::new(&name, &text, message, None)
                .with_help("a target file is `users:` and `groups:` lists of SCIM resources"),
        )
    };
    let Json::Object(top) = value else {
        return Err(fail(
            "a target file must be a map with `users` and `groups`".into(),
        ));
    };
    for (key, items) in &top {
        let kind = match key.as_str() {
            "users" => Kind::User,
            "groups" => Kind::Group,
            other => return Err(fail(format!("unknown key `{other}`"))),
        };
        let Json::Array(items) = items else {
            return Err(fail(format!("`{key}` must be a list")));
        };
        for (i, item) in items.iter().enumerate() {
            let Json::Object(resource) = item else {
                return Err(fail(format!("{key}[{i}] must be a SCIM resource (a map)")));
            };
            simulator
                .preload(kind, resource.clone())
                .map_err(|e| fail(format!("{key}[{i}]: {}", e.detail)))?;
        }
    }
    Ok(())
}
