//! Print a generated Microsoft Graph synchronization schema with N attribute mappings and N
//! target attributes (default 100,000), for the scale figures in BENCHMARKS.md:
//! `cargo run --release --example big_schema -- 100000 > /tmp/wide.json`.

#[path = "../tests/support/big_schema.rs"]
mod big_schema;

fn main() {
    let rows = std::env::args()
        .nth(1)
        .map_or(Ok(100_000), |n| n.parse::<usize>())
        .unwrap_or_else(|e| {
            eprintln!("usage: big_schema [ROWS]: {e}");
            std::process::exit(2);
        });
    let schema = big_schema::graph_schema(rows);
    println!("{schema}");
}
