//! Each interpreted field's Graph form and back: a row's source, default, flow type and
//! matching priority; an object mapping's flow types and scope; an attribute's type and
//! references.

use serde_json::{Map, Value as Json, json};

use super::error::{GraphError, GraphErrorKind};
use super::value::{
    array, describe, describe_value, missing, non_null, object, optional_string, sorted, spanned,
    string, wrong_type,
};
use crate::expr::{graph as expr_graph, print::write_string, syntax};
use crate::input::json::JsonPath;
use crate::model::mapping::{
    Apply, AttributeMapping, AttributeType, ScopeClause, ScopeFilter, TargetObjectAction,
};

/// What a row reads, as one value (the model spreads it over three optional fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Source {
    None,
    Attribute(String),
    Constant(String),
    Expression(String),
}

pub(super) fn row_source(row: &AttributeMapping) -> Result<Source, GraphErrorKind> {
    match (&row.source, &row.constant, &row.expression) {
        (None, None, None) => Ok(Source::None),
        (Some(s), None, None) => Ok(Source::Attribute(s.value.clone())),
        (None, Some(c), None) => Ok(Source::Constant(c.value.clone())),
        (None, None, Some(e)) => Ok(Source::Expression(e.value.clone())),
        _ => Err(GraphErrorKind::SeveralSources),
    }
}

pub(super) fn decode_source(raw: &Json, path: &JsonPath) -> Result<Source, GraphError> {
    if raw.is_null() {
        return Ok(Source::None);
    }
    let map = object(raw, path)?;
    let kind = match map.get("type") {
        // Graph documents `Attribute` as the default type.
        None => "Attribute",
        Some(v) => string(v, &path.key("type"))?,
    };
    let field = |key: &str| -> Result<String, GraphError> {
        match map.get(key) {
            Some(v) => Ok(string(v, &path.key(key))?.to_string()),
            None => Err(missing(
                &path.key(key),
                Some(format!("a {kind} source has a {key}")),
            )),
        }
    };
    match kind {
        "Attribute" => Ok(Source::Attribute(field("name")?)),
        "Constant" => Ok(Source::Constant(field("name")?)),
        // The node's own `expression` is what Entra's editor shows for the row.
        "Function" => Ok(Source::Expression(field("expression")?)),
        other => Err(GraphError::new(
            path.key("type"),
            GraphErrorKind::UnknownName {
                expected: "\"Attribute\", \"Constant\" or \"Function\"",
                found: other.to_string(),
            },
        )),
    }
}

pub(super) fn encode_source(source: &Source) -> Result<Json, GraphErrorKind> {
    Ok(match source {
        Source::None => Json::Null,
        Source::Attribute(name) => json!({
            "expression": format!("[{name}]"),
            "name": name,
            "parameters": [],
            "type": "Attribute",
        }),
        Source::Constant(value) => {
            let mut quoted = String::new();
            write_string(value, &mut quoted);
            json!({"expression": quoted, "name": value, "parameters": [], "type": "Constant"})
        }
        Source::Expression(text) => {
            let tree = syntax::parse(text).map_err(|e| GraphErrorKind::ExpressionSyntax {
                expression: text.clone(),
                at: e.span.start,
                message: e.message.to_string(),
            })?;
            // Graph stores schemas with sorted keys; the tree is the same as parseExpression's.
            sorted(expr_graph::to_source(&tree))
        }
    })
}

pub(super) fn decode_default(raw: &Json, path: &JsonPath) -> Result<Option<String>, GraphError> {
    match raw {
        Json::Null => Ok(None),
        Json::String(s) => Ok(Some(s.clone())),
        other => Err(wrong_type(
            path,
            "a string or null",
            describe(other).to_string(),
        )),
    }
}

const FLOW_TYPES: [(&str, Apply); 5] = [
    ("Always", Apply::Always),
    ("ObjectAddOnly", Apply::OnCreate),
    ("MultiValueAddOnly", Apply::MultiValueAddOnly),
    ("ValueAddOnly", Apply::ValueAddOnly),
    ("AttributeAddOnly", Apply::AttributeAddOnly),
];

pub(super) fn decode_flow_type(raw: &Json, path: &JsonPath) -> Result<Apply, GraphError> {
    let s = string(raw, path)?;
    FLOW_TYPES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, apply)| *apply)
        .ok_or_else(|| {
            GraphError::new(
                path.clone(),
                GraphErrorKind::UnknownName {
                    expected: "\"Always\", \"ObjectAddOnly\", \"MultiValueAddOnly\", \"ValueAddOnly\" or \"AttributeAddOnly\"",
                    found: s.to_string(),
                },
            )
        })
}

pub(super) fn flow_type_name(apply: Apply) -> &'static str {
    FLOW_TYPES
        .iter()
        .find(|(_, a)| *a == apply)
        .map_or("Always", |(name, _)| name)
}

pub(super) fn decode_priority(raw: &Json, path: &JsonPath) -> Result<Option<u32>, GraphError> {
    let n = raw
        .as_i64()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| wrong_type(path, "a 32-bit integer", describe_value(raw)))?;
    // 0 means "not a matching attribute"; Graph documents only positive precedences.
    Ok(u32::try_from(n).ok().filter(|n| *n > 0))
}

const ACTIONS: [(&str, TargetObjectAction, u8); 3] = [
    ("Add", TargetObjectAction::Create, 1),
    ("Update", TargetObjectAction::Update, 2),
    ("Delete", TargetObjectAction::Delete, 4),
];

pub(super) fn mask(actions: &[TargetObjectAction]) -> u8 {
    ACTIONS
        .iter()
        .filter(|(_, a, _)| actions.contains(a))
        .fold(0, |m, (_, _, bit)| m | bit)
}

pub(super) fn actions_of(mask: u8) -> Vec<TargetObjectAction> {
    ACTIONS
        .iter()
        .filter(|(_, _, bit)| mask & bit != 0)
        .map(|(_, a, _)| *a)
        .collect()
}

pub(super) fn all_actions() -> Vec<TargetObjectAction> {
    actions_of(7)
}

/// `flowTypes` is a flags string: "Add, Update, Delete", also seen without spaces.
pub(super) fn decode_flow_types(raw: &Json, path: &JsonPath) -> Result<u8, GraphError> {
    let s = string(raw, path)?;
    let mut m = 0;
    for part in s.split(',').map(str::trim) {
        if part.eq_ignore_ascii_case("None") {
            continue;
        }
        let (_, _, bit) = ACTIONS
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(part))
            .ok_or_else(|| {
                GraphError::new(
                    path.clone(),
                    GraphErrorKind::UnknownFlowTypes {
                        found: s.to_string(),
                    },
                )
            })?;
        m |= bit;
    }
    Ok(m)
}

pub(super) fn encode_flow_types(mask: u8) -> String {
    let names: Vec<&str> = ACTIONS
        .iter()
        .filter(|(_, _, bit)| mask & bit != 0)
        .map(|(name, _, _)| *name)
        .collect();
    if names.is_empty() {
        "None".to_string()
    } else {
        names.join(", ")
    }
}

pub(super) fn decode_scope(raw: &Json, path: &JsonPath) -> Result<Vec<ScopeFilter>, GraphError> {
    if raw.is_null() {
        return Ok(Vec::new());
    }
    let map = object(raw, path)?;
    let groups_path = path.key("groups");
    let mut filters = Vec::new();
    let Some(groups) = non_null(map.get("groups")) else {
        return Ok(filters);
    };
    for (i, group) in array(groups, &groups_path)?.iter().enumerate() {
        let gpath = groups_path.index(i);
        let group = object(group, &gpath)?;
        let name = optional_string(group.get("name"), &gpath.key("name"))?.map(str::to_string);
        let clauses_path = gpath.key("clauses");
        let mut clauses = Vec::new();
        if let Some(list) = non_null(group.get("clauses")) {
            for (j, clause) in array(list, &clauses_path)?.iter().enumerate() {
                let cpath = clauses_path.index(j);
                let clause = object(clause, &cpath)?;
                let required = |key: &str| -> Result<String, GraphError> {
                    match clause.get(key) {
                        Some(v) => Ok(string(v, &cpath.key(key))?.to_string()),
                        None => Err(missing(&cpath.key(key), None)),
                    }
                };
                let operator = required("operatorName")?;
                let attribute = required("sourceOperandName")?;
                let operand_path = cpath.key("targetOperand");
                let value = match non_null(clause.get("targetOperand")) {
                    None => None,
                    Some(operand) => {
                        let operand = object(operand, &operand_path)?;
                        let values_path = operand_path.key("values");
                        match non_null(operand.get("values")) {
                            None => None,
                            Some(values) => {
                                let values = array(values, &values_path)?;
                                for (k, v) in values.iter().enumerate() {
                                    string(v, &values_path.index(k))?;
                                }
                                values.first().and_then(Json::as_str).map(str::to_string)
                            }
                        }
                    }
                };
                clauses.push(ScopeClause {
                    attribute: spanned(attribute),
                    operator: spanned(operator),
                    value,
                });
            }
        }
        filters.push(ScopeFilter { name, clauses });
    }
    Ok(filters)
}

pub(super) fn encode_scope(scope: &[ScopeFilter]) -> Json {
    if scope.is_empty() {
        return Json::Null;
    }
    let groups: Vec<Json> = scope
        .iter()
        .map(|filter| {
            let clauses: Vec<Json> = filter
                .clauses
                .iter()
                .map(|c| {
                    json!({
                        "operatorName": c.operator.value,
                        "sourceOperandName": c.attribute.value,
                        "targetOperand": {"values": c.value.iter().collect::<Vec<_>>()},
                    })
                })
                .collect();
            let mut group = Map::new();
            group.insert("clauses".to_string(), Json::Array(clauses));
            if let Some(name) = &filter.name {
                group.insert("name".to_string(), json!(name));
            }
            Json::Object(group)
        })
        .collect();
    json!({"categoryFilterGroups": [], "groups": groups, "inputFilterGroups": []})
}

pub(super) type ComparableScope = Vec<(Option<String>, Vec<(String, String, Option<String>)>)>;

pub(super) fn comparable_scope(scope: &[ScopeFilter]) -> ComparableScope {
    scope
        .iter()
        .map(|f| {
            let clauses = f
                .clauses
                .iter()
                .map(|c| {
                    (
                        c.attribute.value.clone(),
                        c.operator.value.clone(),
                        c.value.clone(),
                    )
                })
                .collect();
            (f.name.clone(), clauses)
        })
        .collect()
}

const TYPES: [(&str, AttributeType); 6] = [
    ("String", AttributeType::String),
    ("Boolean", AttributeType::Boolean),
    ("Integer", AttributeType::Integer),
    ("DateTime", AttributeType::DateTime),
    ("Reference", AttributeType::Reference),
    ("Binary", AttributeType::Binary),
];

pub(super) fn decode_type(raw: &Json, path: &JsonPath) -> Result<AttributeType, GraphError> {
    let s = string(raw, path)?;
    TYPES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            GraphError::new(
                path.clone(),
                GraphErrorKind::UnknownName {
                    expected: "\"String\", \"Boolean\", \"Integer\", \"DateTime\", \"Reference\" or \"Binary\"",
                    found: s.to_string(),
                },
            )
        })
}

pub(super) fn type_name(kind: AttributeType) -> &'static str {
    TYPES
        .iter()
        .find(|(_, t)| *t == kind)
        .map_or("String", |(name, _)| name)
}

pub(super) fn decode_references(raw: &Json, path: &JsonPath) -> Result<Vec<String>, GraphError> {
    let Some(list) = non_null(Some(raw)) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (i, item) in array(list, path)?.iter().enumerate() {
        let ipath = path.index(i);
        let item = object(item, &ipath)?;
        let key_path = ipath.key("referencedObjectName");
        match item.get("referencedObjectName") {
            Some(v) => names.push(string(v, &key_path)?.to_string()),
            None => return Err(missing(&key_path, None)),
        }
    }
    Ok(names)
}

pub(super) fn encode_references(references: &[String]) -> Json {
    references
        .iter()
        .map(|name| json!({"referencedObjectName": name}))
        .collect()
}
