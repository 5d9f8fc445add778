//! The typed errors of `live`, `converge` and `pull`: each failure is a variant a caller can
//! match, its words on the command line are the ones `live` and `pull` always printed, and no
//! error ever shows the token, in `Display` or in `Debug`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use entramap::converge::{self, ConvergeError, ConvergeOptions};
use entramap::dotnet::datetime::DateTime;
use entramap::live::{self, LiveError, LivePlan, Token};
use entramap::load;
use entramap::model::mapping::{Dialect, MappingFile};
use entramap::provision::cycle::SetupError;
use entramap::provision::directory;
use entramap::provision::target::Target;
use entramap::pull::{PullError, Tenant};
use serde_json::json;

#[path = "support/common.rs"]
mod common;
use common::{Run, command};

/// How `az` is named in every `pull` token message.
const GRAPH_HOW: &str = "get one with `az account get-access-token --resource \
    https://graph.microsoft.com --query accessToken -o tsv`, or from Microsoft Graph PowerShell \
    as README.md shows (\"Your tenant in one command\")";

/// `entramap ARGS` with the variable `ENTRAMAP_TEST_TOKEN` set to `token` (raw bytes), or
/// unset.
fn with_token(args: &[&str], token: Option<&[u8]>) -> Run {
    let mut c = command();
    c.args(args).env_remove("ENTRAMAP_TEST_TOKEN");
    if let Some(bytes) = token {
        c.env("ENTRAMAP_TEST_TOKEN", OsStr::from_bytes(bytes));
    }
    c.output().expect("run entramap").into()
}

/// `live` on the default mapping against a URL it never reaches, its token read from
/// `ENTRAMAP_TEST_TOKEN`: every refusal here comes before any request.
const LIVE: &[&str] = &[
    "live",
    "mappings/scim-default.yaml",
    "--url",
    "https://scim.example.com/scim",
    "--token-env",
    "ENTRAMAP_TEST_TOKEN",
];

/// Each token the commands refuse, and the exact line `live` prints for it.
fn live_cases() -> Vec<(Option<&'static [u8]>, String)> {
    let var = "ENTRAMAP_TEST_TOKEN";
    vec![
        (
            None,
            format!(
                "error: environment variable {var} is not set: export the app's SCIM bearer \
                 token in it (the token is never taken from the command line, where shells and \
                 process lists keep it)\n"
            ),
        ),
        (
            Some(b"  \t "),
            format!(
                "error: environment variable {var} is empty: set it to the app's SCIM bearer \
                 token\n"
            ),
        ),
        (
            Some(b"s3cret\xff-token-value"),
            format!("error: environment variable {var} is not valid UTF-8\n"),
        ),
        (
            Some(b"s3cret\x07-token-value"),
            "error: the token must be non-empty printable ASCII\n".to_owned(),
        ),
        (
            Some("s3cr\u{e9}t-token-value".as_bytes()),
            "error: the token must be non-empty printable ASCII\n".to_owned(),
        ),
        (
            Some(b" s3cr3t7 "),
            "error: the token is 7 characters long; tokens shorter than 8 characters are \
             refused, because an echo of one cannot be told apart from ordinary text and \
             scrubbed\n"
                .to_owned(),
        ),
    ]
}

#[test]
fn live_refuses_each_unusable_token_with_its_message_exit_2_and_never_the_token() {
    for (token, message) in live_cases() {
        let run = with_token(LIVE, token);
        assert_eq!(run.code, 2, "{token:?}: {}", run.stderr);
        assert_eq!(run.stderr, message, "{token:?}");
        assert!(run.stdout.is_empty());
        assert!(!run.stderr.contains("s3cr"), "{}", run.stderr);
    }
}

#[test]
fn pull_names_a_graph_token_where_live_names_a_scim_one_and_shares_the_other_messages() {
    let var = "ENTRAMAP_TEST_TOKEN";
    let out = std::env::temp_dir().join(format!("entramap-errors-pull-{}", std::process::id()));
    for (token, live_message) in live_cases() {
        let message = match token {
            None => format!(
                "error: environment variable {var} is not set: export a Microsoft Graph access \
                 token in it (never on the command line, where shells and process lists keep \
                 it); {GRAPH_HOW}\n"
            ),
            Some(t) if t.iter().all(u8::is_ascii_whitespace) => format!(
                "error: environment variable {var} is empty: put a Microsoft Graph access token \
                 in it; {GRAPH_HOW}\n"
            ),
            Some(_) => live_message,
        };
        let run = with_token(
            &[
                "pull",
                "--service-principal",
                "00000000-0000-0000-0000-0000000000aa",
                "--token-env",
                var,
                "--out",
                out.to_str().unwrap(),
            ],
            token,
        );
        assert_eq!(run.code, 2, "{token:?}: {}", run.stderr);
        assert_eq!(run.stderr, message, "{token:?}");
        assert!(!run.stderr.contains("s3cr"), "{}", run.stderr);
    }
    assert!(!out.exists(), "nothing is written on bad input");
}

#[test]
fn token_errors_are_typed_and_hold_no_part_of_the_token() {
    let secret = "s3cret-Token-Value";
    /// Whether an error is the variant a case expects.
    type Is = fn(&LiveError) -> bool;
    let cases: [(&str, Is); 4] = [
        ("s3cret-Token-Value\n", |e| {
            matches!(e, LiveError::TokenNotPrintable)
        }),
        ("s3cret-Token-Value\u{e9}", |e| {
            matches!(e, LiveError::TokenNotPrintable)
        }),
        ("s3cret-", |e| {
            matches!(e, LiveError::TokenTooShort { len: 7, min: 8 })
        }),
        ("", |e| matches!(e, LiveError::TokenNotPrintable)),
    ];
    for (input, is) in cases {
        let e = Token::new(input).expect_err(input);
        assert!(is(&e), "{input:?}: {e:?}");
        for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            assert!(!shown.contains("s3cret"), "{input:?}: {shown}");
        }
    }
    assert!(Token::new(secret).is_ok());
    let token = Token::new(secret).unwrap();
    assert!(!format!("{token:?}").contains("s3cret"));
}

/// A mapping whose `displayName` expression does not compile (`Join` with no argument list).
fn broken_mapping() -> MappingFile {
    let yaml = "app: broken\nusers:\n  mappings:\n    - target: userName\n      source: \
                userPrincipalName\n      match: 1\n    - target: displayName\n      \
                expression: Join(\n";
    load::parse("broken.yaml", yaml)
        .expect("parses: expressions compile later")
        .file
}

fn now() -> DateTime {
    DateTime::parse_rfc3339("2025-07-30T09:15:00Z").unwrap()
}

#[test]
fn a_mapping_that_does_not_compile_is_a_setup_error_worded_as_the_simulator_words_it() {
    let file = broken_mapping();
    let expected = entramap::provision::cycle::Simulator::new(
        &file,
        Dialect::Legacy,
        entramap::expr::Context::new(now(), 0),
    )
    .err()
    .expect("the simulator refuses it");
    assert!(matches!(
        expected,
        SetupError::Row {
            object: "users",
            ..
        }
    ));
    let expected = expected.to_string();
    assert!(expected.starts_with("users: "), "{expected}");

    let options = ConvergeOptions {
        cases: 4,
        seed: 0,
        now: now(),
    };
    let e = converge::converge("broken.yaml", &file, Dialect::Legacy, &options).unwrap_err();
    assert!(
        matches!(e, ConvergeError::Setup(SetupError::Row { .. })),
        "{e:?}"
    );
    assert_eq!(e.to_string(), expected);

    let plan = LivePlan {
        file: &file,
        dialect: Dialect::Legacy,
        url: "http://127.0.0.1".into(),
        prefix: "p-".into(),
        snapshots: vec![directory::sample()],
        cycles: 1,
        cleanup: false,
        now: now(),
        seed: 0,
        stop: live::Stop::default(),
        probe: false,
        adopt_prefixed: false,
    };
    let app = Target::new(&file.users.attributes, &[]);
    let e = live::run(&plan, app, &mut |_| {}).unwrap_err();
    assert!(
        matches!(e, LiveError::Setup(SetupError::Row { .. })),
        "{e:?}"
    );
    assert_eq!(e.to_string(), expected);
}

#[test]
fn a_live_plan_without_a_snapshot_is_refused_before_anything_is_sent() {
    let loaded = load::read(Path::new("mappings/scim-default.yaml")).unwrap();
    let file = &loaded.file;
    let plan = LivePlan {
        file,
        dialect: Dialect::Legacy,
        url: "http://127.0.0.1".into(),
        prefix: "p-".into(),
        snapshots: Vec::new(),
        cycles: 1,
        cleanup: false,
        now: now(),
        seed: 0,
        stop: live::Stop::default(),
        probe: false,
        adopt_prefixed: false,
    };
    let groups = file.groups.as_ref().unwrap().attributes.clone();
    let app = Target::new(&file.users.attributes, &groups);
    let mut sent = 0;
    let e = live::run(&plan, app, &mut |_| sent += 1).unwrap_err();
    assert!(matches!(e, LiveError::NoSnapshot), "{e:?}");
    assert_eq!(e.to_string(), "no directory snapshot to provision");
    assert_eq!(sent, 0);
}

#[test]
fn a_graph_object_the_snapshot_cannot_hold_is_an_answer_error_naming_the_call_that_read_it() {
    let user = json!({"id": "u1", "userPrincipalName": "a@contoso.com"});
    let cases = [
        (
            Tenant {
                users: vec![json!("not an object")],
                ..Tenant::default()
            },
            "GET /v1.0/users: unexpected answer: user 0 is not a JSON object",
        ),
        (
            Tenant {
                users: vec![user.clone(), json!({"displayName": "no id"})],
                ..Tenant::default()
            },
            "GET /v1.0/users: unexpected answer: user 1 has no `id`",
        ),
        (
            Tenant {
                users: vec![user.clone()],
                groups: vec![(json!([1, 2]), Vec::new())],
                ..Tenant::default()
            },
            "GET /v1.0/groups: unexpected answer: group 0 is not a JSON object",
        ),
        (
            Tenant {
                groups: vec![(json!({"displayName": "G"}), Vec::new())],
                ..Tenant::default()
            },
            "GET /v1.0/groups: unexpected answer: group 0 has no `id`",
        ),
    ];
    for (tenant, message) in cases {
        let e = tenant.directory().unwrap_err();
        assert!(matches!(e, PullError::Answer { .. }), "{e:?}");
        assert_eq!(e.to_string(), message);
    }
    let ok = Tenant {
        users: vec![user],
        ..Tenant::default()
    };
    assert_eq!(ok.directory().expect("a user with an id").users.len(), 1);
}

#[test]
fn pull_refuses_an_out_that_cannot_be_a_directory_before_any_request() {
    let scratch = std::env::temp_dir().join(format!("entramap-errors-out-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let file = scratch.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let orphan = scratch.join("missing").join("out");
    let cases = [
        (
            file.clone(),
            format!(
                "error: --out {}: exists and is not a directory\n",
                file.display()
            ),
        ),
        (
            orphan.clone(),
            format!(
                "error: --out {}: its parent {} is not a directory\n",
                orphan.display(),
                scratch.join("missing").display()
            ),
        ),
    ];
    for (out, message) in cases {
        let run = with_token(
            &[
                "pull",
                "--service-principal",
                "00000000-0000-0000-0000-0000000000aa",
                "--token-env",
                "ENTRAMAP_TEST_TOKEN",
                // Nothing listens here: a request would be a network error, not exit 2.
                "--graph-url",
                "http://127.0.0.1:9",
                "--out",
                out.to_str().unwrap(),
            ],
            Some(b"a-graph-token-value"),
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(run.stderr, message);
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn adopt_prefixed_with_an_empty_prefix_is_refused_in_one_readable_sentence_before_any_request() {
    let run = with_token(
        &[LIVE, &["--prefix", "", "--adopt-prefixed"]].concat(),
        Some(b"a-long-enough-test-token"),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: --adopt-prefixed with an empty --prefix would let the run write to every \
         account the app holds: give a --prefix\n"
    );
    assert!(run.stdout.is_empty());
}
