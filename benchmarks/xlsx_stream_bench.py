"""Streaming one huge xlsx sheet (``core.importing.xlsx_stream``) against calamine's whole read.

Builds a ``--rows``-row (2.9 million by default) × 3-column sheet (date, text, number), written
part by part as openpyxl's write-only mode writes it (``--keep DIR`` keeps the file),
then, each in a child process of its own, times

* ``stream``: iterating every chunk of :func:`sheet_row_chunks` (rows dropped as they come);
* ``whole``: ``CalamineWorkbook.get_sheet_by_name(...).to_python(skip_empty_area=False)``,

and prints the wall time and the peak RSS of that work (``VmHWM`` of the child after
``echo 5 > /proc/self/clear_refs``, which resets it once the file's bytes are read).

Text is written as inline strings, as openpyxl does. ``--shared-strings N`` instead writes the
text column as shared strings, N distinct ones (``sharedStrings.xml``, which
calamine parses again for every chunk: this shows what a large one costs).

Run: ``.venv/bin/python benchmarks/xlsx_stream_bench.py [--rows N] [--keep DIR] [--chunk-rows N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHEET = "Data"


def build(path: Path, rows: int) -> None:
    """The sheet written part by part as openpyxl's write-only mode writes it (text as inline
    strings, dates as serials with a date style): the same XML in seconds, not minutes."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _workbook_parts(archive)
        epoch = date(1899, 12, 30)
        first = (date(2020, 1, 1) - epoch).days
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'
                       '<c r="A1" t="inlineStr"><is><t>Date</t></is></c><c r="B1" t="inlineStr"><is><t>Campaign</t>'
                       '</is></c><c r="C1" t="inlineStr"><is><t>Sessions</t></is></c></row>'.encode())
            for start in range(0, rows - 1, 10_000):
                part.write("".join(
                    f'<row r="{i + 2}"><c r="A{i + 2}" s="1"><v>{first + i % 3000}</v></c>'
                    f'<c r="B{i + 2}" t="inlineStr"><is><t>campaign {i % 400} 活動</t></is></c>'
                    f'<c r="C{i + 2}"><v>{(i * 7919) % 100_000 / 10}</v></c></row>'
                    for i in range(start, min(rows - 1, start + 10_000))).encode())
            part.write(b"</sheetData></worksheet>")


def _workbook_parts(archive: object, shared: bool = False) -> None:
    """Every part but the sheet (and the shared strings): one sheet, a date style."""
    write = archive.writestr  # type: ignore[attr-defined]
    write("[Content_Types].xml", (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/></Types>'))
    write("_rels/.rels", f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
          f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    write("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets>'
          f'<sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    shared_rel = f'<Relationship Id="rId3" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>' if shared else ""
    write("xl/_rels/workbook.xml.rels", (
        f'<Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{DOC}/styles" Target="styles.xml"/>{shared_rel}</Relationships>'))
    write("xl/styles.xml", (
        f'<styleSheet xmlns="{MAIN}"><cellXfs count="2"><xf numFmtId="0"/>'
        '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'))


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def build_shared(path: Path, rows: int, distinct: int) -> None:
    """The same sheet, written by hand, its text column as ``distinct`` shared strings."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        _workbook_parts(archive, shared=True)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}" uniqueCount="{distinct + 3}">'
                       "<si><t>Date</t></si><si><t>Campaign</t></si><si><t>Sessions</t></si>".encode())
            for start in range(0, distinct, 10_000):
                part.write("".join(f"<si><t>campaign {i} 活動</t></si>"
                                   for i in range(start, min(distinct, start + 10_000))).encode())
            part.write(b"</sst>")
        epoch = date(1899, 12, 30)
        first = (date(2020, 1, 1) - epoch).days
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                       '<c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'.encode())
            for start in range(0, rows - 1, 10_000):
                part.write("".join(
                    f'<row r="{i + 2}"><c r="A{i + 2}" s="1"><v>{first + i % 3000}</v></c>'
                    f'<c r="B{i + 2}" t="s"><v>{3 + i % distinct}</v></c>'
                    f'<c r="C{i + 2}"><v>{(i * 7919) % 100_000 / 10}</v></c></row>'
                    for i in range(start, min(rows - 1, start + 10_000))).encode())
            part.write(b"</sheetData></worksheet>")


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
    parser.add_argument("--shared-strings", type=int, default=0, metavar="N")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.chunk_rows)
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="xlsx_stream_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    shared = args.shared_strings
    path = folder / f"rows_{args.rows}{f'_sst{shared}' if shared else ''}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        if shared:
            build_shared(path, args.rows, shared)
        else:
            build(path, args.rows)
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
