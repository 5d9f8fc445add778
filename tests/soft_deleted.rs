//! `IsSoftDeleted` is computed by the engine from `accountEnabled`, assignment, scope and
//! `softDeleted`: a directory user that sets it is refused, located, naming those keys;
//! `eval --user` keeps it as an input, since eval has no directory.

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap};

fn assert_names_the_computing_keys(run: &Run) {
    for key in [
        "`IsSoftDeleted`",
        "`accountEnabled",
        "`assigned",
        "`softDeleted",
        "scoping",
    ] {
        assert!(run.stderr.contains(key), "{key} not named: {run:?}");
    }
}

#[test]
fn simulate_refuses_a_yaml_directory_user_that_sets_is_soft_deleted_located() {
    let file = "tests/data/directory/sets-issoftdeleted.yaml";
    let run = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--directory",
        file,
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_names_the_computing_keys(&run);
    // The second user, by index and objectId, at its place in the file.
    assert!(
        run.stderr
            .contains("users[1] (6d1c0a2e-0000-4000-8000-000000000002)"),
        "{run:?}"
    );
    assert!(run.stderr.contains(&format!("{file}:")), "{run:?}");
}

#[test]
fn simulate_refuses_a_json_directory_user_that_sets_is_soft_deleted_located() {
    let file = "tests/data/directory/sets-issoftdeleted.json";
    let run = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--directory",
        file,
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert_names_the_computing_keys(&run);
    assert!(run.stderr.contains("users[1] (u2)"), "{run:?}");
    assert!(run.stderr.contains(&format!("{file}:3:")), "{run:?}");
}

#[test]
fn the_library_refuses_it_too() {
    let text = std::fs::read_to_string("tests/data/directory/sets-issoftdeleted.yaml").unwrap();
    let e = entramap::provision::directory::parse("d.yaml", &text)
        .expect_err("IsSoftDeleted in a directory is refused");
    assert!(e.to_string().contains("`IsSoftDeleted` is computed"), "{e}");
}

#[test]
fn eval_keeps_is_soft_deleted_as_an_input() {
    let run = entramap(&[
        "eval",
        r#"Switch([IsSoftDeleted], "unknown", "True", "deleted", "False", "active")"#,
        "--user",
        "tests/data/directory/user-with-issoftdeleted.yaml",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout.trim(), "deleted", "{run:?}");
}
