//! The page as one self-contained HTML file: minijinja templates (compiled into the program
//! from `templates/`) with HTML escaping on for every value, styles and the script inline, the
//! charts as inline SVG, and a Content-Security-Policy that forbids the page any request.
//!
//! The objects are in the page once, in two parts. The table's rows (what the search and the
//! filters read: id, names, action, status, reason, error code, attributes, cycle) are one JSON
//! block, escaped for a `<script>` element. Each object's details (its provisioning log
//! entries and requests, most of the bytes) are JSON too, deflated in chunks of
//! [`CHUNK`] objects and base64-encoded; the page inflates a chunk with the browser's own
//! `DecompressionStream` when one of its rows is first opened. A 100,000-object page is so
//! tens of MB rather than hundreds, and opens with only the rows parsed (BENCHMARKS.md).

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::{ObjectView, Page, ReportError};

/// The page's layout. Every `{{ value }}` in it is HTML-escaped (the `.html` name turns
/// minijinja's autoescaping on); only [`json_for_script`]'s output, base64 text and the
/// program's own style and script are passed as safe.
const PAGE: &str = include_str!("../../templates/report.html");
/// The styles, inlined by the page.
const STYLE: &str = include_str!("../../templates/report.css");
/// The table's script, inlined by the page: it reads the rows from the page's JSON block
/// and builds them with `textContent`, never with markup from the data.
const SCRIPT: &str = include_str!("../../templates/report.js");

/// Objects per deflated chunk of details: small enough that opening a row inflates little,
/// large enough that the chunks compress well.
pub const CHUNK: usize = 500;

/// `page` as one HTML document.
pub fn render(page: &Page) -> Result<String, ReportError> {
    let mut env = Environment::new();
    let template = |e: minijinja::Error| ReportError::Template(format!("{e:#}"));
    env.add_template("report.html", PAGE).map_err(template)?;
    let rows = json_for_script(&serde_json::to_string(&Rows::of(
        &page.objects,
        &page.mapping_rows,
    ))?);
    let chunks = page
        .objects
        .chunks(CHUNK)
        .map(details_chunk)
        .collect::<Result<Vec<_>, _>>()?;
    let tmpl = env.get_template("report.html").map_err(template)?;
    tmpl.render(context! {
        page => Value::from(Serde(page_without_objects(page))),
        rows_json => Value::from_safe_string(rows),
        // Base64 text: letters, digits, `+`, `/` and `=` only.
        chunks => Value::from(chunks.into_iter().map(Value::from_safe_string).collect::<Vec<_>>()),
        chunk_size => CHUNK,
        object_count => page.objects.len(),
        // Program text, not data: inserted as it is (a test checks neither can end its
        // element early).
        style => Value::from_safe_string(STYLE.to_owned()),
        script => Value::from_safe_string(SCRIPT.to_owned()),
    })
    .map_err(template)
}

/// The table's rows: each object as an array (`[id, kind, name, displayName, action,
/// status, reason, errorCode, attributes, cycle, history]`, attributes as indexes into
/// `attributes`, history as an index into `histories`: a run's objects share a few, such as
/// "cycle 1: create succeeded, update succeeded"), so that
/// 100,000 rows do not repeat the keys and the long extension URNs 100,000 times.
/// The mapping rows that the objects' attribute tables fill in are here too, once.
#[derive(Serialize)]
struct Rows<'a> {
    attributes: Vec<&'a str>,
    histories: Vec<History<'a>>,
    rows: Vec<Row<'a>>,
    mapping: &'a super::MappingRows,
}

type Row<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Vec<usize>,
    Option<u32>,
    usize,
);

/// A row's history as the rows block lists it, once per distinct history:
/// `[[cycle, [[action, status], ...]], ...]`.
type History<'a> = Vec<(u32, Vec<(&'a str, &'a str)>)>;

/// `o`'s history in the rows block's form.
fn history(o: &ObjectView) -> History<'_> {
    o.history
        .iter()
        .map(|(cycle, actions)| {
            let actions = actions
                .iter()
                .map(|a| (a.action.as_str(), a.status.as_str()))
                .collect();
            (*cycle, actions)
        })
        .collect()
}

impl<'a> Rows<'a> {
    fn of(objects: &'a [ObjectView], mapping: &'a super::MappingRows) -> Rows<'a> {
        let mut attributes: Vec<&str> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut histories: Vec<History> = Vec::new();
        let mut history_index: std::collections::HashMap<History, usize> =
            std::collections::HashMap::new();
        let rows = objects
            .iter()
            .map(|o| {
                let attrs = o
                    .attributes
                    .iter()
                    .map(|a| {
                        *index.entry(a.as_str()).or_insert_with(|| {
                            attributes.push(a.as_str());
                            attributes.len() - 1
                        })
                    })
                    .collect();
                (
                    o.id.as_str(),
                    o.kind,
                    o.name.as_str(),
                    o.display_name.as_deref(),
                    o.action.as_str(),
                    o.status.as_str(),
                    o.reason.as_str(),
                    o.error_code.as_deref(),
                    attrs,
                    o.cycle,
                    *history_index.entry(history(o)).or_insert_with_key(|h| {
                        histories.push(h.clone());
                        histories.len() - 1
                    }),
                )
            })
            .collect();
        Rows {
            attributes,
            histories,
            rows,
            mapping,
        }
    }
}

/// One object's details, as a chunk holds them.
#[derive(Serialize)]
struct Details<'a> {
    entries: &'a [Box<serde_json::value::RawValue>],
    tables: &'a [Box<serde_json::value::RawValue>],
    requests: &'a [super::RequestView],
}

/// The details of `objects` as JSON, deflated (zlib) and base64-encoded.
fn details_chunk(objects: &[ObjectView]) -> Result<String, ReportError> {
    let details: Vec<Details> = objects
        .iter()
        .map(|o| Details {
            entries: &o.entries,
            tables: &o.tables,
            requests: &o.requests,
        })
        .collect();
    let json = serde_json::to_vec(&details)?;
    let deflated = miniz_oxide::deflate::compress_to_vec_zlib(&json, 6);
    let mut out = String::new();
    crate::dotnet::text::base64(&deflated, &mut out);
    Ok(out)
}

/// The page's fields but its objects, which go into the rows block and the chunks instead of
/// the template's context (a 100,000-object run would otherwise be converted twice).
fn page_without_objects(page: &Page) -> serde_json::Value {
    serde_json::json!({
        "command": page.command,
        "header": page.header,
        "findings": page.findings,
        "cycles": page.cycles,
        "sections": page.sections,
    })
}

/// JSON text made safe inside `<script type="application/json">`: `<`, `>` and `&` as
/// `\u003c`, `\u003e`, `\u0026`, so no `</script>` or `<!--` can end or change the block, and
/// U+2028/U+2029 as escapes, which older JavaScript parsers treat as line ends. Outside
/// strings JSON has none of these characters, so the value read back is the same.
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_script_escapes_what_could_end_the_block_and_reads_back_the_same() {
        let value = serde_json::json!({
            "displayName": "</script><script>alert(1)</script><!-- & \u{2028}\u{2029}"
        });
        let text = json_for_script(&value.to_string());
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!text.contains(bad), "{bad:?} left in {text}");
        }
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
    }

    #[test]
    fn the_program_text_inlined_as_is_cannot_end_its_element() {
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        assert!(!SCRIPT.contains("<!--"));
    }

    #[test]
    fn rows_share_each_distinct_history_once() {
        let pair = |action: &str, status: &str| crate::report::ActionStatus {
            action: action.into(),
            status: status.into(),
        };
        let row = |history: Vec<(u32, Vec<crate::report::ActionStatus>)>| ObjectView {
            history,
            ..ObjectView::new("1", "user", "a")
        };
        let created = || {
            vec![(
                1,
                vec![pair("create", "success"), pair("update", "failure")],
            )]
        };
        let objects = [
            row(created()),
            row(vec![(1, vec![pair("create", "skipped")])]),
            row(created()),
            row(Vec::new()),
        ];
        let mapping = crate::report::MappingRows::default();
        let json = serde_json::to_value(Rows::of(&objects, &mapping)).expect("JSON");
        assert_eq!(
            json["histories"],
            serde_json::json!([
                [[1, [["create", "success"], ["update", "failure"]]]],
                [[1, [["create", "skipped"]]]],
                []
            ])
        );
        let indexes: Vec<&serde_json::Value> = json["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| &r[10])
            .collect();
        assert_eq!(indexes, [0, 1, 0, 2]);
    }

    #[test]
    fn a_details_chunk_is_base64_of_deflated_json() {
        let objects = vec![ObjectView {
            action: "none".into(),
            status: "none".into(),
            entries: vec![
                serde_json::value::to_raw_value(&serde_json::json!({"cycleId": "1"})).expect("raw"),
            ],
            ..ObjectView::new("1", "user", "a")
        }];
        let text = details_chunk(&objects).expect("chunk");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
        // zlib's header for the default compression level.
        assert!(text.starts_with("eJ"), "{text}");
    }
}
