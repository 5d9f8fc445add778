//! `entramap converge`: does a mapping reach a steady state against its vendor model?

use std::path::PathBuf;

use super::report::{HtmlOut, ReportFormat};
use super::{DialectArg, Failure, ScopeArg, parse_now, read_compiling_mapping};
use crate::converge::{self, ConvergeOptions};

/// Arguments of `entramap converge`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping file (YAML, or a Graph synchronization schema in JSON).
    mapping: PathBuf,
    /// Generated directories per search.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    cases: u32,
    /// The generator's seed: the same seed gives the same report.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
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
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    format: ReportFormat,
    /// The clock of the first cycle, RFC 3339; later cycles run later. Default: a fixed
    /// instant, so that reports do not depend on when they run.
    #[arg(long, value_name = "RFC3339", default_value = "2025-01-01T00:00:00Z")]
    now: String,
    #[command(flatten)]
    out: HtmlOut,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    args.out.refuse_unless(args.format == ReportFormat::Html)?;
    let mut loaded = read_compiling_mapping(&args.mapping)?;
    ScopeArg::apply(args.scope, &mut loaded.file);
    let now = parse_now(Some(&args.now))?;
    let file = &loaded.file;
    let dialect = DialectArg::resolve(args.dialect, None, file);
    let options = ConvergeOptions {
        cases: args.cases,
        seed: args.seed,
        now,
    };
    let result = converge::converge(&loaded.name, file, dialect, &options).map_err(|e| {
        errln!("error: {}: {e}", loaded.name);
        Failure::Input
    })?;
    if args.format == ReportFormat::Html {
        let page = html_page(&args, &loaded, dialect, &result);
        args.out.write(&page)?;
        return if result.converged {
            Ok(())
        } else {
            Err(Failure::Eval)
        };
    }
    let text = match args.format {
        ReportFormat::Html => unreachable!("written above"),
        ReportFormat::Json => result.to_json(),
        ReportFormat::Human => {
            let mut command = format!(
                "entramap converge {} --cases {}",
                args.mapping.display(),
                args.cases
            );
            if let Some(d) = args.dialect {
                command.push_str(match d {
                    DialectArg::Legacy => " --dialect legacy",
                    DialectArg::Compliant => " --dialect compliant",
                });
            }
            if args.now != "2025-01-01T00:00:00Z" {
                command.push_str(&format!(" --now {}", args.now));
            }
            result.to_human(&command)
        }
    };
    super::emit(None, &text)?;
    if result.converged {
        Ok(())
    } else {
        Err(Failure::Eval)
    }
}

/// `--format html`: the header and `check`'s findings, then `converge`'s findings.
fn html_page(
    args: &Args,
    loaded: &crate::load::Loaded,
    dialect: crate::model::mapping::Dialect,
    result: &converge::report::ConvergeReport,
) -> crate::report::Page {
    use crate::report::{Header, Page, converge_sections};
    let mut header = Header::new(&args.mapping.display().to_string(), &loaded.file, dialect);
    header.snapshots = vec![format!(
        "{} generated directories from seed {}",
        args.cases, args.seed
    )];
    header.clock = Some(args.now.clone());
    header.reproduce = super::report::reproduce(&[]);
    Page {
        command: "converge".into(),
        header,
        findings: super::report::findings(loaded),
        cycles: Vec::new(),
        sections: converge_sections(result),
        objects: Vec::new(),
        mapping_rows: Default::default(),
    }
}
