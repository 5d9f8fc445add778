//! DateAdd/DateDiff intervals (VB's `DateInterval`).

/// DateAdd/DateDiff interval, named after VB's `DateInterval`.
///
/// Entra documents `yyyy`, `m`, `d`, `ww`, `h`, `n`, `s`; [`Interval::parse`] accepts exactly
/// those (case-sensitive, and `q` must be rejected per the conformance vectors). VB/Connect Sync
/// also define `q` (quarter = 3 months), `y` (day of year, which adds and counts plain days) and
/// `w` (weekday, which adds plain days and counts whole elapsed weeks without Sunday alignment);
/// [`Interval::parse_vb`] accepts all ten case-insensitively, as VB's string overload does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interval {
    /// `yyyy`: calendar years (`AddYears`).
    Year,
    /// `q`: quarters (VB only).
    Quarter,
    /// `m`: calendar months (`AddMonths`).
    Month,
    /// `y`: day of year, behaves as days (VB only).
    DayOfYear,
    /// `d`: days.
    Day,
    /// `w`: weekday; adds days, counts whole elapsed weeks (VB only).
    Weekday,
    /// `ww`: weeks; adds 7 days, counts Sunday-aligned weeks.
    WeekOfYear,
    /// `h`: hours.
    Hour,
    /// `n`: minutes.
    Minute,
    /// `s`: seconds.
    Second,
}

impl Interval {
    const ALL: [Interval; 10] = [
        Interval::Year,
        Interval::Quarter,
        Interval::Month,
        Interval::DayOfYear,
        Interval::Day,
        Interval::Weekday,
        Interval::WeekOfYear,
        Interval::Hour,
        Interval::Minute,
        Interval::Second,
    ];

    /// The intervals Entra documents, matched exactly (case-sensitive).
    pub fn parse(s: &str) -> Option<Interval> {
        Interval::ALL
            .into_iter()
            .find(|i| i.is_documented() && i.code() == s)
    }

    /// All ten VB `DateInterval` codes, case-insensitive (Connect Sync / VB semantics).
    pub fn parse_vb(s: &str) -> Option<Interval> {
        Interval::ALL
            .into_iter()
            .find(|i| i.code().eq_ignore_ascii_case(s))
    }

    /// Whether Entra's provisioning docs list this interval.
    pub fn is_documented(self) -> bool {
        !matches!(
            self,
            Interval::Quarter | Interval::DayOfYear | Interval::Weekday
        )
    }

    /// The canonical interval code.
    pub fn code(self) -> &'static str {
        match self {
            Interval::Year => "yyyy",
            Interval::Quarter => "q",
            Interval::Month => "m",
            Interval::DayOfYear => "y",
            Interval::Day => "d",
            Interval::Weekday => "w",
            Interval::WeekOfYear => "ww",
            Interval::Hour => "h",
            Interval::Minute => "n",
            Interval::Second => "s",
        }
    }
}
