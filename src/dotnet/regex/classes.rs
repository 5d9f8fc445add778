//! Escapes and character classes of a .NET pattern, outside and inside `[...]`: `\w`, `\d`,
//! `\p{..}`, class subtraction, and the escapes both contexts share, each spelled for
//! fancy-regex (the rest of the translator is in `translate.rs`).

use super::translate::{is_single_char, octal_error, push_escaped};
use super::*;

impl<'p> Translator<'p> {
    pub(super) fn escape_outside(&mut self) -> Result<(), PatternError> {
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
            'G' => {
                self.bump();
                self.uses_g = true;
                self.assertion(start, if self.g_never { "(?!)" } else { r"\G" })
            }
            'A' | 'z' | 'Z' | 'b' | 'B' => {
                self.bump();
                self.assertion(start, &format!("\\{c}"))
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
    pub(super) fn char_escape(
        &mut self,
        start: usize,
        in_class: bool,
    ) -> Result<String, PatternError> {
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
    pub(super) fn class(&mut self) -> Result<String, PatternError> {
        let start = self.pos;
        self.bump();
        let mut items = String::new();
        let negated = self.peek() == Some('^');
        if negated {
            self.bump();
        }
        let mut first = true;
        let mut count = 0usize;
        // Whether the previous item can start a range (a single character), and where it
        // starts in `items`.
        let mut prev_char = false;
        let mut lo_at = 0;
        loop {
            let item_at = items.len();
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
                '-' if prev_char && self.src[self.pos..].starts_with("-\\-") => {
                    // .NET adds an escaped `-` on the spot and keeps the range open, so
                    // `[a-\-z]` is `-` and `a-z`, and `[_-\-]` only `-` (the `_` is lost).
                    self.pos += 3;
                    let lo = items[lo_at..].to_owned();
                    items.truncate(lo_at);
                    items.push_str(r"\x{2d}");
                    match self.peek() {
                        Some(']') | None => {}
                        Some(c) if c != '\\' && c != '[' => {
                            self.bump();
                            items.push_str(&lo);
                            items.push('-');
                            push_escaped(&mut items, c);
                        }
                        Some(_) => {
                            return Err(perr(
                                item_start,
                                self.pos + 1,
                                "a range that continues after an escaped `-` is not supported here",
                                Some("write the `-` first in the class, e.g. [-a-z]"),
                            ));
                        }
                    }
                    prev_char = false;
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
                    // After a class escape such as `\w`, .NET reads a `-` as a literal (the
                    // widely copied `[\w-\.]`), so it cannot start a range.
                    // .NET's class scanner adds an escaped `-` on the spot, so `\-` never starts
                    // a range either (`[\--\d]` is `-`, `-` and digits).
                    prev_char =
                        is_single_char(&piece) && !self.src[item_start..].starts_with("\\-");
                    items.push_str(&piece);
                }
                _ => {
                    self.bump();
                    push_escaped(&mut items, c);
                    prev_char = true;
                }
            }
            if prev_char {
                lo_at = item_at;
            }
            first = false;
            count += 1;
        }
        let neg = if negated { "^" } else { "" };
        Ok(format!("[{neg}{items}]"))
    }
}
