//! How the evaluator reads source objects: the [`Source`] interface and the values it yields.
//! The directory model ([`crate::model::source::Record`]) implements it; the evaluator knows
//! nothing else about where objects come from.

/// One attribute value of a source object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceValue {
    /// A single string (numbers arrive as their text).
    Str(String),
    /// A Boolean, such as `accountEnabled`; expressions see it as `True` / `False`.
    Bool(bool),
    /// A multi-valued attribute, such as `proxyAddresses` or `appRoleAssignments`.
    List(Vec<String>),
}

impl SourceValue {
    /// The value, borrowed.
    pub fn as_ref(&self) -> SourceRef<'_> {
        match self {
            SourceValue::Str(s) => SourceRef::Str(s),
            SourceValue::Bool(b) => SourceRef::Bool(*b),
            SourceValue::List(items) => SourceRef::List(Items::Owned(items)),
        }
    }
}

/// One attribute value of a source object, borrowed from wherever the object keeps it.
#[derive(Clone, Copy, Debug)]
pub enum SourceRef<'a> {
    /// A single string.
    Str(&'a str),
    /// A Boolean.
    Bool(bool),
    /// A multi-valued attribute.
    List(Items<'a>),
}

/// The values of a multi-valued attribute.
#[derive(Clone, Copy, Debug)]
pub enum Items<'a> {
    /// Values of a [`SourceValue::List`].
    Owned(&'a [String]),
    /// Values packed in a [`Record`](crate::Record): ranges of its text.
    Packed(&'a str, &'a [(u32, u32)]),
}

impl<'a> Items<'a> {
    /// How many values.
    pub fn len(&self) -> usize {
        match self {
            Items::Owned(items) => items.len(),
            Items::Packed(_, ranges) => ranges.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th value.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            Items::Owned(items) => items.get(i).map(String::as_str),
            Items::Packed(text, ranges) => ranges.get(i).map(|&r| slice(text, r)),
        }
    }

    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let this = *self;
        (0..this.len()).filter_map(move |i| this.get(i))
    }
}

/// Anything an expression can read attributes from. Absent attributes are null.
pub trait Source {
    /// The attribute's value, or `None` when the object has no such attribute (null).
    fn attribute(&self, name: &str) -> Option<SourceRef<'_>>;
}

impl SourceRef<'_> {
    /// An owned copy.
    pub fn to_owned_value(&self) -> SourceValue {
        match self {
            SourceRef::Str(s) => SourceValue::Str((*s).to_owned()),
            SourceRef::Bool(b) => SourceValue::Bool(*b),
            SourceRef::List(items) => SourceValue::List(items.iter().map(str::to_owned).collect()),
        }
    }
}

/// The text of a packed value: a start and a length into the record's text.
pub(crate) fn slice(text: &str, (start, len): (u32, u32)) -> &str {
    &text[start as usize..(start + len) as usize]
}
