//! Every request example of Microsoft's SCIM tutorial ("Develop and plan provisioning for a
//! SCIM endpoint", use-scim-to-provision-users-and-groups.md, docs/scim-wire.md E2–E22),
//! reproduced by the simulator from matching inputs (`tests/data/tutorial/`): the same method,
//! the same path (ids aside) and the same body, compared as JSON.
//!
//! Where Microsoft's own pages disagree, the simulator follows the SCIM compatibility page,
//! which documents each dialect, and each test says where the tutorial's text differs:
//! `"roles": []` in "Create User" (sent only when a roles row exists), the
//! Microsoft-specific second schema in "Create Group" (fixed on 18 Dec 2018 per the
//! compatibility page), a JSON `false` in "Disable User" and `"$ref": null` in "Remove
//! Members" (the compatibility page gives `"False"` and no `$ref` without the flag).

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::load;
use entramap::model::mapping::Dialect;
use entramap::provision::cycle::{Recorded, Simulator};
use entramap::provision::directory;
use entramap::provision::target::ResourceKind;
use entramap::scim::url_decode;
use serde_json::{Value as Json, json};

#[path = "support/common.rs"]
mod common;
use common::run_cases;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tutorial");

/// Both cycles of the tutorial inputs in `dialect`, with the tutorial's existing account
/// preloaded.
fn run(dialect: Dialect) -> Vec<Recorded> {
    let loaded = load::read(&std::path::Path::new(DIR).join("mapping.yaml")).expect("mapping");
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    let mut sim = Simulator::new(&loaded.file, dialect, Context::new(now, 0)).expect("compiles");
    let target = preloaded_target();
    for user in target["users"].as_array().expect("users") {
        sim.preload(ResourceKind::User, user.as_object().expect("map").clone())
            .expect("preloads");
    }
    let mut out = Vec::new();
    for (n, file) in [(1, "cycle1.yaml"), (2, "cycle2.yaml")] {
        let path = std::path::Path::new(DIR).join(file);
        let snapshot = directory::read(&path).expect("snapshot");
        let failures = sim.run_cycle(&snapshot, n, &mut |r| out.push(r.record()));
        assert!(failures.is_empty(), "{failures:?}");
    }
    out
}

/// `tests/data/tutorial/target.yaml` as JSON (read through the crate's own document parser).
fn preloaded_target() -> Json {
    let path = std::path::Path::new(DIR).join("target.yaml");
    let text = std::fs::read_to_string(&path).expect("target file");
    entramap::input::parse_document("target.yaml", &text).expect("valid YAML")
}

/// The one request of `object` with `action` in `cycle`.
fn find<'a>(reqs: &'a [Recorded], cycle: u32, object: &str, action: &str) -> &'a Recorded {
    let found: Vec<&Recorded> = reqs
        .iter()
        .filter(|r| r.cycle == cycle && r.object == object && r.action.as_str() == action)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{action} of {object} in cycle {cycle}: {found:#?}"
    );
    found[0]
}

/// The path as the tutorial writes it: query decoded, and the object's id replaced by `{id}`.
fn documented_path(r: &Recorded) -> String {
    let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
    let mut segments: Vec<&str> = path.split('/').collect();
    if segments.len() == 3 {
        segments[2] = "{id}";
    }
    let path = segments.join("/");
    if query.is_empty() {
        path
    } else {
        let decoded = url_decode(&query.replace('+', " ")).expect("a well-formed query");
        format!("{path}?{decoded}")
    }
}

const CREATED: &str = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
const MULTI: &str = "6764549b-ef60-4206-86bc-000000000002";
const DISABLED: &str = "5171a35d-8207-4e06-8ce2-000000000003";
const DELETED: &str = "5171a35d-8207-4e06-8ce2-000000000004";
const EXISTING: &str = "7fce0092-d52e-4f76-b727-3955bd72c939";
const GROUP: &str = "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159";
const GONE_GROUP: &str = "cdb1ce18-f659-4407-9d37-000000000002";

/// One request example of the tutorial, and the simulator's request that must match it.
struct Example {
    /// What the case proves (the tutorial's example, and where the simulator differs).
    id: &'static str,
    dialect: Dialect,
    /// Which request: the `action` on `object` in `cycle` (exactly one).
    cycle: u32,
    object: &'static str,
    action: &'static str,
    /// The method and the documented path ([`documented_path`]), when the example shows them.
    request: Option<(&'static str, &'static str)>,
    /// The status the simulated app answers, when the example shows it.
    status: Option<u16>,
    /// The body.
    body: Body,
    /// Values in the response, by JSON pointer (`""`: the whole response); `None`: absent.
    response: Vec<(&'static str, Option<Json>)>,
}

/// What the request's body must be.
enum Body {
    /// Not shown by the example.
    Unchecked,
    /// No body at all.
    Bodiless,
    /// Exactly this JSON, where `{user}` stands for the id the app gave the created user.
    Exactly(Json),
}

/// A PatchOp body with `operations`.
fn patch(operations: Json) -> Body {
    Body::Exactly(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations
    }))
}

fn examples() -> Vec<Example> {
    let example = |id, cycle, object, action| Example {
        id,
        dialect: Dialect::Legacy,
        cycle,
        object,
        action,
        request: None,
        status: None,
        body: Body::Unchecked,
        response: vec![],
    };
    // The tutorial's "Create User" body lists `"roles": []`, sent only when a roles row
    // exists; the mapping has none.
    let mut create_user = json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
        "active": true,
        "emails": [{
            "primary": true,
            "type": "work",
            "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
        }],
        "meta": {
            "resourceType": "User"
        },
        "name": {
            "formatted": "givenName familyName",
            "familyName": "familyName",
            "givenName": "givenName"
        },
        "roles": []
    });
    create_user
        .as_object_mut()
        .and_then(|o| o.remove("roles"))
        .expect("the tutorial's empty roles");
    // The tutorial's "Create Group" lists a second, Microsoft-specific schema, which Entra
    // stopped sending on 18 Dec 2018 (the compatibility page).
    let mut create_group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {
            "resourceType": "Group"
        }
    });
    create_group["schemas"]
        .as_array_mut()
        .expect("schemas")
        .truncate(1);
    vec![
        Example {
            request: Some((
                "GET",
                r#"/Users?filter=userName eq "Test_User_existing@testuser.com""#,
            )),
            response: vec![
                ("/totalResults", Some(json!(1))),
                ("/Resources/0/id", Some(json!("2441309d85324e7793ae"))),
            ],
            ..example(
                "get_user_by_query_finds_the_existing_account",
                1,
                EXISTING,
                "match",
            )
        },
        // The tutorial's body, but `itemsPerPage` counts this page (RFC 7644 §3.4.2) where
        // the tutorial shows a page size of 20.
        Example {
            request: Some((
                "GET",
                r#"/Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee""#,
            )),
            status: Some(200),
            response: vec![(
                "",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": 0,
                    "Resources": [],
                    "startIndex": 1,
                    "itemsPerPage": 0
                })),
            )],
            ..example(
                "get_user_by_query_zero_results_is_200_with_an_empty_list",
                1,
                CREATED,
                "match",
            )
        },
        Example {
            request: Some(("POST", "/Users")),
            status: Some(201),
            body: Body::Exactly(create_user),
            ..example(
                "create_user_sends_the_tutorials_body_without_the_empty_roles",
                1,
                CREATED,
                "create",
            )
        },
        Example {
            request: Some(("GET", "/Users/{id}")),
            status: Some(200),
            body: Body::Bodiless,
            ..example("get_user_reads_a_linked_user_by_id", 2, MULTI, "read")
        },
        Example {
            request: Some(("PATCH", "/Users/{id}")),
            status: Some(200),
            body: patch(json!([{
                "op": "Replace",
                "path": "userName",
                "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
            }])),
            ..example(
                "update_user_single_valued_is_one_replace",
                2,
                CREATED,
                "update",
            )
        },
        Example {
            body: patch(json!([
                {
                    "op": "Replace",
                    "path": "emails[type eq \"work\"].value",
                    "value": "updatedEmail@microsoft.com"
                },
                {
                    "op": "Replace",
                    "path": "name.familyName",
                    "value": "updatedFamilyName"
                }
            ])),
            ..example(
                "update_user_multi_valued_is_one_replace_per_attribute",
                2,
                MULTI,
                "update",
            )
        },
        // The tutorial shows `"op": "Replace"` with a JSON `false`, a mix of the two dialects;
        // the compatibility page gives the string "False" without the flag and
        // `replace`/false with.
        Example {
            request: Some(("PATCH", "/Users/{id}")),
            body: patch(json!([{"op": "Replace", "path": "active", "value": "False"}])),
            ..example(
                "disable_user_is_replace_with_the_string_false_in_the_legacy_dialect",
                2,
                DISABLED,
                "disable",
            )
        },
        Example {
            dialect: Dialect::Compliant,
            body: patch(json!([{"op": "replace", "path": "active", "value": false}])),
            ..example(
                "disable_user_is_replace_with_a_json_false_in_the_compliant_dialect",
                2,
                DISABLED,
                "disable",
            )
        },
        Example {
            request: Some(("DELETE", "/Users/{id}")),
            status: Some(204),
            body: Body::Bodiless,
            ..example(
                "delete_user_is_a_bodiless_delete_answered_204",
                2,
                DELETED,
                "delete",
            )
        },
        Example {
            request: Some((
                "GET",
                r#"/Groups?excludedAttributes=members&filter=displayName eq "displayName""#,
            )),
            ..example(
                "get_group_by_display_name_excludes_members",
                1,
                GROUP,
                "match",
            )
        },
        Example {
            request: Some(("POST", "/Groups")),
            status: Some(201),
            body: Body::Exactly(create_group),
            ..example(
                "create_group_is_empty_and_lists_only_the_core_schema",
                1,
                GROUP,
                "create",
            )
        },
        // The tutorial's `"$ref": null` is what the legacy dialect sends.
        Example {
            request: Some(("PATCH", "/Groups/{id}")),
            status: Some(204),
            body: patch(json!([{
                "op": "Add",
                "path": "members",
                "value": [{
                    "$ref": null,
                    "value": "{user}"
                }]
            }])),
            ..example(
                "update_group_add_members_references_target_ids_with_a_null_ref",
                1,
                GROUP,
                "add-members",
            )
        },
        Example {
            request: Some(("GET", "/Groups/{id}?excludedAttributes=members")),
            response: vec![("/members", None)],
            ..example("get_group_reads_by_id_without_members", 2, GROUP, "read")
        },
        Example {
            status: Some(204),
            body: patch(json!([{
                "op": "Replace",
                "path": "displayName",
                "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
            }])),
            ..example(
                "update_group_non_member_attributes_is_a_replace_answered_204",
                2,
                GROUP,
                "update",
            )
        },
        // "Remove Members": the compatibility page gives a value list without the flag and a
        // filtered path with it (the tutorial's `"$ref": null` is not sent).
        Example {
            body: patch(
                json!([{"op": "Remove", "path": "members", "value": [{"value": "{user}"}]}]),
            ),
            ..example(
                "update_group_remove_members_is_a_value_list_in_the_legacy_dialect",
                2,
                GROUP,
                "remove-members",
            )
        },
        Example {
            dialect: Dialect::Compliant,
            body: patch(json!([{"op": "remove", "path": "members[value eq \"{user}\"]"}])),
            ..example(
                "update_group_remove_members_is_a_filtered_path_in_the_compliant_dialect",
                2,
                GROUP,
                "remove-members",
            )
        },
        Example {
            request: Some(("DELETE", "/Groups/{id}")),
            status: Some(204),
            ..example(
                "delete_group_is_a_bodiless_delete_answered_204",
                2,
                GONE_GROUP,
                "delete",
            )
        },
    ]
}

/// The id the app gave the created user in the first cycle.
fn created_user_id(reqs: &[Recorded]) -> String {
    find(reqs, 1, CREATED, "create").response.as_ref().unwrap()["id"]
        .as_str()
        .expect("the 201 answer carries an id")
        .to_owned()
}

/// Each example of the tutorial against the simulator's request: method, path, status,
/// body and response, as far as the example shows them.
#[test]
fn each_tutorial_example_is_the_request_the_simulator_sends() {
    let legacy = run(Dialect::Legacy);
    let compliant = run(Dialect::Compliant);
    let ran = run_cases(
        &examples(),
        |c| c.id,
        |example| {
            let reqs = match example.dialect {
                Dialect::Legacy => &legacy,
                _ => &compliant,
            };
            let r = find(reqs, example.cycle, example.object, example.action);
            if let Some((method, path)) = example.request {
                assert_eq!((r.method, documented_path(r).as_str()), (method, path));
            }
            if let Some(status) = example.status {
                assert_eq!(r.status, status, "status");
            }
            match &example.body {
                Body::Unchecked => {}
                Body::Bodiless => assert_eq!(r.body, None, "a body"),
                Body::Exactly(body) => {
                    let body: Json = serde_json::from_str(
                        &body.to_string().replace("{user}", &created_user_id(reqs)),
                    )
                    .unwrap();
                    assert_eq!(r.body, Some(body), "body");
                }
            }
            for (pointer, expected) in &example.response {
                let response = r.response.as_ref().expect("a response body");
                assert_eq!(
                    response.pointer(pointer),
                    expected.as_ref(),
                    "response at {pointer:?}: {response}"
                );
            }
        },
    );
    assert_eq!(ran, 17);
}

/// The existing account is linked and nothing differs: no create, no PATCH. It does not
/// change in cycle 2, so that incremental cycle does not evaluate it: not even a read by id
/// (how-provisioning-works.md, "Incremental cycles").
#[test]
fn the_existing_account_is_linked_and_then_left_alone() {
    let reqs = run(Dialect::Legacy);
    assert!(
        !reqs
            .iter()
            .any(|r| r.object == EXISTING && r.method != "GET")
    );
    assert!(!reqs.iter().any(|r| r.object == EXISTING && r.cycle == 2));
}

/// The 201 answer to "Create User" carries the new id, which every later request uses.
#[test]
fn the_created_users_id_is_the_one_later_requests_use() {
    let reqs = run(Dialect::Legacy);
    let id = created_user_id(&reqs);
    assert_eq!(find(&reqs, 2, CREATED, "read").path, format!("/Users/{id}"));
}

#[test]
fn the_tutorial_run_sends_nothing_else() {
    // Every request of the run is one of the examples above: the whole transcript, in order.
    let reqs = run(Dialect::Legacy);
    let actions: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {} {}", r.cycle, r.action.as_str(), &r.object[..8]))
        .collect();
    assert_eq!(
        actions,
        [
            "1 match 0a21f0f2",
            "1 create 0a21f0f2",
            "1 match 6764549b",
            "1 create 6764549b",
            "1 match 5171a35d",
            "1 create 5171a35d",
            "1 match 5171a35d",
            "1 create 5171a35d",
            "1 match 7fce0092",
            "1 match 8aa1a0c0",
            "1 create 8aa1a0c0",
            "1 match cdb1ce18",
            "1 create cdb1ce18",
            "1 add-members 8aa1a0c0",
            "2 read 0a21f0f2",
            "2 update 0a21f0f2",
            "2 read 6764549b",
            "2 update 6764549b",
            "2 read 5171a35d",
            "2 disable 5171a35d",
            "2 delete 5171a35d",
            "2 read 8aa1a0c0",
            "2 update 8aa1a0c0",
            "2 remove-members 8aa1a0c0",
            "2 delete cdb1ce18",
        ]
    );
}
