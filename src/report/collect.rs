//! Gathering a run into a [`Page`]'s cycles and objects, as the cycles go: every object of
//! every snapshot gets a row, and every request, failure and note lands on its object.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::HashMap;
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};

use super::{Bar, CheckFinding, Count, CycleView, ObjectView, RequestView};
use crate::check;
use crate::model::source::{Source, SourceRef};
use crate::provision::cycle::{Action, Failure, Note, NoteKind, Request};
use crate::provision::directory::Directory;
use crate::provision::transcript::{Redactions, Summary};

/// What a run did, object by object and cycle by cycle, gathered while the cycles run.
#[derive(Debug, Default)]
pub struct Collector {
    /// The values `Redact()` produced, masked in every request before it is kept: a page is
    /// mailed around like the `.http` transcript, which masks them too.
    redactions: Redactions,
    objects: Vec<Tracked>,
    index: HashMap<String, usize>,
    summary: Summary,
    /// The clock of each cycle, for the entries' `activityDateTime`.
    times: BTreeMap<u32, String>,
    /// Cycle notes that belong to no object (the accidental-deletions guard).
    cycle_notes: BTreeMap<u32, Vec<String>>,
}

/// One object and what happened to it so far.
#[derive(Debug)]
struct Tracked {
    view: ObjectView,
    /// The entry being built for the object's latest cycle.
    open: Option<Entry>,
    /// Attributes written, each once.
    attributes: BTreeSet<String>,
}

/// A provisioningObjectSummary in the making: one object in one cycle.
#[derive(Debug)]
struct Entry {
    cycle: u32,
    /// When the cycle ran (RFC 3339), when known.
    time: Option<String>,
    action: Option<&'static str>,
    failed: Option<(Option<String>, String)>,
    skipped: Option<String>,
    target_id: Option<String>,
    /// The steps and modified properties as JSON text: every object's entry of a cycle is
    /// open until the cycle ends, and as parsed values they took ten times the memory.
    steps: Vec<Box<RawValue>>,
    modified: Vec<Box<RawValue>>,
}

/// A value as its JSON text.
fn raw(value: Json) -> Box<RawValue> {
    // Serializing a `Value` cannot fail; the fallback is never taken.
    serde_json::value::to_raw_value(&value)
        .unwrap_or_else(|_| RawValue::from_string("null".to_owned()).expect("null is JSON"))
}

impl Collector {
    /// An empty run, masking the values `redactions` names (`Redactions::from_mapping`).
    pub fn new(redactions: Redactions) -> Collector {
        Collector {
            redactions,
            ..Collector::default()
        }
    }

    /// Give every user and group of `directory` a row (in file order), once; an object seen
    /// in an earlier snapshot keeps its row and takes this snapshot's names.
    pub fn add_directory(&mut self, directory: &Directory) {
        for u in &directory.users {
            let display = text(u.record.attribute("displayName"));
            self.object(&u.object_id, "user", u.label(), display);
        }
        for g in &directory.groups {
            self.object(&g.object_id, "group", g.label(), None);
        }
    }

    /// Start cycle `cycle` (full or incremental), which runs at `time` (RFC 3339).
    pub fn begin_cycle(&mut self, cycle: u32, full: bool, time: Option<String>) {
        self.summary.begin_cycle(cycle, full);
        if let Some(t) = time {
            self.times.insert(cycle, t);
        }
    }

    /// Account for one request Entra sent (its redacted values masked).
    pub fn request(&mut self, r: &Request<'_>) {
        let masked = self.redactions.mask(r);
        let r = &masked.as_ref().map_or(*r, |m| m.apply(r));
        self.summary.add(r);
        let kind = if r.path.starts_with("/Groups") {
            "group"
        } else {
            "user"
        };
        let i = self.object(r.object, kind, r.label, None);
        let time = self.times.get(&r.cycle);
        let tracked = &mut self.objects[i];
        let mut written_names = Vec::new();
        let entry = tracked.entry(r.cycle, time);
        let ok = (200..300).contains(&r.status);
        let line = format!("{} {}", r.method, r.path);
        let step_status = if ok { "success" } else { "failure" };
        let (name, step_type, description) = match r.action {
            Action::Match => {
                let found = r
                    .response
                    .and_then(|v| v.get("totalResults"))
                    .and_then(Json::as_u64);
                let what = match (ok, found) {
                    (true, Some(0)) => "no account found: Entra creates one".to_owned(),
                    (true, Some(1)) => "one account found: Entra links it".to_owned(),
                    (true, Some(n)) => format!("{n} accounts found"),
                    (true, None) => "answered".to_owned(),
                    (false, _) => format!("answered {}", r.status),
                };
                ("Match", "matching", format!("{line}: {what}"))
            }
            Action::Read => (
                "Read the linked object",
                "import",
                format!("{line}: answered {}", r.status),
            ),
            Action::LinkManager => (
                "Set the manager",
                "referenceResolution",
                format!("{line}: answered {}", r.status),
            ),
            Action::AddMembers | Action::RemoveMembers => (
                step_name(r.action),
                "referenceResolution",
                format!("{line}: answered {}", r.status),
            ),
            Action::Create | Action::Update | Action::Disable | Action::Delete => (
                step_name(r.action),
                "export",
                format!("{line}: answered {}", r.status),
            ),
        };
        entry.steps.push(raw(json!({
            "name": name,
            "provisioningStepType": step_type,
            "status": step_status,
            "description": description,
            "details": {},
        })));
        if let Some(action) = provisioning_action(r.action) {
            // The strongest action of the cycle names the entry, as the log has one per object.
            if entry.action.is_none_or(|a| rank(a) < rank(action)) {
                entry.action = Some(action);
            }
        }
        if r.method != "GET" {
            for (name, value) in written(r.body) {
                entry.modified.push(raw(json!({
                    "displayName": name,
                    "oldValue": null,
                    "newValue": value,
                })));
                written_names.push(name);
            }
        }
        if entry.target_id.is_none() {
            entry.target_id = target_id(r);
        }
        if !ok {
            let detail = r
                .response
                .and_then(|v| v.get("detail"))
                .and_then(Json::as_str)
                .map_or_else(String::new, |d| format!(": {d}"));
            entry.failed = Some((None, format!("{line} answered {}{detail}", r.status)));
        }
        let response = (!ok)
            .then(|| {
                r.response
                    .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
            })
            .flatten();
        tracked.attributes.extend(written_names);
        tracked.view.requests.push(RequestView {
            cycle: r.cycle,
            action: r.action.as_str(),
            http: http_text(r),
            status: r.status,
            response,
        });
    }

    /// Account for cycle `cycle`'s failed objects and its notes (notes of other cycles in
    /// `notes` are skipped, so a caller may pass every note so far).
    pub fn outcomes(&mut self, cycle: u32, failures: &[Failure], notes: &[Note]) {
        self.summary.add_outcomes(cycle, failures, notes);
        for f in failures {
            let i = self.object(&f.object, "user", &f.object, None);
            let entry = self.objects[i].entry(cycle, self.times.get(&cycle));
            let code = error_code(&f.message).map(str::to_owned);
            entry.steps.push(raw(json!({
                "name": "Process",
                "provisioningStepType": "processing",
                "status": "failure",
                "description": f.message,
                "details": {},
            })));
            entry.failed = Some((code, f.message.clone()));
        }
        for n in notes.iter().filter(|n| n.cycle == cycle) {
            let i = self.object(&n.object, "user", &n.label, None);
            let entry = self.objects[i].entry(cycle, self.times.get(&cycle));
            let skipped = n.kind == NoteKind::ImportSkipped;
            entry.steps.push(raw(json!({
                "name": n.kind.as_str(),
                "provisioningStepType": if skipped { "import" } else { "referenceResolution" },
                "status": if skipped { "skipped" } else { "warning" },
                "description": n.message,
                "details": {},
            })));
            entry.skipped = Some(n.message.clone());
        }
    }

    /// A note about cycle `cycle` as a whole (what the accidental-deletions guard staged).
    pub fn cycle_note(&mut self, cycle: u32, text: String) {
        self.summary.note(cycle, text.clone());
        self.cycle_notes.entry(cycle).or_default().push(text);
    }

    /// The cycles' charts and the objects' rows, in directory order.
    pub fn finish(mut self) -> (Vec<CycleView>, Vec<ObjectView>) {
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
            .objects
            .into_iter()
            .map(|mut t| {
                t.close();
                t.view.attributes = t.attributes.into_iter().collect();
                summarise(&mut t.view);
                t.view
            })
            .collect();
        (cycles, objects)
    }

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
                requests: Vec::new(),
            },
            open: None,
            attributes: BTreeSet::new(),
        });
        self.index.insert(id.to_owned(), i);
        i
    }
}

impl Tracked {
    /// The entry of `cycle` (which ran at `time`), closing the one of an earlier cycle.
    fn entry(&mut self, cycle: u32, time: Option<&String>) -> &mut Entry {
        if self.open.as_ref().is_some_and(|e| e.cycle != cycle) {
            self.close();
        }
        self.open.get_or_insert_with(|| Entry {
            cycle,
            time: time.cloned(),
            action: None,
            failed: None,
            skipped: None,
            target_id: None,
            steps: Vec::new(),
            modified: Vec::new(),
        })
    }

    /// Turn the open entry into its provisioningObjectSummary JSON.
    fn close(&mut self) {
        let Some(e) = self.open.take() else {
            return;
        };
        let status = if e.failed.is_some() {
            "failure"
        } else if e.action.is_none() && e.skipped.is_some() {
            "skipped"
        } else {
            "success"
        };
        let error = e.failed.map(|(code, reason)| {
            json!({
                "errorCode": code,
                "reason": reason,
                "additionalDetails": null,
                "recommendedAction": null,
            })
        });
        let identity_type = if self.view.kind == "group" {
            "Group"
        } else {
            "User"
        };
        let display = self
            .view
            .display_name
            .clone()
            .unwrap_or_else(|| self.view.name.clone());
        let entry = json!({
            "id": format!("{}-{}", e.cycle, self.view.id),
            "activityDateTime": e.time,
            "cycleId": e.cycle.to_string(),
            "provisioningAction": e.action.unwrap_or("other"),
            "provisioningStatusInfo": {"status": status, "errorInformation": error},
            "provisioningSteps": e.steps,
            "modifiedProperties": e.modified,
            "sourceIdentity": {"id": self.view.id, "displayName": display, "identityType": identity_type},
            "targetIdentity": {"id": e.target_id, "displayName": display, "identityType": identity_type},
        });
        self.view.entries.push(raw(entry));
    }
}

/// An object's row from its entries: the actions, the outcome, the reason and error code.
/// Reads only the provisioningObjectSummary shape, so entries from Entra's own log (or any
/// source of that shape) summarise the same way.
pub fn summarise(view: &mut ObjectView) {
    let mut actions: Vec<String> = Vec::new();
    let (mut failed, mut skipped, mut succeeded) = (false, false, false);
    let mut reason = String::new();
    let mut code = None;
    for raw in &view.entries {
        let Ok(e) = serde_json::from_str::<Json>(raw.get()) else {
            continue;
        };
        let e = &e;
        if let Some(a) = e.get("provisioningAction").and_then(Json::as_str)
            && a != "other"
            && !actions.iter().any(|x| x == a)
        {
            actions.push(a.to_owned());
        }
        let info = e.get("provisioningStatusInfo");
        match info.and_then(|i| i.get("status")).and_then(Json::as_str) {
            Some("failure") => {
                failed = true;
                let error = info.and_then(|i| i.get("errorInformation"));
                reason = error
                    .and_then(|x| x.get("reason"))
                    .and_then(Json::as_str)
                    .unwrap_or("failed")
                    .to_owned();
                code = error
                    .and_then(|x| x.get("errorCode"))
                    .and_then(Json::as_str)
                    .map(str::to_owned);
            }
            Some("skipped") | Some("warning") => {
                skipped = true;
                if !failed {
                    reason = last_description(e).unwrap_or_default();
                }
            }
            Some("success") => {
                succeeded = true;
                if !failed && !skipped {
                    reason = last_description(e).unwrap_or_default();
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
    } else if skipped {
        "skipped"
    } else if succeeded {
        "success"
    } else {
        "none"
    }
    .to_owned();
    if view.entries.is_empty() {
        reason = "no request: not in scope, or not evaluated (unchanged since it was last \
                  evaluated)"
            .to_owned();
    }
    view.actions = actions;
    view.reason = reason;
    view.error_code = code;
}

/// The last step of an entry as `name: description` (`Disable: PATCH /Users/… answered 200`).
fn last_description(entry: &Json) -> Option<String> {
    let step = entry.get("provisioningSteps")?.as_array()?.last()?;
    let description = step.get("description")?.as_str()?;
    Some(match step.get("name").and_then(Json::as_str) {
        Some(name) if !name.is_empty() => format!("{name}: {description}"),
        _ => description.to_owned(),
    })
}

/// Entra's error code at the start of a failure message (`DuplicateTargetEntries: ...`), when
/// the message starts with one: a capitalised word of letters before a colon.
pub fn error_code(message: &str) -> Option<&str> {
    let (head, _) = message.split_once(':')?;
    let is_code = head.len() >= 3
        && head.starts_with(|c: char| c.is_ascii_uppercase())
        && head.chars().all(|c| c.is_ascii_alphanumeric())
        && head.chars().any(|c| c.is_ascii_lowercase());
    is_code.then_some(head)
}

/// A write's step name, as a card title.
fn step_name(action: Action) -> &'static str {
    match action {
        Action::Create => "Create",
        Action::Update => "Update",
        Action::Disable => "Disable",
        Action::Delete => "Delete",
        Action::AddMembers => "Add members",
        Action::RemoveMembers => "Remove members",
        Action::LinkManager => "Set the manager",
        Action::Match => "Match",
        Action::Read => "Read the linked object",
    }
}

/// Graph's provisioningAction for a request, or none for a read.
fn provisioning_action(action: Action) -> Option<&'static str> {
    match action {
        Action::Match | Action::Read => None,
        Action::Create => Some("create"),
        Action::Update | Action::LinkManager | Action::AddMembers | Action::RemoveMembers => {
            Some("update")
        }
        Action::Disable => Some("disable"),
        Action::Delete => Some("delete"),
    }
}

/// Which action names an entry with several: the one that changes the most.
fn rank(action: &str) -> u8 {
    match action {
        "update" => 1,
        "create" => 2,
        "disable" => 3,
        "delete" => 4,
        _ => 0,
    }
}

/// The target attributes a POST or PATCH body writes, with their values as JSON text.
fn written(body: Option<&Json>) -> Vec<(String, String)> {
    let Some(Json::Object(body)) = body else {
        return Vec::new();
    };
    let show = |v: &Json| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = Vec::new();
    if let Some(Json::Array(ops)) = body.get("Operations") {
        for op in ops {
            let verb = op.get("op").and_then(Json::as_str).unwrap_or("");
            let value = op.get("value").map_or_else(String::new, show);
            match op.get("path").and_then(Json::as_str) {
                Some(p) => out.push((p.to_owned(), format!("{verb} {value}").trim().to_owned())),
                None => {
                    if let Some(Json::Object(v)) = op.get("value") {
                        for (k, v) in v {
                            out.push((k.clone(), format!("{verb} {}", show(v))));
                        }
                    }
                }
            }
        }
        return out;
    }
    for (k, v) in body {
        match (k.as_str(), v) {
            ("schemas" | "meta", _) => {}
            (k, Json::Object(inner)) if k.starts_with("urn:") => {
                for (name, v) in inner {
                    out.push((format!("{k}:{name}"), show(v)));
                }
            }
            (k, v) => out.push((k.to_owned(), show(v))),
        }
    }
    out
}

/// The app's id of the object, from a create's answer or the request's path.
fn target_id(r: &Request<'_>) -> Option<String> {
    if r.action == Action::Create {
        return r
            .response
            .and_then(|v| v.get("id"))
            .and_then(Json::as_str)
            .map(str::to_owned);
    }
    let rest = r
        .path
        .strip_prefix("/Users/")
        .or_else(|| r.path.strip_prefix("/Groups/"))?;
    Some(rest.split(['?', '/']).next()?.to_owned())
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
pub fn check_findings(report: &check::Report, text: &str) -> Vec<CheckFinding> {
    report
        .findings
        .iter()
        .map(|f| {
            let line = f.position.as_ref().map(|p| p.line);
            CheckFinding {
                code: f.code().to_owned(),
                severity: match f.severity() {
                    check::Severity::Error => "error",
                    check::Severity::Warning => "warning",
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
    fn error_codes_are_the_capitalised_word_before_a_colon() {
        assert_eq!(
            error_code("DuplicateTargetEntries: the match query found several"),
            Some("DuplicateTargetEntries")
        );
        assert_eq!(
            error_code("InvalidAnchor: GET returned 404"),
            Some("InvalidAnchor")
        );
        assert_eq!(error_code("match query failed with 500"), None);
        assert_eq!(error_code("HTTP: 500"), None);
        assert_eq!(error_code("no colon here"), None);
    }

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

    #[test]
    fn written_attributes_come_from_post_keys_and_patch_paths_or_values() {
        let post = json!({"schemas": ["x"], "userName": "a", "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D"}});
        let names: Vec<String> = written(Some(&post)).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "userName",
                "active",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            ]
        );
        let patch = json!({"Operations": [
            {"op": "Replace", "path": "title", "value": "CEO"},
            {"op": "replace", "value": {"displayName": "B", "active": false}}]});
        assert_eq!(
            written(Some(&patch)),
            [
                ("title".to_owned(), "Replace CEO".to_owned()),
                ("displayName".to_owned(), "replace B".to_owned()),
                ("active".to_owned(), "replace false".to_owned()),
            ]
        );
    }
}
