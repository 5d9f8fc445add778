//! `entramap pull` against a small Microsoft Graph stub on loopback, answering with the shapes
//! Graph's v1.0 reference documents (synchronizationJob list, synchronizationSchema,
//! servicePrincipal `appRoles`, `appRoleAssignedTo`, group, group members, user with an
//! expanded manager): paging, throttling, a 403, a manager, a guest, directory extensions, a
//! nested group and a Default Access assignment. Then: nothing but GET is sent, the token never
//! shows, nothing is written unless everything was read, and what is written reads back.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value as Json, json};
use support::common::{self, Run, run_cases};
use support::{Answer, Stub};

const TOKEN: &str = "graph-stub-token-5f1e9c";
const SP: &str = "8e881353-1735-45af-af21-ee1344582a4d";
const JOB: &str =
    "scim.e0d1c2b3a4f5.8e881353173545afaf21ee1344582a4d.0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f";
const ALICE: &str = "cdb555e3-b33e-4fd5-a427-17fadacbdfa7";
const BOB: &str = "4c9d1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
const CAROL: &str = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const DAVE: &str = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
/// Assigned, but deleted since: Graph has no such user.
const DELETED: &str = "deadbeef-0000-4000-8000-00000000dead";
const ENGINEERING: &str = "5f2a9c3e-7b1d-4e8a-b6c2-1a0e3d4c0001";
const CONTRACTORS: &str = "5f2a9c3e-7b1d-4e8a-b6c2-1a0e3d4c0002";
const ADMIN_ROLE: &str = "d1c2b3a4-0000-4000-8000-00000000ad01";
const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";
const EXTENSION: &str = "extension_0123456789abcdef0123456789abcdef_costCenter";

fn ok(body: Json) -> Answer {
    Answer {
        status: 200,
        headers: vec![],
        body: body.to_string(),
        delay: Duration::ZERO,
    }
}

fn error(status: u16, code: &str, message: &str, headers: Vec<String>) -> Answer {
    Answer {
        status,
        headers,
        body: json!({"error": {"code": code, "message": message,
                     "innerError": {"date": "2026-01-01T00:00:00", "request-id": "r-1"}}})
        .to_string(),
        delay: Duration::ZERO,
    }
}

/// The request line's target: `/v1.0/...?...`.
fn target(request: &str) -> String {
    request
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("")
        .to_owned()
}

/// The request's `Host` header: Graph's next links are absolute, on the host asked.
fn host(request: &str) -> &str {
    request
        .lines()
        .find_map(|l| {
            l.strip_prefix("host: ")
                .or_else(|| l.strip_prefix("Host: "))
        })
        .unwrap_or("")
        .trim()
}

fn schema() -> Json {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pull/schema.json"
    ))
    .expect("schema fixture");
    serde_json::from_str(&text).expect("schema JSON")
}

fn user(id: &str) -> Json {
    match id {
        ALICE => json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)/$entity",
            "id": ALICE, "userPrincipalName": "alice@contoso.com", "accountEnabled": true,
            "displayName": "Alice Martin", "givenName": "Alice",
            "mobilePhone": "+1 425 555 0101", "businessPhones": ["+1 425 555 0100", "+1 425 555 0199"],
            "officeLocation": "18/2111",
            "onPremisesExtensionAttributes": {"extensionAttribute1": "Research", "extensionAttribute2": null},
            EXTENSION: "CC-42",
            "manager": {"@odata.type": "#microsoft.graph.user", "id": BOB}
        }),
        // A B2B guest: Entra's engine turns the #EXT# name into alias@theirdomain.
        BOB => json!({
            "id": BOB, "userPrincipalName": "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "accountEnabled": true, "displayName": "Bob (Fabrikam)", "givenName": "Bob",
            "mobilePhone": null, "businessPhones": [], "officeLocation": null,
            "onPremisesExtensionAttributes": {"extensionAttribute1": null}
        }),
        CAROL => json!({
            "id": CAROL, "userPrincipalName": "carol@contoso.com", "accountEnabled": true,
            "displayName": "Carol Diaz", "givenName": "Carol", "businessPhones": ["+1 425 555 0300"]
        }),
        DAVE => json!({
            "id": DAVE, "userPrincipalName": "dave@contoso.com", "accountEnabled": false,
            "displayName": "Dave Unassigned", "givenName": "Dave", "businessPhones": []
        }),
        _ => Json::Null,
    }
}

/// What the stub does differently in a test.
#[derive(Clone, Default)]
struct Tenant {
    /// Answer 403 to `appRoleAssignedTo`.
    deny_assignments: bool,
    /// Two jobs on the service principal.
    two_jobs: bool,
    /// Replace text in the schema (a schema `check` finds errors in).
    schema_edit: Option<(&'static str, &'static str)>,
    /// The next link of the assignments points at another host.
    foreign_next_link: bool,
    /// Answer 400 to `$filter=id in (...)`, as a Graph that did not take it would.
    refuse_in_filter: bool,
}

/// The Graph stub: routes each request by path, as Graph v1.0 answers it.
fn graph(tenant: Tenant) -> Stub {
    let carol_reads = Arc::new(AtomicUsize::new(0));
    let group_reads = Arc::new(AtomicUsize::new(0));
    let batch_reads = Arc::new(AtomicUsize::new(0));
    Stub::route(200, move |request| {
        let target = target(request);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let sp = format!("/v1.0/servicePrincipals/{SP}");
        match path {
            p if p == format!("{sp}/synchronization/jobs") => {
                let mut jobs = vec![json!({"id": JOB, "templateId": "scim",
                    "schedule": {"expiration": null, "interval": "PT40M", "state": "Active"},
                    "status": {"code": "Active"}})];
                if tenant.two_jobs {
                    jobs.push(json!({"id": "other.job", "templateId": "AzureAD2AAD"}));
                }
                ok(
                    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('x')/synchronization/jobs", "value": jobs}),
                )
            }
            p if p == format!("{sp}/synchronization/jobs/{JOB}/schema")
                || p == format!("{sp}/synchronization/jobs/other.job/schema") =>
            {
                let mut text = schema().to_string();
                if let Some((from, to)) = tenant.schema_edit {
                    text = text.replace(from, to);
                }
                Answer {
                    status: 200,
                    headers: vec![],
                    body: text,
                    delay: Duration::ZERO,
                }
            }
            p if p == sp => {
                assert_eq!(query, "$select=id,appRoles");
                ok(json!({"id": SP, "appRoles": [
                    {"allowedMemberTypes": ["User"], "description": "Administrators",
                     "displayName": "Administrator", "id": ADMIN_ROLE, "isEnabled": true,
                     "origin": "Application", "value": "Admin"}
                ]}))
            }
            p if p == format!("{sp}/appRoleAssignedTo") => {
                if tenant.deny_assignments {
                    return error(
                        403,
                        "Authorization_RequestDenied",
                        // With a terminal escape, which must be shown, not obeyed.
                        "Insufficient privileges to complete the operation.\u{1b}[2J",
                        vec![],
                    );
                }
                let assignment = |principal: &str, kind: &str, role: &str| {
                    json!({"id": format!("a-{principal}"), "deletedDateTime": null,
                           "appRoleId": role, "createdDateTime": "2021-02-02T04:22:45.9480566Z",
                           "principalDisplayName": "x", "principalId": principal,
                           "principalType": kind, "resourceDisplayName": "app", "resourceId": SP})
                };
                if query.contains("$skiptoken=page2") {
                    ok(json!({"value": [
                        assignment(BOB, "User", ADMIN_ROLE),
                        assignment(ENGINEERING, "Group", ADMIN_ROLE),
                        assignment(DELETED, "User", DEFAULT_ACCESS),
                    ]}))
                } else {
                    // Paged: the next link is absolute, as Graph writes it.
                    let host = host(request);
                    let next = if tenant.foreign_next_link {
                        format!(
                            "https://graph.evil.example/v1.0/servicePrincipals/{SP}/appRoleAssignedTo?$skiptoken=page2"
                        )
                    } else {
                        format!(
                            "http://{host}/v1.0/servicePrincipals/{SP}/appRoleAssignedTo?$skiptoken=page2"
                        )
                    };
                    ok(json!({"value": [assignment(ALICE, "User", DEFAULT_ACCESS)],
                              "@odata.nextLink": next}))
                }
            }
            p if p == format!("/v1.0/groups/{ENGINEERING}") => {
                // Throttled once with 503 and Retry-After, as Graph does under load.
                if group_reads.fetch_add(1, Ordering::SeqCst) == 0 {
                    return error(
                        503,
                        "UnknownError",
                        "Service unavailable",
                        vec!["Retry-After: 0".into()],
                    );
                }
                ok(json!({"id": ENGINEERING, "displayName": "Engineering"}))
            }
            p if p == format!("/v1.0/groups/{ENGINEERING}/members") => ok(json!({"value": [
                {"@odata.type": "#microsoft.graph.user", "id": CAROL},
                {"@odata.type": "#microsoft.graph.group", "id": CONTRACTORS}
            ]})),
            "/v1.0/groups" => ok(json!({"value": [
                {"id": ENGINEERING, "displayName": "Engineering"},
                {"id": CONTRACTORS, "displayName": "Contractors"}
            ]})),
            p if p == format!("/v1.0/groups/{CONTRACTORS}/members") => ok(json!({"value": [
                {"@odata.type": "#microsoft.graph.user", "id": DAVE}
            ]})),
            "/v1.0/users" if query.starts_with("$filter=id%20in%20(") => {
                if tenant.refuse_in_filter {
                    return error(
                        400,
                        "Request_UnsupportedQuery",
                        "Unsupported query.",
                        vec![],
                    );
                }
                // Throttled once with 429 and Retry-After.
                if batch_reads.fetch_add(1, Ordering::SeqCst) == 0 {
                    return error(
                        429,
                        "TooManyRequests",
                        "Too many requests",
                        vec!["Retry-After: 0".into()],
                    );
                }
                let list = &query["$filter=id%20in%20(".len()..];
                let list = &list[..list.find(')').unwrap_or(list.len())];
                // Graph answers in its own order, not the list's; a deleted user is absent.
                let mut users: Vec<Json> = list
                    .split(',')
                    .map(|id| user(id.trim_matches('\'')))
                    .filter(|u| !u.is_null())
                    .collect();
                users.reverse();
                ok(json!({"value": users}))
            }
            "/v1.0/users" => {
                if query.contains("$skiptoken=u2") {
                    ok(json!({"value": [user(CAROL), user(DAVE)]}))
                } else {
                    let host = host(request);
                    ok(json!({"value": [user(ALICE), user(BOB)],
                              "@odata.nextLink": format!("http://{host}/v1.0/users?$skiptoken=u2")}))
                }
            }
            p if p.starts_with("/v1.0/users/") => {
                let id = &p["/v1.0/users/".len()..];
                // Throttled once with 429 and Retry-After.
                if id == CAROL && carol_reads.fetch_add(1, Ordering::SeqCst) == 0 {
                    return error(
                        429,
                        "TooManyRequests",
                        "Too many requests",
                        vec!["Retry-After: 0".into()],
                    );
                }
                match user(id) {
                    Json::Null => error(404, "Request_ResourceNotFound", "not found", vec![]),
                    u => ok(u),
                }
            }
            _ => error(400, "BadRequest", &format!("unexpected {target}"), vec![]),
        }
    })
}

/// `pull` of the service principal from `stub` into `out`, with `extra` arguments and the
/// token in `ENTRAMAP_GRAPH_TOKEN`.
fn pull(stub: &Stub, out: &Path, extra: &[&str]) -> Run {
    common::command()
        .args(["pull", "--service-principal", SP, "--graph-url", &stub.url])
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("ENTRAMAP_GRAPH_TOKEN", TOKEN)
        .output()
        .expect("run entramap")
        .into()
}

fn scratch(name: &str) -> std::path::PathBuf {
    common::scratch(&format!("pull-{name}"))
}

/// Every request is a GET carrying the token in its Authorization header, and only there.
fn assert_only_gets(stub: &Stub) {
    let requests = stub.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(r.starts_with("GET /v1.0/"), "not a Graph GET: {r}");
        let auth = format!("authorization: bearer {}", TOKEN.to_ascii_lowercase());
        assert!(
            r.to_ascii_lowercase().contains(&auth),
            "no token header: {r}"
        );
        assert!(!r.lines().next().unwrap_or("").contains(TOKEN));
    }
}

/// Neither the run's output nor any file under `dir` holds the token.
fn assert_token_absent(run: &Run, dir: &Path) {
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    assert_no_file_holds_token(dir);
}

fn assert_no_file_holds_token(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(!text.contains(TOKEN), "{} holds the token", path.display());
            } else if path.is_dir() {
                assert_no_file_holds_token(&path);
            }
        }
    }
}

#[test]
fn pull_writes_the_jobs_schema_and_the_assigned_directory_with_gets_only() {
    let stub = graph(Tenant::default());
    let dir = scratch("assigned");
    let out = dir.join("tenant");
    let run = pull(&stub, &out, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_only_gets(&stub);
    assert_token_absent(&run, &dir);
    // The schema as Graph returned it.
    let written: Json =
        serde_json::from_str(&std::fs::read_to_string(out.join("schema.json")).unwrap()).unwrap();
    assert_eq!(written, schema());
    // The directory: Graph names turned into source names, roles, members, managers.
    let directory = std::fs::read_to_string(out.join("directory.json")).unwrap();
    support::golden::assert_golden("tests/golden/pull/directory.json", &directory);
    // One 429 and one 503 were waited out.
    assert!(run.stdout.contains("2 throttled"), "{}", run.stdout);
    assert!(
        run.stdout.contains("3 users and 1 group "),
        "{}",
        run.stdout
    );
    // Progress on stderr; the deleted user is left out, with a warning.
    assert!(run.stderr.contains("pull: users: 4/4"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("1 assigned users are not in Graph any more"),
        "{}",
        run.stderr
    );
    // The calls, in order: the job, its schema, the app's roles, the assignments (two
    // pages), the assigned group (503 then 200) and its members, then the users in scope in
    // one `$filter=id in (...)` read (429 then 200). Nested groups' members are not read.
    let targets: Vec<String> = stub.requests().iter().map(|r| target(r)).collect();
    let paths: Vec<&str> = targets
        .iter()
        .map(|t| t.split('?').next().unwrap())
        .collect();
    assert_eq!(
        paths,
        vec![
            format!("/v1.0/servicePrincipals/{SP}/synchronization/jobs"),
            format!("/v1.0/servicePrincipals/{SP}/synchronization/jobs/{JOB}/schema"),
            format!("/v1.0/servicePrincipals/{SP}"),
            format!("/v1.0/servicePrincipals/{SP}/appRoleAssignedTo"),
            format!("/v1.0/servicePrincipals/{SP}/appRoleAssignedTo"),
            format!("/v1.0/groups/{ENGINEERING}"),
            format!("/v1.0/groups/{ENGINEERING}"),
            format!("/v1.0/groups/{ENGINEERING}/members"),
            "/v1.0/users".to_owned(),
            "/v1.0/users".to_owned(),
        ]
    );
    // The user read names the users in assignment order, then group members, and selects
    // the Graph properties behind the mapping's source attributes.
    let user_query = targets[9].split_once('?').unwrap().1;
    assert_eq!(
        user_query,
        format!(
            "$filter=id%20in%20('{ALICE}','{BOB}','{DELETED}','{CAROL}')\
             &$select=id,userPrincipalName,accountEnabled,displayName,givenName,officeLocation,\
             businessPhones,mobilePhone,onPremisesExtensionAttributes,{EXTENSION}\
             &$expand=manager($select=id)"
        )
    );
}

#[test]
fn a_graph_that_refuses_the_batched_read_is_read_one_user_at_a_time() {
    let stub = graph(Tenant {
        refuse_in_filter: true,
        ..Tenant::default()
    });
    let dir = scratch("one-by-one");
    let out = dir.join("tenant");
    let run = pull(&stub, &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("reading one user per request"),
        "{}",
        run.stderr
    );
    // The same snapshot as the batched read.
    let directory = std::fs::read_to_string(out.join("directory.json")).unwrap();
    support::golden::assert_golden("tests/golden/pull/directory.json", &directory);
    let users: Vec<String> = stub
        .requests()
        .iter()
        .map(|r| target(r))
        .filter(|t| t.starts_with("/v1.0/users/"))
        .map(|t| {
            t["/v1.0/users/".len()..]
                .split('?')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Carol is throttled once (429); the deleted user answers 404 and is left out.
    assert_eq!(users, vec![ALICE, BOB, DELETED, CAROL, CAROL]);
    assert!(
        run.stderr
            .contains("1 assigned users are not in Graph any more"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pulled_tenant_runs_in_simulate_with_the_guest_as_entra_reads_it() {
    let stub = graph(Tenant::default());
    let dir = scratch("simulate");
    let out = dir.join("tenant");
    let run = pull(&stub, &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("next: entramap simulate"),
        "{}",
        run.stdout
    );
    let schema = out.join("schema.json");
    let schema = schema.to_str().unwrap();
    let directory = out.join("directory.json");
    let directory = directory.to_str().unwrap();
    let sim = common::entramap(&[
        "simulate",
        schema,
        "--directory",
        directory,
        "--format",
        "jsonl",
        "--now",
        "2025-01-01T00:00:00Z",
    ]);
    assert_eq!(sim.code, 0, "{sim:?}");
    let stdout = &sim.stdout;
    // The guest's userName is alias@theirdomain; Alice gets the Default Access role.
    assert!(stdout.contains("bob@fabrikam.com"), "{stdout}");
    assert!(
        stdout.contains("+1 425 555 0100") && !stdout.contains("+1 425 555 0199"),
        "{stdout}"
    );
    assert!(stdout.contains("CC-42"), "{stdout}");
    // Carol is provisioned through the assigned group; Engineering is created with members.
    assert!(stdout.contains("carol@contoso.com"), "{stdout}");
    assert!(stdout.contains("Engineering"), "{stdout}");
    // `impact` and `converge` take the same files.
    let impact = common::entramap(&["impact", schema, schema, "--directory", directory]);
    // An unchanged mapping: the full cycle after saving writes nothing.
    assert_eq!(impact.code, 0, "{impact:?}");
    let converge = common::entramap(&["converge", schema, "--cases", "16"]);
    assert_eq!(converge.code, 0, "{converge:?}");
    assert!(converge.stdout.contains("converges"), "{converge:?}");
}

#[test]
fn all_users_reads_every_user_and_group_across_pages() {
    let stub = graph(Tenant::default());
    let dir = scratch("all");
    let out = dir.join("tenant");
    let run = pull(&stub, &out, &["--all-users"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_only_gets(&stub);
    assert!(
        run.stdout.contains("4 users and 2 groups"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--scope all"), "{}", run.stdout);
    let directory: Json =
        serde_json::from_str(&std::fs::read_to_string(out.join("directory.json")).unwrap())
            .unwrap();
    let users = directory["users"].as_array().unwrap();
    let ids: Vec<&str> = users
        .iter()
        .map(|u| u["objectId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![ALICE, BOB, CAROL, DAVE]);
    // Dave is neither assigned nor in an assigned group; Contractors is not assigned.
    assert_eq!(users[3]["assigned"], json!(false));
    assert_eq!(directory["groups"][1]["assigned"], json!(false));
    assert_eq!(directory["groups"][1]["members"], json!([DAVE]));
}

/// A tenant whose Graph answers so, and what `pull` must say and write.
struct TenantCase {
    /// What the case proves.
    id: &'static str,
    tenant: Tenant,
    extra: Vec<&'static str>,
    code: i32,
    /// Parts of standard output, and of standard error, that must be there.
    stdout: Vec<String>,
    stderr: Vec<String>,
    /// Whether the snapshot is written: both files, or nothing at all (not even a temporary
    /// file next to where it would be).
    writes: bool,
}

/// Whatever Graph answers, `pull` sends nothing but GETs with the token in their header, never
/// shows the token or a terminal escape Graph sent, and writes the whole snapshot or nothing.
#[test]
fn each_tenant_gets_its_exit_code_its_messages_and_the_whole_snapshot_or_nothing() {
    let cases = [
        TenantCase {
            id: "a_403_names_the_call_graphs_code_and_the_missing_permission_and_writes_nothing",
            tenant: Tenant {
                deny_assignments: true,
                ..Tenant::default()
            },
            extra: vec![],
            code: 3,
            stdout: vec![],
            stderr: vec![
                format!(
                    "GET /v1.0/servicePrincipals/{SP}/appRoleAssignedTo answered 403 \
                     Authorization_RequestDenied"
                ),
                "Application.Read.All".to_owned(),
                // Graph's message carries an escape: shown escaped, not obeyed.
                "operation.\\u{1b}[2J".to_owned(),
            ],
            writes: false,
        },
        TenantCase {
            id: "several_jobs_need_a_job_id",
            tenant: Tenant {
                two_jobs: true,
                ..Tenant::default()
            },
            extra: vec![],
            code: 1,
            stdout: vec![],
            stderr: vec![
                "choose one with --job-id".to_owned(),
                "other.job (template AzureAD2AAD)".to_owned(),
            ],
            writes: false,
        },
        TenantCase {
            id: "a_job_id_skips_the_listing",
            tenant: Tenant {
                two_jobs: true,
                ..Tenant::default()
            },
            extra: vec!["--job-id", JOB],
            code: 0,
            stdout: vec![format!("(job {JOB})")],
            stderr: vec![],
            writes: true,
        },
        TenantCase {
            id: "a_schema_with_check_errors_is_written_and_the_findings_are_printed",
            tenant: Tenant {
                schema_edit: Some(("ToUpper(", "ToUppr(")),
                ..Tenant::default()
            },
            extra: vec![],
            code: 0,
            stdout: vec![],
            stderr: vec![
                "ToUppr".to_owned(),
                "refuse it until the errors above are fixed".to_owned(),
            ],
            writes: true,
        },
        TenantCase {
            id: "a_next_link_to_another_host_is_not_followed",
            tenant: Tenant {
                foreign_next_link: true,
                ..Tenant::default()
            },
            extra: vec![],
            code: 1,
            stdout: vec![],
            stderr: vec!["@odata.nextLink leaves".to_owned()],
            writes: false,
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let stub = graph(case.tenant.clone());
            let dir = scratch(case.id);
            let out = dir.join("tenant");
            let run = pull(&stub, &out, &case.extra);
            assert_eq!(run.code, case.code, "{run:?}");
            for want in &case.stdout {
                assert!(run.stdout.contains(want.as_str()), "no {want:?} in {run:?}");
            }
            for want in &case.stderr {
                assert!(run.stderr.contains(want.as_str()), "no {want:?} in {run:?}");
            }
            assert!(!run.stderr.contains('\u{1b}'), "a raw escape: {run:?}");
            assert_only_gets(&stub);
            assert_token_absent(&run, &dir);
            if case.writes {
                assert!(
                    out.join("schema.json").is_file() && out.join("directory.json").is_file(),
                    "the snapshot is not written"
                );
            } else {
                assert!(!out.exists(), "a partial snapshot was written");
                assert_eq!(
                    std::fs::read_dir(&dir).unwrap().count(),
                    0,
                    "temporary files left"
                );
            }
        },
    );
    assert_eq!(ran, 5);
}

#[test]
fn an_existing_out_directory_gets_both_files_replaced() {
    let stub = graph(Tenant::default());
    let dir = scratch("existing");
    std::fs::write(dir.join("schema.json"), "old").unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let run = pull(&stub, &dir, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_ne!(
        std::fs::read_to_string(dir.join("schema.json")).unwrap(),
        "old"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine"
    );
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

/// Arguments `pull` refuses, or a Graph that does not answer, and what `pull` must say.
struct InputCase {
    /// What the case proves.
    id: &'static str,
    args: Vec<String>,
    /// `ENTRAMAP_GRAPH_TOKEN`, or unset.
    token: Option<&'static str>,
    code: i32,
    /// Parts of standard error that must be there.
    stderr: &'static [&'static str],
}

/// Bad input is refused with exit 2 before any request, no answer is a network error (exit
/// 4); either way nothing is written and the token is not shown.
#[test]
fn bad_input_and_an_absent_graph_exit_with_their_codes_and_write_nothing() {
    let args = |graph_url: Option<&str>, sp: &str| -> Vec<String> {
        let mut args = vec!["--service-principal".to_owned(), sp.to_owned()];
        if let Some(url) = graph_url {
            args.extend(["--graph-url".to_owned(), url.to_owned()]);
        }
        args
    };
    let absent = format!("http://127.0.0.1:{}", support::free_port());
    let cases = [
        InputCase {
            id: "no_token_is_refused_with_how_to_get_one",
            args: args(None, SP),
            token: None,
            code: 2,
            stderr: &[
                "ENTRAMAP_GRAPH_TOKEN is not set",
                "az account get-access-token",
            ],
        },
        InputCase {
            id: "a_graph_url_that_is_not_https_nor_loopback_is_refused",
            args: args(Some("http://graph.example.com"), SP),
            token: Some(TOKEN),
            code: 2,
            stderr: &["https://"],
        },
        InputCase {
            id: "a_service_principal_that_is_not_an_object_id_is_refused",
            args: args(Some("http://127.0.0.1:9"), "../../users"),
            token: Some(TOKEN),
            code: 2,
            stderr: &["is not an object id"],
        },
        InputCase {
            id: "no_answer_is_a_network_error",
            args: args(Some(&absent), SP),
            token: Some(TOKEN),
            code: 4,
            stderr: &["synchronization/jobs got no answer"],
        },
    ];
    let ran = run_cases(
        &cases,
        |c| c.id,
        |case| {
            let dir = scratch(case.id);
            let mut command = common::command();
            command
                .arg("pull")
                .args(&case.args)
                .arg("--out")
                .arg(dir.join("t"))
                .env_remove("ENTRAMAP_GRAPH_TOKEN");
            if let Some(token) = case.token {
                command.env("ENTRAMAP_GRAPH_TOKEN", token);
            }
            let run = Run::from(command.output().expect("run entramap"));
            assert_eq!(run.code, case.code, "{run:?}");
            for want in case.stderr {
                assert!(run.stderr.contains(want), "no {want:?} in {run:?}");
            }
            assert_token_absent(&run, &dir);
            assert!(!dir.join("t").exists(), "something was written");
        },
    );
    assert_eq!(ran, 4);
}

mod read_back {
    //! What `pull` writes reads back as the directory it pulled.

    use entramap::model::source::Source;
    use entramap::provision::directory::{self, Directory};
    use entramap::pull::Tenant;
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// A comparable view of a snapshot: per object its id, flags and attributes.
    fn view(d: &Directory) -> Vec<String> {
        let attributes = |r: &entramap::Record| {
            let mut v: Vec<String> = r
                .iter()
                .map(|(k, v)| {
                    let value = match v {
                        entramap::model::source::SourceRef::Str(s) => format!("s:{s}"),
                        entramap::model::source::SourceRef::Bool(b) => format!("b:{b}"),
                        entramap::model::source::SourceRef::List(items) => {
                            format!("l:{:?}", items.iter().collect::<Vec<_>>())
                        }
                    };
                    format!("{k}={value}")
                })
                .collect();
            v.sort();
            v.join(";")
        };
        d.users
            .iter()
            .map(|u| {
                format!(
                    "user {} {} {} {}",
                    u.object_id,
                    u.assigned,
                    u.soft_deleted,
                    attributes(&u.record)
                )
            })
            .chain(d.groups.iter().map(|g| {
                format!(
                    "group {} {} {}",
                    g.object_id,
                    g.assigned,
                    attributes(&g.record)
                )
            }))
            .collect()
    }

    fn text() -> impl Strategy<Value = Json> {
        prop_oneof![
            Just(Json::Null),
            "[ -~éß\u{4e2d}#@_]{0,12}".prop_map(Json::String),
        ]
    }

    fn graph_user() -> impl Strategy<Value = Json> {
        (
            0..6u8,
            text(),
            text(),
            proptest::collection::vec("[0-9 +]{1,8}", 0..3),
            text(),
            proptest::option::of(0..6u8),
            any::<Option<bool>>(),
            text(),
            any::<bool>(),
        )
            .prop_map(
                |(id, given, mobile, phones, ext1, manager, enabled, extension, pascal)| {
                    let mut u = json!({
                        "id": format!("u{id}"), "givenName": given, "mobilePhone": mobile,
                        "businessPhones": phones, "accountEnabled": enabled,
                        "onPremisesExtensionAttributes": {"extensionAttribute1": ext1},
                        "extension_0123456789abcdef0123456789abcdef_cc": extension,
                    });
                    if let Some(m) = manager {
                        u["manager"] = json!({"id": format!("u{m}")});
                    }
                    if pascal {
                        // Get-MgUser's shape: Pascalextensions in AdditionalProperties.
                        let mut p = serde_json::Map::new();
                        let mut extra = serde_json::Map::new();
                        for (k, v) in u.as_object().unwrap() {
                            if k.starts_with("extension_") {
                                extra.insert(k.clone(), v.clone());
                            } else {
                                let mut c = k.chars();
                                let first = c.next().unwrap().to_ascii_uppercase();
                                p.insert(format!("{first}{}", c.as_str()), v.clone());
                            }
                        }
                        p.insert("AdditionalProperties".into(), Json::Object(extra));
                        u = Json::Object(p);
                    }
                    u
                },
            )
    }

    fn tenant() -> impl Strategy<Value = Tenant> {
        (
            proptest::collection::vec(graph_user(), 0..8),
            proptest::collection::vec((0..6u8, any::<bool>(), any::<bool>()), 0..6),
            proptest::collection::vec((0..3u8, proptest::collection::vec(0..8u8, 0..4)), 0..4),
        )
            .prop_map(|(users, assignments, groups)| Tenant {
                app_roles: vec![json!({"id": "r1", "value": "Admin", "displayName": "Administrator"}),
                                json!({"id": "r2", "value": null, "displayName": "Reader"})],
                assignments: assignments
                    .into_iter()
                    .map(|(n, group, admin)| {
                        let (kind, id) = if group { ("Group", format!("g{}", n % 3)) } else { ("User", format!("u{n}")) };
                        let role = if admin { "r1" } else if n % 2 == 0 { "r2" } else { super::DEFAULT_ACCESS };
                        json!({"principalType": kind, "principalId": id, "appRoleId": role})
                    })
                    .collect(),
                groups: groups
                    .into_iter()
                    .map(|(g, members)| {
                        (
                            json!({"id": format!("g{g}"), "displayName": format!("Group {g}"), "mail": null}),
                            members
                                .into_iter()
                                .map(|m| if m < 6 { json!({"@odata.type": "#microsoft.graph.user", "id": format!("u{m}")}) }
                                     else { json!({"@odata.type": "#microsoft.graph.group", "id": format!("g{}", m - 6)}) })
                                .collect(),
                        )
                    })
                    .collect(),
                users,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

        #[test]
        fn a_snapshot_written_by_pull_reads_back_to_the_same_directory(tenant in tenant()) {
            let pulled = tenant.directory().expect("every generated user has an id");
            let text = serde_json::to_string_pretty(&directory::to_json(&pulled)).unwrap();
            let read = directory::parse("directory.json", &text).expect("reads back");
            prop_assert_eq!(view(&read), view(&pulled));
            // Each Graph user is in it once, under its Graph id.
            for u in &pulled.users {
                prop_assert_eq!(u.record.attribute("objectId").map(|v| format!("{v:?}")),
                                Some(format!("{:?}", entramap::model::source::SourceRef::Str(&u.object_id))));
            }
        }
    }
}

#[test]
fn the_token_can_come_from_another_variable_and_is_still_never_shown() {
    let stub = graph(Tenant::default());
    let dir = scratch("token-env");
    let run: Run = common::command()
        .args(["pull", "--service-principal", SP, "--graph-url", &stub.url])
        .args(["--token-env", "MY_GRAPH_TOKEN", "--out"])
        .arg(dir.join("t"))
        .env_remove("ENTRAMAP_GRAPH_TOKEN")
        .env("MY_GRAPH_TOKEN", TOKEN)
        .output()
        .expect("run entramap")
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_only_gets(&stub);
    assert_token_absent(&run, &dir);
}
