//! Static lints over mapping tables: `entramap check`.
//!
//! [`check`] runs every lint of [`table::LINTS`] over a loaded mapping and returns a
//! [`CheckReport`] of [`CheckFinding`]s, each with a stable code, the lint's why and fix, and its place
//! in the file. The lint table is the single source of codes, messages, documentation and
//! SARIF rules; the passes that raise findings live in their own modules:
//!
//! * `rows` — the mapping table itself: targets, matching, required attributes,
//!   duplicates, vendor storage, defaults, direct sources;
//! * `expression` — expressions: compile errors and warnings, attributes, and Entra's
//!   documented pitfalls (IIF, Switch, non-deterministic functions, Booleans, references);
//! * `scope` — scoping filter clauses;
//! * `output` and `sarif` — the human, JSON and SARIF renderings;
//! * [`gate`](mod@gate) — the refusal every command that runs a mapping goes through first.

pub(crate) mod catalog;
mod expression;
pub mod gate;
mod locate;
pub(crate) mod output;
mod rows;
pub(crate) mod sarif;
mod scope;
pub mod table;

use crate::load::Loaded;

pub use gate::{Refused, gate};
pub use output::FindingDiagnostic;
pub use table::{CheckSeverity, LINTS, Lint, lint};

/// Which object mapping a finding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// "Provision Microsoft Entra ID Users".
    Users,
    /// "Provision Microsoft Entra ID Groups".
    Groups,
}

impl ObjectType {
    /// The key of the object mapping in the YAML format (`users` / `groups`).
    pub fn key(self) -> &'static str {
        match self {
            ObjectType::Users => "users",
            ObjectType::Groups => "groups",
        }
    }
}

/// Where a finding is in the file: a byte range and its 1-based line and column (columns
/// counted in characters, the end exclusive as SARIF wants it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Line of `start`, from 1.
    pub line: usize,
    /// Column of `start` in characters, from 1.
    pub column: usize,
    /// Line of `end`, from 1.
    pub end_line: usize,
    /// Column of `end` in characters, from 1 (the character after the range).
    pub end_column: usize,
}

/// One problem found in a mapping.
#[derive(Clone, Debug)]
pub struct CheckFinding {
    /// The lint that fired: code, severity, why and the general fix.
    pub lint: &'static Lint,
    /// What is wrong here, naming the attribute, function or value.
    pub message: String,
    /// How to fix this instance: the lint's fix, or a more specific one (a did-you-mean, the
    /// compiler's usage hint).
    pub fix: String,
    /// The object mapping, when the finding is inside one.
    pub object: Option<ObjectType>,
    /// The target attribute of the row (or of the attribute list entry) concerned.
    pub target: Option<String>,
    /// Where in the file; `None` when the format keeps no locations (Graph JSON) and the
    /// finding could not be placed.
    pub position: Option<Position>,
}

impl CheckFinding {
    /// The finding's code, e.g. `EM001`.
    pub fn code(&self) -> &'static str {
        self.lint.code
    }

    /// Its severity.
    pub fn severity(&self) -> CheckSeverity {
        self.lint.severity
    }

    /// Why it matters: one sentence, from the lint table.
    pub fn why(&self) -> &'static str {
        self.lint.why
    }
}

/// Everything `check` found in one file, in file order.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// The file's display name.
    pub file: String,
    /// The findings, sorted by position (unplaced ones last), errors before warnings at the
    /// same place.
    pub findings: Vec<CheckFinding>,
}

impl CheckReport {
    /// The report for a file that could not be read as a mapping: one EM000 finding.
    pub fn unreadable(file: &str, message: String) -> CheckReport {
        CheckReport {
            file: file.to_string(),
            findings: vec![CheckFinding {
                lint: &table::UNREADABLE_FILE,
                message,
                fix: table::UNREADABLE_FILE.fix.to_string(),
                object: None,
                target: None,
                position: None,
            }],
        }
    }

    /// How many findings are errors.
    pub fn errors(&self) -> usize {
        self.count(CheckSeverity::Error)
    }

    /// How many findings are warnings.
    pub fn warnings(&self) -> usize {
        self.count(CheckSeverity::Warning)
    }

    /// Whether `entramap check` should fail.
    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    fn count(&self, severity: CheckSeverity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity() == severity)
            .count()
    }

    /// `N errors, M warnings`, for the end of the human output.
    pub fn summary(&self) -> String {
        fn plural(n: usize, word: &str) -> String {
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{n} {word}s")
            }
        }
        format!(
            "{}, {}",
            plural(self.errors(), "error"),
            plural(self.warnings(), "warning")
        )
    }
}

/// Run every lint over a loaded mapping file.
pub fn check(loaded: &Loaded) -> CheckReport {
    let mut cx = Checker::new(loaded);
    let file = &loaded.file;
    rows::object(&mut cx, ObjectType::Users, &file.users);
    if let Some(groups) = &file.groups {
        rows::object(&mut cx, ObjectType::Groups, groups);
    }
    let mut findings = cx.findings;
    // Stable order: by place in the file, errors first at the same place, then by code, so
    // that outputs are deterministic and read top to bottom.
    findings.sort_by_key(|f| {
        (
            f.position.map_or(usize::MAX, |p| p.start),
            f.severity() != CheckSeverity::Error,
            f.lint.code,
        )
    });
    CheckReport {
        file: loaded.name.clone(),
        findings,
    }
}

/// The state of one `check` run: where to place findings and what was found so far.
pub(crate) struct Checker<'a> {
    pub locator: locate::Locator<'a>,
    pub findings: Vec<CheckFinding>,
    /// The source attributes a Graph schema's own source directory defines, per object
    /// (users, groups): they replace Entra's catalog for a job whose source is not Entra ID
    /// (a Cloud Sync schema reads Active Directory's `sAMAccountName`).
    pub schema_sources: [Option<Vec<String>>; 2],
}

impl<'a> Checker<'a> {
    fn new(loaded: &'a Loaded) -> Checker<'a> {
        Checker {
            locator: locate::Locator::new(loaded),
            findings: Vec::new(),
            schema_sources: [
                crate::load::graph::user_source_attributes(&loaded.file),
                crate::load::graph::group_source_attributes(&loaded.file),
            ],
        }
    }

    /// The schema's own source attributes for `object`, when it defines them.
    pub fn schema_source(&self, object: ObjectType) -> Option<&[String]> {
        let i = match object {
            ObjectType::Users => 0,
            ObjectType::Groups => 1,
        };
        self.schema_sources[i].as_deref()
    }

    /// Whether `name` is a source attribute of `object`: in the schema's own source directory
    /// when it has one, else in Entra's catalog.
    pub fn is_known_source(&self, object: ObjectType, name: &str) -> bool {
        match self.schema_source(object) {
            Some(names) => names.iter().any(|n| n == name),
            None => catalog::is_known(object, name),
        }
    }

    /// Record a finding of `lint` at a byte range (or nowhere) and return it for
    /// adjustments (a specific fix).
    pub fn report(
        &mut self,
        lint: &'static Lint,
        object: ObjectType,
        target: Option<&str>,
        span: Option<(usize, usize)>,
        message: String,
    ) -> &mut CheckFinding {
        let position = span.map(|s| self.locator.position(s));
        self.findings.push(CheckFinding {
            lint,
            message,
            fix: lint.fix.to_string(),
            object: Some(object),
            target: target.map(str::to_string),
            position,
        });
        self.findings.last_mut().expect("just pushed")
    }
}
