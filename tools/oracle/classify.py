#!/usr/bin/env python3
"""Sorts the oracle cases entramap disagrees with into documented differences.

Reads the mismatch file `ORACLE_MISMATCHES=... cargo test --test oracle` writes (function, args,
.NET's answer, entramap's answer, expression; tab-separated) and writes
tests/oracle/differences.jsonl, one case a line under the key of the COMPATIBILITY.md row that
explains it. A mismatch no rule explains is printed and left out, so the test keeps failing on
it until it is fixed or a rule (and a row) is added for it. Run it on the mismatches of a replay
with an empty differences.jsonl, since listed cases are not reported again.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "oracle", "differences.jsonl")

STYLES = {"None", "AdjustToUniversal", "AssumeUniversal", "AllowWhiteSpaces", "RoundtripKind",
          "AdjustToUniversal, AssumeUniversal", "AssumeLocal, AssumeUniversal"}
DOCUMENTED_INTERVALS = {"yyyy", "m", "d", "ww", "h", "n", "s"}
# Letters whose casing Mono's tables (Unicode 6-era, one UTF-16 unit at a time) lack and .NET
# on ICU has: capital sharp s, titlecase digraphs, final sigma and other simple mappings to
# Greek/Latin capitals, Cherokee (Unicode 8), and every non-BMP letter.
MONO_CASING = set("ẞǅǈǋǲǄǆǇǉςµſꭰᎠ")
MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"


def non_bmp(s):
    return any(ord(c) > 0xFFFF for c in s)


def classify(function, args, want, got):
    if function in ("DateAdd", "DateDiff") and args[0] not in DOCUMENTED_INTERVALS:
        return "interval-vb-only"
    if function == "FormatDateTime" and args[1] not in STYLES and args[1].lower() in {
            s.lower() for s in STYLES}:
        return "styles-names-case-insensitive"
    if function in ("ToLower", "ToUpper", "PCase"):
        if any(c in MONO_CASING or ord(c) > 0xFFFF for c in args[0]):
            return "mono-casing"
    if function in ("Left", "Mid") and "\ufffd" in json.dumps(want, ensure_ascii=False):
        return "utf16-surrogate-split"
    if function == "InStr" and args[3] == "vbTextCompare":
        return "instr-text-compare"
    if function == "Replace":
        if want in ("!IndexOutOfRangeException", "!RegexMatchTimeoutException"):
            return "mono-regex-internal-error"
        if non_bmp(args[0]) or non_bmp(args[1]):
            return "regex-utf16-units"
        # Refusals COMPATIBILITY.md lists, by entramap's message: an assertion-only group
        # repeated, a look-behind fancy-regex cannot compile, a back-reference to a shared name.
        refused = ("Target of repeat", "Error compiling", "a group name used more than once")
        if got.startswith("Err(") and any(r in got for r in refused):
            return "regex-refused-construct"
    if function in ("CDate", "NumFromDate"):
        if re.search(MONTH + r"\.?\s*\d{1,2},?\s+\d{1,2}\s*:", args[0]) and not re.search(
                r"\d{3,}", args[0]):
            return "cdate-yearless-month-day-time"
        return "cdate-stray-punctuation"
    return None


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mismatches.txt"
    out, unexplained = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or parts[0].startswith(("now agrees", "listed difference")):
                unexplained.append(line.rstrip("\n"))
                continue
            function, args = parts[0], json.loads(parts[1])
            want = json.loads(parts[2][len(".NET "):])
            got = parts[3][len("entramap "):]
            key = classify(function, args, want, got)
            if key is None:
                unexplained.append(line.rstrip("\n"))
            else:
                out.append({"function": function, "args": args, "key": key})
    out.sort(key=lambda d: (d["function"], d["key"], json.dumps(d["args"], ensure_ascii=False)))
    with open(OUT, "w", encoding="utf-8", newline="\n") as w:
        for d in out:
            w.write(json.dumps(d, ensure_ascii=False) + "\n")
    for u in unexplained:
        print("unexplained:", u[:300])
    print(len(out), "documented,", len(unexplained), "unexplained", file=sys.stderr)


if __name__ == "__main__":
    main()
