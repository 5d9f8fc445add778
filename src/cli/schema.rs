//! `entramap import` and `entramap export`: Microsoft Graph synchronization schemas (JSON) to
//! entramap YAML and back (see [`crate::load::graph`]).

use std::path::{Path, PathBuf};

use super::{Failure, emit, report};
use crate::expr::error::Error as ExprError;
use crate::expr::syntax;
use crate::input::FileError;
use crate::input::json::Segment;
use crate::load::graph;
use crate::load::{self, Format};
use crate::model::mapping::MappingFile;

/// Arguments of `entramap import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The Graph schema JSON file (what `GET .../synchronization/jobs/{id}/schema` returns, or
    /// Entra's "Review your schema" editor shows).
    schema: PathBuf,
    /// Write the YAML to this file instead of standard output (replaced atomically: a failure
    /// leaves the old file in place).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Arguments of `entramap export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The mapping file (YAML or Graph JSON, told apart by content).
    mapping: PathBuf,
    /// Write the JSON to this file instead of standard output (replaced atomically).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) fn import(args: ImportArgs) -> Result<(), Failure> {
    let name = crate::input::display_name(&args.schema);
    let text = crate::input::read_text(&args.schema).map_err(|e| {
        report(e.into_file_error());
        Failure::Input
    })?;
    if load::detect(&text) != Format::GraphJson {
        report(
            FileError::new(
                &name,
                &text,
                "not a Graph synchronization schema: expected a JSON object",
                Some((0, 0)),
            )
            .with_help("`entramap import` reads Graph JSON; `entramap export` turns YAML into it"),
        );
        return Err(Failure::Input);
    }
    let value = crate::input::parse_document(&name, &text).map_err(|e| {
        report(e);
        Failure::Input
    })?;
    let value = load::graph_keys(value);
    let file = graph::import(&value).map_err(|e| {
        let span = graph::locate(&text, &e);
        report(FileError::new(
            &name,
            &text,
            format!("not a Graph synchronization schema: {e}"),
            span,
        ));
        Failure::Input
    })?;

    // Entra stored these rows, so they are kept verbatim; but show what `check` finds wrong,
    // since the commands that run a mapping will refuse it.
    let imported = load::Loaded {
        name: name.clone(),
        text: text.clone(),
        format: Format::GraphJson,
        file: file.clone(),
    };
    super::warn_check_errors(&imported);

    // Import is meant to be lossless; if this schema is a case it is not, say so rather than
    // let a later export silently differ.
    match graph::export(&file) {
        Ok(back) if same_json(&back, &value) => {}
        Ok(_) => errln!(
            "warning: {name}: exporting the imported mapping will not reproduce this schema exactly (please report this)"
        ),
        Err(e) => errln!("warning: {name}: the imported mapping does not export: {e}"),
    }

    let yaml = to_yaml(&file, &args.schema).map_err(|e| {
        errln!("error: {e}");
        Failure::Input
    })?;
    emit(args.out.as_deref(), &yaml)
}

pub(super) fn export(args: ExportArgs) -> Result<(), Failure> {
    let loaded = super::read_convertible_mapping(&args.mapping)?;
    let value = graph::export(&loaded.file).map_err(|e| {
        report_export_error(&loaded, &e);
        Failure::Input
    })?;
    let mut json = serde_json::to_string_pretty(&value).map_err(|e| {
        errln!("error: cannot write JSON: {e}");
        Failure::Input
    })?;
    json.push('\n');
    if !loaded.file.settings.is_default() {
        // Job settings, not schema: said, so that nobody takes the export for a full backup.
        errln!(
            "note: {}: `settings:` is not exported: a synchronizationSchema cannot hold it; Entra keeps SyncAll and SkipOutOfScopeDeletions in the job's secrets and the other settings in the provisioning job (mappings/README.md, \"settings\")",
            loaded.name
        );
    }
    emit(args.out.as_deref(), &json)
}

/// Why `import` could not write the YAML of a schema it imported: both are bugs of entramap.
#[derive(Debug, thiserror::Error)]
enum ToYamlError {
    /// The mapping could not be serialised.
    #[error("cannot write YAML: {0}")]
    Serialise(serde_saphyr::SerializeError),
    /// The YAML written does not load back as the mapping.
    #[error("the YAML written for {origin} does not load back (a bug in entramap): {source}")]
    LoadBack {
        /// The schema's file name.
        origin: String,
        /// Why it does not load.
        source: FileError,
    },
}

/// The YAML text of an imported schema, with a comment saying where it came from. Checked to
/// load back before anything is written.
fn to_yaml(file: &MappingFile, source: &Path) -> Result<String, ToYamlError> {
    let body = serde_saphyr::to_string(file).map_err(ToYamlError::Serialise)?;
    let origin = source
        .file_name()
        .filter(|_| !crate::input::is_stdin(source))
        .map_or_else(
            || crate::input::display_name(source),
            |n| n.to_string_lossy().into_owned(),
        );
    let yaml = format!(
        "# Imported by `entramap import` from the Microsoft Graph synchronization schema {origin}.\n\
         # The `graph` fields keep what entramap does not interpret, so that `entramap export`\n\
         # writes the schema back exactly.\n{body}"
    );
    load::parse("imported.yaml", &yaml)
        .map_err(|source| ToYamlError::LoadBack { origin, source })?;
    Ok(yaml)
}

/// Report an export failure, pointing at the expression in the file when one is to blame.
fn report_export_error(loaded: &load::Loaded, error: &graph::GraphError) {
    // A row's error names it by path: `users.mappings[i]`.
    let row = match error.path.segments() {
        [
            Segment::Key(role),
            Segment::Key(mappings),
            Segment::Index(i),
        ] if mappings == "mappings" => match role.as_str() {
            "users" => loaded.file.users.mappings.get(*i),
            "groups" => loaded.file.groups.as_ref().and_then(|g| g.mappings.get(*i)),
            _ => None,
        },
        _ => None,
    };
    if let Some(expression) = row.and_then(|row| row.expression.as_ref())
        && let Err(e) = syntax::parse(&expression.value)
    {
        report(load::locate(loaded, expression, &ExprError::from(e)));
        return;
    }
    report(FileError::new(
        &loaded.name,
        &loaded.text,
        format!("cannot export as a Graph schema: {error}"),
        None,
    ));
}

/// JSON equality that also compares key order.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}
