//! Entra source objects as the expression language sees them, and the catalog of source
//! attribute names Entra offers in its mapping editor.

use std::collections::HashMap;

/// One attribute value of a source object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceValue {
    /// A single string (numbers arrive as their text).
    Str(String),
    /// A Boolean, such as `accountEnabled`; expressions see it as `True` / `False`.
    Bool(bool),
    /// A multi-valued attribute, such as `proxyAddresses` or `appRoleAssignments`.
    List(Vec<String>),
}

/// Anything an expression can read attributes from. Absent attributes are null.
pub trait Source {
    /// The attribute's value, or `None` when the object has no such attribute (null).
    fn attribute(&self, name: &str) -> Option<&SourceValue>;
}

/// Why a JSON value is not a source object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    /// The attribute at fault, when one is.
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A source object held as a map from attribute name to value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    attrs: HashMap<String, SourceValue>,
}

impl Record {
    /// An object with no attributes.
    pub fn new() -> Record {
        Record::default()
    }

    /// Set an attribute.
    pub fn set(&mut self, name: impl Into<String>, value: SourceValue) -> &mut Record {
        self.attrs.insert(name.into(), value);
        self
    }

    /// Attribute names, unordered.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.attrs.keys().map(String::as_str)
    }

    /// Build from a JSON object: strings, numbers and Booleans are single values, arrays are
    /// multi-valued, `null` is absent. Nested objects are rejected with the attribute's name.
    pub fn from_json(value: &serde_json::Value) -> Result<Record, RecordError> {
        use serde_json::Value as J;
        let object = value.as_object().ok_or_else(|| RecordError {
            attribute: None,
            message: "a source object must be a map of attribute names to values".to_string(),
        })?;
        let fault = |name: &str, what: &str| RecordError {
            attribute: Some(name.to_string()),
            message: format!("attribute `{name}`: {what}"),
        };
        let mut record = Record::new();
        for (name, v) in object {
            let value = match v {
                J::Null => continue,
                J::Bool(b) => SourceValue::Bool(*b),
                J::Number(n) => SourceValue::Str(n.to_string()),
                J::String(s) => SourceValue::Str(s.clone()),
                J::Array(items) => SourceValue::List(
                    items
                        .iter()
                        .map(|item| match item {
                            J::String(s) => Ok(s.clone()),
                            J::Number(n) => Ok(n.to_string()),
                            J::Bool(b) => Ok(crate::expr::value::bool_text(*b).to_string()),
                            _ => Err(fault(
                                name,
                                "the values of a multi-valued attribute must be strings",
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                J::Object(_) => {
                    return Err(fault(
                        name,
                        "a value must be a string, number, Boolean, list or null",
                    ));
                }
            };
            record.set(name.clone(), value);
        }
        Ok(record)
    }
}

impl Source for Record {
    fn attribute(&self, name: &str) -> Option<&SourceValue> {
        self.attrs.get(name)
    }
}

/// The type of a source attribute in Entra's catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceType {
    /// Text.
    String,
    /// `True` / `False`.
    Boolean,
    /// A reference to another object (manager, app role assignments).
    Reference,
}

/// One entry of Entra's user source attribute catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The name as expressions write it, e.g. `userPrincipalName`.
    pub name: &'static str,
    /// Its type.
    pub kind: SourceType,
    /// Whether it holds several values.
    pub multi_valued: bool,
}

const fn entry(name: &'static str, kind: SourceType, multi_valued: bool) -> CatalogEntry {
    CatalogEntry {
        name,
        kind,
        multi_valued,
    }
}

use SourceType::{Boolean, Reference, String as Text};

/// The user attributes Entra's mapping editor offers as sources for outbound provisioning
/// (the provisioning-era names, e.g. `surname`, `mobile`, `objectId`), plus `employeeId`.
/// Directory extensions (`extension_<appid>_<name>`) are accepted by [`is_known_user_attribute`].
pub const USER_ATTRIBUTES: &[CatalogEntry] = &[
    entry("objectId", Text, false),
    entry("IsSoftDeleted", Boolean, false),
    entry("accountEnabled", Boolean, false),
    entry("appRoleAssignments", Reference, true),
    entry("city", Text, false),
    entry("companyName", Text, false),
    entry("country", Text, false),
    entry("department", Text, false),
    entry("dirSyncEnabled", Boolean, false),
    entry("displayName", Text, false),
    entry("employeeId", Text, false),
    entry("extensionAttribute1", Text, false),
    entry("extensionAttribute2", Text, false),
    entry("extensionAttribute3", Text, false),
    entry("extensionAttribute4", Text, false),
    entry("extensionAttribute5", Text, false),
    entry("extensionAttribute6", Text, false),
    entry("extensionAttribute7", Text, false),
    entry("extensionAttribute8", Text, false),
    entry("extensionAttribute9", Text, false),
    entry("extensionAttribute10", Text, false),
    entry("extensionAttribute11", Text, false),
    entry("extensionAttribute12", Text, false),
    entry("extensionAttribute13", Text, false),
    entry("extensionAttribute14", Text, false),
    entry("extensionAttribute15", Text, false),
    entry("facsimileTelephoneNumber", Text, false),
    entry("givenName", Text, false),
    entry("jobTitle", Text, false),
    entry("mail", Text, false),
    entry("mailNickname", Text, false),
    entry("manager", Reference, false),
    entry("mobile", Text, false),
    entry("onPremisesSecurityIdentifier", Text, false),
    entry("originalUserPrincipalName", Text, false),
    entry("passwordProfile.password", Text, false),
    entry("physicalDeliveryOfficeName", Text, false),
    entry("postalCode", Text, false),
    entry("preferredLanguage", Text, false),
    entry("proxyAddresses", Text, true),
    entry("state", Text, false),
    entry("streetAddress", Text, false),
    entry("surname", Text, false),
    entry("telephoneNumber", Text, false),
    entry("userPrincipalName", Text, false),
];

/// The catalog entry for a user attribute name (exact case: Entra's names are case-sensitive).
pub fn user_attribute(name: &str) -> Option<&'static CatalogEntry> {
    USER_ATTRIBUTES.iter().find(|e| e.name == name)
}

/// Whether `name` is a catalog attribute or a directory extension `extension_<appid>_<name>`
/// (appid: 32 hex digits, Entra's app id without dashes).
pub fn is_known_user_attribute(name: &str) -> bool {
    user_attribute(name).is_some() || is_directory_extension(name)
}

/// `extension_<32 hex digits>_<name>`.
pub fn is_directory_extension(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("extension_") else {
        return false;
    };
    let (app, attr) = rest.split_at(rest.find('_').unwrap_or(rest.len()));
    app.len() == 32 && app.bytes().all(|b| b.is_ascii_hexdigit()) && attr.len() > 1
}
