//! A target's attribute list with lookups by name and by SCIM path in constant time.
//!
//! The simulator, `converge` and `docs` look up the attribute list entry of every row (and
//! the simulator of every projected value of every user). A scan per lookup made a Graph
//! schema with 10^5 attributes and rows quadratic (minutes in `simulate`); small lists keep
//! the scan, which allocates nothing and is faster than hashing below a few dozen entries.

use std::collections::{HashMap, HashSet};

use super::mapping::{AttributeType, TargetAttribute};
use crate::scim::path::Path;

/// Lists up to this long are scanned rather than hashed.
const SCAN_UP_TO: usize = 32;

/// A target attribute list, indexed once.
#[derive(Clone, Debug, Default)]
pub struct AttributeIndex {
    attributes: Vec<TargetAttribute>,
    /// Present for lists longer than [`SCAN_UP_TO`].
    maps: Option<Maps>,
}

#[derive(Clone, Debug, Default)]
struct Maps {
    /// ASCII-lowercased name to the first attribute of that name.
    by_name: HashMap<String, usize>,
    /// Parsed name (compared as SCIM compares paths, ignoring case) to the first attribute.
    by_path: HashMap<Path, usize>,
    /// Lowercased (extension URN, attribute) of plain top-level attributes to the first one.
    by_top: HashMap<(Option<String>, String), usize>,
    /// Lowercased names and parsed paths of the Boolean attributes.
    boolean_names: HashSet<String>,
    boolean_paths: HashSet<Path>,
}

fn top_key(p: &Path) -> (Option<String>, String) {
    (
        p.extension_urn().map(str::to_ascii_lowercase),
        p.attr().to_ascii_lowercase(),
    )
}

fn is_top(p: &Path) -> bool {
    p.value_filter().is_none() && p.sub_attr().is_none()
}

impl AttributeIndex {
    /// Index `attributes` (kept in order).
    pub fn new(attributes: Vec<TargetAttribute>) -> AttributeIndex {
        let maps = (attributes.len() > SCAN_UP_TO).then(|| {
            let mut maps = Maps::default();
            for (i, a) in attributes.iter().enumerate() {
                let name = a.name.value.to_ascii_lowercase();
                let path = Path::parse(&a.name.value).ok();
                if a.kind == AttributeType::Boolean {
                    maps.boolean_names.insert(name.clone());
                    if let Some(p) = &path {
                        maps.boolean_paths.insert(p.clone());
                    }
                }
                maps.by_name.entry(name).or_insert(i);
                if let Some(p) = path {
                    if is_top(&p) {
                        maps.by_top.entry(top_key(&p)).or_insert(i);
                    }
                    maps.by_path.entry(p).or_insert(i);
                }
            }
            maps
        });
        AttributeIndex { attributes, maps }
    }

    /// The attributes, in list order.
    pub fn attributes(&self) -> &[TargetAttribute] {
        &self.attributes
    }

    /// The entry named `target` (ignoring case), else the first whose name parses to `path`.
    pub fn find(&self, target: &str, path: Option<&Path>) -> Option<&TargetAttribute> {
        let Some(maps) = &self.maps else {
            return self
                .attributes
                .iter()
                .find(|a| a.name.value.eq_ignore_ascii_case(target))
                .or_else(|| {
                    let path = path?;
                    self.attributes
                        .iter()
                        .find(|a| Path::parse(&a.name.value).is_ok_and(|p| p == *path))
                });
        };
        maps.by_name
            .get(&target.to_ascii_lowercase())
            .or_else(|| maps.by_path.get(path?))
            .map(|&i| &self.attributes[i])
    }

    /// [`find`](Self::find), else the top-level attribute `path` is part of (`emails` for
    /// `emails[type eq "work"].value`).
    pub fn find_or_parent(&self, target: &str, path: &Path) -> Option<&TargetAttribute> {
        if let Some(found) = self.find(target, Some(path)) {
            return Some(found);
        }
        let key = top_key(path);
        match &self.maps {
            Some(maps) => maps.by_top.get(&key).map(|&i| &self.attributes[i]),
            None => self.attributes.iter().find(|a| {
                Path::parse(&a.name.value).is_ok_and(|p| is_top(&p) && top_key(&p) == key)
            }),
        }
    }

    /// Whether any Boolean attribute is named `target` (ignoring case) or parses to `path`.
    pub fn is_boolean(&self, target: &str, path: &Path) -> bool {
        match &self.maps {
            Some(maps) => {
                maps.boolean_names.contains(&target.to_ascii_lowercase())
                    || maps.boolean_paths.contains(path)
            }
            None => self.attributes.iter().any(|a| {
                a.kind == AttributeType::Boolean
                    && (a.name.value.eq_ignore_ascii_case(target)
                        || Path::parse(&a.name.value).is_ok_and(|p| p == *path))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(name: &str, kind: AttributeType) -> TargetAttribute {
        let yaml = format!("name: '{name}'\ntype: {kind:?}\n");
        let mut a: TargetAttribute = serde_saphyr::from_str(&yaml).expect("attribute");
        a.kind = kind;
        a
    }

    /// The same lookups on a scanned and a hashed index.
    #[test]
    fn hashed_lookups_agree_with_the_scan() {
        let mut list = vec![
            attribute("emails", AttributeType::String),
            attribute("Active", AttributeType::Boolean),
            attribute(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                AttributeType::String,
            ),
            attribute("flag", AttributeType::Boolean),
        ];
        let small = AttributeIndex::new(list.clone());
        for i in 0..SCAN_UP_TO {
            list.push(attribute(&format!("filler{i}"), AttributeType::String));
        }
        let large = AttributeIndex::new(list);
        assert!(small.maps.is_none() && large.maps.is_some());
        let queries = [
            "EMAILS",
            "emails[type eq \"work\"].value",
            "active",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:EMPLOYEENUMBER",
            "flag",
            "missing",
        ];
        for q in queries {
            let path = Path::parse(q).expect("path");
            let name = |a: Option<&TargetAttribute>| a.map(|a| a.name.value.clone());
            assert_eq!(
                name(small.find(q, Some(&path))),
                name(large.find(q, Some(&path))),
                "{q}"
            );
            assert_eq!(
                name(small.find_or_parent(q, &path)),
                name(large.find_or_parent(q, &path)),
                "{q}"
            );
            assert_eq!(
                small.is_boolean(q, &path),
                large.is_boolean(q, &path),
                "{q}"
            );
        }
        let path = Path::parse("emails[type eq \"work\"].value").expect("path");
        assert_eq!(
            large
                .find_or_parent("emails[type eq \"work\"].value", &path)
                .map(|a| a.name.value.as_str()),
            Some("emails")
        );
        assert!(large.is_boolean("ACTIVE", &Path::parse("ACTIVE").expect("path")));
    }
}
