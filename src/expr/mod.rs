//! The expression language: text to syntax tree to compiled [`Program`] to [`Value`].

pub mod builtins;
pub mod catalog;
pub(crate) mod compile;
pub(crate) mod error;
pub(crate) mod eval;
pub mod graph;
pub mod print;
pub(crate) mod source;
pub mod syntax;
pub(crate) mod value;

pub use compile::{AttributeCheck, CompileOptions, Program, compile};
pub use error::{Error, ErrorKind, Located, Span, SyntaxError, Warning};
pub use eval::{Context, Outcome};
pub use value::Value;
