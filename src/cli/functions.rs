//! `entramap functions`: the builtin table, printed from the table itself.

use super::Failure;
use crate::expr::builtins::TABLE;

/// Arguments of `entramap functions`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    Text,
    Json,
    Markdown,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    match args.format {
        Format::Text => {
            let width = TABLE.iter().map(|b| b.signature().len()).max().unwrap_or(0);
            for b in TABLE {
                outln!("{:width$}  {}", b.signature(), b.summary);
            }
        }
        Format::Markdown => {
            outln!("| Function | Arguments | Summary |");
            outln!("| --- | --- | --- |");
            for b in TABLE {
                outln!("| `{}` | {} | {} |", b.signature(), arity(b), b.summary);
            }
        }
        Format::Json => {
            let list: Vec<_> = TABLE
                .iter()
                .map(|b| {
                    serde_json::json!({
                        "name": b.name,
                        "signature": b.signature(),
                        "minArguments": b.min,
                        "maxArguments": b.max,
                        "lazy": b.lazy,
                        "cloudSyncOnly": b.cloud_sync_only(),
                        "parameters": b.params.iter().map(|p| serde_json::json!({
                            "name": p.name,
                            "graphKey": p.graph_key,
                            "kind": p.kind.label(),
                            "optional": p.optional,
                        })).collect::<Vec<_>>(),
                        "summary": b.summary,
                    })
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&list).expect("JSON"));
        }
    }
    Ok(())
}

fn arity(b: &crate::expr::builtins::Builtin) -> String {
    match b.max {
        Some(m) if m == b.min => m.to_string(),
        Some(m) => format!("{}..{m}", b.min),
        None => format!("{}..", b.min),
    }
}
