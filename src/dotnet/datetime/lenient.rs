//! A token-driven approximation of `DateTimeParse.Lex` for the forms Entra data uses.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum T {
    /// Digits: value (saturating), digit count, byte span.
    Num(u32, usize, usize, usize),
    /// ASCII letters (byte span).
    Word(usize, usize),
    /// Any other single character.
    P(u8),
    Ws,
}

const MAX_TOKENS: usize = 48;

fn tokenize(s: &[u8], out: &mut [T; MAX_TOKENS]) -> Option<usize> {
    let mut n = 0;
    let mut i = 0;
    while i < s.len() {
        let start = i;
        let t = if s[i].is_ascii_digit() {
            let mut v = 0u32;
            while i < s.len() && s[i].is_ascii_digit() {
                v = v.saturating_mul(10).saturating_add(u32::from(s[i] - b'0'));
                i += 1;
            }
            T::Num(v, i - start, start, i)
        } else if s[i].is_ascii_alphabetic() {
            while i < s.len() && (s[i].is_ascii_alphabetic()) {
                i += 1;
            }
            T::Word(start, i)
        } else if s[i].is_ascii_whitespace() {
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
            T::Ws
        } else if s[i].is_ascii() {
            i += 1;
            T::P(s[i - 1])
        } else {
            return None;
        };
        *out.get_mut(n)? = t;
        n += 1;
    }
    Some(n)
}

fn word_eq(s: &[u8], a: usize, b: usize, w: &str) -> bool {
    s[a..b].eq_ignore_ascii_case(w.as_bytes())
}

fn month_word(s: &[u8], a: usize, b: usize) -> Option<u32> {
    (0..12)
        .find(|&m| word_eq(s, a, b, MONTH_NAMES[m]) || word_eq(s, a, b, MONTH_ABBR[m]))
        .map(|m| m as u32 + 1)
}

fn day_word(s: &[u8], a: usize, b: usize) -> Option<u32> {
    (0..7)
        .find(|&d| word_eq(s, a, b, DAY_NAMES[d]) || word_eq(s, a, b, DAY_ABBR[d]))
        .map(|d| d as u32)
}

struct State {
    nums: [(u32, usize); 3],
    n_nums: usize,
    month_name: Option<u32>,
    /// "5 Jan" reads the lone number as a (two-digit) year in .NET, "Jan 5" as a day.
    month_after_num: bool,
    dow: Option<u32>,
    time: Option<(u32, u32, u32, u32)>,
    pm: Option<bool>,
    offset: Option<i32>,
    /// The time followed an ISO `T`: .NET then wants two-digit fields and refuses a
    /// designator or `GMT` after it.
    iso_t: bool,
    /// A `Z` or `GMT` designator was read.
    designator: bool,
}

pub(super) fn parse(input: &str, now: Option<DateTime>) -> Option<DateTime> {
    let s = input.trim().as_bytes();
    let mut buf = [T::Ws; MAX_TOKENS];
    let n = tokenize(s, &mut buf)?;
    let toks = &buf[..n];
    let mut st = State {
        nums: [(0, 0); 3],
        n_nums: 0,
        month_name: None,
        month_after_num: false,
        dow: None,
        time: None,
        pm: None,
        offset: None,
        iso_t: false,
        designator: false,
    };
    let at = |i: usize| toks.get(i).copied();
    let mut i = 0;
    while i < n {
        match toks[i] {
            T::Num(v, len, _, _) => {
                let next = at(i + 1);
                if next == Some(T::P(b':')) {
                    if st.time.is_some() {
                        return None;
                    }
                    i = time(toks, s, i, &mut st)?;
                    continue;
                }
                let next_word = match (next, at(i + 2)) {
                    (Some(T::Word(a, b)), _) => Some((a, b)),
                    (Some(T::Ws), Some(T::Word(a, b))) => Some((a, b)),
                    _ => None,
                };
                let date_parts = st.n_nums + usize::from(st.month_name.is_some());
                if st.time.is_none()
                    && len <= 2
                    && (date_parts == 0 || date_parts == 3)
                    && next_word.is_some_and(|(a, b)| ampm(s, a, b).is_some())
                {
                    // "4 PM": an hour with a designator.
                    st.time = Some((v, 0, 0, 0));
                    i += 1;
                    continue;
                }
                if len > 4 || st.n_nums == 3 || st.time.is_some() {
                    return None;
                }
                st.nums[st.n_nums] = (v, len);
                st.n_nums += 1;
                i += 1;
            }
            T::Word(a, b) => {
                if let Some(pm) = ampm(s, a, b) {
                    // Without a time (`2024-05 4 PM`, where .NET reads 4 as the day) the
                    // designator applies to hour 0.
                    if st.pm.is_some() || st.iso_t || (st.time.is_none() && st.n_nums == 0) {
                        return None;
                    }
                    st.pm = Some(pm);
                } else if let Some(m) = month_word(s, a, b) {
                    if st.month_name.is_some() || st.time.is_some() {
                        return None;
                    }
                    st.month_name = Some(m);
                    st.month_after_num = st.n_nums > 0;
                } else if let Some(d) = day_word(s, a, b) {
                    if st.dow.is_some() {
                        return None;
                    }
                    st.dow = Some(d);
                } else if word_eq(s, a, b, "T") {
                    // ISO date/time separator: .NET takes it only after a year-first date
                    // (`2024-5-1T`, `2024/05/01T`), not after `5-31-06` or `Oct 8, 9998`.
                    let iso_date = st.n_nums == 3 && st.month_name.is_none() && st.nums[0].1 > 2;
                    let j = i + 1 + usize::from(at(i + 1) == Some(T::Ws));
                    if !iso_date
                        || st.time.is_some()
                        || !matches!((at(j), at(j + 1)), (Some(T::Num(..)), Some(T::P(b':'))))
                    {
                        return None;
                    }
                    st.iso_t = true;
                } else if word_eq(s, a, b, "GMT") && st.iso_t {
                    return None;
                } else if word_eq(s, a, b, "Z") || word_eq(s, a, b, "GMT") {
                    st.designator = true;
                    // .NET ignores a designator that follows an explicit offset.
                    if st.offset.is_none() {
                        st.offset = Some(0);
                    }
                } else {
                    return None;
                }
                i += 1;
            }
            T::P(p @ (b'+' | b'-')) => {
                let parts = st.n_nums + usize::from(st.month_name.is_some());
                // `+` after a year and month or a month and day (`1955-08+01:00`,
                // `Jun 3 +02:00`) is an offset too; `-` there would be a date separator.
                let date_done = parts == 3 || st.time.is_some() || (p == b'+' && parts == 2);
                if date_done {
                    if st.offset.is_some() {
                        return None;
                    }
                    let (off, next) = offset(toks, i + 1)?;
                    st.offset = Some(if p == b'-' { -off } else { off });
                    i = next;
                } else if p == b'-' && i > 0 && toks[i - 1] == T::P(b'.') {
                    // `Dec.-7 2024`: after a dot .NET reads the sign as an offset (`Dec.-7`
                    // alone then lacks a day and fails).
                    if st.offset.is_some() {
                        return None;
                    }
                    let (off, next) = offset(toks, i + 1)?;
                    st.offset = Some(-off);
                    i = next;
                } else if p == b'-' && matches!(at(i + 1), Some(T::Num(..) | T::Word(..))) {
                    i += 1;
                } else if p == b'-'
                    && at(i + 1) == Some(T::Ws)
                    && matches!(at(i + 2), Some(T::Num(..)))
                {
                    // A space inside a dashed date (`2024- 05-01`, `1930 - 11-05`).
                    i += 2;
                } else {
                    return None;
                }
            }
            T::P(b'/' | b'.' | b',') | T::Ws => i += 1,
            T::P(_) => return None,
        }
    }
    finish(&st, now)
}

fn ampm(s: &[u8], a: usize, b: usize) -> Option<bool> {
    if word_eq(s, a, b, "AM") {
        Some(false)
    } else if word_eq(s, a, b, "PM") {
        Some(true)
    } else {
        None
    }
}

/// `H:mm[:ss[.fffffff]]` starting at token `i`; returns the index after it.
fn time(toks: &[T], s: &[u8], mut i: usize, st: &mut State) -> Option<usize> {
    let min_len = if st.iso_t { 2 } else { 1 };
    let field = |t: Option<&T>| match t {
        Some(&T::Num(v, len, _, _)) if (min_len..=2).contains(&len) => Some(v),
        _ => None,
    };
    let h = field(toks.get(i))?;
    let m = field(toks.get(i + 2))?;
    i += 3;
    let mut sec = 0;
    let mut frac = 0;
    if toks.get(i) == Some(&T::P(b':')) {
        sec = field(toks.get(i + 1))?;
        i += 2;
        if toks.get(i) == Some(&T::P(b'.')) {
            let Some(&T::Num(_, _, a, b)) = toks.get(i + 1) else {
                return None;
            };
            frac = frac_to_ticks(&s[a..b]);
            i += 2;
        }
    }
    st.time = Some((h, m, sec, frac));
    Some(i)
}

/// Offset digits after a sign: `H`, `HH`, `HHmm`, `H:mm`, `HH:mm`.
fn offset(toks: &[T], i: usize) -> Option<(i32, usize)> {
    let T::Num(v, len, _, _) = *toks.get(i)? else {
        return None;
    };
    let (h, m, next) = match len {
        1 | 2 => match (toks.get(i + 1), toks.get(i + 2)) {
            (Some(T::P(b':')), Some(&T::Num(m, 2, _, _))) => (v, m, i + 3),
            _ => (v, 0, i + 1),
        },
        4 => (v / 100, v % 100, i + 1),
        _ => return None,
    };
    if m >= 60 {
        return None;
    }
    let off = (h * 60 + m) as i32;
    (off <= MAX_OFFSET_MINUTES).then_some((off, next))
}

fn year_of(v: u32, len: usize) -> i32 {
    if len <= 2 {
        to_four_digit_year(v)
    } else {
        v as i32
    }
}

fn finish(st: &State, now: Option<DateTime>) -> Option<DateTime> {
    let nums = &st.nums[..st.n_nums];
    let current_year = || now.map(|n| n.civil().year);
    // A year and month without a day (`2024-05`, `September 1995`) take an offset but neither a
    // time nor a `Z`/`GMT` designator in .NET.
    let year_month = match (st.month_name, nums) {
        (Some(_), [(_, yl)]) => *yl > 2 || st.month_after_num,
        (None, [(_, yl), _]) => *yl > 2,
        _ => false,
    };
    if year_month && (st.time.is_some() || st.designator) {
        return None;
    }
    // A month name and a day without a year (`Jan 28 12:00`) take no time in .NET either: it
    // throws, or for some inputs reads the numbers as other fields (see COMPATIBILITY.md).
    if st.month_name.is_some()
        && !st.month_after_num
        && matches!(nums, [(_, 1 | 2)])
        && (st.time.is_some() || st.designator)
    {
        return None;
    }
    let (year, month, day) = match (st.month_name, nums) {
        (Some(m), [(d, dl), (y, yl)]) if *dl <= 2 => (year_of(*y, *yl), m, *d),
        (Some(m), [(y, yl), (d, dl)]) if *yl > 2 && *dl <= 2 => (year_of(*y, *yl), m, *d),
        (Some(m), [(y, yl)]) if *yl > 2 => (year_of(*y, *yl), m, 1),
        (Some(m), [(y, yl)]) if st.month_after_num => (year_of(*y, *yl), m, 1),
        (Some(m), [(d, dl)]) if *dl <= 2 => (current_year()?, m, *d),
        (None, [(y, yl), (m, ml), (d, dl)]) if *yl > 2 && *ml <= 2 && *dl <= 2 => {
            (year_of(*y, *yl), *m, *d)
        }
        (None, [(m, ml), (d, dl), (y, yl)]) if *ml <= 2 && *dl <= 2 => (year_of(*y, *yl), *m, *d),
        (None, [(y, yl), (m, ml)]) if *yl > 2 && *ml <= 2 => (year_of(*y, *yl), *m, 1),
        (None, [(m, ml), (d, dl)]) if *ml <= 2 && *dl <= 2 => (current_year()?, *m, *d),
        (None, []) if st.time.is_some() => {
            let c = now?.civil();
            (c.year, c.month, c.day)
        }
        _ => return None,
    };
    let (mut h, mi, sec, frac) = st.time.unwrap_or((0, 0, 0, 0));
    // .NET keeps a 24-hour value with PM (`13:00 PM` is 13:00) but refuses it with AM.
    match st.pm {
        Some(false) if h > 12 => return None,
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    // Eight or more fraction digits can round up to a whole second, so add them as ticks.
    let local = DateTime::from_civil(year, month, day, h, mi, sec, 0)?;
    let local = DateTime::from_ticks(local.0 + i64::from(frac))?;
    if let Some(d) = st.dow
        && d != local.civil().day_of_week
    {
        return None;
    }
    adjust_offset(local.0, st.offset.unwrap_or(0))
}
