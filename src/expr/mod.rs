//! The expression language: text to syntax tree to compiled [`Program`] to [`Value`].

pub mod builtins;
pub mod catalog;
pub mod compile;
pub mod error;
pub mod eval;
pub mod graph;
pub mod print;
pub mod source;
pub mod syntax;
pub mod value;

pub use compile::{AttributeCheck, CompileOptions, Program, compile};
pub use error::{Error, ErrorKind, Span, Warning};
pub use eval::{Context, Outcome};
pub use value::Value;
