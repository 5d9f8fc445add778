//! `entramap converge` on Entra's default SCIM mapping (`mappings/scim-default.yaml`, 22 user
//! rows): the default search of 256 generated directories, each run for four cycles with a
//! source change, plus the shrinking and diagnosis of anything found. The target is
//! under 10 seconds. Run with `cargo bench --bench converge`.

use std::sync::OnceLock;

use divan::black_box;
use entramap::converge::{self, ConvergeOptions};
use entramap::dotnet::datetime::DateTime;
use entramap::load::{self, Loaded};
use entramap::model::mapping::Dialect;

fn main() {
    divan::main();
}

/// A mapping, loaded once (loading is not measured).
fn loaded(cell: &'static OnceLock<Loaded>, file: &str) -> &'static Loaded {
    cell.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        load::read(&path).expect("the mapping loads")
    })
}

fn options() -> ConvergeOptions {
    ConvergeOptions {
        cases: 256,
        seed: 0,
        now: DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now"),
    }
}

/// The default run on the 22-row default mapping: it converges, so all 256 cases run.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn scim_default_256_cases() {
    static CELL: OnceLock<Loaded> = OnceLock::new();
    let loaded = loaded(&CELL, "mappings/scim-default.yaml");
    let report = converge::converge("scim-default", &loaded.file, Dialect::Legacy, &options())
        .expect("runs");
    assert!(report.converged);
    black_box(report);
}

/// A mapping that does not converge: the search, the shrinking of the counterexample, and a
/// second search that confirms nothing else is wrong.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn counterexample_found_and_shrunk() {
    static CELL: OnceLock<Loaded> = OnceLock::new();
    let loaded = loaded(&CELL, "tests/data/converge/vendor-drops-title.yaml");
    let report =
        converge::converge("drops", &loaded.file, Dialect::Legacy, &options()).expect("runs");
    assert!(!report.converged);
    black_box(report);
}
