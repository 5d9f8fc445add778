//! The provisioning log: what Entra decided about every object of a cycle, and why, shaped
//! like Microsoft Graph's `provisioningObjectSummary` (docs/provisioning-log.md) so that a
//! script written against real logs reads ours.
//!
//! [`LogRecorder`] is a [`Sink`] that asks the cycle for its decisions: the cycle brackets
//! each object it evaluates ([`Sink::begin_object`] … [`Sink::end_object`]) and reports the
//! requests, failures and notes in between; the recorder turns each bracket into one entry
//! with the steps of Provision on demand (import, scoping, matching, processing, export) and
//! hands it on at once, so a log of a million users streams. What the cycle does after its
//! object passes (manager references, group memberships, deletes of objects gone from the
//! snapshot, deprovisioning held by the accidental-deletions threshold) arrives outside any
//! bracket and becomes its own entry, one per object and pass.
//!
//! One job per file: Graph's types in `entry.rs`, the recorder and its lifecycle in
//! `recorder.rs`, the steps in `scoping.rs` and `processing.rs`, and `modifiedProperties` in
//! `properties.rs`.
//!
//! [`Sink`]: super::cycle::Sink
//! [`Sink::begin_object`]: super::cycle::Sink::begin_object
//! [`Sink::end_object`]: super::cycle::Sink::end_object

mod entry;
mod processing;
mod properties;
mod recorder;
mod scoping;

pub use entry::{
    ErrorInfo, Identity, LogEntry, ModifiedProperty, ProvisioningAction, SOURCE_SYSTEM,
    ServicePrincipal, Status, StatusInfo, Step, StepType, System,
};
pub use recorder::{EntryOut, LogOptions, LogRecorder};
