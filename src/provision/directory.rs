//! Directory snapshots: the Entra users and groups one provisioning cycle reads (the
//! simulator's `--directory FILE`), and the built-in sample directory.
//!
//! Shape (YAML or JSON): `users:` a list of user objects keyed by source attribute names
//! (`objectId` required; `manager` is the manager's objectId; lists are multi-valued) plus the
//! simulator's own keys `assigned` (assigned to the app directly, default true) and
//! `softDeleted` (default false), which are not source attributes; `groups:` a list with `objectId`, `displayName` and `members`
//! (objectIds). A user missing from a later snapshot was hard-deleted.

use crate::input::{self, FileError};
use crate::model::source::{Record, Source, SourceRef};

/// The YAML text of the built-in sample directory (`mappings/samples/directory.yaml`).
pub const SAMPLE_DIRECTORY_YAML: &str = include_str!("../../mappings/samples/directory.yaml");

/// One snapshot of the directory.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// Users, in file order (the order Entra processes them in the simulation). Object ids
    /// are unique, as in a tenant: the loaders refuse a file that repeats one, and a cycle
    /// over a snapshot built otherwise treats a repeat as a new user to match.
    pub users: Vec<DirectoryUser>,
    /// Groups, in file order; object ids unique, as for users.
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
            SourceRef::Bool(b) => Some(b),
            SourceRef::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            SourceRef::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
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
            Some(SourceRef::Str(s)) if !s.is_empty() => Some(s),
            _ => None,
        })
        .unwrap_or(fallback)
}

/// The built-in sample directory: a dozen users (diacritics, a management chain, a manager out
/// of scope, a disabled and an unassigned user, a user in scope only through a group) and
/// three groups (one nested and unassigned).
pub fn sample() -> Directory {
    parse("directory.yaml", SAMPLE_DIRECTORY_YAML).expect("the built-in sample directory is valid")
}

/// The largest directory file read: 2 GiB, about four million users of `entramap sample`
/// JSON. Directories are parsed in one pass and the text is dropped before the first cycle,
/// so they may be far larger than the mapping and target files ([`input::MAX_FILE_BYTES`]).
pub const MAX_DIRECTORY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Read a snapshot file.
pub fn read(path: &std::path::Path) -> Result<Directory, FileError> {
    let name = path.display().to_string();
    let cannot =
        |e: std::io::Error| FileError::new(&name, "", format!("cannot read {name}: {e}"), None);
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > MAX_DIRECTORY_BYTES {
        return Err(FileError::new(
            &name,
            "",
            format!(
                "{name} is {size} bytes; entramap reads directories up to {MAX_DIRECTORY_BYTES} bytes"
            ),
            None,
        ));
    }
    if size > input::MAX_FILE_BYTES && starts_like_json(path).map_err(cannot)? {
        return read_streaming(path, &name);
    }
    let text = input::read_text_up_to(path, MAX_DIRECTORY_BYTES)
        .map_err(|e| FileError::new(&name, "", e, None))?;
    parse(&name, &text)
}

/// Whether the file's first non-blank byte opens a JSON document.
fn starts_like_json(path: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    Ok(head[..n]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{'))
}

/// A large JSON directory parsed straight from the file, never held as text: half a
/// gigabyte of text next to the records it becomes would be a third of a million-user
/// simulation's memory. Errors give the line and column (the text is not at hand to show).
fn read_streaming(path: &std::path::Path, name: &str) -> Result<Directory, FileError> {
    let file = std::fs::File::open(path)
        .map_err(|e| FileError::new(name, "", format!("cannot read {name}: {e}"), None))?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let directory: Directory = serde_json::from_reader(reader).map_err(|e| {
        let message = input::json_error_message(&e);
        FileError::new(name, "", format!("{name}: {message}"), None)
    })?;
    for (list, ids) in [
        (
            "users",
            directory
                .users
                .iter()
                .map(|u| u.object_id.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "groups",
            directory
                .groups
                .iter()
                .map(|g| g.object_id.as_str())
                .collect(),
        ),
    ] {
        duplicate_check(name, "", list, ids.into_iter())?;
    }
    Ok(directory)
}

/// Parse a snapshot's text (YAML, or JSON when it starts with `{`) in one pass. Errors point
/// into the text: the syntax error, the offending object, or the second `objectId` of a
/// duplicate.
pub fn parse(name: &str, text: &str) -> Result<Directory, FileError> {
    let help = "a directory is `users:` (maps with objectId, userPrincipalName, ..., assigned, \
                softDeleted) and `groups:` (objectId, displayName, members)";
    let directory: Directory =
        input::parse_document_as(name, text).map_err(|e| e.with_help(help))?;
    duplicate_check(
        name,
        text,
        "users",
        directory.users.iter().map(|u| u.object_id.as_str()),
    )
    .and_then(|()| {
        duplicate_check(
            name,
            text,
            "groups",
            directory.groups.iter().map(|g| g.object_id.as_str()),
        )
    })
    .map_err(|e| e.with_help(help))?;
    Ok(directory)
}

fn duplicate_check<'a>(
    name: &str,
    text: &str,
    list: &str,
    ids: impl Iterator<Item = &'a str>,
) -> Result<(), FileError> {
    let mut seen = std::collections::HashSet::new();
    for (i, id) in ids.enumerate() {
        if !seen.insert(id) {
            let span = find_second(text, id);
            return Err(FileError::new(
                name,
                text,
                format!("{list}[{i}]: objectId {id} appears twice"),
                span,
            ));
        }
    }
    Ok(())
}

/// The second place the text shows `needle` (the duplicate), else the first.
fn find_second(text: &str, needle: &str) -> Option<(usize, usize)> {
    let first = text.find(needle)?;
    let at = text[first + needle.len()..]
        .find(needle)
        .map_or(first, |i| first + needle.len() + i);
    Some((at, at + needle.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("entramap-{}-{name}", std::process::id()));
        std::fs::write(&path, text).expect("temp file");
        path
    }

    #[test]
    fn streamed_json_gives_the_same_directory_as_text() {
        let text = r#"{"users": [{"objectId": "a", "givenName": "Ann", "proxyAddresses": ["x", 1]},
            {"objectId": "b", "assigned": false, "softDeleted": true}],
            "groups": [{"objectId": "g", "displayName": "G", "members": ["a"]}]}"#;
        let path = temp("same.json", text);
        let streamed = read_streaming(&path, "same.json").expect("parses");
        let parsed = parse("same.json", text).expect("parses");
        std::fs::remove_file(&path).ok();
        assert_eq!(format!("{streamed:?}"), format!("{parsed:?}"));
    }

    #[test]
    fn streamed_json_errors_name_the_line_and_column() {
        let path = temp("bad.json", "{\"users\": [\n  {\"objectId\": \"a\",}\n]}");
        let err = read_streaming(&path, "bad.json").expect_err("trailing comma");
        std::fs::remove_file(&path).ok();
        let message = err.to_string();
        assert!(message.starts_with("bad.json: invalid JSON:"), "{message}");
        assert!(message.contains("line 2 column"), "{message}");
    }

    #[test]
    fn streamed_json_refuses_duplicate_object_ids() {
        let path = temp(
            "dup.json",
            r#"{"users": [{"objectId": "a"}, {"objectId": "a"}]}"#,
        );
        let err = read_streaming(&path, "dup.json").expect_err("duplicate");
        std::fs::remove_file(&path).ok();
        assert_eq!(err.to_string(), "users[1]: objectId a appears twice");
    }

    #[test]
    fn streamed_json_reports_a_missing_object_id() {
        let path = temp("noid.json", r#"{"users": [{"givenName": "x"}]}"#);
        let err = read_streaming(&path, "noid.json").expect_err("no objectId");
        std::fs::remove_file(&path).ok();
        assert!(
            err.to_string().contains("users[0]: has no `objectId`"),
            "{err}"
        );
    }
}
