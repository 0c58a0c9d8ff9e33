"""Hostile and broken files through storage (issue 11), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
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
