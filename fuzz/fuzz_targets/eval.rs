//! Compile arbitrary UTF-8 and evaluate it over the built-in sample user with a fixed clock and
//! seed. Any result is fine; a panic, a hang or a crash is a bug. Evaluating twice with the same
//! context must give the same outcome.

#![no_main]

use std::sync::LazyLock;

use entramap::DateTime;
use entramap::expr::{Context, CompileOptions, compile};
use entramap::model::sample::sample_user;
use entramap::model::source::Record;
use libfuzzer_sys::fuzz_target;

static SAMPLE: LazyLock<Record> = LazyLock::new(sample_user);

fn context() -> Context {
    let now = DateTime::parse_rfc3339("2025-07-30T09:15:00Z").expect("a valid instant");
    let mut ctx = Context::new(now, 42);
    ctx.default_domain = Some("contoso.com".to_string());
    ctx
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(program) = compile(text, &CompileOptions::default()) else {
        return;
    };
    let (first_ctx, second_ctx) = (context(), context());
    let first = program.eval(&*SAMPLE, &first_ctx);
    let second = program.eval(&*SAMPLE, &second_ctx);
    assert_eq!(first, second, "{text:?} is not deterministic");
    if let Ok(entramap::expr::Outcome::Value(v)) = first {
        let _ = v.to_json();
        let _ = v.to_result_strings();
    }
});
