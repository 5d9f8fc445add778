//! entramap: Microsoft Entra ID attribute mappings, compiled, evaluated and simulated offline.
//!
//! The expression language lives in [`expr`]: [`expr::syntax::parse`] turns text into a syntax
//! tree, [`expr::compile()`] resolves it against the builtin table into a [`expr::Program`], and
//! [`expr::Program::eval`] runs it over a source object ([`model::source::Record`]).

#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod converge;
pub mod docs;
pub mod expr;
pub mod input;
pub mod live;
pub mod model;
pub mod provision;
pub mod scim;
pub mod snippet;
