//! `entramap simulate`: the SCIM requests Entra sends for directory snapshots, cycle by cycle.

use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use serde_json::Value as Json;

use super::progress::ProgressBar;
use super::report::HtmlOut;
use super::{
    DialectArg, Failure, ScopeArg, parse_now, read_compiling_mapping, read_snapshots, report,
};
use crate::dotnet::datetime::DateTime;
use crate::expr::Context;
use crate::input::{self, FileError};
use crate::provision::clock::CycleInterval;
use crate::provision::cycle::{Failure as ObjectFailure, Simulator};
use crate::provision::output::{
    HttpOutput, JsonlOutput, LogOutput, Output, SummaryOutput, run_cycles,
};
use crate::provision::target::ResourceKind;
use crate::provision::target::WriteAnswers;
use crate::provision::transcript::Redactions;
use crate::report::HtmlOutput;

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
    #[command(flatten)]
    schedule: ScheduleArgs,
    /// The request dialect (`aadOptscim062020` is another name for `compliant`). Default: the
    /// mapping's `dialect`, else `compliant` when its tenant_url has `?aadOptscim062020`, else
    /// `legacy`.
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
    /// Send `Redact()`ed values unmasked in `jsonl` output (`http` and `log` output always
    /// mask them).
    #[arg(long)]
    show_secrets: bool,
    /// In `summary`, every name of each group of skipped, failed, disabled or deleted
    /// objects, not only the first three.
    #[arg(long)]
    all: bool,
    /// Exit 0 even when objects fail (by default a failed object makes the exit status 1).
    #[arg(long)]
    allow_failures: bool,
    #[command(flatten)]
    out: HtmlOut,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// The requests as an `.http` transcript (method, URL, headers, body, the answer).
    Http,
    /// One JSON object per request, for tools.
    Jsonl,
    /// Per cycle the counts and who and why: created, updated, skipped, failed.
    Summary,
    /// Entra's provisioning log: one provisioningObjectSummary per object and cycle.
    Log,
    /// One self-contained HTML page: counts per cycle, every object with its steps and
    /// requests.
    Html,
}

/// When the cycles run and which are restarts, spelled the same in `simulate` and `explain`
/// (which runs the cycles as `simulate` does).
#[derive(clap::Args, Debug)]
pub(super) struct ScheduleArgs {
    /// Restart provisioning before cycle N (clears the watermark, keeps the links): cycle N
    /// is a full cycle. Repeatable.
    #[arg(long, value_name = "N")]
    restart_before: Vec<u32>,
    /// The time between two cycles, e.g. 40m, 2h, 1d (what Now() reads advances by it).
    #[arg(long, value_name = "DURATION", default_value = "40m")]
    cycle_interval: CycleInterval,
}

impl ScheduleArgs {
    /// The schedule of a run whose cycle 1 runs at `start`.
    pub(super) fn schedule(&self, start: DateTime) -> Schedule {
        Schedule {
            start,
            interval: self.cycle_interval,
            restarts: self.restart_before.clone(),
        }
    }
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
    if let Some(n) = args
        .schedule
        .restart_before
        .iter()
        .find(|&&n| n < 2 || n > cycles)
    {
        errln!(
            "error: --restart-before {n}: the run has cycles 1 to {cycles}, and cycle 1 is a full \
             cycle already; give a cycle from 2 to {cycles}"
        );
        return Err(Failure::Input);
    }
    let schedule = args.schedule.schedule(now);
    // Found once here, not per request: most mappings have none and then masking is free.
    let redactions = Redactions::from_mapping(file);

    // From here on, Ctrl-C and SIGTERM end the output after a whole request (a `jsonl` or
    // `log` stream on a whole line) instead of killing the program mid-write.
    if let Err(e) = super::interrupt::install() {
        errln!("warning: Ctrl-C will not stop the output cleanly: {e}");
    }
    let interrupt = super::interrupt::flag();
    let stopped = || interrupt.load(Ordering::Relaxed);
    args.out.refuse_unless(args.format == Format::Html)?;

    let mut bar = ProgressBar::new(cycles);
    let stdout = std::io::stdout();
    let out = BufWriter::new(stdout.lock());
    let mut output = match args.format {
        Format::Http => Chosen::Stream(Box::new(
            HttpOutput::new(out, base_url, redactions).map_err(super::stdout_failure)?,
        )),
        Format::Jsonl => Chosen::Stream(Box::new(JsonlOutput::new(
            out,
            (!args.show_secrets).then_some(redactions),
        ))),
        Format::Summary => {
            // The summary counts requests and their statuses; it never reads a write's
            // answer, so the app need not turn each stored resource back into JSON.
            simulator
                .endpoint_mut()
                .set_write_answers(WriteAnswers::IdOnly);
            Chosen::Stream(Box::new(SummaryOutput::new(out, args.all)))
        }
        Format::Log => Chosen::Stream(Box::new(LogOutput::writing(
            out,
            super::report::log_options(file),
        ))),
        Format::Html => {
            // The page keeps a create's id and an error's answer; it needs no other stored
            // resource turned back into JSON (the log reads match and read answers).
            simulator
                .endpoint_mut()
                .set_write_answers(WriteAnswers::IdOnly);
            let mut page = super::report::page_output(&loaded.name, file, args.seed)?;
            for snapshot in &snapshots {
                page.add_directory(snapshot);
            }
            Chosen::Page(Box::new(page))
        }
    };
    let result = run_cycles(
        &mut simulator,
        &snapshots,
        cycles,
        &schedule,
        output.as_output(),
        &mut |cycle, p| bar.update(cycle, p),
        &stopped,
    );
    bar.finish();
    let page = match output {
        Chosen::Page(page) => Some(page),
        Chosen::Stream(_) => None,
    };
    let outcome = result.map_err(super::stdout_failure)?;
    if stopped() {
        return Err(super::interrupted(match args.format {
            Format::Summary => "no summary of a partial run",
            Format::Html => "no report of a partial run",
            Format::Http | Format::Jsonl | Format::Log => {
                "the output stops after the last whole request"
            }
        }));
    }
    if let Some(page) = page {
        let page = super::report::simulate_page(
            super::report::SimulatePage {
                mapping: &args.mapping,
                directories: &args.directory,
                loaded: &loaded,
                dialect,
                start: now,
            },
            *page,
        );
        args.out.write(&page)?;
    }
    warn_failures(&outcome.failures);
    // The staged deletes send nothing, so they have no request line; they are said here (the
    // summary and the page say them under their cycle).
    if !matches!(args.format, Format::Summary | Format::Html) {
        for note in &outcome.guard_notes {
            errln!("note: {note}");
        }
    }
    if !outcome.failures.is_empty() && !args.allow_failures {
        errln!(
            "error: {} object{} failed (exit 1; --allow-failures exits 0)",
            outcome.failures.len(),
            if outcome.failures.len() == 1 { "" } else { "s" }
        );
        return Err(Failure::Eval);
    }
    Ok(())
}

/// The output a run feeds: a stream on standard output, or the page written at the end.
enum Chosen {
    Stream(Box<dyn Output>),
    Page(Box<HtmlOutput>),
}

impl Chosen {
    fn as_output(&mut self) -> &mut dyn Output {
        match self {
            Chosen::Stream(out) => out.as_mut(),
            Chosen::Page(page) => page.as_mut(),
        }
    }
}

/// The job id the log shows: Entra's custom SCIM template (`scim`) and the app's name.
pub(super) fn job_id(app: &str) -> String {
    let slug: String = app
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    format!("scim.entramap.{slug}")
}

/// Failed objects on stderr too: the transcript may be going to a file.
pub(super) fn warn_failures(failures: &[ObjectFailure]) {
    for f in failures {
        errln!("warning: {}: {}", f.object, f.message);
    }
}

pub(super) use crate::provision::output::{Schedule, pick};

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
            "users" => ResourceKind::User,
            "groups" => ResourceKind::Group,
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
