//! `entramap live`: run Entra's cycle against a real SCIM endpoint and report where the app will
//! disagree.
//!
//! Exit codes: 0 the app agrees with Entra; 1 it disagrees (a rejected request, a failed object,
//! a repeat cycle that still writes, a failed Test Connection) or `--cleanup` left something
//! behind; 2 bad input (mapping, directory, URL, token variable, options); 3 the app refused the
//! credentials (401/403); 4 no HTTP answer (connection refused, DNS, TLS, timeout) or the
//! `--deadline` reached; 130 interrupted (SIGINT, SIGTERM), after the cleanup, the transcript
//! and the report.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::report::{HtmlOut, ReportFormat};
use super::{DialectArg, Failure, ScopeArg, parse_now, read_compiling_mapping, read_snapshots};
use crate::live::report::Verdict;
use crate::live::{self, HttpEndpoint, HttpOptions, LivePlan, Stop, TenantUrl, Token};
use crate::provision::log::LogOptions;
use crate::provision::output::{Both, LogOutput, Output};
use crate::provision::transcript::{HttpWriter, Redactions};
use crate::report::HtmlOutput;

/// Arguments of `entramap live`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping file (YAML, or a Graph synchronization schema in JSON).
    mapping: PathBuf,
    /// The app's SCIM base URL, as typed into Entra's Tenant URL (https://, or http:// on
    /// loopback only).
    #[arg(long, value_name = "TENANT_URL")]
    url: String,
    /// The environment variable holding the bearer token (never the token itself).
    #[arg(long, value_name = "VAR", default_value = "ENTRAMAP_TOKEN")]
    token_env: String,
    /// A directory snapshot (YAML or JSON), one per cycle; repeatable. Default: the built-in
    /// sample directory.
    #[arg(long, value_name = "FILE")]
    directory: Vec<PathBuf>,
    /// The request dialect (`aadOptscim062020` is another name for `compliant`). Default:
    /// `compliant` when --url has `?aadOptscim062020`, else the mapping's `dialect`, else
    /// `compliant` when its tenant_url has the flag, else `legacy`.
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// Which users and groups the job considers: `assigned` ("Sync only assigned users and
    /// groups") or `all` ("Sync all users and groups"). Default: the mapping's `settings.scope`.
    #[arg(long, value_enum, value_name = "SCOPE")]
    scope: Option<ScopeArg>,
    /// Cycles in total; the last snapshot repeats. Default: one per snapshot plus one repeat,
    /// which shows whether the app reaches a steady state. A repeat is a full cycle (run
    /// after a restart): an incremental one over unchanged data would send nothing.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    cycles: Option<u32>,
    /// Put in front of the ids and identifying values (userPrincipalName, mail, mailNickname,
    /// displayName) of the directory, so the run's objects are recognisable and do not
    /// collide on a shared server. Default: `entramap-` and 8 hex digits from the seed.
    #[arg(long, value_name = "TEXT")]
    prefix: Option<String>,
    /// Delete every object the run created, and check each is gone.
    #[arg(long)]
    cleanup: bool,
    /// Test each suggested cause of a rejection: send the rejected request again, on the run's
    /// own object, in the shape the cause names (a JSON Boolean, lower-case ops, the manager
    /// as `{"value": id}`, the compliant member removal, the create without an unknown
    /// extension), and call the cause confirmed only if the app accepts it. These are
    /// requests Entra would not send.
    #[arg(long)]
    probe: bool,
    /// Also write to pre-existing objects whose userName (users) or displayName (groups)
    /// starts with the prefix. Without it the run writes only to objects it created.
    #[arg(long)]
    adopt_prefixed: bool,
    /// Show every occurrence (each cycle's rejections, differences and refused answers), not
    /// only the findings.
    #[arg(long)]
    verbose: bool,
    /// Requests in flight at once. Only 1 is supported: Entra's cycle is ordered (users before
    /// their manager links, groups before memberships), and each step reads the last answer.
    #[arg(long, value_name = "N", default_value_t = 1)]
    concurrency: u32,
    /// Seconds one request may take, connecting included.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Write Entra's requests and the app's answers here, in the `.http` format of `simulate`
    /// (the token is written as `{{token}}`).
    #[arg(long, value_name = "FILE")]
    transcript: Option<PathBuf>,
    /// Write Entra's provisioning log of the run here (one provisioningObjectSummary per line,
    /// as `simulate --format log` writes it), from the app's real answers: compare it with the
    /// simulated log line by line.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// The longest the whole run may take (`90s`, `10m`, `1h`, `1h30m`). When it is reached,
    /// no more of Entra's requests are sent; `--cleanup` still runs, the transcript and the
    /// report are written, and the exit code is 4. Each request is bounded by --timeout.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    deadline: Duration,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// What Now() returns, RFC 3339 (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Seed for Guid(), RandomString(), Test Connection's random value and the default prefix
    /// (default: from the clock, so two runs do not share a prefix).
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    out: HtmlOut,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    // The deadline counts from the start: reading a large directory is part of the run.
    let start = Instant::now();
    // Every input is checked before the first request, so bad input never half-provisions.
    if args.concurrency != 1 {
        errln!(
            "error: --concurrency {} is not supported: live sends one request at a time, because \
             each step of Entra's cycle depends on the previous answer (ids from POST, links \
             before manager and membership PATCHes)",
            args.concurrency
        );
        return Err(Failure::Input);
    }
    args.out.refuse_unless(args.format == ReportFormat::Html)?;
    let url = TenantUrl::parse(&args.url).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    let token = Token::from_env(&args.token_env).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    if let Some(path) = &args.log {
        writable(path).map_err(|e| {
            errln!("error: --log {}: {e}", path.display());
            Failure::Input
        })?;
    }
    if let Some(path) = &args.transcript {
        writable(path).map_err(|e| {
            errln!("error: --transcript {}: {e}", path.display());
            Failure::Input
        })?;
    }
    let mut loaded = read_compiling_mapping(&args.mapping)?;
    ScopeArg::apply(args.scope, &mut loaded.file);
    let file = &loaded.file;
    let snapshots = read_snapshots(&args.directory)?;
    let now = parse_now(args.now.as_deref())?;
    let seed = args.seed.unwrap_or_else(clock_seed);
    let prefix = args
        .prefix
        .clone()
        .unwrap_or_else(|| format!("entramap-{:08x}-", (mix(seed) >> 32) as u32));
    if args.adopt_prefixed && prefix.is_empty() {
        errln!(
            "error: --adopt-prefixed with an empty --prefix would let the run write to every \
             account the app holds: give a --prefix"
        );
        return Err(Failure::Input);
    }
    let dialect = DialectArg::resolve(args.dialect, Some(&url.display()), file);
    let plan = LivePlan {
        file,
        dialect,
        url: url.display(),
        prefix,
        cycles: args.cycles.unwrap_or(snapshots.len() as u32 + 1),
        snapshots,
        cleanup: args.cleanup,
        now,
        seed,
        probe: args.probe,
        adopt_prefixed: args.adopt_prefixed,
        stop: Stop {
            interrupt: interrupt_flag(),
            deadline: Some(start + args.deadline),
        },
    };
    let base = url.base().to_owned();
    let endpoint = HttpEndpoint::new(
        url,
        token,
        HttpOptions {
            timeout: Duration::from_secs(args.timeout),
            ..HttpOptions::default()
        },
    );

    // The transcript is kept in memory and written once, atomically, like every other output.
    let redactions = Redactions::from_mapping(file);
    let mut transcript = match &args.transcript {
        Some(_) => Some(HttpWriter::new(Vec::new(), &base).map_err(|_| Failure::Eval)?),
        None => None,
    };
    // The log, like the transcript, is kept in memory and written once at the end.
    let mut log = args.log.as_ref().map(|_| {
        LogOutput::writing(
            Vec::new(),
            LogOptions {
                app: file.app.clone(),
                job_id: super::simulate::job_id(&file.app),
                redactions: redactions.clone(),
            },
        )
    });
    // The page's rows: every object of the snapshots as the app sees it (with the prefix),
    // with the provisioning log of what the app answered (the same entries as `--log`).
    let mut page = match args.format {
        ReportFormat::Html => {
            let mut page = super::report::page_output(&loaded.name, file, seed)?;
            for s in &plan.snapshots {
                page.add_directory(&live::prefix::apply(s, &plan.prefix));
            }
            Some(page)
        }
        _ => None,
    };
    let mut both;
    let output: Option<&mut dyn Output> = match (&mut log, &mut page) {
        (Some(log), Some(page)) => {
            both = Both {
                first: log,
                second: page,
            };
            Some(&mut both)
        }
        (Some(log), None) => Some(log),
        (None, Some(page)) => Some(page),
        (None, None) => None,
    };
    let result = live::session::run_logged(
        &plan,
        endpoint,
        &mut |r| {
            if let Some(writer) = &mut transcript {
                let masked = redactions.mask(r);
                let r = masked.as_ref().map_or(*r, |m| m.apply(r));
                // Writing into a Vec cannot fail.
                let _ = writer.write(&r);
            }
        },
        output,
    );
    let report = result.map_err(|e| {
        errln!("error: {}: {e}", loaded.name);
        Failure::Input
    })?;
    if let (Some(path), Some(mut log)) = (&args.log, log) {
        // Into memory: cannot fail.
        let _ = log.finish(true);
        super::emit(Some(path), &String::from_utf8_lossy(&log.into_inner()))?;
    }
    if let (Some(path), Some(writer)) = (&args.transcript, transcript) {
        let bytes = writer.finish().map_err(|_| Failure::Eval)?;
        super::emit(Some(path), &String::from_utf8_lossy(&bytes))?;
    }
    let text = match args.format {
        ReportFormat::Html => {
            let mut header =
                crate::report::Header::new(&args.mapping.display().to_string(), file, dialect);
            header.tenant_url = Some(plan.url.clone());
            header.snapshots = super::report::snapshot_names(&args.directory);
            let clock = super::report::clock(now);
            header.clock = Some(clock.clone());
            header.reproduce =
                super::report::reproduce(&[("--now", clock), ("--seed", seed.to_string())]);
            let (cycles, objects, mapping_rows) =
                page.take().map(HtmlOutput::into_views).unwrap_or_default();
            let page = crate::report::Page {
                command: "live".into(),
                header,
                findings: super::report::findings(&loaded),
                cycles,
                sections: crate::report::live_sections(&report),
                objects,
                mapping_rows,
            };
            args.out.write(&page)?;
            String::new()
        }
        ReportFormat::Human => report.render(args.verbose),
        ReportFormat::Json => {
            let json =
                serde_json::to_string_pretty(&report.to_json(args.verbose)).map_err(|e| {
                    errln!("error: cannot serialise the report: {e}");
                    Failure::Eval
                })?;
            let mut json = escape_terminal_controls(&json);
            json.push('\n');
            json
        }
    };
    if args.format != ReportFormat::Html {
        super::emit(None, &text)?;
    }
    match report.result {
        Verdict::AuthFailed => {
            if let Some(fault) = &report.fault {
                errln!(
                    "error: {fault} (the token is read from ${})",
                    args.token_env
                );
            }
            Err(Failure::Auth)
        }
        Verdict::NetworkError => {
            if let Some(fault) = &report.fault {
                errln!("error: {fault}");
            }
            Err(Failure::Network)
        }
        Verdict::DeadlineReached => {
            errln!(
                "error: the deadline ({}) was reached before the run ended; no more requests were \
                 sent (see the report; --deadline sets it)",
                humantime(args.deadline)
            );
            Err(Failure::Network)
        }
        Verdict::Interrupted => {
            errln!("error: interrupted; no more requests were sent (see the report)");
            // Everything is written and flushed: exit as an interrupted program does.
            std::process::exit(i32::from(super::interrupt::EXIT_CODE));
        }
        Verdict::Disagrees if report.disagrees() => {
            errln!("error: the app disagrees with what Entra sends (see the report)");
            Err(Failure::Eval)
        }
        Verdict::Disagrees => {
            errln!("error: --cleanup left objects behind (see the report)");
            Err(Failure::Eval)
        }
        Verdict::Agrees => Ok(()),
    }
}

/// JSON text with the characters a terminal acts on that serde leaves raw (DEL, C1 controls,
/// bidirectional overrides; it escapes C0 itself) written as `\uXXXX`: the same JSON value,
/// safe to print. Outside strings JSON text is ASCII, so every such character is in a string.
fn escape_terminal_controls(json: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if live::report::needs_escape(c) && !c.is_ascii_whitespace() {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// The interrupt flag, with SIGINT and SIGTERM caught from now on; none (the default action,
/// terminate) when the handlers cannot be installed, which is said.
fn interrupt_flag() -> Option<&'static std::sync::atomic::AtomicBool> {
    match super::interrupt::install() {
        Ok(()) => Some(super::interrupt::flag()),
        Err(e) => {
            errln!(
                "warning: cannot catch SIGINT/SIGTERM ({e}): an interrupt stops the run without \
                 cleanup, transcript or report"
            );
            None
        }
    }
}

/// Why an output file (`--log`, `--transcript`) could not be written where its path says.
#[derive(Debug, thiserror::Error)]
enum Unwritable {
    /// The path is a directory.
    #[error("is a directory")]
    IsDirectory,
    /// The directory the file would be written in is missing.
    #[error("its directory {} does not exist (or is not a directory)", .0.display())]
    NoDirectory(PathBuf),
    /// A file cannot be created in that directory.
    #[error("cannot write in {}: {source}", .dir.display())]
    Denied {
        /// The directory.
        dir: PathBuf,
        /// Why creating the probe failed.
        source: std::io::Error,
    },
}

/// Whether a file can be written at `path` the way outputs are (a temporary file beside it,
/// renamed over it): checked before the first request, so that a typo in the path does not
/// lose a run that already wrote to the app. Probes by creating and removing a temporary file.
fn writable(path: &Path) -> Result<(), Unwritable> {
    if path.is_dir() {
        return Err(Unwritable::IsDirectory);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Unwritable::NoDirectory(parent.to_path_buf()));
    }
    let probe = parent.join(format!(".entramap-probe-{}.tmp", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|source| Unwritable::Denied {
            dir: parent.to_path_buf(),
            source,
        })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Why a `--deadline` is refused; clap prints it after the option and the value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum DurationError {
    /// Not numbers with units.
    #[error("{0:?} is not a duration such as 90s, 10m, 1h or 1h30m")]
    NotADuration(String),
    /// A number without its unit at the end.
    #[error("{0:?} is not a duration such as 90s, 10m, 1h or 1h30m (the unit is required)")]
    NoUnit(String),
    /// More seconds than a `u64` holds.
    #[error("{0:?} is too long")]
    Overflow(String),
    /// Zero in total.
    #[error("the deadline must be at least 1s")]
    Zero,
    /// More than a week.
    #[error("{0:?} is longer than a week (168h)")]
    OverAWeek(String),
}

/// `--deadline`: one or more of a number and a unit (`s`, `m`, `h`), such as `90s`, `10m`,
/// `1h30m`; at least one second, at most a week.
fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(DurationError::NotADuration(text.to_owned())),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| DurationError::NotADuration(text.to_owned()))?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| DurationError::Overflow(text.to_owned()))?;
        digits.clear();
    }
    if !digits.is_empty() || text.trim().is_empty() {
        return Err(DurationError::NoUnit(text.to_owned()));
    }
    if total == 0 {
        return Err(DurationError::Zero);
    }
    if total > 7 * 24 * 3600 {
        return Err(DurationError::OverAWeek(text.to_owned()));
    }
    Ok(Duration::from_secs(total))
}

/// A duration as `--deadline` takes it.
fn humantime(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    out
}

/// A seed from the clock, for runs that do not pass `--seed`.
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// splitmix64's finaliser: spreads a seed over the prefix's digits.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_numbers_with_units_summed() {
        let secs = |t: &str| parse_duration(t).map(|d| d.as_secs());
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs("10m"), Ok(600));
        assert_eq!(secs(" 1h "), Ok(3600));
        assert_eq!(secs("1h30m5s"), Ok(5405));
        for bad in [
            "",
            "10",
            "1h30",
            "0s",
            "0h0m",
            "1d",
            "5 m",
            "169h",
            "99999999999999999999s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        // The words clap prints after `invalid value '...' for '--deadline <DURATION>'`.
        let message = |t: &str| parse_duration(t).unwrap_err().to_string();
        let forms = "a duration such as 90s, 10m, 1h or 1h30m";
        assert_eq!(message("1d"), format!("\"1d\" is not {forms}"));
        assert_eq!(message("m"), format!("\"m\" is not {forms}"));
        assert_eq!(
            message("1h30"),
            format!("\"1h30\" is not {forms} (the unit is required)")
        );
        assert_eq!(
            message("99999999999999999999s"),
            "\"99999999999999999999s\" is not a duration such as 90s, 10m, 1h or 1h30m"
        );
        assert_eq!(
            message("9999999999999999999h"),
            "\"9999999999999999999h\" is too long"
        );
        assert_eq!(message("0s"), "the deadline must be at least 1s");
        assert_eq!(message("169h"), "\"169h\" is longer than a week (168h)");
        assert_eq!(humantime(Duration::from_secs(5405)), "1h30m5s");
        assert_eq!(humantime(Duration::from_secs(2)), "2s");
    }
}
