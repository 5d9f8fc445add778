//! entramap: Microsoft Entra ID attribute mappings, compiled, evaluated and simulated offline.
//!
//! Entra's provisioning service turns each directory user into SCIM requests through an
//! attribute mapping table. This crate reproduces it: the expression language with .NET's
//! semantics, mapping files in entramap's YAML or Graph's synchronizationSchema JSON, and the
//! engine that decides who is in scope and which requests each cycle sends, in both of Entra's
//! SCIM dialects. The `entramap` binary is a thin command line over it (feature `cli`, on by
//! default; `default-features = false` gives the library alone, without clap, HTTP, proptest
//! or a global allocator).
//!
//! Data flows one way: text → [syntax tree](expr::syntax) → [`Program`] → [`Value`] → target
//! object → requests. The layers are written down in `docs/ARCHITECTURE.md`.
//!
//! # Evaluate an expression
//!
//! Compile once, evaluate over many source objects:
//!
//! ```
//! use entramap::{Context, DateTime, Outcome, Record, compile};
//!
//! let program = compile(
//!     r#"ToLower(Join("@", NormalizeDiacritics([givenName]), "contoso.com"))"#,
//!     &Default::default(),
//! )?;
//! let user = Record::from_json(&serde_json::json!({ "givenName": "Zoë" }))?;
//! let ctx = Context::new(DateTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap(), 0);
//! let Outcome::Value(value) = program.eval(&user, &ctx)? else {
//!     unreachable!("only IgnoreFlowIfNullOrEmpty drops a flow")
//! };
//! assert_eq!(value.to_json(), serde_json::json!("zoe@contoso.com"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Simulate a provisioning cycle
//!
//! Load a mapping (YAML or Graph JSON, told apart by content), then run Entra's first cycle
//! over a directory snapshot against the in-memory app:
//!
//! ```
//! use entramap::{Context, DateTime, Dialect, Simulator, provision::directory};
//!
//! let mapping = entramap::load::parse(
//!     "app.yaml",
//!     include_str!("../mappings/scim-default.yaml"),
//! )?;
//! let ctx = Context::new(DateTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap(), 0);
//! let mut job = Simulator::new(&mapping.file, Dialect::Legacy, ctx)?;
//! let mut posts = Vec::new();
//! job.run_cycle(&directory::sample(), 1, &mut |request| {
//!     if request.method == "POST" {
//!         posts.push(request.path.to_owned());
//!     }
//! });
//! assert!(posts.iter().any(|path| path == "/Users"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]
// A public function that takes or returns a type with no public path is an API a caller cannot
// write down: the type must be re-exported from its module's public parent.
#![warn(unnameable_types)]

pub mod check;
/// The command line, for the `entramap` binary only (not part of the API; see
/// docs/ARCHITECTURE.md, "The public surface").
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "converge")]
pub mod converge;
pub mod docs;
pub mod dotnet;
pub mod expr;
pub mod input;
#[cfg(feature = "live")]
pub mod live;
pub mod load;
pub mod model;
pub mod provision;
#[cfg(feature = "pull")]
pub mod pull;
#[cfg(feature = "html")]
pub mod report;
pub mod scim;
pub mod snippet;

/// Not part of the API: the few internals that the repository's own tests and benchmarks
/// drive directly, such as the generators `converge`'s property tests reuse. Nothing here is
/// stable; docs/ARCHITECTURE.md ("The public surface") says what is.
#[doc(hidden)]
pub mod internals {
    /// `converge`'s search: its directory generators, the mapping facts it derives, one
    /// case's run and the snapshot a generated case renders to.
    #[cfg(feature = "converge")]
    pub mod converge {
        /// Generated directories (proptest strategies).
        pub mod generate {
            pub use crate::converge::generate::*;
        }
        /// What the search reads from the mapping's rows.
        pub mod inspect {
            pub use crate::converge::inspect::*;
        }
        /// One generated case through the simulator.
        pub mod run {
            pub use crate::converge::run::*;
        }
        /// A generated case as a directory snapshot.
        pub mod snapshot {
            pub use crate::converge::snapshot::*;
        }
    }
}

pub use dotnet::datetime::DateTime;
pub use expr::{Context, Outcome, Program, Value, compile};
pub use load::{Loaded, parse as parse_mapping};
pub use model::mapping::{Dialect, MappingFile};
pub use model::source::{Record, Source};
pub use provision::cycle::{Request, Simulator};
pub use provision::directory::Directory;
