//! Provisioning cycles: the requests Entra sends for one directory snapshot, in order, each
//! answered by the in-memory [`Target`] so its response drives the next step
//! (docs/scim-wire.md §3, §6, §9.5–9.7; docs/mapping-model.md §9.7, §10).
//!
//! Order within a cycle (§3.1 "users and groups first and group memberships after that"):
//! 1. users in snapshot order: match/create for unlinked users, read/update or disable for
//!    linked ones;
//! 2. manager links, once every user of the cycle has its target id (E15);
//! 3. hard deletes of users that left the snapshot (E14);
//! 4. groups: match/create or read/update, created empty (E17, E18, E16, E19);
//! 5. group memberships: add then remove (E20, E21);
//! 6. deletes of groups that left the snapshot or the scope (E22).
//!
//! Entra's links (source objectId → target id) persist across cycles in the [`Simulator`], so a
//! later cycle reads linked objects by id instead of matching them again.
//!
//! The first cycle, and any cycle after a restart or a change of mapping, is a full cycle: it
//! evaluates every object. Every other cycle is incremental: it evaluates only the objects
//! whose inputs changed since they were last evaluated ([`super::delta`]), and the objects
//! that failed earlier whose retry is due ([`super::retry`]; how-provisioning-works.md,
//! "Incremental cycles" and "Errors and retries"). An object it does not evaluate gets no request at all, not even a
//! read. What Entra then leaves undone (known-issues.md) is reported as [`Note`]s.

use std::collections::hash_map::Entry;

use serde_json::Value as Json;

use super::assignment::{Assignment, EntraUser, Reason};
use super::delta;
use super::dialect;
use super::diff::{self, OpKind};
use super::directory::{Directory, DirectoryGroup, DirectoryUser};
use super::endpoint::{Endpoint, Response};
use super::guard::{self, Quarantine, Staged};
use super::id::CompactId;
use super::project::{CompiledMapping, Flow, Projection, is_active};
use super::retry::{self, EscrowThresholds, Retries, Start};
use super::scope::{CompiledScopeFilter, compile_scope, in_scope, is_soft_deleted};
use super::target::{Kind, Target};
use super::{FastMap as Map, FastSet as Set};
use crate::expr::Context;
use crate::model::attribute_index::AttributeIndex;
use crate::model::mapping::{
    Action as TargetAction, AttributeType, Dialect, MappingFile, ObjectMapping, Settings,
};
use crate::model::source::{Source, SourceRef, SourceValue};
use crate::scim::{ENTERPRISE_USER_SCHEMA, Filter, Path, Resource, ScimError, encode_query};

/// Why Entra sends a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A filter query looking for an existing account to link (E2, E4, E17).
    Match,
    /// A read by id of a linked object (E5, E16).
    Read,
    /// A POST (E6, E18).
    Create,
    /// A PATCH with the attributes that differ (E9–E11, E13, E19).
    Update,
    /// The PATCH setting `active` false (E12).
    Disable,
    /// A DELETE (E14, E22).
    Delete,
    /// The PATCH setting the manager (E15).
    LinkManager,
    /// The PATCH adding group members (E20).
    AddMembers,
    /// The PATCH removing group members (E21).
    RemoveMembers,
}

impl Action {
    /// The name used in transcripts: `match`, `read`, `create`, `update`, `disable`, `delete`,
    /// `link-manager`, `add-members`, `remove-members`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Match => "match",
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Disable => "disable",
            Action::Delete => "delete",
            Action::LinkManager => "link-manager",
            Action::AddMembers => "add-members",
            Action::RemoveMembers => "remove-members",
        }
    }
}

/// One request Entra sent, with the endpoint's response, borrowed for the time of the
/// `emit` call: transcripts write it out and summaries count it without copying bodies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request<'a> {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// The source objectId of the user or group the request is about.
    pub object: &'a str,
    /// A readable name of that object (UPN or display name), for transcripts.
    pub label: &'a str,
    /// Why the request is sent.
    pub action: Action,
    /// The HTTP method.
    pub method: &'static str,
    /// Path and query relative to the tenant URL, exactly as sent.
    pub path: &'a str,
    /// The JSON body, if any.
    pub body: Option<&'a Json>,
    /// The response status.
    pub status: u16,
    /// The response body, if any.
    pub response: Option<&'a Json>,
}

impl Request<'_> {
    /// An owned copy, for callers that keep requests past the `emit` call.
    pub fn record(&self) -> Recorded {
        Recorded {
            cycle: self.cycle,
            object: self.object.to_owned(),
            label: self.label.to_owned(),
            action: self.action,
            method: self.method,
            path: self.path.to_owned(),
            body: self.body.cloned(),
            status: self.status,
            response: self.response.cloned(),
        }
    }
}

/// An owned [`Request`].
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// The source objectId of the user or group the request is about.
    pub object: String,
    /// A readable name of that object.
    pub label: String,
    /// Why the request was sent.
    pub action: Action,
    /// The HTTP method.
    pub method: &'static str,
    /// Path and query relative to the tenant URL.
    pub path: String,
    /// The JSON body, if any.
    pub body: Option<Json>,
    /// The response status.
    pub status: u16,
    /// The response body, if any.
    pub response: Option<Json>,
}

impl Recorded {
    /// Borrow it back as a [`Request`], for the transcript writers.
    pub fn as_request(&self) -> Request<'_> {
        Request {
            cycle: self.cycle,
            object: &self.object,
            label: &self.label,
            action: self.action,
            method: self.method,
            path: &self.path,
            body: self.body.as_ref(),
            status: self.status,
            response: self.response.as_ref(),
        }
    }
}

/// An object Entra could not process this cycle (it is retried in the next one, then on the
/// schedule of [`super::retry`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The source objectId.
    pub object: String,
    /// What went wrong, in the words of Entra's provisioning log where one applies.
    pub message: String,
    /// Entra's error code for the failure, when its logs document one.
    pub code: Option<ErrorCode>,
}

/// The error codes of Entra's provisioning logs that the engine produces
/// (howto-analyze-provisioning-logs.md, "Error codes"), plus the two kinds of failure that
/// page gives no code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Several accounts answered the match query.
    DuplicateTargetEntries,
    /// The account the match query found is linked to another source object.
    DuplicateSourceEntries,
    /// The app refused a create that lacks an attribute it requires.
    MandatoryFieldsMissing,
    /// Several values for a single-valued target attribute.
    SchemaPropertyCanOnlyAcceptValue,
    /// A linked object's read by id failed (the app no longer has it).
    InvalidAnchor,
    /// The app answered 409 to a write (a create, or an update it refused).
    EntryConflict,
    /// A mapping expression failed for the object (no documented code).
    ExpressionFailed,
    /// The app answered an error Entra's docs give no code for.
    HttpError,
}

impl ErrorCode {
    /// The code as the log writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::DuplicateTargetEntries => "DuplicateTargetEntries",
            ErrorCode::DuplicateSourceEntries => "DuplicateSourceEntries",
            ErrorCode::MandatoryFieldsMissing => "MandatoryFieldsMissing",
            ErrorCode::SchemaPropertyCanOnlyAcceptValue => "SchemaPropertyCanOnlyAcceptValue",
            ErrorCode::InvalidAnchor => "InvalidAnchor",
            ErrorCode::EntryConflict => "EntryConflict",
            ErrorCode::ExpressionFailed => "ExpressionFailed",
            ErrorCode::HttpError => "HttpError",
        }
    }
}

/// Why a mapping cannot be simulated: what [`Simulator::new`] and
/// [`Simulator::change_mapping`] refuse. `check` reports each of these with a location; here
/// they name the object mapping.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `users.enabled: false`: Entra's user object mapping cannot be switched off.
    #[error("users: Entra's user object mapping cannot be disabled")]
    UsersDisabled,
    /// A row of the `object` mapping (`users` or `groups`) does not compile.
    #[error("{object}: {source}")]
    Row {
        /// `users` or `groups`.
        object: &'static str,
        /// The row's error (boxed: the error path stays small for the `Ok` one).
        #[source]
        source: Box<super::project::CompileError>,
    },
    /// A scoping filter clause of the `object` mapping does not compile.
    #[error("{object}: {source}")]
    Scope {
        /// `users` or `groups`.
        object: &'static str,
        /// The clause's error.
        #[source]
        source: Box<super::scope::ScopeError>,
    },
}

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
    pub kind: Kind,
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
            Kind::User => &self.snapshot.users[self.index].object_id,
            Kind::Group => &self.snapshot.groups[self.index].object_id,
        }
    }

    /// A readable name: the userPrincipalName or the group's displayName.
    pub fn label(&self) -> &str {
        match self.kind {
            Kind::User => self.snapshot.users[self.index].label(),
            Kind::Group => self.snapshot.groups[self.index].label(),
        }
    }

    /// The source object's attributes.
    pub fn record(&self) -> &crate::model::source::Record {
        match self.kind {
            Kind::User => &self.snapshot.users[self.index].record,
            Kind::Group => &self.snapshot.groups[self.index].record,
        }
    }
}

/// A [`Sink`] made of two closures, for callers that only want the requests.
struct Closures<'a> {
    emit: &'a mut dyn FnMut(&Request<'_>),
    progress: &'a mut dyn FnMut(Progress),
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
    /// (how-provisioning-works.md, "Errors and retries"; [`super::retry`]).
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

/// The mapping, compiled once for many cycles.
struct Config {
    users: ObjectConfig,
    /// Whether a row targets the core `active`: deprovisioning only disables then (§3.4).
    active_mapped: bool,
    groups: Option<ObjectConfig>,
    dialect: Dialect,
    ctx: Context,
    /// `IsSoftDeleted` as expressions read it: `False`, `True` (by `usize::from(bool)`).
    soft_deleted: [SourceValue; 2],
    /// Whether a row other than `active` may read `IsSoftDeleted`: deprovisioning then also
    /// writes what those rows give for a deprovisioned user (a custom `status`, say).
    soft_delete_rows: bool,
    /// The job settings: scope, default access and the deprovisioning guards.
    settings: Settings,
}

/// One object mapping (users or groups), compiled.
struct ObjectConfig {
    kind: Kind,
    mapping: CompiledMapping,
    scope: Vec<CompiledScopeFilter>,
    schema: AttributeIndex,
    actions: Vec<TargetAction>,
    /// The attributes the app requires in a create (references aside: Entra never sends
    /// those in a POST), parsed once.
    required: Vec<(String, Path)>,
}

impl Config {
    fn compile(file: &MappingFile, dialect: Dialect, ctx: Context) -> Result<Config, SetupError> {
        if !file.users.enabled {
            return Err(SetupError::UsersDisabled);
        }
        let users = ObjectConfig::compile(Kind::User, &file.users, "users")?;
        let active_mapped = file
            .users
            .mappings
            .iter()
            .any(|m| Path::parse(&m.target.value).is_ok_and(|p| is_active(&p)));
        let groups = match &file.groups {
            Some(g) if g.enabled => Some(ObjectConfig::compile(Kind::Group, g, "groups")?),
            _ => None,
        };
        Ok(Config {
            users,
            active_mapped,
            groups,
            dialect,
            ctx,
            soft_deleted: [
                SourceValue::Str("False".to_owned()),
                SourceValue::Str("True".to_owned()),
            ],
            soft_delete_rows: guard::reads_soft_deleted_beyond_active(&file.users),
            settings: file.settings.clone(),
        })
    }
}

impl ObjectConfig {
    /// Compile `mapping` for objects of `kind`; errors name the mapping as `object`.
    fn compile(
        kind: Kind,
        mapping: &ObjectMapping,
        object: &'static str,
    ) -> Result<ObjectConfig, SetupError> {
        Ok(ObjectConfig {
            kind,
            mapping: CompiledMapping::compile(mapping).map_err(|e| SetupError::Row {
                object,
                source: Box::new(e),
            })?,
            scope: compile_scope(&mapping.scope).map_err(|e| SetupError::Scope {
                object,
                source: Box::new(e),
            })?,
            schema: AttributeIndex::new(mapping.attributes.clone()),
            actions: mapping.actions.clone(),
            required: mapping
                .attributes
                .iter()
                .filter(|a| a.required && a.kind != AttributeType::Reference)
                .filter_map(|a| Some((a.name.value.clone(), Path::parse(&a.name.value).ok()?)))
                .collect(),
        })
    }

    fn can(&self, action: TargetAction) -> bool {
        self.actions.contains(&action)
    }

    fn has_matching(&self) -> bool {
        self.mapping.matching_targets().next().is_some()
    }
}

/// A linked group and the member target ids Entra last wrote: reads exclude members
/// (E16), so Entra diffs membership against what it sent, not against the app.
struct GroupLink {
    id: String,
    members: Vec<String>,
    /// What the group's last evaluation read ([`delta::group`]).
    fingerprint: u64,
}

/// A linked user.
struct Link {
    /// The target id.
    id: CompactId,
    /// When the link was made: deletes and listings come out in link order.
    order: u32,
    /// The last cycle whose snapshot held the user: the ones an earlier cycle saw last have
    /// left the directory.
    seen: u32,
    /// What the user's last evaluation read ([`delta::user`]).
    fingerprint: u64,
    /// Unassigned and disabled: the job no longer manages the user (it is not read, and its
    /// deletion sends no DELETE) until it is assigned again.
    unmanaged: bool,
}

/// What the first pass of a cycle learnt of one user of the snapshot before any request.
struct Visit {
    /// The user's target id, when linked.
    link: Option<CompactId>,
    /// Entra's `IsSoftDeleted` for the user.
    deprovisioned: bool,
    /// Whether this cycle evaluates the user (a full cycle, a change, or a retry).
    evaluate: bool,
    /// Whether the link is no longer managed (see [`Link::unmanaged`]).
    unmanaged: bool,
    /// The user's fingerprint in this snapshot.
    fingerprint: u64,
}

/// What persists across cycles: the app and Entra's links.
struct State<E> {
    endpoint: E,
    /// Linked users by source objectId. A plain hash map, its order kept in the links: a first
    /// cycle looks a million of them up at random (managers, group members), and an ordered
    /// map's lookup reaches into one more table, a cache miss each at that size.
    users: Map<CompactId, Link>,
    /// Links made so far.
    linked: u32,
    /// Cycles run so far, the current one included.
    cycles: u32,
    groups: Map<String, GroupLink>,
    group_order: Vec<String>,
    /// Set when the accidental-deletions threshold paused the job.
    quarantine: Option<Quarantine>,
    /// Whether the next cycle evaluates every object: the first one, and the first after a
    /// restart or a change of mapping. Entra keeps a watermark instead; clearing it is this.
    full: bool,
    /// Users evaluated without error that have no link (matched nothing where the mapping
    /// cannot create, or skipped): their fingerprints, so an unchanged one is not queried
    /// again.
    unlinked: Map<CompactId, u64>,
    /// The explained non-actions of the last cycle.
    notes: Vec<Note>,
    /// Failed objects waiting for a retry, and the job's quarantine.
    retries: Retries,
}

impl<E> State<E> {
    /// The target id linked to a user's source objectId.
    fn target_id(&self, object_id: &str) -> Option<String> {
        self.users
            .get(&CompactId::new(object_id))
            .map(|link| link.id.to_text())
    }

    /// Look up a user of this cycle's snapshot whose fingerprint is `fingerprint`: note that
    /// it is still there, whether this cycle evaluates it, and remember what it read.
    fn visit(&mut self, object_id: &str, deprovisioned: bool, fingerprint: u64) -> Visit {
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
    fn link(&mut self, oid: CompactId, id: CompactId, fingerprint: u64) {
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
    fn evaluate_again(&mut self, object_id: &str) {
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
    fn links_in_order(&self) -> Vec<(&CompactId, &Link)> {
        let mut links: Vec<_> = self.users.iter().collect();
        links.sort_unstable_by_key(|(_, link)| link.order);
        links
    }
}

/// Entra's provisioning job for one app: the compiled mapping, the app's endpoint and the
/// source ↔ target links, run cycle after cycle.
pub struct Simulator<E: Endpoint = Target> {
    config: Config,
    state: State<E>,
}

impl Simulator<Target> {
    /// A job for `file` in `dialect`, with an empty in-memory app modelled on the mapping's
    /// vendor rules. `ctx` provides `Now()` and the seed of the random functions. Errors name
    /// the mapping row or scoping filter that does not compile.
    pub fn new(
        file: &MappingFile,
        dialect: Dialect,
        ctx: Context,
    ) -> Result<Simulator, SetupError> {
        let target = Target::new(
            &file.users.attributes,
            file.groups
                .as_ref()
                .map_or(&[][..], |g| g.attributes.as_slice()),
        );
        Simulator::with_endpoint(file, dialect, ctx, target)
    }

    /// Preload an account that already exists in the app (`--target FILE`), unlinked: Entra
    /// finds it by matching. Returns its id.
    pub fn preload(&mut self, kind: Kind, resource: Resource) -> Result<String, ScimError> {
        self.state.endpoint.insert(kind, resource)
    }

    /// The app's endpoint, as it stands after the cycles run so far.
    pub fn target(&self) -> &Target {
        &self.state.endpoint
    }
}

impl<E: Endpoint> Simulator<E> {
    /// A job for `file` in `dialect` against `endpoint`. `ctx` provides `Now()` and the seed of
    /// the random functions. Errors name the mapping row or scoping filter that does not
    /// compile.
    pub fn with_endpoint(
        file: &MappingFile,
        dialect: Dialect,
        ctx: Context,
        endpoint: E,
    ) -> Result<Simulator<E>, SetupError> {
        Ok(Simulator {
            config: Config::compile(file, dialect, ctx)?,
            state: State {
                endpoint,
                users: Map::default(),
                linked: 0,
                cycles: 0,
                groups: Map::default(),
                group_order: Vec::new(),
                quarantine: None,
                full: true,
                unlinked: Map::default(),
                notes: Vec::new(),
                retries: Retries::default(),
            },
        })
    }

    /// The job settings in force (the mapping's `settings:`, as overridden).
    pub fn settings(&self) -> &Settings {
        &self.config.settings
    }

    /// Override the job settings for the next cycles (`--scope` on the command line).
    pub fn set_settings(&mut self, settings: Settings) {
        self.config.settings = settings;
    }

    /// Set when the accidental-deletions threshold quarantined the job: which cycle, and the
    /// disables and deletes it staged instead of sending. Later cycles send nothing until
    /// [`Simulator::resume`].
    pub fn quarantine(&self) -> Option<&Quarantine> {
        self.state.quarantine.as_ref()
    }

    /// Take the job out of quarantine, as an admin's "Allow deletes" or a restart after
    /// fixing the cause does (accidental-deletions.md): the next cycle evaluates again and,
    /// over the threshold still, stages again.
    pub fn resume(&mut self) {
        self.state.quarantine = None;
    }

    /// The app's endpoint.
    pub fn endpoint(&self) -> &E {
        &self.state.endpoint
    }

    /// The app's endpoint, mutably (to change the app between cycles).
    pub fn endpoint_mut(&mut self) -> &mut E {
        &mut self.state.endpoint
    }

    /// The target ids Entra linked, user objectId → id, in link order.
    pub fn user_links(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.state
            .links_in_order()
            .into_iter()
            .map(|(o, link)| (o.to_text(), link.id.to_text()))
    }

    /// The target ids Entra linked, group objectId → id, in link order.
    pub fn group_links(&self) -> impl Iterator<Item = (&str, &str)> {
        self.state
            .group_order
            .iter()
            .filter_map(|o| Some((o.as_str(), self.state.groups.get(o)?.id.as_str())))
    }

    /// Move the clock `Now()` reads: each real cycle runs at a later time (about every 40
    /// minutes), which is what makes a `Now()` on an always row differ from cycle to cycle.
    pub fn set_now(&mut self, now: crate::dotnet::datetime::DateTime) {
        self.config.ctx.now = now;
    }

    /// The target id linked to a source objectId, if any.
    pub fn linked_user(&self, object_id: &str) -> Option<String> {
        self.state.target_id(object_id)
    }

    /// Entra's "Restart provisioning": clear the watermark, keep the links. The next cycle is
    /// a full cycle (how-provisioning-works.md, "Incremental cycles"). A restart also clears
    /// quarantine (application-provisioning-quarantine-status.md), so a job the
    /// accidental-deletions guard paused runs again and counts its deletes afresh.
    pub fn restart(&mut self) {
        self.state.full = true;
        self.state.quarantine = None;
        self.state.retries.clear();
    }

    /// Failed objects waiting for a retry, and the quarantine their failures (or the app's
    /// answers) put the job in ([`super::retry`]).
    pub fn retries(&self) -> &Retries {
        &self.state.retries
    }

    /// Use other escrow thresholds than Entra's (application-provisioning-quarantine-status.md
    /// says they are "subject to change").
    pub fn set_escrow_thresholds(&mut self, thresholds: EscrowThresholds) {
        self.state.retries.set_thresholds(thresholds);
    }

    /// Whether the next cycle is a full cycle (the first, or after a restart or a change of
    /// mapping) rather than an incremental one.
    pub fn next_cycle_is_full(&self) -> bool {
        self.state.full
    }

    /// Save a new mapping for the same app and links, as an admin does in the portal: the
    /// next cycle is a full cycle with it (define-conditional-rules-for-provisioning-user-accounts.md:
    /// a change of scoping filter or mapping starts a full re-evaluation). The dialect and the
    /// clock stay. Errors name the mapping row or filter that does not compile, and leave the
    /// job as it was.
    pub fn change_mapping(&mut self, file: &MappingFile) -> Result<(), SetupError> {
        let placeholder = Context::new(self.config.ctx.now, 0);
        let mut config = Config::compile(file, self.config.dialect, placeholder)?;
        // The random generator goes on where it was, as the job's clock does.
        std::mem::swap(&mut config.ctx, &mut self.config.ctx);
        self.config = config;
        self.state.full = true;
        // Saving a mapping restarts provisioning, which clears escrows and the quarantine
        // (application-provisioning-quarantine-status.md).
        self.state.retries.clear();
        Ok(())
    }

    /// Make the next cycle evaluate an object (user or group) even when nothing it reads
    /// changed: what Entra does when the directory reports it changed (a delta entry whose
    /// values end up the same).
    pub fn touch(&mut self, object_id: &str) {
        self.state.evaluate_again(object_id);
    }

    /// The explained non-actions of the last cycle run (what Entra leaves undone, and why).
    pub fn notes(&self) -> &[Note] {
        &self.state.notes
    }

    /// Run one cycle over `snapshot`, handing each request to `emit` as soon as its response
    /// is known. Returns the objects that failed (they send nothing more this cycle).
    pub fn run_cycle(
        &mut self,
        snapshot: &Directory,
        cycle: u32,
        emit: &mut dyn FnMut(&Request<'_>),
    ) -> Vec<Failure> {
        self.run_cycle_with_progress(snapshot, cycle, emit, &mut |_| {}, &|| false)
    }

    /// [`Simulator::run_cycle`], reporting how far the cycle has come to `progress` every
    /// [`PROGRESS_EVERY`] objects and once at the end, and asking `stop` before each object:
    /// once it says yes (Ctrl-C was pressed, the output failed), the cycle ends after the
    /// object in progress, having handed `emit` whole requests only. A stopped cycle is half
    /// done: the simulator is then only fit to be dropped.
    pub fn run_cycle_with_progress(
        &mut self,
        snapshot: &Directory,
        cycle: u32,
        emit: &mut dyn FnMut(&Request<'_>),
        progress: &mut dyn FnMut(Progress),
        stop: &dyn Fn() -> bool,
    ) -> Vec<Failure> {
        self.run_cycle_into(snapshot, cycle, &mut Closures { emit, progress }, stop)
    }

    /// [`Simulator::run_cycle_with_progress`] with a [`Sink`]: the requests, the progress and,
    /// when the sink asks for them, the decisions about each object.
    pub fn run_cycle_into(
        &mut self,
        snapshot: &Directory,
        cycle: u32,
        sink: &mut dyn Sink,
        stop: &dyn Fn() -> bool,
    ) -> Vec<Failure> {
        let stopped = stop;
        let total = snapshot.users.len() + snapshot.groups.len();
        // A cycle that does not run explains nothing of its own.
        self.state.notes.clear();
        if self.state.quarantine.is_some() {
            // A quarantined job runs no cycle until an admin allows the deletes or restarts
            // it (accidental-deletions.md, "Recovering from an accidental deletion").
            self.state.retries.skipped();
            sink.progress(Progress { done: total, total });
            return Vec::new();
        }
        let now = self.config.ctx.now;
        match self.state.retries.begin_cycle(now) {
            Start::Skip => {
                sink.progress(Progress { done: total, total });
                return Vec::new();
            }
            // Due retries are evaluated whether or not they changed.
            Start::Run(due) => {
                for object in &due {
                    self.state.evaluate_again(object);
                }
            }
        }
        let decisions = sink.records_decisions();
        let Simulator { config, state } = self;
        let full = state.full;
        let assignment = Assignment::compute(snapshot, &config.settings);
        let mut run = Run {
            state,
            cycle,
            sink,
            decisions,
            failures: Vec::new(),
            new_links: Vec::with_capacity(PROGRESS_EVERY),
            pending: config
                .settings
                .accidental_deletions_threshold
                .map(|_| Vec::new()),
            hold_deletes: false,
            linked_now: Map::default(),
            full,
            linked_targets: None,
        };
        run.state.cycles += 1;
        run.state.notes.clear();
        // What each user reads, and so whether this cycle evaluates it, before any lookup.
        let read: Vec<(bool, u64)> = snapshot
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let deprovisioned = is_soft_deleted(
                    assignment.user(i).in_scope(),
                    in_scope(&config.users.scope, &u.record),
                    u.soft_deleted,
                    u.account_enabled(),
                );
                (
                    deprovisioned,
                    delta::user(u, deprovisioned, assignment.roles(i)),
                )
            })
            .collect();
        // Every user's link, looked up in one pass before any request: lookups in a tight loop
        // overlap their cache misses, where one per user between requests would wait for each
        // (a million links do not fit in any cache). Object ids are unique in a snapshot (the
        // loader refuses duplicates), so no user's step changes another's link.
        let visits: Vec<Visit> = snapshot
            .users
            .iter()
            .zip(read)
            .map(|(u, (deprovisioned, fp))| run.state.visit(&u.object_id, deprovisioned, fp))
            .collect();
        let unlinked = snapshot.users.len().saturating_sub(run.state.users.len());
        run.state.users.reserve(unlinked);
        let mut managers = Vec::new();
        let mut skipped = Vec::new();
        for ((i, user), visit) in snapshot.users.iter().enumerate().zip(visits) {
            if stopped() {
                return run.failures;
            }
            if !visit.evaluate {
                if visit.link.is_some() && !visit.deprovisioned {
                    skipped.push(i);
                }
            } else {
                let failed = run.failures.len();
                let unlinked = visit.link.is_none().then_some(visit.fingerprint);
                run.attempt(&user.object_id);
                if decisions {
                    run.sink.begin_object(&Subject {
                        cycle,
                        full,
                        kind: Kind::User,
                        index: i,
                        snapshot,
                        assignment: assignment.user(i),
                        scope: &config.users.scope,
                        settings: &config.settings,
                        deprovisioned: visit.deprovisioned,
                        linked: visit.link.as_ref().map(CompactId::to_text),
                        unmanaged: visit.unmanaged,
                    });
                }
                if let Some(m) = run.user(config, &assignment, i, user, visit) {
                    managers.push(m);
                }
                if decisions {
                    run.sink.end_object();
                }
                // A failed unlinked user waits for its retry like a linked one, whose
                // fingerprint the visit kept: only a change brings it back earlier.
                if let Some(fp) = unlinked.filter(|_| run.failures.len() > failed) {
                    run.state
                        .unlinked
                        .insert(CompactId::new(&user.object_id), fp);
                }
            }
            if i % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                run.record_links();
                run.sink.progress(Progress { done: i + 1, total });
            }
        }
        run.record_links();
        if let Some(threshold) = config.settings.accidental_deletions_threshold {
            run.apply_threshold(config, snapshot, &assignment, threshold);
        }
        // The managers' target ids, looked up together for the same reason.
        let manager_ids: Vec<Option<CompactId>> = managers
            .iter()
            .map(|m| run.state.users.get(&m.manager).map(|link| link.id.clone()))
            .collect();
        for (m, manager_id) in managers.iter().zip(manager_ids) {
            if stopped() {
                return run.failures;
            }
            run.manager(config, snapshot, m, manager_id);
        }
        if stopped() {
            return run.failures;
        }
        run.managers_not_linked(config, snapshot, &skipped);
        run.delete_users(config);
        if let Some(groups) = &config.groups {
            let mut memberships = Vec::new();
            for i in 0..snapshot.groups.len() {
                if stopped() {
                    return run.failures;
                }
                let group = &snapshot.groups[i];
                let failed = run.failures.len();
                if let Some(m) = run.group(config, groups, i, assignment.group(i), snapshot) {
                    memberships.push(m);
                }
                if run.failures.len() > failed && !run.state.groups.contains_key(&group.object_id) {
                    // See the user pass: a failed unlinked group waits for its retry.
                    let key = CompactId::new(&group.object_id);
                    run.state.unlinked.insert(key, delta::group(group, true));
                }
            }
            for m in &memberships {
                if stopped() {
                    return run.failures;
                }
                run.members(config, m);
            }
            if stopped() {
                return run.failures;
            }
            run.delete_groups(groups, snapshot, &assignment);
        }
        run.sink.progress(Progress { done: total, total });
        let failures = run.failures;
        // A failed object is retried in the next cycle, changed or not, then less and less
        // often (how-provisioning-works.md, "Errors and retries").
        let state = &mut self.state;
        let linked = (state.users.len() + state.groups.len()) as u64;
        let (users, groups) = (&state.users, &state.groups);
        let is_linked = |o: &str| users.contains_key(&CompactId::new(o)) || groups.contains_key(o);
        let waiting = state
            .retries
            .end_cycle(cycle, now, &failures, linked, &is_linked);
        for (object, message) in waiting {
            state.notes.push(Note {
                cycle,
                kind: NoteKind::RetryLater,
                label: object.clone(),
                object,
                message,
            });
        }
        state.full = false;
        failures
    }
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

/// What the manager pass needs of a user processed in the first pass: a few strings, not the
/// resource, since a first cycle holds one for most users of the directory.
struct ManagerWork {
    /// The user's index in the snapshot.
    user: usize,
    /// The user's target id.
    id: CompactId,
    /// The manager's source objectId.
    manager: CompactId,
    /// The manager id the app showed when it last returned the user.
    shown: Option<CompactId>,
}

/// What the membership pass needs of a group processed in the group pass.
struct MembershipWork {
    object: String,
    label: String,
    members: Vec<String>,
}

/// One cycle in progress.
struct Run<'a, E> {
    state: &'a mut State<E>,
    cycle: u32,
    sink: &'a mut dyn Sink,
    /// Whether the sink records decisions ([`Sink::records_decisions`]).
    decisions: bool,
    failures: Vec<Failure>,
    /// Users linked in the user pass and not yet in the links: entered a batch at a time, so
    /// their cache misses overlap (no step of the pass reads another user's link).
    new_links: Vec<(CompactId, CompactId, u64)>,
    /// In an incremental cycle, the users linked in it (source objectId → index in the
    /// snapshot): unchanged objects that refer to them are not updated (known-issues.md).
    linked_now: Map<CompactId, usize>,
    /// Whether this is a full cycle.
    full: bool,
    /// The target ids of linked users, once a match query found an account (see
    /// [`Run::user_target_taken`]).
    linked_targets: Option<Set<CompactId>>,
    /// With an accidental-deletions threshold, the deprovisioning PATCHes of the user pass,
    /// held until the cycle's disables and deletes are counted.
    pending: Option<Vec<Deprovision>>,
    /// The threshold was exceeded: this cycle sends no disable and no delete.
    hold_deletes: bool,
}

/// The PATCHes that deprovision one linked user.
struct Deprovision {
    object: String,
    label: String,
    id: String,
    bodies: Vec<Json>,
}

impl<E: Endpoint> Run<'_, E> {
    /// Send a request to the app and hand it to the caller with its response.
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        object: &str,
        label: &str,
        action: Action,
        method: &'static str,
        path: String,
        body: Option<Json>,
    ) -> Response {
        let response = self.state.endpoint.handle(method, &path, body.as_ref());
        self.state.retries.observe(action, response.status);
        self.sink.request(&Request {
            cycle: self.cycle,
            object,
            label,
            action,
            method,
            path: &path,
            body: body.as_ref(),
            status: response.status,
            response: response.body.as_ref(),
        });
        response
    }

    /// POST a new object; the created resource and its id, or a recorded failure.
    fn create(
        &mut self,
        oid: &str,
        label: &str,
        object: &ObjectConfig,
        body: serde_json::Map<String, Json>,
    ) -> Option<(String, Resource)> {
        let kind = object.kind;
        let missing = missing_required(&object.required, &body);
        let path = ["/", kind.endpoint()].concat();
        let response = self.send(
            oid,
            label,
            Action::Create,
            "POST",
            path,
            Some(Json::Object(body)),
        );
        let Some(Json::Object(created)) = response.body.filter(|_| response.status == 201) else {
            let (code, message) = match missing {
                // howto-analyze-provisioning-logs.md: Entra logs the app's refusal of a create
                // that lacks a required attribute as MandatoryFieldsMissing.
                Some(name) if response.status == 400 => (
                    ErrorCode::MandatoryFieldsMissing,
                    format!(
                        "MandatoryFieldsMissing: the app requires `{name}`, which the create \
                         lacks (answered 400)"
                    ),
                ),
                _ => retry::refused("create", response.status),
            };
            self.fail(oid, code, message);
            return None;
        };
        let id = resource_id(&created)?;
        Some((id, created))
    }

    /// Note that this cycle evaluates `object`, for the retry bookkeeping.
    fn attempt(&mut self, object: &str) {
        if !self.state.retries.is_empty() {
            self.state.retries.attempt(object);
        }
    }

    fn fail(&mut self, object: &str, code: ErrorCode, message: impl Into<String>) {
        let failure = Failure {
            object: object.to_owned(),
            message: message.into(),
            code: Some(code),
        };
        if self.decisions {
            self.sink.failure(&failure);
        }
        self.failures.push(failure);
    }

    /// The first pass for one user, the `index`th of the snapshot. Returns the manager work
    /// when the user has a mapped manager and is active in the app.
    fn user(
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
                match self.match_object(Kind::User, "", &projection, oid, label) {
                    Matched::Error => return None,
                    Matched::One(found) => {
                        let id = resource_id(&found)?;
                        if self.user_target_taken(&id) {
                            self.duplicate_source(oid, &id);
                            return None;
                        }
                        self.link_user(oid, &id, fingerprint, index);
                        let (projection, current) =
                            self.refresh(config, &config.users, &record, found, (oid, label, &id))?;
                        (projection.manager, current, id)
                    }
                    Matched::None => {
                        if !config.users.can(TargetAction::Create) {
                            self.state.unlinked.insert(CompactId::new(oid), fingerprint);
                            return None;
                        }
                        let manager = projection.manager.take();
                        let body = projection.into_post_body(Kind::User);
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

    /// Deprovision a linked user the app showed as `found`. The `active` false PATCH goes
    /// only when `active` is mapped (§3.4) and the app does not show the user inactive
    /// already; the row must also yield a value for this user: a Switch whose keys never match
    /// IsSoftDeleted flows nothing, so Entra never deactivates through it
    /// (docs/mapping-model.md §12.3, Unleash PR #9336). Rows other than `active` that read IsSoftDeleted are written
    /// with it True (how-provisioning-works.md, "Deprovisioning events": map IsSoftDeleted to
    /// the attribute to set). All of it is an update: without the Update action nothing goes
    /// ("Confirm the checkbox for updates is selected").
    fn deprovision(
        &mut self,
        config: &Config,
        record: &EntraUser<'_>,
        found: &Resource,
        (oid, label, id): (&str, &str, &str),
    ) {
        if !config.users.can(TargetAction::Update) {
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
                Action::Disable,
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
    fn apply_threshold(
        &mut self,
        config: &Config,
        snapshot: &Directory,
        assignment: &Assignment,
        threshold: u32,
    ) {
        let pending = self.pending.take().unwrap_or_default();
        let cycle = self.state.cycles;
        let mut deletes: Vec<Staged> = Vec::new();
        if config.users.can(TargetAction::Delete) {
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
                kind: Kind::User,
                label: oid.clone(),
                object: oid,
                action: Action::Delete,
            }));
        }
        if let Some(groups) = config
            .groups
            .as_ref()
            .filter(|g| g.can(TargetAction::Delete))
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
                    kind: Kind::Group,
                    object: oid.clone(),
                    label: label.to_owned(),
                    action: Action::Delete,
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
                kind: Kind::User,
                object: w.object,
                label: w.label,
                action: Action::Disable,
            })
            .chain(deletes)
            .collect();
        self.state.quarantine = Some(Quarantine {
            cycle: self.cycle,
            threshold,
            staged,
        });
    }

    fn project<'m>(
        &mut self,
        config: &Config,
        object: &'m ObjectConfig,
        record: &dyn Source,
        flow: Flow,
        oid: &str,
    ) -> Option<Projection<'m>> {
        let projection = match object.mapping.project(record, &config.ctx, flow) {
            Ok(p) => p,
            Err(e) => {
                self.fail(oid, ErrorCode::ExpressionFailed, e.to_string());
                return None;
            }
        };
        // Arrays are rare (multi-valued sources), so the schema is only searched for them.
        let single_valued = projection.entries.iter().find(|e| {
            matches!(&e.value, Json::Array(items) if items.len() > 1)
                && object
                    .schema
                    .attributes()
                    .iter()
                    .any(|a| a.name.value.eq_ignore_ascii_case(e.target) && !a.multi_valued)
        });
        if let Some(e) = single_valued {
            self.fail(
                oid,
                ErrorCode::SchemaPropertyCanOnlyAcceptValue,
                format!(
                    "SchemaPropertyCanOnlyAcceptValue: `{}` is single-valued in the app, and \
                     the mapping gives it {} values",
                    e.target,
                    e.value.as_array().map_or(0, Vec::len)
                ),
            );
            return None;
        }
        Some(projection)
    }

    /// ImportSkipped (howto-analyze-provisioning-logs.md; customize-application-attributes.md,
    /// "All users must have a value for at least one matching attribute"): without a matching
    /// value Entra cannot query the app, so it skips the object: no query, no create.
    fn import_skipped(&mut self, object: &ObjectConfig, (oid, label): (&str, &str)) {
        let targets: Vec<&str> = object.mapping.matching_targets().collect();
        let message = format!(
            "no value for any matching attribute ({}): Entra skips the object",
            targets.join(", ")
        );
        self.note(NoteKind::ImportSkipped, (oid, label), message);
    }

    /// DuplicateSourceEntries (howto-analyze-provisioning-logs.md): the account the match
    /// query found is already linked to another source object, which keeps it; this one
    /// fails, unlinked.
    fn duplicate_source(&mut self, oid: &str, id: &str) {
        self.fail(
            oid,
            ErrorCode::DuplicateSourceEntries,
            format!(
                "DuplicateSourceEntries: the match query found account {id}, which another \
                 source object is already linked to"
            ),
        );
    }

    /// Whether a user account is linked to a source user: built from the links the first
    /// time a match query finds an account in a cycle (rare after the first cycle), then kept
    /// up to date as users are linked.
    fn user_target_taken(&mut self, id: &str) -> bool {
        let key = CompactId::new(id);
        let state = &self.state;
        let new_links = &self.new_links;
        self.linked_targets
            .get_or_insert_with(|| {
                state
                    .users
                    .values()
                    .map(|l| l.id.clone())
                    .chain(new_links.iter().map(|(_, id, _)| id.clone()))
                    .collect()
            })
            .contains(&key)
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
            taken.insert(id.clone());
        }
        self.new_links.push((oid, id, fingerprint));
    }

    /// Enter the users linked since the last call into the links, in link order.
    fn record_links(&mut self) {
        for (oid, id, fingerprint) in self.new_links.drain(..) {
            self.state.link(oid, id, fingerprint);
        }
    }

    fn set_unmanaged(&mut self, oid: &str, unmanaged: bool) {
        if let Some(link) = self.state.users.get_mut(&CompactId::new(oid)) {
            link.unmanaged = unmanaged;
        }
    }

    fn note(&mut self, kind: NoteKind, (object, label): (&str, &str), message: String) {
        let note = Note {
            cycle: self.cycle,
            kind,
            object: object.to_owned(),
            label: label.to_owned(),
            message,
        };
        if self.decisions {
            self.sink.note(&note);
        }
        self.state.notes.push(note);
    }

    /// The users this incremental cycle did not evaluate whose manager it linked: Entra
    /// leaves their manager reference unset until a full cycle (known-issues.md, "Manager
    /// isn't provisioned"). `skipped` holds the indexes of the linked, active users it did
    /// not evaluate.
    fn managers_not_linked(&mut self, config: &Config, snapshot: &Directory, skipped: &[usize]) {
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

    /// Query by each matching attribute in precedence order, stopping at the first hit.
    fn match_object(
        &mut self,
        kind: Kind,
        extra_query: &str,
        projection: &Projection<'_>,
        oid: &str,
        label: &str,
    ) -> Matched {
        for (path, value) in &projection.matching {
            let filter = Filter::eq((*path).clone(), value.as_str());
            let query = [
                "/",
                kind.endpoint(),
                "?",
                extra_query,
                &encode_query(&filter),
            ]
            .concat();
            let response = self.send(oid, label, Action::Match, "GET", query, None);
            let found: Vec<Resource> = response
                .body
                .as_ref()
                .and_then(|b| b.get("Resources"))
                .and_then(Json::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|r| r.as_object().cloned())
                        .collect()
                })
                .unwrap_or_default();
            if response.status != 200 {
                self.fail(
                    oid,
                    ErrorCode::HttpError,
                    format!("match query failed with {}", response.status),
                );
                return Matched::Error;
            }
            match found.len() {
                0 => continue,
                1 => return Matched::One(found.into_iter().next().unwrap_or_default()),
                _ => {
                    self.fail(
                        oid,
                        ErrorCode::DuplicateTargetEntries,
                        "DuplicateTargetEntries: the match query found several",
                    );
                    return Matched::Error;
                }
            }
        }
        Matched::None
    }

    /// GET a linked object by `path`; a failure (§3.5: a 404 is `InvalidAnchor`, not a
    /// re-create) is recorded and gives `None`.
    fn read_linked(&mut self, oid: &str, label: &str, path: String) -> Option<Resource> {
        let response = self.send(oid, label, Action::Read, "GET", path, None);
        match response.body {
            Some(Json::Object(found)) if response.status == 200 => Some(found),
            _ => {
                self.fail(
                    oid,
                    ErrorCode::InvalidAnchor,
                    format!("InvalidAnchor: GET returned {}", response.status),
                );
                None
            }
        }
    }

    /// The update flow for a linked object the app showed as `found`: project it, PATCH what
    /// differs, and return the projection with the resource as the app now shows it.
    fn refresh<'m>(
        &mut self,
        config: &Config,
        object: &'m ObjectConfig,
        record: &dyn Source,
        found: Resource,
        (oid, label, id): (&str, &str, &str),
    ) -> Option<(Projection<'m>, Resource)> {
        let update = self.project(config, object, record, Flow::Update, oid)?;
        let current = self.update(config.dialect, object, &update, &found, (oid, label, id));
        Some((update, current.unwrap_or(found)))
    }

    /// PATCH what differs between `projection` and `current`, if anything and if updates are
    /// on. Returns the resource the app answered with (users answer 200 with it).
    fn update(
        &mut self,
        dialect: Dialect,
        object: &ObjectConfig,
        projection: &Projection<'_>,
        current: &Resource,
        (oid, label, id): (&str, &str, &str),
    ) -> Option<Resource> {
        let ops = diff::diff_indexed(projection, current, &object.schema);
        if ops.is_empty() || !object.can(TargetAction::Update) {
            return None;
        }
        let body = dialect::user_patch_indexed(&ops, dialect, &object.schema);
        let path = ["/", object.kind.endpoint(), "/", id].concat();
        let response = self.send(oid, label, Action::Update, "PATCH", path, Some(body));
        if !response.is_success() {
            let (code, message) = retry::refused("update", response.status);
            self.fail(oid, code, message);
            return None;
        }
        match response.body {
            Some(Json::Object(r)) if response.status == 200 => Some(r),
            _ => None,
        }
    }

    /// The manager PATCH for `work`, whose manager has `manager_id` in the app (none when it
    /// is not linked), unless the app shows that manager already.
    fn manager(
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
            Some(_) => OpKind::Replace,
            None => OpKind::Add,
        };
        let user = &snapshot.users[work.user];
        let body = dialect::manager_patch(config.dialect, op, &manager_id.to_text());
        self.send(
            &user.object_id,
            user.label(),
            Action::LinkManager,
            "PATCH",
            ["/Users/", &work.id.to_text()].concat(),
            Some(body),
        );
    }

    /// DELETE users that were linked but left the snapshot (hard-deleted in Entra).
    fn delete_users(&mut self, config: &Config) {
        if !config.users.can(TargetAction::Delete) || self.hold_deletes {
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
                Action::Delete,
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

    /// The group pass for one group, the `index`th of the snapshot. Returns its membership
    /// work when it is linked.
    fn group(
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
            kind: Kind::Group,
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
                    Kind::Group,
                    "excludedAttributes=members&",
                    &projection,
                    oid,
                    label,
                ) {
                    Matched::Error => return None,
                    Matched::One(found) => {
                        let id = resource_id(&found)?;
                        if self.state.groups.values().any(|l| l.id == id) {
                            self.duplicate_source(oid, &id);
                            return None;
                        }
                        self.link_group(oid, &id, fingerprint);
                        self.refresh(config, groups, &group.record, found, (oid, label, &id))?
                            .0
                    }
                    Matched::None => {
                        if !groups.can(TargetAction::Create) {
                            self.state.unlinked.insert(key, fingerprint);
                            return None;
                        }
                        // Created empty: members follow by PATCH (E18, E20).
                        let (id, _) =
                            self.create(oid, label, groups, projection.post_body(Kind::Group))?;
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
    fn members(&mut self, config: &Config, work: &MembershipWork) {
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
                Action::AddMembers,
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
                Action::RemoveMembers,
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

    /// DELETE groups that left the snapshot or the scope (§3.4: groups have no soft delete).
    fn delete_groups(
        &mut self,
        groups: &ObjectConfig,
        snapshot: &Directory,
        assignment: &Assignment,
    ) {
        if !groups.can(TargetAction::Delete) || self.hold_deletes {
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
                Action::Delete,
                "DELETE",
                format!("/Groups/{}", link.id),
                None,
            );
        }
    }
}

/// The outcome of matching.
enum Matched {
    /// No query found anything: create.
    None,
    /// Exactly one account: link it.
    One(Resource),
    /// A failed query or several results: the object fails this cycle.
    Error,
}

/// The manager id a user resource shows: a plain id string (what Entra writes) or a
/// `{"value": id}` complex value (what RFC 7643 servers keep).
fn shown_manager(resource: &Resource) -> Option<String> {
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

/// The groups of the snapshot that stay provisioned: assigned (or Sync all) and in scope.
fn kept_groups<'s>(
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

/// The first of the `required` attributes that a create `body` has no value for.
fn missing_required(
    required: &[(String, Path)],
    body: &serde_json::Map<String, Json>,
) -> Option<String> {
    required
        .iter()
        .find(|(_, path)| {
            crate::scim::get(body, path).is_none_or(|v| {
                v.is_null() || v.as_str() == Some("") || v.as_array().is_some_and(Vec::is_empty)
            })
        })
        .map(|(name, _)| name.clone())
}

fn resource_id(resource: &Resource) -> Option<String> {
    resource.get("id").and_then(Json::as_str).map(str::to_owned)
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

/// Whether the app already shows the user inactive (`active` false or `"False"`); an absent
/// `active` counts as active, as SCIM servers default it.
pub(crate) fn shows_inactive(resource: &Resource) -> bool {
    crate::scim::resource::get_ci(resource, "active").and_then(diff::truth) == Some(false)
}
