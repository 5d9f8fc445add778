//! What `live` found, as data (`--format json` serialises it as is) and as text for people.
//!
//! Much of a report is text the app wrote (a SCIM `detail`, an id, a returned value), which
//! may be anything: [`LiveReport::bound`] clips each such text to [`MAX_TEXT`] bytes with a note,
//! so a 7 MB `detail` cannot flood a terminal or a CI log, and [`visible`] shows control
//! characters and escape sequences as escapes, so that the app cannot drive the reader's
//! terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value as Json;

use super::explain::Evidence;
use super::http::Fault;
use super::owner::Foreign;

/// The outcome of a live run.
#[derive(Clone, Debug, Serialize)]
pub struct LiveReport {
    /// The tenant URL, as given.
    pub url: String,
    /// `legacy` or `compliant`.
    pub dialect: &'static str,
    /// The prefix put on the directory's identifying values.
    pub prefix: String,
    /// The seed of the run's random values (pass it as `--seed` to repeat them).
    pub seed: u64,
    /// Entra's Test Connection request and what the app answered.
    pub test_connection: TestConnection,
    /// One entry per cycle run, in order.
    pub cycles: Vec<CycleReport>,
    /// 429 answers waited out.
    pub throttled: u32,
    /// What `--cleanup` deleted and what it could not, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<Cleanup>,
    /// Whether `--probe` tested the causes of rejections.
    pub probed: bool,
    /// The findings, grouped by cause, most serious first: what a vendor reads first.
    pub findings: Vec<LiveFinding>,
    /// Resources of match answers the run refused to link (not the filter's, or not the
    /// run's), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub foreign: Vec<Foreign>,
    /// Writes the guard did not send because their object is not the run's (`METHOD path`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused_writes: Vec<String>,
    /// What stopped the run early, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// Whether an interrupt or the deadline ended the run before its last cycle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
    /// The verdict, as the exit code of `entramap live` reports it.
    pub result: Verdict,
}

/// The verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every request accepted, steady state reached, cleanup complete (exit 0).
    Agrees,
    /// The app disagrees with Entra, or cleanup left objects behind (exit 1).
    Disagrees,
    /// The app refused the credentials (exit 3).
    AuthFailed,
    /// The app gave no HTTP answer (exit 4).
    NetworkError,
    /// The deadline was reached before the run ended (exit 4, as for no answer).
    DeadlineReached,
    /// Interrupted (SIGINT, SIGTERM) before the run ended (exit 130).
    Interrupted,
}

/// What ended a run early from outside the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stopped {
    /// An interrupt (SIGINT, SIGTERM).
    Interrupted,
    /// The run's deadline.
    DeadlineReached,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stopped::Interrupted => "interrupted",
            Stopped::DeadlineReached => "the deadline was reached",
        })
    }
}

impl Verdict {
    /// The sentence the human report ends with.
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::Agrees => "the app agrees with Entra",
            Verdict::Disagrees => "the app DISAGREES with Entra",
            Verdict::AuthFailed => "authentication failed, the run stopped",
            Verdict::NetworkError => "network error, the run stopped",
            Verdict::DeadlineReached => "the deadline was reached, the run stopped",
            Verdict::Interrupted => "interrupted, the run stopped",
        }
    }
}

/// Entra's Test Connection: a filter on a random value that must answer 200 with an empty list.
#[derive(Clone, Debug, Serialize)]
pub struct TestConnection {
    /// The request line's path and query.
    pub request: String,
    /// The answer's status (0 when there was none).
    pub status: u16,
    /// Whether the answer is what Entra requires.
    pub passed: bool,
    /// Why it did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// What happened in one cycle.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CycleReport {
    /// From 1.
    pub cycle: u32,
    /// Requests Entra sent.
    pub requests: usize,
    /// POST, PATCH and DELETE requests among them.
    pub writes: usize,
    /// Requests the app answered with an error where Entra expects success.
    pub rejected: Vec<Rejection>,
    /// Objects Entra could not process this cycle (its provisioning log's errors).
    pub failed_objects: Vec<ObjectFailure>,
    /// Attributes where the app's resource (read by GET after the cycle) differs from the
    /// in-memory model's.
    pub model_differences: Vec<Difference>,
    /// Whether this cycle repeats the previous snapshot, so that it should send no writes.
    pub repeat: bool,
    /// For a repeat cycle: whether it sent no writes (steady state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steady: Option<bool>,
    /// For a repeat cycle: the attribute PATCHes Entra sent again, each one a PATCH it will
    /// send every cycle.
    pub endless_patches: Vec<EndlessPatch>,
}

/// A request the app rejected.
#[derive(Clone, Debug, Serialize)]
pub struct Rejection {
    /// The object's readable name.
    pub object: String,
    /// Why Entra sent it (`create`, `link-manager`, ...).
    pub action: &'static str,
    /// Method and path.
    pub request: String,
    /// The answer's status.
    pub status: u16,
    /// The SCIM `scimType`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    /// The SCIM `detail`, or the body's text.
    pub detail: String,
    /// The stable id of the cause, when one is suggested (listed in the README).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause_id: Option<&'static str>,
    /// How sure the cause is: observed in the answer, a hypothesis from the request's shape,
    /// or confirmed or refuted by `--probe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    /// What `--probe` sent and what the app answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// What Entra does that the app may not accept, when a cause is suggested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// What the vendor would change, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// An object Entra failed this cycle.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectFailure {
    /// The object's readable name.
    pub object: String,
    /// Entra's reason.
    pub message: String,
    /// The model, run on the same snapshot, fails the object with the same reason: Entra
    /// fails it whatever the app does (a DuplicateSourceEntries in the directory, an
    /// expression that fails), so it is no disagreement of the app's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub also_in_model: bool,
}

/// One attribute on which the app and the model disagree after a cycle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    /// The object's readable name.
    pub object: String,
    /// `User` or `Group`.
    pub kind: &'static str,
    /// The target attribute (mapping row target, `members`, or `(linked)`).
    pub attribute: String,
    /// What the model holds (absent: `null`).
    pub model: Option<Json>,
    /// What the app returned (absent: `null`).
    pub app: Option<Json>,
    /// Whether Entra's change detection sees the difference (case-insensitive text, Booleans by
    /// truth value, sets for multi-valued). When false it is cosmetic for Entra.
    pub entra_notices: bool,
    /// The rejected request this difference follows from (the model accepted it), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explained_by: Option<String>,
    /// That rejection, as its cycle and index in the cycle's list, so the difference is
    /// listed as a consequence of its cause.
    #[serde(skip)]
    pub explained_cause: Option<(u32, usize)>,
}

/// An attribute Entra will PATCH in every cycle, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndlessPatch {
    /// The object's readable name.
    pub object: String,
    /// The target attribute as Entra writes it in the PATCH.
    pub attribute: String,
    /// The value Entra sent.
    pub sent: Json,
    /// What the app returned afterwards (absent: `null`).
    pub returned: Option<Json>,
    /// The stable id of the cause (`endless-patch-not-stored`, ...).
    pub cause_id: &'static str,
    /// Why Entra sees a change every time.
    pub cause: String,
    /// What the vendor (or the admin) would change.
    pub fix: String,
}

/// `--cleanup`'s result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cleanup {
    /// Objects deleted and verified gone.
    pub deleted: usize,
    /// Objects still there, or whose delete failed: `Users/{id} (name): why`.
    pub left: Vec<String>,
    /// Among them, those the app answered DELETE for and keeps (deactivated, soft-deleted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Kept>,
}

/// An object the app keeps after a DELETE it accepted.
#[derive(Clone, Debug, Serialize)]
pub struct Kept {
    /// `User` or `Group`.
    pub kind: &'static str,
    /// The app's id.
    pub id: String,
    /// Its userName or displayName.
    pub name: String,
    /// `deactivated` (`active` false) or `still-there`.
    pub state: &'static str,
}

/// How serious a finding is; findings are listed in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LiveSeverity {
    /// The app made `live` (and would make Entra) link an account that is not the source
    /// object's: Entra would overwrite it.
    Ownership,
    /// Entra's Test Connection fails: the configuration cannot be saved.
    TestConnection,
    /// A request Entra sends is rejected (or its answer is unusable).
    Rejected,
    /// Entra would PATCH the same value every cycle.
    EndlessPatch,
    /// The app holds something else than the model after a cycle.
    ModelDifference,
    /// The app keeps, or could not delete, what the run created.
    Cleanup,
    /// A difference Entra's change detection does not see.
    Cosmetic,
}

/// One cause, with every occurrence counted and one example shown.
#[derive(Clone, Debug, Serialize)]
pub struct LiveFinding {
    /// The stable cause id (listed in the README).
    pub cause_id: String,
    /// How serious.
    pub severity: LiveSeverity,
    /// How sure the cause is.
    pub evidence: Evidence,
    /// What the app does.
    pub summary: String,
    /// What Entra does in front of it, when it matters to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entra: Option<String>,
    /// What the vendor would change, when known (never for a refuted cause).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// What `--probe` showed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// Occurrences (requests, resources, attributes) over the whole run.
    pub count: usize,
    /// The objects it hit, each once, in order.
    pub objects: Vec<String>,
    /// The attributes it concerns, each once, in order (for findings about attributes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// One occurrence, with the app's own words where there are some.
    pub example: String,
    /// What follows from it (model differences, objects Entra fails).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consequences: Vec<Consequence>,
}

/// What follows from a finding's cause.
#[derive(Clone, Debug, Serialize)]
pub struct Consequence {
    /// What, in a few words (`model differs on manager`).
    pub what: String,
    /// How many times.
    pub count: usize,
    /// One of them.
    pub example: String,
}

/// The most bytes of one text from the app that a report keeps.
pub const MAX_TEXT: usize = 1024;

/// `text` cut to [`MAX_TEXT`] bytes (at a character boundary), with a note of its full size.
pub fn clip(text: &mut String) {
    if text.len() <= MAX_TEXT {
        return;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let note = format!("… ({} bytes, clipped)", thousands(text.len()));
    text.truncate(end);
    text.push_str(&note);
}

/// A JSON value from the app, kept whole when its JSON text is short, else as that text
/// clipped (a string with the note).
fn clip_value(value: &mut Json) {
    let long = match value {
        Json::String(s) => s.len() > MAX_TEXT,
        Json::Array(_) | Json::Object(_) => value.to_string().len() > MAX_TEXT,
        _ => false,
    };
    if long {
        let mut text = match &mut *value {
            Json::String(s) => std::mem::take(s),
            other => other.to_string(),
        };
        clip(&mut text);
        *value = Json::String(text);
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `text` with every character a terminal could act on shown as a Rust-style escape
/// (`\u{1b}`): C0 and C1 controls and DEL (escape sequences start with one), and the
/// bidirectional overrides that reorder what is shown. Line breaks too: callers that keep a
/// multi-line text split it first.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether [`visible`] escapes `c`. JSON output escapes the same characters (as `\u00XX`).
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl LiveReport {
    /// Clip every text and value the app provided (see `clip`), in both formats' data.
    pub fn bound(&mut self) {
        let tc = &mut self.test_connection;
        clip(&mut tc.request);
        tc.problem.iter_mut().for_each(clip);
        for c in &mut self.cycles {
            for r in &mut c.rejected {
                for text in [&mut r.object, &mut r.request, &mut r.detail] {
                    clip(text);
                }
                for text in [&mut r.scim_type, &mut r.cause, &mut r.fix] {
                    text.iter_mut().for_each(clip);
                }
            }
            for f in &mut c.failed_objects {
                clip(&mut f.object);
                clip(&mut f.message);
            }
            for d in &mut c.model_differences {
                clip(&mut d.object);
                clip(&mut d.attribute);
                d.model.iter_mut().for_each(clip_value);
                d.app.iter_mut().for_each(clip_value);
                d.explained_by.iter_mut().for_each(clip);
            }
            for e in &mut c.endless_patches {
                clip(&mut e.object);
                clip(&mut e.attribute);
                clip_value(&mut e.sent);
                e.returned.iter_mut().for_each(clip_value);
                clip(&mut e.cause);
                clip(&mut e.fix);
            }
        }
        if let Some(c) = &mut self.cleanup {
            c.left.iter_mut().for_each(clip);
            for k in &mut c.kept {
                clip(&mut k.id);
                clip(&mut k.name);
            }
        }
        for f in &mut self.foreign {
            for text in [&mut f.request, &mut f.id, &mut f.name] {
                clip(text);
            }
        }
        self.refused_writes.iter_mut().for_each(clip);
        for f in &mut self.findings {
            for text in [&mut f.summary, &mut f.example] {
                clip(text);
            }
            for text in [&mut f.entra, &mut f.fix, &mut f.probe] {
                text.iter_mut().for_each(clip);
            }
            f.objects.iter_mut().for_each(clip);
            f.attributes.iter_mut().for_each(clip);
            for c in &mut f.consequences {
                clip(&mut c.what);
                clip(&mut c.example);
            }
        }
        match &mut self.fault {
            Some(Fault::Auth {
                request, detail, ..
            })
            | Some(Fault::Network { request, detail }) => {
                clip(request);
                clip(detail);
            }
            None => {}
        }
    }

    /// Whether the app disagrees with Entra: a failed Test Connection, a match answer the run
    /// refused to link, a rejected request, a failed object, or a repeat cycle that still
    /// writes.
    pub fn disagrees(&self) -> bool {
        !self.test_connection.passed
            || !self.foreign.is_empty()
            || !self.refused_writes.is_empty()
            || self.cycles.iter().any(|c| {
                !c.rejected.is_empty()
                    || c.failed_objects.iter().any(|f| !f.also_in_model)
                    || c.steady == Some(false)
            })
    }

    /// Compute [`LiveReport::result`] from the findings.
    pub fn verdict(&self) -> Verdict {
        match (&self.fault, self.stopped) {
            // Asked for: it explains the rest (a cut Test Connection, missing cycles).
            (_, Some(Stopped::Interrupted)) => Verdict::Interrupted,
            (Some(Fault::Auth { .. }), _) => Verdict::AuthFailed,
            (Some(Fault::Network { .. }), _) => Verdict::NetworkError,
            (None, Some(Stopped::DeadlineReached)) => Verdict::DeadlineReached,
            (None, None) if self.disagrees() || self.cleanup_incomplete() => Verdict::Disagrees,
            (None, None) => Verdict::Agrees,
        }
    }

    /// Whether `--cleanup` left something behind.
    pub fn cleanup_incomplete(&self) -> bool {
        self.cleanup.as_ref().is_some_and(|c| !c.left.is_empty())
    }

    /// Compute [`LiveReport::findings`] from the rest.
    pub fn summarise(&mut self) {
        self.findings = super::findings::summarise(self);
    }

    /// The report as JSON: the findings and each cycle's counts; with `verbose`, also every
    /// occurrence the findings count (rejections, differences, refused answers).
    pub fn to_json(&self, verbose: bool) -> Json {
        let mut json = serde_json::to_value(self).unwrap_or(Json::Null);
        if !verbose && let Some(report) = json.as_object_mut() {
            report.remove("foreign");
            report.remove("refused_writes");
            if let Some(Json::Array(cycles)) = report.get_mut("cycles") {
                for c in cycles.iter_mut().filter_map(Json::as_object_mut) {
                    for detail in [
                        "rejected",
                        "failed_objects",
                        "model_differences",
                        "endless_patches",
                    ] {
                        c.remove(detail);
                    }
                }
            }
        }
        json
    }

    /// The report for people: the findings, most serious first, each with a count and one
    /// example; with `verbose`, each cycle's detail before them.
    pub fn render(&self, verbose: bool) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "entramap live: {} ({} dialect)",
            visible(&self.url),
            self.dialect
        );
        let _ = writeln!(
            s,
            "objects created with prefix {:?} (seed {})",
            self.prefix, self.seed
        );
        let tc = &self.test_connection;
        let request = visible(&tc.request);
        let status = match tc.status {
            0 => "no answer".to_owned(),
            n => n.to_string(),
        };
        match &tc.problem {
            None => {
                let _ = writeln!(s, "Test Connection: GET {request} -> {status} ok");
            }
            // A fault is told once, below.
            Some(_)
                if (self.fault.is_some() || self.stopped.is_some()) && self.cycles.is_empty() =>
            {
                let _ = writeln!(s, "Test Connection: GET {request} -> {status} FAILED");
            }
            Some(p) => {
                let _ = writeln!(
                    s,
                    "Test Connection: GET {request} -> {status} FAILED: {}",
                    visible(p)
                );
            }
        }
        if verbose {
            for c in &self.cycles {
                render_cycle(&mut s, c, self.probed);
            }
        } else if !self.cycles.is_empty() {
            let counts: Vec<String> = self
                .cycles
                .iter()
                .map(|c| {
                    let steady = match c.steady {
                        Some(true) => ", steady",
                        Some(false) => ", NOT steady",
                        None => "",
                    };
                    format!("{}: {}/{}{steady}", c.cycle, c.requests, c.writes)
                })
                .collect();
            let _ = writeln!(s, "cycles (requests/writes): {}", counts.join("; "));
        }
        render_findings(&mut s, &self.findings, self.probed);
        if self.throttled > 0 {
            let _ = writeln!(
                s,
                "the app throttled {} requests (429); each was retried after Retry-After",
                self.throttled
            );
        }
        if let Some(c) = &self.cleanup {
            let _ = writeln!(
                s,
                "cleanup: {} objects deleted and verified gone, {} left{}",
                c.deleted,
                c.left.len(),
                if c.left.is_empty() || verbose {
                    ""
                } else {
                    " (see the findings; --verbose lists them)"
                }
            );
            if verbose {
                for l in &c.left {
                    let _ = writeln!(s, "  LEFT BEHIND {}", visible(l));
                }
            }
        }
        if let Some(f) = &self.fault {
            let _ = writeln!(s, "stopped: {f}");
        }
        if let Some(why) = self.stopped {
            let _ = writeln!(
                s,
                "stopped: {why}; no request of Entra's cycles was sent after that{}",
                if self.cleanup.is_some() {
                    ", the cleanup ran"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(s, "result: {}", self.result.describe());
        s
    }
}

/// How a finding's cause is introduced, by what is known of it.
fn cause_label(evidence: Evidence, probed: bool) -> &'static str {
    match evidence {
        Evidence::Observed => "what happens",
        Evidence::Confirmed => "cause (confirmed by --probe)",
        Evidence::Refuted => "suggested cause, refuted by --probe",
        Evidence::Hypothesis if probed => "possible cause (hypothesis; no probe could test it)",
        Evidence::Hypothesis => {
            "possible cause (hypothesis from the request's shape; --probe tests it)"
        }
    }
}

fn render_findings(s: &mut String, findings: &[LiveFinding], probed: bool) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(s, "findings, most serious first:");
    for (i, f) in findings.iter().enumerate() {
        let objects: Vec<&str> = f.objects.iter().map(String::as_str).collect();
        let _ = writeln!(
            s,
            "{}. [{}] {} ×{}{}",
            i + 1,
            f.cause_id,
            match f.severity {
                LiveSeverity::Ownership => "OWNERSHIP",
                LiveSeverity::TestConnection => "Test Connection",
                LiveSeverity::Rejected => "rejected",
                LiveSeverity::EndlessPatch => "endless PATCH",
                LiveSeverity::ModelDifference => "model differs",
                LiveSeverity::Cleanup => "cleanup",
                LiveSeverity::Cosmetic => "cosmetic",
            },
            f.count,
            if objects.is_empty() {
                String::new()
            } else {
                format!(" ({})", names(&objects))
            }
        );
        let _ = writeln!(
            s,
            "   {}: {}",
            cause_label(f.evidence, probed),
            visible(&f.summary)
        );
        if !f.attributes.is_empty() {
            let shown: Vec<&str> = f.attributes.iter().map(String::as_str).collect();
            let _ = writeln!(s, "   attributes: {}", names(&shown));
        }
        let _ = writeln!(s, "   example: {}", indent(&f.example));
        if let Some(p) = &f.probe {
            let _ = writeln!(s, "   probe: {}", visible(p));
        }
        if let Some(e) = &f.entra {
            let _ = writeln!(s, "   Entra: {}", visible(e));
        }
        if let Some(fix) = &f.fix {
            let _ = writeln!(s, "   fix: {}", visible(fix));
        }
        for c in &f.consequences {
            let _ = writeln!(
                s,
                "   consequence: {} ×{}, e.g. {}",
                visible(&c.what),
                c.count,
                visible(&c.example)
            );
        }
    }
}

fn render_cycle(s: &mut String, c: &CycleReport, probed: bool) {
    let _ = write!(
        s,
        "cycle {}: {} requests, {} writes",
        c.cycle, c.requests, c.writes
    );
    match c.steady {
        Some(true) => s.push_str(" (full cycle after a restart), steady state reached"),
        Some(false) => s.push_str(
            " (full cycle after a restart), NOT steady: a full cycle over the same snapshot \
             still writes",
        ),
        None => {}
    }
    s.push('\n');
    // The same rejection usually hits many objects: say it once, with who it hit.
    let mut groups: Vec<(&Rejection, Vec<&str>)> = Vec::new();
    for r in &c.rejected {
        match groups.iter_mut().find(|(g, _)| same_rejection(g, r)) {
            Some((_, objects)) => objects.push(&r.object),
            None => groups.push((r, vec![&r.object])),
        }
    }
    for (r, objects) in &groups {
        let scim_type = r
            .scim_type
            .as_ref()
            .map_or(String::new(), |t| format!("[{}] ", visible(t)));
        let _ = writeln!(
            s,
            "  rejected {} {}: {} {scim_type}{}",
            r.action,
            names(objects),
            r.status,
            indent(&r.detail)
        );
        if let Some(cause) = &r.cause {
            let label = cause_label(r.evidence.unwrap_or(Evidence::Hypothesis), probed);
            let _ = writeln!(s, "    {label}: {}", visible(cause));
        }
        if let Some(p) = &r.probe {
            let _ = writeln!(s, "    probe: {}", visible(p));
        }
        if let Some(fix) = r
            .fix
            .as_ref()
            .filter(|_| r.evidence != Some(Evidence::Refuted))
        {
            let _ = writeln!(s, "    fix: {}", visible(fix));
        }
    }
    let mut failures: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in &c.failed_objects {
        match failures.iter_mut().find(|(m, _)| *m == f.message) {
            Some((_, objects)) => objects.push(&f.object),
            None => failures.push((&f.message, vec![&f.object])),
        }
    }
    for (message, objects) in &failures {
        let _ = writeln!(s, "  Entra fails {}: {}", names(objects), visible(message));
    }
    for e in &c.endless_patches {
        let returned = e
            .returned
            .as_ref()
            .map_or("nothing".to_owned(), Json::to_string);
        let _ = writeln!(
            s,
            "  endless PATCH {} {}: sent {}, app returns {}",
            visible(&e.object),
            visible(&e.attribute),
            visible(&e.sent.to_string()),
            visible(&returned)
        );
        let _ = writeln!(s, "    cause: {}", visible(&e.cause));
        let _ = writeln!(s, "    fix: {}", visible(&e.fix));
    }
    let explained = c
        .model_differences
        .iter()
        .filter(|d| d.explained_by.is_some())
        .count();
    if explained > 0 {
        let _ = writeln!(
            s,
            "  {explained} attribute(s) differ from the model because the app rejected the requests above"
        );
    }
    for d in c
        .model_differences
        .iter()
        .filter(|d| d.explained_by.is_none())
    {
        let show = |v: &Option<Json>| {
            visible(&v.as_ref().map_or("nothing".to_owned(), Json::to_string)).into_owned()
        };
        let _ = writeln!(
            s,
            "  model differs{} {} {} {}: model {}, app {}",
            if d.entra_notices {
                ""
            } else {
                " (cosmetic: Entra sees no change)"
            },
            d.kind,
            visible(&d.object),
            visible(&d.attribute),
            show(&d.model),
            show(&d.app)
        );
    }
}

fn same_rejection(a: &Rejection, b: &Rejection) -> bool {
    a.action == b.action
        && a.status == b.status
        && a.scim_type == b.scim_type
        && a.detail == b.detail
        && a.cause == b.cause
}

/// Up to four names, then a count.
fn names(objects: &[&str]) -> String {
    let shown: Vec<Cow<'_, str>> = objects.iter().take(4).map(|o| visible(o)).collect();
    let mut out = shown.join(", ");
    if objects.len() > shown.len() {
        let _ = write!(out, " and {} more", objects.len() - shown.len());
    }
    out
}

/// A multi-line server message, indented under its line, each line [`visible`].
fn indent(text: &str) -> String {
    let lines: Vec<Cow<'_, str>> = text.trim_end().lines().map(visible).collect();
    lines.join("\n      ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_clipped_at_a_character_boundary_with_their_size() {
        let mut short = "é".repeat(MAX_TEXT / 2);
        clip(&mut short);
        assert_eq!(short, "é".repeat(MAX_TEXT / 2));
        let mut long = format!("a{}", "é".repeat(3_670_016));
        clip(&mut long);
        assert!(long.starts_with("aéé"));
        assert!(long.ends_with("é… (7,340,033 bytes, clipped)"), "{long}");
        assert!(long.len() <= MAX_TEXT + 40);
    }

    #[test]
    fn long_values_become_their_clipped_json_text() {
        let mut v = serde_json::json!({"a": vec!["x"; 2000]});
        clip_value(&mut v);
        let text = v.as_str().unwrap();
        assert!(text.starts_with(r#"{"a":["x","#) && text.ends_with(" bytes, clipped)"));
        let mut small = serde_json::json!([1, 2]);
        clip_value(&mut small);
        assert_eq!(small, serde_json::json!([1, 2]));
    }

    #[test]
    fn controls_and_bidirectional_overrides_are_shown_as_escapes() {
        assert!(matches!(visible("plain é text"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\u{1b}[2J\u{9b}\u{7f}\r\n\t\u{202e}b"),
            r"a\u{1b}[2J\u{9b}\u{7f}\u{d}\u{a}\u{9}\u{202e}b"
        );
        assert_eq!(indent("one\u{7}\ntwo\r\n"), "one\\u{7}\n      two");
    }
}
