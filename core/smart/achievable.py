"""Achievable: the required growth against the metric's own history and cited benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from core.catalog import Metric
from core.goals import MONTHS_PER_CADENCE, ParsedGoal
from core.i18n import t
from core.smart.criteria import Criterion, Verdict, c
from core.smart.fmt import fmt_signed_pct
from core.smart.sanity import absurd

if TYPE_CHECKING:
    import pandas as pd

    from core.benchmarks import BenchmarkComparison


@dataclass(frozen=True)
class HistoryGrowth:
    """The best yearly improvement a metric's own history shows (fraction, better direction)."""

    best: float
    method: Literal["yoy12", "yoy", "trend"]
    months: int


def history_growth(history: pd.Series | None, metric: Metric) -> HistoryGrowth | None:
    """Best year-over-year (or trend) improvement in a monthly series.

    Parameters
    ----------
    history : pandas.Series
        Monthly values, indexed by dates or monthly periods.
    metric : Metric
        Its aggregation decides how years compare: sums compare trailing 12-month totals when
        there are 24 months; otherwise 3-month averages are compared with a year before; with 6
        to 12 months, the log-linear trend is annualised.

    Returns
    -------
    HistoryGrowth or None
        ``best`` is a fraction in the metric's better direction (0.25 = 25% better a year;
        for lower-is-better metrics a 25% reduction). ``None`` under 6 usable months.
    """
    if history is None:
        return None
    series = history.dropna().astype(float)
    series = series[series > 0].sort_index()
    n = len(series)
    if n < 6:
        return None
    sign = 1.0 if metric.higher_is_better else -1.0
    values = series.to_numpy()
    if n >= 24 and metric.aggregation == "sum":
        totals = series.rolling(12).sum().to_numpy()
        changes = [totals[i] / totals[i - 12] - 1 for i in range(23, n)]
        return HistoryGrowth(max(sign * c for c in changes), "yoy12", n)
    if n >= 15:
        smooth = series.rolling(3).mean().to_numpy()
        changes = [smooth[i] / smooth[i - 12] - 1 for i in range(14, n)]
        return HistoryGrowth(max(sign * c for c in changes), "yoy", n)
    logs = [math.log(v) for v in values]
    xs = list(range(n))
    mx, my = sum(xs) / n, sum(logs) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, logs, strict=True)) / sum((x - mx) ** 2 for x in xs)
    yearly = math.exp(12 * slope) - 1
    return HistoryGrowth(yearly if sign > 0 else -yearly / (1 + yearly), "trend", n)


def _baseline_from_history(history: pd.Series | None, metric: Metric, goal: ParsedGoal) -> float | None:
    """Today's comparable value: for sums, a period's worth of the last 12 months' average."""
    if history is None:
        return None
    series = history.dropna().astype(float).sort_index()
    if series.empty:
        return None
    target = goal.target
    if goal.increment and metric.aggregation == "last":
        return float(series.iloc[-1])  # +5,000 paid members: against today's stock
    if target is not None and target.kind == "count_per_cadence" and not goal.increment:
        per_month = float(series.tail(3).mean())
        if target.cadence in (None, "period"):
            return per_month * (goal.period.months if goal.period else 12)
        return per_month * MONTHS_PER_CADENCE[target.cadence]
    if metric.aggregation == "sum":
        months = goal.period.months if goal.period else 12
        return float(series.tail(12).mean()) * months
    if metric.aggregation == "last":
        return float(series.iloc[-1])
    return float(series.tail(3).mean())


def required_change(goal: ParsedGoal, metric: Metric, baseline: float | None) -> float | None:
    """The improvement a goal asks for, as a fraction in the metric's better direction.

    ``None`` when it cannot be known (a level without a baseline). A change on a stock or a
    rate over a period shorter or longer than a year is annualised; sums compare period totals.
    """
    target = goal.target
    if target is None:
        return None
    if target.kind == "change_pct":
        change = target.value / 100
    elif target.kind == "change_pp":
        if not baseline:
            return None
        change = (baseline + target.value / 100) / baseline - 1
    elif target.kind in ("level", "threshold", "ceiling", "count_per_cadence", "rank"):
        if not baseline:
            return None
        # An increment ("+NT$1M", "+5,000 members") adds to the baseline; others replace it.
        change = target.value / baseline if goal.increment else target.value / baseline - 1
    else:  # pragma: no cover - every kind is handled above
        return None
    better = change if metric.higher_is_better else -change / (1 + change) if change > -1 else None
    if better is None:
        return None
    if metric.aggregation != "sum" and goal.period is not None and target.kind != "count_per_cadence":
        months = max(goal.period.months, 1)
        if better > -1:
            better = (1 + better) ** (12 / months) - 1
    return better


def achievable(goal: ParsedGoal, metric: Metric | None, lang: str, business_type: str | None,
                history: pd.Series | None, baseline: float | None,
                currency: str | None) -> tuple[Criterion, BenchmarkComparison | None]:
    if metric is None or goal.target is None:
        return c("unknown", lang, "smart.a.nothing", "smart.a.nothing.fix"), None
    found = absurd(goal, metric, lang, baseline)
    if found is not None:
        return Criterion("fail", found.reason, found.fix), None
    hist_base = baseline if baseline is not None else _baseline_from_history(history, metric, goal)
    comparison = _benchmark(goal, metric, business_type, hist_base, currency)
    growth = history_growth(history, metric)
    need = required_change(goal, metric, hist_base)
    if growth is not None and need is not None:
        return _judge_history(need, growth, metric, lang, comparison), comparison
    if comparison is not None:
        return _judge_benchmark(comparison, metric, lang), comparison
    if history is not None and growth is None:
        return c("unknown", lang, "smart.a.short_history", "smart.a.no_data.fix"), None
    return c("unknown", lang, "smart.a.no_data", "smart.a.no_data.fix", metric=metric.name(lang)), None


def _judge_history(need: float, growth: HistoryGrowth, metric: Metric, lang: str,
                   comparison: BenchmarkComparison | None) -> Criterion:
    params = {"need": fmt_signed_pct(need), "best": fmt_signed_pct(growth.best),
              "months": growth.months, "metric": metric.name(lang),
              "method": t(f"smart.a.method.{growth.method}", lang)}
    if need <= growth.best:
        verdict: Verdict = "pass"
    elif need <= growth.best + max(0.15, abs(growth.best) * 0.5):
        verdict = "warn"
    else:
        verdict = "fail"
    reason = t(f"smart.a.history.{verdict}", lang, **params)
    if comparison is not None:
        reason += " " + comparison.sentence(lang)
    fix = t(f"smart.a.history.{verdict}.fix", lang, **params)
    return Criterion(verdict, reason, fix)


def _judge_benchmark(comparison: BenchmarkComparison, metric: Metric, lang: str) -> Criterion:
    if not comparison.comparable:
        return Criterion("unknown", comparison.sentence(lang), t("smart.a.no_data.fix", lang))
    verdict: Verdict = {"typical": "pass", "stretch": "pass", "ambitious": "warn",
                        "extreme": "fail"}[comparison.band]
    fix_key = f"smart.a.bench.{comparison.band}.fix"
    return Criterion(verdict, comparison.sentence(lang), t(fix_key, lang, metric=metric.name(lang)))


def _benchmark(goal: ParsedGoal, metric: Metric, business_type: str | None,
               baseline: float | None, currency: str | None) -> BenchmarkComparison | None:
    from core.benchmarks import compare_to_benchmark

    target = goal.target
    assert target is not None
    level: float | None = None
    if target.kind in ("level", "threshold", "ceiling"):
        level = target.value
    elif target.kind == "change_pct" and baseline is not None and metric.aggregation != "sum":
        level = baseline * (1 + target.value / 100)
    elif target.kind == "change_pp" and baseline is not None:
        level = baseline + target.value / 100
    if level is not None:
        return compare_to_benchmark(metric.key, level, business_type=business_type, currency=currency)
    if target.kind == "change_pct" and metric.aggregation == "last":
        yearly = target.value / 100
        if goal.period is not None and goal.period.months > 0:
            yearly = (1 + yearly) ** (12 / goal.period.months) - 1
        return compare_to_benchmark(metric.key, yearly, business_type=business_type,
                                    measure="annual_growth")
    return None

