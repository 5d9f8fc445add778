//! Diff: what Entra wants the target object to be (a [`Projection`] for [`Flow::Update`]) against
//! what the target returned on `GET /Users/{id}`, as a list of [`AttributeChange`]s in mapping row
//! order. [`super::dialect`] turns them into PATCH bodies.
//!
//! The rules (docs/ARCHITECTURE.md decisions "Add or Replace", "comparing for change",
//! "nulls"; docs/scim-wire.md §3.3, E11, §7.2):
//!
//! - the target had no value (absent, `null`, `""`, `[]`) → `Add`; a different value →
//!   `Replace`; an equal value → nothing;
//! - text compares case-insensitively unless the target attribute is `caseExact`;
//! - Booleans compare by truth value (`"False"` equals `false`), numbers and numeric text by
//!   value, multi-valued attributes as sets;
//! - a null never produces an operation: the projection leaves null rows out, and there is no
//!   `Remove` for users, so [`ChangeOp`] has no such variant;
//! - the enterprise manager is not diffed here: Entra links it in its own PATCH once the
//!   manager has a target id.
//!
//! [`Flow::Update`]: super::project::Flow::Update

use serde_json::Value as Json;

use crate::model::attribute_index::AttributeIndex;

use super::project::Projection;
use crate::model::mapping::{AttributeType, TargetAttribute};
use crate::scim::path::Path;
use crate::scim::resource::{self, Resource};

/// The user PATCH operations Entra sends. There is deliberately no `Remove`: outbound
/// provisioning never clears a user attribute (docs/scim-wire.md §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeOp {
    /// The target had no value for the attribute.
    Add,
    /// The target had a different value.
    Replace,
}

/// How Entra writes an app-role row (customize-application-attributes.md, "Provisioning a
/// role to a SCIM app").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoleWrite {
    /// AppRoleAssignmentsComplex and SingleAppRoleAssignment: `Add` of the roles the app lacks;
    /// a role removed in Entra is never removed from the app.
    Additive,
    /// AssertiveAppRoleAssignmentsComplex: `Replace` of the whole set when it differs.
    Assertive,
}

impl RoleWrite {
    /// The write of a row whose expression's top-level function is `function`.
    pub fn of(function: &str) -> Option<RoleWrite> {
        match function {
            "AppRoleAssignmentsComplex" | "SingleAppRoleAssignment" => Some(RoleWrite::Additive),
            "AssertiveAppRoleAssignmentsComplex" => Some(RoleWrite::Assertive),
            _ => None,
        }
    }
}

/// One attribute change Entra will send.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeChange<'m> {
    /// `Add` or `Replace`.
    pub kind: ChangeOp,
    /// The target attribute exactly as the mapping writes it: Entra sends this text as the
    /// PATCH `path` (or as the flat key of a merged compliant op).
    pub target: &'m str,
    /// The target, parsed.
    pub path: &'m Path,
    /// The projected value, as the mapping computed it (dialect conversions such as
    /// `"True"`/`true` happen in [`super::dialect`]). For an additive role write, only the
    /// roles the app lacks.
    pub value: Json,
    /// Set for app-role rows, which [`super::dialect`] writes in their own shape.
    pub roles: Option<RoleWrite>,
}

/// The operations that bring `returned` to what `projection` wants, in row order. `schema` is
/// the target's attribute list, consulted for `caseExact`, `multi_valued` and the type; an
/// attribute missing from it compares with the defaults (case-insensitive, single-valued,
/// String).
pub fn diff<'m>(
    projection: &Projection<'m>,
    returned: &Resource,
    schema: &[TargetAttribute],
) -> Vec<AttributeChange<'m>> {
    diff_indexed(projection, returned, &AttributeIndex::new(schema.to_vec()))
}

/// [`diff`] against an attribute list indexed once (what the simulator does for every user).
pub fn diff_indexed<'m>(
    projection: &Projection<'m>,
    returned: &Resource,
    schema: &AttributeIndex,
) -> Vec<AttributeChange<'m>> {
    let mut ops = Vec::new();
    for entry in &projection.entries {
        if is_manager(entry.path) {
            continue;
        }
        if let Some(write) = entry.roles {
            if let Some(op) = role_operation(entry, write, returned) {
                ops.push(op);
            }
            continue;
        }
        let current = resource::get(returned, entry.path);
        let kind = if current.is_none_or(is_empty) {
            ChangeOp::Add
        } else if equal(
            &entry.value,
            current.unwrap_or(&Json::Null),
            &rules(entry, schema),
        ) {
            continue;
        } else {
            ChangeOp::Replace
        };
        ops.push(AttributeChange {
            kind,
            target: entry.target,
            path: entry.path,
            value: entry.value.clone(),
            roles: None,
        });
    }
    ops
}

/// The role write for an app-role row: the roles are compared by their `value` (the role
/// name, ignoring case) with the app's `roles`, whatever sub-attribute the row targets.
fn role_operation<'m>(
    entry: &super::project::Entry<'m>,
    write: RoleWrite,
    returned: &Resource,
) -> Option<AttributeChange<'m>> {
    let desired: Vec<&Json> = match &entry.value {
        Json::Array(items) => items.iter().collect(),
        one => vec![one],
    };
    let current: Vec<String> = match resource::get_ci(returned, "roles") {
        Some(Json::Array(items)) => items.iter().filter_map(role_name).collect(),
        Some(one) => role_name(one).into_iter().collect(),
        None => Vec::new(),
    };
    let held = |role: &&Json| {
        role_name(role).is_some_and(|name| current.iter().any(|c| text_equal(c, &name, false)))
    };
    let (kind, value) = match write {
        RoleWrite::Additive => {
            let missing: Vec<Json> = desired.into_iter().filter(|r| !held(r)).cloned().collect();
            if missing.is_empty() {
                return None;
            }
            (ChangeOp::Add, Json::Array(missing))
        }
        RoleWrite::Assertive => {
            let same = desired.len() == current.len() && desired.iter().all(held);
            if same {
                return None;
            }
            let all = desired.into_iter().cloned().collect();
            (ChangeOp::Replace, Json::Array(all))
        }
    };
    Some(AttributeChange {
        kind,
        target: entry.target,
        path: entry.path,
        value,
        roles: Some(write),
    })
}

/// The role a `roles` element names: its `value`, a plain string, or the `value` inside the
/// JSON-encoded string the legacy dialect sends (an app that stores what it was sent returns
/// that string, and Entra must still recognise the role).
fn role_name(v: &Json) -> Option<String> {
    let text = match v {
        Json::Object(o) => o.get("value")?.as_str()?,
        Json::String(s) => s.as_str(),
        _ => return None,
    };
    if text.starts_with('{')
        && let Ok(Json::Object(inner)) = serde_json::from_str::<Json>(text)
        && let Some(Json::String(name)) = inner.get("value")
    {
        return Some(name.clone());
    }
    Some(text.to_string())
}

/// Group membership changes: `(add, remove)`, ids compared exactly (target ids are opaque), each
/// list in the order of its input and without duplicates. `desired` are the target ids of the
/// source group's members, `current` those the target holds.
pub fn member_delta(desired: &[String], current: &[String]) -> (Vec<String>, Vec<String>) {
    // foldhash, not SipHash: a first cycle puts every user of the directory through here.
    type Set<'a> = super::FastSet<&'a str>;
    let want: Set = desired.iter().map(String::as_str).collect();
    let have: Set = current.iter().map(String::as_str).collect();
    let mut seen = Set::default();
    let add = desired
        .iter()
        .filter(|id| !have.contains(id.as_str()) && seen.insert(id.as_str()))
        .cloned()
        .collect();
    let mut seen = Set::default();
    let remove = current
        .iter()
        .filter(|id| !want.contains(id.as_str()) && seen.insert(id.as_str()))
        .cloned()
        .collect();
    (add, remove)
}

/// The enterprise manager, or any `manager` reference: linked in a separate step.
fn is_manager(path: &Path) -> bool {
    path.value_filter().is_none() && path.attr().eq_ignore_ascii_case("manager")
}

/// What the target returns for "no value": Entra treats these alike and sends `Add`.
fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// How one attribute compares.
struct Rules {
    case_exact: bool,
    boolean: bool,
}

/// The schema entry for a projected attribute, found by its path (names ignore case), falling
/// back to the top-level attribute (`emails` for `emails[type eq "work"].value`).
fn rules(entry: &super::project::Entry<'_>, schema: &AttributeIndex) -> Rules {
    let attr = schema.find_or_parent(entry.target, entry.path);
    let core_active = super::project::is_active(entry.path);
    Rules {
        case_exact: attr.is_some_and(|a| a.case_exact),
        boolean: core_active || attr.is_some_and(|a| a.kind == AttributeType::Boolean),
    }
}

/// Whether the projected value equals what the target returned. Either side being an array
/// makes it a set comparison (a one-value projection against a one-element array is equal),
/// whatever `multi_valued` says, because the target's shape is what Entra reads back.
fn equal(desired: &Json, returned: &Json, rules: &Rules) -> bool {
    match (desired, returned) {
        (Json::Array(a), Json::Array(b)) => set_equal(a, b, rules),
        (Json::Array(a), b) => set_equal(a, std::slice::from_ref(b), rules),
        (a, Json::Array(b)) => set_equal(std::slice::from_ref(a), b, rules),
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| resource::get_ci(b, k).is_some_and(|w| equal(v, w, rules)))
        }
        (a, b) => scalar_equal(a, b, rules),
    }
}

/// Set equality: every element of each side has an equal element on the other. Quadratic, but
/// multi-valued attributes hold a handful of values.
fn set_equal(a: &[Json], b: &[Json], rules: &Rules) -> bool {
    a.iter().all(|x| b.iter().any(|y| equal(x, y, rules)))
        && b.iter().all(|y| a.iter().any(|x| equal(x, y, rules)))
}

fn scalar_equal(a: &Json, b: &Json, rules: &Rules) -> bool {
    if let (Some(x), Some(y)) = (truth(a), truth(b))
        && (rules.boolean || a.is_boolean() || b.is_boolean())
    {
        return x == y;
    }
    if (a.is_number() || b.is_number())
        && let (Some(x), Some(y)) = (number(a), number(b))
    {
        return x == y;
    }
    match (a, b) {
        (Json::String(x), Json::String(y)) => text_equal(x, y, rules.case_exact),
        (x, y) => x == y,
    }
}

/// A Boolean or Boolean text (`"True"`, `"false"`; .NET prints `True`/`False`).
pub(crate) fn truth(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A number or numeric text, by value (`"00012345"` equals `12345`).
fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text_equal(a: &str, b: &str, case_exact: bool) -> bool {
    if case_exact || a == b {
        return a == b;
    }
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    // Non-ASCII names (Zoë, Ångström) must ignore case too, as .NET's case-insensitive
    // comparison does; char-wise lowercase keeps it allocation-free.
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}
