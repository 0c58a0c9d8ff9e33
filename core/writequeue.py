"""Writers queue on SQLite instead of failing with "database is locked".

SQLite allows one writer at a time. ``BEGIN IMMEDIATE`` takes the write lock up front and
waits up to the connection's busy timeout (30 s) for it; a large import holds it for longer.
So writers here queue twice over:

* in one process (the app's threads), on a process-wide lock, in arrival order;
* across processes (the app and a ``kgi import``), by retrying ``BEGIN IMMEDIATE`` until
  :data:`WAIT_SECONDS` have passed.

Only then does a writer give up, with ``store.busy`` ("another import is running, please
retry in a moment") in the user's language, never a bare ``OperationalError``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from core.errors import KgiError

WAIT_SECONDS = 600.0
_PROCESS_LOCK = threading.Lock()


def is_locked(exc: BaseException) -> bool:
    """An SQLite "database is locked" / "busy" error."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


@contextlib.contextmanager
def sqlite_writer(dialect: str, wait: float | None = None) -> Iterator[None]:
    """Hold the process-wide write lock for an SQLite write transaction (no-op elsewhere);
    a lock error raised inside becomes ``store.busy``."""
    wait = WAIT_SECONDS if wait is None else wait
    if dialect != "sqlite":
        yield
        return
    if not _PROCESS_LOCK.acquire(timeout=wait):
        raise KgiError("store.busy", minutes=round(wait / 60))
    try:
        yield
    except OperationalError as exc:
        if is_locked(exc):
            raise KgiError("store.busy", minutes=round(wait / 60)) from exc
        raise
    finally:
        _PROCESS_LOCK.release()


def begin_immediate(conn: Connection, wait: float | None = None) -> None:
    """``BEGIN IMMEDIATE``, retried while another process holds the write lock."""
    wait = WAIT_SECONDS if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if not is_locked(exc):
                raise
            conn.rollback()
            if time.monotonic() >= deadline:
                raise KgiError("store.busy", minutes=round(wait / 60)) from exc
            time.sleep(0.2)
