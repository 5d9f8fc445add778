//! The provisioning log's entries as Microsoft Graph shapes them: `provisioningObjectSummary`
//! and the types it is made of (steps, status, modified properties, identities), serialized
//! with Graph's property names (docs/provisioning-log.md).

use serde::Serialize;
use serde_json::{Map, Value as Json};

/// What the source system is called in the log (Graph's provisioningObjectSummary examples).
pub const SOURCE_SYSTEM: &str = "Azure Active Directory";

/// `provisioningAction`: what Entra did (or would have done) with the object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProvisioningAction {
    /// A create (also a create that was skipped or failed).
    Create,
    /// An update, a manager reference or a membership change.
    Update,
    /// The deprovisioning PATCH (`active` false).
    Disable,
    /// A DELETE.
    Delete,
    /// A disable or delete the accidental-deletions threshold staged instead of sending.
    StagedDelete,
    /// Anything else: an object that is neither created nor updated.
    Other,
}

/// `provisioningStatusInfo.status` and a step's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Done.
    Success,
    /// Entra could not do it; it retries at the next cycle.
    Failure,
    /// Nothing to do, with a reason.
    Skipped,
    /// Done, with something the admin should know.
    Warning,
}

/// `provisioningStepType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepType {
    /// Reading the object from the source.
    Import,
    /// Deciding whether it is in scope.
    Scoping,
    /// Finding its account in the app.
    Matching,
    /// Deciding what to do.
    Processing,
    /// Resolving a reference (the manager) to the app's id.
    ReferenceResolution,
    /// Writing to the app.
    Export,
}

/// One `provisioningStep`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step's name as Entra's logs spell it (`EntryImportAdd`, `EntryExportUpdate`, ...).
    pub name: String,
    /// Its type.
    pub provisioning_step_type: StepType,
    /// Its outcome.
    pub status: Status,
    /// What happened, in a sentence.
    pub description: String,
    /// Name/value details (all values strings, as Entra shows them).
    pub details: Map<String, Json>,
}

/// `provisioningErrorInfo`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// The error code or skip reason (`DuplicateTargetEntries`, `NotEffectivelyEntitled`).
    pub error_code: Option<String>,
    /// Why, in words.
    pub reason: Option<String>,
    /// More detail (the app's answer).
    pub additional_details: Option<String>,
    /// `failure` or `nonServiceFailure` (the app's side).
    pub error_category: Option<String>,
    /// What to do about it, where Microsoft's docs say.
    pub recommended_action: Option<String>,
}

/// `provisioningStatusInfo`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusInfo {
    /// The outcome.
    pub status: Status,
    /// Why, for anything but a success.
    pub error_information: Option<ErrorInfo>,
}

/// `modifiedProperty`: a target attribute written, with the value before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedProperty {
    /// The target attribute's path (`name.givenName`, `emails[type eq "work"].value`).
    pub display_name: String,
    /// The value the app showed before (null on a create).
    pub old_value: Option<String>,
    /// The value written (null for a removal).
    pub new_value: Option<String>,
}

/// `provisionedIdentity`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// The source objectId, or the app's id.
    pub id: String,
    /// userPrincipalName or displayName.
    pub display_name: String,
    /// `User` or `Group`.
    pub identity_type: String,
    /// Nothing yet; kept for the shape.
    pub details: Map<String, Json>,
}

/// `provisioningSystem`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct System {
    /// No id offline: empty.
    pub id: String,
    /// The system's name.
    pub display_name: String,
    /// Nothing yet; kept for the shape.
    pub details: Map<String, Json>,
}

/// `provisioningServicePrincipal`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// No id offline: empty.
    pub id: String,
    /// The app's name.
    pub display_name: String,
}

/// One entry of the provisioning log: Graph's `provisioningObjectSummary`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// A GUID-shaped id, unique in the run and reproducible.
    pub id: String,
    /// The cycle's clock (`--now`, advanced by `--cycle-interval`), RFC 3339 UTC.
    pub activity_date_time: String,
    /// The job.
    pub job_id: String,
    /// The cycle, GUID-shaped: `0000000N-0000-4000-8000-000000000000`.
    pub cycle_id: String,
    /// The change within the cycle.
    pub change_id: String,
    /// What Entra did.
    pub provisioning_action: ProvisioningAction,
    /// Always 0 offline.
    pub duration_in_milliseconds: u32,
    /// The outcome and its reason.
    pub provisioning_status_info: StatusInfo,
    /// The steps, in order.
    pub provisioning_steps: Vec<Step>,
    /// Every target attribute written.
    pub modified_properties: Vec<ModifiedProperty>,
    /// The source object.
    pub source_identity: Identity,
    /// Its account in the app (empty id when there is none).
    pub target_identity: Identity,
    /// Azure Active Directory.
    pub source_system: System,
    /// The app.
    pub target_system: System,
    /// The app's service principal.
    pub service_principal: ServicePrincipal,
}

impl LogEntry {
    /// The entry's status.
    pub fn status(&self) -> Status {
        self.provisioning_status_info.status
    }

    /// The error code or skip reason, if any.
    pub fn error_code(&self) -> Option<&str> {
        self.provisioning_status_info
            .error_information
            .as_ref()
            .and_then(|e| e.error_code.as_deref())
    }

    /// The reason in words, if any.
    pub fn reason(&self) -> Option<&str> {
        self.provisioning_status_info
            .error_information
            .as_ref()
            .and_then(|e| e.reason.as_deref())
    }
}
