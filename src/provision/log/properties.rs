//! `modifiedProperties`: the attributes a write changes, flattened to `a.b` paths, with the
//! value before (what the app showed) and after, shown as Entra shows them.

use serde_json::Value as Json;

use crate::provision::cycle::RequestPurpose;
use crate::scim::Path;

use super::entry::ModifiedProperty;
use super::recorder::Sent;

/// A value as Entra shows it in modifiedProperties: text as is, Booleans `True`/`False`,
/// anything else as compact JSON.
fn shown(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
        Json::Number(n) => Some(n.to_string()),
        Json::Array(items) if items.iter().all(Json::is_string) => Some(
            items
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    }
}

/// The attributes of a resource body as (path, value): complex attributes as `a.b`,
/// extension attributes as `urn:…:name`, typed multi-valued ones as `a[type eq "t"].value`.
fn flatten(prefix: &str, value: &Json, out: &mut Vec<(String, Option<String>)>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else if prefix.starts_with("urn:") {
                    format!("{prefix}:{k}")
                } else {
                    format!("{prefix}.{k}")
                };
                if prefix.is_empty() && (k == "schemas" || k == "meta" || k == "id") {
                    continue;
                }
                flatten(&key, v, out);
            }
        }
        Json::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.get("type").is_some_and(Json::is_string)) =>
        {
            // Typed elements (emails, addresses): one property per sub-attribute, named by
            // the value-filtered path a mapping row targets.
            for i in items {
                let t = i.get("type").and_then(Json::as_str).unwrap_or("");
                for (k, v) in i.as_object().into_iter().flatten() {
                    if k != "type" && k != "primary" {
                        out.push((format!("{prefix}[type eq \"{t}\"].{k}"), shown(v)));
                    }
                }
            }
        }
        other => out.push((prefix.to_owned(), shown(other))),
    }
}

/// The operations of a PATCH body (none when it has no `Operations` array).
fn operations(body: &Json) -> impl Iterator<Item = &Json> {
    body.get("Operations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
}

/// The (path, value) pairs a PATCH body writes; a removal's value is `None`.
pub(super) fn patch_values(body: &Json) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for op in operations(body) {
        let remove = op
            .get("op")
            .and_then(Json::as_str)
            .is_some_and(|o| o.eq_ignore_ascii_case("remove"));
        let value = op.get("value").unwrap_or(&Json::Null);
        match op.get("path").and_then(Json::as_str) {
            Some(path) if remove => out.push((path.to_owned(), None)),
            Some(path) => match value {
                Json::Object(_) => flatten(path, value, &mut out),
                _ => out.push((path.to_owned(), shown(value))),
            },
            None => flatten("", value, &mut out),
        }
    }
    out
}

/// The properties a write modifies, with the value `found` (the app's account as matched or
/// read) held before.
pub(super) fn modified_properties(w: &Sent, found: Option<&Json>) -> Vec<ModifiedProperty> {
    let old = |path: &str| -> Option<String> {
        let resource = found?.as_object()?;
        let parsed = Path::parse(path).ok()?;
        crate::scim::get(resource, &parsed).and_then(shown)
    };
    match w.action {
        RequestPurpose::Create => {
            let mut pairs = Vec::new();
            if let Some(body) = &w.body {
                flatten("", body, &mut pairs);
            }
            pairs
                .into_iter()
                .map(|(display_name, new_value)| ModifiedProperty {
                    display_name,
                    old_value: None,
                    new_value,
                })
                .collect()
        }
        RequestPurpose::AddMembers | RequestPurpose::RemoveMembers => {
            let ids: Vec<String> = w.body.as_ref().map(member_ids).unwrap_or_default();
            let list = Some(ids.join(","));
            vec![ModifiedProperty {
                display_name: "members".into(),
                old_value: if w.action == RequestPurpose::RemoveMembers {
                    list.clone()
                } else {
                    None
                },
                new_value: if w.action == RequestPurpose::AddMembers {
                    list
                } else {
                    None
                },
            }]
        }
        RequestPurpose::Delete | RequestPurpose::Match | RequestPurpose::Read => Vec::new(),
        RequestPurpose::Update | RequestPurpose::Disable | RequestPurpose::LinkManager => w
            .body
            .as_ref()
            .map(patch_values)
            .unwrap_or_default()
            .into_iter()
            .map(|(display_name, new_value)| ModifiedProperty {
                old_value: old(&display_name),
                display_name,
                new_value,
            })
            .collect(),
    }
}

/// The member ids of a membership PATCH, in both dialects (`value: [{value}]`, or a
/// `members[value eq "id"]` path).
fn member_ids(body: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for op in operations(body) {
        for v in op
            .get("value")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = v.get("value").and_then(Json::as_str) {
                out.push(id.to_owned());
            }
        }
        if let Some(path) = op.get("path").and_then(Json::as_str)
            && let Some(rest) = path.split_once("value eq \"").map(|(_, r)| r)
            && let Some(id) = rest.split('"').next()
        {
            out.push(id.to_owned());
        }
    }
    out
}
