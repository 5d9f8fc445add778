//! Ownership: `live` writes only to objects it created in this run, or, when asked
//! (`--adopt-prefixed`), to pre-existing objects whose identifying value carries the run's
//! prefix.
//!
//! Entra links a source object to whatever its match query (`filter=<attr> eq "<value>"`)
//! returns, and overwrites it. Against a staging server holding real accounts, a wrong answer
//! (an app that ignores `filter`, or a stale account that really matches) would have `live`
//! overwrite somebody's account. So every match answer is checked against its own filter and
//! against the run's objects before the cycle sees it: what fails is recorded as a finding and
//! removed from the answer, and a write to an object the run does not own is never sent. A
//! create answered with an account that lacks the prefix the run sent (an app that upserts) is
//! not the run's object either.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::compare::Attributes;
use crate::provision::target::ResourceKind;
use crate::scim::filter::filter_from_query;
use crate::scim::resource::get_ci;

/// Why a resource in a match answer is not a write target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// The resource does not satisfy the filter it was returned for.
    FilterIgnored,
    /// The resource satisfies the filter but the run did not create it (and it carries no
    /// adoptable prefix).
    NotOwned,
    /// A create was answered with a resource whose userName (displayName) lacks the prefix the
    /// run sent: an existing account (an app that "upserts"), not the object the run created.
    CreateAnsweredAnother,
}

impl Refusal {
    /// The stable cause id of the finding.
    pub fn cause_id(self) -> &'static str {
        match self {
            Refusal::FilterIgnored => "filter-ignored",
            Refusal::NotOwned => "not-owned",
            Refusal::CreateAnsweredAnother => "create-answered-another",
        }
    }
}

/// A resource a match answer returned that `live` refused to link.
#[derive(Clone, Debug, Serialize)]
pub struct Foreign {
    /// Why it was refused.
    pub refusal: Refusal,
    /// The match query (method and path, filter included).
    pub request: String,
    /// The returned resource's `id` (empty when it has none).
    pub id: String,
    /// Its userName (users) or displayName (groups), when it has one.
    pub name: String,
}

/// An object the run created (a 201 to a POST), kept for the whole run, whatever happens to
/// it after.
#[derive(Clone, Debug)]
pub struct Created {
    /// Users or groups.
    pub kind: ResourceKind,
    /// The app's id.
    pub id: String,
    /// Its userName or displayName as the app returned it (else as sent).
    pub name: String,
    /// Whether a DELETE of it was accepted during the run (by Entra's cycle or a probe).
    pub deleted: bool,
}

/// What the run owns and what it refused, shared by the guarded endpoint and the session.
pub struct Ledger {
    /// Every object created, in creation order.
    pub created: Vec<Created>,
    /// Pre-existing objects adopted under `--adopt-prefixed`.
    adopted: HashSet<(ResourceKind, String)>,
    /// Refused resources of match answers, in order.
    pub foreign: Vec<Foreign>,
    /// Writes not sent because their object is not the run's (`METHOD path`).
    pub refused_writes: Vec<String>,
    /// Original answers of match queries the guard rewrote, by path, until the transcript
    /// takes them: the transcript shows what the app said, not what the cycle was given.
    pub originals: Vec<(String, Json)>,
    /// The prefix that makes a pre-existing object adoptable, when adoption is on.
    adopt: Option<String>,
    /// The run's prefix: a create answered with an identifying value without it, where the
    /// request carried it, is not the run's object. Empty: no such check.
    prefix: String,
    users: Attributes,
    groups: Option<Attributes>,
}

impl Ledger {
    /// An empty ledger; `adopt` is the prefix of adoptable pre-existing objects, if any.
    pub fn new(adopt: Option<String>, users: Attributes, groups: Option<Attributes>) -> Ledger {
        Ledger {
            created: Vec::new(),
            adopted: HashSet::new(),
            foreign: Vec::new(),
            refused_writes: Vec::new(),
            originals: Vec::new(),
            adopt: adopt.filter(|p| !p.is_empty()),
            prefix: String::new(),
            users,
            groups,
        }
    }

    /// The run's prefix, to tell the run's creates from answers that return another account.
    pub fn with_prefix(mut self, prefix: &str) -> Ledger {
        self.prefix = prefix.to_owned();
        self
    }

    /// Whether the run may write to `/{kind}/{id}`.
    pub fn owns(&self, kind: ResourceKind, id: &str) -> bool {
        self.created.iter().any(|c| c.kind == kind && c.id == id)
            || self.adopted.contains(&(kind, id.to_owned()))
    }

    /// Record a request and its answer: creates and accepted deletes.
    pub fn record(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&Json>,
        status: u16,
        answer: Option<&Json>,
    ) {
        let Some((kind, id)) = target_of(path) else {
            return;
        };
        match (method, id) {
            ("POST", None) if status == 201 => {
                let Some(id) = answer.and_then(|a| a.get("id")).and_then(Json::as_str) else {
                    return;
                };
                let sent = body.and_then(|b| name_of(kind, b));
                let answered = answer.and_then(|a| name_of(kind, a));
                // The run sent its prefix and the app answered with an account without it: an
                // existing account (an app that upserts on POST, or answers with the wrong
                // resource). Taking its id as the run's would have every later write, and the
                // cleanup's DELETE, land on somebody else's account.
                if let (Some(sent), Some(answered)) = (&sent, &answered)
                    && has_prefix(sent, &self.prefix)
                    && !has_prefix(answered, &self.prefix)
                {
                    self.foreign.push(Foreign {
                        refusal: Refusal::CreateAnsweredAnother,
                        request: format!("POST {path} of {sent}"),
                        id: id.to_owned(),
                        name: answered.clone(),
                    });
                    return;
                }
                let name = answered.or(sent).unwrap_or_default();
                self.created.push(Created {
                    kind,
                    id: id.to_owned(),
                    name,
                    deleted: false,
                });
            }
            ("DELETE", Some(id)) if (200..300).contains(&status) => {
                for c in &mut self.created {
                    if c.kind == kind && c.id == id {
                        c.deleted = true;
                    }
                }
            }
            _ => {}
        }
    }

    /// A match answer with every resource the run may not link removed (and recorded): those
    /// that do not satisfy the query's filter, and those the run does not own. `None` when
    /// the answer is kept as it is.
    pub fn screen(&mut self, path: &str, status: u16, answer: Option<&Json>) -> Option<Json> {
        let (endpoint, query) = path.split_once('?')?;
        let kind = target_of(endpoint).filter(|(_, id)| id.is_none())?.0;
        let filter = filter_from_query(query).ok().flatten()?;
        let list = answer.filter(|_| status == 200)?.as_object()?;
        let resources = get_ci(list, "Resources")?.as_array()?;
        let attributes = match kind {
            ResourceKind::User => Some(&self.users),
            ResourceKind::Group => self.groups.as_ref(),
        };
        let case_exact = |p: &crate::scim::Path| attributes.is_some_and(|a| a.case_exact(p));
        let mut kept = Vec::new();
        let mut refused = Vec::new();
        for r in resources {
            let Some(resource) = r.as_object() else {
                kept.push(r.clone());
                continue;
            };
            let id = resource
                .get("id")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned();
            let refusal = if !filter.matches_with(resource, &case_exact) {
                Some(Refusal::FilterIgnored)
            } else if self.owns(kind, &id) {
                None
            } else if self.adoptable(kind, resource) {
                self.adopted.insert((kind, id.clone()));
                None
            } else {
                Some(Refusal::NotOwned)
            };
            match refusal {
                None => kept.push(r.clone()),
                Some(refusal) => refused.push(Foreign {
                    refusal,
                    request: format!("GET {path}"),
                    id,
                    name: name_of(kind, r).unwrap_or_default(),
                }),
            }
        }
        if refused.is_empty() {
            return None;
        }
        self.foreign.extend(refused);
        let mut screened: Map<String, Json> = list.clone();
        screened.retain(|k, _| {
            !k.eq_ignore_ascii_case("Resources") && !k.eq_ignore_ascii_case("totalResults")
        });
        screened.insert("totalResults".into(), Json::from(kept.len()));
        screened.insert("Resources".into(), Json::Array(kept));
        Some(Json::Object(screened))
    }

    /// Whether a pre-existing object may be adopted: adoption is on and its identifying value
    /// (userName, displayName) starts with the prefix.
    fn adoptable(&self, kind: ResourceKind, resource: &Map<String, Json>) -> bool {
        let Some(prefix) = &self.adopt else {
            return false;
        };
        name_of(kind, &Json::Object(resource.clone())).is_some_and(|n| has_prefix(&n, prefix))
    }
}

/// Whether `name` starts with a non-empty `prefix`, ignoring ASCII case (apps may re-case).
fn has_prefix(name: &str, prefix: &str) -> bool {
    !prefix.is_empty()
        && name
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The resource type and id a path names: `/Users` (no id) or `/Users/{id}`, query excluded.
pub fn target_of(path: &str) -> Option<(ResourceKind, Option<&str>)> {
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let kind = match parts.next()? {
        "Users" => ResourceKind::User,
        "Groups" => ResourceKind::Group,
        _ => return None,
    };
    Some((kind, parts.next().filter(|id| !id.is_empty())))
}

/// The identifying value of a resource: userName of a user, displayName of a group.
pub fn name_of(kind: ResourceKind, resource: &Json) -> Option<String> {
    let attribute = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    get_ci(resource.as_object()?, attribute)?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mapping::ObjectMapping;
    use serde_json::json;

    fn ledger(adopt: Option<&str>) -> Ledger {
        let users: ObjectMapping = serde_saphyr::from_str(
            "mappings:\n  - target: userName\n    source: userPrincipalName\n",
        )
        .unwrap();
        Ledger::new(adopt.map(str::to_owned), Attributes::of(&users), None)
    }

    const QUERY: &str = "/Users?filter=userName+eq+%22bob%40x.test%22";

    #[test]
    fn an_answer_that_ignores_the_filter_is_emptied_and_recorded() {
        let mut l = ledger(None);
        l.record(
            "POST",
            "/Users",
            None,
            201,
            Some(&json!({"id": "1", "userName": "adele@x.test"})),
        );
        let answer =
            json!({"totalResults": 1, "Resources": [{"id": "1", "userName": "adele@x.test"}]});
        let screened = l.screen(QUERY, 200, Some(&answer)).unwrap();
        assert_eq!(screened["totalResults"], 0);
        assert_eq!(screened["Resources"], json!([]));
        assert_eq!(l.foreign[0].refusal, Refusal::FilterIgnored);
        assert_eq!(l.foreign[0].name, "adele@x.test");
    }

    #[test]
    fn a_matching_account_the_run_did_not_create_is_refused_unless_adoptable() {
        let answer =
            json!({"totalResults": 1, "Resources": [{"id": "7", "userName": "BOB@x.test"}]});
        let mut l = ledger(None);
        assert!(l.screen(QUERY, 200, Some(&answer)).is_some());
        assert_eq!(l.foreign[0].refusal, Refusal::NotOwned);
        assert!(!l.owns(ResourceKind::User, "7"));
        // Created by the run: kept, case-insensitively on a userName that is not case-exact.
        l.record(
            "POST",
            "/Users",
            None,
            201,
            Some(&json!({"id": "7", "userName": "BOB@x.test"})),
        );
        assert!(l.screen(QUERY, 200, Some(&answer)).is_none());
        // Adoption needs the prefix on the identifying value.
        let mut l = ledger(Some("bob@"));
        assert!(l.screen(QUERY, 200, Some(&answer)).is_none());
        assert!(l.owns(ResourceKind::User, "7"));
        let mut l = ledger(Some("zed-"));
        assert!(l.screen(QUERY, 200, Some(&answer)).is_some());
    }

    #[test]
    fn a_create_answered_without_the_prefix_it_sent_is_not_the_runs() {
        let create = |l: &mut Ledger, sent: &str, answered: &str, id: &str| {
            l.record(
                "POST",
                "/Users",
                Some(&json!({ "userName": sent })),
                201,
                Some(&json!({"id": id, "userName": answered})),
            );
        };
        let mut l = ledger(None).with_prefix("p-");
        // Another account came back: not owned, and recorded with what the app returned.
        create(&mut l, "p-ann@x.test", "real.person@x.test", "1");
        assert!(!l.owns(ResourceKind::User, "1"));
        assert_eq!(l.foreign[0].refusal, Refusal::CreateAnsweredAnother);
        assert_eq!(l.foreign[0].name, "real.person@x.test");
        // The app may re-case or rewrite the value as long as the prefix stays.
        create(&mut l, "p-bob@x.test", "P-BOB", "2");
        assert!(l.owns(ResourceKind::User, "2"));
        // A mapping whose userName does not carry the prefix cannot be checked this way.
        create(&mut l, "000103", "whatever", "3");
        assert!(l.owns(ResourceKind::User, "3"));
        // Without a prefix there is no such check.
        let mut l = ledger(None);
        create(&mut l, "p-ann@x.test", "real.person@x.test", "1");
        assert!(l.owns(ResourceKind::User, "1") && l.foreign.is_empty());
    }

    #[test]
    fn ids_are_owned_per_resource_type_and_deletes_are_remembered() {
        let mut l = ledger(None);
        l.record(
            "POST",
            "/Groups",
            None,
            201,
            Some(&json!({"id": "1", "displayName": "Eng"})),
        );
        assert!(l.owns(ResourceKind::Group, "1") && !l.owns(ResourceKind::User, "1"));
        l.record("DELETE", "/Groups/1", None, 204, None);
        assert!(l.created[0].deleted);
        assert_eq!(l.created[0].name, "Eng");
    }
}
