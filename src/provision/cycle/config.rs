//! The mapping as a cycle runs it: each object mapping compiled once, for many cycles.

use super::request::SetupError;
use crate::expr::Context;
use crate::model::attribute_index::AttributeIndex;
use crate::model::mapping::{
    AttributeType, Dialect, MappingFile, ObjectMapping, Settings, TargetObjectAction,
};
use crate::model::source::SourceValue;
use crate::provision::guard;
use crate::provision::project::{CompiledMapping, is_active};
use crate::provision::scope::{CompiledScopeFilter, compile_scope};
use crate::provision::target::ResourceKind;
use crate::scim::Path;

/// The mapping, compiled once for many cycles.
pub(super) struct Config {
    pub(super) users: ObjectConfig,
    /// Whether a row targets the core `active`: deprovisioning only disables then (§3.4).
    pub(super) active_mapped: bool,
    pub(super) groups: Option<ObjectConfig>,
    pub(super) dialect: Dialect,
    pub(super) ctx: Context,
    /// `IsSoftDeleted` as expressions read it: `False`, `True` (by `usize::from(bool)`).
    pub(super) soft_deleted: [SourceValue; 2],
    /// Whether a row other than `active` may read `IsSoftDeleted`: deprovisioning then also
    /// writes what those rows give for a deprovisioned user (a custom `status`, say).
    pub(super) soft_delete_rows: bool,
    /// The job settings: scope, default access and the deprovisioning guards.
    pub(super) settings: Settings,
}

/// One object mapping (users or groups), compiled.
pub(super) struct ObjectConfig {
    pub(super) kind: ResourceKind,
    pub(super) mapping: CompiledMapping,
    pub(super) scope: Vec<CompiledScopeFilter>,
    pub(super) schema: AttributeIndex,
    pub(super) actions: Vec<TargetObjectAction>,
    /// The attributes the app requires in a create (references aside: Entra never sends
    /// those in a POST), parsed once.
    pub(super) required: Vec<(String, Path)>,
}

impl Config {
    pub(super) fn compile(
        file: &MappingFile,
        dialect: Dialect,
        ctx: Context,
    ) -> Result<Config, SetupError> {
        if !file.users.enabled {
            return Err(SetupError::UsersDisabled);
        }
        let users = ObjectConfig::compile(ResourceKind::User, &file.users, "users")?;
        let active_mapped = file
            .users
            .mappings
            .iter()
            .any(|m| Path::parse(&m.target.value).is_ok_and(|p| is_active(&p)));
        let groups = match &file.groups {
            Some(g) if g.enabled => Some(ObjectConfig::compile(ResourceKind::Group, g, "groups")?),
            _ => None,
        };
        Ok(Config {
            users,
            active_mapped,
            groups,
            dialect,
            ctx,
            soft_deleted: [
                SourceValue::Str("False".to_owned()),
                SourceValue::Str("True".to_owned()),
            ],
            soft_delete_rows: guard::reads_soft_deleted_beyond_active(&file.users),
            settings: file.settings.clone(),
        })
    }
}

impl ObjectConfig {
    /// Compile `mapping` for objects of `kind`; errors name the mapping as `object`.
    pub(super) fn compile(
        kind: ResourceKind,
        mapping: &ObjectMapping,
        object: &'static str,
    ) -> Result<ObjectConfig, SetupError> {
        Ok(ObjectConfig {
            kind,
            mapping: CompiledMapping::compile(mapping).map_err(|e| SetupError::Row {
                object,
                source: Box::new(e),
            })?,
            scope: compile_scope(&mapping.scope).map_err(|e| SetupError::Scope {
                object,
                source: Box::new(e),
            })?,
            schema: AttributeIndex::new(mapping.attributes.clone()),
            actions: mapping.actions.clone(),
            required: mapping
                .attributes
                .iter()
                .filter(|a| a.required && a.kind != AttributeType::Reference)
                .filter_map(|a| Some((a.name.value.clone(), Path::parse(&a.name.value).ok()?)))
                .collect(),
        })
    }

    pub(super) fn can(&self, action: TargetObjectAction) -> bool {
        self.actions.contains(&action)
    }

    pub(super) fn has_matching(&self) -> bool {
        self.mapping.matching_targets().next().is_some()
    }
}
