//! The processing and export steps: what an object's entry says from the requests the cycle
//! sent for it (or did not), with its action, status and error.

use serde_json::{Map, Value as Json};

use crate::provision::cycle::{ErrorCode, NoteKind, RequestPurpose};
use crate::provision::target::ResourceKind;

use super::entry::{
    ErrorInfo, LogEntry, ProvisioningAction, SOURCE_SYSTEM, Status, StatusInfo, Step, StepType,
};
use super::properties::{modified_properties, patch_values};
use super::recorder::{EntryOut, LogRecorder, Pending, Sent};

impl<F: EntryOut> LogRecorder<F> {
    /// Turn a gathered object into its entry; `None` when the log has nothing to say about
    /// it (an incremental cycle's unlinked object that is still not in scope, or a
    /// deprovisioning held for the threshold, whose entry comes when it is sent).
    pub(super) fn build(&mut self, p: Pending) -> Option<LogEntry> {
        if p.deferred {
            return None;
        }
        let app = self.options.app.clone();
        let kind = p.kind.resource_type();
        let label = p.label.clone();
        let writes: Vec<&Sent> = p
            .sent
            .iter()
            .filter(|s| !matches!(s.action, RequestPurpose::Match | RequestPurpose::Read))
            .collect();
        let entitled = p.scoped.as_ref().is_none_or(|s| s.entitled);
        if p.bracketed
            && !self.full
            && !entitled
            && p.linked.is_none()
            && p.sent.is_empty()
            && p.failure.is_none()
            && p.notes.is_empty()
        {
            return None;
        }
        let mut steps = Vec::new();
        if p.bracketed {
            let change = if p.linked.is_some() { "Update" } else { "Add" };
            steps.push(Step {
                name: format!("EntryImport{change}"),
                provisioning_step_type: StepType::Import,
                status: Status::Success,
                description: format!(
                    "Received {kind} '{label}' change of type ({change}) from {SOURCE_SYSTEM}"
                ),
                details: Map::new(),
            });
            if let Some(s) = &p.scoped {
                steps.push(s.step.clone());
            }
        }
        // Matching: the queries and what they found, or the read of a linked object.
        let mut found: Option<&Json> = None;
        let mut target_id = p.linked.clone().unwrap_or_default();
        let matches: Vec<&Sent> = p
            .sent
            .iter()
            .filter(|s| s.action == RequestPurpose::Match)
            .collect();
        if !matches.is_empty() {
            let mut details = Map::new();
            let mut hits = 0;
            let mut words = Vec::new();
            for (i, m) in matches.iter().enumerate() {
                let resources = m
                    .response
                    .as_ref()
                    .and_then(|r| r.get("Resources"))
                    .and_then(Json::as_array);
                let n = resources.map_or(0, Vec::len);
                if n == 1 {
                    found = resources.and_then(|r| r.first());
                    if let Some(id) = found.and_then(|f| f.get("id")).and_then(Json::as_str) {
                        target_id = id.to_owned();
                    }
                }
                hits = n;
                let filter = query_filter(&m.path);
                let result = if m.status != 200 {
                    format!("answered {}", m.status)
                } else {
                    match n {
                        0 => "no match".to_owned(),
                        1 => format!(
                            "matched {kind} '{}'",
                            found
                                .and_then(|f| f.get("id"))
                                .and_then(Json::as_str)
                                .unwrap_or("")
                        ),
                        n => format!("{n} matches"),
                    }
                };
                details.insert(format!("Query {}", i + 1), Json::from(filter.clone()));
                details.insert(format!("Result {}", i + 1), Json::from(result.clone()));
                words.push(format!("`{filter}`: {result}"));
            }
            let failed = matches.iter().any(|m| m.status != 200) || hits > 1;
            steps.push(Step {
                name: "EntryMatching".into(),
                provisioning_step_type: StepType::Matching,
                status: if failed {
                    Status::Failure
                } else {
                    Status::Success
                },
                description: format!(
                    "Queried {app} for {kind} '{label}' by its matching attributes: {}",
                    words.join("; ")
                ),
                details,
            });
        }
        if let Some(read) = p.sent.iter().find(|s| s.action == RequestPurpose::Read) {
            if read.status == 200 {
                found = read.response.as_ref();
            }
            steps.push(Step {
                name: "EntryMatching".into(),
                provisioning_step_type: StepType::Matching,
                status: if read.status == 200 {
                    Status::Success
                } else {
                    Status::Failure
                },
                description: if read.status == 200 {
                    format!(
                        "{kind} '{label}' is linked to {kind} '{target_id}' in {app}; read it by id"
                    )
                } else {
                    format!(
                        "{kind} '{label}' is linked to {kind} '{target_id}' in {app}, whose read \
                         by id answered {}",
                        read.status
                    )
                },
                details: Map::new(),
            });
        }
        if let Some(created) = writes
            .iter()
            .find(|s| s.action == RequestPurpose::Create)
            .and_then(|s| s.response.as_ref())
            .and_then(|r| r.get("id"))
            .and_then(Json::as_str)
        {
            target_id = created.to_owned();
        }
        if target_id.is_empty()
            && let Some(id) = writes.iter().find_map(|w| {
                let rest = w.path.split('?').next()?;
                let (_, id) = rest.strip_prefix('/')?.split_once('/')?;
                Some(id.to_owned())
            })
        {
            target_id = id;
        }
        // The modified properties and the export steps.
        let mut modified = Vec::new();
        for w in &writes {
            modified.extend(modified_properties(w, found));
            let (verb, name) = match w.action {
                RequestPurpose::Create => ("created", "EntryExportAdd"),
                RequestPurpose::Delete => ("deleted", "EntryExportDelete"),
                RequestPurpose::Disable => ("disabled", "EntryExportUpdate"),
                RequestPurpose::LinkManager => ("given its manager", "EntryExportUpdate"),
                RequestPurpose::AddMembers => ("given members", "EntryExportUpdate"),
                RequestPurpose::RemoveMembers => ("rid of members", "EntryExportUpdate"),
                _ => ("updated", "EntryExportUpdate"),
            };
            let ok = (200..300).contains(&w.status);
            let mut details = Map::new();
            if !target_id.is_empty() {
                details.insert("ReportableIdentifier".into(), Json::from(target_id.clone()));
            }
            details.insert(
                "Request".into(),
                Json::from(format!("{} {} -> {}", w.method, w.path, w.status)),
            );
            steps.push(Step {
                name: name.into(),
                provisioning_step_type: StepType::Export,
                status: if ok { Status::Success } else { Status::Failure },
                description: if ok {
                    format!("{kind} '{label}' was {verb} in {app}")
                } else {
                    format!(
                        "Failed: {kind} '{label}' was not {verb} in {app} (answered {})",
                        w.status
                    )
                },
                details,
            });
        }
        // The manager reference.
        if let Some(manager) = &p.unresolved_manager {
            steps.push(Step {
                name: "EntryReferenceResolution".into(),
                provisioning_step_type: StepType::ReferenceResolution,
                status: Status::Skipped,
                description: format!(
                    "The manager of {kind} '{label}', '{manager}', has no account in {app} (not \
                     in scope, or not provisioned): the manager reference is left unset"
                ),
                details: Map::new(),
            });
        }
        if let Some(w) = writes
            .iter()
            .find(|w| w.action == RequestPurpose::LinkManager)
        {
            let manager = w
                .body
                .as_ref()
                .map(|b| {
                    patch_values(b)
                        .into_iter()
                        .map(|(_, v)| v.unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let at = steps.len() - 1;
            steps.insert(
                at,
                Step {
                    name: "EntryReferenceResolution".into(),
                    provisioning_step_type: StepType::ReferenceResolution,
                    status: Status::Success,
                    description: format!(
                        "Resolved the manager of {kind} '{label}' to {app}'s User '{manager}'"
                    ),
                    details: Map::new(),
                },
            );
        }
        // The decision: action and status.
        let first_write = writes.first().map(|w| w.action);
        let any_failed_write = writes.iter().any(|w| !(200..300).contains(&w.status));
        let (action, info, decision) = if let Some(f) = &p.failure {
            let action = if p.linked.is_some() {
                ProvisioningAction::Update
            } else {
                ProvisioningAction::Create
            };
            let code = f.code;
            let info = StatusInfo {
                status: Status::Failure,
                error_information: Some(ErrorInfo {
                    error_code: code.map(|c| c.as_str().to_owned()),
                    reason: Some(f.message.clone()),
                    additional_details: None,
                    error_category: Some(
                        match code {
                            Some(
                                ErrorCode::EntryConflict
                                | ErrorCode::HttpError
                                | ErrorCode::MandatoryFieldsMissing
                                | ErrorCode::InvalidAnchor,
                            ) => "nonServiceFailure",
                            _ => "failure",
                        }
                        .into(),
                    ),
                    recommended_action: code.and_then(recommended_action).map(str::to_owned),
                }),
            };
            (
                action,
                info,
                Some((
                    "EntrySynchronizationError",
                    Status::Failure,
                    format!(
                        "{kind} '{label}' could not be processed: {}; Entra retries it at the \
                         next cycle",
                        f.message
                    ),
                )),
            )
        } else if let Some(a) = first_write {
            let action = match a {
                RequestPurpose::Create => ProvisioningAction::Create,
                RequestPurpose::Disable => ProvisioningAction::Disable,
                RequestPurpose::Delete => ProvisioningAction::Delete,
                _ => ProvisioningAction::Update,
            };
            let info = if any_failed_write {
                StatusInfo {
                    status: Status::Failure,
                    error_information: Some(ErrorInfo {
                        error_code: Some(ErrorCode::HttpError.as_str().into()),
                        reason: Some(format!("{app} refused a write; see the export steps")),
                        additional_details: None,
                        error_category: Some("nonServiceFailure".into()),
                        recommended_action: None,
                    }),
                }
            } else {
                StatusInfo {
                    status: Status::Success,
                    error_information: None,
                }
            };
            let why = match a {
                RequestPurpose::Create if matches.is_empty() => format!(
                    "{kind} '{label}' will be created in {app} ({kind} is active and assigned \
                     in {SOURCE_SYSTEM}, and the mapping has no matching attribute to query)"
                ),
                RequestPurpose::Create => format!(
                    "{kind} '{label}' will be created in {app} ({kind} is active and assigned \
                     in {SOURCE_SYSTEM}, but no matching {kind} was found in {app})"
                ),
                RequestPurpose::Disable => format!(
                    "{kind} '{label}' will be disabled in {app} ({})",
                    p.scoped
                        .as_ref()
                        .and_then(|s| s.why_not.clone())
                        .unwrap_or_else(|| "it left the scope of provisioning".into())
                ),
                RequestPurpose::Delete => format!(
                    "{kind} '{label}' will be deleted in {app} ({})",
                    if p.kind == ResourceKind::User {
                        "it was deleted from Azure Active Directory"
                    } else {
                        "it was deleted from Azure Active Directory or left the scope"
                    }
                ),
                RequestPurpose::LinkManager
                | RequestPurpose::AddMembers
                | RequestPurpose::RemoveMembers => {
                    format!("{kind} '{label}' will be updated in {app} (its references changed)")
                }
                _ => format!(
                    "{kind} '{label}' will be updated in {app} (its attributes in {app} differ \
                     from what the mapping gives)"
                ),
            };
            let name = match action {
                ProvisioningAction::Create => "EntrySynchronizationAdd",
                ProvisioningAction::Delete => "EntrySynchronizationDelete",
                _ => "EntrySynchronizationUpdate",
            };
            (action, info, Some((name, Status::Success, why)))
        } else {
            self.nothing_sent(&p)
        };
        if let Some((name, status, description)) = decision {
            // The processing step comes before the exports, after matching.
            let at = steps
                .iter()
                .position(|s| {
                    matches!(
                        s.provisioning_step_type,
                        StepType::Export | StepType::ReferenceResolution
                    )
                })
                .unwrap_or(steps.len());
            steps.insert(
                at,
                Step {
                    name: name.into(),
                    provisioning_step_type: StepType::Processing,
                    status,
                    description,
                    details: Map::new(),
                },
            );
        }
        Some(self.entry(&p, action, info, steps, modified, target_id))
    }

    /// The action, status and processing step of an object the cycle sent no write for.
    #[allow(clippy::type_complexity)]
    fn nothing_sent(
        &self,
        p: &Pending,
    ) -> (
        ProvisioningAction,
        StatusInfo,
        Option<(&'static str, Status, String)>,
    ) {
        let app = &self.options.app;
        let kind = p.kind.resource_type();
        let label = &p.label;
        let skip = |action, code: &str, reason: String| {
            (
                action,
                skipped(code, Some(reason.clone())),
                Some(("EntrySynchronizationSkip", Status::Skipped, reason)),
            )
        };
        if let Some(note) = p.notes.first() {
            return match note.kind {
                NoteKind::ImportSkipped => skip(
                    ProvisioningAction::Create,
                    "ImportSkipped",
                    format!("{kind} '{label}' is skipped: {}", note.message),
                ),
                NoteKind::NotManaged => skip(
                    ProvisioningAction::Delete,
                    "NotManaged",
                    format!("{kind} '{label}' {}", note.message),
                ),
                // Not a code Entra documents: the object sits in escrow until its retry is due
                // (application-provisioning-quarantine-status.md).
                NoteKind::RetryLater => skip(
                    ProvisioningAction::Other,
                    "Escrowed",
                    format!("{kind} '{label}' failed earlier: {}", note.message),
                ),
                NoteKind::ManagerNotLinked | NoteKind::MemberNotAdded => skip(
                    ProvisioningAction::Update,
                    "ReferenceNotResolved",
                    format!("{kind} '{label}': {}", note.message),
                ),
            };
        }
        if let Some(manager) = &p.unresolved_manager {
            return skip(
                ProvisioningAction::Update,
                "ReferenceNotResolved",
                format!(
                    "{kind} '{label}': its manager '{manager}' has no account in {app}, so the \
                     manager reference stays unset"
                ),
            );
        }
        let entitled = p.scoped.as_ref().is_none_or(|s| s.entitled);
        let why_not = p
            .scoped
            .as_ref()
            .and_then(|s| s.why_not.clone())
            .unwrap_or_default();
        match (&p.linked, entitled) {
            (None, false) => skip(
                ProvisioningAction::Create,
                "NotEffectivelyEntitled",
                format!("{kind} '{label}' is not provisioned: {why_not}"),
            ),
            (Some(_), false) if p.unmanaged => skip(
                ProvisioningAction::Other,
                "NotEffectivelyEntitled",
                format!(
                    "{kind} '{label}' was unassigned and disabled earlier: the job no longer \
                     manages it ({why_not})"
                ),
            ),
            (Some(_), false) => skip(
                ProvisioningAction::Disable,
                "RedundantExport",
                format!(
                    "{kind} '{label}' is out of scope ({why_not}), and nothing is sent: {app} \
                     shows it inactive already, the mapping writes no `active` (or its row gives \
                     no value), updates are off, or skip_out_of_scope_deletions keeps it"
                ),
            ),
            (Some(id), true) => skip(
                ProvisioningAction::Update,
                "RedundantExport",
                format!(
                    "{kind} '{label}' is unchanged: {app}'s {kind} '{id}' already holds every \
                     value the mapping gives (or updates are off)"
                ),
            ),
            (None, true) => {
                let matched = p.sent.iter().any(|s| s.action == RequestPurpose::Match);
                skip(
                    ProvisioningAction::Create,
                    "CreateNotAllowed",
                    if matched {
                        format!(
                            "no {kind} of {app} matches '{label}', and the mapping's actions \
                             do not include Create"
                        )
                    } else {
                        format!("{kind} '{label}' is not written: the mapping cannot create it")
                    },
                )
            }
        }
    }
}

pub(super) fn truth(b: bool) -> Json {
    Json::from(if b { "True" } else { "False" })
}

pub(super) fn skipped(code: &str, reason: Option<String>) -> StatusInfo {
    StatusInfo {
        status: Status::Skipped,
        error_information: Some(ErrorInfo {
            error_code: Some(code.to_owned()),
            reason,
            additional_details: None,
            error_category: None,
            recommended_action: None,
        }),
    }
}

/// What howto-analyze-provisioning-logs.md ("Error codes") tells the admin to do.
pub(super) fn recommended_action(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::DuplicateTargetEntries => {
            "Make the matching attribute unique in the app, or change the matching attributes, \
             so that one account matches."
        }
        ErrorCode::DuplicateSourceEntries => {
            "Make the matching attribute unique among the source objects, or change the \
             matching attributes."
        }
        ErrorCode::MandatoryFieldsMissing => {
            "Give the object a value for the required attribute, or map it."
        }
        ErrorCode::SchemaPropertyCanOnlyAcceptValue => {
            "Map a single value to the attribute (for example with Item or SingleAppRoleAssignment)."
        }
        ErrorCode::InvalidAnchor => {
            "The linked account no longer exists in the app: restart provisioning to match \
             again, or recreate the account."
        }
        _ => return None,
    })
}

/// The decoded `filter` of a match query's path (`userName eq "a@contoso.com"`).
fn query_filter(path: &str) -> String {
    let query = path.split_once('?').map_or("", |(_, q)| q);
    crate::scim::decode_query(query)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "filter")
                .map(|(_, v)| v)
        })
        .unwrap_or_else(|| path.to_owned())
}
