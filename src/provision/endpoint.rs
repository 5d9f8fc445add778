//! The one seam between Entra's provisioning logic and an app: something that answers SCIM
//! requests. The in-memory [`Target`](super::target::Target) answers like the vendor model in a
//! mapping; `entramap live` answers with a real endpoint over HTTP. The cycle drives every later
//! step from these answers (ids from POST responses, what GET returns, errors), so the same
//! cycle code serves both.

use serde_json::Value as Json;

use crate::scim::ScimError;

/// An app's SCIM endpoint.
pub trait Endpoint {
    /// Answer one request. `method` is the HTTP method; `path_and_query` is relative to the
    /// tenant URL exactly as Entra sends it (`/Users?filter=userName+eq+%22a%40contoso.com%22`);
    /// `body` is the JSON body.
    fn handle(&mut self, method: &str, path_and_query: &str, body: Option<&Json>) -> Response;
}

/// What the endpoint answers: an HTTP status, the JSON body if any and, for a create, the
/// `Location` header.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// The response body: a resource, a ListResponse or a SCIM Error; `None` for 204.
    pub body: Option<Json>,
    /// The `Location` header of a 201 (the new resource's `meta.location`).
    pub location: Option<String>,
}

impl Response {
    /// A response with a JSON body.
    pub fn ok(status: u16, body: Json) -> Response {
        Response {
            status,
            body: Some(body),
            location: None,
        }
    }

    /// A 204 without a body.
    pub fn no_content() -> Response {
        Response {
            status: 204,
            body: None,
            location: None,
        }
    }

    /// A SCIM Error response.
    pub fn error(err: &ScimError) -> Response {
        Response::ok(err.status, err.to_json())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
