//! The in-memory SCIM endpoint (`provision::target`): the requests of docs/scim-wire.md §2
//! (E-numbers) answered the way a server storing what the target schema says would.

use entramap::model::mapping::TargetAttribute;
use entramap::provision::target::{ResourceKind, Response, Target};
use entramap::scim::{ERROR_SCHEMA, LIST_RESPONSE_SCHEMA, Resource};
use serde_json::{Value as Json, json};

fn attributes(yaml: &str) -> Vec<TargetAttribute> {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// The default custom-app schema, trimmed to what these tests touch.
fn default_users() -> Vec<TargetAttribute> {
    attributes(
        r#"
- name: userName
  required: true
  filterable: true
- name: active
  type: Boolean
- name: displayName
- name: emails[type eq "work"].value
- name: name.givenName
- name: name.familyName
- name: externalId
"#,
    )
}

fn default_groups() -> Vec<TargetAttribute> {
    attributes(
        r#"
- name: displayName
  required: true
  filterable: true
- name: externalId
- name: members
  type: Reference
  multi_valued: true
"#,
    )
}

fn target() -> Target {
    Target::new(&default_users(), &default_groups())
}

fn send(t: &mut Target, method: &str, path: &str, body: Option<Json>) -> Response {
    t.handle(method, path, body.as_ref())
}

/// The user POST Entra sends (E6).
fn user_post(user_name: &str) -> Json {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "externalId": "0a21f0f2",
        "userName": user_name,
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Adele@Contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "Vance", "givenName": "Adele"}
    })
}

fn create(t: &mut Target, path: &str, body: Json) -> String {
    let r = send(t, "POST", path, Some(body));
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body.unwrap()["id"].as_str().unwrap().to_owned()
}

fn get(t: &mut Target, path: &str) -> Json {
    let r = send(t, "GET", path, None);
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body.unwrap()
}

fn patch(ops: Json) -> Json {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

fn assert_scim_error(r: &Response, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{:?}", r.body);
    let body = r.body.as_ref().expect("an error body");
    assert_eq!(body["schemas"], json!([ERROR_SCHEMA]));
    assert_eq!(body["status"], json!(status.to_string()));
    assert_eq!(body.get("scimType").and_then(Json::as_str), scim_type);
}

#[test]
fn test_connection_filter_on_random_value_is_200_empty_list() {
    let mut t = target();
    create(&mut t, "/Users", user_post("adele@contoso.com"));
    let list = get(
        &mut t,
        "/Users?filter=userName+eq+%22a8b1c2d3-0f6e-4c52-9a1b-3f0e2d4c5b6a%22",
    );
    assert_eq!(
        list,
        json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": 0,
            "Resources": [],
            "startIndex": 1,
            "itemsPerPage": 0
        })
    );
}

#[test]
fn post_then_filter_by_username_finds_it_case_insensitively_and_get_by_id_returns_it() {
    let mut t = target();
    let r = send(
        &mut t,
        "POST",
        "/Users",
        Some(user_post("adele@contoso.com")),
    );
    assert_eq!(r.status, 201);
    let created = r.body.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(r.location.as_deref(), Some(format!("/Users/{id}").as_str()));
    assert_eq!(
        created["meta"],
        json!({"resourceType": "User", "location": format!("/Users/{id}")})
    );
    // Server-owned keys first, then the body as sent.
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "schemas",
            "id",
            "externalId",
            "userName",
            "active",
            "emails",
            "meta",
            "name"
        ]
    );

    let list = get(
        &mut t,
        "/Users?filter=userName+eq+%22ADELE%40Contoso.com%22",
    );
    assert_eq!(list["totalResults"], json!(1));
    assert_eq!(list["itemsPerPage"], json!(1));
    assert_eq!(list["Resources"][0], created);

    // Filters the index cannot answer scan the store.
    let by_email = get(
        &mut t,
        "/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22adele%40contoso.com%22",
    );
    assert_eq!(by_email["Resources"][0]["id"], json!(id));
    let by_external = get(&mut t, "/Users?filter=externalId+eq+%220a21f0f2%22");
    assert_eq!(by_external["totalResults"], json!(1));

    assert_eq!(get(&mut t, &format!("/Users/{id}")), created);
    assert_eq!(
        t.get(ResourceKind::User, &id)
            .map(|r| Json::Object(r.clone())),
        Some(created)
    );
}

#[test]
fn duplicate_username_is_409_uniqueness() {
    let mut t = target();
    create(&mut t, "/Users", user_post("adele@contoso.com"));
    let r = send(
        &mut t,
        "POST",
        "/Users",
        Some(user_post("Adele@CONTOSO.com")),
    );
    assert_scim_error(&r, 409, Some("uniqueness"));
    assert_eq!(t.len(ResourceKind::User), 1);

    // A PATCH renaming another user onto a taken userName fails the same way.
    let other = create(&mut t, "/Users", user_post("alex@contoso.com"));
    let body = patch(json!([{"op": "Replace", "path": "userName", "value": "ADELE@contoso.com"}]));
    let r = send(&mut t, "PATCH", &format!("/Users/{other}"), Some(body));
    assert_scim_error(&r, 409, Some("uniqueness"));
    assert_eq!(
        t.get(ResourceKind::User, &other).unwrap()["userName"],
        json!("alex@contoso.com")
    );
}

#[test]
fn legacy_patch_disable_and_replace_work_email_change_the_stored_resource() {
    let mut t = target();
    let id = create(&mut t, "/Users", user_post("adele@contoso.com"));
    // E10, then E12 (legacy disable: `Operations` first, string "False").
    let body = patch(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Vance-Smith"},
        {"op": "Add", "path": "displayName", "value": "Adele Vance"}
    ]));
    let r = send(&mut t, "PATCH", &format!("/Users/{id}"), Some(body));
    assert_eq!(r.status, 200);
    let disable = json!({
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
    });
    let r = send(&mut t, "PATCH", &format!("/Users/{id}"), Some(disable));
    assert_eq!(r.status, 200);
    let user = get(&mut t, &format!("/Users/{id}"));
    assert_eq!(
        r.body.unwrap(),
        user,
        "the PATCH answer is what a GET returns"
    );
    assert_eq!(
        user["emails"],
        json!([{"primary": true, "type": "work", "value": "updated@contoso.com"}])
    );
    assert_eq!(user["name"]["familyName"], json!("Vance-Smith"));
    assert_eq!(user["displayName"], json!("Adele Vance"));
    // No `returns` rule: stored as sent, the string Entra's legacy dialect sends.
    assert_eq!(user["active"], json!("False"));
}

#[test]
fn compliant_patch_disable_and_merged_pathless_replace_change_the_stored_resource() {
    let mut t = target();
    let id = create(&mut t, "/Users", user_post("adele@contoso.com"));
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@contoso.com"},
            {"op": "replace", "value": {
                "active": false,
                "name.givenName": "Ada",
                "displayName": "Ada Vance",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Retail"
            }}
        ]
    });
    let r = send(&mut t, "PATCH", &format!("/Users/{id}"), Some(body));
    assert_eq!(r.status, 200, "{:?}", r.body);
    let user = get(&mut t, &format!("/Users/{id}"));
    assert_eq!(user["active"], json!(false));
    assert_eq!(user["emails"][0]["value"], json!("new@contoso.com"));
    assert_eq!(
        user["name"],
        json!({"familyName": "Vance", "givenName": "Ada"})
    );
    assert_eq!(user["displayName"], json!("Ada Vance"));
    assert_eq!(
        user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"department": "Retail"})
    );
    assert_eq!(user["meta"]["resourceType"], json!("User"));
}

#[test]
fn invalid_patch_is_400_with_scim_type_and_leaves_the_resource() {
    let mut t = target();
    let id = create(&mut t, "/Users", user_post("adele@contoso.com"));
    let before = get(&mut t, &format!("/Users/{id}"));
    let body = patch(json!([
        {"op": "Replace", "path": "displayName", "value": "x"},
        {"op": "Replace", "path": "phoneNumbers[type eq \"fax\"].value", "value": "1"}
    ]));
    let r = send(&mut t, "PATCH", &format!("/Users/{id}"), Some(body));
    assert_scim_error(&r, 400, Some("noTarget"));
    let r = send(
        &mut t,
        "PATCH",
        &format!("/Users/{id}"),
        Some(json!({"Operations": []})),
    );
    assert_scim_error(&r, 400, Some("invalidSyntax"));
    let body = patch(json!([{"op": "Replace", "path": "id", "value": "mine"}]));
    let r = send(&mut t, "PATCH", &format!("/Users/{id}"), Some(body));
    assert_scim_error(&r, 400, Some("mutability"));
    assert_eq!(get(&mut t, &format!("/Users/{id}")), before);
}

#[test]
fn stored_false_attribute_is_never_returned() {
    let users = attributes(
        r#"
- name: userName
- name: name.givenName
  vendor:
    stored: false
- name: emails[type eq "work"].value
  vendor:
    stored: false
- name: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
  vendor:
    stored: false
"#,
    );
    let mut t = Target::new(&users, &[]);
    let mut body = user_post("adele@contoso.com");
    body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({"department": "Retail"});
    let r = send(&mut t, "POST", "/Users", Some(body));
    let created = r.body.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    // The work email element held nothing else but its selector, `name` keeps familyName, the
    // emptied extension object is gone.
    assert_eq!(created.get("emails"), None);
    assert_eq!(created["name"], json!({"familyName": "Vance"}));
    assert_eq!(
        created.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
        None
    );

    let body = patch(json!([
        {"op": "Add", "path": "name.givenName", "value": "Ada"},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "a@contoso.com"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"}
    ]));
    let r = send(&mut t, "PATCH", &format!("/Users/{id}"), Some(body));
    assert_eq!(r.status, 200);
    let user = get(&mut t, &format!("/Users/{id}"));
    assert_eq!(user["name"], json!({"familyName": "Vance"}));
    assert_eq!(user.get("emails"), None);
    let found = get(&mut t, "/Users?filter=name.givenName+eq+%22Ada%22");
    assert_eq!(found["totalResults"], json!(0));
}

#[test]
fn returns_lowercase_lowercases() {
    let users = attributes(
        r#"
- name: userName
- name: emails[type eq "work"].value
  vendor:
    returns: lowercase
- name: displayName
  vendor:
    returns: uppercase
"#,
    );
    let mut t = Target::new(&users, &[]);
    let mut body = user_post("Adele@Contoso.com");
    body["displayName"] = json!("Adele Vance");
    let id = create(&mut t, "/Users", body);
    let user = get(&mut t, &format!("/Users/{id}"));
    assert_eq!(user["emails"][0]["value"], json!("adele@contoso.com"));
    assert_eq!(user["displayName"], json!("ADELE VANCE"));
    // Attributes without a rule stay as sent.
    assert_eq!(user["userName"], json!("Adele@Contoso.com"));

    let body = patch(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "New.Name@Contoso.com"}
    ]));
    send(&mut t, "PATCH", &format!("/Users/{id}"), Some(body));
    let user = get(&mut t, &format!("/Users/{id}"));
    assert_eq!(user["emails"][0]["value"], json!("new.name@contoso.com"));
}

#[test]
fn returns_boolean_turns_false_string_into_false() {
    let users = attributes(
        r#"
- name: userName
- name: active
  type: Boolean
  vendor:
    returns: boolean
- name: externalId
  vendor:
    returns: string
"#,
    );
    let mut t = Target::new(&users, &[]);
    let mut body = user_post("adele@contoso.com");
    body["active"] = json!("True");
    body["externalId"] = json!(42);
    let id = create(&mut t, "/Users", body);
    let user = get(&mut t, &format!("/Users/{id}"));
    assert_eq!(user["active"], json!(true));
    assert_eq!(user["externalId"], json!("42"));

    let disable = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    send(&mut t, "PATCH", &format!("/Users/{id}"), Some(disable));
    assert_eq!(get(&mut t, &format!("/Users/{id}"))["active"], json!(false));
    let found = get(&mut t, "/Users?filter=active+eq+false");
    assert_eq!(found["totalResults"], json!(1));
}

#[test]
fn groups_post_without_members_patch_add_and_remove_both_dialects_and_exclude_members() {
    let mut t = target();
    let u1 = create(&mut t, "/Users", user_post("u1@contoso.com"));
    let u2 = create(&mut t, "/Users", user_post("u2@contoso.com"));
    let u3 = create(&mut t, "/Users", user_post("u3@contoso.com"));

    // E18: created empty.
    let gid = create(
        &mut t,
        "/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "externalId": "8aa1a0c0",
            "displayName": "Sales",
            "meta": {"resourceType": "Group"}
        }),
    );
    let group = get(&mut t, &format!("/Groups/{gid}"));
    assert_eq!(group.get("members"), None);
    assert_eq!(group["meta"]["location"], json!(format!("/Groups/{gid}")));

    // E20: add members, 204 as Entra expects for groups.
    let add = patch(json!([{"op": "Add", "path": "members", "value": [
        {"$ref": null, "value": u1}, {"$ref": null, "value": u2}, {"$ref": null, "value": u3}
    ]}]));
    let r = send(&mut t, "PATCH", &format!("/Groups/{gid}"), Some(add));
    assert_eq!(
        r,
        Response {
            status: 204,
            body: None,
            location: None
        }
    );
    let members = |t: &Target| -> Vec<String> {
        t.get(ResourceKind::Group, &gid).unwrap()["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|e| e["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(members(&t), [u1.clone(), u2.clone(), u3.clone()]);

    // E21 legacy: `Remove` with a value list removes only those.
    let remove_legacy =
        patch(json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]));
    let r = send(
        &mut t,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(remove_legacy),
    );
    assert_eq!(r.status, 204);
    assert_eq!(members(&t), [u2.clone(), u3.clone()]);

    // E21 compliant: value-filter path.
    let remove_compliant =
        patch(json!([{"op": "remove", "path": format!("members[value eq \"{u2}\"]")}]));
    let r = send(
        &mut t,
        "PATCH",
        &format!("/Groups/{gid}"),
        Some(remove_compliant),
    );
    assert_eq!(r.status, 204);
    assert_eq!(members(&t), [u3]);

    // E16, E17: every group read excludes members.
    let by_id = get(&mut t, &format!("/Groups/{gid}?excludedAttributes=members"));
    assert_eq!(by_id.get("members"), None);
    assert_eq!(by_id["displayName"], json!("Sales"));
    let found = get(
        &mut t,
        "/Groups?excludedAttributes=members&filter=displayName+eq+%22sales%22",
    );
    assert_eq!(found["totalResults"], json!(1));
    assert_eq!(found["Resources"][0], by_id);
    assert!(get(&mut t, &format!("/Groups/{gid}"))["members"].is_array());

    // displayName is unique among groups.
    let r = send(
        &mut t,
        "POST",
        "/Groups",
        Some(json!({"displayName": "SALES"})),
    );
    assert_scim_error(&r, 409, Some("uniqueness"));
}

#[test]
fn delete_then_get_is_404() {
    let mut t = target();
    let id = create(&mut t, "/Users", user_post("adele@contoso.com"));
    let r = send(&mut t, "DELETE", &format!("/Users/{id}"), None);
    assert_eq!(
        r,
        Response {
            status: 204,
            body: None,
            location: None
        }
    );
    assert_scim_error(
        &send(&mut t, "GET", &format!("/Users/{id}"), None),
        404,
        None,
    );
    assert_scim_error(
        &send(&mut t, "DELETE", &format!("/Users/{id}"), None),
        404,
        None,
    );
    // The userName is free again.
    assert_eq!(
        get(
            &mut t,
            "/Users?filter=userName+eq+%22adele%40contoso.com%22"
        )["totalResults"],
        json!(0)
    );
    create(&mut t, "/Users", user_post("adele@contoso.com"));
    assert_eq!(t.len(ResourceKind::User), 1);
}

#[test]
fn unknown_id_patch_is_404_with_a_scim_error_body() {
    let mut t = target();
    let body = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    let r = send(&mut t, "PATCH", "/Users/5171a35d82074e068ce2", Some(body));
    assert_scim_error(&r, 404, None);
    assert!(
        r.body.unwrap()["detail"]
            .as_str()
            .unwrap()
            .contains("5171a35d82074e068ce2")
    );
}

#[test]
fn unknown_route_is_404_and_unsupported_method_is_405() {
    let mut t = target();
    assert_scim_error(&send(&mut t, "GET", "/Schemas", None), 404, None);
    assert_scim_error(&send(&mut t, "GET", "/Users/a/b", None), 404, None);
    assert_scim_error(&send(&mut t, "PUT", "/Users/a", Some(json!({}))), 405, None);
    assert_scim_error(&send(&mut t, "DELETE", "/Users", None), 405, None);
    assert_scim_error(
        &send(&mut t, "POST", "/Users/a", Some(json!({}))),
        405,
        None,
    );
    assert_scim_error(
        &send(&mut t, "GET", "/Users?filter=userName+ne+%22x%22", None),
        400,
        Some("invalidFilter"),
    );
}

#[test]
fn ids_are_deterministic_across_two_fresh_targets() {
    let run = || {
        let mut t = target();
        let a = create(&mut t, "/Users", user_post("a@contoso.com"));
        let g = create(&mut t, "/Groups", json!({"displayName": "Sales"}));
        let b = create(&mut t, "/Users", user_post("b@contoso.com"));
        (a, g, b)
    };
    let first = run();
    assert_eq!(first, run());
    let (a, g, b) = &first;
    assert!(a != g && g != b && a != b);
    // GUID-shaped: 8-4-4-4-12 lowercase hex.
    let shape: Vec<usize> = a.split('-').map(str::len).collect();
    assert_eq!(shape, [8, 4, 4, 4, 12]);
    assert!(
        a.chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
}

#[test]
fn preloaded_accounts_are_found_kept_as_given_and_iterate_in_insertion_order() {
    let mut t = target();
    let Json::Object(existing) = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2441309d85324e7793ae",
        "userName": "Test_User@contoso.com",
        "active": "True"
    }) else {
        unreachable!()
    };
    let id = t.insert(ResourceKind::User, existing.clone()).unwrap();
    assert_eq!(id, "2441309d85324e7793ae");
    let Json::Object(no_id) = json!({"userName": "second@contoso.com"}) else {
        unreachable!()
    };
    let second = t.insert(ResourceKind::User, no_id).unwrap();
    let found = get(
        &mut t,
        "/Users?filter=userName+eq+%22test_user%40contoso.com%22",
    );
    assert_eq!(found["Resources"][0], Json::Object(existing.clone()));
    assert_eq!(
        t.insert(ResourceKind::User, existing).unwrap_err().status,
        409,
        "the same id twice"
    );
    let created = create(&mut t, "/Users", user_post("third@contoso.com"));
    let order: Vec<String> = t
        .resources(ResourceKind::User)
        .map(|r: Resource| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, [id.as_str(), second.as_str(), created.as_str()]);
}

#[test]
fn an_account_preloaded_with_an_id_the_app_would_issue_keeps_it_and_new_ids_skip_it() {
    // The ids a fresh app issues, in order.
    let mut fresh = target();
    let issued: Vec<String> = (0..3)
        .map(|i| {
            create(
                &mut fresh,
                "/Users",
                user_post(&format!("u{i}@contoso.com")),
            )
        })
        .collect();
    // The app already holds an account under the second id it would issue.
    let mut t = target();
    let Json::Object(existing) = json!({"id": issued[1], "userName": "old@contoso.com"}) else {
        unreachable!()
    };
    t.insert(ResourceKind::User, existing).unwrap();
    let first = create(&mut t, "/Users", user_post("a@contoso.com"));
    let second = create(&mut t, "/Users", user_post("b@contoso.com"));
    assert_eq!(first, issued[0]);
    assert_eq!(second, issued[2], "the taken id is skipped");
    for (id, user_name) in [
        (&issued[1], "old@contoso.com"),
        (&first, "a@contoso.com"),
        (&second, "b@contoso.com"),
    ] {
        assert_eq!(get(&mut t, &format!("/Users/{id}"))["userName"], user_name);
        let by_filter = get(&mut t, &format!("/Users?filter=id+eq+%22{id}%22"));
        assert_eq!(by_filter["totalResults"], 1, "{id}");
    }
    let ops = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    assert_eq!(
        send(&mut t, "PATCH", &format!("/Users/{}", issued[1]), Some(ops)).status,
        200
    );
    assert_eq!(
        send(&mut t, "DELETE", &format!("/Users/{first}"), None).status,
        204
    );
    assert_eq!(
        send(&mut t, "GET", &format!("/Users/{first}"), None).status,
        404
    );
    assert_eq!(t.len(ResourceKind::User), 2);
    // An id the app never issued, in GUID shape, is simply not there.
    let never = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        send(&mut t, "GET", &format!("/Users/{never}"), None).status,
        404
    );
}
