//! [`LiveError`]: why `live` cannot start. Once the run has started nothing is an error: what
//! the app answers, a refused credential, a lost connection, an interrupt and the deadline are
//! all in the [`LiveReport`](super::LiveReport) (its `fault`, `stopped` and `result`), so that the
//! transcript, the cleanup and the report are never lost to an error.
//!
//! No variant holds the token: an error names the environment variable, never its value, and
//! is safe to print and to log.

use crate::provision::cycle::SetupError;

/// Why a live run cannot start: a token that cannot be used, or a plan that cannot be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The token's environment variable is not set.
    #[error(
        "environment variable {var} is not set: export the app's SCIM bearer token in it \
         (the token is never taken from the command line, where shells and process lists keep it)"
    )]
    TokenNotSet {
        /// The variable's name.
        var: String,
    },
    /// The token's environment variable holds nothing but white space.
    #[error("environment variable {var} is empty: set it to the app's SCIM bearer token")]
    TokenEmpty {
        /// The variable's name.
        var: String,
    },
    /// The token's environment variable is not valid UTF-8. Its value is not kept: it is
    /// the secret.
    #[error("environment variable {var} is not valid UTF-8")]
    TokenNotUnicode {
        /// The variable's name.
        var: String,
    },
    /// The token cannot be an HTTP header value: empty, a control character, or not ASCII.
    #[error("the token must be non-empty printable ASCII")]
    TokenNotPrintable,
    /// The token is shorter than [`Token::MIN_LEN`](super::Token::MIN_LEN): its echo in an
    /// answer could not be told apart from ordinary text, so it could not be kept out of the
    /// report and the transcript.
    #[error(
        "the token is {len} characters long; tokens shorter than {min} characters are refused, \
         because an echo of one cannot be told apart from ordinary text and scrubbed"
    )]
    TokenTooShort {
        /// Its length, in bytes (it is ASCII).
        len: usize,
        /// The shortest length accepted.
        min: usize,
    },
    /// The plan has no directory snapshot.
    #[error("no directory snapshot to provision")]
    NoSnapshot,
    /// The mapping cannot be simulated (a row or scoping filter that does not compile): the
    /// model's side of the run cannot be built, and without it there is nothing to compare.
    #[error(transparent)]
    Setup(#[from] SetupError),
}
