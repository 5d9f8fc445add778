//! Syntax trees rendered as Graph `attributeMappingSource` JSON match what Microsoft Graph's
//! parseExpression documents.

use entramap::expr::{graph, syntax};
use serde_json::json;

#[test]
fn replace_example_matches_graphs_documented_parsed_expression() {
    // microsoft-graph-docs-contrib: synchronization-synchronizationschema-parseexpression.md
    let tree = syntax::parse(r#"Replace([preferredLanguage], "-", , , "_", , )"#).unwrap();
    let expected = documented_replace_tree();
    assert_eq!(graph::to_source(&tree), expected);
}

#[test]
fn numeric_constants_are_quoted_like_graphs_mid_example() {
    let tree = syntax::parse("Mid([userPrincipalName], 1, 8)").unwrap();
    let source = graph::to_source(&tree);
    assert_eq!(source["parameters"][1]["key"], "start");
    assert_eq!(
        source["parameters"][1]["value"],
        json!({"type": "Constant", "name": "1", "expression": "\"1\"", "parameters": []})
    );
    assert_eq!(source["parameters"][2]["key"], "length");
}

#[test]
fn switch_drops_the_empty_default_and_repeats_switch_value() {
    let tree =
        syntax::parse(r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#).unwrap();
    let source = graph::to_source(&tree);
    let keys: Vec<&str> = source["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "source",
            "switchValue",
            "switchValue",
            "switchValue",
            "switchValue"
        ]
    );
    assert_eq!(
        source["expression"],
        r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#
    );
}

#[test]
fn function_names_are_rendered_in_microsofts_spelling() {
    let tree = syntax::parse(r#"switch([a], "x", "k", "v")"#).unwrap();
    let source = graph::to_source(&tree);
    assert_eq!(source["name"], "Switch");
    assert_eq!(source["expression"], r#"Switch([a], "x", "k", "v")"#);
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
