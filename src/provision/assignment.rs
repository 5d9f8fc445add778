//! Who Entra provisions, before any scoping filter: assignment as Entra computes it, the app
//! roles a user gets, and the source attributes Entra derives for a user (IsSoftDeleted, a B2B
//! guest's userPrincipalName). docs/engine-behaviours/scope-and-guards.md lists each rule with
//! its Microsoft source.
//!
//! The rules (how-provisioning-works.md, "Assignment-based scoping"): a user is assigned when
//! it is assigned directly or is an *immediate* member of a group that is assigned; members of
//! a nested group are not, and a nested group is not assigned through its parent. An assigned
//! group is itself in scope. Under "Sync all users and groups" (`settings.scope: all`) every
//! user and group is.

use std::collections::hash_map::Entry;

use super::FastMap as Map;
use super::directory::{Directory, DirectoryUser};
use crate::model::mapping::{Settings, SyncScope};
use crate::model::source::{Record, Source, SourceRef, SourceValue};

/// The role of an assignment without a specific app role: the portal shows it as
/// "Default Access" (application-provisioning-config-problem-no-users-provisioned.md).
pub const DEFAULT_ACCESS: &str = "Default Access";

/// Why a user is, or is not, in scope by assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Assigned to the app directly.
    Direct,
    /// Not assigned directly, but an immediate member of an assigned group.
    Group,
    /// "Sync all users and groups": everyone is in scope.
    SyncAll,
    /// Neither assigned directly nor an immediate member of an assigned group.
    NotAssigned,
    /// Assigned, but only with default access, and the app excludes those users
    /// (`settings.exclude_default_access`).
    DefaultAccessOnly,
}

impl Reason {
    /// Whether the reason puts the user in scope.
    pub fn in_scope(self) -> bool {
        matches!(self, Reason::Direct | Reason::Group | Reason::SyncAll)
    }

    /// Whether leaving scope for this reason is an "out of scope" event, which
    /// `skip_out_of_scope_deletions` skips (skip-out-of-scope-deletions.md).
    pub fn out_of_scope(self) -> bool {
        !self.in_scope()
    }
}

/// The assignment verdicts of one snapshot, computed once per cycle.
#[derive(Debug)]
pub struct Assignment {
    /// Per user of the snapshot, in snapshot order.
    users: Vec<Reason>,
    /// Per group of the snapshot: whether it is in scope by assignment.
    groups: Vec<bool>,
    /// The app roles a user holds, where they differ from the user's own `appRoleAssignments`
    /// (inherited from groups, default access dropped, or no direct assignment to carry them):
    /// `None` means no role at all. Most users are assigned directly with their own roles and
    /// have no entry, so a large directory costs no copies.
    roles: Map<usize, Option<SourceValue>>,
}

impl Assignment {
    /// Compute who is in scope by assignment in `snapshot` under `settings`.
    pub fn compute(snapshot: &Directory, settings: &Settings) -> Assignment {
        let all = settings.scope == SyncScope::All;
        let groups: Vec<bool> = snapshot.groups.iter().map(|g| all || g.assigned).collect();
        // Immediate members of the groups assigned to the app (nested groups are members too,
        // but they match no user, so their own members are never reached). At a million
        // members this map is the cost of the whole computation, so it holds each member's
        // first group inline and only the rare further ones in a second map.
        let mut first: Map<&str, u32> = Map::default();
        let mut further: Map<&str, Vec<u32>> = Map::default();
        for (gi, group) in snapshot.groups.iter().enumerate() {
            if !group.assigned {
                continue;
            }
            let gi = gi as u32;
            for member in values(group.record.attribute("members")) {
                match first.entry(member) {
                    Entry::Vacant(v) => {
                        v.insert(gi);
                    }
                    Entry::Occupied(o) if *o.get() == gi => {}
                    Entry::Occupied(_) => {
                        let more = further.entry(member).or_default();
                        if more.last() != Some(&gi) {
                            more.push(gi);
                        }
                    }
                }
            }
        }
        let mut roles = Map::default();
        let mut member_of: Vec<u32> = Vec::new();
        let users = snapshot
            .users
            .iter()
            .enumerate()
            .map(|(i, user)| {
                let oid = user.object_id.as_str();
                member_of.clear();
                member_of.extend(first.get(oid).copied());
                member_of.extend(further.get(oid).into_iter().flatten().copied());
                let (reason, effective) = verdict(snapshot, user, &member_of, settings);
                if let Some(effective) = effective {
                    roles.insert(i, effective);
                }
                reason
            })
            .collect();
        Assignment {
            users,
            groups,
            roles,
        }
    }

    /// Why the `index`th user of the snapshot is, or is not, in scope by assignment.
    pub fn user(&self, index: usize) -> Reason {
        self.users
            .get(index)
            .copied()
            .unwrap_or(Reason::NotAssigned)
    }

    /// Whether the `index`th group of the snapshot is in scope by assignment.
    pub fn group(&self, index: usize) -> bool {
        self.groups.get(index).copied().unwrap_or(false)
    }

    /// The user's app roles where they differ from its own `appRoleAssignments`: the outer
    /// `None` means "read the record", the inner `None` "no role".
    pub fn roles(&self, index: usize) -> Option<&Option<SourceValue>> {
        self.roles.get(&index)
    }
}

/// A user's verdict and, when it differs from the record, its effective role list.
fn verdict(
    snapshot: &Directory,
    user: &DirectoryUser,
    groups: &[u32],
    settings: &Settings,
) -> (Reason, Option<Option<SourceValue>>) {
    let own = user.record.attribute("appRoleAssignments");
    // A user's own roles are its direct assignments; without one they carry nothing.
    let own_roles: Vec<&str> = if user.assigned {
        values(own).collect()
    } else {
        Vec::new()
    };
    let mut effective: Vec<&str> = Vec::new();
    for role in own_roles
        .iter()
        .copied()
        .chain(groups.iter().flat_map(|&g| {
            values(
                snapshot.groups[g as usize]
                    .record
                    .attribute("appRoleAssignments"),
            )
        }))
    {
        if !is_default_access(role) && !effective.contains(&role) {
            effective.push(role);
        }
    }
    let assigned = user.assigned || !groups.is_empty();
    let reason = if settings.exclude_default_access && assigned && effective.is_empty() {
        Reason::DefaultAccessOnly
    } else if settings.exclude_default_access && !assigned && settings.scope == SyncScope::All {
        // Under Sync all an unassigned user has no role at all, which is not more than
        // default access either.
        Reason::DefaultAccessOnly
    } else if user.assigned {
        Reason::Direct
    } else if !groups.is_empty() {
        Reason::Group
    } else if settings.scope == SyncScope::All {
        Reason::SyncAll
    } else {
        Reason::NotAssigned
    };
    let unchanged = values(own).eq(effective.iter().copied());
    let roles = (!unchanged).then(|| {
        (!effective.is_empty())
            .then(|| SourceValue::List(effective.iter().map(|r| (*r).to_owned()).collect()))
    });
    (reason, roles)
}

/// Whether a role value means default access: the portal's "Default Access", in any case.
fn is_default_access(role: &str) -> bool {
    role.trim().eq_ignore_ascii_case(DEFAULT_ACCESS) || role.trim().is_empty()
}

/// The values of a single- or multi-valued attribute.
fn values<'a>(value: Option<SourceRef<'a>>) -> impl Iterator<Item = &'a str> + 'a {
    let (single, list) = match value {
        Some(SourceRef::Str(s)) => (Some(s), None),
        Some(SourceRef::List(items)) => (None, Some(items)),
        _ => (None, None),
    };
    single.into_iter().chain(
        list.into_iter()
            .flat_map(|items| (0..items.len()).filter_map(move |i| items.get(i))),
    )
}

/// The `alias@theirdomain` form Entra gives a B2B guest's userPrincipalName as a source
/// (how-provisioning-works.md, "B2B (guest) users"): `alias_theirdomain#EXT#@yourdomain`
/// loses `#EXT#` and the tenant's domain, and the last `_` becomes `@` (DNS names hold no
/// `_`, so the last one is the separator). `None` for a UPN that is not a guest's.
pub fn guest_user_principal_name(upn: &str) -> Option<String> {
    let local = &upn[..upn.find("#EXT#@")?];
    let at = local.rfind('_')?;
    Some([&local[..at], "@", &local[at + 1..]].concat())
}

/// A user as Entra's expressions read it: the record, plus what Entra computes for the
/// cycle: `IsSoftDeleted`, the effective `appRoleAssignments`, and a guest's
/// userPrincipalName with `originalUserPrincipalName` keeping the full form.
pub struct EntraUser<'a> {
    record: &'a Record,
    soft_deleted: Option<&'a SourceValue>,
    roles: Option<&'a Option<SourceValue>>,
    guest: Option<String>,
}

impl<'a> EntraUser<'a> {
    /// The view of `record` with `IsSoftDeleted` = `soft_deleted` and the role list from
    /// [`Assignment::roles`].
    pub fn new(
        record: &'a Record,
        soft_deleted: &'a SourceValue,
        roles: Option<&'a Option<SourceValue>>,
    ) -> EntraUser<'a> {
        EntraUser {
            soft_deleted: Some(soft_deleted),
            roles,
            ..EntraUser::reading(record)
        }
    }

    /// The view of a user file as it stands (`entramap eval --user`): only the guest's
    /// userPrincipalName is derived; IsSoftDeleted and the roles are the file's.
    pub fn reading(record: &'a Record) -> EntraUser<'a> {
        let guest = match record.attribute("userPrincipalName") {
            Some(SourceRef::Str(upn)) => guest_user_principal_name(upn),
            _ => None,
        };
        EntraUser {
            record,
            soft_deleted: None,
            roles: None,
            guest,
        }
    }

    /// The same user with another `IsSoftDeleted`.
    pub fn with_soft_deleted(&self, soft_deleted: &'a SourceValue) -> EntraUser<'a> {
        EntraUser {
            record: self.record,
            soft_deleted: Some(soft_deleted),
            roles: self.roles,
            guest: self.guest.clone(),
        }
    }
}

impl Source for EntraUser<'_> {
    fn attribute(&self, name: &str) -> Option<SourceRef<'_>> {
        match name {
            "IsSoftDeleted" if self.soft_deleted.is_some() => {
                self.soft_deleted.map(SourceValue::as_ref)
            }
            "appRoleAssignments" if self.roles.is_some() => {
                self.roles.and_then(Option::as_ref).map(SourceValue::as_ref)
            }
            "userPrincipalName" if self.guest.is_some() => {
                self.guest.as_deref().map(SourceRef::Str)
            }
            "originalUserPrincipalName" => self
                .record
                .attribute(name)
                .or_else(|| self.record.attribute("userPrincipalName")),
            _ => self.record.attribute(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(text: &str) -> Directory {
        crate::provision::directory::parse("test.yaml", text).expect("a directory")
    }

    #[test]
    fn a_member_of_several_assigned_groups_holds_all_their_roles_once() {
        let d = snapshot(
            "users:\n  - {objectId: u, assigned: false}\n  - {objectId: v, assigned: false}\n\
             groups:\n  - {objectId: a, members: [u, u], appRoleAssignments: [Admin]}\n\
             \x20 - {objectId: b, members: [u], appRoleAssignments: [Reader, Admin]}\n\
             \x20 - {objectId: c, members: [u, v], assigned: false, appRoleAssignments: [Owner]}\n",
        );
        let a = Assignment::compute(&d, &Settings::default());
        assert_eq!(a.user(0), Reason::Group);
        assert_eq!(
            a.roles(0),
            Some(&Some(SourceValue::List(vec![
                "Admin".into(),
                "Reader".into()
            ])))
        );
        // v is only in the unassigned group c: out of scope, and c's role is not its.
        assert_eq!(a.user(1), Reason::NotAssigned);
        assert_eq!(a.roles(1), None);
        assert_eq!((a.group(0), a.group(1), a.group(2)), (true, true, false));
    }

    #[test]
    fn a_guest_upn_loses_ext_and_the_tenant_domain() {
        assert_eq!(
            guest_user_principal_name("alice_fabrikam.com#EXT#@contoso.onmicrosoft.com").as_deref(),
            Some("alice@fabrikam.com")
        );
        assert_eq!(
            guest_user_principal_name("first_last_fabrikam.co.uk#EXT#@contoso.com").as_deref(),
            Some("first_last@fabrikam.co.uk")
        );
        assert_eq!(guest_user_principal_name("alice@contoso.com"), None);
        assert_eq!(
            guest_user_principal_name("nounderscore#EXT#@contoso.com"),
            None
        );
    }
}
