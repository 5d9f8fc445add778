//! Compile once, evaluate many: the costs that decide how fast a provisioning cycle runs.
//! Run with `cargo bench --bench expressions`; figures are recorded in BENCHMARKS.md.

use divan::{Bencher, black_box};
use entramap::dotnet::datetime::DateTime;
use entramap::expr::{self, CompileOptions, Context};
use entramap::model::sample::sample_user;

fn main() {
    divan::main();
}

const SWITCH: &str = r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#;
const EMAIL: &str = r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#;

/// The 22 user rows of Entra's default custom SCIM app, as expressions (direct mappings are
/// attribute references).
const DEFAULT_MAPPING: [&str; 22] = [
    "[userPrincipalName]",
    SWITCH,
    "[displayName]",
    "[jobTitle]",
    "[mail]",
    "[preferredLanguage]",
    "[givenName]",
    "[surname]",
    r#"Join(" ", [givenName], [surname])"#,
    "[physicalDeliveryOfficeName]",
    "[streetAddress]",
    "[city]",
    "[state]",
    "[postalCode]",
    "[country]",
    "[telephoneNumber]",
    "[mobile]",
    "[facsimileTelephoneNumber]",
    "[mailNickname]",
    "[employeeId]",
    "[department]",
    "[manager]",
];

fn context() -> Context {
    Context::new(DateTime::parse_rfc3339("2025-07-30T09:15:00Z").unwrap(), 7)
}

fn bench_eval(bencher: Bencher, text: &str) {
    let program = expr::compile(text, &CompileOptions::default()).unwrap();
    let user = sample_user();
    let ctx = context();
    bencher.bench_local(|| {
        let out = program.eval(black_box(&user), &ctx).unwrap();
        black_box(out);
    });
}

#[divan::bench]
fn eval_switch_is_soft_deleted(bencher: Bencher) {
    bench_eval(bencher, SWITCH);
}

#[divan::bench]
fn eval_email_from_names(bencher: Bencher) {
    bench_eval(bencher, EMAIL);
}

#[divan::bench]
fn eval_regex_phone_cleanup(bencher: Bencher) {
    bench_eval(
        bencher,
        r#"Replace([telephoneNumber], , "[()\\s-]+", , "", , )"#,
    );
}

#[divan::bench]
fn eval_format_date_time(bencher: Bencher) {
    bench_eval(
        bencher,
        r#"FormatDateTime(CDate("2025-07-30T09:15:00-07:00"), , "M/d/yyyy h:mm:ss tt", "yyyy-MM-ddTHH:mm:ssZ")"#,
    );
}

#[divan::bench]
fn eval_default_mapping_22_rows(bencher: Bencher) {
    let programs: Vec<_> = DEFAULT_MAPPING
        .iter()
        .map(|t| expr::compile(t, &CompileOptions::default()).unwrap())
        .collect();
    let user = sample_user();
    let ctx = context();
    bencher.bench_local(|| {
        for p in &programs {
            black_box(p.eval(black_box(&user), &ctx).unwrap());
        }
    });
}

#[divan::bench]
fn compile_default_mapping_22_rows() {
    for text in DEFAULT_MAPPING {
        black_box(expr::compile(black_box(text), &CompileOptions::default()).unwrap());
    }
}
