"""A workspace's whole life (rename, archive, delete) and its audit trail, on SQLite and
PostgreSQL, through core and through ``kgi workspace``."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from parsed_fakes import daily, parsed
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core import audit, backup, store
from core.cli import main
from core.errors import KgiError
from core.plans import delete_kpi, save_kgi, save_kpi
from core.workspace_life import (
    archive_workspace,
    delete_workspace,
    rename_workspace,
    unarchive_workspace,
    workspace_tables,
)
from core.workspaces import create_workspace, get_workspace, list_workspaces


def _filled(engine: Engine, name: str) -> int:
    ws = create_workspace(engine, name, "ecommerce").id
    store.store_parsed(engine, ws, parsed(daily("clicks", {"2024-01-01": 1, "2024-01-02": 2}, "B"), name="a.csv"),
                       f"h-{name}")
    save_kpi(engine, ws, metric="sessions", target_kind="change_pct", target_value=10.0)
    return ws


def _rows(engine: Engine, ws_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        counts = {t.name: conn.execute(select(func.count()).select_from(t).where(t.c.workspace_id == ws_id)).scalar()
                  for t in workspace_tables()}
    return {k: v for k, v in counts.items() if v}


def test_rename_and_archive_are_recorded(engine: Engine) -> None:
    ws = _filled(engine, "Client A")
    other = _filled(engine, "Client B")
    with audit.acting_as("ann@example.com"):
        rename_workspace(engine, ws, "  Client   A (2025) ")
        archive_workspace(engine, ws)
    assert get_workspace(engine, ws).name == "Client A (2025)"
    assert [w.id for w in list_workspaces(engine)] == [other]
    assert [w.id for w in list_workspaces(engine, archived=True)] == [ws]
    assert len(list_workspaces(engine, archived=None)) == 2
    unarchive_workspace(engine, ws)
    assert {w.id for w in list_workspaces(engine)} == {ws, other}
    trail = [(e.actor, e.action, e.subject) for e in audit.events(engine, ws)]
    assert trail[:3] == [("local", "unarchive", "Client A (2025)"), ("ann@example.com", "archive", "Client A (2025)"),
                         ("ann@example.com", "rename", "Client A (2025)")]
    assert audit.events(engine, ws)[2].detail == {"old": "Client A"}
    with pytest.raises(KgiError) as err:
        rename_workspace(engine, ws, "Client B")
    assert err.value.key == "workspace.exists"


def test_imports_undos_and_goal_changes_are_recorded(engine: Engine) -> None:
    ws = create_workspace(engine, "Tea", "ecommerce").id
    with audit.acting_as("cli:ops"):
        result = store.store_parsed(engine, ws, parsed(daily("clicks", {"2024-01-01": 1}, "B"), name="m.csv"), "h")
        store.undo_import(engine, result.batch_id)
    save_kgi(engine, ws, "2024 年營收成長 20%", lang="zh-TW", baseline=1000.0)
    save_kgi(engine, ws, "2024 年營收成長 20%", lang="zh-TW", baseline=1000.0)  # unchanged: no event
    kpi = save_kpi(engine, ws, metric="sessions", target_kind="change_pct", target_value=10.0)
    save_kpi(engine, ws, kpi_id=kpi.id, metric="sessions", target_kind="change_pct", target_value=10.0,
             owner="Ann")  # the target did not change: no event
    save_kpi(engine, ws, kpi_id=kpi.id, metric="sessions", target_kind="change_pct", target_value=12.0)
    delete_kpi(engine, kpi.id)
    trail = [(e.actor, e.action, e.subject) for e in reversed(audit.events(engine, ws))]
    assert [a for _, a, _ in trail] == ["create", "import", "undo", "kgi", "kpi", "kpi", "kpi_removed"]
    assert trail[1] == ("cli:ops", "import", "m.csv") and trail[2] == ("cli:ops", "undo", "m.csv")
    assert audit.events(engine, ws)[1].detail["target_value"] == 12.0


def test_delete_needs_the_name_and_removes_every_row_at_once(engine: Engine) -> None:
    ws = _filled(engine, "Client A")
    other = _filled(engine, "Client B")
    before_other = _rows(engine, other)
    with pytest.raises(KgiError) as err:
        delete_workspace(engine, ws, "client a")
    assert err.value.key == "workspace_life.confirm_mismatch"
    assert _rows(engine, ws)["observation"] == 2
    assert delete_workspace(engine, ws, " Client  A ") == "Client A"
    assert _rows(engine, ws) == {"audit_event": 1}  # only the record of the deletion
    assert [e.action for e in audit.events(engine, ws)] == ["delete"]
    assert _rows(engine, other) == before_other
    with pytest.raises(KgiError):
        get_workspace(engine, ws)


def test_a_failed_delete_changes_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = _filled(engine, "Client A")
    before = _rows(engine, ws)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record_conn", boom)  # fails after every row was deleted
    with pytest.raises(RuntimeError):
        delete_workspace(engine, ws, "Client A")
    assert _rows(engine, ws) == before
    assert get_workspace(engine, ws).name == "Client A"


def test_the_trail_travels_with_the_backup(engine: Engine) -> None:
    ws = _filled(engine, "Client A")
    archive_workspace(engine, ws)
    data = backup.backup_bytes(engine, ws)
    restored = backup.restore_bytes(engine, data, new_name="Client A again")
    assert not restored.archived and restored.id in {w.id for w in list_workspaces(engine)}
    actions = [e.action for e in reversed(audit.events(engine, restored.id))]
    assert actions == ["create", "import", "kpi", "archive", "restore"]
    # A backup made before the trail existed (no audit_event member) restores with none.
    source = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(source.read("manifest.json"))
    del manifest["tables"]["audit_event"]
    manifest["alembic_revision"] = "0002"
    old = io.BytesIO()
    with zipfile.ZipFile(old, "w") as zf:
        for name in source.namelist():
            if name not in ("manifest.json", "audit_event.jsonl"):
                zf.writestr(name, source.read(name))
        zf.writestr("manifest.json", json.dumps(manifest))
    assert "audit_event" not in backup.read_backup_info(old.getvalue()).rows
    older = backup.restore_bytes(engine, old.getvalue(), new_name="From an old backup")
    assert [e.action for e in audit.events(engine, older.id)] == ["restore"]
    assert store.actuals(engine, older.id, "clicks", by="day") == store.actuals(engine, ws, "clicks", by="day")


def _cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, "--lang", "en", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_kgi_workspace_rename_archive_unarchive_delete(engine: Engine, db_url: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    ws = _filled(engine, "Client A")
    code, out, _ = _cli(capsys, db_url, "workspace", "rename", str(ws), "Client Z")
    assert code == 0 and "Client Z" in out
    code, out, _ = _cli(capsys, db_url, "workspace", "archive", "Client Z")
    assert code == 0 and "unarchive" in out
    assert "Client Z" not in _cli(capsys, db_url, "workspace", "list")[1]
    assert "Client Z" in _cli(capsys, db_url, "workspace", "list", "--archived")[1]
    assert _cli(capsys, db_url, "workspace", "unarchive", str(ws))[0] == 0
    assert "Client Z" in _cli(capsys, db_url, "workspace", "list")[1]
    # Delete: refused without the name, refused with a wrong one, then done after a backup.
    code, _, err = _cli(capsys, db_url, "workspace", "delete", str(ws))
    assert code == 1 and "--confirm" in err
    code, _, err = _cli(capsys, db_url, "workspace", "delete", str(ws), "--confirm", "Client A")
    assert code == 1 and "Nothing was deleted" in err
    target = tmp_path / "client-z.zip"
    code, out, _ = _cli(capsys, db_url, "workspace", "delete", str(ws), "--confirm", "Client Z", "--backup", str(target))
    assert code == 0 and "Deleted" in out and target.is_file()
    assert backup.read_backup_info(target.read_bytes()).workspace_name == "Client Z"
    assert [e.actor.startswith("cli:") for e in audit.events(engine, ws)] == [True]
    with pytest.raises(KgiError):
        get_workspace(engine, ws)


def test_migration_0003_upgrades_a_database_with_data(db_url: str) -> None:
    """From 0002 with a workspace and the once-for-everyone "last workspace": the workspace is
    not archived, the shared choice is gone, and the trail starts empty."""
    from alembic import command
    from sqlalchemy import text

    from core.db import alembic_config, make_engine, migrate

    eng = make_engine(db_url)
    try:
        with eng.connect() as conn:
            cfg = alembic_config(eng)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
            conn.execute(text(
                "INSERT INTO workspace (name, business_type, currency, language, period_start, period_months, "
                "is_demo, settings, created_at) VALUES ('Old', 'saas', 'TWD', 'en', '2024-01-01', 12, false, '{}', "
                "'2024-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO draft (workspace_id, key, payload, updated_at) "
                              "VALUES (0, 'ui.last_workspace', '{\"id\": 1}', '2024-01-01 00:00:00')"))
            conn.commit()
        migrate(eng)
        assert [(w.name, w.archived) for w in list_workspaces(eng)] == [("Old", False)]
        with eng.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM draft")).scalar() == 0
        assert audit.events(eng, list_workspaces(eng)[0].id) == []
    finally:
        eng.dispose()
