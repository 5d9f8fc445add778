//! Microsoft Graph `synchronizationSchema` import and export: lossless round trips of Graph
//! JSON, what hand-written YAML exports as, located errors, and the `import`/`export` commands.

use std::path::{Path, PathBuf};

use entramap::load;
use entramap::load::graph;
use entramap::model::mapping::{Apply, MappingFile};
use serde_json::{Value as Json, json};

#[path = "support/common.rs"]
mod common;
use common::{TempFile, output as entramap, root, run_cases};

fn fixture(name: &str) -> (String, Json) {
    let path = root().join("tests/data/graph").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

/// Order-sensitive JSON text: `==` on serde_json maps ignores key order.
fn exact(v: &Json) -> String {
    serde_json::to_string(v).unwrap()
}

fn yaml(file: &MappingFile) -> String {
    serde_saphyr::to_string(file).unwrap()
}

/// The YAML text loaded back the way every command loads a mapping.
fn reload(text: &str) -> MappingFile {
    load::parse("roundtrip.yaml", text)
        .unwrap_or_else(|e| panic!("YAML does not load back: {e}\n{text}"))
        .file
}

/// The first line of the first difference, for readable failures.
fn first_difference(a: &str, b: &str) -> String {
    let i = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let from = i.saturating_sub(120);
    format!(
        "at byte {i}:\n  left:  …{}\n  right: …{}",
        &a[from..(i + 120).min(a.len())],
        &b[from..(i + 120).min(b.len())]
    )
}

fn assert_exact(left: &Json, right: &Json) {
    let (a, b) = (exact(left), exact(right));
    assert!(a == b, "JSON differs {}", first_difference(&a, &b));
}

/// What the rows of a mapping say, for comparing two files row by row.
fn rows(file: &MappingFile) -> Vec<String> {
    let objects = [
        ("users", Some(&file.users)),
        ("groups", file.groups.as_ref()),
    ];
    let mut out = Vec::new();
    for (role, object) in objects {
        let Some(object) = object else { continue };
        for row in &object.mappings {
            out.push(format!(
                "{role} {:?} source={:?} constant={:?} expression={:?} default={:?} match={:?} apply={:?}",
                row.target.value,
                row.source.as_ref().map(|s| &s.value),
                row.constant.as_ref().map(|s| &s.value),
                row.expression.as_ref().map(|s| &s.value),
                row.default,
                row.matching,
                row.apply,
            ));
        }
    }
    out
}

// (a) A realistic schema: c.7 of docs/graph-schema.md, extended ---------------------------------

#[test]
fn c7_schema_imports_and_exports_byte_for_byte() {
    let (_, input) = fixture("custom-scim.json");
    let file = graph::import(&input).unwrap();
    assert_exact(&graph::export(&file).unwrap(), &input);
}

#[test]
fn c7_schema_import_reads_rows_scope_groups_and_attributes() {
    let (_, input) = fixture("custom-scim.json");
    let file = graph::import(&input).unwrap();
    assert_eq!(file.app, "customappsso");
    assert!(file.dialect.is_none() && file.tenant_url.is_none());

    let users = &file.users;
    assert_eq!(users.source_object.as_deref(), Some("User"));
    assert_eq!(users.mappings.len(), 12);
    let row = |target: &str| {
        users
            .mappings
            .iter()
            .find(|r| r.target.value == target)
            .unwrap()
    };
    assert_eq!(
        row("userName").source.as_ref().unwrap().value,
        "userPrincipalName"
    );
    assert_eq!(row("userName").matching, Some(1));
    let active = row("active");
    assert_eq!(
        active.expression.as_ref().unwrap().value,
        "Not([IsSoftDeleted])"
    );
    assert_eq!(active.default.as_deref(), Some("True"));
    let title = row("title");
    assert_eq!(title.constant.as_ref().unwrap().value, "Staff");
    assert_eq!(title.default.as_deref(), Some("Employee"));
    assert_eq!(title.apply, Apply::OnCreate);
    let none = row("preferredLanguage");
    assert!(none.source.is_none() && none.constant.is_none() && none.expression.is_none());
    assert_eq!(none.default.as_deref(), Some("en-US"));
    assert_eq!(row("roles").apply, Apply::MultiValueAddOnly);
    assert_eq!(
        row("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:isActiveText")
            .expression
            .as_ref()
            .unwrap()
            .value,
        r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#
    );

    assert_eq!(users.scope.len(), 2);
    assert_eq!(users.scope[0].name.as_deref(), Some("Sales only"));
    let clause = &users.scope[0].clauses[0];
    assert_eq!(
        (
            clause.attribute.value.as_str(),
            clause.operator.value.as_str(),
            clause.value.as_deref()
        ),
        ("department", "EQUALS", Some("Sales"))
    );
    assert_eq!(users.scope[0].clauses[1].value, None);
    assert_eq!(users.scope[1].clauses[0].value.as_deref(), Some("NL"));

    // Every attribute of the target object, mapped or not (nickName is not).
    assert_eq!(users.attributes.len(), 13);
    let attr = |name: &str| {
        users
            .attributes
            .iter()
            .find(|a| a.name.value == name)
            .unwrap()
    };
    assert!(attr("userName").required && attr("userName").filterable);
    assert!(attr("emails[type eq \"work\"].value").case_exact);
    assert!(
        !attr("displayName").filterable,
        "only matching attributes are known to be filterable"
    );
    assert!(attr("roles").multi_valued);
    assert_eq!(
        attr("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager").references,
        vec!["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_string()]
    );
    assert!(users.attributes.iter().any(|a| a.name.value == "nickName"));

    let groups = file.groups.as_ref().unwrap();
    assert!(!groups.enabled);
    assert_eq!(groups.mappings.len(), 3);
    assert_eq!(groups.attributes.len(), 3);
    // "Add,Update,Delete" without spaces is all three actions, kept in its exact spelling.
    assert_eq!(groups.actions.len(), 3);
    assert_eq!(groups.graph["flowTypes"], json!("Add,Update,Delete"));
}

#[test]
fn c7_schema_import_export_import_gives_the_same_yaml_text() {
    let (_, input) = fixture("custom-scim.json");
    let first = graph::import(&input).unwrap();
    let text = yaml(&first);
    // Through the YAML text, as `entramap import` then `entramap export` would go.
    let loaded = reload(&text);
    let exported = graph::export(&loaded).unwrap();
    assert_exact(&exported, &input);
    let second = graph::import(&exported).unwrap();
    assert_eq!(yaml(&second), text);
}

#[test]
fn yaml_keeps_strings_that_look_like_numbers_booleans_and_null() {
    let tricky = [
        "null",
        "Null",
        "~",
        "true",
        "False",
        "yes",
        "1",
        "007",
        "1.0",
        "-3",
        "0x1F",
        "1e3",
        "",
        " padded ",
        "a: b",
        "- item",
        "#hash",
        "line one\nline two",
        "tab\there",
        "\"quoted\"",
        "'single'",
        "$users",
        "[IsSoftDeleted]",
        "2025-06-12",
    ];
    let rows: Vec<Json> = tricky
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "defaultValue": s,
                "exportMissingReferences": false,
                "flowBehavior": "FlowWhenChanged",
                "flowType": "Always",
                "matchingPriority": 0,
                "source": {"expression": format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")), "name": s, "parameters": [], "type": "Constant"},
                "targetAttributeName": format!("t{i}"),
                "x-extra": s,
            })
        })
        .collect();
    let input = json!({
        "$odata": "a key that starts with a dollar",
        "synchronizationRules": [{
            "objectMappings": [{"attributeMappings": rows, "sourceObjectName": "User", "$weird": 1}],
            "targetDirectoryName": "customappsso",
        }],
    });
    let file = graph::import(&input).unwrap();
    let text = yaml(&file);
    let back = reload(&text);
    assert_exact(&graph::export(&back).unwrap(), &input);
    for (row, s) in back.users.mappings.iter().zip(tricky) {
        assert_eq!(row.constant.as_ref().unwrap().value, s);
        assert_eq!(row.default.as_deref(), Some(s));
    }
}

#[test]
fn graph_style_schemas_import_without_graph_fields() {
    // What Graph returns for an untouched app: sorted keys, default values. Nothing needs
    // keeping, so the YAML is as clean as a hand-written one.
    let text = std::fs::read_to_string(root().join("mappings/scim-default.yaml")).unwrap();
    let exported = graph::export(&reload(&text)).unwrap();
    let file = graph::import(&exported).unwrap();
    assert!(file.graph.is_null());
    for object in std::iter::once(&file.users).chain(&file.groups) {
        assert!(object.graph.is_null());
        assert!(object.mappings.iter().all(|r| r.graph.is_null()));
        assert!(object.attributes.iter().all(|a| a.graph.is_null()));
    }
}

#[test]
fn edits_to_imported_rows_win_over_the_kept_graph_values() {
    let (_, input) = fixture("custom-scim.json");
    let mut file = graph::import(&input).unwrap();
    let active = file
        .users
        .mappings
        .iter_mut()
        .find(|r| r.target.value == "active")
        .unwrap();
    active.expression.as_mut().unwrap().value = "Not([accountDisabled])".to_string();
    let groups = file.groups.as_mut().unwrap();
    groups
        .actions
        .retain(|a| *a != entramap::model::mapping::TargetObjectAction::Delete);
    let out = graph::export(&file).unwrap();
    let users = &out["synchronizationRules"][0]["objectMappings"][0];
    let active = users["attributeMappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["targetAttributeName"] == "active")
        .unwrap();
    assert_eq!(active["source"]["expression"], "Not([accountDisabled])");
    assert_eq!(
        active["source"]["parameters"][0]["value"]["name"],
        "accountDisabled"
    );
    // The rest of the row is as it was, in its original key order.
    let keys: Vec<&str> = active
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys[0], "targetAttributeName");
    assert_eq!(
        out["synchronizationRules"][0]["objectMappings"][1]["flowTypes"],
        "Add, Update"
    );
}

#[test]
fn removing_or_adding_the_group_mapping_of_an_imported_schema() {
    let (_, input) = fixture("custom-scim.json");
    let mut file = graph::import(&input).unwrap();
    let groups = file.groups.take().unwrap();
    let out = graph::export(&file).unwrap();
    assert_eq!(
        out["synchronizationRules"][0]["objectMappings"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let objects = out["directories"][1]["objects"].as_array().unwrap();
    assert_eq!(
        objects.len(),
        2,
        "the group object definition goes with the mapping"
    );
    assert!(objects.iter().all(|o| o.is_object()));

    // Putting the groups back (imported with their graph data) restores the schema exactly,
    // except that the definition goes to the end of the directory's objects.
    file.groups = Some(groups);
    let back = graph::export(&file).unwrap();
    assert_eq!(back["synchronizationRules"], input["synchronizationRules"]);
    assert_eq!(
        back["directories"][1]["objects"].as_array().unwrap().len(),
        3
    );
}

#[test]
fn expressions_entramap_cannot_parse_still_round_trip_from_graph() {
    let input = json!({"synchronizationRules": [{"objectMappings": [{
        "sourceObjectName": "User",
        "attributeMappings": [{
            "targetAttributeName": "x",
            "source": {"expression": "Frobnicate([a]", "name": "Frobnicate", "parameters": [], "type": "Function"},
        }],
    }]}]});
    let file = graph::import(&input).unwrap();
    assert_eq!(
        file.users.mappings[0].expression.as_ref().unwrap().value,
        "Frobnicate([a]"
    );
    assert_exact(&graph::export(&file).unwrap(), &input);
}

// Hand-written YAML ------------------------------------------------------------------------

#[test]
fn hand_written_rows_export_what_entra_stores() {
    let text = "app: Demo\nusers:\n  mappings:\n    - target: userName\n      source: userPrincipalName\n      match: 1\n    - target: active\n      expression: Not([IsSoftDeleted])\n    - target: title\n      constant: Staff\n      apply: on-create\n    - target: locale\n      default: en-US\n  attributes:\n    - name: userName\n      required: true\n      filterable: true\n    - name: manager\n      type: Reference\n      references: [User]\ngroups:\n  enabled: false\n  mappings:\n    - target: displayName\n      source: displayName\n      match: 1\n";
    let out = graph::export(&reload(text)).unwrap();
    let expected = json!({
        "directories": [{
            "metadata": [],
            "name": "customappsso",
            "objects": [{
                "attributes": [
                    {"anchor": false, "caseExact": false, "metadata": [], "multivalued": false, "mutability": "ReadWrite", "name": "userName", "referencedObjects": [], "required": true, "type": "String"},
                    {"anchor": false, "caseExact": false, "metadata": [], "multivalued": false, "mutability": "ReadWrite", "name": "manager", "referencedObjects": [{"referencedObjectName": "User"}], "required": false, "type": "Reference"},
                ],
                "metadata": [],
                "name": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "supportedApis": [],
            }],
            "readOnly": false,
        }],
        "synchronizationRules": [{
            "editable": true,
            "metadata": [],
            "objectMappings": [
                {
                    "attributeMappings": [
                        {"defaultValue": null, "exportMissingReferences": false, "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 1,
                         "source": {"expression": "[userPrincipalName]", "name": "userPrincipalName", "parameters": [], "type": "Attribute"}, "targetAttributeName": "userName"},
                        {"defaultValue": null, "exportMissingReferences": false, "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 0,
                         "source": {"expression": "Not([IsSoftDeleted])", "name": "Not", "parameters": [{"key": "source", "value": {"expression": "[IsSoftDeleted]", "name": "IsSoftDeleted", "parameters": [], "type": "Attribute"}}], "type": "Function"},
                         "targetAttributeName": "active"},
                        {"defaultValue": null, "exportMissingReferences": false, "flowBehavior": "FlowWhenChanged", "flowType": "ObjectAddOnly", "matchingPriority": 0,
                         "source": {"expression": "\"Staff\"", "name": "Staff", "parameters": [], "type": "Constant"}, "targetAttributeName": "title"},
                        {"defaultValue": "en-US", "exportMissingReferences": false, "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 0,
                         "source": null, "targetAttributeName": "locale"},
                    ],
                    "enabled": true,
                    "flowTypes": "Add, Update, Delete",
                    "metadata": [],
                    "name": "Provision Microsoft Entra ID Users",
                    "scope": null,
                    "sourceObjectName": "User",
                    "targetObjectName": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                },
                {
                    "attributeMappings": [
                        {"defaultValue": null, "exportMissingReferences": false, "flowBehavior": "FlowWhenChanged", "flowType": "Always", "matchingPriority": 1,
                         "source": {"expression": "[displayName]", "name": "displayName", "parameters": [], "type": "Attribute"}, "targetAttributeName": "displayName"},
                    ],
                    "enabled": false,
                    "flowTypes": "Add, Update, Delete",
                    "metadata": [],
                    "name": "Provision Microsoft Entra ID Groups",
                    "scope": null,
                    "sourceObjectName": "Group",
                    "targetObjectName": "urn:ietf:params:scim:schemas:core:2.0:Group",
                },
            ],
            "priority": 1,
            "sourceDirectoryName": "Azure Active Directory",
            "targetDirectoryName": "customappsso",
        }],
    });
    assert_exact(&out, &expected);
}

#[test]
fn hand_written_scope_exports_as_a_graph_filter() {
    let text = "app: Demo\nusers:\n  scope:\n    - name: Sales\n      clauses:\n        - attribute: department\n          operator: EQUALS\n          value: Sales\n        - attribute: accountEnabled\n          operator: IS TRUE\n  mappings:\n    - target: userName\n      source: userPrincipalName\n";
    let out = graph::export(&reload(text)).unwrap();
    let scope = &out["synchronizationRules"][0]["objectMappings"][0]["scope"];
    assert_exact(
        scope,
        &json!({"categoryFilterGroups": [], "groups": [{"clauses": [
            {"operatorName": "EQUALS", "sourceOperandName": "department", "targetOperand": {"values": ["Sales"]}},
            {"operatorName": "IS TRUE", "sourceOperandName": "accountEnabled", "targetOperand": {"values": []}},
        ], "name": "Sales"}], "inputFilterGroups": []}),
    );
    let back = graph::import(&out).unwrap();
    assert_eq!(back.users.scope.len(), 1);
    assert_eq!(back.users.scope[0].clauses[1].value, None);
}

#[test]
fn a_hand_written_expression_that_does_not_parse_fails_export_naming_the_row() {
    let text = "app: Demo\nusers:\n  mappings:\n    - target: userName\n      source: userPrincipalName\n    - target: displayName\n      expression: Join(\" \", [givenName]\n";
    let err = graph::export(&reload(text)).unwrap_err().to_string();
    assert!(
        err.starts_with("users.mappings[1] (target \"displayName\"): "),
        "{err}"
    );
    assert!(err.contains("does not parse"), "{err}");
}

// (b) Every shipped mapping --------------------------------------------------------------

#[test]
fn every_shipped_mapping_round_trips_through_graph_json() {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("mappings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let name = path.display().to_string();
        let loaded = load::read(&path).unwrap_or_else(|e| panic!("{name}: does not load: {e}"));
        let json =
            graph::export(&loaded.file).unwrap_or_else(|e| panic!("{name}: does not export: {e}"));
        let imported =
            graph::import(&json).unwrap_or_else(|e| panic!("{name}: export does not import: {e}"));
        let again = graph::export(&imported).unwrap();
        let (a, b) = (exact(&json), exact(&again));
        assert!(
            a == b,
            "{name}: export -> import -> export differs {}",
            first_difference(&a, &b)
        );
        assert_eq!(
            rows(&imported),
            rows(&loaded.file),
            "{name}: rows differ after the round trip"
        );
        // The imported YAML loads back and says the same.
        let reloaded = reload(&yaml(&imported));
        assert_exact(&graph::export(&reloaded).unwrap(), &json);
        // Target attribute lists survive too (the filterable and vendor knobs have no Graph
        // field; see the module docs).
        let names = |f: &MappingFile| -> Vec<String> {
            std::iter::once(&f.users)
                .chain(&f.groups)
                .flat_map(|o| {
                    o.attributes.iter().map(|a| {
                        format!(
                            "{} {:?} {} {}",
                            a.name.value, a.kind, a.multi_valued, a.required
                        )
                    })
                })
                .collect()
        };
        assert_eq!(
            names(&imported),
            names(&loaded.file),
            "{name}: attributes differ"
        );
    }
}

// (c) Graph's documented parseExpression tree ----------------------------------------------

#[test]
fn replace_example_exports_as_graphs_documented_parse_expression_tree() {
    // microsoft-graph-docs-contrib, synchronization-synchronizationschema-parseexpression.md
    let documented = documented_replace_tree();
    let text = "app: Demo\nusers:\n  mappings:\n    - target: preferredLanguage\n      expression: 'Replace([preferredLanguage], \"-\", , , \"_\", , )'\n";
    let out = graph::export(&reload(text)).unwrap();
    let source =
        &out["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][0]["source"];
    // The same tree; keys in the sorted order Graph stores schemas in.
    assert_eq!(source, &documented);
    let keys: Vec<&str> = source
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["expression", "name", "parameters", "type"]);
    // And it imports back to the same expression, with nothing left to keep.
    let back = graph::import(&out).unwrap();
    let row = &back.users.mappings[0];
    assert_eq!(
        row.expression.as_ref().unwrap().value,
        documented["expression"]
    );
    assert!(row.graph.is_null());
}

// (d) Malformed schemas ------------------------------------------------------------------

fn import_error(value: Json) -> String {
    graph::import(&value)
        .expect_err("should not import")
        .to_string()
}

fn with_row(row: Json) -> Json {
    json!({"synchronizationRules": [{"objectMappings": [
        {"sourceObjectName": "Group", "attributeMappings": []},
        {"sourceObjectName": "User", "attributeMappings": [{"targetAttributeName": "a"}, {"targetAttributeName": "b"}, {"targetAttributeName": "c"}, row]},
    ]}]})
}

#[test]
fn malformed_schemas_give_errors_naming_the_json_path() {
    assert_eq!(
        import_error(json!([1, 2])),
        "(root): expected a JSON object (a Graph synchronizationSchema), found an array"
    );
    assert!(import_error(json!({"id": "x"})).starts_with("synchronizationRules: missing"));
    assert!(
        import_error(json!({"synchronizationRules": []}))
            .starts_with("synchronizationRules: empty")
    );
    assert_eq!(
        import_error(json!({"synchronizationRules": {}})),
        "synchronizationRules: expected an array, found an object"
    );
    assert_eq!(
        import_error(with_row(
            json!({"targetAttributeName": "d", "source": {"type": "Lookup", "name": "x"}})
        )),
        "synchronizationRules[0].objectMappings[1].attributeMappings[3].source.type: expected \"Attribute\", \"Constant\" or \"Function\", found \"Lookup\""
    );
    assert_eq!(
        import_error(with_row(json!({"targetAttributeName": 5}))),
        "synchronizationRules[0].objectMappings[1].attributeMappings[3].targetAttributeName: expected a string, found a number"
    );
    assert_eq!(
        import_error(with_row(
            json!({"targetAttributeName": "d", "matchingPriority": "1"})
        )),
        "synchronizationRules[0].objectMappings[1].attributeMappings[3].matchingPriority: expected a 32-bit integer, found the string \"1\""
    );
    assert!(
        import_error(with_row(json!({"targetAttributeName": "d", "flowType": "Sometimes"})))
            .starts_with("synchronizationRules[0].objectMappings[1].attributeMappings[3].flowType: expected \"Always\"")
    );
    assert!(
        import_error(with_row(json!({"targetAttributeName": "d", "source": {"type": "Function", "name": "Not"}})))
            .starts_with("synchronizationRules[0].objectMappings[1].attributeMappings[3].source.expression: missing")
    );
    assert!(
        import_error(json!({"synchronizationRules": [{"objectMappings": [{"sourceObjectName": "User", "flowTypes": "Add, Merge"}]}]}))
            .starts_with("synchronizationRules[0].objectMappings[0].flowTypes: expected flags among Add, Update, Delete")
    );
    assert_eq!(
        import_error(
            json!({"synchronizationRules": [{"objectMappings": [{"sourceObjectName": "User", "enabled": "yes"}]}]})
        ),
        "synchronizationRules[0].objectMappings[0].enabled: expected true or false, found a string"
    );
    assert_eq!(
        import_error(json!({"synchronizationRules": [{"objectMappings": []}]})),
        "synchronizationRules[0].objectMappings: no object mapping to import"
    );
    assert_eq!(
        import_error(
            json!({"synchronizationRules": [{"targetDirectoryName": "app", "objectMappings": [{"sourceObjectName": "User", "targetObjectName": "U"}]}],
                             "directories": [{"name": "app", "objects": [{"name": "U", "attributes": [{"name": "x", "type": "Text"}]}]}]})
        ),
        "directories[0].objects[0].attributes[0].type: expected \"String\", \"Boolean\", \"Integer\", \"DateTime\", \"Reference\" or \"Binary\", found \"Text\""
    );
    assert_eq!(
        import_error(
            json!({"synchronizationRules": [{"objectMappings": [{"sourceObjectName": "User", "scope": {"groups": [{"clauses": [{"operatorName": "EQUALS", "sourceOperandName": "a", "targetOperand": {"values": [1]}}]}]}}]}]})
        ),
        "synchronizationRules[0].objectMappings[0].scope.groups[0].clauses[0].targetOperand.values[0]: expected a string, found a number"
    );
}

#[test]
fn arbitrary_json_never_panics() {
    // Every value of the fixture replaced in turn by values of other types: each import either
    // succeeds or returns an error; none panics, and successes export.
    let (_, input) = fixture("custom-scim.json");
    let replacements = [
        json!(null),
        json!(7),
        json!("s"),
        json!([]),
        json!({}),
        json!(true),
    ];
    let mut paths = Vec::new();
    collect_paths(&input, &mut Vec::new(), &mut paths);
    for path in paths.iter().step_by(3) {
        for replacement in &replacements {
            let mut v = input.clone();
            *pointer_mut(&mut v, path) = replacement.clone();
            if let Ok(file) = graph::import(&v) {
                let _ = graph::export(&file);
            }
        }
    }
}

fn collect_paths(v: &Json, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match v {
        Json::Object(m) => {
            for (k, v) in m {
                at.push(k.clone());
                collect_paths(v, at, out);
                at.pop();
            }
        }
        Json::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                at.push(i.to_string());
                collect_paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer_mut<'a>(v: &'a mut Json, path: &[String]) -> &'a mut Json {
    path.iter().fold(v, |v, seg| match v {
        Json::Array(a) => &mut a[seg.parse::<usize>().unwrap()],
        other => &mut other[seg.as_str()],
    })
}

#[test]
fn import_errors_are_located_in_the_json_text() {
    let text = "{\n  \"synchronizationRules\": [\n    {\"objectMappings\": [\n      {\"sourceObjectName\": \"User\",\n       \"attributeMappings\": [{\"targetAttributeName\": 5}]}]}]\n}\n";
    let value: Json = serde_json::from_str(text).unwrap();
    let err = graph::import(&value).unwrap_err();
    let (start, end) = graph::locate(text, &err).unwrap();
    assert_eq!(&text[start..end], "5");
    // A missing key points at the object that lacks it.
    let text = "{\"id\": \"x\"}";
    let err = graph::import(&serde_json::from_str(text).unwrap()).unwrap_err();
    assert_eq!(graph::locate(text, &err), Some((0, text.len())));
}

// (e) The commands -----------------------------------------------------------------------

fn temp_path(name: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "entramap-graph-schema-{}-{n}-{name}",
        std::process::id()
    ))
}

#[test]
fn cli_import_then_export_reproduces_the_schema() {
    let schema = root().join("tests/data/graph/custom-scim.json");
    let yaml_out = temp_path("imported.yaml");
    let json_out = temp_path("exported.json");
    let out = entramap(&[
        "import",
        schema.to_str().unwrap(),
        "--out",
        yaml_out.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&yaml_out).unwrap();
    assert!(text.starts_with("# Imported by `entramap import` from the Microsoft Graph synchronization schema custom-scim.json."));

    let out = entramap(&[
        "export",
        yaml_out.to_str().unwrap(),
        "--out",
        json_out.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: Json =
        serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_exact(&exported, &fixture("custom-scim.json").1);

    // Export also takes Graph JSON, and writes to standard output without --out.
    let out = entramap(&["export", schema.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_exact(&stdout, &exported);
    let _ = std::fs::remove_file(yaml_out);
    let _ = std::fs::remove_file(json_out);
}

/// A file `import` or `export` refuses, and what the diagnostic must say besides its name.
struct RefusedCase {
    /// What the case proves.
    id: &'static str,
    command: &'static str,
    /// The file's name (the diagnostic names it) and its text.
    file: (&'static str, String),
    says: &'static [&'static str],
    /// Run with `--out FILE` (which must not be written), or to standard output (which must
    /// stay empty).
    out: bool,
}

/// Exit 2, a diagnostic naming the file (located where it can be), and nothing written.
#[test]
fn cli_refused_input_exits_2_naming_the_file_and_writes_nothing() {
    let shipped = std::fs::read_to_string(root().join("mappings/scim-default.yaml")).unwrap();
    let cases = [
        RefusedCase {
            id: "cli_malformed_json_is_refused",
            command: "import",
            file: (
                "broken.json",
                "{\"synchronizationRules\": [ {\"objectMappings\": ]}"
                .to_owned(),
            ),
            says: &[],
            out: true,
        },
        RefusedCase {
            id: "cli_well_formed_json_that_is_not_a_schema_is_refused_located",
            command: "import",
            file: (
                "broken.json",
                "{\n  \"synchronizationRules\": [{\"objectMappings\": [{\"sourceObjectName\": \"User\", \"enabled\": \"yes\"}]}]\n}\n"
                .to_owned(),
            ),
            says: &["synchronizationRules[0].objectMappings[0].enabled"],
            out: true,
        },
        RefusedCase {
            id: "cli_export_of_a_broken_expression_points_into_the_file",
            command: "export",
            file: (
                "broken.yaml",
                "app: Demo\nusers:\n  mappings:\n    - target: displayName\n      expression: Join(\" \", [givenName]\n"
                .to_owned(),
            ),
            says: &["parse_error"],
            out: true,
        },
        RefusedCase {
            id: "cli_import_refuses_yaml",
            command: "import",
            file: ("scim-default.yaml", shipped),
            says: &[],
            out: false,
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let (name, text) = &case.file;
            let file = TempFile::new(name, text);
            let out_path = TempFile::new("never", "");
            std::fs::remove_file(out_path.path()).unwrap();
            let mut args = vec![case.command, file.path()];
            if case.out {
                args.extend(["--out", out_path.path()]);
            }
            let run = common::entramap(&args);
            assert_eq!(run.code, 2, "{run:?}");
            assert!(run.stderr.contains(file.file_name()), "{run:?}");
            for part in case.says {
                assert!(run.stderr.contains(part), "no {part:?}: {run:?}");
            }
            assert!(run.stdout.is_empty(), "{run:?}");
            assert!(!Path::new(out_path.path()).exists(), "--out was written");
        },
    );
    assert_eq!(ran, 4);
}

/// Graph's documented `attributeMappingSource` tree of
/// `Replace([preferredLanguage], "-", , , "_", , )` (tests/data/graph/README.md).
fn documented_replace_tree() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/graph/parse-expression-replace.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}
