//! The .NET behaviour entramap reproduces, as data: every line of `tests/data/dotnet/*.jsonl`
//! is one case (a JSON object with an `op`, its inputs and the `want`ed result, checked with
//! Mono or taken from a conformance vector), run against `entramap::dotnet`. `#` lines are
//! comments. A new case is a line in a data file; a new kind of case is an `op` here.

use std::path::PathBuf;

use entramap::dotnet::datetime::{DateFormat, DateKind, DateTime, DateTimeStyles};
use entramap::dotnet::regex::{DotNetRegex, Replacement};
use serde_json::Value as Json;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/dotnet")
        .join(name)
}

fn text(case: &Json, key: &str) -> Result<String, String> {
    case[key]
        .as_str()
        .map(str::to_string)
        .ok_or(format!("`{key}` is not a string"))
}

fn entra(d: DateTime) -> String {
    let mut s = String::new();
    d.write_entra(&mut s);
    s
}

fn iso(d: DateTime) -> String {
    let mut s = String::new();
    DateFormat::compile("yyyy-MM-ddTHH:mm:ss.fffffff")
        .expect("a valid format")
        .format(d, &mut s);
    s
}

fn kind_letter(k: DateKind) -> &'static str {
    match k {
        DateKind::Utc => "U",
        DateKind::Local => "L",
        DateKind::Unspecified => "N",
    }
}

fn regex(pattern: &str) -> Result<DotNetRegex, String> {
    DotNetRegex::compile(pattern).map_err(|e| format!("pattern does not compile: {e}"))
}

/// What the case's operation gives, next to what it wants, as comparable JSON.
fn run(case: &Json) -> Result<(Json, Json), String> {
    let op = case["op"].as_str().ok_or("no `op`")?;
    let want = case["want"].clone();
    let got = match op {
        "replace" => {
            let re = regex(&text(case, "pattern")?)?;
            let replacement = Replacement::parse(&text(case, "replacement")?, &re);
            let mut out = String::new();
            re.replace_all(&text(case, "input")?, &replacement, &mut out)
                .map_err(|e| e.to_string())?;
            Json::from(out)
        }
        "replace_group" => {
            let re = regex(&text(case, "pattern")?)?;
            let mut out = String::new();
            re.replace_group(
                &text(case, "input")?,
                &text(case, "group")?,
                &text(case, "replacement")?,
                &mut out,
            )
            .map_err(|e| e.to_string())?;
            Json::from(out)
        }
        "pattern_error" => {
            return match DotNetRegex::compile(&text(case, "pattern")?) {
                Ok(_) => Err("the pattern compiles".into()),
                Err(e) => Ok((serde_json::json!([e.start, e.end]), case["span"].clone())),
            };
        }
        "cdate" => Json::from(DateTime::parse_lenient(&text(case, "input")?).map(entra)),
        "entra" => {
            let at = DateTime::parse_rfc3339(&text(case, "rfc3339")?).ok_or("bad rfc3339")?;
            Json::from(entra(at))
        }
        "lenient" => Json::from(DateTime::parse_lenient(&text(case, "input")?).map(iso)),
        "parse_exact" => {
            let bits = case["styles"].as_u64().ok_or("`styles` is not a number")?;
            let styles = u32::try_from(bits)
                .ok()
                .and_then(DateTimeStyles::from_bits)
                .ok_or("invalid styles")?;
            match DateFormat::compile(&text(case, "format")?) {
                // A format .NET refuses fails the parse.
                Err(_) => Json::Null,
                Ok(format) => Json::from(
                    format
                        .parse_exact_kind(&text(case, "input")?, styles, None)
                        .map(|(d, k)| format!("{} {}", iso(d), kind_letter(k))),
                ),
            }
        }
        "format" => {
            let at = DateTime::parse_rfc3339(&text(case, "at")?).ok_or("bad `at`")?;
            let format = DateFormat::compile(&text(case, "format")?)
                .map_err(|e| format!("format does not compile: {e}"))?;
            let mut out = String::new();
            format.format(at, &mut out);
            Json::from(out)
        }
        "format_error" => {
            let refused = DateFormat::compile(&text(case, "format")?).is_err();
            return Ok((Json::from(refused), Json::from(true)));
        }
        other => return Err(format!("unknown op `{other}`")),
    };
    // `want: null` means the operation fails: the parses above give null then.
    Ok((got, want))
}

/// Runs every case of one data file; returns the number of cases.
fn run_file(name: &str) -> usize {
    let path = data(name);
    let content = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut failures = Vec::new();
    let mut cases = 0;
    for (i, line) in content.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        cases += 1;
        let at = format!("{name}:{}", i + 1);
        let case: Json = match serde_json::from_str(line) {
            Ok(case) => case,
            Err(e) => {
                failures.push(format!("{at}: not JSON: {e}"));
                continue;
            }
        };
        match run(&case) {
            Ok((got, want)) if got == want => {}
            Ok((got, want)) => failures.push(format!("{at}: got {got}, want {want}")),
            Err(e) => failures.push(format!("{at}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cases
}

#[test]
fn datetime_cases_match_dotnet() {
    // 10 CDate, 53 lenient parses, 63 ParseExact, 60 formats, 17 refused formats.
    assert_eq!(run_file("datetime.jsonl"), 203);
}

#[test]
fn regex_cases_match_dotnet() {
    assert_eq!(run_file("regex.jsonl"), 127);
}

#[test]
fn a_case_that_does_not_hold_is_reported() {
    let wrong = serde_json::json!({"op": "replace", "input": "ab", "pattern": "b", "replacement": "c", "want": "ab"});
    let (got, want) = run(&wrong).unwrap();
    assert_ne!(got, want);
    let unknown = serde_json::json!({"op": "nope"});
    assert!(run(&unknown).is_err());
}
