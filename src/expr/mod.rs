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

// The old path, while code written against it is moved to `crate::dotnet`.
#[doc(hidden)]
pub use crate::dotnet;

pub use compile::{AttributeCheck, Options, Program, compile};
pub use error::{Error, ErrorKind, Span, Warning};
pub use eval::{Context, Outcome};
pub use value::Value;
