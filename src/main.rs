//! The `entramap` command line.

// The simulator allocates and frees millions of small JSON nodes per cycle; glibc's malloc
// spends a fifth of a large run consolidating free lists (BENCHMARKS.md), mimalloc does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    entramap::cli::run()
}
