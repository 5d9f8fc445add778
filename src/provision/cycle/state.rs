//! What persists across cycles: the app's endpoint and Entra's links between source objects
//! and target ids.

use std::collections::hash_map::Entry;

use super::sink::Note;
use crate::provision::FastMap as Map;
use crate::provision::delta;
use crate::provision::guard::TooManyDeletes;
use crate::provision::id::CompactId;
use crate::provision::retry::Retries;

/// A linked group and the member target ids Entra last wrote: reads exclude members
/// (E16), so Entra diffs membership against what it sent, not against the app.
pub(super) struct GroupLink {
    pub(super) id: String,
    pub(super) members: Vec<String>,
    /// What the group's last evaluation read ([`delta::group`]).
    pub(super) fingerprint: u64,
}

/// A linked user.
pub(super) struct Link {
    /// The target id.
    pub(super) id: CompactId,
    /// When the link was made: deletes and listings come out in link order.
    pub(super) order: u32,
    /// The last cycle whose snapshot held the user: the ones an earlier cycle saw last have
    /// left the directory.
    pub(super) seen: u32,
    /// What the user's last evaluation read ([`delta::user`]).
    pub(super) fingerprint: u64,
    /// Unassigned and disabled: the job no longer manages the user (it is not read, and its
    /// deletion sends no DELETE) until it is assigned again.
    pub(super) unmanaged: bool,
}

/// What the first pass of a cycle learnt of one user of the snapshot before any request.
pub(super) struct Visit {
    /// The user's target id, when linked.
    pub(super) link: Option<CompactId>,
    /// Entra's `IsSoftDeleted` for the user.
    pub(super) deprovisioned: bool,
    /// Whether this cycle evaluates the user (a full cycle, a change, or a retry).
    pub(super) evaluate: bool,
    /// Whether the link is no longer managed (see [`Link::unmanaged`]).
    pub(super) unmanaged: bool,
    /// The user's fingerprint in this snapshot.
    pub(super) fingerprint: u64,
}

/// What persists across cycles: the app and Entra's links.
pub(super) struct State<E> {
    pub(super) endpoint: E,
    /// Linked users by source objectId. A plain hash map, its order kept in the links: a first
    /// cycle looks a million of them up at random (managers, group members), and an ordered
    /// map's lookup reaches into one more table, a cache miss each at that size.
    pub(super) users: Map<CompactId, Link>,
    /// Links made so far.
    pub(super) linked: u32,
    /// Cycles run so far, the current one included.
    pub(super) cycles: u32,
    pub(super) groups: Map<String, GroupLink>,
    pub(super) group_order: Vec<String>,
    /// Set when the accidental-deletions threshold paused the job.
    pub(super) quarantine: Option<TooManyDeletes>,
    /// Whether the next cycle evaluates every object: the first one, and the first after a
    /// restart or a change of mapping. Entra keeps a watermark instead; clearing it is this.
    pub(super) full: bool,
    /// Users evaluated without error that have no link (matched nothing where the mapping
    /// cannot create, or skipped): their fingerprints, so an unchanged one is not queried
    /// again.
    pub(super) unlinked: Map<CompactId, u64>,
    /// The explained non-actions of the last cycle.
    pub(super) notes: Vec<Note>,
    /// Failed objects waiting for a retry, and the job's quarantine.
    pub(super) retries: Retries,
}

impl<E> State<E> {
    /// The target id linked to a user's source objectId.
    pub(super) fn target_id(&self, object_id: &str) -> Option<String> {
        self.users
            .get(&CompactId::new(object_id))
            .map(|link| link.id.to_text())
    }

    /// Look up a user of this cycle's snapshot whose fingerprint is `fingerprint`: note that
    /// it is still there, whether this cycle evaluates it, and remember what it read.
    pub(super) fn visit(
        &mut self,
        object_id: &str,
        deprovisioned: bool,
        fingerprint: u64,
    ) -> Visit {
        let key = CompactId::new(object_id);
        let full = self.full;
        let Some(link) = self.users.get_mut(&key) else {
            let evaluate =
                full || self.unlinked.is_empty() || self.unlinked.get(&key) != Some(&fingerprint);
            return Visit {
                link: None,
                deprovisioned,
                evaluate,
                unmanaged: false,
                fingerprint,
            };
        };
        link.seen = self.cycles;
        let evaluate = full || link.fingerprint != fingerprint;
        link.fingerprint = fingerprint;
        Visit {
            link: Some(link.id.clone()),
            deprovisioned,
            evaluate,
            unmanaged: link.unmanaged,
            fingerprint,
        }
    }

    /// Link a user to a target id (a user linked again keeps its place in the link order).
    pub(super) fn link(&mut self, oid: CompactId, id: CompactId, fingerprint: u64) {
        match self.users.entry(oid) {
            Entry::Occupied(mut linked) => {
                let link = linked.get_mut();
                link.id = id;
                link.seen = self.cycles;
                link.fingerprint = fingerprint;
            }
            Entry::Vacant(new) => {
                new.insert(Link {
                    id,
                    order: self.linked,
                    seen: self.cycles,
                    fingerprint,
                    unmanaged: false,
                });
                self.linked += 1;
            }
        }
    }

    /// Make the next cycle evaluate `object_id` whatever it reads.
    pub(super) fn evaluate_again(&mut self, object_id: &str) {
        let key = CompactId::new(object_id);
        if let Some(link) = self.users.get_mut(&key) {
            link.fingerprint = delta::EVALUATE_AGAIN;
        }
        self.unlinked.remove(&key);
        if let Some(link) = self.groups.get_mut(object_id) {
            link.fingerprint = delta::EVALUATE_AGAIN;
        }
    }

    /// The links in the order they were made.
    pub(super) fn links_in_order(&self) -> Vec<(&CompactId, &Link)> {
        let mut links: Vec<_> = self.users.iter().collect();
        links.sort_unstable_by_key(|(_, link)| link.order);
        links
    }
}
