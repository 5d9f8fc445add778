//! `entramap live` against scripted SCIM servers with the quirks real ones have (see
//! `support::mini`): each must be reported as what it is, and none may make `live` write to an
//! account the run did not create.

mod support;

use serde_json::{Value as Json, json};
use support::common::{self, Run, run_cases};
use support::mini::{MiniScim, Quirks};

const SAMPLE: &str = "mappings/samples/directory.yaml";
const CHANGED: &str = "tests/data/live/changed.yaml";
const TOKEN: &str = "stub-token-0123";

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
    let mut command = common::command();
    command
        .arg("live")
        .arg(mapping)
        .args(["--url", &server.stub.url, "--dialect", dialect]);
    for d in directories {
        command.args(["--directory", d]);
    }
    command
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
        .expect("run entramap")
        .into()
}

fn findings(report: &Json) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["cause_id"].as_str().unwrap())
        .collect()
}

fn finding<'a>(report: &'a Json, id: &str) -> &'a Json {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["cause_id"] == id)
        .unwrap_or_else(|| panic!("no {id} finding: {report:#}"))
}

/// A real person's account, there before the run.
fn real_person() -> Json {
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

/// What a JSON value must be.
enum Is {
    Equal(Json),
    Contains(&'static str),
    StartsWith(&'static str),
    /// Not there at all.
    Missing,
}

impl Is {
    #[track_caller]
    fn check(&self, what: &str, value: &Json) {
        let text = value.as_str().unwrap_or_default();
        match self {
            Is::Equal(want) => assert_eq!(value, want, "{what}"),
            Is::Contains(part) => assert!(text.contains(part), "{what}: {value} has no {part:?}"),
            Is::StartsWith(head) => {
                assert!(
                    text.starts_with(head),
                    "{what}: {value} does not start {head:?}"
                )
            }
            Is::Missing => assert!(value.is_null(), "{what}: {value} is there"),
        }
    }
}

/// What one run of `live` against a quirky app must show. The report checks read
/// `--format json`; the others the human report.
enum Expect {
    /// The exit code: 0 the app agrees with Entra, 1 it does not.
    Code(i32),
    /// The first (most severe) finding's cause id.
    First(&'static str),
    /// No finding has this cause id.
    Absent(&'static str),
    /// A field of the finding with this cause id, which must be there.
    Finding(&'static str, &'static str, Is),
    /// A value in the JSON report, by JSON pointer.
    LiveReport(&'static str, Is),
    /// The human report has a line starting so.
    Line(&'static str),
    /// The human report says this, or does not.
    Says(&'static str),
    DoesNotSay(&'static str),
    /// The human report fits on a screen.
    AtMostLines(usize),
    /// The server received a write to this account, or none.
    Wrote(&'static str),
    DidNotWrite(&'static str),
    /// The server received no write and created nothing.
    Untouched,
}

/// An app with a quirk, the accounts it holds before the run, and what `live` must report.
struct QuirkCase {
    /// What the case proves.
    id: &'static str,
    quirks: Quirks,
    /// Accounts there before the run (ids from 1).
    accounts: Vec<Json>,
    dialect: &'static str,
    /// The directory snapshots (one cycle each); none: the sample, then the changed one.
    directories: &'static [&'static str],
    extra: &'static [&'static str],
    expect: Vec<Expect>,
    /// What a table cannot say: checks on the server's state and the report together.
    then: Option<fn(&MiniScim, &Run)>,
}

impl QuirkCase {
    /// A case on the shipped scim-default mapping in the compliant dialect over the sample
    /// and changed directories, accounts and checks to be filled in.
    fn new(id: &'static str, quirks: Quirks, extra: &'static [&'static str]) -> QuirkCase {
        QuirkCase {
            id,
            quirks,
            accounts: vec![],
            dialect: "compliant",
            directories: &[SAMPLE, CHANGED],
            extra,
            expect: vec![],
            then: None,
        }
    }
}

fn quirk_cases() -> Vec<QuirkCase> {
    let ignore_filter = Quirks {
        ignore_filter: true,
        ..Quirks::default()
    };
    let no_manager = Quirks {
        no_manager: true,
        ..Quirks::default()
    };
    // An account that really matches the first sample user (prefixed as the run prefixes it).
    let stale = json!({"userName": "p-amelie.durand@contoso.com", "active": true});
    use Expect::*;
    vec![
        // Test Connection passes on the empty server; then the app answers every match query
        // with the users it holds, the first created one first.
        QuirkCase {
            expect: vec![
                Code(1),
                LiveReport("/test_connection/passed", Is::Equal(json!(true))),
                First("filter-ignored"),
                Finding("filter-ignored", "severity", Is::Equal(json!("ownership"))),
                Finding("filter-ignored", "entra", Is::Contains("overwrites")),
                Finding("filter-ignored", "fix", Is::Contains("RFC 7644 §3.4.2.2")),
                Finding(
                    "filter-ignored",
                    "example",
                    Is::Contains("returned 1 (p-amelie.durand@contoso.com)"),
                ),
            ],
            then: Some(|server, _| {
                let state = server.state.lock().unwrap();
                // Each source user got its own account.
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
            }),
            ..QuirkCase::new(
                "an_app_that_ignores_filter_links_nothing_to_the_first_account_it_returns",
                ignore_filter,
                &["--format", "json"],
            )
        },
        QuirkCase {
            accounts: vec![real_person()],
            expect: vec![
                Code(1),
                Line("1. [filter-ignored] OWNERSHIP ×1 (1 (real.person@contoso.com))"),
                Says("[test-connection-failed]"),
                Untouched,
            ],
            ..QuirkCase::new(
                "an_app_that_ignores_filter_fails_test_connection_and_its_account_is_never_written",
                ignore_filter,
                &[],
            )
        },
        QuirkCase {
            accounts: vec![stale.clone()],
            expect: vec![Code(1), First("not-owned"), Absent("filter-ignored")],
            ..QuirkCase::new(
                "an_account_the_run_did_not_create_is_never_written_even_when_it_matches",
                Quirks::default(),
                &["--format", "json"],
            )
        },
        // With --adopt-prefixed the run may link and update it: it carries the prefix.
        QuirkCase {
            accounts: vec![stale],
            expect: vec![Absent("not-owned"), Wrote("Users/1")],
            ..QuirkCase::new(
                "an_account_that_carries_the_prefix_is_adopted_when_asked",
                Quirks::default(),
                &["--format", "json", "--adopt-prefixed"],
            )
        },
        QuirkCase {
            expect: vec![Code(0)],
            then: Some(|server, run| {
                let state = server.state.lock().unwrap();
                // The premise: group ids are also user ids, and a member id names a user.
                assert!(state.created.contains(&"Groups/1".to_owned()));
                assert!(state.created.contains(&"Users/1".to_owned()));
                for c in run.json()["cycles"].as_array().unwrap() {
                    for d in c["model_differences"].as_array().unwrap() {
                        assert_ne!(d["attribute"], "members", "{d}");
                    }
                }
            }),
            ..QuirkCase::new(
                "users_and_groups_numbered_each_from_1_are_told_apart_by_where_the_id_came_from",
                Quirks::default(),
                &["--format", "json", "--verbose"],
            )
        },
        QuirkCase {
            expect: vec![Code(1)],
            then: Some(|server, run| {
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
                // Entra's own DELETE in cycle 2 was accepted: that user is named as kept by
                // the app.
                let left = report["cleanup"]["left"].to_string();
                assert!(
                    left.contains("deleted by Entra's cycle, kept by the app"),
                    "{left}"
                );
            }),
            ..QuirkCase::new(
                "an_app_that_deactivates_on_delete_is_reported_with_every_kept_account_by_id_and_username",
                Quirks {
                    deactivate_on_delete: true,
                    ..Quirks::default()
                },
                &["--format", "json"],
            )
        },
        QuirkCase {
            expect: vec![
                Code(0),
                DoesNotSay("PUT"),
                Says("result: the app agrees with Entra"),
            ],
            ..QuirkCase::new(
                "an_app_that_answers_501_to_put_only_agrees_with_entra_which_never_puts",
                Quirks {
                    put_not_implemented: true,
                    ..Quirks::default()
                },
                &[],
            )
        },
        QuirkCase {
            dialect: "legacy",
            expect: vec![
                Finding("manager-string", "evidence", Is::Equal(json!("hypothesis"))),
                Finding(
                    "manager-string",
                    "example",
                    Is::Contains("unknown attribute: manager"),
                ),
            ],
            ..QuirkCase::new(
                "without_a_manager_attribute_the_manager_cause_is_a_hypothesis",
                no_manager,
                &["--format", "json"],
            )
        },
        QuirkCase {
            dialect: "legacy",
            expect: vec![
                Absent("manager-string"),
                // A refuted cause has no fix.
                Finding("unexplained-rejection", "fix", Is::Missing),
                Finding(
                    "unexplained-rejection",
                    "probe",
                    Is::StartsWith("not the cause: the app also rejected"),
                ),
            ],
            ..QuirkCase::new(
                "without_a_manager_attribute_probe_refutes_the_manager_cause",
                no_manager,
                &["--format", "json", "--probe"],
            )
        },
        // The human report says the same, and fits on a screen.
        QuirkCase {
            dialect: "legacy",
            expect: vec![Says("probe: not the cause"), AtMostLines(24)],
            ..QuirkCase::new(
                "without_a_manager_attribute_the_human_report_says_probe_refutes_it_on_one_screen",
                no_manager,
                &["--probe"],
            )
        },
        // how-provisioning-works.md, "Errors and retries": a refused manager PATCH is retried
        // in the next cycle even when nothing about the user changed (the second snapshot is
        // the first again, so cycle 2 is incremental over unchanged data), and again by the
        // full repeat cycle, which compares the manager with what the app shows.
        QuirkCase {
            dialect: "legacy",
            directories: &[SAMPLE, SAMPLE],
            expect: vec![Code(1)],
            then: Some(|server, _| {
                let state = server.state.lock().unwrap();
                // Björn's account: the id answered to his POST.
                let posts = state
                    .writes
                    .iter()
                    .filter(|(m, p, _)| m == "POST" && p == "/Users");
                let bjorn = posts
                    .zip(state.created.iter().filter(|c| c.starts_with("Users/")))
                    .find(|((_, _, body), _)| body.contains("p-bjorn.angstrom@"))
                    .map(|(_, id)| format!("/{id}"))
                    .expect("Björn was created");
                let to_bjorn: Vec<_> = state
                    .writes
                    .iter()
                    .filter(|(_, p, _)| *p == bjorn)
                    .collect();
                let manager_patches = to_bjorn
                    .iter()
                    .filter(|(m, _, b)| m == "PATCH" && b.contains(":manager"))
                    .count();
                assert_eq!(manager_patches, 3, "one per cycle: {to_bjorn:?}");
            }),
            ..QuirkCase::new(
                "a_refused_manager_is_sent_again_in_each_of_the_next_cycles",
                no_manager,
                &["--format", "json"],
            )
        },
        // An app that "upserts": every POST /Users answers 201 with the real person's account.
        QuirkCase {
            accounts: vec![real_person()],
            expect: vec![
                Code(1),
                First("create-answered-another"),
                Finding(
                    "create-answered-another",
                    "severity",
                    Is::Equal(json!("ownership")),
                ),
                Finding(
                    "create-answered-another",
                    "example",
                    Is::Contains("returned 1 (real.person@contoso.com)"),
                ),
                Finding(
                    "create-answered-another",
                    "fix",
                    Is::Contains("RFC 7644 §3.3"),
                ),
                // Neither the cycle nor the cleanup wrote to the real person's account.
                DidNotWrite("Users/1"),
            ],
            then: Some(|server, _| {
                let state = server.state.lock().unwrap();
                assert_eq!(state.users[&1]["title"], "Keep me");
            }),
            ..QuirkCase::new(
                "a_create_answered_with_an_existing_account_is_never_written_nor_cleaned_up",
                Quirks {
                    intercept: Some(|m, p, _, _| {
                        (m == "POST" && p == "/Users").then(|| {
                            let mut person = real_person();
                            person["id"] = json!("1");
                            (201, person)
                        })
                    }),
                    ..Quirks::default()
                },
                &["--format", "json"],
            )
        },
        // The second user's match query finds the account the first one created: Entra fails
        // it with DuplicateSourceEntries and sends nothing for it. The model fails it the same
        // way, so it says nothing about the app: no `object-failed` finding, and the cycle's
        // detail (--verbose) still lists the failure, marked as the model's too.
        QuirkCase {
            directories: &["tests/data/live/duplicate-upn.yaml"],
            expect: vec![
                Absent("object-failed"),
                LiveReport(
                    "/cycles/0/failed_objects/0/message",
                    Is::Contains("DuplicateSourceEntries"),
                ),
                LiveReport(
                    "/cycles/0/failed_objects/0/also_in_model",
                    Is::Equal(json!(true)),
                ),
            ],
            then: Some(|server, _| {
                assert_eq!(server.state.lock().unwrap().created.len(), 1);
            }),
            ..QuirkCase::new(
                "an_object_entra_fails_on_any_app_is_no_object_failed_finding_and_no_disagreement",
                Quirks::default(),
                &["--format", "json", "--verbose"],
            )
        },
    ]
}

/// Each app is reported as what it is, and none makes `live` write to an account the run did
/// not create (unless `--adopt-prefixed` asks it to take over prefixed ones).
#[test]
fn each_quirky_app_is_reported_as_what_it_is_and_only_the_runs_accounts_are_written() {
    let ran = run_cases(
        &quirk_cases(),
        |c| c.id,
        |case| {
            let server = MiniScim::start(case.quirks, &case.accounts);
            let run = live_over(
                &server,
                "mappings/scim-default.yaml",
                case.dialect,
                case.directories,
                case.extra,
            );
            // Parsed on first use: the human report is not JSON.
            let report = std::cell::OnceCell::new();
            let report = || report.get_or_init(|| run.json());
            for expect in &case.expect {
                match expect {
                    Expect::Code(code) => assert_eq!(run.code, *code, "{run:?}"),
                    Expect::First(id) => assert_eq!(findings(report())[0], *id, "{:#}", report()),
                    Expect::Absent(id) => {
                        assert!(!findings(report()).contains(id), "{:#}", report())
                    }
                    Expect::Finding(id, field, is) => {
                        let f = finding(report(), id);
                        is.check(&format!("{id}.{field} in {f}"), &f[*field]);
                    }
                    Expect::LiveReport(pointer, is) => {
                        let value = report().pointer(pointer).unwrap_or(&Json::Null);
                        is.check(&format!("{pointer} in {:#}", report()), value);
                    }
                    Expect::Line(head) => assert!(
                        run.stdout.lines().any(|l| l.starts_with(head)),
                        "no line {head:?} in {run:?}"
                    ),
                    Expect::Says(part) => {
                        assert!(run.stdout.contains(part), "no {part:?}: {run:?}")
                    }
                    Expect::DoesNotSay(part) => {
                        assert!(!run.stdout.contains(part), "{part:?} said: {run:?}")
                    }
                    Expect::AtMostLines(n) => {
                        assert!(run.stdout.lines().count() <= *n, "over {n} lines: {run:?}")
                    }
                    Expect::Wrote(id) => assert!(
                        server.written_ids().contains(&(*id).to_owned()),
                        "no write to {id}: {:?}",
                        server.written_ids()
                    ),
                    Expect::DidNotWrite(id) => assert!(
                        !server.written_ids().contains(&(*id).to_owned()),
                        "wrote to {id}: {:?}",
                        server.written_ids()
                    ),
                    Expect::Untouched => {
                        assert!(
                            server.written_ids().is_empty(),
                            "{:?}",
                            server.written_ids()
                        );
                        assert!(server.state.lock().unwrap().created.is_empty());
                    }
                }
            }
            if let Some(then) = case.then {
                then(&server, &run);
            }
            if !case.extra.contains(&"--adopt-prefixed") {
                assert_writes_only_to_created(&server);
            }
        },
    );
    assert_eq!(ran, 13);
}

/// `live --log FILE` writes Entra's provisioning log of the run from the app's real answers,
/// in the shape `simulate --format log` writes: every user and group of the first snapshot
/// is evaluated once in the full first cycle, with the same actions and statuses as the
/// simulated log of the same directory (the app accepts everything Entra sends).
#[test]
fn live_writes_the_provisioning_log_of_what_the_app_answered() {
    let server = MiniScim::start(Quirks::default(), &[]);
    let dir = common::scratch("live-log");
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
    let entries = common::json_lines(&text);
    // (action, status, error code) of cycle 1's evaluations, in order.
    let outcomes = |entries: &[Json]| -> Vec<(String, String, String)> {
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
    let simulated = common::entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--directory",
        SAMPLE,
        "--format",
        "log",
        "--now",
        "2025-07-30T09:15:00Z",
        "--seed",
        "7",
        "--dialect",
        "compliant",
    ]);
    assert_eq!(simulated.code, 0, "{simulated:?}");
    let simulated = simulated.json_lines();
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
fn scim_error(status: u16, detail: &str) -> Option<(u16, Json)> {
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
    fn store(cause_id: &'static str, f: fn(&mut serde_json::Map<String, Json>)) -> CauseCase {
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
                if let Some(Json::String(t)) = u.get_mut("title") {
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
            if let Some(Json::String(t)) = u.get_mut("title") {
                t.push_str(" (edited)");
            }
        }),
        store("model-difference", |u| {
            if let Some(Json::String(t)) = u.get_mut("title") {
                t.push_str(" (edited)");
            }
        }),
        // `title` is not "Exact case": Entra's change detection does not see the difference.
        CauseCase {
            disagrees: false,
            ..store("cosmetic-difference", |u| {
                if let Some(Json::String(t)) = u.get_mut("title") {
                    *t = t.to_uppercase();
                }
            })
        },
    ]
}

#[test]
fn each_cause_id_is_reported_by_a_server_that_behaves_so() {
    let shipped = "mappings/scim-default.yaml";
    let exact = common::scratch("live-quirks-title-exact").join("scim-default.yaml");
    let text = std::fs::read_to_string(shipped).unwrap();
    let marked = text.replace(
        "    - name: title\n",
        "    - name: title\n      case_exact: true\n",
    );
    assert_ne!(marked, text, "scim-default.yaml has no `- name: title` row");
    std::fs::write(&exact, marked).unwrap();
    let ran = run_cases(
        &cause_cases(),
        |c| c.cause_id,
        |case| {
            let server = MiniScim::start(case.quirks, &[]);
            let mapping = if case.title_case_exact {
                exact.to_str().unwrap()
            } else {
                shipped
            };
            let run = live(&server, mapping, case.dialect, &["--format", "json"]);
            let report = run.json();
            let ids = findings(&report);
            assert!(ids.contains(&case.cause_id), "findings {ids:?}");
            assert_eq!(run.code, i32::from(case.disagrees), "findings {ids:?}");
            assert_writes_only_to_created(&server);
        },
    );
    assert_eq!(ran, 15);
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
