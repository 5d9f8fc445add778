//! The [`Simulator`]: Entra's provisioning job for one app, run cycle after cycle, and the
//! order of the passes within one cycle.

use super::config::Config;
use super::request::{Failure, Request, SetupError};
use super::run::Run;
use super::sink::{Closures, Note, NoteKind, PROGRESS_EVERY, Progress, Sink, Subject};
use super::state::{State, Visit};
use crate::expr::Context;
use crate::model::mapping::{Dialect, MappingFile, Settings};
use crate::provision::FastMap as Map;
use crate::provision::assignment::Assignment;
use crate::provision::delta;
use crate::provision::directory::Directory;
use crate::provision::endpoint::Endpoint;
use crate::provision::guard::TooManyDeletes;
use crate::provision::id::CompactId;
use crate::provision::retry::{EscrowThresholds, Retries, Start};
use crate::provision::scope::{in_scope, is_soft_deleted};
use crate::provision::target::{ResourceKind, Target};
use crate::scim::{Resource, ScimError};

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
    pub fn preload(&mut self, kind: ResourceKind, resource: Resource) -> Result<String, ScimError> {
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
    pub fn quarantine(&self) -> Option<&TooManyDeletes> {
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
    /// answers) put the job in ([`crate::provision::retry`]).
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
            reference_failures: Vec::new(),
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
                        kind: ResourceKind::User,
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
        let references = run.reference_failures;
        // A failed object is retried in the next cycle, changed or not, then less and less
        // often (how-provisioning-works.md, "Errors and retries"); so is a user whose manager
        // PATCH was refused.
        let state = &mut self.state;
        let linked = (state.users.len() + state.groups.len()) as u64;
        let (users, groups) = (&state.users, &state.groups);
        let is_linked = |o: &str| users.contains_key(&CompactId::new(o)) || groups.contains_key(o);
        let waiting =
            state
                .retries
                .end_cycle(cycle, now, (&failures, &references), linked, &is_linked);
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
