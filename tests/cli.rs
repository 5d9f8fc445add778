//! End-to-end tests of the `entramap` binary: exit codes, what goes to stdout and what to
//! stderr, and the shape of `--format json`. Every child runs with `NO_COLOR=1`.

use serde_json::Value as Json;

#[path = "support/common.rs"]
mod common;
use common::{Run, TempFile, entramap, entramap_with_stdin, hang_up_after_first_byte};

/// The 48 builtins of Entra's provisioning expression language (Error and Trim are documented
/// for Cloud Sync only).
const FUNCTIONS: [&str; 48] = [
    "Append",
    "AppRoleAssignmentsComplex",
    "AssertiveAppRoleAssignmentsComplex",
    "BitAnd",
    "CBool",
    "CDate",
    "Coalesce",
    "ConvertToBase64",
    "ConvertToUTF8Hex",
    "Count",
    "CStr",
    "DateAdd",
    "DateDiff",
    "DateFromNum",
    "DefaultDomain",
    "Error",
    "FormatDateTime",
    "Guid",
    "IgnoreFlowIfNullOrEmpty",
    "IIF",
    "InStr",
    "IsNull",
    "IsNullOrEmpty",
    "IsPresent",
    "IsString",
    "Item",
    "Join",
    "Left",
    "Len",
    "Mid",
    "NormalizeDiacritics",
    "Not",
    "Now",
    "NumFromDate",
    "PCase",
    "RandomString",
    "Redact",
    "RemoveDuplicates",
    "Replace",
    "SelectUniqueValue",
    "SingleAppRoleAssignment",
    "Split",
    "StripSpaces",
    "Switch",
    "ToLower",
    "ToUpper",
    "Trim",
    "Word",
];

const USER_JSON: &str = r#"{
  "givenName": "Ada",
  "proxyAddresses": ["SMTP:ada@contoso.com", "smtp:ada@fabrikam.com"],
  "manager": null
}"#;

const USER_YAML: &str = "givenName: Ada\n\
                         proxyAddresses:\n  - SMTP:ada@contoso.com\n  - smtp:ada@fabrikam.com\n\
                         manager: null\n";

/// Reads the three kinds of value a user file can hold: a list (multi-valued), null (absent)
/// and a plain string.
const USER_PROBE: &str = r#"Join("|", Count([proxyAddresses]), Item([proxyAddresses], 2), IsNull([manager]), [givenName])"#;

// ------------------------------------------------------------------------------------ eval

#[test]
fn eval_without_an_expression_prints_the_sample_user_and_every_sample_result_and_exits_0() {
    let run = entramap(&["eval", "--now", "2025-07-30T09:15:00Z"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("# The built-in sample user"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains(
            "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")\n  => True"
        ),
        "{run:?}"
    );
    assert!(run.stdout.matches("\n  => ").count() >= 10, "{run:?}");
    assert!(!run.stdout.contains("=> error"), "{run:?}");
}

#[test]
fn eval_prints_a_single_value_as_one_line_of_text() {
    let run = entramap(&["eval", r#"Join(" ", "Ada", "Lovelace")"#]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Ada Lovelace\n");
}

#[test]
fn eval_prints_each_value_of_a_multi_valued_result_on_its_own_line() {
    let run = entramap(&["eval", r#"Split("a,b,,c", ",")"#]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "a\nb\n\nc\n");
}

#[test]
fn eval_of_a_null_result_prints_nothing_on_stdout_and_a_note_on_stderr() {
    let user = TempFile::new("empty.json", "{}");
    let run = entramap(&["eval", "--user", user.path(), "[mail]"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("null"), "{run:?}");
}

#[test]
fn eval_of_a_dropped_flow_prints_nothing_on_stdout_and_a_note_on_stderr() {
    let user = TempFile::new("empty.json", "{}");
    let run = entramap(&[
        "eval",
        "--user",
        user.path(),
        "IgnoreFlowIfNullOrEmpty([mail])",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("dropped"), "{run:?}");
}

#[test]
fn eval_warns_about_an_unknown_attribute_on_stderr_and_still_evaluates() {
    let run = entramap(&["eval", r#"Join("-", "x", [notAnEntraAttribute])"#]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "x\n");
    assert!(run.stderr.contains("notAnEntraAttribute"), "{run:?}");
}

#[test]
fn eval_json_reports_a_success_with_the_result_as_an_array_and_a_null_error() {
    let run = entramap(&["eval", "--format", "json", r#"ToUpper("abc")"#]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    assert_eq!(json["parsingSucceeded"], Json::Bool(true));
    assert_eq!(json["evaluationSucceeded"], Json::Bool(true));
    assert_eq!(json["evaluationResult"], serde_json::json!(["ABC"]));
    assert_eq!(json["error"], Json::Null);
    assert_eq!(json["expression"], Json::from(r#"ToUpper("abc")"#));
}

#[test]
fn eval_json_reports_a_multi_valued_result_as_one_array_element_per_value() {
    let run = entramap(&["eval", "--format", "json", r#"Split("a;b", ";")"#]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["evaluationResult"],
        serde_json::json!(["a", "b"])
    );
}

#[test]
fn eval_json_reports_an_evaluation_error_with_code_message_and_span_and_exits_1() {
    let expression = "Item([proxyAddresses], 9)";
    let run = entramap(&["eval", "--format", "json", expression]);
    assert_eq!(run.code, 1, "{run:?}");
    let json = run.json();
    assert_eq!(json["parsingSucceeded"], Json::Bool(true));
    assert_eq!(json["evaluationSucceeded"], Json::Bool(false));
    assert_eq!(json["evaluationResult"], serde_json::json!([]));
    let error = &json["error"];
    assert_eq!(error["code"], Json::from("index_out_of_range"));
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{run:?}"
    );
    let start = error["start"].as_u64().expect("start") as usize;
    let end = error["end"].as_u64().expect("end") as usize;
    assert_eq!(&expression[start..end], "9", "the span points at the index");
}

#[test]
fn eval_json_error_phase_says_whether_parsing_compiling_or_evaluating_failed() {
    // A regex is a compile error as a constant and an evaluation error when it is computed,
    // so the code alone cannot say when it arose.
    for (expression, code, phase, exit) in [
        (r#"Append("a" "b")"#, "parse_error", "parse", 2),
        (
            r#"Replace([mail], , "(", , "x", , )"#,
            "invalid_regex",
            "compile",
            2,
        ),
        (
            r#"Replace([mail], , Join("", "("), , "x", , )"#,
            "invalid_regex",
            "eval",
            1,
        ),
        (r#"Error("no account name")"#, "raised", "eval", 1),
        (
            r#"Swtch([mail], "a", "b", "c")"#,
            "unknown_function",
            "compile",
            2,
        ),
    ] {
        let run = entramap(&["eval", "--format", "json", expression]);
        assert_eq!(run.code, exit, "{expression}: {run:?}");
        let error = &run.json()["error"];
        assert_eq!(error["code"], Json::from(code), "{expression}: {run:?}");
        assert_eq!(error["phase"], Json::from(phase), "{expression}: {run:?}");
    }
}

#[test]
fn eval_json_parsed_expression_has_the_trees_the_service_stores() {
    let run = entramap(&[
        "eval",
        "--format",
        "json",
        r#"IIF(Left([mail], 3)="abc", "x", )"#,
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let tree = &run.json()["parsedExpression"];
    let keys: Vec<&str> = tree["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["one", "two", "three", "four"], "{tree}");
    assert_eq!(
        tree["expression"],
        Json::from(r#"IIF(Left([mail], 3)="abc", "x", )"#)
    );
    let left: Vec<&str> = tree["parameters"][0]["value"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["source", "length"]);
}

#[test]
fn eval_json_reports_a_parse_error_as_parsing_failed_and_exits_2() {
    let run = entramap(&["eval", "--format", "json", r#"Append("a" "b")"#]);
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["parsingSucceeded"], Json::Bool(false));
    assert_eq!(json["evaluationSucceeded"], Json::Bool(false));
    assert_eq!(json["error"]["code"], Json::from("parse_error"));
}

#[test]
fn eval_reads_the_user_from_a_json_file_with_lists_multi_valued_and_null_absent() {
    let user = TempFile::new("user.json", USER_JSON);
    let run = entramap(&["eval", "--user", user.path(), USER_PROBE]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "2|smtp:ada@fabrikam.com|True|Ada\n");
}

#[test]
fn eval_reads_the_user_from_a_yaml_file_with_lists_multi_valued_and_null_absent() {
    let user = TempFile::new("user.yaml", USER_YAML);
    let run = entramap(&["eval", "--user", user.path(), USER_PROBE]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "2|smtp:ada@fabrikam.com|True|Ada\n");
}

/// A malformed user file: exit 2, nothing on stdout, and a diagnostic on stderr.
fn assert_rejected_user_file(user: &TempFile, what: &str) -> Run {
    let run = entramap(&["eval", "--user", user.path(), "[givenName]"]);
    assert_eq!(run.code, 2, "{what}: {run:?}");
    assert_eq!(run.stdout, "", "{what}: {run:?}");
    assert!(!run.stderr.is_empty(), "{what}: {run:?}");
    run
}

#[test]
fn eval_rejects_a_user_file_with_bad_yaml_naming_the_file() {
    let user = TempFile::new("bad.yaml", "givenName: [unclosed\n");
    let run = assert_rejected_user_file(&user, "bad YAML");
    assert!(run.stderr.contains(user.file_name()), "{run:?}");
    assert!(run.stderr.contains("YAML"), "{run:?}");
}

#[test]
fn eval_rejects_a_user_file_with_bad_json_naming_the_file() {
    let user = TempFile::new("bad.json", "{\"givenName\": \n");
    let run = assert_rejected_user_file(&user, "bad JSON");
    assert!(run.stderr.contains(user.file_name()), "{run:?}");
    assert!(run.stderr.contains("JSON"), "{run:?}");
}

#[test]
fn eval_rejects_a_user_file_with_a_nested_object_value_naming_the_attribute() {
    let user = TempFile::new("nested.json", r#"{"givenName": {"first": "Ada"}}"#);
    let run = assert_rejected_user_file(&user, "nested object");
    assert!(run.stderr.contains("givenName"), "{run:?}");
}

#[test]
fn eval_rejects_a_user_file_with_a_nested_object_value_naming_the_file() {
    let user = TempFile::new("nested.json", r#"{"givenName": {"first": "Ada"}}"#);
    let run = assert_rejected_user_file(&user, "nested object");
    assert!(run.stderr.contains(user.file_name()), "{run:?}");
}

#[test]
fn eval_rejects_a_missing_user_file_naming_it() {
    let path =
        std::env::temp_dir().join(format!("entramap-cli-{}-absent.json", std::process::id()));
    let path = path.to_str().expect("UTF-8 path");
    let run = entramap(&["eval", "--user", path, "[givenName]"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains(path), "{run:?}");
}

#[test]
fn eval_parse_error_exits_2_with_a_caret_under_the_error_and_nothing_on_stdout() {
    let expression = r#"Append("a" "b")"#;
    let run = entramap(&["eval", expression]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("parse_error"), "{run:?}");
    // The snippet line shows the expression; the line under it marks the offending `"b"`.
    let lines: Vec<Vec<char>> = run.stderr.lines().map(|l| l.chars().collect()).collect();
    let at = lines
        .iter()
        .position(|l| l.iter().collect::<String>().ends_with(expression))
        .unwrap_or_else(|| panic!("no snippet line: {run:?}"));
    let column = lines[at].len() - expression.chars().count() + expression.find("\"b\"").unwrap();
    let marker = lines.get(at + 1).and_then(|l| l.get(column));
    assert!(
        marker.is_some_and(|c| !c.is_whitespace()),
        "no caret under column {column}: {run:?}"
    );
}

#[test]
fn eval_error_exits_1_with_the_error_code_on_stderr_and_nothing_on_stdout() {
    let run = entramap(&["eval", "Item([proxyAddresses], 9)"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("index_out_of_range"), "{run:?}");
}

#[test]
fn eval_unknown_function_fails_with_a_did_you_mean_suggestion_on_stderr() {
    let run = entramap(&["eval", "toLowr([mail])"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("unknown_function"), "{run:?}");
    assert!(run.stderr.contains("did you mean `ToLower`?"), "{run:?}");
}

#[test]
fn eval_default_domain_comes_from_the_flag_and_is_an_error_without_it() {
    let with = entramap(&["eval", "--default-domain", "contoso.com", "DefaultDomain()"]);
    assert_eq!(with.code, 0, "{with:?}");
    assert_eq!(with.stdout, "contoso.com\n");
    let without = entramap(&["eval", "DefaultDomain()"]);
    assert_eq!(without.code, 1, "{without:?}");
    assert!(without.stderr.contains("no_default_domain"), "{without:?}");
}

/// `|` separates the parts, so the random string must not contain it.
const GENERATED: &str = r#"Join("|", Now(), Guid(), RandomString(16, 2, 2, 2, 2, "|"))"#;

#[test]
fn now_and_seed_make_now_guid_and_randomstring_reproducible() {
    let args = [
        "eval",
        "--now",
        "2025-07-30T09:15:00Z",
        "--seed",
        "7",
        GENERATED,
    ];
    let first = entramap(&args);
    let second = entramap(&args);
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(first.stdout, second.stdout);
    let parts: Vec<&str> = first.stdout.trim_end().split('|').collect();
    assert_eq!(parts.len(), 3, "{first:?}");
    assert_eq!(parts[0], "7/30/2025 9:15:00 AM");
    assert_eq!(parts[1].len(), 36, "a GUID: {first:?}");
    assert_eq!(parts[2].chars().count(), 16, "the random string: {first:?}");
}

#[test]
fn a_different_seed_gives_a_different_guid() {
    let guid = |seed: &str| {
        let run = entramap(&["eval", "--seed", seed, "Guid()"]);
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout
    };
    assert_ne!(guid("1"), guid("2"));
}

#[test]
fn a_bad_now_exits_2_with_a_message_and_nothing_on_stdout() {
    let run = entramap(&["eval", "--now", "yesterday", "Now()"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--now"), "{run:?}");
}

#[test]
fn eval_reads_a_multi_line_expression_from_stdin_with_a_dash() {
    let run = entramap_with_stdin(&["eval", "-"], "Join(\",\",\n  \"a\",\n  \"b\")\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "a,b\n");
}

#[test]
fn an_expression_of_exactly_10000_characters_is_accepted() {
    let expression = format!(r#"Join("", "{}")"#, "x".repeat(10_000 - 12));
    assert_eq!(expression.len(), 10_000);
    let run = entramap(&["eval", &expression]);
    assert_eq!(run.code, 0, "exit {}: {}", run.code, &run.stderr);
    assert_eq!(run.stdout.trim_end().len(), 10_000 - 12);
}

#[test]
fn an_expression_over_10000_characters_exits_2_with_a_clear_message() {
    let expression = format!(r#"Join("", "{}")"#, "x".repeat(10_001 - 12));
    assert_eq!(expression.chars().count(), 10_001);
    let run = entramap(&["eval", &expression]);
    assert_eq!(run.code, 2, "exit {}", run.code);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("10001 characters") && run.stderr.contains("at most 10000"),
        "stderr: {}",
        &run.stderr[..run.stderr.len().min(400)]
    );
}

// ------------------------------------------------------------------------------------- fmt

fn fmt(expression: &str) -> String {
    let run = entramap(&["fmt", expression]);
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout
        .strip_suffix('\n')
        .expect("one line of output")
        .to_string()
}

#[test]
fn fmt_prints_the_canonical_form() {
    assert_eq!(
        fmt(r#"switch([a],,"x" ,"y")"#),
        r#"Switch([a], , "x", "y")"#
    );
    assert_eq!(
        fmt("iif(\n  [a]>\"1\" ,\t[b] ,\"c\"\n)"),
        r#"IIF([a] > "1", [b], "c")"#
    );
    assert_eq!(
        fmt(r#"Join("",[a],"say \"hi\"")"#),
        r#"Join("", [a], "say \"hi\"")"#
    );
}

#[test]
fn fmt_keeps_every_empty_slot_including_trailing_ones() {
    assert_eq!(
        fmt(r#"Replace([a],"-",,,"_",,)"#),
        r#"Replace([a], "-", , , "_", , )"#
    );
    assert_eq!(fmt("ToLower([x],)"), "ToLower([x], )");
    assert_eq!(fmt(r#"InStr([x],"/", , )"#), r#"InStr([x], "/", , )"#);
}

#[test]
fn fmt_is_idempotent() {
    for expression in [
        r#"Replace([a],"-",,,"_",,)"#,
        r#"switch([a],,"x" ,"y")"#,
        "IIF(Len([a])>=3,Mid([a],1,3),[a])",
    ] {
        let once = fmt(expression);
        assert_eq!(fmt(&once), once, "from {expression}");
    }
}

#[test]
fn fmt_reads_the_expression_from_stdin_with_a_dash() {
    let run = entramap_with_stdin(&["fmt", "-"], "toupper( [a] ,\n)\n");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "ToUpper([a], )\n");
}

#[test]
fn fmt_of_a_broken_expression_exits_2_with_a_diagnostic_and_nothing_on_stdout() {
    let run = entramap(&["fmt", r#"Append("a", "b"))"#]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("parse_error"), "{run:?}");
}

// ------------------------------------------------------------------------------- functions

#[test]
fn functions_lists_all_48_builtins_one_per_line_with_a_signature() {
    let run = entramap(&["functions"]);
    assert_eq!(run.code, 0, "{run:?}");
    let names: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split('(').next().expect("a name"))
        .collect();
    assert_eq!(names, FUNCTIONS);
}

#[test]
fn functions_json_is_an_array_of_48_entries_with_names_and_signatures() {
    let run = entramap(&["functions", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    let entries = json.as_array().expect("an array");
    assert_eq!(entries.len(), 48);
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, FUNCTIONS);
    for e in entries {
        let name = e["name"].as_str().unwrap();
        let signature = e["signature"].as_str().expect("signature");
        assert!(signature.starts_with(&format!("{name}(")), "{e}");
        assert!(e["minArguments"].is_u64(), "{e}");
        assert!(e["parameters"].is_array(), "{e}");
        assert_eq!(
            e["cloudSyncOnly"],
            Json::Bool(matches!(name, "Error" | "Trim")),
            "{e}"
        );
    }
}

#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_program_without_a_panic() {
    let run = hang_up_after_first_byte(&["functions"]);
    assert!(!run.stderr.contains("panicked"), "{run:?}");
    assert_ne!(run.code, 101, "{run:?}");
}

#[test]
fn export_refuses_a_mapping_with_a_broken_expression_and_writes_nothing() {
    let run = entramap(&["export", "tests/data/check/em001-expression-error.yaml"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        run.stderr.contains("em001-expression-error.yaml"),
        "{run:?}"
    );
}

/// The option lines of `-h` that have no description: a flag alone, or a doc comment that
/// landed on the wrong field.
fn undescribed_options(help: &str) -> Vec<String> {
    help.lines()
        .filter(|l| l.trim_start().starts_with('-'))
        .filter(|l| {
            let flag = l.trim_start();
            flag.split_once("  ")
                .is_none_or(|(_, description)| description.trim().is_empty())
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_option_of_every_command_has_a_description_in_its_help() {
    assert_eq!(
        undescribed_options("  -h, --help  Print help\n      --dialect <D>\n      --x  \n"),
        ["      --dialect <D>", "      --x  "]
    );
    let top = entramap(&["--help"]);
    let commands: Vec<String> = top
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's line; a wrapped description is indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 13, "{commands:?}");
    for command in &commands {
        let run = entramap(&[command, "-h"]);
        assert_eq!(run.code, 0, "{command}: {}", run.stderr);
        let missing = undescribed_options(&run.stdout);
        assert!(missing.is_empty(), "{command} -h: {missing:#?}");
    }
}
