//! Legal but suspicious expressions compile with warnings that say what to do.

use entramap::expr::{AttributeCheck, Options, compile};

fn codes(text: &str, options: &Options<'_>) -> Vec<&'static str> {
    compile(text, options)
        .unwrap()
        .warnings()
        .iter()
        .map(|w| w.code)
        .collect()
}

#[test]
fn multi_valued_parameters_warn_on_single_valued_catalog_attributes() {
    let any = Options::default();
    assert_eq!(codes("Item([mail], 1)", &any), ["single_valued_argument"]);
    assert_eq!(
        codes("Count([displayName])", &any),
        ["single_valued_argument"]
    );
    assert_eq!(
        codes("SingleAppRoleAssignment([mail])", &any),
        ["single_valued_argument"]
    );
    assert!(codes("Item([proxyAddresses], 1)", &any).is_empty());
    assert!(codes("AppRoleAssignmentsComplex([appRoleAssignments])", &any).is_empty());
    // Attributes outside the catalog may be multi-valued: no guess.
    assert!(codes("Count([roles])", &any).is_empty());
}

#[test]
fn wrong_case_function_names_resolve_with_a_warning() {
    assert_eq!(
        codes(r#"switch([a], "x", "k", "v")"#, &Options::default()),
        ["function_name_case"]
    );
}

#[test]
fn unknown_attributes_suggest_the_catalog_name_including_transpositions() {
    let catalog = Options {
        attributes: AttributeCheck::Catalog { extra: &[] },
    };
    let program = compile("Append([mial], \"x\")", &catalog).unwrap();
    let warning = &program.warnings()[0];
    assert_eq!(warning.code, "unknown_attribute");
    assert!(
        warning.help.as_ref().unwrap().contains("[mail]"),
        "{warning:?}"
    );
    let known = compile(
        "Append([extension_9d98ed114c4840d298fad781915f27e4_costCenter], \"x\")",
        &catalog,
    )
    .unwrap();
    assert!(known.warnings().is_empty());
}
