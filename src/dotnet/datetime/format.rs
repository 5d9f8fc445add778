//! Custom and standard date/time format strings: tokenizing once, and `ToString`.

use std::fmt::Write as _;

use super::*;

/// Where a parsed value's zone came from, to reproduce .NET's `DetermineTimeZoneAdjustments`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Zone {
    pub(super) offset_minutes: i32,
    /// Set by `Z`/`K` matching "Z" (or "GMT" via the `Z` specifier): `ParseFlags.TimeZoneUtc`.
    pub(super) utc: bool,
}

impl Zone {
    /// `Z` or `GMT` read as UTC (`ParseFlags.TimeZoneUtc`).
    pub(super) const UTC: Zone = Zone {
        offset_minutes: 0,
        utc: true,
    };

    /// An offset read from the text (`+02:00`, or `GMT` as +00:00 without the UTC flag).
    pub(super) fn offset(offset_minutes: i32) -> Zone {
        Zone {
            offset_minutes,
            utc: false,
        }
    }
}

/// One element of a compiled custom format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
    /// `d`..`dddd` (count capped at 4).
    Day(u8),
    /// `f`/`F` with digit count; `true` for `F` (trim trailing zeros, optional on parse).
    Frac(u8, bool),
    /// `g`, `gg`, ...
    Era,
    /// `h`/`hh` (count capped at 2).
    Hour12(u8),
    /// `H`/`HH` (count capped at 2).
    Hour24(u8),
    /// `K`.
    Kind,
    /// `m`/`mm`.
    Minute(u8),
    /// `M`..`MMMM`.
    Month(u8),
    /// `s`/`ss`.
    Second(u8),
    /// `t`/`tt`.
    AmPm(u8),
    /// `y`.. with the exact count (it is the parse width and the format padding).
    Year(u8),
    /// `z`/`zz`/`zzz` (count capped at 3).
    Offset(u8),
    /// Unquoted `Z`: a literal when formatting but a UTC designator ("Z"/"GMT") when parsing.
    Zulu,
    /// Unquoted `GMT`: parse matches "GMT" and sets a zero offset; format prints `G`, month, `T`.
    Gmt,
    /// `:` (invariant time separator).
    TimeSep,
    /// `/` (invariant date separator).
    DateSep,
    /// Unquoted space, which has special lookahead rules in `ParseExact`.
    Space,
    /// A literal character and how it was written.
    Lit(char, LitSrc),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LitSrc {
    Plain,
    Quoted,
    Escaped,
}

/// A .NET custom date/time format string, tokenized once (compile once, use many times).
///
/// Also accepts the invariant-culture standard formats (a one-character format string is always
/// a standard format in .NET: `d D f F g G m M o O r R s t T u U y Y`); the empty string formats
/// as `G` but cannot be used for parsing, as in .NET.
#[derive(Clone, Debug)]
pub struct DateFormat {
    pub(super) toks: Vec<Tok>,
    /// How `ParseExact` reads the format when it differs from `ToString`: a mid-format `%`
    /// only introduces the next specifier there, whose whole run counts (`%MMMM` is `MMMM`),
    /// while `ToString` formats `%M` alone and then `MMM`.
    pub(super) parse_toks: Option<Vec<Tok>>,
    /// `ParseExact` with the `U` standard format treats the value as UTC.
    pub(super) utc_pattern: bool,
    /// The empty format string: `ToString("")` is `G`, `ParseExact(s, "")` always fails.
    pub(super) parse_forbidden: bool,
}

/// Why a format string is rejected: byte range inside the format string and a human message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormatError {
    /// Byte offset of the offending part.
    pub start: usize,
    /// Byte offset just past the offending part.
    pub end: usize,
    /// What is wrong.
    pub message: String,
}

pub(super) fn standard_pattern(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "MM/dd/yyyy",
        'D' => "dddd, dd MMMM yyyy",
        'f' => "dddd, dd MMMM yyyy HH:mm",
        'F' | 'U' => "dddd, dd MMMM yyyy HH:mm:ss",
        'g' => "MM/dd/yyyy HH:mm",
        'G' => "MM/dd/yyyy HH:mm:ss",
        'm' | 'M' => "MMMM dd",
        'o' | 'O' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        'r' | 'R' => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        's' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        't' => "HH:mm",
        'T' => "HH:mm:ss",
        'u' => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        'y' | 'Y' => "yyyy MMMM",
        _ => return None,
    })
}

impl DateFormat {
    /// Tokenizes a .NET date/time format. Custom specifiers: `d dd ddd dddd`, `f`..`fffffff`,
    /// `F`..`FFFFFFF`, `g`, `h hh H HH`, `K`, `m mm`, `M MM MMM MMMM`, `s ss`, `t tt`,
    /// `y`..`yyyyy`, `z zz zzz`, `:` and `/`, quoted literals `'...'` / `"..."` (with `\`
    /// escapes inside), `\c` escapes and the `%c` single-specifier prefix; anything else is a
    /// literal. Rejected like .NET's `FormatException`: more than 7 `f`/`F`, an unterminated
    /// quote, a trailing backslash, a bare or doubled `%`, and unknown one-character (standard)
    /// formats.
    pub fn compile(fmt: &str) -> Result<DateFormat, FormatError> {
        let mut chars = fmt.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            let pattern = standard_pattern(c).ok_or_else(|| FormatError {
                start: 0,
                end: c.len_utf8(),
                message: format!("'{c}' is not a valid standard date/time format"),
            })?;
            let mut f = DateFormat::compile_custom(pattern, false)?;
            f.utc_pattern = c == 'U';
            return Ok(f);
        }
        if fmt.is_empty() {
            let mut f =
                DateFormat::compile_custom(standard_pattern('G').unwrap_or_default(), false)?;
            f.parse_forbidden = true;
            return Ok(f);
        }
        let mut f = DateFormat::compile_custom(fmt, false)?;
        if fmt.contains('%') {
            f.parse_toks = Some(DateFormat::compile_custom(fmt, true)?.toks);
        }
        Ok(f)
    }

    /// The tokens `ParseExact` walks.
    pub(super) fn parse_tokens(&self) -> &[Tok] {
        self.parse_toks.as_deref().unwrap_or(&self.toks)
    }

    fn compile_custom(fmt: &str, for_parse: bool) -> Result<DateFormat, FormatError> {
        let b = fmt.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        let err = |start: usize, end: usize, message: &str| FormatError {
            start,
            end,
            message: message.to_string(),
        };
        while i < b.len() {
            let ch = fmt[i..].chars().next().unwrap_or_default();
            let run = b[i..].iter().take_while(|&&x| x == b[i]).count();
            let cap = |n: usize, max: usize| n.min(max) as u8;
            let single = |c: u8| -> Option<Tok> {
                Some(match c {
                    b'd' => Tok::Day(1),
                    b'f' => Tok::Frac(1, false),
                    b'F' => Tok::Frac(1, true),
                    b'g' => Tok::Era,
                    b'h' => Tok::Hour12(1),
                    b'H' => Tok::Hour24(1),
                    b'K' => Tok::Kind,
                    b'm' => Tok::Minute(1),
                    b'M' => Tok::Month(1),
                    b's' => Tok::Second(1),
                    b't' => Tok::AmPm(1),
                    b'y' => Tok::Year(1),
                    b'z' => Tok::Offset(1),
                    b'Z' => Tok::Zulu,
                    _ => return None,
                })
            };
            match b[i] {
                b'f' | b'F' => {
                    if run > 7 {
                        return Err(err(i, i + run, "more than 7 fraction digits (f/F)"));
                    }
                    toks.push(Tok::Frac(run as u8, b[i] == b'F'));
                    i += run;
                }
                b'd' | b'M' => {
                    let n = cap(run, 4);
                    toks.push(if b[i] == b'd' {
                        Tok::Day(n)
                    } else {
                        Tok::Month(n)
                    });
                    i += run;
                }
                b'h' | b'H' | b'm' | b's' | b't' => {
                    let n = cap(run, 2);
                    toks.push(match b[i] {
                        b'h' => Tok::Hour12(n),
                        b'H' => Tok::Hour24(n),
                        b'm' => Tok::Minute(n),
                        b's' => Tok::Second(n),
                        _ => Tok::AmPm(n),
                    });
                    i += run;
                }
                b'y' => {
                    if run > usize::from(u8::MAX) {
                        return Err(err(i, i + run, "too many 'y' specifiers (unsupported)"));
                    }
                    toks.push(Tok::Year(run as u8));
                    i += run;
                }
                b'z' => {
                    toks.push(Tok::Offset(cap(run, 3)));
                    i += run;
                }
                b'g' => {
                    toks.push(Tok::Era);
                    i += run;
                }
                b'K' => {
                    toks.push(Tok::Kind);
                    i += 1;
                }
                b'Z' => {
                    toks.push(Tok::Zulu);
                    i += 1;
                }
                b'G' if b[i..].starts_with(b"GMT") => {
                    toks.push(Tok::Gmt);
                    i += 3;
                }
                b':' => {
                    toks.push(Tok::TimeSep);
                    i += 1;
                }
                b'/' => {
                    toks.push(Tok::DateSep);
                    i += 1;
                }
                b' ' => {
                    toks.push(Tok::Space);
                    i += 1;
                }
                q @ (b'\'' | b'"') => {
                    let start = i;
                    i += 1;
                    loop {
                        let Some(c) = fmt[i..].chars().next() else {
                            return Err(err(start, fmt.len(), "unterminated quoted literal"));
                        };
                        i += c.len_utf8();
                        if c as u32 == u32::from(q) {
                            break;
                        }
                        if c == '\\' {
                            let Some(e) = fmt[i..].chars().next() else {
                                return Err(err(start, fmt.len(), "unterminated quoted literal"));
                            };
                            i += e.len_utf8();
                            toks.push(Tok::Lit(e, LitSrc::Quoted));
                        } else {
                            toks.push(Tok::Lit(c, LitSrc::Quoted));
                        }
                    }
                }
                b'\\' => {
                    let Some(e) = fmt[i + 1..].chars().next() else {
                        return Err(err(i, i + 1, "trailing backslash"));
                    };
                    toks.push(Tok::Lit(e, LitSrc::Escaped));
                    i += 1 + e.len_utf8();
                }
                b'%' if for_parse => match b.get(i + 1) {
                    Some(&c) if c != b'%' => i += 1,
                    _ => return Err(err(i, (i + 2).min(b.len()), "invalid '%' specifier")),
                },
                b'%' => {
                    let next = b.get(i + 1).copied();
                    match next {
                        Some(c) if c != b'%' && c != b'\\' && c != b'\'' && c != b'"' => {
                            match single(c) {
                                Some(t) => toks.push(t),
                                None => {
                                    let lit = fmt[i + 1..].chars().next().unwrap_or_default();
                                    toks.push(Tok::Lit(lit, LitSrc::Plain));
                                    i += lit.len_utf8() - 1;
                                }
                            }
                            i += 2;
                        }
                        _ => return Err(err(i, (i + 2).min(b.len()), "invalid '%' specifier")),
                    }
                }
                _ => {
                    toks.push(Tok::Lit(ch, LitSrc::Plain));
                    i += ch.len_utf8();
                }
            }
        }
        Ok(DateFormat {
            toks,
            parse_toks: None,
            utc_pattern: false,
            parse_forbidden: false,
        })
    }

    /// `ToString(format, InvariantCulture)` of a UTC value, appended to `out`
    /// (`K` gives "Z", `zzz` gives "+00:00").
    pub fn format(&self, dt: DateTime, out: &mut String) {
        self.format_kind(dt, DateKind::Utc, out);
    }

    /// `ToString(format, InvariantCulture)` of a value of the given kind on a UTC server:
    /// only `K` differs between kinds.
    pub fn format_kind(&self, dt: DateTime, kind: DateKind, out: &mut String) {
        let c = dt.civil();
        let start = out.len();
        for &t in &self.toks {
            match t {
                Tok::Day(1) => push_num(out, c.day, 1),
                Tok::Day(2) => push_num(out, c.day, 2),
                Tok::Day(3) => out.push_str(DAY_ABBR[c.day_of_week as usize]),
                Tok::Day(_) => out.push_str(DAY_NAMES[c.day_of_week as usize]),
                Tok::Month(n @ (1 | 2)) => push_num(out, c.month, n.into()),
                Tok::Month(3) => out.push_str(MONTH_ABBR[c.month as usize - 1]),
                Tok::Month(_) => out.push_str(MONTH_NAMES[c.month as usize - 1]),
                Tok::Frac(n, trim) => {
                    let mut v = c.frac_ticks / 10u32.pow(7 - u32::from(n));
                    let mut digits = usize::from(n);
                    if trim {
                        while digits > 0 && v.is_multiple_of(10) {
                            v /= 10;
                            digits -= 1;
                        }
                    }
                    if digits > 0 {
                        push_num(out, v, digits);
                    } else if out.len() > start && out.ends_with('.') {
                        // .NET drops the decimal point when `F` trims every digit.
                        out.pop();
                    }
                }
                Tok::Era => out.push_str("A.D."),
                Tok::Hour12(n) => {
                    let h = hour12(c.hour);
                    push_num(out, h, n.into());
                }
                Tok::Hour24(n) => push_num(out, c.hour, n.into()),
                Tok::Minute(n) => push_num(out, c.minute, n.into()),
                Tok::Second(n) => push_num(out, c.second, n.into()),
                Tok::AmPm(n) => {
                    let d = if c.hour < 12 { "AM" } else { "PM" };
                    out.push_str(if n == 1 { &d[..1] } else { d });
                }
                Tok::Year(n) if n <= 2 => push_num(out, (c.year % 100) as u32, n.into()),
                Tok::Year(n) => push_num(out, c.year as u32, n.into()),
                Tok::Kind => match kind {
                    DateKind::Utc => out.push('Z'),
                    DateKind::Local => out.push_str("+00:00"),
                    DateKind::Unspecified => {}
                },
                Tok::Offset(1) => out.push_str("+0"),
                Tok::Offset(2) => out.push_str("+00"),
                Tok::Offset(_) => out.push_str("+00:00"),
                Tok::Zulu => out.push('Z'),
                Tok::Gmt => {
                    out.push('G');
                    push_num(out, c.month, 1);
                    out.push('T');
                }
                Tok::TimeSep => out.push(':'),
                Tok::DateSep => out.push('/'),
                Tok::Space => out.push(' '),
                Tok::Lit(ch, _) => out.push(ch),
            }
        }
    }

    /// `DateTime.ParseExact(s, format, InvariantCulture, styles)` converted to the UTC instant
    /// Entra's UTC-hosted service ends up with (`2020-12-31+08:00` with `yyyy-MM-ddzzz` is
    /// 2020-12-30T16:00Z). `None` on mismatch, or when the format needs today's date (time-only
    /// or year-less formats; see [`DateFormat::parse_exact_kind`]).
    pub fn parse_exact(&self, s: &str, styles: DateTimeStyles) -> Option<DateTime> {
        self.parse_exact_kind(s, styles, None).map(|(d, _)| d)
    }

    /// [`DateFormat::parse_exact`] that also reports the `DateTimeKind` .NET would assign and
    /// takes the clock (`now`, UTC) used to fill in a missing date the way .NET does.
    pub fn parse_exact_kind(
        &self,
        s: &str,
        styles: DateTimeStyles,
        now: Option<DateTime>,
    ) -> Option<(DateTime, DateKind)> {
        if self.parse_forbidden {
            return None;
        }
        exact::parse(self, s, styles, now)
    }
}

pub(super) fn hour12(hour: u32) -> u32 {
    match hour % 12 {
        0 => 12,
        h => h,
    }
}

pub(super) fn push_num(out: &mut String, v: u32, width: usize) {
    let _ = write!(out, "{v:0width$}");
}

/// Byte cursor shared by the parsers; all syntax we match is ASCII.
pub(super) struct Cursor<'a> {
    pub(super) b: &'a [u8],
    pub(super) i: usize,
}

impl Cursor<'_> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    pub(super) fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    pub(super) fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }
    pub(super) fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    pub(super) fn fixed_digits(&mut self, n: usize) -> Option<u32> {
        self.digits(n, n)
    }
    /// Reads between `min` and `max` ASCII digits (greedy), like .NET's `ParseDigits`.
    pub(super) fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut v = 0u32;
        let mut n = 0;
        while n < max {
            match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    v = v.saturating_mul(10).saturating_add(u32::from(d - b'0'));
                    self.i += 1;
                    n += 1;
                }
                _ => break,
            }
        }
        (n >= min).then_some(v)
    }
    /// Case-insensitive prefix match without consuming.
    pub(super) fn starts_with_ci(&self, word: &str) -> bool {
        self.b
            .get(self.i..self.i + word.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(word.as_bytes()))
    }
    pub(super) fn starts_with_char(&self, ch: char) -> bool {
        let mut buf = [0u8; 4];
        self.b[self.i..].starts_with(ch.encode_utf8(&mut buf).as_bytes())
    }
}

pub(super) fn to_four_digit_year(y: u32) -> i32 {
    let y = y as i32;
    let century = TWO_DIGIT_YEAR_MAX / 100 - i32::from(y > TWO_DIGIT_YEAR_MAX % 100);
    century * 100 + y
}

/// Offset-to-UTC step shared by both parsers (.NET `AdjustTimeZoneToUniversal` /
/// `AdjustTimeZoneToLocal` with a UTC local zone): subtract the offset; a negative result from a
/// time on 0001-01-01 wraps to the next day, anything else out of range fails.
pub(super) fn adjust_offset(local_ticks: i64, offset_minutes: i32) -> Option<DateTime> {
    let mut t = local_ticks - i64::from(offset_minutes) * TICKS_PER_MINUTE;
    if t < 0 {
        t += TICKS_PER_DAY;
    }
    DateTime::from_ticks(t)
}

/// Exact fraction digits into ticks, rounding like .NET's `Math.Round(fraction * 1e7)`
/// (half to even) when more than 7 digits are present.
pub(super) fn frac_to_ticks(digits: &[u8]) -> u32 {
    let mut v = 0u32;
    for k in 0..7 {
        v = v * 10 + digits.get(k).map_or(0, |d| u32::from(d - b'0'));
    }
    if let Some(&d8) = digits.get(7) {
        let rest_nonzero = digits[8..].iter().any(|&d| d != b'0');
        if d8 > b'5' || (d8 == b'5' && (rest_nonzero || v % 2 == 1)) {
            v += 1;
        }
    }
    v
}
