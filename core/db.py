"""Engine, sessions and migrations.

SQLite by default (a file in the user's data folder, WAL and a busy timeout so the app and the
``kgi`` command can write at the same time); PostgreSQL when ``KGI_DATABASE_URL`` names one.
Migrations are applied on start, so an upgrade never loses data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, create_engine

from core.errors import KgiError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KB = 65_536


class DatabaseError(KgiError):
    """A database problem explained for people."""


def default_database_path() -> Path:
    base = os.environ.get("KGI_DATA_DIR") or os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    folder = root if os.environ.get("KGI_DATA_DIR") else root / "kgi-planner"
    return folder / "kgi.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``KGI_DATABASE_URL``, else the default SQLite file."""
    chosen = url or os.environ.get("KGI_DATABASE_URL")
    if chosen:
        return chosen
    path = default_database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 64 MB page cache (the default is 2 MB) keeps the live-key index in memory while an
    # import writes a million rows: about a fifth faster, at a memory cost the app can afford.
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url``, checking what can be checked before anything is written."""
    resolved = database_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise DatabaseError("db.bad_url", url=resolved) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError("db.missing_dir", folder=str(folder))
        engine = create_engine(
            resolved, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return create_engine(parsed, pool_pre_ping=True, connect_args=_connect_args(parsed))
    except Exception as exc:  # missing driver, bad options
        raise DatabaseError("db.bad_url", url=resolved) from exc


def _connect_args(parsed) -> dict:  # noqa: ANN001
    return {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    try:
        with engine.connect() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            _refuse_unknown_revision(conn, cfg, engine)
            command.upgrade(cfg, "head")
            conn.commit()
    except OperationalError as exc:
        raise DatabaseError("db.unreachable", url=engine.url.render_as_string(hide_password=True)) from exc


def _refuse_unknown_revision(conn: Connection, cfg: Config, engine: Engine) -> None:
    """A database marked with a revision this version does not have was made (or upgraded)
    by a newer KGI Planner: say so, instead of failing inside the migration tool."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = MigrationContext.configure(conn).get_current_heads()
    known = {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        conn.rollback()
        raise DatabaseError("db.newer_revision", revision=", ".join(unknown),
                            url=engine.url.render_as_string(hide_password=True))


@cache
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """A migrated engine for ``url`` (cached per URL for the life of the process)."""
    return _engine_for(database_url(url))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
