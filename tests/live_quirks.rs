//! `entramap live` against scripted SCIM servers with the quirks real ones have (see
//! `support::mini`): each must be reported as what it is, and none may make `live` write to an
//! account the run did not create.

mod support;

use std::process::Command;

use serde_json::{Value, json};
use support::mini::{MiniScim, Quirks};

const SAMPLE: &str = "mappings/samples/directory.yaml";
const CHANGED: &str = "tests/data/live/changed.yaml";
const TOKEN: &str = "stub-token-0123";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr))
    }
}

/// `live` of `mapping` against `server` over the sample directory then the changed one, with
/// a fixed prefix and seed, cleanup, and `extra` arguments.
fn live(server: &MiniScim, mapping: &str, dialect: &str, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .arg("live")
        .arg(mapping)
        .args(["--url", &server.stub.url, "--dialect", dialect])
        .args(["--directory", SAMPLE, "--directory", CHANGED])
        .args([
            "--prefix",
            "p-",
            "--seed",
            "7",
            "--now",
            "2025-07-30T09:15:00Z",
        ])
        .arg("--cleanup")
        .args(extra)
        .env("ENTRAMAP_TOKEN", TOKEN)
        .output()
        .expect("run entramap");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn findings(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["cause_id"].as_str().unwrap())
        .collect()
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cause_id"] == id)
        .unwrap_or_else(|| panic!("no {id} finding: {report:#}"))
}

/// A real person's account, there before the run.
fn real_person() -> Value {
    json!({"userName": "real.person@contoso.com", "displayName": "Real Person", "active": true,
           "title": "Keep me"})
}

/// Every write the server received went to an object the run created.
fn assert_writes_only_to_created(server: &MiniScim) {
    let created = server.state.lock().unwrap().created.clone();
    for id in server.written_ids() {
        assert!(
            created.contains(&id),
            "live wrote to {id}, which it did not create (created: {created:?})"
        );
    }
}

#[test]
fn an_app_that_ignores_filter_links_nothing_to_the_first_account_it_returns() {
    // Test Connection passes on the empty server; then the app answers every match query with
    // the users it holds, the first created one first.
    let server = MiniScim::start(
        Quirks {
            ignore_filter: true,
            ..Quirks::default()
        },
        &[],
    );
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["test_connection"]["passed"], true);
    assert_eq!(findings(&report)[0], "filter-ignored", "{report:#}");
    let f = finding(&report, "filter-ignored");
    assert_eq!(f["severity"], "ownership");
    assert!(f["entra"].as_str().unwrap().contains("overwrites"), "{f}");
    assert!(
        f["fix"].as_str().unwrap().contains("RFC 7644 §3.4.2.2"),
        "{f}"
    );
    assert!(
        f["example"]
            .as_str()
            .unwrap()
            .contains("returned 1 (p-amelie.durand@contoso.com)"),
        "{f}"
    );
    let state = server.state.lock().unwrap();
    // Each source user got its own account, and the first one is still the first user's.
    let users = state
        .created
        .iter()
        .filter(|c| c.starts_with("Users/"))
        .count();
    assert!(users >= 10, "{:?}", state.created);
    // Account 1 is the first user's: nothing of another user was written to it.
    for (method, path, body) in &state.writes {
        if path == "/Users/1" {
            let others = body
                .replace("p-amelie", "")
                .replace("p-0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0001", "");
            assert!(!others.contains("p-"), "{method} {path} {body}");
        }
    }
    drop(state);
    assert_writes_only_to_created(&server);
}

#[test]
fn an_app_that_ignores_filter_fails_test_connection_and_its_account_is_never_written() {
    let server = MiniScim::start(
        Quirks {
            ignore_filter: true,
            ..Quirks::default()
        },
        &[real_person()],
    );
    let run = live(&server, "mappings/scim-default.yaml", "compliant", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = run
        .stdout
        .lines()
        .find(|l| l.starts_with("1. "))
        .unwrap_or_default();
    assert!(
        first.starts_with("1. [filter-ignored] OWNERSHIP ×1 (1 (real.person@contoso.com))"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[test-connection-failed]"),
        "{}",
        run.stdout
    );
    assert!(server.written_ids().is_empty());
    assert!(server.state.lock().unwrap().created.is_empty());
}

#[test]
fn an_account_the_run_did_not_create_is_never_written_unless_it_carries_the_prefix_and_adoption_is_asked()
 {
    // An account that really matches the first sample user (prefixed as the run prefixes it).
    let stale = json!({"userName": "p-amelie.durand@contoso.com", "active": true});
    let server = MiniScim::start(Quirks::default(), std::slice::from_ref(&stale));
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(findings(&report)[0], "not-owned", "{report:#}");
    assert!(!findings(&report).contains(&"filter-ignored"));
    assert_writes_only_to_created(&server);

    // With --adopt-prefixed the run may link and update it: it carries the prefix.
    let server = MiniScim::start(Quirks::default(), &[stale]);
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--format", "json", "--adopt-prefixed"],
    );
    let report = run.json();
    assert!(!findings(&report).contains(&"not-owned"), "{report:#}");
    assert!(server.written_ids().contains(&"Users/1".to_owned()));
}

#[test]
fn users_and_groups_numbered_each_from_1_are_told_apart_by_where_the_id_came_from() {
    let server = MiniScim::start(Quirks::default(), &[]);
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--format", "json", "--verbose"],
    );
    let report = run.json();
    {
        let state = server.state.lock().unwrap();
        // The premise: group ids are also user ids, and a member id names a user.
        assert!(state.created.contains(&"Groups/1".to_owned()));
        assert!(state.created.contains(&"Users/1".to_owned()));
    }
    for c in report["cycles"].as_array().unwrap() {
        for d in c["model_differences"].as_array().unwrap() {
            assert_ne!(d["attribute"], "members", "{d}");
        }
    }
    assert_eq!(run.code, 0, "{}\n{report:#}", run.stderr);
}

#[test]
fn an_app_that_deactivates_on_delete_is_reported_with_every_kept_account_by_id_and_username() {
    let server = MiniScim::start(
        Quirks {
            deactivate_on_delete: true,
            ..Quirks::default()
        },
        &[],
    );
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let created_users = server
        .state
        .lock()
        .unwrap()
        .created
        .iter()
        .filter(|c| c.starts_with("Users/"))
        .count();
    let kept = report["cleanup"]["kept"].as_array().unwrap();
    // Every user, including the one Entra's own cycle deleted.
    assert_eq!(kept.len(), created_users, "{report:#}");
    assert!(kept.iter().all(|k| k["state"] == "deactivated"));
    assert!(
        kept.iter()
            .any(|k| k["name"].as_str().unwrap().starts_with("p-") && k["id"] == "1"),
        "{kept:?}"
    );
    assert_eq!(
        report["cleanup"]["left"].as_array().unwrap().len(),
        created_users
    );
    let f = finding(&report, "kept-after-delete");
    assert_eq!(f["count"], created_users);
    // Entra's own DELETE in cycle 2 was accepted: that user is named as kept by the app.
    let left = report["cleanup"]["left"].to_string();
    assert!(
        left.contains("deleted by Entra's cycle, kept by the app"),
        "{left}"
    );
}

#[test]
fn an_app_that_answers_501_to_put_only_agrees_with_entra_which_never_puts() {
    let server = MiniScim::start(
        Quirks {
            put_not_implemented: true,
            ..Quirks::default()
        },
        &[],
    );
    let run = live(&server, "mappings/scim-default.yaml", "compliant", &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("PUT"), "{}", run.stdout);
    assert!(run.stdout.contains("result: the app agrees with Entra"));
}

#[test]
fn without_a_manager_attribute_the_manager_cause_is_a_hypothesis_and_probe_refutes_it() {
    let quirks = Quirks {
        no_manager: true,
        ..Quirks::default()
    };
    let server = MiniScim::start(quirks, &[]);
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "legacy",
        &["--format", "json"],
    );
    let report = run.json();
    let f = finding(&report, "manager-string");
    assert_eq!(f["evidence"], "hypothesis");
    assert!(
        f["example"]
            .as_str()
            .unwrap()
            .contains("unknown attribute: manager"),
        "{f}"
    );

    let server = MiniScim::start(quirks, &[]);
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "legacy",
        &["--format", "json", "--probe"],
    );
    let report = run.json();
    assert!(!findings(&report).contains(&"manager-string"), "{report:#}");
    let f = finding(&report, "unexplained-rejection");
    assert!(f.get("fix").is_none(), "a refuted cause has no fix: {f}");
    assert!(
        f["probe"]
            .as_str()
            .unwrap()
            .starts_with("not the cause: the app also rejected"),
        "{f}"
    );
    assert_writes_only_to_created(&server);
    // The human report says the same, and fits on a screen.
    let server = MiniScim::start(quirks, &[]);
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "legacy",
        &["--probe"],
    );
    assert!(
        run.stdout.contains("probe: not the cause"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.lines().count() <= 24, "{}", run.stdout);
}

/// `live --log FILE` writes Entra's provisioning log of the run from the app's real answers,
/// in the shape `simulate --format log` writes: every user and group of the first snapshot
/// is evaluated once in the full first cycle, with the same actions and statuses as the
/// simulated log of the same directory (the app accepts everything Entra sends).
#[test]
fn live_writes_the_provisioning_log_of_what_the_app_answered() {
    let server = MiniScim::start(Quirks::default(), &[]);
    let dir = std::env::temp_dir().join(format!("entramap-live-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("live.jsonl");
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--log", path.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(&path).expect("the log is written");
    let _ = std::fs::remove_dir_all(&dir);
    let entries: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    // (action, status, error code) of cycle 1's evaluations, in order.
    let outcomes = |entries: &[Value]| -> Vec<(String, String, String)> {
        entries
            .iter()
            .filter(|e| e["cycleId"].as_str().unwrap().starts_with("00000001"))
            .filter(|e| e["provisioningSteps"][0]["provisioningStepType"] == "import")
            .map(|e| {
                (
                    e["provisioningAction"].as_str().unwrap().to_owned(),
                    e["provisioningStatusInfo"]["status"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    e["provisioningStatusInfo"]["errorInformation"]["errorCode"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                )
            })
            .collect()
    };
    let simulated = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args([
            "simulate",
            "mappings/scim-default.yaml",
            "--directory",
            SAMPLE,
        ])
        .args([
            "--format",
            "log",
            "--now",
            "2025-07-30T09:15:00Z",
            "--seed",
            "7",
        ])
        .args(["--dialect", "compliant"])
        .output()
        .expect("run entramap");
    let simulated: Vec<Value> = String::from_utf8_lossy(&simulated.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let live_outcomes = outcomes(&entries);
    assert!(!live_outcomes.is_empty(), "{text}");
    assert_eq!(live_outcomes, outcomes(&simulated), "{text}");
    // The app's own ids are the targets.
    assert!(
        entries
            .iter()
            .filter(|e| e["provisioningAction"] == "create"
                && e["provisioningStatusInfo"]["status"] == "success")
            .all(|e| !e["targetIdentity"]["id"].as_str().unwrap().is_empty()),
        "{text}"
    );
}
