"""Large files stored chunk by chunk (``core.importing.stream`` + ``core.store``).

Each test imports a file read in chunks and checks the database against what the same file
read whole gives: the same live rows, the same replacing of older imports, one transaction
(a failure in the fifth chunk stores nothing), undo, the same-bytes check and the day totals
written against another breakdown. Chunks are a few hundred characters here (reads in this
process: ``KGI_READ_ISOLATION=0``); one test goes through the real reading child.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from core import store
from core.importing import sandbox, stream
from core.workspaces import create_workspace

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def chunked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGI_READ_ISOLATION", "0")
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 1)
    monkeypatch.setattr(stream, "HEAD_CHARS", 900)
    monkeypatch.setattr(stream, "CHUNK_CHARS", 700)


def _ws(engine: Engine, name: str) -> int:
    return create_workspace(engine, name, "ads").id


def ads_csv(seed: int, days: int = 60, scale: float = 1.0, campaigns: int = 6) -> bytes:
    rng = random.Random(seed)
    lines = ["Date,Campaign,Impressions,Clicks,Cost"]
    for day in range(days):
        date = dt.date(2025, 1, 1) + dt.timedelta(days=day)
        for c in range(campaigns):
            lines.append(f"{date.isoformat()},\"Campaign {c}, TW\",{int(rng.randint(100, 999) * scale)},"
                         f"{rng.randint(1, 90)},{rng.randint(100, 9999) / 100:.2f}")
    return ("\n".join(lines) + "\n").encode()


def live(engine: Engine, ws: int) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT metric, CAST(date AS VARCHAR(10)), granularity, dimension, value FROM observation "
            "WHERE workspace_id = :ws AND superseded_by IS NULL ORDER BY 1, 2, 3, 4"), {"ws": ws}).all()
    return [tuple(r) for r in rows]


def _whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "stream_min_bytes", lambda: 10**12)


@pytest.mark.usefixtures("chunked")
def test_a_file_stored_in_chunks_equals_the_file_stored_whole(engine: Engine, monkeypatch) -> None:
    data = ads_csv(1)
    chunked_ws, whole_ws = _ws(engine, "Chunked"), _ws(engine, "Whole")
    calls: list[float] = []
    chunked = store.import_file(engine, chunked_ws, data, "ads.csv", today=TODAY, on_progress=calls.append)
    _whole(monkeypatch)
    whole = store.import_file(engine, whole_ws, data, "ads.csv", today=TODAY)
    assert chunked.status == whole.status == "imported"
    assert (chunked.rows, chunked.start, chunked.end, chunked.metrics) == (whole.rows, whole.start, whole.end,
                                                                          whole.metrics)
    assert live(engine, chunked_ws) == live(engine, whole_ws)
    assert len(live(engine, chunked_ws)) == 60 * 6 * 3
    assert calls and calls[-1] == pytest.approx(1.0) and calls == sorted(calls)


@pytest.mark.usefixtures("chunked")
def test_a_newer_large_export_replaces_the_older_and_undo_brings_it_back(engine: Engine) -> None:
    ws = _ws(engine, "Shop")
    first = store.import_file(engine, ws, ads_csv(2), "jan-feb.csv", today=TODAY)
    before = live(engine, ws)
    second = store.import_file(engine, ws, ads_csv(3, days=40, scale=2.0), "jan-feb-v2.csv", today=TODAY)
    assert first.status == second.status == "imported"
    assert second.replaced == 40 * 6 * 3
    rows = live(engine, ws)
    assert len(rows) == len(before)  # days 41-60 stay from the first file, nothing doubled
    assert store.import_file(engine, ws, ads_csv(3, days=40, scale=2.0), "again.csv", today=TODAY).status == "unchanged"
    store.undo_import(engine, second.batch_id)
    assert live(engine, ws) == before


@pytest.mark.usefixtures("chunked")
def test_a_failure_in_a_late_chunk_stores_nothing(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = _ws(engine, "Shop")
    real, calls = store._insert_rows, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "_insert_rows", failing)
    with pytest.raises(RuntimeError):
        store.import_file(engine, ws, ads_csv(4), "ads.csv", today=TODAY)
    assert live(engine, ws) == []
    assert store.list_imports(engine, ws) == []


@pytest.mark.usefixtures("chunked")
def test_duplicate_rows_far_apart_are_rejected_with_the_first_row(engine: Engine) -> None:
    ws = _ws(engine, "Shop")
    data = ads_csv(5).decode().splitlines()
    data.append(data[3])  # row 4's key again, hundreds of rows and many chunks later
    result = store.import_file(engine, ws, ("\n".join(data) + "\n").encode(), "ads.csv", today=TODAY)
    assert result.status == "imported"
    dup = [e for e in result.errors if e.key == "import.row.duplicate"]
    assert len(dup) == 1 and dup[0].row == len(data) and dup[0].params["first"] == 4
    assert f"row {len(data)}" in dup[0].message("en").lower()


@pytest.mark.usefixtures("chunked")
def test_day_totals_against_another_breakdown_are_written_once(engine: Engine) -> None:
    """GA4's sessions by channel (small), then by device (large, in chunks): counted once."""
    preamble = "# ----------------------------------------\n# {title}\n# Account: Demo\n# ----------------------------------------\n"
    channels = preamble.format(title="Traffic acquisition") + "Session default channel group,Date,Sessions\n" + "".join(
        f"{c},202401{d:02d},{v}\n" for d in range(1, 29) for c, v in (("Organic Search", 60), ("Direct", 40)))
    devices = preamble.format(title="Tech: Device category") + "Device category,Date,Sessions\n" + "".join(
        f"{c},202401{d:02d},{v}\n" for d in range(1, 29) for c, v in (("mobile", 70), ("desktop", 20), ("tablet", 10)))
    ws = _ws(engine, "Shop")
    first = store.import_file(engine, ws, channels.encode(), "channels.csv", today=dt.date(2024, 12, 31))
    second = store.import_file(engine, ws, devices.encode(), "devices.csv", today=dt.date(2024, 12, 31))
    assert first.status == second.status == "imported" and second.source == "ga4"
    assert any(w.key == "import.warn.other_breakdown" for w in second.warnings)
    assert store.actuals(engine, ws, "sessions") == [{"period": "2024-01", "value": 2800.0}]
    totals = [r for r in live(engine, ws) if r[3] == ""]
    assert len(totals) == 28 and {r[4] for r in totals} == {100.0}


def test_a_large_file_goes_through_the_reading_child_in_chunks(engine: Engine, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The real path: ``kgi import``'s file path, the limited child, chunks on disk."""
    monkeypatch.setenv("KGI_STREAM_MIN_MB", "1")
    path = tmp_path / "ads.csv"
    path.write_bytes(ads_csv(6, days=300, campaigns=600))  # about 8 MB: a 2 MB head, then 6 MB chunks
    assert path.stat().st_size > 3 * 1024 * 1024
    ws = _ws(engine, "Shop")
    result = store.import_file(engine, ws, path, path.name, today=dt.date(2026, 1, 31))
    assert result.status == "imported" and result.rows == 300 * 600 * 3
    if sandbox.isolation_enabled():
        assert sandbox.last_read.peak_mb > 0
    monkeypatch.setenv("KGI_READ_ISOLATION", "0")
    _whole(monkeypatch)
    other = _ws(engine, "Whole")
    store.import_file(engine, other, path.read_bytes(), path.name, today=dt.date(2026, 1, 31))
    assert live(engine, ws) == live(engine, other)


def test_a_file_larger_than_the_reading_limit_allows_whole_is_imported_in_chunks(
        sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """54 MB of CSV (1.95 million rows): read whole it needs about 730 MB in the reading child
    and is refused under a 900 MB address-space limit; read in chunks it stays near 350 MB."""
    if not sandbox.isolation_enabled():
        pytest.skip("needs the reading child")
    path = tmp_path / "narrow.csv"
    with path.open("w") as fh:
        fh.write("Date,Campaign,Sessions\n")
        for d in range(1500):
            day = (dt.date(2021, 1, 1) + dt.timedelta(days=d)).isoformat()
            fh.write("".join(f"{day},Campaign {c:04d},{(d * 31 + c) % 997}\n" for c in range(1300)))
    monkeypatch.setenv("KGI_READ_MEMORY_MB", "900")
    monkeypatch.setenv("KGI_STREAM_MIN_MB", "16")
    ws = _ws(sqlite_engine, "Shop")
    result = store.import_file(sqlite_engine, ws, path, path.name, today=dt.date(2026, 11, 30))
    assert result.status == "imported", result.errors
    assert result.rows == 1500 * 1300
    assert sandbox.last_read.peak_mb < 600
    expected = sum((d * 31 + c) % 997 for d in range(1500) for c in range(1300))
    assert sum(p["value"] for p in store.actuals(sqlite_engine, ws, "sessions")) == expected
