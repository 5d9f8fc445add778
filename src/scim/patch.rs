//! PATCH (RFC 7644 §3.5.2) applied to a resource, as an RFC-following SCIM server does, for
//! both of Entra's dialects (docs/scim-wire.md §4): op names in any case, path-less ops whose
//! value has flat keys (`"name.givenName"`, `"urn:...:User:employeeNumber"`), value-filtered
//! paths, and group member removal both as `Remove` + `path: members` + a `value` list (legacy)
//! and as `remove` + `members[value eq "id"]` (compliant).
//!
//! Values are stored as sent: legacy `"active": "False"` stays a string, because the in-memory
//! server models what a vendor stores; converting is the caller's business.
//!
//! A PATCH is atomic (RFC 7644 §3.5.2: "if any operation fails, the whole request fails"): on
//! an error the resource is left as it was. Applying the same PATCH twice gives the same
//! resource as once: member adds skip duplicates and removes of absent values do nothing.

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value as Json};

use super::error::{ScimError, ScimType};
use super::path::Path;
use super::resource::{
    Resource, container_mut, element_from_filter, get_ci, get_mut_ci, insert_ci, is_schema_urn,
    remove_ci, wrap_manager,
};

/// A PATCH operation name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatchOpKind {
    /// `add` (Entra legacy: `Add`).
    Add,
    /// `replace` (`Replace`).
    Replace,
    /// `remove` (`Remove`).
    Remove,
}

impl PatchOpKind {
    /// Parses an op name, ignoring case (Entra legacy sends `Add`, compliant `add`).
    pub fn parse(name: &str) -> Option<PatchOpKind> {
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }

    /// The RFC spelling: `add`, `replace`, `remove`.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Replace => "replace",
            PatchOpKind::Remove => "remove",
        }
    }
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of `Operations`, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOpKind,
    /// Where; `None` targets the resource itself (add/replace with an object value).
    pub path: Option<Path>,
    /// The value, as sent.
    pub value: Option<Json>,
}

/// Parses a PatchOp body: `schemas` must list [`super::PATCH_OP_SCHEMA`] and `Operations` must
/// be a non-empty array of `{op, path?, value?}`. Member names are matched case-insensitively.
pub fn parse_operations(body: &Json) -> Result<Vec<PatchOperation>, ScimError> {
    parse_operations_with(body, &mut Path::parse)
}

/// [`parse_operations`] with the paths parsed by `parse_path`: a server that sees the same
/// few paths in every PATCH can keep them parsed.
pub fn parse_operations_with(
    body: &Json,
    parse_path: &mut dyn FnMut(&str) -> Result<Path, super::ParseError>,
) -> Result<Vec<PatchOperation>, ScimError> {
    let syntax = |detail: &str| ScimError::bad_request(ScimType::InvalidSyntax, detail);
    let body = body
        .as_object()
        .ok_or_else(|| syntax("a PatchOp body must be a JSON object"))?;
    let schemas_ok = get_ci(body, "schemas")
        .and_then(Json::as_array)
        .is_some_and(|s| {
            s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(super::PATCH_OP_SCHEMA))
            })
        });
    if !schemas_ok {
        return Err(syntax(&format!(
            "`schemas` must contain \"{}\"",
            super::PATCH_OP_SCHEMA
        )));
    }
    let ops = get_ci(body, "Operations")
        .and_then(Json::as_array)
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| syntax("`Operations` must be a non-empty array"))?;
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let op = op
                .as_object()
                .ok_or_else(|| syntax(&format!("operation {i} is not an object")))?;
            let name = get_ci(op, "op")
                .and_then(Json::as_str)
                .ok_or_else(|| syntax(&format!("operation {i} has no `op` string")))?;
            let kind = PatchOpKind::parse(name).ok_or_else(|| {
                syntax(&format!(
                    "operation {i}: unknown op `{name}` (expected add, replace or remove)"
                ))
            })?;
            let path = match get_ci(op, "path") {
                None | Some(Json::Null) => None,
                Some(Json::String(p)) => Some(parse_path(p).map_err(|e| {
                    ScimError::bad_request(
                        ScimType::InvalidPath,
                        format!("operation {i}: path `{p}`: {e}"),
                    )
                })?),
                Some(_) => {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidPath,
                        format!("operation {i}: `path` must be a string"),
                    ));
                }
            };
            Ok(PatchOperation {
                op: kind,
                path,
                value: get_ci(op, "value").cloned(),
            })
        })
        .collect()
}

/// Parses `body` and applies it to `resource`. On error the resource is unchanged.
pub fn apply(resource: &mut Resource, body: &Json) -> Result<(), ScimError> {
    let ops = parse_operations(body)?;
    apply_operations(resource, &ops)
}

/// [`apply`] to a resource the caller owns and drops on failure (a copy already), without
/// the defensive copy `apply` makes.
pub fn apply_owned(resource: Resource, body: &Json) -> Result<Resource, ScimError> {
    apply_operations_owned(resource, parse_operations(body)?)
}

/// [`apply_operations`] to a resource the caller owns and drops on failure, moving each
/// operation's value into the resource (a thousand group members are not copied again).
pub fn apply_operations_owned(
    mut resource: Resource,
    ops: Vec<PatchOperation>,
) -> Result<Resource, ScimError> {
    for op in ops {
        apply_one(&mut resource, op)?;
    }
    Ok(resource)
}

/// Applies parsed operations in order, all or nothing.
pub fn apply_operations(resource: &mut Resource, ops: &[PatchOperation]) -> Result<(), ScimError> {
    // Work on a copy so a failing op in the middle leaves the stored resource untouched.
    let mut work = resource.clone();
    for op in ops {
        apply_one(&mut work, op.clone())?;
    }
    *resource = work;
    Ok(())
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidValue, detail)
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::InvalidPath, detail)
}

fn no_target(detail: impl Into<String>) -> ScimError {
    ScimError::bad_request(ScimType::NoTarget, detail)
}

fn apply_one(resource: &mut Resource, op: PatchOperation) -> Result<(), ScimError> {
    match (op.path, op.op) {
        (None, PatchOpKind::Remove) => Err(no_target("remove needs a `path`")),
        (None, kind) => {
            let Some(Json::Object(fields)) = &op.value else {
                return Err(invalid_value(format!(
                    "{kind} without a `path` needs an object `value`"
                )));
            };
            apply_pathless(resource, kind, fields)
        }
        (Some(path), PatchOpKind::Remove) => remove(resource, &path, op.value.as_ref()),
        (Some(path), kind) => {
            let value = match op.value {
                None | Some(Json::Null) => {
                    return Err(invalid_value(format!("{kind} `{path}` needs a `value`")));
                }
                Some(v) => v,
            };
            if kind == PatchOpKind::Add {
                add(resource, &path, value)
            } else {
                replace(resource, &path, value)
            }
        }
    }
}

/// RFC 7644 §3.5.2.1/§3.5.2.3 without `path`: each key of the value is a target. Entra's keys
/// are flat paths (`"name.givenName"`, `"urn:...:User:employeeNumber"`); RFC-style keys are
/// attributes whose object values merge, including a whole extension keyed by its schema URN.
fn apply_pathless(
    resource: &mut Resource,
    kind: PatchOpKind,
    fields: &Map<String, Json>,
) -> Result<(), ScimError> {
    for (key, value) in fields {
        if is_schema_urn(resource, key)
            && let Json::Object(inner) = value
        {
            for (attr, v) in inner {
                let path = Path::parse(&format!("{key}:{attr}"))
                    .map_err(|e| invalid_path(format!("`{key}` key `{attr}`: {e}")))?;
                apply_valued(resource, kind, &path, v.clone())?;
            }
            continue;
        }
        let path = Path::parse(key).map_err(|e| invalid_path(format!("value key `{key}`: {e}")))?;
        apply_valued(resource, kind, &path, value.clone())?;
    }
    Ok(())
}

fn apply_valued(
    resource: &mut Resource,
    kind: PatchOpKind,
    path: &Path,
    value: Json,
) -> Result<(), ScimError> {
    if value.is_null() {
        return Err(invalid_value(format!(
            "{kind} `{path}` needs a non-null value"
        )));
    }
    match kind {
        PatchOpKind::Add => add(resource, path, value),
        _ => replace(resource, path, value),
    }
}

/// The object holding `path`'s attribute, created for add/replace.
fn target_map<'a>(resource: &'a mut Resource, path: &Path) -> Result<&'a mut Resource, ScimError> {
    match container_mut(resource, path, true) {
        Ok(Some(m)) => Ok(m),
        _ => Err(invalid_path(format!(
            "`{}` is not an extension object",
            path.urn().unwrap_or_default()
        ))),
    }
}

/// Two elements of a multi-valued attribute are the same value when both carry a `value`
/// sub-attribute and those are equal (a member `{"$ref":null,"value":"u1"}` is `{"value":"u1"}`),
/// else when they are equal JSON.
fn same_element(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => match (get_ci(x, "value"), get_ci(y, "value")) {
            (Some(vx), Some(vy)) => vx == vy,
            _ => x == y,
        },
        _ => a == b,
    }
}

/// Append the values of `new` that [`same_element`] finds in neither `items` nor earlier in
/// `new`. Elements with a `value` (group members, emails) and scalars are looked up in a set,
/// so adding a thousand members to a group of a thousand is not a million comparisons.
fn append_distinct(items: &mut Vec<Json>, new: Vec<Json>) {
    let mut seen: HashSet<String, foldhash::fast::RandomState> =
        items.iter().filter_map(identity).collect();
    for v in new {
        let duplicate = match identity(&v) {
            Some(key) => !seen.insert(key),
            None => items.iter().any(|old| same_element(old, &v)),
        };
        if !duplicate {
            items.push(v);
        }
    }
}

/// What [`same_element`] compares an element by, when that is one value: the `value` of an
/// object that has one, or a scalar itself. `None` for objects compared whole. A string is
/// keyed by its text (the common case, member ids), anything else by its JSON text, under
/// distinct tags so the two never meet.
fn identity(v: &Json) -> Option<String> {
    let (tag, x) = match v {
        Json::Object(o) => ('v', get_ci(o, "value")?),
        other => ('s', other),
    };
    Some(match x {
        Json::String(s) => {
            let mut key = String::with_capacity(s.len() + 1);
            key.push(tag.to_ascii_uppercase());
            key.push_str(s);
            key
        }
        other => format!("{tag}{other}"),
    })
}

fn merge(into: &mut Map<String, Json>, fields: Map<String, Json>) {
    for (k, v) in fields {
        insert_ci(into, &k, v);
    }
}

/// RFC 7644 §3.5.2.1.
fn add(resource: &mut Resource, path: &Path, value: Json) -> Result<(), ScimError> {
    let value = wrap_manager(path, value);
    let map = target_map(resource, path)?;
    let attr = path.attr();
    match (path.value_filter(), path.sub_attr()) {
        (None, None) => match (get_mut_ci(map, attr), value) {
            // A new multi-valued attribute holds each value once, like one that grows.
            (None, Json::Array(vs)) => {
                let mut items: Vec<Json> = Vec::with_capacity(vs.len());
                append_distinct(&mut items, vs);
                insert_ci(map, attr, Json::Array(items));
            }
            (None, v) => insert_ci(map, attr, v),
            // Multi-valued: the new values join the old ones; one already there is not added
            // twice ("no changes SHOULD be made" for a value the target already contains).
            (Some(Json::Array(items)), v) => {
                let new = match v {
                    Json::Array(vs) => vs,
                    single => vec![single],
                };
                append_distinct(items, new);
            }
            // Complex: the given sub-attributes are set, the others stay.
            (Some(Json::Object(old)), Json::Object(fields)) => merge(old, fields),
            (Some(slot), v) => *slot = v,
        },
        (None, Some(sub)) => set_sub(map, path, sub, value, true)?,
        (Some(filter), sub) => {
            if get_ci(map, attr).is_none() {
                insert_ci(map, attr, Json::Array(Vec::new()));
            }
            let Some(Json::Array(items)) = get_mut_ci(map, attr) else {
                return Err(invalid_path(format!("`{attr}` is not multi-valued")));
            };
            let mut matched: Vec<usize> = matching(items, filter);
            if matched.is_empty() {
                // Entra adds `emails[type eq "work"].value` to a user without a work email and
                // expects the element to appear (docs/scim-wire.md §7.3).
                items.push(Json::Object(element_from_filter(filter)));
                matched.push(items.len() - 1);
            }
            for i in matched {
                let Json::Object(el) = &mut items[i] else {
                    continue;
                };
                write_element(el, path, sub, value.clone(), false)?;
            }
        }
    }
    Ok(())
}

/// RFC 7644 §3.5.2.3.
fn replace(resource: &mut Resource, path: &Path, value: Json) -> Result<(), ScimError> {
    let value = wrap_manager(path, value);
    let map = target_map(resource, path)?;
    let attr = path.attr();
    match (path.value_filter(), path.sub_attr()) {
        (None, None) => match (get_mut_ci(map, attr), value) {
            // "If the target location path specifies an attribute that does not exist, the
            // service provider SHALL treat the operation as an add."
            (None, v) => insert_ci(map, attr, v),
            // Complex: "Sub-attributes that are not specified in the value parameter are left
            // unchanged."
            (Some(Json::Object(old)), Json::Object(fields)) => merge(old, fields),
            // Single-valued, or multi-valued without a filter: "the attribute and all values
            // are replaced".
            (Some(slot), v) => *slot = v,
        },
        (None, Some(sub)) => set_sub(map, path, sub, value, false)?,
        (Some(filter), sub) => {
            let items = match get_mut_ci(map, attr) {
                Some(Json::Array(items)) => items,
                Some(_) => return Err(invalid_path(format!("`{attr}` is not multi-valued"))),
                None => return Err(no_target(format!("`{path}`: `{attr}` has no values"))),
            };
            let matched = matching(items, filter);
            if matched.is_empty() {
                // RFC 7644 §3.5.2.3: a value filter that matches nothing fails with noTarget.
                return Err(no_target(format!("`{path}`: no value matches [{filter}]")));
            }
            for i in matched {
                let Json::Object(el) = &mut items[i] else {
                    continue;
                };
                write_element(el, path, sub, value.clone(), true)?;
            }
        }
    }
    Ok(())
}

/// Writes into one selected element: its sub-attribute, or the whole element. Without a
/// sub-attribute the value must be an object: add merges it, replace swaps the element for it.
fn write_element(
    el: &mut Map<String, Json>,
    path: &Path,
    sub: Option<&str>,
    value: Json,
    replace_whole: bool,
) -> Result<(), ScimError> {
    match (sub, value) {
        (Some(sub), v) => insert_ci(el, sub, v),
        (None, Json::Object(fields)) if replace_whole => *el = fields,
        (None, Json::Object(fields)) => merge(el, fields),
        (None, _) => {
            return Err(invalid_value(format!(
                "`{path}` selects whole values: the value must be an object"
            )));
        }
    }
    Ok(())
}

/// `attr.sub` without a filter: inside the complex attribute (created when absent), or in
/// every element of a multi-valued one.
fn set_sub(
    map: &mut Resource,
    path: &Path,
    sub: &str,
    value: Json,
    is_add: bool,
) -> Result<(), ScimError> {
    let attr = path.attr();
    match get_mut_ci(map, attr) {
        None => {
            let mut obj = Map::new();
            obj.insert(sub.to_owned(), value);
            insert_ci(map, attr, Json::Object(obj));
        }
        Some(Json::Object(obj)) => match (get_mut_ci(obj, sub), value) {
            (Some(Json::Array(items)), v) if is_add => {
                let new = match v {
                    Json::Array(vs) => vs,
                    single => vec![single],
                };
                append_distinct(items, new);
            }
            (_, v) => insert_ci(obj, sub, v),
        },
        Some(Json::Array(items)) => {
            if items.is_empty() {
                return Err(no_target(format!("`{path}`: `{attr}` has no values")));
            }
            for el in items.iter_mut() {
                if let Json::Object(el) = el {
                    insert_ci(el, sub, value.clone());
                }
            }
        }
        Some(_) => return Err(invalid_path(format!("`{attr}` has no sub-attributes"))),
    }
    Ok(())
}

fn matching(items: &[Json], filter: &super::filter::Filter) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, el)| el.as_object().is_some_and(|o| filter.matches(o)))
        .map(|(i, _)| i)
        .collect()
}

/// RFC 7644 §3.5.2.2, plus Entra's legacy member removal: `path: "members"` with a `value`
/// list removes those members only (an RFC-strict server would drop them all; the vendors
/// Entra works with read it this way, docs/scim-wire.md E21). Removing what is not there
/// succeeds and changes nothing, so a repeated removal is harmless.
fn remove(resource: &mut Resource, path: &Path, value: Option<&Json>) -> Result<(), ScimError> {
    let map = match container_mut(resource, path, false) {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(()),
        Err(()) => {
            return Err(invalid_path(format!(
                "`{}` is not an extension object",
                path.urn().unwrap_or_default()
            )));
        }
    };
    let attr = path.attr();
    match (path.value_filter(), path.sub_attr()) {
        (None, None) => {
            let listed = value.filter(|v| !v.is_null());
            match (get_mut_ci(map, attr), listed) {
                (Some(Json::Array(items)), Some(listed)) => {
                    let gone: Vec<&Json> = match listed {
                        Json::Array(vs) => vs.iter().collect(),
                        single => vec![single],
                    };
                    items.retain(|el| !gone.iter().any(|g| same_element(el, g)));
                    if items.is_empty() {
                        remove_ci(map, attr);
                    }
                }
                (Some(_), _) => {
                    remove_ci(map, attr);
                }
                (None, _) => {}
            }
        }
        (None, Some(sub)) => match get_mut_ci(map, attr) {
            Some(Json::Object(obj)) => {
                remove_ci(obj, sub);
            }
            Some(Json::Array(items)) => {
                for el in items.iter_mut() {
                    if let Json::Object(el) = el {
                        remove_ci(el, sub);
                    }
                }
            }
            _ => {}
        },
        (Some(filter), sub) => {
            let Some(Json::Array(items)) = get_mut_ci(map, attr) else {
                return Ok(());
            };
            match sub {
                None => items.retain(|el| !el.as_object().is_some_and(|o| filter.matches(o))),
                Some(sub) => {
                    for i in matching(items, filter) {
                        if let Json::Object(el) = &mut items[i] {
                            remove_ci(el, sub);
                        }
                    }
                }
            }
            // "If no other values remain after removal of the selected values, the multi-valued
            // attribute SHALL be considered unassigned."
            if items.is_empty() {
                remove_ci(map, attr);
            }
        }
    }
    Ok(())
}
