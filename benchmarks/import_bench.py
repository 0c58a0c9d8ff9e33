"""Import speed against its floor (issue 4, "Speed"). A benchmark, not a timed test.

Builds a 200,000-row daily file (date, campaign and 6 metric columns) as xlsx and as CSV,
imports each end to end (``read_file`` + ``store_parsed`` into a fresh SQLite file) in a child
process, and measures in the same run the floor:

* xlsx: python-calamine's raw read of the same workbook, CSV: ``pyarrow.csv.read_csv``;
* plus sqlite3 ``executemany`` of exactly the observation rows the import stored (read back
  from its database, in its order) into a table of the same shape (the observation table's
  own definition and the app's pragmas, without secondary indexes), in one transaction.

The last line printed is::

    xlsx_ratio=<import/floor> csv_ratio=<import/floor> peak_mb=<peak RSS of the xlsx import>

Goal: xlsx_ratio ≤ 1.5, csv_ratio ≤ 2.0, peak_mb < 600.

With ``--postgres`` the CSV import runs against PostgreSQL (a fresh throwaway schema per run,
``benchmarks/pg_support.py``) and the floor is the same read plus a raw ``COPY`` of exactly
the stored rows into a table of the observation's shape without its secondary indexes; the
last line is then ``pg_csv_ratio=<import/floor> pg_store_ratio=<store/COPY>`` (goal ≤ 2.0,
issue 12).

Run: ``.venv/bin/python benchmarks/import_bench.py [--rows N] [--keep DIR] [--postgres]``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import multiprocessing
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HEADERS = ["Date", "Campaign", "Impressions", "Clicks", "Cost", "Conversions", "Conversion value", "Reach"]
CAMPAIGNS = 500  # × 400 days = 200,000 rows


def build_rows(n_rows: int) -> list[list]:
    """Deterministic, plausible ad figures: one row per day and campaign."""
    days = max(1, n_rows // CAMPAIGNS)
    start = date(2023, 1, 1)
    rows: list[list] = []
    for d in range(days):
        day = start + timedelta(days=d)
        for c in range(CAMPAIGNS):
            if len(rows) == n_rows:
                return rows
            seed = (d * 7919 + c * 104729) % 9973
            impressions = 1000 + seed * 3
            clicks = 10 + seed % 400
            rows.append([day, f"Campaign {c:03d}", impressions, clicks, round(clicks * 11.37, 2),
                         seed % 17, round((seed % 17) * 1234.5, 2), 800 + seed * 2])
    return rows


def write_xlsx(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Report")
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)


def write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for row in rows:
            writer.writerow([row[0].isoformat(), *row[1:]])


def _fresh_db(path: Path | str) -> tuple[str, int]:
    """A migrated database with one workspace — a SQLite file, or the PostgreSQL URL given —;
    returns (url, workspace id)."""
    from core.db import make_engine, migrate
    from core.workspaces import create_workspace

    url = str(path) if str(path).startswith("postgresql") else f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    ws_id = create_workspace(engine, "Bench", "ads").id
    engine.dispose()
    return url, ws_id


def _reset_peak_rss() -> None:
    """Start the peak-RSS count afresh (Linux): a child inherits its parent's peak otherwise,
    since ``ru_maxrss`` survives fork and exec."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    """Peak resident memory since :func:`_reset_peak_rss` (``VmHWM``), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import_child(file_path: str, db_path: str, queue: multiprocessing.Queue, isolated: bool = False) -> None:
    """Runs in a fresh interpreter: the end-to-end import, its time and the process's peak RSS."""
    from core.db import make_engine
    from core.importing import read_file
    from core.importing.sandbox import read_file_isolated
    from core.store import file_hash, store_parsed

    if isolated:  # the app's path: the read runs in a limited child of this process
        from core.importing.sandbox import last_read, warm_up

        read_file = read_file_isolated  # noqa: N806
        warm_up()  # the app starts its forkserver once; each read then costs a fork

    url, ws_id = _fresh_db(db_path if db_path.startswith("postgresql") else Path(db_path))
    engine = make_engine(url)
    with engine.connect():  # open the pool's connection outside the timing
        pass
    _reset_peak_rss()
    started = time.perf_counter()
    data = Path(file_path).read_bytes()
    read_started = time.perf_counter()
    parsed = read_file(data, Path(file_path).name)
    read_done = time.perf_counter()
    result = store_parsed(engine, ws_id, parsed, file_hash(data))
    done = time.perf_counter()
    engine.dispose()
    peak_mb = _peak_rss_mb()
    if isolated:  # the child that read the file is another process: its own peak counts too
        peak_mb = max(peak_mb, getattr(last_read, "peak_mb", 0.0))
    queue.put({
        "seconds": done - started, "read": read_done - read_started, "store": done - read_done,
        "rows": result.rows, "status": result.status, "peak_mb": peak_mb,
        "rejected": result.rejected_rows, "source": result.source,
    })


ISOLATED = False  # --isolated: read through core.importing.sandbox, as the app does


def run_import(file_path: Path, db_path: Path) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_import_child, args=(str(file_path), str(db_path), queue, ISOLATED))
    proc.start()
    outcome = queue.get(timeout=900)
    proc.join()
    if outcome["status"] != "imported":
        raise SystemExit(f"{file_path.name}: import status {outcome['status']}")
    return outcome


def stored_rows(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as con:
        return con.execute(
            "SELECT workspace_id, metric, date, granularity, value, source, dimension, import_id, "
            "superseded_by FROM observation ORDER BY id"
        ).fetchall()


def floor_insert(rows: list[tuple], db_path: Path) -> float:
    """sqlite3 ``executemany`` of ``rows`` into a table of the same shape, in one transaction.

    "Same shape" is taken strictly: the observation table's own definition (columns, types,
    primary key, foreign key), same pragmas, but none of its secondary indexes — so the unique
    live-key index the import must maintain counts against the import, not in the floor.
    """
    template = Path(str(db_path) + ".schema")
    _fresh_db(template)
    with sqlite3.connect(template) as source:
        tables = [sql for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('import_batch', 'workspace',"
            " 'observation') ORDER BY CASE name WHEN 'workspace' THEN 0 WHEN 'import_batch' THEN 1 ELSE 2 END"
        )]
    con = sqlite3.connect(db_path)
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    with con:
        for sql in tables:
            con.execute(sql)
        con.execute("INSERT INTO workspace (id, name, business_type, currency, language, period_start,"
                    " period_months, is_demo, settings, created_at) VALUES (1, 'b', 'ads', 'TWD', 'en',"
                    " '2024-01-01', 12, 0, '{}', '2024-01-01')")
        con.execute("INSERT INTO import_batch (id, workspace_id, file_name, file_hash, source, status, rows,"
                    " metrics, replaced, errors, created_at) VALUES (1, 1, 'f', 'h', 's', 'imported', 0,"
                    " '[]', 0, '[]', '2024-01-01')")
    rows = [(*r[:7], 1, r[8]) for r in rows]
    sql = ("INSERT INTO observation (workspace_id, metric, date, granularity, value, source, dimension,"
           " import_id, superseded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
    started = time.perf_counter()
    with con:
        con.executemany(sql, rows)
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def floor_read_xlsx(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return time.perf_counter() - started


def floor_read_csv(path: Path) -> float:
    import pyarrow.csv as pacsv

    started = time.perf_counter()
    pacsv.read_csv(str(path))
    return time.perf_counter() - started


def stored_rows_pg(url: str) -> list[tuple]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT workspace_id, metric, date, granularity, value, source, dimension, import_id"
            " FROM observation ORDER BY id")).fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


def floor_copy_pg(rows: list[tuple], url: str) -> float:
    """A raw ``COPY`` of ``rows`` into a table shaped like the observation table — columns,
    types, primary key and foreign keys, as the SQLite floor — without its secondary indexes,
    in one transaction."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE observation_floor (LIKE observation INCLUDING DEFAULTS)"))
        conn.execute(text("ALTER TABLE observation_floor ADD PRIMARY KEY (id),"
                          " ADD FOREIGN KEY (workspace_id) REFERENCES workspace (id),"
                          " ADD FOREIGN KEY (import_id) REFERENCES import_batch (id)"))
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        started = time.perf_counter()
        with raw.cursor() as cursor, cursor.copy(
            "COPY observation_floor (workspace_id, metric, date, granularity, value, source, dimension, import_id)"
            " FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def measure_pg(file_path: Path, repeat: int) -> tuple[float, float, dict]:
    """Best of ``repeat``: the CSV import into PostgreSQL against read + raw COPY."""
    from pg_support import throwaway_schema

    imports, reads, copies = [], [], []
    for _ in range(repeat):
        with throwaway_schema() as url:
            imports.append(run_import(file_path, url))
            rows = stored_rows_pg(url)
            reads.append(floor_read_csv(file_path))
            copies.append(floor_copy_pg(rows, url))
            del rows
    outcome = min(imports, key=lambda o: o["seconds"])
    best_store = min(o["store"] for o in imports)
    floor = min(reads) + min(copies)
    print(f"postgres csv: import {outcome['seconds']:.2f}s (read {outcome['read']:.2f}s, store {outcome['store']:.2f}s,"
          f" {outcome['rows']:,} values, peak {outcome['peak_mb']:.0f} MB) | floor {floor:.2f}s"
          f" (read {min(reads):.2f}s, COPY {min(copies):.2f}s) | best of {repeat}")
    return outcome["seconds"] / floor, best_store / min(copies), outcome


def measure(kind: str, file_path: Path, work: Path, repeat: int) -> tuple[float, dict]:
    """Best of ``repeat`` runs for the import and, interleaved with it, for the floor.

    The minimum is the usual estimate of a benchmark's cost on a shared machine: noise only
    ever adds time. Import and floor run alternately, so both see the same machine.
    """
    imports, reads, inserts = [], [], []
    for attempt in range(repeat):
        db = work / f"{kind}-import-{attempt}.db"
        imports.append(run_import(file_path, db))
        rows = stored_rows(db)
        reads.append(floor_read_xlsx(file_path) if kind == "xlsx" else floor_read_csv(file_path))
        inserts.append(floor_insert(rows, work / f"{kind}-floor-{attempt}.db"))
        del rows
    outcome = min(imports, key=lambda o: o["seconds"])
    outcome["peak_mb"] = max(o["peak_mb"] for o in imports)
    read_floor, insert_floor = min(reads), min(inserts)
    floor = read_floor + insert_floor
    print(f"{kind}: import {outcome['seconds']:.2f}s (read {outcome['read']:.2f}s, store {outcome['store']:.2f}s,"
          f" {outcome['rows']:,} values, source {outcome['source']}, peak {outcome['peak_mb']:.0f} MB)"
          f" | floor {floor:.2f}s (read {read_floor:.2f}s, executemany {insert_floor:.2f}s)"
          f" | best of {repeat}")
    return outcome["seconds"] / floor, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="keep the files and databases in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best counts")
    parser.add_argument("--postgres", action="store_true",
                        help="import the CSV into PostgreSQL, against a raw COPY of the same rows")
    parser.add_argument("--isolated", action="store_true",
                        help="read in the limited child process, as the app and the CLI do")
    args = parser.parse_args(argv)
    global ISOLATED
    ISOLATED = args.isolated
    work = args.keep or Path(tempfile.mkdtemp(prefix="kgi-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = build_rows(args.rows)
        xlsx, csv_path = work / "bench.xlsx", work / "bench.csv"
        started = time.perf_counter()
        if not args.postgres:  # the PostgreSQL run imports the CSV only
            write_xlsx(xlsx, rows)
        write_csv(csv_path, rows)
        print(f"built {len(rows):,} rows × {len(HEADERS)} columns in {time.perf_counter() - started:.1f}s"
              f" (xlsx {xlsx.stat().st_size / 1e6 if xlsx.exists() else 0:.1f} MB,"
              f" csv {csv_path.stat().st_size / 1e6:.1f} MB)")
        del rows
        if args.postgres:
            pg_ratio, store_ratio, _ = measure_pg(csv_path, args.repeat)
            print(f"pg_csv_ratio={pg_ratio:.2f} pg_store_ratio={store_ratio:.2f}")
            return 0
        xlsx_ratio, xlsx_outcome = measure("xlsx", xlsx, work, args.repeat)
        csv_ratio, _ = measure("csv", csv_path, work, args.repeat)
        print(f"xlsx_ratio={xlsx_ratio:.2f} csv_ratio={csv_ratio:.2f} peak_mb={xlsx_outcome['peak_mb']:.0f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
