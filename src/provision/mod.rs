//! The provisioning simulator: which source objects are in scope, what Entra wants the target
//! object to be, and an in-memory model of the vendor's SCIM endpoint.

pub mod assignment;
pub mod clock;
pub mod cycle;
mod delta;
pub mod dialect;
pub mod diff;
pub mod directory;
mod directory_file;
pub mod endpoint;
pub mod explain;
pub mod export;
pub(crate) mod guard;
pub(crate) mod id;
pub mod impact;
pub mod log;
pub mod output;
pub mod project;
pub mod retry;
pub(crate) mod rows;
pub mod sample;
pub mod scope;
mod stored;
pub(crate) mod tap;
pub mod target;
pub mod transcript;

pub use guard::{Staged, TooManyDeletes};
pub use rows::{AttributeRows, CycleRows, Evaluated, FlowFacts, RowDescription};
pub use tap::LogTap;

/// Hash maps and sets keyed by ids and names: foldhash is several times faster than SipHash on
/// short strings, and a simulation hashes every object id a few times per cycle.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// See [`FastMap`].
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
