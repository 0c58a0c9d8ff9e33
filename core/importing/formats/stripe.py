"""Stripe dashboard exports: payments (``unified_payments.csv``) and subscriptions
(``subscriptions.csv``). See ``docs/formats/stripe.md``.

Payments → ``revenue`` per day (UTC): Σ (converted) amount − (converted) amount refunded over
captured, non-failed payments.

Subscriptions → one value per calendar month (UTC):

``mrr``                 Σ monthly amount (amount × quantity, a yearly price ÷ 12, a weekly one
                        × 52 ÷ 12, a daily one × 365 ÷ 12) of the subscriptions paying on the
                        month's last day (the export's last date in the current month)
``customers_at_start``  distinct customers paying on the last day of the previous month
``churned_customers``   of those, the ones paying on no subscription on the month's last day
``new_customers``       customers whose first paid day (a trial's end, else the start) is in
                        the month

A subscription pays from its start, or from its trial's end, until it ended (``Ended At``; a
cancelled one without it: ``Canceled At``). ``incomplete``, ``incomplete_expired`` and
``unpaid`` subscriptions never count. ``churn_rate`` is the catalog's ratio of the last two.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import KgiError
from core.importing.formats.orders import (
    chosen_column,
    find_column,
    mark_used,
    text_cells,
    warn_unused_mapping,
)
from core.importing.rows import drop_totals, melt, parse_date_column
from core.importing.sources import norm
from core.importing.values import parse_dates, parse_numbers

if TYPE_CHECKING:
    from core.importing.planning import _Column, _Context, _Plan

# --- payments --------------------------------------------------------------------------------

_FAILED = ("failed", "canceled", "cancelled", "requires_payment_method", "requires_action",
           "requires_confirmation", "pending", "blocked")


def parse_payments(ctx: _Context, plan: _Plan) -> pd.DataFrame:

    amount_col = chosen_column(plan, "revenue", ("converted amount", "amount"))
    warn_unused_mapping(ctx, plan, ("revenue",))
    if amount_col is None or plan.date is None:
        raise _columns_error(ctx)
    converted = amount_col.normalized == "converted amount"
    refund_col = find_column(plan, ("converted amount refunded",) if converted else ("amount refunded",))
    mark_used(ctx, plan, amount_col, "revenue")
    ok = drop_totals(ctx, plan)
    dates, granularity = parse_date_column(ctx, plan, ok)
    ok &= dates.notna().to_numpy()
    amount = _money(ctx, plan, amount_col, ok)
    ok &= amount.notna().to_numpy()
    refunded = _money(ctx, plan, refund_col, ok).fillna(0.0) if refund_col is not None else 0.0
    status = text_cells(plan, find_column(plan, ("status",))).map(norm)
    captured = text_cells(plan, find_column(plan, ("captured",))).map(norm)
    failed = ok & (status.isin(_FAILED) | captured.eq("false")).to_numpy()
    if failed.any():
        ctx.warn("import.fmt.stripe_payments_failed", count=int(failed.sum()))
    ok &= ~failed
    _currency(ctx, plan, ("converted currency",) if converted else ("currency",), ok)
    frame = pd.DataFrame({"date": dates, "dimension": "", "revenue": amount - refunded})[ok]
    if isinstance(refunded, pd.Series) and (refunded[ok] > 0).any():
        ctx.warn("import.fmt.stripe_refunds_netted", count=int((refunded[ok] > 0).sum()))
    daily = frame.groupby("date", sort=True)["revenue"].sum().reset_index()
    daily["dimension"] = ""
    return melt(daily[["date", "dimension", "revenue"]], granularity, ctx.source.key)


def _money(ctx: _Context, plan: _Plan, col: _Column | None, ok: np.ndarray) -> pd.Series:
    """Amounts of ``col``; a cell that is not a number, or negative, rejects its row."""
    raw = plan.table.data[col.index]
    result = parse_numbers(raw, decimal=ctx.meta.setdefault("decimal", "."))
    bad = ok & (result.bad | (result.values < 0)).to_numpy()
    ctx.reject(plan.table, np.flatnonzero(bad), col.name, "import.row.not_a_number", raw)
    return result.values.where(~pd.Series(bad, index=raw.index))


def _currency(ctx: _Context, plan: _Plan, names: tuple[str, ...], ok: np.ndarray) -> None:
    codes = text_cells(plan, find_column(plan, names)).str.upper()[ok]
    codes = codes[codes.str.fullmatch(r"[A-Z]{3}")]
    if len(codes):
        ctx.currency = ctx.currency or codes.mode().iloc[0]
        if codes.nunique() > 1:
            ctx.warn("import.fmt.stripe_mixed_currencies", currencies=", ".join(sorted(codes.unique())))


def _columns_error(ctx: _Context) -> KgiError:
    from core.i18n import t

    return KgiError("import.fmt.stripe_columns", file=ctx.file_name, source_en=ctx.source.label("en"),
                    source_zh=ctx.source.label("zh-TW"), hint_en=t(ctx.source.hint, "en"),
                    hint_zh=t(ctx.source.hint, "zh-TW"))


def _no_date_error(ctx: _Context) -> KgiError:
    from core.i18n import t

    return KgiError("import.file.no_date_source", file=ctx.file_name, source_en=ctx.source.label("en"),
                    source_zh=ctx.source.label("zh-TW"), hint_en=t(ctx.source.hint, "en"),
                    hint_zh=t(ctx.source.hint, "zh-TW"))


# --- subscriptions ---------------------------------------------------------------------------

MONTHS_PER_INTERVAL = {"month": 1.0, "year": 1 / 12, "week": 52 / 12, "day": 365 / 12}
_START = ("start date (utc)", "start (utc)", "start date", "start", "created (utc)", "created")
_NEVER_PAID = ("incomplete", "incomplete_expired", "unpaid")
_ENDED = ("canceled", "cancelled", "ended")


def parse_subscriptions(ctx: _Context, plan: _Plan) -> pd.DataFrame:

    table = plan.table
    customer_col = chosen_column(plan, "new_customers", ("customer id", "customer"))
    amount_col = chosen_column(plan, "mrr", ("amount", "plan amount", "price"))
    warn_unused_mapping(ctx, plan, ("mrr", "new_customers"))
    interval_col = find_column(plan, ("interval", "plan interval"))
    if customer_col is None or amount_col is None or interval_col is None or plan.date is None:
        raise _columns_error(ctx)
    mark_used(ctx, plan, amount_col, "mrr")
    mark_used(ctx, plan, customer_col, "new_customers")
    start_col = find_column(plan, _START, written_only=True)
    if start_col is None:  # "Current Period Start" is no start date: never read it as one
        raise _no_date_error(ctx)
    if start_col is not plan.date:
        for info in ctx.columns:  # the preview shows the start column as the date
            if info.sheet == plan.table.sheet and info.name in (plan.date.name, start_col.name):
                info.role = "date" if info.name == start_col.name else "ignored"
        plan.date.role, start_col.role = "ignored", "date"
        plan = replace(plan, date=start_col)
    ok = drop_totals(ctx, plan)
    starts, _ = parse_date_column(ctx, plan, ok)
    ok &= starts.notna().to_numpy()
    customer = text_cells(plan, customer_col)
    missing_customer = ok & customer.eq("").to_numpy()
    ctx.reject(table, np.flatnonzero(missing_customer), customer_col.name, "import.fmt.stripe_no_customer")
    ok &= ~missing_customer
    amount = _money(ctx, plan, amount_col, ok)
    ok &= amount.notna().to_numpy()
    monthly = amount * _quantity(ctx, plan, ok) * _interval_factor(ctx, plan, interval_col, ok)
    ok &= monthly.notna().to_numpy()
    status = text_cells(plan, find_column(plan, ("status",))).map(norm)
    never = ok & status.isin(_NEVER_PAID).to_numpy()
    if never.any():
        ctx.warn("import.fmt.stripe_never_paid", count=int(never.sum()))
    ok &= ~never
    _currency(ctx, plan, ("currency",), ok)
    trial_end = _dates(plan, ("trial end (utc)", "trial end"))
    paid_from = starts.where(trial_end.isna() | (trial_end <= starts), trial_end)
    ended = _dates(plan, ("ended at (utc)", "ended at", "ended (utc)"))
    canceled = _dates(plan, ("canceled at (utc)", "canceled at", "cancelled at (utc)"))
    end = ended.where(ended.notna(), canceled.where(status.isin(_ENDED)))
    subs = pd.DataFrame({"customer": customer, "monthly": monthly, "start": paid_from, "end": end})[ok]
    if subs.empty:
        return melt(pd.DataFrame(columns=["date", "dimension"]), "month", ctx.source.key)
    if subs["end"].isna().all():
        ctx.warn("import.fmt.stripe_no_cancellations")
    trialing = int((trial_end[ok] > pd.Timestamp(ctx.today)).sum())
    if trialing:
        ctx.warn("import.fmt.stripe_trialing", count=trialing)
    report_end = _report_end(ctx, plan, subs)
    months = _monthly(subs, report_end)
    ctx.meta["start"] = months["date"].min().date().isoformat()
    ctx.meta["end"] = report_end.date().isoformat()
    return melt(months, "month", ctx.source.key)


def _dates(plan: _Plan, names: tuple[str, ...]) -> pd.Series:
    """A secondary date column (trial end, cancellation): days, NaT where blank or unreadable."""
    col = find_column(plan, names)
    index = plan.table.data.index
    if col is None:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    return parse_dates(plan.table.data[col.index].astype(object)).dates.astype("datetime64[ns]")


def _quantity(ctx: _Context, plan: _Plan, ok: np.ndarray) -> pd.Series:
    col = find_column(plan, ("quantity",))
    index = plan.table.data.index
    if col is None:
        return pd.Series(1.0, index=index)
    values = parse_numbers(plan.table.data[col.index]).values
    return values.where(values.notna(), 1.0)


def _interval_factor(ctx: _Context, plan: _Plan, col: _Column, ok: np.ndarray) -> pd.Series:
    """Months per billing interval, as a factor on the price (``year`` → 1/12, ...).

    An ``Interval Count`` column (every 3 months) divides it; an unknown interval rejects the
    row rather than guess.
    """
    raw = text_cells(plan, col).map(norm)
    factor = raw.map(lambda v: MONTHS_PER_INTERVAL.get(v.rstrip("s").removeprefix("1 "), np.nan)).astype(float)
    count_col = find_column(plan, ("interval count", "plan interval count"))
    if count_col is not None:
        counts = parse_numbers(plan.table.data[count_col.index]).values
        factor = factor / counts.where(counts > 0, 1.0).fillna(1.0)
    bad = ok & factor.isna().to_numpy()
    ctx.reject(plan.table, np.flatnonzero(bad), col.name, "import.fmt.stripe_bad_interval", plan.table.data[col.index])
    return factor


def _report_end(ctx: _Context, plan: _Plan, subs: pd.DataFrame) -> pd.Timestamp:
    """The export's last date (no later than today): the current month is counted to it."""
    latest = [subs["start"].max(), subs["end"].max()]
    for names in (("created (utc)", "created"), ("current period start (utc)", "current period start")):
        latest.append(_dates(plan, names).max())
    found = max(d for d in latest if pd.notna(d))
    return min(pd.Timestamp(found), pd.Timestamp(ctx.today))


def _monthly(subs: pd.DataFrame, report_end: pd.Timestamp) -> pd.DataFrame:
    """The four monthly series of the module docstring, one row per calendar month."""
    first_paid = subs.groupby("customer")["start"].min()
    rows = []
    for period in pd.period_range(subs["start"].min(), report_end, freq="M"):
        month_start = period.start_time.normalize()
        last_day = min(period.end_time.normalize(), report_end)
        before = month_start - pd.Timedelta(days=1)
        paying_end = _paying(subs, last_day)
        at_start = set(subs.loc[_paying(subs, before), "customer"])
        still = set(subs.loc[paying_end, "customer"])
        row = {
            "date": month_start,
            "mrr": float(subs.loc[paying_end, "monthly"].sum()),
            "new_customers": float(((first_paid >= month_start) & (first_paid <= last_day)).sum()),
            "customers_at_start": float(len(at_start)) if at_start else np.nan,
            "churned_customers": float(len(at_start - still)) if at_start else np.nan,
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.insert(1, "dimension", "")
    return frame


def _paying(subs: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Subscriptions paying on ``day``: started (or out of trial) by then, not ended by then."""
    return (subs["start"] <= day) & (subs["end"].isna() | (subs["end"] > day))
