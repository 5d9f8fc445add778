//! .NET substitution strings (`$1`, `${name}`, `$$`, `$&`, ...) parsed once and expanded per match.

use super::*;

/// One piece of a parsed substitution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Token {
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

/// The one error .NET's substitution parser throws: a group number after `$` above
/// `Int32.MaxValue`, with or without braces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("capture group numbers must be less than or equal to Int32.MaxValue")]
pub(super) struct GroupNumberOverflow;

/// A .NET substitution string, tokenized once against a compiled regex: `$1`, `$12` (all
/// digits, and only if that group exists: otherwise the text stays literal, as .NET does),
/// `${name}`, `${1}`, `$$`, `$&`, `` $` ``, `$'`, `$+`, `$_`; `$name` without braces and
/// unknown groups stay literal text exactly as .NET does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub(super) literals: String,
    pub(super) tokens: Vec<Token>,
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

    pub(super) fn parse_inner(
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
                .map_err(|e| perr(at, text.len(), e.to_string(), None))?;
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
    pub(super) fn dollar(
        rest: &str,
        regex: &DotNetRegex,
        exists: &dyn Fn(u64) -> bool,
        strict: bool,
    ) -> Result<(Option<Token>, usize), GroupNumberOverflow> {
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
                    return Err(GroupNumberOverflow);
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

    pub(super) fn push_literal(&mut self, s: &str) {
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

    pub(super) fn expand(
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
