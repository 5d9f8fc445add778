//! Finding a secret in text a server wrote, however the server encoded it.
//!
//! A server that echoes the bearer token rarely echoes it verbatim: JSON writers escape `/` as
//! `\/` (PHP, Java) or every non-alphanumeric character as `\u002B` (.NET), some escape every
//! character; a URL or form echo percent-encodes it, in either hex case, with `+` for a space;
//! an HTML error page writes entities. Decoding the text first cannot work, because each
//! encoding is ambiguous (`+` is a plus or a space, `%2B` is three characters or one), so the
//! matcher accepts each character of the secret in any of its encodings, independently (a
//! server that mixes encodings within the token is caught too), and keeps every way the text
//! so far can be read (a small set of positions, never exponential).

/// Each byte range of `text` that spells `secret` in any mix of encodings, left to right and
/// without overlap. When `cut` is true, the text was truncated: a spelling of the secret's
/// first characters (at least half of it) that runs into the end is found too, so a body cut
/// mid-token does not leak most of it.
pub(crate) fn find(secret: &str, text: &str, cut: bool) -> Vec<std::ops::Range<usize>> {
    let secret = secret.as_bytes();
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    if secret.is_empty() {
        return found;
    }
    let mut at = 0;
    while at < bytes.len() {
        // Most positions cannot start a spelling: skip them at the cost of a byte comparison.
        let first = bytes[at];
        let may_start = first == secret[0]
            || matches!(first, b'\\' | b'%' | b'&')
            || (first == b'+' && secret[0] == b' ');
        if !may_start || encodings(secret[0], &bytes[at..]).next().is_none() {
            at += 1;
            continue;
        }
        match spelled_at(secret, bytes, at, cut) {
            Some(end) => {
                found.push(at..end);
                at = end;
            }
            None => at += 1,
        }
    }
    found
}

/// Where a spelling of `secret` that starts at `start` ends (the longest, so that no tail of an
/// encoding is left behind), if there is one.
fn spelled_at(secret: &[u8], text: &[u8], start: usize, cut: bool) -> Option<usize> {
    // Every position a spelling of the secret's first k characters can end at. Encodings are
    // at most a few bytes long, so this holds a handful of positions.
    let mut ends = vec![start];
    let mut next = Vec::new();
    for (k, &c) in secret.iter().enumerate() {
        next.clear();
        for &p in &ends {
            for len in encodings(c, &text[p..]) {
                if !next.contains(&(p + len)) {
                    next.push(p + len);
                }
            }
        }
        if next.is_empty() {
            let tail = ends.contains(&text.len()) && cut && k * 2 >= secret.len();
            return tail.then_some(text.len());
        }
        std::mem::swap(&mut ends, &mut next);
    }
    ends.into_iter().max()
}

/// The lengths of the encodings of the ASCII character `c` that `s` starts with.
fn encodings(c: u8, s: &[u8]) -> impl Iterator<Item = usize> {
    let one = |len: usize, ok: bool| ok.then_some(len);
    [
        one(1, s.first() == Some(&c)),
        // `+` for a space in a query string or form.
        one(1, c == b' ' && s.first() == Some(&b'+')),
        // `\/`, `\"`, `\\`, and the `\-` of writers that escape every punctuation mark. A
        // backslash before a letter or digit is an escape of something else (`\n`).
        one(
            2,
            s.first() == Some(&b'\\') && s.get(1) == Some(&c) && !c.is_ascii_alphanumeric(),
        ),
        escaped(c, s, b"\\u", 4),
        escaped(c, s, b"\\x", 2),
        escaped(c, s, b"%u", 4),
        escaped(c, s, b"%", 2),
        braced(c, s, b"\\u{", b"}"),
        braced(c, s, b"&#x", b";"),
        braced(c, s, b"&#X", b";"),
        decimal_entity(c, s),
        named_entity(c, s),
    ]
    .into_iter()
    .flatten()
}

/// `prefix` and exactly `digits` hex digits (either case) whose value is `c`.
fn escaped(c: u8, s: &[u8], prefix: &[u8], digits: usize) -> Option<usize> {
    let hex = s.strip_prefix(prefix)?.get(..digits)?;
    (parse(hex, 16)? == u32::from(c)).then_some(prefix.len() + digits)
}

/// `open`, 1 to 8 hex digits whose value is `c`, and `close`.
fn braced(c: u8, s: &[u8], open: &[u8], close: &[u8]) -> Option<usize> {
    let rest = s.strip_prefix(open)?;
    let digits = rest
        .iter()
        .take(9)
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    if !(1..=8).contains(&digits) || !rest[digits..].starts_with(close) {
        return None;
    }
    (parse(&rest[..digits], 16)? == u32::from(c)).then_some(open.len() + digits + close.len())
}

/// `&#DDD;` whose value is `c`.
fn decimal_entity(c: u8, s: &[u8]) -> Option<usize> {
    let rest = s.strip_prefix(b"&#")?;
    let digits = rest
        .iter()
        .take(11)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=10).contains(&digits) || rest.get(digits) != Some(&b';') {
        return None;
    }
    (parse(&rest[..digits], 10)? == u32::from(c)).then_some(2 + digits + 1)
}

/// The HTML entities an escaper writes for the characters a token can hold.
fn named_entity(c: u8, s: &[u8]) -> Option<usize> {
    let name: &[u8] = match c {
        b'&' => b"&amp;",
        b'<' => b"&lt;",
        b'>' => b"&gt;",
        b'"' => b"&quot;",
        b'\'' => b"&apos;",
        b'/' => b"&sol;",
        b'+' => b"&plus;",
        b'=' => b"&equals;",
        _ => return None,
    };
    s.starts_with(name).then_some(name.len())
}

fn parse(digits: &[u8], radix: u32) -> Option<u32> {
    // from_str_radix also takes a sign, which is no digit of an escape.
    if !digits.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(secret: &str, text: &str) -> Vec<&'static str> {
        let text: &'static str = Box::leak(text.to_owned().into_boxed_str());
        find(secret, text, false)
            .into_iter()
            .map(|r| &text[r])
            .collect()
    }

    #[test]
    fn every_encoding_of_each_character_is_found_in_any_mix() {
        let secret = "a/b+c d=\"e";
        for spelled in [
            "a/b+c d=\"e",
            r#"a\/b+c d=\"e"#,
            r"a\u002Fb\u002bc\u0020d\u003D\u0022e",
            r"\u0061\u002f\u0062\u002B\u0063\u0020\u0064\u003d\u0022\u0065",
            "a%2Fb%2bc+d%3D%22e",
            "a%2fb%2Bc%20d%3d%22e",
            r"a\x2fb\x2Bc d=\x22e",
            "a&#x2F;b&#43;c d&equals;&quot;e",
            "a&#047;b&plus;c&#32;d=&#X22;e",
            r"a\u{2f}b%u002Bc d=\u0022e",
        ] {
            assert_eq!(
                spans(secret, &format!("<{spelled}>")),
                [spelled],
                "{spelled}"
            );
        }
    }

    #[test]
    fn near_misses_and_other_escapes_are_left_alone() {
        assert!(spans("abcdefgh", "abcdefgX abcdefg").is_empty());
        // `\n` is a newline, not an `n`; hex of another character is another character.
        assert!(spans("ab/nc", r"ab/\nc").is_empty());
        assert!(spans("ab+cd", "ab%2Ccd ab%2cd").is_empty());
        // Case matters in the token, not in the hex.
        assert!(spans("abcd", "ABCD").is_empty());
    }

    #[test]
    fn adjacent_and_repeated_spellings_are_each_found() {
        assert_eq!(
            spans("abc+", "abc+abc%2B abc\\u002b"),
            ["abc+", "abc%2B", "abc\\u002b"]
        );
    }

    #[test]
    fn a_cut_text_hides_the_most_of_the_secret_it_ends_with() {
        let text = "x abcd%65f";
        assert_eq!(find("abcdefgh", text, true), vec![(2..text.len())]);
        assert!(find("abcdefgh", text, false).is_empty());
        assert!(find("abcdefgh", "x abc", true).is_empty(), "under half");
    }
}
