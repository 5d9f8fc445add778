//! `entramap check`: every lint fires on its bad mapping with its code at the right line and
//! column, the shipped mappings pass, and the human, JSON and SARIF outputs have their
//! documented shape and exit codes.

use std::path::{Path, PathBuf};
use std::process::Output;

use entramap::check::{self, CheckReport, CheckSeverity, LINTS};
use entramap::load::{self, Format};
use serde_json::Value as Json;

#[path = "support/common.rs"]
mod common;
use common::{output as entramap, root};

fn fixture(name: &str) -> PathBuf {
    root().join("tests/data/check").join(name)
}

fn check_path(path: &Path) -> (CheckReport, String) {
    let loaded = load::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report = check::check(&loaded);
    (report, loaded.text)
}

fn check_fixture(name: &str) -> (CheckReport, String) {
    check_path(&fixture(name))
}

/// The codes found, in report order.
fn codes(report: &CheckReport) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.code()).collect()
}

/// There is a finding `code` at `line`:`column` whose marked text is `marked`.
#[track_caller]
fn assert_at(
    report: &CheckReport,
    text: &str,
    code: &str,
    line: usize,
    column: usize,
    marked: &str,
) {
    let found = report.findings.iter().find(|f| {
        f.code() == code
            && f.position
                .is_some_and(|p| p.line == line && p.column == column)
    });
    let Some(finding) = found else {
        panic!(
            "no {code} at {line}:{column}; found {:#?}",
            report
                .findings
                .iter()
                .map(|f| (f.code(), f.position.map(|p| (p.line, p.column)), &f.message))
                .collect::<Vec<_>>()
        );
    };
    let p = finding.position.unwrap();
    assert_eq!(&text[p.start..p.end], marked, "{code}: {}", finding.message);
    assert!(!finding.message.is_empty() && !finding.fix.is_empty());
}

/// One `# expect:` line of a lint fixture: `CODE LINE:COLUMN "marked text"` (or `CODE -` for
/// a finding without a place), then any of `message~"…"`, `fix~"…"` (contains), `fix="…"`,
/// `target="…"`, `object="users|groups"`, `severity="error|warning"` (equals). Strings are
/// JSON strings.
#[derive(Debug)]
struct Expected {
    line: usize,
    code: String,
    at: Option<(usize, usize)>,
    marked: Option<String>,
    checks: Vec<(String, char, String)>,
}

/// A JSON string at the start of `text`, and the rest after it.
fn json_string(text: &str) -> Option<(String, &str)> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<String>();
    let value = stream.next()?.ok()?;
    Some((value, &text[stream.byte_offset()..]))
}

fn parse_expected(line: usize, spec: &str) -> Result<Expected, String> {
    let mut words = spec.splitn(3, ' ');
    let code = words.next().unwrap_or_default().to_string();
    let at = match words.next() {
        Some("-") => None,
        Some(pos) => {
            let (l, c) = pos
                .split_once(':')
                .ok_or(format!("`{pos}` is not LINE:COLUMN"))?;
            Some((
                l.parse().map_err(|_| format!("bad line `{l}`"))?,
                c.parse().map_err(|_| format!("bad column `{c}`"))?,
            ))
        }
        None => return Err("no position".into()),
    };
    let mut rest = words.next().unwrap_or_default().trim_start();
    let mut marked = None;
    let mut checks = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with('"') {
            let (value, after) = json_string(rest).ok_or("bad marked text")?;
            marked = Some(value);
            rest = after.trim_start();
            continue;
        }
        let op_at = rest.find(['~', '=']).ok_or(format!("bad check `{rest}`"))?;
        let key = rest[..op_at].to_string();
        let op = rest.as_bytes()[op_at] as char;
        let (value, after) =
            json_string(&rest[op_at + 1..]).ok_or(format!("bad value for {key}"))?;
        checks.push((key, op, value));
        rest = after.trim_start();
    }
    Ok(Expected {
        line,
        code,
        at,
        marked,
        checks,
    })
}

/// The `# expect:` lines of a fixture, with their line numbers.
fn expectations(text: &str) -> Result<Vec<Expected>, String> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("# expect: ").map(|spec| (i + 1, spec)))
        .map(|(line, spec)| parse_expected(line, spec).map_err(|e| format!("line {line}: {e}")))
        .collect()
}

/// What is wrong with `finding` against `expected`, if anything.
fn disagreement(finding: &check::CheckFinding, text: &str, expected: &Expected) -> Option<String> {
    if finding.code() != expected.code {
        return Some(format!(
            "found {}, expected {}",
            finding.code(),
            expected.code
        ));
    }
    let at = finding.position.map(|p| (p.line, p.column));
    if at != expected.at {
        return Some(format!(
            "{} at {at:?}, expected {:?}",
            finding.code(),
            expected.at
        ));
    }
    if let (Some(p), Some(marked)) = (finding.position, &expected.marked) {
        let found = &text[p.start..p.end];
        if found != marked {
            return Some(format!(
                "{} marks {found:?}, expected {marked:?}",
                finding.code()
            ));
        }
    }
    if finding.message.is_empty() || finding.fix.is_empty() {
        return Some(format!("{} without a message or a fix", finding.code()));
    }
    for (key, op, value) in &expected.checks {
        let actual = match key.as_str() {
            "message" => finding.message.clone(),
            "fix" => finding.fix.clone(),
            "target" => finding.target.clone().unwrap_or_default(),
            "object" => finding
                .object
                .map(|o| o.key().to_string())
                .unwrap_or_default(),
            "severity" => finding.severity().as_str().to_string(),
            other => return Some(format!("unknown check `{other}`")),
        };
        let holds = match op {
            '~' => actual.contains(value.as_str()),
            _ => actual == *value,
        };
        if !holds {
            return Some(format!(
                "{} {key} is {actual:?}, expected {op} {value:?}",
                finding.code()
            ));
        }
    }
    None
}

/// Every lint fixture under tests/data/check finds exactly what its `# expect:` lines say, in
/// report order: adding a lint is a row in the lint table, a fixture with its expectations, and
/// its documentation. A file that does not load is checked as `entramap check` reports it
/// (EM000).
#[test]
fn every_lint_fixture_finds_what_its_expect_lines_say() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/data/check"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("em"))
        })
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut expected_codes = std::collections::BTreeSet::new();
    let mut cases = 0;
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let expected = match expectations(&text) {
            Ok(e) if e.is_empty() => {
                failures.push(format!("{name}: no `# expect:` line"));
                continue;
            }
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let report = match load::read(path) {
            Ok(loaded) => check::check(&loaded),
            Err(e) => CheckReport::unreadable(&name, e.to_string()),
        };
        for (i, exp) in expected.iter().enumerate() {
            expected_codes.insert(exp.code.clone());
            cases += 1;
            match report.findings.get(i) {
                None => failures.push(format!("{name}:{}: {} not found", exp.line, exp.code)),
                Some(finding) => {
                    if let Some(why) = disagreement(finding, &text, exp) {
                        failures.push(format!("{name}:{}: {why}", exp.line));
                    }
                }
            }
        }
        for extra in report.findings.iter().skip(expected.len()) {
            failures.push(format!(
                "{name}: unexpected {} at {:?}: {}",
                extra.code(),
                extra.position.map(|p| (p.line, p.column)),
                extra.message
            ));
        }
    }
    for lint in LINTS {
        if !expected_codes.contains(lint.code) {
            failures.push(format!("no fixture expects {} {}", lint.code, lint.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases >= LINTS.len(), "only {cases} expectations read");
}

#[test]
fn expect_lines_that_do_not_hold_are_reported() {
    // The runner itself: a wrong column, a wrong marked text and a failed check each disagree.
    let (report, text) = check_fixture("em003-unknown-target-attribute.yaml");
    let finding = &report.findings[0];
    for spec in [
        "EM003 8:16 \"displayname\"",
        "EM003 8:15 \"displayName\"",
        "EM003 8:15 \"displayname\" message~\"userName\"",
        "EM004 8:15",
        "EM003 -",
    ] {
        let expected = parse_expected(1, spec).unwrap();
        assert!(disagreement(finding, &text, &expected).is_some(), "{spec}");
    }
    let holds = parse_expected(1, "EM003 8:15 \"displayname\" object=\"users\"").unwrap();
    assert_eq!(disagreement(finding, &text, &holds), None);
}

#[test]
fn em000_an_unreadable_file_is_a_finding_in_json_and_sarif_and_exits_2() {
    for format in ["json", "sarif"] {
        let out = entramap(&[
            "check",
            "--format",
            format,
            "tests/data/check/em000-unreadable-file.yaml",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let doc: Json = serde_json::from_slice(&out.stdout).unwrap();
        let text = doc.to_string();
        assert!(text.contains("EM000"), "{format}: {text}");
        assert!(text.contains("sauce"), "{format}: {text}");
    }
}

#[test]
fn lint_codes_are_stable() {
    let table: Vec<(&str, &str)> = LINTS.iter().map(|l| (l.code, l.name)).collect();
    assert_eq!(
        table,
        [
            ("EM000", "unreadable-file"),
            ("EM001", "expression-error"),
            ("EM002", "unknown-source-attribute"),
            ("EM003", "unknown-target-attribute"),
            ("EM004", "required-target-unmapped"),
            ("EM005", "matching-not-filterable"),
            ("EM006", "matching-multi-valued"),
            ("EM007", "duplicate-target"),
            ("EM008", "select-unique-value-unsupported"),
            ("EM009", "select-unique-value-matching"),
            ("EM010", "select-unique-value-always"),
            ("EM011", "ambiguous-mapping-type"),
            ("EM012", "no-matching-attribute"),
            ("EM013", "duplicate-attribute-definition"),
            ("EM014", "unknown-scope-operator"),
            ("EM015", "scope-regex-invalid"),
            ("EM016", "scope-operand-invalid"),
            ("EM101", "iif-nullable-condition"),
            ("EM102", "switch-presence-source"),
            ("EM103", "non-deterministic-always"),
            ("EM104", "switch-boolean-keys"),
            ("EM105", "boolean-target-non-boolean"),
            ("EM106", "vendor-not-stored"),
            ("EM107", "default-on-always"),
            ("EM108", "direct-app-role-assignments"),
            ("EM109", "manager-expression"),
            ("EM110", "scope-attribute-not-allowed"),
            ("EM113", "function-name-case"),
            ("EM114", "expression-warning"),
            ("EM115", "scope-operand-mismatch"),
            ("EM116", "cloud-sync-only"),
            ("EM117", "format-datetime-three-arguments"),
            ("EM118", "replace-undocumented-form"),
            ("EM119", "single-app-role-several"),
            ("EM120", "multi-valued-to-single-valued"),
            ("EM121", "primary-key-target"),
            ("EM122", "custom-attribute-shape"),
        ]
    );
    // Retired when the scoping warnings became errors (EM014, EM015): never reused.
    for retired in ["EM111", "EM112"] {
        assert!(check::lint(retired).is_none(), "{retired} is reused");
    }
    // The code says the severity: EM0xx errors, EM1xx warnings.
    for l in LINTS {
        let error = l.code.starts_with("EM0");
        assert_eq!(error, l.severity == CheckSeverity::Error, "{}", l.code);
    }
}

// ---------------------------------------------------------------------------------------
// Shipped mappings

#[test]
fn scim_default_mapping_has_no_findings() {
    // Entra's own default: no errors and no warnings. Its `active` Switch has the
    // capitalised keys, manager is mapped directly, and no row has a default value.
    let (report, _) = check_path(&root().join("mappings/scim-default.yaml"));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn every_shipped_mapping_has_no_errors() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("mappings")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let (report, _) = check_path(&path);
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity() == CheckSeverity::Error)
            .map(|f| (f.code(), f.position.map(|p| p.line), &f.message))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 1);
}

// ---------------------------------------------------------------------------------------
// Graph JSON (no spans: findings are placed at the row's targetAttributeName)

#[test]
fn graph_json_findings_inside_expressions_point_into_the_json_string() {
    let yaml = load::read(&fixture("em104-switch-boolean-keys.yaml")).unwrap();
    // The same mapping as Graph JSON would give it: no spans, only the JSON text to search.
    let text = r#"{
  "synchronizationRules": [{"objectMappings": [{"attributeMappings": [
    {"targetAttributeName": "userName", "source": {"type": "Attribute", "name": "userPrincipalName"}},
    {"targetAttributeName": "active", "source": {"type": "Function", "expression": "Switch([IsSoftDeleted], , \"false\", \"true\", \"true\", \"false\")"}}
  ]}]}]
}"#;
    let loaded = load::Loaded {
        name: "schema.json".into(),
        text: text.into(),
        format: Format::GraphJson,
        file: yaml.file,
    };
    let report = check::check(&loaded);
    assert_eq!(codes(&report), ["EM104"]);
    // Inside the expression's JSON string, past the escapes before it.
    assert_at(&report, text, "EM104", 4, 111, r#"\"false\""#);
}

// ---------------------------------------------------------------------------------------
// Output formats

#[test]
fn json_report_has_the_documented_fields() {
    let (report, text) = check_fixture("em105-boolean-target-non-boolean.yaml");
    let json = report.to_json();
    assert!(
        json["file"]
            .as_str()
            .unwrap()
            .ends_with("em105-boolean-target-non-boolean.yaml")
    );
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 3);
    let first = &json["findings"][0];
    for key in [
        "code", "name", "severity", "message", "why", "fix", "object", "target", "line", "column",
        "start", "end",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }
    assert_eq!(first["code"], "EM105");
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["object"], "users");
    assert_eq!(first["target"], "active");
    assert_eq!(first["line"], 10);
    assert_eq!(first["column"], 54);
    let (start, end) = (
        first["start"].as_u64().unwrap() as usize,
        first["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], r#""yes""#);
}

#[test]
fn sarif_log_has_the_required_structure() {
    let (report, _) = check_fixture("em001-expression-error.yaml");
    let sarif = report.to_sarif();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "entramap");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), LINTS.len());
    for (rule, lint) in rules.iter().zip(LINTS) {
        assert_eq!(rule["id"], lint.code);
        assert_eq!(rule["name"], lint.name);
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{key}"
            );
        }
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            lint.severity.as_str()
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let result = &results[0];
    assert_eq!(result["ruleId"], "EM001");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "EM001"
    );
    assert_eq!(result["level"], "error");
    assert!(!result["message"]["text"].as_str().unwrap().is_empty());
    let location = &result["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("tests/data/check/em001-expression-error.yaml")
    );
    let region = &location["region"];
    assert_eq!(region["startLine"], 9);
    assert_eq!(region["startColumn"], 41);
    assert_eq!(region["endLine"], 9);
    assert_eq!(region["endColumn"], 42);
}

// ---------------------------------------------------------------------------------------
// The binary

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn cli_exits_0_on_a_clean_mapping_with_a_summary() {
    let out = entramap(&["check", "mappings/scim-default.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cli_exits_0_when_there_are_only_warnings() {
    let out = entramap(&["check", "tests/data/check/em104-switch-boolean-keys.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("EM104 switch-boolean-keys"), "{err}");
    assert!(err.contains("0 errors, 1 warning"), "{err}");
}

#[test]
fn cli_exits_1_on_errors_with_located_diagnostics() {
    let out = entramap(&["check", "tests/data/check/em001-expression-error.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("EM001 expression-error"), "{err}");
    assert!(err.contains("em001-expression-error.yaml:9:41"), "{err}");
    assert!(
        err.contains("fix: usage: Mid(source, start, length)"),
        "{err}"
    );
    assert!(err.contains("2 errors, 0 warnings"), "{err}");
}

#[test]
fn cli_exits_2_on_a_malformed_or_missing_file() {
    let out = entramap(&["check", "tests/data/check/malformed-unknown-key.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid mapping file"),
        "{}",
        stderr(&out)
    );
    let out = entramap(&["check", "tests/data/check/does-not-exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_json_and_sarif_print_valid_json_on_stdout() {
    for (format, code) in [("json", 1), ("sarif", 1)] {
        let out = entramap(&[
            "check",
            "--format",
            format,
            "tests/data/check/em008-select-unique-value.yaml",
        ]);
        assert_eq!(out.status.code(), Some(code), "{format}");
        let doc: Json = serde_json::from_slice(&out.stdout).expect("valid JSON");
        match format {
            "json" => assert_eq!(doc["errors"], 4),
            _ => assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 4),
        }
    }
    let out = entramap(&["check", "--format", "sarif", "mappings/scim-default.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn cli_lists_the_lint_table() {
    let out = entramap(&["check", "--lints"]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8(out.stdout).unwrap();
    for lint in LINTS {
        assert!(
            table.contains(&format!("| {} | `{}` |", lint.code, lint.name)),
            "{}",
            lint.code
        );
    }
}

#[test]
fn cli_lists_the_lint_table_as_json_with_the_findings_keys() {
    let out = entramap(&["check", "--lints", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table: Json = serde_json::from_slice(&out.stdout).expect("JSON, not Markdown");
    let rows = table.as_array().expect("an array");
    assert_eq!(rows.len(), LINTS.len());
    for (row, lint) in rows.iter().zip(LINTS) {
        assert_eq!(row["code"], lint.code);
        assert_eq!(row["name"], lint.name);
        assert_eq!(row["severity"], lint.severity.as_str());
        assert_eq!(row["why"], lint.why);
        assert_eq!(row["fix"], lint.fix);
        assert_eq!(row["summary"], lint.summary);
    }
}

#[test]
fn cli_refuses_the_lint_table_as_sarif_or_html_with_exit_2() {
    for format in ["sarif", "html"] {
        let out = entramap(&["check", "--lints", "--format", format]);
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(out.stdout.is_empty(), "{format}: nothing printed");
        assert!(
            stderr(&out).contains(&format!("--format {format} is for checking a mapping")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn cli_checks_a_graph_schema_json_and_points_into_its_expression_string() {
    // The bad YAML mapping exported to Graph JSON with `entramap export`, then checked.
    let json = std::env::temp_dir().join(format!("entramap-check-{}.json", std::process::id()));
    let out = entramap(&[
        "export",
        "tests/data/check/em104-switch-boolean-keys.yaml",
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = entramap(&["check", "--format", "json", json.to_str().unwrap()]);
    let text = std::fs::read_to_string(&json).unwrap();
    std::fs::remove_file(&json).ok();
    assert_eq!(out.status.code(), Some(0));
    let doc: Json = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &doc["findings"][0];
    assert_eq!(finding["code"], "EM104");
    let (start, end) = (
        finding["start"].as_u64().unwrap() as usize,
        finding["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[start..end], r#"\"false\""#);
    assert!(
        text[..start].contains("\"expression\""),
        "the finding points into the expression string"
    );
}
