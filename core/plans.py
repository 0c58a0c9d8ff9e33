"""The plan of a workspace: its KGI, its KPIs, their SMART verdicts and the driver check.

Used by the KGI, KPI and Plan pages and by ``kgi plan``. Everything that changes the plan goes
through here, so the pages and the command line can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import delete, select

from core import audit
from core.catalog import load_catalog
from core.db import session_scope
from core.drivers import DriverCheck, check_targets
from core.errors import KgiError
from core.goals import TARGET_KINDS, ParsedGoal, Period, Target
from core.i18n import t
from core.models import Draft, Kgi, Kpi, Workspace, utcnow
from core.smart import Criterion, SmartResult, check_smart, parse_goal
from core.templates import business_type
from core.workspaces import get_workspace

KPI_CADENCES: tuple[str, ...] = ("period", "month", "week", "day", "post")


@dataclass
class Plan:
    workspace: Workspace
    kgi: Kgi | None
    kpis: list[Kpi] = field(default_factory=list)


def get_plan(engine: Engine, workspace_id: int) -> Plan:
    with session_scope(engine) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(workspace_id))
        kgi = session.exec(select(Kgi).where(Kgi.workspace_id == workspace_id)).first()
        kpis = session.exec(
            select(Kpi).where(Kpi.workspace_id == workspace_id).order_by(Kpi.position, Kpi.id)
        ).all()
        return Plan(workspace=ws, kgi=kgi, kpis=list(kpis))


# --- KGI ---------------------------------------------------------------------------------------


def metric_history(engine: Engine, workspace_id: int, metric: str) -> pd.Series | None:
    """Monthly actuals of ``metric`` in this workspace, or ``None`` when there are none.

    Feeds the Achievable check: a goal is judged against what the brand has done before.
    """
    from core.aggregate import aggregate
    from core.measurement import counted
    from core.store import load_observations

    obs = load_observations(engine, workspace_id, [metric])
    if obs.empty:
        return None
    ws = get_workspace(engine, workspace_id)
    obs, _ = counted(obs, metric, business_type=ws.business_type,
                     chosen=(ws.settings or {}).get("source_of_record"))
    if obs.empty:
        return None
    series = aggregate(obs, metric, by="month").dropna()
    return series if not series.empty else None


def _apply_overrides(goal: ParsedGoal, overrides: dict[str, Any]) -> ParsedGoal:
    """Structured fields typed by the user win over what the sentence said."""
    metric = overrides.get("metric")
    if metric:
        if metric not in load_catalog():
            raise KgiError("plan.unknown_metric", metric=metric)
        goal.metric = metric
    kind, value = overrides.get("target_kind"), overrides.get("target_value")
    if kind and value is not None:
        if kind not in TARGET_KINDS:
            raise KgiError("plan.bad_target_kind", kind=kind)
        goal.target = Target(kind, float(value), goal.target.cadence if goal.target else None)
        if goal.direction is None:
            goal.direction = "reach" if kind not in ("change_pct", "change_pp") else (
                "increase" if float(value) >= 0 else "decrease"
            )
    start, end = overrides.get("period_start"), overrides.get("period_end")
    if start and end:
        if end < start:
            raise KgiError("plan.period_reversed")
        goal.period = Period(start, end)
    return goal


def preview_kgi(
    engine: Engine, workspace_id: int, text: str, lang: str, **overrides: Any
) -> tuple[ParsedGoal, SmartResult]:
    """Parse and SMART-check a KGI sentence without saving anything (the live check)."""
    ws = get_workspace(engine, workspace_id)
    goal = _apply_overrides(
        parse_goal(text, lang, start=ws.period_start, business_type=ws.business_type), overrides
    )
    # A KGI without its own deadline takes the workspace's plan period: the plan still has
    # dates to pace against, and T says (as a warning) that the sentence itself has none.
    borrowed = goal.period is None and goal.understood and goal.metric is not None
    if borrowed:
        goal.period = Period.months_from(ws.period_start, ws.period_months)
    history = metric_history(engine, workspace_id, goal.metric) if goal.metric else None
    result = check_smart(
        goal,
        lang=lang,
        business_type=ws.business_type,
        role="kgi",
        history=history,
        baseline=kgi_baseline(goal, overrides),
        currency=ws.currency,
    )
    # A cadence ("每月新增 1 萬名追蹤者") is time-bound by itself (SPEC §6): the plan period only
    # supplies its end, so T keeps its pass.
    if borrowed and getattr(goal, "cadence", None) is None:
        result.criteria["time_bound"] = Criterion(
            "warn",
            t("plan.t_from_workspace", lang, start=goal.period.start.isoformat(),
              end=goal.period.end.isoformat()),
            t("plan.t_from_workspace_fix", lang),
        )
    return goal, result


def kgi_baseline(goal: ParsedGoal, overrides: dict[str, Any]) -> float | None:
    """The KGI's baseline: typed by the user, else the sentence's own starting point
    (「從 80 萬提升到 100 萬」 → 800,000); ``None`` lets progress take it from the data."""
    typed = overrides.get("baseline")
    return typed if typed is not None else getattr(goal, "baseline", None)


def save_kgi(engine: Engine, workspace_id: int, text: str, *, lang: str, **overrides: Any) -> Kgi:
    """Parse, check and store the workspace's KGI (one per workspace; saving replaces it)."""
    goal, result = preview_kgi(engine, workspace_id, text, lang, **overrides)
    baseline = kgi_baseline(goal, overrides)
    _check_number(baseline)
    with session_scope(engine) as session:
        kgi = session.exec(select(Kgi).where(Kgi.workspace_id == workspace_id)).first()
        before = (kgi.text, kgi.target_kind, kgi.target_value, kgi.baseline) if kgi else None
        kgi = kgi or Kgi(workspace_id=workspace_id)
        kgi.text = text.strip()
        kgi.metric = goal.metric
        kgi.direction = goal.direction
        kgi.target_kind = goal.target.kind if goal.target else None
        kgi.target_value = goal.target.value if goal.target else None
        kgi.baseline = baseline
        kgi.period_start = goal.period.start if goal.period else None
        kgi.period_end = goal.period.end if goal.period else None
        kgi.smart = result.to_dict()
        kgi.updated_at = utcnow()
        if before != (kgi.text, kgi.target_kind, kgi.target_value, kgi.baseline):
            audit.record_session(session, workspace_id, "kgi", kgi.text, metric=kgi.metric,
                                 target_kind=kgi.target_kind, target_value=kgi.target_value, baseline=kgi.baseline)
        session.add(kgi)
        session.flush()
        session.refresh(kgi)
        return kgi


def _check_number(value: Any) -> None:
    if value is not None and (not isinstance(value, int | float) or not math.isfinite(value)):
        raise KgiError("plan.bad_number", value=value)


# --- KPIs --------------------------------------------------------------------------------------


def _validate_kpi(metric: str, target_kind: str, target_value: float | None, cadence: str,
                  baseline: float | None = None) -> None:
    catalog = load_catalog()
    if metric not in catalog:
        raise KgiError("plan.unknown_metric", metric=metric)
    if target_kind not in TARGET_KINDS:
        raise KgiError("plan.bad_target_kind", kind=target_kind)
    if cadence not in KPI_CADENCES:
        raise KgiError("plan.bad_cadence", cadence=cadence)
    _check_number(target_value)
    if target_value is None:
        return
    m = catalog[metric]
    name = m.en
    if target_kind in ("level", "ceiling", "threshold") and m.is_rate and not 0 <= target_value <= 1:
        raise KgiError("plan.rate_out_of_range", metric=name, value=target_value)
    if target_kind == "change_pct" and target_value <= -100:
        raise KgiError("plan.change_below_minus_100", metric=name, value=target_value)
    if target_kind in ("level", "ceiling", "threshold", "count_per_cadence", "rank") and target_value < 0:
        raise KgiError("plan.negative_target", metric=name, value=target_value)
    if m.is_rate and baseline is not None and target_kind in ("change_pct", "change_pp"):
        level = baseline * (1 + target_value / 100) if target_kind == "change_pct" else baseline + target_value / 100
        if not 0 <= level <= 1:
            raise KgiError("plan.rate_change_out_of_range", metric=name, value=target_value,
                           level=f"{level:.1%}", baseline=f"{baseline:.1%}")


def save_kpi(
    engine: Engine,
    workspace_id: int,
    *,
    metric: str,
    target_kind: str,
    target_value: float | None,
    kpi_id: int | None = None,
    baseline: float | None = None,
    cadence: str = "period",
    owner: str = "",
    sources: tuple[str, ...] | list[str] = (),
    dimensions: tuple[str, ...] | list[str] = (),
    label: str = "",
    template_key: str | None = None,
) -> Kpi:
    """Create or update one KPI."""
    _check_number(baseline)
    _validate_kpi(metric, target_kind, target_value, cadence, baseline)
    with session_scope(engine) as session:
        if kpi_id is not None:
            kpi = session.get(Kpi, kpi_id)
            if kpi is None or kpi.workspace_id != workspace_id:
                raise KgiError("plan.kpi_not_found", id=kpi_id)
        else:
            count = len(session.exec(select(Kpi.id).where(Kpi.workspace_id == workspace_id)).all())
            kpi = Kpi(workspace_id=workspace_id, metric=metric, target_kind=target_kind, position=count)
        before = None if kpi.id is None else (kpi.metric, kpi.target_kind, kpi.target_value, kpi.baseline)
        if before != (metric, target_kind, target_value, baseline):
            audit.record_session(session, workspace_id, "kpi", label.strip() or metric, metric=metric,
                                 target_kind=target_kind, target_value=target_value, baseline=baseline)
        kpi.metric = metric
        kpi.target_kind = target_kind
        kpi.target_value = target_value
        kpi.baseline = baseline
        kpi.cadence = cadence
        kpi.owner = owner.strip()
        kpi.sources = list(sources)
        kpi.dimensions = list(dimensions)
        kpi.label = label.strip()
        if template_key is not None:
            kpi.template_key = template_key
        kpi.updated_at = utcnow()
        session.add(kpi)
        session.flush()
        session.refresh(kpi)
        return kpi


def delete_kpi(engine: Engine, kpi_id: int) -> None:
    with session_scope(engine) as session:
        kpi = session.get(Kpi, kpi_id)
        if kpi is None:
            raise KgiError("plan.kpi_not_found", id=kpi_id)
        audit.record_session(session, kpi.workspace_id, "kpi_removed", kpi.label or kpi.metric, metric=kpi.metric)
        session.delete(kpi)


def apply_templates(engine: Engine, workspace_id: int) -> list[Kpi]:
    """Add the business type's pre-selected KPI templates; KPIs already there stay.

    Other templates of the type (the article's variants, such as CPA under $5 beside CPA under
    $10) are offered on the KPI page, not added.
    """
    plan = get_plan(engine, workspace_id)
    have_templates = {k.template_key for k in plan.kpis if k.template_key}
    added: list[Kpi] = []
    for tpl in business_type(plan.workspace.business_type).preselected_kpis:
        if tpl.key in have_templates:
            continue
        added.append(
            save_kpi(
                engine,
                workspace_id,
                metric=tpl.metric,
                target_kind=tpl.target.kind,
                target_value=tpl.target.value,
                cadence=_kpi_cadence(tpl.target.cadence),
                label=tpl.label(plan.workspace.language),
                template_key=tpl.key,
            )
        )
    return added


def _kpi_cadence(cadence: str | None) -> str:
    return cadence if cadence in KPI_CADENCES else "period"


def kpi_target(kpi: Kpi) -> Target | None:
    if kpi.target_value is None:
        return None
    cadence = kpi.cadence if kpi.cadence not in ("period", "post") else None
    return Target(kpi.target_kind, kpi.target_value, cadence)


def kgi_target(kgi: Kgi | None) -> Target | None:
    if kgi is None or kgi.target_kind is None or kgi.target_value is None:
        return None
    return Target(kgi.target_kind, kgi.target_value)


def _period_months(plan: Plan) -> float:
    kgi = plan.kgi
    if kgi and kgi.period_start and kgi.period_end:
        return Period(kgi.period_start, kgi.period_end).months
    return float(plan.workspace.period_months)


def plan_driver_check(engine: Engine, workspace_id: int) -> DriverCheck | None:
    """Do the KPIs add up to the KGI? ``None`` until the KGI has a metric."""
    plan = get_plan(engine, workspace_id)
    if plan.kgi is None or not plan.kgi.metric:
        return None
    return check_targets(
        plan.kgi.metric,
        kgi_target(plan.kgi),
        plan.kgi.baseline,
        [(k.metric, kpi_target(k), k.baseline) for k in plan.kpis],
        months=_period_months(plan),
    )


def add_missing_driver(engine: Engine, workspace_id: int, metric: str) -> Kpi:
    """Add a KPI for a driver the check found missing, with the change it needs."""
    check = plan_driver_check(engine, workspace_id)
    wanted = next((m for m in (check.missing if check else []) if m.metric == metric), None)
    if wanted is None:
        raise KgiError("plan.not_missing", metric=metric)
    if wanted.needed_change_pct is not None:
        return save_kpi(
            engine, workspace_id, metric=metric, target_kind="change_pct",
            target_value=round(wanted.needed_change_pct, 1),
        )
    total = wanted.needed_total
    plan = get_plan(engine, workspace_id)
    months = max(1.0, _period_months(plan))
    per_month = None if total is None else math.ceil(total / months)
    return save_kpi(
        engine, workspace_id, metric=metric, target_kind="count_per_cadence",
        target_value=per_month, cadence="month",
    )


# --- the whole plan ---------------------------------------------------------------------------


def kpi_dict(kpi: Kpi, lang: str) -> dict[str, Any]:
    m = load_catalog()[kpi.metric]
    return {
        "id": kpi.id,
        "metric": kpi.metric,
        "name": kpi.label or m.name(lang),
        "target": {"kind": kpi.target_kind, "value": kpi.target_value, "cadence": kpi.cadence},
        "baseline": kpi.baseline,
        "unit": m.unit,
        "direction": m.direction,
        "owner": kpi.owner,
        "sources": list(kpi.sources),
        "dimensions": list(kpi.dimensions),
        "template": kpi.template_key,
    }


def kgi_dict(kgi: Kgi | None) -> dict[str, Any] | None:
    if kgi is None:
        return None
    target = kgi_target(kgi)
    return {
        "text": kgi.text,
        "metric": kgi.metric,
        "direction": kgi.direction,
        "target": target.to_dict() if target else None,
        "baseline": kgi.baseline,
        "period": (
            {"start": kgi.period_start.isoformat(), "end": kgi.period_end.isoformat()}
            if kgi.period_start and kgi.period_end
            else None
        ),
        "criteria": (kgi.smart or {}).get("criteria"),
    }


def plan_summary(engine: Engine, workspace_id: int, lang: str) -> dict[str, Any]:
    """The ``kgi plan show --json`` payload."""
    from core.cli.workspace import workspace_dict

    plan = get_plan(engine, workspace_id)
    check = plan_driver_check(engine, workspace_id)
    return {
        "workspace": workspace_dict(plan.workspace),
        "kgi": kgi_dict(plan.kgi),
        "kpis": [kpi_dict(k, lang) for k in plan.kpis],
        "driver_check": check.to_dict() if check else None,
    }


# --- drafts ------------------------------------------------------------------------------------


def save_draft(engine: Engine, workspace_id: int, key: str, payload: dict[str, Any]) -> None:
    """Keep what the user typed but has not saved (JSON-safe values only)."""
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in payload.items()}
    with session_scope(engine) as session:
        draft = session.exec(
            select(Draft).where(Draft.workspace_id == workspace_id, Draft.key == key)
        ).first()
        draft = draft or Draft(workspace_id=workspace_id, key=key)
        draft.payload = clean
        draft.updated_at = utcnow()
        session.add(draft)


def load_draft(engine: Engine, workspace_id: int, key: str) -> dict[str, Any] | None:
    with session_scope(engine) as session:
        draft = session.exec(
            select(Draft).where(Draft.workspace_id == workspace_id, Draft.key == key)
        ).first()
        return dict(draft.payload) if draft else None


def clear_draft(engine: Engine, workspace_id: int, key: str) -> None:
    with session_scope(engine) as session:
        session.exec(delete(Draft).where(Draft.workspace_id == workspace_id, Draft.key == key))


def data_baselines(engine: Engine, workspace_id: int) -> dict[tuple[str, int | None], tuple[float, str, str]]:
    """The baseline the data gives each goal without a typed one: ``(role, id) → (value, first
    day, last day)`` of the earlier period it was computed over (last year's same months; a
    stock's last month before the period). The same rule progress paces against, so the plan
    workbook, the KPIs page and the dashboard show one baseline."""
    from core.progress import workspace_progress

    progress = workspace_progress(engine, workspace_id)
    out: dict[tuple[str, int | None], tuple[float, str, str]] = {}
    for goal in progress.goals():
        if goal.baseline_origin == "data" and goal.baseline is not None and goal.baseline_period:
            out[(goal.role, goal.id)] = (goal.baseline, goal.baseline_period["start"], goal.baseline_period["end"])
    return out
