//! .NET-dialect regular expressions on top of `fancy-regex`.
//!
//! Entra evaluates `Replace` with `System.Text.RegularExpressions`. The Rust engines agree with
//! .NET on most syntax but differ silently on a few points (group numbering, `$`, `\w`, class
//! subtraction, literal `{`, replacement tokens, empty-match iteration). This module translates
//! a .NET pattern into an equivalent `fancy-regex` pattern where that is cheap and exact, and
//! rejects with a span what it cannot honour, so that a mapping never silently computes a value
//! that Entra would not.

use fancy_regex::{Captures, Regex, RegexBuilder};
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

/// Backtracking budget per search. .NET guards runaway patterns with a match timeout; a step
/// budget is the deterministic analogue, so a hostile pattern fails instead of hanging.
pub const BACKTRACK_LIMIT: usize = 1_000_000;

/// The class .NET means by `\w` (`[\p{L}\p{Mn}\p{Nd}\p{Pc}]`); Rust's `\w` also matches
/// `Mc`, `Me`, `Nl` and join controls, which .NET does not.
const WORD_ITEMS: &str = r"\p{L}\p{Mn}\p{Nd}\p{Pc}";

/// The only `\p{..}` names .NET accepts apart from `Is<Block>` (Unicode general categories).
const DOTNET_CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Co", "Cn",
];

/// A .NET-dialect regular expression, checked and compiled once.
pub struct DotNetRegex {
    re: Regex,
    /// Indexed by .NET group number; each entry lists the fancy-regex group indices that make up
    /// that .NET group (several when a name is reused, which .NET merges into one group).
    groups: Vec<Vec<usize>>,
    /// Group names with their .NET group number, in .NET numbering order.
    names: Vec<(String, usize)>,
    pattern: String,
    /// `\A(?:pattern)\z`, built on first use because only lints need it.
    anchored: OnceLock<Option<Regex>>,
}

/// Why a pattern cannot be honoured: byte range within the pattern text, a message, and an
/// optional help (how to rewrite it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset where the offending construct starts.
    pub start: usize,
    /// Byte offset just past the offending construct.
    pub end: usize,
    /// What is wrong.
    pub message: String,
    /// How to rewrite the pattern, when there is a faithful alternative.
    pub help: Option<String>,
}

/// A runtime failure (backtrack limit exceeded: the analogue of .NET's
/// RegexMatchTimeoutException).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchError {
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at {}..{})", self.message, self.start, self.end)
    }
}

impl std::error::Error for PatternError {}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MatchError {}

impl fmt::Debug for DotNetRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DotNetRegex")
            .field("pattern", &self.pattern)
            .field("translated", &self.re.as_str())
            .finish()
    }
}

fn perr(start: usize, end: usize, message: impl Into<String>, help: Option<&str>) -> PatternError {
    PatternError {
        start,
        end,
        message: message.into(),
        help: help.map(str::to_owned),
    }
}

fn match_error(e: fancy_regex::Error) -> MatchError {
    let message = match e {
        fancy_regex::Error::RuntimeError(fancy_regex::RuntimeError::BacktrackLimitExceeded) => {
            format!(
                "regular expression gave up after {BACKTRACK_LIMIT} backtracking steps \
                 (the pattern backtracks catastrophically on this input)"
            )
        }
        other => format!("regular expression failed while matching: {other}"),
    };
    MatchError { message }
}

/// .NET's `RegexCharClass.IsWordChar`, used for group names and escape validation.
fn is_word_char(c: char) -> bool {
    // Without a general-category table, alphanumerics plus the common connector punctuation
    // and combining marks cover what occurs in group names.
    c.is_alphanumeric()
        || matches!(
            c,
            '_' | '\u{200c}'
                | '\u{200d}'
                | '\u{203f}'
                | '\u{2040}'
                | '\u{2054}'
                | '\u{fe33}'
                | '\u{fe34}'
                | '\u{fe4d}'..='\u{fe4f}'
                | '\u{ff3f}'
                | '\u{0300}'..='\u{036f}'
        )
}

/// One capturing group as seen in the first pass, in order of its opening parenthesis (which is
/// fancy-regex's numbering).
#[derive(Clone, Debug)]
enum GroupDecl {
    Unnamed,
    Named(String),
}

/// .NET numbering: unnamed groups first, left to right, then named groups by first appearance.
struct GroupTable {
    groups: Vec<Vec<usize>>,
    names: Vec<(String, usize)>,
}

impl GroupTable {
    fn new(decls: &[GroupDecl]) -> GroupTable {
        let mut groups = vec![vec![0]];
        for (i, d) in decls.iter().enumerate() {
            if matches!(d, GroupDecl::Unnamed) {
                groups.push(vec![i + 1]);
            }
        }
        let mut names: Vec<(String, usize)> = Vec::new();
        for (i, d) in decls.iter().enumerate() {
            if let GroupDecl::Named(n) = d {
                if let Some((_, num)) = names.iter().find(|(m, _)| m == n) {
                    groups[*num].push(i + 1);
                } else {
                    names.push((n.clone(), groups.len()));
                    groups.push(vec![i + 1]);
                }
            }
        }
        GroupTable { groups, names }
    }
}

/// Looks a group up the way `GroupCollection[string]` does: by name, else as a number.
fn lookup_group(groups: &[Vec<usize>], names: &[(String, usize)], name: &str) -> Option<usize> {
    if let Some((_, n)) = names.iter().find(|(n, _)| n == name) {
        return Some(*n);
    }
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        let n: usize = name.parse().ok()?;
        if n < groups.len() {
            return Some(n);
        }
    }
    None
}

/// Translates a .NET pattern into fancy-regex syntax. Run twice: the first pass (no table)
/// only collects groups, the second rewrites numbered references with the finished table.
struct Translator<'p> {
    src: &'p str,
    pos: usize,
    out: String,
    /// (output offset, source offset) at each emitted token, to map fancy-regex error positions
    /// back into the user's pattern.
    spans: Vec<(usize, usize)>,
    decls: Vec<GroupDecl>,
    table: Option<&'p GroupTable>,
    /// Whether `x` (ignore whitespace) is on, per open group; .NET comments and blanks must be
    /// skipped so that nothing inside them is mistaken for a construct.
    x_stack: Vec<bool>,
}

impl<'p> Translator<'p> {
    fn new(src: &'p str, table: Option<&'p GroupTable>) -> Self {
        Translator {
            src,
            pos: 0,
            out: String::with_capacity(src.len() + 16),
            spans: Vec::new(),
            decls: Vec::new(),
            table,
            x_stack: vec![false],
        }
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, byte_off: usize) -> Option<char> {
        self.src.get(self.pos + byte_off..)?.chars().next()
    }

    fn rest(&self) -> &'p str {
        &self.src[self.pos..]
    }

    fn bump(&mut self) -> char {
        let c = self.peek().expect("bump at end of pattern");
        self.pos += c.len_utf8();
        c
    }

    fn mark(&mut self, src_pos: usize) {
        self.spans.push((self.out.len(), src_pos));
    }

    fn x_mode(&self) -> bool {
        *self.x_stack.last().unwrap_or(&false)
    }

    fn run(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            self.mark(start);
            match c {
                '\\' => self.escape_outside()?,
                '(' => self.open_group()?,
                ')' => {
                    self.bump();
                    if self.x_stack.len() > 1 {
                        self.x_stack.pop();
                    }
                    self.out.push(')');
                }
                '[' => {
                    let class = self.class()?;
                    self.out.push_str(&class);
                }
                '$' => {
                    self.bump();
                    // .NET's `$` also matches before a final newline; under (?m) the extra
                    // branch is a subset of Rust's `$`, so the rewrite is flag-independent.
                    self.out.push_str(r"(?:$|(?=\n\z))");
                }
                '*' | '+' | '?' => {
                    self.bump();
                    self.out.push(c);
                    self.after_quantifier(start)?;
                }
                '{' => {
                    if let Some(len) = quantifier_len(self.rest()) {
                        self.out.push_str(&self.src[self.pos..self.pos + len]);
                        self.pos += len;
                        self.after_quantifier(start)?;
                    } else {
                        // .NET reads a `{` that does not start `{n}`, `{n,}` or `{n,m}` as a
                        // literal; Rust would read `{,3}` as a quantifier.
                        self.bump();
                        self.out.push_str(r"\{");
                    }
                }
                '}' => {
                    self.bump();
                    self.out.push_str(r"\}");
                }
                '#' if self.x_mode() => {
                    while let Some(c) = self.peek() {
                        self.bump();
                        if c == '\n' {
                            break;
                        }
                    }
                }
                c if c.is_whitespace() && self.x_mode() => {
                    self.bump();
                }
                '.' | '^' | '|' => {
                    self.bump();
                    self.out.push(c);
                }
                _ => {
                    self.bump();
                    push_literal(&mut self.out, c);
                }
            }
        }
        Ok(())
    }

    /// .NET has no possessive quantifiers: `a++` is a "nested quantifier" error there, while
    /// fancy-regex would accept it with a different meaning.
    fn after_quantifier(&mut self, start: usize) -> Result<(), PatternError> {
        if self.peek() == Some('?') {
            self.bump();
            self.out.push('?');
        }
        let nested = match self.peek() {
            Some('*' | '+' | '?') => Some(1),
            Some('{') => quantifier_len(self.rest()),
            _ => None,
        };
        if let Some(len) = nested {
            return Err(perr(
                start,
                self.pos + len,
                "nested quantifier: .NET rejects a quantifier applied to a quantifier \
                 (possessive quantifiers such as `a++` do not exist in .NET)",
                Some(
                    "wrap the quantified part in a group, e.g. `(?:a+)+`, or use an atomic group `(?>a+)`",
                ),
            ));
        }
        Ok(())
    }

    fn open_group(&mut self) -> Result<(), PatternError> {
        let start = self.pos;
        self.bump();
        let outer_x = self.x_mode();
        if self.peek() != Some('?') {
            self.decls.push(GroupDecl::Unnamed);
            self.out.push('(');
            self.x_stack.push(outer_x);
            return Ok(());
        }
        self.bump();
        let rest = self.rest();
        let unrecognized = |end: usize| {
            perr(
                start,
                end,
                "unrecognized grouping construct",
                Some(
                    "supported: (...), (?:...), (?<name>...), (?'name'...), (?=...), (?!...), (?<=...), (?<!...), (?>...), (?imsx-imsx:...)",
                ),
            )
        };
        if rest.starts_with('#') {
            // Comment: .NET ends it at the first `)`, escapes included.
            match rest.find(')') {
                Some(i) => {
                    self.pos += i + 1;
                    return Ok(());
                }
                None => {
                    return Err(perr(
                        start,
                        self.src.len(),
                        "unterminated (?#...) comment",
                        None,
                    ));
                }
            }
        }
        for lead in [":", "=", "!", ">", "<=", "<!"] {
            if rest.starts_with(lead) {
                self.pos += lead.len();
                self.out.push_str("(?");
                self.out.push_str(lead);
                self.x_stack.push(outer_x);
                return Ok(());
            }
        }
        if let Some(close) = match rest.chars().next() {
            Some('<') => Some('>'),
            Some('\'') => Some('\''),
            _ => None,
        } {
            self.bump();
            let name_start = self.pos;
            let name_len = self
                .rest()
                .find(|c: char| !is_word_char(c))
                .unwrap_or(self.rest().len());
            let name = &self.src[name_start..name_start + name_len];
            self.pos += name_len;
            match self.peek() {
                Some('-') => {
                    let end = self.src[self.pos..]
                        .find(close)
                        .map_or(self.src.len(), |i| self.pos + i + 1);
                    return Err(perr(
                        start,
                        end,
                        "balancing groups (?<name1-name2>...) are a .NET-only construct and are not supported",
                        Some(
                            "rewrite without balancing groups; nested structures usually need a different approach (e.g. several Replace calls)",
                        ),
                    ));
                }
                Some(c) if c == close && !name.is_empty() => {
                    self.bump();
                }
                _ => return Err(unrecognized(self.pos)),
            }
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(perr(
                    start,
                    self.pos,
                    "explicitly numbered groups such as (?<2>...) are not supported",
                    Some("give the group a name that starts with a letter"),
                ));
            }
            self.decls.push(GroupDecl::Named(name.to_owned()));
            self.out.push_str("(?<");
            self.out.push_str(name);
            self.out.push('>');
            self.x_stack.push(outer_x);
            return Ok(());
        }
        if rest.starts_with('(') {
            return self.conditional(start);
        }
        // Inline options: (?imsx-imsx) or (?imsx-imsx:...).
        let mut x = outer_x;
        let mut on = true;
        let mut flags = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(unrecognized(self.pos));
            };
            let at = self.pos;
            self.bump();
            match c {
                '-' if on => {
                    on = false;
                    flags.push('-');
                }
                'i' | 'm' | 's' => flags.push(c),
                'x' => {
                    x = on;
                    flags.push(c);
                }
                'n' => {
                    return Err(perr(
                        at,
                        at + 1,
                        "the (?n) explicit-capture option is not supported",
                        Some("mark groups that should not capture as (?:...) instead"),
                    ));
                }
                ')' | ':' if !flags.is_empty() => {
                    self.out.push_str("(?");
                    self.out.push_str(&flags);
                    self.out.push(c);
                    if c == ':' {
                        self.x_stack.push(x);
                    } else if let Some(top) = self.x_stack.last_mut() {
                        *top = x;
                    }
                    return Ok(());
                }
                _ => return Err(unrecognized(at + c.len_utf8())),
            }
        }
    }

    /// `(?(group)yes|no)`: only group tests are supported; .NET also allows an expression test,
    /// which fancy-regex lacks.
    fn conditional(&mut self, start: usize) -> Result<(), PatternError> {
        self.bump(); // the inner `(`
        let name_len = self
            .rest()
            .find(|c: char| !is_word_char(c))
            .unwrap_or(self.rest().len());
        let name = &self.src[self.pos..self.pos + name_len];
        let after = self.pos + name_len;
        let closes = self.src[after..].starts_with(')');
        let target = if closes && !name.is_empty() {
            self.resolve_ref(name)
        } else {
            None
        };
        let Some(target) = target else {
            if self.table.is_none() && closes && !name.is_empty() {
                // First pass: groups later in the pattern are not known yet.
                self.pos = after + 1;
                self.out.push_str("(?(1)");
                self.x_stack.push(self.x_mode());
                return Ok(());
            }
            let end = if closes { after + 1 } else { after };
            return Err(perr(
                start,
                end,
                "only group-test conditionals (?(name)yes|no) are supported; this condition is not an existing group",
                Some("use a look-ahead alternative such as (?:(?=cond)yes|(?!cond)no)"),
            ));
        };
        self.pos = after + 1;
        self.out.push_str(&format!("(?({target})"));
        self.x_stack.push(self.x_mode());
        Ok(())
    }

    /// Resolves a group reference (name or .NET number) to a fancy-regex group index; `Some(0)`
    /// during the first pass, when the table is not built yet.
    fn resolve_ref(&self, name: &str) -> Option<usize> {
        let Some(table) = self.table else {
            return Some(0);
        };
        let num = lookup_group(&table.groups, &table.names, name)?;
        table.groups.get(num).and_then(|g| g.first().copied())
    }

    fn reference(&mut self, start: usize, name: &str) -> Result<(), PatternError> {
        if let Some(table) = self.table {
            let Some(num) = lookup_group(&table.groups, &table.names, name) else {
                return Err(perr(
                    start,
                    self.pos,
                    format!("reference to undefined group `{name}`"),
                    None,
                ));
            };
            let fancy = &table.groups[num];
            if fancy.len() > 1 {
                return Err(perr(
                    start,
                    self.pos,
                    format!(
                        "back-reference to `{name}`, a group name used more than once, is not supported"
                    ),
                    Some("give each group its own name"),
                ));
            }
            self.out.push_str(&format!(r"\k<{}>", fancy[0]));
        } else {
            self.out.push_str(r"\k<1>");
        }
        Ok(())
    }

    fn escape_outside(&mut self) -> Result<(), PatternError> {
        let start = self.pos;
        self.bump();
        let Some(c) = self.peek() else {
            return Err(perr(start, self.pos, "illegal \\ at end of pattern", None));
        };
        match c {
            'k' | '<' | '\'' => {
                let named = c != 'k';
                if !named {
                    self.bump();
                }
                let open = self.peek();
                let close = match open {
                    Some('<') => '>',
                    Some('\'') => '\'',
                    _ => {
                        return Err(perr(
                            start,
                            self.pos,
                            "malformed \\k<...> named back reference",
                            None,
                        ));
                    }
                };
                let save = self.pos;
                self.bump();
                let len = self
                    .rest()
                    .find(|c: char| !is_word_char(c))
                    .unwrap_or(self.rest().len());
                let name = &self.src[self.pos..self.pos + len];
                if !name.is_empty() && self.src[self.pos + len..].starts_with(close) {
                    self.pos += len + 1;
                    return self.reference(start, name);
                }
                if named {
                    // Not a reference after all: `\<` is just an escaped `<`.
                    self.pos = save + 1;
                    push_escaped(&mut self.out, open.unwrap_or('<'));
                    return Ok(());
                }
                Err(perr(
                    start,
                    self.pos,
                    "malformed \\k<...> named back reference",
                    None,
                ))
            }
            '1'..='9' => {
                let len = self
                    .rest()
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(self.rest().len());
                let digits = &self.src[self.pos..self.pos + len];
                self.pos += len;
                let exists = match self.table {
                    None => true,
                    Some(t) => digits.parse::<usize>().is_ok_and(|n| n < t.groups.len()),
                };
                if exists {
                    return self.reference(start, digits);
                }
                if len == 1 {
                    return Err(perr(
                        start,
                        self.pos,
                        format!("reference to undefined group number {digits}"),
                        None,
                    ));
                }
                Err(octal_error(start, self.pos))
            }
            '0' => {
                self.bump();
                Err(octal_error(start, self.pos))
            }
            'w' | 'W' => {
                self.bump();
                self.out.push_str(if c == 'w' { "[" } else { "[^" });
                self.out.push_str(WORD_ITEMS);
                self.out.push(']');
                Ok(())
            }
            'A' | 'z' | 'Z' | 'G' | 'b' | 'B' => {
                self.bump();
                self.out.push('\\');
                self.out.push(c);
                Ok(())
            }
            _ => {
                let piece = self.char_escape(start, false)?;
                self.out.push_str(&piece);
                Ok(())
            }
        }
    }

    /// Escapes valid both in and out of classes; returns fancy-regex text. `start` is the
    /// backslash position.
    fn char_escape(&mut self, start: usize, in_class: bool) -> Result<String, PatternError> {
        let Some(c) = self.peek() else {
            return Err(perr(start, self.pos, "illegal \\ at end of pattern", None));
        };
        self.bump();
        let simple = |s: &str| Ok(s.to_owned());
        match c {
            'd' | 'D' | 's' | 'S' | 't' | 'n' | 'r' | 'f' | 'v' | 'a' => simple(&format!("\\{c}")),
            'e' => simple(r"\x{1b}"),
            'b' if in_class => simple(r"\x{08}"),
            'w' if in_class => simple(WORD_ITEMS),
            'W' if in_class => simple(&format!("[^{WORD_ITEMS}]")),
            'p' | 'P' => {
                let rest = self.rest();
                if !rest.starts_with('{') {
                    return Err(perr(
                        start,
                        self.pos,
                        "incomplete \\p{X} character escape",
                        Some("use braces, e.g. \\p{L}"),
                    ));
                }
                let Some(close) = rest.find('}') else {
                    return Err(perr(
                        start,
                        self.src.len(),
                        "incomplete \\p{X} character escape",
                        None,
                    ));
                };
                let name = &rest[1..close];
                self.pos += close + 1;
                if name.starts_with("Is") {
                    return Err(perr(
                        start,
                        self.pos,
                        format!("the .NET Unicode block `{name}` is not supported"),
                        Some(
                            "spell the block as a code point range, e.g. [\\u0370-\\u03FF] for IsGreek",
                        ),
                    ));
                }
                if !DOTNET_CATEGORIES.contains(&name) {
                    return Err(perr(
                        start,
                        self.pos,
                        format!("unknown property '{name}'"),
                        Some("use a Unicode general category such as L, Lu, Nd or P"),
                    ));
                }
                Ok(format!("\\{c}{{{name}}}"))
            }
            'x' | 'u' => {
                let n = if c == 'x' { 2 } else { 4 };
                let hex = self
                    .rest()
                    .get(..n)
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
                let Some(hex) = hex else {
                    return Err(perr(
                        start,
                        (self.pos + n).min(self.src.len()),
                        "insufficient hex digits",
                        None,
                    ));
                };
                self.pos += n;
                let v = u32::from_str_radix(hex, 16).unwrap_or(0);
                if (0xD800..=0xDFFF).contains(&v) {
                    return Err(perr(
                        start,
                        self.pos,
                        "surrogate code units cannot be matched on their own here (text is Unicode scalar values)",
                        Some("write the whole character instead of its UTF-16 halves"),
                    ));
                }
                Ok(format!("\\x{{{hex}}}"))
            }
            'c' => Err(perr(
                start,
                (self.pos + self.peek().map_or(0, char::len_utf8)).min(self.src.len()),
                "\\cX control-character escapes are not supported",
                Some("use \\xHH instead, e.g. \\x01 for \\cA"),
            )),
            '0'..='9' => {
                let len = self
                    .rest()
                    .find(|c: char| !('0'..='7').contains(&c))
                    .unwrap_or(self.rest().len());
                self.pos += len.min(2);
                Err(octal_error(start, self.pos))
            }
            c if is_word_char(c) => Err(perr(
                start,
                self.pos,
                format!("unrecognized escape sequence \\{c}"),
                None,
            )),
            c => {
                let mut s = String::new();
                push_escaped(&mut s, c);
                Ok(s)
            }
        }
    }

    /// Parses a class starting at `[` and returns its fancy-regex spelling.
    fn class(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        self.bump();
        let mut items = String::new();
        let negated = self.peek() == Some('^');
        if negated {
            self.bump();
        }
        let mut first = true;
        let mut count = 0usize;
        // Whether the previous item can start a range (a single character).
        let mut prev_char = false;
        loop {
            let Some(c) = self.peek() else {
                return Err(perr(start, self.src.len(), "unterminated [] set", None));
            };
            let item_start = self.pos;
            match c {
                ']' if !first => {
                    self.bump();
                    break;
                }
                '-' if count > 0 && self.peek_at(1) == Some('[') => {
                    // .NET class subtraction; Rust spells it `--`, and the base must be wrapped
                    // so that a leading `^` negates only the base, as in .NET.
                    self.bump();
                    let sub = self.class()?;
                    if self.peek() != Some(']') {
                        return Err(perr(
                            item_start,
                            self.pos,
                            "a subtraction must be the last element in a character class",
                            None,
                        ));
                    }
                    self.bump();
                    let neg = if negated { "^" } else { "" };
                    return Ok(format!("[[{neg}{items}]--{sub}]"));
                }
                '-' if prev_char && self.peek_at(1).is_some_and(|n| n != ']') => {
                    self.bump();
                    items.push('-');
                    let hi_start = self.pos;
                    let hi = if self.peek() == Some('\\') {
                        self.bump();
                        self.char_escape(hi_start, true)?
                    } else {
                        let h = self.bump();
                        let mut s = String::new();
                        push_escaped(&mut s, h);
                        s
                    };
                    if !is_single_char(&hi) {
                        return Err(perr(
                            item_start,
                            self.pos,
                            "a character class escape cannot end a range",
                            None,
                        ));
                    }
                    items.push_str(&hi);
                    prev_char = false;
                }
                '[' if self.peek_at(1) == Some(':') => {
                    let name_len = self.src[self.pos + 2..]
                        .find(|c: char| !is_word_char(c))
                        .unwrap_or(self.src.len() - self.pos - 2);
                    let after = self.pos + 2 + name_len;
                    if self.src[after..].starts_with(":]") {
                        return Err(perr(
                            item_start,
                            after + 2,
                            "POSIX-style [:name:] inside a class is silently ignored by .NET and is not supported",
                            Some("use a Unicode category such as \\p{L}, or list the characters"),
                        ));
                    }
                    self.bump();
                    push_escaped(&mut items, c);
                    prev_char = true;
                }
                '\\' => {
                    self.bump();
                    let piece = self.char_escape(item_start, true)?;
                    prev_char = is_single_char(&piece);
                    if !prev_char
                        && self.peek() == Some('-')
                        && self.peek_at(1).is_some_and(|n| n != ']' && n != '[')
                    {
                        return Err(perr(
                            item_start,
                            self.pos + 1,
                            "a character class escape cannot start a range",
                            None,
                        ));
                    }
                    items.push_str(&piece);
                }
                _ => {
                    self.bump();
                    push_escaped(&mut items, c);
                    prev_char = true;
                }
            }
            first = false;
            count += 1;
        }
        let neg = if negated { "^" } else { "" };
        Ok(format!("[{neg}{items}]"))
    }

    fn map_pos(&self, out_pos: usize) -> usize {
        let i = self.spans.partition_point(|(o, _)| *o <= out_pos);
        if i == 0 { 0 } else { self.spans[i - 1].1 }
    }
}

fn is_single_char(piece: &str) -> bool {
    piece.starts_with("\\x{")
        || piece.chars().count() == 1
        || matches!(piece, r"\t" | r"\n" | r"\r" | r"\f" | r"\v" | r"\a")
}

fn octal_error(start: usize, end: usize) -> PatternError {
    perr(
        start,
        end,
        "octal escapes (and \\0) are not supported",
        Some("use \\xHH or \\uHHHH instead"),
    )
}

/// Length of a .NET quantifier `{n}`, `{n,}` or `{n,m}` at the start of `s`.
fn quantifier_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > s
    };
    if b.first() != Some(&b'{') || !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b',') {
        i += 1;
        digits(&mut i);
    }
    (b.get(i) == Some(&b'}')).then_some(i + 1)
}

/// A literal character in a spelling that means the same to fancy-regex in every context:
/// inside classes Rust gives `[`, `&&`, `--`, `~~` and whitespace (under `x`) special meaning.
fn push_escaped(out: &mut String, c: char) {
    if c.is_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    }
}

fn push_literal(out: &mut String, c: char) {
    if c.is_whitespace() || c == '#' {
        push_escaped(out, c);
    } else if c.is_ascii_punctuation() && "\\.+*?()|[]{}^$".contains(c) {
        out.push('\\');
        out.push(c);
    } else {
        out.push(c);
    }
}

impl DotNetRegex {
    /// Scan the pattern once (outside character classes too where relevant) and reject .NET
    /// constructs we cannot honour faithfully, with the span; rewrite `$`, `\w`, class
    /// subtraction, literal `{` and .NET group numbers into fancy-regex spelling; then compile
    /// with a backtrack limit. Syntax errors from fancy-regex become [`PatternError`]s whose
    /// span points into the original pattern.
    pub fn compile(pattern: &str) -> Result<DotNetRegex, PatternError> {
        let mut first = Translator::new(pattern, None);
        first.run()?;
        let table = GroupTable::new(&first.decls);
        let mut second = Translator::new(pattern, Some(&table));
        second.run()?;
        let re = RegexBuilder::new(&second.out)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| match e {
                fancy_regex::Error::ParseError(pos, kind) => {
                    let start = second.map_pos(pos);
                    let end = pattern[start..]
                        .chars()
                        .next()
                        .map_or(start, |c| start + c.len_utf8());
                    perr(
                        start,
                        end,
                        format!("invalid regular expression: {kind}"),
                        None,
                    )
                }
                other => perr(
                    0,
                    pattern.len(),
                    format!("invalid regular expression: {other}"),
                    None,
                ),
            })?;
        Ok(DotNetRegex {
            re,
            groups: table.groups,
            names: table.names,
            pattern: pattern.to_owned(),
            anchored: OnceLock::new(),
        })
    }

    /// The pattern as written by the user (before translation).
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Does the pattern define a group with this name (or number as text)?
    pub fn has_group(&self, name: &str) -> bool {
        lookup_group(&self.groups, &self.names, name).is_some()
    }

    /// Group names in .NET numbering order, useful for "did you mean" diagnostics.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(n, _)| n.as_str())
    }

    /// Span of .NET group `num` in a match; for a name used twice, the participating copy
    /// that ended last stands in for .NET's "last capture" rule.
    fn group_range(&self, caps: &Captures<'_, str>, num: usize) -> Option<Range<usize>> {
        self.groups
            .get(num)?
            .iter()
            .filter_map(|&i| caps.get(i).map(|m| m.range()))
            .max_by_key(|r| r.end)
    }

    /// Runs `f` on every match in .NET order: after an empty match the next search starts one
    /// character later; after a non-empty match, right at its end (so an empty match directly
    /// after a non-empty one is reported, unlike Rust's iterators).
    fn for_each_match(
        &self,
        input: &str,
        mut f: impl FnMut(&Captures<'_, str>),
    ) -> Result<(), MatchError> {
        let mut pos = 0;
        while pos <= input.len() {
            let Some(caps) = self.re.captures_from_pos(input, pos).map_err(match_error)? else {
                break;
            };
            let m = caps.get(0).map_or(pos..pos, |m| m.range());
            f(&caps);
            if m.is_empty() {
                match input[m.end..].chars().next() {
                    Some(c) => pos = m.end + c.len_utf8(),
                    None => break,
                }
            } else {
                pos = m.end;
            }
        }
        Ok(())
    }

    /// Regex.Replace(input, pattern, replacement) with .NET semantics, appended to `out`,
    /// including .NET's empty-match iteration rule (`a*` → `-` on `baaac` gives `-b--c-`).
    pub fn replace_all(
        &self,
        input: &str,
        replacement: &Replacement,
        out: &mut String,
    ) -> Result<(), MatchError> {
        let mut last = 0;
        self.for_each_match(input, |caps| {
            let m = caps.get(0).map_or(last..last, |m| m.range());
            out.push_str(&input[last..m.start]);
            replacement.expand(self, caps, input, m.clone(), out);
            last = m.end;
        })?;
        out.push_str(&input[last..]);
        Ok(())
    }

    /// For every match, replace only the text captured by the named group with `replacement`
    /// (literal text), keeping the rest of the match. Matches where the group did not take part,
    /// and unknown group names, leave the text unchanged (.NET reports such a group as empty and
    /// unsuccessful).
    pub fn replace_group(
        &self,
        input: &str,
        group: &str,
        replacement: &str,
        out: &mut String,
    ) -> Result<(), MatchError> {
        let Some(num) = lookup_group(&self.groups, &self.names, group) else {
            out.push_str(input);
            return Ok(());
        };
        let mut last = 0;
        self.for_each_match(input, |caps| {
            if let Some(g) = self.group_range(caps, num) {
                // A group inside a look-around can lie before text already emitted.
                if g.start >= last {
                    out.push_str(&input[last..g.start]);
                    out.push_str(replacement);
                    last = g.end;
                }
            }
        })?;
        out.push_str(&input[last..]);
        Ok(())
    }

    /// The text of the named group in the first match, if any. `None` when nothing matches or
    /// the group does not exist; `Some("")` when the match succeeded without the group taking
    /// part (that is what .NET's `Group.Value` gives).
    pub fn first_group<'t>(
        &self,
        input: &'t str,
        group: &str,
    ) -> Result<Option<&'t str>, MatchError> {
        let Some(num) = lookup_group(&self.groups, &self.names, group) else {
            return Ok(None);
        };
        let Some(caps) = self.re.captures(input).map_err(match_error)? else {
            return Ok(None);
        };
        Ok(Some(self.group_range(&caps, num).map_or("", |r| &input[r])))
    }

    /// .NET `Regex.IsMatch`: does the pattern match anywhere in `input`?
    pub fn is_match(&self, input: &str) -> Result<bool, MatchError> {
        self.re.is_match(input).map_err(match_error)
    }

    /// Does the pattern match the whole of `input`? Like .NET `^(?:pattern)\z`, this considers
    /// every alternative, not only the leftmost-first match.
    pub fn is_full_match(&self, input: &str) -> Result<bool, MatchError> {
        let anchored = self.anchored.get_or_init(|| {
            RegexBuilder::new(&format!(r"\A(?:{})\z", self.re.as_str()))
                .backtrack_limit(BACKTRACK_LIMIT)
                .build()
                .ok()
        });
        match anchored {
            Some(re) => re.is_match(input).map_err(match_error),
            None => Err(MatchError {
                message: "the anchored form of the pattern could not be compiled".into(),
            }),
        }
    }
}

/// One piece of a parsed substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// Byte range into `Replacement::literals`.
    Literal(Range<usize>),
    /// A .NET group number (`$1`, `${name}`, `$&`...).
    Group(usize),
    /// `` $` ``: the input before the match.
    Prefix,
    /// `$'`: the input after the match.
    Suffix,
    /// `$+`: the highest-numbered group.
    LastGroup,
    /// `$_`: the whole input.
    Whole,
}

/// A .NET substitution string, tokenized once against a compiled regex: `$1`, `$12` (all
/// digits, and only if that group exists: otherwise the text stays literal, as .NET does),
/// `${name}`, `${1}`, `$$`, `$&`, `` $` ``, `$'`, `$+`, `$_`; `$name` without braces and
/// unknown groups stay literal text exactly as .NET does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    literals: String,
    tokens: Vec<Token>,
}

impl Replacement {
    /// Tokenizes `text` against `regex`'s groups. Never fails: .NET's one parse error (a group
    /// number above `i32::MAX` after `$`) is kept as literal text; use
    /// [`Replacement::try_parse`] to report it like .NET.
    pub fn parse(text: &str, regex: &DotNetRegex) -> Replacement {
        Self::parse_inner(text, regex, false).unwrap_or_else(|_| Replacement {
            literals: text.to_owned(),
            tokens: vec![Token::Literal(0..text.len())],
        })
    }

    /// Like [`Replacement::parse`], but fails where .NET throws (`$99999999999`).
    pub fn try_parse(text: &str, regex: &DotNetRegex) -> Result<Replacement, PatternError> {
        Self::parse_inner(text, regex, true)
    }

    /// Does the substitution consist of literal text only?
    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Literal(_)))
    }

    fn parse_inner(
        text: &str,
        regex: &DotNetRegex,
        strict: bool,
    ) -> Result<Replacement, PatternError> {
        let mut r = Replacement {
            literals: String::with_capacity(text.len()),
            tokens: Vec::new(),
        };
        let exists = |n: u64| usize::try_from(n).is_ok_and(|n| n < regex.groups.len());
        let mut i = 0;
        while i < text.len() {
            let Some(dollar) = text[i..].find('$') else {
                r.push_literal(&text[i..]);
                break;
            };
            r.push_literal(&text[i..i + dollar]);
            let at = i + dollar;
            let rest = &text[at + 1..];
            if rest.starts_with('$') {
                r.push_literal("$");
                i = at + 2;
                continue;
            }
            let (token, used) = Self::dollar(rest, regex, &exists, strict)
                .map_err(|msg| perr(at, text.len(), msg, None))?;
            match token {
                Some(t) => {
                    r.tokens.push(t);
                    i = at + 1 + used;
                }
                None => {
                    r.push_literal("$");
                    i = at + 1;
                }
            }
        }
        Ok(r)
    }

    /// Mirrors .NET's `RegexParser.ScanDollar`: returns the token and the bytes consumed after
    /// the `$`, or `None` when the `$` is literal.
    fn dollar(
        rest: &str,
        regex: &DotNetRegex,
        exists: &dyn Fn(u64) -> bool,
        strict: bool,
    ) -> Result<(Option<Token>, usize), String> {
        let Some(c) = rest.chars().next() else {
            return Ok((None, 0));
        };
        let braced = c == '{' && rest.len() > 1;
        let body = if braced { &rest[1..] } else { rest };
        let skip = usize::from(braced);
        let Some(c) = body.chars().next() else {
            return Ok((None, 0));
        };
        if c.is_ascii_digit() {
            let len = body
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(body.len());
            let num = body[..len]
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= i32::MAX as u64);
            let Some(num) = num else {
                // .NET's ScanDecimal throws on overflow, with or without braces.
                if strict {
                    return Err(
                        "capture group numbers must be less than or equal to Int32.MaxValue".into(),
                    );
                }
                return Ok((None, 0));
            };
            let closed = !braced || body[len..].starts_with('}');
            if closed && exists(num) {
                return Ok((
                    Some(Token::Group(num as usize)),
                    skip + len + usize::from(braced),
                ));
            }
            return Ok((None, 0));
        }
        if braced {
            if is_word_char(c) {
                let len = body.find(|c: char| !is_word_char(c)).unwrap_or(body.len());
                if body[len..].starts_with('}')
                    && let Some(n) = regex.names.iter().find(|(n, _)| n == &body[..len])
                {
                    return Ok((Some(Token::Group(n.1)), 1 + len + 1));
                }
            }
            return Ok((None, 0));
        }
        let token = match c {
            '&' => Token::Group(0),
            '`' => Token::Prefix,
            '\'' => Token::Suffix,
            '+' => Token::LastGroup,
            '_' => Token::Whole,
            _ => return Ok((None, 0)),
        };
        Ok((Some(token), 1))
    }

    fn push_literal(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let start = self.literals.len();
        self.literals.push_str(s);
        let end = self.literals.len();
        if let Some(Token::Literal(r)) = self.tokens.last_mut()
            && r.end == start
        {
            r.end = end;
            return;
        }
        self.tokens.push(Token::Literal(start..end));
    }

    fn expand(
        &self,
        regex: &DotNetRegex,
        caps: &Captures<'_, str>,
        input: &str,
        m: Range<usize>,
        out: &mut String,
    ) {
        for t in &self.tokens {
            match t {
                Token::Literal(r) => out.push_str(&self.literals[r.clone()]),
                Token::Group(n) => {
                    if let Some(r) = regex.group_range(caps, *n) {
                        out.push_str(&input[r]);
                    }
                }
                Token::Prefix => out.push_str(&input[..m.start]),
                Token::Suffix => out.push_str(&input[m.end..]),
                Token::LastGroup => {
                    if let Some(r) = regex.group_range(caps, regex.groups.len() - 1) {
                        out.push_str(&input[r]);
                    }
                }
                Token::Whole => out.push_str(input),
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
}
