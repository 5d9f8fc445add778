//! Mutable walks over what a SCIM path addresses in a resource: the attribute's slot, the
//! extension object holding it, every value it selects, and removing them.

use serde_json::Value as Json;

use crate::scim::resource::key_ci;
use crate::scim::{Path, Resource};

pub(super) fn slot_mut<'a>(map: &'a mut Resource, name: &str) -> Option<&'a mut Json> {
    let key = key_ci(map, name)?.to_owned();
    map.get_mut(&key)
}

/// The object holding a path's attribute: the resource, or its extension object.
fn container_mut<'a>(resource: &'a mut Resource, path: &Path) -> Option<&'a mut Resource> {
    match path.extension_urn() {
        None => Some(resource),
        Some(urn) => slot_mut(resource, urn)?.as_object_mut(),
    }
}

/// Calls `f` on every value `path` addresses (as [`scim::values`] reads them), mutably.
///
/// [`scim::values`]: crate::scim::values
pub(super) fn visit_mut(resource: &mut Resource, path: &Path, f: &mut dyn FnMut(&mut Json)) {
    let Some(value) = container_mut(resource, path).and_then(|m| slot_mut(m, path.attr())) else {
        return;
    };
    let mut at_sub = |el: &mut Json| match path.sub_attr() {
        None => f(el),
        Some(sub) => {
            if let Some(v) = el.as_object_mut().and_then(|o| slot_mut(o, sub)) {
                f(v);
            }
        }
    };
    match (path.value_filter(), value) {
        (Some(filter), Json::Array(items)) => items
            .iter_mut()
            .filter(|el| el.as_object().is_some_and(|o| filter.matches(o)))
            .for_each(at_sub),
        (Some(_), _) => {}
        (None, Json::Array(items)) if path.sub_attr().is_some() => {
            items.iter_mut().for_each(at_sub)
        }
        (None, single) => at_sub(single),
    }
}

/// Removes what `path` addresses, as if the app never stored it: a value-filtered element left
/// with nothing but its selector (`{"type":"work","primary":true}`) goes too, and a complex
/// attribute, array or extension object left empty disappears, since an app that does not keep
/// a value does not return an empty shell for it.
pub(super) fn remove_at(resource: &mut Resource, path: &Path) {
    let Some(map) = container_mut(resource, path) else {
        return;
    };
    let Some(key) = key_ci(map, path.attr()).map(str::to_owned) else {
        return;
    };
    match (path.value_filter(), path.sub_attr()) {
        (None, None) => {
            map.shift_remove(&key);
        }
        (filter, sub) => {
            let selector: Vec<&str> = filter
                .map(|f| f.comparisons().iter().map(|(p, _)| p.attr()).collect())
                .unwrap_or_default();
            let only_selector = |o: &Resource| {
                o.keys().all(|k| {
                    k.eq_ignore_ascii_case("primary")
                        || selector.iter().any(|s| s.eq_ignore_ascii_case(k))
                })
            };
            let selected =
                |el: &Json| filter.is_none_or(|f| el.as_object().is_some_and(|o| f.matches(o)));
            match map.get_mut(&key) {
                Some(Json::Array(items)) => {
                    items.retain_mut(|el| {
                        if !selected(el) {
                            return true;
                        }
                        let Some(sub) = sub else { return false };
                        match el.as_object_mut() {
                            Some(o) => {
                                if let Some(k) = key_ci(o, sub).map(str::to_owned) {
                                    o.shift_remove(&k);
                                }
                                !(o.is_empty() || filter.is_some() && only_selector(o))
                            }
                            None => true,
                        }
                    });
                }
                Some(Json::Object(o)) if filter.is_none() => {
                    if let Some(k) = sub.and_then(|s| key_ci(o, s)).map(str::to_owned) {
                        o.shift_remove(&k);
                    }
                }
                _ => {}
            }
            let empty = match map.get(&key) {
                Some(Json::Array(a)) => a.is_empty(),
                Some(Json::Object(o)) => o.is_empty(),
                _ => false,
            };
            if empty {
                map.shift_remove(&key);
            }
        }
    }
    if let Some(urn) = path.extension_urn()
        && container_mut(resource, path).is_some_and(|m| m.is_empty())
        && let Some(k) = key_ci(resource, urn).map(str::to_owned)
    {
        resource.shift_remove(&k);
    }
}
