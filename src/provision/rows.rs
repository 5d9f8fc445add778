//! The attribute table of Provision on demand (provision-on-demand.md, "Understand the
//! provisioning steps": the "Perform action" card lists each target attribute with the value it
//! gets): per mapping row, the source value, what the row gives the object, and whether that
//! value is sent and why.
//!
//! Built in three steps so that a whole run's page costs one compile and one assignment per
//! cycle, not one per object: [`AttributeRows`] is the mapping compiled once per run,
//! [`CycleRows`] who is assigned (with which roles) in one cycle's snapshot, and per object
//! [`AttributeRows::evaluate`] (what each row gives, known when the cycle starts on the object)
//! then [`AttributeRows::explain`] (whether it flows, known from the object's provisioning-log
//! entries of that cycle, gathered in [`FlowFacts`]). `explain` and the HTML report's
//! `HtmlOutput` both go through these, so the page says what `entramap explain` says.

use serde_json::Value as Json;

use super::assignment::{Assignment, EntraUser};
use super::cycle::SetupError;
use super::directory::Directory;
use super::log::{LogEntry, ProvisioningAction, Status, StepType};
use super::project::{CompiledMapping, RowResult};
use super::scope::{CompiledScopeFilter, compile_scope, in_scope, is_soft_deleted};
use super::target::ResourceKind;
use super::transcript::{REDACTED, Redactions};
use crate::dotnet::datetime::DateTime;
use crate::expr::Context;
use crate::model::mapping::{Apply, AttributeMapping, MappingFile, ObjectMapping, Settings};
use crate::model::source::{Source, SourceRef, SourceValue};

/// One mapping row for one object: what it gives and whether it flows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RowExplanation {
    /// The target attribute.
    pub target: String,
    /// How the row computes its value: `direct [mail]`, `constant "x"`, `expression ...`.
    pub mapping: String,
    /// `always` or `on create only`.
    pub apply: &'static str,
    /// The default value if null, if any.
    pub default: Option<String>,
    /// A direct row's source value.
    pub source: Option<String>,
    /// What the row gives (`(null)`, or the error).
    pub result: String,
    /// Whether the value flows: sent, unchanged, empty so not sent, default used, ...
    pub flows: String,
    /// The short answer: `sent`, `not sent`, `later` (a reference, sent once the objects are
    /// written) or `fails` (the row fails the object).
    pub sent: &'static str,
    /// Why, in Entra's own words where it has some: the portal's row setting ("Apply this
    /// mapping: Only during object creation", "Default value if null"), the provisioning
    /// log's step, property or skip reason (`RedundantExport`, `NotEffectivelyEntitled`).
    pub entra: Option<String>,
}

/// What one mapping row is, whoever the object: the parts of [`RowExplanation`] that do not
/// depend on the object. The HTML page carries these once per mapping, not once per object.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RowDescription {
    /// The target attribute.
    pub target: String,
    /// How the row computes its value, as [`RowExplanation::mapping`].
    pub mapping: String,
    /// `always` or `on create only`.
    pub apply: &'static str,
    /// The default value if null, if any.
    pub default: Option<String>,
    /// A direct row's source attribute.
    #[serde(skip)]
    source: Option<String>,
    /// Whether the target is a reference (`manager`, `members`), resolved to the app's id.
    #[serde(skip)]
    reference: bool,
    /// Whether `Redact()`'s value is masked in this row's result.
    #[serde(skip)]
    redacted: bool,
}

/// One object mapping (users or groups), compiled, with its rows described.
struct Table {
    compiled: CompiledMapping,
    rows: Vec<RowDescription>,
}

/// The attribute tables of a run's mapping: compiled once, asked per object.
pub struct AttributeRows {
    users: Table,
    groups: Option<Table>,
    user_scope: Vec<CompiledScopeFilter>,
    settings: Settings,
    seed: u64,
}

/// Who is assigned, with which roles, in one cycle's snapshot, and the cycle's clock: computed
/// once per cycle ([`AttributeRows::cycle`]) for every object of it.
pub struct CycleRows {
    assignment: Assignment,
    now: DateTime,
}

/// What each mapping row gives one object in one cycle, before its flow is known.
#[derive(Clone, Debug)]
pub struct Evaluated {
    kind: ResourceKind,
    /// Per row: a direct row's source value, and the row's result.
    values: Vec<(Option<String>, RowResult)>,
}

/// What an object's provisioning-log entries of one cycle say about its writes: whether it
/// was evaluated and created, whether the object was written (or held every value already),
/// and which target attributes were written. Fed entry by entry, in log order.
#[derive(Clone, Debug, Default)]
pub struct FlowFacts {
    /// The evaluation entry (the first with an import step) was seen.
    evaluated: bool,
    /// That entry is a create.
    creating: bool,
    /// That entry succeeded, or found nothing to export (`RedundantExport`).
    object_written: bool,
    /// That entry's error code or skip reason.
    code: Option<String>,
    /// Every entry's modifiedProperties, by display name.
    written: Vec<String>,
}

impl FlowFacts {
    /// The facts of `entries` (one object's entries of one cycle, in log order).
    pub fn of(entries: &[LogEntry]) -> FlowFacts {
        let mut facts = FlowFacts::default();
        for e in entries {
            facts.add(e);
        }
        facts
    }

    /// Add the next entry of the object in the cycle.
    pub fn add(&mut self, entry: &LogEntry) {
        // The evaluation entry (the one with an import step) decides the flow; later passes
        // (a manager reference, membership) only add written attributes.
        let import = entry
            .provisioning_steps
            .first()
            .is_some_and(|s| s.provisioning_step_type == StepType::Import);
        if import && !self.evaluated {
            self.evaluated = true;
            self.creating = entry.provisioning_action == ProvisioningAction::Create;
            self.object_written =
                entry.status() == Status::Success || entry.error_code() == Some("RedundantExport");
            self.code = entry.error_code().map(str::to_owned);
        }
        self.written.extend(
            entry
                .modified_properties
                .iter()
                .map(|m| m.display_name.clone()),
        );
    }

    /// Whether the object was evaluated in the cycle (it then has an attribute table to show).
    /// Only the HTML page asks.
    #[cfg(feature = "html")]
    pub fn evaluated(&self) -> bool {
        self.evaluated
    }
}

fn describe(mapping: &ObjectMapping, groups: bool, redactions: &Redactions) -> Vec<RowDescription> {
    mapping
        .mappings
        .iter()
        .map(|row| describe_row(row, redactions.covers(groups, &row.target.value)))
        .collect()
}

fn describe_row(row: &AttributeMapping, redacted: bool) -> RowDescription {
    let target = row.target.value.clone();
    let (mapping, source) = if let Some(e) = &row.expression {
        (format!("expression {}", e.value), None)
    } else if let Some(s) = &row.source {
        (format!("direct [{}]", s.value), Some(s.value.clone()))
    } else if let Some(c) = &row.constant {
        (format!("constant \"{}\"", c.value), None)
    } else {
        ("none".to_owned(), None)
    };
    let reference = ["manager", "members"].iter().any(|r| {
        target.eq_ignore_ascii_case(r) || target.to_ascii_lowercase().ends_with(&format!(":{r}"))
    });
    RowDescription {
        target,
        mapping,
        apply: if row.apply == Apply::OnCreate {
            "on create only"
        } else {
            "always"
        },
        default: row.default.clone(),
        source,
        reference,
        redacted,
    }
}

impl AttributeRows {
    /// The tables of `file`'s user and group mappings; `seed` seeds `Guid()` and
    /// `RandomString()` as the run's does. Fails as `Simulator::new` fails on the same file.
    pub fn new(file: &MappingFile, seed: u64) -> Result<AttributeRows, SetupError> {
        let redactions = Redactions::from_mapping(file);
        let table = |mapping: &ObjectMapping, object: &'static str| {
            CompiledMapping::compile(mapping)
                .map(|compiled| Table {
                    compiled,
                    rows: describe(mapping, object == "groups", &redactions),
                })
                .map_err(|e| SetupError::Row {
                    object,
                    source: Box::new(e),
                })
        };
        Ok(AttributeRows {
            users: table(&file.users, "users")?,
            groups: file
                .groups
                .as_ref()
                .map(|g| table(g, "groups"))
                .transpose()?,
            user_scope: compile_scope(&file.users.scope).map_err(|e| SetupError::Scope {
                object: "users",
                source: Box::new(e),
            })?,
            settings: file.settings.clone(),
            seed,
        })
    }

    /// The rows of the `kind` mapping (none for groups without a group mapping).
    pub fn describe(&self, kind: ResourceKind) -> &[RowDescription] {
        match kind {
            ResourceKind::User => &self.users.rows,
            ResourceKind::Group => self.groups.as_ref().map_or(&[], |g| &g.rows),
        }
    }

    /// Set up the cycle that runs over `snapshot` at `now`: who is assigned, with which roles.
    pub fn cycle(&self, snapshot: &Directory, now: DateTime) -> CycleRows {
        CycleRows {
            assignment: Assignment::compute(snapshot, &self.settings),
            now,
        }
    }

    /// What each row gives the `kind` object at `index` of `snapshot`, the snapshot `cycle`
    /// was set up with. Each object is evaluated as Provision on demand evaluates it, alone:
    /// `Guid()` and `RandomString()` start from the seed for every object.
    pub fn evaluate(
        &self,
        cycle: &CycleRows,
        snapshot: &Directory,
        kind: ResourceKind,
        index: usize,
    ) -> Evaluated {
        let ctx = Context::new(cycle.now, self.seed);
        let flags = [
            SourceValue::Str("False".to_owned()),
            SourceValue::Str("True".to_owned()),
        ];
        let (results, record) = match kind {
            ResourceKind::User => {
                let user = &snapshot.users[index];
                let deprovisioned = is_soft_deleted(
                    cycle.assignment.user(index).in_scope(),
                    in_scope(&self.user_scope, &user.record),
                    user.soft_deleted,
                    user.account_enabled(),
                );
                let view = EntraUser::new(
                    &user.record,
                    &flags[usize::from(deprovisioned)],
                    cycle.assignment.roles(index),
                );
                (self.users.compiled.evaluate_rows(&view, &ctx), &user.record)
            }
            ResourceKind::Group => {
                let record = &snapshot.groups[index].record;
                match &self.groups {
                    Some(g) => (g.compiled.evaluate_rows(record, &ctx), record),
                    None => (Vec::new(), record),
                }
            }
        };
        let rows = self.describe(kind);
        Evaluated {
            kind,
            values: rows
                .iter()
                .zip(results)
                .map(|(row, result)| {
                    let source = row.source.as_ref().map(|name| {
                        Source::attribute(record, name).map_or_else(|| "(null)".to_owned(), text)
                    });
                    (source, result)
                })
                .collect(),
        }
    }

    /// The attribute table of an evaluated object, its flows decided by `facts`.
    pub fn explain(&self, evaluated: &Evaluated, facts: &FlowFacts) -> Vec<RowExplanation> {
        self.describe(evaluated.kind)
            .iter()
            .zip(&evaluated.values)
            .map(|(row, (source, result))| explain_row(row, source.clone(), result, facts))
            .collect()
    }
}

/// Why a row's value is (not) sent.
enum Flow<'a> {
    /// The row fails the object.
    Fails(&'a str),
    /// `IgnoreFlowIfNullOrEmpty` removed it.
    Dropped,
    /// Empty, and the object is created: the row's default is sent.
    DefaultUsed(&'a str),
    /// Empty: nothing is sent; `default`: the row has a default, used on create only.
    Empty { default: bool },
    /// A reference, resolved to the app's id and sent after the objects are written.
    Reference { manager: bool },
    /// Applied on create only, and the object exists.
    OnCreateOnly,
    /// Written: among the entries' modifiedProperties.
    Sent,
    /// The object was written (or held everything) without this attribute.
    Unchanged { redundant: bool },
    /// The object was not written.
    NotWritten { code: Option<&'a str> },
}

impl Flow<'_> {
    /// The sentence `explain` prints.
    fn sentence(&self) -> String {
        match self {
            Flow::Fails(e) => format!("fails the object: {e}"),
            Flow::Dropped => "not sent: IgnoreFlowIfNullOrEmpty".to_owned(),
            Flow::DefaultUsed(d) => format!("default used: \"{d}\""),
            Flow::Empty { .. } => "empty, so not sent".to_owned(),
            Flow::Reference { .. } => {
                "a reference: resolved to the app's id and sent after the objects are written"
                    .to_owned()
            }
            Flow::OnCreateOnly => "on create only: not sent to an existing account".to_owned(),
            Flow::Sent => "sent".to_owned(),
            Flow::Unchanged { .. } => "unchanged: the app holds it already".to_owned(),
            Flow::NotWritten { .. } => "not sent: the object is not written".to_owned(),
        }
    }

    fn sent(&self) -> &'static str {
        match self {
            Flow::Fails(_) => "fails",
            Flow::DefaultUsed(_) | Flow::Sent => "sent",
            Flow::Reference { .. } => "later",
            _ => "not sent",
        }
    }

    /// Entra's words for it, where Entra has some (docs/mapping-model.md §2 for the row
    /// settings, docs/provisioning-log.md §2 and §3 for the log's steps and codes).
    fn entra(&self) -> Option<String> {
        match self {
            Flow::DefaultUsed(_) => Some("Default value if null (optional)".to_owned()),
            Flow::Empty { default: true } => {
                Some("Default value if null: only when the object is created".to_owned())
            }
            Flow::Reference { manager: true } => Some("EntryReferenceResolution".to_owned()),
            Flow::OnCreateOnly => {
                Some("Apply this mapping: Only during object creation".to_owned())
            }
            Flow::Sent => Some("modifiedProperties".to_owned()),
            Flow::Unchanged { redundant: true } => Some("RedundantExport".to_owned()),
            Flow::NotWritten { code: Some(code) } => Some((*code).to_owned()),
            _ => None,
        }
    }
}

fn explain_row(
    row: &RowDescription,
    source: Option<String>,
    result: &RowResult,
    facts: &FlowFacts,
) -> RowExplanation {
    let target = &row.target;
    let (mut result_text, flow) = match result {
        RowResult::Failed(e) => (format!("error: {e}"), Flow::Fails(e)),
        RowResult::Dropped => ("(dropped)".to_owned(), Flow::Dropped),
        RowResult::Empty => (
            "(null)".to_owned(),
            match &row.default {
                Some(d) if facts.creating && !d.is_empty() => Flow::DefaultUsed(d),
                d => Flow::Empty {
                    default: d.as_ref().is_some_and(|d| !d.is_empty()),
                },
            },
        ),
        RowResult::Value(v) => {
            let flow = if row.reference {
                Flow::Reference {
                    manager: !target.to_ascii_lowercase().ends_with("members"),
                }
            } else if row.apply != "always" && !facts.creating {
                Flow::OnCreateOnly
            } else if facts.written.iter().any(|w| {
                w.eq_ignore_ascii_case(target)
                    || w.starts_with(&format!("{target}."))
                    || w.starts_with(&format!("{target}["))
            }) {
                Flow::Sent
            } else if facts.object_written {
                Flow::Unchanged {
                    redundant: facts.code.as_deref() == Some("RedundantExport"),
                }
            } else {
                Flow::NotWritten {
                    code: facts.code.as_deref(),
                }
            };
            (shown(v), flow)
        }
    };
    // A `Redact()`ed value is shown as Entra's logs show it, never in clear.
    if row.redacted && !result_text.starts_with("error:") && result_text != "(null)" {
        result_text = format!("\"{REDACTED}\"");
    }
    RowExplanation {
        target: target.clone(),
        mapping: row.mapping.clone(),
        apply: row.apply,
        default: row.default.clone(),
        source,
        result: result_text,
        flows: flow.sentence(),
        sent: flow.sent(),
        entra: flow.entra(),
    }
}

/// A source value as one line: a list's items joined by `, `.
pub(super) fn text(value: SourceRef<'_>) -> String {
    match value {
        SourceRef::Str(s) => s.to_owned(),
        SourceRef::Bool(b) => crate::expr::value::bool_text(b).to_owned(),
        SourceRef::List(items) => items.iter().collect::<Vec<_>>().join(", "),
    }
}

fn shown(v: &Json) -> String {
    match v {
        Json::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(target: &str, apply: &'static str, default: Option<&str>) -> RowDescription {
        RowDescription {
            target: target.to_owned(),
            mapping: "direct [x]".to_owned(),
            apply,
            default: default.map(str::to_owned),
            source: Some("x".to_owned()),
            reference: ["manager", "members"].contains(&target),
            redacted: false,
        }
    }

    fn facts(
        creating: bool,
        object_written: bool,
        code: Option<&str>,
        written: &[&str],
    ) -> FlowFacts {
        FlowFacts {
            evaluated: true,
            creating,
            object_written,
            code: code.map(str::to_owned),
            written: written.iter().map(|w| (*w).to_owned()).collect(),
        }
    }

    /// Each way a row's value is (not) sent, with its sentence (explain's), its short answer
    /// and Entra's words for it.
    #[test]
    fn each_flow_has_explains_sentence_a_short_answer_and_entras_words() {
        let value = || RowResult::Value(Json::from("v"));
        // A row, its result, the object's facts; the sentence, the short answer, Entra's words.
        type Case = (
            RowDescription,
            RowResult,
            FlowFacts,
            &'static str,
            &'static str,
            Option<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                row("title", "always", None),
                value(),
                facts(true, true, None, &["title"]),
                "sent",
                "sent",
                Some("modifiedProperties"),
            ),
            (
                row("emails", "always", None),
                value(),
                facts(true, true, None, &["emails[type eq \"work\"].value"]),
                "sent",
                "sent",
                Some("modifiedProperties"),
            ),
            (
                row("badge", "on create only", None),
                value(),
                facts(false, true, None, &[]),
                "on create only: not sent to an existing account",
                "not sent",
                Some("Apply this mapping: Only during object creation"),
            ),
            (
                row("badge", "always", Some("000000")),
                RowResult::Empty,
                facts(true, true, None, &[]),
                "default used: \"000000\"",
                "sent",
                Some("Default value if null (optional)"),
            ),
            (
                row("badge", "always", Some("000000")),
                RowResult::Empty,
                facts(false, true, None, &[]),
                "empty, so not sent",
                "not sent",
                Some("Default value if null: only when the object is created"),
            ),
            (
                row("title", "always", None),
                RowResult::Empty,
                facts(true, true, None, &[]),
                "empty, so not sent",
                "not sent",
                None,
            ),
            (
                row("title", "always", None),
                RowResult::Dropped,
                facts(true, true, None, &[]),
                "not sent: IgnoreFlowIfNullOrEmpty",
                "not sent",
                None,
            ),
            (
                row("title", "always", None),
                value(),
                facts(false, true, Some("RedundantExport"), &[]),
                "unchanged: the app holds it already",
                "not sent",
                Some("RedundantExport"),
            ),
            (
                row("title", "always", None),
                value(),
                facts(true, false, Some("NotEffectivelyEntitled"), &[]),
                "not sent: the object is not written",
                "not sent",
                Some("NotEffectivelyEntitled"),
            ),
            (
                row("manager", "always", None),
                value(),
                facts(true, true, None, &[]),
                "a reference: resolved to the app's id and sent after the objects are written",
                "later",
                Some("EntryReferenceResolution"),
            ),
            (
                row("title", "always", None),
                RowResult::Failed("boom".to_owned()),
                facts(true, false, Some("ExpressionFailed"), &[]),
                "fails the object: boom",
                "fails",
                None,
            ),
        ];
        for (row, result, facts, flows, sent, entra) in cases {
            let x = explain_row(&row, Some("v".to_owned()), &result, &facts);
            assert_eq!(
                (x.flows.as_str(), x.sent, x.entra.as_deref()),
                (flows, sent, entra),
                "{} {result:?}",
                row.target
            );
        }
    }
}
