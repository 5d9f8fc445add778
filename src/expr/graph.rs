//! Syntax trees as Microsoft Graph's `attributeMappingSource` JSON, the shape
//! `synchronizationSchema: parseExpression` returns and mapping schemas store.

use serde_json::{Value as J, json};

use super::builtins;
use super::print::{print, write_string};
use super::syntax::{Expr, ExprKind};

/// The Graph tree of `expr`: empty arguments dropped, parameters keyed by the engine's names,
/// numeric constants quoted (Graph shows `Mid([upn], 1, 8)`'s `1` as `"\"1\""`), and every
/// node's `expression` re-rendered canonically.
pub fn to_source(expr: &Expr) -> J {
    match &expr.kind {
        ExprKind::Call { name, args, .. } => {
            let builtin = builtins::lookup(name);
            let parameters: Vec<J> = args
                .iter()
                .enumerate()
                .filter_map(|(i, arg)| {
                    let arg = arg.as_ref()?;
                    let key = builtin
                        .and_then(|b| b.param(i))
                        .map_or_else(|| format!("arg{}", i + 1), |p| p.graph_key.to_string());
                    Some(json!({"key": key, "value": to_source(arg)}))
                })
                .collect();
            json!({
                "type": "Function",
                "name": builtin.map_or(name.as_str(), |b| b.name),
                "expression": print(expr, true),
                "parameters": parameters,
            })
        }
        ExprKind::Attribute(name) => node("Attribute", name, format!("[{name}]")),
        ExprKind::Str(s) => {
            let mut quoted = String::new();
            write_string(s, &mut quoted);
            node("Constant", s, quoted)
        }
        ExprKind::Number(n) => node("Constant", n, format!("\"{n}\"")),
        ExprKind::Ident(n) => node("Constant", n, n.clone()),
        // Graph documents no node type for comparisons; this shape is our own (see
        // COMPATIBILITY.md).
        ExprKind::Compare { op, lhs, rhs } => json!({
            "type": "Function",
            "name": op.symbol(),
            "expression": print(expr, true),
            "parameters": [
                {"key": "left", "value": to_source(lhs)},
                {"key": "right", "value": to_source(rhs)},
            ],
        }),
    }
}

fn node(kind: &str, name: &str, expression: String) -> J {
    json!({"type": kind, "name": name, "expression": expression, "parameters": []})
}
