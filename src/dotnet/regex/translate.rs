//! .NET pattern -> fancy-regex pattern: group numbering, `\w`, class subtraction, anchors; or a located refusal.

use super::*;

/// One capturing group as seen in the first pass, in order of its opening parenthesis (which is
/// fancy-regex's numbering).
#[derive(Clone, Debug)]
pub(super) enum GroupDecl {
    Unnamed,
    Named(String),
}

/// .NET numbering: unnamed groups first, left to right, then named groups by first appearance.
pub(super) struct GroupTable {
    pub(super) groups: Vec<Vec<usize>>,
    pub(super) names: Vec<(String, usize)>,
}

impl GroupTable {
    pub(super) fn new(decls: &[GroupDecl]) -> GroupTable {
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
pub(super) fn lookup_group(
    groups: &[Vec<usize>],
    names: &[(String, usize)],
    name: &str,
) -> Option<usize> {
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
pub(super) struct Translator<'p> {
    pub(super) src: &'p str,
    pub(super) pos: usize,
    pub(super) out: String,
    /// (output offset, source offset) at each emitted token, to map fancy-regex error positions
    /// back into the user's pattern.
    pub(super) spans: Vec<(usize, usize)>,
    pub(super) decls: Vec<GroupDecl>,
    pub(super) table: Option<&'p GroupTable>,
    /// Whether `x` (ignore whitespace) is on, per open group; .NET comments and blanks must be
    /// skipped so that nothing inside them is mistaken for a construct.
    pub(super) x_stack: Vec<bool>,
    /// What closes each open group: `)`, or `))` for a look-around, which is wrapped in
    /// `(?:...)` because .NET lets a quantifier apply to it and fancy-regex does not.
    pub(super) closers: Vec<&'static str>,
    /// Where each open look-around's `(?:` starts in `out`.
    pub(super) around_starts: Vec<usize>,
    /// Whether the last thing read can take a quantifier; .NET rejects `*a`, `(+)`, `a|?`.
    pub(super) unit: bool,
    /// Whether the pattern uses `\G`.
    pub(super) uses_g: bool,
    /// Spell `\G` as a never-matching assertion: used for the scan after an empty match,
    /// where .NET's `\G` (the end of the previous match) lies behind every position tried.
    pub(super) g_never: bool,
}

impl<'p> Translator<'p> {
    pub(super) fn new(src: &'p str, table: Option<&'p GroupTable>) -> Self {
        Translator {
            src,
            pos: 0,
            out: String::with_capacity(src.len() + 16),
            spans: Vec::new(),
            decls: Vec::new(),
            table,
            x_stack: vec![false],
            closers: Vec::new(),
            around_starts: Vec::new(),
            unit: false,
            uses_g: false,
            g_never: false,
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub(super) fn peek_at(&self, byte_off: usize) -> Option<char> {
        self.src.get(self.pos + byte_off..)?.chars().next()
    }

    pub(super) fn rest(&self) -> &'p str {
        &self.src[self.pos..]
    }

    pub(super) fn bump(&mut self) -> char {
        let c = self.peek().expect("bump at end of pattern");
        self.pos += c.len_utf8();
        c
    }

    pub(super) fn mark(&mut self, src_pos: usize) {
        self.spans.push((self.out.len(), src_pos));
    }

    pub(super) fn x_mode(&self) -> bool {
        *self.x_stack.last().unwrap_or(&false)
    }

    pub(super) fn run(&mut self) -> Result<(), PatternError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            self.mark(start);
            match c {
                '\\' => self.escape_outside()?,
                '(' => {
                    // A comment leaves what precedes it quantifiable.
                    if !self.rest().starts_with("(?#") {
                        self.unit = false;
                    }
                    self.open_group()?;
                    continue;
                }
                ')' => {
                    self.bump();
                    if self.x_stack.len() > 1 {
                        self.x_stack.pop();
                    }
                    let closer = self.closers.pop().unwrap_or(")");
                    if closer == "))" {
                        self.quantified_lookaround(start)?;
                    } else {
                        self.out.push_str(closer);
                    }
                }
                '[' => {
                    let class = self.class()?;
                    self.out.push_str(&class);
                }
                '$' => {
                    self.bump();
                    // .NET's `$` also matches before a final newline; under (?m) the extra
                    // branch is a subset of Rust's `$`, so the rewrite is flag-independent.
                    self.assertion(start, r"(?:$|(?=\n\z))")?;
                }
                '*' | '+' | '?' => {
                    self.bump();
                    self.quantifiable(start)?;
                    self.out.push(c);
                    self.after_quantifier(start)?;
                }
                '{' => {
                    if let Some(len) = quantifier_len(self.rest()) {
                        let text = &self.src[self.pos..self.pos + len];
                        self.pos += len;
                        self.quantifiable(start)?;
                        check_bounds(text, start, self.pos)?;
                        self.out.push_str(text);
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
                    continue;
                }
                c if c.is_whitespace() && self.x_mode() => {
                    self.bump();
                    continue;
                }
                '|' => {
                    self.bump();
                    self.out.push(c);
                    self.unit = false;
                    continue;
                }
                '^' => {
                    self.bump();
                    self.assertion(start, "^")?;
                }
                '.' => {
                    self.bump();
                    self.out.push(c);
                }
                _ => {
                    self.bump();
                    push_literal(&mut self.out, c);
                }
            }
            self.unit = true;
        }
        Ok(())
    }

    /// Emits a zero-width assertion; a quantifier after it gets the look-around treatment
    /// ([`Self::quantified_lookaround`]), which fancy-regex needs and .NET allows (`\b*`).
    pub(super) fn assertion(&mut self, start: usize, text: &str) -> Result<(), PatternError> {
        let quantified = match self.peek() {
            Some('*' | '+' | '?') => true,
            Some('{') => quantifier_len(self.rest()).is_some(),
            _ => false,
        };
        if !quantified {
            self.out.push_str(text);
            return Ok(());
        }
        self.around_starts.push(self.out.len());
        self.out.push_str("(?:(?:");
        self.out.push_str(text);
        self.quantified_lookaround(start)
    }

    /// Closes a look-around (opened as `(?:(?=`) and applies any quantifier after it the way
    /// .NET does, since fancy-regex refuses to repeat an assertion: repeating a zero-width test
    /// once or more is the test itself, and a minimum of zero makes it optional (`(?:(?=a)|)`,
    /// tried first when greedy, last when lazy, which decides whether its captures are set).
    fn quantified_lookaround(&mut self, start: usize) -> Result<(), PatternError> {
        let min = match self.peek() {
            Some('*' | '?') => {
                self.bump();
                Some(0)
            }
            Some('+') => {
                self.bump();
                Some(1)
            }
            Some('{') => match quantifier_len(self.rest()) {
                Some(len) => {
                    let text = &self.src[self.pos..self.pos + len];
                    self.pos += len;
                    check_bounds(text, start, self.pos)?;
                    let lo = text[1..text.len() - 1].split(',').next().unwrap_or("1");
                    Some(u64::from(lo.bytes().any(|b| b != b'0')))
                }
                None => None,
            },
            _ => None,
        };
        let lazy = min.is_some() && self.peek() == Some('?');
        if lazy {
            self.bump();
        }
        let open = self.around_starts.pop().unwrap_or(0);
        if min == Some(0) {
            // `(?:(?=body)` so far: make it `(?:(?=body)|)`, or `(?:|(?=body))` when lazy.
            if lazy {
                self.out.insert(open + 3, '|');
                self.out.push_str("))");
            } else {
                self.out.push_str(")|)");
            }
        } else {
            self.out.push_str("))");
        }
        self.unit = true;
        if min.is_some() && matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            let nested = self.peek() != Some('{') || quantifier_len(self.rest()).is_some();
            if nested {
                return Err(perr(
                    start,
                    self.pos + 1,
                    "nested quantifier: .NET rejects a quantifier applied to a quantifier",
                    Some("wrap the quantified part in a group, e.g. `(?:a+)+`"),
                ));
            }
        }
        Ok(())
    }

    /// .NET's "quantifier following nothing": at the start, after `(`, `|` or inline options.
    fn quantifiable(&self, start: usize) -> Result<(), PatternError> {
        if self.unit {
            return Ok(());
        }
        Err(perr(
            start,
            self.pos,
            "quantifier following nothing: there is nothing before it to repeat",
            Some("escape the character to match it literally, e.g. \\* or \\+"),
        ))
    }

    /// .NET has no possessive quantifiers: `a++` is a "nested quantifier" error there, while
    /// fancy-regex would accept it with a different meaning.
    pub(super) fn after_quantifier(&mut self, start: usize) -> Result<(), PatternError> {
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

    pub(super) fn open_group(&mut self) -> Result<(), PatternError> {
        let start = self.pos;
        self.bump();
        let outer_x = self.x_mode();
        if self.peek() != Some('?') {
            self.decls.push(GroupDecl::Unnamed);
            self.out.push('(');
            self.x_stack.push(outer_x);
            self.closers.push(")");
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
                let around = !matches!(lead, ":" | ">");
                if around {
                    self.around_starts.push(self.out.len());
                }
                self.out.push_str(if around { "(?:(?" } else { "(?" });
                self.out.push_str(lead);
                self.x_stack.push(outer_x);
                self.closers.push(if around { "))" } else { ")" });
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
            self.closers.push(")");
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
                        self.closers.push(")");
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
    pub(super) fn conditional(&mut self, start: usize) -> Result<(), PatternError> {
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
                self.closers.push(")");
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
        self.closers.push(")");
        Ok(())
    }

    /// Resolves a group reference (name or .NET number) to a fancy-regex group index; `Some(0)`
    /// during the first pass, when the table is not built yet.
    pub(super) fn resolve_ref(&self, name: &str) -> Option<usize> {
        let Some(table) = self.table else {
            return Some(0);
        };
        let num = lookup_group(&table.groups, &table.names, name)?;
        table.groups.get(num).and_then(|g| g.first().copied())
    }

    pub(super) fn reference(&mut self, start: usize, name: &str) -> Result<(), PatternError> {
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

    pub(super) fn map_pos(&self, out_pos: usize) -> usize {
        let i = self.spans.partition_point(|(o, _)| *o <= out_pos);
        if i == 0 { 0 } else { self.spans[i - 1].1 }
    }
}

pub(super) fn is_single_char(piece: &str) -> bool {
    piece.starts_with("\\x{")
        || piece.chars().count() == 1
        || matches!(piece, r"\t" | r"\n" | r"\r" | r"\f" | r"\v" | r"\a")
}

pub(super) fn octal_error(start: usize, end: usize) -> PatternError {
    perr(
        start,
        end,
        "octal escapes (and \\0) are not supported",
        Some("use \\xHH or \\uHHHH instead"),
    )
}

/// .NET's "illegal {x,y} with x > y", and its limit on the numbers in a quantifier.
fn check_bounds(text: &str, start: usize, end: usize) -> Result<(), PatternError> {
    let inner = &text[1..text.len() - 1];
    let (lo, hi) = match inner.split_once(',') {
        Some((lo, hi)) => (lo, (!hi.is_empty()).then_some(hi)),
        None => (inner, None),
    };
    let number = |s: &str| s.parse::<u64>().ok().filter(|n| *n <= i32::MAX as u64);
    let too_big = || {
        perr(
            start,
            end,
            "quantifier numbers must be at most 2147483647",
            None,
        )
    };
    let lo = number(lo).ok_or_else(too_big)?;
    if let Some(hi) = hi {
        let hi = number(hi).ok_or_else(too_big)?;
        if lo > hi {
            return Err(perr(
                start,
                end,
                format!("illegal {{x,y}} with x > y: {{{lo},{hi}}} can never match"),
                Some("put the smaller number first"),
            ));
        }
    }
    Ok(())
}

/// Length of a .NET quantifier `{n}`, `{n,}` or `{n,m}` at the start of `s`.
pub(super) fn quantifier_len(s: &str) -> Option<usize> {
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
pub(super) fn push_escaped(out: &mut String, c: char) {
    if c.is_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:x}}}", c as u32));
    }
}

pub(super) fn push_literal(out: &mut String, c: char) {
    if c.is_whitespace() || c == '#' {
        push_escaped(out, c);
    } else if c.is_ascii_punctuation() && "\\.+*?()|[]{}^$".contains(c) {
        out.push('\\');
        out.push(c);
    } else {
        out.push(c);
    }
}
