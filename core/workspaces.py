"""Workspaces (brands): create, list, find, update. Used by the pages and by ``kgi workspace``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from core import audit
from core.catalog import BUSINESS_TYPES
from core.db import session_scope
from core.errors import KgiError
from core.i18n import LANGUAGES
from core.models import Workspace

CURRENCIES: tuple[str, ...] = ("TWD", "USD", "HKD", "JPY", "CNY", "SGD", "MYR", "EUR", "GBP", "AUD")
MAX_NAME_LENGTH = 200


def _check(name: str, business_type: str, currency: str, language: str, period_months: int) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise KgiError("workspace.name_empty")
    if len(clean) > MAX_NAME_LENGTH:
        raise KgiError("workspace.name_too_long", limit=MAX_NAME_LENGTH)
    if business_type not in BUSINESS_TYPES:
        raise KgiError("workspace.unknown_type", value=business_type, choices=", ".join(BUSINESS_TYPES))
    if len(currency) != 3 or not currency.isalpha():
        raise KgiError("workspace.bad_currency", value=currency)
    if language not in LANGUAGES:
        raise KgiError("workspace.bad_language", value=language)
    if not 1 <= period_months <= 36:
        raise KgiError("workspace.bad_months", value=period_months)
    return clean


def default_period_start(today: date) -> date:
    """Where a new plan starts by default: 1 January of this year, or of the next one once
    three quarters of this year are over (on 30 November a plan for "this year" would be 92%
    elapsed on its first day)."""
    year_start = date(today.year, 1, 1)
    elapsed = (today - year_start).days / (date(today.year + 1, 1, 1) - year_start).days
    return date(today.year + 1, 1, 1) if elapsed > 0.75 else year_start


def create_workspace(
    engine: Engine,
    name: str,
    business_type: str,
    *,
    currency: str = "TWD",
    language: str = "zh-TW",
    period_start: date | None = None,
    period_months: int = 12,
    is_demo: bool = False,
    settings: dict[str, Any] | None = None,
) -> Workspace:
    """Create a workspace; its period starts on ``period_start`` (default: 1 January this year)."""
    currency = currency.upper()
    clean = _check(name, business_type, currency, language, period_months)
    start = period_start or date(date.today().year, 1, 1)
    try:
        with session_scope(engine) as session:
            if session.exec(select(Workspace).where(Workspace.name == clean)).first():
                raise KgiError("workspace.exists", name=clean)
            ws = Workspace(
                name=clean,
                business_type=business_type,
                currency=currency,
                language=language,
                period_start=start,
                period_months=period_months,
                is_demo=is_demo,
                settings=settings or {},
            )
            session.add(ws)
            session.flush()
            audit.record_session(session, ws.id, "create", clean)
            session.refresh(ws)
            return ws
    except IntegrityError as exc:  # two writers raced for the same name
        raise KgiError("workspace.exists", name=clean) from exc


def list_workspaces(engine: Engine, *, archived: bool | None = False) -> list[Workspace]:
    """Workspaces by name: the active ones (default), only the archived ones, or all (``None``)."""
    query = select(Workspace).order_by(Workspace.name)
    if archived is not None:
        query = query.where(Workspace.archived == archived)
    with session_scope(engine) as session:
        return list(session.exec(query).all())


def get_workspace(engine: Engine, ref: str | int) -> Workspace:
    """Find a workspace by id or by name (case-insensitive); unknown → KgiError."""
    with session_scope(engine) as session:
        ws: Workspace | None = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            ws = session.get(Workspace, int(ref))
        if ws is None and isinstance(ref, str):
            wanted = " ".join(ref.split()).lower()
            ws = session.exec(select(Workspace).where(func.lower(Workspace.name) == wanted)).first()
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(ref))
        return ws


def update_workspace(engine: Engine, workspace_id: int, **changes: Any) -> Workspace:
    """Change a workspace's fields (name, business_type, currency, language, period...)."""
    with session_scope(engine) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(workspace_id))
        merged = {
            "name": changes.get("name", ws.name),
            "business_type": changes.get("business_type", ws.business_type),
            "currency": str(changes.get("currency", ws.currency)).upper(),
            "language": changes.get("language", ws.language),
            "period_months": changes.get("period_months", ws.period_months),
        }
        merged["name"] = _check(**merged)
        if merged["name"] != ws.name and session.exec(
            select(Workspace).where(Workspace.name == merged["name"])
        ).first():
            raise KgiError("workspace.exists", name=merged["name"])
        if merged["name"] != ws.name:
            audit.record_session(session, workspace_id, "rename", merged["name"], old=ws.name)
        for key, value in {**changes, **merged}.items():
            setattr(ws, key, value)
        session.add(ws)
        session.flush()
        session.refresh(ws)
        return ws


def update_settings(engine: Engine, workspace_id: int, **values: Any) -> Workspace:
    """Merge ``values`` into the workspace's settings (thresholds, display choices)."""
    with session_scope(engine) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(workspace_id))
        ws.settings = {**(ws.settings or {}), **values}
        session.add(ws)
        session.flush()
        session.refresh(ws)
        return ws


def source_of_record_choices(ws: Workspace) -> dict[str, str]:
    """The workspace's chosen family per metric (metrics left out use the default)."""
    return dict((ws.settings or {}).get("source_of_record") or {})


def set_source_of_record(engine: Engine, workspace_id: int, metric: str, family: str) -> Workspace:
    """Count ``metric`` from ``family`` in this workspace (``"auto"``: the default again)."""
    from core.catalog import load_catalog
    from core.measurement import AUTO, families

    if metric not in load_catalog():
        raise KgiError("measurement.unknown_metric", metric=metric)
    if family != AUTO and family not in families():
        raise KgiError("measurement.unknown_family", family=family, known=", ".join([AUTO, *families()]))
    chosen = source_of_record_choices(get_workspace(engine, workspace_id))
    if family == AUTO:
        chosen.pop(metric, None)
    else:
        chosen[metric] = family
    return update_settings(engine, workspace_id, source_of_record=chosen)
