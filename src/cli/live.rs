//! `entramap live`: run Entra's cycle against a real SCIM endpoint and report where the app will
//! disagree.
//!
//! Exit codes: 0 the app agrees with Entra; 1 it disagrees (a rejected request, a failed object,
//! a repeat cycle that still writes, a failed Test Connection) or `--cleanup` left something
//! behind; 2 bad input (mapping, directory, URL, token variable, options); 3 the app refused the
//! credentials (401/403); 4 no HTTP answer (connection refused, DNS, TLS, timeout).

use std::path::PathBuf;
use std::time::Duration;

use super::{DialectArg, Failure, parse_now, read_compiling_mapping, read_snapshots};
use crate::live::report::Verdict;
use crate::live::{self, HttpEndpoint, HttpOptions, Plan, TenantUrl, Token};
use crate::model::mapping::Dialect;
use crate::provision::transcript::{HttpWriter, Redactions};

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
    /// The request dialect. Default: the mapping's `dialect`, else the tenant URL's.
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// What Now() returns, RFC 3339 (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Seed for Guid(), RandomString(), Test Connection's random value and the default prefix
    /// (default: from the clock, so two runs do not share a prefix).
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
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
    let url = TenantUrl::parse(&args.url).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    let token = Token::from_env(&args.token_env).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    let loaded = read_compiling_mapping(&args.mapping)?;
    let file = &loaded.file;
    let snapshots = read_snapshots(&args.directory)?;
    let now = parse_now(args.now.as_deref())?;
    let seed = args.seed.unwrap_or_else(clock_seed);
    let prefix = args
        .prefix
        .clone()
        .unwrap_or_else(|| format!("entramap-{:08x}-", (mix(seed) >> 32) as u32));
    let url_dialect = Dialect::for_url(&url.display());
    let dialect = DialectArg::resolve(args.dialect, file, url_dialect);
    if args.dialect.is_none() && dialect != url_dialect {
        // Entra picks the dialect from the URL it is given; say so rather than guess which
        // of the two the user meant.
        errln!(
            "warning: the mapping says dialect {dialect:?} but Entra would speak {url_dialect:?} \
             to this tenant URL; running {dialect:?} (pass --dialect to choose)"
        );
    }
    let plan = Plan {
        file,
        dialect,
        url: url.display(),
        prefix,
        cycles: args.cycles.unwrap_or(snapshots.len() as u32 + 1),
        snapshots,
        cleanup: args.cleanup,
        now,
        seed,
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
    let result = live::run(&plan, endpoint, &mut |r| {
        if let Some(writer) = &mut transcript {
            let masked = redactions.mask(r);
            let r = masked.as_ref().map_or(*r, |m| m.apply(r));
            // Writing into a Vec cannot fail.
            let _ = writer.write(&r);
        }
    });
    let report = result.map_err(|e| {
        errln!("error: {}: {e}", loaded.name);
        Failure::Input
    })?;
    if let (Some(path), Some(writer)) = (&args.transcript, transcript) {
        let bytes = writer.finish().map_err(|_| Failure::Eval)?;
        super::emit(Some(path), &String::from_utf8_lossy(&bytes))?;
    }
    let text = match args.format {
        Format::Human => report.render(),
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&report).map_err(|e| {
                errln!("error: cannot serialise the report: {e}");
                Failure::Eval
            })?;
            json.push('\n');
            json
        }
    };
    super::emit(None, &text)?;
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
