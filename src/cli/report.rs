//! `--format html`: what the commands share to make their page (the header, the cycles run
//! into a [`Collector`], writing the file). The page itself is the library's (`report`).

use std::path::{Path, PathBuf};

use super::Failure;
use super::simulate::{Schedule, pick};
use crate::dotnet::datetime::DateTime;
use crate::load::Loaded;
use crate::provision::cycle::{Failure as ObjectFailure, Simulator};
use crate::provision::directory::Directory;
use crate::provision::target::WriteAnswers;
use crate::provision::transcript::Redactions;
use crate::report::{self, CheckFinding, Collector, Page};

/// `--out` without `--format html`: the other formats stream to standard output.
pub(super) fn refuse_out(out: Option<&Path>) -> Result<(), Failure> {
    if let Some(path) = out {
        errln!(
            "error: --out {} is for --format html; the other formats write to standard output \
             (redirect it)",
            path.display()
        );
        return Err(Failure::Input);
    }
    Ok(())
}

/// The command line of this run, shell-quoted, as `entramap ...`, with `added` options
/// appended when the user did not give them (the clock and seed the run took by default), so
/// that it gives the same page again.
pub(super) fn reproduce(added: &[(&str, String)]) -> String {
    let mut args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for (flag, value) in added {
        let given = args
            .iter()
            .any(|a| a == flag || a.starts_with(&format!("{flag}=")));
        if !given {
            args.push((*flag).to_owned());
            args.push(value.clone());
        }
    }
    args.insert(0, "entramap".to_owned());
    report::shell_line(&args)
}

/// The snapshots as named on the command line, or the built-in sample.
pub(super) fn snapshot_names(paths: &[PathBuf]) -> Vec<String> {
    if paths.is_empty() {
        return vec!["the built-in sample directory".to_owned()];
    }
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// `check`'s findings over the mapping, for the page's check section.
pub(super) fn findings(loaded: &Loaded) -> Vec<CheckFinding> {
    report::check_findings(&crate::check::check(loaded), &loaded.text)
}

/// Render `page` and write it to `out` (atomically) or standard output.
pub(super) fn write(out: Option<&Path>, page: &Page) -> Result<(), Failure> {
    let html = report::html::render(page).map_err(|e| {
        errln!("error: {e}");
        Failure::Eval
    })?;
    super::emit(out, &html)
}

/// Run `cycles` cycles over `snapshots` (the last repeating) into a collector, every
/// snapshot's objects given rows; stops between requests when `stop` says so. Long runs draw
/// simulate's progress bar on a terminal's stderr.
pub(super) fn run_cycles(
    file: &crate::model::mapping::MappingFile,
    simulator: &mut Simulator,
    snapshots: &[Directory],
    cycles: u32,
    schedule: &mut Schedule,
    stop: &dyn Fn() -> bool,
) -> (Collector, Vec<ObjectFailure>) {
    // The page keeps a create's id and an error's answer; it needs no other stored resource
    // turned back into JSON.
    simulator
        .endpoint_mut()
        .set_write_answers(WriteAnswers::IdOnly);
    let mut collector = Collector::new(Redactions::from_mapping(file));
    for snapshot in snapshots {
        collector.add_directory(snapshot);
    }
    let mut failures = Vec::new();
    let mut bar = super::progress::ProgressBar::new(cycles);
    for cycle in (1..=cycles).take_while(|_| !stop()) {
        schedule.before(simulator, cycle);
        let time = report::rfc3339(crate::provision::clock::cycle_time(
            schedule.start,
            schedule.interval,
            cycle,
        ));
        collector.begin_cycle(cycle, simulator.next_cycle_is_full(), Some(time));
        let failed = simulator.run_cycle_with_progress(
            pick(snapshots, cycle),
            cycle,
            &mut |r| collector.request(r),
            &mut |p| bar.update(cycle, p),
            stop,
        );
        collector.outcomes(cycle, &failed, simulator.notes());
        if let Some(q) = simulator.quarantine() {
            collector.cycle_note(cycle, q.describe(cycle));
        }
        failures.extend(failed);
    }
    bar.finish();
    (collector, failures)
}

/// The clock as the header shows it and `--now` takes it.
pub(super) fn clock(now: DateTime) -> String {
    report::rfc3339(now)
}

/// What `simulate --format html` runs with, from simulate's arguments and setup.
pub(super) struct SimulateRun<'a> {
    /// The mapping file as named on the command line.
    pub mapping: &'a Path,
    /// The `--directory` files as named on the command line.
    pub directories: &'a [PathBuf],
    /// `--out`, or standard output.
    pub out: Option<&'a Path>,
    /// The mapping, loaded.
    pub loaded: &'a Loaded,
    /// The request dialect.
    pub dialect: crate::model::mapping::Dialect,
    /// The job, with `--target`'s accounts preloaded.
    pub simulator: Simulator,
    /// The snapshots, one per cycle, the last repeating.
    pub snapshots: &'a [Directory],
    /// Cycles to run.
    pub cycles: u32,
    /// When cycles run and which follow a restart.
    pub schedule: Schedule,
    /// Ctrl-C or SIGTERM.
    pub stop: &'a dyn Fn() -> bool,
}

/// `simulate --format html`: the run into one page, written once at the end (a partial run
/// writes nothing: its counts would pass for the whole run's).
pub(super) fn simulate(run: SimulateRun<'_>) -> Result<(), Failure> {
    let SimulateRun {
        mapping,
        directories,
        out,
        loaded,
        dialect,
        mut simulator,
        snapshots,
        cycles,
        mut schedule,
        stop,
    } = run;
    let (collector, failures) = run_cycles(
        &loaded.file,
        &mut simulator,
        snapshots,
        cycles,
        &mut schedule,
        stop,
    );
    if stop() {
        return Err(super::interrupted("no report of a partial run"));
    }
    let mut header = report::Header::new(&mapping.display().to_string(), &loaded.file, dialect);
    header.snapshots = snapshot_names(directories);
    let now = clock(schedule.start);
    header.clock = Some(now.clone());
    header.reproduce = reproduce(&[("--now", now)]);
    let (cycles, objects) = collector.finish();
    let page = Page {
        command: "simulate".into(),
        header,
        findings: findings(loaded),
        cycles,
        sections: Vec::new(),
        objects,
    };
    write(out, &page)?;
    super::simulate::warn_failures(&failures);
    Ok(())
}
