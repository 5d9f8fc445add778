//! `entramap live`: Entra's provisioning cycle against a real SCIM endpoint, and a report of
//! where the app will disagree with what Entra sends.
//!
//! - [`LiveError`]: why a run cannot start (the token, the plan); nothing after the start is
//!   an error, it is in the report;
//! - `url`: the tenant URL, refused over plain `http://` except on loopback;
//! - `http`: the app's endpoint over HTTP (timeouts, 429 and `Retry-After`, the token);
//! - `prefix`: `--prefix` on the directory, so a shared staging server stays tidy;
//! - `session`: the cycles with the in-memory model in lockstep;
//! - `connect`: Entra's Test Connection, first;
//! - `cleanup`: `--cleanup`, last;
//! - `compare`: the app's resources against the model's, and causes of endless PATCHes;
//! - `explain`: causes and fixes of rejected requests, and the probes that test them;
//! - `owner`: what the run may write to, and match answers that would make it write elsewhere;
//! - `findings`: the report's findings, grouped by cause, most serious first;
//! - `report`: the findings, as data and as text.

mod cleanup;
pub(crate) mod compare;
mod connect;
mod error;
pub(crate) mod explain;
mod findings;
pub(crate) mod http;
pub(crate) mod owner;
pub(crate) mod prefix;
pub(crate) mod report;
mod scrub;
pub(crate) mod session;
pub(crate) mod url;

pub use error::LiveError;
pub use explain::Evidence;
pub use http::{Fault, HttpEndpoint, HttpOptions, HttpStats, Token};
pub use owner::{Foreign, Refusal};
pub use report::{
    Cleanup, Consequence, CycleReport, Difference, EndlessPatch, Kept, LiveFinding, LiveReport,
    LiveSeverity, ObjectFailure, Rejection, Stopped, TestConnection, Verdict,
};
pub use session::{Connection, LivePlan, Stop, run};
pub use url::{TenantUrl, UrlError};
