//! A small stateful SCIM server on [`Stub`], with the quirks real servers have that `live`
//! must report rather than trip over: one that ignores `filter`, one that only deactivates on
//! DELETE, one that answers 501 to PUT, one with no manager attribute; and hooks for the rest
//! (answer some requests in its place, change a user as it is stored). It numbers users and
//! groups each from 1, as many servers do, so a user and a group share ids.
//!
//! PATCH bodies are applied with entramap's own SCIM semantics (which accept what Entra sends),
//! so that any disagreement a test sees comes from the quirk it turned on.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value as Json, json};

use super::{Answer, Stub};

/// Answers a request in place of the server: from the method, the path (`/Users/3`), the
/// query and the JSON body, `Some((status, body))`.
pub type Intercept = fn(&str, &str, &str, Option<&Json>) -> Option<(u16, Json)>;

/// What the server does differently from a tolerant one.
#[derive(Clone, Copy, Default)]
pub struct Quirks {
    /// Answer every filter query with every resource of the type.
    pub ignore_filter: bool,
    /// Answer DELETE of a user with 204 and keep it, `active` false.
    pub deactivate_on_delete: bool,
    /// Answer PUT with 501 Not Implemented (PATCH works).
    pub put_not_implemented: bool,
    /// Have no `manager` attribute: any PATCH naming it is rejected.
    pub no_manager: bool,
    /// Answer a request in place of the server when this gives `Some`. Writes are recorded
    /// first; a create answered here is not one the server made.
    pub intercept: Option<Intercept>,
    /// Change a user as the server stores it, after each POST and PATCH (an app that drops,
    /// re-cases or rewrites what it was sent).
    pub store_user: Option<fn(&mut Map<String, Json>)>,
}

/// The server's resources, by id.
#[derive(Default)]
pub struct State {
    /// Users by id.
    pub users: BTreeMap<u64, Map<String, Json>>,
    /// Groups by id.
    pub groups: BTreeMap<u64, Map<String, Json>>,
    /// Every write received: method, path and body.
    pub writes: Vec<(String, String, String)>,
    /// Ids the server handed out in answer to a POST, as `Users/3`.
    pub created: Vec<String>,
}

/// The running server.
pub struct MiniScim {
    /// The stub it runs on.
    pub stub: Stub,
    /// What it holds and what it received.
    pub state: Arc<Mutex<State>>,
}

impl MiniScim {
    /// Start a server with `quirks`, holding `users` before the run (ids from 1).
    pub fn start(quirks: Quirks, users: &[Json]) -> MiniScim {
        let mut initial = State::default();
        for u in users {
            let id = initial.users.len() as u64 + 1;
            let mut u = u.as_object().cloned().unwrap_or_default();
            u.insert("id".into(), Json::from(id.to_string()));
            initial.users.insert(id, u);
        }
        let state = Arc::new(Mutex::new(initial));
        let shared = state.clone();
        let stub = Stub::route(20_000, move |request| {
            let mut state = shared.lock().expect("lock");
            answer(&mut state, quirks, request)
        });
        MiniScim { stub, state }
    }

    /// The ids of writes (PATCH, PUT, DELETE) received, as `Users/3`.
    pub fn written_ids(&self) -> Vec<String> {
        self.state
            .lock()
            .expect("lock")
            .writes
            .iter()
            .filter(|(m, _, _)| m != "POST")
            .map(|(_, p, _)| p.trim_start_matches('/').to_owned())
            .collect()
    }
}

fn reply(status: u16, body: Json) -> Answer {
    Answer {
        status,
        headers: Vec::new(),
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
        delay: std::time::Duration::ZERO,
    }
}

fn error(status: u16, detail: &str) -> Answer {
    reply(
        status,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": status.to_string(), "detail": detail}),
    )
}

fn list(resources: Vec<Json>) -> Answer {
    reply(
        200,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": resources.len(), "Resources": resources}),
    )
}

fn answer(state: &mut State, quirks: Quirks, request: &str) -> Answer {
    let (head, text) = request.split_once("\r\n\r\n").unwrap_or((request, ""));
    let line = head.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let body: Option<Json> = serde_json::from_str(text).ok();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let (collection, id) = (segments.next().unwrap_or(""), segments.next());
    if method != "GET" {
        state
            .writes
            .push((method.to_owned(), path.to_owned(), text.to_owned()));
    }
    if let Some(intercept) = quirks.intercept
        && let Some((status, body)) = intercept(method, path, query, body.as_ref())
    {
        return reply(status, body);
    }
    if collection == "ServiceProviderConfig" {
        return reply(200, json!({}));
    }
    let resources = match collection {
        "Users" => &mut state.users,
        "Groups" => &mut state.groups,
        _ => return error(404, "no such endpoint"),
    };
    let found = id.and_then(|i| i.parse::<u64>().ok());
    match (method, id) {
        ("GET", None) => {
            let filter = entramap::scim::filter::filter_from_query(query)
                .ok()
                .flatten();
            let matching = resources
                .values()
                .filter(|r| quirks.ignore_filter || filter.as_ref().is_none_or(|f| f.matches(r)))
                .map(|r| Json::Object(r.clone()))
                .collect();
            list(matching)
        }
        ("GET", Some(_)) => match found.and_then(|i| resources.get(&i)) {
            Some(r) => reply(200, Json::Object(r.clone())),
            None => error(404, "not found"),
        },
        ("POST", None) => {
            let Some(Json::Object(mut r)) = body else {
                return error(400, "not a JSON object");
            };
            let id = resources.keys().last().copied().unwrap_or(0) + 1;
            r.insert("id".into(), Json::from(id.to_string()));
            if collection == "Users"
                && let Some(store) = quirks.store_user
            {
                store(&mut r);
            }
            resources.insert(id, r.clone());
            state.created.push(format!("{collection}/{id}"));
            reply(201, Json::Object(r))
        }
        ("PUT", Some(_)) if quirks.put_not_implemented => error(501, "PUT is not implemented"),
        ("PATCH", Some(_)) => {
            let Some(resource) = found.and_then(|i| resources.get_mut(&i)) else {
                return error(404, "not found");
            };
            let Some(body) = body else {
                return error(400, "not JSON");
            };
            if quirks.no_manager && body.to_string().contains("manager") {
                return error(400, "unknown attribute: manager");
            }
            match entramap::scim::patch::apply(resource, &body) {
                Ok(()) => {
                    if collection == "Users"
                        && let Some(store) = quirks.store_user
                    {
                        store(resource);
                    }
                    reply(200, Json::Object(resource.clone()))
                }
                Err(e) => error(400, &e.to_string()),
            }
        }
        ("DELETE", Some(_)) => {
            let Some(i) = found.filter(|i| resources.contains_key(i)) else {
                return error(404, "not found");
            };
            if quirks.deactivate_on_delete && collection == "Users" {
                if let Some(r) = resources.get_mut(&i) {
                    r.insert("active".into(), Json::Bool(false));
                }
            } else {
                resources.remove(&i);
            }
            reply(204, Json::Null)
        }
        _ => error(405, "method not allowed"),
    }
}
