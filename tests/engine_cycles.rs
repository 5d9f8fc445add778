//! Entra's cycles, end to end through the binary: which objects a cycle evaluates, restarts,
//! the known issues that follow from incremental cycles, and `impact`. Each test names the
//! Microsoft doc section it follows (docs/identity/app-provisioning/ in MicrosoftDocs/entra-docs);
//! the data is under tests/data/engine/.

use serde_json::Value as Json;

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap, run_cases};

const BASE: &str = "tests/data/engine/base.yaml";
const NOW: &str = "2025-01-01T00:00:00Z";

fn data(name: &str) -> String {
    format!("tests/data/engine/{name}")
}

/// `simulate BASE` over `directories` (one cycle each) plus `extra` arguments, as jsonl.
fn jsonl(directories: &[&str], extra: &[&str]) -> Vec<Json> {
    let mut args = vec!["simulate", BASE, "--format", "jsonl", "--now", NOW];
    let paths: Vec<String> = directories.iter().map(|d| data(d)).collect();
    for p in &paths {
        args.extend(["--directory", p.as_str()]);
    }
    args.extend(extra);
    let run = entramap(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json_lines()
}

/// `simulate BASE` over `directories` in `format` (the transcript when `None`).
fn simulate(directories: &[&str], format: Option<&str>) -> Run {
    let paths: Vec<String> = directories.iter().map(|d| data(d)).collect();
    let mut args = vec!["simulate", BASE];
    for p in &paths {
        args.extend(["--directory", p.as_str()]);
    }
    args.extend(["--now", NOW]);
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    entramap(&args)
}

fn in_cycle(lines: &[Json], cycle: u32) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l["cycle"] == cycle)
        .map(|l| {
            format!(
                "{} {}",
                l["action"].as_str().unwrap(),
                l["object"].as_str().unwrap()
            )
        })
        .collect()
}

const ANA: &str = "00000000-0000-4000-8000-00000000000a";
const BEN: &str = "00000000-0000-4000-8000-00000000000b";
const MAX: &str = "00000000-0000-4000-8000-00000000000f";
const GROUP: &str = "00000000-0000-4000-8000-0000000000g1";

/// What one cycle's jsonl lines must be, each as `action object`.
enum Cycle {
    /// Exactly these, in order; none: the cycle sends nothing, not even a read.
    Exactly(Vec<String>),
    /// At least one line.
    NotEmpty,
    /// This line among them.
    Contains(String),
    /// This line last.
    Last(String),
}

/// A sequence of directory snapshots (one cycle each) and what Entra's cycles send for it.
struct CycleCase {
    /// What the case proves.
    id: &'static str,
    /// The Microsoft doc (docs/identity/app-provisioning/) and section the behaviour follows.
    source: &'static str,
    /// The snapshots, under tests/data/engine/.
    directories: &'static [&'static str],
    /// More arguments for the jsonl run (`--cycles`, `--restart-before`).
    extra: &'static [&'static str],
    /// Per cycle, what its jsonl lines must be.
    cycles: Vec<(u32, Cycle)>,
    /// Lines the transcript of the snapshots alone (no `extra`) must contain: why a request
    /// was not sent.
    transcript: Vec<String>,
    /// Lines the summary of the snapshots alone must contain.
    summary: Vec<&'static str>,
}

fn cycle_cases() -> Vec<CycleCase> {
    vec![
        CycleCase {
            id: "an_incremental_cycle_over_an_unchanged_snapshot_sends_nothing",
            source: "how-provisioning-works.md, \"Incremental cycles\": an object that did not \
                     change gets no request at all, not even a read",
            directories: &["cycles/two-users.yaml"],
            extra: &["--cycles", "3"],
            cycles: vec![
                (1, Cycle::NotEmpty),
                (2, Cycle::Exactly(vec![])),
                (3, Cycle::Exactly(vec![])),
            ],
            transcript: vec![],
            summary: vec![],
        },
        CycleCase {
            id: "an_incremental_cycle_evaluates_only_the_changed_user",
            source: "how-provisioning-works.md, \"Incremental cycles\": one read and one PATCH \
                     for Ben, nothing for Ana or the group",
            directories: &["cycles/two-users.yaml", "cycles/ben-retitled.yaml"],
            extra: &[],
            cycles: vec![(
                2,
                Cycle::Exactly(vec![format!("read {BEN}"), format!("update {BEN}")]),
            )],
            transcript: vec![],
            summary: vec![],
        },
        CycleCase {
            id: "restart_before_makes_a_full_cycle_that_reads_every_linked_object",
            source: "how-provisioning-works.md, \"Incremental cycles\": a restart clears the \
                     watermark and keeps the links, so the next cycle reads every linked object \
                     (and matches nothing again)",
            directories: &["cycles/two-users.yaml"],
            extra: &["--cycles", "3", "--restart-before", "3"],
            cycles: vec![
                (2, Cycle::Exactly(vec![])),
                (
                    3,
                    Cycle::Exactly(vec![
                        format!("read {ANA}"),
                        format!("read {BEN}"),
                        format!("read {GROUP}"),
                    ]),
                ),
            ],
            transcript: vec![],
            summary: vec![],
        },
        CycleCase {
            id: "a_manager_in_scope_after_the_user_is_linked_only_by_the_next_full_cycle",
            source: "known-issues.md, \"Manager isn't provisioned\": a manager who comes into \
                     scope after the user was provisioned is not linked until a full cycle",
            directories: &["cycles/manager-out.yaml", "cycles/manager-in.yaml"],
            extra: &["--cycles", "3", "--restart-before", "3"],
            cycles: vec![
                (
                    2,
                    Cycle::Exactly(vec![format!("match {MAX}"), format!("create {MAX}")]),
                ),
                (3, Cycle::Contains(format!("link-manager {ANA}"))),
            ],
            transcript: vec![
                "# cycle 2 · not sent · manager-not-linked ana@contoso.com: manager \
                 max@contoso.com was provisioned after this user"
                    .to_owned(),
            ],
            summary: vec!["  not sent, manager-not-linked: 1 objects"],
        },
        CycleCase {
            id: "a_member_in_scope_after_the_group_is_added_only_by_the_next_full_cycle",
            source: "known-issues.md: a group member who was out of scope when the group was \
                     provisioned is added only by the next full cycle",
            directories: &["cycles/member-out.yaml", "cycles/member-in.yaml"],
            extra: &["--cycles", "3", "--restart-before", "3"],
            cycles: vec![
                (
                    2,
                    Cycle::Exactly(vec![format!("match {BEN}"), format!("create {BEN}")]),
                ),
                (3, Cycle::Last(format!("add-members {GROUP}"))),
            ],
            transcript: vec![
                "# cycle 2 · not sent · member-not-added Staff: ben@contoso.com came into scope"
                    .to_owned(),
            ],
            summary: vec![],
        },
        CycleCase {
            id: "a_user_unassigned_then_deleted_gets_no_delete",
            source: "how-provisioning-works.md, \"Known limitations\": a user unassigned (so \
                     disabled) is no longer managed, and its later deletion sends no DELETE",
            directories: &[
                "cycles/two-users-plain.yaml",
                "cycles/ben-unassigned.yaml",
                "cycles/ben-deleted.yaml",
            ],
            extra: &[],
            cycles: vec![
                (
                    2,
                    Cycle::Exactly(vec![format!("read {BEN}"), format!("disable {BEN}")]),
                ),
                (3, Cycle::Exactly(vec![])),
            ],
            transcript: vec![format!(
                "# cycle 3 · not sent · not-managed {BEN}: deleted from Entra"
            )],
            summary: vec![],
        },
        CycleCase {
            id: "a_user_deleted_while_assigned_gets_a_delete",
            source: "how-provisioning-works.md, \"Known limitations\" (the contrast: the DELETE is \
                     withheld only for unmanaged users)",
            directories: &["cycles/two-users-plain.yaml", "cycles/ben-deleted.yaml"],
            extra: &[],
            cycles: vec![(2, Cycle::Exactly(vec![format!("delete {BEN}")]))],
            transcript: vec![],
            summary: vec![],
        },
    ]
}

/// Each case's jsonl run, cycle by cycle, then its transcript and summary.
#[test]
fn each_sequence_of_snapshots_gets_the_requests_entras_cycles_send() {
    let ran = run_cases(
        &cycle_cases(),
        |c| c.id,
        |case| {
            let source = case.source;
            let lines = jsonl(case.directories, case.extra);
            for (n, expected) in &case.cycles {
                let got = in_cycle(&lines, *n);
                match expected {
                    Cycle::Exactly(want) => assert_eq!(&got, want, "cycle {n} ({source})"),
                    Cycle::NotEmpty => {
                        assert!(!got.is_empty(), "cycle {n} sent nothing ({source})")
                    }
                    Cycle::Contains(want) => {
                        assert!(
                            got.contains(want),
                            "cycle {n}: no {want} in {got:?} ({source})"
                        )
                    }
                    Cycle::Last(want) => {
                        assert_eq!(got.last(), Some(want), "cycle {n}: {got:?} ({source})")
                    }
                }
            }
            for (format, wanted) in [
                (None, case.transcript.iter().map(String::as_str).collect()),
                (Some("summary"), case.summary.clone()),
            ] {
                if wanted.is_empty() {
                    continue;
                }
                let run = simulate(case.directories, format);
                for want in wanted {
                    assert!(
                        run.stdout.contains(want),
                        "no {want:?} ({source}) in {run:?}"
                    );
                }
            }
        },
    );
    assert_eq!(ran, 7);
}

/// how-provisioning-works.md, "Incremental cycles": the changed user's PATCH carries only the
/// changed title.
#[test]
fn an_incremental_cycle_patches_the_changed_title() {
    let lines = jsonl(&["cycles/two-users.yaml", "cycles/ben-retitled.yaml"], &[]);
    let patch = &lines
        .iter()
        .find(|l| l["cycle"] == 2 && l["action"] == "update")
        .unwrap();
    assert_eq!(patch["body"]["Operations"][0]["value"], "Lead Designer");
}

#[test]
fn summary_says_which_cycles_are_full_and_which_incremental() {
    let run = entramap(&[
        "simulate",
        BASE,
        "--directory",
        &data("cycles/two-users.yaml"),
        "--cycles",
        "3",
        "--restart-before",
        "3",
        "--format",
        "summary",
        "--now",
        NOW,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("cycle"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(lines[0].ends_with("(full cycle)"), "{}", lines[0]);
    assert!(
        lines[1].starts_with(
            "cycle 2: 0 creates, 0 updates, 0 disables, 0 deletes, 0 membership changes, 0 reads"
        ) && lines[1].ends_with("(incremental cycle)"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains(", 3 reads") && lines[2].ends_with("(full cycle)"),
        "{}",
        lines[2]
    );
}

#[test]
fn restart_before_outside_the_run_and_bad_intervals_are_refused_with_exit_2() {
    for bad in [
        vec!["--restart-before", "1"],
        vec!["--restart-before", "9"],
        vec!["--cycle-interval", "40"],
        vec!["--cycle-interval", "0m"],
        vec!["--cycle-interval", "400d"],
    ] {
        let mut args = vec!["simulate", BASE, "--cycles", "2", "--format", "summary"];
        args.extend(bad.iter().copied());
        let run = entramap(&args);
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{bad:?}: {}", run.stdout);
        assert!(run.stderr.contains("error"), "{bad:?}: {}", run.stderr);
    }
}

/// The clock moves by `--cycle-interval` between cycles: a Now() row sees it in the full cycle
/// after a restart (cycle 2 runs 2 days later here).
#[test]
fn cycle_interval_moves_the_clock_now_reads() {
    let dir = std::env::temp_dir().join(format!("entramap-interval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mapping = dir.join("now.yaml");
    let text = std::fs::read_to_string(BASE).unwrap().replace(
        "      source: jobTitle",
        "      expression: FormatDateTime(Now(), , \"yyyy-MM-ddTHH:mm:ssZ\", \"yyyy-MM-dd\")",
    );
    std::fs::write(&mapping, text).unwrap();
    let run = entramap(&[
        "simulate",
        mapping.to_str().unwrap(),
        "--directory",
        &data("cycles/two-users-plain.yaml"),
        "--cycles",
        "2",
        "--restart-before",
        "2",
        "--cycle-interval",
        "2d",
        "--format",
        "jsonl",
        "--now",
        NOW,
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(r#""title":"2025-01-01""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(r#""value":"2025-01-03""#),
        "{}",
        run.stdout
    );
}

/// `impact BASE NEW` over the impact directory, in `format` (the default when `None`).
fn impact(new: &str, format: Option<&str>) -> Run {
    let new = if new == BASE {
        BASE.to_owned()
    } else {
        data(new)
    };
    let directory = data("impact/directory.yaml");
    let mut args = vec![
        "impact",
        BASE,
        &new,
        "--directory",
        &directory,
        "--now",
        NOW,
    ];
    if let Some(format) = format {
        args.extend(["--format", format]);
    }
    entramap(&args)
}

/// A mapping change and what `impact` prints of the full cycle that follows saving it.
struct ImpactCase {
    /// What the case proves.
    id: &'static str,
    /// The changed mapping under tests/data/engine/ ([`BASE`] itself: no change).
    new: &'static str,
    format: Option<&'static str>,
    /// 1 when the cycle after saving writes, 0 when it only reads.
    code: i32,
    /// Lines (or parts of lines) the output must contain.
    contains: &'static [&'static str],
    /// What it must not contain.
    lacks: &'static [&'static str],
}

/// define-conditional-rules-for-provisioning-user-accounts.md: saving a mapping change is
/// followed by a full cycle; `impact` prints the change and what that cycle writes, and exits
/// 1 when it writes.
#[test]
fn impact_prints_the_change_and_what_the_cycle_after_saving_writes() {
    let cases = [
        ImpactCase {
            id: "impact_of_a_changed_row_summarises_the_change_and_the_updates_and_exits_1",
            new: "impact/title-from-department.yaml",
            format: Some("summary"),
            code: 1,
            contains: &[
                "  users: row changed: title ← [jobTitle]  ⇒  [department]\n",
                "cycle 2: 0 creates, 2 updates, 0 disables",
                "  title: 2 objects",
            ],
            lacks: &["writes nothing"],
        },
        ImpactCase {
            id: "impact_of_a_scoping_filter_names_the_filters_and_the_disabled_user",
            new: "impact/engineers-only.yaml",
            format: Some("http"),
            code: 1,
            contains: &[
                "#   users: scoping filters changed: all objects  ⇒  (department EQUALS \"Engineering\")",
                "### cycle 2 · disable ben@contoso.com",
            ],
            lacks: &[],
        },
        ImpactCase {
            id: "impact_of_no_change_reads_only_and_exits_0",
            new: BASE,
            format: None,
            code: 0,
            contains: &["no change to rows, scoping filters or actions", "writes: 0"],
            lacks: &[],
        },
        ImpactCase {
            id: "impact_of_a_row_whose_values_change_only_in_case_says_why_it_writes_nothing",
            new: "impact/title-upper.yaml",
            format: None,
            code: 0,
            contains: &[
                "  users: row changed: title ← [jobTitle]  ⇒  ToUpper([jobTitle])\n    \
                 writes nothing: the new values differ from the old only in case",
                "title is not caseExact: Entra compares its values without case",
                "writes: 0",
            ],
            lacks: &[],
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let run = impact(case.new, case.format);
            assert_eq!(run.code, case.code, "{run:?}");
            for want in case.contains {
                assert!(run.stdout.contains(want), "no {want:?} in {run:?}");
            }
            for unwanted in case.lacks {
                assert!(!run.stdout.contains(unwanted), "{unwanted:?} in {run:?}");
            }
        },
    );
    assert_eq!(ran, 4);
}

/// The jsonl of the full cycle after a scoping filter change: one write, the disable of the
/// user it leaves out, every line cycle 2 with simulate's jsonl fields.
#[test]
fn impact_of_a_scoping_filter_disables_the_users_it_leaves_out() {
    let run = impact("impact/engineers-only.yaml", Some("jsonl"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines = run.json_lines();
    let writes: Vec<&Json> = lines.iter().filter(|l| l["method"] != "GET").collect();
    assert_eq!(writes.len(), 1, "{}", run.stdout);
    assert_eq!(
        (writes[0]["action"].as_str(), writes[0]["object"].as_str()),
        (Some("disable"), Some(BEN))
    );
    // Only the post-change cycle: every line is cycle 2, with simulate's jsonl fields.
    for l in &lines {
        assert_eq!(l["cycle"], 2);
        for key in [
            "cycle", "object", "action", "method", "path", "body", "status",
        ] {
            assert!(l.get(key).is_some(), "{key} in {l}");
        }
    }
}

#[test]
fn impact_logs_the_post_change_cycle_and_refuses_a_broken_new_mapping_with_exit_2() {
    // The full cycle after saving: one evaluation entry per user, each update with its old
    // and new title; it writes, so exit 1.
    let run = impact("impact/title-from-department.yaml", Some("log"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let entries = run.json_lines();
    let updates: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["provisioningAction"] == "update")
        .collect();
    assert!(!updates.is_empty(), "{}", run.stdout);
    assert!(
        updates.iter().all(|e| e["modifiedProperties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["displayName"] == "title" && !m["oldValue"].is_null())),
        "{}",
        run.stdout
    );
    let missing = entramap(&["impact", BASE, "tests/data/engine/impact/no-such.yaml"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stdout.is_empty());
}
