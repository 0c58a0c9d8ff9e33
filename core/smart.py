"""Goal sentences in zh-TW and English: a deterministic parser and the SMART check (SPEC §6).

Parsing (:func:`parse_goal`) works on an NFKC-normalised, lower-cased copy of the sentence in
which spaces that touch a CJK character are dropped, so 「IG 追蹤數」 and 「IG追蹤數」 read the
same. It then takes out, in this order: the period (「2024 年全年」, "by Q3 2025", 「一年內」),
the cadence (「每月」, "a week"), the metric (longest catalog name or alias wins), the rank
(「前 3 名」, "top 3"); what is left holds the target number and the words around it that say
which kind of target it is.

Decisions worth knowing:

* Relative periods (「一年內」, "within 6 months") and deadlines ("by Dec 2025", 「年底前」) start
  at ``start``; without one, ``start`` is the first day of the current month.
* A deadline that names a day (「2025 年 6 月 30 日前」, 「114 年 6 月 30 日前」 in ROC years,
  "by June 30, 2025", "by 6/30/2025" in US order) ends on that day. A day that does not exist
  (2025-02-30) is kept in ``ParsedGoal.notes`` (see :func:`invalid_date`) and fails Time-bound.
* An absolute increase of followers (「IG 追蹤數成長 10,000 人」, "+10,000 followers a month")
  becomes a count of ``new_followers`` per cadence, or per ``"period"`` without a cadence. On
  other metrics an absolute increase is a ``count_per_cadence`` too, flagged ``increment=True``
  (「營收增加 100 萬」: +1,000,000 over the period, not a revenue of 1,000,000).
* A decrease is a negative ``change_pct`` (「CPA 降低 20%」 → −20).
* A bare ``$`` names no currency (NT$ or US$?), so currency-valued benchmarks are not used then.
* A sentence in another script (kana, hangul, Cyrillic, ...) or with nothing recognisable is
  *not understood*: S, M and T fail with that reason in the chosen language, A and R are
  ``unknown``. Only an empty sentence raises (``KgiError("smart.empty")``).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from core.catalog import Metric, load_catalog
from core.errors import KgiError
from core.goals import (
    MONTHS_PER_CADENCE,
    ParsedGoal,
    Period,
    Target,
    add_months,
    month_end,
)
from core.i18n import normalize_language, t

if TYPE_CHECKING:
    import pandas as pd

    from core.benchmarks import BenchmarkComparison

Verdict = Literal["pass", "warn", "fail", "unknown"]
CRITERIA: tuple[str, ...] = ("specific", "measurable", "achievable", "relevant", "time_bound")

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f"
_CJK_RE = re.compile(f"[{_CJK}]")
_IDEOGRAPH_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Scripts we do not read: kana, hangul, Cyrillic, Greek, Arabic, Hebrew, Thai, Devanagari.
_FOREIGN_RE = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
    "\u0400-\u04ff\u0370-\u03ff\u0600-\u06ff\u0590-\u05ff\u0e00-\u0e7f\u0900-\u097f]"
)

# Words that name no metric precisely: 「希望業績成長」 must fail Specific (SPEC §6).
VAGUE_PHRASES: frozenset[str] = frozenset({"業績", "業績額"})


def detect_language(text: str) -> str:
    """``"zh-TW"`` when the text holds a CJK ideograph, else ``"en"``."""
    return "zh-TW" if _IDEOGRAPH_RE.search(text or "") else "en"


# --------------------------------------------------------------------------------------
# Normalisation and numbers
# --------------------------------------------------------------------------------------

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_NUM = "[一二兩两三四五六七八九十百千零〇]+"
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
               "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
               "eighteen": 18, "twenty-four": 24, "half a": 0.5}
_MONTHS_EN = {name: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}
_MONTH_RE = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))


def zh_to_number(token: str) -> float:
    """Chinese numerals to a number: 三 → 3, 十二 → 12, 五十 → 50, 兩千 → 2000, 半 → 0.5."""
    if token == "半":
        return 0.5
    if token.isdigit():
        return float(token)
    total, section, digit = 0, 0, 0
    for ch in token:
        if ch in _ZH_DIGITS:
            digit = _ZH_DIGITS[ch]
        elif ch in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            section += (digit or 1) * unit
            digit = 0
    total += section + digit
    return float(total)


def _canon(text: str) -> str:
    """NFKC, lower case, minus signs unified, spaces touching CJK removed."""
    s = unicodedata.normalize("NFKC", text).lower()
    s = s.replace("\u2212", "-").replace("\u2013", "-").replace("\u2014", "-")
    s = s.replace("﹪", "%").replace("、", ",")
    s = re.sub(r"\s+", " ", s).strip()
    return re.sub(f"\\s+(?=[{_CJK}])|(?<=[{_CJK}])\\s+", "", s)


def _zh_numerals_to_digits(s: str) -> str:
    """「一萬」→「1萬」, 「三篇」→「3篇」, 「三成」→「30%」 (成 = tenths)."""
    s = re.sub(f"({_ZH_NUM})(?=萬|千|億|人|篇|個|次|條|則|成|倍|%|名)",
               lambda m: _fmt_num(zh_to_number(m.group(1))), s)
    return re.sub(r"(\d+(?:\.\d+)?)成(?![長交本為功])", lambda m: _fmt_num(float(m.group(1)) * 10) + "%", s)


def _fmt_num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_MULTIPLIERS = {"萬": 1e4, "千": 1e3, "百萬": 1e6, "億": 1e8, "k": 1e3, "m": 1e6, "b": 1e9,
                "bn": 1e9, "million": 1e6, "thousand": 1e3, "billion": 1e9, "mn": 1e6}
_NUMBER_RE = re.compile(
    r"(?P<sign>[+\-])?\s*(?P<cur>nt\$|us\$|ntd\s?|twd\s?|usd\s?|\$)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<mult>百萬|萬|千|億|million|thousand|billion|bn|mn|k(?![a-z])|m(?![a-z])|b(?![a-z])))?"
    r"(?:\s*(?P<unit>%|個百分點|百分點|percentage points?|pp(?![a-z])|pts?(?![a-z])|points?(?![a-z])"
    r"|x(?![a-z])|倍|人|元|塊|篇|次|條|則|個|位|筆|張|件|usd(?![a-z])|twd(?![a-z])|ntd(?![a-z])))?"
)


@dataclass(frozen=True)
class _Number:
    value: float
    start: int
    end: int
    sign: str | None
    unit: str | None
    currency: str | None

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def is_points(self) -> bool:
        return self.unit is not None and (
            "百分點" in self.unit or self.unit.startswith(("pp", "pt", "point", "percentage"))
        )

    @property
    def is_times(self) -> bool:
        return self.unit in ("x", "倍")


def _numbers(s: str) -> list[_Number]:
    found = []
    for m in _NUMBER_RE.finditer(s):
        value = float(m.group("num").replace(",", ""))
        if m.group("mult"):
            value *= _MULTIPLIERS[m.group("mult")]
        cur = (m.group("cur") or "").strip()
        unit = m.group("unit")
        currency = {"nt$": "TWD", "ntd": "TWD", "twd": "TWD", "us$": "USD", "usd": "USD"}.get(cur)
        currency = currency or {"元": "TWD", "usd": "USD", "twd": "TWD", "ntd": "TWD"}.get(unit or "")
        found.append(_Number(value, m.start(), m.end(), m.group("sign"), unit, currency))
    return found


# --------------------------------------------------------------------------------------
# Metric phrases
# --------------------------------------------------------------------------------------


@cache
def _phrase_index() -> tuple[tuple[str, str], ...]:
    """(canonical phrase, metric key), longest first; the first metric to claim a phrase keeps it."""
    index: dict[str, str] = {}
    for m in load_catalog().metrics.values():
        names = [m.zh, m.en, *m.aliases_zh, *m.aliases_en, m.key.replace("_", " ")]
        for name in names:
            for variant in (name, re.sub(r"\s*\([^)]*\)\s*$", "", name)):
                phrase = _canon(variant)
                if len(phrase) >= 2:
                    index.setdefault(phrase, m.key)
    return tuple(sorted(index.items(), key=lambda kv: -len(kv[0])))


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    phrase: str
    metric: str


def _find_metrics(s: str) -> list[_Span]:
    """Non-overlapping metric phrases, longest first (「自然流量」 beats 「流量」)."""
    taken: list[_Span] = []
    for phrase, key in _phrase_index():
        ascii_phrase = phrase.isascii()
        start = s.find(phrase)
        while start != -1:
            end = start + len(phrase)
            if ascii_phrase and not _word_bounded(s, start, end):
                start = s.find(phrase, start + 1)
                continue
            if ascii_phrase and end < len(s) and s[end] == "s" and _word_bounded(s, start, end + 1):
                end += 1  # plural: "keywords", "visitors"
            if not any(start < o.end and o.start < end for o in taken):
                taken.append(_Span(start, end, phrase, key))
            start = s.find(phrase, end)
    return sorted(taken, key=lambda sp: sp.start)


def _word_bounded(s: str, start: int, end: int) -> bool:
    before = s[start - 1] if start > 0 else " "
    after = s[end] if end < len(s) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


# --------------------------------------------------------------------------------------
# Periods and cadences
# --------------------------------------------------------------------------------------


@dataclass
class _PeriodHit:
    period: Period | None
    relative: bool = False
    deadline: date | None = None
    invalid_date: str | None = None  # a day that does not exist, as written: "2025-02-30"


# ParsedGoal has no field for a date that does not exist; the parser leaves it in ``notes``
# with this prefix so Time-bound can name it instead of saying "no deadline".
INVALID_DATE_NOTE = "invalid_date:"


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _deadline(start: date, end: date) -> _PeriodHit:
    if end < start:
        return _PeriodHit(None, deadline=end)
    return _PeriodHit(Period(start, end), deadline=end)


def _day_deadline(start: date, year: int, month: int, day: int) -> _PeriodHit:
    """A deadline on a named day; a day that does not exist (2025-02-30) is kept, not raised."""
    try:
        end = date(year, month, day)
    except ValueError:
        return _PeriodHit(None, invalid_date=f"{year:04d}-{month:02d}-{day:02d}")
    return _deadline(start, end)


def _zh_year(token: str) -> int:
    """「114」年 is a ROC (Minguo) year: +1911. Only years under 1000 written before 年 get here."""
    year = int(token)
    return year + 1911 if year < 1000 else year


def _en_count(token: str) -> float:
    token = token.strip()
    if token.replace(".", "", 1).isdigit():
        return float(token)
    return float(_EN_NUMBERS.get(token, 0))


def _relative(start: date, amount: float, unit: str) -> _PeriodHit:
    unit = unit.rstrip("s")
    if unit in ("年", "year"):
        months = amount * 12
    elif unit in ("季", "quarter"):
        months = amount * 3
    elif unit in ("個月", "月", "month"):
        months = amount
    else:
        days = amount * (7 if unit in ("週", "周", "星期", "week") else 1)
        end = date.fromordinal(start.toordinal() + int(days) - 1)
        return _PeriodHit(Period(start, end), relative=True)
    if months <= 0 or not float(months).is_integer():
        return _PeriodHit(None)
    return _PeriodHit(Period.months_from(start, int(months)), relative=True)


def _period_rules(start: date) -> list[tuple[re.Pattern[str], Any]]:
    """(pattern, handler) pairs, most specific first. Handlers get the match, return _PeriodHit."""
    y0 = start.year
    q0 = _quarter_of(start)

    def next_quarter() -> _PeriodHit:
        q, y = (q0 % 4) + 1, y0 + (1 if q0 == 4 else 0)
        return _PeriodHit(Period.quarter(y, q))

    def next_month() -> _PeriodHit:
        nxt = add_months(start.replace(day=1), 1)
        return _PeriodHit(Period.month(nxt.year, nxt.month))

    def month_year(m: re.Match[str], by: bool) -> _PeriodHit:
        month = _MONTHS_EN[m.group("mon")]
        year = int(m.group("y")) if m.group("y") else (y0 if month >= start.month else y0 + 1)
        if by:
            return _deadline(start, month_end(year, month))
        return _PeriodHit(Period.month(year, month))

    def quarter(m: re.Match[str], by: bool) -> _PeriodHit:
        q = int(zh_to_number(m.group("q")))
        y = m.groupdict().get("y")
        year = int(y) if y else (y0 if q >= q0 else y0 + 1)
        if by:
            return _deadline(start, Period.quarter(year, q).end)
        return _PeriodHit(Period.quarter(year, q))

    def half(year: int, which: int) -> _PeriodHit:
        return _PeriodHit(Period(date(year, 1 if which == 1 else 7, 1),
                                 date(year, 6, 30) if which == 1 else date(year, 12, 31)))

    zh_n = f"(?P<n>\\d+(?:\\.\\d+)?|{_ZH_NUM}|半)"
    en_n = r"(?P<n>\d+(?:\.\d+)?|half a|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four)"
    y4 = r"(?P<y>20\d{2})"
    return [*_day_rules(start), *[
        # --- zh-TW ---
        (re.compile(f"(?:在|於)?{zh_n}(?:個)?(?P<u>年|個月|季|週|周|星期|天|日)(?:內|之內|以內)"),
         lambda m: _relative(start, zh_to_number(m.group("n")), m.group("u"))),
        (re.compile(f"(?:未來|接下來|之後的?){zh_n}(?:個)?(?P<u>年|個月|季|週|周|天)"),
         lambda m: _relative(start, zh_to_number(m.group("n")), m.group("u"))),
        (re.compile(f"{y4}年?(?:全年度?|整年|年度)"), lambda m: _PeriodHit(Period.year(int(m.group("y"))))),
        (re.compile(f"{y4}年(?P<m>\\d{{1,2}})月(?:底)?(?:前|以前|之前|為止)"),
         lambda m: _deadline(start, month_end(int(m.group("y")), int(m.group("m"))))),
        (re.compile(f"{y4}年(?P<m>\\d{{1,2}})月"),
         lambda m: _PeriodHit(Period.month(int(m.group("y")), int(m.group("m"))))),
        (re.compile(f"{y4}年?(?:第)?(?P<q>[1-4一二三四])季(?:底)?(?:前|以前|之前|為止)"),
         lambda m: quarter(m, by=True)),
        (re.compile(f"{y4}年?(?:第)?(?P<q>[1-4一二三四])季"), lambda m: quarter(m, by=False)),
        (re.compile(f"{y4}年?上半年"), lambda m: half(int(m.group("y")), 1)),
        (re.compile(f"{y4}年?下半年"), lambda m: half(int(m.group("y")), 2)),
        (re.compile(f"{y4}年(?:底|年底|結束)(?:前|以前|之前|為止)?"),
         lambda m: _deadline(start, date(int(m.group("y")), 12, 31))),
        (re.compile(f"{y4}年"), lambda m: _PeriodHit(Period.year(int(m.group("y"))))),
        (re.compile("(?:今年)?(?:年底|年末)(?:前|以前|之前|為止)?"), lambda m: _deadline(start, date(y0, 12, 31))),
        (re.compile("今年(?:全年|度)?"), lambda m: _PeriodHit(Period.year(y0))),
        (re.compile("明年(?:全年|度)?"), lambda m: _PeriodHit(Period.year(y0 + 1))),
        (re.compile("(?:下一?季|下個季度)"), lambda m: next_quarter()),
        (re.compile("(?:本季|這一?季|當季)"), lambda m: _PeriodHit(Period.quarter(y0, q0))),
        (re.compile("(?:下個月|下月)"), lambda m: next_month()),
        (re.compile("(?:本月|這個月|當月)"), lambda m: _PeriodHit(Period.month(y0, start.month))),
        (re.compile("(?:第)?(?P<q>[1-4一二三四])季(?:底)?(?:前|以前|之前|為止)"),
         lambda m: quarter(m, by=True)),
        (re.compile("(?P<m>\\d{1,2})月(?:底)?(?:前|以前|之前|為止)"),
         lambda m: _deadline(start, month_end(y0 if int(m.group("m")) >= start.month else y0 + 1,
                                              int(m.group("m"))))),
        # --- English ---
        (re.compile(f"(?:within|in|over|during)\\s+(?:the\\s+)?(?:next\\s+|coming\\s+)?{en_n}\\s+(?P<u>years?|months?|quarters?|weeks?|days?)"),
         lambda m: _relative(start, _en_count(m.group("n")), m.group("u"))),
        (re.compile(f"(?:the\\s+)?(?:next|coming)\\s+{en_n}\\s+(?P<u>years?|months?|quarters?|weeks?|days?)"),
         lambda m: _relative(start, _en_count(m.group("n")), m.group("u"))),
        (re.compile(r"(?:within|in|over)\s+(?:the\s+next\s+)?(?P<u>year|month|quarter)\b"),
         lambda m: _relative(start, 1, m.group("u"))),
        (re.compile("(?:by|before|until|till)\\s+(?:the\\s+)?(?:end\\s+of\\s+)?(?P<y>20\\d{2})-(?P<m>\\d{2})-(?P<d>\\d{2})"),
         lambda m: _deadline(start, date(int(m.group("y")), int(m.group("m")), int(m.group("d"))))),
        (re.compile("(?:by|before|until|till)\\s+(?:the\\s+)?(?:end\\s+of\\s+)?q(?P<q>[1-4])(?:\\s+|\\s*')?(?P<y>20\\d{2})?"),
         lambda m: quarter(m, by=True)),
        (re.compile(f"(?:by|before|until|till)\\s+(?:the\\s+)?(?:end\\s+of\\s+)?(?P<mon>{_MONTH_RE})\\.?(?:\\s+|\\s*,\\s*)?(?P<y>20\\d{{2}})?\\b"),
         lambda m: month_year(m, by=True)),
        (re.compile(r"(?:by|before|until|till)\s+(?:the\s+)?(?:end\s+of\s+|year[- ]end\s+)(?:fy\s?)?(?P<y>20\d{2})"),
         lambda m: _deadline(start, date(int(m.group("y")), 12, 31))),
        (re.compile(r"(?:by|before)\s+(?P<y>20\d{2})\s+year[- ]end"),
         lambda m: _deadline(start, date(int(m.group("y")), 12, 31))),
        (re.compile(r"by\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+|this\s+)?year|year[- ]end|the\s+year'?s\s+end|eoy)"),
         lambda m: _deadline(start, date(y0, 12, 31))),
        (re.compile(r"before\s+(?P<y>20\d{2})"), lambda m: _deadline(start, date(int(m.group("y")) - 1, 12, 31))),
        (re.compile(r"by\s+(?P<y>20\d{2})\b"), lambda m: _deadline(start, date(int(m.group("y")), 12, 31))),
        (re.compile(r"(?:in\s+|during\s+)?(?:the\s+)?(?:first\s+half\s+of|h1)\s*(?P<y>20\d{2})"),
         lambda m: half(int(m.group("y")), 1)),
        (re.compile(r"(?:in\s+|during\s+)?(?:the\s+)?(?:second\s+half\s+of|h2)\s*(?P<y>20\d{2})"),
         lambda m: half(int(m.group("y")), 2)),
        (re.compile("(?:in\\s+|during\\s+|for\\s+)?(?:the\\s+)?q(?P<q>[1-4])(?:\\s+(?:of\\s+)?|\\s*')?(?P<y>20\\d{2})?\\b"),
         lambda m: quarter(m, by=False)),
        (re.compile(f"(?:in\\s+|during\\s+|for\\s+)(?P<mon>{_MONTH_RE})\\.?\\s+(?P<y>20\\d{{2}})"),
         lambda m: month_year(m, by=False)),
        (re.compile(r"(?:(?:in|for|during|over)\s+)?(?:the\s+)?(?:full[- ]year|fiscal\s+year|calendar\s+year|fy)\s*(?P<y>20\d{2})"),
         lambda m: _PeriodHit(Period.year(int(m.group("y"))))),
        (re.compile(r"(?P<y>20\d{2})\s+(?:full[- ]year|as\s+a\s+whole)"),
         lambda m: _PeriodHit(Period.year(int(m.group("y"))))),
        (re.compile(r"(?:in|for|during|over|throughout)\s+(?P<y>20\d{2})\b"),
         lambda m: _PeriodHit(Period.year(int(m.group("y"))))),
        (re.compile(r"(?:this|the\s+current)\s+year|this\s+fiscal\s+year"), lambda m: _PeriodHit(Period.year(y0))),
        (re.compile(r"next\s+year"), lambda m: _PeriodHit(Period.year(y0 + 1))),
        (re.compile(r"next\s+quarter"), lambda m: next_quarter()),
        (re.compile(r"this\s+quarter"), lambda m: _PeriodHit(Period.quarter(y0, q0))),
        (re.compile(r"next\s+month"), lambda m: next_month()),
        (re.compile(r"this\s+month"), lambda m: _PeriodHit(Period.month(y0, start.month))),
        (re.compile(r"(?<![\d,.$])(?P<y>20\d{2})(?![\d,.%])(?!\s*(?:人|元|篇|個|次|萬|千))"),
         lambda m: _PeriodHit(Period.year(int(m.group("y"))))),
    ]]


def _day_rules(start: date) -> list[tuple[re.Pattern[str], Any]]:
    """Deadlines that name a day. They come before every month or year rule, which would
    otherwise read 「2025 年 6 月 30 日前」 as June 2025 and "by June 30, 2025" as a month.

    A day-level date is always a deadline (period ``start`` → that day), with or without
    「前」 / "by": "before 2025-06-30" also ends on the 30th, as 「6 月 30 日前」 does in zh-TW.
    """
    def ymd(m: re.Match[str], year: int | None = None) -> _PeriodHit:
        month = m.groupdict().get("m")
        month_num = int(month) if month else _MONTHS_EN[m.group("mon")]
        return _day_deadline(start, year or int(m.group("y")), month_num, int(m.group("d")))

    before = r"(?:前|以前|之前|為止)?"
    # \b: "on" must be a word, not the end of "conversion" in "conversion 2025-06-30".
    by_en = r"(?:\b(?:by|before|until|till|through|on\s+or\s+before|no\s+later\s+than|on)\s+)?(?:the\s+)?"
    day_en = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
    mon_en = f"\\b(?P<mon>{_MONTH_RE})\\.?"
    year_sep = r"(?:\s*,\s*|\s+)"
    return [
        # zh-TW: 「2025 年 6 月 30 日前」, ROC 「114 年 6 月 30 日前」 (114 + 1911 = 2025).
        (re.compile(f"(?:在|於|截至|截止)?(?<!\\d)(?P<y>20\\d{{2}}|\\d{{2,3}})年(?P<m>\\d{{1,2}})月(?P<d>\\d{{1,2}})[日號]{before}"),
         lambda m: ymd(m, _zh_year(m.group("y")))),
        # Numeric year-first: 2025/6/30, 2025-06-30, 2025.6.30 (both languages).
        (re.compile(f"(?:在|於|截至|截止)?{by_en}(?<![\\d.])(?P<y>20\\d{{2}})(?P<sep>[/\\-.])(?P<m>\\d{{1,2}})(?P=sep)"
                    f"(?P<d>\\d{{1,2}})(?![\\d.]){before}"),
         ymd),
        # US order, month first: 6/30/2025 is June 30 (never read as day/month).
        (re.compile(f"{by_en}(?<![\\d/])(?P<m>\\d{{1,2}})/(?P<d>\\d{{1,2}})/(?P<y>20\\d{{2}})(?![\\d/]){before}"),
         ymd),
        # "June 30, 2025", "Jun 30 2025", "June 30th, 2025".
        (re.compile(f"{by_en}{mon_en}\\s*{day_en}{year_sep}(?P<y>20\\d{{2}})\\b"), ymd),
        # "30 June 2025", "the 30th of June, 2025".
        (re.compile(f"{by_en}(?<![\\d,.$])\\b{day_en}\\s+(?:of\\s+)?{mon_en}{year_sep}(?P<y>20\\d{{2}})\\b"), ymd),
    ]


def _extract_period(s: str, start: date) -> tuple[_PeriodHit | None, str]:
    for pattern, handler in _period_rules(start):
        m = pattern.search(s)
        if m:
            hit = handler(m)
            return hit, s[: m.start()] + " | " + s[m.end():]
    return None, s


_CADENCE_RULES: tuple[tuple[str, str], ...] = (
    ("每個?月|每一個月|月增|/月|一個月", "month"),
    ("每個?(?:週|周|星期|禮拜)|週增|/週|/周|一週", "week"),
    ("每天|每日|日增|/天", "day"),
    ("每季|季增", "quarter"),
    ("每年|年增", "year"),
    (r"(?:a|per|each|every|/)\s*(?:month|mo)\b|monthly|month over month|mom\b", "month"),
    (r"(?:a|per|each|every|/)\s*(?:week|wk)\b|weekly", "week"),
    (r"(?:a|per|each|every|/)\s*day\b|daily", "day"),
    (r"(?:a|per|each|every|/)\s*quarter\b|quarterly", "quarter"),
    (r"(?:a|per|each|every|/)\s*year\b|yearly|annually|per annum", "year"),
)


def _extract_cadence(s: str) -> tuple[str | None, str]:
    for pattern, cadence in _CADENCE_RULES:
        m = re.search(pattern, s)
        if m:
            return cadence, s[: m.start()] + " | " + s[m.end():]
    return None, s


# --------------------------------------------------------------------------------------
# Direction and target words
# --------------------------------------------------------------------------------------

_INCREASE = (r"成長|提升|增加|提高|突破|增長|上升|拉高|擴大|新增|衝高|衝到|翻倍|增|多|"
             r"\bgrow(?:s|th|ing)?\b|\bincreas\w*|\braise\b|\bboost\w*|\blift\b|\bdoubl\w*|\btripl\w*|"
             r"\bgain\w*|\bexpand\w*|\badd\w*|\bup\b|\bmore\b|\bhigher\b|\bclimb\w*|\brise\b|\bscale\b|\bget\b")
_DECREASE = (r"降低|減少|低於|下降|降至|降到|壓低|壓到|縮減|減|降|少於|不超過|以下|"
             r"\breduc\w*|\bcut\w*|\blower\w*|\bdecreas\w*|\bdrop\w*|\bunder\b|\bbelow\b|\bless\b|"
             r"\bdeclin\w*|\bshrink\w*|\bfall\w*|\bdown\b|\bbring down\b|\bminimi[sz]e\b")
_REACH = (r"達到|達成|達|維持|穩定|保持|進入|至少|"
          r"\breach\w*|\bhit\b|\bachiev\w*|\bmaintain\w*|\bkeep\b|\bstay\w*|\battain\w*|\bat least\b")
_IMPROVE = r"優化|改善|改進|\bimprov\w*|\boptimi[sz]\w*|\bbetter\b"
_CEILING = (r"低於|少於|不超過|不高於|以下|以內|之下|控制在|壓在|"
            r"\bunder\b|\bbelow\b|\bless than\b|\bat most\b|\bno more than\b|\blower than\b|\bmax(?:imum)?\b|≤|<=|<")
_THRESHOLD = (r"至少|以上|不少於|不低於|最少|起碼|或以上|"
              r"\bat least\b|\bor more\b|\bminimum\b|\bno less than\b|\bmore than\b|\bover\b|≥|>=|超過")
_BREAK = r"突破|衝破|\bbreak\w*|\bpast\b|\bsurpass\w*|\bexceed\w*|\btop\b(?!\s*\d)|\bcross\w*"
_TO = r"(?:到|至|達到?|達成|為|在|\bto\b|\bat\b|\breach\w*|\bhit\b|\bof\b|\bkeep\b|\bmaintain\b)\s*[:：]?\s*$"
_RELATIVE = r"相對|\brelative(?:ly)?\b"


def _last_match(pattern: str, text: str) -> re.Match[str] | None:
    found = None
    for m in re.finditer(pattern, text):
        found = m
    return found


def _direction_near(r: str, pos: int, metric: Metric | None) -> str | None:
    """The direction word nearest before ``pos`` (else the first after it)."""
    before, after = r[:pos], r[pos:]
    best: tuple[int, str] | None = None
    for name, pattern in (("increase", _INCREASE), ("decrease", _DECREASE),
                          ("reach", _REACH), ("improve", _IMPROVE)):
        m = _last_match(pattern, before)
        if m and (best is None or m.end() > best[0]):
            best = (m.end(), name)
    if best is None:
        firsts = []
        for name, pattern in (("increase", _INCREASE), ("decrease", _DECREASE),
                              ("reach", _REACH), ("improve", _IMPROVE)):
            m = re.search(pattern, after)
            if m:
                firsts.append((m.start(), name))
        best = min(firsts) if firsts else None
    if best is None:
        return None
    name = best[1]
    if name == "improve":
        return "decrease" if metric is not None and not metric.higher_is_better else "increase"
    return name


# --------------------------------------------------------------------------------------
# parse_goal
# --------------------------------------------------------------------------------------


def default_start(today: date | None = None) -> date:
    """The first day of the current month: where relative periods start without a workspace."""
    return (today or date.today()).replace(day=1)


def parse_goal(text: str, lang: str | None = None, start: date | None = None, *,
               business_type: str | None = None) -> ParsedGoal:
    """Parse a goal sentence in zh-TW or English.

    Parameters
    ----------
    text : str
        The sentence, e.g. 「2024 年全年營收成長 30%」 or "Grow organic traffic 50% by Dec 2025".
    lang : str, optional
        Language for messages; default: the sentence's own (:func:`detect_language`).
    start : date, optional
        Start of relative periods and deadlines (the workspace's period start); default the
        first day of the current month.
    business_type : str, optional
        Context for words that mean different metrics per channel: in ``email`` a bare 「點擊率」
        / "CTR" is the e-mail click rate.

    Returns
    -------
    ParsedGoal
        Never raises for a sentence it cannot read: the flags say what was missing.

    Raises
    ------
    KgiError
        ``smart.empty`` for an empty or blank sentence.
    """
    if text is None or not str(text).strip():
        raise KgiError("smart.empty")
    text = str(text).strip()
    lang = normalize_language(lang) if lang else detect_language(text)
    start = start or default_start()
    goal = ParsedGoal(text=text, lang=lang)
    if _FOREIGN_RE.search(text):
        goal.foreign_script = True
        goal.understood = False
        return goal

    s = _zh_numerals_to_digits(_canon(text))
    hit, s = _extract_period(s, start)
    if hit is not None:
        goal.period = hit.period
        goal.period_relative = hit.relative
        goal.deadline = hit.deadline
        if hit.invalid_date:
            goal.notes = (*goal.notes, INVALID_DATE_NOTE + hit.invalid_date)
    goal.cadence, s = _extract_cadence(s)

    spans = _find_metrics(s)
    if any(sp.metric != "reach" for sp in spans):
        # "Reach 50,000 paid members": the English verb, not the metric Reach.
        spans = [sp for sp in spans if not (sp.metric == "reach" and sp.phrase == "reach")]
    catalog = load_catalog()
    metrics = list(dict.fromkeys(sp.metric for sp in spans))
    if business_type == "email":
        metrics = [{"ctr": "email_ctr"}.get(k, k) for k in metrics]
    if metrics:
        goal.metric = metrics[0]
        goal.other_metrics = tuple(metrics[1:])
        goal.metric_phrase = spans[0].phrase
        vague = [sp.phrase for sp in spans if sp.phrase in VAGUE_PHRASES]
        goal.vague_term = vague[0] if vague else None
    # Blank the metric phrases (keep length so positions stay comparable).
    r = s
    for sp in spans:
        r = r[: sp.start] + "§" * (sp.end - sp.start) + r[sp.end:]

    _parse_target(goal, r, catalog[goal.metric] if goal.metric else None)
    _apply_flow_rule(goal)
    if goal.target and goal.target.kind == "rank" and goal.metric in (None, "keywords_top3"):
        goal.metric = "keyword_position"
    if not any((goal.metric, goal.direction, goal.target, goal.period, goal.cadence,
                goal.deadline, goal.notes)):
        goal.understood = False
    return goal


_RANK_RE = re.compile(r"前\s*(?P<n>\d+)\s*名?|\btop[\s-]*(?P<n2>\d+)\b|第\s*(?P<n3>\d+)\s*名|"
                      r"\b(?:position|rank(?:ing)?)\s*#?\s*(?P<n4>\d+)\b|#(?P<n5>\d+)\b")


def _parse_target(goal: ParsedGoal, r: str, metric: Metric | None) -> None:
    rank = _RANK_RE.search(r)
    if rank:
        n = next(int(g) for g in rank.groups() if g)
        goal.target = Target("rank", float(n))
        goal.direction = "reach"
        return
    numbers = _numbers(r)
    if not numbers:
        _target_without_number(goal, r, metric)
        return
    frm = re.search(r"(?:從|由|\bfrom\b)\s*$", r[: numbers[0].start])
    if frm and len(numbers) >= 2:
        goal.baseline = _in_metric_units(numbers[0], metric)
        number = numbers[1]
    else:
        number = numbers[0]
    goal.currency = number.currency
    pre_start = numbers[numbers.index(number) - 1].end if numbers.index(number) > 0 else 0
    pre = r[max(pre_start, number.start - 24): number.start]
    post = r[number.end: number.end + 16]
    post = post.split("|")[0]
    direction = _direction_near(r, number.start, metric)
    kind, value, direction = _classify(number, pre, post, direction, metric, goal.cadence)
    if kind == "change_pct" and metric is not None and metric.is_rate and not re.search(_RELATIVE, r):
        goal.ambiguous_rate = True
    if kind == "count_per_cadence":
        goal.increment = bool(re.search(_INCREASE, pre + post) or number.sign == "+")
    goal.direction = direction
    goal.target = Target(kind, value, goal.cadence or ("period" if kind == "count_per_cadence" else None))


def _target_without_number(goal: ParsedGoal, r: str, metric: Metric | None) -> None:
    """'double revenue', 「營收翻倍」: a target in words; otherwise only a direction."""
    if re.search(r"翻倍|\bdoubl\w*", r):
        goal.target, goal.direction = Target("change_pct", 100.0), "increase"
    elif re.search(r"\btripl\w*", r):
        goal.target, goal.direction = Target("change_pct", 200.0), "increase"
    elif re.search(r"減半|\bhalve\w*", r):
        goal.target, goal.direction = Target("change_pct", -50.0), "decrease"
    else:
        goal.direction = _direction_near(r, len(r), metric)


def _in_metric_units(number: _Number, metric: Metric | None) -> float:
    """A level in the metric's unit: percent metrics are fractions (5% → 0.05, "CTR 3" → 0.03)."""
    if metric is not None and metric.unit == "percent" and (number.is_percent or number.value >= 1):
        return number.value / 100
    return number.value


def _classify(number: _Number, pre: str, post: str, direction: str | None,
              metric: Metric | None, cadence: str | None) -> tuple[str, float, str | None]:
    """Kind of target, its value (ARCHITECTURE conventions) and the direction."""
    near_pre = pre[-10:]
    decreasing = direction == "decrease" or number.sign == "-"
    sign = -1.0 if decreasing else 1.0
    if number.is_points:
        return "change_pp", sign * number.value, "decrease" if decreasing else "increase"
    if re.search(_CEILING, near_pre) or re.search(_CEILING, post[:8]):
        return "ceiling", _in_metric_units(number, metric), "decrease"
    percent_on_count = number.is_percent and (metric is None or metric.unit != "percent")
    if cadence and not number.is_percent and not number.is_times:
        return "count_per_cadence", number.value, direction or "increase"
    threshold = re.search(_THRESHOLD, near_pre) or re.search(_THRESHOLD, post[:8]) or post.startswith("+")
    if threshold and not percent_on_count:
        return "threshold", _in_metric_units(number, metric), direction or "reach"
    if number.is_times:
        if metric is not None and metric.unit == "ratio":
            return "level", number.value, direction or "reach"
        return "change_pct", (number.value - 1) * 100, "increase"
    if percent_on_count:
        if direction is None and number.sign is None:
            return "change_pct", number.value, None
        return "change_pct", sign * number.value, "decrease" if decreasing else "increase"
    if re.search(_BREAK, near_pre):
        return "level", _in_metric_units(number, metric), "increase"
    if re.search(_TO, pre):
        return "level", _in_metric_units(number, metric), direction or "reach"
    if number.is_percent and (number.sign or direction in ("increase", "decrease")):
        return "change_pct", sign * number.value, "decrease" if decreasing else "increase"
    if number.sign and not number.is_percent:
        return "count_per_cadence", sign * number.value, "decrease" if decreasing else "increase"
    if direction in ("increase", "decrease") and not number.is_percent:
        # 「追蹤數成長 10,000 人」: an amount added over the period.
        return "count_per_cadence", sign * number.value, direction
    return "level", _in_metric_units(number, metric), direction or "reach"


def _apply_flow_rule(goal: ParsedGoal) -> None:
    """An increment of followers is new followers: +10,000 followers → new_followers.

    Only followers: paid members also leave (churn), so "+5,000 paid members" stays a
    change of the stock rather than becoming trial conversions.
    """
    if goal.target is None or goal.target.kind != "count_per_cadence" or goal.metric is None:
        return
    for identity in load_catalog().identities_for(goal.metric):
        if identity.kind == "stock" and identity.flow == "new_followers":
            goal.metric = identity.flow
            goal.increment = False
            return


# --------------------------------------------------------------------------------------
# The SMART check
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    verdict: Verdict
    reason: str
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"verdict": self.verdict, "reason": self.reason, "fix": self.fix}


@dataclass
class SmartResult:
    goal: ParsedGoal
    criteria: dict[str, Criterion]
    lang: str
    benchmark: BenchmarkComparison | None = None

    def to_dict(self) -> dict[str, Any]:
        """SPEC §9's ``smart`` shape."""
        return {"parsed": self.goal.to_dict(),
                "criteria": {k: self.criteria[k].to_dict() for k in CRITERIA}}

    @property
    def passed(self) -> bool:
        return all(c.verdict == "pass" for c in self.criteria.values())


def _c(verdict: Verdict, lang: str, key: str, fix_key: str | None = None, **params: Any) -> Criterion:
    fix = t(fix_key, lang, **params) if fix_key else ""
    return Criterion(verdict, t(key, lang, **params), fix)


def check_smart(goal: ParsedGoal, *, lang: str | None = None, business_type: str | None = None,
                role: str = "kgi", kgi_metric: str | None = None,
                history: pd.Series | None = None, baseline: float | None = None,
                currency: str | None = None) -> SmartResult:
    """Judge each SMART letter of a parsed goal (SPEC §6).

    Parameters
    ----------
    goal : ParsedGoal
    lang : str, optional
        Language of reasons and fixes; default the sentence's.
    business_type : str, optional
        The workspace's business type (Relevant, benchmark segment).
    role : {"kgi", "kpi"}
        A KGI must be the business type's core outcome; a KPI must drive ``kgi_metric``.
    history : pandas.Series, optional
        Monthly actuals of the goal's metric (index: dates or monthly periods), in the metric's
        unit. Achievable compares the required growth with the best growth it shows.
    baseline : float, optional
        Today's value of the metric (metric units); needed to judge level targets without
        history, and to show both readings of an ambiguous "+30%" on a rate.
    currency : str, optional
        The workspace's currency; currency-valued benchmarks are used only when it matches.
    """
    lang = normalize_language(lang) if lang else goal.lang
    if baseline is None:
        baseline = goal.baseline
    catalog = load_catalog()
    metric = catalog.metrics.get(goal.metric or "")
    if not goal.understood:
        nu = _c("fail", lang, "smart.not_understood", "smart.not_understood.fix")
        unknown = _c("unknown", lang, "smart.not_understood.unknown")
        criteria = {"specific": nu, "measurable": nu, "achievable": unknown,
                    "relevant": unknown, "time_bound": nu}
        return SmartResult(goal, criteria, lang)
    achievable, comparison = _achievable(goal, metric, lang, business_type, history, baseline,
                                         currency or goal.currency)
    criteria = {
        "specific": _specific(goal, metric, lang),
        "measurable": _measurable(goal, metric, lang, baseline),
        "achievable": achievable,
        "relevant": _relevant(goal, metric, lang, business_type, role, kgi_metric),
        "time_bound": _time_bound(goal, lang, role),
    }
    return SmartResult(goal, criteria, lang, benchmark=comparison)


# --- Specific ----------------------------------------------------------------------------


def _specific(goal: ParsedGoal, metric: Metric | None, lang: str) -> Criterion:
    if metric is None:
        return _c("fail", lang, "smart.s.no_metric", "smart.s.no_metric.fix")
    name = metric.name(lang)
    if goal.vague_term:
        return _c("fail", lang, "smart.s.vague", "smart.s.vague.fix", term=goal.vague_term)
    if goal.direction is None:
        return _c("fail", lang, "smart.s.no_direction", "smart.s.no_direction.fix", metric=name)
    if goal.other_metrics:
        others = "、".join(load_catalog()[k].name(lang) for k in goal.other_metrics)
        return _c("warn", lang, "smart.s.many", "smart.s.many.fix", metric=name, others=others)
    wrong_way = (goal.direction == "decrease" and metric.higher_is_better) or (
        goal.direction == "increase" and not metric.higher_is_better
        and goal.target is not None and goal.target.kind != "count_per_cadence")
    if wrong_way:
        return _c("warn", lang, "smart.s.wrong_way", "smart.s.wrong_way.fix", metric=name,
                  direction=t(f"smart.direction.{goal.direction}", lang))
    return _c("pass", lang, "smart.s.pass", metric=name,
              direction=t(f"smart.direction.{goal.direction}", lang))


# --- Measurable --------------------------------------------------------------------------


def _measurable(goal: ParsedGoal, metric: Metric | None, lang: str,
                baseline: float | None) -> Criterion:
    if goal.target is None:
        example = t("smart.example.kgi", lang)
        return _c("fail", lang, "smart.m.no_number", "smart.m.no_number.fix", example=example)
    if metric is None:
        return _c("fail", lang, "smart.m.no_metric", "smart.m.no_metric.fix",
                  target=describe_target(goal.target, None, lang))
    absurd = _absurd(goal, metric, lang, baseline)
    if absurd is not None:
        return absurd
    target = describe_target(goal.target, metric, lang)
    if goal.ambiguous_rate and goal.target.kind == "change_pct":
        return _ambiguous(goal, metric, lang, baseline)
    return _c("pass", lang, "smart.m.pass", metric=metric.name(lang), target=target)


def _ambiguous(goal: ParsedGoal, metric: Metric, lang: str, baseline: float | None) -> Criterion:
    assert goal.target is not None
    pct = goal.target.value
    base = baseline if baseline is not None and 0 < baseline < 1 else 0.10
    relative = base * (1 + pct / 100)
    points = base + pct / 100
    key = "smart.m.ambiguous.fix" if baseline is not None else "smart.m.ambiguous.fix_example"
    params = {"metric": metric.name(lang), "value": _fmt_plain(abs(pct)), "sign": "+" if pct >= 0 else "−",
              "base": _fmt_pct(base), "relative": _fmt_pct(relative), "points": _fmt_pct(points)}
    return Criterion("warn", t("smart.m.ambiguous", lang, **params), t(key, lang, **params))


def _absurd(goal: ParsedGoal, metric: Metric, lang: str, baseline: float | None) -> Criterion | None:
    """Targets no business can have: below zero, a rate above 100%, rank 0."""
    target = goal.target
    assert target is not None
    name = metric.name(lang)
    if target.kind == "change_pct" and target.value <= -100:
        return _c("fail", lang, "smart.m.below_zero", "smart.m.below_zero.fix", metric=name,
                  value=_fmt_plain(target.value))
    if target.kind in ("level", "threshold", "ceiling", "count_per_cadence") and target.value < 0:
        return _c("fail", lang, "smart.m.negative", "smart.m.negative.fix", metric=name,
                  value=_fmt_plain(target.value))
    if metric.unit == "percent" and target.kind in ("level", "threshold", "ceiling") and target.value > 1:
        return _c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                  value=_fmt_pct(target.value))
    if metric.unit == "percent" and target.kind == "change_pp" and baseline is not None:
        reached = baseline + target.value / 100
        if not 0 <= reached <= 1:
            return _c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                      value=_fmt_pct(reached))
    if (metric.unit == "percent" and target.kind == "change_pct" and baseline is not None
            and baseline * (1 + target.value / 100) > 1):
        return _c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                  value=_fmt_pct(baseline * (1 + target.value / 100)))
    if target.kind == "rank" and target.value < 1:
        return _c("fail", lang, "smart.m.bad_rank", "smart.m.bad_rank.fix", value=_fmt_plain(target.value))
    return None


# --- Achievable --------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryGrowth:
    """The best yearly improvement a metric's own history shows (fraction, better direction)."""

    best: float
    method: Literal["yoy12", "yoy", "trend"]
    months: int


def history_growth(history: pd.Series | None, metric: Metric) -> HistoryGrowth | None:
    """Best year-over-year (or trend) improvement in a monthly series.

    Parameters
    ----------
    history : pandas.Series
        Monthly values, indexed by dates or monthly periods.
    metric : Metric
        Its aggregation decides how years compare: sums compare trailing 12-month totals when
        there are 24 months; otherwise 3-month averages are compared with a year before; with 6
        to 12 months, the log-linear trend is annualised.

    Returns
    -------
    HistoryGrowth or None
        ``best`` is a fraction in the metric's better direction (0.25 = 25% better a year;
        for lower-is-better metrics a 25% reduction). ``None`` under 6 usable months.
    """
    if history is None:
        return None
    series = history.dropna().astype(float)
    series = series[series > 0].sort_index()
    n = len(series)
    if n < 6:
        return None
    sign = 1.0 if metric.higher_is_better else -1.0
    values = series.to_numpy()
    if n >= 24 and metric.aggregation == "sum":
        totals = series.rolling(12).sum().to_numpy()
        changes = [totals[i] / totals[i - 12] - 1 for i in range(23, n)]
        return HistoryGrowth(max(sign * c for c in changes), "yoy12", n)
    if n >= 15:
        smooth = series.rolling(3).mean().to_numpy()
        changes = [smooth[i] / smooth[i - 12] - 1 for i in range(14, n)]
        return HistoryGrowth(max(sign * c for c in changes), "yoy", n)
    logs = [math.log(v) for v in values]
    xs = list(range(n))
    mx, my = sum(xs) / n, sum(logs) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, logs, strict=True)) / sum((x - mx) ** 2 for x in xs)
    yearly = math.exp(12 * slope) - 1
    return HistoryGrowth(yearly if sign > 0 else -yearly / (1 + yearly), "trend", n)


def _baseline_from_history(history: pd.Series | None, metric: Metric, goal: ParsedGoal) -> float | None:
    """Today's comparable value: for sums, a period's worth of the last 12 months' average."""
    if history is None:
        return None
    series = history.dropna().astype(float).sort_index()
    if series.empty:
        return None
    target = goal.target
    if goal.increment and metric.aggregation == "last":
        return float(series.iloc[-1])  # +5,000 paid members: against today's stock
    if target is not None and target.kind == "count_per_cadence" and not goal.increment:
        per_month = float(series.tail(3).mean())
        if target.cadence in (None, "period"):
            return per_month * (goal.period.months if goal.period else 12)
        return per_month * MONTHS_PER_CADENCE[target.cadence]
    if metric.aggregation == "sum":
        months = goal.period.months if goal.period else 12
        return float(series.tail(12).mean()) * months
    if metric.aggregation == "last":
        return float(series.iloc[-1])
    return float(series.tail(3).mean())


def required_change(goal: ParsedGoal, metric: Metric, baseline: float | None) -> float | None:
    """The improvement a goal asks for, as a fraction in the metric's better direction.

    ``None`` when it cannot be known (a level without a baseline). A change on a stock or a
    rate over a period shorter or longer than a year is annualised; sums compare period totals.
    """
    target = goal.target
    if target is None:
        return None
    if target.kind == "change_pct":
        change = target.value / 100
    elif target.kind == "change_pp":
        if not baseline:
            return None
        change = (baseline + target.value / 100) / baseline - 1
    elif target.kind in ("level", "threshold", "ceiling", "count_per_cadence", "rank"):
        if not baseline:
            return None
        # An increment ("+NT$1M", "+5,000 members") adds to the baseline; others replace it.
        change = target.value / baseline if goal.increment else target.value / baseline - 1
    else:  # pragma: no cover - every kind is handled above
        return None
    better = change if metric.higher_is_better else -change / (1 + change) if change > -1 else None
    if better is None:
        return None
    if metric.aggregation != "sum" and goal.period is not None and target.kind != "count_per_cadence":
        months = max(goal.period.months, 1)
        if better > -1:
            better = (1 + better) ** (12 / months) - 1
    return better


def _achievable(goal: ParsedGoal, metric: Metric | None, lang: str, business_type: str | None,
                history: pd.Series | None, baseline: float | None,
                currency: str | None) -> tuple[Criterion, BenchmarkComparison | None]:
    if metric is None or goal.target is None:
        return _c("unknown", lang, "smart.a.nothing", "smart.a.nothing.fix"), None
    absurd = _absurd(goal, metric, lang, baseline)
    if absurd is not None:
        return Criterion("fail", absurd.reason, absurd.fix), None
    hist_base = baseline if baseline is not None else _baseline_from_history(history, metric, goal)
    comparison = _benchmark(goal, metric, business_type, hist_base, currency)
    growth = history_growth(history, metric)
    need = required_change(goal, metric, hist_base)
    if growth is not None and need is not None:
        return _judge_history(need, growth, metric, lang, comparison), comparison
    if comparison is not None:
        return _judge_benchmark(comparison, metric, lang), comparison
    if history is not None and growth is None:
        return _c("unknown", lang, "smart.a.short_history", "smart.a.no_data.fix"), None
    return _c("unknown", lang, "smart.a.no_data", "smart.a.no_data.fix", metric=metric.name(lang)), None


def _judge_history(need: float, growth: HistoryGrowth, metric: Metric, lang: str,
                   comparison: BenchmarkComparison | None) -> Criterion:
    params = {"need": _fmt_signed_pct(need), "best": _fmt_signed_pct(growth.best),
              "months": growth.months, "metric": metric.name(lang),
              "method": t(f"smart.a.method.{growth.method}", lang)}
    if need <= growth.best:
        verdict: Verdict = "pass"
    elif need <= growth.best + max(0.15, abs(growth.best) * 0.5):
        verdict = "warn"
    else:
        verdict = "fail"
    reason = t(f"smart.a.history.{verdict}", lang, **params)
    if comparison is not None:
        reason += " " + comparison.sentence(lang)
    fix = t(f"smart.a.history.{verdict}.fix", lang, **params)
    return Criterion(verdict, reason, fix)


def _judge_benchmark(comparison: BenchmarkComparison, metric: Metric, lang: str) -> Criterion:
    if not comparison.comparable:
        return Criterion("unknown", comparison.sentence(lang), t("smart.a.no_data.fix", lang))
    verdict: Verdict = {"typical": "pass", "stretch": "pass", "ambitious": "warn",
                        "extreme": "fail"}[comparison.band]
    fix_key = f"smart.a.bench.{comparison.band}.fix"
    return Criterion(verdict, comparison.sentence(lang), t(fix_key, lang, metric=metric.name(lang)))


def _benchmark(goal: ParsedGoal, metric: Metric, business_type: str | None,
               baseline: float | None, currency: str | None) -> BenchmarkComparison | None:
    from core.benchmarks import compare_to_benchmark

    target = goal.target
    assert target is not None
    level: float | None = None
    if target.kind in ("level", "threshold", "ceiling"):
        level = target.value
    elif target.kind == "change_pct" and baseline is not None and metric.aggregation != "sum":
        level = baseline * (1 + target.value / 100)
    elif target.kind == "change_pp" and baseline is not None:
        level = baseline + target.value / 100
    if level is not None:
        return compare_to_benchmark(metric.key, level, business_type=business_type, currency=currency)
    if target.kind == "change_pct" and metric.aggregation == "last":
        yearly = target.value / 100
        if goal.period is not None and goal.period.months > 0:
            yearly = (1 + yearly) ** (12 / goal.period.months) - 1
        return compare_to_benchmark(metric.key, yearly, business_type=business_type,
                                    measure="annual_growth")
    return None


# --- Relevant ----------------------------------------------------------------------------


def core_metrics(business_type: str) -> list[str]:
    """Catalog metrics that can be a KGI for ``business_type`` (``core_for``)."""
    return [m.key for m in load_catalog().metrics.values() if business_type in m.core_for]


def _relevant(goal: ParsedGoal, metric: Metric | None, lang: str, business_type: str | None,
              role: str, kgi_metric: str | None) -> Criterion:
    if metric is None:
        return _c("unknown", lang, "smart.r.no_metric")
    catalog = load_catalog()
    name = metric.name(lang)
    if role == "kpi":
        if not kgi_metric or kgi_metric not in catalog:
            return _c("unknown", lang, "smart.r.no_kgi", "smart.r.no_kgi.fix")
        kgi_name = catalog[kgi_metric].name(lang)
        if metric.key == kgi_metric:
            return _c("warn", lang, "smart.r.kpi_same", "smart.r.kpi_same.fix", metric=name)
        if metric.key in catalog.drivers_of(kgi_metric):
            return _c("pass", lang, "smart.r.kpi_driver", metric=name, kgi=kgi_name)
        drivers = "、".join(catalog[k].name(lang) for k in sorted(catalog.drivers_of(kgi_metric))[:4])
        return _c("fail", lang, "smart.r.kpi_unrelated", "smart.r.kpi_unrelated.fix",
                  metric=name, kgi=kgi_name, drivers=drivers)
    if not business_type:
        return _c("unknown", lang, "smart.r.no_type", "smart.r.no_type.fix")
    type_name = t(f"templates.type.{business_type}", lang) if _has(f"templates.type.{business_type}") else business_type
    cores = core_metrics(business_type)
    core_names = "、".join(catalog[k].name(lang) for k in cores)
    if metric.key in cores:
        return _c("pass", lang, "smart.r.core", metric=name, type=type_name)
    if any(metric.key in catalog.drivers_of(c) for c in cores):
        return _c("warn", lang, "smart.r.driver_as_kgi", "smart.r.driver_as_kgi.fix",
                  metric=name, type=type_name, cores=core_names)
    return _c("warn", lang, "smart.r.not_core", "smart.r.not_core.fix", metric=name,
              type=type_name, cores=core_names)


def _has(key: str) -> bool:
    from core.i18n import has

    return has(key)


# --- Time-bound --------------------------------------------------------------------------


def invalid_date(goal: ParsedGoal) -> str | None:
    """The impossible day the sentence named ("2025-02-30"), if any."""
    for note in goal.notes:
        if note.startswith(INVALID_DATE_NOTE):
            return note.removeprefix(INVALID_DATE_NOTE)
    return None


def _time_bound(goal: ParsedGoal, lang: str, role: str) -> Criterion:
    if goal.period is not None:
        key = "smart.t.relative" if goal.period_relative else "smart.t.absolute"
        return _c("pass", lang, key, start=goal.period.start.isoformat(), end=goal.period.end.isoformat())
    if goal.deadline is not None:
        return _c("fail", lang, "smart.t.past", "smart.t.past.fix", end=goal.deadline.isoformat())
    invalid = invalid_date(goal)
    if invalid is not None:
        return _c("fail", lang, "smart.t.invalid_date", "smart.t.invalid_date.fix", date=invalid)
    if goal.cadence is not None:
        cadence = t(f"smart.cadence.{goal.cadence}", lang)
        if role == "kpi":
            return _c("pass", lang, "smart.t.cadence", cadence=cadence)
        return _c("warn", lang, "smart.t.cadence_kgi", "smart.t.cadence_kgi.fix", cadence=cadence)
    return _c("fail", lang, "smart.t.none", "smart.t.none.fix")


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def _fmt_plain(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _fmt_pct(fraction: float) -> str:
    return f"{_fmt_plain(round(fraction * 100, 2))}%"


def _fmt_signed_pct(fraction: float) -> str:
    text = _fmt_plain(round(fraction * 100, 1))
    return f"+{text}%" if fraction >= 0 else f"{text}%".replace("-", "−")


def format_level(value: float, metric: Metric | None) -> str:
    """A value in the metric's unit for people: 0.25 → 25%, 5.0 → 5.0 (ROAS), 50000 → 50,000."""
    if metric is not None and metric.unit == "percent":
        return _fmt_pct(value)
    if metric is not None and metric.unit == "ratio":
        return f"{value:.1f}" if float(value).is_integer() else _fmt_plain(value)
    return _fmt_plain(value)


def describe_target(target: Target, metric: Metric | None, lang: str) -> str:
    """「+30%」, 「達 25%」, 「低於 10」, 「每月 10」, 「前 3 名」, 「至少 100」, 「+3 個百分點」."""
    kind = target.kind
    if kind == "change_pct":
        return t("smart.kind.change_pct", lang, value=_fmt_signed_pct(target.value / 100))
    if kind == "change_pp":
        sign = "+" if target.value >= 0 else "−"
        return t("smart.kind.change_pp", lang, sign=sign, value=_fmt_plain(abs(target.value)))
    if kind == "rank":
        return t("smart.kind.rank", lang, value=_fmt_plain(target.value))
    if kind == "count_per_cadence":
        cadence = t(f"smart.cadence.{target.cadence or 'period'}", lang)
        return t("smart.kind.count_per_cadence", lang, value=_fmt_plain(target.value), cadence=cadence)
    return t(f"smart.kind.{kind}", lang, value=format_level(target.value, metric))
