//! Where a cycle's output goes: the [`Sink`] trait, what it is told about each object
//! ([`Subject`], [`Note`]) and how far the cycle has come ([`Progress`]).

use super::request::{Failure, Request};
use crate::model::mapping::Settings;
use crate::provision::assignment::Reason;
use crate::provision::directory::Directory;
use crate::provision::scope::CompiledScopeFilter;
use crate::provision::target::ResourceKind;

/// Where a cycle's requests and decisions go: a transcript, a summary, the provisioning log.
/// Only [`Sink::request`] is required; a sink that wants the cycle's decisions per object
/// (the provisioning log, `explain`) says so with [`Sink::records_decisions`], and only then
/// does the cycle describe each object, so the other formats pay nothing for it.
pub trait Sink {
    /// A request Entra sent, with the app's answer.
    fn request(&mut self, r: &Request<'_>);
    /// How far the cycle has come.
    fn progress(&mut self, _progress: Progress) {}
    /// Whether [`Sink::begin_object`] and the calls after it are wanted.
    fn records_decisions(&self) -> bool {
        false
    }
    /// The cycle starts deciding about one object; the requests, failures and notes until
    /// [`Sink::end_object`] are its own.
    fn begin_object(&mut self, _subject: &Subject<'_>) {}
    /// An object failed (also called outside an object's bracket).
    fn failure(&mut self, _failure: &Failure) {}
    /// An explained non-action (also called outside an object's bracket).
    fn note(&mut self, _note: &Note) {}
    /// The object's deprovisioning is held until the cycle's deletions are counted
    /// (accidental-deletions threshold): its requests come later, outside its bracket.
    fn deferred(&mut self) {}
    /// The cycle is done with the object begun last.
    fn end_object(&mut self) {}
    /// A user's manager has no target id at the end of the cycle, so Entra leaves the
    /// reference unset.
    fn unresolved_manager(&mut self, _user: (&str, &str), _manager: &str, _snapshot: &Directory) {}
}

/// What the cycle knows of an object when it starts deciding about it: enough for a log to
/// say why it is (not) provisioned.
#[derive(Clone)]
pub struct Subject<'a> {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// Whether the cycle is full.
    pub full: bool,
    /// User or group.
    pub kind: ResourceKind,
    /// Its index among the snapshot's users or groups.
    pub index: usize,
    /// The snapshot the cycle runs over.
    pub snapshot: &'a Directory,
    /// Why the object is, or is not, in scope by assignment (a group: `Direct` when assigned,
    /// `SyncAll`, or `NotAssigned`).
    pub assignment: Reason,
    /// The object mapping's scoping filters.
    pub scope: &'a [CompiledScopeFilter],
    /// The job settings.
    pub settings: &'a Settings,
    /// Users: Entra's `IsSoftDeleted` (out of scope, disabled or soft-deleted).
    pub deprovisioned: bool,
    /// The target id Entra linked before this object's turn, if any.
    pub linked: Option<String>,
    /// Users: unassigned and disabled earlier, so no longer managed.
    pub unmanaged: bool,
}

impl Subject<'_> {
    /// The source objectId.
    pub fn object_id(&self) -> &str {
        match self.kind {
            ResourceKind::User => &self.snapshot.users[self.index].object_id,
            ResourceKind::Group => &self.snapshot.groups[self.index].object_id,
        }
    }

    /// A readable name: the userPrincipalName or the group's displayName.
    pub fn label(&self) -> &str {
        match self.kind {
            ResourceKind::User => self.snapshot.users[self.index].label(),
            ResourceKind::Group => self.snapshot.groups[self.index].label(),
        }
    }

    /// The source object's attributes.
    pub fn record(&self) -> &crate::model::source::Record {
        match self.kind {
            ResourceKind::User => &self.snapshot.users[self.index].record,
            ResourceKind::Group => &self.snapshot.groups[self.index].record,
        }
    }
}

/// A [`Sink`] made of two closures, for callers that only want the requests.
pub(super) struct Closures<'a> {
    pub(super) emit: &'a mut dyn FnMut(&Request<'_>),
    pub(super) progress: &'a mut dyn FnMut(Progress),
}

impl Sink for Closures<'_> {
    fn request(&mut self, r: &Request<'_>) {
        (self.emit)(r)
    }
    fn progress(&mut self, progress: Progress) {
        (self.progress)(progress)
    }
}

/// Why Entra sends nothing where a reader might expect a request: an explained non-action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoteKind {
    /// A user's manager came into scope (was linked) after the user, and the user did not
    /// change: the manager reference waits for a full cycle (known-issues.md, "Manager isn't
    /// provisioned"; how-provisioning-works.md, "Incremental cycles").
    ManagerNotLinked,
    /// A group member came into scope (was linked) after the group, and the group did not
    /// change: the member is added by the next full cycle (known-issues.md).
    MemberNotAdded,
    /// A user unassigned earlier (and then disabled) is no longer managed by the job: its
    /// deletion from Entra sends no DELETE (how-provisioning-works.md, "Known limitations").
    NotManaged,
    /// No value for any matching attribute: Entra skips the object, with no match query and
    /// no create (ImportSkipped in howto-analyze-provisioning-logs.md).
    ImportSkipped,
    /// An object that failed earlier and did not change waits for its next retry
    /// (how-provisioning-works.md, "Errors and retries"; [`crate::provision::retry`]).
    RetryLater,
}

impl NoteKind {
    /// The name used in transcripts: `manager-not-linked`, `member-not-added`, `not-managed`,
    /// `import-skipped`, `retry-later`.
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::ManagerNotLinked => "manager-not-linked",
            NoteKind::MemberNotAdded => "member-not-added",
            NoteKind::NotManaged => "not-managed",
            NoteKind::ImportSkipped => "import-skipped",
            NoteKind::RetryLater => "retry-later",
        }
    }
}

/// An explained non-action of one cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// What Entra does not do.
    pub kind: NoteKind,
    /// The source objectId of the object concerned (the user, or the group).
    pub object: String,
    /// A readable name of that object.
    pub label: String,
    /// The explanation, naming the other object involved.
    pub message: String,
}

/// How often a cycle reports progress, in objects.
pub const PROGRESS_EVERY: usize = 4096;

/// How far a cycle has come: objects of the snapshot processed in the first pass, of all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Objects done.
    pub done: usize,
    /// Users and groups in the snapshot.
    pub total: usize,
}
