//! A directory snapshot file read in one pass: serde visitors build each user's [`Record`]
//! straight from the JSON or YAML tokens, with no intermediate JSON value tree. A
//! million-user directory is half a gigabyte of JSON; as a value tree it would need several
//! times that (BENCHMARKS.md), as records only what the simulator keeps.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::directory::{Directory, DirectoryGroup, DirectoryUser};
use crate::model::source::{Record, Source, SourceValue};

impl<'de> de::Deserialize<'de> for Directory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Directory, D::Error> {
        deserializer.deserialize_any(DirectoryVisitor)
    }
}

struct DirectoryVisitor;

impl<'de> Visitor<'de> for DirectoryVisitor {
    type Value = Directory;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a directory: a map with `users` and `groups` lists")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Directory, A::Error> {
        let mut directory = Directory::default();
        let mut seen = [false; 2];
        while let Some(key) = map.next_key::<KeyText>()? {
            let slot = match key.0.as_str() {
                "users" => Some(0),
                "groups" => Some(1),
                _ => None,
            };
            if let Some(slot) = slot
                && std::mem::replace(&mut seen[slot], true)
            {
                return Err(de::Error::custom(crate::input::duplicate_key_message(
                    &key.0,
                )));
            }
            match key.0.as_str() {
                "users" => map.next_value_seed(ListSeed {
                    key: "users",
                    out: &mut directory.users,
                    item: user,
                })?,
                "groups" => map.next_value_seed(ListSeed {
                    key: "groups",
                    out: &mut directory.groups,
                    item: group,
                })?,
                other => {
                    return Err(de::Error::custom(format!(
                        "unknown key `{other}`: a directory has `users` and `groups`"
                    )));
                }
            }
        }
        Ok(directory)
    }
}

/// A map key, borrowed when the format allows it.
struct KeyText(String);

impl<'de> de::Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = KeyText;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
        Ok(KeyText(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<KeyText, E> {
        Ok(KeyText(v))
    }
}

/// One list of the file (`users` or `groups`); `null` is an empty list.
struct ListSeed<'o, T> {
    key: &'static str,
    out: &'o mut Vec<T>,
    item: fn(Attributes) -> T,
}

impl<'de, T> DeserializeSeed<'de> for ListSeed<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T> Visitor<'de> for ListSeed<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` as a list", self.key)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Some(n) = seq.size_hint() {
            self.out.reserve(n);
        }
        let mut i = 0;
        while let Some(attributes) = seq.next_element_seed(ObjectSeed {
            key: self.key,
            index: i,
        })? {
            self.out.push((self.item)(attributes));
            i += 1;
        }
        Ok(())
    }
}

/// One user or group object as read: its source attributes and the simulator's own flags.
struct Attributes {
    object_id: Option<String>,
    record: Record,
    assigned: Option<bool>,
    soft_deleted: Option<bool>,
}

struct ObjectSeed {
    key: &'static str,
    index: usize,
}

impl ObjectSeed {
    fn fault(&self, id: Option<&str>, message: impl fmt::Display) -> String {
        match id {
            Some(id) => format!("{}[{}] ({id}): {message}", self.key, self.index),
            None => format!("{}[{}]: {message}", self.key, self.index),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ObjectSeed {
    type Value = Attributes;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Attributes, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed {
    type Value = Attributes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] as a map of attribute names to values",
            self.key, self.index
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
        let mut out = Attributes {
            object_id: None,
            record: Record::new(),
            assigned: None,
            soft_deleted: None,
        };
        // Keys whose values the record does not keep, for the duplicate check.
        let mut unkept: Vec<String> = Vec::new();
        while let Some(KeyText(name)) = map.next_key::<KeyText>()? {
            if out.record.attribute(&name).is_some() || unkept.contains(&name) {
                return Err(de::Error::custom(self.fault(
                    out.object_id.as_deref(),
                    crate::input::duplicate_key_message(&name),
                )));
            }
            let value = map.next_value::<AttributeValue>().map_err(|e| {
                de::Error::custom(self.fault(
                    out.object_id.as_deref(),
                    format!("attribute `{name}`: {}", strip_position(&e.to_string())),
                ))
            })?;
            let flag = |v: &AttributeValue| match v {
                AttributeValue::Null => Ok(None),
                AttributeValue::Value(SourceValue::Bool(b)) => Ok(Some(*b)),
                _ => Err(de::Error::custom(self.fault(
                    out.object_id.as_deref(),
                    format!("`{name}` must be true or false"),
                ))),
            };
            match name.as_str() {
                "assigned" => {
                    out.assigned = flag(&value)?;
                    unkept.push(name);
                    continue;
                }
                "softDeleted" if self.key == "users" => {
                    out.soft_deleted = flag(&value)?;
                    unkept.push(name);
                    continue;
                }
                // The cycle computes it and overrides whatever the file says, so a value
                // here would be dropped without a word and the user created active.
                "IsSoftDeleted" if self.key == "users" => {
                    return Err(de::Error::custom(
                        self.fault(out.object_id.as_deref(), IS_SOFT_DELETED_COMPUTED),
                    ));
                }
                "objectId" => match &value {
                    AttributeValue::Value(SourceValue::Str(id)) if !id.is_empty() => {
                        out.object_id = Some(id.clone());
                    }
                    _ => {
                        return Err(de::Error::custom(
                            self.fault(None, "`objectId` must be a non-empty string"),
                        ));
                    }
                },
                _ => {}
            }
            match value {
                AttributeValue::Value(v) => {
                    out.record.set(name, v);
                }
                AttributeValue::Null => unkept.push(name),
            }
        }
        if out.object_id.is_none() {
            return Err(de::Error::custom(
                self.fault(None, "has no `objectId` (a non-empty string)"),
            ));
        }
        // Grown by doubling while read; stored at its exact size.
        out.record.shrink_to_fit();
        Ok(out)
    }
}

/// Why a directory user cannot set `IsSoftDeleted`, and which keys to set instead.
const IS_SOFT_DELETED_COMPUTED: &str = "`IsSoftDeleted` is computed by the simulator, not read \
     from the directory: it is true when the user has `accountEnabled: false`, `assigned: \
     false`, `softDeleted: true` or falls out of the scoping filters; set those keys instead";

/// serde_json appends ` at line L column C` to messages raised inside a value; the outer
/// error carries the position once.
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

/// One attribute's value: strings, numbers and Booleans are single values, lists of scalars
/// multi-valued, `null` absent (the same rules as [`Record::from_json`]).
enum AttributeValue {
    Null,
    Value(SourceValue),
}

impl<'de> de::Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AttributeValue, D::Error> {
        d.deserialize_any(AttributeVisitor)
    }
}

const NOT_A_VALUE: &str = "a value must be a string, number, Boolean, list or null";

struct AttributeVisitor;

impl<'de> Visitor<'de> for AttributeVisitor {
    type Value = AttributeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NOT_A_VALUE)
    }

    fn visit_unit<E: de::Error>(self) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Value(SourceValue::Bool(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Value(SourceValue::Str(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Value(SourceValue::Str(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Value(SourceValue::Str(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Value(SourceValue::Str(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<AttributeValue, E> {
        Ok(AttributeValue::Value(SourceValue::Str(float_text(v))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AttributeValue, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<ListItem>()? {
            items.push(item.0);
        }
        Ok(AttributeValue::Value(SourceValue::List(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttributeValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Err(de::Error::custom(NOT_A_VALUE))
    }
}

/// Numbers keep the text serde_json gives them, as `Record::from_json` does.
fn float_text(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())
}

const NOT_AN_ITEM: &str = "the values of a multi-valued attribute must be strings";

/// One value of a multi-valued attribute.
struct ListItem(String);

impl<'de> de::Deserialize<'de> for ListItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ListItem, D::Error> {
        d.deserialize_any(ListItemVisitor)
    }
}

struct ListItemVisitor;

impl<'de> Visitor<'de> for ListItemVisitor {
    type Value = ListItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NOT_AN_ITEM)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ListItem, E> {
        Ok(ListItem(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<ListItem, E> {
        Ok(ListItem(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ListItem, E> {
        Ok(ListItem(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ListItem, E> {
        Ok(ListItem(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ListItem, E> {
        Ok(ListItem(float_text(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ListItem, E> {
        Ok(ListItem(crate::expr::value::bool_text(v).to_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ListItem, E> {
        Err(de::Error::custom(NOT_AN_ITEM))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ListItem, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Err(de::Error::custom(NOT_AN_ITEM))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListItem, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Err(de::Error::custom(NOT_AN_ITEM))
    }
}

// `ObjectSeed` refuses an object without an objectId, so the default is never used.
fn user(a: Attributes) -> DirectoryUser {
    DirectoryUser {
        object_id: a.object_id.unwrap_or_default(),
        record: a.record,
        assigned: a.assigned.unwrap_or(true),
        soft_deleted: a.soft_deleted.unwrap_or(false),
    }
}

fn group(a: Attributes) -> DirectoryGroup {
    DirectoryGroup {
        object_id: a.object_id.unwrap_or_default(),
        record: a.record,
        assigned: a.assigned.unwrap_or(true),
    }
}
