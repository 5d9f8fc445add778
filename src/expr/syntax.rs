//! Expression text to syntax tree, with byte spans into the text.

use pest::Parser as _;
use pest::iterators::Pair;

use super::error::{Span, SyntaxError};

/// Entra rejects longer expressions ("An expression can be at most 10,000 characters").
pub const MAX_EXPRESSION_CHARS: usize = 10_000;

/// Deeper nesting than this is refused before parsing, so that no recursive pass can exhaust
/// the stack. Real mappings nest a handful of levels; 10,000 characters allow about 3,000.
pub const MAX_NESTING: usize = 128;

mod grammar {
    #![allow(missing_docs)]
    //! The pest parser generated from `grammar/expression.pest`.

    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/expression.pest"]
    pub struct ExpressionParser;
}

use grammar::{ExpressionParser, Rule};

/// A parsed expression node with the byte range it covers in the source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is in the text.
    pub span: Span,
}

/// The kinds of syntax the language has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// `Name(arg, , arg)`: `None` marks an empty slot, which keeps its position.
    Call {
        /// The function name as written.
        name: String,
        /// Where the name is.
        name_span: Span,
        /// The argument slots in order.
        args: Vec<Option<Expr>>,
    },
    /// `[name]`: a source attribute.
    Attribute(String),
    /// `"text"` with the `\"` and `\\` escapes already resolved.
    Str(String),
    /// A numeric literal exactly as written (`-10`, `42568.75`, `&HF7`).
    Number(String),
    /// A bare identifier used as a constant: `vbTextCompare`, or a Cloud Sync macro written
    /// with its percent signs (`%DomainFQDN%`).
    Ident(String),
    /// `lhs op rhs`: one comparison inside an argument.
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
}

/// The comparison operators the docs allow inside IIF conditions and other arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn from_symbol(s: &str) -> CmpOp {
        match s {
            "=" => CmpOp::Eq,
            "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            _ => CmpOp::Ge,
        }
    }
}

/// Parse one whole expression.
pub fn parse(text: &str) -> Result<Expr, SyntaxError> {
    let chars = text.chars().count();
    if chars > MAX_EXPRESSION_CHARS {
        return Err(SyntaxError {
            message: format!(
                "expression is {chars} characters long; Entra accepts at most {MAX_EXPRESSION_CHARS}"
            ),
            // Label only what is past the limit: the rest is legal.
            span: Span::new(
                text.char_indices()
                    .nth(MAX_EXPRESSION_CHARS)
                    .map_or(0, |(b, _)| b),
                text.len(),
            ),
            help: Some("split the logic across mappings or shorten constants".into()),
        });
    }
    check_nesting(text)?;
    let mut pairs =
        ExpressionParser::parse(Rule::expression, text).map_err(|e| convert_error(e, text))?;
    let expression = pairs
        .next()
        .expect("the expression rule always yields one pair");
    let argument = expression
        .into_inner()
        .next()
        .expect("an expression holds one argument");
    Ok(build_argument(argument))
}

fn check_nesting(text: &str) -> Result<(), SyntaxError> {
    // Tracks the lexical context the grammar has, so that quotes inside attribute names and
    // brackets inside strings neither hide nor invent nesting.
    enum Mode {
        Code,
        Str { escaped: bool },
        Attribute { brackets: usize },
    }
    let mut mode = Mode::Code;
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        let opens = match &mut mode {
            Mode::Str { escaped } => {
                match (*escaped, c) {
                    (false, '\\') => *escaped = true,
                    (false, '"') => mode = Mode::Code,
                    _ => *escaped = false,
                }
                false
            }
            Mode::Attribute { brackets } => match c {
                '[' => {
                    *brackets += 1;
                    true
                }
                ']' => {
                    *brackets -= 1;
                    depth = depth.saturating_sub(1);
                    if *brackets == 0 {
                        mode = Mode::Code;
                    }
                    false
                }
                _ => false,
            },
            Mode::Code => match c {
                '"' => {
                    mode = Mode::Str { escaped: false };
                    false
                }
                '[' => {
                    mode = Mode::Attribute { brackets: 1 };
                    true
                }
                '(' => true,
                ')' => {
                    depth = depth.saturating_sub(1);
                    false
                }
                _ => false,
            },
        };
        if opens {
            depth += 1;
            if depth > MAX_NESTING {
                return Err(SyntaxError {
                    message: format!("nesting deeper than {MAX_NESTING} levels"),
                    span: Span::new(i, i + 1),
                    help: Some("no real mapping needs this; check for a runaway generator".into()),
                });
            }
        }
    }
    Ok(())
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

fn build_argument(pair: Pair<'_, Rule>) -> Expr {
    debug_assert_eq!(pair.as_rule(), Rule::argument);
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let lhs = build_operand(inner.next().expect("an argument starts with an operand"));
    match inner.next() {
        None => lhs,
        Some(op) => {
            let rhs = build_operand(inner.next().expect("an operator is followed by an operand"));
            Expr {
                kind: ExprKind::Compare {
                    op: CmpOp::from_symbol(op.as_str()),
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            }
        }
    }
}

fn build_operand(pair: Pair<'_, Rule>) -> Expr {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::call => {
            let mut inner = pair.into_inner();
            let name = inner.next().expect("a call starts with its name");
            let name_span = span_of(&name);
            let args = inner
                .filter(|p| p.as_rule() == Rule::slot)
                .map(|slot| slot.into_inner().next().map(build_argument))
                .collect();
            ExprKind::Call {
                name: name.as_str().to_string(),
                name_span,
                args,
            }
        }
        Rule::attribute => ExprKind::Attribute(
            pair.into_inner()
                .next()
                .expect("an attribute holds its name")
                .as_str()
                .to_string(),
        ),
        Rule::string => ExprKind::Str(unescape(
            pair.into_inner()
                .next()
                .expect("a string holds its contents")
                .as_str(),
        )),
        Rule::number => ExprKind::Number(pair.as_str().to_string()),
        Rule::identifier | Rule::macro_name => ExprKind::Ident(pair.as_str().to_string()),
        other => unreachable!("operand rule {other:?}"),
    };
    Expr { kind, span }
}

/// Resolve `\"` and `\\`; keep every other backslash pair as written.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n @ ('"' | '\\')) => out.push(n),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn rule_name(rule: &Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of expression",
        Rule::argument | Rule::slot | Rule::operand => "an argument",
        Rule::cmp_op => "a comparison operator (=, <>, <, <=, >, >=)",
        Rule::call => "a function call",
        Rule::attribute | Rule::attr_name | Rule::attr_part => "an attribute like [mail]",
        Rule::string | Rule::string_inner => "a string in double quotes",
        Rule::number => "a number",
        Rule::name | Rule::identifier => "a name",
        Rule::macro_name => "a macro like %DomainFQDN%",
        Rule::expression => "an expression",
        Rule::WHITESPACE => "whitespace",
        Rule::open => "\"(\"",
        Rule::close => "\")\"",
        Rule::comma => "\",\"",
    }
}

fn convert_error(err: pest::error::Error<Rule>, text: &str) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match err.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let found = match text[start..].chars().next() {
        Some(c) => format!("{c:?}"),
        None => "the end of the expression".to_string(),
    };
    let message = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().map(rule_name).collect();
            names.sort_unstable();
            names.dedup();
            let expected = match names.as_slice() {
                [] => "something else".to_string(),
                [one] => (*one).to_string(),
                [init @ .., last] => format!("{} or {}", init.join(", "), last),
            };
            format!("expected {expected}, found {found}")
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let help = match found.as_str() {
        "'\\''" => Some("strings use double quotes: \"text\"".to_string()),
        // Cloud Sync's reference shows `"t-" & [alias]`, but no stored tree has an operator
        // node for it (COMPATIBILITY.md).
        "'&'" => Some(
            "`&` concatenation is not supported; use Join(\"\", a, b) or Append(a, b)".to_string(),
        ),
        _ => None,
    };
    // A zero-width span at the very end renders no caret; point at the last character.
    let (start, end) = if start >= text.len() && !text.is_empty() {
        let last = text.char_indices().last().map_or(0, |(b, _)| b);
        (last, text.len())
    } else {
        (start, end.max(start))
    };
    SyntaxError {
        message,
        span: Span::new(start, end),
        help,
    }
}
