//! `--format html`: the page each command writes (the real binary), what it holds, and that
//! nothing from a directory, a mapping or an app can become markup in it. The same pages are
//! opened in Chromium by tests/browser/ (run by `.ci/run`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use entramap::report::{self, Card, Header, ObjectView, Page, PageSection};
use serde_json::Value as Json;

const NOW: &str = "2025-01-01T00:00:00Z";
const HOSTILE: &str = "<img src=x onerror=alert(1)>";
const BEFORE: &str = "tests/data/report/before.yaml";
const AFTER: &str = "tests/data/report/after.yaml";

fn entramap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(args)
        .output()
        .expect("run entramap")
}

/// A fresh path for a page in the test's own directory.
fn out(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-tests");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Run `args` with `--format html --out FILE` and return the exit code and the page.
fn page(name: &str, args: &[&str]) -> (i32, String) {
    let path = out(name);
    let mut all: Vec<&str> = args.to_vec();
    let p = path.to_str().expect("utf-8 path");
    all.extend(["--format", "html", "--out", p]);
    let run = entramap(&all);
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "no page at {p} ({e}); stderr: {}",
            String::from_utf8_lossy(&run.stderr)
        )
    });
    (run.status.code().unwrap_or(-1), html)
}

/// The text of each element that starts with `open`, up to its `</script>`.
fn blocks<'a>(html: &'a str, open: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let start = i + open.len();
        let end = start + rest[start..].find("</script>").expect("its end");
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for b in text.bytes().filter(|b| *b != b'=') {
        let v = ALPHABET.iter().position(|a| *a == b).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The page's objects: each row of the JSON block as an object, with its details (entries,
/// requests) inflated from its chunk, as the page's script reads them.
fn objects(html: &str) -> Vec<Json> {
    let rows_block = blocks(
        html,
        r#"<script type="application/json" id="entramap-rows" data-chunk="500">"#,
    );
    let rows: Json = serde_json::from_str(rows_block[0]).expect("the rows are JSON");
    let attributes = rows["attributes"].as_array().expect("attributes").clone();
    let histories = rows["histories"].clone();
    let mut details = Vec::new();
    for chunk in blocks(
        html,
        r#"<script type="application/octet-stream" class="entramap-details">"#,
    ) {
        let json =
            miniz_oxide::inflate::decompress_to_vec_zlib(&base64_decode(chunk)).expect("zlib");
        let list: Vec<Json> = serde_json::from_slice(&json).expect("details are JSON");
        details.extend(list);
    }
    let rows = rows["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), details.len(), "one details entry per row");
    rows.iter()
        .zip(details)
        .map(|(r, d)| {
            let attrs: Vec<Json> = r[8]
                .as_array()
                .expect("indexes")
                .iter()
                .map(|i| attributes[i.as_u64().expect("index") as usize].clone())
                .collect();
            serde_json::json!({
                "id": r[0], "kind": r[1], "name": r[2], "display_name": r[3],
                "action": r[4], "status": r[5], "reason": r[6], "error_code": r[7],
                "attributes": attrs, "cycle": r[9], "entries": d["entries"],
                "history": histories[r[10].as_u64().expect("index") as usize],
                "requests": d["requests"],
                "tables": d["tables"],
            })
        })
        .collect()
}

/// HTML text with minijinja's escapes of `/`, `'`, `"`, `&`, `<` and `>` read back.
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `simulate` of the fixture's two snapshots, before the format arguments.
const SIMULATE: [&str; 8] = [
    "simulate",
    "mappings/scim-default.yaml",
    "--directory",
    BEFORE,
    "--directory",
    AFTER,
    "--now",
    NOW,
];

/// The fixture's two snapshots simulated into `name`.
fn simulate(name: &str) -> (i32, String) {
    page(name, &SIMULATE)
}

#[test]
fn simulate_html_never_lets_a_display_name_become_markup() {
    let (code, html) = simulate("markup.html");
    // Twin Two fails (DuplicateSourceEntries): simulate exits 1 in every format, the page
    // written all the same.
    assert_eq!(code, 1);
    // The fixture's names hold `<img ...>`, `</script><script>`, `<b onmouseover=...>` and
    // `<!--`: none may reach the document as markup.
    for markup in ["<img", "<b onmouseover", "<!--", "\u{2028}"] {
        assert!(
            !html.contains(markup),
            "{markup:?} is in the page as markup"
        );
    }
    // The page's own blocks: the rows, one chunk of details (7 objects), the script.
    assert_eq!(html.matches("<script").count(), 3);
    assert_eq!(
        html.matches("</script>").count(),
        3,
        "only the page's own script blocks end"
    );
    // ... and the value read back from the page is the very same text.
    let objects = objects(&html);
    let mallory = objects
        .iter()
        .find(|o| o["id"] == "11111111-0000-4000-8000-000000000002")
        .expect("mallory's row");
    assert_eq!(mallory["display_name"], HOSTILE);
    let post = mallory["requests"][1]["http"].as_str().expect("the POST");
    assert!(post.contains(r#""givenName":"</script><script>alert(2)</script>""#));
}

#[test]
fn every_object_of_the_directory_has_a_row_with_its_last_cycles_verdict() {
    let (_, html) = simulate("rows.html");
    let objects = objects(&html);
    // objectId suffix, kind, then the verdict of the last cycle that logged the object:
    // cycle, action, status, error code. Cycle 2 is incremental: it logs only what changed.
    type Expected<'a> = (&'a str, &'a str, u64, &'a str, &'a str, Option<&'a str>);
    let expected: &[Expected] = &[
        // Promoted in the second snapshot: its title is updated.
        ("0001", "user", 2, "update", "success", None),
        ("0002", "user", 1, "create", "success", None),
        // No value for the matching attribute: the log's skip reason is the row's code.
        (
            "0003",
            "user",
            1,
            "create",
            "skipped",
            Some("ImportSkipped"),
        ),
        ("0004", "user", 1, "create", "success", None),
        // The log names a failed create a create; an incremental cycle retries it.
        (
            "0005",
            "user",
            2,
            "create",
            "failure",
            Some("DuplicateSourceEntries"),
        ),
        // Not assigned: a full cycle logs every object, skipped ones too.
        (
            "0006",
            "user",
            1,
            "create",
            "skipped",
            Some("NotEffectivelyEntitled"),
        ),
        // Created, then given its members: one create.
        ("0001", "group", 1, "create", "success", None),
    ];
    assert_eq!(objects.len(), expected.len());
    for (o, (id, kind, cycle, action, status, code)) in objects.iter().zip(expected) {
        let name = o["name"].as_str().unwrap_or_default();
        assert!(o["id"].as_str().unwrap_or_default().ends_with(id), "{o}");
        assert_eq!(o["kind"], *kind, "{name}");
        assert_eq!(o["cycle"], *cycle, "{name}");
        assert_eq!(o["action"], *action, "{name}");
        assert_eq!(o["status"], *status, "{name}");
        assert_eq!(o["error_code"].as_str(), *code, "{name}");
    }
}

#[test]
fn an_object_row_carries_provisioning_log_entries_in_graph_shape_per_cycle() {
    let (_, html) = simulate("entries.html");
    let objects = objects(&html);
    let ada = &objects[0];
    let entries = ada["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "one entry per cycle it was evaluated in");
    let first = &entries[0];
    assert_eq!(first["cycleId"], "00000001-0000-4000-8000-000000000000");
    assert_eq!(first["activityDateTime"], NOW);
    assert_eq!(first["provisioningAction"], "create");
    assert_eq!(first["provisioningStatusInfo"]["status"], "success");
    let types: Vec<&str> = first["provisioningSteps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["provisioningStepType"].as_str())
        .collect();
    assert_eq!(
        types,
        ["import", "scoping", "matching", "processing", "export"]
    );
    // The log's own steps: the assignment path in the scoping step, the match query.
    let scoping = &first["provisioningSteps"][1];
    assert_eq!(
        scoping["description"],
        "User 'ada.lovelace@contoso.com' is in scope: active, assigned directly"
    );
    assert_eq!(scoping["details"]["Assigned to the application"], "True");
    assert!(
        first["provisioningSteps"][2]["details"]["Query 1"]
            .as_str()
            .is_some_and(|q| q.contains("ada.lovelace@contoso.com")),
        "{}",
        first["provisioningSteps"][2]
    );
    assert_eq!(first["sourceIdentity"]["identityType"], "User");
    assert!(
        first["modifiedProperties"]
            .as_array()
            .expect("properties")
            .iter()
            .any(|p| p["displayName"] == "title" && p["newValue"] == "Analyst")
    );
    // Cycle 2 runs 40 minutes later and only updates the promoted title.
    let second = &entries[1];
    assert_eq!(second["activityDateTime"], "2025-01-01T00:40:00Z");
    assert_eq!(second["provisioningAction"], "update");
    // ... with the value the app held before (read by id), as the log gives it.
    assert_eq!(
        second["modifiedProperties"],
        serde_json::json!([
            {"displayName": "title", "oldValue": "Analyst", "newValue": "Principal Analyst"}
        ])
    );
    assert_eq!(ada["attributes"].as_array().map(Vec::len), Some(9));
}

#[test]
fn the_header_names_the_run_and_the_command_that_reproduces_it() {
    let (_, html) = simulate("header.html");
    let html = unescape(&html);
    for fact in [
        "Custom SCIM app (non-gallery)",
        "<dd>legacy</dd>",
        "https://scim.example.com/scim",
        "tests/data/report/before.yaml</code> → <code>tests/data/report/after.yaml",
        concat!("<dd>", env!("CARGO_PKG_VERSION"), "</dd>"),
        "entramap simulate mappings/scim-default.yaml --directory tests/data/report/before.yaml",
    ] {
        assert!(html.contains(fact), "{fact:?} missing from the header");
    }
}

#[test]
fn the_reproducing_command_adds_the_clock_the_run_took_by_default() {
    let (_, html) = page(
        "simulate-clock.html",
        &["simulate", "mappings/scim-default.yaml"],
    );
    let html = unescape(&html);
    let start = html.find(r#"id="reproduce">"#).expect("the command") + 15;
    let line = &html[start..start + html[start..].find("</pre>").expect("end")];
    assert!(line.starts_with("entramap simulate mappings/scim-default.yaml --format html --out "));
    let now = line.split("--now ").nth(1).expect("--now added");
    assert!(
        entramap::dotnet::datetime::DateTime::parse_rfc3339(now.trim()).is_some(),
        "{now}"
    );
}

#[test]
fn simulate_html_is_the_same_bytes_for_the_same_run() {
    let (_, a) = simulate("same.html");
    let (_, b) = simulate("same-again.html");
    // Only the --out path in the reproducing command differs.
    assert!(
        a.replace("same.html", "X") == b.replace("same-again.html", "X"),
        "two runs of the same command differ"
    );
}

#[test]
fn the_page_makes_no_request_and_forbids_itself_any() {
    let (_, html) = simulate("csp.html");
    assert!(
        html.contains(r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none';"#)
    );
    for remote in [
        "src=\"http",
        "href=\"http",
        "url(",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!html.contains(remote), "{remote:?} in the page");
    }
    assert!(html.contains("<svg"), "the charts are inline SVG");
}

#[test]
fn check_html_shows_each_finding_with_its_code_line_and_fix_and_exits_as_check_does() {
    let mapping = "tests/data/check/em101-iif-nullable-condition.yaml";
    let human = entramap(&["check", mapping]);
    let (code, html) = page("check.html", &["check", mapping]);
    assert_eq!(Some(code), human.status.code());
    assert!(html.contains("EM101"), "the code");
    assert!(
        html.contains(r#"<pre class="line"><span class="lineno">"#),
        "the line"
    );
    assert!(html.contains("<b>fix</b>"));
    assert!(!html.contains(r#"id="objects""#), "check runs no cycle");
}

#[test]
fn impact_html_shows_the_mapping_change_then_who_is_disabled_and_exits_1() {
    let (code, html) = page(
        "impact.html",
        &[
            "impact",
            "mappings/scim-default.yaml",
            "tests/data/report/narrower.yaml",
            "--directory",
            BEFORE,
            "--now",
            NOW,
        ],
    );
    assert_eq!(code, 1, "the change writes");
    let change = html
        .find("What changes in the mapping")
        .expect("the change");
    let who = html.find("Disabled").expect("who is disabled");
    assert!(change < who);
    assert!(unescape(&html).contains("scoping filters changed"));
    let disabled: Vec<String> = objects(&html)
        .iter()
        .filter(|o| o["action"] == "disable")
        .map(|o| o["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(disabled, ["mallory@contoso.com", "twin@contoso.com"]);
    // Each disable says why in the log's scoping step: the clause, its value, its verdict.
    let mallory = objects(&html)
        .into_iter()
        .find(|o| o["name"] == "mallory@contoso.com")
        .expect("mallory's row");
    let entry = &mallory["entries"][0];
    assert_eq!(entry["provisioningAction"], "disable");
    assert_eq!(
        entry["provisioningSteps"][1]["details"]["Not the intruder jobTitle NOT EQUALS Intruder"],
        "False (jobTitle is 'Intruder')"
    );
    assert_eq!(
        entry["modifiedProperties"],
        serde_json::json!([{"displayName": "active", "oldValue": "True", "newValue": "False"}])
    );
}

#[test]
fn impact_html_says_what_each_row_change_writes_or_why_it_writes_nothing() {
    // (NEW mapping over the default one, what its row change's card says.)
    let cases: &[(&str, &str)] = &[
        // ToUpper([jobTitle]): title is not caseExact, so Entra sees no change.
        (
            "tests/data/report/narrower.yaml",
            "no object's value changes: the new values differ from the old only in case \
             (2 objects), and title is not caseExact: Entra compares its values without case, \
             so it sends nothing",
        ),
        // Append([jobTitle], " (Contoso)"): a new value for every user with a jobTitle.
        (
            "tests/data/report/retitled.yaml",
            "title is written for 3 objects",
        ),
    ];
    let ran = support::common::run_cases(
        cases,
        |c| c.0,
        |(new, says)| {
            let (_, html) = page(
                "impact-effect.html",
                &[
                    "impact",
                    "mappings/scim-default.yaml",
                    new,
                    "--directory",
                    BEFORE,
                    "--now",
                    NOW,
                ],
            );
            let html = unescape(&html);
            let card = &html[html.find("row changed: title").expect("the card")..];
            let card = &card[..card.find("</article>").expect("its end")];
            assert!(card.contains(says), "{card}");
        },
    );
    assert_eq!(ran, 2);
}

/// `--format log`'s lines grouped by object, in the order they were written.
fn log_by_object(lines: &str) -> std::collections::BTreeMap<String, Vec<Json>> {
    let mut by_object = std::collections::BTreeMap::<String, Vec<Json>>::new();
    for line in lines.lines() {
        let entry: Json = serde_json::from_str(line).expect("a log line is JSON");
        let id = entry["sourceIdentity"]["id"]
            .as_str()
            .expect("sourceIdentity.id")
            .to_owned();
        by_object.entry(id).or_default().push(entry);
    }
    by_object
}

/// The page's entries grouped by object (objects without an entry left out).
fn page_by_object(html: &str) -> std::collections::BTreeMap<String, Vec<Json>> {
    objects(html)
        .into_iter()
        .filter(|o| o["entries"].as_array().is_some_and(|e| !e.is_empty()))
        .map(|o| {
            let id = o["id"].as_str().expect("id").to_owned();
            (id, o["entries"].as_array().expect("entries").clone())
        })
        .collect()
}

#[test]
fn the_pages_entries_are_the_provisioning_log_of_the_same_run() {
    let (_, html) = simulate("same-as-log.html");
    let log = entramap(&[&SIMULATE[..], &["--format", "log"]].concat());
    let log = log_by_object(&String::from_utf8(log.stdout).expect("UTF-8"));
    assert!(log.len() >= 7, "every object of the full cycle is logged");
    assert_eq!(page_by_object(&html), log);
}

#[test]
fn converge_html_shows_each_finding_with_its_cause_directory_and_repeated_request() {
    let (code, html) = page(
        "converge.html",
        &[
            "converge",
            "tests/data/converge/vendor-drops-title.yaml",
            "--cases",
            "32",
        ],
    );
    assert_eq!(code, 1);
    let html = unescape(&html);
    for part in [
        "user `title`",
        ">C1<",
        "smallest directory",
        "PATCH {{baseUrl}}/Users/",
    ] {
        assert!(html.contains(part), "{part:?} missing");
    }
}

#[test]
fn out_with_a_format_that_streams_is_refused_with_exit_2() {
    let path = out("refused.txt");
    let run = entramap(&[
        "simulate",
        "mappings/scim-default.yaml",
        "--out",
        path.to_str().expect("utf-8"),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--out"));
    assert!(!path.exists());
}

#[test]
fn without_javascript_the_page_says_the_objects_table_needs_it() {
    let (_, html) = simulate("noscript.html");
    let start = html.find("<noscript>").expect("a noscript element");
    let end = start + html[start..].find("</noscript>").expect("its end");
    let note = unescape(&html[start..end]);
    assert!(
        note.contains("The table of 7 objects needs JavaScript"),
        "{note}"
    );
    // It stands where the table would be, after the filters.
    assert!(start > html.find("id=\"filters\"").expect("the filters"));
}

#[test]
fn an_out_file_that_cannot_be_written_exits_2_naming_its_path() {
    // Exit 1 means "an object failed, the page is written": a page that is not written must
    // not look like that to a script.
    let missing = out("no-such-dir").join("page.html");
    let path = missing.to_str().expect("utf-8");
    let cases: &[(&str, &[&str])] = &[
        (
            "simulate, whose fixture also has a failed object",
            &SIMULATE,
        ),
        (
            "impact",
            &[
                "impact",
                "mappings/scim-default.yaml",
                "tests/data/report/narrower.yaml",
            ],
        ),
        (
            "check",
            &["check", "tests/data/converge/switch-lowercase-keys.yaml"],
        ),
    ];
    let ran = support::common::run_cases(
        cases,
        |c| c.0,
        |(_, args)| {
            let mut all = args.to_vec();
            all.extend(["--format", "html", "--out", path]);
            let run = entramap(&all);
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{err}");
            assert!(err.contains(&format!("cannot write {path}")), "{err}");
            assert!(!missing.exists());
        },
    );
    assert_eq!(ran, 3);
}

/// A page made from the library's model directly, with hostile text in every kind of field
/// the template prints.
fn hostile_page(entries: Vec<Json>) -> Page {
    let loaded = entramap::load::read(Path::new("mappings/scim-default.yaml")).expect("mapping");
    let mut header = Header::new(
        HOSTILE,
        &loaded.file,
        entramap::model::mapping::Dialect::Legacy,
    );
    header.app = HOSTILE.into();
    header.snapshots = vec![HOSTILE.into()];
    header.reproduce = report::shell_line(&["entramap", HOSTILE]);
    let mut object = ObjectView {
        entries: entries
            .iter()
            .map(|e| serde_json::value::to_raw_value(e).expect("raw"))
            .collect(),
        ..ObjectView::new("11111111-0000-4000-8000-000000000001", "user", HOSTILE)
    };
    report::summarise(&mut object);
    Page {
        command: "simulate".into(),
        header,
        findings: Vec::new(),
        cycles: Vec::new(),
        sections: vec![PageSection {
            title: HOSTILE.into(),
            intro: vec![HOSTILE.into()],
            cards: vec![Card {
                title: HOSTILE.into(),
                tag: Some(HOSTILE.into()),
                lines: vec![(HOSTILE.into(), HOSTILE.into())],
                code: vec![(HOSTILE.into(), HOSTILE.into())],
            }],
        }],
        objects: vec![object],
        mapping_rows: Default::default(),
    }
}

#[test]
fn every_template_value_is_html_escaped() {
    let html = report::html::render(&hostile_page(Vec::new())).expect("renders");
    assert!(!html.contains("<img"));
    assert!(html.matches("&lt;img src=x onerror=alert(1)&gt;").count() >= 8);
}

#[test]
fn provisioning_log_entries_in_graph_shape_give_the_row_its_action_status_and_error() {
    // Hand-written provisioningObjectSummary entries (provisioningobjectsummary.md): what the
    // page reads is that shape, whoever wrote it.
    let text = std::fs::read_to_string("tests/data/report/log-entries.json").expect("fixture");
    let entries: Vec<Json> = serde_json::from_str(&text).expect("JSON");
    let page = hostile_page(entries);
    let row = &page.objects[0];
    // The second cycle's entry, whole: its action, status, code and reason.
    assert_eq!(row.action, "update");
    assert_eq!(row.status, "failure");
    assert_eq!(
        row.error_code.as_deref(),
        Some("SchemaPropertyCanOnlyAcceptValue")
    );
    assert_eq!(
        row.reason,
        "The property 'title' cannot accept several values"
    );
    let html = report::html::render(&page).expect("renders");
    let embedded = objects(&html);
    assert_eq!(
        embedded[0]["entries"][0]["modifiedProperties"][1]["newValue"],
        HOSTILE
    );
    assert_eq!(
        embedded[0]["entries"][1]["provisioningStatusInfo"]["errorInformation"]["recommendedAction"],
        "Map a single value"
    );
}

/// Objects whose entries are `entries` (any provisioningObjectSummary), summarised.
fn row_of(entries: &[Json]) -> ObjectView {
    let mut row = ObjectView {
        entries: entries
            .iter()
            .map(|e| serde_json::value::to_raw_value(e).expect("raw"))
            .collect(),
        ..ObjectView::new("11111111-0000-4000-8000-000000000001", "user", "ada")
    };
    report::summarise(&mut row);
    row
}

#[test]
fn a_row_shows_one_entry_of_the_last_cycle_that_logged_the_object() {
    // Each case: an object's entries over the run, and the row they give. Action, status,
    // error code and reason must all come from one entry of the last cycle; attributes are
    // the ones written (by entries that succeeded) over the run.
    let text = std::fs::read_to_string("tests/data/report/verdicts.json").expect("fixture");
    let cases: Vec<Json> = serde_json::from_str(&text).expect("JSON");
    let ran = support::common::run_cases(
        &cases,
        |c| c["name"].as_str().expect("name"),
        |c| {
            let row = row_of(c["entries"].as_array().expect("entries"));
            // Per cycle, every action the entries took with its status: what the cycle's
            // chart counts the object under, whatever the row shows.
            let actions: Vec<Vec<String>> = report::verdicts(&row.entries)
                .iter()
                .map(|v| {
                    v.actions
                        .iter()
                        .map(|a| format!("{} {}", a.action, a.status))
                        .collect()
                })
                .collect();
            let got = serde_json::json!({
                "action": row.action, "status": row.status, "error_code": row.error_code,
                "reason": row.reason, "attributes": row.attributes, "actions": actions,
            });
            assert_eq!(got, c["expect"]);
        },
    );
    assert_eq!(ran, 7);
}

/// Each cycle's chart as the page draws it: per action, objects, failed and skipped objects
/// (from the bars' titles), and per attribute written, objects.
type Chart = (
    std::collections::BTreeMap<String, (u64, u64, u64)>,
    std::collections::BTreeMap<String, u64>,
);

fn charts(html: &str) -> Vec<Chart> {
    let html = unescape(html);
    html.split("<figure class=\"cycle\">")
        .skip(1)
        .map(|fig| {
            let fig = &fig[..fig.find("</figure>").expect("its end")];
            let mut actions = std::collections::BTreeMap::new();
            for bar in fig.split("class=\"bar-").skip(1) {
                let Some(title) = bar.find("<title>") else {
                    continue;
                };
                let title = &bar[title + 7..bar.find("</title>").expect("title end")];
                // `create: 12 objects`, `update: 8 objects, 8 failed` or
                // `create: 15 objects, 1 failed, 3 skipped`
                let Some((action, rest)) = title.split_once(": ") else {
                    continue;
                };
                let Some((n, parts)) = rest.split_once(" object") else {
                    continue; // the failed or skipped part's own title
                };
                let part = |word: &str| {
                    parts
                        .split(", ")
                        .find_map(|p| p.strip_suffix(word))
                        .map_or(0, |n| n.parse().expect("n"))
                };
                actions.insert(
                    action.to_owned(),
                    (n.parse().expect("n"), part(" failed"), part(" skipped")),
                );
            }
            let mut attributes = std::collections::BTreeMap::new();
            for row in fig.split("<tr><td><code>").skip(1) {
                let (name, rest) = row.split_once("</code></td><td>").expect("a row");
                let n = &rest[..rest.find("</td>").expect("cell end")];
                attributes.insert(name.to_owned(), n.parse().expect("n"));
            }
            (actions, attributes)
        })
        .collect()
}

#[test]
fn a_cycles_chart_counts_objects_under_every_action_they_took_with_its_status() {
    let (_, html) = page(
        "chart.html",
        &["simulate", "mappings/scim-default.yaml", "--now", NOW],
    );
    let charts = charts(&html);
    assert_eq!(charts.len(), 1);
    let (actions, attributes) = &charts[0];
    let objects = objects(&html);
    // The built-in directory: 12 users and groups created, 3 out of scope (skipped creates,
    // as Entra logs them: the action stays, the status says skipped), and the 8 users whose
    // manager is set by an update after their create count under both.
    assert_eq!(actions["create"], (15, 0, 3));
    assert!(
        !actions.contains_key("skip"),
        "skipped is a status, not an action"
    );
    assert_eq!(
        *actions,
        chart_from_entries(&objects, "00000001-0000-4000-8000-000000000000"),
        "the chart counts what the entries say"
    );
    assert_eq!(
        *actions,
        chart_from_rows(&objects, 1),
        "the rows' filters count what the chart counts"
    );
    assert!(actions["update"].0 >= 8, "{actions:?}");
    // Creates write their attributes: every created object has a displayName.
    assert_eq!(attributes["displayName"], 12);
    assert_eq!(
        attributes["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"],
        8
    );
    assert!(
        html.contains("objects per provisioning action; an object can appear under several"),
        "the unit"
    );
    assert!(html.contains("requests: 22 writes, 12 reads, 0 answered with an error"));
}

/// Per action, (objects, failed, skipped): a chart draws every provisioningAction, even at 0.
type Bars = std::collections::BTreeMap<String, (u64, u64, u64)>;

/// A chart with every action at 0 (written out here, apart from the page's own list, so a
/// missing action shows as a difference).
fn empty_chart() -> Bars {
    [
        "create",
        "update",
        "disable",
        "delete",
        "stagedDelete",
        "other",
    ]
    .iter()
    .map(|a| ((*a).to_owned(), (0, 0, 0)))
    .collect()
}

/// A cycle's chart from the rows' history (what the table's cycle, action and status filters
/// match): per action, the rows with it in cycle `cycle`, failed, skipped.
fn chart_from_rows(objects: &[Json], cycle: u64) -> Bars {
    let mut chart = empty_chart();
    for o in objects {
        for h in o["history"].as_array().expect("history") {
            if h[0].as_u64() != Some(cycle) {
                continue;
            }
            for pair in h[1].as_array().expect("pairs") {
                let c = chart
                    .get_mut(pair[0].as_str().expect("action"))
                    .expect("a chart action");
                c.0 += 1;
                match pair[1].as_str().expect("status") {
                    "failure" => c.1 += 1,
                    "skipped" => c.2 += 1,
                    _ => {}
                }
            }
        }
    }
    chart
}

/// A cycle's chart from the page's entries of that cycle: per provisioningAction, the objects
/// with an entry of it, of them those with a failed one, and those whose entries of it were
/// all skipped (every action of the chart present, as the page draws them all).
fn chart_from_entries(objects: &[Json], cycle_id: &str) -> Bars {
    let mut chart = empty_chart();
    for o in objects {
        let mut statuses: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for e in o["entries"].as_array().into_iter().flatten() {
            if e["cycleId"] == cycle_id {
                statuses
                    .entry(e["provisioningAction"].as_str().expect("action"))
                    .or_default()
                    .push(
                        e["provisioningStatusInfo"]["status"]
                            .as_str()
                            .expect("status"),
                    );
            }
        }
        for (action, s) in statuses {
            let c = chart.get_mut(action).expect("a chart action");
            c.0 += 1;
            if s.contains(&"failure") {
                c.1 += 1;
            } else if s.iter().all(|s| *s == "skipped") {
                c.2 += 1;
            }
        }
    }
    chart
}

#[test]
fn live_html_shows_test_connection_the_findings_by_cause_and_the_runs_objects() {
    use support::mini::{MiniScim, Quirks};
    // An app without a manager attribute: Entra's manager PATCH is rejected.
    let server = MiniScim::start(
        Quirks {
            no_manager: true,
            ..Quirks::default()
        },
        &[],
    );
    let path = out("live.html");
    let log_path = out("live.log.jsonl");
    let run = Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args([
            "live",
            "mappings/scim-default.yaml",
            "--url",
            &server.stub.url,
        ])
        .args(["--prefix", "p-", "--seed", "7", "--now", NOW, "--cleanup"])
        .args(["--format", "html", "--out", path.to_str().expect("utf-8")])
        .args(["--log", log_path.to_str().expect("utf-8")])
        .env("ENTRAMAP_TOKEN", "stub-token-0123")
        .output()
        .expect("run entramap");
    assert_eq!(run.status.code(), Some(1), "the app disagrees");
    assert!(run.stdout.is_empty(), "the page goes to --out only");
    let html_raw = std::fs::read_to_string(&path).expect("the page");
    let html = unescape(&html_raw);
    assert!(html.contains("Test Connection passed"));
    assert!(
        html.contains("manager-string"),
        "the cause of the rejection"
    );
    assert!(html.contains("--seed 7"), "the reproducing command");
    let objects = objects(&html);
    assert!(!objects.is_empty());
    // Test Connection's request has a row of its own, `test-connection`.
    assert!(
        objects
            .iter()
            .filter(|o| o["id"] != "test-connection")
            .all(|o| o["name"].as_str().unwrap_or_default().starts_with("p-")
                || o["id"].as_str().unwrap_or_default().starts_with("p-")),
        "the snapshot's objects, prefixed as the app saw them"
    );
    // The app rejects every manager PATCH: those users' rows fail, the chart counts exactly
    // them as failed, and no manager counts as written.
    let failed_rows = objects.iter().filter(|o| o["status"] == "failure").count();
    assert!(failed_rows > 0);
    for o in objects.iter().filter(|o| o["status"] == "failure") {
        assert_eq!(o["action"], "update", "{o}");
        assert_eq!(o["error_code"], "HttpError", "{o}");
    }
    let charts = charts(&html_raw);
    // Each cycle's chart counts as failed the objects with a failed entry in that cycle...
    for (i, (actions, _)) in charts.iter().enumerate() {
        let cycle_id = format!("0000000{}-0000-4000-8000-000000000000", i + 1);
        let failed = objects
            .iter()
            .filter(|o| {
                o["entries"].as_array().is_some_and(|es| {
                    es.iter().any(|e| {
                        e["cycleId"] == cycle_id.as_str()
                            && e["provisioningStatusInfo"]["status"] == "failure"
                    })
                })
            })
            .count();
        let charted: u64 = actions.values().map(|(_, f, _)| f).sum();
        assert_eq!(charted as usize, failed, "cycle {}", i + 1);
    }
    // ... and the rows show the last cycle's verdicts: the last chart's failures.
    let last: u64 = charts[charts.len() - 1].0.values().map(|(_, f, _)| f).sum();
    assert_eq!(last as usize, failed_rows);
    assert!(
        charts
            .iter()
            .all(|(_, attrs)| !attrs.keys().any(|k| k.ends_with(":manager"))),
        "no manager was written: {charts:?}"
    );
    // Cycle 1 created every user, then failed their manager updates: the chart counts the
    // creates as succeeded and the updates as failed, as the entries say.
    for (i, (chart, _)) in charts.iter().enumerate() {
        let cycle_id = format!("0000000{}-0000-4000-8000-000000000000", i + 1);
        assert_eq!(
            *chart,
            chart_from_entries(&objects, &cycle_id),
            "cycle {}",
            i + 1
        );
        assert_eq!(
            *chart,
            chart_from_rows(&objects, i as u64 + 1),
            "cycle {}",
            i + 1
        );
    }
    assert!(charts[0].0["create"].0 > 0);
    assert_eq!(charts[0].0["create"].1, 0, "no create failed");
    assert!(charts[0].0["update"].1 > 0, "the manager updates failed");
    let rejected = objects.iter().any(|o| {
        o["requests"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["status"].as_u64() == Some(400) && r.get("response").is_some())
        })
    });
    assert!(rejected, "a rejected request keeps the app's answer");
    // The page's entries are `--log`'s, fed from the app's answers by the same cycles.
    let log = std::fs::read_to_string(&log_path).expect("the log");
    let log = log_by_object(&log);
    assert!(!log.is_empty());
    assert_eq!(page_by_object(&html_raw), log);
}

#[test]
fn the_check_page_of_a_mapping_with_findings_is_the_golden_page() {
    // On standard output (no --out), so the reproducing command names no machine's path.
    let run = entramap(&[
        "check",
        "tests/data/converge/switch-lowercase-keys.yaml",
        "--format",
        "html",
    ]);
    assert_eq!(run.status.code(), Some(0), "warnings only");
    support::golden::assert_golden(
        "tests/golden/report/check-switch-lowercase-keys.html",
        &String::from_utf8(run.stdout).expect("UTF-8"),
    );
}

#[test]
fn values_from_redact_are_masked_on_the_page_as_in_the_transcript() {
    let (code, html) = page(
        "redact.html",
        &[
            "simulate",
            "tests/data/simulate/redact.yaml",
            "--directory",
            "tests/data/simulate/cycle1.yaml",
            "--now",
            NOW,
        ],
    );
    assert_eq!(code, 0);
    let objects = objects(&html);
    let all = serde_json::to_string(&objects).expect("JSON");
    assert!(!all.contains("-Initial1!"), "a secret leaked into the page");
    assert!(
        all.contains(r#"\"password\":\"[Redact]\""#),
        "the POST keeps the masked key"
    );
}

/// The page's mapping rows (`[target, mapping, apply, default]` per row, by kind) and each
/// object's attribute tables, by objectId: `[(cycle, [[source, result, flows, sent, entra]])]`.
type Tables = std::collections::BTreeMap<String, Vec<(u32, Vec<Json>)>>;

fn page_tables(html: &str) -> (Json, Tables) {
    let rows_block = blocks(
        html,
        r#"<script type="application/json" id="entramap-rows" data-chunk="500">"#,
    );
    let rows: Json = serde_json::from_str(rows_block[0]).expect("the rows are JSON");
    let tables = objects(html)
        .into_iter()
        .map(|o| {
            let tables = o["tables"]
                .as_array()
                .expect("tables")
                .iter()
                .map(|t| {
                    let cycle = t[0].as_u64().expect("a table's cycle") as u32;
                    (cycle, t[1].as_array().expect("a table's rows").clone())
                })
                .collect();
            (o["id"].as_str().expect("id").to_owned(), tables)
        })
        .collect();
    (rows["mapping"].clone(), tables)
}

/// For each case (a mapping and its snapshots), every object of every cycle: the page shows an
/// attribute table exactly when `explain --cycle N` has an evaluation (an entry with an import
/// step), and that table is explain's, row for row and field for field.
#[test]
fn every_objects_attribute_table_on_the_page_is_explains_for_that_cycle() {
    use entramap::dotnet::datetime::DateTime;
    use entramap::provision::explain::{ExplainQuery, explain};
    use entramap::provision::log::StepType;
    use entramap::provision::output::Schedule;
    let cases: &[(&str, &[&str])] = &[
        ("mappings/scim-default.yaml", &[BEFORE, AFTER]),
        (
            "mappings/samples/acme.yaml",
            &[
                "mappings/samples/directory.yaml",
                "tests/data/live/changed.yaml",
            ],
        ),
        (
            "tests/data/engine/refusals/expression-fails-mapping.yaml",
            &["tests/data/engine/refusals/expression-fails.yaml"],
        ),
        (
            "tests/data/simulate/redact.yaml",
            &["tests/data/simulate/cycle1.yaml"],
        ),
    ];
    let mut total = 0;
    for (n, (mapping, directories)) in cases.iter().enumerate() {
        let mut args = vec!["simulate", mapping, "--now", NOW];
        for d in *directories {
            args.extend(["--directory", d]);
        }
        let (_, html) = page(&format!("tables-{n}.html"), &args);
        let (described, tables) = page_tables(&html);
        let file = entramap::load::read(Path::new(mapping))
            .expect("the mapping loads")
            .file;
        let snapshots: Vec<_> = directories
            .iter()
            .map(|d| entramap::provision::directory::read(Path::new(d)).expect("snapshot"))
            .collect();
        let dialect = entramap::model::dialect::resolve(None, None, &file).dialect;
        let mut compared = 0;
        for (id, shown) in &tables {
            for cycle in 1..=snapshots.len() as u32 {
                let query = ExplainQuery {
                    file: &file,
                    snapshots: &snapshots,
                    object: id,
                    cycle: Some(cycle),
                    dialect,
                    schedule: Schedule {
                        start: DateTime::parse_rfc3339(NOW).expect("clock"),
                        interval: Default::default(),
                        restarts: Vec::new(),
                    },
                    seed: 0,
                };
                let Ok(x) = explain(&query) else {
                    // Gone from this cycle's snapshot (a delete): explain has nothing to say.
                    assert!(
                        shown.iter().all(|(c, _)| *c != cycle),
                        "{mapping}: {id} has a table in cycle {cycle} but explain finds no object"
                    );
                    continue;
                };
                let evaluated = x.entries.iter().any(|e| {
                    e.provisioning_steps
                        .first()
                        .is_some_and(|s| s.provisioning_step_type == StepType::Import)
                });
                let table = shown.iter().find(|(c, _)| *c == cycle);
                assert_eq!(
                    table.is_some(),
                    evaluated,
                    "{mapping}: {id} in cycle {cycle}: a table on the page iff explain evaluates it"
                );
                let Some((_, rows)) = table else { continue };
                let kind = x.kind.resource_type().to_ascii_lowercase();
                let described = described[&kind].as_array().expect("the kind's rows");
                assert_eq!(rows.len(), x.rows.len(), "{mapping}: {id} cycle {cycle}");
                for ((row, d), want) in rows.iter().zip(described).zip(&x.rows) {
                    let got = serde_json::json!({
                        "target": d["target"], "mapping": d["mapping"], "apply": d["apply"],
                        "default": d["default"], "source": row[0], "result": row[1],
                        "flows": row[2], "sent": row[3], "entra": row[4],
                    });
                    assert_eq!(
                        got,
                        serde_json::to_value(want).expect("a row as JSON"),
                        "{mapping}: {id} in cycle {cycle}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 0, "{mapping}: no table compared");
        total += compared;
    }
    assert!(
        total >= 100,
        "only {total} rows compared: the cases prove little"
    );
}

/// A known user's table, read as an admin reads it: the hostile displayName is the row's
/// source value and (quoted) its result, sent on create, and a row gives Entra's words for why
/// it is not sent.
#[test]
fn a_created_users_attribute_table_shows_source_result_and_why() {
    let (_, html) = simulate("table-mallory.html");
    let (described, tables) = page_tables(&html);
    let users = described["user"].as_array().expect("user rows");
    let row = |target: &str| {
        users
            .iter()
            .position(|d| d["target"] == target)
            .unwrap_or_else(|| panic!("no `{target}` row"))
    };
    let mallory = objects(&html)
        .into_iter()
        .find(|o| o["name"] == "mallory@contoso.com")
        .expect("mallory has a row");
    let (cycle, rows) = &tables[mallory["id"].as_str().expect("id")][0];
    assert_eq!(*cycle, 1);
    let display = &rows[row("displayName")];
    assert_eq!(display[0], HOSTILE, "the source value");
    assert_eq!(display[1], format!("\"{HOSTILE}\""), "the result");
    assert_eq!(display[2], "sent");
    assert_eq!(display[3], "sent");
    assert_eq!(display[4], "modifiedProperties");
    // The object skipped as not assigned: its values are not sent, and Entra's skip reason says
    // why.
    let grace = objects(&html)
        .into_iter()
        .find(|o| o["name"] == "grace.hopper@contoso.com")
        .expect("grace has a row");
    let not_written: Vec<&Json> = tables[grace["id"].as_str().expect("id")]
        .iter()
        .flat_map(|(_, rows)| rows)
        .filter(|r| r[2] == "not sent: the object is not written")
        .collect();
    assert!(
        !not_written.is_empty(),
        "{:?}",
        tables[grace["id"].as_str().unwrap()]
    );
    assert!(
        not_written
            .iter()
            .all(|r| r[3] == "not sent" && r[4] == "NotEffectivelyEntitled")
    );
    // Autoescaped like everything else: the value never appears as markup in the page.
    assert!(!html.contains(HOSTILE));
}

#[test]
fn an_out_that_names_an_input_of_the_run_is_refused_before_the_work_and_the_input_kept() {
    // The mapping and a snapshot, copied, then each named again as --out (once through
    // `--out=`, once through another spelling of the same path).
    let mapping = out("input-mapping.yaml");
    std::fs::copy("mappings/scim-default.yaml", &mapping).expect("copy the mapping");
    let snapshot = out("input-directory.yaml");
    std::fs::copy(BEFORE, &snapshot).expect("copy the snapshot");
    let m = mapping.to_str().expect("utf-8");
    let d = snapshot.to_str().expect("utf-8");
    let dotted = format!(
        "{}/./input-directory.yaml",
        snapshot.parent().unwrap().display()
    );
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "the mapping as --out FILE",
            ["simulate", m, "--format", "html", "--out", m]
                .map(String::from)
                .to_vec(),
        ),
        (
            "a snapshot as --out=FILE, spelled another way",
            [
                "simulate",
                "mappings/scim-default.yaml",
                "--directory",
                d,
                "--format",
                "html",
            ]
            .map(String::from)
            .into_iter()
            .chain([format!("--out={dotted}")])
            .collect(),
        ),
    ];
    let ran = support::common::run_cases(
        &cases,
        |c| c.0,
        |(_, args)| {
            let before = (
                std::fs::read(&mapping).unwrap(),
                std::fs::read(&snapshot).unwrap(),
            );
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = entramap(&args);
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(2), "{err}");
            assert!(
                err.contains("on the command line, which this run reads"),
                "{err}"
            );
            assert!(run.stdout.is_empty());
            let after = (
                std::fs::read(&mapping).unwrap(),
                std::fs::read(&snapshot).unwrap(),
            );
            assert!(before == after, "an input was changed");
        },
    );
    assert_eq!(ran, 2);
    // Another path is written as before.
    let page = out("not-an-input.html");
    let run = entramap(&[
        "simulate",
        m,
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(page.exists());
}
