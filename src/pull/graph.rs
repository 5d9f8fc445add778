//! Microsoft Graph v1.0, read-only: one GET at a time over `live`'s HTTP endpoint (the same
//! timeouts, token handling and scrubbing), `@odata.nextLink` paging, 429 and 503 waited out
//! with their `Retry-After` (bounded by [`HttpOptions`]), and Graph's error bodies
//! (`{"error": {"code", "message"}}`) turned into errors that name the call, Graph's code and,
//! for a 403, the read permission the call needs.

use serde_json::Value as Json;

use crate::live::report::visible;
use crate::live::{HttpEndpoint, HttpOptions, TenantUrl, Token};

/// The kinds of request `pull` sends, each with the least privileged read permission
/// Microsoft Graph's reference gives for it (docs/graph-users.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `GET /servicePrincipals/{id}/synchronization/jobs` (synchronization-synchronizationjob-list.md).
    Jobs,
    /// `GET /servicePrincipals/{id}/synchronization/jobs/{jobId}/schema`
    /// (synchronization-synchronizationschema-get.md).
    Schema,
    /// `GET /servicePrincipals/{id}?$select=id,appRoles` (serviceprincipal-get.md).
    ServicePrincipal,
    /// `GET /servicePrincipals/{id}/appRoleAssignedTo` (serviceprincipal-list-approleassignedto.md).
    Assignments,
    /// `GET /groups` or `GET /groups/{id}` (group-list.md, group-get.md).
    Groups,
    /// `GET /groups/{id}/members` (group-list-members.md).
    Members,
    /// `GET /users` (also with `$filter=id in (...)`) or `GET /users/{id}` (user-list.md,
    /// user-get.md).
    Users,
}

impl Call {
    /// The least privileged permission (delegated or application) the call needs.
    pub fn permission(self) -> &'static str {
        match self {
            Call::Jobs | Call::Schema => "Synchronization.Read.All",
            Call::ServicePrincipal | Call::Assignments => "Application.Read.All",
            Call::Groups | Call::Members => "GroupMember.Read.All",
            Call::Users => "User.Read.All",
        }
    }
}

/// Why a pull stopped. Nothing is written after any of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PullError {
    /// Graph answered with an error status.
    #[error("{call} answered {status} {code}: {message}{}", hint(*.status, .permission))]
    Graph {
        /// The request: method and path, without the query.
        call: String,
        /// The HTTP status.
        status: u16,
        /// Graph's error code (`Authorization_RequestDenied`, `Request_ResourceNotFound`, ...).
        code: String,
        /// Graph's error message.
        message: String,
        /// The read permission the call needs.
        permission: &'static str,
    },
    /// No HTTP answer: connection refused, DNS, TLS, timeout.
    #[error("network error: {call} got no answer: {detail}")]
    Network {
        /// The request.
        call: String,
        /// What the HTTP client reported.
        detail: String,
    },
    /// Graph answered 200 with something that is not the documented shape.
    #[error("{call}: unexpected answer: {detail}")]
    Answer {
        /// The request.
        call: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The service principal has no provisioning job, or several and `--job-id` is missing.
    #[error("{0}")]
    Job(String),
    /// The job's schema is not one entramap can read, so the attributes to read are unknown.
    #[error("the job's synchronization schema cannot be read: {0}")]
    Schema(String),
    /// A service principal, job or object id that cannot be put in a URL path.
    #[error("{0}")]
    Input(String),
    /// Stopped by Ctrl-C or SIGTERM between two requests.
    #[error("interrupted")]
    Interrupted,
}

fn hint(status: u16, permission: &str) -> String {
    match status {
        403 => format!(
            " (this call needs the {permission} permission: grant it to the token's app, or \
             sign in as a user who has it)"
        ),
        401 => " (the token is missing, expired or not issued for Microsoft Graph: get one \
                 with `az account get-access-token --resource https://graph.microsoft.com`)"
            .to_owned(),
        _ => String::new(),
    }
}

impl PullError {
    /// Whether Graph refused the credentials (401 or 403).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            PullError::Graph {
                status: 401 | 403,
                ..
            }
        )
    }

    /// Whether no HTTP answer came.
    pub fn is_network(&self) -> bool {
        matches!(self, PullError::Network { .. })
    }
}

/// What the client did, for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GraphStats {
    /// Requests sent, retries included.
    pub sent: u32,
    /// 429 and 503 answers waited out.
    pub throttled: u32,
}

/// A read-only Microsoft Graph client.
pub struct Graph {
    endpoint: HttpEndpoint,
}

/// The API version every path is under.
pub const VERSION: &str = "/v1.0";

impl Graph {
    /// A client for the Graph at `url` (`https://graph.microsoft.com`), authenticating with
    /// `token`.
    pub fn new(url: TenantUrl, token: Token, options: HttpOptions) -> Graph {
        Graph {
            endpoint: HttpEndpoint::new(url, token, options).retrying_unavailable(),
        }
    }

    /// What the client did so far.
    pub fn stats(&self) -> GraphStats {
        let s = self.endpoint.stats();
        GraphStats {
            sent: s.sent,
            throttled: s.throttled,
        }
    }

    /// `GET {VERSION}{path_and_query}`: the JSON object Graph answered with 200.
    pub fn get(
        &mut self,
        call: Call,
        path_and_query: &str,
        stop: &dyn Fn() -> bool,
    ) -> Result<serde_json::Map<String, Json>, PullError> {
        self.get_raw(call, &format!("{VERSION}{path_and_query}"), stop)
    }

    fn get_raw(
        &mut self,
        call: Call,
        path_and_query: &str,
        stop: &dyn Fn() -> bool,
    ) -> Result<serde_json::Map<String, Json>, PullError> {
        if stop() {
            return Err(PullError::Interrupted);
        }
        let shown = format!(
            "GET {}",
            path_and_query.split('?').next().unwrap_or(path_and_query)
        );
        let response = self.endpoint.send("GET", path_and_query, None, stop);
        if response.status == 0 {
            if stop() {
                return Err(PullError::Interrupted);
            }
            let detail = match self.endpoint.fault() {
                Some(crate::live::Fault::Network { detail, .. }) => visible(detail).into_owned(),
                Some(other) => other.to_string(),
                None => "no answer".to_owned(),
            };
            return Err(PullError::Network {
                call: shown,
                detail,
            });
        }
        if response.status != 200 {
            let error = response.body.as_ref().and_then(|b| b.get("error"));
            // What Graph (or whatever answers at --graph-url) says is shown with control
            // characters escaped, so it cannot drive the terminal, and clipped.
            let text = |key: &str| {
                error
                    .and_then(|e| e.get(key))
                    .and_then(Json::as_str)
                    .map(|s| visible(&crate::input::clip_chars(s, 500)).into_owned())
            };
            return Err(PullError::Graph {
                call: shown,
                status: response.status,
                code: text("code").unwrap_or_else(|| "(no error code)".to_owned()),
                message: text("message").unwrap_or_else(|| match &response.body {
                    Some(Json::String(s)) => visible(s).into_owned(),
                    _ => "no message".to_owned(),
                }),
                permission: call.permission(),
            });
        }
        match response.body {
            Some(Json::Object(o)) => Ok(o),
            _ => Err(PullError::Answer {
                call: shown,
                detail: "not a JSON object".to_owned(),
            }),
        }
    }

    /// Every item of a collection: `value` of the first page and of each `@odata.nextLink`
    /// after it. A next link outside the Graph URL is refused: the token goes nowhere else.
    pub fn get_all(
        &mut self,
        call: Call,
        path_and_query: &str,
        stop: &dyn Fn() -> bool,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Json>, PullError> {
        let base = self.endpoint.url().base().to_owned();
        let mut next = format!("{VERSION}{path_and_query}");
        let mut items = Vec::new();
        loop {
            let page = self.get_raw(call, &next, stop)?;
            let shown = format!("GET {}", next.split('?').next().unwrap_or(&next));
            match page.get("value") {
                Some(Json::Array(values)) => items.extend(values.iter().cloned()),
                _ => {
                    return Err(PullError::Answer {
                        call: shown,
                        detail: "a collection without a `value` list".to_owned(),
                    });
                }
            }
            progress(items.len());
            match page.get("@odata.nextLink") {
                None | Some(Json::Null) => return Ok(items),
                Some(Json::String(link)) => match link.strip_prefix(&base) {
                    Some(rest) if rest.starts_with('/') => next = rest.to_owned(),
                    _ => {
                        return Err(PullError::Answer {
                            call: shown,
                            detail: format!(
                                "@odata.nextLink leaves {base}; it is not followed, the token \
                                 is sent nowhere else"
                            ),
                        });
                    }
                },
                Some(_) => {
                    return Err(PullError::Answer {
                        call: shown,
                        detail: "@odata.nextLink is not a string".to_owned(),
                    });
                }
            }
        }
    }
}

/// An id checked before it goes into a URL path: letters, digits, `-` and `_` only (object ids
/// are GUIDs).
pub fn path_id<'a>(what: &str, id: &'a str) -> Result<&'a str, PullError> {
    if !id.is_empty()
        && id.len() <= 128
        && !id.contains("..")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        Ok(id)
    } else {
        Err(PullError::Input(format!(
            "{what} {:?} is not an object id (letters, digits, `-`, `_` and single `.` only)",
            crate::input::clip_chars(id, 80)
        )))
    }
}
