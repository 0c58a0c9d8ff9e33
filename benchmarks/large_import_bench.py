"""Peak memory of importing very large exports (issue 11, "stream large CSV/xlsx in chunks").

Builds, in a temporary directory, the two files the issue names:

* a CSV of about 195 MB: 3.5 million rows of daily ad figures (2,500 campaigns × 1,400 days,
  eight columns: the shape of ``import_bench.py``, seventeen times longer);
* an xlsx of 2.9 million rows (2,028 campaigns × 1,430 days; date, campaign as a shared
  string, sessions, conversions), written part by part as Excel writes it;

and imports each the way ``kgi import FILE`` does (a path, the limited reading child, the
chunks on disk, the store chunk by chunk into a fresh SQLite file), each in a fresh process.
It reports, per file, the wall time, the rows stored, the peak resident memory of the
importing process (``VmHWM``) and that of the reading child. The last line is::

    csv_peak_mb=<max of both processes> xlsx_peak_mb=<max of both> goal_mb=600

Goal (issue 11): both under 600 MB. Before chunked reading the CSV took 4.75 GB and the xlsx
1.66 GB (the issue's measurements); read whole today they are refused by the reading child's
2 GB limit instead.

Run: ``.venv/bin/python benchmarks/large_import_bench.py [--keep DIR]`` (a few minutes: the
CSV stores 21 million figures).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.import_bench import HEADERS, _fresh_db, _peak_rss_mb, _reset_peak_rss  # noqa: E402

CSV_CAMPAIGNS, CSV_DAYS = 2_500, 1_400
XLSX_CAMPAIGNS, XLSX_DAYS = 2_028, 1_430
START = date(2023, 1, 1)
TODAY = date(2026, 11, 30)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADERS) + "\n")
        for d in range(CSV_DAYS):
            day = (START + timedelta(days=d)).isoformat()
            lines = []
            for c in range(CSV_CAMPAIGNS):
                seed = (d * 7919 + c * 104729) % 9973
                clicks = 10 + seed % 400
                lines.append(f"{day},Campaign {c:04d},{1000 + seed * 3},{clicks},{clicks * 11.37:.2f},"
                             f"{seed % 17},{(seed % 17) * 1234.5:.2f},{800 + seed * 2}\n")
            fh.write("".join(lines))


def write_xlsx(path: Path) -> None:
    """The workbook, part by part (one sheet; dates as serials with a date style)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'))
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                         f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
                         f'<sheet name="Sessions" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", (
            f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
        archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
                         '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
        names = ["Date", "Campaign", "Sessions", "Conversions"] + [f"Campaign {c:04d}" for c in range(XLSX_CAMPAIGNS)]
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}" uniqueCount="{len(names)}">'
                         + "".join(f"<si><t>{n}</t></si>" for n in names) + "</sst>")
        first = (START - date(1899, 12, 30)).days
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode()
                       + "".join(f'<c r="{col}1" t="s"><v>{i}</v></c>' for i, col in enumerate("ABCD")).encode()
                       + b"</row>")
            row = 2
            for d in range(XLSX_DAYS):
                cells = []
                for c in range(XLSX_CAMPAIGNS):
                    seed = (d * 7919 + c * 104729) % 9973
                    cells.append(f'<row r="{row}"><c r="A{row}" s="1"><v>{first + d}</v></c><c r="B{row}" t="s">'
                                 f'<v>{4 + c}</v></c><c r="C{row}"><v>{50 + seed % 900}</v></c>'
                                 f'<c r="D{row}"><v>{seed % 13}</v></c></row>')
                    row += 1
                part.write("".join(cells).encode())
            part.write(b"</sheetData></worksheet>")


def _import_child(path: str, db_path: str, queue: multiprocessing.Queue) -> None:
    """A fresh process: ``kgi import``'s path through the store, its time and both peaks."""
    from core.db import make_engine
    from core.importing import sandbox
    from core.store import import_file

    url, ws_id = _fresh_db(Path(db_path))
    engine = make_engine(url)
    sandbox.warm_up()  # the forkserver's own start is not the import's memory
    _reset_peak_rss()
    began = time.perf_counter()
    result = import_file(engine, ws_id, Path(path), Path(path).name, today=TODAY)
    seconds = time.perf_counter() - began
    queue.put({"status": result.status, "rows": result.rows, "rejected": result.rejected_rows,
               "errors": [e.key for e in result.errors[:3]], "seconds": round(seconds, 1),
               "parent_mb": round(_peak_rss_mb()), "reader_mb": round(getattr(sandbox.last_read, "peak_mb", 0.0))})
    engine.dispose()


def measure(path: Path, work: Path) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    db = work / f"{path.stem}.db"
    proc = ctx.Process(target=_import_child, args=(str(path), str(db), queue))
    proc.start()
    outcome = queue.get()
    proc.join()
    for leftover in work.glob(f"{path.stem}.db*"):
        leftover.unlink()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, help="build the files here and keep them (reused when present)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kgi-large-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        peaks = {}
        for name, build in (("large.csv", write_csv), ("large.xlsx", write_xlsx)):
            path = work / name
            if not path.exists():
                build(path)
            outcome = measure(path, work)
            peaks[path.suffix[1:]] = max(outcome["parent_mb"], outcome["reader_mb"])
            print(f"{name}: {path.stat().st_size / 1024 / 1024:.0f} MB, {outcome}", flush=True)
        print(f"csv_peak_mb={peaks['csv']} xlsx_peak_mb={peaks['xlsx']} goal_mb=600")
    finally:
        if args.keep is None:
            with contextlib.suppress(OSError):
                shutil.rmtree(work)


if __name__ == "__main__":
    main()
