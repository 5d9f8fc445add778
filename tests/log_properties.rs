//! The provisioning log against the requests: for generated directories over two cycles (the
//! second a changed copy of the first, as an incremental cycle), every object gets exactly the
//! log entries its requests imply: no write without an export step in an entry of its object,
//! no export step claiming a write that was not sent, a failure entry for every failed object
//! and none for the others, and in the full first cycle one evaluation entry per user and group.

use std::collections::BTreeMap;

use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::model::mapping::Dialect;
use entramap::provision::clock::CycleInterval;
use entramap::provision::cycle::Simulator;
use entramap::provision::directory::{Directory, parse};
use entramap::provision::log::{LogOptions, Status, StepType};
use entramap::provision::output::{Schedule, log_entries, pick};
use entramap::provision::transcript::Redactions;
use proptest::prelude::*;
use serde_json::json;

const MAPPING: &str = "tests/data/engine/impact/engineers-only.yaml";

#[derive(Clone, Debug)]
struct User {
    upn: u8,
    engineer: bool,
    assigned: bool,
    enabled: Option<bool>,
    soft_deleted: bool,
    manager: Option<u8>,
}

#[derive(Clone, Debug)]
struct Group {
    assigned: bool,
    members: Vec<u8>,
}

fn user() -> impl Strategy<Value = User> {
    (
        0u8..6,
        any::<bool>(),
        prop::bool::weighted(0.8),
        prop::option::of(prop::bool::weighted(0.8)),
        prop::bool::weighted(0.1),
        prop::option::of(0u8..8),
    )
        .prop_map(
            |(upn, engineer, assigned, enabled, soft_deleted, manager)| User {
                upn,
                engineer,
                assigned,
                enabled,
                soft_deleted,
                manager,
            },
        )
}

fn group() -> impl Strategy<Value = Group> {
    (any::<bool>(), prop::collection::vec(0u8..8, 0..5))
        .prop_map(|(assigned, members)| Group { assigned, members })
}

fn oid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

fn directory(users: &[User], groups: &[Group]) -> Directory {
    let users: Vec<_> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut v = json!({
                "objectId": oid(i),
                "userPrincipalName": format!("u{}@contoso.com", u.upn),
                "department": if u.engineer { "Engineering" } else { "Design" },
                "assigned": u.assigned,
                "softDeleted": u.soft_deleted,
            });
            if let Some(e) = u.enabled {
                v["accountEnabled"] = json!(e);
            }
            if let Some(m) = u.manager {
                v["manager"] = json!(oid(usize::from(m)));
            }
            v
        })
        .collect();
    let groups: Vec<_> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let members: Vec<String> = {
                let mut m: Vec<u8> = g.members.clone();
                m.sort_unstable();
                m.dedup();
                m.into_iter().map(|m| oid(usize::from(m))).collect()
            };
            json!({
                "objectId": oid(0x100 + i),
                "displayName": format!("Group {i}"),
                "assigned": g.assigned,
                "members": members,
            })
        })
        .collect();
    parse(
        "generated",
        &json!({ "users": users, "groups": groups }).to_string(),
    )
    .expect("a valid directory")
}

fn schedule() -> Schedule {
    Schedule {
        start: DateTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap(),
        interval: "40m".parse::<CycleInterval>().unwrap(),
        restarts: Vec::new(),
    }
}

fn simulator() -> (Simulator, entramap::model::mapping::MappingFile) {
    let loaded = entramap::load::read(std::path::Path::new(MAPPING)).expect("the mapping loads");
    let file = loaded.file;
    let now = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
    let sim = Simulator::new(&file, Dialect::Legacy, Context::new(now, 0)).expect("compiles");
    (sim, file)
}

type Key = (u32, String);

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn every_object_gets_exactly_the_log_entries_its_requests_imply(
        users in prop::collection::vec(user(), 0..8),
        groups in prop::collection::vec(group(), 0..3),
        changed in prop::collection::vec(user(), 0..8),
    ) {
        // The second snapshot: the first with some users replaced (a change per user).
        let mut second = users.clone();
        for (i, u) in changed.into_iter().enumerate().take(second.len()) {
            if i % 2 == 0 {
                second[i] = u;
            }
        }
        let snapshots = vec![directory(&users, &groups), directory(&second, &groups)];
        // The requests and failures, from a plain run.
        let (mut plain, file) = simulator();
        let mut writes: BTreeMap<Key, Vec<String>> = BTreeMap::new();
        let mut failed: BTreeMap<Key, usize> = BTreeMap::new();
        let schedule = schedule();
        for cycle in 1..=2u32 {
            schedule.before(&mut plain, cycle);
            let failures = plain.run_cycle(pick(&snapshots, cycle), cycle, &mut |r| {
                if r.method != "GET" {
                    writes
                        .entry((r.cycle, r.object.to_owned()))
                        .or_default()
                        .push(format!("{} {} -> {}", r.method, r.path, r.status));
                }
            });
            for f in failures {
                *failed.entry((cycle, f.object)).or_default() += 1;
            }
        }
        // The log of the same run.
        let (mut logged, _) = simulator();
        let options = LogOptions {
            app: file.app.clone(),
            job_id: "job".into(),
            redactions: Redactions::from_mapping(&file),
        };
        let (entries, _) = log_entries(&mut logged, &snapshots, 2, &schedule, options);
        let cycle_of = |e: &entramap::provision::log::LogEntry| {
            u32::from_str_radix(&e.cycle_id[..8], 16).unwrap()
        };
        let mut exported: BTreeMap<Key, Vec<String>> = BTreeMap::new();
        let mut failures: BTreeMap<Key, usize> = BTreeMap::new();
        let mut evaluated: BTreeMap<Key, usize> = BTreeMap::new();
        for e in &entries {
            let key = (cycle_of(e), e.source_identity.id.clone());
            for step in &e.provisioning_steps {
                if step.provisioning_step_type == StepType::Export {
                    exported
                        .entry(key.clone())
                        .or_default()
                        .push(step.details["Request"].as_str().unwrap().to_owned());
                }
            }
            if e.status() == Status::Failure && e.error_code() != Some("HttpError") {
                *failures.entry(key.clone()).or_default() += 1;
            }
            if e.provisioning_steps.first().map(|s| s.provisioning_step_type)
                == Some(StepType::Import)
            {
                *evaluated.entry(key).or_default() += 1;
            }
        }
        prop_assert_eq!(&exported, &writes);
        prop_assert_eq!(&failures, &failed);
        // Cycle 1 is full: every user and group of the snapshot, once.
        let first = &snapshots[0];
        let expected: BTreeMap<Key, usize> = first
            .users
            .iter()
            .map(|u| u.object_id.clone())
            .chain(first.groups.iter().map(|g| g.object_id.clone()))
            .map(|o| ((1, o), 1))
            .collect();
        let cycle1: BTreeMap<Key, usize> =
            evaluated.into_iter().filter(|((c, _), _)| *c == 1).collect();
        prop_assert_eq!(cycle1, expected);
    }
}
