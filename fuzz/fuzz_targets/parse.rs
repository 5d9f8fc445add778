//! Parse arbitrary UTF-8; whenever it parses, the canonical printer's text must parse back to
//! the same tree (spans aside), and printing must be idempotent.

#![no_main]

use entramap::expr::print::print;
use entramap::expr::syntax::{self, Expr, ExprKind};
use libfuzzer_sys::fuzz_target;

/// Whether two trees are equal, ignoring spans (and, with `ignore_case`, the spelling of
/// function names, which the canonical printer rewrites).
fn same_tree(a: &Expr, b: &Expr, ignore_case: bool) -> bool {
    match (&a.kind, &b.kind) {
        (
            ExprKind::Call {
                name: na, args: aa, ..
            },
            ExprKind::Call {
                name: nb, args: ab, ..
            },
        ) => {
            let names = if ignore_case {
                na.eq_ignore_ascii_case(nb)
            } else {
                na == nb
            };
            names
                && aa.len() == ab.len()
                && aa.iter().zip(ab).all(|(x, y)| match (x, y) {
                    (None, None) => true,
                    (Some(x), Some(y)) => same_tree(x, y, ignore_case),
                    _ => false,
                })
        }
        (
            ExprKind::Compare {
                op: oa,
                lhs: la,
                rhs: ra,
            },
            ExprKind::Compare {
                op: ob,
                lhs: lb,
                rhs: rb,
            },
        ) => oa == ob && same_tree(la, lb, ignore_case) && same_tree(ra, rb, ignore_case),
        (ExprKind::Attribute(x), ExprKind::Attribute(y))
        | (ExprKind::Str(x), ExprKind::Str(y))
        | (ExprKind::Number(x), ExprKind::Number(y))
        | (ExprKind::Ident(x), ExprKind::Ident(y)) => x == y,
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tree) = syntax::parse(text) else {
        return;
    };
    for canonical in [false, true] {
        let printed = print(&tree, canonical);
        let reparsed = match syntax::parse(&printed) {
            Ok(t) => t,
            Err(e) => panic!("{text:?} parses but its print {printed:?} does not: {e:?}"),
        };
        assert!(
            same_tree(&tree, &reparsed, canonical),
            "{text:?} printed as {printed:?} parses to another tree:\n{tree:#?}\n{reparsed:#?}"
        );
        assert_eq!(
            print(&reparsed, canonical),
            printed,
            "printing is not idempotent"
        );
    }
});
