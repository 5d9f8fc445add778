//! `simulate --format log`: Entra's provisioning log (Graph's provisioningObjectSummary, one
//! JSON object per line), as golden files under `tests/golden/log/`, one per case of the table
//! below: the built-in sample directory over two cycles, and small directories that hit each
//! reason an object is skipped, fails, is disabled, deleted or staged. `UPDATE_GOLDEN=1`
//! rewrites them (read the diff: these files are what Entra is claimed to log).
//!
//! Besides the byte comparison, every case checks the rules a reader relies on: in a full
//! cycle every user and group of the snapshot has exactly one entry with an import step (its
//! evaluation); every write request sent has an export step in an entry of its object, and no
//! export step claims a request that was not sent.

use std::collections::BTreeMap;

use serde_json::Value as Json;

mod support;
use support::common::{self, Run};

const NOW: &str = "2025-01-01T00:00:00Z";
const ENGINE: &str = "tests/data/engine";

/// One case: a golden file name, the mapping, the snapshots (none: the built-in sample) and
/// extra arguments.
struct Case {
    name: &'static str,
    mapping: &'static str,
    directories: &'static [&'static str],
    extra: &'static [&'static str],
}

const CASES: &[Case] = &[
    // The README's first command, then a restart: cycle 2 is full and finds nothing to change.
    Case {
        name: "sample-two-cycles",
        mapping: "mappings/scim-default.yaml",
        directories: &[],
        extra: &["--cycles", "2", "--restart-before", "2"],
    },
    // Updates, a disable, a hard delete, member changes, incremental cycle 2.
    Case {
        name: "simulate-two-snapshots",
        mapping: "mappings/scim-default.yaml",
        directories: &[
            "tests/data/simulate/cycle1.yaml",
            "tests/data/simulate/cycle2.yaml",
        ],
        extra: &[],
    },
    // Out of a scoping filter: the clause and the value that fail it.
    Case {
        name: "scoping-filter",
        mapping: "tests/data/engine/impact/engineers-only.yaml",
        directories: &["impact/directory.yaml"],
        extra: &[],
    },
    // Assigned through a group, not assigned, a nested group's member; then one leaves.
    Case {
        name: "assignment-left-group",
        mapping: "tests/data/engine/mapping.yaml",
        directories: &["assignment/d1.yaml", "assignment/d2-left-group.yaml"],
        extra: &[],
    },
    Case {
        name: "refusal-duplicate-source",
        mapping: "tests/data/engine/base.yaml",
        directories: &["refusals/duplicate-source.yaml"],
        extra: &["--allow-failures"],
    },
    Case {
        name: "refusal-required",
        mapping: "tests/data/engine/refusals/required-nickname.yaml",
        directories: &["refusals/required.yaml"],
        extra: &["--allow-failures"],
    },
    Case {
        name: "refusal-expression-fails",
        mapping: "tests/data/engine/refusals/expression-fails-mapping.yaml",
        directories: &["refusals/expression-fails.yaml"],
        extra: &["--allow-failures"],
    },
    Case {
        name: "import-skipped",
        mapping: "tests/data/engine/base.yaml",
        directories: &["refusals/no-match-value.yaml"],
        extra: &[],
    },
    // A manager linked after the user in an incremental cycle: not set, and why.
    Case {
        name: "manager-not-linked",
        mapping: "tests/data/engine/base.yaml",
        directories: &["cycles/manager-out.yaml", "cycles/manager-in.yaml"],
        extra: &[],
    },
    // Disabled, then deleted after being unassigned.
    Case {
        name: "unassigned-then-deleted",
        mapping: "tests/data/engine/base.yaml",
        directories: &[
            "cycles/two-users-plain.yaml",
            "cycles/ben-unassigned.yaml",
            "cycles/ben-deleted.yaml",
        ],
        extra: &[],
    },
    // Disables by cause: left a scoping filter, disabled, unassigned.
    Case {
        name: "disables-by-cause",
        mapping: "tests/data/engine/impact/engineers-only.yaml",
        directories: &["tests/data/log/d1.yaml", "tests/data/log/d2.yaml"],
        extra: &[],
    },
    // The accidental-deletions threshold stages the disables and deletes.
    Case {
        name: "threshold-staged",
        mapping: "tests/data/engine/guards/threshold-2.yaml",
        directories: &["guards/d1.yaml", "guards/d2.yaml"],
        extra: &[],
    },
];

fn entramap(args: &[String]) -> Run {
    let out = common::command()
        .args(args)
        .output()
        .expect("the binary runs");
    Run::from(out)
}

fn args(case: &Case, format: &str) -> Vec<String> {
    let mut args = vec!["simulate".to_owned(), case.mapping.to_owned()];
    for d in case.directories {
        args.push("--directory".into());
        // Paths from the repository root are kept; others are under tests/data/engine.
        args.push(if d.starts_with("tests/") {
            (*d).to_owned()
        } else {
            format!("{ENGINE}/{d}")
        });
    }
    args.extend(["--format", format, "--now", NOW].map(str::to_owned));
    args.extend(case.extra.iter().map(|s| (*s).to_owned()));
    args
}

fn entries(stdout: &str) -> Vec<Json> {
    common::json_lines(stdout)
}

fn cycle_of(entry: &Json) -> u64 {
    u64::from_str_radix(&entry["cycleId"].as_str().unwrap()[..8], 16).unwrap()
}

/// The golden log of the case named `name`.
fn golden(name: &str) {
    let case = CASES
        .iter()
        .find(|c| c.name == name)
        .expect("a case of the table");
    let run = entramap(&args(case, "log"));
    assert_eq!(run.code, 0, "{}: {}", case.name, run.stderr);
    support::golden::assert_golden(
        &format!("tests/golden/log/{}.jsonl", case.name),
        &run.stdout,
    );
}

/// One test per case, so that `UPDATE_GOLDEN=1` rewrites each file once.
macro_rules! golden_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                golden($name);
            }
        )*

        #[test]
        fn every_case_has_a_golden_test() {
            let tested = [$($name),*];
            for case in CASES {
                assert!(tested.contains(&case.name), "{} has no golden test", case.name);
            }
        }
    };
}

golden_tests! {
    golden_log_sample_two_cycles => "sample-two-cycles",
    golden_log_simulate_two_snapshots => "simulate-two-snapshots",
    golden_log_scoping_filter => "scoping-filter",
    golden_log_assignment_left_group => "assignment-left-group",
    golden_log_refusal_duplicate_source => "refusal-duplicate-source",
    golden_log_refusal_required => "refusal-required",
    golden_log_refusal_expression_fails => "refusal-expression-fails",
    golden_log_import_skipped => "import-skipped",
    golden_log_manager_not_linked => "manager-not-linked",
    golden_log_unassigned_then_deleted => "unassigned-then-deleted",
    golden_log_threshold_staged => "threshold-staged",
    golden_log_disables_by_cause => "disables-by-cause",
}

/// Every write request of the jsonl transcript has an export step in an entry of its object in
/// the same cycle, and every export step is a request that was sent.
#[test]
fn every_write_sent_has_an_export_step_and_no_export_step_claims_an_unsent_write() {
    for case in CASES {
        let log = entries(&entramap(&args(case, "log")).stdout);
        let jsonl = entramap(&args(case, "jsonl"));
        let mut sent: BTreeMap<(u64, String), Vec<String>> = BTreeMap::new();
        for line in jsonl.stdout.lines() {
            let r: Json = serde_json::from_str(line).unwrap();
            // Reads are not exports, and a failed object's line is not a request.
            if r["method"] == "GET" || r["action"] == "failed" {
                continue;
            }
            sent.entry((
                r["cycle"].as_u64().unwrap(),
                r["object"].as_str().unwrap().to_owned(),
            ))
            .or_default()
            .push(format!(
                "{} {} -> {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["status"]
            ));
        }
        let mut logged: BTreeMap<(u64, String), Vec<String>> = BTreeMap::new();
        for e in &log {
            for step in e["provisioningSteps"].as_array().unwrap() {
                if step["provisioningStepType"] == "export" {
                    logged
                        .entry((
                            cycle_of(e),
                            e["sourceIdentity"]["id"].as_str().unwrap().to_owned(),
                        ))
                        .or_default()
                        .push(step["details"]["Request"].as_str().unwrap().to_owned());
                }
            }
        }
        assert_eq!(logged, sent, "{}", case.name);
    }
}

/// In a full cycle every user and group of the snapshot gets exactly one entry that evaluates
/// it (an import step); an incremental cycle logs only what it evaluates.
#[test]
fn a_full_cycle_logs_every_object_of_the_snapshot_exactly_once() {
    let case = &CASES[0];
    let log = entries(&entramap(&args(case, "log")).stdout);
    for cycle in [1, 2] {
        let mut evaluated: Vec<&str> = log
            .iter()
            .filter(|e| cycle_of(e) == cycle)
            .filter(|e| e["provisioningSteps"][0]["provisioningStepType"] == "import")
            .map(|e| e["sourceIdentity"]["displayName"].as_str().unwrap())
            .collect();
        evaluated.sort_unstable();
        let before = evaluated.len();
        evaluated.dedup();
        assert_eq!(before, evaluated.len(), "one entry each");
        // The built-in sample: 12 users and 3 groups.
        assert_eq!(evaluated.len(), 15, "cycle {cycle}: {evaluated:?}");
        assert!(evaluated.contains(&"noor.haddad@contoso.com"));
        assert!(evaluated.contains(&"Finance"));
    }
    // Cycle 2 (after the restart) changes nothing: every user in scope is a RedundantExport.
    let redundant = log
        .iter()
        .filter(|e| {
            cycle_of(e) == 2
                && e["provisioningStatusInfo"]["errorInformation"]["errorCode"] == "RedundantExport"
        })
        .count();
    assert_eq!(redundant, 12, "10 users and 2 groups in scope");
}

/// The reasons a reader looks for, in Entra's words: NotEffectivelyEntitled with the nested
/// group, the scoping clause with its value, the manager left unset and why.
#[test]
fn skipped_objects_say_why_in_entras_words() {
    let sample = entries(&entramap(&args(&CASES[0], "log")).stdout);
    let noor = sample
        .iter()
        .find(|e| e["sourceIdentity"]["displayName"] == "noor.haddad@contoso.com")
        .unwrap();
    assert_eq!(noor["provisioningAction"], "create");
    assert_eq!(noor["provisioningStatusInfo"]["status"], "skipped");
    assert_eq!(
        noor["provisioningStatusInfo"]["errorInformation"]["errorCode"],
        "NotEffectivelyEntitled"
    );
    let scoping = &noor["provisioningSteps"][1];
    assert_eq!(scoping["details"]["Assigned to the application"], "False");
    assert!(
        scoping["description"]
            .as_str()
            .unwrap()
            .contains("nested group 'Finance'"),
        "{scoping}"
    );
    let chloe = sample
        .iter()
        .find(|e| {
            e["sourceIdentity"]["displayName"] == "chloe.dubois@contoso.com"
                && e["provisioningStatusInfo"]["status"] == "skipped"
        })
        .unwrap();
    assert!(
        chloe["provisioningStatusInfo"]["errorInformation"]["reason"]
            .as_str()
            .unwrap()
            .contains("noor.haddad@contoso.com"),
        "{chloe}"
    );
    let scoped = entries(&entramap(&args(&CASES[2], "log")).stdout);
    let ben = scoped
        .iter()
        .find(|e| e["sourceIdentity"]["displayName"] == "ben@contoso.com")
        .unwrap();
    let description = ben["provisioningSteps"][1]["description"].as_str().unwrap();
    assert!(
        description.contains("`department EQUALS Engineering` is false (department is 'Design')"),
        "{description}"
    );
}

/// `--format summary` says who and why under each cycle: skipped objects by skip reason with
/// the first names, disables by cause (the scoping clause left), and `--all` for every name.
#[test]
fn the_summary_names_who_was_skipped_and_disabled_and_why() {
    let case = CASES
        .iter()
        .find(|c| c.name == "disables-by-cause")
        .unwrap();
    let run = entramap(&args(case, "summary"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has(&[
        "  skipped 4 objects: 4 NotEffectivelyEntitled (unassigned)\n    NotEffectivelyEntitled (unassigned): u1@contoso.com, u2@contoso.com, u3@contoso.com and 1 more (--all lists them)\n",
        "  would disable 4 objects: 1 accountEnabled false, 2 left scope `department EQUALS Engineering`, 1 unassigned\n",
        "    left scope `department EQUALS Engineering`: ben@contoso.com, cy@contoso.com\n",
        "    accountEnabled false: dee@contoso.com\n",
        "    unassigned: ana@contoso.com\n",
    ]);
    let mut all = args(case, "summary");
    all.push("--all".into());
    let run = entramap(&all);
    assert!(
        run.stdout.contains(
            "    NotEffectivelyEntitled (unassigned): u1@contoso.com, u2@contoso.com, u3@contoso.com, u4@contoso.com\n"
        ),
        "{}",
        run.stdout
    );
}

/// The guard's staged disables and deletes are named in the summary too.
#[test]
fn the_summary_names_what_the_threshold_staged() {
    let case = CASES.iter().find(|c| c.name == "threshold-staged").unwrap();
    let run = entramap(&args(case, "summary"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("    disable held by accidental_deletions_threshold 2: a@c.com, b@c.com\n"),
        "{}",
        run.stdout
    );
}

/// `Redact()`ed values are logged as Entra logs them, `[Redact]`, even with --show-secrets
/// (which only concerns jsonl).
#[test]
fn redacted_values_are_logged_as_redact() {
    let run = entramap(
        &[
            "simulate",
            "tests/data/simulate/redact.yaml",
            "--directory",
            "tests/data/simulate/cycle1.yaml",
            "--format",
            "log",
            "--show-secrets",
            "--now",
            NOW,
        ]
        .map(str::to_owned),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(r#"{"displayName":"password","oldValue":null,"newValue":"[Redact]"}"#),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("bjensen-Initial1!"), "{}", run.stdout);
}
