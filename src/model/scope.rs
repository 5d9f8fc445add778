//! The scoping-filter operators Entra documents (docs/mapping-model.md §4.3), one vocabulary for
//! the simulator that evaluates clauses and the linter that checks them: the same spellings
//! are accepted, and the same operands refused, by both, so that `check` rejects exactly the
//! clauses `simulate` cannot run.

/// A scoping clause operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeOperator {
    /// `EQUALS`: exact, case-sensitive.
    Equals,
    /// `NOT EQUALS`.
    NotEquals,
    /// `ENDS_WITH`.
    EndsWith,
    /// `Includes`: case-sensitive contains.
    Includes,
    /// `REGEX MATCH`.
    RegexMatch,
    /// `NOT REGEX MATCH`.
    NotRegexMatch,
    /// `Greater_Than`: integers.
    GreaterThan,
    /// `Greater_Than_OR_EQUALS`: integers.
    GreaterThanOrEquals,
    /// `IS TRUE`.
    IsTrue,
    /// `IS FALSE`.
    IsFalse,
    /// `IS NULL`.
    IsNull,
    /// `IS NOT NULL`.
    IsNotNull,
    /// `&`: a bitwise AND with the value is non-zero (our reading of an ambiguous doc).
    BitAnd,
    /// `!&`: a bitwise AND with the value is zero.
    NotBitAnd,
}

impl ScopeOperator {
    /// Every operator, in the order of Microsoft's table.
    pub const ALL: [ScopeOperator; 14] = [
        ScopeOperator::BitAnd,
        ScopeOperator::NotBitAnd,
        ScopeOperator::EndsWith,
        ScopeOperator::Equals,
        ScopeOperator::GreaterThan,
        ScopeOperator::GreaterThanOrEquals,
        ScopeOperator::Includes,
        ScopeOperator::IsFalse,
        ScopeOperator::IsNotNull,
        ScopeOperator::IsNull,
        ScopeOperator::IsTrue,
        ScopeOperator::NotEquals,
        ScopeOperator::NotRegexMatch,
        ScopeOperator::RegexMatch,
    ];

    /// The name as Entra's portal writes it.
    pub fn name(self) -> &'static str {
        match self {
            ScopeOperator::Equals => "EQUALS",
            ScopeOperator::NotEquals => "NOT EQUALS",
            ScopeOperator::EndsWith => "ENDS_WITH",
            ScopeOperator::Includes => "Includes",
            ScopeOperator::RegexMatch => "REGEX MATCH",
            ScopeOperator::NotRegexMatch => "NOT REGEX MATCH",
            ScopeOperator::GreaterThan => "Greater_Than",
            ScopeOperator::GreaterThanOrEquals => "Greater_Than_OR_EQUALS",
            ScopeOperator::IsTrue => "IS TRUE",
            ScopeOperator::IsFalse => "IS FALSE",
            ScopeOperator::IsNull => "IS NULL",
            ScopeOperator::IsNotNull => "IS NOT NULL",
            ScopeOperator::BitAnd => "&",
            ScopeOperator::NotBitAnd => "!&",
        }
    }

    /// Whether the operand is an integer (`Greater_Than`, `&`, ...) rather than text.
    pub fn takes_integer(self) -> bool {
        matches!(
            self,
            ScopeOperator::GreaterThan
                | ScopeOperator::GreaterThanOrEquals
                | ScopeOperator::BitAnd
                | ScopeOperator::NotBitAnd
        )
    }

    /// Whether the operand is a .NET regular expression.
    pub fn takes_regex(self) -> bool {
        matches!(
            self,
            ScopeOperator::RegexMatch | ScopeOperator::NotRegexMatch
        )
    }

    /// Whether the clause compares with a value (`IS NULL` and the other unary ones do not).
    pub fn takes_value(self) -> bool {
        !matches!(
            self,
            ScopeOperator::IsTrue
                | ScopeOperator::IsFalse
                | ScopeOperator::IsNull
                | ScopeOperator::IsNotNull
        )
    }

    /// Read an operator name as Graph's `operatorName` or the portal spells it: case is
    /// ignored and `_` and runs of spaces are one separator (`NOT_EQUALS`, `Not Equals`).
    pub fn parse(name: &str) -> Option<ScopeOperator> {
        let wanted = normalize(name);
        ScopeOperator::ALL
            .into_iter()
            .find(|op| normalize(op.name()) == wanted)
    }
}

/// Read the operand of an integer operator. Surrounding spaces are ignored; `check` and the
/// simulator both read operands through this, so neither accepts one the other refuses.
pub fn integer_operand(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}

fn normalize(op: &str) -> String {
    op.split(|c: char| c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::ScopeOperator as Op;

    #[test]
    fn graph_and_portal_spellings_are_the_same_operator() {
        assert_eq!(Op::parse("NOT EQUALS"), Some(Op::NotEquals));
        assert_eq!(Op::parse("not_equals"), Some(Op::NotEquals));
        assert_eq!(Op::parse("Greater_Than"), Some(Op::GreaterThan));
        assert_eq!(
            Op::parse("GREATER THAN OR EQUALS"),
            Some(Op::GreaterThanOrEquals)
        );
        assert_eq!(Op::parse("is  null"), Some(Op::IsNull));
        assert_eq!(Op::parse("ENDS WITH"), Some(Op::EndsWith));
        assert_eq!(Op::parse("STARTS_WITH"), None);
        assert_eq!(Op::parse("IsMemberOf"), None);
        assert!(Op::ALL.iter().all(|op| Op::parse(op.name()) == Some(*op)));
        // Near misses are not operators: one spelling table, no guessing.
        assert_eq!(Op::parse("EQUAL"), None);
        assert_eq!(Op::parse("NOTEQUALS"), None);
    }
}
