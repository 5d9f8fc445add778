//! Microsoft Graph `synchronizationSchema` JSON to and from [`MappingFile`].
//!
//! [`import`] reads what Entra's "Review your schema" editor shows (and Graph's
//! `GET .../synchronization/jobs/{id}/schema` returns); [`export`] writes it back. For a schema
//! that came from Graph, import then export gives the same JSON: the same keys, values and key
//! order. A file written by hand in YAML exports as what Entra would store for it.
//!
//! # What is interpreted
//!
//! One synchronization rule is read: the first whose object mappings include one with
//! `sourceObjectName` `User` (or the only rule). Its `User` object mapping becomes `users`, its
//! `Group` object mapping `groups`. Their target attributes come from the object definition
//! whose `name` is the mapping's `targetObjectName`, in the directory whose `name` is the rule's
//! `targetDirectoryName`; every attribute of that object is listed, mapped or not. Per level:
//!
//! | Graph | YAML |
//! |---|---|
//! | objectMapping `enabled`, `flowTypes`, `sourceObjectName`, `targetObjectName`, `scope.groups` | `enabled`, `actions`, `source_object`, `target_object`, `scope` |
//! | attributeMapping `targetAttributeName`, `source`, `defaultValue`, `matchingPriority`, `flowType` | `target`, `source`/`constant`/`expression` (none for `source: null`), `default`, `match`, `apply` |
//! | attributeDefinition `name`, `type`, `multivalued`, `required`, `caseExact`, `referencedObjects[].referencedObjectName` | `name`, `type`, `multi_valued`, `required`, `case_exact`, `references` |
//!
//! An expression row keeps the top-level `expression` string of its `Function` node verbatim:
//! that is what Entra's editor shows and what an admin edits.
//!
//! # Where everything else lives
//!
//! Every YAML level has a `graph` field. The rule is the same at each level (object mapping,
//! object definition, attribute mapping, attribute definition):
//!
//! * export first writes the level from the model alone: the interpreted keys, plus Entra's
//!   defaults for the keys it stores but entramap does not interpret (`flowBehavior:
//!   FlowWhenChanged`, `exportMissingReferences: false`, `anchor: false`, `mutability:
//!   ReadWrite`, `metadata: []`, `supportedApis: []`, the object mapping's `name`), every key
//!   in Graph's own order (sorted, as Graph returns schemas);
//! * `graph` holds each key of the Graph object whose value differs from that: unknown keys,
//!   non-default uninterpreted values (`anchor: true`, `apiExpressions`, `flowNullValues`...),
//!   and interpreted keys whose exact form the model cannot say (`flowTypes: "Add,Update"`
//!   without spaces, a negative `matchingPriority`, a `source` tree whose key order or
//!   parameter keys differ from what entramap writes, a scope with several values per clause or
//!   with `inputFilterGroups`). A kept interpreted value is written back only while it still
//!   means what the YAML says; once the YAML is edited, the edit wins;
//! * `graph.$keys` lists the object's keys when their order or their set differs from the
//!   above (a key missing in the input, a hand-ordered file);
//! * keys starting with `$` are entramap's; a Graph key that itself starts with `$` is kept with
//!   one more `$` in front.
//!
//! A schema Graph returned with default values therefore imports to rows with no `graph` at
//! all, and a hand-written YAML row exports to exactly what such a schema holds.
//!
//! The object definition's level lives in its object mapping's `graph.$object` (present when it
//! differs from the defaults, or when the definition has no attributes, so that it is still
//! written). When the group mapping targets the same object definition as the user mapping,
//! `graph.$object` is `$users`: the definition is written once, from `users`.
//!
//! The file-level `graph` is the whole schema with the two object mappings and their two
//! object definitions cut out and replaced by the markers `"$users"` and `"$groups"`: schema
//! `id` and `version`, other rules, the chosen rule's `id`, `name`, `editable`, `priority`,
//! `metadata`, directory names, other object mappings, the source directory definition, the
//! target directory's other objects, metadata, discoverabilities, and any unknown key, all in
//! their original order. It is omitted when it is the skeleton export writes for a
//! hand-written file (see below).
//!
//! # Hand-written files
//!
//! A file without `graph` exports as one rule `{editable: true, metadata: [],
//! objectMappings, priority: 1, sourceDirectoryName: "Azure Active Directory",
//! targetDirectoryName: "customappsso"}` (no `id` or `name`: the engine assigns them; copy them
//! from a GET before a PUT) and one target directory `{metadata: [], name: "customappsso",
//! objects, readOnly: false}`. Object mappings are named "Provision Microsoft Entra ID Users" /
//! "... Groups"; expressions become `attributeMappingSource` trees through
//! [`crate::expr::graph::to_source`], with keys sorted like every other Graph object.
//!
//! `filterable` and `vendor` have no Graph field: export writes nothing for them. Import sets
//! `filterable` on attributes a row matches on (Entra only works when the app can filter on
//! matching attributes) and leaves `vendor` at its default; `app` comes from the target
//! directory's name. `description`, `docs`, `tenant_url` and `dialect` are not part of a
//! schema either.

use std::fmt;

use serde_json::{Map, Value as J, json};
use serde_saphyr::{Location, Spanned};

use crate::expr::{graph as expr_graph, print::write_string, syntax};
use crate::model::mapping::{
    Action, Apply, AttributeMapping, AttributeType, MappingFile, ObjectMapping, ScopeClause,
    ScopeFilter, TargetAttribute, VendorBehavior,
};

/// The source directory of every outbound job.
const SOURCE_DIRECTORY: &str = "Azure Active Directory";
/// The target directory of a custom (non-gallery) SCIM app.
const TARGET_DIRECTORY: &str = "customappsso";
/// Marker of the user object mapping and its object definition in the file-level `graph`.
const USERS_MARKER: &str = "$users";
/// Marker of the group object mapping and its object definition.
const GROUPS_MARKER: &str = "$groups";
/// Where a level's original key order is kept.
const KEYS: &str = "$keys";
/// Where an object mapping keeps its object definition's level.
const OBJECT: &str = "$object";

/// Which of the two object mappings a level belongs to: their defaults differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Users,
    Groups,
}

impl Role {
    fn source_object(self) -> &'static str {
        match self {
            Role::Users => "User",
            Role::Groups => "Group",
        }
    }

    fn target_object(self) -> &'static str {
        match self {
            Role::Users => "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            Role::Groups => "urn:ietf:params:scim:schemas:core:2.0:Group",
        }
    }

    fn mapping_name(self) -> &'static str {
        match self {
            Role::Users => "Provision Microsoft Entra ID Users",
            Role::Groups => "Provision Microsoft Entra ID Groups",
        }
    }

    fn field(self) -> &'static str {
        match self {
            Role::Users => "users",
            Role::Groups => "groups",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

/// Read a Graph synchronization schema into a mapping file. Errors name the JSON path of the
/// offending value, e.g. `synchronizationRules[0].objectMappings[1].attributeMappings[3].source.type`.
pub fn import(value: &J) -> Result<MappingFile, String> {
    let root = Path::root();
    let schema = value.as_object().ok_or_else(|| {
        root.err(format!(
            "expected a JSON object (a Graph synchronizationSchema), found {}",
            describe(value)
        ))
    })?;

    let rules_path = root.key("synchronizationRules");
    let rules = match schema.get("synchronizationRules") {
        None => {
            return Err(rules_path.err("missing: a synchronization schema lists its rules here"));
        }
        Some(v) => array(v, &rules_path)?,
    };
    if rules.is_empty() {
        return Err(rules_path.err("empty: there is no rule to import"));
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
            return Err(rules_path.err(
                "no rule has an object mapping with sourceObjectName \"User\", and there are several rules to choose from",
            ));
        }
    };
    let rule_path = rules_path.index(r);
    let rule = rules[r].as_object().expect("checked above");
    let names = &sources[r];
    let mappings_path = rule_path.key("objectMappings");
    if names.is_empty() {
        return Err(mappings_path.err("no object mapping to import"));
    }
    let g = names.iter().position(|n| is(n, "Group"));
    let u = names
        .iter()
        .position(|n| is(n, "User"))
        .or_else(|| (0..names.len()).find(|&j| Some(j) != g))
        .ok_or_else(|| {
            mappings_path.err("no object mapping for users (sourceObjectName \"User\")")
        })?;
    let mappings = rule
        .get("objectMappings")
        .and_then(J::as_array)
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
    let definition = |mapping: &J| -> Result<Option<(usize, &J, Path)>, String> {
        let Some((_, _, objects, objects_path)) = &directory else {
            return Ok(None);
        };
        let Some(target) = mapping.get("targetObjectName").and_then(J::as_str) else {
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
        .or_else(|| rule.get("name").and_then(J::as_str).map(str::to_string))
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
        graph: J::Null,
    };
    if !same(&tree, &skeleton(&file)) {
        file.graph = tree;
    }
    Ok(file)
}

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
                .and_then(J::as_array)
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
        .find(|d| d.get("name").and_then(J::as_str) == Some(directory_name))?;
    let object = directory
        .get("objects")?
        .as_array()?
        .iter()
        .find(|o| o.get("name").and_then(J::as_str) == Some(source_object))?;
    Some(
        object
            .get("attributes")?
            .as_array()?
            .iter()
            .filter_map(|a| a.get("name").and_then(J::as_str).map(str::to_string))
            .collect(),
    )
}

/// Whether a schema's `sourceDirectoryName` names Entra ID (Graph exports say "Azure Active
/// Directory"; newer ones may say "Microsoft Entra ID").
fn is_entra_directory(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "azure active directory" || name.contains("entra id")
}

/// [`schema_source_attributes`] for the users mapping.
pub fn user_source_attributes(file: &MappingFile) -> Option<Vec<String>> {
    schema_source_attributes(file, USERS_MARKER, file.users.source_object.as_deref())
}

/// [`schema_source_attributes`] for the groups mapping.
pub fn group_source_attributes(file: &MappingFile) -> Option<Vec<String>> {
    let groups = file.groups.as_ref()?;
    schema_source_attributes(file, GROUPS_MARKER, groups.source_object.as_deref())
}

fn import_object_mapping(
    raw: &J,
    path: &Path,
    role: Role,
    definition: Option<(&J, &Path)>,
    shared: bool,
) -> Result<ObjectMapping, String> {
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
        graph: J::Null,
    };
    let mut graph = kept(map, &object_mapping_fields(&om, role, Ok(J::Null)));
    if let Some((def, _)) = definition {
        let def = def.as_object().expect("checked above");
        if shared {
            graph.insert(OBJECT.to_string(), json!(USERS_MARKER));
        } else {
            let def_graph = kept(def, &definition_fields(&om, role, Ok(J::Null)));
            if !def_graph.is_empty() || om.attributes.is_empty() {
                graph.insert(OBJECT.to_string(), J::Object(def_graph));
            }
        }
    }
    om.graph = level(graph);
    Ok(om)
}

fn import_row(raw: &J, path: &Path) -> Result<AttributeMapping, String> {
    let map = object(raw, path)?;
    let target_path = path.key("targetAttributeName");
    let target = match map.get("targetAttributeName") {
        Some(v) => string(v, &target_path)?.to_string(),
        None => {
            return Err(
                target_path.err("missing: every attribute mapping names its target attribute")
            );
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
        graph: J::Null,
    };
    row.graph = level(kept(map, &row_fields(&row)));
    Ok(row)
}

fn import_attribute(raw: &J, path: &Path) -> Result<TargetAttribute, String> {
    let map = object(raw, path)?;
    let name_path = path.key("name");
    let name = match map.get("name") {
        Some(v) => string(v, &name_path)?.to_string(),
        None => return Err(name_path.err("missing: every attribute definition has a name")),
    };
    let flag = |key: &str| -> Result<bool, String> {
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
        graph: J::Null,
    };
    attr.graph = level(kept(map, &attribute_fields(&attr)));
    Ok(attr)
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// Write a mapping file as a Graph synchronization schema. Fails, naming the row, when an
/// expression that has to be turned into a tree does not parse, or when a row sets more than
/// one of `source`, `constant` and `expression`.
pub fn export(file: &MappingFile) -> Result<J, String> {
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
fn export_object_mapping(om: &ObjectMapping, role: Role) -> Result<(J, Option<J>), String> {
    let rows = om
        .mappings
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let what = format!(
                "{}.mappings[{i}] (target {:?})",
                role.field(),
                row.target.value
            );
            let fields = row_fields(row);
            assemble(fields, &row.graph, |key, raw| row_agrees(row, key, raw))
                .map_err(|e| format!("{what}: {e}"))
        })
        .collect::<Result<Vec<J>, String>>();
    let fields = object_mapping_fields(om, role, rows.map(J::Array));
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
            .collect::<Result<Vec<J>, String>>();
        let def_graph = om
            .graph
            .get(OBJECT)
            .filter(|v| v.is_object())
            .cloned()
            .unwrap_or(J::Null);
        let fields = definition_fields(om, role, attrs.map(J::Array));
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
        Some(J::String(s)) if s == USERS_MARKER => false,
        Some(_) => true,
        None => !om.attributes.is_empty(),
    }
}

/// What export writes around the object mappings of a file that has no file-level `graph`.
fn skeleton(file: &MappingFile) -> J {
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
fn place_mappings(tree: &mut J, users: J, groups: Option<J>) -> Result<String, String> {
    let rules = tree
        .get_mut("synchronizationRules")
        .and_then(J::as_array_mut)
        .ok_or("graph.synchronizationRules: expected the list of rules with a \"$users\" marker")?;
    let mut users_at = None;
    let mut groups_at = None;
    for (r, rule) in rules.iter().enumerate() {
        if let Some(mappings) = rule.get("objectMappings").and_then(J::as_array) {
            for (i, m) in mappings.iter().enumerate() {
                match m.as_str() {
                    Some(USERS_MARKER) if users_at.is_none() => users_at = Some((r, i)),
                    Some(GROUPS_MARKER) if groups_at.is_none() => groups_at = Some((r, i)),
                    _ => {}
                }
            }
        }
    }
    let (r, u) = users_at.ok_or(
        "graph.synchronizationRules: no object mapping list holds the \"$users\" marker that says where the users mapping goes",
    )?;
    let target = rules[r]
        .get("targetDirectoryName")
        .and_then(J::as_str)
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
fn list(rules: &mut [J], r: usize) -> &mut Vec<J> {
    match rules[r]["objectMappings"].as_array_mut() {
        Some(list) => list,
        None => unreachable!("the markers were found in this list"),
    }
}

/// Put the object definitions where the markers of the file-level `graph` say; a definition
/// without a marker goes into the rule's target directory.
fn place_definitions(
    tree: &mut J,
    target: &str,
    users: Option<J>,
    groups: Option<J>,
) -> Result<(), String> {
    let find = |tree: &J, marker: &str| -> Option<(usize, usize)> {
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
        .ok_or("graph: expected a map (the Graph schema)")?;
    let dirs = root.entry("directories").or_insert_with(|| json!([]));
    let dirs = dirs
        .as_array_mut()
        .ok_or("graph.directories: expected a list")?;
    let d = match dirs
        .iter()
        .position(|dir| dir.get("name").and_then(J::as_str) == Some(target))
    {
        Some(d) => d,
        None => {
            dirs.push(json!({"metadata": [], "name": target, "objects": [], "readOnly": false}));
            dirs.len() - 1
        }
    };
    let dir = dirs[d]
        .as_object_mut()
        .ok_or("graph.directories: expected maps")?;
    let objects = dir.entry("objects").or_insert_with(|| json!([]));
    let objects = objects
        .as_array_mut()
        .ok_or_else(|| format!("graph.directories[{d}].objects: expected a list"))?;
    objects.extend(missing);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Levels: what export writes from the model alone, and whether a kept value still agrees
// ---------------------------------------------------------------------------------------------

/// One key export writes at a level.
struct Field {
    key: &'static str,
    kind: Kind,
    /// The value written from the model alone (an error when it cannot be, e.g. an
    /// expression that does not parse).
    value: Result<J, String>,
}

enum Kind {
    /// Read into the model. `absent` is what the model's value is written as when the key
    /// was missing from the input, so that an edit can still add the key.
    Interpreted { absent: J },
    /// Rebuilt from the level's children (rows, attributes); never kept raw.
    Children,
    /// Not interpreted; written with Entra's default unless `graph` holds another value.
    Defaulted,
}

impl Field {
    fn interpreted(key: &'static str, absent: J, value: Result<J, String>) -> Field {
        Field {
            key,
            kind: Kind::Interpreted { absent },
            value,
        }
    }

    fn defaulted(key: &'static str, value: J) -> Field {
        Field {
            key,
            kind: Kind::Defaulted,
            value: Ok(value),
        }
    }

    fn children(key: &'static str, value: Result<J, String>) -> Field {
        Field {
            key,
            kind: Kind::Children,
            value,
        }
    }
}

fn row_fields(row: &AttributeMapping) -> Vec<Field> {
    vec![
        Field::interpreted(
            "defaultValue",
            J::Null,
            Ok(row.default.clone().map_or(J::Null, J::String)),
        ),
        Field::defaulted("exportMissingReferences", json!(false)),
        Field::defaulted("flowBehavior", json!("FlowWhenChanged")),
        Field::interpreted(
            "flowType",
            json!("Always"),
            Ok(json!(flow_type_name(row.apply))),
        ),
        Field::interpreted(
            "matchingPriority",
            json!(0),
            Ok(json!(row.matching.unwrap_or(0))),
        ),
        Field::interpreted(
            "source",
            J::Null,
            row_source(row).and_then(|s| encode_source(&s)),
        ),
        // Import refuses rows without a target, so the key is never absent.
        Field::interpreted("targetAttributeName", J::Null, Ok(json!(row.target.value))),
    ]
}

fn row_agrees(row: &AttributeMapping, key: &str, raw: &J) -> bool {
    let p = Path::root();
    match key {
        "defaultValue" => decode_default(raw, &p).is_ok_and(|d| d == row.default),
        "flowType" => decode_flow_type(raw, &p).is_ok_and(|a| a == row.apply),
        "matchingPriority" => decode_priority(raw, &p).is_ok_and(|m| m == row.matching),
        "source" => decode_source(raw, &p).is_ok_and(|s| Ok(s) == row_source(row)),
        "targetAttributeName" => raw.as_str() == Some(row.target.value.as_str()),
        _ => false,
    }
}

fn attribute_fields(attr: &TargetAttribute) -> Vec<Field> {
    vec![
        Field::defaulted("anchor", json!(false)),
        Field::interpreted("caseExact", json!(false), Ok(json!(attr.case_exact))),
        Field::defaulted("metadata", json!([])),
        Field::interpreted("multivalued", json!(false), Ok(json!(attr.multi_valued))),
        Field::defaulted("mutability", json!("ReadWrite")),
        Field::interpreted("name", J::Null, Ok(json!(attr.name.value))),
        Field::interpreted(
            "referencedObjects",
            json!([]),
            Ok(encode_references(&attr.references)),
        ),
        Field::interpreted("required", json!(false), Ok(json!(attr.required))),
        Field::interpreted("type", json!("String"), Ok(json!(type_name(attr.kind)))),
    ]
}

fn attribute_agrees(attr: &TargetAttribute, key: &str, raw: &J) -> bool {
    let p = Path::root();
    match key {
        "caseExact" => raw.as_bool() == Some(attr.case_exact),
        "multivalued" => raw.as_bool() == Some(attr.multi_valued),
        "required" => raw.as_bool() == Some(attr.required),
        "name" => raw.as_str() == Some(attr.name.value.as_str()),
        "referencedObjects" => decode_references(raw, &p).is_ok_and(|r| r == attr.references),
        "type" => decode_type(raw, &p).is_ok_and(|t| t == attr.kind),
        _ => false,
    }
}

fn object_mapping_fields(om: &ObjectMapping, role: Role, rows: Result<J, String>) -> Vec<Field> {
    let name_or = |name: &Option<String>, default: &str| json!(name.as_deref().unwrap_or(default));
    vec![
        Field::children("attributeMappings", rows),
        Field::interpreted("enabled", json!(true), Ok(json!(om.enabled))),
        Field::interpreted(
            "flowTypes",
            json!("Add, Update, Delete"),
            Ok(json!(encode_flow_types(mask(&om.actions)))),
        ),
        Field::defaulted("metadata", json!([])),
        Field::defaulted("name", json!(role.mapping_name())),
        Field::interpreted("scope", J::Null, Ok(encode_scope(&om.scope))),
        Field::interpreted(
            "sourceObjectName",
            json!(role.source_object()),
            Ok(name_or(&om.source_object, role.source_object())),
        ),
        Field::interpreted(
            "targetObjectName",
            json!(role.target_object()),
            Ok(name_or(&om.target_object, role.target_object())),
        ),
    ]
}

fn object_mapping_agrees(om: &ObjectMapping, key: &str, raw: &J) -> bool {
    let p = Path::root();
    match key {
        "enabled" => raw.as_bool() == Some(om.enabled),
        "flowTypes" => decode_flow_types(raw, &p).is_ok_and(|m| m == mask(&om.actions)),
        "scope" => {
            decode_scope(raw, &p).is_ok_and(|s| comparable_scope(&s) == comparable_scope(&om.scope))
        }
        "sourceObjectName" => raw.as_str().is_some() && raw.as_str() == om.source_object.as_deref(),
        "targetObjectName" => raw.as_str().is_some() && raw.as_str() == om.target_object.as_deref(),
        _ => false,
    }
}

fn definition_fields(om: &ObjectMapping, role: Role, attributes: Result<J, String>) -> Vec<Field> {
    vec![
        Field::children("attributes", attributes),
        Field::defaulted("metadata", json!([])),
        Field::interpreted("name", J::Null, Ok(json!(target_object(om, role)))),
        Field::defaulted("supportedApis", json!([])),
    ]
}

fn definition_agrees(om: &ObjectMapping, role: Role, key: &str, raw: &J) -> bool {
    key == "name" && raw.as_str() == Some(target_object(om, role))
}

fn target_object(om: &ObjectMapping, role: Role) -> &str {
    om.target_object.as_deref().unwrap_or(role.target_object())
}

/// The `graph` of a level being imported: every key of `raw` whose value export would not
/// write from the model alone, and `$keys` when export would not write the same keys in the
/// same order.
fn kept(raw: &Map<String, J>, fields: &[Field]) -> Map<String, J> {
    let mut graph = Map::new();
    for (key, value) in raw {
        match fields.iter().find(|f| f.key == key) {
            Some(Field {
                kind: Kind::Children,
                ..
            }) => {}
            Some(Field {
                value: Ok(natural), ..
            }) if same(natural, value) => {}
            Some(_) => {
                graph.insert(key.clone(), value.clone());
            }
            None => {
                graph.insert(escape(key), value.clone());
            }
        }
    }
    let mut natural: Vec<&str> = fields.iter().map(|f| f.key).collect();
    natural.extend(
        raw.keys()
            .map(String::as_str)
            .filter(|k| !fields.iter().any(|f| f.key == *k)),
    );
    natural.sort_unstable();
    if !raw.keys().map(String::as_str).eq(natural.iter().copied()) {
        graph.insert(KEYS.to_string(), raw.keys().map(|k| json!(k)).collect());
    }
    graph
}

/// Write one level: the fields from the model, overridden by what `graph` keeps, in the
/// order `$keys` gives (or sorted, as Graph writes).
fn assemble(fields: Vec<Field>, graph: &J, agrees: impl Fn(&str, &J) -> bool) -> Result<J, String> {
    let empty = Map::new();
    let kept = graph.as_object().unwrap_or(&empty);
    // (key, value, whether to write it even when `$keys` does not list it)
    let mut entries: Vec<(String, J, bool)> = Vec::with_capacity(fields.len() + kept.len());
    for field in &fields {
        let stored = kept.get(field.key);
        let (value, explicit) = match (&field.kind, stored) {
            (Kind::Interpreted { .. }, Some(raw)) if agrees(field.key, raw) => (raw.clone(), true),
            (Kind::Defaulted, Some(raw)) => (raw.clone(), true),
            _ => (field.value.clone()?, false),
        };
        let changed = match &field.kind {
            Kind::Interpreted { absent } => !same(&value, absent),
            Kind::Children => value.as_array().is_some_and(|a| !a.is_empty()),
            Kind::Defaulted => false,
        };
        entries.push((field.key.to_string(), value, explicit || changed));
    }
    for (key, value) in kept {
        if let Some(rest) = key.strip_prefix('$') {
            if rest.starts_with('$') {
                entries.push((rest.to_string(), value.clone(), true));
            }
        } else if !fields.iter().any(|f| f.key == key) {
            entries.push((key.clone(), value.clone(), true));
        }
    }
    let mut out = Map::new();
    if let Some(keys) = kept.get(KEYS).and_then(J::as_array) {
        for key in keys.iter().filter_map(J::as_str) {
            if let Some(i) = entries.iter().position(|e| e.0 == key) {
                let (k, v, _) = entries.remove(i);
                out.insert(k, v);
            }
        }
        entries.retain(|e| e.2);
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v, _) in entries {
        out.insert(k, v);
    }
    Ok(J::Object(out))
}

fn level(graph: Map<String, J>) -> J {
    if graph.is_empty() {
        J::Null
    } else {
        J::Object(graph)
    }
}

/// Graph keys that look like entramap's own `$` keys get one more `$`.
fn escape(key: &str) -> String {
    if key.starts_with('$') {
        format!("${key}")
    } else {
        key.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// What a row reads, as one value (the model spreads it over three optional fields).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    None,
    Attribute(String),
    Constant(String),
    Expression(String),
}

fn row_source(row: &AttributeMapping) -> Result<Source, String> {
    match (&row.source, &row.constant, &row.expression) {
        (None, None, None) => Ok(Source::None),
        (Some(s), None, None) => Ok(Source::Attribute(s.value.clone())),
        (None, Some(c), None) => Ok(Source::Constant(c.value.clone())),
        (None, None, Some(e)) => Ok(Source::Expression(e.value.clone())),
        _ => Err("sets more than one of source, constant and expression".to_string()),
    }
}

fn decode_source(raw: &J, path: &Path) -> Result<Source, String> {
    if raw.is_null() {
        return Ok(Source::None);
    }
    let map = object(raw, path)?;
    let kind = match map.get("type") {
        // Graph documents `Attribute` as the default type.
        None => "Attribute",
        Some(v) => string(v, &path.key("type"))?,
    };
    let field = |key: &str| -> Result<String, String> {
        match map.get(key) {
            Some(v) => Ok(string(v, &path.key(key))?.to_string()),
            None => Err(path
                .key(key)
                .err(format!("missing: a {kind} source has a {key}"))),
        }
    };
    match kind {
        "Attribute" => Ok(Source::Attribute(field("name")?)),
        "Constant" => Ok(Source::Constant(field("name")?)),
        // The node's own `expression` is what Entra's editor shows for the row.
        "Function" => Ok(Source::Expression(field("expression")?)),
        other => Err(path.key("type").err(format!(
            "expected \"Attribute\", \"Constant\" or \"Function\", found {other:?}"
        ))),
    }
}

fn encode_source(source: &Source) -> Result<J, String> {
    Ok(match source {
        Source::None => J::Null,
        Source::Attribute(name) => json!({
            "expression": format!("[{name}]"),
            "name": name,
            "parameters": [],
            "type": "Attribute",
        }),
        Source::Constant(value) => {
            let mut quoted = String::new();
            write_string(value, &mut quoted);
            json!({"expression": quoted, "name": value, "parameters": [], "type": "Constant"})
        }
        Source::Expression(text) => {
            let tree = syntax::parse(text).map_err(|e| {
                format!(
                    "expression {text:?} does not parse (at byte {}): {}",
                    e.span.start, e.message
                )
            })?;
            // Graph stores schemas with sorted keys; the tree is the same as parseExpression's.
            sorted(expr_graph::to_source(&tree))
        }
    })
}

fn decode_default(raw: &J, path: &Path) -> Result<Option<String>, String> {
    match raw {
        J::Null => Ok(None),
        J::String(s) => Ok(Some(s.clone())),
        other => Err(path.err(format!(
            "expected a string or null, found {}",
            describe(other)
        ))),
    }
}

const FLOW_TYPES: [(&str, Apply); 5] = [
    ("Always", Apply::Always),
    ("ObjectAddOnly", Apply::OnCreate),
    ("MultiValueAddOnly", Apply::MultiValueAddOnly),
    ("ValueAddOnly", Apply::ValueAddOnly),
    ("AttributeAddOnly", Apply::AttributeAddOnly),
];

fn decode_flow_type(raw: &J, path: &Path) -> Result<Apply, String> {
    let s = string(raw, path)?;
    FLOW_TYPES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, apply)| *apply)
        .ok_or_else(|| {
            path.err(format!(
                "expected \"Always\", \"ObjectAddOnly\", \"MultiValueAddOnly\", \"ValueAddOnly\" or \"AttributeAddOnly\", found {s:?}"
            ))
        })
}

fn flow_type_name(apply: Apply) -> &'static str {
    FLOW_TYPES
        .iter()
        .find(|(_, a)| *a == apply)
        .map_or("Always", |(name, _)| name)
}

fn decode_priority(raw: &J, path: &Path) -> Result<Option<u32>, String> {
    let n = raw
        .as_i64()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| {
            path.err(format!(
                "expected a 32-bit integer, found {}",
                describe_value(raw)
            ))
        })?;
    // 0 means "not a matching attribute"; Graph documents only positive precedences.
    Ok(u32::try_from(n).ok().filter(|n| *n > 0))
}

const ACTIONS: [(&str, Action, u8); 3] = [
    ("Add", Action::Create, 1),
    ("Update", Action::Update, 2),
    ("Delete", Action::Delete, 4),
];

fn mask(actions: &[Action]) -> u8 {
    ACTIONS
        .iter()
        .filter(|(_, a, _)| actions.contains(a))
        .fold(0, |m, (_, _, bit)| m | bit)
}

fn actions_of(mask: u8) -> Vec<Action> {
    ACTIONS
        .iter()
        .filter(|(_, _, bit)| mask & bit != 0)
        .map(|(_, a, _)| *a)
        .collect()
}

fn all_actions() -> Vec<Action> {
    actions_of(7)
}

/// `flowTypes` is a flags string: "Add, Update, Delete", also seen without spaces.
fn decode_flow_types(raw: &J, path: &Path) -> Result<u8, String> {
    let s = string(raw, path)?;
    let mut m = 0;
    for part in s.split(',').map(str::trim) {
        if part.eq_ignore_ascii_case("None") {
            continue;
        }
        let (_, _, bit) = ACTIONS
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(part))
            .ok_or_else(|| path.err(format!("expected flags among Add, Update, Delete (e.g. \"Add, Update, Delete\"), found {s:?}")))?;
        m |= bit;
    }
    Ok(m)
}

fn encode_flow_types(mask: u8) -> String {
    let names: Vec<&str> = ACTIONS
        .iter()
        .filter(|(_, _, bit)| mask & bit != 0)
        .map(|(name, _, _)| *name)
        .collect();
    if names.is_empty() {
        "None".to_string()
    } else {
        names.join(", ")
    }
}

fn decode_scope(raw: &J, path: &Path) -> Result<Vec<ScopeFilter>, String> {
    if raw.is_null() {
        return Ok(Vec::new());
    }
    let map = object(raw, path)?;
    let groups_path = path.key("groups");
    let mut filters = Vec::new();
    let Some(groups) = non_null(map.get("groups")) else {
        return Ok(filters);
    };
    for (i, group) in array(groups, &groups_path)?.iter().enumerate() {
        let gpath = groups_path.index(i);
        let group = object(group, &gpath)?;
        let name = optional_string(group.get("name"), &gpath.key("name"))?.map(str::to_string);
        let clauses_path = gpath.key("clauses");
        let mut clauses = Vec::new();
        if let Some(list) = non_null(group.get("clauses")) {
            for (j, clause) in array(list, &clauses_path)?.iter().enumerate() {
                let cpath = clauses_path.index(j);
                let clause = object(clause, &cpath)?;
                let required = |key: &str| -> Result<String, String> {
                    match clause.get(key) {
                        Some(v) => Ok(string(v, &cpath.key(key))?.to_string()),
                        None => Err(cpath.key(key).err("missing")),
                    }
                };
                let operator = required("operatorName")?;
                let attribute = required("sourceOperandName")?;
                let operand_path = cpath.key("targetOperand");
                let value = match non_null(clause.get("targetOperand")) {
                    None => None,
                    Some(operand) => {
                        let operand = object(operand, &operand_path)?;
                        let values_path = operand_path.key("values");
                        match non_null(operand.get("values")) {
                            None => None,
                            Some(values) => {
                                let values = array(values, &values_path)?;
                                for (k, v) in values.iter().enumerate() {
                                    string(v, &values_path.index(k))?;
                                }
                                values.first().and_then(J::as_str).map(str::to_string)
                            }
                        }
                    }
                };
                clauses.push(ScopeClause {
                    attribute: spanned(attribute),
                    operator: spanned(operator),
                    value,
                });
            }
        }
        filters.push(ScopeFilter { name, clauses });
    }
    Ok(filters)
}

fn encode_scope(scope: &[ScopeFilter]) -> J {
    if scope.is_empty() {
        return J::Null;
    }
    let groups: Vec<J> = scope
        .iter()
        .map(|filter| {
            let clauses: Vec<J> = filter
                .clauses
                .iter()
                .map(|c| {
                    json!({
                        "operatorName": c.operator.value,
                        "sourceOperandName": c.attribute.value,
                        "targetOperand": {"values": c.value.iter().collect::<Vec<_>>()},
                    })
                })
                .collect();
            let mut group = Map::new();
            group.insert("clauses".to_string(), J::Array(clauses));
            if let Some(name) = &filter.name {
                group.insert("name".to_string(), json!(name));
            }
            J::Object(group)
        })
        .collect();
    json!({"categoryFilterGroups": [], "groups": groups, "inputFilterGroups": []})
}

type ComparableScope = Vec<(Option<String>, Vec<(String, String, Option<String>)>)>;

fn comparable_scope(scope: &[ScopeFilter]) -> ComparableScope {
    scope
        .iter()
        .map(|f| {
            let clauses = f
                .clauses
                .iter()
                .map(|c| {
                    (
                        c.attribute.value.clone(),
                        c.operator.value.clone(),
                        c.value.clone(),
                    )
                })
                .collect();
            (f.name.clone(), clauses)
        })
        .collect()
}

const TYPES: [(&str, AttributeType); 6] = [
    ("String", AttributeType::String),
    ("Boolean", AttributeType::Boolean),
    ("Integer", AttributeType::Integer),
    ("DateTime", AttributeType::DateTime),
    ("Reference", AttributeType::Reference),
    ("Binary", AttributeType::Binary),
];

fn decode_type(raw: &J, path: &Path) -> Result<AttributeType, String> {
    let s = string(raw, path)?;
    TYPES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            path.err(format!(
                "expected \"String\", \"Boolean\", \"Integer\", \"DateTime\", \"Reference\" or \"Binary\", found {s:?}"
            ))
        })
}

fn type_name(kind: AttributeType) -> &'static str {
    TYPES
        .iter()
        .find(|(_, t)| *t == kind)
        .map_or("String", |(name, _)| name)
}

fn decode_references(raw: &J, path: &Path) -> Result<Vec<String>, String> {
    let Some(list) = non_null(Some(raw)) else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (i, item) in array(list, path)?.iter().enumerate() {
        let ipath = path.index(i);
        let item = object(item, &ipath)?;
        let key_path = ipath.key("referencedObjectName");
        match item.get("referencedObjectName") {
            Some(v) => names.push(string(v, &key_path)?.to_string()),
            None => return Err(key_path.err("missing")),
        }
    }
    Ok(names)
}

fn encode_references(references: &[String]) -> J {
    references
        .iter()
        .map(|name| json!({"referencedObjectName": name}))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------------------------

/// A JSON path for error messages: `synchronizationRules[0].objectMappings[1]`.
#[derive(Clone, Debug)]
struct Path(String);

impl Path {
    fn root() -> Path {
        Path(String::new())
    }

    fn key(&self, key: &str) -> Path {
        if self.0.is_empty() {
            Path(key.to_string())
        } else {
            Path(format!("{}.{key}", self.0))
        }
    }

    fn index(&self, i: usize) -> Path {
        Path(format!("{}[{i}]", self.0))
    }

    fn err(&self, message: impl fmt::Display) -> String {
        if self.0.is_empty() {
            format!("(root): {message}")
        } else {
            format!("{}: {message}", self.0)
        }
    }
}

fn describe(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "a Boolean",
        J::Number(_) => "a number",
        J::String(_) => "a string",
        J::Array(_) => "an array",
        J::Object(_) => "an object",
    }
}

/// Like [`describe`], but shows short scalars (`1.5`, `"1"`), for values of the right kind
/// with the wrong content.
fn describe_value(v: &J) -> String {
    match v {
        J::Number(n) => format!("{n}"),
        J::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        other => describe(other).to_string(),
    }
}

fn object<'a>(v: &'a J, path: &Path) -> Result<&'a Map<String, J>, String> {
    v.as_object()
        .ok_or_else(|| path.err(format!("expected an object, found {}", describe(v))))
}

fn array<'a>(v: &'a J, path: &Path) -> Result<&'a Vec<J>, String> {
    v.as_array()
        .ok_or_else(|| path.err(format!("expected an array, found {}", describe(v))))
}

fn string<'a>(v: &'a J, path: &Path) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| path.err(format!("expected a string, found {}", describe(v))))
}

fn boolean(v: &J, path: &Path) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| path.err(format!("expected true or false, found {}", describe(v))))
}

/// A string that may be missing or null.
fn optional_string<'a>(v: Option<&'a J>, path: &Path) -> Result<Option<&'a str>, String> {
    match non_null(v) {
        None => Ok(None),
        Some(v) => string(v, path).map(Some),
    }
}

fn non_null(v: Option<&J>) -> Option<&J> {
    v.filter(|v| !v.is_null())
}

/// Equality that also compares key order (serde_json's own `==` on maps does not).
fn same(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

/// The same value with every object's keys sorted, the order Graph returns schemas in.
fn sorted(v: J) -> J {
    match v {
        J::Object(map) => {
            let mut entries: Vec<(String, J)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            J::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        J::Array(items) => J::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn spanned(value: String) -> Spanned<String> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

// ---------------------------------------------------------------------------------------------
// Locating an import error in the JSON text
// ---------------------------------------------------------------------------------------------

/// Where in `text` (the JSON an [`import`] error came from) the value the error names is: the
/// byte span of that value's first line, or of the deepest enclosing value that exists (for a
/// missing key). `None` when the error names no path or the text is not the parsed JSON.
pub fn locate(text: &str, error: &str) -> Option<(usize, usize)> {
    let path = error.split(": ").next()?;
    if path == "(root)" || path.is_empty() {
        let start = skip_ws(text.as_bytes(), 0);
        return Some((start, (start + 1).min(text.len())));
    }
    let segments = parse_path(path)?;
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, 0);
    for segment in &segments {
        match find_child(text, at, segment) {
            Some(child) => at = child,
            None => break,
        }
    }
    let end = value_end(bytes, at)?;
    // One line is enough to point at; a whole object would paint the screen.
    let line_end = text[at..end].find('\n').map_or(end, |n| at + n);
    Some((at, line_end.max(at + 1).min(text.len())))
}

enum Segment {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !key.is_empty() {
            segments.push(Segment::Key(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            segments.push(Segment::Index(r[..close].parse().ok()?));
            rest = &r[close + 1..];
        }
    }
    Some(segments)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The start of the member value or element `segment` names in the container at `at`.
fn find_child(text: &str, at: usize, segment: &Segment) -> Option<usize> {
    let bytes = text.as_bytes();
    let (open, close) = match segment {
        Segment::Key(_) => (b'{', b'}'),
        Segment::Index(_) => (b'[', b']'),
    };
    if bytes.get(at) != Some(&open) {
        return None;
    }
    let mut i = skip_ws(bytes, at + 1);
    let mut index = 0;
    while i < bytes.len() && bytes[i] != close {
        let value_start = match segment {
            Segment::Key(wanted) => {
                let key_end = value_end(bytes, i)?;
                let key: String = serde_json::from_str(&text[i..key_end]).ok()?;
                i = skip_ws(bytes, key_end);
                if bytes.get(i) != Some(&b':') {
                    return None;
                }
                let start = skip_ws(bytes, i + 1);
                if key == *wanted {
                    return Some(start);
                }
                start
            }
            Segment::Index(wanted) => {
                if index == *wanted {
                    return Some(i);
                }
                index += 1;
                i
            }
        };
        i = skip_ws(bytes, value_end(bytes, value_start)?);
        if bytes.get(i) == Some(&b',') {
            i = skip_ws(bytes, i + 1);
        }
    }
    None
}

/// One past the end of the JSON value starting at `at`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => {
            let mut i = at + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
            None
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = value_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = at;
            while i < bytes.len()
                && !matches!(bytes[i], b',' | b'}' | b']')
                && !bytes[i].is_ascii_whitespace()
            {
                i += 1;
            }
            Some(i)
        }
    }
}
