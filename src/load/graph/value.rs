//! Reading and comparing JSON values: the typed accessors import uses (each error names the
//! value's path), and the order-aware equality and key sorting of Graph's stored form.

use serde_json::{Map, Value as Json};
use serde_saphyr::{Location, Spanned};

use super::error::{GraphError, GraphErrorKind};
use crate::input::json::JsonPath;

/// A wrong-type error at `path`.
pub(super) fn wrong_type(path: &JsonPath, expected: &'static str, found: String) -> GraphError {
    GraphError::new(path.clone(), GraphErrorKind::WrongType { expected, found })
}

/// A missing-member error at `path`.
pub(super) fn missing(path: &JsonPath, why: Option<String>) -> GraphError {
    GraphError::new(path.clone(), GraphErrorKind::Missing { why })
}

/// What kind of JSON value `v` is, as a message says it.
pub(super) fn describe(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a Boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Like [`describe`], but shows short scalars (`1.5`, `"1"`), for values of the right kind
/// with the wrong content.
pub(super) fn describe_value(v: &Json) -> String {
    match v {
        Json::Number(n) => format!("{n}"),
        Json::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        other => describe(other).to_string(),
    }
}

pub(super) fn object<'a>(
    v: &'a Json,
    path: &JsonPath,
) -> Result<&'a Map<String, Json>, GraphError> {
    v.as_object()
        .ok_or_else(|| wrong_type(path, "an object", describe(v).to_string()))
}

pub(super) fn array<'a>(v: &'a Json, path: &JsonPath) -> Result<&'a Vec<Json>, GraphError> {
    v.as_array()
        .ok_or_else(|| wrong_type(path, "an array", describe(v).to_string()))
}

pub(super) fn string<'a>(v: &'a Json, path: &JsonPath) -> Result<&'a str, GraphError> {
    v.as_str()
        .ok_or_else(|| wrong_type(path, "a string", describe(v).to_string()))
}

pub(super) fn boolean(v: &Json, path: &JsonPath) -> Result<bool, GraphError> {
    v.as_bool()
        .ok_or_else(|| wrong_type(path, "true or false", describe(v).to_string()))
}

/// A string that may be missing or null.
pub(super) fn optional_string<'a>(
    v: Option<&'a Json>,
    path: &JsonPath,
) -> Result<Option<&'a str>, GraphError> {
    match non_null(v) {
        None => Ok(None),
        Some(v) => string(v, path).map(Some),
    }
}

pub(super) fn non_null(v: Option<&Json>) -> Option<&Json> {
    v.filter(|v| !v.is_null())
}

/// Equality that also compares key order (serde_json's own `==` on maps does not).
pub(super) fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

/// The same value with every object's keys sorted, the order Graph returns schemas in.
pub(super) fn sorted(v: Json) -> Json {
    match v {
        Json::Object(map) => {
            let mut entries: Vec<(String, Json)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Json::Array(items) => Json::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// A model string that came from JSON, which has no spans to give it.
pub(super) fn spanned(value: String) -> Spanned<String> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}
