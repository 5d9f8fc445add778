//! `--format html`: what the commands share to make their page (the header, the log's
//! options, writing the file). The cycles run through the one loop into a
//! [`report::HtmlOutput`]; the page itself is the library's (`report`).

use std::path::{Path, PathBuf};

use super::Failure;
use crate::dotnet::datetime::DateTime;
use crate::load::Loaded;
use crate::provision::log::LogOptions;
use crate::provision::rows::AttributeRows;
use crate::provision::transcript::Redactions;
use crate::report::{self, FindingView, Page};

/// `--out` without `--format html`: the other formats stream to standard output.
fn refuse_out(out: Option<&Path>) -> Result<(), Failure> {
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

/// `--out FILE`, flattened into every command with `--format html` (`check`, `simulate`,
/// `impact`, `converge`, `live`), so that the flag is spelled, documented and refused the same
/// way in each.
#[derive(clap::Args, Debug)]
pub(super) struct HtmlOut {
    /// Write the `--format html` page to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl HtmlOut {
    /// Refuse `--out` unless the format is `html`: the other formats stream to standard
    /// output. Called before any work, so a misplaced flag costs nothing.
    /// An `--out` that could never be written (a directory, an input of the run) is refused
    /// here too, before the work, not after it.
    pub(super) fn refuse_unless(&self, html: bool) -> Result<(), Failure> {
        if !html {
            return refuse_out(self.out.as_deref());
        }
        match &self.out {
            Some(path) => super::destination(path)
                .map(|_| ())
                .map_err(|e| super::out_failure(path, e)),
            None => Ok(()),
        }
    }

    /// Render `page` and write it to the `--out` file (atomically) or standard output.
    pub(super) fn write(&self, page: &Page) -> Result<(), Failure> {
        write(self.out.as_deref(), page)
    }
}

/// `--format` of the commands whose result is a report, for a person, a tool or a browser
/// (`converge`, `live`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ReportFormat {
    /// Text for a person.
    Human,
    /// One JSON document for a tool.
    Json,
    /// One self-contained HTML page (`--out FILE`): the findings with their causes and
    /// evidence, and the run's cycles and objects.
    Html,
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
pub(super) fn findings(loaded: &Loaded) -> Vec<FindingView> {
    report::check_findings(&crate::check::check(loaded), &loaded.text)
}

/// Render `page` and write it to `out` (atomically) or standard output.
fn write(out: Option<&Path>, page: &Page) -> Result<(), Failure> {
    let html = report::html::render(page).map_err(|e| {
        errln!("error: {e}");
        Failure::Eval
    })?;
    super::emit(out, &html)
}

/// The clock as the header shows it and `--now` takes it.
pub(super) fn clock(now: DateTime) -> String {
    report::rfc3339(now)
}

/// What `simulate --format html`'s page says besides what the run gathered.
pub(super) struct SimulatePage<'a> {
    /// The mapping file as named on the command line.
    pub mapping: &'a Path,
    /// The `--directory` files as named on the command line.
    pub directories: &'a [PathBuf],
    /// The mapping, loaded.
    pub loaded: &'a Loaded,
    /// The request dialect.
    pub dialect: crate::model::mapping::Dialect,
    /// When cycle 1 ran.
    pub start: DateTime,
}

/// `simulate --format html`: the page of a whole run (the caller writes nothing for a
/// partial run: its counts would pass for the whole run's).
pub(super) fn simulate_page(run: SimulatePage<'_>, gathered: report::HtmlOutput) -> Page {
    let mut header = report::Header::new(
        &run.mapping.display().to_string(),
        &run.loaded.file,
        run.dialect,
    );
    header.snapshots = snapshot_names(run.directories);
    let now = clock(run.start);
    header.clock = Some(now.clone());
    header.reproduce = reproduce(&[("--now", now)]);
    let (cycles, objects, mapping_rows) = gathered.into_views();
    Page {
        command: "simulate".into(),
        header,
        findings: findings(run.loaded),
        cycles,
        sections: Vec::new(),
        objects,
        mapping_rows,
    }
}

/// The page's output for a run of `file` (named `name` on the command line) whose random
/// functions are seeded with `seed`: the objects' attribute tables evaluate the rows as the
/// run does. Fails, as the run's `Simulator::new` does, on a row that does not compile.
pub(super) fn page_output(
    name: &str,
    file: &crate::model::mapping::MappingFile,
    seed: u64,
) -> Result<report::HtmlOutput, Failure> {
    let tables = AttributeRows::new(file, seed).map_err(|e| {
        errln!("error: {name}: {e}");
        Failure::Input
    })?;
    Ok(report::HtmlOutput::new(log_options(file), tables))
}

/// The provisioning log's options for `file`'s app (the page's entries are that log's).
pub(super) fn log_options(file: &crate::model::mapping::MappingFile) -> LogOptions {
    LogOptions {
        app: file.app.clone(),
        job_id: super::simulate::job_id(&file.app),
        redactions: Redactions::from_mapping(file),
    }
}
