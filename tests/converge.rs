//! Steady state (`entramap converge`, issue 6): every shipped mapping converges for generated
//! directories, before and after a source change; the in-memory target applies Entra's PATCHes
//! as RFC 7644 says and twice the same as once; the known non-converging mappings of
//! `tests/data/converge/` are each found with their cause, shrunk to one user; and the command
//! line keeps its contract (exit codes, JSON shape, seed reproduction, replay with `simulate`).
//!
//! Run with `cargo test --release --test converge`.

use std::path::{Path, PathBuf};

use entramap::converge::{self, ConvergeOptions};
use entramap::dotnet::datetime::DateTime;
use entramap::expr::Context;
use entramap::internals::converge::generate::{self, Plan};
use entramap::internals::converge::run::{self, Prepared, Problem};
use entramap::load;
use entramap::model::mapping::{Dialect, MappingFile, Returns};
use entramap::model::source::{Record, SourceValue};
use entramap::provision::cycle::{RequestPurpose, Simulator};
use entramap::provision::dialect;
use entramap::provision::diff;
use entramap::provision::directory;
use entramap::provision::project::{CompiledMapping, Flow};
use entramap::provision::target::{ResourceKind, Target};
use entramap::scim::{self, Path as ScimPath};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use serde_json::{Value as Json, json};

#[path = "support/common.rs"]
mod common;
use common::entramap;

fn now() -> DateTime {
    DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("now")
}

/// The command's defaults: 256 cases, the fixed clock, `seed`.
fn options(seed: u64) -> ConvergeOptions {
    ConvergeOptions {
        cases: 256,
        seed,
        now: now(),
    }
}

fn load(path: &Path) -> MappingFile {
    load::read(path)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
        .file
}

fn dialect_of(file: &MappingFile) -> Dialect {
    file.dialect
        .unwrap_or_else(|| Dialect::for_url(file.tenant_url.as_deref().unwrap_or("")))
}

/// Every `*.yaml` in a directory, sorted, so that a new shipped mapping is tested without
/// editing this file.
fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    out.sort();
    out
}

/// The shipped mappings whose vendor model stores what is mapped: every attribute stored, and
/// returned as sent or in another case that is not exact-case.
fn storing_shipped_mappings() -> Vec<(PathBuf, MappingFile)> {
    let out: Vec<(PathBuf, MappingFile)> = yaml_files("mappings")
        .into_iter()
        .map(|p| {
            let f = load(&p);
            (p, f)
        })
        .filter(|(_, f)| {
            let attributes = f
                .users
                .attributes
                .iter()
                .chain(f.groups.iter().flat_map(|g| g.attributes.iter()));
            attributes.clone().all(|a| {
                a.vendor.stored
                    && (a.vendor.returns == Returns::AsSent
                        || (!a.case_exact
                            && matches!(a.vendor.returns, Returns::Lowercase | Returns::Uppercase)))
            })
        })
        .collect();
    assert!(
        out.len() >= 6,
        "the six shipped mappings store what they map"
    );
    out
}

fn runner(cases: u32, seed: u64) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    })
}

// ------------------------------------------------------------------------ shipped mappings

#[test]
fn every_shipped_mapping_converges_within_one_cycle_and_again_after_any_single_change() {
    for (path, file) in storing_shipped_mappings() {
        let prepared = Prepared::new(&file, dialect_of(&file), now(), 0).expect("compiles");
        let strategy = generate::case(&prepared.plan);
        let result = runner(512, 11).run(&strategy, |case| {
            let outcome = run::run(&prepared, &case);
            match outcome.problems.first() {
                None => Ok(()),
                Some(Problem::Repeat(r)) => Err(TestCaseError::fail(format!(
                    "{} wrote `{}` again ({:?}) in phase {}: {}",
                    r.object,
                    r.attribute,
                    r.action,
                    r.phase.as_str(),
                    r.request
                        .body
                        .as_ref()
                        .map(Json::to_string)
                        .unwrap_or_default()
                ))),
                Some(other) => Err(TestCaseError::fail(format!("{other:?}"))),
            }
        });
        if let Err(e) = result {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn converge_reports_every_shipped_mapping_as_converged_with_the_values_entra_cannot_clear() {
    for (path, file) in storing_shipped_mappings() {
        let name = path.display().to_string();
        let options = options(0);
        let report = converge::converge(&name, &file, dialect_of(&file), &options).expect("runs");
        assert!(report.converged, "{name}: {:#?}", report.findings);
        assert!(report.findings.is_empty());
        // A direct row from a source that can be cleared leaves a stale value, as Entra never
        // sends a Remove: the search must see at least one. (Unleash maps only attributes
        // every user has, so it has none.)
        let clearable = file.users.mappings.iter().any(|m| {
            m.source.as_ref().is_some_and(|s| {
                ![
                    "userPrincipalName",
                    "displayName",
                    "mailNickname",
                    "objectId",
                    "IsSoftDeleted",
                    "accountEnabled",
                ]
                .contains(&s.value.as_str())
            })
        });
        let stale = report
            .notes
            .iter()
            .any(|n| n.cause.name == "source-cleared-not-removed");
        assert_eq!(stale, clearable, "{name}: {:?}", report.notes);
    }
}

#[test]
fn the_reported_directory_is_the_one_that_ran() {
    // The report prints the JSON rendering of a case and the runner uses the in-memory one:
    // read back with `simulate`'s parser, the JSON must give the same users and groups.
    let file = load(Path::new("mappings/scim-default.yaml"));
    let prepared = Prepared::new(&file, Dialect::Legacy, now(), 0).expect("compiles");
    let strategy = generate::case(&prepared.plan);
    let result = runner(256, 2).run(&strategy, |case| {
        for (ran, json) in [
            (
                case.before(&prepared.plan),
                case.before_json(&prepared.plan),
            ),
            (case.after(&prepared.plan), case.after_json(&prepared.plan)),
        ] {
            let read = directory::parse("case.json", &json.to_string())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(read.users.len(), ran.users.len());
            for (a, b) in read.users.iter().zip(&ran.users) {
                prop_assert_eq!(&a.object_id, &b.object_id);
                prop_assert_eq!(a.assigned, b.assigned);
                prop_assert_eq!(a.soft_deleted, b.soft_deleted);
                prop_assert_eq!(&a.record, &b.record, "{}", json);
            }
            prop_assert_eq!(read.groups.len(), ran.groups.len());
            for (a, b) in read.groups.iter().zip(&ran.groups) {
                prop_assert_eq!(&a.object_id, &b.object_id);
                prop_assert_eq!(a.assigned, b.assigned);
                prop_assert_eq!(&a.record, &b.record);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ------------------------------------------------------------------ the in-memory target

/// A generated user's source record, as the simulator sees it for an active user.
fn record(plan: &Plan, user: &generate::GenUser) -> Record {
    let d = entramap::internals::converge::snapshot::directory(
        plan,
        std::slice::from_ref(user),
        &[],
        1,
    );
    let mut r = d.users[0].record.clone();
    r.set("IsSoftDeleted", SourceValue::Str("False".into()));
    r
}

fn send(t: &mut Target, method: &str, path: &str, body: Option<&Json>) -> (u16, Option<Json>) {
    let r = t.handle(method, path, body);
    (r.status, r.body)
}

/// The attribute paths of the user rows (manager excluded: it has its own PATCH).
fn row_paths(file: &MappingFile) -> Vec<ScimPath> {
    file.users
        .mappings
        .iter()
        .filter_map(|m| ScimPath::parse(&m.target.value).ok())
        .filter(|p| !p.attr().eq_ignore_ascii_case("manager"))
        .collect()
}

#[test]
fn target_applies_entras_patches_as_rfc7644_says_and_twice_the_same_as_once() {
    for (path, file) in storing_shipped_mappings() {
        let mapping = CompiledMapping::compile(&file.users).expect("compiles");
        let rows = entramap::internals::converge::inspect::rows(&file.users, file.groups.as_ref());
        let plan = Plan::new(&file.users, file.groups.as_ref(), &rows);
        let schema = file.users.attributes.clone();
        let paths = row_paths(&file);
        let ctx = Context::new(now(), 0);
        let strategy = (generate::user(&plan), generate::user(&plan), any::<bool>());
        let result = runner(256, 5).run(&strategy, |(a, b, compliant)| {
            let dialect = if compliant {
                Dialect::Compliant
            } else {
                Dialect::Legacy
            };
            let mut t = Target::new(&file.users.attributes, &[]);
            let created = mapping
                .project(&record(&plan, &a), &ctx, Flow::Create)
                .expect("projects");
            let post = Json::Object(created.post_body(ResourceKind::User));
            let (status, body) = send(&mut t, "POST", "/Users", Some(&post));
            prop_assert_eq!(status, 201);
            let id = body
                .as_ref()
                .and_then(|b| b["id"].as_str())
                .expect("id")
                .to_owned();
            let before = t.get(ResourceKind::User, &id).expect("stored");
            let wanted = mapping
                .project(&record(&plan, &b), &ctx, Flow::Update)
                .expect("projects");
            let ops = diff::diff(&wanted, &before, &schema);
            if ops.is_empty() {
                return Ok(());
            }
            let patch = dialect::user_patch(&ops, dialect, &schema);
            let url = format!("/Users/{id}");
            let (status, _) = send(&mut t, "PATCH", &url, Some(&patch));
            prop_assert_eq!(status, 200, "{}", patch);
            let once = t.get(ResourceKind::User, &id).expect("stored");
            // RFC 7644 §3.5.2: each operation sets what its path addresses, so Entra's next
            // comparison finds nothing left to send...
            prop_assert!(
                diff::diff(&wanted, &once, &schema).is_empty(),
                "still differs after {}: {:?}",
                patch,
                once
            );
            // ...and nothing else changes: not the server's fields, not the attributes no
            // operation names.
            for key in ["id", "meta", "schemas"] {
                prop_assert_eq!(before.get(key), once.get(key), "{} changed", key);
            }
            for p in &paths {
                let named = ops.iter().any(|o| o.path == p);
                if !named {
                    prop_assert_eq!(
                        scim::get(&before, p),
                        scim::get(&once, p),
                        "{} changed though no operation names it: {}",
                        p,
                        patch
                    );
                }
            }
            // RFC 7643 §2.4: `primary` is true for at most one value of an attribute.
            for (k, v) in &once {
                if let Json::Array(items) = v {
                    let primaries = items
                        .iter()
                        .filter(|i| i.get("primary") == Some(&Json::Bool(true)))
                        .count();
                    prop_assert!(primaries <= 1, "{} has {} primary values", k, primaries);
                }
            }
            // The same PATCH again changes nothing.
            let (status, _) = send(&mut t, "PATCH", &url, Some(&patch));
            prop_assert_eq!(status, 200);
            prop_assert_eq!(t.get(ResourceKind::User, &id), Some(once));
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn group_membership_patches_are_idempotent_and_touch_only_the_members_named() {
    let file = load(Path::new("mappings/scim-default.yaml"));
    let groups = file.groups.as_ref().expect("groups");
    let ids = || proptest::collection::vec(0usize..6, 0..5);
    let strategy = (ids(), ids(), ids(), any::<bool>());
    let result = runner(256, 3).run(&strategy, |(start, add, remove, compliant)| {
        let dialect = if compliant {
            Dialect::Compliant
        } else {
            Dialect::Legacy
        };
        let id = |i: &usize| format!("u{i}");
        let mut t = Target::new(&[], &groups.attributes);
        let (status, body) = send(
            &mut t,
            "POST",
            "/Groups",
            Some(&json!({"schemas": [scim::GROUP_SCHEMA], "displayName": "g"})),
        );
        prop_assert_eq!(status, 201);
        let gid = body
            .and_then(|b| b["id"].as_str().map(str::to_owned))
            .expect("id");
        let url = format!("/Groups/{gid}");
        let members = |t: &Target| -> Vec<String> {
            let group = t.get(ResourceKind::Group, &gid).unwrap_or_default();
            group
                .get("members")
                .and_then(Json::as_array)
                .map(|m| {
                    m.iter()
                        .filter_map(|v| v["value"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let start: Vec<String> = start.iter().map(id).collect();
        if !start.is_empty() {
            let p = dialect::add_members_patch(dialect, &start);
            prop_assert_eq!(send(&mut t, "PATCH", &url, Some(&p)).0, 204);
        }
        let before = members(&t);
        let add: Vec<String> = add.iter().map(id).collect();
        if !add.is_empty() {
            let p = dialect::add_members_patch(dialect, &add);
            prop_assert_eq!(send(&mut t, "PATCH", &url, Some(&p)).0, 204);
            let once = members(&t);
            send(&mut t, "PATCH", &url, Some(&p));
            prop_assert_eq!(&members(&t), &once, "adding twice differs from once");
            // RFC 7644 §3.5.2.1: a value already present is not added again.
            let mut seen = std::collections::HashSet::new();
            prop_assert!(
                once.iter().all(|m| seen.insert(m.clone())),
                "duplicates: {:?}",
                once
            );
            prop_assert!(add.iter().all(|a| once.contains(a)));
            prop_assert!(before.iter().all(|b| once.contains(b)));
        }
        let before = members(&t);
        let remove: Vec<String> = remove.iter().map(id).collect();
        if !remove.is_empty() {
            let p = dialect::remove_members_patch(dialect, &remove);
            send(&mut t, "PATCH", &url, Some(&p));
            let once = members(&t);
            send(&mut t, "PATCH", &url, Some(&p));
            prop_assert_eq!(&members(&t), &once, "removing twice differs from once");
            prop_assert!(remove.iter().all(|r| !once.contains(r)));
            let kept: Vec<&String> = before.iter().filter(|b| !remove.contains(b)).collect();
            prop_assert_eq!(once.iter().collect::<Vec<_>>(), kept);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn an_add_listing_a_member_twice_stores_it_once() {
    // Found by the property above: RFC 7644 §3.5.2.1 adds a value the attribute already holds
    // "no changes", and the second copy in one add is such a value.
    let mut group = serde_json::Map::new();
    group.insert("displayName".into(), json!("g"));
    let body = json!({"schemas": [scim::PATCH_OP_SCHEMA], "Operations": [
        {"op": "Add", "path": "members", "value": [{"value": "u2"}, {"value": "u2"}, {"value": "u0"}]}
    ]});
    scim::apply_patch(&mut group, &body).expect("applies");
    assert_eq!(group["members"], json!([{"value": "u2"}, {"value": "u0"}]));
}

// ------------------------------------------------------------ known non-converging mappings

/// Runs the default search (256 cases) with several seeds and checks that `attribute` is found
/// with `cause`, shrunk to a single user.
fn assert_found(file: &str, attribute: &str, problem: &str, cause: &str) {
    let path = Path::new("tests/data/converge").join(file);
    let mapping = load(&path);
    for seed in 0..6 {
        let options = options(seed);
        let report =
            converge::converge(file, &mapping, dialect_of(&mapping), &options).expect("runs");
        assert!(!report.converged, "{file} seed {seed}");
        let f = report
            .findings
            .iter()
            .find(|f| f.attribute == attribute)
            .unwrap_or_else(|| {
                panic!(
                    "{file} seed {seed}: no `{attribute}` in {:#?}",
                    report.findings
                )
            });
        let json = serde_json::to_value(f).expect("serialises");
        assert_eq!(json["problem"], problem, "{file} seed {seed}");
        assert_eq!(f.cause.name, cause, "{file} seed {seed}: {}", f.why);
        let users = f.directory["users"].as_array().expect("users");
        assert_eq!(
            users.len(),
            1,
            "{file} seed {seed}: not shrunk: {}",
            f.directory
        );
    }
}

#[test]
fn an_attribute_the_vendor_drops_is_written_every_cycle_cause_not_stored() {
    assert_found(
        "vendor-drops-title.yaml",
        "title",
        "repeated-write",
        "not-stored",
    );
}

#[test]
fn now_on_an_always_row_is_written_every_cycle_cause_non_deterministic() {
    assert_found(
        "now-on-always-row.yaml",
        "urn:ietf:params:scim:schemas:extension:stamp:2.0:User:lastSync",
        "repeated-write",
        "non-deterministic-always",
    );
}

#[test]
fn lowercased_switch_keys_over_is_soft_deleted_never_flow_cause_switch_keys() {
    assert_found(
        "switch-lowercase-keys.yaml",
        "active",
        "never-flows",
        "switch-keys-never-match",
    );
}

#[test]
fn a_vendor_lowercasing_emails_with_exact_case_on_is_written_every_cycle_cause_case() {
    assert_found(
        "lowercase-emails-exact-case.yaml",
        "emails[type eq \"work\"].value",
        "repeated-write",
        "case-changed-exact-case",
    );
}

#[test]
fn the_repeated_request_is_the_patch_of_that_attribute_on_the_wire() {
    let path = Path::new("tests/data/converge/vendor-drops-title.yaml");
    let mapping = load(path);
    let options = options(0);
    let report = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    let f = &report.findings[0];
    let request = f
        .request
        .as_ref()
        .expect("a repeated write has its request");
    assert_eq!(request.jsonl["method"], "PATCH");
    assert_eq!(request.jsonl["action"], "update");
    assert_eq!(request.jsonl["cycle"], 2);
    let ops = request.jsonl["body"]["Operations"].as_array().expect("ops");
    assert!(ops.iter().all(|o| o["path"] == "title"), "{ops:?}");
    assert_eq!(ops[0]["op"], "Add", "the app shows no title: Entra adds it");
    assert!(
        request.http.contains("PATCH {{baseUrl}}/Users/"),
        "{}",
        request.http
    );
    assert!(
        request
            .http
            .starts_with("@baseUrl = https://scim.example.com/scim")
    );
}

#[test]
fn a_group_attribute_the_vendor_drops_is_found_on_groups() {
    let mut mapping = load(Path::new("mappings/scim-default.yaml"));
    let groups = mapping.groups.as_mut().expect("groups");
    let external = groups
        .attributes
        .iter_mut()
        .find(|a| a.name.value == "externalId")
        .expect("externalId");
    external.vendor.stored = false;
    let options = options(0);
    let report = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    let f = report
        .findings
        .iter()
        .find(|f| f.object_type == "group")
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(f.attribute, "externalId");
    assert_eq!(f.cause.name, "not-stored");
    assert_eq!(f.directory["groups"].as_array().map(Vec::len), Some(1));
}

#[test]
fn users_inside_a_scoping_filter_are_generated_so_their_problems_are_found() {
    // Only users whose department is exactly "Sales" are provisioned: the generator must
    // produce the filter's operand, or nothing would ever reach the app.
    let text = std::fs::read_to_string("tests/data/converge/vendor-drops-title.yaml")
        .expect("fixture")
        .replace(
            "users:\n  mappings:",
            "users:\n  scope:\n    - clauses:\n        - attribute: department\n          operator: EQUALS\n          value: Sales\n  mappings:",
        );
    let mapping = load::parse("scoped.yaml", &text).expect("loads").file;
    assert_eq!(mapping.users.scope.len(), 1);
    let options = options(0);
    let report = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    let f = report
        .findings
        .iter()
        .find(|f| f.attribute == "title")
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(f.cause.name, "not-stored");
    assert_eq!(f.directory["users"][0]["department"], "Sales");
}

#[test]
fn a_vendor_that_lowercases_without_exact_case_converges() {
    let mut mapping = load(Path::new(
        "tests/data/converge/lowercase-emails-exact-case.yaml",
    ));
    for a in &mut mapping.users.attributes {
        a.case_exact = false;
    }
    let options = options(0);
    let report = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    assert!(report.converged, "{:#?}", report.findings);
}

#[test]
fn now_applied_on_create_only_converges() {
    let mut mapping = load(Path::new("tests/data/converge/now-on-always-row.yaml"));
    for m in &mut mapping.users.mappings {
        if m.expression
            .as_ref()
            .is_some_and(|e| e.value.contains("Now()"))
        {
            m.apply = entramap::model::mapping::Apply::OnCreate;
        }
    }
    let options = options(0);
    let report = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    assert!(report.converged, "{:#?}", report.findings);
}

#[test]
fn the_same_seed_gives_the_same_report_and_the_seed_is_in_it() {
    let mapping = load(Path::new(
        "tests/data/converge/lowercase-emails-exact-case.yaml",
    ));
    let options = ConvergeOptions {
        cases: 64,
        seed: 42,
        now: now(),
    };
    let a = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    let b = converge::converge("x", &mapping, Dialect::Legacy, &options).expect("runs");
    assert_eq!(a.to_json(), b.to_json());
    assert_eq!(a.seed, 42);
    assert!(a.to_human("entramap converge x").contains("--seed 42"));
}

// ------------------------------------------------------------------ the simulator's disable

fn lowercase_keys_simulator(expression: &str) -> Simulator {
    let text = std::fs::read_to_string("tests/data/converge/switch-lowercase-keys.yaml")
        .expect("fixture")
        .replace(
            r#"Switch([IsSoftDeleted], , "false", "true", "true", "false")"#,
            expression,
        );
    let loaded = load::parse("fixture.yaml", &text).expect("loads");
    Simulator::new(&loaded.file, Dialect::Legacy, Context::new(now(), 0)).expect("compiles")
}

/// Cycle 1 creates the user, cycle 2 sees it unassigned: the actions of cycle 2.
fn unassign_actions(sim: &mut Simulator) -> Vec<RequestPurpose> {
    let active = directory::parse(
        "d.yaml",
        "users:\n  - objectId: u1\n    userPrincipalName: a@contoso.com\n    displayName: A\n    mailNickname: a\n",
    )
    .expect("directory");
    let mut unassigned = active.clone();
    unassigned.users[0].assigned = false;
    sim.run_cycle(&active, 1, &mut |_| {});
    let mut actions = Vec::new();
    sim.run_cycle(&unassigned, 2, &mut |r| actions.push(r.action));
    actions
}

#[test]
fn a_switch_whose_keys_never_match_never_disables_the_user_and_entras_default_does() {
    // docs/mapping-model.md §12.3: the lowercased keys make `active` flow nothing, so Entra sends
    // no disable PATCH (Unleash PR #9336: "prevents users from being deprovisioned at all").
    let mut broken =
        lowercase_keys_simulator(r#"Switch([IsSoftDeleted], , "false", "true", "true", "false")"#);
    assert_eq!(unassign_actions(&mut broken), vec![RequestPurpose::Read]);
    let mut fixed =
        lowercase_keys_simulator(r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#);
    assert_eq!(
        unassign_actions(&mut fixed),
        vec![RequestPurpose::Read, RequestPurpose::Disable]
    );
    // Lowercase values with capitalised keys (the working form of the old advice) flow.
    let mut lower_values =
        lowercase_keys_simulator(r#"Switch([IsSoftDeleted], , "False", "true", "True", "false")"#);
    assert_eq!(
        unassign_actions(&mut lower_values),
        vec![RequestPurpose::Read, RequestPurpose::Disable]
    );
}

// ------------------------------------------------------------------------- the command line

#[test]
fn cli_exits_0_when_every_case_converges() {
    let r = entramap(&["converge", "mappings/scim-default.yaml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .starts_with("mappings/scim-default.yaml: converges (legacy dialect; 256 generated directories, seed 0)"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn cli_exits_1_with_the_counterexample_and_the_seed_that_reproduces_it() {
    let r = entramap(&[
        "converge",
        "tests/data/converge/vendor-drops-title.yaml",
        "--seed",
        "9",
        "--cases",
        "100",
    ]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("does not converge"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("user `title` is written again at rest [C1 not-stored, EM106]")
    );
    assert!(r.stdout.contains("PATCH {{baseUrl}}/Users/"));
    assert!(
        r.stdout.contains(
            "reproduce: entramap converge tests/data/converge/vendor-drops-title.yaml --cases 100 --seed 9"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn cli_same_seed_same_output_in_both_formats() {
    for format in ["human", "json"] {
        let args = [
            "converge",
            "tests/data/converge/lowercase-emails-exact-case.yaml",
            "--seed",
            "5",
            "--format",
            format,
        ];
        let a = entramap(&args);
        let b = entramap(&args);
        assert_eq!(a.code, 1);
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
}

#[test]
fn cli_json_has_the_documented_shape() {
    let r = entramap(&[
        "converge",
        "tests/data/converge/switch-lowercase-keys.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Json = serde_json::from_str(&r.stdout).expect("JSON");
    for key in [
        "mapping",
        "app",
        "dialect",
        "seed",
        "cases",
        "converged",
        "findings",
        "notes",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["converged"], false);
    assert_eq!(v["seed"], 0);
    assert_eq!(v["cases"], 256);
    assert_eq!(v["dialect"], "legacy");
    let f = &v["findings"][0];
    assert_eq!(f["problem"], "never-flows");
    assert_eq!(f["object_type"], "user");
    assert_eq!(f["attribute"], "active");
    assert_eq!(f["cause"]["code"], "C12");
    assert_eq!(f["cause"]["name"], "switch-keys-never-match");
    assert_eq!(f["lint"], "EM104");
    assert!(f["why"].as_str().is_some_and(|w| w.contains("never flows")));
    assert!(f["fix"].as_str().is_some_and(|w| w.contains("\"True\"")));
    assert!(f["directory"]["users"].is_array());
    // The deprovisioned users the Switch never deactivates are a note.
    let notes = v["notes"].as_array().expect("notes");
    assert!(
        notes
            .iter()
            .any(|n| n["cause"]["name"] == "never-deactivated"),
        "{notes:?}"
    );
    let r = entramap(&["converge", "mappings/unleash.yaml", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Json = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["converged"], true);
    assert_eq!(v["dialect"], "compliant");
    assert_eq!(v["findings"], json!([]));
}

#[test]
fn cli_bad_input_exits_2_with_a_diagnostic() {
    for args in [
        vec!["converge", "no/such/file.yaml"],
        vec![
            "converge",
            "mappings/scim-default.yaml",
            "--now",
            "yesterday",
        ],
        vec!["converge", "mappings/scim-default.yaml", "--cases", "0"],
        vec!["converge", "mappings/scim-default.yaml", "--format", "xml"],
    ] {
        let r = entramap(&args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(!r.stderr.is_empty(), "{args:?}");
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    let dir = std::env::temp_dir().join(format!("entramap-converge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "app: X\nusers:\n  mappings:\n    - target: title\n      expression: Swtch([a], \"b\")\n",
    )
    .expect("write");
    let r = entramap(&["converge", bad.to_str().expect("utf-8")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("Swtch"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_shrunk_directory_replays_with_simulate_and_shows_the_same_repeated_patch() {
    let r = entramap(&[
        "converge",
        "tests/data/converge/lowercase-emails-exact-case.yaml",
        "--format",
        "json",
    ]);
    let v: Json = serde_json::from_str(&r.stdout).expect("JSON");
    let f = &v["findings"][0];
    let dir = std::env::temp_dir().join(format!("entramap-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("directory.json");
    std::fs::write(&file, f["directory"].to_string()).expect("write");
    let sim = entramap(&[
        "simulate",
        "tests/data/converge/lowercase-emails-exact-case.yaml",
        "--directory",
        file.to_str().expect("utf-8"),
        "--cycles",
        "2",
        "--restart-before",
        "2",
        "--format",
        "jsonl",
        "--now",
        "2025-01-01T00:00:00Z",
    ]);
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let lines: Vec<Json> = sim
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    let repeated: Vec<&Json> = lines
        .iter()
        .filter(|l| l["cycle"] == 2 && l["method"] != "GET")
        .collect();
    assert_eq!(repeated.len(), 1, "{lines:?}");
    assert_eq!(repeated[0]["body"], f["request"]["jsonl"]["body"]);
    let _ = std::fs::remove_dir_all(&dir);
}
