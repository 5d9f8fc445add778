//! `entramap pull`: a tenant's provisioning job, read from Microsoft Graph v1.0 with GET
//! requests only, as the two files every other command runs on: the job's
//! synchronizationSchema as Graph returns it, and a directory snapshot (mappings/DIRECTORY.md)
//! of what the job reads: the users and groups in scope by assignment (or every one, with
//! `--all-users`), with the source attributes the schema's mappings and scoping filters read,
//! managers, direct group members, and the app role of each assignment.
//!
//! - `graph`: the read-only Graph client (paging, throttling, errors that name the call);
//! - this module: which calls, in which order ([`pull`]), and the pure step from Graph's
//!   objects to a [`Directory`] ([`Tenant::directory`]), which a property test reads back.
//!
//! Graph property names become source attribute names through the one table in
//! `expr/catalog.rs` (docs/graph-users.md). What Entra computes (`IsSoftDeleted`, a member's
//! inherited `appRoleAssignments`, a guest's `userPrincipalName`) is not read: the engine
//! derives it (provision/assignment.rs).

pub(crate) mod graph;

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value as Json};

pub use graph::{Call, Graph, GraphStats, PullError};

use crate::expr::catalog;
use crate::model::mapping::{MappingFile, ObjectMapping};
use crate::model::source::Record;
use crate::provision::assignment::DEFAULT_ACCESS;
use crate::provision::directory::{Directory, DirectoryGroup, DirectoryUser};
use crate::provision::export;

/// What to pull.
#[derive(Clone, Debug)]
pub struct PullOptions {
    /// The object id of the app's service principal (Enterprise applications, "Object ID").
    pub service_principal: String,
    /// The provisioning job; found among the service principal's jobs when absent.
    pub job_id: Option<String>,
    /// "Sync all users and groups": read every user (and, with a group mapping, every group)
    /// rather than those assigned.
    pub all_users: bool,
}

/// Everything a pull read: what `pull` writes.
#[derive(Debug)]
pub struct Pulled {
    /// The job whose schema was read.
    pub job_id: String,
    /// The job's synchronizationSchema, exactly as Graph returned it.
    pub schema: Json,
    /// The snapshot of the tenant the job reads.
    pub directory: Directory,
    /// Source attributes the mapping reads that no Graph property gives (absent in the
    /// snapshot).
    pub not_read: Vec<String>,
    /// Users assigned (directly or through a group) whom Graph no longer has: deleted since,
    /// or an assignment not yet replicated away (serviceprincipal-list-approleassignedto.md).
    pub not_found: usize,
    /// What the client did.
    pub stats: GraphStats,
}

/// What Graph said about the tenant, as read: the input of [`Tenant::directory`].
#[derive(Clone, Debug, Default)]
pub struct Tenant {
    /// The service principal's `appRoles`.
    pub app_roles: Vec<Json>,
    /// Its `appRoleAssignedTo`: appRoleAssignment objects.
    pub assignments: Vec<Json>,
    /// Groups read (Graph `group` objects) with their direct members (directoryObjects).
    pub groups: Vec<(Json, Vec<Json>)>,
    /// Users read (Graph `user` objects, `manager` expanded), in the order the job processes
    /// them.
    pub users: Vec<Json>,
}

/// The id of the role of an assignment with no specific app role (appRoleAssignment:
/// `appRoleId` "00000000-0000-0000-0000-000000000000", "Default Access" in the portal).
pub const DEFAULT_ACCESS_ID: &str = "00000000-0000-0000-0000-000000000000";

impl Tenant {
    /// The name entramap's directories give an app role: its `value`, else its
    /// `displayName`, else its id; the empty role id is [`DEFAULT_ACCESS`].
    fn role_name(&self, id: &str) -> String {
        if id == DEFAULT_ACCESS_ID {
            return DEFAULT_ACCESS.to_owned();
        }
        let role = self
            .app_roles
            .iter()
            .find(|r| r.get("id").and_then(Json::as_str) == Some(id));
        let text = |key: &str| {
            role.and_then(|r| r.get(key))
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
        };
        text("value")
            .or_else(|| text("displayName"))
            .unwrap_or(id)
            .to_owned()
    }

    /// Principal id -> the names of the roles it is assigned, in assignment order, once each;
    /// for `principal_type` `User` or `Group`.
    fn roles_of(&self, principal_type: &str) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for a in &self.assignments {
            if a.get("principalType").and_then(Json::as_str) != Some(principal_type) {
                continue;
            }
            let Some(principal) = a.get("principalId").and_then(Json::as_str) else {
                continue;
            };
            let role = self.role_name(
                a.get("appRoleId")
                    .and_then(Json::as_str)
                    .unwrap_or(DEFAULT_ACCESS_ID),
            );
            let roles = out.entry(principal.to_owned()).or_default();
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        out
    }

    /// The snapshot: each user once (the first time its id is seen) with its source
    /// attributes, `assigned` when assigned directly, and the roles of its direct assignments
    /// as `appRoleAssignments`; each group once with `members` (the ids of its direct members,
    /// users and nested groups), `assigned` when assigned, and its roles. Membership through
    /// a group is left to the engine, which applies Entra's rules to it. An object Graph
    /// gave in a shape the snapshot cannot hold is a [`PullError::Answer`].
    pub fn directory(&self) -> Result<Directory, PullError> {
        let user_roles = self.roles_of("User");
        let group_roles = self.roles_of("Group");
        let mut directory = Directory::default();
        let mut seen = HashSet::new();
        for (i, user) in self.users.iter().enumerate() {
            let Json::Object(o) = crate::input::camel_case_keys(user.clone()) else {
                return Err(answer("/users", format!("user {i} is not a JSON object")));
            };
            let mut attributes = export::source_user(&o);
            let Some(id) = attributes
                .get("objectId")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
            else {
                return Err(answer("/users", format!("user {i} has no `id`")));
            };
            if !seen.insert(id.clone()) {
                continue;
            }
            let roles = user_roles.get(&id);
            if let Some(roles) = roles {
                attributes.insert(
                    "appRoleAssignments".into(),
                    Json::Array(roles.iter().cloned().map(Json::String).collect()),
                );
            }
            let record = Record::from_json(&Json::Object(attributes))
                .map_err(|e| answer("/users", format!("user {id}: {}", e.message)))?;
            directory.users.push(DirectoryUser {
                object_id: id,
                record,
                assigned: roles.is_some(),
                soft_deleted: false,
            });
        }
        let mut seen = HashSet::new();
        for (i, (group, members)) in self.groups.iter().enumerate() {
            let Json::Object(o) = crate::input::camel_case_keys(group.clone()) else {
                return Err(answer("/groups", format!("group {i} is not a JSON object")));
            };
            let Some(id) = o
                .get("id")
                .and_then(Json::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
            else {
                return Err(answer("/groups", format!("group {i} has no `id`")));
            };
            if !seen.insert(id.clone()) {
                continue;
            }
            let mut attributes = Map::new();
            attributes.insert("objectId".into(), Json::String(id.clone()));
            for (key, value) in &o {
                // Graph's names are the group source attributes' names, but for `id`.
                if key == "id" || key.starts_with('@') || key == "members" {
                    continue;
                }
                if let Some(v) = scalar_or_list(value) {
                    attributes.insert(key.clone(), v);
                }
            }
            let member_ids: Vec<Json> = members
                .iter()
                .filter_map(|m| m.get("id").and_then(Json::as_str))
                .map(|m| Json::String(m.to_owned()))
                .collect();
            attributes.insert("members".into(), Json::Array(member_ids));
            let roles = group_roles.get(&id);
            if let Some(roles) = roles {
                attributes.insert(
                    "appRoleAssignments".into(),
                    Json::Array(roles.iter().cloned().map(Json::String).collect()),
                );
            }
            let record = Record::from_json(&Json::Object(attributes))
                .map_err(|e| answer("/groups", format!("group {id}: {}", e.message)))?;
            directory.groups.push(DirectoryGroup {
                object_id: id,
                record,
                assigned: roles.is_some(),
            });
        }
        Ok(directory)
    }
}

/// A user or group Graph answered that the snapshot cannot hold, named after the call that
/// read it (`path`: `/users` or `/groups`).
fn answer(path: &str, detail: String) -> PullError {
    PullError::Answer {
        call: format!("GET {}{path}", graph::VERSION),
        detail,
    }
}

/// A group property as a source value: scalars and lists of strings; nulls, empty lists and
/// objects are absent.
fn scalar_or_list(value: &Json) -> Option<Json> {
    match value {
        Json::String(_) | Json::Bool(_) | Json::Number(_) => Some(value.clone()),
        Json::Array(items) if !items.is_empty() && items.iter().all(Json::is_string) => {
            Some(value.clone())
        }
        _ => None,
    }
}

/// The source attributes an object mapping reads, in order of first use: Direct rows'
/// sources, the attributes of expression rows (an expression that does not compile is left
/// to `check`), and scoping filter clauses.
pub fn attributes_read(mapping: &ObjectMapping) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_owned());
        }
    };
    for row in &mapping.mappings {
        if let Some(source) = &row.source {
            add(&source.value);
        }
        let compiled = row
            .expression
            .as_ref()
            .map(|e| crate::expr::compile(&e.value, &crate::expr::CompileOptions::default()));
        if let Some(Ok(program)) = compiled {
            program.attributes().iter().for_each(|a| add(a));
        }
    }
    for filter in &mapping.scope {
        for clause in &filter.clauses {
            add(&clause.attribute.value);
        }
    }
    out
}

/// Source attributes the engine computes: never read from Graph.
const COMPUTED: &[&str] = &[
    "IsSoftDeleted",
    "appRoleAssignments",
    "originalUserPrincipalName",
];

/// The `$select` (and `$expand`) of the user reads: `id`, `userPrincipalName` (labels and
/// guests) and `accountEnabled` (deprovisioning) always, then the Graph property of every
/// source attribute `reads` names; the names no Graph property gives are returned apart.
pub fn user_query(reads: &[String]) -> (String, Vec<String>) {
    let mut select: Vec<&str> = vec!["id", "userPrincipalName", "accountEnabled"];
    let mut manager = false;
    let mut unknown = Vec::new();
    for name in reads {
        if COMPUTED.contains(&name.as_str()) {
            continue;
        }
        if catalog::is_directory_extension(name) {
            if !select.contains(&name.as_str()) {
                select.push(name);
            }
            continue;
        }
        match catalog::graph_user_property(name) {
            Some(row) => match row.graph.select() {
                Some(p) if !select.contains(&p) => select.push(p),
                Some(_) => {}
                None => manager = true,
            },
            None => unknown.push(name.clone()),
        }
    }
    let mut query = format!("$select={}", select.join(","));
    if manager {
        query.push_str("&$expand=manager($select=id)");
    }
    (query, unknown)
}

/// The `$select` of the group reads: `id` and `displayName`, then every attribute the group
/// mapping reads under its own name (Graph's group properties carry the source names), less
/// `objectId`, `members` and what the engine computes.
fn group_query(reads: &[String]) -> String {
    let mut select: Vec<&str> = vec!["id", "displayName"];
    for name in reads {
        if matches!(name.as_str(), "objectId" | "members") || COMPUTED.contains(&name.as_str()) {
            continue;
        }
        if !select.contains(&name.as_str()) {
            select.push(name);
        }
    }
    format!("$select={}", select.join(","))
}

/// Read the job and the tenant. `progress` gets a line now and then (the CLI shows them on
/// standard error); `stop` is polled between requests and during `Retry-After` waits.
pub fn pull(
    graph: &mut Graph,
    options: &PullOptions,
    progress: &mut dyn FnMut(&str),
    stop: &dyn Fn() -> bool,
) -> Result<Pulled, PullError> {
    let sp = graph::path_id("service principal", &options.service_principal)?.to_owned();
    let job_id = match &options.job_id {
        Some(id) => graph::path_id("job", id)?.to_owned(),
        // A job id from Graph goes into the next path: it is checked like one typed in.
        None => graph::path_id("job", &find_job(graph, &sp, stop)?)?.to_owned(),
    };
    progress(&format!("job {job_id}: reading its schema"));
    let schema = graph.get(
        Call::Schema,
        &format!("/servicePrincipals/{sp}/synchronization/jobs/{job_id}/schema"),
        stop,
    )?;
    let schema = Json::Object(schema);
    let mapping: MappingFile =
        crate::load::graph::import(&schema).map_err(|e| PullError::Schema(e.to_string()))?;
    let (user_select, not_read) = user_query(&attributes_read(&mapping.users));
    let group_mapping = mapping.groups.as_ref().filter(|g| g.enabled);
    let group_select = group_query(&group_mapping.map(attributes_read).unwrap_or_default());

    let sp_object = graph.get(
        Call::ServicePrincipal,
        &format!("/servicePrincipals/{sp}?$select=id,appRoles"),
        stop,
    )?;
    let mut tenant = Tenant {
        app_roles: match sp_object.get("appRoles") {
            Some(Json::Array(roles)) => roles.clone(),
            _ => Vec::new(),
        },
        ..Tenant::default()
    };
    tenant.assignments = graph.get_all(
        Call::Assignments,
        &format!("/servicePrincipals/{sp}/appRoleAssignedTo"),
        stop,
        &mut |n| progress(&format!("assignments: {n}")),
    )?;
    let assigned = |kind: &str| -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for a in &tenant.assignments {
            let id = a.get("principalId").and_then(Json::as_str);
            let of_kind = a.get("principalType").and_then(Json::as_str) == Some(kind);
            if let Some(id) = id
                && of_kind
                && seen.insert(id)
            {
                ids.push(id.to_owned());
            }
        }
        ids
    };
    let assigned_users = assigned("User");
    let assigned_groups = assigned("Group");

    // Groups: the assigned ones (their members are in scope), or, syncing everything with a
    // group mapping, every group.
    let groups: Vec<Json> = if options.all_users && group_mapping.is_some() {
        graph.get_all(
            Call::Groups,
            &format!("/groups?{group_select}"),
            stop,
            &mut |n| progress(&format!("groups: {n}")),
        )?
    } else {
        let mut groups = Vec::new();
        for (i, id) in assigned_groups.iter().enumerate() {
            let id = graph::path_id("group", id)?;
            groups.push(Json::Object(graph.get(
                Call::Groups,
                &format!("/groups/{id}?{group_select}"),
                stop,
            )?));
            progress(&format!("groups: {}/{}", i + 1, assigned_groups.len()));
        }
        groups
    };
    for group in groups {
        let id = group
            .get("id")
            .and_then(Json::as_str)
            .ok_or_else(|| PullError::Answer {
                call: "GET /v1.0/groups".to_owned(),
                detail: "a group without `id`".to_owned(),
            })?;
        let id = graph::path_id("group", id)?.to_owned();
        let members = graph.get_all(
            Call::Members,
            &format!("/groups/{id}/members?$select=id"),
            stop,
            &mut |_| {},
        )?;
        tenant.groups.push((group, members));
    }

    let mut not_found = 0;
    if options.all_users {
        tenant.users = graph.get_all(
            Call::Users,
            &format!("/users?{user_select}"),
            stop,
            &mut |n| progress(&format!("users: {n}")),
        )?;
    } else {
        // Assigned directly first, then immediate members of assigned groups.
        let mut ids = assigned_users;
        let mut seen: HashSet<String> = ids.iter().cloned().collect();
        let assigned_groups: HashSet<&str> = assigned_groups.iter().map(String::as_str).collect();
        for (group, members) in &tenant.groups {
            let group_id = group.get("id").and_then(Json::as_str).unwrap_or("");
            if !assigned_groups.contains(group_id) {
                continue;
            }
            for m in members {
                let is_user =
                    m.get("@odata.type").and_then(Json::as_str) == Some("#microsoft.graph.user");
                let id = m.get("id").and_then(Json::as_str);
                if let Some(id) = id
                    && is_user
                    && seen.insert(id.to_owned())
                {
                    ids.push(id.to_owned());
                }
            }
        }
        let (users, missing) = read_users(graph, &ids, &user_select, progress, stop)?;
        tenant.users = users;
        not_found = missing;
    }
    let directory = tenant.directory()?;
    Ok(Pulled {
        job_id,
        schema,
        directory,
        not_read,
        not_found,
        stats: graph.stats(),
    })
}

/// Users read per `GET /users?$filter=id in (...)`: a short URL, within the lists Graph's `in`
/// operator is known to take on `id` (user.md: `id` supports `$filter` with `in`).
pub const USERS_PER_REQUEST: usize = 15;

/// The users `ids` names, in that order, and how many Graph did not return. Read
/// [`USERS_PER_REQUEST`] at a time with `$filter=id in (...)`; when Graph refuses that query
/// (400), one `GET /users/{id}` each from then on.
fn read_users(
    graph: &mut Graph,
    ids: &[String],
    select: &str,
    progress: &mut dyn FnMut(&str),
    stop: &dyn Fn() -> bool,
) -> Result<(Vec<Json>, usize), PullError> {
    let mut found: HashMap<String, Json> = HashMap::with_capacity(ids.len());
    let mut batched = true;
    let mut done = 0;
    for chunk in ids.chunks(USERS_PER_REQUEST) {
        for id in chunk {
            graph::path_id("user", id)?;
        }
        if batched {
            let list: Vec<String> = chunk.iter().map(|id| format!("'{id}'")).collect();
            let query = format!("/users?$filter=id%20in%20({})&{select}", list.join(","));
            match graph.get_all(Call::Users, &query, stop, &mut |_| {}) {
                Ok(users) => {
                    for user in users {
                        if let Some(id) = user.get("id").and_then(Json::as_str) {
                            found.insert(id.to_owned(), user);
                        }
                    }
                }
                Err(PullError::Graph { status: 400, .. }) => {
                    batched = false;
                    progress(
                        "users: Graph refused `$filter=id in (...)`; reading one user per request",
                    );
                }
                Err(e) => return Err(e),
            }
        }
        if !batched {
            for id in chunk {
                match graph.get(Call::Users, &format!("/users/{id}?{select}"), stop) {
                    Ok(user) => {
                        found.insert(id.clone(), Json::Object(user));
                    }
                    Err(PullError::Graph { status: 404, .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let before = done;
        done += chunk.len();
        if before / 300 != done / 300 || done == ids.len() {
            progress(&format!("users: {done}/{}", ids.len()));
        }
    }
    let users: Vec<Json> = ids.iter().filter_map(|id| found.remove(id)).collect();
    let missing = ids.len() - users.len();
    Ok((users, missing))
}

/// The service principal's one provisioning job; several need `--job-id`.
fn find_job(graph: &mut Graph, sp: &str, stop: &dyn Fn() -> bool) -> Result<String, PullError> {
    let jobs = graph.get_all(
        Call::Jobs,
        &format!("/servicePrincipals/{sp}/synchronization/jobs"),
        stop,
        &mut |_| {},
    )?;
    let described: Vec<String> = jobs
        .iter()
        .filter_map(|j| {
            let id = j.get("id")?.as_str()?;
            let template = j.get("templateId").and_then(Json::as_str).unwrap_or("?");
            Some(format!(
                "{} (template {})",
                crate::live::report::visible(id),
                crate::live::report::visible(template)
            ))
        })
        .collect();
    match described.len() {
        0 => Err(PullError::Job(format!(
            "service principal {sp} has no provisioning job: set up provisioning for the app \
             first (Enterprise applications > the app > Provisioning)"
        ))),
        1 => Ok(jobs[0]["id"].as_str().unwrap_or_default().to_owned()),
        _ => Err(PullError::Job(format!(
            "service principal {sp} has {} provisioning jobs: choose one with --job-id: {}",
            described.len(),
            described.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_query_selects_graph_names_and_expands_the_manager() {
        let reads: Vec<String> = [
            "userPrincipalName",
            "mobile",
            "telephoneNumber",
            "extensionAttribute2",
            "manager",
            "IsSoftDeleted",
            "extension_0123456789abcdef0123456789abcdef_cc",
            "notAThing",
        ]
        .map(str::to_owned)
        .to_vec();
        let (query, unknown) = user_query(&reads);
        assert_eq!(
            query,
            "$select=id,userPrincipalName,accountEnabled,mobilePhone,businessPhones,\
             onPremisesExtensionAttributes,extension_0123456789abcdef0123456789abcdef_cc\
             &$expand=manager($select=id)"
        );
        assert_eq!(unknown, vec!["notAThing".to_owned()]);
    }
}
