//! THE builtin table: every function Entra's provisioning expressions offer, with its
//! parameters, arity, laziness, summary and implementation. Arity checks, `entramap
//! functions`, documentation and evaluation all read from here.

mod dates;
mod diacritics;
mod generate;
pub(crate) mod lints;
mod lists;
mod logic;
mod replace;
mod roles;
mod text;

use super::compile::Call;
use super::error::{Error, ErrorKind, Span};
use super::eval::{Cx, R};
use super::value::Value;
use crate::dotnet::datetime::{DateFormat, DateTimeStyles, Interval};
use crate::dotnet::regex::{DotNetRegex, Replacement};
use crate::dotnet::text::Culture;

pub(crate) use replace::ReplaceMode;

/// What a parameter expects. Used for checks, `entramap functions` and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Any value.
    Any,
    /// A single string.
    Text,
    /// An integer (a number or numeric text).
    Number,
    /// A Boolean condition.
    Condition,
    /// A date: a DateTime from CDate/DateAdd/Now, or text CDate can parse.
    Date,
    /// A multi-valued attribute or result.
    Multi,
    /// A .NET regular expression.
    Regex,
    /// A .NET custom date format string.
    DateFormat,
    /// .NET DateTimeStyles names or number.
    Styles,
    /// A DateAdd/DateDiff interval (`yyyy`, `m`, `d`, `ww`, `h`, `n`, `s`).
    Interval,
    /// A culture name such as `tr-TR`.
    Culture,
    /// `vbTextCompare` or `vbBinaryCompare`.
    CompareType,
    /// A source attribute reference.
    Attribute,
}

impl ParamKind {
    /// How `entramap functions` writes the kind.
    pub fn label(self) -> &'static str {
        match self {
            ParamKind::Any => "any",
            ParamKind::Text => "text",
            ParamKind::Number => "number",
            ParamKind::Condition => "condition",
            ParamKind::Date => "date",
            ParamKind::Multi => "multi",
            ParamKind::Regex => "regex",
            ParamKind::DateFormat => "date-format",
            ParamKind::Styles => "styles",
            ParamKind::Interval => "interval",
            ParamKind::Culture => "culture",
            ParamKind::CompareType => "compare-type",
            ParamKind::Attribute => "attribute",
        }
    }
}

/// One parameter of a builtin.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// The name Microsoft's reference uses.
    pub name: &'static str,
    /// What it expects.
    pub kind: ParamKind,
    /// Whether the slot may be left empty or out.
    pub optional: bool,
    /// The key Microsoft Graph uses for this parameter in `attributeMappingSource.parameters`
    /// (the engine's name, which can differ from the docs': Replace's oldValue is `Find`,
    /// Left's numChars `length`). COMPATIBILITY.md says which keys stored trees show and which
    /// are inferred.
    pub graph_key: &'static str,
}

impl Param {
    /// The same parameter under Graph's engine key.
    const fn graph(mut self, key: &'static str) -> Param {
        self.graph_key = key;
        self
    }
}

const fn req(name: &'static str, kind: ParamKind) -> Param {
    Param {
        name,
        kind,
        optional: false,
        graph_key: name,
    }
}

const fn opt(name: &'static str, kind: ParamKind) -> Param {
    Param {
        name,
        kind,
        optional: true,
        graph_key: name,
    }
}

/// How a builtin is run.
#[derive(Clone, Copy)]
pub(crate) enum Impl {
    /// Every argument is evaluated first, left to right; an error or a dropped flow in any of
    /// them stops the call.
    Values(for<'a> fn(&'a Call, &mut [Value<'a>], &Cx<'a>) -> R<'a>),
    /// The function evaluates its own arguments (Switch, Coalesce, IIF, ...).
    Nodes(for<'a> fn(&'a Call, &Cx<'a>) -> R<'a>),
}

/// Compile-time work on a call: argument checks and precompiled constants.
pub(crate) type PrepareFn = fn(&Call, usize) -> Result<Prepared, Error>;

/// What a builtin precompiled from its constant arguments.
#[derive(Debug, Default)]
pub(crate) enum Prepared {
    /// Nothing.
    #[default]
    None,
    /// Replace: its mode, and the regex and substitution when they are constants.
    Replace {
        mode: ReplaceMode,
        regex: Option<Box<DotNetRegex>>,
        replacement: Option<Box<Replacement>>,
    },
    /// FormatDateTime: where its arguments are, and the constant styles and formats.
    FormatDateTime {
        styles_at: Option<usize>,
        input_at: usize,
        output_at: usize,
        styles: Option<DateTimeStyles>,
        input: Option<Box<DateFormat>>,
        output: Option<Box<DateFormat>>,
    },
    /// DateAdd/DateDiff's constant interval.
    Interval(Interval),
    /// ToLower/ToUpper's constant culture.
    Culture(Culture),
    /// InStr's compare type: true for vbTextCompare.
    IgnoreCase(bool),
    /// IIF: the attributes its condition reads (Entra fails the IIF when one is null or empty).
    Condition(Vec<Box<str>>),
}

/// One builtin function.
pub struct Builtin {
    /// The name as Microsoft's reference spells it.
    pub name: &'static str,
    /// Parameters in order. With `max: None`, the last parameter (or the last two, for
    /// Switch's key/value pairs) repeats.
    pub params: &'static [Param],
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments, `None` for no limit.
    pub max: Option<usize>,
    /// Whether only the arguments it needs are evaluated.
    pub lazy: bool,
    /// One line for `entramap functions`.
    pub summary: &'static str,
    pub(crate) imp: Impl,
    pub(crate) prepare: Option<PrepareFn>,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Builtin {
    /// The parameter at position `i`, repeating the variadic tail.
    pub fn param(&self, i: usize) -> Option<&'static Param> {
        if i < self.params.len() {
            return Some(&self.params[i]);
        }
        if self.max.is_some() {
            return None;
        }
        // Switch repeats key/value pairs; every other variadic repeats its last parameter.
        let tail = if self.name == "Switch" { 2 } else { 1 };
        let first = self.params.len() - tail;
        Some(&self.params[first + (i - first) % tail])
    }

    /// Whether position `i` must hold an argument.
    pub fn required(&self, i: usize) -> bool {
        self.param(i).is_some_and(|p| !p.optional)
    }

    fn takes_identifier_at(&self, i: usize) -> bool {
        self.param(i)
            .is_some_and(|p| p.kind == ParamKind::CompareType)
    }

    pub(crate) fn takes_identifier(&self, i: usize) -> bool {
        self.takes_identifier_at(i)
    }

    /// `Name(param, [optional], ...)` for listings and messages.
    pub fn signature(&self) -> String {
        let mut out = format!("{}(", self.name);
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if p.optional {
                out.push('[');
            }
            out.push_str(p.name);
            if p.optional {
                out.push(']');
            }
        }
        if self.max.is_none() {
            out.push_str(", ...");
        }
        out.push(')');
        out
    }

    pub(crate) fn check_arity(&self, n: usize, span: Span) -> Result<(), Error> {
        let ok = n >= self.min && self.max.is_none_or(|m| n <= m);
        if ok {
            return Ok(());
        }
        let expected = match self.max {
            Some(m) if m == self.min => format!("{m}"),
            Some(m) => format!("{} to {m}", self.min),
            None => format!("at least {}", self.min),
        };
        Err(Error::new(
            ErrorKind::ArityError,
            span,
            format!("{} takes {expected} arguments, found {n}", self.name),
        )
        .with_help(format!("usage: {}", self.signature())))
    }
}

/// Functions Microsoft documents only in Cloud Sync's expression reference
/// (`reference-expressions.md`), not in the app provisioning one. The service parses them
/// (Microsoft's own Cloud Sync defaults store their trees), so they compile, and `check` says
/// that an app provisioning job may not offer them.
pub const CLOUD_SYNC_ONLY: &[&str] = &["Error", "Trim"];

impl Builtin {
    /// Whether Microsoft documents this function only for Cloud Sync.
    pub fn cloud_sync_only(&self) -> bool {
        CLOUD_SYNC_ONLY.contains(&self.name)
    }
}

/// Find a builtin by name, ignoring case (Microsoft's own docs write `switch(` and `Instr(`).
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    TABLE.iter().find(|b| b.name.eq_ignore_ascii_case(name))
}

/// Run the builtin's compile-time checks for a call at nesting `depth` (0 = top level).
pub(crate) fn prepare(call: &Call, depth: usize) -> Result<Prepared, Error> {
    match call.builtin.prepare {
        Some(f) => f(call, depth),
        None => Ok(Prepared::None),
    }
}

use ParamKind::*;

/// Every builtin, alphabetically.
pub static TABLE: &[Builtin] = &[
    Builtin {
        name: "Append",
        params: &[req("source", Text), req("suffix", Text)],
        min: 2,
        max: Some(2),
        lazy: false,
        summary: "Concatenates source and suffix; null counts as empty text.",
        imp: Impl::Values(text::append),
        prepare: None,
    },
    Builtin {
        name: "AppRoleAssignmentsComplex",
        params: &[req("source", Multi)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Every assigned app role as a complex SCIM `roles` value (PATCH adds).",
        imp: Impl::Values(roles::complex),
        prepare: None,
    },
    Builtin {
        name: "AssertiveAppRoleAssignmentsComplex",
        params: &[req("source", Multi)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Like AppRoleAssignmentsComplex, but Entra replaces the app's roles instead of adding.",
        imp: Impl::Values(roles::complex),
        prepare: None,
    },
    Builtin {
        name: "BitAnd",
        params: &[
            req("value1", Number).graph("left"),
            req("value2", Number).graph("right"),
        ],
        min: 2,
        max: Some(2),
        lazy: false,
        summary: "Bitwise AND of two 64-bit integers (decimal or &H hex).",
        imp: Impl::Values(logic::bit_and),
        prepare: None,
    },
    Builtin {
        name: "CBool",
        params: &[req("expression", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Converts to a Boolean: non-zero numbers and \"True\" are True.",
        imp: Impl::Values(logic::cbool),
        prepare: None,
    },
    Builtin {
        name: "CDate",
        params: &[req("expression", Text).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Parses text as a UTC DateTime (offsets converted to UTC).",
        imp: Impl::Values(dates::cdate),
        prepare: None,
    },
    Builtin {
        name: "Coalesce",
        params: &[req("source", Any)],
        min: 1,
        max: None,
        lazy: true,
        summary: "The first argument that is not null (empty text counts as a value).",
        imp: Impl::Nodes(logic::coalesce),
        prepare: None,
    },
    Builtin {
        name: "ConvertToBase64",
        params: &[req("source", Text)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Base64 of the text's UTF-16LE bytes (.NET \"Unicode\").",
        imp: Impl::Values(text::to_base64),
        prepare: None,
    },
    Builtin {
        name: "ConvertToUTF8Hex",
        params: &[req("source", Text)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "The text's UTF-8 bytes as uppercase hex.",
        imp: Impl::Values(text::to_utf8_hex),
        prepare: None,
    },
    Builtin {
        name: "Count",
        params: &[req("attribute", Multi).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "How many values a multi-valued attribute has.",
        imp: Impl::Values(lists::count),
        prepare: None,
    },
    Builtin {
        name: "CStr",
        params: &[req("value", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Converts a number, Boolean, date or reference to text.",
        imp: Impl::Values(logic::cstr),
        prepare: None,
    },
    Builtin {
        name: "DateAdd",
        params: &[
            req("interval", Interval),
            req("value", Number),
            req("dateTime", Date),
        ],
        min: 3,
        max: Some(3),
        lazy: false,
        summary: "Adds value intervals (yyyy, m, d, ww, h, n, s) to a date.",
        imp: Impl::Values(dates::date_add),
        prepare: Some(dates::prepare_interval),
    },
    Builtin {
        name: "DateDiff",
        params: &[
            req("interval", Interval),
            req("date1", Date),
            req("date2", Date),
        ],
        min: 3,
        max: Some(3),
        lazy: false,
        summary: "Intervals from date1 to date2 (VB DateDiff: positive when date2 is later).",
        imp: Impl::Values(dates::date_diff),
        prepare: Some(dates::prepare_interval),
    },
    Builtin {
        name: "DateFromNum",
        params: &[req("value", Number).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "An AD FILETIME number (100 ns since 1601) as a UTC date.",
        imp: Impl::Values(dates::date_from_num),
        prepare: None,
    },
    Builtin {
        name: "DefaultDomain",
        params: &[],
        min: 0,
        max: Some(0),
        lazy: false,
        summary: "The tenant's default verified domain.",
        imp: Impl::Values(generate::default_domain),
        prepare: None,
    },
    Builtin {
        name: "Error",
        params: &[req("message", Text)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Fails the object with message (Cloud Sync; the stored tree keys it `message`).",
        imp: Impl::Values(logic::raise),
        prepare: None,
    },
    Builtin {
        name: "FormatDateTime",
        params: &[
            req("source", Text),
            opt("dateTimeStyles", Styles).graph("dateTimeStyle"),
            // Required except over a date in the 4-argument form (prepare_format checks it).
            opt("inputFormat", ParamKind::DateFormat),
            req("outputFormat", ParamKind::DateFormat),
        ],
        min: 3,
        max: Some(4),
        lazy: false,
        summary: "Parses source with inputFormat and writes it with outputFormat (.NET formats).",
        imp: Impl::Values(dates::format_date_time),
        prepare: Some(dates::prepare_format),
    },
    Builtin {
        name: "Guid",
        params: &[],
        min: 0,
        max: Some(0),
        lazy: false,
        summary: "A new random GUID (lowercase, hyphenated).",
        imp: Impl::Values(generate::guid),
        prepare: None,
    },
    Builtin {
        name: "IgnoreFlowIfNullOrEmpty",
        params: &[req("expression", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Drops the attribute from the flow when the value is null or empty.",
        imp: Impl::Nodes(logic::ignore_flow),
        prepare: None,
    },
    Builtin {
        name: "IIF",
        params: &[
            // The service keys the condition `one` (a comparison spreads over `one`, `two`,
            // `three`: see `expr::graph`), and the values `four` and `five`.
            req("condition", Condition).graph("one"),
            req("valueIfTrue", Any).graph("four"),
            // Empty in Microsoft's own Cloud Sync defaults (`IIF(IsPresent([pwdLastSet]), ..., )`).
            opt("valueIfFalse", Any).graph("five"),
        ],
        min: 3,
        max: Some(3),
        lazy: false,
        summary: "valueIfTrue when the condition holds, else valueIfFalse (null when left empty); all are evaluated.",
        imp: Impl::Nodes(logic::iif),
        prepare: Some(logic::prepare_iif),
    },
    Builtin {
        name: "InStr",
        params: &[
            req("value1", Text),
            req("value2", Text),
            opt("start", Number),
            opt("compareType", CompareType),
        ],
        min: 2,
        max: Some(4),
        lazy: false,
        summary: "1-based position of value2 in value1 from start, 0 when absent.",
        imp: Impl::Values(text::instr),
        prepare: Some(text::prepare_instr),
    },
    Builtin {
        name: "IsNull",
        params: &[req("expression", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "True when the value is null (an absent attribute).",
        imp: Impl::Values(logic::is_null),
        prepare: None,
    },
    Builtin {
        name: "IsNullOrEmpty",
        params: &[req("expression", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "True when the value is null or empty text.",
        imp: Impl::Values(logic::is_null_or_empty),
        prepare: None,
    },
    Builtin {
        name: "IsPresent",
        params: &[req("expression", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "True when the value is neither null nor empty text.",
        imp: Impl::Values(logic::is_present),
        prepare: None,
    },
    Builtin {
        name: "IsString",
        params: &[req("expression", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "True when the value can be evaluated to a single string.",
        imp: Impl::Values(logic::is_string),
        prepare: None,
    },
    Builtin {
        name: "Item",
        params: &[
            req("attribute", Multi).graph("source"),
            req("index", Number),
        ],
        min: 2,
        max: Some(2),
        lazy: false,
        summary: "The value at a 1-based index of a multi-valued attribute.",
        imp: Impl::Values(lists::item),
        prepare: Some(lists::prepare_item),
    },
    Builtin {
        name: "Join",
        params: &[req("separator", Text), req("source", Any)],
        min: 2,
        max: None,
        lazy: false,
        summary: "Joins the non-empty values (multi-valued ones flattened) with separator.",
        imp: Impl::Values(text::join),
        prepare: None,
    },
    Builtin {
        name: "Left",
        params: &[
            req("string", Text).graph("source"),
            req("numChars", Number).graph("length"),
        ],
        min: 2,
        max: Some(2),
        lazy: false,
        summary: "The first numChars characters.",
        imp: Impl::Values(text::left),
        prepare: None,
    },
    Builtin {
        name: "Len",
        params: &[req("string", Text).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "The number of characters (UTF-16 code units, as .NET counts).",
        imp: Impl::Values(text::len),
        prepare: None,
    },
    Builtin {
        name: "Mid",
        params: &[
            req("source", Text),
            req("start", Number),
            req("length", Number),
        ],
        min: 3,
        max: Some(3),
        lazy: false,
        summary: "length characters from the 1-based start.",
        imp: Impl::Values(text::mid),
        prepare: None,
    },
    Builtin {
        name: "NormalizeDiacritics",
        params: &[req("source", Text)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Replaces accented letters with their plain forms (é to e, ø to oe, ß to ss).",
        imp: Impl::Values(text::normalize_diacritics),
        prepare: None,
    },
    Builtin {
        name: "Not",
        params: &[req("source", Condition)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "False when the source is True, otherwise True.",
        imp: Impl::Values(logic::not),
        prepare: None,
    },
    Builtin {
        name: "Now",
        params: &[],
        min: 0,
        max: Some(0),
        lazy: false,
        summary: "The current UTC date and time (from the evaluation context).",
        imp: Impl::Values(dates::now),
        prepare: None,
    },
    Builtin {
        name: "NumFromDate",
        params: &[req("value", Date).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "A date as an AD FILETIME number.",
        imp: Impl::Values(dates::num_from_date),
        prepare: None,
    },
    Builtin {
        name: "PCase",
        params: &[req("source", Text), opt("wordSeparators", Text)],
        min: 1,
        max: Some(2),
        lazy: false,
        summary: "Proper case: each word's first letter upper, the rest lower.",
        imp: Impl::Values(text::pcase),
        prepare: None,
    },
    Builtin {
        name: "RandomString",
        params: &[
            req("length", Number),
            req("minimumNumbers", Number),
            req("minimumSpecialCharacters", Number),
            req("minimumCapital", Number),
            req("minimumLowerCase", Number),
            opt("charactersToAvoid", Text),
        ],
        min: 5,
        max: Some(6),
        lazy: false,
        summary: "A random string meeting the minimum counts per character class.",
        imp: Impl::Values(generate::random_string),
        prepare: None,
    },
    Builtin {
        name: "Redact",
        params: &[req("value", Any).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "The value unchanged; Entra shows [Redact] in its logs.",
        imp: Impl::Values(logic::redact),
        prepare: None,
    },
    Builtin {
        name: "RemoveDuplicates",
        params: &[req("attribute", Multi).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "The values with duplicates removed (first occurrence kept, case-sensitive).",
        imp: Impl::Values(lists::remove_duplicates),
        prepare: None,
    },
    Builtin {
        name: "Replace",
        params: &[
            req("source", Text),
            opt("oldValue", Text).graph("Find"),
            opt("regexPattern", Regex).graph("RegularExpression"),
            opt("regexGroupName", Text).graph("RegularExpressionGroupName"),
            opt("replacementValue", Text).graph("Replacement"),
            opt("replacementAttributeName", Attribute).graph("ReplacementPropertyName"),
            opt("template", Text).graph("Template"),
        ],
        min: 1,
        max: Some(7),
        lazy: false,
        summary: "Replaces text, a regex match or a named group; mode chosen by the slots given.",
        imp: Impl::Values(replace::replace),
        prepare: Some(replace::prepare),
    },
    Builtin {
        name: "SelectUniqueValue",
        params: &[req("uniqueValueRule", Text)],
        min: 2,
        max: None,
        lazy: true,
        summary: "The first candidate that does not exist in the target yet (top level only).",
        imp: Impl::Nodes(generate::select_unique_value),
        prepare: Some(generate::prepare_select_unique_value),
    },
    Builtin {
        name: "SingleAppRoleAssignment",
        params: &[req("attribute", Multi).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "The one assigned app role; an error when there are several.",
        imp: Impl::Values(roles::single),
        prepare: None,
    },
    Builtin {
        name: "Split",
        params: &[req("source", Text), req("delimiter", Text)],
        min: 2,
        max: Some(2),
        lazy: false,
        summary: "Splits text at every delimiter into a multi-valued result.",
        imp: Impl::Values(lists::split),
        prepare: None,
    },
    Builtin {
        name: "StripSpaces",
        params: &[req("source", Text)],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Removes every space character (U+0020).",
        imp: Impl::Values(text::strip_spaces),
        prepare: None,
    },
    Builtin {
        name: "Switch",
        params: &[
            req("source", Any),
            opt("defaultValue", Any),
            req("key", Text).graph("switchValue"),
            req("value", Any).graph("switchValue"),
        ],
        min: 2,
        max: None,
        lazy: true,
        summary: "The value of the first key equal to source (case-sensitive), else defaultValue.",
        imp: Impl::Nodes(logic::switch),
        prepare: Some(logic::prepare_switch),
    },
    Builtin {
        name: "ToLower",
        params: &[req("source", Text), opt("culture", Culture)],
        min: 1,
        max: Some(2),
        lazy: false,
        summary: "Lowercase, invariant culture unless one is given.",
        imp: Impl::Values(text::to_lower),
        prepare: Some(text::prepare_culture),
    },
    Builtin {
        name: "ToUpper",
        params: &[req("source", Text), opt("culture", Culture)],
        min: 1,
        max: Some(2),
        lazy: false,
        summary: "Uppercase, invariant culture unless one is given.",
        imp: Impl::Values(text::to_upper),
        prepare: Some(text::prepare_culture),
    },
    Builtin {
        name: "Trim",
        params: &[req("value", Text).graph("source")],
        min: 1,
        max: Some(1),
        lazy: false,
        summary: "Removes leading and trailing white space (.NET Trim), from each value of a list (Cloud Sync).",
        imp: Impl::Values(text::trim),
        prepare: None,
    },
    Builtin {
        name: "Word",
        params: &[
            req("string", Text).graph("source"),
            req("wordNumber", Number),
            req("delimiters", Text),
        ],
        min: 3,
        max: Some(3),
        lazy: false,
        summary: "The wordNumber-th word, words separated by any of delimiters.",
        imp: Impl::Values(text::word),
        prepare: None,
    },
];

/// A failure of kind `kind` at `span`.
pub(crate) fn fail(kind: ErrorKind, span: Span, message: impl Into<String>) -> Error {
    Error::new(kind, span, message)
}

/// An integer argument: a number, or text holding a (possibly signed) decimal or `&H` hex
/// integer. `None` for null.
pub(crate) fn number(v: &Value<'_>, span: Span) -> Result<Option<i64>, Error> {
    let text = match v {
        Value::Null => return Ok(None),
        Value::Num(n) => return Ok(Some(*n)),
        other => other.text(span)?,
    };
    let Some(text) = text else { return Ok(None) };
    parse_integer(&text).map(Some).ok_or_else(|| {
        fail(
            ErrorKind::InvalidNumber,
            span,
            format!("expected a whole number, found \"{text}\""),
        )
    })
}

/// An integer argument that must be present.
pub(crate) fn required_number(v: &Value<'_>, span: Span) -> Result<i64, Error> {
    number(v, span)?.ok_or_else(|| {
        fail(
            ErrorKind::InvalidNumber,
            span,
            "expected a whole number, found null",
        )
    })
}

/// .NET-style integer text: surrounding whitespace allowed, optional sign, decimal digits; or
/// a VBA `&H` hex literal.
pub(crate) fn parse_integer(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("&H").or_else(|| t.strip_prefix("&h")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as i64);
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() {
        return None;
    }
    digits.parse().ok()
}

/// The span of bytes `start..end` inside the constant string in slot `i`: exact when the
/// literal has no escapes, the whole literal otherwise.
pub(crate) fn span_in_const(call: &Call, i: usize, start: usize, end: usize) -> Span {
    let whole = call.arg_span(i);
    match call.const_str(i) {
        Some(s) if whole.end - whole.start == s.len() + 2 => {
            let end = end.max(start + 1).min(s.len());
            let start = start.min(end.saturating_sub(1));
            Span::new(whole.start + 1 + start, whole.start + 1 + end.max(start))
        }
        _ => whole,
    }
}
