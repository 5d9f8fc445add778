//! Runs every conformance case in `tests/conformance/*.yaml` (expression, inputs, expected
//! value or error kind) through parse, compile and eval.
//!
//! Where we knowingly differ from a case, `tests/conformance/overrides.yaml` gives our value and
//! the reason, and the divergence must be recorded in COMPATIBILITY.md: the run fails if an
//! override is missing there, or if an override no longer differs from the case.

use std::collections::BTreeMap;
use std::path::Path;

use entramap::dotnet::datetime::DateTime;
use entramap::expr::{self, Context, Outcome};
use entramap::model::source::Record;
use serde_json::Value as Json;

/// The outcome of one case, in the vocabulary of the conformance files.
#[derive(Debug, PartialEq)]
enum Got {
    Value(Json),
    Error(String),
    Dropped,
}

fn run_case(case: &Json) -> Got {
    let text = case["expression"].as_str().expect("expression is text");
    let program = match expr::compile(text, &expr::CompileOptions::default()) {
        Ok(p) => p,
        Err(e) => return Got::Error(e.kind.code().to_string()),
    };
    let inputs = case
        .get("inputs")
        .cloned()
        .unwrap_or(Json::Object(Default::default()));
    let record = Record::from_json(&inputs).expect("inputs are a map");
    let now = case
        .get("now")
        .and_then(Json::as_str)
        .map(|s| DateTime::parse_rfc3339(s).expect("now is RFC 3339"))
        .unwrap_or_else(|| DateTime::parse_rfc3339("2025-07-30T00:00:00Z").unwrap());
    let mut ctx = Context::new(now, 42);
    if let Some(domain) = case
        .pointer("/context/default_domain")
        .and_then(Json::as_str)
    {
        ctx.default_domain = Some(domain.to_string());
    }
    if let Some(existing) = case.get("existing_values").and_then(Json::as_array) {
        let existing: Vec<String> = existing
            .iter()
            .map(|v| v.as_str().unwrap().to_lowercase())
            .collect();
        ctx.exists = Some(Box::new(move |v: &str| {
            existing.contains(&v.to_lowercase())
        }));
    }
    match program.eval(&record, &ctx) {
        Ok(Outcome::Value(v)) => Got::Value(v.to_json()),
        Ok(Outcome::Dropped) => Got::Dropped,
        Err(e) => Got::Error(e.kind.code().to_string()),
    }
}

fn expected(case: &Json) -> Option<Got> {
    if let Some(v) = case.get("expected") {
        return Some(Got::Value(v.clone()));
    }
    if let Some(e) = case.get("error") {
        return Some(Got::Error(e.as_str().unwrap().to_string()));
    }
    if case.get("dropped").and_then(Json::as_bool) == Some(true) {
        return Some(Got::Dropped);
    }
    None
}

/// Check Guid()/RandomString() output against `expected_properties`.
fn check_properties(got: &Got, props: &Json) -> Result<(), String> {
    let Got::Value(Json::String(s)) = got else {
        return Err(format!("expected a string, got {got:?}"));
    };
    let count = |f: fn(&char) -> bool| s.chars().filter(f).count() as u64;
    let special = |c: &char| "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/".contains(*c);
    for (key, want) in props.as_object().unwrap() {
        let ok = match key.as_str() {
            "regex" => fancy_regex::Regex::new(want.as_str().unwrap())
                .unwrap()
                .is_match(s)
                .unwrap(),
            "length" => s.chars().count() as u64 == want.as_u64().unwrap(),
            "min_digits" => count(char::is_ascii_digit) >= want.as_u64().unwrap(),
            "min_lower" => count(char::is_ascii_lowercase) >= want.as_u64().unwrap(),
            "min_upper" => count(char::is_ascii_uppercase) >= want.as_u64().unwrap(),
            "min_special" => count(special) >= want.as_u64().unwrap(),
            "forbidden_chars" => !s.chars().any(|c| want.as_str().unwrap().contains(c)),
            "charset" => match want.as_str().unwrap() {
                "digits+lower" => s
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()),
                other => panic!("unknown charset {other}"),
            },
            other => panic!("unknown property {other}"),
        };
        if !ok {
            return Err(format!("{s:?} fails {key}: {want}"));
        }
    }
    Ok(())
}

fn load(path: &Path) -> Vec<Json> {
    let text = std::fs::read_to_string(path).unwrap();
    // YAML 1.2 booleans only (`y` is text) and leading-zero numbers as text (`05000789`): the
    // cases were written with those readings.
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    serde_saphyr::from_str_with_options(&text, options)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn overrides() -> BTreeMap<String, Json> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/overrides.yaml");
    load(&path)
        .into_iter()
        .map(|o| (o["id"].as_str().unwrap().to_string(), o))
        .collect()
}

#[test]
fn every_conformance_case_passes_or_is_a_recorded_divergence() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let overrides = overrides();
    let compatibility =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("COMPATIBILITY.md"))
            .unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("overrides.yaml"))
        .collect();
    files.sort();
    for file in files {
        for case in load(&file) {
            total += 1;
            let id = case["id"].as_str().unwrap().to_string();
            let got = std::panic::catch_unwind(|| run_case(&case))
                .unwrap_or_else(|_| Got::Error("PANIC".into()));
            let outcome = if let Some(props) = case.get("expected_properties") {
                check_properties(&got, props)
            } else {
                let want = expected(&case).unwrap_or_else(|| panic!("{id}: no outcome key"));
                match overrides.get(&id) {
                    Some(o) => {
                        let ours =
                            expected(o).unwrap_or_else(|| panic!("override {id}: no outcome key"));
                        if !compatibility.contains(&format!("`{id}`")) {
                            failures.push(format!(
                                "{id}: overridden but not listed in COMPATIBILITY.md"
                            ));
                        }
                        if ours == want {
                            failures.push(format!("{id}: override equals the case; remove it"));
                        }
                        if got == ours {
                            Ok(())
                        } else {
                            Err(format!("got {got:?}, our recorded value is {ours:?}"))
                        }
                    }
                    None if got == want => Ok(()),
                    None => Err(format!("got {got:?}, expected {want:?}")),
                }
            };
            if let Err(why) = outcome {
                failures.push(format!(
                    "{id}: {why}\n    {}",
                    case["expression"].as_str().unwrap().replace('\n', "\n    ")
                ));
            }
        }
    }
    assert!(total >= 298, "only {total} cases found");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
