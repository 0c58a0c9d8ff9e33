"""Layouts that are not "one row per day (and dimension)": Shopify orders, the long template."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.catalog import load_catalog
from core.importing.parsed import OBSERVATION_COLUMNS
from core.importing.rows import (
    _empty_observations,
    drop_totals,
    melt,
    metric_of_label,
    parse_date_column,
)
from core.importing.sources import norm
from core.importing.values import parse_numbers

if TYPE_CHECKING:
    from core.importing.planning import _Context, _Plan


def _column(plan: _Plan, name: str | None):
    if not name:
        return None
    wanted = norm(name)
    return next((c for c in plan.columns if c.normalized == wanted and c.role != "pii"), None)


def parse_shopify_orders(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    """Shopify orders export: one row per line item, order fields on the first row only.

    ``orders`` = distinct order names per day; ``revenue`` = Σ ``Total`` over each order's
    first row, less ``Refunded Amount``. Cancelled, voided and fully refunded orders are left
    out (counted in a warning). The date is the order's ``Created at`` day as printed (the
    store's time zone).
    """

    extra = ctx.source.extra
    table = plan.table
    id_col = _column(plan, extra.get("order_id"))
    total_col = _column(plan, extra.get("order_total"))
    if id_col is None or total_col is None or plan.date is None:
        from core.errors import KgiError

        raise KgiError("import.file.shopify_columns", file=ctx.file_name)
    order_id = table.data[id_col.index].map(lambda v: str(v).strip())
    ok = drop_totals(ctx, plan) & order_id.ne("").to_numpy()
    # Order-level cells sit on the first line item only: spread them over the order.
    first = ~order_id.duplicated(keep="first")
    dates, granularity = parse_date_column(ctx, _first_rows_plan(plan, first), ok & first.to_numpy())
    total = parse_numbers(table.data[total_col.index], decimal=ctx.meta.setdefault("decimal", "."))
    bad_total = ok & first.to_numpy() & total.bad.to_numpy()
    ctx.reject(table, np.flatnonzero(bad_total), total_col.name, "import.row.not_a_number",
               table.data[total_col.index])
    refunded = _numbers(plan, extra.get("order_refunded"))
    status = _text(plan, extra.get("order_status"))
    cancelled = _text(plan, extra.get("order_cancelled"))
    currency_col = _column(plan, "currency")
    if currency_col is not None:
        codes = table.data[currency_col.index].map(lambda v: str(v).strip().upper())
        codes = codes[codes.str.fullmatch(r"[A-Z]{3}")]
        if len(codes):
            ctx.currency = ctx.currency or codes.mode().iloc[0]
    orders = pd.DataFrame({
        "id": order_id, "date": dates, "total": total.values, "refunded": refunded,
        "status": status, "cancelled": cancelled, "ok": ok, "first": first,
    })
    orders = orders[orders["first"] & orders["ok"] & orders["date"].notna() & ~pd.Series(bad_total)]
    excluded = orders["cancelled"].ne("") | orders["status"].isin({"voided", "refunded"})
    if excluded.any():
        ctx.warn("import.warn.orders_excluded", count=int(excluded.sum()))
    orders = orders[~excluded]
    orders["revenue"] = orders["total"].fillna(0.0) - orders["refunded"].fillna(0.0)
    daily = orders.groupby("date", sort=True).agg(orders=("id", "nunique"), revenue=("revenue", "sum"))
    daily = daily.reset_index()
    daily["dimension"] = ""
    daily["orders"] = daily["orders"].astype(float)
    return melt(daily[["date", "dimension", "orders", "revenue"]], granularity, ctx.source.key)


def _first_rows_plan(plan: _Plan, first: pd.Series) -> _Plan:
    """The plan unchanged, but with the date cells of non-first rows made blank.

    Blank dates of later line items must not count as "missing date" rejections.
    """
    from dataclasses import replace

    assert plan.date is not None
    data = plan.table.data.copy()
    data[plan.date.index] = data[plan.date.index].where(first, "")
    table = replace(plan.table, data=data)
    return replace(plan, table=table)


def _numbers(plan: _Plan, name: str | None) -> pd.Series:
    col = _column(plan, name)
    if col is None:
        return pd.Series(np.nan, index=plan.table.data.index)
    return parse_numbers(plan.table.data[col.index]).values


def _text(plan: _Plan, name: str | None) -> pd.Series:
    col = _column(plan, name)
    if col is None:
        return pd.Series("", index=plan.table.data.index, dtype=object)
    return plan.table.data[col.index].map(lambda v: norm(v) if isinstance(v, str) else "")


def parse_long(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    """Our actuals template: ``date, metric, value[, source, dimension]`` one figure per row.

    The metric cell may hold a key (``revenue``), a name in either language (``營收``) or a
    synonym. Percent metrics are fractions; a value written with ``%`` is divided by 100, and
    a metric whose bare values exceed 1 is read as percent units (with a warning).
    """

    table = plan.table
    extra = ctx.source.extra
    metric_col = _find(plan, extra.get("long_metric", ()))
    value_col = _find(plan, extra.get("long_value", ()))
    if metric_col is None or value_col is None:
        from core.errors import KgiError

        raise KgiError("import.file.no_metric", file=ctx.file_name,
                       columns=", ".join(c.name for c in plan.columns))
    source_col = _find(plan, extra.get("long_source", ()))
    dim_col = _find(plan, extra.get("long_dimension", ()))
    for col in (metric_col, value_col, source_col, dim_col):
        if col is not None:
            col.role = "dimension" if col is dim_col else "metric" if col is value_col else col.role
    ok = drop_totals(ctx, plan)
    dates, granularity = parse_date_column(ctx, plan, ok)
    ok &= dates.notna().to_numpy()
    labels = table.data[metric_col.index].map(lambda v: str(v).strip())
    keys = labels.map(lambda v: metric_of_label(v) if v else None)
    unknown = ok & keys.isna().to_numpy()
    ctx.reject(table, np.flatnonzero(unknown), metric_col.name, "import.row.unknown_metric", labels)
    ok &= ~unknown
    raw_values = table.data[value_col.index]
    parsed = parse_numbers(raw_values, decimal=ctx.meta.setdefault("decimal", "."))
    bad = ok & parsed.bad.to_numpy()
    ctx.reject(table, np.flatnonzero(bad), value_col.name, "import.row.not_a_number", raw_values)
    ok &= ~bad
    empty = ok & parsed.values.isna().to_numpy()
    ok &= ~empty
    values = _scale_percent(ctx, keys, raw_values, parsed.values, ok)
    frame = pd.DataFrame({
        "date": dates, "metric": keys, "value": values,
        "dimension": _cells(table.data, dim_col), "source": _cells(table.data, source_col),
    })
    frame = frame[ok]
    frame.loc[frame["source"] == "", "source"] = ctx.source.key
    if frame.empty:
        return _empty_observations()
    negative = frame["value"] < 0
    allowed = frame["metric"].isin(_allow_negative())
    if (negative & ~allowed).any():
        rows = frame.index[negative & ~allowed]
        ctx.reject(table, rows.to_numpy(), value_col.name, "import.row.negative", raw_values)
        frame = frame[~(negative & ~allowed)]
    dup = frame.duplicated(["date", "metric", "dimension", "source"], keep="first")
    if dup.any():
        for label in frame.index[dup]:
            ctx.reject(table, np.array([label]), metric_col.name, "import.row.duplicate", first=0)
        frame = frame[~dup]
    frame["granularity"] = granularity
    return frame[OBSERVATION_COLUMNS]


def _allow_negative() -> frozenset[str]:
    from core.importing.sources import registry

    return registry().allow_negative


def _find(plan: _Plan, names):
    wanted = {norm(n) for n in names}
    return next((c for c in plan.columns if c.normalized in wanted), None)


def _cells(data: pd.DataFrame, col) -> pd.Series:
    if col is None:
        return pd.Series("", index=data.index, dtype=object)
    return data[col.index].map(lambda v: "" if v is None else str(v).strip()).astype(object)


def _scale_percent(ctx: _Context, keys: pd.Series, raw: pd.Series, values: pd.Series, ok: np.ndarray) -> pd.Series:
    """Percent metrics: ``3.2%`` → 0.032 always; bare numbers > 1 mean percent units."""
    catalog = load_catalog()
    out = values.copy()
    has_pct = raw.map(lambda v: isinstance(v, str) and v.strip().endswith("%"))
    out[has_pct] = out[has_pct] / 100.0
    percent_keys = {k for k in keys.dropna().unique() if catalog[k].unit == "percent"}
    for key in percent_keys:
        rows = (keys == key) & ~has_pct & pd.Series(ok, index=keys.index)
        if (out[rows].abs() > 1).any():
            out[rows] = out[rows] / 100.0
            ctx.warn("import.warn.percent_units_assumed", metric_en=catalog[key].name("en"),
                     metric_zh=catalog[key].name("zh-TW"))
    return out
