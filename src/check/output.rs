//! The human (miette) and JSON renderings of a [`CheckReport`].

use std::fmt;
use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::{CheckFinding, CheckReport, CheckSeverity};

impl CheckReport {
    /// The JSON document `check --format json` prints:
    /// `{file, errors, warnings, findings: [{code, name, severity, message, why, fix, object,
    /// target, line, column, end_line, end_column, start, end}]}` (positions are null when a
    /// finding could not be placed; lines and columns count from 1, columns in characters,
    /// `start`/`end` are byte offsets).
    pub fn to_json(&self) -> Json {
        let findings: Vec<Json> = self
            .findings
            .iter()
            .map(|f| {
                let p = f.position;
                json!({
                    "code": f.code(),
                    "name": f.lint.name,
                    "severity": f.severity().as_str(),
                    "message": f.message,
                    "why": f.why(),
                    "fix": f.fix,
                    "object": f.object.map(|o| o.key()),
                    "target": f.target,
                    "line": p.map(|p| p.line),
                    "column": p.map(|p| p.column),
                    "end_line": p.map(|p| p.end_line),
                    "end_column": p.map(|p| p.end_column),
                    "start": p.map(|p| p.start),
                    "end": p.map(|p| p.end),
                })
            })
            .collect();
        json!({
            "file": self.file,
            "errors": self.errors(),
            "warnings": self.warnings(),
            "findings": findings,
        })
    }

    /// One miette diagnostic per finding, over the file's `text`.
    pub fn diagnostics(&self, text: &str) -> Vec<FindingDiagnostic> {
        let source = Arc::new(miette::NamedSource::new(&self.file, Arc::<str>::from(text)));
        self.findings
            .iter()
            .map(|f| FindingDiagnostic {
                finding: f.clone(),
                file: Arc::clone(&source),
            })
            .collect()
    }
}

/// A finding as a miette diagnostic: code and name, severity, a label at its place, and the
/// why and fix as help.
#[derive(Debug, thiserror::Error)]
#[error("{}{}", finding.message, unplaced(finding, file))]
pub struct FindingDiagnostic {
    finding: CheckFinding,
    /// The file (not named `source`: thiserror would take it for the error's cause).
    file: Arc<miette::NamedSource<Arc<str>>>,
}

/// Where an unplaced finding is: without a snippet miette does not name the file.
fn unplaced(finding: &CheckFinding, file: &miette::NamedSource<Arc<str>>) -> String {
    if finding.position.is_some() {
        return String::new();
    }
    match finding.object {
        Some(object) => format!(" ({}, {} mapping)", file.name(), object.key()),
        None => format!(" ({})", file.name()),
    }
}

impl miette::Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{} {}",
            self.finding.code(),
            self.finding.lint.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity() {
            CheckSeverity::Error => miette::Severity::Error,
            CheckSeverity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "{}\nfix: {}",
            self.finding.why(),
            self.finding.fix
        )))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.finding
            .position
            .is_some()
            .then_some(&*self.file as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let p = self.finding.position?;
        let label = miette::LabeledSpan::new_with_span(
            Some(self.finding.lint.summary.to_string()),
            (p.start, p.end - p.start),
        );
        Some(Box::new(std::iter::once(label)))
    }
}
