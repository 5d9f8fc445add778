//! Import: a Graph synchronization schema read into a [`MappingFile`], each level's
//! uninterpreted keys kept in its `graph` (see the module doc).

use serde_json::{Value as Json, json};

use super::codec::{
    Source, actions_of, all_actions, decode_default, decode_flow_type, decode_flow_types,
    decode_priority, decode_references, decode_scope, decode_source, decode_type,
};
use super::error::{GraphError, GraphErrorKind};
use super::export::skeleton;
use super::level::{
    attribute_fields, definition_fields, kept, level, object_mapping_fields, row_fields,
};
use super::value::{
    array, boolean, describe, missing, non_null, object, optional_string, same, spanned, string,
};
use super::{GROUPS_MARKER, OBJECT, Role, USERS_MARKER};
use crate::input::json::JsonPath;
use crate::model::mapping::{
    Apply, AttributeMapping, AttributeType, MappingFile, ObjectMapping, TargetAttribute,
    VendorBehavior,
};

/// Read a Graph synchronization schema into a mapping file. Errors name the JSON path of the
/// offending value, e.g. `synchronizationRules[0].objectMappings[1].attributeMappings[3].source.type`.
pub fn import(value: &Json) -> Result<MappingFile, GraphError> {
    let root = JsonPath::root();
    let schema = value.as_object().ok_or_else(|| {
        GraphError::new(
            root.clone(),
            GraphErrorKind::NotASchema {
                found: describe(value),
            },
        )
    })?;

    let rules_path = root.key("synchronizationRules");
    let rules = match schema.get("synchronizationRules") {
        None => {
            return Err(missing(
                &rules_path,
                Some("a synchronization schema lists its rules here".into()),
            ));
        }
        Some(v) => array(v, &rules_path)?,
    };
    if rules.is_empty() {
        return Err(GraphError::new(rules_path, GraphErrorKind::NoRules));
    }

    // Check the shape of every rule first: the markers export looks for must not be confused
    // with anything the input holds.
    let mut sources = Vec::with_capacity(rules.len());
    for (i, rule) in rules.iter().enumerate() {
        let path = rules_path.index(i);
        let rule = object(rule, &path)?;
        let mappings_path = path.key("objectMappings");
        let mut names = Vec::new();
        if let Some(mappings) = non_null(rule.get("objectMappings")) {
            for (j, mapping) in array(mappings, &mappings_path)?.iter().enumerate() {
                let mpath = mappings_path.index(j);
                let mapping = object(mapping, &mpath)?;
                let name = optional_string(
                    mapping.get("sourceObjectName"),
                    &mpath.key("sourceObjectName"),
                )?;
                names.push(name.map(str::to_string));
            }
        }
        sources.push(names);
    }
    let is = |name: &Option<String>, wanted: &str| {
        name.as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
    };
    let r = match sources
        .iter()
        .position(|names| names.iter().any(|n| is(n, "User")))
    {
        Some(r) => r,
        None if rules.len() == 1 => 0,
        None => {
            return Err(GraphError::new(rules_path, GraphErrorKind::NoUserRule));
        }
    };
    let rule_path = rules_path.index(r);
    let rule = rules[r].as_object().expect("checked above");
    let names = &sources[r];
    let mappings_path = rule_path.key("objectMappings");
    if names.is_empty() {
        return Err(GraphError::new(
            mappings_path,
            GraphErrorKind::NoObjectMapping,
        ));
    }
    let g = names.iter().position(|n| is(n, "Group"));
    let u = names
        .iter()
        .position(|n| is(n, "User"))
        .or_else(|| (0..names.len()).find(|&j| Some(j) != g))
        .ok_or_else(|| GraphError::new(mappings_path.clone(), GraphErrorKind::NoUserMapping))?;
    let mappings = rule
        .get("objectMappings")
        .and_then(Json::as_array)
        .expect("checked above");

    // The target directory and its object definitions.
    let target_name = optional_string(
        rule.get("targetDirectoryName"),
        &rule_path.key("targetDirectoryName"),
    )?;
    let directories_path = root.key("directories");
    let mut directory = None;
    if let Some(directories) = non_null(schema.get("directories")) {
        for (d, dir) in array(directories, &directories_path)?.iter().enumerate() {
            let dpath = directories_path.index(d);
            let dir = object(dir, &dpath)?;
            let name = optional_string(dir.get("name"), &dpath.key("name"))?;
            let objects_path = dpath.key("objects");
            let objects = match non_null(dir.get("objects")) {
                Some(objects) => array(objects, &objects_path)?.as_slice(),
                None => &[],
            };
            for (o, def) in objects.iter().enumerate() {
                object(def, &objects_path.index(o))?;
            }
            if directory.is_none() && name.is_some() && name == target_name {
                directory = Some((
                    d,
                    name.unwrap_or_default().to_string(),
                    objects,
                    objects_path,
                ));
            }
        }
    }
    let definition = |mapping: &Json| -> Result<Option<(usize, &Json, JsonPath)>, GraphError> {
        let Some((_, _, objects, objects_path)) = &directory else {
            return Ok(None);
        };
        let Some(target) = mapping.get("targetObjectName").and_then(Json::as_str) else {
            return Ok(None);
        };
        for (o, def) in objects.iter().enumerate() {
            let opath = objects_path.index(o);
            if optional_string(def.get("name"), &opath.key("name"))? == Some(target) {
                return Ok(Some((o, def, opath)));
            }
        }
        Ok(None)
    };

    let users_def = definition(&mappings[u])?;
    let users = import_object_mapping(
        &mappings[u],
        &mappings_path.index(u),
        Role::Users,
        users_def.as_ref().map(|(_, d, p)| (*d, p)),
        false,
    )?;
    let groups_def = match g {
        Some(g) => definition(&mappings[g])?,
        None => None,
    };
    let shared = matches!((&users_def, &groups_def), (Some((a, ..)), Some((b, ..))) if a == b);
    let groups = match g {
        Some(g) => Some(import_object_mapping(
            &mappings[g],
            &mappings_path.index(g),
            Role::Groups,
            groups_def.as_ref().map(|(_, d, p)| (*d, p)),
            shared,
        )?),
        None => None,
    };

    // The file-level graph: the schema with the interpreted parts replaced by markers.
    let mut tree = value.clone();
    tree["synchronizationRules"][r]["objectMappings"][u] = json!(USERS_MARKER);
    if let Some(g) = g {
        tree["synchronizationRules"][r]["objectMappings"][g] = json!(GROUPS_MARKER);
    }
    if let Some((d, ..)) = &directory {
        if let Some((o, ..)) = &users_def {
            tree["directories"][*d]["objects"][*o] = json!(USERS_MARKER);
        }
        if let Some((o, ..)) = groups_def.as_ref().filter(|_| !shared) {
            tree["directories"][*d]["objects"][*o] = json!(GROUPS_MARKER);
        }
    }

    let app = directory
        .as_ref()
        .map(|(_, name, ..)| name.clone())
        .or_else(|| rule.get("name").and_then(Json::as_str).map(str::to_string))
        .unwrap_or_else(|| "Imported Graph schema".to_string());
    let mut file = MappingFile {
        app,
        description: None,
        docs: Vec::new(),
        tenant_url: None,
        dialect: None,
        settings: Default::default(),
        users,
        groups,
        graph: Json::Null,
    };
    if !same(&tree, &skeleton(&file)) {
        file.graph = tree;
    }
    Ok(file)
}

/// One object mapping, with the object definition it targets when the schema has one.
fn import_object_mapping(
    raw: &Json,
    path: &JsonPath,
    role: Role,
    definition: Option<(&Json, &JsonPath)>,
    shared: bool,
) -> Result<ObjectMapping, GraphError> {
    let map = object(raw, path)?;
    let rows_path = path.key("attributeMappings");
    let mut mappings = Vec::new();
    if let Some(rows) = non_null(map.get("attributeMappings")) {
        for (i, row) in array(rows, &rows_path)?.iter().enumerate() {
            mappings.push(import_row(row, &rows_path.index(i))?);
        }
    }
    let enabled = match map.get("enabled") {
        Some(v) => boolean(v, &path.key("enabled"))?,
        None => true,
    };
    let actions = match map.get("flowTypes") {
        Some(v) => actions_of(decode_flow_types(v, &path.key("flowTypes"))?),
        None => all_actions(),
    };
    let scope = match map.get("scope") {
        Some(v) => decode_scope(v, &path.key("scope"))?,
        None => Vec::new(),
    };
    let source_object =
        optional_string(map.get("sourceObjectName"), &path.key("sourceObjectName"))?
            .map(str::to_string);
    let target_object =
        optional_string(map.get("targetObjectName"), &path.key("targetObjectName"))?
            .map(str::to_string);

    let mut attributes = Vec::new();
    if let Some((def, def_path)) = definition {
        let def = object(def, def_path)?;
        let attrs_path = def_path.key("attributes");
        if let Some(attrs) = non_null(def.get("attributes")) {
            for (i, attr) in array(attrs, &attrs_path)?.iter().enumerate() {
                attributes.push(import_attribute(attr, &attrs_path.index(i))?);
            }
        }
    }
    // Graph has no "supported for filtering" flag; Entra only works when the app filters on
    // matching attributes, so a schema that matches on an attribute says the app can.
    // A set of the matched targets, not a scan of the rows per attribute: schemas with 10^5
    // attributes and rows exist, and the scan was quadratic.
    let matched: std::collections::HashSet<&str> = mappings
        .iter()
        .filter(|row| row.matching.is_some())
        .map(|row| row.target.value.as_str())
        .collect();
    for attr in &mut attributes {
        attr.filterable = matched.contains(attr.name.value.as_str());
    }

    let mut om = ObjectMapping {
        enabled,
        source_object,
        target_object,
        actions,
        scope,
        mappings,
        attributes,
        graph: Json::Null,
    };
    let mut graph = kept(map, &object_mapping_fields(&om, role, Ok(Json::Null)));
    if let Some((def, _)) = definition {
        let def = def.as_object().expect("checked above");
        if shared {
            graph.insert(OBJECT.to_string(), json!(USERS_MARKER));
        } else {
            let def_graph = kept(def, &definition_fields(&om, role, Ok(Json::Null)));
            if !def_graph.is_empty() || om.attributes.is_empty() {
                graph.insert(OBJECT.to_string(), Json::Object(def_graph));
            }
        }
    }
    om.graph = level(graph);
    Ok(om)
}

fn import_row(raw: &Json, path: &JsonPath) -> Result<AttributeMapping, GraphError> {
    let map = object(raw, path)?;
    let target_path = path.key("targetAttributeName");
    let target = match map.get("targetAttributeName") {
        Some(v) => string(v, &target_path)?.to_string(),
        None => {
            return Err(missing(
                &target_path,
                Some("every attribute mapping names its target attribute".into()),
            ));
        }
    };
    let source = match map.get("source") {
        Some(v) => decode_source(v, &path.key("source"))?,
        None => Source::None,
    };
    let default = match map.get("defaultValue") {
        Some(v) => decode_default(v, &path.key("defaultValue"))?,
        None => None,
    };
    let apply = match map.get("flowType") {
        Some(v) => decode_flow_type(v, &path.key("flowType"))?,
        None => Apply::Always,
    };
    let matching = match map.get("matchingPriority") {
        Some(v) => decode_priority(v, &path.key("matchingPriority"))?,
        None => None,
    };
    let (source, constant, expression) = match source {
        Source::None => (None, None, None),
        Source::Attribute(a) => (Some(spanned(a)), None, None),
        Source::Constant(c) => (None, Some(spanned(c)), None),
        Source::Expression(e) => (None, None, Some(spanned(e))),
    };
    let mut row = AttributeMapping {
        target: spanned(target),
        source,
        constant,
        expression,
        default,
        matching,
        apply,
        graph: Json::Null,
    };
    row.graph = level(kept(map, &row_fields(&row)));
    Ok(row)
}

fn import_attribute(raw: &Json, path: &JsonPath) -> Result<TargetAttribute, GraphError> {
    let map = object(raw, path)?;
    let name_path = path.key("name");
    let name = match map.get("name") {
        Some(v) => string(v, &name_path)?.to_string(),
        None => {
            return Err(missing(
                &name_path,
                Some("every attribute definition has a name".into()),
            ));
        }
    };
    let flag = |key: &str| -> Result<bool, GraphError> {
        match map.get(key) {
            Some(v) => boolean(v, &path.key(key)),
            None => Ok(false),
        }
    };
    let mut attr = TargetAttribute {
        name: spanned(name),
        kind: match map.get("type") {
            Some(v) => decode_type(v, &path.key("type"))?,
            None => AttributeType::String,
        },
        multi_valued: flag("multivalued")?,
        required: flag("required")?,
        filterable: false,
        case_exact: flag("caseExact")?,
        references: match map.get("referencedObjects") {
            Some(v) => decode_references(v, &path.key("referencedObjects"))?,
            None => Vec::new(),
        },
        vendor: VendorBehavior::default(),
        graph: Json::Null,
    };
    attr.graph = level(kept(map, &attribute_fields(&attr)));
    Ok(attr)
}
