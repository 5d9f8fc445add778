//! An in-memory model of a vendor's SCIM endpoint: it answers the requests Entra sends
//! (docs/scim-wire.md §2, E1–E24) and stores what the target schema says the vendor stores.
//!
//! The simulator sends every request here and reads the answers back, so whether a mapping
//! converges (docs/mapping-model.md §12) falls out of what this model keeps: an attribute with
//! `vendor.stored: false` is missing on the next GET, a `returns: lowercase` value comes back
//! lowercased, `returns: boolean` turns Entra's legacy `"False"` into `false`.
//!
//! Everything is deterministic: ids come from a counter, resources iterate in insertion order,
//! and `meta` carries no timestamps, so two runs over the same input print the same transcript.
//!
//! One job per file: routing the requests and answering them here, the resources of one kind
//! with their indexes and the vendor's storage rules in `store.rs`, and the mutable walks over
//! a resource that a SCIM path addresses in `paths.rs`.

mod paths;
mod store;

use super::FastMap as IdMap;

use serde_json::{Value as Json, json};

use super::endpoint::Endpoint;
pub use super::endpoint::Response;
use super::id::{self, CompactId};
use super::stored::{self, Patched, freeze, freeze_created, thaw};
use crate::model::mapping::TargetAttribute;
use crate::scim::patch::PatchOperation;
use crate::scim::{
    self, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, Path, Resource, ScimError, ScimType, USER_SCHEMA,
};
use paths::remove_at;
use store::Store;

/// The two resource types Entra provisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// The `meta.resourceType` value: `User` or `Group`.
    pub fn resource_type(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The word for one in prose and reports: `user` or `group`.
    pub fn noun(self) -> &'static str {
        match self {
            ResourceKind::User => "user",
            ResourceKind::Group => "group",
        }
    }

    /// The endpoint segment under the tenant URL: `Users` or `Groups`.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }

    /// The attribute that must be unique in the app: `userName` for users, `displayName` for
    /// groups (Entra matches groups by it, docs/scim-wire.md §6).
    pub fn unique_attribute(self) -> &'static str {
        match self {
            ResourceKind::User => "userName",
            ResourceKind::Group => "displayName",
        }
    }

    fn core_schema(self) -> &'static str {
        match self {
            ResourceKind::User => USER_SCHEMA,
            ResourceKind::Group => GROUP_SCHEMA,
        }
    }

    fn from_endpoint(segment: &str) -> Option<ResourceKind> {
        [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .find(|k| k.endpoint().eq_ignore_ascii_case(segment))
    }
}

fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError {
        status: 404,
        scim_type: None,
        detail: format!("{} {id} not found", kind.resource_type()),
    }
}

fn plain_error(status: u16, detail: impl Into<String>) -> ScimError {
    ScimError {
        status,
        scim_type: None,
        detail: detail.into(),
    }
}

/// The in-memory SCIM endpoint of the target app.
///
/// Built from the target schema (the `attributes` lists of the user and group object mappings);
/// [`Target::handle`] answers one request the way a SCIM server that stores what that schema
/// says would. Attributes the schema does not list are stored as sent: an app whose attribute
/// list is missing from the mapping file is modelled as permissive.
#[derive(Clone, Debug)]
pub struct Target {
    users: Store,
    groups: Store,
    /// Ids issued so far (users and groups share the sequence, so no two resources of the app
    /// ever share an id, as group members reference users by id).
    issued: u64,
    base_url: String,
    answers: WriteAnswers,
    /// PATCH paths parsed before: Entra sends the same few in every PATCH (the manager's in
    /// most of a first cycle's), so each is parsed once.
    paths: IdMap<Box<str>, Path>,
}

/// How many parsed PATCH paths [`Target`] keeps; member filters (`members[value eq "…"]`)
/// are one per member, so the cache starts over when full rather than grow without bound.
const PATHS_KEPT: usize = 256;

/// What the in-memory app returns for a write. What it stores, and so every later read, is
/// the same either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WriteAnswers {
    /// A POST answers 201 with the created resource and a user PATCH 200 with the resource as
    /// stored, as most SCIM servers do.
    #[default]
    Resource,
    /// A POST answers 201 with the new `id` alone, and a user PATCH 200 without a body when
    /// the app keeps what it is sent. For callers that only count requests (the summary): it
    /// spares turning a million stored resources back into JSON that nobody reads.
    ///
    /// Entra's next steps do not change. Of a create it needs only the id. Of a PATCH answer
    /// it reads the manager the app shows (is a manager PATCH still needed?), and without
    /// storage rules that is the manager the user showed before the PATCH, since Entra never
    /// writes the manager in an update. Where storage rules reshape the resource on a write (a
    /// preloaded account kept as given, say), the PATCH answer is the resource, as with
    /// [`WriteAnswers::Resource`].
    IdOnly,
}

impl Target {
    /// An empty endpoint storing users and groups by their schema attribute lists.
    pub fn new(users: &[TargetAttribute], groups: &[TargetAttribute]) -> Target {
        Target {
            users: Store::new(ResourceKind::User, users),
            groups: Store::new(ResourceKind::Group, groups),
            issued: 0,
            base_url: String::new(),
            answers: WriteAnswers::default(),
            paths: IdMap::default(),
        }
    }

    /// Changes what writes are answered with, from the next request on.
    pub fn set_write_answers(&mut self, answers: WriteAnswers) {
        self.answers = answers;
    }

    /// Sets the tenant URL that prefixes `meta.location` and the `Location` header (default
    /// empty, so locations read `/Users/{id}`, relative like the request paths).
    pub fn with_base_url(mut self, url: &str) -> Target {
        self.base_url = url.trim_end_matches('/').to_owned();
        self
    }

    fn store(&self, kind: ResourceKind) -> &Store {
        match kind {
            ResourceKind::User => &self.users,
            ResourceKind::Group => &self.groups,
        }
    }

    fn store_mut(&mut self, kind: ResourceKind) -> &mut Store {
        match kind {
            ResourceKind::User => &mut self.users,
            ResourceKind::Group => &mut self.groups,
        }
    }

    /// The resources of a kind, in the order they were created or inserted.
    pub fn resources(&self, kind: ResourceKind) -> impl Iterator<Item = Resource> + '_ {
        self.store(kind).iter()
    }

    /// The stored resource with this id (what a GET by id returns, members included).
    pub fn get(&self, kind: ResourceKind, id: &str) -> Option<Resource> {
        self.store(kind).get(id)
    }

    /// How many resources of a kind the app holds.
    pub fn len(&self, kind: ResourceKind) -> usize {
        self.store(kind).by_id.len()
    }

    /// Whether the app holds no users and no groups.
    pub fn is_empty(&self) -> bool {
        self.users.by_id.is_empty() && self.groups.by_id.is_empty()
    }

    /// Preloads an account that already exists in the app (the simulator's `--target FILE`),
    /// kept exactly as given: it is what the app returns today, whatever the storage rules. A
    /// resource without a string `id` gets one. Returns the id; fails with 409 `uniqueness`
    /// when the id or the unique attribute (userName, displayName) is already taken.
    pub fn insert(
        &mut self,
        kind: ResourceKind,
        mut resource: Resource,
    ) -> Result<String, ScimError> {
        let id = match resource.get("id").and_then(Json::as_str) {
            Some(id) => id.to_owned(),
            None => {
                let id = self.next_id();
                resource.shift_insert(0, "id".to_owned(), Json::from(id.clone()));
                id
            }
        };
        let store = self.store(kind);
        if store.by_id.contains_key(&CompactId::new(&id)) {
            return Err(ScimError {
                status: 409,
                scim_type: Some(ScimType::Uniqueness),
                detail: format!("a {} with id {id} already exists", kind.resource_type()),
            });
        }
        if store
            .taken(store.unique_key(&resource).as_deref(), None)
            .is_some()
        {
            return Err(store.uniqueness(&resource));
        }
        let key = store.unique_key(&resource);
        let issued = self.issued;
        self.store_mut(kind)
            .push(&id, key, freeze(&resource), issued);
        Ok(id)
    }

    /// A new id, GUID-shaped so transcripts look like real traffic, derived from a counter so
    /// runs are reproducible. Ids of preloaded accounts are skipped.
    fn next_id(&mut self) -> String {
        loop {
            self.issued += 1;
            let key = CompactId::Guid(id::issued_guid(self.issued));
            if !self.users.by_id.contains_key(&key) && !self.groups.by_id.contains_key(&key) {
                return key.to_text();
            }
        }
    }

    fn location(&self, kind: ResourceKind, id: &str) -> String {
        [self.base_url.as_str(), "/", kind.endpoint(), "/", id].concat()
    }

    /// Answers one request. `method` is the HTTP method; `path_and_query` is relative to the
    /// tenant URL exactly as Entra sends it (`/Users?filter=userName+eq+%22a%40contoso.com%22`,
    /// `/Groups/{id}?excludedAttributes=members`); `body` is the parsed JSON body.
    ///
    /// Routes: `POST /Users|/Groups` (201), `GET` by id (200/404) or with a filter (200
    /// ListResponse, empty when nothing matches), `PATCH /{type}/{id}` (users 200 with the
    /// resource, groups 204), `DELETE /{type}/{id}` (204/404). Other paths are 404, other
    /// methods on a known path 405; errors carry a SCIM Error body.
    pub fn handle(&mut self, method: &str, path_and_query: &str, body: Option<&Json>) -> Response {
        self.answer(method, path_and_query, body)
    }

    fn answer(&mut self, method: &str, path_and_query: &str, body: Option<&Json>) -> Response {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let mut segments = path.trim_matches('/').split('/');
        let Some(kind) = segments.next().and_then(ResourceKind::from_endpoint) else {
            return Response::error(&plain_error(404, format!("no endpoint {path}")));
        };
        let id = segments
            .next()
            .filter(|s| !s.is_empty())
            .map(decode_segment);
        if segments.next().is_some() {
            return Response::error(&plain_error(404, format!("no endpoint {path}")));
        }
        let is = |name: &str| method.eq_ignore_ascii_case(name);
        let result = match id {
            None if is("GET") => self.list(kind, query),
            Some(id) if is("GET") => self.read(kind, &id, query),
            None if is("POST") => self.create(kind, body),
            Some(id) if is("PATCH") => self.patch(kind, &id, body),
            Some(id) if is("DELETE") => self.delete(kind, &id),
            _ => Err(plain_error(
                405,
                format!("{} is not supported on {path}", method.to_ascii_uppercase()),
            )),
        };
        result.unwrap_or_else(|e| Response::error(&e))
    }

    fn create(&mut self, kind: ResourceKind, body: Option<&Json>) -> Result<Response, ScimError> {
        let Some(Json::Object(sent)) = body else {
            return Err(ScimError::bad_request(
                ScimType::InvalidSyntax,
                "a create needs a JSON object body",
            ));
        };
        let store = self.store(kind);
        if let Some(name) = store.missing_required(sent) {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!("required attribute `{name}` is missing"),
            ));
        }
        let ruled;
        let kept = if store.keeps_as_sent {
            sent
        } else {
            let mut resource = sent.clone();
            store.store_rules(&mut resource);
            ruled = resource;
            &ruled
        };
        let key = store.unique_key(kept);
        if store.taken(key.as_deref(), None).is_some() {
            // Entra logs the 409 and retries later; it never treats it as a match (§3.5).
            return Err(store.uniqueness(kept));
        }
        let id = self.next_id();
        let location = self.location(kind, &id);
        let stored = freeze_created(
            kept,
            kind.core_schema(),
            &id,
            kind.resource_type(),
            &location,
        );
        let body = match self.answers {
            WriteAnswers::Resource => Json::Object(thaw(&stored)),
            WriteAnswers::IdOnly => json!({ "id": id }),
        };
        let issued = self.issued;
        self.store_mut(kind).push(&id, key, stored, issued);
        Ok(Response {
            status: 201,
            body: Some(body),
            location: Some(location),
        })
    }

    fn read(&self, kind: ResourceKind, id: &str, query: &str) -> Result<Response, ScimError> {
        let excluded = excluded_attributes(&query_params(query)?)?;
        let resource = self.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        Ok(Response::ok(
            200,
            Json::Object(without(resource, &excluded)),
        ))
    }

    fn list(&self, kind: ResourceKind, query: &str) -> Result<Response, ScimError> {
        let params = query_params(query)?;
        let excluded = excluded_attributes(&params)?;
        let filter = scim::filter::filter_from_params(&params)
            .map_err(|e| ScimError::bad_request(ScimType::InvalidFilter, e.to_string()))?;
        let found: Vec<Json> = self
            .store(kind)
            .query(filter.as_ref())
            .into_iter()
            .map(|r| Json::Object(without(r, &excluded)))
            .collect();
        // No paging: Entra's lookups return at most one resource. `itemsPerPage` is what this
        // page holds (RFC 7644 §3.4.2), 0 for the empty answer Test Connection expects (E1, E3).
        static EMPTY: std::sync::OnceLock<Json> = std::sync::OnceLock::new();
        let mut answer = EMPTY
            .get_or_init(|| {
                json!({
                    "schemas": [LIST_RESPONSE_SCHEMA],
                    "totalResults": 0,
                    "Resources": [],
                    "startIndex": 1,
                    "itemsPerPage": 0,
                })
            })
            // Copying the answer every first cycle sends a million times keeps its keys'
            // hashes; building it anew would hash them again.
            .clone();
        if !found.is_empty() {
            answer["totalResults"] = Json::from(found.len());
            answer["itemsPerPage"] = Json::from(found.len());
            answer["Resources"] = Json::Array(found);
        }
        Ok(Response::ok(200, answer))
    }

    fn patch(
        &mut self,
        kind: ResourceKind,
        id: &str,
        body: Option<&Json>,
    ) -> Result<Response, ScimError> {
        let store = self.store(kind);
        let slot = store
            .by_id
            .get(&CompactId::new(id))
            .ok_or_else(|| not_found(kind, id))?;
        let body = body.ok_or_else(|| {
            ScimError::bad_request(ScimType::InvalidSyntax, "a PATCH needs a PatchOp body")
        })?;
        let paths = &mut self.paths;
        let ops = scim::patch::parse_operations_with(body, &mut |text| {
            if let Some(path) = paths.get(text) {
                return Ok(path.clone());
            }
            let path = Path::parse(text)?;
            if paths.len() >= PATHS_KEPT {
                paths.clear();
            }
            paths.insert(text.into(), path.clone());
            Ok(path)
        })?;
        let store = self.store(kind);
        let bytes = store.slots[slot]
            .as_ref()
            .ok_or_else(|| not_found(kind, id))?;
        let reserved = ["id", "meta", kind.unique_attribute()];
        let patched = if store.keeps_as_sent {
            stored::patch(bytes, ops, &reserved)
        } else {
            Patched::Declined(ops)
        };
        let (stored, resource) = match patched {
            Patched::Stored(stored) => (stored, None),
            Patched::Failed(e) => return Err(e),
            Patched::Declined(ops) => {
                let resource = self.patch_whole(kind, slot, ops)?;
                (freeze(&resource), Some(resource))
            }
        };
        let brief = self.answers == WriteAnswers::IdOnly && self.store(kind).keeps_as_sent;
        let response = match kind {
            // Entra expects 200 for a user PATCH (E9; the body is optional, we return the
            // resource so a caller can see what the vendor kept) and 204 for a group PATCH
            // (E19–E21: returning the member list is discouraged).
            ResourceKind::Group => Response::no_content(),
            ResourceKind::User => Response {
                status: 200,
                body: (!brief).then(|| Json::Object(resource.unwrap_or_else(|| thaw(&stored)))),
                location: None,
            },
        };
        self.store_mut(kind).slots[slot] = Some(stored);
        Ok(response)
    }

    /// A PATCH applied to the whole decoded resource in `slot`, with the server's checks and
    /// storage rules, and the unique index updated; the store's copy is the caller's to
    /// replace.
    fn patch_whole(
        &mut self,
        kind: ResourceKind,
        slot: usize,
        ops: Vec<PatchOperation>,
    ) -> Result<Resource, ScimError> {
        let store = self.store(kind);
        // A fresh copy from the stored bytes: a failed PATCH leaves the stored one untouched.
        let resource = store.at(slot).unwrap_or_default();
        let old_id = resource.get("id").cloned();
        let old_meta = resource.get("meta").cloned();
        let old_key = store.unique_key(&resource);
        let mut resource = scim::patch::apply_operations_owned(resource, ops)?;
        if resource.get("id") != old_id.as_ref() {
            return Err(ScimError::bad_request(
                ScimType::Mutability,
                "`id` is assigned by the service provider and cannot change",
            ));
        }
        // `meta` is read-only too; keep the server's rather than failing the whole PATCH.
        if let Some(meta) = old_meta {
            resource.insert("meta".to_owned(), meta);
        }
        store.store_rules(&mut resource);
        let new_key = store.unique_key(&resource);
        if store.taken(new_key.as_deref(), Some(slot)).is_some() {
            return Err(store.uniqueness(&resource));
        }
        let store = self.store_mut(kind);
        if old_key != new_key {
            if let Some(k) = old_key {
                store.by_unique.remove(&k);
            }
            if let Some(k) = new_key {
                store.by_unique.insert(k, slot);
            }
        }
        Ok(resource)
    }

    fn delete(&mut self, kind: ResourceKind, id: &str) -> Result<Response, ScimError> {
        let store = self.store_mut(kind);
        let slot = store
            .by_id
            .remove(&CompactId::new(id))
            .ok_or_else(|| not_found(kind, id))?;
        let resource = store.slots[slot].take().map(|text| thaw(&text));
        if let Some(k) = resource.and_then(|r| store.unique_key(&r)) {
            store.by_unique.remove(&k);
        }
        Ok(Response::no_content())
    }
}

/// A query string's decoded parameters.
fn query_params(query: &str) -> Result<Vec<(String, String)>, ScimError> {
    scim::decode_query(query)
        .map_err(|e| ScimError::bad_request(ScimType::InvalidSyntax, e.to_string()))
}

/// The `excludedAttributes` parameter as paths (`members` for every group read, E16/E17).
fn excluded_attributes(params: &[(String, String)]) -> Result<Vec<Path>, ScimError> {
    let mut out = Vec::new();
    for (name, value) in params {
        if !name.eq_ignore_ascii_case("excludedAttributes") {
            continue;
        }
        for text in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let path = Path::parse(text).map_err(|e| {
                ScimError::bad_request(ScimType::InvalidPath, format!("`{text}`: {e}"))
            })?;
            // RFC 7643 §7: `id` and `schemas` are returned always, whatever is excluded.
            let always = path.urn().is_none()
                && ["id", "schemas"]
                    .iter()
                    .any(|a| path.attr().eq_ignore_ascii_case(a));
            if !always {
                out.push(path);
            }
        }
    }
    Ok(out)
}

fn without(mut resource: Resource, excluded: &[Path]) -> Resource {
    for path in excluded {
        remove_at(&mut resource, path);
    }
    resource
}

/// A path segment with `%XX` escapes decoded (ids with reserved characters travel escaped).
fn decode_segment(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_owned();
    }
    // `+` is literal in a path, unlike in a form-encoded query.
    scim::url_decode(&segment.replace('+', "%2B")).unwrap_or_else(|_| segment.to_owned())
}

impl Endpoint for Target {
    fn handle(&mut self, method: &str, path_and_query: &str, body: Option<&Json>) -> Response {
        self.answer(method, path_and_query, body)
    }
}
