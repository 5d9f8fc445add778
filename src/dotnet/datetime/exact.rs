//! `DateTimeParse.DoStrictParse` / `ParseByFormat` for one compiled format.

use super::*;

#[derive(Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    hour: Option<u32>,
    minute: Option<u32>,
    second: Option<u32>,
    frac: Option<u32>,
    day_of_week: Option<u32>,
    zone: Option<Zone>,
    pm: Option<bool>,
    hour12: bool,
    /// .NET's `fUseTwoDigitYear`: a `y`/`yy` field was read, so a year below 100 is windowed
    /// after all fields agree (a repeated year is compared as written: `yyyy'T'yy` rejects
    /// `1999T99`).
    two_digit_year: bool,
}

/// .NET `CheckNewValue`: a field given twice must agree.
fn set<T: PartialEq + Copy>(slot: &mut Option<T>, v: T) -> Option<()> {
    match *slot {
        Some(old) if old != v => None,
        _ => {
            *slot = Some(v);
            Some(())
        }
    }
}

fn set_zone(f: &mut Fields, z: Zone) -> Option<()> {
    match f.zone {
        Some(old) if old.offset_minutes != z.offset_minutes => None,
        Some(old) => {
            f.zone = Some(Zone {
                offset_minutes: old.offset_minutes,
                utc: old.utc || z.utc,
            });
            Some(())
        }
        None => {
            f.zone = Some(z);
            Some(())
        }
    }
}

fn is_ws_tok(t: &Tok) -> bool {
    match t {
        Tok::Space => true,
        Tok::Lit(c, LitSrc::Plain) => c.is_whitespace(),
        Tok::Lit(' ', LitSrc::Quoted) => true,
        _ => false,
    }
}

fn match_name(c: &mut Cursor<'_>, names: &[&str]) -> Option<u32> {
    // Longest match wins, as in .NET's MatchAbbreviatedMonthName and friends.
    let (idx, name) = names
        .iter()
        .enumerate()
        .filter(|(_, n)| c.starts_with_ci(n))
        .max_by_key(|(_, n)| n.len())?;
    c.i += name.len();
    Some(idx as u32)
}

/// .NET `ParseTimeZoneOffset`: `z` = sign + 1-2 digits, `zz` = sign + 2 digits, `zzz`+ =
/// sign + 1-2 digits, optional ':', 2 digits.
fn offset(c: &mut Cursor<'_>, n: u8) -> Option<i32> {
    let neg = match c.next()? {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    let (h, m) = match n {
        1 => (c.digits(1, 2)?, 0),
        2 => (c.fixed_digits(2)?, 0),
        _ => {
            let h = c.digits(1, 2)?;
            if c.peek() == Some(b':') {
                c.i += 1;
            }
            (h, c.fixed_digits(2)?)
        }
    };
    if m >= 60 {
        return None;
    }
    let v = (h * 60 + m) as i32;
    Some(if neg { -v } else { v })
}

fn num_width(n: u8) -> (usize, usize) {
    if n < 2 { (1, 2) } else { (2, 2) }
}

pub(super) fn parse(
    fmt: &DateFormat,
    s: &str,
    styles: DateTimeStyles,
    now: Option<DateTime>,
) -> Option<(DateTime, DateKind)> {
    let mut s = s;
    let mut toks: &[Tok] = fmt.parse_tokens();
    let trailing = styles.has(DateTimeStyles::ALLOW_TRAILING_WHITE);
    let inner = styles.has(DateTimeStyles::ALLOW_INNER_WHITE);
    if styles.has(DateTimeStyles::ALLOW_LEADING_WHITE) {
        s = s.trim_start();
        while toks.first().is_some_and(is_ws_tok) {
            toks = &toks[1..];
        }
    }
    if trailing {
        s = s.trim_end();
        while toks.last().is_some_and(is_ws_tok) {
            toks = &toks[..toks.len() - 1];
        }
    }
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let mut f = Fields::default();
    let skip_ws = |c: &mut Cursor<'_>| {
        let rest = &s[c.i..];
        c.i += rest.len() - rest.trim_start().len();
    };
    let mut skip_fraction = false;
    for (k, &t) in toks.iter().enumerate() {
        if std::mem::take(&mut skip_fraction) {
            continue;
        }
        if inner {
            skip_ws(&mut c);
        }
        match t {
            Tok::Day(n @ (1 | 2)) => {
                let (lo, hi) = num_width(n);
                set(&mut f.day, c.digits(lo, hi)?)?;
            }
            Tok::Day(n) => {
                let dow = match_name(&mut c, if n == 3 { &DAY_ABBR } else { &DAY_NAMES })?;
                set(&mut f.day_of_week, dow)?;
            }
            Tok::Month(n @ (1 | 2)) => {
                let (lo, hi) = num_width(n);
                set(&mut f.month, c.digits(lo, hi)?)?;
            }
            Tok::Month(n) => {
                let m = match_name(&mut c, if n == 3 { &MONTH_ABBR } else { &MONTH_NAMES })?;
                set(&mut f.month, m + 1)?;
            }
            Tok::Year(n) => {
                let y = if n <= 2 {
                    let (lo, hi) = num_width(n);
                    f.two_digit_year = true;
                    c.digits(lo, hi)? as i32
                } else {
                    c.fixed_digits(n.into())? as i32
                };
                set(&mut f.year, y)?;
            }
            Tok::Hour12(n) => {
                let (lo, hi) = num_width(n);
                set(&mut f.hour, c.digits(lo, hi)?)?;
                f.hour12 = true;
            }
            Tok::Hour24(n) => {
                let (lo, hi) = num_width(n);
                set(&mut f.hour, c.digits(lo, hi)?)?;
            }
            Tok::Minute(n) => {
                let (lo, hi) = num_width(n);
                set(&mut f.minute, c.digits(lo, hi)?)?;
            }
            Tok::Second(n) => {
                let (lo, hi) = num_width(n);
                set(&mut f.second, c.digits(lo, hi)?)?;
            }
            Tok::Frac(n, optional) => {
                let start = c.i;
                let _ = c.digits(0, n.into());
                let got = c.i - start;
                if got < usize::from(n) && !optional {
                    return None;
                }
                // .NET records a fraction even when `F` finds no digits (as zero), so a later
                // fraction field must then be zero too.
                set(&mut f.frac, frac_to_ticks(&c.b[start..c.i]))?;
            }
            Tok::AmPm(1) => {
                let pm = match c.next()? {
                    b'A' => false,
                    b'P' => true,
                    _ => return None,
                };
                set(&mut f.pm, pm)?;
            }
            Tok::AmPm(_) => {
                let pm = if c.starts_with_ci("AM") {
                    false
                } else if c.starts_with_ci("PM") {
                    true
                } else {
                    return None;
                };
                c.i += 2;
                set(&mut f.pm, pm)?;
            }
            Tok::Era => {
                if c.starts_with_ci("A.D.") {
                    c.i += 4;
                } else if c.starts_with_ci("AD") {
                    c.i += 2;
                } else {
                    return None;
                }
            }
            Tok::Offset(n) => {
                let off = offset(&mut c, n)?;
                set_zone(&mut f, Zone::offset(off))?;
            }
            Tok::Kind => match c.peek() {
                Some(b'Z') => {
                    c.i += 1;
                    set_zone(&mut f, Zone::UTC)?;
                }
                Some(b'+' | b'-') => {
                    let off = offset(&mut c, 3)?;
                    set_zone(&mut f, Zone::offset(off))?;
                }
                _ => {}
            },
            Tok::Zulu => {
                // .NET GetTimeZoneName: "GMT" or "Z", any case, not followed by a letter.
                let len = if c.starts_with_ci("GMT") {
                    3
                } else if c.starts_with_ci("Z") {
                    1
                } else {
                    return None;
                };
                let after = s[c.i + len..].chars().next();
                if after.is_some_and(char::is_alphabetic) {
                    return None;
                }
                c.i += len;
                set_zone(&mut f, Zone::UTC)?;
            }
            Tok::Gmt => {
                if !c.b[c.i..].starts_with(b"GMT") {
                    return None;
                }
                c.i += 3;
                set_zone(&mut f, Zone::offset(0))?;
            }
            Tok::TimeSep => c.expect(b':')?,
            Tok::DateSep => c.expect(b'/')?,
            Tok::Space => {
                if inner {
                    // Inner white space was skipped above; the space itself is optional.
                } else if c.peek() == Some(b' ') {
                    c.i += 1;
                } else if !(trailing && k + 1 < toks.len()) {
                    // With AllowTrailingWhite .NET retries the next format element at the
                    // same input position instead of failing on an unmatched space.
                    return None;
                }
            }
            Tok::Lit(' ', LitSrc::Quoted) if inner => skip_ws(&mut c),
            // .NET ParseByFormat: an unquoted `.` that the input lacks, followed by `FF` or more,
            // is an absent optional fraction; both are skipped. Its look-ahead (`GetNext` then
            // `Match('F')`) checks the second `F`, so a single `.F` stays required.
            Tok::Lit('.', LitSrc::Plain)
                if !c.starts_with_char('.')
                    && matches!(toks.get(k + 1), Some(Tok::Frac(2.., true))) =>
            {
                skip_fraction = true;
            }
            Tok::Lit(ch, _) => {
                if !c.starts_with_char(ch) {
                    return None;
                }
                c.i += ch.len_utf8();
            }
        }
    }
    if !c.at_end() {
        return None;
    }
    if fmt.utc_pattern {
        set_zone(&mut f, Zone::UTC)?;
    }
    finish(f, styles, now)
}

fn finish(
    f: Fields,
    styles: DateTimeStyles,
    now: Option<DateTime>,
) -> Option<(DateTime, DateKind)> {
    let mut hour = f.hour.unwrap_or(0);
    if f.hour12 {
        if hour > 12 {
            return None;
        }
        if f.pm == Some(true) {
            if hour != 12 {
                hour += 12;
            }
        } else if hour == 12 {
            hour = 0;
        }
    } else if (f.pm == Some(false) && hour >= 12) || (f.pm == Some(true) && hour < 12) {
        return None;
    }
    let year = match f.year {
        Some(y) if f.two_digit_year && y < 100 => Some(to_four_digit_year(y as u32)),
        y => y,
    };
    let (year, month, day) = match (year, f.month, f.day) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        (y, None, None) => match y {
            Some(y) => (y, 1, 1),
            None if styles.has(DateTimeStyles::NO_CURRENT_DATE_DEFAULT) => (1, 1, 1),
            None => {
                let n = now?.civil();
                (n.year, n.month, n.day)
            }
        },
        (y, m, d) => {
            let y = match y {
                Some(y) => y,
                None => now?.civil().year,
            };
            (y, m.unwrap_or(1), d.unwrap_or(1))
        }
    };
    let local = DateTime::from_civil(
        year,
        month,
        day,
        hour,
        f.minute.unwrap_or(0),
        f.second.unwrap_or(0),
        f.frac.unwrap_or(0),
    )?;
    if let Some(dow) = f.day_of_week
        && dow != local.civil().day_of_week
    {
        return None;
    }
    resolve_kind(local, f.zone, styles)
}

/// .NET `DetermineTimeZoneAdjustments` with the server's local zone being UTC.
fn resolve_kind(
    local: DateTime,
    zone: Option<Zone>,
    styles: DateTimeStyles,
) -> Option<(DateTime, DateKind)> {
    if let Some(z) = zone
        && z.offset_minutes.abs() > MAX_OFFSET_MINUTES
    {
        return None;
    }
    let adjust = styles.has(DateTimeStyles::ADJUST_TO_UNIVERSAL);
    let zone = match zone {
        Some(z) => z,
        None if styles.has(DateTimeStyles::ASSUME_LOCAL) => {
            return Some((
                local,
                if adjust {
                    DateKind::Utc
                } else {
                    DateKind::Local
                },
            ));
        }
        None if styles.has(DateTimeStyles::ASSUME_UNIVERSAL) => {
            return Some((
                local,
                if adjust {
                    DateKind::Utc
                } else {
                    DateKind::Local
                },
            ));
        }
        None => return Some((local, DateKind::Unspecified)),
    };
    if styles.has(DateTimeStyles::ROUNDTRIP_KIND) && zone.utc {
        return Some((local, DateKind::Utc));
    }
    let utc = adjust_offset(local.0, zone.offset_minutes)?;
    Some((
        utc,
        if adjust {
            DateKind::Utc
        } else {
            DateKind::Local
        },
    ))
}
