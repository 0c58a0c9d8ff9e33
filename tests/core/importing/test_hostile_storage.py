"""Hostile and broken files through storage (issue 11), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import time
from pathlib import Path

import builders
import pytest
from sqlalchemy.engine import Engine

from core import db as core_db
from core import writequeue
from core.db import make_engine, migrate
from core.store import import_file, load_observations
from core.workspaces import create_workspace

TODAY = dt.date(2024, 6, 30)
HEADER = ["Date", "Campaign", "Sessions", "Revenue"]


def month_sheets() -> bytes:
    return builders.xlsx({
        "Jan": [HEADER, ["2024-01-01", "A", 10, 100], ["2024-01-02", "A", 11, 110]],
        "Feb": [HEADER, ["2024-02-01", "A", 12, 120], ["2024-02-02", "A", "abc", 130]],
        "Mar": [HEADER, ["2024-03-01", "A", 13, 140]],
    })


def test_a_sheet_per_month_is_read_whole_and_rejected_rows_name_their_sheet(engine: Engine) -> None:
    ws = create_workspace(engine, "Months", "ecommerce").id
    result = import_file(engine, ws, month_sheets(), "months.xlsx", today=TODAY)
    assert result.status == "imported", [p.message("en") for p in result.errors]
    observed = load_observations(engine, ws)
    sessions = observed[observed["metric"] == "sessions"]
    assert sorted(sessions["value"].tolist()) == [10, 11, 12, 13]
    [problem] = result.errors
    assert problem.row == 3
    assert problem.message("en") == "Sheet “Feb”: Row 3: “abc” in Sessions is not a number."
    assert problem.message("zh-TW") == "工作表「Feb」：第 3 列：Sessions 欄的「abc」不是數字。"


def _hold_write_lock(path: str, seconds: float, started: threading.Event,
                     release: threading.Event | None = None) -> None:
    con = sqlite3.connect(path, timeout=30)
    con.execute("BEGIN IMMEDIATE")
    started.set()
    if release is not None:
        release.wait(seconds)
    else:
        time.sleep(seconds)
    con.rollback()
    con.close()


def _sqlite_engine(tmp_path: Path) -> tuple[Engine, str, int]:
    path = str(tmp_path / "queue.db")
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    return eng, path, create_workspace(eng, "Queue", "ecommerce").id


def test_a_second_writer_queues_past_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holds SQLite's write lock longer than the busy timeout: the import waits."""
    monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    eng, path, ws = _sqlite_engine(tmp_path)
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 1.5, started))
    holder.start()
    started.wait(10)
    result = import_file(eng, ws, month_sheets(), "months.xlsx", today=TODAY)
    holder.join()
    assert result.status == "imported"
    eng.dispose()


def test_a_writer_that_waits_too_long_is_told_to_retry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(writequeue, "WAIT_SECONDS", 0.5)
    eng, path, ws = _sqlite_engine(tmp_path)
    started, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 60, started, release))
    holder.start()
    started.wait(10)
    result = import_file(eng, ws, month_sheets(), "months.xlsx", today=TODAY)
    release.set()
    holder.join()
    assert result.status == "rejected"
    [problem] = result.errors
    assert problem.key == "store.busy"
    assert "retry" in problem.message("en") and "請稍後再試" in problem.message("zh-TW")
    assert "OperationalError" not in problem.message("en")
    eng.dispose()


def test_two_imports_at_once_in_one_process_both_land(tmp_path: Path) -> None:
    eng, _, ws = _sqlite_engine(tmp_path)
    files = [builders.xlsx({"S": [HEADER, *[[f"2024-0{m}-{d:02d}", f"C{k}", d, d * 10] for d in range(1, 29)
                                           for k in range(20)]]}) for m in (1, 2)]
    results: list = []
    threads = [threading.Thread(target=lambda f=f, i=i: results.append(
        import_file(eng, ws, f, f"m{i}.xlsx", today=TODAY))) for i, f in enumerate(files)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(r.status for r in results) == ["imported", "imported"]
    eng.dispose()


def _stored_labels(engine: Engine, ws: int) -> set[str]:
    return set(load_observations(engine, ws)["dimension"])


def test_nul_and_control_characters_are_stripped_the_same_on_both_backends(engine: Engine) -> None:
    ws = create_workspace(engine, "Nul", "ecommerce").id
    # Past the first 8,000 bytes (a NUL at the start means a binary file, refused whole).
    pad = "".join(f"2024-0{m}-{d:02d},Campaign number {k},{d}\n" for m in (1, 2, 3) for d in range(1, 28)
                  for k in range(4))
    data = ("Date,Campaign,Sessions\n" + pad + "2024-03-01,Spring\x00Sale,1\n2024-03-02,Bell\x07,2\n").encode()
    assert data.index(b"\x00") > 8000
    result = import_file(engine, ws, data, "nul.csv", today=TODAY)
    assert result.status == "imported", [p.message("en") for p in result.errors]
    labels = _stored_labels(engine, ws)
    assert {"SpringSale", "Bell"} <= labels
    assert not any("\x00" in label or "\x07" in label for label in labels)
    assert any(w.key == "import.warn.control_removed" for w in result.warnings)


@pytest.mark.parametrize("mapping", [None, {"Contact": "@dimension"}])
def test_email_addresses_as_labels_are_never_stored(engine: Engine, mapping: dict | None) -> None:
    ws = create_workspace(engine, "Mail", "ecommerce").id
    header = "Date,Campaign,Sessions" if mapping is None else "Date,Contact,Sessions"
    data = (f"{header}\n2024-01-01,jo@example.com,1\n2024-01-01,mary.chen@shop.com.tw,2\n"
            "2024-01-02,Spring sale,3\n").encode()
    result = import_file(engine, ws, data, "mail.csv", today=TODAY, mapping=mapping)
    assert result.status == "imported", [p.message("en") for p in result.errors]
    labels = _stored_labels(engine, ws)
    assert not any("@" in label for label in labels)
    assert len([label for label in labels if label.startswith("email-")]) == 2
    warning = next(w for w in result.warnings if w.key == "import.warn.emails_masked")
    assert "e-mail" in warning.message("en") and "電子郵件" in warning.message("zh-TW")


def test_rejected_rows_are_stored_with_their_row_and_render_from_the_batch(engine: Engine) -> None:
    from core.store import Problem, list_imports

    ws = create_workspace(engine, "Rows", "ecommerce").id
    data = b"Date,Campaign,Sessions\n2024-01-01,A,1e309\n2024-01-02,A,5\n1900-01-01,A,2\n2024-01-03,A,#N/A\n"
    result = import_file(engine, ws, data, "rows.csv", today=TODAY)
    assert result.status == "imported"
    [batch] = list_imports(engine, ws)
    messages = sorted(Problem.from_json(e).message("en") for e in batch.errors)
    assert messages == [
        "Row 2: “1e309” in Sessions is too large to be a real figure (the limit is ±10^15); the row was left out.",
        "Row 4: the date “1900-01-01” in Date is outside 1990–2100, so it cannot be a date of these figures; "
        "the row was left out.",
        "Row 5: Sessions holds the spreadsheet error “#N/A”, not a figure; the row was left out. "
        "Fix the formula in the source sheet and export again.",
    ]
    sessions = load_observations(engine, ws)
    assert sessions["value"].tolist() == [5.0]


# --- backups ---------------------------------------------------------------------------------


def _backup(engine: Engine) -> bytes:
    from core import backup

    ws = create_workspace(engine, "Backed up", "ecommerce").id
    assert import_file(engine, ws, month_sheets(), "months.xlsx", today=TODAY).status == "imported"
    return backup.backup_bytes(engine, ws)


def _rezip(data: bytes, member: str, write, rows: int | None = None) -> bytes:
    """The backup with ``member`` rewritten by ``write(fh)`` (streamed, so gigabytes of
    inflated content cost no memory here); the manifest's row count set to ``rows``."""
    import io
    import json
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(src.read("manifest.json"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name in src.namelist():
            if name == member:
                with zf.open(name, "w", force_zip64=True) as fh:
                    write(fh)
            elif name != "manifest.json":
                zf.writestr(name, src.read(name))
        if rows is not None:
            manifest["tables"][member.removesuffix(".jsonl")]["rows"] = rows
        zf.writestr("manifest.json", json.dumps(manifest))
    return out.getvalue()


def _restore_error(engine: Engine, data: bytes) -> object:
    from core import backup
    from core.errors import KgiError

    with pytest.raises(KgiError) as err:
        backup.restore_bytes(engine, data, new_name="Restored")
    for lang in ("en", "zh-TW"):
        text = err.value.message(lang)
        assert not re.search(r"\{\w+\}|backup\.[a-z_]+\b(?!\s)", text.replace("backup. ", "")), text
    return err.value


def test_a_backup_of_gigabytes_of_newlines_is_refused_before_inflating(engine: Engine) -> None:
    def newlines(fh) -> None:
        block = b"\n" * (16 * 1024 * 1024)
        for _ in range(20):  # 320 MB of newlines, a few hundred KB zipped
            fh.write(block)

    data = _rezip(_backup(engine), "observation.jsonl", newlines)
    started = time.perf_counter()
    error = _restore_error(engine, data)
    assert error.key == "backup.member_too_large" and error.params["member"] == "observation.jsonl"
    assert time.perf_counter() - started < 30


def test_a_backup_with_one_huge_line_is_refused(engine: Engine) -> None:
    def one_line(fh) -> None:
        block = b"x" * (16 * 1024 * 1024)
        for _ in range(3):
            fh.write(block)

    data = _rezip(_backup(engine), "draft.jsonl", one_line, rows=100)
    error = _restore_error(engine, data)
    assert error.key == "backup.member_too_large" and error.params["member"] == "draft.jsonl"


@pytest.mark.parametrize(("table", "field", "value"), [
    ("workspace", "period_months", 100000),
    ("workspace", "settings", {"on_track": "0.9"}),
    ("workspace", "settings", {"thresholds": {"at_risk": 2, "on_track": 0.9}}),
    ("observation", "value", 1e308),
    ("observation", "granularity", "year"),
])
def test_restore_refuses_fields_out_of_range_naming_the_field(engine: Engine, table: str, field: str,
                                                              value: object) -> None:
    import io
    import json
    import zipfile

    data = _backup(engine)
    body = zipfile.ZipFile(io.BytesIO(data)).read(f"{table}.jsonl")
    rows = [json.loads(line) for line in body.splitlines() if line.strip()]
    rows[0][field] = value
    new_body = b"".join(json.dumps(r).encode() + b"\n" for r in rows)

    def write(fh) -> None:
        fh.write(new_body)

    import hashlib

    patched = _rezip(data, f"{table}.jsonl", write)
    src = zipfile.ZipFile(io.BytesIO(patched))
    manifest = json.loads(src.read("manifest.json"))
    manifest["tables"][table]["sha256"] = hashlib.sha256(new_body).hexdigest()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            zf.writestr(name, json.dumps(manifest) if name == "manifest.json" else src.read(name))
    error = _restore_error(engine, out.getvalue())
    assert error.key == "backup.out_of_range"
    assert error.params["field"].split(".")[0] == field and error.params["row"] == 1
    assert field in error.message("en") and field in error.message("zh-TW")


# --- a database from a newer version --------------------------------------------------------


def _mark_newer(engine: Engine) -> None:
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff99999999'"))


def test_a_database_at_an_unknown_revision_is_explained(engine: Engine) -> None:
    from core.db import DatabaseError

    _mark_newer(engine)
    with pytest.raises(DatabaseError) as err:
        migrate(engine)
    assert err.value.key == "db.newer_revision"
    assert "newer KGI Planner" in err.value.message("en") and "升級" in err.value.message("zh-TW")


def test_the_cli_says_upgrade_not_something_went_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main

    url = f"sqlite:///{tmp_path / 'newer.db'}"
    eng = make_engine(url)
    migrate(eng)
    _mark_newer(eng)
    eng.dispose()
    code = main(["--db", url, "--lang", "en", "workspace", "list"])
    err = capsys.readouterr().err
    assert code != 0 and "newer KGI Planner" in err and "Something went wrong" not in err


def test_kgi_import_of_dev_zero_is_refused_before_reading(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    eng = make_engine(url)
    migrate(eng)
    create_workspace(eng, "CLI", "ecommerce")
    eng.dispose()
    started = time.perf_counter()
    code = main(["--db", url, "--lang", "en", "import", "/dev/zero", "--workspace", "CLI"])
    out = capsys.readouterr().out
    assert code == 1 and "not a regular file" in out
    assert time.perf_counter() - started < 10
