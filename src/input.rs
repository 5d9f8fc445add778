//! Reading user files (JSON or YAML, told apart by content) into JSON values, with located
//! diagnostics instead of panics or partial results.

use std::fmt;

/// Files larger than this are refused before parsing: source objects and mapping tables are
/// small, and a multi-gigabyte file is a mistake.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A problem with an input file, pointing into it.
#[derive(Debug)]
pub struct FileError(Box<FileErrorInner>);

#[derive(Debug)]
struct FileErrorInner {
    message: String,
    help: Option<String>,
    span: Option<miette::SourceSpan>,
    source: miette::NamedSource<String>,
}

impl FileError {
    /// An error about `name` with `text`, at an optional byte span.
    pub fn new(
        name: &str,
        text: &str,
        message: impl Into<String>,
        span: Option<(usize, usize)>,
    ) -> FileError {
        FileError(Box::new(FileErrorInner {
            message: message.into(),
            help: None,
            span: span.map(|(s, e)| (s, e.saturating_sub(s)).into()),
            source: miette::NamedSource::new(name, text.to_string()),
        }))
    }

    /// Add help text.
    pub fn with_help(mut self, help: impl Into<String>) -> FileError {
        self.0.help = Some(help.into());
        self
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for FileError {}

impl miette::Diagnostic for FileError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("input_error"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.0.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.span.map(|span| {
            Box::new(std::iter::once(miette::LabeledSpan::new_with_span(
                Some("here".to_string()),
                span,
            ))) as Box<dyn Iterator<Item = miette::LabeledSpan>>
        })
    }
}

/// Read a file as UTF-8 text, refusing files over [`MAX_FILE_BYTES`].
pub fn read_text(path: &std::path::Path) -> Result<String, String> {
    read_text_up_to(path, MAX_FILE_BYTES)
}

/// Read a file as UTF-8 text, refusing files over `max` bytes before reading any.
pub fn read_text_up_to(path: &std::path::Path, max: u64) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.len() > max {
        return Err(format!(
            "{} is {} bytes; entramap reads files of this kind up to {max} bytes",
            path.display(),
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// YAML parser options: YAML 1.2 booleans only (`y`, `no` stay text) and leading-zero numbers
/// as text (`007`), so identifiers and employee numbers are not silently retyped.
pub fn yaml_options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options
}

/// Parse JSON or YAML text (JSON when it starts with `{` or `[`) into a JSON value.
pub fn parse_document(name: &str, text: &str) -> Result<serde_json::Value, FileError> {
    parse_document_as(name, text)
}

/// Parse JSON or YAML text (JSON when it starts with `{` or `[`) straight into `T`, without an
/// intermediate JSON value: a large directory file becomes its records in one pass. Syntax
/// errors read `invalid JSON: ...` / `invalid YAML: ...`; errors `T` raises itself (through
/// `serde::de::Error::custom`) keep their own words. Both point at the place in the text.
pub fn parse_document_as<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<T, FileError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str(text).map_err(|e| {
            let offset = offset_of(text, e.line(), e.column());
            let mut message = json_error_message(&e);
            if e.classify() == serde_json::error::Category::Data {
                // serde_json appends the position, which the diagnostic shows anyway.
                if let Some((m, _)) = message.rsplit_once(" at line ") {
                    message = m.to_owned();
                }
            }
            FileError::new(name, text, message, Some((offset, offset + 1)))
        })
    } else {
        serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| {
            let span = e.location().map(|loc| {
                let offset = offset_of(text, loc.line() as usize, loc.column() as usize);
                (offset, offset + 1)
            });
            let message = tidy_yaml_message(&e.to_string());
            let message = if matches!(e.without_snippet(), serde_saphyr::Error::Message { .. }) {
                message
            } else {
                format!("invalid YAML: {message}")
            };
            FileError::new(name, text, message, span)
        })
    }
}

/// A serde_json error in our words: a syntax error is `invalid JSON: ...`; an error the
/// target type raised itself keeps its own words. Both end with serde_json's position.
pub fn json_error_message(e: &serde_json::Error) -> String {
    if e.classify() == serde_json::error::Category::Data {
        e.to_string()
    } else {
        format!("invalid JSON: {e}")
    }
}

/// serde-saphyr's message, without what the diagnostic already shows (`error: line 2 column
/// 1:`) and without advice meant for programmers using the library.
pub fn tidy_yaml_message(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = match line.strip_prefix("line ") {
        Some(rest) => rest
            .split_once(": ")
            .filter(|(at, _)| at.contains("column"))
            .map_or(line, |(_, msg)| msg),
        None => line,
    };
    line.replace(", set DuplicateKeyPolicy in Options if acceptable", "")
}

/// Byte offset of a 1-based line and column (columns counted in characters).
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col = l
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(b, _)| b);
            return (offset + col).min(text.len().saturating_sub(1));
        }
        offset += l.len();
    }
    text.len().saturating_sub(1)
}
