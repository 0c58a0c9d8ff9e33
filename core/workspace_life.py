"""A workspace's whole life after creation: rename, archive (hidden, restorable) and delete.

Deleting removes every row of the workspace — in every table that has a ``workspace_id``,
children first, then the workspace — in one transaction on SQLite and PostgreSQL, and only
when the caller repeats the workspace's name exactly: a slip of the mouse cannot delete a
client. The deletion itself stays in the audit trail under the old id.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from core import audit
from core.db import session_scope
from core.errors import KgiError
from core.models import Workspace
from core.workspaces import get_workspace, update_workspace


def rename_workspace(engine: Engine, workspace_id: int, new_name: str) -> Workspace:
    """Give the workspace a new name (same rules as creating one; recorded in the trail)."""
    return update_workspace(engine, workspace_id, name=new_name)


def _set_archived(engine: Engine, workspace_id: int, archived: bool) -> Workspace:
    with session_scope(engine) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(workspace_id))
        if ws.archived != archived:
            ws.archived = archived
            session.add(ws)
            audit.record_session(session, workspace_id, "archive" if archived else "unarchive", ws.name)
        session.flush()
        session.refresh(ws)
        return ws


def archive_workspace(engine: Engine, workspace_id: int) -> Workspace:
    """Hide the workspace from the switcher and the lists; nothing in it is lost."""
    return _set_archived(engine, workspace_id, True)


def unarchive_workspace(engine: Engine, workspace_id: int) -> Workspace:
    """Bring an archived workspace back into the switcher and the lists."""
    return _set_archived(engine, workspace_id, False)


def names_match(typed: str, name: str) -> bool:
    """The confirmation: the name typed again, exactly (spaces around and doubled are forgiven)."""
    return " ".join(str(typed).split()) == " ".join(name.split())


def workspace_tables() -> list:
    """Every table holding rows of a workspace, children before parents (deletion order)."""
    return [t for t in reversed(SQLModel.metadata.sorted_tables) if "workspace_id" in t.c]


def delete_workspace(engine: Engine, workspace_id: int, confirm_name: str) -> str:
    """Delete the workspace and every row it owns, in one transaction; returns its name.

    ``confirm_name`` must be the workspace's name, or ``workspace_life.confirm_mismatch`` is
    raised and nothing changes.
    """
    ws = get_workspace(engine, workspace_id)
    if not names_match(confirm_name, ws.name):
        raise KgiError("workspace_life.confirm_mismatch", name=ws.name)
    with engine.connect() as conn:
        try:
            _begin_write(conn)
            _delete_rows(conn, workspace_id)
            audit.record_conn(conn, workspace_id, "delete", ws.name)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return ws.name


def _begin_write(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock before the first delete


def _delete_rows(conn: Connection, workspace_id: int) -> None:
    for table in workspace_tables():
        conn.execute(delete(table).where(table.c.workspace_id == workspace_id))
    workspace = Workspace.__table__  # type: ignore[attr-defined]
    gone = conn.execute(delete(workspace).where(workspace.c.id == workspace_id)).rowcount
    if gone != 1:  # another session deleted it first
        raise KgiError("workspace.not_found", ref=str(workspace_id))
