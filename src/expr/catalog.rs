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

/// How a source attribute is read from a Microsoft Graph `user` object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphForm {
    /// A top-level property, taken as it is (`givenName`, `proxyAddresses`).
    Property(&'static str),
    /// The first value of a multi-valued property (`businessPhones`).
    FirstOf(&'static str),
    /// A property of a complex property: (`onPremisesExtensionAttributes`,
    /// `extensionAttribute1`).
    Nested(&'static str, &'static str),
    /// The `id` of the expanded `manager` navigation property
    /// (`$expand=manager($select=id)`).
    ManagerId,
}

impl GraphForm {
    /// The top-level property a request names in `$select` (`None` for the manager, which is
    /// `$expand`ed instead).
    pub fn select(self) -> Option<&'static str> {
        match self {
            GraphForm::Property(p) | GraphForm::FirstOf(p) | GraphForm::Nested(p, _) => Some(p),
            GraphForm::ManagerId => None,
        }
    }
}

/// One row of the Graph-to-source table: where a provisioning source attribute comes from in
/// Microsoft Graph's `user` resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphUserProperty {
    /// The source attribute name, as expressions write it (`mobile`).
    pub source: &'static str,
    /// Where Graph v1.0 keeps it (`mobilePhone`).
    pub graph: GraphForm,
    /// Whether the pairing is entramap's inference rather than stated by Microsoft
    /// (COMPATIBILITY.md lists every inferred row; docs/graph-users.md gives the sources).
    pub inferred: bool,
}

const fn graph(source: &'static str, graph: GraphForm, inferred: bool) -> GraphUserProperty {
    GraphUserProperty {
        source,
        graph,
        inferred,
    }
}

use GraphForm::{FirstOf, ManagerId, Nested, Property};

/// The one table from Microsoft Graph's `user` properties to the provisioning service's source
/// attribute names (docs/graph-users.md): what `entramap pull` selects and how a Graph export
/// (`GET /users`, `Get-MgUser`, the admin center's CSV) becomes a directory. Attributes Entra
/// computes (`IsSoftDeleted`, `appRoleAssignments`, `originalUserPrincipalName`) are not
/// here: the engine derives them (provision/assignment.rs). Directory extensions
/// (`extension_<appid>_<name>`) have the same name on both sides and are not listed.
pub const GRAPH_USER_PROPERTIES: &[GraphUserProperty] = &[
    graph("objectId", Property("id"), true),
    graph("accountEnabled", Property("accountEnabled"), false),
    graph("city", Property("city"), false),
    graph("companyName", Property("companyName"), false),
    graph("country", Property("country"), false),
    graph("department", Property("department"), false),
    graph("dirSyncEnabled", Property("onPremisesSyncEnabled"), false),
    graph("displayName", Property("displayName"), false),
    graph("employeeId", Property("employeeId"), false),
    graph(
        "extensionAttribute1",
        Nested("onPremisesExtensionAttributes", "extensionAttribute1"),
        true,
    ),
    graph(
        "extensionAttribute2",
        Nested("onPremisesExtensionAttributes", "extensionAttribute2"),
        true,
    ),
    graph(
        "extensionAttribute3",
        Nested("onPremisesExtensionAttributes", "extensionAttribute3"),
        true,
    ),
    graph(
        "extensionAttribute4",
        Nested("onPremisesExtensionAttributes", "extensionAttribute4"),
        true,
    ),
    graph(
        "extensionAttribute5",
        Nested("onPremisesExtensionAttributes", "extensionAttribute5"),
        true,
    ),
    graph(
        "extensionAttribute6",
        Nested("onPremisesExtensionAttributes", "extensionAttribute6"),
        true,
    ),
    graph(
        "extensionAttribute7",
        Nested("onPremisesExtensionAttributes", "extensionAttribute7"),
        true,
    ),
    graph(
        "extensionAttribute8",
        Nested("onPremisesExtensionAttributes", "extensionAttribute8"),
        true,
    ),
    graph(
        "extensionAttribute9",
        Nested("onPremisesExtensionAttributes", "extensionAttribute9"),
        true,
    ),
    graph(
        "extensionAttribute10",
        Nested("onPremisesExtensionAttributes", "extensionAttribute10"),
        true,
    ),
    graph(
        "extensionAttribute11",
        Nested("onPremisesExtensionAttributes", "extensionAttribute11"),
        true,
    ),
    graph(
        "extensionAttribute12",
        Nested("onPremisesExtensionAttributes", "extensionAttribute12"),
        true,
    ),
    graph(
        "extensionAttribute13",
        Nested("onPremisesExtensionAttributes", "extensionAttribute13"),
        true,
    ),
    graph(
        "extensionAttribute14",
        Nested("onPremisesExtensionAttributes", "extensionAttribute14"),
        true,
    ),
    graph(
        "extensionAttribute15",
        Nested("onPremisesExtensionAttributes", "extensionAttribute15"),
        true,
    ),
    graph("facsimileTelephoneNumber", Property("faxNumber"), false),
    graph("givenName", Property("givenName"), false),
    graph("jobTitle", Property("jobTitle"), false),
    graph("mail", Property("mail"), false),
    graph("mailNickname", Property("mailNickname"), false),
    graph("manager", ManagerId, true),
    graph("mobile", Property("mobilePhone"), false),
    graph(
        "onPremisesSecurityIdentifier",
        Property("onPremisesSecurityIdentifier"),
        false,
    ),
    graph(
        "physicalDeliveryOfficeName",
        Property("officeLocation"),
        true,
    ),
    graph("postalCode", Property("postalCode"), false),
    graph("preferredLanguage", Property("preferredLanguage"), false),
    graph("proxyAddresses", Property("proxyAddresses"), false),
    graph("state", Property("state"), false),
    graph("streetAddress", Property("streetAddress"), false),
    graph("surname", Property("surname"), false),
    graph("telephoneNumber", FirstOf("businessPhones"), false),
    graph("userPrincipalName", Property("userPrincipalName"), false),
    // Graph properties outside the mapping editor's default list that an admin adds to the
    // source attribute list under the same name (customize-application-attributes.md,
    // "Editing the list of supported attributes").
    graph("employeeHireDate", Property("employeeHireDate"), true),
    graph("employeeType", Property("employeeType"), true),
    graph(
        "employeeOrgData.costCenter",
        Nested("employeeOrgData", "costCenter"),
        true,
    ),
    graph(
        "employeeOrgData.division",
        Nested("employeeOrgData", "division"),
        true,
    ),
    graph("otherMails", Property("otherMails"), true),
    graph("usageLocation", Property("usageLocation"), true),
    graph(
        "onPremisesDistinguishedName",
        Property("onPremisesDistinguishedName"),
        true,
    ),
    graph(
        "onPremisesDomainName",
        Property("onPremisesDomainName"),
        true,
    ),
    graph(
        "onPremisesImmutableId",
        Property("onPremisesImmutableId"),
        true,
    ),
    graph(
        "onPremisesUserPrincipalName",
        Property("onPremisesUserPrincipalName"),
        true,
    ),
];

/// Where Graph keeps the source attribute `source`, if entramap knows.
pub fn graph_user_property(source: &str) -> Option<&'static GraphUserProperty> {
    GRAPH_USER_PROPERTIES.iter().find(|p| p.source == source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_graph_table_names_each_source_once_and_documented_rows_are_catalog_attributes() {
        for (i, row) in GRAPH_USER_PROPERTIES.iter().enumerate() {
            assert!(
                GRAPH_USER_PROPERTIES[..i]
                    .iter()
                    .all(|r| r.source != row.source),
                "{} twice",
                row.source
            );
            if !row.inferred {
                assert!(user_attribute(row.source).is_some(), "{}", row.source);
            }
        }
        // Computed by the engine, never read from Graph.
        for computed in [
            "IsSoftDeleted",
            "appRoleAssignments",
            "originalUserPrincipalName",
        ] {
            assert!(graph_user_property(computed).is_none(), "{computed}");
        }
    }
}
