//! Simulator flows end to end, one behaviour per test: every deprovisioning trigger, every
//! scoping operator deciding who is provisioned, manager links and their ordering, and
//! create-only rows and defaults across cycles. Mappings and directories are written inline
//! so each test shows its whole input.

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::load;
use entramap::model::mapping::Dialect;
use entramap::provision::cycle::{Recorded, Simulator};
use entramap::provision::directory::{self, Directory};
use serde_json::json;

#[path = "support/common.rs"]
mod common;
use common::run_cases;

/// A users-only mapping: userName (matching), active, displayName, department, plus `extra`
/// YAML rows and a `scope` block.
fn mapping(extra_rows: &str, scope: &str) -> String {
    format!(
        r#"app: flows
users:
  source_object: User
  target_object: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User
{scope}
  mappings:
    - target: userName
      source: userPrincipalName
      match: 1
    - target: active
      expression: Switch([IsSoftDeleted], , "False", "True", "True", "False")
    - target: displayName
      source: displayName
{extra_rows}
"#
    )
}

fn simulator(yaml: &str, dialect: Dialect) -> Simulator {
    let loaded = load::parse("flows.yaml", yaml).expect("the test mapping loads");
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    Simulator::new(&loaded.file, dialect, Context::new(now, 0)).expect("compiles")
}

fn snapshot(yaml: &str) -> Directory {
    directory::parse("snapshot.yaml", yaml).expect("the test directory parses")
}

fn cycle(sim: &mut Simulator, dir: &Directory, n: u32) -> Vec<Recorded> {
    let mut out = Vec::new();
    let failures = sim.run_cycle(dir, n, &mut |r| out.push(r.record()));
    assert!(failures.is_empty(), "{failures:?}");
    out
}

fn writes(reqs: &[Recorded]) -> Vec<(String, &str)> {
    reqs.iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.object.clone(), r.action.as_str()))
        .collect()
}

/// A user with `userPrincipalName` `<oid>@contoso.com`, displayName and `extra` YAML keys.
fn user(oid: &str, extra: &str) -> String {
    format!(
        "  - objectId: {oid}\n    userPrincipalName: {oid}@contoso.com\n    displayName: {oid}\n    accountEnabled: true\n{extra}"
    )
}

fn users(list: &[String]) -> Directory {
    snapshot(&format!("users:\n{}", list.concat()))
}

// ---- deprovisioning triggers ----

/// Cycle 1 creates `a`; cycle 2 applies `change` to it; returns cycle 2's writes.
fn deprovision(change: &str, yaml: &str) -> Vec<(String, String)> {
    let mut sim = simulator(yaml, Dialect::Legacy);
    let first = users(&[user("a", "    department: Sales\n")]);
    assert_eq!(
        writes(&cycle(&mut sim, &first, 1)),
        [("a".to_owned(), "create")]
    );
    let second = snapshot(&format!("users:\n{change}"));
    writes(&cycle(&mut sim, &second, 2))
        .into_iter()
        .map(|(o, a)| (o, a.to_owned()))
        .collect()
}

const DISABLE: &str = "disable";

/// A change to the provisioned user `a` in the next cycle, and what that cycle sends.
struct Deprovision {
    /// What the case proves.
    id: &'static str,
    /// The `users:` list of the second snapshot.
    change: String,
    mapping: String,
    /// (object, action) of the second cycle's writes.
    writes: &'static [(&'static str, &'static str)],
}

#[test]
fn each_deprovisioning_trigger_sends_its_write() {
    let sales = "    department: Sales\n";
    let scope = "  scope:\n    - clauses:\n        - attribute: department\n          operator: EQUALS\n          value: Sales\n";
    let without_active = mapping("", "").replace(
        "    - target: active\n      expression: Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")\n",
        "",
    );
    assert!(!without_active.contains("active"));
    let cases = [
        Deprovision {
            id: "soft_delete_disables_the_user",
            change: user("a", &format!("{sales}    softDeleted: true\n")),
            mapping: mapping("", ""),
            writes: &[("a", DISABLE)],
        },
        Deprovision {
            id: "account_disabled_in_entra_disables_the_user",
            change: user("a", sales).replace("accountEnabled: true", "accountEnabled: false"),
            mapping: mapping("", ""),
            writes: &[("a", DISABLE)],
        },
        Deprovision {
            id: "unassignment_disables_the_user",
            change: user("a", &format!("{sales}    assigned: false\n")),
            mapping: mapping("", ""),
            writes: &[("a", DISABLE)],
        },
        Deprovision {
            id: "leaving_the_scoping_filter_disables_the_user",
            change: user("a", "    department: Marketing\n"),
            mapping: mapping("", scope),
            writes: &[("a", DISABLE)],
        },
        // `users:` then `  []`: the user left the directory.
        Deprovision {
            id: "hard_delete_deletes_the_user",
            change: "  []\n".to_owned(),
            mapping: mapping("", ""),
            writes: &[("a", "delete")],
        },
        Deprovision {
            id: "without_an_active_row_deprovisioning_sends_nothing",
            change: user("a", "    softDeleted: true\n"),
            mapping: without_active,
            writes: &[],
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let got = deprovision(&case.change, &case.mapping);
            let want: Vec<(String, String)> = case
                .writes
                .iter()
                .map(|(o, a)| ((*o).to_owned(), (*a).to_owned()))
                .collect();
            assert_eq!(got, want);
        },
    );
    assert_eq!(ran, 6);
}

#[test]
fn a_disabled_user_is_disabled_once_then_left_alone() {
    let mut sim = simulator(&mapping("", ""), Dialect::Compliant);
    cycle(&mut sim, &users(&[user("a", "")]), 1);
    let off = users(&[user("a", "    softDeleted: true\n")]);
    let second = cycle(&mut sim, &off, 2);
    let disable = second
        .iter()
        .find(|r| r.action.as_str() == DISABLE)
        .expect("disable");
    assert_eq!(
        disable.body,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "active", "value": false}]})
        )
    );
    assert_eq!(writes(&cycle(&mut sim, &off, 3)), []);
}

#[test]
fn a_restored_user_is_enabled_again_by_an_update() {
    let mut sim = simulator(&mapping("", ""), Dialect::Legacy);
    cycle(&mut sim, &users(&[user("a", "")]), 1);
    cycle(&mut sim, &users(&[user("a", "    softDeleted: true\n")]), 2);
    let third = cycle(&mut sim, &users(&[user("a", "")]), 3);
    let update = third.iter().find(|r| r.method == "PATCH").expect("a PATCH");
    assert_eq!(update.action.as_str(), "update");
    assert_eq!(
        update.body.as_ref().unwrap()["Operations"],
        json!([{"op": "Replace", "path": "active", "value": "True"}])
    );
}

#[test]
fn a_user_disabled_before_it_was_ever_provisioned_is_never_sent() {
    let mut sim = simulator(&mapping("", ""), Dialect::Legacy);
    let dir = users(&[user("a", "    softDeleted: true\n")]);
    assert_eq!(cycle(&mut sim, &dir, 1).len(), 0);
}

// ---- scoping operators ----

/// For one clause, whether each of `values` (the `department` of one user each; `None` for
/// no department) gets created.
fn created_under(operator: &str, operand: Option<&str>, values: &[Option<&str>]) -> Vec<bool> {
    let clause_value = operand.map_or(String::new(), |v| format!("          value: '{v}'\n"));
    let scope = format!(
        "  scope:\n    - clauses:\n        - attribute: department\n          operator: '{operator}'\n{clause_value}"
    );
    let mut sim = simulator(&mapping("", &scope), Dialect::Legacy);
    let list: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let dept = v.map_or(String::new(), |v| format!("    department: '{v}'\n"));
            user(&format!("u{i}"), &dept)
        })
        .collect();
    let reqs = cycle(&mut sim, &users(&list), 1);
    (0..values.len())
        .map(|i| {
            reqs.iter()
                .any(|r| r.object == format!("u{i}") && r.action.as_str() == "create")
        })
        .collect()
}

/// One scoping clause on `department`, users with these departments (`None`: none), and
/// which of them are created.
struct Scoping {
    /// What the case proves.
    id: &'static str,
    operator: &'static str,
    operand: Option<&'static str>,
    values: &'static [Option<&'static str>],
    created: &'static [bool],
}

/// Every operator through a whole cycle: who is created. Null is false for every operator
/// but IS NULL.
#[test]
fn each_scoping_operator_creates_the_users_it_selects() {
    let case = |id, operator, operand, values, created| Scoping {
        id,
        operator,
        operand,
        values,
        created,
    };
    let sales = &[Some("Sales"), Some("sales"), None];
    let empty = &[Some("Sales"), Some(""), None];
    let boolean = &[Some("True"), Some("false"), None];
    let regex = &[Some("Sales EMEA"), Some("Marketing"), None];
    let contains = &[Some("Global Sales"), Some("Sales Ops"), None];
    let numbers = &[Some("10"), Some("5"), Some("ten"), None];
    let bits = &[Some("6"), Some("1"), None];
    let cases = [
        case(
            "equals_is_case_sensitive_and_false_on_null",
            "EQUALS",
            Some("Sales"),
            sales,
            &[true, false, false],
        ),
        case(
            "not_equals_is_case_sensitive_and_false_on_null",
            "NOT EQUALS",
            Some("Sales"),
            sales,
            &[false, true, false],
        ),
        case(
            "is_null_holds_for_empty_and_absent",
            "IS NULL",
            None,
            empty,
            &[false, true, true],
        ),
        case(
            "is_not_null_holds_for_a_value",
            "IS NOT NULL",
            None,
            empty,
            &[true, false, false],
        ),
        case(
            "is_true_reads_boolean_text",
            "IS TRUE",
            None,
            boolean,
            &[true, false, false],
        ),
        case(
            "is_false_reads_boolean_text",
            "IS FALSE",
            None,
            boolean,
            &[false, true, false],
        ),
        case(
            "regex_match",
            "REGEX MATCH",
            Some("Sales.*"),
            regex,
            &[true, false, false],
        ),
        case(
            "not_regex_match",
            "NOT REGEX MATCH",
            Some("Sales.*"),
            regex,
            &[false, true, false],
        ),
        case(
            "includes",
            "Includes",
            Some("Sales"),
            contains,
            &[true, true, false],
        ),
        case(
            "ends_with",
            "ENDS_WITH",
            Some("Sales"),
            contains,
            &[true, false, false],
        ),
        case(
            "greater_than_compares_integers",
            "Greater_Than",
            Some("5"),
            numbers,
            &[true, false, false, false],
        ),
        case(
            "greater_than_or_equals_compares_integers",
            "Greater_Than_OR_EQUALS",
            Some("5"),
            numbers,
            &[true, true, false, false],
        ),
        case("bitwise_and", "&", Some("2"), bits, &[true, false, false]),
        case(
            "bitwise_and_negated_is_still_false_on_null",
            "!&",
            Some("2"),
            bits,
            &[false, true, false],
        ),
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let got = created_under(case.operator, case.operand, case.values);
            assert_eq!(
                got, case.created,
                "{} {:?} over {:?}",
                case.operator, case.operand, case.values
            );
        },
    );
    assert_eq!(ran, 14);
}

// ---- managers ----

const MANAGER_ROW: &str = "    - target: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager\n      source: manager\n";

#[test]
fn managers_are_linked_after_every_user_of_the_cycle_is_created() {
    // The report comes first in the snapshot: its manager has no target id yet when it is
    // created, so the link waits for the manager pass.
    let mut sim = simulator(&mapping(MANAGER_ROW, ""), Dialect::Legacy);
    let dir = users(&[user("report", "    manager: boss\n"), user("boss", "")]);
    let reqs = cycle(&mut sim, &dir, 1);
    assert_eq!(
        writes(&reqs),
        [
            ("report".to_owned(), "create"),
            ("boss".to_owned(), "create"),
            ("report".to_owned(), "link-manager"),
        ]
    );
    let post = reqs
        .iter()
        .find(|r| r.object == "report" && r.method == "POST")
        .unwrap();
    assert!(!post.body.as_ref().unwrap().to_string().contains("manager"));
    let boss_id = reqs
        .iter()
        .find(|r| r.object == "boss" && r.method == "POST")
        .unwrap()
        .response
        .as_ref()
        .unwrap()["id"]
        .clone();
    let link = reqs.last().unwrap();
    assert_eq!(
        link.body.as_ref().unwrap()["Operations"],
        json!([{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": boss_id}])
    );
    // Linked: the next cycle sends nothing.
    assert_eq!(writes(&cycle(&mut sim, &dir, 2)), []);
}

#[test]
fn a_manager_out_of_scope_is_never_referenced() {
    let mut sim = simulator(&mapping(MANAGER_ROW, ""), Dialect::Legacy);
    let dir = users(&[
        user("report", "    manager: boss\n"),
        user("boss", "    assigned: false\n"),
    ]);
    assert_eq!(
        writes(&cycle(&mut sim, &dir, 1)),
        [("report".to_owned(), "create")]
    );
    assert_eq!(writes(&cycle(&mut sim, &dir, 2)), []);
}

#[test]
fn a_new_manager_is_a_replace() {
    let mut sim = simulator(&mapping(MANAGER_ROW, ""), Dialect::Legacy);
    let before = users(&[
        user("report", "    manager: boss\n"),
        user("boss", ""),
        user("other", ""),
    ]);
    cycle(&mut sim, &before, 1);
    let after = users(&[
        user("report", "    manager: other\n"),
        user("boss", ""),
        user("other", ""),
    ]);
    let reqs = cycle(&mut sim, &after, 2);
    let link = reqs
        .iter()
        .find(|r| r.action.as_str() == "link-manager")
        .expect("a link");
    let op = &link.body.as_ref().unwrap()["Operations"][0];
    assert_eq!(op["op"], "Replace");
    assert_eq!(writes(&reqs).len(), 1, "{:?}", writes(&reqs));
}

// ---- create-only rows and defaults ----

const BADGE_ROWS: &str = "    - target: title\n      source: jobTitle\n      default: Staff\n    - target: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber\n      source: employeeId\n      apply: on-create\n";

#[test]
fn defaults_and_create_only_rows_are_sent_on_create() {
    let mut sim = simulator(&mapping(BADGE_ROWS, ""), Dialect::Legacy);
    let reqs = cycle(&mut sim, &users(&[user("a", "    employeeId: '42'\n")]), 1);
    let post = reqs
        .iter()
        .find(|r| r.method == "POST")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(post["title"], "Staff");
    assert_eq!(
        post["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"],
        "42"
    );
}

#[test]
fn a_create_only_row_is_never_updated() {
    let mut sim = simulator(&mapping(BADGE_ROWS, ""), Dialect::Legacy);
    cycle(&mut sim, &users(&[user("a", "    employeeId: '42'\n")]), 1);
    let reqs = cycle(&mut sim, &users(&[user("a", "    employeeId: '43'\n")]), 2);
    assert_eq!(writes(&reqs), []);
}

#[test]
fn a_default_is_not_sent_on_update_and_a_real_value_replaces_it() {
    let mut sim = simulator(&mapping(BADGE_ROWS, ""), Dialect::Legacy);
    cycle(&mut sim, &users(&[user("a", "")]), 1);
    // Still no jobTitle: the default stays in the app and nothing is sent.
    assert_eq!(writes(&cycle(&mut sim, &users(&[user("a", "")]), 2)), []);
    // A real title replaces the default.
    let reqs = cycle(
        &mut sim,
        &users(&[user("a", "    jobTitle: Engineer\n")]),
        3,
    );
    let patch = reqs
        .iter()
        .find(|r| r.method == "PATCH")
        .expect("an update");
    assert_eq!(
        patch.body.as_ref().unwrap()["Operations"],
        json!([{"op": "Replace", "path": "title", "value": "Engineer"}])
    );
}

#[test]
fn create_only_matching_rows_still_match_on_later_cycles() {
    // A matching row marked on-create still gives the match query its value.
    let yaml = mapping("", "").replace(
        "      match: 1\n",
        "      match: 1\n      apply: on-create\n",
    );
    let mut sim = simulator(&yaml, Dialect::Legacy);
    let dir = users(&[user("a", "")]);
    let first = cycle(&mut sim, &dir, 1);
    assert_eq!(
        first[0].path,
        "/Users?filter=userName+eq+%22a%40contoso.com%22"
    );
    assert_eq!(writes(&cycle(&mut sim, &dir, 2)), []);
}
