//! `entramap check`: every lint fires on its bad mapping with its code at the right line and
//! column, the shipped mappings pass, and the human, JSON and SARIF outputs have their
//! documented shape and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use entramap::check::{self, LINTS, Report, Severity};
use entramap::load::{self, Format};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/data/check").join(name)
}

fn check_path(path: &Path) -> (Report, String) {
    let loaded = load::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let report = check::check(&loaded);
    (report, loaded.text)
}

fn check_fixture(name: &str) -> (Report, String) {
    check_path(&fixture(name))
}

/// The codes found, in report order.
fn codes(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.code()).collect()
}

/// There is a finding `code` at `line`:`column` whose marked text is `marked`.
#[track_caller]
fn assert_at(report: &Report, text: &str, code: &str, line: usize, column: usize, marked: &str) {
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

// ---------------------------------------------------------------------------------------
// Errors

#[test]
fn em001_expression_errors_point_at_the_exact_column_in_the_file() {
    let (report, text) = check_fixture("em001-expression-error.yaml");
    assert_eq!(codes(&report), ["EM001", "EM001"]);
    // Join(" ", [givenName] [surname]): the parser stops at the second attribute.
    assert_at(&report, &text, "EM001", 9, 41, "[");
    // 'Mid([jobTitle], 1)' in single quotes: the span skips the quote.
    assert_at(&report, &text, "EM001", 11, 20, "Mid([jobTitle], 1)");
    assert!(
        report.findings[1]
            .fix
            .contains("Mid(source, start, length)")
    );
    assert_eq!(report.findings[0].severity(), Severity::Error);
}

#[test]
fn em001_inside_a_folded_block_scalar_finds_the_offending_piece() {
    let (report, text) = check_fixture("em001-block-scalar.yaml");
    assert_eq!(codes(&report), ["EM001"]);
    assert_at(&report, &text, "EM001", 11, 11, "Lefft");
    assert_eq!(report.findings[0].fix, "did you mean `Left`?");
}

#[test]
fn em002_unknown_source_attributes_in_rows_expressions_groups_and_scope() {
    let (report, text) = check_fixture("em002-unknown-source-attribute.yaml");
    assert_eq!(codes(&report), ["EM002"; 4]);
    assert_at(&report, &text, "EM002", 7, 22, "departmnet");
    assert_at(&report, &text, "EM002", 15, 15, "mial");
    assert_at(&report, &text, "EM002", 17, 29, "[givenname]");
    // jobTitle is a user attribute, not a group one.
    assert_at(&report, &text, "EM002", 26, 15, "jobTitle");
    let givenname = &report.findings[2];
    assert!(
        givenname.message.contains("did you mean `givenName`"),
        "{}",
        givenname.message
    );
    assert_eq!(givenname.target.as_deref(), Some("name.givenName"));
    assert_eq!(report.findings[3].object, Some(check::Object::Groups));
}

#[test]
fn em003_unknown_target_attribute_suggests_the_listed_name() {
    let (report, text) = check_fixture("em003-unknown-target-attribute.yaml");
    assert_eq!(codes(&report), ["EM003"]);
    assert_at(&report, &text, "EM003", 8, 15, "displayname");
    assert!(report.findings[0].message.contains("`displayName`"));
}

#[test]
fn em004_required_target_unmapped_points_at_the_attribute_list_entry() {
    let (report, text) = check_fixture("em004-required-target-unmapped.yaml");
    assert_eq!(codes(&report), ["EM004"]);
    assert_at(&report, &text, "EM004", 12, 13, "externalId");
}

#[test]
fn em005_matching_attribute_not_filterable() {
    let (report, text) = check_fixture("em005-matching-not-filterable.yaml");
    assert_eq!(codes(&report), ["EM005"]);
    assert_at(&report, &text, "EM005", 8, 15, "externalId");
}

#[test]
fn em006_matching_attribute_multi_valued() {
    let (report, text) = check_fixture("em006-matching-multi-valued.yaml");
    assert_eq!(codes(&report), ["EM006"]);
    assert_at(&report, &text, "EM006", 8, 15, "emails");
}

#[test]
fn em007_duplicate_target_points_at_the_second_row_and_names_the_first() {
    let (report, text) = check_fixture("em007-duplicate-target.yaml");
    assert_eq!(codes(&report), ["EM007"]);
    assert_at(&report, &text, "EM007", 10, 15, "DisplayName");
    assert!(report.findings[0].message.contains("line 8"));
}

#[test]
fn em013_duplicate_attribute_definition_points_at_the_second_and_keeps_the_first() {
    let (report, text) = check_fixture("em013-duplicate-attribute-definition.yaml");
    // No EM005: the first definition (filterable) is the one that counts.
    assert_eq!(codes(&report), ["EM013"]);
    assert_at(&report, &text, "EM013", 11, 13, "username");
    assert!(report.findings[0].message.contains("line 9"));
}

#[test]
fn em114_compiler_warnings_without_their_own_lint_point_at_the_argument() {
    let (report, text) = check_fixture("em114-expression-warning.yaml");
    assert_eq!(codes(&report), ["EM114"]);
    assert_at(&report, &text, "EM114", 9, 24, "[mail]");
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
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = doc.to_string();
        assert!(text.contains("EM000"), "{format}: {text}");
        assert!(text.contains("sauce"), "{format}: {text}");
    }
}

#[test]
fn em008_em009_em010_select_unique_value_misuse() {
    let (report, text) = check_fixture("em008-select-unique-value.yaml");
    assert_eq!(codes(&report), ["EM008", "EM009", "EM010", "EM008"]);
    assert_at(&report, &text, "EM008", 7, 19, "SelectUniqueValue");
    assert_at(&report, &text, "EM009", 7, 19, "SelectUniqueValue");
    assert_at(&report, &text, "EM010", 7, 19, "SelectUniqueValue");
    // On create and not matching: only "not for SCIM apps".
    assert_at(&report, &text, "EM008", 10, 19, "SelectUniqueValue");
}

#[test]
fn em011_row_with_source_and_expression() {
    let (report, text) = check_fixture("em011-ambiguous-mapping-type.yaml");
    assert_eq!(codes(&report), ["EM011"]);
    assert_at(
        &report,
        &text,
        "EM011",
        10,
        19,
        r#"Join(" ", [givenName], [surname])"#,
    );
}

#[test]
fn em012_object_mapping_without_matching_attribute() {
    let (report, text) = check_fixture("em012-no-matching-attribute.yaml");
    assert_eq!(codes(&report), ["EM012"]);
    assert_at(&report, &text, "EM012", 3, 1, "users");
}

// ---------------------------------------------------------------------------------------
// Warnings

#[test]
fn em101_iif_condition_on_a_nullable_attribute_but_not_on_account_enabled() {
    let (report, text) = check_fixture("em101-iif-nullable-condition.yaml");
    assert_eq!(codes(&report), ["EM101"]);
    assert_at(&report, &text, "EM101", 9, 23, "[country]");
    assert_eq!(report.findings[0].severity(), Severity::Warning);
}

#[test]
fn em102_presence_function_as_switch_source() {
    let (report, text) = check_fixture("em102-switch-presence-source.yaml");
    assert_eq!(codes(&report), ["EM102"]);
    assert_at(&report, &text, "EM102", 9, 26, "IsPresent([jobTitle])");
}

#[test]
fn em103_guid_on_an_always_row_but_not_random_string_on_create() {
    let (report, text) = check_fixture("em103-non-deterministic-always.yaml");
    assert_eq!(codes(&report), ["EM103"]);
    assert_at(&report, &text, "EM103", 9, 45, "Guid");
}

#[test]
fn em104_lowercase_keys_over_is_soft_deleted() {
    let (report, text) = check_fixture("em104-switch-boolean-keys.yaml");
    assert_eq!(codes(&report), ["EM104"]);
    assert_at(&report, &text, "EM104", 9, 45, r#""false""#);
    assert!(report.findings[0].message.contains(r#""false", "true""#));
}

#[test]
fn em105_boolean_targets_fed_by_text() {
    let (report, text) = check_fixture("em105-boolean-target-non-boolean.yaml");
    assert_eq!(codes(&report), ["EM105"; 3]);
    assert_at(&report, &text, "EM105", 10, 54, r#""yes""#);
    assert_at(&report, &text, "EM105", 12, 15, "jobTitle");
    assert_at(&report, &text, "EM105", 14, 17, r#""1""#);
}

#[test]
fn em106_unstored_attribute_mapped_always_but_not_on_create() {
    let (report, text) = check_fixture("em106-vendor-not-stored.yaml");
    assert_eq!(codes(&report), ["EM106"]);
    assert_at(&report, &text, "EM106", 9, 15, "title");
}

#[test]
fn em107_default_value_on_an_always_row_points_at_the_default_key() {
    let (report, text) = check_fixture("em107-default-on-always.yaml");
    assert_eq!(codes(&report), ["EM107"]);
    assert_at(&report, &text, "EM107", 10, 7, "default");
}

#[test]
fn em108_direct_app_role_assignments_but_not_through_a_role_function() {
    let (report, text) = check_fixture("em108-direct-app-role-assignments.yaml");
    // The role function row draws only EM119 (which role among several is not guaranteed).
    assert_eq!(codes(&report), ["EM108", "EM119"]);
    assert_at(&report, &text, "EM108", 9, 15, "appRoleAssignments");
}

#[test]
fn em109_manager_through_switch() {
    let (report, text) = check_fixture("em109-manager-expression.yaml");
    assert_eq!(codes(&report), ["EM109"]);
    assert_at(&report, &text, "EM109", 9, 26, "[manager]");
}

#[test]
fn em110_scoping_on_manager_and_multi_valued_attributes() {
    let (report, text) = check_fixture("em110-scope-attribute-not-allowed.yaml");
    assert_eq!(codes(&report), ["EM110", "EM110"]);
    assert_at(&report, &text, "EM110", 7, 22, "manager");
    assert_at(&report, &text, "EM110", 9, 22, "proxyAddresses");
}

#[test]
fn em014_unknown_scoping_operator_is_an_error_but_graph_spellings_are_accepted() {
    let (report, text) = check_fixture("em014-unknown-scope-operator.yaml");
    assert_eq!(codes(&report), ["EM014"]);
    assert_at(&report, &text, "EM014", 7, 21, "STARTS_WITH");
    assert_eq!(report.findings[0].severity(), Severity::Error);
}

#[test]
fn em015_scoping_regex_that_does_not_compile_points_into_the_pattern() {
    let (report, text) = check_fixture("em015-scope-regex-invalid.yaml");
    assert_eq!(codes(&report), ["EM015"]);
    assert_eq!(report.findings[0].severity(), Severity::Error);
    let p = report.findings[0].position.unwrap();
    assert_eq!(p.line, 8);
    // Inside the quoted pattern '(.*@contoso\.com', which starts at column 18.
    assert!(p.column > 18 && p.end_column <= 18 + 18, "{p:?}");
    assert!(text[p.start..p.end].len() <= 1);
}

#[test]
fn em113_function_name_case() {
    let (report, text) = check_fixture("em113-function-name-case.yaml");
    assert_eq!(codes(&report), ["EM113"]);
    assert_at(&report, &text, "EM113", 9, 19, "switch");
}

#[test]
fn em016_scoping_clause_without_a_usable_value_is_an_error() {
    let (report, text) = check_fixture("em016-scope-operand-invalid.yaml");
    assert_eq!(codes(&report), ["EM016", "EM016"]);
    assert_at(&report, &text, "EM016", 7, 21, "EQUALS");
    assert_at(&report, &text, "EM016", 10, 18, "ten");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity() == Severity::Error)
    );
}

#[test]
fn em115_unary_scoping_operator_with_a_value_is_a_warning() {
    let (report, text) = check_fixture("em115-scope-operand-mismatch.yaml");
    assert_eq!(codes(&report), ["EM115"]);
    assert_at(&report, &text, "EM115", 7, 21, "IS NULL");
    assert_eq!(report.findings[0].severity(), Severity::Warning);
}

/// howto-analyze-provisioning-logs.md, SchemaPropertyCanOnlyAcceptValue, found statically.
#[test]
fn em120_multi_valued_source_into_a_single_valued_target() {
    let (report, text) = check_fixture("em120-multi-valued-to-single-valued.yaml");
    assert_eq!(codes(&report), ["EM120"]);
    assert_at(&report, &text, "EM120", 10, 15, "proxyAddresses");
}

/// customize-application-attributes.md, "What you should know": the primary key `id` is not a
/// target attribute (found for users and groups, whatever its case).
#[test]
fn em121_primary_key_as_a_target_attribute() {
    let (report, text) = check_fixture("em121-primary-key-target.yaml");
    assert_eq!(codes(&report), ["EM121", "EM121"]);
    assert_at(&report, &text, "EM121", 8, 15, "id");
    assert_at(&report, &text, "EM121", 22, 15, "ID");
}

/// customize-application-attributes.md, "Provisioning a custom extension attribute": custom
/// attributes cannot be multi-valued or references (the enterprise manager is not custom).
#[test]
fn em122_custom_extension_attribute_multi_valued_or_reference() {
    let (report, text) = check_fixture("em122-custom-attribute-shape.yaml");
    assert_eq!(codes(&report), ["EM122", "EM122"]);
    assert_at(
        &report,
        &text,
        "EM122",
        20,
        13,
        "urn:ietf:params:scim:schemas:extension:acme:2.0:User:tags",
    );
    assert_at(
        &report,
        &text,
        "EM122",
        22,
        13,
        "urn:ietf:params:scim:schemas:extension:acme:2.0:User:buddy",
    );
}

#[test]
fn em116_cloud_sync_only_function_and_macro() {
    let (report, text) = check_fixture("em116-cloud-sync-only.yaml");
    assert_eq!(codes(&report), ["EM116", "EM116", "EM116"]);
    assert_at(&report, &text, "EM116", 10, 19, "Trim");
    assert_at(&report, &text, "EM116", 12, 45, "%DomainFQDN%");
    assert_at(&report, &text, "EM116", 14, 17, "\"%DomainNetBios%\"");
}

#[test]
fn em117_three_argument_format_datetime_but_not_the_four_argument_form() {
    let (report, text) = check_fixture("em117-format-datetime-three-arguments.yaml");
    assert_eq!(codes(&report), ["EM117"]);
    assert_at(
        &report,
        &text,
        "EM117",
        10,
        19,
        r#"FormatDateTime([extensionAttribute1], "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")"#,
    );
}

#[test]
fn em118_replace_with_old_value_and_regex_but_not_a_documented_form() {
    let (report, text) = check_fixture("em118-replace-undocumented-form.yaml");
    assert_eq!(codes(&report), ["EM118"]);
    assert_at(
        &report,
        &text,
        "EM118",
        10,
        19,
        r#"Replace([displayName], "a", "b")"#,
    );
}

#[test]
fn em119_single_app_role_assignment() {
    let (report, text) = check_fixture("em119-single-app-role-several.yaml");
    assert_eq!(codes(&report), ["EM119"]);
    assert_at(
        &report,
        &text,
        "EM119",
        9,
        19,
        "SingleAppRoleAssignment([appRoleAssignments])",
    );
}

#[test]
fn every_lint_in_the_table_has_a_fixture() {
    let names: Vec<String> = std::fs::read_dir(root().join("tests/data/check"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_lowercase())
        .collect();
    for lint in LINTS {
        // The SelectUniqueValue lints share one fixture.
        let code = match lint.code {
            "EM009" | "EM010" => "em008".to_string(),
            c => c.to_lowercase(),
        };
        assert!(
            names.iter().any(|n| n.starts_with(&code)),
            "no fixture for {} {}",
            lint.code,
            lint.name
        );
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
        assert_eq!(error, l.severity == Severity::Error, "{}", l.code);
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
            .filter(|f| f.severity() == Severity::Error)
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

fn entramap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()
        .expect("run entramap")
}

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
        let doc: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
        match format {
            "json" => assert_eq!(doc["errors"], 4),
            _ => assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 4),
        }
    }
    let out = entramap(&["check", "--format", "sarif", "mappings/scim-default.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
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
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
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
