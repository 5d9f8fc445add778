//! The source attributes each object mapping can read: Entra's user catalog (from
//! `model::source`) and a small group catalog, plus which attributes every object has.

use super::ObjectType;
use crate::expr::compile::did_you_mean;
use crate::model::source::{self, CatalogEntry, SourceType};

/// The group attributes Entra offers as sources: the sample schema's `objectId`, `members`
/// and `appRoleAssignments` (docs/mapping-model.md §5.3), plus the ones the default SCIM group
/// mapping and group objects carry.
const GROUP_ATTRIBUTES: &[CatalogEntry] = &[
    group("displayName", SourceType::String, false),
    group("objectId", SourceType::String, false),
    group("members", SourceType::Reference, true),
    group("mail", SourceType::String, false),
    group("mailNickname", SourceType::String, false),
    group("description", SourceType::String, false),
    group("appRoleAssignments", SourceType::Reference, true),
];

const fn group(name: &'static str, kind: SourceType, multi_valued: bool) -> CatalogEntry {
    CatalogEntry {
        name,
        kind,
        multi_valued,
    }
}

fn entries(object: ObjectType) -> &'static [CatalogEntry] {
    match object {
        ObjectType::Users => source::USER_ATTRIBUTES,
        ObjectType::Groups => GROUP_ATTRIBUTES,
    }
}

/// The catalog entry of an attribute (exact case: Entra's names are case-sensitive).
pub fn entry(object: ObjectType, name: &str) -> Option<&'static CatalogEntry> {
    entries(object).iter().find(|e| e.name == name)
}

/// Whether `name` is in the object's catalog or is a directory extension.
pub fn is_known(object: ObjectType, name: &str) -> bool {
    entry(object, name).is_some() || source::is_directory_extension(name)
}

/// The closest catalog name, for a did-you-mean.
pub fn suggestion(object: ObjectType, name: &str) -> Option<&'static str> {
    did_you_mean(name, entries(object).iter().map(|e| e.name))
}

/// The attribute's type, when the catalog knows it (directory extensions are untyped here).
pub fn kind(object: ObjectType, name: &str) -> Option<SourceType> {
    entry(object, name).map(|e| e.kind)
}

/// Whether every object has a value for the attribute. Entra cannot create a user without
/// these (and computes IsSoftDeleted / accountEnabled for every user); anything else can be
/// null for some object, which is what IIF conditions trip over.
pub fn always_present(object: ObjectType, name: &str) -> bool {
    let names: &[&str] = match object {
        ObjectType::Users => &[
            "objectId",
            "IsSoftDeleted",
            "accountEnabled",
            "userPrincipalName",
            "displayName",
            "mailNickname",
        ],
        ObjectType::Groups => &["objectId", "displayName", "mailNickname"],
    };
    names.contains(&name)
}

/// The source object's name in messages: `user` / `group`.
pub fn noun(object: ObjectType) -> &'static str {
    match object {
        ObjectType::Users => "user",
        ObjectType::Groups => "group",
    }
}
