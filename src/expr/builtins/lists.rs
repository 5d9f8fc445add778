//! Multi-valued attributes: Count, Item, RemoveDuplicates, Split.

use std::borrow::Cow;

use super::{Prepared, fail, required_number};
use crate::expr::compile::{Call, NodeKind};
use crate::expr::error::{Error, ErrorKind};
use crate::expr::eval::{Cx, R};
use crate::expr::value::Value;

pub(super) fn count<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let n = match &args[0] {
        Value::Objects(o) => o.len(),
        other => other.items(call.arg_span(0))?.len(),
    };
    Ok(Value::Num(n as i64))
}

pub(super) fn prepare_item(call: &Call, _depth: usize) -> Result<Prepared, Error> {
    if let Some(Some(node)) = call.args.first()
        && matches!(node.kind, NodeKind::Const(_))
    {
        return Err(fail(
            ErrorKind::InvalidArgument,
            node.span,
            "Item needs a multi-valued attribute, not a constant",
        )
        .with_help("write Item([proxyAddresses], 1), or Item(Split(...), 1)"));
    }
    Ok(Prepared::None)
}

pub(super) fn item<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let index = required_number(&args[1], call.arg_span(1))?;
    let values = std::mem::take(&mut args[0]);
    let mut items: Vec<Cow<'a, str>> = match values {
        Value::List(l) => l,
        Value::Null => Vec::new(),
        other => other
            .text(call.arg_span(0))?
            .map(|t| Cow::Owned(t.into_owned()))
            .into_iter()
            .collect(),
    };
    if index < 1 || index as usize > items.len() {
        return Err(fail(
            ErrorKind::IndexOutOfRange,
            call.arg_span(1),
            format!(
                "index {index} is outside 1..={} (Item counts from 1)",
                items.len()
            ),
        )
        .into());
    }
    Ok(Value::Str(items.swap_remove(index as usize - 1)))
}

pub(super) fn remove_duplicates<'a>(_: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    Ok(match std::mem::take(&mut args[0]) {
        Value::List(items) => {
            let mut out: Vec<Cow<'a, str>> = Vec::with_capacity(items.len());
            for item in items {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            Value::List(out)
        }
        Value::Null => Value::Null,
        single => single,
    })
}

pub(super) fn split<'a>(call: &'a Call, args: &mut [Value<'a>], _: &Cx<'a>) -> R<'a> {
    let Some(source) = args[0].text(call.arg_span(0))? else {
        return Ok(Value::Null);
    };
    let delimiter = args[1].text_or_empty(call.arg_span(1))?;
    // .NET String.Split(string): no trimming, empty items kept; an empty delimiter splits
    // nothing.
    let items = if delimiter.is_empty() {
        vec![Cow::Owned(source.into_owned())]
    } else {
        source
            .split(delimiter.as_ref())
            .map(|s| Cow::Owned(s.to_string()))
            .collect()
    };
    Ok(Value::List(items))
}
