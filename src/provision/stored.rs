//! How the in-memory app keeps a resource: a compact binary encoding of its JSON tree.
//!
//! A resource is decoded on every read and re-encoded on every write, and at a million users
//! those dominate a cycle, so this form needs no escaping, no number parsing and knows each
//! map's size before filling it (the ordered map never grows and rehashes). Its top level can
//! also be walked member by member without decoding ([`members`]), so a write that touches
//! one attribute rewrites that attribute alone.

use serde_json::Value as Json;

use crate::scim::patch::{PatchOpKind, PatchOperation, apply_operations_owned};
use crate::scim::resource::key_ci;
use crate::scim::{Resource, ScimError};

use super::FastMap as IdMap;

/// A resource as the in-memory app keeps it: the encoding of its JSON map (see [`encode`]).
/// Only this module writes or reads the bytes, so whatever holds a `Stored` holds a valid
/// encoding, and nothing can mistake other bytes for one.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Stored(Box<[u8]>);

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The decoded map says more than the bytes.
        f.debug_tuple("Stored").field(&thaw(self)).finish()
    }
}

/// A resource as stored.
pub(super) fn freeze(resource: &Resource) -> Stored {
    exact(|out| encode_map(resource, out))
}

/// What `write` encodes, in an allocation of exactly its size. Written into a scratch buffer
/// first: a buffer shrunk to fit keeps its larger block in mimalloc, and freed blocks of
/// another size are not reused by the next resource, which at a million resources costs
/// hundreds of megabytes.
fn exact(write: impl FnOnce(&mut Vec<u8>)) -> Stored {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|out| {
        out.clear();
        write(out);
        Stored(Box::from(out.as_slice()))
    })
}

/// A stored resource back as a map.
pub(super) fn thaw(stored: &Stored) -> Resource {
    let mut input: &[u8] = &stored.0;
    decode_map(&mut input).unwrap_or_default()
}

// Tags: 0 null, 1 false, 2 true, 3 number (its JSON text), 4 string, 5 array, 6 object.
// Lengths are LEB128. A string is its length doubled and its bytes, or, for one of the
// [`COMMON`] strings (schema URNs, attribute names, type values), its index doubled plus one:
// most of a SCIM resource's bytes are those names, and a million resources hold them a
// million times.

/// Strings stored as one byte. Append only: the index is the encoding.
const COMMON: &[&str] = &[
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    "schemas",
    "id",
    "externalId",
    "userName",
    "active",
    "displayName",
    "nickName",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "emails",
    "phoneNumbers",
    "addresses",
    "roles",
    "name",
    "givenName",
    "familyName",
    "middleName",
    "formatted",
    "honorificPrefix",
    "honorificSuffix",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "type",
    "value",
    "primary",
    "display",
    "work",
    "home",
    "mobile",
    "fax",
    "other",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
    "members",
    "$ref",
    "meta",
    "resourceType",
    "location",
    "created",
    "lastModified",
    "version",
    "User",
    "Group",
    "True",
    "False",
];

fn common_index(s: &str) -> Option<usize> {
    static INDEX: std::sync::OnceLock<IdMap<&'static str, usize>> = std::sync::OnceLock::new();
    // Most strings of a resource are looked up here once per write; the longest common
    // string is 60 bytes, so longer values skip the hash.
    if s.len() > 60 {
        return None;
    }
    INDEX
        .get_or_init(|| COMMON.iter().enumerate().map(|(i, c)| (*c, i)).collect())
        .get(s)
        .copied()
}

const TAG_NULL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_NUMBER: u8 = 3;
const TAG_STRING: u8 = 4;
const TAG_ARRAY: u8 = 5;
const TAG_OBJECT: u8 = 6;

fn encode(value: &Json, out: &mut Vec<u8>) {
    match value {
        Json::Null => out.push(TAG_NULL),
        Json::Bool(b) => out.push(if *b { TAG_TRUE } else { TAG_FALSE }),
        Json::Number(n) => {
            out.push(TAG_NUMBER);
            encode_str(&n.to_string(), out);
        }
        Json::String(s) => {
            out.push(TAG_STRING);
            encode_str(s, out);
        }
        Json::Array(items) => {
            out.push(TAG_ARRAY);
            encode_len(items.len(), out);
            for item in items {
                encode(item, out);
            }
        }
        Json::Object(map) => {
            out.push(TAG_OBJECT);
            encode_map(map, out);
        }
    }
}

fn encode_map(map: &Resource, out: &mut Vec<u8>) {
    encode_len(map.len(), out);
    for (k, v) in map {
        encode_str(k, out);
        encode(v, out);
    }
}

fn encode_string(s: &str, out: &mut Vec<u8>) {
    out.push(TAG_STRING);
    encode_str(s, out);
}

fn encode_str(s: &str, out: &mut Vec<u8>) {
    match common_index(s) {
        Some(i) => encode_len(2 * i + 1, out),
        None => {
            encode_len(2 * s.len(), out);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

fn encode_len(mut n: usize, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn decode(input: &mut &[u8]) -> Option<Json> {
    let (&tag, rest) = input.split_first()?;
    *input = rest;
    Some(match tag {
        TAG_NULL => Json::Null,
        TAG_FALSE => Json::Bool(false),
        TAG_TRUE => Json::Bool(true),
        TAG_NUMBER => Json::Number(decode_str(input)?.parse().ok()?),
        TAG_STRING => Json::String(decode_str(input)?.to_owned()),
        TAG_ARRAY => {
            let n = decode_len(input)?;
            let mut items = Vec::with_capacity(n.min(input.len()));
            for _ in 0..n {
                items.push(decode(input)?);
            }
            Json::Array(items)
        }
        TAG_OBJECT => Json::Object(decode_map(input)?),
        _ => return None,
    })
}

fn decode_map(input: &mut &[u8]) -> Option<Resource> {
    let n = decode_len(input)?;
    let mut map = Resource::with_capacity(n.min(input.len()));
    for _ in 0..n {
        let key = decode_str(input)?.to_owned();
        let value = decode(input)?;
        map.insert(key, value);
    }
    Some(map)
}

fn decode_str<'a>(input: &mut &'a [u8]) -> Option<&'a str> {
    let n = decode_len(input)?;
    if n % 2 == 1 {
        return COMMON.get(n / 2).copied();
    }
    let (bytes, rest) = input.split_at_checked(n / 2)?;
    *input = rest;
    std::str::from_utf8(bytes).ok()
}

/// Moves past one encoded value without building it.
fn skip(input: &mut &[u8]) -> Option<()> {
    let (&tag, rest) = input.split_first()?;
    *input = rest;
    match tag {
        TAG_NULL | TAG_FALSE | TAG_TRUE => {}
        TAG_NUMBER | TAG_STRING => skip_str(input)?,
        TAG_ARRAY => {
            for _ in 0..decode_len(input)? {
                skip(input)?;
            }
        }
        TAG_OBJECT => {
            for _ in 0..decode_len(input)? {
                skip_str(input)?;
                skip(input)?;
            }
        }
        _ => return None,
    }
    Some(())
}

fn skip_str(input: &mut &[u8]) -> Option<()> {
    let n = decode_len(input)?;
    if n % 2 == 0 {
        *input = input.get(n / 2..)?;
    }
    Some(())
}

fn decode_len(input: &mut &[u8]) -> Option<usize> {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        n |= usize::from(byte & 0x7f).checked_shl(shift)?;
        if byte < 0x80 {
            return Some(n);
        }
        shift += 7;
    }
}

/// One top-level member of a stored map.
pub(super) struct Member<'a> {
    /// The member's name.
    pub key: &'a str,
    /// The member as stored, key and value: copied as it is when the member is not rewritten.
    raw: &'a [u8],
    /// The encoded value alone.
    encoded: &'a [u8],
}

impl Member<'_> {
    /// The member's value, decoded.
    pub fn value(&self) -> Option<Json> {
        let mut input = self.encoded;
        decode(&mut input)
    }
}

/// The top-level members of a stored map, in order, without decoding their values (`None`
/// would mean the encoding is broken).
pub(super) fn members(stored: &Stored) -> Option<Vec<Member<'_>>> {
    let mut input: &[u8] = &stored.0;
    let n = decode_len(&mut input)?;
    let mut out = Vec::with_capacity(n.min(input.len()));
    for _ in 0..n {
        let start = input;
        let key = decode_str(&mut input)?;
        let value = input;
        skip(&mut input)?;
        out.push(Member {
            key,
            raw: &start[..start.len() - input.len()],
            encoded: &value[..value.len() - input.len()],
        });
    }
    Some(out)
}

/// One member of a map being reassembled.
pub(super) enum Part<'a> {
    /// A member kept exactly as stored.
    Stored(&'a Member<'a>),
    /// A member written anew.
    New(&'a str, &'a Json),
}

/// A stored map made of `parts`, in order.
pub(super) fn assemble(parts: &[Part<'_>]) -> Stored {
    exact(|out| {
        encode_len(parts.len(), out);
        for part in parts {
            match part {
                Part::Stored(m) => out.extend_from_slice(m.raw),
                Part::New(key, value) => {
                    encode_str(key, out);
                    encode(value, out);
                }
            }
        }
    })
}

/// The stored form of a resource an app creates from the POST body `sent`: the body with the
/// server's fields, laid out as a SCIM server returns it. `schemas` comes first (the body's,
/// else `[default_schema]`), `id` second, then the body's other attributes in order, with
/// `meta` (`resourceType` and `location`) where the body had one or else last. A body key that
/// only differs in case from `schemas`, `id` or `meta` counts as it, as everywhere in SCIM.
///
/// Written straight from the borrowed body: a first cycle creates most of the directory, and
/// copying each body into a new map first would cost as much as the encoding.
pub(super) fn freeze_created(
    sent: &Resource,
    default_schema: &str,
    id: &str,
    resource_type: &str,
    location: &str,
) -> Stored {
    let schemas = key_ci(sent, "schemas");
    let id_key = key_ci(sent, "id");
    let meta = key_ci(sent, "meta");
    let len = sent.len() + 2 + usize::from(meta.is_none())
        - usize::from(schemas.is_some())
        - usize::from(id_key.is_some());
    exact(|out| {
        encode_len(len, out);
        encode_str("schemas", out);
        match schemas.and_then(|k| sent.get(k)) {
            Some(v) => encode(v, out),
            None => {
                out.push(TAG_ARRAY);
                encode_len(1, out);
                encode_string(default_schema, out);
            }
        }
        encode_str("id", out);
        encode_string(id, out);
        let write_meta = |out: &mut Vec<u8>| {
            encode_str("meta", out);
            out.push(TAG_OBJECT);
            encode_len(2, out);
            encode_str("resourceType", out);
            encode_string(resource_type, out);
            encode_str("location", out);
            encode_string(location, out);
        };
        for (k, v) in sent {
            let key = Some(k.as_str());
            if key == schemas || key == id_key {
                continue;
            }
            if key == meta {
                write_meta(out);
            } else {
                encode_str(k, out);
                encode(v, out);
            }
        }
        if meta.is_none() {
            write_meta(out);
        }
    })
}

/// What [`patch`] made of a PATCH.
pub(super) enum Patched {
    /// The resource as stored after the PATCH.
    Stored(Stored),
    /// The PATCH fails, as it would on the whole resource.
    Failed(ScimError),
    /// The shortcut does not apply: the operations, back, for the whole resource.
    Declined(Vec<PatchOperation>),
}

/// A PATCH applied to the stored members its operations address, every other member copied
/// as stored. The result is what applying `ops` to the whole decoded resource gives, found
/// without decoding the rest: a first cycle sends a manager PATCH for most users, and it
/// writes one attribute of a resource of twenty.
///
/// Declined when an operation has no `path` (its value may name any attribute), addresses a
/// member in `reserved` (ones the caller checks or indexes: `id`, `meta`, the unique
/// attribute), or removes a member that a later operation writes: removed and added again, a
/// member goes last in the whole map, and the others keep their places only without that.
/// Removals alone (Entra's compliant member removal sends one per member) take the shortcut.
pub(super) fn patch(bytes: &Stored, ops: Vec<PatchOperation>, reserved: &[&str]) -> Patched {
    // Each operation with a path stays inside one top-level member: the extension object for
    // an extension URN, else the attribute (RFC 7644 §3.5.2; scim::resource::container_mut).
    let mut touched: Vec<(&str, PatchOpKind)> = Vec::with_capacity(ops.len());
    for op in &ops {
        let Some(path) = &op.path else {
            return Patched::Declined(ops);
        };
        let name = path.extension_urn().unwrap_or(path.attr());
        if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Patched::Declined(ops);
        }
        touched.push((name, op.op));
    }
    let removed_and_written = touched.iter().enumerate().any(|(i, (name, kind))| {
        *kind == PatchOpKind::Remove
            && touched[i + 1..].iter().any(|(other, later)| {
                *later != PatchOpKind::Remove && other.eq_ignore_ascii_case(name)
            })
    });
    let Some(members) = members(bytes).filter(|_| !removed_and_written) else {
        return Patched::Declined(ops);
    };
    // Every spelling of a touched name: which one an operation writes depends on all of them.
    let picked: Vec<usize> = (0..members.len())
        .filter(|&i| {
            touched
                .iter()
                .any(|(t, _)| t.eq_ignore_ascii_case(members[i].key))
        })
        .collect();
    let mut part = Resource::with_capacity(picked.len() + 1);
    for &i in &picked {
        let Some(value) = members[i].value() else {
            return Patched::Declined(ops);
        };
        part.insert(members[i].key.to_owned(), value);
    }
    let part = match apply_operations_owned(part, ops) {
        Ok(part) => part,
        Err(e) => return Patched::Failed(e),
    };
    // Kept members stay where they were, in their order (no operation removed one and wrote
    // it again); new ones go last, in the order they were added, as in the whole map.
    let was_picked = |k: &str| picked.iter().any(|&i| members[i].key == k);
    let mut parts = Vec::with_capacity(members.len() + part.len());
    for (i, m) in members.iter().enumerate() {
        if !picked.contains(&i) {
            parts.push(Part::Stored(m));
        } else if let Some((k, v)) = part.get_key_value(m.key) {
            parts.push(Part::New(k, v));
        }
    }
    parts.extend(
        part.iter()
            .filter(|(k, _)| !was_picked(k))
            .map(|(k, v)| Part::New(k, v)),
    );
    Patched::Stored(assemble(&parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_string_is_found_and_others_miss() {
        for (i, c) in COMMON.iter().enumerate() {
            assert!(c.len() <= 60, "{c} is longer than the lookup allows");
            assert_eq!(common_index(c), Some(i), "{c}");
        }
        for other in [
            "",
            "Work",
            "users",
            "valuе",
            "urn:ietf:params:scim:schemas:core:2.0:Users",
        ] {
            assert_eq!(common_index(other), None, "{other}");
        }
    }

    #[test]
    fn the_encoding_round_trips_resources() {
        let resource: Resource = serde_json::from_str(
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"x","userName":"a\"b","active":false,
                "n":null,"num":-1.5e3,"emails":[{"type":"work","value":"A@b","primary":true}],"ünïcode":"✓"}"#,
        )
        .expect("JSON");
        assert_eq!(thaw(&freeze(&resource)), resource);
    }

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// The server's fields as a SCIM server adds them to a POST body, written on the decoded
    /// map: the definition [`freeze_created`] must agree with.
    fn server_fields(mut resource: Resource, id: &str, location: &str) -> Resource {
        use crate::scim::resource::{index_ci, remove_ci};
        let meta = serde_json::json!({ "resourceType": "User", "location": location });
        let schemas = remove_ci(&mut resource, "schemas")
            .unwrap_or_else(|| serde_json::json!([crate::scim::USER_SCHEMA]));
        remove_ci(&mut resource, "id");
        resource.shift_insert(0, "schemas".to_owned(), schemas);
        resource.shift_insert(1, "id".to_owned(), Json::from(id));
        match index_ci(&resource, "meta") {
            Some(i) => {
                remove_ci(&mut resource, "meta");
                resource.shift_insert(i, "meta".to_owned(), meta);
            }
            None => {
                resource.insert("meta".to_owned(), meta);
            }
        }
        resource
    }

    /// Member names with the spellings that make case-insensitive lookups interesting.
    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "id",
            "ID",
            "schemas",
            "Schemas",
            "meta",
            "Meta",
            "userName",
            "active",
            "Active",
            "emails",
            "Emails",
            "name",
            "members",
            "x",
            ENTERPRISE,
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER",
        ])
        .prop_map(str::to_owned)
    }

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            (-3i64..3).prop_map(Json::from),
            prop::sample::select(vec!["work", "home", "a", "B", "True", "", "ü"])
                .prop_map(Json::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            let sub = prop::sample::select(vec![
                "value",
                "type",
                "primary",
                "givenName",
                "manager",
                "department",
                "Value",
            ]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                prop::collection::vec((sub, inner), 0..4).prop_map(|fields| {
                    Json::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    fn resource() -> impl Strategy<Value = Resource> {
        prop::collection::vec((key(), json()), 0..8)
            .prop_map(|members| members.into_iter().collect())
    }

    fn operation() -> impl Strategy<Value = PatchOperation> {
        let paths = prop::sample::select(vec![
            None,
            Some("active"),
            Some("Active"),
            Some("userName"),
            Some("id"),
            Some("meta"),
            Some("x"),
            Some("members"),
            Some("emails"),
            Some("emails[type eq \"work\"].value"),
            Some("emails[type eq \"work\"]"),
            Some("name.givenName"),
            Some("Name.manager"),
            Some("urn:ietf:params:scim:schemas:core:2.0:User:active"),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
        ]);
        let kinds = prop::sample::select(vec![
            PatchOpKind::Add,
            PatchOpKind::Replace,
            PatchOpKind::Remove,
        ]);
        (kinds, paths, prop::option::of(json())).prop_map(|(op, path, value)| PatchOperation {
            op,
            path: path.map(|p| Path::parse(p).expect("a valid path")),
            value,
        })
    }

    use crate::scim::Path;
    use crate::scim::patch::PatchOpKind;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_created_resource_is_stored_as_the_body_with_the_server_fields(sent in resource()) {
            let direct = freeze_created(&sent, crate::scim::USER_SCHEMA, "42", "User", "/Users/42");
            let reference = server_fields(sent, "42", "/Users/42");
            prop_assert_eq!(thaw(&direct), reference.clone());
            prop_assert_eq!(direct, freeze(&reference));
        }

        #[test]
        fn a_patch_of_some_members_equals_the_patch_of_the_whole_resource(
            resource in resource(),
            ops in prop::collection::vec(operation(), 1..6),
        ) {
            let bytes = freeze(&resource);
            let reserved = ["id", "meta", "userName"];
            let whole = apply_operations_owned(resource, ops.clone());
            match (patch(&bytes, ops, &reserved), whole) {
                (Patched::Stored(bytes), Ok(whole)) => {
                    prop_assert_eq!(thaw(&bytes), whole.clone());
                    prop_assert_eq!(bytes, freeze(&whole));
                }
                (Patched::Failed(a), Err(b)) => prop_assert_eq!(a, b),
                (Patched::Declined(_), _) => {}
                (Patched::Stored(_), Err(e)) => prop_assert!(false, "shortcut stored, whole failed: {e:?}"),
                (Patched::Failed(e), Ok(_)) => prop_assert!(false, "shortcut failed: {e:?}"),
            }
        }

        #[test]
        fn members_walk_every_stored_member_in_order(resource in resource()) {
            let bytes = freeze(&resource);
            let members = members(&bytes).expect("an encoded map");
            let walked: Resource = members
                .iter()
                .map(|m| (m.key.to_owned(), m.value().expect("a value")))
                .collect();
            prop_assert_eq!(walked, resource);
            let parts: Vec<Part<'_>> = members.iter().map(Part::Stored).collect();
            prop_assert_eq!(assemble(&parts), bytes);
        }
    }

    #[test]
    fn the_patch_shortcut_declines_what_it_cannot_do_alone() {
        let resource: Resource = serde_json::from_value(serde_json::json!({
            "id": "1", "userName": "a", "active": true, "x": 1
        }))
        .expect("a map");
        let bytes = freeze(&resource);
        let op = |op, path: Option<&str>, value: Option<Json>| PatchOperation {
            op,
            path: path.map(|p| Path::parse(p).expect("a path")),
            value,
        };
        let reserved = ["id", "meta", "userName"];
        let declined = |ops: Vec<PatchOperation>| {
            matches!(patch(&bytes, ops, &reserved), Patched::Declined(_))
        };
        // Without a path the value's keys name the members.
        let pathless = op(
            PatchOpKind::Replace,
            None,
            Some(serde_json::json!({"active": false})),
        );
        assert!(declined(vec![pathless]));
        // The unique attribute is indexed by the caller.
        let unique = op(
            PatchOpKind::Replace,
            Some("username"),
            Some(Json::from("b")),
        );
        assert!(declined(vec![unique]));
        // Removed and added again, `active` goes last in the whole map.
        let moved = vec![
            op(PatchOpKind::Remove, Some("active"), None),
            op(PatchOpKind::Add, Some("Active"), Some(Json::Bool(false))),
        ];
        assert!(declined(moved));
        // Removals alone keep every other member in place.
        let removals = vec![
            op(PatchOpKind::Remove, Some("x"), None),
            op(PatchOpKind::Remove, Some("X"), None),
        ];
        let Patched::Stored(removed) = patch(&bytes, removals, &reserved) else {
            panic!("removals take the shortcut");
        };
        assert_eq!(
            Json::Object(thaw(&removed)),
            serde_json::json!({"id": "1", "userName": "a", "active": true})
        );
        // One member rewritten, the others kept where they were.
        let manager = op(
            PatchOpKind::Add,
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
            Some(Json::from("7")),
        );
        let Patched::Stored(patched) = patch(&bytes, vec![manager], &reserved) else {
            panic!("the manager PATCH takes the shortcut");
        };
        assert_eq!(
            Json::Object(thaw(&patched)),
            serde_json::json!({
                "id": "1", "userName": "a", "active": true, "x": 1,
                ENTERPRISE: {"manager": {"value": "7"}}
            })
        );
    }
}
