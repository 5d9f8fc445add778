//! Expected values come from the conformance vectors (ids cited) or were checked with Mono 6.8
//! (`DateTime.Parse`/`ParseExact`/`ToString` with InvariantCulture, local zone UTC) where a
//! test says so. The tables of such cases are data in `tests/data/dotnet/datetime.jsonl`
//! (run by `tests/dotnet.rs`); what stays here needs more than one call or a constant only
//! Rust can name (`DateTime::MAX`, `i64::MAX`).

use super::*;

fn entra(d: DateTime) -> String {
    let mut s = String::new();
    d.write_entra(&mut s);
    s
}

fn rfc(s: &str) -> DateTime {
    DateTime::parse_rfc3339(s).unwrap()
}

fn fmt(f: &str, d: DateTime) -> String {
    let mut s = String::new();
    DateFormat::compile(f).unwrap().format(d, &mut s);
    s
}

/// FormatDateTime(source, styles, input, output) as the evaluator will do it.
fn format_date_time(
    src: &str,
    styles: DateTimeStyles,
    input: &str,
    output: &str,
) -> Option<String> {
    let (d, k) = DateFormat::compile(input)
        .ok()?
        .parse_exact_kind(src, styles, None)?;
    let mut s = String::new();
    DateFormat::compile(output).ok()?.format_kind(d, k, &mut s);
    Some(s)
}

fn iso(d: DateTime) -> String {
    fmt("yyyy-MM-ddTHH:mm:ss.fffffff", d)
}

#[test]
fn civil_round_trips_and_day_of_week() {
    for &(y, m, d, dow) in &[
        (1, 1, 1, 1),
        (1601, 1, 1, 1),
        (1970, 1, 1, 4),
        (2000, 2, 29, 2),
        (2020, 3, 16, 1),
        (9999, 12, 31, 5),
    ] {
        let t = DateTime::from_civil(y, m, d, 13, 14, 15, 1234567).unwrap();
        let c = t.civil();
        assert_eq!((c.year, c.month, c.day, c.day_of_week), (y, m, d, dow));
        assert_eq!(
            (c.hour, c.minute, c.second, c.frac_ticks),
            (13, 14, 15, 1234567)
        );
    }
    assert_eq!(
        DateTime::from_civil(9999, 12, 31, 23, 59, 59, 9_999_999),
        Some(DateTime::MAX)
    );
    assert_eq!(DateTime::from_civil(2021, 2, 29, 0, 0, 0, 0), None);
    assert_eq!(DateTime::from_civil(10000, 1, 1, 0, 0, 0, 0), None);
    assert_eq!(DateTime::from_ticks(-1), None);
    assert_eq!(DateTime::from_ticks(MAX_TICKS + 1), None);
}

#[test]
fn rfc3339_clock_forms() {
    assert_eq!(entra(rfc("2025-07-30T09:15:00Z")), "7/30/2025 9:15:00 AM");
    assert_eq!(
        entra(rfc("2025-07-30T09:15:00+02:00")),
        "7/30/2025 7:15:00 AM"
    );
    assert_eq!(
        iso(rfc("2025-07-30t09:15:00.123456789z")),
        "2025-07-30T09:15:00.1234567"
    );
    assert_eq!(entra(rfc("2025-07-30")), "7/30/2025 12:00:00 AM");
    assert_eq!(DateTime::parse_rfc3339("2025-07-30T09:15:00"), None);
    assert_eq!(DateTime::parse_rfc3339("2025-7-30T09:15:00Z"), None);
    assert_eq!(DateTime::parse_rfc3339("0001-01-01T00:00:00+01:00"), None);
}

#[test]
fn write_entra_format() {
    // now-doc-format
    assert_eq!(entra(rfc("2021-07-02T15:33:38Z")), "7/2/2021 3:33:38 PM");
    assert_eq!(entra(rfc("2021-07-02T00:05:09Z")), "7/2/2021 12:05:09 AM");
    assert_eq!(entra(rfc("2021-07-02T12:00:00Z")), "7/2/2021 12:00:00 PM");
    assert_eq!(entra(DateTime::MIN), "1/1/0001 12:00:00 AM");
}

#[test]
fn cdate_without_date_needs_the_clock() {
    // Mono fills in today's date (and year) for these; we only can with an injected clock.
    let now = rfc("2026-11-25T04:42:05Z");
    assert_eq!(DateTime::parse_lenient("10:00"), None);
    assert_eq!(
        iso(DateTime::parse_lenient_at("10:00", Some(now)).unwrap()),
        "2026-11-25T10:00:00.0000000"
    );
    assert_eq!(
        iso(DateTime::parse_lenient_at("Jan 5", Some(now)).unwrap()),
        "2026-01-05T00:00:00.0000000"
    );
    assert_eq!(
        iso(DateTime::parse_lenient_at("1/2", Some(now)).unwrap()),
        "2026-01-02T00:00:00.0000000"
    );
}

#[test]
fn filetime_conversions() {
    // datefromnum-doc, datefromnum-attribute
    assert_eq!(
        entra(DateTime::from_filetime(129_699_324_000_000_000).unwrap()),
        "1/1/2012 11:00:00 PM"
    );
    assert_eq!(DateTime::from_filetime(i64::MAX), None);
    assert_eq!(DateTime::from_filetime(-1), None);
    // Mono: FromFileTimeUtc(2650467743999999999) is DateTime.MaxValue, one more throws.
    assert_eq!(
        DateTime::from_filetime(2_650_467_743_999_999_999),
        Some(DateTime::MAX)
    );
    assert_eq!(DateTime::from_filetime(2_650_467_744_000_000_000), None);
    assert_eq!(DateTime::from_filetime(0).unwrap().to_filetime(), Some(0));
    assert_eq!(rfc("1600-12-31T23:59:59Z").to_filetime(), None);
    // numfromdate-workday: "2020-12-31 23:59:59-08:00"
    let d = DateTime::parse_lenient("2020-12-31 23:59:59-08:00").unwrap();
    assert_eq!(d.to_filetime(), Some(132_539_615_990_000_000));
    // numfromdate-sf-guide-9999
    let d = DateTime::parse_lenient("2099-12-31T23:59:59-04:00").unwrap();
    assert_eq!(d.to_filetime(), Some(157_469_327_990_000_000));
    // Spec section 5.16: .NET gives 134117171990000000 for 2025-12-31 23:59:59-05:00.
    let d = DateTime::parse_lenient("2025-12-31 23:59:59-05:00").unwrap();
    assert_eq!(d.to_filetime(), Some(134_117_171_990_000_000));
}

#[test]
fn dateadd_conformance() {
    let hire = DateTime::parse_lenient("2012-03-16-07:00").unwrap();
    let add = |i: &str, n: i64, d: DateTime| entra(d.add(Interval::parse(i).unwrap(), n).unwrap());
    assert_eq!(add("d", 7, hire), "3/23/2012 7:00:00 AM"); // dateadd-doc-7d
    assert_eq!(add("d", -10, hire), "3/6/2012 7:00:00 AM"); // dateadd-doc-minus10d
    assert_eq!(add("ww", 2, hire), "3/30/2012 7:00:00 AM"); // dateadd-doc-2ww
    assert_eq!(add("m", 10, hire), "1/16/2013 7:00:00 AM"); // dateadd-doc-10m
    assert_eq!(add("yyyy", 2, hire), "3/16/2014 7:00:00 AM"); // dateadd-doc-2yyyy
    assert_eq!(add("h", 5, hire), "3/16/2012 12:00:00 PM"); // dateadd-hours
    assert_eq!(add("n", 90, hire), "3/16/2012 8:30:00 AM"); // dateadd-minutes
    assert_eq!(add("s", 30, hire), "3/16/2012 7:00:30 AM");
    let d = DateTime::parse_lenient("2001-01-01").unwrap();
    assert_eq!(add("m", 3, d), "4/1/2001 12:00:00 AM"); // dateadd-connect
    let d = DateTime::parse_lenient("2020-02-29").unwrap();
    assert_eq!(add("yyyy", 1, d), "2/28/2021 12:00:00 AM"); // dateadd-leap-year
    assert_eq!(
        add("d", 7, rfc("2025-07-30T09:30:00Z")),
        "8/6/2025 9:30:00 AM"
    ); // dateadd-now
    let d = DateTime::parse_lenient("2025-01-15").unwrap();
    let mut s = String::new();
    DateFormat::compile("yyyy-MM-dd")
        .unwrap()
        .format(d.add(Interval::Year, 5).unwrap(), &mut s);
    assert_eq!(s, "2030-01-15"); // formatdatetime-datetime-input
}

#[test]
fn dateadd_clamps_to_month_end_and_overflows_to_none() {
    let jan31 = rfc("2021-01-31T10:00:00Z");
    assert_eq!(
        entra(jan31.add(Interval::Month, 1).unwrap()),
        "2/28/2021 10:00:00 AM"
    );
    assert_eq!(
        entra(rfc("2020-01-31T00:00:00Z").add(Interval::Month, 1).unwrap()),
        "2/29/2020 12:00:00 AM"
    );
    assert_eq!(
        entra(jan31.add(Interval::Month, -2).unwrap()),
        "11/30/2020 10:00:00 AM"
    );
    assert_eq!(
        entra(jan31.add(Interval::Quarter, 1).unwrap()),
        "4/30/2021 10:00:00 AM"
    );
    assert_eq!(rfc("9999-12-31T00:00:00Z").add(Interval::Day, 1), None);
    assert_eq!(rfc("9999-12-01T00:00:00Z").add(Interval::Month, 1), None);
    assert_eq!(rfc("0001-01-01T00:00:00Z").add(Interval::Second, -1), None);
    assert_eq!(jan31.add(Interval::Year, i64::MAX), None);
    assert_eq!(jan31.add(Interval::Second, i64::MIN), None);
}

#[test]
fn datediff_conformance() {
    let now = rfc("2021-08-25T17:41:18Z");
    let hire = DateTime::parse_lenient("2012-03-16-07:00").unwrap();
    let dd = |i: &str, a: DateTime, b: DateTime| a.diff(Interval::parse(i).unwrap(), b);
    assert_eq!(dd("d", now, hire), -3449); // datediff-doc-negative-days
    assert_eq!(dd("ww", now, hire), -493); // datediff-doc-weeks
    assert_eq!(dd("m", now, hire), -113); // datediff-doc-months
    assert_eq!(dd("yyyy", now, hire), -9); // datediff-doc-years
    let a = DateTime::parse_lenient("2021-08-18+08:00").unwrap();
    let b = DateTime::parse_lenient("2021-08-31+08:00").unwrap();
    assert_eq!(dd("d", a, b), 13); // datediff-doc-positive-days
    assert_eq!(dd("d", b, b), 0); // datediff-doc-same
    let a = DateTime::parse_lenient("2021-08-24").unwrap();
    let b = DateTime::parse_lenient("2021-08-25").unwrap();
    assert_eq!(dd("h", a, b), 24); // datediff-doc-hours
    assert_eq!(dd("n", a, b), 1440); // datediff-doc-minutes
    assert_eq!(dd("s", a, b), 86400); // datediff-doc-seconds
    let noon = rfc("2025-07-30T12:00:00Z");
    let tomorrow = DateTime::parse_lenient("2025-07-31").unwrap();
    assert_eq!(dd("d", noon, tomorrow), 0); // datediff-truncates-partial-days
    let midnight = rfc("2025-07-30T00:00:00Z");
    let d = |s: &str| DateTime::parse_lenient(s).unwrap();
    assert_eq!(dd("d", midnight, d("2025-08-20")), 21); // datediff-doc-ex2-active-later (> 5)
    assert_eq!(dd("d", midnight, d("2025-08-15")), 16); // switch-workday-rehire-ad
    assert_eq!(dd("d", d("2025-07-27"), midnight), 3); // switch-sf-complex-status
    assert_eq!(dd("d", midnight, d("2025-07-15")), -15); // ignoreflow-writeback-hire-passed
    assert_eq!(dd("d", rfc("2025-08-01T00:00:00Z"), d("2025-07-31")), -1); // iif-workday-msexch-hide-past
    assert_eq!(Interval::parse("q"), None); // datediff-bad-interval
}

#[test]
fn datediff_vb_only_intervals_and_week_alignment() {
    let sat = rfc("2021-08-28T01:00:00Z");
    let sun = rfc("2021-08-29T23:00:00Z");
    assert_eq!(sat.diff(Interval::WeekOfYear, sun), 1);
    assert_eq!(sat.diff(Interval::Weekday, sun), 0);
    assert_eq!(sun.diff(Interval::WeekOfYear, sat), -1);
    // VB keeps the time of day when moving back to Sunday, so a Saturday-night to
    // Sunday-morning span is 6 days 2 hours after alignment: 0 weeks.
    let late_sat = rfc("2021-08-28T23:00:00Z");
    let early_sun = rfc("2021-08-29T01:00:00Z");
    assert_eq!(late_sat.diff(Interval::WeekOfYear, early_sun), 0);
    assert_eq!(
        rfc("2021-03-31T00:00:00Z").diff(Interval::Quarter, rfc("2021-04-01T00:00:00Z")),
        1
    );
    assert_eq!(
        rfc("2021-12-31T23:59:59Z").diff(Interval::Year, rfc("2022-01-01T00:00:00Z")),
        1
    );
    assert_eq!(
        sat.diff(Interval::Second, sat.add(Interval::Second, -90).unwrap()),
        -90
    );
    assert_eq!(
        sat.diff(Interval::Minute, sat.add(Interval::Second, -90).unwrap()),
        -1
    );
}

#[test]
fn interval_codes() {
    for code in ["yyyy", "m", "d", "ww", "h", "n", "s"] {
        assert_eq!(Interval::parse(code).unwrap().code(), code);
    }
    for code in ["q", "y", "w", "D", "YYYY", "mm", ""] {
        assert_eq!(Interval::parse(code), None, "{code}");
    }
    assert_eq!(Interval::parse_vb("Q"), Some(Interval::Quarter));
    assert_eq!(Interval::parse_vb("YYYY"), Some(Interval::Year));
    assert_eq!(Interval::parse_vb("w"), Some(Interval::Weekday));
    assert_eq!(Interval::parse_vb("x"), None);
}

#[test]
fn styles_parse_names_numbers_and_rejects_invalid_combinations() {
    assert_eq!(
        DateTimeStyles::parse("32"),
        Some(DateTimeStyles::ASSUME_LOCAL)
    ); // formatdatetime-styles-numeric
    assert_eq!(
        DateTimeStyles::parse("AdjustToUniversal, AssumeUniversal").map(DateTimeStyles::bits),
        Some(80)
    );
    assert_eq!(
        DateTimeStyles::parse(" RoundtripKind,AllowWhiteSpaces ").map(DateTimeStyles::bits),
        Some(135)
    );
    assert_eq!(DateTimeStyles::parse("None"), Some(DateTimeStyles::NONE));
    assert_eq!(DateTimeStyles::DEFAULT.bits(), 131);
    assert_eq!(DateTimeStyles::parse(""), None);
    assert_eq!(DateTimeStyles::parse("Bogus"), None);
    assert_eq!(DateTimeStyles::parse("96"), None); // AssumeLocal | AssumeUniversal
    assert_eq!(
        DateTimeStyles::parse("RoundtripKind, AdjustToUniversal"),
        None
    );
    assert_eq!(DateTimeStyles::parse("256"), None);
    assert_eq!(DateTimeStyles::parse("-1"), None);
}

#[test]
fn formatdatetime_conformance() {
    let st = DateTimeStyles::DEFAULT;
    // formatdatetime-doc, formatdatetime-three-arg-legacy
    assert_eq!(
        format_date_time("20150123105347.1Z", st, "yyyyMMddHHmmss.fZ", "yyyy-MM-dd").as_deref(),
        Some("2015-01-23")
    );
    // formatdatetime-positive-offset-shifts-day
    assert_eq!(
        format_date_time("2020-12-31+08:00", st, "yyyy-MM-ddzzz", "yyyy-MM-dd").as_deref(),
        Some("2020-12-30")
    );
    // numfromdate-workday (inner FormatDateTime)
    assert_eq!(
        format_date_time("2020-12-31-08:00", st, "yyyy-MM-ddzzz", "yyyy-MM-dd").as_deref(),
        Some("2020-12-31")
    );
    // formatdatetime-hh-needs-two-digits / numfromdate-sf-guide
    assert_eq!(
        format_date_time(
            "8/15/2025 7:00:00 AM",
            st,
            "M/d/yyyy hh:mm:ss tt",
            "yyyy-MM-dd"
        ),
        None
    );
    assert_eq!(
        format_date_time(
            "12/31/9999 12:00:00 AM",
            st,
            "M/d/yyyy hh:mm:ss tt",
            "yyyy-MM-dd"
        )
        .as_deref(),
        Some("9999-12-31")
    );
    // iif-eager-branch-error
    assert_eq!(
        format_date_time("garbage", st, "dd/MM/yyyy", "yyyy-MM-dd"),
        None
    );
    // formatdatetime-now: a DateTime source is formatted directly.
    assert_eq!(fmt("yyyy-MM-dd", rfc("2025-07-30T09:15:00Z")), "2025-07-30");
    // Styles "32" (AssumeLocal) with an exact match works.
    let al = DateTimeStyles::parse("32").unwrap();
    assert_eq!(
        format_date_time("02/01/2020", al, "dd/MM/yyyy", "yyyy-MM-dd").as_deref(),
        Some("2020-01-02")
    );
    assert_eq!(
        format_date_time(" 02/01/2020", al, "dd/MM/yyyy", "yyyy-MM-dd"),
        None
    );
}

#[test]
fn parse_exact_time_only_formats_take_the_date_from_the_clock() {
    // Time-only formats take today's date from the injected clock, like .NET.
    let now = rfc("2026-11-25T04:42:05Z");
    let f = DateFormat::compile("HH:mm").unwrap();
    assert_eq!(f.parse_exact("10:00", DateTimeStyles::DEFAULT), None);
    let (d, _) = f
        .parse_exact_kind("10:00", DateTimeStyles::DEFAULT, Some(now))
        .unwrap();
    assert_eq!(iso(d), "2026-11-25T10:00:00.0000000");
}

#[test]
fn k_output_depends_on_parsed_kind() {
    let st = DateTimeStyles::DEFAULT;
    let k = |src: &str, input: &str| format_date_time(src, st, input, "%K").unwrap();
    assert_eq!(k("2020-12-31Z", "yyyy-MM-ddK"), "Z");
    assert_eq!(k("2020-12-31+01:00", "yyyy-MM-ddK"), "+00:00");
    assert_eq!(k("2020-12-31", "yyyy-MM-ddK"), "");
}

#[test]
fn f_trims_a_zero_fraction_and_the_dot_before_it() {
    // F trims a zero fraction and the '.' before it (Mono: "ss.FFF" of a whole second).
    let whole = DateTime::from_civil(1, 1, 1, 0, 0, 0, 0).unwrap();
    assert_eq!(fmt("ss.FFF", whole), "00");
    assert_eq!(fmt(".F", whole), "");
    assert_eq!(fmt("x.F", whole), "x");
    // The '.' belongs to the caller's buffer, so it must survive.
    let mut out = String::from("keep.");
    DateFormat::compile("%F").unwrap().format(whole, &mut out);
    assert_eq!(out, "keep.");
}

#[test]
fn format_errors_point_at_the_offending_specifier() {
    let e = DateFormat::compile("yyyy-MM-dd ffffffff").unwrap_err();
    assert_eq!((e.start, e.end), (11, 19));
    let e = DateFormat::compile("yyyy 'oops").unwrap_err();
    assert_eq!((e.start, e.end), (5, 10));
}

#[test]
fn compiled_format_is_reusable() {
    let f = DateFormat::compile("yyyy-MM-dd").unwrap();
    let mut out = String::new();
    for s in ["2020-01-02", "2021-03-04"] {
        let d = f.parse_exact(s, DateTimeStyles::DEFAULT).unwrap();
        f.format(d, &mut out);
        out.push(';');
    }
    assert_eq!(out, "2020-01-02;2021-03-04;");
}

// --- root causes found by the .NET oracle corpus (tests/oracle), checked with Mono 6.8 ---

#[test]
fn parse_exact_skips_a_missing_dot_before_optional_f_fractions() {
    let d = DateTimeStyles::DEFAULT;
    let iso = "yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz";
    assert_eq!(
        format_date_time("2024-05-01T08:00:00-07:00", d, iso, "yyyy-MM-dd HH:mm").as_deref(),
        Some("2024-05-01 15:00")
    );
    assert_eq!(
        format_date_time("2024-05-01T08:00:00.5-07:00", d, iso, "HH:mm:ss.fff").as_deref(),
        Some("15:00:00.500")
    );
    let short = "yyyy-MM-dd'T'HH:mm:ss.FFF";
    assert_eq!(
        format_date_time("1979-04-16T03:27:00", d, short, "d:").as_deref(),
        Some("16:")
    );
    // Only an unquoted dot before `F` is optional: `f` digits and quoted or escaped dots are
    // required.
    let day = "2024-01-01 03:27:00";
    assert_eq!(
        format_date_time(day, d, "yyyy-MM-dd HH:mm:ss.fff", "HH"),
        None
    );
    assert_eq!(
        format_date_time(day, d, "yyyy-MM-dd HH:mm:ss'.'FFF", "HH"),
        None
    );
    assert_eq!(
        format_date_time(day, d, r"yyyy-MM-dd HH:mm:ss\.FFF", "HH"),
        None
    );
    let plain = "yyyy-MM-dd HH:mm:ss.FFF";
    assert_eq!(format_date_time(day, d, plain, "HH").as_deref(), Some("03"));
    // .NET's look-ahead wants a second `F`: `.F` alone is not optional (Mono: FormatException).
    assert_eq!(
        format_date_time(day, d, "yyyy-MM-dd HH:mm:ss.F", "HH"),
        None
    );
    assert_eq!(
        format_date_time(day, d, "yyyy-MM-dd HH:mm:ss.FF", "HH").as_deref(),
        Some("03")
    );
    // A dot with no digits after it is an empty optional fraction.
    assert_eq!(
        format_date_time("2024-01-01 03:27:00.", d, plain, "HH").as_deref(),
        Some("03")
    );
}

#[test]
fn parse_exact_compares_a_repeated_year_as_written() {
    let d = DateTimeStyles::DEFAULT;
    // .NET's CheckNewValue sees 1999 and 99: FormatException.
    assert_eq!(format_date_time("1999T99", d, "yyyy'T'yy", "yyyy"), None);
    // The same number twice agrees, and a two-digit field windows the year afterwards.
    assert_eq!(
        format_date_time("0002T02", d, "yyyy'T'yy", "yyyy").as_deref(),
        Some("2002")
    );
    assert_eq!(
        format_date_time("99 99", d, "yy yy", "yyyy").as_deref(),
        Some("1999")
    );
    assert_eq!(
        format_date_time("0099", d, "yyyy", "yyyy").as_deref(),
        Some("0099")
    );
}

#[test]
fn parse_exact_percent_and_fraction_fields_follow_parse_by_format() {
    let d = DateTimeStyles::DEFAULT;
    // ParseExact reads `%MMMM` as `MMMM` (ToString formats `%M`, then `MMM`).
    assert_eq!(
        format_date_time("2024May1", d, "yyyy%MMMMd", "yyyy-MM-dd").as_deref(),
        Some("2024-05-01")
    );
    assert_eq!(format_date_time("605MayT", d, "y%MMMMT", "%d"), None);
    assert_eq!(fmt("y%MMMMT", rfc("2024-05-01T00:00:00Z")), "245MayT");
    // An `F` that finds no digits still records a zero fraction, which a later fraction field
    // must agree with (Mono: FormatException).
    let f = "Fdddd, yyyy-MM-dd.FF";
    assert_eq!(
        format_date_time("Wednesday, 2024-05-01.07", d, f, "d"),
        None
    );
    assert_eq!(
        format_date_time("Wednesday, 2024-05-01.00", d, f, "yyyy").as_deref(),
        Some("2024")
    );
}

#[test]
fn cdate_leniency_follows_dotnet_both_ways() {
    let now = Some(rfc("2026-12-05T12:00:00Z"));
    let parse = |s: &str| DateTime::parse_lenient_at(s, now).map(entra);
    // Each value checked with Mono's DateTime.Parse(s, InvariantCulture,
    // AdjustToUniversal | AssumeUniversal); None is a FormatException there.
    let cases: &[(&str, Option<&str>)] = &[
        ("Feb.-1", None),
        ("Dec.-7 2024", Some("12/1/2024 7:00:00 AM")),
        ("2025-03-03 13:00 PM", Some("3/3/2025 1:00:00 PM")),
        ("2024-05-01 13:00 AM", None),
        ("2024-05-01 00:00 PM", Some("5/1/2024 12:00:00 PM")),
        ("2024-05-01T10:00:00 GMT", None),
        ("2024-05-01T10:00:00 Z", Some("5/1/2024 10:00:00 AM")),
        ("2024-05-01 10:00:00 GMT", Some("5/1/2024 10:00:00 AM")),
        ("2024-05-01T8:05", None),
        ("2024-05-01T08:5", None),
        ("2024-5-1T08:05", Some("5/1/2024 8:05:00 AM")),
        ("2024/05/01T08:05", Some("5/1/2024 8:05:00 AM")),
        ("05/01/2024T08:05", None),
        ("2024-05-01t08:05", Some("5/1/2024 8:05:00 AM")),
        ("2024-05-01T10:00 PM", None),
        ("2024-05-01 10:00 +02:00 PM", Some("5/1/2024 8:00:00 PM")),
        ("2024- 05-01", Some("5/1/2024 12:00:00 AM")),
        ("2024 - 05 - 01", Some("5/1/2024 12:00:00 AM")),
        ("2024-05 10:00", None),
        ("2024-05Z", None),
        ("2024-05+01:00", Some("4/30/2024 11:00:00 PM")),
        ("2024-05 4 PM", Some("5/4/2024 12:00:00 PM")),
        ("2024-05-01 4 PM", Some("5/1/2024 4:00:00 PM")),
        ("Jun 3 +02:00", Some("6/2/2026 10:00:00 PM")),
        ("Jan 28 12:00", None),
        ("Jan 20Z", None),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input).as_deref(), *want, "CDate({input:?})");
    }
}
