//! `entramap converge`: prove that a mapping reaches a steady state against its vendor model,
//! or show the smallest directory for which it does not (docs/mapping-model.md §12).
//!
//! Steady state (§12.4): after Entra's writes reach the app and the app answers GET, a new
//! evaluation of the same source sends nothing but reads. The search generates directories
//! with proptest strategies (`generate`, rendered by `snapshot`), runs each through the
//! simulator for four cycles with one source change in the middle (`run`), and lets
//! proptest shrink any failing case to a minimal one. Each problem found is explained from the
//! mapping rows (`inspect`) with a cause of the catalogue (`cause`, decided by
//! `diagnose`) and reported with the request that repeats (`report`). Every problem is
//! reported once: the search starts again with the problems already found ignored, until a
//! whole search passes.

pub(crate) mod cause;
pub(crate) mod diagnose;
mod error;
pub(crate) mod generate;
pub(crate) mod inspect;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod snapshot;

use std::cell::RefCell;

use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::Value as Json;

use crate::dotnet::datetime::DateTime;
use crate::model::mapping::{Dialect, MappingFile};
use crate::provision::target::ResourceKind;
use crate::provision::transcript::{HttpWriter, Redactions, jsonl_line};
pub use cause::{Cause, Diagnosis};
pub use error::ConvergeError;
pub use report::{
    CauseOut, ConvergeFinding, ConvergeNote, ConvergeReport, ProblemKind, WireRequest,
};
use run::{Phase, Prepared, Problem};

/// Searches stop after this many distinct problems: a mapping with more has bigger trouble
/// than a longer list would show.
const MAX_FINDINGS: usize = 24;

/// How to search.
#[derive(Clone, Copy, Debug)]
pub struct ConvergeOptions {
    /// Generated directories per search (proptest cases).
    pub cases: u32,
    /// The seed of the generator (and of `Guid()`/`RandomString()`): the same seed gives the
    /// same report.
    pub seed: u64,
    /// The clock of the first cycle; later cycles run later.
    pub now: DateTime,
}

/// The tenant URL of the `.http` rendering when the mapping has none.
const DEFAULT_BASE_URL: &str = "https://scim.example.com/scim";

fn config(options: &ConvergeOptions) -> Config {
    // Every field that proptest would otherwise read from PROPTEST_* variables is set, so the
    // environment cannot change a report.
    Config {
        cases: options.cases,
        rng_seed: RngSeed::Fixed(options.seed),
        rng_algorithm: RngAlgorithm::ChaCha,
        failure_persistence: None,
        max_shrink_iters: 4096,
        max_shrink_time: 0,
        max_local_rejects: 65_536,
        max_global_rejects: 4096,
        max_flat_map_regens: 1_000_000,
        verbose: 0,
        ..Config::default()
    }
}

/// Run the search for `file` in `dialect`. Errors name the row or filter that does not
/// compile, or say why the search itself could not finish.
pub fn converge(
    name: &str,
    file: &MappingFile,
    dialect: Dialect,
    options: &ConvergeOptions,
) -> Result<ConvergeReport, ConvergeError> {
    let prepared = Prepared::new(file, dialect, options.now, options.seed)?;
    let strategy = generate::case(&prepared.plan);
    let mut known: Vec<String> = Vec::new();
    let mut findings: Vec<ConvergeFinding> = Vec::new();
    let stale: RefCell<Vec<(String, run::Stale)>> = RefCell::new(Vec::new());
    while findings.len() < MAX_FINDINGS {
        let mut runner = TestRunner::new(config(options));
        let result = runner.run(&strategy, |case| {
            let outcome = run::run(&prepared, &case);
            let mut seen = stale.borrow_mut();
            for s in outcome.stale {
                let key = format!("{}:{:?}", s.attribute.to_ascii_lowercase(), s.kind);
                if !seen.iter().any(|(k, _)| *k == key) {
                    seen.push((key, s));
                }
            }
            match outcome.problems.iter().find(|p| !known.contains(&p.key())) {
                Some(p) => Err(TestCaseError::fail(p.key())),
                None => Ok(()),
            }
        });
        let minimal = match result {
            Ok(()) => break,
            Err(TestError::Fail(_, minimal)) => minimal,
            Err(TestError::Abort(reason)) => {
                return Err(ConvergeError::GeneratorGaveUp {
                    reason: reason.to_string(),
                });
            }
        };
        // The search caught any panic as a failing case; a panic here is a simulator bug, and
        // the shrunk directory is what its report needs.
        let rerun = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run::run(&prepared, &minimal)
        }));
        let Ok(outcome) = rerun else {
            return Err(ConvergeError::SimulatorPanicked {
                directory: minimal.before_json(&prepared.plan),
            });
        };
        let before = findings.len();
        for problem in outcome.problems {
            let key = problem.key();
            if known.contains(&key) {
                continue;
            }
            known.push(key);
            findings.push(finding(&prepared, &minimal, &problem));
        }
        if findings.len() == before {
            // The shrunk case no longer fails on its own: nothing more to learn this way.
            break;
        }
    }
    let notes = stale
        .into_inner()
        .into_iter()
        .map(|(_, s)| {
            let d = diagnose::stale(&prepared.rows, &s);
            ConvergeNote {
                attribute: s.attribute.clone(),
                cause: CauseOut::of(&d),
                lint: d.lint,
                summary: diagnose::summary(d.cause),
                why: d.why,
                fix: d.fix,
                object: s.object,
            }
        })
        .collect();
    Ok(ConvergeReport {
        mapping: name.to_owned(),
        app: file.app.clone(),
        dialect: match dialect {
            Dialect::Legacy => "legacy",
            Dialect::Compliant => "compliant",
        },
        seed: options.seed,
        cases: options.cases,
        converged: findings.is_empty(),
        findings,
        notes,
    })
}

fn finding(p: &Prepared<'_>, case: &generate::Case, problem: &Problem) -> ConvergeFinding {
    let directory = case.before_json(&p.plan);
    let after = case.after_json(&p.plan);
    let change = case.describe_change(&p.plan);
    match problem {
        Problem::Repeat(r) => {
            let d = diagnose::repeat(&p.rows, p.dialect, r);
            ConvergeFinding {
                problem: report::ProblemKind::RepeatedWrite,
                object_type: r.kind.noun(),
                attribute: r.attribute.clone(),
                cause: CauseOut::of(&d),
                lint: d.lint,
                why: d.why,
                fix: d.fix,
                phase: Some(r.phase.as_str()),
                object: r.object.clone(),
                directory,
                change: (r.phase == Phase::AfterChange).then_some(change),
                directory_after: (r.phase == Phase::AfterChange).then_some(after),
                request: Some(wire(p, &r.request)),
            }
        }
        Problem::NeverFlows(n) => {
            let d = diagnose::never_flows(&p.rows, n);
            ConvergeFinding {
                problem: report::ProblemKind::NeverFlows,
                object_type: ResourceKind::User.noun(),
                attribute: n.attribute.clone(),
                cause: CauseOut::of(&d),
                lint: d.lint,
                why: d.why,
                fix: d.fix,
                phase: None,
                object: n.object.clone(),
                directory,
                change: n.after_change.then_some(change),
                directory_after: n.after_change.then_some(after),
                request: None,
            }
        }
        Problem::Fails(f) => {
            let d = diagnose::fails(&p.rows, f);
            ConvergeFinding {
                problem: report::ProblemKind::FailsEveryCycle,
                object_type: f.kind.noun(),
                attribute: diagnose::failing_row(&f.message)
                    .unwrap_or("(the whole user)")
                    .to_owned(),
                cause: CauseOut::of(&d),
                lint: d.lint,
                why: d.why,
                fix: d.fix,
                phase: Some(f.phase.as_str()),
                object: f.object.clone(),
                directory,
                change: (f.phase == Phase::AfterChange).then_some(change),
                directory_after: (f.phase == Phase::AfterChange).then_some(after),
                request: None,
            }
        }
    }
}

/// The request as `entramap simulate` would print it, in both transcript formats.
fn wire(p: &Prepared<'_>, r: &crate::provision::cycle::Recorded) -> WireRequest {
    let base = p.file.tenant_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    // Secrets stay masked, as in `simulate`'s transcripts.
    let request = r.as_request();
    let masked = Redactions::from_mapping(p.file).mask(&request);
    let request = masked.as_ref().map_or(request, |m| m.apply(&request));
    let mut http = Vec::new();
    if let Ok(mut w) = HttpWriter::new(&mut http, base) {
        let _ = w.write(&request);
    }
    let http = String::from_utf8(http).unwrap_or_default();
    let line = jsonl_line(&request);
    WireRequest {
        http,
        jsonl: serde_json::from_str(&line).unwrap_or(Json::Null),
    }
}
