"""The period grammar: when a goal runs, resolved to dates from the plan's start.

Forms (zh-TW and English), most specific first:

* a named day (:mod:`core.smart.dates`): 「2025 年 6 月 30 日前」, "by June 30, 2025";
* relative spans from the start: 「一年內」, 「未來 6 個月」, "within 6 months", "next 2 quarters";
* years: 「2025 年」, 「2025 年全年」, 「114 年度」 (ROC, already Gregorian here), "in 2025",
  "FY2025", 今年 / 明年 / 去年, "this year" / "next year" / "last year";
* deadlines: 「2025 年底前」, 「明年底前」 (the same year as 「明年」), 「2025 年第三季底前」,
  「6 月底前」, "by end of 2025", "by Q3 2025", "by Dec 2025";
* quarters and halves: Q3, 第三季 (``q3`` after :func:`~core.smart.tokens.canon`), 上半年 / 下半年
  (``h1`` / ``h2``), H1 2025, "in Q2"; without a year they are the next such quarter or half
  from the start (the current one when the start is inside it);
* months: 「2025 年 3 月」, "in March 2025", this / next month.

A cadence (每月, 每週, "a month", monthly) is not a period: it says how often a count repeats.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from core.goals import Period, add_months, month_end
from core.smart.dates import EN_NUMBERS, MONTH_RE, MONTHS_EN, PeriodHit, day_rules, deadline
from core.smart.numbers import MEASURE_WORDS, zh_to_number
from core.smart.tokens import Claims

_ZH_NUM = "[一二兩两三四五六七八九十]+"
_BEFORE = "(?:前|以前|之前|為止)"
_END = "(?:底|末|結束)"


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _en_count(token: str) -> float:
    token = token.strip()
    if token.replace(".", "", 1).isdigit():
        return float(token)
    return float(EN_NUMBERS.get(token, 0))


def _relative(start: date, amount: float, unit: str) -> PeriodHit:
    unit = unit.rstrip("s")
    if unit in ("年", "year"):
        months = amount * 12
    elif unit in ("季", "quarter"):
        months = amount * 3
    elif unit in ("個月", "月", "month"):
        months = amount
    else:
        days = amount * (7 if unit in ("週", "周", "星期", "week") else 1)
        if days <= 0:
            return PeriodHit(None)
        end = date.fromordinal(start.toordinal() + int(days) - 1)
        return PeriodHit(Period(start, end), relative=True)
    if months <= 0 or not float(months).is_integer():
        return PeriodHit(None)
    return PeriodHit(Period.months_from(start, int(months)), relative=True)


def _half(year: int, which: int) -> Period:
    if which == 1:
        return Period(date(year, 1, 1), date(year, 6, 30))
    return Period(date(year, 7, 1), date(year, 12, 31))


class _Resolver:
    """Turns matched words into dates, relative to the plan's ``start``."""

    def __init__(self, start: date) -> None:
        self.start = start
        self.y0 = start.year
        self.q0 = _quarter_of(start)

    def quarter_year(self, q: int, y: str | None) -> int:
        """The year of Q``q``: as written, else the next such quarter from the start."""
        return int(y) if y else (self.y0 if q >= self.q0 else self.y0 + 1)

    def quarter(self, m: re.Match[str], by: bool) -> PeriodHit:
        q = int(m.group("q"))
        period = Period.quarter(self.quarter_year(q, m.groupdict().get("y")), q)
        return deadline(self.start, period.end) if by else PeriodHit(period)

    def half(self, m: re.Match[str], by: bool = False) -> PeriodHit:
        which = int(m.group("h"))
        y = m.groupdict().get("y")
        # Without a year, the next such half: H1 of next year once the start is past June.
        next_year = which == 1 and self.start.month > 6
        year = int(y) if y else self.y0 + (1 if next_year else 0)
        period = _half(year, which)
        return deadline(self.start, period.end) if by else PeriodHit(period)

    def month_year(self, m: re.Match[str], by: bool) -> PeriodHit:
        month = MONTHS_EN[m.group("mon")]
        y = m.groupdict().get("y")
        year = int(y) if y else (self.y0 if month >= self.start.month else self.y0 + 1)
        return deadline(self.start, month_end(year, month)) if by else PeriodHit(Period.month(year, month))

    def zh_month(self, m: re.Match[str], by: bool) -> PeriodHit:
        month = int(m.group("m"))
        if not 1 <= month <= 12:
            return PeriodHit(None)
        y = m.groupdict().get("y")
        year = int(y) if y else (self.y0 if month >= self.start.month else self.y0 + 1)
        return deadline(self.start, month_end(year, month)) if by else PeriodHit(Period.month(year, month))

    def zh_months(self, m: re.Match[str]) -> PeriodHit:
        first, last = int(m.group("m")), int(m.group("m2"))
        if not 1 <= first <= last <= 12:
            return PeriodHit(None)
        year = self.y0 if first >= self.start.month else self.y0 + 1
        return PeriodHit(Period(date(year, first, 1), month_end(year, last)))

    def next_quarter(self) -> PeriodHit:
        q, y = (self.q0 % 4) + 1, self.y0 + (1 if self.q0 == 4 else 0)
        return PeriodHit(Period.quarter(y, q))

    def next_month(self) -> PeriodHit:
        nxt = add_months(self.start.replace(day=1), 1)
        return PeriodHit(Period.month(nxt.year, nxt.month))

    def year_end(self, year: int) -> PeriodHit:
        return deadline(self.start, date(year, 12, 31))


def _zh_rules(r: _Resolver) -> list[tuple[str, Any]]:
    start, y0 = r.start, r.y0
    zh_n = f"(?P<n>\\d+(?:\\.\\d+)?|{_ZH_NUM}|半)"
    y4 = r"(?P<y>20\d{2})"
    q_core, h_core = r"q(?P<q>[1-4])(?![0-9])", r"h(?P<h>[12])(?![0-9])"
    q, h = f"(?<![a-z0-9]){q_core}", f"(?<![a-z0-9]){h_core}"
    return [
        (f"(?:在|於)?{zh_n}(?:個)?(?P<u>年|個月|季|週|周|星期|天|日)(?:內|之內|以內)",
         lambda m: _relative(start, zh_to_number(m.group("n")), m.group("u"))),
        (f"(?:未來|接下來|之後的?){zh_n}(?:個)?(?P<u>年|個月|季|週|周|天)",
         lambda m: _relative(start, zh_to_number(m.group("n")), m.group("u"))),
        (f"{y4}年?(?:全年度?|整年|年度)", lambda m: PeriodHit(Period.year(int(m.group("y"))))),
        (f"{y4}年(?P<m>\\d{{1,2}})月{_END}?{_BEFORE}", lambda m: r.zh_month(m, by=True)),
        (f"{y4}年(?P<m>\\d{{1,2}})月(?:份)?", lambda m: r.zh_month(m, by=False)),
        # Compact quarters: 2025/Q3, 2025-Q3, 25Q3, 3Q25.
        (f"{y4}\\s*[/\\-]\\s*{q_core}", lambda m: r.quarter(m, by=False)),
        (r"(?<![\d.])(?P<yy>\d{2})q(?P<q>[1-4])(?![0-9])", lambda m: r.quarter(_Short(m), by=False)),
        (r"(?<![\d.a-z])(?P<q>[1-4])q(?P<yy>\d{2})(?![0-9])", lambda m: r.quarter(_Short(m), by=False)),
        (f"{y4}年?{q_core}{_END}?{_BEFORE}", lambda m: r.quarter(m, by=True)),
        (f"{y4}年?{q_core}", lambda m: r.quarter(m, by=False)),
        (f"{y4}年?{h_core}{_END}?{_BEFORE}", lambda m: r.half(m, by=True)),
        (f"{y4}年?{h_core}", lambda m: r.half(m)),
        (f"{y4}年(?:年)?{_END}{_BEFORE}?", lambda m: r.year_end(int(m.group("y")))),
        (f"{y4}年{_BEFORE}", lambda m: r.year_end(int(m.group("y")))),
        (f"{y4}年", lambda m: PeriodHit(Period.year(int(m.group("y"))))),
        (f"明年(?:年)?{_END}{_BEFORE}?", lambda m: r.year_end(y0 + 1)),
        (f"(?:今年)?(?:年底|年末){_BEFORE}?", lambda m: r.year_end(y0)),
        ("今年(?:全年|度)?", lambda m: PeriodHit(Period.year(y0))),
        ("明年(?:全年|度)?", lambda m: PeriodHit(Period.year(y0 + 1))),
        ("(?<![比較])去年(?:全年|度)?", lambda m: PeriodHit(Period.year(y0 - 1))),
        ("(?:下一?季|下個季度)", lambda m: r.next_quarter()),
        ("(?:本季|這一?季|當季)", lambda m: PeriodHit(Period.quarter(y0, r.q0))),
        ("(?:下個月|下月)", lambda m: r.next_month()),
        ("(?:本月|這個月|當月)", lambda m: PeriodHit(Period.month(y0, start.month))),
        (f"{q}{_END}?{_BEFORE}", lambda m: r.quarter(m, by=True)),
        (f"{h}{_END}?{_BEFORE}", lambda m: r.half(m, by=True)),
        (f"(?<!\\d)(?P<m>\\d{{1,2}})月{_END}?{_BEFORE}", lambda m: r.zh_month(m, by=True)),
        # 「7、8 月」: a run of months, the next such ones from the start.
        ("(?<![\\d.])(?P<m>\\d{1,2})[,\\-~至到](?P<m2>\\d{1,2})月(?:份)?", r.zh_months),
        ("(?<![\\d.])(?P<m>\\d{1,2})月(?:份)?", lambda m: r.zh_month(m, by=False)),
    ]


def _en_rules(r: _Resolver) -> list[tuple[str, Any]]:
    start, y0 = r.start, r.y0
    en_n = (r"(?P<n>\d+(?:\.\d+)?|half a|an?|one|two|three|four|five|six|seven|eight|nine|ten|"
            r"eleven|twelve|eighteen|twenty-four)")
    by = r"(?:by|before|until|till)\s+(?:the\s+)?(?:end\s+of\s+)?"
    q = r"q(?P<q>[1-4])(?![0-9])"
    y_after = r"(?:(?:\s+(?:of\s+)?|\s*')(?P<y>20\d{2}))?(?![0-9])"
    return [
        (f"(?:within|in|over|during)\\s+(?:the\\s+)?(?:next\\s+|coming\\s+)?{en_n}\\s+(?P<u>years?|months?|quarters?|weeks?|days?)",
         lambda m: _relative(start, _en_count(m.group("n")), m.group("u"))),
        (f"(?:the\\s+)?(?:next|coming)\\s+{en_n}\\s+(?P<u>years?|months?|quarters?|weeks?|days?)",
         lambda m: _relative(start, _en_count(m.group("n")), m.group("u"))),
        (r"(?:within|in|over)\s+(?:the\s+next\s+)?(?P<u>year|month|quarter)\b",
         lambda m: _relative(start, 1, m.group("u"))),
        (f"{by}(?<![a-z0-9]){q}{y_after}", lambda m: r.quarter(m, by=True)),
        (f"{by}(?<![a-z0-9])h(?P<h>[12]){y_after}", lambda m: r.half(m, by=True)),
        (f"{by}(?P<mon>{MONTH_RE})\\.?(?:\\s+|\\s*,\\s*)?(?P<y>20\\d{{2}})?\\b", lambda m: r.month_year(m, by=True)),
        (r"(?:by|before|until|till)\s+(?:the\s+)?(?:end\s+of\s+|year[- ]end\s+)(?:fy\s?)?(?P<y>20\d{2})",
         lambda m: r.year_end(int(m.group("y")))),
        (r"(?:by|before)\s+(?P<y>20\d{2})\s+year[- ]end", lambda m: r.year_end(int(m.group("y")))),
        (r"by\s+(?:the\s+)?(?:end\s+of\s+next\s+year|next\s+year'?s\s+end)", lambda m: r.year_end(y0 + 1)),
        (r"by\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+|this\s+)?year|year[- ]end|the\s+year'?s\s+end|eoy)",
         lambda m: r.year_end(y0)),
        (r"before\s+(?P<y>20\d{2})", lambda m: deadline(start, date(int(m.group("y")) - 1, 12, 31))),
        (r"by\s+(?P<y>20\d{2})\b", lambda m: r.year_end(int(m.group("y")))),
        (r"(?:in\s+|during\s+)?(?:the\s+)?(?:first\s+half(?:\s+of)?|h(?P<h>1))\s*(?:of\s+)?(?P<y>20\d{2})",
         lambda m: PeriodHit(_half(int(m.group("y")), 1))),
        (r"(?:in\s+|during\s+)?(?:the\s+)?(?:second\s+half(?:\s+of)?|h(?P<h>2))\s*(?:of\s+)?(?P<y>20\d{2})",
         lambda m: PeriodHit(_half(int(m.group("y")), 2))),
        (f"(?:in\\s+|during\\s+|for\\s+)?(?:the\\s+)?(?<![a-z0-9]){q}{y_after}", lambda m: r.quarter(m, by=False)),
        (f"{by}(?:the\\s+)?{_ORDINAL_Q}{y_after}", lambda m: r.quarter(_Ordinal(m), by=True)),
        (f"(?:in\\s+|during\\s+|for\\s+)?(?:the\\s+)?{_ORDINAL_Q}{y_after}", lambda m: r.quarter(_Ordinal(m), by=False)),
        (r"(?:in\s+|during\s+)?(?:the\s+)?(?:(?P<f>first)|second)\s+half(?:\s+of\s+the\s+year)?\b",
         lambda m: r.half(_HalfMatch(1 if m.group("f") else 2))),
        (r"(?:in\s+|during\s+)?(?<![a-z0-9])h(?P<h>[12])(?![0-9])", lambda m: r.half(m)),
        (f"(?:in\\s+|during\\s+|for\\s+)(?P<mon>{MONTH_RE})\\.?\\s+(?P<y>20\\d{{2}})", lambda m: r.month_year(m, by=False)),
        (f"(?:in\\s+|during\\s+|for\\s+)(?P<mon>{MONTH_RE})\\b(?!\\s*\\d)", lambda m: r.month_year(m, by=False)),
        (f"\\b(?P<mon>{MONTH_RE})\\.?\\s+(?P<y>20\\d{{2}})\\b", lambda m: r.month_year(m, by=False)),
        (r"\bfy\s?'?(?P<yy>\d{2})\b", lambda m: PeriodHit(Period.year(2000 + int(m.group("yy"))))),
        (r"(?:(?:in|for|during|over)\s+)?(?:the\s+)?(?:full[- ]year|fiscal\s+year|calendar\s+year|fy)\s*(?P<y>20\d{2})",
         lambda m: PeriodHit(Period.year(int(m.group("y"))))),
        (r"(?P<y>20\d{2})\s+(?:full[- ]year|as\s+a\s+whole)", lambda m: PeriodHit(Period.year(int(m.group("y"))))),
        (r"(?:in|for|during|over|throughout)\s+(?P<y>20\d{2})\b", lambda m: PeriodHit(Period.year(int(m.group("y"))))),
        (r"(?:this|the\s+current)\s+year|this\s+fiscal\s+year", lambda m: PeriodHit(Period.year(y0))),
        (r"next\s+year", lambda m: PeriodHit(Period.year(y0 + 1))),
        (r"last\s+year", lambda m: PeriodHit(Period.year(y0 - 1))),
        (r"next\s+quarter", lambda m: r.next_quarter()),
        (r"this\s+quarter", lambda m: PeriodHit(Period.quarter(y0, r.q0))),
        (r"next\s+month", lambda m: r.next_month()),
        (r"this\s+month", lambda m: PeriodHit(Period.month(y0, start.month))),
        # A bare year, not an amount: never before a unit, a measure word or a currency.
        (f"(?<![\\d,.$])(?P<y>20\\d{{2}})(?![\\d.%]|,\\d)(?!\\s*(?:[{MEASURE_WORDS}元塊萬千億倍]|成(?![長交本為功])|k\\b|m\\b))",
         lambda m: PeriodHit(Period.year(int(m.group("y"))))),
    ]


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_ORDINAL_Q = r"(?P<o>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter"


class _Ordinal:
    """"the third quarter (of 2026)" read as q3 (2026)."""

    def __init__(self, m: re.Match[str]) -> None:
        self.m = m

    def group(self, name: str) -> str:
        return str(_ORDINALS[self.m.group("o")]) if name == "q" else self.m.group(name)

    def groupdict(self) -> dict[str, str | None]:
        return {**self.m.groupdict(), "q": self.group("q")}


class _Short:
    """25Q3 / 3Q25: a two-digit year (20xx) read as a quarter's ``y``."""

    def __init__(self, m: re.Match[str]) -> None:
        self.m = m

    def group(self, name: str) -> str:
        return str(2000 + int(self.m.group("yy"))) if name == "y" else self.m.group(name)

    def groupdict(self) -> dict[str, str | None]:
        return {"q": self.m.group("q"), "y": self.group("y")}


class _HalfMatch:
    """A stand-in match for "the first half" / "the second half" without a year."""

    def __init__(self, which: int) -> None:
        self.which = which

    def group(self, name: str) -> str:
        return str(self.which)

    def groupdict(self) -> dict[str, str | None]:
        return {"h": str(self.which), "y": None}


@lru_cache(maxsize=16)
def period_rules(start: date) -> tuple[tuple[re.Pattern[str], Any], ...]:
    """(pattern, handler) pairs, most specific first; handlers return a :class:`PeriodHit`.

    Cached per start date: a workspace checks many sentences against the same start."""
    r = _Resolver(start)
    return (*day_rules(start), *((re.compile(p), f) for p, f in (*_zh_rules(r), *_en_rules(r))))


def _name_years(text: str, start: date) -> str:
    """今年 / 明年 / 去年 before a quarter, half or month become the year: 「明年 Q1」 = 2027 年 q1."""
    years = {"今年": start.year, "明年": start.year + 1, "去年": start.year - 1}
    return re.sub(r"(?<![比較])(今年|明年|去年)(?=q[1-4]|h[12]|\d{1,2}月)",
                  lambda m: f"{years[m.group(1)]}年", text)


def claim_period(claims: Claims, start: date) -> PeriodHit | None:
    """Find the sentence's period and claim its words (the first rule that matches wins)."""
    claims.text = _name_years(claims.text, start)
    for pattern, handler in period_rules(start):
        m = pattern.search(claims.text)
        if m:
            hit = handler(m)
            claims.claim(m.start(), m.end(), "period")
            return hit
    return None


def claim_periods(claims: Claims, start: date, limit: int = 3) -> list[PeriodHit]:
    """Every period the sentence names, each claimed so that none of its numbers is a target."""
    hits: list[PeriodHit] = []
    while len(hits) < limit:
        hit = claim_period(claims, start)
        if hit is None:
            break
        hits.append(hit)
    return hits


_CADENCE_RULES: tuple[tuple[str, str], ...] = (
    ("每個?月|每一個月|月增|/月|一個月|(?<![0-9])月均|平均每月", "month"),
    ("每個?(?:週|周|星期|禮拜)|週增|/週|/周|一週|一周", "week"),
    ("每天|每日|日增|/天|一天", "day"),
    ("每季|季增", "quarter"),
    ("每年|年增", "year"),
    (r"(?:\ba|\bper|\beach|\bevery|/)\s*(?:month|mo)\b|\bmonthly\b|month over month|\bmom\b", "month"),
    (r"(?:\ba|\bper|\beach|\bevery|/)\s*(?:week|wk)\b|\bweekly\b", "week"),
    (r"(?:\ba|\bper|\beach|\bevery|/)\s*day\b|\bdaily\b", "day"),
    (r"(?:\ba|\bper|\beach|\bevery|/)\s*quarter\b|\bquarterly\b", "quarter"),
    (r"(?:\ba|\bper|\beach|\bevery|/)\s*year\b|\byearly\b|\bannually\b|per annum", "year"),
)


def claim_cadence(claims: Claims) -> str | None:
    """How often a count repeats (每月, "a week"), claimed like a period."""
    for pattern, cadence in _CADENCE_RULES:
        m = re.search(pattern, claims.text)
        if m:
            claims.claim(m.start(), m.end(), "cadence")
            return cadence
    return None
