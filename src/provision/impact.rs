//! What changed between two versions of a mapping, in the terms of Entra's mapping editor:
//! rows added, removed or changed (by target attribute), scoping filters, object actions and
//! the group mapping switched on or off. `entramap impact` prints it before the requests of
//! the full cycle Entra runs after the change is saved.

use super::directory::Directory;
use super::rows::{AttributeRows, CycleRows, FlowFacts};
use super::target::ResourceKind;
use crate::dotnet::datetime::DateTime;
use crate::model::attribute_index::AttributeIndex;
use crate::model::mapping::{Apply, AttributeMapping, MappingFile, ObjectMapping, ScopeFilter};

/// One difference between two mappings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingChange {
    /// `users` or `groups`.
    pub object: &'static str,
    /// What changed.
    pub kind: ChangeKind,
}

/// The kinds of [`MappingChange`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// A row for a target attribute that had none.
    RowAdded {
        /// The target attribute.
        target: String,
        /// The row, as [`describe_row`] prints it.
        row: String,
    },
    /// A target attribute's row removed.
    RowRemoved {
        /// The target attribute.
        target: String,
        /// The row it had.
        row: String,
    },
    /// A target attribute's row changed (source, default, matching or when it applies).
    RowChanged {
        /// The target attribute.
        target: String,
        /// The row before.
        before: String,
        /// The row after.
        after: String,
    },
    /// The scoping filters changed.
    Scope {
        /// The filters before, as [`describe_scope`] prints them.
        before: String,
        /// The filters after.
        after: String,
    },
    /// The target object actions changed.
    Actions {
        /// Before, e.g. `create, update, delete`.
        before: String,
        /// After.
        after: String,
    },
    /// The object mapping was switched on or off (or added or removed).
    Enabled {
        /// Whether it runs after the change.
        enabled: bool,
    },
}

impl std::fmt::Display for MappingChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = self.object;
        match &self.kind {
            ChangeKind::RowAdded { target, row } => write!(f, "{o}: row added: {target} ← {row}"),
            ChangeKind::RowRemoved { target, row } => {
                write!(f, "{o}: row removed: {target} ← {row}")
            }
            ChangeKind::RowChanged {
                target,
                before,
                after,
            } => write!(f, "{o}: row changed: {target} ← {before}  ⇒  {after}"),
            ChangeKind::Scope { before, after } => {
                write!(f, "{o}: scoping filters changed: {before}  ⇒  {after}")
            }
            ChangeKind::Actions { before, after } => {
                write!(
                    f,
                    "{o}: target object actions changed: {before}  ⇒  {after}"
                )
            }
            ChangeKind::Enabled { enabled: true } => write!(f, "{o}: mapping switched on"),
            ChangeKind::Enabled { enabled: false } => write!(f, "{o}: mapping switched off"),
        }
    }
}

/// How a changed (or added) row's values differ for the objects of one snapshot: what `impact`
/// says when the change writes nothing, so that a change with no effect is explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueChange {
    /// Objects of the row's type in the snapshot.
    pub objects: usize,
    /// Of them, objects the new row gives another value than the old one (an added row: any
    /// value but none).
    pub differ: usize,
    /// Of those, the ones whose values differ only in case.
    pub differ_in_case_only: usize,
    /// Whether the target attribute is "Exact case" (caseExact), which decides whether
    /// Entra's comparison with the app's value sees a change of case (how-provisioning-works.md;
    /// `provision/diff.rs` compares text without case otherwise).
    pub case_exact: bool,
}

impl ValueChange {
    /// Why a change that wrote to no object wrote nothing, when these counts tell.
    pub fn why_nothing_written(&self, target: &str) -> Option<String> {
        if self.objects == 0 {
            return None;
        }
        if self.differ == 0 {
            return Some("both rows give every object the same value".to_owned());
        }
        if self.differ == self.differ_in_case_only && !self.case_exact {
            return Some(format!(
                "the new values differ from the old only in case ({} object{}), and {target} is \
                 not caseExact: Entra compares its values without case, so it sends nothing",
                self.differ,
                if self.differ == 1 { "" } else { "s" }
            ));
        }
        None
    }
}

/// For `change` (a row changed or added), how the old and new rows' values differ over
/// `snapshot`'s objects at `now` (with `seed` for `Guid()` and `RandomString()`, as the run's);
/// `None` for other changes, or when either mapping cannot be set up.
pub fn value_change(
    old: &MappingFile,
    new: &MappingFile,
    change: &MappingChange,
    snapshot: &Directory,
    now: DateTime,
    seed: u64,
) -> Option<ValueChange> {
    let (ChangeKind::RowChanged { target, .. } | ChangeKind::RowAdded { target, .. }) =
        &change.kind
    else {
        return None;
    };
    let (kind, count, mapping) = match change.object {
        "users" => (ResourceKind::User, snapshot.users.len(), &new.users),
        _ => (
            ResourceKind::Group,
            snapshot.groups.len(),
            new.groups.as_ref()?,
        ),
    };
    let case_exact = AttributeIndex::new(mapping.attributes.clone())
        .find(target, crate::scim::Path::parse(target).ok().as_ref())
        .is_some_and(|a| a.case_exact);
    let (old_rows, new_rows) = (
        AttributeRows::new(old, seed).ok()?,
        AttributeRows::new(new, seed).ok()?,
    );
    // A row the old mapping lacks gives nothing: `(null)`, as `explain` shows an empty row.
    let result = |rows: &AttributeRows, cycle: &CycleRows, index: usize| {
        let evaluated = rows.evaluate(cycle, snapshot, kind, index);
        rows.explain(&evaluated, &FlowFacts::default())
            .into_iter()
            .find(|r| r.target.eq_ignore_ascii_case(target))
            .map_or_else(|| "(null)".to_owned(), |r| r.result)
    };
    let (old_cycle, new_cycle) = (old_rows.cycle(snapshot, now), new_rows.cycle(snapshot, now));
    let mut out = ValueChange {
        objects: count,
        differ: 0,
        differ_in_case_only: 0,
        case_exact,
    };
    for index in 0..count {
        let (a, b) = (
            result(&old_rows, &old_cycle, index),
            result(&new_rows, &new_cycle, index),
        );
        if a != b {
            out.differ += 1;
            if a.to_lowercase() == b.to_lowercase() {
                out.differ_in_case_only += 1;
            }
        }
    }
    Some(out)
}

/// The differences from `old` to `new`, users first, each object's rows in `new`'s order
/// (removed rows in `old`'s order after them).
pub fn mapping_changes(old: &MappingFile, new: &MappingFile) -> Vec<MappingChange> {
    let mut out = Vec::new();
    object_changes("users", Some(&old.users), Some(&new.users), &mut out);
    let enabled = |m: &Option<ObjectMapping>| m.as_ref().filter(|g| g.enabled).cloned();
    object_changes(
        "groups",
        enabled(&old.groups).as_ref(),
        enabled(&new.groups).as_ref(),
        &mut out,
    );
    out
}

fn object_changes(
    object: &'static str,
    old: Option<&ObjectMapping>,
    new: Option<&ObjectMapping>,
    out: &mut Vec<MappingChange>,
) {
    let mut push = |kind| out.push(MappingChange { object, kind });
    let (old, new) = match (old, new) {
        (None, None) => return,
        (Some(_), None) => return push(ChangeKind::Enabled { enabled: false }),
        (None, Some(_)) => return push(ChangeKind::Enabled { enabled: true }),
        (Some(o), Some(n)) => (o, n),
    };
    // Target names compare as SCIM compares attribute names: without case.
    let find = |rows: &[AttributeMapping], target: &str| -> Option<String> {
        rows.iter()
            .find(|r| r.target.value.eq_ignore_ascii_case(target))
            .map(describe_row)
    };
    for row in &new.mappings {
        let target = row.target.value.clone();
        let after = describe_row(row);
        match find(&old.mappings, &target) {
            None => push(ChangeKind::RowAdded { target, row: after }),
            Some(before) if before != after => push(ChangeKind::RowChanged {
                target,
                before,
                after,
            }),
            Some(_) => {}
        }
    }
    for row in &old.mappings {
        if find(&new.mappings, &row.target.value).is_none() {
            push(ChangeKind::RowRemoved {
                target: row.target.value.clone(),
                row: describe_row(row),
            });
        }
    }
    let (before, after) = (describe_scope(&old.scope), describe_scope(&new.scope));
    if before != after {
        push(ChangeKind::Scope { before, after });
    }
    let actions = |m: &ObjectMapping| {
        let mut names: Vec<&str> = m
            .actions
            .iter()
            .map(|a| match a {
                crate::model::mapping::TargetObjectAction::Create => "create",
                crate::model::mapping::TargetObjectAction::Update => "update",
                crate::model::mapping::TargetObjectAction::Delete => "delete",
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    let (before, after) = (actions(old), actions(new));
    if before != after {
        push(ChangeKind::Actions { before, after });
    }
}

/// A row as the mapping editor shows it: its source (`[attribute]`, `"constant"` or the
/// expression), then its default, matching precedence and when it applies, when set.
pub fn describe_row(row: &AttributeMapping) -> String {
    let mut s = if let Some(source) = &row.source {
        format!("[{}]", source.value)
    } else if let Some(constant) = &row.constant {
        format!("{:?}", constant.value)
    } else if let Some(expression) = &row.expression {
        expression.value.clone()
    } else {
        "(none)".to_owned()
    };
    if let Some(default) = &row.default {
        s.push_str(&format!(", default {default:?}"));
    }
    if let Some(m) = row.matching {
        s.push_str(&format!(", match {m}"));
    }
    let apply = match row.apply {
        Apply::Always => None,
        Apply::OnCreate => Some("on-create"),
        Apply::MultiValueAddOnly => Some("multi-value-add-only"),
        Apply::ValueAddOnly => Some("value-add-only"),
        Apply::AttributeAddOnly => Some("attribute-add-only"),
    };
    if let Some(apply) = apply {
        s.push_str(&format!(", apply {apply}"));
    }
    s
}

/// Scoping filters as text: each filter's clauses joined by `AND`, filters by `OR`, or `all
/// objects` when there are none.
pub fn describe_scope(filters: &[ScopeFilter]) -> String {
    if filters.is_empty() {
        return "all objects".to_owned();
    }
    filters
        .iter()
        .map(|f| {
            let clauses: Vec<String> = f
                .clauses
                .iter()
                .map(|c| match &c.value {
                    Some(v) => format!("{} {} {v:?}", c.attribute.value, c.operator.value),
                    None => format!("{} {}", c.attribute.value, c.operator.value),
                })
                .collect();
            format!("({})", clauses.join(" AND "))
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_that_writes_nothing_says_why_when_the_values_tell() {
        let v = |objects, differ, case_only, case_exact| ValueChange {
            objects,
            differ,
            differ_in_case_only: case_only,
            case_exact,
        };
        assert_eq!(
            v(5, 0, 0, false).why_nothing_written("title").as_deref(),
            Some("both rows give every object the same value")
        );
        assert!(
            v(5, 2, 2, false)
                .why_nothing_written("title")
                .is_some_and(|w| w.contains("only in case (2 objects)"))
        );
        // Exact case: a case change is a change, so the counts do not say why.
        assert_eq!(v(5, 2, 2, true).why_nothing_written("title"), None);
        assert_eq!(v(5, 2, 1, false).why_nothing_written("title"), None);
        assert_eq!(v(0, 0, 0, false).why_nothing_written("title"), None);
    }
}
