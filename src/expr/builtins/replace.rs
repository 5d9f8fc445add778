//! Replace, in every mode Microsoft documents. Which mode runs is decided by which of the
//! seven slots hold arguments, so it is fixed at compile time.

use super::{Prepared, fail, span_in_const};
use crate::dotnet::regex::{DotNetRegex, MatchError, PatternError, Replacement};
use crate::expr::compile::Call;
use crate::expr::error::{Error, ErrorKind, Span};
use crate::expr::eval::{Cx, R};
use crate::expr::value::Value;

const SOURCE: usize = 0;
pub(super) const OLD_VALUE: usize = 1;
pub(super) const REGEX: usize = 2;
pub(super) const GROUP: usize = 3;
pub(super) const REPLACEMENT: usize = 4;
pub(super) const REPLACEMENT_ATTRIBUTE: usize = 5;
pub(super) const TEMPLATE: usize = 6;

/// The documented Replace modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplaceMode {
    /// oldValue + template: every oldValue in the template becomes the source.
    Template,
    /// oldValue (+ replacementValue): ordinal, case-sensitive text replacement.
    Text,
    /// regexPattern + replacementValue: .NET Regex.Replace with substitutions.
    Regex,
    /// regexPattern + regexGroupName + replacementValue: only the named group is replaced.
    Group,
    /// regexPattern + regexGroupName + replacementAttributeName: the source when it has a
    /// value, else the named group of the regex's first match in the other attribute.
    Fallback,
}

pub(super) fn prepare(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    let has = |i| call.has_arg(i);
    let mode = if has(OLD_VALUE) && has(TEMPLATE) {
        ReplaceMode::Template
    } else if has(OLD_VALUE) {
        ReplaceMode::Text
    } else if has(REGEX) && has(GROUP) && has(REPLACEMENT_ATTRIBUTE) && !has(REPLACEMENT) {
        ReplaceMode::Fallback
    } else if has(REGEX) && has(GROUP) && has(REPLACEMENT) {
        ReplaceMode::Group
    } else if has(REGEX) && has(REPLACEMENT) {
        ReplaceMode::Regex
    } else {
        return Err(fail(
            ErrorKind::ArityError,
            call.span,
            "Replace needs oldValue, or regexPattern with replacementValue or with regexGroupName and replacementAttributeName",
        )
        .with_help("Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template): e.g. Replace([mail], \"@contoso.com\", , , \"\", , )"));
    };
    let regex = match call.const_str(REGEX) {
        Some(pattern) if mode != ReplaceMode::Text && mode != ReplaceMode::Template => {
            let regex = DotNetRegex::compile(pattern).map_err(|e| pattern_error(call, e))?;
            if let Some(group) = call.const_str(GROUP) {
                check_group(&regex, group, call.arg_span(GROUP))?;
            }
            Some(Box::new(regex))
        }
        _ => None,
    };
    let replacement = match (&regex, call.const_str(REPLACEMENT)) {
        (Some(regex), Some(text)) if mode == ReplaceMode::Regex => Some(Box::new(
            Replacement::try_parse(text, regex).map_err(|e| replacement_error(call, e, true))?,
        )),
        _ => None,
    };
    Ok(Prepared::Replace {
        mode,
        regex,
        replacement,
    })
}

fn pattern_error(call: &Call, e: PatternError) -> Error {
    let err = fail(
        ErrorKind::InvalidRegex,
        span_in_const(call, REGEX, e.start, e.end),
        format!("invalid regular expression: {}", e.message),
    );
    match e.help {
        Some(h) => err.with_help(h),
        None => err,
    }
}

/// .NET rejects a substitution whose group number overflows `Int32` (`$2147483648`) when
/// `Regex.Replace` parses it, so a constant one is refused at compile time, located in the
/// argument, and a computed one fails the call.
fn replacement_error(call: &Call, e: PatternError, constant: bool) -> Error {
    let span = if constant {
        span_in_const(call, REPLACEMENT, e.start, e.end)
    } else {
        call.arg_span(REPLACEMENT)
    };
    fail(
        ErrorKind::InvalidRegex,
        span,
        format!("invalid substitution: {}", e.message),
    )
    .with_help("write $$ for a literal dollar sign")
}

fn check_group(regex: &DotNetRegex, group: &str, span: Span) -> Result<(), Error> {
    if regex.has_group(group) {
        return Ok(());
    }
    let err = fail(
        ErrorKind::InvalidArgument,
        span,
        format!("the regex has no group named \"{group}\""),
    );
    let suggestion = crate::expr::compile::did_you_mean(group, regex.group_names());
    Err(match suggestion {
        Some(best) => err.with_help(format!(
            "did you mean \"{best}\"? Group names are case-sensitive"
        )),
        None => err.with_help("name a group with (?<name>...)"),
    })
}

fn runtime(e: MatchError, span: Span) -> Error {
    fail(ErrorKind::InvalidRegex, span, e.message)
}

pub(super) fn replace<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let Prepared::Replace {
        mode,
        regex,
        replacement,
    } = &call.prepared
    else {
        unreachable!("Replace is always prepared")
    };
    let text = |i: usize| args[i].text(call.arg_span(i));
    let owned_regex;
    let regex: Option<&DotNetRegex> = match (regex, mode) {
        (Some(r), _) => Some(r),
        (None, ReplaceMode::Text | ReplaceMode::Template) => None,
        (None, _) => {
            let pattern = args[REGEX].text_or_empty(call.arg_span(REGEX))?;
            owned_regex = DotNetRegex::compile(&pattern).map_err(|e| pattern_error(call, e))?;
            Some(&owned_regex)
        }
    };
    match mode {
        ReplaceMode::Template => {
            let Some(template) = text(TEMPLATE)? else {
                return Ok(Value::Null);
            };
            let old = text(OLD_VALUE)?.unwrap_or_default();
            let source = text(SOURCE)?.unwrap_or_default();
            Ok(Value::string(replace_text(&template, &old, &source)))
        }
        ReplaceMode::Text => {
            let Some(source) = text(SOURCE)? else {
                return Ok(Value::Null);
            };
            let old = text(OLD_VALUE)?.unwrap_or_default();
            let new = text(REPLACEMENT)?.unwrap_or_default();
            Ok(Value::string(replace_text(&source, &old, &new)))
        }
        ReplaceMode::Fallback => {
            if !args[SOURCE].is_null_or_empty() {
                return Ok(std::mem::take(&mut args[SOURCE]));
            }
            let regex = regex.expect("regex modes have a regex");
            let group = text(GROUP)?.unwrap_or_default();
            let Some(other) = text(REPLACEMENT_ATTRIBUTE)? else {
                return Ok(Value::Null);
            };
            let found = regex
                .first_group(&other, &group)
                .map_err(|e| runtime(e, call.span))?;
            Ok(found.map_or(Value::Null, |s| Value::string(s.to_string())))
        }
        ReplaceMode::Group => {
            let Some(source) = text(SOURCE)? else {
                return Ok(Value::Null);
            };
            let regex = regex.expect("regex modes have a regex");
            let group = text(GROUP)?.unwrap_or_default();
            let new = text(REPLACEMENT)?.unwrap_or_default();
            let mut out = String::with_capacity(source.len());
            regex
                .replace_group(&source, &group, &new, &mut out)
                .map_err(|e| runtime(e, call.span))?;
            Ok(Value::string(out))
        }
        ReplaceMode::Regex => {
            let Some(source) = text(SOURCE)? else {
                return Ok(Value::Null);
            };
            let regex = regex.expect("regex modes have a regex");
            let owned_replacement;
            let replacement = match replacement {
                Some(r) => r.as_ref(),
                None => {
                    let t = text(REPLACEMENT)?.unwrap_or_default();
                    owned_replacement = Replacement::try_parse(&t, regex)
                        .map_err(|e| replacement_error(call, e, false))?;
                    &owned_replacement
                }
            };
            let mut out = String::with_capacity(source.len());
            regex
                .replace_all(&source, replacement, &mut out)
                .map_err(|e| runtime(e, call.span))?;
            Ok(Value::string(out))
        }
    }
}

/// .NET `String.Replace`: ordinal; an empty oldValue leaves the text unchanged (where .NET
/// would throw, Entra's docs show no error).
fn replace_text(source: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        source.to_string()
    } else {
        source.replace(old, new)
    }
}
