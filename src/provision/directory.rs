//! Directory snapshots: the Entra users and groups one provisioning cycle reads (the
//! simulator's `--directory FILE`), and the built-in sample directory.
//!
//! Shape (YAML or JSON): `users:` a list of user objects keyed by source attribute names
//! (`objectId` required; `manager` is the manager's objectId; lists are multi-valued) plus the
//! simulator's own keys `assigned` (assigned to the app directly, default true) and
//! `softDeleted` (default false), which are not source attributes; a user may not set
//! `IsSoftDeleted`, which the cycle computes from those keys, `accountEnabled` and scope;
//! `groups:` a list with `objectId`, `displayName` and `members`
//! (objectIds). A user missing from a later snapshot was hard-deleted.

use super::export::{self, Shape};
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

/// A snapshot in entramap's JSON directory format (mappings/DIRECTORY.md), which [`parse`]
/// reads back to the same snapshot: `objectId` first, then the other source attributes
/// (Booleans as JSON Booleans, lists as arrays), then `assigned` and, when set, `softDeleted`.
/// `entramap pull` writes its `directory.json` with it.
pub fn to_json(directory: &Directory) -> serde_json::Value {
    use serde_json::{Map, Value as Json};
    fn attributes(record: &Record, object_id: &str) -> Map<String, Json> {
        let mut out = Map::new();
        out.insert("objectId".into(), Json::String(object_id.to_owned()));
        for (name, value) in record.iter() {
            if name == "objectId" {
                continue;
            }
            let value = match value {
                SourceRef::Str(s) => Json::String(s.to_owned()),
                SourceRef::Bool(b) => Json::Bool(b),
                SourceRef::List(items) => {
                    Json::Array(items.iter().map(|i| Json::String(i.to_owned())).collect())
                }
            };
            out.insert(name.to_owned(), value);
        }
        out
    }
    let users = directory
        .users
        .iter()
        .map(|u| {
            let mut o = attributes(&u.record, &u.object_id);
            o.insert("assigned".into(), Json::Bool(u.assigned));
            if u.soft_deleted {
                o.insert("softDeleted".into(), Json::Bool(true));
            }
            Json::Object(o)
        })
        .collect();
    let groups = directory
        .groups
        .iter()
        .map(|g| {
            let mut o = attributes(&g.record, &g.object_id);
            o.insert("assigned".into(), Json::Bool(g.assigned));
            Json::Object(o)
        })
        .collect();
    let mut top = Map::new();
    top.insert("users".into(), Json::Array(users));
    top.insert("groups".into(), Json::Array(groups));
    Json::Object(top)
}

/// The largest directory file read: 2 GiB, about four million users of `entramap sample`
/// JSON. Directories are parsed in one pass and the text is dropped before the first cycle,
/// so they may be far larger than the mapping and target files ([`input::MAX_FILE_BYTES`]).
pub const MAX_DIRECTORY_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// How much of a directory entramap reads, and how much of it as text.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most bytes read in all; more is refused while reading.
    pub max: u64,
    /// Up to this many bytes the file is held as text (errors then show the place); a longer
    /// JSON file is parsed as it streams in.
    pub held: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max: MAX_DIRECTORY_BYTES,
            held: input::MAX_FILE_BYTES,
        }
    }
}

/// Read a snapshot file (`-` for standard input), up to [`MAX_DIRECTORY_BYTES`].
pub fn read(path: &std::path::Path) -> Result<Directory, FileError> {
    read_shaped(path).map(|(directory, _)| directory)
}

/// [`read`], saying which shape the file had (entramap's format or an export), so that the
/// caller can say once that an export has no assignment data ([`Shape::note`]).
pub fn read_shaped(path: &std::path::Path) -> Result<(Directory, Shape), FileError> {
    let reader = input::open(path)?;
    read_from_shaped(reader, &input::display_name(path), Limits::default())
}

/// Read a snapshot from `reader` within `limits`. The limits hold while reading, whatever
/// size the file claims (a FIFO or a device claims 0).
pub fn read_from(
    reader: impl std::io::Read,
    name: &str,
    limits: Limits,
) -> Result<Directory, FileError> {
    read_from_shaped(reader, name, limits).map(|(directory, _)| directory)
}

/// [`read_from`] with the file's [`Shape`]. A file too large to hold as text is read as
/// entramap's JSON format, streaming; exports are held (up to the limit) and converted.
pub fn read_from_shaped(
    mut reader: impl std::io::Read,
    name: &str,
    limits: Limits,
) -> Result<(Directory, Shape), FileError> {
    use std::io::Read;
    let held = limits.held.min(limits.max);
    let mut head = Vec::new();
    match input::read_bounded_into(&mut reader, name, held, &mut head) {
        Ok(()) => {
            let text = input::into_text(head, name)?;
            return parse_shaped(name, &text);
        }
        Err(input::ReadError::TooLarge { .. }) if held < limits.max => {}
        Err(e) => return Err(e.into()),
    }
    if starts_like_json(&head) {
        return read_streaming(std::io::Cursor::new(head).chain(reader), name, limits.max)
            .map(|d| (d, Shape::Directory));
    }
    input::read_bounded_into(&mut reader, name, limits.max, &mut head)?;
    let text = input::into_text(head, name)?;
    parse_shaped(name, &text)
}

/// Whether the first non-blank byte (after a byte order mark) opens a JSON document.
fn starts_like_json(head: &[u8]) -> bool {
    let head = head.strip_prefix(input::BOM.as_bytes()).unwrap_or(head);
    head.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// A reader that fails once more than `limit` bytes were asked of it.
struct Bounded<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(std::io::Error::other("input limit reached"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// A large JSON directory parsed as it is read, never held as text: half a gigabyte of text
/// next to the records it becomes would be a third of a million-user simulation's memory.
/// Errors give the line and column (the text is not at hand to show).
fn read_streaming(
    reader: impl std::io::Read,
    name: &str,
    max: u64,
) -> Result<Directory, FileError> {
    use serde::Deserialize;
    let mut bounded = Bounded {
        inner: reader,
        left: max,
        exceeded: false,
    };
    let result = {
        let buffered = std::io::BufReader::with_capacity(1 << 20, &mut bounded);
        let mut de = serde_json::Deserializer::from_reader(SkipBom::new(buffered));
        Directory::deserialize(&mut de).and_then(|d| de.end().map(|()| d))
    };
    let directory = match result {
        Ok(directory) => directory,
        Err(_) if bounded.exceeded => {
            return Err(input::ReadError::TooLarge {
                name: name.to_string(),
                limit: max,
            }
            .into());
        }
        Err(e) => {
            let message = input::json_error_message(&e);
            return Err(FileError::new(name, "", format!("{name}: {message}"), None));
        }
    };
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

/// A reader that drops a leading UTF-8 byte order mark, which serde_json refuses.
struct SkipBom<R> {
    inner: R,
    checked: bool,
}

impl<R: std::io::BufRead> SkipBom<R> {
    fn new(inner: R) -> SkipBom<R> {
        SkipBom {
            inner,
            checked: false,
        }
    }
}

impl<R: std::io::BufRead> std::io::Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let bom = input::BOM.as_bytes();
            if self.inner.fill_buf()?.starts_with(bom) {
                self.inner.consume(bom.len());
            }
        }
        self.inner.read(buf)
    }
}

/// Parse a snapshot's text (YAML, or JSON when it starts with `{`) in one pass. Errors point
/// into the text: the syntax error, the offending object, or the second `objectId` of a
/// duplicate.
pub fn parse(name: &str, text: &str) -> Result<Directory, FileError> {
    parse_shaped(name, text).map(|(directory, _)| directory)
}

/// [`parse`], telling entramap's format from the exports an admin already has by content
/// (module [`super::export`]): a JSON array or an object whose first key is `value` or
/// `@odata.*` is Graph users, a first line of comma-separated headers is the admin center's
/// CSV, anything else entramap's format. A file of entramap's format that does not read,
/// but is a Graph `/users` response after all, is read as one.
pub fn parse_shaped(name: &str, text: &str) -> Result<(Directory, Shape), FileError> {
    let help = export::ACCEPTED_SHAPES;
    let body = input::strip_bom(text).trim_start();
    if export::looks_like_csv(body) {
        let directory = export::directory_from_csv(name, text)?;
        check_ids(name, text, &directory).map_err(|e| e.with_help(help))?;
        return Ok((directory, Shape::AdminCenterCsv));
    }
    let graph_first = body.starts_with('[') || first_key_is_graph(body);
    let native = if graph_first {
        None
    } else {
        Some(input::parse_document_within::<Directory>(
            name,
            text,
            MAX_DIRECTORY_BYTES,
        ))
    };
    let directory = match native {
        Some(Ok(directory)) => directory,
        failed => {
            let document = match input::parse_document(name, text) {
                Ok(d) => d,
                Err(e) => return Err(failed.and_then(Result::err).unwrap_or(e).with_help(help)),
            };
            match export::graph_users(&document) {
                Some(users) => {
                    let directory = export::directory_from_graph(name, text, &users)
                        .map_err(|e| e.with_help(help))?;
                    check_ids(name, text, &directory).map_err(|e| e.with_help(help))?;
                    return Ok((directory, Shape::GraphUsers));
                }
                None => {
                    let error = failed.and_then(Result::err).unwrap_or_else(|| {
                        FileError::new(
                            name,
                            text,
                            format!("{name}: a JSON array of Graph users must hold objects"),
                            None,
                        )
                    });
                    return Err(error.with_help(help));
                }
            }
        }
    };
    check_ids(name, text, &directory).map_err(|e| e.with_help(help))?;
    Ok((directory, Shape::Directory))
}

/// Whether a JSON object's first key is one a Graph collection response starts with.
fn first_key_is_graph(body: &str) -> bool {
    let Some(rest) = body.strip_prefix('{') else {
        return false;
    };
    let rest = rest.trim_start();
    ["\"@odata.", "\"value\"", "\"Value\""]
        .iter()
        .any(|k| rest.starts_with(k))
}

/// Object ids are unique among users, and among groups.
fn check_ids(name: &str, text: &str, directory: &Directory) -> Result<(), FileError> {
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

    /// Limits that send every JSON file down the streaming path.
    const STREAM: Limits = Limits {
        max: 1 << 20,
        held: 0,
    };

    fn streamed(text: &str) -> Result<Directory, FileError> {
        read_from(text.as_bytes(), "t.json", STREAM)
    }

    #[test]
    fn streamed_json_gives_the_same_directory_as_text() {
        let text = r#"{"users": [{"objectId": "a", "givenName": "Ann", "proxyAddresses": ["x", 1]},
            {"objectId": "b", "assigned": false, "softDeleted": true}],
            "groups": [{"objectId": "g", "displayName": "G", "members": ["a"]}]}"#;
        let streamed = streamed(text).expect("parses");
        let parsed = parse("same.json", text).expect("parses");
        assert_eq!(format!("{streamed:?}"), format!("{parsed:?}"));
    }

    #[test]
    fn streamed_json_errors_name_the_line_and_column() {
        let err = streamed("{\"users\": [\n  {\"objectId\": \"a\",}\n]}").expect_err("comma");
        let message = err.to_string();
        assert!(message.starts_with("t.json: invalid JSON:"), "{message}");
        assert!(message.contains("line 2 column"), "{message}");
    }

    #[test]
    fn streamed_json_refuses_duplicate_object_ids() {
        let err = streamed(r#"{"users": [{"objectId": "a"}, {"objectId": "a"}]}"#)
            .expect_err("duplicate");
        assert_eq!(err.to_string(), "users[1]: objectId a appears twice");
    }

    #[test]
    fn streamed_json_reports_a_missing_object_id() {
        let err = streamed(r#"{"users": [{"givenName": "x"}]}"#).expect_err("no objectId");
        assert!(
            err.to_string().contains("users[0]: has no `objectId`"),
            "{err}"
        );
    }

    #[test]
    fn streamed_json_accepts_a_byte_order_mark() {
        let d = streamed("\u{feff}{\"users\": [{\"objectId\": \"a\"}]}").expect("parses");
        assert_eq!(d.users[0].object_id, "a");
    }

    #[test]
    fn an_endless_json_stream_stops_at_the_limit() {
        use std::io::Read;
        let endless = b"{\"users\": [".chain(std::io::repeat(b' '));
        let limits = Limits {
            max: 1 << 20,
            held: 1 << 16,
        };
        let err = read_from(endless, "endless.json", limits).expect_err("too large");
        assert_eq!(
            err.to_string(),
            "endless.json is larger than 1 MiB (1048576 bytes), the most entramap reads for \
             this kind of file"
        );
    }

    #[test]
    fn an_endless_yaml_stream_stops_at_the_limit() {
        use std::io::Read;
        let endless = b"users:\n".chain(std::io::repeat(b'#'));
        let limits = Limits {
            max: 1 << 20,
            held: 1 << 16,
        };
        let err = read_from(endless, "endless.yaml", limits).expect_err("too large");
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }

    #[test]
    fn dev_zero_stops_at_the_limit() {
        let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
        let limits = Limits {
            max: 1 << 20,
            held: 1 << 20,
        };
        let err = read_from(zero, "/dev/zero", limits).expect_err("too large");
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }

    #[test]
    fn an_endless_fifo_stops_at_the_limit() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("entramap-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let fifo = dir.join("directory.fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let writer_path = fifo.clone();
        // The writer ends when the reader closes the FIFO (a broken pipe).
        let writer = std::thread::spawn(move || {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .open(writer_path)
                .expect("open FIFO");
            let _ = out.write_all(b"users:\n");
            let chunk = [b'#'; 4096];
            while out.write_all(&chunk).is_ok() {}
        });
        let reader = std::fs::File::open(&fifo).expect("open FIFO");
        let limits = Limits {
            max: 1 << 20,
            held: 1 << 18,
        };
        let err = read_from(reader, "directory.fifo", limits).expect_err("too large");
        writer.join().expect("writer ends");
        std::fs::remove_dir_all(&dir).ok();
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }
}
