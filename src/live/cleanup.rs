//! `--cleanup`: delete what the run created and check, with GET, that it is gone.
//!
//! Every object the run created is checked, including those Entra's cycle (or a probe)
//! already deleted: an app that only deactivates or soft-deletes on DELETE keeps them, and
//! they are what a vendor most needs to hear about.

use serde_json::Value as Json;

use super::http::detail_of;
use super::owner::{Created, name_of};
use super::report::{Cleanup, Kept};
use super::session::Connection;
use crate::provision::target::ResourceKind;

/// Delete what the run created and is not yet deleted (groups first, newest first), then
/// check every created object is gone (404).
pub(super) fn cleanup<E: Connection>(endpoint: &mut E, created: &[Created]) -> Cleanup {
    let mut out = Cleanup::default();
    let order = created
        .iter()
        .rev()
        .filter(|c| c.kind == ResourceKind::Group)
        .chain(
            created
                .iter()
                .rev()
                .filter(|c| c.kind == ResourceKind::User),
        );
    for c in order {
        let path = format!("/{}/{}", c.kind.endpoint(), c.id);
        let deleted = (!c.deleted).then(|| endpoint.handle("DELETE", &path, None));
        let check = endpoint.handle("GET", &path, None);
        if endpoint.fault().is_some() {
            out.left
                .push(format!("{path} ({}): the cleanup was interrupted", c.name));
            continue;
        }
        if check.status == 404 {
            out.deleted += 1;
            continue;
        }
        let accepted = deleted
            .as_ref()
            .is_none_or(|d| (200..300).contains(&d.status));
        if accepted && check.status == 200 {
            // The app answered the DELETE and kept the object: say in which state.
            let body = check.body.as_ref();
            let name = body
                .and_then(|b| name_of(c.kind, b))
                .unwrap_or_else(|| c.name.clone());
            let inactive = body
                .and_then(Json::as_object)
                .and_then(|b| crate::scim::resource::get_ci(b, "active"))
                .and_then(crate::provision::diff::truth)
                == Some(false);
            let state = if inactive {
                "deactivated"
            } else {
                "still-there"
            };
            out.left.push(format!(
                "{path} ({name}): {} after DELETE, GET answers 200{}",
                if c.deleted {
                    "deleted by Entra's cycle, kept by the app"
                } else {
                    "deleted by the cleanup, kept by the app"
                },
                if inactive { " with active false" } else { "" }
            ));
            out.kept.push(Kept {
                kind: c.kind.resource_type(),
                id: c.id.clone(),
                name,
                state,
            });
            continue;
        }
        out.left.push(match deleted {
            Some(d) => format!(
                "{path} ({}): DELETE answered {} ({}), GET afterwards {}",
                c.name,
                d.status,
                detail_of(d.body.as_ref()),
                check.status
            ),
            None => format!(
                "{path} ({}): deleted in a cycle, GET afterwards {}",
                c.name, check.status
            ),
        });
    }
    out
}
