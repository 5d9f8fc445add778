//! The `entramap` command line.

fn main() -> std::process::ExitCode {
    entramap::cli::run()
}
