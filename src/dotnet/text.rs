//! .NET-compatible text primitives behind the Entra string functions.
//!
//! Entra evaluates expressions on .NET, whose strings are UTF-16 and whose casing is simple
//! (one code point in, one code point out). Rust's `str` is UTF-8 and its casing helpers apply
//! full Unicode mappings, so every function here re-derives the .NET result explicitly:
//! positions and lengths are counted in UTF-16 code units, and casing goes through
//! [`simple_upper`]/[`simple_lower`] plus the culture rules of .NET's ICU casing layer
//! (`pal_casing.c`: `ChangeCase`, `ChangeCaseInvariant`, `ChangeCaseTurkish`).
//!
//! Functions that build text append to a caller-supplied `String` so the evaluator can reuse
//! buffers; functions that select text return a borrowed slice.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A casing culture, reduced to the three behaviours .NET's casing actually distinguishes.
///
/// .NET maps every culture except Turkish and Azeri onto ICU's root simple case mapping, and
/// special-cases only the dotted/dotless i. No culture gets Lithuanian or Greek special casing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Culture {
    /// `CultureInfo.InvariantCulture`: simple mappings, except that `ı` (U+0131) does not
    /// uppercase and `İ` (U+0130) does not lowercase, matching Windows' invariant table.
    Invariant,
    /// Turkish and Azeri (`tr`, `az`, any script or region): `i`↔`İ`, `ı`↔`I`.
    Turkic,
    /// Any other named culture (`en-US`, `de`, `lt-LT`, ...): plain simple mappings, so unlike
    /// [`Culture::Invariant`] it maps `İ`→`i` and `ı`→`I`.
    Other,
}

impl Culture {
    /// Parses an RFC 4646 / .NET culture name (`"tr-TR"`, `"en-US"`, `"de"`, `"az-Latn-AZ"`;
    /// `""` is the invariant culture), ASCII case-insensitively as .NET does.
    ///
    /// The name must be `language[-Script][-REGION][_sort]` built from a built-in list of
    /// languages, scripts and regions .NET knows, or one of the legacy names `zh-CHS`/`zh-CHT`.
    /// Anything else returns `None`, which callers report the way .NET reports
    /// `CultureNotFoundException`. The check is deliberately structural rather than an exact
    /// list of .NET's cultures: .NET on ICU accepts well-formed combinations it has no data
    /// for, so a strict list would reject names Entra accepts.
    pub fn parse(name: &str) -> Option<Culture> {
        if name.is_empty() {
            return Some(Culture::Invariant);
        }
        if !name.is_ascii() {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        if lower == "zh-chs" || lower == "zh-cht" {
            return Some(Culture::Other);
        }
        let (tag, sort) = match lower.split_once('_') {
            Some((tag, sort)) => (tag, Some(sort)),
            None => (lower.as_str(), None),
        };
        if let Some(sort) = sort
            && !SORT_NAMES.contains(&sort)
        {
            return None;
        }
        let mut parts = tag.split('-');
        let language = parts.next()?;
        if !LANGUAGES.contains(&language) {
            return None;
        }
        let mut rest: Vec<&str> = parts.collect();
        if rest.first().is_some_and(|p| p.len() == 4) {
            if !SCRIPTS.contains(&rest[0]) {
                return None;
            }
            rest.remove(0);
        }
        match rest.as_slice() {
            [] => {}
            [region] if REGIONS.contains(region) => {}
            _ => return None,
        }
        if language == "tr" || language == "az" {
            Some(Culture::Turkic)
        } else {
            Some(Culture::Other)
        }
    }
}

// ISO 639 codes .NET (NLS and ICU) ships cultures for; lowercase for the case-insensitive match.
const LANGUAGES: &[&str] = &[
    "aa", "ab", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi", "bm",
    "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv",
    "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga",
    "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id",
    "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk", "kl",
    "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln", "lo", "lt",
    "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb", "nd", "ne",
    "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps",
    "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm",
    "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl",
    "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo",
    "xh", "yi", "yo", "za", "zh", "zu", "agq", "arn", "asa", "ast", "bas", "bem", "bez", "bin",
    "brx", "byn", "ccp", "ceb", "cgg", "chr", "ckb", "dav", "dje", "dsb", "dua", "dyo", "ebu",
    "ewo", "fil", "fur", "gsw", "guz", "haw", "hsb", "ibb", "jgo", "jmc", "kab", "kam", "kde",
    "kea", "khq", "kkj", "kln", "kok", "ksb", "ksf", "ksh", "lag", "lkt", "lrc", "luo", "luy",
    "mas", "mer", "mfe", "mgh", "mgo", "mni", "moh", "mua", "mzn", "naq", "nds", "nmg", "nnh",
    "nqo", "nso", "nus", "nyn", "osa", "prg", "prs", "quc", "quz", "qut", "rof", "rwk", "sah",
    "saq", "sat", "sbp", "seh", "ses", "shi", "sma", "smj", "smn", "sms", "syr", "teo", "tig",
    "tzm", "vai", "vun", "wae", "wal", "xog", "yav", "yue", "zgh",
];

// ISO 15924 scripts that appear in .NET culture names.
const SCRIPTS: &[&str] = &[
    "adlm", "arab", "armn", "beng", "cans", "cher", "cyrl", "deva", "ethi", "geor", "grek", "gujr",
    "guru", "hans", "hant", "hebr", "jpan", "khmr", "knda", "kore", "laoo", "latn", "mlym", "mong",
    "mtei", "mymr", "nkoo", "olck", "orya", "sinh", "syrc", "taml", "telu", "tfng", "thaa", "thai",
    "tibt", "vaii", "yiii",
];

// ISO 3166-1 alpha-2 regions plus the UN M.49 areas .NET uses (world, Europe, Latin America, Caribbean).
const REGIONS: &[&str] = &[
    "ad", "ae", "af", "ag", "ai", "al", "am", "ao", "aq", "ar", "as", "at", "au", "aw", "ax", "az",
    "ba", "bb", "bd", "be", "bf", "bg", "bh", "bi", "bj", "bl", "bm", "bn", "bo", "bq", "br", "bs",
    "bt", "bv", "bw", "by", "bz", "ca", "cc", "cd", "cf", "cg", "ch", "ci", "ck", "cl", "cm", "cn",
    "co", "cr", "cu", "cv", "cw", "cx", "cy", "cz", "de", "dj", "dk", "dm", "do", "dz", "ec", "ee",
    "eg", "eh", "er", "es", "et", "fi", "fj", "fk", "fm", "fo", "fr", "ga", "gb", "gd", "ge", "gf",
    "gg", "gh", "gi", "gl", "gm", "gn", "gp", "gq", "gr", "gs", "gt", "gu", "gw", "gy", "hk", "hm",
    "hn", "hr", "ht", "hu", "id", "ie", "il", "im", "in", "io", "iq", "ir", "is", "it", "je", "jm",
    "jo", "jp", "ke", "kg", "kh", "ki", "km", "kn", "kp", "kr", "kw", "ky", "kz", "la", "lb", "lc",
    "li", "lk", "lr", "ls", "lt", "lu", "lv", "ly", "ma", "mc", "md", "me", "mf", "mg", "mh", "mk",
    "ml", "mm", "mn", "mo", "mp", "mq", "mr", "ms", "mt", "mu", "mv", "mw", "mx", "my", "mz", "na",
    "nc", "ne", "nf", "ng", "ni", "nl", "no", "np", "nr", "nu", "nz", "om", "pa", "pe", "pf", "pg",
    "ph", "pk", "pl", "pm", "pn", "pr", "ps", "pt", "pw", "py", "qa", "re", "ro", "rs", "ru", "rw",
    "sa", "sb", "sc", "sd", "se", "sg", "sh", "si", "sj", "sk", "sl", "sm", "sn", "so", "sr", "ss",
    "st", "sv", "sx", "sy", "sz", "tc", "td", "tf", "tg", "th", "tj", "tk", "tl", "tm", "tn", "to",
    "tr", "tt", "tv", "tw", "tz", "ua", "ug", "um", "us", "uy", "uz", "va", "vc", "ve", "vg", "vi",
    "vn", "vu", "wf", "ws", "xk", "ye", "yt", "za", "zm", "zw", "001", "150", "419", "029",
];

// Alternate sort orders .NET exposes as `name_sort` culture names.
const SORT_NAMES: &[&str] = &[
    "phoneb", "tradnl", "pronun", "technl", "modern", "radstr", "stroke", "unicod",
];

/// The Unicode simple uppercase mapping (UnicodeData.txt field 12), which .NET applies.
///
/// `char::to_uppercase` applies SpecialCasing first; where that yields several characters the
/// simple mapping is either the identity or, for Greek letters with ypogegrammeni, the
/// titlecase-form capital (`ᾳ`→`ᾼ`), which is what .NET produces.
pub fn simple_upper(c: char) -> char {
    let mut full = c.to_uppercase();
    if full.len() == 1 {
        return full.next().unwrap_or(c);
    }
    match c as u32 {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
            char::from_u32(c as u32 + 8).unwrap_or(c)
        }
        0x1FB3 => '\u{1FBC}',
        0x1FC3 => '\u{1FCC}',
        0x1FF3 => '\u{1FFC}',
        _ => c,
    }
}

/// The Unicode simple lowercase mapping, which .NET applies.
///
/// `char::to_lowercase` differs only for `İ` (U+0130), whose full mapping appends U+0307.
pub fn simple_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut full = c.to_lowercase();
    if full.len() == 1 {
        full.next().unwrap_or(c)
    } else {
        c
    }
}

/// Uppercases one character the way .NET's `TextInfo.ToUpper` does for `culture`.
pub fn upper_char(c: char, culture: Culture) -> char {
    match (culture, c) {
        (Culture::Invariant, '\u{131}') => c,
        (Culture::Turkic, 'i') => '\u{130}',
        _ => simple_upper(c),
    }
}

/// Lowercases one character the way .NET's `TextInfo.ToLower` does for `culture`.
pub fn lower_char(c: char, culture: Culture) -> char {
    match (culture, c) {
        (Culture::Invariant, '\u{130}') => c,
        (Culture::Turkic, 'I') => '\u{131}',
        _ => simple_lower(c),
    }
}

/// .NET `ToLower` for `culture`: simple, length-preserving mappings per character, so there is
/// no final-sigma rule and `İ` gains no combining dot. Appends to `out`.
pub fn to_lower(s: &str, culture: Culture, out: &mut String) {
    // ASCII cases the same in every culture but the Turkic ones (I -> ı).
    if s.is_ascii() && culture != Culture::Turkic {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    out.reserve(s.len());
    out.extend(s.chars().map(|c| lower_char(c, culture)));
}

/// .NET `ToUpper` for `culture`: simple, length-preserving mappings per character, so `ß` and
/// ligatures such as `ﬁ` stay as they are. Appends to `out`.
pub fn to_upper(s: &str, culture: Culture, out: &mut String) {
    if s.is_ascii() && culture != Culture::Turkic {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_uppercase();
        return;
    }
    out.reserve(s.len());
    out.extend(s.chars().map(|c| upper_char(c, culture)));
}

fn is_letter(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::UppercaseLetter
            | GeneralCategory::LowercaseLetter
            | GeneralCategory::TitlecaseLetter
            | GeneralCategory::ModifierLetter
            | GeneralCategory::OtherLetter
    )
}

// The categories in .NET's `TextInfo.IsWordSeparator` mask 0x1FFCF800. Surrogates, private use,
// unassigned, marks and numbers are deliberately absent: they continue a word.
fn is_word_separator(c: char) -> bool {
    use GeneralCategory as G;
    matches!(
        c.general_category(),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
            | G::MathSymbol
            | G::CurrencySymbol
            | G::ModifierSymbol
            | G::OtherSymbol
    )
}

// `TextInfo.AddTitlecaseLetter`: .NET hard-codes the four Latin digraph triples (kept from
// .NET 2.0 for compatibility) and otherwise uses its culture's ToUpper, not Unicode titlecase.
fn title_char(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => upper_char(c, Culture::Invariant),
    }
}

/// Entra `PCase(source)`: `InvariantCulture.TextInfo.ToTitleCase(source.ToLowerInvariant())`.
/// Appends to `out`.
///
/// Lowercasing first is what makes all-caps words title-case (plain ToTitleCase keeps them as
/// acronyms), matching the documented `PABLO GONSALVES (SECOND)` → `Pablo Gonsalves (Second)`.
/// A letter outside a word is title-cased and starts one; the word then runs until a
/// separator-category character, with the ASCII apostrophe kept inside it (`O'neil`). Digits
/// and other non-letters outside a word never start one (`3Rd`).
pub fn title_case(s: &str, out: &mut String) {
    let mut lowered = String::with_capacity(s.len());
    to_lower(s, Culture::Invariant, &mut lowered);
    out.reserve(lowered.len());
    let mut chars = lowered.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_letter(c) {
            out.push(c);
            continue;
        }
        out.push(title_char(c));
        // The rest of the word is already lowercase, so .NET's per-word "has a lowercase letter"
        // acronym test cannot change anything here and the word is copied through.
        while let Some(&d) = chars.peek() {
            if is_letter(d) || d == '\'' || !is_word_separator(d) {
                out.push(d);
                chars.next();
            } else {
                break;
            }
        }
    }
}

/// Entra `PCase(source, wordSeparators)`: only characters of `separators` split words; each
/// word's first character is uppercased and the rest lowercased, with invariant simple
/// mappings. Separators are copied unchanged. Appends to `out`.
pub fn title_case_with_separators(s: &str, separators: &str, out: &mut String) {
    out.reserve(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if separators.contains(c) {
            out.push(c);
            at_word_start = true;
        } else if at_word_start {
            out.push(upper_char(c, Culture::Invariant));
            at_word_start = false;
        } else {
            out.push(lower_char(c, Culture::Invariant));
        }
    }
}

/// Entra `NormalizeDiacritics`: NFD, drop every nonspacing mark (Mn), then spell out the
/// letters Microsoft's table maps although Unicode gives them no decomposition
/// (`æ ø œ ß ł ı` and capitals). Other undecomposable letters (`đ ð þ ħ`) stay. Appends to `out`.
pub fn normalize_diacritics(s: &str, out: &mut String) {
    out.reserve(s.len());
    // ASCII characters have no decomposition and are canonical-ordering boundaries, so NFD
    // of the whole string equals ASCII copied through plus NFD of each non-ASCII run. Names
    // are mostly ASCII; this skips the normaliser for most of each one.
    let mut rest = s;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        out.push_str(&rest[..ascii]);
        rest = &rest[ascii..];
        let run = rest
            .bytes()
            .position(|b| b.is_ascii())
            .unwrap_or(rest.len());
        strip_marks(&rest[..run], out);
        rest = &rest[run..];
    }
}

fn strip_marks(s: &str, out: &mut String) {
    for c in s.nfd() {
        if c.general_category() == GeneralCategory::NonspacingMark {
            continue;
        }
        match c {
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'ø' | 'œ' => out.push_str("oe"),
            'Ø' | 'Œ' => out.push_str("OE"),
            'ß' => out.push_str("ss"),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            'ı' => out.push('i'),
            _ => out.push(c),
        }
    }
}

/// Entra `StripSpaces`: removes every U+0020 and nothing else (tabs, NBSP and other Unicode
/// spaces stay). Appends to `out`.
pub fn strip_spaces(s: &str, out: &mut String) {
    out.reserve(s.len());
    out.extend(s.chars().filter(|&c| c != ' '));
}

/// Number of UTF-16 code units, i.e. .NET `String.Length` (`Len`): a non-BMP character counts 2.
pub fn utf16_len(s: &str) -> usize {
    // Only 4-byte UTF-8 sequences become surrogate pairs, and each has exactly one lead byte
    // of the form 0b11110xxx.
    s.chars().count() + s.bytes().filter(|&b| b >= 0xF0).count()
}

/// Byte offset of the first character whose first UTF-16 unit is at index `pos` or later
/// (`s.len()` if none).
fn byte_offset_at_utf16(s: &str, pos: usize) -> usize {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        if units >= pos {
            return i;
        }
        units += c.len_utf16();
    }
    s.len()
}

/// .NET `Substring` by 0-based UTF-16 `start` and `len`, both clamped to the string.
///
/// A `&str` cannot hold half a surrogate pair, so the one rule used when a boundary falls inside
/// a non-BMP character is: **a character is included exactly when its first (high-surrogate)
/// unit lies in `[start, start + len)`**. A range starting on a low surrogate therefore skips
/// that character, and a range ending after a high surrogate includes the whole character, so
/// the result can be one unit shorter at the front or longer at the end than .NET's. Ranges on
/// BMP text are exact.
pub fn utf16_substring(s: &str, start: usize, len: usize) -> &str {
    let begin = byte_offset_at_utf16(s, start);
    let end = byte_offset_at_utf16(s, start.saturating_add(len)).max(begin);
    &s[begin..end]
}

/// Entra `Mid(source, start, length)` with 1-based `start`, following the Connect Sync rules the
/// spec adopts: `length == 0` gives `""`; `length < 0`, `start <= 0` or `start` beyond the end
/// give the whole input; a length running past the end stops at the end. Surrogate pairs follow
/// [`utf16_substring`].
pub fn mid(s: &str, start: i64, length: i64) -> &str {
    if length == 0 {
        return "";
    }
    if length < 0 || start <= 0 {
        return s;
    }
    let Ok(start) = usize::try_from(start) else {
        return s;
    };
    if start > utf16_len(s) {
        return s;
    }
    utf16_substring(s, start - 1, usize::try_from(length).unwrap_or(usize::MAX))
}

/// Entra `Left(string, numChars)`: `numChars == 0` gives `""`, a negative count the whole input,
/// otherwise the first `numChars` UTF-16 units (surrogate pairs as in [`utf16_substring`]).
pub fn left(s: &str, num_chars: i64) -> &str {
    match usize::try_from(num_chars) {
        Ok(0) => "",
        Ok(n) => utf16_substring(s, 0, n),
        Err(_) => s,
    }
}

// What vbTextCompare (IgnoreCase | IgnoreWidth | IgnoreKanaType) treats as equal, reduced to a
// length-preserving per-character fold so UTF-16 positions stay aligned with the original.
fn text_compare_fold(c: char) -> char {
    let c = match c as u32 {
        // Fullwidth ASCII forms and the ideographic space compare equal to ASCII.
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        // Hiragana compare equal to the corresponding katakana.
        0x3041..=0x3096 | 0x309D | 0x309E => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    };
    lower_char(upper_char(c, Culture::Invariant), Culture::Invariant)
}

/// VB `InStr(start, hay, needle, compare)`: the 1-based UTF-16 position of `needle` in `hay`
/// at or after the 1-based `start` (0 is treated as 1), or 0 when absent.
///
/// Mirrors `Microsoft.VisualBasic.Strings.InStr`: an empty `hay` or a `start` more than one
/// past the end gives 0; an empty `needle` otherwise gives `start`. `ignore_case` selects
/// vbTextCompare, approximated as an ordinal match after invariant case folding, fullwidth→ASCII
/// and hiragana→katakana; .NET's linguistic matching (ignorable characters, canonical
/// equivalence, expansions) is not reproduced. Does not allocate.
pub fn instr(hay: &str, needle: &str, start: usize, ignore_case: bool) -> usize {
    let start = start.max(1);
    let hay_len = utf16_len(hay);
    if hay_len == 0 || start - 1 > hay_len {
        return 0;
    }
    if needle.is_empty() {
        return start;
    }
    let from = byte_offset_at_utf16(hay, start - 1);
    let found = if ignore_case {
        let tail = &hay[from..];
        tail.char_indices()
            .map(|(i, _)| i)
            .find(|&i| {
                let mut h = tail[i..].chars();
                needle.chars().all(|n| {
                    h.next()
                        .is_some_and(|c| text_compare_fold(c) == text_compare_fold(n))
                })
            })
            .map(|i| from + i)
    } else {
        hay[from..].find(needle).map(|i| from + i)
    };
    found.map_or(0, |b| utf16_len(&hay[..b]) + 1)
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn push_base64(bytes: impl Iterator<Item = u8>, out: &mut String) {
    let mut push_group = |group: [u8; 3], n: usize| {
        let v = (u32::from(group[0]) << 16) | (u32::from(group[1]) << 8) | u32::from(group[2]);
        for k in 0..4 {
            if k <= n {
                out.push(BASE64_ALPHABET[((v >> (18 - 6 * k)) & 0x3F) as usize] as char);
            } else {
                out.push('=');
            }
        }
    };
    let mut group = [0u8; 3];
    let mut n = 0;
    for b in bytes {
        group[n] = b;
        n += 1;
        if n == 3 {
            push_group(group, 3);
            n = 0;
        }
    }
    if n > 0 {
        group[n..].fill(0);
        push_group(group, n);
    }
}

/// Standard base64 with padding of `bytes`, appended to `out`.
pub fn base64(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len() / 3 * 4 + 4);
    push_base64(bytes.iter().copied(), out);
}

/// Entra `ConvertToBase64`: the `Encoding.Unicode` (UTF-16LE) bytes in standard base64 with
/// padding. Appends to `out`.
pub fn base64_utf16le(s: &str, out: &mut String) {
    out.reserve(s.len() * 3);
    push_base64(s.encode_utf16().flat_map(u16::to_le_bytes), out);
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Entra `ConvertToUTF8Hex`: the UTF-8 bytes as uppercase hex pairs without separators.
/// Appends to `out`.
pub fn utf8_hex(s: &str, out: &mut String) {
    out.reserve(s.len() * 2);
    for b in s.bytes() {
        out.push(HEX_UPPER[usize::from(b >> 4)] as char);
        out.push(HEX_UPPER[usize::from(b & 0xF)] as char);
    }
}

/// `System.Net.WebUtility.UrlEncode`: ASCII letters, digits and `- _ . ! * ( )` stay, space
/// becomes `+`, every other UTF-8 byte becomes `%XX` with uppercase hex (unlike
/// `HttpUtility.UrlEncode`, which uses lowercase). Appends to `out`.
pub fn url_encode(s: &str, out: &mut String) {
    out.reserve(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX_UPPER[usize::from(b >> 4)] as char);
                out.push(HEX_UPPER[usize::from(b & 0xF)] as char);
            }
        }
    }
}

/// Entra `Word(string, wordNumber, delimiters)`: the `n`th (1-based) word, where any character
/// of `delimiters` separates words and runs of delimiters produce no empty words. `n < 1` or
/// too few words gives `""`; a string without delimiters is a single word.
pub fn word<'a>(s: &'a str, n: i64, delimiters: &str) -> &'a str {
    let Some(skip) = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)) else {
        return "";
    };
    s.split(|c| delimiters.contains(c))
        .filter(|w| !w.is_empty())
        .nth(skip)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(s: &str, culture: Culture) -> String {
        let mut out = String::new();
        to_lower(s, culture, &mut out);
        out
    }

    fn upper(s: &str, culture: Culture) -> String {
        let mut out = String::new();
        to_upper(s, culture, &mut out);
        out
    }

    fn pcase(s: &str) -> String {
        let mut out = String::new();
        title_case(s, &mut out);
        out
    }

    fn pcase_seps(s: &str, seps: &str) -> String {
        let mut out = String::new();
        title_case_with_separators(s, seps, &mut out);
        out
    }

    fn diacritics(s: &str) -> String {
        let mut out = String::new();
        normalize_diacritics(s, &mut out);
        out
    }

    fn strip(s: &str) -> String {
        let mut out = String::new();
        strip_spaces(s, &mut out);
        out
    }

    fn b64(s: &str) -> String {
        let mut out = String::new();
        base64_utf16le(s, &mut out);
        out
    }

    fn hex(s: &str) -> String {
        let mut out = String::new();
        utf8_hex(s, &mut out);
        out
    }

    fn url(s: &str) -> String {
        let mut out = String::new();
        url_encode(s, &mut out);
        out
    }

    // ---- Culture::parse ----

    #[test]
    fn culture_parse_accepts_common_names_case_insensitively() {
        assert_eq!(Culture::parse(""), Some(Culture::Invariant));
        assert_eq!(Culture::parse("tr-TR"), Some(Culture::Turkic));
        assert_eq!(Culture::parse("TR-tr"), Some(Culture::Turkic));
        assert_eq!(Culture::parse("tr"), Some(Culture::Turkic));
        assert_eq!(Culture::parse("az-Latn-AZ"), Some(Culture::Turkic));
        assert_eq!(Culture::parse("az-Cyrl-AZ"), Some(Culture::Turkic));
        assert_eq!(Culture::parse("en-US"), Some(Culture::Other));
        assert_eq!(Culture::parse("de"), Some(Culture::Other));
        assert_eq!(Culture::parse("sr-Cyrl-RS"), Some(Culture::Other));
        assert_eq!(Culture::parse("zh-Hant-TW"), Some(Culture::Other));
        assert_eq!(Culture::parse("es-419"), Some(Culture::Other));
        assert_eq!(Culture::parse("zh-CHS"), Some(Culture::Other));
        assert_eq!(Culture::parse("de-DE_phoneb"), Some(Culture::Other));
        assert_eq!(Culture::parse("lt-LT"), Some(Culture::Other));
        assert_eq!(Culture::parse("fil-PH"), Some(Culture::Other));
    }

    #[test]
    fn culture_parse_rejects_unknown_or_malformed_names() {
        for name in [
            "xx",
            "en-XX",
            "en_US",
            "en-",
            "-US",
            "tr-TR-TR",
            "en-Zzzz-US",
            "de-DE_bogus",
            "english",
            "en US",
            "ü",
            "en-US-x",
        ] {
            assert_eq!(Culture::parse(name), None, "{name}");
        }
    }

    // ---- ToLower / ToUpper ----

    #[test]
    fn conformance_tolower_toupper() {
        // tolower-doc, tolower-workday-diacritics (composed with the other functions)
        assert_eq!(
            lower("John.Smith@contoso.com", Culture::Invariant),
            "john.smith@contoso.com"
        );
        assert_eq!(
            lower(&diacritics(&strip("José.García-López")), Culture::Invariant),
            "jose.garcia-lopez"
        );
        // toupper-turkish, tolower-turkish
        let tr = Culture::parse("tr-TR").unwrap();
        assert_eq!(upper("istanbul", tr), "İSTANBUL");
        assert_eq!(lower("TITLE", tr), "tıtle");
        // toupper-sharp-s
        assert_eq!(upper("straße", Culture::Invariant), "STRAßE");
        // mid-propercase-idiom / mid-propercase-display
        let last = "JOHNSON";
        let proper = format!(
            "{}{}",
            mid(last, 1, 1),
            lower(mid(last, 2, 64), Culture::Invariant)
        );
        assert_eq!(proper, "Johnson");
        let (last, first) = ("SMITH", "JOHN");
        let display = format!(
            "{}{}, {}{}",
            mid(last, 1, 1),
            lower(mid(last, 2, 64), Culture::Invariant),
            mid(first, 1, 1),
            lower(mid(first, 2, 64), Culture::Invariant)
        );
        assert_eq!(display, "Smith, John");
    }

    // Checked with Mono (tr-TR and en-US TextInfo) and against dotnet/runtime pal_casing.c
    // (ChangeCaseInvariant keeps ı and İ unchanged, ChangeCase maps them).
    #[test]
    fn dotted_and_dotless_i_depend_on_culture() {
        assert_eq!(upper("iı", Culture::Invariant), "Iı");
        assert_eq!(lower("Iİ", Culture::Invariant), "iİ");
        assert_eq!(upper("iı", Culture::Turkic), "İI");
        assert_eq!(lower("Iİ", Culture::Turkic), "ıi");
        assert_eq!(upper("iı", Culture::Other), "II");
        assert_eq!(lower("Iİ", Culture::Other), "ii");
    }

    // Checked with Mono: ß, ﬁ, ŉ and ǰ have no simple uppercase; ẞ lowercases to ß.
    #[test]
    fn casing_is_simple_and_length_preserving() {
        for c in [Culture::Invariant, Culture::Turkic, Culture::Other] {
            assert_eq!(upper("ßﬁŉǰ", c), "ßﬁŉǰ");
        }
        assert_eq!(lower("ẞ", Culture::Other), "ß");
        assert_eq!(lower("İ", Culture::Other).chars().count(), 1);
    }

    // Checked with Mono: ΟΔΟΣ lowercases to οδοσ (no final sigma).
    #[test]
    fn no_greek_final_sigma() {
        assert_eq!(lower("ΟΔΟΣ", Culture::Invariant), "οδοσ");
        assert_eq!(upper("ς", Culture::Other), "Σ");
    }

    // Checked with Mono (en-US): ᾳ uppercases to the titlecase-form capital ᾼ, not ΑΙ.
    #[test]
    fn greek_ypogegrammeni_uses_simple_uppercase() {
        assert_eq!(upper("ᾳᾀῃῳ", Culture::Other), "ᾼᾈῌῼ");
        assert_eq!(upper("ᾼᾈ", Culture::Other), "ᾼᾈ");
    }

    // Checked with Mono (en-US): the digraphs upper/lowercase to their Ǆ/ǆ forms.
    #[test]
    fn digraphs_case_as_whole_letters() {
        assert_eq!(upper("ǆǅǄ", Culture::Other), "ǄǄǄ");
        assert_eq!(lower("ǆǅǄ", Culture::Other), "ǆǆǆ");
    }

    #[test]
    fn non_bmp_letters_are_cased_like_dotnet_core() {
        // .NET Core's ICU layer decodes surrogate pairs before casing (Deseret 𐐨 ↔ 𐐀).
        assert_eq!(upper("𐐨", Culture::Invariant), "𐐀");
        assert_eq!(lower("𐐀", Culture::Invariant), "𐐨");
    }

    // ---- PCase ----

    #[test]
    fn conformance_pcase() {
        // pcase-doc-default-separators
        assert_eq!(
            pcase("PABLO GONSALVES (SECOND)"),
            "Pablo Gonsalves (Second)"
        );
        // pcase-doc-custom-separators
        assert_eq!(pcase_seps("PINTO-DE'SILVA", " '-"), "Pinto-De'Silva");
        // pcase-doc-join
        assert_eq!(pcase("GREGORY JAMES"), "Gregory James");
        // pcase-default-apostrophe
        assert_eq!(pcase("PINTO-DE'SILVA"), "Pinto-De'silva");
        // pcase-default-mixed
        assert_eq!(pcase("mary-ann o'connor"), "Mary-Ann O'connor");
        // pcase-default-digit-quirk
        assert_eq!(pcase("3RD AVENUE"), "3Rd Avenue");
        // pcase-default-underscore
        assert_eq!(pcase("hello_world"), "Hello_World");
        // pcase-workday-apostrophe-workaround (the Replace of "'S" is then a no-op)
        assert_eq!(pcase("st john's hospital"), "St John's Hospital");
        // pcase-curly-apostrophe
        assert_eq!(pcase("o’neil"), "O’Neil");
        // pcase-digits-inside-word
        assert_eq!(pcase("a1b 1ab"), "A1b 1Ab");
    }

    // All expected values below checked with Mono's TextInfo.ToTitleCase(s.ToLowerInvariant()),
    // which follows the same algorithm as .NET's reference source.
    #[test]
    fn pcase_apostrophe_only_continues_a_word() {
        assert_eq!(pcase("'abc 'x"), "'Abc 'X");
        assert_eq!(pcase("don't''stop"), "Don't''stop");
    }

    #[test]
    fn pcase_digraph_becomes_titlecase_form() {
        assert_eq!(pcase("ǆemal ǉubljana ǌ ǲ"), "ǅemal ǈubljana ǋ ǲ");
        assert_eq!(pcase("ǄEMAL"), "ǅemal");
    }

    #[test]
    fn pcase_separator_categories() {
        // Cf (soft hyphen, ZWSP) and Cc (tab) separate; Mn, No, Nl do not.
        assert_eq!(pcase("ab\u{AD}cd"), "Ab\u{AD}Cd");
        assert_eq!(pcase("a\u{200B}b"), "A\u{200B}B");
        assert_eq!(pcase("abc\tdef"), "Abc\tDef");
        assert_eq!(pcase("e\u{301}cole x\u{301}y"), "E\u{301}cole X\u{301}y");
        assert_eq!(pcase("x²y ⅷz"), "X²y ⅷZ");
        assert_eq!(pcase("a.b,c;d"), "A.B,C;D");
    }

    #[test]
    fn pcase_keeps_invariant_dotless_and_dotted_i() {
        assert_eq!(pcase("ıi İ"), "ıi İ");
    }

    #[test]
    fn pcase_greek_word_is_lowercased_after_first_letter() {
        assert_eq!(pcase("ΑΒΓ δ"), "Αβγ Δ");
    }

    #[test]
    fn pcase_non_bmp_first_letter_is_uppercased() {
        // .NET Core's AddTitlecaseLetter uppercases a surrogate pair through ICU.
        assert_eq!(pcase("𐐨ABC xy"), "𐐀abc Xy");
    }

    #[test]
    fn pcase_with_separators_uppercases_first_char_only() {
        assert_eq!(pcase_seps("hello world", ""), "Hello world");
        assert_eq!(pcase_seps("o'neil-smith", "'"), "O'Neil-smith");
        assert_eq!(pcase_seps("  a  b", " "), "  A  B");
        assert_eq!(pcase_seps("3rd", " "), "3rd");
        assert_eq!(pcase_seps("", " "), "");
    }

    // ---- NormalizeDiacritics ----

    #[test]
    fn conformance_normalizediacritics() {
        let cases = [
            ("normalizediacritics-doc", "Zoë", "Zoe"),
            ("normalizediacritics-outside-table", "Đorđe", "Đorđe"),
            (
                "normalizediacritics-table-a",
                "ä,à,â,ã,å,á,ą,ă,ā,ā́,ā̀,ā̂,ā̃,ǟ,ā̈,ǡ,a̱,å̄|Ä,À,Â,Ã,Å,Á,Ą,Ă,Ā,Ā́,Ā̀,Ā̂,Ā̃,Ǟ,Ā̈,Ǡ,A̱,Å̄",
                "a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a|A,A,A,A,A,A,A,A,A,A,A,A,A,A,A,A,A,A",
            ),
            ("normalizediacritics-table-ae", "æ,ǣ|Æ,Ǣ", "ae,ae|AE,AE"),
            (
                "normalizediacritics-table-c",
                "ç,č,ć,c̄,c̱|Ç,Č,Ć,C̄,C̱",
                "c,c,c,c,c|C,C,C,C,C",
            ),
            ("normalizediacritics-table-d", "ď,d̄,ḏ|Ď,D̄,Ḏ", "d,d,d|D,D,D"),
            (
                "normalizediacritics-table-e",
                "ë,è,é,ê,ę,ě,ė,ē,ḗ,ḕ,ē̂,ē̃,ê̄,e̱,ë̄,e̊̄|Ë,È,É,Ê,Ę,Ě,Ė,Ē,Ḗ,Ḕ,Ē̂,Ē̃,Ê̄,E̱,Ë̄,E̊̄",
                "e,e,e,e,e,e,e,e,e,e,e,e,e,e,e,e|E,E,E,E,E,E,E,E,E,E,E,E,E,E,E,E",
            ),
            ("normalizediacritics-table-g", "ğ,ḡ,g̱|Ğ,Ḡ,G̱", "g,g,g|G,G,G"),
            (
                "normalizediacritics-table-i",
                "ï,î,ì,í,ı,ī,ī́,ī̀,ī̂,ī̃,i̱|Ï,Î,Ì,Í,İ,Ī,Ī́,Ī̀,Ī̂,Ī̃,I̱",
                "i,i,i,i,i,i,i,i,i,i,i|I,I,I,I,I,I,I,I,I,I,I",
            ),
            (
                "normalizediacritics-table-l",
                "ľ,ł,l̄,ḹ,ḻ|Ł,Ľ,L̄,Ḹ,Ḻ",
                "l,l,l,l,l|L,L,L,L,L",
            ),
            (
                "normalizediacritics-table-n",
                "ñ,ń,ň,n̄,ṉ|Ñ,Ń,Ň,N̄,Ṉ",
                "n,n,n,n,n|N,N,N,N,N",
            ),
            (
                "normalizediacritics-table-o",
                "ö,ò,ő,õ,ô,ó,ō,ṓ,ṑ,ō̂,ō̃,ȫ,ō̈,ǭ,ȭ,ȱ,o̱|Ö,Ò,Ő,Õ,Ô,Ó,Ō,Ṓ,Ṑ,Ō̂,Ō̃,Ȫ,Ō̈,Ǭ,Ȭ,Ȱ,O̱",
                "o,o,o,o,o,o,o,o,o,o,o,o,o,o,o,o,o|O,O,O,O,O,O,O,O,O,O,O,O,O,O,O,O,O",
            ),
            (
                "normalizediacritics-table-oe",
                "ø,ø̄,œ̄|Ø,Ø̄,Œ̄",
                "oe,oe,oe|OE,OE,OE",
            ),
            (
                "normalizediacritics-table-r",
                "ř,r̄,ṟ,ṝ|Ř,R̄,Ṟ,Ṝ",
                "r,r,r,r|R,R,R,R",
            ),
            ("normalizediacritics-table-ss", "ß", "ss"),
            (
                "normalizediacritics-table-s",
                "š,ś,ș,ş,s̄,s̱|Š,Ś,Ș,Ş,S̄,S̱",
                "s,s,s,s,s,s|S,S,S,S,S,S",
            ),
            (
                "normalizediacritics-table-t",
                "ť,ț,t̄,ṯ|Ť,Ț,T̄,Ṯ",
                "t,t,t,t|T,T,T,T",
            ),
            (
                "normalizediacritics-table-u",
                "ü,ù,û,ú,ů,ű,ū,ū́,ū̀,ū̂,ū̃,u̇̄,ǖ,ṻ,ṳ̄,u̱|Ü,Ù,Û,Ú,Ů,Ű,Ū,Ū́,Ū̀,Ū̂,Ū̃,U̇̄,Ǖ,Ṻ,Ṳ̄,U̱",
                "u,u,u,u,u,u,u,u,u,u,u,u,u,u,u,u|U,U,U,U,U,U,U,U,U,U,U,U,U,U,U,U",
            ),
            (
                "normalizediacritics-table-y",
                "ÿ,ý,ȳ,ȳ́,ȳ̀,ȳ̃,y̱|Ÿ,Ý,Ȳ,Ȳ́,Ȳ̀,Ȳ̃,Y̱",
                "y,y,y,y,y,y,y|Y,Y,Y,Y,Y,Y,Y",
            ),
            (
                "normalizediacritics-table-z",
                "ź,ž,ż,z̄,ẕ|Ź,Ž,Ż,Z̄,Ẕ",
                "z,z,z,z,z|Z,Z,Z,Z,Z",
            ),
        ];
        for (id, input, expected) in cases {
            assert_eq!(diacritics(input), expected, "{id}");
        }
    }

    #[test]
    fn normalizediacritics_keeps_letters_without_decomposition() {
        assert_eq!(diacritics("đĐðþħ"), "đĐðþħ");
        assert_eq!(diacritics("ŒUVRE æ"), "OEUVRE ae");
    }

    // ---- StripSpaces ----

    #[test]
    fn conformance_stripspaces_in_join() {
        let joined = "María.José González";
        let local = diacritics(&strip(joined));
        assert_eq!(
            format!("{local}@contoso.com"),
            "Maria.JoseGonzalez@contoso.com"
        );
    }

    #[test]
    fn stripspaces_removes_only_u0020() {
        assert_eq!(strip(" a\tb\u{A0}c\u{2003}d "), "a\tb\u{A0}c\u{2003}d");
    }

    // ---- Len / Mid / Left ----

    #[test]
    fn conformance_len() {
        assert_eq!(utf16_len("John Doe"), 8);
        assert_eq!(utf16_len("42568"), 5);
        assert_eq!(utf16_len("42568.75"), 8);
        assert_eq!(utf16_len(""), 0);
    }

    #[test]
    fn len_counts_utf16_units() {
        assert_eq!(utf16_len("😀"), 2);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("e\u{301}"), 2);
        assert_eq!(utf16_len("a😀b𐐀"), 6);
    }

    #[test]
    fn conformance_mid() {
        assert_eq!(mid("Doe", 1, 5), "Doe");
        assert_eq!(mid("johns@contoso.com", 1, 8), "johns@co");
        assert_eq!(mid("John Doe", 3, 5), "hn Do");
        assert_eq!(mid("John Doe", 6, 999), "Doe");
        assert_eq!(mid("John", 10, 2), "John");
        assert_eq!(mid("John", 0, 2), "John");
        assert_eq!(mid("John", 1, 0), "");
        assert_eq!(mid("John", 2, -1), "John");
        assert_eq!(mid("JOHNSON", 2, 64), "OHNSON");
    }

    #[test]
    fn mid_edge_cases() {
        assert_eq!(mid("John", 4, 1), "n");
        assert_eq!(mid("John", 5, 1), "John");
        assert_eq!(mid("John", i64::MAX, 1), "John");
        assert_eq!(mid("John", 2, i64::MAX), "ohn");
        assert_eq!(mid("", 1, 1), "");
    }

    #[test]
    fn conformance_left() {
        assert_eq!(left("John Doe", 3), "Joh");
        assert_eq!(left("John Doe", 0), "");
        assert_eq!(left("John Doe", -1), "John Doe");
        assert_eq!(left("Jo", 5), "Jo");
    }

    #[test]
    fn substring_counts_non_bmp_as_two_units() {
        assert_eq!(utf16_substring("😀abc", 2, 2), "ab");
        assert_eq!(utf16_substring("a😀b", 0, 3), "a😀");
        assert_eq!(utf16_substring("abc", 1, 100), "bc");
        assert_eq!(utf16_substring("abc", 5, 1), "");
        assert_eq!(utf16_substring("abc", usize::MAX, usize::MAX), "");
    }

    #[test]
    fn substring_includes_a_char_iff_its_high_surrogate_is_in_range() {
        // Start on the low surrogate: the pair is skipped.
        assert_eq!(utf16_substring("😀abc", 1, 2), "a");
        assert_eq!(utf16_substring("😀abc", 1, 1), "");
        // End right after the high surrogate: the whole pair is kept.
        assert_eq!(utf16_substring("a😀b", 0, 2), "a😀");
        assert_eq!(left("😀", 1), "😀");
        assert_eq!(mid("a😀b", 3, 1), "");
    }

    // ---- InStr ----

    #[test]
    fn conformance_instr() {
        assert_eq!(instr("The quick brown fox", "quick", 1, false), 5);
        assert_eq!(instr("repEated", "e", 3, false), 7);
        assert_eq!(instr("repEated", "e", 3, true), 4);
        assert_eq!(instr("abc", "z", 1, false), 0);
        assert_eq!(instr("abcabc", "a", 2, false), 4);
        assert_eq!(instr("ABC", "b", 1, false), 0);
        assert_eq!(
            instr(&lower("TrendMicro", Culture::Invariant), "micro", 1, false),
            6
        );
        assert_eq!(instr("Microsoft", "micro", 1, false), 0);
    }

    // Empty-string and start rules follow Microsoft.VisualBasic Strings.InStr's source.
    #[test]
    fn instr_vb_edge_rules() {
        assert_eq!(instr("abc", "", 1, false), 1);
        assert_eq!(instr("abc", "", 3, false), 3);
        assert_eq!(instr("abc", "", 4, false), 4);
        assert_eq!(instr("abc", "", 5, false), 0);
        assert_eq!(instr("", "", 1, false), 0);
        assert_eq!(instr("", "a", 1, true), 0);
        assert_eq!(instr("abc", "c", 4, false), 0);
        assert_eq!(instr("abc", "a", 0, false), 1);
        assert_eq!(instr("abc", "abcd", 1, true), 0);
    }

    #[test]
    fn instr_positions_are_utf16_units() {
        assert_eq!(instr("😀x😀x", "x", 1, false), 3);
        assert_eq!(instr("😀x😀x", "x", 4, false), 6);
        // A start on a low surrogate resumes at the next whole character.
        assert_eq!(instr("😀😀", "😀", 2, false), 3);
        assert_eq!(instr("😀X", "x", 1, true), 3);
    }

    #[test]
    fn instr_text_compare_folds_case_width_and_kana() {
        assert_eq!(instr("STRASSE Straße", "straße", 1, true), 9);
        assert_eq!(instr("ΟΔΟΣ", "σ", 1, true), 4);
        assert_eq!(instr("ＡＢＣ", "bc", 1, true), 2);
        assert_eq!(instr("カタカナ", "かな", 1, true), 3);
        // Invariant casing keeps dotless ı distinct from i.
        assert_eq!(instr("ı", "I", 1, true), 0);
    }

    // ---- ConvertToBase64 / ConvertToUTF8Hex ----

    #[test]
    fn conformance_converttobase64() {
        assert_eq!(b64("Hello world!"), "SABlAGwAbABvACAAdwBvAHIAbABkACEA");
        assert_eq!(b64("Zoë"), "WgBvAOsA");
        assert_eq!(b64(""), "");
    }

    // Checked with Mono: Convert.ToBase64String(Encoding.Unicode.GetBytes(...)).
    #[test]
    fn base64_padding_and_surrogates() {
        assert_eq!(b64("a"), "YQA=");
        assert_eq!(b64("ab"), "YQBiAA==");
        assert_eq!(b64("abc"), "YQBiAGMA");
        assert_eq!(b64("😀"), "PdgA3g==");
    }

    #[test]
    fn conformance_converttoutf8hex() {
        assert_eq!(hex("Hello world!"), "48656C6C6F20776F726C6421");
        assert_eq!(hex("Zoë"), "5A6FC3AB");
        assert_eq!(
            hex("00aa00aa-bb11-cc22-dd33-44ee44ee44ee"),
            "30306161303061612D626231312D636332322D646433332D343465653434656534346565"
        );
        assert_eq!(hex(""), "");
    }

    // ---- UrlEncode ----

    // Checked with Mono's System.Net.WebUtility.UrlEncode.
    #[test]
    fn url_encode_matches_webutility() {
        assert_eq!(url("Hello world!"), "Hello+world!");
        assert_eq!(
            url("a b&c=d/é~*()!'-_."),
            "a+b%26c%3Dd%2F%C3%A9%7E*()!%27-_."
        );
        assert_eq!(url("😀"), "%F0%9F%98%80");
        assert_eq!(url("userName eq \"x+y@z\""), "userName+eq+%22x%2By%40z%22");
        assert_eq!(url(""), "");
    }

    // ---- Word ----

    #[test]
    fn conformance_word() {
        assert_eq!(word("The quick brown fox", 3, " "), "brown");
        assert_eq!(word("This,string!has&many separators", 3, ",!&#"), "has");
        assert_eq!(word("The quick brown fox", 0, " "), "");
        assert_eq!(word("a,,b", 2, ","), "b");
        assert_eq!(word("abc", 1, ","), "abc");
    }

    #[test]
    fn word_edge_cases() {
        assert_eq!(word("The quick", 3, " "), "");
        assert_eq!(word("The quick", -1, " "), "");
        assert_eq!(word(",,a,,", 1, ","), "a");
        assert_eq!(word("", 1, ","), "");
        assert_eq!(word("a b", 1, ""), "a b");
        assert_eq!(word("x😀y😀z", 3, "😀"), "z");
        assert_eq!(word("a b", i64::MAX, " "), "");
    }
}
