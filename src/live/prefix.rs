//! `--prefix`: make a run's objects recognisable and unique on a shared staging server.
//!
//! The prefix goes on the *directory*, never on Entra's requests: the run provisions users
//! whose identifying source attributes start with it, so every value a mapping derives from
//! them (userName from userPrincipalName, externalId from mailNickname or objectId,
//! displayName, emails) carries it, and Entra's requests keep exactly the shape Entra gives
//! them. Object ids are prefixed too, with the `manager` and `members` references that name
//! them, so links survive.

use crate::model::source::{Source, SourceRef, SourceValue};
use crate::provision::directory::Directory;

/// The user attributes that identify a person in a target app.
pub const USER_ATTRIBUTES: &[&str] = &["userPrincipalName", "mail", "mailNickname", "displayName"];

/// The group attributes that identify a group (Entra matches groups by displayName).
pub const GROUP_ATTRIBUTES: &[&str] = &["displayName", "mailNickname", "mail"];

/// The snapshot with `prefix` in front of every object id, every reference to one, and the
/// identifying attributes ([`USER_ATTRIBUTES`], [`GROUP_ATTRIBUTES`]). An empty prefix
/// changes nothing.
pub fn apply(directory: &Directory, prefix: &str) -> Directory {
    let mut out = directory.clone();
    if prefix.is_empty() {
        return out;
    }
    let with = |s: &str| format!("{prefix}{s}");
    for user in &mut out.users {
        user.object_id = with(&user.object_id);
        for name in ["objectId", "manager"].iter().chain(USER_ATTRIBUTES) {
            prefix_value(&mut user.record, name, &with);
        }
    }
    for group in &mut out.groups {
        group.object_id = with(&group.object_id);
        for name in ["objectId", "members"].iter().chain(GROUP_ATTRIBUTES) {
            prefix_value(&mut group.record, name, &with);
        }
    }
    out
}

fn prefix_value(
    record: &mut crate::model::source::Record,
    name: &str,
    with: &dyn Fn(&str) -> String,
) {
    let value = match record.attribute(name) {
        Some(SourceRef::Str(s)) if !s.is_empty() => SourceValue::Str(with(s)),
        Some(SourceRef::List(items)) => SourceValue::List(items.iter().map(with).collect()),
        _ => return,
    };
    record.set(name, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::directory;

    fn text(d: &Directory, user: usize, name: &str) -> Option<String> {
        match d.users[user].record.attribute(name) {
            Some(SourceRef::Str(s)) => Some(s.to_owned()),
            _ => None,
        }
    }

    #[test]
    fn ids_references_and_identifying_attributes_get_the_prefix() {
        let d = apply(&directory::sample(), "run7-");
        assert_eq!(
            d.users[1].object_id,
            "run7-0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0002"
        );
        assert_eq!(
            text(&d, 1, "objectId").as_deref(),
            Some(d.users[1].object_id.as_str())
        );
        assert_eq!(
            text(&d, 1, "manager").as_deref(),
            Some(d.users[0].object_id.as_str())
        );
        assert_eq!(
            text(&d, 0, "userPrincipalName").as_deref(),
            Some("run7-amelie.durand@contoso.com")
        );
        assert_eq!(
            text(&d, 0, "displayName").as_deref(),
            Some("run7-Amélie Durand")
        );
        // Not identifying: left alone.
        assert_eq!(text(&d, 0, "givenName").as_deref(), Some("Amélie"));
        // Aisha has no mail: nothing is invented.
        assert_eq!(text(&d, 11, "mail"), None);
        let members = match d.groups[0].record.attribute("members") {
            Some(SourceRef::List(m)) => m.iter().map(str::to_owned).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert!(
            members.iter().all(|m| m.starts_with("run7-")),
            "{members:?}"
        );
        assert_eq!(d.groups[0].label(), "run7-Engineering");
    }

    #[test]
    fn an_empty_prefix_changes_nothing() {
        let d = apply(&directory::sample(), "");
        assert_eq!(d.users[0].object_id, directory::sample().users[0].object_id);
        assert_eq!(
            text(&d, 0, "mail").as_deref(),
            Some("Amelie.Durand@contoso.com")
        );
    }
}
