//! Lints over the mapping table of one object: targets against the attribute list, matching,
//! required attributes, duplicates, vendor storage, defaults and direct sources. Expressions
//! and scoping clauses are handed to their own modules.

use std::collections::{HashMap, HashSet};

use serde_saphyr::Spanned;

use super::table::*;
use super::{Checker, ObjectType, catalog, expression, scope};
use crate::expr::compile::did_you_mean;
use crate::model::mapping::{
    Apply, AttributeMapping, AttributeType, ObjectMapping, TargetAttribute,
};
use crate::model::source::SourceType;

/// One row being checked, with what the other passes need to know about it.
pub(super) struct Row<'r> {
    /// Which object mapping.
    pub object: ObjectType,
    /// The row.
    pub mapping: &'r AttributeMapping,
    /// Its target's entry in the attribute list, when the list has it.
    pub attribute: Option<&'r TargetAttribute>,
    /// Where the row's target is in the file: the fallback for findings about the row.
    pub anchor: Option<(usize, usize)>,
}

impl Row<'_> {
    /// The target attribute's name.
    pub fn target(&self) -> &str {
        &self.mapping.target.value
    }

    /// Whether the row has a matching precedence (Graph writes 0 for "not matching").
    pub fn is_matching(&self) -> bool {
        self.mapping.matching.is_some_and(|p| p > 0)
    }

    /// Whether the target is Boolean in the attribute list.
    pub fn boolean_target(&self) -> bool {
        self.attribute
            .is_some_and(|a| a.kind == AttributeType::Boolean)
    }
}

/// Check one object mapping.
pub(super) fn object(cx: &mut Checker<'_>, object: ObjectType, mapping: &ObjectMapping) {
    // The first definition of a name counts; later ones are EM013.
    let mut attributes: HashMap<&str, &TargetAttribute> = HashMap::new();
    let mut defined: HashMap<String, Option<usize>> = HashMap::new();
    for a in &mapping.attributes {
        let span = cx.locator.scalar(&a.name);
        let line = span.map(|s| cx.locator.position(s).line);
        match defined.get(&a.name.value.to_ascii_lowercase()) {
            Some(first) => {
                let message = match first {
                    Some(l) => format!("`{}` is already defined on line {l}", a.name.value),
                    None => format!("`{}` is already defined earlier", a.name.value),
                };
                cx.report(
                    &DUPLICATE_ATTRIBUTE_DEFINITION,
                    object,
                    Some(&a.name.value),
                    span,
                    message,
                );
            }
            None => {
                defined.insert(a.name.value.to_ascii_lowercase(), line);
                attributes.insert(a.name.value.as_str(), a);
                custom_attribute_shape(cx, object, a, span);
            }
        }
    }
    // Targets seen so far, compared ASCII-case-insensitively like SCIM attribute paths, with
    // the line of the first row for the message.
    let mut seen: HashMap<String, Option<usize>> = HashMap::new();
    for mapping_row in &mapping.mappings {
        let anchor = cx.locator.target(&mapping_row.target);
        let row = Row {
            object,
            mapping: mapping_row,
            attribute: attributes.get(mapping_row.target.value.as_str()).copied(),
            anchor,
        };
        mapping_type(cx, &row);
        target(cx, &row, mapping, &mut seen);
        matching(cx, &row);
        behaviour(cx, &row);
        if let Some(source) = &mapping_row.source {
            direct_source(cx, &row, source);
        }
        if let Some(constant) = &mapping_row.constant {
            constant_value(cx, &row, constant);
        }
        if let Some(text) = &mapping_row.expression {
            expression::check(cx, &row, text);
        }
    }
    required(cx, object, mapping);
    if !mapping
        .mappings
        .iter()
        .any(|r| r.matching.is_some_and(|p| p > 0))
    {
        let span = cx.locator.top_level_key(object.key());
        cx.report(
            &NO_MATCHING_ATTRIBUTE,
            object,
            None,
            span,
            format!(
                "no row of the {} mapping has a matching precedence (`match:`)",
                catalog::noun(object)
            ),
        );
    }
    scope::check(cx, object, &mapping.scope);
}

/// EM011: at most one of source, constant and expression.
fn mapping_type(cx: &mut Checker<'_>, row: &Row<'_>) {
    let m = row.mapping;
    let given: Vec<(&str, &Spanned<String>)> = [
        ("source", m.source.as_ref()),
        ("constant", m.constant.as_ref()),
        ("expression", m.expression.as_ref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    if given.len() > 1 {
        let names: Vec<String> = given.iter().map(|(k, _)| format!("`{k}`")).collect();
        let span = cx.locator.scalar(given[1].1).or(row.anchor);
        cx.report(
            &AMBIGUOUS_MAPPING_TYPE,
            row.object,
            Some(row.target()),
            span,
            format!(
                "the row for `{}` has {}; a row is Direct, Constant or Expression",
                row.target(),
                names.join(" and ")
            ),
        );
    }
}

/// EM122: a custom SCIM extension attribute (any extension but the enterprise one) declared
/// multi-valued or as a reference, which non-gallery apps cannot have.
fn custom_attribute_shape(
    cx: &mut Checker<'_>,
    object: ObjectType,
    a: &TargetAttribute,
    span: Option<(usize, usize)>,
) {
    let name = a.name.value.as_str();
    let custom = crate::scim::Path::parse(name).is_ok_and(|p| {
        p.extension_urn()
            .is_some_and(|u| !u.eq_ignore_ascii_case(crate::scim::ENTERPRISE_USER_SCHEMA))
    });
    let shape = match (a.multi_valued, a.kind == AttributeType::Reference) {
        (_, true) => "a reference",
        (true, false) => "multi-valued",
        (false, false) => return,
    };
    if custom {
        cx.report(
            &CUSTOM_ATTRIBUTE_SHAPE,
            object,
            Some(name),
            span,
            format!(
                "`{name}` is a custom extension attribute declared {shape}: custom attributes \
                 of non-gallery apps are single values, never references"
            ),
        );
    }
}

/// EM121, EM003 and EM007: the target is not the primary key, exists and is written once.
fn target(
    cx: &mut Checker<'_>,
    row: &Row<'_>,
    mapping: &ObjectMapping,
    seen: &mut HashMap<String, Option<usize>>,
) {
    let name = row.target();
    if name.eq_ignore_ascii_case("id") {
        cx.report(
            &PRIMARY_KEY_TARGET,
            row.object,
            Some(name),
            row.anchor,
            format!("`{name}` is the app's primary key, which a mapping should not write"),
        );
    }
    if row.attribute.is_none() && !mapping.attributes.is_empty() {
        let names = mapping.attributes.iter().map(|a| a.name.value.as_str());
        let message = match did_you_mean(name, names) {
            Some(best) => format!(
                "`{name}` is not in the {} attribute list; did you mean `{best}`?",
                catalog::noun(row.object)
            ),
            None => format!(
                "`{name}` is not in the {} attribute list",
                catalog::noun(row.object)
            ),
        };
        cx.report(
            &UNKNOWN_TARGET_ATTRIBUTE,
            row.object,
            Some(name),
            row.anchor,
            message,
        );
    }
    let line = row.anchor.map(|s| cx.locator.position(s).line);
    match seen.get(&name.to_ascii_lowercase()) {
        Some(first) => {
            let message = match first {
                Some(l) => format!("`{name}` is already mapped by the row on line {l}"),
                None => format!("`{name}` is already mapped by an earlier row"),
            };
            cx.report(
                &DUPLICATE_TARGET,
                row.object,
                Some(name),
                row.anchor,
                message,
            );
        }
        None => {
            seen.insert(name.to_ascii_lowercase(), line);
        }
    }
}

/// EM005 and EM006: matching attributes the app can filter on, single-valued.
fn matching(cx: &mut Checker<'_>, row: &Row<'_>) {
    let (true, Some(attribute)) = (row.is_matching(), row.attribute) else {
        return;
    };
    let name = row.target();
    if !attribute.filterable {
        cx.report(
            &MATCHING_NOT_FILTERABLE,
            row.object,
            Some(name),
            row.anchor,
            format!(
                "`{name}` is a matching attribute but the app does not support filtering on it"
            ),
        );
    }
    if attribute.multi_valued {
        cx.report(
            &MATCHING_MULTI_VALUED,
            row.object,
            Some(name),
            row.anchor,
            format!("`{name}` is a matching attribute but holds several values"),
        );
    }
}

/// EM106 and EM107: rows that re-send every cycle or whose default only applies on create.
fn behaviour(cx: &mut Checker<'_>, row: &Row<'_>) {
    let m = row.mapping;
    let name = row.target();
    if m.apply == Apply::Always && row.attribute.is_some_and(|a| !a.vendor.stored) {
        cx.report(
            &VENDOR_NOT_STORED,
            row.object,
            Some(name),
            row.anchor,
            format!("`{name}` is mapped on every update but the app does not store it (`vendor.stored: false`)"),
        );
    }
    // A "None" row exists only for its default, and a constant never is null: the pitfall is
    // a default behind a source or expression that may become null after creation.
    if let (Some(default), Apply::Always, true) = (
        &m.default,
        m.apply,
        m.source.is_some() || m.expression.is_some(),
    ) {
        let span = row
            .anchor
            .and_then(|a| cx.locator.sibling_key(a, "default"))
            .or(row.anchor);
        cx.report(
            &DEFAULT_ON_ALWAYS,
            row.object,
            Some(name),
            span,
            format!("the default {default:?} of `{name}` is only sent when the object is created"),
        );
    }
}

/// EM002, EM108 and EM105 for a Direct row.
fn direct_source(cx: &mut Checker<'_>, row: &Row<'_>, source: &Spanned<String>) {
    let name = source.value.as_str();
    let span = cx.locator.scalar(source).or(row.anchor);
    if !cx.is_known_source(row.object, name) {
        unknown_source(cx, row.object, Some(row.target()), name, span);
        return;
    }
    if name == "appRoleAssignments" {
        direct_app_role_assignments(cx, row, span);
    } else if catalog::entry(row.object, name).is_some_and(|e| e.multi_valued)
        && row
            .attribute
            .is_some_and(|a| !a.multi_valued && a.kind != AttributeType::Reference)
    {
        cx.report(
            &MULTI_VALUED_TO_SINGLE_VALUED,
            row.object,
            Some(row.target()),
            span,
            format!(
                "`{name}` is multi-valued but `{}` holds one value: a user with several fails \
                 with SchemaPropertyCanOnlyAcceptValue",
                row.target()
            ),
        );
    }
    if row.boolean_target()
        && let Some(kind) = catalog::kind(row.object, name)
        && kind != SourceType::Boolean
    {
        boolean_target_non_boolean(
            cx,
            row,
            span,
            format!("its source `{name}` is not a Boolean attribute"),
        );
    }
}

/// EM108: a row (Direct, or an expression that is only the attribute) that maps
/// appRoleAssignments itself.
pub(super) fn direct_app_role_assignments(
    cx: &mut Checker<'_>,
    row: &Row<'_>,
    span: Option<(usize, usize)>,
) {
    cx.report(
        &DIRECT_APP_ROLE_ASSIGNMENTS,
        row.object,
        Some(row.target()),
        span,
        format!("`{}` maps appRoleAssignments directly", row.target()),
    );
}

/// BOOLEAN_TARGET_NON_BOOLEAN on a row, whichever of its source, constant or expression gives a
/// value that is not a Boolean: `but` says which and why.
pub(super) fn boolean_target_non_boolean(
    cx: &mut Checker<'_>,
    row: &Row<'_>,
    span: Option<(usize, usize)>,
    but: String,
) {
    cx.report(
        &BOOLEAN_TARGET_NON_BOOLEAN,
        row.object,
        Some(row.target()),
        span,
        format!("`{}` is Boolean but {but}", row.target()),
    );
}

/// EM105 and EM116 for a Constant row.
fn constant_value(cx: &mut Checker<'_>, row: &Row<'_>, constant: &Spanned<String>) {
    // Microsoft's Cloud Sync schemas map `%DomainFQDN%` as a Constant, which only Cloud Sync's
    // agent fills in; anywhere else the app receives the text itself.
    if crate::expr::compile::is_macro(&constant.value) {
        let span = cx.locator.scalar(constant).or(row.anchor);
        cx.report(
            &CLOUD_SYNC_ONLY,
            row.object,
            Some(row.target()),
            span,
            format!(
                "the constant {:?} is a Cloud Sync macro: only Cloud Sync's agent replaces it with the on-premises domain; anything else sends the text as it is",
                constant.value
            ),
        );
    }
    if row.boolean_target() && !expression::is_boolean_text(&constant.value) {
        let span = cx.locator.scalar(constant).or(row.anchor);
        let yields = format!("the constant {:?} is not True or False", constant.value);
        boolean_target_non_boolean(cx, row, span, yields);
    }
}

/// EM002 with a did-you-mean from the object's catalog.
pub(super) fn unknown_source(
    cx: &mut Checker<'_>,
    object: ObjectType,
    target: Option<&str>,
    name: &str,
    span: Option<(usize, usize)>,
) {
    let noun = catalog::noun(object);
    let (mut message, suggestion) = match cx.schema_source(object) {
        Some(names) => (
            format!("`{name}` is not a {noun} attribute of the schema's source directory"),
            crate::expr::compile::did_you_mean(name, names.iter().map(String::as_str)),
        ),
        None => (
            format!("`{name}` is not an Entra {noun} source attribute"),
            catalog::suggestion(object, name),
        ),
    };
    if let Some(best) = suggestion {
        message.push_str(&format!(
            "; did you mean `{best}`? (names are case-sensitive)"
        ));
    }
    cx.report(&UNKNOWN_SOURCE_ATTRIBUTE, object, target, span, message);
}

/// EM004: every required attribute has a row.
fn required(cx: &mut Checker<'_>, object: ObjectType, mapping: &ObjectMapping) {
    let mapped: HashSet<String> = mapping
        .mappings
        .iter()
        .map(|r| r.target.value.to_ascii_lowercase())
        .collect();
    for attribute in mapping.attributes.iter().filter(|a| a.required) {
        let name = attribute.name.value.as_str();
        if !mapped.contains(&name.to_ascii_lowercase()) {
            let span = cx.locator.scalar(&attribute.name);
            cx.report(
                &REQUIRED_TARGET_UNMAPPED,
                object,
                Some(name),
                span,
                format!("`{name}` is required by the app but no row maps it"),
            );
        }
    }
}
