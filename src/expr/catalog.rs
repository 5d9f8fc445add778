//! Entra's catalog of user source attributes: the names an expression may read, with their
//! types. One table, used by the compiler's name check, `check` and the directory readers.

/// The type of a source attribute in Entra's catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceType {
    /// Text.
    String,
    /// `True` / `False`.
    Boolean,
    /// A reference to another object (manager, app role assignments).
    Reference,
}

/// One entry of Entra's user source attribute catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The name as expressions write it, e.g. `userPrincipalName`.
    pub name: &'static str,
    /// Its type.
    pub kind: SourceType,
    /// Whether it holds several values.
    pub multi_valued: bool,
}

const fn entry(name: &'static str, kind: SourceType, multi_valued: bool) -> CatalogEntry {
    CatalogEntry {
        name,
        kind,
        multi_valued,
    }
}

use SourceType::{Boolean, Reference, String as Text};

/// The user attributes Entra's mapping editor offers as sources for outbound provisioning
/// (the provisioning-era names, e.g. `surname`, `mobile`, `objectId`), plus `employeeId`.
/// Directory extensions (`extension_<appid>_<name>`) are accepted by [`is_known_user_attribute`].
pub const USER_ATTRIBUTES: &[CatalogEntry] = &[
    entry("objectId", Text, false),
    entry("IsSoftDeleted", Boolean, false),
    entry("accountEnabled", Boolean, false),
    entry("appRoleAssignments", Reference, true),
    entry("city", Text, false),
    entry("companyName", Text, false),
    entry("country", Text, false),
    entry("department", Text, false),
    entry("dirSyncEnabled", Boolean, false),
    entry("displayName", Text, false),
    entry("employeeId", Text, false),
    entry("extensionAttribute1", Text, false),
    entry("extensionAttribute2", Text, false),
    entry("extensionAttribute3", Text, false),
    entry("extensionAttribute4", Text, false),
    entry("extensionAttribute5", Text, false),
    entry("extensionAttribute6", Text, false),
    entry("extensionAttribute7", Text, false),
    entry("extensionAttribute8", Text, false),
    entry("extensionAttribute9", Text, false),
    entry("extensionAttribute10", Text, false),
    entry("extensionAttribute11", Text, false),
    entry("extensionAttribute12", Text, false),
    entry("extensionAttribute13", Text, false),
    entry("extensionAttribute14", Text, false),
    entry("extensionAttribute15", Text, false),
    entry("facsimileTelephoneNumber", Text, false),
    entry("givenName", Text, false),
    entry("jobTitle", Text, false),
    entry("mail", Text, false),
    entry("mailNickname", Text, false),
    entry("manager", Reference, false),
    entry("mobile", Text, false),
    entry("onPremisesSecurityIdentifier", Text, false),
    entry("originalUserPrincipalName", Text, false),
    entry("passwordProfile.password", Text, false),
    entry("physicalDeliveryOfficeName", Text, false),
    entry("postalCode", Text, false),
    entry("preferredLanguage", Text, false),
    entry("proxyAddresses", Text, true),
    entry("state", Text, false),
    entry("streetAddress", Text, false),
    entry("surname", Text, false),
    entry("telephoneNumber", Text, false),
    entry("userPrincipalName", Text, false),
];

/// The catalog entry for a user attribute name (exact case: Entra's names are case-sensitive).
pub fn user_attribute(name: &str) -> Option<&'static CatalogEntry> {
    USER_ATTRIBUTES.iter().find(|e| e.name == name)
}

/// Whether `name` is a catalog attribute or a directory extension `extension_<appid>_<name>`
/// (appid: 32 hex digits, Entra's app id without dashes).
pub fn is_known_user_attribute(name: &str) -> bool {
    user_attribute(name).is_some() || is_directory_extension(name)
}

/// `extension_<32 hex digits>_<name>`.
pub fn is_directory_extension(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("extension_") else {
        return false;
    };
    let (app, attr) = rest.split_at(rest.find('_').unwrap_or(rest.len()));
    app.len() == 32 && app.bytes().all(|b| b.is_ascii_hexdigit()) && attr.len() > 1
}
