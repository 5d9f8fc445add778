//! Lints over one row's expression: parse and compile errors, the compiler's warnings,
//! source attributes, and Entra's documented expression pitfalls, each placed at the exact
//! piece of the expression in the file.

use serde_saphyr::Spanned;

use super::rows::{self, Row};
use super::table::*;
use super::{Checker, catalog};
use crate::expr::builtins;
use crate::expr::compile::{self, CompileOptions};
use crate::expr::error::Error;
use crate::expr::syntax::{self, Expr, ExprKind};
use crate::expr::{AttributeCheck, Span};
use crate::model::mapping::Apply;
use crate::model::source::SourceType;

/// The text Entra gives a Boolean, and the lowercase form apps accept: what a Boolean target
/// may receive.
pub(super) fn is_boolean_text(s: &str) -> bool {
    matches!(s, "True" | "False" | "true" | "false")
}

/// Functions whose result is a Boolean.
const BOOLEAN_FUNCTIONS: &[&str] = &[
    "Not",
    "CBool",
    "IsNull",
    "IsNullOrEmpty",
    "IsPresent",
    "IsString",
];

/// Check the expression `scalar` of `row`.
pub(super) fn check(cx: &mut Checker<'_>, row: &Row<'_>, scalar: &Spanned<String>) {
    let text = scalar.value.as_str();
    let tree = match syntax::parse(text) {
        Ok(tree) => tree,
        Err(e) => return compile_error(cx, row, scalar, &e.into()),
    };
    // Attribute names are checked below against the object's own catalog (users or groups),
    // so the compiler is told to accept any.
    let options = CompileOptions {
        attributes: AttributeCheck::Any,
    };
    match compile::compile_tree(&tree, text, &options) {
        Err(e) => compile_error(cx, row, scalar, &e),
        Ok(program) => {
            for w in program.warnings() {
                let lint = compiler_warning_lint(w.code);
                let span = place(cx, row, scalar, w.span);
                let finding = cx.report(
                    lint,
                    row.object,
                    Some(row.target()),
                    span,
                    w.message.clone(),
                );
                if let Some(help) = &w.help {
                    finding.fix = help.clone();
                }
            }
        }
    }
    let mut walk = Walk {
        cx,
        row,
        scalar,
        unknown: Vec::new(),
        manager: false,
        root_is_attribute: matches!(tree.kind, ExprKind::Attribute(_)),
    };
    walk.visit(&tree);
    root(cx, row, scalar, &tree);
}

/// The lint reporting a compiler warning: its own code where the table has one, EM114 for
/// warnings the compiler learns later.
fn compiler_warning_lint(code: &str) -> &'static Lint {
    match code {
        "function_name_case" => &FUNCTION_NAME_CASE,
        "cloud_sync_only" => &CLOUD_SYNC_ONLY,
        "format_datetime_three_arguments" => &FORMAT_DATETIME_THREE_ARGUMENTS,
        "replace_undocumented_form" => &REPLACE_UNDOCUMENTED_FORM,
        "single_app_role_several" => &SINGLE_APP_ROLE_SEVERAL,
        _ => &EXPRESSION_WARNING,
    }
}

/// Where a piece of the expression is: exactly, else the whole expression, else the row.
fn place(
    cx: &Checker<'_>,
    row: &Row<'_>,
    scalar: &Spanned<String>,
    span: Span,
) -> Option<(usize, usize)> {
    cx.locator
        .in_expression(scalar, span)
        .or_else(|| cx.locator.scalar(scalar))
        .or(row.anchor)
}

/// EM001, at the exact column when the expression sits in the file byte for byte; otherwise
/// at the whole expression with the column in the message.
fn compile_error(cx: &mut Checker<'_>, row: &Row<'_>, scalar: &Spanned<String>, e: &Error) {
    let text = scalar.value.as_str();
    // A parse error at a position (zero width) marks the character found there.
    let mut span = e.span;
    if span.start == span.end
        && let Some(c) = text.get(span.start..).and_then(|t| t.chars().next())
    {
        span.end += c.len_utf8();
    }
    let exact = cx.locator.in_expression(scalar, span);
    let mut message = format!("{} ({})", e.message, e.kind.code());
    if exact.is_none() {
        let column = text
            .get(..e.span.start)
            .map_or(1, |before| before.chars().count() + 1);
        message.push_str(&format!(" at column {column} of the expression"));
    }
    let span = exact.or_else(|| cx.locator.scalar(scalar)).or(row.anchor);
    let finding = cx.report(
        &EXPRESSION_ERROR,
        row.object,
        Some(row.target()),
        span,
        message,
    );
    if let Some(help) = &e.help {
        finding.fix = help.clone();
    }
}

/// The canonical name of a called builtin (names match case-insensitively).
fn builtin(name: &str) -> Option<&'static str> {
    builtins::lookup(name).map(|b| b.name)
}

/// A pre-order walk over the syntax tree raising the lints that concern single nodes.
struct Walk<'c, 'a, 'r> {
    cx: &'c mut Checker<'a>,
    row: &'r Row<'r>,
    scalar: &'r Spanned<String>,
    /// Unknown attributes already reported, so each is reported once per expression.
    unknown: Vec<String>,
    /// Whether EM109 was raised for this expression.
    manager: bool,
    /// `[x]` alone is a direct mapping written as an expression.
    root_is_attribute: bool,
}

impl Walk<'_, '_, '_> {
    fn place(&self, span: Span) -> Option<(usize, usize)> {
        place(self.cx, self.row, self.scalar, span)
    }

    fn visit(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Attribute(name) => self.attribute(name, e.span),
            ExprKind::Call {
                name,
                name_span,
                args,
            } => {
                if let Some(name) = builtin(name) {
                    self.call(name, *name_span, args);
                }
                for arg in args.iter().flatten() {
                    self.visit(arg);
                }
            }
            ExprKind::Compare { lhs, rhs, .. } => {
                self.visit(lhs);
                self.visit(rhs);
            }
            ExprKind::Str(_) | ExprKind::Number(_) | ExprKind::Ident(_) => {}
        }
    }

    fn attribute(&mut self, name: &str, span: Span) {
        let object = self.row.object;
        if !self.cx.is_known_source(object, name) {
            if !self.unknown.iter().any(|u| u == name) {
                self.unknown.push(name.to_string());
                let place = self.place(span);
                rows::unknown_source(self.cx, object, Some(self.row.target()), name, place);
            }
            return;
        }
        if name == "manager" && !self.root_is_attribute && !self.manager {
            self.manager = true;
            let place = self.place(span);
            self.cx.report(
                &MANAGER_EXPRESSION,
                object,
                Some(self.row.target()),
                place,
                format!(
                    "`{}` reads `[manager]` inside an expression; Entra only resolves the manager reference in a direct mapping",
                    self.row.target()
                ),
            );
        }
    }

    fn call(&mut self, name: &'static str, name_span: Span, args: &[Option<Expr>]) {
        match name {
            "IIF" => self.iif(args),
            "Switch" => self.switch(args),
            "Guid" | "RandomString" | "Now" if self.row.mapping.apply == Apply::Always => {
                let place = self.place(name_span);
                self.cx.report(
                    &NON_DETERMINISTIC_ALWAYS,
                    self.row.object,
                    Some(self.row.target()),
                    place,
                    format!(
                        "{name}() gives a new value at every evaluation, and `{}` is applied on every update",
                        self.row.target()
                    ),
                );
            }
            "SelectUniqueValue" => self.select_unique_value(name_span),
            _ => {}
        }
    }

    /// EM101: every attribute the condition reads must always be present.
    fn iif(&mut self, args: &[Option<Expr>]) {
        let Some(Some(condition)) = args.first() else {
            return;
        };
        let mut read = Vec::new();
        condition_reads(condition, &mut read);
        let object = self.row.object;
        let nullable: Vec<&(String, Span)> = read
            .iter()
            .filter(|(n, _)| !catalog::always_present(object, n))
            .collect();
        let Some((_, first)) = nullable.first() else {
            return;
        };
        let mut names: Vec<String> = nullable.iter().map(|(n, _)| format!("`[{n}]`")).collect();
        names.dedup();
        let place = self.place(*first);
        self.cx.report(
            &IIF_NULLABLE_CONDITION,
            object,
            Some(self.row.target()),
            place,
            format!(
                "IIF's condition reads {}, which is null for {}s without a value; the IIF then fails",
                names.join(", "),
                catalog::noun(object)
            ),
        );
    }

    /// EM102 and EM104.
    fn switch(&mut self, args: &[Option<Expr>]) {
        let Some(Some(source)) = args.first() else {
            return;
        };
        let object = self.row.object;
        let target = self.row.target().to_string();
        if let ExprKind::Call { name, .. } = &source.kind
            && let Some(f @ ("IsPresent" | "IsNull" | "IsNullOrEmpty")) = builtin(name)
        {
            let place = self.place(source.span);
            self.cx.report(
                &SWITCH_PRESENCE_SOURCE,
                object,
                Some(&target),
                place,
                format!("Switch's source is {f}(...); Microsoft's docs say not to use it there"),
            );
        }
        if !is_boolean(object, source) {
            return;
        }
        // Keys sit at 2, 4, ...; "" is the documented catch for a null source.
        let bad: Vec<(&str, Span)> = args
            .iter()
            .enumerate()
            .skip(2)
            .step_by(2)
            .filter_map(|(_, a)| match a {
                Some(Expr {
                    kind: ExprKind::Str(k),
                    span,
                }) if !k.is_empty() && k != "True" && k != "False" => Some((k.as_str(), *span)),
                _ => None,
            })
            .collect();
        let Some((_, first)) = bad.first() else {
            return;
        };
        let keys: Vec<String> = bad.iter().map(|(k, _)| format!("{k:?}")).collect();
        let source_text = self
            .scalar
            .value
            .get(source.span.start..source.span.end)
            .unwrap_or("the source");
        let place = self.place(*first);
        self.cx.report(
            &SWITCH_BOOLEAN_KEYS,
            object,
            Some(&target),
            place,
            format!(
                "Switch over `{source_text}` has the key{} {}, which never match{}: the Boolean is rendered \"True\" or \"False\"",
                if keys.len() == 1 { "" } else { "s" },
                keys.join(", "),
                if keys.len() == 1 { "es" } else { "" },
            ),
        );
    }

    /// EM008, EM009 and EM010.
    fn select_unique_value(&mut self, name_span: Span) {
        let place = self.place(name_span);
        let object = self.row.object;
        let target = self.row.target().to_string();
        self.cx.report(
            &SELECT_UNIQUE_VALUE_UNSUPPORTED,
            object,
            Some(&target),
            place,
            format!("`{target}` uses SelectUniqueValue, which Entra supports only for provisioning to on-premises Active Directory"),
        );
        if self.row.is_matching() {
            self.cx.report(
                &SELECT_UNIQUE_VALUE_MATCHING,
                object,
                Some(&target),
                place,
                format!("`{target}` has a matching precedence and uses SelectUniqueValue"),
            );
        }
        if self.row.mapping.apply != Apply::OnCreate {
            self.cx.report(
                &SELECT_UNIQUE_VALUE_ALWAYS,
                object,
                Some(&target),
                place,
                format!("`{target}` uses SelectUniqueValue but is not applied only during object creation"),
            );
        }
    }
}

/// Every attribute a subtree reads, with its span, in order.
fn attributes(e: &Expr, out: &mut Vec<(String, Span)>) {
    match &e.kind {
        ExprKind::Attribute(name) => out.push((name.clone(), e.span)),
        ExprKind::Call { args, .. } => {
            for arg in args.iter().flatten() {
                attributes(arg, out);
            }
        }
        ExprKind::Compare { lhs, rhs, .. } => {
            attributes(lhs, out);
            attributes(rhs, out);
        }
        ExprKind::Str(_) | ExprKind::Number(_) | ExprKind::Ident(_) => {}
    }
}

/// The attributes an IIF condition reads for their value: every attribute, except one that is
/// only the argument of a presence test (`IsPresent([x])`), which the engine answers for a
/// missing attribute too (see `IIF_NULLABLE_CONDITION`).
fn condition_reads(e: &Expr, out: &mut Vec<(String, Span)>) {
    match &e.kind {
        ExprKind::Call { name, args, .. }
            if builtin(name)
                .is_some_and(|n| matches!(n, "IsPresent" | "IsNull" | "IsNullOrEmpty")) =>
        {
            for arg in args.iter().flatten() {
                if !matches!(arg.kind, ExprKind::Attribute(_)) {
                    condition_reads(arg, out);
                }
            }
        }
        ExprKind::Call { args, .. } => {
            for arg in args.iter().flatten() {
                condition_reads(arg, out);
            }
        }
        ExprKind::Compare { lhs, rhs, .. } => {
            condition_reads(lhs, out);
            condition_reads(rhs, out);
        }
        _ => attributes(e, out),
    }
}

/// Whether `e` is a Boolean, rendered "True"/"False": a Boolean attribute, a comparison or a
/// Boolean function.
fn is_boolean(object: super::ObjectType, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Attribute(name) => catalog::kind(object, name) == Some(SourceType::Boolean),
        ExprKind::Compare { .. } => true,
        ExprKind::Call { name, .. } => {
            builtin(name).is_some_and(|n| BOOLEAN_FUNCTIONS.contains(&n))
        }
        _ => false,
    }
}

/// The first piece of `e` that can yield a value other than True/False, and what it is.
/// Nulls are fine (nothing flows); attributes and functions of unknown type are given the
/// benefit of the doubt.
fn non_boolean(object: super::ObjectType, e: &Expr) -> Option<(Span, String)> {
    match &e.kind {
        ExprKind::Str(s) if is_boolean_text(s) => None,
        ExprKind::Str(s) => Some((e.span, format!("the constant {s:?}"))),
        ExprKind::Number(n) => Some((e.span, format!("the number {n}"))),
        ExprKind::Attribute(name) => match catalog::kind(object, name) {
            Some(SourceType::Boolean) | None => None,
            Some(_) => Some((
                e.span,
                format!("`[{name}]`, which is not a Boolean attribute"),
            )),
        },
        ExprKind::Compare { .. } | ExprKind::Ident(_) => None,
        ExprKind::Call { name, args, .. } => match builtin(name)? {
            n if BOOLEAN_FUNCTIONS.contains(&n) => None,
            // Values at 1 (the default), 3, 5, ...; keys are only compared.
            "Switch" => args
                .iter()
                .skip(1)
                .step_by(2)
                .flatten()
                .find_map(|a| non_boolean(object, a)),
            "IIF" => [1, 2]
                .into_iter()
                .filter_map(|i| arg(args, i))
                .find_map(|a| non_boolean(object, a)),
            "Coalesce" => args.iter().flatten().find_map(|a| non_boolean(object, a)),
            "IgnoreFlowIfNullOrEmpty" | "Redact" => non_boolean(object, arg(args, 0)?),
            n => Some((e.span, format!("{n}(...), which returns text"))),
        },
    }
}

/// Lints about the expression as a whole: EM108 and EM105.
fn root(cx: &mut Checker<'_>, row: &Row<'_>, scalar: &Spanned<String>, tree: &Expr) {
    if let ExprKind::Attribute(name) = &tree.kind
        && name == "appRoleAssignments"
    {
        let span = place(cx, row, scalar, tree.span);
        super::rows::direct_app_role_assignments(cx, row, span);
    }
    if row.boolean_target()
        && let Some((span, what)) = non_boolean(row.object, tree)
    {
        let span = place(cx, row, scalar, span);
        let but = format!("its expression can yield {what}");
        super::rows::boolean_target_non_boolean(cx, row, span, but);
    }
}

/// Argument slot `i`, when it holds an argument.
fn arg(args: &[Option<Expr>], i: usize) -> Option<&Expr> {
    args.get(i).and_then(Option::as_ref)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiler_warnings_map_to_their_lint_or_the_catch_all() {
        assert_eq!(compiler_warning_lint("function_name_case").code, "EM113");
        assert_eq!(compiler_warning_lint("something_new").code, "EM114");
    }

    #[test]
    fn non_boolean_finds_the_branch_that_yields_text() {
        let tree = syntax::parse(
            r#"IIF([accountEnabled] = "True", Not([IsSoftDeleted]), Join("", [mail]))"#,
        )
        .unwrap();
        let (span, what) = non_boolean(super::super::ObjectType::Users, &tree).unwrap();
        assert_eq!(what, "Join(...), which returns text");
        assert_eq!(span.start, 53);
        let tree = syntax::parse(r#"Coalesce([accountEnabled], "false")"#).unwrap();
        assert_eq!(non_boolean(super::super::ObjectType::Users, &tree), None);
    }
}
