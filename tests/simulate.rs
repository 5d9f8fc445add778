//! The provisioning simulator end to end: cycles over directory snapshots through the default
//! SCIM mapping, and the `simulate` command.

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::load;
use entramap::model::mapping::Dialect;
use entramap::provision::cycle::{Recorded as Request, RequestPurpose, Simulator};
use entramap::provision::directory::{self, Directory};
use entramap::provision::target::ResourceKind;
use entramap::provision::transcript::{Summary, jsonl_line};
use serde_json::Value as Json;

#[path = "support/common.rs"]
mod common;
use common::output as entramap;

const ZOE: &str = "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0003";
const DISABLED: &str = "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0008";
const UNASSIGNED: &str = "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0009";

fn simulator(dialect: Dialect) -> Simulator {
    let loaded = load::read(std::path::Path::new("mappings/scim-default.yaml")).expect("mapping");
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    Simulator::new(&loaded.file, dialect, Context::new(now, 0)).expect("compiles")
}

fn cycle(sim: &mut Simulator, snapshot: &Directory, n: u32) -> Vec<Request> {
    let mut out = Vec::new();
    let failures = sim.run_cycle(snapshot, n, &mut |r| out.push(r.record()));
    assert!(failures.is_empty(), "{failures:?}");
    out
}

/// The sample directory with one user's attribute changed (YAML edited as text).
fn edited(from: &str, to: &str) -> Directory {
    let text = directory::SAMPLE_DIRECTORY_YAML;
    assert!(text.contains(from), "{from}");
    directory::parse("edited.yaml", &text.replacen(from, to, 1)).expect("valid")
}

fn writes(requests: &[Request]) -> Vec<&Request> {
    requests.iter().filter(|r| r.method != "GET").collect()
}

#[test]
fn first_cycle_matches_then_creates_active_in_scope_users_only() {
    let dir = directory::sample();
    let mut sim = simulator(Dialect::Legacy);
    let reqs = cycle(&mut sim, &dir, 1);
    let users: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/Users"))
        .collect();
    let creates: Vec<&str> = users
        .iter()
        .filter(|r| r.action == RequestPurpose::Create)
        .map(|r| r.object.as_str())
        .collect();
    assert_eq!(
        creates.len(),
        10,
        "12 users minus the disabled and the unassigned one"
    );
    assert!(!creates.contains(&DISABLED) && !creates.contains(&UNASSIGNED));
    assert!(
        reqs.iter()
            .all(|r| r.object != DISABLED && r.object != UNASSIGNED)
    );
    // Each POST directly follows the match GET for the same user, which found nothing.
    for (i, r) in users
        .iter()
        .enumerate()
        .filter(|(_, r)| r.action == RequestPurpose::Create)
    {
        let before = users[i - 1];
        assert_eq!(before.action, RequestPurpose::Match);
        assert_eq!(before.object, r.object);
        assert!(
            before.path.starts_with("/Users?filter=userName+eq+%22"),
            "{}",
            before.path
        );
        assert_eq!(before.status, 200);
        assert_eq!(r.status, 201);
        let body = r.body.as_ref().expect("body");
        assert_eq!(body["active"], Json::Bool(true));
        assert!(
            body.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .and_then(|e| e.get("manager"))
                .is_none(),
            "no manager in POST"
        );
    }
    // Manager PATCHes come after every create, and never for a manager out of scope.
    let last_create = reqs
        .iter()
        .rposition(|r| r.action == RequestPurpose::Create && r.path == "/Users")
        .unwrap();
    let managers: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.action == RequestPurpose::LinkManager)
        .collect();
    assert_eq!(managers.len(), 8);
    assert!(
        reqs.iter()
            .position(|r| r.action == RequestPurpose::LinkManager)
            .unwrap()
            > last_create
    );
    let zoe = managers
        .iter()
        .find(|r| r.object == ZOE)
        .expect("Zoë's manager");
    let bjorn = sim
        .linked_user("0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0002")
        .unwrap();
    assert_eq!(
        zoe.body.as_ref().unwrap()["Operations"][0],
        serde_json::json!({"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":bjorn})
    );
    assert!(
        managers
            .iter()
            .all(|r| r.object != "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0010")
    );
    // Groups: matched with members excluded, created empty, then members added.
    let groups: Vec<&Request> = reqs
        .iter()
        .filter(|r| r.path.starts_with("/Groups"))
        .collect();
    let actions: Vec<RequestPurpose> = groups.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            RequestPurpose::Match,
            RequestPurpose::Create,
            RequestPurpose::Match,
            RequestPurpose::Create,
            RequestPurpose::AddMembers,
            RequestPurpose::AddMembers
        ]
    );
    assert_eq!(
        groups[0].path,
        "/Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22"
    );
    assert!(groups[1].body.as_ref().unwrap().get("members").is_none());
    let added = &groups[4].body.as_ref().unwrap()["Operations"][0]["value"];
    // Engineering lists 4 members; the disabled one has no target id.
    assert_eq!(added.as_array().unwrap().len(), 3);
    assert_eq!(added[0]["$ref"], Json::Null);
}

/// how-provisioning-works.md, "Incremental cycles": a later cycle evaluates only the objects
/// that changed, so an unchanged snapshot sends nothing at all.
#[test]
fn second_cycle_over_the_same_snapshot_sends_nothing() {
    for dialect in [Dialect::Legacy, Dialect::Compliant] {
        let dir = directory::sample();
        let mut sim = simulator(dialect);
        cycle(&mut sim, &dir, 1);
        assert!(cycle(&mut sim, &dir, 2).is_empty());
    }
}

/// how-provisioning-works.md, "Incremental cycles": a restart clears the watermark, so the
/// next cycle evaluates (reads) every linked object again, and finds nothing to write.
#[test]
fn a_full_cycle_after_a_restart_over_the_same_snapshot_only_reads() {
    for dialect in [Dialect::Legacy, Dialect::Compliant] {
        let dir = directory::sample();
        let mut sim = simulator(dialect);
        cycle(&mut sim, &dir, 1);
        sim.restart();
        let second = cycle(&mut sim, &dir, 2);
        assert_eq!(second.len(), 12, "10 users and 2 groups read by id");
        assert!(
            second
                .iter()
                .all(|r| r.method == "GET" && r.action == RequestPurpose::Read && r.status == 200)
        );
        assert!(
            second
                .iter()
                .any(|r| r.path.ends_with("?excludedAttributes=members"))
        );
    }
}

#[test]
fn a_changed_attribute_gives_one_patch_with_it_in_both_dialects() {
    for (dialect, op) in [
        (Dialect::Legacy, "Replace"),
        (Dialect::Compliant, "replace"),
    ] {
        let mut sim = simulator(dialect);
        cycle(&mut sim, &directory::sample(), 1);
        let changed = edited("jobTitle: Software Engineer", "jobTitle: Staff Engineer");
        let reqs = cycle(&mut sim, &changed, 2);
        let w = writes(&reqs);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].action, RequestPurpose::Update);
        assert_eq!(w[0].object, ZOE);
        assert_eq!(
            w[0].body.as_ref().unwrap()["Operations"],
            serde_json::json!([{"op": op, "path": "title", "value": "Staff Engineer"}])
        );
        // Read first, then the PATCH of the same user.
        let i = reqs.iter().position(|r| r.method == "PATCH").unwrap();
        assert_eq!(reqs[i - 1].action, RequestPurpose::Read);
        assert_eq!(reqs[i - 1].path, reqs[i].path);
    }
}

#[test]
fn a_disabled_user_gets_the_disable_patch() {
    for (dialect, op, value) in [
        (Dialect::Legacy, "Replace", Json::from("False")),
        (Dialect::Compliant, "replace", Json::Bool(false)),
    ] {
        let mut sim = simulator(dialect);
        cycle(&mut sim, &directory::sample(), 1);
        let disabled = edited(
            "    employeeId: \"000103\"\n    mobile: +49 170 555 0103\n    streetAddress: Friedrichstraße 12\n    city: Berlin\n    postalCode: \"10117\"\n    country: DE\n    accountEnabled: true",
            "    employeeId: \"000103\"\n    mobile: +49 170 555 0103\n    streetAddress: Friedrichstraße 12\n    city: Berlin\n    postalCode: \"10117\"\n    country: DE\n    accountEnabled: false",
        );
        let reqs = cycle(&mut sim, &disabled, 2);
        let w = writes(&reqs);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].action, RequestPurpose::Disable);
        assert_eq!(w[0].object, ZOE);
        assert_eq!(
            w[0].body.as_ref().unwrap()["Operations"],
            serde_json::json!([{"op": op, "path": "active", "value": value}])
        );
        // The app now shows the user inactive: a third cycle sends no second disable.
        assert!(writes(&cycle(&mut sim, &disabled, 3)).is_empty());
    }
}

#[test]
fn an_unassigned_user_is_disabled_too() {
    let mut sim = simulator(Dialect::Legacy);
    cycle(&mut sim, &directory::sample(), 1);
    let unassigned = edited(
        // Amélie is in no group, so losing her direct assignment takes her out of scope.
        "    userPrincipalName: amelie.durand@contoso.com\n",
        "    userPrincipalName: amelie.durand@contoso.com\n    assigned: false\n",
    );
    let reqs = cycle(&mut sim, &unassigned, 2);
    let w = writes(&reqs);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].action, RequestPurpose::Disable);
}

#[test]
fn a_user_removed_from_the_snapshot_is_deleted() {
    let mut sim = simulator(Dialect::Legacy);
    cycle(&mut sim, &directory::sample(), 1);
    let id = sim.linked_user(ZOE).unwrap().to_owned();
    let mut without = directory::sample();
    without.users.retain(|u| u.object_id != ZOE);
    let reqs = cycle(&mut sim, &without, 2);
    let w = writes(&reqs);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].action, RequestPurpose::Delete);
    assert_eq!(w[0].method, "DELETE");
    assert_eq!(w[0].path, format!("/Users/{id}"));
    assert_eq!(w[0].status, 204);
    assert!(sim.linked_user(ZOE).is_none());
}

#[test]
fn a_member_removed_from_a_group_gives_a_remove_patch() {
    let mut sim = simulator(Dialect::Compliant);
    cycle(&mut sim, &directory::sample(), 1);
    let id = sim.linked_user(ZOE).unwrap().to_owned();
    let mut dir = directory::sample();
    let engineering = &mut dir.groups[0];
    let members = vec![
        "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0002".to_owned(),
        "0b7c6e1a-1f3d-4c55-9a51-6f0d2d1e0004".to_owned(),
    ];
    engineering.record.set(
        "members",
        entramap::model::source::SourceValue::List(members),
    );
    let reqs = cycle(&mut sim, &dir, 2);
    let w = writes(&reqs);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].action, RequestPurpose::RemoveMembers);
    assert_eq!(
        w[0].body.as_ref().unwrap()["Operations"],
        serde_json::json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}])
    );
}

#[test]
fn a_preloaded_account_is_matched_and_linked_not_created() {
    let mut sim = simulator(Dialect::Legacy);
    let existing = serde_json::json!({
        "id": "existing-1",
        "userName": "Zoe.Muller@contoso.com",
        "active": true,
        "displayName": "Zoe Muller"
    });
    sim.preload(
        entramap::provision::target::ResourceKind::User,
        existing.as_object().unwrap().clone(),
    )
    .unwrap();
    let reqs = cycle(&mut sim, &directory::sample(), 1);
    let zoe: Vec<&Request> = reqs.iter().filter(|r| r.object == ZOE).collect();
    assert_eq!(zoe[0].action, RequestPurpose::Match);
    assert_eq!(
        zoe[1].action,
        RequestPurpose::Update,
        "matched: PATCH what differs, no POST"
    );
    assert_eq!(zoe[1].path, "/Users/existing-1");
    assert!(zoe.iter().all(|r| r.action != RequestPurpose::Create));
    assert_eq!(sim.linked_user(ZOE).as_deref(), Some("existing-1"));
}

#[test]
fn jsonl_lines_carry_the_required_fields_and_summary_counts() {
    let mut sim = simulator(Dialect::Legacy);
    let dir = directory::sample();
    let mut summary = Summary::default();
    for n in 1..=2 {
        sim.run_cycle(&dir, n, &mut |r| {
            let line: Json = serde_json::from_str(&jsonl_line(r)).expect("JSON line");
            for key in [
                "cycle", "object", "action", "method", "path", "body", "status",
            ] {
                assert!(line.get(key).is_some(), "{key} in {line}");
            }
            assert_eq!(line["cycle"], n);
            summary.add(r);
        });
    }
    assert_eq!(summary.cycles[0].creates, 12);
    assert_eq!(summary.cycles[0].updates, 8);
    // The incremental second cycle over the same snapshot sends nothing.
    assert!(summary.cycles.len() < 2 || summary.cycles[1] == Default::default());
}

#[test]
fn a_run_is_deterministic() {
    let run = || {
        let mut sim = simulator(Dialect::Legacy);
        let mut out = Vec::new();
        sim.run_cycle(&directory::sample(), 1, &mut |r| out.push(jsonl_line(r)));
        out
    };
    assert_eq!(run(), run());
}

#[test]
fn cli_prints_an_http_transcript() {
    let out = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--now",
        "2025-01-01T00:00:00Z",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("@baseUrl = https://scim.example.com/scim\n"));
    assert!(text.contains("### cycle 1 · match amelie.durand@contoso.com\nGET {{baseUrl}}/Users?filter=userName+eq+%22amelie.durand%40contoso.com%22 HTTP/1.1\nAuthorization: Bearer {{token}}\n"));
    assert!(text.contains("POST {{baseUrl}}/Users HTTP/1.1\nAuthorization: Bearer {{token}}\nContent-Type: application/scim+json\n\n{\"schemas\":"));
    assert!(text.contains("# -> 201\n"));
}

#[test]
fn cli_jsonl_and_summary_with_repeated_cycles() {
    let out = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--format",
        "jsonl",
        "--cycles",
        "2",
        "--dialect",
        "compliant",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .filter(|l| l["cycle"] == 2)
            .all(|l| l["method"] == "GET")
    );
    let out = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--format",
        "summary",
        "--cycles",
        "2",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("cycle 2: 0 creates, 0 updates, 0 disables, 0 deletes"),
        "{text}"
    );
}

#[test]
fn cli_rejects_a_malformed_directory_with_exit_2_and_no_output() {
    let dir = std::env::temp_dir().join(format!("entramap-simulate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "users:\n  - userPrincipalName: a@contoso.com\n    mail: [\n",
    )
    .unwrap();
    let missing_id = dir.join("noid.yaml");
    std::fs::write(
        &missing_id,
        "users:\n  - userPrincipalName: a@contoso.com\n",
    )
    .unwrap();
    for file in [&bad, &missing_id] {
        let out = entramap(&[
            "simulate",
            "mappings/scim-default.yaml",
            "--directory",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every shipped mapping, both dialects, over cycles that create, update, disable and delete:
/// answering writes with the id alone (what the summary asks of the app) changes no request
/// Entra sends and no status, only the answers nobody reads.
#[test]
fn answering_writes_with_the_id_alone_changes_no_request() {
    use entramap::provision::sample::{self, SampleOptions, SnapshotFormat};
    use entramap::provision::target::WriteAnswers;
    let generated = |users, seed| {
        let mut out = Vec::new();
        let options = SampleOptions {
            users,
            groups: 3,
            seed,
        };
        sample::write(&mut out, &options, SnapshotFormat::Json).expect("writes");
        directory::parse("d.json", &String::from_utf8(out).expect("UTF-8")).expect("loads")
    };
    let snapshots = [
        generated(120, 7),
        generated(160, 7),
        directory::sample(),
        edited("jobTitle: Software Engineer", "jobTitle: Staff Engineer"),
        edited(
            // Amélie is in no group: `assigned: false` unassigns her (Zoë would stay in scope
            // through Engineering).
            "    userPrincipalName: amelie.durand@contoso.com\n",
            "    userPrincipalName: amelie.durand@contoso.com\n    assigned: false\n",
        ),
        generated(160, 8),
        generated(160, 8),
    ];
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    for entry in std::fs::read_dir("mappings").expect("mappings/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let loaded = load::read(&path).expect("mapping");
        for dialect in [Dialect::Legacy, Dialect::Compliant] {
            let run = |answers| {
                let mut sim =
                    Simulator::new(&loaded.file, dialect, Context::new(now, 0)).expect("compiles");
                sim.endpoint_mut().set_write_answers(answers);
                let mut sent = Vec::new();
                for (i, snapshot) in snapshots.iter().enumerate() {
                    sim.run_cycle(snapshot, i as u32 + 1, &mut |r| {
                        let mut r = r.record();
                        if r.method != "GET" {
                            r.response = None;
                        }
                        sent.push(r);
                    });
                }
                (
                    sent,
                    sim.target()
                        .resources(ResourceKind::User)
                        .collect::<Vec<_>>(),
                )
            };
            let (full, full_app) = run(WriteAnswers::Resource);
            let (brief, brief_app) = run(WriteAnswers::IdOnly);
            if path.ends_with("scim-default.yaml") {
                for action in [
                    RequestPurpose::LinkManager,
                    RequestPurpose::Update,
                    RequestPurpose::Disable,
                    RequestPurpose::Delete,
                ] {
                    assert!(full.iter().any(|r| r.action == action), "{action:?}");
                }
            }
            assert_eq!(full.len(), brief.len(), "{}", path.display());
            for (f, b) in full.iter().zip(&brief) {
                assert_eq!(f, b, "{} {dialect:?}", path.display());
            }
            assert_eq!(full_app, brief_app, "{}", path.display());
        }
    }
}

/// The same, for an account already in the app and kept as given, under a storage rule that
/// reshapes it on its next write (the app does not keep `manager`): whether Entra then links
/// the manager depends on the PATCH answer, so the app still gives it.
#[test]
fn answering_writes_with_the_id_alone_changes_no_request_for_a_preloaded_account() {
    use entramap::provision::target::WriteAnswers;
    const MANAGER_ROW: &str = "    - name: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager\n      type: Reference\n";
    let yaml = std::fs::read_to_string("mappings/scim-default.yaml").expect("the default mapping");
    assert!(yaml.contains(MANAGER_ROW));
    let yaml = yaml.replace(
        MANAGER_ROW,
        &format!("{MANAGER_ROW}      vendor:\n        stored: false\n"),
    );
    let loaded = load::parse("not-stored.yaml", &yaml).expect("loads");
    let Json::Object(existing) = serde_json::json!({
        "id": "zoe-in-the-app",
        "userName": "zoe.muller@contoso.com",
        "displayName": "Zoe Muller",
        entramap::scim::ENTERPRISE_USER_SCHEMA: {"manager": {"value": "someone-else"}}
    }) else {
        unreachable!()
    };
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now");
    let run = |answers| {
        let mut sim = Simulator::new(&loaded.file, Dialect::Compliant, Context::new(now, 0))
            .expect("compiles");
        sim.endpoint_mut().set_write_answers(answers);
        sim.preload(ResourceKind::User, existing.clone())
            .expect("preloads");
        let mut sent = Vec::new();
        sim.run_cycle(&directory::sample(), 1, &mut |r| {
            let mut r = r.record();
            if r.method != "GET" {
                r.response = None;
            }
            sent.push(r);
        });
        sent
    };
    let full = run(WriteAnswers::Resource);
    let zoe_writes: Vec<RequestPurpose> = full
        .iter()
        .filter(|r| r.object == ZOE && r.method != "GET")
        .map(|r| r.action)
        .collect();
    assert_eq!(
        zoe_writes,
        [RequestPurpose::Update, RequestPurpose::LinkManager]
    );
    assert_eq!(full, run(WriteAnswers::IdOnly));
}
