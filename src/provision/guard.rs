//! The guards on deprovisioning (docs/engine-behaviours/scope-and-guards.md): what a cycle
//! held back under accidental-deletions prevention, and which mappings write more than
//! `active` when a user is deprovisioned.

use super::cycle::RequestPurpose;
use super::target::ResourceKind;
use crate::model::mapping::ObjectMapping;
use crate::scim::Path;

/// A disable or delete that the accidental-deletions threshold held back: Entra logs it as
/// `StagedDelete` (accidental-deletions.md, "How are these deletion events logged?").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staged {
    /// Users or groups.
    pub kind: ResourceKind,
    /// The source objectId.
    pub object: String,
    /// A readable name (the objectId for a user gone from the snapshot).
    pub label: String,
    /// [`RequestPurpose::Disable`] or [`RequestPurpose::Delete`].
    pub action: RequestPurpose,
}

/// A job the accidental-deletions threshold put in quarantine, Graph's synchronizationQuarantine
/// reason `TooManyDeletes`: it sends nothing until an admin allows the deletes or restarts it.
/// The other quarantines (credentials, escrow thresholds) are [`retry::Quarantine`].
///
/// [`retry::Quarantine`]: super::retry::Quarantine
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooManyDeletes {
    /// The cycle whose disables and deletes exceeded the threshold.
    pub cycle: u32,
    /// `settings.accidental_deletions_threshold`.
    pub threshold: u32,
    /// What that cycle held back, users' disables first, then deletes in link order.
    pub staged: Vec<Staged>,
}

impl TooManyDeletes {
    /// How many disables and deletes were staged.
    pub fn counts(&self) -> (usize, usize) {
        let disables = self
            .staged
            .iter()
            .filter(|s| s.action == RequestPurpose::Disable)
            .count();
        (disables, self.staged.len() - disables)
    }

    /// One line for the summary of `cycle`: the staging itself, or a cycle skipped because
    /// of it.
    pub fn describe(&self, cycle: u32) -> String {
        let (disables, deletes) = self.counts();
        if cycle == self.cycle {
            format!(
                "{disables} disables + {deletes} deletes exceed accidental_deletions_threshold {}: none sent (StagedDelete); the job is quarantined",
                self.threshold
            )
        } else {
            format!(
                "job quarantined since cycle {} (accidental_deletions_threshold {}): nothing sent",
                self.cycle, self.threshold
            )
        }
    }
}

/// Whether a user row other than the one targeting `active` may read IsSoftDeleted: a source
/// or an expression that names it. A cheap textual test, so a mapping without such rows
/// never projects a deprovisioned user twice.
pub fn reads_soft_deleted_beyond_active(users: &ObjectMapping) -> bool {
    users.mappings.iter().any(|row| {
        let is_active = Path::parse(&row.target.value).is_ok_and(|p| super::project::is_active(&p));
        let reads = row
            .source
            .iter()
            .chain(row.expression.iter())
            .any(|text| text.value.to_ascii_lowercase().contains("issoftdeleted"));
        reads && !is_active
    })
}
