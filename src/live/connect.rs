//! Entra's Test Connection (docs/scim-wire.md E1): before anything is provisioned, a filter
//! on a random value that must answer 200 with an empty ListResponse. Entra refuses to save a
//! provisioning configuration that fails it, so `live` stops there too.

use serde_json::Value as Json;

use super::http::detail_of;
use super::report::TestConnection;
use super::session::{Connection, LivePlan};
use crate::expr::Context;
use crate::provision::cycle::{Request, RequestPurpose};
use crate::provision::endpoint::Response;
use crate::scim::{Filter, Path, encode_query};

/// Entra's Test Connection (docs/scim-wire.md E1): a filter on the first matching attribute
/// with a random GUID, which must answer 200 with an empty ListResponse. The request has the
/// shape of every match query, in both dialects.
pub(super) fn test_connection<E: Connection>(
    plan: &LivePlan<'_>,
    endpoint: &mut E,
    emit: &mut dyn FnMut(&Request<'_>),
) -> TestConnection {
    let matching = plan
        .file
        .users
        .mappings
        .iter()
        .filter_map(|m| Some((m.matching?, m)))
        .min_by_key(|(p, _)| *p)
        .and_then(|(_, m)| Path::parse(&m.target.value).ok())
        .unwrap_or_else(|| Path::attribute("userName"));
    // Its own generator, so the mapping's Guid()/RandomString() values stay the model's.
    let value = random_guid(&Context::new(plan.now, plan.seed ^ 0x7e57_c0ec));
    let path = format!("/Users?{}", encode_query(&Filter::eq(matching, value)));
    let response = endpoint.handle("GET", &path, None);
    if response.status != 0 {
        emit(&Request {
            cycle: 0,
            object: "test-connection",
            label: "Test Connection",
            action: RequestPurpose::Match,
            method: "GET",
            path: &path,
            body: None,
            status: response.status,
            response: response.body.as_ref(),
        });
    }
    let problem = if let Some(fault) = endpoint.fault() {
        Some(fault.to_string())
    } else {
        empty_list_problem(&response)
    };
    TestConnection {
        request: path,
        status: response.status,
        passed: problem.is_none(),
        problem,
    }
}

/// What is wrong with Test Connection's answer, if anything.
fn empty_list_problem(r: &Response) -> Option<String> {
    if r.status != 200 {
        return Some(format!(
            "Entra requires 200 with an empty ListResponse; the app answered {}: {}",
            r.status,
            detail_of(r.body.as_ref())
        ));
    }
    let Some(Json::Object(list)) = &r.body else {
        return Some("the answer is not a JSON ListResponse".into());
    };
    let total = crate::scim::resource::get_ci(list, "totalResults").and_then(Json::as_u64);
    let resources = crate::scim::resource::get_ci(list, "Resources")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    match total {
        Some(0) if resources == 0 => None,
        Some(n) => Some(format!(
            "a filter on a random value found {n} resources; it must find none"
        )),
        None => Some("the ListResponse has no numeric totalResults".into()),
    }
}

/// A version 4 GUID from the seeded generator, as `Guid()` makes one.
fn random_guid(ctx: &Context) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&ctx.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&ctx.next_u64().to_le_bytes());
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
