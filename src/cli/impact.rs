//! `entramap impact OLD NEW`: the question an admin asks before pressing Save. The app's state
//! is established with OLD over the directory snapshots (one cycle each, from `--target`'s
//! accounts when given); then the mapping is changed to NEW, and Entra's next cycle is a full
//! one (define-conditional-rules-for-provisioning-user-accounts.md: saving a scoping filter or
//! mapping change re-evaluates every object). What that cycle sends is the answer.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use super::report::HtmlOut;
use super::simulate::{DEFAULT_BASE_URL, Schedule, pick, preload, warn_failures};
use super::{DialectArg, Failure, parse_now, read_compiling_mapping, read_snapshots};
use crate::expr::Context;
use crate::provision::clock::CycleInterval;
use crate::provision::cycle::{Recorded, Simulator};
use crate::provision::impact::{ChangeKind, mapping_changes};
use crate::provision::log::LogOptions;
use crate::provision::output::{LogOutput, Output, Tee};
use crate::provision::transcript::{HttpWriter, Redactions, Summary, write_jsonl_line};
use crate::report::HtmlOutput;

/// Arguments of `entramap impact`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping as it is saved today (YAML, or a Graph synchronization schema in JSON).
    old: PathBuf,
    /// The mapping about to be saved.
    new: PathBuf,
    /// A directory snapshot, one cycle each under OLD; the last one is the directory when NEW
    /// is saved. Repeatable. Default: the built-in sample directory.
    #[arg(long, value_name = "FILE")]
    directory: Vec<PathBuf>,
    /// Accounts already in the app before OLD's cycles: `users:` and `groups:` lists of SCIM
    /// resources.
    #[arg(long, value_name = "FILE")]
    target: Option<PathBuf>,
    /// Output format: `summary` (the mapping change and the counts of the cycle), `http`
    /// (the change as comments, then the transcript), `jsonl` (only the cycle's requests),
    /// `log` (the cycle's provisioning log), `html` (one page with `--out`: the change, then who
    /// is disabled, created and updated).
    #[arg(long, value_enum, default_value_t = Format::Summary)]
    format: Format,
    /// The request dialect. Default: OLD's `dialect`, else the tenant URL's.
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// What Now() returns in the first cycle, RFC 3339 (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Seed for Guid() and RandomString().
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    out: HtmlOut,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Summary,
    Http,
    Jsonl,
    Log,
    /// One self-contained HTML page: the mapping change, who is disabled, created and
    /// updated, and every object with its steps and requests.
    Html,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    args.out.refuse_unless(args.format == Format::Html)?;
    let old = read_compiling_mapping(&args.old)?;
    let new = read_compiling_mapping(&args.new)?;
    let snapshots = read_snapshots(&args.directory)?;
    let now = parse_now(args.now.as_deref())?;
    // The same app before and after: its URL and dialect come from what is saved today.
    let base_url = old.file.tenant_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let dialect = DialectArg::resolve(args.dialect, None, &old.file);
    let compile_error = |name: &str, e: String| {
        errln!("error: {name}: {e}");
        Failure::Input
    };
    let mut simulator = Simulator::new(&old.file, dialect, Context::new(now, args.seed))
        .map_err(|e| compile_error(&old.name, e.to_string()))?;
    // Checked before any cycle: a NEW that cannot run is bad input, not a late failure.
    Simulator::new(&new.file, dialect, Context::new(now, args.seed))
        .map_err(|e| compile_error(&new.name, e.to_string()))?;
    if let Some(path) = &args.target {
        preload(&mut simulator, path)?;
    }
    let schedule = Schedule {
        start: now,
        interval: CycleInterval::DEFAULT,
        restarts: Vec::new(),
    };
    let before = snapshots.len() as u32;
    let mut failures = Vec::new();
    for cycle in 1..=before {
        schedule.before(&mut simulator, cycle);
        failures.extend(simulator.run_cycle(pick(&snapshots, cycle), cycle, &mut |_| {}));
    }
    simulator
        .change_mapping(&new.file)
        .map_err(|e| compile_error(&new.name, e.to_string()))?;
    let cycle = before + 1;
    schedule.before(&mut simulator, cycle);
    let mut sent: Vec<Recorded> = Vec::new();
    // The post-change cycle's provisioning log, for `--format log` (in memory: one cycle).
    let mut log = (args.format == Format::Log).then(|| {
        LogOutput::writing(
            Vec::new(),
            LogOptions {
                app: new.file.app.clone(),
                job_id: super::simulate::job_id(&new.file.app),
                redactions: Redactions::from_mapping(&new.file),
            },
        )
    });
    // The page's rows and entries: every object of the snapshot NEW is saved over, with the
    // post-change cycle's provisioning log.
    let mut page = match args.format {
        Format::Html => {
            let mut page = super::report::page_output(&new.name, &new.file, args.seed)?;
            if let Some(last) = snapshots.last() {
                page.add_directory(last);
            }
            Some(page)
        }
        _ => None,
    };
    let mut output: Option<&mut dyn Output> = match (&mut log, &mut page) {
        (Some(log), _) => Some(log),
        (None, Some(page)) => Some(page),
        (None, None) => None,
    };
    if let Some(o) = output.as_deref_mut() {
        o.begin_cycle(cycle, schedule.at(cycle), simulator.next_cycle_is_full());
    }
    let failed = simulator.run_cycle_into(
        pick(&snapshots, cycle),
        cycle,
        &mut Tee {
            emit: &mut |r| sent.push(r.record()),
            output: output.as_deref_mut(),
        },
        &|| false,
    );
    if let Some(o) = output {
        o.end_cycle(cycle, &failed, simulator.notes(), simulator.quarantine());
        // Into memory: cannot fail.
        let _ = o.finish(true);
    }
    let log = log.map(LogOutput::into_inner);
    let notes = simulator.notes().to_vec();
    let changes = mapping_changes(&old.file, &new.file);
    let writes = sent.iter().filter(|r| r.method != "GET").count();
    // Why a row change writes nothing, when the old and new rows' values tell (the same
    // values for every object, or values that differ only in case on a caseless attribute).
    let says_changes = matches!(args.format, Format::Summary | Format::Http);
    let nothing_written: Vec<Option<String>> = changes
        .iter()
        .map(|c| {
            if !says_changes {
                return None;
            }
            let (ChangeKind::RowChanged { target, .. } | ChangeKind::RowAdded { target, .. }) =
                &c.kind
            else {
                return None;
            };
            let snapshot = pick(&snapshots, cycle);
            crate::provision::impact::value_change(
                &old.file,
                &new.file,
                c,
                snapshot,
                schedule.at(cycle),
                args.seed,
            )?
            .why_nothing_written(target)
        })
        .collect();
    if let Some(gathered) = page {
        let post = (cycle, pick(&snapshots, cycle), schedule.at(cycle));
        let page = html_page(&args, &old, &new, dialect, now, &sent, post, gathered);
        args.out.write(&page)?;
        failures.extend(failed);
        warn_failures(&failures);
        return if writes > 0 {
            Err(Failure::Eval)
        } else {
            Ok(())
        };
    }

    let redactions = Redactions::from_mapping(&new.file);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let heading = format!(
        "mapping change {} -> {}:",
        args.old.display(),
        args.new.display()
    );
    let result = (|| -> std::io::Result<()> {
        match args.format {
            Format::Summary => {
                writeln!(out, "{heading}")?;
                if changes.is_empty() {
                    writeln!(out, "  no change to rows, scoping filters or actions")?;
                }
                for (c, why) in changes.iter().zip(&nothing_written) {
                    writeln!(out, "  {c}")?;
                    if let Some(why) = why {
                        writeln!(out, "    writes nothing: {why}")?;
                    }
                }
                writeln!(
                    out,
                    "the full cycle Entra runs after saving (cycle {cycle}), writes: {writes}"
                )?;
                let mut summary = Summary::default();
                summary.begin_cycle(cycle, true);
                for r in &sent {
                    summary.add(&r.as_request());
                }
                summary.add_outcomes(cycle, &failed, &notes);
                // Only the post-change cycle: the rows before it are empty.
                let rendered = summary.render();
                let tail = rendered
                    .split_inclusive('\n')
                    .skip_while(|l| !l.starts_with(&format!("cycle {cycle}:")))
                    .collect::<String>();
                out.write_all(tail.as_bytes())?;
            }
            Format::Http => {
                let mut writer = HttpWriter::new(&mut out, base_url)?;
                let mut comments = vec![format!("# {heading}")];
                if changes.is_empty() {
                    comments.push("#   no change to rows, scoping filters or actions".into());
                }
                for (c, why) in changes.iter().zip(&nothing_written) {
                    comments.push(format!("#   {c}"));
                    if let Some(why) = why {
                        comments.push(format!("#     writes nothing: {why}"));
                    }
                }
                comments.push(format!(
                    "# the full cycle Entra runs after saving (cycle {cycle}), writes: {writes}"
                ));
                writer.write_comments(&comments)?;
                for r in &sent {
                    let r = r.as_request();
                    let masked = redactions.mask(&r);
                    writer.write(&masked.as_ref().map_or(r, |m| m.apply(&r)))?;
                }
                writer.write_outcomes(cycle, &failed, &notes)?;
                writer.finish()?;
            }
            Format::Jsonl => {
                for r in &sent {
                    let r = r.as_request();
                    let masked = redactions.mask(&r);
                    write_jsonl_line(&mut out, &masked.as_ref().map_or(r, |m| m.apply(&r)))?;
                }
            }
            Format::Log => out.write_all(&log.unwrap_or_default())?,
            Format::Html => {}
        }
        out.flush()
    })();
    if let Err(e) = result {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(141);
        }
        errln!("error: cannot write to standard output: {e}");
        return Err(Failure::Eval);
    }
    failures.extend(failed);
    warn_failures(&failures);
    if writes > 0 {
        Err(Failure::Eval)
    } else {
        Ok(())
    }
}

/// `--format html`: the mapping change, then the post-change cycle (its chart, who it
/// touches, and every object of the last snapshot with its log entries and requests).
#[allow(clippy::too_many_arguments)]
fn html_page(
    args: &Args,
    old: &crate::load::Loaded,
    new: &crate::load::Loaded,
    dialect: crate::model::mapping::Dialect,
    now: crate::dotnet::datetime::DateTime,
    sent: &[Recorded],
    (cycle, snapshot, at): (
        u32,
        &crate::provision::directory::Directory,
        crate::dotnet::datetime::DateTime,
    ),
    gathered: HtmlOutput,
) -> crate::report::Page {
    use crate::report::{Header, Page, impact_sections, row_effect};
    let (cycles, objects, mapping_rows) = gathered.into_views();
    // Each row change: the objects the post-change cycle wrote it for, or why none.
    let changes = mapping_changes(&old.file, &new.file);
    let written = cycles
        .iter()
        .find(|c| c.cycle == cycle)
        .map_or(&[][..], |c| c.attributes.as_slice());
    let effects: Vec<Option<String>> = changes
        .iter()
        .map(|c| {
            let values = crate::provision::impact::value_change(
                &old.file, &new.file, c, snapshot, at, args.seed,
            );
            row_effect(c, written, values.as_ref())
        })
        .collect();
    let files = format!("{} → {}", args.old.display(), args.new.display());
    let mut header = Header::new(&files, &new.file, dialect);
    header.snapshots = super::report::snapshot_names(&args.directory);
    let clock = super::report::clock(now);
    header.clock = Some(clock.clone());
    header.reproduce = super::report::reproduce(&[("--now", clock)]);
    Page {
        command: "impact".into(),
        header,
        findings: super::report::findings(new),
        cycles,
        sections: impact_sections(&changes, &effects, sent, cycle),
        objects,
        mapping_rows,
    }
}
