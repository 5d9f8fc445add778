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

mod classes;
mod replacement;
#[cfg(test)]
mod tests;
mod translate;

pub use replacement::Replacement;

use translate::{GroupTable, Translator, lookup_group};

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
    /// For a pattern with `\G`: the same pattern with `\G` never matching, for the scan that
    /// follows an empty match (.NET's `\G` is the end of the previous match, which that scan
    /// has already moved past; fancy-regex's `\G` is wherever a scan starts).
    after_empty: Option<Regex>,
}

/// Why a pattern cannot be honoured: byte range within the pattern text, a message, and an
/// optional help (how to rewrite it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at {start}..{end})")]
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
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MatchError {
    /// What went wrong.
    pub message: String,
}

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
        let after_empty = if second.uses_g {
            let mut third = Translator::new(pattern, Some(&table));
            third.g_never = true;
            third.run()?;
            RegexBuilder::new(&third.out)
                .backtrack_limit(BACKTRACK_LIMIT)
                .build()
                .ok()
        } else {
            None
        };
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
            after_empty,
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
        let mut after_empty = false;
        while pos <= input.len() {
            let re = match (&self.after_empty, after_empty) {
                (Some(re), true) => re,
                _ => &self.re,
            };
            let Some(caps) = re.captures_from_pos(input, pos).map_err(match_error)? else {
                break;
            };
            let m = caps.get(0).map_or(pos..pos, |m| m.range());
            f(&caps);
            after_empty = m.is_empty();
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
