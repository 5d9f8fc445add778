//! Attribute scoping filters (docs/mapping-model.md §4) and the computed `IsSoftDeleted`
//! (§5.2): which source objects Entra provisions, and which it deprovisions.
//!
//! Filters are compiled once per mapping ([`compile_scope`]) so that scoping a large directory
//! parses no operator name and compiles no regular expression per object.

use crate::dotnet::regex::DotNetRegex;
use crate::model::mapping::{ScopeClause, ScopeFilter};
use crate::model::scope::ScopeOperator;
use crate::model::source::{Source, SourceRef};

/// One scoping filter, ready to evaluate: its clauses all must hold.
#[derive(Debug)]
pub struct CompiledScopeFilter {
    /// The filter's title, or `Scoping filter N`.
    name: String,
    clauses: Vec<CompiledClause>,
}

/// One clause: the source attribute and the operator with its prepared operand.
#[derive(Debug)]
struct CompiledClause {
    attribute: String,
    op: Op,
    /// The clause as written (`department EQUALS Sales`), for explanations.
    text: String,
}

/// The documented operators (docs/mapping-model.md §4.3), operands parsed at compile time.
#[derive(Debug)]
enum Op {
    Equals(String),
    NotEquals(String),
    EndsWith(String),
    Includes(String),
    RegexMatch(DotNetRegex),
    NotRegexMatch(DotNetRegex),
    GreaterThan(i64),
    GreaterThanOrEquals(i64),
    IsTrue,
    IsFalse,
    IsNull,
    IsNotNull,
    BitAnd(i64),
    NotBitAnd(i64),
}

/// Compile a mapping's scoping filters. Operator names are matched as Graph's `operatorName`
/// and the portal spell them, ignoring case and treating `_` and spaces alike (`NOT_EQUALS`,
/// `Not Equals`). Errors name the filter, the clause and what is wrong: an unknown operator,
/// a missing operand, a non-integer operand of a numeric operator or an unsupported regex.
pub fn compile_scope(filters: &[ScopeFilter]) -> Result<Vec<CompiledScopeFilter>, ScopeError> {
    filters
        .iter()
        .enumerate()
        .map(|(i, filter)| {
            let clauses = filter
                .clauses
                .iter()
                .map(|c| {
                    compile_clause(c).map_err(|kind| ScopeError {
                        filter: i,
                        filter_name: filter.name.clone(),
                        clause: describe(c),
                        kind,
                    })
                })
                .collect::<Result<_, _>>()?;
            let title = filter
                .name
                .clone()
                .unwrap_or_else(|| format!("Scoping filter {}", i + 1));
            Ok(CompiledScopeFilter {
                name: title,
                clauses,
            })
        })
        .collect()
}

fn describe(c: &ScopeClause) -> String {
    match &c.value {
        Some(v) => format!("{} {} {v}", c.attribute.value, c.operator.value),
        None => format!("{} {}", c.attribute.value, c.operator.value),
    }
}

/// A scoping clause that does not compile; shown as
/// ``scoping filter `Sales`, clause `a LIKE x`: unknown operator `LIKE` ``.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}, clause `{clause}`: {kind}", FilterName(*filter, filter_name.as_deref()))]
pub struct ScopeError {
    /// The filter's position in the mapping's `scope`, from 0.
    pub filter: usize,
    /// The filter's name, when it has one.
    pub filter_name: Option<String>,
    /// The clause, as `attribute OPERATOR value`.
    pub clause: String,
    /// What is wrong with it.
    pub kind: ScopeErrorKind,
}

/// What is wrong with a clause, for [`ScopeError`].
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeErrorKind {
    /// An operator Entra does not have.
    #[error("unknown operator `{operator}`")]
    UnknownOperator {
        /// The operator as written.
        operator: String,
    },
    /// An operator that compares with a value, without one.
    #[error("`{operator}` needs a value")]
    MissingValue {
        /// The operator as written.
        operator: String,
    },
    /// A numeric operator with a value that is not an integer.
    #[error("`{operator}` compares integers, and `{value}` is not one")]
    NotAnInteger {
        /// The operator as written.
        operator: String,
        /// The value as written.
        value: String,
    },
    /// A regex operator with a pattern .NET would refuse.
    #[error("invalid regular expression: {0}")]
    Regex(crate::dotnet::regex::PatternError),
}

/// How a message names a filter: by name, or by its position from 1.
struct FilterName<'a>(usize, Option<&'a str>);

impl std::fmt::Display for FilterName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            Some(name) => write!(f, "scoping filter `{name}`"),
            None => write!(f, "scoping filter {}", self.0 + 1),
        }
    }
}

fn compile_clause(c: &ScopeClause) -> Result<CompiledClause, ScopeErrorKind> {
    let operator = || c.operator.value.clone();
    let operand = || {
        c.value.clone().ok_or_else(|| ScopeErrorKind::MissingValue {
            operator: operator(),
        })
    };
    let integer = || {
        let v = operand()?;
        crate::model::scope::integer_operand(&v).ok_or_else(|| ScopeErrorKind::NotAnInteger {
            operator: operator(),
            value: v.clone(),
        })
    };
    let regex = || {
        let v = operand()?;
        DotNetRegex::compile(&v).map_err(ScopeErrorKind::Regex)
    };
    let Some(operator) = ScopeOperator::parse(&c.operator.value) else {
        return Err(ScopeErrorKind::UnknownOperator {
            operator: operator(),
        });
    };
    let op = match operator {
        ScopeOperator::Equals => Op::Equals(operand()?),
        ScopeOperator::NotEquals => Op::NotEquals(operand()?),
        ScopeOperator::EndsWith => Op::EndsWith(operand()?),
        ScopeOperator::Includes => Op::Includes(operand()?),
        ScopeOperator::RegexMatch => Op::RegexMatch(regex()?),
        ScopeOperator::NotRegexMatch => Op::NotRegexMatch(regex()?),
        ScopeOperator::GreaterThan => Op::GreaterThan(integer()?),
        ScopeOperator::GreaterThanOrEquals => Op::GreaterThanOrEquals(integer()?),
        ScopeOperator::IsTrue => Op::IsTrue,
        ScopeOperator::IsFalse => Op::IsFalse,
        ScopeOperator::IsNull => Op::IsNull,
        ScopeOperator::IsNotNull => Op::IsNotNull,
        ScopeOperator::BitAnd => Op::BitAnd(integer()?),
        ScopeOperator::NotBitAnd => Op::NotBitAnd(integer()?),
    };
    Ok(CompiledClause {
        attribute: c.attribute.value.clone(),
        op,
        text: describe(c),
    })
}

/// Whether a source object is in scope: some filter has all its clauses true (filters OR,
/// clauses AND, docs/mapping-model.md §4.2). No filters at all means everything is in scope.
pub fn in_scope(filters: &[CompiledScopeFilter], source: &dyn Source) -> bool {
    filters.is_empty()
        || filters
            .iter()
            .any(|f| f.clauses.iter().all(|c| c.holds(source)))
}

/// One clause's verdict for one object, for explanations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClauseVerdict {
    /// The filter's title (`Scoping filter N` when it has none).
    pub filter: String,
    /// The clause as written: `department EQUALS Sales`.
    pub clause: String,
    /// The source attribute the clause reads.
    pub attribute: String,
    /// The attribute's value as the clause read it (`None`: no value).
    pub value: Option<String>,
    /// Whether the clause holds.
    pub holds: bool,
}

/// Every clause of every filter with its verdict for `source`, in filter order: what
/// Provision on demand shows under "Determine if user is in scope". The object is in scope
/// when some filter has all its clauses true ([`in_scope`]).
pub fn explain(filters: &[CompiledScopeFilter], source: &dyn Source) -> Vec<ClauseVerdict> {
    let mut out = Vec::new();
    for f in filters {
        for c in &f.clauses {
            let value = source.attribute(&c.attribute).map(|v| match v {
                SourceRef::Str(s) => s.to_owned(),
                SourceRef::Bool(b) => crate::expr::value::bool_text(b).to_owned(),
                SourceRef::List(items) => items.iter().collect::<Vec<_>>().join(", "),
            });
            out.push(ClauseVerdict {
                filter: f.name.clone(),
                clause: c.text.clone(),
                attribute: c.attribute.clone(),
                value,
                holds: c.holds(source),
            });
        }
    }
    out
}

impl CompiledClause {
    fn holds(&self, source: &dyn Source) -> bool {
        let value = source.attribute(&self.attribute);
        // "Any clause returns false when the value is null/empty" (§4.3); IS NULL is the
        // documented exception, and IS NOT NULL is simply its negation.
        let Some(text) = value.and_then(single_text) else {
            return match self.op {
                Op::IsNull => !has_values(value),
                Op::IsNotNull => has_values(value),
                _ => false,
            };
        };
        match &self.op {
            Op::IsNull => false,
            Op::IsNotNull => true,
            // Case-sensitive, as documented for EQUALS, NOT EQUALS and Includes; ENDS_WITH is
            // not stated, and .NET's ordinal EndsWith is the consistent reading.
            Op::Equals(v) => text == v.as_str(),
            Op::NotEquals(v) => text != v.as_str(),
            Op::EndsWith(v) => text.ends_with(v.as_str()),
            Op::Includes(v) => text.contains(v.as_str()),
            // A pattern that blows the backtrack limit counts as "no match" for both operators:
            // Entra would fail the evaluation rather than scope the object in.
            Op::RegexMatch(re) => re.is_full_match(&text).unwrap_or(false),
            Op::NotRegexMatch(re) => re.is_full_match(&text).is_ok_and(|m| !m),
            Op::GreaterThan(n) => integer(&text).is_some_and(|a| a > *n),
            Op::GreaterThanOrEquals(n) => integer(&text).is_some_and(|a| a >= *n),
            Op::BitAnd(n) => integer(&text).is_some_and(|a| a & n != 0),
            Op::NotBitAnd(n) => integer(&text).is_some_and(|a| a & n == 0),
            Op::IsTrue => text.eq_ignore_ascii_case("true"),
            Op::IsFalse => text.eq_ignore_ascii_case("false"),
        }
    }
}

/// The value a clause compares: a string, a Boolean as `True`/`False` (so IS TRUE works on
/// both `accountEnabled: true` and `"True"`), a one-element list as its element. Empty values
/// and lists of several values give `None`: Entra cannot filter multi-valued attributes, so
/// such clauses are false rather than guessing at "any" or "all" semantics.
fn single_text(value: SourceRef<'_>) -> Option<std::borrow::Cow<'_, str>> {
    let text: std::borrow::Cow<'_, str> = match value {
        SourceRef::Str(s) => s.into(),
        SourceRef::Bool(b) => crate::expr::value::bool_text(b).into(),
        SourceRef::List(items) if items.len() == 1 => items.get(0)?.into(),
        SourceRef::List(_) => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Whether the attribute holds anything at all (for IS NULL / IS NOT NULL, where a list of
/// several values is simply "not null").
fn has_values(value: Option<SourceRef<'_>>) -> bool {
    match value {
        None => false,
        Some(SourceRef::Str(s)) => !s.is_empty(),
        Some(SourceRef::Bool(_)) => true,
        Some(SourceRef::List(items)) => items.iter().any(|s| !s.is_empty()),
    }
}

fn integer(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// Entra's computed `IsSoftDeleted` (docs/mapping-model.md §5.2): true when a user is unassigned,
/// fails the scoping filters, is soft-deleted (recycle bin), or has `accountEnabled` false.
/// An unknown `accountEnabled` (`None`) does not count as disabled.
pub fn is_soft_deleted(
    assigned: bool,
    in_scope: bool,
    soft_deleted: bool,
    account_enabled: Option<bool>,
) -> bool {
    !assigned || !in_scope || soft_deleted || account_enabled == Some(false)
}
