"""Cell values → numbers and dates, one whole column at a time.

Rules that must hold for every source (export-formats.md, checklist items 20–25):

* the decimal separator is decided once per FILE (:func:`decide_decimal`), never per cell;
* a date column gets ONE explicit format, chosen by majority over its distinct values
  (:func:`parse_dates`); cells in another format are rejected, never re-guessed;
* percent semantics are declared per column (:data:`PercentMode`), because ``2.27`` means
  2.27 % in Meta, ``0.0227`` means 2.27 % in GA4, and ``2.27%`` means it everywhere.

Parsing works on distinct values where it helps (200,000 daily rows hold ~365 distinct dates)
and on vectorised string operations otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

PercentMode = Literal["percent_string", "fraction", "percent_units"]
Granularity = Literal["day", "week", "month"]

# Checklist item 21. Compared after strip + lower case.
NULL_TOKENS = frozenset(
    {
        "", "-", "--", "—", "–", "n/a", "na", "#n/a", "(not set)", "not set", "(not provided)",
        "none", "null", "nan", "#div/0!", "#value!", "#ref!", "#num!", "#name?", "#null!",
        "no data", "無資料", "不適用", "ongoing", "進行中", "lifetime", "終身",
    }
)
# Censored figures: a value exists but is not given. Treated as missing, not as a number.
_CENSORED = re.compile(r"^[<>]\s*\d+(?:\.\d+)?\s*%?$|^\d+\+$")
_CURRENCY_PREFIX = re.compile(
    r"^(?:nt\$|us\$|ca\$|hk\$|a\$|au\$|s\$|r\$|\$|£|€|¥|￥|₩|₹|元|(?:twd|usd|eur|gbp|jpy|cny|hkd|aud|cad|sgd|rmb|ntd)\s*)",
    re.IGNORECASE,
)
_CURRENCY_SUFFIX = re.compile(
    r"(?:元|圓|塊|\s*(?:twd|usd|eur|gbp|jpy|cny|hkd|aud|cad|sgd|rmb|ntd))$", re.IGNORECASE
)
_SYMBOL_CURRENCY = {"nt$": "TWD", "us$": "USD", "ca$": "CAD", "hk$": "HKD", "a$": "AUD",
                    "au$": "AUD", "s$": "SGD", "£": "GBP", "€": "EUR", "元": "TWD", "ntd": "TWD",
                    "twd": "TWD", "usd": "USD", "eur": "EUR", "gbp": "GBP", "jpy": "JPY",
                    "hkd": "HKD", "aud": "AUD", "cad": "CAD", "sgd": "SGD", "cny": "CNY",
                    "rmb": "CNY", "₩": "KRW", "₹": "INR"}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


@dataclass
class NumberResult:
    """A parsed column. ``bad`` marks cells that held text that is not a number."""

    values: pd.Series  # float64, NaN for missing
    bad: pd.Series  # bool
    had_percent: bool = False
    currency: str | None = None


# --- decimal separator (per file) ----------------------------------------------------------

_US_EVIDENCE = re.compile(r"^-?\d{1,3}(?:,\d{3})+\.\d+$|^-?\d*\.\d{1,2}$|^-?\d+\.\d{4,}$")
_EU_EVIDENCE = re.compile(r"^-?\d{1,3}(?:\.\d{3})+,\d+$|^-?\d+,\d{1,2}$|^-?\d+,\d{4,}$|^-?\d{1,3}(?: \d{3})+,\d+$")


def decide_decimal(samples: pd.Series) -> str:
    """``"."`` or ``","``: the decimal mark of a whole file, by majority of telling values.

    ``1,234`` tells nothing (thousands or decimals); ``1,234.5``, ``12.34`` and ``0.5`` say
    point; ``1.234,5``, ``1,15`` and ``3,14159`` say comma. Ties and silence mean point.
    """
    text = samples.dropna().astype(str).str.strip().str.replace("%", "", regex=False)
    text = text.str.replace(_CURRENCY_PREFIX, "", regex=True)
    if text.empty:
        return "."
    text = text.drop_duplicates()
    if len(text) > 20_000:
        text = text.sample(20_000, random_state=0)
    us = int(text.str.match(_US_EVIDENCE).sum())
    eu = int(text.str.match(_EU_EVIDENCE).sum())
    return "," if eu > us else "."


# --- numbers ------------------------------------------------------------------------------


def parse_numbers(column: pd.Series, *, decimal: str = ".", percent: PercentMode | None = None) -> NumberResult:
    """Parse a column of raw cells (strings, or numbers from a workbook) into floats.

    Parameters
    ----------
    column
        Raw cells. Numbers pass through; strings are cleaned: injection guards (``'``,
        tab), currency symbols and codes, thousands separators, ``(123)`` negatives,
        ``%`` and the null tokens of checklist item 21.
    decimal
        The file's decimal mark from :func:`decide_decimal`.
    percent
        ``None`` for a plain number. For a rate column: a value written with ``%`` is always
        divided by 100; a bare number is divided by 100 too unless the mode is ``"fraction"``.

    Returns
    -------
    NumberResult
        ``values`` float64 with NaN for missing cells; ``bad`` True where a non-empty cell
        was not a number (the caller rejects those rows).
    """
    index = column.index
    scale = percent is not None and percent != "fraction"
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        return NumberResult(pd.Series(values / 100.0 if scale else values, index=index),
                            pd.Series(False, index=index))
    if column.dtype != object:  # a string column (CSV): every cell is text
        values, bad, had_percent, currency = _parse_text_numbers(
            column.astype("str"), decimal=decimal, percent=percent
        )
        return NumberResult(pd.Series(values, index=index), pd.Series(bad, index=index), had_percent, currency)
    # Workbook cells: numbers, strings ("" for empty-string cells), dates, None.
    floats = _all_floats(column)
    if floats is not None:
        return NumberResult(pd.Series(floats / 100.0 if scale else floats, index=index),
                            pd.Series(np.zeros(len(floats), dtype=bool), index=index))
    blank = (column.isna() | column.eq("")).to_numpy(dtype=bool)
    if decimal == ".":
        # A copy: under copy-on-write the array of a new Series is read-only, and text cells
        # are written into it below.
        values = np.array(pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    else:  # numeric-looking strings must still go through the comma-decimal rules
        is_number = column.map(_is_number).to_numpy(dtype=bool)
        values = np.where(is_number, pd.to_numeric(column.where(is_number, None), errors="coerce"), np.nan)
    if scale:
        values = values / 100.0
    rest = ~blank & np.isnan(values)
    bad = np.zeros(len(column), dtype=bool)
    had_percent, currency = False, None
    if rest.any():
        cells = column[rest]
        is_text = cells.map(_is_text).to_numpy(dtype=bool)
        bad[np.flatnonzero(rest)[~is_text]] = True
        if is_text.any():
            parsed, parsed_bad, had_percent, currency = _clean_numbers(
                cells[is_text].astype("str"), decimal=decimal, percent=percent
            )
            positions = np.flatnonzero(rest)[is_text]
            values[positions] = parsed
            bad[positions] = parsed_bad
    return NumberResult(pd.Series(values, index=index), pd.Series(bad, index=index), had_percent, currency)


_NUMBER_KINDS = frozenset({"floating", "integer", "mixed-integer-float"})


def _all_floats(column: pd.Series) -> np.ndarray | None:
    """The cells as float64 when every one is a float or an int (a workbook's number column,
    as calamine returns it), else None. One C type scan (``infer_dtype``) and one C
    conversion instead of ``pd.to_numeric`` over objects; ``bool``, ``None`` and ``Decimal``
    cells make it "boolean"/"mixed"/"decimal", so they take the general path on purpose."""
    cells = column.to_numpy()
    if not len(cells) or pd.api.types.infer_dtype(cells, skipna=False) not in _NUMBER_KINDS:
        return None
    return cells.astype(np.float64)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _parse_text_numbers(
    text: pd.Series, *, decimal: str, percent: PercentMode | None
) -> tuple[np.ndarray, np.ndarray, bool, str | None]:
    """Fast path first: plain numbers (nearly every cell of a tool export) convert in one
    vectorised call; only the cells that fail go through the cleaning pipeline."""
    numbers = np.full(len(text), np.nan)
    bad = np.zeros(len(text), dtype=bool)
    slow = np.ones(len(text), dtype=bool)
    if decimal == ".":
        fast = _fast_floats(text)
        done = ~np.isnan(fast)
        numbers[done] = fast[done] / 100.0 if percent not in (None, "fraction") else fast[done]
        slow = ~done & text.ne("").to_numpy(dtype=bool)
    if not slow.any():
        return numbers, bad, False, None
    part = text[slow] if not slow.all() else text
    parsed, parsed_bad, had_percent, currency = _clean_numbers(part, decimal=decimal, percent=percent)
    numbers[slow] = parsed
    bad[slow] = parsed_bad
    return numbers, bad, had_percent, currency


def _fast_floats(text: pd.Series) -> np.ndarray:
    """Plain decimal strings → floats; NaN where a cell needs cleaning (or is empty)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        try:
            arrow = pa.array(text.array, type=pa.string())  # zero-copy for arrow-backed str columns
        except (TypeError, ValueError, pa.ArrowException):
            arrow = pa.array(text.to_numpy(dtype=object), type=pa.string())
        # Empty cells become nulls (NaN), not a failed cast of the whole column.
        arrow = pc.if_else(pc.equal(arrow, ""), pa.scalar(None, pa.string()), arrow)
        return pc.cast(arrow, pa.float64()).to_numpy(zero_copy_only=False)
    except Exception:  # any cell that is not a plain number: let pandas sort them out
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _clean_numbers(
    text: pd.Series, *, decimal: str, percent: PercentMode | None
) -> tuple[np.ndarray, np.ndarray, bool, str | None]:
    s = text.str.strip()
    non_ascii = s.str.contains(r"[^\x00-\x7f]", regex=True, na=False)
    if non_ascii.any():
        s = s.copy()
        s[non_ascii] = s[non_ascii].map(lambda v: unicodedata.normalize("NFKC", v).strip())
    s = s.str.lstrip("'\t=").str.strip()
    lowered = s.str.lower()
    missing = lowered.isin(NULL_TOKENS) | lowered.str.match(_CENSORED)
    negative_paren = s.str.match(r"^\(.*\)$")
    s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    has_pct = s.str.endswith("%")
    s = s.str.rstrip("%").str.strip()
    currency = _currency_of(s)
    s = s.str.replace(_CURRENCY_PREFIX, "", regex=True).str.replace(_CURRENCY_SUFFIX, "", regex=True)
    s = s.str.replace(r"^-\s*(?:nt\$|us\$|\$|£|€|¥)", "-", regex=True, case=False)
    s = s.str.replace(_SPACES, "", regex=True)
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        s = s.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(s.where(~missing, None), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numbers = np.where(negative_paren.to_numpy(), -numbers, numbers)
    bad = np.isnan(numbers) & ~missing.to_numpy()
    if percent is not None:
        scale = has_pct.to_numpy() | (percent != "fraction")
        numbers = np.where(scale, numbers / 100.0, numbers)
    return numbers, bad, bool(has_pct.any()), currency


def _currency_of(s: pd.Series) -> str | None:
    head = s.head(200).str.extract(_CURRENCY_PREFIX.pattern.replace("^", "^(", 1) + ")", flags=re.IGNORECASE)
    found = head.iloc[:, 0].dropna().str.strip().str.lower()
    if found.empty:
        tail = s.head(200).str.extract(r"(元)$").iloc[:, 0].dropna()
        return "TWD" if not tail.empty else None
    return _SYMBOL_CURRENCY.get(found.mode().iloc[0])


# --- dates --------------------------------------------------------------------------------

_MONTHS = {
    m.lower(): i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for m in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = r"(?:,?[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:am|pm|a\.m\.|p\.m\.|上午|下午)?\s*(?:z|[+-]\d{2}:?\d{2}|utc|gmt)?)?"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?\s+)?"

YMD = tuple[int, int, int]


@dataclass(frozen=True)
class DateFormat:
    """One explicit date format: a regex and how its groups become (year, month, day)."""

    key: str
    pattern: re.Pattern[str]
    build: Callable[[re.Match[str]], YMD]
    granularity: Granularity = "day"


def _ymd(m: re.Match[str]) -> YMD:
    return int(m["y"]), int(m["m"]), int(m["d"])


def _roc(m: re.Match[str]) -> YMD:
    return int(m["y"]) + 1911, int(m["m"]), int(m["d"])


def _mdy(m: re.Match[str]) -> YMD:
    return _year(m["y"]), int(m["a"]), int(m["b"])


def _dmy(m: re.Match[str]) -> YMD:
    return _year(m["y"]), int(m["b"]), int(m["a"])


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _named_mdy(m: re.Match[str]) -> YMD:
    return _year(m["y"]), _MONTHS[m["mon"].lower()], int(m["d"])


def _month_only(m: re.Match[str]) -> YMD:
    return int(m["y"]), int(m["m"]), 1


def _roc_month(m: re.Match[str]) -> YMD:
    return int(m["y"]) + 1911, int(m["m"]), 1


def _named_month(m: re.Match[str]) -> YMD:
    return _year(m["y"]), _MONTHS[m["mon"].lower()], 1


def _compile(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("yyyymmdd", _compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})$"), _ymd),
    DateFormat("iso", _compile(rf"^(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_TIME}$"), _ymd),
    DateFormat("ymd_slash", _compile(rf"^(?P<y>\d{{4}})[/.](?P<m>\d{{1,2}})[/.](?P<d>\d{{1,2}}){_TIME}$"), _ymd),
    DateFormat("roc", _compile(r"^(?:民國)?(?P<y>\d{2,3})[/.\-](?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})$"), _roc),
    DateFormat("roc_compact", _compile(r"^(?P<y>1\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)$"), _roc),
    DateFormat("cjk", _compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?$"), _ymd),
    DateFormat("roc_cjk", _compile(r"^(?:民國)?\s*(?P<y>\d{2,3})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?$"), _roc),
    DateFormat("mdy", _compile(rf"^(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/(?P<y>\d{{4}}|\d{{2}}){_TIME}$"), _mdy),
    DateFormat("dmy", _compile(rf"^(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})[/.](?P<y>\d{{4}}){_TIME}$"), _dmy),
    DateFormat("mon_d_y", _compile(rf"^{_WEEKDAY}(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){_TIME}$"), _named_mdy),
    DateFormat("d_mon_y", _compile(rf"^{_WEEKDAY}(?P<d>\d{{1,2}})\s+(?P<mon>{_MONTH_RE})\.?,?\s+(?P<y>\d{{4}}){_TIME}$"), _named_mdy),
    DateFormat("year_month", _compile(r"^(?P<y>(?:19|20)\d{2})[-/.](?P<m>\d{1,2})$"), _month_only, "month"),
    DateFormat("cjk_month", _compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月份?$"), _month_only, "month"),
    DateFormat("roc_month", _compile(r"^(?:民國)?(?P<y>1\d{2})[/\-](?P<m>\d{1,2})$"), _roc_month, "month"),
    DateFormat("roc_cjk_month", _compile(r"^(?:民國)?\s*(?P<y>\d{2,3})\s*年\s*(?P<m>\d{1,2})\s*月份?$"), _roc_month, "month"),
    # "Jan 2024", "January 2024", "Jan-24", "Jan '24" (Excel's mmm-yy), "2024 Jan".
    DateFormat("mon_y", _compile(rf"^(?P<mon>{_MONTH_RE})\.?(?:\s*[-/,']\s*|\s+)(?P<y>\d{{4}}|\d{{2}})$"), _named_month, "month"),
    DateFormat("y_mon", _compile(rf"^(?P<y>\d{{4}})(?:\s*[-/]\s*|\s+)(?P<mon>{_MONTH_RE})\.?$"), _named_month, "month"),
)
# A month without its year (「1月」, 「一月份」, "Jan"): read only under a title or sheet name that
# states the year (see ``core.importing.periods.year_context``).
_CJK_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
                 "十一": 11, "十二": 12}
_BARE_MONTH = re.compile(
    rf"^(?:(?P<m>\d{{1,2}})|(?P<cn>十[一二]?|[一二三四五六七八九])|(?P<mon>{_MONTH_RE}))\.?\s*(?:月份?)?$",
    re.IGNORECASE,
)
_FORMATS_BY_KEY = {f.key: f for f in DATE_FORMATS}
# A cell holding a range "2025-10-01 - 2025-10-09" or "1 Jan 2025 ~ 31 Jan 2025": keep the start.
_RANGE = re.compile(r"^(.+?)\s+(?:-|–|—|~|to|至|到)\s+(.+)$", re.IGNORECASE)
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class DateResult:
    """A parsed date column: day timestamps (NaT where missing or rejected)."""

    dates: pd.Series  # datetime64[ns]
    bad: pd.Series  # bool: not a date at all
    mixed: pd.Series  # bool: a date, but in another format than the column's
    missing: pd.Series  # bool: empty / null token
    format: str | None
    granularity: Granularity
    assumed_order: bool = False  # day/month order could not be told apart; month first assumed


def bare_month(text: str) -> int | None:
    """The month number of a label without a year (「1月」, 「十二月份」, "Jan"), else None.

    A bare number needs 月 after it: "3" alone is not a month.
    """
    match = _BARE_MONTH.match(unicodedata.normalize("NFKC", text).strip().lower())
    if not match:
        return None
    if match["m"]:
        if "月" not in text:
            return None
        month = int(match["m"])
    elif match["cn"]:
        if "月" not in text:
            return None
        month = _CJK_NUMERALS[match["cn"]]
    else:
        month = _MONTHS[match["mon"].lower()]
    return month if 1 <= month <= 12 else None


def _with_year(text: str, year: int | None) -> str:
    """``text`` as ``YYYY-MM`` when it is a bare month and the sheet states the year."""
    if year is None:
        return text
    month = bare_month(text)
    return f"{year}-{month:02d}" if month else text


def clean_date_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().lower()
    text = re.sub(r"\s+", " ", text)
    match = _RANGE.match(text)
    if match and _looks_like_date(match.group(1)):
        text = match.group(1).strip()
    return text


def _looks_like_date(text: str) -> bool:
    return any(f.pattern.match(text.strip()) for f in DATE_FORMATS)


def _valid(ymd: YMD) -> bool:
    y, m, d = ymd
    if not (1900 <= y <= 2200):
        return False
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def _matches(fmt: DateFormat, text: str) -> YMD | None:
    match = fmt.pattern.match(text)
    if not match:
        return None
    ymd = fmt.build(match)
    return ymd if _valid(ymd) else None


def _choose_format(texts: list[str], prefer: str | None) -> tuple[DateFormat | None, bool]:
    """The format that parses most distinct values; mdy vs dmy settled by impossible days."""
    counts = {f.key: sum(1 for t in texts if _matches(f, t)) for f in DATE_FORMATS}
    assumed = False
    if counts["mdy"] and counts["dmy"] and counts["mdy"] == counts["dmy"]:
        # Every value reads both ways (no day above 12): the source's hint decides, else US.
        if prefer == "dmy":
            counts["mdy"] -= 1
        else:
            counts["dmy"] -= 1
        assumed = prefer not in ("mdy", "dmy")
    if prefer in counts and counts[prefer] == max(counts.values()) and counts[prefer]:
        return _FORMATS_BY_KEY[prefer], assumed
    key = max(counts, key=lambda k: counts[k])
    return (_FORMATS_BY_KEY[key], assumed) if counts[key] else (None, False)


def parse_dates(column: pd.Series, *, prefer: str | None = None, serials: bool = True,
                distinct: tuple[np.ndarray, np.ndarray] | None = None, year: int | None = None) -> DateResult:
    """Parse a date column with one format chosen by majority over its distinct values.

    Parameters
    ----------
    column
        Raw cells: strings, ``datetime``/``date`` objects (xlsx date cells), or numbers
        (Excel serial days, ``20240131``) when ``serials`` is true.
    prefer
        A :data:`DATE_FORMATS` key the source is known to use, to settle ``01/02/2024``.
    distinct
        ``pd.factorize(column, use_na_sentinel=True)`` when the caller already has it
        (``RawTable.distinct``): hashing 200,000 date cells is most of this function's cost.
    year
        The year the sheet's title or name states: month labels without one (「1月」) read in it.

    Returns
    -------
    DateResult
        Dates as day timestamps (time of day and UTC offsets dropped: the day is the one
        printed in the file, i.e. the account's time zone).
    """
    # Work on distinct values only: 200,000 daily rows hold a few hundred dates.
    codes, uniques = distinct if distinct is not None else pd.factorize(column, use_na_sentinel=True)
    cells = pd.Series(np.append(np.asarray(uniques, dtype=object), [None]), dtype=object)
    result = _parse_distinct_dates(cells, prefer=prefer, serials=serials, year=year)
    take = np.where(codes < 0, len(cells) - 1, codes)
    index = column.index
    return DateResult(
        dates=pd.Series(result.dates.to_numpy()[take], index=index, dtype="datetime64[ns]"),
        bad=pd.Series(result.bad.to_numpy()[take], index=index),
        mixed=pd.Series(result.mixed.to_numpy()[take], index=index),
        missing=pd.Series(result.missing.to_numpy()[take], index=index),
        format=result.format,
        granularity=result.granularity,
        assumed_order=result.assumed_order,
    )


def _parse_distinct_dates(column: pd.Series, *, prefer: str | None, serials: bool,
                          year: int | None = None) -> DateResult:
    index = column.index
    out = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    bad = pd.Series(False, index=index)
    mixed = pd.Series(False, index=index)
    kinds = column.map(_cell_kind)
    missing = pd.Series(False, index=index)

    is_dt = kinds.eq("dt")
    if is_dt.any():
        out[is_dt] = pd.to_datetime(column[is_dt].map(_as_datetime)).dt.normalize().astype("datetime64[ns]")
    is_num = kinds.eq("num")
    if is_num.any():
        nums = pd.to_numeric(column[is_num], errors="coerce")
        compact = nums.between(19000101, 22001231) & (nums % 1 == 0)
        serial_ok = nums.between(1, 80000) if serials else pd.Series(False, index=nums.index)
        as_compact = pd.to_datetime(nums[compact].astype("int64").astype(str), format="%Y%m%d", errors="coerce")
        out[as_compact.index] = as_compact.astype("datetime64[ns]")
        serial_idx = nums.index[serial_ok & ~compact]
        out[serial_idx] = (EXCEL_EPOCH + pd.to_timedelta(np.floor(nums[serial_idx].to_numpy()), unit="D")).astype("datetime64[ns]")
        bad[nums.index[~compact & ~serial_ok]] = True
    is_missing = kinds.eq("none")
    missing[is_missing] = True

    is_text = kinds.eq("str")
    fmt_key: str | None = None
    granularity: Granularity = "day"
    assumed = False
    if is_text.any():
        texts = column[is_text].astype(str)
        lowered = texts.str.strip().str.lower()
        null = lowered.isin(NULL_TOKENS)
        missing[null[null].index] = True
        texts = texts[~null]
        uniques = pd.unique(texts.to_numpy())
        cleaned = {u: _with_year(clean_date_text(u), year) for u in uniques}
        fmt, assumed = _choose_format(list(set(cleaned.values())), prefer)
        if fmt is not None:
            fmt_key, granularity = fmt.key, fmt.granularity
        parsed: dict[str, pd.Timestamp] = {}
        other: set[str] = set()
        for raw, text in cleaned.items():
            ymd = _matches(fmt, text) if fmt else None
            if ymd:
                parsed[raw] = pd.Timestamp(*ymd)
            elif any(_matches(f, text) for f in DATE_FORMATS if f is not fmt):
                other.add(raw)
        mapped = texts.map(parsed)
        ok = mapped.notna()
        out[mapped.index[ok]] = mapped[ok].astype("datetime64[ns]")
        in_other = texts.isin(other)
        mixed[in_other[in_other].index] = True
        bad[texts.index[~ok & ~in_other.to_numpy()]] = True
    return DateResult(out, bad, mixed, missing, fmt_key, granularity, assumed)


def _cell_kind(value: object) -> str:
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return "none"
    if isinstance(value, str):
        return "none" if not value.strip() else "str"
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp | np.datetime64):
        return "dt"
    if isinstance(value, int | float | np.integer | np.floating):
        return "num"
    return "str"


def _as_datetime(value: object) -> pd.Timestamp:
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value.replace(tzinfo=None))
    return pd.Timestamp(value)


def index_dates(column: pd.Series, start: dt.date, unit: Granularity) -> pd.Series:
    """GA4 ``Nth day`` / ``Nth week`` / ``Nth month`` axes: ``0000`` is the start date."""
    n = pd.to_numeric(column.astype(str).str.strip(), errors="coerce")
    base = pd.Timestamp(start)
    if unit == "day":
        return base + pd.to_timedelta(n, unit="D")
    if unit == "week":
        return base + pd.to_timedelta(n * 7, unit="D")
    return n.map(lambda k: base + pd.DateOffset(months=int(k)) if pd.notna(k) else pd.NaT)


def compact_date(text: str) -> dt.date | None:
    """``20240131`` (GA4 preamble) → date, else None."""
    match = re.fullmatch(r"\s*(\d{4})(\d{2})(\d{2})\s*", text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_one_date(text: str) -> dt.date | None:
    """One free-standing date (a preamble or filter line), in any known format."""
    cleaned = clean_date_text(text)
    for fmt in DATE_FORMATS:
        ymd = _matches(fmt, cleaned)
        if ymd:
            return dt.date(*ymd)
    return None
