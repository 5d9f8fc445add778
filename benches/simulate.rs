//! `entramap simulate` at scale: 10,000 generated users (`entramap sample --users 10000
//! --seed 1`) through `mappings/scim-default.yaml`, an initial cycle plus an unchanged second
//! cycle (incremental, or full after a restart), counted into a summary (no transcript text). The target is 100,000 users per
//! second per cycle. Run with `cargo bench --bench simulate`.

use std::sync::OnceLock;

use divan::{Bencher, black_box};
use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::load::{self, Loaded};
use entramap::model::mapping::Dialect;
use entramap::provision::cycle::Simulator;
use entramap::provision::directory::{self, Directory};
use entramap::provision::sample::{self, SampleOptions, SnapshotFormat};
use entramap::provision::target::WriteAnswers;
use entramap::provision::transcript::Summary;

// The binary's allocator, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const USERS: usize = 10_000;

/// The mapping and the generated directory, loaded once (loading is not measured).
fn inputs() -> &'static (Loaded, Directory) {
    static INPUTS: OnceLock<(Loaded, Directory)> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings/scim-default.yaml");
        let loaded = load::read(std::path::Path::new(path)).expect("the default mapping loads");
        let options = SampleOptions {
            users: USERS,
            groups: 20,
            seed: 1,
        };
        let mut text = Vec::new();
        sample::write(&mut text, &options, SnapshotFormat::Json).expect("writes to memory");
        let text = String::from_utf8(text).expect("UTF-8");
        let directory = directory::parse("sample.json", &text).expect("the sample loads");
        (loaded, directory)
    })
}

/// A job as `simulate --format summary` runs it: the app answers writes with the id alone.
fn simulator(loaded: &Loaded) -> Simulator {
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    let mut sim =
        Simulator::new(&loaded.file, Dialect::Compliant, Context::new(now, 0)).expect("compiles");
    sim.endpoint_mut().set_write_answers(WriteAnswers::IdOnly);
    sim
}

/// Cycle 1 alone: every user is matched, created, then linked to its manager.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn initial_cycle(bencher: Bencher) {
    let (loaded, snapshot) = inputs();
    bencher
        .counter(divan::counter::ItemsCount::new(USERS))
        .with_inputs(|| simulator(loaded))
        .bench_local_values(|mut sim| {
            let mut summary = Summary::default();
            sim.run_cycle(snapshot, 1, &mut |r| summary.add(r));
            black_box(summary);
            sim
        });
}

/// Cycle 2 alone, over the same snapshot, incremental: nothing changed, so no object is
/// evaluated and nothing is sent; the cost is comparing the snapshot with the last one.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn unchanged_cycle(bencher: Bencher) {
    cycle_two(bencher, false);
}

/// Cycle 2 alone, over the same snapshot, after a restart: every linked user is read and
/// compared and no write is sent.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn unchanged_full_cycle(bencher: Bencher) {
    cycle_two(bencher, true);
}

fn cycle_two(bencher: Bencher, restart: bool) {
    let (loaded, snapshot) = inputs();
    bencher
        .counter(divan::counter::ItemsCount::new(USERS))
        .with_inputs(|| {
            let mut sim = simulator(loaded);
            sim.run_cycle(snapshot, 1, &mut |_| {});
            if restart {
                sim.restart();
            }
            sim
        })
        .bench_local_values(|mut sim| {
            let mut summary = Summary::default();
            sim.run_cycle(snapshot, 2, &mut |r| summary.add(r));
            black_box(summary);
            sim
        });
}

/// Both cycles, as `entramap simulate --cycles 2 --format summary` runs them.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn both_cycles(bencher: Bencher) {
    let (loaded, snapshot) = inputs();
    bencher
        .counter(divan::counter::ItemsCount::new(2 * USERS))
        .bench_local(|| {
            let mut sim = simulator(loaded);
            let mut summary = Summary::default();
            for cycle in 1..=2 {
                sim.run_cycle(snapshot, cycle, &mut |r| summary.add(r));
            }
            black_box(summary.render())
        });
}
