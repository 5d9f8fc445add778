//! Retries and quarantine: when Entra tries a failed object again, and when it quarantines the
//! job. Sources (docs/identity/app-provisioning/ in MicrosoftDocs/entra-docs):
//! how-provisioning-works.md, "Errors and retries" and "Quarantine";
//! application-provisioning-quarantine-status.md, "Escrow thresholds", "Retry duration" and
//! "How do I get my application out of quarantine?". The failing object is Ben, whose create
//! lacks the `nickName` the app requires (MandatoryFieldsMissing, answered 400); the data is
//! under tests/data/engine/.

use std::process::Command;

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::model::mapping::{Dialect, MappingFile};
use entramap::provision::cycle::Simulator;
use entramap::provision::directory::{self, Directory};
use entramap::provision::endpoint::{Endpoint, Response};
use entramap::provision::retry::{EscrowThresholds, QuarantineReason};
use entramap::provision::target::Target;
use serde_json::Value as Json;

#[path = "support/common.rs"]
mod common;
use common::Run;

const MAPPING: &str = "tests/data/engine/refusals/required-nickname.yaml";
const BEN_FAILS: &str = "tests/data/engine/refusals/required.yaml";
const BEN_FIXED: &str = "tests/data/engine/retries/ben-has-a-nickname.yaml";
const BEN: &str = "00000000-0000-4000-8000-00000000000b";
const NOW: &str = "2025-01-01T00:00:00Z";

fn simulate(directories: &[&str], format: &str, extra: &[&str]) -> Run {
    simulate_with(MAPPING, directories, format, extra)
}

fn simulate_with(mapping: &str, directories: &[&str], format: &str, extra: &[&str]) -> Run {
    // Failing objects are these tests' subject; the exit status they give (1) is another's.
    let mut args = vec![
        "simulate",
        mapping,
        "--format",
        format,
        "--now",
        NOW,
        "--allow-failures",
    ];
    for d in directories {
        args.extend(["--directory", d]);
    }
    args.extend(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(&args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let run = Run::from(out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run
}

/// The cycles in which Ben's create is sent (and answered 400).
fn ben_creates(run: &Run) -> Vec<u64> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).expect("a JSON line"))
        .filter(|l| l["object"] == BEN && l["action"] == "create")
        .map(|l| {
            assert_eq!(l["status"], 400);
            l["cycle"].as_u64().expect("a cycle")
        })
        .collect()
}

/// how-provisioning-works.md, "Errors and retries" ("retried in the next sync cycle ...
/// gradually scaling back the frequency") and application-provisioning-quarantine-status.md,
/// "Retry duration" (6 h, 12 h and 24 h after the first failure, then every 24 h, for 28
/// days): which cycles retry Ben, for several cycle intervals.
#[test]
fn errors_and_retries_a_failed_object_is_retried_next_cycle_then_6_12_24_hours_then_daily() {
    let cases: &[(&str, u32, &[u64])] = &[
        // 1 h apart: next cycle (1 h), then 6 h, 12 h, 24 h, 48 h after the first failure.
        ("1h", 50, &[1, 2, 7, 13, 25, 49]),
        // Entra's 40 minutes: 6 h is cycle 10 (360 min), 12 h cycle 19, 24 h cycle 37.
        ("40m", 40, &[1, 2, 10, 19, 37]),
        // 8 h apart: every cycle until the retries fall behind (48 h is cycle 7).
        ("8h", 8, &[1, 2, 3, 4, 5, 7]),
        // A day apart: every cycle is due, until 28 days after the first failure.
        ("1d", 31, &(1..=29).collect::<Vec<u64>>()),
    ];
    for &(interval, cycles, want) in cases {
        let cycles = cycles.to_string();
        let run = simulate(
            &[BEN_FAILS],
            "jsonl",
            &["--cycles", &cycles, "--cycle-interval", interval],
        );
        assert_eq!(ben_creates(&run), want, "--cycle-interval {interval}");
    }
}

/// A failed object that waits for its retry is explained: a `retry-later` comment with the
/// time of the next retry in the `.http` transcript, a count in the summary; an entry given
/// up after 28 days says so.
#[test]
fn errors_and_retries_a_waiting_object_is_explained_in_every_format() {
    let http = simulate(
        &[BEN_FAILS],
        "http",
        &["--cycles", "3", "--cycle-interval", "1h"],
    );
    assert!(
        http.stdout.contains(&format!(
            "# cycle 3 · not sent · retry-later {BEN}: failing since cycle 1, retried 1 times; \
             the next retry is at 2025-01-01T06:00:00Z (last error: MandatoryFieldsMissing"
        )),
        "{}",
        http.stdout
    );
    let summary = simulate(
        &[BEN_FAILS],
        "summary",
        &["--cycles", "3", "--cycle-interval", "1h"],
    );
    let cycle3 = summary
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("cycle 3:"));
    assert!(
        cycle3
            .clone()
            .any(|l| l == "  not sent, retry-later: 1 objects"),
        "{}",
        summary.stdout
    );
    let month = simulate(
        &[BEN_FAILS],
        "jsonl",
        &["--cycles", "31", "--cycle-interval", "1d"],
    );
    assert!(
        month.stderr.contains(
            "note: cycle 30 · 1 failed objects reached 28 days without success: their escrow \
             entries are removed"
        ),
        "{}",
        month.stderr
    );
}

/// how-provisioning-works.md, "Incremental cycles": a change in the directory is evaluated in
/// the next cycle, so a failed object that changes does not wait for its retry.
#[test]
fn errors_and_retries_a_changed_object_is_evaluated_before_its_next_retry() {
    let run = simulate(
        &[BEN_FAILS, BEN_FAILS, BEN_FAILS, BEN_FIXED],
        "jsonl",
        &["--cycle-interval", "1h"],
    );
    let creates: Vec<(u64, u64)> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).unwrap())
        .filter(|l| l["object"] == BEN && l["action"] == "create")
        .map(|l| (l["cycle"].as_u64().unwrap(), l["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(creates, [(1, 400), (2, 400), (4, 201)]);
}

/// application-provisioning-quarantine-status.md: "Restart provisioning" runs "a full
/// initial cycle ... which clears escrows": the restarted cycle and the one after it retry.
#[test]
fn errors_and_retries_a_restart_clears_the_backoff() {
    let run = simulate(
        &[BEN_FAILS],
        "jsonl",
        &[
            "--cycles",
            "6",
            "--cycle-interval",
            "1h",
            "--restart-before",
            "4",
        ],
    );
    assert_eq!(ben_creates(&run), [1, 2, 4, 5]);
}

/// how-provisioning-works.md, "Errors and retries" ("an error in the target system prevents an
/// individual user from being added, updated, or deleted"): an update the app refuses fails
/// the object with the log's code (howto-analyze-provisioning-logs.md: a conflict is
/// EntryConflict), and it is retried in the next cycle, not in the one after.
#[test]
fn errors_and_retries_an_update_the_app_refuses_fails_with_entry_conflict_and_is_retried() {
    let run = simulate_with(
        "tests/data/engine/base.yaml",
        &[
            "tests/data/engine/cycles/two-users.yaml",
            "tests/data/engine/retries/ben-takes-anas-upn.yaml",
        ],
        "http",
        &["--cycles", "4"],
    );
    for cycle in [2, 3] {
        assert!(
            run.stdout.contains(&format!(
                "# cycle {cycle} · failed {BEN}: EntryConflict: the update was answered 409"
            )),
            "{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("### cycle 4"), "{}", run.stdout);
    assert!(
        run.stdout.contains("# cycle 4 · not sent · retry-later "),
        "{}",
        run.stdout
    );
}

/// A directory of `failing` users without a mailNickname (their creates are refused) and
/// `succeeding` users with one, written under the test target directory.
fn generated(name: &str, failing: usize, succeeding: usize) -> String {
    let mut text = String::from("users:\n");
    for i in 0..failing + succeeding {
        let nickname = if i < failing {
            String::new()
        } else {
            format!(", mailNickname: n{i}")
        };
        text.push_str(&format!(
            "  - {{objectId: u{i:06}, userPrincipalName: u{i}@contoso.com, displayName: U{i}, \
             accountEnabled: true{nickname}}}\n"
        ));
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("the directory is written");
    path.to_string_lossy().into_owned()
}

/// The summary's first line for each cycle.
fn cycle_lines(summary: &str) -> Vec<&str> {
    summary
        .lines()
        .filter(|l| l.starts_with("cycle "))
        .collect()
}

/// application-provisioning-quarantine-status.md, "Escrow thresholds": at least 5,000
/// failures before any evaluation, then more than 40% of provisioning events failed.
#[test]
fn escrow_thresholds_quarantine_the_job_from_5000_failures_over_40_percent() {
    let cases: &[(usize, usize, bool)] = &[
        (4_999, 0, false),
        (5_000, 0, true),
        (5_000, 7_600, false), // 39.7%
        (5_000, 7_400, true),  // 40.3%
    ];
    for &(failing, succeeding, quarantined) in cases {
        let name = format!("retries-{failing}-{succeeding}.yaml");
        let dir = generated(&name, failing, succeeding);
        let run = simulate(
            &[&dir],
            "summary",
            &["--cycles", "2", "--cycle-interval", "1h"],
        );
        let said = run.stdout.contains(&format!(
            "  job quarantined (EncounteredEscrowProportionThreshold: {failing} of {} objects \
             failed)",
            failing + succeeding
        ));
        assert_eq!(
            said, quarantined,
            "{failing} failing, {succeeding} succeeding: {}",
            run.stdout
        );
        // Quarantined, cycle 2 (an hour later) does not run; otherwise it retries every failure.
        let second = cycle_lines(&run.stdout)[1].to_owned();
        let retried = second.contains(&format!("{failing} failed objects"));
        assert_eq!(retried, !quarantined, "{second}");
    }
}

/// application-provisioning-quarantine-status.md: while quarantined the job runs 6, 12 and 24
/// hours after it entered quarantine; a successful retry takes it out.
#[test]
fn quarantine_runs_6_12_24_hours_later_and_a_successful_retry_ends_it() {
    let failing = generated("retries-5000.yaml", 5_000, 0);
    let run = simulate(
        &[&failing],
        "summary",
        &["--cycles", "14", "--cycle-interval", "2h"],
    );
    let ran: Vec<usize> = cycle_lines(&run.stdout)
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("5000 creates"))
        .map(|(i, _)| i + 1)
        .collect();
    // 2 h apart: 6 h is cycle 4, 12 h cycle 7, 24 h cycle 13.
    assert_eq!(ran, [1, 4, 7, 13], "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "  job in quarantine since cycle 1 (EncounteredEscrowProportionThreshold: 5000 of \
             5000 objects failed): this cycle does not run; the next run is at \
             2025-01-01T06:00:00Z"
        ),
        "{}",
        run.stdout
    );

    // The same users get the nickname in cycle 2's snapshot: the quarantine's first run (cycle
    // 4, 6 h) creates them all, and the job leaves quarantine.
    let text = std::fs::read_to_string(&failing).unwrap();
    let fixed_text: String = text
        .lines()
        .map(|l| {
            l.replacen(
                "accountEnabled: true}",
                "accountEnabled: true, mailNickname: x}",
                1,
            )
        })
        .map(|l| l + "\n")
        .collect();
    let fixed = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("retries-5000-fixed.yaml");
    std::fs::write(&fixed, fixed_text).unwrap();
    let fixed = fixed.to_string_lossy().into_owned();
    let run = simulate(
        &[&failing, &fixed],
        "summary",
        &["--cycles", "5", "--cycle-interval", "2h"],
    );
    let lines = cycle_lines(&run.stdout);
    assert!(
        lines[3].starts_with("cycle 4: 5000 creates"),
        "{}",
        run.stdout
    );
    assert!(!lines[3].contains("failed objects"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "  job out of quarantine: the run succeeded, cycles follow the interval again"
        ),
        "{}",
        run.stdout
    );
    assert!(lines[4].starts_with("cycle 5: 0 creates"), "{}", run.stdout);
}

/// An app that refuses the credentials while `refuse` is set, and otherwise is the in-memory
/// app.
struct Credentials {
    app: Target,
    refuse: bool,
}

impl Endpoint for Credentials {
    fn handle(&mut self, method: &str, path: &str, body: Option<&Json>) -> Response {
        if self.refuse {
            return Response {
                status: 401,
                body: None,
                location: None,
            };
        }
        self.app.handle(method, path, body)
    }
}

fn mapping() -> MappingFile {
    let text = std::fs::read_to_string(MAPPING).unwrap();
    entramap::load::parse(MAPPING, &text).unwrap().file
}

fn start() -> DateTime {
    DateTime::parse_rfc3339(NOW).unwrap()
}

fn ben_fails() -> Directory {
    directory::read(std::path::Path::new(BEN_FAILS)).unwrap()
}

fn hours(start: DateTime, h: i64) -> DateTime {
    DateTime::from_ticks(start.ticks() + h * 3600 * 10_000_000).unwrap()
}

/// application-provisioning-quarantine-status.md, "Why is my application in quarantine?":
/// invalid credentials quarantine the job whatever the failure count
/// (`EncounteredQuarantineException`); once the credentials are fixed, the quarantine's next
/// run (6 h later) succeeds and ends it.
#[test]
fn quarantine_invalid_credentials_whatever_the_failure_count() {
    let (start, dir) = (start(), ben_fails());
    let endpoint = Credentials {
        app: Target::new(&[], &[]),
        refuse: true,
    };
    let mut sim = Simulator::with_endpoint(
        &mapping(),
        Dialect::Legacy,
        Context::new(start, 0),
        endpoint,
    )
    .unwrap();
    sim.run_cycle(&dir, 1, &mut |_| {});
    let q = sim.retries().quarantine().expect("quarantined");
    assert_eq!(
        q.reason,
        QuarantineReason::InvalidCredentials { status: 401 }
    );
    sim.endpoint_mut().refuse = false;
    let mut sent = 0;
    sim.set_now(hours(start, 1));
    sim.run_cycle(&dir, 2, &mut |_| sent += 1);
    assert_eq!(sent, 0, "an hour later the quarantined job does not run");
    sim.set_now(hours(start, 6));
    sim.run_cycle(&dir, 3, &mut |_| sent += 1);
    assert!(sent > 0, "6 hours later it runs");
    assert!(
        sim.retries().quarantine().is_none(),
        "and leaves quarantine"
    );
    assert!(
        sim.linked_user("00000000-0000-4000-8000-00000000000a")
            .is_some()
    );
}

/// how-provisioning-works.md, "Quarantine": "If the provisioning job stays in quarantine for
/// more than four weeks, the provisioning job is disabled"; a restart clears the quarantine.
/// Thresholds lowered so that Ben's one failure is enough.
#[test]
fn quarantine_for_more_than_four_weeks_disables_the_job_until_a_restart() {
    let (start, dir) = (start(), ben_fails());
    let mut sim = Simulator::new(&mapping(), Dialect::Legacy, Context::new(start, 0)).unwrap();
    sim.set_escrow_thresholds(EscrowThresholds {
        minimum: 1,
        ..EscrowThresholds::ENTRA
    });
    let mut runs = Vec::new();
    for day in 0..31 {
        let cycle = day + 1;
        if cycle == 31 {
            sim.restart();
        }
        sim.set_now(hours(start, 24 * i64::from(day)));
        let mut sent = false;
        sim.run_cycle(&dir, cycle, &mut |_| sent = true);
        if sent {
            runs.push(cycle);
        }
    }
    // Daily cycles: every one runs in quarantine (each is past its retry time) up to day 28;
    // day 29 (cycle 30) disables the job; the restart runs a full cycle.
    let want: Vec<u32> = (1..=29).chain([31]).collect();
    assert_eq!(runs, want);
    let q = sim
        .retries()
        .quarantine()
        .expect("quarantined again by the restarted run");
    assert_eq!(q.cycle, 31);
    assert!(!q.disabled);
}

/// An app that answers 404 to every match query (a filter), the "SCIM compliance issue" of
/// application-provisioning-quarantine-status.md.
struct NotFoundQueries(Target);

impl Endpoint for NotFoundQueries {
    fn handle(&mut self, method: &str, path: &str, body: Option<&Json>) -> Response {
        if method == "GET" && path.contains("filter=") {
            return Response {
                status: 404,
                body: None,
                location: None,
            };
        }
        self.0.handle(method, path, body)
    }
}

/// application-provisioning-quarantine-status.md, "Why is my application in quarantine?": a
/// 404 where a query expects 200 with an empty list quarantines the job at once.
#[test]
fn quarantine_a_404_to_a_match_query_is_a_scim_compliance_issue() {
    let endpoint = NotFoundQueries(Target::new(&[], &[]));
    let mut sim = Simulator::with_endpoint(
        &mapping(),
        Dialect::Legacy,
        Context::new(start(), 0),
        endpoint,
    )
    .unwrap();
    let failures = sim.run_cycle(&ben_fails(), 1, &mut |_| {});
    assert_eq!(failures.len(), 2, "both match queries fail");
    let q = sim.retries().quarantine().expect("quarantined");
    assert_eq!(q.reason, QuarantineReason::ScimCompliance);
    assert!(
        sim.retries()
            .lines()
            .iter()
            .any(|l| l.starts_with("job quarantined (SCIM compliance issue")),
        "{:?}",
        sim.retries().lines()
    );
}

/// An app that answers 400 to every manager PATCH while `refuse` is set (as SCIMMY does to
/// Entra's plain-string manager), and is otherwise the in-memory app.
struct RefusesManager {
    app: Target,
    refuse: bool,
}

impl Endpoint for RefusesManager {
    fn handle(&mut self, method: &str, path: &str, body: Option<&Json>) -> Response {
        let names_manager = body.is_some_and(|b| b.to_string().contains(":manager"));
        if self.refuse && method == "PATCH" && names_manager {
            return Response {
                status: 400,
                body: None,
                location: None,
            };
        }
        self.app.handle(method, path, body)
    }
}

const SAMPLE_MAPPING: &str = "mappings/scim-default.yaml";
const SAMPLE_DIRECTORY: &str = "mappings/samples/directory.yaml";
const BJORN: &str = "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0002";

/// The sample directory's job against [`RefusesManager`], and its snapshot.
fn refused_managers() -> (Simulator<RefusesManager>, Directory) {
    let text = std::fs::read_to_string(SAMPLE_MAPPING).unwrap();
    let file = entramap::load::parse(SAMPLE_MAPPING, &text).unwrap().file;
    let endpoint = RefusesManager {
        app: Target::new(
            &file.users.attributes,
            file.groups.as_ref().map_or(&[][..], |g| &g.attributes),
        ),
        refuse: true,
    };
    let sim = Simulator::with_endpoint(&file, Dialect::Legacy, Context::new(start(), 0), endpoint)
        .unwrap();
    let dir = directory::read(std::path::Path::new(SAMPLE_DIRECTORY)).unwrap();
    (sim, dir)
}

/// Run cycle `cycle` at `hour` hours after the start; the statuses of Björn's manager PATCHes.
fn bjorn_manager_patches(
    sim: &mut Simulator<RefusesManager>,
    dir: &Directory,
    cycle: u32,
    hour: i64,
) -> Vec<u16> {
    sim.set_now(hours(start(), hour));
    let mut statuses = Vec::new();
    sim.run_cycle(dir, cycle, &mut |r| {
        if r.object == BJORN && r.action == entramap::provision::cycle::RequestPurpose::LinkManager
        {
            statuses.push(r.status);
        }
    });
    statuses
}

/// how-provisioning-works.md, "Errors and retries": an update the app refuses is retried in
/// the next cycle, then on the retry schedule. A refused manager PATCH is such an update: the
/// user waits in escrow like any failed object, so the incremental cycles that follow retry it
/// although nothing about the user changed, until the app accepts it. (A reference failure
/// still counts apart from object failures for the escrow thresholds.)
#[test]
fn errors_and_retries_a_refused_manager_patch_is_retried_in_the_next_incremental_cycles() {
    let (mut sim, dir) = refused_managers();
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 1, 0), [400]);
    // Unchanged and incremental: only the escrow brings Björn back.
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 2, 1), [400]);
    // Not due between the first retry and the 6-hour one: explained, not sent.
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 3, 2), [] as [u16; 0]);
    assert!(
        sim.notes().iter().any(
            |n| n.object == BJORN && n.kind == entramap::provision::cycle::NoteKind::RetryLater
        ),
        "{:?}",
        sim.notes()
    );
    sim.endpoint_mut().refuse = false;
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 4, 6), [200]);
    // Accepted: out of escrow, and an unchanged user gets nothing more.
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 5, 12), [] as [u16; 0]);
    assert!(sim.retries().is_empty(), "{:?}", sim.retries().lines());
}

/// In a full cycle Entra compares the manager it wants with the one the app shows
/// (how-provisioning-works.md, "Incremental cycles": a restart re-evaluates every object):
/// a refused link is sent again; one the app came to hold by other means (an admin, or
/// `live --probe` sending the probe's shape) is not.
#[test]
fn a_full_cycle_sends_a_refused_manager_again_unless_the_app_now_shows_it() {
    let (mut sim, dir) = refused_managers();
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 1, 0), [400]);
    sim.restart();
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 2, 1), [400]);
    // The app gets Björn's manager some other way, as `{"value": id}`.
    let (bjorn, amelie) = (
        sim.linked_user(BJORN).unwrap(),
        sim.linked_user("0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0001")
            .unwrap(),
    );
    let patch = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": {"value": amelie}}]
    });
    let answer = sim
        .endpoint_mut()
        .app
        .handle("PATCH", &format!("/Users/{bjorn}"), Some(&patch));
    assert_eq!(answer.status, 200);
    sim.restart();
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 3, 2), [] as [u16; 0]);
}

/// application-provisioning-quarantine-status.md, "Escrow thresholds": reference failures are
/// kept out of the 40% test. Users waiting in escrow only for their manager are provisioned
/// objects, so nine of them among eleven users do not quarantine the job even with the
/// minimum lowered to one.
#[test]
fn escrow_thresholds_users_waiting_only_for_their_manager_are_reference_failures() {
    let (mut sim, dir) = refused_managers();
    sim.set_escrow_thresholds(EscrowThresholds {
        minimum: 1,
        ..EscrowThresholds::ENTRA
    });
    assert_eq!(bjorn_manager_patches(&mut sim, &dir, 1, 0), [400]);
    assert!(
        !sim.retries().is_empty(),
        "the refused users wait in escrow"
    );
    assert!(
        sim.retries().quarantine().is_none(),
        "{:?}",
        sim.retries().lines()
    );
}
