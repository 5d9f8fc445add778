//! Loading a mapping file (our YAML, or a Microsoft Graph `synchronizationSchema` JSON, told
//! apart by content) and compiling its expressions, with every problem located in the file.

pub mod graph;

use serde_saphyr::Spanned;

use crate::expr::error::{Error as ExprError, Located};
use crate::expr::{self, AttributeCheck, CompileOptions, Program};
use crate::input::{self, FileError};
use crate::model::mapping::MappingFile;

/// The two file formats a mapping can come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// entramap's YAML.
    Yaml,
    /// Microsoft Graph `synchronizationSchema` JSON, as Entra's schema editor shows it.
    GraphJson,
}

/// Tell the format from the content: JSON objects are Graph schemas, anything else is YAML.
pub fn detect(text: &str) -> Format {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('{') {
        Format::GraphJson
    } else {
        Format::Yaml
    }
}

/// A synchronizationSchema document with Graph's own key spelling: Microsoft Graph PowerShell
/// writes the schema with PascalCase keys (`SynchronizationRules`) and `AdditionalProperties`
/// bags, which is the same schema read as Graph's camelCase. Graph's JSON is unchanged.
pub fn graph_keys(value: serde_json::Value) -> serde_json::Value {
    if value.as_object().is_some_and(input::is_pascal_case) {
        input::camel_case_keys(value)
    } else {
        value
    }
}

/// A mapping file as read, with its name and text for diagnostics.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The file's display name.
    pub name: String,
    /// The file's text.
    pub text: String,
    /// The format it was in.
    pub format: Format,
    /// The parsed content.
    pub file: MappingFile,
}

/// Parse a mapping file's text.
pub fn parse(name: &str, text: &str) -> Result<Loaded, FileError> {
    let text = input::strip_bom(text);
    let format = detect(text);
    let file = match format {
        Format::Yaml => {
            serde_saphyr::from_str_with_options::<MappingFile>(text, input::yaml_options())
                .map_err(|e| yaml_error(name, text, &e))?
        }
        Format::GraphJson => {
            let value = graph_keys(input::parse_document(name, text)?);
            graph::import(&value).map_err(|e| {
                let span = graph::locate(text, &e);
                FileError::new(
                    name,
                    text,
                    format!("not a Graph synchronization schema: {e}"),
                    span,
                )
                .with_help(
                    "a mapping is entramap YAML, or a synchronizationSchema as Graph returns it \
                     (camelCase) or as Microsoft Graph PowerShell writes it (PascalCase, \
                     `ConvertTo-Json -Depth 20`)",
                )
            })?
        }
    };
    validate(name, text, &file)?;
    Ok(Loaded {
        name: name.to_string(),
        text: text.to_string(),
        format,
        file,
    })
}

/// What the format allows but Entra does not: every command refuses these, so none of them
/// simulates a job Entra could not run.
fn validate(name: &str, text: &str, file: &MappingFile) -> Result<(), FileError> {
    if !file.users.enabled {
        // customize-application-attributes.md: the user mapping cannot be switched off.
        let span = span_after(text, &["users", "enabled"]);
        return Err(FileError::new(
            name,
            text,
            "`users.enabled: false`: Entra's user object mapping cannot be disabled",
            span,
        )
        .with_help(
            "remove `enabled: false` from `users`; to provision no users, leave them unassigned",
        ));
    }
    if file.settings.accidental_deletions_threshold == Some(0) {
        let span = span_after(text, &["accidental_deletions_threshold"]);
        return Err(FileError::new(
            name,
            text,
            "`settings.accidental_deletions_threshold: 0`: the threshold is a positive number of disables and deletes per cycle",
            span,
        )
        .with_help("give 1 or more, or leave the key out to send every deletion"),
        );
    }
    Ok(())
}

/// The span of the last of `keys`, each searched after the previous one (a best effort: the
/// message stands on its own when the text spells them otherwise).
fn span_after(text: &str, keys: &[&str]) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut span = None;
    for key in keys {
        let found = at + text.get(at..)?.find(key)?;
        span = Some((found, found + key.len()));
        at = found + key.len();
    }
    span
}

/// Read and parse a mapping file (`-` for standard input), refusing more than
/// [`input::MAX_FILE_BYTES`].
pub fn read(path: &std::path::Path) -> Result<Loaded, FileError> {
    let text = input::read_text(path)?;
    parse(&input::display_name(path), &text)
}

fn yaml_error(name: &str, text: &str, e: &serde_saphyr::Error) -> FileError {
    let span = e.location().map(|loc| {
        let start = loc
            .span()
            .byte_offset()
            .map(|b| b as usize)
            .unwrap_or_else(|| input::offset_of(text, loc.line() as usize, loc.column() as usize));
        let len = loc.span().byte_len().map_or(1, |l| (l as usize).max(1));
        (start.min(text.len()), (start + len).min(text.len()))
    });
    let message = input::tidy_yaml_message(&e.to_string());
    FileError::new(name, text, format!("invalid mapping file: {message}"), span)
        .with_help("mappings/README.md describes the format")
}

/// Where the text of a YAML string scalar starts in the file, when the scalar's content
/// appears there byte for byte (plain or quoted single-line scalars without escapes). Spans
/// inside the value can then be shifted by this offset to point into the file.
pub fn embedded_offset(text: &str, scalar: &Spanned<String>) -> Option<usize> {
    let start = scalar.referenced.span().byte_offset()? as usize;
    let rest = text.get(start..)?;
    let body = match rest.chars().next()? {
        '\'' | '"' => &rest[1..],
        _ => rest,
    };
    let offset = start + (rest.len() - body.len());
    body.starts_with(scalar.value.as_str()).then_some(offset)
}

/// Where bytes `start..end` of an expression stored as a JSON string sit in a JSON file: the
/// string is found by its JSON encoding (once it occurs exactly once), and offsets inside it
/// are moved past the escapes that precede them. `None` when the file spells the string
/// differently (e.g. `\u` escapes) or more than once.
pub fn json_expression_span(
    text: &str,
    expression: &str,
    start: usize,
    end: usize,
) -> Option<(usize, usize)> {
    let encoded = serde_json::to_string(expression).ok()?;
    let mut hits = text.match_indices(encoded.as_str());
    let (at, _) = hits.next()?;
    if hits.next().is_some() {
        return None;
    }
    let encoded_len = |s: &str| serde_json::to_string(s).map_or(0, |e| e.len() - 2);
    let from = at + 1 + encoded_len(expression.get(..start)?);
    let to = at + 1 + encoded_len(expression.get(..end)?);
    Some((from, to.max(from)))
}

/// A compiled expression of a mapping row and where its text sits in the file.
#[derive(Debug)]
pub struct CompiledExpression {
    /// The program.
    pub program: Program,
}

/// Compile one expression that came from `scalar` in `loaded`, pointing errors and warnings
/// into the file when the scalar maps byte for byte, or at the expression on its own
/// otherwise.
pub fn compile_expression(
    loaded: &Loaded,
    scalar: &Spanned<String>,
    check: AttributeCheck<'_>,
) -> Result<Program, Box<Located>> {
    let options = CompileOptions { attributes: check };
    expr::compile(&scalar.value, &options).map_err(|e| Box::new(locate(loaded, scalar, &e)))
}

/// Every expression of the mapping that does not parse or compile, each bound to the file.
pub fn expression_errors(loaded: &Loaded) -> Vec<Located> {
    let objects = std::iter::once(&loaded.file.users).chain(loaded.file.groups.as_ref());
    objects
        .flat_map(|o| &o.mappings)
        .filter_map(|row| row.expression.as_ref())
        .filter_map(|e| compile_expression(loaded, e, AttributeCheck::Any).err())
        .map(|located| *located)
        .collect()
}

/// Refuse a mapping with broken expressions: report each one and say whether there were any.
/// Commands that publish or convert a mapping use this, so that a broken expression is never
/// written out as if it worked.
pub fn report_expression_errors(loaded: &Loaded, report: impl Fn(Located)) -> bool {
    let errors = expression_errors(loaded);
    let any = !errors.is_empty();
    errors.into_iter().for_each(report);
    any
}

/// Bind an expression error to the file (or to the expression text when it cannot be
/// placed in the file exactly).
pub fn locate(loaded: &Loaded, scalar: &Spanned<String>, e: &ExprError) -> Located {
    match embedded_offset(&loaded.text, scalar) {
        Some(offset) if loaded.format == Format::Yaml => {
            Located::error(e, &loaded.name, &loaded.text, offset)
        }
        _ => Located::error(
            e,
            &format!("{} (expression)", loaded.name),
            &scalar.value,
            0,
        ),
    }
}
