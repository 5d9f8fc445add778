// The .NET side of entramap's oracle corpus: reads cases from stdin, one a line (a function
// name, then its arguments, each field base64 of UTF-8, tab-separated) and writes one answer a
// line: "V <b64>" (a value), "L <b64>,<b64>..." (a list) or "E <exception type>".
//
// Each function calls the .NET API that entramap documents for the Entra builtin of the same
// name (src/expr/builtins/). Run with TZ=UTC: the service's local time is UTC.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

static class Oracle
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    const DateTimeStyles CDateStyles = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
    const DateTimeStyles FormatDefault =
        DateTimeStyles.RoundtripKind | DateTimeStyles.AllowLeadingWhite | DateTimeStyles.AllowTrailingWhite;

    // Entra prints a date value as M/d/yyyy h:mm:ss tt in the invariant culture.
    static string Entra(DateTime d) { return d.ToString("M/d/yyyy h:mm:ss tt", Inv); }

    static DateTime CDate(string s) { return DateTime.Parse(s, Inv, CDateStyles); }

    static string Str(string s) { return "V\t" + B64(s); }
    static string B64(string s) { return Convert.ToBase64String(Encoding.UTF8.GetBytes(s)); }
    static string Dec(string b) { return Encoding.UTF8.GetString(Convert.FromBase64String(b)); }

    // VB's DateAdd(String, Double, Date): the interval is matched case-insensitively.
    static DateTime DateAdd(string interval, long n, DateTime d)
    {
        switch (interval.ToLowerInvariant())
        {
            case "yyyy": return d.AddYears(checked((int)n));
            case "q": return d.AddMonths(checked((int)(n * 3)));
            case "m": return d.AddMonths(checked((int)n));
            case "y": case "d": case "w": return d.AddDays(n);
            case "ww": return d.AddDays(n * 7.0);
            case "h": return d.AddHours(n);
            case "n": return d.AddMinutes(n);
            case "s": return d.AddSeconds(n);
        }
        throw new ArgumentException("interval");
    }

    // VB's DateDiff(String, Date, Date) as Microsoft.VisualBasic.DateAndTime implements it
    // (Mono ships no Microsoft.VisualBasic, so this is that algorithm over the BCL).
    static long DateDiff(string interval, DateTime a, DateTime b)
    {
        TimeSpan span = b.Subtract(a);
        switch (interval.ToLowerInvariant())
        {
            case "yyyy": return b.Year - a.Year;
            case "q": return (b.Year - a.Year) * 4L + (b.Month - 1) / 3 - (a.Month - 1) / 3;
            case "m": return (b.Year - a.Year) * 12L + b.Month - a.Month;
            case "y": case "d": return (long)span.TotalDays;
            case "w": return (long)(span.TotalDays / 7.0);
            case "ww":
                {
                    DateTime sa = a.AddDays(-(int)a.DayOfWeek), sb = b.AddDays(-(int)b.DayOfWeek);
                    return (long)(sb.Subtract(sa).TotalDays / 7.0);
                }
            case "h": return (long)span.TotalHours;
            case "n": return (long)span.TotalMinutes;
            case "s": return (long)span.TotalSeconds;
        }
        throw new ArgumentException("interval");
    }

    static CultureInfo Culture(string name)
    {
        return name.Length == 0 ? Inv : CultureInfo.GetCultureInfo(name);
    }

    // Connect Sync's Mid rules over String.Substring (UTF-16 units).
    static string Mid(string s, long start, long length)
    {
        if (length == 0) return "";
        if (length < 0 || start <= 0 || start > s.Length) return s;
        long n = Math.Min(length, s.Length - (start - 1));
        return s.Substring((int)(start - 1), (int)n);
    }

    static string Left(string s, long n)
    {
        if (n == 0) return "";
        if (n < 0) return s;
        return s.Substring(0, (int)Math.Min(n, s.Length));
    }

    // VB's InStr(Start, String1, String2, Compare).
    static long InStr(string hay, string needle, long start, bool text)
    {
        if (start < 1) throw new ArgumentException("Start");
        if (hay.Length == 0 || start - 1 > hay.Length) return 0;
        if (needle.Length == 0) return start;
        int at = text
            ? Inv.CompareInfo.IndexOf(hay, needle, (int)(start - 1),
                CompareOptions.IgnoreCase | CompareOptions.IgnoreKanaType | CompareOptions.IgnoreWidth)
            : hay.IndexOf(needle, (int)(start - 1), StringComparison.Ordinal);
        return at + 1;
    }

    static string PCaseSeparators(string s, string seps)
    {
        var sb = new StringBuilder();
        bool start = true;
        foreach (char c in s)
        {
            if (seps.IndexOf(c) >= 0) { sb.Append(c); start = true; }
            else if (start) { sb.Append(char.ToUpperInvariant(c)); start = false; }
            else sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    static string Run(string f, string[] a)
    {
        switch (f)
        {
            case "FormatDateTime":
                {
                    DateTimeStyles st = a[1].Length == 0
                        ? FormatDefault
                        : (DateTimeStyles)Enum.Parse(typeof(DateTimeStyles), a[1]);
                    DateTime d = DateTime.ParseExact(a[0], a[2], Inv, st);
                    return Str(d.ToString(a[3], Inv));
                }
            case "CDate": return Str(Entra(CDate(a[0])));
            // Generator only: a date (ticks, UTC) rendered with a format, to build inputs.
            case "Render":
                return Str(new DateTime(long.Parse(a[0], Inv), DateTimeKind.Utc).ToString(a[1], Inv));
            case "DateAdd": return Str(Entra(DateAdd(a[0], long.Parse(a[1], Inv), CDate(a[2]))));
            case "DateDiff": return Str(DateDiff(a[0], CDate(a[1]), CDate(a[2])).ToString(Inv));
            case "NumFromDate": return Str(CDate(a[0]).ToFileTimeUtc().ToString(Inv));
            case "DateFromNum": return Str(Entra(DateTime.FromFileTimeUtc(long.Parse(a[0], Inv))));
            case "Replace":
                // The timeout only keeps the generator from hanging on a pathological pattern.
                return Str(Regex.Replace(a[0], a[1], a[2], RegexOptions.None, TimeSpan.FromSeconds(2)));
            case "PCase":
                return Str(a.Length > 1 && a[1].Length > 0
                    ? PCaseSeparators(a[0], a[1])
                    : Inv.TextInfo.ToTitleCase(a[0].ToLowerInvariant()));
            case "ToLower": return Str(a[0].ToLower(Culture(a[1])));
            case "ToUpper": return Str(a[0].ToUpper(Culture(a[1])));
            case "Mid": return Str(Mid(a[0], long.Parse(a[1], Inv), long.Parse(a[2], Inv)));
            case "Left": return Str(Left(a[0], long.Parse(a[1], Inv)));
            case "InStr":
                return Str(InStr(a[0], a[1], long.Parse(a[2], Inv), a[3] == "vbTextCompare").ToString(Inv));
            case "Len": return Str(a[0].Length.ToString(Inv));
            case "ConvertToBase64": return Str(Convert.ToBase64String(Encoding.Unicode.GetBytes(a[0])));
            case "ConvertToUTF8Hex": return Str(BitConverter.ToString(Encoding.UTF8.GetBytes(a[0])).Replace("-", ""));
            case "Split":
                return "L\t" + string.Join(",", a[0].Split(new[] { a[1] }, StringSplitOptions.None).Select(B64));
        }
        throw new InvalidOperationException("unknown function " + f);
    }

    static void Main()
    {
        var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
        stdout.NewLine = "\n";
        string line;
        while ((line = Console.In.ReadLine()) != null)
        {
            string[] parts = line.Split('\t');
            string[] args = parts.Skip(1).Select(Dec).ToArray();
            string answer;
            try { answer = Run(parts[0], args); }
            catch (Exception e) { answer = "E\t" + e.GetType().Name; }
            stdout.WriteLine(answer);
        }
        stdout.Flush();
    }
}
