//! Export: a [`MappingFile`] written as a Graph synchronization schema, each level from the
//! model and its `graph`, placed where the file-level `graph`'s markers say.

use serde_json::{Value as Json, json};

use super::error::{GraphError, GraphErrorKind};
use super::level::{
    assemble, attribute_agrees, attribute_fields, definition_agrees, definition_fields,
    object_mapping_agrees, object_mapping_fields, row_agrees, row_fields,
};
use super::{
    GROUPS_MARKER, OBJECT, Role, SOURCE_DIRECTORY, TARGET_DIRECTORY, USERS_MARKER, yaml_path,
};
use crate::model::mapping::{MappingFile, ObjectMapping};

/// Write a mapping file as a Graph synchronization schema. Fails, naming the row, when an
/// expression that has to be turned into a tree does not parse, or when a row sets more than
/// one of `source`, `constant` and `expression`.
pub fn export(file: &MappingFile) -> Result<Json, GraphError> {
    let users = export_object_mapping(&file.users, Role::Users)?;
    let groups = match &file.groups {
        Some(groups) => Some(export_object_mapping(groups, Role::Groups)?),
        None => None,
    };
    let mut tree = if file.graph.is_null() {
        skeleton(file)
    } else {
        file.graph.clone()
    };
    let (users_mapping, users_def) = users;
    let (groups_mapping, groups_def) = match groups {
        Some((m, d)) => (Some(m), d),
        None => (None, None),
    };
    let target = place_mappings(&mut tree, users_mapping, groups_mapping)?;
    place_definitions(&mut tree, &target, users_def, groups_def)?;
    Ok(tree)
}

/// The object mapping and, when it has one to write, its object definition.
fn export_object_mapping(
    om: &ObjectMapping,
    role: Role,
) -> Result<(Json, Option<Json>), GraphError> {
    let rows = om
        .mappings
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let fields = row_fields(row);
            assemble(fields, &row.graph, |key, raw| row_agrees(row, key, raw)).map_err(|e| {
                GraphError {
                    path: yaml_path(&[role.field(), "mappings"]).index(i),
                    row_target: Some(row.target.value.clone()),
                    kind: e.kind,
                }
            })
        })
        .collect::<Result<Vec<Json>, GraphError>>();
    let fields = object_mapping_fields(om, role, rows.map(Json::Array));
    let mapping = assemble(fields, &om.graph, |key, raw| {
        object_mapping_agrees(om, key, raw)
    })?;
    let definition = if writes_definition(om) {
        let attrs = om
            .attributes
            .iter()
            .map(|attr| {
                assemble(attribute_fields(attr), &attr.graph, |key, raw| {
                    attribute_agrees(attr, key, raw)
                })
            })
            .collect::<Result<Vec<Json>, GraphError>>();
        let def_graph = om
            .graph
            .get(OBJECT)
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or(Json::Null);
        let fields = definition_fields(om, role, attrs.map(Json::Array));
        Some(assemble(fields, &def_graph, |key, raw| {
            definition_agrees(om, role, key, raw)
        })?)
    } else {
        None
    };
    Ok((mapping, definition))
}

/// Whether export writes an object definition for this mapping: when the file lists target
/// attributes, or when the imported schema had a definition (kept in `graph.$object`), unless
/// that definition is the user mapping's.
fn writes_definition(om: &ObjectMapping) -> bool {
    match om.graph.get(OBJECT) {
        Some(Json::String(s)) if s == USERS_MARKER => false,
        Some(_) => true,
        None => !om.attributes.is_empty(),
    }
}

/// What export writes around the object mappings of a file that has no file-level `graph`.
pub(super) fn skeleton(file: &MappingFile) -> Json {
    let mut mappings = vec![json!(USERS_MARKER)];
    if file.groups.is_some() {
        mappings.push(json!(GROUPS_MARKER));
    }
    let mut objects = Vec::new();
    if writes_definition(&file.users) {
        objects.push(json!(USERS_MARKER));
    }
    if file.groups.as_ref().is_some_and(writes_definition) {
        objects.push(json!(GROUPS_MARKER));
    }
    json!({
        "directories": [{
            "metadata": [],
            "name": TARGET_DIRECTORY,
            "objects": objects,
            "readOnly": false,
        }],
        "synchronizationRules": [{
            "editable": true,
            "metadata": [],
            "objectMappings": mappings,
            "priority": 1,
            "sourceDirectoryName": SOURCE_DIRECTORY,
            "targetDirectoryName": TARGET_DIRECTORY,
        }],
    })
}

/// Put the object mappings where the markers of the file-level `graph` say.
/// Returns the target directory name of the rule that holds the users mapping.
fn place_mappings(
    tree: &mut Json,
    users: Json,
    groups: Option<Json>,
) -> Result<String, GraphError> {
    let rules_path = yaml_path(&["graph", "synchronizationRules"]);
    let rules = tree
        .get_mut("synchronizationRules")
        .and_then(Json::as_array_mut)
        .ok_or_else(|| {
            GraphError::new(
                rules_path.clone(),
                GraphErrorKind::Malformed {
                    expected: "the list of rules with a \"$users\" marker",
                },
            )
        })?;
    let mut users_at = None;
    let mut groups_at = None;
    for (r, rule) in rules.iter().enumerate() {
        if let Some(mappings) = rule.get("objectMappings").and_then(Json::as_array) {
            for (i, m) in mappings.iter().enumerate() {
                match m.as_str() {
                    Some(USERS_MARKER) if users_at.is_none() => users_at = Some((r, i)),
                    Some(GROUPS_MARKER) if groups_at.is_none() => groups_at = Some((r, i)),
                    _ => {}
                }
            }
        }
    }
    let (r, u) =
        users_at.ok_or_else(|| GraphError::new(rules_path, GraphErrorKind::NoUsersMarker))?;
    let target = rules[r]
        .get("targetDirectoryName")
        .and_then(Json::as_str)
        .unwrap_or(TARGET_DIRECTORY)
        .to_string();
    list(rules, r)[u] = users;
    match (groups_at, groups) {
        (Some((gr, g)), Some(groups)) => list(rules, gr)[g] = groups,
        (Some((gr, g)), None) => {
            list(rules, gr).remove(g);
        }
        // Groups added to the YAML of an imported schema go right after the users mapping.
        (None, Some(groups)) => list(rules, r).insert(u + 1, groups),
        (None, None) => {}
    }
    Ok(target)
}

/// The object mapping list of rule `r` (found to be a list when its markers were looked up).
fn list(rules: &mut [Json], r: usize) -> &mut Vec<Json> {
    match rules[r]["objectMappings"].as_array_mut() {
        Some(list) => list,
        None => unreachable!("the markers were found in this list"),
    }
}

/// Put the object definitions where the markers of the file-level `graph` say; a definition
/// without a marker goes into the rule's target directory.
fn place_definitions(
    tree: &mut Json,
    target: &str,
    users: Option<Json>,
    groups: Option<Json>,
) -> Result<(), GraphError> {
    let malformed = |keys: &[&str], expected: &'static str| {
        GraphError::new(yaml_path(keys), GraphErrorKind::Malformed { expected })
    };
    let find = |tree: &Json, marker: &str| -> Option<(usize, usize)> {
        let dirs = tree.get("directories")?.as_array()?;
        dirs.iter().enumerate().find_map(|(d, dir)| {
            let objects = dir.get("objects")?.as_array()?;
            let o = objects.iter().position(|v| v.as_str() == Some(marker))?;
            Some((d, o))
        })
    };
    let mut missing = Vec::new();
    for (marker, def) in [(USERS_MARKER, users), (GROUPS_MARKER, groups)] {
        match (find(tree, marker), def) {
            (Some((d, o)), Some(def)) => tree["directories"][d]["objects"][o] = def,
            (Some((d, o)), None) => {
                if let Some(objects) = tree["directories"][d]["objects"].as_array_mut() {
                    objects.remove(o);
                }
            }
            (None, Some(def)) => missing.push(def),
            (None, None) => {}
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let root = tree
        .as_object_mut()
        .ok_or_else(|| malformed(&["graph"], "a map (the Graph schema)"))?;
    let dirs = root.entry("directories").or_insert_with(|| json!([]));
    let dirs = dirs
        .as_array_mut()
        .ok_or_else(|| malformed(&["graph", "directories"], "a list"))?;
    let d = match dirs
        .iter()
        .position(|dir| dir.get("name").and_then(Json::as_str) == Some(target))
    {
        Some(d) => d,
        None => {
            dirs.push(json!({"metadata": [], "name": target, "objects": [], "readOnly": false}));
            dirs.len() - 1
        }
    };
    let dir = dirs[d]
        .as_object_mut()
        .ok_or_else(|| malformed(&["graph", "directories"], "maps"))?;
    let objects = dir.entry("objects").or_insert_with(|| json!([]));
    let objects = objects.as_array_mut().ok_or_else(|| {
        GraphError::new(
            yaml_path(&["graph", "directories"]).index(d).key("objects"),
            GraphErrorKind::Malformed { expected: "a list" },
        )
    })?;
    objects.extend(missing);
    Ok(())
}
