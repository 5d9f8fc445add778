//! .NET behaviour that Entra's provisioning service inherits and Rust does not share: custom
//! date formats and parsing, the regex dialect and its substitutions, culture casing,
//! `ToTitleCase`, UTF-16 string positions.

pub mod datetime;
pub mod regex;
pub mod text;
