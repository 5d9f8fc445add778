//! Deprovisioning: disabling and deleting users and deleting groups, held back by the
//! accidental-deletions threshold (the deprovisioning guards).

use serde_json::Value as Json;

use super::config::{Config, ObjectConfig};
use super::groups::kept_groups;
use super::request::RequestPurpose;
use super::run::Run;
use super::shows_inactive;
use super::sink::NoteKind;
use crate::model::mapping::TargetObjectAction;
use crate::model::source::Source;
use crate::provision::FastSet as Set;
use crate::provision::assignment::{Assignment, EntraUser};
use crate::provision::dialect;
use crate::provision::diff;
use crate::provision::directory::{Directory, DirectoryGroup};
use crate::provision::endpoint::Endpoint;
use crate::provision::guard::{Staged, TooManyDeletes};
use crate::provision::project::{Flow, Projection, is_active};
use crate::provision::retry;
use crate::provision::target::ResourceKind;
use crate::scim::Resource;

/// The PATCHes that deprovision one linked user.
pub(super) struct Deprovision {
    pub(super) object: String,
    pub(super) label: String,
    pub(super) id: String,
    pub(super) bodies: Vec<Json>,
}

impl<E: Endpoint> Run<'_, E> {
    /// Deprovision a linked user the app showed as `found`. The `active` false PATCH goes
    /// only when `active` is mapped (§3.4) and the app does not show the user inactive
    /// already; the row must also yield a value for this user: a Switch whose keys never match
    /// IsSoftDeleted flows nothing, so Entra never deactivates through it
    /// (docs/mapping-model.md §12.3, Unleash PR #9336). Rows other than `active` that read IsSoftDeleted are written
    /// with it True (how-provisioning-works.md, "Deprovisioning events": map IsSoftDeleted to
    /// the attribute to set). All of it is an update: without the Update action nothing goes
    /// ("Confirm the checkbox for updates is selected").
    pub(super) fn deprovision(
        &mut self,
        config: &Config,
        record: &EntraUser<'_>,
        found: &Resource,
        (oid, label, id): (&str, &str, &str),
    ) {
        if !config.users.can(TargetObjectAction::Update) {
            return;
        }
        let mut bodies = Vec::new();
        if config.active_mapped && active_flows(config, record) && !shows_inactive(found) {
            bodies.push(dialect::disable_patch(config.dialect));
        }
        if config.soft_delete_rows
            && let Some(body) = soft_delete_patch(config, record, found)
        {
            bodies.push(body);
        }
        if bodies.is_empty() {
            return;
        }
        let work = Deprovision {
            object: oid.to_owned(),
            label: label.to_owned(),
            id: id.to_owned(),
            bodies,
        };
        match &mut self.pending {
            Some(pending) => {
                pending.push(work);
                if self.decisions {
                    self.sink.deferred();
                }
            }
            None => self.send_deprovision(work),
        }
    }

    fn send_deprovision(&mut self, work: Deprovision) {
        let path = ["/Users/", work.id.as_str()].concat();
        for body in work.bodies {
            let r = self.send(
                &work.object,
                &work.label,
                RequestPurpose::Disable,
                "PATCH",
                path.clone(),
                Some(body),
            );
            if !r.is_success() {
                // how-provisioning-works.md, "Errors and retries": a refused write fails the
                // object, which is retried.
                let (code, message) = retry::refused("disable", r.status);
                self.fail(&work.object, code, message);
                return;
            }
        }
    }

    /// Accidental-deletions prevention (accidental-deletions.md): count the cycle's
    /// disables (the held deprovisioning PATCHes, one per user) and deletes (users gone from
    /// the snapshot, groups gone or out of scope); over `threshold`, stage them all and
    /// quarantine the job, else send the disables now.
    pub(super) fn apply_threshold(
        &mut self,
        config: &Config,
        snapshot: &Directory,
        assignment: &Assignment,
        threshold: u32,
    ) {
        let pending = self.pending.take().unwrap_or_default();
        let cycle = self.state.cycles;
        let mut deletes: Vec<Staged> = Vec::new();
        if config.users.can(TargetObjectAction::Delete) {
            let mut gone: Vec<(u32, String)> = self
                .state
                .users
                .iter()
                // An unmanaged user's deletion sends nothing (see `delete_users`).
                .filter(|(_, link)| link.seen != cycle && !link.unmanaged)
                .map(|(o, link)| (link.order, o.to_text()))
                .collect();
            gone.sort_unstable();
            deletes.extend(gone.into_iter().map(|(_, oid)| Staged {
                kind: ResourceKind::User,
                label: oid.clone(),
                object: oid,
                action: RequestPurpose::Delete,
            }));
        }
        if let Some(groups) = config
            .groups
            .as_ref()
            .filter(|g| g.can(TargetObjectAction::Delete))
        {
            let keep = kept_groups(groups, snapshot, assignment);
            for oid in self
                .state
                .group_order
                .iter()
                .filter(|o| !keep.contains(o.as_str()))
            {
                let label = snapshot
                    .groups
                    .iter()
                    .find(|g| g.object_id == *oid)
                    .map_or(oid.as_str(), DirectoryGroup::label);
                deletes.push(Staged {
                    kind: ResourceKind::Group,
                    object: oid.clone(),
                    label: label.to_owned(),
                    action: RequestPurpose::Delete,
                });
            }
        }
        if pending.len() + deletes.len() <= threshold as usize {
            for work in pending {
                self.send_deprovision(work);
            }
            return;
        }
        self.hold_deletes = true;
        let staged = pending
            .into_iter()
            .map(|w| Staged {
                kind: ResourceKind::User,
                object: w.object,
                label: w.label,
                action: RequestPurpose::Disable,
            })
            .chain(deletes)
            .collect();
        self.state.quarantine = Some(TooManyDeletes {
            cycle: self.cycle,
            threshold,
            staged,
        });
    }
}

impl<E: Endpoint> Run<'_, E> {
    /// DELETE users that were linked but left the snapshot (hard-deleted in Entra).
    pub(super) fn delete_users(&mut self, config: &Config) {
        if !config.users.can(TargetObjectAction::Delete) || self.hold_deletes {
            return;
        }
        // The user pass marked every linked user of the snapshot seen.
        let cycle = self.state.cycles;
        let mut gone: Vec<(u32, String, String, bool)> = self
            .state
            .users
            .iter()
            .filter(|(_, link)| link.seen != cycle)
            .map(|(o, link)| (link.order, o.to_text(), link.id.to_text(), link.unmanaged))
            .collect();
        if gone.is_empty() {
            return;
        }
        gone.sort_unstable_by_key(|(order, ..)| *order);
        // One pass over the links and the group caches for all deletes, not one per deleted
        // user: a mass deletion must not turn quadratic.
        self.state.users.retain(|_, link| link.seen == cycle);
        let mut deleted: Set<String> = Set::default();
        for (_, oid, id, unmanaged) in &gone {
            if *unmanaged {
                self.note(
                    NoteKind::NotManaged,
                    (oid, oid),
                    "deleted from Entra after it was unassigned and disabled: the job no longer \
                     manages it, so no DELETE is sent (how-provisioning-works.md, \
                     \"Known limitations\")"
                        .to_owned(),
                );
                continue;
            }
            self.send(
                oid,
                oid,
                RequestPurpose::Delete,
                "DELETE",
                ["/Users/", id.as_str()].concat(),
                None,
            );
            deleted.insert(id.clone());
        }
        // The app drops a deleted user from its groups; Entra's membership cache follows
        // (assumption: no remove-members PATCH for a user that no longer exists).
        for link in self.state.groups.values_mut() {
            link.members.retain(|m| !deleted.contains(m));
        }
    }
}

impl<E: Endpoint> Run<'_, E> {
    /// DELETE groups that left the snapshot or the scope (§3.4: groups have no soft delete).
    pub(super) fn delete_groups(
        &mut self,
        groups: &ObjectConfig,
        snapshot: &Directory,
        assignment: &Assignment,
    ) {
        if !groups.can(TargetObjectAction::Delete) || self.hold_deletes {
            return;
        }
        let keep = kept_groups(groups, snapshot, assignment);
        let gone: Vec<String> = self
            .state
            .group_order
            .iter()
            .filter(|o| !keep.contains(o.as_str()))
            .cloned()
            .collect();
        for oid in gone {
            let Some(link) = self.state.groups.remove(&oid) else {
                continue;
            };
            self.state.group_order.retain(|o| *o != oid);
            let label = snapshot
                .groups
                .iter()
                .find(|g| g.object_id == oid)
                .map_or(oid.as_str(), DirectoryGroup::label)
                .to_owned();
            self.send(
                &oid,
                &label,
                RequestPurpose::Delete,
                "DELETE",
                format!("/Groups/{}", link.id),
                None,
            );
        }
    }
}

/// The PATCH of a deprovisioned user's rows that read IsSoftDeleted, other than `active`:
/// the values they give with IsSoftDeleted True where those differ from what they give with
/// it False, diffed against the app. `None` when nothing differs.
fn soft_delete_patch(config: &Config, record: &EntraUser<'_>, found: &Resource) -> Option<Json> {
    let mapping = &config.users.mapping;
    let flagged = mapping.project(record, &config.ctx, Flow::Update).ok()?;
    let unflagged_view = record.with_soft_deleted(&config.soft_deleted[0]);
    let unflagged = mapping
        .project(&unflagged_view, &config.ctx, Flow::Update)
        .map(|p| p.entries)
        .unwrap_or_default();
    let targets_enterprise = flagged.targets_enterprise;
    let entries: Vec<_> = flagged
        .entries
        .into_iter()
        .filter(|e| !is_active(e.path) && !unflagged.contains(e))
        .collect();
    if entries.is_empty() {
        return None;
    }
    let projection = Projection {
        entries,
        manager: None,
        members: None,
        matching: Vec::new(),
        targets_enterprise,
    };
    let ops = diff::diff_indexed(&projection, found, &config.users.schema);
    (!ops.is_empty())
        .then(|| dialect::user_patch_indexed(&ops, config.dialect, &config.users.schema))
}

/// Whether the `active` row yields a value for a (deprovisioned) user. A row that fails to
/// evaluate counts as flowing: the disable does not depend on the other rows.
fn active_flows(config: &Config, record: &dyn Source) -> bool {
    config
        .users
        .mapping
        .project(record, &config.ctx, Flow::Update)
        .map_or(true, |p| p.entries.iter().any(|e| is_active(e.path)))
}
