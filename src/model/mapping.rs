//! Mapping tables: what an admin edits in Entra's "Attribute Mapping" blade, in the YAML
//! format entramap reads and writes (documented in `mappings/README.md`).
//!
//! The file types here are plain serde data. Where a value can be wrong in a way worth pointing
//! at (a target name, an expression), it is kept with its location in the file.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// A whole mapping file: the app, its endpoint and dialect, and the user and group object
/// mappings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// The app's name as Entra's gallery (or the admin) calls it.
    pub app: String,
    /// Free text: where the table comes from, what is special about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the table is documented (tutorial URLs), for citation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub docs: Vec<String>,
    /// The SCIM base URL, or its pattern (`https://<tenant>.rfpio.com/rfpserver/scim/v2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_url: Option<String>,
    /// Which of Entra's two SCIM dialects the app gets; the default follows the tenant URL
    /// (`aadOptscim062020` selects `compliant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// The provisioning job's settings that decide who is provisioned and guard
    /// deprovisioning. They are job settings, not part of Graph's synchronizationSchema, so
    /// they live only in entramap's YAML (mappings/README.md, "settings").
    #[serde(default, skip_serializing_if = "Settings::is_default")]
    pub settings: Settings,
    /// The user object mapping ("Provision Microsoft Entra ID Users").
    pub users: ObjectMapping,
    /// The group object mapping, when the app supports groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<ObjectMapping>,
    /// Everything from a Microsoft Graph schema that entramap does not interpret, kept so
    /// that import then export gives the same JSON.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub graph: serde_json::Value,
}

/// The job settings of a mapping file's `settings:` block: the portal's "Scope" choice, the
/// `SkipOutOfScopeDeletions` flag, accidental-deletions prevention, and whether default-access
/// assignments count (docs/engine-behaviours/scope-and-guards.md).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// "Sync only assigned users and groups" (the default) or "Sync all users and groups".
    #[serde(default, skip_serializing_if = "is_default")]
    pub scope: SyncScope,
    /// Users who go out of scope (unassigned, filtered out) are neither disabled nor deleted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_out_of_scope_deletions: bool,
    /// A cycle whose disables plus deletes exceed this number sends none of them and the job
    /// is paused (accidental-deletions prevention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accidental_deletions_threshold: Option<u32>,
    /// Users whose only app role assignments are "Default Access" are not provisioned (gallery
    /// apps whose tutorial says so, e.g. Blink and RFPIO).
    #[serde(default, skip_serializing_if = "is_false")]
    pub exclude_default_access: bool,
}

impl Settings {
    /// Whether every setting has its default (the block is then left out when written).
    pub fn is_default(&self) -> bool {
        *self == Settings::default()
    }
}

/// Which source objects the job considers: Graph keeps the choice in the job's secrets as
/// `SyncAll`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncScope {
    /// Only users and groups assigned to the app, and the direct members of assigned groups.
    #[default]
    Assigned,
    /// Every user and group of the directory (scoping filters still apply).
    All,
}

/// Entra's SCIM request dialects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// The default: PATCH ops `Add`/`Replace`/`Remove`, Booleans as `"True"`/`"False"`.
    #[default]
    Legacy,
    /// `aadOptscim062020`: lowercase ops, JSON Booleans, RFC 7644 shapes. The flag's own
    /// name is accepted for it too, as `--dialect` accepts it.
    #[serde(alias = "aadOptscim062020")]
    Compliant,
}

impl Dialect {
    /// The name the mapping format and `--dialect` use.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Legacy => "legacy",
            Dialect::Compliant => "compliant",
        }
    }

    /// The dialect Entra uses for a tenant URL.
    pub fn for_url(url: &str) -> Dialect {
        if super::dialect::url_has_flag(url) {
            Dialect::Compliant
        } else {
            Dialect::Legacy
        }
    }
}

/// One object mapping: source object type to target object type, its scope, its rows and the
/// target's attribute list.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMapping {
    /// Whether Entra runs this mapping (group mappings can be switched off).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// The source object type: `User` or `Group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_object: Option<String>,
    /// The target object type, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_object: Option<String>,
    /// Target object actions (Create, Update, Delete).
    #[serde(default = "all_actions", skip_serializing_if = "is_all_actions")]
    pub actions: Vec<TargetObjectAction>,
    /// Scoping filters: an object is in scope when any filter's clauses all hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<ScopeFilter>,
    /// The rows of the attribute mapping table, in the order Entra shows them.
    pub mappings: Vec<AttributeMapping>,
    /// The target app's attribute list ("Edit attribute list for &lt;app&gt;").
    #[serde(default)]
    pub attributes: Vec<TargetAttribute>,
    /// Uninterpreted Graph fields of the object mapping and its object definition.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub graph: serde_json::Value,
}

/// A target object action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetObjectAction {
    /// Create objects in the app.
    Create,
    /// Update objects in the app.
    Update,
    /// Delete (or disable) objects in the app.
    Delete,
}

/// One scoping filter: all clauses must hold.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeFilter {
    /// The filter's name in the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The clauses, ANDed.
    pub clauses: Vec<ScopeClause>,
}

/// One scoping clause: attribute, operator, value.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeClause {
    /// The source attribute.
    pub attribute: Spanned<String>,
    /// The operator, as Graph's `operatorName` spells it (`EQUALS`, `REGEX MATCH`, ...).
    pub operator: Spanned<String>,
    /// The operand; unary operators (`IS NULL`, `IS TRUE`, ...) take none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// When a mapping row applies ("Apply this mapping").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Apply {
    /// On create and on every update (Graph `flowType: Always`).
    #[default]
    Always,
    /// Only when the object is created (Graph `ObjectAddOnly`).
    OnCreate,
    /// Only when values are added to a multi-valued attribute (Graph `MultiValueAddOnly`).
    MultiValueAddOnly,
    /// Graph `ValueAddOnly`.
    ValueAddOnly,
    /// Graph `AttributeAddOnly`.
    AttributeAddOnly,
}

/// One row of the attribute mapping table. Exactly one of `source`, `constant` and
/// `expression` is set, or none of them for Entra's "None" mapping type (which only writes
/// its default value).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    /// The target attribute (a SCIM path such as `emails[type eq "work"].value`).
    pub target: Spanned<String>,
    /// Direct mapping: the source attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Spanned<String>>,
    /// Constant mapping: the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constant: Option<Spanned<String>>,
    /// Expression mapping: the expression, as Entra's editor shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<Spanned<String>>,
    /// "Default value if null": sent on create when the source has no value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// "Match objects using this attribute", with its matching precedence (1 first).
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matching: Option<u32>,
    /// "Apply this mapping".
    #[serde(default, skip_serializing_if = "is_default")]
    pub apply: Apply,
    /// Uninterpreted Graph fields of the row (`flowBehavior`, `exportMissingReferences`, ...).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub graph: serde_json::Value,
}

/// The type of a target attribute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum AttributeType {
    /// Text.
    #[default]
    String,
    /// `true`/`false`.
    Boolean,
    /// A whole number.
    Integer,
    /// A date string.
    DateTime,
    /// The id of another object (manager, members).
    Reference,
    /// Bytes.
    Binary,
}

/// One attribute of the target app's schema.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetAttribute {
    /// The attribute name (SCIM path).
    pub name: Spanned<String>,
    /// Its type.
    #[serde(default, rename = "type", skip_serializing_if = "is_default")]
    pub kind: AttributeType,
    /// Whether it holds several values.
    #[serde(default, skip_serializing_if = "is_false")]
    pub multi_valued: bool,
    /// Whether the app requires it ("Required by &lt;App&gt;").
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Whether the app supports filtering on it ("Supported for filtering"): matching
    /// attributes must be.
    #[serde(default, skip_serializing_if = "is_false")]
    pub filterable: bool,
    /// "Exact case": compare values case-sensitively when looking for changes.
    #[serde(default, skip_serializing_if = "is_false")]
    pub case_exact: bool,
    /// The object types a Reference points to (e.g. `User` for manager).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// How the vendor's endpoint stores and returns the attribute (for simulation).
    #[serde(default, skip_serializing_if = "is_default")]
    pub vendor: VendorBehavior,
    /// Uninterpreted Graph fields of the attribute definition.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub graph: serde_json::Value,
}

/// What the app's endpoint does with an attribute Entra sends: the knob that decides whether
/// a mapping converges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VendorBehavior {
    /// Whether the app stores the attribute and returns it on GET.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub stored: bool,
    /// How the app returns a stored value.
    #[serde(default, skip_serializing_if = "is_default")]
    pub returns: Returns,
}

impl Default for VendorBehavior {
    fn default() -> Self {
        VendorBehavior {
            stored: true,
            returns: Returns::AsSent,
        }
    }
}

/// How an app returns a value it stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Returns {
    /// Exactly as sent.
    #[default]
    AsSent,
    /// Lowercased (e.g. emails).
    Lowercase,
    /// Uppercased.
    Uppercase,
    /// As a JSON Boolean, whatever string was sent.
    Boolean,
    /// As a string, whatever JSON type was sent.
    String,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn all_actions() -> Vec<TargetObjectAction> {
    vec![
        TargetObjectAction::Create,
        TargetObjectAction::Update,
        TargetObjectAction::Delete,
    ]
}

fn is_all_actions(a: &[TargetObjectAction]) -> bool {
    a == all_actions().as_slice()
}
