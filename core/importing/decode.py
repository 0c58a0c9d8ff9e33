"""Bytes → text or workbook rows.

Nothing here trusts the file name: the kind of file is decided from its first bytes (zip magic,
OLE/CFB magic, HTML markup, byte-order marks, NUL patterns). What cannot be read raises
:class:`core.errors.KgiError` with a message key, never an exception text.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from core.errors import KgiError
from core.importing.guards import check_mixed_encoding
from core.importing.limits import check_text_shape, check_workbook_zip, mb, too_big

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", "\t", ";")
# Uncompressed workbook parts may be this many times the byte limit before we call it a bomb.
ZIP_EXPANSION_LIMIT = 12
# A sheet with this many empty rows in a row has reached its used data: the rest is padding.
TRAILING_EMPTY_ROWS = 5_000
MAX_SHEET_ROWS = 3_000_000

FileKind = Literal["text", "workbook"]


@dataclass
class SheetRows:
    """One worksheet as plain rows (cached values; a formula without one is an empty cell).

    Finding formulas without a cached value means inflating and scanning the sheet's XML a
    second time (a second or more for a 200,000-row sheet), and it only matters for cells that
    calamine returned empty. So the scan is lazy: :attr:`uncached_formulas` runs it on first
    use, and the reader asks only when a date or metric column has empty cells.
    """

    name: str
    rows: list[list[Any]]
    truncated_empty_rows: bool = False
    # Returns the 0-based (row, column) of formula cells that have no cached value.
    formula_scan: Callable[[], set[tuple[int, int]]] | None = None
    _uncached: set[tuple[int, int]] | None = field(default=None, repr=False)

    @property
    def uncached_formulas(self) -> set[tuple[int, int]]:
        if self._uncached is None:
            self._uncached = self.formula_scan() if self.formula_scan else set()
        return self._uncached

    @uncached_formulas.setter
    def uncached_formulas(self, cells: set[tuple[int, int]]) -> None:
        self._uncached = set(cells)


@dataclass
class Decoded:
    kind: FileKind
    text: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[SheetRows] = field(default_factory=list)
    workbook_format: str | None = None  # "xlsx" | "xls"
    file_name: str = ""


# Any byte that is not white space, NUL or part of a byte-order mark: found at once in a real
# file (unlike ``bytes.strip``, which copies the whole file to learn that it is not empty).
_CONTENT_BYTE = re.compile(rb"[^ \t\r\n\x00\xef\xbb\xbf\xff\xfe]")


def decode(data: bytes, file_name: str, max_bytes: int) -> Decoded:
    """Decide what ``data`` is and return its text (CSV/TSV) or its sheets (xlsx/xls)."""
    if not data or not _CONTENT_BYTE.search(data):
        raise KgiError("import.file.empty", file=file_name)
    if len(data) > max_bytes:
        raise too_big(file_name, len(data), max_bytes)
    if data.startswith(ZIP_MAGIC) or data.startswith(EMPTY_ZIP_MAGIC):
        return Decoded(kind="workbook", sheets=read_xlsx(data, file_name, max_bytes), workbook_format="xlsx",
                       file_name=file_name)
    if data.startswith(OLE_MAGIC):
        return Decoded(kind="workbook", sheets=read_ole(data, file_name), workbook_format="xls",
                       file_name=file_name)
    text, encoding = decode_text(data, file_name)
    _reject_markup(text, file_name)
    text, delimiter = sniff_delimiter(text)
    check_text_shape(text, delimiter, file_name)
    return Decoded(kind="text", text=text, encoding=encoding, delimiter=delimiter, file_name=file_name)


# --- text ---------------------------------------------------------------------------------


def decode_text(data: bytes, file_name: str = "") -> tuple[str, str]:
    """Decode CSV bytes: BOMs first, then UTF-16 by NUL pattern, then UTF-8, cp950, cp1252.

    Returns
    -------
    (text, encoding)
        ``text`` has no BOM and uses ``\\n``-compatible line endings as written (the CSV
        parser accepts CRLF, LF and mixtures).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", file_name), "utf-8-sig"
    if data.startswith(b"\xff\xfe"):
        return _strict(data[2:], "utf-16-le", file_name), "utf-16-le"
    if data.startswith(b"\xfe\xff"):
        return _strict(data[2:], "utf-16-be", file_name), "utf-16-be"
    utf16 = _utf16_without_bom(data[:4000])
    if utf16:
        return _strict(data, utf16, file_name), utf16
    if b"\x00" in data[:8000]:
        raise KgiError("import.file.binary", file=file_name)
    for encoding in ("utf-8", "cp950", "big5hkscs"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8":
                check_mixed_encoding(data, file_name)
            continue
        return _check_text(text, file_name), encoding
    return _check_text(data.decode("cp1252", errors="replace"), file_name), "cp1252"


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in every other byte for ASCII characters."""
    if len(head) < 4:
        return None
    even = head[0::2]
    odd = head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str, file_name: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise KgiError("import.file.bad_encoding", file=file_name, encoding=encoding) from None
    return _check_text(text, file_name)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _check_text(text: str, file_name: str) -> str:
    """Binary junk decodes "successfully" as cp1252 or even UTF-8: look for control bytes."""
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > max(3, len(sample) // 200):
        raise KgiError("import.file.binary", file=file_name)
    return text


_MARKUP = re.compile(
    r"^\s*(?:<!doctype\s+html|<html|<head|<body|<table|<meta|<\?xml|<workbook|<style|<div)",
    re.IGNORECASE,
)


def _reject_markup(text: str, file_name: str) -> None:
    """Web exports saved as ``.xls`` are HTML (or 2003 XML spreadsheets): say so plainly."""
    if _MARKUP.match(text[:2000]):
        raise KgiError("import.file.html", file=file_name)


def sniff_delimiter(text: str) -> tuple[str, str]:
    """Pick the delimiter from the lines after any ``#`` preamble; honour a ``sep=X`` line.

    Returns the text (without a ``sep=`` line) and the delimiter. The delimiter whose field
    count is the most consistent across the first lines wins (ties: the one giving more
    fields), so a title line or a comma inside ``August 20, 2024`` does not mislead it.
    """
    first_line, _, rest = text.partition("\n")
    match = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\ufeff"), flags=re.IGNORECASE)
    if match:
        return rest, match.group(1)
    lines = [
        line
        for line in _head_lines(text, 60)
        if line.strip() and not line.lstrip().startswith("#")
    ][:30]
    best, best_key = ",", (0, 0)
    for delim in DELIMITERS:
        counts = [_field_count(line, delim) - 1 for line in lines]
        positive = [c for c in counts if c > 0]
        if not positive:
            continue
        mode = max(set(positive), key=lambda c: (positive.count(c), c))
        key = (positive.count(mode), mode)
        if key > best_key:
            best, best_key = delim, key
    return text, best


def _head_lines(text: str, n: int) -> Iterable[str]:
    start = 0
    for _ in range(n):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _field_count(line: str, delim: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delim)))
    except (csv.Error, StopIteration):
        return line.count(delim) + 1


# --- workbooks ----------------------------------------------------------------------------


def read_xlsx(data: bytes, file_name: str, max_bytes: int) -> list[SheetRows]:
    """Every sheet of an xlsx as rows of cached values (python-calamine; never openpyxl)."""
    archive = open_workbook(data, file_name, max_bytes)
    errors = check_workbook_zip(archive, file_name)
    sheets = _calamine_sheets(data, file_name)
    scan = _FormulaScan(archive)
    if any(errors.values()):
        _put_error_cells(sheets, scan.paths(), errors)
    for sheet in sheets:
        sheet.formula_scan = functools.partial(scan.cells, sheet.name)
    return sheets


def open_workbook(data: bytes, file_name: str, max_bytes: int) -> zipfile.ZipFile:
    """The xlsx archive, once it is one and its parts do not inflate beyond reason."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise KgiError("import.file.bad_workbook", file=file_name) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise KgiError("import.file.zip_not_xlsx", file=file_name)
    expanded = sum(info.file_size for info in archive.infolist())
    if expanded > max_bytes * ZIP_EXPANSION_LIMIT:
        raise KgiError("import.file.expands_too_far", file=file_name, size_mb=mb(expanded),
                       limit_mb=mb(max_bytes * ZIP_EXPANSION_LIMIT))
    return archive


def sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part, in the workbook's order."""
    return _sheet_paths(archive)


def put_error_cells(rows: list[list[Any]], first_row: int, errors: dict[tuple[int, int], str]) -> None:
    """Error cells (0-based sheet row, column) written into ``rows``, which start at sheet row
    ``first_row`` (see :func:`_put_error_cells`)."""
    end = first_row + len(rows)
    for (row, col), text in errors.items():
        if first_row <= row < end and col < len(rows[row - first_row]):
            rows[row - first_row][col] = text


def sheet_rows(name: str, rows: list[list[Any]], file_name: str) -> SheetRows:
    return _sheet_rows(name, rows, file_name)


def _put_error_cells(sheets: list[SheetRows], paths: dict[str, str],
                     errors: dict[str, dict[tuple[int, int], str]]) -> None:
    """Write error cells (``#DIV/0!``...) back into the rows: calamine gives them as empty,
    and an empty number cell would drop its row without a word."""
    for sheet in sheets:
        found = errors.get(paths.get(sheet.name, ""), {})
        for (row, col), text in found.items():
            if row < len(sheet.rows) and col < len(sheet.rows[row]):
                sheet.rows[row][col] = text


def read_ole(data: bytes, file_name: str) -> list[SheetRows]:
    """An OLE/CFB file: an encrypted xlsx (password) or a real BIFF ``.xls``."""
    if "EncryptedPackage".encode("utf-16-le") in data[:1_000_000] or b"EncryptedPackage" in data:
        raise KgiError("import.file.encrypted", file=file_name)
    return _calamine_sheets(data, file_name)


def _calamine_sheets(data: bytes, file_name: str) -> list[SheetRows]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several types (CalamineError, ZipError, XmlError...)
        raise KgiError("import.file.bad_workbook", file=file_name) from None
    sheets: list[SheetRows] = []
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception:
            continue
        if sheet.height > MAX_SHEET_ROWS:
            raise KgiError("import.file.too_many_rows", file=file_name, limit=MAX_SHEET_ROWS)
        # calamine sizes a sheet by its real cells, not by the <dimension> tag, so a sheet
        # that claims a million rows but holds ten costs ten rows here.
        sheets.append(_sheet_rows(name, sheet.to_python(skip_empty_area=False), file_name))
    if not sheets:
        raise KgiError("import.file.bad_workbook", file=file_name)
    return sheets


def _sheet_rows(name: str, rows: list[list[Any]], file_name: str) -> SheetRows:
    """Rows without the trailing empty ones (cells holding "" pad some used ranges)."""
    end = len(rows)
    while end and not any(cell != "" and cell is not None for cell in rows[end - 1]):
        end -= 1
    truncated = len(rows) - end > TRAILING_EMPTY_ROWS
    return SheetRows(name=name, rows=rows[:end] if end < len(rows) else rows, truncated_empty_rows=truncated)


_SHEET_TAG = re.compile(r"<sheet\b[^>]*>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REL_TAG = re.compile(r"<Relationship\b[^>]*>")
# A formula cell: <c r="B2" ...><f>..</f></c> or <f .../> with no <v> before </c>.
_FORMULA_CELL = re.compile(
    r'<c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>.*?</f>)\s*(?:<v>\s*</v>\s*|<v\s*/>\s*)?</c>',
    re.DOTALL,
)


class _FormulaScan:
    """Formula cells without a cached value, per sheet name (0-based row, column), on demand.

    calamine returns such cells as empty; we report them instead of reading them as blanks.
    The workbook's sheet map is read once; each sheet's XML only when its cells are asked
    for, and only parsed with the regex when one byte search finds a ``<f`` element in it.
    """

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self._paths: dict[str, str] | None = None
        self._found: dict[str, set[tuple[int, int]]] = {}

    def cells(self, sheet_name: str) -> set[tuple[int, int]]:
        if sheet_name not in self._found:
            path = self.paths().get(sheet_name)
            self._found[sheet_name] = self._scan(path) if path else set()
        return self._found[sheet_name]

    def paths(self) -> dict[str, str]:
        """Sheet name → path of its XML part inside the archive."""
        if self._paths is None:
            self._paths = _sheet_paths(self.archive)
        return self._paths

    def _scan(self, path: str) -> set[tuple[int, int]]:
        try:
            raw = self.archive.read(path)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError):
            return set()
        if not _FORMULA_TAG.search(raw):
            return set()
        xml = raw.decode("utf-8", "replace")
        return {(int(row) - 1, _column_index(col)) for col, row in _FORMULA_CELL.findall(xml)}


_FORMULA_TAG = re.compile(rb"<f[\s>/]")


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return {}
    targets = {}
    for tag in _REL_TAG.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get("Target", "").lstrip("/")
        targets[attrs.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
    paths: dict[str, str] = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        path = targets.get(attrs.get("r:id"))
        if path:
            paths[_unescape(attrs.get("name", ""))] = path
    return paths


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )


def column_letter(index: int) -> str:
    """0-based column index → spreadsheet letters (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
