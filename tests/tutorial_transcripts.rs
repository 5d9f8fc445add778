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
use serde_json::{Value, json};

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
fn preloaded_target() -> Value {
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

#[test]
fn get_user_by_query_finds_the_existing_account_and_links_it() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 1, EXISTING, "match");
    assert_eq!(
        (r.method, documented_path(r).as_str()),
        (
            "GET",
            r#"/Users?filter=userName eq "Test_User_existing@testuser.com""#
        )
    );
    let response = r.response.as_ref().expect("a ListResponse");
    assert_eq!(response["totalResults"], 1);
    assert_eq!(response["Resources"][0]["id"], "2441309d85324e7793ae");
    // Linked, and nothing differs: no create, no PATCH. It does not change in cycle 2, so
    // that incremental cycle does not evaluate it: not even a read by id
    // (how-provisioning-works.md, "Incremental cycles").
    assert!(
        !reqs
            .iter()
            .any(|r| r.object == EXISTING && r.method != "GET")
    );
    assert!(!reqs.iter().any(|r| r.object == EXISTING && r.cycle == 2));
}

#[test]
fn get_user_by_query_zero_results_is_200_with_an_empty_list() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 1, CREATED, "match");
    assert_eq!(
        documented_path(r),
        r#"/Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee""#
    );
    // The tutorial's body, but `itemsPerPage` counts this page (RFC 7644 §3.4.2) where the
    // tutorial shows a page size of 20.
    assert_eq!(r.status, 200);
    assert_eq!(
        r.response,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0,
            "Resources": [],
            "startIndex": 1,
            "itemsPerPage": 0
        }))
    );
}

#[test]
fn create_user_sends_the_tutorials_body_without_the_empty_roles() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 1, CREATED, "create");
    assert_eq!(
        (r.method, r.path.as_str(), r.status),
        ("POST", "/Users", 201)
    );
    let mut documented = json!({
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
    documented
        .as_object_mut()
        .and_then(|o| o.remove("roles"))
        .expect("the tutorial's empty roles");
    assert_eq!(r.body.as_ref(), Some(&documented));
    // The 201 answer carries the new id, which every later request uses.
    let id = r
        .response
        .as_ref()
        .and_then(|b| b["id"].as_str())
        .expect("id");
    assert_eq!(find(&reqs, 2, CREATED, "read").path, format!("/Users/{id}"));
}

#[test]
fn get_user_reads_a_linked_user_by_id() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, MULTI, "read");
    assert_eq!(
        (r.method, documented_path(r).as_str()),
        ("GET", "/Users/{id}")
    );
    assert_eq!(r.body, None);
    assert_eq!(r.status, 200);
}

#[test]
fn update_user_single_valued_is_one_replace() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, CREATED, "update");
    assert_eq!(
        (r.method, documented_path(r).as_str()),
        ("PATCH", "/Users/{id}")
    );
    assert_eq!(
        r.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Replace",
                "path": "userName",
                "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
            }]
        }))
    );
    assert_eq!(r.status, 200);
}

#[test]
fn update_user_multi_valued_is_one_replace_per_attribute() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, MULTI, "update");
    assert_eq!(
        r.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
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
            ]
        }))
    );
}

#[test]
fn disable_user_follows_the_compatibility_page_in_each_dialect() {
    // The tutorial shows `"op": "Replace"` with a JSON `false`, a mix of the two dialects; the
    // compatibility page gives the string "False" without the flag and `replace`/false with.
    let legacy = run(Dialect::Legacy);
    let r = find(&legacy, 2, DISABLED, "disable");
    assert_eq!(
        (r.method, documented_path(r).as_str()),
        ("PATCH", "/Users/{id}")
    );
    assert_eq!(
        r.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
        }))
    );
    let compliant = run(Dialect::Compliant);
    let r = find(&compliant, 2, DISABLED, "disable");
    assert_eq!(
        r.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]
        }))
    );
}

#[test]
fn delete_user_is_a_bodiless_delete_answered_204() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, DELETED, "delete");
    assert_eq!(
        (r.method, documented_path(r).as_str(), r.status),
        ("DELETE", "/Users/{id}", 204)
    );
    assert_eq!(r.body, None);
}

#[test]
fn get_group_by_display_name_excludes_members() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 1, GROUP, "match");
    assert_eq!(
        documented_path(r),
        r#"/Groups?excludedAttributes=members&filter=displayName eq "displayName""#
    );
}

#[test]
fn create_group_is_empty_and_lists_only_the_core_schema() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 1, GROUP, "create");
    assert_eq!(
        (r.method, r.path.as_str(), r.status),
        ("POST", "/Groups", 201)
    );
    let mut documented = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {
            "resourceType": "Group"
        }
    });
    documented["schemas"]
        .as_array_mut()
        .expect("schemas")
        .truncate(1);
    assert_eq!(r.body.as_ref(), Some(&documented));
}

#[test]
fn update_group_add_members_references_target_ids_with_a_null_ref() {
    let reqs = run(Dialect::Legacy);
    let user_id = find(&reqs, 1, CREATED, "create").response.as_ref().unwrap()["id"].clone();
    let r = find(&reqs, 1, GROUP, "add-members");
    assert_eq!(
        (r.method, documented_path(r).as_str(), r.status),
        ("PATCH", "/Groups/{id}", 204)
    );
    assert_eq!(
        r.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Add",
                "path": "members",
                "value": [{
                    "$ref": null,
                    "value": user_id
                }]
            }]
        }))
    );
}

#[test]
fn get_group_reads_by_id_without_members() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, GROUP, "read");
    assert_eq!(
        (r.method, documented_path(r).as_str()),
        ("GET", "/Groups/{id}?excludedAttributes=members")
    );
    let response = r.response.as_ref().expect("the group");
    assert!(response.get("members").is_none(), "{response}");
}

#[test]
fn update_group_non_member_attributes_is_a_replace_answered_204() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, GROUP, "update");
    assert_eq!(r.status, 204);
    assert_eq!(
        r.body,
        Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{
                "op": "Replace",
                "path": "displayName",
                "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
            }]
        }))
    );
}

#[test]
fn update_group_remove_members_follows_the_compatibility_page_in_each_dialect() {
    for (dialect, expected) in [
        (
            Dialect::Legacy,
            json!({"op": "Remove", "path": "members", "value": [{"value": "ID"}]}),
        ),
        (
            Dialect::Compliant,
            json!({"op": "remove", "path": "members[value eq \"ID\"]"}),
        ),
    ] {
        let reqs = run(dialect);
        let user_id = find(&reqs, 1, CREATED, "create").response.as_ref().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = find(&reqs, 2, GROUP, "remove-members");
        let expected: Value =
            serde_json::from_str(&expected.to_string().replace("ID", &user_id)).unwrap();
        assert_eq!(
            r.body,
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [expected]
            })),
            "{dialect:?}"
        );
    }
}

#[test]
fn delete_group_is_a_bodiless_delete_answered_204() {
    let reqs = run(Dialect::Legacy);
    let r = find(&reqs, 2, GONE_GROUP, "delete");
    assert_eq!(
        (r.method, documented_path(r).as_str(), r.status),
        ("DELETE", "/Groups/{id}", 204)
    );
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
