//! Keeping what entramap does not model: per level (object mapping, object definition,
//! attribute mapping, attribute definition), the keys export writes from the model alone, which
//! of a Graph object's keys the level's `graph` keeps on import, and how export puts the two
//! back together in Graph's key order.

use serde_json::{Map, Value as Json, json};

use super::codec::{
    comparable_scope, decode_default, decode_flow_type, decode_flow_types, decode_priority,
    decode_references, decode_scope, decode_source, decode_type, encode_flow_types,
    encode_references, encode_scope, encode_source, flow_type_name, mask, row_source, type_name,
};
use super::error::GraphError;
use super::value::same;
use super::{KEYS, Role};
use crate::input::json::JsonPath;
use crate::model::mapping::{AttributeMapping, ObjectMapping, TargetAttribute};

/// One key export writes at a level.
pub(super) struct Field {
    key: &'static str,
    kind: FieldKind,
    /// The value written from the model alone (an error when it cannot be, e.g. an
    /// expression that does not parse).
    value: Result<Json, GraphError>,
}

/// How export writes a [`Field`].
enum FieldKind {
    /// Read into the model. `absent` is what the model's value is written as when the key
    /// was missing from the input, so that an edit can still add the key.
    Interpreted { absent: Json },
    /// Rebuilt from the level's children (rows, attributes); never kept raw.
    Children,
    /// Not interpreted; written with Entra's default unless `graph` holds another value.
    Defaulted,
}

impl Field {
    fn interpreted(key: &'static str, absent: Json, value: Result<Json, GraphError>) -> Field {
        Field {
            key,
            kind: FieldKind::Interpreted { absent },
            value,
        }
    }

    fn defaulted(key: &'static str, value: Json) -> Field {
        Field {
            key,
            kind: FieldKind::Defaulted,
            value: Ok(value),
        }
    }

    fn children(key: &'static str, value: Result<Json, GraphError>) -> Field {
        Field {
            key,
            kind: FieldKind::Children,
            value,
        }
    }
}

pub(super) fn row_fields(row: &AttributeMapping) -> Vec<Field> {
    vec![
        Field::interpreted(
            "defaultValue",
            Json::Null,
            Ok(row.default.clone().map_or(Json::Null, Json::String)),
        ),
        Field::defaulted("exportMissingReferences", json!(false)),
        Field::defaulted("flowBehavior", json!("FlowWhenChanged")),
        Field::interpreted(
            "flowType",
            json!("Always"),
            Ok(json!(flow_type_name(row.apply))),
        ),
        Field::interpreted(
            "matchingPriority",
            json!(0),
            Ok(json!(row.matching.unwrap_or(0))),
        ),
        Field::interpreted(
            "source",
            Json::Null,
            // Without a place yet: export names the row.
            row_source(row)
                .and_then(|s| encode_source(&s))
                .map_err(|kind| GraphError::new(JsonPath::root(), kind)),
        ),
        // Import refuses rows without a target, so the key is never absent.
        Field::interpreted(
            "targetAttributeName",
            Json::Null,
            Ok(json!(row.target.value)),
        ),
    ]
}

pub(super) fn row_agrees(row: &AttributeMapping, key: &str, raw: &Json) -> bool {
    let p = JsonPath::root();
    match key {
        "defaultValue" => decode_default(raw, &p).is_ok_and(|d| d == row.default),
        "flowType" => decode_flow_type(raw, &p).is_ok_and(|a| a == row.apply),
        "matchingPriority" => decode_priority(raw, &p).is_ok_and(|m| m == row.matching),
        "source" => decode_source(raw, &p).is_ok_and(|s| Ok(s) == row_source(row)),
        "targetAttributeName" => raw.as_str() == Some(row.target.value.as_str()),
        _ => false,
    }
}

pub(super) fn attribute_fields(attr: &TargetAttribute) -> Vec<Field> {
    vec![
        Field::defaulted("anchor", json!(false)),
        Field::interpreted("caseExact", json!(false), Ok(json!(attr.case_exact))),
        Field::defaulted("metadata", json!([])),
        Field::interpreted("multivalued", json!(false), Ok(json!(attr.multi_valued))),
        Field::defaulted("mutability", json!("ReadWrite")),
        Field::interpreted("name", Json::Null, Ok(json!(attr.name.value))),
        Field::interpreted(
            "referencedObjects",
            json!([]),
            Ok(encode_references(&attr.references)),
        ),
        Field::interpreted("required", json!(false), Ok(json!(attr.required))),
        Field::interpreted("type", json!("String"), Ok(json!(type_name(attr.kind)))),
    ]
}

pub(super) fn attribute_agrees(attr: &TargetAttribute, key: &str, raw: &Json) -> bool {
    let p = JsonPath::root();
    match key {
        "caseExact" => raw.as_bool() == Some(attr.case_exact),
        "multivalued" => raw.as_bool() == Some(attr.multi_valued),
        "required" => raw.as_bool() == Some(attr.required),
        "name" => raw.as_str() == Some(attr.name.value.as_str()),
        "referencedObjects" => decode_references(raw, &p).is_ok_and(|r| r == attr.references),
        "type" => decode_type(raw, &p).is_ok_and(|t| t == attr.kind),
        _ => false,
    }
}

pub(super) fn object_mapping_fields(
    om: &ObjectMapping,
    role: Role,
    rows: Result<Json, GraphError>,
) -> Vec<Field> {
    let name_or = |name: &Option<String>, default: &str| json!(name.as_deref().unwrap_or(default));
    vec![
        Field::children("attributeMappings", rows),
        Field::interpreted("enabled", json!(true), Ok(json!(om.enabled))),
        Field::interpreted(
            "flowTypes",
            json!("Add, Update, Delete"),
            Ok(json!(encode_flow_types(mask(&om.actions)))),
        ),
        Field::defaulted("metadata", json!([])),
        Field::defaulted("name", json!(role.mapping_name())),
        Field::interpreted("scope", Json::Null, Ok(encode_scope(&om.scope))),
        Field::interpreted(
            "sourceObjectName",
            json!(role.source_object()),
            Ok(name_or(&om.source_object, role.source_object())),
        ),
        Field::interpreted(
            "targetObjectName",
            json!(role.target_object()),
            Ok(name_or(&om.target_object, role.target_object())),
        ),
    ]
}

pub(super) fn object_mapping_agrees(om: &ObjectMapping, key: &str, raw: &Json) -> bool {
    let p = JsonPath::root();
    match key {
        "enabled" => raw.as_bool() == Some(om.enabled),
        "flowTypes" => decode_flow_types(raw, &p).is_ok_and(|m| m == mask(&om.actions)),
        "scope" => {
            decode_scope(raw, &p).is_ok_and(|s| comparable_scope(&s) == comparable_scope(&om.scope))
        }
        "sourceObjectName" => raw.as_str().is_some() && raw.as_str() == om.source_object.as_deref(),
        "targetObjectName" => raw.as_str().is_some() && raw.as_str() == om.target_object.as_deref(),
        _ => false,
    }
}

pub(super) fn definition_fields(
    om: &ObjectMapping,
    role: Role,
    attributes: Result<Json, GraphError>,
) -> Vec<Field> {
    vec![
        Field::children("attributes", attributes),
        Field::defaulted("metadata", json!([])),
        Field::interpreted("name", Json::Null, Ok(json!(target_object(om, role)))),
        Field::defaulted("supportedApis", json!([])),
    ]
}

pub(super) fn definition_agrees(om: &ObjectMapping, role: Role, key: &str, raw: &Json) -> bool {
    key == "name" && raw.as_str() == Some(target_object(om, role))
}

fn target_object(om: &ObjectMapping, role: Role) -> &str {
    om.target_object.as_deref().unwrap_or(role.target_object())
}

/// The `graph` of a level being imported: every key of `raw` whose value export would not
/// write from the model alone, and `$keys` when export would not write the same keys in the
/// same order.
pub(super) fn kept(raw: &Map<String, Json>, fields: &[Field]) -> Map<String, Json> {
    let mut graph = Map::new();
    for (key, value) in raw {
        match fields.iter().find(|f| f.key == key) {
            Some(Field {
                kind: FieldKind::Children,
                ..
            }) => {}
            Some(Field {
                value: Ok(natural), ..
            }) if same(natural, value) => {}
            Some(_) => {
                graph.insert(key.clone(), value.clone());
            }
            None => {
                graph.insert(escape(key), value.clone());
            }
        }
    }
    let mut natural: Vec<&str> = fields.iter().map(|f| f.key).collect();
    natural.extend(
        raw.keys()
            .map(String::as_str)
            .filter(|k| !fields.iter().any(|f| f.key == *k)),
    );
    natural.sort_unstable();
    if !raw.keys().map(String::as_str).eq(natural.iter().copied()) {
        graph.insert(KEYS.to_string(), raw.keys().map(|k| json!(k)).collect());
    }
    graph
}

/// Write one level: the fields from the model, overridden by what `graph` keeps, in the
/// order `$keys` gives (or sorted, as Graph writes).
pub(super) fn assemble(
    fields: Vec<Field>,
    graph: &Json,
    agrees: impl Fn(&str, &Json) -> bool,
) -> Result<Json, GraphError> {
    let empty = Map::new();
    let kept = graph.as_object().unwrap_or(&empty);
    // (key, value, whether to write it even when `$keys` does not list it)
    let mut entries: Vec<(String, Json, bool)> = Vec::with_capacity(fields.len() + kept.len());
    for field in &fields {
        let stored = kept.get(field.key);
        let (value, explicit) = match (&field.kind, stored) {
            (FieldKind::Interpreted { .. }, Some(raw)) if agrees(field.key, raw) => {
                (raw.clone(), true)
            }
            (FieldKind::Defaulted, Some(raw)) => (raw.clone(), true),
            _ => (field.value.clone()?, false),
        };
        let changed = match &field.kind {
            FieldKind::Interpreted { absent } => !same(&value, absent),
            FieldKind::Children => value.as_array().is_some_and(|a| !a.is_empty()),
            FieldKind::Defaulted => false,
        };
        entries.push((field.key.to_string(), value, explicit || changed));
    }
    for (key, value) in kept {
        if let Some(rest) = key.strip_prefix('$') {
            if rest.starts_with('$') {
                entries.push((rest.to_string(), value.clone(), true));
            }
        } else if !fields.iter().any(|f| f.key == key) {
            entries.push((key.clone(), value.clone(), true));
        }
    }
    let mut out = Map::new();
    if let Some(keys) = kept.get(KEYS).and_then(Json::as_array) {
        for key in keys.iter().filter_map(Json::as_str) {
            if let Some(i) = entries.iter().position(|e| e.0 == key) {
                let (k, v, _) = entries.remove(i);
                out.insert(k, v);
            }
        }
        entries.retain(|e| e.2);
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v, _) in entries {
        out.insert(k, v);
    }
    Ok(Json::Object(out))
}

pub(super) fn level(graph: Map<String, Json>) -> Json {
    if graph.is_empty() {
        Json::Null
    } else {
        Json::Object(graph)
    }
}

/// Graph keys that look like entramap's own `$` keys get one more `$`.
fn escape(key: &str) -> String {
    if key.starts_with('$') {
        format!("${key}")
    } else {
        key.to_string()
    }
}
