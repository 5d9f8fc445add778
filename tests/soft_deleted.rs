//! `IsSoftDeleted` is computed by the engine from `accountEnabled`, assignment, scope and
//! `softDeleted`: a directory user that sets it is refused, located, naming those keys;
//! `eval --user` keeps it as an input, since eval has no directory.

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap, run_cases};

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

/// A directory file that sets `IsSoftDeleted`, and where the refusal must point.
struct RefusedDirectory {
    /// What the case proves.
    id: &'static str,
    file: &'static str,
    /// The user (index and objectId) and the place in the file.
    located: [&'static str; 2],
}

#[test]
fn simulate_refuses_a_directory_user_that_sets_is_soft_deleted_located() {
    let cases = [
        // The second user, by index and objectId, at its place in the file.
        RefusedDirectory {
            id: "simulate_refuses_a_yaml_directory_user_that_sets_is_soft_deleted_located",
            file: "tests/data/directory/sets-issoftdeleted.yaml",
            located: [
                "users[1] (6d1c0a2e-0000-4000-8000-000000000002)",
                "tests/data/directory/sets-issoftdeleted.yaml:",
            ],
        },
        RefusedDirectory {
            id: "simulate_refuses_a_json_directory_user_that_sets_is_soft_deleted_located",
            file: "tests/data/directory/sets-issoftdeleted.json",
            located: [
                "users[1] (u2)",
                "tests/data/directory/sets-issoftdeleted.json:3:",
            ],
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let run = entramap(&[
                "simulate",
                "mappings/scim-default.yaml",
                "--directory",
                case.file,
            ]);
            assert_eq!(run.code, 2, "{run:?}");
            assert!(run.stdout.is_empty(), "{run:?}");
            assert_names_the_computing_keys(&run);
            for place in case.located {
                assert!(run.stderr.contains(place), "not at {place}: {run:?}");
            }
        },
    );
    assert_eq!(ran, 2);
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
