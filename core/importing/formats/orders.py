"""Order exports of shop platforms (Shopee, SHOPLINE, 91APP): orders and revenue per day.

Each platform writes one row per line item (product) of an order; the order's own fields
(its date, status and total) are repeated on every line or written on the first one only. The
platform modules give this engine their column names (in ``core/data/sources/*.toml``) and a
small grammar that sorts each order's status text into one of four states:

``ok``               an order: counted, its total is revenue
``cancelled``        never became a sale (Shopee 不成立 / 已取消, SHOPLINE 已取消): left out
``returned``         fully returned or refunded: left out, like a refunded Shopify order
``return_pending``   a return or refund is requested but not finished: kept, and said so

``orders`` is the number of distinct order ids on a day; ``revenue`` the sum of the kept
orders' totals less any refunded amount the export states. Every decision is counted in a
warning the user reads in the preview.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from core.errors import KgiError
from core.importing.rows import drop_totals, melt, parse_date_column
from core.importing.sources import norm, split_currency
from core.importing.values import parse_numbers

if TYPE_CHECKING:
    from core.importing.planning import _Column, _Context, _Plan

State = Literal["ok", "cancelled", "returned", "return_pending"]
Classifier = Callable[[dict[str, str]], State]


@dataclass(frozen=True)
class OrderColumns:
    """Where one platform keeps each order field (normalised header names, in preference)."""

    order_id: Sequence[str]
    total: Sequence[str]  # the order's total, on each of its rows or on its first row
    line_amount: Sequence[str] = ()  # a line's own amount, summed when no order total exists
    refunded: Sequence[str] = ()
    status: Sequence[str] = ()  # every column the classifier reads, by role name
    status_roles: Sequence[str] = ()


def find_column(plan: _Plan, names: Sequence[str], *, written_only: bool = False) -> _Column | None:
    """The first of ``names`` present in the table (never a personal-data column).

    ``written_only``: match the header as written only, never its compare-mode base name.
    """
    usable = [c for c in plan.columns if c.role != "pii"]
    # The header as written first: ``normalized`` drops compare-mode prefixes, so Stripe's
    # "Current Period Start (UTC)" would otherwise answer for "Start (UTC)".
    as_written = {split_currency(plan.table.raw_headers[c.index])[0]: c for c in reversed(usable)}
    normalized = {c.normalized: c for c in reversed(usable)}
    for name in names:
        wanted = norm(name)
        col = as_written.get(wanted) or (None if written_only else normalized.get(wanted))
        if col is not None:
            return col
    return None


def chosen_column(plan: _Plan, metric: str, names: Sequence[str], **kwargs: bool) -> _Column | None:
    """The column the user mapped to ``metric`` in the preview, else the first of ``names``."""
    mapped = next((c for c in plan.columns if c.via == "mapping" and c.metric == metric), None)
    return mapped or find_column(plan, names, **kwargs)


def warn_unused_mapping(ctx: _Context, plan: _Plan, used: Sequence[str]) -> None:
    """Columns the user mapped to a metric this export's reader does not take from a column."""
    unused = [c.name for c in plan.columns if c.via == "mapping" and c.metric and c.metric not in used]
    if unused:
        ctx.warn("import.fmt.mapping_not_used", columns=", ".join(unused), source_en=ctx.source.label("en"),
                 source_zh=ctx.source.label("zh-TW"))


def mark_used(ctx: _Context, plan: _Plan, col: _Column, metric: str) -> None:
    """Show ``col`` as the column that gives ``metric`` in the preview's column table."""
    for info in ctx.columns:
        if info.name == col.name and info.sheet == plan.table.sheet:
            info.role, info.metric, info.note = "metric", metric, None


def text_cells(plan: _Plan, col: _Column | None) -> pd.Series:
    """The column's cells as trimmed text (``""`` when the column is absent or blank)."""
    data = plan.table.data
    if col is None:
        return pd.Series("", index=data.index, dtype=object)
    return data[col.index].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())


def parse_orders(ctx: _Context, plan: _Plan, columns: OrderColumns, classify: Classifier) -> pd.DataFrame:
    """Daily ``orders`` and ``revenue`` from an order export (see the module docstring)."""
    from core.importing.layouts import _first_rows_plan

    table = plan.table
    id_col = chosen_column(plan, "orders", columns.order_id)
    total_col = chosen_column(plan, "revenue", columns.total)
    warn_unused_mapping(ctx, plan, ("orders", "revenue"))
    line_col = None if total_col is not None else find_column(plan, columns.line_amount)
    amount_col = total_col or line_col
    if id_col is None or amount_col is None or plan.date is None:
        raise KgiError("import.fmt.orders_columns", file=ctx.file_name, source_en=ctx.source.label("en"),
                       source_zh=ctx.source.label("zh-TW"), hint_en=_hint(ctx, "en"), hint_zh=_hint(ctx, "zh-TW"))
    mark_used(ctx, plan, id_col, "orders")
    mark_used(ctx, plan, amount_col, "revenue")
    order_id = text_cells(plan, id_col)
    ok = drop_totals(ctx, plan) & order_id.ne("").to_numpy()
    first = ~order_id.duplicated(keep="first")
    dates, granularity = parse_date_column(ctx, _first_rows_plan(plan, first), ok & first.to_numpy())
    decimal = ctx.meta.setdefault("decimal", ".")
    amounts = parse_numbers(table.data[amount_col.index], decimal=decimal)
    if amounts.currency:
        ctx.currency = ctx.currency or amounts.currency
    # An order total is read on the order's first row; a line amount on every line.
    read_rows = ok & (first.to_numpy() if total_col is not None else np.ones(len(first), dtype=bool))
    bad = read_rows & amounts.bad.to_numpy()
    ctx.reject(table, np.flatnonzero(bad), amount_col.name, "import.row.not_a_number", table.data[amount_col.index])
    negative = read_rows & ~bad & (amounts.values < 0).to_numpy()
    ctx.reject(table, np.flatnonzero(negative), amount_col.name, "import.row.negative", table.data[amount_col.index])
    blank = read_rows & ~bad & amounts.values.isna().to_numpy()
    ctx.reject(table, np.flatnonzero(blank), amount_col.name, "import.fmt.orders_no_amount")
    negative |= blank
    refunded_col = find_column(plan, columns.refunded)
    refunded = (parse_numbers(table.data[refunded_col.index], decimal=decimal).values
                if refunded_col is not None else pd.Series(np.nan, index=table.data.index))
    states = _states(plan, columns, classify)
    rows = pd.DataFrame({
        "id": order_id, "date": dates,
        "amount": amounts.values, "refunded": refunded, "state": states,
        "ok": ok & ~bad & ~negative, "first": first,
    })
    rows = rows[rows["ok"]]
    per_order = _per_order(rows, by_line=total_col is None)
    per_order = per_order[per_order["date"].notna()]
    _warn_states(ctx, per_order)
    kept = per_order[per_order["state"].isin(["ok", "return_pending"])].copy()
    kept["revenue"] = kept["amount"].fillna(0.0) - kept["refunded"].fillna(0.0)
    daily = kept.groupby("date", sort=True).agg(orders=("id", "nunique"), revenue=("revenue", "sum")).reset_index()
    daily["dimension"] = ""
    daily["orders"] = daily["orders"].astype(float)
    return melt(daily[["date", "dimension", "orders", "revenue"]], granularity, ctx.source.key)


def _hint(ctx: _Context, lang: str) -> str:
    from core.i18n import t

    return t(ctx.source.hint, lang)


def _states(plan: _Plan, columns: OrderColumns, classify: Classifier) -> pd.Series:
    """Each row's state from its status cells, the grammar applied once per distinct combination.

    Several headers may name one role (the zh-TW and English interfaces): the first present
    one is read.
    """
    present: dict[str, _Column] = {}
    for role, name in zip(columns.status_roles, columns.status, strict=True):
        col = find_column(plan, [name]) if role not in present else None
        if col is not None:
            present[role] = col
    index = plan.table.data.index
    if not present:
        return pd.Series("ok", index=index, dtype=object)
    frame = pd.DataFrame({role: text_cells(plan, col).map(norm) for role, col in present.items()})
    codes, combos = pd.factorize(pd.Series(list(zip(*(frame[r] for r in present), strict=True)), index=index))
    states = np.array([classify(dict(zip(present, combo, strict=True))) for combo in combos], dtype=object)
    return pd.Series(states[codes] if len(codes) else [], index=index, dtype=object)


_RANK = {"ok": 0, "return_pending": 1, "returned": 2, "cancelled": 3}


def _per_order(rows: pd.DataFrame, *, by_line: bool) -> pd.DataFrame:
    """One row per order: its date, state and amount.

    With an order total (``by_line`` False) the order's first row speaks for it. With line
    amounts only, the order's lines in state ok or return_pending are summed, and the order
    takes the best state among its lines (an order with one cancelled line out of three is
    still an order).
    """
    if not by_line:
        return rows[rows["first"]].drop(columns=["first", "ok"])
    rows = rows.assign(rank=rows["state"].map(_RANK))
    counted = rows["state"].isin(["ok", "return_pending"])
    grouped = rows.groupby("id", sort=False)
    out = pd.DataFrame({
        "date": grouped["date"].first(),
        "rank": grouped["rank"].min(),
        "amount": rows["amount"].where(counted, 0.0).groupby(rows["id"], sort=False).sum(),
        "refunded": grouped["refunded"].first(),
    })
    out["state"] = out["rank"].map({v: k for k, v in _RANK.items()})
    return out.drop(columns="rank").reset_index()


def _warn_states(ctx: _Context, per_order: pd.DataFrame) -> None:
    counts = per_order["state"].value_counts()
    if counts.get("cancelled", 0):
        ctx.warn("import.fmt.orders_cancelled", count=int(counts["cancelled"]))
    if counts.get("returned", 0):
        ctx.warn("import.fmt.orders_returned", count=int(counts["returned"]))
    if counts.get("return_pending", 0):
        ctx.warn("import.fmt.orders_return_pending", count=int(counts["return_pending"]))
