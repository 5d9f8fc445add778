//! Ctrl-C and SIGTERM for the commands that must not stop half-way: the first signal only
//! raises a flag, which the running command reads at its next safe point (a whole line
//! written, a temporary file removed, `live`'s cleanup done, its transcript and report
//! written); a second signal exits at once with 130, as a shell expects of an interrupted
//! program.
//!
//! Commands that have no such point (`eval`, `check`, ...) never call [`install`], so the
//! default action (terminate) stays theirs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The exit code of a program stopped by SIGINT (128 + 2), as shells report it.
pub(crate) const EXIT_CODE: u8 = 130;

/// Catch SIGINT and SIGTERM from now on. Fails only when the handlers cannot be registered,
/// and then the default action stays in force.
pub(crate) fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for signal in [SIGINT, SIGTERM] {
        // Registered first, so it runs before the flag is raised: when the flag is already
        // up (a second signal), the process exits instead.
        flag::register_conditional_shutdown(signal, i32::from(EXIT_CODE), shared().clone())?;
        flag::register(signal, shared().clone())?;
    }
    Ok(())
}

/// Whether a stop was asked for.
pub(crate) fn requested() -> bool {
    flag().load(Ordering::Relaxed)
}

/// The flag the library's long-running loops poll: they take an `&AtomicBool`, so the
/// library itself never installs a handler.
pub(crate) fn flag() -> &'static AtomicBool {
    shared()
}

fn shared() -> &'static Arc<AtomicBool> {
    // signal-hook raises an `Arc`'d flag; a static one lives as long as the program.
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
}
