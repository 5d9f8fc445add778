//! `entramap sample`: deterministic, loadable directory snapshots, and the generated directory
//! simulated end to end through the real binary.

use std::process::Command;

use entramap::provision::directory;
use entramap::provision::sample::{self, SampleOptions, SnapshotFormat};

fn generate(options: &SampleOptions, format: SnapshotFormat) -> String {
    let mut out = Vec::new();
    sample::write(&mut out, options, format).expect("writes to memory");
    String::from_utf8(out).expect("UTF-8")
}

const OPTIONS: SampleOptions = SampleOptions {
    users: 200,
    groups: 4,
    seed: 42,
};

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    for format in [SnapshotFormat::Yaml, SnapshotFormat::Json] {
        let a = generate(&OPTIONS, format);
        assert_eq!(a, generate(&OPTIONS, format));
        let other = SampleOptions {
            seed: 43,
            ..OPTIONS
        };
        assert_ne!(a, generate(&other, format));
    }
}

#[test]
fn yaml_and_json_load_as_the_same_directory() {
    let yaml =
        directory::parse("d.yaml", &generate(&OPTIONS, SnapshotFormat::Yaml)).expect("YAML loads");
    let json =
        directory::parse("d.json", &generate(&OPTIONS, SnapshotFormat::Json)).expect("JSON loads");
    assert_eq!(yaml.users.len(), 200);
    assert_eq!(yaml.groups.len(), 4);
    for (y, j) in yaml.users.iter().zip(&json.users) {
        assert_eq!(y.object_id, j.object_id);
        assert_eq!(y.label(), j.label());
        assert_eq!(y.assigned, j.assigned);
        assert_eq!(y.soft_deleted, j.soft_deleted);
    }
    // The mix the simulator needs: diacritics, managers, a few disabled, unassigned and
    // soft-deleted users.
    let text = generate(&OPTIONS, SnapshotFormat::Yaml);
    assert!(!text.is_ascii());
    assert!(yaml.users.iter().any(|u| !u.assigned));
    assert!(yaml.users.iter().any(|u| u.soft_deleted));
    assert!(
        yaml.users
            .iter()
            .any(|u| u.account_enabled() == Some(false))
    );
    assert!(
        yaml.users
            .iter()
            .filter(|u| u.account_enabled() == Some(true))
            .count()
            > 150
    );
    assert_eq!(text.matches("manager:").count(), 199);
}

#[test]
fn empty_directory_loads() {
    let none = SampleOptions {
        users: 0,
        groups: 0,
        seed: 1,
    };
    for format in [SnapshotFormat::Yaml, SnapshotFormat::Json] {
        let d = directory::parse("d", &generate(&none, format)).expect("loads");
        assert!(d.users.is_empty() && d.groups.is_empty());
    }
}

#[test]
fn binary_generates_a_directory_that_simulates() {
    let dir = std::env::temp_dir().join(format!("entramap-sample-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("d.json");
    let bin = env!("CARGO_BIN_EXE_entramap");
    let status = Command::new(bin)
        .args([
            "sample", "--users", "60", "--seed", "9", "--groups", "3", "--out",
        ])
        .arg(&file)
        .status()
        .expect("runs");
    assert!(status.success());
    let stdout = Command::new(bin)
        .args(["sample", "--users", "60", "--seed", "9", "--groups", "3"])
        .args(["--format", "json"])
        .output()
        .expect("runs");
    assert!(stdout.status.success());
    assert_eq!(
        stdout.stdout,
        std::fs::read(&file).expect("written"),
        "--out and standard output give the same bytes"
    );

    let run = Command::new(bin)
        .args(["simulate", "mappings/scim-default.yaml", "--directory"])
        .arg(&file)
        .args(["--cycles", "2", "--format", "summary"])
        .args(["--now", "2025-01-01T00:00:00Z"])
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary = String::from_utf8(run.stdout).expect("UTF-8");
    let lines: Vec<&str> = summary.lines().filter(|l| l.starts_with("cycle")).collect();
    assert_eq!(lines.len(), 2, "{summary}");
    let creates: usize = lines[0]
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .expect("a create count");
    assert!(creates > 50, "{summary}");
    assert!(
        lines[1].starts_with("cycle 2: 0 creates, 0 updates"),
        "an unchanged second cycle changes nothing: {summary}"
    );
}
