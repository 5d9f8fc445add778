//! Property tests of the expression language: the printer and the parser agree, no input makes
//! parse, compile or eval panic, evaluation is deterministic for a given context, and a few
//! algebraic laws of the builtins hold for all inputs.
//!
//! Case counts are kept small enough for the whole file to run in about two seconds in release
//! mode (`cargo test --release --test properties`); set `PROPTEST_CASES` (which then applies to
//! every property) to search harder, e.g. `PROPTEST_CASES=30000` takes about ten seconds.
//!
//! Bugs these properties found are kept at the end of the file as regression tests. While a
//! newly found panic is being fixed, its message can be listed in [`KNOWN_PANICS`] so that the
//! no-panic properties keep looking for others; the list is empty.

use entramap::dotnet::datetime::DateTime;
use entramap::expr::builtins::TABLE;
use entramap::expr::print::{print, write_string};
use entramap::expr::syntax::{self, CmpOp, Expr, ExprKind, MAX_EXPRESSION_CHARS, MAX_NESTING};
use entramap::expr::{CompileOptions, Context, Error, Outcome, Span, Value, compile};
use entramap::model::source::{Record, SourceValue, USER_ATTRIBUTES};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------------------------------------
// A syntax tree without spans.

/// The syntax tree with every span erased, so that trees printed and parsed back compare equal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tree {
    Call(String, Vec<Option<Tree>>),
    Attr(String),
    Str(String),
    Num(String),
    Ident(String),
    Cmp(CmpOp, Box<Tree>, Box<Tree>),
}

/// Erase the spans of a parsed tree.
fn erase(e: &Expr) -> Tree {
    match &e.kind {
        ExprKind::Call { name, args, .. } => Tree::Call(
            name.clone(),
            args.iter().map(|a| a.as_ref().map(erase)).collect(),
        ),
        ExprKind::Attribute(a) => Tree::Attr(a.clone()),
        ExprKind::Str(s) => Tree::Str(s.clone()),
        ExprKind::Number(n) => Tree::Num(n.clone()),
        ExprKind::Ident(i) => Tree::Ident(i.clone()),
        ExprKind::Compare { op, lhs, rhs } => {
            Tree::Cmp(*op, Box::new(erase(lhs)), Box::new(erase(rhs)))
        }
    }
}

/// Build a syntax tree with empty spans, for the printer.
fn build(t: &Tree) -> Expr {
    let kind = match t {
        Tree::Call(name, args) => ExprKind::Call {
            name: name.clone(),
            name_span: Span::default(),
            args: args.iter().map(|a| a.as_ref().map(build)).collect(),
        },
        Tree::Attr(a) => ExprKind::Attribute(a.clone()),
        Tree::Str(s) => ExprKind::Str(s.clone()),
        Tree::Num(n) => ExprKind::Number(n.clone()),
        Tree::Ident(i) => ExprKind::Ident(i.clone()),
        Tree::Cmp(op, l, r) => ExprKind::Compare {
            op: *op,
            lhs: Box::new(build(l)),
            rhs: Box::new(build(r)),
        },
    };
    Expr {
        kind,
        span: Span::default(),
    }
}

/// The tree with builtin names in Microsoft's spelling (what `print(_, true)` writes).
fn canonical(t: &Tree) -> Tree {
    match t {
        Tree::Call(name, args) => Tree::Call(
            entramap::expr::builtins::lookup(name).map_or_else(|| name.clone(), |b| b.name.into()),
            args.iter().map(|a| a.as_ref().map(canonical)).collect(),
        ),
        Tree::Cmp(op, l, r) => Tree::Cmp(*op, Box::new(canonical(l)), Box::new(canonical(r))),
        other => other.clone(),
    }
}

/// Every attribute name the tree reads.
fn attributes(t: &Tree, out: &mut Vec<String>) {
    match t {
        Tree::Attr(a) if !out.contains(a) => out.push(a.clone()),
        Tree::Call(_, args) => args.iter().flatten().for_each(|a| attributes(a, out)),
        Tree::Cmp(_, l, r) => {
            attributes(l, out);
            attributes(r, out);
        }
        _ => {}
    }
}

/// Every node's span lies inside the text, on character boundaries, in order.
fn check_spans(e: &Expr, text: &str) -> Result<(), TestCaseError> {
    let ok = |s: Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    prop_assert!(ok(e.span), "bad span {:?} in {:?}", e.span, text);
    match &e.kind {
        ExprKind::Call {
            name,
            name_span,
            args,
        } => {
            prop_assert!(ok(*name_span));
            prop_assert_eq!(&text[name_span.start..name_span.end], name.as_str());
            for arg in args.iter().flatten() {
                prop_assert!(e.span.start <= arg.span.start && arg.span.end <= e.span.end);
                check_spans(arg, text)?;
            }
        }
        ExprKind::Compare { lhs, rhs, .. } => {
            prop_assert!(lhs.span.end <= rhs.span.start);
            check_spans(lhs, text)?;
            check_spans(rhs, text)?;
        }
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators.

fn builtin_names() -> Vec<&'static str> {
    TABLE.iter().map(|b| b.name).collect()
}

/// A builtin name in a random mix of upper and lower case.
fn random_cased(name: &str, flips: &[bool]) -> String {
    name.chars()
        .zip(flips.iter().chain(std::iter::repeat(&false)))
        .map(|(c, &flip)| {
            if flip {
                if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                }
            } else {
                c
            }
        })
        .collect()
}

/// A function name: a builtin as Microsoft spells it, a builtin in random case, or any name the
/// grammar accepts.
fn call_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(builtin_names()).prop_map(str::to_string),
        2 => (select(builtin_names()), vec(any::<bool>(), 40))
            .prop_map(|(name, flips)| random_cased(name, &flips)),
        1 => "[A-Za-z][A-Za-z0-9_]{0,12}",
    ]
}

/// The part of an attribute name between brackets: letters, digits, `_-.:` and balanced
/// nested brackets, catalog names, or any text without brackets.
fn attr_name() -> impl Strategy<Value = String> {
    let plain = "[A-Za-z0-9_.:-]{1,12}";
    let part = plain.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            2 => vec(inner.clone(), 1..3).prop_map(|parts| parts.concat()),
            1 => inner.prop_map(|p| format!("[{p}]")),
            1 => Just("[]".to_string()),
        ]
    });
    prop_oneof![
        4 => part,
        1 => select(USER_ATTRIBUTES.iter().map(|e| e.name).collect::<Vec<_>>())
            .prop_map(str::to_string),
        // Anything but brackets and the double quote: spaces, `=`, `(`, `,`, unicode. A `"`
        // inside brackets is left out: the nesting check takes it for the start of a string
        // (see `quote_in_attribute_makes_the_nesting_check_refuse_valid_text`).
        1 => "[^\\[\\]\"]{1,10}",
    ]
}

/// String contents biased towards the characters the printer has to escape.
fn string_constant() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "[\"\\\\a\\[\\](),= ]{0,12}",
        1 => "(\\\\[\"\\\\nrt+()\\[\\]sdw.])*",
        1 => Just(String::new()),
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,12}",
        "-?[0-9]{1,8}\\.[0-9]{1,6}",
        "&[Hh][0-9A-Fa-f]{1,16}",
    ]
}

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("vbTextCompare".to_string()),
        1 => Just("vbBinaryCompare".to_string()),
        3 => "[A-Za-z][A-Za-z0-9_]{0,12}",
    ]
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ])
}

fn leaf() -> impl Strategy<Value = Tree> {
    prop_oneof![
        3 => attr_name().prop_map(Tree::Attr),
        3 => string_constant().prop_map(Tree::Str),
        2 => number().prop_map(Tree::Num),
        1 => identifier().prop_map(Tree::Ident),
    ]
}

/// A call's slots; `F()` has no slots, so a lone empty slot cannot be written and is dropped.
fn call(name: String, mut args: Vec<Option<Tree>>) -> Tree {
    if let [None] = args.as_slice() {
        args.clear();
    }
    Tree::Call(name, args)
}

/// One argument: an operand, or one comparison of two operands (the grammar allows no more).
fn argument(operand: BoxedStrategy<Tree>) -> impl Strategy<Value = Tree> {
    prop_oneof![
        4 => operand.clone(),
        1 => (cmp_op(), operand.clone(), operand)
            .prop_map(|(op, l, r)| Tree::Cmp(op, Box::new(l), Box::new(r))),
    ]
}

/// Any syntax tree the grammar can produce: operands are leaves or calls with 0 to 5 slots,
/// some of them empty.
fn tree() -> impl Strategy<Value = Tree> {
    let operand = leaf().prop_recursive(5, 48, 5, |inner| {
        (
            call_name(),
            vec(option::weighted(0.8, argument(inner)), 0..6),
        )
            .prop_map(|(name, args)| call(name, args))
    });
    argument(operand.boxed())
}

/// Attribute names the evaluation generators share with the record generator.
const ATTRS: &[&str] = &[
    "a",
    "b",
    "mail",
    "givenName",
    "surname",
    "proxyAddresses",
    "x.y",
];

/// String constants that mean something to some builtin: numbers, dates, formats, intervals,
/// cultures, regexes, Boolean text, and odd text.
const INTERESTING: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "-1",
    "3",
    "42",
    "-0",
    "+7",
    "2.5",
    "&HFF",
    "&H",
    "99999999999999999999",
    "-9223372036854775808",
    "True",
    "false",
    "2025-07-30T09:15:00Z",
    "20250730091500.0Z",
    "1/2/2003 4:05:06 PM",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "yyyyMMddHHmmss.fZ",
    "yyyy-MM-ddTHH:mm:ssK",
    "M/d/yyyy h:mm:ss tt",
    "dddd, MMMM dd",
    "%",
    "\\",
    "'",
    "yyyy",
    "m",
    "d",
    "ww",
    "h",
    "n",
    "s",
    "q",
    "tr-TR",
    "en-US",
    "xx-YY",
    "AdjustToUniversal",
    "None, AssumeUniversal",
    "[a-z]+",
    "(?<g>\\d+)",
    "(?<isdCode>\\d)",
    "(a+)+$",
    "\\p{Lu}",
    "[",
    "(?<",
    "$1",
    "${g}",
    "g",
    "@",
    ".",
    ",",
    "Ünïcødé 🎉 𝄞",
    "ǅ İ ı ß ﬁ",
    "\u{0}",
    "a\"b\\c",
];

fn interesting_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(INTERESTING).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// An argument list a builtin accepts by count (optional slots sometimes left empty), so that
/// most generated calls get past the arity checks and reach evaluation.
fn plausible_args(
    min: usize,
    max: Option<usize>,
    switch: bool,
    optional: Vec<bool>,
    arg: BoxedStrategy<Tree>,
) -> impl Strategy<Value = Vec<Option<Tree>>> {
    let max = max.unwrap_or(min + 4);
    (min..=max)
        .prop_map(move |n| if switch && n % 2 == 1 { n + 1 } else { n })
        .prop_flat_map(move |n| {
            let slots: Vec<BoxedStrategy<Option<Tree>>> = (0..n)
                .map(|i| {
                    let optional = optional.get(i).copied().unwrap_or(false);
                    if optional {
                        option::weighted(0.6, arg.clone()).boxed()
                    } else {
                        arg.clone().prop_map(Some).boxed()
                    }
                })
                .collect();
            slots
        })
}

/// Well-formed expressions built to compile and run: builtins with argument counts they
/// accept, attributes from [`ATTRS`], meaningful constants, and sometimes anything at all.
fn runnable_tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        3 => select(ATTRS).prop_map(|a| Tree::Attr(a.to_string())),
        4 => interesting_string().prop_map(Tree::Str),
        2 => number().prop_map(Tree::Num),
        1 => select(vec!["vbTextCompare", "vbBinaryCompare"]).prop_map(|i| Tree::Ident(i.into())),
        1 => Just(Tree::Call("Guid".into(), vec![])),
        1 => Just(Tree::Call("Now".into(), vec![])),
    ];
    let operand = leaf.prop_recursive(4, 32, 6, |inner| {
        let arg = argument(inner.boxed()).boxed();
        (0..TABLE.len()).prop_flat_map(move |i| {
            let b = &TABLE[i];
            let optional: Vec<bool> = (0..b.max.unwrap_or(b.min + 5))
                .map(|i| b.param(i).is_some_and(|p| p.optional))
                .collect();
            plausible_args(b.min, b.max, b.name == "Switch", optional, arg.clone())
                .prop_map(move |args| call(b.name.to_string(), args))
        })
    });
    argument(operand.boxed())
}

fn source_value() -> impl Strategy<Value = SourceValue> {
    prop_oneof![
        4 => interesting_string().prop_map(SourceValue::Str),
        1 => (select(INTERESTING), 0..4000usize)
            .prop_map(|(s, n)| SourceValue::Str(s.repeat(n.min(40_000 / (s.len() + 1))))),
        1 => any::<bool>().prop_map(SourceValue::Bool),
        2 => vec(interesting_string(), 0..5).prop_map(SourceValue::List),
    ]
}

/// A record over `names` (each one absent, or holding any kind of value).
fn record(names: Vec<String>) -> impl Strategy<Value = Record> {
    let n = names.len();
    vec(option::weighted(0.7, source_value()), n).prop_map(move |values| {
        let mut r = Record::new();
        for (name, v) in names.iter().zip(values) {
            if let Some(v) = v {
                r.set(name.clone(), v);
            }
        }
        r
    })
}

/// A tree with a record over the attributes it reads plus a few catalog names.
fn tree_and_record(t: impl Strategy<Value = Tree>) -> impl Strategy<Value = (Tree, Record)> {
    t.prop_flat_map(|t| {
        let mut names = Vec::new();
        attributes(&t, &mut names);
        names.extend(USER_ATTRIBUTES.iter().take(12).map(|e| e.name.to_string()));
        (Just(t), record(names))
    })
}

/// Any instant from `DateTime::MIN` to `DateTime::MAX`, the two ends included often.
fn now() -> impl Strategy<Value = DateTime> {
    let max = DateTime::MAX.ticks();
    prop_oneof![Just(0), Just(max), 0..=max]
        .prop_map(|t| DateTime::from_ticks(t).expect("ticks in range"))
}

/// Text made of the language's tokens in any order: mostly not an expression, often close.
fn token_soup() -> impl Strategy<Value = String> {
    let mut tokens: Vec<&'static str> = builtin_names();
    tokens.extend([
        "(",
        ")",
        ",",
        ", ",
        "[",
        "]",
        "\"",
        "\\",
        "\\\"",
        "&H",
        "&h",
        "F",
        "0",
        "7",
        "-",
        ".",
        "=",
        "<>",
        "<",
        "<=",
        ">",
        ">=",
        " ",
        "\t",
        "\n",
        "\r",
        "[mail]",
        "[a]",
        "\"x\"",
        "\"\"",
        "vbTextCompare",
        "ß",
        "🎉",
    ]);
    vec(select(tokens), 0..60).prop_map(|t| t.concat())
}

// ---------------------------------------------------------------------------------------------
// Running.

fn ctx(now: DateTime, seed: u64) -> Context {
    let mut c = Context::new(now, seed);
    c.default_domain = Some("contoso.com".to_string());
    c
}

/// Panics of bugs already reported, told apart by their message, so that the no-panic
/// properties keep searching for new ones. Remove an entry once its bug is fixed; the ignored
/// regression tests at the end of this file reproduce each one.
const KNOWN_PANICS: &[&str] = &[];

/// Run `f`; a panic fails the test unless its message is one of [`KNOWN_PANICS`].
fn no_new_panic(what: &str, f: impl FnOnce()) -> Result<(), TestCaseError> {
    let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) else {
        return Ok(());
    };
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    if KNOWN_PANICS.iter().any(|known| message.contains(known)) {
        return Ok(());
    }
    Err(TestCaseError::fail(format!("{what:?} panicked: {message}")))
}

/// Parse, compile and evaluate `text`; every result is fine, only a panic fails the test.
fn run_everything(
    text: &str,
    record: &Record,
    now: DateTime,
    seed: u64,
) -> Result<(), TestCaseError> {
    no_new_panic(text, || {
        if let Ok(tree) = syntax::parse(text) {
            let _ = print(&tree, true);
        }
        let extra = ["a", "b"];
        for options in [
            CompileOptions::default(),
            CompileOptions {
                attributes: entramap::expr::AttributeCheck::Catalog { extra: &extra },
            },
        ] {
            let Ok(program) = compile(text, &options) else {
                continue;
            };
            let _ = program.warnings();
            let _ = program.top_function();
            if let Ok(Outcome::Value(v)) = program.eval(record, &ctx(now, seed)) {
                let _ = v.to_json();
                let _ = v.to_result_strings();
            }
        }
    })
}

/// Evaluate `text` over `record` at a fixed instant; panics if it does not compile.
fn eval_text(text: &str, record: &Record) -> Result<Outcome<'static>, Error> {
    let program = compile(text, &CompileOptions::default())
        .unwrap_or_else(|e| panic!("{text:?} does not compile: {e:?}"));
    let now = DateTime::parse_rfc3339("2025-07-30T09:15:00Z").expect("valid instant");
    let context = ctx(now, 7);
    owned(program.eval(record, &context))
}

/// An evaluation result that borrows nothing.
fn owned(result: Result<Outcome<'_>, Error>) -> Result<Outcome<'static>, Error> {
    result.map(|o| match o {
        Outcome::Value(v) => Outcome::Value(v.into_owned()),
        Outcome::Dropped => Outcome::Dropped,
    })
}

/// `s` as a string constant.
fn lit(s: &str) -> String {
    let mut out = String::new();
    write_string(s, &mut out);
    out
}

fn text_value(s: impl Into<String>) -> Result<Outcome<'static>, Error> {
    Ok(Outcome::Value(Value::string(s.into())))
}

/// A record with `a` and `b` set when given.
fn record_ab(a: Option<SourceValue>, b: Option<SourceValue>) -> Record {
    let mut r = Record::new();
    if let Some(a) = a {
        r.set("a", a);
    }
    if let Some(b) = b {
        r.set("b", b);
    }
    r
}

/// What an attribute value reads as in the expression.
fn value_of(v: &SourceValue) -> Value<'static> {
    match v {
        SourceValue::Str(s) => Value::string(s.clone()),
        SourceValue::Bool(b) => Value::Bool(*b),
        SourceValue::List(l) => Value::List(l.iter().map(|s| s.clone().into()).collect()),
    }
}

/// A value with one text: a string, a Boolean, or a one-element list.
fn single_value() -> impl Strategy<Value = SourceValue> {
    prop_oneof![
        3 => string_constant().prop_map(SourceValue::Str),
        1 => any::<bool>().prop_map(SourceValue::Bool),
        1 => string_constant().prop_map(|s| SourceValue::List(vec![s])),
    ]
}

fn text_of(v: &Option<SourceValue>) -> String {
    match v {
        None => String::new(),
        Some(SourceValue::Str(s)) => s.clone(),
        Some(SourceValue::Bool(b)) => if *b { "True" } else { "False" }.to_string(),
        Some(SourceValue::List(l)) => l.concat(),
    }
}

/// `n` cases, or `PROPTEST_CASES` when set (to search harder locally).
fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig::with_cases(n)
}

// ---------------------------------------------------------------------------------------------
// (a) The printer and the parser agree.

proptest! {
    #![proptest_config(cases(2000))]

    #[test]
    fn printing_then_parsing_gives_back_the_same_tree(t in tree()) {
        let text = print(&build(&t), false);
        prop_assume!(text.chars().count() <= MAX_EXPRESSION_CHARS);
        let parsed = syntax::parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{text:?} does not parse: {e:?}")))?;
        prop_assert_eq!(&erase(&parsed), &t, "text: {:?}", text);
        check_spans(&parsed, &text)?;
        // Printing is idempotent, and canonical names only change the names.
        prop_assert_eq!(print(&parsed, false), text);
        let canonical_text = print(&build(&t), true);
        let reparsed = syntax::parse(&canonical_text)
            .map_err(|e| TestCaseError::fail(format!("{canonical_text:?}: {e:?}")))?;
        prop_assert_eq!(erase(&reparsed), canonical(&t));
    }

    #[test]
    fn string_constants_print_and_parse_back_exactly(s in string_constant()) {
        let text = lit(&s);
        let parsed = syntax::parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {e:?}")))?;
        prop_assert_eq!(erase(&parsed), Tree::Str(s));
    }
}

// ---------------------------------------------------------------------------------------------
// (b) Nothing panics.

proptest! {
    #![proptest_config(cases(4000))]

    #[test]
    fn no_arbitrary_text_makes_parse_compile_or_eval_panic(
        text in any::<String>(),
        r in record(ATTRS.iter().map(|s| s.to_string()).collect()),
        now in now(),
        seed in any::<u64>(),
    ) {
        run_everything(&text, &r, now, seed)?;
    }

    #[test]
    fn no_token_soup_makes_parse_compile_or_eval_panic(
        text in token_soup(),
        r in record(ATTRS.iter().map(|s| s.to_string()).collect()),
        now in now(),
        seed in any::<u64>(),
    ) {
        run_everything(&text, &r, now, seed)?;
    }
}

proptest! {
    #![proptest_config(cases(5000))]

    #[test]
    fn no_generated_tree_makes_compile_or_eval_panic(
        (t, r) in tree_and_record(tree()),
        now in now(),
        seed in any::<u64>(),
    ) {
        run_everything(&print(&build(&t), false), &r, now, seed)?;
    }

    #[test]
    fn no_runnable_tree_makes_compile_or_eval_panic(
        (t, r) in tree_and_record(runnable_tree()),
        now in now(),
        seed in any::<u64>(),
    ) {
        run_everything(&print(&build(&t), false), &r, now, seed)?;
    }
}

proptest! {
    #![proptest_config(cases(200))]

    #[test]
    fn nesting_beyond_the_limit_is_an_error_not_a_crash(
        depth in (MAX_NESTING - 2)..(MAX_NESTING * 8),
        name in select(vec!["CStr", "ToLower", "Not", "Coalesce"]),
        bracket in any::<bool>(),
    ) {
        let (open, close) = if bracket { ("[", "]") } else { ("(", ")") };
        let text = format!("{}\"x\"{}", format!("{name}{open}").repeat(depth), close.repeat(depth));
        let result = compile(&text, &CompileOptions::default());
        if depth > MAX_NESTING {
            prop_assert!(result.is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) Evaluation is deterministic for a given context.

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn evaluating_twice_with_the_same_now_and_seed_gives_the_same_outcome(
        (t, r) in tree_and_record(prop_oneof![
            4 => runnable_tree(),
            1 => Just(Tree::Call("Guid".into(), vec![])),
            1 => (1..=20i64, 0..=3i64, 0..=3i64, 0..=3i64, 0..=3i64).prop_map(|(n, a, b, c, d)| {
                let num = |v: i64| Some(Tree::Num(v.to_string()));
                Tree::Call("RandomString".into(), vec![num(n), num(a), num(b), num(c), num(d)])
            }),
        ]),
        now in now(),
        seed in any::<u64>(),
    ) {
        let text = print(&build(&t), false);
        let mut runs = None;
        no_new_panic(&text, || {
            let (Ok(first), Ok(second)) = (
                compile(&text, &CompileOptions::default()),
                compile(&text, &CompileOptions::default()),
            ) else {
                return;
            };
            let contexts = [ctx(now, seed), ctx(now, seed), ctx(now, seed)];
            runs = Some((
                owned(first.eval(&r, &contexts[0])),
                owned(first.eval(&r, &contexts[1])),
                owned(second.eval(&r, &contexts[2])),
            ));
        })?;
        let Some((once, again, other_program)) = runs else {
            return Ok(());
        };
        prop_assert_eq!(&once, &again, "{}", text);
        prop_assert_eq!(&once, &other_program, "{}", text);
    }
}

// ---------------------------------------------------------------------------------------------
// (d) Algebraic laws.

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn switch_returns_the_value_exactly_when_the_source_text_equals_the_key(
        a in option::of(single_value()),
        key in string_constant(),
        key_is_source in any::<bool>(),
        value in string_constant(),
    ) {
        let key = if key_is_source { text_of(&a) } else { key };
        let r = record_ab(a.clone(), None);
        let text = format!("Switch([a], , {}, {})", lit(&key), lit(&value));
        let expected = if text_of(&a) == key {
            text_value(value)
        } else {
            Ok(Outcome::Value(Value::Null))
        };
        prop_assert_eq!(eval_text(&text, &r), expected, "{}", text);
    }

    #[test]
    fn join_puts_the_separator_between_two_non_empty_values(
        sep in string_constant(),
        a in string_constant(),
        b in string_constant(),
    ) {
        let r = record_ab(Some(SourceValue::Str(a.clone())), Some(SourceValue::Str(b.clone())));
        let text = format!("Join({}, [a], [b])", lit(&sep));
        let expected = match (a.is_empty(), b.is_empty()) {
            (false, false) => format!("{a}{sep}{b}"),
            _ => format!("{a}{b}"),
        };
        prop_assert_eq!(eval_text(&text, &r), text_value(expected));
    }

    #[test]
    fn upper_of_lower_is_upper_for_ascii(x in "[\\x00-\\x7f]{0,40}") {
        let r = Record::new();
        let x = lit(&x);
        prop_assert_eq!(
            eval_text(&format!("ToUpper(ToLower({x}))"), &r),
            eval_text(&format!("ToUpper({x})"), &r)
        );
        prop_assert_eq!(
            eval_text(&format!("ToLower(ToUpper({x}))"), &r),
            eval_text(&format!("ToLower({x})"), &r)
        );
    }

    #[test]
    fn len_counts_utf16_code_units(x in string_constant()) {
        let expected = x.encode_utf16().count() as i64;
        prop_assert_eq!(
            eval_text(&format!("Len({})", lit(&x)), &Record::new()),
            Ok(Outcome::Value(Value::Num(expected)))
        );
    }

    #[test]
    fn left_and_mid_over_the_whole_length_give_the_text_back(x in string_constant()) {
        let r = record_ab(Some(SourceValue::Str(x.clone())), None);
        prop_assert_eq!(eval_text("Left([a], Len([a]))", &r), text_value(x.clone()));
        if !x.is_empty() {
            prop_assert_eq!(eval_text("Mid([a], 1, Len([a]))", &r), text_value(x));
        }
    }

    #[test]
    fn append_concatenates(a in string_constant(), b in string_constant()) {
        let text = format!("Append({}, {})", lit(&a), lit(&b));
        prop_assert_eq!(eval_text(&text, &Record::new()), text_value(format!("{a}{b}")));
    }

    #[test]
    fn coalesce_picks_the_first_value_that_is_not_null(
        a in option::of(source_value()),
        b in option::of(source_value()),
    ) {
        let r = record_ab(a.clone(), b.clone());
        let expected = match (&a, &b) {
            (Some(v), _) | (None, Some(v)) => value_of(v),
            (None, None) => Value::Null,
        };
        prop_assert_eq!(eval_text("Coalesce([a], [b])", &r), Ok(Outcome::Value(expected)));
    }

    #[test]
    fn ignore_flow_drops_exactly_null_or_empty_values(a in option::of(source_value())) {
        let r = record_ab(a.clone(), None);
        let empty = match &a {
            None => true,
            Some(SourceValue::Str(s)) => s.is_empty(),
            Some(SourceValue::List(l)) => l.is_empty(),
            Some(SourceValue::Bool(_)) => false,
        };
        let got = eval_text("IgnoreFlowIfNullOrEmpty([a])", &r);
        if empty {
            prop_assert_eq!(got, Ok(Outcome::Dropped));
        } else {
            prop_assert_eq!(got, Ok(Outcome::Value(value_of(a.as_ref().unwrap()))));
        }
    }

    #[test]
    fn is_present_is_the_negation_of_is_null_or_empty(a in option::of(source_value())) {
        let r = record_ab(a, None);
        let present = eval_text("IsPresent([a])", &r);
        let empty = eval_text("IsNullOrEmpty([a])", &r);
        match (present, empty) {
            (Ok(Outcome::Value(Value::Bool(p))), Ok(Outcome::Value(Value::Bool(e)))) => {
                prop_assert_ne!(p, e)
            }
            other => prop_assert!(false, "not Booleans: {:?}", other),
        }
    }

    #[test]
    fn comparisons_are_reflexive_and_antisymmetric(x in interesting_string(), y in interesting_string()) {
        let r = Record::new();
        let cmp = |l: &str, op: &str, rr: &str| {
            eval_text(&format!("{} {op} {}", lit(l), lit(rr)), &r)
        };
        let t = Ok(Outcome::Value(Value::Bool(true)));
        let f = Ok(Outcome::Value(Value::Bool(false)));
        prop_assert_eq!(cmp(&x, "=", &x), t.clone());
        prop_assert_eq!(cmp(&x, "<>", &x), f.clone());
        prop_assert_eq!(cmp(&x, "<=", &x), t.clone());
        prop_assert_eq!(cmp(&x, "<", &x), f);
        prop_assert_eq!(cmp(&x, "<", &y), cmp(&y, ">", &x));
        prop_assert_eq!(cmp(&x, "<=", &y), cmp(&y, ">=", &x));
        prop_assert_eq!(cmp(&x, "=", &y), cmp(&y, "=", &x));
        prop_assert_ne!(cmp(&x, "=", &y), cmp(&x, "<>", &y));
    }
}

// More laws, each against an oracle written here.

/// Text that often contains `needle`.
fn text_around(needle: &'static str) -> impl Strategy<Value = String> {
    vec(
        prop_oneof![2 => Just(needle.to_string()), 3 => string_constant()],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

fn needle() -> impl Strategy<Value = &'static str> {
    select(vec!["a", ",", "ß", "🎉", "ab", "\\", "\"", " ", "İ"])
}

const MAX_FILETIME: i64 = 2_650_467_743_999_999_999;

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn replace_text_mode_replaces_every_occurrence(
        (old, x) in needle().prop_flat_map(|n| (Just(n), text_around(n))),
        new in string_constant(),
    ) {
        let text = format!("Replace({}, {}, , , {}, , )", lit(&x), lit(old), lit(&new));
        prop_assert_eq!(eval_text(&text, &Record::new()), text_value(x.replace(old, &new)));
    }

    #[test]
    fn instr_finds_the_first_occurrence_in_utf16_units(
        (needle, x) in needle().prop_flat_map(|n| (Just(n), text_around(n))),
    ) {
        let expected = match x.find(needle) {
            Some(i) if !x.is_empty() => x[..i].encode_utf16().count() as i64 + 1,
            _ => 0,
        };
        let text = format!("InStr({}, {})", lit(&x), lit(needle));
        prop_assert_eq!(eval_text(&text, &Record::new()), Ok(Outcome::Value(Value::Num(expected))));
    }

    #[test]
    fn split_gives_every_piece_and_count_counts_them(
        (d, x) in needle().prop_flat_map(|n| (Just(n), text_around(n))),
        k in 1..8usize,
    ) {
        let pieces: Vec<&str> = x.split(d).collect();
        let split = format!("Split({}, {})", lit(&x), lit(d));
        prop_assert_eq!(
            eval_text(&format!("Count({split})"), &Record::new()),
            Ok(Outcome::Value(Value::Num(pieces.len() as i64)))
        );
        let item = eval_text(&format!("Item({split}, {k})"), &Record::new());
        match pieces.get(k - 1) {
            Some(p) => prop_assert_eq!(item, text_value(*p)),
            None => prop_assert!(item.is_err()),
        }
    }

    #[test]
    fn lowering_and_diacritics_removal_are_idempotent(x in string_constant()) {
        let r = Record::new();
        let x = lit(&x);
        for f in ["ToLower", "ToUpper", "NormalizeDiacritics", "StripSpaces"] {
            prop_assert_eq!(
                eval_text(&format!("{f}({f}({x}))"), &r),
                eval_text(&format!("{f}({x})"), &r),
                "{}", f
            );
        }
    }

    #[test]
    fn strip_spaces_and_utf8_hex_match_their_definitions(x in string_constant()) {
        let r = Record::new();
        let hex: String = x.bytes().map(|b| format!("{b:02X}")).collect();
        prop_assert_eq!(
            eval_text(&format!("StripSpaces({})", lit(&x)), &r),
            text_value(x.replace(' ', ""))
        );
        prop_assert_eq!(eval_text(&format!("ConvertToUTF8Hex({})", lit(&x)), &r), text_value(hex));
    }

    #[test]
    fn date_diff_undoes_date_add(
        now in now(),
        interval in select(vec![("d", 864_000_000_000i64), ("h", 36_000_000_000), ("n", 600_000_000), ("s", 10_000_000)]),
        n in prop_oneof![-1000i64..1000, -4_000_000i64..4_000_000, any::<i64>()],
    ) {
        let (name, unit) = interval;
        let text = format!("DateDiff(\"{name}\", Now(), DateAdd(\"{name}\", {n}, Now()))");
        let program = compile(&text, &CompileOptions::default()).expect("compiles");
        let (context, empty) = (ctx(now, 0), Record::new());
        let got = program.eval(&empty, &context);
        let in_range = n
            .checked_mul(unit)
            .and_then(|d| d.checked_add(now.ticks()))
            .and_then(DateTime::from_ticks)
            .is_some();
        if in_range {
            prop_assert_eq!(got, Ok(Outcome::Value(Value::Num(n))), "{}", text);
        } else {
            prop_assert!(got.is_err(), "{} at {:?}: {:?}", text, now, got);
        }
    }

    #[test]
    fn num_from_date_undoes_date_from_num(
        n in prop_oneof![Just(0), Just(MAX_FILETIME), 0..=MAX_FILETIME],
    ) {
        prop_assert_eq!(
            eval_text(&format!("NumFromDate(DateFromNum({n}))"), &Record::new()),
            Ok(Outcome::Value(Value::Num(n)))
        );
    }

    #[test]
    fn format_date_time_reads_and_writes_every_date(d in now()) {
        let c = d.civil();
        let input = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        let expected = format!(
            "{:02}.{:02}.{:04} {:02}:{:02}:{:02}",
            c.day, c.month, c.year, c.hour, c.minute, c.second
        );
        let text = format!(
            "FormatDateTime({}, , \"yyyyMMddHHmmss\", \"dd.MM.yyyy HH:mm:ss\")",
            lit(&input)
        );
        prop_assert_eq!(eval_text(&text, &Record::new()), text_value(expected));
    }
}

// ---------------------------------------------------------------------------------------------
// Regular expressions: Replace translates .NET patterns, so feed it pattern-shaped text.

/// Text made of .NET regex syntax: classes, escapes, groups, quantifiers, anchors, options.
fn regex_soup() -> impl Strategy<Value = String> {
    let tokens = vec![
        "[",
        "]",
        "[^",
        "-",
        "\\",
        "\\d",
        "\\w",
        "\\s",
        "\\b",
        "\\p{L}",
        "\\P{Lu}",
        "\\p{",
        "\\k<g>",
        "\\1",
        "\\x41",
        "\\u00e9",
        "\\0",
        "\\G",
        "\\A",
        "\\z",
        "\\Z",
        "(",
        ")",
        "(?<g>",
        "(?'h'",
        "(?:",
        "(?=",
        "(?!",
        "(?<=",
        "(?<!",
        "(?i)",
        "(?x)",
        "(?m)",
        "(?>",
        "(?(g)",
        "#",
        "*",
        "+",
        "?",
        "*?",
        "{2}",
        "{1,3}",
        "{,2}",
        "|",
        "^",
        "$",
        ".",
        "a",
        "Z",
        "0",
        " ",
        "\n",
        "[:alpha:]",
        "-[",
        "é",
        "🎉",
        "İ",
    ];
    vec(select(tokens), 0..16).prop_map(|t| t.concat())
}

/// .NET substitutions in replacement text.
fn replacement_soup() -> impl Strategy<Value = String> {
    let tokens = vec![
        "$1", "$0", "$2", "${g}", "${h}", "${9}", "$$", "$&", "$`", "$'", "$+", "$_", "$", "${",
        "x", " ", "\\", "é",
    ];
    vec(select(tokens), 0..6).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(cases(5000))]

    #[test]
    fn no_regex_makes_replace_panic(
        pattern in regex_soup(),
        replacement in replacement_soup(),
        group in select(vec!["g", "h", "1", "0", "x"]),
        source in prop_oneof![interesting_string(), "[a-zA-Z0-9 éİ🎉\\n-]{0,20}"],
        constant in any::<bool>(),
        now in now(),
    ) {
        let (p, g, rep, src) = (lit(&pattern), lit(group), lit(&replacement), lit(&source));
        // A constant pattern is compiled with the program; one read from an attribute, when the
        // expression runs.
        let p = if constant { p } else { "[b]".to_string() };
        let r = record_ab(
            Some(SourceValue::Str(source.clone())),
            Some(SourceValue::Str(pattern.clone())),
        );
        for text in [
            format!("Replace({src}, , {p}, , {rep}, , )"),
            format!("Replace({src}, , {p}, {g}, {rep}, , )"),
            format!("Replace([missing], , {p}, {g}, , [a], )"),
        ] {
            run_everything(&text, &r, now, 1)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bugs found by these properties and by the fuzz targets, kept as regression tests.

#[test]
fn regex_ending_in_a_backslash_inside_a_class_is_an_error_not_a_panic() {
    for pattern in ["[\\\\", "[a-\\\\", "[()\\\\"] {
        let text = format!("Replace(\"x\", , \"{pattern}\", , \"\", , )");
        let result =
            std::panic::catch_unwind(|| compile(&text, &CompileOptions::default()).is_err());
        assert_eq!(result.ok(), Some(true), "{text}");
    }
}

#[test]
fn quote_in_attribute_makes_the_nesting_check_refuse_valid_text() {
    // Nesting 2, but the `"` in `[a"b]` makes the check read the string constant's parentheses
    // as code, so a valid expression is refused.
    let text = format!("Join(\",\", [a\"b], \"{}\")", "(".repeat(MAX_NESTING + 1));
    assert!(syntax::parse(&text).is_ok(), "{:?}", syntax::parse(&text));
}

#[test]
fn quote_in_attribute_hides_nesting_from_the_check() {
    // Everything after `[a"]` is taken for a string, so nesting far beyond the limit is not
    // refused (about 1,400 levels overflow a 2 MiB thread stack and abort the process).
    let n = MAX_NESTING * 2;
    let text = format!("Join([a\"], {}\"x\"{})", "Not(".repeat(n), ")".repeat(n));
    assert!(syntax::parse(&text).is_err(), "nesting {n} accepted");
}

#[test]
fn closing_parenthesis_in_attribute_hides_nesting() {
    // Every `Join([)))...)], ` lowers the counted depth by 61 while the real depth keeps
    // growing: this is 260 levels deep and parses.
    let mut text = String::new();
    for _ in 0..4 {
        text.push_str(&"Not(".repeat(64));
        text.push_str("Join([");
        text.push_str(&")".repeat(66));
        text.push_str("], ");
    }
    text.push_str("\"x\"");
    text.push_str(&")".repeat(4 * 65));
    assert!(syntax::parse(&text).is_err(), "nesting 260 accepted");
}
