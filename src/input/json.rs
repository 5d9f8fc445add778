//! Places in a JSON document: [`JsonPath`] names a value (`synchronizationRules[0].name`), and
//! [`JsonSpans`] finds where each value sits in the document's text. serde_json keeps no spans,
//! so every error about a JSON file (a Graph schema that does not import, a lint finding on a
//! row) is located through these two, and nothing else searches JSON text structurally.

use std::fmt;

/// One step of a [`JsonPath`]: an object member or an array element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Segment {
    /// The member with this key.
    Key(String),
    /// The element at this index.
    Index(usize),
}

/// A path from a document's root to one of its values, shown the way the error messages have
/// always spelled it: `synchronizationRules[0].objectMappings[1]`, `(root)` for the root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(Vec<Segment>);

impl JsonPath {
    /// The document itself.
    pub fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    /// The member `key` of the object at this path.
    pub fn key(&self, key: &str) -> JsonPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_string()));
        JsonPath(segments)
    }

    /// The element `i` of the array at this path.
    pub fn index(&self, i: usize) -> JsonPath {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(i));
        JsonPath(segments)
    }

    /// The steps from the root.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// Whether this is the root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One value of the document: its byte range, the byte range of its member key's string
/// literal (quotes included) when it is an object member, and its tree links. Offsets are
/// `u32` because a large Graph schema has millions of values and input files are bounded far
/// below 4 GiB ([`super::MAX_FILE_BYTES`]).
#[derive(Clone, Copy, Debug)]
struct Node {
    start: u32,
    end: u32,
    key: Option<(u32, u32)>,
    first_child: Option<u32>,
    next_sibling: Option<u32>,
}

/// The byte range of every value of a JSON text, built in one pass. The text is expected to be
/// what was parsed (serde_json checked it); on text that is not JSON the index holds what it
/// could read up to the first surprise, so lookups degrade to the nearest enclosing value
/// instead of failing.
#[derive(Debug)]
pub struct JsonSpans<'a> {
    text: &'a str,
    /// Values in document order (a parent before its children); the root is `nodes[0]`.
    nodes: Vec<Node>,
}

impl<'a> JsonSpans<'a> {
    /// Index `text`. Empty when it is larger than the offsets can hold.
    pub fn new(text: &'a str) -> JsonSpans<'a> {
        let mut spans = JsonSpans {
            text,
            nodes: Vec::new(),
        };
        if u32::try_from(text.len()).is_ok() {
            spans.build();
        }
        spans
    }

    /// Reads the text with an explicit stack (no recursion, so no depth limit to hit).
    fn build(&mut self) {
        let bytes = self.text.as_bytes();
        // Open containers: (node, last child so far, is an object).
        let mut open: Vec<(usize, Option<usize>, bool)> = Vec::new();
        let mut i = skip_ws(bytes, 0);
        let mut key = None;
        loop {
            if i >= bytes.len() {
                return;
            }
            // Close containers and step over separators.
            if let Some(&(node, _, is_object)) = open.last() {
                match bytes[i] {
                    b',' => {
                        i = skip_ws(bytes, i + 1);
                        continue;
                    }
                    b'}' | b']' => {
                        self.nodes[node].end = (i + 1) as u32;
                        open.pop();
                        if open.is_empty() {
                            return;
                        }
                        i = skip_ws(bytes, i + 1);
                        continue;
                    }
                    b'"' if is_object && key.is_none() => {
                        let Some(key_end) = string_end(bytes, i) else {
                            return;
                        };
                        key = Some((i as u32, key_end as u32));
                        i = skip_ws(bytes, key_end);
                        if bytes.get(i) != Some(&b':') {
                            return;
                        }
                        i = skip_ws(bytes, i + 1);
                        continue;
                    }
                    _ if is_object && key.is_none() => return,
                    _ => {}
                }
            }
            // A value starts at `i`.
            let index = self.nodes.len();
            self.nodes.push(Node {
                start: i as u32,
                end: i as u32,
                key: key.take(),
                first_child: None,
                next_sibling: None,
            });
            if let Some((parent, last, _)) = open.last_mut() {
                match *last {
                    Some(previous) => self.nodes[previous].next_sibling = Some(index as u32),
                    None => self.nodes[*parent].first_child = Some(index as u32),
                }
                *last = Some(index);
            }
            match bytes[i] {
                b'{' | b'[' => {
                    open.push((index, None, bytes[i] == b'{'));
                    i = skip_ws(bytes, i + 1);
                }
                _ => {
                    let Some(end) = scalar_end(bytes, i) else {
                        return;
                    };
                    self.nodes[index].end = end as u32;
                    if open.is_empty() {
                        return;
                    }
                    i = skip_ws(bytes, end);
                }
            }
        }
    }

    /// The byte range of the value at `path`, or of the deepest enclosing value the text has
    /// (for a missing member), and whether the whole path was found. `None` when the text
    /// holds no value at all.
    pub fn nearest(&self, path: &JsonPath) -> Option<((usize, usize), bool)> {
        let mut at = 0;
        self.nodes.first()?;
        for segment in path.segments() {
            match self.child(at, segment) {
                Some(child) => at = child,
                None => return Some((self.range(at), false)),
            }
        }
        Some((self.range(at), true))
    }

    /// The byte range of the value at `path`, when the text has it.
    pub fn get(&self, path: &JsonPath) -> Option<(usize, usize)> {
        self.nearest(path)
            .and_then(|(range, found)| found.then_some(range))
    }

    /// Where to point for a diagnostic about `path`: the first line of the value (a whole
    /// object would paint the screen), or of the deepest enclosing value for a missing member;
    /// for the root itself, its first character.
    pub fn locate(&self, path: &JsonPath) -> Option<(usize, usize)> {
        let text = self.text;
        if path.is_root() {
            let start = skip_ws(text.as_bytes(), 0);
            return Some((start, (start + 1).min(text.len())));
        }
        let ((start, end), _) = self.nearest(path)?;
        let line_end = text[start..end].find('\n').map_or(end, |n| start + n);
        Some((start, line_end.max(start + 1).min(text.len())))
    }

    /// Every member named `key` whose value is a string, anywhere in the document, in text
    /// order: the decoded string and the byte range of its literal (quotes included).
    pub fn string_members<'s>(
        &'s self,
        key: &'s str,
    ) -> impl Iterator<Item = (String, (usize, usize))> + 's {
        self.nodes.iter().filter_map(move |node| {
            let (ks, ke) = node.key?;
            if !self.key_is(ks as usize, ke as usize, key) {
                return None;
            }
            let range = (node.start as usize, node.end as usize);
            let literal = &self.text[range.0..range.1];
            let value = serde_json::from_str::<String>(literal).ok()?;
            Some((value, range))
        })
    }

    fn range(&self, node: usize) -> (usize, usize) {
        let n = &self.nodes[node];
        (n.start as usize, n.end as usize)
    }

    fn child(&self, node: usize, segment: &Segment) -> Option<usize> {
        let parent = &self.nodes[node];
        let opener = self.text.as_bytes()[parent.start as usize];
        let mut next = parent.first_child;
        let mut n = 0;
        while let Some(child) = next {
            let child = child as usize;
            let found = match (segment, opener) {
                (Segment::Index(wanted), b'[') => n == *wanted,
                (Segment::Key(wanted), b'{') => self.nodes[child]
                    .key
                    .is_some_and(|(s, e)| self.key_is(s as usize, e as usize, wanted)),
                _ => return None,
            };
            if found {
                return Some(child);
            }
            n += 1;
            next = self.nodes[child].next_sibling;
        }
        None
    }

    /// Whether the key literal at `start..end` decodes to `wanted` (escapes decoded only when
    /// the literal has any).
    fn key_is(&self, start: usize, end: usize, wanted: &str) -> bool {
        let literal = &self.text[start..end];
        let inner = &literal[1..literal.len() - 1];
        if !inner.contains('\\') {
            return inner == wanted;
        }
        serde_json::from_str::<String>(literal).is_ok_and(|k| k == wanted)
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// One past the closing quote of the string literal at `at`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// One past the end of the string, number or literal at `at`.
fn scalar_end(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes[at] == b'"' {
        return string_end(bytes, at);
    }
    let mut i = at;
    while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']' | b':' | b'{' | b'[' | b'"') {
        if bytes[i].is_ascii_whitespace() {
            break;
        }
        i += 1;
    }
    (i > at).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segments: &[&str]) -> JsonPath {
        segments
            .iter()
            .fold(JsonPath::root(), |p, s| match s.parse() {
                Ok(i) => p.index(i),
                Err(_) => p.key(s),
            })
    }

    #[test]
    fn paths_print_as_the_messages_spell_them() {
        assert_eq!(JsonPath::root().to_string(), "(root)");
        assert_eq!(path(&["a", "0", "b", "1", "2"]).to_string(), "a[0].b[1][2]");
    }

    #[test]
    fn every_value_is_found_by_its_path() {
        let text = r#" {"a": [1, {"b\"c": "x"}, [true, null]], "d": -2.5e3, "e": {}} "#;
        let spans = JsonSpans::new(text);
        let at = |segments: &[&str]| spans.get(&path(segments)).map(|(s, e)| &text[s..e]);
        assert_eq!(at(&["a", "0"]), Some("1"));
        assert_eq!(at(&["a", "1", "b\"c"]), Some("\"x\""));
        assert_eq!(at(&["a", "2", "1"]), Some("null"));
        assert_eq!(at(&["d"]), Some("-2.5e3"));
        assert_eq!(at(&["e"]), Some("{}"));
        assert_eq!(at(&["a", "3"]), None);
        assert_eq!(at(&["d", "0"]), None);
        // A missing member: the deepest enclosing value.
        let ((s, e), found) = spans.nearest(&path(&["a", "1", "zz"])).unwrap();
        assert_eq!((&text[s..e], found), (r#"{"b\"c": "x"}"#, false));
    }

    #[test]
    fn string_members_are_decoded_in_text_order() {
        let text = r#"{"t": "a\"b", "x": [{"t": 5}, {"t": "c"}]}"#;
        let spans = JsonSpans::new(text);
        let found: Vec<_> = spans.string_members("t").collect();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, "a\"b");
        assert_eq!(&text[found[1].1.0..found[1].1.1], "\"c\"");
    }

    #[test]
    fn text_that_is_not_json_degrades_without_panicking() {
        for text in [
            "",
            "{",
            "{\"a\": [1,",
            "{\"a\" 1}",
            "]",
            "{\"a\": \"unterminated",
        ] {
            let spans = JsonSpans::new(text);
            let _ = spans.locate(&path(&["a", "0"]));
            let _ = spans.string_members("a").count();
        }
    }
}
