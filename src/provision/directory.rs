//! Directory snapshots: the Entra users and groups one provisioning cycle reads (the
//! simulator's `--directory FILE`), and the built-in sample directory.
//!
//! Shape (YAML or JSON): `users:` a list of user objects keyed by source attribute names
//! (`objectId` required; `manager` is the manager's objectId; lists are multi-valued) plus the
//! simulator's own keys `assigned` (default true) and `softDeleted` (default false), which are
//! not source attributes; `groups:` a list with `objectId`, `displayName` and `members`
//! (objectIds). A user missing from a later snapshot was hard-deleted.

use serde_json::Value as Json;

use crate::input::{self, FileError};
use crate::model::source::{Record, Source, SourceValue};

/// The YAML text of the built-in sample directory (`mappings/samples/directory.yaml`).
pub const SAMPLE_DIRECTORY_YAML: &str = include_str!("../../mappings/samples/directory.yaml");

/// One snapshot of the directory.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// Users, in file order (the order Entra processes them in the simulation).
    pub users: Vec<DirectoryUser>,
    /// Groups, in file order.
    pub groups: Vec<DirectoryGroup>,
}

/// One Entra user.
#[derive(Clone, Debug)]
pub struct DirectoryUser {
    /// The source objectId: the anchor that links the user to its target account.
    pub object_id: String,
    /// Every source attribute of the file (objectId included; `assigned` and `softDeleted`
    /// excluded). The simulator adds the computed `IsSoftDeleted` before projecting.
    pub record: Record,
    /// Whether the user is assigned to the app.
    pub assigned: bool,
    /// Whether the user is in Entra's recycle bin.
    pub soft_deleted: bool,
}

impl DirectoryUser {
    /// `accountEnabled` as a Boolean; absent or unreadable means unknown.
    pub fn account_enabled(&self) -> Option<bool> {
        match self.record.attribute("accountEnabled")? {
            SourceValue::Bool(b) => Some(*b),
            SourceValue::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            SourceValue::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// A readable name for transcripts: the UPN, else the display name, else the objectId.
    pub fn label(&self) -> &str {
        label(
            &self.record,
            &["userPrincipalName", "displayName"],
            &self.object_id,
        )
    }
}

/// One Entra group.
#[derive(Clone, Debug)]
pub struct DirectoryGroup {
    /// The source objectId.
    pub object_id: String,
    /// Its source attributes (`objectId`, `displayName`, `members`, ...).
    pub record: Record,
    /// Whether the group is assigned to the app.
    pub assigned: bool,
}

impl DirectoryGroup {
    /// A readable name for transcripts: the display name, else the objectId.
    pub fn label(&self) -> &str {
        label(&self.record, &["displayName"], &self.object_id)
    }
}

fn label<'a>(record: &'a Record, names: &[&str], fallback: &'a str) -> &'a str {
    names
        .iter()
        .find_map(|n| match record.attribute(n) {
            Some(SourceValue::Str(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or(fallback)
}

/// The built-in sample directory: a dozen users (diacritics, a management chain, a manager out
/// of scope, a disabled and an unassigned user) and two groups.
pub fn sample() -> Directory {
    parse("directory.yaml", SAMPLE_DIRECTORY_YAML).expect("the built-in sample directory is valid")
}

/// Read a snapshot file.
pub fn read(path: &std::path::Path) -> Result<Directory, FileError> {
    let name = path.display().to_string();
    let text = input::read_text(path).map_err(|e| FileError::new(&name, "", e, None))?;
    parse(&name, &text)
}

/// Parse a snapshot's text (YAML, or JSON when it starts with `{`). Errors point into the
/// text: the syntax error, or the offending object's `objectId` or key when the text shows it.
pub fn parse(name: &str, text: &str) -> Result<Directory, FileError> {
    let value = input::parse_document(name, text)?;
    let fail = |message: String, needle: Option<&str>| {
        let span = needle.and_then(|n| find(text, n));
        FileError::new(name, text, message, span).with_help(
            "a directory is `users:` (maps with objectId, userPrincipalName, ..., assigned, \
             softDeleted) and `groups:` (objectId, displayName, members)",
        )
    };
    let Json::Object(top) = &value else {
        return Err(fail(
            "a directory must be a map with `users` and `groups` lists".into(),
            None,
        ));
    };
    if let Some(key) = top.keys().find(|k| *k != "users" && *k != "groups") {
        return Err(fail(
            format!("unknown key `{key}`: a directory has `users` and `groups`"),
            Some(key),
        ));
    }
    let list = |key: &str| -> Result<Vec<Json>, FileError> {
        match top.get(key) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(Json::Array(items)) => Ok(items.clone()),
            Some(_) => Err(fail(format!("`{key}` must be a list"), Some(key))),
        }
    };
    let mut directory = Directory::default();
    let mut seen = std::collections::HashSet::new();
    for (i, item) in list("users")?.into_iter().enumerate() {
        let (object_id, mut object) =
            object_with_id(&item, "users", i).map_err(|m| fail(m, None))?;
        if !seen.insert(object_id.clone()) {
            return Err(fail(
                format!("users[{i}]: objectId {object_id} appears twice"),
                Some(&object_id),
            ));
        }
        let flag =
            |object: &mut serde_json::Map<String, Json>, key: &str, default: bool| match object
                .remove(key)
            {
                None | Some(Json::Null) => Ok(default),
                Some(Json::Bool(b)) => Ok(b),
                Some(_) => Err(fail(
                    format!("users[{i}] ({object_id}): `{key}` must be true or false"),
                    Some(key),
                )),
            };
        let assigned = flag(&mut object, "assigned", true)?;
        let soft_deleted = flag(&mut object, "softDeleted", false)?;
        let record = Record::from_json(&Json::Object(object)).map_err(|e| {
            fail(
                format!("users[{i}] ({object_id}): {}", e.message),
                e.attribute.as_deref(),
            )
        })?;
        directory.users.push(DirectoryUser {
            object_id,
            record,
            assigned,
            soft_deleted,
        });
    }
    seen.clear();
    for (i, item) in list("groups")?.into_iter().enumerate() {
        let (object_id, mut object) =
            object_with_id(&item, "groups", i).map_err(|m| fail(m, None))?;
        if !seen.insert(object_id.clone()) {
            return Err(fail(
                format!("groups[{i}]: objectId {object_id} appears twice"),
                Some(&object_id),
            ));
        }
        let assigned = match object.remove("assigned") {
            None | Some(Json::Null) => true,
            Some(Json::Bool(b)) => b,
            Some(_) => {
                return Err(fail(
                    format!("groups[{i}] ({object_id}): `assigned` must be true or false"),
                    Some("assigned"),
                ));
            }
        };
        let record = Record::from_json(&Json::Object(object)).map_err(|e| {
            fail(
                format!("groups[{i}] ({object_id}): {}", e.message),
                e.attribute.as_deref(),
            )
        })?;
        directory.groups.push(DirectoryGroup {
            object_id,
            record,
            assigned,
        });
    }
    Ok(directory)
}

/// The item as a map and its non-empty string `objectId`.
fn object_with_id(
    item: &Json,
    list: &str,
    i: usize,
) -> Result<(String, serde_json::Map<String, Json>), String> {
    let Json::Object(object) = item else {
        return Err(format!(
            "{list}[{i}] must be a map of attribute names to values"
        ));
    };
    match object.get("objectId") {
        Some(Json::String(id)) if !id.is_empty() => Ok((id.clone(), object.clone())),
        _ => Err(format!(
            "{list}[{i}] has no `objectId` (a non-empty string)"
        )),
    }
}

/// The first place the text shows `needle` as a key (`key:` or `"key"`) or a value.
fn find(text: &str, needle: &str) -> Option<(usize, usize)> {
    [
        format!("\"{needle}\""),
        format!("{needle}:"),
        needle.to_owned(),
    ]
    .iter()
    .find_map(|n| text.find(n.as_str()).map(|at| (at, at + n.len())))
}
