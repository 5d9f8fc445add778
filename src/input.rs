//! Reading user files (JSON or YAML, told apart by content) into JSON values, with located
//! diagnostics instead of panics or partial results.

pub(crate) mod json;

pub use json::{JsonPath, JsonSpans, Segment};

use std::fmt;

/// Files larger than this are refused before parsing: source objects and mapping tables are
/// small, and a multi-gigabyte file is a mistake.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A problem with an input file, pointing into it.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.0.message)]
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

/// The name diagnostics give a file argument: `<stdin>` for `-`, else the path.
pub fn display_name(path: &std::path::Path) -> String {
    if is_stdin(path) {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Whether a file argument is `-`, standard input.
pub fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Why an input could not be read (before any parsing).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The operating system refused or failed the read.
    #[error("cannot read {name}: {source}")]
    Io {
        /// The input's display name.
        name: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The input goes on past the limit of its kind.
    #[error("{name} is larger than {}, the most entramap reads for this kind of file", size_text(*.limit))]
    TooLarge {
        /// The input's display name.
        name: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The input is not UTF-8 text.
    #[error("{name} is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The input's display name.
        name: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// A second argument asked for standard input, which the first one consumed.
    #[error("{name}: standard input (`-`) can be given for one file argument only")]
    StdinTaken {
        /// The input's display name (`<stdin>`).
        name: String,
    },
}

/// A byte count as people read limits: `64 MiB (67108864 bytes)`.
pub fn size_text(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= 1024 * MIB && bytes.is_multiple_of(1024 * MIB) {
        format!("{} GiB ({bytes} bytes)", bytes / (1024 * MIB))
    } else if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB ({bytes} bytes)", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Set once standard input has been handed out: a second `-` would read nothing and look like
/// an empty file.
static STDIN_TAKEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Open a file argument for reading: `-` is standard input (once per process).
pub fn open(path: &std::path::Path) -> Result<Box<dyn std::io::Read>, ReadError> {
    let name = display_name(path);
    if is_stdin(path) {
        if STDIN_TAKEN.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(ReadError::StdinTaken { name });
        }
        return Ok(Box::new(std::io::stdin()));
    }
    let file = std::fs::File::open(path).map_err(|source| ReadError::Io { name, source })?;
    Ok(Box::new(file))
}

/// Read a file argument (`-` for standard input) as UTF-8 text, refusing more than
/// [`MAX_FILE_BYTES`].
pub fn read_text(path: &std::path::Path) -> Result<String, ReadError> {
    read_text_up_to(path, MAX_FILE_BYTES)
}

/// Read a file argument (`-` for standard input) as UTF-8 text, refusing more than `max`
/// bytes. The limit is enforced while reading: the size a file reports is 0 for a FIFO or
/// `/dev/zero`, and a wrong size must not let an endless input fill memory.
pub fn read_text_up_to(path: &std::path::Path, max: u64) -> Result<String, ReadError> {
    let reader = open(path)?;
    read_bounded(reader, &display_name(path), max)
}

/// Read everything from `reader` as UTF-8 text, failing as soon as it gives more than `max`
/// bytes. A leading UTF-8 byte order mark is dropped (editors on Windows write one).
pub fn read_bounded(reader: impl std::io::Read, name: &str, max: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    read_bounded_into(reader, name, max, &mut bytes)?;
    into_text(bytes, name)
}

/// Append at most `max` bytes (counting what `bytes` already holds) from `reader` to `bytes`;
/// [`ReadError::TooLarge`] when there are more.
pub fn read_bounded_into(
    reader: impl std::io::Read,
    name: &str,
    max: u64,
    bytes: &mut Vec<u8>,
) -> Result<(), ReadError> {
    use std::io::Read;
    let left = max.saturating_sub(bytes.len() as u64);
    reader
        .take(left + 1)
        .read_to_end(bytes)
        .map_err(|source| ReadError::Io {
            name: name.to_string(),
            source,
        })?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge {
            name: name.to_string(),
            limit: max,
        });
    }
    Ok(())
}

/// Bytes as UTF-8 text without a leading byte order mark.
pub fn into_text(mut bytes: Vec<u8>, name: &str) -> Result<String, ReadError> {
    if bytes.starts_with(BOM.as_bytes()) {
        bytes.drain(..BOM.len());
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        name: name.to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// The UTF-8 byte order mark.
pub const BOM: &str = "\u{feff}";

/// Text without a leading byte order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix(BOM).unwrap_or(text)
}

impl ReadError {
    /// The error as a located diagnostic (no place: nothing was read to point into).
    pub fn into_file_error(self) -> FileError {
        let name = match &self {
            ReadError::Io { name, .. }
            | ReadError::TooLarge { name, .. }
            | ReadError::NotUtf8 { name, .. }
            | ReadError::StdinTaken { name } => name.clone(),
        };
        FileError::new(&name, "", self.to_string(), None)
    }
}

impl From<ReadError> for FileError {
    fn from(e: ReadError) -> FileError {
        e.into_file_error()
    }
}

/// YAML parser options for inputs of up to [`MAX_FILE_BYTES`] (see [`yaml_options_for`]).
pub fn yaml_options() -> serde_saphyr::Options {
    yaml_options_for(MAX_FILE_BYTES)
}

/// YAML parser options for an input kind read up to `limit` bytes: YAML 1.2 booleans only
/// (`y`, `no` stay text) and leading-zero numbers as text (`007`), so identifiers and
/// employee numbers are not silently retyped.
///
/// The parser's budgets follow from the byte limit: a node takes at least two bytes and
/// an event at most one node, so no input within the limit runs out of nodes, events or
/// scalar bytes (the fixed defaults refused directories of about 8,600 users). What bytes
/// cannot bound stays bounded by the library's defaults: nesting depth (the stack) and
/// alias expansion.
pub fn yaml_options_for(limit: u64) -> serde_saphyr::Options {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    let mut budget = options.budget.take().unwrap_or_default();
    budget.max_reader_input_bytes = Some(limit);
    budget.max_nodes = budget.max_nodes.max(limit / 2 + 16);
    budget.max_events = budget.max_events.max(limit + 16);
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.max(limit);
    options.budget = Some(budget);
    options
}

/// Parse JSON or YAML text (JSON when it starts with `{` or `[`) into a JSON value. A key
/// repeated in one object is refused in JSON as YAML refuses it: serde_json would keep the
/// last value without a word.
pub fn parse_document(name: &str, text: &str) -> Result<serde_json::Value, FileError> {
    let text = strip_bom(text);
    if is_json(text) {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(text);
        StrictValue
            .deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| json_file_error(name, text, &e))
    } else {
        parse_document_as(name, text)
    }
}

fn is_json(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with('{') || trimmed.starts_with('[')
}

/// A serde_json error pointing into `text`.
fn json_file_error(name: &str, text: &str, e: &serde_json::Error) -> FileError {
    let offset = offset_of(text, e.line(), e.column());
    let mut message = json_error_message(e);
    if e.classify() == serde_json::error::Category::Data {
        // serde_json appends the position, which the diagnostic shows anyway.
        if let Some((m, _)) = message.rsplit_once(" at line ") {
            message = m.to_owned();
        }
    }
    FileError::new(name, text, message, Some((offset, offset + 1)))
}

/// The message for a key given twice in one object (a 10 MB key is shown by its start).
pub fn duplicate_key_message(key: &str) -> String {
    format!(
        "duplicate key `{}`: a key may appear once in a map",
        clip_chars(key, 60)
    )
}

/// `text` cut to `max` characters, with `…` when cut.
pub fn clip_chars(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
        None => text.into(),
    }
}

/// A JSON value, refusing a key its object already has (at the second one).
struct StrictValue;

impl<'de> serde::de::DeserializeSeed<'de> for StrictValue {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for StrictValue {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictValue)? {
            items.push(item);
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(serde::de::Error::custom(duplicate_key_message(&key)));
            }
            let value = map.next_value_seed(StrictValue)?;
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

/// Parse JSON or YAML text (JSON when it starts with `{` or `[`) straight into `T`, without an
/// intermediate JSON value: a large directory file becomes its records in one pass. Syntax
/// errors read `invalid JSON: ...` / `invalid YAML: ...`; errors `T` raises itself (through
/// `serde::de::Error::custom`) keep their own words. Both point at the place in the text.
pub fn parse_document_as<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<T, FileError> {
    parse_document_within(name, text, MAX_FILE_BYTES)
}

/// [`parse_document_as`] for an input kind read up to `limit` bytes (the YAML budgets follow
/// from it, see [`yaml_options_for`]).
pub fn parse_document_within<T: serde::de::DeserializeOwned>(
    name: &str,
    text: &str,
    limit: u64,
) -> Result<T, FileError> {
    let text = strip_bom(text);
    if is_json(text) {
        serde_json::from_str(text).map_err(|e| json_file_error(name, text, &e))
    } else {
        serde_saphyr::from_str_with_options(text, yaml_options_for(limit)).map_err(|e| {
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

/// Microsoft Graph PowerShell's form of a Graph object (`Get-MgUser | ConvertTo-Json`,
/// `Get-MgServicePrincipalSynchronizationJobSchema | ConvertTo-Json -Depth 20`) read as
/// Graph's own JSON: every key's first letter lowercased (`BusinessPhones` is
/// `businessPhones`, `Id` is `id`) and the SDK's `AdditionalProperties` bag (where it keeps
/// directory extensions and properties it has no member for) merged into its object. Keys
/// already in camelCase are unchanged, so the function is harmless on Graph's own JSON.
pub fn camel_case_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        Json::Array(items) => Json::Array(items.into_iter().map(camel_case_keys).collect()),
        Json::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            let mut extra = Vec::new();
            for (key, v) in map {
                if key == "AdditionalProperties" || key == "additionalProperties" {
                    if let Json::Object(bag) = v {
                        extra.extend(bag);
                    }
                    continue;
                }
                out.insert(camel_case(&key), camel_case_keys(v));
            }
            for (key, v) in extra {
                // A member of its own wins over the bag, which holds what the SDK did not know.
                let key = camel_case(&key);
                if !out.contains_key(&key) {
                    out.insert(key, camel_case_keys(v));
                }
            }
            Json::Object(out)
        }
        other => other,
    }
}

/// `BusinessPhones` -> `businessPhones`; `@odata.type` and `extension_...` are unchanged.
fn camel_case(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) if first.is_ascii_uppercase() => {
            let mut s = String::with_capacity(key.len());
            s.push(first.to_ascii_lowercase());
            s.push_str(chars.as_str());
            s
        }
        _ => key.to_owned(),
    }
}

/// Whether a JSON object's keys are PowerShell's PascalCase: a key that starts with an
/// uppercase ASCII letter and none that starts with a lowercase one (`@odata.*` aside).
pub fn is_pascal_case(map: &serde_json::Map<String, serde_json::Value>) -> bool {
    let mut upper = false;
    for key in map.keys() {
        match key.chars().next() {
            Some(c) if c.is_ascii_uppercase() => upper = true,
            Some(c) if c.is_ascii_lowercase() && !key.starts_with("extension_") => return false,
            _ => {}
        }
    }
    upper
}
