"""Goal value types: what a KGI or KPI sentence means once parsed.

Units follow docs/ARCHITECTURE.md "Conventions": a ``change_pct`` target holds percent (30 for
+30%, -20 for −20%), ``change_pp`` percentage points, ``level`` / ``ceiling`` / ``threshold`` the
metric's own unit (0.25 for a 25% open rate, 10 for a CPA under $10), ``rank`` a position (3 for
top 3) and ``count_per_cadence`` a count per ``cadence``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

TargetKind = Literal[
    "change_pct", "change_pp", "level", "ceiling", "count_per_cadence", "rank", "threshold"
]
TARGET_KINDS: tuple[str, ...] = (
    "change_pct", "change_pp", "level", "ceiling", "count_per_cadence", "rank", "threshold",
)
Cadence = Literal["day", "week", "month", "quarter", "year", "period"]
CADENCES: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "period")
# What a goal asks the metric to do: go up, go down, or reach / hold a level (a level can
# also carry "increase" or "decrease" when the sentence says which way: "reduce churn to 3%").
GoalDirection = Literal["increase", "decrease", "reach"]
GOAL_DIRECTIONS: tuple[str, ...] = ("increase", "decrease", "reach")

# Months per cadence, to compare a weekly count with monthly history.
MONTHS_PER_CADENCE: dict[str, float] = {
    "day": 12 / 365.25, "week": 12 / 52.1775, "month": 1.0, "quarter": 3.0, "year": 12.0,
}


@dataclass(frozen=True)
class Target:
    """What a goal asks for: a ``kind`` of target and its ``value`` (units: module docstring)."""

    kind: str
    value: float
    cadence: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TARGET_KINDS:
            raise ValueError(f"unknown target kind {self.kind!r}")
        if self.cadence is not None and self.cadence not in CADENCES:
            raise ValueError(f"unknown cadence {self.cadence!r}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "value": _plain_number(self.value)}
        if self.cadence is not None:
            out["cadence"] = self.cadence
        return out

    @property
    def is_relative(self) -> bool:
        return self.kind in ("change_pct", "change_pp")


@dataclass(frozen=True)
class Period:
    """An inclusive date range."""

    start: date
    end: date

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def months(self) -> float:
        """Length in months (whole calendar months count 1 each; a 2024 full year is 12)."""
        if self.start.day == 1 and self.end == month_end(self.end.year, self.end.month):
            return float((self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1)
        days = (self.end - self.start).days + 1
        return round(days / (365.25 / 12), 2)

    @classmethod
    def months_from(cls, start: date, months: int) -> Period:
        """``months`` whole months starting at ``start``: 2024-03-01 + 12 → 2025-02-28."""
        return cls(start, add_months(start, months) - _ONE_DAY)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first = 3 * (quarter - 1) + 1
        return cls(date(year, first, 1), month_end(year, first + 2))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls(date(year, month, 1), month_end(year, month))


@dataclass
class ParsedGoal:
    """A goal sentence, understood.

    ``metric`` is a catalog key or ``None``; ``direction`` is what the sentence asks the metric
    to do. The flags explain what the parser saw, so the SMART check can say why something is
    missing instead of guessing.
    """

    text: str
    lang: str
    metric: str | None = None
    direction: str | None = None
    target: Target | None = None
    period: Period | None = None
    ambiguous_rate: bool = False
    cadence: str | None = None
    period_relative: bool = False
    deadline_only: bool = False
    other_metrics: tuple[str, ...] = ()
    metric_phrase: str | None = None
    vague_term: str | None = None
    foreign_script: bool = False
    understood: bool = True
    currency: str | None = None
    increment: bool = False
    baseline: float | None = None
    deadline: date | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The date relative periods and year-less quarters were resolved from (the plan's start).
    start: date | None = None
    # Every metric a shared phrase can mean, when the business type did not decide (「訂閱數」).
    metric_readings: tuple[str, ...] = ()
    # Other targets the same words can mean (「成長 2 倍」: ×2 or +200%); never chosen silently.
    alternatives: tuple[Target, ...] = ()
    # What a number-less comparison is against: "last_year" for 「要比去年好」.
    reference: str | None = None
    # The sentence reports on a period (「去年營收成長了 30%」) rather than sets a goal.
    review: bool = False

    def to_dict(self) -> dict[str, Any]:
        """SPEC §9's ``parsed`` shape, plus ``baseline`` (the sentence's own starting point,
        metric units) and ``cadence`` (每月 → ``"month"``)."""
        return {
            "metric": self.metric,
            "direction": self.direction,
            "target": self.target.to_dict() if self.target else None,
            "period": self.period.to_dict() if self.period else None,
            "baseline": _plain_number(self.baseline) if self.baseline is not None else None,
            "cadence": self.cadence,
        }


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def month_end(year: int, month: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, clamped to the month's last day (Jan 31 + 1 → Feb 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _plain_number(value: float) -> float | int:
    """30.0 → 30 in JSON, so ``{"value": 30}`` reads as the user wrote it."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value
