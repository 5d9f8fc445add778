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
    live_over(server, mapping, dialect, &[SAMPLE, CHANGED], extra)
}

/// [`live`] over other directory snapshots.
fn live_over(
    server: &MiniScim,
    mapping: &str,
    dialect: &str,
    directories: &[&str],
    extra: &[&str],
) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entramap"));
    command
        .arg("live")
        .arg(mapping)
        .args(["--url", &server.stub.url, "--dialect", dialect]);
    for d in directories {
        command.args(["--directory", d]);
    }
    let out = command
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

/// A status and a SCIM error body with `detail`.
fn scim_error(status: u16, detail: &str) -> Option<(u16, Value)> {
    Some((
        status,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
               "status": status.to_string(), "detail": detail}),
    ))
}

/// A match query for one of the run's users (Test Connection's random value has no prefix).
fn run_match(method: &str, path: &str, query: &str) -> bool {
    method == "GET" && path == "/Users" && query.contains("%22p-")
}

/// One way an app departs from what Entra expects, and the cause id `live` must report it by.
struct CauseCase {
    cause_id: &'static str,
    dialect: &'static str,
    quirks: Quirks,
    /// `title` is "Exact case" in the mapping (else scim-default as shipped).
    title_case_exact: bool,
    /// Whether the app disagrees with Entra (exit 1), or only differs cosmetically (exit 0).
    disagrees: bool,
}

/// Every cause id the README lists that no other test in this file or in `tests/live.rs`,
/// `tests/live_scimmy.rs` reaches through the binary, each from a server that behaves so.
fn cause_cases() -> Vec<CauseCase> {
    fn intercept(cause_id: &'static str, f: support::mini::Intercept) -> CauseCase {
        CauseCase {
            cause_id,
            dialect: "compliant",
            quirks: Quirks {
                intercept: Some(f),
                ..Quirks::default()
            },
            title_case_exact: false,
            disagrees: true,
        }
    }
    fn store(cause_id: &'static str, f: fn(&mut serde_json::Map<String, Value>)) -> CauseCase {
        CauseCase {
            cause_id,
            dialect: "compliant",
            quirks: Quirks {
                store_user: Some(f),
                ..Quirks::default()
            },
            title_case_exact: false,
            disagrees: true,
        }
    }
    let mut capitalised = intercept("capitalised-ops", |m, _, _, body| {
        let ops = body?.get("Operations")?.as_array()?;
        let upper = ops
            .iter()
            .any(|o| o["op"].as_str().is_some_and(|n| n != n.to_lowercase()));
        (m == "PATCH" && upper).then(|| scim_error(400, "invalid op").unwrap())
    });
    capitalised.dialect = "legacy";
    vec![
        capitalised,
        intercept("match-query-failed", |m, p, q, _| {
            run_match(m, p, q).then(|| scim_error(500, "filter not supported").unwrap())
        }),
        intercept("match-not-a-list", |m, p, q, _| {
            run_match(m, p, q).then(|| (200, json!({"userName": "someone"})))
        }),
        intercept("create-conflict", |m, p, _, _| {
            (m == "POST" && p == "/Users").then(|| scim_error(409, "userName taken").unwrap())
        }),
        intercept("create-not-201", |m, p, _, body| {
            (m == "POST" && p == "/Users").then(|| {
                let mut created = body.cloned().unwrap_or_default();
                created["id"] = json!("999");
                (200, created)
            })
        }),
        intercept("create-without-id", |m, p, _, body| {
            (m == "POST" && p == "/Users").then(|| (201, body.cloned().unwrap_or_default()))
        }),
        intercept("object-lost", |m, p, _, _| {
            (m == "GET" && p.starts_with("/Users/")).then(|| scim_error(404, "not found").unwrap())
        }),
        intercept("cleanup-incomplete", |m, p, _, _| {
            (m == "DELETE" && p.starts_with("/Users/"))
                .then(|| scim_error(500, "cannot delete").unwrap())
        }),
        store("endless-patch-not-stored", |u| {
            u.remove("title");
        }),
        store("attribute-not-stored", |u| {
            u.remove("title");
        }),
        CauseCase {
            title_case_exact: true,
            ..store("endless-patch-case", |u| {
                if let Some(Value::String(t)) = u.get_mut("title") {
                    *t = t.to_uppercase();
                }
            })
        },
        store("endless-patch-type", |u| {
            if let Some(t) = u.get("title").cloned() {
                u.insert("title".into(), json!({ "value": t }));
            }
        }),
        store("endless-patch-rewritten", |u| {
            if let Some(Value::String(t)) = u.get_mut("title") {
                t.push_str(" (edited)");
            }
        }),
        store("model-difference", |u| {
            if let Some(Value::String(t)) = u.get_mut("title") {
                t.push_str(" (edited)");
            }
        }),
        // `title` is not "Exact case": Entra's change detection does not see the difference.
        CauseCase {
            disagrees: false,
            ..store("cosmetic-difference", |u| {
                if let Some(Value::String(t)) = u.get_mut("title") {
                    *t = t.to_uppercase();
                }
            })
        },
    ]
}

#[test]
fn each_cause_id_is_reported_by_a_server_that_behaves_so() {
    let shipped = "mappings/scim-default.yaml";
    let exact = std::env::temp_dir().join(format!(
        "entramap-live-quirks-{}-title-exact.yaml",
        std::process::id()
    ));
    let text = std::fs::read_to_string(shipped).unwrap();
    let marked = text.replace(
        "    - name: title\n",
        "    - name: title\n      case_exact: true\n",
    );
    assert_ne!(marked, text, "scim-default.yaml has no `- name: title` row");
    std::fs::write(&exact, marked).unwrap();
    let mut wrong = Vec::new();
    for case in cause_cases() {
        let server = MiniScim::start(case.quirks, &[]);
        let mapping = if case.title_case_exact {
            exact.to_str().unwrap()
        } else {
            shipped
        };
        let run = live(&server, mapping, case.dialect, &["--format", "json"]);
        let report = run.json();
        let ids = findings(&report);
        if !ids.contains(&case.cause_id) || run.code != i32::from(case.disagrees) {
            wrong.push(format!(
                "{}: exit {}, findings {ids:?}",
                case.cause_id, run.code
            ));
        }
        assert_writes_only_to_created(&server);
    }
    let _ = std::fs::remove_file(&exact);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn an_object_entra_fails_on_any_app_is_no_object_failed_finding_and_no_disagreement() {
    // The second user's match query finds the account the first one created: Entra fails it
    // with DuplicateSourceEntries and sends nothing for it. The model fails it the same way, so
    // it says nothing about the app: no `object-failed` finding, the app agrees (exit 0), and
    // the cycle's detail (--verbose) still lists the failure, marked as the model's too.
    let server = MiniScim::start(Quirks::default(), &[]);
    let run = live_over(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["tests/data/live/duplicate-upn.yaml"],
        &["--format", "json", "--verbose"],
    );
    let report = run.json();
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["cause_id"].as_str())
        .collect();
    assert!(!ids.contains(&"object-failed"), "{ids:?}");
    let failed = &report["cycles"][0]["failed_objects"][0];
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("DuplicateSourceEntries"),
        "{failed}"
    );
    assert_eq!(failed["also_in_model"], true, "{failed}");
    assert_eq!(server.state.lock().unwrap().created.len(), 1);
    assert_writes_only_to_created(&server);
}

#[test]
fn every_cause_id_the_readme_lists_is_in_the_code_and_in_a_test() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let table = readme
        .split_once("The cause ids (`cause_id` in `--format json`) are stable:")
        .expect("README lists the cause ids")
        .1;
    let ids: Vec<&str> = table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .flat_map(|l| l.split('|').nth(1).unwrap_or("").split(','))
        .map(|c| c.trim().trim_matches('`'))
        .collect();
    assert!(ids.len() > 20, "{ids:?}");
    let sources: Vec<String> = std::fs::read_dir("src/live")
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    // What the program runs, and its unit tests (each file's `#[cfg(test)]` module is last).
    let (code, unit_tests): (String, String) = sources
        .iter()
        .map(|s| s.split_once("#[cfg(test)]").unwrap_or((s, "")))
        .fold(Default::default(), |(c, t), (a, b)| (c + a, t + b));
    // Tests through the binary, and the unit tests of src/live.
    let tests = [
        "tests/live.rs",
        "tests/live_quirks.rs",
        "tests/live_scimmy.rs",
    ]
    .iter()
    .map(|p| std::fs::read_to_string(p).unwrap())
    .collect::<String>()
        + &unit_tests;
    for id in ids {
        let quoted = format!("\"{id}\"");
        assert!(
            code.contains(&quoted),
            "README's cause id {id} is not in src/live"
        );
        // As JSON's `cause_id` value, or as the human report's `[id]`.
        assert!(
            tests.contains(&quoted) || tests.contains(&format!("[{id}]")),
            "no test asserts README's cause id {id}"
        );
    }
}

#[test]
fn a_create_answered_with_an_existing_account_is_never_written_nor_cleaned_up() {
    // An app that "upserts": every POST /Users answers 201 with the real person's account.
    let quirks = Quirks {
        intercept: Some(|m, p, _, _| {
            (m == "POST" && p == "/Users").then(|| {
                let mut person = real_person();
                person["id"] = json!("1");
                (201, person)
            })
        }),
        ..Quirks::default()
    };
    let server = MiniScim::start(quirks, &[real_person()]);
    let run = live(
        &server,
        "mappings/scim-default.yaml",
        "compliant",
        &["--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        findings(&report)[0],
        "create-answered-another",
        "{report:#}"
    );
    let f = finding(&report, "create-answered-another");
    assert_eq!(f["severity"], "ownership");
    assert!(
        f["example"]
            .as_str()
            .unwrap()
            .contains("returned 1 (real.person@contoso.com)"),
        "{f}"
    );
    assert!(f["fix"].as_str().unwrap().contains("RFC 7644 §3.3"), "{f}");
    // Neither the cycle nor the cleanup wrote to the real person's account.
    assert!(
        !server.written_ids().contains(&"Users/1".to_owned()),
        "{:?}",
        server.written_ids()
    );
    let state = server.state.lock().unwrap();
    assert_eq!(state.users[&1]["title"], "Keep me");
}

#[test]
fn users_entra_never_linked_explain_their_groups_missing_members() {
    // Every user create is refused (409), or every match query of the run's users fails
    // (500): the groups are created, but without the members Entra could not link. That is a
    // consequence of the refused requests, not something the app does with groups.
    for case in cause_cases()
        .into_iter()
        .filter(|c| ["create-conflict", "match-query-failed"].contains(&c.cause_id))
    {
        let server = MiniScim::start(case.quirks, &[]);
        let run = live(
            &server,
            "mappings/scim-default.yaml",
            case.dialect,
            &["--format", "json"],
        );
        let report = run.json();
        assert_eq!(findings(&report), [case.cause_id], "{report:#}");
        let consequences = finding(&report, case.cause_id)["consequences"].to_string();
        assert!(
            consequences.contains("Group attributes differ"),
            "{}: {consequences}",
            case.cause_id
        );
    }
}
