//! Lints over scoping filter clauses: attributes Entra can scope on, operator names, operand
//! presence and regular expressions.

use super::table::*;
use super::{Checker, ObjectType, catalog, rows};
use crate::dotnet::regex::DotNetRegex;
use crate::expr::compile::did_you_mean;
use crate::model::mapping::{ScopeClause, ScopeFilter};
use crate::model::scope::{ScopeOperator, integer_operand};

/// Attributes Entra's scoping filters cannot evaluate (known-issues.md; group `members` from
/// define-conditional-rules), besides multi-valued ones.
const NOT_SCOPABLE: &[&str] = &["appRoleAssignments", "manager", "userType", "members"];

/// Check the scoping filters of one object mapping.
pub(super) fn check(cx: &mut Checker<'_>, object: ObjectType, filters: &[ScopeFilter]) {
    for clause in filters.iter().flat_map(|f| &f.clauses) {
        self::clause(cx, object, clause);
    }
}

fn clause(cx: &mut Checker<'_>, object: ObjectType, clause: &ScopeClause) {
    let attribute = clause.attribute.value.as_str();
    let attribute_span = cx.locator.scalar(&clause.attribute);
    let multi_valued = catalog::entry(object, attribute).is_some_and(|e| e.multi_valued);
    if NOT_SCOPABLE.contains(&attribute) || multi_valued {
        let why = if multi_valued {
            "it is multi-valued"
        } else {
            "Entra does not support it in scoping filters"
        };
        cx.report(
            &SCOPE_ATTRIBUTE_NOT_ALLOWED,
            object,
            None,
            attribute_span,
            format!("the scoping clause on `{attribute}` cannot be evaluated: {why}"),
        );
    } else if !cx.is_known_source(object, attribute) {
        rows::unknown_source(cx, object, None, attribute, attribute_span);
    }

    let op = clause.operator.value.as_str();
    let op_span = cx.locator.scalar(&clause.operator).or(attribute_span);
    let Some(operator) = ScopeOperator::parse(op) else {
        let mut message = format!("`{op}` is not a scoping operator Entra documents");
        if let Some(best) = did_you_mean(op, ScopeOperator::ALL.iter().map(|o| o.name())) {
            message.push_str(&format!("; did you mean `{best}`?"));
        }
        cx.report(&UNKNOWN_SCOPE_OPERATOR, object, None, op_span, message);
        return;
    };
    let canonical = operator.name();
    match (&clause.value, operator.takes_value()) {
        (Some(value), false) => {
            cx.report(
                &SCOPE_OPERAND_MISMATCH,
                object,
                None,
                op_span,
                format!(
                    "`{canonical}` takes no value, but the clause on `{attribute}` gives {value:?}"
                ),
            );
        }
        (None, true) => {
            cx.report(
                &SCOPE_OPERAND_INVALID,
                object,
                None,
                op_span,
                format!(
                    "`{canonical}` compares with a value, but the clause on `{attribute}` has none"
                ),
            );
        }
        (Some(value), true) if operator.takes_integer() && integer_operand(value).is_none() => {
            let span = value_span(cx, attribute_span, value).or(op_span);
            cx.report(
                &SCOPE_OPERAND_INVALID,
                object,
                None,
                span,
                format!(
                    "`{canonical}` compares integers, but the clause on `{attribute}` gives {value:?}"
                ),
            );
        }
        (Some(value), true) if operator.takes_regex() => {
            if let Err(e) = DotNetRegex::compile(value) {
                let span = match value_at(cx, attribute_span, value) {
                    Some(((start, _), true)) => Some((start + e.start, start + e.end.max(e.start))),
                    Some((whole, false)) => Some(whole),
                    None => op_span,
                };
                let finding = cx.report(
                    &SCOPE_REGEX_INVALID,
                    object,
                    None,
                    span,
                    format!(
                        "the {canonical} pattern {value:?} does not compile: {}",
                        e.message
                    ),
                );
                if let Some(help) = e.help {
                    finding.fix = help;
                }
            }
        }
        _ => {}
    }
}

/// Where a clause's value is: the value keeps no span, so its `value:` key is found next to
/// the clause's other keys. The flag says whether the span is the value's text itself.
fn value_at(
    cx: &Checker<'_>,
    attribute_span: Option<(usize, usize)>,
    value: &str,
) -> Option<((usize, usize), bool)> {
    attribute_span
        .and_then(|a| cx.locator.sibling_key(a, "value"))
        .and_then(|key| cx.locator.key_value(key, value))
}

fn value_span(
    cx: &Checker<'_>,
    attribute_span: Option<(usize, usize)>,
    value: &str,
) -> Option<(usize, usize)> {
    value_at(cx, attribute_span, value).map(|(span, _)| span)
}
