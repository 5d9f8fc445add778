//! One live run: Test Connection, then Entra's cycles against the app with the in-memory model
//! in lockstep, a comparison of the two after every cycle, and `--cleanup`.
//!
//! The app's side is the ordinary [`Simulator`] over a [`Connection`], so it sends exactly the
//! requests `simulate` prints and drives each next step from the app's real answers. The model's
//! side is the same simulator over the in-memory [`Target`] built from the mapping's attribute
//! list and vendor rules: where the two end a cycle with different resources, either the app
//! does something the mapping does not describe, or our model is wrong.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value as Json;

use super::LiveError;
use super::compare::{self, Attributes, Links};
use super::explain::{self, Evidence};
use super::http::{Fault, HttpEndpoint, detail_of};
use super::owner::{Ledger, target_of};
use super::prefix;
use super::report::{
    Cleanup, CycleReport, Difference, LiveReport, ObjectFailure, Rejection, Stopped, Verdict,
};
use super::{cleanup, connect};
use crate::dotnet::datetime::DateTime;
use crate::expr::Context;
use crate::model::mapping::{Dialect, MappingFile};
use crate::provision::cycle::{Request, RequestPurpose, Simulator};
use crate::provision::directory::Directory;
use crate::provision::endpoint::Endpoint;
use crate::provision::output::{Output, Tee};
use crate::provision::target::{ResourceKind, Target};
use crate::scim::Path;

/// An endpoint that can stop answering for good (credentials refused, network gone).
pub trait Connection: Endpoint {
    /// What stopped it, if anything.
    fn fault(&self) -> Option<&Fault> {
        None
    }

    /// How many 429 answers it waited out.
    fn throttled(&self) -> u32 {
        0
    }

    /// [`Endpoint::handle`], giving up a wait (for `Retry-After`) when `stop` says so: the
    /// answer waited on is then the answer.
    fn handle_until(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: Option<&Json>,
        _stop: &Stop<'_>,
    ) -> crate::provision::endpoint::Response {
        // An endpoint that never waits has nothing to cut short.
        self.handle(method, path_and_query, body)
    }
}

impl Connection for HttpEndpoint {
    fn fault(&self) -> Option<&Fault> {
        HttpEndpoint::fault(self)
    }

    fn throttled(&self) -> u32 {
        self.stats().throttled
    }

    fn handle_until(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: Option<&Json>,
        stop: &Stop<'_>,
    ) -> crate::provision::endpoint::Response {
        self.send(method, path_and_query, body, &|| stop.reason().is_some())
    }
}

/// What ends a run before its last cycle from outside: an interrupt and a deadline. Checked
/// before every request Entra's cycle sends and while waiting out a 429; `--cleanup` still runs
/// after it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stop<'a> {
    /// Raised to ask the run to stop (by the program's SIGINT/SIGTERM handler: the library
    /// installs none).
    pub interrupt: Option<&'a AtomicBool>,
    /// No cycle request is sent after this instant.
    pub deadline: Option<Instant>,
}

impl Stop<'_> {
    /// Why the run must stop now, if it must. An interrupt wins over the deadline.
    pub fn reason(&self) -> Option<Stopped> {
        if self.interrupt.is_some_and(|f| f.load(Ordering::Relaxed)) {
            Some(Stopped::Interrupted)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Stopped::DeadlineReached)
        } else {
            None
        }
    }
}

/// The app's endpoint as the run drives it: once [`Stop`] says so, it sends nothing more and
/// answers status 0 (as after a fault, so the cycle in progress winds down without traffic),
/// until the cleanup opens it again.
struct Guarded<'s, E> {
    inner: E,
    stop: Stop<'s>,
    stopped: Option<Stopped>,
    cleaning: bool,
    /// What the run owns; shared with the transcript's callback, which shows the app's own
    /// answers to the match queries the guard screened.
    ledger: Rc<RefCell<Ledger>>,
    /// What is done with match answers.
    screening: Screening,
}

/// What [`Guarded`] does with match answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Screening {
    /// Nothing (the cleanup's own reads).
    Off,
    /// Record what the run may not link, and pass the answer on as it is: Test Connection is
    /// judged on the app's own answer, as Entra judges it.
    Record,
    /// Record it and remove it from the answer the cycle sees.
    Screen,
}

impl<E: Connection> Guarded<'_, E> {
    /// Whether nothing more is sent: a fault, or a stop.
    fn halted(&self) -> bool {
        self.stopped.is_some() || self.inner.fault().is_some()
    }

    /// Whether the run is stopped, checking now.
    fn poll(&mut self) -> Option<Stopped> {
        if self.stopped.is_none() {
            self.stopped = self.stop.reason();
        }
        self.stopped
    }
}

impl<E: Connection> Endpoint for Guarded<'_, E> {
    fn handle(
        &mut self,
        method: &str,
        path_and_query: &str,
        body: Option<&Json>,
    ) -> crate::provision::endpoint::Response {
        if self.cleaning {
            return self.inner.handle(method, path_and_query, body);
        }
        if self.poll().is_some() {
            return crate::provision::endpoint::Response {
                status: 0,
                body: None,
                location: None,
            };
        }
        // The last line of defence: whatever the cycle decided, an object the run does not
        // own is never written to. Screened match answers mean this does not happen.
        if matches!(method, "PATCH" | "PUT" | "DELETE")
            && let Some((kind, Some(id))) = target_of(path_and_query)
            && !self.ledger.borrow().owns(kind, id)
        {
            self.ledger
                .borrow_mut()
                .refused_writes
                .push(format!("{method} {path_and_query}"));
            return crate::provision::endpoint::Response {
                status: 0,
                body: None,
                location: None,
            };
        }
        let stop = self.stop;
        let mut response = self.inner.handle_until(method, path_and_query, body, &stop);
        // A stop during the request may have cut a wait short: the answer is the app's, but
        // what follows from it (a comparison) is not to be trusted.
        self.poll();
        let mut ledger = self.ledger.borrow_mut();
        ledger.record(
            method,
            path_and_query,
            body,
            response.status,
            response.body.as_ref(),
        );
        if self.screening != Screening::Off
            && method == "GET"
            && let Some(screened) =
                ledger.screen(path_and_query, response.status, response.body.as_ref())
            && self.screening == Screening::Screen
        {
            let original = response.body.replace(screened).unwrap_or(Json::Null);
            ledger.originals.push((path_and_query.to_owned(), original));
        }
        response
    }
}

impl<E: Connection> Connection for Guarded<'_, E> {
    fn fault(&self) -> Option<&Fault> {
        self.inner.fault()
    }

    fn throttled(&self) -> u32 {
        self.inner.throttled()
    }
}

/// The in-memory model as an app: lets the whole run be exercised without a network.
impl Connection for Target {}

/// What to run.
pub struct LivePlan<'a> {
    /// The mapping.
    pub file: &'a MappingFile,
    /// The dialect Entra speaks.
    pub dialect: Dialect,
    /// The tenant URL as the report shows it.
    pub url: String,
    /// Put on the directory's ids and identifying values (see `prefix`).
    pub prefix: String,
    /// Directory snapshots, one per cycle, the last repeating.
    pub snapshots: Vec<Directory>,
    /// Cycles in total.
    pub cycles: u32,
    /// Delete what the run created, then check it is gone.
    pub cleanup: bool,
    /// What `Now()` returns.
    pub now: DateTime,
    /// Seed of `Guid()`, `RandomString()` and Test Connection's random value.
    pub seed: u64,
    /// What ends the run early (an interrupt, a deadline); the default never does.
    pub stop: Stop<'a>,
    /// Send, for each cause of a rejection that names an alternative shape, that request on
    /// the run's own object, and call the cause confirmed only if the app accepts it. Off by
    /// default: these are requests Entra would not send.
    pub probe: bool,
    /// Also write to pre-existing objects whose identifying value (userName, displayName)
    /// starts with [`LivePlan::prefix`]. Off by default: the run writes only to what it created.
    pub adopt_prefixed: bool,
}

/// Run the plan against `endpoint`, handing each request Entra sends (with the app's answer)
/// to `emit`, as `simulate` does. Entramap's own reads (comparison, cleanup) are not Entra's
/// and are not emitted. Errors are a plan that cannot run (no snapshot, a mapping that does
/// not compile): a fault, an interrupt or the deadline is in the report. The report's texts
/// from the app are clipped ([`LiveReport::bound`]).
pub fn run<E: Connection>(
    plan: &LivePlan<'_>,
    endpoint: E,
    emit: &mut dyn FnMut(&Request<'_>),
) -> Result<LiveReport, LiveError> {
    run_logged(plan, endpoint, emit, None)
}

/// [`run`], feeding `log` (the provisioning log, `live --log`) with each cycle's requests as
/// the app answered them and the decisions the cycle took on those answers.
pub fn run_logged<E: Connection>(
    plan: &LivePlan<'_>,
    endpoint: E,
    emit: &mut dyn FnMut(&Request<'_>),
    log: Option<&mut dyn Output>,
) -> Result<LiveReport, LiveError> {
    let mut report = run_unbounded(plan, endpoint, emit, log)?;
    report.bound();
    Ok(report)
}

fn run_unbounded<E: Connection>(
    plan: &LivePlan<'_>,
    endpoint: E,
    emit: &mut dyn FnMut(&Request<'_>),
    mut log: Option<&mut dyn Output>,
) -> Result<LiveReport, LiveError> {
    let snapshots: Vec<Directory> = plan
        .snapshots
        .iter()
        .map(|d| prefix::apply(d, &plan.prefix))
        .collect();
    if snapshots.is_empty() {
        return Err(LiveError::NoSnapshot);
    }
    let labels = labels(&snapshots);
    let user_attributes = Attributes::of(&plan.file.users);
    let group_attributes = plan.file.groups.as_ref().map(Attributes::of);

    let mut model = Simulator::new(plan.file, plan.dialect, Context::new(plan.now, plan.seed))?;
    let ledger = Rc::new(RefCell::new(
        Ledger::new(
            plan.adopt_prefixed.then(|| plan.prefix.clone()),
            Attributes::of(&plan.file.users),
            plan.file.groups.as_ref().map(Attributes::of),
        )
        .with_prefix(&plan.prefix),
    ));
    let mut live = Simulator::with_endpoint(
        plan.file,
        plan.dialect,
        Context::new(plan.now, plan.seed),
        Guarded {
            inner: endpoint,
            stop: plan.stop,
            stopped: None,
            cleaning: false,
            ledger: ledger.clone(),
            screening: Screening::Record,
        },
    )?;
    let test_connection = connect::test_connection(plan, live.endpoint_mut(), emit);
    live.endpoint_mut().screening = Screening::Screen;
    let mut report = LiveReport {
        url: plan.url.clone(),
        dialect: match plan.dialect {
            Dialect::Legacy => "legacy",
            Dialect::Compliant => "compliant",
        },
        prefix: plan.prefix.clone(),
        seed: plan.seed,
        test_connection,
        cycles: Vec::new(),
        throttled: 0,
        cleanup: None,
        foreign: Vec::new(),
        refused_writes: Vec::new(),
        findings: Vec::new(),
        probed: plan.probe,
        fault: live.endpoint().fault().cloned(),
        stopped: live.endpoint().stopped,
        result: Verdict::Agrees,
    };
    if !report.test_connection.passed {
        report.foreign = ledger.borrow().foreign.clone();
        report.throttled = live.endpoint().throttled();
        report.result = report.verdict();
        report.summarise();
        return Ok(report);
    }

    // One probe per cause, on the first request it explains: (cause id, action, probe).
    let mut probes: Vec<(&'static str, RequestPurpose, explain::Probe)> = Vec::new();
    let mut probed: HashMap<&'static str, (Evidence, String)> = HashMap::new();
    // Rejected requests of every cycle so far: a difference they caused lasts until Entra
    // retries them, which it may not (a disabled user gets no manager PATCH).
    let mut refused: Vec<Refused> = Vec::new();
    for cycle in 1..=plan.cycles {
        // A stop between two cycles ends the run without a cycle that sent nothing.
        if let Some(stopped) = live.endpoint_mut().poll() {
            report.stopped = Some(stopped);
            break;
        }
        let index = snapshot_index(cycle, snapshots.len());
        let snapshot = &snapshots[index];
        let repeat = cycle > 1 && snapshot_index(cycle - 1, snapshots.len()) == index;
        if repeat {
            // An incremental cycle over an unchanged snapshot sends nothing, which would show
            // nothing about the app; a restart makes it a full cycle that reads (and, where
            // the app did not keep what it was sent, writes) every linked object.
            model.restart();
            live.restart();
        }
        // By object and Entra's error code: the messages name ids, which differ between the
        // model and the app.
        let model_failures: Vec<(String, Option<&'static str>)> = model
            .run_cycle(snapshot, cycle, &mut |_| {})
            .into_iter()
            .map(|f| (f.object, f.code.map(|c| c.as_str())))
            .collect();
        let mut c = CycleReport {
            cycle,
            repeat,
            ..CycleReport::default()
        };
        let mut rewrites: Vec<(String, String, Option<Json>)> = Vec::new();
        // Objects with a request that was not sent: after a stop, their failures are only
        // that, and not the app's.
        let mut unsent: HashSet<String> = HashSet::new();
        let shared = ledger.clone();
        if let Some(log) = log.as_deref_mut() {
            log.begin_cycle(cycle, plan.now, live.next_cycle_is_full());
        }
        let mut on_request = |r: &Request<'_>| {
            // Status 0: the endpoint stopped (a fault, a stop, a write the guard refused);
            // nothing was sent.
            if r.status == 0 {
                unsent.insert(r.object.to_owned());
                return;
            }
            // The transcript shows what the app answered, not the screened answer.
            let original = if r.action == RequestPurpose::Match {
                let mut ledger = shared.borrow_mut();
                let at = ledger.originals.iter().position(|(p, _)| p == r.path);
                at.map(|i| ledger.originals.remove(i).1)
            } else {
                None
            };
            match &original {
                Some(answer) => emit(&Request {
                    response: Some(answer),
                    ..*r
                }),
                None => emit(r),
            }
            c.requests += 1;
            if r.method != "GET" {
                c.writes += 1;
            }
            let cause = if !explain::accepted(r.action, r.status) {
                Some(explain::rejection(r))
            } else {
                explain::unusable(r).map(Some)
            };
            if let Some(cause) = cause {
                if let Some(cause) = &cause
                    && let Some(probe) = &cause.probe
                    && !probes.iter().any(|(id, _, _)| *id == cause.id)
                {
                    probes.push((cause.id, r.action, probe.clone()));
                }
                c.rejected.push(rejection(r, cause));
                refused.push(Refused::of(r, (cycle, c.rejected.len() - 1)));
            } else {
                if repeat
                    && matches!(
                        r.action,
                        RequestPurpose::Update
                            | RequestPurpose::Disable
                            | RequestPurpose::LinkManager
                    )
                {
                    rewrites.push((r.object.to_owned(), r.label.to_owned(), r.body.cloned()));
                }
            }
        };
        let failures = live.run_cycle_into(
            snapshot,
            cycle,
            &mut Tee {
                emit: &mut on_request,
                output: log.as_deref_mut(),
            },
            &|| false,
        );
        if let Some(log) = log.as_deref_mut() {
            log.end_cycle(cycle, &failures, live.notes(), live.quarantine());
        }
        let stopped = live.endpoint().stopped;
        c.failed_objects = failures
            .into_iter()
            .filter(|f| stopped.is_none() || !unsent.contains(&f.object))
            .map(|f| ObjectFailure {
                also_in_model: f.code.is_some()
                    && model_failures
                        .iter()
                        .any(|(o, c)| *o == f.object && *c == f.code.map(|c| c.as_str())),
                object: label_of(&labels, &f.object),
                message: f.message,
            })
            .collect();
        if let Some(fault) = live.endpoint().fault() {
            report.fault = Some(fault.clone());
            report.cycles.push(c);
            break;
        }
        if stopped.is_some() {
            report.stopped = stopped;
            report.cycles.push(c);
            break;
        }
        if plan.probe {
            for (id, action, probe) in &probes {
                if !probed.contains_key(id) {
                    let verdict = run_probe(live.endpoint_mut(), *action, probe);
                    probed.insert(id, verdict);
                }
            }
        }
        let app_resources = compare_cycle(
            &mut live,
            &model,
            &labels,
            &user_attributes,
            group_attributes.as_ref(),
            &mut c,
        );
        for d in &mut c.model_differences {
            let by = refused
                .iter()
                .rev()
                .find(|f| f.explains(d))
                .or_else(|| unlinked_members(d, &refused, &labels));
            if let Some(f) = by {
                d.explained_by = Some(f.summary.clone());
                d.explained_cause = Some(f.rejection);
            }
        }
        if let Some(fault) = live.endpoint().fault() {
            report.fault = Some(fault.clone());
            report.cycles.push(c);
            break;
        }
        if let Some(stopped) = live.endpoint().stopped {
            // The comparison's reads were cut short: what it found is incomplete.
            c.model_differences.clear();
            report.stopped = Some(stopped);
            report.cycles.push(c);
            break;
        }
        if repeat {
            c.steady = Some(c.writes == 0);
            for (object, label, body) in &rewrites {
                for (attribute, sent) in compare::patched(body.as_ref()) {
                    c.endless_patches.push(compare::endless(
                        label,
                        &attribute,
                        &sent,
                        app_resources.get(object),
                    ));
                }
            }
        }
        report.cycles.push(c);
    }
    for c in &mut report.cycles {
        for r in &mut c.rejected {
            if let Some((evidence, note)) = r.cause_id.and_then(|id| probed.get(id)) {
                r.evidence = Some(*evidence);
                r.probe = Some(note.clone());
            }
        }
    }
    let created = ledger.borrow().created.clone();
    if plan.cleanup {
        report.cleanup = Some(if report.fault.is_none() {
            // A stop ends the cycles, not the cleanup: what the run created goes.
            live.endpoint_mut().cleaning = true;
            let done = cleanup::cleanup(live.endpoint_mut(), &created);
            report.fault = live.endpoint().fault().cloned();
            done
        } else {
            // Nothing more can be sent: say what is left so it can be found (by the prefix).
            Cleanup {
                deleted: 0,
                left: created
                    .iter()
                    .filter(|c| !c.deleted)
                    .map(|c| {
                        format!(
                            "/{}/{} ({}): not deleted, the run stopped",
                            c.kind.endpoint(),
                            c.id,
                            c.name
                        )
                    })
                    .collect(),
                kept: Vec::new(),
            }
        });
    }
    {
        let ledger = ledger.borrow();
        report.foreign = ledger.foreign.clone();
        report.refused_writes = ledger.refused_writes.clone();
    }
    report.throttled = live.endpoint().throttled();
    report.result = report.verdict();
    report.summarise();
    Ok(report)
}

/// Which snapshot a cycle uses: one per cycle, the last repeating.
fn snapshot_index(cycle: u32, snapshots: usize) -> usize {
    (cycle as usize - 1).min(snapshots - 1)
}

fn labels(snapshots: &[Directory]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for d in snapshots {
        for u in &d.users {
            out.insert(u.object_id.clone(), u.label().to_owned());
        }
        for g in &d.groups {
            out.insert(g.object_id.clone(), g.label().to_owned());
        }
    }
    out
}

/// For a group's `members` difference that only lacks members Entra never linked (their
/// create or match query was rejected), the first such rejection: the members are missing as a
/// consequence of it, not because of anything the app did with the group.
fn unlinked_members<'r>(
    d: &Difference,
    refused: &'r [Refused],
    labels: &HashMap<String, String>,
) -> Option<&'r Refused> {
    if d.kind != "Group" || d.attribute != "members" {
        return None;
    }
    let values = |v: &Option<Json>| -> Vec<String> {
        match v {
            Some(Json::Array(items)) => items
                .iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect(),
            Some(Json::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        }
    };
    let (model, app) = (values(&d.model), values(&d.app));
    // A member the app holds and the model does not is the app's own doing.
    if app.iter().any(|a| !model.contains(a)) {
        return None;
    }
    let mut first = None;
    for member in model.iter().filter(|m| !app.contains(m)) {
        let label = label_of(labels, member);
        let f = refused
            .iter()
            .find(|f| f.label == label && f.attributes.iter().any(|a| a == "(linked)"))?;
        first.get_or_insert(f);
    }
    first
}

fn label_of(labels: &HashMap<String, String>, oid: &str) -> String {
    labels.get(oid).cloned().unwrap_or_else(|| oid.to_owned())
}

/// Send a cause's probe and judge it: confirmed when the app accepts the alternative shape
/// (a probe create is deleted at once: Entra did not create it), refuted when it rejects it too.
fn run_probe<E: Connection>(
    endpoint: &mut Guarded<'_, E>,
    action: RequestPurpose,
    probe: &explain::Probe,
) -> (Evidence, String) {
    let answer = endpoint.handle(probe.method, &probe.path, Some(&probe.body));
    if answer.status == 0 {
        return (
            Evidence::Hypothesis,
            format!(
                "not probed: {} {} could not be sent",
                probe.method, probe.path
            ),
        );
    }
    if explain::accepted(action, answer.status) {
        if action == RequestPurpose::Create
            && let Some(id) = answer
                .body
                .as_ref()
                .and_then(|b| b.get("id"))
                .and_then(Json::as_str)
        {
            let path = format!("{}/{id}", probe.path.trim_end_matches('/'));
            endpoint.handle("DELETE", &path, None);
        }
        (
            Evidence::Confirmed,
            format!(
                "confirmed: the app accepted the same {} {} with {} ({})",
                probe.method, probe.path, probe.shape, answer.status
            ),
        )
    } else {
        (
            Evidence::Refuted,
            format!(
                "not the cause: the app also rejected the {} {} with {} ({}: {})",
                probe.method,
                probe.path,
                probe.shape,
                answer.status,
                detail_of(answer.body.as_ref())
            ),
        )
    }
}

fn rejection(r: &Request<'_>, cause: Option<explain::RejectionCause>) -> Rejection {
    Rejection {
        object: r.label.to_owned(),
        action: r.action.as_str(),
        request: format!("{} {}", r.method, r.path),
        status: r.status,
        scim_type: r
            .response
            .and_then(|b| b.get("scimType"))
            .and_then(Json::as_str)
            .map(str::to_owned),
        detail: detail_of(r.response),
        cause_id: cause.as_ref().map(|c| c.id),
        evidence: cause.as_ref().map(|c| c.evidence),
        probe: None,
        cause: cause.as_ref().map(|c| c.text.clone()),
        fix: cause.map(|c| c.fix),
    }
}

/// A rejected request, as what it would have changed: the model accepted it, so the model and
/// the app differ on exactly these attributes of this object.
struct Refused {
    label: String,
    /// The rejection: its cycle and index in that cycle's list.
    rejection: (u32, usize),
    /// Target attributes the request wrote; `(linked)` for a create.
    attributes: Vec<String>,
    summary: String,
}

impl Refused {
    fn of(r: &Request<'_>, rejection: (u32, usize)) -> Refused {
        let attributes = match r.action {
            // A rejected create or match query leaves the object unlinked.
            RequestPurpose::Create | RequestPurpose::Match => vec!["(linked)".to_owned()],
            RequestPurpose::AddMembers | RequestPurpose::RemoveMembers => {
                vec!["members".to_owned()]
            }
            _ => compare::patched(r.body)
                .into_iter()
                .map(|(a, _)| a)
                .collect(),
        };
        Refused {
            label: r.label.to_owned(),
            rejection,
            attributes,
            summary: format!(
                "rejected {} ({}) in cycle {}",
                r.action.as_str(),
                r.status,
                r.cycle
            ),
        }
    }

    fn explains(&self, d: &Difference) -> bool {
        let same = |a: &str| {
            a.eq_ignore_ascii_case(&d.attribute)
                || Path::parse(a)
                    .ok()
                    .zip(Path::parse(&d.attribute).ok())
                    .is_some_and(|(x, y)| x == y)
        };
        d.object == self.label && self.attributes.iter().any(|a| same(a))
    }
}

/// Read every linked object back from the app and compare it with the model's copy. Returns the
/// app's resources by source objectId.
fn compare_cycle<E: Connection>(
    live: &mut Simulator<Guarded<'_, E>>,
    model: &Simulator,
    labels: &HashMap<String, String>,
    users: &Attributes,
    groups: Option<&Attributes>,
    c: &mut CycleReport,
) -> HashMap<String, crate::scim::Resource> {
    // (kind, source objectId, target id) of every link, on each side.
    let links_of = |users: Vec<(String, String)>, groups: Vec<(String, String)>| {
        let users = users.into_iter().map(|(o, i)| (ResourceKind::User, o, i));
        let groups = groups.into_iter().map(|(o, i)| (ResourceKind::Group, o, i));
        users.chain(groups).collect::<Vec<_>>()
    };
    let owned = |(o, i): (&str, &str)| (o.to_owned(), i.to_owned());
    let linked = links_of(
        live.user_links().collect(),
        live.group_links().map(owned).collect(),
    );
    let model_linked = links_of(
        model.user_links().collect(),
        model.group_links().map(owned).collect(),
    );
    // Per resource type: an app may give a user and a group the same id.
    let by_id =
        |links: &[(ResourceKind, String, String)], kind: ResourceKind| -> HashMap<String, String> {
            links
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, o, i)| (i.clone(), o.clone()))
                .collect()
        };
    let (app_users, app_groups) = (
        by_id(&linked, ResourceKind::User),
        by_id(&linked, ResourceKind::Group),
    );
    let (model_users, model_groups) = (
        by_id(&model_linked, ResourceKind::User),
        by_id(&model_linked, ResourceKind::Group),
    );
    let links = Links {
        app: compare::Ids {
            users: &app_users,
            groups: &app_groups,
        },
        model: compare::Ids {
            users: &model_users,
            groups: &model_groups,
        },
    };
    let model_ids: HashMap<(ResourceKind, &str), &str> = model_linked
        .iter()
        .map(|(k, o, i)| ((*k, o.as_str()), i.as_str()))
        .collect();
    let mut app_resources = HashMap::new();
    for (kind, oid, id) in &linked {
        let response =
            live.endpoint_mut()
                .handle("GET", &format!("/{}/{id}", kind.endpoint()), None);
        if live.endpoint().halted() {
            return app_resources;
        }
        let label = label_of(labels, oid);
        let app = match response.body {
            Some(Json::Object(r)) if response.status == 200 => r,
            _ => {
                c.model_differences.push(Difference {
                    object: label,
                    kind: kind.resource_type(),
                    attribute: "(readable)".into(),
                    model: Some(Json::from(200)),
                    app: Some(Json::from(response.status)),
                    entra_notices: true,
                    explained_by: None,
                    explained_cause: None,
                });
                continue;
            }
        };
        let attributes = match kind {
            ResourceKind::User => Some(users),
            ResourceKind::Group => groups,
        };
        match model_ids
            .get(&(*kind, oid.as_str()))
            .and_then(|mid| model.target().get(*kind, mid))
        {
            Some(m) => {
                if let Some(attributes) = attributes {
                    c.model_differences.extend(compare::differences(
                        &label,
                        kind.resource_type(),
                        attributes,
                        &m,
                        &app,
                        &links,
                    ));
                }
            }
            None => c
                .model_differences
                .push(linked_only(&label, *kind, None, Some(id))),
        }
        app_resources.insert(oid.clone(), app);
    }
    // Objects the model provisioned that the app never got.
    for ((kind, oid), mid) in &model_ids {
        if !linked.iter().any(|(k, o, _)| k == kind && o == oid) {
            c.model_differences
                .push(linked_only(&label_of(labels, oid), *kind, Some(mid), None));
        }
    }
    app_resources
}

fn linked_only(
    label: &str,
    kind: ResourceKind,
    model: Option<&str>,
    app: Option<&str>,
) -> Difference {
    Difference {
        object: label.to_owned(),
        kind: kind.resource_type(),
        attribute: "(linked)".into(),
        model: model.map(Json::from),
        app: app.map(Json::from),
        entra_notices: true,
        explained_by: None,
        explained_cause: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The guard in front of the in-memory app of scim-default.yaml, and its ledger.
    fn guarded() -> (Guarded<'static, Target>, Rc<RefCell<Ledger>>) {
        let loaded = crate::load::read(std::path::Path::new("mappings/scim-default.yaml"))
            .expect("the shipped mapping loads");
        let file = &loaded.file;
        let groups = file.groups.as_ref().expect("groups");
        let ledger = Rc::new(RefCell::new(Ledger::new(
            None,
            Attributes::of(&file.users),
            Some(Attributes::of(groups)),
        )));
        let app = Guarded {
            inner: Target::new(&file.users.attributes, &groups.attributes),
            stop: Stop::default(),
            stopped: None,
            cleaning: false,
            ledger: ledger.clone(),
            screening: Screening::Screen,
        };
        (app, ledger)
    }

    #[test]
    fn a_write_to_an_object_the_run_did_not_create_is_never_sent_and_is_recorded() {
        // Screened match answers mean Entra's cycle never targets such an object; this is the
        // last line of defence, so it is proven here, below the cycle.
        let (mut app, ledger) = guarded();
        // A real person's account, there before the run (created behind the guard's back).
        let before = app.inner.handle(
            "POST",
            "/Users",
            Some(&json!({"userName": "real.person@contoso.com", "title": "Keep me"})),
        );
        let theirs = before.body.as_ref().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                           "Operations": [{"op": "replace", "path": "title", "value": "Overwritten"}]});
        for (method, body) in [("PATCH", Some(&patch)), ("DELETE", None)] {
            let answer = app.handle(method, &format!("/Users/{theirs}"), body);
            assert_eq!(answer.status, 0, "{method} was sent");
        }
        let kept = app.inner.handle("GET", &format!("/Users/{theirs}"), None);
        assert_eq!(kept.body.unwrap()["title"], "Keep me");
        assert_eq!(
            ledger.borrow().refused_writes,
            [
                format!("PATCH /Users/{theirs}"),
                format!("DELETE /Users/{theirs}")
            ]
        );
        // The run's own object is written as usual.
        let created = app.handle("POST", "/Users", Some(&json!({"userName": "p-ours"})));
        let ours = created.body.unwrap()["id"].as_str().unwrap().to_owned();
        let answer = app.handle("PATCH", &format!("/Users/{ours}"), Some(&patch));
        assert_eq!(answer.status, 200);
        assert_eq!(ledger.borrow().refused_writes.len(), 2);
    }
}
