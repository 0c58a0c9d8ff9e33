"""Shared fixtures.

``engine`` runs a test on SQLite and, where the server is reachable, on the PostgreSQL of this
machine (127.0.0.1:5432, database ``test``) in a schema of its own, so parallel workers never
see each other's rows. Set ``KGI_REQUIRE_POSTGRES=1`` (CI does) to fail instead of skipping
when PostgreSQL is down.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from core.db import make_engine, migrate

POSTGRES_URL = os.environ.get("KGI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        probe = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("select 1"))
        probe.dispose()
        return True
    except Exception:
        return False


_PG_UP = _postgres_available()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real database: the default SQLite file lives in a temp dir."""
    monkeypatch.setenv("KGI_DATA_DIR", str(tmp_path_factory.mktemp("kgi-data")))
    monkeypatch.setenv("KGI_SPILL_DIR", str(tmp_path_factory.mktemp("kgi-spill")))
    monkeypatch.delenv("KGI_DATABASE_URL", raising=False)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'kgi-test.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not _PG_UP:
        if os.environ.get("KGI_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is required (KGI_REQUIRE_POSTGRES=1) but unreachable")
        pytest.skip("PostgreSQL not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite database, for tests that need no second backend."""
    eng = make_engine(sqlite_url(tmp_path))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the project (SPEC, article, research, samples); skipped where it is
    absent, except in CI, where it is always laid beside the checkout."""
    from shared_files import shared_file

    return shared_file()
