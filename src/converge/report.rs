//! The result of `converge`: what was found, with the shrunk counterexample, the repeated
//! request as it goes on the wire, and the fix; rendered for people (`human`) or for CI
//! (`json`). Both renderings are deterministic for a seed.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value as Json;

use super::diagnose::Diagnosis;

/// What kind of problem a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Entra writes the attribute again when the system should be at rest.
    RepeatedWrite,
    /// The row is empty although its inputs have values: the attribute never flows.
    NeverFlows,
    /// Entra fails the object at every evaluation.
    FailsEveryCycle,
}

impl ProblemKind {
    fn headline(self) -> &'static str {
        match self {
            ProblemKind::RepeatedWrite => "is written again at rest",
            ProblemKind::NeverFlows => "never flows",
            ProblemKind::FailsEveryCycle => "fails at every cycle",
        }
    }
}

/// A catalogue cause, as it appears in the output.
#[derive(Clone, Debug, Serialize)]
pub struct CauseOut {
    /// `C1`...`C13`, or `-` outside the catalogue.
    pub code: &'static str,
    /// A stable kebab-case name.
    pub name: &'static str,
}

/// The request Entra repeats, on the wire.
#[derive(Clone, Debug, Serialize)]
pub struct WireRequest {
    /// The `.http` transcript block (as `entramap simulate` writes it).
    pub http: String,
    /// The `jsonl` transcript line, as JSON.
    pub jsonl: Json,
}

/// One counterexample.
#[derive(Clone, Debug, Serialize)]
pub struct ConvergeFinding {
    /// What kind of problem.
    pub problem: ProblemKind,
    /// `user` or `group`.
    pub object_type: &'static str,
    /// The target attribute (or, for requests that are not attribute writes, the request).
    pub attribute: String,
    /// The cause.
    pub cause: CauseOut,
    /// The `entramap check` lint that reports the same cause statically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lint: Option<&'static str>,
    /// What happens.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// `settled` (the first snapshot, second cycle) or `after-change` (after the source
    /// change, second cycle).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'static str>,
    /// The source objectId of the object concerned.
    pub object: String,
    /// The shrunk directory (what `entramap simulate --directory` reads).
    pub directory: Json,
    /// The change applied after the first snapshot settled, in words, when the problem
    /// appeared after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
    /// The directory after the change, when the problem appeared after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub directory_after: Option<Json>,
    /// The repeated request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<WireRequest>,
}

/// Something that converges but is not what the mapping says: values Entra cannot clear.
#[derive(Clone, Debug, Serialize)]
pub struct ConvergeNote {
    /// The target attribute.
    pub attribute: String,
    /// The cause.
    pub cause: CauseOut,
    /// The `entramap check` lint that reports the same cause statically.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lint: Option<&'static str>,
    /// What the cause does, in general.
    pub summary: &'static str,
    /// What happens, for the first example found.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// The source objectId of the first example.
    pub object: String,
}

/// Everything `converge` found for one mapping.
#[derive(Clone, Debug, Serialize)]
pub struct ConvergeReport {
    /// The mapping's display name (its file).
    pub mapping: String,
    /// The app.
    pub app: String,
    /// `legacy` or `compliant`.
    pub dialect: &'static str,
    /// The seed that reproduces the run.
    pub seed: u64,
    /// Generated cases per search.
    pub cases: u32,
    /// Whether every case converged (no findings).
    pub converged: bool,
    /// Counterexamples, one per attribute and problem.
    pub findings: Vec<ConvergeFinding>,
    /// Values that reach a steady state Entra cannot correct.
    pub notes: Vec<ConvergeNote>,
}

impl CauseOut {
    /// From a diagnosis.
    pub fn of(d: &Diagnosis) -> CauseOut {
        CauseOut {
            code: d.cause.code(),
            name: d.cause.name(),
        }
    }
}

impl ConvergeReport {
    /// The JSON rendering (`--format json`), pretty-printed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The human rendering. `command` is how the run was started, to print a reproduction.
    pub fn to_human(&self, command: &str) -> String {
        let mut out = String::new();
        let verdict = if self.converged {
            "converges"
        } else {
            "does not converge"
        };
        let _ = writeln!(
            out,
            "{}: {} ({} dialect; {} generated directories, seed {})",
            self.mapping, verdict, self.dialect, self.cases, self.seed
        );
        for (i, f) in self.findings.iter().enumerate() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}. {} `{}` {} [{} {}{}]",
                i + 1,
                f.object_type,
                f.attribute,
                f.problem.headline(),
                f.cause.code,
                f.cause.name,
                f.lint.map(|l| format!(", {l}")).unwrap_or_default()
            );
            let _ = writeln!(out, "   why: {}", f.why);
            let _ = writeln!(out, "   fix: {}", f.fix);
            let _ = writeln!(
                out,
                "   smallest directory (the {} is {}):",
                f.object_type, f.object
            );
            indent(&mut out, &pretty(&f.directory), "     ");
            if let Some(change) = &f.change {
                let _ = writeln!(out, "   then: {change}");
            }
            if let (Some(phase), Some(r)) = (f.phase, &f.request) {
                let when = if phase == "settled" {
                    "cycle 2, a full cycle over the same directory (a full cycle over \
                     unchanged data must write nothing)"
                } else {
                    "cycle 4, the changed objects evaluated again (an incremental cycle after \
                     a change must write only what the change implies)"
                };
                let _ = writeln!(out, "   repeated in {when}:");
                indent(&mut out, r.http.trim_end(), "     ");
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "Converged, but not to what the mapping says (Entra cannot correct these):"
            );
            // One paragraph per cause: the attributes share the explanation and the fix.
            let mut causes: Vec<&'static str> = Vec::new();
            for n in &self.notes {
                if !causes.contains(&n.cause.name) {
                    causes.push(n.cause.name);
                }
            }
            for cause in causes {
                let notes: Vec<&ConvergeNote> = self
                    .notes
                    .iter()
                    .filter(|n| n.cause.name == cause)
                    .collect();
                let first = notes[0];
                let names: Vec<String> =
                    notes.iter().map(|n| format!("`{}`", n.attribute)).collect();
                let _ = writeln!(
                    out,
                    "- [{} {}{}] {}: {}",
                    first.cause.code,
                    cause,
                    first.lint.map(|l| format!(", {l}")).unwrap_or_default(),
                    names.join(", "),
                    first.summary
                );
                let _ = writeln!(out, "  e.g. {}", first.why);
                let _ = writeln!(out, "  fix: {}", first.fix);
            }
        }
        if !self.converged {
            let _ = writeln!(out);
            let _ = writeln!(out, "reproduce: {command} --seed {}", self.seed);
        }
        out
    }
}

fn pretty(v: &Json) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn indent(out: &mut String, text: &str, prefix: &str) {
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{prefix}{line}");
        }
    }
}
