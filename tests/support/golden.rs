//! Golden files: compare output with a file in the repository, byte for byte.
//!
//! `UPDATE_GOLDEN=1` rewrites the file and then fails the test anyway, so a run with the
//! switch can never pass: the rewritten file must be read (`git diff`) and the suite run again
//! without it. Any other value of the switch, or the switch under CI, is refused.

use std::path::Path;

/// Compare `actual` with the golden file at `path` (relative to the repository root), or
/// rewrite it when `UPDATE_GOLDEN=1`.
pub fn assert_golden(path: &str, actual: &str) {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    match std::env::var("UPDATE_GOLDEN").ok().as_deref() {
        None => {}
        Some("1") if std::env::var_os("CI").is_none() => {
            std::fs::write(&full, actual).unwrap_or_else(|e| panic!("write {path}: {e}"));
            panic!(
                "rewrote {path}: read `git diff {path}`, then run the tests without UPDATE_GOLDEN"
            );
        }
        Some("1") => {
            panic!("UPDATE_GOLDEN is refused under CI: golden files are only rewritten by hand")
        }
        Some(other) => {
            panic!("UPDATE_GOLDEN={other:?}: only UPDATE_GOLDEN=1 rewrites golden files")
        }
    }
    let expected = std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("{path}: {e} (UPDATE_GOLDEN=1 creates it)"));
    if expected != actual {
        // assert_eq! on whole files prints both; point at the first differing line instead.
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            // No differing line in the common part: one is a prefix of the other.
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{path} differs at line {}:\n  golden: {:?}\n  actual: {:?}\n(UPDATE_GOLDEN=1 rewrites it)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}
