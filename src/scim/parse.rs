//! One recursive-descent parser for paths and filters: a path may hold a filter in brackets and
//! a filter compares paths, so both grammars live together.

use serde_json::Value as Json;

use super::error::ParseError;
use super::filter::Filter;
use super::path::Path;

/// Operators RFC 7644 §3.4.2.2 defines that Entra never sends; named so the error says
/// "not supported" rather than "expected `eq`".
const OTHER_OPERATORS: [&str; 9] = ["ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr"];

pub(super) struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(src: &'a str) -> Cursor<'a> {
        Cursor { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            offset: self.pos,
        }
    }

    /// Describes what is at the cursor, for "expected X, found Y" messages.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end".to_owned(),
            Some(_) => {
                let word: String = self.rest().chars().take(12).collect();
                format!("`{word}`")
            }
        }
    }

    /// Skips spaces; returns whether there were any (RFC 7644 separates tokens by SP).
    pub(super) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
        self.pos > start
    }

    pub(super) fn end(&mut self, what: &str) -> Result<(), ParseError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.err(format!("expected {what}, found {}", self.found()))),
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; `$ref`
    /// is the one name starting with `$`.
    fn attr_name(&mut self) -> Result<String, ParseError> {
        let rest = self.rest();
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if c.is_ascii_alphabetic() || c == '$' => {}
            _ => {
                return Err(self.err(format!(
                    "expected an attribute name, found {}",
                    self.found()
                )));
            }
        }
        let len = chars
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map_or(rest.len(), |(i, _)| i);
        self.pos += len;
        Ok(rest[..len].to_owned())
    }

    /// A path; `nested` is true inside a value filter, where another value filter is not allowed
    /// (RFC 7644 §3.4.2.2 valFilter holds attribute expressions only).
    pub(super) fn path(&mut self, nested: bool) -> Result<Path, ParseError> {
        let urn = if self
            .rest()
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        {
            // The URN itself contains `:` and `.` (`...:2.0:User`), so it ends at the last `:`
            // of the token, before any bracket: the attribute name follows that colon.
            let rest = self.rest();
            let token_end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | '"'))
                .unwrap_or(rest.len());
            match rest[..token_end].rfind(':') {
                Some(i) if i > 3 => {
                    let urn = rest[..i].to_owned();
                    self.pos += i + 1;
                    Some(urn)
                }
                _ => {
                    return Err(
                        self.err("a URN-qualified attribute is written `urn:<schema>:<attribute>`")
                    );
                }
            }
        } else {
            None
        };
        let attr = self.attr_name()?;
        let filter = if self.peek() == Some('[') {
            if nested {
                return Err(self.err("a value filter cannot hold another value filter"));
            }
            self.pos += 1;
            self.skip_ws();
            let f = self.filter(true)?;
            self.skip_ws();
            if !self.eat(']') {
                return Err(self.err(format!("expected `]` or `and`, found {}", self.found())));
            }
            Some(Box::new(f))
        } else {
            None
        };
        let sub = if self.eat('.') {
            Some(self.attr_name()?)
        } else {
            None
        };
        Ok(Path {
            urn,
            attr,
            filter,
            sub,
        })
    }

    /// `term *("and" term)`; `and` binds all terms into one flat list.
    pub(super) fn filter(&mut self, nested: bool) -> Result<Filter, ParseError> {
        let mut terms = Vec::new();
        push_flat(&mut terms, self.term(nested)?);
        loop {
            let save = self.pos;
            let spaced = self.skip_ws();
            let word = self.word();
            if spaced && word.eq_ignore_ascii_case("and") {
                self.pos += word.len();
                if !self.skip_ws() && self.peek() != Some('(') {
                    return Err(self.err(match self.peek() {
                        None => "expected an attribute path after `and`",
                        Some(_) => "expected a space after `and`",
                    }));
                }
                push_flat(&mut terms, self.term(nested)?);
            } else if spaced && word.eq_ignore_ascii_case("or") {
                return Err(self.err("`or` is not supported: Entra sends only `eq` and `and`"));
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if terms.len() == 1 {
            terms.pop().expect("one term")
        } else {
            Filter::And(terms)
        })
    }

    /// The run of ASCII letters at the cursor (an operator or keyword), not consumed.
    fn word(&self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        &rest[..len]
    }

    fn term(&mut self, nested: bool) -> Result<Filter, ParseError> {
        if self.eat('(') {
            self.skip_ws();
            let f = self.filter(nested)?;
            self.skip_ws();
            if !self.eat(')') {
                return Err(self.err(format!("expected `)`, found {}", self.found())));
            }
            return Ok(f);
        }
        let word = self.word();
        if word.eq_ignore_ascii_case("not") && self.rest()[word.len()..].starts_with([' ', '(']) {
            return Err(self.err("`not` is not supported: Entra sends only `eq` and `and`"));
        }
        let path = self.path(nested)?;
        if !self.skip_ws() {
            return Err(self.err(format!(
                "expected a space and `eq` after the attribute path, found {}",
                self.found()
            )));
        }
        let op = self.word();
        if op.eq_ignore_ascii_case("eq") {
            self.pos += op.len();
        } else if OTHER_OPERATORS.iter().any(|o| o.eq_ignore_ascii_case(op)) {
            return Err(self.err(format!(
                "operator `{op}` is not supported: Entra sends only `eq` and `and`"
            )));
        } else {
            return Err(self.err(format!("expected `eq`, found {}", self.found())));
        }
        if !self.skip_ws() {
            return Err(self.err("expected a space after `eq`"));
        }
        let value = self.comp_value()?;
        Ok(Filter::Eq(path, value))
    }

    /// RFC 7644 §3.4.2.2 compValue: `false` / `null` / `true` / number / string, where a string
    /// follows JSON's rules (so `\"` is a quote and `\u00e9` is é).
    fn comp_value(&mut self) -> Result<Json, ParseError> {
        let rest = self.rest();
        if rest.starts_with('"') {
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => {
                        let text = &rest[..=i];
                        return match serde_json::from_str::<String>(text) {
                            Ok(s) => {
                                self.pos += i + 1;
                                Ok(Json::String(s))
                            }
                            Err(e) => Err(self.err(format!("invalid string {text}: {e}"))),
                        };
                    }
                    _ => i += 1,
                }
            }
            return Err(self.err("unterminated string: no closing `\"`"));
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']'))
            .unwrap_or(rest.len());
        let token = &rest[..len];
        let value = match token {
            "" => return Err(self.err("expected a value after `eq`")),
            t if t.eq_ignore_ascii_case("true") => Json::Bool(true),
            t if t.eq_ignore_ascii_case("false") => Json::Bool(false),
            t if t.eq_ignore_ascii_case("null") => Json::Null,
            t => match serde_json::from_str::<serde_json::Number>(t) {
                Ok(n) => Json::Number(n),
                Err(_) => {
                    return Err(self.err(format!(
                        "unquoted value `{t}`: strings must be in double quotes"
                    )));
                }
            },
        };
        self.pos += len;
        Ok(value)
    }
}

fn push_flat(terms: &mut Vec<Filter>, f: Filter) {
    match f {
        Filter::And(inner) => terms.extend(inner),
        other => terms.push(other),
    }
}
