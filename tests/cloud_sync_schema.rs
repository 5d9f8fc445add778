//! Microsoft's own Cloud Sync schema (Active Directory to Entra ID, exported from Graph with
//! the service's parse trees, `tests/data/graph/cloud-sync-ad2aad.json`, see README there):
//! every expression compiles, entramap's Graph trees equal the stored ones, and the schema
//! imports and exports without losing its other object mappings or its source directory.

use std::path::Path;
use std::process::Command;

use entramap::expr::{self, graph as expr_graph, syntax};
use entramap::load::graph;
use serde_json::Value as Json;

fn schema() -> Json {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graph/cloud-sync-ad2aad.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every attribute mapping's `source` in the schema, with where it is.
fn sources(schema: &Json) -> Vec<(String, &Json)> {
    let mut out = Vec::new();
    for rule in schema["synchronizationRules"].as_array().unwrap() {
        for om in rule["objectMappings"].as_array().unwrap() {
            for m in om["attributeMappings"].as_array().unwrap() {
                let place = format!(
                    "{} -> {}",
                    om["sourceObjectName"].as_str().unwrap(),
                    m["targetAttributeName"].as_str().unwrap()
                );
                out.push((place, &m["source"]));
            }
        }
    }
    out
}

#[test]
fn every_expression_of_microsofts_cloud_sync_schema_compiles_without_an_error() {
    let schema = schema();
    let mut functions = 0;
    for (place, source) in sources(&schema) {
        if source["type"] != "Function" {
            continue;
        }
        functions += 1;
        let text = source["expression"].as_str().unwrap();
        if let Err(e) = expr::compile(text, &expr::CompileOptions::default()) {
            panic!(
                "{place}: {text} does not compile: {} ({})",
                e.message,
                e.kind.code()
            );
        }
    }
    // The fixture keeps every expression shape of the full schema (see its README).
    assert_eq!(functions, 23);
}

#[test]
fn entramaps_graph_tree_of_every_expression_is_the_tree_the_service_stored() {
    let schema = schema();
    for (place, source) in sources(&schema) {
        if source["type"] != "Function" {
            continue;
        }
        let text = source["expression"].as_str().unwrap();
        let tree = syntax::parse(text).unwrap();
        let ours = expr_graph::to_source(&tree);
        assert_eq!(
            &ours, source,
            "{place}: {text}\nours:   {ours}\nstored: {source}"
        );
    }
}

#[test]
fn iif_flattens_its_comparison_into_one_two_three_and_keys_its_values_four_and_five() {
    let tree =
        syntax::parse(r#"IIF(BitAnd([userAccountControl], 2)="0", "True", "False")"#).unwrap();
    let keys: Vec<String> = expr_graph::to_source(&tree)["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["one", "two", "three", "four", "five"]);
}

#[test]
fn macros_are_constants_whose_expression_is_the_bare_macro() {
    let tree = syntax::parse(r#"Join("@", [sAMAccountName], %DomainFQDN%)"#).unwrap();
    let source = expr_graph::to_source(&tree);
    assert_eq!(
        source["parameters"][2]["value"],
        serde_json::json!({"type": "Constant", "name": "%DomainFQDN%", "expression": "%DomainFQDN%", "parameters": []})
    );
}

#[test]
fn the_schema_imports_and_exports_unchanged_with_its_other_mappings_and_its_ad_directory() {
    let input = schema();
    let file = graph::import(&input).unwrap();
    assert_eq!(file.users.source_object.as_deref(), Some("user"));
    assert_eq!(
        file.groups.as_ref().unwrap().source_object.as_deref(),
        Some("group")
    );
    // contact, inetOrgPerson and the credentials item stay in the file-level graph, verbatim,
    // and so does the Active Directory source directory.
    let rule = &file.graph["synchronizationRules"][0];
    for (i, om) in input["synchronizationRules"][0]["objectMappings"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        match om["sourceObjectName"].as_str().unwrap() {
            "user" | "group" => {}
            _ => assert_eq!(&rule["objectMappings"][i], om),
        }
    }
    assert_eq!(file.graph["directories"][0], input["directories"][0]);
    assert_eq!(input["directories"][0]["name"], "Active Directory");

    let exported = graph::export(&file).unwrap();
    assert_eq!(
        serde_json::to_string(&exported).unwrap(),
        serde_json::to_string(&input).unwrap()
    );
}

#[test]
fn the_schemas_source_attributes_are_checked_against_its_own_ad_directory() {
    let input = schema();
    let file = graph::import(&input).unwrap();
    let users = graph::user_source_attributes(&file).unwrap();
    assert!(users.iter().any(|a| a == "sAMAccountName"));
    assert!(!users.iter().any(|a| a == "surname"));
    assert!(graph::group_source_attributes(&file).is_some());
}

fn check(path: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(["check", "--format", "json"])
        .arg(path)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn codes(json: &str) -> Vec<String> {
    let report: Json = serde_json::from_str(json).unwrap();
    let mut codes: Vec<String> = report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in {json}"))
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn check_finds_no_error_in_the_schema_and_flags_its_cloud_sync_only_functions() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graph/cloud-sync-ad2aad.json");
    let (code, stdout) = check(&path);
    assert_eq!(code, 0, "{stdout}");
    let codes = codes(&stdout);
    assert!(codes.iter().all(|c| c.starts_with("EM1")), "{codes:?}");
    assert!(codes.contains(&"EM116".to_string()), "{codes:?}");
}

#[test]
fn an_attribute_the_schemas_ad_directory_lacks_is_em002() {
    let mut input = schema();
    let rule = &mut input["synchronizationRules"][0]["objectMappings"];
    let user = rule
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|om| om["sourceObjectName"] == "user")
        .unwrap();
    let mapping = user["attributeMappings"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["source"]["type"] == "Attribute")
        .unwrap();
    mapping["source"]["name"] = "sAMAcountName".into();
    mapping["source"]["expression"] = "[sAMAcountName]".into();
    let path =
        std::env::temp_dir().join(format!("entramap-cloud-sync-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&input).unwrap()).unwrap();
    let (code, stdout) = check(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 1, "{stdout}");
    assert!(codes(&stdout).contains(&"EM002".to_string()), "{stdout}");
    assert!(
        stdout.contains("sAMAccountName"),
        "did-you-mean from the AD directory: {stdout}"
    );
}
