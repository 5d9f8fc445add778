//! The job's clock: when each cycle runs. Entra runs an incremental cycle about every 40
//! minutes (how-provisioning-works.md, "Incremental cycles"; known-issues.md, "Provisioning
//! interval is fixed"), which is what `Now()` rows and, later, retry schedules read.

use crate::dotnet::datetime::DateTime;

/// 100-nanosecond ticks (the .NET unit of [`DateTime`]) per second.
const TICKS_PER_SECOND: i64 = 10_000_000;

/// The longest interval accepted: a year. Longer ones would only overflow the clock.
const MAX_SECONDS: u64 = 366 * 24 * 3600;

/// A time between two cycles, in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleInterval {
    seconds: u64,
}

impl CycleInterval {
    /// Entra's interval between two cycles: 40 minutes.
    pub const DEFAULT: CycleInterval = CycleInterval { seconds: 40 * 60 };

    /// The interval in seconds.
    pub fn seconds(self) -> u64 {
        self.seconds
    }
}

impl Default for CycleInterval {
    fn default() -> CycleInterval {
        CycleInterval::DEFAULT
    }
}

/// Why an interval does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntervalError {
    /// Not a sequence of numbers with units.
    #[error("{0:?} is not a duration such as 40m, 2h, 1h30m or 1d (units s, m, h, d)")]
    Syntax(String),
    /// Zero: two cycles cannot run at the same instant.
    #[error("a cycle interval must be longer than zero")]
    Zero,
    /// Longer than a year.
    #[error("{0:?} is longer than a year, the longest cycle interval accepted")]
    TooLong(String),
}

impl std::str::FromStr for CycleInterval {
    type Err = IntervalError;

    /// `40m`, `2h`, `1h30m`, `1d`, `90s`: numbers each followed by a unit.
    fn from_str(text: &str) -> Result<CycleInterval, IntervalError> {
        let syntax = || IntervalError::Syntax(text.to_owned());
        let mut seconds: u64 = 0;
        let mut number: Option<u64> = None;
        for c in text.trim().chars() {
            if let Some(d) = c.to_digit(10) {
                let n = number.unwrap_or(0);
                number = Some(
                    n.checked_mul(10)
                        .and_then(|n| n.checked_add(u64::from(d)))
                        .filter(|&n| n <= MAX_SECONDS)
                        .ok_or_else(|| IntervalError::TooLong(text.to_owned()))?,
                );
                continue;
            }
            let unit = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return Err(syntax()),
            };
            let n = number.take().ok_or_else(syntax)?;
            seconds = seconds
                .checked_add(n * unit)
                .filter(|&s| s <= MAX_SECONDS)
                .ok_or_else(|| IntervalError::TooLong(text.to_owned()))?;
        }
        if number.is_some() || text.trim().is_empty() {
            return Err(syntax());
        }
        if seconds == 0 {
            return Err(IntervalError::Zero);
        }
        Ok(CycleInterval { seconds })
    }
}

/// When cycle `cycle` (from 1) runs, when cycle 1 runs at `start`: one `interval` after the
/// cycle before it. A clock past the end of .NET's calendar stays at its last instant.
pub fn cycle_time(start: DateTime, interval: CycleInterval, cycle: u32) -> DateTime {
    let seconds = i64::try_from(interval.seconds).unwrap_or(i64::MAX);
    let ticks = i64::from(cycle.saturating_sub(1))
        .saturating_mul(seconds)
        .saturating_mul(TICKS_PER_SECOND);
    let at = start.ticks().saturating_add(ticks);
    DateTime::from_ticks(at).unwrap_or(DateTime::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_with_units_and_refuse_the_rest() {
        let s = |t: &str| t.parse::<CycleInterval>().map(CycleInterval::seconds);
        assert_eq!(s("40m"), Ok(2400));
        assert_eq!(s("1h30m"), Ok(5400));
        assert_eq!(s("1d"), Ok(86_400));
        assert_eq!(s("90s"), Ok(90));
        assert_eq!(s("0m"), Err(IntervalError::Zero));
        assert!(matches!(s("40"), Err(IntervalError::Syntax(_))));
        assert!(matches!(s("m"), Err(IntervalError::Syntax(_))));
        assert!(matches!(s("4w"), Err(IntervalError::Syntax(_))));
        assert!(matches!(s(""), Err(IntervalError::Syntax(_))));
        assert!(matches!(s("367d"), Err(IntervalError::TooLong(_))));
        assert!(matches!(
            s("99999999999999999999999s"),
            Err(IntervalError::TooLong(_))
        ));
    }

    #[test]
    fn each_cycle_runs_one_interval_after_the_one_before() {
        let start = DateTime::parse_rfc3339("2025-01-01T00:00:00Z").expect("valid");
        let third = cycle_time(start, CycleInterval::DEFAULT, 3);
        assert_eq!(third.ticks() - start.ticks(), 80 * 60 * TICKS_PER_SECOND);
        assert_eq!(cycle_time(start, CycleInterval::DEFAULT, 1), start);
    }
}
