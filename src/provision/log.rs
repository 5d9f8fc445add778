//! The provisioning log: what Entra decided about every object of a cycle, and why, shaped
//! like Microsoft Graph's `provisioningObjectSummary` (docs/provisioning-log.md) so that a
//! script written against real logs reads ours.
//!
//! [`LogRecorder`] is a [`Sink`] that asks the cycle for its decisions: the cycle brackets
//! each object it evaluates ([`Sink::begin_object`] … [`Sink::end_object`]) and reports the
//! requests, failures and notes in between; the recorder turns each bracket into one entry
//! with the steps of Provision on demand (import, scoping, matching, processing, export) and
//! hands it on at once, so a log of a million users streams. What the cycle does after its
//! object passes (manager references, group memberships, deletes of objects gone from the
//! snapshot, deprovisioning held by the accidental-deletions threshold) arrives outside any
//! bracket and becomes its own entry, one per object and pass.

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::assignment::{DEFAULT_ACCESS, Reason};
use super::cycle::{Action, ErrorCode, Failure, Note, NoteKind, Request, Sink, Subject};
use super::directory::Directory;
use super::guard::Quarantine;
use super::scope::{ClauseVerdict, explain};
use super::target::Kind;
use super::transcript::Redactions;
use crate::dotnet::datetime::DateTime;
use crate::scim::Path;

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

/// Who the log is about: the app, and the job's id.
#[derive(Clone, Debug)]
pub struct LogOptions {
    /// The app's name (the mapping's `app`).
    pub app: String,
    /// The job id (`scim.entramap`).
    pub job_id: String,
    /// The targets fed by `Redact()`: their values are logged as `[Redact]`, as Entra does.
    pub redactions: Redactions,
}

/// A request kept until its object's entry is written.
struct Sent {
    action: Action,
    method: &'static str,
    path: String,
    status: u16,
    body: Option<Json>,
    response: Option<Json>,
}

/// What the scoping step found, kept for the processing step's words.
struct Scoped {
    step: Step,
    /// Active, assigned and inside the scoping filters.
    entitled: bool,
    /// Why not, in a few words, for the processing step and the summary.
    why_not: Option<String>,
}

/// An entry being gathered.
struct Pending {
    kind: Kind,
    object: String,
    label: String,
    /// Begun by [`Sink::begin_object`] (the object's evaluation), not a later pass.
    bracketed: bool,
    linked: Option<String>,
    scoped: Option<Scoped>,
    unmanaged: bool,
    sent: Vec<Sent>,
    failure: Option<Failure>,
    notes: Vec<Note>,
    deferred: bool,
    /// The manager's label, when the reference stays unset.
    unresolved_manager: Option<String>,
}

impl Pending {
    fn loose(kind: Kind, object: &str, label: &str) -> Pending {
        Pending {
            kind,
            object: object.to_owned(),
            label: label.to_owned(),
            bracketed: false,
            linked: None,
            scoped: None,
            unmanaged: false,
            sent: Vec::new(),
            failure: None,
            notes: Vec::new(),
            deferred: false,
            unresolved_manager: None,
        }
    }
}

/// The member → groups index of one snapshot, for "assigned through group X", and the user
/// index for the managers' names. Ids are kept as 64-bit hashes in sorted vectors: at a
/// million members, a map of owned strings would cost the log more memory than the cycle's
/// own state (a collision could only misname a group in a sentence).
struct Memberships {
    /// The snapshot it was built for (its address: snapshots outlive the cycle).
    snapshot: usize,
    /// (member objectId's hash, group index), sorted.
    groups_of: Vec<(u64, u32)>,
    /// (user objectId's hash, user index), sorted; built on first use.
    users: Option<Vec<(u64, u32)>>,
}

impl Memberships {
    fn build(snapshot: &Directory) -> Memberships {
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
    fn user(&mut self, snapshot: &Directory, oid: &str) -> Option<usize> {
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

/// Where finished entries go.
pub trait EntryOut {
    /// One finished entry.
    fn entry(&mut self, entry: &LogEntry);
    /// Whether a write failed (the run then stops); memory never fails.
    fn failed(&self) -> bool {
        false
    }
    /// The run is over: report the first write error and flush.
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl EntryOut for Vec<LogEntry> {
    fn entry(&mut self, entry: &LogEntry) {
        self.push(entry.clone());
    }
}

/// A [`Sink`] that writes the provisioning log: each finished entry goes to `out` at once.
pub struct LogRecorder<F: EntryOut> {
    options: LogOptions,
    out: F,
    cycle: u32,
    full: bool,
    now: String,
    /// Entries written in this cycle, for ids.
    seq: u64,
    current: Option<Pending>,
    loose: Option<Pending>,
    memberships: Option<Memberships>,
    /// Entries written in the run.
    entries: u64,
}

impl<F: EntryOut> LogRecorder<F> {
    /// A recorder handing each entry to `out`.
    pub fn new(options: LogOptions, out: F) -> LogRecorder<F> {
        LogRecorder {
            options,
            out,
            cycle: 0,
            full: true,
            now: String::new(),
            seq: 0,
            current: None,
            loose: None,
            memberships: None,
            entries: 0,
        }
    }

    /// Start a cycle: its number, its clock and whether it is full.
    pub fn begin_cycle(&mut self, cycle: u32, now: DateTime, full: bool) {
        self.cycle = cycle;
        self.full = full;
        self.now = rfc3339(now);
        self.seq = 0;
    }

    /// End the cycle: write what is still gathered, and the disables and deletes the
    /// accidental-deletions threshold staged (`quarantine`, when it staged them in this cycle).
    pub fn end_cycle(&mut self, quarantine: Option<&Quarantine>) {
        self.flush_loose();
        if let Some(q) = quarantine.filter(|q| q.cycle == self.cycle) {
            for s in &q.staged {
                let mut p = Pending::loose(s.kind, &s.object, &s.label);
                p.notes.push(Note {
                    cycle: self.cycle,
                    kind: NoteKind::NotManaged,
                    object: s.object.clone(),
                    label: s.label.clone(),
                    message: format!("{} staged: {}", s.action.as_str(), q.describe(self.cycle)),
                });
                let entry = self.staged_entry(p, s.action);
                self.write(entry);
            }
        }
    }

    /// Entries written so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Where the entries go.
    pub fn out(&self) -> &F {
        &self.out
    }

    /// Where the entries go, mutably.
    pub fn out_mut(&mut self) -> &mut F {
        &mut self.out
    }

    /// The entries' destination, the recorder done.
    pub fn into_out(self) -> F {
        self.out
    }

    fn write(&mut self, entry: LogEntry) {
        self.entries += 1;
        self.out.entry(&entry);
    }

    fn flush_loose(&mut self) {
        if let Some(p) = self.loose.take()
            && let Some(entry) = self.build(p)
        {
            self.write(entry);
        }
    }

    /// The loose entry for `object`, starting a new one (and writing the previous) when the
    /// object changes.
    fn loose_for(&mut self, kind: Kind, object: &str, label: &str) -> &mut Pending {
        if self.loose.as_ref().is_some_and(|p| p.object != object) {
            self.flush_loose();
        }
        self.loose
            .get_or_insert_with(|| Pending::loose(kind, object, label))
    }

    fn memberships(&mut self, snapshot: &Directory) -> &mut Memberships {
        let address = snapshot as *const Directory as usize;
        if self
            .memberships
            .as_ref()
            .is_none_or(|m| m.snapshot != address)
        {
            self.memberships = Some(Memberships::build(snapshot));
        }
        self.memberships.as_mut().expect("just built")
    }

    /// The scoping step of a subject (Provision on demand's "Determine if user is in scope").
    fn scoping(&mut self, s: &Subject<'_>) -> Scoped {
        let kind = s.kind.resource_type();
        let label = s.label().to_owned();
        let record = s.record();
        let mut details = Map::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut in_words: Vec<String> = Vec::new();
        // Active in the source system.
        let (active, inactive_why) = match s.kind {
            Kind::User => {
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
            Kind::Group => (true, None),
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
                    Kind::User => {
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
                    Kind::Group => "not assigned to the application".to_owned(),
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

    /// The id parts of the next entry.
    fn ids(&mut self) -> (String, String, String) {
        self.seq += 1;
        let cycle = self.cycle;
        (
            format!("{cycle:08x}-0000-4000-8000-{:012x}", self.seq),
            format!("{cycle:08x}-0000-4000-8000-000000000000"),
            format!("{cycle:08x}-0000-4000-9000-{:012x}", self.seq),
        )
    }

    fn entry(
        &mut self,
        p: &Pending,
        action: ProvisioningAction,
        status_info: StatusInfo,
        steps: Vec<Step>,
        modified: Vec<ModifiedProperty>,
        target_id: String,
    ) -> LogEntry {
        let (id, cycle_id, change_id) = self.ids();
        let kind = p.kind.resource_type().to_owned();
        LogEntry {
            id,
            activity_date_time: self.now.clone(),
            job_id: self.options.job_id.clone(),
            cycle_id,
            change_id,
            provisioning_action: action,
            duration_in_milliseconds: 0,
            provisioning_status_info: status_info,
            provisioning_steps: steps,
            modified_properties: modified,
            source_identity: Identity {
                id: p.object.clone(),
                display_name: p.label.clone(),
                identity_type: kind.clone(),
                details: Map::new(),
            },
            target_identity: Identity {
                display_name: if target_id.is_empty() {
                    String::new()
                } else {
                    p.label.clone()
                },
                id: target_id,
                identity_type: kind,
                details: Map::new(),
            },
            source_system: System {
                id: String::new(),
                display_name: SOURCE_SYSTEM.into(),
                details: Map::new(),
            },
            target_system: System {
                id: String::new(),
                display_name: self.options.app.clone(),
                details: Map::new(),
            },
            service_principal: ServicePrincipal {
                id: String::new(),
                display_name: self.options.app.clone(),
            },
        }
    }

    fn staged_entry(&mut self, p: Pending, action: Action) -> LogEntry {
        let kind = p.kind.resource_type();
        let what = if action == Action::Disable {
            "disabled"
        } else {
            "deleted"
        };
        let reason = p.notes.first().map(|n| n.message.clone());
        let step = Step {
            name: "EntrySynchronizationSkip".into(),
            provisioning_step_type: StepType::Processing,
            status: Status::Skipped,
            description: format!(
                "{kind} '{}' would be {what} in {}, but the accidental-deletions threshold \
                 staged it and quarantined the job",
                p.label, self.options.app
            ),
            details: Map::new(),
        };
        let info = skipped("AccidentalDeletionsThresholdExceeded", reason);
        self.entry(
            &p,
            ProvisioningAction::StagedDelete,
            info,
            vec![step],
            Vec::new(),
            String::new(),
        )
    }

    /// Turn a gathered object into its entry; `None` when the log has nothing to say about
    /// it (an incremental cycle's unlinked object that is still not in scope, or a
    /// deprovisioning held for the threshold, whose entry comes when it is sent).
    fn build(&mut self, p: Pending) -> Option<LogEntry> {
        if p.deferred {
            return None;
        }
        let app = self.options.app.clone();
        let kind = p.kind.resource_type();
        let label = p.label.clone();
        let writes: Vec<&Sent> = p
            .sent
            .iter()
            .filter(|s| !matches!(s.action, Action::Match | Action::Read))
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
            .filter(|s| s.action == Action::Match)
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
        if let Some(read) = p.sent.iter().find(|s| s.action == Action::Read) {
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
            .find(|s| s.action == Action::Create)
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
                Action::Create => ("created", "EntryExportAdd"),
                Action::Delete => ("deleted", "EntryExportDelete"),
                Action::Disable => ("disabled", "EntryExportUpdate"),
                Action::LinkManager => ("given its manager", "EntryExportUpdate"),
                Action::AddMembers => ("given members", "EntryExportUpdate"),
                Action::RemoveMembers => ("rid of members", "EntryExportUpdate"),
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
        if let Some(w) = writes.iter().find(|w| w.action == Action::LinkManager) {
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
                Action::Create => ProvisioningAction::Create,
                Action::Disable => ProvisioningAction::Disable,
                Action::Delete => ProvisioningAction::Delete,
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
                Action::Create if matches.is_empty() => format!(
                    "{kind} '{label}' will be created in {app} ({kind} is active and assigned \
                     in {SOURCE_SYSTEM}, and the mapping has no matching attribute to query)"
                ),
                Action::Create => format!(
                    "{kind} '{label}' will be created in {app} ({kind} is active and assigned \
                     in {SOURCE_SYSTEM}, but no matching {kind} was found in {app})"
                ),
                Action::Disable => format!(
                    "{kind} '{label}' will be disabled in {app} ({})",
                    p.scoped
                        .as_ref()
                        .and_then(|s| s.why_not.clone())
                        .unwrap_or_else(|| "it left the scope of provisioning".into())
                ),
                Action::Delete => format!(
                    "{kind} '{label}' will be deleted in {app} ({})",
                    if p.kind == Kind::User {
                        "it was deleted from Azure Active Directory"
                    } else {
                        "it was deleted from Azure Active Directory or left the scope"
                    }
                ),
                Action::LinkManager | Action::AddMembers | Action::RemoveMembers => {
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
                let matched = p.sent.iter().any(|s| s.action == Action::Match);
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

impl<F: EntryOut> Sink for LogRecorder<F> {
    fn request(&mut self, r: &Request<'_>) {
        let masked = self.options.redactions.mask(r);
        let r = masked.as_ref().map_or(*r, |m| m.apply(r));
        let sent = Sent {
            action: r.action,
            method: r.method,
            path: r.path.to_owned(),
            status: r.status,
            body: r.body.cloned(),
            // Only a match answer and a read are read back (the account found, old values).
            response: match r.action {
                Action::Match | Action::Read | Action::Create => r.response.cloned(),
                _ => None,
            },
        };
        if let Some(p) = self.current.as_mut().filter(|p| p.object == r.object) {
            p.sent.push(sent);
            return;
        }
        let kind = if r.path.starts_with("/Groups") {
            Kind::Group
        } else {
            Kind::User
        };
        self.loose_for(kind, r.object, r.label).sent.push(sent);
    }

    fn records_decisions(&self) -> bool {
        true
    }

    fn begin_object(&mut self, subject: &Subject<'_>) {
        self.flush_loose();
        let scoped = self.scoping(subject);
        self.current = Some(Pending {
            kind: subject.kind,
            object: subject.object_id().to_owned(),
            label: subject.label().to_owned(),
            bracketed: true,
            linked: subject.linked.clone(),
            scoped: Some(scoped),
            unmanaged: subject.unmanaged,
            sent: Vec::new(),
            failure: None,
            notes: Vec::new(),
            deferred: false,
            unresolved_manager: None,
        });
    }

    fn failure(&mut self, failure: &Failure) {
        match self.current.as_mut().filter(|p| p.object == failure.object) {
            Some(p) => p.failure = Some(failure.clone()),
            None => {
                let object = failure.object.clone();
                self.loose_for(Kind::User, &object, &object).failure = Some(failure.clone());
            }
        }
    }

    fn note(&mut self, note: &Note) {
        match self.current.as_mut().filter(|p| p.object == note.object) {
            Some(p) => p.notes.push(note.clone()),
            None => {
                let kind = if note.kind == NoteKind::MemberNotAdded {
                    Kind::Group
                } else {
                    Kind::User
                };
                self.loose_for(kind, &note.object, &note.label)
                    .notes
                    .push(note.clone());
            }
        }
    }

    fn deferred(&mut self) {
        if let Some(p) = &mut self.current {
            p.deferred = true;
        }
    }

    fn end_object(&mut self) {
        if let Some(p) = self.current.take()
            && let Some(entry) = self.build(p)
        {
            self.write(entry);
        }
    }

    fn unresolved_manager(
        &mut self,
        (object, label): (&str, &str),
        manager: &str,
        snapshot: &Directory,
    ) {
        let name = match self.memberships(snapshot).user(snapshot, manager) {
            Some(i) => snapshot.users[i].label().to_owned(),
            None => manager.to_owned(),
        };
        self.loose_for(Kind::User, object, label).unresolved_manager = Some(name);
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

fn truth(b: bool) -> Json {
    Json::from(if b { "True" } else { "False" })
}

fn skipped(code: &str, reason: Option<String>) -> StatusInfo {
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
fn recommended_action(code: ErrorCode) -> Option<&'static str> {
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

/// A value as Entra shows it in modifiedProperties: text as is, Booleans `True`/`False`,
/// anything else as compact JSON.
fn shown(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
        Json::Number(n) => Some(n.to_string()),
        Json::Array(items) if items.iter().all(Json::is_string) => Some(
            items
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        other => Some(other.to_string()),
    }
}

/// The attributes of a resource body as (path, value): complex attributes as `a.b`,
/// extension attributes as `urn:…:name`, typed multi-valued ones as `a[type eq "t"].value`.
fn flatten(prefix: &str, value: &Json, out: &mut Vec<(String, Option<String>)>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else if prefix.starts_with("urn:") {
                    format!("{prefix}:{k}")
                } else {
                    format!("{prefix}.{k}")
                };
                if prefix.is_empty() && (k == "schemas" || k == "meta" || k == "id") {
                    continue;
                }
                flatten(&key, v, out);
            }
        }
        Json::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.get("type").is_some_and(Json::is_string)) =>
        {
            // Typed elements (emails, addresses): one property per sub-attribute, named by
            // the value-filtered path a mapping row targets.
            for i in items {
                let t = i.get("type").and_then(Json::as_str).unwrap_or("");
                for (k, v) in i.as_object().into_iter().flatten() {
                    if k != "type" && k != "primary" {
                        out.push((format!("{prefix}[type eq \"{t}\"].{k}"), shown(v)));
                    }
                }
            }
        }
        other => out.push((prefix.to_owned(), shown(other))),
    }
}

/// The (path, value) pairs a PATCH body writes; a removal's value is `None`.
fn patch_values(body: &Json) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for op in body
        .get("Operations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let remove = op
            .get("op")
            .and_then(Json::as_str)
            .is_some_and(|o| o.eq_ignore_ascii_case("remove"));
        let value = op.get("value").unwrap_or(&Json::Null);
        match op.get("path").and_then(Json::as_str) {
            Some(path) if remove => out.push((path.to_owned(), None)),
            Some(path) => match value {
                Json::Object(_) => flatten(path, value, &mut out),
                _ => out.push((path.to_owned(), shown(value))),
            },
            None => flatten("", value, &mut out),
        }
    }
    out
}

/// The properties a write modifies, with the value `found` (the app's account as matched or
/// read) held before.
fn modified_properties(w: &Sent, found: Option<&Json>) -> Vec<ModifiedProperty> {
    let old = |path: &str| -> Option<String> {
        let resource = found?.as_object()?;
        let parsed = Path::parse(path).ok()?;
        crate::scim::get(resource, &parsed).and_then(shown)
    };
    match w.action {
        Action::Create => {
            let mut pairs = Vec::new();
            if let Some(body) = &w.body {
                flatten("", body, &mut pairs);
            }
            pairs
                .into_iter()
                .map(|(display_name, new_value)| ModifiedProperty {
                    display_name,
                    old_value: None,
                    new_value,
                })
                .collect()
        }
        Action::AddMembers | Action::RemoveMembers => {
            let ids: Vec<String> = w.body.as_ref().map(member_ids).unwrap_or_default();
            let list = Some(ids.join(","));
            vec![ModifiedProperty {
                display_name: "members".into(),
                old_value: if w.action == Action::RemoveMembers {
                    list.clone()
                } else {
                    None
                },
                new_value: if w.action == Action::AddMembers {
                    list
                } else {
                    None
                },
            }]
        }
        Action::Delete | Action::Match | Action::Read => Vec::new(),
        Action::Update | Action::Disable | Action::LinkManager => w
            .body
            .as_ref()
            .map(patch_values)
            .unwrap_or_default()
            .into_iter()
            .map(|(display_name, new_value)| ModifiedProperty {
                old_value: old(&display_name),
                display_name,
                new_value,
            })
            .collect(),
    }
}

/// The member ids of a membership PATCH, in both dialects (`value: [{value}]`, or a
/// `members[value eq "id"]` path).
fn member_ids(body: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for op in body
        .get("Operations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        for v in op
            .get("value")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(id) = v.get("value").and_then(Json::as_str) {
                out.push(id.to_owned());
            }
        }
        if let Some(path) = op.get("path").and_then(Json::as_str)
            && let Some(rest) = path.split_once("value eq \"").map(|(_, r)| r)
            && let Some(id) = rest.split('"').next()
        {
            out.push(id.to_owned());
        }
    }
    out
}

/// RFC 3339 UTC to the second: `2025-01-01T00:00:00Z`.
fn rfc3339(t: DateTime) -> String {
    let c = t.civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}
