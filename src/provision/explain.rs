//! Provision on demand, offline: why one object is (not) provisioned in one cycle
//! (provision-on-demand.md, "Understand the provisioning steps"). The cycles run as
//! `simulate` runs them; the chosen cycle records the provisioning log, and the object's
//! entries, its requests and, per mapping row, what the row gives and whether it flows make the
//! explanation.

use std::fmt::Write as _;
use std::io;

use super::cycle::{Failure, Note, Recorded, Request, RequestPurpose, Simulator};
use super::directory::Directory;
use super::guard::TooManyDeletes;
use super::log::{LogEntry, LogOptions, LogRecorder, StepType};
use super::output::{Output, Schedule, pick, run_cycles};
pub use super::rows::RowExplanation;
use super::rows::{AttributeRows, FlowFacts, text};
use super::tap::LogTap;
use super::target::ResourceKind;
use crate::dotnet::datetime::DateTime;
use crate::expr::Context;
use crate::model::mapping::MappingFile;
use crate::model::source::SourceRef;

/// Why `explain` could not explain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// No user or group of the cycle's snapshot has that objectId, userPrincipalName or
    /// displayName.
    #[error("no user or group `{object}` in the snapshot of cycle {cycle}{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    NotFound {
        /// What was asked for.
        object: String,
        /// The cycle.
        cycle: u32,
        /// The closest name or id.
        suggestion: Option<String>,
    },
    /// The cycle is out of the run's range.
    #[error("--cycle {cycle}: give a cycle from 1 (the run has one per snapshot, or more)")]
    Cycle {
        /// The cycle asked for.
        cycle: u32,
    },
    /// The mapping does not compile.
    #[error("{0}")]
    Mapping(String),
}

/// A member of a group, and whether the cycle adds it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MemberExplanation {
    /// The member's source objectId.
    pub object_id: String,
    /// Its userPrincipalName (or the id when it is not a user of the snapshot).
    pub label: String,
    /// Added by this cycle's membership PATCH.
    pub added: bool,
    /// Why (not).
    pub why: String,
}

/// Why one object is (not) provisioned in one cycle.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// User or group.
    pub kind: ResourceKind,
    /// The source objectId.
    pub object_id: String,
    /// userPrincipalName or displayName.
    pub label: String,
    /// The cycle explained.
    pub cycle: u32,
    /// Whether it is a full cycle.
    pub full: bool,
    /// The object's provisioning-log entries in that cycle (none: not evaluated).
    pub entries: Vec<LogEntry>,
    /// The source attributes imported.
    pub attributes: Vec<(String, String)>,
    /// Per mapping row.
    pub rows: Vec<RowExplanation>,
    /// A group's members.
    pub members: Vec<MemberExplanation>,
    /// The requests sent for the object in that cycle.
    pub requests: Vec<Recorded>,
}

/// What `explain` is asked.
pub struct ExplainQuery<'a> {
    /// The mapping.
    pub file: &'a MappingFile,
    /// The snapshots, one per cycle, the last repeating.
    pub snapshots: &'a [Directory],
    /// objectId, userPrincipalName or group displayName.
    pub object: &'a str,
    /// The cycle to explain (default: one per snapshot, the last).
    pub cycle: Option<u32>,
    /// The dialect.
    pub dialect: crate::model::mapping::Dialect,
    /// The clock and restarts.
    pub schedule: Schedule,
    /// Seed of Guid() and RandomString().
    pub seed: u64,
}

/// An output that records the log only in one cycle, and that cycle's requests of one object.
struct Recording {
    cycle: u32,
    object: String,
    active: bool,
    recorder: LogRecorder<Vec<LogEntry>>,
    requests: Vec<Recorded>,
    full: bool,
    redactions: super::transcript::Redactions,
}

impl LogTap for Recording {
    type Entries = Vec<LogEntry>;
    fn recorder(&mut self) -> &mut LogRecorder<Vec<LogEntry>> {
        &mut self.recorder
    }
    fn recording(&self) -> bool {
        self.active
    }
    fn on_request(&mut self, r: &Request<'_>) {
        if r.object == self.object {
            // Shown as the transcript shows them: `Redact()`ed values masked.
            let masked = self.redactions.mask(r);
            self.requests
                .push(masked.as_ref().map_or(*r, |m| m.apply(r)).record());
        }
    }
}

impl Output for Recording {
    fn begin_cycle(&mut self, cycle: u32, now: DateTime, full: bool) {
        self.active = cycle == self.cycle;
        if self.active {
            self.full = full;
            self.recorder.begin_cycle(cycle, now, full);
        }
    }
    fn end_cycle(&mut self, _: u32, _: &[Failure], _: &[Note], q: Option<&TooManyDeletes>) {
        if self.active {
            self.recorder.end_cycle(q);
        }
    }
    fn failed(&self) -> bool {
        false
    }
    fn finish(&mut self, _complete: bool) -> io::Result<()> {
        Ok(())
    }
}

/// Explain one object of `query`: run the cycles up to the one asked for.
pub fn explain(query: &ExplainQuery<'_>) -> Result<Explanation, ExplainError> {
    let cycle = query.cycle.unwrap_or(query.snapshots.len() as u32);
    if cycle == 0 {
        return Err(ExplainError::Cycle { cycle });
    }
    let snapshot = pick(query.snapshots, cycle);
    let (kind, index) = find(snapshot, query.object).ok_or_else(|| ExplainError::NotFound {
        object: query.object.to_owned(),
        cycle,
        suggestion: suggest(snapshot, query.object),
    })?;
    let (object_id, label, record) = match kind {
        ResourceKind::User => {
            let u = &snapshot.users[index];
            (u.object_id.clone(), u.label().to_owned(), &u.record)
        }
        ResourceKind::Group => {
            let g = &snapshot.groups[index];
            (g.object_id.clone(), g.label().to_owned(), &g.record)
        }
    };
    let ctx = Context::new(query.schedule.start, query.seed);
    let mut simulator = Simulator::new(query.file, query.dialect, ctx)
        .map_err(|e| ExplainError::Mapping(e.to_string()))?;
    let mut recording = Recording {
        cycle,
        object: object_id.clone(),
        active: false,
        recorder: LogRecorder::new(
            LogOptions {
                app: query.file.app.clone(),
                job_id: String::new(),
                redactions: super::transcript::Redactions::from_mapping(query.file),
            },
            Vec::new(),
        ),
        requests: Vec::new(),
        full: true,
        redactions: super::transcript::Redactions::from_mapping(query.file),
    };
    // In memory: cannot fail.
    let _ = run_cycles(
        &mut simulator,
        query.snapshots,
        cycle,
        &query.schedule,
        &mut recording,
        &mut |_, _| {},
        &|| false,
    );
    let all = recording.recorder.out_mut();
    let entries: Vec<LogEntry> = all
        .iter()
        .filter(|e| e.source_identity.id == object_id)
        .cloned()
        .collect();
    let mut attributes: Vec<(String, String)> = record
        .iter()
        .map(|(name, value)| (name.to_owned(), text(value)))
        .collect();
    attributes.sort();
    // The attribute table, as the HTML page computes it for every object of a cycle.
    let table = AttributeRows::new(query.file, query.seed)
        .map_err(|e| ExplainError::Mapping(e.to_string()))?;
    let evaluated = table.evaluate(
        &table.cycle(snapshot, query.schedule.at(cycle)),
        snapshot,
        kind,
        index,
    );
    let rows = table.explain(&evaluated, &FlowFacts::of(&entries));
    let members = match kind {
        ResourceKind::Group => members(snapshot, record, all, &recording.requests),
        ResourceKind::User => Vec::new(),
    };
    Ok(Explanation {
        kind,
        object_id,
        label,
        cycle,
        full: recording.full,
        entries,
        attributes,
        rows,
        members,
        requests: recording.requests,
    })
}

/// The user or group `object` names: objectId, then userPrincipalName, then displayName.
fn find(snapshot: &Directory, object: &str) -> Option<(ResourceKind, usize)> {
    let user = snapshot.users.iter().position(|u| {
        u.object_id.eq_ignore_ascii_case(object) || u.label().eq_ignore_ascii_case(object)
    });
    if let Some(i) = user {
        return Some((ResourceKind::User, i));
    }
    snapshot
        .groups
        .iter()
        .position(|g| {
            g.object_id.eq_ignore_ascii_case(object) || g.label().eq_ignore_ascii_case(object)
        })
        .map(|i| (ResourceKind::Group, i))
}

fn suggest(snapshot: &Directory, object: &str) -> Option<String> {
    let names = snapshot
        .users
        .iter()
        .flat_map(|u| [u.label(), u.object_id.as_str()])
        .chain(
            snapshot
                .groups
                .iter()
                .flat_map(|g| [g.label(), g.object_id.as_str()]),
        );
    crate::expr::compile::did_you_mean(object, names).map(str::to_owned)
}

/// A group's members: added by this cycle, or left out and why (the member's own entry).
fn members(
    snapshot: &Directory,
    record: &crate::model::source::Record,
    log: &[LogEntry],
    requests: &[Recorded],
) -> Vec<MemberExplanation> {
    let Some(SourceRef::List(ids)) = crate::model::source::Source::attribute(record, "members")
    else {
        return Vec::new();
    };
    let added: Vec<String> = requests
        .iter()
        .filter(|r| r.action == RequestPurpose::AddMembers)
        .filter_map(|r| r.body.as_ref())
        .flat_map(|b| {
            b.to_string()
                .split('"')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    ids.iter()
        .map(|id| {
            let user = snapshot.users.iter().find(|u| u.object_id == id);
            let label = user.map_or_else(
                || {
                    snapshot
                        .groups
                        .iter()
                        .find(|g| g.object_id == id)
                        .map_or(id, |g| g.label())
                        .to_owned()
                },
                |u| u.label().to_owned(),
            );
            let entry = log.iter().find(|e| {
                e.source_identity.id == id
                    && e.provisioning_steps
                        .first()
                        .is_some_and(|s| s.provisioning_step_type == StepType::Import)
            });
            let target = entry
                .map(|e| e.target_identity.id.clone())
                .unwrap_or_default();
            let is_added = !target.is_empty() && added.contains(&target);
            let why = if user.is_none() {
                if snapshot.groups.iter().any(|g| g.object_id == id) {
                    "a nested group: Entra provisions user members only".to_owned()
                } else {
                    "not in the directory".to_owned()
                }
            } else if is_added {
                "added: the member has an account in the app".to_owned()
            } else {
                match entry {
                    Some(e) if !target.is_empty() && e.status() != super::log::Status::Failure => {
                        "already a member (Entra added it earlier)".to_owned()
                    }
                    Some(e) => format!(
                        "left out: the member has no account in the app ({})",
                        e.reason().unwrap_or("not provisioned")
                    ),
                    None => "left out: the member was not evaluated in this cycle".to_owned(),
                }
            };
            MemberExplanation {
                object_id: id.to_owned(),
                label,
                added: is_added,
                why,
            }
        })
        .collect()
}

/// The explanation as an admin reads it: Provision on demand's steps, the attribute table,
/// the members of a group and the requests.
pub fn render(x: &Explanation) -> String {
    let mut s = String::new();
    let kind = x.kind.resource_type();
    let _ = writeln!(
        s,
        "{kind} '{}' ({}) · cycle {} ({} cycle)",
        x.label,
        x.object_id,
        x.cycle,
        if x.full { "full" } else { "incremental" }
    );
    let Some(main) = x.entries.iter().find(|e| {
        e.provisioning_steps
            .first()
            .is_some_and(|s| s.provisioning_step_type == StepType::Import)
    }) else {
        let _ = writeln!(
            s,
            "\nNot evaluated in this cycle: an incremental cycle evaluates only the objects \
             whose attributes, assignment, membership or scope changed (how-provisioning-works.md, \
             \"Incremental cycles\"). Explain a full cycle (the first, or one after \
             --restart-before) to see every step."
        );
        for e in &x.entries {
            render_entry_line(&mut s, e);
        }
        return s;
    };
    let _ = writeln!(s, "\n1. Import {kind}");
    for step in steps_of(main, StepType::Import) {
        let _ = writeln!(s, "   {}", step.description);
    }
    for (name, value) in &x.attributes {
        let _ = writeln!(s, "   {name} = {value}");
    }
    let _ = writeln!(s, "\n2. Determine if {} is in scope", kind.to_lowercase());
    for step in steps_of(main, StepType::Scoping) {
        let _ = writeln!(s, "   {} [{}]", step.description, status(step.status));
        for (k, v) in &step.details {
            let _ = writeln!(s, "   - {k}: {}", v.as_str().unwrap_or_default());
        }
    }
    let _ = writeln!(
        s,
        "\n3. Match {} between source and target",
        kind.to_lowercase()
    );
    let matching: Vec<_> = steps_of(main, StepType::Matching).collect();
    if matching.is_empty() {
        let _ = writeln!(s, "   not reached");
    }
    for step in matching {
        let _ = writeln!(s, "   {} [{}]", step.description, status(step.status));
    }
    let _ = writeln!(s, "\n4. Perform action");
    for e in &x.entries {
        render_entry_line(&mut s, e);
        for step in &e.provisioning_steps {
            if matches!(
                step.provisioning_step_type,
                StepType::Processing | StepType::ReferenceResolution | StepType::Export
            ) {
                let _ = writeln!(s, "   {} [{}]", step.description, status(step.status));
            }
        }
        if let Some(info) = &e.provisioning_status_info.error_information
            && let Some(action) = &info.recommended_action
        {
            let _ = writeln!(s, "   recommended action: {action}");
        }
    }
    if !x.rows.is_empty() {
        let _ = writeln!(
            s,
            "\nAttributes (target · mapping · source · result · flows)"
        );
        for r in &x.rows {
            let mut mapping = r.mapping.clone();
            if r.apply != "always" {
                mapping.push_str(&format!(" ({})", r.apply));
            }
            if let Some(d) = &r.default {
                mapping.push_str(&format!(" (default \"{d}\")"));
            }
            let _ = writeln!(
                s,
                "   {} · {} · {} · {} · {}",
                r.target,
                mapping,
                r.source.as_deref().unwrap_or("-"),
                r.result,
                r.flows
            );
        }
    }
    if !x.members.is_empty() {
        let _ = writeln!(s, "\nMembers");
        for m in &x.members {
            let _ = writeln!(s, "   {} ({}): {}", m.label, m.object_id, m.why);
        }
    }
    let _ = writeln!(s, "\nRequests");
    if x.requests.is_empty() {
        let _ = writeln!(s, "   none");
    }
    for r in &x.requests {
        let _ = writeln!(s, "   {} {} -> {}", r.method, r.path, r.status);
        if let Some(body) = &r.body {
            let _ = writeln!(s, "   {body}");
        }
    }
    s
}

fn render_entry_line(s: &mut String, e: &LogEntry) {
    let code = e
        .error_code()
        .map(|c| format!(" · {c}"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "   {} · {}{code}",
        serde_json::to_value(e.provisioning_action)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        status(e.status())
    );
}

fn steps_of(e: &LogEntry, t: StepType) -> impl Iterator<Item = &super::log::Step> {
    e.provisioning_steps
        .iter()
        .filter(move |s| s.provisioning_step_type == t)
}

fn status(s: super::log::Status) -> &'static str {
    match s {
        super::log::Status::Success => "success",
        super::log::Status::Failure => "failure",
        super::log::Status::Skipped => "skipped",
        super::log::Status::Warning => "warning",
    }
}
