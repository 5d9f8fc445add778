//! Why a write repeats, a value never flows or a value goes stale: the cause from the
//! catalogue of docs/mapping-model.md §12.2, decided from what actually happened (the value
//! sent, what the app returned before and holds after) and from the mapping row (its formula,
//! flow type, default) and the target attribute (vendor model, exact case, type). Where a
//! cause is also a static lint of `entramap check`, the fix is the lint's.

use serde_json::Value as Json;

pub use super::cause::{Cause, Diagnosis};
use super::inspect::{self, RowInfo};
use super::run::{Fails, NeverFlows, Repeat, Stale, StaleKind};
use crate::check::table;
use crate::model::mapping::{AttributeType, Dialect, Returns};
use crate::provision::cycle::RequestPurpose;
use crate::provision::diff::truth;

fn diagnosis(cause: Cause, why: String, fix: impl Into<String>) -> Diagnosis {
    Diagnosis {
        cause,
        why,
        fix: fix.into(),
        lint: None,
    }
}

fn show(v: Option<&Json>) -> String {
    match v {
        None => "nothing".to_owned(),
        Some(v) => short(&v.to_string()),
    }
}

/// Values can be very long (the generator makes 1,000-character names): keep messages short.
fn short(text: &str) -> String {
    if text.chars().count() <= 60 {
        return text.to_owned();
    }
    let head: String = text.chars().take(57).collect();
    format!("{head}...")
}

/// Whether `needle` (a scalar) appears anywhere in `hay`.
fn contains(hay: &Json, needle: &Json) -> bool {
    match hay {
        Json::Array(items) => items.iter().any(|i| contains(i, needle)),
        Json::Object(o) => o.values().any(|v| contains(v, needle)),
        Json::String(s) => match needle {
            Json::String(n) => s.to_lowercase() == n.to_lowercase(),
            _ => false,
        },
        other => other == needle,
    }
}

fn texts(v: &Json) -> Vec<String> {
    match v {
        Json::Array(items) => items.iter().flat_map(texts).collect(),
        Json::String(s) => vec![s.clone()],
        Json::Object(o) => o.get("value").map(texts).unwrap_or_default(),
        other => vec![other.to_string()],
    }
}

/// Why a write was sent at rest.
pub fn repeat(rows: &[RowInfo], dialect: Dialect, r: &Repeat) -> Diagnosis {
    let attr = &r.attribute;
    let status = r.request.status;
    if !(200..300).contains(&status) {
        let detail = r
            .request
            .response
            .as_ref()
            .and_then(|b| b.get("detail"))
            .and_then(Json::as_str)
            .unwrap_or("no detail");
        let boolean =
            r.sent.as_ref().and_then(truth).is_some() && matches!(r.sent, Some(Json::String(_)));
        let fix = if boolean && dialect == Dialect::Legacy {
            "Append `?aadOptscim062020` to the tenant URL so Entra sends JSON Booleans (the compliant dialect), or make the app accept \"True\"/\"False\" strings."
        } else {
            "Make the app accept the request as Entra sends it (below), or change the row so that it computes a value the app accepts."
        };
        return diagnosis(
            Cause::Rejected,
            format!(
                "the app answers {status} (\"{}\") to Entra's {} {}, so Entra retries it at every cycle and may quarantine the job",
                short(detail),
                r.request.method,
                r.request.path
            ),
            fix,
        );
    }
    let row = inspect::find(rows, r.kind, attr);
    match r.action {
        RequestPurpose::Update => update(rows, row, r),
        RequestPurpose::Disable => match r.after.as_ref() {
            None => with_lint(
                diagnosis(
                    Cause::NotStored,
                    "the app does not store or return `active`, so a deprovisioned user never shows as inactive and Entra sends the disable PATCH at every cycle".to_owned(),
                    "Make the app store and return `active`, or remove the `active` row so that Entra does not deprovision through it.",
                ),
                &table::VENDOR_NOT_STORED,
            ),
            Some(v) => diagnosis(
                Cause::BooleanText,
                format!(
                    "Entra sends `active` {} to disable the user but the app keeps {}: it does not read that value as false, so the user stays active and Entra sends it again at every cycle",
                    show(r.sent.as_ref()),
                    show(Some(v))
                ),
                "Append `?aadOptscim062020` to the tenant URL so Entra sends a JSON Boolean, or make the app accept \"False\".",
            ),
        },
        RequestPurpose::LinkManager => match r.after.as_ref() {
            None if r.resource.as_ref().is_some_and(|res| {
                r.sent
                    .as_ref()
                    .map(texts)
                    .unwrap_or_default()
                    .iter()
                    .any(|id| contains(&Json::Object(res.clone()), &Json::from(id.as_str())))
            }) => diagnosis(
                Cause::OtherShape,
                format!("the app keeps the manager but does not return it at `{attr}` (inside the enterprise extension), so Entra links it again at every cycle"),
                "Make the app return the manager as `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`: `{\"manager\": {\"value\": \"<id>\"}}`.",
            ),
            None => with_lint(
                diagnosis(
                    Cause::NotStored,
                    format!("the app does not store or return `{attr}`, so Entra links the manager again at every cycle"),
                    "Remove the manager row, or make the app store and return the manager.",
                ),
                &table::VENDOR_NOT_STORED,
            ),
            Some(v) => diagnosis(
                Cause::OtherShape,
                format!("the app returns the manager as {}, not the id Entra sent, so Entra links it again at every cycle", show(Some(v))),
                "Make the app return the manager's id as `manager.value` in the enterprise extension.",
            ),
        },
        _ => diagnosis(
            Cause::Unexplained,
            format!(
                "Entra sent {} {} although nothing changed and the app accepted the last one",
                r.request.method, r.request.path
            ),
            "This is not a known cause; please report it with the counterexample below.",
        ),
    }
}

fn update(rows: &[RowInfo], row: Option<&RowInfo>, r: &Repeat) -> Diagnosis {
    let attr = &r.attribute;
    let sent = r.sent.as_ref();
    if let Some(row) = row {
        let same_target = rows
            .iter()
            .filter(|o| o.kind == row.kind && o.target.eq_ignore_ascii_case(&row.target))
            .count();
        if same_target > 1 {
            return diagnosis(
                Cause::ConflictingRows,
                format!(
                    "{same_target} rows write `{attr}`; each evaluation sends one row's value over the other's"
                ),
                "Keep one row for the attribute.",
            );
        }
        if row.always()
            && !row.volatile.is_empty()
            && r.before.as_ref().is_some_and(|b| !b.is_null())
        {
            let names: Vec<String> = row.volatile.iter().map(|f| format!("{f}()")).collect();
            return with_lint(
                diagnosis(
                    Cause::NonDeterministic,
                    format!(
                        "`{attr}` is computed by `{}`, and {} gives a new value at every evaluation (the app holds {}, Entra now computes {}), so Entra updates it at every cycle",
                        row.formula,
                        names.join(" and "),
                        show(r.before.as_ref()),
                        show(sent)
                    ),
                    table::NON_DETERMINISTIC_ALWAYS.fix,
                ),
                &table::NON_DETERMINISTIC_ALWAYS,
            );
        }
    }
    let after = r.after.as_ref().filter(|v| !v.is_null());
    let Some(after) = after else {
        let declared = row.is_some_and(RowInfo::declared_not_stored);
        if !declared && returned_elsewhere(rows, r) {
            return diagnosis(
                Cause::OtherShape,
                format!(
                    "the app keeps the value Entra sends for `{attr}` ({}) but not at that path, so every read shows `{attr}` missing and Entra sends it again",
                    show(sent)
                ),
                format!(
                    "Make the app return the value at `{attr}` (extension attributes inside their URN object, typed elements with their `type`)."
                ),
            );
        }
        let mut d = diagnosis(
            Cause::NotStored,
            format!(
                "the app {} `{attr}`: every read shows it missing, so Entra sends {} again at every cycle",
                if declared {
                    "does not store (`vendor.stored: false`) or return"
                } else {
                    "does not return"
                },
                show(sent)
            ),
            table::VENDOR_NOT_STORED.fix,
        );
        d.lint = declared.then_some(table::VENDOR_NOT_STORED.code);
        return d;
    };
    let sent_texts = sent.map(texts).unwrap_or_default();
    let after_texts = texts(after);
    let lower = |v: &[String]| -> Vec<String> { v.iter().map(|s| s.to_lowercase()).collect() };
    // A case-only difference between two values of one JSON type (`"True"` against `true` is
    // a type difference, below).
    let same_kind =
        sent.is_some_and(|s| std::mem::discriminant(s) == std::mem::discriminant(after));
    if same_kind
        && !sent_texts.is_empty()
        && lower(&sent_texts) == lower(&after_texts)
        && sent_texts != after_texts
    {
        let returns = row
            .and_then(|r| r.attribute.as_ref())
            .map(|a| a.vendor.returns);
        let how = match returns {
            Some(Returns::Lowercase) => "lowercases it",
            Some(Returns::Uppercase) => "uppercases it",
            _ => "changes its case",
        };
        let fix = match returns {
            Some(Returns::Lowercase) => format!(
                "Clear `case_exact` on `{attr}` (a case-only difference is then not a change), or send what the app keeps: `ToLower({})`.",
                row.map_or("...", |r| r.formula.as_str())
            ),
            Some(Returns::Uppercase) => format!(
                "Clear `case_exact` on `{attr}`, or send what the app keeps: `ToUpper({})`.",
                row.map_or("...", |r| r.formula.as_str())
            ),
            _ => format!("Clear `case_exact` on `{attr}`, or send the case the app keeps."),
        };
        return diagnosis(
            Cause::CaseChanged,
            format!(
                "Entra sends {} for `{attr}`, the app {how} ({}), and `{attr}` is exact-case (`case_exact: true`), so the case-only difference is a change at every evaluation",
                show(sent),
                show(Some(after))
            ),
            fix,
        );
    }
    let boolean_target = row
        .and_then(|r| r.attribute.as_ref())
        .is_some_and(|a| a.kind == AttributeType::Boolean);
    if let (Some(s), true) = (sent, sent.and_then(truth).is_some() || boolean_target)
        && std::mem::discriminant(s) != std::mem::discriminant(after)
    {
        return diagnosis(
            Cause::BooleanText,
            format!(
                "Entra sends `{attr}` as {} and the app keeps {}: the string and the Boolean never compare equal, so Entra sends it again at every cycle",
                show(sent),
                show(Some(after))
            ),
            "Type the attribute as it is (`type: Boolean` for a Boolean the app keeps), append `?aadOptscim062020` to send JSON Booleans, or make the expression yield exactly what the app keeps.",
        );
    }
    if let (Json::Array(kept), Some(s)) = (after, sent) {
        let sent_items = texts(s);
        if kept.len() > sent_items.len()
            && sent_items
                .iter()
                .all(|t| contains(after, &Json::from(t.as_str())))
        {
            return diagnosis(
                Cause::Appending,
                format!(
                    "the app adds Entra's values for `{attr}` to the ones it has ({} values now, Entra computes {}), so the set never equals what Entra computes",
                    kept.len(),
                    sent_items.len()
                ),
                "Make the app replace the attribute's values on `Replace` (RFC 7644 §3.5.2.3), or apply the row on create only.",
            );
        }
    }
    diagnosis(
        Cause::Normalised,
        format!(
            "Entra sends {} for `{attr}` and the app keeps {}: it reformats the value, so Entra sees a change at every evaluation",
            show(sent),
            show(Some(after))
        ),
        "Store values exactly as sent (Microsoft's SCIM guidance), or compute in the mapping the form the app keeps.",
    )
}

/// Whether the app holds the sent value somewhere that no other row explains: the value went
/// to another path (an extension key spelled differently, an element without its `type`).
fn returned_elsewhere(rows: &[RowInfo], r: &Repeat) -> bool {
    let (Some(res), Some(sent)) = (r.resource.as_ref(), r.sent.as_ref()) else {
        return false;
    };
    let whole = Json::Object(res.clone());
    texts(sent).iter().any(|t| {
        let needle = Json::from(t.as_str());
        // Other rows that wrote the same text (two attributes from one source) account for
        // some occurrences; only an occurrence beyond those is the value gone astray.
        let explained = rows
            .iter()
            .filter(|o| o.kind == r.kind && !o.target.eq_ignore_ascii_case(&r.attribute))
            .filter_map(|o| crate::scim::get(res, o.path.as_ref()?))
            .filter(|v| occurrences(v, &needle) > 0)
            .count();
        occurrences(&whole, &needle) > explained
    })
}

/// How many scalars of `hay` equal `needle` (text ignoring case).
fn occurrences(hay: &Json, needle: &Json) -> usize {
    match hay {
        Json::Array(items) => items.iter().map(|i| occurrences(i, needle)).sum(),
        Json::Object(o) => o.values().map(|v| occurrences(v, needle)).sum(),
        other => usize::from(contains(other, needle)),
    }
}

fn with_lint(mut d: Diagnosis, lint: &'static table::Lint) -> Diagnosis {
    d.lint = Some(lint.code);
    d
}

/// Why a row yields nothing where it should flow.
pub fn never_flows(rows: &[RowInfo], n: &NeverFlows) -> Diagnosis {
    let row = inspect::find(
        rows,
        crate::provision::target::ResourceKind::User,
        &n.attribute,
    );
    let inputs: Vec<String> = n
        .inputs
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("`{k}` = {}", short(&format!("{v:?}"))),
            None => format!("`{k}` null"),
        })
        .collect();
    let value_of = |source: &str| {
        n.inputs
            .iter()
            .find(|(k, _)| source == format!("[{k}]"))
            .and_then(|(_, v)| v.as_deref())
    };
    let switch = row.and_then(|r| {
        r.switches.iter().find(|s| {
            s.empty_default && value_of(&s.source).is_some_and(|v| !s.keys.iter().any(|k| k == v))
        })
    });
    if let (Some(row), Some(s)) = (row, switch) {
        let value = value_of(&s.source).unwrap_or_default();
        let keys: Vec<String> = s.keys.iter().map(|k| format!("{k:?}")).collect();
        let mut d = diagnosis(
            Cause::SwitchNoMatch,
            format!(
                "`{}` switches on {} = {value:?}, which matches none of its keys ({}, compared case-sensitively), and its default is empty: `{}` never flows{}",
                row.formula,
                s.source,
                keys.join(", "),
                n.attribute,
                if s.boolean_source && row.target.eq_ignore_ascii_case("active") {
                    ", so users are never deactivated through it"
                } else {
                    ""
                }
            ),
            if s.boolean_source {
                table::SWITCH_BOOLEAN_KEYS.fix
            } else {
                "Add a key for every value the source can take, or give the Switch a default (its second argument)."
            },
        );
        if s.boolean_source {
            d.lint = Some(table::SWITCH_BOOLEAN_KEYS.code);
        }
        return d;
    }
    let formula = row.map_or("the row", |r| r.formula.as_str());
    if n.required {
        return diagnosis(
            Cause::NeverFlows,
            format!(
                "the app requires `{}` but `{}` is empty for {}: Entra creates the user without it (a null or empty value never flows)",
                n.attribute,
                formula,
                inputs.join(", ")
            ),
            "Map a source every user has (userPrincipalName, objectId), or add a fallback: `Coalesce([mail], [userPrincipalName])`.",
        );
    }
    diagnosis(
        Cause::NeverFlows,
        format!(
            "`{}` is empty for {}, so Entra sends no `{}` for this user (a null or empty value never flows)",
            formula,
            inputs.join(", "),
            n.attribute
        ),
        "Make the expression yield a value for every input (a default in Switch, Coalesce with a fallback).",
    )
}

/// The row a failure message names (`mapping to `title` failed: ...`), if any.
pub fn failing_row(message: &str) -> Option<&str> {
    message
        .strip_prefix("mapping to `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(target, _)| target)
}

/// Why an object fails at every evaluation.
pub fn fails(rows: &[RowInfo], f: &Fails) -> Diagnosis {
    let row = failing_row(&f.message).and_then(|t| inspect::find(rows, f.kind, t));
    let noun = f.kind.noun();
    let mut d = diagnosis(
        Cause::EvaluationFails,
        format!(
            "Entra cannot process the {noun} ({}), so it is not provisioned and Entra retries it at every cycle",
            f.message
        ),
        "Fix the row named in the message so that it evaluates for every user (see `entramap check`).",
    );
    // IIF over a null attribute is the documented way to get here (EM101).
    if row.is_some_and(|r| r.calls.contains(&"IIF")) {
        d.fix = table::IIF_NULLABLE_CONDITION.fix.to_owned();
        d.lint = Some(table::IIF_NULLABLE_CONDITION.code);
    }
    d
}

/// Why a value stays in the app.
pub fn stale(rows: &[RowInfo], s: &Stale) -> Diagnosis {
    let row = inspect::find(
        rows,
        crate::provision::target::ResourceKind::User,
        &s.attribute,
    );
    let formula = row.map_or("the row", |r| r.formula.as_str());
    if s.kind == StaleKind::NotDeactivated {
        return diagnosis(
            Cause::NotDeactivated,
            format!(
                "the user is deprovisioned in Entra but the app still shows `{}` as {}: `{formula}` yields nothing for a deprovisioned user, so Entra sends no disable",
                s.attribute,
                if s.value.is_null() {
                    "absent (active)".to_owned()
                } else {
                    show(Some(&s.value))
                }
            ),
            "Make the `active` row yield \"False\" when IsSoftDeleted is \"True\": `Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")`.",
        );
    }
    if s.kind == StaleKind::Default {
        return with_lint(
            diagnosis(
                Cause::DefaultOnCreate,
                format!(
                    "the app keeps the create-time default {} of `{}` although `{formula}` now has no value; Entra applies defaults on create only",
                    show(Some(&s.value)),
                    s.attribute
                ),
                table::DEFAULT_ON_ALWAYS.fix,
            ),
            &table::DEFAULT_ON_ALWAYS,
        );
    }
    diagnosis(
        Cause::SourceCleared,
        format!(
            "`{formula}` has no value any more but the app keeps {} for `{}`: Entra never sends a Remove for a user attribute, so the old value stays",
            show(Some(&s.value)),
            s.attribute
        ),
        "If the app must not keep the old value, clear it there (Entra only adds and replaces user values, references included); for a text attribute the row can send a placeholder when the source is empty, e.g. `Switch([jobTitle], [jobTitle], \"\", \"-\")`.",
    )
}

/// What a cause of a converged-but-wrong value does, in general (the human report groups
/// attributes by cause).
pub fn summary(cause: Cause) -> &'static str {
    match cause {
        Cause::SourceCleared => {
            "clearing the source leaves the old value in the app: Entra never sends a Remove for a user attribute"
        }
        Cause::DefaultOnCreate => {
            "the create-time default stays in the app: Entra sends defaults only when it creates the object"
        }
        Cause::NotDeactivated => {
            "deprovisioned users stay active in the app: the `active` row yields nothing for them, so Entra sends no disable"
        }
        _ => "Entra cannot correct the value",
    }
}

#[cfg(test)]
mod tests {
    //! The causes that the vendor knobs of a mapping file cannot produce (an app that rejects,
    //! reshapes or appends), decided from synthetic observations.

    use serde_json::json;

    use super::*;
    use crate::converge::run::Phase;
    use crate::provision::cycle::Recorded;
    use crate::provision::target::ResourceKind;

    const MAPPING: &str = r#"
app: T
users:
  mappings:
    - target: userName
      source: userPrincipalName
      match: 1
    - target: active
      expression: Switch([IsSoftDeleted], , "False", "True", "True", "False")
    - target: title
      source: jobTitle
    - target: phoneNumbers[type eq "work"].value
      source: telephoneNumber
    - target: urn:ietf:params:scim:schemas:extension:x:2.0:User:aliases
      source: proxyAddresses
    - target: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager
      source: manager
  attributes:
    - name: userName
    - name: active
      type: Boolean
    - name: title
    - name: phoneNumbers[type eq "work"].value
    - name: urn:ietf:params:scim:schemas:extension:x:2.0:User:aliases
      multi_valued: true
"#;

    fn rows() -> Vec<RowInfo> {
        let loaded = crate::load::parse("t.yaml", MAPPING).expect("loads");
        inspect::rows(&loaded.file.users, None)
    }

    /// What the search saw of one repeated write: the request, the attribute's value before
    /// and after it, the resource the app returned, and the status of the answer.
    struct Seen {
        action: RequestPurpose,
        attribute: &'static str,
        sent: Option<Json>,
        before: Option<Json>,
        after: Option<Json>,
        resource: Json,
        status: u16,
    }

    fn diagnose(seen: Seen) -> Diagnosis {
        let response = (seen.status >= 400).then(|| json!({"detail": "value must be a boolean"}));
        let r = Repeat {
            phase: Phase::Settled,
            kind: ResourceKind::User,
            object: "u1".into(),
            attribute: seen.attribute.into(),
            action: seen.action,
            op: Some("Replace".into()),
            sent: seen.sent.clone(),
            before: seen.before,
            after: seen.after,
            resource: seen.resource.as_object().cloned(),
            request: Recorded {
                cycle: 2,
                object: "u1".into(),
                label: "a@contoso.com".into(),
                action: seen.action,
                method: "PATCH",
                path: "/Users/1".into(),
                body: seen.sent,
                status: seen.status,
                response,
            },
        };
        repeat(&rows(), Dialect::Legacy, &r)
    }

    /// One observation per row: what it proves, what was seen, and the cause it must get.
    #[allow(clippy::type_complexity)]
    fn cases() -> Vec<(&'static str, Seen, Cause)> {
        use RequestPurpose::{Disable, LinkManager, Update};
        const ALIASES: &str = "urn:ietf:params:scim:schemas:extension:x:2.0:User:aliases";
        const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        let seen = |action,
                    attribute,
                    sent: Json,
                    before: Option<Json>,
                    after: Option<Json>,
                    resource,
                    status| Seen {
            action,
            attribute,
            sent: Some(sent),
            before,
            after,
            resource,
            status,
        };
        let t = || Some(json!(true));
        vec![
            (
                "a rejected Boolean string is C4",
                seen(
                    Update,
                    "active",
                    json!("False"),
                    t(),
                    t(),
                    json!({"active": true}),
                    400,
                ),
                Cause::Rejected,
            ),
            (
                "a value kept at another key is C2",
                seen(
                    Update,
                    "title",
                    json!("Chef"),
                    None,
                    None,
                    json!({"userName": "a", "jobTitle": "Chef"}),
                    200,
                ),
                Cause::OtherShape,
            ),
            (
                "a value kept nowhere is C1",
                seen(
                    Update,
                    "title",
                    json!("Chef"),
                    None,
                    None,
                    json!({"userName": "a"}),
                    200,
                ),
                Cause::NotStored,
            ),
            (
                "a string kept as a Boolean is C5",
                seen(
                    Update,
                    "title",
                    json!("True"),
                    t(),
                    t(),
                    json!({"title": true}),
                    200,
                ),
                Cause::BooleanText,
            ),
            (
                "an app that appends is C6",
                seen(
                    Update,
                    ALIASES,
                    json!(["b"]),
                    Some(json!(["a"])),
                    Some(json!(["a", "b"])),
                    json!({}),
                    200,
                ),
                Cause::Appending,
            ),
            (
                "an app that reformats is C3",
                seen(
                    Update,
                    "phoneNumbers[type eq \"work\"].value",
                    json!("55555555555"),
                    Some(json!("+5 (555) 555-5555")),
                    Some(json!("+5 (555) 555-5555")),
                    json!({}),
                    200,
                ),
                Cause::Normalised,
            ),
            (
                "a disable the app does not take is C5",
                seen(
                    Disable,
                    "active",
                    json!("False"),
                    t(),
                    t(),
                    json!({"active": true}),
                    200,
                ),
                Cause::BooleanText,
            ),
            (
                "a manager kept elsewhere is C2",
                seen(
                    LinkManager,
                    MANAGER,
                    json!("m-1"),
                    None,
                    None,
                    json!({"manager": {"value": "m-1"}}),
                    200,
                ),
                Cause::OtherShape,
            ),
        ]
    }

    #[test]
    fn each_observed_repeat_gets_its_cause_from_the_catalogue() {
        let mut wrong = Vec::new();
        for (what, seen, cause) in cases() {
            let d = diagnose(seen);
            if d.cause != cause {
                wrong.push(format!("{what}: got {:?} ({})", d.cause, d.why));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn a_rejection_quotes_the_app_and_the_fix_is_the_compliant_dialect() {
        let (_, seen, _) = cases().swap_remove(0);
        let d = diagnose(seen);
        assert!(
            d.why.contains("400") && d.why.contains("value must be a boolean"),
            "{}",
            d.why
        );
        assert!(d.fix.contains("aadOptscim062020"), "{}", d.fix);
    }

    #[test]
    fn a_value_kept_nowhere_has_no_lint_when_the_row_is_not_declared_unstored() {
        let (_, seen, _) = cases().swap_remove(2);
        // Not declared `stored: false`, so the static lint does not know it.
        assert_eq!(diagnose(seen).lint, None);
    }

    #[test]
    fn a_required_attribute_without_a_value_names_the_null_input() {
        let d = never_flows(
            &rows(),
            &NeverFlows {
                object: "u1".into(),
                attribute: "title".into(),
                inputs: vec![("jobTitle".into(), None)],
                required: true,
                after_change: false,
            },
        );
        assert_eq!(d.cause, Cause::NeverFlows);
        assert!(
            d.why.contains("requires `title`") && d.why.contains("`jobTitle` null"),
            "{}",
            d.why
        );
    }
}
