//! Generated cases as the simulator and the report see them: directory snapshots before and
//! after the change, the same as the JSON `entramap simulate --directory` reads (so a
//! counterexample replays), and the change in words.

use proptest::sample::Index;
use serde_json::{Map, Value as Json, json};

use super::generate::{Case, Change, GenGroup, GenUser, ManagerRef, Plan};
use crate::model::source::{Record, SourceType, SourceValue, user_attribute};
use crate::provision::directory::{Directory, DirectoryGroup, DirectoryUser};

/// The objectId of user `i`: GUID-shaped and stable across the change.
pub fn user_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-{:012x}", i + 1)
}

fn group_id(i: usize) -> String {
    format!("00000000-0000-4000-9000-{:012x}", i + 1)
}

/// A manager outside the directory: never assigned, so never in the app.
const OUTSIDE_MANAGER: &str = "00000000-0000-4000-8000-ffffffffffff";

impl Case {
    /// The first snapshot.
    pub fn before(&self, plan: &Plan) -> Directory {
        directory(plan, &self.users, &self.groups, self.users.len())
    }

    /// The snapshot after the change.
    pub fn after(&self, plan: &Plan) -> Directory {
        let (users, groups) = self.changed(plan);
        directory(plan, &users, &groups, self.users.len())
    }

    /// The first snapshot as a directory file (JSON).
    pub fn before_json(&self, plan: &Plan) -> Json {
        directory_json(plan, &self.users, &self.groups, self.users.len())
    }

    /// The snapshot after the change as a directory file (JSON).
    pub fn after_json(&self, plan: &Plan) -> Json {
        let (users, groups) = self.changed(plan);
        directory_json(plan, &users, &groups, self.users.len())
    }

    /// A sentence saying what the change does, for the report.
    pub fn describe_change(&self, plan: &Plan) -> String {
        let n = self.users.len();
        let who = |i: &Index| format!("user {}", user_id(i.index(n)));
        match &self.change {
            Change::Set {
                user,
                attribute,
                text,
                list,
                flag,
            } => {
                let slot = attribute.index(plan.user_attributes.len() + 1);
                let (name, value) = if slot == 0 {
                    match text.as_ref().filter(|t| !t.is_empty()) {
                        Some(t) => (
                            "userPrincipalName",
                            format!("{:?}", format!("{t}.{}@contoso.com", user.index(n))),
                        ),
                        None => {
                            return format!(
                                "{}: nothing (an empty UPN is not a change)",
                                who(user)
                            );
                        }
                    }
                } else {
                    let name = plan.user_attributes[slot - 1].as_str();
                    let value = match user_attribute(name) {
                        Some(e) if e.multi_valued => format!("{list:?}"),
                        Some(e) if e.kind == SourceType::Boolean => flag.to_string(),
                        _ => match text {
                            None => "null (cleared)".to_owned(),
                            Some(t) => format!("{t:?}"),
                        },
                    };
                    (name, value)
                };
                format!("{}: `{name}` set to {value}", who(user))
            }
            Change::ToggleAssigned(i) => format!("{}: assignment toggled", who(i)),
            Change::ToggleSoftDeleted(i) => format!("{}: soft delete toggled", who(i)),
            Change::ToggleEnabled(i) => format!("{}: accountEnabled toggled", who(i)),
            Change::HardDelete(i) => format!("{}: hard-deleted", who(i)),
            Change::AddUser(_) => format!("a new user {} appears", user_id(n)),
            Change::Manager(i, None) => format!("{}: manager removed", who(i)),
            Change::Manager(i, Some(_)) => format!("{}: manager changed", who(i)),
            Change::ToggleMember(_, _) | Change::RenameGroup(_, _) if self.groups.is_empty() => {
                "nothing (a group change without groups)".to_owned()
            }
            Change::ToggleMember(g, u) => format!(
                "group {}: membership of {} toggled",
                group_id(g.index(self.groups.len())),
                who(u)
            ),
            Change::RenameGroup(g, name) => format!(
                "group {} renamed to {:?}",
                group_id(g.index(self.groups.len())),
                group_name(
                    &GenGroup {
                        name: name.clone(),
                        ..self.groups[g.index(self.groups.len())].clone()
                    },
                    g.index(self.groups.len())
                )
            ),
        }
    }
}

/// The directory snapshot of generated users and groups.
///
/// `base` is the number of users before the change: indexes (managers, members) resolve
/// against it, so a user added by the change does not move anyone else's references.
pub fn directory(plan: &Plan, users: &[GenUser], groups: &[GenGroup], base: usize) -> Directory {
    let mut out = Directory::default();
    for (i, u) in users.iter().enumerate() {
        if u.deleted {
            continue;
        }
        out.users.push(DirectoryUser {
            object_id: user_id(i),
            record: user_record(plan, users, i, base),
            assigned: u.assigned,
            soft_deleted: u.soft_deleted,
        });
    }
    for (i, g) in groups.iter().enumerate() {
        let mut record = Record::new();
        record.set("objectId", SourceValue::Str(group_id(i)));
        record.set("displayName", SourceValue::Str(group_name(g, i)));
        record.set("members", SourceValue::List(member_ids(g, base)));
        for (name, v) in plan.group_attributes.iter().zip(&g.values) {
            if let Some(v) = v {
                record.set(name.clone(), SourceValue::Str(v.clone()));
            }
        }
        out.groups.push(DirectoryGroup {
            object_id: group_id(i),
            record,
            assigned: g.assigned,
        });
    }
    out
}

fn group_name(g: &GenGroup, i: usize) -> String {
    // The index first, so no name can make two groups equal under any case folding.
    format!("{i}·{}", g.name)
}

fn upn(u: &GenUser, i: usize) -> String {
    format!("{}.{i}@contoso.com", u.upn)
}

/// The members' objectIds, in order, each once.
fn member_ids(g: &GenGroup, base: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in &g.members {
        let id = user_id(m.index(base));
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn manager_id(users: &[GenUser], i: usize, base: usize) -> Option<String> {
    match users[i].manager.as_ref()? {
        ManagerRef::Outside => Some(OUTSIDE_MANAGER.to_owned()),
        // A user added by the change may be managed by any of the others.
        ManagerRef::InDirectory(m) if i >= base => Some(user_id(m.index(base))),
        ManagerRef::InDirectory(m) if base > 1 => {
            // Never the user itself: pick among the others.
            let j = m.index(base - 1);
            Some(user_id(if j >= i { j + 1 } else { j }))
        }
        ManagerRef::InDirectory(_) => None,
    }
}

fn user_record(plan: &Plan, users: &[GenUser], i: usize, base: usize) -> Record {
    let u = &users[i];
    let mut record = Record::new();
    record.set("objectId", SourceValue::Str(user_id(i)));
    record.set("userPrincipalName", SourceValue::Str(upn(u, i)));
    record.set("accountEnabled", SourceValue::Bool(u.enabled));
    if let Some(m) = manager_id(users, i, base) {
        record.set("manager", SourceValue::Str(m));
    }
    for (name, v) in plan.user_attributes.iter().zip(&u.values) {
        if let Some(v) = v {
            record.set(name.clone(), v.clone());
        }
    }
    record
}

/// The snapshot as the directory file `entramap simulate --directory` reads (JSON), so a
/// counterexample can be replayed.
pub fn directory_json(plan: &Plan, users: &[GenUser], groups: &[GenGroup], base: usize) -> Json {
    let users_json: Vec<Json> = users
        .iter()
        .enumerate()
        .filter(|(_, u)| !u.deleted)
        .map(|(i, u)| {
            let mut o = Map::new();
            o.insert("objectId".into(), json!(user_id(i)));
            o.insert("userPrincipalName".into(), json!(upn(u, i)));
            o.insert("accountEnabled".into(), json!(u.enabled));
            if let Some(m) = manager_id(users, i, base) {
                o.insert("manager".into(), json!(m));
            }
            for (name, v) in plan.user_attributes.iter().zip(&u.values) {
                match v {
                    None => {}
                    Some(SourceValue::Str(s)) => {
                        o.insert(name.clone(), json!(s));
                    }
                    Some(SourceValue::Bool(b)) => {
                        o.insert(name.clone(), json!(b));
                    }
                    Some(SourceValue::List(l)) => {
                        o.insert(name.clone(), json!(l));
                    }
                }
            }
            if !u.assigned {
                o.insert("assigned".into(), json!(false));
            }
            if u.soft_deleted {
                o.insert("softDeleted".into(), json!(true));
            }
            Json::Object(o)
        })
        .collect();
    let groups_json: Vec<Json> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut o = Map::new();
            o.insert("objectId".into(), json!(group_id(i)));
            o.insert("displayName".into(), json!(group_name(g, i)));
            o.insert("members".into(), json!(member_ids(g, base)));
            for (name, v) in plan.group_attributes.iter().zip(&g.values) {
                if let Some(v) = v {
                    o.insert(name.clone(), json!(v));
                }
            }
            if !g.assigned {
                o.insert("assigned".into(), json!(false));
            }
            Json::Object(o)
        })
        .collect();
    let mut top = Map::new();
    top.insert("users".into(), Json::Array(users_json));
    if !groups_json.is_empty() {
        top.insert("groups".into(), Json::Array(groups_json));
    }
    Json::Object(top)
}
