//! Running a [`Program`] over one source object.

use std::borrow::Cow;
use std::cell::Cell;

use super::builtins::Impl;
use super::compile::{Node, NodeKind, Program};
use super::error::Error;
use super::source::{Source, SourceRef};
use super::syntax::CmpOp;
use super::value::Value;
use crate::dotnet::datetime::DateTime;

/// What an evaluation needs besides the source object: the clock, the random generator, the
/// tenant's default domain and SelectUniqueValue's uniqueness check. Everything that could
/// make output vary comes from here, so runs are reproducible.
pub struct Context {
    /// What `Now()` returns.
    pub now: DateTime,
    rng: Cell<u64>,
    /// What `DefaultDomain()` returns.
    pub default_domain: Option<String>,
    /// Whether a candidate value already exists in the target (SelectUniqueValue). Without it,
    /// every candidate is unique.
    pub exists: Option<ExistsFn>,
}

impl Context {
    /// A context with a fixed clock and random seed.
    pub fn new(now: DateTime, seed: u64) -> Context {
        Context {
            now,
            rng: Cell::new(seed),
            default_domain: None,
            exists: None,
        }
    }

    /// The next 64 random bits (SplitMix64: tiny, fast, and its sequence never changes with a
    /// crate upgrade, so seeded snapshots stay valid).
    pub fn next_u64(&self) -> u64 {
        let state = self.rng.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.rng.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform random number below `bound` (bound > 0).
    pub fn below(&self, bound: u64) -> u64 {
        // Lemire's multiply-shift; the tiny bias is irrelevant for test data.
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

/// Tells whether a value already exists in the target (SelectUniqueValue's check).
pub type ExistsFn = Box<dyn Fn(&str) -> bool>;

/// The result of evaluating a mapping expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome<'a> {
    /// The value that flows (possibly null: nothing is sent).
    Value(Value<'a>),
    /// IgnoreFlowIfNullOrEmpty removed the attribute from this flow.
    Dropped,
}

/// Why evaluation stopped early: an error, or IgnoreFlowIfNullOrEmpty dropping the flow.
#[derive(Debug)]
pub(crate) enum Stop {
    Fail(Error),
    Drop,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Fail(e)
    }
}

/// Result of evaluating one node.
pub(crate) type R<'a> = Result<Value<'a>, Stop>;

/// The evaluation environment of one run.
pub(crate) struct Cx<'a> {
    pub source: &'a dyn Source,
    pub ctx: &'a Context,
}

impl Program {
    /// Evaluate against one source object.
    pub fn eval<'a>(
        &'a self,
        source: &'a dyn Source,
        ctx: &'a Context,
    ) -> Result<Outcome<'a>, Error> {
        let cx = Cx { source, ctx };
        match eval(&self.root, &cx) {
            Ok(v) => Ok(Outcome::Value(v)),
            Err(Stop::Drop) => Ok(Outcome::Dropped),
            Err(Stop::Fail(e)) => Err(e),
        }
    }
}

/// Arguments of most functions fit here; more spill to the heap.
const INLINE_ARGS: usize = 8;

pub(crate) fn eval<'a>(node: &'a Node, cx: &Cx<'a>) -> R<'a> {
    match &node.kind {
        NodeKind::Const(v) => Ok(borrow(v)),
        NodeKind::Attr(name) => Ok(attribute(cx.source.attribute(name))),
        NodeKind::Ident(name) => Ok(Value::str(name)),
        NodeKind::Macro(name) => Err(Stop::Fail(Error::new(
            super::error::ErrorKind::NoMacroValue,
            node.span,
            format!(
                "{name} has no value here: only Cloud Sync's on-premises agent knows the AD domain"
            ),
        ))),
        NodeKind::Compare(op, lhs, rhs) => {
            let l = eval(lhs, cx)?;
            let r = eval(rhs, cx)?;
            Ok(Value::Bool(compare(*op, &l, &r, node)?))
        }
        NodeKind::Call(call) => match call.builtin.imp {
            Impl::Nodes(f) => f(call, cx),
            Impl::Values(f) => {
                let n = call.args.len().max(call.builtin.params.len());
                if n <= INLINE_ARGS {
                    let mut buf: [Value<'a>; INLINE_ARGS] = Default::default();
                    fill(call, &mut buf[..n], cx)?;
                    f(call, &mut buf[..n], cx)
                } else {
                    let mut buf = vec![Value::Null; n];
                    fill(call, &mut buf, cx)?;
                    f(call, &mut buf, cx)
                }
            }
        },
    }
}

fn fill<'a>(
    call: &'a super::compile::Call,
    buf: &mut [Value<'a>],
    cx: &Cx<'a>,
) -> Result<(), Stop> {
    for (slot, arg) in buf.iter_mut().zip(&call.args) {
        if let Some(node) = arg {
            *slot = eval(node, cx)?;
        }
    }
    Ok(())
}

/// A constant, borrowed from the program.
fn borrow<'a>(v: &'a Value<'static>) -> Value<'a> {
    match v {
        Value::Str(s) => Value::Str(Cow::Borrowed(s.as_ref())),
        other => other.clone(),
    }
}

/// A source attribute, borrowed from the source object.
pub(crate) fn attribute(v: Option<SourceRef<'_>>) -> Value<'_> {
    match v {
        None => Value::Null,
        Some(SourceRef::Str(s)) => Value::str(s),
        Some(SourceRef::Bool(b)) => Value::Bool(b),
        Some(SourceRef::List(l)) => Value::List(l.iter().map(Cow::Borrowed).collect()),
    }
}

/// The documented comparison: numeric when both sides read as numbers, dates by instant,
/// otherwise ordinal (case-sensitive) text. A null side makes the comparison false.
fn compare(op: CmpOp, l: &Value<'_>, r: &Value<'_>, node: &Node) -> Result<bool, Error> {
    use std::cmp::Ordering;
    if l.is_null() || r.is_null() {
        return Ok(op == CmpOp::Ne && !(l.is_null() && r.is_null()));
    }
    let ordering = match (l, r) {
        (Value::Date(a), Value::Date(b)) => a.cmp(b),
        (Value::Num(a), Value::Num(b)) => a.cmp(b),
        _ => {
            let a = l.text_or_empty(node.span)?;
            let b = r.text_or_empty(node.span)?;
            match (parse_number(&a), parse_number(&b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                _ => a.as_ref().cmp(b.as_ref()),
            }
        }
    };
    Ok(match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
    })
}

/// An invariant-culture number: optional sign, digits, optional fraction.
fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let valid = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && digits.bytes().any(|b| b.is_ascii_digit());
    if valid { t.parse().ok() } else { None }
}
