"""Streaming one huge xlsx sheet (``core.importing.xlsx_stream``) against calamine's whole read.

Builds a ``--rows``-row (2.9 million by default) × 3-column sheet (date, text, number) with
openpyxl in write-only mode (a few minutes; ``--keep DIR`` keeps the file for the next run),
then, each in a child process of its own, times

* ``stream``: iterating every chunk of :func:`sheet_row_chunks` (rows dropped as they come);
* ``whole``: ``CalamineWorkbook.get_sheet_by_name(...).to_python(skip_empty_area=False)``,

and prints the wall time and the peak RSS of that work (``VmHWM`` of the child after
``echo 5 > /proc/self/clear_refs``, which resets it once the file's bytes are read).

``--distinct-text`` writes a different string on every row (shared strings of tens of MB,
parsed again for every chunk) instead of 400 campaign names.

Run: ``.venv/bin/python benchmarks/xlsx_stream_bench.py [--rows N] [--keep DIR] [--chunk-rows N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEET = "Data"


def build(path: Path, rows: int, distinct_text: bool) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.append(["Date", "Campaign", "Sessions"])
    start = date(2020, 1, 1)
    for i in range(rows - 1):
        text = f"row {i} 活動" if distinct_text else f"campaign {i % 400} 活動"
        sheet.append([start + timedelta(days=i % 3000), text, (i * 7919) % 100_000 / 10])
    workbook.save(path)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def child(mode: str, path: str, chunk_rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    data = Path(path).read_bytes()
    from python_calamine import CalamineWorkbook

    from core.importing.xlsx_stream import sheet_row_chunks

    Path("/proc/self/clear_refs").write_text("5")
    base = _status("VmRSS")
    started = time.perf_counter()
    rows = 0
    chunks = 0
    if mode == "stream":
        for chunk in sheet_row_chunks(data, SHEET, Path(path).name, chunk_rows=chunk_rows):
            rows += len(chunk.rows)
            chunks += 1
    else:
        table = CalamineWorkbook.from_filelike(__import__("io").BytesIO(data)).get_sheet_by_name(
            SHEET).to_python(skip_empty_area=False)
        rows = len(table)
        chunks = 1
    seconds = time.perf_counter() - started
    print(json.dumps({"mode": mode, "seconds": round(seconds, 2), "rows": rows, "chunks": chunks,
                      "peak_mb": round(_status("VmHWM") / 2**20), "base_mb": round(base / 2**20),
                      "file_mb": round(len(data) / 2**20, 1)}))


def run(mode: str, path: Path, chunk_rows: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path),
                          "--chunk-rows", str(chunk_rows)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2_900_000)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--distinct-text", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.chunk_rows)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="xlsx_stream_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rows_{args.rows}{'_distinct' if args.distinct_text else ''}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        build(path, args.rows, args.distinct_text)
        print(f"built {path} ({path.stat().st_size / 2**20:.1f} MB) in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    from core.importing.xlsx_stream import sheet_xml_size

    print(f"sheet XML: {sheet_xml_size(path.read_bytes(), SHEET) / 2**20:.0f} MB", flush=True)
    results = [run(mode, path, args.chunk_rows) for mode in ("stream", "whole")]
    for result in results:
        print(f"{result['mode']:>6}: {result['seconds']:7.2f} s  peak {result['peak_mb']:5d} MB "
              f"(rss before {result['base_mb']} MB, file {result['file_mb']} MB)  "
              f"rows={result['rows']} chunks={result['chunks']}", flush=True)
    if not args.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
