//! `entramap check`: lint a mapping table before provisioning is switched on.

use std::path::PathBuf;

use super::report::HtmlOut;
use super::{Failure, report};
use crate::check;
use crate::load;

/// Arguments of `entramap check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The mapping file (entramap YAML or Microsoft Graph schema JSON, told apart by content).
    #[arg(required_unless_present = "lints")]
    mapping: Option<PathBuf>,
    /// Print the lint table (code, severity, why, fix) instead of checking a file: Markdown,
    /// or JSON with `--format json` (`sarif` and `html` are refused).
    #[arg(long, conflicts_with = "mapping")]
    lints: bool,
    /// Output format: diagnostics on standard error, a JSON / SARIF 2.1.0 document on
    /// standard output, or an HTML page (`--out FILE`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    out: HtmlOut,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Human,
    Json,
    Sarif,
    /// One self-contained HTML page: the mapping's header and each finding with the line it
    /// points at.
    Html,
}

/// `check --lints`: the lint table as Markdown or JSON. A SARIF log and the HTML page are
/// about a checked file, so those formats are refused (exit 2) rather than answered with the
/// Markdown a script would not expect.
fn lint_table(format: Format) -> Result<(), Failure> {
    match format {
        Format::Human => out!("{}", check::table::markdown()),
        Format::Json => print_json(&check::table::json()),
        Format::Sarif | Format::Html => {
            let name = if format == Format::Sarif {
                "sarif"
            } else {
                "html"
            };
            errln!(
                "error: check --lints prints the lint table as Markdown (--format human) or JSON \
                 (--format json); --format {name} is for checking a mapping file"
            );
            return Err(Failure::Input);
        }
    }
    Ok(())
}

/// Exit 0 when there are no errors (warnings allowed), 1 with errors, 2 when the file cannot
/// be read or parsed.
pub(super) fn run(args: Args) -> Result<(), Failure> {
    args.out.refuse_unless(args.format == Format::Html)?;
    let Some(path) = &args.mapping else {
        return lint_table(args.format);
    };
    let loaded = match load::read(path) {
        Ok(loaded) => loaded,
        Err(e) => {
            // Tools reading JSON or SARIF get the failure as a finding too.
            let unreadable =
                check::CheckReport::unreadable(&crate::input::display_name(path), e.to_string());
            match args.format {
                Format::Human | Format::Html => {}
                Format::Json => print_json(&unreadable.to_json()),
                Format::Sarif => print_json(&unreadable.to_sarif()),
            }
            report(e);
            return Err(Failure::Input);
        }
    };
    let result = check::check(&loaded);
    match args.format {
        Format::Human => {
            if result.findings.is_empty() {
                errln!("{}: {}", result.file, result.summary());
            } else {
                print_findings(&loaded, &result);
            }
        }
        Format::Json => print_json(&result.to_json()),
        Format::Sarif => print_json(&result.to_sarif()),
        Format::Html => args.out.write(&html_page(path, &loaded, &result))?,
    }
    if result.has_errors() {
        Err(Failure::Eval)
    } else {
        Ok(())
    }
}

fn print_json(value: &serde_json::Value) {
    outln!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON values always serialize")
    );
}

/// `check`'s human output on standard error: one diagnostic per finding, then the count.
/// The validation gate of the other commands prints through this too, so that a refused
/// mapping shows exactly what `check` shows. Nothing is printed for an empty report.
pub(super) fn print_findings(loaded: &load::Loaded, result: &check::CheckReport) {
    if result.findings.is_empty() {
        return;
    }
    for diagnostic in result.diagnostics(&loaded.text) {
        report(diagnostic);
    }
    errln!("{}: {}", result.file, result.summary());
}

/// `--format html`: the mapping's header and `check`'s findings.
fn html_page(
    path: &std::path::Path,
    loaded: &load::Loaded,
    result: &check::CheckReport,
) -> crate::report::Page {
    use crate::report::{Header, Page, check_findings};
    let dialect = super::DialectArg::resolve(None, None, &loaded.file);
    let mut header = Header::new(&path.display().to_string(), &loaded.file, dialect);
    header.reproduce = super::report::reproduce(&[]);
    Page {
        command: "check".into(),
        header,
        findings: check_findings(result, &loaded.text),
        cycles: Vec::new(),
        sections: Vec::new(),
        objects: Vec::new(),
        mapping_rows: Default::default(),
    }
}
