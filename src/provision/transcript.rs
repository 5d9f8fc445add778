//! Transcript formats of the simulator's requests: `http` (replayable by VS Code REST Client and
//! JetBrains HTTP Client), `jsonl` (one JSON object per request) and `summary` (the dry-run
//! report). `http` and `jsonl` stream: each request is written as it is produced.
//!
//! Values of target attributes fed by `Redact(...)` are masked as `[Redact]` by [`Redactions`]:
//! always in `http` (a transcript is shared and pasted into tickets), in `jsonl` unless the user
//! asks for secrets (`--show-secrets`), the way Entra's provisioning logs show them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Map, Value as Json};

use super::cycle::{Failure, Note, Request, RequestPurpose};
use super::guard::TooManyDeletes;
use crate::expr::syntax::{self, Expr, ExprKind};
use crate::model::mapping::{MappingFile, ObjectMapping};
use crate::scim::Path;
use crate::scim::resource;

/// What a redacted value is replaced with: the text Entra's provisioning logs show.
pub const REDACTED: &str = "[Redact]";

/// The target attributes whose values come from a `Redact(...)` call, per object type, found
/// once per mapping so that masking a request costs nothing when there are none.
#[derive(Clone, Debug, Default)]
pub struct Redactions {
    users: Vec<Path>,
    groups: Vec<Path>,
}

impl Redactions {
    /// Find the rows of `file` whose expression calls `Redact` anywhere in its tree (not only at
    /// the top: `Redact(Join(...))` and `Join("", Redact(...))` both put a secret in the value).
    pub fn from_mapping(file: &MappingFile) -> Redactions {
        Redactions {
            users: redacted_targets(&file.users),
            groups: file
                .groups
                .as_ref()
                .map(redacted_targets)
                .unwrap_or_default(),
        }
    }

    /// Whether the target attribute `target` of users (or groups) is fed by `Redact()`.
    pub fn covers(&self, groups: bool, target: &str) -> bool {
        let paths = if groups { &self.groups } else { &self.users };
        Path::parse(target).is_ok_and(|p| paths.contains(&p))
    }

    /// Whether no attribute is redacted.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }

    /// The body and response of `r` with every redacted value replaced by [`REDACTED`];
    /// `None` when nothing needed masking, so callers write the original.
    pub fn mask(&self, r: &Request<'_>) -> Option<Masked> {
        if self.is_empty() {
            return None;
        }
        // The endpoint tells which mapping produced the body.
        let paths = if r.path.starts_with("/Groups") {
            &self.groups
        } else {
            &self.users
        };
        if paths.is_empty() {
            return None;
        }
        let mut body = r.body.cloned();
        let mut response = r.response.cloned();
        let mut changed = false;
        if let Some(body) = &mut body {
            changed |= mask_body(body, paths);
        }
        if let Some(response) = &mut response {
            changed |= mask_response(response, paths);
        }
        changed.then_some(Masked { body, response })
    }
}

/// The masked body and response of a request (see [`Redactions::mask`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Masked {
    body: Option<Json>,
    response: Option<Json>,
}

impl Masked {
    /// `r` with the masked body and response.
    pub fn apply<'a>(&'a self, r: &Request<'a>) -> Request<'a> {
        Request {
            body: self.body.as_ref(),
            response: self.response.as_ref(),
            ..*r
        }
    }
}

/// The parsed target paths of the rows of `mapping` whose expression calls `Redact`.
fn redacted_targets(mapping: &ObjectMapping) -> Vec<Path> {
    mapping
        .mappings
        .iter()
        .filter(|row| {
            row.expression
                .as_ref()
                .and_then(|e| syntax::parse(&e.value).ok())
                .is_some_and(|tree| calls_redact(&tree))
        })
        .filter_map(|row| Path::parse(&row.target.value).ok())
        .collect()
}

/// Whether the tree contains a call of `Redact`. The name is compared without case: masking a
/// value Entra would not mask is harmless, leaking one is not.
fn calls_redact(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { name, args, .. } => {
            name.eq_ignore_ascii_case("Redact") || args.iter().flatten().any(calls_redact)
        }
        ExprKind::Compare { lhs, rhs, .. } => calls_redact(lhs) || calls_redact(rhs),
        _ => false,
    }
}

/// Mask a request body: a PATCH's operations, or a resource (POST).
fn mask_body(body: &mut Json, paths: &[Path]) -> bool {
    let Json::Object(map) = body else {
        return false;
    };
    match map.get_mut("Operations") {
        Some(Json::Array(ops)) => ops.iter_mut().fold(false, |c, op| mask_op(op, paths) | c),
        _ => mask_resource(map, paths),
    }
}

/// Mask one PATCH operation: the whole `value` when its `path` is redacted; otherwise, for a
/// path-less op, the value's flat keys (compliant merged form, `"name.givenName": ...`) and any
/// nested resource shape.
fn mask_op(op: &mut Json, paths: &[Path]) -> bool {
    let Json::Object(op) = op else {
        return false;
    };
    let op_path = op
        .get("path")
        .and_then(Json::as_str)
        .and_then(|p| Path::parse(p).ok());
    let Some(value) = op.get_mut("value") else {
        return false;
    };
    match op_path {
        Some(p) if paths.contains(&p) => {
            *value = Json::from(REDACTED);
            true
        }
        Some(_) => false,
        None => {
            let Json::Object(value) = value else {
                return false;
            };
            let mut changed = false;
            for (key, v) in value.iter_mut() {
                if Path::parse(key).is_ok_and(|k| paths.contains(&k)) {
                    *v = Json::from(REDACTED);
                    changed = true;
                }
            }
            changed | mask_resource(value, paths)
        }
    }
}

/// Mask a response: a resource, or a ListResponse's `Resources`.
fn mask_response(response: &mut Json, paths: &[Path]) -> bool {
    let Json::Object(map) = response else {
        return false;
    };
    match map.get_mut("Resources") {
        Some(Json::Array(items)) => items.iter_mut().fold(false, |c, item| {
            (matches!(item, Json::Object(_)) && mask_body(item, paths)) | c
        }),
        _ => mask_resource(map, paths),
    }
}

/// Replace the value at each redacted path of a SCIM resource, where there is one.
fn mask_resource(resource: &mut Map<String, Json>, paths: &[Path]) -> bool {
    let mut changed = false;
    for path in paths {
        if resource::get(resource, path).is_some_and(|v| v != REDACTED) {
            resource::set(resource, path, Json::from(REDACTED));
            changed = true;
        }
    }
    changed
}

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
    pub fn write(&mut self, r: &Request<'_>) -> io::Result<()> {
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
        if let Some(body) = r.body {
            writeln!(out, "Content-Type: application/scim+json")?;
            writeln!(out)?;
            writeln!(out, "{body}")?;
        }
        writeln!(out)?;
        writeln!(out, "# -> {}", r.status)?;
        if let Some(response) = r.response {
            writeln!(out, "# {response}")?;
        }
        writeln!(out)
    }

    /// Write comment lines (each starting with `#`), then a blank line.
    pub fn write_comments(&mut self, lines: &[String]) -> io::Result<()> {
        for line in lines {
            writeln!(self.out, "{}", one_line(line))?;
        }
        writeln!(self.out)
    }

    /// Write what a cycle did not send, and why, as comment lines: the objects that failed
    /// (Entra retries them) and the explained non-actions. Nothing when there are none, so a
    /// cycle without them reads as before.
    pub fn write_outcomes(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        notes: &[Note],
    ) -> io::Result<()> {
        for f in failures {
            writeln!(
                self.out,
                "# cycle {cycle} · failed {}: {}",
                f.object,
                one_line(&f.message)
            )?;
            writeln!(self.out)?;
        }
        for n in notes {
            writeln!(
                self.out,
                "# cycle {} · not sent · {} {}: {}",
                n.cycle,
                n.kind.as_str(),
                n.label,
                one_line(&n.message)
            )?;
            writeln!(self.out)?;
        }
        Ok(())
    }

    /// Flush the writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flush and return the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A message on one comment line: line breaks in an error message would end the comment.
fn one_line(message: &str) -> String {
    message.replace(['\r', '\n'], " ")
}

/// One `jsonl` line (without the newline): `cycle`, `object`, `action`, `method`, `path`,
/// `body` (null when none) and `status`, in that order.
pub fn jsonl_line(r: &Request<'_>) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and serde_json only emits UTF-8.
    let _ = write_jsonl_line(&mut out, r);
    String::from_utf8(out).unwrap_or_default()
}

/// Write [`jsonl_line`] of `r` and a newline to `out`, serialising straight from the borrowed
/// request.
pub fn write_jsonl_line<W: Write>(mut out: W, r: &Request<'_>) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        cycle: u32,
        object: &'a str,
        action: &'static str,
        method: &'static str,
        path: &'a str,
        body: Option<&'a Json>,
        status: u16,
    }
    let line = Line {
        cycle: r.cycle,
        object: r.object,
        action: r.action.as_str(),
        method: r.method,
        path: r.path,
        body: r.body,
        status: r.status,
    };
    serde_json::to_writer(&mut out, &line).map_err(io::Error::from)?;
    out.write_all(b"\n")
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
    /// Per target attribute, the objects a PATCH the app accepted (2xx) changed it on (each
    /// object counted once).
    pub attributes: BTreeMap<String, usize>,
    /// Whether the cycle was full (`Some(true)`) or incremental, when the caller said.
    pub full: Option<bool>,
    /// Objects that failed in the cycle (an expression error, a refused write, ...).
    pub failed: usize,
    /// Explained non-actions, by kind (`manager-not-linked`, ...).
    pub not_sent: BTreeMap<&'static str, usize>,
}

fn counts_of(cycles: &mut Vec<CycleCounts>, cycle: u32) -> &mut CycleCounts {
    let index = cycle.saturating_sub(1) as usize;
    if cycles.len() <= index {
        cycles.resize_with(index + 1, CycleCounts::default);
    }
    &mut cycles[index]
}

/// The dry-run report: counts per cycle, fed one request at a time.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Counts per cycle, in cycle order (index 0 is cycle 1).
    pub cycles: Vec<CycleCounts>,
    /// The object of the last PATCH and the attributes counted for it. An object's writes in
    /// a cycle that touch the same attribute come one after the other (update then disable,
    /// add then remove members), so remembering the last object counts each once without a
    /// set that grows with the directory.
    last: Option<(u32, String)>,
    last_attributes: Vec<String>,
    /// Lines about what a cycle did not send (the deprovisioning guards), by cycle.
    notes: BTreeMap<u32, Vec<String>>,
    /// Who was skipped, failed, disabled or deleted, and why.
    pub who: WhoAndWhy,
}

impl Summary {
    fn counts(&mut self, cycle: u32) -> &mut CycleCounts {
        counts_of(&mut self.cycles, cycle)
    }

    /// Start a cycle: it is reported even when it sends nothing, as full or incremental.
    pub fn begin_cycle(&mut self, cycle: u32, full: bool) {
        self.counts(cycle).full = Some(full);
    }

    /// Account for what a cycle did not send: failed objects and explained non-actions.
    pub fn add_outcomes(&mut self, cycle: u32, failures: &[Failure], notes: &[Note]) {
        let counts = self.counts(cycle);
        counts.failed += failures.len();
        for n in notes {
            *counts.not_sent.entry(n.kind.as_str()).or_default() += 1;
        }
    }

    /// End `cycle`: its failed objects and explained non-actions, and what the
    /// accidental-deletions guard did (its note, and who it staged in the who-and-why). Every
    /// output that reports a cycle's outcome ends it here, so they say the same.
    pub fn end_cycle(
        &mut self,
        cycle: u32,
        failures: &[Failure],
        notes: &[Note],
        quarantine: Option<&TooManyDeletes>,
    ) {
        self.add_outcomes(cycle, failures, notes);
        let Some(q) = quarantine else {
            return;
        };
        self.note(cycle, q.describe(cycle));
        if q.cycle == cycle {
            for s in &q.staged {
                let reason = format!(
                    "{} held by accidental_deletions_threshold {}",
                    s.action.as_str(),
                    q.threshold
                );
                self.who.add(cycle, Section::Staged, reason, &s.label);
            }
        }
    }

    /// The job's lines about `cycle` (retries, quarantine), each a note under its counts.
    pub fn job_lines(&mut self, cycle: u32, lines: &[String]) {
        for line in lines {
            self.note(cycle, line.clone());
        }
    }

    /// The notes under `cycle`'s counts, in the order they came.
    pub fn notes(&self, cycle: u32) -> &[String] {
        self.notes.get(&cycle).map_or(&[], Vec::as_slice)
    }

    /// Add a line under `cycle`'s counts: something the cycle decided that no request shows.
    pub fn note(&mut self, cycle: u32, text: String) {
        self.counts(cycle);
        self.notes.entry(cycle).or_default().push(text);
    }

    /// Account for one request.
    pub fn add(&mut self, r: &Request<'_>) {
        let counts = counts_of(&mut self.cycles, r.cycle);
        let accepted = (200..300).contains(&r.status);
        if !accepted {
            counts.errors += 1;
        }
        match r.action {
            RequestPurpose::Match | RequestPurpose::Read => counts.reads += 1,
            RequestPurpose::Create => counts.creates += 1,
            RequestPurpose::Update | RequestPurpose::LinkManager => counts.updates += 1,
            RequestPurpose::Disable => counts.disables += 1,
            RequestPurpose::Delete => counts.deletes += 1,
            RequestPurpose::AddMembers | RequestPurpose::RemoveMembers => counts.membership += 1,
        }
        // Only a PATCH the app accepted wrote its attributes: a rejected one is an error,
        // counted above, and its object's log entry is a failure.
        if r.method == "PATCH" && accepted {
            let same = self
                .last
                .as_ref()
                .is_some_and(|(c, o)| *c == r.cycle && o == r.object);
            if !same {
                self.last = Some((r.cycle, r.object.to_owned()));
                self.last_attributes.clear();
            }
            for attribute in patched_attributes(r.body) {
                if !self.last_attributes.iter().any(|a| a == attribute) {
                    // Looked up before inserting: a million PATCHes name a handful of
                    // attributes, so the key is almost never new.
                    match counts.attributes.get_mut(attribute) {
                        Some(n) => *n += 1,
                        None => {
                            counts.attributes.insert(attribute.to_owned(), 1);
                        }
                    }
                    self.last_attributes.push(attribute.to_owned());
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
            if c.failed > 0 {
                s.push_str(&format!(", {} failed objects", c.failed));
            }
            match c.full {
                Some(true) => s.push_str(" (full cycle)"),
                Some(false) => s.push_str(" (incremental cycle)"),
                None => {}
            }
            s.push('\n');
            for (attribute, n) in &c.attributes {
                s.push_str(&format!("  {attribute}: {n} objects\n"));
            }
            for (kind, n) in &c.not_sent {
                s.push_str(&format!("  not sent, {kind}: {n} objects\n"));
            }
            for note in self.notes.get(&(i as u32 + 1)).into_iter().flatten() {
                s.push_str(&format!("  {note}\n"));
            }
            self.who.render(i as u32 + 1, &mut s);
        }
        s
    }
}

/// Who a cycle skipped, failed or disabled, and why: groups of objects by reason, each with a
/// count and the first names (every name with `all`), for the summary.
#[derive(Clone, Debug, Default)]
pub struct WhoAndWhy {
    /// Keep every name, not only the first [`FIRST_NAMES`].
    pub all: bool,
    /// (cycle, section, reason) → the group.
    groups: BTreeMap<(u32, Section, String), Named>,
}

/// How many names a group shows without `--all`.
pub const FIRST_NAMES: usize = 3;

/// The parts of a cycle's who-and-why, in the order they are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Objects that failed, by error code.
    Failed,
    /// Users disabled, by cause.
    Disabled,
    /// Objects deleted (hard-deleted users, groups gone or out of scope).
    Deleted,
    /// Disables and deletes the accidental-deletions threshold staged instead of sending.
    Staged,
    /// Objects skipped, by skip reason.
    Skipped,
}

#[derive(Clone, Debug, Default)]
struct Named {
    count: usize,
    names: Vec<String>,
}

impl WhoAndWhy {
    /// Count `name` under `reason` in `section` of `cycle`.
    pub fn add(&mut self, cycle: u32, section: Section, reason: String, name: &str) {
        let group = self.groups.entry((cycle, section, reason)).or_default();
        group.count += 1;
        if self.all || group.names.len() < FIRST_NAMES {
            group.names.push(name.to_owned());
        }
    }

    /// The lines of `cycle`, indented under its counts.
    pub fn render(&self, cycle: u32, out: &mut String) {
        use std::fmt::Write as _;
        let groups: Vec<_> = self
            .groups
            .range((cycle, Section::Failed, String::new())..)
            .take_while(|((c, ..), _)| *c == cycle)
            .collect();
        for section in [
            Section::Failed,
            Section::Disabled,
            Section::Deleted,
            Section::Staged,
            Section::Skipped,
        ] {
            let of: Vec<_> = groups
                .iter()
                .filter(|((_, s, _), _)| *s == section)
                .collect();
            if of.is_empty() {
                continue;
            }
            let total: usize = of.iter().map(|(_, g)| g.count).sum();
            let causes: Vec<String> = of
                .iter()
                .map(|((_, _, reason), g)| format!("{} {reason}", g.count))
                .collect();
            let verb = match section {
                Section::Failed => "failed",
                Section::Disabled => "would disable",
                Section::Deleted => "would delete",
                Section::Staged => "staged (not sent)",
                Section::Skipped => "skipped",
            };
            let _ = writeln!(
                out,
                "  {verb} {total} object{}: {}",
                if total == 1 { "" } else { "s" },
                causes.join(", ")
            );
            for ((_, _, reason), g) in of {
                let more = g.count - g.names.len();
                let _ = writeln!(
                    out,
                    "    {reason}: {}{}",
                    g.names.join(", "),
                    if more > 0 {
                        format!(" and {more} more (--all lists them)")
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
}

/// The target attributes a PATCH body writes: each op's `path`, or the keys of a path-less
/// op's value; a value-filtered member removal counts as `members`.
fn patched_attributes(body: Option<&Json>) -> Vec<&str> {
    let Some(ops) = body
        .and_then(|b| b.get("Operations"))
        .and_then(Json::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for op in ops {
        match op.get("path").and_then(Json::as_str) {
            Some(p)
                if p.get(..8)
                    .is_some_and(|m| m.eq_ignore_ascii_case("members[")) =>
            {
                out.push("members")
            }
            Some(p) => out.push(p),
            None => {
                if let Some(Json::Object(v)) = op.get("value") {
                    out.extend(v.keys().map(String::as_str));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch<'a>(object: &'a str, body: &'a Json, status: u16) -> Request<'a> {
        Request {
            cycle: 1,
            object,
            label: object,
            action: RequestPurpose::LinkManager,
            method: "PATCH",
            path: "/Users/app-1",
            body: Some(body),
            status,
            response: None,
        }
    }

    #[test]
    fn an_attribute_counts_only_for_the_patches_the_app_accepted() {
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "app-2"}]
        });
        let mut summary = Summary::default();
        summary.add(&patch("rejected", &body, 400));
        summary.add(&patch("accepted", &body, 204));
        let c = &summary.cycles[0];
        assert_eq!(c.errors, 1);
        assert_eq!(
            c.attributes.values().copied().collect::<Vec<_>>(),
            [1],
            "{:?}",
            c.attributes
        );
    }
}
