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

fn group(input: &str, pattern: &str, group: &str, replacement: &str) -> String {
    let mut out = String::new();
    rx(pattern)
        .replace_group(input, group, replacement, &mut out)
        .unwrap();
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
fn conformance_doc_ex3_named_group() {
    let p = r"\+(?<isdCode>\d* )(?<phoneNumber>\d{10})";
    assert_eq!(rep("+91 9998887777", p, "${phoneNumber}"), "9998887777");
}

#[test]
fn conformance_doc_ex4_group_mode() {
    assert_eq!(
        group(
            "545 Tremont Street",
            r"(?<streetNumber>^\d*)",
            "streetNumber",
            "888"
        ),
        "888 Tremont Street"
    );
    assert_eq!(
        group("jsmith@contoso.com", r"(?<Suffix>@(.)*)", "Suffix", ""),
        "jsmith"
    );
}

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
fn conformance_doc_ex6_empty_replacement() {
    assert_eq!(rep("john_doe72", "[a-zA-Z_]*", ""), "72");
}

#[test]
fn conformance_invalid_regex_is_pattern_error() {
    let e = err("(");
    assert_eq!(e.start, 0);
}

#[test]
fn conformance_unknown_escape_plus_is_literal_plus() {
    let p = r"\+(?<isdCode>49|44|1)(?<phoneNumber>.*)";
    assert_eq!(rep("+493012345678", p, "${isdCode}"), "49");
    let teams = r"\+(?<isdCode>49|44|43|1|352|91|31|32|55|237|420|45|20|212|216|234|263|27|30|33|34|351|352|36|372|380|381|383|39|40|41|421|46|47|48|58|60|7|90|91|92|94|961|971|98|995)(?<phoneNumber>.*)";
    assert_eq!(rep("+15551234567", teams, "${isdCode}"), "1");
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

#[test]
fn conformance_samaccountname_escapes_in_class() {
    let bad = r"([\/\\\[\]\:\;\|\=\,\+\*\?\<\>])";
    assert_eq!(rep("JGarcia-Lopez", bad, ""), "JGarcia-Lopez");
    assert_eq!(rep("AO'Neil[x]:y.", bad, ""), "AO'Neilxy.");
    assert_eq!(rep("AO'Neilxy.", r"(\.)*$", ""), "AO'Neilxy");
    assert_eq!(rep(r"a/b\c<d>e", bad, ""), "abcde");
}

#[test]
fn conformance_numbered_groups() {
    assert_eq!(rep("John Smith", r"(\w+) (\w+)", "$2, $1"), "Smith, John");
}

// --- empty-match iteration (all checked with Mono) ---

#[test]
fn empty_match_after_nonempty_match_is_reported() {
    assert_eq!(rep("baaac", "a*", "-"), "-b--c-");
    assert_eq!(rep("john_doe72", "[a-zA-Z_]*", "X"), "XX7X2X");
}

#[test]
fn after_empty_match_search_resumes_one_char_later() {
    // Mono: `(?=b)|b` on "ab" gives "a-b": the `b` at the empty match's position is skipped.
    assert_eq!(rep("ab", "(?=b)|b", "-"), "a-b");
    assert_eq!(rep("b", "x*|b", "-"), "-b-");
    assert_eq!(rep("", "", "-"), "-");
}

#[test]
fn empty_matches_step_over_whole_non_ascii_characters() {
    // .NET steps UTF-16 units and splits the emoji's surrogate pair; we step characters.
    assert_eq!(rep("é😀x", "", "-"), "-é-😀-x-");
    assert_eq!(rep("éx", ".", "-"), "--");
    assert_eq!(rep("Zoë Ångström", "ö|ë", "o"), "Zoo Ångstrom");
}

// --- substitution tokens (all checked with Mono) ---

#[test]
fn substitution_digits_and_braces() {
    assert_eq!(rep("abc", "(b)", "[$1x]"), "a[bx]c");
    assert_eq!(rep("abc", "(b)", "[${1}2]"), "a[b2]c");
    assert_eq!(rep("abc", "(b)", "[$0]"), "a[b]c");
    assert_eq!(rep("ab", "(a)", "$01|${01}|$001"), "a|a|ab");
}

#[test]
fn substitution_takes_all_digits_or_stays_literal() {
    assert_eq!(rep("abc", "(b)", "[$12]"), "a[$12]c");
    assert_eq!(rep("abc", "(b)", "[$2]"), "a[$2]c");
    assert_eq!(rep("abc", "(b)", "[${2}]"), "a[${2}]c");
    let eleven = "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)";
    assert_eq!(
        rep("abcdefghijkl", eleven, "[$11|$12|$111]"),
        "[k|$12|$111]l"
    );
}

#[test]
fn substitution_names_need_braces() {
    assert_eq!(rep("abc", "(?<n>b)", "[$n]"), "a[$n]c");
    assert_eq!(rep("abc", "(?<n>b)", "[${n}]"), "a[b]c");
    assert_eq!(rep("abc", "(?<x1>b)", "[$x1]"), "a[$x1]c");
    assert_eq!(rep("abc", "(b)", "[${x}]"), "a[${x}]c");
    assert_eq!(rep("ab", "(a)", "${ }"), "${ }b");
    assert_eq!(rep("ab", "(a)", "${1a}"), "${1a}b");
    assert_eq!(rep("abc", "(b)", "[${1]"), "a[${1]c");
}

#[test]
fn substitution_special_tokens() {
    assert_eq!(rep("abc", "(b)", "[$$]"), "a[$]c");
    assert_eq!(rep("abc", "(b)", "[$&]"), "a[b]c");
    assert_eq!(rep("abc", "(b)", "[$`]"), "a[a]c");
    assert_eq!(rep("abc", "(b)", "[$']"), "a[c]c");
    assert_eq!(rep("abc", "(b)", "[$_]"), "a[abc]c");
    assert_eq!(rep("abc", "(b)(c)?", "[$+]"), "a[c]");
    assert_eq!(rep("ab", "(a)|(b)", "[$+]"), "[][b]");
    assert_eq!(rep("abc", "b", "[$+]"), "a[b]c");
}

#[test]
fn substitution_lone_and_unknown_dollars_are_literal() {
    assert_eq!(rep("abc", "(b)", "[$]"), "a[$]c");
    assert_eq!(rep("abc", "(b)", "[$"), "a[$c");
    assert_eq!(rep("abc", "(b)", "[$-]"), "a[$-]c");
    assert_eq!(rep("ab", "(a)", "$1$"), "a$b");
    assert_eq!(rep("abc", "(b)(x)?", "[$2]"), "a[]c");
}

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
fn dotnet_numbers_unnamed_groups_before_named_ones() {
    // Mono: (?<n>a)(b) gives $1 = b, $2 = a.
    assert_eq!(rep("abc", "(?<n>a)(b)", "[1=$1 2=$2]"), "[1=b 2=a]c");
    assert_eq!(rep("ab c", "(?<a>a)(?<b>b)", "${b}$2${1}$1"), "bbaa c");
    assert_eq!(rep("ab", "(?<a>a)(?<b>b)", "[$+]"), "[b]");
    assert_eq!(rep("ab", "(?<a>a)(b)", "[$+]"), "[a]");
    // Back-references follow .NET numbering too.
    assert_eq!(rep("abb aba", r"(?<n>a)(b)\1", "X"), "X aba");
    assert_eq!(rep("aba abb", r"(?<n>a)(b)\2", "X"), "X abb");
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

#[test]
fn dollar_matches_before_final_newline() {
    // Mono: "a\n" / a$ -> "X\n"; "a\n\n" unchanged; "a\nb\n" / $ -> "a\nbX\nX".
    assert_eq!(rep("a\n", "a$", "X"), "X\n");
    assert_eq!(rep("a\n\n", "a$", "X"), "a\n\n");
    assert_eq!(rep("a\nb\n", "$", "X"), "a\nbX\nX");
    assert_eq!(rep("ab\n", r"\Z", "X"), "abX\nX");
    assert_eq!(rep("a\nb", "(?m)a$", "X"), "X\nb");
}

#[test]
fn class_subtraction_is_rewritten() {
    assert_eq!(rep("aeb", "[a-z-[aeiou]]", "X"), "aeX");
    // Mono: [^a-z-[b]] on "1b" gives "Xb": the `^` negates the base only.
    assert_eq!(rep("1b", "[^a-z-[b]]", "X"), "Xb");
    assert_eq!(rep("ab", "[^a-z-[b]]", "X"), "ab");
}

#[test]
fn class_literals_that_rust_treats_specially() {
    // Mono: `[[]` is a class holding `[`; `&&` and `-` are literal.
    assert_eq!(rep("[x]", "[[]", "X"), "Xx]");
    assert_eq!(rep("a-&&b", "[&&-]", "X"), "aXXXb");
    assert_eq!(rep("a b", "(?x)[ ]", "X"), "aXb");
    assert_eq!(rep("[:", "[[:]", "X"), "XX");
    assert_eq!(rep("\u{8}", r"[\b]", "X"), "X");
}

#[test]
fn non_quantifier_braces_are_literal() {
    assert_eq!(rep("a{,3}", "a{,3}", "X"), "X");
    assert_eq!(rep("a{", "a{", "X"), "X");
    assert_eq!(rep("a}", "a}", "X"), "X");
    assert_eq!(rep("aaaa", "a{2}", "X"), "XX");
    assert_eq!(rep("aaaa", "a{1,}?", "X"), "XXXX");
}

#[test]
fn word_class_follows_dotnet() {
    // Mono: \w matches none of Nl (Ⅻ), Mc (ा), ZWJ.
    assert_eq!(rep("Ⅻ ा \u{200d}", r"\w", "X"), "Ⅻ ा \u{200d}");
    assert_eq!(rep("é_9ß", r"\w", "X"), "XXXX");
    assert_eq!(rep("a-b", r"[\w]", "X"), "X-X");
    assert_eq!(rep("a-b", r"\W", "X"), "aXb");
    assert_eq!(rep("a-b", r"[\W]", "X"), "aXb");
}

#[test]
fn escapes_and_comments() {
    assert_eq!(rep("a<b", r"\<", "X"), "aXb");
    assert_eq!(rep("aa", r"(?<a>a)\<a>", "X"), "X");
    assert_eq!(rep("ab", "a(?#x)b", "X"), "X");
    assert_eq!(rep("a b", "(?x)a # c\n b", "X"), "a b");
    assert_eq!(rep("ab", "(?x) a b # comment", "X"), "X");
    assert_eq!(rep("AB", r"\x41\u0042", "X"), "X");
    assert_eq!(rep("a.b", r"\.", "X"), "aXb");
    assert_eq!(rep("aaab", r"\Ga", "X"), "XXXb");
    assert_eq!(rep("ABC", "(?i)b", "X"), "AXC");
    assert_eq!(rep("ab", "(a)(?(1)b|c)", "X"), "X");
    assert_eq!(rep("aab", "(?>a+)b", "X"), "X");
    assert_eq!(rep("ab", r"\p{Lu}|\p{Ll}", "X"), "XX");
}

// --- rejected constructs ---

#[test]
fn rejects_balancing_groups() {
    assert_eq!(err_span("x(?<a-b>c)"), (1, 8));
    assert_eq!(err_span("(?'-b'c)"), (0, 6));
}

#[test]
fn rejects_explicit_capture_option() {
    assert_eq!(err_span("a(?n)b"), (3, 4));
    assert_eq!(err_span("(?in:a)"), (3, 4));
}

#[test]
fn rejects_control_and_octal_escapes() {
    assert_eq!(err_span(r"a\cA"), (1, 4));
    assert_eq!(err_span(r"\0101"), (0, 2));
    assert_eq!(err_span(r"x\12"), (1, 4));
    assert_eq!(err_span(r"[\101]"), (1, 5));
    assert_eq!(err_span(r"(a)\2"), (3, 5));
}

#[test]
fn rejects_unicode_blocks_and_unknown_properties() {
    let e = err(r"a\p{IsGreek}");
    assert_eq!((e.start, e.end), (1, 12));
    assert!(e.help.is_some());
    assert_eq!(err_span(r"\p{Greek}"), (0, 9));
    assert_eq!(err_span(r"\pL"), (0, 2));
}

#[test]
fn rejects_non_dotnet_syntax() {
    assert_eq!(err_span("(?U)a"), (0, 3));
    assert_eq!(err_span("(?P<a>a)"), (0, 3));
    assert_eq!(err_span("a++"), (1, 3));
    assert_eq!(err_span("a{2}+"), (1, 5));
    assert_eq!(err_span(r"\q"), (0, 2));
    assert_eq!(err_span(r"\_"), (0, 2));
    assert_eq!(err_span("(?<2>a)"), (0, 5));
    assert_eq!(err_span("(?(?=a)a|b)"), (0, 3));
    assert_eq!(err_span(r"\uD83D"), (0, 6));
    assert_eq!(err_span(r"\k<zz>"), (0, 6));
}

#[test]
fn rejects_posix_names_in_classes() {
    // Mono silently ignores `[:alpha:]` inside a class (`[[:alpha:]]` does not match "a").
    assert_eq!(err_span("x[[:alpha:]]"), (2, 11));
}

#[test]
fn rejects_class_subtraction_not_last() {
    assert_eq!(err_span("[a-z-[b]c]"), (4, 8));
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
fn replace_group_edge_cases() {
    // Group absent from a match: the match is kept.
    assert_eq!(group("ab", "(?<x>a)|b", "x", "Z"), "Zb");
    // Unknown group: input unchanged.
    assert_eq!(group("ab", "(?<x>a)", "nope", "Z"), "ab");
    // Numbered group and non-ASCII text.
    assert_eq!(group("Ærø-Ærø", "(Æ)rø", "1", "AE"), "AErø-AErø");
    // Replacement text is literal: no $ expansion.
    assert_eq!(group("ab", "(?<x>a)", "x", "$0"), "$0b");
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

#[test]
fn non_ascii_input_and_patterns() {
    assert_eq!(
        rep("Müller-Lüdenscheidt", "ü", "ue"),
        "Mueller-Luedenscheidt"
    );
    assert_eq!(
        rep("日本語テキスト", "(?<k>本)", "[${k}]"),
        "日[本]語テキスト"
    );
    assert_eq!(
        rep("José García", r"(?<número>\w+) (\w+)", "$1 ${número}"),
        "García José"
    );
    assert_eq!(rep("ÀÉ", "(?i)àé", "x"), "x");
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
fn quantified_lookarounds_and_anchors_follow_dotnet() {
    // Checked with Mono's Regex.Replace.
    assert_eq!(rep("aaa", "(?=a)?", "x"), "xaxaxax");
    assert_eq!(rep("aaa", "(?=(a))?", "[$1]"), "[a]a[a]a[a]a[]");
    assert_eq!(rep("aaa", "(?=(a))??", "[$1]"), "[]a[]a[]a[]");
    assert_eq!(rep("aaa", "b(?<=a){2}", "x"), "aaa");
    assert_eq!(rep("ab", r"\b+a", "x"), "xb");
    assert_eq!(rep("ab", "^*a", "x"), "xb");
}

#[test]
fn g_anchor_matches_only_where_the_previous_match_ended() {
    assert_eq!(rep("abc", r"\G", "x"), "xabc");
    assert_eq!(rep("aab", r"\Ga", "x"), "xxb");
    assert_eq!(rep("aba", r"\Ga", "x"), "xba");
    // After `c` matches, `\G` holds again at the end (Mono: `xabxx`).
    assert_eq!(rep("abc", r"\G|c", "x"), "xabxx");
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
