//! .NET `DateTimeStyles` flags as CDate and FormatDateTime read them.

/// .NET `DateTimeStyles` flags (name list like "AdjustToUniversal, AssumeUniversal", or the
/// integer value as text, e.g. "32").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTimeStyles(u32);

impl DateTimeStyles {
    /// `None`.
    pub const NONE: DateTimeStyles = DateTimeStyles(0);
    /// `AllowLeadingWhite`.
    pub const ALLOW_LEADING_WHITE: DateTimeStyles = DateTimeStyles(1);
    /// `AllowTrailingWhite`.
    pub const ALLOW_TRAILING_WHITE: DateTimeStyles = DateTimeStyles(2);
    /// `AllowInnerWhite`.
    pub const ALLOW_INNER_WHITE: DateTimeStyles = DateTimeStyles(4);
    /// `NoCurrentDateDefault`.
    pub const NO_CURRENT_DATE_DEFAULT: DateTimeStyles = DateTimeStyles(8);
    /// `AdjustToUniversal`.
    pub const ADJUST_TO_UNIVERSAL: DateTimeStyles = DateTimeStyles(16);
    /// `AssumeLocal`.
    pub const ASSUME_LOCAL: DateTimeStyles = DateTimeStyles(32);
    /// `AssumeUniversal`.
    pub const ASSUME_UNIVERSAL: DateTimeStyles = DateTimeStyles(64);
    /// `RoundtripKind`.
    pub const ROUNDTRIP_KIND: DateTimeStyles = DateTimeStyles(128);
    /// FormatDateTime's documented default: `RoundtripKind | AllowLeadingWhite |
    /// AllowTrailingWhite`.
    pub const DEFAULT: DateTimeStyles = DateTimeStyles(128 | 1 | 2);

    const NAMES: [(&'static str, u32); 10] = [
        ("None", 0),
        ("AllowLeadingWhite", 1),
        ("AllowTrailingWhite", 2),
        ("AllowInnerWhite", 4),
        ("AllowWhiteSpaces", 7),
        ("NoCurrentDateDefault", 8),
        ("AdjustToUniversal", 16),
        ("AssumeLocal", 32),
        ("AssumeUniversal", 64),
        ("RoundtripKind", 128),
    ];

    /// Parses like `Enum.Parse(typeof(DateTimeStyles), s)` and then applies the validation
    /// `ParseExact` performs (which throws `ArgumentException` in .NET): `None` for unknown
    /// names, undefined bits, `AssumeLocal` with `AssumeUniversal`, or `RoundtripKind` with any
    /// of `AdjustToUniversal`/`AssumeLocal`/`AssumeUniversal`. Names are matched
    /// case-insensitively (a superset of `Enum.Parse`'s default). An empty string is `None`;
    /// callers treat an empty argument slot as [`DateTimeStyles::DEFAULT`].
    pub fn parse(s: &str) -> Option<DateTimeStyles> {
        let t = s.trim();
        let first = *t.as_bytes().first()?;
        let bits = if first.is_ascii_digit() || first == b'+' || first == b'-' {
            u32::try_from(t.parse::<i32>().ok()?).ok()?
        } else {
            let mut bits = 0;
            for part in t.split(',') {
                let part = part.trim();
                let (_, v) = DateTimeStyles::NAMES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(part))?;
                bits |= v;
            }
            bits
        };
        DateTimeStyles::from_bits(bits)
    }

    /// Validated construction from the numeric flag value.
    pub fn from_bits(bits: u32) -> Option<DateTimeStyles> {
        let st = DateTimeStyles(bits);
        let valid = bits <= 255
            && !(st.has(Self::ASSUME_LOCAL) && st.has(Self::ASSUME_UNIVERSAL))
            && !(st.has(Self::ROUNDTRIP_KIND)
                && (st.has(Self::ADJUST_TO_UNIVERSAL)
                    || st.has(Self::ASSUME_LOCAL)
                    || st.has(Self::ASSUME_UNIVERSAL)));
        valid.then_some(st)
    }

    /// The numeric flag value.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether every flag of `other` is set.
    pub fn has(self, other: DateTimeStyles) -> bool {
        self.0 & other.0 == other.0
    }
}
