//! What changed between two versions of a mapping, in the terms of Entra's mapping editor:
//! rows added, removed or changed (by target attribute), scoping filters, object actions and
//! the group mapping switched on or off. `entramap impact` prints it before the requests of
//! the full cycle Entra runs after the change is saved.

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
