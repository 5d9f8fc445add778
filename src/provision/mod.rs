//! The provisioning simulator: which source objects are in scope, what Entra wants the target
//! object to be, and an in-memory model of the vendor's SCIM endpoint.

pub mod cycle;
pub mod dialect;
pub mod diff;
pub mod directory;
mod directory_file;
pub mod endpoint;
pub mod id;
pub mod project;
pub mod sample;
pub mod scope;
mod stored;
pub mod target;
pub mod transcript;
