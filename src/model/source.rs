//! Entra source objects as the directory model keeps them: [`Record`], packed, implementing
//! the evaluator's [`Source`] interface.

pub use crate::expr::catalog::{
    CatalogEntry, SourceType, USER_ATTRIBUTES, is_directory_extension, is_known_user_attribute,
    user_attribute,
};
use crate::expr::source::slice;
pub use crate::expr::source::{Items, Source, SourceRef, SourceValue};

/// Why a JSON value is not a source object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RecordError {
    /// The attribute at fault, when one is.
    pub attribute: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// A source object: attribute names and values, packed. A directory holds one per user, a
/// million of them in a large simulation, so a record is one text buffer (every name and
/// value back to back) and a small sorted table of ranges into it, rather than a map of
/// separately allocated strings (a third of the memory; BENCHMARKS.md).
#[derive(Default)]
pub struct Record {
    text: String,
    /// Sorted by name length, then bytes (see `find`); names are unique.
    fields: Vec<Field>,
    /// Ranges of list values, referenced by [`Packed::List`] fields.
    items: Vec<(u32, u32)>,
}

/// A byte range of a record's text: start and length. Records come from files of at most
/// 2 GiB (the directory limit), so 32-bit offsets suffice.
type Range = (u32, u32);

#[derive(Clone, Copy, Debug)]
struct Field {
    name: Range,
    value: Packed,
}

#[derive(Clone, Copy, Debug)]
enum Packed {
    Str(Range),
    Bool(bool),
    /// Start and count in `items`.
    List(Range),
}

/// The length that marks a field name as an index into [`USER_ATTRIBUTES`]: no name in a
/// record's text is 4 GiB long.
const CATALOG_NAME: u32 = u32::MAX;

impl Record {
    /// An object with no attributes.
    pub fn new() -> Record {
        Record::default()
    }

    /// Set an attribute, replacing any value it had.
    pub fn set(&mut self, name: impl Into<String>, value: SourceValue) -> &mut Record {
        let name = name.into();
        let packed = match &value {
            SourceValue::Str(s) => Packed::Str(self.push_text(s)),
            SourceValue::Bool(b) => Packed::Bool(*b),
            SourceValue::List(items) => {
                let start = offset(self.items.len());
                for item in items {
                    let range = self.push_text(item);
                    self.items.push(range);
                }
                Packed::List((start, offset(items.len())))
            }
        };
        match self.find(&name) {
            // The old value's text stays behind: records are built once and read many times.
            Ok(i) => self.fields[i].value = packed,
            Err(i) => {
                // Catalog names are stored as their index: every user of a directory has the
                // same dozen names, a hundred bytes or more of each record.
                let name = match USER_ATTRIBUTES.iter().position(|e| e.name == name) {
                    Some(index) => (offset(index), CATALOG_NAME),
                    None => self.push_text(&name),
                };
                self.fields.insert(
                    i,
                    Field {
                        name,
                        value: packed,
                    },
                );
            }
        }
        self
    }

    /// Release the spare capacity of the buffers, once the record is complete.
    pub fn shrink_to_fit(&mut self) {
        // Fresh exact-size buffers, not `shrink_to_fit`: allocators keep a shrunk block in
        // place when it is at least half used, so a record grown to 512 bytes would keep
        // them all.
        *self = self.clone();
    }

    /// Empty the record, keeping its buffers for the next one (a loader builds each record
    /// in one scratch record, then stores an exact-size copy).
    pub fn clear(&mut self) {
        self.text.clear();
        self.fields.clear();
        self.items.clear();
    }

    fn push_text(&mut self, s: &str) -> Range {
        let start = offset(self.text.len());
        self.text.push_str(s);
        (start, offset(s.len()))
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        // Ordered by length first: most probes then end on one integer comparison instead of
        // a string comparison, and expressions read a record's attributes many times.
        self.fields.binary_search_by(|f| {
            let own = self.name(f);
            own.len().cmp(&name.len()).then_with(|| own.cmp(name))
        })
    }

    fn name(&self, field: &Field) -> &str {
        match field.name {
            (index, CATALOG_NAME) => USER_ATTRIBUTES[index as usize].name,
            range => slice(&self.text, range),
        }
    }

    fn value(&self, field: &Field) -> SourceRef<'_> {
        match field.value {
            Packed::Str(r) => SourceRef::Str(slice(&self.text, r)),
            Packed::Bool(b) => SourceRef::Bool(b),
            Packed::List((start, count)) => SourceRef::List(Items::Packed(
                &self.text,
                &self.items[start as usize..(start + count) as usize],
            )),
        }
    }

    /// Attribute names, shortest first (ties in byte order).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| self.name(f))
    }

    /// Attribute names and values, in [`Record::names`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, SourceRef<'_>)> {
        self.fields.iter().map(|f| (self.name(f), self.value(f)))
    }

    /// Build from a JSON object: strings, numbers and Booleans are single values, arrays are
    /// multi-valued, `null` is absent. Nested objects are rejected with the attribute's name.
    pub fn from_json(value: &serde_json::Value) -> Result<Record, RecordError> {
        use serde_json::Value as Json;
        let object = value.as_object().ok_or_else(|| RecordError {
            attribute: None,
            message: "a source object must be a map of attribute names to values".to_string(),
        })?;
        let fault = |name: &str, what: &str| RecordError {
            attribute: Some(name.to_string()),
            message: format!("attribute `{name}`: {what}"),
        };
        let mut record = Record::new();
        for (name, v) in object {
            let value = match v {
                Json::Null => continue,
                Json::Bool(b) => SourceValue::Bool(*b),
                Json::Number(n) => SourceValue::Str(n.to_string()),
                Json::String(s) => SourceValue::Str(s.clone()),
                Json::Array(items) => SourceValue::List(
                    items
                        .iter()
                        .map(|item| match item {
                            Json::String(s) => Ok(s.clone()),
                            Json::Number(n) => Ok(n.to_string()),
                            Json::Bool(b) => Ok(crate::expr::value::bool_text(*b).to_string()),
                            _ => Err(fault(
                                name,
                                "the values of a multi-valued attribute must be strings",
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Json::Object(_) => {
                    return Err(fault(
                        name,
                        "a value must be a string, number, Boolean, list or null",
                    ));
                }
            };
            record.set(name.clone(), value);
        }
        Ok(record)
    }
}

// Cloning allocates exactly what the record holds (`String::clone` and `Vec::clone` size
// to the length), which is what `shrink_to_fit` relies on.
impl Clone for Record {
    fn clone(&self) -> Record {
        Record {
            text: self.text.as_str().to_owned(),
            fields: self.fields.as_slice().to_vec(),
            items: self.items.as_slice().to_vec(),
        }
    }
}

/// A range offset; see [`Range`].
fn offset(n: usize) -> u32 {
    u32::try_from(n).expect("a source record holds less than 4 GiB of text")
}

impl Source for Record {
    fn attribute(&self, name: &str) -> Option<SourceRef<'_>> {
        self.find(name).ok().map(|i| self.value(&self.fields[i]))
    }
}

impl PartialEq for Record {
    fn eq(&self, other: &Record) -> bool {
        self.fields.len() == other.fields.len()
            && self
                .iter()
                .zip(other.iter())
                .all(|((a, x), (b, y))| a == b && x.to_owned_value() == y.to_owned_value())
    }
}

impl Eq for Record {}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(k, v)| (k, v.to_owned_value())))
            .finish()
    }
}
