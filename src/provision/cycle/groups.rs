//! The group pass and the membership pass: groups matched or created empty, then their
//! members added and removed.

use super::config::{Config, ObjectConfig};
use super::matching::Matched;
use super::request::RequestPurpose;
use super::run::{Run, resource_id};
use super::sink::{NoteKind, Subject};
use super::state::GroupLink;
use crate::model::mapping::TargetObjectAction;
use crate::model::source::{Source, SourceRef};
use crate::provision::FastSet as Set;
use crate::provision::assignment::{Assignment, Reason};
use crate::provision::delta;
use crate::provision::dialect;
use crate::provision::diff;
use crate::provision::directory::{Directory, DirectoryGroup};
use crate::provision::endpoint::Endpoint;
use crate::provision::id::CompactId;
use crate::provision::project::Flow;
use crate::provision::scope::in_scope;
use crate::provision::target::ResourceKind;

/// What the membership pass needs of a group processed in the group pass.
pub(super) struct MembershipWork {
    pub(super) object: String,
    pub(super) label: String,
    pub(super) members: Vec<String>,
}

impl<E: Endpoint> Run<'_, E> {
    /// The group pass for one group, the `index`th of the snapshot. Returns its membership
    /// work when it is linked.
    pub(super) fn group(
        &mut self,
        config: &Config,
        groups: &ObjectConfig,
        index: usize,
        assigned: bool,
        snapshot: &Directory,
    ) -> Option<MembershipWork> {
        let group = &snapshot.groups[index];
        let oid = group.object_id.as_str();
        let scoped = in_scope(&groups.scope, &group.record);
        if !assigned || !scoped {
            // Only a full cycle reads the objects that are not in scope.
            if self.decisions && self.full {
                self.begin_group(config, groups, index, assigned, snapshot);
                self.sink.end_object();
            }
            return None;
        }
        let fingerprint = delta::group(group, scoped);
        let linked = self.state.groups.get_mut(oid).map(|l| {
            let unchanged = l.fingerprint == fingerprint;
            l.fingerprint = fingerprint;
            (l.id.clone(), unchanged)
        });
        if let Some((_, true)) = linked
            && !self.full
        {
            self.members_not_added(group, snapshot);
            return None;
        }
        if linked.is_none()
            && !self.full
            && self.state.unlinked.get(&CompactId::new(oid)) == Some(&fingerprint)
        {
            return None;
        }
        if self.decisions {
            self.begin_group(config, groups, index, assigned, snapshot);
        }
        let work =
            self.group_evaluated(config, groups, group, linked.map(|(id, _)| id), fingerprint);
        if self.decisions {
            self.sink.end_object();
        }
        work
    }

    fn begin_group(
        &mut self,
        config: &Config,
        groups: &ObjectConfig,
        index: usize,
        assigned: bool,
        snapshot: &Directory,
    ) {
        let oid = snapshot.groups[index].object_id.as_str();
        let assignment = match (assigned, config.settings.scope) {
            (false, _) => Reason::NotAssigned,
            (true, crate::model::mapping::SyncScope::All) => Reason::SyncAll,
            (true, _) => Reason::Direct,
        };
        let linked = self.state.groups.get(oid).map(|l| l.id.clone());
        self.sink.begin_object(&Subject {
            cycle: self.cycle,
            full: self.full,
            kind: ResourceKind::Group,
            index,
            snapshot,
            assignment,
            scope: &groups.scope,
            settings: &config.settings,
            deprovisioned: false,
            linked,
            unmanaged: false,
        });
    }

    /// The group pass for a group in scope that this cycle evaluates.
    fn group_evaluated(
        &mut self,
        config: &Config,
        groups: &ObjectConfig,
        group: &DirectoryGroup,
        linked: Option<String>,
        fingerprint: u64,
    ) -> Option<MembershipWork> {
        let oid = group.object_id.as_str();
        let label = group.label();
        let projection = match linked {
            None => {
                let key = CompactId::new(oid);
                if !self.full && self.state.unlinked.get(&key) == Some(&fingerprint) {
                    return None;
                }
                self.attempt(oid);
                let projection = self.project(config, groups, &group.record, Flow::Create, oid)?;
                if projection.matching.is_empty() && groups.has_matching() {
                    // Skipped like a user: no match query, no POST, so no members either.
                    self.import_skipped(groups, (oid, label));
                    self.state.unlinked.insert(key, fingerprint);
                    return None;
                }
                match self.match_object(
                    ResourceKind::Group,
                    "excludedAttributes=members&",
                    &projection,
                    oid,
                    label,
                ) {
                    Matched::Error => return None,
                    Matched::One(found) => {
                        let id = resource_id(&found)?;
                        let holder = self.state.groups.iter().find(|(_, l)| l.id == id);
                        if let Some((holder, _)) = holder {
                            let holder = holder.to_owned();
                            self.duplicate_source(oid, &id, &holder);
                            return None;
                        }
                        self.link_group(oid, &id, fingerprint);
                        self.refresh(config, groups, &group.record, found, (oid, label, &id))?
                            .0
                    }
                    Matched::None => {
                        if !groups.can(TargetObjectAction::Create) {
                            self.state.unlinked.insert(key, fingerprint);
                            return None;
                        }
                        // Created empty: members follow by PATCH (E18, E20).
                        let (id, _) = self.create(
                            oid,
                            label,
                            groups,
                            projection.post_body(ResourceKind::Group),
                        )?;
                        self.link_group(oid, &id, fingerprint);
                        projection
                    }
                }
            }
            Some(id) => {
                self.attempt(oid);
                let path = format!("/Groups/{id}?excludedAttributes=members");
                let found = self.read_linked(oid, label, path)?;
                self.refresh(config, groups, &group.record, found, (oid, label, &id))?
                    .0
            }
        };
        Some(MembershipWork {
            object: oid.to_owned(),
            label: label.to_owned(),
            members: projection.members.unwrap_or_default(),
        })
    }

    /// The members of an unchanged group that this incremental cycle linked: Entra adds them
    /// at the next full cycle (known-issues.md).
    fn members_not_added(&mut self, group: &DirectoryGroup, snapshot: &Directory) {
        if self.linked_now.is_empty() {
            return;
        }
        let Some(SourceRef::List(members)) = group.record.attribute("members") else {
            return;
        };
        let mut late: Vec<&str> = members
            .iter()
            .filter_map(|m| self.linked_now.get(&CompactId::new(m)))
            .map(|&i| snapshot.users[i].label())
            .collect();
        if late.is_empty() {
            return;
        }
        late.sort_unstable();
        let message = format!(
            "{} came into scope after the group was provisioned and the group did not change: \
             Entra adds {} at the next full cycle (known-issues.md)",
            late.join(", "),
            if late.len() == 1 { "it" } else { "them" }
        );
        self.note(
            NoteKind::MemberNotAdded,
            (&group.object_id, group.label()),
            message,
        );
    }

    fn link_group(&mut self, oid: &str, id: &str, fingerprint: u64) {
        let link = GroupLink {
            id: id.to_owned(),
            members: Vec::new(),
            fingerprint,
        };
        if self.state.groups.insert(oid.to_owned(), link).is_none() {
            self.state.group_order.push(oid.to_owned());
        }
    }

    /// Membership PATCHes: add the linked members Entra has not written yet, remove the ones
    /// it wrote that are no longer members. Unlinked members (out of scope, disabled) are
    /// skipped, as Entra cannot reference them.
    pub(super) fn members(&mut self, config: &Config, work: &MembershipWork) {
        // Parsed first, then looked up in a tight loop whose cache misses overlap.
        let keys: Vec<CompactId> = work.members.iter().map(|m| CompactId::new(m)).collect();
        let links: Vec<&CompactId> = keys
            .iter()
            .filter_map(|k| self.state.users.get(k).map(|link| &link.id))
            .collect();
        let desired: Vec<String> = links.into_iter().map(CompactId::to_text).collect();
        let Some(link) = self.state.groups.get(&work.object) else {
            return;
        };
        let id = link.id.clone();
        let (add, remove) = diff::member_delta(&desired, &link.members);
        let path = format!("/Groups/{id}");
        let mut written = link.members.clone();
        if !add.is_empty() {
            let body = dialect::add_members_patch(config.dialect, &add);
            let r = self.send(
                &work.object,
                &work.label,
                RequestPurpose::AddMembers,
                "PATCH",
                path.clone(),
                Some(body),
            );
            if r.is_success() {
                written.extend(add);
            }
        }
        if !remove.is_empty() {
            let body = dialect::remove_members_patch(config.dialect, &remove);
            let r = self.send(
                &work.object,
                &work.label,
                RequestPurpose::RemoveMembers,
                "PATCH",
                path,
                Some(body),
            );
            if r.is_success() {
                written.retain(|m| !remove.contains(m));
            }
        }
        if let Some(link) = self.state.groups.get_mut(&work.object) {
            link.members = written;
        }
    }
}

/// The groups of the snapshot that stay provisioned: assigned (or Sync all) and in scope.
pub(super) fn kept_groups<'s>(
    groups: &ObjectConfig,
    snapshot: &'s Directory,
    assignment: &Assignment,
) -> Set<&'s str> {
    snapshot
        .groups
        .iter()
        .enumerate()
        .filter(|(i, g)| assignment.group(*i) && in_scope(&groups.scope, &g.record))
        .map(|(_, g)| g.object_id.as_str())
        .collect()
}
