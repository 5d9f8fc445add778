//! Reading and writing a SCIM resource (a JSON object) through [`Path`]s.
//!
//! [`set`] builds the bodies Entra POSTs (docs/scim-wire.md §7.3): sub-attributes nest into an
//! object, value-filtered paths create or fill one array element per filter (all six
//! `addresses[type eq "work"].*` land in one element), and URN-qualified attributes go into the
//! extension object keyed by the URN. [`get`] reads back what a later GET returns for a path.
//!
//! Attribute names match case-insensitively (RFC 7643 §2.1): writing `emails[type eq
//! "other"].Value` into an element that already has `value` reuses that key; a new key takes the
//! spelling of the path.

use serde_json::{Map, Value as Json};

use super::filter::Filter;
use super::path::Path;

/// A SCIM resource or complex value: a JSON object whose key order is kept (serde_json's
/// `preserve_order`), so bodies print in the order they were built.
pub type Resource = Map<String, Json>;

/// The key in `map` naming `name`, ignoring ASCII case; the exact spelling wins when both exist.
pub fn key_ci<'a>(map: &'a Map<String, Json>, name: &str) -> Option<&'a str> {
    // A linear scan, not a hash lookup: resources have a few dozen keys at most, and
    // serde_json's ordered map hashes with SipHash, which costs more than the comparisons.
    let mut folded = None;
    for k in map.keys() {
        if k == name {
            return Some(k);
        }
        if folded.is_none() && k.eq_ignore_ascii_case(name) {
            folded = Some(k.as_str());
        }
    }
    folded
}

/// The value of attribute `name`, ignoring ASCII case.
pub fn get_ci<'a>(map: &'a Map<String, Json>, name: &str) -> Option<&'a Json> {
    // A small resource is scanned by position: a keyed lookup would hash the key with SipHash
    // again. A wide one (a schema with 10^5 attributes) tries the key as written first, or
    // every lookup would scan and a cycle would turn quadratic in the attributes.
    if map.len() > WIDE
        && let Some(value) = map.get(name)
    {
        return Some(value);
    }
    let index = index_ci(map, name)?;
    map.values().nth(index)
}

pub(crate) fn get_mut_ci<'a>(map: &'a mut Map<String, Json>, name: &str) -> Option<&'a mut Json> {
    if map.len() > WIDE && map.contains_key(name) {
        return map.get_mut(name);
    }
    let index = index_ci(map, name)?;
    map.values_mut().nth(index)
}

/// Above this many attributes a resource is looked up by key before it is scanned.
const WIDE: usize = 32;

/// The position of [`key_ci`]'s key.
pub(crate) fn index_ci(map: &Map<String, Json>, name: &str) -> Option<usize> {
    let mut folded = None;
    for (i, k) in map.keys().enumerate() {
        if k == name {
            return Some(i);
        }
        if folded.is_none() && k.eq_ignore_ascii_case(name) {
            folded = Some(i);
        }
    }
    folded
}

/// Writes `value` under the existing key for `name` (keeping its spelling and position) or
/// appends it under `name`.
pub(super) fn insert_ci(map: &mut Map<String, Json>, name: &str, value: Json) {
    match get_mut_ci(map, name) {
        Some(slot) => *slot = value,
        None => {
            map.insert(name.to_owned(), value);
        }
    }
}

/// Removes attribute `name`, keeping the order of the other keys.
pub(crate) fn remove_ci(map: &mut Map<String, Json>, name: &str) -> Option<Json> {
    let key = key_ci(map, name)?.to_owned();
    map.shift_remove(&key)
}

/// The object holding the path's attribute: the resource itself, or the extension object for
/// an extension URN. `None` when the extension is absent or not an object.
pub(super) fn container<'a>(resource: &'a Resource, path: &Path) -> Option<&'a Resource> {
    match path.extension_urn() {
        None => Some(resource),
        Some(urn) => get_ci(resource, urn)?.as_object(),
    }
}

/// Mutable [`container`]: with `create`, a missing extension object is added. `Err(())` when
/// the extension key holds something other than an object.
pub(super) fn container_mut<'a>(
    resource: &'a mut Resource,
    path: &Path,
    create: bool,
) -> Result<Option<&'a mut Resource>, ()> {
    let Some(urn) = path.extension_urn() else {
        return Ok(Some(resource));
    };
    if key_ci(resource, urn).is_none() {
        if !create {
            return Ok(None);
        }
        resource.insert(urn.to_owned(), Json::Object(Map::new()));
    }
    match get_mut_ci(resource, urn) {
        Some(Json::Object(m)) => Ok(Some(m)),
        _ => Err(()),
    }
}

/// [`set`] for a plain path (no value filter, no sub-attribute) whose attribute the caller
/// knows is not in the resource under any case: inserted without searching its container, so
/// building a body of N attributes stays linear (a wide schema has 10^5).
pub fn set_absent(resource: &mut Resource, path: &Path, value: Json) {
    debug_assert!(path.value_filter().is_none() && path.sub_attr().is_none());
    match container_mut(resource, path, true) {
        Ok(Some(map)) => {
            map.insert(path.attr().to_owned(), wrap_manager(path, value));
        }
        _ => set(resource, path, value),
    }
}

/// The value a GET returns at `path`, or `None` when there is none.
///
/// A plain path gives the attribute whole (an array for a multi-valued one); a value-filtered
/// path gives the first matching element, or its sub-attribute; `attr.sub` on a multi-valued
/// attribute gives the first element's sub-attribute that exists. The enterprise `manager`
/// reads back as the complex `{"value": id}` a SCIM server stores; use `...:manager.value` for
/// the id.
pub fn get<'a>(resource: &'a Resource, path: &Path) -> Option<&'a Json> {
    if path.value_filter().is_none() && path.sub_attr().is_none() {
        return get_ci(container(resource, path)?, path.attr());
    }
    values(resource, path).into_iter().next()
}

/// Every value at `path`: the elements of a multi-valued attribute (those matching the value
/// filter, if any), or their sub-attributes; a single-valued attribute gives one value. This is
/// what a filter compares against (RFC 7644 §3.4.2.2: a multi-valued attribute matches when
/// any value does).
pub fn values<'a>(resource: &'a Resource, path: &Path) -> Vec<&'a Json> {
    values_with(resource, path, &|_| false)
}

pub(super) fn values_with<'a>(
    resource: &'a Resource,
    path: &Path,
    case_exact: &dyn Fn(&Path) -> bool,
) -> Vec<&'a Json> {
    let Some(v) = container(resource, path).and_then(|m| get_ci(m, path.attr())) else {
        return Vec::new();
    };
    let sub_of = |el: &'a Json| match path.sub_attr() {
        Some(sub) => el.as_object().and_then(|o| get_ci(o, sub)),
        None => Some(el),
    };
    match (path.value_filter(), v) {
        (Some(f), Json::Array(items)) => items
            .iter()
            .filter(|el| {
                el.as_object()
                    .is_some_and(|o| f.matches_with(o, case_exact))
            })
            .filter_map(sub_of)
            .collect(),
        (Some(_), _) => Vec::new(),
        (None, Json::Array(items)) => items.iter().filter_map(sub_of).collect(),
        (None, single) => sub_of(single).into_iter().collect(),
    }
}

/// The new element a value filter describes: its `attr eq value` comparisons as attributes
/// (`emails[type eq "work"]` gives `{"type":"work"}`).
///
/// `primary` is Boolean in every multi-valued attribute (RFC 7643 §2.4), so Entra's
/// `roles[primary eq "True"]` creates `"primary": true`, as Entra's own POST shows
/// (docs/scim-wire.md E8).
pub fn element_from_filter(filter: &Filter) -> Resource {
    let mut el = Map::new();
    for (p, v) in filter.comparisons() {
        if p.urn().is_some() || p.value_filter().is_some() || p.sub_attr().is_some() {
            continue;
        }
        let v = match v {
            Json::String(s) if p.attr().eq_ignore_ascii_case("primary") => {
                match s.to_ascii_lowercase().as_str() {
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    _ => v.clone(),
                }
            }
            _ => v.clone(),
        };
        insert_ci(&mut el, p.attr(), v);
    }
    el
}

/// Writes `value` at `path` the way Entra shapes a POST body.
///
/// - `attr`: sets the attribute (overwrites).
/// - `attr.sub`: sets `sub` inside the object `attr`, creating it.
/// - `attr[filter].sub`: sets `sub` in the first element matching the filter, creating the
///   element from the filter when none matches; without `.sub`, an object value merges into the
///   element and any other value goes to its `value`.
/// - `urn:...:attr`: the same inside the extension object `"urn:..."`, created as needed; a
///   core-schema URN addresses the top level.
/// - the enterprise `manager` given as a bare id is stored as `{"value": id}` (RFC 7643 §4.3).
///
/// Anything in the way of the shape (a string where an object or array is needed) is replaced:
/// `set` builds, it does not validate.
pub fn set(resource: &mut Resource, path: &Path, value: Json) {
    let map = match container_mut(resource, path, true) {
        Ok(Some(m)) => m,
        _ => {
            let urn = path
                .extension_urn()
                .expect("only extensions can fail")
                .to_owned();
            insert_ci(resource, &urn, Json::Object(Map::new()));
            container_mut(resource, path, true)
                .ok()
                .flatten()
                .expect("just created")
        }
    };
    let value = wrap_manager(path, value);
    match (path.value_filter(), path.sub_attr()) {
        (None, None) => insert_ci(map, path.attr(), value),
        (None, Some(sub)) => {
            let parent = object_at(map, path.attr());
            insert_ci(parent, sub, value);
        }
        (Some(filter), sub) => {
            let el = element_at(map, path.attr(), filter);
            match (sub, value) {
                (Some(sub), v) => insert_ci(el, sub, v),
                (None, Json::Object(fields)) => {
                    for (k, v) in fields {
                        insert_ci(el, &k, v);
                    }
                }
                (None, v) => insert_ci(el, "value", v),
            }
        }
    }
}

/// Marks the element a value-filtered path selects as `"primary": true`, creating the element
/// if needed. `primary` goes first in the element, matching Entra's work email in
/// docs/scim-wire.md E6 (`{"primary":true,"type":"work","value":...}`). Returns `false` (and
/// does nothing) for a path without a value filter. Other elements are left alone.
pub fn set_primary(resource: &mut Resource, path: &Path) -> bool {
    let Some(filter) = path.value_filter() else {
        return false;
    };
    if container_mut(resource, path, true).is_err() {
        let urn = path
            .extension_urn()
            .expect("only extensions can fail")
            .to_owned();
        insert_ci(resource, &urn, Json::Object(Map::new()));
    }
    let Ok(Some(map)) = container_mut(resource, path, true) else {
        return false;
    };
    let el = element_at(map, path.attr(), filter);
    remove_ci(el, "primary");
    el.shift_insert(0, "primary".to_owned(), Json::Bool(true));
    true
}

/// The extension schema URNs a resource carries, in order: its top-level keys that start with
/// `urn:` and hold an object (`urn:...:enterprise:2.0:User`, custom extensions).
pub fn extension_urns(resource: &Resource) -> Vec<&str> {
    resource
        .iter()
        .filter(|(k, v)| {
            v.is_object() && k.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        })
        .map(|(k, _)| k.as_str())
        .collect()
}

/// The enterprise manager is complex (`{"value": id, "$ref": ..., "displayName": ...}`), but
/// Entra writes the bare id; store what an RFC-shaped server stores.
pub(super) fn wrap_manager(path: &Path, value: Json) -> Json {
    if path.is_enterprise_manager() && (value.is_string() || value.is_number()) {
        let mut m = Map::new();
        m.insert("value".to_owned(), value);
        Json::Object(m)
    } else {
        value
    }
}

/// The object at `attr`, created (or replacing a non-object) as needed.
fn object_at<'a>(map: &'a mut Resource, attr: &str) -> &'a mut Resource {
    if !get_ci(map, attr).is_some_and(Json::is_object) {
        insert_ci(map, attr, Json::Object(Map::new()));
    }
    match get_mut_ci(map, attr) {
        Some(Json::Object(m)) => m,
        _ => unreachable!("just made an object"),
    }
}

/// The first element of array `attr` matching `filter`, with the array and element created
/// as needed.
fn element_at<'a>(map: &'a mut Resource, attr: &str, filter: &Filter) -> &'a mut Resource {
    if !get_ci(map, attr).is_some_and(Json::is_array) {
        insert_ci(map, attr, Json::Array(Vec::new()));
    }
    let Some(Json::Array(items)) = get_mut_ci(map, attr) else {
        unreachable!("just made an array")
    };
    let index = match items
        .iter()
        .position(|el| el.as_object().is_some_and(|o| filter.matches(o)))
    {
        Some(i) => i,
        None => {
            items.push(Json::Object(element_from_filter(filter)));
            items.len() - 1
        }
    };
    match &mut items[index] {
        Json::Object(o) => o,
        _ => unreachable!("matched or created an object"),
    }
}

/// Whether a key of a path-less PATCH value names a whole schema (`urn:...:2.0:User`) rather
/// than a URN-qualified attribute (`urn:...:2.0:User:employeeNumber`): the resource lists it in
/// `schemas`, or its next-to-last segment is a version like `2.0`, as in every SCIM schema URN.
pub(super) fn is_schema_urn(resource: &Resource, key: &str) -> bool {
    if !key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        return false;
    }
    let listed = get_ci(resource, "schemas")
        .and_then(Json::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(key)))
        });
    if listed {
        return true;
    }
    let mut segments = key.rsplit(':');
    segments.next();
    segments.next().is_some_and(|v| {
        let mut parts = v.split('.');
        parts.clone().count() >= 2
            && parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}
