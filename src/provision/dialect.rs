//! Dialect: [`AttributeChange`]s and the other writes of a cycle as the PATCH bodies Entra sends, in
//! both of its dialects (docs/ARCHITECTURE.md decisions "PATCH dialect", "compliant
//! multi-attribute replace", "manager", "groups"; docs/scim-wire.md E9–E13, E15, E19–E21, §4).
//!
//! | | legacy (default) | compliant (`aadOptscim062020`) |
//! |---|---|---|
//! | op names | `Add`, `Replace`, `Remove` | `add`, `replace`, `remove` |
//! | Boolean targets | `"True"`/`"False"` strings | JSON Booleans |
//! | several plain attributes | one op each, with `path` | one path-less op per op kind, flat keys |
//! | member removal | one `Remove` of `members` with a `value` list | one `remove` of `members[value eq "id"]` per id |
//!
//! Bodies are JSON objects whose key order is the order Entra sends (serde_json keeps insertion
//! order): `schemas` then `Operations`, ops `op`, `path`, `value`; the one documented exception
//! is the legacy disable, which puts `Operations` first (docs/scim-wire.md E12, §9.2).

use serde_json::{Map, Value as Json, json};

use super::diff::{AttributeChange, ChangeOp, RoleWrite};
use crate::model::attribute_index::AttributeIndex;
use crate::model::mapping::{Dialect, TargetAttribute};
use crate::scim::PATCH_OP_SCHEMA;
use crate::scim::path::Path;

/// The body of `PATCH /Users/{id}` (or `/Groups/{id}` for non-member attributes, E19) for the
/// operations of a diff.
///
/// Legacy: one op per attribute in the order given (E9, E10, E11, §4.3 "without flag").
/// Compliant: value-filtered paths (`emails[type eq "work"].value`) first, one op each with a
/// `path`; then the plain attributes (simple, dotted, URN-qualified) grouped by op kind in order
/// of first appearance, as one path-less op whose `value` has the flat target texts as keys when
/// a kind has two or more, or as a single op with its `path` (§4.3 "with flag", E11).
///
/// An empty `ops` gives a body with empty `Operations`; callers send no PATCH then.
pub fn user_patch(
    ops: &[AttributeChange<'_>],
    dialect: Dialect,
    schema: &[TargetAttribute],
) -> Json {
    user_patch_indexed(ops, dialect, &AttributeIndex::new(schema.to_vec()))
}

/// [`user_patch`] against an attribute list indexed once (what the simulator does).
pub fn user_patch_indexed(
    ops: &[AttributeChange<'_>],
    dialect: Dialect,
    schema: &AttributeIndex,
) -> Json {
    // App-role writes have a shape of their own and always come first, one op each, with the
    // path `roles`; the rest keeps the dialect's rules.
    let mut roles: Vec<Json> = ops
        .iter()
        .filter_map(|op| op.roles.map(|write| role_operation(op, write, dialect)))
        .collect();
    let ops: Vec<AttributeChange<'_>> = ops
        .iter()
        .filter(|op| op.roles.is_none())
        .cloned()
        .collect();
    let ops = ops.as_slice();
    let value = |op: &AttributeChange<'_>| {
        if is_boolean(op.path, op.target, schema) {
            boolean_value(&op.value, dialect)
        } else {
            op.value.clone()
        }
    };
    let operations: Vec<Json> = match dialect {
        Dialect::Legacy => ops
            .iter()
            .map(|op| operation(op_name(op.kind, dialect), Some(op.target), Some(value(op))))
            .collect(),
        Dialect::Compliant => {
            let mut out: Vec<Json> = ops
                .iter()
                .filter(|op| op.path.value_filter().is_some())
                .map(|op| operation(op_name(op.kind, dialect), Some(op.target), Some(value(op))))
                .collect();
            let plain: Vec<&AttributeChange<'_>> = ops
                .iter()
                .filter(|op| op.path.value_filter().is_none())
                .collect();
            let mut kinds: Vec<ChangeOp> = Vec::new();
            for op in &plain {
                if !kinds.contains(&op.kind) {
                    kinds.push(op.kind);
                }
            }
            for kind in kinds {
                let group: Vec<&&AttributeChange<'_>> =
                    plain.iter().filter(|op| op.kind == kind).collect();
                let name = op_name(kind, dialect);
                if let [only] = group.as_slice() {
                    out.push(operation(name, Some(only.target), Some(value(only))));
                } else {
                    let merged: Map<String, Json> = group
                        .iter()
                        .map(|op| (op.target.to_owned(), value(op)))
                        .collect();
                    out.push(operation(name, None, Some(Json::Object(merged))));
                }
            }
            out
        }
    };
    roles.extend(operations);
    patch_body(roles)
}

/// One app-role write (customize-application-attributes.md, "Provisioning a role to a SCIM
/// app"). Additive, legacy: `Add` of `roles` whose values are JSON-encoded strings carrying
/// the role's `id`, `value` and `displayName`, the documented PATCH for AppRoleAssignmentsComplex
/// and SingleAppRoleAssignment. Additive, compliant: the same roles in the POST's shape (the
/// flag makes POST and PATCH agree). Assertive: `Replace` of the whole set, in the POST's shape.
fn role_operation(op: &AttributeChange<'_>, write: RoleWrite, dialect: Dialect) -> Json {
    let roles: Vec<Json> = match &op.value {
        Json::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let value = match (write, dialect) {
        (RoleWrite::Additive, Dialect::Legacy) => roles.iter().map(encoded_role).collect(),
        _ => roles
            .iter()
            .map(|r| match r {
                Json::String(name) => role_object(name),
                other => other.clone(),
            })
            .collect(),
    };
    operation(
        op_name(op.kind, dialect),
        Some("roles"),
        Some(Json::Array(value)),
    )
}

/// A role in the POST's shape, from a SingleAppRoleAssignment role name.
fn role_object(name: &str) -> Json {
    json!({"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": name})
}

/// The legacy dialect's role value: `{"value": "{\"id\":…,\"value\":…,\"displayName\":…}"}`.
fn encoded_role(role: &Json) -> Json {
    let (name, display) = match role {
        Json::Object(o) => {
            let name = o.get("value").and_then(Json::as_str).unwrap_or_default();
            let display = o.get("displayName").and_then(Json::as_str).unwrap_or(name);
            (name.to_string(), display.to_string())
        }
        Json::String(s) => (s.clone(), s.clone()),
        other => (other.to_string(), other.to_string()),
    };
    let inner = json!({"id": role_id(&name), "value": name, "displayName": display});
    json!({"value": inner.to_string()})
}

/// A stand-in for the app role's id. Entra sends the id the app's manifest gives the role;
/// entramap's directories name roles only, so the id is derived from the name (FNV-1a,
/// GUID-shaped): the same role always has the same id (COMPATIBILITY.md).
fn role_id(name: &str) -> String {
    let hash = |seed: u64| {
        name.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// The body of the PATCH that disables a user (`active` false) for every deprovisioning trigger
/// (E12). Legacy: `{"Operations":[{"op":"Replace","path":"active","value":"False"}],"schemas":[…]}`
/// with `Operations` first, as Entra's observed legacy disable and the tutorial order it.
/// Compliant: `schemas` first, `"op":"replace"`, `"value":false` (COMPAT).
pub fn disable_patch(dialect: Dialect) -> Json {
    match dialect {
        Dialect::Legacy => json!({
            "Operations": [operation("Replace", Some("active"), Some(json!("False")))],
            "schemas": [PATCH_OP_SCHEMA],
        }),
        Dialect::Compliant => patch_body(vec![operation(
            "replace",
            Some("active"),
            Some(Json::Bool(false)),
        )]),
    }
}

/// The enterprise `manager` attribute's full path.
const ENTERPRISE_MANAGER: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

/// The PATCH that links a user's manager once the manager has a target id (E15): the enterprise
/// `manager` path with the id as a plain string. `op` is `Add` when the target had no manager,
/// `Replace` when it had another one; the caller knows which.
pub fn manager_patch(dialect: Dialect, op: ChangeOp, manager_target_id: &str) -> Json {
    // A first cycle sends one per user: copying a finished body keeps its keys' hashes, where
    // building it anew would hash every key again.
    const OPS: [ChangeOp; 2] = [ChangeOp::Add, ChangeOp::Replace];
    static BODIES: std::sync::OnceLock<[[Json; 2]; 2]> = std::sync::OnceLock::new();
    let bodies = BODIES.get_or_init(|| {
        [Dialect::Legacy, Dialect::Compliant].map(|dialect| {
            OPS.map(|op| {
                patch_body(vec![operation(
                    op_name(op, dialect),
                    Some(ENTERPRISE_MANAGER),
                    Some(Json::Null),
                )])
            })
        })
    });
    let by_op = &bodies[usize::from(dialect == Dialect::Compliant)];
    let mut body = by_op[usize::from(op == ChangeOp::Replace)].clone();
    body["Operations"][0]["value"] = Json::from(manager_target_id);
    body
}

/// The PATCH that adds members to a group (E20): one `Add` (compliant `add`) of `members` whose
/// value lists `{"$ref":null,"value":id}` for every target id, in order.
pub fn add_members_patch<S: AsRef<str>>(dialect: Dialect, ids: &[S]) -> Json {
    // A group of thousands gets one element per member: copying a finished element keeps its
    // keys' hashes, where building each anew would hash both keys again.
    let element = json!({"$ref": null, "value": null});
    let value: Vec<Json> = ids
        .iter()
        .map(|id| {
            let mut el = element.clone();
            if let Some(value) = el.get_mut("value") {
                *value = Json::from(id.as_ref());
            }
            el
        })
        .collect();
    patch_body(vec![operation(
        op_name(ChangeOp::Add, dialect),
        Some("members"),
        Some(Json::Array(value)),
    )])
}

/// The PATCH that removes members from a group (E21). Legacy: one `Remove` of `members` with
/// `value` `[{"value":id},…]` (the COMPAT form, without `$ref`). Compliant: one `remove` per id
/// with path `members[value eq "id"]` and no `value`.
pub fn remove_members_patch<S: AsRef<str>>(dialect: Dialect, ids: &[S]) -> Json {
    let operations = match dialect {
        Dialect::Legacy => {
            let value: Vec<Json> = ids.iter().map(|id| json!({"value": id.as_ref()})).collect();
            vec![operation(
                "Remove",
                Some("members"),
                Some(Json::Array(value)),
            )]
        }
        Dialect::Compliant => ids
            .iter()
            .map(|id| {
                // A SCIM filter string is a JSON string literal, so quotes and backslashes in
                // an id are escaped the JSON way.
                let path = format!("members[value eq {}]", Json::from(id.as_ref()));
                operation("remove", Some(&path), None)
            })
            .collect(),
    };
    patch_body(operations)
}

/// `{"schemas":[PatchOp],"Operations":[…]}` in that key order.
fn patch_body(operations: Vec<Json>) -> Json {
    let mut body = Map::new();
    body.insert("schemas".to_owned(), json!([PATCH_OP_SCHEMA]));
    body.insert("Operations".to_owned(), Json::Array(operations));
    Json::Object(body)
}

/// One element of `Operations`: `op`, then `path` and `value` when present.
fn operation(op: &str, path: Option<&str>, value: Option<Json>) -> Json {
    let mut o = Map::new();
    o.insert("op".to_owned(), Json::from(op));
    if let Some(path) = path {
        o.insert("path".to_owned(), Json::from(path));
    }
    if let Some(value) = value {
        o.insert("value".to_owned(), value);
    }
    Json::Object(o)
}

fn op_name(kind: ChangeOp, dialect: Dialect) -> &'static str {
    match (kind, dialect) {
        (ChangeOp::Add, Dialect::Legacy) => "Add",
        (ChangeOp::Replace, Dialect::Legacy) => "Replace",
        (ChangeOp::Add, Dialect::Compliant) => "add",
        (ChangeOp::Replace, Dialect::Compliant) => "replace",
    }
}

/// Whether the target is Boolean: the core `active`, or an attribute the schema types Boolean.
fn is_boolean(path: &Path, target: &str, schema: &AttributeIndex) -> bool {
    super::project::is_active(path) || schema.is_boolean(target, path)
}

/// A Boolean value in the dialect's form: legacy `"True"`/`"False"` (.NET's spelling), compliant
/// `true`/`false`. Text that is no Boolean is sent as it is, so the vendor's rejection shows.
fn boolean_value(value: &Json, dialect: Dialect) -> Json {
    let truth = match value {
        Json::Bool(b) => *b,
        Json::String(s) if s.eq_ignore_ascii_case("true") => true,
        Json::String(s) if s.eq_ignore_ascii_case("false") => false,
        other => return other.clone(),
    };
    match dialect {
        Dialect::Legacy => Json::from(if truth { "True" } else { "False" }),
        Dialect::Compliant => Json::Bool(truth),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manager_path_is_the_enterprise_schema_s_manager() {
        assert_eq!(
            super::ENTERPRISE_MANAGER,
            format!("{}:manager", crate::scim::ENTERPRISE_USER_SCHEMA)
        );
    }
}
