"""Pacing, status and forecast (SPEC §5b), as pure functions.

Three kinds of metric pace differently, and the catalog's aggregation says which is which:

``additive`` (aggregation ``sum``)
    Revenue, sessions: monthly targets split the period total; expected-to-date is cumulative.
``rate`` (``ratio``, ``weighted_mean``)
    Conversion rate, CPA, search position: every month's target is a level; expected-to-date
    is the level of the current month.
``stock`` (``last``)
    Followers, paid members: monthly targets are month-end levels; expected-to-date is the
    level due at the end of the current month.

Percent metrics are fractions, as everywhere in core.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist, fmean, stdev
from typing import Literal

from core.formatting import format_distinct, format_pct
from core.i18n import t

Kind = Literal["additive", "rate", "stock"]
Status = Literal["on_track", "at_risk", "off_track", "too_early"]
STATUSES: tuple[str, ...] = ("on_track", "at_risk", "off_track", "too_early")
_KIND_OF_AGGREGATION: dict[str, str] = {
    "sum": "additive",
    "ratio": "rate",
    "weighted_mean": "rate",
    "last": "stock",
}
# The forecast range is a central 80% band: wide enough to be honest about noisy months,
# narrow enough to still say something.
_BAND_Z = NormalDist().inv_cdf(0.9)
# With a single month there is no spread to measure; assume a 25% coefficient of variation,
# typical of small shops' monthly revenue, rather than pretend to certainty.
_SINGLE_MONTH_CV = 0.25
# Months that count as "recent" for the run rate.
_RECENT_MONTHS = 3


def kind_of(aggregation: str) -> str:
    """Pacing kind for a catalog aggregation (``"sum"`` → ``"additive"``); kinds pass through."""
    if aggregation in ("additive", "rate", "stock"):
        return aggregation
    try:
        return _KIND_OF_AGGREGATION[aggregation]
    except KeyError:
        raise ValueError(f"unknown aggregation {aggregation!r}") from None


def kind_of_metric(metric: str) -> str:
    """Pacing kind of a catalog metric."""
    from core.catalog import load_catalog

    return kind_of(load_catalog()[metric].aggregation)


# --- monthly split ------------------------------------------------------------------------


class MonthlySplit(list[float]):
    """Monthly targets, a plain list of floats that also says how it was made.

    ``method`` is ``"linear"`` or ``"seasonal"``; ``fallback_reason`` says why a seasonal split
    fell back to linear (``"too_little_data"``, ``"zero_months"``, ``"negative_months"``), else
    ``None``.
    """

    def __init__(
        self,
        values: Sequence[float] = (),
        method: str = "linear",
        fallback_reason: str | None = None,
    ) -> None:
        super().__init__(values)
        self.method = method
        self.fallback_reason = fallback_reason

    @property
    def fell_back(self) -> bool:
        return self.fallback_reason is not None


def _exact_total(values: list[float], total: float) -> list[float]:
    """Put the float rounding residue on the last month, so ``math.fsum`` gives ``total``."""
    if values:
        values[-1] += total - math.fsum(values)
    return values


def monthly_split_linear(total: float, months: int) -> MonthlySplit:
    """Split a period total evenly over ``months``.

    Parameters
    ----------
    total : float
    months : int
        At least 1.

    Returns
    -------
    MonthlySplit
        ``months`` values summing to ``total`` (the last absorbs float residue).

    Examples
    --------
    >>> monthly_split_linear(120, 12)[:2]
    [10.0, 10.0]
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    return MonthlySplit(_exact_total([total / months] * months, total), "linear")


def _seasonal_problem(last_year: Sequence[float | None]) -> str | None:
    values = list(last_year)
    if len(values) < 2 or any(v is None or not math.isfinite(v) for v in values):
        return "too_little_data"
    if any(v < 0 for v in values):  # type: ignore[operator]
        return "negative_months"
    if any(v == 0 for v in values):
        return "zero_months"
    return None


def monthly_split_seasonal(total: float, last_year: Sequence[float | None]) -> MonthlySplit:
    """Split ``total`` by each month's share of last year.

    Parameters
    ----------
    total : float
        The period target.
    last_year : sequence of float
        Last year's actual for each month of the period, in the period's order. Its length is
        the number of months.

    Returns
    -------
    MonthlySplit
        ``share_i × total`` per month, summing exactly to ``total``. If a month of last year is
        missing, zero or negative (a shop that opened mid-year, a gap in the data), the shares
        would say "sell nothing that month": the split falls back to linear and
        ``fallback_reason`` says why.

    Examples
    --------
    >>> monthly_split_seasonal(1200, [10, 30, 20, 40])
    [120.0, 360.0, 240.0, 480.0]
    """
    problem = _seasonal_problem(last_year)
    if problem is not None:
        split = monthly_split_linear(total, max(len(last_year), 1))
        split.fallback_reason = problem
        return split
    base = math.fsum(last_year)  # type: ignore[arg-type]
    values = [total * v / base for v in last_year]  # type: ignore[operator]
    return MonthlySplit(_exact_total(values, total), "seasonal")


def _apply_overrides(split: MonthlySplit, total: float, overrides: Mapping[int, float]) -> None:
    """Set edited months and spread the rest of the total over the others, in proportion.

    So editing December up takes the difference from the other months and the year's target
    stands. When every month is edited, the edits are the plan and the sum may differ.
    """
    free = [i for i in range(len(split)) if i not in overrides]
    free_sum = math.fsum(split[i] for i in free)
    remainder = total - math.fsum(overrides.values())
    for i, value in overrides.items():
        split[i] = float(value)
    if not free:
        return
    for i in free:
        split[i] = remainder * split[i] / free_sum if free_sum else remainder / len(free)
    split[free[-1]] += remainder - math.fsum(split[i] for i in free)


def _level_path(target: float, months: int, baseline: float | None) -> list[float]:
    """Month-end levels from ``baseline`` to ``target`` in equal steps (flat without one)."""
    if baseline is None:
        return [float(target)] * months
    step = (target - baseline) / months
    path = [baseline + step * (i + 1) for i in range(months)]
    path[-1] = float(target)
    return path


def monthly_targets(
    target_total: float,
    months: int,
    kind: str,
    last_year: Sequence[float | None] | None = None,
    overrides: Mapping[int, float] | None = None,
    *,
    baseline: float | None = None,
) -> MonthlySplit:
    """Monthly targets for a period.

    Parameters
    ----------
    target_total : float
        Additive metrics: the period total. Rates: the target level. Stocks: the level due at
        the period end.
    months : int
    kind : {"additive", "rate", "stock"} or a catalog aggregation
    last_year : sequence of float, optional
        Additive metrics only: split seasonally by last year's monthly actuals (falls back to
        linear, flagged, when they cannot serve).
    overrides : mapping of int to float, optional
        Month index (0-based) → value the user typed. For additive metrics the other months
        share the rest of the total in proportion, so the total stands.
    baseline : float, optional
        Stocks: the level at the start. Month-end targets then climb from it to the target in
        equal steps; without it every month holds the target level.

    Returns
    -------
    MonthlySplit
    """
    pace_kind = kind_of(kind)
    if months < 1:
        raise ValueError("months must be at least 1")
    if pace_kind == "additive":
        split = (
            monthly_split_seasonal(target_total, last_year)
            if last_year is not None
            else monthly_split_linear(target_total, months)
        )
        if len(split) != months:
            split = monthly_split_linear(target_total, months)
            split.fallback_reason = "too_little_data"
        if overrides:
            _apply_overrides(split, target_total, _valid(overrides, months))
        return split
    if pace_kind == "stock":
        split = MonthlySplit(_level_path(target_total, months, baseline), "linear")
    else:
        split = MonthlySplit([float(target_total)] * months, "linear")
    for i, value in _valid(overrides or {}, months).items():
        split[i] = float(value)
    return split


def _valid(overrides: Mapping[int, float], months: int) -> dict[int, float]:
    bad = [i for i in overrides if not 0 <= i < months]
    if bad:
        raise ValueError(f"override months {bad} are outside 0..{months - 1}")
    return dict(overrides)


# --- expected to date and pace ------------------------------------------------------------


def _month_index(period_start: date, day: date) -> int:
    return (day.year - period_start.year) * 12 + day.month - period_start.month


def _month_fraction(day: date) -> float:
    """Share of ``day``'s month elapsed, ``day`` included (Jan 15 → 15/31)."""
    return day.day / calendar.monthrange(day.year, day.month)[1]


def expected_to_date(
    monthly_targets: Sequence[float],
    period_start: date,
    as_of: date,
    aggregation: str,
) -> float:
    """What the plan expects by ``as_of`` (inclusive).

    Parameters
    ----------
    monthly_targets : sequence of float
        One per month from ``period_start``'s month.
    period_start : date
        First day of the period (months are calendar months from its month).
    as_of : date
    aggregation : str
        Catalog aggregation or pacing kind.

    Returns
    -------
    float
        Additive: the targets of the complete months plus the current month's target prorated
        by days (as_of included) — 0 before the period, the total after it. Rates and stocks:
        the current month's target level (the first before the period, the last after it).

    Examples
    --------
    >>> expected_to_date([31.0, 29.0], date(2024, 1, 1), date(2024, 2, 15), "sum")
    46.0
    """
    if not monthly_targets:
        raise ValueError("monthly_targets is empty")
    index = _month_index(period_start, as_of)
    if kind_of(aggregation) != "additive":
        return float(monthly_targets[min(max(index, 0), len(monthly_targets) - 1)])
    if index < 0:
        return 0.0
    if index >= len(monthly_targets):
        return math.fsum(monthly_targets)
    done = math.fsum(monthly_targets[:index])
    return done + monthly_targets[index] * _month_fraction(as_of)


def elapsed_fraction(period_start: date, period_end: date, as_of: date) -> float:
    """Share of the period's days up to ``as_of`` inclusive, clipped to [0, 1]."""
    total = (period_end - period_start).days + 1
    done = (as_of - period_start).days + 1
    return min(max(done / total, 0.0), 1.0) if total > 0 else 1.0


def pace_ratio(actual: float | None, expected: float | None, direction: str) -> float | None:
    """Actual ÷ expected, inverted for lower-is-better metrics.

    Parameters
    ----------
    actual, expected : float or None
    direction : {"higher", "lower"}
        The catalog's direction (``"increase"``/``"decrease"`` are accepted too).

    Returns
    -------
    float or None
        1.0 is on pace and above 1 is ahead, in both directions: a CPA of 8 against a ceiling
        of 10 is 1.25. ``None`` when expected is missing or 0, or when a lower-is-better actual
        is 0 (nothing spent yet is not "infinitely ahead").
    """
    if actual is None or expected is None or expected == 0:
        return None
    if direction in ("lower", "decrease"):
        return None if actual == 0 else expected / actual
    return actual / expected


@dataclass(frozen=True)
class Thresholds:
    """Status bands on the pace ratio, and when it is too early to judge (configurable)."""

    on_track: float = 0.95
    at_risk: float = 0.85
    min_elapsed_fraction: float = 0.10
    min_days: int = 14

    def __post_init__(self) -> None:
        if not 0 < self.at_risk <= self.on_track:
            raise ValueError("thresholds need 0 < at_risk ≤ on_track")
        if not 0 <= self.min_elapsed_fraction < 1 or self.min_days < 0:
            raise ValueError("too-early limits out of range")

    @classmethod
    def from_settings(cls, settings: Mapping[str, object] | None) -> Thresholds:
        """From a workspace's settings dict (keys as the field names; missing ones default)."""
        if not settings:
            return cls()
        names = ("on_track", "at_risk", "min_elapsed_fraction", "min_days")
        values = {k: settings[k] for k in names if settings.get(k) is not None}
        return cls(**values)  # type: ignore[arg-type]


def status(
    pace_ratio: float | None,
    elapsed_fraction: float,
    thresholds: Thresholds | None = None,
    *,
    days_elapsed: int | None = None,
) -> str:
    """``on_track``, ``at_risk``, ``off_track`` or ``too_early``.

    Parameters
    ----------
    pace_ratio : float or None
        From :func:`pace_ratio`. ``None`` (nothing expected yet, or no data) is ``too_early``.
    elapsed_fraction : float
        Share of the period that has data.
    thresholds : Thresholds, optional
    days_elapsed : int, optional
        Days of the period that have data; under ``thresholds.min_days`` is too early even if
        the fraction is past its limit (a one-month period after ten days).
    """
    limits = thresholds or Thresholds()
    if elapsed_fraction < limits.min_elapsed_fraction:
        return "too_early"
    if days_elapsed is not None and days_elapsed < limits.min_days:
        return "too_early"
    if pace_ratio is None:
        return "too_early"
    if pace_ratio >= limits.on_track:
        return "on_track"
    if pace_ratio >= limits.at_risk:
        return "at_risk"
    return "off_track"


# --- forecast -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """A period-end forecast with its 80% range (``low`` ≤ ``value`` ≤ ``high``)."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "low": self.low, "high": self.high}


def _slope(values: Sequence[float]) -> float:
    """Least-squares slope per month (0 with fewer than 3 months: two points are not a trend)."""
    n = len(values)
    if n < 3:
        return 0.0
    x_mean = (n - 1) / 2
    y_mean = fmean(values)
    sxx = sum((i - x_mean) ** 2 for i in range(n))
    return sum((i - x_mean) * (y - y_mean) for i, y in enumerate(values)) / sxx


def _spread(values: Sequence[float], slope: float) -> float:
    """Month-to-month noise: std of residuals around the trend (or of the values)."""
    if len(values) < 2:
        return abs(values[0]) * _SINGLE_MONTH_CV if values else 0.0
    detrended = [y - slope * i for i, y in enumerate(values)]
    return stdev(detrended)


def _forecast_additive(values: list[float], months_total: int, last_fraction: float) -> Forecast:
    n = len(values)
    full = values[:-1] + [values[-1] / last_fraction]  # the current month at full-month pace
    slope = _slope(full)
    recent = full[-_RECENT_MONTHS:]
    level, level_x = fmean(recent), n - (len(recent) + 1) / 2
    remaining_now = (1 - last_fraction) * max(level + slope * (n - 1 - level_x), 0.0)
    future = [max(level + slope * (x - level_x), 0.0) for x in range(n, months_total)]
    done = math.fsum(values)
    value = done + remaining_now + math.fsum(future)
    months_left = len(future) + (1 - last_fraction)
    half = _BAND_Z * _spread(full, slope) * math.sqrt(months_left)
    return Forecast(value, max(done, value - half), value + half)


def _forecast_rate(values: list[float], months_total: int, w: list[float]) -> Forecast:
    """Ratio-of-sums consistent: months so far by their weights, the rest at the recent level."""
    n = len(values)
    recent = list(zip(values[-_RECENT_MONTHS:], w[-_RECENT_MONTHS:], strict=True))
    # More recent months count more (1, 2, 3), each also by its own weight (sessions...).
    recency = range(1, len(recent) + 1)
    rw = [r * wi for r, (_, wi) in zip(recency, recent, strict=True)]
    level = math.fsum(v * x for (v, _), x in zip(recent, rw, strict=True)) / math.fsum(rw)
    so_far = math.fsum(v * wi for v, wi in zip(values, w, strict=True))
    weight_so_far = math.fsum(w)
    weight_left = max(months_total - n, 0) * fmean(wi for _, wi in recent)
    value = (so_far + level * weight_left) / (weight_so_far + weight_left)
    share_left = weight_left / (weight_so_far + weight_left)
    half = _BAND_Z * _spread(values, 0.0) * share_left
    return Forecast(value, value - half, value + half)


def _forecast_stock(values: list[float], months_total: int) -> Forecast:
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    months_left = max(months_total - len(values), 0)
    if not steps:
        return Forecast(values[-1], values[-1], values[-1])
    step = fmean(steps[-_RECENT_MONTHS:])
    value = values[-1] + step * months_left
    noise = stdev(steps) if len(steps) >= 2 else abs(step) * _SINGLE_MONTH_CV
    half = _BAND_Z * noise * math.sqrt(months_left)
    return Forecast(value, value - half, value + half)


def forecast(
    monthly_actuals: Sequence[float],
    months_total: int,
    kind: str,
    *,
    last_month_fraction: float = 1.0,
    weights: Sequence[float] | None = None,
) -> Forecast | None:
    """Forecast the period-end value from the months so far.

    Parameters
    ----------
    monthly_actuals : sequence of float
        One value per elapsed month, in order (the last may be the current, partial month).
    months_total : int
        Months in the period.
    kind : {"additive", "rate", "stock"} or a catalog aggregation
    last_month_fraction : float
        Share of the last month elapsed (additive only): its value is scaled up to a full month
        for the run rate, and only the rest of it is still to come.
    weights : sequence of float, optional
        Rates: each month's denominator (sessions for a conversion rate), so the forecast is a
        ratio of sums like the actuals; equal weights without it.

    Returns
    -------
    Forecast or None
        ``None`` without any month of data.

        - additive: actual to date + each remaining month at the recent run rate (mean of the
          last 3 full-month-equivalent months) moved along the least-squares trend (from 3
          months on), never below zero; range ± z₀.₉ × residual spread × √months left.
        - rate: months so far by weight plus the remaining months at the recent level
          (recency-weighted 1, 2, 3 and by weight); range ± z₀.₉ × spread of monthly rates ×
          the share of the period still to come.
        - stock: last level + mean of the last 3 monthly increments × months left; range
          ± z₀.₉ × spread of the increments × √months left.
    """
    if weights is not None and len(weights) != len(monthly_actuals):
        raise ValueError("weights must match monthly_actuals")
    if not 0 < last_month_fraction <= 1:
        raise ValueError("last_month_fraction must be in (0, 1]")
    pairs = [
        (float(v), 1.0 if weights is None else float(weights[i]))
        for i, v in enumerate(monthly_actuals)
        if v is not None and math.isfinite(v)
    ]
    if not pairs or months_total < 1:
        return None
    values = [v for v, _ in pairs]
    pace_kind = kind_of(kind)
    if pace_kind == "additive":
        return _forecast_additive(values, months_total, last_month_fraction)
    if pace_kind == "rate":
        return _forecast_rate(values, months_total, [w for _, w in pairs])
    return _forecast_stock(values, months_total)


def required_rate(target: float, actual_to_date: float, months_left: float) -> float | None:
    """Monthly amount needed from now on to reach an additive ``target``.

    ``0.0`` when the target is already reached; ``None`` when no month is left.

    Examples
    --------
    >>> required_rate(10_000_000, 4_100_000, 6)
    983333.3333333334
    """
    if months_left <= 0:
        return None
    return max(target - actual_to_date, 0.0) / months_left


def required_level(
    target: float,
    actual_to_date: float,
    weight_so_far: float,
    weight_left: float,
) -> float | None:
    """Rate needed over the rest of the period for the period's ratio of sums to hit ``target``.

    With 10,000 sessions at 2.0% so far and 20,000 to come, a 3.0% target needs
    (3.0% × 30,000 − 2.0% × 10,000) / 20,000 = 3.5% from now on. ``None`` with nothing left.
    """
    if weight_left <= 0:
        return None
    return (target * (weight_so_far + weight_left) - actual_to_date * weight_so_far) / weight_left


# --- the sentence -------------------------------------------------------------------------


def _period_word(months: int, lang: str) -> str:
    key = {12: "year", 3: "quarter", 1: "month"}.get(months, "period")
    return t(f"numbers.period.{key}", lang)


def status_sentence(
    *,
    actual: float | None,
    target: float | None,
    expected: float | None,
    elapsed: float,
    kind: str,
    unit: str,
    direction: str = "higher",
    lang: str = "zh-TW",
    currency: str = "TWD",
    months: int = 12,
    status_key: str | None = None,
) -> str:
    """The sentence that explains a status, in ``lang``.

    Parameters
    ----------
    actual, target, expected : float or None
        Actual to date, period target, expected to date (metric's storage unit).
    elapsed : float
        Share of the period elapsed.
    kind : str
        Pacing kind or catalog aggregation: additive metrics compare totals ("NT$4.1M of
        NT$10M (41%)"), rates and stocks compare levels.
    unit, direction, currency : str
        From the catalog and the workspace.
    months : int
        Period length, to call it a year, a quarter, a month or a period.
    status_key : str, optional
        The status; ``too_early`` gets its own sentence.

    Examples
    --------
    ``NT$4.1M of NT$10M (41%) at 50% of the year — 18% behind pace`` /
    ``已達 NT$410 萬／目標 NT$1,000 萬（41%），年度已過 50%，落後進度 18%``
    """
    # Figures that differ never print the same: "NT$1.39K against NT$1.4K", not "1.4K against 1.4K".
    shown = format_distinct([actual, target, expected], unit, lang, currency, short=True)
    params = {
        "actual": shown[0],
        "target": shown[1],
        "expected": shown[2],
        "elapsed": format_pct(elapsed),
        "period": _period_word(months, lang),
    }
    if actual is None:
        return t("numbers.sentence.no_data", lang, **params)
    if status_key == "too_early":
        return t("numbers.sentence.too_early", lang, **params)
    additive = kind_of(kind) == "additive"
    achieved = actual / target if additive and target else None
    params["achieved"] = format_pct(achieved)
    stem = "numbers.sentence.additive" if additive else "numbers.sentence.level"
    if target is None:
        return t("numbers.sentence.no_target", lang, **params)
    ratio = pace_ratio(actual, expected, direction)
    if ratio is None:
        return t(stem, lang, **params)
    gap = round((ratio - 1) * 100)
    if gap == 0:
        tail = t("numbers.sentence.on_pace", lang)
    elif gap < 0:
        tail = t("numbers.sentence.behind", lang, gap=f"{-gap}%")
    else:
        tail = t("numbers.sentence.ahead", lang, gap=f"{gap}%")
    return t(stem, lang, **params) + t("numbers.sentence.join", lang) + tail
