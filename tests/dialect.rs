//! One dialect rule for every command that runs a mapping: `--dialect` (which also takes the
//! flag's own name), then the `?aadOptscim062020` flag on `live`'s `--url`, then the
//! mapping's `dialect:`, then the flag on its `tenant_url`, then legacy; one warning when two
//! sources disagree.

use std::path::PathBuf;

#[path = "support/common.rs"]
mod common;
use common::{Run, entramap_with_env};

/// `mappings/scim-default.yaml` with another `tenant_url` and, when given, a `dialect:` key;
/// removed when dropped.
struct Mapping(PathBuf);

impl Mapping {
    fn new(name: &str, dialect: Option<&str>, tenant_url: &str) -> Mapping {
        let text = std::fs::read_to_string("mappings/scim-default.yaml").unwrap();
        let original = "tenant_url: https://scim.example.com/scim\n";
        assert!(text.contains(original));
        let mut replacement = format!("tenant_url: {tenant_url}\n");
        if let Some(d) = dialect {
            replacement.push_str(&format!("dialect: {d}\n"));
        }
        let path = std::env::temp_dir().join(format!(
            "entramap-dialect-{}-{name}.yaml",
            std::process::id()
        ));
        std::fs::write(&path, text.replace(original, &replacement)).unwrap();
        Mapping(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const FLAGGED: &str = "https://scim.example.com/scim?aadOptscim062020";
const PLAIN: &str = "https://scim.example.com/scim";

/// The dialect `simulate` ran, told by the manager PATCH of the sample directory: legacy
/// capitalises the op name, compliant does not.
fn simulated_dialect(run: &Run) -> &'static str {
    assert_eq!(run.code, 0, "{run:?}");
    match (
        run.stdout.contains(r#""op":"Add""#),
        run.stdout.contains(r#""op":"add""#),
    ) {
        (true, false) => "legacy",
        (false, true) => "compliant",
        _ => panic!("cannot tell the dialect: {run:?}"),
    }
}

/// The dialect `live` ran, from its report. Nothing listens on the loopback port, so the
/// run stops at Test Connection, after the dialect is chosen.
fn live_dialect(mapping: &str, url: &str, extra: &[&str]) -> (String, Run) {
    let mut args = vec!["live", mapping, "--url", url, "--format", "json"];
    args.extend_from_slice(extra);
    let run = entramap(&args);
    assert_eq!(run.code, 4, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    (report["dialect"].as_str().unwrap().to_string(), run)
}

fn warnings(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

#[test]
fn dialect_option_accepts_the_flags_name_as_compliant() {
    let m = Mapping::new("alias", None, PLAIN);
    let run = entramap(&["simulate", m.path(), "--dialect", "aadOptscim062020"]);
    assert_eq!(simulated_dialect(&run), "compliant");
    assert!(run.stderr.is_empty(), "{run:?}");
    let help = entramap(&["simulate", "--help"]);
    assert!(help.stdout.contains("aadOptscim062020"), "{help:?}");
}

#[test]
fn mapping_dialect_key_accepts_the_flags_name_as_compliant() {
    let m = Mapping::new("alias-key", Some("aadOptscim062020"), PLAIN);
    let run = entramap(&["simulate", m.path()]);
    assert_eq!(simulated_dialect(&run), "compliant");
}

#[test]
fn dialect_option_comes_first_and_warns_naming_the_source_it_overrules() {
    let m = Mapping::new("option", Some("compliant"), FLAGGED);
    let run = entramap(&["simulate", m.path(), "--dialect", "legacy"]);
    assert_eq!(simulated_dialect(&run), "legacy");
    assert_eq!(
        warnings(&run),
        [
            "warning: `--dialect legacy` and the mapping's `dialect: compliant` disagree; running \
          the legacy dialect, since `--dialect legacy` comes first (--dialect, then the flag on \
          --url, then the mapping's `dialect:`, then the flag on its `tenant_url`)"
        ],
        "{run:?}"
    );
    let (dialect, run) = live_dialect(
        m.path(),
        "http://127.0.0.1:9/scim?aadOptscim062020",
        &["--dialect", "legacy"],
    );
    assert_eq!(dialect, "legacy");
    assert_eq!(warnings(&run).len(), 1, "{run:?}");
    assert!(
        warnings(&run)[0].contains("the `?aadOptscim062020` flag on --url"),
        "{run:?}"
    );
}

#[test]
fn live_url_flag_comes_before_the_mappings_dialect() {
    let m = Mapping::new("run-url", Some("legacy"), PLAIN);
    let (dialect, run) = live_dialect(m.path(), "http://127.0.0.1:9/scim?aadOptscim062020", &[]);
    assert_eq!(dialect, "compliant");
    assert_eq!(warnings(&run).len(), 1, "{run:?}");
    assert!(
        warnings(&run)[0].starts_with(
            "warning: the `?aadOptscim062020` flag on --url and the mapping's `dialect: legacy` disagree"
        ),
        "{run:?}"
    );
}

#[test]
fn mappings_dialect_comes_before_its_tenant_url_flag_with_one_warning() {
    let m = Mapping::new("key", Some("legacy"), FLAGGED);
    let expected = "warning: the mapping's `dialect: legacy` and the `?aadOptscim062020` flag on \
                    the mapping's `tenant_url` disagree";
    // Three cycles: the warning is still given once.
    let run = entramap(&["simulate", m.path(), "--cycles", "3"]);
    assert_eq!(simulated_dialect(&run), "legacy");
    assert_eq!(warnings(&run).len(), 1, "{run:?}");
    assert!(warnings(&run)[0].starts_with(expected), "{run:?}");

    let run = entramap(&["converge", m.path(), "--cases", "4", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    assert_eq!(report["dialect"], "legacy", "{run:?}");
    assert_eq!(warnings(&run).len(), 1, "{run:?}");
    assert!(warnings(&run)[0].starts_with(expected), "{run:?}");

    let (dialect, run) = live_dialect(m.path(), "http://127.0.0.1:9/scim", &[]);
    assert_eq!(dialect, "legacy");
    assert_eq!(warnings(&run).len(), 1, "{run:?}");
    assert!(warnings(&run)[0].starts_with(expected), "{run:?}");
}

#[test]
fn the_tenant_url_flag_gives_the_same_dialect_in_simulate_and_live() {
    // unleash.yaml's tenant_url has the flag; live's --url (a local server) has not.
    let (dialect, run) = live_dialect("mappings/unleash.yaml", "http://127.0.0.1:9/scim", &[]);
    assert_eq!(dialect, "compliant");
    assert!(warnings(&run).is_empty(), "{run:?}");

    let m = Mapping::new("tenant", None, FLAGGED);
    let run = entramap(&["simulate", m.path()]);
    assert_eq!(simulated_dialect(&run), "compliant");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[test]
fn legacy_when_no_source_speaks() {
    let m = Mapping::new("default", None, PLAIN);
    let run = entramap(&["simulate", m.path()]);
    assert_eq!(simulated_dialect(&run), "legacy");
    assert!(run.stderr.is_empty(), "{run:?}");
    let (dialect, run) = live_dialect(m.path(), "http://127.0.0.1:9/scim", &[]);
    assert_eq!(dialect, "legacy");
    assert!(warnings(&run).is_empty(), "{run:?}");
}

/// Every run has a token: `live` refuses before reading it, and no request is sent.
fn entramap(args: &[&str]) -> Run {
    entramap_with_env(args, &[("ENTRAMAP_TOKEN", "dialect-test-token")])
}
