//! The source attributes a schema defines for itself (a Cloud Sync or other non-Entra source
//! directory), which the checks use instead of Entra's catalog.

use serde_json::Value as Json;

use super::{GROUPS_MARKER, USERS_MARKER};
use crate::model::mapping::MappingFile;

/// The source attributes a schema's own source directory defines for the object mapping of
/// `role_marker` (`$users` / `$groups`): the attributes of the object named by the mapping's
/// `sourceObjectName` in the directory named by its rule's `sourceDirectoryName`. `None` when
/// the file has no such definition (every hand-written file, and Graph schemas that leave the
/// source directory out), so that callers fall back to Entra's catalog.
fn schema_source_attributes(
    file: &MappingFile,
    marker: &str,
    source_object: Option<&str>,
) -> Option<Vec<String>> {
    let source_object = source_object?;
    let rule = file
        .graph
        .get("synchronizationRules")?
        .as_array()?
        .iter()
        .find(|rule| {
            rule.get("objectMappings")
                .and_then(Json::as_array)
                .is_some_and(|m| m.iter().any(|m| m.as_str() == Some(marker)))
        })?;
    let directory_name = rule.get("sourceDirectoryName")?.as_str()?;
    if is_entra_directory(directory_name) {
        // Entra ID's own catalog is the authority for a job reading Entra ID; a schema's copy of
        // that directory is often abridged (hand-written exports list a handful of attributes).
        return None;
    }
    let directory = file
        .graph
        .get("directories")?
        .as_array()?
        .iter()
        .find(|d| d.get("name").and_then(Json::as_str) == Some(directory_name))?;
    let object = directory
        .get("objects")?
        .as_array()?
        .iter()
        .find(|o| o.get("name").and_then(Json::as_str) == Some(source_object))?;
    Some(
        object
            .get("attributes")?
            .as_array()?
            .iter()
            .filter_map(|a| a.get("name").and_then(Json::as_str).map(str::to_string))
            .collect(),
    )
}

/// Whether a schema's `sourceDirectoryName` names Entra ID (Graph exports say "Azure Active
/// Directory"; newer ones may say "Microsoft Entra ID").
fn is_entra_directory(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "azure active directory" || name.contains("entra id")
}

/// `schema_source_attributes` for the users mapping.
pub fn user_source_attributes(file: &MappingFile) -> Option<Vec<String>> {
    schema_source_attributes(file, USERS_MARKER, file.users.source_object.as_deref())
}

/// `schema_source_attributes` for the groups mapping.
pub fn group_source_attributes(file: &MappingFile) -> Option<Vec<String>> {
    let groups = file.groups.as_ref()?;
    schema_source_attributes(file, GROUPS_MARKER, groups.source_object.as_deref())
}
