//! Finding an object's account: matching an unlinked object by query, reading a linked one
//! by id, and the update flow that follows.

use serde_json::Value as Json;

use super::config::{Config, ObjectConfig};
use super::request::{ErrorCode, RequestPurpose};
use super::run::Run;
use crate::model::mapping::{Dialect, TargetObjectAction};
use crate::model::source::Source;
use crate::provision::dialect;
use crate::provision::diff;
use crate::provision::endpoint::Endpoint;
use crate::provision::project::{Flow, Projection};
use crate::provision::retry;
use crate::provision::target::ResourceKind;
use crate::scim::{Filter, Resource, encode_query};

impl<E: Endpoint> Run<'_, E> {
    /// Query by each matching attribute in precedence order, stopping at the first hit.
    pub(super) fn match_object(
        &mut self,
        kind: ResourceKind,
        extra_query: &str,
        projection: &Projection<'_>,
        oid: &str,
        label: &str,
    ) -> Matched {
        for (path, value) in &projection.matching {
            let filter = Filter::eq((*path).clone(), value.as_str());
            let query = [
                "/",
                kind.endpoint(),
                "?",
                extra_query,
                &encode_query(&filter),
            ]
            .concat();
            let response = self.send(oid, label, RequestPurpose::Match, "GET", query, None);
            let found: Vec<Resource> = response
                .body
                .as_ref()
                .and_then(|b| b.get("Resources"))
                .and_then(Json::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|r| r.as_object().cloned())
                        .collect()
                })
                .unwrap_or_default();
            if response.status != 200 {
                self.fail(
                    oid,
                    ErrorCode::HttpError,
                    format!("match query failed with {}", response.status),
                );
                return Matched::Error;
            }
            match found.len() {
                0 => continue,
                1 => return Matched::One(found.into_iter().next().unwrap_or_default()),
                _ => {
                    self.fail(
                        oid,
                        ErrorCode::DuplicateTargetEntries,
                        "DuplicateTargetEntries: the match query found several",
                    );
                    return Matched::Error;
                }
            }
        }
        Matched::None
    }

    /// GET a linked object by `path`; a failure (§3.5: a 404 is `InvalidAnchor`, not a
    /// re-create) is recorded and gives `None`.
    pub(super) fn read_linked(&mut self, oid: &str, label: &str, path: String) -> Option<Resource> {
        let response = self.send(oid, label, RequestPurpose::Read, "GET", path, None);
        match response.body {
            Some(Json::Object(found)) if response.status == 200 => Some(found),
            _ => {
                self.fail(
                    oid,
                    ErrorCode::InvalidAnchor,
                    format!("InvalidAnchor: GET returned {}", response.status),
                );
                None
            }
        }
    }

    /// The update flow for a linked object the app showed as `found`: project it, PATCH what
    /// differs, and return the projection with the resource as the app now shows it.
    pub(super) fn refresh<'m>(
        &mut self,
        config: &Config,
        object: &'m ObjectConfig,
        record: &dyn Source,
        found: Resource,
        (oid, label, id): (&str, &str, &str),
    ) -> Option<(Projection<'m>, Resource)> {
        let update = self.project(config, object, record, Flow::Update, oid)?;
        let current = self.update(config.dialect, object, &update, &found, (oid, label, id));
        Some((update, current.unwrap_or(found)))
    }

    /// PATCH what differs between `projection` and `current`, if anything and if updates are
    /// on. Returns the resource the app answered with (users answer 200 with it).
    pub(super) fn update(
        &mut self,
        dialect: Dialect,
        object: &ObjectConfig,
        projection: &Projection<'_>,
        current: &Resource,
        (oid, label, id): (&str, &str, &str),
    ) -> Option<Resource> {
        let ops = diff::diff_indexed(projection, current, &object.schema);
        if ops.is_empty() || !object.can(TargetObjectAction::Update) {
            return None;
        }
        let body = dialect::user_patch_indexed(&ops, dialect, &object.schema);
        let path = ["/", object.kind.endpoint(), "/", id].concat();
        let response = self.send(
            oid,
            label,
            RequestPurpose::Update,
            "PATCH",
            path,
            Some(body),
        );
        if !response.is_success() {
            let (code, message) = retry::refused("update", response.status);
            self.fail(oid, code, message);
            return None;
        }
        match response.body {
            Some(Json::Object(r)) if response.status == 200 => Some(r),
            _ => None,
        }
    }
}

/// The outcome of matching.
pub(super) enum Matched {
    /// No query found anything: create.
    None,
    /// Exactly one account: link it.
    One(Resource),
    /// A failed query or several results: the object fails this cycle.
    Error,
}
