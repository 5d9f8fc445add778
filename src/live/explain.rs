//! Causes and fixes for requests an app rejects, where the request's shape suggests what Entra
//! does differently from what a strict RFC 7643/7644 server expects.
//!
//! A rule looks only at the request Entra sent, the status and the server's `detail`, so what
//! it gives is a hypothesis: a rejected manager PATCH may be the string value, or a server with
//! no manager attribute at all. Where a cause names an alternative shape that would be accepted
//! (a JSON Boolean, lower-case ops, `{"value": id}`, the compliant member removal, the create
//! without the unknown extension), it carries that request as its [`RejectionCause::probe`]: `--probe`
//! sends it on the run's own object, and only an accepted probe makes the cause confirmed.
//! What the answer itself shows (a 404 on an object the app created, a 200 to a POST) is
//! [`Evidence::Observed`].

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::provision::cycle::{Request, RequestPurpose};

/// How much is known about a cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// The answer itself shows it (a status, a missing `id`).
    Observed,
    /// Suggested by the request's shape; not tested (`--probe` tests those with a probe).
    Hypothesis,
    /// `--probe` sent the alternative shape the cause names on the run's own object, and the
    /// app accepted it.
    Confirmed,
    /// `--probe` sent the alternative shape and the app rejected it too: not the cause.
    Refuted,
}

/// The request `--probe` sends to test a cause: the rejected request in the shape the cause
/// says the app wants.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// `PATCH` or `POST`.
    pub method: &'static str,
    /// The rejected request's path (the run's own object, or the collection for a create).
    pub path: String,
    /// The alternative body.
    pub body: Json,
    /// What differs from Entra's request, for the report (`a JSON Boolean instead of "False"`).
    pub shape: &'static str,
}

/// A possible cause of a rejection, with its stable id, the fix, and how to test it.
#[derive(Clone, Debug)]
pub struct RejectionCause {
    /// Stable id, as `--format json` reports it (listed in the README).
    pub id: &'static str,
    /// What Entra does that the app does not accept.
    pub text: String,
    /// What the vendor would change.
    pub fix: String,
    /// How sure: [`Evidence::Observed`] or [`Evidence::Hypothesis`] until probed.
    pub evidence: Evidence,
    /// The request that tests it, when one does.
    pub probe: Option<Probe>,
}

impl RejectionCause {
    fn hypothesis(
        id: &'static str,
        text: String,
        fix: String,
        probe: Option<Probe>,
    ) -> RejectionCause {
        RejectionCause {
            id,
            text,
            fix,
            evidence: Evidence::Hypothesis,
            probe,
        }
    }

    fn observed(id: &'static str, text: String, fix: String) -> RejectionCause {
        RejectionCause {
            id,
            text,
            fix,
            evidence: Evidence::Observed,
            probe: None,
        }
    }
}

/// The PATCH body with each op changed by `change`; `None` when no op changed.
fn patch_with(
    body: Option<&Json>,
    change: impl Fn(&mut Map<String, Json>) -> bool,
) -> Option<Json> {
    let mut body = body?.clone();
    let ops = body.get_mut("Operations")?.as_array_mut()?;
    let mut changed = false;
    for op in ops.iter_mut() {
        if let Some(op) = op.as_object_mut() {
            changed |= change(op);
        }
    }
    changed.then_some(body)
}

fn probe(r: &Request<'_>, body: Option<Json>, shape: &'static str) -> Option<Probe> {
    Some(Probe {
        method: if r.method == "POST" { "POST" } else { "PATCH" },
        path: r.path.to_owned(),
        body: body?,
        shape,
    })
}

/// The most likely cause of a rejected request, when its shape suggests one.
pub fn rejection(r: &Request<'_>) -> Option<RejectionCause> {
    let ops = r
        .body
        .and_then(|b| b.get("Operations"))
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let op_name = |op: &Json| {
        op.get("op")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let capitalised = ops
        .iter()
        .any(|op| op_name(op).starts_with(|c: char| c.is_ascii_uppercase()));
    match (r.action, r.status) {
        (RequestPurpose::LinkManager, 400..=499)
            if ops.iter().any(|op| op.get("value").is_some_and(Json::is_string)) =>
        {
            let alternative = patch_with(r.body, |op| match op.get("value") {
                Some(Json::String(id)) => {
                    let id = id.clone();
                    op.insert("value".into(), serde_json::json!({"value": id}));
                    true
                }
                _ => false,
            });
            Some(RejectionCause::hypothesis(
                "manager-string",
                "Entra sends the manager as a plain id string (`\"value\": \"<id>\"`, both dialects); \
                 RFC 7643 §4.3 models `manager` as a complex attribute, so a strict server wants \
                 `{\"value\": \"<id>\"}`"
                    .into(),
                "accept a string value for `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager` \
                 in PATCH add/replace and store it as `manager.value` (Entra's documented request, \
                 use-scim-to-provision-users-and-groups \"Update user [Add/Replace manager]\")"
                    .into(),
                probe(r, alternative, "the manager as `{\"value\": \"<id>\"}`"),
            ))
        }
        (RequestPurpose::RemoveMembers, 400..=499)
            if ops.iter().any(|op| {
                op.get("path").and_then(Json::as_str) == Some("members") && op.get("value").is_some()
            }) =>
        {
            Some(RejectionCause::hypothesis(
                "legacy-member-removal",
                "Entra's legacy dialect removes members with `{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"<id>\"}]}`; \
                 RFC 7644 §3.5.2.2 selects what a remove takes with a filter in the path and no value"
                    .into(),
                "accept a `value` list on a remove of `members` (Microsoft's documented legacy request), or put \
                 `?aadOptscim062020` on the tenant URL so Entra sends `members[value eq \"<id>\"]`"
                    .into(),
                probe(r, compliant_removal(ops), "the compliant removal `members[value eq \"<id>\"]`"),
            ))
        }
        (RequestPurpose::Create, 400) if unknown_extension(r).is_some() => {
            let (urn, attribute) = unknown_extension(r).unwrap_or_default();
            let without = r.body.and_then(Json::as_object).map(|b| {
                let mut b = b.clone();
                b.remove(&urn);
                if let Some(Json::Array(schemas)) = b.get_mut("schemas") {
                    schemas.retain(|s| s.as_str() != Some(urn.as_str()));
                }
                Json::Object(b)
            });
            let shape = "the create without the extension";
            Some(unknown_extension_cause(&urn, attribute.as_deref(), probe(r, without, shape)))
        }
        (RequestPurpose::Update, 400..=499) if patched_extension(r).is_some() => {
            let (urn, attribute) = patched_extension(r).unwrap_or_default();
            let without = patch_without(r.body, &urn);
            let shape = "the PATCH without the extension's attributes";
            Some(unknown_extension_cause(&urn, attribute.as_deref(), probe(r, without, shape)))
        }
        (RequestPurpose::Disable, 400..=499) if is_string_boolean(ops) => Some(RejectionCause::hypothesis(
            "string-boolean",
            "Entra's legacy dialect sends `active` as the string \"False\"; the app may want a JSON Boolean".into(),
            "accept \"True\"/\"False\" strings for Boolean attributes, or put `?aadOptscim062020` on the \
             tenant URL so Entra sends JSON Booleans"
                .into(),
            probe(r, patch_with(r.body, booleans), "a JSON Boolean instead of \"False\""),
        )),
        (RequestPurpose::Update | RequestPurpose::AddMembers | RequestPurpose::RemoveMembers | RequestPurpose::Disable, 400..=499)
            if capitalised =>
        {
            let lower = patch_with(r.body, |op| match op.get("op") {
                Some(Json::String(name)) if name.chars().any(|c| c.is_ascii_uppercase()) => {
                    let name = name.to_ascii_lowercase();
                    op.insert("op".into(), Json::from(name));
                    true
                }
                _ => false,
            });
            Some(RejectionCause::hypothesis(
                "capitalised-ops",
                "Entra's legacy dialect writes PATCH op names capitalised (`Add`, `Replace`, `Remove`); \
                 RFC 7644 §3.5.2 spells them lowercase"
                    .into(),
                "compare op names case-insensitively (Microsoft's SCIM guidance requires it), or put \
                 `?aadOptscim062020` on the tenant URL so Entra sends lowercase ops"
                    .into(),
                probe(r, lower, "lower-case op names"),
            ))
        }
        (RequestPurpose::Match, _) => Some(RejectionCause::hypothesis(
            "match-query-failed",
            "Entra finds existing accounts with `filter=<matching attribute> eq \"<value>\"`; the app \
             must answer 200 with a ListResponse (empty when nothing matches)"
                .into(),
            "support the `eq` filter on every matching attribute (RFC 7644 §3.4.2.2)".into(),
            None,
        )),
        (RequestPurpose::Read, 404) => Some(RejectionCause::observed(
            "object-lost",
            "the app no longer finds an object it created (Entra logs InvalidAnchor and stops \
             updating it)"
                .into(),
            "keep ids stable: GET /Users/{id} must return what POST created".into(),
        )),
        (RequestPurpose::Create, 409) => Some(RejectionCause::hypothesis(
            "create-conflict",
            "the app holds an account with this unique value that Entra's match query did not find"
                .into(),
            "make the match filter find it (case-insensitive `eq` on userName/displayName), or \
             remove the stale account"
                .into(),
            None,
        )),
        (RequestPurpose::Create, 200..=299) => Some(RejectionCause::observed(
            "create-not-201",
            format!("Entra expects 201 Created for a POST; the app answered {}", r.status),
            "answer a create with 201 and the created resource, `id` included (RFC 7644 §3.3)".into(),
        )),
        _ => None,
    }
}

/// Legacy `Remove` ops of `members` with a value list, as the compliant dialect writes them:
/// one lower-case `remove` per member, selected by a filter in the path.
fn compliant_removal(ops: &[Json]) -> Option<Json> {
    let mut out = Vec::new();
    for op in ops {
        let ids: Vec<&str> = op
            .get("value")
            .and_then(Json::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("value").and_then(Json::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if op.get("path").and_then(Json::as_str) == Some("members") && !ids.is_empty() {
            for id in ids {
                let filter = crate::scim::Filter::eq(crate::scim::Path::attribute("value"), id);
                out.push(serde_json::json!({"op": "remove", "path": format!("members[{filter}]")}));
            }
        } else {
            out.push(op.clone());
        }
    }
    Some(serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": out,
    }))
}

/// Turn `"True"`/`"False"` values (alone, or inside a path-less op's value) into Booleans.
fn booleans(op: &mut Map<String, Json>) -> bool {
    fn flip(v: &mut Json) -> bool {
        match v {
            Json::String(s)
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                *v = Json::Bool(s.eq_ignore_ascii_case("true"));
                true
            }
            Json::Object(o) => o.values_mut().fold(false, |changed, v| flip(v) | changed),
            _ => false,
        }
    }
    op.get_mut("value").is_some_and(flip)
}

/// The cause of a request the app refused for a custom extension it does not know, whether a
/// create or a PATCH carried it: one attribute of a declared schema (`attribute`), or the whole
/// extension schema. `probe` resends the request without the extension.
fn unknown_extension_cause(
    urn: &str,
    attribute: Option<&str>,
    probe: Option<Probe>,
) -> RejectionCause {
    match attribute {
        Some(a) => RejectionCause::hypothesis(
            "unknown-extension-attribute",
            format!("the mapping writes `{urn}:{a}`, which the app's `{urn}` schema does not have"),
            format!(
                "add `{a}` to the `{urn}` schema the app declares (or remove the row that \
                 targets it)"
            ),
            probe,
        ),
        None => RejectionCause::hypothesis(
            "unknown-extension",
            format!("the mapping writes the custom extension `{urn}`, which the app does not know"),
            format!(
                "declare `{urn}` in the app's /Schemas and as a schemaExtension of its User \
                 resource type (or remove the rows that target it)"
            ),
            probe,
        ),
    }
}

/// The extension URN of a create body that the app's error `detail` names, and the attribute
/// when the detail names one of it (`urn:...:User:location`).
fn unknown_extension(r: &Request<'_>) -> Option<(String, Option<String>)> {
    let detail = r
        .response
        .and_then(|b| b.get("detail"))
        .and_then(Json::as_str)?;
    let urn = r
        .body?
        .as_object()?
        .keys()
        .find(|k| k.starts_with("urn:") && detail.contains(k.as_str()))?;
    let attribute = detail
        .split(&format!("{urn}:"))
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect::<String>()
        })
        .filter(|a| !a.is_empty());
    Some((urn.clone(), attribute))
}

/// The extension URN of an attribute a PATCH writes (an op's path, or a key of a path-less
/// op's value) that the app's error `detail` names, with the attribute when the detail names
/// it too. Core schema paths are not extensions.
fn patched_extension(r: &Request<'_>) -> Option<(String, Option<String>)> {
    let detail = r
        .response
        .and_then(|b| b.get("detail"))
        .and_then(Json::as_str)?;
    let ops = r.body?.get("Operations")?.as_array()?;
    let paths = ops.iter().flat_map(|op| {
        let path = op.get("path").and_then(Json::as_str).map(str::to_owned);
        let keys: Vec<String> = match (op.get("path"), op.get("value")) {
            (None, Some(Json::Object(v))) => v.keys().cloned().collect(),
            _ => Vec::new(),
        };
        path.into_iter().chain(keys)
    });
    for path in paths {
        if !path.starts_with("urn:") || path.starts_with("urn:ietf:params:scim:schemas:core:") {
            continue;
        }
        let Some((urn, attribute)) = path.rsplit_once(':') else {
            continue;
        };
        if detail.contains(urn) {
            let named = detail.contains(path.as_str()).then(|| attribute.to_owned());
            return Some((urn.to_owned(), named));
        }
    }
    None
}

/// The PATCH body without what it writes under `urn`; `None` when nothing else is left.
fn patch_without(body: Option<&Json>, urn: &str) -> Option<Json> {
    let mut body = body?.clone();
    let under = |p: &str| p == urn || p.starts_with(&format!("{urn}:"));
    let ops = body.get_mut("Operations")?.as_array_mut()?;
    ops.retain(|op| !op.get("path").and_then(Json::as_str).is_some_and(under));
    for op in ops.iter_mut() {
        if op.get("path").is_none()
            && let Some(Json::Object(v)) = op.get_mut("value")
        {
            v.retain(|k, _| !under(k));
        }
    }
    ops.retain(|op| {
        op.get("path").is_some()
            || op
                .get("value")
                .and_then(Json::as_object)
                .is_none_or(|v| !v.is_empty())
    });
    (!ops.is_empty()).then_some(body)
}

fn is_string_boolean(ops: &[Json]) -> bool {
    ops.iter().any(|op| {
        matches!(op.get("value"), Some(Json::String(s)) if s.eq_ignore_ascii_case("false") || s.eq_ignore_ascii_case("true"))
            || op
                .get("value")
                .and_then(Json::as_object)
                .is_some_and(|o| o.values().any(|v| matches!(v, Json::String(s) if s.eq_ignore_ascii_case("false"))))
    })
}

/// What is wrong with an answer whose status Entra accepts but whose body it cannot use, with
/// the fix: a create without an `id`, a match query that is not a ListResponse.
pub fn unusable(r: &Request<'_>) -> Option<RejectionCause> {
    let body = r.response.and_then(Json::as_object);
    match r.action {
        RequestPurpose::Create if body.and_then(|b| b.get("id")).and_then(Json::as_str).is_none() => Some(RejectionCause::observed(
            "create-without-id",
            "the created resource has no string `id`, so Entra cannot link the object".into(),
            "return the created resource with its `id` (RFC 7644 §3.3)".into(),
        )),
        RequestPurpose::Match
            if body
                .and_then(|b| crate::scim::resource::get_ci(b, "Resources").or_else(|| crate::scim::resource::get_ci(b, "totalResults")))
                .is_none() =>
        {
            Some(RejectionCause::observed(
                "match-not-a-list",
                "the answer to Entra's filter query is not a ListResponse".into(),
                "answer filter queries with a ListResponse (`totalResults`, `Resources`; RFC 7644 §3.4.2)".into(),
            ))
        }
        _ => None,
    }
}

/// Whether the status is what Entra expects for the action: 200 for reads and matches, 201 for
/// a create, any 2xx for writes.
pub fn accepted(action: RequestPurpose, status: u16) -> bool {
    match action {
        RequestPurpose::Match | RequestPurpose::Read => status == 200,
        RequestPurpose::Create => status == 201,
        _ => (200..300).contains(&status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request<'a>(
        action: RequestPurpose,
        method: &'static str,
        body: Option<&'a Json>,
        status: u16,
        response: Option<&'a Json>,
    ) -> Request<'a> {
        Request {
            cycle: 1,
            object: "oid",
            label: "adele",
            action,
            method,
            path: "/Users/1",
            body,
            status,
            response,
        }
    }

    /// The cause `rejection` gives a request the app answered 400, with `response` as the body.
    fn rejected(
        action: RequestPurpose,
        method: &'static str,
        body: &Json,
        response: Option<&Json>,
    ) -> Option<RejectionCause> {
        rejection(&request(action, method, Some(body), 400, response))
    }

    #[test]
    fn manager_string_legacy_removal_and_unknown_extension_are_hypotheses_with_probes() {
        let manager = json!({"Operations": [{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "42"}]});
        let cause = rejected(RequestPurpose::LinkManager, "PATCH", &manager, None).unwrap();
        assert_eq!(cause.id, "manager-string");
        assert_eq!(cause.evidence, Evidence::Hypothesis);
        assert!(cause.text.contains("plain id string") && cause.fix.contains("manager.value"));
        let probe = cause.probe.unwrap();
        assert_eq!(probe.method, "PATCH");
        assert_eq!(probe.body["Operations"][0]["value"], json!({"value": "42"}));
        assert_eq!(
            probe.body["Operations"][0]["op"], "Add",
            "one change at a time"
        );
        // A complex value rejected is something else: no made-up cause.
        let complex =
            json!({"Operations": [{"op": "add", "path": "manager", "value": {"value": "42"}}]});
        assert!(rejected(RequestPurpose::LinkManager, "PATCH", &complex, None).is_none());

        let remove = json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "42"}, {"value": "7"}]}]});
        let cause = rejected(RequestPurpose::RemoveMembers, "PATCH", &remove, None).unwrap();
        assert!(cause.fix.contains("aadOptscim062020"));
        assert_eq!(
            cause.probe.unwrap().body["Operations"],
            json!([
                {"op": "remove", "path": "members[value eq \"42\"]"},
                {"op": "remove", "path": "members[value eq \"7\"]"}
            ])
        );

        let post = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:x:blink:2.0:User"], "urn:x:blink:2.0:User": {"a": "b"}, "userName": "a"});
        let error = json!({"detail": "Extra inputs are not permitted: urn:x:blink:2.0:User"});
        let cause = rejected(RequestPurpose::Create, "POST", &post, Some(&error)).unwrap();
        assert!(
            cause.text.contains("`urn:x:blink:2.0:User`"),
            "{}",
            cause.text
        );
        assert_eq!(
            cause.probe.unwrap().body,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"})
        );
        let attribute =
            json!({"detail": "Extra inputs are not permitted: urn:x:blink:2.0:User:location"});
        let cause = rejected(RequestPurpose::Create, "POST", &post, Some(&attribute)).unwrap();
        assert!(
            cause.text.contains("`urn:x:blink:2.0:User:location`"),
            "{}",
            cause.text
        );
        assert!(cause.fix.starts_with("add `location`"), "{}", cause.fix);
        let other = json!({"detail": "userName is required"});
        assert!(rejected(RequestPurpose::Create, "POST", &post, Some(&other)).is_none());
    }

    #[test]
    fn string_booleans_and_capitalised_ops_probe_one_change_each() {
        let disable =
            json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
        let cause = rejected(RequestPurpose::Disable, "PATCH", &disable, None).unwrap();
        assert_eq!(cause.id, "string-boolean");
        assert_eq!(
            cause.probe.unwrap().body["Operations"][0],
            json!({"op": "Replace", "path": "active", "value": false})
        );
        let update = json!({"Operations": [{"op": "Replace", "path": "title", "value": "CEO"}]});
        let cause = rejected(RequestPurpose::Update, "PATCH", &update, None).unwrap();
        assert_eq!(cause.id, "capitalised-ops");
        assert_eq!(cause.probe.unwrap().body["Operations"][0]["op"], "replace");
    }

    #[test]
    fn an_update_rejected_for_an_extension_attribute_probes_without_it() {
        let urn = "urn:ietf:params:scim:schemas:extension:real-links:2.0:User";
        let legacy = json!({"Operations": [
            {"op": "Add", "path": format!("{urn}:firstName"), "value": "A"},
            {"op": "Replace", "path": "title", "value": "CEO"}
        ]});
        let error = json!({"detail": format!("Invalid path '{urn}:firstName' for 'add' op")});
        let cause = rejected(RequestPurpose::Update, "PATCH", &legacy, Some(&error)).unwrap();
        assert_eq!(cause.id, "unknown-extension-attribute");
        assert_eq!(
            cause.probe.unwrap().body["Operations"],
            json!([{"op": "Replace", "path": "title", "value": "CEO"}])
        );
        let compliant =
            json!({"Operations": [{"op": "replace", "value": {format!("{urn}:firstName"): "A"}}]});
        let cause = rejected(RequestPurpose::Update, "PATCH", &compliant, Some(&error)).unwrap();
        assert_eq!(cause.id, "unknown-extension-attribute");
        assert!(cause.probe.is_none(), "nothing else to send");
    }

    #[test]
    fn a_patch_answered_501_has_no_made_up_cause() {
        let update = json!({"Operations": [{"op": "replace", "path": "title", "value": "CEO"}]});
        for status in [405, 501] {
            assert!(
                rejection(&request(
                    RequestPurpose::Update,
                    "PATCH",
                    Some(&update),
                    status,
                    None
                ))
                .is_none()
            );
        }
    }

    #[test]
    fn statuses_entra_accepts_and_answers_it_cannot_use() {
        assert!(accepted(RequestPurpose::Create, 201) && !accepted(RequestPurpose::Create, 200));
        assert!(accepted(RequestPurpose::Update, 204) && accepted(RequestPurpose::Update, 200));
        assert!(!accepted(RequestPurpose::Match, 204));
        let no_id = json!({"userName": "a"});
        assert!(
            unusable(&request(
                RequestPurpose::Create,
                "POST",
                None,
                201,
                Some(&no_id)
            ))
            .is_some()
        );
        let with_id = json!({"id": "1"});
        assert!(
            unusable(&request(
                RequestPurpose::Create,
                "POST",
                None,
                201,
                Some(&with_id)
            ))
            .is_none()
        );
        let list = json!({"totalResults": 0, "Resources": []});
        assert!(
            unusable(&request(
                RequestPurpose::Match,
                "GET",
                None,
                200,
                Some(&list)
            ))
            .is_none()
        );
        assert!(
            unusable(&request(
                RequestPurpose::Match,
                "GET",
                None,
                200,
                Some(&no_id)
            ))
            .is_some()
        );
    }
}
