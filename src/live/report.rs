//! What `live` found, as data (`--format json` serialises it as is) and as text for people.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::http::Fault;

/// The outcome of a live run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
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
    /// What stopped the run early, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
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
}

impl Verdict {
    /// The sentence the human report ends with.
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::Agrees => "the app agrees with Entra",
            Verdict::Disagrees => "the app DISAGREES with Entra",
            Verdict::AuthFailed => "authentication failed, the run stopped",
            Verdict::NetworkError => "network error, the run stopped",
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
    /// What Entra does that the app does not accept, when known.
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
    pub model: Option<Value>,
    /// What the app returned (absent: `null`).
    pub app: Option<Value>,
    /// Whether Entra's change detection sees the difference (case-insensitive text, Booleans by
    /// truth value, sets for multi-valued). When false it is cosmetic for Entra.
    pub entra_notices: bool,
    /// The rejected request this difference follows from (the model accepted it), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explained_by: Option<String>,
}

/// An attribute Entra will PATCH in every cycle, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndlessPatch {
    /// The object's readable name.
    pub object: String,
    /// The target attribute as Entra writes it in the PATCH.
    pub attribute: String,
    /// The value Entra sent.
    pub sent: Value,
    /// What the app returned afterwards (absent: `null`).
    pub returned: Option<Value>,
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
    /// Objects still there, or whose delete failed: `Users/{id} (label): why`.
    pub left: Vec<String>,
}

impl Report {
    /// Whether the app disagrees with Entra: a failed Test Connection, a rejected request, a
    /// failed object, or a repeat cycle that still writes.
    pub fn disagrees(&self) -> bool {
        !self.test_connection.passed
            || self.cycles.iter().any(|c| {
                !c.rejected.is_empty() || !c.failed_objects.is_empty() || c.steady == Some(false)
            })
    }

    /// Compute [`Report::result`] from the findings.
    pub fn verdict(&self) -> Verdict {
        match &self.fault {
            Some(Fault::Auth { .. }) => Verdict::AuthFailed,
            Some(Fault::Network { .. }) => Verdict::NetworkError,
            None if self.disagrees() || self.cleanup_incomplete() => Verdict::Disagrees,
            None => Verdict::Agrees,
        }
    }

    /// Whether `--cleanup` left something behind.
    pub fn cleanup_incomplete(&self) -> bool {
        self.cleanup.as_ref().is_some_and(|c| !c.left.is_empty())
    }

    /// The report for people.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "entramap live: {} ({} dialect)", self.url, self.dialect);
        let _ = writeln!(
            s,
            "objects created with prefix {:?} (seed {})",
            self.prefix, self.seed
        );
        let tc = &self.test_connection;
        let status = match tc.status {
            0 => "no answer".to_owned(),
            n => n.to_string(),
        };
        match &tc.problem {
            None => {
                let _ = writeln!(s, "Test Connection: GET {} -> {status} ok", tc.request);
            }
            // A fault is told once, below.
            Some(_) if self.fault.is_some() && self.cycles.is_empty() => {
                let _ = writeln!(s, "Test Connection: GET {} -> {status} FAILED", tc.request);
            }
            Some(p) => {
                let _ = writeln!(
                    s,
                    "Test Connection: GET {} -> {status} FAILED: {p}",
                    tc.request
                );
            }
        }
        for c in &self.cycles {
            render_cycle(&mut s, c);
        }
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
                "cleanup: {} objects deleted and verified gone",
                c.deleted
            );
            for l in &c.left {
                let _ = writeln!(s, "  LEFT BEHIND {l}");
            }
        }
        if let Some(f) = &self.fault {
            let _ = writeln!(s, "stopped: {f}");
        }
        let _ = writeln!(s, "result: {}", self.result.describe());
        s
    }
}

fn render_cycle(s: &mut String, c: &CycleReport) {
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
            .map_or(String::new(), |t| format!("[{t}] "));
        let _ = writeln!(
            s,
            "  rejected {} {}: {} {scim_type}{}",
            r.action,
            names(objects),
            r.status,
            indent(&r.detail)
        );
        if let Some(cause) = &r.cause {
            let _ = writeln!(s, "    cause: {cause}");
        }
        if let Some(fix) = &r.fix {
            let _ = writeln!(s, "    fix: {fix}");
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
        let _ = writeln!(s, "  Entra fails {}: {message}", names(objects));
    }
    for e in &c.endless_patches {
        let returned = e
            .returned
            .as_ref()
            .map_or("nothing".to_owned(), Value::to_string);
        let _ = writeln!(
            s,
            "  endless PATCH {} {}: sent {}, app returns {returned}",
            e.object, e.attribute, e.sent
        );
        let _ = writeln!(s, "    cause: {}", e.cause);
        let _ = writeln!(s, "    fix: {}", e.fix);
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
        let show = |v: &Option<Value>| v.as_ref().map_or("nothing".to_owned(), Value::to_string);
        let _ = writeln!(
            s,
            "  model differs{} {} {} {}: model {}, app {}",
            if d.entra_notices {
                ""
            } else {
                " (cosmetic: Entra sees no change)"
            },
            d.kind,
            d.object,
            d.attribute,
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
    let shown: Vec<&str> = objects.iter().take(4).copied().collect();
    let mut out = shown.join(", ");
    if objects.len() > shown.len() {
        let _ = write!(out, " and {} more", objects.len() - shown.len());
    }
    out
}

/// A multi-line server message, indented under its line.
fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n      ")
}
