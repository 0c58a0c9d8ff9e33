"""Parsing one table through its plan: totals left out, dates and numbers read column by
column, derivations, duplicates combined or rejected, and the melt to one row per value.

``reader`` dispatches each table here (wide exports) or to ``layouts`` and ``formats``, which
use the same helpers (:func:`drop_totals`, :func:`parse_date_column`, :func:`melt`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import load_catalog, synonym_index
from core.errors import KgiError
from core.i18n import t
from core.importing.decode import column_letter
from core.importing.guards import (
    MAX_ABS_VALUE,
    clean_label,
    dates_out_of_range,
    has_control,
    has_email,
    mask_emails,
    value_problems,
)
from core.importing.hints import is_total_label
from core.importing.parsed import MAX_DIMENSION_LENGTH
from core.importing.periods import year_context
from core.importing.planning import _Column, _Context, _Plan, _show
from core.importing.sources import (
    granularity_of_header,
    norm,
    registry,
    split_currency,
)
from core.importing.tables import NeedsWholeRead, RawTable
from core.importing.values import (
    NULL_TOKENS,
    PercentMode,
    bare_month,
    decide_decimal,
    index_dates,
    parse_dates,
    parse_numbers,
)

_TOTALS_PREFIX = re.compile(r"^total\s*:", re.IGNORECASE)


def drop_totals(ctx: _Context, plan: _Plan) -> np.ndarray:
    """Rows kept after dropping totals and placeholder rows (checklist items 11, 12)."""
    table = plan.table
    n = len(table.data)
    key_cols = [c.index for c in (plan.date, plan.dimension) if c is not None] or [0]
    totals = set(registry().totals)

    def is_total(v: object) -> bool:
        return _is_total_label(v, totals)

    total_rows = np.zeros(n, dtype=bool)
    for index in dict.fromkeys([0, *key_cols]):
        total_rows |= map_distinct(*table.distinct(index), is_total)
    total_rows |= map_unique(table.extra, is_total)
    placeholder = map_distinct(*table.distinct(0), lambda v: isinstance(v, str) and norm(v) in _PLACEHOLDERS)
    blank_keys = np.ones(n, dtype=bool)
    for index in key_cols:
        blank_keys &= map_distinct(*table.distinct(index), _blank)
    if plan.dimension is not None or ctx.source.key != "sheet":
        total_rows |= blank_keys & (plan.dimension is not None)
    dropped = total_rows | placeholder
    if total_rows.any():
        ctx.warn("import.warn.totals_dropped", count=int(total_rows.sum()), sheet=table.sheet or "")
        positions = np.flatnonzero(total_rows)
        ctx.skip(table, positions, _total_labels(table, positions, key_cols))
    if placeholder.any():
        ctx.warn("import.warn.no_data_rows", count=int(placeholder.sum()))
    return ~dropped


_PLACEHOLDERS = frozenset({"no data available.", "no data available", "沒有可用的資料。", "沒有資料"})


def map_unique(column: pd.Series, fn: Any) -> np.ndarray:
    """``fn`` applied once per distinct cell value (a 200,000-row column has few)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return map_distinct(np.asarray(codes), np.asarray(uniques, dtype=object), fn)


def map_distinct(codes: np.ndarray, uniques: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` of each row's cell from a factorized column (code -1: a missing cell)."""
    if not len(uniques):
        return np.array([bool(fn(None))] * len(codes), dtype=bool)
    mapped = np.array([bool(fn(u)) for u in uniques], dtype=bool)
    out = mapped[np.where(codes < 0, 0, codes)]
    if (codes < 0).any():
        out[codes < 0] = bool(fn(None))
    return out


def _is_total_label(value: object, totals: set[str]) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    text = norm(value)
    return text in totals or bool(_TOTALS_PREFIX.match(text)) or is_total_label(value)


def _total_labels(table: RawTable, positions: np.ndarray, key_cols: list[int]) -> list[str]:
    """The label of each skipped totals row (its first totals-like cell, else blank)."""
    columns = [table.data[i] for i in dict.fromkeys([0, *key_cols])]
    labels = []
    for pos in positions:
        cells = [c.iloc[pos] for c in columns]
        label = next((str(v).strip() for v in cells if is_total_label(v)), "")
        if not label:
            label = next((str(v).strip() for v in table.extra.iloc[pos:pos + 1] if str(v).strip()), "")
        labels.append(_show(label))
    return labels


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and value.strip().lower() in ("", "(blank)")
    )


def parse_wide(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    table = plan.table
    keep = drop_totals(ctx, plan)
    ok = keep.copy()
    ragged = keep & table.extra.ne("").to_numpy(dtype=bool)
    if ragged.any():
        ctx.reject(table, np.flatnonzero(ragged), None, "import.row.ragged", table.extra)
        ok &= ~ragged
    dates, granularity = parse_date_column(ctx, plan, ok)
    ok &= dates.notna().to_numpy()
    values = parse_metric_columns(ctx, plan, ok)
    dimension = dimension_values(plan, ctx)
    _warn_rates(ctx, plan)
    frame = pd.DataFrame({"date": dates, "dimension": dimension})
    for key, series in values.items():
        frame[key] = series
    derive(ctx, plan, frame)
    frame = frame[ok]
    frame = collapse_duplicates(ctx, plan, frame)
    return melt(frame, granularity, ctx.source.key)


def parse_date_column(ctx: _Context, plan: _Plan, ok: np.ndarray) -> tuple[pd.Series, str]:
    """Dates of every row (NaT where rejected); rejections recorded on ``ctx``."""
    table, col = plan.table, plan.date
    assert col is not None
    raw = table.data[col.index]
    granularity = granularity_of_header(col.normalized) or "day"
    if col.normalized.startswith("nth "):
        start = table.meta.get("start")
        if not start:
            ctx.reject(table, np.flatnonzero(ok), col.name, "import.row.no_start_date")
            return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"), granularity
        unit = "week" if "week" in col.normalized else "month" if "month" in col.normalized else "day"
        dates = index_dates(raw, start, unit).astype("datetime64[ns]")
        bad = ok & dates.isna().to_numpy()
        ctx.reject(table, np.flatnonzero(bad), col.name, "import.row.bad_date", raw)
        return dates.where(~pd.Series(bad, index=raw.index)), unit
    pinned = ctx.pinned.get("date_format") if ctx.stream is not None else None
    result = parse_dates(raw, prefer=pinned or ctx.source.date_format, serials=table.workbook,
                         distinct=table.distinct(col.index), year=year_context(table))
    if ctx.stream is not None and result.format:
        if pinned and result.format != pinned:
            raise NeedsWholeRead  # this chunk's dates read in another order than the first's
        ctx.pinned["date_format"] = result.format
    if result.granularity != "day" and granularity == "day":
        granularity = result.granularity
    if result.assumed_order:
        ctx.warn("import.warn.date_order_assumed", column=col.name)
    dates = result.dates.copy()
    missing = ok & result.missing.to_numpy()
    bad = ok & result.bad.to_numpy()
    mixed = ok & result.mixed.to_numpy()
    ctx.reject(table, np.flatnonzero(missing), col.name, "import.row.missing_date")
    no_year = np.zeros(len(raw), dtype=bool)
    if bad.any():  # only rejected cells are looked at again (a map over every row costs)
        where = np.flatnonzero(bad)
        no_year[where] = [isinstance(v, str) and bare_month(v) is not None for v in raw.iloc[where]]
    ctx.reject(table, np.flatnonzero(no_year), col.name, "import.row.month_no_year", raw)
    ctx.reject(table, np.flatnonzero(bad & ~no_year), col.name, "import.row.bad_date", raw)
    ctx.reject(table, np.flatnonzero(mixed), col.name, "import.row.mixed_date", raw,
               expected=_format_label(result.format))
    # A formula without a cached value reads as an empty cell: only empty cells can be one.
    uncached = _uncached_rows(table, col.index, result.missing.to_numpy())
    if uncached.any():
        ctx.reject(table, np.flatnonzero(uncached & ok), col.name, "import.row.formula_no_value",
                   cell=f"{column_letter(col.index)}")
    future = ok & (dates > pd.Timestamp(ctx.today)).to_numpy()
    ctx.reject(table, np.flatnonzero(future), col.name, "import.row.future_date", raw,
               today=ctx.today.isoformat())
    future |= _reject_out_of_range(ctx, table, col, dates, ok & ~future, raw)
    granularity = _check_range_end(ctx, plan, dates, ok, granularity)
    invalid = missing | bad | mixed | future | uncached
    dates[invalid] = pd.NaT
    return dates, granularity


def _reject_out_of_range(ctx: _Context, table: RawTable, col: _Column, dates: pd.Series, ok: np.ndarray,
                         raw: pd.Series) -> np.ndarray:
    """Rows dated before 1990 or after 2100 (ROC year 0 is 1911): rejected, not stored."""
    outside = ok & dates_out_of_range(dates)
    ctx.reject(table, np.flatnonzero(outside), col.name, "import.row.date_out_of_range", raw)
    return outside


def _uncached_rows(table: RawTable, column: int, empty: np.ndarray) -> np.ndarray:
    """Rows whose cell in ``column`` is a formula without a cached value.

    calamine gives such a cell as empty, so only ``empty`` cells can be one; a column without
    empty cells never pays for the sheet's formula scan (see ``RawTable.uncached``).
    """
    none = np.zeros(len(table.data), dtype=bool)
    if not table.workbook or not empty.any() or not table.uncached:
        return none
    rows = {r for r, c in table.uncached if c == column}
    return (np.isin(table.row_numbers, list(rows)) & empty) if rows else none


def _format_label(fmt: str | None) -> str:
    labels = {
        "yyyymmdd": "YYYYMMDD", "iso": "YYYY-MM-DD", "ymd_slash": "YYYY/M/D", "roc": "113/01/31",
        "roc_compact": "1130131", "cjk": "2024年1月31日", "roc_cjk": "113年1月31日", "mdy": "M/D/YYYY",
        "dmy": "D/M/YYYY", "mon_d_y": "Jan 31, 2024", "d_mon_y": "31 Jan 2024", "year_month": "YYYY-MM",
        "cjk_month": "2024年1月", "roc_month": "113/01", "roc_cjk_month": "113年1月", "mon_y": "Jan 2024",
        "y_mon": "2024 Jan",
    }
    return labels.get(fmt or "", fmt or "?")


def _check_range_end(ctx: _Context, plan: _Plan, dates: pd.Series, ok: np.ndarray, granularity: str) -> str:
    """Meta without a Day breakdown: ``Reporting starts``/``ends`` span the whole range."""
    col = plan.date
    assert col is not None
    end_name = ctx.source.range_end.get(col.normalized)
    if not end_name:
        return granularity
    end_col = next((c for c in plan.columns if c.normalized == end_name), None)
    if end_col is None:
        return granularity
    ends = parse_dates(plan.table.data[end_col.index].astype(object)).dates
    spans = (ends - dates).dt.days
    valid = ok & dates.notna().to_numpy() & ends.notna().to_numpy()
    if not valid.any() or (spans[valid] == 0).all():
        return granularity
    month_start = dates[valid].dt.is_month_start.all()
    month_end = ends[valid].dt.is_month_end.all()
    same_month = (dates[valid].dt.to_period("M") == ends[valid].dt.to_period("M")).all()
    if month_start and month_end and same_month:
        return "month"
    raise KgiError("import.file.not_daily", file=ctx.file_name, source_en=ctx.source.label("en"),
                   source_zh=ctx.source.label("zh-TW"), hint_en=t(ctx.source.hint, "en"),
                   hint_zh=t(ctx.source.hint, "zh-TW"))


def _percent_mode(ctx: _Context, plan: _Plan, col: _Column) -> PercentMode | None:
    metric = load_catalog()[col.metric or ""]
    if metric.unit != "percent":
        return None
    mode = ctx.source.percent_xlsx if plan.table.workbook else ctx.source.percent_csv
    if mode != "auto":
        return mode  # type: ignore[return-value]
    raw = plan.table.data[col.index]
    text = raw[raw.map(lambda v: isinstance(v, str))].astype(str)
    if text.str.strip().str.endswith("%").any():
        chosen: PercentMode = "percent_string"
    else:
        numbers = parse_numbers(raw).values.dropna()
        chosen = "fraction" if (numbers.abs() <= 1).all() else "percent_units"
    pin = f"percent:{col.index}"
    if ctx.stream is not None and pin in ctx.pinned:
        if chosen != ctx.pinned[pin] and len(raw):
            raise NeedsWholeRead  # this chunk reads its percentages unlike the first chunk
        return ctx.pinned[pin]
    ctx.warn("import.warn.percent_mode", column=col.name, mode_en=t(f"import.percent.{chosen}", "en"),
             mode_zh=t(f"import.percent.{chosen}", "zh-TW"))
    ctx.pinned[pin] = chosen
    return chosen


def file_decimal(plan: _Plan, columns: list[_Column]) -> str:
    samples = [plan.table.data[c.index] for c in columns]
    if not samples:
        return "."
    # Workbook number columns hold no text at all: one C type scan says so (no per-cell call).
    heads = [h for h in (s.head(2000) for s in samples) if _may_hold_text(h)]
    if not heads:
        return "."
    text = pd.concat([h[h.map(lambda v: isinstance(v, str))] for h in heads])
    return decide_decimal(text.astype(str)) if len(text) else "."


def _may_hold_text(cells: pd.Series) -> bool:
    """False when a C type scan shows the cells are numbers, dates or missing, never text."""
    return cells.dtype != object or pd.api.types.infer_dtype(cells, skipna=True) not in (
        "floating", "integer", "mixed-integer-float", "empty", "date", "datetime", "boolean",
    )


def parse_metric_columns(ctx: _Context, plan: _Plan, ok: np.ndarray) -> dict[str, pd.Series]:
    """Every metric column as floats; bad, negative and uncached cells reject their row."""
    table = plan.table
    allow_negative = registry().allow_negative
    decimal = ctx.meta.setdefault("decimal", file_decimal(plan, list(plan.metrics.values())))
    out: dict[str, pd.Series] = {}
    for key, col in plan.metrics.items():
        raw = table.data[col.index]
        result = parse_numbers(raw, decimal=decimal, percent=_percent_mode(ctx, plan, col))
        if result.currency:
            ctx.currency = ctx.currency or result.currency
        for wrong, reason in value_problems(raw, result.values, result.bad):
            wrong &= ok
            ctx.reject(table, np.flatnonzero(wrong), col.name, reason, raw)
            ok &= ~wrong
        bad = ok & result.bad.to_numpy()
        ctx.reject(table, np.flatnonzero(bad), col.name, "import.row.not_a_number", raw)
        ok &= ~bad
        if key not in allow_negative:
            negative = ok & (result.values < 0).to_numpy()
            ctx.reject(table, np.flatnonzero(negative), col.name, "import.row.negative", raw)
            ok &= ~negative
        empty = result.values.isna().to_numpy() & ~result.bad.to_numpy()
        uncached = ok & _uncached_rows(table, col.index, empty)
        ctx.reject(table, np.flatnonzero(uncached), col.name, "import.row.formula_no_value",
                   cell=column_letter(col.index))
        ok &= ~uncached
        out[key] = result.values
    for column in _currency_columns(plan):
        values = plan.table.data[column.index].map(lambda v: str(v).strip().upper())
        codes = values[values.str.fullmatch(r"[A-Z]{3}")]
        if len(codes):
            ctx.currency = ctx.currency or codes.mode().iloc[0]
    return out


def _currency_columns(plan: _Plan) -> list[_Column]:
    names = set(registry().currency_columns)
    return [c for c in plan.columns if c.normalized in names]


def _safe_labels(ctx: _Context | None, column: str, texts: list[str]) -> list[str]:
    """Labels without control characters and without e-mail addresses, said so."""
    control = [i for i, text in enumerate(texts) if has_control(text)]
    for i in control:
        texts[i] = clean_label(texts[i]).strip()
    emails = [i for i, text in enumerate(texts) if has_email(text)]
    for i in emails:
        texts[i] = mask_emails(texts[i])
    if ctx is not None and control:
        ctx.warn("import.warn.control_removed", column=column, count=len(control))
    if ctx is not None and emails:
        ctx.warn("import.warn.emails_masked", column=column, count=len(emails))
    return texts


def dimension_values(plan: _Plan, ctx: _Context | None = None) -> pd.Series:
    """The dimension label of every row, categorical: a few hundred campaigns over 200,000
    rows, so duplicates, grouping and the melt work on their codes, not on the strings."""
    n = len(plan.table.data)
    if plan.dimension is None:
        return pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), [""]))
    raw = plan.table.data[plan.dimension.index]
    codes, uniques = plan.table.distinct(plan.dimension.index)
    texts = _safe_labels(ctx, plan.dimension.name,
                         [("" if _blank(u) else str(u).strip()) for u in uniques])
    texts = [text[:MAX_DIMENSION_LENGTH] for text in texts] + [""]
    # Cells that differ only in spaces or beyond the length limit share one label.
    relabel, labels = pd.factorize(np.array(texts, dtype=object))
    row_codes = relabel[np.where(codes < 0, len(uniques), codes)]
    categories = pd.Index(np.asarray(labels, dtype=object), dtype=object)
    return pd.Series(pd.Categorical.from_codes(row_codes, categories), index=raw.index)


def _warn_rates(ctx: _Context, plan: _Plan) -> None:
    if plan.rates_dropped:
        ctx.warn("import.warn.rates_recomputed", columns=", ".join(c.name for c in plan.rates_dropped))


def derive(ctx: _Context, plan: _Plan, frame: pd.DataFrame) -> None:
    """Per-source derivations declared in ``sources.toml`` (organic sessions, ROAS × spend...)."""
    catalog = load_catalog()
    for rule in ctx.source.derive:
        if rule.kind == "filter" and rule.source_metric in frame and plan.dimension is not None:
            if plan.dimension.normalized in rule.dimension_from:
                hit = frame["dimension"].map(norm).isin(rule.dimension_values)
                frame[rule.metric] = frame[rule.source_metric].where(hit)
        elif rule.kind == "product" and rule.metric not in frame and all(f in frame for f in rule.factors):
            product = frame[rule.factors[0]].copy()
            for factor in rule.factors[1:]:
                product = product * frame[factor]
            frame[rule.metric] = product
            ctx.warn("import.warn.derived", metric_en=catalog[rule.metric].name("en"),
                     metric_zh=catalog[rule.metric].name("zh-TW"),
                     formula=" × ".join(catalog[f].name("en") for f in rule.factors))
        elif rule.kind == "sum":
            cols = [c for c in plan.columns if c.normalized in rule.columns]
            if cols and rule.metric not in frame:
                total = pd.Series(0.0, index=frame.index)
                for col in cols:
                    total = total + parse_numbers(plan.table.data[col.index]).values.fillna(0.0)
                frame[rule.metric] = total
        elif rule.kind == "count_rows" and rule.metric not in frame:
            frame[rule.metric] = 1.0
    for rule in ctx.source.derive:
        if rule.kind == "product":
            for factor in rule.factors:
                if catalog[factor].aggregation == "ratio" and factor in frame:
                    del frame[factor]


def collapse_duplicates(ctx: _Context, plan: _Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (date, dimension): later duplicates rejected, or summed (per source)."""
    keys = ["date", "dimension"]
    summing = ctx.source.duplicates == "sum" or bool(plan.breakdowns)
    if ctx.stream is not None:  # rows whose key an earlier chunk of the file already had
        frame = ctx.stream.earlier_keys(ctx, plan, frame, summing)
    dup = frame.duplicated(keys, keep="first")
    if not dup.any():
        return frame
    if not summing:
        first_rows = _first_row_of(frame, keys, plan.table.row_numbers)
        for pos in np.flatnonzero(dup.to_numpy()):
            label = frame.index[pos]
            ctx.reject(plan.table, np.array([label]), plan.date.name if plan.date else None,
                       "import.row.duplicate", first=int(first_rows[pos]))
        return frame[~dup]
    if plan.breakdowns:
        ctx.warn("import.warn.breakdown_summed", columns=", ".join(c.name for c in plan.breakdowns))
    return _sum_groups(frame, keys)


def _first_row_of(frame: pd.DataFrame, keys: list[str], row_numbers: np.ndarray) -> np.ndarray:
    first_label = frame.reset_index().groupby(keys, dropna=False)["index"].transform("first")
    return row_numbers[first_label.to_numpy()]


def _sum_groups(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum additive metrics; weighted means by their weight; stocks take the last value."""
    catalog = load_catalog()
    metrics = [c for c in frame.columns if c not in keys]
    work = frame.copy()
    weighted = {}
    for key in metrics:
        m = catalog[key]
        if m.aggregation == "weighted_mean" and m.weight in work:
            weighted[key] = m.weight
            work[f"__w_{key}"] = work[key] * work[m.weight]
    agg = {k: ("last" if catalog[k].aggregation == "last" else "sum") for k in metrics}
    agg |= {f"__w_{k}": "sum" for k in weighted}
    grouped = work.groupby(keys, sort=False, dropna=False).agg(
        {k: v for k, v in agg.items()}
    )
    for key, weight in weighted.items():
        grouped[key] = grouped[f"__w_{key}"] / grouped[weight].where(grouped[weight] != 0)
        grouped = grouped.drop(columns=f"__w_{key}")
    # A metric that was NaN in every row of a group stays missing, not 0.
    counts = frame.groupby(keys, sort=False, dropna=False)[metrics].count()
    grouped[metrics] = grouped[metrics].where(counts[metrics] > 0)
    return grouped.reset_index()


def melt(frame: pd.DataFrame, granularity: str, source: str) -> pd.DataFrame:
    """Wide ``date, dimension, <metric>...`` → one row per (metric, date, dimension) value.

    Same rows and order as ``DataFrame.melt`` followed by dropping empty values, built from
    numpy positions: the text columns are made by arrow from their few distinct values,
    never as 1.2 million Python strings for a 200,000-row export. A categorical
    ``dimension`` (see :func:`dimension_values`) lends its codes directly.
    """
    metrics = [c for c in frame.columns if c not in ("date", "dimension")]
    if frame.empty or not metrics:
        return _empty_observations()
    n = len(frame)
    values = np.concatenate([frame[m].to_numpy(dtype="float64", na_value=np.nan) for m in metrics])
    dim_codes, dim_labels = _codes_of(frame["dimension"])
    dates = frame["date"].to_numpy(dtype="datetime64[ns]")
    empty = np.isnan(values)
    if empty.any():
        keep = np.flatnonzero(~empty)
        rows = keep % n
        metric = _text_take(metrics, keep // n)
        values, dates, dim_codes = values[keep], dates[rows], dim_codes[rows]
    else:  # every cell filled (the usual export): whole blocks, no index arithmetic
        metric = _text_blocks(metrics, n)
        dates, dim_codes = np.tile(dates, len(metrics)), np.tile(dim_codes, len(metrics))
    size = len(values)
    return pd.DataFrame({
        "date": dates,
        "metric": metric,
        "value": values,
        "dimension": _text_take(dim_labels, dim_codes),
        "granularity": _text_blocks([granularity], size),
        "source": _text_blocks([source], size),
    })


def _codes_of(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their labels for a text column (missing cells read as ``""``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        labels = [str(c) for c in column.cat.categories]
        if (codes < 0).any():
            codes = np.where(codes < 0, len(labels), codes)
            labels.append("")
        return codes, labels
    codes, uniques = pd.factorize(column.fillna(""), use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _text_take(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a pandas ``str`` array, built by arrow without a Python object per row."""
    import pyarrow as pa

    taken = pa.array(labels, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.array(taken, dtype="str")


def _text_blocks(labels: list[str], n: int) -> pd.api.extensions.ExtensionArray:
    """Each label repeated ``n`` times, one after the other, as a pandas ``str`` array.

    Laid out directly in arrow's buffers (equal-length offsets, the bytes repeated): no
    gather at all, which is what a constant column or a fully filled metric block needs.
    """
    import pyarrow as pa

    encoded = [label.encode("utf-8") for label in labels]
    # One offsets array filled in place: these columns are 1.2 million rows long, and every
    # temporary copy is fresh memory the process has to fault in.
    offsets = np.empty(len(labels) * n + 1, dtype=np.int64)
    offsets[0] = 0
    steps = np.arange(1, n + 1, dtype=np.int64)
    start = 0
    for i, text in enumerate(encoded):
        block = offsets[1 + i * n : 1 + (i + 1) * n]
        np.multiply(steps, len(text), out=block)
        block += start
        start += len(text) * n
    data = encoded[0] * n if len(encoded) == 1 else b"".join(text * n for text in encoded)
    array = pa.LargeStringArray.from_buffers(len(labels) * n, pa.py_buffer(offsets), pa.py_buffer(data))
    return pd.array(array, dtype="str")


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series(dtype="datetime64[ns]"), "metric": pd.Series(dtype=object),
        "value": pd.Series(dtype="float64"), "dimension": pd.Series(dtype=object),
        "granularity": pd.Series(dtype=object), "source": pd.Series(dtype=object),
    })


def _combine(ctx: _Context, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """All tables together, one row per key; a key given by two tables keeps the first."""
    if ctx.rejected_total > len(ctx.rejected):
        ctx.warn("import.warn.more_rejected", shown=len(ctx.rejected), total=ctx.rejected_total)
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_observations()
    combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        keys = ["date", "metric", "dimension", "granularity", "source"]
        dup = combined.duplicated(keys, keep="first")
        if dup.any():
            ctx.warn("import.warn.overlapping_tables", count=int(dup.sum()))
            combined = combined[~dup]
    return checked_values(ctx, combined)


def checked_values(ctx: _Context, combined: pd.DataFrame) -> pd.DataFrame:
    """Observations with their column types settled and unreal values left out (said so)."""
    if combined.empty:
        return _empty_observations()
    combined = combined.assign(
        date=combined["date"].astype("datetime64[ns]"), value=combined["value"].astype("float64")
    )
    # Every layout's values, once more: a non-finite or absurd value is left out, said so.
    unreal = ~(combined["value"].abs() < MAX_ABS_VALUE) & combined["value"].notna()
    if unreal.any():
        ctx.warn("import.warn.values_dropped", count=int(unreal.sum()))
        combined = combined[~unreal]
    return combined.reset_index(drop=True)


def is_null_token(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in NULL_TOKENS


def metric_of_label(label: str) -> str | None:
    """A metric key from a key, an English/zh-TW name or a synonym (long template rows)."""
    catalog = load_catalog()
    text = str(label).strip()
    if text in catalog:
        return text
    base, _ = split_currency(text)
    return synonym_index().get(base) or synonym_index().get(norm(text))
