//! The page's rows and charts as an [`Output`] of the one cycle loop
//! (`provision::output::run_cycles`): every object of every snapshot gets a row, each object's
//! provisioning log entries are the log's own (a [`LogRecorder`] asked for every decision:
//! assignment path, scoping clauses with their values, match queries, modifiedProperties with
//! old values), every request lands on its object with its exact text, and every object a
//! cycle evaluates gets that cycle's attribute table (`provision::rows`, as `explain` shows it).

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use foldhash::HashMap;
use serde_json::Value as Json;
use serde_json::value::RawValue;

use serde::Serialize;

use super::{
    ActionCount, Bar, Count, CycleView, FindingView, MappingRows, ObjectView, RequestCounts,
    RequestView,
};
use crate::check;
use crate::dotnet::datetime::DateTime;
use crate::model::source::{Source, SourceRef};
use crate::provision::cycle::{Failure, Note, Request, Subject};
use crate::provision::directory::Directory;
use crate::provision::guard::TooManyDeletes;
use crate::provision::log::{EntryOut, LogEntry, LogOptions, LogRecorder};
use crate::provision::output::Output;
use crate::provision::rows::{AttributeRows, CycleRows, Evaluated, FlowFacts};
use crate::provision::tap::LogTap;
use crate::provision::target::ResourceKind;
use crate::provision::transcript::{Redactions, Summary};

/// `--format html`'s output: what a run did, object by object and cycle by cycle, gathered
/// while the cycles run; [`HtmlOutput::into_views`] gives the page's charts and rows.
pub struct HtmlOutput {
    /// The values `Redact()` produced, masked in every request before it is kept: a page is
    /// mailed around like the `.http` transcript, which masks them too (the log masks its own).
    redactions: Redactions,
    /// The provisioning log, its entries handed to the rows as they are finished.
    recorder: LogRecorder<Rows>,
    /// The cycles' request counts and notes that belong to no object (the
    /// accidental-deletions guard, retries).
    summary: Summary,
    /// The mapping's attribute tables, compiled once for the run.
    tables: AttributeRows,
    /// The cycle under way and its clock.
    cycle: u32,
    now: DateTime,
    /// Who is assigned in the cycle's snapshot, computed at the cycle's first object (the
    /// cycle names its snapshot only then).
    cycle_rows: Option<CycleRows>,
}

/// Every object's row so far, by objectId; where the log's entries go.
#[derive(Default)]
pub struct Rows {
    objects: Vec<Tracked>,
    index: HashMap<String, usize>,
    /// The objects the cycle under way evaluated, whose attribute tables wait for the
    /// cycle's last entry.
    evaluated: Vec<usize>,
    /// The cycle under way, and the number of each cycleId the entries carried.
    cycle: u32,
    cycles: HashMap<String, u32>,
}

/// One object and what happened to it so far.
struct Tracked {
    view: ObjectView,
    /// Evaluated in the cycle under way: what each mapping row gives it, and what its
    /// entries of the cycle so far say about the writes.
    pending: Option<(Evaluated, FlowFacts)>,
}

/// A value as its JSON text: every object's entries are held until the page is written, and
/// as parsed values they took ten times the memory.
fn raw<T: serde::Serialize>(value: &T) -> Box<RawValue> {
    // Serializing a log entry cannot fail; the fallback is never taken.
    serde_json::value::to_raw_value(value)
        .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is JSON"))
}

impl EntryOut for Rows {
    fn entry(&mut self, entry: &LogEntry) {
        let kind = if entry.source_identity.identity_type == "Group" {
            "group"
        } else {
            "user"
        };
        let i = self.object(
            &entry.source_identity.id,
            kind,
            &entry.source_identity.display_name,
            None,
        );
        let tracked = &mut self.objects[i];
        if let Some((_, facts)) = &mut tracked.pending {
            facts.add(entry);
        }
        tracked.view.entries.push(raw(entry));
        if !self.cycles.contains_key(&entry.cycle_id) {
            self.cycles.insert(entry.cycle_id.clone(), self.cycle);
        }
    }
}

impl Rows {
    /// The row of `id`, made when first seen.
    fn object(&mut self, id: &str, kind: &'static str, name: &str, display: Option<&str>) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.objects.len();
        self.objects.push(Tracked {
            view: ObjectView {
                display_name: display.filter(|d| *d != name).map(str::to_owned),
                ..ObjectView::new(id, kind, name)
            },
            pending: None,
        });
        self.index.insert(id.to_owned(), i);
        i
    }
}

/// An attribute table as a chunk holds it: `[cycle, [[source, result, flows, sent, entra],
/// ...]]`, a row per mapping row in order; the rows' targets and mappings are in the page
/// once ([`MappingRows`]).
type Table<'a> = (
    u32,
    Vec<(Option<&'a str>, &'a str, &'a str, &'a str, Option<&'a str>)>,
);

impl Rows {
    /// Give each object the cycle evaluated its attribute table, now that the cycle's
    /// entries are all in.
    fn finish_tables(&mut self, tables: &AttributeRows, cycle: u32) {
        for i in std::mem::take(&mut self.evaluated) {
            let tracked = &mut self.objects[i];
            let Some((evaluated, facts)) = tracked.pending.take() else {
                continue;
            };
            // Not evaluated after all (no entry with an import step): `explain` shows no
            // table either.
            if !facts.evaluated() {
                continue;
            }
            let rows = tables.explain(&evaluated, &facts);
            let table: Table = (
                cycle,
                rows.iter()
                    .map(|r| {
                        (
                            r.source.as_deref(),
                            r.result.as_str(),
                            r.flows.as_str(),
                            r.sent,
                            r.entra.as_deref(),
                        )
                    })
                    .collect(),
            );
            tracked.view.tables.push(raw(&table));
        }
    }
}

impl HtmlOutput {
    /// An empty run whose log names the app and job of `options` and masks its redactions,
    /// and whose objects get their attribute tables from `tables` (the run's mapping).
    pub fn new(options: LogOptions, tables: AttributeRows) -> HtmlOutput {
        HtmlOutput {
            redactions: options.redactions.clone(),
            recorder: LogRecorder::new(options, Rows::default()),
            summary: Summary::default(),
            tables,
            cycle: 0,
            now: DateTime::MIN,
            cycle_rows: None,
        }
    }

    /// Give every user and group of `directory` a row (in file order), once; an object seen
    /// in an earlier snapshot keeps its row.
    pub fn add_directory(&mut self, directory: &Directory) {
        let rows = self.recorder.out_mut();
        for u in &directory.users {
            let display = text(u.record.attribute("displayName"));
            rows.object(&u.object_id, "user", u.label(), display);
        }
        for g in &directory.groups {
            rows.object(&g.object_id, "group", g.label(), None);
        }
    }

    /// A note about cycle `cycle` as a whole (what the accidental-deletions guard staged).
    pub fn cycle_note(&mut self, cycle: u32, text: String) {
        self.summary.note(cycle, text);
    }

    /// The cycles' charts, the objects' rows in directory order, and the mapping rows their
    /// attribute tables fill in.
    pub fn into_views(mut self) -> (Vec<CycleView>, Vec<ObjectView>, MappingRows) {
        // A run stopped part-way (Ctrl-C) ends without its cycle's end.
        self.recorder
            .out_mut()
            .finish_tables(&self.tables, self.cycle);
        let mapping_rows = MappingRows {
            user: self.tables.describe(ResourceKind::User).to_vec(),
            group: self.tables.describe(ResourceKind::Group).to_vec(),
        };
        let rows = self.recorder.into_out();
        // Each object's verdict per cycle: its row shows the last, the charts count them all.
        let mut tallies: BTreeMap<u32, Tally> = BTreeMap::new();
        let objects = rows
            .objects
            .into_iter()
            .map(|t| {
                let mut view = t.view;
                let verdicts = summarise(&mut view);
                for v in &verdicts {
                    let Some(&cycle) = rows.cycles.get(&v.cycle_id) else {
                        continue;
                    };
                    tallies.entry(cycle).or_default().add(v);
                }
                view.cycle = verdicts
                    .last()
                    .and_then(|v| rows.cycles.get(&v.cycle_id).copied());
                view.history = verdicts
                    .into_iter()
                    .filter_map(|v| Some((*rows.cycles.get(&v.cycle_id)?, v.actions)))
                    .collect();
                view
            })
            .collect();
        let cycles = self
            .summary
            .cycles
            .iter()
            .enumerate()
            .filter(|(_, c)| c.full.is_some())
            .map(|(i, c)| {
                let cycle = i as u32 + 1;
                let mut tally = tallies.remove(&cycle).unwrap_or_default();
                let actions: Vec<ActionCount> = CHART_ACTIONS
                    .iter()
                    .map(|a| ActionCount {
                        action: (*a).to_owned(),
                        ..tally.actions.remove(*a).unwrap_or_default()
                    })
                    .collect();
                let mut attributes: Vec<Count> =
                    tally.attributes.iter().map(|(k, n)| count(k, *n)).collect();
                attributes.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.label.cmp(&b.label)));
                let mut notes: Vec<String> = c
                    .not_sent
                    .iter()
                    .map(|(k, n)| format!("{n} not sent: {k}"))
                    .collect();
                notes.extend(self.summary.notes(cycle).iter().cloned());
                CycleView {
                    cycle,
                    full: c.full,
                    bars: bars(&actions),
                    actions,
                    attributes,
                    requests: RequestCounts {
                        writes: c.creates + c.updates + c.disables + c.deletes + c.membership,
                        reads: c.reads,
                        errors: c.errors,
                    },
                    notes,
                }
            })
            .collect();
        (cycles, objects, mapping_rows)
    }
}

impl LogTap for HtmlOutput {
    type Entries = Rows;
    fn recorder(&mut self) -> &mut LogRecorder<Rows> {
        &mut self.recorder
    }
    fn on_request(&mut self, r: &Request<'_>) {
        let masked = self.redactions.mask(r);
        let r = &masked.as_ref().map_or(*r, |m| m.apply(r));
        self.summary.add(r);
        let kind = if r.path.starts_with("/Groups") {
            "group"
        } else {
            "user"
        };
        let rows = self.recorder.out_mut();
        let i = rows.object(r.object, kind, r.label, None);
        let ok = (200..300).contains(&r.status);
        // A success answer echoes the request; an error's answer is what the admin needs.
        let response = (!ok)
            .then(|| {
                r.response
                    .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
            })
            .flatten();
        rows.objects[i].view.requests.push(RequestView {
            cycle: r.cycle,
            action: r.action.as_str(),
            http: http_text(r),
            status: r.status,
            response,
        });
    }
    fn on_begin_object(&mut self, subject: &Subject<'_>) {
        // What each row gives the object is known now; whether it flows, from the entries.
        let cycle_rows = self
            .cycle_rows
            .get_or_insert_with(|| self.tables.cycle(subject.snapshot, self.now));
        let evaluated =
            self.tables
                .evaluate(cycle_rows, subject.snapshot, subject.kind, subject.index);
        let kind = match subject.kind {
            ResourceKind::User => "user",
            ResourceKind::Group => "group",
        };
        let rows = self.recorder.out_mut();
        let i = rows.object(subject.object_id(), kind, subject.label(), None);
        if rows.objects[i].pending.is_none() {
            rows.evaluated.push(i);
        }
        rows.objects[i].pending = Some((evaluated, FlowFacts::default()));
    }
}

impl Output for HtmlOutput {
    fn begin_cycle(&mut self, cycle: u32, now: DateTime, full: bool) {
        self.summary.begin_cycle(cycle, full);
        self.recorder.out_mut().cycle = cycle;
        self.recorder.begin_cycle(cycle, now, full);
        self.cycle = cycle;
        self.now = now;
        self.cycle_rows = None;
    }
    fn end_cycle(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        notes: &[Note],
        quarantine: Option<&TooManyDeletes>,
    ) {
        self.summary.end_cycle(cycle, failures, notes, quarantine);
        self.recorder.end_cycle(quarantine);
        self.recorder.out_mut().finish_tables(&self.tables, cycle);
    }
    fn job_lines(&mut self, cycle: u32, lines: &[String]) {
        self.summary.job_lines(cycle, lines);
    }
    /// The page is written by the caller once the run is over; gathering cannot fail.
    fn failed(&self) -> bool {
        false
    }
    fn finish(&mut self, _complete: bool) -> io::Result<()> {
        Ok(())
    }
}

/// One cycle's verdict on an object: what the object's row shows when the cycle is the last
/// that logged it, and (its `actions`) what the cycle's chart counts it as. Action, status,
/// error code and reason come from one entry of the cycle, so they never disagree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CycleVerdict {
    /// The cycle's `cycleId`, as the entries carry it.
    pub cycle_id: String,
    /// The deciding entry's `provisioningAction`.
    pub action: String,
    /// Its `provisioningStatusInfo.status`.
    pub status: String,
    /// Its error code (a failure's, or a skip reason).
    pub error_code: Option<String>,
    /// Its reason: the error's, else its processing step's description.
    pub reason: String,
    /// The attributes the cycle wrote to the object: the modifiedProperties of its entries
    /// that succeeded, each once.
    pub attributes: Vec<String>,
    /// Every provisioning action the object's entries of the cycle took, in order of first
    /// entry, each with its status: what the cycle's chart counts the object under.
    pub actions: Vec<ActionStatus>,
}

/// One provisioning action an object's entries took in a cycle, and how it went. Entra's
/// provisioning logs keep Action and Status apart (a user out of scope is a skipped
/// `create`: docs/provisioning-log.md; the blade filters "action Create and status Skipped",
/// howto-analyze-provisioning-logs.md), and so do the chart and the table's filters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionStatus {
    /// The entries' `provisioningAction`.
    pub action: String,
    /// `failure` when an entry of that action failed, else `warning` or `success` when one
    /// did something, else `skipped`.
    pub status: String,
}

impl CycleVerdict {
    /// The cycle's actions and statuses from its entries: per action, the most serious
    /// status its entries of that action had, so a later entry never hides a failure.
    fn action_statuses(entries: &[Json]) -> Vec<ActionStatus> {
        let rank = |s: &str| match s {
            "failure" => 3,
            "warning" => 2,
            "success" => 1,
            _ => 0,
        };
        let mut out: Vec<ActionStatus> = Vec::new();
        for e in entries {
            let action = e
                .get("provisioningAction")
                .and_then(Json::as_str)
                .unwrap_or("other");
            let s = status(e);
            let s = if rank(s) == 0 { "skipped" } else { s };
            match out.iter_mut().find(|a| a.action == action) {
                Some(a) if rank(s) > rank(&a.status) => s.clone_into(&mut a.status),
                Some(_) => {}
                None => out.push(ActionStatus {
                    action: action.to_owned(),
                    status: s.to_owned(),
                }),
            }
        }
        out
    }
}

/// An object's verdict per cycle, from its provisioning log entries in the shape of Graph's
/// provisioningObjectSummary, in cycle order. Reads only that shape, so entries from Entra's
/// own log (or any source of that shape) give the same verdicts.
///
/// An object can have several entries in one cycle (its own turn, then its manager reference
/// or its members: docs/provisioning-log.md, "4. Which objects get an entry"). The deciding
/// entry is the first that failed, else the object's own turn (the entry with an import step)
/// unless it was skipped, else the first that was not skipped, else its own turn, else the
/// first: so a user created and then given its manager is a `create`, and a linked group
/// skipped as `RedundantExport` whose members changed is an `update`.
pub fn verdicts(entries: &[Box<RawValue>]) -> Vec<CycleVerdict> {
    let mut out: Vec<CycleVerdict> = Vec::new();
    let mut cycle: Vec<Json> = Vec::new();
    let mut cycle_id = String::new();
    for raw in entries {
        let Ok(e) = serde_json::from_str::<Json>(raw.get()) else {
            continue;
        };
        let id = e.get("cycleId").and_then(Json::as_str).unwrap_or_default();
        if id != cycle_id && !cycle.is_empty() {
            out.push(verdict(std::mem::take(&mut cycle_id), &cycle));
            cycle.clear();
        }
        cycle_id = id.to_owned();
        cycle.push(e);
    }
    if !cycle.is_empty() {
        out.push(verdict(cycle_id, &cycle));
    }
    out
}

/// An entry's `provisioningStatusInfo.status`.
fn status(e: &Json) -> &str {
    e.get("provisioningStatusInfo")
        .and_then(|i| i.get("status"))
        .and_then(Json::as_str)
        .unwrap_or_default()
}

/// The verdict of one cycle's entries (at least one).
fn verdict(cycle_id: String, entries: &[Json]) -> CycleVerdict {
    let own_turn = |e: &Json| {
        e.get("provisioningSteps")
            .and_then(Json::as_array)
            .is_some_and(|steps| {
                steps
                    .iter()
                    .any(|s| s.get("provisioningStepType").and_then(Json::as_str) == Some("import"))
            })
    };
    let done = |e: &&Json| status(e) != "skipped";
    let decides = entries
        .iter()
        .find(|e| status(e) == "failure")
        .or_else(|| entries.iter().filter(done).find(|e| own_turn(e)))
        .or_else(|| entries.iter().find(done))
        .or_else(|| entries.iter().find(|e| own_turn(e)))
        .unwrap_or(&entries[0]);
    let error = decides
        .get("provisioningStatusInfo")
        .and_then(|i| i.get("errorInformation"));
    let error_text = |key: &str| {
        error
            .and_then(|x| x.get(key))
            .and_then(Json::as_str)
            .filter(|t| !t.is_empty())
    };
    let status_text = status(decides);
    let reason = error_text("reason")
        .map(str::to_owned)
        .or_else(|| step_description(decides, "processing"))
        .unwrap_or_else(|| {
            if status_text == "failure" {
                "failed".to_owned()
            } else {
                String::new()
            }
        });
    let mut attributes: Vec<String> = Vec::new();
    for e in entries
        .iter()
        .filter(|e| matches!(status(e), "success" | "warning"))
    {
        let props = e.get("modifiedProperties").and_then(Json::as_array);
        for name in props
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("displayName").and_then(Json::as_str))
        {
            if !attributes.iter().any(|a| a == name) {
                attributes.push(name.to_owned());
            }
        }
    }
    CycleVerdict {
        cycle_id,
        action: decides
            .get("provisioningAction")
            .and_then(Json::as_str)
            .unwrap_or("other")
            .to_owned(),
        status: status_text.to_owned(),
        error_code: error_text("errorCode").map(str::to_owned),
        reason,
        attributes,
        actions: CycleVerdict::action_statuses(entries),
    }
}

/// An object's row from its entries: the verdict of the last cycle that logged it (action,
/// status, error code and reason of one entry; the earlier cycles are in its details), and
/// the attributes written to it over the run. Returns every cycle's verdict, in order.
pub fn summarise(view: &mut ObjectView) -> Vec<CycleVerdict> {
    let all = verdicts(&view.entries);
    let mut attributes: BTreeSet<&str> = BTreeSet::new();
    for v in &all {
        attributes.extend(v.attributes.iter().map(String::as_str));
    }
    view.attributes = attributes.into_iter().map(str::to_owned).collect();
    match all.last() {
        Some(last) => {
            view.action = last.action.clone();
            view.status = last.status.clone();
            view.error_code = last.error_code.clone();
            view.reason = last.reason.clone();
        }
        None => {
            view.action = "none".to_owned();
            view.status = "none".to_owned();
            view.error_code = None;
            view.reason =
                "no entry: not evaluated (an incremental cycle reads only what changed)".to_owned();
        }
    }
    all
}

/// The description of an entry's first step of `step_type` (the processing step says what
/// Entra decided and why), else of its last step. Without the step's name: the row's action
/// and status columns already say it, and at 100,000 rows every byte of a reason counts.
fn step_description(entry: &Json, step_type: &str) -> Option<String> {
    let steps = entry.get("provisioningSteps")?.as_array()?;
    let step = steps
        .iter()
        .find(|s| s.get("provisioningStepType").and_then(Json::as_str) == Some(step_type))
        .or_else(|| steps.last())?;
    Some(step.get("description")?.as_str()?.to_owned())
}

/// A request as the `.http` transcript shows it: the request line, then the body (compact:
/// the page indents it when it is shown).
fn http_text(r: &Request<'_>) -> String {
    let mut s = format!("{} {} HTTP/1.1", r.method, r.path);
    if let Some(body) = r.body {
        s.push('\n');
        s.push_str(&body.to_string());
    }
    s
}

fn text(value: Option<SourceRef<'_>>) -> Option<&str> {
    match value? {
        SourceRef::Str(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

fn count(label: &str, n: usize) -> Count {
    Count {
        label: label.to_owned(),
        n,
    }
}

/// The chart's actions, in order: the provisioning log's (Graph's provisioningAction values).
/// A skipped entry is counted under its own action, as a skipped part of its bar.
const CHART_ACTIONS: [&str; 6] = [
    "create",
    "update",
    "disable",
    "delete",
    "stagedDelete",
    "other",
];

/// One cycle's verdicts, counted.
#[derive(Default)]
struct Tally {
    /// Per provisioning action: objects, by status.
    actions: BTreeMap<String, ActionCount>,
    /// Per attribute written: objects.
    attributes: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, v: &CycleVerdict) {
        for a in &v.actions {
            // An action outside the chart's (none today) is counted as `other`.
            let action = if CHART_ACTIONS.contains(&a.action.as_str()) {
                a.action.as_str()
            } else {
                "other"
            };
            let count = self.actions.entry(action.to_owned()).or_default();
            count.objects += 1;
            match a.status.as_str() {
                "failure" => count.failed += 1,
                "skipped" => count.skipped += 1,
                _ => count.succeeded += 1,
            }
        }
        for a in &v.attributes {
            *self.attributes.entry(a.clone()).or_default() += 1;
        }
    }
}

/// The bars of a cycle's chart: one row per action, the largest filling [`CHART_WIDTH`],
/// its failed objects a part of it from its start, then its skipped ones.
fn bars(actions: &[ActionCount]) -> Vec<Bar> {
    let max = actions.iter().map(|c| c.objects).max().unwrap_or(0).max(1);
    // A count above zero always shows, however small beside the largest.
    let width = |n: usize| {
        if n == 0 {
            0
        } else {
            ((n as u64 * CHART_WIDTH as u64 / max as u64) as u32).max(2)
        }
    };
    actions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let failed_width = width(c.failed);
            Bar {
                label: c.action.clone(),
                n: c.objects,
                failed: c.failed,
                skipped: c.skipped,
                y: i as u32 * 18,
                width: width(c.objects),
                failed_width,
                skipped_width: width(c.skipped),
                skipped_x: BAR_X + failed_width,
                class: format!("bar-{}", c.action),
            }
        })
        .collect()
}

/// Where a cycle chart's bars start, in SVG units (the labels are to their left); the
/// template draws them from the same x.
const BAR_X: u32 = 90;

/// The widest bar of a cycle chart, in SVG units.
const CHART_WIDTH: u32 = 300;

/// `check`'s findings as the page shows them, with the mapping line each points at.
pub fn check_findings(report: &check::CheckReport, text: &str) -> Vec<FindingView> {
    report
        .findings
        .iter()
        .map(|f| {
            let line = f.position.as_ref().map(|p| p.line);
            FindingView {
                code: f.code().to_owned(),
                severity: match f.severity() {
                    check::CheckSeverity::Error => "error",
                    check::CheckSeverity::Warning => "warning",
                }
                .to_owned(),
                message: f.message.clone(),
                why: f.why().to_owned(),
                fix: f.fix.clone(),
                target: f.target.clone(),
                line,
                line_text: line
                    .and_then(|l| text.lines().nth(l.saturating_sub(1)))
                    .map(|t| t.trim_end().to_owned()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(action: &str, objects: usize, failed: usize) -> ActionCount {
        ActionCount {
            action: action.to_owned(),
            objects,
            succeeded: objects - failed,
            failed,
            skipped: 0,
        }
    }

    #[test]
    fn bars_scale_to_the_largest_count_and_a_nonzero_count_always_shows() {
        let b = bars(&[
            action("create", 1000, 500),
            action("update", 1, 1),
            action("delete", 0, 0),
        ]);
        assert_eq!(b[0].width, CHART_WIDTH);
        assert_eq!(b[0].failed_width, CHART_WIDTH / 2);
        assert_eq!(b[1].width, 2);
        assert_eq!(b[1].failed_width, 2);
        assert_eq!(b[2].width, 0);
        assert_eq!(b[2].y, 36);
    }
}
