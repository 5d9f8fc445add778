//! One case, end to end, checking the two statements of a steady state:
//! 1. a full cycle over unchanged data writes nothing: the first snapshot, then a restart and
//!    the same snapshot again (cycle 2);
//! 2. an incremental cycle after one change writes only what that change implies: the changed
//!    snapshot (cycle 3), then the objects it changed evaluated once more (cycle 4, as when the
//!    directory reports them changed again with the same values), which must write nothing.
//!
//! The clock moves on between cycles as it does between Entra's cycles. Besides the writes sent
//! at rest, a case records rows that never flow although their inputs have values, and values
//! the app keeps after Entra stopped computing them.

use serde_json::Value as Json;

use super::ConvergeError;
use super::generate::{Case, Plan};
use super::inspect::{self, RowInfo};
use crate::check::ObjectType;
use crate::check::catalog::always_present;
use crate::dotnet::datetime::DateTime;
use crate::expr::{self, CompileOptions, Context, Program};
use crate::model::mapping::{Dialect, MappingFile, Settings};
use crate::model::source::{Record, Source, SourceRef, SourceValue};
use crate::provision::assignment::Assignment;
use crate::provision::cycle::{Recorded, RequestPurpose, SetupError, Simulator, shows_inactive};
use crate::provision::directory::{Directory, DirectoryUser};
use crate::provision::project::{CompiledMapping, Flow};
use crate::provision::scope::{CompiledScopeFilter, compile_scope, in_scope, is_soft_deleted};
use crate::provision::target::ResourceKind;
use crate::scim::{self, Path, Resource};

/// 100-nanosecond ticks per minute.
const TICKS_PER_MINUTE: i64 = 600_000_000;

/// Everything compiled once per mapping, shared by every case.
pub struct Prepared<'f> {
    /// The mapping.
    pub file: &'f MappingFile,
    /// The dialect Entra speaks to the app.
    pub dialect: Dialect,
    /// The rows, inspected.
    pub rows: Vec<RowInfo>,
    /// What to generate.
    pub plan: Plan,
    /// The clock of the first cycle.
    pub now: DateTime,
    /// The seed of `Guid()` and `RandomString()`.
    pub seed: u64,
    users: CompiledMapping,
    user_scope: Vec<CompiledScopeFilter>,
    /// The job settings the cases run under: the mapping's, except that default access counts.
    /// Generated users hold no app role, and a mapping that excludes default access would
    /// provision none of them; the search is about the users it does provision.
    settings: Settings,
    /// A program per row (by index into `rows`) that has one: direct and expression rows.
    programs: Vec<Option<Program>>,
}

impl<'f> Prepared<'f> {
    /// Compile and inspect a mapping. Errors name the row or filter that does not compile.
    pub fn new(
        file: &'f MappingFile,
        dialect: Dialect,
        now: DateTime,
        seed: u64,
    ) -> Result<Prepared<'f>, ConvergeError> {
        // The same errors, worded the same, as the simulator's own compile step below.
        let users = CompiledMapping::compile(&file.users).map_err(|e| SetupError::Row {
            object: "users",
            source: Box::new(e),
        })?;
        let user_scope = compile_scope(&file.users.scope).map_err(|e| SetupError::Scope {
            object: "users",
            source: Box::new(e),
        })?;
        // A dry run of the simulator's own compile step, so a broken group mapping fails here.
        Simulator::new(file, dialect, Context::new(now, seed))?;
        let rows = inspect::rows(&file.users, file.groups.as_ref());
        let plan = Plan::new(&file.users, file.groups.as_ref(), &rows);
        let programs = rows
            .iter()
            .map(|r| {
                if r.kind != ResourceKind::User || r.reads.is_empty() {
                    return None;
                }
                expr::compile(&r.formula, &CompileOptions::default()).ok()
            })
            .collect();
        Ok(Prepared {
            file,
            dialect,
            rows,
            plan,
            now,
            seed,
            users,
            user_scope,
            programs,
            settings: Settings {
                exclude_default_access: false,
                ..file.settings.clone()
            },
        })
    }

    fn simulator(&self) -> Simulator {
        let mut sim = Simulator::new(self.file, self.dialect, Context::new(self.now, self.seed))
            .expect("compiled once in Prepared::new");
        sim.set_settings(self.settings.clone());
        sim
    }

    /// IsSoftDeleted as Entra computes it, for the `i`th user of a snapshot whose
    /// assignments are `assignment`.
    fn deprovisioned(&self, assignment: &Assignment, i: usize, u: &DirectoryUser) -> bool {
        is_soft_deleted(
            assignment.user(i).in_scope(),
            in_scope(&self.user_scope, &u.record),
            u.soft_deleted,
            u.account_enabled(),
        )
    }

    /// Whether the `i`th user is deprovisioned only because it left the scope, which
    /// `skip_out_of_scope_deletions` leaves alone.
    fn only_out_of_scope(&self, assignment: &Assignment, i: usize, u: &DirectoryUser) -> bool {
        !(u.soft_deleted || u.account_enabled() == Some(false))
            && self.deprovisioned(assignment, i, u)
    }

    /// The user's record as the simulator's expressions read it: IsSoftDeleted and the
    /// effective app roles set.
    fn with_soft_deleted(&self, assignment: &Assignment, i: usize, u: &DirectoryUser) -> Record {
        let mut record = u.record.clone();
        let flag = if self.deprovisioned(assignment, i, u) {
            "True"
        } else {
            "False"
        };
        record.set("IsSoftDeleted", SourceValue::Str(flag.to_owned()));
        if let Some(roles) = assignment.roles(i) {
            record.set(
                "appRoleAssignments",
                roles.clone().unwrap_or(SourceValue::List(Vec::new())),
            );
        }
        record
    }
}

/// When a write at rest was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Cycle 2: the first snapshot again, after cycle 1 wrote it.
    Settled,
    /// Cycle 4: the changed snapshot again, after cycle 3 wrote the change.
    AfterChange,
}

impl Phase {
    /// `settled` / `after-change`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Settled => "settled",
            Phase::AfterChange => "after-change",
        }
    }
}

/// A write Entra sent when the system should have been at rest: one attribute of one request.
#[derive(Clone, Debug)]
pub struct Repeat {
    /// When.
    pub phase: Phase,
    /// Users or groups.
    pub kind: ResourceKind,
    /// The source objectId.
    pub object: String,
    /// The target attribute as the row writes it; for requests that are not attribute
    /// writes, what they do (`POST /Users`, `members`, `DELETE`).
    pub attribute: String,
    /// Why Entra sent it.
    pub action: RequestPurpose,
    /// The PATCH op (`Add`, `replace`, ...), when it is one.
    pub op: Option<String>,
    /// The value sent for the attribute.
    pub sent: Option<Json>,
    /// What the app returned for it on the read just before.
    pub before: Option<Json>,
    /// What the app holds for it after the cycle.
    pub after: Option<Json>,
    /// The app's whole resource after the cycle (to find a value returned elsewhere).
    pub resource: Option<Resource>,
    /// The request as sent, with the app's answer.
    pub request: Recorded,
}

/// A row whose value is empty, so nothing flows, where it should (catalogue C12): its inputs
/// have values, or the app requires the attribute.
#[derive(Clone, Debug)]
pub struct NeverFlows {
    /// The source objectId.
    pub object: String,
    /// The row's target.
    pub attribute: String,
    /// The values the row read, as the expression saw them (`None`: null or empty).
    pub inputs: Vec<(String, Option<String>)>,
    /// Whether the app requires the attribute (so the create lacks it).
    pub required: bool,
    /// Whether it was found in the snapshot after the change (not in the first one).
    pub after_change: bool,
}

/// An object Entra fails at every evaluation (an expression error, a failed lookup).
#[derive(Clone, Debug)]
pub struct Fails {
    /// When.
    pub phase: Phase,
    /// Users or groups.
    pub kind: ResourceKind,
    /// The source objectId.
    pub object: String,
    /// Entra's message.
    pub message: String,
}

/// What went wrong in a case.
#[derive(Clone, Debug)]
pub enum Problem {
    /// A write at rest.
    Repeat(Box<Repeat>),
    /// A value that never flows.
    NeverFlows(NeverFlows),
    /// An object that fails at every cycle.
    Fails(Fails),
}

impl Problem {
    /// What identifies the problem across cases: the object kind, the attribute (lowercase,
    /// as SCIM compares names) and what kind of problem, so each is reported once.
    pub fn key(&self) -> String {
        match self {
            Problem::Repeat(r) => format!(
                "repeat:{}:{}",
                r.kind.endpoint(),
                r.attribute.to_ascii_lowercase()
            ),
            Problem::NeverFlows(n) => {
                format!("never-flows:Users:{}", n.attribute.to_ascii_lowercase())
            }
            Problem::Fails(f) => format!(
                "fails:{}",
                super::diagnose::failing_row(&f.message)
                    .map_or_else(|| first_words(&f.message), str::to_ascii_lowercase)
            ),
        }
    }
}

/// A message without the parts that name one object, so the same failure of two objects is
/// one problem.
fn first_words(message: &str) -> String {
    message.split(':').next().unwrap_or(message).to_owned()
}

/// A value the app keeps although Entra no longer computes one (catalogue C11, or C13 when it
/// is the row's create-time default).
#[derive(Clone, Debug)]
pub struct Stale {
    /// The source objectId.
    pub object: String,
    /// The row's target.
    pub attribute: String,
    /// The value the app keeps (`null` when it keeps none).
    pub value: Json,
    /// Why it is stale.
    pub kind: StaleKind,
}

/// How a value went stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaleKind {
    /// The mapping computes nothing any more (the source was cleared), and Entra never sends a
    /// Remove (C11).
    Cleared,
    /// The value is the row's default, sent on create only (C13).
    Default,
    /// The user is deprovisioned but the app still shows it active: the `active` row yields
    /// nothing for deprovisioned users, so no disable is sent (C12).
    NotDeactivated,
}

/// The outcome of one case.
#[derive(Clone, Debug, Default)]
pub struct CaseOutcome {
    /// Problems, in the order found.
    pub problems: Vec<Problem>,
    /// Stale values after the change settled.
    pub stale: Vec<Stale>,
}

/// Run one case.
pub fn run(p: &Prepared<'_>, case: &Case) -> CaseOutcome {
    let before = case.before(&p.plan);
    let after = case.after(&p.plan);
    let mut outcome = CaseOutcome::default();
    never_flows(p, &before, false, &mut outcome.problems);
    never_flows(p, &after, true, &mut outcome.problems);

    let mut sim = p.simulator();
    let at = |cycle: u32| {
        let ticks = i64::from(cycle - 1) * i64::from(case.gap_minutes) * TICKS_PER_MINUTE;
        DateTime::from_ticks(p.now.ticks().saturating_add(ticks)).unwrap_or(p.now)
    };
    // Every phase runs even when an earlier one found something: the search ignores problems
    // it already reported, and must still see the others.
    sim.set_now(at(1));
    sim.run_cycle(&before, 1, &mut |_| {});
    sim.set_now(at(2));
    sim.restart();
    at_rest(&mut sim, &before, 2, Phase::Settled, &mut outcome.problems);
    sim.set_now(at(3));
    sim.run_cycle(&after, 3, &mut |_| {});
    sim.set_now(at(4));
    for object in changed(&before, &after) {
        sim.touch(object);
    }
    at_rest(
        &mut sim,
        &after,
        4,
        Phase::AfterChange,
        &mut outcome.problems,
    );
    stale(p, &sim, &after, &mut outcome.stale);
    outcome
}

/// The objects of `after` that differ from `before` in anything a cycle reads of them, or are
/// new in it.
fn changed<'a>(before: &Directory, after: &'a Directory) -> Vec<&'a str> {
    let users: std::collections::HashMap<&str, _> = before
        .users
        .iter()
        .map(|u| (u.object_id.as_str(), u))
        .collect();
    let groups: std::collections::HashMap<&str, _> = before
        .groups
        .iter()
        .map(|g| (g.object_id.as_str(), g))
        .collect();
    let same_record = |a: &Record, b: &Record| {
        a.iter().count() == b.iter().count()
            && a.iter().zip(b.iter()).all(|(x, y)| same_attribute(x, y))
    };
    let mut out: Vec<&str> = after
        .users
        .iter()
        .filter(|u| {
            users.get(u.object_id.as_str()).is_none_or(|b| {
                b.assigned != u.assigned
                    || b.soft_deleted != u.soft_deleted
                    || !same_record(&b.record, &u.record)
            })
        })
        .map(|u| u.object_id.as_str())
        .collect();
    out.extend(
        after
            .groups
            .iter()
            .filter(|g| {
                groups
                    .get(g.object_id.as_str())
                    .is_none_or(|b| b.assigned != g.assigned || !same_record(&b.record, &g.record))
            })
            .map(|g| g.object_id.as_str()),
    );
    out
}

fn same_attribute((n1, v1): (&str, SourceRef<'_>), (n2, v2): (&str, SourceRef<'_>)) -> bool {
    n1 == n2
        && match (v1, v2) {
            (SourceRef::Str(a), SourceRef::Str(b)) => a == b,
            (SourceRef::Bool(a), SourceRef::Bool(b)) => a == b,
            (SourceRef::List(a), SourceRef::List(b)) => a.iter().eq(b.iter()),
            _ => false,
        }
}

/// Run a cycle that should send only reads, and turn every write into [`Repeat`]s.
fn at_rest(
    sim: &mut Simulator,
    snapshot: &Directory,
    cycle: u32,
    phase: Phase,
    out: &mut Vec<Problem>,
) {
    let mut requests: Vec<Recorded> = Vec::new();
    let failures = sim.run_cycle(snapshot, cycle, &mut |r| requests.push(r.record()));
    let mut read: std::collections::HashMap<String, Resource> = Default::default();
    let mut written: Vec<String> = Vec::new();
    for r in &requests {
        if r.method == "GET" {
            if r.action == RequestPurpose::Read
                && let Some(Json::Object(o)) = &r.response
            {
                read.insert(r.object.clone(), o.clone());
            }
            continue;
        }
        written.push(r.object.clone());
        let kind = if r.path.starts_with("/Groups") {
            ResourceKind::Group
        } else {
            ResourceKind::User
        };
        let resource = id_of(&r.path).and_then(|id| sim.target().get(kind, id));
        let returned = read.get(&r.object);
        for (attribute, op, sent) in attributes_of(r) {
            let path = Path::parse(&attribute).ok();
            let value_in = |res: Option<&Resource>| -> Option<Json> {
                let (res, path) = (res?, path.as_ref()?);
                scim::get(res, path).cloned()
            };
            out.push(Problem::Repeat(Box::new(Repeat {
                phase,
                kind,
                object: r.object.clone(),
                before: value_in(returned),
                after: value_in(resource.as_ref()),
                attribute,
                action: r.action,
                op,
                sent,
                resource: resource.clone(),
                request: r.clone(),
            })));
        }
    }
    for f in failures {
        // A failed write is already reported with its request.
        if !written.contains(&f.object) {
            let group = snapshot.groups.iter().any(|g| g.object_id == f.object);
            out.push(Problem::Fails(Fails {
                phase,
                kind: if group {
                    ResourceKind::Group
                } else {
                    ResourceKind::User
                },
                object: f.object,
                message: f.message,
            }));
        }
    }
}

/// The id in `/Users/{id}` or `/Groups/{id}`.
fn id_of(path: &str) -> Option<&str> {
    let rest = path.split('?').next()?;
    let mut parts = rest.trim_start_matches('/').split('/');
    parts.next()?;
    parts.next().filter(|s| !s.is_empty())
}

/// The attributes a request writes, with the op name and the value: one per PATCH operation
/// path (a path-less compliant op counts once per key); a POST or DELETE is one entry named
/// after the request.
fn attributes_of(r: &Recorded) -> Vec<(String, Option<String>, Option<Json>)> {
    match r.action {
        RequestPurpose::Create => vec![(
            format!("POST /{}", r.path.trim_start_matches('/')),
            None,
            None,
        )],
        RequestPurpose::Delete => vec![("DELETE".to_owned(), None, None)],
        RequestPurpose::AddMembers | RequestPurpose::RemoveMembers => {
            vec![(
                "members".to_owned(),
                Some(r.action.as_str().to_owned()),
                None,
            )]
        }
        _ => {
            let mut out = Vec::new();
            let ops = r
                .body
                .as_ref()
                .and_then(|b| scim::resource::get_ci(b.as_object()?, "Operations"))
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default();
            for op in ops {
                let Some(o) = op.as_object() else { continue };
                let name = o.get("op").and_then(Json::as_str).map(str::to_owned);
                match (o.get("path").and_then(Json::as_str), o.get("value")) {
                    (Some(path), value) => {
                        out.push((path.to_owned(), name, value.cloned()));
                    }
                    (None, Some(Json::Object(values))) => {
                        for (k, v) in values {
                            out.push((k.clone(), name.clone(), Some(v.clone())));
                        }
                    }
                    _ => {}
                }
            }
            out
        }
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Rows of the user mapping that are empty for a user where they are expected to flow: the
/// row reads only attributes every user has (a Switch over IsSoftDeleted, say) and they all
/// have values, or the app requires the attribute and the user is to be provisioned.
fn never_flows(p: &Prepared<'_>, snapshot: &Directory, after_change: bool, out: &mut Vec<Problem>) {
    let ctx = Context::new(p.now, p.seed);
    let assignment = Assignment::compute(snapshot, &p.settings);
    for (i, u) in snapshot.users.iter().enumerate() {
        let record = p.with_soft_deleted(&assignment, i, u);
        let provisioned = !p.deprovisioned(&assignment, i, u);
        for (row, program) in p.rows.iter().zip(&p.programs) {
            let Some(program) = program else { continue };
            if row.is_reference() {
                continue;
            }
            let required = row.attribute.as_ref().is_some_and(|a| a.required) && provisioned;
            let always = row
                .reads
                .iter()
                .all(|n| always_present(ObjectType::Users, n));
            if !(required || always) {
                continue;
            }
            let inputs: Vec<(String, Option<String>)> = row
                .reads
                .iter()
                .map(|n| {
                    let text = match record.attribute(n) {
                        Some(SourceRef::Str(s)) if !s.is_empty() => Some(s.to_owned()),
                        Some(SourceRef::Bool(b)) => {
                            Some(crate::expr::value::bool_text(b).to_owned())
                        }
                        Some(SourceRef::List(l)) if !l.is_empty() => {
                            Some(l.iter().collect::<Vec<_>>().join(", "))
                        }
                        _ => None,
                    };
                    (n.clone(), text)
                })
                .collect();
            if !required && inputs.iter().any(|(_, v)| v.is_none()) {
                continue;
            }
            if let Ok(expr::Outcome::Value(v)) = program.eval(&record, &ctx)
                && is_empty(&v.to_json())
            {
                out.push(Problem::NeverFlows(NeverFlows {
                    object: u.object_id.clone(),
                    attribute: row.target.clone(),
                    inputs,
                    required,
                    after_change,
                }));
            }
        }
    }
}

/// Values the app keeps for active, linked users although the mapping computes none for them
/// now: Entra never sends a Remove for a user attribute.
fn stale(p: &Prepared<'_>, sim: &Simulator, snapshot: &Directory, out: &mut Vec<Stale>) {
    let ctx = Context::new(p.now, p.seed);
    let assignment = Assignment::compute(snapshot, &p.settings);
    // The guards keep deprovisioned users active on purpose: without the Update action no
    // disable goes, a quarantined job sends nothing, and SkipOutOfScopeDeletions leaves users
    // who only left the scope.
    let may_disable = p
        .file
        .users
        .actions
        .contains(&crate::model::mapping::TargetObjectAction::Update)
        && sim.quarantine().is_none();
    for (i, u) in snapshot.users.iter().enumerate() {
        let Some(id) = sim.linked_user(&u.object_id) else {
            continue;
        };
        let Some(resource) = sim.target().get(ResourceKind::User, &id) else {
            continue;
        };
        if p.deprovisioned(&assignment, i, u) {
            if !may_disable
                || (p.settings.skip_out_of_scope_deletions
                    && p.only_out_of_scope(&assignment, i, u))
            {
                continue;
            }
            let active = p.rows.iter().find(|r| {
                r.kind == ResourceKind::User
                    && r.path
                        .as_ref()
                        .is_some_and(crate::provision::project::is_active)
            });
            let shown = scim::resource::get_ci(&resource, "active");
            if let Some(row) = active.filter(|_| !shows_inactive(&resource)) {
                out.push(Stale {
                    object: u.object_id.clone(),
                    attribute: row.target.clone(),
                    value: shown.cloned().unwrap_or(Json::Null),
                    kind: StaleKind::NotDeactivated,
                });
            }
            continue;
        }
        let record = p.with_soft_deleted(&assignment, i, u);
        let Ok(projection) = p.users.project(&record, &ctx, Flow::Update) else {
            continue;
        };
        // The paths computed for this user, hashed once: a scan per row would make a wide
        // schema (10^5 rows) quadratic.
        let computed_paths: crate::provision::FastSet<&scim::Path> =
            projection.entries.iter().map(|e| e.path).collect();
        // Likewise the attributes the app holds, so that an absent one is not searched for.
        let held = HeldAttributes::of(&resource);
        for row in p.rows.iter().filter(|r| r.kind == ResourceKind::User) {
            let Some(path) = &row.path else { continue };
            if !row.always() || row.declared_not_stored() {
                continue;
            }
            let computed = if row.is_reference() {
                // The manager: Entra can only write one it has linked.
                projection
                    .manager
                    .as_deref()
                    .is_some_and(|m| sim.linked_user(m).is_some())
            } else {
                computed_paths.contains(path)
            };
            if computed {
                continue;
            }
            if !held.may_hold(path) {
                continue;
            }
            let Some(value) = scim::get(&resource, path).filter(|v| !is_empty(v)) else {
                continue;
            };
            let is_default = row
                .default
                .as_deref()
                .is_some_and(|d| value.as_str() == Some(d));
            out.push(Stale {
                object: u.object_id.clone(),
                attribute: row.target.clone(),
                value: value.clone(),
                kind: if is_default {
                    StaleKind::Default
                } else {
                    StaleKind::Cleared
                },
            });
        }
    }
}

/// The attribute names a resource holds, ASCII-lowercased, top-level and inside each extension
/// object: a wide resource (10^5 attributes) answers "not there" without a case-insensitive
/// scan of its keys.
struct HeldAttributes {
    names: crate::provision::FastSet<(Option<String>, String)>,
}

impl HeldAttributes {
    fn of(resource: &scim::Resource) -> HeldAttributes {
        let mut names = crate::provision::FastSet::default();
        for (key, value) in resource {
            let key = key.to_ascii_lowercase();
            if let (true, Some(ext)) = (key.starts_with("urn:"), value.as_object()) {
                for inner in ext.keys() {
                    names.insert((Some(key.clone()), inner.to_ascii_lowercase()));
                }
            }
            names.insert((None, key));
        }
        HeldAttributes { names }
    }

    /// Whether the resource may hold `path`'s attribute: `false` only when it surely does not.
    fn may_hold(&self, path: &scim::Path) -> bool {
        let urn = path.extension_urn().map(str::to_ascii_lowercase);
        self.names
            .contains(&(urn, path.attr().to_ascii_lowercase()))
    }
}
