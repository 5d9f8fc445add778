//! Provisioning cycles: the requests Entra sends for one directory snapshot, in order, each
//! answered by the in-memory [`Target`] so its response drives the next step
//! (docs/scim-wire.md §3, §6, §9.5–9.7; docs/mapping-model.md §9.7, §10).
//!
//! Order within a cycle (§3.1 "users and groups first and group memberships after that"):
//! 1. users in snapshot order: match/create for unlinked users, read/update or disable for
//!    linked ones;
//! 2. manager links, once every user of the cycle has its target id (E15);
//! 3. hard deletes of users that left the snapshot (E14);
//! 4. groups: match/create or read/update, created empty (E17, E18, E16, E19);
//! 5. group memberships: add then remove (E20, E21);
//! 6. deletes of groups that left the snapshot or the scope (E22).
//!
//! Entra's links (source objectId → target id) persist across cycles in the [`Simulator`], so a
//! later cycle reads linked objects by id instead of matching them again.
//!
//! The first cycle, and any cycle after a restart or a change of mapping, is a full cycle: it
//! evaluates every object. Every other cycle is incremental: it evaluates only the objects
//! whose inputs changed since they were last evaluated (`super::delta`), and the objects
//! that failed earlier whose retry is due ([`super::retry`]; how-provisioning-works.md,
//! "Incremental cycles" and "Errors and retries"). An object it does not evaluate gets no request at all, not even a
//! read. What Entra then leaves undone (known-issues.md) is reported as [`Note`]s.
//!
//! One job per file: the request vocabulary in `request.rs`, the [`Sink`] in `sink.rs`,
//! the compiled mapping in `config.rs`, the links in `state.rs`, the [`Simulator`] front in
//! `simulator.rs`, and one cycle in progress (`run.rs`) by pass: `users.rs`, `managers.rs`,
//! `matching.rs`, `groups.rs`, `deletes.rs` (deprovisioning and its guards).
//!
//! [`Target`]: super::target::Target

use super::diff;
use crate::scim::Resource;

mod config;
mod deletes;
mod groups;
mod managers;
mod matching;
mod request;
mod run;
mod simulator;
mod sink;
mod state;
mod users;

pub use request::{ErrorCode, Failure, Recorded, Request, RequestPurpose, SetupError};
pub use simulator::Simulator;
pub use sink::{Note, NoteKind, PROGRESS_EVERY, Progress, Sink, Subject};

/// Whether the app already shows the user inactive (`active` false or `"False"`); an absent
/// `active` counts as active, as SCIM servers default it.
pub(crate) fn shows_inactive(resource: &Resource) -> bool {
    crate::scim::resource::get_ci(resource, "active").and_then(diff::truth) == Some(false)
}
