//! Text functions: concatenation, casing, slicing, searching, encodings.

use std::borrow::Cow;

use super::{Prepared, fail, number, required_number};
use crate::dotnet::text::{self as dn, Culture};
use crate::expr::compile::{Call, NodeKind};
use crate::expr::error::{Error, ErrorKind};
use crate::expr::eval::{Cx, R};
use crate::expr::value::Value;

/// Apply `f` to the single text argument 0, passing null through as null.
fn map_text<'a>(call: &Call, args: &[Value<'a>], f: impl FnOnce(&str, &mut String)) -> R<'a> {
    let Some(s) = args[0].text(call.arg_span(0))? else {
        return Ok(Value::Null);
    };
    let mut out = String::with_capacity(s.len());
    f(&s, &mut out);
    Ok(Value::string(out))
}

pub(super) fn append<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    if args[0].is_null() && args[1].is_null() {
        return Ok(Value::Null);
    }
    let mut out = String::new();
    args[0].write_text(&mut out, call.arg_span(0))?;
    args[1].write_text(&mut out, call.arg_span(1))?;
    Ok(Value::string(out))
}

pub(super) fn to_base64<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    map_text(call, args, dn::base64_utf16le)
}

pub(super) fn to_utf8_hex<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    map_text(call, args, dn::utf8_hex)
}

pub(super) fn normalize_diacritics<'a>(
    call: &'a Call,
    args: &mut [Value<'a>],
    _: &Cx<'a>,
) -> R<'a> {
    map_text(call, args, super::diacritics::normalize_diacritics)
}

/// .NET `String.Trim()`: white space as `Char.IsWhiteSpace` sees it, each value of a list
/// trimmed on its own (Cloud Sync's reference: `Trim([proxyAddresses])`).
pub(super) fn trim<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    fn is_white(c: char) -> bool {
        // Rust's White_Space property adds U+0085 and the line/paragraph separators that .NET
        // also counts; it lacks nothing .NET has.
        c.is_whitespace()
    }
    match std::mem::take(&mut args[0]) {
        Value::List(items) => Ok(Value::List(
            items
                .into_iter()
                .map(|s| match s {
                    Cow::Borrowed(b) => Cow::Borrowed(b.trim_matches(is_white)),
                    Cow::Owned(o) => Cow::Owned(o.trim_matches(is_white).to_string()),
                })
                .collect(),
        )),
        other => map_text(call, std::slice::from_ref(&other), |s, out| {
            out.push_str(s.trim_matches(is_white))
        }),
    }
}

pub(super) fn strip_spaces<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    map_text(call, args, |s, out| {
        out.extend(s.chars().filter(|&c| c != ' '))
    })
}

pub(super) fn join<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let sep = args[0].text_or_empty(call.arg_span(0))?;
    let mut out = String::new();
    let mut first = true;
    for (i, v) in args.iter().enumerate().skip(1) {
        let span = call.arg_span(i);
        let mut push = |s: &str| {
            if s.is_empty() {
                return;
            }
            if !first {
                out.push_str(&sep);
            }
            out.push_str(s);
            first = false;
        };
        match v {
            Value::Null => {}
            Value::List(items) => items.iter().for_each(|s| push(s)),
            other => {
                if let Some(t) = other.text(span)? {
                    push(&t);
                }
            }
        }
    }
    Ok(Value::string(out))
}

pub(super) fn left<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let n = required_number(&args[1], call.arg_span(1))?;
    let s = args[0].text_or_empty(call.arg_span(0))?;
    let out = if n < 0 {
        s.as_ref()
    } else {
        dn::utf16_substring(&s, 0, n as usize)
    };
    Ok(Value::string(out.to_string()))
}

pub(super) fn len<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let s = args[0].text_or_empty(call.arg_span(0))?;
    Ok(Value::Num(dn::utf16_len(&s) as i64))
}

pub(super) fn mid<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let start = required_number(&args[1], call.arg_span(1))?;
    let length = required_number(&args[2], call.arg_span(2))?;
    let s = args[0].text_or_empty(call.arg_span(0))?;
    // Connect Sync's documented edge rules: a bad start or a negative length yields the whole
    // string rather than an error.
    let total = dn::utf16_len(&s) as i64;
    let out = if length == 0 {
        ""
    } else if length < 0 || start <= 0 || start > total {
        s.as_ref()
    } else {
        dn::utf16_substring(&s, (start - 1) as usize, length as usize)
    };
    Ok(Value::string(out.to_string()))
}

pub(super) fn pcase<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let separators = args[1].text(call.arg_span(1))?.map(Cow::into_owned);
    map_text(call, args, |s, out| match separators.as_deref() {
        Some(seps) if !seps.is_empty() => dn::title_case_with_separators(s, seps, out),
        _ => dn::title_case(s, out),
    })
}

pub(super) fn word<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let n = required_number(&args[1], call.arg_span(1))?;
    let s = args[0].text_or_empty(call.arg_span(0))?;
    let delimiters = args[2].text_or_empty(call.arg_span(2))?;
    Ok(Value::string(dn::word(&s, n, &delimiters).to_string()))
}

pub(super) fn prepare_culture(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    match call.const_str(1) {
        Some(name) => culture(name, call, 1).map(Prepared::Culture),
        None => Ok(Prepared::None),
    }
}

fn culture(name: &str, call: &Call, i: usize) -> Result<Culture, Error> {
    Culture::parse(name).ok_or_else(|| {
        fail(
            ErrorKind::InvalidArgument,
            call.arg_span(i),
            format!("unknown culture \"{name}\""),
        )
        .with_help("use an RFC 4646 name such as \"en-US\" or \"tr-TR\", or leave the slot empty for the invariant culture")
    })
}

fn casing<'a>(call: &'a Call, args: &[Value<'a>], f: fn(&str, Culture, &mut String)) -> R<'a> {
    let culture = match &call.prepared {
        Prepared::Culture(c) => *c,
        _ => match args[1].text(call.arg_span(1))? {
            Some(name) if !name.is_empty() => culture(&name, call, 1)?,
            _ => Culture::Invariant,
        },
    };
    map_text(call, args, |s, out| f(s, culture, out))
}

pub(super) fn to_lower<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    casing(call, args, dn::to_lower)
}

pub(super) fn to_upper<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    casing(call, args, dn::to_upper)
}

pub(super) fn prepare_instr(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    let Some(Some(node)) = call.args.get(3) else {
        return Ok(Prepared::IgnoreCase(false));
    };
    let name: &str = match &node.kind {
        NodeKind::Ident(id) => id,
        _ => call.const_str(3).unwrap_or(""),
    };
    match name.to_ascii_lowercase().as_str() {
        "vbtextcompare" | "1" => Ok(Prepared::IgnoreCase(true)),
        "vbbinarycompare" | "0" => Ok(Prepared::IgnoreCase(false)),
        _ => Err(fail(
            if matches!(node.kind, NodeKind::Ident(_)) {
                ErrorKind::UnknownIdentifier
            } else {
                ErrorKind::InvalidArgument
            },
            node.span,
            format!(
                "InStr's compare type must be vbBinaryCompare or vbTextCompare, found `{name}`"
            ),
        )
        .with_help("write vbTextCompare (no quotes) for a case-insensitive search")),
    }
}

pub(super) fn instr<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let start = number(&args[2], call.arg_span(2))?.unwrap_or(1);
    if start < 1 {
        return Err(fail(
            ErrorKind::InvalidArgument,
            call.arg_span(2),
            format!("InStr's start must be 1 or more, found {start}"),
        )
        .into());
    }
    let (Some(hay), Some(needle)) = (
        args[0].text(call.arg_span(0))?,
        args[1].text(call.arg_span(1))?,
    ) else {
        return Ok(Value::Num(0));
    };
    let ignore_case = matches!(call.prepared, Prepared::IgnoreCase(true));
    Ok(Value::Num(
        dn::instr(&hay, &needle, start as usize, ignore_case) as i64,
    ))
}
