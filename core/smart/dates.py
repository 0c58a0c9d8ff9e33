"""Calendar words and deadlines that name a day (「2025 年 6 月 30 日前」, "by June 30, 2025")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.goals import Period

EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
              "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
              "eighteen": 18, "twenty-four": 24, "half a": 0.5}
MONTHS_EN = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
MONTH_RE = "|".join(sorted(MONTHS_EN, key=len, reverse=True))


@dataclass
class PeriodHit:
    """What the period grammar found: a span, or a deadline (a span from the start date)."""

    period: Period | None
    relative: bool = False
    deadline: date | None = None
    invalid_date: str | None = None  # a day that does not exist, as written: "2025-02-30"


def deadline(start: date, end: date) -> PeriodHit:
    """A deadline: the period runs from ``start`` to ``end``; none when ``end`` is already past."""
    if end < start:
        return PeriodHit(None, deadline=end)
    return PeriodHit(Period(start, end), deadline=end)


def day_deadline(start: date, year: int, month: int, day: int) -> PeriodHit:
    """A deadline on a named day; a day that does not exist (2025-02-30) is kept, not raised."""
    try:
        end = date(year, month, day)
    except ValueError:
        return PeriodHit(None, invalid_date=f"{year:04d}-{month:02d}-{day:02d}")
    return deadline(start, end)


def day_rules(start: date) -> list[tuple[re.Pattern[str], Any]]:
    """Deadlines that name a day. They come before every month or year rule, which would
    otherwise read 「2025 年 6 月 30 日前」 as June 2025 and "by June 30, 2025" as a month.

    A day-level date is always a deadline (period ``start`` → that day), with or without
    「前」 / "by": "before 2025-06-30" also ends on the 30th, as 「6 月 30 日前」 does in zh-TW.
    ROC years are already Gregorian here (see :func:`core.smart.tokens.canon`).
    """
    def ymd(m: re.Match[str]) -> PeriodHit:
        month = m.groupdict().get("m")
        month_num = int(month) if month else MONTHS_EN[m.group("mon")]
        y = m.groupdict().get("y")
        if y is None:  # no year written: the next such day from the start
            y = str(start.year if (month_num, int(m.group("d"))) >= (start.month, start.day) else start.year + 1)
        return day_deadline(start, int(y), month_num, int(m.group("d")))

    before = r"(?:前|以前|之前|為止)?"
    # \b: "on" must be a word, not the end of "conversion" in "conversion 2025-06-30".
    by_en = r"(?:\b(?:by|before|until|till|through|on\s+or\s+before|no\s+later\s+than|on)\s+)?(?:the\s+)?"
    day_en = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    mon_en = f"\\b(?P<mon>{MONTH_RE})\\.?"
    year_sep = r"(?:\s*,\s*|\s+)"
    return [
        (re.compile(f"(?:在|於|截至|截止)?(?<!\\d)(?P<y>\\d{{4}})年(?P<m>\\d{{1,2}})月(?P<d>\\d{{1,2}})[日號]{before}"), ymd),
        # Numeric year-first: 2025/6/30, 2025-06-30, 2025.6.30 (both languages).
        (re.compile(f"(?:在|於|截至|截止)?{by_en}(?<![\\d.])(?P<y>20\\d{{2}})(?P<sep>[/\\-.])(?P<m>\\d{{1,2}})(?P=sep)"
                    f"(?P<d>\\d{{1,2}})(?![\\d.]){before}"), ymd),
        # US order, month first: 6/30/2025 is June 30 (never read as day/month).
        (re.compile(f"{by_en}(?<![\\d/])(?P<m>\\d{{1,2}})/(?P<d>\\d{{1,2}})/(?P<y>20\\d{{2}})(?![\\d/]){before}"), ymd),
        # "June 30, 2025", "Jun 30 2025", "June 30th, 2025".
        (re.compile(f"{by_en}{mon_en}\\s*{day_en}{year_sep}(?P<y>20\\d{{2}})\\b"), ymd),
        # "30 June 2025", "the 30th of June, 2025".
        (re.compile(f"{by_en}(?<![\\d,.$])\\b{day_en}\\s+(?:of\\s+)?{mon_en}{year_sep}(?P<y>20\\d{{2}})\\b"), ymd),
        # Without a year: 「6 月 30 日前」, 「6/30 前」, "by June 30" — the next such day.
        (re.compile(f"(?:在|於|截至|截止)?(?<![\\d/])(?P<m>\\d{{1,2}})月(?P<d>\\d{{1,2}})[日號]{before}"), ymd),
        (re.compile("(?<![\\d/.])(?P<m>\\d{1,2})/(?P<d>\\d{1,2})(?![\\d/.%])(?:前|以前|之前|為止)"), ymd),
        (re.compile(f"\\b(?:by|before|until|till)\\s+(?:the\\s+)?{mon_en}\\s*{day_en}\\b(?!\\s*,?\\s*\\d)"), ymd),
    ]
