//! The command line: a thin layer of clap commands over the library.

/// `println!` that cannot panic: when standard output is closed (`entramap functions | head
/// -1`), the program ends quietly instead.
macro_rules! outln {
    () => {
        $crate::cli::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that cannot panic (see [`outln!`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` that cannot panic: a closed standard error loses the message, nothing more.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod check;
mod converge;
mod docs;
mod eval;
mod fmt;
mod functions;
mod impact;
mod interrupt;
mod live;
mod progress;
mod sample;
mod schema;
mod simulate;

use std::process::ExitCode;

use std::io::Write;

use clap::{Parser, Subcommand};

/// Compile, evaluate and simulate Microsoft Entra ID attribute mappings offline.
#[derive(Parser, Debug)]
#[command(name = "entramap", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate an expression over a source user (a built-in sample when none is given).
    Eval(eval::Args),
    /// Print an expression in canonical form.
    Fmt(fmt::Args),
    /// List the builtin functions with their signatures.
    Functions(functions::Args),
    /// Lint a mapping table before provisioning is enabled.
    Check(check::Args),
    /// Generate Markdown documentation of a mapping table.
    Docs(docs::Args),
    /// Convert a Microsoft Graph synchronization schema (JSON) to entramap YAML.
    Import(schema::ImportArgs),
    /// Convert a mapping (YAML or Graph JSON) to a Microsoft Graph synchronization schema.
    Export(schema::ExportArgs),
    /// Print the SCIM requests Entra sends for directory snapshots, cycle by cycle.
    Simulate(simulate::Args),
    /// Generate a deterministic directory snapshot of N users (streamed), for load tests.
    Sample(sample::Args),
    /// Check that a mapping reaches a steady state, or show the smallest directory that does
    /// not (exit 1).
    Converge(converge::Args),
    /// Run Entra's cycle against a real SCIM endpoint and report where the app disagrees.
    Live(live::Args),
    /// What saving a mapping change sends: the app's state with OLD, then the full cycle Entra
    /// runs with NEW (exit 0 nothing written, 1 writes).
    Impact(impact::Args),
}

/// How a command failed, and the exit code that says so.
pub(crate) enum Failure {
    /// The input was well-formed but evaluating it failed (exit 1).
    Eval,
    /// The input itself is bad: a malformed expression or file (exit 2).
    Input,
    /// The app refused the credentials, 401 or 403 (`live`, exit 3).
    Auth,
    /// The app gave no HTTP answer: refused, unresolvable, TLS, timeout (`live`, exit 4).
    Network,
}

/// Write to standard output; a reader that went away (a closed pipe) ends the program, as a
/// Unix tool ends on SIGPIPE, rather than panicking.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if stdout.write_fmt(args).is_err() {
        std::process::exit(141);
    }
}

/// Write to standard error, ignoring a closed stream.
pub(crate) fn write_stderr(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Print a diagnostic on standard error.
pub(crate) fn report(diagnostic: impl miette::Diagnostic + Send + Sync + 'static) {
    errln!("{:?}", miette::Report::new(diagnostic));
}

/// Run the command line and return the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => eval::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Functions(args) => functions::run(args),
        Command::Check(args) => check::run(args),
        Command::Docs(args) => docs::run(args),
        Command::Import(args) => schema::import(args),
        Command::Export(args) => schema::export(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Converge(args) => converge::run(args),
        Command::Live(args) => live::run(args),
        Command::Impact(args) => impact::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Eval) => ExitCode::from(1),
        Err(Failure::Input) => ExitCode::from(2),
        Err(Failure::Auth) => ExitCode::from(3),
        Err(Failure::Network) => ExitCode::from(4),
    }
}

/// Read a mapping that is about to be run, published or converted: a file that does not
/// load, or an expression that does not compile, is reported (pointing into the file) and
/// refused, so that nothing broken is run or written out as if it worked.
pub(crate) fn read_compiling_mapping(
    path: &std::path::Path,
) -> Result<crate::model::load::Loaded, Failure> {
    let loaded = crate::model::load::read(path).map_err(|e| {
        report(e);
        Failure::Input
    })?;
    if crate::model::load::report_expression_errors(&loaded, report) {
        return Err(Failure::Input);
    }
    Ok(loaded)
}

/// The request dialect a command was asked for (`--dialect`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DialectArg {
    /// Entra's default requests.
    Legacy,
    /// The `aadOptscim062020` requests.
    Compliant,
}

impl DialectArg {
    /// The dialect: `--dialect` when given, else the mapping's `dialect`, else `default` (the
    /// one Entra speaks to the tenant URL).
    pub(crate) fn resolve(
        arg: Option<DialectArg>,
        file: &crate::model::mapping::MappingFile,
        default: crate::model::mapping::Dialect,
    ) -> crate::model::mapping::Dialect {
        use crate::model::mapping::Dialect;
        match arg {
            Some(DialectArg::Legacy) => Dialect::Legacy,
            Some(DialectArg::Compliant) => Dialect::Compliant,
            None => file.dialect.unwrap_or(default),
        }
    }
}

/// `--now`: an RFC 3339 instant, or the system clock when absent.
pub(crate) fn parse_now(
    text: Option<&str>,
) -> Result<crate::expr::dotnet::datetime::DateTime, Failure> {
    use crate::expr::dotnet::datetime::DateTime;
    match text {
        Some(text) => DateTime::parse_rfc3339(text).ok_or_else(|| {
            errln!("error: --now {text:?} is not an RFC 3339 instant such as 2025-07-30T09:15:00Z");
            Failure::Input
        }),
        None => Ok(DateTime::system_now()),
    }
}

/// `--directory FILE`...: one snapshot per file, or the built-in sample directory when none
/// is given. A file that does not parse is reported and refused.
pub(crate) fn read_snapshots(
    paths: &[std::path::PathBuf],
) -> Result<Vec<crate::provision::directory::Directory>, Failure> {
    use crate::provision::directory;
    if paths.is_empty() {
        return Ok(vec![directory::sample()]);
    }
    paths
        .iter()
        .map(|p| directory::read(p))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            report(e);
            Failure::Input
        })
}

/// Read an expression argument: `-` means standard input.
pub(crate) fn expression_text(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut text = String::new();
    use std::io::Read;
    std::io::stdin()
        .take(crate::input::MAX_FILE_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| {
            errln!("error: cannot read the expression from standard input: {e}");
            Failure::Input
        })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

/// Write the output to `out` (atomically) or standard output, only once everything succeeded.
pub(crate) fn emit(out: Option<&std::path::Path>, text: &str) -> Result<(), Failure> {
    match out {
        Some(path) => write_atomically(path, text).map_err(|e| {
            errln!("error: cannot write {}: {e}", path.display());
            Failure::Eval
        }),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| {
                    errln!("error: cannot write to standard output: {e}");
                    Failure::Eval
                })
        }
    }
}

/// Write `text` to a temporary file next to `path`, then rename it over `path`: a rename
/// within one directory is atomic, so `path` is either the old file or the whole new one.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    write_atomically_with(path, |out| out.write_all(text.as_bytes()))
}

/// Stream into a temporary file next to `path` with `write`, then rename it over `path`.
pub(crate) fn write_atomically_with(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".entramap-{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
