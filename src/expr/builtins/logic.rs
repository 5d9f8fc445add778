//! Conditions, conversions and flow control: IIF, Switch, Coalesce, IgnoreFlowIfNullOrEmpty,
//! the Is* tests, Not, CBool, CStr, BitAnd, Redact.

use super::{Prepared, fail, required_number};
use crate::expr::compile::{Call, Node, NodeKind};
use crate::expr::error::{Error, ErrorKind, Span};
use crate::expr::eval::{Cx, R, Stop, eval};
use crate::expr::value::Value;

/// .NET `bool.Parse` plus VB's numeric truth: the reading of a condition.
fn truth(v: &Value<'_>, span: Span) -> Result<bool, Error> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Num(n) => Ok(*n != 0),
        other => {
            let text = other.text_or_empty(span)?;
            let t = text.trim();
            if t.eq_ignore_ascii_case("true") {
                Ok(true)
            } else if t.eq_ignore_ascii_case("false") {
                Ok(false)
            } else if let Some(n) = super::parse_integer(t) {
                Ok(n != 0)
            } else {
                Err(fail(
                    ErrorKind::InvalidArgument,
                    span,
                    format!("expected True or False, found \"{text}\""),
                ))
            }
        }
    }
}

pub(super) fn cbool<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(Value::Bool(truth(&args[0], call.arg_span(0))?))
}

pub(super) fn not<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    // Documented: False for True, "otherwise, returns True" - so anything but a true value,
    // null and arbitrary text included, gives True.
    let is_true = match &args[0] {
        Value::Bool(b) => *b,
        Value::Str(s) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    };
    Ok(Value::Bool(!is_true))
}

pub(super) fn cstr<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(match args[0].text(call.arg_span(0))? {
        None => Value::Null,
        Some(t) => Value::string(t.into_owned()),
    })
}

pub(super) fn bit_and<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let a = required_number(&args[0], call.arg_span(0))?;
    let b = required_number(&args[1], call.arg_span(1))?;
    Ok(Value::Num(a & b))
}

pub(super) fn raise<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let message = args[0].text_or_empty(call.arg_span(0))?.into_owned();
    Err(fail(ErrorKind::Raised, call.span, message).into())
}

pub(super) fn redact<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(std::mem::take(&mut args[0]))
}

pub(super) fn is_null<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(Value::Bool(args[0].is_null()))
}

pub(super) fn is_null_or_empty<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(Value::Bool(args[0].is_null_or_empty()))
}

pub(super) fn is_present<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(Value::Bool(!args[0].is_null_or_empty()))
}

pub(super) fn is_string<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(Value::Bool(matches!(
        args[0].text(call.arg_span(0)),
        Ok(Some(_))
    )))
}

/// The value of an optional slot: null when empty.
fn slot<'a>(call: &'a Call, i: usize, cx: &Cx<'a>) -> R<'a> {
    match call.args.get(i) {
        Some(Some(node)) => eval(node, cx),
        _ => Ok(Value::Null),
    }
}

pub(super) fn coalesce<'a>(call: &'a Call, cx: &Cx<'a>) -> R<'a> {
    for i in 0..call.args.len() {
        let v = slot(call, i, cx)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

pub(super) fn ignore_flow<'a>(call: &'a Call, cx: &Cx<'a>) -> R<'a> {
    let v = slot(call, 0, cx)?;
    if v.is_null_or_empty() {
        Err(Stop::Drop)
    } else {
        Ok(v)
    }
}

pub(super) fn prepare_switch(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    if !call.args.len().is_multiple_of(2) {
        return Err(fail(
            ErrorKind::ArityError,
            call.span,
            format!(
                "Switch takes the source, a default value, then key/value pairs: an even number of arguments, found {}",
                call.args.len()
            ),
        )
        .with_help("every key needs a value; leave the default slot empty (`Switch([x], , \"k\", \"v\")`) for no default"));
    }
    Ok(Prepared::None)
}

pub(super) fn switch<'a>(call: &'a Call, cx: &Cx<'a>) -> R<'a> {
    let source = slot(call, 0, cx)?;
    let source = source.text_or_empty(call.arg_span(0))?;
    let mut i = 2;
    while i + 1 < call.args.len() {
        let key = slot(call, i, cx)?;
        if key.text_or_empty(call.arg_span(i))? == source {
            return slot(call, i + 1, cx);
        }
        i += 2;
    }
    slot(call, 1, cx)
}

pub(super) fn prepare_iif(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    let Some(Some(condition)) = call.args.first() else {
        return Ok(Prepared::Condition(Vec::new()));
    };
    let mut attributes = Vec::new();
    condition_attributes(condition, &mut attributes)?;
    Ok(Prepared::Condition(attributes))
}

/// The functions whose point is to test whether a value is there.
pub(crate) fn is_presence_test(name: &str) -> bool {
    matches!(name, "IsPresent" | "IsNull" | "IsNullOrEmpty")
}

fn condition_attributes(node: &Node, out: &mut Vec<Box<str>>) -> Result<(), Error> {
    match &node.kind {
        NodeKind::Attr(name) => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        NodeKind::Compare(_, l, r) => {
            condition_attributes(l, out)?;
            condition_attributes(r, out)?;
        }
        NodeKind::Call(call) => {
            if call.builtin.name == "IgnoreFlowIfNullOrEmpty" {
                return Err(fail(
                    ErrorKind::IifIgnoreflowCondition,
                    node.span,
                    "IgnoreFlowIfNullOrEmpty is not a condition",
                )
                .with_help("wrap the whole IIF instead: IgnoreFlowIfNullOrEmpty(IIF(...))"));
            }
            for arg in call.args.iter().flatten() {
                // The function reference says the check fails even for
                // `IIF(IsPresent([x]), ...)`, but the HR-provisioning, SuccessFactors and Cloud
                // Sync pages, and Microsoft's own Cloud Sync defaults (`IIF(IsPresent([pwdLastSet]),
                // ...)`), rely on a presence test of a missing attribute working: an attribute
                // read only to test its presence does not fail the condition (COMPATIBILITY.md).
                if is_presence_test(call.builtin.name) && matches!(arg.kind, NodeKind::Attr(_)) {
                    continue;
                }
                condition_attributes(arg, out)?;
            }
        }
        NodeKind::Const(_) | NodeKind::Ident(_) | NodeKind::Macro(_) => {}
    }
    Ok(())
}

pub(super) fn iif<'a>(call: &'a Call, cx: &Cx<'a>) -> R<'a> {
    if let Prepared::Condition(attributes) = &call.prepared {
        for name in attributes {
            let missing = match cx.source.attribute(name) {
                None => true,
                Some(v) => crate::expr::eval::attribute(Some(v)).is_null_or_empty(),
            };
            if missing {
                return Err(fail(
                    ErrorKind::IifNullCondition,
                    call.arg_span(0),
                    format!("the IIF condition reads [{name}], which is null or empty: Entra fails the condition check"),
                )
                .with_help(format!(
                    "make the condition a presence test, IIF(IsPresent([{name}]), [{name}], \"fallback\") (the function reference says even that fails, but the HR, SuccessFactors and Cloud Sync pages and Microsoft's own defaults rely on it), or use Switch([{name}], [{name}], \"\", \"fallback\")"
                ))
                .into());
            }
        }
    }
    // IIF is eager, like VBA's: both branches run, so an error in either one fails the call
    // (a field report). A dropped flow, and an `Error(...)`, matter only in the branch that is
    // chosen: Microsoft's own Cloud Sync default `IIF(IsPresent([userPrincipalName]), ...,
    // IIF(IsPresent([sAMAccountName]), ..., Error("AccountName is not present")))` would
    // otherwise fail every object.
    let condition = truth(&slot(call, 0, cx)?, call.arg_span(0))?;
    let fails = |r: &R<'a>| matches!(r, Err(Stop::Fail(e)) if e.kind != ErrorKind::Raised);
    let when_true = slot(call, 1, cx);
    if fails(&when_true) {
        return when_true;
    }
    let when_false = slot(call, 2, cx);
    if fails(&when_false) {
        return when_false;
    }
    if condition { when_true } else { when_false }
}
