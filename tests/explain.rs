//! `entramap explain`: Provision on demand, offline, for one user or group
//! (provision-on-demand.md, "Understand the provisioning steps"): the scope decision with the
//! failing clause and its value, the assignment path, a failing expression, a group's members,
//! the attribute table, and exit 2 with a did-you-mean for an object that is not there.

#[path = "support/common.rs"]
mod common;
use common::Run;

fn explain(args: &[&str]) -> Run {
    let out = common::command()
        .arg("explain")
        .args(args)
        .args(["--now", "2025-01-01T00:00:00Z"])
        .output()
        .expect("the binary runs");
    Run::from(out)
}

/// The run succeeded and said each of `needles`.
#[track_caller]
fn assert_has(run: &Run, needles: &[&str]) {
    assert_eq!(run.code, 0, "{run:?}");
    run.assert_stdout_has(needles);
}

#[test]
fn an_out_of_scope_user_names_the_failing_clause_and_its_value() {
    let run = explain(&[
        "tests/data/engine/impact/engineers-only.yaml",
        "--directory",
        "tests/data/engine/impact/directory.yaml",
        "--object",
        "ben@contoso.com",
    ]);
    assert_has(
        &run,
        &[
            "2. Determine if user is in scope",
            "out of the scoping filters: `department EQUALS Engineering` is false (department is 'Design')",
            "- Engineers only department EQUALS Engineering: False (department is 'Design')",
            "create · skipped · NotEffectivelyEntitled",
            "userName · direct [userPrincipalName] · ben@contoso.com · \"ben@contoso.com\" · not sent: the object is not written",
            "Requests\n   none",
        ],
    );
}

#[test]
fn a_user_in_scope_through_a_group_says_which_group_and_is_created() {
    let run = explain(&[
        "tests/data/engine/mapping.yaml",
        "--directory",
        "tests/data/engine/assignment/d1.yaml",
        "--object",
        "viagroup@c.com",
    ]);
    assert_has(
        &run,
        &[
            "is in scope: active, assigned through group 'Assigned Group'",
            "- Assigned through: 'Assigned Group'",
            "no match [success]",
            "create · success",
            "POST /Users -> 201",
        ],
    );
}

#[test]
fn a_user_whose_expression_fails_shows_the_failure_the_row_and_no_write() {
    let run = explain(&[
        "tests/data/engine/refusals/expression-fails-mapping.yaml",
        "--directory",
        "tests/data/engine/refusals/expression-fails.yaml",
        "--object",
        "ben@contoso.com",
    ]);
    assert_has(
        &run,
        &[
            "create · failure · ExpressionFailed",
            "mapping to `title` failed: \"Designer\" is not a date",
            "fails the object: \"Designer\" is not a date",
            "Requests\n   none",
        ],
    );
}

#[test]
fn a_group_shows_its_members_added_and_left_out_with_why() {
    let run = explain(&["mappings/scim-default.yaml", "--object", "Engineering"]);
    assert_has(
        &run,
        &[
            "Group 'Engineering'",
            "Members\n",
            "zoe.muller@contoso.com (0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0003): added",
            "lukasz.wojcik@contoso.com (0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0008): left out: the member has no account in the app (User 'lukasz.wojcik@contoso.com' is not provisioned: disabled in Azure Active Directory (accountEnabled False))",
            "PATCH /Groups/",
        ],
    );
}

#[test]
fn json_is_the_objects_log_entries() {
    let run = explain(&[
        "mappings/scim-default.yaml",
        "--object",
        "noor.haddad@contoso.com",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let entries: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let entries = entries.as_array().expect("an array of entries");
    assert_eq!(entries.len(), 1, "{}", run.stdout);
    assert_eq!(entries[0]["provisioningAction"], "create");
    assert_eq!(
        entries[0]["provisioningStatusInfo"]["errorInformation"]["errorCode"],
        "NotEffectivelyEntitled"
    );
}

#[test]
fn an_unknown_object_exits_2_with_a_did_you_mean() {
    let run = explain(&[
        "mappings/scim-default.yaml",
        "--object",
        "noor.hadad@contoso.com",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("did you mean `noor.haddad@contoso.com`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unchanged_object_in_an_incremental_cycle_is_said_not_evaluated() {
    let run = explain(&[
        "mappings/scim-default.yaml",
        "--object",
        "zoe.muller@contoso.com",
        "--cycle",
        "2",
    ]);
    assert_has(
        &run,
        &["cycle 2 (incremental cycle)", "Not evaluated in this cycle"],
    );
}

/// A `Redact()`ed value is never shown in clear: not in the attribute table, the requests or
/// the log entries.
#[test]
fn redacted_values_are_shown_as_entra_shows_them() {
    for format in ["human", "json"] {
        let run = explain(&[
            "tests/data/simulate/redact.yaml",
            "--directory",
            "tests/data/simulate/cycle1.yaml",
            "--object",
            "babs.jensen@contoso.com",
            "--format",
            format,
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains("[Redact]"), "{}", run.stdout);
        assert!(!run.stdout.contains("bjensen-Initial1!"), "{}", run.stdout);
    }
}
