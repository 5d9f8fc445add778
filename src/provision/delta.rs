//! What a cycle compares to decide which objects it evaluates: a fingerprint per source object
//! of everything the cycle reads of it.
//!
//! Entra's incremental cycles ask Microsoft Graph for the objects changed since the last
//! cycle's watermark (a delta query; how-provisioning-works.md, "Incremental cycles") and
//! evaluate only those. The simulator has snapshots instead of a delta feed, so it keeps, per
//! object, a 64-bit hash of what the last evaluation read: the source attributes, and the
//! decisions computed from assignment, membership and scope. An object whose hash is unchanged
//! is not in the delta and gets no request.
//!
//! The seam with scoping: the callers pass in what they computed (`deprovisioned` for a user,
//! `in_scope` for a group), so however assignment and scope come to be decided, a change in
//! the outcome is a change here. Hash collisions (one in 2^64 per changed object) would hide a
//! change; that is accepted for the speed of one hash per object.

use std::hash::{BuildHasher, Hasher};

use super::directory::{DirectoryGroup, DirectoryUser};
use crate::model::source::{Record, SourceRef, SourceValue};

/// A fingerprint that no evaluation produces: the object is evaluated in the next cycle
/// whatever it reads (a failed object is retried; see how-provisioning-works.md, "Errors and
/// retries").
pub(crate) const EVALUATE_AGAIN: u64 = 0;

/// The fingerprint of a user as a cycle reads it.
///
/// `roles` are the app roles assignment gives the user where they differ from its own
/// `appRoleAssignments` (inherited from a group, default access dropped; see
/// `Assignment::roles`): a change of group roles is a change of what the cycle reads.
pub(crate) fn user(
    user: &DirectoryUser,
    deprovisioned: bool,
    roles: Option<&Option<SourceValue>>,
) -> u64 {
    let mut h = hasher();
    record(&mut h, &user.record);
    h.write_u8(u8::from(user.assigned) | u8::from(user.soft_deleted) << 1);
    h.write_u8(u8::from(deprovisioned));
    match roles {
        None => h.write_u8(0),
        Some(None) => h.write_u8(1),
        Some(Some(value)) => {
            h.write_u8(2);
            value_of(&mut h, value.as_ref());
        }
    }
    finish(h)
}

/// The fingerprint of a group as a cycle reads it (its `members` are part of its record).
pub(crate) fn group(group: &DirectoryGroup, in_scope: bool) -> u64 {
    let mut h = hasher();
    record(&mut h, &group.record);
    h.write_u8(u8::from(group.assigned) | u8::from(in_scope) << 1);
    finish(h)
}

fn hasher() -> impl Hasher {
    // A fixed seed: runs are reproducible, collisions included.
    foldhash::quality::FixedState::with_seed(0x656e_7472_616d_6170).build_hasher()
}

fn finish(h: impl Hasher) -> u64 {
    match h.finish() {
        EVALUATE_AGAIN => 1,
        f => f,
    }
}

/// Hash attributes in the record's own (sorted) order, with lengths and tags, so that no two
/// different records feed the hasher the same bytes.
fn record(h: &mut impl Hasher, record: &Record) {
    for (name, value) in record.iter() {
        h.write(name.as_bytes());
        h.write_usize(name.len());
        value_of(h, value);
    }
}

fn value_of(h: &mut impl Hasher, value: SourceRef<'_>) {
    match value {
        SourceRef::Str(s) => {
            h.write_u8(0);
            h.write(s.as_bytes());
            h.write_usize(s.len());
        }
        SourceRef::Bool(b) => h.write_u8(1 + u8::from(b)),
        SourceRef::List(items) => {
            h.write_u8(3);
            h.write_usize(items.len());
            for item in items.iter() {
                h.write(item.as_bytes());
                h.write_usize(item.len());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::source::SourceValue;

    fn user_with(name: &str, value: SourceValue) -> DirectoryUser {
        let mut record = Record::new();
        record.set("objectId", SourceValue::Str("u1".into()));
        record.set(name, value);
        DirectoryUser {
            object_id: "u1".into(),
            record,
            assigned: true,
            soft_deleted: false,
        }
    }

    #[test]
    fn equal_users_have_equal_fingerprints_and_any_read_input_changes_it() {
        let a = user_with("title", SourceValue::Str("Dev".into()));
        assert_eq!(user(&a, false, None), user(&a.clone(), false, None));
        assert_ne!(user(&a, false, None), user(&a, true, None), "scope outcome");
        let b = user_with("title", SourceValue::Str("dev".into()));
        assert_ne!(
            user(&a, false, None),
            user(&b, false, None),
            "value, case included"
        );
        let mut c = a.clone();
        c.assigned = false;
        assert_ne!(user(&a, false, None), user(&c, false, None), "assignment");
        let d = user_with("title", SourceValue::List(vec!["Dev".into()]));
        assert_ne!(
            user(&a, false, None),
            user(&d, false, None),
            "single vs multi-valued"
        );
        let e = user_with("titlf", SourceValue::Str("Dev".into()));
        assert_ne!(
            user(&a, false, None),
            user(&e, false, None),
            "attribute name"
        );
    }

    #[test]
    fn the_roles_assignment_gives_are_part_of_the_fingerprint() {
        let a = user_with("title", SourceValue::Str("Dev".into()));
        let admin = Some(SourceValue::List(vec!["Admin".into()]));
        let reader = Some(SourceValue::List(vec!["Reader".into()]));
        assert_ne!(
            user(&a, false, None),
            user(&a, false, Some(&None)),
            "own vs none"
        );
        assert_ne!(
            user(&a, false, Some(&None)),
            user(&a, false, Some(&admin)),
            "a role"
        );
        assert_ne!(
            user(&a, false, Some(&admin)),
            user(&a, false, Some(&reader)),
            "which role"
        );
        assert_eq!(
            user(&a, false, Some(&admin)),
            user(&a, false, Some(&admin.clone()))
        );
    }

    #[test]
    fn list_boundaries_are_part_of_the_fingerprint() {
        let a = user_with("x", SourceValue::List(vec!["ab".into(), "c".into()]));
        let b = user_with("x", SourceValue::List(vec!["a".into(), "bc".into()]));
        assert_ne!(user(&a, false, None), user(&b, false, None));
    }
}
