"""Two breakdowns of one total, stored apart: sessions by channel and sessions by device.

A source's rows for one (metric, date, granularity) are either one total (empty dimension),
or the parts of that total (a campaign, a channel...). Parts from two imports of the same
source add up when they break the total down by the same column (a file of January's active
campaigns and one of its paused ones); when they break it down by *different* columns — GA4's
sessions by channel, then the same days by device — each file alone already sums to the whole
total, and adding them would count every session twice.

Such an import keeps both breakdowns (a KPI filtered to "Organic Search" still finds its
rows) and writes, for the days both cover, the total its own rows sum to, as a row of the same
import. Every reader then counts the total once (core.measurement.drop_overlaps: a total and
its breakdown on one date are one measurement); undoing the import takes that total away with
it. The person importing is told which days, which columns and which earlier file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import String, cast, insert, select
from sqlalchemy.engine import Connection

from core.catalog import load_catalog
from core.models import ImportBatch, Observation

OBS = Observation.__table__  # type: ignore[attr-defined]
BATCH = ImportBatch.__table__  # type: ignore[attr-defined]
_ADDITIVE = ("sum", "last")
_KEY = ["metric", "date", "granularity"]


@dataclass(frozen=True)
class OtherBreakdown:
    """Days of one metric that another import broke down by another column."""

    metric: str
    start: date
    end: date
    kind: str  # this import's dimension column
    other_kind: str
    other_file: str
    totals: int  # total rows written


@dataclass(frozen=True)
class Found:
    """Live rows of *other* imports met before this import's rows are written."""

    kind: str
    others: pd.DataFrame  # their breakdown rows of another column: metric, date, granularity, ...
    totals: set[tuple[str, str, str]]  # (metric, day, granularity) with a live total already


def find_other_breakdowns(conn: Connection, live_range: tuple[Any, ...], kind: str | None) -> Found | None:
    """Other imports' breakdowns by another column in this import's range, or None (the usual
    case, one query on the rows already there: called before this import's rows are written)."""
    if not kind:
        return None
    others = _other_kind_rows(conn, live_range, kind)
    if others.empty:
        return None
    return Found(kind, others, _keys(_live_totals(conn, live_range)))


def add_totals(conn: Connection, found: Found, *, workspace_id: int, source: str, batch_id: int,
               rows: pd.DataFrame) -> list[OtherBreakdown]:
    """Write, for the days both breakdowns cover, the total this import's rows sum to.

    ``rows`` are the import's own (``metric``, ``date`` as ISO text, ``granularity``,
    ``dimension``, ``value``). Days with a total already (stored, or in this file) need none.
    """
    catalog = load_catalog()
    additive = rows["metric"].map(lambda m: m in catalog and catalog[m].aggregation in _ADDITIVE).astype(bool)
    mine = rows.loc[(rows["dimension"] != "") & additive]
    shared = (_keys(found.others) & _keys(mine)) - found.totals - _keys(rows.loc[rows["dimension"] == ""])
    if not shared:
        return []
    sums = mine.groupby(_KEY, sort=True)["value"].sum()
    totals = [(m, d, g, float(v)) for (m, d, g), v in sums.items() if (m, d, g) in shared]
    conn.execute(insert(OBS), [
        {"workspace_id": workspace_id, "metric": m, "date": date.fromisoformat(d[:10]), "granularity": g,
         "value": v, "source": source, "dimension": "", "import_id": batch_id}
        for m, d, g, v in totals
    ])
    return _described(found.others, totals, found.kind)


def _other_kind_rows(conn: Connection, live_range: tuple[Any, ...], kind: str) -> pd.DataFrame:
    """Live breakdown rows of other imports whose dimension column is not ``kind``."""
    query = (
        select(OBS.c.metric, cast(OBS.c.date, String).label("date"), OBS.c.granularity,
               BATCH.c.dimension_kind, BATCH.c.file_name, BATCH.c.id)
        .join(BATCH, BATCH.c.id == OBS.c.import_id)
        .where(*live_range, OBS.c.dimension != "",
               BATCH.c.dimension_kind.is_not(None), BATCH.c.dimension_kind != kind)
        .distinct()
    )
    result = conn.execute(query)
    return _normalised(pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object))


def _live_totals(conn: Connection, live_range: tuple[Any, ...]) -> pd.DataFrame:
    query = select(OBS.c.metric, cast(OBS.c.date, String).label("date"), OBS.c.granularity).where(
        *live_range, OBS.c.dimension == "").distinct()
    result = conn.execute(query)
    return _normalised(pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object))


def _normalised(frame: pd.DataFrame) -> pd.DataFrame:
    if not frame.empty:
        frame["date"] = frame["date"].astype(str).str.slice(0, 10)
    return frame


def _keys(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    if frame.empty:
        return set()
    return set(zip(frame["metric"].astype(str), frame["date"].astype(str).str.slice(0, 10),
                   frame["granularity"].astype(str), strict=True))


def _described(others: pd.DataFrame, totals: list[tuple[str, str, str, float]], kind: str) -> list[OtherBreakdown]:
    """One line per metric: its first and last day, and the (newest) other file."""
    out = []
    written = pd.DataFrame(totals, columns=["metric", "date", "granularity", "value"])
    for metric, days in written.groupby("metric", sort=True):
        theirs = others.loc[others["metric"] == metric].sort_values("id")
        last = theirs.iloc[-1]
        out.append(OtherBreakdown(
            metric=str(metric), start=date.fromisoformat(min(days["date"])), end=date.fromisoformat(max(days["date"])),
            kind=kind, other_kind=str(last["dimension_kind"]), other_file=str(last["file_name"]), totals=len(days),
        ))
    return out
