//! What the diagnosis needs to know about a mapping row: which source attributes it reads,
//! whether it calls a function that changes at every evaluation, the Switch calls in it, its
//! flow type and default, and the target attribute's definition (vendor model, exact case,
//! type). Read once from the mapping, before any case runs.

use crate::expr::builtins;
use crate::expr::syntax::{self, Expr, ExprKind};
use crate::model::attribute_index::AttributeIndex;
use crate::model::mapping::{Apply, AttributeMapping, ObjectMapping, TargetAttribute};
use crate::provision::target::ResourceKind;
use crate::scim::Path;

/// Functions whose value differs at every evaluation (catalogue C7).
const NON_DETERMINISTIC: &[&str] = &["Now", "Guid", "RandomString"];

/// One Switch call of an expression: its source's text and its constant keys.
#[derive(Clone, Debug)]
pub struct SwitchCall {
    /// The source argument as written (`[IsSoftDeleted]`).
    pub source: String,
    /// Whether the source is a Boolean attribute, rendered `"True"`/`"False"`.
    pub boolean_source: bool,
    /// The constant keys, in order.
    pub keys: Vec<String>,
    /// Whether the default (second argument) is missing or the empty string.
    pub empty_default: bool,
}

/// One mapping row as the diagnosis sees it.
#[derive(Clone, Debug)]
pub struct RowInfo {
    /// Users or groups.
    pub kind: ResourceKind,
    /// The target attribute text, as the mapping (and Entra's PATCH `path`) writes it.
    pub target: String,
    /// The target, parsed (`None` when it does not parse; such a row never runs).
    pub path: Option<Path>,
    /// The row's formula as the mapping file shows it: the expression, `[source]` or the
    /// quoted constant.
    pub formula: String,
    /// Source attributes read, in order, without repeats.
    pub reads: Vec<String>,
    /// The non-deterministic functions called (`Now`, `Guid`, `RandomString`).
    pub volatile: Vec<&'static str>,
    /// Switch calls, outermost first.
    pub switches: Vec<SwitchCall>,
    /// Every builtin called, by its canonical name, without repeats.
    pub calls: Vec<&'static str>,
    /// Constants the row compares a source attribute with: the keys of a Switch over
    /// `[attribute]`, the other side of `[attribute] = "..."`. The generator uses them, so that
    /// every branch gets exercised.
    pub compared: Vec<(String, String)>,
    /// "Apply this mapping".
    pub apply: Apply,
    /// "Default value if null".
    pub default: Option<String>,
    /// The attribute list entry for the target, when the list has one.
    pub attribute: Option<TargetAttribute>,
}

impl RowInfo {
    /// Whether the row writes on updates too.
    pub fn always(&self) -> bool {
        self.apply != Apply::OnCreate
    }

    /// Whether the row is the manager or group members reference, which Entra writes in
    /// requests of their own.
    pub fn is_reference(&self) -> bool {
        self.path.as_ref().is_some_and(|p| {
            p.value_filter().is_none()
                && (p.attr().eq_ignore_ascii_case("manager")
                    || p.attr().eq_ignore_ascii_case("members"))
        })
    }

    /// Whether the target attribute is exact-case.
    pub fn case_exact(&self) -> bool {
        self.attribute.as_ref().is_some_and(|a| a.case_exact)
    }

    /// Whether the mapping says the app does not store the attribute.
    pub fn declared_not_stored(&self) -> bool {
        self.attribute.as_ref().is_some_and(|a| !a.vendor.stored)
    }
}

/// Every row of the user mapping and, when present and enabled, the group mapping.
pub fn rows(users: &ObjectMapping, groups: Option<&ObjectMapping>) -> Vec<RowInfo> {
    let index = AttributeIndex::new(users.attributes.clone());
    let mut out: Vec<RowInfo> = users
        .mappings
        .iter()
        .map(|m| row(ResourceKind::User, m, &index))
        .collect();
    if let Some(g) = groups.filter(|g| g.enabled) {
        let index = AttributeIndex::new(g.attributes.clone());
        out.extend(
            g.mappings
                .iter()
                .map(|m| row(ResourceKind::Group, m, &index)),
        );
    }
    out
}

fn row(kind: ResourceKind, m: &AttributeMapping, attributes: &AttributeIndex) -> RowInfo {
    let target = m.target.value.clone();
    let path = Path::parse(&target).ok();
    let (formula, tree) = if let Some(e) = &m.expression {
        (e.value.clone(), syntax::parse(&e.value).ok())
    } else if let Some(s) = &m.source {
        let text = format!("[{}]", s.value);
        let tree = syntax::parse(&text).ok();
        (text, tree)
    } else if let Some(c) = &m.constant {
        (format!("{:?}", c.value), None)
    } else {
        (String::new(), None)
    };
    let mut info = RowInfo {
        kind,
        attribute: attributes.find(&target, path.as_ref()).cloned(),
        target,
        path,
        formula,
        reads: Vec::new(),
        volatile: Vec::new(),
        switches: Vec::new(),
        calls: Vec::new(),
        compared: Vec::new(),
        apply: m.apply,
        default: m.default.clone(),
    };
    if let Some(tree) = &tree {
        walk(tree, &info.formula.clone(), &mut info);
    }
    info
}

fn walk(e: &Expr, text: &str, info: &mut RowInfo) {
    match &e.kind {
        ExprKind::Attribute(name) => {
            if !info.reads.contains(name) {
                info.reads.push(name.clone());
            }
        }
        ExprKind::Call { name, args, .. } => {
            let canonical = builtins::lookup(name).map(|b| b.name);
            if let Some(c) = canonical
                && !info.calls.contains(&c)
            {
                info.calls.push(c);
            }
            if let Some(f) = canonical.and_then(|n| NON_DETERMINISTIC.iter().find(|d| **d == n))
                && !info.volatile.contains(f)
            {
                info.volatile.push(f);
            }
            if canonical == Some("Switch") {
                let call = switch_call(args, text);
                if let Some(Some(Expr {
                    kind: ExprKind::Attribute(name),
                    ..
                })) = args.first()
                {
                    for key in &call.keys {
                        info.compared.push((name.clone(), key.clone()));
                    }
                }
                info.switches.push(call);
            }
            for arg in args.iter().flatten() {
                walk(arg, text, info);
            }
        }
        ExprKind::Compare { lhs, rhs, .. } => {
            if let (ExprKind::Attribute(name), ExprKind::Str(value))
            | (ExprKind::Str(value), ExprKind::Attribute(name)) = (&lhs.kind, &rhs.kind)
            {
                info.compared.push((name.clone(), value.clone()));
            }
            walk(lhs, text, info);
            walk(rhs, text, info);
        }
        ExprKind::Str(_) | ExprKind::Number(_) | ExprKind::Ident(_) => {}
    }
}

fn switch_call(args: &[Option<Expr>], text: &str) -> SwitchCall {
    let source = args.first().and_then(Option::as_ref);
    let boolean_source = source.is_some_and(|s| match &s.kind {
        ExprKind::Attribute(name) => crate::model::source::user_attribute(name)
            .is_some_and(|e| e.kind == crate::model::source::SourceType::Boolean),
        ExprKind::Compare { .. } => true,
        ExprKind::Call { name, .. } => builtins::lookup(name).is_some_and(|b| {
            matches!(
                b.name,
                "Not" | "CBool" | "IsNull" | "IsNullOrEmpty" | "IsPresent" | "IsString"
            )
        }),
        _ => false,
    });
    let keys = args
        .iter()
        .skip(2)
        .step_by(2)
        .filter_map(|a| match a {
            Some(Expr {
                kind: ExprKind::Str(k),
                ..
            }) => Some(k.clone()),
            _ => None,
        })
        .collect();
    let empty_default = match args.get(1) {
        None | Some(None) => true,
        Some(Some(Expr {
            kind: ExprKind::Str(s),
            ..
        })) => s.is_empty(),
        Some(Some(_)) => false,
    };
    SwitchCall {
        source: source
            .and_then(|s| text.get(s.span.start..s.span.end))
            .unwrap_or("")
            .to_owned(),
        boolean_source,
        keys,
        empty_default,
    }
}

/// The row writing `target` (case-insensitive, as SCIM paths compare) for an object kind.
pub fn find<'a>(rows: &'a [RowInfo], kind: ResourceKind, target: &str) -> Option<&'a RowInfo> {
    let parsed = Path::parse(target).ok();
    rows.iter()
        .filter(|r| r.kind == kind)
        .find(|r| r.target.eq_ignore_ascii_case(target))
        .or_else(|| {
            let parsed = parsed.as_ref()?;
            rows.iter()
                .filter(|r| r.kind == kind)
                .find(|r| r.path.as_ref() == Some(parsed))
        })
}
