//! Syntax trees as Microsoft Graph's `attributeMappingSource` JSON, the shape
//! `synchronizationSchema: parseExpression` returns and mapping schemas store.
//!
//! The shapes follow the trees the service itself stored in a Microsoft-generated Cloud Sync
//! schema (`tests/data/graph/cloud-sync-ad2aad.json`) and Graph's documented parseExpression
//! example: parameters keyed by the engine's names (`IIF`'s `one` ... `five`, `Left`'s
//! `source`/`length`, `BitAnd`'s `left`/`right`, Replace's `Find`), empty arguments left out,
//! constants quoted, and each node's `expression` rendered the way the service renders it.
//! Keys the evidence does not show are inferred; COMPATIBILITY.md lists which.

use serde_json::{Value as Json, json};

use super::builtins::{self, Builtin};
use super::print::{print_graph, write_string};
use super::syntax::{Expr, ExprKind};

/// The Graph tree of `expr`: empty arguments dropped, parameters keyed by the engine's names,
/// numeric constants quoted (Graph shows `Mid([upn], 1, 8)`'s `1` as `"\"1\""`), and every
/// node's `expression` re-rendered as the service renders it.
pub fn to_source(expr: &Expr) -> Json {
    match &expr.kind {
        ExprKind::Call { name, args, .. } => {
            let builtin = builtins::lookup(name);
            let mut parameters: Vec<Json> = Vec::with_capacity(args.len());
            for (i, arg) in args.iter().enumerate() {
                let Some(arg) = arg else { continue };
                match (builtin.map(|b| b.name), &arg.kind) {
                    // The service spreads an IIF's comparison over `one` (left), `two` (the
                    // operator, as a constant) and `three` (right).
                    (Some("IIF"), ExprKind::Compare { op, lhs, rhs }) if i == 0 => {
                        parameters.push(param("one", to_source(lhs)));
                        parameters.push(param("two", constant(op.symbol())));
                        parameters.push(param("three", to_source(rhs)));
                    }
                    _ => parameters.push(param(&key(builtin, args.len(), i), to_source(arg))),
                }
            }
            json!({
                "type": "Function",
                "name": builtin.map_or(name.as_str(), |b| b.name),
                "expression": print_graph(expr),
                "parameters": parameters,
            })
        }
        ExprKind::Attribute(name) => node("Attribute", name, format!("[{name}]")),
        ExprKind::Str(s) => constant(s),
        ExprKind::Number(n) => node("Constant", n, format!("\"{n}\"")),
        // `vbTextCompare`, and Cloud Sync macros: the service stores `%DomainFQDN%` as a
        // Constant whose expression is the bare macro.
        ExprKind::Ident(n) => node("Constant", n, n.clone()),
        // Outside IIF, no stored tree shows a comparison; this shape is our own (see
        // COMPATIBILITY.md).
        ExprKind::Compare { op, lhs, rhs } => json!({
            "type": "Function",
            "name": op.symbol(),
            "expression": print_graph(expr),
            "parameters": [
                param("left", to_source(lhs)),
                param("right", to_source(rhs)),
            ],
        }),
    }
}

/// The engine's key for argument `i` of a call with `n` argument slots.
fn key(builtin: Option<&'static Builtin>, n: usize, i: usize) -> String {
    let Some(b) = builtin else {
        return format!("arg{}", i + 1);
    };
    // FormatDateTime's older 3-argument form has no dateTimeStyles slot: its second argument
    // is the input format.
    if b.name == "FormatDateTime" && n == 3 {
        return ["source", "inputFormat", "outputFormat"][i].to_string();
    }
    b.param(i)
        .map_or_else(|| format!("arg{}", i + 1), |p| p.graph_key.to_string())
}

fn param(key: &str, value: Json) -> Json {
    json!({"key": key, "value": value})
}

fn constant(s: &str) -> Json {
    let mut quoted = String::new();
    write_string(s, &mut quoted);
    node("Constant", s, quoted)
}

fn node(kind: &str, name: &str, expression: String) -> Json {
    json!({"type": kind, "name": name, "expression": expression, "parameters": []})
}
