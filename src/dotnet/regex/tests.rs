//! Regex behaviour that needs more than one call, or a look at an error's message; the
//! replace and pattern-error cases are data in `tests/data/dotnet/regex.jsonl` (run by
//! `tests/dotnet.rs`).

use super::*;

fn rx(pattern: &str) -> DotNetRegex {
    DotNetRegex::compile(pattern).unwrap_or_else(|e| panic!("{pattern:?}: {e:?}"))
}

fn rep(input: &str, pattern: &str, replacement: &str) -> String {
    let re = rx(pattern);
    let r = Replacement::parse(replacement, &re);
    let mut out = String::new();
    re.replace_all(input, &r, &mut out).unwrap();
    out
}

fn err(pattern: &str) -> PatternError {
    match DotNetRegex::compile(pattern) {
        Ok(re) => panic!("{pattern:?} compiled: {re:?}"),
        Err(e) => e,
    }
}

fn err_span(pattern: &str) -> (usize, usize) {
    let e = err(pattern);
    (e.start, e.end)
}

// --- conformance cases (replace-*), constants unescaped by hand ---

#[test]
fn conformance_doc_ex5_first_group() {
    let re = rx(r"\+(?<isdCode>\d* )(?<phoneNumber>\d{10})");
    assert_eq!(
        re.first_group("+91 8887779999", "phoneNumber").unwrap(),
        Some("8887779999")
    );
    assert_eq!(re.first_group("no phone", "phoneNumber").unwrap(), None);
    assert_eq!(re.first_group("+91 8887779999", "nope").unwrap(), None);
}

#[test]
fn conformance_invalid_regex_is_pattern_error() {
    let e = err("(");
    assert_eq!(e.start, 0);
}

#[test]
fn conformance_workday_cases() {
    assert_eq!(rep("+1 (555) 123-4567", r"[()\s-]+", ""), "+15551234567");
    assert_eq!(
        rep(
            "John Smith",
            "(?<firstName>[a-zA-Z]+ )(?<lastName>[a-zA-Z]+)",
            "${lastName}"
        ),
        "Smith"
    );
    assert_eq!(
        rep(
            "00012345",
            "(?<leadingZeros>^0+)(?<actualValue>[a-zA-Z0-9]+)",
            "${actualValue}"
        ),
        "12345"
    );
    assert_eq!(
        rep(
            "NLD_Van_der3",
            "(?<CountryISOCode>.*)_(?<suffix1>.*)_(?<suffix2>.*)[0-9]",
            "${suffix1} ${suffix2}"
        ),
        "Van der"
    );
    let inner = rep(
        "+1 737-626-8331",
        r"\+(?<isdCode>\d* )(?<phoneNumber>.*)",
        "${phoneNumber}",
    );
    assert_eq!(rep(&inner, r"[()\s-]+", ""), "7376268331");
    let ext = r"\+(?<isdCode>\d* )(?<phoneNumber>.* )[x](?<extension>.*)";
    assert_eq!(rep("+1 (206) 291-8163 x8125", ext, "${extension}"), "8125");
    let no_ext = rep("+1 (206) 291-8163 x8125", ext, "${phoneNumber}");
    assert_eq!(rep(&no_ext, r"[()\s-]+", ""), "2062918163");
    // The isdCode group keeps its trailing space (replace-workday-isd-trailing-space).
    assert_eq!(
        rep(
            "+44 20 7946 0958",
            r"\+(?<isdCode>\d* )(?<phoneNumber>.*)",
            "${isdCode}"
        ),
        "44 "
    );
}

#[test]
fn conformance_successfactors_padding_uses_dollar() {
    assert_eq!(
        rep("0000000012345", "(.*?)(?<id>.{0,8})$", "${id}"),
        "00012345"
    );
    assert_eq!(
        rep("0000000000567", "(.*?)(?<id>.{0,10})$", "${id}"),
        "0000000567"
    );
    assert_eq!(rep("000000789", "(.*?)(?<id>.{0,6})$", "${id}"), "000789");
    let cc = rep(
        "+44 20 7946 0958",
        r"\+(?<isdCode>\d* )(?<phoneNumber>.*)",
        "${isdCode}",
    );
    assert_eq!(rep(&cc, r"[()\s-]+", ""), "44");
}

// --- empty-match iteration (all checked with Mono) ---

// --- substitution tokens (all checked with Mono) ---

#[test]
fn substitution_overflowing_group_number() {
    let re = rx("(a)");
    assert!(Replacement::try_parse("${99999999999}", &re).is_err());
    assert!(Replacement::parse("${99999999999}", &re).is_literal());
    // Mono throws for both spellings; `parse` keeps them literal instead.
    assert!(Replacement::try_parse("$99999999999", &re).is_err());
    assert!(Replacement::try_parse("$2147483647", &re).is_ok());
    assert_eq!(rep("a", "a", "$99999999999"), "$99999999999");
}

#[test]
fn duplicate_group_names_share_one_group() {
    assert_eq!(rep("abc", "(?<a>x)|(?<a>b)", "[${a}]"), "a[b]c");
    let re = rx("(?<a>x)|(?<a>b)");
    assert!(re.has_group("a"));
    assert!(re.has_group("1"));
    assert!(!re.has_group("2"));
}

#[test]
fn has_group_by_name_and_number() {
    let re = rx("(?<first>a)(b)");
    assert!(re.has_group("first"));
    assert!(re.has_group("0"));
    assert!(re.has_group("2"));
    assert!(!re.has_group("3"));
    assert!(!re.has_group("First"));
    assert_eq!(re.group_names().collect::<Vec<_>>(), ["first"]);
}

// --- pattern rewrites ---

// --- rejected constructs ---

#[test]
fn rejects_unicode_blocks_and_unknown_properties() {
    let e = err(r"a\p{IsGreek}");
    assert_eq!((e.start, e.end), (1, 12));
    assert!(e.help.is_some());
    assert_eq!(err_span(r"\p{Greek}"), (0, 9));
    assert_eq!(err_span(r"\pL"), (0, 2));
}

#[test]
fn fancy_regex_syntax_errors_map_back_to_pattern() {
    let e = err("ab(cd");
    assert!(e.start <= 5, "{e:?}");
    let e = err("a)");
    assert_eq!(e.start, 1);
    assert_eq!(err("[a").start, 0);
    let e = err("é)");
    assert_eq!((e.start, e.end), (2, 3));
}

// --- runtime ---

#[test]
fn backtrack_limit_is_match_error() {
    let re = rx(r"(a|aa)*(?=b)c");
    let input = "a".repeat(60);
    let r = Replacement::parse("-", &re);
    let mut out = String::new();
    let e = re.replace_all(&input, &r, &mut out).unwrap_err();
    assert!(e.message.contains("backtracking"), "{e:?}");
    assert!(re.is_match(&input).is_err());
    assert!(re.first_group(&input, "1").is_err());
}

#[test]
fn replace_appends_to_existing_output() {
    let re = rx("o");
    let r = Replacement::parse("0", &re);
    let mut out = String::from(">");
    re.replace_all("foo", &r, &mut out).unwrap();
    re.replace_all("bar", &r, &mut out).unwrap();
    assert_eq!(out, ">f00bar");
}

#[test]
fn first_group_reports_unparticipating_group_as_empty() {
    let re = rx("(?<x>a)|b");
    assert_eq!(re.first_group("b", "x").unwrap(), Some(""));
    assert_eq!(re.first_group("ba", "0").unwrap(), Some("b"));
}

#[test]
fn is_match_and_full_match() {
    let re = rx("a|ab");
    assert!(re.is_match("xab").unwrap());
    assert!(!re.is_match("xyz").unwrap());
    assert!(re.is_full_match("ab").unwrap());
    assert!(!re.is_full_match("xab").unwrap());
    assert!(rx("^$").is_full_match("").unwrap());
}

// --- root causes found by the .NET oracle corpus (tests/oracle) ---

#[test]
fn dash_after_a_class_escape_is_a_literal_as_in_the_common_email_pattern() {
    let email = r"^[\w-\.]+@([\w-]+\.)+[\w-]{2,4}$";
    assert_eq!(rep("john.doe-x@contoso.com", email, "ok"), "ok");
    assert_eq!(rep("a-b.c", r"[\w-\.]+", "x"), "x");
    // An escaped `-` cannot start a range either.
    assert_eq!(rep("-5a", r"[\--\d]", "x"), "xxa");
    // An escaped `-` as a range's end is added on the spot and the range stays open
    // (Mono: `[a-\-z]` matches a, -, z; `[_-\-]` only -; `[z-\-a]` is a reversed range).
    assert_eq!(rep("a-_.zb", r"[a-\-z]", "x"), "xx_.xx");
    assert_eq!(rep("a-_.zb", r"[_-\-]", "x"), "ax_.zb");
    assert_eq!(rep("a-_.zb", r"[ba-\-]", "x"), "ax_.zx");
    assert!(DotNetRegex::compile(r"[z-\-a]").is_err());
    // A class escape still cannot end one.
    assert!(err(r"[a-\w]").message.contains("cannot end a range"));
}

#[test]
fn errors_dotnet_raises_for_quantifiers() {
    assert!(err("a{2,1}").message.contains("x > y"));
    assert_eq!(err_span("ab{3,2}"), (2, 7));
    assert!(err("a{2147483648}").message.contains("2147483647"));
    for p in ["*a", "+", "?", "(*a)", "a|*", "(?i)*", "(?:+)"] {
        assert!(
            err(p).message.contains("quantifier following nothing"),
            "{p}"
        );
    }
    // A comment does not take the place of an atom.
    assert_eq!(rep("aa", "a(?#c)*", "x"), "xx");
    assert!(DotNetRegex::compile("(?#c)*").is_err());
    // Lazy and bounded forms after an atom remain fine.
    assert_eq!(rep("aaa", "a{1,2}?", "x"), "xxx");
}
