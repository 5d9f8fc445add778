//! Generated and context values: Guid, RandomString, SelectUniqueValue, DefaultDomain.

use super::{Prepared, fail, required_number};
use crate::expr::compile::Call;
use crate::expr::error::{Error, ErrorKind};
use crate::expr::eval::{Cx, R, eval};
use crate::expr::value::Value;

pub(super) fn guid<'a>(_: &'a Call, _: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&cx.ctx.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&cx.ctx.next_u64().to_le_bytes());
    // RFC 4122 version 4, variant 1: what .NET's Guid.NewGuid() produces.
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
        out.push(char::from_digit(u32::from(b & 0xF), 16).expect("nibble"));
    }
    Ok(Value::string(out))
}

const DIGITS: &str = "0123456789";
/// The special characters of the Windows password-complexity reference Microsoft's doc links.
const SPECIAL: &str = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";

/// Entra caps RandomString's length.
const MAX_RANDOM_LENGTH: i64 = 256;

pub(super) fn random_string<'a>(call: &'a Call, args: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    let length = required_number(&args[0], call.arg_span(0))?;
    let mut minimums = [0i64; 4];
    for (i, m) in minimums.iter_mut().enumerate() {
        *m = required_number(&args[i + 1], call.arg_span(i + 1))?;
        if *m < 0 {
            return Err(fail(
                ErrorKind::InvalidArgument,
                call.arg_span(i + 1),
                "a minimum cannot be negative",
            )
            .into());
        }
    }
    if !(1..=MAX_RANDOM_LENGTH).contains(&length) {
        return Err(fail(
            ErrorKind::InvalidArgument,
            call.arg_span(0),
            format!("RandomString's length must be 1 to {MAX_RANDOM_LENGTH}, found {length}"),
        )
        .into());
    }
    let required: i64 = minimums.iter().sum();
    if required > length {
        return Err(fail(
            ErrorKind::InvalidArgument,
            call.span,
            format!("the minimums add up to {required}, more than the length {length}"),
        )
        .into());
    }
    let avoid: Vec<char> = args[5]
        .text(call.arg_span(5))?
        .map(|s| s.chars().collect())
        .unwrap_or_default();
    let pools: Vec<Vec<char>> = [DIGITS, SPECIAL, UPPER, LOWER]
        .iter()
        .map(|p| p.chars().filter(|c| !avoid.contains(c)).collect())
        .collect();
    let mut out: Vec<char> = Vec::with_capacity(length as usize);
    for (pool, &min) in pools.iter().zip(&minimums) {
        if min > 0 && pool.is_empty() {
            return Err(fail(
                ErrorKind::InvalidArgument,
                call.arg_span(5),
                "charactersToAvoid removes every character of a class with a minimum",
            )
            .into());
        }
        for _ in 0..min {
            out.push(pool[cx.ctx.below(pool.len() as u64) as usize]);
        }
    }
    let all: Vec<char> = pools.concat();
    if all.is_empty() && (out.len() as i64) < length {
        return Err(fail(
            ErrorKind::InvalidArgument,
            call.arg_span(5),
            "no characters left to choose from",
        )
        .into());
    }
    while (out.len() as i64) < length {
        out.push(all[cx.ctx.below(all.len() as u64) as usize]);
    }
    // Fisher-Yates, so the required characters are not always first.
    for i in (1..out.len()).rev() {
        let j = cx.ctx.below(i as u64 + 1) as usize;
        out.swap(i, j);
    }
    Ok(Value::string(out.into_iter().collect()))
}

pub(super) fn prepare_select_unique_value(call: &Call, depth: usize) -> Result<Prepared, Error> {
    if depth > 0 {
        return Err(fail(
            ErrorKind::NotTopLevel,
            call.span,
            "SelectUniqueValue must be the whole expression",
        )
        .with_help(
            "Entra only supports it at the top level; move the surrounding logic into each rule",
        ));
    }
    Ok(Prepared::None)
}

pub(super) fn select_unique_value<'a>(call: &'a Call, cx: &Cx<'a>) -> R<'a> {
    let mut tried = 0;
    for node in call.args.iter().flatten() {
        let candidate = eval(node, cx)?;
        let Some(text) = candidate.text(node.span)? else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        tried += 1;
        let taken = cx.ctx.exists.as_ref().is_some_and(|exists| exists(&text));
        if !taken {
            drop(text);
            return Ok(candidate);
        }
    }
    let message = if tried == 0 {
        "every candidate value is empty; Entra escrows the object".to_string()
    } else {
        format!("all {tried} candidate values already exist; Entra escrows the object")
    };
    Err(fail(ErrorKind::NoUniqueValue, call.span, message)
        .with_help("add a rule that cannot collide, e.g. one that appends a number")
        .into())
}

pub(super) fn default_domain<'a>(call: &'a Call, _: &mut [Value<'a>], cx: &Cx<'a>) -> R<'a> {
    match &cx.ctx.default_domain {
        Some(d) => Ok(Value::str(d)),
        None => Err(fail(
            ErrorKind::NoDefaultDomain,
            call.span,
            "the tenant has no default verified domain",
        )
        .with_help("pass --default-domain, or set default_domain in the evaluation context")
        .into()),
    }
}
