//! Compile one expression and evaluate it over a few users: the compile-once, evaluate-many
//! pattern the simulator uses.
//!
//! `cargo run --example evaluate`

use entramap::{Context, DateTime, Outcome, Record, compile};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let program = compile(
        r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#,
        &Default::default(),
    )?;
    let ctx = Context::new(DateTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap(), 0);
    for (given, surname) in [
        ("Zoë", "Åberg"),
        ("Jean Luc", "Picard"),
        ("Ada", "Lovelace"),
    ] {
        let user =
            Record::from_json(&serde_json::json!({ "givenName": given, "surname": surname }))?;
        match program.eval(&user, &ctx)? {
            Outcome::Value(value) => println!("{given} {surname} -> {}", value.to_json()),
            Outcome::Dropped => println!("{given} {surname} -> (not sent)"),
        }
    }
    Ok(())
}
