//! .NET `System.DateTime` semantics needed by the Entra expression language: CDate's lenient
//! `DateTime.Parse`, FormatDateTime's `ParseExact` / `ToString` with custom formats, VB-style
//! `DateAdd` / `DateDiff`, and AD FILETIME conversion.
//!
//! The Entra service runs in UTC, so every "local" conversion in .NET is the identity here; the
//! only observable trace of `DateTimeKind` is the `K` format specifier, which is why
//! [`DateKind`] exists alongside the instant-only [`DateTime`].

use std::fmt::Write as _;

mod exact;
mod format;
mod interval;
mod lenient;
mod styles;
#[cfg(test)]
mod tests;

pub use format::{DateFormat, FormatError};
pub use interval::Interval;
pub use styles::DateTimeStyles;

use format::{Cursor, LitSrc, Tok, Zone, adjust_offset, frac_to_ticks, hour12, to_four_digit_year};

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// Days from 0001-01-01 to 10000-01-01: .NET's `DateTime.MaxValue` is one tick before that.
const DAYS_TO_10000: i64 = 3_652_059;
const MAX_TICKS: i64 = DAYS_TO_10000 * TICKS_PER_DAY - 1;
/// Ticks at 1601-01-01T00:00:00Z, the FILETIME epoch.
const FILETIME_EPOCH_TICKS: i64 = 504_911_232_000_000_000;
/// .NET rejects parsed offsets beyond ±14:00 (`Format_OffsetOutOfRange`).
const MAX_OFFSET_MINUTES: i32 = 14 * 60;
/// Invariant culture's `GregorianCalendar.TwoDigitYearMax` (checked with Mono: 2029).
const TWO_DIGIT_YEAR_MAX: i32 = 2029;

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTH_ABBR: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const DAY_ABBR: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

fn is_leap(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 0001-01-01 (proleptic Gregorian), after Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 306 = days from 0000-03-01 to 0001-01-01.
    era * 146_097 + doe - 306
}

fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 306;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// A UTC instant in .NET ticks (100 ns) since 0001-01-01T00:00:00Z, range year 1..=9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(i64);

/// Broken-down calendar fields of a [`DateTime`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// 1..=9999.
    pub year: i32,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=59.
    pub second: u32,
    /// Sub-second ticks, 0..10_000_000.
    pub frac_ticks: u32,
    /// 0 = Sunday .. 6 = Saturday, like .NET `DayOfWeek`.
    pub day_of_week: u32,
}

/// .NET `DateTimeKind` of a value produced by `ParseExact`.
///
/// Only the `K` specifier can observe it (UTC gives `Z`, Local gives `+00:00` on the UTC
/// service, Unspecified gives nothing); every other specifier prints the same for all kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateKind {
    /// No zone information (plain `ParseExact` of a zone-less string).
    Unspecified,
    /// `DateTimeKind.Utc` (CDate, Now, DateAdd, `Z` with RoundtripKind, AdjustToUniversal).
    Utc,
    /// `DateTimeKind.Local`, i.e. converted to the server's zone, which is UTC for Entra.
    Local,
}

impl DateTime {
    /// `DateTime.MinValue`.
    pub const MIN: DateTime = DateTime(0);
    /// `DateTime.MaxValue` (9999-12-31T23:59:59.9999999).
    pub const MAX: DateTime = DateTime(MAX_TICKS);

    /// Wraps raw ticks; `None` outside `DateTime.MinValue..=MaxValue`.
    pub fn from_ticks(ticks: i64) -> Option<DateTime> {
        (0..=MAX_TICKS).contains(&ticks).then_some(DateTime(ticks))
    }

    /// Raw .NET ticks.
    pub fn ticks(self) -> i64 {
        self.0
    }

    /// Builds from calendar fields; `None` for any out-of-range field (like .NET's constructor,
    /// which throws) or `frac_ticks >= 10_000_000`.
    pub fn from_civil(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
        frac_ticks: u32,
    ) -> Option<DateTime> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
            || i64::from(frac_ticks) >= TICKS_PER_SECOND
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        Some(DateTime(
            days * TICKS_PER_DAY
                + i64::from(hour) * TICKS_PER_HOUR
                + i64::from(minute) * TICKS_PER_MINUTE
                + i64::from(second) * TICKS_PER_SECOND
                + i64::from(frac_ticks),
        ))
    }

    /// Calendar fields of this instant.
    pub fn civil(self) -> Civil {
        let days = self.0 / TICKS_PER_DAY;
        let rem = self.0 % TICKS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (rem / TICKS_PER_HOUR) as u32,
            minute: (rem / TICKS_PER_MINUTE % 60) as u32,
            second: (rem / TICKS_PER_SECOND % 60) as u32,
            frac_ticks: (rem % TICKS_PER_SECOND) as u32,
            // 0001-01-01 was a Monday.
            day_of_week: ((days + 1) % 7) as u32,
        }
    }

    /// The system clock, for a `Now()` that was not pinned by the caller.
    pub fn system_now() -> DateTime {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // .NET ticks at the Unix epoch.
        const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;
        let ticks = UNIX_EPOCH_TICKS + (since_epoch.as_nanos() / 100) as i64;
        DateTime::from_ticks(ticks).unwrap_or(DateTime::MAX)
    }

    /// RFC 3339 / ISO 8601 instant as given on the command line (`--now 2025-07-30T09:15:00Z`,
    /// offsets allowed, fractional seconds allowed).
    ///
    /// Accepts `YYYY-MM-DD[Tt ]HH:MM[:SS[.f+]](Z|z|±HH:MM|±HHMM)` and, for convenience, a bare
    /// `YYYY-MM-DD` (midnight UTC). Fraction digits beyond 7 are truncated. A zone is required
    /// whenever a time is given so that a CLI clock is never silently interpreted.
    pub fn parse_rfc3339(s: &str) -> Option<DateTime> {
        let b = s.as_bytes();
        let mut c = Cursor { b, i: 0 };
        let year = c.fixed_digits(4)? as i32;
        c.expect(b'-')?;
        let month = c.fixed_digits(2)?;
        c.expect(b'-')?;
        let day = c.fixed_digits(2)?;
        if c.at_end() {
            return DateTime::from_civil(year, month, day, 0, 0, 0, 0);
        }
        match c.next()? {
            b'T' | b't' | b' ' => {}
            _ => return None,
        }
        let hour = c.fixed_digits(2)?;
        c.expect(b':')?;
        let minute = c.fixed_digits(2)?;
        let mut second = 0;
        let mut frac = 0u32;
        if c.peek() == Some(b':') {
            c.i += 1;
            second = c.fixed_digits(2)?;
            if c.peek() == Some(b'.') || c.peek() == Some(b',') {
                c.i += 1;
                let start = c.i;
                let mut scale = TICKS_PER_SECOND as u32;
                while let Some(d) = c.peek().filter(u8::is_ascii_digit) {
                    scale /= 10;
                    frac += u32::from(d - b'0') * scale;
                    c.i += 1;
                }
                if c.i == start {
                    return None;
                }
            }
        }
        let offset_minutes: i64 = match c.next()? {
            b'Z' | b'z' => 0,
            sign @ (b'+' | b'-') => {
                let h = c.fixed_digits(2)?;
                if c.peek() == Some(b':') {
                    c.i += 1;
                }
                let m = c.fixed_digits(2)?;
                if h > 23 || m > 59 {
                    return None;
                }
                let v = i64::from(h * 60 + m);
                if sign == b'-' { -v } else { v }
            }
            _ => return None,
        };
        if !c.at_end() {
            return None;
        }
        let local = DateTime::from_civil(year, month, day, hour, minute, second, frac)?;
        DateTime::from_ticks(local.0 - offset_minutes * TICKS_PER_MINUTE)
    }

    /// Entra's fixed rendering `M/d/yyyy h:mm:ss tt` (invariant culture), appended to `out`,
    /// e.g. "3/16/2020 7:00:00 AM".
    pub fn write_entra(self, out: &mut String) {
        let c = self.civil();
        let h12 = hour12(c.hour);
        let tt = if c.hour < 12 { "AM" } else { "PM" };
        let _ = write!(
            out,
            "{}/{}/{:04} {}:{:02}:{:02} {}",
            c.month, c.day, c.year, h12, c.minute, c.second, tt
        );
    }

    /// CDate: .NET `DateTime.Parse(s, InvariantCulture, AdjustToUniversal | AssumeUniversal)`
    /// for the common forms: ISO dates with `T` or a space, a date with a bare offset
    /// (`2020-03-16-07:00`), `M/d/yyyy[ h:mm[:ss[.f]]][ AM|PM]`, `M-d-yyyy`, `M.d.yyyy`,
    /// two-digit years (window ending 2029), `yyyy-MM`, month and day names (`Jan 5, 2021`,
    /// `5 January 2021`, `Mon, 15 Jun 2009 01:45:30 GMT`), offsets `±H`, `±HH`, `±HH:mm`,
    /// `±HHmm`, `Z` and `GMT`, and surrounding whitespace. `None` when unparseable or when the
    /// UTC adjustment leaves the `DateTime` range.
    ///
    /// Inputs without a date part (`10:00`) or without a year (`Jan 5`) need today's date;
    /// use [`DateTime::parse_lenient_at`] to supply it, otherwise they are rejected.
    pub fn parse_lenient(s: &str) -> Option<DateTime> {
        DateTime::parse_lenient_at(s, None)
    }

    /// [`DateTime::parse_lenient`] with the clock .NET would consult to complete a time-only or
    /// year-less input (`now` is UTC, which is the service's local time).
    pub fn parse_lenient_at(s: &str, now: Option<DateTime>) -> Option<DateTime> {
        lenient::parse(s, now)
    }

    /// `DateTime.FromFileTimeUtc`: FILETIME (100 ns since 1601-01-01Z) to a UTC value; `None`
    /// for negatives and values past 9999-12-31 (including AD's "never expires" `i64::MAX`).
    pub fn from_filetime(ft: i64) -> Option<DateTime> {
        if !(0..=MAX_TICKS - FILETIME_EPOCH_TICKS).contains(&ft) {
            return None;
        }
        Some(DateTime(ft + FILETIME_EPOCH_TICKS))
    }

    /// `DateTime.ToFileTimeUtc`; `None` before 1601-01-01 (where .NET throws).
    pub fn to_filetime(self) -> Option<i64> {
        let ft = self.0 - FILETIME_EPOCH_TICKS;
        (ft >= 0).then_some(ft)
    }

    /// DateAdd: `None` on overflow past year 9999 / before year 1. Month/Year clamp to month
    /// end like .NET `AddMonths`/`AddYears` (Jan 31 + 1 m = Feb 28/29).
    pub fn add(self, interval: Interval, n: i64) -> Option<DateTime> {
        match interval {
            Interval::Year => self.add_months(n.checked_mul(12)?),
            Interval::Quarter => self.add_months(n.checked_mul(3)?),
            Interval::Month => self.add_months(n),
            Interval::DayOfYear | Interval::Day | Interval::Weekday => {
                self.add_ticks(n.checked_mul(TICKS_PER_DAY)?)
            }
            Interval::WeekOfYear => self.add_ticks(n.checked_mul(7 * TICKS_PER_DAY)?),
            Interval::Hour => self.add_ticks(n.checked_mul(TICKS_PER_HOUR)?),
            Interval::Minute => self.add_ticks(n.checked_mul(TICKS_PER_MINUTE)?),
            Interval::Second => self.add_ticks(n.checked_mul(TICKS_PER_SECOND)?),
        }
    }

    fn add_ticks(self, t: i64) -> Option<DateTime> {
        DateTime::from_ticks(self.0.checked_add(t)?)
    }

    fn add_months(self, months: i64) -> Option<DateTime> {
        let c = self.civil();
        let total = i64::from(c.year) * 12 + i64::from(c.month) - 1 + months;
        let year = total.div_euclid(12);
        if !(1..=9999).contains(&year) {
            return None;
        }
        let year = year as i32;
        let month = (total.rem_euclid(12) + 1) as u32;
        let day = c.day.min(days_in_month(year, month));
        let date = DateTime::from_civil(year, month, day, 0, 0, 0, 0)?;
        Some(DateTime(date.0 + self.0 % TICKS_PER_DAY))
    }

    /// DateDiff(interval, self, other) with VB `DateAndTime.DateDiff` semantics: `s`/`n`/`h`/`d`
    /// truncate the elapsed time toward zero; `ww` aligns both dates to their Sunday first;
    /// `w` is whole elapsed weeks; `m`, `q` and `yyyy` are calendar differences. Positive when
    /// `other > self`.
    ///
    /// Elapsed units go through `f64` exactly like .NET Framework's `TimeSpan.TotalX`
    /// (`ticks * (1.0 / ticksPerUnit)`), so sub-microsecond remainders over very long spans
    /// round the way VB does rather than the mathematically exact way.
    pub fn diff(self, interval: Interval, other: DateTime) -> i64 {
        let elapsed = |ticks: i64, per_unit: i64| (ticks as f64 * (1.0 / per_unit as f64)) as i64;
        let span = other.0 - self.0;
        match interval {
            Interval::Day | Interval::DayOfYear => elapsed(span, TICKS_PER_DAY),
            Interval::Hour => elapsed(span, TICKS_PER_HOUR),
            Interval::Minute => elapsed(span, TICKS_PER_MINUTE),
            Interval::Second => elapsed(span, TICKS_PER_SECOND),
            Interval::Weekday => elapsed(span, TICKS_PER_DAY) / 7,
            Interval::WeekOfYear => {
                let back = |d: DateTime| d.0 - i64::from(d.civil().day_of_week) * TICKS_PER_DAY;
                elapsed(back(other) - back(self), TICKS_PER_DAY) / 7
            }
            Interval::Month => {
                let (a, b) = (self.civil(), other.civil());
                i64::from(b.year - a.year) * 12 + i64::from(b.month) - i64::from(a.month)
            }
            Interval::Quarter => {
                let (a, b) = (self.civil(), other.civil());
                i64::from(b.year - a.year) * 4 + i64::from((b.month - 1) / 3)
                    - i64::from((a.month - 1) / 3)
            }
            Interval::Year => i64::from(other.civil().year - self.civil().year),
        }
    }
}
