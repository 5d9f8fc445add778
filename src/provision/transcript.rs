//! Transcript formats of the simulator's requests: `http` (replayable by VS Code REST Client and
//! JetBrains HTTP Client), `jsonl` (one JSON object per request) and `summary` (the dry-run
//! report). `http` and `jsonl` stream: each request is written as it is produced.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Map, Value as Json};

use super::cycle::{Action, Request};

/// Writes the `.http` transcript: `@baseUrl` once, then one block per request.
pub struct HttpWriter<W: Write> {
    out: W,
}

impl<W: Write> HttpWriter<W> {
    /// Start a transcript, defining `@baseUrl` (the tenant URL) and leaving `{{token}}` to the
    /// replaying client's environment.
    pub fn new(mut out: W, base_url: &str) -> io::Result<HttpWriter<W>> {
        writeln!(out, "@baseUrl = {}", base_url.trim_end_matches('/'))?;
        writeln!(out)?;
        Ok(HttpWriter { out })
    }

    /// Write one request and its response as comment lines.
    pub fn write(&mut self, r: &Request) -> io::Result<()> {
        let out = &mut self.out;
        writeln!(
            out,
            "### cycle {} · {} {}",
            r.cycle,
            r.action.as_str(),
            r.label
        )?;
        writeln!(out, "{} {{{{baseUrl}}}}{} HTTP/1.1", r.method, r.path)?;
        writeln!(out, "Authorization: Bearer {{{{token}}}}")?;
        if let Some(body) = &r.body {
            writeln!(out, "Content-Type: application/scim+json")?;
            writeln!(out)?;
            writeln!(out, "{body}")?;
        }
        writeln!(out)?;
        writeln!(out, "# -> {}", r.status)?;
        if let Some(response) = &r.response {
            writeln!(out, "# {response}")?;
        }
        writeln!(out)
    }

    /// Flush and return the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// One `jsonl` line (without the newline): `cycle`, `object`, `action`, `method`, `path`,
/// `body` (null when none) and `status`, in that order.
pub fn jsonl_line(r: &Request) -> String {
    let mut o = Map::new();
    o.insert("cycle".into(), Json::from(r.cycle));
    o.insert("object".into(), Json::from(r.object.as_str()));
    o.insert("action".into(), Json::from(r.action.as_str()));
    o.insert("method".into(), Json::from(r.method));
    o.insert("path".into(), Json::from(r.path.as_str()));
    o.insert("body".into(), r.body.clone().unwrap_or(Json::Null));
    o.insert("status".into(), Json::from(r.status));
    Json::Object(o).to_string()
}

/// Counts of one cycle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CycleCounts {
    /// POSTs.
    pub creates: usize,
    /// Attribute PATCHes (including manager links).
    pub updates: usize,
    /// Disable PATCHes.
    pub disables: usize,
    /// DELETEs.
    pub deletes: usize,
    /// GETs (match queries and reads by id).
    pub reads: usize,
    /// Membership PATCHes.
    pub membership: usize,
    /// Responses that were not 2xx.
    pub errors: usize,
    /// Per target attribute, the objects a PATCH changed it on (each object counted once).
    pub attributes: BTreeMap<String, usize>,
}

/// The dry-run report: counts per cycle, fed one request at a time.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Counts per cycle, in cycle order (index 0 is cycle 1).
    pub cycles: Vec<CycleCounts>,
    /// (cycle, attribute, object) already counted.
    seen: std::collections::HashSet<(u32, String, String)>,
}

impl Summary {
    /// Account for one request.
    pub fn add(&mut self, r: &Request) {
        let index = r.cycle.saturating_sub(1) as usize;
        if self.cycles.len() <= index {
            self.cycles.resize_with(index + 1, CycleCounts::default);
        }
        let counts = &mut self.cycles[index];
        if !(200..300).contains(&r.status) {
            counts.errors += 1;
        }
        match r.action {
            Action::Match | Action::Read => counts.reads += 1,
            Action::Create => counts.creates += 1,
            Action::Update | Action::LinkManager => counts.updates += 1,
            Action::Disable => counts.disables += 1,
            Action::Delete => counts.deletes += 1,
            Action::AddMembers | Action::RemoveMembers => counts.membership += 1,
        }
        if r.method == "PATCH" {
            for attribute in patched_attributes(r.body.as_ref()) {
                if self
                    .seen
                    .insert((r.cycle, attribute.clone(), r.object.clone()))
                {
                    *counts.attributes.entry(attribute).or_default() += 1;
                }
            }
        }
    }

    /// The report as text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (i, c) in self.cycles.iter().enumerate() {
            s.push_str(&format!(
                "cycle {}: {} creates, {} updates, {} disables, {} deletes, {} membership changes, {} reads",
                i + 1,
                c.creates,
                c.updates,
                c.disables,
                c.deletes,
                c.membership,
                c.reads
            ));
            if c.errors > 0 {
                s.push_str(&format!(", {} errors", c.errors));
            }
            s.push('\n');
            for (attribute, n) in &c.attributes {
                s.push_str(&format!("  {attribute}: {n} objects\n"));
            }
        }
        s
    }
}

/// The target attributes a PATCH body writes: each op's `path`, or the keys of a path-less
/// op's value; a value-filtered member removal counts as `members`.
fn patched_attributes(body: Option<&Json>) -> Vec<String> {
    let Some(ops) = body
        .and_then(|b| b.get("Operations"))
        .and_then(Json::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for op in ops {
        match op.get("path").and_then(Json::as_str) {
            Some(p) if p.to_ascii_lowercase().starts_with("members[") => out.push("members".into()),
            Some(p) => out.push(p.to_owned()),
            None => {
                if let Some(Json::Object(v)) = op.get("value") {
                    out.extend(v.keys().cloned());
                }
            }
        }
    }
    out
}
