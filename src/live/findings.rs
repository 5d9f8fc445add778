//! The report's findings: every occurrence of a run grouped by cause, counted, with one
//! example, most serious first, and what follows from each cause listed under it.
//!
//! A vendor reads this part; the per-cycle detail it is computed from stays in the report
//! for `--verbose`.

use serde_json::Value as Json;

use super::explain::Evidence;
use super::owner::Refusal;
use super::report::{Consequence, Difference, LiveFinding, LiveReport, LiveSeverity, Rejection};

/// The cause id of a rejection no cause explains (or whose suggested cause a probe refuted).
pub const UNEXPLAINED: &str = "unexplained-rejection";

/// The findings of `report`, most serious first; ties keep the order of first occurrence.
pub fn summarise(report: &LiveReport) -> Vec<LiveFinding> {
    let mut out: Vec<LiveFinding> = Vec::new();
    ownership(report, &mut out);
    if !report.test_connection.passed && report.fault.is_none() && report.stopped.is_none() {
        let tc = &report.test_connection;
        out.push(finding(
            "test-connection-failed",
            LiveSeverity::TestConnection,
            Evidence::Observed,
            tc.problem.clone().unwrap_or_default(),
            format!("GET {} answered {}", tc.request, tc.status),
        ));
        if let Some(f) = out.last_mut() {
            f.entra = Some(
                "Entra refuses to save the provisioning configuration; nothing is provisioned"
                    .into(),
            );
            f.fix = Some(
                "answer a filter that matches nothing with 200 and an empty ListResponse \
                 (`totalResults` 0)"
                    .into(),
            );
        }
    }
    rejections(report, &mut out);
    endless(report, &mut out);
    differences(report, &mut out);
    cleanup(report, &mut out);
    // Stable: equal severities keep the order they were found in.
    out.sort_by_key(|f| f.severity);
    out
}

fn finding(
    cause_id: &str,
    severity: LiveSeverity,
    evidence: Evidence,
    summary: String,
    example: String,
) -> LiveFinding {
    LiveFinding {
        cause_id: cause_id.to_owned(),
        severity,
        evidence,
        summary,
        entra: None,
        fix: None,
        probe: None,
        count: 0,
        objects: Vec::new(),
        attributes: Vec::new(),
        example,
        consequences: Vec::new(),
    }
}

/// The finding with `key` in `out`, made by `make` when there is none yet; counts one more
/// occurrence on `object`.
fn occurrence<'f>(
    out: &'f mut Vec<LiveFinding>,
    keys: &mut Vec<String>,
    key: String,
    object: &str,
    make: impl FnOnce() -> LiveFinding,
) -> &'f mut LiveFinding {
    let at = match keys.iter().position(|k| *k == key) {
        Some(i) => i,
        None => {
            keys.push(key);
            out.push(make());
            out.len() - 1
        }
    };
    let f = &mut out[at];
    f.count += 1;
    if !object.is_empty() && !f.objects.iter().any(|o| o == object) {
        f.objects.push(object.to_owned());
    }
    f
}

fn ownership(report: &LiveReport, out: &mut Vec<LiveFinding>) {
    let mut local = Vec::new();
    let mut keys = Vec::new();
    for f in &report.foreign {
        let shown = if f.name.is_empty() {
            f.id.clone()
        } else {
            format!("{} ({})", f.id, f.name)
        };
        occurrence(
            &mut local,
            &mut keys,
            f.refusal.cause_id().into(),
            &shown,
            || {
                let example = format!("{} returned {shown}", f.request);
                match f.refusal {
                    Refusal::FilterIgnored => {
                        let mut x = finding(
                            "filter-ignored",
                            LiveSeverity::Ownership,
                            Evidence::Observed,
                            "the app ignores or mis-evaluates `filter`: a match query returned \
                         objects that do not satisfy it"
                                .into(),
                            example,
                        );
                        x.entra = Some(
                            "Entra links the source object to the account the query returns and \
                         overwrites it with the source object's values: on a tenant with real \
                         accounts, somebody else's account (live refused to link it and wrote \
                         nothing to it)"
                                .into(),
                        );
                        x.fix = Some(
                        "evaluate `filter` (RFC 7644 §3.4.2.2): `attribute eq \"value\"` returns \
                         only resources whose attribute equals the value (case-insensitively \
                         unless the attribute is caseExact), and an empty ListResponse when none \
                         does"
                            .into(),
                    );
                        x
                    }
                    Refusal::NotOwned => {
                        let mut x = finding(
                            "not-owned",
                            LiveSeverity::Ownership,
                            Evidence::Observed,
                            "a match query found an account this run did not create".into(),
                            example,
                        );
                        x.entra = Some(
                        "Entra links the source object to it and overwrites it; live writes only \
                         to what it created, so it refused to link it"
                            .into(),
                    );
                        x.fix = Some(
                        "run against a server without those accounts or with another --prefix, \
                         or pass --adopt-prefixed to let the run write to accounts whose \
                         userName/displayName starts with its prefix"
                            .into(),
                    );
                        x
                    }
                    Refusal::CreateAnsweredAnother => {
                        let mut x = finding(
                            "create-answered-another",
                            LiveSeverity::Ownership,
                            Evidence::Observed,
                            "a create was answered with another account: its userName \
                             (displayName) lacks the prefix the run sent, so the app returned an \
                             existing resource instead of creating one"
                                .into(),
                            example,
                        );
                        x.entra = Some(
                            "Entra links the source object to the id a create returns and \
                             writes to it from then on: on a tenant with real accounts, \
                             somebody else's account (live did not take it as the run's, so it \
                             wrote nothing to it and its cleanup leaves it alone)"
                                .into(),
                        );
                        x.fix = Some(
                            "answer POST with the resource it created, 201 Created (RFC 7644 \
                             §3.3), or 409 Conflict when a unique value is taken; never with an \
                             existing resource"
                                .into(),
                        );
                        x
                    }
                }
            },
        );
    }
    for w in &report.refused_writes {
        occurrence(&mut local, &mut keys, "write-refused".into(), "", || {
            let mut x = finding(
                "write-refused",
                LiveSeverity::Ownership,
                Evidence::Observed,
                "the cycle would have written to an object this run does not own; the request \
                 was not sent"
                    .into(),
                w.clone(),
            );
            x.fix = Some("see the findings above: the object came from a match answer".into());
            x
        });
    }
    out.extend(local);
}

/// A rejection's finding key: its cause id, or (unexplained) its action and status.
fn key(r: &Rejection) -> String {
    match (r.cause_id, r.evidence) {
        (Some(id), e) if e != Some(Evidence::Refuted) => id.to_owned(),
        _ => format!("{UNEXPLAINED} {} {}", r.action, r.status),
    }
}

fn rejections(report: &LiveReport, out: &mut Vec<LiveFinding>) {
    let mut local = Vec::new();
    let mut keys = Vec::new();
    for c in &report.cycles {
        for r in &c.rejected {
            occurrence(&mut local, &mut keys, key(r), &r.object, || {
                let example = format!(
                    "{} {}: {} {} answered {}{}: {}",
                    r.action,
                    r.object,
                    r.request,
                    if c.cycle > 0 {
                        format!("in cycle {}", c.cycle)
                    } else {
                        String::new()
                    },
                    r.status,
                    r.scim_type
                        .as_ref()
                        .map_or(String::new(), |t| format!(" [{t}]")),
                    r.detail
                );
                let refuted = r.evidence == Some(Evidence::Refuted);
                match (&r.cause, r.cause_id) {
                    (Some(cause), Some(id)) if !refuted => {
                        let mut x = finding(
                            id,
                            LiveSeverity::Rejected,
                            r.evidence.unwrap_or(Evidence::Hypothesis),
                            cause.clone(),
                            example,
                        );
                        x.fix = r.fix.clone();
                        x.probe = r.probe.clone();
                        x
                    }
                    _ => {
                        let mut x = finding(
                            UNEXPLAINED,
                            LiveSeverity::Rejected,
                            Evidence::Observed,
                            format!(
                                "the app answers {} to Entra's {} request; no known cause",
                                r.status, r.action
                            ),
                            example,
                        );
                        x.probe = r.probe.clone();
                        x
                    }
                }
            });
        }
        // Objects Entra fails this cycle: a consequence of the object's rejection, if any.
        for f in &c.failed_objects {
            let cause = c
                .rejected
                .iter()
                .find(|r| r.object == f.object)
                .map(key)
                .and_then(|k| keys.iter().position(|x| *x == k));
            let what = format!("Entra fails the object: {}", f.message);
            match cause {
                Some(i) => consequence(&mut local[i], what, &f.object),
                // The model fails it too: Entra would whatever the app answered, so it is not
                // the app's finding (the cycle's detail under --verbose still lists it).
                None if f.also_in_model => {}
                None => {
                    occurrence(
                        &mut local,
                        &mut keys,
                        format!("failed {}", f.message),
                        &f.object,
                        || {
                            finding(
                                "object-failed",
                                LiveSeverity::Rejected,
                                Evidence::Observed,
                                format!("Entra fails objects: {}", f.message),
                                f.object.clone(),
                            )
                        },
                    );
                }
            }
        }
        // Differences a rejection explains are its consequences.
        for d in &c.model_differences {
            let Some((cycle, index)) = d.explained_cause else {
                continue;
            };
            let Some(r) = report
                .cycles
                .iter()
                .find(|c| c.cycle == cycle)
                .and_then(|c| c.rejected.get(index))
            else {
                continue;
            };
            if let Some(i) = keys.iter().position(|k| *k == key(r)) {
                // One line per resource type: which attribute is in the example.
                consequence(
                    &mut local[i],
                    format!("{} attributes differ from the model", d.kind),
                    &difference_example(d, c.cycle),
                );
            }
        }
    }
    out.extend(local);
}

/// One model difference as a finding's example line: the object, the attribute, and the two
/// values after the cycle.
fn difference_example(d: &Difference, cycle: u32) -> String {
    format!(
        "{} {} after cycle {cycle}: model {}, app {}",
        d.object,
        d.attribute,
        show(d.model.as_ref()),
        show(d.app.as_ref())
    )
}

fn consequence(f: &mut LiveFinding, what: String, example: &str) {
    match f.consequences.iter_mut().find(|c| c.what == what) {
        Some(c) => c.count += 1,
        None => f.consequences.push(Consequence {
            what,
            count: 1,
            example: example.to_owned(),
        }),
    }
}

fn endless(report: &LiveReport, out: &mut Vec<LiveFinding>) {
    let mut local = Vec::new();
    let mut keys = Vec::new();
    for c in &report.cycles {
        for e in &c.endless_patches {
            let key = format!("{} {}", e.cause_id, e.attribute);
            occurrence(&mut local, &mut keys, key, &e.object, || {
                let mut x = finding(
                    e.cause_id,
                    LiveSeverity::EndlessPatch,
                    Evidence::Observed,
                    format!("Entra PATCHes `{}` every cycle: {}", e.attribute, e.cause),
                    format!(
                        "{} in cycle {}: sent {}, app returns {}",
                        e.object,
                        c.cycle,
                        e.sent,
                        show(e.returned.as_ref())
                    ),
                );
                x.fix = Some(e.fix.clone());
                x
            });
        }
    }
    out.extend(local);
}

fn differences(report: &LiveReport, out: &mut Vec<LiveFinding>) {
    let mut local = Vec::new();
    let mut keys = Vec::new();
    for c in &report.cycles {
        for d in c
            .model_differences
            .iter()
            .filter(|d| d.explained_by.is_none())
        {
            let example = difference_example(d, c.cycle);
            // An attribute the app does not return at all: one finding per resource type
            // listing them, since the fix is the same for each.
            let dropped = d.entra_notices
                && d.app.is_none()
                && d.model.is_some()
                && !d.attribute.starts_with('(');
            let (id, severity, key) = if dropped {
                (
                    "attribute-not-stored",
                    LiveSeverity::ModelDifference,
                    format!("dropped {}", d.kind),
                )
            } else if d.entra_notices {
                let key = format!("model {} {}", d.kind, d.attribute);
                ("model-difference", LiveSeverity::ModelDifference, key)
            } else {
                let key = format!("cosmetic {} {}", d.kind, d.attribute);
                ("cosmetic-difference", LiveSeverity::Cosmetic, key)
            };
            let f = occurrence(&mut local, &mut keys, key, &d.object, || {
                let summary = if dropped {
                    format!("the app does not return {} attributes Entra wrote", d.kind)
                } else if d.entra_notices {
                    format!(
                        "after a cycle the app's {} {} is not what the model predicts",
                        d.kind, d.attribute
                    )
                } else {
                    format!(
                        "the app's {} {} differs from the model in a way Entra's change \
                         detection does not see (case, JSON type)",
                        d.kind, d.attribute
                    )
                };
                let mut x = finding(id, severity, Evidence::Observed, summary, example.clone());
                x.fix = match id {
                    "attribute-not-stored" => Some(
                        "store and return these attributes (declare their schema if they belong \
                         to an extension); or remove the rows from the mapping"
                            .into(),
                    ),
                    "model-difference" => Some(
                        "store what Entra sends as it sends it; if the app is right, the \
                         mapping's vendor rules are wrong (tell us)"
                            .into(),
                    ),
                    _ => None,
                };
                x
            });
            if !f.attributes.contains(&d.attribute) {
                f.attributes.push(d.attribute.clone());
            }
        }
    }
    out.extend(local);
}

fn cleanup(report: &LiveReport, out: &mut Vec<LiveFinding>) {
    let Some(c) = &report.cleanup else {
        return;
    };
    let mut local = Vec::new();
    let mut keys = Vec::new();
    for k in &c.kept {
        let shown = format!("/{}s/{} ({})", k.kind, k.id, k.name);
        occurrence(&mut local, &mut keys, k.state.to_owned(), &shown, || {
            let mut x = finding(
                "kept-after-delete",
                LiveSeverity::Cleanup,
                Evidence::Observed,
                format!(
                    "the app accepts DELETE but keeps the object ({})",
                    if k.state == "deactivated" {
                        "deactivated: GET answers it with active false"
                    } else {
                        "GET still answers it"
                    }
                ),
                shown.clone(),
            );
            x.entra = Some(
                "Entra deletes an account when it leaves scope with \"delete\" deprovisioning and \
                 expects it gone (404); a kept account keeps its userName taken"
                    .into(),
            );
            x.fix = Some(
                "make DELETE remove the resource (GET then answers 404), or document that the \
                 app only deactivates"
                    .into(),
            );
            x
        });
    }
    let kept = |l: &str| {
        c.kept
            .iter()
            .any(|k| l.starts_with(&format!("/{}s/{} ", k.kind, k.id)))
    };
    for l in c.left.iter().filter(|l| !kept(l)) {
        occurrence(&mut local, &mut keys, "left".into(), l, || {
            finding(
                "cleanup-incomplete",
                LiveSeverity::Cleanup,
                Evidence::Observed,
                "the cleanup could not delete what the run created".into(),
                l.clone(),
            )
        });
    }
    out.extend(local);
}

fn show(v: Option<&Json>) -> String {
    v.map_or("nothing".to_owned(), Json::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::owner::Foreign;
    use crate::live::report::{CycleReport, Difference, TestConnection, Verdict};
    use serde_json::json;

    fn rejection(object: &str, cycle: u32) -> Rejection {
        Rejection {
            object: object.into(),
            action: "link-manager",
            request: format!("PATCH /Users/{object}"),
            status: 400,
            scim_type: None,
            detail: format!("bad manager (cycle {cycle})"),
            cause_id: Some("manager-string"),
            evidence: Some(Evidence::Hypothesis),
            probe: None,
            cause: Some("the manager as a string".into()),
            fix: Some("accept it".into()),
        }
    }

    fn difference(object: &str, explained: Option<(u32, usize)>) -> Difference {
        Difference {
            object: object.into(),
            kind: "User",
            attribute: "manager".into(),
            model: Some(json!("boss")),
            app: None,
            entra_notices: true,
            explained_by: explained.map(|_| "rejected".into()),
            explained_cause: explained,
        }
    }

    fn report(cycles: Vec<CycleReport>, foreign: Vec<Foreign>) -> LiveReport {
        LiveReport {
            url: "http://127.0.0.1".into(),
            dialect: "legacy",
            prefix: String::new(),
            seed: 1,
            test_connection: TestConnection {
                request: "/Users?filter=x".into(),
                status: 200,
                passed: true,
                problem: None,
            },
            cycles,
            throttled: 0,
            cleanup: None,
            probed: false,
            findings: Vec::new(),
            foreign,
            refused_writes: Vec::new(),
            fault: None,
            stopped: None,
            result: Verdict::Disagrees,
        }
    }

    #[test]
    fn one_finding_per_cause_counted_over_cycles_with_its_consequences_ownership_first() {
        let cycle = |n: u32, objects: &[&str]| CycleReport {
            cycle: n,
            rejected: objects.iter().map(|o| rejection(o, n)).collect(),
            model_differences: (0..objects.len())
                .map(|i| difference(objects[i], Some((n, i))))
                .chain([difference("zed", None)])
                .collect(),
            ..CycleReport::default()
        };
        let foreign = vec![Foreign {
            refusal: Refusal::FilterIgnored,
            request: "GET /Users?filter=userName eq \"b\"".into(),
            id: "1".into(),
            name: "a".into(),
        }];
        let findings = summarise(&report(
            vec![cycle(1, &["bob", "carol"]), cycle(2, &["bob"])],
            foreign,
        ));
        let ids: Vec<&str> = findings.iter().map(|f| f.cause_id.as_str()).collect();
        assert_eq!(
            ids,
            ["filter-ignored", "manager-string", "attribute-not-stored"]
        );
        let manager = &findings[1];
        assert_eq!(manager.count, 3);
        assert_eq!(manager.objects, ["bob", "carol"]);
        assert!(manager.example.contains("cycle 1"), "{}", manager.example);
        assert_eq!(manager.consequences.len(), 1);
        assert_eq!(manager.consequences[0].count, 3);
        // The unexplained difference is a finding of its own, counted once per cycle.
        assert_eq!(findings[2].count, 2);
        assert_eq!(findings[2].objects, ["zed"]);
    }

    #[test]
    fn a_refuted_cause_is_an_unexplained_rejection_without_fix() {
        let mut r = rejection("bob", 1);
        r.evidence = Some(Evidence::Refuted);
        r.probe = Some("not the cause: ...".into());
        let findings = summarise(&report(
            vec![CycleReport {
                cycle: 1,
                rejected: vec![r],
                ..CycleReport::default()
            }],
            Vec::new(),
        ));
        assert_eq!(findings[0].cause_id, UNEXPLAINED);
        assert_eq!(findings[0].fix, None);
        assert_eq!(findings[0].probe.as_deref(), Some("not the cause: ..."));
    }

    #[test]
    fn a_write_the_guard_refused_is_a_write_refused_finding_with_the_ownership_findings() {
        let mut r = report(Vec::new(), Vec::new());
        r.refused_writes = vec!["PATCH /Users/1".into(), "DELETE /Users/1".into()];
        let findings = summarise(&r);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].cause_id, "write-refused");
        assert_eq!(findings[0].severity, LiveSeverity::Ownership);
        assert_eq!(findings[0].count, 2);
        assert_eq!(findings[0].example, "PATCH /Users/1");
    }

    /// An object Entra fails without a rejected request is the app's finding only when the
    /// model, on the same snapshot, does not fail it too (a duplicate userPrincipalName in the
    /// directory fails on any app).
    #[test]
    fn an_object_failed_only_by_the_app_is_a_finding_and_one_the_model_fails_too_is_not() {
        use crate::live::report::ObjectFailure;
        let cycle = |also_in_model: bool| CycleReport {
            cycle: 1,
            failed_objects: vec![ObjectFailure {
                object: "second".into(),
                message: "DuplicateSourceEntries: ...".into(),
                also_in_model,
            }],
            ..CycleReport::default()
        };
        let only_app = summarise(&report(vec![cycle(false)], Vec::new()));
        let ids: Vec<&str> = only_app.iter().map(|f| f.cause_id.as_str()).collect();
        assert_eq!(ids, ["object-failed"]);
        assert!(summarise(&report(vec![cycle(true)], Vec::new())).is_empty());
    }
}
