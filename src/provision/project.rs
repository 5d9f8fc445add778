//! Projection: what Entra wants the target object to be, computed from one source object
//! through a compiled object mapping, and the POST body Entra builds from it.
//!
//! A [`CompiledMapping`] compiles every row once (expression, constant or direct attribute;
//! target path); [`CompiledMapping::project`] then only evaluates. The rules (docs/scim-wire.md
//! §3.3, §7.1; docs/ARCHITECTURE.md decisions): nulls never flow, "default value if null"
//! applies on create only, create-only rows never appear in an update,
//! `IgnoreFlowIfNullOrEmpty` removes a row from the flow, and reference rows (manager, members)
//! hold SOURCE object ids because Entra resolves them to target ids in separate requests.

use serde_json::{Map, Value as Json};

use super::diff::RoleWrite;
use super::target::ResourceKind;
use crate::expr::{self, CompileOptions, Context, Outcome, Program};
use crate::model::mapping::{Apply, AttributeMapping, ObjectMapping};
use crate::model::source::Source;
use crate::scim::path::Path;
use crate::scim::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, resource};

/// Which write Entra is preparing: the values of a create and an update differ (defaults,
/// create-only rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// The object is about to be created (POST).
    Create,
    /// The object exists in the target and is being updated (PATCH).
    Update,
}

/// What a row computes its value from.
#[derive(Debug)]
enum Producer {
    /// A direct or expression row.
    Program(Program),
    /// A constant row: no evaluation.
    Constant(String),
    /// Entra's "None" mapping type: only its default value is ever written.
    Nothing,
}

/// What a row's value means for the projection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// An ordinary attribute value.
    Value,
    /// The manager reference: a source objectId, sent later in its own PATCH.
    Manager,
    /// Group members: source objectIds, added by PATCH after the group exists.
    Members,
}

#[derive(Debug)]
struct Row {
    target: String,
    path: Path,
    producer: Producer,
    default: Option<String>,
    create_only: bool,
    role: Role,
    roles: Option<RoleWrite>,
}

/// An object mapping with every row compiled, ready to project many source objects.
#[derive(Debug)]
pub struct CompiledMapping {
    rows: Vec<Row>,
    /// Row indices of matching attributes, by precedence (1 first).
    matching: Vec<usize>,
    /// Whether any row targets the enterprise extension: Entra then lists its URN in a POST's
    /// `schemas` even when this user has no enterprise value (docs/scim-wire.md E6).
    targets_enterprise: bool,
}

/// One attribute value of a projection.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry<'m> {
    /// The row's target attribute, as the mapping writes it.
    pub target: &'m str,
    /// The target, parsed.
    pub path: &'m Path,
    /// The value: a JSON string, or an array for a multi-valued result; never null or empty.
    pub value: Json,
    /// How Entra writes the row when its expression is an app-role function.
    pub roles: Option<RoleWrite>,
}

/// The desired target object for one source object and one flow.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection<'m> {
    /// Attribute values in mapping row order, without the manager and members references.
    pub entries: Vec<Entry<'m>>,
    /// The manager's SOURCE objectId, when the manager row yields one, in either flow (a
    /// create-only manager row included). Entra sends it in a separate PATCH once the manager
    /// has a target id, never in POST.
    pub manager: Option<String>,
    /// Group members' SOURCE objectIds, when a `members` row exists and yields any. Entra adds
    /// them by PATCH after the group is created empty.
    pub members: Option<Vec<String>>,
    /// Matching attributes with their values, in precedence order; rows without a value
    /// (null, empty, dropped) are left out, since Entra can only query by a value.
    pub matching: Vec<(&'m Path, String)>,
    /// Whether the mapping targets the enterprise extension (for `schemas`).
    pub targets_enterprise: bool,
}

/// What one row gives for one source object ([`CompiledMapping::evaluate_rows`]).
#[derive(Clone, Debug, PartialEq)]
pub enum RowResult {
    /// A value that flows (a JSON string, or an array for a multi-valued result).
    Value(Json),
    /// Null or empty: nothing flows, except the default on create.
    Empty,
    /// IgnoreFlowIfNullOrEmpty removed the row from the flow.
    Dropped,
    /// The expression failed: Entra fails the object.
    Failed(String),
}

/// A row whose evaluation failed: Entra fails the whole object (it is not provisioned this
/// cycle), so the error names the row.
#[derive(Clone, Debug, thiserror::Error)]
#[error("mapping to `{target}` failed: {error}")]
pub struct ProjectError {
    /// The target attribute of the failing row.
    pub target: String,
    /// The expression error.
    pub error: expr::Error,
}

/// A row of an object mapping that does not compile; shown as
/// ``mapping to `title`: expression does not compile: …``.
#[derive(Clone, Debug, thiserror::Error)]
#[error("mapping to `{target}`: {kind}")]
pub struct CompileError {
    /// The target attribute of the row.
    pub target: String,
    /// What is wrong with it.
    pub kind: CompileErrorKind,
}

/// What is wrong with a row, for [`CompileError`].
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileErrorKind {
    /// The target is not a SCIM attribute path.
    #[error("invalid target path: {0}")]
    TargetPath(crate::scim::ParseError),
    /// The row's expression does not compile.
    #[error("expression does not compile: {0}")]
    Expression(expr::Error),
    /// The row's source attribute is not one an expression can read.
    #[error("invalid source attribute: {0}")]
    SourceAttribute(expr::Error),
}

impl CompiledMapping {
    /// Compile every row of an object mapping, keeping row order. Errors name the row: an
    /// unparsable target path, or an expression that does not compile.
    pub fn compile(mapping: &ObjectMapping) -> Result<CompiledMapping, CompileError> {
        let rows = mapping
            .mappings
            .iter()
            .map(compile_row)
            .collect::<Result<Vec<_>, _>>()?;
        let mut matching: Vec<(u32, usize)> = mapping
            .mappings
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.matching.map(|p| (p, i)))
            .collect();
        // Stable: equal precedences keep row order.
        matching.sort_by_key(|&(p, _)| p);
        let targets_enterprise = rows.iter().any(|r| {
            r.path
                .urn()
                .is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
        });
        Ok(CompiledMapping {
            rows,
            matching: matching.into_iter().map(|(_, i)| i).collect(),
            targets_enterprise,
        })
    }

    /// What every row gives for one source object, in row order, each evaluated on its own
    /// (a failing row does not stop the others): the attribute table of `explain`.
    pub fn evaluate_rows(&self, source: &dyn Source, ctx: &Context) -> Vec<RowResult> {
        self.rows
            .iter()
            .map(|row| match row.evaluate(source, ctx) {
                Ok(Slot::Flows(v)) => RowResult::Value(v),
                Ok(Slot::Empty) => RowResult::Empty,
                Ok(Slot::Dropped) => RowResult::Dropped,
                Err(e) => RowResult::Failed(e.error.to_string()),
            })
            .collect()
    }

    /// The targets of the matching rows, in precedence order.
    pub fn matching_targets(&self) -> impl Iterator<Item = &str> {
        self.matching.iter().map(|&i| self.rows[i].target.as_str())
    }

    /// Evaluate the mapping for one source object. Rows are evaluated in order; the first
    /// evaluation error stops the projection, as Entra fails the object.
    pub fn project<'m>(
        &'m self,
        source: &dyn Source,
        ctx: &Context,
        flow: Flow,
    ) -> Result<Projection<'m>, ProjectError> {
        let mut values: Vec<Slot> = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            // A create-only row is still evaluated on update when it is a matching row (the
            // match query needs its value whatever the flow) or the manager reference (the
            // manager link is its own step, written once the manager has a target id,
            // whichever flow the user is in).
            let needed = !(row.create_only && flow == Flow::Update) || row.role == Role::Manager;
            let matches = self.matching.contains(&values.len());
            values.push(if needed || matches {
                row.evaluate(source, ctx)?
            } else {
                Slot::Empty
            });
        }
        let matching = self
            .matching
            .iter()
            .filter_map(|&i| match &values[i] {
                Slot::Flows(Json::String(s)) => Some((&self.rows[i].path, s.clone())),
                _ => None,
            })
            .collect();
        let mut projection = Projection {
            entries: Vec::with_capacity(self.rows.len()),
            manager: None,
            members: None,
            matching,
            targets_enterprise: self.targets_enterprise,
        };
        for (row, value) in self.rows.iter().zip(values) {
            if row.create_only && flow == Flow::Update && row.role != Role::Manager {
                continue;
            }
            let value = match value {
                Slot::Flows(v) => v,
                // "Default value if null" is sent only when the object is created.
                Slot::Empty if flow == Flow::Create => match &row.default {
                    Some(d) if !d.is_empty() => Json::String(d.clone()),
                    _ => continue,
                },
                // IgnoreFlowIfNullOrEmpty removes the attribute from the flow altogether,
                // default included: the admin asked for the row to be ignored.
                Slot::Empty | Slot::Dropped => continue,
            };
            match row.role {
                Role::Value => projection.entries.push(Entry {
                    target: &row.target,
                    path: &row.path,
                    value,
                    roles: row.roles,
                }),
                Role::Manager => projection.manager = first_string(value),
                Role::Members => projection.members = Some(strings(value)),
            }
        }
        Ok(projection)
    }
}

fn compile_row(m: &AttributeMapping) -> Result<Row, CompileError> {
    let target = m.target.value.clone();
    let fail = |kind| CompileError {
        target: target.clone(),
        kind,
    };
    let path = Path::parse(&target).map_err(|e| fail(CompileErrorKind::TargetPath(e)))?;
    let producer = if let Some(e) = &m.expression {
        Producer::Program(
            expr::compile(&e.value, &CompileOptions::default())
                .map_err(|err| fail(CompileErrorKind::Expression(err)))?,
        )
    } else if let Some(s) = &m.source {
        // A direct mapping is exactly the expression `[attribute]`.
        Producer::Program(
            expr::compile(&format!("[{}]", s.value), &CompileOptions::default())
                .map_err(|err| fail(CompileErrorKind::SourceAttribute(err)))?,
        )
    } else if let Some(c) = &m.constant {
        Producer::Constant(c.value.clone())
    } else {
        Producer::Nothing
    };
    // Reference rows: Entra resolves the manager and members to target ids itself, so their
    // projected values are source ids kept out of the attribute entries.
    let role = if path.value_filter().is_none() && path.attr().eq_ignore_ascii_case("manager") {
        Role::Manager
    } else if path.urn().is_none()
        && path.value_filter().is_none()
        && path.sub_attr().is_none()
        && path.attr().eq_ignore_ascii_case("members")
    {
        Role::Members
    } else {
        Role::Value
    };
    Ok(Row {
        target: target.clone(),
        path,
        default: m.default.clone(),
        // The other add-only flow types (MultiValueAddOnly, ...) are not modelled yet and
        // behave like Always.
        create_only: m.apply == Apply::OnCreate,
        role,
        roles: match &producer {
            Producer::Program(p) => p.top_function().and_then(|f| RoleWrite::of(f.name)),
            _ => None,
        },
        producer,
    })
}

/// A row's evaluated value.
#[derive(Debug)]
enum Slot {
    /// A non-empty value that flows.
    Flows(Json),
    /// Null or empty (or not evaluated): the default may stand in on create.
    Empty,
    /// IgnoreFlowIfNullOrEmpty removed the row from this flow.
    Dropped,
}

impl Row {
    /// The row's value for one source object.
    fn evaluate(&self, source: &dyn Source, ctx: &Context) -> Result<Slot, ProjectError> {
        let value = match &self.producer {
            Producer::Constant(c) => Json::String(c.clone()),
            Producer::Nothing => return Ok(Slot::Empty),
            Producer::Program(p) => match p.eval(source, ctx) {
                Ok(Outcome::Value(v)) => v.to_json(),
                Ok(Outcome::Dropped) => return Ok(Slot::Dropped),
                Err(error) => {
                    return Err(ProjectError {
                        target: self.target.clone(),
                        error,
                    });
                }
            },
        };
        let empty = match &value {
            Json::Null => true,
            Json::String(s) => s.is_empty(),
            Json::Array(a) => a.is_empty(),
            _ => false,
        };
        Ok(if empty {
            Slot::Empty
        } else {
            Slot::Flows(value)
        })
    }
}

fn first_string(value: Json) -> Option<String> {
    match value {
        Json::String(s) => Some(s),
        Json::Array(items) => items.into_iter().find_map(|v| match v {
            Json::String(s) => Some(s),
            _ => None,
        }),
        _ => None,
    }
}

fn strings(value: Json) -> Vec<String> {
    match value {
        Json::String(s) => vec![s],
        Json::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Json::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl Projection<'_> {
    /// The body of Entra's `POST /Users` or `POST /Groups` for this projection
    /// (docs/ARCHITECTURE.md decisions "POST body"; docs/scim-wire.md E6, §7.3): `schemas`
    /// first (core, plus the enterprise URN when the mapping targets the enterprise extension;
    /// custom extension URNs become objects but are not listed), then the attributes in row
    /// order shaped by [`resource::set`], `"primary": true` on the work email, `active` as a
    /// JSON Boolean, and `meta.resourceType` last. The manager and group members are never part
    /// of a POST.
    pub fn post_body(&self, object: ResourceKind) -> Map<String, Json> {
        body(
            object,
            self.targets_enterprise,
            self.entries.iter().map(|e| (e.path, e.value.clone())),
        )
    }

    /// [`Projection::post_body`], moving the values into the body instead of copying them
    /// (the cycle needs nothing else of a projection it creates from).
    pub fn into_post_body(self, object: ResourceKind) -> Map<String, Json> {
        body(
            object,
            self.targets_enterprise,
            self.entries.into_iter().map(|e| (e.path, e.value)),
        )
    }
}

fn body<'m>(
    object: ResourceKind,
    targets_enterprise: bool,
    entries: impl ExactSizeIterator<Item = (&'m Path, Json)>,
) -> Map<String, Json> {
    // Room for every entry, `schemas` and `meta`: growing would move the entries again.
    let mut body = Map::with_capacity(entries.len() + 2);
    let resource_type = object.resource_type();
    let schemas = match object {
        ResourceKind::User if targets_enterprise => vec![USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        ResourceKind::User => vec![USER_SCHEMA],
        ResourceKind::Group => vec![GROUP_SCHEMA],
    };
    body.insert(
        "schemas".to_owned(),
        Json::Array(schemas.into_iter().map(Json::from).collect()),
    );
    let mut work_email = None;
    // The attributes set so far, case-folded with their extension: a plain one not set yet is
    // inserted without searching its container (`resource::set_absent`); one that was (or a
    // filtered path's attribute) goes through the case-insensitive search.
    let mut plain: super::FastSet<(Option<String>, String)> = super::FastSet::default();
    plain.insert((None, "schemas".to_owned()));
    for (path, value) in entries {
        let value = if is_active(path) {
            active_value(value)
        } else {
            value
        };
        let simple = path.value_filter().is_none() && path.sub_attr().is_none();
        let key = (
            path.extension_urn().map(str::to_ascii_lowercase),
            path.attr().to_ascii_lowercase(),
        );
        if plain.insert(key) && simple {
            resource::set_absent(&mut body, path, value);
        } else {
            resource::set(&mut body, path, value);
        }
        if work_email.is_none() && is_work_email(path) {
            work_email = Some(path);
        }
    }
    if let Some(path) = work_email {
        resource::set_primary(&mut body, path);
    }
    let mut meta = Map::new();
    meta.insert("resourceType".to_owned(), Json::from(resource_type));
    body.insert("meta".to_owned(), Json::Object(meta));
    body
}

/// The core `active` attribute (unqualified or core-URN-qualified).
pub(crate) fn is_active(path: &Path) -> bool {
    path.is_plain() && path.attr().eq_ignore_ascii_case("active")
}

/// `active` is a JSON Boolean in every documented POST, legacy dialect included; text that is
/// not a Boolean is sent as it is, so the vendor's rejection stays visible.
fn active_value(value: Json) -> Json {
    super::diff::truth(&value).map_or(value, Json::Bool)
}

/// `emails[type eq "work"]...`: the element Entra marks primary.
fn is_work_email(path: &Path) -> bool {
    path.extension_urn().is_none()
        && path.attr().eq_ignore_ascii_case("emails")
        && path.value_filter().is_some_and(|f| {
            f.comparisons().iter().any(|(p, v)| {
                p.attr().eq_ignore_ascii_case("type")
                    && v.as_str().is_some_and(|t| t.eq_ignore_ascii_case("work"))
            })
        })
}
