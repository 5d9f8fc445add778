//! The validation gate: every command that runs or publishes a mapping (`simulate`,
//! `converge`, `docs`, `live`, ...) refuses what `check` reports as an error, so that a
//! source typo or a row for an attribute the app does not have is never run as if it worked.

use super::{CheckReport, CheckSeverity, check};
use crate::load::Loaded;

/// A mapping the gate refuses: `check` found at least one error in it. The report holds
/// every finding, warnings included, so that the refusal shows what `check` shows.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}: refused, `entramap check` finds {}", report.file, report.summary())]
pub struct Refused {
    /// `check`'s whole report on the mapping.
    pub report: CheckReport,
}

/// Run `check`'s lints over a loaded mapping: the mapping passes when there is no error, and
/// the returned report then holds only its warnings, for the caller to show once.
pub fn gate(loaded: &Loaded) -> Result<CheckReport, Refused> {
    let report = check(loaded);
    if report.has_errors() {
        return Err(Refused { report });
    }
    debug_assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity() == CheckSeverity::Warning)
    );
    Ok(report)
}
