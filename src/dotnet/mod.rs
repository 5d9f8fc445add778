//! .NET behaviour that Entra's provisioning service inherits and Rust does not share: custom
//! date formats and parsing, the regex dialect and its substitutions, culture casing,
//! `ToTitleCase`, UTF-16 string positions.
//!
//! The leaf of the crate: it uses nothing of ours, and anything may use it (the evaluator, SCIM
//! query encoding, the CLI's `--now`).

pub mod datetime;
pub mod regex;
pub mod text;
