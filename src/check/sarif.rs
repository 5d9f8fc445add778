//! SARIF 2.1.0 output, for code-scanning tools (GitHub code scanning shows each result at its
//! line in the mapping file). Rules come from the lint table; columns are counted in Unicode
//! code points (`columnKind: unicodeCodePoints`), like the human and JSON outputs.

use serde_json::{Value as Json, json};

use super::{CheckReport, LINTS};

/// The SARIF schema the output follows.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool is documented.
fn information_uri() -> &'static str {
    match option_env!("CARGO_PKG_REPOSITORY") {
        Some(uri) if !uri.is_empty() => uri,
        _ => "https://crates.io/crates/entramap",
    }
}

/// Every lint as a SARIF `reportingDescriptor`.
pub fn rules() -> Vec<Json> {
    LINTS
        .iter()
        .map(|l| {
            json!({
                "id": l.code,
                "name": l.name,
                "shortDescription": { "text": l.summary },
                "fullDescription": { "text": format!("{} {}", l.summary, l.why) },
                "help": {
                    "text": format!("{} Fix: {}", l.why, l.fix),
                    "markdown": format!("{}\n\n**Fix:** {}", l.why, l.fix),
                },
                "defaultConfiguration": { "level": l.severity.as_str() },
            })
        })
        .collect()
}

/// A file path as a SARIF artifact URI: forward slashes, and everything outside URI path
/// characters percent-encoded. Relative paths stay relative, so code scanning resolves them
/// against the repository root.
pub fn artifact_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl CheckReport {
    /// The SARIF 2.1.0 log `check --format sarif` prints: one run, the lint table as rules,
    /// one result per finding.
    pub fn to_sarif(&self) -> Json {
        let uri = artifact_uri(&self.file);
        let results: Vec<Json> = self
            .findings
            .iter()
            .map(|f| {
                // Code scanning requires a start line; findings that could not be placed
                // (Graph JSON keeps no spans) are shown at the top of the file.
                let region = match f.position {
                    Some(p) => json!({
                        "startLine": p.line,
                        "startColumn": p.column,
                        "endLine": p.end_line,
                        "endColumn": p.end_column.max(p.column + usize::from(p.end_line == p.line)),
                    }),
                    None => json!({ "startLine": 1, "startColumn": 1 }),
                };
                let rule_index = LINTS.iter().position(|l| l.code == f.code());
                // SARIF viewers show only the message: give it the why and the fix too.
                let stop = if f.message.ends_with(['.', '?', '!']) {
                    ""
                } else {
                    "."
                };
                let message = format!("{}{stop} {} Fix: {}", f.message, f.why(), f.fix);
                let mut result = json!({
                    "ruleId": f.code(),
                    "level": f.severity().as_str(),
                    "message": { "text": message },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri },
                            "region": region,
                        }
                    }],
                    "properties": {
                        "object": f.object.map(|o| o.key()),
                        "target": f.target,
                    },
                });
                // Every lint is in the table; the index is only an optimisation for viewers,
                // so a lint missing from it must not produce an invalid log.
                if let Some(i) = rule_index {
                    result["ruleIndex"] = json!(i);
                }
                result
            })
            .collect();
        json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {
                        "name": "entramap",
                        "version": env!("CARGO_PKG_VERSION"),
                        "informationUri": information_uri(),
                        "rules": rules(),
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_keep_path_characters_and_encode_the_rest() {
        assert_eq!(
            artifact_uri("mappings/scim-default.yaml"),
            "mappings/scim-default.yaml"
        );
        assert_eq!(artifact_uri(r"a\b c.yaml"), "a/b%20c.yaml");
    }
}
