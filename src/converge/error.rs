//! [`ConvergeError`]: why a search cannot give a report. A mapping that does not converge is
//! not an error: it is the report's findings.

use serde_json::Value as Json;

use crate::provision::cycle::SetupError;

/// Why [`converge`](super::converge) (or [`Prepared::new`](super::run::Prepared::new)) gives
/// no report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvergeError {
    /// The mapping cannot be simulated: it names the row or scoping filter that does not
    /// compile.
    #[error(transparent)]
    Setup(#[from] SetupError),
    /// proptest stopped the search: too many generated directories were rejected.
    #[error("the generator gave up: {reason}")]
    GeneratorGaveUp {
        /// proptest's reason.
        reason: String,
    },
    /// The simulator panicked on a generated directory: a bug of entramap, reported with the
    /// shrunk directory that shows it.
    #[error(
        "internal error: the simulator panicked on this directory (please report it): {directory}"
    )]
    SimulatorPanicked {
        /// The directory snapshot (entramap's directory JSON) the simulator panicked on.
        directory: Json,
    },
}
