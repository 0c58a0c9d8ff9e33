"""Aggregation of long observations over days, weeks, months or a whole period (SPEC §3).

The rule for each metric comes from the catalog, never from code about a particular metric:

``sum``
    Counts and money add up.
``ratio``
    Σ numerator / Σ denominator over the period, never a mean of daily rates. Only the
    (source, month) cells where *both* parts were reported count, so Meta clicks without Meta
    impressions do not inflate a blended CTR, and twelve months of revenue are not divided by
    six months of orders. When neither part was imported for a period but the rate itself
    was (a hand-kept sheet with a "轉換率" column and nothing else), the period's value falls
    back to the plain mean of the stored rates: there is no weight to do better with, and the
    numbers people typed are all there is.
``last``
    A stock level (followers, paid members): per source, the value on the last date of the
    period that has data, summed over dimension values on that date; sources are then added
    (Instagram and Facebook followers make the community's fans).
``weighted_mean``
    Σ(value × weight) / Σ weight, value and weight rows joined on (source, date, dimension):
    search position weighted by impressions. Rows with no weight fall back, like ``ratio``,
    to the plain mean for a period that has no weight at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from core.catalog import Metric, load_catalog

By = Literal["day", "week", "month", "quarter", "year", "period"]
BY_VALUES: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "period")
TOTAL = "total"
_COLUMNS = ("date", "metric", "value", "source", "dimension")


def period_labels(dates: pd.Series, by: str) -> pd.Series:
    """Label each date with its period.

    ``"2024-01"`` for month, ISO date for day, the Monday's ISO date for week, ``"2024-Q1"``
    for quarter, ``"2024"`` for year and ``"total"`` for the whole range (``by="period"``).
    Labels are computed once per distinct date (three years of daily rows have ~1,100), which
    is what keeps a 200,000-row frame fast.
    """
    if by == "period":
        return pd.Series(TOTAL, index=dates.index, dtype=object)
    if by not in BY_VALUES:
        raise ValueError(f"by must be one of {BY_VALUES}, not {by!r}")
    codes, uniques = pd.factorize(dates)
    labels = _label_dates(pd.DatetimeIndex(uniques), by)
    return pd.Series(labels[codes] if len(codes) else labels[:0], index=dates.index, dtype=object)


def _label_dates(days: pd.DatetimeIndex, by: str) -> np.ndarray:
    if by == "day":
        out = days.strftime("%Y-%m-%d")
    elif by == "week":
        out = (days - pd.to_timedelta(days.day_of_week, unit="D")).strftime("%Y-%m-%d")
    elif by == "month":
        out = days.strftime("%Y-%m")
    elif by == "quarter":
        out = pd.Index([f"{d.year}-Q{d.quarter}" for d in days])
    else:
        out = days.strftime("%Y")
    return np.asarray(out, dtype=object)


def _prepare(
    obs: pd.DataFrame,
    metrics: Iterable[str],
    by: str,
    sources: Sequence[str] | None,
    dimensions: Sequence[str] | None,
) -> pd.DataFrame:
    """Rows of ``metrics`` only, filtered, with clean types and a ``period`` column."""
    missing = [c for c in ("date", "metric", "value") if c not in obs.columns]
    if missing:
        raise ValueError(f"observations lack columns {missing}")
    frame = obs.loc[obs["metric"].isin(list(metrics))]
    frame = frame.reindex(columns=list(_COLUMNS))
    frame = frame.assign(
        metric=frame["metric"].astype(object),
        date=pd.to_datetime(frame["date"]).dt.normalize(),
        value=pd.to_numeric(frame["value"], errors="coerce").astype(float),
        source=frame["source"].astype(object).where(frame["source"].notna(), ""),
        dimension=frame["dimension"].astype(object).where(frame["dimension"].notna(), ""),
    )
    frame = frame.loc[frame["value"].notna()]
    if sources is not None:
        frame = frame.loc[frame["source"].isin(list(sources))]
    if dimensions is not None:
        frame = frame.loc[frame["dimension"].isin(list(dimensions))]
    return frame.assign(period=period_labels(frame["date"], by))


def _empty(metric: str) -> pd.Series:
    return pd.Series([], index=pd.Index([], dtype=object, name="period"), dtype=float, name=metric)


def _finish(series: pd.Series, metric: str) -> pd.Series:
    series = series.astype(float).sort_index()
    series.index = pd.Index(series.index.astype(object), name="period")
    series.name = metric
    return series


def _sum(frame: pd.DataFrame, key: str) -> pd.Series:
    rows = frame.loc[frame["metric"] == key]
    return rows.groupby("period")["value"].sum()


def _ratio(frame: pd.DataFrame, m: Metric) -> pd.Series:
    num, den = m.numerator or "", m.denominator or ""
    parts = frame.loc[frame["metric"].isin([num, den])]
    parts = parts.assign(month=period_labels(parts["date"], "month"))
    by_source = (
        parts.groupby(["period", "month", "source", "metric"])["value"].sum().unstack("metric")
        .reindex(columns=[num, den])
    )
    # A source counts in a month only when it reported both parts there: revenue for twelve
    # months over orders for six is not an average order value.
    both = by_source.dropna()
    sums = both.groupby(level="period").sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        from_parts = (sums[num] / sums[den]).replace([np.inf, -np.inf], np.nan).dropna()
    stored = frame.loc[frame["metric"] == m.key].groupby("period")["value"].mean()
    fallback = stored.loc[~stored.index.isin(from_parts.index)]
    return pd.concat([from_parts, fallback])


def _last(frame: pd.DataFrame, key: str) -> pd.Series:
    rows = frame.loc[frame["metric"] == key]
    if rows.empty:
        return pd.Series(dtype=float)
    per_day = rows.groupby(["period", "source", "date"])["value"].sum().reset_index()
    last_dates = per_day.groupby(["period", "source"])["date"].transform("max")
    on_last = per_day.loc[per_day["date"] == last_dates]
    return on_last.groupby("period")["value"].sum()


def _weighted_mean(frame: pd.DataFrame, m: Metric) -> pd.Series:
    weight_key = m.weight or ""
    keys = ["source", "date", "dimension"]
    values = frame.loc[frame["metric"] == m.key, [*keys, "period", "value"]]
    # Several rows on one key (should not happen after import) are summed as weights and
    # averaged as values, so a duplicate cannot double a weight's influence.
    values = values.groupby([*keys, "period"], as_index=False)["value"].mean()
    weights = frame.loc[frame["metric"] == weight_key].groupby(keys, as_index=False)["value"].sum()
    joined = values.merge(weights.rename(columns={"value": "weight"}), on=keys, how="inner")
    joined = joined.loc[joined["weight"] > 0]
    totals = (
        joined.assign(product=joined["value"] * joined["weight"])
        .groupby("period")[["product", "weight"]]
        .sum()
    )
    weighted = (totals["product"] / totals["weight"]).dropna()
    plain = values.groupby("period")["value"].mean()
    return pd.concat([weighted, plain.loc[~plain.index.isin(weighted.index)]])


def aggregate(
    obs: pd.DataFrame,
    metric: str,
    by: str = "month",
    *,
    sources: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
) -> pd.Series:
    """Aggregate one metric over periods by its catalog rule.

    Parameters
    ----------
    obs : DataFrame
        Long observations with columns ``date``, ``metric``, ``value``, ``source`` and
        ``dimension`` (the last two may be missing or hold nulls, read as ``""``). It may hold
        many metrics: a ratio metric reads its numerator and denominator rows, a weighted mean
        its weight rows.
    metric : str
        Catalog key.
    by : {"day", "week", "month", "quarter", "year", "period"}
        ``"period"`` gives one value labelled ``"total"`` for the whole range.
    sources, dimensions : list of str, optional
        Only these sources / dimension values count (``None``: all). Applied to the
        components as well, so a KPI's CTR counts the same rows its clicks do.

    Returns
    -------
    Series
        Float values indexed by period label (sorted), named after the metric; periods with
        no usable data are absent. Percent metrics stay fractions.

    Examples
    --------
    A conversion rate over two days, 10/100 and 90/300: Σconversions / Σsessions = 100/400 =
    0.25, where the mean of the daily rates (0.1 and 0.3) would wrongly say 0.2.
    """
    m = _metric(metric)
    frame = _prepare(obs, {m.key, *m.components}, by, sources, dimensions)
    return _apply_rule(frame, m)


def _metric(key: str) -> Metric:
    catalog = load_catalog()
    if key not in catalog:
        raise KeyError(f"unknown metric {key!r}")
    return catalog[key]


def _rows_for(by_metric: dict[str, pd.DataFrame], m: Metric, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows ``m`` needs (itself and its components), from a frame already split by metric."""
    parts = [by_metric[k] for k in (m.key, *m.components) if k in by_metric]
    if not parts:
        return frame.iloc[0:0]
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def _apply_rule(frame: pd.DataFrame, m: Metric) -> pd.Series:
    """The catalog rule of ``m`` on a prepared frame (which may hold other metrics too)."""
    if frame.empty:
        return _empty(m.key)
    rules = {
        "sum": lambda: _sum(frame, m.key),
        "ratio": lambda: _ratio(frame, m),
        "last": lambda: _last(frame, m.key),
        "weighted_mean": lambda: _weighted_mean(frame, m),
    }
    result = rules[m.aggregation]()
    if result.empty:
        return _empty(m.key)
    return _finish(result, m.key)


def aggregate_many(
    obs: pd.DataFrame,
    metrics: Sequence[str],
    by: str = "month",
    *,
    sources: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`aggregate` for several metrics: one column per metric, one row per period.

    A period where a metric has no data holds NaN in that column.
    """
    wanted = [_metric(key) for key in metrics]
    needed = {name for m in wanted for name in (m.key, *m.components)}
    # Prepare once for every metric and component: dates and labels are the costly part.
    frame = _prepare(obs, needed, by, sources, dimensions)
    by_metric = {str(key): rows for key, rows in frame.groupby("metric", sort=False)}
    columns = {m.key: _apply_rule(_rows_for(by_metric, m, frame), m) for m in wanted}
    table = pd.DataFrame(columns, columns=list(metrics), dtype=float).sort_index()
    table.index = pd.Index(table.index.astype(object), name="period")
    return table


# --- many date ranges over one prepared metric -------------------------------------------------

_NO_DAY = np.iinfo(np.int64).max


_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()


def _day_number(day: object) -> int:
    """Days since 1970-01-01 of a date / Timestamp."""
    if not isinstance(day, date):  # a Timestamp is a datetime, hence a date
        day = pd.Timestamp(day).date()
    return day.toordinal() - _EPOCH_ORDINAL


def _month_bounds(first: int, last: int) -> list[tuple[str, int, int]]:
    """``(label, first day, last day)`` of every calendar month touching days [first, last]."""
    out = []
    month = np.datetime64(first, "D").astype("datetime64[M]")
    end_month = np.datetime64(last, "D").astype("datetime64[M]")
    while month <= end_month:
        start = int(month.astype("datetime64[D]").astype(np.int64))
        stop = int((month + 1).astype("datetime64[D]").astype(np.int64)) - 1
        out.append((str(month), max(start, first), min(stop, last)))
        month += 1
    return out


class RangeAggregator:
    """One metric prepared once, then aggregated over any number of date ranges.

    ``RangeAggregator(obs, metric).total(start, end)`` is
    ``aggregate(obs[start <= date <= end], metric, "period")`` (as a float, ``None`` when the
    range has no usable data), and :meth:`by_month` is the ``by="month"`` result of the same
    slice. Building costs one pass over the rows; each range then costs a few slices of
    per-day arrays, where :func:`aggregate` would filter, label and group the rows again —
    pacing asks one goal for 10–20 ranges (months, to date, last year, weights).

    Parameters
    ----------
    obs : DataFrame
        Long observations, as for :func:`aggregate` (other metrics are ignored).
    metric : str
        Catalog key.
    sources, dimensions : list of str, optional
        Only these sources / dimension values count (``None``: all).

    Notes
    -----
    ``obs`` may hold rows already summed by the database, with a ``count`` column saying how
    many rows each stands for: sums, ratios of sums and last values do not change, and the
    plain mean of a stored rate (a rate's fallback) is then Σvalue / Σcount.
    """

    def __init__(
        self,
        obs: pd.DataFrame,
        metric: str,
        *,
        sources: Sequence[str] | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> None:
        self.metric = _metric(metric)
        frame = obs.loc[obs["metric"].isin([self.metric.key, *self.metric.components])]
        values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        keep = ~np.isnan(values)
        for column, wanted in (("source", sources), ("dimension", dimensions)):
            if wanted is not None:
                keep &= _matches(frame.get(column), list(wanted), len(frame))
        frame = frame.loc[keep]
        self._values = values[keep]
        self._counts = frame["count"].to_numpy(dtype=float) if "count" in frame else np.ones(len(frame))
        days = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        self.days, self._day = np.unique(days.astype(np.int64), return_inverse=True)
        self._metric_of, metric_names = _codes(frame["metric"])
        self._metric_code = {name: i for i, name in enumerate(metric_names)}
        self._source_of, sources = _codes(frame.get("source"), len(frame))
        self._sources = len(sources)
        self._frame = frame
        rule = {"sum": self._build_sum, "ratio": self._build_ratio, "last": self._build_last,
                "weighted_mean": self._build_weighted}[self.metric.aggregation]
        self._total = rule()

    # -- per-day arrays, by rule

    def _rows(self, key: str) -> np.ndarray:
        return self._metric_of == self._metric_code.get(key, -1)

    def _per_day(self, mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = self._values[mask] if weights is None else weights[mask]
        return np.bincount(self._day[mask], weights=w, minlength=len(self.days)).astype(float)

    def _per_source_day(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(sums, counts), each ``sources × days`` (a source without rows here has zero counts)."""
        n, k = len(self.days), self._sources
        cell = self._source_of[mask] * n + self._day[mask]
        sums = np.bincount(cell, weights=self._values[mask], minlength=k * n).reshape(k, n)
        counts = np.bincount(cell, minlength=k * n).reshape(k, n)
        return sums, counts

    def _build_sum(self):  # noqa: ANN202
        mask = self._rows(self.metric.key)
        value, count = self._per_day(mask), self._per_day(mask, self._counts)

        def total(i0: int, i1: int) -> float | None:
            return float(value[i0:i1].sum()) if count[i0:i1].any() else None
        return total

    def _build_ratio(self):  # noqa: ANN202
        num, num_n = self._per_source_day(self._rows(self.metric.numerator or ""))
        den, den_n = self._per_source_day(self._rows(self.metric.denominator or ""))
        stored = self._rows(self.metric.key)
        stored_sum, stored_n = self._per_day(stored), self._per_day(stored, self._counts)
        month_of_day = self.days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        self._ratio_parts = (num, num_n, den, den_n, month_of_day)

        def total(i0: int, i1: int) -> float | None:
            top, bottom, _ = self._matched_parts(i0, i1)
            if bottom and np.isfinite(top / bottom):
                return float(top / bottom)
            n = stored_n[i0:i1].sum()
            return float(stored_sum[i0:i1].sum() / n) if n else None
        return total

    def _matched_parts(self, i0: int, i1: int) -> tuple[float, float, int]:
        """Σ numerator, Σ denominator over the (source, month) cells of days [i0, i1) where
        both parts have data, and how many cells had only one of them."""
        num, num_n, den, den_n, month_of_day = self._ratio_parts
        if i1 <= i0:
            return 0.0, 0.0, 0
        months = month_of_day[i0:i1]
        starts = np.concatenate(([0], np.flatnonzero(np.diff(months)) + 1))
        cells = [np.add.reduceat(a[:, i0:i1], starts, axis=1) for a in (num, num_n, den, den_n)]
        has_num, has_den = cells[1] > 0, cells[3] > 0
        both = has_num & has_den
        return float(cells[0][both].sum()), float(cells[2][both].sum()), int((has_num ^ has_den).sum())

    def unmatched_months(self, start: object | None = None, end: object | None = None) -> int:
        """For a ratio: (source, month) cells in [start, end] where only one part has data —
        left out of the ratio, so a page can say the coverage is partial."""
        if self.metric.aggregation != "ratio" or not len(self.days):
            return 0
        first = _day_number(start) if start is not None else -_NO_DAY
        last = _day_number(end) if end is not None else _NO_DAY
        return self._matched_parts(*self._index(first, last))[2]

    def _build_last(self):  # noqa: ANN202
        sums, counts = self._per_source_day(self._rows(self.metric.key))
        with_data = [np.flatnonzero(row) for row in counts]

        def total(i0: int, i1: int) -> float | None:
            # Per source the value on its last date in the range (dimension values summed).
            out, found = 0.0, False
            for s, present in enumerate(with_data):
                at = np.searchsorted(present, i1) - 1
                if at >= 0 and present[at] >= i0:
                    out += sums[s, present[at]]
                    found = True
            return float(out) if found else None
        return total

    def _build_weighted(self):  # noqa: ANN202
        keys = ["source", "day", "dimension"]
        rows = pd.DataFrame({"source": self._source_of, "day": self._day,
                             "dimension": _codes(self._frame.get("dimension"), len(self._frame))[0],
                             "value": self._values})
        values = rows.loc[self._rows(self.metric.key)].groupby(keys, as_index=False)["value"].mean()
        weights = rows.loc[self._rows(self.metric.weight or "")].groupby(keys, as_index=False)["value"].sum()
        joined = values.merge(weights.rename(columns={"value": "weight"}), on=keys, how="inner")
        joined = joined.loc[joined["weight"] > 0]
        n = len(self.days)
        day, w = joined["day"].to_numpy(), joined["weight"].to_numpy(float)
        product = np.bincount(day, weights=joined["value"].to_numpy(float) * w, minlength=n)
        weight, weight_n = np.bincount(day, weights=w, minlength=n), np.bincount(day, minlength=n)
        plain = np.bincount(values["day"].to_numpy(), weights=values["value"].to_numpy(float), minlength=n)
        plain_n = np.bincount(values["day"].to_numpy(), minlength=n)

        def total(i0: int, i1: int) -> float | None:
            if weight_n[i0:i1].any():
                return float(product[i0:i1].sum() / weight[i0:i1].sum())
            k = plain_n[i0:i1].sum()
            return float(plain[i0:i1].sum() / k) if k else None
        return total

    # -- ranges

    def _index(self, first: int, last: int) -> tuple[int, int]:
        return int(np.searchsorted(self.days, first, "left")), int(np.searchsorted(self.days, last, "right"))

    def total(self, start: object | None = None, end: object | None = None) -> float | None:
        """The metric over [start, end] (inclusive; ``None``: unbounded), or ``None`` without data."""
        first = _day_number(start) if start is not None else -_NO_DAY
        last = _day_number(end) if end is not None else _NO_DAY
        i0, i1 = self._index(first, last)
        return self._total(i0, i1) if i1 > i0 else None

    def by_month(self, start: object | None = None, end: object | None = None) -> dict[str, float]:
        """``{"2024-01": value, ...}`` for the months of [start, end] with data, clipped to it."""
        if not len(self.days):
            return {}
        first = max(_day_number(start), int(self.days[0])) if start is not None else int(self.days[0])
        last = min(_day_number(end), int(self.days[-1])) if end is not None else int(self.days[-1])
        if last < first:
            return {}
        out = {}
        for label, a, b in _month_bounds(first, last):
            i0, i1 = self._index(a, b)
            value = self._total(i0, i1) if i1 > i0 else None
            if value is not None:
                out[label] = value
        return out

    @property
    def empty(self) -> bool:
        return not len(self.days)


def _matches(column: pd.Series | None, wanted: list[str], length: int) -> np.ndarray:
    """Rows whose ``column`` is one of ``wanted`` (a null or a missing column reads as ``""``)."""
    if column is None:
        return np.full(length, "" in wanted)
    hit = column.isin(wanted).to_numpy(dtype=bool)
    return hit | column.isna().to_numpy() if "" in wanted else hit


def _codes(column: pd.Series | None, length: int = 0) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a text column and the values they stand for; a missing column or a
    null reads as ``""`` (as in :func:`aggregate`)."""
    if column is None:
        return np.zeros(length, dtype=np.int64), [""]
    codes, uniques = pd.factorize(column)
    names = [str(u) for u in uniques]
    if (codes < 0).any():
        if "" not in names:
            names.append("")
        codes = np.where(codes < 0, names.index(""), codes)
    return np.asarray(codes, dtype=np.int64), names
