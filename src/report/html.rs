//! The page as one self-contained HTML file: minijinja templates (compiled into the program
//! from `templates/`) with HTML escaping on for every value, styles and the script inline, the
//! charts as inline SVG, and a Content-Security-Policy that forbids the page any request.

use minijinja::value::Serde;
use minijinja::{Environment, Value, context};

use super::{Page, ReportError};

/// The page's layout. Every `{{ value }}` in it is HTML-escaped (the `.html` name turns
/// minijinja's autoescaping on); only [`json_for_script`]'s output is passed as safe.
const PAGE: &str = include_str!("../../templates/report.html");
/// The styles, inlined by the page.
const STYLE: &str = include_str!("../../templates/report.css");
/// The table's script, inlined by the page: it reads the objects from the page's JSON block
/// and builds rows with `textContent`, never with markup from the data.
const SCRIPT: &str = include_str!("../../templates/report.js");

/// `page` as one HTML document.
pub fn render(page: &Page) -> Result<String, ReportError> {
    let mut env = Environment::new();
    let template = |e: minijinja::Error| ReportError::Template(format!("{e:#}"));
    env.add_template("report.html", PAGE).map_err(template)?;
    let data = json_for_script(&serde_json::to_string(&page.objects)?);
    let tmpl = env.get_template("report.html").map_err(template)?;
    tmpl.render(context! {
        page => Value::from(Serde(page_without_objects(page))),
        objects_json => Value::from_safe_string(data),
        object_count => page.objects.len(),
        // Program text, not data: inserted as it is (a test checks neither can end its
        // element early).
        style => Value::from_safe_string(STYLE.to_owned()),
        script => Value::from_safe_string(SCRIPT.to_owned()),
    })
    .map_err(template)
}

/// The page's fields but its objects, which go into the JSON block instead of the template's
/// context (a 100,000-object run would otherwise be converted twice).
fn page_without_objects(page: &Page) -> serde_json::Value {
    let mut value = serde_json::json!({
        "command": page.command,
        "header": page.header,
        "findings": page.findings,
        "cycles": page.cycles,
        "sections": page.sections,
    });
    if let Some(map) = value.as_object_mut() {
        map.insert("objects".into(), serde_json::Value::Array(Vec::new()));
    }
    value
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
}
