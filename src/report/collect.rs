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

use super::{Bar, Count, CycleView, FindingView, MappingRows, ObjectView, RequestView};
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
    summary: Summary,
    /// Cycle notes that belong to no object (the accidental-deletions guard, retries).
    cycle_notes: BTreeMap<u32, Vec<String>>,
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
}

/// One object and what happened to it so far.
struct Tracked {
    view: ObjectView,
    /// Attributes written (the entries' modifiedProperties), each once.
    attributes: BTreeSet<String>,
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
        tracked.attributes.extend(
            entry
                .modified_properties
                .iter()
                .map(|m| m.display_name.clone()),
        );
        tracked.view.entries.push(raw(entry));
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
                id: id.to_owned(),
                kind,
                name: name.to_owned(),
                display_name: display.filter(|d| *d != name).map(str::to_owned),
                actions: Vec::new(),
                status: String::new(),
                reason: String::new(),
                error_code: None,
                attributes: Vec::new(),
                entries: Vec::new(),
                tables: Vec::new(),
                requests: Vec::new(),
            },
            attributes: BTreeSet::new(),
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
            cycle_notes: BTreeMap::new(),
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
        self.summary.note(cycle, text.clone());
        self.cycle_notes.entry(cycle).or_default().push(text);
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
        let cycles = self
            .summary
            .cycles
            .iter()
            .enumerate()
            .filter(|(_, c)| c.full.is_some())
            .map(|(i, c)| {
                let cycle = i as u32 + 1;
                let counts = vec![
                    count("create", c.creates),
                    count("update", c.updates),
                    count("disable", c.disables),
                    count("delete", c.deletes),
                    count("membership", c.membership),
                    count("read", c.reads),
                    count("error", c.errors),
                    count("failed", c.failed),
                ];
                let mut attributes: Vec<Count> =
                    c.attributes.iter().map(|(k, n)| count(k, *n)).collect();
                attributes.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.label.cmp(&b.label)));
                let mut notes: Vec<String> = c
                    .not_sent
                    .iter()
                    .map(|(k, n)| format!("{n} not sent: {k}"))
                    .collect();
                notes.extend(self.cycle_notes.remove(&cycle).unwrap_or_default());
                CycleView {
                    cycle,
                    full: c.full,
                    bars: bars(&counts),
                    counts,
                    attributes,
                    notes,
                }
            })
            .collect();
        let objects = self
            .recorder
            .into_out()
            .objects
            .into_iter()
            .map(|t| {
                let mut view = t.view;
                view.attributes = t.attributes.into_iter().collect();
                summarise(&mut view);
                view
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
        self.summary.add_outcomes(cycle, failures, notes);
        self.recorder.end_cycle(quarantine);
        self.recorder.out_mut().finish_tables(&self.tables, cycle);
        if let Some(q) = quarantine {
            self.cycle_note(cycle, q.describe(cycle));
        }
    }
    fn job_lines(&mut self, cycle: u32, lines: &[String]) {
        for line in lines {
            self.cycle_note(cycle, line.clone());
        }
    }
    /// The page is written by the caller once the run is over; gathering cannot fail.
    fn failed(&self) -> bool {
        false
    }
    fn finish(&mut self, _complete: bool) -> io::Result<()> {
        Ok(())
    }
}

/// An object's row from its entries: the actions, the outcome, the reason and error code.
/// Reads only the provisioningObjectSummary shape, so entries from Entra's own log (or any
/// source of that shape) summarise the same way.
///
/// A skipped entry's `provisioningAction` is what Entra would have done (a user out of scope
/// is logged as a skipped `create`), so only entries that did or tried something give the row
/// its actions; a row whose every entry was skipped shows `other`. The status is `failure`
/// when any entry failed, else `success` when any wrote, else `skipped` (or `warning`), else
/// `none`; the error code is the failure's, else the last skip reason
/// (`NotEffectivelyEntitled`, `RedundantExport`, ...), so the code filter finds both.
pub fn summarise(view: &mut ObjectView) {
    let mut actions: Vec<String> = Vec::new();
    let (mut failed, mut skipped, mut succeeded) = (false, false, false);
    let mut reason = String::new();
    let mut code = None;
    let mut skip_reason = String::new();
    let mut skip_code = None;
    for raw in &view.entries {
        let Ok(e) = serde_json::from_str::<Json>(raw.get()) else {
            continue;
        };
        let e = &e;
        let info = e.get("provisioningStatusInfo");
        let status = info.and_then(|i| i.get("status")).and_then(Json::as_str);
        let error = info.and_then(|i| i.get("errorInformation"));
        let error_text = |key: &str| error.and_then(|x| x.get(key)).and_then(Json::as_str);
        if let Some(a) = e.get("provisioningAction").and_then(Json::as_str)
            && a != "other"
            && !matches!(status, Some("skipped"))
            && !actions.iter().any(|x| x == a)
        {
            actions.push(a.to_owned());
        }
        match status {
            Some("failure") => {
                failed = true;
                reason = error_text("reason").unwrap_or("failed").to_owned();
                code = error_text("errorCode").map(str::to_owned);
            }
            Some("skipped") | Some("warning") => {
                skipped = true;
                skip_reason = error_text("reason")
                    .map(str::to_owned)
                    .or_else(|| step_description(e, "processing"))
                    .unwrap_or_default();
                skip_code = error_text("errorCode").map(str::to_owned);
            }
            Some("success") => {
                succeeded = true;
                if !failed {
                    reason = step_description(e, "processing").unwrap_or_default();
                }
            }
            _ => {}
        }
    }
    if actions.is_empty() && !view.entries.is_empty() {
        actions.push("other".to_owned());
    }
    view.status = if failed {
        "failure"
    } else if succeeded {
        "success"
    } else if skipped {
        "skipped"
    } else {
        "none"
    }
    .to_owned();
    if !failed && !succeeded {
        reason = skip_reason;
    }
    if view.entries.is_empty() {
        reason =
            "no entry: not evaluated (an incremental cycle reads only what changed)".to_owned();
    }
    view.actions = actions;
    view.reason = reason;
    view.error_code = code.or(skip_code);
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

/// The bars of a cycle's chart: one row per count, the largest filling [`CHART_WIDTH`].
fn bars(counts: &[Count]) -> Vec<Bar> {
    let max = counts.iter().map(|c| c.n).max().unwrap_or(0).max(1);
    counts
        .iter()
        .enumerate()
        .map(|(i, c)| Bar {
            label: c.label.clone(),
            n: c.n,
            y: i as u32 * 18,
            // A count above zero always shows, however small beside the largest.
            width: if c.n == 0 {
                0
            } else {
                ((c.n as u64 * CHART_WIDTH as u64 / max as u64) as u32).max(2)
            },
            class: format!("bar-{}", c.label),
        })
        .collect()
}

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

    #[test]
    fn bars_scale_to_the_largest_count_and_a_nonzero_count_always_shows() {
        let b = bars(&[
            count("create", 1000),
            count("update", 1),
            count("delete", 0),
        ]);
        assert_eq!(b[0].width, CHART_WIDTH);
        assert_eq!(b[1].width, 2);
        assert_eq!(b[2].width, 0);
        assert_eq!(b[2].y, 36);
    }
}
