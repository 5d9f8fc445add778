//! The provisioning simulator's pure foundations: scoping (every operator of
//! docs/mapping-model.md §4.3), IsSoftDeleted (§5.2), and projecting a source object through a
//! mapping into the values and POST body Entra sends (docs/scim-wire.md E6, §7).

use entramap::load;
use entramap::model::sample::sample_user;
use entramap::model::source::Record;
use entramap::provision::project::{CompiledMapping, Flow};
use entramap::provision::scope::{compile_scope, in_scope, is_soft_deleted};
use entramap::provision::target::ResourceKind;
use serde_json::{Value as Json, json};

#[path = "support/mapping.rs"]
mod mapping;
use mapping::{ctx, users};

#[path = "support/common.rs"]
mod common;
use common::run_cases;

fn record(value: Json) -> Record {
    Record::from_json(&value).unwrap()
}

/// Whether one clause `a <op> [value]` holds for a user whose `a` is `attr` (absent for None).
fn holds(op: &str, value: Option<&str>, attr: Option<Json>) -> bool {
    let operand = value.map_or(String::new(), |v| format!(", value: '{v}'"));
    let mapping = users(&format!(
        "  scope:\n    - clauses:\n        - {{attribute: a, operator: '{op}'{operand}}}\n  mappings: []\n"
    ));
    let filters = compile_scope(&mapping.scope).unwrap();
    let user = match attr {
        Some(v) => record(json!({ "a": v })),
        None => record(json!({})),
    };
    in_scope(&filters, &user)
}

/// One line of tests/data/scope/operators.jsonl: a clause, the user's value, and whether the
/// clause holds.
struct OperatorCase {
    /// The behaviour the line's group proves, and where the line is.
    id: String,
    op: String,
    value: Option<String>,
    /// The user's `a`; `None`: absent.
    a: Option<Json>,
    holds: bool,
}

/// The cases of tests/data/scope/operators.jsonl, each named by the `# group` line above it.
fn operator_cases() -> Vec<OperatorCase> {
    let name = "tests/data/scope/operators.jsonl";
    let text = std::fs::read_to_string(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut group = None;
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let at = format!("{name}:{}", i + 1);
        if let Some(comment) = line.strip_prefix("# ") {
            // A group starts with the snake_case name of what it proves.
            let word = comment.split(' ').next().unwrap_or_default();
            if word.contains('_') && word.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                group = Some(word.to_owned());
            }
            continue;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let case: Json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{at}: {e}"));
        let group = group
            .as_ref()
            .unwrap_or_else(|| panic!("{at}: no `# group` line above"));
        cases.push(OperatorCase {
            id: format!("{group} ({at})"),
            op: case["op"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: no op"))
                .to_owned(),
            value: case.get("value").map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{at}: value is not text"))
                    .to_owned()
            }),
            a: case.get("a").cloned(),
            holds: case["holds"]
                .as_bool()
                .unwrap_or_else(|| panic!("{at}: holds is not true or false")),
        });
    }
    cases
}

// ---------------------------------------------------------------- scoping operators

/// Every operator on a matching value, a different one, an absent or empty one and (for the
/// comparisons) text: the table is tests/data/scope/operators.jsonl.
#[test]
fn each_scoping_clause_holds_as_the_operators_rule_says() {
    let ran = run_cases(
        &operator_cases(),
        |c| c.id.as_str(),
        |case| {
            let got = holds(&case.op, case.value.as_deref(), case.a.clone());
            assert_eq!(
                got, case.holds,
                "{} {:?} on {:?}",
                case.op, case.value, case.a
            );
        },
    );
    assert_eq!(ran, 51);
}

#[test]
fn bad_clauses_fail_to_compile_with_the_filter_and_clause_named() {
    let bad = |clause: &str| {
        let m = users(&format!(
            "  scope:\n    - name: Sales\n      clauses:\n        - {clause}\n  mappings: []\n"
        ));
        compile_scope(&m.scope).unwrap_err().to_string()
    };
    let e = bad("{attribute: a, operator: LIKE, value: x}");
    assert!(
        e.contains("`Sales`") && e.contains("unknown operator `LIKE`"),
        "{e}"
    );
    assert!(bad("{attribute: a, operator: EQUALS}").contains("needs a value"));
    assert!(bad("{attribute: a, operator: Greater_Than, value: ten}").contains("not one"));
    assert!(bad("{attribute: a, operator: REGEX MATCH, value: '('}").contains("regular"));
}

#[test]
fn clauses_are_anded_within_a_filter_and_filters_ored() {
    let m = users(
        "  scope:
    - clauses:
        - {attribute: department, operator: EQUALS, value: Sales}
        - {attribute: country, operator: EQUALS, value: SE}
    - clauses:
        - {attribute: jobTitle, operator: EQUALS, value: CEO}
  mappings: []
",
    );
    let f = compile_scope(&m.scope).unwrap();
    let both = record(json!({"department": "Sales", "country": "SE"}));
    let one = record(json!({"department": "Sales", "country": "NO"}));
    let ceo = record(json!({"department": "Board", "jobTitle": "CEO"}));
    let none = record(json!({"department": "Board"}));
    assert!(in_scope(&f, &both));
    assert!(!in_scope(&f, &one));
    assert!(in_scope(&f, &ceo));
    assert!(!in_scope(&f, &none));
}

#[test]
fn no_filters_means_everything_is_in_scope() {
    assert!(in_scope(&[], &record(json!({}))));
}

#[test]
fn is_soft_deleted_truth_table() {
    for assigned in [true, false] {
        for scoped in [true, false] {
            for deleted in [true, false] {
                for enabled in [None, Some(true), Some(false)] {
                    let expected = !assigned || !scoped || deleted || enabled == Some(false);
                    assert_eq!(
                        is_soft_deleted(assigned, scoped, deleted, enabled),
                        expected,
                        "{assigned} {scoped} {deleted} {enabled:?}"
                    );
                }
            }
        }
    }
    assert!(!is_soft_deleted(true, true, false, Some(true)));
    assert!(is_soft_deleted(true, true, false, Some(false)));
}

// ---------------------------------------------------------------- projection

fn default_mapping() -> CompiledMapping {
    let loaded = load::read(std::path::Path::new("mappings/scim-default.yaml")).unwrap();
    CompiledMapping::compile(&loaded.file.users).unwrap()
}

#[test]
fn default_mapping_posts_the_sample_user_in_entras_shape() {
    let mapping = default_mapping();
    let user = sample_user();
    let projection = mapping.project(&user, &ctx(), Flow::Create).unwrap();
    let body = Json::Object(projection.post_body(ResourceKind::User));
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys[0], "schemas");
    assert_eq!(keys.last(), Some(&"meta"));
    assert_eq!(
        body["schemas"],
        json!([
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ])
    );
    assert_eq!(
        body["userName"],
        "zoe.celik-angstrom@contoso.onmicrosoft.com"
    );
    assert_eq!(body["active"], json!(true));
    assert_eq!(body["displayName"], "Zoë Çelik-Ångström");
    assert_eq!(
        body["emails"],
        json!([{"primary": true, "type": "work", "value": "Zoe.Celik-Angstrom@contoso.com"}])
    );
    assert_eq!(
        body["name"],
        json!({"givenName": "Zoë", "familyName": "Çelik-Ångström", "formatted": "Zoë Çelik-Ångström"})
    );
    assert_eq!(
        body["addresses"],
        json!([{"type": "work", "locality": "Göteborg", "country": "SE"}])
    );
    assert_eq!(
        body["phoneNumbers"],
        json!([
            {"type": "work", "value": "+46 31 123 45 67"},
            {"type": "mobile", "value": "+46 70 123 45 67"}
        ])
    );
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"employeeNumber": "00012345", "department": "Platform Engineering"})
    );
    assert_eq!(body["meta"], json!({"resourceType": "User"}));
    assert_eq!(body["externalId"], "zcelik");
    assert!(!body.to_string().contains("null"));
    assert!(!body.to_string().contains("manager"));
}

#[test]
fn default_mapping_posts_a_small_user_as_exact_json() {
    let mapping = default_mapping();
    let user = record(json!({
        "objectId": "u1",
        "userPrincipalName": "ann@contoso.com",
        "mail": "Ann.Lee@contoso.com",
        "givenName": "Ann",
        "surname": "Lee",
        "displayName": "Ann Lee",
        "mailNickname": "alee",
        "IsSoftDeleted": "False",
    }));
    let projection = mapping.project(&user, &ctx(), Flow::Create).unwrap();
    let body = serde_json::to_string(&projection.post_body(ResourceKind::User)).unwrap();
    assert_eq!(
        body,
        concat!(
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","#,
            r#""urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"#,
            r#""userName":"ann@contoso.com","active":true,"displayName":"Ann Lee","#,
            r#""emails":[{"primary":true,"type":"work","value":"Ann.Lee@contoso.com"}],"#,
            r#""name":{"givenName":"Ann","familyName":"Lee","formatted":"Ann Lee"},"#,
            r#""externalId":"alee","meta":{"resourceType":"User"}}"#
        )
    );
}

#[test]
fn active_text_that_is_not_a_boolean_stays_a_string() {
    let m = CompiledMapping::compile(&users(
        "  mappings:\n    - {target: active, constant: maybe}\n    - {target: userName, constant: x}\n",
    ))
    .unwrap();
    let p = m.project(&record(json!({})), &ctx(), Flow::Create).unwrap();
    let body = p.post_body(ResourceKind::User);
    assert_eq!(body["active"], json!("maybe"));
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
}

#[test]
fn custom_extension_is_an_object_but_not_listed_in_schemas() {
    let m = CompiledMapping::compile(&users(
        "  mappings:
    - {target: userName, source: userPrincipalName}
    - {target: 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User:costCenter', source: cc}
",
    ))
    .unwrap();
    let user = record(json!({"userPrincipalName": "a@b.c", "cc": "CC-1"}));
    let body = m
        .project(&user, &ctx(), Flow::Create)
        .unwrap()
        .post_body(ResourceKind::User);
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:contoso:1.0:User"],
        json!({"costCenter": "CC-1"})
    );
}

#[test]
fn group_post_has_core_group_schema_and_never_members() {
    let loaded = load::read(std::path::Path::new("mappings/scim-default.yaml")).unwrap();
    let m = CompiledMapping::compile(loaded.file.groups.as_ref().unwrap()).unwrap();
    let group = record(json!({"objectId": "g1", "displayName": "Sales", "members": ["u1", "u2"]}));
    let p = m.project(&group, &ctx(), Flow::Create).unwrap();
    assert_eq!(p.members, Some(vec!["u1".to_string(), "u2".to_string()]));
    assert_eq!(
        serde_json::to_string(&p.post_body(ResourceKind::Group)).unwrap(),
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","externalId":"g1","meta":{"resourceType":"Group"}}"#
    );
}

const FLOWS: &str = "  mappings:
    - {target: userName, source: userPrincipalName, match: 2}
    - {target: externalId, source: objectId, match: 1, apply: on-create}
    - {target: title, source: jobTitle, default: Staff}
    - {target: locale, expression: 'IgnoreFlowIfNullOrEmpty([preferredLanguage])', default: en-US}
    - {target: nickName, default: Nick}
    - {target: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', source: manager}
";

fn targets(p: &entramap::provision::project::Projection<'_>) -> Vec<String> {
    p.entries.iter().map(|e| e.target.to_string()).collect()
}

#[test]
fn defaults_apply_on_create_only() {
    let m = CompiledMapping::compile(&users(FLOWS)).unwrap();
    let user = record(json!({"objectId": "u1", "userPrincipalName": "a@b.c"}));
    let create = m.project(&user, &ctx(), Flow::Create).unwrap();
    assert_eq!(
        targets(&create),
        ["userName", "externalId", "title", "nickName"]
    );
    assert_eq!(create.entries[2].value, json!("Staff"));
    assert_eq!(create.entries[3].value, json!("Nick"));
    let update = m.project(&user, &ctx(), Flow::Update).unwrap();
    assert_eq!(targets(&update), ["userName"]);
}

#[test]
fn on_create_rows_are_absent_on_update() {
    let m = CompiledMapping::compile(&users(FLOWS)).unwrap();
    let user = record(json!({"objectId": "u1", "userPrincipalName": "a@b.c", "jobTitle": "Dev"}));
    let update = m.project(&user, &ctx(), Flow::Update).unwrap();
    assert_eq!(targets(&update), ["userName", "title"]);
    let create = m.project(&user, &ctx(), Flow::Create).unwrap();
    assert!(targets(&create).contains(&"externalId".to_string()));
}

#[test]
fn ignore_flow_if_null_or_empty_drops_the_row_even_its_default() {
    let m = CompiledMapping::compile(&users(FLOWS)).unwrap();
    let absent = record(json!({"userPrincipalName": "a@b.c", "preferredLanguage": ""}));
    let p = m.project(&absent, &ctx(), Flow::Create).unwrap();
    assert!(!targets(&p).contains(&"locale".to_string()));
    let present = record(json!({"userPrincipalName": "a@b.c", "preferredLanguage": "sv-SE"}));
    let p = m.project(&present, &ctx(), Flow::Update).unwrap();
    assert_eq!(
        p.entries
            .iter()
            .find(|e| e.target == "locale")
            .unwrap()
            .value,
        json!("sv-SE")
    );
}

#[test]
fn null_never_appears_in_entries_or_post_body() {
    let mapping = default_mapping();
    let user = record(json!({"userPrincipalName": "a@b.c", "IsSoftDeleted": "False", "mail": ""}));
    for flow in [Flow::Create, Flow::Update] {
        let p = mapping.project(&user, &ctx(), flow).unwrap();
        assert!(
            p.entries
                .iter()
                .all(|e| !e.value.is_null() && e.value != json!(""))
        );
        let body = Json::Object(p.post_body(ResourceKind::User)).to_string();
        assert!(!body.contains("null") && !body.contains("emails"), "{body}");
    }
}

#[test]
fn manager_is_kept_apart_as_the_source_object_id() {
    let m = CompiledMapping::compile(&users(FLOWS)).unwrap();
    let user = record(json!({"userPrincipalName": "a@b.c", "manager": "m-1"}));
    let p = m.project(&user, &ctx(), Flow::Create).unwrap();
    assert_eq!(p.manager.as_deref(), Some("m-1"));
    assert!(p.entries.iter().all(|e| !e.target.contains("manager")));
    let body = Json::Object(p.post_body(ResourceKind::User));
    assert!(!body.to_string().contains("manager"));
    // The mapping targets the enterprise extension, so its URN is listed even with no value.
    assert_eq!(
        body["schemas"][1],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    );
}

#[test]
fn matching_attributes_come_in_precedence_order_on_both_flows() {
    let m = CompiledMapping::compile(&users(FLOWS)).unwrap();
    let user = record(json!({"objectId": "u1", "userPrincipalName": "a@b.c"}));
    for flow in [Flow::Create, Flow::Update] {
        let p = m.project(&user, &ctx(), flow).unwrap();
        let got: Vec<(String, &str)> = p
            .matching
            .iter()
            .map(|(path, v)| (path.to_string(), v.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("externalId".to_string(), "u1"),
                ("userName".to_string(), "a@b.c")
            ]
        );
    }
    // A matching row without a value is skipped, not sent as an empty query.
    let p = m
        .project(
            &record(json!({"userPrincipalName": "a@b.c"})),
            &ctx(),
            Flow::Create,
        )
        .unwrap();
    assert_eq!(p.matching.len(), 1);
}

#[test]
fn an_evaluation_error_names_the_row() {
    let m = CompiledMapping::compile(&users(
        "  mappings:\n    - {target: userName, source: userPrincipalName}\n    - {target: displayName, expression: 'Item([proxyAddresses], 5)'}\n",
    ))
    .unwrap();
    let user = record(json!({"userPrincipalName": "a@b.c", "proxyAddresses": ["x"]}));
    match m.project(&user, &ctx(), Flow::Create) {
        Err(e) => {
            assert_eq!(e.target, "displayName");
            assert!(e.to_string().contains("`displayName`"), "{e}");
        }
        Ok(p) => panic!("expected an error, got {p:?}"),
    }
}

#[test]
fn compile_errors_name_the_row() {
    let e = CompiledMapping::compile(&users(
        "  mappings:\n    - {target: title, expression: 'Join('}\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("`title`"), "{e}");
    let e = CompiledMapping::compile(&users(
        "  mappings:\n    - {target: 'emails[type', source: mail}\n",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("invalid target path"), "{e}");
}

#[test]
fn every_shipped_mapping_compiles_and_projects_the_sample_user() {
    for entry in std::fs::read_dir("mappings").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let loaded = load::read(&path).unwrap();
        let objects = std::iter::once(&loaded.file.users).chain(loaded.file.groups.as_ref());
        for object in objects {
            let m = CompiledMapping::compile(object)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            compile_scope(&object.scope).unwrap();
            m.project(&sample_user(), &ctx(), Flow::Create)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}
