//! One cycle in progress ([`Run`]): sending requests, creating objects, recording failures
//! and notes, and projecting source objects.

use serde_json::Value as Json;

use super::config::{Config, ObjectConfig};
use super::deletes::Deprovision;
use super::request::{ErrorCode, Failure, Request, RequestPurpose};
use super::sink::{Note, NoteKind, Sink};
use super::state::State;
use crate::model::source::Source;
use crate::provision::FastMap as Map;
use crate::provision::endpoint::{Endpoint, Response};
use crate::provision::id::CompactId;
use crate::provision::project::{Flow, Projection};
use crate::provision::retry;
use crate::scim::{Path, Resource};

/// One cycle in progress.
pub(super) struct Run<'a, E> {
    pub(super) state: &'a mut State<E>,
    pub(super) cycle: u32,
    pub(super) sink: &'a mut dyn Sink,
    /// Whether the sink records decisions ([`Sink::records_decisions`]).
    pub(super) decisions: bool,
    pub(super) failures: Vec<Failure>,
    /// The objects whose reference update (a manager PATCH) the app refused this cycle. They
    /// wait in escrow for a retry like failed objects, but are not failed objects: the
    /// escrow thresholds count them apart ("reference failures").
    pub(super) reference_failures: Vec<Failure>,
    /// Users linked in the user pass and not yet in the links: entered a batch at a time, so
    /// their cache misses overlap (no step of the pass reads another user's link).
    pub(super) new_links: Vec<(CompactId, CompactId, u64)>,
    /// In an incremental cycle, the users linked in it (source objectId → index in the
    /// snapshot): unchanged objects that refer to them are not updated (known-issues.md).
    pub(super) linked_now: Map<CompactId, usize>,
    /// Whether this is a full cycle.
    pub(super) full: bool,
    /// The target ids of linked users with the source object each is linked to, once a
    /// match query found an account (see [`Run::user_target_holder`]).
    pub(super) linked_targets: Option<Map<CompactId, CompactId>>,
    /// With an accidental-deletions threshold, the deprovisioning PATCHes of the user pass,
    /// held until the cycle's disables and deletes are counted.
    pub(super) pending: Option<Vec<Deprovision>>,
    /// The threshold was exceeded: this cycle sends no disable and no delete.
    pub(super) hold_deletes: bool,
}

impl<E: Endpoint> Run<'_, E> {
    /// Send a request to the app and hand it to the caller with its response.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send(
        &mut self,
        object: &str,
        label: &str,
        action: RequestPurpose,
        method: &'static str,
        path: String,
        body: Option<Json>,
    ) -> Response {
        let response = self.state.endpoint.handle(method, &path, body.as_ref());
        self.state.retries.observe(action, response.status);
        self.sink.request(&Request {
            cycle: self.cycle,
            object,
            label,
            action,
            method,
            path: &path,
            body: body.as_ref(),
            status: response.status,
            response: response.body.as_ref(),
        });
        response
    }

    /// POST a new object; the created resource and its id, or a recorded failure.
    pub(super) fn create(
        &mut self,
        oid: &str,
        label: &str,
        object: &ObjectConfig,
        body: serde_json::Map<String, Json>,
    ) -> Option<(String, Resource)> {
        let kind = object.kind;
        let missing = missing_required(&object.required, &body);
        let path = ["/", kind.endpoint()].concat();
        let response = self.send(
            oid,
            label,
            RequestPurpose::Create,
            "POST",
            path,
            Some(Json::Object(body)),
        );
        let Some(Json::Object(created)) = response.body.filter(|_| response.status == 201) else {
            let (code, message) = match missing {
                // howto-analyze-provisioning-logs.md: Entra logs the app's refusal of a create
                // that lacks a required attribute as MandatoryFieldsMissing.
                Some(name) if response.status == 400 => (
                    ErrorCode::MandatoryFieldsMissing,
                    format!(
                        "MandatoryFieldsMissing: the app requires `{name}`, which the create \
                         lacks (answered 400)"
                    ),
                ),
                _ => retry::refused("create", response.status),
            };
            self.fail(oid, code, message);
            return None;
        };
        let id = resource_id(&created)?;
        Some((id, created))
    }

    /// Note that this cycle evaluates `object`, for the retry bookkeeping.
    pub(super) fn attempt(&mut self, object: &str) {
        if !self.state.retries.is_empty() {
            self.state.retries.attempt(object);
        }
    }

    pub(super) fn fail(&mut self, object: &str, code: ErrorCode, message: impl Into<String>) {
        let failure = Failure {
            object: object.to_owned(),
            message: message.into(),
            code: Some(code),
        };
        if self.decisions {
            self.sink.failure(&failure);
        }
        self.failures.push(failure);
    }
}

impl<E: Endpoint> Run<'_, E> {
    pub(super) fn project<'m>(
        &mut self,
        config: &Config,
        object: &'m ObjectConfig,
        record: &dyn Source,
        flow: Flow,
        oid: &str,
    ) -> Option<Projection<'m>> {
        let projection = match object.mapping.project(record, &config.ctx, flow) {
            Ok(p) => p,
            Err(e) => {
                self.fail(oid, ErrorCode::ExpressionFailed, e.to_string());
                return None;
            }
        };
        // Arrays are rare (multi-valued sources), so the schema is only searched for them.
        let single_valued = projection.entries.iter().find(|e| {
            matches!(&e.value, Json::Array(items) if items.len() > 1)
                && object
                    .schema
                    .attributes()
                    .iter()
                    .any(|a| a.name.value.eq_ignore_ascii_case(e.target) && !a.multi_valued)
        });
        if let Some(e) = single_valued {
            self.fail(
                oid,
                ErrorCode::SchemaPropertyCanOnlyAcceptValue,
                format!(
                    "SchemaPropertyCanOnlyAcceptValue: `{}` is single-valued in the app, and \
                     the mapping gives it {} values",
                    e.target,
                    e.value.as_array().map_or(0, Vec::len)
                ),
            );
            return None;
        }
        Some(projection)
    }

    /// ImportSkipped (howto-analyze-provisioning-logs.md; customize-application-attributes.md,
    /// "All users must have a value for at least one matching attribute"): without a matching
    /// value Entra cannot query the app, so it skips the object: no query, no create.
    pub(super) fn import_skipped(&mut self, object: &ObjectConfig, (oid, label): (&str, &str)) {
        let targets: Vec<&str> = object.mapping.matching_targets().collect();
        let message = format!(
            "no value for any matching attribute ({}): Entra skips the object",
            targets.join(", ")
        );
        self.note(NoteKind::ImportSkipped, (oid, label), message);
    }
}

impl<E: Endpoint> Run<'_, E> {
    pub(super) fn note(&mut self, kind: NoteKind, (object, label): (&str, &str), message: String) {
        let note = Note {
            cycle: self.cycle,
            kind,
            object: object.to_owned(),
            label: label.to_owned(),
            message,
        };
        if self.decisions {
            self.sink.note(&note);
        }
        self.state.notes.push(note);
    }
}

/// The first of the `required` attributes that a create `body` has no value for.
fn missing_required(
    required: &[(String, Path)],
    body: &serde_json::Map<String, Json>,
) -> Option<String> {
    required
        .iter()
        .find(|(_, path)| {
            crate::scim::get(body, path).is_none_or(|v| {
                v.is_null() || v.as_str() == Some("") || v.as_array().is_some_and(Vec::is_empty)
            })
        })
        .map(|(name, _)| name.clone())
}

pub(super) fn resource_id(resource: &Resource) -> Option<String> {
    resource.get("id").and_then(Json::as_str).map(str::to_owned)
}
