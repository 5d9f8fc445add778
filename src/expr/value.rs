//! Values that flow through an expression.

use std::borrow::Cow;

use super::error::{Error, ErrorKind, Span};
use crate::dotnet::datetime::DateTime;

/// One complex element of a multi-valued complex result (a SCIM `roles` entry).
pub type Object = serde_json::Map<String, serde_json::Value>;

/// A value during evaluation. Strings borrow from the program's constants or the source object
/// where they can, so that evaluating a mapping allocates only for what it builds.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value<'a> {
    /// No value: an absent attribute, or a function's "nothing".
    #[default]
    Null,
    /// A string.
    Str(Cow<'a, str>),
    /// A whole number, from a numeric function or a hex literal.
    Num(i64),
    /// A Boolean; it renders as `True` / `False`, like .NET's `Boolean.ToString()`.
    Bool(bool),
    /// A UTC date and time; it renders as `M/d/yyyy h:mm:ss tt`.
    Date(DateTime),
    /// A multi-valued attribute or result.
    List(Vec<Cow<'a, str>>),
    /// Complex multi-valued values (AppRoleAssignmentsComplex's roles).
    Objects(Vec<Object>),
}

impl<'a> Value<'a> {
    /// A borrowed string value.
    pub fn str(s: &'a str) -> Value<'a> {
        Value::Str(Cow::Borrowed(s))
    }

    /// An owned string value.
    pub fn string(s: String) -> Value<'a> {
        Value::Str(Cow::Owned(s))
    }

    /// True for null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for null, the empty string and an empty list: what IgnoreFlowIfNullOrEmpty,
    /// IsNullOrEmpty and IsPresent treat as "nothing".
    pub fn is_null_or_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            Value::Objects(o) => o.is_empty(),
            _ => false,
        }
    }

    /// The value as one string, the way .NET would print it. `None` for null; a one-element
    /// list is its element; a longer list (or complex values) cannot be one string.
    pub fn text(&self, span: Span) -> Result<Option<Cow<'_, str>>, Error> {
        Ok(match self {
            Value::Null => None,
            Value::Str(s) => Some(Cow::Borrowed(s.as_ref())),
            Value::Num(n) => Some(Cow::Owned(n.to_string())),
            Value::Bool(b) => Some(Cow::Borrowed(bool_text(*b))),
            Value::Date(d) => {
                let mut s = String::with_capacity(24);
                d.write_entra(&mut s);
                Some(Cow::Owned(s))
            }
            Value::List(l) => match l.as_slice() {
                [] => None,
                [one] => Some(Cow::Borrowed(one.as_ref())),
                many => {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        span,
                        format!("expected a single value, found {} values", many.len()),
                    )
                    .with_help("pick one with Item(), or combine them with Join()"));
                }
            },
            Value::Objects(_) => {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    span,
                    "expected a single value, found complex values",
                ));
            }
        })
    }

    /// Like [`Value::text`], with null read as the empty string.
    pub fn text_or_empty(&self, span: Span) -> Result<Cow<'_, str>, Error> {
        Ok(self.text(span)?.unwrap_or(Cow::Borrowed("")))
    }

    /// Append the value's text to `out` without an intermediate allocation; null appends
    /// nothing.
    pub fn write_text(&self, out: &mut String, span: Span) -> Result<(), Error> {
        match self {
            Value::Str(s) => out.push_str(s),
            Value::Num(n) => {
                use std::fmt::Write;
                let _ = write!(out, "{n}");
            }
            Value::Bool(b) => out.push_str(bool_text(*b)),
            Value::Date(d) => d.write_entra(out),
            other => {
                if let Some(t) = other.text(span)? {
                    out.push_str(&t);
                }
            }
        }
        Ok(())
    }

    /// The values of a multi-valued input: null is none, a single value is one.
    pub fn items(&self, span: Span) -> Result<Vec<Cow<'_, str>>, Error> {
        Ok(match self {
            Value::Null => Vec::new(),
            Value::List(l) => l.iter().map(|s| Cow::Borrowed(s.as_ref())).collect(),
            other => other.text(span)?.into_iter().collect(),
        })
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Num(n) => Value::Num(n),
            Value::Bool(b) => Value::Bool(b),
            Value::Date(d) => Value::Date(d),
            Value::List(l) => {
                Value::List(l.into_iter().map(|s| Cow::Owned(s.into_owned())).collect())
            }
            Value::Objects(o) => Value::Objects(o),
        }
    }

    /// The value as it flows to a target: strings for scalars (numbers, Booleans and dates in
    /// their .NET text), an array for multi-valued results, null for no value.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Null => Json::Null,
            Value::List(l) => Json::Array(l.iter().map(|s| Json::String(s.to_string())).collect()),
            Value::Objects(o) => Json::Array(o.iter().cloned().map(Json::Object).collect()),
            scalar => match scalar.text(Span::default()) {
                Ok(Some(t)) => Json::String(t.into_owned()),
                _ => Json::Null,
            },
        }
    }

    /// The evaluation result as Graph's parseExpression reports it: an array of strings
    /// (complex values JSON-encoded), empty for null.
    pub fn to_result_strings(&self) -> Vec<String> {
        match self {
            Value::Null => Vec::new(),
            Value::List(l) => l.iter().map(|s| s.to_string()).collect(),
            Value::Objects(o) => o
                .iter()
                .map(|m| serde_json::Value::Object(m.clone()).to_string())
                .collect(),
            scalar => scalar
                .text(Span::default())
                .ok()
                .flatten()
                .map(|t| vec![t.into_owned()])
                .unwrap_or_default(),
        }
    }
}

/// .NET's `Boolean.ToString()`.
pub fn bool_text(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}
