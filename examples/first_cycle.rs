//! Load Entra's default SCIM mapping and print the requests of the first provisioning cycle
//! over the built-in sample directory, as the library sees them.
//!
//! `cargo run --example first_cycle`

use entramap::{Context, DateTime, Dialect, Simulator, provision::directory};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mapping = entramap::parse_mapping(
        "scim-default.yaml",
        include_str!("../mappings/scim-default.yaml"),
    )?;
    let ctx = Context::new(DateTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap(), 0);
    let mut job = Simulator::new(&mapping.file, Dialect::Legacy, ctx)?;
    let failures = job.run_cycle(&directory::sample(), 1, &mut |r| {
        println!(
            "{:<7} {} {} -> {}",
            r.action.as_str(),
            r.method,
            r.path,
            r.status
        );
    });
    for failure in failures {
        eprintln!("failed: {failure:?}");
    }
    Ok(())
}
