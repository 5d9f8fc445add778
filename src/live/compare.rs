//! Attribute-by-attribute comparison of what the app returns with what the in-memory model
//! holds, and the causes of PATCHes Entra would send every cycle.
//!
//! Only attributes Entra writes are compared (the mapping rows' targets, plus `members` for
//! groups): whatever else a server adds (`meta`, defaults) is none of Entra's business.
//! References (`manager`, `members`) hold ids each side made up, so they compare by the source
//! object they are linked to.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::report::{Difference, EndlessPatch};
use crate::model::mapping::{AttributeType, ObjectMapping, TargetAttribute};
use crate::provision::diff::truth;
use crate::scim::filter::{eq_ignore_case, value_eq};
use crate::scim::{Path, Resource};

/// The attributes of one object type that Entra writes, parsed once.
pub struct Attributes {
    paths: Vec<(String, Path)>,
    schema: Vec<TargetAttribute>,
}

impl Attributes {
    /// The row targets of `mapping` (rows whose target is not a SCIM path are skipped: `check`
    /// reports them).
    pub fn of(mapping: &ObjectMapping) -> Attributes {
        let mut paths: Vec<(String, Path)> = Vec::new();
        for row in &mapping.mappings {
            if let Ok(p) = Path::parse(&row.target.value)
                && !paths.iter().any(|(_, q)| *q == p)
            {
                paths.push((row.target.value.clone(), p));
            }
        }
        Attributes {
            paths,
            schema: mapping.attributes.clone(),
        }
    }

    /// Whether the mapping's schema declares `path` case-exact (strings compare exactly).
    pub fn case_exact(&self, path: &Path) -> bool {
        self.schema
            .iter()
            .any(|a| a.case_exact && Path::parse(&a.name.value).is_ok_and(|p| p == *path))
    }

    fn boolean(&self, path: &Path) -> bool {
        self.schema.iter().any(|a| {
            a.kind == AttributeType::Boolean && Path::parse(&a.name.value).is_ok_and(|p| p == *path)
        })
    }
}

/// Resolves ids to the source objectIds they are linked to, on each side.
pub struct Links<'a> {
    /// The app's ids.
    pub app: Ids<'a>,
    /// The model's ids.
    pub model: Ids<'a>,
}

/// One side's ids → source objectIds, per resource type: an app may number users and groups
/// each from 1, so an id means a user or a group only by where it came from.
#[derive(Clone, Copy)]
pub struct Ids<'a> {
    /// User id → source objectId.
    pub users: &'a HashMap<String, String>,
    /// Group id → source objectId.
    pub groups: &'a HashMap<String, String>,
}

/// Whether a path is a reference to other objects, compared through [`Links`].
fn is_reference(path: &Path) -> bool {
    path.value_filter().is_none()
        && (path.attr().eq_ignore_ascii_case("manager")
            || path.attr().eq_ignore_ascii_case("members"))
}

/// The differences between the model's and the app's copy of one object.
pub fn differences(
    object: &str,
    kind: &'static str,
    attributes: &Attributes,
    model: &Resource,
    app: &Resource,
    links: &Links<'_>,
) -> Vec<Difference> {
    let mut out = Vec::new();
    let members = Path::attribute("members");
    let extra = (kind == "Group" && !attributes.paths.iter().any(|(_, p)| *p == members))
        .then(|| ("members".to_owned(), members));
    for (name, path) in attributes.paths.iter().chain(extra.iter()) {
        let (m, a) = if is_reference(path) {
            (
                references(model, path, links.model),
                references(app, path, links.app),
            )
        } else {
            (
                present(crate::scim::get(model, path)),
                present(crate::scim::get(app, path)),
            )
        };
        if m == a {
            continue;
        }
        let entra_notices = match (&m, &a) {
            (Some(x), Some(y)) => {
                !entra_equal(x, y, attributes.case_exact(path), attributes.boolean(path))
            }
            _ => true,
        };
        out.push(Difference {
            object: object.to_owned(),
            kind,
            attribute: name.clone(),
            model: m,
            app: a,
            entra_notices,
            explained_by: None,
            explained_cause: None,
        });
    }
    out
}

/// A value, or `None` for what Entra treats as no value (absent, null, `""`, `[]`, `{}`).
fn present(v: Option<&Json>) -> Option<Json> {
    match v? {
        Json::Null => None,
        Json::String(s) if s.is_empty() => None,
        Json::Array(a) if a.is_empty() => None,
        Json::Object(o) if o.is_empty() => None,
        other => Some(other.clone()),
    }
}

/// The source objectIds a reference attribute names, sorted (a set): a manager as a string or
/// `{"value": id}`, members as `[{"value": id}, ...]`. A manager is a user; a member is a user
/// unless its `type` says `Group` (Entra provisions user members only). Unknown ids stay as
/// they are.
fn references(resource: &Resource, path: &Path, links: Ids<'_>) -> Option<Json> {
    let value = crate::scim::get(resource, path)?;
    let id = |v: &Json| -> Option<String> {
        let (id, group) = match v {
            Json::String(s) => (s.clone(), false),
            Json::Object(o) => (
                crate::scim::resource::get_ci(o, "value")?
                    .as_str()?
                    .to_owned(),
                crate::scim::resource::get_ci(o, "type")
                    .and_then(Json::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("Group")),
            ),
            _ => return None,
        };
        let ids = if group { links.groups } else { links.users };
        Some(ids.get(&id).cloned().unwrap_or(id))
    };
    let mut ids: Vec<String> = match value {
        Json::Array(items) => items.iter().filter_map(id).collect(),
        single => id(single).into_iter().collect(),
    };
    ids.sort();
    ids.dedup();
    match ids.len() {
        0 => None,
        1 if !value.is_array() => Some(Json::from(ids.remove(0))),
        _ => Some(Json::from(ids)),
    }
}

/// Entra's change detection, near enough: text without case unless case-exact, Booleans and
/// numbers by value whatever their JSON type, arrays as sets, complex values by `value`.
fn entra_equal(a: &Json, b: &Json, case_exact: bool, boolean: bool) -> bool {
    match (a, b) {
        (Json::Array(x), Json::Array(y)) => {
            x.iter()
                .all(|u| y.iter().any(|v| entra_equal(u, v, case_exact, boolean)))
                && y.iter()
                    .all(|v| x.iter().any(|u| entra_equal(u, v, case_exact, boolean)))
        }
        (Json::Array(x), single) | (single, Json::Array(x)) => {
            x.len() == 1 && entra_equal(&x[0], single, case_exact, boolean)
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, u)| {
                    crate::scim::resource::get_ci(y, k)
                        .is_some_and(|v| entra_equal(u, v, case_exact, boolean))
                })
        }
        _ => value_eq(a, b, case_exact) || (boolean && truth(a).is_some() && truth(a) == truth(b)),
    }
}

/// The attributes a PATCH body writes, with the value sent: each op's `path` and `value`, or
/// the keys of a path-less op's value.
pub fn patched(body: Option<&Json>) -> Vec<(String, Json)> {
    let Some(ops) = body
        .and_then(|b| b.get("Operations"))
        .and_then(Json::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for op in ops {
        let value = op.get("value").cloned().unwrap_or(Json::Null);
        match op.get("path").and_then(Json::as_str) {
            Some(p) => out.push((p.to_owned(), value)),
            None => {
                if let Json::Object(v) = value {
                    out.extend(v);
                }
            }
        }
    }
    out
}

/// Why Entra sends `attribute` = `sent` again although it already did: what the app returns
/// for it (`returned`, read by GET after the cycle), as a cause and a fix.
pub fn endless(object: &str, attribute: &str, sent: &Json, app: Option<&Resource>) -> EndlessPatch {
    let returned = app
        .zip(Path::parse(attribute).ok())
        .and_then(|(r, p)| present(crate::scim::get(r, &p)));
    let (cause_id, cause, fix) = match (&returned, sent) {
        (None, _) => (
            "endless-patch-not-stored",
            format!(
                "the app does not store `{attribute}`: a GET after the PATCH does not return it"
            ),
            format!(
                "store and return `{attribute}`; or, if the app cannot keep it, remove the row from \
                 the mapping (and document it with `vendor: {{stored: false}}`)"
            ),
        ),
        (Some(Json::String(r)), Json::String(s)) if eq_ignore_case(r, s) => (
            "endless-patch-case",
            format!(
                "the app returns `{attribute}` in another case ({r:?} for {s:?}) and the attribute is case-exact"
            ),
            "return the value exactly as sent, or clear \"Exact case\" on the attribute".to_owned(),
        ),
        (Some(r), s) if json_type(r) != json_type(s) => (
            "endless-patch-type",
            format!(
                "the app returns `{attribute}` as a {} where Entra sent a {}",
                json_type(r),
                json_type(s)
            ),
            format!(
                "return `{attribute}` with the JSON type Entra sends ({})",
                json_type(s)
            ),
        ),
        (Some(r), s) => (
            "endless-patch-rewritten",
            format!("the app returns `{attribute}` as {r} where Entra sent {s}"),
            format!(
                "store `{attribute}` as sent: an app that rewrites a value makes Entra send it again every cycle"
            ),
        ),
    };
    EndlessPatch {
        object: object.to_owned(),
        attribute: attribute.to_owned(),
        sent: sent.clone(),
        returned,
        cause_id,
        cause,
        fix,
    }
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "Boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "list",
        Json::Object(_) => "complex value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(v: Json) -> Resource {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn patched_reads_paths_and_pathless_values() {
        let legacy = json!({"Operations": [
            {"op": "Replace", "path": "title", "value": "CEO"},
            {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "a@b.c"}
        ]});
        assert_eq!(
            patched(Some(&legacy)),
            vec![
                ("title".to_owned(), json!("CEO")),
                ("emails[type eq \"work\"].value".to_owned(), json!("a@b.c"))
            ]
        );
        let compliant = json!({"Operations": [
            {"op": "replace", "value": {"title": "CEO", "name.givenName": "Amélie"}}
        ]});
        assert_eq!(patched(Some(&compliant)).len(), 2);
        assert!(patched(None).is_empty());
    }

    #[test]
    fn endless_patch_causes_name_what_the_app_did() {
        let app = resource(json!({"title": "ceo", "active": false, "nickName": "x"}));
        let missing = endless("a", "preferredLanguage", &json!("fr-FR"), Some(&app));
        assert!(
            missing.cause.contains("does not store"),
            "{}",
            missing.cause
        );
        assert_eq!(missing.returned, None);
        let case = endless("a", "title", &json!("CEO"), Some(&app));
        assert!(case.cause.contains("another case"), "{}", case.cause);
        let typed = endless("a", "active", &json!("False"), Some(&app));
        assert!(
            typed.cause.contains("Boolean where Entra sent a string"),
            "{}",
            typed.cause
        );
        let other = endless("a", "nickName", &json!("y"), Some(&app));
        assert!(
            other.cause.contains("\"x\" where Entra sent \"y\""),
            "{}",
            other.cause
        );
    }

    #[test]
    fn references_compare_by_linked_source_object() {
        let app_links = HashMap::from([("s-1".to_owned(), "oid-1".to_owned())]);
        let model_links = HashMap::from([("m-1".to_owned(), "oid-1".to_owned())]);
        let none = HashMap::new();
        let links = Links {
            app: Ids {
                users: &app_links,
                groups: &none,
            },
            model: Ids {
                users: &model_links,
                groups: &none,
            },
        };
        let mapping: ObjectMapping = serde_saphyr::from_str(
            "mappings:\n  - target: displayName\n    source: displayName\n  - target: members\n    source: members\n",
        )
        .unwrap();
        let attrs = Attributes::of(&mapping);
        let model = resource(json!({"displayName": "Eng", "members": [{"value": "m-1"}]}));
        let app =
            resource(json!({"displayName": "eng", "members": [{"value": "s-1", "$ref": "x"}]}));
        let d = differences("Eng", "Group", &attrs, &model, &app, &links);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].attribute, "displayName");
        assert!(!d[0].entra_notices);
        let empty = resource(json!({"displayName": "Eng"}));
        let d = differences("Eng", "Group", &attrs, &model, &empty, &links);
        assert_eq!(d[0].attribute, "members");
        assert!(d[0].entra_notices);
    }

    #[test]
    fn a_member_id_that_is_also_a_group_id_is_read_as_the_user_it_names() {
        // The app numbers users and groups each from 1: member "3" is user 3, not group 3.
        let app_users = HashMap::from([("3".to_owned(), "oid-carol".to_owned())]);
        let app_groups = HashMap::from([("3".to_owned(), "oid-eng".to_owned())]);
        let model_users = HashMap::from([("u-c".to_owned(), "oid-carol".to_owned())]);
        let model_groups = HashMap::from([("g-e".to_owned(), "oid-eng".to_owned())]);
        let links = Links {
            app: Ids {
                users: &app_users,
                groups: &app_groups,
            },
            model: Ids {
                users: &model_users,
                groups: &model_groups,
            },
        };
        let mapping: ObjectMapping =
            serde_saphyr::from_str("mappings:\n  - target: displayName\n    source: displayName\n")
                .unwrap();
        let attrs = Attributes::of(&mapping);
        let model = resource(json!({"displayName": "Eng", "members": [{"value": "u-c"}]}));
        let app = resource(json!({"displayName": "Eng", "members": [{"value": "3"}]}));
        assert_eq!(
            differences("Eng", "Group", &attrs, &model, &app, &links),
            vec![]
        );
        let typed =
            resource(json!({"displayName": "Eng", "members": [{"value": "3", "type": "Group"}]}));
        assert_eq!(
            differences("Eng", "Group", &attrs, &model, &typed, &links).len(),
            1
        );
    }
}
