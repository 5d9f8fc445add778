//! The resources of one kind as the in-memory app keeps them ([`Store`]): insertion order,
//! the id and unique-value indexes, and the vendor's storage rules applied on every write.

use crate::provision::FastMap as IdMap;

use serde_json::Value as Json;

use super::ResourceKind;
use super::paths::{remove_at, slot_mut, visit_mut};
use crate::model::mapping::{Returns, TargetAttribute, VendorBehavior};
use crate::provision::id::{CompactId, IdIndex};
use crate::provision::stored::{Stored, thaw};
use crate::scim::{self, Filter, Path, Resource, ScimError, ScimType};

/// One target attribute's storage rule, its name parsed once.
#[derive(Clone, Debug)]
pub(super) struct Rule {
    pub(super) path: Path,
    pub(super) vendor: VendorBehavior,
    case_exact: bool,
}

fn rules_for(attributes: &[TargetAttribute]) -> Vec<Rule> {
    attributes
        .iter()
        // A name that is not a SCIM path cannot address anything in a resource; `check`
        // reports it, the endpoint just has no rule for it.
        .filter_map(|a| {
            Some(Rule {
                path: Path::parse(&a.name.value).ok()?,
                vendor: a.vendor,
                case_exact: a.case_exact,
            })
        })
        .collect()
}

/// The resources of one kind, in insertion order, with the indexes the requests need.
#[derive(Clone, Debug)]
pub(super) struct Store {
    pub(super) kind: ResourceKind,
    pub(super) rules: Vec<Rule>,
    /// Insertion order; a deleted resource leaves `None` so the other slots keep their indexes.
    /// Each resource is kept encoded ([`freeze`]): a million users as JSON value trees would
    /// take several gigabytes, encoded under one (BENCHMARKS.md). Every read decodes, which
    /// is what a GET answer needs anyway: a resource of its own.
    ///
    /// [`freeze`]: crate::provision::stored::freeze
    pub(super) slots: Vec<Option<Stored>>,
    pub(super) by_id: IdIndex,
    /// The unique attribute's value, case-folded: uniqueness checks and the matching filter
    /// Entra sends for every object (`userName eq "..."`) must not scan the whole store.
    pub(super) by_unique: IdMap<String, usize>,
    /// Whether no rule changes what is stored: a body is then stored exactly as sent, and a
    /// PATCH can rewrite the members it addresses alone ([`stored::patch`]).
    ///
    /// [`stored::patch`]: crate::provision::stored::patch
    pub(super) keeps_as_sent: bool,
    /// The attributes the app requires (`required: true`, references aside: Entra never sends
    /// those in a create): a create without one is refused with 400.
    pub(super) required: Vec<(String, Path)>,
}

impl Store {
    pub(super) fn new(kind: ResourceKind, attributes: &[TargetAttribute]) -> Store {
        let rules = rules_for(attributes);
        let keeps_as_sent = rules
            .iter()
            .all(|r| r.vendor.stored && r.vendor.returns == Returns::AsSent);
        let required = attributes
            .iter()
            .filter(|a| a.required && a.kind != crate::model::mapping::AttributeType::Reference)
            .filter_map(|a| Some((a.name.value.clone(), Path::parse(&a.name.value).ok()?)))
            .collect();
        Store {
            kind,
            rules,
            slots: Vec::new(),
            by_id: IdIndex::default(),
            by_unique: IdMap::default(),
            keeps_as_sent,
            required,
        }
    }

    /// The first required attribute `resource` has no value for.
    pub(super) fn missing_required(&self, resource: &Resource) -> Option<&str> {
        self.required
            .iter()
            .find(|(_, path)| {
                scim::get(resource, path).is_none_or(|v| {
                    v.is_null() || v.as_str() == Some("") || v.as_array().is_some_and(Vec::is_empty)
                })
            })
            .map(|(name, _)| name.as_str())
    }

    pub(super) fn get(&self, id: &str) -> Option<Resource> {
        self.by_id.get(&CompactId::new(id)).and_then(|i| self.at(i))
    }

    pub(super) fn at(&self, slot: usize) -> Option<Resource> {
        self.slots[slot].as_ref().map(thaw)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = Resource> + '_ {
        self.slots.iter().flatten().map(thaw)
    }

    pub(super) fn unique_key(&self, resource: &Resource) -> Option<String> {
        scim::resource::get_ci(resource, self.kind.unique_attribute()).and_then(fold)
    }

    /// The slot already holding `key` for another resource than `except`.
    pub(super) fn taken(&self, key: Option<&str>, except: Option<usize>) -> Option<usize> {
        key.and_then(|k| self.by_unique.get(k))
            .copied()
            .filter(|&i| Some(i) != except)
    }

    pub(super) fn uniqueness(&self, resource: &Resource) -> ScimError {
        let value = scim::resource::get_ci(resource, self.kind.unique_attribute())
            .map(|v| v.to_string())
            .unwrap_or_default();
        ScimError {
            status: 409,
            scim_type: Some(ScimType::Uniqueness),
            detail: format!(
                "a {} with {} {value} already exists",
                self.kind.resource_type(),
                self.kind.unique_attribute()
            ),
        }
    }

    /// Adds a stored resource under `id`, indexed by its unique attribute's folded `key`.
    /// `issued` is how many ids the app has issued.
    pub(super) fn push(&mut self, id: &str, key: Option<String>, stored: Stored, issued: u64) {
        let i = self.slots.len();
        if let Some(key) = key {
            self.by_unique.insert(key, i);
        }
        self.by_id.insert(CompactId::new(id), i, issued);
        self.slots.push(Some(stored));
    }

    /// The case-exactness of a filter path, from the schema (RFC 7643 §2.2 `caseExact`).
    fn case_exact(&self, path: &Path) -> bool {
        self.rules.iter().any(|r| r.case_exact && r.path == *path)
    }

    /// Applies the vendor's storage rules: what an app that does not keep or reshapes an
    /// attribute would return on the next GET.
    pub(super) fn store_rules(&self, resource: &mut Resource) {
        for rule in &self.rules {
            if !rule.vendor.stored {
                remove_at(resource, &rule.path);
            } else if rule.vendor.returns != Returns::AsSent {
                let returns = rule.vendor.returns;
                visit_mut(resource, &rule.path, &mut |v| reshape(v, returns));
            }
        }
    }

    /// The resources a filter selects, in insertion order.
    pub(super) fn query(&self, filter: Option<&Filter>) -> Vec<Resource> {
        let Some(filter) = filter else {
            return self.iter().collect();
        };
        let exact = |p: &Path| self.case_exact(p);
        // Entra's lookups are `attr eq "value"` on the unique attribute or on `id`; answer those
        // from the indexes and check the whole filter on the one candidate.
        for (path, value) in filter.comparisons() {
            if !path.is_plain() {
                continue;
            }
            let slot = if path.attr().eq_ignore_ascii_case("id") {
                value.as_str().map(|id| self.by_id.get(&CompactId::new(id)))
            } else if path
                .attr()
                .eq_ignore_ascii_case(self.kind.unique_attribute())
            {
                fold(value).map(|k| self.by_unique.get(&k).copied())
            } else {
                continue;
            };
            return slot
                .flatten()
                .and_then(|i| self.at(i))
                .filter(|r| filter.matches_with(r, &exact))
                .into_iter()
                .collect();
        }
        self.iter()
            .filter(|r| filter.matches_with(r, &exact))
            .collect()
    }
}

/// The index key of a unique value: Unicode-lowercased per character, which is how
/// [`scim::filter::eq_ignore_case`] compares (not `str::to_lowercase`, whose final-sigma rule
/// would make the two disagree).
fn fold(value: &Json) -> Option<String> {
    match value {
        Json::String(s) if s.is_ascii() => Some(s.to_ascii_lowercase()),
        Json::String(s) => Some(s.chars().flat_map(char::to_lowercase).collect()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Turns a stored scalar into what the vendor returns. Arrays reshape element by element and a
/// complex value by its `value` sub-attribute (a manager `{"value": id}`).
pub(super) fn reshape(value: &mut Json, returns: Returns) {
    match value {
        Json::Array(items) => items.iter_mut().for_each(|v| reshape(v, returns)),
        Json::Object(o) => {
            if let Some(v) = slot_mut(o, "value") {
                reshape(v, returns);
            }
        }
        Json::String(s) => match returns {
            Returns::Lowercase => *s = s.to_lowercase(),
            Returns::Uppercase => *s = s.to_uppercase(),
            Returns::Boolean if s.eq_ignore_ascii_case("true") => *value = Json::Bool(true),
            Returns::Boolean if s.eq_ignore_ascii_case("false") => *value = Json::Bool(false),
            _ => {}
        },
        Json::Bool(b) if returns == Returns::String => *value = Json::from(b.to_string()),
        Json::Number(n) if returns == Returns::String => *value = Json::from(n.to_string()),
        _ => {}
    }
}
