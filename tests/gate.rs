//! The validation gate: every command that runs or publishes a mapping refuses what `check`
//! reports as an error, printing exactly `check`'s diagnostics; warnings are printed once;
//! conversions (`import`, `export`) warn and convert.

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap_with_env};

const BAD: &str = "tests/data/gate/source-typo-and-unknown-target.yaml";

/// Every command that runs or publishes a mapping, with the arguments it needs besides the
/// mapping. `live` points at a loopback port nothing listens on: the gate must refuse
/// before any connection is tried, so the run never reaches it.
fn running_commands(mapping: &str) -> Vec<Vec<String>> {
    let live = format!("live {mapping} --url http://127.0.0.1:9/scim");
    [
        format!("simulate {mapping}"),
        format!("simulate {mapping} --format summary"),
        format!("converge {mapping} --cases 4"),
        format!("docs {mapping}"),
        live,
    ]
    .iter()
    .map(|c| c.split(' ').map(str::to_string).collect())
    .collect()
}

#[test]
fn check_rejects_the_source_typo_and_the_unknown_target() {
    let check = entramap(&["check", BAD]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(check.stderr.contains("EM002"), "{check:?}");
    assert!(check.stderr.contains("`userPrincipleName`"), "{check:?}");
    assert!(check.stderr.contains("EM003"), "{check:?}");
    assert!(check.stderr.contains("`nickName`"), "{check:?}");
}

#[test]
fn every_command_that_runs_a_mapping_refuses_check_errors_with_checks_diagnostics() {
    let check = entramap(&["check", BAD]);
    for command in running_commands(BAD) {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let run = entramap(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        // check's whole human output, then one line saying the mapping is refused.
        let rest = run.stderr.strip_prefix(&check.stderr).unwrap_or_else(|| {
            panic!("{args:?} does not print check's diagnostics first: {run:?}\n{check:?}")
        });
        assert_eq!(
            rest,
            format!("error: {BAD}: refused, `entramap check` finds 2 errors, 0 warnings\n"),
            "{args:?}"
        );
        assert!(!run.stderr.contains("127.0.0.1"), "{args:?}: {run:?}");
    }
}

#[test]
fn docs_refuses_to_write_its_out_file_for_a_mapping_check_rejects() {
    let out = std::env::temp_dir().join(format!("entramap-gate-{}.md", std::process::id()));
    let run = entramap(&["docs", BAD, "--out", out.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!out.exists(), "docs published a mapping check rejects");
}

#[test]
fn warnings_are_printed_once_and_do_not_stop_the_run() {
    // EM101 on the IIF row; three cycles over the two-user sample would evaluate it six times.
    let mapping = "tests/data/check/em101-iif-nullable-condition.yaml";
    let check = entramap(&["check", mapping]);
    assert_eq!(check.code, 0, "{check:?}");
    for args in [
        vec!["simulate", mapping, "--cycles", "3", "--format", "summary"],
        vec!["docs", mapping],
        vec!["converge", mapping, "--cases", "4"],
    ] {
        let run = entramap(&args);
        assert_ne!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stdout.is_empty(), "{args:?}: {run:?}");
        assert_eq!(run.stderr.matches("EM101").count(), 1, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with(&check.stderr), "{args:?}: {run:?}");
    }
}

#[test]
fn a_clean_mapping_runs_with_nothing_on_stderr() {
    let run = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--format",
        "summary",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn every_shipped_mapping_passes_the_gate() {
    let mut mappings: Vec<_> = std::fs::read_dir("mappings")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    mappings.sort();
    assert!(mappings.len() >= 5, "{mappings:?}");
    for mapping in mappings {
        let run = entramap(&["docs", mapping.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}: {run:?}", mapping.display());
        assert!(run.stderr.is_empty(), "{}: {run:?}", mapping.display());
    }
}

#[test]
fn export_converts_a_mapping_check_rejects_and_warns() {
    let check = entramap(&["check", BAD]);
    let run = entramap(&["export", BAD]);
    assert_eq!(run.code, 0, "{run:?}");
    let schema: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON schema");
    assert!(
        run.stdout.contains("userPrincipleName"),
        "the typo is converted as it is: {schema}"
    );
    assert!(run.stderr.starts_with(&check.stderr), "{run:?}");
    assert!(run.stderr.contains("warning: "), "{run:?}");
}

#[test]
fn import_converts_a_schema_check_rejects_and_warns() {
    let dir = std::env::temp_dir();
    let json = dir.join(format!("entramap-gate-{}.json", std::process::id()));
    let export = entramap(&["export", BAD, "--out", json.to_str().unwrap()]);
    assert_eq!(export.code, 0, "{export:?}");
    let run = entramap(&["import", json.to_str().unwrap()]);
    std::fs::remove_file(&json).ok();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("source: userPrincipleName"), "{run:?}");
    assert!(run.stderr.contains("EM002"), "{run:?}");
    assert!(run.stderr.contains("EM003"), "{run:?}");
    assert!(run.stderr.contains("warning: "), "{run:?}");
}

const EQUAL: &str = "tests/data/gate/scope-operator-equal.yaml";

#[test]
fn an_unknown_scoping_operator_is_the_same_error_in_check_and_every_command() {
    let check = entramap(&["check", EQUAL]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(check.stderr.contains("EM014"), "{check:?}");
    assert!(check.stderr.contains("did you mean `EQUALS`?"), "{check:?}");
    for command in running_commands(EQUAL) {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let run = entramap(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.starts_with(&check.stderr), "{args:?}: {run:?}");
    }
}

/// A one-clause mapping, loaded.
fn clause_mapping(operator: &str, value: Option<&str>) -> entramap::load::Loaded {
    let value = value.map_or(String::new(), |v| format!("          value: '{v}'\n"));
    let text = format!(
        "app: t\nusers:\n  scope:\n    - clauses:\n        - attribute: employeeId\n          \
         operator: '{operator}'\n{value}  mappings:\n    - target: userName\n      source: \
         userPrincipalName\n      match: 1\n"
    );
    entramap::load::parse("t.yaml", &text).expect("test mapping loads")
}

#[test]
fn scope_operator_spellings_mean_the_same_in_check_and_simulate() {
    let operators = [
        "EQUALS",
        "equals",
        "EQUAL",
        "NOT EQUALS",
        "NOT_EQUALS",
        "Not  Equals",
        "NOTEQUALS",
        "ENDS_WITH",
        "ends with",
        "STARTS_WITH",
        "Includes",
        "INCLUDES",
        "Contains",
        "REGEX MATCH",
        "regex_match",
        "NOT REGEX MATCH",
        "Greater_Than",
        "GREATER THAN",
        "Greater_Than_OR_EQUALS",
        "GREATER_THAN_OR_EQUAL",
        "IS TRUE",
        "is_false",
        "IS NULL",
        "IS_NOT_NULL",
        "ISNULL",
        "&",
        "!&",
        "&&",
        "Present",
        "",
    ];
    let values = [
        None,
        Some("Sales"),
        Some("42"),
        Some(" 7 "),
        Some("(unclosed"),
    ];
    let mut refused = 0;
    for operator in operators {
        for value in values {
            let loaded = clause_mapping(operator, value);
            let check_refuses = entramap::check::gate(&loaded).is_err();
            let simulate_refuses =
                entramap::provision::scope::compile_scope(&loaded.file.users.scope).is_err();
            assert_eq!(
                check_refuses, simulate_refuses,
                "operator {operator:?} value {value:?}: check refuses {check_refuses}, simulate \
                 refuses {simulate_refuses}"
            );
            refused += usize::from(check_refuses);
        }
    }
    // Both outcomes occur, so the agreement above is not vacuous.
    assert!(
        refused > 0 && refused < operators.len() * values.len(),
        "{refused}"
    );
}

/// Only `live` reads the token; the gate refuses before any request is sent.
fn entramap(args: &[&str]) -> Run {
    entramap_with_env(args, &[("ENTRAMAP_TOKEN", "gate-test-token-never-sent")])
}
