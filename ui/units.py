"""How target values are typed on screen versus how core stores them.

Core keeps percent metrics as fractions (a 25% open rate is 0.25) and a ``change_pct`` target in
percent (30 for +30%). People type "25" for a 25% rate, so levels, ceilings and thresholds of
percent metrics are shown ×100 and stored ÷100. Nothing else is converted.
"""

from __future__ import annotations

from core.catalog import load_catalog
from core.formatting import currency_symbol

LEVEL_KINDS = ("level", "ceiling", "threshold")


def _unit(metric: str | None) -> str | None:
    catalog = load_catalog()
    return catalog[metric].unit if metric and metric in catalog else None


def shown_as_percent(metric: str | None, kind: str | None) -> bool:
    """Is this value typed as a percent of a rate (25 for 25%)?"""
    return kind in LEVEL_KINDS and _unit(metric) == "percent"


def to_display(value: float | None, metric: str | None, kind: str | None) -> float | None:
    if value is None:
        return None
    return round(value * 100, 6) if shown_as_percent(metric, kind) else value


def from_display(value: float | None, metric: str | None, kind: str | None) -> float | None:
    if value is None:
        return None
    return round(value / 100, 8) if shown_as_percent(metric, kind) else float(value)


def baseline_to_display(value: float | None, metric: str | None) -> float | None:
    """A baseline is a level of the metric itself: a rate is typed as a percent."""
    return to_display(value, metric, "level")


def baseline_from_display(value: float | None, metric: str | None) -> float | None:
    return from_display(value, metric, "level")


def value_suffix(metric: str | None, kind: str | None, currency: str) -> str:
    """The unit to print after a typed target: ``%``, ``pp``, ``NT$``, ``×``..."""
    if kind == "change_pct":
        return "%"
    if kind == "change_pp":
        return "pp"
    if kind == "rank":
        return "#"
    unit = _unit(metric)
    if unit == "percent":
        return "%"
    if unit == "currency":
        return currency_symbol(currency).strip()
    if unit == "ratio":
        return "×"
    return ""


def baseline_suffix(metric: str | None, currency: str) -> str:
    return value_suffix(metric, "level", currency)


def target_level(metric: str, kind: str | None, value: float | None, baseline: float | None) -> float | None:
    """The level a target asks for, in the metric's unit, for comparing with a benchmark.

    Levels, ceilings and thresholds are levels already; a change needs the baseline
    (+10% on a 2.0% conversion rate is 2.2%; +1 pp on it is 3.0%). Counts per cadence and ranks
    are not compared.
    """
    if value is None or kind is None:
        return None
    if kind in LEVEL_KINDS:
        return value
    if baseline is None:
        return None
    if kind == "change_pct":
        return baseline * (1 + value / 100)
    if kind == "change_pp" and _unit(metric) == "percent":
        return baseline + value / 100
    return None
