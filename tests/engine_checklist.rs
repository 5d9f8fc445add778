//! Rows of the engine checklist (docs/engine-behaviours/README.md) that were modelled but had no
//! test of their own: target object actions, the group mapping's switch and scoping filter, a
//! matching value from an expression, InvalidAnchor. Each test names the Microsoft page it
//! follows (docs/identity/app-provisioning/ in MicrosoftDocs/entra-docs); the data is under
//! tests/data/engine/.

use std::process::Command;

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::model::mapping::Dialect;
use entramap::provision::cycle::Simulator;
use entramap::provision::directory;
use serde_json::Value as Json;

const NOW: &str = "2025-01-01T00:00:00Z";
const BEN: &str = "00000000-0000-4000-8000-00000000000b";

fn data(name: &str) -> String {
    format!("tests/data/engine/{name}")
}

/// `simulate MAPPING --directory D...` as jsonl: (cycle, action, method, path) per request.
fn requests(mapping: &str, directories: &[&str], extra: &[&str]) -> Vec<(u64, String, String)> {
    let mapping = data(mapping);
    let mut args = vec!["simulate", &mapping, "--format", "jsonl", "--now", NOW];
    let paths: Vec<String> = directories.iter().map(|d| data(d)).collect();
    for p in &paths {
        args.extend(["--directory", p]);
    }
    args.extend(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(&args)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Json>(l).expect("a JSON line"))
        .map(|l| {
            (
                l["cycle"].as_u64().unwrap(),
                l["action"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}",
                    l["method"].as_str().unwrap(),
                    l["path"].as_str().unwrap()
                ),
            )
        })
        .collect()
}

/// customize-application-attributes.md, "Editing user attribute-mappings" (target object
/// actions): without Create, Entra looks for the users' accounts but creates none.
#[test]
fn target_object_actions_without_create_no_user_is_created() {
    let sent = requests("checklist/no-create.yaml", &["cycles/two-users.yaml"], &[]);
    let users: Vec<&String> = sent
        .iter()
        .filter(|(_, _, r)| r.contains("/Users"))
        .map(|(_, a, _)| a)
        .collect();
    assert_eq!(users, ["match", "match"], "{sent:?}");
}

/// how-provisioning-works.md, "Deprovisioning events": without the Delete action, a user
/// deleted in Entra gets no DELETE.
#[test]
fn target_object_actions_without_delete_a_deleted_user_gets_no_delete() {
    let sent = requests(
        "checklist/no-delete.yaml",
        &["cycles/two-users.yaml", "cycles/ben-deleted.yaml"],
        &[],
    );
    let user_delete = |(_, _, r): &(u64, String, String)| r.starts_with("DELETE /Users");
    assert!(!sent.iter().any(user_delete), "{sent:?}");
    let with_delete = requests(
        "base.yaml",
        &["cycles/two-users.yaml", "cycles/ben-deleted.yaml"],
        &[],
    );
    assert!(
        with_delete.iter().any(user_delete),
        "the same change with Delete on deletes: {with_delete:?}"
    );
}

/// customize-application-attributes.md, "Editing group attribute-mappings": the group mapping
/// can be switched off, and then nothing goes to /Groups.
#[test]
fn the_group_mapping_switched_off_sends_nothing_to_groups() {
    let sent = requests("checklist/groups-off.yaml", &["cycles/two-users.yaml"], &[]);
    assert!(!sent.is_empty());
    assert!(
        sent.iter().all(|(_, _, r)| !r.contains("/Groups")),
        "{sent:?}"
    );
}

/// define-conditional-rules-for-provisioning-user-accounts.md: a scoping filter on the group
/// mapping; only the group it passes is provisioned.
#[test]
fn a_scoping_filter_on_the_group_mapping_provisions_only_the_groups_it_passes() {
    let sent = requests(
        "checklist/group-scope.yaml",
        &["checklist/two-groups.yaml"],
        &[],
    );
    let groups: Vec<&String> = sent
        .iter()
        .filter(|(_, a, r)| a == "match" && r.contains("/Groups"))
        .map(|(_, _, r)| r)
        .collect();
    assert_eq!(groups.len(), 1, "{sent:?}");
    assert!(groups[0].contains("Staff"), "{groups:?}");
}

/// customize-application-attributes.md, "Matching users in the source and target systems"
/// (the values "don't have to match exactly": an expression may compute them): Ana's account
/// is found by the lowercased mailNickname and linked, not created.
#[test]
fn a_matching_value_may_be_computed_by_an_expression() {
    let target = data("checklist/match-expression-target.yaml");
    let sent = requests(
        "checklist/match-expression.yaml",
        &["checklist/match-expression-directory.yaml"],
        &["--target", &target],
    );
    assert_eq!(sent[0].2, "GET /Users?filter=externalId+eq+%22ana%22");
    assert!(sent.iter().all(|(_, a, _)| a != "create"), "{sent:?}");
}

/// howto-analyze-provisioning-logs.md, InvalidAnchor: a user Entra linked that the app no
/// longer has fails the read; Entra does not create it again.
#[test]
fn a_linked_account_the_app_lost_fails_with_invalid_anchor() {
    let text = std::fs::read_to_string(data("base.yaml")).unwrap();
    let file = entramap::load::parse("base.yaml", &text).unwrap().file;
    let now = DateTime::parse_rfc3339(NOW).unwrap();
    let mut sim = Simulator::new(&file, Dialect::Legacy, Context::new(now, 0)).unwrap();
    let before = directory::read(std::path::Path::new(&data("cycles/two-users.yaml"))).unwrap();
    let after = directory::read(std::path::Path::new(&data("cycles/ben-retitled.yaml"))).unwrap();
    sim.run_cycle(&before, 1, &mut |_| {});
    let id = sim.linked_user(BEN).expect("Ben is linked");
    let gone = sim
        .endpoint_mut()
        .handle("DELETE", &format!("/Users/{id}"), None);
    assert_eq!(gone.status, 204);
    let mut creates = 0;
    let failures = sim.run_cycle(&after, 2, &mut |r| {
        if r.method == "POST" {
            creates += 1;
        }
    });
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].object, BEN);
    assert!(
        failures[0].message.starts_with("InvalidAnchor"),
        "{}",
        failures[0].message
    );
    assert_eq!(creates, 0);
}
