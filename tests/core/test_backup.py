"""Backup of a workspace to one file and restore as a new workspace (core/backup.py).

The data is built through ``core.store.store_parsed`` with a small ``ParsedFile`` stand-in, so
superseded rows and undo are the real ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
from parsed_fakes import parsed
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

import core
from core import backup, store
from core.db import make_engine, migrate, session_scope
from core.errors import KgiError
from core.models import ColumnMapping, Draft, Kgi, Kpi, Workspace
from core.workspaces import create_workspace

CREATED = datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
TRICKY_FLOATS = (0.1 + 0.2, 1e-300, 123456789.12345679, -0.0, 2.5e15)
AUDITED = 4  # the trail of fill(): created, then three imports


def fill(engine: Engine, name: str = "Demo Tea 茶") -> tuple[int, list[int]]:
    """A workspace with every kind of row; returns its id and its import ids (oldest first)."""
    ws = create_workspace(engine, name, "ecommerce", currency="TWD", period_start=date(2024, 1, 1),
                          settings={"bands": {"on_track": 0.95}, "note": "中文"}).id
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws, text="2024 年全年營收成長 30%", metric="revenue", direction="up",
                        target_kind="change_pct", target_value=30.0, baseline=1234567.5,
                        period_start=date(2024, 1, 1), period_end=date(2024, 12, 31),
                        monthly_targets=[0.1] * 12, smart={"specific": {"verdict": "pass"}}, updated_at=CREATED))
        session.add(Kpi(workspace_id=ws, metric="conversion_rate", label="轉換率", target_kind="change_pct",
                        target_value=10.0, sources=["ga4"], dimensions=["Organic Search"], position=0,
                        updated_at=CREATED))
        session.add(Kpi(workspace_id=ws, metric="aov", target_kind="change_pct", target_value=15.0, position=1,
                        note="客單價", updated_at=CREATED))
        session.add(ColumnMapping(workspace_id=ws, source="meta_ads", column="點擊次數", metric="clicks",
                                  updated_at=CREATED))
        session.add(Draft(workspace_id=ws, key="kgi_text", payload={"text": "營收"}, updated_at=CREATED))
        session.add(Draft(workspace_id=0, key=f"global {name}", payload={"x": 1}, updated_at=CREATED))  # not in backup
    first = [(f"2024-01-0{d}", "clicks", float(d * 10), "Brand") for d in (1, 2, 3)]
    first += [(f"2024-01-0{i + 1}", "revenue", v, "") for i, v in enumerate(TRICKY_FLOATS)]
    a = store.store_parsed(engine, ws, parsed(first), "hash-a")
    newer = [("2024-01-02", "clicks", 25.0, "Brand"), ("2024-01-03", "clicks", 35.0, "Brand")]
    b = store.store_parsed(engine, ws, parsed(newer, name="b.csv"), "hash-b")
    c = store.store_parsed(engine, ws, parsed([("2024-01-01", "sessions", 7.0, "Organic Search")],
                                              source="ga4", name="ga4.xlsx"), "hash-c")
    return ws, [a.batch_id, b.batch_id, c.batch_id]


def content(engine: Engine, ws_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of the workspace, ids dropped and import ids replaced by the import's position."""
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        batch_ids = conn.execute(select(backup.TABLES["import_batch"].c.id)
                                 .where(backup.TABLES["import_batch"].c.workspace_id == ws_id)
                                 .order_by(backup.TABLES["import_batch"].c.id)).scalars().all()
        position = {bid: i for i, bid in enumerate(batch_ids)}
        for name, table in backup.TABLES.items():
            key = table.c.id if name == "workspace" else table.c.workspace_id
            rows = conn.execute(select(table).where(key == ws_id).order_by(table.c.id)).mappings().all()
            cleaned = []
            for row in rows:
                if name == "audit_event":
                    if row["action"] != "restore":  # a restore adds its own event to the restored trail
                        cleaned.append({k: row[k] for k in ("actor", "action", "subject")})
                    continue
                item = {k: v for k, v in row.items() if k not in ("id", "workspace_id", "name")}
                for ref in ("import_id", "superseded_by"):
                    if item.get(ref) is not None:
                        item[ref] = position[item[ref]]
                cleaned.append(item)
            out[name] = cleaned
    return out


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        return {t: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{t}"')).all()), key=repr) for t in tables}


def live_clicks(engine: Engine, ws_id: int) -> dict[str, float]:
    obs = store.load_observations(engine, ws_id, ["clicks"])
    obs = obs[obs["metric"] == "clicks"]
    return {d.strftime("%Y-%m-%d"): v for d, v in zip(obs["date"], obs["value"], strict=True)}


def rezip(data: bytes, changes: dict[str, bytes], *, fix_manifest: bool = True,
          manifest_edit: dict[str, Any] | None = None) -> bytes:
    """The backup with some members replaced; the manifest's checksums/counts follow if asked."""
    src = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(src.read("manifest.json"))
    members = {n: src.read(n) for n in src.namelist() if n != "manifest.json"}
    members.update(changes)
    if fix_manifest:
        for spec in manifest["tables"].values():
            body = members[spec["member"]]
            spec["sha256"] = hashlib.sha256(body).hexdigest()
            spec["rows"] = sum(1 for line in body.splitlines() if line.strip())
    manifest.update(manifest_edit or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, body in members.items():
            zf.writestr(name, body)
        zf.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


def edit_rows(data: bytes, table: str, edit: Any) -> bytes:
    """Apply ``edit(rows)`` to a member's rows and rebuild the file with consistent checksums."""
    rows = [json.loads(line) for line in zipfile.ZipFile(io.BytesIO(data)).read(f"{table}.jsonl").splitlines()]
    edit(rows)
    body = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows)
    return rezip(data, {f"{table}.jsonl": body})


def error_of(engine: Engine, data: bytes, **kwargs: Any) -> KgiError:
    with pytest.raises(KgiError) as caught:
        backup.restore_bytes(engine, data, **kwargs)
    return caught.value


# --- the file -------------------------------------------------------------------------------



def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from core.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def test_backup_file_has_manifest_and_one_member_per_table(engine: Engine) -> None:
    ws, _ = fill(engine)
    data = backup.backup_bytes(engine, ws)
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(zf.namelist()) == sorted(
        ["manifest.json", "workspace.jsonl", "kgi.jsonl", "kpi.jsonl", "import_batch.jsonl",
         "observation.jsonl", "column_mapping.jsonl", "draft.jsonl", "audit_event.jsonl"])
    manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "kgi-planner-backup" and manifest["format_version"] == 1
    assert manifest["app_version"] == core.__version__ and manifest["alembic_revision"] == _head_revision()
    assert manifest["workspace"] == {"id": ws, "name": "Demo Tea 茶"}
    # 8 first rows (2 of them superseded later) + 2 newer + 1 from GA4: all kept
    assert {t: s["rows"] for t, s in manifest["tables"].items()} == {
        "workspace": 1, "kgi": 1, "kpi": 2, "import_batch": 3, "observation": 11,
        "column_mapping": 1, "draft": 1, "audit_event": AUDITED}
    for spec in manifest["tables"].values():
        assert hashlib.sha256(zf.read(spec["member"])).hexdigest() == spec["sha256"]
    created = datetime.fromisoformat(manifest["created_at"])
    assert created.tzinfo is not None and abs((datetime.now(UTC) - created).total_seconds()) < 60
    obs = [json.loads(line) for line in zf.read("observation.jsonl").splitlines()]
    assert obs[0]["date"] == "2024-01-01" and sum(o["superseded_by"] is not None for o in obs) == 2
    revenue = [o["value"] for o in obs if o["metric"] == "revenue"]
    assert revenue == list(TRICKY_FLOATS)  # exact, bit for bit
    ws_row = json.loads(zf.read("workspace.jsonl"))
    assert ws_row["period_start"] == "2024-01-01" and ws_row["settings"]["note"] == "中文"
    assert json.loads(zf.read("kgi.jsonl"))["updated_at"] == "2024-03-01T08:30:15.123456+00:00"


def test_backup_holds_only_its_workspace(engine: Engine) -> None:
    ws, _ = fill(engine)
    other, _ = fill(engine, "Other Brand")
    info = backup.read_backup_info(backup.backup_bytes(engine, other))
    assert info.workspace_name == "Other Brand" and info.format_version == 1
    assert info.rows["observation"] == 11 and info.rows["draft"] == 1
    assert info.app_version == core.__version__ and info.alembic_revision == _head_revision()


def test_backup_of_unknown_workspace(engine: Engine) -> None:
    with pytest.raises(KgiError) as caught:
        backup.backup_bytes(engine, 424242)
    assert caught.value.key == "workspace.not_found"


def test_backup_file_name() -> None:
    assert backup.backup_file_name("Demo Tea / 茶", date(2024, 5, 1)) == "kgi-backup-Demo-Tea-茶-2024-05-01.zip"
    assert backup.backup_file_name("///", date(2024, 5, 1)) == "kgi-backup-workspace-2024-05-01.zip"


# --- round trip -----------------------------------------------------------------------------


def test_round_trip_restores_everything_under_new_ids(engine: Engine) -> None:
    ws, batches = fill(engine)
    data = backup.backup_bytes(engine, ws)
    fractions: list[float] = []
    restored = backup.restore_bytes(engine, data, new_name="  Demo   Tea copy ", on_progress=fractions.append)
    assert isinstance(restored, Workspace)
    assert restored.id != ws and restored.name == "Demo Tea copy"
    assert (restored.business_type, restored.period_start, restored.settings["bands"]) == (
        "ecommerce", date(2024, 1, 1), {"on_track": 0.95})
    assert content(engine, restored.id) == content(engine, ws)
    assert fractions[-1] == 1.0
    new_batches = [b.id for b in store.list_imports(engine, restored.id)]
    assert len(new_batches) == 3 and not set(new_batches) & set(batches)
    assert live_clicks(engine, restored.id) == {"2024-01-01": 10.0, "2024-01-02": 25.0, "2024-01-03": 35.0}


def test_undo_still_works_after_restore(engine: Engine) -> None:
    ws, batches = fill(engine)
    restored = backup.restore_bytes(engine, backup.backup_bytes(engine, ws), new_name="Copy")
    b_new = sorted(b.id for b in store.list_imports(engine, restored.id))[1]
    store.undo_import(engine, b_new)
    assert live_clicks(engine, restored.id) == {"2024-01-01": 10.0, "2024-01-02": 20.0, "2024-01-03": 30.0}
    # the original is untouched, and undoing there gives the same content as in the copy
    assert live_clicks(engine, ws) == {"2024-01-01": 10.0, "2024-01-02": 25.0, "2024-01-03": 35.0}
    store.undo_import(engine, batches[1])
    assert content(engine, restored.id) == content(engine, ws)


def test_restore_after_the_original_is_gone(engine: Engine) -> None:
    """The everyday case: restore under the backup's own name into a database without it."""
    ws, _ = fill(engine)
    data = backup.backup_bytes(engine, ws)
    expected = content(engine, ws)
    with engine.begin() as conn:  # delete the workspace, children first
        for name in reversed(list(backup.TABLES)):
            table = backup.TABLES[name]
            key = table.c.id if name == "workspace" else table.c.workspace_id
            conn.execute(table.delete().where(key == ws))
    restored = backup.restore_bytes(engine, data)
    assert restored.name == "Demo Tea 茶"
    assert content(engine, restored.id) == expected


@pytest.mark.postgres
def test_restore_into_another_database_sqlite_to_postgres(sqlite_engine: Engine, pg_url: str) -> None:
    ws, _ = fill(sqlite_engine)
    data = backup.backup_bytes(sqlite_engine, ws)
    pg = make_engine(pg_url)
    try:
        migrate(pg)
        create_workspace(pg, "Already here", "saas")  # so the ids differ from the source's
        restored = backup.restore_bytes(pg, data)
        assert content(pg, restored.id) == content(sqlite_engine, ws)
        again = backup.backup_bytes(pg, restored.id)  # and back: PostgreSQL → SQLite
        back = backup.restore_bytes(sqlite_engine, again, new_name="Back home")
        assert content(sqlite_engine, back.id) == content(sqlite_engine, ws)
    finally:
        pg.dispose()


def test_many_observations_stream_through(sqlite_engine: Engine) -> None:
    ws = create_workspace(sqlite_engine, "Big", "ads").id
    days = pd.date_range("2020-01-01", periods=500, freq="D").strftime("%Y-%m-%d")
    rows = [(d, "clicks", float(i % 97) + 0.25, f"c{k}") for i, d in enumerate(days) for k in range(20)]
    store.store_parsed(sqlite_engine, ws, parsed(rows), "big")
    data = backup.backup_bytes(sqlite_engine, ws)
    assert len(data) < 2_000_000  # 10,000 rows compress well
    restored = backup.restore_bytes(sqlite_engine, data, new_name="Big 2")
    assert content(sqlite_engine, restored.id) == content(sqlite_engine, ws)


# --- refusing bad files ---------------------------------------------------------------------


def test_not_a_zip_and_not_a_backup(engine: Engine) -> None:
    before = snapshot(engine)
    assert error_of(engine, b"hello, not a zip").key == "backup.not_a_backup"
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("report.csv", "a,b\n1,2\n")
    assert error_of(engine, plain.getvalue()).key == "backup.not_a_backup"
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else", "format_version": 1}))
    assert error_of(engine, other.getvalue()).key == "backup.not_a_backup"
    assert snapshot(engine) == before


def test_newer_format_version_and_newer_schema(engine: Engine) -> None:
    ws, _ = fill(engine)
    data = backup.backup_bytes(engine, ws)
    newer = error_of(engine, rezip(data, {}, manifest_edit={"format_version": 2, "app_version": "9.0.0"}))
    assert newer.key == "backup.newer_format"
    assert newer.message("en") == (
        "This backup was made by a newer version of KGI Planner (app 9.0.0, backup format 2); this version "
        "reads backup format 1 and older. Update KGI Planner, then restore it again. Nothing was changed.")
    schema = error_of(engine, rezip(data, {}, manifest_edit={"alembic_revision": "0099"}))
    assert (schema.key, schema.params["revision"]) == ("backup.newer_schema", "0099")
    with pytest.raises(KgiError) as info:
        backup.read_backup_info(rezip(data, {}, manifest_edit={"format_version": 2}))
    assert info.value.key == "backup.newer_format"


def test_changed_member_fails_its_checksum(engine: Engine) -> None:
    ws, _ = fill(engine)
    data = backup.backup_bytes(engine, ws)
    body = zipfile.ZipFile(io.BytesIO(data)).read("observation.jsonl").replace(b'"value":10.0', b'"value":11.0', 1)
    before = snapshot(engine)
    error = error_of(engine, rezip(data, {"observation.jsonl": body}, fix_manifest=False), new_name="X")
    assert (error.key, error.params) == ("backup.corrupted", {"member": "observation.jsonl"})
    assert error.message("en").startswith("The backup file is damaged: the part “observation.jsonl” does not match")
    assert error.message("zh-TW").startswith("備份檔已損毀：「observation.jsonl」的內容與檢查碼不符")
    assert snapshot(engine) == before


def test_damaged_zip_bytes_are_refused(engine: Engine) -> None:
    ws, _ = fill(engine)
    data = bytearray(backup.backup_bytes(engine, ws))
    start = data.index(b"observation.jsonl") + 60  # inside the compressed observations
    data[start : start + 40] = bytes(40)
    assert error_of(engine, bytes(data), new_name="X").key in ("backup.corrupted", "backup.not_a_backup")


def test_row_count_must_match(engine: Engine) -> None:
    ws, _ = fill(engine)
    data = backup.backup_bytes(engine, ws)
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    manifest["tables"]["kpi"]["rows"] = 3
    error = error_of(engine, rezip(data, {}, fix_manifest=False, manifest_edit={"tables": manifest["tables"]}),
                     new_name="X")
    assert (error.key, error.params) == ("backup.count_mismatch", {"member": "kpi.jsonl", "expected": 3, "found": 2})


@pytest.mark.parametrize(("table", "edit", "key", "params"), [
    ("observation", lambda rows: rows[2].update(value="ten"), "backup.bad_value",
     {"member": "observation.jsonl", "row": 3, "field": "value"}),
    ("observation", lambda rows: rows[0].update(date="2024-13-01"), "backup.bad_value",
     {"member": "observation.jsonl", "row": 1, "field": "date"}),
    ("kpi", lambda rows: rows[1].update(metric=None), "backup.bad_value",
     {"member": "kpi.jsonl", "row": 2, "field": "metric"}),
    ("workspace", lambda rows: rows[0].update(currency="TWDX"), "backup.bad_value",
     {"member": "workspace.jsonl", "row": 1, "field": "currency"}),
    ("kpi", lambda rows: rows[0].pop("metric"), "backup.missing_field",
     {"member": "kpi.jsonl", "row": 1, "field": "metric"}),
    ("kpi", lambda rows: rows[0].update(colour="red"), "backup.unknown_field",
     {"member": "kpi.jsonl", "row": 1, "field": "colour"}),
    ("observation", lambda rows: rows[4].update(import_id=999), "backup.bad_reference",
     {"member": "observation.jsonl", "row": 5, "field": "import_id"}),
    ("observation", lambda rows: rows[0].update(superseded_by=999), "backup.bad_reference",
     {"member": "observation.jsonl", "row": 1, "field": "superseded_by"}),
    ("draft", lambda rows: rows[0].update(workspace_id=0), "backup.bad_reference",
     {"member": "draft.jsonl", "row": 1, "field": "workspace_id"}),
    ("kpi", lambda rows: rows[1].update(id=rows[0]["id"]), "backup.duplicate",
     {"member": "kpi.jsonl", "row": 2, "field": "id"}),
    ("observation", lambda rows: rows.append({**rows[-1], "id": rows[-1]["id"] + 1}), "backup.duplicate",
     {"member": "observation.jsonl", "row": 12, "field": "source, metric, date, granularity, dimension"}),
])
def test_every_row_is_checked_before_writing(engine: Engine, table: str, edit: Any, key: str,
                                            params: dict[str, Any]) -> None:
    ws, _ = fill(engine)
    data = edit_rows(backup.backup_bytes(engine, ws), table, edit)
    before = snapshot(engine)
    error = error_of(engine, data, new_name="X")
    assert (error.key, error.params) == (key, params)
    assert error.message("en") and error.message("zh-TW")
    assert snapshot(engine) == before


def test_older_backup_without_a_defaulted_field_still_restores(engine: Engine) -> None:
    """A column added later with a default: a backup that lacks it gets the default."""
    ws, _ = fill(engine)
    data = edit_rows(backup.backup_bytes(engine, ws), "kpi", lambda rows: [r.pop("owner") for r in rows])
    restored = backup.restore_bytes(engine, data, new_name="Old")
    with session_scope(engine) as session:
        owners = session.execute(select(Kpi.owner).where(Kpi.workspace_id == restored.id)).scalars().all()
    assert list(owners) == ["", ""]


# --- names ----------------------------------------------------------------------------------


def test_name_clash_suggests_a_free_name(engine: Engine) -> None:
    ws, _ = fill(engine, "Demo Tea")
    create_workspace(engine, "Demo Tea (2)", "saas")
    data = backup.backup_bytes(engine, ws)
    before = snapshot(engine)
    error = error_of(engine, data)
    assert (error.key, error.params) == ("backup.name_exists", {"name": "Demo Tea", "suggestion": "Demo Tea (3)"})
    assert error.message("en") == (
        "A workspace named “Demo Tea” already exists. Restore the backup under another name, "
        "for example “Demo Tea (3)”. Nothing was changed.")
    assert error.message("zh-TW") == (
        "已經有名為「Demo Tea」的工作區。請用其他名稱還原這個備份，例如「Demo Tea (3)」。沒有任何資料被更改。")
    assert error_of(engine, data, new_name="demo tea").key == "backup.name_exists"  # case does not matter
    assert error_of(engine, data, new_name="   ").key == "workspace.name_empty"
    assert snapshot(engine) == before
    assert backup.suggest_name(engine, "Demo Tea") == "Demo Tea (3)"
    assert backup.suggest_name(engine, "Fresh") == "Fresh"
    assert backup.restore_bytes(engine, data, new_name=error.params["suggestion"]).name == "Demo Tea (3)"


# --- all or nothing -------------------------------------------------------------------------


def test_failure_mid_restore_writes_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = fill(engine)
    data = backup.backup_bytes(engine, ws)
    before = snapshot(engine)
    real = backup._insert_rows
    calls: list[str] = []

    def insert_then_fail(conn: Any, table: str, rows: list[dict[str, Any]], **kwargs: Any) -> list[int]:
        calls.append(table)
        if table == "observation":  # the workspace, KGI, KPIs and imports are already in
            raise RuntimeError("disk full")
        return real(conn, table, rows, **kwargs)

    monkeypatch.setattr(backup, "_insert_rows", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        backup.restore_bytes(engine, data, new_name="Half")
    assert calls[:2] == ["workspace", "kgi"] and "import_batch" in calls
    assert snapshot(engine) == before
    monkeypatch.setattr(backup, "_insert_rows", real)
    assert backup.restore_bytes(engine, data, new_name="Half").name == "Half"  # the name is still free


# --- messages -------------------------------------------------------------------------------


def test_every_backup_message_exists_in_both_languages() -> None:
    from core.i18n import messages

    keys = [k for k in messages() if k.startswith("backup.")]
    assert len(keys) == 16
    params = {"member": "kpi.jsonl", "row": 2, "field": "metric", "expected": 2, "found": 3, "name": "A",
              "suggestion": "A (2)", "version": 2, "supported": 1, "app_version": "9.0", "revision": "0099",
              "size_mb": "1.0", "limit_mb": "0.5"}
    for key in keys:
        en, zh = KgiError(key, **params).message("en"), KgiError(key, **params).message("zh-TW")
        assert "{" not in en and "{" not in zh and en != zh
        assert en.endswith("Nothing was changed.") and zh.endswith("沒有任何資料被更改。")
    assert KgiError("backup.not_a_backup").message("zh-TW") == (
        "這個檔案不是 KGI Planner 的備份檔。請選擇在「設定」頁用「下載備份」產生的 .zip 檔。沒有任何資料被更改。")
