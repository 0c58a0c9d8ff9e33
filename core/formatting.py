"""Number, month and change formatting for the workspace's currency and language (SPEC §2).

Values arrive in the catalog's storage convention: percent metrics as fractions (0.032 is
3.2%), ratios as plain numbers (5.0 is ROAS 5.0×), ranks as positions. Nothing here looks up
translations: the few words involved (萬, 億, month names) are part of the number's notation.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CURRENCY_SYMBOLS: dict[str, str] = {
    "TWD": "NT$",
    "USD": "US$",
    "HKD": "HK$",
    "JPY": "¥",
    "EUR": "€",
    "GBP": "£",
    "CNY": "¥",
}
# Currencies whose minor unit is not used in practice.
_NO_DECIMALS = {"JPY"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MISSING = "—"


def currency_symbol(currency: str) -> str:
    """``NT$`` for TWD, ``US$`` for USD...; an unknown code is written as ``CODE `` (with a space)."""
    code = (currency or "").upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} " if code else "")


def _is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _trim(text: str) -> str:
    """``4.0`` → ``4``, ``4.10`` → ``4.1``; integers untouched."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _short_number(value: float, lang: str, extra: int = 0) -> str:
    """Shorten a big magnitude: 4,100,000 → ``4.1M`` (en) or ``410 萬`` (zh-TW).

    Below 1,000 (en) or 10,000 (zh-TW) the full number is kept. One decimal below 100 units
    of the step, none above (``12.3M``, ``123M``; ``41.5 萬``, ``1,234 萬``); ``extra`` more
    where two figures that differ would otherwise print the same (:func:`format_distinct`).
    """
    size = abs(value)
    steps = ((1e8, " 億"), (1e4, " 萬")) if _is_zh(lang) else ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    for i, (step, suffix) in enumerate(steps):
        if size >= step:
            scaled = value / step
            places = (0 if abs(scaled) >= 100 else 1) + extra
            text = _trim(f"{scaled:,.{places}f}")
            # 999,999 would round to "1,000K": say "1M" instead (not for 萬, where 1,000 萬 is usual).
            if i > 0 and not _is_zh(lang) and abs(round(scaled)) >= 1000:
                return _short_number(math.copysign(steps[i - 1][0], value), lang, extra)
            return text + suffix
    # Tight space: from 100 up a decimal adds noise (NT$1,385, not NT$1,385.3).
    if float(value).is_integer() or (size >= 100 and not extra):
        return f"{value:,.0f}"
    return _trim(f"{value:,.{(0 if size >= 100 else 1) + extra}f}")


def _plain_number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _format_currency(value: float, lang: str, currency: str, short: bool, extra: int = 0) -> str:
    sign = "-" if value < 0 else ""
    size = abs(value)
    symbol = currency_symbol(currency)
    if short:
        return f"{sign}{symbol}{_short_number(size, lang, extra)}"
    if extra and currency.upper() not in _NO_DECIMALS:
        return f"{sign}{symbol}{_plain_number(size, min(extra, 2))}"
    # Whole amounts and anything from 1,000 up read best without cents; CPA NT$9.50 keeps them.
    no_cents = currency.upper() in _NO_DECIMALS or size >= 1000 or float(size).is_integer()
    return f"{sign}{symbol}{_plain_number(size, 0 if no_cents else 2)}"


def _format_percent(value: float, decimals: int | None) -> str:
    pct = value * 100
    if decimals is None:
        decimals = 1 if abs(pct) >= 1 or pct == 0 else 2
    return f"{pct:,.{decimals}f}%"


def format_value(
    value: float | None,
    unit: str,
    lang: str,
    currency: str = "TWD",
    short: bool = False,
    decimals: int | None = None,
    extra: int = 0,
) -> str:
    """Format one metric value for people.

    Parameters
    ----------
    value : float or None
        In the catalog's storage unit (percent as a fraction). ``None``/NaN gives ``—``.
    unit : {"count", "currency", "percent", "ratio", "rank"}
    lang : {"zh-TW", "en"}
    currency : str
        ISO code of the workspace's currency.
    short : bool
        Shorten big numbers where space is tight: ``NT$4.1M`` / ``NT$410 萬``.
    decimals : int, optional
        Percent and ratio only: fixed decimals (an A/B test shows 6.25%, not 6.2%). By
        default 1, or 2 below 1% / 1×.
    extra : int
        More digits than usual, so that figures which differ print differently
        (:func:`format_distinct` chooses it).

    Examples
    --------
    >>> format_value(1234567, "currency", "en")
    'NT$1,234,567'
    >>> format_value(0.032, "percent", "en")
    '3.2%'
    >>> format_value(4_100_000, "currency", "zh-TW", short=True)
    'NT$410 萬'
    """
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if unit == "currency":
        return _format_currency(number, lang, currency, short, extra)
    if unit == "percent":
        return _format_percent(number, None if decimals is None and not extra else (decimals or 1) + extra)
    if unit == "ratio":
        if decimals is None:
            decimals = 2 if abs(number) < 1 else 1
        return f"{number:,.{decimals + extra}f}×"
    if unit == "rank":
        return f"#{number:.0f}" if number.is_integer() else f"#{number:.1f}"
    if short:
        return _short_number(number, lang, extra)
    if extra and not number.is_integer():
        return f"{number:,.{extra}f}"
    # Counts are whole things: a forecast of 528,674.9 sessions reads as 528,675.
    return f"{number:,.0f}" if number.is_integer() or abs(number) >= 100 else f"{number:,.1f}"


def format_distinct(
    values: list[float | None], unit: str, lang: str, currency: str = "TWD", *, short: bool = False,
) -> list[str]:
    """:func:`format_value` for figures shown together, with as many more digits as it takes
    for two figures that differ not to print the same (``NT$1.38K`` against ``NT$1.4K``, not
    ``NT$1.4K`` against ``NT$1.4K``). At most three more digits."""
    texts: list[str] = []
    for extra in range(4):
        texts = [format_value(v, unit, lang, currency, short=short, extra=extra) for v in values]
        if not _collide(values, texts):
            return texts
    return texts


def _collide(values: list[float | None], texts: list[str]) -> bool:
    seen: dict[str, float] = {}
    for value, text in zip(values, texts, strict=True):
        if _missing(value):
            continue
        other = seen.setdefault(text, float(value))  # type: ignore[arg-type]
        if not math.isclose(other, float(value), rel_tol=1e-9, abs_tol=1e-12):  # type: ignore[arg-type]
            return True
    return False


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def axis_ticks(
    values: list[float | None], unit: str, lang: str, currency: str = "TWD", *, count: int = 5,
    include_zero: bool = True,
) -> tuple[list[float], list[str]]:
    """A chart axis's ``tickvals`` and ``ticktext`` in the language's number style: 萬/億 in
    zh-TW, K/M in English, percent as percent; neighbouring ticks never print the same.

    Plotly's own ticks are English (``20M``, ``2k``) whatever the page's language, so every
    chart takes its value axis from here.
    """
    present = [float(v) for v in values if not _missing(v)]  # type: ignore[arg-type]
    if not present:
        return [], []
    lo, hi = min(present), max(present)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    step = nice_step(hi - lo, count)
    first = math.floor(lo / step) * step
    ticks = [first + i * step for i in range(int(math.ceil((hi - first) / step - 1e-9)) + 1)]
    ticks = [round(v, 12) for v in ticks]
    return ticks, format_distinct(ticks, unit, lang, currency, short=True)


def format_count(value: int | float | None) -> str:
    """A count with thousands separators: ``17326`` → ``17,326`` (both languages)."""
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


DEFAULT_TIME_ZONE = "Asia/Taipei"


def format_local_time(moment: datetime | None, time_zone: str = DEFAULT_TIME_ZONE) -> str:
    """A stored moment (UTC; naive means UTC) as the workspace's wall clock, ``2026-11-30 20:45``.

    Times are stored in UTC; people read them in their own time zone (Taiwan by default).
    """
    if moment is None:
        return MISSING
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M")


def _to_year_month(period: str | date | datetime) -> tuple[int, int]:
    if isinstance(period, (date, datetime)):
        return period.year, period.month
    text = str(period)
    try:
        year, month = int(text[:4]), int(text[5:7])
    except ValueError as exc:
        raise ValueError(f"not a month: {period!r}") from exc
    if not 1 <= month <= 12:
        raise ValueError(f"not a month: {period!r}")
    return year, month


def format_month(period: str | date | datetime, lang: str) -> str:
    """``"2024-03"`` (or any date in March 2024) → ``2024 年 3 月`` / ``Mar 2024``."""
    year, month = _to_year_month(period)
    if _is_zh(lang):
        return f"{year} 年 {month} 月"
    return f"{_MONTHS_EN[month - 1]} {year}"


def format_month_tick(period: str | date | datetime, lang: str, *, with_year: bool) -> str:
    """A chart's month tick: short (``3 月`` / ``Mar``), with its year where asked (the first
    tick and every January: ``2026 年 1 月`` / ``Jan 2026``).

    One line: on a phone the chart turns its ticks upright, and a two-line tick turned upright
    becomes two columns that run into the next month's.
    """
    year, month = _to_year_month(period)
    if _is_zh(lang):
        return f"{year} 年 {month} 月" if with_year else f"{month} 月"
    name = _MONTHS_EN[month - 1]
    return f"{name} {year}" if with_year else name


def month_ticks(periods: list[str], lang: str) -> list[str]:
    """:func:`format_month_tick` for a run of ``"YYYY-MM"`` periods."""
    return [format_month_tick(p, lang, with_year=i == 0 or p.endswith("-01")) for i, p in enumerate(periods)]


def format_day(day: date | datetime, lang: str) -> str:
    """A calendar day for people: ``2026 年 11 月 25 日`` / ``25 Nov 2026``."""
    if _is_zh(lang):
        return f"{day.year} 年 {day.month} 月 {day.day} 日"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_pct_change(x: float | None, lang: str, decimals: int = 1) -> str:
    """A relative change given in percent: ``26.5`` → ``+26.5%``, ``-16.67`` → ``-16.7%``.

    Trailing zeros are dropped (``+50%``); the sign is always shown, except for zero.
    ``lang`` is accepted for symmetry with the other formatters: both languages write
    changes the same way.
    """
    del lang
    if _missing(x):
        return MISSING
    text = _trim(f"{abs(float(x)):,.{decimals}f}")  # type: ignore[arg-type]
    if text == "0":
        return "0%"
    return f"{'+' if x > 0 else '-'}{text}%"  # type: ignore[operator]


def format_pct(fraction: float | None, decimals: int = 0) -> str:
    """A share or achievement (a fraction) as a percent without sign: ``0.41`` → ``41%``."""
    if _missing(fraction):
        return MISSING
    return f"{float(fraction) * 100:,.{decimals}f}%"  # type: ignore[arg-type]
