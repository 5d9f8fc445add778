//! Placing findings in the file: YAML scalars by their recorded spans, places inside an
//! expression by the expression's offset in the file, and Graph JSON (which keeps no spans)
//! through the span index of its values ([`JsonSpans`]), by the row's `targetAttributeName`.

use std::collections::HashMap;

use serde_saphyr::Spanned;

use super::Position;
use crate::expr::Span;
use crate::input::json::JsonSpans;
use crate::load::{self, Format, Loaded};

/// Byte ranges in one file, and their line/column positions.
pub(crate) struct Locator<'a> {
    text: &'a str,
    yaml: bool,
    /// Byte offset of each line's first character.
    line_starts: Vec<usize>,
    /// (byte offset, characters before it) every [`MARK_EVERY`] bytes: a column is a count of
    /// characters, and counting from the line's start made every finding on a minified
    /// (one-line) Graph schema cost the length of the file before it.
    char_marks: Vec<(usize, usize)>,
    /// Graph JSON only: every `"targetAttributeName": "<name>"` value's range, by name, in
    /// file order.
    json_targets: HashMap<String, Vec<(usize, usize)>>,
    /// Graph JSON only: how many rows with each target name have been placed so far.
    json_seen: HashMap<String, usize>,
}

impl<'a> Locator<'a> {
    pub fn new(loaded: &'a Loaded) -> Locator<'a> {
        let text = loaded.text.as_str();
        let yaml = loaded.format == Format::Yaml;
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Locator {
            text,
            yaml,
            line_starts,
            char_marks: char_marks(text),
            json_targets: if yaml {
                HashMap::new()
            } else {
                json_target_names(text)
            },
            json_seen: HashMap::new(),
        }
    }

    /// Where a YAML scalar's text is (quotes included, trailing line breaks of block scalars
    /// left out). `None` for Graph JSON, whose values carry no spans.
    pub fn scalar(&self, scalar: &Spanned<String>) -> Option<(usize, usize)> {
        if !self.yaml {
            return None;
        }
        let span = scalar.referenced.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = span
            .byte_len()
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(scalar.value.len());
        let end = (start + len).min(self.text.len());
        if start > end || !self.text.is_char_boundary(start) || !self.text.is_char_boundary(end) {
            return None;
        }
        let trimmed = self.text[start..end].trim_end().len();
        Some((start, start + trimmed.max(1).min(end - start)))
    }

    /// Where a mapping row's target is: its YAML scalar, or for Graph JSON the next
    /// `targetAttributeName` holding that name (rows are visited in file order, users before
    /// groups, so the n-th row with a name is the n-th occurrence). Call once per row.
    pub fn target(&mut self, target: &Spanned<String>) -> Option<(usize, usize)> {
        if self.yaml {
            return self.scalar(target);
        }
        let seen = self.json_seen.entry(target.value.clone()).or_default();
        let found = self.json_targets.get(&target.value)?.get(*seen).copied();
        *seen += 1;
        found
    }

    /// Where `span` of an expression taken from `scalar` is in the file, when it can be placed
    /// exactly: the scalar's text is the expression byte for byte, or the spanned piece of the
    /// expression occurs exactly once in the scalar's text (block scalars, escapes elsewhere).
    pub fn in_expression(&self, scalar: &Spanned<String>, span: Span) -> Option<(usize, usize)> {
        if !self.yaml {
            return load::json_expression_span(self.text, &scalar.value, span.start, span.end);
        }
        if let Some(offset) = load::embedded_offset(self.text, scalar) {
            let shifted = span.shifted(offset);
            return Some((shifted.start, shifted.end.min(self.text.len())));
        }
        let (start, end) = self.scalar(scalar)?;
        let piece = scalar.value.get(span.start..span.end)?;
        if piece.is_empty() {
            return None;
        }
        let region = &self.text[start..end];
        let mut hits = region.match_indices(piece);
        match (hits.next(), hits.next()) {
            (Some((at, _)), None) => Some((start + at, start + at + piece.len())),
            _ => None,
        }
    }

    /// Where a top-level key (`users:`) of the YAML file is.
    pub fn top_level_key(&self, key: &str) -> Option<(usize, usize)> {
        if !self.yaml {
            return None;
        }
        self.line_starts.iter().copied().find_map(|start| {
            let line = &self.text[start..];
            let rest = line.strip_prefix(key)?;
            rest.starts_with(':').then_some((start, start + key.len()))
        })
    }

    /// Where the key `key:` of the same YAML mapping as the scalar at `anchor` is (a sibling
    /// of `target:` in a row, of `attribute:` in a scoping clause), for values that keep no
    /// span of their own. Block-style mappings only: siblings are the lines indented exactly
    /// like the anchor's key, from the line with the item's `- ` to the first line indented
    /// less.
    pub fn sibling_key(&self, anchor: (usize, usize), key: &str) -> Option<(usize, usize)> {
        if !self.yaml {
            return None;
        }
        let line = self.line_starts.partition_point(|&s| s <= anchor.0) - 1;
        let line_start = self.line_starts[line];
        let anchor_line = &self.text[line_start..];
        // The anchor's key starts the line's content: `- target: x` or `  target: x`.
        let column = anchor_line
            .find(|c: char| c != ' ' && c != '-')
            .filter(|&c| c <= anchor.0 - line_start)?;
        let key_at = |i: usize| -> Option<(usize, usize)> {
            let start = self.line_starts[i];
            let text = self.line_text(i);
            let rest = text.get(column..)?;
            let indent = text.len() - text.trim_start_matches([' ', '-']).len();
            (indent == column && rest.strip_prefix(key)?.starts_with(':'))
                .then_some((start + column, start + column + key.len()))
        };
        let indent = |text: &str| text.len() - text.trim_start_matches(' ').len();
        let opens_item = |text: &str| {
            text.trim_start().starts_with('-')
                && text.len() - text.trim_start_matches([' ', '-']).len() == column
        };
        let skip = |text: &str| text.trim().is_empty() || text.trim_start().starts_with('#');
        // Backwards to the line that opens the item (`- `), unless the anchor's line does.
        if !opens_item(self.line_text(line)) {
            for i in (0..line).rev() {
                let text = self.line_text(i);
                if skip(text) {
                    continue;
                }
                if let Some(found) = key_at(i) {
                    return Some(found);
                }
                if opens_item(text) || indent(text) < column {
                    break;
                }
            }
        }
        // Forwards while the lines belong to the item.
        for i in line + 1..self.line_starts.len() {
            let text = self.line_text(i);
            if skip(text) {
                continue;
            }
            if opens_item(text) || indent(text) < column {
                break;
            }
            if let Some(found) = key_at(i) {
                return Some(found);
            }
        }
        None
    }

    /// Where the plain or quoted scalar value of the key at `key` (from
    /// [`Locator::sibling_key`]) is, and whether its text is `value` byte for byte there (so
    /// that offsets inside `value` can be added to its start).
    pub fn key_value(&self, key: (usize, usize), value: &str) -> Option<((usize, usize), bool)> {
        let rest = self.text.get(key.1..)?.strip_prefix(':')?;
        let line = rest.split('\n').next().unwrap_or("");
        let body = line.trim_start();
        let start = key.1 + 1 + (line.len() - body.len());
        let body = body.trim_end();
        if body.is_empty() {
            return None;
        }
        let end = start + body.len();
        if body.starts_with(value) {
            return Some(((start, start + value.len()), true));
        }
        let quoted = body
            .strip_prefix(['"', '\''])
            .is_some_and(|b| b.starts_with(value));
        if quoted {
            return Some(((start + 1, start + 1 + value.len()), true));
        }
        Some(((start, end), false))
    }

    fn line_text(&self, i: usize) -> &str {
        let start = self.line_starts[i];
        let end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].trim_end_matches('\r')
    }

    /// Line and column of a byte range.
    pub fn position(&self, (start, end): (usize, usize)) -> Position {
        let start = self.floor(start);
        let end = self.floor(end.max(start));
        let (line, column) = self.line_column(start);
        let (end_line, end_column) = self.line_column(end);
        Position {
            start,
            end,
            line,
            column,
            end_line,
            end_column,
        }
    }

    fn floor(&self, mut offset: usize) -> usize {
        offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        (
            line,
            self.chars_before(offset) - self.chars_before(start) + 1,
        )
    }

    /// How many characters precede byte `offset` (a character boundary) in the text.
    fn chars_before(&self, offset: usize) -> usize {
        let i = self.char_marks.partition_point(|&(b, _)| b <= offset) - 1;
        let (at, chars) = self.char_marks[i];
        chars + self.text[at..offset].chars().count()
    }
}

/// Bytes between the marks of [`Locator::chars_before`].
const MARK_EVERY: usize = 4096;

fn char_marks(text: &str) -> Vec<(usize, usize)> {
    let mut marks = vec![(0, 0)];
    let (mut at, mut chars) = (0, 0);
    while at + MARK_EVERY < text.len() {
        let mut next = at + MARK_EVERY;
        while !text.is_char_boundary(next) {
            next -= 1;
        }
        chars += text[at..next].chars().count();
        marks.push((next, chars));
        at = next;
    }
    marks
}

/// Every `targetAttributeName` member holding a string in a JSON text: the decoded name and
/// the range of its string literal, found through the span index every JSON locator shares.
fn json_target_names(text: &str) -> HashMap<String, Vec<(usize, usize)>> {
    let mut out: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    for (name, range) in JsonSpans::new(text).string_members("targetAttributeName") {
        out.entry(name).or_default().push(range);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_across_marks() {
        let line = "é".repeat(3 * MARK_EVERY) + "x";
        let text = format!("ab\n{line}\nz");
        let loaded = load::Loaded {
            name: "t".into(),
            text: text.clone(),
            format: Format::GraphJson,
            file: load::parse(
                "m.yaml",
                "app: T\nusers:\n  mappings:\n    - target: userName\n      source: mail\n",
            )
            .expect("mapping")
            .file,
        };
        let locator = Locator::new(&loaded);
        let x = text.find('x').expect("x");
        assert_eq!(locator.line_column(x), (2, 3 * MARK_EVERY + 1));
        let z = text.find('z').expect("z");
        assert_eq!(locator.line_column(z), (3, 1));
        assert_eq!(locator.line_column(1), (1, 2));
    }

    #[test]
    fn json_targets_are_found_with_escapes_decoded() {
        let text = r#"{"a": [{"targetAttributeName" : "emails[type eq \"work\"].value"}, {"targetAttributeName":"x"}]}"#;
        let names = json_target_names(text);
        let (s, e) = names["emails[type eq \"work\"].value"][0];
        assert_eq!(&text[s..e], r#""emails[type eq \"work\"].value""#);
        assert_eq!(names["x"].len(), 1);
    }
}
