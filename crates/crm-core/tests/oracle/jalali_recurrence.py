#!/usr/bin/env python3
"""Independent oracle for Jalali recurrence rules (crm_core::activity::Recurrence), used by
tests/recurrence_oracles.rs. Month lengths and conversions come from `jdatetime`.

One request per line on stdin, one answer per line (the Gregorian dates of every occurrence
from the anchor up to Jalali year 1430, space-separated):

    monthly_day D INTERVAL YYYY/MM/DD
    monthly_last INTERVAL YYYY/MM/DD
    yearly M D INTERVAL YYYY/MM/DD

A day the month lacks falls on its last day.
"""

import sys

import jdatetime

LAST_YEAR = 1430


def days_in_month(y: int, m: int) -> int:
    if m <= 6:
        return 31
    if m <= 11:
        return 30
    return 30 if jdatetime.date(y, 1, 1).isleap() else 29


def emit(out, anchor, y, m, d):
    date = jdatetime.date(y, m, d)
    if date >= anchor:
        g = date.togregorian()
        out.append(f"{g.year:04}-{g.month:02}-{g.day:02}")


def answer(line: str) -> str:
    parts = line.split()
    ay, am, ad = (int(x) for x in parts[-1].split("/"))
    anchor = jdatetime.date(ay, am, ad)
    out = []
    if parts[0] in ("monthly_day", "monthly_last"):
        interval = int(parts[-2])
        y, m = ay, am
        while y <= LAST_YEAR:
            dim = days_in_month(y, m)
            d = dim if parts[0] == "monthly_last" else min(int(parts[1]), dim)
            emit(out, anchor, y, m, d)
            m += interval
            while m > 12:
                m -= 12
                y += 1
    elif parts[0] == "yearly":
        month, day, interval = int(parts[1]), int(parts[2]), int(parts[3])
        for y in range(ay, LAST_YEAR + 1, interval):
            emit(out, anchor, y, month, min(day, days_in_month(y, month)))
    else:
        raise ValueError(f"unknown request {line!r}")
    return " ".join(out)


def main() -> None:
    answers = [answer(line.strip()) for line in sys.stdin if line.strip()]
    sys.stdout.write("\n".join(answers) + ("\n" if answers else ""))


if __name__ == "__main__":
    main()
