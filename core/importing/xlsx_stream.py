"""One xlsx sheet, read in bounded memory, chunk by chunk, with calamine's own cell values.

``python-calamine`` reads a whole sheet at once (about 32 bytes a cell in Rust plus the Python
objects), so a sheet of millions of rows costs gigabytes. :func:`sheet_row_chunks` streams the
sheet's XML part out of the archive instead and lets calamine read it a slice at a time:

* the part is inflated a few MB at a time (``zipfile``), never whole;
* everything before ``<sheetData>`` (the worksheet head) is kept as written;
* the rows are cut into groups of about ``chunk_rows`` ``<row>`` elements, always just before
  a ``<row`` start tag (so a group holds whole rows);
* each group becomes a *mini workbook*, an in-memory zip written here: the original
  ``[Content_Types].xml``, ``_rels/.rels``, ``workbook.xml`` and its rels, ``styles.xml`` and
  ``sharedStrings.xml`` copied as stored (still compressed; date formats, the 1904 flag and the
  global shared-string indexes stay exactly those of the real workbook) and, uncompressed at
  its own path, the sheet part made of the head, the group and ``</sheetData>``;
* calamine reads that sheet; its range starts at the group's first cell (cells carry absolute
  ``r`` references), so ``CalamineSheet.start`` places the rows in the sheet.

For well-formed XML the values are therefore calamine's, cell for cell (same types: float/int/str/bool/date/
datetime/time/timedelta, ``""`` for an empty cell). Rows without an ``r`` attribute and cells
without one are numbered positionally by calamine (a row counter set by ``<row r>``, moved on by
every ``</row>`` and by every self-closing ``<row/>``; a column counter reset by ``</row>``): the
counter at each cut is worked out here and handed to the next group by a cell-less
``<row r="N"/>`` in front of it, so positional rows land where the whole read puts them.

XML that is not well formed but that calamine's lenient parser (quick-xml, end names not
checked) gets through, e.g. an unbalanced quote inside a tag, which swallows the markup up to
the next quote, can be cut where calamine sees no element boundary: such a file may then read
differently from the whole read, or fail (bad workbook) where the whole read does not, or the
other way round. It never raises anything but :class:`NotStreamable` and ``KgiError`` (a fuzz
of 1,500 mutated sheets, three chunk sizes each, found nothing else, and no hang).

Width: the whole read pads every row to the sheet's widest column. A stream cannot know that
width before the end, so each chunk's rows are padded to the widest row seen *so far*: the first
chunk (which holds the header) has its own width, and a later chunk may be wider than earlier
ones. Padding every row to the widest chunk's width gives exactly the whole read.

Trailing rows: like the whole read, rows after the last cell are not produced (a trailing run of
cell-less ``<row>`` elements yields nothing). Empty rows between cells, and rows before the
first one, are produced as rows of ``""``.

Memory: about one group of rows at a time (its XML a few times over, calamine's range for it
and the Python rows; the caller holds the previous chunk meanwhile), the worksheet head, and
the compressed ``styles.xml`` and ``sharedStrings.xml``. Measured on 2.9 million rows × 3
columns (date, text, number; 480 MB of sheet XML; ``benchmarks/xlsx_stream_bench.py``): about
10 s and 180 MB above the file's bytes, against 8-10 s and 1.15 GB for calamine's whole read.

Shared strings are the cost that does not shrink: calamine parses ``sharedStrings.xml`` whole
for every chunk (and once more up front). Below ~10 MB inflated (some 300,000 distinct
strings) it does not show. Measured on the same 2.9 million rows with the text column as
shared strings: 1 million distinct (36 MB) 16 s and 250 MB above the file (whole read: 8 s,
1.2 GB); 2.9 million distinct (~105 MB) 27 s and 360 MB (whole read: 8.5 s, 1.25 GB). A larger
``chunk_rows`` parses them fewer times.

When the streaming cannot promise calamine's exact answer it raises :class:`NotStreamable`
(the caller then reads the sheet whole, or refuses it); see that class for the cases. It may
be raised after some chunks were already yielded: the caller must then drop them. Bad input
(not a zip, a truncated zip, broken XML, a missing sheet) raises ``KgiError(
"import.file.bad_workbook")``, possibly also after some chunks. Both come as the chunks are
iterated (this is a generator), not at the call. A ``.xlsb`` (no ``workbook.xml``) and an
``.xls`` (not a zip) are not streamed (NotStreamable / bad workbook).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
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
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[\s/>]")
# calamine ends a row at any end tag whose local name is "row".
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?row\s*>")
_ROW_EVENT = re.compile(rb"(<(?:[A-Za-z_][\w.\-]*:)?row[\s/>])|</(?:[A-Za-z_][\w.\-]*:)?row\s*>")
# The rest of a start tag: attributes (values may hold ">") and its end.
_TAG_REST = re.compile(rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>""")
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
    * at a cut between two groups, the last row is not closed (``<row>`` without ``</row>``)
      or cells stand outside any row (calamine's column counter for cells without ``r`` would
      carry over);
    * the sheet's part cannot be found from ``workbook.xml`` and its rels (calamine may still
      find it: an ``.xlsb``, odd targets), or a part the mini workbook copies is encrypted or
      zip64.

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
        fixed = _raw_entries(archive, data, parts.keep)
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
        reader.advance_row_state(group, last)
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
        self._found = 0  # row starts found in _buf[:_scan_at] (by _nth_row_start)
        self._found_at = -1
        self._scan_at = 0
        self._no_row_before = 0  # no row start before this (as far as _last_row_start saw)
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

        Every group but the first starts at a ``<row`` start tag. ``<row`` is counted with
        ``bytes.count``; once more than ``chunk_rows`` are buffered the group is cut at the
        last row start (it then holds up to two pieces' worth of rows more than asked), or,
        when the buffer holds over twice ``chunk_rows``, just before row ``chunk_rows + 1``.
        Each byte is looked at a bounded number of times, whatever the input."""
        if self.whole_part or self.empty:
            # calamine reads the head (or the whole small part) and says what it says.
            yield b"", True
            return
        tag, n_tag = self.tag, len(self.tag)
        buf = self._buf
        raw = 0  # occurrences of tag in buf[:counted] (a few may be "<rowX", not rows)
        counted = 0
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
            raw += buf.count(tag, counted)
            counted = max(counted, len(buf) - n_tag + 1)
            while raw > self.chunk_rows or len(buf) > MAX_GROUP_BYTES:
                if raw > 2 * self.chunk_rows:
                    cut = self._nth_row_start(self.chunk_rows + 1)
                else:
                    cut = self._last_row_start()
                if cut <= 0:
                    if len(buf) > MAX_ROW_BYTES:
                        raise NotStreamable("one <row> of over 128 MB")
                    break
                yield self._cut(cut), False
                end_from = max(0, end_from - cut)
                raw = buf.count(tag)
                counted = max(0, len(buf) - n_tag + 1)
            if done or not self._more():
                # Without </sheetData> calamine fails on this last group, as on the whole.
                yield bytes(buf), True
                buf.clear()
                return

    def _row_start_at(self, at: int) -> bool:
        after = at + len(self.tag)
        return after < len(self._buf) and self._buf[after] in _ROW_TAG_END

    def _last_row_start(self) -> int:
        """The last ``<row`` start in the buffer (-1: none after ``_no_row_before``)."""
        buf, tag = self._buf, self.tag
        at = len(buf)
        while True:
            at = buf.rfind(tag, self._no_row_before, at)
            if at < 0 or self._row_start_at(at):
                break
        self._no_row_before = max(self._no_row_before, len(buf) - len(tag))
        return at

    def _nth_row_start(self, n: int) -> int:
        """Where row start ``n`` (1-based) of the buffer is, -1 when it has fewer; the scan
        goes on where the last call stopped."""
        while self._found < n:
            at = self._buf.find(self.tag, self._scan_at)
            if at < 0:
                self._scan_at = max(self._scan_at, len(self._buf) - len(self.tag))
                return -1
            if at + len(self.tag) >= len(self._buf):
                self._scan_at = at
                return -1
            self._scan_at = at + len(self.tag)
            if self._row_start_at(at):
                self._found += 1
                self._found_at = at
        return self._found_at

    def _cut(self, at: int) -> bytes:
        with memoryview(self._buf) as view:
            group = bytes(view[:at])  # one copy (a bytearray slice would make two)
        del self._buf[:at]
        # The buffer now starts with a row start: scans begin again after it.
        self._found, self._found_at = 1, 0
        self._scan_at = len(self.tag)
        self._no_row_before = 0
        return group

    def advance_row_state(self, group: bytes, last: bool) -> None:
        """calamine's row counter after ``group``: ``<row r>`` sets it to r-1, every row's end
        (``</row>`` or a self-closing row) adds one. calamine's column counter for cells
        without ``r`` is reset only by ``</row>``: a group that does not end with a closed
        row (stray cells after it, or no ``</row>``) cannot hand it on."""
        tag, n_tag = self.tag, len(self.tag)
        at = len(group)
        while True:
            at = group.rfind(tag, 0, at)
            if at < 0 or (at + n_tag < len(group) and group[at + n_tag] in _ROW_TAG_END):
                break
        if at < 0:
            if not last and _CELL_START.search(group):
                raise NotStreamable("cells outside any <row>")
            self.row_state += len(_ROW_END.findall(group))  # stray ends move it all the same
            return
        r, tag_end, closed = _row_tag(group, at + n_tag)
        # Row ends after the last row start: its own (unless self-closing), and any stray one.
        ends = len(_ROW_END.findall(group, tag_end))
        if not last:
            if not closed and not ends:
                raise NotStreamable("a <row> without its </row>")
            if _CELL_START.search(group, tag_end if closed else _ROW_END.search(group, tag_end).end()):
                raise NotStreamable("cells after the last row's end")
        if r is not None:
            self.row_state = r - 1 + ends + closed
            return
        # The last row has no r: replay every row start and end of the group (rare files).
        state = self.row_state
        for match in _ROW_EVENT.finditer(group):
            if match.group(1) is None:
                state += 1
                continue
            r, _, closed = _row_tag(group, match.end() - 1)
            state = (r - 1 if r is not None else state) + closed
        self.row_state = state


def _row_tag(group: bytes, at: int) -> tuple[int | None, int, bool]:
    """The row start tag whose attributes begin at ``at``: (its ``r`` as written, 1-based, or
    None; where the tag ends; whether it is self-closing)."""
    match = _TAG_REST.match(group, at)
    if not match:
        raise NotStreamable("a <row> tag that is not well formed")
    found = _ROW_R.search(match.group(0))
    if not found:
        return None, match.end(), bool(match.group(1))
    text = found.group(1) if found.group(1) is not None else found.group(2)
    if not text.isdigit():
        raise NotStreamable(f"row r={text[:20]!r}")
    return int(text), match.end(), bool(match.group(1))


class _MiniBuilder:
    """Writes one group as a small xlsx and reads its sheet with calamine.

    The zip is written here, not with ``zipfile``: the fixed parts (workbook, rels, styles,
    shared strings) are copied as the original archive stores them (compressed, with their
    CRC), so a large ``sharedStrings.xml`` costs its compressed size here, not its inflated
    size, and no CRC of it is computed per chunk. The sheet part is stored uncompressed.
    """

    def __init__(self, entries: list[_RawEntry], sheet_path: str, sheet_name: str,
                 bad: KgiError) -> None:
        self.entries = entries
        self.sheet_name_bytes = sheet_path.encode("utf-8")
        self.sheet_name = sheet_name
        self.bad = bad

    def read(self, head: bytes, group: bytes, prefix: bytes, row_state: int,
             last: bool) -> tuple[tuple[int, int] | None, list[list[Any]]]:
        from python_calamine import CalamineWorkbook

        if b"!" in group and b"<!" in group:  # (one byte is found far faster than two)
            raise NotStreamable("comment or CDATA inside <sheetData>")
        if (b":" in group and b":row" in group) or (prefix and b"<row" in group):
            prefixes = {m.group(1) or b"" for m in _ANY_ROW_START.finditer(group)}
            if prefixes - {prefix[:-1]}:
                raise NotStreamable("rows with more than one namespace prefix")
        # A cell-less row puts calamine's row counter where the whole read has it here.
        lead = b"<" + prefix + b'row r="' + str(row_state).encode() + b'"/>' if row_state else b""
        tail = b"" if last else b"</" + prefix + b"sheetData>"
        pieces = (head, lead, group, tail)
        crc = 0
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
        size = sum(len(piece) for piece in pieces)
        sheet = _RawEntry(self.sheet_name_bytes, 0, crc, size, size, ())
        zip_bytes = _zip_bytes([*self.entries, sheet], pieces)
        try:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(zip_bytes))
            del zip_bytes
            sheet = workbook.get_sheet_by_name(self.sheet_name)
            start = sheet.start
            rows = sheet.to_python(skip_empty_area=True) if start is not None else []
        except Exception:  # CalamineError, XmlError, ZipError...
            raise self.bad from None
        if start is None or not rows:
            return None, []
        return (int(start[0]), int(start[1])), rows


@dataclass
class _RawEntry:
    """One zip member as stored: name, method, CRC, sizes and its (compressed) bytes."""

    name: bytes
    method: int
    crc: int
    compressed: int
    size: int
    data: tuple[bytes, ...]


_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_UTF8_NAME = 0x800
_DOS_DATE = (0, 33)  # 00:00:00, 1980-01-01


def _raw_entries(archive: zipfile.ZipFile, data: bytes, names: list[str]) -> list[_RawEntry]:
    """The members as stored in ``data`` (checked: calamine has read them already)."""
    entries = []
    for name in names:
        info = archive.getinfo(name)
        if info.flag_bits & 0x1 or max(info.compress_size, info.file_size, info.header_offset) >= 0xFFFFFFFF:
            raise NotStreamable(f"{name}: encrypted or zip64 member")
        at = info.header_offset
        if data[at: at + 4] != b"PK\x03\x04":
            raise NotStreamable(f"{name}: no local header")
        name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
        start = at + 30 + name_len + extra_len
        body = data[start: start + info.compress_size]
        if len(body) != info.compress_size:
            raise NotStreamable(f"{name}: truncated")
        entries.append(_RawEntry(name.encode("utf-8"), info.compress_type, info.CRC,
                                 info.compress_size, info.file_size, (body,)))
    return entries


def _zip_bytes(entries: list[_RawEntry], sheet_pieces: tuple[bytes, ...]) -> bytes:
    """A zip of ``entries``; the last one's data is ``sheet_pieces`` (joined once, here)."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for index, entry in enumerate(entries):
        body = sheet_pieces if index == len(entries) - 1 else entry.data
        flags = _UTF8_NAME if not entry.name.isascii() else 0
        local = _LOCAL.pack(0x04034B50, 20, flags, entry.method, *_DOS_DATE, entry.crc,
                            entry.compressed, entry.size, len(entry.name), 0) + entry.name
        central.append(_CENTRAL.pack(0x02014B50, 20, 20, flags, entry.method, *_DOS_DATE,
                                     entry.crc, entry.compressed, entry.size, len(entry.name),
                                     0, 0, 0, 0, 0, offset) + entry.name)
        out.append(local)
        out.extend(body)
        offset += len(local) + entry.compressed
    directory = b"".join(central)
    out.append(directory)
    out.append(_END.pack(0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0))
    return b"".join(out)
