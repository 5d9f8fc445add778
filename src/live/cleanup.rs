//! `--cleanup`: delete what the run created and check, with GET, that it is gone.

use super::http::detail_of;
use super::report::Cleanup;
use super::session::Connection;
use crate::provision::target::Kind;

/// Delete what the run created (groups first, newest first), then check each is gone (404).
pub(super) fn cleanup<E: Connection>(
    endpoint: &mut E,
    created: &[(Kind, String, String)],
) -> Cleanup {
    let mut out = Cleanup::default();
    let order = created
        .iter()
        .rev()
        .filter(|(k, _, _)| *k == Kind::Group)
        .chain(created.iter().rev().filter(|(k, _, _)| *k == Kind::User));
    for (kind, id, label) in order {
        let path = format!("/{}/{id}", kind.endpoint());
        let deleted = endpoint.handle("DELETE", &path, None);
        let check = endpoint.handle("GET", &path, None);
        if endpoint.fault().is_some() {
            out.left
                .push(format!("{path} ({label}): the cleanup was interrupted"));
            continue;
        }
        if check.status == 404 {
            out.deleted += 1;
        } else {
            out.left.push(format!(
                "{path} ({label}): DELETE answered {} ({}), GET afterwards {}",
                deleted.status,
                detail_of(deleted.body.as_ref()),
                check.status
            ));
        }
    }
    out
}
