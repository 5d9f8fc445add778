//! What `entramap sample` writes is a directory `simulate` accepts, in both formats: the
//! keys and shape of the sample are the directory format's (the size limits of large YAML
//! files are the input reader's business, tested with it).

#[path = "support/common.rs"]
mod common;
use common::output as entramap;

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("entramap-sample-sim-{}-{name}", std::process::id()))
}

/// `simulate --format summary` over `sample --users N --groups G --format F`.
fn simulate_sample(users: u32, groups: u32, format: &str) -> String {
    let path = temp(&format!("{users}-{groups}.{format}"));
    let path_text = path.to_str().unwrap();
    let (u, g) = (users.to_string(), groups.to_string());
    let out = entramap(&[
        "sample", "--users", &u, "--groups", &g, "--format", format, "--out", path_text,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--directory",
        path_text,
        "--format",
        "summary",
    ]);
    std::fs::remove_file(&path).ok();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{users} users, {format}: {stderr}"
    );
    assert!(stderr.is_empty(), "{users} users, {format}: {stderr}");
    String::from_utf8(run.stdout).unwrap()
}

#[test]
fn simulate_accepts_what_sample_writes_in_yaml_as_in_json() {
    for (users, groups) in [(0, 0), (0, 2), (1, 0), (1, 1), (3, 2), (40, 6)] {
        let yaml = simulate_sample(users, groups, "yaml");
        let json = simulate_sample(users, groups, "json");
        // The same sample in either format is the same directory.
        assert_eq!(yaml, json, "{users} users, {groups} groups");
        // A cycle is reported even when it sends nothing; an empty directory creates nothing.
        let nothing =
            "cycle 1: 0 creates, 0 updates, 0 disables, 0 deletes, 0 membership changes, 0 reads";
        assert_eq!(yaml.starts_with(nothing), users + groups == 0, "{yaml}");
    }
}

#[test]
fn every_user_and_group_of_a_small_yaml_sample_is_provisioned() {
    let summary = simulate_sample(3, 2, "yaml");
    assert!(
        summary.starts_with("cycle 1: 5 creates, 2 updates,"),
        "{summary}"
    );
}
