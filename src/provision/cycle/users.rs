//! The user pass: each user of the snapshot matched or read, then created, updated or
//! deprovisioned, and linked.

use super::config::Config;
use super::managers::{ManagerWork, shown_manager};
use super::matching::Matched;
use super::request::ErrorCode;
use super::run::{Run, resource_id};
use super::state::Visit;
use crate::model::mapping::TargetObjectAction;
use crate::provision::assignment::{Assignment, EntraUser};
use crate::provision::directory::DirectoryUser;
use crate::provision::endpoint::Endpoint;
use crate::provision::id::CompactId;
use crate::provision::project::Flow;
use crate::provision::target::ResourceKind;

impl<E: Endpoint> Run<'_, E> {
    /// The first pass for one user, the `index`th of the snapshot. Returns the manager work
    /// when the user has a mapped manager and is active in the app.
    pub(super) fn user(
        &mut self,
        config: &Config,
        assignment: &Assignment,
        index: usize,
        user: &DirectoryUser,
        visit: Visit,
    ) -> Option<ManagerWork> {
        let oid = user.object_id.as_str();
        let label = user.label();
        let Visit {
            link: linked,
            deprovisioned,
            unmanaged,
            fingerprint,
            ..
        } = visit;
        if deprovisioned && unmanaged {
            return None;
        }
        let gone_inactive = user.soft_deleted || user.account_enabled() == Some(false);
        let reason = assignment.user(index);
        let record = EntraUser::new(
            &user.record,
            &config.soft_deleted[usize::from(deprovisioned)],
            assignment.roles(index),
        );
        // One projection per user and cycle: the flow's own, which also carries the manager
        // reference.
        let (manager, current, id) = match linked.as_ref().map(CompactId::to_text) {
            None => {
                // Entra neither matches nor creates users that are disabled or out of scope
                // (§3.4: "A user that is disabled in Entra is never provisioned").
                if deprovisioned {
                    return None;
                }
                let mut projection =
                    self.project(config, &config.users, &record, Flow::Create, oid)?;
                if projection.matching.is_empty() && config.users.has_matching() {
                    self.import_skipped(&config.users, (oid, label));
                    self.state.unlinked.insert(CompactId::new(oid), fingerprint);
                    return None;
                }
                match self.match_object(ResourceKind::User, "", &projection, oid, label) {
                    Matched::Error => return None,
                    Matched::One(found) => {
                        let id = resource_id(&found)?;
                        if let Some(holder) = self.user_target_holder(&id) {
                            self.duplicate_source(oid, &id, &holder);
                            return None;
                        }
                        self.link_user(oid, &id, fingerprint, index);
                        let (projection, current) =
                            self.refresh(config, &config.users, &record, found, (oid, label, &id))?;
                        (projection.manager, current, id)
                    }
                    Matched::None => {
                        if !config.users.can(TargetObjectAction::Create) {
                            self.state.unlinked.insert(CompactId::new(oid), fingerprint);
                            return None;
                        }
                        let manager = projection.manager.take();
                        let body = projection.into_post_body(ResourceKind::User);
                        let (id, created) = self.create(oid, label, &config.users, body)?;
                        self.link_user(oid, &id, fingerprint, index);
                        (manager, created, id)
                    }
                }
            }
            Some(id) => {
                // A user who only went out of scope (unassigned, filtered out) is left alone
                // under SkipOutOfScopeDeletions (skip-out-of-scope-deletions.md); a disabled or
                // deleted one is still deprovisioned.
                if deprovisioned && !gone_inactive && config.settings.skip_out_of_scope_deletions {
                    return None;
                }
                let found = self.read_linked(oid, label, ["/Users/", id.as_str()].concat())?;
                if deprovisioned {
                    self.deprovision(config, &record, &found, (oid, label, &id));
                    if reason.out_of_scope() {
                        // how-provisioning-works.md, "Known limitations": once unassigned and
                        // disabled, the user is no longer managed by the job.
                        self.set_unmanaged(oid, true);
                    }
                    return None;
                }
                if unmanaged {
                    self.set_unmanaged(oid, false);
                }
                let (projection, current) =
                    self.refresh(config, &config.users, &record, found, (oid, label, &id))?;
                (projection.manager, current, id)
            }
        };
        let manager = manager?;
        Some(ManagerWork {
            user: index,
            id: CompactId::new(&id),
            manager: CompactId::new(&manager),
            shown: shown_manager(&current).map(|s| CompactId::new(&s)),
        })
    }
}

impl<E: Endpoint> Run<'_, E> {
    /// DuplicateSourceEntries (howto-analyze-provisioning-logs.md): the account the match
    /// query found is already linked to another source object (`holder`), which keeps it;
    /// this one fails, unlinked. Both are named, as the admin must fix one of the two.
    pub(super) fn duplicate_source(&mut self, oid: &str, id: &str, holder: &str) {
        self.fail(
            oid,
            ErrorCode::DuplicateSourceEntries,
            format!(
                "DuplicateSourceEntries: the match query found account {id}, which source \
                 object {holder} is already linked to"
            ),
        );
    }

    /// The source user a user account is linked to, if any: the index is built from the
    /// links the first time a match query finds an account in a cycle (rare after the first
    /// cycle), then kept up to date as users are linked.
    pub(super) fn user_target_holder(&mut self, id: &str) -> Option<String> {
        let key = CompactId::new(id);
        let state = &self.state;
        let new_links = &self.new_links;
        self.linked_targets
            .get_or_insert_with(|| {
                state
                    .users
                    .iter()
                    .map(|(oid, l)| (l.id.clone(), oid.clone()))
                    .chain(
                        new_links
                            .iter()
                            .map(|(oid, id, _)| (id.clone(), oid.clone())),
                    )
                    .collect()
            })
            .get(&key)
            .map(CompactId::to_text)
    }

    fn link_user(&mut self, oid: &str, id: &str, fingerprint: u64, index: usize) {
        let oid = CompactId::new(oid);
        if !self.full {
            self.linked_now.insert(oid.clone(), index);
        }
        if !self.state.unlinked.is_empty() {
            self.state.unlinked.remove(&oid);
        }
        let id = CompactId::new(id);
        if let Some(taken) = &mut self.linked_targets {
            taken.insert(id.clone(), oid.clone());
        }
        self.new_links.push((oid, id, fingerprint));
    }

    /// Enter the users linked since the last call into the links, in link order.
    pub(super) fn record_links(&mut self) {
        for (oid, id, fingerprint) in self.new_links.drain(..) {
            self.state.link(oid, id, fingerprint);
        }
    }

    fn set_unmanaged(&mut self, oid: &str, unmanaged: bool) {
        if let Some(link) = self.state.users.get_mut(&CompactId::new(oid)) {
            link.unmanaged = unmanaged;
        }
    }
}
