"""The audit trail: who imported, undid, changed a goal, restored, renamed, archived or deleted
what, and when — one row per event in ``audit_event``, shown per workspace and kept in backups.

Who is acting is resolved once per event by :func:`actor`: an explicit :func:`acting_as` (the
CLI sets ``"cli:<os user>"``), else the provider the UI registers (``"local"`` in local mode,
the signed-in e-mail in shared mode), else ``"local"``. Events are written in the same
transaction as the change they describe wherever the change has one.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from sqlmodel import select as sm_select

from core.db import session_scope
from core.models import AuditEvent, utcnow

LOCAL_ACTOR = "local"
ACTIONS: tuple[str, ...] = (
    "create", "import", "undo", "kgi", "kpi", "kpi_removed", "restore", "rename", "archive",
    "unarchive", "delete", "member_invite", "member_role", "member_remove", "member_join",
)
MAX_SUBJECT = 300
MAX_ACTOR = 320

_ACTOR: ContextVar[str | None] = ContextVar("kgi_audit_actor", default=None)
_provider: Callable[[], str] | None = None
EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]


def set_actor_provider(provider: Callable[[], str] | None) -> None:
    """Where :func:`actor` asks who is acting when no :func:`acting_as` is in force (the UI)."""
    global _provider
    _provider = provider


@contextmanager
def acting_as(who: str) -> Iterator[None]:
    token = _ACTOR.set(who)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (a container without passwd entry)
        user = "?"
    return f"cli:{user}"


def actor() -> str:
    explicit = _ACTOR.get()
    if explicit:
        return explicit[:MAX_ACTOR]
    if _provider is not None:
        try:
            return (_provider() or LOCAL_ACTOR)[:MAX_ACTOR]
        except Exception:  # outside a page run (a test, a thread): the local user
            return LOCAL_ACTOR
    return LOCAL_ACTOR


def _values(workspace_id: int, action: str, subject: str, detail: dict[str, Any]) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")  # a programming error, not user input
    return {"workspace_id": int(workspace_id), "actor": actor(), "action": action,
            "subject": str(subject)[:MAX_SUBJECT], "detail": detail, "created_at": utcnow()}


def record_conn(conn: Connection, workspace_id: int, action: str, subject: str = "", **detail: Any) -> None:
    """Record an event inside the caller's (Core) transaction."""
    conn.execute(insert(EVENTS), [_values(workspace_id, action, subject, detail)])


def record_session(session: Session, workspace_id: int, action: str, subject: str = "", **detail: Any) -> None:
    """Record an event inside the caller's ORM session (committed with it)."""
    session.add(AuditEvent(**_values(workspace_id, action, subject, detail)))


def record(engine: Engine, workspace_id: int, action: str, subject: str = "", **detail: Any) -> None:
    """Record an event in its own transaction."""
    with engine.begin() as conn:
        record_conn(conn, workspace_id, action, subject, **detail)


def events(engine: Engine, workspace_id: int, *, limit: int = 500) -> list[AuditEvent]:
    """The workspace's events, newest first."""
    with session_scope(engine) as session:
        query = (sm_select(AuditEvent).where(AuditEvent.workspace_id == workspace_id)
                 .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit))  # type: ignore[attr-defined]
        return list(session.exec(query).all())
