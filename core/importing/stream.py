"""Reading a file too large to hold at once, chunk by chunk (issue 11).

A 200 MB CSV read whole is 200 MB of bytes, as much again of text, a grid of millions of
cell strings and an observation frame of tens of millions of rows: gigabytes. Read here, a
CSV of :func:`stream_min_bytes` or more, or an xlsx whose largest sheet holds
:func:`workbook_min_xml` of XML, costs one chunk at a time, whatever its size:

1. the first chunk (a few MB of records, or ``CHUNK_ROWS`` sheet rows) is read exactly as a
   whole file would be: the source, the table, its header, the column plan and every
   per-file decision (percent reading, date order, decimal mark) come from it and hold for
   the rest;
2. each following chunk is cut at a record boundary (a CSV never inside a quoted cell; a
   sheet through ``core.importing.xlsx_stream``), read as more rows of that table, and its
   observations are written to the spill directory (``core.importing.spill``); rejected
   rows keep their real row numbers;
3. a (date, dimension) key an earlier chunk already gave is a duplicate across chunks:
   rejected with the row that came first, or — for sources whose repeated rows add up —
   combined with the earlier rows at the end, exactly as if they had been one chunk;
4. what one row stands for (a day, a week, a month) is decided on the dates of all chunks.

What cannot be read this way is read whole as before (and the reading child's memory limit
still refuses it cleanly when too big): a whole-file format, a file with several tables (or
a workbook with more than one large sheet), order exports (an order's lines may straddle two
chunks), long layouts, a sheet with formulas, and any file whose later chunk would be read
otherwise than its first (``NeedsWholeRead``). The server's process stores the chunks one by
one in one transaction (``core.store``).
"""

from __future__ import annotations

import codecs
import collections
import dataclasses
import datetime as dt
import io
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from core.errors import KgiError
from core.importing import formats
from core.importing.decode import (
    EMPTY_ZIP_MAGIC,
    OLE_MAGIC,
    ZIP_MAGIC,
    Decoded,
    _check_text,
    _reject_markup,
    _utf16_without_bom,
    open_workbook,
    put_error_cells,
    sheet_paths,
    sheet_rows,
    sniff_delimiter,
)
from core.importing.guards import check_mixed_encoding
from core.importing.limits import check_text_shape, check_workbook_zip, read_capped
from core.importing.parsed import DEFAULT_MAX_BYTES, MAX_DETAILED_REJECTIONS, Message, ParsedFile
from core.importing.periods import GRANULARITY_CHOICES, infer
from core.importing.planning import _Context, _Plan
from core.importing.reader import (
    _check_mapping,
    _collector_paused,
    _parse,
    _parsed_file,
    new_context,
    plan_tables,
    read_file,
)
from core.importing.rows import _combine, _sum_groups, checked_values
from core.importing.sources import source_keys
from core.importing.spill import Spill, read_chunk, write_chunk, write_labels
from core.importing.tables import (
    NeedsWholeRead,
    RawTable,
    continuation_table,
    find_tables,
    rows_grid,
    tables_in_grid,
    text_grid,
)
from core.importing.xlsx_stream import NotStreamable as XlsxNotStreamable
from core.importing.xlsx_stream import sheet_row_chunks

HEAD_CHARS = 2_000_000  # the first chunk: plenty of rows to plan from, cheap to read twice
CHUNK_CHARS = 6_000_000  # about 100,000 records of a typical daily export
PIECE_BYTES = 4 * 1024 * 1024  # bytes decoded at a time
SNIFF_BYTES = 4 * 1024 * 1024  # bytes the encoding is chosen on
MAX_PENDING_CHARS = 64_000_000  # text without a usable record boundary: a runaway line or quote
CHUNK_ROWS = 50_000  # workbook rows read at a time
SMALL_SHEET_XML = 8 * 1024 * 1024  # beside the large sheet, a workbook's other sheets are this small
SAMPLE_ROWS = 2_000  # observations kept in memory for the preview
DAY_SHIFT = 40  # a (date, dimension) key: day number << 40 | dimension id
DIMENSION_MASK = (1 << DAY_SHIFT) - 1


def stream_min_bytes() -> int:
    """Files at least this large are read in chunks (``KGI_STREAM_MIN_MB``, default 48 MB).

    Below it a whole read is faster and stays well under the memory budget (a 200,000-row
    export, about 13 MB of CSV, peaks near 430 MB read whole, storing included).
    """
    try:
        value = int(os.environ.get("KGI_STREAM_MIN_MB", ""))
    except ValueError:
        value = 48
    return max(value, 1) * 1024 * 1024


def read_export(data: bytes | Path, file_name: str, *, spill_dir: str, stream_min: int | None = None,
                source: str = "auto", mapping: dict[str, str] | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                today: dt.date | None = None, granularity: str = "auto") -> ParsedFile:
    """``reader.read_file``, with a file too large to hold at once read in chunks whose
    observations wait in ``spill_dir`` (a directory the caller owns; ``ParsedFile.spill``).

    ``stream_min``: the size from which a text file is read in chunks (default
    :func:`stream_min_bytes`). The options are ``read_file``'s, checked by it the same way.
    """
    options = {"source": source, "mapping": mapping, "max_bytes": max_bytes, "today": today,
               "granularity": granularity}
    if (source == "auto" or source in source_keys()) and granularity in GRANULARITY_CHOICES:
        checked = dict(mapping or {})
        _check_mapping(checked)  # else read_file refuses the options as it always does
        streamed = read_streamed(data, file_name, source=source, mapping=checked, max_bytes=max_bytes,
                                 today=today or dt.date.today(), granularity=granularity, spill_dir=spill_dir,
                                 stream_min=stream_min)
        if streamed is not None:
            return streamed
    return read_file(data, file_name, **options)


def read_streamed(data: bytes | Path, file_name: str, *, source: str, mapping: dict[str, str], max_bytes: int,
                  today: dt.date, granularity: str, spill_dir: str, stream_min: int | None = None) -> ParsedFile | None:
    """The file (its bytes, or its path: then read piece by piece) read in chunks into
    ``spill_dir``, or None when it should be read whole.

    A CSV/TSV is read in chunks from ``stream_min`` bytes on; an xlsx when one of its sheets
    holds :func:`workbook_min_xml` of XML or more (a workbook is compressed: 60 MB of xlsx can
    be 480 MB of sheet XML and millions of rows).
    """
    if isinstance(data, Path):
        info = data.stat()
        if not stat.S_ISREG(info.st_mode):
            return None  # the whole read refuses it with its reason
        size = info.st_size
    else:
        size = len(data)
    minimum = stream_min_bytes() if stream_min is None else stream_min
    if size > max_bytes:
        return None
    with _open(data) as fh:
        head = fh.read(8)
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _in_directory(spill_dir, lambda directory: _read_workbook(
            data, file_name, source, mapping, today, granularity, directory, max_bytes, workbook_min_xml(minimum)))
    if head.startswith(OLE_MAGIC) or size < minimum:
        return None

    def read(directory: Path) -> ParsedFile:
        with _open(data) as fh:
            return _read_text(fh, size, file_name, source, mapping, today, granularity, directory)

    return _in_directory(spill_dir, read)


def workbook_min_xml(stream_min: int) -> int:
    """Sheet XML from which an xlsx is read in chunks: twice the CSV threshold (96 MB by
    default, some 270,000 rows of eight columns; 200,000 such rows peak near 430 MB whole)."""
    return 2 * stream_min


def _in_directory(spill_dir: str, read: Callable[[Path], ParsedFile]) -> ParsedFile | None:
    """``read`` into a fresh directory under ``spill_dir``; None (and no directory) when the
    file turns out to need a whole read, the directory removed on any failure."""
    directory = Path(tempfile.mkdtemp(prefix="stream-", dir=spill_dir))
    try:
        with _collector_paused():
            return read(directory)
    except NeedsWholeRead:
        shutil.rmtree(directory, ignore_errors=True)
        return None
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _open(data: bytes | Path) -> BinaryIO:
    return data.open("rb") if isinstance(data, Path) else io.BytesIO(data)


# --- text in record-aligned chunks ---------------------------------------------------------


class TextChunks:
    """A CSV/TSV file's text, decoded piece by piece and cut only between records.

    A cut falls after a line break with an even number of ``"`` before it in the chunk, so a
    quoted cell holding line breaks is never split. The encoding is decided on the first
    piece as a whole read decides it; a later piece that does not decode in it sends the
    file to a whole read, which decides on every byte.
    """

    def __init__(self, fh: BinaryIO, size: int, file_name: str) -> None:
        self.fh = fh
        self.size = size
        self.file_name = file_name
        self.encoding, self.offset = self._sniff()
        errors = "replace" if self.encoding == "cp1252" else "strict"
        self._decoder = codecs.getincrementaldecoder(self.encoding)(errors=errors)
        self.lines_before = 0  # line breaks in the chunks already given (for messages)

    def _sniff(self) -> tuple[str, int]:
        self.fh.seek(0)
        probe = self.fh.read(SNIFF_BYTES)
        for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
            if probe.startswith(bom):
                return encoding, len(bom)
        utf16 = _utf16_without_bom(probe[:4000])
        if utf16:
            return utf16, 0
        if b"\x00" in probe[:8000]:
            raise KgiError("import.file.binary", file=self.file_name)
        cut = probe.rfind(b"\n") + 1 or len(probe)
        for encoding in ("utf-8", "cp950", "big5hkscs"):
            try:
                probe[:cut].decode(encoding)
            except UnicodeDecodeError:
                if encoding == "utf-8":
                    check_mixed_encoding(probe[:cut], self.file_name)
                continue
            return encoding, 0
        return "cp1252", 0

    def chunks(self) -> Iterator[str]:
        """The text in chunks: a first one of about ``HEAD_CHARS``, then ``CHUNK_CHARS`` each."""
        pending, want, chars = "", HEAD_CHARS, CHUNK_CHARS
        self.fh.seek(self.offset)
        left = self.size - self.offset  # a file that grows while read is read as it was
        while left > 0 and (piece := self.fh.read(min(PIECE_BYTES, left))):
            left -= len(piece)
            pending += self._decode(piece, final=False)
            while len(pending) >= want:
                cut = self._boundary(pending, want)
                if cut is None:
                    break
                yield self._give(pending[:cut])
                pending, want = pending[cut:], chars
            if len(pending) > MAX_PENDING_CHARS:
                self._runaway(pending)
        pending += self._decode(b"", final=True)
        if pending:
            yield self._give(pending)

    def _decode(self, piece: bytes, final: bool) -> str:
        try:
            return self._decoder.decode(piece, final=final)
        except UnicodeDecodeError:
            # Chosen on the first piece, which may have been plain ASCII: the whole read
            # decides on all the bytes (and names a file mixing two encodings).
            raise NeedsWholeRead from None

    def _give(self, text: str) -> str:
        self.lines_before += text.count("\n")
        return text

    @staticmethod
    def _boundary(text: str, want: int) -> int | None:
        """The first record boundary at or after ``want`` characters (None: none yet)."""
        cut = text.rfind("\n", 0, want) + 1
        if cut <= 0:
            cut = text.find("\n", want) + 1
            if cut <= 0:
                return None
        quotes = text.count('"', 0, cut)
        while quotes % 2:
            following = text.find("\n", cut) + 1
            if following <= 0:
                return None
            quotes += text.count('"', cut, following)
            cut = following
        return cut

    def _runaway(self, pending: str) -> None:
        line = self.lines_before + 1
        if "\n" not in pending:
            raise KgiError("import.file.line_too_long", file=self.file_name, line=line,
                           limit=f"{MAX_PENDING_CHARS:,}")
        raise KgiError("import.file.unclosed_quote", file=self.file_name, line=line, lines=pending.count("\n") + 1)


# --- reading --------------------------------------------------------------------------------


def _read_text(fh: BinaryIO, size: int, file_name: str, source: str, mapping: dict[str, str], today: dt.date,
               granularity: str, directory: Path) -> ParsedFile:
    text_chunks = TextChunks(fh, size, file_name)
    chunks = text_chunks.chunks()
    head = _check_text(next(chunks, ""), file_name)
    text, delimiter = sniff_delimiter(head)
    _reject_markup(text, file_name)
    check_text_shape(text, delimiter, file_name)
    decoded = Decoded(kind="text", text=text, encoding=text_chunks.encoding, delimiter=delimiter,
                      file_name=file_name)
    ctx = new_context(decoded, file_name, today, mapping)
    plan, chosen, confidence, head_rows = _head_plan(ctx, decoded, source)
    state = _StreamState(directory, chosen)
    ctx.stream = state
    state.add(ctx, checked_values(ctx, _parse(ctx, plan)))
    plan = _without_rows(plan)
    rows_before = head_rows
    for piece in chunks:
        check_text_shape(piece, delimiter, file_name)
        grid = text_grid(piece, delimiter, file_name)
        table = continuation_table(grid, plan.table, rows_before + 1)
        rows_before += len(grid)
        if len(table.data):
            state.add(ctx, checked_values(ctx, _parse(ctx, dataclasses.replace(plan, table=table))))
        del grid, table  # one chunk alive at a time: the next is decoded before these would go
    return state.finish(ctx, chosen, confidence, granularity)


def _head_plan(ctx: _Context, decoded: Decoded, source: str) -> tuple[_Plan, str, float, int]:
    """The one table's plan, from the first chunk; NeedsWholeRead for any other shape."""
    grid = text_grid(decoded.text or "", decoded.delimiter or ",", ctx.file_name)
    tables = [tb for tb in tables_in_grid(grid, sheet=None, workbook=False) if tb.headers]
    plan, chosen, confidence = _one_plan(ctx, decoded, source, tables, grid)
    return plan, chosen, confidence, len(grid)


def _one_plan(ctx: _Context, decoded: Decoded, source: str, tables: list[RawTable],
              grid: pd.DataFrame) -> tuple[_Plan, str, float]:
    """The plan of the file's one table, which must run to the end of the first chunk (its
    ``grid``) in a layout read row by row; NeedsWholeRead for any other shape."""
    if formats.read_whole_file(ctx, decoded, source) is not None:
        raise NeedsWholeRead
    try:
        chosen, confidence, usable = plan_tables(ctx, decoded, source)
    except KgiError:
        # Said of the first chunk only (a Shopify export's first piece may be its header
        # alone): the whole read decides, and says it of the file if it is so.
        raise NeedsWholeRead from None
    layout = ctx.source.layout
    if len(tables) != 1 or len(usable) != 1 or layout in ("shopify_orders", "long") or formats.reads_rows(layout):
        raise NeedsWholeRead
    plan = usable[0]
    if plan.table.sheet != tables[0].sheet or not _runs_to_end(plan.table, grid):
        raise NeedsWholeRead
    return plan, chosen, confidence


# --- workbooks --------------------------------------------------------------------------------


def _read_workbook(data: bytes | Path, file_name: str, source: str, mapping: dict[str, str], today: dt.date,
                   granularity: str, directory: Path, max_bytes: int, min_xml: int) -> ParsedFile:
    """An xlsx whose one large sheet is read ``CHUNK_ROWS`` rows at a time
    (``core.importing.xlsx_stream``); its other sheets, small, are read whole as usual."""
    blob = read_capped(data, max_bytes) if isinstance(data, Path) else data
    archive = open_workbook(blob, file_name, max_bytes)
    paths = sheet_paths(archive)
    sizes = {name: _part_size(archive, path) for name, path in paths.items()}
    name = max(sizes, key=sizes.__getitem__, default=None)
    if name is None or sizes[name] < min_xml or any(
            size > SMALL_SHEET_XML for other, size in sizes.items() if other != name):
        raise NeedsWholeRead
    with_formulas: set[str] = set()
    errors = check_workbook_zip(archive, file_name, with_formulas)
    if paths[name] in with_formulas:
        raise NeedsWholeRead  # a formula without a cached value is found by a whole read only
    cell_errors = errors.get(paths[name], {})
    chunks = sheet_row_chunks(blob, name, file_name, chunk_rows=CHUNK_ROWS)
    try:
        first = next(chunks, None)
        if first is None:
            raise NeedsWholeRead
        width = len(first.rows[0]) if first.rows else 0
        head_rows = [[""] * width for _ in range(first.first_row)] + first.rows
        put_error_cells(head_rows, 0, cell_errors)
        head = sheet_rows(name, head_rows, file_name)
        sheets = [head if sheet == name else sheet_rows(sheet, rows, file_name)
                  for sheet, rows in _small_sheets(blob, list(paths), name, file_name, errors, paths)]
        decoded = Decoded(kind="workbook", sheets=sheets, workbook_format="xlsx", file_name=file_name)
        ctx = new_context(decoded, file_name, today, mapping)
        tables = [tb for tb in find_tables(decoded) if tb.headers]
        plan, chosen, confidence = _one_plan(ctx, decoded, source, tables, rows_grid(head.rows))
        if plan.table.sheet != name:
            raise NeedsWholeRead  # the data is on a small sheet: the large one holds no table
        state = _StreamState(directory, chosen)
        ctx.stream = state
        state.add(ctx, checked_values(ctx, _parse(ctx, plan)))
        plan = _without_rows(plan)
        del head, sheets, decoded, head_rows, first, tables
        for chunk in chunks:
            put_error_cells(chunk.rows, chunk.first_row, cell_errors)
            table = continuation_table(rows_grid(chunk.rows), plan.table, chunk.first_row + 1)
            if len(table.data):
                state.add(ctx, checked_values(ctx, _parse(ctx, dataclasses.replace(plan, table=table))))
            del chunk, table
    except XlsxNotStreamable:
        raise NeedsWholeRead from None
    return state.finish(ctx, chosen, confidence, granularity)


def _part_size(archive: zipfile.ZipFile, path: str) -> int:
    try:
        return archive.getinfo(path).file_size
    except KeyError:
        return 0


def _small_sheets(blob: bytes, names: list[str], large: str, file_name: str,
                  errors: dict[str, dict[tuple[int, int], str]], paths: dict[str, str]) -> list[tuple[str, list]]:
    """Every sheet in the workbook's order: the small ones read whole (calamine, as the whole
    read does), the large one as an empty placeholder its first chunk replaces."""
    from python_calamine import CalamineWorkbook

    if names == [large]:
        return [(large, [])]  # no other sheet: no second copy of the workbook in calamine
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(blob))
    except Exception:  # calamine raises several types
        raise KgiError("import.file.bad_workbook", file=file_name) from None
    out: list[tuple[str, list]] = []
    for name in names:
        if name == large:
            out.append((name, []))
            continue
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:
            continue  # as the whole read: a sheet calamine cannot give (a chart sheet) is left out
        put_error_cells(rows, 0, errors.get(paths[name], {}))
        out.append((name, rows))
    return out


def _without_rows(plan: _Plan) -> _Plan:
    """The plan with its table's header only: the first chunk's rows are read, and the later
    chunks need nothing of them (kept, they would double the memory a chunk costs)."""
    table = plan.table
    empty = RawTable(headers=list(table.headers), raw_headers=list(table.raw_headers), data=table.data.iloc[:0],
                     row_numbers=table.row_numbers[:0], extra=table.extra.iloc[:0], meta=dict(table.meta),
                     sheet=table.sheet, workbook=table.workbook, score=table.score)
    return dataclasses.replace(plan, table=empty)


def _runs_to_end(table: RawTable, grid: pd.DataFrame) -> bool:
    """The table's rows reach the chunk's last filled row (nothing else follows it)."""
    if not len(table.row_numbers):
        return False
    filled = np.flatnonzero(~grid.apply(lambda col: col.astype(str).str.strip().eq("")).all(axis=1).to_numpy())
    return bool(len(filled)) and int(table.row_numbers[-1]) >= int(filled[-1]) + 1


# --- what the chunks add up to --------------------------------------------------------------


class _StreamState:
    """The chunks written so far, their keys, and what the whole file comes to."""

    def __init__(self, directory: Path, source: str) -> None:
        self.directory = directory
        self.source = source
        self.chunks: list[str] = []
        self.rows = 0
        self.metrics: set[str] = set()
        self.days = np.zeros(0, dtype=np.int64)  # distinct days of all rows
        self.granularities: collections.Counter[str] = collections.Counter()
        self.labels: list[str] = []
        self._label_ids: dict[str, int] = {}
        self.keys = np.zeros(0, dtype=np.int64)  # sorted (date, dimension) keys seen so far
        self.first_rows = np.zeros(0, dtype=np.int64)  # the row each key came from first
        self.repeated: list[np.ndarray] = []  # keys to combine across chunks (summing sources)
        self.sample: pd.DataFrame | None = None

    # -- keys across chunks (called by ``reader.collapse_duplicates``) --

    def earlier_keys(self, ctx: _Context, plan: _Plan, frame: pd.DataFrame, summing: bool) -> pd.DataFrame:
        """``frame`` without the rows an earlier chunk already had (rejected as duplicates),
        or, when the source sums repeated rows, with them kept and marked for combining."""
        if frame.empty:
            return frame
        keys = self._keys(frame)
        rows = plan.table.row_numbers[frame.index.to_numpy()]
        found = self._seen(keys)
        if found.any():
            if summing:
                self.repeated.append(np.unique(keys[found]))
            else:
                self._reject_repeats(ctx, plan, frame.index.to_numpy()[found], keys[found])
                frame, keys, rows = frame[~found], keys[~found], rows[~found]
                found = found[~found]
        fresh, first = np.unique(keys[~found], return_index=True)
        self._remember(fresh, rows[~found][first])
        return frame

    def _keys(self, frame: pd.DataFrame) -> np.ndarray:
        days = frame["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)
        return (days << DAY_SHIFT) | self._dimension_ids(frame["dimension"])

    def _dimension_ids(self, column: pd.Series) -> np.ndarray:
        codes, uniques = pd.factorize(column.astype(object).fillna(""), use_na_sentinel=False)
        ids = np.array([self._label_id(str(u)) for u in uniques], dtype=np.int64)
        return ids[np.asarray(codes)] if len(ids) else np.zeros(len(codes), dtype=np.int64)

    def _label_id(self, label: str) -> int:
        found = self._label_ids.get(label)
        if found is None:
            found = self._label_ids[label] = len(self.labels)
            self.labels.append(label)
        return found

    def _seen(self, keys: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return self.keys[at] == keys

    def _remember(self, keys: np.ndarray, rows: np.ndarray) -> None:
        merged = np.concatenate([self.keys, keys])
        order = np.argsort(merged, kind="stable")  # two sorted runs: one linear merge
        self.keys = merged[order]
        self.first_rows = np.concatenate([self.first_rows, rows])[order]

    def _reject_repeats(self, ctx: _Context, plan: _Plan, positions: np.ndarray, keys: np.ndarray) -> None:
        first = self.first_rows[np.searchsorted(self.keys, keys)]
        column = plan.date.name if plan.date else None
        room = max(MAX_DETAILED_REJECTIONS - len(ctx.rejected), 0)  # each with its own first row
        for pos, row in zip(positions[:room].tolist(), first[:room].tolist(), strict=True):
            ctx.reject(plan.table, np.array([pos]), column, "import.row.duplicate", first=int(row))
        ctx.reject(plan.table, positions[room:], column, "import.row.duplicate", first=0)  # counted only

    # -- chunks on disk --

    def add(self, ctx: _Context, frame: pd.DataFrame) -> None:
        """Write one chunk's observations (the reader's frame) to disk."""
        if frame.empty:
            return
        if self.sample is None:
            self.sample = frame.head(SAMPLE_ROWS).copy()
        days = frame["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").view(np.int64)
        metric, metric_labels = pd.factorize(frame["metric"].astype(object))
        gran, gran_labels = pd.factorize(frame["granularity"].astype(object))
        name = f"chunk-{len(self.chunks):05d}.npz"
        write_chunk(self.directory / name, days=days, metric=np.asarray(metric), metric_labels=list(metric_labels),
                    dimension=self._dimension_ids(frame["dimension"]), granularity=np.asarray(gran),
                    granularity_labels=list(gran_labels), value=frame["value"].to_numpy(dtype="float64"))
        self.chunks.append(name)
        self.rows += len(frame)
        self.metrics |= set(metric_labels.tolist())
        self.days = np.union1d(self.days, np.unique(days))
        self.granularities.update(dict(zip(gran_labels.tolist(), np.bincount(gran).tolist(), strict=True)))

    def finish(self, ctx: _Context, chosen: str, confidence: float, granularity: str) -> ParsedFile:
        if self.repeated:
            self._combine_repeated()
        _merge_warnings(ctx)
        spill = Spill(directory=str(self.directory), chunks=list(self.chunks), rows=self.rows,
                      metrics=sorted(self.metrics), start=None, end=None, source=chosen)
        self._settle_granularity(ctx, spill, granularity)
        if self.rows:
            write_labels(self.directory, self.labels)
            first, last = self.days[0].astype("datetime64[D]"), self.days[-1].astype("datetime64[D]")
            if spill.month_start:
                first, last = first.astype("datetime64[M]"), last.astype("datetime64[M]")
            spill.start, spill.end = first.astype("datetime64[D]").item(), last.astype("datetime64[D]").item()
            ctx.meta["period_first"], ctx.meta["period_last"] = spill.start.isoformat(), spill.end.isoformat()
            # The first rows as stored (a chunk combining repeated keys may have emptied one).
            sample = next((f for f in spill.frames() if len(f)), self.sample).head(SAMPLE_ROWS)
        else:
            sample = self.sample if self.sample is not None else pd.DataFrame()
        if ctx.rejected_total > len(ctx.rejected):
            ctx.warn("import.warn.more_rejected", shown=len(ctx.rejected), total=ctx.rejected_total)
        ctx.meta["streamed"] = True
        parsed = _parsed_file(ctx, chosen, confidence, sample.reset_index(drop=True) if len(sample) else _combine(ctx, []))
        parsed.spill = spill if self.rows else None
        return parsed

    def _combine_repeated(self) -> None:
        """Rows of one key spread over several chunks, combined as one chunk would combine them
        (``reader._sum_groups``: sums, weighted means by their weight, last values)."""
        repeated = np.unique(np.concatenate(self.repeated))
        parts = []
        for order, name in enumerate(self.chunks):
            path = self.directory / name
            chunk = read_chunk(path)
            keys = (chunk["days"].astype(np.int64) << DAY_SHIFT) | chunk["dimension"]
            hit = np.isin(keys, repeated)
            if not hit.any():
                continue
            parts.append(pd.DataFrame({
                "order": order, "days": chunk["days"][hit], "dimension": chunk["dimension"][hit],
                "granularity": chunk["granularity_labels"][chunk["granularity"][hit]],
                "metric": chunk["metric_labels"][chunk["metric"][hit]], "value": chunk["value"][hit],
            }))
            kept = {k: (v[~hit] if k not in ("metric_labels", "granularity_labels") else v) for k, v in chunk.items()}
            write_chunk(path, **{**kept, "metric_labels": kept["metric_labels"].tolist(),
                                 "granularity_labels": kept["granularity_labels"].tolist()})
            self.rows -= int(hit.sum())
        long = pd.concat(parts, ignore_index=True)
        keys = ["days", "dimension", "granularity"]
        wide = long.set_index(["order", *keys, "metric"])["value"].unstack("metric").reset_index()
        wide = wide.sort_values("order", kind="stable").drop(columns="order")
        wide.columns.name = None
        summed = _sum_groups(wide, keys)
        melted = summed.melt(id_vars=keys, var_name="metric", value_name="value").dropna(subset=["value"])
        metric, metric_labels = pd.factorize(melted["metric"])
        gran, gran_labels = pd.factorize(melted["granularity"])
        name = f"chunk-{len(self.chunks):05d}.npz"
        write_chunk(self.directory / name, days=melted["days"].to_numpy(), metric=np.asarray(metric),
                    metric_labels=list(metric_labels), dimension=melted["dimension"].to_numpy(),
                    granularity=np.asarray(gran), granularity_labels=list(gran_labels),
                    value=melted["value"].to_numpy(dtype="float64"))
        self.chunks.append(name)
        self.rows += len(melted)

    def _settle_granularity(self, ctx: _Context, spill: Spill, requested: str) -> None:
        """``periods.settle_granularity`` for a file whose rows wait on disk."""
        meta = ctx.meta
        if not self.rows:
            meta.setdefault("granularity", requested if requested != "auto" else "day")
            return
        if requested != "auto":
            self._check_choice(ctx, requested)
            spill.granularity, spill.month_start = requested, requested == "month"
            meta["granularity"], meta["granularity_basis"] = requested, "import.granularity.basis.chosen"
            return
        if set(self.granularities) != {"day"}:
            from core.importing.periods import _LABEL_BASIS

            meta["granularity"] = self.granularities.most_common(1)[0][0]
            meta["granularity_basis"] = _LABEL_BASIS.get(meta["granularity"], "import.granularity.basis.labels_day")
            return
        reading, basis, note = infer(pd.DatetimeIndex(self.days.astype("datetime64[D]")), self.source)
        if reading in ("month", "week"):
            spill.granularity, spill.month_start = reading, reading == "month"
        meta["granularity"], meta["granularity_basis"] = reading, basis
        if note:
            meta["granularity_note"] = note
            ctx.warnings.append(Message(note))

    def _check_choice(self, ctx: _Context, chosen: str) -> None:
        """The user's reading refused when two rows would fall on one month or week."""
        days = (self.keys >> DAY_SHIFT).astype("datetime64[D]")
        dims = self.keys & DIMENSION_MASK
        if chosen == "month":
            months = days.astype("datetime64[M]")
            frame = pd.DataFrame({"month": months, "dim": dims})
            clash = frame.duplicated(keep=False).to_numpy()
            if clash.any():
                first = months[clash].min()
                raise KgiError("import.granularity.month_clash", file=ctx.file_name, month=str(first)[:7])
        elif chosen == "week":
            order = np.lexsort((days, dims))
            d, g = days[order].view(np.int64), dims[order]
            close = (np.diff(d) < 7) & (g[1:] == g[:-1])
            if close.any():
                raise KgiError("import.granularity.week_clash", file=ctx.file_name,
                               date=str(days[order][1:][close].min()))


def _merge_warnings(ctx: _Context) -> None:
    """One warning per kind: chunks each said theirs (a count summed, the rest said once)."""
    merged: dict[tuple, Message] = {}
    for message in ctx.warnings:
        counted = isinstance(message.params.get("count"), int)
        key = (message.key, tuple(sorted((k, str(v)) for k, v in message.params.items() if k != "count" or not counted)))
        if key in merged and counted:
            merged[key].params["count"] += message.params["count"]
        elif key not in merged:
            merged[key] = Message(message.key, dict(message.params))
    ctx.warnings = list(merged.values())
