//! `entramap live` against a second SCIM server nobody here wrote: SCIMMY with its Express
//! routers (npm), started per test on a free loopback port with in-memory storage
//! (`tests/data/live/scimmy/server.mjs`). Where it disagrees with Entra the report must say
//! so with the right cause, and `--probe` must confirm that cause from the server itself;
//! COMPATIBILITY.md lists these disagreements.

mod support;

use std::process::Command;

use serde_json::Value as Json;
use support::ScimmyServer;
use support::common::Run;

const SAMPLE: &str = "mappings/samples/directory.yaml";
const CHANGED: &str = "tests/data/live/changed.yaml";

fn live(server: &ScimmyServer, mapping: &str, dialect: &str, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .arg("live")
        .arg(mapping)
        .args(["--url", &server.url, "--dialect", dialect])
        .args(["--directory", SAMPLE, "--directory", CHANGED])
        .args(["--seed", "9", "--now", "2025-07-30T09:15:00Z", "--cleanup"])
        .args(["--format", "json"])
        .args(extra)
        .env("ENTRAMAP_TOKEN", &server.token)
        .output()
        .expect("run entramap");
    Run::from(out)
}

/// The findings as (cause id, evidence).
fn findings(report: &Json) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["cause_id"].as_str().unwrap().to_owned(),
                f["evidence"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn assert_cleaned_up(server: &ScimmyServer, report: &Json) {
    assert_eq!(
        report["cleanup"]["left"],
        serde_json::json!([]),
        "{report:#}"
    );
    assert_eq!(server.count("/Users"), 0, "users left behind");
    assert_eq!(server.count("/Groups"), 0, "groups left behind");
}

#[test]
fn scimmy_rejects_the_manager_string_and_legacy_string_booleans_and_probe_confirms_both() {
    let server = ScimmyServer::start();
    let expected = [
        (
            "legacy",
            vec![
                ("manager-string".to_owned(), "confirmed".to_owned()),
                ("string-boolean".to_owned(), "confirmed".to_owned()),
            ],
        ),
        (
            "compliant",
            vec![("manager-string".to_owned(), "confirmed".to_owned())],
        ),
    ];
    for (dialect, causes) in expected {
        let run = live(&server, "mappings/scim-default.yaml", dialect, &["--probe"]);
        assert_eq!(run.code, 1, "{dialect}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["test_connection"]["passed"], true, "{dialect}");
        assert_eq!(findings(&report), causes, "{dialect}: {report:#}");
        assert_cleaned_up(&server, &report);
    }
}

#[test]
fn without_probe_scimmys_rejections_are_hypotheses_next_to_its_own_detail() {
    let server = ScimmyServer::start();
    let run = live(&server, "mappings/scim-default.yaml", "compliant", &[]);
    let report = run.json();
    let f = &report["findings"][0];
    assert_eq!(f["cause_id"], "manager-string");
    assert_eq!(f["evidence"], "hypothesis");
    assert!(
        f["example"]
            .as_str()
            .unwrap()
            .contains("Complex attribute 'manager' expected complex value"),
        "{f}"
    );
    assert_cleaned_up(&server, &report);
}

#[test]
fn mappings_scimmy_fully_accepts_in_the_compliant_dialect_reach_steady_state_and_exit_0() {
    let server = ScimmyServer::start();
    for mapping in ["golinks", "unleash"] {
        let run = live(
            &server,
            &format!("mappings/{mapping}.yaml"),
            "compliant",
            &[],
        );
        let report = run.json();
        assert_eq!(run.code, 0, "{mapping}: {}\n{report:#}", run.stderr);
        let last = report["cycles"].as_array().unwrap().last().unwrap();
        assert_eq!(last["steady"], true, "{mapping}");
        assert_cleaned_up(&server, &report);
    }
}

#[test]
fn an_undeclared_extension_scimmy_drops_on_create_and_refuses_on_update_is_named() {
    let server = ScimmyServer::start();
    let run = live(&server, "mappings/real-links.yaml", "compliant", &[]);
    let report = run.json();
    let ids: Vec<String> = findings(&report).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        ["unknown-extension-attribute", "attribute-not-stored"],
        "{report:#}"
    );
    let dropped = &report["findings"][1];
    assert!(
        dropped["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_str().unwrap().contains(":real-links:2.0:User:")),
        "{dropped}"
    );
    assert_cleaned_up(&server, &report);
}
