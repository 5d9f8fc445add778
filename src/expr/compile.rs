//! Syntax tree to [`Program`]: functions resolved against the builtin table, arity and
//! argument kinds checked, constant arguments (regexes, date formats, intervals, cultures)
//! validated and precompiled once.

use std::borrow::Cow;

use super::builtins::{self, Builtin, Prepared};
use super::catalog as source;
use super::error::{Error, ErrorKind, Span, Warning};
use super::syntax::{self, CmpOp, Expr, ExprKind};
use super::value::Value;

/// A compiled expression: evaluate it against many source objects without re-parsing or
/// re-compiling anything.
#[derive(Debug)]
pub struct Program {
    pub(crate) root: Node,
    text: String,
    warnings: Vec<Warning>,
    attributes: Vec<String>,
}

impl Program {
    /// The expression text this program was compiled from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Legal but suspicious things found while compiling.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The source attributes the expression reads, in order of first use.
    pub fn attributes(&self) -> &[String] {
        &self.attributes
    }

    /// The top-level function, if the expression is a call.
    pub fn top_function(&self) -> Option<&'static Builtin> {
        match &self.root.kind {
            NodeKind::Call(call) => Some(call.builtin),
            _ => None,
        }
    }
}

/// A compiled node.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    /// A string or number constant.
    Const(Value<'static>),
    /// A source attribute.
    Attr(Box<str>),
    /// A bare identifier that a function accepted as a constant.
    Ident(Box<str>),
    /// A Cloud Sync macro such as `%DomainFQDN%`, percent signs included.
    Macro(Box<str>),
    /// A builtin call.
    Call(Box<Call>),
    /// A comparison.
    Compare(CmpOp, Box<Node>, Box<Node>),
}

/// A resolved call: the builtin, its argument slots, and what was precompiled from constant
/// arguments.
#[derive(Debug)]
pub(crate) struct Call {
    pub builtin: &'static Builtin,
    pub args: Vec<Option<Node>>,
    pub span: Span,
    pub prepared: Prepared,
}

impl Call {
    /// The span of argument `i`, or of the whole call when the slot is empty or missing.
    pub fn arg_span(&self, i: usize) -> Span {
        match self.args.get(i) {
            Some(Some(node)) => node.span,
            _ => self.span,
        }
    }

    /// Whether slot `i` holds an argument.
    pub fn has_arg(&self, i: usize) -> bool {
        matches!(self.args.get(i), Some(Some(_)))
    }

    /// The constant string in slot `i`, if it is one.
    pub fn const_str(&self, i: usize) -> Option<&str> {
        match self.args.get(i) {
            Some(Some(Node {
                kind: NodeKind::Const(Value::Str(s)),
                ..
            })) => Some(s),
            _ => None,
        }
    }
}

/// What the compiler checks attribute names against.
#[derive(Clone, Copy, Debug, Default)]
pub enum AttributeCheck<'c> {
    /// Accept any name.
    #[default]
    Any,
    /// Warn about names outside Entra's user catalog, directory extensions and `extra`.
    Catalog {
        /// Further names the caller knows exist (e.g. the attributes of a sample user).
        extra: &'c [&'c str],
    },
}

/// Compile options.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions<'c> {
    /// How to check attribute names.
    pub attributes: AttributeCheck<'c>,
}

/// Parse and compile `text`.
pub fn compile(text: &str, options: &CompileOptions<'_>) -> Result<Program, Error> {
    let tree = syntax::parse(text)?;
    compile_tree(&tree, text, options)
}

/// Compile an already parsed tree of `text`.
pub fn compile_tree(
    tree: &Expr,
    text: &str,
    options: &CompileOptions<'_>,
) -> Result<Program, Error> {
    let mut compiler = Compiler {
        options,
        warnings: Vec::new(),
        attributes: Vec::new(),
    };
    let root = compiler.node(tree, 0)?;
    Ok(Program {
        root,
        text: text.to_string(),
        warnings: compiler.warnings,
        attributes: compiler.attributes,
    })
}

struct Compiler<'o, 'c> {
    options: &'o CompileOptions<'c>,
    warnings: Vec<Warning>,
    attributes: Vec<String>,
}

impl Compiler<'_, '_> {
    fn node(&mut self, expr: &Expr, depth: usize) -> Result<Node, Error> {
        let kind = match &expr.kind {
            ExprKind::Str(s) => NodeKind::Const(Value::Str(Cow::Owned(s.clone()))),
            ExprKind::Number(n) => NodeKind::Const(number_literal(n, expr.span)?),
            ExprKind::Attribute(name) => {
                self.attribute(name, expr.span);
                NodeKind::Attr(name.as_str().into())
            }
            ExprKind::Ident(name) if is_macro(name) => {
                self.warnings.push(Warning {
                    code: "cloud_sync_only",
                    message: format!(
                        "`{name}` is a Cloud Sync macro: it names the on-premises AD domain, which only Cloud Sync's agent knows"
                    ),
                    span: expr.span,
                    help: Some(
                        "an app provisioning job has no on-premises domain; use DefaultDomain() or a constant".into(),
                    ),
                });
                NodeKind::Macro(name.as_str().into())
            }
            ExprKind::Ident(name) => return Err(unknown_identifier(name, expr.span)),
            ExprKind::Compare { op, lhs, rhs } => NodeKind::Compare(
                *op,
                Box::new(self.node(lhs, depth + 1)?),
                Box::new(self.node(rhs, depth + 1)?),
            ),
            ExprKind::Call {
                name,
                name_span,
                args,
            } => NodeKind::Call(Box::new(
                self.call(name, *name_span, args, expr.span, depth)?,
            )),
        };
        Ok(Node {
            kind,
            span: expr.span,
        })
    }

    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        args: &[Option<Expr>],
        span: Span,
        depth: usize,
    ) -> Result<Call, Error> {
        let builtin = match builtins::lookup(name) {
            Some(b) => b,
            None => return Err(unknown_function(name, name_span)),
        };
        if builtin.name != name {
            self.warnings.push(Warning {
                code: "function_name_case",
                message: format!(
                    "`{name}` is spelled `{}` in Microsoft's reference",
                    builtin.name
                ),
                span: name_span,
                help: Some(format!(
                    "Entra accepts it, but write `{}` so the mapping reads like the docs",
                    builtin.name
                )),
            });
        }
        builtin.check_arity(args.len(), span)?;
        for (i, slot) in args.iter().enumerate() {
            if slot.is_none() && builtin.required(i) {
                return Err(Error::new(
                    ErrorKind::ArityError,
                    span,
                    format!(
                        "{}: argument {} (`{}`) is required but left empty",
                        builtin.name,
                        i + 1,
                        builtin.param(i).map_or("value", |p| p.name)
                    ),
                ));
            }
        }
        let mut compiled = Vec::with_capacity(args.len());
        for (i, slot) in args.iter().enumerate() {
            compiled.push(match slot {
                None => None,
                Some(arg)
                    if builtin.takes_identifier(i) && matches!(arg.kind, ExprKind::Ident(_)) =>
                {
                    let ExprKind::Ident(id) = &arg.kind else {
                        unreachable!()
                    };
                    Some(Node {
                        kind: NodeKind::Ident(id.as_str().into()),
                        span: arg.span,
                    })
                }
                Some(arg) => Some(self.node(arg, depth + 1)?),
            });
        }
        self.single_valued_arguments(builtin, &compiled);
        let mut call = Call {
            builtin,
            args: compiled,
            span,
            prepared: Prepared::None,
        };
        call.prepared = builtins::prepare(&call, depth)?;
        self.warnings
            .extend(builtins::lints::call_warnings(&call, name_span));
        Ok(call)
    }

    /// Warn where a parameter that wants several values gets an attribute Entra's catalog
    /// knows as single-valued (`Item([mail], 1)`): legal, but almost always a mistake.
    fn single_valued_arguments(&mut self, builtin: &'static Builtin, args: &[Option<Node>]) {
        for (i, arg) in args.iter().enumerate() {
            let (
                Some(param),
                Some(Node {
                    kind: NodeKind::Attr(name),
                    span,
                }),
            ) = (builtin.param(i), arg)
            else {
                continue;
            };
            let single = source::user_attribute(name).is_some_and(|e| !e.multi_valued);
            if param.kind == builtins::ParamKind::Multi && single {
                self.warnings.push(Warning {
                    code: "single_valued_argument",
                    message: format!(
                        "{} expects a multi-valued attribute, but `[{name}]` holds one value",
                        builtin.name
                    ),
                    span: *span,
                    help: Some(format!(
                        "use a multi-valued attribute such as [proxyAddresses] or [appRoleAssignments], or a Split(...) of [{name}]"
                    )),
                });
            }
        }
    }

    fn attribute(&mut self, name: &str, span: Span) {
        if !self.attributes.iter().any(|a| a == name) {
            self.attributes.push(name.to_string());
        }
        let AttributeCheck::Catalog { extra } = self.options.attributes else {
            return;
        };
        if source::is_known_user_attribute(name) || extra.contains(&name) {
            return;
        }
        let candidates = source::USER_ATTRIBUTES
            .iter()
            .map(|e| e.name)
            .chain(extra.iter().copied());
        let help = match did_you_mean(name, candidates) {
            Some(best) => format!("did you mean `[{best}]`? Attribute names are case-sensitive"),
            None => "use a name from Entra's source attribute list, or a directory extension `extension_<appid>_<name>`".to_string(),
        };
        self.warnings.push(Warning {
            code: "unknown_attribute",
            message: format!("`[{name}]` is not an Entra user attribute; it will always be null"),
            span,
            help: Some(help),
        });
    }
}

fn number_literal(text: &str, span: Span) -> Result<Value<'static>, Error> {
    if let Some(hex) = text.strip_prefix("&H").or_else(|| text.strip_prefix("&h")) {
        // VBA hex literals are 64-bit here; .NET reads &HF as 15.
        return u64::from_str_radix(hex, 16)
            .map(|v| Value::Num(v as i64))
            .map_err(|_| {
                Error::new(
                    ErrorKind::InvalidNumber,
                    span,
                    format!("hex literal `{text}` does not fit in 64 bits"),
                )
            });
    }
    // Constants are text in Entra (Graph shows `"1"` for 1), so keep what was written.
    Ok(Value::Str(Cow::Owned(text.to_string())))
}

/// Whether an identifier is a Cloud Sync macro (`%DomainFQDN%`).
pub(crate) fn is_macro(name: &str) -> bool {
    name.len() > 2 && name.starts_with('%') && name.ends_with('%')
}

/// An `unknown_function` error with a suggestion.
fn unknown_function(name: &str, span: Span) -> Error {
    let err = Error::new(
        ErrorKind::UnknownFunction,
        span,
        format!("unknown function `{name}`"),
    );
    // Functions Microsoft documents elsewhere that the provisioning engine has no stored tree
    // for; COMPATIBILITY.md says why each is left out.
    let elsewhere = match name.to_ascii_lowercase().as_str() {
        "convertfrombase64" | "dncomponent" | "stringfromsid" => Some(
            "it is documented only in Cloud Sync's expression reference, and no stored schema shows the service parsing it",
        ),
        "approleassignments" => Some(
            "Graph's function list names it, but nothing documents what it returns; use AppRoleAssignmentsComplex([appRoleAssignments]) or SingleAppRoleAssignment([appRoleAssignments])",
        ),
        _ => None,
    };
    if let Some(why) = elsewhere {
        return err.with_help(format!("entramap does not support `{name}`: {why}"));
    }
    match did_you_mean(name, builtins::TABLE.iter().map(|b| b.name)) {
        Some(best) => err.with_help(format!("did you mean `{best}`?")),
        None => err.with_help("`entramap functions` lists every function Entra provides"),
    }
}

fn unknown_identifier(name: &str, span: Span) -> Error {
    let err = Error::new(
        ErrorKind::UnknownIdentifier,
        span,
        format!("unknown identifier `{name}`"),
    );
    if builtins::lookup(name).is_some() {
        err.with_help(format!("`{name}` is a function: call it as `{name}(...)`"))
    } else {
        err.with_help(format!(
            "strings need double quotes (\"{name}\"), attributes need brackets ([{name}]); the only bare names are vbTextCompare and vbBinaryCompare"
        ))
    }
}

/// The closest candidate by edit distance, compared case-insensitively, if it is close enough
/// to be a plausible typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .map(|c| (levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: edits plus adjacent transpositions, so `mial` is one
/// step from `mail`.
fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2 = vec![0usize; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j - 1] + cost).min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
