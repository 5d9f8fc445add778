//! Object ids kept by the million (the app's resource ids, Entra's links): a GUID, the form
//! every id the in-memory app issues and most real SCIM servers use, is held as its 128 bits
//! instead of 36 characters on the heap; any other id as its text. [`IdIndex`] finds the
//! in-memory app's resources by id.

use std::fmt;

use super::FastMap;

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

impl CompactId {
    /// The id's text. Built by hand: ids are printed for every request path and link lookup,
    /// and the formatting machinery costs more than the rest of a lookup.
    pub fn to_text(&self) -> String {
        match self {
            CompactId::Guid(halves) => {
                let mut out = [b'-'; 36];
                for (half, positions) in halves.iter().zip(DIGITS) {
                    for (i, &at) in positions.iter().enumerate() {
                        out[at] = HEX[((half >> (60 - 4 * i)) & 0xf) as usize];
                    }
                }
                // Every byte is an ASCII hex digit or a hyphen.
                String::from_utf8_lossy(&out).into_owned()
            }
            CompactId::Text(text) => text.to_string(),
        }
    }
}

impl fmt::Display for CompactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompactId::Guid(_) => f.write_str(&self.to_text()),
            CompactId::Text(text) => f.write_str(text),
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Where the 16 digits of each half sit in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
const DIGITS: [[usize; 16]; 2] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17],
    [
        19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
    ],
];

/// The value of each lowercase hex digit; 0xff for every other byte.
const DIGIT_VALUE: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        table[HEX[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The bits of a lowercase hyphenated GUID; uppercase or other shapes stay text so the id
/// prints back exactly as it came.
fn parse_guid(text: &str) -> Option<[u64; 2]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 || [8, 13, 18, 23].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let mut halves = [0u64; 2];
    let mut invalid = 0;
    for (half, positions) in halves.iter_mut().zip(DIGITS) {
        for at in positions {
            let digit = DIGIT_VALUE[usize::from(bytes[at])];
            invalid |= digit;
            *half = (*half << 4) | u64::from(digit & 0xf);
        }
    }
    // Any byte outside the table set the high bits; one test for all 32 digits.
    (invalid & 0xf0 == 0).then_some(halves)
}

/// The `n`-th id an app in this model issues: GUID-shaped (version 4, RFC 4122 variant) so
/// transcripts look like real traffic, derived from the counter so runs are reproducible.
pub(crate) fn issued_guid(n: u64) -> [u64; 2] {
    let hi = mix(n);
    let lo = mix(n ^ LO_SALT);
    // The top 48 bits of `hi`, a 4 and its low 12 bits; the variant and 62 bits of `lo`.
    [
        (hi & !0xffff) | 0x4000 | (hi & 0x0fff),
        (0x8000 | ((lo >> 48) & 0x3fff)) << 48 | (lo & 0xffff_ffff_ffff),
    ]
}

/// The `n` whose [`issued_guid`] this is, if any: an app that issued an id finds the resource
/// from the number instead of looking the id up in a hash table, a cache miss at a million.
pub(crate) fn issued_number(guid: [u64; 2]) -> Option<u64> {
    let [hi, lo] = guid;
    if hi & 0xf000 != 0x4000 || lo >> 62 != 0b10 {
        return None;
    }
    // `lo` kept 62 bits of mix(n ^ LO_SALT); try the four values of the other two.
    (0..4u64)
        .map(|top| unmix((lo & ((1 << 62) - 1)) | (top << 62)) ^ LO_SALT)
        .find(|&n| n != 0 && issued_guid(n) == guid)
}

const LO_SALT: u64 = 0x5bd1_e995_9e37_79b9;
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
const M1: u64 = 0xbf58_476d_1ce4_e5b9;
const M2: u64 = 0x94d0_49bb_1331_11eb;

/// splitmix64's finaliser: a bijection on u64 that makes counter values look random.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(GOLDEN);
    x = (x ^ (x >> 30)).wrapping_mul(M1);
    x = (x ^ (x >> 27)).wrapping_mul(M2);
    x ^ (x >> 31)
}

/// The inverse of [`mix`].
fn unmix(mut x: u64) -> u64 {
    x = unshift(x, 31).wrapping_mul(inverse(M2));
    x = unshift(x, 27).wrapping_mul(inverse(M1));
    unshift(x, 30).wrapping_sub(GOLDEN)
}

/// The `x` with `x ^ (x >> s) == y`.
fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    for _ in 0..64 / s {
        x = y ^ (x >> s);
    }
    x
}

/// The inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits).
const fn inverse(m: u64) -> u64 {
    let mut x = m;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// Where the resource with each id is. Ids the app issued are found by their number
/// ([`issued_number`]): a first cycle creates and patches a million users, and a hash
/// table that size costs a cache miss per lookup. Other ids (preloaded accounts) are in a map.
#[derive(Clone, Debug, Default)]
pub(super) struct IdIndex {
    /// By issue number - 1: the slot, or [`NO_SLOT`].
    issued: Vec<u32>,
    other: FastMap<CompactId, usize>,
    len: usize,
}

const NO_SLOT: u32 = u32::MAX;

impl IdIndex {
    /// The position of an issued id in `issued`.
    fn number(key: &CompactId) -> Option<usize> {
        match key {
            CompactId::Guid(bits) => usize::try_from(issued_number(*bits)? - 1).ok(),
            CompactId::Text(_) => None,
        }
    }

    pub(super) fn get(&self, key: &CompactId) -> Option<usize> {
        Self::number(key)
            .and_then(|i| self.issued.get(i))
            .filter(|&&slot| slot != NO_SLOT)
            .map(|&slot| slot as usize)
            .or_else(|| self.other.get(key).copied())
    }

    pub(super) fn contains_key(&self, key: &CompactId) -> bool {
        self.get(key).is_some()
    }

    /// Index `key` at `slot`; `issued` is how many ids the app has issued: a preloaded id that
    /// happens to be one the app would issue later stays in the map, so the list never grows
    /// past what the app issued.
    pub(super) fn insert(&mut self, key: CompactId, slot: usize, issued: u64) {
        let number = Self::number(&key).filter(|&i| (i as u64) < issued);
        match (number, u32::try_from(slot)) {
            (Some(i), Ok(slot)) if slot != NO_SLOT => {
                if self.issued.len() <= i {
                    self.issued.resize(i + 1, NO_SLOT);
                }
                if self.issued[i] == NO_SLOT {
                    self.len += 1;
                }
                self.issued[i] = slot;
            }
            _ => {
                if self.other.insert(key, slot).is_none() {
                    self.len += 1;
                }
            }
        }
    }

    pub(super) fn remove(&mut self, key: &CompactId) -> Option<usize> {
        let slot = match Self::number(key).and_then(|i| self.issued.get_mut(i)) {
            Some(slot) if *slot != NO_SLOT => Some(std::mem::replace(slot, NO_SLOT) as usize),
            _ => self.other.remove(key),
        };
        if slot.is_some() {
            self.len -= 1;
        }
        slot
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }
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

    proptest::proptest! {
        #[test]
        fn every_guid_prints_back_as_read(hi: u64, lo: u64, upper: bool) {
            let id = CompactId::Guid([hi, lo]);
            let text = id.to_text();
            proptest::prop_assert_eq!(&text, &format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & 0xffff_ffff_ffff
            ));
            proptest::prop_assert_eq!(CompactId::new(&text), id);
            let other = if upper { text.to_uppercase() } else { text.replacen('-', "_", 1) };
            if other != text {
                proptest::prop_assert_eq!(CompactId::new(&other), CompactId::Text(other.clone().into()));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn issued_ids_give_back_their_number_and_nothing_else_does(n in 1u64.., hi: u64, lo: u64) {
            proptest::prop_assert_eq!(unmix(mix(n)), n);
            proptest::prop_assert_eq!(issued_number(issued_guid(n)), Some(n));
            let other = [hi, lo];
            if let Some(m) = issued_number(other) {
                proptest::prop_assert_eq!(issued_guid(m), other);
            }
        }
    }
}
