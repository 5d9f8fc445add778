//! Hostile and unusual inputs given to the real binary: endless or huge files, standard input
//! for every file argument, errors at the end of very long lines, duplicate JSON keys, byte
//! order marks, YAML directories and Graph schemas far larger than the examples. Each must end
//! in a located, bounded diagnostic and exit 2, or in success; never in a panic (exit 101) or
//! a signal.

use std::path::Path;

#[path = "support/big_schema.rs"]
mod big_schema;
#[path = "support/common.rs"]
mod common;
use common::{Run, TempFile, entramap, entramap_with_stdin, run_cases};

/// The default mapping shipped with entramap.
const MAPPING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/scim-default.yaml");

/// Standard error of a diagnostic stays under this many bytes, whatever the input's lines.
const BOUNDED: usize = 4_096;

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/hostile")
        .join(name)
        .to_str()
        .expect("UTF-8 path")
        .to_string()
}

/// Standard error says `text`, once the diagnostic's wrapping is undone: where it wraps
/// depends on the length of the temporary file's path, which varies with the process id.
fn says(run: &Run, text: &str) -> bool {
    let unwrapped: Vec<&str> = run
        .stderr
        .lines()
        .map(|l| l.trim_start().trim_start_matches('│').trim())
        .collect();
    unwrapped.join(" ").contains(text)
}

/// A refused input: exit 2, the diagnostic bounded, nothing on standard output.
fn assert_refused(run: &Run, expected: &str) {
    assert_eq!(run.code, 2, "{run:?}");
    assert!(says(run, expected), "{run:?}");
    assert!(
        run.stderr.len() < BOUNDED,
        "{} bytes: {run:?}",
        run.stderr.len()
    );
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// Bounded reads
// ---------------------------------------------------------------------------------------------

#[test]
fn a_mapping_read_from_dev_zero_stops_at_the_64_mib_limit() {
    let run = entramap(&["check", "/dev/zero"]);
    assert_refused(
        &run,
        "/dev/zero is larger than 64 MiB (67108864 bytes), the most entramap reads",
    );
}

#[test]
fn a_user_file_read_from_dev_zero_stops_at_the_limit() {
    let run = entramap(&["eval", "--user", "/dev/zero", "[mail]"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("larger than 64 MiB"), "{run:?}");
}

#[test]
fn an_endless_mapping_on_standard_input_stops_at_the_limit() {
    // 64 MiB and one byte: the limit is checked while reading, not from a reported size.
    let input = vec![b'#'; 64 * 1024 * 1024 + 1];
    let run = entramap_with_stdin(&["check", "-"], &input);
    assert_refused(&run, "<stdin> is larger than 64 MiB");
}

// ---------------------------------------------------------------------------------------------
// `-` is standard input for every file argument
// ---------------------------------------------------------------------------------------------

fn mapping_text() -> Vec<u8> {
    std::fs::read(MAPPING).expect("default mapping")
}

/// `simulate` of the default mapping over the directory on standard input.
const DIRECTORY_ON_STDIN: &[&str] = &[
    "simulate",
    MAPPING,
    "--directory",
    "-",
    "--format",
    "summary",
];

/// A command given `-` for one file argument, what it reads there, and what it must print.
struct StdinCase {
    /// What the case proves.
    id: &'static str,
    args: &'static [&'static str],
    stdin: Vec<u8>,
    code: i32,
    expect: &'static [Said],
}

/// What a run prints.
enum Said {
    /// Standard output contains this.
    Out(&'static str),
    /// Standard output is exactly this line.
    OutIs(&'static str),
    /// Standard error contains this.
    Err(&'static str),
}

#[test]
fn each_file_argument_reads_standard_input_and_names_it_stdin() {
    let cases = [
        StdinCase {
            id: "check_reads_the_mapping_from_standard_input",
            args: &["check", "-"],
            stdin: mapping_text(),
            code: 0,
            expect: &[Said::Err("<stdin>: 0 errors")],
        },
        StdinCase {
            id: "a_broken_mapping_on_standard_input_is_named_stdin",
            args: &["check", "-"],
            stdin: b"users:\n  mappings: [\n".to_vec(),
            code: 2,
            expect: &[Said::Err("[<stdin>:")],
        },
        StdinCase {
            id: "simulate_reads_the_directory_from_standard_input",
            args: DIRECTORY_ON_STDIN,
            stdin: b"users:\n  - objectId: \"1\"\n    userPrincipalName: ann@contoso.com\n"
                .to_vec(),
            code: 0,
            expect: &[Said::Out("cycle 1: 1 creates")],
        },
        StdinCase {
            id: "simulate_reads_a_json_directory_from_standard_input",
            args: DIRECTORY_ON_STDIN,
            stdin: br#"{"users": [{"objectId": "1", "userPrincipalName": "ann@contoso.com"}]}"#
                .to_vec(),
            code: 0,
            expect: &[Said::Out("cycle 1: 1 creates")],
        },
        StdinCase {
            id: "simulate_reads_the_mapping_from_standard_input",
            args: &["simulate", "-", "--format", "summary"],
            stdin: mapping_text(),
            code: 0,
            expect: &[Said::Out("cycle 1:")],
        },
        StdinCase {
            id: "simulate_reads_the_target_from_standard_input",
            args: &["simulate", MAPPING, "--target", "-", "--format", "summary"],
            stdin: b"users: []\ngroups: []\n".to_vec(),
            code: 0,
            expect: &[],
        },
        StdinCase {
            id: "a_broken_target_on_standard_input_is_named_stdin",
            args: &["simulate", MAPPING, "--target", "-"],
            stdin: b"users: [\n".to_vec(),
            code: 2,
            expect: &[Said::Err("[<stdin>:")],
        },
        StdinCase {
            id: "eval_reads_the_user_from_standard_input",
            args: &["eval", "--user", "-", "ToUpper([mail])"],
            stdin: b"mail: ann@contoso.com\n".to_vec(),
            code: 0,
            expect: &[Said::OutIs("ANN@CONTOSO.COM")],
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let run = entramap_with_stdin(case.args, &case.stdin);
            assert_eq!(run.code, case.code, "{run:?}");
            for said in case.expect {
                match said {
                    Said::Out(text) => assert!(run.stdout.contains(text), "no {text:?}: {run:?}"),
                    Said::OutIs(text) => assert_eq!(run.stdout.trim(), *text, "{run:?}"),
                    Said::Err(text) => assert!(run.stderr.contains(text), "no {text:?}: {run:?}"),
                }
            }
        },
    );
    assert_eq!(ran, 8);
}

#[test]
fn import_and_export_read_standard_input() {
    let schema = std::fs::read(data("bom-schema.json")).expect("schema");
    let imported = entramap_with_stdin(&["import", "-"], &schema);
    assert_eq!(imported.code, 0, "{imported:?}");
    assert!(imported.stdout.contains("<stdin>"), "{imported:?}");
    let exported = entramap_with_stdin(&["export", "-"], imported.stdout.as_bytes());
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(
        exported.stdout.contains("synchronizationRules"),
        "{exported:?}"
    );
}

#[test]
fn standard_input_given_twice_is_refused() {
    let run = entramap_with_stdin(&["simulate", "-", "--directory", "-"], mapping_text());
    assert_refused(
        &run,
        "standard input (`-`) can be given for one file argument only",
    );
}

// ---------------------------------------------------------------------------------------------
// Errors at the end of long lines: a window, never the whole line, never a panic
// ---------------------------------------------------------------------------------------------

#[test]
fn an_error_at_column_70000_of_a_one_line_json_is_shown_in_a_window() {
    let text = format!("{{\"a\": \"{}\",}}", "x".repeat(70_000));
    let file = TempFile::new("long.json", &text);
    for command in ["check", "docs", "import", "export"] {
        let run = entramap(&[command, file.path()]);
        assert_refused(&run, "trailing comma");
        // The header keeps the true column (of the closing brace after the comma).
        let column = format!(":1:{}]", text.len());
        assert!(says(&run, &column), "{command}: {run:?}");
        assert!(run.stderr.contains('…'), "{command}: {run:?}");
    }
    let directory = format!(
        "{{\"users\": [{{\"objectId\": \"1\", \"x\": \"{}\",}}]}}",
        "x".repeat(70_000)
    );
    let file = TempFile::new("long-directory.json", &directory);
    let run = entramap(&["simulate", MAPPING, "--directory", file.path()]);
    assert_refused(&run, "trailing comma");
}

/// The minified form of the Graph schema fixture (what Graph's API returns), padded with
/// unmapped target attributes to over 100 KB, with `last_row` as its last attribute
/// mapping's expression.
fn minified_schema(last_row: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graph/custom-scim.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let attributes = schema["directories"][1]["objects"][0]["attributes"]
        .as_array_mut()
        .expect("attributes");
    let template = attributes[1].clone();
    for i in 0..600 {
        let mut attribute = template.clone();
        attribute["name"] = format!("padding{i}").into();
        attribute["type"] = "String".into();
        attributes.push(attribute);
    }
    let rows = schema["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"]
        .as_array_mut()
        .expect("rows");
    let mut last = rows[2].clone();
    last["source"] = serde_json::json!({
        "type": "Function", "name": "Unknown", "expression": last_row, "parameters": []
    });
    rows.push(last);
    let text = serde_json::to_string(&schema).expect("minified");
    assert!(text.len() > 100_000 && !text.contains('\n'));
    text
}

#[test]
fn an_unknown_function_in_the_last_row_of_a_minified_schema_is_reported_without_panic() {
    let file = TempFile::new("minified.json", minified_schema("NoSuchFunction([mail])"));
    let run = entramap(&["check", file.path()]);
    assert_ne!(run.code, 101, "{run:?}");
    // -1: a signal ended it.
    assert_ne!(run.code, -1, "{run:?}");
    assert!(run.stderr.contains("NoSuchFunction"), "{run:?}");
    assert!(
        run.stderr.len() < 8 * BOUNDED,
        "{} bytes: {run:?}",
        run.stderr.len()
    );
}

#[test]
fn a_trailing_comma_at_the_end_of_a_minified_schema_is_refused_without_panic() {
    let mut text = minified_schema("Join(\" \", [givenName])");
    text.insert(text.len() - 1, ',');
    let file = TempFile::new("minified-comma.json", &text);
    let run = entramap(&["simulate", file.path()]);
    assert_refused(&run, "trailing comma");
}

#[test]
fn a_10_mb_key_is_refused_with_a_bounded_message() {
    let text = format!("{{\"{}\": 1,}}", "k".repeat(10_000_000));
    let file = TempFile::new("key.json", &text);
    let run = entramap(&["eval", "--user", file.path(), "[mail]"]);
    assert_refused(&run, "trailing comma");
    let duplicate = format!("{{\"{k}\": 1, \"{k}\": 2}}", k = "k".repeat(10_000_000));
    let file = TempFile::new("key-twice.json", &duplicate);
    let run = entramap(&["eval", "--user", file.path(), "[mail]"]);
    assert_refused(&run, "kkkk…`: a key may");
}

#[test]
fn a_deeply_nested_value_in_a_directory_attribute_is_refused() {
    for (open, close) in [("[", "]"), ("{\"a\": ", "}")] {
        let depth = 100_000;
        let json = format!(
            "{{\"users\": [{{\"objectId\": \"1\", \"x\": {}1{}}}]}}",
            open.repeat(depth),
            close.repeat(depth)
        );
        let file = TempFile::new("deep.json", &json);
        let run = entramap(&["simulate", MAPPING, "--directory", file.path()]);
        assert_refused(&run, "attribute `x`");
        let yaml = format!(
            "users:\n  - objectId: \"1\"\n    x: {}1{}\n",
            open.replace('"', "").repeat(depth),
            close.repeat(depth)
        );
        let file = TempFile::new("deep.yaml", &yaml);
        let run = entramap(&["simulate", MAPPING, "--directory", file.path()]);
        assert_refused(&run, "attribute `x`");
    }
}

#[test]
fn a_large_file_of_nuls_given_as_a_directory_is_refused() {
    // Sparse: 256 MiB of NULs without writing them, past the size held as text.
    let file = TempFile::new("nuls", b"");
    std::fs::OpenOptions::new()
        .write(true)
        .open(file.path())
        .and_then(|f| f.set_len(256 * 1024 * 1024))
        .expect("sparse file");
    let run = entramap(&["simulate", MAPPING, "--directory", file.path()]);
    assert_refused(&run, "invalid YAML");
    assert!(!run.stderr.contains('\0'), "raw NULs reach the terminal");
}

// ---------------------------------------------------------------------------------------------
// Duplicate JSON keys and byte order marks
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_json_keys_are_refused_at_the_second_key() {
    let run = entramap(&["eval", "--user", &data("duplicate-key-user.json"), "[mail]"]);
    assert_refused(&run, "duplicate key `mail`");
    assert!(run.stderr.contains("duplicate-key-user.json:4:"), "{run:?}");

    let run = entramap(&[
        "simulate",
        MAPPING,
        "--directory",
        &data("duplicate-key-directory.json"),
    ]);
    assert_refused(&run, "users[0] (1): duplicate key `mail`");
    assert!(
        run.stderr.contains("duplicate-key-directory.json:2:"),
        "{run:?}"
    );

    let run = entramap(&[
        "simulate",
        MAPPING,
        "--directory",
        &data("duplicate-key-directory-lists.json"),
    ]);
    assert_refused(&run, "duplicate key `users`");

    let run = entramap(&[
        "simulate",
        MAPPING,
        "--target",
        &data("duplicate-key-target.json"),
    ]);
    assert_refused(&run, "duplicate key `userName`");

    for command in ["check", "import", "docs"] {
        let run = entramap(&[command, &data("duplicate-key-schema.json")]);
        assert_refused(&run, "duplicate key `enabled`");
    }
}

#[test]
fn duplicate_keys_in_a_streamed_json_directory_are_refused() {
    // Past 64 MiB a JSON directory is parsed as it streams in; the check holds there too.
    let mut text = String::from("{\"users\": [\n");
    let padding = "p".repeat(1_000);
    let mut i = 0;
    while text.len() < 65 * 1024 * 1024 {
        text.push_str(&format!(
            "{{\"objectId\": \"{i}\", \"department\": \"{padding}\"}},\n"
        ));
        i += 1;
    }
    text.push_str("{\"objectId\": \"last\", \"mail\": \"a\", \"mail\": \"b\"}]}\n");
    let file = TempFile::new("streamed-dup.json", &text);
    let run = entramap(&["simulate", MAPPING, "--directory", file.path()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(says(&run, "duplicate key `mail`"), "{run:?}");
}

#[test]
fn every_json_and_yaml_input_accepts_a_byte_order_mark() {
    for user in ["bom-user.json", "bom-user.yaml"] {
        let run = entramap(&["eval", "--user", &data(user), "[mail]"]);
        assert_eq!(run.code, 0, "{user}: {run:?}");
        assert_eq!(run.stdout.trim(), "ann@contoso.com");
    }
    for directory in ["bom-directory.json", "bom-directory.yaml"] {
        let run = entramap(&[
            "simulate",
            MAPPING,
            "--directory",
            &data(directory),
            "--format",
            "summary",
        ]);
        assert_eq!(run.code, 0, "{directory}: {run:?}");
        assert!(run.stdout.contains("cycle 1: 1 creates"), "{run:?}");
    }
    for mapping in ["bom-mapping.yaml", "bom-schema.json"] {
        let run = entramap(&["check", &data(mapping)]);
        assert_eq!(run.code, 0, "{mapping}: {run:?}");
    }
    let run = entramap(&["import", &data("bom-schema.json")]);
    assert_eq!(run.code, 0, "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// Sizes: YAML budgets and wide schemas
// ---------------------------------------------------------------------------------------------

#[test]
fn a_20000_user_yaml_sample_simulates() {
    let dir = TempFile::new("sample-20000.yaml", b"");
    let run = entramap(&[
        "sample",
        "--users",
        "20000",
        "--format",
        "yaml",
        "--out",
        dir.path(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = entramap(&[
        "simulate",
        MAPPING,
        "--directory",
        dir.path(),
        "--format",
        "summary",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("cycle 1: "), "{run:?}");
}

#[test]
fn a_graph_schema_with_100000_attributes_and_rows_imports_and_reads_back() {
    let schema = big_schema::graph_schema(100_000).to_string();
    let file = TempFile::new("wide.json", &schema);
    let run = entramap(&["import", file.path()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("urn:ietf:params:scim:schemas:extension:wide:2.0:User:attr99999"),
        "the last attribute is in the YAML"
    );
}
