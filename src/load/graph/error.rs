//! Why a Graph schema does not import, or a mapping file does not export.

use std::fmt;

use crate::input::json::JsonPath;

/// A Graph schema that [`super::import`] refuses, or a mapping file that [`super::export`]
/// cannot write, with the place to blame. Shown as `path: message`
/// (`synchronizationRules[0].objectMappings: no object mapping to import`), the form the
/// command line has always printed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind}", Place(self))]
pub struct GraphError {
    /// Import: the value of the schema at fault. Export: the part of the mapping file at fault,
    /// by its YAML keys (`users.mappings[1]`, `graph.directories`).
    pub path: JsonPath,
    /// Export of a row: the row's target attribute, to name it to a reader.
    pub row_target: Option<String>,
    /// What is wrong there.
    pub kind: GraphErrorKind,
}

/// What is wrong, for [`GraphError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphErrorKind {
    /// The document is not a JSON object at all.
    #[error("expected a JSON object (a Graph synchronizationSchema), found {found}")]
    NotASchema {
        /// What it is instead (`an array`).
        found: &'static str,
    },
    /// A value of the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What Graph has there (`an object`, `true or false`).
        expected: &'static str,
        /// What the file has (`a number`, `the string "1"`).
        found: String,
    },
    /// A member that must be present is not.
    #[error("missing{}", why.as_ref().map(|w| format!(": {w}")).unwrap_or_default())]
    Missing {
        /// Why it is needed, when worth saying.
        why: Option<String>,
    },
    /// A string outside the names Graph defines for this field.
    #[error("expected {expected}, found {found:?}")]
    UnknownName {
        /// The names Graph defines, as a reader would list them.
        expected: &'static str,
        /// What the file has.
        found: String,
    },
    /// `flowTypes` with a flag that is not `Add`, `Update` or `Delete`.
    #[error(
        "expected flags among Add, Update, Delete (e.g. \"Add, Update, Delete\"), found {found:?}"
    )]
    UnknownFlowTypes {
        /// What the file has.
        found: String,
    },
    /// `synchronizationRules` is an empty list.
    #[error("empty: there is no rule to import")]
    NoRules,
    /// Several rules, none of them for users.
    #[error(
        "no rule has an object mapping with sourceObjectName \"User\", and there are several rules to choose from"
    )]
    NoUserRule,
    /// The chosen rule has no object mappings.
    #[error("no object mapping to import")]
    NoObjectMapping,
    /// The chosen rule's object mappings are all for groups.
    #[error("no object mapping for users (sourceObjectName \"User\")")]
    NoUserMapping,
    /// Export: a row sets more than one of `source`, `constant` and `expression`.
    #[error("sets more than one of source, constant and expression")]
    SeveralSources,
    /// Export: an expression that has to become a Graph tree does not parse.
    #[error("expression {expression:?} does not parse (at byte {at}): {message}")]
    ExpressionSyntax {
        /// The expression.
        expression: String,
        /// The byte of the expression the parser stopped at.
        at: usize,
        /// The parser's message.
        message: String,
    },
    /// Export: the file-level `graph` has no place marked for the users mapping.
    #[error(
        "no object mapping list holds the \"$users\" marker that says where the users mapping goes"
    )]
    NoUsersMarker,
    /// Export: the file-level `graph` has the wrong shape where a mapping or definition goes.
    #[error("expected {expected}")]
    Malformed {
        /// What export needs there.
        expected: &'static str,
    },
}

impl GraphError {
    /// An error at `path`.
    pub fn new(path: JsonPath, kind: GraphErrorKind) -> GraphError {
        GraphError {
            path,
            row_target: None,
            kind,
        }
    }
}

/// The place half of the message: the path, and the row's target when there is one.
struct Place<'a>(&'a GraphError);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.path)?;
        match &self.0.row_target {
            Some(target) => write!(f, " (target {target:?})"),
            None => Ok(()),
        }
    }
}
