//! Bounded diagnostics: any miette diagnostic shown with a window of its source around each
//! label instead of whole lines.
//!
//! miette prints every line a label touches in full and pads with the label's column; a
//! minified JSON file is one line, so an error at column 70,000 of it printed the whole file
//! and then panicked ("Formatting argument out of range": format widths stop at 65,535).
//! [`Windowed`] gives miette a small copy of the lines it will show, each clipped to
//! [`WINDOW`] characters either side of the label with `…` markers, and keeps the header's
//! line and column those of the real file.

use std::fmt;

use miette::{Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SpanContents};

/// Characters kept on each side of a label's start on a clipped line.
pub const WINDOW: usize = 80;

/// Lines up to this many characters are shown whole.
const SHORT_LINE: usize = 2 * WINDOW + 40;

/// Labels further apart than this many lines are not shown together: only the first label's
/// lines are kept.
const MAX_VIEW_LINES: usize = 40;

/// Message and help lines longer than this many characters are clipped (a 10 MB key named in
/// a message must not flood the terminal either).
pub const MAX_TEXT_LINE: usize = 400;

/// The marker that stands for clipped text.
const MARK: &str = "…";

/// A diagnostic whose source lines are clipped to a window around its labels.
pub struct Windowed<D> {
    inner: D,
    view: Option<View>,
    labels: Vec<LabeledSpan>,
    message: String,
    help: Option<String>,
}

/// The lines miette shows, clipped, with what is needed to report true lines and columns.
struct View {
    name: Option<String>,
    text: String,
    /// 0-based line number in the real source of the view's first line.
    first_line: usize,
    /// Per view line: bytes of the real line left out before the kept part, and the bytes of
    /// the marker standing for them.
    lines: Vec<(usize, usize)>,
}

/// One real line as kept in the view.
struct KeptLine {
    /// Byte offset of the real line's start in the source.
    start: usize,
    /// Byte range of the real line kept (relative to the line start).
    kept: (usize, usize),
    /// Real line length in bytes (without its line break).
    len: usize,
    /// Byte offset of the kept text's first byte in the view.
    view_start: usize,
}

impl<D: Diagnostic> Windowed<D> {
    /// Wrap `inner`, reading its source once to build the clipped view.
    pub fn new(inner: D) -> Windowed<D> {
        let message = clip_lines(&inner.to_string(), MAX_TEXT_LINE);
        let help = inner
            .help()
            .map(|h| clip_lines(&h.to_string(), MAX_TEXT_LINE));
        let labels: Vec<LabeledSpan> = inner.labels().map(|l| l.collect()).unwrap_or_default();
        let built = match inner.source_code() {
            Some(source) if !labels.is_empty() => build_view(source, &labels),
            _ => None,
        };
        let (view, labels) = match built {
            Some((view, labels)) => (Some(view), labels),
            None => (None, labels),
        };
        Windowed {
            inner,
            view,
            labels,
            message,
            help,
        }
    }
}

/// Clip every line of `text` longer than `max` characters, marking the cut.
pub fn clip_lines(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len().min(64 * max));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.char_indices().nth(max) {
            Some((cut, _)) => {
                out.push_str(&line[..cut]);
                out.push_str(MARK);
                out.push_str(&format!(" ({} more bytes)", line.len() - cut));
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Split `data` into lines as miette counts them (`\n`, `\r\n` or a lone `\r` end a line):
/// (start, end) byte ranges without the break.
fn line_ranges(data: &[u8]) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\n' => {
                lines.push((start, i));
                start = i + 1;
            }
            b'\r' => {
                lines.push((start, i));
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push((start, data.len()));
    lines
}

/// The byte range of `line` to keep so that `at` (a byte offset in it) has [`WINDOW`]
/// characters on each side, on character boundaries; the whole line when it is short.
fn keep_range(line: &str, at: usize) -> (usize, usize) {
    if line.chars().count() <= SHORT_LINE {
        return (0, line.len());
    }
    let mut at = at.min(line.len());
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    let from = line[..at]
        .char_indices()
        .rev()
        .nth(WINDOW - 1)
        .map_or(0, |(b, _)| b);
    let to = line[at..]
        .char_indices()
        .nth(WINDOW)
        .map_or(line.len(), |(b, _)| at + b);
    (from, to)
}

fn build_view(source: &dyn SourceCode, labels: &[LabeledSpan]) -> Option<(View, Vec<LabeledSpan>)> {
    let mut sorted: Vec<&LabeledSpan> = labels.iter().collect();
    sorted.sort_by_key(|l| l.offset());
    let first = sorted[0];
    let end = sorted.iter().map(|l| l.offset() + l.len()).max()?;
    let mut covering = (first.offset(), end.saturating_sub(first.offset()));
    let mut contents = source.read_span(&covering.into(), 1, 1).ok()?;
    if bytecount_lines(contents.data()) > MAX_VIEW_LINES {
        // Labels far apart: show the first one only.
        covering = (first.offset(), first.len().min(1));
        contents = source.read_span(&covering.into(), 1, 1).ok()?;
    }
    let data = contents.data();
    let base = contents.span().offset();
    let name = contents.name().map(str::to_string);
    let first_line = contents.line();
    // The column each line's window centres on: the first label starting on it, else the
    // first label's column.
    let line_of = |offset: usize, ranges: &[(usize, usize)]| {
        let rel = offset.saturating_sub(base);
        ranges
            .partition_point(|&(_, e)| e < rel)
            .min(ranges.len() - 1)
    };
    let ranges = line_ranges(data);
    let first_rel = first.offset().saturating_sub(base);
    let first_col = first_rel.saturating_sub(ranges[line_of(first.offset(), &ranges)].0);
    let mut text = String::new();
    let mut kept = Vec::with_capacity(ranges.len());
    let mut view_lines = Vec::with_capacity(ranges.len());
    for (i, &(s, e)) in ranges.iter().enumerate() {
        let line = String::from_utf8_lossy(&data[s..e]);
        let line: &str = &line;
        let centre = sorted
            .iter()
            .find(|l| line_of(l.offset(), &ranges) == i && l.offset() >= base + s)
            .map_or(first_col, |l| l.offset() - base - s);
        let (from, to) = keep_range(line, centre);
        if i > 0 {
            text.push('\n');
        }
        let marker = if from > 0 { MARK.len() } else { 0 };
        if from > 0 {
            text.push_str(MARK);
        }
        let view_start = text.len();
        // Same-length stand-ins keep the offsets; raw control bytes (an escape sequence)
        // must not reach a terminal.
        for c in line[from..to].chars() {
            if c.is_control() && c != '\t' {
                text.extend(std::iter::repeat_n('?', c.len_utf8()));
            } else {
                text.push(c);
            }
        }
        if to < line.len() {
            text.push_str(MARK);
        }
        view_lines.push((from, marker));
        kept.push(KeptLine {
            start: base + s,
            kept: (from, to),
            len: line.len(),
            view_start,
        });
    }
    let map = |offset: usize| -> usize {
        let i = line_of(offset, &ranges);
        let k = &kept[i];
        let rel = offset.saturating_sub(k.start).min(k.len);
        let rel = rel.clamp(k.kept.0, k.kept.1);
        k.view_start + (rel - k.kept.0)
    };
    let low = base;
    let high = base + data.len();
    let mapped = labels
        .iter()
        .filter(|l| l.offset() >= low && l.offset() <= high)
        .map(|l| {
            let start = map(l.offset());
            let end = map(l.offset() + l.len()).max(start);
            let label = l.label().map(str::to_string);
            if l.primary() {
                LabeledSpan::new_primary_with_span(label, (start, end - start))
            } else {
                LabeledSpan::new(label, start, end - start)
            }
        })
        .collect();
    Some((
        View {
            name,
            text,
            first_line,
            lines: view_lines,
        },
        mapped,
    ))
}

fn bytecount_lines(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n').count() + 1
}

impl SourceCode for View {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let c = self
            .text
            .as_str()
            .read_span(span, context_lines_before, context_lines_after)?;
        // The column miette reports is that of the span's start, in bytes from its line's
        // start: give back the bytes the view left out of that line.
        let start_line = self.text[..span.offset().min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count();
        let (removed, marker) = self.lines.get(start_line).copied().unwrap_or((0, 0));
        let column = if c.column() >= marker {
            c.column() - marker + removed
        } else {
            c.column() + removed
        };
        let line = c.line() + self.first_line;
        Ok(Box::new(match &self.name {
            Some(name) => MietteSpanContents::new_named(
                name.clone(),
                c.data(),
                *c.span(),
                line,
                column,
                c.line_count(),
            ),
            None => MietteSpanContents::new(c.data(), *c.span(), line, column, c.line_count()),
        }))
    }
}

impl<D> fmt::Debug for Windowed<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<D> fmt::Display for Windowed<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<D: Diagnostic> std::error::Error for Windowed<D> {}

impl<D: Diagnostic> Diagnostic for Windowed<D> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match &self.view {
            Some(view) => Some(view),
            None => self.inner.source_code(),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Render `diagnostic` as entramap prints it (miette's graphical report, windowed): what
/// `entramap` writes on standard error for a located error.
pub fn render(diagnostic: impl Diagnostic + Send + Sync + 'static) -> String {
    format!("{:?}", miette::Report::new(Windowed::new(diagnostic)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FileError;

    #[test]
    fn a_short_line_renders_as_miette_renders_it() {
        let text = "users:\n  - objectId: 1\n    mail: [\n";
        let plain = format!(
            "{:?}",
            miette::Report::new(FileError::new("d.yaml", text, "bad", Some((20, 21))))
        );
        let windowed = render(FileError::new("d.yaml", text, "bad", Some((20, 21))));
        assert_eq!(plain, windowed);
    }

    #[test]
    fn an_error_at_column_70000_shows_a_window_with_the_true_column() {
        let text = format!("{{\"a\":\"{}\",}}", "x".repeat(70_000));
        let at = text.len() - 1;
        let out = render(FileError::new(
            "long.json",
            &text,
            "trailing comma",
            Some((at, at + 1)),
        ));
        assert!(out.len() < 2_000, "{} bytes", out.len());
        assert!(out.contains(&format!("[long.json:1:{}]", at + 1)), "{out}");
        assert!(out.contains("…"), "{out}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text (long lines, multi-byte and combining characters, empty lines) with a
        /// label anywhere on a character boundary renders without a panic, names the label's
        /// line, and stays small whatever the line length.
        #[test]
        fn any_label_on_any_line_renders_bounded_and_located(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::prop_oneof![
                        proptest::strategy::Just('x'),
                        proptest::strategy::Just('é'),
                        proptest::strategy::Just('\u{301}'),
                        proptest::strategy::Just('語'),
                        proptest::strategy::Just('😀'),
                        proptest::strategy::Just(' '),
                        proptest::strategy::Just('\t'),
                    ],
                    0..3_000,
                ),
                1..6,
            ),
            at in 0.0f64..1.0,
            len in 0usize..40,
        ) {
            let lines: Vec<String> = lines.into_iter().map(|l| l.into_iter().collect()).collect();
            let text = lines.join("\n");
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let start = boundaries[((boundaries.len() - 1) as f64 * at) as usize];
            let end = boundaries
                .iter()
                .copied()
                .find(|&b| b >= start + len)
                .unwrap_or(text.len());
            let out = render(FileError::new("p.json", &text, "bad", Some((start, end))));
            let line = text[..start].matches('\n').count() + 1;
            proptest::prop_assert!(
                out.contains(&format!("[p.json:{line}:")),
                "line {line} not named: {out}"
            );
            // A window per shown line, a few lines of context, the message and the header.
            proptest::prop_assert!(out.chars().count() < 6 * (2 * WINDOW + 100) + 400, "{} chars", out.chars().count());
        }
    }
}
