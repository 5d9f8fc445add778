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

use std::collections::hash_map::Entry;

use serde_json::Value as Json;

use super::dialect;
use super::diff::{self, OpKind};
use super::directory::{Directory, DirectoryGroup, DirectoryUser};
use super::endpoint::{Endpoint, Response};
use super::id::CompactId;
use super::project::{CompiledMapping, Flow, Projection, is_active};
use super::scope::{CompiledScopeFilter, compile_scope, in_scope, is_soft_deleted};
use super::target::{Kind, Target};
use super::{FastMap as Map, FastSet as Set};
use crate::expr::Context;
use crate::model::mapping::{
    Action as TargetAction, Dialect, MappingFile, ObjectMapping, TargetAttribute,
};
use crate::model::source::{Record, Source, SourceRef, SourceValue};
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

/// An object Entra could not process this cycle (it is retried in the next one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The source objectId.
    pub object: String,
    /// What went wrong, in the words of Entra's provisioning log where one applies.
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
}

/// One object mapping (users or groups), compiled.
struct ObjectConfig {
    kind: Kind,
    mapping: CompiledMapping,
    scope: Vec<CompiledScopeFilter>,
    schema: Vec<TargetAttribute>,
    actions: Vec<TargetAction>,
}

impl ObjectConfig {
    /// Compile `mapping` for objects of `kind`; errors are prefixed with `what`.
    fn compile(kind: Kind, mapping: &ObjectMapping, what: &str) -> Result<ObjectConfig, String> {
        Ok(ObjectConfig {
            kind,
            mapping: CompiledMapping::compile(mapping).map_err(|e| format!("{what}: {e}"))?,
            scope: compile_scope(&mapping.scope).map_err(|e| format!("{what}: {e}"))?,
            schema: mapping.attributes.clone(),
            actions: mapping.actions.clone(),
        })
    }

    fn can(&self, action: TargetAction) -> bool {
        self.actions.contains(&action)
    }
}

/// A linked group and the member target ids Entra last wrote: reads exclude members
/// (E16), so Entra diffs membership against what it sent, not against the app.
struct GroupLink {
    id: String,
    members: Vec<String>,
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
}

impl<E> State<E> {
    /// The target id linked to a user's source objectId.
    fn target_id(&self, object_id: &str) -> Option<String> {
        self.users
            .get(&CompactId::new(object_id))
            .map(|link| link.id.to_text())
    }

    /// [`State::target_id`] for a user of this cycle's snapshot, noting that it is still
    /// there.
    fn visit(&mut self, object_id: &str) -> Option<CompactId> {
        let link = self.users.get_mut(&CompactId::new(object_id))?;
        link.seen = self.cycles;
        Some(link.id.clone())
    }

    /// Link a user to a target id (a user linked again keeps its place in the link order).
    fn link(&mut self, oid: CompactId, id: CompactId) {
        match self.users.entry(oid) {
            Entry::Occupied(mut linked) => {
                let link = linked.get_mut();
                link.id = id;
                link.seen = self.cycles;
            }
            Entry::Vacant(new) => {
                new.insert(Link {
                    id,
                    order: self.linked,
                    seen: self.cycles,
                });
                self.linked += 1;
            }
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
    pub fn new(file: &MappingFile, dialect: Dialect, ctx: Context) -> Result<Simulator, String> {
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
    ) -> Result<Simulator<E>, String> {
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
        Ok(Simulator {
            config: Config {
                users,
                active_mapped,
                groups,
                dialect,
                ctx,
                soft_deleted: [
                    SourceValue::Str("False".to_owned()),
                    SourceValue::Str("True".to_owned()),
                ],
            },
            state: State {
                endpoint,
                users: Map::default(),
                linked: 0,
                cycles: 0,
                groups: Map::default(),
                group_order: Vec::new(),
            },
        })
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
    pub fn set_now(&mut self, now: crate::expr::dotnet::datetime::DateTime) {
        self.config.ctx.now = now;
    }

    /// The target id linked to a source objectId, if any.
    pub fn linked_user(&self, object_id: &str) -> Option<String> {
        self.state.target_id(object_id)
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
        let stopped = stop;
        let total = snapshot.users.len() + snapshot.groups.len();
        let mut report = |done: usize| progress(Progress { done, total });
        let Simulator { config, state } = self;
        let mut run = Run {
            state,
            cycle,
            emit,
            failures: Vec::new(),
            new_links: Vec::with_capacity(PROGRESS_EVERY),
        };
        run.state.cycles += 1;
        // Every user's link, looked up in one pass before any request: lookups in a tight loop
        // overlap their cache misses, where one per user between requests would wait for each
        // (a million links do not fit in any cache). Object ids are unique in a snapshot (the
        // loader refuses duplicates), so no user's step changes another's link.
        let linked: Vec<Option<CompactId>> = snapshot
            .users
            .iter()
            .map(|u| run.state.visit(&u.object_id))
            .collect();
        let unlinked = snapshot.users.len().saturating_sub(run.state.users.len());
        run.state.users.reserve(unlinked);
        let mut managers = Vec::new();
        for ((i, user), linked) in snapshot.users.iter().enumerate().zip(linked) {
            if stopped() {
                return run.failures;
            }
            if let Some(m) = run.user(config, i, user, linked) {
                managers.push(m);
            }
            if i % PROGRESS_EVERY == PROGRESS_EVERY - 1 {
                run.record_links();
                report(i + 1);
            }
        }
        run.record_links();
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
        run.delete_users(config);
        if let Some(groups) = &config.groups {
            let mut memberships = Vec::new();
            for group in &snapshot.groups {
                if stopped() {
                    return run.failures;
                }
                if let Some(m) = run.group(config, groups, group) {
                    memberships.push(m);
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
            run.delete_groups(groups, snapshot);
        }
        report(total);
        run.failures
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
    emit: &'a mut dyn FnMut(&Request<'_>),
    failures: Vec<Failure>,
    /// Users linked in the user pass and not yet in the links: entered a batch at a time, so
    /// their cache misses overlap (no step of the pass reads another user's link).
    new_links: Vec<(CompactId, CompactId)>,
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
        (self.emit)(&Request {
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
        kind: Kind,
        body: serde_json::Map<String, Json>,
    ) -> Option<(String, Resource)> {
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
            self.fail(oid, format!("create failed with {}", response.status));
            return None;
        };
        let id = resource_id(&created)?;
        Some((id, created))
    }

    fn fail(&mut self, object: &str, message: impl Into<String>) {
        self.failures.push(Failure {
            object: object.to_owned(),
            message: message.into(),
        });
    }

    /// The first pass for one user, the `index`th of the snapshot. Returns the manager work
    /// when the user has a mapped manager and is active in the app.
    fn user(
        &mut self,
        config: &Config,
        index: usize,
        user: &DirectoryUser,
        linked: Option<CompactId>,
    ) -> Option<ManagerWork> {
        let oid = user.object_id.as_str();
        let label = user.label();
        let scoped = in_scope(&config.users.scope, &user.record);
        let deprovisioned = is_soft_deleted(
            user.assigned,
            scoped,
            user.soft_deleted,
            user.account_enabled(),
        );
        let record = WithSoftDeleted {
            record: &user.record,
            value: &config.soft_deleted[usize::from(deprovisioned)],
        };
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
                    self.project(config, &config.users.mapping, &record, Flow::Create, oid)?;
                match self.match_object(Kind::User, "", &projection, oid, label) {
                    Matched::Error => return None,
                    Matched::One(found) => {
                        let id = resource_id(&found)?;
                        self.link_user(oid, &id);
                        let (projection, current) =
                            self.refresh(config, &config.users, &record, found, (oid, label, &id))?;
                        (projection.manager, current, id)
                    }
                    Matched::None => {
                        if !config.users.can(TargetAction::Create) {
                            return None;
                        }
                        let manager = projection.manager.take();
                        let body = projection.into_post_body(Kind::User);
                        let (id, created) = self.create(oid, label, Kind::User, body)?;
                        self.link_user(oid, &id);
                        (manager, created, id)
                    }
                }
            }
            Some(id) => {
                let found = self.read_linked(oid, label, ["/Users/", id.as_str()].concat())?;
                if deprovisioned {
                    // Every deprovisioning trigger is the same `active` false PATCH, and only
                    // when `active` is mapped (§3.4); an app already showing the user inactive
                    // gets nothing. The row must also yield a value for this user: a Switch
                    // whose keys never match IsSoftDeleted flows nothing, so Entra never
                    // deactivates through it (docs/mapping-model.md §12.3, Unleash PR #9336).
                    if config.active_mapped
                        && active_flows(config, &record)
                        && !shows_inactive(&found)
                    {
                        let body = dialect::disable_patch(config.dialect);
                        self.send(
                            oid,
                            label,
                            Action::Disable,
                            "PATCH",
                            ["/Users/", id.as_str()].concat(),
                            Some(body),
                        );
                    }
                    return None;
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

    fn project<'m>(
        &mut self,
        config: &Config,
        mapping: &'m CompiledMapping,
        record: &dyn Source,
        flow: Flow,
        oid: &str,
    ) -> Option<Projection<'m>> {
        match mapping.project(record, &config.ctx, flow) {
            Ok(p) => Some(p),
            Err(e) => {
                self.fail(oid, e.to_string());
                None
            }
        }
    }

    fn link_user(&mut self, oid: &str, id: &str) {
        self.new_links
            .push((CompactId::new(oid), CompactId::new(id)));
    }

    /// Enter the users linked since the last call into the links, in link order.
    fn record_links(&mut self) {
        for (oid, id) in self.new_links.drain(..) {
            self.state.link(oid, id);
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
                self.fail(oid, format!("match query failed with {}", response.status));
                return Matched::Error;
            }
            match found.len() {
                0 => continue,
                1 => return Matched::One(found.into_iter().next().unwrap_or_default()),
                _ => {
                    self.fail(oid, "DuplicateTargetEntries: the match query found several");
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
        let update = self.project(config, &object.mapping, record, Flow::Update, oid)?;
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
        let ops = diff::diff(projection, current, &object.schema);
        if ops.is_empty() || !object.can(TargetAction::Update) {
            return None;
        }
        let body = dialect::user_patch(&ops, dialect, &object.schema);
        let path = ["/", object.kind.endpoint(), "/", id].concat();
        let response = self.send(oid, label, Action::Update, "PATCH", path, Some(body));
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
        if !config.users.can(TargetAction::Delete) {
            return;
        }
        // The user pass marked every linked user of the snapshot seen.
        let cycle = self.state.cycles;
        let mut gone: Vec<(u32, String, String)> = self
            .state
            .users
            .iter()
            .filter(|(_, link)| link.seen != cycle)
            .map(|(o, link)| (link.order, o.to_text(), link.id.to_text()))
            .collect();
        if gone.is_empty() {
            return;
        }
        gone.sort_unstable_by_key(|(order, ..)| *order);
        // One pass over the links and the group caches for all deletes, not one per deleted
        // user: a mass deletion must not turn quadratic.
        self.state.users.retain(|_, link| link.seen == cycle);
        let mut deleted: Set<String> = Set::default();
        for (_, oid, id) in &gone {
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

    /// The group pass for one group. Returns its membership work when it is linked.
    fn group(
        &mut self,
        config: &Config,
        groups: &ObjectConfig,
        group: &DirectoryGroup,
    ) -> Option<MembershipWork> {
        let oid = group.object_id.as_str();
        let label = group.label();
        if !group.assigned || !in_scope(&groups.scope, &group.record) {
            return None;
        }
        let projection = match self.state.groups.get(oid).map(|l| l.id.clone()) {
            None => {
                let projection =
                    self.project(config, &groups.mapping, &group.record, Flow::Create, oid)?;
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
                        self.link_group(oid, &id);
                        self.refresh(config, groups, &group.record, found, (oid, label, &id))?
                            .0
                    }
                    Matched::None => {
                        if !groups.can(TargetAction::Create) {
                            return None;
                        }
                        // Created empty: members follow by PATCH (E18, E20).
                        let (id, _) = self.create(
                            oid,
                            label,
                            Kind::Group,
                            projection.post_body(Kind::Group),
                        )?;
                        self.link_group(oid, &id);
                        projection
                    }
                }
            }
            Some(id) => {
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

    fn link_group(&mut self, oid: &str, id: &str) {
        let link = GroupLink {
            id: id.to_owned(),
            members: Vec::new(),
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
    fn delete_groups(&mut self, groups: &ObjectConfig, snapshot: &Directory) {
        if !groups.can(TargetAction::Delete) {
            return;
        }
        let keep: Set<&str> = snapshot
            .groups
            .iter()
            .filter(|g| g.assigned && in_scope(&groups.scope, &g.record))
            .map(|g| g.object_id.as_str())
            .collect();
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

/// A user's record with the `IsSoftDeleted` the cycle computed, without copying the record.
struct WithSoftDeleted<'a> {
    record: &'a Record,
    value: &'a SourceValue,
}

impl Source for WithSoftDeleted<'_> {
    fn attribute(&self, name: &str) -> Option<SourceRef<'_>> {
        if name == "IsSoftDeleted" {
            Some(self.value.as_ref())
        } else {
            self.record.attribute(name)
        }
    }
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
