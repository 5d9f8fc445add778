//! The [`LogRecorder`]: a [`Sink`] that brackets each object the cycle evaluates, gathers its
//! requests, failures and notes, and hands each finished entry to an [`EntryOut`] at once.

use serde_json::{Map, Value as Json};

use crate::dotnet::datetime::DateTime;
use crate::provision::cycle::{Failure, Note, NoteKind, Request, RequestPurpose, Sink, Subject};
use crate::provision::directory::Directory;
use crate::provision::guard::TooManyDeletes;
use crate::provision::target::ResourceKind;
use crate::provision::transcript::Redactions;

use super::entry::{
    Identity, LogEntry, ModifiedProperty, ProvisioningAction, SOURCE_SYSTEM, ServicePrincipal,
    Status, StatusInfo, Step, StepType, System,
};
use super::processing::skipped;
use super::scoping::Memberships;

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
pub(super) struct Sent {
    pub(super) action: RequestPurpose,
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) status: u16,
    pub(super) body: Option<Json>,
    pub(super) response: Option<Json>,
}

/// What the scoping step found, kept for the processing step's words.
pub(super) struct Scoped {
    pub(super) step: Step,
    /// Active, assigned and inside the scoping filters.
    pub(super) entitled: bool,
    /// Why not, in a few words, for the processing step and the summary.
    pub(super) why_not: Option<String>,
}

/// An entry being gathered.
pub(super) struct Pending {
    pub(super) kind: ResourceKind,
    pub(super) object: String,
    pub(super) label: String,
    /// Begun by [`Sink::begin_object`] (the object's evaluation), not a later pass.
    pub(super) bracketed: bool,
    pub(super) linked: Option<String>,
    pub(super) scoped: Option<Scoped>,
    pub(super) unmanaged: bool,
    pub(super) sent: Vec<Sent>,
    pub(super) failure: Option<Failure>,
    pub(super) notes: Vec<Note>,
    pub(super) deferred: bool,
    /// The manager's label, when the reference stays unset.
    pub(super) unresolved_manager: Option<String>,
}

impl Pending {
    fn loose(kind: ResourceKind, object: &str, label: &str) -> Pending {
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
    pub(super) options: LogOptions,
    pub(super) out: F,
    pub(super) cycle: u32,
    pub(super) full: bool,
    pub(super) now: String,
    /// Entries written in this cycle, for ids.
    seq: u64,
    current: Option<Pending>,
    loose: Option<Pending>,
    pub(super) memberships: Option<Memberships>,
    /// Entries written in the run.
    pub(super) entries: u64,
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
    pub fn end_cycle(&mut self, quarantine: Option<&TooManyDeletes>) {
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

    pub(super) fn write(&mut self, entry: LogEntry) {
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
    fn loose_for(&mut self, kind: ResourceKind, object: &str, label: &str) -> &mut Pending {
        if self.loose.as_ref().is_some_and(|p| p.object != object) {
            self.flush_loose();
        }
        self.loose
            .get_or_insert_with(|| Pending::loose(kind, object, label))
    }

    pub(super) fn memberships(&mut self, snapshot: &Directory) -> &mut Memberships {
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
}

impl<F: EntryOut> LogRecorder<F> {
    /// The id parts of the next entry.
    pub(super) fn ids(&mut self) -> (String, String, String) {
        self.seq += 1;
        let cycle = self.cycle;
        (
            format!("{cycle:08x}-0000-4000-8000-{:012x}", self.seq),
            format!("{cycle:08x}-0000-4000-8000-000000000000"),
            format!("{cycle:08x}-0000-4000-9000-{:012x}", self.seq),
        )
    }

    pub(super) fn entry(
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

    fn staged_entry(&mut self, p: Pending, action: RequestPurpose) -> LogEntry {
        let kind = p.kind.resource_type();
        let what = if action == RequestPurpose::Disable {
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
                RequestPurpose::Match | RequestPurpose::Read | RequestPurpose::Create => {
                    r.response.cloned()
                }
                _ => None,
            },
        };
        if let Some(p) = self.current.as_mut().filter(|p| p.object == r.object) {
            p.sent.push(sent);
            return;
        }
        let kind = if r.path.starts_with("/Groups") {
            ResourceKind::Group
        } else {
            ResourceKind::User
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
                self.loose_for(ResourceKind::User, &object, &object).failure =
                    Some(failure.clone());
            }
        }
    }

    fn note(&mut self, note: &Note) {
        match self.current.as_mut().filter(|p| p.object == note.object) {
            Some(p) => p.notes.push(note.clone()),
            None => {
                let kind = if note.kind == NoteKind::MemberNotAdded {
                    ResourceKind::Group
                } else {
                    ResourceKind::User
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
        self.loose_for(ResourceKind::User, object, label)
            .unresolved_manager = Some(name);
    }
}

/// RFC 3339 UTC to the second: `2025-01-01T00:00:00Z`.
fn rfc3339(t: DateTime) -> String {
    let c = t.civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}
