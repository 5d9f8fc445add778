//! Legal but suspicious expressions compile with warnings that say what to do.

use entramap::expr::{AttributeCheck, CompileOptions, compile};

fn codes(text: &str, options: &CompileOptions<'_>) -> Vec<&'static str> {
    compile(text, options)
        .unwrap()
        .warnings()
        .iter()
        .map(|w| w.code)
        .collect()
}

#[test]
fn multi_valued_parameters_warn_on_single_valued_catalog_attributes() {
    let any = CompileOptions::default();
    assert_eq!(codes("Item([mail], 1)", &any), ["single_valued_argument"]);
    assert_eq!(
        codes("Count([displayName])", &any),
        ["single_valued_argument"]
    );
    assert_eq!(
        codes("SingleAppRoleAssignment([mail])", &any),
        ["single_valued_argument", "single_app_role_several"]
    );
    assert!(codes("Item([proxyAddresses], 1)", &any).is_empty());
    assert!(codes("AppRoleAssignmentsComplex([appRoleAssignments])", &any).is_empty());
    // Attributes outside the catalog may be multi-valued: no guess.
    assert!(codes("Count([roles])", &any).is_empty());
}

#[test]
fn wrong_case_function_names_resolve_with_a_warning() {
    assert_eq!(
        codes(r#"switch([a], "x", "k", "v")"#, &CompileOptions::default()),
        ["function_name_case"]
    );
}

#[test]
fn unknown_attributes_suggest_the_catalog_name_including_transpositions() {
    let catalog = CompileOptions {
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

#[test]
fn cloud_sync_only_functions_and_macros_compile_with_a_warning() {
    let any = CompileOptions::default();
    assert_eq!(codes("Trim([displayName])", &any), ["cloud_sync_only"]);
    assert_eq!(
        codes(r#"IIF(IsPresent([mail]), [mail], Error("no mail"))"#, &any),
        ["cloud_sync_only"]
    );
    assert_eq!(
        codes(r#"Join("@", [mailNickname], %DomainFQDN%)"#, &any),
        ["cloud_sync_only"]
    );
    assert!(codes("StripSpaces([displayName])", &any).is_empty());
}

#[test]
fn published_typos_of_format_datetime_and_replace_compile_with_a_warning() {
    let any = CompileOptions::default();
    assert_eq!(
        codes(r#"FormatDateTime([x], "yyyyMMdd", "yyyy-MM-dd")"#, &any),
        ["format_datetime_three_arguments"]
    );
    assert!(codes(r#"FormatDateTime([x], , "yyyyMMdd", "yyyy-MM-dd")"#, &any).is_empty());
    assert_eq!(
        codes(r#"Replace([x], "a", "b")"#, &any),
        ["replace_undocumented_form"]
    );
    assert_eq!(
        codes(r#"Replace([x], "a", "[b]", , "c", , )"#, &any),
        ["replace_undocumented_form"]
    );
    for documented in [
        r#"Replace([x], "a", , , "c", , )"#,
        r#"Replace([x], "<u>", , , , , "<u>@contoso.com")"#,
        r#"Replace([x], , "[()\s-]+", , "", , )"#,
        r#"Replace([x], , "(?<n>\d+)", "n", "1", , )"#,
        r#"Replace([x], , "(?<n>\d+)", "n", , [mobile], )"#,
    ] {
        assert!(codes(documented, &any).is_empty(), "{documented}");
    }
}

#[test]
fn unsupported_functions_documented_elsewhere_say_why() {
    for name in ["ConvertFromBase64", "AppRoleAssignments"] {
        let e = compile(&format!("{name}([x])"), &CompileOptions::default()).unwrap_err();
        assert_eq!(e.kind.code(), "unknown_function");
        assert!(
            e.help.as_deref().unwrap().contains("does not support"),
            "{name}: {:?}",
            e.help
        );
    }
}
