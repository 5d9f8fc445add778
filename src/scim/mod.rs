//! SCIM 2.0 pieces the simulator owns (RFC 7643, RFC 7644), pure and independent of the rest of
//! the crate:
//!
//! - [`Path`]: attribute paths as Entra writes them (`emails[type eq "work"].value`,
//!   `urn:...:enterprise:2.0:User:employeeNumber`);
//! - [`Filter`]: the `eq`/`and` filters Entra sends, evaluation, and the form-encoded query
//!   text ([`encode_query`], [`filter_from_query`]);
//! - `resource`: building Entra's POST shapes ([`set`]) and reading values back ([`get`]);
//! - [`patch`]: applying a PatchOp body exactly as RFC 7644 §3.5.2 says, for both Entra
//!   dialects;
//! - [`ScimError`]: the SCIM error (`scimType` + detail) a server answers with.
//!
//! Attribute names compare case-insensitively throughout (RFC 7643 §2.1). The one use of
//! another module of ours is .NET-compatible URL encoding for [`encode_query`].

mod error;
pub mod filter;
mod parse;
pub mod patch;
pub(crate) mod path;
pub(crate) mod resource;

pub use error::{ParseError, ScimError, ScimType};
pub use filter::{Filter, decode_query, encode_query, filter_from_query, url_decode};
pub use patch::{
    PatchOpKind, PatchOperation, apply as apply_patch, apply_owned as apply_patch_owned,
};
pub use path::Path;
pub use resource::{Resource, extension_urns, get, set, set_primary, values};

/// Core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// PATCH request message (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Query response message (RFC 7644 §3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// Error response message (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
