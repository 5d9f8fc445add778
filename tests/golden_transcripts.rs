//! Golden transcripts of `entramap simulate`: two directory snapshots (`tests/data/simulate/`)
//! through the default SCIM mapping, in both dialects and both streaming formats, compared byte
//! for byte with `tests/golden/transcripts/`. `UPDATE_GOLDEN=1` rewrites the golden files; read
//! the diff before committing it, because these files are what Entra is claimed to send.
//!
//! Besides the byte comparison, the bodies that Microsoft documents verbatim (docs/scim-wire.md
//! §4.3 and E12/E20/E21) are asserted to occur literally, so a regenerated golden cannot quietly
//! drift away from the documentation.

use std::process::Command;

mod support;

/// The tenant-independent inputs: the default mapping and the two snapshots.
const MAPPING: &str = "mappings/scim-default.yaml";
const CYCLE1: &str = "tests/data/simulate/cycle1.yaml";
const CYCLE2: &str = "tests/data/simulate/cycle2.yaml";
const REDACT_MAPPING: &str = "tests/data/simulate/redact.yaml";

/// Pinned so that `Now()`, `Guid()` and the target's ids are the same on every run.
const NOW: &str = "2025-01-01T00:00:00Z";
const SEED: &str = "7";

/// Run `entramap simulate` over both snapshots and return stdout, failing on any stderr or a
/// non-zero exit (a warning would mean an object failed and the transcript is incomplete).
fn simulate(mapping: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "simulate",
            mapping,
            "--directory",
            CYCLE1,
            "--directory",
            CYCLE2,
        ])
        .args(["--now", NOW, "--seed", SEED])
        .args(extra)
        .output()
        .expect("the entramap binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "unexpected diagnostics: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Compare `actual` with the golden file `name` (see `support::golden`).
fn golden(name: &str, actual: &str) {
    support::golden::assert_golden(&format!("tests/golden/transcripts/{name}"), actual);
}

/// Assert that `text` contains every one of `needles`.
fn assert_contains(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle}");
    }
}

/// The documented legacy bodies (COMPAT "without flag", tutorial), compacted.
const LEGACY_DOCUMENTED: &[&str] = &[
    // E12 / §4.3 disable user: `Replace` with the string "False".
    r#"{"op":"Replace","path":"active","value":"False"}"#,
    // §4.3 add single-value attribute: `Add` with a path.
    r#"{"op":"Add","path":"title","value":"Tour Guide"}"#,
    // §4.3 replace several attributes: one `Replace` op per attribute, filtered path included.
    r#"{"op":"Replace","path":"displayName","value":"Barbara Jensen"}"#,
    r#"{"op":"Replace","path":"emails[type eq \"work\"].value","value":"Barbara.Jensen@contoso.com"}"#,
    r#"{"op":"Replace","path":"name.familyName","value":"Jensen-Smith"}"#,
    r#"{"op":"Replace","path":"externalId","value":"bajensen"}"#,
    r#"{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"701985"}"#,
    // E20 add members: `Add`, path `members`, `value` objects.
    r#"{"op":"Add","path":"members","value":[{"#,
    // E21 remove member (COMPAT without flag): `Remove`, path `members`, `value` objects.
    r#"{"op":"Remove","path":"members","value":[{"#,
];

/// The documented compliant bodies (COMPAT "with flag"), compacted.
const COMPLIANT_DOCUMENTED: &[&str] = &[
    // E12 / §4.3 disable user: lowercase `replace` with a JSON Boolean.
    r#"{"op":"replace","path":"active","value":false}"#,
    // §4.3 replace several: the filtered path is its own op and comes first...
    r#"{"op":"replace","path":"emails[type eq \"work\"].value","value":"Barbara.Jensen@contoso.com"},{"op":"replace","value":{"#,
    // ...then one path-less op whose value has flat path keys.
    r#""name.familyName":"Jensen-Smith""#,
    r#""urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"701985""#,
    // E20 add members with the flag (undocumented, [INF] lowercase `add`).
    r#"{"op":"add","path":"members","value":[{"#,
    // E21 remove member with the flag: value-filter path and no `value`.
    r#"{"op":"remove","path":"members[value eq \""#,
];

#[test]
fn legacy_http_transcript_matches_golden() {
    let t = simulate(MAPPING, &["--dialect", "legacy"]);
    golden("scim-default-legacy.http", &t);
    assert_contains(&t, LEGACY_DOCUMENTED);
}

#[test]
fn legacy_jsonl_transcript_matches_golden() {
    let t = simulate(MAPPING, &["--dialect", "legacy", "--format", "jsonl"]);
    golden("scim-default-legacy.jsonl", &t);
    assert_contains(&t, &[r#""action":"delete","method":"DELETE""#]);
    // JSON-escaped inside the jsonl line, so only the escape-free documented bodies.
    assert_contains(&t, &[LEGACY_DOCUMENTED[0], LEGACY_DOCUMENTED[1]]);
}

#[test]
fn compliant_http_transcript_matches_golden() {
    let t = simulate(MAPPING, &["--dialect", "compliant"]);
    golden("scim-default-compliant.http", &t);
    assert_contains(&t, COMPLIANT_DOCUMENTED);
    // No legacy casing or string Booleans leak into the compliant dialect.
    for legacy in [
        r#""op":"Replace""#,
        r#""op":"Add""#,
        r#""op":"Remove""#,
        r#""False""#,
    ] {
        assert!(
            !t.contains(legacy),
            "compliant transcript contains {legacy}"
        );
    }
}

#[test]
fn compliant_jsonl_transcript_matches_golden() {
    let t = simulate(MAPPING, &["--dialect", "compliant", "--format", "jsonl"]);
    golden("scim-default-compliant.jsonl", &t);
    assert_contains(&t, &[COMPLIANT_DOCUMENTED[0], r#""action":"delete""#]);
}

#[test]
fn redacted_values_are_masked_in_http_output() {
    for dialect in ["legacy", "compliant"] {
        let t = simulate(REDACT_MAPPING, &["--dialect", dialect]);
        assert!(
            !t.contains("-Initial1!"),
            "{dialect}: a secret leaked:\n{t}"
        );
        assert_contains(&t, &[r#""password":"[Redact]""#]);
    }
    golden(
        "redact-compliant.http",
        &simulate(REDACT_MAPPING, &["--dialect", "compliant"]),
    );
}

#[test]
fn redacted_values_are_masked_in_jsonl_unless_show_secrets() {
    for dialect in ["legacy", "compliant"] {
        let masked = simulate(REDACT_MAPPING, &["--dialect", dialect, "--format", "jsonl"]);
        assert!(!masked.contains("-Initial1!"), "{dialect}: a secret leaked");
        // POST bodies and the cycle-2 PATCH (legacy: a `path` op; compliant: a key of the
        // merged path-less op) are both masked.
        let patch = masked
            .lines()
            .find(|l| l.contains(r#""cycle":2"#) && l.contains(r#""action":"update""#))
            .expect("cycle 2 updates the changed user's password");
        assert!(patch.contains("[Redact]"), "{patch}");

        let shown = simulate(
            REDACT_MAPPING,
            &["--dialect", dialect, "--format", "jsonl", "--show-secrets"],
        );
        assert!(
            !shown.contains("[Redact]"),
            "{dialect}: --show-secrets masked"
        );
        assert_contains(&shown, &["bjensen-Initial1!", "bajensen-Initial1!"]);
        // Masking changes values only: the same requests in the same order.
        assert_eq!(masked.lines().count(), shown.lines().count());
    }
}

#[test]
fn transcripts_are_reproducible() {
    let args = ["--dialect", "compliant", "--format", "jsonl"];
    assert_eq!(simulate(MAPPING, &args), simulate(MAPPING, &args));
}
