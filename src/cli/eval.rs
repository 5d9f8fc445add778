//! `entramap eval`: evaluate expressions over a source user.

use std::path::PathBuf;

use serde_json::json;

use super::{Failure, expression_text, report};
use crate::expr::error::{Error, Located};
use crate::expr::{self, AttributeCheck, CompileOptions, Context, Outcome, graph, syntax};
use crate::input;
use crate::model::sample;
use crate::model::source::Record;

/// Arguments of `entramap eval`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The expression (`-` reads it from standard input). Without one, a set of sample
    /// expressions is evaluated.
    expression: Option<String>,
    /// The source user: a JSON or YAML map of attribute names to values (a list is
    /// multi-valued, null is absent). Default: a built-in sample user.
    #[arg(long, value_name = "FILE")]
    user: Option<PathBuf>,
    /// What Now() returns, RFC 3339 (default: the system clock).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Seed for Guid() and RandomString().
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// What DefaultDomain() returns.
    #[arg(long, value_name = "DOMAIN")]
    default_domain: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

pub(super) fn run(args: Args) -> Result<(), Failure> {
    let user = load_user(args.user.as_deref())?;
    let now = super::parse_now(args.now.as_deref())?;
    let mut ctx = Context::new(now, args.seed);
    ctx.default_domain = args.default_domain.clone();
    let names: Vec<&str> = user.names().collect();
    let options = CompileOptions {
        attributes: AttributeCheck::Catalog { extra: &names },
    };

    let Some(expression) = &args.expression else {
        return demo(&user, &ctx, &options, args.format);
    };
    let text = expression_text(expression)?;
    let result = evaluate(&text, &user, &ctx, &options);
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&result.json).expect("JSON")
        ),
        Format::Text => {
            if let Some(lines) = &result.text {
                for line in lines {
                    outln!("{line}");
                }
            }
        }
    }
    for w in &result.warnings {
        report(Located::warning(w, "expression", &text, 0));
    }
    if let Some(e) = &result.error {
        report(Located::error(e, "expression", &text, 0));
        // A text that does not parse or compile is bad input, like a malformed file; a
        // well-formed expression that fails on this user is an evaluation failure.
        return Err(if result.bad_input {
            Failure::Input
        } else {
            Failure::Eval
        });
    }
    if result.text.is_none() {
        errln!("{}", result.note);
    }
    Ok(())
}

fn demo(
    user: &Record,
    ctx: &Context,
    options: &CompileOptions<'_>,
    format: Format,
) -> Result<(), Failure> {
    let results: Vec<Evaluated> = sample::SAMPLE_EXPRESSIONS
        .iter()
        .map(|text| evaluate(text, user, ctx, options))
        .collect();
    match format {
        Format::Json => {
            let list: Vec<_> = results.iter().map(|r| r.json.clone()).collect();
            outln!("{}", serde_json::to_string_pretty(&list).expect("JSON"));
        }
        Format::Text => {
            outln!("# The built-in sample user (entramap eval --user FILE for your own):");
            for line in sample::SAMPLE_USER_YAML
                .lines()
                .filter(|l| !l.starts_with('#'))
            {
                outln!("#   {line}");
            }
            for (text, r) in sample::SAMPLE_EXPRESSIONS.iter().zip(&results) {
                outln!();
                outln!("{text}");
                match (&r.text, &r.error) {
                    (Some(lines), _) => lines.iter().for_each(|l| outln!("  => {l}")),
                    (None, Some(e)) => outln!("  => error {}: {}", e.kind.code(), e.message),
                    (None, None) => outln!("  => {}", r.note),
                }
            }
        }
    }
    if results.iter().any(|r| r.error.is_some()) {
        return Err(Failure::Eval);
    }
    Ok(())
}

/// One evaluation, in every shape the command prints.
struct Evaluated {
    json: serde_json::Value,
    text: Option<Vec<String>>,
    note: &'static str,
    error: Option<Error>,
    bad_input: bool,
    warnings: Vec<expr::Warning>,
}

fn evaluate(text: &str, user: &Record, ctx: &Context, options: &CompileOptions<'_>) -> Evaluated {
    let failed = |e: Error, tree: Option<&crate::expr::syntax::Expr>| {
        let parse_failed = tree.is_none();
        let phase = if parse_failed {
            Phase::Parse
        } else {
            Phase::Compile
        };
        Evaluated {
            json: json!({
                "expression": text,
                "parsingSucceeded": !parse_failed,
                "evaluationSucceeded": false,
                "evaluationResult": [],
                "dropped": false,
                "error": error_json(&e, phase),
                "parsedExpression": tree.map(graph::to_source),
                "warnings": [],
            }),
            text: None,
            note: "",
            error: Some(e),
            bad_input: true,
            warnings: Vec::new(),
        }
    };
    let tree = match syntax::parse(text) {
        Ok(tree) => tree,
        Err(e) => return failed(e.into(), None),
    };
    let program = match expr::compile::compile_tree(&tree, text, options) {
        Ok(p) => p,
        Err(e) => return failed(e, Some(&tree)),
    };
    let warnings: Vec<_> = program
        .warnings()
        .iter()
        .map(|w| json!({"code": w.code, "message": w.message, "start": w.span.start, "end": w.span.end}))
        .collect();
    // As Entra reads the user: a guest's userPrincipalName is its alias@theirdomain form.
    let user = crate::provision::assignment::EntraUser::reading(user);
    let (result, dropped, error, text_out, note) = match program.eval(&user, ctx) {
        Ok(Outcome::Value(v)) => {
            let strings = v.to_result_strings();
            let note = if v.is_null() {
                "(null: nothing flows)"
            } else {
                ""
            };
            let text_out = (!v.is_null()).then(|| strings.clone());
            (strings, false, None, text_out, note)
        }
        Ok(Outcome::Dropped) => (
            Vec::new(),
            true,
            None,
            None,
            "(dropped: IgnoreFlowIfNullOrEmpty removes the attribute from the flow)",
        ),
        Err(e) => (Vec::new(), false, Some(e), None, ""),
    };
    Evaluated {
        json: json!({
            "expression": text,
            "parsingSucceeded": true,
            "evaluationSucceeded": error.is_none(),
            "evaluationResult": result,
            "dropped": dropped,
            "error": error.as_ref().map(|e| error_json(e, Phase::Eval)),
            "parsedExpression": graph::to_source(&tree),
            "warnings": warnings,
        }),
        text: text_out,
        note,
        error,
        bad_input: false,
        warnings: program.warnings().to_vec(),
    }
}

/// When an error arose: the error kinds alone do not say (`invalid_regex` is a compile error for
/// a constant pattern and an evaluation error for a computed one).
#[derive(Clone, Copy)]
enum Phase {
    /// The text is not an expression.
    Parse,
    /// It parses, but the compiler refused it (unknown function, arity, constant arguments).
    Compile,
    /// It compiled; evaluating it over the user failed.
    Eval,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Parse => "parse",
            Phase::Compile => "compile",
            Phase::Eval => "eval",
        }
    }
}

fn error_json(e: &Error, phase: Phase) -> serde_json::Value {
    json!({
        "code": e.kind.code(),
        "phase": phase.name(),
        "message": e.message,
        "start": e.span.start,
        "end": e.span.end,
    })
}

fn load_user(path: Option<&std::path::Path>) -> Result<Record, Failure> {
    let Some(path) = path else {
        return Ok(sample::sample_user());
    };
    let text = input::read_text(path).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    let name = input::display_name(path);
    if let Some(record) = export_user(&name, &text)? {
        return Ok(record);
    }
    let value = input::parse_document(&name, &text).map_err(|e| {
        report(e);
        Failure::Input
    })?;
    let value = match crate::provision::export::single_graph_user(&value) {
        Some(user) => serde_json::Value::Object(crate::provision::export::source_user(&user)),
        None => value,
    };
    Record::from_json(&value).map_err(|e| {
        // Point at the offending key when the text shows it (as `key:` or `"key"`).
        let span = e.attribute.as_deref().and_then(|key| {
            [format!("\"{key}\""), format!("{key}:")]
                .iter()
                .find_map(|needle| text.find(needle.as_str()).map(|at| (at, at + needle.len())))
        });
        report(input::FileError::new(&name, &text, e.message, span).with_help(USER_SHAPES));
        Failure::Input
    })
}

/// The shapes `--user` accepts, for diagnostics.
const USER_SHAPES: &str = "a user file is a map of source attributes such as `mail: \
     a@contoso.com` or `proxyAddresses: [smtp:a@x.com]`, one Microsoft Graph user (`GET \
     /users/{id}`, camelCase, or PascalCase from `Get-MgUser | ConvertTo-Json`), or a Graph \
     `/users` response, JSON array or admin center CSV holding one user";

/// A `--user` file that is an export holding users (a Graph `/users` response or array, the
/// admin center's CSV): its one user, read with Graph's names mapped to source attributes.
/// `None` when the file is not such an export.
fn export_user(name: &str, text: &str) -> Result<Option<Record>, Failure> {
    use crate::provision::export;
    let body = input::strip_bom(text).trim_start();
    let directory = if export::looks_like_csv(body) {
        export::directory_from_csv(name, text)
    } else if body.starts_with('[') || body.starts_with('{') {
        let Ok(value) = input::parse_document(name, text) else {
            return Ok(None);
        };
        match export::graph_users(&value) {
            Some(users) => export::directory_from_graph(name, text, &users),
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    let directory = directory.map_err(|e| {
        report(e.with_help(USER_SHAPES));
        Failure::Input
    })?;
    match directory.users.len() {
        1 => Ok(directory.users.into_iter().next().map(|u| u.record)),
        n => {
            errln!(
                "error: {name} holds {n} users; `eval --user` evaluates one: keep one user in \
                 the file, or run `simulate --directory {name}` for all of them"
            );
            Err(Failure::Input)
        }
    }
}
