//! The exports an admin already has, given to the real binary: `--directory` and
//! `eval --user` read a Microsoft Graph `/users` response, a JSON array of Graph users
//! (camelCase, or PascalCase from `Get-MgUser | ConvertTo-Json`, with a byte order mark as
//! Windows PowerShell writes it) and the admin center's "Download users" CSV, with Graph's
//! names turned into source attribute names; mapping inputs read Graph PowerShell's
//! PascalCase synchronizationSchema. Every fixture is in tests/data/pull/exports/.

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap, run_cases};

const SCHEMA: &str = "tests/data/pull/schema.json";
const EXPORTS: &str = "tests/data/pull/exports";

fn export(name: &str) -> String {
    format!("{EXPORTS}/{name}")
}

fn simulate(directories: &[String]) -> Run {
    let mut args = vec!["simulate", SCHEMA, "--format", "jsonl"];
    for d in directories {
        args.push("--directory");
        args.push(d);
    }
    args.extend(["--now", "2025-01-01T00:00:00Z"]);
    entramap(&args)
}

/// Each JSON export shape simulates the same two users, with Graph's names read as Entra's
/// source attributes (`mobilePhone` as `mobile`, `officeLocation` as
/// `physicalDeliveryOfficeName`, the first of `businessPhones` as `telephoneNumber`, the
/// on-premises extension attribute, the directory extension, the manager).
#[test]
fn graph_user_exports_simulate_with_graph_names_as_source_attributes() {
    let files = [
        "graph-users-response.json",
        "graph-users-array.json",
        "get-mguser.json",
    ];
    let ran = run_cases(
        &files,
        |file| file,
        |file| {
            let run = simulate(&[export(file)]);
            assert_eq!(run.code, 0, "{file}: {}", run.stderr);
            run.assert_stdout_has(&[
                "alice@contoso.com",
                "+1 425 555 0101",
                "+1 425 555 0100",
                "18/2111",
                "Research",
                "CC-42",
                // The guest reads as alias@theirdomain, computed by the engine.
                "bob@fabrikam.com",
            ]);
            // The manager reference is sent once both users exist: Alice's manager is Bob.
            assert!(
                run.stdout.contains("enterprise:2.0:User:manager"),
                "{file}: no manager PATCH:\n{}",
                run.stdout
            );
            assert_eq!(
                run.stderr.matches("has no app assignments").count(),
                1,
                "{file}: {}",
                run.stderr
            );
        },
    );
    assert_eq!(ran, 3);
}

#[test]
fn the_admin_center_csv_simulates_its_users_as_assigned() {
    let run = simulate(&[export("users.csv")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stdout_has(&[
        "alice@contoso.com",
        "+1 425 555 0101",
        "+1 425 555 0100",
        "18/2111",
        "bob@fabrikam.com",
    ]);
    assert!(
        run.stderr
            .contains("users.csv is the Entra admin center's user download (CSV)"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_no_assignments_note_is_said_once_for_several_exports() {
    let run = simulate(&[export("users.csv"), export("graph-users-response.json")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("has no app assignments").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn eval_reads_one_graph_user_in_each_shape() {
    for file in [
        "user-graph.json",
        "user-mguser.json",
        "graph-users-response.json",
    ] {
        let run = entramap(&[
            "eval",
            "Join(\"|\", [mobile], [telephoneNumber], [physicalDeliveryOfficeName], [extensionAttribute1], [manager])",
            "--user",
            &export(file),
        ]);
        if file == "graph-users-response.json" {
            // Two users: eval takes one, and says how to run them all.
            assert_eq!(run.code, 2, "{}", run.stderr);
            assert!(run.stderr.contains("holds 2 users"), "{}", run.stderr);
            continue;
        }
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert_eq!(
            run.stdout.trim(),
            "+1 425 555 0101|+1 425 555 0100|18/2111|Research|4c9d1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
            "{file}"
        );
    }
}

#[test]
fn a_wrong_directory_file_names_the_accepted_shapes() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let wrong = dir.join(format!("wrong-directory-{}.json", std::process::id()));
    std::fs::write(&wrong, "{\"people\": [{\"name\": \"x\"}]}").unwrap();
    let run = simulate(&[wrong.display().to_string()]);
    std::fs::remove_file(&wrong).ok();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown key `people`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("GET /users") && run.stderr.contains("Download users"),
        "{}",
        run.stderr
    );
    let csv = dir.join(format!("no-id-{}.csv", std::process::id()));
    std::fs::write(&csv, "userPrincipalName,displayName\na@contoso.com,A\n").unwrap();
    let run = simulate(&[csv.display().to_string()]);
    std::fs::remove_file(&csv).ok();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("object id column"), "{}", run.stderr);
}

/// `Get-MgServicePrincipalSynchronizationJobSchema | ConvertTo-Json -Depth 20`: PascalCase keys,
/// `AdditionalProperties` bags, a byte order mark. It imports to the same YAML as Graph's JSON.
#[test]
fn a_powershell_schema_reads_as_the_graph_schema() {
    let graph = entramap(&["import", SCHEMA]);
    let powershell = entramap(&["import", &export("schema-powershell.json")]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    assert_eq!(powershell.code, 0, "{}", powershell.stderr);
    // The same YAML, but for the first comment line, which names the file imported.
    let body = |text: &str| text.split_once('\n').map(|(_, rest)| rest.to_owned());
    assert_eq!(body(&powershell.stdout), body(&graph.stdout));
    assert!(
        powershell
            .stdout
            .contains("ToUpper([extension_0123456789abcdef0123456789abcdef_costCenter])")
    );
    let check = entramap(&["check", &export("schema-powershell.json")]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
}
