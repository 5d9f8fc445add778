//! Filters Entra sends (RFC 7644 §3.4.2.2, `eq` and `and` only), their evaluation against a
//! resource, and the query-string form they travel in.
//!
//! Entra form-encodes the query like .NET `WebUtility.UrlEncode` (docs/scim-wire.md §1.3):
//! `userName eq "a@contoso.com"` goes out as `filter=userName+eq+%22a%40contoso.com%22`.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde_json::{Map, Value as Json};

use super::error::ParseError;
use super::parse::Cursor;
use super::path::Path;
use super::resource;

/// A filter: equality comparisons joined by `and`.
///
/// `And` holds two or more terms and never another `And` (the parser flattens them), so the
/// printed form needs no parentheses.
#[derive(Clone, Debug)]
pub enum Filter {
    /// `path eq value`; the value is a JSON string, Boolean, number or null.
    Eq(Path, Json),
    /// `a and b and ...`.
    And(Vec<Filter>),
}

impl Filter {
    /// Parses filter text (`userName eq "a@contoso.com" and active eq true`). Attribute names
    /// and the `eq`/`and` keywords are case-insensitive.
    pub fn parse(text: &str) -> Result<Filter, ParseError> {
        let mut c = Cursor::new(text);
        // Surrounding spaces are harmless in a query parameter; inside, tokens need one.
        c.skip_ws();
        let f = c.filter(false)?;
        c.skip_ws();
        c.end("`and` or the end of the filter")?;
        Ok(f)
    }

    /// `path eq value`.
    pub fn eq(path: Path, value: impl Into<Json>) -> Filter {
        Filter::Eq(path, value.into())
    }

    /// `self and other`, kept flat.
    pub fn and(self, other: Filter) -> Filter {
        let mut terms = Vec::new();
        for f in [self, other] {
            match f {
                Filter::And(inner) => terms.extend(inner),
                eq => terms.push(eq),
            }
        }
        Filter::And(terms)
    }

    /// The `eq` comparisons, in order (one for `Eq`, each term for `And`).
    pub fn comparisons(&self) -> Vec<(&Path, &Json)> {
        match self {
            Filter::Eq(p, v) => vec![(p, v)],
            Filter::And(terms) => terms.iter().flat_map(Filter::comparisons).collect(),
        }
    }

    /// Whether `resource` (a resource, or an element of a multi-valued attribute when this is
    /// a value filter) satisfies the filter, comparing strings case-insensitively.
    pub fn matches(&self, resource: &Map<String, Json>) -> bool {
        self.matches_with(resource, &|_| false)
    }

    /// Like [`Filter::matches`], with `case_exact(path)` saying which attributes compare
    /// strings exactly (the schema's `caseExact`, RFC 7643 §2.2).
    ///
    /// A multi-valued attribute matches when any of its values does (RFC 7644 §3.4.2.2); a
    /// complex value compares by its `value` sub-attribute; `eq null` matches an absent
    /// attribute.
    pub fn matches_with(
        &self,
        resource: &Map<String, Json>,
        case_exact: &dyn Fn(&Path) -> bool,
    ) -> bool {
        match self {
            Filter::And(terms) => terms.iter().all(|t| t.matches_with(resource, case_exact)),
            Filter::Eq(path, wanted) => {
                let exact = case_exact(path);
                // A plain attribute holding a string: the one value there is (value filters
                // like `type eq "work"` test one per element of every body Entra builds).
                if path.is_plain()
                    && let Some(stored @ Json::String(_)) = resource::get_ci(resource, path.attr())
                {
                    return value_eq(stored, wanted, exact);
                }
                let found = resource::values_with(resource, path, case_exact);
                if wanted.is_null() && found.iter().all(|v| v.is_null()) {
                    return true;
                }
                found.iter().any(|v| value_eq(v, wanted, exact))
            }
        }
    }
}

impl fmt::Display for Filter {
    /// The canonical text: single spaces, lowercase keywords, values as JSON (so `"` inside a
    /// string prints as `\"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Eq(path, value) => write!(f, "{path} eq {value}"),
            Filter::And(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
        }
    }
}

impl FromStr for Filter {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Filter, ParseError> {
        Filter::parse(s)
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Filter) -> bool {
        match (self, other) {
            (Filter::Eq(p, v), Filter::Eq(q, w)) => p == q && v == w,
            (Filter::And(a), Filter::And(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Filter {}

impl Hash for Filter {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Filter::Eq(p, v) => {
                state.write_u8(0);
                p.hash(state);
                // serde_json::Value has no Hash; its compact text is canonical enough for the
                // scalars a filter holds.
                v.to_string().hash(state);
            }
            Filter::And(terms) => {
                state.write_u8(1);
                terms.hash(state);
            }
        }
    }
}

/// String equality ignoring case: ASCII fast path, else Unicode lowercase mapping (so `É`
/// equals `é`), as a case-insensitive SCIM server compares.
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Whether a stored value equals a filter's comparison value.
///
/// Strings compare case-insensitively unless `case_exact`. Scalars of different JSON types
/// compare by their text, case-insensitively, because a server that stored `"False"` as sent
/// (legacy Entra) still answers `active eq false`, and `roles[primary eq "True"]` selects an
/// element whose `primary` is `true`. A complex value compares by its `value` sub-attribute.
pub fn value_eq(stored: &Json, wanted: &Json, case_exact: bool) -> bool {
    match (stored, wanted) {
        (Json::Object(o), w) if !w.is_object() => {
            resource::get_ci(o, "value").is_some_and(|v| value_eq(v, w, case_exact))
        }
        (Json::String(a), Json::String(b)) => {
            if case_exact {
                a == b
            } else {
                eq_ignore_case(a, b)
            }
        }
        (Json::Number(a), Json::Number(b)) => a == b || a.as_f64() == b.as_f64(),
        (Json::Bool(_) | Json::Number(_), Json::String(_))
        | (Json::String(_), Json::Bool(_) | Json::Number(_))
        | (Json::Bool(_), Json::Number(_))
        | (Json::Number(_), Json::Bool(_)) => {
            eq_ignore_case(&scalar_text(stored), &scalar_text(wanted))
        }
        _ => stored == wanted,
    }
}

fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The query text Entra sends for a filter: `filter=` and the filter form-encoded like .NET
/// `WebUtility.UrlEncode` (space `+`, `"` `%22`, `@` `%40`, UTF-8 bytes as uppercase `%XX`).
pub fn encode_query(filter: &Filter) -> String {
    use crate::dotnet::text::url_encode;
    // Entra's matching query, `attr eq "text"`, is written directly: a first cycle sends one
    // per object. The JSON form of a string without quotes, backslashes or control characters
    // is the string in quotes.
    if let Filter::Eq(path, Json::String(value)) = filter
        && path.urn().is_none()
        && path.value_filter().is_none()
        && path.sub_attr().is_none()
        && !value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
    {
        let mut out = String::with_capacity(path.attr().len() + value.len() + 24);
        out.push_str("filter=");
        url_encode(path.attr(), &mut out);
        out.push_str("+eq+%22");
        url_encode(value, &mut out);
        out.push_str("%22");
        return out;
    }
    let text = filter.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str("filter=");
    url_encode(&text, &mut out);
    out
}

/// Decodes one form-encoded query component: `+` is a space, `%XX` a byte; the bytes must be
/// UTF-8. Accepts lowercase hex too, as any server would. For bytes that are not UTF-8 the
/// error offset counts decoded bytes.
pub fn url_decode(text: &str) -> Result<String, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => out.push(b),
                    None => {
                        return Err(ParseError {
                            message: "`%` must be followed by two hex digits".into(),
                            offset: i,
                        });
                    }
                }
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|e| ParseError {
        message: "the decoded query is not UTF-8".into(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Splits a query string (with or without a leading `?`) into decoded `(name, value)` pairs, in
/// order.
pub fn decode_query(query: &str) -> Result<Vec<(String, String)>, ParseError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((url_decode(name)?, url_decode(value)?))
        })
        .collect()
}

/// The server side of [`encode_query`]: the parsed `filter` parameter of a query string, or
/// `None` when there is none. Parameter names compare case-insensitively. Error offsets point
/// into the decoded filter text.
pub fn filter_from_query(query: &str) -> Result<Option<Filter>, ParseError> {
    filter_from_params(&decode_query(query)?)
}

/// [`filter_from_query`] of a query already decoded by [`decode_query`].
pub fn filter_from_params(params: &[(String, String)]) -> Result<Option<Filter>, ParseError> {
    params
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("filter"))
        .map(|(_, text)| Filter::parse(text))
        .transpose()
}
