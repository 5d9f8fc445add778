//! `entramap docs`: the shipped mappings load, their generated Markdown equals the golden
//! files, the attribute tables of Real Links, GoLinks and Blink hold exactly the rows of
//! Microsoft's tutorials, and the command line behaves (stdout, `--out`, bad files).
//!
//! Set `UPDATE_GOLDEN=1` to rewrite `tests/golden/*.md` from the current output, then read the
//! diff before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

use entramap::docs;

mod support;
use entramap::expr::{self, AttributeCheck, CompileOptions};
use entramap::load;
use entramap::model::source::is_known_user_attribute;

use support::common::root;

const SHIPPED: [&str; 6] = [
    "scim-default",
    "real-links",
    "golinks",
    "blink",
    "rfpio",
    "unleash",
];

fn mapping_path(name: &str) -> PathBuf {
    root().join("mappings").join(format!("{name}.yaml"))
}

fn generated(name: &str) -> String {
    let loaded = load::read(&mapping_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    docs::render(&loaded.file)
}

#[test]
fn every_shipped_mapping_loads_and_its_expressions_compile_against_the_catalog() {
    for name in SHIPPED {
        let loaded = load::read(&mapping_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let file = &loaded.file;
        let options = CompileOptions {
            attributes: AttributeCheck::Catalog { extra: &[] },
        };
        for row in &file.users.mappings {
            if let Some(e) = &row.expression {
                let program = expr::compile(&e.value, &options)
                    .unwrap_or_else(|err| panic!("{name}: {}: {err:?}", e.value));
                assert!(
                    program.warnings().is_empty(),
                    "{name}: {}: {:?}",
                    e.value,
                    program.warnings()
                );
            }
            if let Some(s) = &row.source {
                assert!(
                    is_known_user_attribute(&s.value),
                    "{name}: unknown source {}",
                    s.value
                );
            }
            // Every mapped target is in the attribute list, so the docs' two tables agree.
            assert!(
                file.users
                    .attributes
                    .iter()
                    .any(|a| a.name.value == row.target.value),
                "{name}: {} is mapped but not in the attribute list",
                row.target.value
            );
        }
        if let Some(group) = &file.groups {
            for row in &group.mappings {
                if let Some(e) = &row.expression {
                    expr::compile(&e.value, &CompileOptions::default())
                        .unwrap_or_else(|err| panic!("{name}: {}: {err:?}", e.value));
                }
            }
        }
    }
}

/// Compare the generated docs with the golden file (see `support::golden`).
fn golden(name: &str) {
    support::golden::assert_golden(&format!("tests/golden/{name}.md"), &generated(name));
}

#[test]
fn golden_scim_default() {
    golden("scim-default");
}

#[test]
fn golden_real_links() {
    golden("real-links");
}

#[test]
fn golden_golinks() {
    golden("golinks");
}

#[test]
fn golden_blink() {
    golden("blink");
}

#[test]
fn golden_rfpio() {
    golden("rfpio");
}

#[test]
fn golden_unleash() {
    golden("unleash");
}

#[test]
fn docs_are_deterministic() {
    for name in SHIPPED {
        assert_eq!(generated(name), generated(name), "{name}");
    }
}

/// The rows of the generated user attribute table: (attribute, type, filtering, required).
fn generated_attribute_rows(markdown: &str, app: &str) -> Vec<[String; 4]> {
    let header = format!("|Attribute|Type|Supported for filtering|Required by {app}|");
    let mut lines = markdown.lines().skip_while(|l| *l != header);
    assert_eq!(lines.next(), Some(header.as_str()), "no attribute table");
    assert_eq!(lines.next(), Some("|---|---|---|---|"));
    lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let inner = l.strip_prefix('|').and_then(|l| l.strip_suffix('|'));
            let cells: Vec<&str> = inner.expect("a table row").split('|').collect();
            assert_eq!(cells.len(), 4, "{l}");
            [0, 1, 2, 3].map(|i| cells[i].to_string())
        })
        .collect()
}

/// Rows of a table as the tutorials' Markdown source writes them: the leading and trailing
/// `|` are optional, trailing empty cells may be left out, and a tick is `&check;`.
fn tutorial_rows(table: &str) -> Vec<[String; 4]> {
    table
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .skip(2) // header and |---|
        .map(|l| {
            let l = l.strip_prefix('|').unwrap_or(l);
            let l = l.strip_suffix('|').unwrap_or(l);
            let cells: Vec<String> = l
                .split('|')
                .map(|c| c.trim().replace("&check;", "✓"))
                .collect();
            [0, 1, 2, 3].map(|i| cells.get(i).cloned().unwrap_or_default())
        })
        .collect()
}

/// Real Links' table, verbatim from real-links-provisioning-tutorial.md (seed 000).
const REAL_LINKS_TUTORIAL: &str = r#"
   |Attribute|Type|Supported for filtering|Required by Real Links|
   |---|---|---|---|
   |userName|String|&check;|&check;
   |active|Boolean||&check;
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:firstName|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:lastName|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:emailAddress|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:phoneNumber|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:title|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:preferredLanguage|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:organization|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:department|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:division|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:location|String|
   |urn:ietf:params:scim:schemas:extension:real-links:2.0:User:countryCode|String|
"#;

/// Blink's table, verbatim from blink-provisioning-tutorial.md (seed 002), including the two
/// last rows that lost their leading `|` upstream. It has no "Required by Blink" column.
const BLINK_TUTORIAL: &str = r#"
   |Attribute|Type|Supported for filtering|
   |---|---|---|
   |userName|String|&check;|
   |active|Boolean|
   |title|String|
   |emails[type eq "work"].value|String|
   |name.givenName|String|
   |name.familyName|String|
   |phoneNumbers[type eq "work"].value|String|
   |phoneNumbers[type eq "mobile"].value|String|
   |externalId|String|
   |urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department|String|
   |urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber|String|
   |urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager|Reference|
   |urn:ietf:params:scim:schemas:extension:blink:2.0:User:company|String|
   urn:ietf:params:scim:schemas:extension:blink:2.0:User:description|String|
   urn:ietf:params:scim:schemas:extension:blink:2.0:User:location|String|
"#;

fn rows(expected: &[[&str; 4]]) -> Vec<[String; 4]> {
    expected.iter().map(|r| r.map(str::to_string)).collect()
}

#[test]
fn real_links_attribute_table_has_exactly_the_tutorial_rows() {
    let expected = tutorial_rows(REAL_LINKS_TUTORIAL);
    assert_eq!(expected.len(), 13);
    assert_eq!(
        generated_attribute_rows(&generated("real-links"), "Real Links"),
        expected
    );
}

#[test]
fn golinks_attribute_table_has_exactly_the_tutorial_rows() {
    // The GoLinks seed is the rendered page, where the table reads: "Attribute Type Supported
    // For Filtering userName String ✓ externalId String active Boolean emails[type eq
    // "work"].value String name.givenName String name.familyName String
    // urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department String". No
    // "Required by GoLinks" column.
    let expected = rows(&[
        ["userName", "String", "✓", ""],
        ["externalId", "String", "", ""],
        ["active", "Boolean", "", ""],
        ["emails[type eq \"work\"].value", "String", "", ""],
        ["name.givenName", "String", "", ""],
        ["name.familyName", "String", "", ""],
        [
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "String",
            "",
            "",
        ],
    ]);
    assert_eq!(
        generated_attribute_rows(&generated("golinks"), "GoLinks"),
        expected
    );
}

#[test]
fn blink_attribute_table_has_exactly_the_tutorial_rows() {
    let expected = tutorial_rows(BLINK_TUTORIAL);
    assert_eq!(expected.len(), 15);
    assert_eq!(
        generated_attribute_rows(&generated("blink"), "Blink"),
        expected
    );
}

#[test]
fn dialect_and_active_behaviour_follow_the_tenant_url() {
    let unleash = generated("unleash");
    assert!(unleash.contains(
        "- **SCIM dialect:** compliant (the tenant URL carries the `aadOptscim062020` flag)"
    ));
    assert!(unleash.contains(
        "Entra deactivates the user with `{\"op\": \"replace\", \"path\": \"active\", \"value\": false}`"
    ));
    let golinks = generated("golinks");
    assert!(golinks.contains("- **SCIM dialect:** legacy"));
    assert!(golinks.contains(
        "Entra deactivates the user with `{\"op\": \"Replace\", \"path\": \"active\", \"value\": \"False\"}`"
    ));
}

#[test]
fn lowercased_switch_keys_are_documented_as_never_deactivating() {
    // Unleash's pre-2025 advice: the keys never equal IsSoftDeleted's "True"/"False".
    let text = "app: Old Unleash\nusers:\n  mappings:\n    - target: active\n      expression: Switch([IsSoftDeleted], , \"false\", \"true\", \"true\", \"false\")\n  attributes:\n    - name: active\n      type: Boolean\n";
    let loaded = load::parse("old.yaml", text).unwrap();
    let md = docs::render(&loaded.file);
    assert!(md.contains("so Entra sends no update of `active` when it deprovisions the user, which stays active in the app"), "{md}");
}

#[test]
fn scoping_filters_are_listed_clause_by_clause() {
    let text = "app: Scoped\nusers:\n  scope:\n    - name: Sales\n      clauses:\n        - attribute: department\n          operator: EQUALS\n          value: Sales\n        - attribute: accountEnabled\n          operator: IS TRUE\n  mappings:\n    - target: userName\n      source: userPrincipalName\n      match: 1\n";
    let md = docs::render(&load::parse("s.yaml", text).unwrap().file);
    assert!(md.contains("**Filter 1: Sales**\n\n|Source attribute|Operator|Value|\n|---|---|---|\n|department|EQUALS|`Sales`|\n|accountEnabled|IS TRUE||\n"), "{md}");
    assert!(generated("golinks").contains("None: all assigned users are in scope."));
}

#[test]
fn readme_examples_load_and_compile() {
    // Every YAML block of mappings/README.md that is a whole file (starts with `app:` or a
    // comment) must load, so the format documentation cannot drift from the format.
    let readme = std::fs::read_to_string(root().join("mappings/README.md")).unwrap();
    let mut blocks = 0;
    for block in readme.split("```yaml\n").skip(1) {
        let text = &block[..block.find("```").unwrap()];
        if !(text.starts_with("app:") || text.starts_with('#')) {
            continue;
        }
        let loaded = load::parse("README example", text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        for row in &loaded.file.users.mappings {
            if let Some(e) = &row.expression {
                expr::compile(&e.value, &CompileOptions::default()).unwrap();
            }
        }
        assert!(
            docs::render(&loaded.file)
                .contains("|Attribute|Type|Supported for filtering|Required by Acme|")
        );
        blocks += 1;
    }
    assert_eq!(blocks, 1);
}

#[test]
fn markdown_special_characters_cannot_break_the_tables() {
    let text = "app: A|B\nusers:\n  mappings:\n    - target: note\n      constant: 'x`y|z'\n      default: '`'\n  attributes:\n    - name: note\n";
    let md = docs::render(&load::parse("m.yaml", text).unwrap().file);
    assert!(
        md.starts_with("# A\\|B: Microsoft Entra ID provisioning\n"),
        "{md}"
    );
    assert!(
        md.contains("|Attribute|Type|Supported for filtering|Required by A\\|B|\n"),
        "{md}"
    );
    // A code span longer than any backtick run inside it, and the cell's `|` escaped.
    assert!(
        md.contains("|note|Constant|``x`y\\|z``||Always|`` ` ``|\n"),
        "{md}"
    );
    assert!(
        md.contains("A default value is sent only when Entra creates the object"),
        "{md}"
    );
}

// --- the command line -------------------------------------------------------------------

fn entramap(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(args)
        .output()
        .expect("run entramap")
}

/// A fresh directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("docs")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn cli_docs_prints_the_markdown_on_stdout() {
    let path = mapping_path("golinks");
    let out = entramap(&["docs".as_ref(), path.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), generated("golinks"));
    assert!(out.stderr.is_empty());
}

#[test]
fn cli_docs_out_writes_the_file_and_nothing_on_stdout() {
    let dir = scratch("out");
    let target = dir.join("blink.md");
    std::fs::write(&target, "old content").unwrap();
    let path = mapping_path("blink");
    let out = entramap(&[
        "docs".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        target.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        generated("blink")
    );
    // Only the output file is left: the temporary file was renamed over it.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["blink.md"]);
}

#[test]
fn cli_docs_rejects_a_malformed_file_with_exit_2_and_writes_nothing() {
    let dir = scratch("malformed");
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "app: Bad\nusers:\n  mappings: []\n  colour: blue\n").unwrap();
    let target = dir.join("bad.md");
    for args in [
        vec!["docs".as_ref(), bad.as_os_str()],
        vec![
            "docs".as_ref(),
            bad.as_os_str(),
            "--out".as_ref(),
            target.as_os_str(),
        ],
    ] {
        let out = entramap(&args);
        assert_eq!(out.status.code(), Some(2));
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("colour"), "{stderr}");
    }
    assert!(!target.exists());
}

#[test]
fn cli_docs_rejects_a_broken_expression_pointing_into_the_file() {
    let dir = scratch("broken-expression");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "app: Bad\nusers:\n  mappings:\n    - target: active\n      expression: Swtch([IsSoftDeleted], , \"False\", \"True\")\n",
    )
    .unwrap();
    let out = entramap(&["docs".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Swtch") && stderr.contains("bad.yaml"),
        "{stderr}"
    );
}
