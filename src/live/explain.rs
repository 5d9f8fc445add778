//! Causes and fixes for requests an app rejects, where the request's shape says what Entra does
//! differently from what a strict RFC 7643/7644 server expects. Each rule looks only at the
//! request Entra sent and the status; the server's own `detail` is always shown beside it.

use serde_json::Value;

use crate::provision::cycle::{Action, Request};

/// A cause and the fix the vendor needs, when the request's shape explains the rejection.
pub fn rejection(r: &Request<'_>) -> Option<(String, String)> {
    let ops = r
        .body
        .and_then(|b| b.get("Operations"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let op_name = |op: &Value| {
        op.get("op")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let capitalised = ops
        .iter()
        .any(|op| op_name(op).starts_with(|c: char| c.is_ascii_uppercase()));
    match (r.action, r.status) {
        (Action::LinkManager, 400..=499)
            if ops.iter().any(|op| op.get("value").is_some_and(Value::is_string)) =>
        {
            Some((
                "Entra sends the manager as a plain id string (`\"value\": \"<id>\"`, both dialects); \
                 RFC 7643 §4.3 models `manager` as a complex attribute, so a strict server wants \
                 `{\"value\": \"<id>\"}`"
                    .into(),
                "accept a string value for `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager` \
                 in PATCH add/replace and store it as `manager.value` (Entra's documented request, \
                 use-scim-to-provision-users-and-groups \"Update user [Add/Replace manager]\")"
                    .into(),
            ))
        }
        (Action::RemoveMembers, 400..=499)
            if ops.iter().any(|op| {
                op.get("path").and_then(Value::as_str) == Some("members") && op.get("value").is_some()
            }) =>
        {
            Some((
                "Entra's legacy dialect removes members with `{\"op\":\"Remove\",\"path\":\"members\",\"value\":[{\"value\":\"<id>\"}]}`; \
                 RFC 7644 §3.5.2.2 selects what a remove takes with a filter in the path and no value"
                    .into(),
                "accept a `value` list on a remove of `members` (Microsoft's documented legacy request), or put \
                 `?aadOptscim062020` on the tenant URL so Entra sends `members[value eq \"<id>\"]`"
                    .into(),
            ))
        }
        (Action::Create, 400) if unknown_extension(r).is_some() => {
            let (urn, attribute) = unknown_extension(r).unwrap_or_default();
            Some(match attribute {
                Some(a) => (
                    format!(
                        "the mapping writes `{urn}:{a}`, which the app's `{urn}` schema does not have"
                    ),
                    format!(
                        "add `{a}` to the `{urn}` schema the app declares (or remove the row that \
                         targets it)"
                    ),
                ),
                None => (
                    format!(
                        "the mapping writes the custom extension `{urn}`, which the app does not know"
                    ),
                    format!(
                        "declare `{urn}` in the app's /Schemas and as a schemaExtension of its User \
                         resource type (or remove the rows that target it)"
                    ),
                ),
            })
        }
        (Action::Disable, 400..=499) if is_string_boolean(ops) => Some((
            "Entra's legacy dialect sends `active` as the string \"False\"; the app wants a JSON Boolean".into(),
            "accept \"True\"/\"False\" strings for Boolean attributes, or put `?aadOptscim062020` on the \
             tenant URL so Entra sends JSON Booleans"
                .into(),
        )),
        (Action::Update | Action::AddMembers | Action::RemoveMembers | Action::Disable, 400..=499)
            if capitalised =>
        {
            Some((
                "Entra's legacy dialect writes PATCH op names capitalised (`Add`, `Replace`, `Remove`); \
                 RFC 7644 §3.5.2 spells them lowercase"
                    .into(),
                "compare op names case-insensitively (Microsoft's SCIM guidance requires it), or put \
                 `?aadOptscim062020` on the tenant URL so Entra sends lowercase ops"
                    .into(),
            ))
        }
        (Action::Match, _) => Some((
            "Entra finds existing accounts with `filter=<matching attribute> eq \"<value>\"`; the app \
             must answer 200 with a ListResponse (empty when nothing matches)"
                .into(),
            "support the `eq` filter on every matching attribute (RFC 7644 §3.4.2.2)".into(),
        )),
        (Action::Read, 404) => Some((
            "the app no longer finds an object it created (Entra logs InvalidAnchor and stops \
             updating it)"
                .into(),
            "keep ids stable: GET /Users/{id} must return what POST created".into(),
        )),
        (Action::Create, 409) => Some((
            "the app holds an account with this unique value that Entra's match query did not find"
                .into(),
            "make the match filter find it (case-insensitive `eq` on userName/displayName), or \
             remove the stale account"
                .into(),
        )),
        (Action::Create, 200..=299) => Some((
            format!("Entra expects 201 Created for a POST; the app answered {}", r.status),
            "answer a create with 201 and the created resource, `id` included (RFC 7644 §3.3)".into(),
        )),
        (_, 405 | 501) if r.method == "PATCH" => Some((
            "Entra updates with PATCH only, never PUT".into(),
            "implement PATCH (RFC 7644 §3.5.2)".into(),
        )),
        _ => None,
    }
}

/// The extension URN of a create body that the app's error `detail` names, and the attribute
/// when the detail names one of it (`urn:...:User:location`).
fn unknown_extension(r: &Request<'_>) -> Option<(String, Option<String>)> {
    let detail = r
        .response
        .and_then(|b| b.get("detail"))
        .and_then(Value::as_str)?;
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

fn is_string_boolean(ops: &[Value]) -> bool {
    ops.iter().any(|op| {
        matches!(op.get("value"), Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s.eq_ignore_ascii_case("true"))
            || op
                .get("value")
                .and_then(Value::as_object)
                .is_some_and(|o| o.values().any(|v| matches!(v, Value::String(s) if s.eq_ignore_ascii_case("false"))))
    })
}

/// What is wrong with an answer whose status Entra accepts but whose body it cannot use, with
/// the fix: a create without an `id`, a match query that is not a ListResponse.
pub fn unusable(r: &Request<'_>) -> Option<(String, String)> {
    let body = r.response.and_then(Value::as_object);
    match r.action {
        Action::Create if body.and_then(|b| b.get("id")).and_then(Value::as_str).is_none() => Some((
            "the created resource has no string `id`, so Entra cannot link the object".into(),
            "return the created resource with its `id` (RFC 7644 §3.3)".into(),
        )),
        Action::Match
            if body
                .and_then(|b| crate::scim::resource::get_ci(b, "Resources").or_else(|| crate::scim::resource::get_ci(b, "totalResults")))
                .is_none() =>
        {
            Some((
                "the answer to Entra's filter query is not a ListResponse".into(),
                "answer filter queries with a ListResponse (`totalResults`, `Resources`; RFC 7644 §3.4.2)".into(),
            ))
        }
        _ => None,
    }
}

/// Whether the status is what Entra expects for the action: 200 for reads and matches, 201 for
/// a create, any 2xx for writes.
pub fn accepted(action: Action, status: u16) -> bool {
    match action {
        Action::Match | Action::Read => status == 200,
        Action::Create => status == 201,
        _ => (200..300).contains(&status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request<'a>(
        action: Action,
        method: &'static str,
        body: Option<&'a Value>,
        status: u16,
        response: Option<&'a Value>,
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

    #[test]
    fn manager_string_legacy_removal_and_unknown_extension_have_causes() {
        let manager = json!({"Operations": [{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "42"}]});
        let (cause, fix) = rejection(&request(
            Action::LinkManager,
            "PATCH",
            Some(&manager),
            400,
            None,
        ))
        .unwrap();
        assert!(cause.contains("plain id string") && fix.contains("manager.value"));
        // A complex value rejected is something else: no made-up cause.
        let complex =
            json!({"Operations": [{"op": "add", "path": "manager", "value": {"value": "42"}}]});
        assert!(
            rejection(&request(
                Action::LinkManager,
                "PATCH",
                Some(&complex),
                400,
                None
            ))
            .is_none()
        );

        let remove = json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": "42"}]}]});
        let (_, fix) = rejection(&request(
            Action::RemoveMembers,
            "PATCH",
            Some(&remove),
            400,
            None,
        ))
        .unwrap();
        assert!(fix.contains("aadOptscim062020"));

        let post = json!({"schemas": [], "urn:x:blink:2.0:User": {"a": "b"}, "userName": "a"});
        let error = json!({"detail": "Extra inputs are not permitted: urn:x:blink:2.0:User"});
        let (cause, _) = rejection(&request(
            Action::Create,
            "POST",
            Some(&post),
            400,
            Some(&error),
        ))
        .unwrap();
        assert!(cause.contains("`urn:x:blink:2.0:User`"), "{cause}");
        let attribute =
            json!({"detail": "Extra inputs are not permitted: urn:x:blink:2.0:User:location"});
        let (cause, fix) = rejection(&request(
            Action::Create,
            "POST",
            Some(&post),
            400,
            Some(&attribute),
        ))
        .unwrap();
        assert!(cause.contains("`urn:x:blink:2.0:User:location`"), "{cause}");
        assert!(fix.starts_with("add `location`"), "{fix}");
        let other = json!({"detail": "userName is required"});
        assert!(
            rejection(&request(
                Action::Create,
                "POST",
                Some(&post),
                400,
                Some(&other)
            ))
            .is_none()
        );
    }

    #[test]
    fn statuses_entra_accepts_and_answers_it_cannot_use() {
        assert!(accepted(Action::Create, 201) && !accepted(Action::Create, 200));
        assert!(accepted(Action::Update, 204) && accepted(Action::Update, 200));
        assert!(!accepted(Action::Match, 204));
        let no_id = json!({"userName": "a"});
        assert!(unusable(&request(Action::Create, "POST", None, 201, Some(&no_id))).is_some());
        let with_id = json!({"id": "1"});
        assert!(unusable(&request(Action::Create, "POST", None, 201, Some(&with_id))).is_none());
        let list = json!({"totalResults": 0, "Resources": []});
        assert!(unusable(&request(Action::Match, "GET", None, 200, Some(&list))).is_none());
        assert!(unusable(&request(Action::Match, "GET", None, 200, Some(&no_id))).is_some());
    }
}
