//! The built-in sample user, so commands have something realistic to work on with no files.

use super::source::Record;

/// The YAML text of the sample user (also shipped as `mappings/samples/user.yaml`).
pub const SAMPLE_USER_YAML: &str = include_str!("../../mappings/samples/user.yaml");

/// The sample user: diacritics in the name, multi-valued proxyAddresses, a manager, a
/// directory extension.
pub fn sample_user() -> Record {
    let value = crate::input::parse_document("user.yaml", SAMPLE_USER_YAML)
        .expect("the built-in sample user is valid YAML");
    Record::from_json(&value).expect("the built-in sample user is a flat map")
}

/// Expressions `entramap eval` shows off when given none: the default SCIM mapping's
/// expressions and documented idioms.
pub const SAMPLE_EXPRESSIONS: &[&str] = &[
    r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
    r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#,
    r#"Join(" ", [givenName], [surname])"#,
    r#"SingleAppRoleAssignment([appRoleAssignments])"#,
    r#"Replace([telephoneNumber], , "[()\\s-]+", , "", , )"#,
    r#"PCase(ToUpper([jobTitle]))"#,
    r#"Item([proxyAddresses], 1)"#,
    r#"Replace([mail], "@contoso.com", , , "", , )"#,
    r#"IIF([country]="SE", "EMEA", "Other")"#,
    r#"FormatDateTime(Now(), , "M/d/yyyy h:mm:ss tt", "yyyy-MM-ddTHH:mm:ssZ")"#,
    r#"ConvertToBase64([mailNickname])"#,
    r#"Left([extension_9d98ed114c4840d298fad781915f27e4_costCenter], 2)"#,
];
