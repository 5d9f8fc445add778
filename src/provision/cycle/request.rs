//! What a cycle reports: the requests Entra sends and why, the objects it fails with their
//! provisioning-log error codes, and why a mapping cannot be simulated at all.

use serde_json::Value as Json;

/// Why Entra sends a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestPurpose {
    /// A filter query looking for an existing account to link (E2, E4, E17).
    Match,
    /// A read by id of a linked object (E5, E16).
    Read,
    /// A POST (E6, E18).
    Create,
    /// A PATCH with the attributes that differ (E9–E11, E13, E19).
    Update,
    /// The PATCH setting `active` false (E12).
    Disable,
    /// A DELETE (E14, E22).
    Delete,
    /// The PATCH setting the manager (E15).
    LinkManager,
    /// The PATCH adding group members (E20).
    AddMembers,
    /// The PATCH removing group members (E21).
    RemoveMembers,
}

impl RequestPurpose {
    /// The name used in transcripts: `match`, `read`, `create`, `update`, `disable`, `delete`,
    /// `link-manager`, `add-members`, `remove-members`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestPurpose::Match => "match",
            RequestPurpose::Read => "read",
            RequestPurpose::Create => "create",
            RequestPurpose::Update => "update",
            RequestPurpose::Disable => "disable",
            RequestPurpose::Delete => "delete",
            RequestPurpose::LinkManager => "link-manager",
            RequestPurpose::AddMembers => "add-members",
            RequestPurpose::RemoveMembers => "remove-members",
        }
    }
}

/// One request Entra sent, with the endpoint's response, borrowed for the time of the
/// `emit` call: transcripts write it out and summaries count it without copying bodies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request<'a> {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// The source objectId of the user or group the request is about.
    pub object: &'a str,
    /// A readable name of that object (UPN or display name), for transcripts.
    pub label: &'a str,
    /// Why the request is sent.
    pub action: RequestPurpose,
    /// The HTTP method.
    pub method: &'static str,
    /// Path and query relative to the tenant URL, exactly as sent.
    pub path: &'a str,
    /// The JSON body, if any.
    pub body: Option<&'a Json>,
    /// The response status.
    pub status: u16,
    /// The response body, if any.
    pub response: Option<&'a Json>,
}

impl Request<'_> {
    /// An owned copy, for callers that keep requests past the `emit` call.
    pub fn record(&self) -> Recorded {
        Recorded {
            cycle: self.cycle,
            object: self.object.to_owned(),
            label: self.label.to_owned(),
            action: self.action,
            method: self.method,
            path: self.path.to_owned(),
            body: self.body.cloned(),
            status: self.status,
            response: self.response.cloned(),
        }
    }
}

/// An owned [`Request`].
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// The source objectId of the user or group the request is about.
    pub object: String,
    /// A readable name of that object.
    pub label: String,
    /// Why the request was sent.
    pub action: RequestPurpose,
    /// The HTTP method.
    pub method: &'static str,
    /// Path and query relative to the tenant URL.
    pub path: String,
    /// The JSON body, if any.
    pub body: Option<Json>,
    /// The response status.
    pub status: u16,
    /// The response body, if any.
    pub response: Option<Json>,
}

impl Recorded {
    /// Borrow it back as a [`Request`], for the transcript writers.
    pub fn as_request(&self) -> Request<'_> {
        Request {
            cycle: self.cycle,
            object: &self.object,
            label: &self.label,
            action: self.action,
            method: self.method,
            path: &self.path,
            body: self.body.as_ref(),
            status: self.status,
            response: self.response.as_ref(),
        }
    }
}

/// An object Entra could not process this cycle (it is retried in the next one, then on the
/// schedule of [`crate::provision::retry`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The source objectId.
    pub object: String,
    /// What went wrong, in the words of Entra's provisioning log where one applies.
    pub message: String,
    /// Entra's error code for the failure, when its logs document one.
    pub code: Option<ErrorCode>,
}

/// The error codes of Entra's provisioning logs that the engine produces
/// (howto-analyze-provisioning-logs.md, "Error codes"), plus the two kinds of failure that
/// page gives no code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Several accounts answered the match query.
    DuplicateTargetEntries,
    /// The account the match query found is linked to another source object.
    DuplicateSourceEntries,
    /// The app refused a create that lacks an attribute it requires.
    MandatoryFieldsMissing,
    /// Several values for a single-valued target attribute.
    SchemaPropertyCanOnlyAcceptValue,
    /// A linked object's read by id failed (the app no longer has it).
    InvalidAnchor,
    /// The app answered 409 to a write (a create, or an update it refused).
    EntryConflict,
    /// A mapping expression failed for the object (no documented code).
    ExpressionFailed,
    /// The app answered an error Entra's docs give no code for.
    HttpError,
}

impl ErrorCode {
    /// The code as the log writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::DuplicateTargetEntries => "DuplicateTargetEntries",
            ErrorCode::DuplicateSourceEntries => "DuplicateSourceEntries",
            ErrorCode::MandatoryFieldsMissing => "MandatoryFieldsMissing",
            ErrorCode::SchemaPropertyCanOnlyAcceptValue => "SchemaPropertyCanOnlyAcceptValue",
            ErrorCode::InvalidAnchor => "InvalidAnchor",
            ErrorCode::EntryConflict => "EntryConflict",
            ErrorCode::ExpressionFailed => "ExpressionFailed",
            ErrorCode::HttpError => "HttpError",
        }
    }
}

/// Why a mapping cannot be simulated: what [`Simulator::new`](super::Simulator::new) and
/// [`Simulator::change_mapping`](super::Simulator::change_mapping) refuse. `check` reports
/// each of these with a location; here they name the object mapping.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `users.enabled: false`: Entra's user object mapping cannot be switched off.
    #[error("users: Entra's user object mapping cannot be disabled")]
    UsersDisabled,
    /// A row of the `object` mapping (`users` or `groups`) does not compile.
    #[error("{object}: {source}")]
    Row {
        /// `users` or `groups`.
        object: &'static str,
        /// The row's error (boxed: the error path stays small for the `Ok` one).
        #[source]
        source: Box<crate::provision::project::CompileError>,
    },
    /// A scoping filter clause of the `object` mapping does not compile.
    #[error("{object}: {source}")]
    Scope {
        /// `users` or `groups`.
        object: &'static str,
        /// The clause's error.
        #[source]
        source: Box<crate::provision::scope::ScopeError>,
    },
}
