//! Attribute paths as Entra writes them in target attribute names and PATCH `path`s
//! (RFC 7644 §3.5.2 `PATH` / §3.10 attribute notation):
//!
//! ```text
//! userName                                   plain
//! name.givenName                             sub-attribute
//! emails[type eq "work"].value               value-filtered multi-valued, with sub-attribute
//! members[value eq "7f4b..."]                value-filtered, no sub-attribute
//! urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber   URN-qualified
//! urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value    ... with sub-attribute
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use super::error::ParseError;
use super::filter::Filter;
use super::parse::Cursor;

/// A parsed attribute path: `[urn ":"] attr ["[" filter "]"] ["." sub]`.
///
/// Equality and hashing ignore ASCII case in the URN and in attribute names, as RFC 7643 §2.1
/// makes attribute names case-insensitive; values inside a filter compare exactly.
#[derive(Clone, Debug)]
pub struct Path {
    pub(super) urn: Option<String>,
    pub(super) attr: String,
    pub(super) filter: Option<Box<Filter>>,
    pub(super) sub: Option<String>,
}

impl Path {
    /// Parses a path. The whole text must be one path: no surrounding spaces.
    pub fn parse(text: &str) -> Result<Path, ParseError> {
        let mut c = Cursor::new(text);
        let path = c.path(false)?;
        c.end("end of the path")?;
        Ok(path)
    }

    /// A plain attribute path (`userName`) without checking the name's characters; for callers
    /// that build paths from names they already trust.
    pub fn attribute(name: &str) -> Path {
        Path {
            urn: None,
            attr: name.to_owned(),
            filter: None,
            sub: None,
        }
    }

    /// The schema URN qualifying the attribute (`urn:...:enterprise:2.0:User`), as written.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    /// The attribute name, as written (`emails` in `emails[type eq "work"].value`).
    pub fn attr(&self) -> &str {
        &self.attr
    }

    /// The value filter selecting elements of a multi-valued attribute.
    pub fn value_filter(&self) -> Option<&Filter> {
        self.filter.as_deref()
    }

    /// The sub-attribute name (`value` in `emails[type eq "work"].value`).
    pub fn sub_attr(&self) -> Option<&str> {
        self.sub.as_deref()
    }

    /// The URN when it names an extension, `None` for unqualified paths and for paths qualified
    /// by a core schema (RFC 7644 §3.10: a core-qualified name addresses the top-level attribute).
    pub fn extension_urn(&self) -> Option<&str> {
        self.urn
            .as_deref()
            .filter(|u| !u.eq_ignore_ascii_case(super::USER_SCHEMA))
            .filter(|u| !u.eq_ignore_ascii_case(super::GROUP_SCHEMA))
    }

    /// Whether the path names a top-level attribute itself: no extension URN (a core URN is
    /// fine, RFC 7644 §3.10), no value filter, no sub-attribute.
    pub fn is_plain(&self) -> bool {
        self.extension_urn().is_none() && self.filter.is_none() && self.sub.is_none()
    }

    /// Whether this is the enterprise extension's `manager` itself (not `manager.value`), whose
    /// RFC 7643 §4.3 type is complex: a bare id written there is stored as `{"value": id}`.
    pub fn is_enterprise_manager(&self) -> bool {
        self.urn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(super::ENTERPRISE_USER_SCHEMA))
            && self.attr.eq_ignore_ascii_case("manager")
            && self.filter.is_none()
            && self.sub.is_none()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl FromStr for Path {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Path, ParseError> {
        Path::parse(s)
    }
}

fn eq_opt_ci(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        eq_opt_ci(self.urn.as_deref(), other.urn.as_deref())
            && self.attr.eq_ignore_ascii_case(&other.attr)
            && self.filter == other.filter
            && eq_opt_ci(self.sub.as_deref(), other.sub.as_deref())
    }
}

impl Eq for Path {}

/// Hashes a name the way [`PartialEq`] compares it: ASCII-lowercased.
pub(super) fn hash_ci<H: Hasher>(s: &str, state: &mut H) {
    for b in s.bytes() {
        state.write_u8(b.to_ascii_lowercase());
    }
    state.write_u8(0xff);
}

impl Hash for Path {
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Some(u) = &self.urn {
            hash_ci(u, state);
        }
        hash_ci(&self.attr, state);
        self.filter.hash(state);
        if let Some(s) = &self.sub {
            hash_ci(s, state);
        }
    }
}
