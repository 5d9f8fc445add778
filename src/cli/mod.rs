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
mod explain;
mod fmt;
mod functions;
mod impact;
mod interrupt;
mod live;
mod progress;
mod pull;
#[cfg(feature = "html")]
mod report;
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
    /// Why one user or group is (not) provisioned: Provision on demand, offline.
    Explain(explain::Args),
    /// Generate a deterministic directory snapshot of N users (streamed), for load tests.
    Sample(sample::Args),
    /// Check that a mapping reaches a steady state, or show the smallest directory that does
    /// not (exit 1).
    Converge(converge::Args),
    /// Run Entra's cycle against a real SCIM endpoint and report where the app disagrees.
    Live(live::Args),
    /// Read an app's provisioning job and the users and groups it reads from Microsoft Graph
    /// (GET only) into DIR/schema.json and DIR/directory.json.
    Pull(pull::Args),
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
    /// Ctrl-C or SIGTERM stopped the command at a safe point (exit 130, as a shell reports
    /// a program ended by SIGINT).
    Interrupted,
}

/// Write to standard output; a reader that went away (a closed pipe) ends the program, as a
/// Unix tool ends on SIGPIPE, rather than panicking; any other failure (a full disk) is
/// reported and ends it with exit 1.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        drop(stdout);
        let _ = stdout_failure(e);
        std::process::exit(1);
    }
}

/// What a failed write to standard output means: a reader that went away (`| head`) ends the
/// program quietly with 141, as SIGPIPE would (Rust ignores SIGPIPE, so it is said here);
/// any other error (`>/dev/full`) is reported, because the output is lost, and fails the
/// command (exit 1).
pub(crate) fn stdout_failure(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    errln!("error: cannot write to standard output: {}", io_message(&e));
    Failure::Eval
}

/// An I/O error as a sentence, without the `(os error 28)` the user cannot act on.
pub(crate) fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => text
            .strip_suffix(&format!(" (os error {code})"))
            .unwrap_or(&text)
            .to_string(),
        None => text,
    }
}

/// The end of a command stopped by Ctrl-C or SIGTERM at a safe point: one line on stderr,
/// exit 130.
pub(crate) fn interrupted(what: &str) -> Failure {
    errln!("entramap: interrupted; {what}");
    Failure::Interrupted
}

/// Write to standard error, ignoring a closed stream.
pub(crate) fn write_stderr(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// Print a diagnostic on standard error, its source clipped to a window around each label
/// (a minified file is one long line).
pub(crate) fn report(diagnostic: impl miette::Diagnostic + Send + Sync + 'static) {
    errln!("{}", crate::snippet::render(diagnostic));
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
        Command::Explain(args) => explain::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Converge(args) => converge::run(args),
        Command::Live(args) => live::run(args),
        Command::Impact(args) => impact::run(args),
        Command::Pull(args) => pull::run(args),
    };
    // Whatever `out!` left in the buffer is written now, so that a failure to write it (a full
    // disk) is reported instead of lost when the program exits.
    let result = match (result, std::io::stdout().flush()) {
        (Ok(()), Err(e)) => Err(stdout_failure(e)),
        (result, _) => result,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Eval) => ExitCode::from(1),
        Err(Failure::Input) => ExitCode::from(2),
        Err(Failure::Auth) => ExitCode::from(3),
        Err(Failure::Network) => ExitCode::from(4),
        Err(Failure::Interrupted) => ExitCode::from(interrupt::EXIT_CODE),
    }
}

/// Read a mapping that is about to be run or published, through the validation gate
/// ([`crate::check::gate`]): a file that does not load is reported and refused, and so is a
/// mapping `check` finds errors in, with the very diagnostics `check` prints. Warnings are
/// printed here, once, before the command runs.
pub(crate) fn read_compiling_mapping(
    path: &std::path::Path,
) -> Result<crate::load::Loaded, Failure> {
    let loaded = crate::load::read(path).map_err(|e| {
        report(e);
        Failure::Input
    })?;
    match crate::check::gate(&loaded) {
        Ok(warnings) => {
            check::print_findings(&loaded, &warnings);
            Ok(loaded)
        }
        Err(refused) => {
            check::print_findings(&loaded, &refused.report);
            errln!("error: {refused}");
            Err(Failure::Input)
        }
    }
}

/// Read a mapping that is about to be converted (`export`): conversion does not refuse what
/// `check` reports, it warns, since the converted file is as fixable as the original. An
/// expression that does not compile is still refused: its tree cannot be written faithfully.
pub(crate) fn read_convertible_mapping(
    path: &std::path::Path,
) -> Result<crate::load::Loaded, Failure> {
    let loaded = crate::load::read(path).map_err(|e| {
        report(e);
        Failure::Input
    })?;
    if crate::load::report_expression_errors(&loaded, report) {
        return Err(Failure::Input);
    }
    warn_check_errors(&loaded);
    Ok(loaded)
}

/// For conversions: show `check`'s errors in a mapping, and say that they are kept.
/// Warnings alone are not shown, since converting runs nothing.
pub(crate) fn warn_check_errors(loaded: &crate::load::Loaded) {
    if let Err(refused) = crate::check::gate(loaded) {
        let mut errors = refused.report;
        errors
            .findings
            .retain(|f| f.severity() == crate::check::CheckSeverity::Error);
        check::print_findings(loaded, &errors);
        errln!(
            "warning: {}: converted as it is, but `simulate`, `converge`, `docs` and `live` refuse \
             it until `entramap check` finds no error",
            loaded.name
        );
    }
}

/// The request dialect a command was asked for (`--dialect`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DialectArg {
    /// Entra's default requests.
    Legacy,
    /// The `aadOptscim062020` requests; `--dialect aadOptscim062020` means this too.
    #[value(alias = "aadOptscim062020", alias = "aadoptscim062020")]
    Compliant,
}

impl DialectArg {
    /// The dialect this argument names.
    pub(crate) fn dialect(self) -> crate::model::mapping::Dialect {
        use crate::model::mapping::Dialect;
        match self {
            DialectArg::Legacy => Dialect::Legacy,
            DialectArg::Compliant => Dialect::Compliant,
        }
    }

    /// The dialect of a run, by the one rule of [`crate::model::dialect::resolve`]: `--dialect`,
    /// then the flag on `run_url` (`live`'s `--url`), then the mapping's `dialect:`, then the
    /// flag on its `tenant_url`, then legacy. Two sources that disagree give one warning.
    pub(crate) fn resolve(
        arg: Option<DialectArg>,
        run_url: Option<&str>,
        file: &crate::model::mapping::MappingFile,
    ) -> crate::model::mapping::Dialect {
        let resolved = crate::model::dialect::resolve(arg.map(DialectArg::dialect), run_url, file);
        if let Some(warning) = resolved.warning() {
            errln!("warning: {warning}");
        }
        resolved.dialect
    }
}

/// `--scope`: the job's "Scope" setting for this run, over the mapping's `settings.scope`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeArg {
    /// "Sync only assigned users and groups".
    Assigned,
    /// "Sync all users and groups".
    All,
}

impl ScopeArg {
    /// Apply `--scope`, when given, to the mapping's settings.
    pub(crate) fn apply(arg: Option<ScopeArg>, file: &mut crate::model::mapping::MappingFile) {
        use crate::model::mapping::SyncScope;
        match arg {
            Some(ScopeArg::Assigned) => file.settings.scope = SyncScope::Assigned,
            Some(ScopeArg::All) => file.settings.scope = SyncScope::All,
            None => {}
        }
    }
}

/// `--now`: an RFC 3339 instant, or the system clock when absent.
pub(crate) fn parse_now(text: Option<&str>) -> Result<crate::dotnet::datetime::DateTime, Failure> {
    use crate::dotnet::datetime::DateTime;
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
    let mut told = false;
    paths
        .iter()
        .map(|p| {
            let (snapshot, shape) = directory::read_shaped(p)?;
            // An export has no assignment data: said once, for the first such file.
            if let (false, Some(note)) = (told, shape.note(&crate::input::display_name(p))) {
                errln!("note: {note}");
                told = true;
            }
            Ok(snapshot)
        })
        .collect::<Result<_, _>>()
        .map_err(|e: crate::input::FileError| {
            report(e);
            Failure::Input
        })
}

/// Read an expression argument: `-` means standard input.
pub(crate) fn expression_text(arg: &str) -> Result<String, Failure> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let text = crate::input::read_text(std::path::Path::new("-")).map_err(|e| {
        errln!("error: cannot read the expression: {e}");
        Failure::Input
    })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

/// Write the output to `out` or standard output, only once everything succeeded: a regular
/// file is replaced atomically, anything else is written into (see [`write_atomically_with`]).
pub(crate) fn emit(out: Option<&std::path::Path>, text: &str) -> Result<(), Failure> {
    match out {
        Some(path) => write_atomically(path, text).map_err(|e| out_failure(path, e)),
        None => {
            let mut stdout = std::io::stdout().lock();
            let result = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
            drop(stdout);
            result.map_err(stdout_failure)
        }
    }
}

/// Report why `--out` could not be written, naming the path. Either way it is exit 2, the
/// code of a command that could not do what it was asked (bad input or usage), never 1: a
/// script that accepts 1 ("an object failed, the output written") must not take a missing
/// file for a written one.
pub(crate) fn out_failure(path: &std::path::Path, e: OutError) -> Failure {
    errln!("error: cannot write {}: {e}", path.display());
    Failure::Input
}

/// Why an output file could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutError {
    /// The path names something output must not go into or replace: a directory, a block
    /// device, a socket, a loop of symbolic links.
    #[error("{0}")]
    Refused(String),
    /// Opening, writing or renaming failed.
    #[error("{}", io_message(.0))]
    Io(#[from] std::io::Error),
}

/// Write `text` to `path` as [`write_atomically_with`] does.
fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), OutError> {
    write_atomically_with(path, |out| out.write_all(text.as_bytes()))
}

/// The command-line argument, other than the output's own, that names the same file as
/// `output` (links followed): an input the run reads (`simulate m.yaml --out m.yaml`) or a
/// second output (`--log x --out x`). Found by the file's identity, so `./m.yaml`, an absolute
/// path or a link to it are the same file. The output's own argument is one of the matches,
/// so a second one is the clash. `--flag=value` is read as its value.
fn named_elsewhere(output: &std::fs::Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let same = |arg: &std::ffi::OsStr| {
            std::fs::metadata(arg)
                .is_ok_and(|m| m.is_file() && m.dev() == output.dev() && m.ino() == output.ino())
        };
        let mut matches = std::env::args_os().skip(1).filter_map(|arg| {
            let value = match arg.to_str().and_then(|a| a.strip_prefix("--")) {
                Some(flag) => flag.split_once('=').map_or(arg.clone(), |(_, v)| v.into()),
                None => arg.clone(),
            };
            same(&value).then(|| value.to_string_lossy().into_owned())
        });
        let _own = matches.next()?;
        matches.next()
    }
    #[cfg(not(unix))]
    {
        let _ = output;
        None
    }
}

/// Where an output goes, once the path's symbolic links are followed.
enum Destination {
    /// A regular file, or nothing yet: written next to it, then renamed over it. A rename
    /// within one directory is atomic, so the file is either the old one or the whole new one.
    Replace {
        path: std::path::PathBuf,
        existing: Option<std::fs::Metadata>,
    },
    /// What a rename must never replace: a FIFO or a character device (`/dev/null`), or a
    /// descriptor the shell opened (`/dev/stdout`). Written into, as a shell's `>` does.
    Into {
        path: std::path::PathBuf,
        append: bool,
    },
}

/// Links followed before giving up, as the kernel's ELOOP limit.
const MAX_LINKS: usize = 40;

/// Follow `path`'s symbolic links to what the output must go into. The links themselves are
/// kept: replacing a link with a file would silently detach whatever it pointed to.
fn destination(path: &std::path::Path) -> Result<Destination, OutError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&current) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Destination::Replace {
                    path: current,
                    existing: None,
                });
            }
            Err(e) => return Err(e.into()),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(&current)?;
            let dir = match current.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => std::fs::canonicalize(dir)?,
                _ => std::env::current_dir()?,
            };
            // A link in /proc (`/dev/stdout` -> /proc/self/fd/1) stands for an open
            // descriptor: its target may be a pipe with no path, or a file the shell opened
            // for appending, so it is written through, never replaced.
            if dir.starts_with("/proc") {
                return Ok(Destination::Into {
                    path: current,
                    append: true,
                });
            }
            current = dir.join(target);
            continue;
        }
        if kind.is_file() {
            if let Some(arg) = named_elsewhere(&meta) {
                return Err(OutError::Refused(format!(
                    "it is also `{arg}` on the command line, which this run reads or writes \
                     another output to; replacing it would lose that file (name another path)"
                )));
            }
            return Ok(Destination::Replace {
                path: current,
                existing: Some(meta),
            });
        }
        if kind.is_dir() {
            return Err(OutError::Refused("it is a directory".into()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_fifo() || kind.is_char_device() {
                return Ok(Destination::Into {
                    path: current,
                    append: false,
                });
            }
            if kind.is_block_device() {
                return Err(OutError::Refused(
                    "it is a block device (a disk), which output never goes into".into(),
                ));
            }
        }
        return Err(OutError::Refused("it is not a regular file".into()));
    }
    Err(OutError::Refused(format!(
        "more than {MAX_LINKS} symbolic links to follow (a loop?)"
    )))
}

/// Stream the output into `path` with `write`. A regular file (or a new one) is written to a
/// temporary file next to it, with the old file's mode and owner (where the process may set
/// it), then renamed over it, so it is never half-written, and a failed `write` (including
/// one stopped by an interrupt) leaves no temporary file. A symbolic link is followed and its
/// target written. A FIFO, a character device or an open descriptor (`/dev/stdout`) is written
/// into directly.
pub(crate) fn write_atomically_with(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), OutError> {
    match destination(path)? {
        Destination::Into { path, append } => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .append(append)
                .open(&path)?;
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
        Destination::Replace { path, existing } => replace(&path, existing.as_ref(), write),
    }
}

/// Write a temporary file next to `path`, then rename it over `path`.
fn replace(
    path: &std::path::Path,
    existing: Option<&std::fs::Metadata>,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), OutError> {
    let name = path
        .file_name()
        .ok_or_else(|| OutError::Refused("the path names no file".into()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".entramap-{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    // Left by an earlier process that had our id and was killed: ours to reuse. `create_new`
    // then never follows a link someone planted under that name.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if let Some(existing) = existing {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // The new text is never more readable than the old file, not even while written.
        options.mode(existing.permissions().mode() & 0o777);
    }
    let file = options.open(&tmp)?;
    let result = (|| {
        if let Some(existing) = existing {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                // Only root may give a file away; anyone else keeps the file as theirs.
                let _ =
                    std::os::unix::fs::fchown(&file, Some(existing.uid()), Some(existing.gid()));
            }
            // After the owner, since a change of owner clears the set-id bits; and exactly
            // the old mode, which the umask narrowed at creation.
            file.set_permissions(existing.permissions())?;
        }
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is ours and useless now.
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(result?)
}
