//! `entramap pull`: a tenant's provisioning job from Microsoft Graph, as `DIR/schema.json` and
//! `DIR/directory.json`, which `simulate`, `explain`-style commands, `converge` and `impact`
//! run on.
//!
//! Exit codes: 0 written (a schema with `check` findings too: they are printed); 1 Graph
//! answered an error other than 401/403 (the call and Graph's code are named), or writing
//! failed; 2 bad input (ids, URL, token variable, DIR); 3 Graph refused the credentials
//! (401/403, with the permission the call needs); 4 no HTTP answer; 130 interrupted. Nothing
//! is written unless every call succeeded.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Failure, check, interrupt, report};
use crate::live::{HttpOptions, LiveError, TenantUrl, Token};
use crate::pull::{self, Graph, PullError, PullOptions};

/// Arguments of `entramap pull`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The object id of the app's service principal (Enterprise applications > the app >
    /// Overview > Object ID).
    #[arg(long, value_name = "ID")]
    service_principal: String,
    /// The provisioning job's id; needed only when the app has several jobs.
    #[arg(long, value_name = "ID")]
    job_id: Option<String>,
    /// Microsoft Graph's root URL (https://, or http:// on loopback only).
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com"
    )]
    graph_url: String,
    /// The environment variable holding a Microsoft Graph access token (never the token
    /// itself).
    #[arg(long, value_name = "VAR", default_value = "ENTRAMAP_GRAPH_TOKEN")]
    token_env: String,
    /// "Sync all users and groups": read every user (and, when the job provisions groups,
    /// every group), not only those assigned to the app.
    #[arg(long)]
    all_users: bool,
    /// The directory to write `schema.json` and `directory.json` into (created when missing;
    /// files already in it are replaced).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seconds one request may take, connecting included.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
}

/// The token in `var`, read as `live` reads its own; an error names the variable and how to
/// get a Microsoft Graph token, never a value.
fn token_from_env(var: &str) -> Result<Token, Failure> {
    let how = "get one with `az account get-access-token --resource https://graph.microsoft.com \
               --query accessToken -o tsv`, or from Microsoft Graph PowerShell as README.md \
               shows (\"Your tenant in one command\")";
    Token::from_env(var).map_err(|e| {
        match e {
            // `live`'s words name the app's SCIM bearer token; this one is Graph's.
            LiveError::TokenEmpty { var } => errln!(
                "error: environment variable {var} is empty: put a Microsoft Graph access token \
                 in it; {how}"
            ),
            LiveError::TokenNotSet { var } => errln!(
                "error: environment variable {var} is not set: export a Microsoft Graph access \
                 token in it (never on the command line, where shells and process lists keep \
                 it); {how}"
            ),
            other => errln!("error: {other}"),
        }
        Failure::Input
    })
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    // Every input is checked before the first request.
    let url = TenantUrl::parse(&args.graph_url).map_err(|e| {
        errln!(
            "error: --graph-url: {}",
            e.message.replacen("tenant URL", "URL", 1)
        );
        Failure::Input
    })?;
    if url.query().is_some() {
        errln!(
            "error: --graph-url {}: give the root URL, without a query",
            args.graph_url
        );
        return Err(Failure::Input);
    }
    let token = token_from_env(&args.token_env)?;
    check_out_dir(&args.out).map_err(|e| {
        errln!("error: --out {}: {e}", args.out.display());
        Failure::Input
    })?;
    let options = PullOptions {
        service_principal: args.service_principal.clone(),
        job_id: args.job_id.clone(),
        all_users: args.all_users,
    };
    if let Err(e) = interrupt::install() {
        errln!("warning: Ctrl-C will stop pull at once (no handler: {e})");
    }
    let mut graph = Graph::new(
        url,
        token,
        HttpOptions {
            timeout: Duration::from_secs(args.timeout),
            ..HttpOptions::default()
        },
    );
    let pulled = pull::pull(
        &mut graph,
        &options,
        &mut |line| errln!("pull: {line}"),
        &interrupt::requested,
    )
    .map_err(|e| {
        if matches!(e, PullError::Interrupted) {
            return super::interrupted("nothing was written");
        }
        errln!("error: {e}");
        errln!("nothing was written to {}", args.out.display());
        if e.is_auth() {
            Failure::Auth
        } else if e.is_network() {
            Failure::Network
        } else if matches!(e, PullError::Input(_)) {
            Failure::Input
        } else {
            Failure::Eval
        }
    })?;
    let schema_text = pretty(&pulled.schema);
    let directory_text = pretty(&crate::provision::directory::to_json(&pulled.directory));
    write_dir(
        &args.out,
        &[
            ("schema.json", &schema_text),
            ("directory.json", &directory_text),
        ],
    )
    .map_err(|e| {
        errln!("error: cannot write {}: {e}", args.out.display());
        // As every `--out` (cli::out_failure): 2, never the 1 of an error Graph answered.
        Failure::Input
    })?;
    let schema_path = args.out.join("schema.json");
    let directory_path = args.out.join("directory.json");
    outln!(
        "wrote {} (job {}) and {}: {} and {} ({} requests, {} throttled)",
        schema_path.display(),
        pulled.job_id,
        directory_path.display(),
        count(pulled.directory.users.len(), "user"),
        count(pulled.directory.groups.len(), "group"),
        pulled.stats.sent,
        pulled.stats.throttled
    );
    if pulled.not_found > 0 {
        errln!(
            "warning: {} assigned users are not in Graph any more (deleted since they were \
             assigned?): left out of directory.json",
            pulled.not_found
        );
    }
    for name in &pulled.not_read {
        errln!(
            "warning: the mapping reads `{name}`, which entramap cannot read from Graph \
             (docs/graph-users.md lists the attributes it can): it is absent in directory.json"
        );
    }
    let scope = if args.all_users { " --scope all" } else { "" };
    // A real tenant's schema may have what `check` reports: it is written as Graph holds it,
    // and the findings say what to fix before `simulate` runs it.
    let name = schema_path.display().to_string();
    match crate::load::parse(&name, &schema_text) {
        Ok(loaded) => match crate::check::gate(&loaded) {
            Ok(warnings) => {
                check::print_findings(&loaded, &warnings);
                outln!(
                    "next: entramap simulate {} --directory {}{scope}",
                    schema_path.display(),
                    directory_path.display()
                );
            }
            Err(refused) => {
                check::print_findings(&loaded, &refused.report);
                errln!(
                    "warning: {name} is written as Graph holds it, but `simulate`, `converge` \
                     and `impact` refuse it until the errors above are fixed (fix them in a \
                     copy, or `entramap import {name} --out app.yaml` and fix the YAML)"
                );
            }
        },
        Err(e) => {
            report(e);
            errln!("warning: {name} is written as Graph returned it, but entramap cannot run it");
        }
    }
    Ok(())
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Why `--out` cannot take or could not take the two files.
#[derive(Debug, thiserror::Error)]
enum OutDirError {
    /// `--out` names a file.
    #[error("exists and is not a directory")]
    NotADirectory,
    /// `--out` does not exist, and neither does the directory it would be created in.
    #[error("its parent {} is not a directory", .0.display())]
    NoParent(PathBuf),
    /// `--out` names no directory (`/`, `..`).
    #[error("the path names no directory")]
    NoName,
    /// A file could not be replaced in an existing `--out`.
    #[error("{}: {source}", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: super::OutError,
    },
    /// Reading `--out`, or writing the new directory, failed.
    #[error("{}", super::io_message(.0))]
    Io(std::io::Error),
}

/// `--out` must be a directory or not exist yet (its parent existing).
fn check_out_dir(dir: &Path) -> Result<(), OutDirError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(OutDirError::NotADirectory),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = parent_of(dir);
            if parent.is_dir() {
                Ok(())
            } else {
                Err(OutDirError::NoParent(parent))
            }
        }
        Err(e) => Err(OutDirError::Io(e)),
    }
}

fn parent_of(dir: &Path) -> PathBuf {
    match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Write `files` into `dir`. A new directory is written in full under a temporary name next to
/// it and renamed into place, so it appears complete or not at all; into an existing one,
/// each file is written to a temporary file and renamed over the old one.
fn write_dir(dir: &Path, files: &[(&str, &str)]) -> Result<(), OutDirError> {
    if dir.is_dir() {
        for (name, text) in files {
            let path = dir.join(name);
            super::write_atomically_with(&path, |out| {
                use std::io::Write;
                out.write_all(text.as_bytes())
            })
            .map_err(|source| OutDirError::File {
                path: path.clone(),
                source,
            })?;
        }
        return Ok(());
    }
    let base = dir.file_name().ok_or(OutDirError::NoName)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(base);
    tmp_name.push(format!(".entramap-{}.tmp", std::process::id()));
    let tmp = parent_of(dir).join(tmp_name);
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir(&tmp)?;
        for (name, text) in files {
            std::fs::write(tmp.join(name), text)?;
        }
        std::fs::rename(&tmp, dir)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(OutDirError::Io(e));
    }
    Ok(())
}
