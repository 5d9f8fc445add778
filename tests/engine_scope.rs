//! Entra's decisions about who is provisioned and the guards on deprovisioning, one test per
//! behaviour, each from a small mapping and directory under `tests/data/engine/` and run
//! through the real binary. Each test names the Microsoft doc section it implements
//! (MicrosoftDocs/entra-docs, docs/identity/app-provisioning/); the behaviours are listed in
//! docs/engine-behaviours/scope-and-guards.md.

use serde_json::Value as Json;

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap};

const DATA: &str = "tests/data/engine";

/// `simulate MAPPING --directory D... --format FORMAT EXTRA...`, files relative to DATA.
fn simulate(mapping: &str, directories: &[&str], format: &str, extra: &[&str]) -> Run {
    let mapping = format!("{DATA}/{mapping}");
    let directories: Vec<String> = directories.iter().map(|d| format!("{DATA}/{d}")).collect();
    let mut args = vec!["simulate", mapping.as_str()];
    for d in &directories {
        args.extend(["--directory", d.as_str()]);
    }
    args.extend(["--now", "2025-01-01T00:00:00Z", "--format", format]);
    args.extend(extra);
    let run = entramap(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run
}

fn jsonl(mapping: &str, directories: &[&str], extra: &[&str]) -> Vec<Json> {
    simulate(mapping, directories, "jsonl", extra).json_lines()
}

/// The objects that got a request with `action` in `cycle`, in order.
fn objects(requests: &[Json], cycle: u64, action: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r["cycle"] == cycle && r["action"] == action)
        .map(|r| r["object"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every object with any request in `cycle`.
fn touched(requests: &[Json], cycle: u64) -> Vec<String> {
    let mut out: Vec<String> = requests
        .iter()
        .filter(|r| r["cycle"] == cycle)
        .map(|r| r["object"].as_str().unwrap_or_default().to_owned())
        .collect();
    out.dedup();
    out
}

/// The writes (not GETs) of `cycle`.
fn writes(requests: &[Json], cycle: u64) -> Vec<Json> {
    requests
        .iter()
        .filter(|r| r["cycle"] == cycle && r["method"] != "GET")
        .cloned()
        .collect()
}

// how-provisioning-works.md, "Assignment-based scoping" (Groups, Nested groups): direct
// assignment and the immediate members of an assigned group are in scope; an unassigned user,
// a member of a nested group and a disabled member are not.
#[test]
fn assignment_based_scoping_direct_members_of_assigned_groups_are_in_scope_nested_are_not() {
    let r = jsonl("mapping.yaml", &["assignment/d1.yaml"], &[]);
    assert_eq!(objects(&r, 1, "create"), ["u1", "u3", "g1"]);
    for out in ["u2", "u4", "u5", "g2"] {
        assert!(!touched(&r, 1).contains(&out.to_owned()), "{out}: {r:?}");
    }
    // The nested group and the disabled member are not sent as members either: only u1 and u3.
    let add: Vec<&Json> = r.iter().filter(|x| x["action"] == "add-members").collect();
    assert_eq!(add.len(), 1, "{add:?}");
    let members = add[0]["body"]["Operations"][0]["value"]
        .as_array()
        .expect("members");
    assert_eq!(members.len(), 2, "{members:?}");
}

// how-provisioning-works.md, "Dynamic groups": "When a user loses membership in the dynamic
// group, it's considered a deprovisioning event" (any assigned group alike).
#[test]
fn assignment_based_scoping_losing_the_group_membership_disables_the_user() {
    let r = jsonl(
        "mapping.yaml",
        &["assignment/d1.yaml", "assignment/d2-left-group.yaml"],
        &[],
    );
    let w = writes(&r, 2);
    let disables: Vec<&Json> = w.iter().filter(|x| x["action"] == "disable").collect();
    assert_eq!(disables.len(), 1, "{w:?}");
    assert_eq!(disables[0]["object"], "u3");
    assert_eq!(
        disables[0]["body"]["Operations"][0],
        serde_json::json!({"op": "Replace", "path": "active", "value": "False"})
    );
    assert_eq!(objects(&r, 2, "remove-members"), ["g1"]);
}

// how-provisioning-works.md, "Deprovisioning": unassigning the group takes its members out of
// scope like an unassignment, and the group itself is deleted.
#[test]
fn assignment_based_scoping_a_group_losing_its_assignment_deprovisions_its_members() {
    let r = jsonl(
        "mapping.yaml",
        &["assignment/d1.yaml", "assignment/d2-group-unassigned.yaml"],
        &[],
    );
    assert_eq!(objects(&r, 2, "disable"), ["u3"]);
    assert_eq!(objects(&r, 2, "delete"), ["g1"]);
    assert!(objects(&r, 2, "disable").iter().all(|o| o != "u1"));
}

// configure-automatic-user-provisioning-portal.md, Settings › Scope: "Sync all users and
// groups" in the mapping (`settings.scope: all`) or for one run (`--scope all`); a disabled
// user is still never created.
#[test]
fn sync_all_users_and_groups_from_the_mapping_or_the_command_line() {
    let from_file = jsonl("assignment/sync-all.yaml", &["assignment/d1.yaml"], &[]);
    assert_eq!(
        objects(&from_file, 1, "create"),
        ["u1", "u2", "u3", "u4", "g1", "g2"]
    );
    let from_flag = jsonl("mapping.yaml", &["assignment/d1.yaml"], &["--scope", "all"]);
    assert_eq!(
        objects(&from_flag, 1, "create"),
        objects(&from_file, 1, "create")
    );
    // And the flag wins over the mapping the other way too.
    let assigned = jsonl(
        "assignment/sync-all.yaml",
        &["assignment/d1.yaml"],
        &["--scope", "assigned"],
    );
    assert_eq!(objects(&assigned, 1, "create"), ["u1", "u3", "g1"]);
}

// application-provisioning-config-problem-no-users-provisioned.md ("Default Access") and the
// Blink and RFPIO tutorials ("Users with the Default Access role are excluded from
// provisioning"); customize-application-attributes.md, SingleAppRoleAssignment reads the
// roles, a group's role passing to its members.
#[test]
fn app_roles_default_access_is_excluded_and_group_roles_are_inherited() {
    let r = jsonl("roles/mapping.yaml", &["roles/d1.yaml"], &[]);
    assert_eq!(objects(&r, 1, "create"), ["r1", "r3"]);
    let roles: Vec<Json> = writes(&r, 1)
        .iter()
        .map(|w| w["body"]["roles"][0]["value"].clone())
        .collect();
    assert_eq!(roles, [Json::from("Admin"), Json::from("Reader")]);
}

// how-provisioning-works.md, "B2B (guest) users": userPrincipalName = alias@theirdomain,
// originalUserPrincipalName = alias_theirdomain#EXT#@yourdomain.
#[test]
fn b2b_guest_user_principal_name_loses_ext_and_the_tenant_domain() {
    let r = jsonl("guest/mapping.yaml", &["guest/d1.yaml"], &[]);
    let guest: Vec<&Json> = r.iter().filter(|x| x["object"] == "guest").collect();
    assert_eq!(
        guest[0]["path"],
        "/Users?filter=userName+eq+%22alice%40fabrikam.com%22"
    );
    assert_eq!(guest[1]["body"]["userName"], "alice@fabrikam.com");
    assert_eq!(
        guest[1]["body"]["externalId"],
        "alice_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    );
    let member: Vec<&Json> = r.iter().filter(|x| x["object"] == "member").collect();
    assert_eq!(member[1]["body"]["userName"], "bob@contoso.com");
    assert_eq!(member[1]["body"]["externalId"], "bob@contoso.com");
}

// skip-out-of-scope-deletions.md: "accounts that go out of scope aren't disabled"; a blocked
// user is still disabled and a hard-deleted one still deleted.
#[test]
fn skip_out_of_scope_deletions_leaves_unassigned_users_alone() {
    let r = jsonl(
        "guards/skip-out-of-scope.yaml",
        &["guards/d1.yaml", "guards/d2.yaml"],
        &[],
    );
    assert!(!touched(&r, 2).contains(&"a".to_owned()), "{r:?}");
    assert_eq!(objects(&r, 2, "disable"), ["b"]);
    assert_eq!(objects(&r, 2, "delete"), ["c"]);
    // Without the setting, a is disabled too.
    let plain = jsonl("mapping.yaml", &["guards/d1.yaml", "guards/d2.yaml"], &[]);
    assert_eq!(objects(&plain, 2, "disable"), ["a", "b"]);
}

// accidental-deletions.md, "What scenarios count toward the deletion threshold?": disables
// and deletes of one cycle over the threshold are all held (StagedDelete) and the job is
// quarantined, so a later cycle sends nothing; the summary says so.
#[test]
fn accidental_deletions_threshold_exceeded_stages_every_disable_and_delete() {
    let dirs = ["guards/d1.yaml", "guards/d2.yaml"];
    let run = simulate(
        "guards/threshold-2.yaml",
        &dirs,
        "jsonl",
        &["--cycles", "3"],
    );
    let r = run.json_lines();
    assert!(writes(&r, 2).is_empty(), "{r:?}");
    assert!(touched(&r, 3).is_empty(), "{r:?}");
    // A staged delete sends nothing, so it has no jsonl line: stderr says it.
    assert!(
        run.stderr.contains(
            "note: cycle 2: 2 disables + 1 deletes exceed accidental_deletions_threshold 2"
        ),
        "{}",
        run.stderr
    );
    let summary = simulate(
        "guards/threshold-2.yaml",
        &dirs,
        "summary",
        &["--cycles", "3"],
    );
    assert!(
        summary.stdout.contains(
            "cycle 2: 0 creates, 0 updates, 0 disables, 0 deletes, 0 membership changes, 2 reads (incremental cycle)\n  2 disables + 1 deletes exceed accidental_deletions_threshold 2: none sent (StagedDelete); the job is quarantined\n"
        ),
        "{}",
        summary.stdout
    );
    assert!(
        summary.stdout.contains("cycle 3: 0 creates, 0 updates, 0 disables, 0 deletes, 0 membership changes, 0 reads (incremental cycle)\n  job quarantined since cycle 2"),
        "{}",
        summary.stdout
    );
}

// accidental-deletions.md, "What is the interval that the deletion threshold is evaluated
// on?": per cycle; at or under the threshold everything is sent.
#[test]
fn accidental_deletions_threshold_not_exceeded_sends_them() {
    let r = jsonl(
        "guards/threshold-3.yaml",
        &["guards/d1.yaml", "guards/d2.yaml"],
        &[],
    );
    assert_eq!(objects(&r, 2, "disable"), ["a", "b"]);
    assert_eq!(objects(&r, 2, "delete"), ["c"]);
}

// how-provisioning-works.md, "Deprovisioning" › "Configure your application to disable a
// user": "Confirm the checkbox for updates is selected".
#[test]
fn deprovisioning_the_disable_is_an_update_so_no_update_action_sends_none() {
    let r = jsonl(
        "guards/no-update.yaml",
        &["guards/d1.yaml", "guards/d2.yaml"],
        &[],
    );
    assert!(objects(&r, 2, "disable").is_empty(), "{r:?}");
    assert_eq!(objects(&r, 2, "delete"), ["c"]);
}

// how-provisioning-works.md, "Deprovisioning events": "Map isSoftDeleted to the attribute
// that you would like to set"; once written, the next cycle sends nothing.
#[test]
fn deprovisioning_is_soft_deleted_mapped_to_a_custom_attribute_writes_it() {
    let dirs = ["guards/d1.yaml", "guards/d2.yaml"];
    let r = jsonl("guards/status.yaml", &dirs, &["--cycles", "3"]);
    let status = "urn:ietf:params:scim:schemas:extension:acme:2.0:User:status";
    let create = &writes(&r, 1)[0];
    assert_eq!(
        create["body"][status.rsplit_once(':').unwrap().0]["status"],
        "enabled"
    );
    let w = writes(&r, 2);
    let patches: Vec<&Json> = w.iter().filter(|x| x["action"] == "disable").collect();
    assert_eq!(patches.len(), 2, "{w:?}");
    for p in patches {
        assert_eq!(
            p["body"]["Operations"][0],
            serde_json::json!({"op": "Replace", "path": status, "value": "suspended"}),
        );
    }
    assert!(writes(&r, 3).is_empty(), "{:?}", writes(&r, 3));
}

// customize-application-attributes.md: the user object mapping cannot be disabled; every
// command refuses such a mapping with exit 2.
#[test]
fn users_enabled_false_is_refused_by_check_and_simulate() {
    let path = format!("{DATA}/guards/users-disabled.yaml");
    for args in [
        vec!["check", path.as_str()],
        vec!["simulate", path.as_str()],
        vec!["converge", path.as_str()],
    ] {
        let run = entramap(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("user object mapping cannot be disabled"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty() || args[0] == "check",
            "{}",
            run.stdout
        );
    }
}

// accidental-deletions.md, "Configure accidental deletion prevention": the threshold is a
// positive number.
#[test]
fn an_accidental_deletions_threshold_of_zero_is_refused() {
    let run = entramap(&["check", &format!("{DATA}/guards/threshold-0.yaml")]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("accidental_deletions_threshold"),
        "{}",
        run.stderr
    );
}

// An unknown settings key or value is refused, with the key named.
#[test]
fn an_unknown_setting_is_refused() {
    let dir = std::env::temp_dir().join(format!("entramap-engine-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(format!("{DATA}/guards/threshold-3.yaml")).unwrap();
    for (name, replaced) in [
        (
            "key.yaml",
            text.replace("accidental_deletions_threshold: 3", "sync_all: true"),
        ),
        (
            "value.yaml",
            text.replace("accidental_deletions_threshold: 3", "scope: everyone"),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, replaced).unwrap();
        let run = entramap(&["simulate", path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        assert!(
            run.stderr.contains("sync_all") || run.stderr.contains("everyone"),
            "{name}: {}",
            run.stderr
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

// how-provisioning-works.md, "B2B (guest) users": `eval` reads a user file as Entra does.
#[test]
fn b2b_guest_eval_reads_the_user_principal_name_as_entra_does() {
    let user = format!("{DATA}/guest/user.yaml");
    let upn = entramap(&["eval", "[userPrincipalName]", "--user", &user]);
    assert_eq!(
        (upn.code, upn.stdout.as_str()),
        (0, "jane@fabrikam.com\n"),
        "{}",
        upn.stderr
    );
    let original = entramap(&["eval", "[originalUserPrincipalName]", "--user", &user]);
    assert_eq!(
        original.stdout, "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com\n",
        "{}",
        original.stderr
    );
}

// The settings are job settings, not schema (Graph's synchronizationSchema has no place for
// them; SyncAll and SkipOutOfScopeDeletions live in the job's secrets): `export` leaves them
// out and says so, and the schema it writes is the one without them.
#[test]
fn export_leaves_the_settings_out_and_says_so() {
    let with = entramap(&["export", "mappings/blink.yaml"]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert!(
        with.stderr.contains("`settings:` is not exported"),
        "{}",
        with.stderr
    );
    let text = std::fs::read_to_string("mappings/blink.yaml").unwrap();
    let dir = std::env::temp_dir().join(format!("entramap-engine-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let without = dir.join("blink.yaml");
    std::fs::write(
        &without,
        text.replace("settings:\n  exclude_default_access: true\n", ""),
    )
    .unwrap();
    let plain = entramap(&["export", without.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(plain.stderr.is_empty(), "{}", plain.stderr);
    assert_eq!(with.stdout, plain.stdout);
}
