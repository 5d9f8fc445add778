//! Object ids kept by the million (the app's resource ids, Entra's links): a GUID, the form
//! every id the in-memory app issues and most real SCIM servers use, is held as its 128 bits
//! instead of 36 characters on the heap; any other id as its text.

use std::fmt;

/// A compact id. It prints back exactly as it was read: only lowercase hyphenated GUIDs are
/// packed, so two ids are equal exactly when their texts are.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompactId {
    /// A lowercase GUID `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as two halves (8-byte
    /// alignment keeps the enum at 24 bytes).
    Guid([u64; 2]),
    /// Any other id.
    Text(Box<str>),
}

impl CompactId {
    /// The id of `text`.
    pub fn new(text: &str) -> CompactId {
        parse_guid(text).map_or_else(|| CompactId::Text(text.into()), CompactId::Guid)
    }
}

impl From<&str> for CompactId {
    fn from(text: &str) -> CompactId {
        CompactId::new(text)
    }
}

impl fmt::Display for CompactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompactId::Guid([hi, lo]) => {
                // By hand: ids are printed for every request path, and the formatting
                // machinery's `{:08x}` costs more than the rest of a lookup.
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let bits = (u128::from(*hi) << 64) | u128::from(*lo);
                let mut out = [b'-'; 36];
                let mut digit = 0;
                for (i, slot) in out.iter_mut().enumerate() {
                    if matches!(i, 8 | 13 | 18 | 23) {
                        continue;
                    }
                    let nibble = (bits >> (124 - 4 * digit)) & 0xf;
                    *slot = HEX[nibble as usize];
                    digit += 1;
                }
                // Every byte is an ASCII hex digit or a hyphen.
                f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?)
            }
            CompactId::Text(text) => f.write_str(text),
        }
    }
}

/// The bits of a lowercase hyphenated GUID; uppercase or other shapes stay text so the id
/// prints back exactly as it came.
fn parse_guid(text: &str) -> Option<[u64; 2]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits: u128 = 0;
    // Five groups of 8-4-4-4-12 digits between hyphens at 8, 13, 18 and 23.
    for (start, len) in [(0, 8), (9, 4), (14, 4), (19, 4), (24, 12)] {
        if start > 0 && bytes[start - 1] != b'-' {
            return None;
        }
        for &b in &bytes[start..start + len] {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => return None,
            };
            bits = (bits << 4) | u128::from(digit);
        }
    }
    Some([(bits >> 64) as u64, bits as u64])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_round_trip_through_their_bits_and_other_ids_stay_text() {
        for text in [
            "910a2dec-8902-4cc1-a746-c3ad15d93f0d",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
        ] {
            let id = CompactId::new(text);
            assert!(matches!(id, CompactId::Guid(_)), "{text}");
            assert_eq!(id.to_string(), text);
        }
        for text in [
            "910A2DEC-8902-4CC1-A746-C3AD15D93F0D",
            "2441309d85324e7793ae",
            "910a2dec+8902-4cc1-a746-c3ad15d93f0d",
            "",
            "910a2dec-8902-4cc1-a746-c3ad15d93f0g",
        ] {
            let id = CompactId::new(text);
            assert!(matches!(id, CompactId::Text(_)), "{text}");
            assert_eq!(id.to_string(), text);
        }
        assert_eq!(std::mem::size_of::<CompactId>(), 24);
    }
}
