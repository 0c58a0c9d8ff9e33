from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel, select

from core.db import DatabaseError, alembic_config, make_engine, migrate, session_scope
from core.models import Workspace


def test_migrations_match_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrate_is_idempotent_and_reversible(engine):
    migrate(engine)  # a second run changes nothing
    assert "observation" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "observation" not in inspect(engine).get_table_names()
    migrate(engine)
    assert "observation" in inspect(engine).get_table_names()


def test_session_scope_rolls_back_on_error(engine):
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        s.add(Workspace(name="a", business_type="ecommerce", period_start=date(2024, 1, 1)))
        s.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as s:
        assert s.exec(select(Workspace)).all() == []


def test_sqlite_uses_wal_and_busy_timeout(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_missing_directory_is_explained(tmp_path):
    with pytest.raises(DatabaseError) as info:
        make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'kgi.db'}")
    assert "不存在" in info.value.message("zh-TW")
    assert "does not exist" in info.value.message("en")


def test_unreachable_postgres_is_explained():
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseError) as info:
        migrate(engine)
    assert info.value.key == "db.unreachable"
