//! What library tests of the provisioning engine share: a user object mapping from a few
//! YAML rows, and the fixed clock and seed they evaluate under. Included with
//! `#[path = "support/mapping.rs"] mod mapping;`.

#![allow(dead_code)]

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::load;
use entramap::model::mapping::ObjectMapping;

/// The user object mapping of a YAML mapping file given as its `users:` body.
pub fn users(body: &str) -> ObjectMapping {
    let text = format!("app: test\nusers:\n{body}");
    load::parse("test.yaml", &text)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .file
        .users
}

/// The evaluation context: a fixed clock (2024-05-01T12:00:00Z) and seed (7), so that
/// `Now()` and `Guid()` rows give the same values in every run.
pub fn ctx() -> Context {
    Context::new(DateTime::parse_rfc3339("2024-05-01T12:00:00Z").unwrap(), 7)
}
