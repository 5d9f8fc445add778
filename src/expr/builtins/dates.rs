//! Dates: CDate, DateAdd, DateDiff, DateFromNum, NumFromDate, FormatDateTime, Now.

use super::{Prepared, fail, required_number, span_in_const};
use crate::dotnet::datetime::{
    DateFormat, DateKind, DateTime, DateTimeStyles, FormatError, Interval,
};
use crate::expr::compile::Call;
use crate::expr::error::{Error, ErrorKind, Span};
use crate::expr::eval::{Cx, R};
use crate::expr::value::Value;

/// A date argument: a DateTime, or text parsed the way CDate parses it.
fn date(v: &Value<'_>, span: Span, now: DateTime) -> Result<DateTime, Error> {
    if let Value::Date(d) = v {
        return Ok(*d);
    }
    match v.text(span)? {
        None => Err(fail(
            ErrorKind::InvalidDate,
            span,
            "expected a date, found null",
        )),
        Some(t) => DateTime::parse_lenient_at(&t, Some(now)).ok_or_else(|| {
            fail(
                ErrorKind::InvalidDate,
                span,
                format!("\"{t}\" is not a date"),
            )
            .with_help("use ISO 8601 such as 2024-05-01T08:00:00Z, or M/d/yyyy h:mm:ss tt")
        }),
    }
}

pub(super) fn cdate<'a>(call: &'a Call, args: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    Ok(Value::Date(date(&args[0], call.arg_span(0), cx.ctx.now)?))
}

pub(super) fn now<'a>(_: &'a Call, _: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    Ok(Value::Date(cx.ctx.now))
}

fn interval_error(text: &str, span: Span) -> Error {
    fail(
        ErrorKind::InvalidArgument,
        span,
        format!("unknown interval \"{text}\""),
    )
    .with_help("use one of \"yyyy\", \"m\", \"d\", \"ww\", \"h\", \"n\" (minutes), \"s\"")
}

pub(super) fn prepare_interval(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    match call.const_str(0) {
        Some(text) => Interval::parse(text)
            .map(Prepared::Interval)
            .ok_or_else(|| interval_error(text, call.arg_span(0))),
        None => Ok(Prepared::None),
    }
}

fn interval(call: &Call, v: &Value<'_>) -> Result<Interval, Error> {
    if let Prepared::Interval(i) = call.prepared {
        return Ok(i);
    }
    let text = v.text_or_empty(call.arg_span(0))?;
    Interval::parse(&text).ok_or_else(|| interval_error(&text, call.arg_span(0)))
}

pub(super) fn date_add<'a>(call: &'a Call, args: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    let interval = interval(call, &args[0])?;
    let n = required_number(&args[1], call.arg_span(1))?;
    let d = date(&args[2], call.arg_span(2), cx.ctx.now)?;
    d.add(interval, n).map(Value::Date).ok_or_else(|| {
        fail(
            ErrorKind::InvalidDate,
            call.span,
            "the result is outside the years 1 to 9999",
        )
        .into()
    })
}

pub(super) fn date_diff<'a>(call: &'a Call, args: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    let interval = interval(call, &args[0])?;
    let a = date(&args[1], call.arg_span(1), cx.ctx.now)?;
    let b = date(&args[2], call.arg_span(2), cx.ctx.now)?;
    Ok(Value::Num(a.diff(interval, b)))
}

pub(super) fn date_from_num<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    // Null in, null out: IIF evaluates both branches, and Microsoft's own Cloud Sync default
    // `IIF(IsPresent([pwdLastSet]), FormatDateTime(DateFromNum([pwdLastSet]), ...), )` must not
    // fail an object without pwdLastSet.
    let Some(n) = super::number(&args[0], call.arg_span(0))? else {
        return Ok(Value::Null);
    };
    DateTime::from_filetime(n).map(Value::Date).ok_or_else(|| {
        fail(
            ErrorKind::InvalidArgument,
            call.arg_span(0),
            format!("{n} is not a FILETIME between the years 1601 and 9999"),
        )
        .with_help("AD writes 9223372036854775807 or 0 for \"never expires\"; test for those before converting")
        .into()
    })
}

pub(super) fn num_from_date<'a>(call: &'a Call, args: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    let d = date(&args[0], call.arg_span(0), cx.ctx.now)?;
    d.to_filetime().map(Value::Num).ok_or_else(|| {
        fail(
            ErrorKind::InvalidDate,
            call.arg_span(0),
            "dates before 1601 have no FILETIME",
        )
        .into()
    })
}

fn format_error(call: &Call, i: usize, e: FormatError) -> Error {
    fail(
        ErrorKind::InvalidArgument,
        span_in_const(call, i, e.start, e.end),
        format!("invalid .NET date format: {}", e.message),
    )
}

/// .NET's `ParseExact` rejects an empty format ("Format specifier was invalid") whatever the
/// source, so it is a bad argument, not a date that fails to match.
fn empty_input_format(call: &Call, i: usize) -> Error {
    fail(
        ErrorKind::InvalidArgument,
        call.arg_span(i),
        "invalid .NET date format: the input format is empty",
    )
    .with_help("give the format the source is written in, e.g. \"yyyy-MM-dd\"")
}

fn styles_error(text: &str, span: Span) -> Error {
    fail(
        ErrorKind::InvalidArgument,
        span,
        format!("\"{text}\" is not a .NET DateTimeStyles value"),
    )
    .with_help("leave the slot empty for the default, or use names like \"AdjustToUniversal, AssumeUniversal\"")
}

pub(super) fn prepare_format(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    // The 3-argument form (source, inputFormat, outputFormat) predates dateTimeStyles and is
    // still used by Microsoft's guides; both are accepted.
    let (styles_at, input_at, output_at) = if call.args.len() == 4 {
        (Some(1), 2, 3)
    } else {
        (None, 1, 2)
    };
    for at in [input_at, output_at] {
        // Microsoft's Cloud Sync defaults leave the input format of the 4-argument form empty
        // over a date (`FormatDateTime(DateFromNum([pwdLastSet]), "RoundtripKind", ,
        // "yyyyMMddHHmmss.0Z")`); text sources still need one, which evaluation checks.
        let may_be_empty = at == input_at && styles_at.is_some();
        if !call.has_arg(at) && !may_be_empty {
            return Err(fail(
                ErrorKind::ArityError,
                call.span,
                format!(
                    "FormatDateTime: argument {} (a date format) is required but left empty",
                    at + 1
                ),
            ));
        }
    }
    let styles =
        match styles_at.and_then(|i| call.const_str(i).filter(|s| !s.is_empty()).map(|s| (i, s))) {
            Some((i, s)) => {
                Some(DateTimeStyles::parse(s).ok_or_else(|| styles_error(s, call.arg_span(i)))?)
            }
            None => None,
        };
    let compile = |i: usize| -> Result<Option<Box<DateFormat>>, Error> {
        match call.const_str(i) {
            Some("") if i == input_at => Err(empty_input_format(call, i)),
            Some(f) => DateFormat::compile(f)
                .map(|f| Some(Box::new(f)))
                .map_err(|e| format_error(call, i, e)),
            None => Ok(None),
        }
    };
    Ok(Prepared::FormatDateTime {
        styles_at,
        input_at,
        output_at,
        styles,
        input: compile(input_at)?,
        output: compile(output_at)?,
    })
}

pub(super) fn format_date_time<'a>(call: &'a Call, args: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    let Prepared::FormatDateTime {
        styles_at,
        input_at,
        output_at,
        styles,
        input,
        output,
    } = &call.prepared
    else {
        unreachable!("FormatDateTime is always prepared")
    };
    let runtime_format = |i: usize| -> Result<DateFormat, Error> {
        let text = args[i].text_or_empty(call.arg_span(i))?;
        DateFormat::compile(&text).map_err(|e| format_error(call, i, e))
    };
    let (parsed, kind) = match &args[0] {
        Value::Date(d) => (*d, DateKind::Utc),
        other => {
            let Some(text) = other.text(call.arg_span(0))? else {
                return Ok(Value::Null);
            };
            if text.is_empty() {
                return Ok(Value::Null);
            }
            let styles = match (styles, styles_at) {
                (Some(s), _) => *s,
                (None, Some(i)) => match args[*i].text(call.arg_span(*i))? {
                    Some(s) if !s.is_empty() => DateTimeStyles::parse(&s)
                        .ok_or_else(|| styles_error(&s, call.arg_span(*i)))?,
                    _ => DateTimeStyles::DEFAULT,
                },
                (None, None) => DateTimeStyles::DEFAULT,
            };
            let owned;
            let format = match input {
                Some(f) => f.as_ref(),
                None => {
                    if args[*input_at]
                        .text(call.arg_span(*input_at))?
                        .is_none_or(|f| f.is_empty())
                    {
                        return Err(empty_input_format(call, *input_at).into());
                    }
                    owned = runtime_format(*input_at)?;
                    &owned
                }
            };
            // The clock fills in the date for time-only formats, as .NET's ParseExact does.
            format
                .parse_exact_kind(&text, styles, Some(cx.ctx.now))
                .ok_or_else(|| {
                    fail(
                        ErrorKind::InvalidDate,
                        call.arg_span(0),
                        format!(
                            "\"{text}\" does not match the input format \"{}\"",
                            args[*input_at]
                                .text_or_empty(call.arg_span(*input_at))
                                .unwrap_or_default()
                        ),
                    )
                })?
        }
    };
    let mut out = String::with_capacity(24);
    match output {
        Some(f) => f.format_kind(parsed, kind, &mut out),
        None => runtime_format(*output_at)?.format_kind(parsed, kind, &mut out),
    }
    Ok(Value::string(out))
}
