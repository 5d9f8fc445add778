//! What Entra refuses, with the codes its provisioning log uses
//! (docs/identity/app-provisioning/howto-analyze-provisioning-logs.md, "Error codes", in
//! MicrosoftDocs/entra-docs): each refused object gets no write, and the refusal shows in the
//! `.http` transcript (a comment) and the summary (a count), never as a jsonl line, since
//! nothing is sent. Data under tests/data/engine/refusals/.

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap, run_cases};

const BASE: &str = "tests/data/engine/base.yaml";
const DIR: &str = "tests/data/engine/refusals";
const NOW: &str = "2025-01-01T00:00:00Z";

/// `simulate MAPPING --directory DIR/DIRECTORY --cycles 2` in `format`, with `extra`.
fn simulate(mapping: &str, directory: &str, format: &str, extra: &[&str]) -> Run {
    let directory = format!("{DIR}/{directory}");
    let mut args = vec![
        "simulate",
        mapping,
        "--directory",
        &directory,
        "--cycles",
        "2",
        "--format",
        format,
        "--now",
        NOW,
    ];
    args.extend(extra);
    let run = entramap(&args);
    // A failed object makes the exit status 1 (and says so last), unless --allow-failures.
    let failed = run
        .stderr
        .contains("failed (exit 1; --allow-failures exits 0)");
    assert_eq!(run.code, i32::from(failed), "{}", run.stderr);
    run
}

/// (cycle, action, object) of every jsonl request line (a failed object's `failed` line is
/// not a request).
fn requests(run: &Run) -> Vec<(u64, String, String)> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|v| v["action"] != "failed")
        .map(|v| {
            (
                v["cycle"].as_u64().unwrap(),
                v["action"].as_str().unwrap().to_owned(),
                v["object"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const ANA: &str = "00000000-0000-4000-8000-00000000000a";
const BEN: &str = "00000000-0000-4000-8000-00000000000b";

/// customize-application-attributes.md, "All users must have a value for at least one matching
/// attribute"; ImportSkipped: no match query and no POST for Noor, and she is not evaluated
/// again while she does not change.
#[test]
fn a_user_without_a_matching_value_is_skipped_without_a_query_or_a_create() {
    let run = simulate(BASE, "no-match-value.yaml", "jsonl", &[]);
    let noor = "00000000-0000-4000-8000-00000000000c";
    assert!(
        requests(&run).iter().all(|(_, _, o)| o != noor),
        "{}",
        run.stdout
    );
    assert_eq!(requests(&run).len(), 2, "Ana's match and create");
}

/// DuplicateSourceEntries: Anna's match query finds the account Ana was linked to; the first
/// in snapshot order keeps it, Anna is not linked and writes nothing, in every cycle.
#[test]
fn a_second_source_user_resolving_to_a_linked_account_fails_with_duplicate_source_entries() {
    let run = simulate(BASE, "duplicate-source.yaml", "jsonl", &[]);
    let anna = "00000000-0000-4000-8000-00000000000d";
    let anna_requests: Vec<_> = requests(&run)
        .into_iter()
        .filter(|(_, _, o)| o == anna)
        .collect();
    assert_eq!(
        anna_requests,
        [
            (1, "match".to_owned(), anna.to_owned()),
            (2, "match".to_owned(), anna.to_owned())
        ],
        "a query each cycle (the failure is retried), never a write"
    );
    // The failure names both sides: the account and the source object that holds it (Ana),
    // since the admin fixes one of the two.
    let log = simulate(BASE, "duplicate-source.yaml", "log", &[]);
    assert!(
        log.stdout.contains(
            "which source object 00000000-0000-4000-8000-00000000000a is already linked to"
        ),
        "{}",
        log.stdout
    );
}

/// MandatoryFieldsMissing: the in-memory app enforces `required`; Ben's create lacks
/// nickName, is answered 400, and is retried (and refused) next cycle.
#[test]
fn a_create_without_a_required_attribute_is_answered_400_and_logged_mandatory_fields_missing() {
    let mapping = format!("{DIR}/required-nickname.yaml");
    let run = simulate(&mapping, "required.yaml", "jsonl", &[]);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let bens: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["object"] == BEN && l["action"] == "create")
        .collect();
    assert_eq!(bens.len(), 2, "{}", run.stdout);
    assert!(bens.iter().all(|l| l["status"] == 400));
    let anas: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["object"] == ANA && l["action"] == "create")
        .collect();
    assert_eq!(anas[0]["status"], 201);
}

/// A group without a displayName (the app requires it, and it is the group's only matching
/// attribute) is not provisioned, nor are its members added.
#[test]
fn a_group_without_a_display_name_is_not_provisioned_nor_its_members() {
    let run = simulate(BASE, "group-without-name.yaml", "jsonl", &[]);
    let nameless = "00000000-0000-4000-8000-0000000000g2";
    assert!(
        requests(&run).iter().all(|(_, _, o)| o != nameless),
        "{}",
        run.stdout
    );
    assert!(
        requests(&run).iter().any(|(_, a, _)| a == "add-members"),
        "Staff still gets Ana"
    );
}

/// SchemaPropertyCanOnlyAcceptValue: two proxyAddresses into a single-valued attribute fail
/// Ana (nothing sent for her); Ben's one value flows.
#[test]
fn several_values_for_a_single_valued_attribute_fail_with_schema_property_can_only_accept_value() {
    let mapping = format!("{DIR}/multi-to-single.yaml");
    let run = simulate(&mapping, "multi-valued.yaml", "jsonl", &[]);
    assert!(
        requests(&run).iter().all(|(_, _, o)| o != ANA),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("SMTP:ben@contoso.com"),
        "{}",
        run.stdout
    );
}

/// how-provisioning-works.md, "Errors and retries": an expression that fails for an object
/// fails it in every cycle, visibly in every format (jsonl has no line: nothing is sent).
#[test]
fn an_expression_that_fails_fails_the_object_in_every_cycle_in_every_format() {
    let mapping = format!("{DIR}/expression-fails-mapping.yaml");
    let jsonl = simulate(&mapping, "expression-fails.yaml", "jsonl", &[]);
    // Nothing is sent: each cycle has only a `failed` line per object, no request.
    let lines: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 4, "{}", jsonl.stdout);
    assert!(
        lines
            .iter()
            .all(|l| l["action"] == "failed" && l["errorCode"] == "ExpressionFailed"),
        "{}",
        jsonl.stdout
    );
    assert!(jsonl.stderr.contains("is not a date"), "{}", jsonl.stderr);
    let summary = simulate(&mapping, "expression-fails.yaml", "summary", &[]);
    let lines: Vec<&str> = summary
        .stdout
        .lines()
        .filter(|l| l.starts_with("cycle "))
        .collect();
    assert!(
        lines[0].contains(", 2 failed objects"),
        "{}",
        summary.stdout
    );
    assert!(
        lines[1].contains(", 2 failed objects"),
        "{}",
        summary.stdout
    );
    // Failed objects make the exit status 1 in every format (the transcript's: the refusal
    // table); --allow-failures turns it off.
    for run in [&jsonl, &summary] {
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    let allowed = simulate(
        &mapping,
        "expression-fails.yaml",
        "jsonl",
        &["--allow-failures"],
    );
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(
        allowed.stderr.contains("is not a date"),
        "{}",
        allowed.stderr
    );
    // The log names each failure with its reason, at every cycle.
    let log = simulate(&mapping, "expression-fails.yaml", "log", &[]);
    let failed: Vec<(u64, String, String)> = log
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|e| e["provisioningStatusInfo"]["status"] == "failure")
        .map(|e| {
            (
                e["cycleId"].as_str().unwrap()[..8].parse().unwrap(),
                e["sourceIdentity"]["id"].as_str().unwrap().to_owned(),
                e["provisioningStatusInfo"]["errorInformation"]["errorCode"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, String, String)> = [1, 2]
        .into_iter()
        .flat_map(|c| [(c, ANA.to_owned()), (c, BEN.to_owned())])
        .map(|(c, o)| (c, o, "ExpressionFailed".to_owned()))
        .collect();
    assert_eq!(failed, expected, "{}", log.stdout);
}

/// A refused object, and how the transcript and the summary of the same run show it.
struct RefusalCase {
    /// What the case proves.
    id: &'static str,
    /// The mapping (the engine's base when `None`: under DIR otherwise), the directory under
    /// DIR, and more arguments.
    mapping: Option<&'static str>,
    directory: &'static str,
    extra: Vec<String>,
    /// The exit code: 1 when an object failed.
    code: i32,
    /// Lines of the `.http` transcript (comments: nothing is sent), and what it must not say.
    transcript: Vec<String>,
    not_in_transcript: &'static [&'static str],
    /// Lines of the summary.
    summary: &'static [&'static str],
}

/// Each refusal is a comment in the transcript (in every cycle that retries it) and a count
/// in the summary, with the error code of Entra's provisioning log.
#[test]
fn each_refusal_shows_in_the_transcript_and_the_summary() {
    let failed =
        |cycle: u32, object: &str, why: &str| format!("# cycle {cycle} · failed {object}: {why}");
    let anna = "00000000-0000-4000-8000-00000000000d";
    let cases = [
        RefusalCase {
            id: "a_user_without_a_matching_value_is_skipped_once_and_not_evaluated_again",
            mapping: None,
            directory: "no-match-value.yaml",
            extra: vec![],
            code: 0,
            transcript: vec![
                "# cycle 1 · not sent · import-skipped Noor: no value for any matching attribute \
                 (userName)"
                    .to_owned(),
            ],
            not_in_transcript: &["# cycle 2"],
            summary: &["  not sent, import-skipped: 1 objects"],
        },
        RefusalCase {
            id: "duplicate_source_entries_fail_the_second_user_in_every_cycle",
            mapping: None,
            directory: "duplicate-source.yaml",
            extra: vec![],
            code: 1,
            transcript: [1, 2]
                .map(|c| failed(c, anna, "DuplicateSourceEntries"))
                .to_vec(),
            not_in_transcript: &[],
            summary: &["1 failed objects"],
        },
        // The match query finds two accounts; no link, no write.
        RefusalCase {
            id: "several_matching_accounts_fail_with_duplicate_target_entries",
            mapping: Some("duplicate-target-mapping.yaml"),
            directory: "duplicate-target.yaml",
            extra: vec![
                "--target".to_owned(),
                format!("{DIR}/duplicate-target-accounts.yaml"),
            ],
            code: 1,
            transcript: vec![failed(1, ANA, "DuplicateTargetEntries")],
            not_in_transcript: &["PATCH", "POST"],
            summary: &[],
        },
        RefusalCase {
            id: "a_create_without_a_required_attribute_is_logged_mandatory_fields_missing",
            mapping: Some("required-nickname.yaml"),
            directory: "required.yaml",
            extra: vec![],
            code: 1,
            transcript: vec![failed(
                1,
                BEN,
                "MandatoryFieldsMissing: the app requires `nickName`",
            )],
            not_in_transcript: &[],
            summary: &[],
        },
        RefusalCase {
            id: "several_values_for_a_single_valued_attribute_fail_in_every_cycle",
            mapping: Some("multi-to-single.yaml"),
            directory: "multi-valued.yaml",
            extra: vec![],
            code: 1,
            transcript: [1, 2]
                .map(|c| failed(c, ANA, "SchemaPropertyCanOnlyAcceptValue"))
                .to_vec(),
            not_in_transcript: &[],
            summary: &[],
        },
        // Who failed and why, under each cycle.
        RefusalCase {
            id: "an_expression_that_fails_fails_the_object_in_every_cycle",
            mapping: Some("expression-fails-mapping.yaml"),
            directory: "expression-fails.yaml",
            extra: vec![],
            code: 1,
            transcript: [1, 2]
                .map(|c| {
                    failed(
                        c,
                        BEN,
                        "mapping to `title` failed: \"Designer\" is not a date",
                    )
                })
                .to_vec(),
            not_in_transcript: &[],
            summary: &[
                "  failed 2 objects: 2 ExpressionFailed\n    ExpressionFailed: ana@contoso.com, ben@contoso.com\n",
            ],
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let mapping = case
                .mapping
                .map_or(BASE.to_owned(), |m| format!("{DIR}/{m}"));
            let extra: Vec<&str> = case.extra.iter().map(String::as_str).collect();
            let http = simulate(&mapping, case.directory, "http", &extra);
            assert_eq!(http.code, case.code, "{http:?}");
            for line in &case.transcript {
                assert!(http.stdout.contains(line.as_str()), "no {line:?}: {http:?}");
            }
            for text in case.not_in_transcript {
                assert!(!http.stdout.contains(text), "{text:?} in {http:?}");
            }
            if !case.summary.is_empty() {
                let summary = simulate(&mapping, case.directory, "summary", &extra);
                assert_eq!(summary.code, case.code, "{summary:?}");
                for line in case.summary {
                    assert!(summary.stdout.contains(line), "no {line:?}: {summary:?}");
                }
            }
        },
    );
    assert_eq!(ran, 6);
}

/// The static side of SchemaPropertyCanOnlyAcceptValue: `check` warns about a multi-valued
/// source mapped directly to a single-valued target (EM120), pointing at the source.
#[test]
fn check_finds_a_multi_valued_source_into_a_single_valued_target() {
    let mapping = format!("{DIR}/multi-to-single.yaml");
    let run = entramap(&["check", &mapping, "--format", "json"]);
    assert_eq!(run.code, 0, "a warning: {}", run.stderr);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let text = findings.to_string();
    assert!(text.contains("EM120"), "{text}");
    assert!(text.contains("SchemaPropertyCanOnlyAcceptValue"), "{text}");
    // base.yaml has no such row.
    let clean = entramap(&["check", BASE, "--format", "json"]);
    assert!(!clean.stdout.contains("EM120"), "{}", clean.stdout);
}
