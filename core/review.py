"""The monthly review (每月檢討 KPI 達成率) from a workspace's progress: the figures of
:mod:`core.review_types`, for the Review page, ``kgi report`` and the review workbook."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from core import pacing
from core.db import session_scope
from core.export.review_workbook import build_review_workbook, check_month
from core.figure_notes import goal_notes
from core.i18n import t
from core.models import Workspace
from core.progress import (
    GoalProgress,
    MonthRow,
    Progress,
    _month_end,
    compute_progress,
    load_plan_inputs,
    load_progress_observations,
    parse_month,
)
from core.review_types import MonthCell, ReviewData, ReviewRow


def review_rows(progress: Progress, month: str) -> list[tuple[GoalProgress, MonthRow | None]]:
    """Each goal with its row for ``month`` (``None`` when the month is outside the period)."""
    out = []
    for goal in progress.goals():
        row = next((r for r in goal.monthly if r.period == month), None)
        out.append((goal, row))
    return out


def monthly_review(engine: Engine, workspace_id: int, month: str, lang: str = "zh-TW") -> ReviewData:
    """The month's review (每月檢討 KPI 達成率) as :class:`core.review_types.ReviewData`.

    Progress is taken as of the month's last day, or the last day with data when that is
    earlier (a review of the current month shows the month so far).
    """
    month = parse_month(month)
    inputs = load_plan_inputs(engine, workspace_id)
    obs = load_progress_observations(engine, inputs)
    with session_scope(engine) as session:
        workspace = session.get(Workspace, workspace_id)
    last = obs.covered[1] if obs.covered else None
    first_day = date.fromisoformat(month + "-01")
    as_of = _month_end(month) if last is None else min(_month_end(month), max(last, first_day))
    progress = compute_progress(inputs, obs, as_of, lang)
    return review_data_from_progress(progress, month, lang, workspace, inputs.thresholds)


def review_workbook_bytes(engine: Engine, workspace_id: int, month: str, lang: str) -> bytes:
    """The review workbook of a workspace for ``month`` (``"2024-06"``)."""
    check_month(month)
    return build_review_workbook(monthly_review(engine, workspace_id, month, lang), lang)


def _review_row(goal: GoalProgress, lang: str, currency: str) -> ReviewRow:
    cells = tuple(
        MonthCell(
            period=r.period, target=r.target, actual=r.actual, achievement=r.achievement,
            status=r.status or "no_data",
        )
        for r in goal.monthly
    )
    fc = goal.forecast
    return ReviewRow(
        metric=goal.metric, label=goal.label, target=goal.target,
        actual_to_date=goal.actual_to_date, expected_to_date=goal.expected_to_date,
        pace_ratio=goal.pace_ratio, forecast=fc.value if fc else None,
        forecast_low=fc.low if fc else None, forecast_high=fc.high if fc else None,
        required_per_month=goal.required_rate,
        status=goal.status if goal.has_data else "no_data", sentence=goal.sentence, months=cells,
        progress_ratio=goal.progress_ratio, notes=tuple(goal_notes(goal, lang, currency)),
    )


def review_actions(progress: Progress, lang: str, limit: int = 5) -> list[str]:
    """The top things to do: for each KPI behind, its first lever, worst first."""
    from core.levers import levers_for

    behind = sorted(
        (g for g in progress.goals() if g.behind),
        key=lambda g: (g.status != "off_track", g.pace_ratio if g.pace_ratio is not None else 1.0),
    )
    actions = []
    for goal in behind:
        levers = levers_for(goal.metric, lang, limit=1)
        if levers:
            actions.append(t("track.review.action", lang, metric=goal.name(lang), lever=levers[0].title,
                             how=levers[0].how))
    return actions[:limit]


def review_data_from_progress(
    progress: Progress, month: str, lang: str, workspace: Workspace, thresholds: dict[str, Any] | None = None,
) -> Any:
    """Fill the review workbook's :class:`ReviewData` from a computed :class:`Progress`."""
    bands = pacing.Thresholds.from_settings(thresholds or {})
    return ReviewData(
        workspace=workspace, month=month,
        rows=[_review_row(k, lang, progress.currency) for k in progress.kpis],
        kgi=_review_row(progress.kgi, lang, progress.currency) if progress.kgi else None,
        actions=review_actions(progress, lang),
        on_track_at=bands.on_track, at_risk_at=bands.at_risk, as_of=progress.as_of,
    )
