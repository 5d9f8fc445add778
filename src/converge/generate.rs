//! Directories to run a mapping against, as proptest strategies (rendered as snapshots by
//! [`super::snapshot`]): a few users (shrinking needs
//! small cases) with the source attributes the mapping reads, realistic and adversarial values
//! (diacritics, mixed case, other scripts, empty strings, nulls, very long values, multi-valued
//! attributes), soft-deleted, disabled and unassigned users, managers in and out of the
//! directory, groups, and one source change to apply after the first snapshot has settled.
//!
//! Entra's own invariants hold in every generated directory, so that what fails is the mapping
//! and not the data: objectIds and userPrincipalNames are unique (the UPN keeps the user's
//! index, so no case folding can make two equal), every user has `accountEnabled`, the
//! attributes Entra always fills (`displayName`, `mailNickname`) are never empty, and group
//! display names are unique (Entra matches groups by them).

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use super::inspect::RowInfo;
use crate::model::mapping::ObjectMapping;
use crate::model::source::{SourceType, SourceValue, user_attribute};
use crate::provision::target::ResourceKind;

/// Most users per generated directory (before the change adds one).
pub const MAX_USERS: usize = 4;
/// Most groups per generated directory.
pub const MAX_GROUPS: usize = 2;

/// Source attributes that the generator fills itself, whatever the mapping reads.
const SPECIAL: &[&str] = &[
    "objectId",
    "userPrincipalName",
    "accountEnabled",
    "IsSoftDeleted",
    "manager",
];

/// User attributes Entra fills for every user: never null or empty here.
const ALWAYS_PRESENT: &[&str] = &["displayName", "mailNickname"];

/// Names with diacritics and other scripts, as real directories hold them.
const NAMES: &[&str] = &[
    "Emma",
    "Amélie",
    "Björn",
    "Zoë",
    "José",
    "Łukasz",
    "Søren",
    "Ångström",
    "Müller",
    "Núñez",
    "Dvořák",
    "O'Brien",
    "Kenji",
    "山田",
    "Anaïs",
    "Ørsted",
];

/// Values that trip up comparisons, casing, encodings and parsers.
const ADVERSARIAL: &[&str] = &[
    " padded ",
    "ÅNGSTRÖM",
    "straße",
    "İstanbul",
    "ǅungla",
    "ﬁle",
    "e\u{301}",
    "😀 emoji",
    "00012345",
    "True",
    "false",
    "null",
    "a\"quote",
    "back\\slash",
    "tab\there",
    "new\nline",
    "Mixed@CONTOSO.com",
    "[bracket]",
    "%20",
    "+44 20 7946 0958",
    "\u{200B}",
];

/// What the mapping reads, so only those attributes are generated.
#[derive(Clone, Debug)]
pub struct Plan {
    /// User source attributes the user mapping reads (rows and scoping), apart from the ones
    /// generated for every user.
    pub user_attributes: Vec<String>,
    /// Group source attributes the group mapping reads, apart from `objectId`,
    /// `displayName` and `members`.
    pub group_attributes: Vec<String>,
    /// Whether the app gets groups.
    pub groups: bool,
    /// Values the mapping compares user attributes with (Switch keys, scoping filter
    /// operands, `=` comparisons), by attribute: generated often, and in other cases, so that
    /// every branch and both sides of every filter get exercised.
    pub hints: Vec<(String, Vec<String>)>,
}

impl Plan {
    fn hints_for(&self, name: &str) -> Vec<String> {
        self.hints
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all_hints(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in self.hints.iter().flat_map(|(_, v)| v) {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }
}

impl Plan {
    /// The plan for a mapping: every source attribute its rows (inspected) and scoping filters
    /// read.
    pub fn new(users: &ObjectMapping, groups: Option<&ObjectMapping>, rows: &[RowInfo]) -> Plan {
        let groups = groups.filter(|g| g.enabled);
        let reads = |kind: ResourceKind| {
            rows.iter()
                .filter(move |r| r.kind == kind)
                .flat_map(|r| r.reads.iter().cloned())
        };
        let scope = |m: &ObjectMapping| -> Vec<String> {
            m.scope
                .iter()
                .flat_map(|f| f.clauses.iter().map(|c| c.attribute.value.clone()))
                .collect()
        };
        let mut user_attributes: Vec<String> = Vec::new();
        for name in reads(ResourceKind::User).chain(scope(users)) {
            if !SPECIAL.contains(&name.as_str()) && !user_attributes.contains(&name) {
                user_attributes.push(name);
            }
        }
        let mut group_attributes: Vec<String> = Vec::new();
        let group_scope = groups.map(scope).unwrap_or_default();
        for name in reads(ResourceKind::Group).chain(group_scope) {
            if !["objectId", "displayName", "members"].contains(&name.as_str())
                && !group_attributes.contains(&name)
            {
                group_attributes.push(name);
            }
        }
        let mut hints: Vec<(String, Vec<String>)> = Vec::new();
        let compared = rows
            .iter()
            .filter(|r| r.kind == ResourceKind::User)
            .flat_map(|r| r.compared.iter().cloned());
        let operands = users.scope.iter().flat_map(|f| {
            f.clauses
                .iter()
                .filter_map(|c| Some((c.attribute.value.clone(), c.value.clone()?)))
        });
        for (name, value) in compared.chain(operands) {
            if value.is_empty() {
                continue;
            }
            match hints.iter_mut().find(|(n, _)| *n == name) {
                Some((_, values)) if !values.contains(&value) => values.push(value),
                Some(_) => {}
                None => hints.push((name, vec![value])),
            }
        }
        Plan {
            user_attributes,
            group_attributes,
            groups: groups.is_some(),
            hints,
        }
    }
}

/// A user's manager.
#[derive(Clone, Debug)]
pub enum ManagerRef {
    /// Another user of the directory (resolved modulo the user count; never the user itself).
    InDirectory(Index),
    /// A user outside the directory, so never in scope.
    Outside,
}

/// One generated user.
#[derive(Clone, Debug)]
pub struct GenUser {
    /// The local part of the UPN; the user's index keeps UPNs unique.
    pub upn: String,
    /// Values of [`Plan::user_attributes`], in order; `None` is absent.
    pub values: Vec<Option<SourceValue>>,
    /// `accountEnabled`.
    pub enabled: bool,
    /// The manager, if any.
    pub manager: Option<ManagerRef>,
    /// Assigned to the app.
    pub assigned: bool,
    /// In Entra's recycle bin.
    pub soft_deleted: bool,
    /// Hard-deleted (set by a change only).
    pub deleted: bool,
}

/// One generated group.
#[derive(Clone, Debug)]
pub struct GenGroup {
    /// The display name; the group's index keeps it unique.
    pub name: String,
    /// Members, as indexes into the users.
    pub members: Vec<Index>,
    /// Values of [`Plan::group_attributes`], in order.
    pub values: Vec<Option<String>>,
    /// Assigned to the app.
    pub assigned: bool,
}

/// The one source change applied after the first snapshot has settled.
#[derive(Clone, Debug)]
pub enum Change {
    /// Set (or clear, with `None`) one attribute of one user: an index into
    /// `userPrincipalName` followed by [`Plan::user_attributes`].
    Set {
        /// Which user.
        user: Index,
        /// Which attribute.
        attribute: Index,
        /// The new text (for a text attribute; `None` clears it).
        text: Option<String>,
        /// The new list (for a multi-valued attribute).
        list: Vec<String>,
        /// The new Boolean (for a Boolean attribute).
        flag: bool,
    },
    /// Assign or unassign a user.
    ToggleAssigned(Index),
    /// Move a user into or out of the recycle bin.
    ToggleSoftDeleted(Index),
    /// Enable or disable a user's sign-in.
    ToggleEnabled(Index),
    /// Hard-delete a user.
    HardDelete(Index),
    /// A new user appears.
    AddUser(GenUser),
    /// A user gets another manager, or none.
    Manager(Index, Option<ManagerRef>),
    /// A user joins or leaves a group.
    ToggleMember(Index, Index),
    /// A group is renamed.
    RenameGroup(Index, String),
}

/// One generated case: a directory and a change.
#[derive(Clone, Debug)]
pub struct Case {
    /// The users, in processing order.
    pub users: Vec<GenUser>,
    /// The groups.
    pub groups: Vec<GenGroup>,
    /// The change between the two snapshots.
    pub change: Change,
    /// Minutes between cycles: what `Now()` moves by.
    pub gap_minutes: u32,
}

/// Short text, shrinking towards `"a"`.
fn word() -> BoxedStrategy<String> {
    "[a-z]{1,6}".boxed()
}

/// A text value: realistic most of the time, adversarial often enough to find trouble.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => word(),
        4 => select(NAMES).prop_map(str::to_owned),
        2 => (select(NAMES), 0u8..3).prop_map(|(n, c)| match c {
            0 => n.to_uppercase(),
            1 => n.to_lowercase(),
            _ => n
                .chars()
                .enumerate()
                .flat_map(|(i, ch)| {
                    if i % 2 == 0 {
                        ch.to_uppercase().collect::<Vec<_>>()
                    } else {
                        ch.to_lowercase().collect()
                    }
                })
                .collect(),
        }),
        3 => select(ADVERSARIAL).prop_map(str::to_owned),
        1 => (select(NAMES), 256usize..1200).prop_map(|(n, len)| n.chars().cycle().take(len).collect()),
        1 => "\\PC{1,12}",
    ]
    .boxed()
}

/// A value that may be absent or empty.
fn nullable_text() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(String::new())),
        7 => text().prop_map(Some),
    ]
    .boxed()
}

fn list() -> BoxedStrategy<Vec<String>> {
    vec(
        prop_oneof![
            word().prop_map(|w| format!("SMTP:{w}@contoso.com")),
            word().prop_map(|w| format!("smtp:{w}@Fabrikam.com")),
            text(),
        ],
        0..3,
    )
    .boxed()
}

/// Text that is one of the mapping's own constants half of the time (as written, or in
/// another case, which a case-sensitive Switch or filter tells apart).
fn hinted(
    base: BoxedStrategy<Option<String>>,
    hints: Vec<String>,
) -> BoxedStrategy<Option<String>> {
    if hints.is_empty() {
        return base;
    }
    prop_oneof![
        2 => base,
        2 => select(hints.clone()).prop_map(Some),
        1 => select(hints).prop_map(|h| Some(if h.to_lowercase() == h { h.to_uppercase() } else { h.to_lowercase() })),
    ]
    .boxed()
}

/// The strategy of one source attribute, by its catalog type.
fn value(name: &str, hints: Vec<String>) -> BoxedStrategy<Option<SourceValue>> {
    match user_attribute(name) {
        Some(e) if e.multi_valued => prop_oneof![
            1 => Just(None),
            3 => list().prop_map(|l| Some(SourceValue::List(l))),
        ]
        .boxed(),
        Some(e) if e.kind == SourceType::Boolean => prop_oneof![
            1 => Just(None),
            3 => any::<bool>().prop_map(|b| Some(SourceValue::Bool(b))),
        ]
        .boxed(),
        _ if ALWAYS_PRESENT.contains(&name) => hinted(text().prop_map(Some).boxed(), hints)
            .prop_filter_map("Entra fills it", |t| {
                t.filter(|t| !t.trim().is_empty())
                    .map(SourceValue::Str)
                    .map(Some)
            })
            .boxed(),
        _ => hinted(nullable_text(), hints)
            .prop_map(|t| t.map(SourceValue::Str))
            .boxed(),
    }
}

fn manager() -> BoxedStrategy<Option<ManagerRef>> {
    prop_oneof![
        2 => Just(None),
        3 => any::<Index>().prop_map(|i| Some(ManagerRef::InDirectory(i))),
        1 => Just(Some(ManagerRef::Outside)),
    ]
    .boxed()
}

/// One user with the plan's attributes; mostly assigned, enabled and not deleted.
pub fn user(plan: &Plan) -> BoxedStrategy<GenUser> {
    let values: Vec<BoxedStrategy<Option<SourceValue>>> = plan
        .user_attributes
        .iter()
        .map(|n| value(n, plan.hints_for(n)))
        .collect();
    let upn = prop_oneof![4 => word(), 1 => text()];
    (
        upn,
        values,
        // Written as "is not" so that shrinking (towards false) ends at the plain case: an
        // enabled, assigned user.
        prop::bool::weighted(0.15).prop_map(|disabled| !disabled),
        manager(),
        prop::bool::weighted(0.1).prop_map(|unassigned| !unassigned),
        prop::bool::weighted(0.05),
    )
        .prop_map(
            |(upn, values, enabled, manager, assigned, soft_deleted)| GenUser {
                upn,
                values,
                enabled,
                manager,
                assigned,
                soft_deleted,
                deleted: false,
            },
        )
        .boxed()
}

fn group(plan: &Plan) -> BoxedStrategy<GenGroup> {
    let values: Vec<BoxedStrategy<Option<String>>> = plan
        .group_attributes
        .iter()
        .map(|_| nullable_text())
        .collect();
    (
        text(),
        vec(any::<Index>(), 0..4),
        values,
        prop::bool::weighted(0.1).prop_map(|unassigned| !unassigned),
    )
        .prop_map(|(name, members, values, assigned)| GenGroup {
            name,
            members,
            values,
            assigned,
        })
        .boxed()
}

fn change(plan: &Plan) -> BoxedStrategy<Change> {
    let set = (
        any::<Index>(),
        any::<Index>(),
        hinted(nullable_text(), plan.all_hints()),
        list(),
        any::<bool>(),
    )
        .prop_map(|(user, attribute, text, list, flag)| Change::Set {
            user,
            attribute,
            text,
            list,
            flag,
        });
    let mut options: Vec<(u32, BoxedStrategy<Change>)> = vec![
        (6, set.boxed()),
        (1, any::<Index>().prop_map(Change::ToggleAssigned).boxed()),
        (
            1,
            any::<Index>().prop_map(Change::ToggleSoftDeleted).boxed(),
        ),
        (1, any::<Index>().prop_map(Change::ToggleEnabled).boxed()),
        (1, any::<Index>().prop_map(Change::HardDelete).boxed()),
        (1, user(plan).prop_map(Change::AddUser).boxed()),
        (
            1,
            (any::<Index>(), manager())
                .prop_map(|(u, m)| Change::Manager(u, m))
                .boxed(),
        ),
    ];
    if plan.groups {
        options.push((
            1,
            (any::<Index>(), any::<Index>())
                .prop_map(|(g, u)| Change::ToggleMember(g, u))
                .boxed(),
        ));
        options.push((
            1,
            (any::<Index>(), text())
                .prop_map(|(g, n)| Change::RenameGroup(g, n))
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(options).boxed()
}

/// Whole cases: 1 to [`MAX_USERS`] users, up to [`MAX_GROUPS`] groups when the app gets
/// groups, one change, and the time between cycles (one 40-minute cycle, or days when a
/// restart re-evaluates everything).
pub fn case(plan: &Plan) -> BoxedStrategy<Case> {
    let groups = if plan.groups {
        vec(group(plan), 0..=MAX_GROUPS).boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    (
        vec(user(plan), 1..=MAX_USERS),
        groups,
        change(plan),
        prop_oneof![Just(40u32), 41u32..4320],
    )
        .prop_map(|(users, groups, change, gap_minutes)| Case {
            users,
            groups,
            change,
            gap_minutes,
        })
        .boxed()
}

impl Case {
    /// The users and groups after the change.
    pub fn changed(&self, plan: &Plan) -> (Vec<GenUser>, Vec<GenGroup>) {
        let mut users = self.users.clone();
        let mut groups = self.groups.clone();
        let n = users.len();
        match &self.change {
            Change::Set {
                user,
                attribute,
                text,
                list,
                flag,
            } => {
                let u = &mut users[user.index(n)];
                let slot = attribute.index(plan.user_attributes.len() + 1);
                if slot == 0 {
                    // The UPN always has a value; an empty one keeps the old local part.
                    if let Some(t) = text.as_ref().filter(|t| !t.is_empty()) {
                        u.upn = t.clone();
                    }
                } else {
                    let name = &plan.user_attributes[slot - 1];
                    u.values[slot - 1] = match user_attribute(name) {
                        Some(e) if e.multi_valued => Some(SourceValue::List(list.clone())),
                        Some(e) if e.kind == SourceType::Boolean => Some(SourceValue::Bool(*flag)),
                        _ if ALWAYS_PRESENT.contains(&name.as_str()) => text
                            .clone()
                            .filter(|t| !t.trim().is_empty())
                            .map(SourceValue::Str)
                            .or_else(|| u.values[slot - 1].clone()),
                        _ => text.clone().map(SourceValue::Str),
                    };
                }
            }
            Change::ToggleAssigned(i) => users[i.index(n)].assigned ^= true,
            Change::ToggleSoftDeleted(i) => users[i.index(n)].soft_deleted ^= true,
            Change::ToggleEnabled(i) => users[i.index(n)].enabled ^= true,
            Change::HardDelete(i) => users[i.index(n)].deleted = true,
            Change::AddUser(u) => users.push(u.clone()),
            Change::Manager(i, m) => users[i.index(n)].manager = m.clone(),
            Change::ToggleMember(g, u) => {
                if !groups.is_empty() {
                    let len = groups.len();
                    let members = &mut groups[g.index(len)].members;
                    let at = u.index(n);
                    let before = members.len();
                    members.retain(|m| m.index(n) != at);
                    if members.len() == before {
                        members.push(*u);
                    }
                }
            }
            Change::RenameGroup(g, name) => {
                if !groups.is_empty() {
                    let len = groups.len();
                    groups[g.index(len)].name = name.clone();
                }
            }
        }
        (users, groups)
    }
}
