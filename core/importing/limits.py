"""Bounds checked before a file is inflated or parsed, so a hostile file is refused cheaply.

Every check here reads headers, sizes or a streamed scan, never the whole content at once:

* zip (xlsx): each member's declared uncompressed size and their total (bounded absolutely,
  not only as a ratio of the file size), the number of sheets, and each sheet's used range
  (the farthest cell actually present, found by streaming the sheet XML): python-calamine
  allocates a dense grid from A1 to the farthest cell, so one cell at XFD1048576 would ask
  for 550 GB;
* text (CSV/TSV): the longest physical line and the number of columns;
* files on disk: regular files only, read with a byte cap (``/dev/zero`` never fills memory).

Sizes in messages are always MB of 1,048,576 bytes with one decimal (:func:`mb`), the unit
Streamlit's upload limit uses.
"""

from __future__ import annotations

import itertools
import re
import stat
import zipfile
from pathlib import Path

import numpy as np

from core.errors import KgiError

MB = 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 1024 * MB  # all members of a workbook together, inflated
MAX_SHEETS = 200
MAX_COLUMNS = 2_000
MAX_ROWS = 3_000_000
# A sheet spanning more than SPARSE_SPAN cells must hold at least 1/SPARSE_FACTOR of them.
SPARSE_SPAN = 200_000
SPARSE_FACTOR = 50
ROW_JUMP = 1_000  # a row this far past the last one is checked for a value
# Cells from A1 to a sheet's farthest cell: what calamine allocates (≈ 32 bytes each).
MAX_SPAN_CELLS = 40_000_000
MAX_LINE_CHARS = 1_000_000  # one physical line of a CSV
SCAN_CHUNK = 4 * MB
TAIL_SAMPLE = 16 * 1024  # bytes of each chunk's end whose cells are read for columns


def mb(n_bytes: int | float) -> str:
    """Bytes as MB (1,048,576 bytes) with one decimal: the one unit of every size message."""
    return f"{n_bytes / MB:.1f}"


def too_big(file_name: str, size: int, limit: int) -> KgiError:
    return KgiError("import.file.too_big", file=file_name, size_mb=mb(size), limit_mb=mb(limit))


# --- files on disk ------------------------------------------------------------------------


def check_file(path: Path, max_bytes: int) -> int:
    """The size of a regular file of at most ``max_bytes``; a device, a pipe or a larger file
    is refused before a byte is read (``/dev/zero`` never ends)."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise KgiError("import.file.not_regular", file=path.name)
    if info.st_size > max_bytes:
        raise too_big(path.name, info.st_size, max_bytes)
    return info.st_size


def read_capped(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is refused first.

    ``stat`` says whether it is a regular file and how big; the read itself stops one byte
    past the limit, so a file that grows (or lies) while read is refused too.
    """
    path = Path(path)
    name = path.name
    check_file(path, max_bytes)
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big(name, len(data), max_bytes)
    return data


# --- zip workbooks ------------------------------------------------------------------------

_SHEET_ENTRY = re.compile(rb"<(?:\w+:)?sheet\b")
# Each pattern starts with a literal, so the regex engine skips ahead with a fast search:
# a 200,000-row sheet is scanned in a fraction of calamine's own read time.
_ROW_REF = re.compile(rb'<row [^>]*?\br="(\d+)"')
_ROW_NUMBER = re.compile(rb'<row [^>]*?\br="(\d+)"')
_NS_ROW_REF = re.compile(rb'<\w+:row [^>]*?\br="(\d+)"')  # prefixed tags (x:row), rare
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)(\d+)"')
# A column of three or more letters (AAA = column 703 and beyond): rare in real exports.
_WIDE_CELL = re.compile(rb' r="([A-Z]{3,})(\d+)"')


def check_workbook_zip(archive: zipfile.ZipFile, file_name: str,
                       formulas: set[str] | None = None) -> dict[str, dict[tuple[int, int], str]]:
    """Refuse a workbook whose parts inflate too far or whose sheets reach too far.

    Returns the error cells found on the way (``#DIV/0!``, ``#N/A``...), per sheet part:
    python-calamine reads them as empty cells, which would drop their rows unsaid. The sheet
    parts that hold a formula are added to ``formulas`` when it is given.
    """
    infos = archive.infolist()
    total = 0
    for info in infos:
        if info.file_size > MAX_TOTAL_UNCOMPRESSED:
            raise KgiError("import.file.expands_too_far", file=file_name, size_mb=mb(info.file_size),
                           limit_mb=mb(MAX_TOTAL_UNCOMPRESSED))
        total += info.file_size
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise KgiError("import.file.expands_too_far", file=file_name, size_mb=mb(total),
                       limit_mb=mb(MAX_TOTAL_UNCOMPRESSED))
    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
    declared = _declared_sheet_count(archive)
    if max(len(sheets), declared) > MAX_SHEETS:
        raise KgiError("import.file.too_many_sheets", file=file_name, count=max(len(sheets), declared),
                       limit=MAX_SHEETS)
    found = {}
    for info in sheets:
        extent = _check_sheet_extent(archive, info, file_name, want_formulas=formulas is not None)
        found[info.filename] = extent.errors
        if formulas is not None and extent.formulas:
            formulas.add(info.filename)
    return found


def _declared_sheet_count(archive: zipfile.ZipFile) -> int:
    try:
        info = archive.getinfo("xl/workbook.xml")
    except KeyError:
        return 0
    if info.file_size > 50 * MB:
        return MAX_SHEETS + 1
    return len(_SHEET_ENTRY.findall(archive.read(info)))


def _check_sheet_extent(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file_name: str,
                        want_formulas: bool = False) -> _Extent:
    """Stream one sheet's XML: its last row, its widest column and how many cells it holds.

    Rows are scanned through their ``<row r=..>`` tags (one per row, cheap); columns only
    through cell references of three letters or more, since anything shorter is within
    bounds (ZZ = column 702). The declared ``<dimension>`` is not trusted either way: it
    can claim a huge range for a small sheet or hide a far cell.
    """
    extent = _Extent()
    extent.want_formulas = want_formulas
    tail = b""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(SCAN_CHUNK)
                if not chunk:
                    break
                window = tail + chunk
                # Keep the end of the window: a tag may straddle two chunks.
                cut = window.rfind(b"<")
                scan, tail = (window[:cut], window[cut:]) if cut > 0 else (window, b"")
                if len(tail) > 4096:
                    scan, tail = window, b""
                extent.scan(scan)
            extent.scan(tail)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise KgiError("import.file.bad_workbook", file=file_name) from None
    extent.check(file_name)
    return extent


class _Extent:
    """The farthest row and column of one sheet, and its number of cells, chunk by chunk."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0
        self.cells = 0
        self.far_col_ref = ""
        self.errors: dict[tuple[int, int], str] = {}  # (0-based row, column) → error text
        self.formulas = False
        self.want_formulas = False
        self.prefixed = False  # the sheet writes its tags with a namespace prefix (<x:row>)

    def scan(self, scan: bytes) -> None:
        prefixed_here = b":row " in scan
        self.prefixed = self.prefixed or prefixed_here
        if self.cells < MAX_SPAN_CELLS // SPARSE_FACTOR:
            # Counted only while the sparse check below could still refuse the sheet: past
            # this many cells no allowed span is sparse enough; prefixed cells (<x:c >) are
            # looked for only in a sheet that uses prefixes.
            self.cells += scan.count(b"<c ") + (scan.count(b":c ") if self.prefixed else 0)
        if self.want_formulas and not self.formulas and (b"<f" in scan or b":f" in scan):
            self.formulas = bool(_FORMULA.search(scan))  # the regex only where a byte search hit
        if b't="e"' in scan and len(self.errors) < MAX_ERROR_CELLS:
            for match in _ERROR_CELL.finditer(scan):
                ref = _REF_ATTR.search(match.group(1))
                value = _VALUE.search(match.group(2))
                if ref and value:
                    key = (int(ref.group(2)) - 1, column_number(ref.group(1).decode("ascii")) - 1)
                    self.errors[key] = value.group(1).decode("utf-8", "replace")[:40]
        if prefixed_here or not self._rows_in_order(scan):
            self._rows_one_by_one(scan)
        self._columns(scan)

    def _rows_in_order(self, scan: bytes) -> bool:
        """The usual case in one vectorised step: row numbers that never jump far ahead."""
        numbers = np.array(_ROW_NUMBER.findall(scan)).astype(np.int64)
        if not len(numbers):
            return True
        before = np.maximum.accumulate(np.concatenate(([self.max_row], numbers[:-1])))
        if (numbers > before + ROW_JUMP).any():
            return False
        self.max_row = max(self.max_row, int(numbers.max()))
        return True

    def _rows_one_by_one(self, scan: bytes) -> None:
        rows = _ROW_REF.finditer(scan)
        if b":row " in scan:
            rows = itertools.chain(rows, _NS_ROW_REF.finditer(scan))
        for match in rows:
            row = int(match.group(1))
            # Rows come in order; a jump is checked for a value (calamine skips empty cells,
            # and Excel often writes a styled empty cell far below the data).
            if row > self.max_row and (row <= self.max_row + ROW_JUMP or _holds_value(scan, match.end(), b"</row>")):
                self.max_row = row

    def _columns(self, scan: bytes) -> None:
        for match in _WIDE_CELL.finditer(scan):
            if _holds_value(scan, match.end(), b"</c>"):
                self._column(match.group(1), match.group(2))
        if self.max_col < 27 * 26 and b'r="' in scan:
            # Two-letter columns at most so far (ZZ = 702, within MAX_COLUMNS): a sample of the
            # chunk's last rows estimates the span; a wider stray cell within two letters is
            # still bounded by the reading child's memory limit (core.importing.sandbox).
            tail = scan[-TAIL_SAMPLE:]
            for match in _CELL_REF.finditer(tail):
                if _holds_value(tail, match.end(), b"</c>"):
                    self._column(match.group(1), match.group(2))

    def _column(self, letters: bytes, row: bytes) -> None:
        col = column_number(letters.decode("ascii"))
        if col > self.max_col:
            self.max_col, self.far_col_ref = col, (letters + row).decode("ascii")

    def check(self, file_name: str) -> None:
        if self.max_col > MAX_COLUMNS:
            raise KgiError("import.file.far_cell", file=file_name, cell=self.far_col_ref, limit=f"{MAX_COLUMNS:,}")
        if self.max_row > MAX_ROWS:
            raise KgiError("import.file.too_many_rows", file=file_name, limit=f"{MAX_ROWS:,}")
        span = self.max_row * max(self.max_col, 1)
        if span > MAX_SPAN_CELLS:
            raise KgiError("import.file.too_many_cells", file=file_name, rows=f"{self.max_row:,}",
                           columns=self.max_col, limit=f"{MAX_SPAN_CELLS:,}")
        if span > SPARSE_SPAN and span > SPARSE_FACTOR * max(self.cells, 1):
            # A few cells spread over a huge range: a stray cell far below or right of the data.
            raise KgiError("import.file.far_cell_sparse", file=file_name, rows=f"{self.max_row:,}",
                           columns=self.max_col, cells=f"{self.cells:,}")


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*\bt="e"[^>]*)>(.*?)</(?:\w+:)?c>', re.DOTALL)
_REF_ATTR = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
MAX_ERROR_CELLS = 100_000


def _holds_value(scan: bytes, start: int, closing: bytes) -> bool:
    """Whether the element opened just before ``start`` holds a value (``<v>`` or inline text).

    Only the element itself is looked at: up to its closing tag, or its end when it closes
    itself (``<c r="Z9" s="1"/>``, ``<row r="9"/>``).
    """
    tag_end = scan.find(b">", start)
    if tag_end < 0 or scan[tag_end - 1 : tag_end] == b"/":
        return False
    end = scan.find(closing, tag_end)
    body = scan[tag_end : end if end >= 0 else len(scan)]
    return b"<v>" in body or b"<v " in body or b"<is>" in body or b":v>" in body or b":is>" in body


def column_number(letters: str) -> int:
    """Spreadsheet letters → 1-based column number (A → 1, XFD → 16384)."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


# --- text ---------------------------------------------------------------------------------


def check_text_shape(text: str, delimiter: str, file_name: str) -> None:
    """Refuse text with a physical line over :data:`MAX_LINE_CHARS` or too many columns.

    Window by window: each stretch of ``MAX_LINE_CHARS`` characters must hold a line break
    (a few hundred ``rfind`` calls for a 200 MB file, not one per line).
    """
    pos, n = 0, len(text)
    line_no = 1
    while n - pos > MAX_LINE_CHARS:
        newline = text.rfind("\n", pos, pos + MAX_LINE_CHARS)
        if newline < 0:
            line_no += text.count("\n", 0, pos)
            raise KgiError("import.file.line_too_long", file=file_name, line=line_no,
                           limit=f"{MAX_LINE_CHARS:,}")
        pos = newline + 1
    start = 0
    for _ in range(30):  # the header and the first data lines
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        count = line.count(delimiter) + 1
        if count > MAX_COLUMNS:
            raise KgiError("import.file.too_many_columns", file=file_name, count=f"{count:,}",
                           limit=f"{MAX_COLUMNS:,}")
        if end < 0:
            break
        start = end + 1


def check_width(width: int, file_name: str) -> None:
    """A parsed grid wider than :data:`MAX_COLUMNS` (a later line with thousands of cells)."""
    if width > MAX_COLUMNS:
        raise KgiError("import.file.too_many_columns", file=file_name, count=f"{width:,}",
                       limit=f"{MAX_COLUMNS:,}")
