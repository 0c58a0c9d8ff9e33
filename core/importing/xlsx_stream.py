"""One xlsx sheet, read in bounded memory, chunk by chunk, with calamine's own cell values.

``python-calamine`` reads a whole sheet at once (about 32 bytes a cell in Rust plus the Python
objects), so a sheet of millions of rows costs gigabytes. :func:`sheet_row_chunks` streams the
sheet's XML part out of the archive instead and lets calamine read it a slice at a time:

* the part is inflated a few MB at a time (``zipfile``), never whole;
* everything before ``<sheetData>`` (the worksheet head) is kept as written;
* the rows are cut into groups of ``chunk_rows`` ``<row>`` elements, always just before a
  ``<row`` start tag;
* each group becomes a *mini workbook*: an in-memory, uncompressed xlsx holding the original
  ``[Content_Types].xml``, ``_rels/.rels``, ``workbook.xml`` and its rels, ``styles.xml`` and
  ``sharedStrings.xml`` (date formats, the 1904 flag and the global shared-string indexes stay
  exactly as in the real workbook) and the sheet part at its own path, made of the head, the
  group and ``</sheetData>``;
* calamine reads that sheet; its range starts at the group's first cell (cells carry absolute
  ``r`` references), so :attr:`CalamineSheet.start` places the rows in the sheet.

The values are therefore calamine's, cell for cell (same types: float/int/str/bool/date/
datetime/time/timedelta, ``""`` for an empty cell). Rows without an ``r`` attribute and cells
without one are numbered positionally by calamine (a row counter set by ``<row r>``, moved on by
every ``</row>`` and by every self-closing ``<row/>``; a column counter reset by ``</row>``): the
counter at each cut is worked out here and handed to the next group by a cell-less
``<row r="N"/>`` in front of it, so positional rows land where the whole read puts them.

Width: the whole read pads every row to the sheet's widest column. A stream cannot know that
width before the end, so each chunk's rows are padded to the widest row seen *so far*: the first
chunk (which holds the header) has its own width, and a later chunk may be wider than earlier
ones. Padding every row to the widest chunk's width gives exactly the whole read.

Trailing rows: like the whole read, rows after the last cell are not produced (a trailing run of
cell-less ``<row>`` elements yields nothing). Empty rows between cells, and rows before the
first one, are produced as rows of ``""``.

Memory: about one group of rows (its XML, calamine's range for it and the Python rows), the
worksheet head, and ``styles.xml`` + ``sharedStrings.xml``, which every mini workbook carries
and calamine parses again for every chunk. Shared strings matter once they reach tens of MB
(millions of distinct strings): the uncompressed part is held once, copied into each mini
workbook and parsed by calamine per chunk (roughly 3 to 5 times its size at a time, and
about 0.1 to 0.2 s per 10 MB per chunk).

When the streaming cannot promise calamine's exact answer it raises :class:`NotStreamable`
(the caller then reads the sheet whole, or refuses it); see that class for the cases. It may
be raised after some chunks were already yielded: the caller must then drop them. Bad input
(not a zip, a truncated zip, broken XML, a missing sheet) raises ``KgiError(
"import.file.bad_workbook")``, possibly also after some chunks.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.errors import KgiError

# Bytes inflated from the sheet part per read.
READ_BYTES = 4 * 1024 * 1024
# The worksheet head (before <sheetData>) is held whole; beyond this it is not a real head.
MAX_HEAD_BYTES = 16 * 1024 * 1024
# A group is also cut (at its last <row> start) once its XML passes this many bytes.
MAX_GROUP_BYTES = 64 * 1024 * 1024
# Without a <row> start to cut at, the buffer may hold this much (one row's XML) at most.
MAX_ROW_BYTES = 128 * 1024 * 1024

_ROW_TAG_END = frozenset(b" \t\r\n/>")
_SHEET_DATA_START = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?sheetData(?=[\s/>])[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?sheetData\s*>")
_ROW_R = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ANY_ROW_START = re.compile(rb"<(?:([A-Za-z_][\w.\-]*):)?row[\s/>]")
_REL_TAG = re.compile(r"<(?:[\w.\-]+:)?Relationship\b[^>]*>")
_SHEET_TAG = re.compile(r"<(?:[\w.\-]+:)?sheet\b[^>]*>")
_ATTR = re.compile(r"""([\w:.\-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")


class NotStreamable(Exception):
    """The sheet cannot be streamed with a promise of calamine's exact values.

    Raised when:

    * the sheet XML has a comment, CDATA section or DOCTYPE (``<!``) before or inside
      ``<sheetData>`` (a ``<row`` inside one could not be told from a real row);
    * no ``<sheetData>`` is found in the first 16 MB of a larger part (UTF-16 XML, or not a
      worksheet; a part of at most 16 MB without one is read by calamine whole);
    * one ``<row>`` is over 128 MB of XML;
    * rows use more than one namespace prefix (``<x:row>`` next to ``<row>``);
    * cells come out of order across chunks: a group holds a cell on a row already produced
      (a later ``<row r>`` smaller than an earlier one, or cells whose ``r`` points back);
    * a row's ``r`` attribute that calamine accepts is not a plain number here;
    * the sheet's part cannot be found from ``workbook.xml`` and its rels (calamine may still
      find it).

    ``reason`` says which.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class RowChunk:
    first_row: int  # 0-based sheet row index of rows[0] (row 1 in Excel = 0)
    rows: list[list[Any]]  # the rows first_row .. first_row+len(rows)-1, with no gaps


# --- locating the parts ---------------------------------------------------------------------


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}[name]

    try:
        return _ENTITY.sub(one, text)
    except (ValueError, OverflowError):
        return text


def _attrs(tag: str) -> dict[str, str]:
    return {key: a if a or not b else b for key, a, b in _ATTR.findall(tag)}


def _local(key: str) -> str:
    return key.rsplit(":", 1)[-1]


@dataclass
class _Parts:
    """Member names (as stored) of the parts a mini workbook carries, and the sheet's."""

    keep: list[str]
    sheet: str | None


def _find_parts(archive: zipfile.ZipFile, sheet_name: str) -> _Parts:
    """Resolve the sheet's part as calamine does (``_rels/.rels`` → ``workbook.xml`` → rels);
    zip names are matched case-insensitively with ``\\`` as ``/``, the last one winning."""
    by_key: dict[str, str] = {}
    for name in archive.namelist():
        by_key[name.replace("\\", "/").lower()] = name

    def read(path: str) -> str | None:
        member = by_key.get(path.lower())
        if member is None:
            return None
        return archive.read(member).decode("utf-8", "replace")

    xl_path = "xl/"
    package_rels = read("_rels/.rels")
    if package_rels:
        for tag in _REL_TAG.findall(package_rels):
            attrs = _attrs(tag)
            if attrs.get("Type", "").endswith("/relationships/officeDocument") and "Target" in attrs:
                target = _unescape(attrs["Target"])
                cut = target.rfind("/")
                xl_path = target[: cut + 1].removeprefix("/") if cut >= 0 else ""
    wanted = {"[content_types].xml", "_rels/.rels"} | {
        f"{xl_path}{part}".lower()
        for part in ("workbook.xml", "_rels/workbook.xml.rels", "styles.xml", "sharedStrings.xml")
    }
    keep = [name for key, name in by_key.items() if key in wanted]

    sheet_member = None
    rels = read(f"{xl_path}_rels/workbook.xml.rels")
    workbook = read(f"{xl_path}workbook.xml")
    if rels is not None and workbook is not None:
        targets = {}
        for tag in _REL_TAG.findall(rels):
            attrs = _attrs(tag)
            targets[_unescape(attrs.get("Id", ""))] = _unescape(attrs.get("Target", ""))
        for tag in _SHEET_TAG.findall(workbook):
            attrs = _attrs(tag)
            if _unescape(attrs.get("name", "")) != sheet_name:
                continue
            rel_id = next((_unescape(v) for k, v in attrs.items() if _local(k) == "id"), None)
            target = targets.get(rel_id or "")
            if target:
                path = target[1:] if target.startswith("/") else f"{xl_path}{target}"
                sheet_member = by_key.get(path.lower())
    return _Parts(keep=keep, sheet=sheet_member)


def sheet_xml_size(data: bytes, sheet_name: str) -> int:
    """Uncompressed size in bytes of that sheet's XML part (0 when it cannot be found)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = _find_parts(archive, sheet_name)
        return archive.getinfo(parts.sheet).file_size if parts.sheet else 0
    except Exception:  # a broken archive has no size to tell
        return 0


# --- streaming ------------------------------------------------------------------------------


def sheet_row_chunks(data: bytes, sheet_name: str, file_name: str,
                     chunk_rows: int = 100_000) -> Iterator[RowChunk]:
    """Yield the sheet's rows in order, about ``chunk_rows`` at a time (see the module doc).

    Concatenated, the chunks' rows equal ``get_sheet_by_name(sheet_name).to_python(
    skip_empty_area=False)`` of the whole workbook, except that rows are padded to the widest
    row seen so far rather than to the sheet's final width, and trailing empty rows may be
    missing. Raises :class:`NotStreamable` or ``KgiError("import.file.bad_workbook")``.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    bad = KgiError("import.file.bad_workbook", file=file_name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:
        raise bad from None
    _check_sheet_exists(data, sheet_name, bad)
    try:
        parts = _find_parts(archive, sheet_name)
        if parts.sheet is None:
            raise NotStreamable("sheet part not found from workbook.xml")
        fixed = [(name, archive.read(name)) for name in parts.keep]
        stream = archive.open(parts.sheet)
    except NotStreamable:
        raise
    except Exception:
        raise bad from None
    reader = _GroupReader(stream, chunk_rows, bad)
    builder = _MiniBuilder(fixed, parts.sheet, sheet_name, bad)
    yield from _chunks(reader, builder, chunk_rows)


def _check_sheet_exists(data: bytes, sheet_name: str, bad: KgiError) -> None:
    """calamine must open the workbook and know the sheet (shared strings are parsed here once
    more: the price of failing exactly where the whole read fails)."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
    except Exception:
        raise bad from None
    if sheet_name not in names:
        raise bad


def _chunks(reader: _GroupReader, builder: _MiniBuilder, chunk_rows: int) -> Iterator[RowChunk]:
    next_row = 0  # rows produced so far
    width = 0
    for group, last in reader.groups():
        start, rows = builder.read(reader.head, group, reader.prefix, reader.row_state, last)
        reader.advance_row_state(group)
        if start is None:
            continue
        first, first_col = start
        if first < next_row:
            raise NotStreamable(f"cells out of order: row {first + 1} after row {next_row}")
        row_width = first_col + (len(rows[0]) if rows else 0)
        width = max(width, row_width)
        if first_col or row_width < width:
            left = [""] * first_col
            right = [""] * (width - row_width)
            rows = [left + row + right for row in rows]
        gap = first - next_row
        while gap >= chunk_rows:  # a long run of empty rows: in pieces, never whole
            yield RowChunk(next_row, [[""] * width for _ in range(chunk_rows)])
            next_row += chunk_rows
            gap -= chunk_rows
        if gap:
            rows = [[""] * width for _ in range(gap)] + rows
        if len(rows) > chunk_rows * 2:  # a whole small part, or a gap inside the group
            for at in range(0, len(rows), chunk_rows):
                yield RowChunk(next_row + at, rows[at: at + chunk_rows])
        else:
            yield RowChunk(next_row, rows)
        next_row += len(rows)


class _GroupReader:
    """Cuts the sheet part's ``<sheetData>`` into groups of ``chunk_rows`` rows."""

    def __init__(self, stream: Any, chunk_rows: int, bad: KgiError) -> None:
        self.stream = stream
        self.chunk_rows = chunk_rows
        self.bad = bad
        self.head = b""
        self.prefix = b""
        self.row_state = 0  # calamine's row counter at the start of the next group
        self.empty = False
        self.whole_part = False  # no <sheetData>: the whole (small) part goes to calamine
        self._buf = bytearray()
        self._eof = False
        self._read_head()
        self.tag = b"<" + self.prefix + b"row"

    def _more(self) -> bool:
        if self._eof:
            return False
        try:
            piece = self.stream.read(READ_BYTES)
        except Exception:  # zlib.error, BadZipFile (CRC), EOFError, OSError
            raise self.bad from None
        if not piece:
            self._eof = True
            return False
        self._buf += piece
        return True

    def _read_head(self) -> None:
        searched = 0
        while True:
            match = _SHEET_DATA_START.search(self._buf, max(0, searched - 512))
            if match:
                break
            searched = len(self._buf)
            if len(self._buf) > MAX_HEAD_BYTES:
                raise NotStreamable("no <sheetData> in the first 16 MB")
            if not self._more():
                # No sheetData at all (a chartsheet, garbage, UTF-16 XML...): the part is
                # small, so calamine reads it whole and says what it says.
                self.head = bytes(self._buf)
                self.whole_part = True
                self._buf.clear()
                return
        head = bytes(self._buf[: match.end()])
        if b"<!" in head:
            raise NotStreamable("comment, CDATA or DOCTYPE before <sheetData>")
        self.head = head
        self.prefix = (match.group(1) + b":") if match.group(1) else b""
        self.empty = bool(match.group(2))
        del self._buf[: match.end()]

    def groups(self) -> Iterator[tuple[bytes, bool]]:
        """(group XML, is it the last) — the last one runs to ``</sheetData>``.

        Every group but the first starts at a ``<row`` start tag; row starts are found by one
        regex pass over the bytes (each byte scanned once, whatever the input)."""
        if self.whole_part:
            yield b"", True
            return
        if self.empty:
            return
        row_start = re.compile(re.escape(self.tag) + rb"[\s/>]")
        n_tag = len(self.tag)
        buf = self._buf
        want = self.chunk_rows + 1  # the row that starts the next group
        found = 0  # row starts found in buf[:scan]
        scan = 0
        last_start = -1
        end_from = 0
        done = False
        while True:
            end = (_SHEET_DATA_END.search(buf, end_from)
                   if buf.find(b"sheetData", end_from) >= 0 else None)
            if end:
                del buf[end.end():]
                done = True
            else:
                end_from = max(0, len(buf) - 64)
            while True:
                matches = list(itertools.islice(row_start.finditer(buf, scan), want - found))
                if matches:
                    found += len(matches)
                    last_start = matches[-1].start()
                    scan = matches[-1].end()
                if found < want:
                    scan = max(scan, len(buf) - n_tag)
                    break
                yield self._cut(last_start), False
                end_from = max(0, end_from - last_start)
                found, scan, last_start = 1, n_tag + 1, 0
            if done or not self._more():
                # Without </sheetData> calamine fails on this last group, as on the whole.
                yield bytes(buf), True
                buf.clear()
                return
            if len(buf) > MAX_GROUP_BYTES:  # long rows: cut by size too
                if last_start > 0:
                    yield self._cut(last_start), False
                    end_from = max(0, end_from - last_start)
                    found, scan, last_start = 1, n_tag + 1, 0
                elif len(buf) > MAX_ROW_BYTES:
                    raise NotStreamable("one <row> of over 128 MB")

    def _cut(self, at: int) -> bytes:
        group = bytes(self._buf[:at])
        del self._buf[:at]
        return group

    def advance_row_state(self, group: bytes) -> None:
        """calamine's row counter after ``group``: ``<row r>`` sets it to r-1, every row's end
        (``</row>`` or a self-closing row) adds one."""
        tag, n_tag = self.tag, len(self.tag)
        at = len(group)
        while True:
            at = group.rfind(tag, 0, at)
            if at < 0:
                break
            if at + n_tag < len(group) and group[at + n_tag] in _ROW_TAG_END:
                break
        if at < 0:
            return  # no row in the group: the counter does not move
        r = _row_r(group, at)
        if r is not None:
            self.row_state = r
            return
        # The last row has no r: replay every row of the group (files without r are rare).
        state = self.row_state
        for match in _ANY_ROW_START.finditer(group):
            r = _row_r(group, match.start())
            state = r if r is not None else state + 1
        self.row_state = state


def _row_r(group: bytes, at: int) -> int | None:
    """The ``r`` of the row start tag at ``at`` (1-based, as written), None without one."""
    close = group.find(b">", at)
    tag = group[at: close if close >= 0 else len(group)]
    match = _ROW_R.search(tag)
    if not match:
        return None
    text = match.group(1) if match.group(1) is not None else match.group(2)
    if not text.isdigit():
        raise NotStreamable(f"row r={text[:20]!r}")
    return int(text)


class _MiniBuilder:
    """Writes one group as a small uncompressed xlsx and reads its sheet with calamine."""

    def __init__(self, fixed: list[tuple[str, bytes]], sheet_path: str, sheet_name: str,
                 bad: KgiError) -> None:
        self.fixed = fixed
        self.sheet_path = sheet_path
        self.sheet_name = sheet_name
        self.bad = bad

    def read(self, head: bytes, group: bytes, prefix: bytes, row_state: int,
             last: bool) -> tuple[tuple[int, int] | None, list[list[Any]]]:
        from python_calamine import CalamineWorkbook

        if b"<!" in group:
            raise NotStreamable("comment or CDATA inside <sheetData>")
        if b":row" in group or (prefix and b"<row" in group):
            prefixes = {m.group(1) or b"" for m in _ANY_ROW_START.finditer(group)}
            if prefixes - {prefix[:-1]}:
                raise NotStreamable("rows with more than one namespace prefix")
        # A cell-less row puts calamine's row counter where the whole read has it here.
        lead = b"<" + prefix + b'row r="' + str(row_state).encode() + b'"/>' if row_state else b""
        tail = b"" if last else b"</" + prefix + b"sheetData>"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as mini:
            for name, body in self.fixed:
                mini.writestr(name, body)
            mini.writestr(self.sheet_path, b"".join((head, lead, group, tail)))
        out.seek(0)
        try:
            workbook = CalamineWorkbook.from_filelike(out)
            sheet = workbook.get_sheet_by_name(self.sheet_name)
            start = sheet.start
            rows = sheet.to_python(skip_empty_area=True) if start is not None else []
        except Exception:  # CalamineError, XmlError, ZipError...
            raise self.bad from None
        if start is None or not rows:
            return None, []
        return (int(start[0]), int(start[1])), rows
