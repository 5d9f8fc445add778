//! Directories from the exports an admin already has: a Microsoft Graph `GET /users` response
//! or a JSON array of Graph users (camelCase as Graph Explorer and `Invoke-MgGraphRequest`
//! give them, PascalCase as `Get-MgUser | ConvertTo-Json` writes them), and the CSV of the
//! Entra admin center's "Download users" (users-bulk-download.md). Graph's property names
//! become source attribute names through the one table in `expr/catalog.rs`
//! (docs/graph-users.md). Such a file carries no assignment data: its users count as
//! assigned, and [`Shape::note`] says so.

use serde_json::{Map, Value as Json};

use super::directory::Directory;
use crate::expr::catalog::{self, GRAPH_USER_PROPERTIES, GraphForm};
use crate::input::{self, FileError};

/// The kind of file a directory snapshot was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// entramap's directory format (mappings/DIRECTORY.md), as `entramap pull` writes it.
    Directory,
    /// Microsoft Graph users: a `/users` response (`{"value": [...]}`) or a JSON array.
    GraphUsers,
    /// The Entra admin center's "Download users" CSV.
    AdminCenterCsv,
}

impl Shape {
    /// What a user is told once when a file of this shape is read: it has no assignment data.
    pub fn note(self, name: &str) -> Option<String> {
        let what = match self {
            Shape::Directory => return None,
            Shape::GraphUsers => "a list of Microsoft Graph users",
            Shape::AdminCenterCsv => "the Entra admin center's user download (CSV)",
        };
        Some(format!(
            "{name} is {what}: it has no app assignments, groups or app roles, so every user \
             in it counts as assigned; `entramap pull` reads the assignments too"
        ))
    }
}

/// The shapes a directory file may have, for diagnostics.
pub const ACCEPTED_SHAPES: &str = "a directory is entramap's format (`users:` maps with \
     objectId, userPrincipalName, ..., assigned, softDeleted; `groups:` with objectId, \
     displayName, members; see mappings/DIRECTORY.md), a Microsoft Graph `GET /users` response \
     or JSON array of Graph users (camelCase, or PascalCase from `Get-MgUser | ConvertTo-Json`), \
     or the Entra admin center's \"Download users\" CSV";

/// A Graph `user` object (camelCase keys) as a directory user: the source attributes of
/// [`GRAPH_USER_PROPERTIES`] that it holds, then its directory extensions. Nulls, empty lists
/// and values of the wrong shape (an object where text is expected) are left out: they are
/// absent attributes. Everything else Graph returns (`@odata.*`, properties no source
/// attribute reads) is dropped.
pub fn source_user(user: &Map<String, Json>) -> Map<String, Json> {
    let mut out = Map::new();
    for row in GRAPH_USER_PROPERTIES {
        let value = match row.graph {
            GraphForm::Property(p) => user.get(p),
            GraphForm::FirstOf(p) => user.get(p).and_then(Json::as_array).and_then(|a| a.first()),
            GraphForm::Nested(p, k) => user.get(p).and_then(|o| o.get(k)),
            GraphForm::ManagerId => user.get("manager").and_then(|m| m.get("id")),
        };
        if let Some(v) = value.and_then(flat) {
            out.insert(row.source.to_owned(), v);
        }
    }
    for (key, value) in user {
        if let (true, Some(v)) = (catalog::is_directory_extension(key), flat(value)) {
            out.insert(key.clone(), v);
        }
    }
    out
}

/// A value a source attribute can hold: a scalar, or a non-empty list of scalars (as text).
fn flat(value: &Json) -> Option<Json> {
    match value {
        Json::String(_) | Json::Bool(_) | Json::Number(_) => Some(value.clone()),
        Json::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Json::String(_) => Some(i.clone()),
                Json::Number(n) => Some(Json::String(n.to_string())),
                Json::Bool(b) => Some(Json::String(crate::expr::value::bool_text(*b).to_owned())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        _ => None,
    }
}

/// The Graph users a parsed JSON document holds, when it is a Graph export: an array of
/// objects, or an object with a `value` array (a `/users` response, `@odata.context` and
/// `@odata.nextLink` ignored). PascalCase keys are read as camelCase. `None` when the document
/// is neither.
pub fn graph_users(document: &Json) -> Option<Vec<Map<String, Json>>> {
    let items = match document {
        Json::Array(items) => items,
        Json::Object(o) => {
            let value = o.get("value").or_else(|| o.get("Value"))?;
            value.as_array()?
        }
        _ => return None,
    };
    items
        .iter()
        .map(|item| match input::camel_case_keys(item.clone()) {
            Json::Object(o) => Some(o),
            _ => None,
        })
        .collect()
}

/// One Graph user object (a `GET /users/{id}` answer, or one item of `Get-MgUser`): an object
/// with `id` (or `Id`) and no `objectId`.
pub fn single_graph_user(document: &Json) -> Option<Map<String, Json>> {
    let o = document.as_object()?;
    if o.contains_key("objectId") || !(o.contains_key("id") || o.contains_key("Id")) {
        return None;
    }
    match input::camel_case_keys(document.clone()) {
        Json::Object(o) => Some(o),
        _ => None,
    }
}

/// A directory from Graph users: each becomes a user by [`source_user`]; there are no groups.
pub fn directory_from_graph(
    name: &str,
    text: &str,
    users: &[Map<String, Json>],
) -> Result<Directory, FileError> {
    let users: Vec<Json> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let s = source_user(u);
            if s.contains_key("objectId") {
                Ok(Json::Object(s))
            } else {
                Err(FileError::new(
                    name,
                    text,
                    format!("Graph user {i} has no `id`: select it (`$select=id,...`)"),
                    None,
                ))
            }
        })
        .collect::<Result<_, _>>()?;
    directory_of(name, text, users)
}

fn directory_of(name: &str, text: &str, users: Vec<Json>) -> Result<Directory, FileError> {
    let mut document = Map::new();
    document.insert("users".into(), Json::Array(users));
    serde_json::from_value(Json::Object(document))
        .map_err(|e| FileError::new(name, text, format!("{name}: {e}"), None))
}

/// Whether `text` looks like a CSV with a header line: its first line (after a `version:`
/// line, which the admin center's bulk templates start with) is comma-separated, has no `:`,
/// does not open a YAML comment, list or JSON document, and names at least one column
/// `csv_column` reads.
pub fn looks_like_csv(text: &str) -> bool {
    let mut lines = input::strip_bom(text).lines();
    let mut first = lines.next().unwrap_or("");
    if first
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("version:")
    {
        first = lines.next().unwrap_or("");
    }
    let opens_other = first.trim_start().starts_with(['{', '[', '#', '-', '%']);
    first.contains(',')
        && !first.contains(':')
        && !opens_other
        && first
            .split(',')
            .any(|h| csv_column(h.trim().trim_matches('"')).is_some())
}

/// Column headers that are neither a source attribute nor a Graph property name, as the
/// admin center's download has spelled them (inferred; COMPATIBILITY.md): normalized (lower
/// case, letters and digits only) -> source attribute.
const CSV_ALIASES: &[(&str, &str)] = &[
    ("firstname", "givenName"),
    ("lastname", "surname"),
    ("title", "jobTitle"),
    ("office", "physicalDeliveryOfficeName"),
    ("mobilephone", "mobile"),
    ("officephone", "telephoneNumber"),
    ("zipcode", "postalCode"),
    ("stateorprovince", "state"),
    ("countryorregion", "country"),
];

fn normalized(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The source attribute a CSV column header names: a source attribute name, a Graph
/// property name of [`GRAPH_USER_PROPERTIES`], either with other casing and spaces
/// (`User principal name`, `Object ID`), an alias, or a directory extension.
fn csv_column(header: &str) -> Option<String> {
    let header = header.trim();
    if catalog::is_directory_extension(header) {
        return Some(header.to_owned());
    }
    let n = normalized(header);
    for row in GRAPH_USER_PROPERTIES {
        let graph = match row.graph {
            GraphForm::Property(p) | GraphForm::FirstOf(p) => Some(p),
            GraphForm::Nested(_, k) => Some(k),
            GraphForm::ManagerId => None,
        };
        if normalized(row.source) == n || graph.is_some_and(|g| normalized(g) == n) {
            return Some(row.source.to_owned());
        }
    }
    CSV_ALIASES
        .iter()
        .find(|(alias, _)| *alias == n)
        .map(|(_, source)| (*source).to_owned())
}

/// A directory from the admin center's "Download users" CSV: one user per row, columns by
/// `csv_column` (others ignored), empty cells absent, `accountEnabled` read as a Boolean.
pub fn directory_from_csv(name: &str, text: &str) -> Result<Directory, FileError> {
    let body = input::strip_bom(text);
    let mut rows = csv_rows(body).map_err(|(offset, message)| {
        FileError::new(name, body, message, Some((offset, offset + 1)))
    })?;
    if rows
        .first()
        .is_some_and(|r| r.len() == 1 && r[0].0.to_ascii_lowercase().starts_with("version:"))
    {
        rows.remove(0);
    }
    let mut rows = rows.into_iter();
    let header = rows.next().unwrap_or_default();
    let columns: Vec<Option<String>> = header.iter().map(|(h, _)| csv_column(h)).collect();
    if !columns.iter().any(|c| c.as_deref() == Some("objectId")) {
        let at = header.first().map_or(0, |(_, o)| *o);
        return Err(FileError::new(
            name,
            body,
            "a user CSV needs an object id column (`id`, `objectId` or `Object ID`)",
            Some((at, at + 1)),
        )
        .with_help(ACCEPTED_SHAPES));
    }
    let mut users = Vec::new();
    for row in rows {
        if row.iter().all(|(cell, _)| cell.trim().is_empty()) {
            continue;
        }
        let mut user = Map::new();
        for ((cell, _), column) in row.iter().zip(&columns) {
            let (Some(column), false) = (column, cell.is_empty()) else {
                continue;
            };
            let value = match column.as_str() {
                "accountEnabled" | "dirSyncEnabled" if cell.eq_ignore_ascii_case("true") => {
                    Json::Bool(true)
                }
                "accountEnabled" | "dirSyncEnabled" if cell.eq_ignore_ascii_case("false") => {
                    Json::Bool(false)
                }
                _ => Json::String(cell.clone()),
            };
            user.insert(column.clone(), value);
        }
        if !user.contains_key("objectId") {
            let at = row.first().map_or(0, |(_, o)| *o);
            return Err(FileError::new(
                name,
                body,
                "this row has no object id",
                Some((at, at + 1)),
            ));
        }
        users.push(Json::Object(user));
    }
    directory_of(name, body, users)
}

/// RFC 4180 records: fields with their byte offsets; quoted fields may hold commas, quotes
/// (doubled) and line breaks. An unterminated quote is an error at its opening.
type Row = Vec<(String, usize)>;

fn csv_rows(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let mut rows = Vec::new();
    let mut row: Row = Vec::new();
    let mut field = String::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    let mut quoted_at = None;
    let mut at_field_start = true;
    while let Some((i, c)) = chars.next() {
        if quoted_at.is_some() {
            if c == '"' {
                if chars.peek().is_some_and(|(_, n)| *n == '"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted_at = None;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if at_field_start => {
                quoted_at = Some(i);
                at_field_start = false;
            }
            ',' => {
                row.push((std::mem::take(&mut field), start));
                start = i + 1;
                at_field_start = true;
            }
            '\r' if chars.peek().is_some_and(|(_, n)| *n == '\n') => {}
            '\n' => {
                row.push((std::mem::take(&mut field), start));
                rows.push(std::mem::take(&mut row));
                start = i + 1;
                at_field_start = true;
            }
            _ => {
                field.push(c);
                at_field_start = false;
            }
        }
    }
    if let Some(open) = quoted_at {
        return Err((open, "a quoted CSV field is never closed".to_owned()));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push((field, start));
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::source::Source;

    #[test]
    fn graph_names_become_source_names() {
        let user = serde_json::json!({
            "@odata.type": "#microsoft.graph.user",
            "id": "u1", "mobilePhone": "+1 555", "businessPhones": ["+1 444", "+1 333"],
            "officeLocation": "B/1", "faxNumber": "+1 222",
            "onPremisesExtensionAttributes": {"extensionAttribute3": "x", "extensionAttribute4": null},
            "manager": {"@odata.type": "#microsoft.graph.user", "id": "m1"},
            "extension_0123456789abcdef0123456789abcdef_costCode": "C7",
            "createdDateTime": "2024-01-01T00:00:00Z", "mail": null
        });
        let s = source_user(user.as_object().unwrap());
        let got: Vec<(&str, &Json)> = s.iter().map(|(k, v)| (k.as_str(), v)).collect();
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({
                "objectId": "u1", "extensionAttribute3": "x", "facsimileTelephoneNumber": "+1 222",
                "manager": "m1", "mobile": "+1 555", "physicalDeliveryOfficeName": "B/1",
                "telephoneNumber": "+1 444",
                "extension_0123456789abcdef0123456789abcdef_costCode": "C7"
            }),
            "{got:?}"
        );
    }

    #[test]
    fn only_a_header_line_naming_a_user_column_is_a_csv() {
        assert!(looks_like_csv(
            "\u{feff}userPrincipalName,Object ID\r\na,b\r\n"
        ));
        assert!(looks_like_csv("version:v1.0\nid,displayName\n"));
        // YAML whose first line is a comment with a comma, a flow list, prose.
        assert!(!looks_like_csv("# A user, the sample\nmail: a@b.c\n"));
        assert!(!looks_like_csv("[a, b]\n"));
        assert!(!looks_like_csv("apples,pears\n"));
        assert!(!looks_like_csv("users:\n  - objectId: a\n"));
    }

    #[test]
    fn csv_headers_are_read_by_source_graph_or_display_name() {
        let d = directory_from_csv(
            "u.csv",
            "\u{feff}User principal name,Object ID,accountEnabled,\"Job title\",Unknown\r\n\
             \"a@contoso.com\",id-1,False,\"Chief, \"\"Ops\"\"\",z\r\n",
        )
        .unwrap();
        let u = &d.users[0];
        assert_eq!(u.object_id, "id-1");
        assert_eq!(u.account_enabled(), Some(false));
        assert!(u.assigned);
        assert_eq!(
            format!("{:?}", u.record.attribute("jobTitle")),
            "Some(Str(\"Chief, \\\"Ops\\\"\"))"
        );
    }
}
