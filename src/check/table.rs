//! THE lint table: every lint `entramap check` knows, with its stable code, severity, and the
//! why and fix a person needs. Messages, the human and JSON outputs, the SARIF rules and the
//! documentation all read from here.
//!
//! Codes are stable: `EM0xx` are errors (Entra rejects the mapping, or cannot provision with
//! it), `EM1xx` are warnings (Entra's documented pitfalls: the mapping runs but does not do
//! what it says, or never converges). A retired code is never reused: EM111 and EM112 were
//! warnings about scoping clauses the simulator cannot evaluate, and became the errors EM014
//! and EM015 when every command started refusing what `check` rejects.

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckSeverity {
    /// Entra rejects the mapping or cannot provision with it; `check` exits 1.
    Error,
    /// A documented pitfall; the mapping works but not as written.
    Warning,
}

impl CheckSeverity {
    /// `error` / `warning`, as JSON and SARIF write it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckSeverity::Error => "error",
            CheckSeverity::Warning => "warning",
        }
    }
}

/// One lint.
#[derive(Debug, PartialEq, Eq)]
pub struct Lint {
    /// The stable code, `EM001`.
    pub code: &'static str,
    /// The stable kebab-case name, `expression-error`.
    pub name: &'static str,
    /// Its severity.
    pub severity: CheckSeverity,
    /// What the lint detects, in a few words (SARIF `shortDescription`).
    pub summary: &'static str,
    /// Why it matters, one sentence.
    pub why: &'static str,
    /// How to fix it, one sentence.
    pub fix: &'static str,
}

/// Find a lint by code (`EM001`) or name (`expression-error`).
pub fn lint(code_or_name: &str) -> Option<&'static Lint> {
    LINTS
        .iter()
        .copied()
        .find(|l| l.code == code_or_name || l.name == code_or_name)
}

const fn error(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    why: &'static str,
    fix: &'static str,
) -> Lint {
    Lint {
        code,
        name,
        severity: CheckSeverity::Error,
        summary,
        why,
        fix,
    }
}

const fn warning(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    why: &'static str,
    fix: &'static str,
) -> Lint {
    Lint {
        code,
        name,
        severity: CheckSeverity::Warning,
        summary,
        why,
        fix,
    }
}

/// EM001: the expression does not parse or compile.
pub static EXPRESSION_ERROR: Lint = error(
    "EM001",
    "expression-error",
    "Expression does not parse or compile",
    "Entra refuses to save a mapping whose expression it cannot parse, so provisioning cannot start.",
    "Correct the expression at the marked column; `entramap eval` shows what the fixed expression returns.",
);

/// EM002: a source attribute outside Entra's catalog.
pub static UNKNOWN_SOURCE_ATTRIBUTE: Lint = error(
    "EM002",
    "unknown-source-attribute",
    "Source attribute is not in Entra's source attribute list",
    "Entra's source attribute names are case-sensitive and limited to its catalog and directory extensions, so an unknown name is rejected or always null.",
    "Use a name from Entra's source attribute list, or a directory extension `extension_<appid>_<name>`.",
);

/// EM003: a mapping row whose target is not in the object's attribute list.
pub static UNKNOWN_TARGET_ATTRIBUTE: Lint = error(
    "EM003",
    "unknown-target-attribute",
    "Target attribute is not in the app's attribute list",
    "Entra can only write attributes defined in the target's attribute list, so it rejects the row.",
    "Correct the target name, or add the attribute to the object's `attributes` list.",
);

/// EM004: a required target attribute no row writes.
pub static REQUIRED_TARGET_UNMAPPED: Lint = error(
    "EM004",
    "required-target-unmapped",
    "Required target attribute has no mapping",
    "The app requires this attribute, so Entra cannot create objects without a mapping that supplies it.",
    "Add a mapping row for the attribute, or clear `required` if the app does not need it.",
);

/// EM005: a matching attribute the app cannot filter on.
pub static MATCHING_NOT_FILTERABLE: Lint = error(
    "EM005",
    "matching-not-filterable",
    "Matching attribute is not filterable",
    "Entra looks up existing objects with `filter=<attribute> eq \"value\"`, which the app must support for every matching attribute.",
    "Match on an attribute the app can filter on (usually userName or externalId), or mark it `filterable: true` if the app supports filtering on it.",
);

/// EM006: a multi-valued matching attribute.
pub static MATCHING_MULTI_VALUED: Lint = error(
    "EM006",
    "matching-multi-valued",
    "Matching attribute is multi-valued",
    "Matching needs one unique value per object, and Entra cannot filter on or compare a multi-valued attribute.",
    "Match on a single-valued unique attribute such as userName.",
);

/// EM007: two rows write the same target attribute.
pub static DUPLICATE_TARGET: Lint = error(
    "EM007",
    "duplicate-target",
    "Two mapping rows write the same target attribute",
    "Entra keeps one mapping per target attribute, so a second row is rejected or silently overrides the first.",
    "Keep one row per target attribute and merge the logic into one expression.",
);

/// EM000: the file is not a mapping at all (reported in JSON and SARIF output, so that a
/// code-scanning run shows it; the human output prints the file diagnostic).
pub static UNREADABLE_FILE: Lint = error(
    "EM000",
    "unreadable-file",
    "The file is not a readable mapping",
    "Nothing can be checked in a file that is not valid YAML or Graph JSON of the mapping format.",
    "Fix the syntax or key the diagnostic points at; mappings/README.md describes the format.",
);

/// EM013: the attribute list defines the same attribute twice.
pub static DUPLICATE_ATTRIBUTE_DEFINITION: Lint = error(
    "EM013",
    "duplicate-attribute-definition",
    "The attribute list defines the same attribute twice",
    "Graph requires attribute names to be unique within an object, so Entra rejects the schema, and the two definitions may disagree (type, filterable, required).",
    "Keep one definition per attribute name and merge their settings.",
);

/// EM008: SelectUniqueValue in a SCIM app's mapping.
pub static SELECT_UNIQUE_VALUE_UNSUPPORTED: Lint = error(
    "EM008",
    "select-unique-value-unsupported",
    "SelectUniqueValue is not supported for SCIM apps",
    "SelectUniqueValue only works for HR-driven and API-driven provisioning to on-premises Active Directory, not for apps provisioned over SCIM.",
    "Build the value with a deterministic expression (Join, NormalizeDiacritics, ...) instead.",
);

/// EM009: SelectUniqueValue on a matching attribute.
pub static SELECT_UNIQUE_VALUE_MATCHING: Lint = error(
    "EM009",
    "select-unique-value-matching",
    "SelectUniqueValue on a matching attribute",
    "Entra's docs forbid SelectUniqueValue on an attribute with a matching precedence: the value is only known after the uniqueness search, so it cannot be used to find the object.",
    "Remove the matching precedence from this row and match on another attribute.",
);

/// EM010: SelectUniqueValue applied on every update.
pub static SELECT_UNIQUE_VALUE_ALWAYS: Lint = error(
    "EM010",
    "select-unique-value-always",
    "SelectUniqueValue not applied only during object creation",
    "A unique value must be chosen once; evaluated on every update it can pick another candidate and rename the object.",
    "Set `apply: on-create` (\"Only during object creation\") on this row.",
);

/// EM011: a row with more than one of source, constant and expression.
pub static AMBIGUOUS_MAPPING_TYPE: Lint = error(
    "EM011",
    "ambiguous-mapping-type",
    "Mapping row has more than one of source, constant and expression",
    "A row has exactly one mapping type (Direct, Constant, Expression or None), so Entra cannot tell which value to send.",
    "Keep only one of `source`, `constant` and `expression` in the row.",
);

/// EM012: an object mapping without any matching attribute.
pub static NO_MATCHING_ATTRIBUTE: Lint = error(
    "EM012",
    "no-matching-attribute",
    "Object mapping has no matching attribute",
    "Entra needs at least one matching attribute to find objects that already exist in the app before it creates them.",
    "Set `match: 1` on a unique, filterable attribute such as userName (users) or displayName (groups).",
);

/// EM014: a scoping operator outside the documented list (was the warning EM111).
pub static UNKNOWN_SCOPE_OPERATOR: Lint = error(
    "EM014",
    "unknown-scope-operator",
    "Unknown scoping operator",
    "Entra's scoping filters know only the documented operators, so Entra rejects the filter and nothing can be scoped with it.",
    "Use one of EQUALS, NOT EQUALS, IS TRUE, IS FALSE, IS NULL, IS NOT NULL, REGEX MATCH, NOT REGEX MATCH, Includes, ENDS_WITH, Greater_Than, Greater_Than_OR_EQUALS, & or !& (Graph's spellings such as NOT_EQUALS are the same operators).",
);

/// EM015: a REGEX MATCH operand that does not compile (was the warning EM112).
pub static SCOPE_REGEX_INVALID: Lint = error(
    "EM015",
    "scope-regex-invalid",
    "Scoping regular expression does not compile",
    "REGEX MATCH operands are .NET regular expressions, and one that does not compile cannot decide which objects are in scope.",
    "Correct the regular expression at the marked position.",
);

/// EM016: a binary scoping operator without a value, or a numeric one with a value that is
/// not an integer.
pub static SCOPE_OPERAND_INVALID: Lint = error(
    "EM016",
    "scope-operand-invalid",
    "Scoping clause has no usable value for its operator",
    "Every operator but IS NULL, IS NOT NULL, IS TRUE and IS FALSE compares with a value, and Greater_Than, Greater_Than_OR_EQUALS, & and !& compare integers, so without a usable value the clause cannot be evaluated.",
    "Give the clause the value to compare with (an integer for the numeric operators).",
);

/// EM101: IIF whose condition reads an attribute that may be null.
pub static IIF_NULLABLE_CONDITION: Lint = warning(
    "EM101",
    "iif-nullable-condition",
    "IIF condition reads an attribute that may be null",
    "Microsoft's function reference says IIF fails when an attribute read in its condition is null or empty, so the mapping errors for every object without a value. The HR-provisioning, SuccessFactors and Cloud Sync pages disagree for presence tests (Microsoft's own Cloud Sync defaults use `IIF(IsPresent([x]), ...)`), so an attribute only tested with IsPresent, IsNull or IsNullOrEmpty is not reported.",
    "Make the condition a presence test (`IIF(IsPresent([country]), [country], \"Other\")`), or use Switch with a \"\" key, e.g. `Switch([country], [country], \"\", \"Other\")`. A nested IIF does not help: IIF evaluates both branches.",
);

/// EM102: IsPresent/IsNull/IsNullOrEmpty as Switch's source.
pub static SWITCH_PRESENCE_SOURCE: Lint = warning(
    "EM102",
    "switch-presence-source",
    "IsPresent, IsNull or IsNullOrEmpty as Switch's source",
    "Microsoft's docs caution against these as Switch's source: Switch then compares the text \"True\"/\"False\" case-sensitively, which is easy to get wrong.",
    "Switch on the attribute itself and catch missing values with a \"\" key: `Switch([x], [x], \"\", \"Default\")`.",
);

/// EM103: Guid(), RandomString() or Now() on an Always mapping.
pub static NON_DETERMINISTIC_ALWAYS: Lint = warning(
    "EM103",
    "non-deterministic-always",
    "Guid(), RandomString() or Now() on an Always mapping",
    "These functions give a new value at every evaluation, so an Always mapping never converges and Entra updates the object every cycle.",
    "Set `apply: on-create` (\"Only during object creation\") on this row.",
);

/// EM104: a Switch over a Boolean whose keys can never match.
pub static SWITCH_BOOLEAN_KEYS: Lint = warning(
    "EM104",
    "switch-boolean-keys",
    "Switch over a Boolean with keys that never match",
    "Entra renders Booleans such as IsSoftDeleted as \"True\"/\"False\" and Switch compares keys case-sensitively, so other keys (\"false\", \"true\") never match and the default is used, often nothing at all.",
    "Write the keys as \"True\" and \"False\"; lowercase only the values if the app needs lowercase.",
);

/// EM105: a Boolean target fed something that is not True/False.
pub static BOOLEAN_TARGET_NON_BOOLEAN: Lint = warning(
    "EM105",
    "boolean-target-non-boolean",
    "Boolean target fed by a value that may not be True/False",
    "The target attribute is Boolean, and a value other than True/False is rejected by the app or stored differently from what Entra sent, so it is re-sent every cycle.",
    "Make every branch yield \"True\" or \"False\" (e.g. `Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")`), or map a Boolean source.",
);

/// EM106: a mapped attribute the vendor does not store.
pub static VENDOR_NOT_STORED: Lint = warning(
    "EM106",
    "vendor-not-stored",
    "Mapped attribute is not stored by the app",
    "The app does not store or return this attribute, so Entra sees a difference at every evaluation and PATCHes it every cycle.",
    "Remove the row, or set `apply: on-create` so the value is only sent when the object is created.",
);

/// EM107: a default value on an Always mapping.
pub static DEFAULT_ON_ALWAYS: Lint = warning(
    "EM107",
    "default-on-always",
    "Default value on an Always mapping applies on create only",
    "Entra sends \"Default value if null\" only when it creates the object, never on update, so values that become empty later are not filled.",
    "Put the default in the expression, e.g. `Switch([jobTitle], [jobTitle], \"\", \"Default\")` (the \"\"-key form of Microsoft's `Switch(IsPresent([jobTitle]), ...)` workaround).",
);

/// EM108: appRoleAssignments mapped directly.
pub static DIRECT_APP_ROLE_ASSIGNMENTS: Lint = warning(
    "EM108",
    "direct-app-role-assignments",
    "appRoleAssignments mapped directly",
    "appRoleAssignments is a complex reference; Entra's docs say to map it through a role function, never directly.",
    "Use `AppRoleAssignmentsComplex([appRoleAssignments])` (or SingleAppRoleAssignment, AssertiveAppRoleAssignmentsComplex) to a `roles` target.",
);

/// EM109: manager read inside an expression.
pub static MANAGER_EXPRESSION: Lint = warning(
    "EM109",
    "manager-expression",
    "manager used inside an expression",
    "manager is a reference Entra resolves to the manager's id in the app only when mapped directly; Switch and other functions must not be used on reference attributes.",
    "Map `manager` directly (source: manager) to a Reference target attribute.",
);

/// EM110: a scoping clause on an attribute Entra cannot filter on.
pub static SCOPE_ATTRIBUTE_NOT_ALLOWED: Lint = warning(
    "EM110",
    "scope-attribute-not-allowed",
    "Scoping clause on an attribute Entra cannot scope on",
    "Entra's scoping filters cannot evaluate appRoleAssignments, manager, userType, group members or multi-valued attributes, so the clause does not select what it says.",
    "Scope on a single-valued attribute, or use assignment to the app instead.",
);

/// EM113: a function name spelled differently from Microsoft's reference.
pub static FUNCTION_NAME_CASE: Lint = warning(
    "EM113",
    "function-name-case",
    "Function name differs in case from Microsoft's reference",
    "Entra accepts function names in any case, but other spellings make mappings harder to review and search against the docs.",
    "Write the function name as Microsoft's reference spells it.",
);

/// EM114: any other warning of the expression compiler.
pub static EXPRESSION_WARNING: Lint = warning(
    "EM114",
    "expression-warning",
    "Suspicious expression",
    "The expression compiler found something Entra accepts but that often does not do what was meant.",
    "Adjust the expression as the message says.",
);

/// EM115: a unary scoping operator with a value (a binary one without is EM016).
pub static SCOPE_OPERAND_MISMATCH: Lint = warning(
    "EM115",
    "scope-operand-mismatch",
    "Scoping clause value does not fit its operator",
    "IS NULL, IS NOT NULL, IS TRUE and IS FALSE take no value, so the value is ignored and the clause may not test what was meant.",
    "Remove the value from the unary clause, or use an operator that compares with it.",
);

/// EM120: a multi-valued source attribute mapped directly to a single-valued target.
pub static MULTI_VALUED_TO_SINGLE_VALUED: Lint = warning(
    "EM120",
    "multi-valued-to-single-valued",
    "Multi-valued source into a single-valued target",
    "A user with more than one value fails with SchemaPropertyCanOnlyAcceptValue (howto-analyze-provisioning-logs.md) and is not provisioned, at every cycle.",
    "Pick one value with an expression such as `Item([proxyAddresses], 1)`, or declare the target `multi_valued: true` if the app accepts several.",
);

/// EM116: a function or macro only Cloud Sync documents.
pub static CLOUD_SYNC_ONLY: Lint = warning(
    "EM116",
    "cloud-sync-only",
    "Function or macro documented only for Cloud Sync",
    "Trim, Error and %DomainFQDN%-style macros are in Cloud Sync's expression reference and Microsoft's Cloud Sync schemas, not in the app provisioning reference; a macro has no value outside Cloud Sync's on-premises agent.",
    "Use the provisioning reference's functions where one does the job (Replace with a regex instead of Trim, DefaultDomain() instead of %DomainFQDN%), or test the mapping in the job's expression builder.",
);

/// EM117: FormatDateTime with three arguments.
pub static FORMAT_DATETIME_THREE_ARGUMENTS: Lint = warning(
    "EM117",
    "format-datetime-three-arguments",
    "FormatDateTime with three arguments",
    "Microsoft's reference has four slots (source, dateTimeStyles, inputFormat, outputFormat); its own 3-argument example was fixed as wrong (MicrosoftDocs/entra-docs#69).",
    "Leave the dateTimeStyles slot empty: `FormatDateTime([x], , \"inputFormat\", \"outputFormat\")`.",
);

/// EM118: Replace whose arguments fit no documented form.
pub static REPLACE_UNDOCUMENTED_FORM: Lint = warning(
    "EM118",
    "replace-undocumented-form",
    "Replace arguments fit none of its documented forms",
    "Replace picks its mode from which of its seven slots are filled; arguments outside the documented combinations are ignored, so `Replace([x], \"a\", \"b\")` does not replace a with b.",
    "Fill exactly one documented combination, e.g. `Replace([x], \"a\", , , \"b\", , )`.",
);

/// EM119: SingleAppRoleAssignment, which picks an arbitrary role among several.
pub static SINGLE_APP_ROLE_SEVERAL: Lint = warning(
    "EM119",
    "single-app-role-several",
    "SingleAppRoleAssignment with users who may hold several roles",
    "Microsoft documents no guarantee which role is provisioned when a user has several assignments (and the field has reported an error instead).",
    "Assign one role per user, or map AppRoleAssignmentsComplex([appRoleAssignments]) to roles.",
);

/// EM121: a row writing the app's primary key `id`.
pub static PRIMARY_KEY_TARGET: Lint = warning(
    "EM121",
    "primary-key-target",
    "The primary key `id` as a target attribute",
    "customize-application-attributes.md (\"What you should know\"): the primary key, typically `id`, shouldn't be a target attribute; the app assigns it, and Entra links objects by it.",
    "Remove the row; map the source's identifier to `externalId` (or another attribute the app keeps) instead.",
);

/// EM122: a custom extension attribute declared multi-valued or as a reference.
pub static CUSTOM_ATTRIBUTE_SHAPE: Lint = warning(
    "EM122",
    "custom-attribute-shape",
    "Custom extension attribute that is multi-valued or a reference",
    "customize-application-attributes.md (\"Provisioning a custom extension attribute\"): custom attributes can't be referential, multi-value or complex-typed; only gallery apps support custom multi-valued and complex extension attributes.",
    "Make the attribute single-valued text (join several values with an expression), or use a core or enterprise attribute that has the shape.",
);

/// Every lint, errors first, in code order.
pub static LINTS: &[&Lint] = &[
    &UNREADABLE_FILE,
    &EXPRESSION_ERROR,
    &UNKNOWN_SOURCE_ATTRIBUTE,
    &UNKNOWN_TARGET_ATTRIBUTE,
    &REQUIRED_TARGET_UNMAPPED,
    &MATCHING_NOT_FILTERABLE,
    &MATCHING_MULTI_VALUED,
    &DUPLICATE_TARGET,
    &SELECT_UNIQUE_VALUE_UNSUPPORTED,
    &SELECT_UNIQUE_VALUE_MATCHING,
    &SELECT_UNIQUE_VALUE_ALWAYS,
    &AMBIGUOUS_MAPPING_TYPE,
    &NO_MATCHING_ATTRIBUTE,
    &DUPLICATE_ATTRIBUTE_DEFINITION,
    &UNKNOWN_SCOPE_OPERATOR,
    &SCOPE_REGEX_INVALID,
    &SCOPE_OPERAND_INVALID,
    &IIF_NULLABLE_CONDITION,
    &SWITCH_PRESENCE_SOURCE,
    &NON_DETERMINISTIC_ALWAYS,
    &SWITCH_BOOLEAN_KEYS,
    &BOOLEAN_TARGET_NON_BOOLEAN,
    &VENDOR_NOT_STORED,
    &DEFAULT_ON_ALWAYS,
    &DIRECT_APP_ROLE_ASSIGNMENTS,
    &MANAGER_EXPRESSION,
    &SCOPE_ATTRIBUTE_NOT_ALLOWED,
    &FUNCTION_NAME_CASE,
    &EXPRESSION_WARNING,
    &SCOPE_OPERAND_MISMATCH,
    &CLOUD_SYNC_ONLY,
    &FORMAT_DATETIME_THREE_ARGUMENTS,
    &REPLACE_UNDOCUMENTED_FORM,
    &SINGLE_APP_ROLE_SEVERAL,
    &MULTI_VALUED_TO_SINGLE_VALUED,
    &PRIMARY_KEY_TARGET,
    &CUSTOM_ATTRIBUTE_SHAPE,
];

/// The lint table as Markdown (`entramap check --lints`): code, name, severity, what it
/// detects, why and fix, for documentation.
pub fn markdown() -> String {
    let mut out = String::from(
        "| Code | Name | Severity | Detects | Why | Fix |\n|---|---|---|---|---|---|\n",
    );
    for l in LINTS {
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            l.code,
            l.name,
            l.severity.as_str(),
            cell(l.summary),
            cell(l.why),
            cell(l.fix)
        ));
    }
    out
}

/// The lint table as JSON (`check --lints --format json`): an array with one object per lint,
/// in code order, with the keys a finding of `check --format json` uses for the same facts
/// (`code`, `name`, `severity`, `why`, `fix`) and `summary`, what it detects.
pub fn json() -> serde_json::Value {
    LINTS
        .iter()
        .map(|l| {
            serde_json::json!({
                "code": l.code,
                "name": l.name,
                "severity": l.severity.as_str(),
                "summary": l.summary,
                "why": l.why,
                "fix": l.fix,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_severity_follows_the_code() {
        for (i, a) in LINTS.iter().enumerate() {
            assert_eq!(a.code.len(), 5, "{}", a.code);
            let expected = if a.code.starts_with("EM0") {
                CheckSeverity::Error
            } else {
                CheckSeverity::Warning
            };
            assert_eq!(a.severity, expected, "{}", a.code);
            for b in &LINTS[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
            assert!(a.why.ends_with('.') && a.fix.ends_with('.'), "{}", a.code);
        }
    }
}
