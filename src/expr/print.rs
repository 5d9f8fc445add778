//! The canonical printer: syntax tree back to text that parses to the same tree.

use super::builtins;
use super::syntax::{Expr, ExprKind};

/// Print `expr` canonically: one space after each comma, empty slots kept (`Switch([x], , "a",
/// "b")`), spaces around comparison operators, strings re-escaped. Function names keep their
/// spelling unless `canonical_names` asks for Microsoft's.
pub fn print(expr: &Expr, canonical_names: bool) -> String {
    let mut out = String::new();
    write(
        expr,
        Style {
            canonical_names,
            spaced_comparisons: true,
        },
        &mut out,
    );
    out
}

/// Print `expr` as the service renders a stored tree's `expression`: Microsoft's function
/// names, and comparisons without spaces (`BitAnd([userAccountControl], 2)="0"` in Microsoft's
/// Cloud Sync defaults).
pub fn print_graph(expr: &Expr) -> String {
    let mut out = String::new();
    let style = Style {
        canonical_names: true,
        spaced_comparisons: false,
    };
    write(expr, style, &mut out);
    out
}

#[derive(Clone, Copy)]
struct Style {
    canonical_names: bool,
    spaced_comparisons: bool,
}

fn write(expr: &Expr, style: Style, out: &mut String) {
    let canonical_names = style.canonical_names;
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
                    write(arg, style, out);
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
            write(lhs, style, out);
            if style.spaced_comparisons {
                out.push(' ');
            }
            out.push_str(op.symbol());
            if style.spaced_comparisons {
                out.push(' ');
            }
            write(rhs, style, out);
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
