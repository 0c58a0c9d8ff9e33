"""The monthly review's value types (每月檢討 KPI 達成率): what the review workbook, the
printable summary and the Review page lay out. Filled by :mod:`core.review` from progress; kept
apart from both so that computing and rendering never import each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.catalog import display_name, unit_of
from core.models import Workspace


@dataclass(frozen=True)
class MonthCell:
    """One month of one KGI/KPI.

    ``achievement`` is direction-aware: actual ÷ target, turned around (target ÷ actual) for
    lower-is-better metrics, so 1.0 is exactly on target and higher is always better.
    """

    period: str  # "2024-03"
    target: float | None = None
    actual: float | None = None
    achievement: float | None = None
    status: str = "no_data"


@dataclass(frozen=True)
class ReviewRow:
    """The KGI or one KPI as of the review month (values in the metric's storage unit).

    ``sentence`` is the status sentence already in the reader's language
    ("NT$4.1M of NT$10M (41%) at 50% of the year — 18% behind pace").
    """

    metric: str
    label: str = ""
    target: float | None = None
    actual_to_date: float | None = None
    expected_to_date: float | None = None
    pace_ratio: float | None = None
    forecast: float | None = None
    forecast_low: float | None = None
    forecast_high: float | None = None
    required_per_month: float | None = None
    status: str = "no_data"
    sentence: str = ""
    months: tuple[MonthCell, ...] = ()
    # Progress toward the whole target (apart from the pace), and what the figures count
    # (source of record, other sources with their own figure, partial coverage), in words.
    progress_ratio: float | None = None
    notes: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return display_name(self.metric, self.label, lang)

    @property
    def unit(self) -> str:
        return unit_of(self.metric)


@dataclass(frozen=True)
class ReviewData:
    """Everything the review workbook and the printable summary show, for one month.

    ``actions`` are the top things to do, already in the reader's language (the Optimise
    page's levers). The two bands are the workspace's status thresholds on the pace ratio.
    """

    workspace: Workspace
    month: str  # "2024-06"
    rows: list[ReviewRow]
    kgi: ReviewRow | None
    actions: list[str] = field(default_factory=list)
    on_track_at: float = 0.95
    at_risk_at: float = 0.85
    as_of: date | None = None

    @property
    def all_rows(self) -> list[tuple[str, ReviewRow]]:
        """``("kgi", row)`` then ``("kpi", row)`` for each KPI."""
        head = [("kgi", self.kgi)] if self.kgi is not None else []
        return head + [("kpi", r) for r in self.rows]

    @property
    def periods(self) -> list[str]:
        """Months that any row reports, up to the review month, in order."""
        found = {c.period for _, r in self.all_rows for c in r.months if c.period <= self.month}
        return sorted(found)
