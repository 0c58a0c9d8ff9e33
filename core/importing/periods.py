"""What one row of a file stands for: a day, a week or a month (issue 8, rule 2).

A hand-kept sheet of month totals dated 2024-01-01 … 2024-06-01 is six months, not six days.
:func:`settle_granularity` decides once per file, from the evidence in this order:

1. the user's choice (``day``/``week``/``month``), which always wins;
2. labels and headers: ``Jan 2024``/``2024年1月``/``113年1月``/``2024-01`` or a ``Month`` column
   read as months, a ``Week`` column as weeks (the reader has already marked those rows);
3. the dates themselves: all the 1st of a month, or all the last day of a month → months
   (each row dated the 1st of its month); dates 7 days apart → weeks; otherwise days.

Too few dates to tell (one date, or two) is said in a note, with the safer reading chosen:
never silent. The result is in ``ParsedFile.meta``: ``granularity``, ``granularity_basis``
(an i18n key saying why) and ``granularity_note`` (an i18n key when the reading is a guess).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import KgiError

if TYPE_CHECKING:
    from core.importing.parsed import ParsedFile
    from core.importing.tables import RawTable

GRANULARITY_CHOICES = ("auto", "day", "week", "month")
TOOL_SOURCES_TRUST_DAYS = frozenset({"sheet", "kgi_template"})  # where two dates may mean months

# A year written in a title or sheet name: 「2024 年營運日報」, "Sales 2024", 「113年度」.
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_ROC_YEAR = re.compile(r"(?<!\d)(?:民國\s*)?(1[01]\d)\s*年")


# The message saying why rows were read as they were, per granularity the labels gave
# (spelled out, so every key the code can use is visible to the message-key test).
_LABEL_BASIS = {
    "month": "import.granularity.basis.labels_month",
    "week": "import.granularity.basis.labels_week",
    "day": "import.granularity.basis.labels_day",
}


def year_context(table: RawTable) -> int | None:
    """The year a sheet's title or name states, for month labels written without one (「1月」).

    Only a single, unambiguous year counts: a title naming two years gives None.
    """
    texts = [str(table.meta.get(k, "")) for k in ("report", "segment")] + [table.sheet or ""]
    years: set[int] = set()
    for text in texts:
        years |= {int(y) for y in _YEAR.findall(text)}
        years |= {int(y) + 1911 for y in _ROC_YEAR.findall(text)}
    return years.pop() if len(years) == 1 else None


def settle_granularity(parsed: ParsedFile, requested: str = "auto") -> ParsedFile:
    """Decide (or apply the user's) granularity for the whole file; see the module docstring."""
    obs = parsed.observations
    meta = parsed.meta
    if obs.empty:
        meta.setdefault("granularity", requested if requested != "auto" else "day")
        return parsed
    if requested != "auto":
        parsed.observations = _apply_choice(parsed, requested)
        meta["granularity"] = requested
        meta["granularity_basis"] = "import.granularity.basis.chosen"
        meta.pop("granularity_note", None)
        _set_period(parsed)
        return parsed
    given = obs["granularity"].astype(str)
    kinds = set(given.unique())
    if kinds != {"day"}:
        meta["granularity"] = given.mode().iloc[0] if len(kinds) > 1 else kinds.pop()
        meta["granularity_basis"] = _LABEL_BASIS.get(meta["granularity"], "import.granularity.basis.labels_day")
        _set_period(parsed)
        return parsed
    reading, basis, note = infer(pd.DatetimeIndex(obs["date"].unique()), parsed.source)
    if reading == "month":
        parsed.observations = obs.assign(date=_month_start(obs["date"]), granularity="month")
    elif reading == "week":
        parsed.observations = obs.assign(granularity="week")
    meta["granularity"] = reading
    meta["granularity_basis"] = basis
    if note:
        from core.importing.parsed import Message

        meta["granularity_note"] = note
        parsed.warnings.append(Message(note))  # the CLI and the import result say it too
    _set_period(parsed)
    return parsed


def infer(dates: pd.DatetimeIndex, source: str) -> tuple[str, str, str | None]:
    """(granularity, basis key, note key or None) from a file's distinct row dates."""
    days = dates.dropna().sort_values().unique()
    n = len(days)
    if n == 0:
        return "day", "import.granularity.basis.dates_daily", None
    starts = bool(days.is_month_start.all())
    ends = bool(days.is_month_end.all())
    one_per_month = days.to_period("M").nunique() == n
    sheet = source in TOOL_SOURCES_TRUST_DAYS
    if n == 1:
        note = "import.granularity.note.single_month_day" if (starts or ends) else None
        return "day", "import.granularity.basis.dates_daily", note
    if (starts or ends) and one_per_month:
        basis = "import.granularity.basis.month_starts" if starts else "import.granularity.basis.month_ends"
        if n >= 3:
            return "month", basis, None
        if sheet or ends:
            return "month", basis, "import.granularity.note.two_months"
        return "day", "import.granularity.basis.dates_daily", "import.granularity.note.two_month_starts_days"
    gaps = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)
    if len(gaps) and (gaps % 7 == 0).all() and gaps.min() == 7 and (gaps == 7).mean() >= 0.5:
        note = "import.granularity.note.two_weeks" if n == 2 else None
        return "week", "import.granularity.basis.week_steps", note
    return "day", "import.granularity.basis.dates_daily", None


def _month_start(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("M").dt.to_timestamp().astype("datetime64[ns]")


def _apply_choice(parsed: ParsedFile, chosen: str) -> pd.DataFrame:
    """The observations read as the user chose; a choice the rows cannot bear is refused."""
    obs = parsed.observations
    if chosen == "day":
        return obs.assign(granularity="day")
    keys = ["metric", "dimension", "source"]
    if chosen == "month":
        moved = obs.assign(date=_month_start(obs["date"]), granularity="month")
        clash = moved.duplicated([*keys, "date"], keep=False)
        if clash.any():
            first = moved[clash].sort_values("date").iloc[0]
            raise KgiError("import.granularity.month_clash", file=parsed.file_name,
                           month=first["date"].strftime("%Y-%m"))
        return moved
    ordered = obs.sort_values([*keys, "date"])
    gaps = ordered.groupby(keys, sort=False, observed=True)["date"].diff().dt.days
    if (gaps < 7).any():
        first = ordered[(gaps < 7).to_numpy()].iloc[0]
        raise KgiError("import.granularity.week_clash", file=parsed.file_name,
                       date=first["date"].strftime("%Y-%m-%d"))
    return obs.assign(granularity="week")


def _set_period(parsed: ParsedFile) -> None:
    """First and last period the rows cover (for "Jan 2024 – Jun 2024" in the preview)."""
    obs = parsed.observations
    if obs.empty:
        return
    parsed.meta["period_first"] = obs["date"].min().date().isoformat()
    parsed.meta["period_last"] = obs["date"].max().date().isoformat()
