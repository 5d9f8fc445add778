//! Microsoft Graph `synchronizationSchema` JSON to and from [`MappingFile`](crate::MappingFile).
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
//!
//! # Where each job lives
//!
//! `import.rs` reads a schema into the model, `export.rs` writes the model back around the
//! file-level `graph`, `level.rs` decides per key what a level keeps in its `graph` and what
//! export writes, `codec.rs` turns each interpreted field into its Graph form and back,
//! `sources.rs` reads a schema's own source attribute lists, `value.rs` holds the typed JSON
//! accessors, and `error.rs` the one error type. Errors name a [`JsonPath`]; [`locate`] finds
//! it in the text through [`JsonSpans`], the index every JSON locator shares.

mod codec;
mod error;
mod export;
mod import;
mod level;
mod sources;
mod value;

pub use error::{GraphError, GraphErrorKind};
pub use export::export;
pub use import::import;
pub use sources::{group_source_attributes, user_source_attributes};

use crate::input::json::{JsonPath, JsonSpans};

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

/// Where in `text` (the JSON an [`import`] error came from) the value the error names is: the
/// byte span of that value's first line, or of the deepest enclosing value that exists (for a
/// missing key). `None` when the text holds no JSON value.
pub fn locate(text: &str, error: &GraphError) -> Option<(usize, usize)> {
    JsonSpans::new(text).locate(&error.path)
}

/// The path of a place in the mapping file (export errors name the YAML keys).
fn yaml_path(keys: &[&str]) -> JsonPath {
    keys.iter().fold(JsonPath::root(), |p, k| p.key(k))
}
