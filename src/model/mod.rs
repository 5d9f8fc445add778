//! Data the simulator works on: source objects and, later, mapping tables and target schemas.

pub(crate) mod attribute_index;
pub mod dialect;
pub mod mapping;
pub mod sample;
pub mod scope;
pub mod source;

pub use attribute_index::AttributeIndex;
