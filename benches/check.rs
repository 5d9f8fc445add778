//! `entramap check` over a 200-row mapping, the size of a large gallery app's table. The
//! issue's budget is 5 ms. Run with `cargo bench --bench check`.

use divan::{Bencher, black_box};
use entramap::check;
use entramap::load;

fn main() {
    divan::main();
}

/// Expression rows cycle through these (each reads real catalog attributes, so the lints do
/// their full work without raising findings).
const EXPRESSIONS: [&str; 6] = [
    r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
    r#"Join(" ", [givenName], [surname])"#,
    r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#,
    r#"Switch([country], [country], "", "Other")"#,
    r#"IIF([accountEnabled] = "True", [jobTitle], "Former employee")"#,
    r#"Replace([telephoneNumber], , "[()\\s-]+", , "", , )"#,
];

const SOURCES: [&str; 8] = [
    "displayName",
    "jobTitle",
    "mail",
    "department",
    "city",
    "mobile",
    "employeeId",
    "extension_0123456789abcdef0123456789abcdef_costCenter",
];

/// A YAML mapping with `rows` user rows, half direct and half expressions, and the matching
/// attribute list.
fn mapping(rows: usize) -> String {
    let mut text = String::from("app: Bench\nusers:\n  mappings:\n");
    text.push_str("    - target: userName\n      source: userPrincipalName\n      match: 1\n");
    for i in 1..rows {
        text.push_str(&format!(
            "    - target: urn:ietf:params:scim:schemas:extension:bench:2.0:User:attr{i}\n"
        ));
        if i % 2 == 0 {
            text.push_str(&format!("      source: {}\n", SOURCES[i % SOURCES.len()]));
        } else {
            let expression = EXPRESSIONS[i % EXPRESSIONS.len()].replace('\'', "''");
            text.push_str(&format!("      expression: '{expression}'\n"));
        }
    }
    text.push_str(
        "  attributes:\n    - name: userName\n      required: true\n      filterable: true\n",
    );
    for i in 1..rows {
        text.push_str(&format!(
            "    - name: urn:ietf:params:scim:schemas:extension:bench:2.0:User:attr{i}\n"
        ));
    }
    text
}

#[divan::bench]
fn check_200_rows(bencher: Bencher) {
    let loaded = load::parse("bench.yaml", &mapping(200)).unwrap();
    let report = check::check(&loaded);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    bencher.bench_local(|| black_box(check::check(black_box(&loaded))));
}

#[divan::bench]
fn load_and_check_200_rows(bencher: Bencher) {
    let text = mapping(200);
    bencher.bench_local(|| {
        let loaded = load::parse("bench.yaml", black_box(&text)).unwrap();
        black_box(check::check(&loaded))
    });
}
