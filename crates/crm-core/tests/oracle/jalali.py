#!/usr/bin/env python3
"""Independent oracle for crm_core::calendar::JalaliDate, used by tests/calendar_props.rs.

Reads one request per line on stdin and prints one answer per line, using `jdatetime`
(https://pypi.org/project/jdatetime/, `pip install jdatetime`):

    g YYYY-MM-DD   ->  the Jalali date of that Gregorian date, as YYYY/MM/DD
    j YYYY/MM/DD   ->  the Gregorian date of that Jalali date, as YYYY-MM-DD
    l YYYY         ->  1 if that Jalali year is a leap year, else 0
"""

import sys

import jdatetime


def answer(line: str) -> str:
    kind, value = line.split()
    if kind == "g":
        y, m, d = (int(x) for x in value.split("-"))
        j = jdatetime.date.fromgregorian(year=y, month=m, day=d)
        return f"{j.year:04}/{j.month:02}/{j.day:02}"
    if kind == "j":
        y, m, d = (int(x) for x in value.split("/"))
        g = jdatetime.date(y, m, d).togregorian()
        return f"{g.year:04}-{g.month:02}-{g.day:02}"
    if kind == "l":
        return "1" if jdatetime.date(int(value), 1, 1).isleap() else "0"
    raise ValueError(f"unknown request {line!r}")


def main() -> None:
    out = []
    for line in sys.stdin:
        line = line.strip()
        if line:
            out.append(answer(line))
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()
