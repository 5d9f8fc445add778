//! The scoping step (Provision on demand's "Determine if user is in scope"): assignment, the
//! scoping filters clause by clause, and the group memberships that explain an assignment.

use serde_json::{Map, Value as Json};

use crate::provision::assignment::{DEFAULT_ACCESS, Reason};
use crate::provision::cycle::Subject;
use crate::provision::directory::Directory;
use crate::provision::scope::{ClauseVerdict, explain};
use crate::provision::target::ResourceKind;

use super::entry::{Status, Step, StepType};
use super::processing::truth;
use super::recorder::{EntryOut, LogRecorder, Scoped};

/// The member → groups index of one snapshot, for "assigned through group X", and the user
/// index for the managers' names. Ids are kept as 64-bit hashes in sorted vectors: at a
/// million members, a map of owned strings would cost the log more memory than the cycle's
/// own state (a collision could only misname a group in a sentence).
pub(super) struct Memberships {
    /// The snapshot it was built for (its address: snapshots outlive the cycle).
    pub(super) snapshot: usize,
    /// (member objectId's hash, group index), sorted.
    groups_of: Vec<(u64, u32)>,
    /// (user objectId's hash, user index), sorted; built on first use.
    pub(super) users: Option<Vec<(u64, u32)>>,
}

impl Memberships {
    pub(super) fn build(snapshot: &Directory) -> Memberships {
        let mut groups_of = Vec::new();
        for (gi, g) in snapshot.groups.iter().enumerate() {
            if let Some(crate::model::source::SourceRef::List(members)) =
                crate::model::source::Source::attribute(&g.record, "members")
            {
                groups_of.extend(members.iter().map(|m| (id_hash(m), gi as u32)));
            }
        }
        groups_of.sort_unstable();
        Memberships {
            snapshot: snapshot as *const Directory as usize,
            groups_of,
            users: None,
        }
    }

    /// The indexes of the groups `oid` is an immediate member of.
    fn groups_of(&self, oid: &str) -> impl Iterator<Item = usize> + '_ {
        let h = id_hash(oid);
        let from = self.groups_of.partition_point(|&(k, _)| k < h);
        self.groups_of[from..]
            .iter()
            .take_while(move |&&(k, _)| k == h)
            .map(|&(_, g)| g as usize)
    }

    /// The index of the user `oid` in the snapshot.
    pub(super) fn user(&mut self, snapshot: &Directory, oid: &str) -> Option<usize> {
        let users = self.users.get_or_insert_with(|| {
            let mut users: Vec<(u64, u32)> = snapshot
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (id_hash(&u.object_id), i as u32))
                .collect();
            users.sort_unstable();
            users
        });
        let h = id_hash(oid);
        let at = users.partition_point(|&(k, _)| k < h);
        users
            .get(at)
            .filter(|&&(k, _)| k == h)
            .map(|&(_, i)| i as usize)
    }
}

/// A fixed hash of an object id (the same in every run, unlike a seeded hasher's).
fn id_hash(id: &str) -> u64 {
    // FNV-1a over the ASCII-lowercased id: object ids compare without case.
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

impl<F: EntryOut> LogRecorder<F> {
    /// The scoping step of a subject (Provision on demand's "Determine if user is in scope").
    pub(super) fn scoping(&mut self, s: &Subject<'_>) -> Scoped {
        let kind = s.kind.resource_type();
        let label = s.label().to_owned();
        let record = s.record();
        let mut details = Map::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut in_words: Vec<String> = Vec::new();
        // Active in the source system.
        let (active, inactive_why) = match s.kind {
            ResourceKind::User => {
                let u = &s.snapshot.users[s.index];
                if u.soft_deleted {
                    (
                        false,
                        Some("soft-deleted in Azure Active Directory".to_owned()),
                    )
                } else if u.account_enabled() == Some(false) {
                    (
                        false,
                        Some(
                            "disabled in Azure Active Directory (accountEnabled False)".to_owned(),
                        ),
                    )
                } else {
                    (true, None)
                }
            }
            ResourceKind::Group => (true, None),
        };
        details.insert("IsActive".into(), truth(active));
        if let Some(why) = inactive_why {
            reasons.push(why);
        } else {
            in_words.push("active".into());
        }
        // Assignment.
        let group_names = |m: &Memberships, oid: &str, assigned: Option<bool>| -> Vec<String> {
            m.groups_of(oid)
                .map(|gi| &s.snapshot.groups[gi])
                .filter(|g| assigned.is_none_or(|a| g.assigned == a))
                .map(|g| format!("'{}'", g.label()))
                .collect()
        };
        match s.assignment {
            Reason::SyncAll => {
                details.insert("Scope sync all".into(), truth(true));
                in_words.push("in scope by \"Sync all users and groups\"".into());
            }
            Reason::Direct => {
                details.insert("Assigned to the application".into(), truth(true));
                in_words.push("assigned directly".into());
            }
            Reason::Group => {
                details.insert("Assigned to the application".into(), truth(true));
                let oid = s.object_id().to_owned();
                let names = group_names(self.memberships(s.snapshot), &oid, Some(true));
                details.insert("Assigned through".into(), Json::from(names.join(", ")));
                in_words.push(format!("assigned through group {}", names.join(", ")));
            }
            Reason::NotAssigned => {
                details.insert("Assigned to the application".into(), truth(false));
                let why = match s.kind {
                    ResourceKind::User => {
                        let oid = s.object_id().to_owned();
                        let m = self.memberships(s.snapshot);
                        // A member of an unassigned group that is itself a member of an
                        // assigned group: nested, and nested members are not in scope.
                        let nested: Vec<String> = m
                            .groups_of(&oid)
                            .map(|gi| &s.snapshot.groups[gi])
                            .filter(|g| {
                                !g.assigned
                                    && m.groups_of(&g.object_id)
                                        .any(|p| s.snapshot.groups[p].assigned)
                            })
                            .map(|g| format!("'{}'", g.label()))
                            .collect();
                        if nested.is_empty() {
                            "not assigned to the application".to_owned()
                        } else {
                            format!(
                                "not assigned to the application: only a member of nested \
                                 group {}, and members of nested groups are not in scope",
                                nested.join(", ")
                            )
                        }
                    }
                    ResourceKind::Group => "not assigned to the application".to_owned(),
                };
                reasons.push(why);
            }
            Reason::DefaultAccessOnly => {
                details.insert("Assigned to the application".into(), truth(true));
                details.insert("User has required role".into(), truth(false));
                reasons.push(format!(
                    "assigned only with the {DEFAULT_ACCESS} role, which this app excludes"
                ));
            }
        }
        // Scoping filters.
        let verdicts = explain(s.scope, record);
        let filters_pass = filters_hold(&verdicts);
        for v in &verdicts {
            details.insert(
                format!("{} {}", v.filter, v.clause),
                Json::from(format!(
                    "{} ({} is {})",
                    if v.holds { "True" } else { "False" },
                    v.attribute,
                    v.value
                        .as_deref()
                        .map_or_else(|| "empty".to_owned(), |v| format!("'{v}'"))
                )),
            );
        }
        details.insert("IsInProvisioningScope".into(), truth(filters_pass));
        if !verdicts.is_empty() {
            if filters_pass {
                in_words.push("passes the scoping filters".into());
            } else {
                let failing: Vec<String> = verdicts
                    .iter()
                    .filter(|v| !v.holds)
                    .map(|v| {
                        format!(
                            "`{}` is false ({} is {})",
                            v.clause,
                            v.attribute,
                            v.value
                                .as_deref()
                                .map_or_else(|| "empty".to_owned(), |v| format!("'{v}'"))
                        )
                    })
                    .collect();
                reasons.push(format!(
                    "out of the scoping filters: {}",
                    failing.join("; ")
                ));
            }
        }
        let entitled = reasons.is_empty();
        details.insert(
            "IsEffectivelyEntitledForProvisioning".into(),
            truth(entitled),
        );
        if !entitled {
            details.insert("SkipReason".into(), Json::from("NotEffectivelyEntitled"));
        }
        let description = if entitled {
            format!("{kind} '{label}' is in scope: {}", in_words.join(", "))
        } else {
            format!("{kind} '{label}' is not in scope: {}", reasons.join("; "))
        };
        Scoped {
            step: Step {
                name: "EntrySynchronizationScoping".into(),
                provisioning_step_type: StepType::Scoping,
                status: if entitled {
                    Status::Success
                } else {
                    Status::Skipped
                },
                description,
                details,
            },
            entitled,
            why_not: (!entitled).then(|| reasons.join("; ")),
        }
    }
}

/// Whether the scoping filters let the object in: no filter, or one whose clauses all hold.
fn filters_hold(verdicts: &[ClauseVerdict]) -> bool {
    if verdicts.is_empty() {
        return true;
    }
    let mut by_filter: Vec<(&str, bool)> = Vec::new();
    for v in verdicts {
        match by_filter.iter_mut().find(|(f, _)| *f == v.filter) {
            Some((_, all)) => *all &= v.holds,
            None => by_filter.push((&v.filter, v.holds)),
        }
    }
    by_filter.iter().any(|(_, all)| *all)
}
