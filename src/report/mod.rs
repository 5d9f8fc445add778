//! One self-contained HTML page per run (`--format html`): what a run did, laid out the way
//! Entra's portal shows provisioning (the provisioning logs blade, Provision on demand's step
//! cards), for people who will not read a `.http` transcript.
//!
//! The page is built in two halves. [`Page`] is the model: a header, `check`'s findings, one
//! chart per cycle, the sections of `impact`, `converge` and `live`, and every object of the
//! directory. [`html::render`] turns it into HTML with a template engine that escapes every
//! value; the objects go into the page once, as JSON, and a small inline script shows them a
//! page of rows at a time, so a 100,000-object run stays a usable page.
//!
//! Each object carries its provisioning log entries as JSON in the shape of Microsoft Graph's
//! `provisioningObjectSummary` (provisioningobjectsummary.md: `provisioningAction`,
//! `provisioningStatusInfo`, `provisioningSteps`, `modifiedProperties`, ...), and the page
//! renders steps, status, error and modified properties from that shape alone. [`HtmlOutput`]
//! is an output of the one cycle loop (`provision::output::run_cycles`) whose entries are the
//! provisioning log's own (`provision::log`), so the page says what `--format log` says.

mod collect;
pub mod html;
mod sections;

pub use collect::{
    ActionStatus, CycleVerdict, HtmlOutput, Rows, check_findings, summarise, verdicts,
};
#[cfg(feature = "converge")]
pub use sections::converge_sections;
#[cfg(feature = "live")]
pub use sections::live_sections;
pub use sections::{impact_sections, row_effect};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::model::mapping::{Dialect, MappingFile, SyncScope};
use crate::provision::rows::RowDescription;

/// A whole report page.
#[derive(Clone, Debug, Serialize)]
pub struct Page {
    /// The command that made it: `simulate`, `impact`, `converge`, `live` or `check`.
    pub command: String,
    /// Where the run comes from and how to run it again.
    pub header: Header,
    /// `check`'s findings over the mapping (every command shows them: a finding often
    /// explains a request).
    pub findings: Vec<FindingView>,
    /// One chart per cycle.
    pub cycles: Vec<CycleView>,
    /// The command's own sections (`impact`'s mapping change, `converge`'s findings, `live`'s
    /// findings by cause), in reading order.
    pub sections: Vec<PageSection>,
    /// Every object of the directory, in directory order, with what happened to it.
    pub objects: Vec<ObjectView>,
    /// The rows of the run's user and group mappings, which each object's attribute tables
    /// fill in (none for `check` and `converge`, which show no objects).
    pub mapping_rows: MappingRows,
}

/// The rows of the run's mappings, once per page: an object's attribute table gives each row
/// its source value, result and flow, in this order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MappingRows {
    /// The user mapping's rows.
    pub user: Vec<RowDescription>,
    /// The group mapping's rows (none without a group mapping).
    pub group: Vec<RowDescription>,
}

/// The page's header: the mapping, the directory snapshots, the clock, the version, and the
/// command line that gives the same page again.
#[derive(Clone, Debug, Serialize)]
pub struct Header {
    /// The mapping file as named on the command line.
    pub mapping_file: String,
    /// The app's name (the mapping's `app`).
    pub app: String,
    /// The request dialect the run used: `legacy` or `compliant`.
    pub dialect: String,
    /// The tenant URL (the mapping's, or `live --url`), when there is one.
    pub tenant_url: Option<String>,
    /// The job settings, as `name`, `value` pairs in the words of the mapping format.
    pub settings: Vec<(String, String)>,
    /// The directory snapshots, one per cycle in order (the built-in sample when none).
    pub snapshots: Vec<String>,
    /// The clock of the first cycle (RFC 3339), or none for `check`, which runs no cycle.
    pub clock: Option<String>,
    /// entramap's version.
    pub version: String,
    /// The command line that reproduces the run, shell-quoted.
    pub reproduce: String,
}

impl Header {
    /// A header for `mapping`, named `mapping_file` on the command line, run in `dialect`.
    /// Snapshots, clock and the command line are the caller's to fill.
    pub fn new(mapping_file: &str, file: &MappingFile, dialect: Dialect) -> Header {
        let s = &file.settings;
        let mut settings = vec![(
            "scope".to_owned(),
            match s.scope {
                SyncScope::Assigned => "assigned (Sync only assigned users and groups)",
                SyncScope::All => "all (Sync all users and groups)",
            }
            .to_owned(),
        )];
        settings.push((
            "skip_out_of_scope_deletions".into(),
            s.skip_out_of_scope_deletions.to_string(),
        ));
        settings.push((
            "accidental_deletions_threshold".into(),
            s.accidental_deletions_threshold
                .map_or_else(|| "none".to_owned(), |n| n.to_string()),
        ));
        settings.push((
            "exclude_default_access".into(),
            s.exclude_default_access.to_string(),
        ));
        Header {
            mapping_file: mapping_file.to_owned(),
            app: file.app.clone(),
            dialect: dialect.name().to_owned(),
            tenant_url: file.tenant_url.clone(),
            settings,
            snapshots: Vec::new(),
            clock: None,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            reproduce: String::new(),
        }
    }
}

/// One `check` finding, as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct FindingView {
    /// The stable lint code (`EM101`).
    pub code: String,
    /// `error` or `warning`.
    pub severity: String,
    /// What is wrong, about this mapping.
    pub message: String,
    /// Why the lint exists.
    pub why: String,
    /// How to fix it.
    pub fix: String,
    /// The target attribute of the row it is about, when there is one.
    pub target: Option<String>,
    /// The mapping line it points at (1-based), with the line's text.
    pub line: Option<usize>,
    /// The text of that line.
    pub line_text: Option<String>,
}

/// One cycle at a glance: how many objects got each provisioning action, the attributes
/// written, and the requests it took.
#[derive(Clone, Debug, Serialize)]
pub struct CycleView {
    /// The cycle number, from 1.
    pub cycle: u32,
    /// Whether it was a full cycle (every object evaluated) or an incremental one.
    pub full: Option<bool>,
    /// Objects per provisioning action, in a fixed order: the provisioning log's actions
    /// (`create`, `update`, `disable`, `delete`, `stagedDelete`, `other`). An object counts
    /// under every action it has an entry with in the cycle (a user created and then failing
    /// its manager update is a create that succeeded and an update that failed), with that
    /// action's status ([`ActionStatus`]): what the rows' cycle and action filters match.
    pub actions: Vec<ActionCount>,
    /// Target attributes written (the modifiedProperties of entries that succeeded, creates
    /// included), with how many objects each was written for.
    pub attributes: Vec<Count>,
    /// The requests the cycle sent, in requests (not objects).
    pub requests: RequestCounts,
    /// What the cycle did not send, and why (staged deletes, references left for later).
    pub notes: Vec<String>,
    /// The chart: bars with their geometry, computed here so the template only places them.
    pub bars: Vec<Bar>,
}

/// How many objects got one provisioning action in a cycle, by the status of that action.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ActionCount {
    /// The action: a provisioningAction value.
    pub action: String,
    /// Objects with an entry of this action in the cycle.
    pub objects: usize,
    /// Of them, those whose entries of this action succeeded (`success` or `warning`).
    pub succeeded: usize,
    /// Of them, those with an entry of this action that failed.
    pub failed: usize,
    /// Of them, those whose entries of this action were all skipped.
    pub skipped: usize,
}

/// A cycle's requests, counted as requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// Writes: POST, PATCH and DELETE.
    pub writes: usize,
    /// Reads: match queries and reads by id.
    pub reads: usize,
    /// Requests the app answered with other than 2xx.
    pub errors: usize,
}

/// A label and a number.
#[derive(Clone, Debug, Serialize)]
pub struct Count {
    /// What is counted.
    pub label: String,
    /// How many.
    pub n: usize,
}

/// One bar of a cycle's chart (objects of one action), in SVG user units.
#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    /// The action it counts.
    pub label: String,
    /// How many objects.
    pub n: usize,
    /// Of them, how many failed.
    pub failed: usize,
    /// Of them, how many were skipped.
    pub skipped: usize,
    /// Its top edge.
    pub y: u32,
    /// Its width (proportional to `n`, the largest count filling the chart).
    pub width: u32,
    /// The width of its failed part, drawn over its start.
    pub failed_width: u32,
    /// The width of its skipped part, drawn after the failed part.
    pub skipped_width: u32,
    /// Where the skipped part starts (after the failed part).
    pub skipped_x: u32,
    /// Its CSS class (its colour).
    pub class: String,
}

/// A titled part of the page with cards, for what is particular to one command.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PageSection {
    /// Its heading.
    pub title: String,
    /// Paragraphs before the cards.
    pub intro: Vec<String>,
    /// The cards, in reading order.
    pub cards: Vec<Card>,
}

/// One item of a [`PageSection`]: a heading, labelled lines and code blocks.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Card {
    /// Its heading.
    pub title: String,
    /// A short tag shown beside it (a severity, a cause code, a count).
    pub tag: Option<String>,
    /// `label: text` lines.
    pub lines: Vec<(String, String)>,
    /// Preformatted blocks (a request, a directory), each with a caption.
    pub code: Vec<(String, String)>,
}

/// One object of the directory and what the run did with it.
#[derive(Clone, Debug, Serialize)]
pub struct ObjectView {
    /// The source objectId.
    pub id: String,
    /// `user` or `group`.
    pub kind: &'static str,
    /// The userPrincipalName (users) or displayName, else the objectId.
    pub name: String,
    /// The displayName, when it is not already `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The provisioning action of its verdict: the last cycle that logged it
    /// ([`CycleVerdict`]); `none` when no cycle logged it. Status, error code and reason are
    /// that same entry's.
    pub action: String,
    /// The status of that entry: `success`, `failure`, `skipped` or `warning`; `none` when no
    /// cycle logged it (not evaluated by an incremental cycle).
    pub status: String,
    /// That entry's reason in a line: the error's reason, else the processing step's
    /// description.
    pub reason: String,
    /// That entry's error code (Entra's code of a failure, or a skip reason:
    /// `NotEffectivelyEntitled`, `RedundantExport`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The cycle of the verdict, when the run knows its number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle: Option<u32>,
    /// Every cycle that logged it (whose number the run knows), in order, with the status of
    /// each provisioning action its entries took in that cycle: what the cycle charts count
    /// and what the table's cycle, action and status filters match.
    pub history: Vec<(u32, Vec<ActionStatus>)>,
    /// The target attributes written to it over the run (by entries that succeeded).
    pub attributes: Vec<String>,
    /// Its provisioning log entries, shaped as Graph's provisioningObjectSummary, each kept
    /// as its JSON text: a 100,000-object run holds them all until the page is written, and
    /// as parsed values they took five times the memory.
    pub entries: Vec<Box<RawValue>>,
    /// Its attribute table in each cycle that evaluated it, as `entramap explain --cycle N`
    /// shows it: `[cycle, [[source, result, flows, sent, entra], ...]]` with a row per
    /// [`Page::mapping_rows`] row of its kind, each kept as its JSON text like the entries.
    pub tables: Vec<Box<RawValue>>,
    /// The exact requests sent about it.
    pub requests: Vec<RequestView>,
}

impl ObjectView {
    /// An object's row before its cycles: no verdict, entries, tables or requests yet
    /// ([`summarise`] fills the verdict from the entries).
    pub fn new(id: impl Into<String>, kind: &'static str, name: impl Into<String>) -> ObjectView {
        ObjectView {
            id: id.into(),
            kind,
            name: name.into(),
            display_name: None,
            action: String::new(),
            status: String::new(),
            reason: String::new(),
            error_code: None,
            cycle: None,
            history: Vec::new(),
            attributes: Vec::new(),
            entries: Vec::new(),
            tables: Vec::new(),
            requests: Vec::new(),
        }
    }
}

/// One request as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub struct RequestView {
    /// The cycle it was sent in.
    pub cycle: u32,
    /// Why it was sent (`match`, `create`, ...).
    pub action: &'static str,
    /// `METHOD path HTTP/1.1`, then the body as compact JSON on the next line.
    pub http: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's body as compact JSON, kept only for an error answer (a success answer
    /// echoes the request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// Why a page cannot be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The template failed (a bug: the templates are part of the program).
    #[error("the HTML template failed: {0}")]
    Template(String),
    /// The page's data cannot be written as JSON.
    #[error("the report's data cannot be written as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// An instant as RFC 3339 in UTC (`2025-01-01T00:00:00Z`, with a fraction only when there is
/// one), as `--now` takes it.
pub fn rfc3339(t: crate::dotnet::datetime::DateTime) -> String {
    let c = t.civil();
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
    if c.frac_ticks != 0 {
        let frac = format!("{:07}", c.frac_ticks);
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// `args` as one shell command line: words with anything but `[A-Za-z0-9_./:=@%+,-]` in
/// single quotes, so it can be pasted into a POSIX shell as it stands.
pub fn shell_line<S: AsRef<str>>(args: &[S]) -> String {
    args.iter()
        .map(|a| {
            let a = a.as_ref();
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c));
            if plain {
                a.to_owned()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_line_quotes_only_what_a_shell_would_split_or_expand() {
        assert_eq!(
            shell_line(&[
                "entramap",
                "simulate",
                "a b.yaml",
                "--now",
                "2025-01-01T00:00:00Z"
            ]),
            "entramap simulate 'a b.yaml' --now 2025-01-01T00:00:00Z"
        );
        assert_eq!(shell_line(&["it's", "", "$HOME"]), r"'it'\''s' '' '$HOME'");
    }

    #[test]
    fn rfc3339_reads_back_as_the_same_instant() {
        use crate::dotnet::datetime::DateTime;
        for text in [
            "2025-01-01T00:00:00Z",
            "1999-12-31T23:59:59.1234567Z",
            "2024-02-29T12:00:00.5Z",
        ] {
            let t = DateTime::parse_rfc3339(text).expect("valid");
            assert_eq!(rfc3339(t), text);
        }
    }
}
