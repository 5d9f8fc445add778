//! The manager pass: manager references set once both users have target ids.

use serde_json::Value as Json;

use super::config::Config;
use super::request::{Failure, RequestPurpose};
use super::run::Run;
use super::sink::NoteKind;
use crate::model::source::{Source, SourceRef};
use crate::provision::assignment::EntraUser;
use crate::provision::dialect;
use crate::provision::diff::ChangeOp;
use crate::provision::directory::Directory;
use crate::provision::endpoint::Endpoint;
use crate::provision::id::CompactId;
use crate::provision::project::Flow;
use crate::provision::retry;
use crate::scim::{ENTERPRISE_USER_SCHEMA, Path, Resource};

/// What the manager pass needs of a user processed in the first pass: a few strings, not the
/// resource, since a first cycle holds one for most users of the directory.
pub(super) struct ManagerWork {
    /// The user's index in the snapshot.
    pub(super) user: usize,
    /// The user's target id.
    pub(super) id: CompactId,
    /// The manager's source objectId.
    pub(super) manager: CompactId,
    /// The manager id the app showed when it last returned the user.
    pub(super) shown: Option<CompactId>,
}

impl<E: Endpoint> Run<'_, E> {
    /// The users this incremental cycle did not evaluate whose manager it linked: Entra
    /// leaves their manager reference unset until a full cycle (known-issues.md, "Manager
    /// isn't provisioned"). `skipped` holds the indexes of the linked, active users it did
    /// not evaluate.
    pub(super) fn managers_not_linked(
        &mut self,
        config: &Config,
        snapshot: &Directory,
        skipped: &[usize],
    ) {
        if self.linked_now.is_empty() {
            return;
        }
        for &i in skipped {
            let user = &snapshot.users[i];
            // The raw attribute first: projecting every skipped user would cost the cycle.
            let Some(SourceRef::Str(raw)) = user.record.attribute("manager") else {
                continue;
            };
            if !self.linked_now.contains_key(&CompactId::new(raw)) {
                continue;
            }
            // The manager reference reads neither roles nor IsSoftDeleted's True value.
            let record = EntraUser::new(&user.record, &config.soft_deleted[0], None);
            let Ok(projection) = config
                .users
                .mapping
                .project(&record, &config.ctx, Flow::Update)
            else {
                continue;
            };
            let Some(manager) = projection.manager else {
                continue;
            };
            let Some(&m) = self.linked_now.get(&CompactId::new(&manager)) else {
                continue;
            };
            let message = format!(
                "manager {} was provisioned after this user, who did not change: Entra sets \
                 the manager reference at the next full cycle (known-issues.md)",
                snapshot.users[m].label()
            );
            self.note(
                NoteKind::ManagerNotLinked,
                (&user.object_id, user.label()),
                message,
            );
        }
    }
}

impl<E: Endpoint> Run<'_, E> {
    /// The manager PATCH for `work`, whose manager has `manager_id` in the app (none when it
    /// is not linked), unless the app shows that manager already.
    pub(super) fn manager(
        &mut self,
        config: &Config,
        snapshot: &Directory,
        work: &ManagerWork,
        manager_id: Option<CompactId>,
    ) {
        // A manager out of scope has no target id: Entra leaves the reference unresolved.
        let Some(manager_id) = manager_id else {
            if self.decisions {
                let user = &snapshot.users[work.user];
                self.sink.unresolved_manager(
                    (&user.object_id, user.label()),
                    &work.manager.to_text(),
                    snapshot,
                );
            }
            return;
        };
        let op = match &work.shown {
            Some(s) if *s == manager_id => return,
            Some(_) => ChangeOp::Replace,
            None => ChangeOp::Add,
        };
        let user = &snapshot.users[work.user];
        let body = dialect::manager_patch(config.dialect, op, &manager_id.to_text());
        let response = self.send(
            &user.object_id,
            user.label(),
            RequestPurpose::LinkManager,
            "PATCH",
            ["/Users/", &work.id.to_text()].concat(),
            Some(body),
        );
        if !response.is_success() {
            // A refused update is retried in the next cycle, then on the retry schedule
            // (how-provisioning-works.md, "Errors and retries"), whether or not the user
            // changes: without the escrow an unchanged user would wait for a full cycle.
            let (code, message) = retry::refused("manager update", response.status);
            self.reference_failures.push(Failure {
                object: user.object_id.clone(),
                message,
                code: Some(code),
            });
        }
    }
}

/// The manager id a user resource shows: a plain id string (what Entra writes) or a
/// `{"value": id}` complex value (what RFC 7643 servers keep).
pub(super) fn shown_manager(resource: &Resource) -> Option<String> {
    static PATH: std::sync::OnceLock<Option<Path>> = std::sync::OnceLock::new();
    let path = PATH
        .get_or_init(|| Path::parse(&format!("{ENTERPRISE_USER_SCHEMA}:manager")).ok())
        .as_ref()?;
    match crate::scim::get(resource, path)? {
        Json::String(s) => Some(s.clone()),
        Json::Object(o) => o.get("value").and_then(Json::as_str).map(str::to_owned),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}
