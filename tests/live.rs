//! `entramap live` against a real SCIM server (scim2-server, started per test on a free loopback
//! port) and against scripted HTTP answers for throttling, timeouts and echoed tokens.
//!
//! scim2-server follows RFC 7643/7644 strictly. Where it rejects what Entra sends, the report
//! must say so with a cause and a fix; everything else Entra sends must be accepted, and after
//! every cycle the server's resources must equal the in-memory model's, or the difference must
//! follow from a rejected request or be one Entra's change detection does not see.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use entramap::dotnet::datetime::DateTime;
use entramap::live::{self, Fault, HttpEndpoint, HttpOptions, LivePlan, TenantUrl, Token};
use entramap::load;
use entramap::provision::directory;
use entramap::provision::endpoint::Endpoint;
use entramap::provision::target::Target;
use serde_json::Value as Json;
use support::common::Run;
use support::{Answer, Scim2Server, Script, Stub};

const SAMPLE: &str = "mappings/samples/directory.yaml";
const CHANGED: &str = "tests/data/live/changed.yaml";

/// Run the binary's `live` with the token in `ENTRAMAP_TOKEN`.
fn live_cli(token: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .arg("live")
        .args(args)
        .env("ENTRAMAP_TOKEN", token)
        .output()
        .expect("run entramap");
    Run::from(out)
}

/// A full create/update/disable/delete/group run of `mapping` in `dialect`, with cleanup and
/// a transcript; returns the run and the transcript's text.
fn full_run(server: &Scim2Server, mapping: &str, dialect: &str, seed: &str) -> (Run, String) {
    let transcript = std::env::temp_dir().join(format!(
        "entramap-live-{}-{dialect}-{seed}-{}.http",
        Path::new(mapping).file_stem().unwrap().to_string_lossy(),
        std::process::id()
    ));
    let run = live_cli(
        &server.token,
        &[
            mapping,
            "--url",
            &server.url,
            "--dialect",
            dialect,
            "--directory",
            SAMPLE,
            "--directory",
            CHANGED,
            "--seed",
            seed,
            "--now",
            "2025-07-30T09:15:00Z",
            "--cleanup",
            "--format",
            "json",
            "--verbose",
            "--transcript",
            transcript.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&transcript).unwrap_or_default();
    let _ = std::fs::remove_file(&transcript);
    (run, text)
}

fn rejected(report: &Json) -> Vec<&Json> {
    report["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["rejected"].as_array().unwrap())
        .collect()
}

/// Every model difference after every cycle is explained: caused by a rejected request, or
/// invisible to Entra's change detection.
fn assert_model_differences_explained(report: &Json) {
    for c in report["cycles"].as_array().unwrap() {
        for d in c["model_differences"].as_array().unwrap() {
            assert!(
                d.get("explained_by").is_some() || d["entra_notices"] == false,
                "cycle {}: unexplained difference between the server and the model: {d}",
                c["cycle"]
            );
        }
    }
}

fn assert_cleaned_up(server: &Scim2Server, report: &Json) {
    assert_eq!(report["cleanup"]["left"], serde_json::json!([]), "{report}");
    assert_eq!(server.count("/Users"), 0, "users left behind");
    assert_eq!(server.count("/Groups"), 0, "groups left behind");
}

/// The transcript shows every kind of write Entra sends after the first cycle.
fn assert_full_cycle(transcript: &str) {
    for action in [
        "· match Test Connection",
        "· create ",
        "· update ",
        "· disable ",
        "· delete ",
        "· link-manager ",
        "· add-members ",
        "· remove-members ",
        "### cycle 3 ·",
    ] {
        assert!(
            transcript.contains(action),
            "no `{action}` in the transcript:\n{transcript}"
        );
    }
}

#[test]
fn scim_default_legacy_is_accepted_except_the_manager_string_and_legacy_member_removal() {
    let server = Scim2Server::start();
    let (run, transcript) = full_run(&server, "mappings/scim-default.yaml", "legacy", "11");
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["test_connection"]["passed"], true);
    assert_full_cycle(&transcript);
    let rejected = rejected(&report);
    assert!(!rejected.is_empty());
    for r in &rejected {
        match r["action"].as_str().unwrap() {
            "link-manager" => {
                assert_eq!(r["status"], 400);
                assert!(
                    r["cause"].as_str().unwrap().contains("plain id string"),
                    "{r}"
                );
                assert!(r["fix"].as_str().unwrap().contains("manager.value"), "{r}");
            }
            "remove-members" => {
                assert_eq!(r["status"], 400);
                assert!(
                    r["fix"].as_str().unwrap().contains("aadOptscim062020"),
                    "{r}"
                );
            }
            other => panic!("scim2-server must accept Entra's {other}: {r}"),
        }
    }
    assert!(rejected.iter().any(|r| r["action"] == "remove-members"));
    assert_model_differences_explained(&report);
    // The repeat cycle writes only the requests the server keeps rejecting.
    let last = report["cycles"].as_array().unwrap().last().unwrap();
    assert_eq!(last["steady"], false);
    assert_eq!(last["endless_patches"], serde_json::json!([]));
    assert_eq!(
        last["writes"].as_u64().unwrap(),
        last["rejected"].as_array().unwrap().len() as u64
    );
    assert_cleaned_up(&server, &report);
}

#[test]
fn scim_default_compliant_is_accepted_except_the_manager_string() {
    let server = Scim2Server::start();
    let (run, transcript) = full_run(&server, "mappings/scim-default.yaml", "compliant", "12");
    let report = run.json();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_full_cycle(&transcript);
    for r in rejected(&report) {
        assert_eq!(r["action"], "link-manager", "{r}");
    }
    // Compliant bodies store exactly as the model predicts: no difference at all beyond the
    // rejected manager links.
    for c in report["cycles"].as_array().unwrap() {
        for d in c["model_differences"].as_array().unwrap() {
            assert!(d.get("explained_by").is_some(), "{d}");
        }
    }
    assert_cleaned_up(&server, &report);
}

#[test]
fn vendor_mappings_in_both_dialects_every_disagreement_is_explained_and_cleaned_up() {
    let server = Scim2Server::start();
    for mapping in ["blink", "golinks", "real-links", "rfpio", "unleash"] {
        for dialect in ["legacy", "compliant"] {
            let path = format!("mappings/{mapping}.yaml");
            let (run, transcript) = full_run(&server, &path, dialect, "21");
            let report = run.json();
            let context = format!("{mapping} {dialect}: {}", run.stderr);
            assert_eq!(report["test_connection"]["passed"], true, "{context}");
            assert!(transcript.contains("· create "), "{context}");
            let rejected = rejected(&report);
            for r in &rejected {
                assert!(
                    r.get("cause").is_some() && r.get("fix").is_some(),
                    "{context}: a rejection without cause and fix: {r}"
                );
            }
            assert_model_differences_explained(&report);
            let expected = if rejected.is_empty() { 0 } else { 1 };
            assert_eq!(run.code, expected, "{context}");
            assert_cleaned_up(&server, &report);
        }
    }
}

#[test]
fn mappings_whose_requests_scim2_server_fully_accepts_reach_steady_state_and_exit_0() {
    let server = Scim2Server::start();
    for (mapping, dialect) in [
        ("golinks", "legacy"),
        ("golinks", "compliant"),
        ("unleash", "compliant"),
    ] {
        let (run, _) = full_run(&server, &format!("mappings/{mapping}.yaml"), dialect, "31");
        let report = run.json();
        assert_eq!(
            run.code, 0,
            "{mapping} {dialect}: {}\n{}",
            run.stderr, run.stdout
        );
        let last = report["cycles"].as_array().unwrap().last().unwrap();
        assert_eq!(last["steady"], true, "{mapping} {dialect}");
        assert_eq!(last["writes"], 0);
    }
}

#[test]
fn custom_extension_unknown_to_the_server_is_reported_with_the_schema_to_declare() {
    let server = Scim2Server::start();
    let (run, _) = full_run(&server, "mappings/blink.yaml", "compliant", "41");
    let report = run.json();
    let create = rejected(&report)
        .into_iter()
        .find(|r| r["action"] == "create")
        .expect("scim2-server does not know Blink's extension");
    // The whole schema is unknown (not one attribute of a declared one).
    assert_eq!(create["cause_id"], "unknown-extension", "{create}");
    assert!(
        create["cause"]
            .as_str()
            .unwrap()
            .contains("urn:ietf:params:scim:schemas:extension:blink:2.0:User"),
        "{create}"
    );
    assert!(create["fix"].as_str().unwrap().contains("schemaExtension"));
}

#[test]
fn vendor_extensions_declared_by_the_server_are_accepted_in_a_full_cycle() {
    let server = Scim2Server::start_with_vendor_extensions();
    for mapping in ["blink", "real-links"] {
        for dialect in ["legacy", "compliant"] {
            let path = format!("mappings/{mapping}.yaml");
            let (run, transcript) = full_run(&server, &path, dialect, "51");
            let report = run.json();
            let context = format!("{mapping} {dialect}");
            assert_full_cycle_users(&transcript, &context);
            for r in rejected(&report) {
                // What remains is Entra's own behaviour, not the extension.
                assert!(
                    r["action"] == "link-manager"
                        || (dialect == "legacy" && r["action"] == "remove-members"),
                    "{context}: {r}"
                );
            }
            assert_model_differences_explained(&report);
            assert_cleaned_up(&server, &report);
        }
    }
}

/// The user writes of a full cycle (these mappings provision no groups, or few).
fn assert_full_cycle_users(transcript: &str, context: &str) {
    for action in ["· create ", "· update ", "· disable ", "· delete "] {
        assert!(transcript.contains(action), "{context}: no `{action}`");
    }
}

#[test]
fn human_report_names_the_manager_disagreement_once_with_count_example_fix_and_fits_a_screen() {
    let server = Scim2Server::start();
    let run = live_cli(
        &server.token,
        &[
            "mappings/scim-default.yaml",
            "--url",
            &server.url,
            "--seed",
            "5",
            "--cleanup",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Test Connection: GET /Users?filter=userName+eq+%22")
    );
    // One finding for the cause, counted over both cycles, with one example and its
    // consequences, worded as the hypothesis it is without --probe.
    assert_eq!(
        run.stdout.matches("[manager-string]").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[manager-string] rejected ×16"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("example: ").count(), 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("possible cause (hypothesis"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("consequence: User attributes differ from the model ×"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("fix: accept a string value"));
    assert!(
        run.stdout.contains("; 2: "),
        "one snapshot runs one repeat cycle"
    );
    assert!(
        run.stdout.lines().count() <= 24,
        "not a screen:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("result: the app DISAGREES with Entra"));
    assert!(run.stderr.contains("the app disagrees"));
    assert_cleaned_up_counts(&server);
}

fn assert_cleaned_up_counts(server: &Scim2Server) {
    assert_eq!(server.count("/Users"), 0);
    assert_eq!(server.count("/Groups"), 0);
}

#[test]
fn prefix_marks_every_created_object_and_nothing_is_left_without_cleanup_only_when_asked() {
    let server = Scim2Server::start();
    let run = live_cli(
        &server.token,
        &[
            "mappings/golinks.yaml",
            "--url",
            &server.url,
            "--prefix",
            "ci-run-",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, users) = server.get("/Users");
    let users = users["Resources"].as_array().unwrap();
    assert!(!users.is_empty());
    for u in users {
        assert!(
            u["userName"].as_str().unwrap().starts_with("ci-run-"),
            "{u}"
        );
    }
    assert_eq!(run.json()["prefix"], "ci-run-");
    assert!(run.json().get("cleanup").is_none());
}

#[test]
fn wrong_token_is_an_authentication_error_with_exit_3_and_nothing_is_written() {
    let server = Scim2Server::start();
    let run = live_cli(
        "not-the-token",
        &[
            "mappings/scim-default.yaml",
            "--url",
            &server.url,
            "--seed",
            "1",
        ],
    );
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("authentication failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(run.stdout.contains("Test Connection"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("cycle 1"),
        "nothing runs after a refused Test Connection"
    );
    assert_cleaned_up_counts(&server);
}

#[test]
fn unreachable_url_is_a_network_error_with_exit_4() {
    let port = support::free_port();
    let run = live_cli(
        "any-token",
        &[
            "mappings/scim-default.yaml",
            "--url",
            &format!("http://127.0.0.1:{port}/scim"),
            "--timeout",
            "5",
        ],
    );
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("network error"), "{}", run.stderr);
    assert!(run.stderr.contains("GET /Users?filter="), "{}", run.stderr);
}

#[test]
fn token_never_appears_in_stdout_stderr_or_transcript() {
    let server = Scim2Server::start();
    let (run, transcript) = full_run(&server, "mappings/scim-default.yaml", "legacy", "7");
    assert!(!transcript.is_empty());
    assert!(transcript.contains("Authorization: Bearer {{token}}"));
    for (name, text) in [
        ("stdout", &run.stdout),
        ("stderr", &run.stderr),
        ("transcript", &transcript),
    ] {
        assert!(
            !text.contains(&server.token),
            "the token leaked into {name}"
        );
    }
    // A refused token is not echoed either, in either format.
    for format in ["human", "json"] {
        let wrong = format!("wrong-{}", server.token);
        let run = live_cli(
            &wrong,
            &[
                "mappings/scim-default.yaml",
                "--url",
                &server.url,
                "--format",
                format,
            ],
        );
        assert_eq!(run.code, 3);
        assert!(!run.stdout.contains(&wrong) && !run.stderr.contains(&wrong));
    }
}

#[test]
fn bad_input_is_refused_with_exit_2_before_any_request() {
    let stub = Stub::serve(Vec::new());
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "mappings/scim-default.yaml",
                "--url",
                "http://scim.example.com/scim",
            ],
            "plain http://",
        ),
        (
            &[
                "mappings/scim-default.yaml",
                "--url",
                &stub.url,
                "--concurrency",
                "4",
            ],
            "--concurrency 4 is not supported",
        ),
        (
            &[
                "mappings/scim-default.yaml",
                "--url",
                &stub.url,
                "--token-env",
                "ENTRAMAP_NO_SUCH_VAR",
            ],
            "ENTRAMAP_NO_SUCH_VAR is not set",
        ),
        (
            &[
                "tests/data/check/em000-unreadable-file.yaml",
                "--url",
                &stub.url,
            ],
            "em000-unreadable-file.yaml:6:7",
        ),
    ];
    for (args, message) in cases {
        let run = live_cli("t0k3n-long-enough", args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}");
    }
    assert!(stub.requests().is_empty(), "bad input sent a request");
}

fn answer(status: u16, headers: &[&str], body: &str) -> Script {
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let body = body.to_owned();
    Box::new(move |_| Answer {
        status,
        headers: headers.clone(),
        body: body.clone(),
        delay: Duration::ZERO,
    })
}

fn endpoint(url: &str, options: HttpOptions) -> HttpEndpoint {
    HttpEndpoint::new(
        TenantUrl::parse(url).unwrap(),
        Token::new("stub-token").unwrap(),
        options,
    )
}

#[test]
fn a_429_is_retried_after_retry_after_and_the_retry_is_answered() {
    let empty = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
    let stub = Stub::serve(vec![
        answer(429, &["Retry-After: 1"], ""),
        answer(200, &[], empty),
    ]);
    let mut e = endpoint(&stub.url, HttpOptions::default());
    let start = Instant::now();
    let r = e.handle("GET", "/Users?filter=userName+eq+%22x%22", None);
    assert_eq!(r.status, 200);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(e.stats().throttled, 1);
    assert_eq!(e.stats().sent, 2);
    assert!(e.fault().is_none());
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].starts_with("GET /Users?filter=userName+eq+%22x%22 HTTP/1.1"));
    assert!(requests[1].contains("Bearer stub-token"));
}

#[test]
fn a_429_asking_for_longer_than_max_wait_is_the_answer() {
    let stub = Stub::serve(vec![answer(429, &["Retry-After: 3600"], "")]);
    let mut e = endpoint(&stub.url, HttpOptions::default());
    let r = e.handle("GET", "/Users", None);
    assert_eq!(r.status, 429);
    assert_eq!(e.stats().throttled, 0);
}

#[test]
fn a_request_that_outlives_the_timeout_is_a_network_fault_and_stops_the_endpoint() {
    let slow: Script = Box::new(|_| Answer {
        status: 200,
        headers: Vec::new(),
        body: String::new(),
        delay: Duration::from_secs(4),
    });
    let stub = Stub::serve(vec![slow]);
    let mut e = endpoint(
        &stub.url,
        HttpOptions {
            timeout: Duration::from_secs(1),
            ..HttpOptions::default()
        },
    );
    let r = e.handle("GET", "/Users", None);
    assert_eq!(r.status, 0);
    match e.fault() {
        Some(Fault::Network { request, detail }) => {
            assert_eq!(request, "GET /Users");
            assert!(detail.contains("timed out"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing more is sent after a fault.
    assert_eq!(e.handle("GET", "/Groups", None).status, 0);
    assert_eq!(e.stats().sent, 1);
}

#[test]
fn a_token_echoed_by_the_server_is_scrubbed_from_the_answer() {
    let echo: Script = Box::new(|request: &str| {
        let auth = request
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .unwrap_or_default()
            .to_owned();
        Answer {
            status: 400,
            headers: Vec::new(),
            body: serde_json::json!({"detail": format!("bad header {auth}")}).to_string(),
            delay: Duration::ZERO,
        }
    });
    let stub = Stub::serve(vec![echo]);
    let mut e = endpoint(&stub.url, HttpOptions::default());
    let r = e.handle(
        "POST",
        "/Users",
        Some(&serde_json::json!({"userName": "a"})),
    );
    assert_eq!(r.status, 400);
    let body = r.body.unwrap().to_string();
    assert!(!body.contains("stub-token"), "{body}");
    assert!(body.contains("Bearer {{token}}"), "{body}");
    // Header names travel lowercase (HTTP/1.1 names are case-insensitive).
    assert!(
        stub.requests()[0]
            .to_ascii_lowercase()
            .contains("content-type: application/scim+json")
    );
}

#[test]
fn test_connection_that_finds_something_fails_and_nothing_else_is_sent() {
    let found = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"1"}]}"#;
    let stub = Stub::serve(vec![answer(200, &[], found)]);
    let loaded = load::read(Path::new("mappings/scim-default.yaml")).unwrap();
    let plan = plan(&loaded.file, vec![directory::sample()]);
    let report = live::run(
        &plan,
        endpoint(&stub.url, HttpOptions::default()),
        &mut |_| {},
    )
    .unwrap();
    assert!(!report.test_connection.passed);
    assert!(
        report
            .test_connection
            .problem
            .as_deref()
            .unwrap()
            .contains("found 1 resources"),
        "{:?}",
        report.test_connection
    );
    assert!(report.cycles.is_empty());
    assert!(report.disagrees());
    assert_eq!(stub.requests().len(), 1);
}

fn plan(
    file: &entramap::model::mapping::MappingFile,
    snapshots: Vec<directory::Directory>,
) -> LivePlan<'_> {
    LivePlan {
        file,
        dialect: entramap::model::mapping::Dialect::Legacy,
        url: "http://127.0.0.1".into(),
        prefix: "p-".into(),
        snapshots,
        cycles: 2,
        cleanup: true,
        now: DateTime::parse_rfc3339("2025-07-30T09:15:00Z").unwrap(),
        seed: 3,
        stop: live::Stop::default(),
        probe: false,
        adopt_prefixed: false,
    }
}

#[test]
fn an_app_that_drops_an_attribute_gets_an_endless_patch_with_cause_and_a_model_difference() {
    // The app is the in-memory model of the same mapping, except that it does not keep
    // `title`: no network needed to see what live reports for it.
    let loaded = load::read(Path::new("mappings/scim-default.yaml")).unwrap();
    let file = &loaded.file;
    let mut users = file.users.attributes.clone();
    for a in &mut users {
        if a.name.value == "title" {
            a.vendor.stored = false;
        }
    }
    let groups = file.groups.as_ref().unwrap().attributes.clone();
    let app = Target::new(&users, &groups);
    let report = live::run(&plan(file, vec![directory::sample()]), app, &mut |_| {}).unwrap();
    let repeat = &report.cycles[1];
    assert_eq!(repeat.steady, Some(false));
    let titles: Vec<_> = repeat
        .endless_patches
        .iter()
        .filter(|e| e.attribute == "title")
        .collect();
    assert!(!titles.is_empty(), "{:?}", repeat.endless_patches);
    assert!(titles.iter().all(|e| e.returned.is_none()));
    assert!(titles[0].cause.contains("does not store `title`"));
    assert!(titles[0].fix.contains("stored: false"));
    let differences: Vec<_> = report.cycles[0]
        .model_differences
        .iter()
        .filter(|d| d.attribute == "title")
        .collect();
    assert!(!differences.is_empty());
    assert!(
        differences
            .iter()
            .all(|d| d.entra_notices && d.app.is_none())
    );
    // Entra's manager PATCH is accepted by the model: no rejection at all.
    assert!(report.cycles.iter().all(|c| c.rejected.is_empty()));
    let cleanup = report.cleanup.as_ref().unwrap();
    assert!(cleanup.left.is_empty() && cleanup.deleted > 0);
    assert!(report.disagrees());
}

#[test]
fn live_sends_the_requests_simulate_prints_when_the_app_answers_like_the_model() {
    // golinks is fully accepted by scim2-server, so the real answers drive the same steps as
    // the model's: same requests, same order, same create bodies.
    let server = Scim2Server::start();
    let common = [
        "--dialect",
        "compliant",
        "--directory",
        SAMPLE,
        "--directory",
        CHANGED,
        "--cycles",
        "3",
        "--seed",
        "8",
        "--now",
        "2025-07-30T09:15:00Z",
    ];
    let transcript =
        std::env::temp_dir().join(format!("entramap-live-same-{}.http", std::process::id()));
    let mut args = vec![
        "mappings/golinks.yaml",
        "--url",
        &server.url,
        "--prefix",
        "",
        "--transcript",
        transcript.to_str().unwrap(),
    ];
    args.extend(common);
    let run = live_cli(&server.token, &args);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    let live_text = std::fs::read_to_string(&transcript).unwrap();
    let _ = std::fs::remove_file(&transcript);
    let simulated = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(["simulate", "mappings/golinks.yaml"])
        .args(common)
        // live's repeat of the last snapshot is a full cycle after a restart.
        .args(["--restart-before", "3"])
        .output()
        .unwrap();
    assert!(simulated.status.success());
    let simulated = String::from_utf8(simulated.stdout).unwrap();
    // Request headings (cycle, action, object) in order, and every create body.
    let shape = |text: &str| -> Vec<String> {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("### ") && !line.contains("Test Connection") {
                out.push((*line).to_owned());
            }
            if line.starts_with("POST ") {
                out.push(format!("{line} {}", lines[i + 4]));
            }
        }
        out
    };
    let live_shape = shape(&live_text);
    assert!(live_shape.len() > 20);
    assert_eq!(live_shape, shape(&simulated));
}

/// A fresh directory for one test's files, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("entramap-live-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The token `tests/data/live/token-echoes.txt` spells in every encoding.
const ECHOED_TOKEN: &str = "s3cr/t+K3y=A b~q";

#[test]
fn a_token_echoed_in_any_encoding_never_reaches_stdout_stderr_or_the_transcript() {
    let scratch = Scratch::new("token-echoes");
    let cases = std::fs::read_to_string("tests/data/live/token-echoes.txt").unwrap();
    let cases: Vec<(&str, &str)> = cases
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    assert!(cases.len() >= 10);
    // What must never be printed: the token, and the spelling the server used. The spelling
    // is recognised by its longest run around the encoded `+`, which no placeholder contains.
    let plain_json = serde_json::to_string(ECHOED_TOKEN).unwrap();
    for (name, body) in cases {
        // Test Connection refused with a 400 (exit 1: the detail is in the report), and with a
        // 401 (exit 3: the detail is in the report and on stderr).
        for (status, code) in [(400, 1), (401, 3)] {
            for format in ["human", "json"] {
                let stub = Stub::serve(vec![answer(status, &[], body)]);
                let transcript = scratch.path(&format!("{name}-{status}-{format}.http"));
                let run = live_cli(
                    ECHOED_TOKEN,
                    &[
                        "mappings/scim-default.yaml",
                        "--url",
                        &stub.url,
                        "--format",
                        format,
                        "--transcript",
                        &transcript,
                    ],
                );
                let context = format!("{name} {status} {format}");
                assert_eq!(run.code, code, "{context}: {}", run.stderr);
                let transcript = std::fs::read_to_string(&transcript).unwrap();
                let answer_line = transcript
                    .lines()
                    .find(|l| l.starts_with("# {") || l.starts_with("# \"<html>"))
                    .unwrap_or_else(|| panic!("{context}: no answer in\n{transcript}"));
                assert!(
                    answer_line.contains("{{token}}"),
                    "{context}: the echo was not replaced: {answer_line}"
                );
                for (output, text) in [
                    ("stdout", &run.stdout),
                    ("stderr", &run.stderr),
                    ("transcript", &transcript),
                ] {
                    for leak in [ECHOED_TOKEN, &plain_json[1..plain_json.len() - 1], "K3y"] {
                        assert!(
                            !text.contains(leak),
                            "{context}: the token leaked into {output} as {leak:?}:\n{text}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_token_shorter_than_8_characters_is_refused_before_any_request() {
    let stub = Stub::serve(Vec::new());
    let run = live_cli(
        "abc1234",
        &["mappings/scim-default.yaml", "--url", &stub.url],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("shorter than 8 characters are refused"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("abc1234"), "{}", run.stderr);
    assert!(stub.requests().is_empty());
}

const ONE_USER: &str = "tests/data/live/one-user.yaml";
const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;
/// A token long enough to be accepted, for runs against stubs that never check it.
const STUB_TOKEN: &str = "stub-token-0123";

fn reply(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: body.to_owned(),
        delay: Duration::ZERO,
    }
}

/// The escape sequences of `tests/data/live/terminal-escapes.txt`.
fn terminal_escapes() -> String {
    let file = std::fs::read_to_string("tests/data/live/terminal-escapes.txt").unwrap();
    let line = file.lines().find(|l| !l.starts_with('#')).unwrap();
    let text: String = serde_json::from_str(&format!("\"{line}\"")).unwrap();
    assert!(text.contains('\u{1b}') && text.contains('\u{9b}') && text.contains('\u{202e}'));
    text
}

/// Nothing a terminal would act on, and a bounded size, in what the run printed.
fn assert_printed_safely(run: &Run, context: &str) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let bad = text
            .chars()
            .find(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c));
        assert_eq!(bad, None, "{context}: raw {bad:?} in {name}:\n{text}");
        assert!(
            text.len() < 32 * 1024,
            "{context}: {name} floods ({} bytes)",
            text.len()
        );
    }
}

#[test]
fn a_hostile_detail_is_printed_escaped_and_clipped_in_both_formats() {
    let escapes = terminal_escapes();
    let detail = format!("{escapes}{}", "x".repeat(7 * 1024 * 1024));
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": escapes,
        "detail": detail,
    })
    .to_string();
    for (format, verbose) in [("human", false), ("human", true), ("json", true)] {
        let body = body.clone();
        let stub = Stub::route(10, move |request| {
            if request.starts_with("GET /Users?filter=") {
                reply(200, EMPTY_LIST)
            } else {
                reply(400, &body)
            }
        });
        let mut args = vec![
            "mappings/scim-default.yaml",
            "--url",
            &stub.url,
            "--directory",
            ONE_USER,
            "--cycles",
            "1",
            "--format",
            format,
        ];
        if verbose {
            args.push("--verbose");
        }
        let run = live_cli(STUB_TOKEN, &args);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert_printed_safely(&run, format);
        assert!(
            run.stdout.contains(" bytes, clipped)") && run.stdout.contains("(7,340,"),
            "{format}: {}",
            run.stdout
        );
        if format == "human" {
            assert!(
                run.stdout.contains(r"\u{1b}]0;pwned\u{7}\u{1b}[2J"),
                "{}",
                run.stdout
            );
            assert!(run.stdout.contains(r"\u{9b}2J\u{7f}\u{202e}txt.exe"));
        } else {
            let report = run.json();
            let rejection = &report["cycles"][0]["rejected"][0];
            // The same text, only cut: JSON escapes keep it exact.
            let shown = rejection["detail"].as_str().unwrap();
            assert!(shown.starts_with(&escapes), "{shown:?}");
            assert!(shown.len() < 2048, "{}", shown.len());
            assert_eq!(rejection["scim_type"], escapes.as_str());
        }
    }
}

#[test]
fn a_hostile_id_is_printed_escaped_and_clipped_where_the_run_stops_on_it() {
    let id = format!("{}{}", terminal_escapes(), "7".repeat(1024 * 1024));
    // No userName: one the run did not send would make the answer another account (the run
    // would then not own it), and this test is about the id.
    let created = serde_json::json!({ "id": id }).to_string();
    for format in ["human", "json"] {
        let created = created.clone();
        let stub = Stub::route(10, move |request| {
            if request.starts_with("GET /Users?filter=") {
                reply(200, EMPTY_LIST)
            } else if request.starts_with("POST /Users ") {
                reply(201, &created)
            } else {
                reply(404, "")
            }
        });
        let run = live_cli(
            STUB_TOKEN,
            &[
                "mappings/scim-default.yaml",
                "--url",
                &stub.url,
                "--directory",
                ONE_USER,
                "--cycles",
                "1",
                "--cleanup",
                "--format",
                format,
                "--verbose",
            ],
        );
        // The client refuses to put the id into a request line: the run stops there, and
        // says where, with the id shown escaped and clipped.
        assert_eq!(run.code, 4, "{format}: {}", run.stderr);
        assert_printed_safely(&run, format);
        assert!(
            run.stderr.contains(r"GET /Users/\u{1b}]0;pwned\u{7}")
                && run.stderr.contains("(1,048,"),
            "{format}: {}",
            run.stderr
        );
        if format == "human" {
            assert!(
                run.stdout.contains(r"LEFT BEHIND /Users/\u{1b}]0;pwned"),
                "{}",
                run.stdout
            );
        } else {
            let report = run.json();
            let left = report["cleanup"]["left"][0].as_str().unwrap();
            assert!(left.starts_with("/Users/\u{1b}]0;pwned"), "{left:?}");
            assert!(left.ends_with(" bytes, clipped)") && left.len() < 2048);
        }
    }
}

/// An app that creates users (and deletes them) but answers every read of one with 429 and
/// `Retry-After: 1`, for ever: a run against it never ends by itself.
fn throttling_app() -> Stub {
    let deleted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    Stub::route(10_000, move |request| {
        use std::sync::atomic::Ordering;
        // No userName: one the run did not send would make it another account, not the run's.
        let created = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1"}"#;
        if request.starts_with("GET /Users?filter=") {
            reply(200, EMPTY_LIST)
        } else if request.starts_with("POST /Users ") {
            reply(201, created)
        } else if request.starts_with("DELETE /Users/u-1 ") {
            deleted.store(true, Ordering::SeqCst);
            reply(204, "")
        } else if deleted.load(Ordering::SeqCst) {
            reply(404, "")
        } else {
            Answer {
                headers: vec!["Retry-After: 1".to_owned()],
                ..reply(429, "")
            }
        }
    })
}

/// The `live` arguments of a cleanup run of [`ONE_USER`] against `url`, with a transcript and
/// a JSON report.
fn endless_run_args<'a>(url: &'a str, transcript: &'a str) -> Vec<&'a str> {
    vec![
        "mappings/scim-default.yaml",
        "--url",
        url,
        "--directory",
        ONE_USER,
        "--cycles",
        "100",
        "--cleanup",
        "--transcript",
        transcript,
        "--format",
        "json",
    ]
}

/// What a run stopped early must still have done: the transcript of what was sent, the report,
/// and the cleanup of what it created.
fn assert_stopped_cleanly(stub: &Stub, report: &Json, transcript: &str, why: &str) {
    assert_eq!(report["stopped"], why, "{report}");
    assert_eq!(report["result"], why, "{report}");
    assert!(report["cycles"].as_array().unwrap().len() < 100, "{report}");
    assert!(transcript.contains("· create "), "{transcript}");
    assert_eq!(report["cleanup"]["deleted"], 1, "{report}");
    assert_eq!(report["cleanup"]["left"], serde_json::json!([]));
    let requests = stub.requests();
    let deletes = requests
        .iter()
        .position(|r| r.starts_with("DELETE /Users/u-1 "))
        .expect("the cleanup deleted the user");
    // After the stop, only the cleanup talked to the app: its DELETE and the check.
    assert_eq!(requests.len(), deletes + 2, "{:#?}", &requests[deletes..]);
}

#[test]
fn the_deadline_stops_a_run_the_app_throttles_for_ever_after_cleanup_transcript_and_report() {
    let scratch = Scratch::new("deadline");
    let stub = throttling_app();
    let transcript = scratch.path("run.http");
    let mut args = endless_run_args(&stub.url, &transcript);
    args.extend(["--deadline", "2s"]);
    let run = live_cli(STUB_TOKEN, &args);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the deadline (2s) was reached before the run ended"),
        "{}",
        run.stderr
    );
    let transcript = std::fs::read_to_string(&transcript).unwrap();
    assert_stopped_cleanly(&stub, &run.json(), &transcript, "deadline-reached");
}

#[test]
fn deadline_values_that_are_not_durations_are_refused_with_exit_2() {
    let stub = Stub::serve(Vec::new());
    for bad in [
        "10",
        "0s",
        "1d",
        "1h30",
        "-5m",
        "",
        "999999999999999999h",
        "200h",
    ] {
        let flag = format!("--deadline={bad}");
        let run = live_cli(
            STUB_TOKEN,
            &["mappings/scim-default.yaml", "--url", &stub.url, &flag],
        );
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
        assert!(run.stderr.contains("--deadline"), "{bad:?}: {}", run.stderr);
    }
    assert!(stub.requests().is_empty());
}

/// SIGTERM (a supervisor) or SIGINT (Ctrl-C) during a run.
fn signal_stops_the_run_after_cleanup_transcript_and_report_and_exits_130(signal: &str) {
    let scratch = Scratch::new(&format!("signal{signal}"));
    let stub = throttling_app();
    let transcript = scratch.path("run.http");
    let child = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .arg("live")
        .args(endless_run_args(&stub.url, &transcript))
        .env("ENTRAMAP_TOKEN", STUB_TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run entramap");
    // Signal once the run has created its user and is being throttled: it would go on for
    // the default deadline of an hour. (The limit only bounds a broken run.)
    let limit = Instant::now() + Duration::from_secs(120);
    while !stub
        .requests()
        .iter()
        .any(|r| r.starts_with("GET /Users/u-1 "))
    {
        assert!(
            Instant::now() < limit,
            "the run never reached the throttled read"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill {signal}");
    let out = child.wait_with_output().unwrap();
    let run = Run::from(out);
    assert_eq!(run.code, 130, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("interrupted"), "{}", run.stderr);
    let transcript = std::fs::read_to_string(&transcript).expect("the transcript was written");
    assert_stopped_cleanly(&stub, &run.json(), &transcript, "interrupted");
}

#[test]
fn sigterm_stops_the_run_after_cleanup_transcript_and_report_and_exits_130() {
    signal_stops_the_run_after_cleanup_transcript_and_report_and_exits_130("-TERM");
}

#[test]
fn sigint_stops_the_run_after_cleanup_transcript_and_report_and_exits_130() {
    signal_stops_the_run_after_cleanup_transcript_and_report_and_exits_130("-INT");
}

#[test]
fn an_unwritable_transcript_path_is_refused_with_exit_2_before_any_request() {
    let scratch = Scratch::new("transcript-path");
    std::fs::write(scratch.path("file"), "").unwrap();
    let stub = Stub::serve(Vec::new());
    for (path, message) in [
        (scratch.path("missing/run.http"), "does not exist"),
        (
            scratch.path("file/run.http"),
            "does not exist (or is not a directory)",
        ),
        (scratch.path(""), "is a directory"),
    ] {
        let run = live_cli(
            STUB_TOKEN,
            &[
                "mappings/scim-default.yaml",
                "--url",
                &stub.url,
                "--transcript",
                &path,
            ],
        );
        assert_eq!(run.code, 2, "{path}: {}", run.stderr);
        assert!(
            run.stderr.contains("--transcript") && run.stderr.contains(message),
            "{path}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    assert!(stub.requests().is_empty(), "a request was sent");
    // Nothing was left behind by the check.
    assert_eq!(std::fs::read_dir(&scratch.0).unwrap().count(), 1);
}

#[test]
fn probe_confirms_scim2_servers_manager_string_and_legacy_member_removal_causes() {
    let server = Scim2Server::start();
    let run = live_cli(
        &server.token,
        &[
            "mappings/scim-default.yaml",
            "--url",
            &server.url,
            "--dialect",
            "legacy",
            "--directory",
            SAMPLE,
            "--directory",
            CHANGED,
            "--seed",
            "61",
            "--cleanup",
            "--probe",
            "--format",
            "json",
        ],
    );
    let report = run.json();
    let findings: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["cause_id"].as_str().unwrap(),
                f["evidence"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        findings.contains(&("manager-string", "confirmed"))
            && findings.contains(&("legacy-member-removal", "confirmed")),
        "{report:#}"
    );
    for f in report["findings"].as_array().unwrap() {
        if f["evidence"] == "confirmed" {
            assert!(
                f["probe"]
                    .as_str()
                    .unwrap()
                    .starts_with("confirmed: the app accepted"),
                "{f}"
            );
        }
    }
    assert_cleaned_up(&server, &report);
}
