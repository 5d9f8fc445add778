//! Errors and warnings of the expression language, with spans into the expression text.

use std::fmt;

/// A byte range in an expression's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The same range moved `by` bytes to the right, for an expression embedded in a file.
    pub fn shifted(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> miette::SourceSpan {
        (s.start, s.end - s.start).into()
    }
}

/// What went wrong, as a stable code. The codes are those of the conformance files and of
/// `eval --format json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is not an expression.
    ParseError,
    /// No builtin has that name.
    UnknownFunction,
    /// A bare name that is not a known constant.
    UnknownIdentifier,
    /// Wrong number of arguments, or an argument left empty that is required.
    ArityError,
    /// A number was required.
    InvalidNumber,
    /// A date was required, or a date is out of range.
    InvalidDate,
    /// An argument has a value the function does not accept.
    InvalidArgument,
    /// A regular expression Entra's .NET engine would reject, or one we cannot honour.
    InvalidRegex,
    /// `Item` index outside the values.
    IndexOutOfRange,
    /// Entra's documented IIF limitation: the condition reads a null or empty attribute.
    IifNullCondition,
    /// `IgnoreFlowIfNullOrEmpty` used as an IIF condition.
    IifIgnoreflowCondition,
    /// `SelectUniqueValue` nested inside another function.
    NotTopLevel,
    /// Every `SelectUniqueValue` candidate already exists.
    NoUniqueValue,
    /// `SingleAppRoleAssignment` over more than one role.
    MultipleAppRoles,
    /// `DefaultDomain()` with no default domain in the context.
    NoDefaultDomain,
    /// `Error(message)`: the mapping itself fails the object, with its own message.
    Raised,
    /// A Cloud Sync macro (`%DomainFQDN%`): only Cloud Sync's on-premises agent knows its
    /// value.
    NoMacroValue,
}

impl ErrorKind {
    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::ParseError => "parse_error",
            ErrorKind::UnknownFunction => "unknown_function",
            ErrorKind::UnknownIdentifier => "unknown_identifier",
            ErrorKind::ArityError => "arity_error",
            ErrorKind::InvalidNumber => "invalid_number",
            ErrorKind::InvalidDate => "invalid_date",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::InvalidRegex => "invalid_regex",
            ErrorKind::IndexOutOfRange => "index_out_of_range",
            ErrorKind::IifNullCondition => "iif_null_condition",
            ErrorKind::IifIgnoreflowCondition => "iif_ignoreflow_condition",
            ErrorKind::NotTopLevel => "not_top_level",
            ErrorKind::NoUniqueValue => "no_unique_value",
            ErrorKind::MultipleAppRoles => "multiple_app_roles",
            ErrorKind::NoDefaultDomain => "no_default_domain",
            ErrorKind::Raised => "raised",
            ErrorKind::NoMacroValue => "no_macro_value",
        }
    }
}

/// A parse, compile or evaluation error located in the expression text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// The stable kind.
    pub kind: ErrorKind,
    /// One sentence for a person.
    pub message: String,
    /// Where in the expression.
    pub span: Span,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl Error {
    /// An error without help text.
    pub fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            span,
            help: None,
        }
    }

    /// The same error with help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.help = Some(help.into());
        self
    }
}

/// The parser's error before it becomes an [`Error`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// What was expected and found.
    pub message: String,
    /// Where.
    pub span: Span,
    /// How to fix it, when we know.
    pub help: Option<String>,
}

impl From<SyntaxError> for Error {
    fn from(e: SyntaxError) -> Error {
        Error {
            kind: ErrorKind::ParseError,
            message: e.message,
            span: e.span,
            help: e.help,
        }
    }
}

/// Something legal that Entra users get wrong, found while compiling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Stable code, e.g. `function_name_case`.
    pub code: &'static str,
    /// One sentence for a person.
    pub message: String,
    /// Where in the expression.
    pub span: Span,
    /// How to fix it.
    pub help: Option<String>,
}

/// An [`Error`] or [`Warning`] bound to the text it points into, ready for miette to render.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Located {
    code: &'static str,
    message: String,
    help: Option<String>,
    label: Option<miette::SourceSpan>,
    severity: miette::Severity,
    /// The text the label points into (not named `source`: thiserror would take it for the
    /// error's cause).
    text: miette::NamedSource<String>,
}

impl Located {
    /// Bind an error to the named source text, with its span moved by `offset` bytes (for an
    /// expression embedded in a larger file).
    pub fn error(err: &Error, name: &str, text: &str, offset: usize) -> Located {
        Located {
            code: err.kind.code(),
            message: err.message.clone(),
            help: err.help.clone(),
            label: Some(err.span.shifted(offset).into()),
            severity: miette::Severity::Error,
            text: miette::NamedSource::new(name, text.to_string()),
        }
    }

    /// Bind a warning to the named source text.
    pub fn warning(w: &Warning, name: &str, text: &str, offset: usize) -> Located {
        Located {
            code: w.code,
            message: w.message.clone(),
            help: w.help.clone(),
            label: Some(w.span.shifted(offset).into()),
            severity: miette::Severity::Warning,
            text: miette::NamedSource::new(name, text.to_string()),
        }
    }
}

impl miette::Diagnostic for Located {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.text)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.label.map(|span| {
            Box::new(std::iter::once(miette::LabeledSpan::new_with_span(
                Some("here".to_string()),
                span,
            ))) as Box<dyn Iterator<Item = miette::LabeledSpan>>
        })
    }
}
