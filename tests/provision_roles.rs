//! App roles on the wire (customize-application-attributes.md, "Provisioning a role to a SCIM
//! app"): in the legacy dialect a role change is an `Add` of `roles` whose values are
//! JSON-encoded strings carrying the role's id; AppRoleAssignmentsComplex only ever adds roles;
//! AssertiveAppRoleAssignmentsComplex replaces the set.

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::load;
use entramap::model::mapping::Dialect;
use entramap::provision::cycle::{Recorded as Request, Simulator};
use entramap::provision::directory::{self, Directory};
use serde_json::{Value as Json, json};

fn mapping(function: &str, target: &str) -> String {
    format!(
        r#"app: Roles test app
users:
  source_object: User
  mappings:
    - target: userName
      source: userPrincipalName
      match: 1
    - target: active
      expression: Switch([IsSoftDeleted], , "False", "True", "True", "False")
    - target: '{target}'
      expression: {function}([appRoleAssignments])
  attributes:
    - name: userName
      required: true
      filterable: true
    - name: active
      type: Boolean
    - name: roles
      multi_valued: true
"#
    )
}

fn simulator(function: &str, target: &str, dialect: Dialect) -> Simulator {
    let loaded = load::parse("roles.yaml", &mapping(function, target)).expect("mapping");
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    Simulator::new(&loaded.file, dialect, Context::new(now, 0)).expect("compiles")
}

fn directory(roles: &[&str]) -> Directory {
    let list: Vec<String> = roles.iter().map(|r| format!("\n      - {r}")).collect();
    let text = format!(
        "users:\n  - objectId: 11111111-0000-4000-8000-000000000001\n    userPrincipalName: kim@contoso.com\n    accountEnabled: true\n    appRoleAssignments:{}\n",
        if list.is_empty() {
            " []".to_string()
        } else {
            list.concat()
        }
    );
    directory::parse("roles.yaml", &text).expect("directory")
}

fn cycle(sim: &mut Simulator, snapshot: &Directory, n: u32) -> Vec<Request> {
    let mut out = Vec::new();
    let failures = sim.run_cycle(snapshot, n, &mut |r| out.push(r.record()));
    assert!(failures.is_empty(), "{failures:?}");
    out
}

/// The Operations of the cycle's PATCHes.
fn patches(requests: &[Request]) -> Vec<Json> {
    requests
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.body.as_ref().unwrap()["Operations"].clone())
        .collect()
}

/// The role names inside a legacy JSON-encoded role value.
fn encoded(op: &Json) -> Vec<(String, String)> {
    op["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let inner: Json = serde_json::from_str(v["value"].as_str().unwrap()).unwrap();
            assert_eq!(
                inner.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["id", "value", "displayName"]
            );
            (
                inner["id"].as_str().unwrap().to_string(),
                inner["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn legacy_complex_adds_a_new_role_as_a_json_encoded_string_with_its_id() {
    let mut sim = simulator("AppRoleAssignmentsComplex", "roles", Dialect::Legacy);
    let post = cycle(&mut sim, &directory(&["User"]), 1);
    let body = post.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(
        body.body.as_ref().unwrap()["roles"],
        json!([{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "displayName": "User", "value": "User"}])
    );
    let reqs = cycle(&mut sim, &directory(&["User", "Admin"]), 2);
    let ops = patches(&reqs);
    assert_eq!(ops.len(), 1, "{ops:?}");
    let op = &ops[0][0];
    assert_eq!(op["op"], "Add");
    assert_eq!(op["path"], "roles");
    let roles = encoded(op);
    assert_eq!(roles.len(), 1, "only the role the app lacks: {roles:?}");
    assert_eq!(roles[0].1, "Admin");
    // GUID-shaped, and the same role always carries the same id.
    assert_eq!(roles[0].0.len(), 36);
    let mut again = simulator("AppRoleAssignmentsComplex", "roles", Dialect::Legacy);
    cycle(&mut again, &directory(&[]), 1);
    let ops = patches(&cycle(&mut again, &directory(&["Admin"]), 2));
    assert_eq!(encoded(&ops[0][0]), roles);
}

#[test]
fn complex_never_removes_a_role_and_converges_after_adding() {
    for dialect in [Dialect::Legacy, Dialect::Compliant] {
        let mut sim = simulator("AppRoleAssignmentsComplex", "roles", dialect);
        cycle(&mut sim, &directory(&["User", "Admin"]), 1);
        let reqs = cycle(&mut sim, &directory(&["User"]), 2);
        assert!(
            patches(&reqs).is_empty(),
            "{dialect:?}: {:?}",
            patches(&reqs)
        );
        // An added role is sent once; the app's copy (encoded strings in legacy) then matches.
        let reqs = cycle(&mut sim, &directory(&["User", "Reader"]), 3);
        assert_eq!(patches(&reqs).len(), 1, "{dialect:?}");
        let reqs = cycle(&mut sim, &directory(&["User", "Reader"]), 4);
        assert!(
            patches(&reqs).is_empty(),
            "{dialect:?}: {:?}",
            patches(&reqs)
        );
    }
}

#[test]
fn compliant_complex_adds_roles_in_the_posts_shape() {
    let mut sim = simulator("AppRoleAssignmentsComplex", "roles", Dialect::Compliant);
    cycle(&mut sim, &directory(&["User"]), 1);
    let ops = patches(&cycle(&mut sim, &directory(&["User", "Admin"]), 2));
    assert_eq!(
        ops[0],
        json!([{"op": "add", "path": "roles", "value": [
            {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "displayName": "Admin", "value": "Admin"}
        ]}])
    );
}

#[test]
fn assertive_complex_replaces_the_whole_set_when_a_role_is_removed() {
    for (dialect, op) in [
        (Dialect::Legacy, "Replace"),
        (Dialect::Compliant, "replace"),
    ] {
        let mut sim = simulator("AssertiveAppRoleAssignmentsComplex", "roles", dialect);
        cycle(&mut sim, &directory(&["User", "Admin"]), 1);
        let ops = patches(&cycle(&mut sim, &directory(&["User"]), 2));
        assert_eq!(
            ops,
            [json!([{"op": op, "path": "roles", "value": [
                {"primary": false, "type": "WindowsAzureActiveDirectoryRole", "displayName": "User", "value": "User"}
            ]}])],
            "{dialect:?}"
        );
        assert!(patches(&cycle(&mut sim, &directory(&["User"]), 3)).is_empty());
    }
}

#[test]
fn single_app_role_assignment_sends_a_legacy_add_of_roles_and_picks_the_first_of_several() {
    let mut sim = simulator(
        "SingleAppRoleAssignment",
        r#"roles[primary eq "True"].value"#,
        Dialect::Legacy,
    );
    cycle(&mut sim, &directory(&["User"]), 1);
    // Several roles: the first in ordinal order, whatever the order of the assignments.
    let ops = patches(&cycle(
        &mut sim,
        &directory(&["Writer", "Admin", "User"]),
        2,
    ));
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert_eq!(ops[0][0]["op"], "Add");
    assert_eq!(ops[0][0]["path"], "roles");
    let roles = encoded(&ops[0][0]);
    assert_eq!(
        roles.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["Admin"]
    );
}
