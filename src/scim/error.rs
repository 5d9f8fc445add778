//! Errors: parse errors for paths and filters, and the SCIM error a server answers with.

use std::fmt;

use serde_json::{Value as Json, json};

/// A path or filter text that does not parse. `offset` is the byte where parsing stopped, so a
/// caller can point at it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct ParseError {
    /// What was expected or what is wrong, in words.
    pub message: String,
    /// Byte offset into the parsed text.
    pub offset: usize,
}

/// The `scimType` detail error keywords of RFC 7644 §3.12 (table 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax was invalid or the filter type is not supported.
    InvalidFilter,
    /// The filter would return more results than the server allows.
    TooMany,
    /// One or more unique attribute values are already in use.
    Uniqueness,
    /// The attempted modification is not compatible with an attribute's mutability.
    Mutability,
    /// The request body structure was invalid or did not conform to the schema.
    InvalidSyntax,
    /// The `path` attribute was invalid or malformed.
    InvalidPath,
    /// The path did not yield an attribute or value that could be operated on.
    NoTarget,
    /// A required value was missing, or the value was not compatible with the operation.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information in the URI.
    Sensitive,
}

impl ScimType {
    /// The keyword as it appears in a SCIM Error response (`"invalidPath"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error a SCIM service provider answers with (RFC 7644 §3.12): an HTTP status, an optional
/// `scimType` keyword and a human-readable detail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{status}{}: {detail}",
    scim_type.map(|t| format!(" {t}")).unwrap_or_default()
)]
pub struct ScimError {
    /// HTTP status code; 400 for every error this module raises.
    pub status: u16,
    /// The `scimType` keyword, when the status is 400 and one applies.
    pub scim_type: Option<ScimType>,
    /// The message for humans.
    pub detail: String,
}

impl ScimError {
    /// A 400 error with the given `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> ScimError {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// The Error response body, keys in RFC 7644 §3.12's order:
    /// `{"schemas":[...Error],"scimType":...,"detail":...,"status":"400"}`. RFC 7644 makes
    /// `status` a string.
    pub fn to_json(&self) -> Json {
        let mut body = json!({ "schemas": [super::ERROR_SCHEMA] });
        let map = body.as_object_mut().expect("json! object");
        if let Some(t) = self.scim_type {
            map.insert("scimType".into(), Json::from(t.as_str()));
        }
        map.insert("detail".into(), Json::from(self.detail.clone()));
        map.insert("status".into(), Json::from(self.status.to_string()));
        body
    }
}
