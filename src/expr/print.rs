//! The canonical printer: syntax tree back to text that parses to the same tree.

use super::builtins;
use super::syntax::{Expr, ExprKind};

/// Print `expr` canonically: one space after each comma, empty slots kept (`Switch([x], , "a",
/// "b")`), spaces around comparison operators, strings re-escaped. Function names keep their
/// spelling unless `canonical_names` asks for Microsoft's.
pub fn print(expr: &Expr, canonical_names: bool) -> String {
    let mut out = String::new();
    write(expr, canonical_names, &mut out);
    out
}

fn write(expr: &Expr, canonical_names: bool, out: &mut String) {
    match &expr.kind {
        ExprKind::Call { name, args, .. } => {
            let name = match builtins::lookup(name) {
                Some(b) if canonical_names => b.name,
                _ => name.as_str(),
            };
            out.push_str(name);
            out.push('(');
            for (i, arg) in args.iter().enumerate() {
                // Graph re-renders this way too: `Replace([x], "-", , , "_", , )`.
                if i > 0 {
                    out.push_str(", ");
                }
                if let Some(arg) = arg {
                    write(arg, canonical_names, out);
                }
            }
            out.push(')');
        }
        ExprKind::Attribute(name) => {
            out.push('[');
            out.push_str(name);
            out.push(']');
        }
        ExprKind::Str(s) => write_string(s, out),
        ExprKind::Number(n) | ExprKind::Ident(n) => out.push_str(n),
        ExprKind::Compare { op, lhs, rhs } => {
            write(lhs, canonical_names, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write(rhs, canonical_names, out);
        }
    }
}

/// A string constant with `"` and `\` escaped.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}
