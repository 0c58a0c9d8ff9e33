"""Finding the tables inside a decoded file.

A file becomes a *grid*: a DataFrame of raw cells with positional columns, one row per
record as a spreadsheet would show it (so row numbers match what the user sees). Tables are
then found in the grid: preamble rows (``#`` lines, report titles, date-range lines) are
read for metadata and skipped, the header row is chosen by scoring rows against every known
column name, and a table ends at a ``#`` block or at a blank row followed by another header
(GA4 "Report CSV Export" holds many tables; UA CSV has a second ``Day Index`` table).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.importing.decode import Decoded, SheetRows
from core.importing.guards import check_swallowed_rows
from core.importing.limits import check_width
from core.importing.sources import comparison_kind, known_header_names, norm, split_currency
from core.importing.values import compact_date, parse_one_date

HEADER_WINDOW = 40  # rows scanned for a header after the previous table
PAD_COLUMNS = 3  # extra columns read so ragged rows (GA4 "Grand total") do not break parsing


@dataclass
class RawTable:
    """One table: raw header cells, raw data cells, and where each row sits in the file."""

    headers: list[str]  # display names, unique ("Name", "Name.1"), "" replaced by "(column C)"
    raw_headers: list[str]  # header cells exactly as written
    data: pd.DataFrame  # positional columns 0..len(headers)-1, raw cells
    row_numbers: np.ndarray  # 1-based row (line) number of each data row in the file
    extra: pd.Series  # text of cells beyond the header's width ("" when none)
    meta: dict[str, Any] = field(default_factory=dict)
    sheet: str | None = None
    workbook: bool = False
    description_rows: int = 0
    score: int = 0
    # The sheet the table came from: its formula scan runs only if someone asks (see uncached).
    sheet_rows: SheetRows | None = field(default=None, repr=False)
    _uncached: set[tuple[int, int]] | None = field(default=None, init=False, repr=False)
    _distinct: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, init=False, repr=False)

    def seed_distinct(self, index: int, codes: np.ndarray, uniques: np.ndarray) -> None:
        """Give :meth:`distinct` a factorization computed elsewhere (the grid's column)."""
        self._distinct[index] = (codes, uniques)

    def distinct(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """``pd.factorize`` of data column ``index`` (codes, distinct cells), computed once.

        Totals, placeholders, blank keys, dates and dimensions all look at the same few
        columns; hashing 200,000 cells once instead of five times is most of their cost.
        """
        if index not in self._distinct:
            codes, uniques = pd.factorize(self.data[index], use_na_sentinel=True)
            self._distinct[index] = (np.asarray(codes), np.asarray(uniques, dtype=object))
        return self._distinct[index]

    @property
    def uncached(self) -> set[tuple[int, int]]:
        """(row number, column) of formula cells without a cached value.

        Lazy: the first call scans the sheet's XML, which costs as much as a second read of a
        big sheet, so callers ask only about columns that have empty cells.
        """
        if self._uncached is None:
            cells = self.sheet_rows.uncached_formulas if self.sheet_rows is not None else set()
            self._uncached = {(r + 1, c) for r, c in cells}
        return self._uncached


# --- grids --------------------------------------------------------------------------------


def text_grid(text: str, delimiter: str, file_name: str = "") -> pd.DataFrame:
    """Every record of a CSV/TSV text as strings ("" for blank), blank lines kept."""
    width = _sample_width(text, delimiter) + PAD_COLUMNS
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=list(range(width)),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quotechar='"',
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, csv.Error):
        grid = _python_grid(text, delimiter, file_name)
    check_swallowed_rows(grid, text, delimiter, file_name)
    return grid.fillna("")


def _sample_width(text: str, delimiter: str) -> int:
    head = text[:200_000]
    cut = head.rfind("\n")
    head = head[: cut if cut > 0 else len(head)]
    try:
        return max((len(row) for row in csv.reader(io.StringIO(head), delimiter=delimiter)), default=1)
    except csv.Error:
        return head.count(delimiter) + 1


def _python_grid(text: str, delimiter: str, file_name: str = "") -> pd.DataFrame:
    """Tolerant fallback for very ragged files: the csv module, rows padded to equal width."""
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    width = max((len(r) for r in rows), default=1)
    check_width(width, file_name)
    return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)


def rows_grid(rows: list[list[Any]]) -> pd.DataFrame:
    """Workbook rows (typed cells from calamine) as an object grid.

    calamine gives every row the sheet's full width and an empty cell as ``""`` (never
    None), so the cells go into one 2-D object array in a single C pass (``fromiter`` over
    the chained rows) and the frame is a view of it: ``DataFrame(rows)`` would transpose the
    rows into columns and stack them back, and the NA clean-up would scan every cell again.
    Ragged rows (not from calamine) take the general path, where the padding is cleaned.
    """
    if not rows:
        return pd.DataFrame()
    widths = set(map(len, rows))
    if len(widths) == 1:
        width = widths.pop()
        if width:
            cells = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width)
            return pd.DataFrame(cells.reshape(len(rows), width), dtype=object, copy=False)
    grid = pd.DataFrame(rows, dtype=object)
    return grid.where(grid.notna(), "")


# --- finding tables -----------------------------------------------------------------------


def find_tables(decoded: Decoded) -> list[RawTable]:
    if decoded.kind == "text":
        grid = text_grid(decoded.text or "", decoded.delimiter or ",", decoded.file_name)
        return tables_in_grid(grid, sheet=None, workbook=False)
    tables: list[RawTable] = []
    for sheet in decoded.sheets:
        tables.extend(sheet_tables(sheet))
    return tables


def sheet_tables(sheet: SheetRows) -> list[RawTable]:
    grid = rows_grid(sheet.rows)
    if grid.empty:
        return []
    tables = tables_in_grid(grid, sheet=sheet.name, workbook=True)
    for table in tables:
        table.sheet_rows = sheet
        if sheet.truncated_empty_rows:
            table.meta["truncated_empty_rows"] = True
    return tables


def tables_in_grid(grid: pd.DataFrame, *, sheet: str | None, workbook: bool) -> list[RawTable]:
    """Split a grid into tables; rows before each header feed its metadata."""
    if grid.empty:
        return []
    first = _first_column(grid.iloc[:, 0])
    empty = _empty_mask(grid, first)
    hashes = _hash_mask(grid.iloc[:, 0], first)
    tables: list[RawTable] = []
    meta: dict[str, Any] = {}
    pos, n = 0, len(grid)
    while pos < n:
        header_at, score = _find_header(grid, pos, empty, hashes)
        if header_at is None:
            break
        header, below = stacked_header(grid, header_at, empty, hashes)
        meta = _preamble_meta(grid.iloc[pos:header_at], inherited=meta)
        end = _table_end(grid, header_at + 1 + below, empty, hashes)
        table = _make_table(grid, header_at, end, empty, meta, sheet, workbook, score, header, below)
        if first is not None and table.headers and not table.description_rows and not below:
            # The table's first column is the grid's, cut: no need to hash its cells again.
            rows = np.arange(header_at + 1, end)[~empty[header_at + 1 : end]]
            table.seed_distinct(0, *_subset_codes(first[0][rows], first[1]))
        tables.append(table)
        pos = end
    return tables


# "# Start date: ..." is a comment line; "#1001" (a Shopify order name) is data.
_HASH_LINE = re.compile(r"#(?:\s|-|=|$)")


def _first_column(column: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize`` of a workbook grid's first column (None for text grids).

    Comment lines are found with it, and each table's first column (usually the date or
    the label that totals rows use) reuses it instead of hashing every cell again.
    """
    if column.dtype != object:
        return None
    codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
    return np.asarray(codes), np.asarray(uniques, dtype=object)


def _subset_codes(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factorized cells restricted to some rows: the distinct cells those rows hold, in the
    order they were first seen in the whole column, and codes renumbered to match."""
    present = np.zeros(len(uniques) + 1, dtype=bool)
    present[codes] = True  # code -1 (a missing cell) marks the extra last slot, dropped below
    present = present[:-1]
    renumber = np.cumsum(present) - 1
    return np.where(codes < 0, -1, renumber[codes]), uniques[present]


def _hash_mask(column: pd.Series, first: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Rows whose first cell is a ``#`` comment line.

    Only text cells starting with ``#`` reach the regex: a 200,000-row column costs one
    vectorised test (text columns) or one cheap pass (workbook cells), not 200,000 matches.
    """
    if first is not None:
        # Workbook cells: test each distinct cell once (a date or label column has few).
        cells = column.to_numpy()
        codes, uniques = first
        first_char = [isinstance(v, str) and v.lstrip()[:1] == "#" for v in uniques]
        hit = np.array([*first_char, False], dtype=bool)
        candidates = hit[np.where(codes < 0, len(uniques), codes)]
    else:
        cells = column.to_numpy(dtype=object, na_value="")
        candidates = column.str.lstrip().str.startswith("#").to_numpy(dtype=bool, na_value=False)
    out = np.zeros(len(cells), dtype=bool)
    for pos in np.flatnonzero(candidates):
        out[pos] = bool(_HASH_LINE.match(str(cells[pos]).strip()))
    return out


def _empty_mask(grid: pd.DataFrame, first: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Rows whose every cell is blank (workbook: ``""``/missing; text: white space too).

    ``first`` is the factorized first column (:func:`_first_column`), when known: its cells
    are then judged once per distinct value, and most grids need no other column.
    """
    if all(pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype) for dtype in grid.dtypes):
        blank = np.ones(len(grid), dtype=bool)
        for position, col in enumerate(grid.columns):
            values = grid[col]
            if position == 0 and first is not None:
                codes, uniques = first  # code -1: a missing cell, which is blank
                blank_cell = np.array([isinstance(u, str) and u == "" for u in uniques] + [True], dtype=bool)
                cell_blank = blank_cell[np.where(codes < 0, len(uniques), codes)]
            elif values.dtype == object:
                cells = values.to_numpy()
                # numpy compares object cells in C; NA checks only where a cell is not "".
                cell_blank = cells == ""
                rest = np.flatnonzero(~cell_blank)
                if len(rest):
                    cell_blank[rest] = pd.isna(cells[rest])
            else:
                cell_blank = values.str.strip().eq("").to_numpy(dtype=bool, na_value=True)
            blank &= cell_blank
            if not blank.any():
                break
        return blank
    return grid.isna().all(axis=1).to_numpy()


def _blank_cell(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value)
    )


def _cells(row: pd.Series) -> list[str]:
    return ["" if _blank_cell(v) else str(v).strip() for v in row.tolist()]


def header_score(cells: list[str]) -> int:
    """How many cells are column names some source or the catalog knows."""
    known = known_header_names()
    score = 0
    for cell in cells:
        if not cell:
            continue
        base = split_currency(cell)[0]
        if base in known or comparison_kind(base)[1] in known:
            score += 1
    return score


def _find_header(grid: pd.DataFrame, start: int, empty: np.ndarray, hashes: np.ndarray) -> tuple[int | None, int]:
    """The best-scoring row among the next rows; ties go to the earliest row."""
    best, best_score, fallback = None, 0, None
    stop = min(len(grid), start + HEADER_WINDOW)
    for i in range(start, stop):
        if empty[i] or hashes[i]:
            if best is not None and empty[i]:
                break
            continue
        cells = _cells(grid.iloc[i])
        filled = [c for c in cells if c]
        if len(filled) < 2:
            continue
        score = header_score(cells)
        if score > best_score:
            best, best_score = i, score
        if fallback is None and sum(1 for c in filled if not _numberish(c)) >= max(2, len(filled) // 2):
            fallback = i
    if best is not None:
        return best, best_score
    return fallback, 0


def stacked_header(grid: pd.DataFrame, header_at: int, empty: np.ndarray,
                   hashes: np.ndarray) -> tuple[list[str] | None, int]:
    """A header written over two rows, merged into one: (header cells, rows used below it).

    Hand-kept sheets leave a header cell blank and write its name in the row above (a cell
    merged down, 「月份」 beside 「2024 年營運日報」 over 「營收｜訂單｜廣告費」) or in the row below
    (「月」 under a blank corner). A blank cell takes the other row's cell only when that cell
    is a column name something knows; the row below is used only when every cell it fills is
    such a name and sits under a blank. Otherwise (None, 0): the header stays as written.
    """
    cells = _cells(grid.iloc[header_at])
    if all(cells[: _last_filled(cells) + 1]) and len(cells) > 0:
        return None, 0
    known = known_header_names()

    def is_name(text: str) -> bool:
        base = split_currency(text)[0]
        return base in known or comparison_kind(base)[1] in known

    merged, below = ["" if _blank_cell(v) else str(v) for v in grid.iloc[header_at].tolist()], 0
    nxt = header_at + 1
    if nxt < len(grid) and not empty[nxt] and not hashes[nxt]:
        row = _cells(grid.iloc[nxt])
        filled = [i for i, c in enumerate(row) if c]
        if filled and all(i < len(cells) and not cells[i] and is_name(row[i]) for i in filled):
            for i in filled:
                merged[i] = row[i]
            below = 1
    prev = header_at - 1
    if prev >= 0 and not empty[prev] and not hashes[prev]:
        row = _cells(grid.iloc[prev])
        for i, cell in enumerate(row[: len(merged)]):
            if cell and not merged[i] and is_name(cell):
                merged[i] = cell
    changed = [m.strip() for m in merged] != cells
    return (merged, below) if changed else (None, 0)


def _last_filled(cells: list[str]) -> int:
    return max((i for i, c in enumerate(cells) if c), default=-1)


def _numberish(text: str) -> bool:
    return bool(re.fullmatch(r"[-+(]?[\d.,\s%$]+\)?", text))


def _table_end(grid: pd.DataFrame, start: int, empty: np.ndarray, hashes: np.ndarray) -> int:
    """Where the table that starts at ``start`` ends (exclusive)."""
    breaks = np.flatnonzero(empty[start:] | hashes[start:]) + start
    for b in breaks:
        if hashes[b]:
            return int(b)
        following = b + 1
        while following < len(grid) and empty[following]:
            following += 1
        if following >= len(grid):
            return int(b)
        if hashes[following]:
            return int(b)
        if header_score(_cells(grid.iloc[following])) >= 2:
            return int(b)
    return len(grid)


def _make_table(
    grid: pd.DataFrame,
    header_at: int,
    end: int,
    empty: np.ndarray,
    meta: dict[str, Any],
    sheet: str | None,
    workbook: bool,
    score: int,
    header: list[str] | None = None,
    below: int = 0,
) -> RawTable:
    raw_cells = header or ["" if _blank_cell(v) else str(v) for v in grid.iloc[header_at].tolist()]
    width = max((i + 1 for i, c in enumerate(raw_cells) if c.strip()), default=0)
    raw_headers = raw_cells[:width]
    start = header_at + 1 + below
    body = grid.iloc[start:end]
    keep = ~empty[start:end]
    if not keep.all():
        body = body[keep]
    row_numbers = np.arange(start + 1, end + 1)[keep]
    data, extra = _data_and_extra(body, width)
    table = RawTable(
        headers=unique_headers(raw_headers),
        raw_headers=raw_headers,
        data=data.reset_index(drop=True),
        row_numbers=row_numbers,
        extra=extra.reset_index(drop=True),
        meta=dict(meta),
        sheet=sheet,
        workbook=workbook,
        score=score,
    )
    _drop_description_rows(table)
    return table


class NeedsWholeRead(Exception):
    """A file read in chunks turned out not to be readable that way: a later chunk holds
    another table (or data after a comment block), or reads differently from the first one
    (its dates in another order, its percentages another way). The caller reads it whole,
    so no chunk is ever read on a decision the whole file would not make."""


def continuation_table(grid: pd.DataFrame, head: RawTable, first_row: int) -> RawTable:
    """The rows of ``grid`` as more data of ``head``'s table (a file read in chunks).

    ``grid`` holds the records that follow the chunk before it, ``first_row`` is the 1-based
    row number of its first record. Blank rows are left out, as in :func:`tables_in_grid`; a
    trailing ``#`` block (a footer) ends the table. Raises :class:`NeedsWholeRead` when rows of
    another table follow, so the caller can read the file whole instead.
    """
    width = len(head.raw_headers)
    if grid.shape[1] < width:
        grid = grid.reindex(columns=range(width), fill_value="")
    first = _first_column(grid.iloc[:, 0]) if len(grid) else None
    empty = _empty_mask(grid, first) if len(grid) else np.zeros(0, dtype=bool)
    hashes = _hash_mask(grid.iloc[:, 0], first) if len(grid) else np.zeros(0, dtype=bool)
    end = _table_end(grid, 0, empty, hashes) if len(grid) else 0
    if end < len(grid) and not (empty[end:] | hashes[end:]).all():
        raise NeedsWholeRead
    if len(grid) and header_score(_cells(grid.iloc[0])) >= 2:
        raise NeedsWholeRead  # a header right at the cut: the blank row before it ended a chunk
    body, keep = grid.iloc[:end], ~empty[:end]
    if not keep.all():
        body = body[keep]
    data, extra = _data_and_extra(body, width)
    return RawTable(
        headers=list(head.headers), raw_headers=list(head.raw_headers), data=data.reset_index(drop=True),
        row_numbers=np.arange(first_row, first_row + end)[keep], extra=extra.reset_index(drop=True),
        meta=dict(head.meta), sheet=head.sheet, workbook=head.workbook, score=head.score,
    )


def _data_and_extra(body: pd.DataFrame, width: int) -> tuple[pd.DataFrame, pd.Series]:
    """A table's rows: its ``width`` columns, and the text of any cells beyond them (a ragged
    row), "" where there is none."""
    data = body.iloc[:, :width]  # copy-on-write: a view until someone writes to it
    data.columns = range(width)
    extra = pd.Series("", index=body.index, dtype=object)
    if body.shape[1] > width:
        rest = body.iloc[:, width:]
        filled = ~_empty_mask(rest)
        if filled.any():
            joined = rest[filled].map(lambda v: "" if _blank_cell(v) else str(v).strip())
            extra[filled] = joined.agg(" ".join, axis=1).str.strip().to_numpy()
    return data, extra


def unique_headers(raw: list[str]) -> list[str]:
    """Display names: blanks become ``(column C)``, repeats get ``.1``, ``.2`` (like pandas).

    Names are compared exactly as written, so Shopify's trailing-space copies stay distinct.
    """
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(raw):
        label = name if name.strip() else f"(column {_letter(i)})"
        if label in seen:
            seen[label] += 1
            label = f"{label}.{seen[label]}"
        else:
            seen[label] = 0
        out.append(label)
    return out


def _letter(i: int) -> str:
    from core.importing.decode import column_letter

    return column_letter(i)


def _drop_description_rows(table: RawTable) -> None:
    """Legacy Facebook / Google Business Profile put a row of sentences under the header."""
    dropped = 0
    while len(table.data) and dropped < 2:
        cells = _cells(table.data.iloc[0])
        filled = [c for c in cells if c]
        sentences = [c for c in filled if len(c) > 25 and " " in c and not _numberish(c)]
        if filled and len(sentences) >= max(2, len(filled) // 2 + 1):
            table.data = table.data.iloc[1:].reset_index(drop=True)
            table.row_numbers = table.row_numbers[1:]
            table.extra = table.extra.iloc[1:].reset_index(drop=True)
            dropped += 1
        else:
            break
    table.description_rows = dropped


# --- preamble metadata --------------------------------------------------------------------

_KEY_VALUE = re.compile(r"^#?\s*([^:]{2,40}):\s*(.+)$")
_DATE_RANGE = re.compile(r"^#?\s*(\d{8})\s*-\s*(\d{8})\s*$")


def _preamble_meta(rows: pd.DataFrame, inherited: dict[str, Any]) -> dict[str, Any]:
    """Metadata from the rows before a header (checklist item 6).

    GA4: ``# Start date: 20240101``, ``# End date:``, ``# Property:``, ``# Account:``, the
    report name on the second line; Explorations ``# 20241122-20260120``; Google Ads: a
    title line and a ``1 January 2024 - 31 March 2024`` line. A later GA4 block inherits the
    file-level keys (account, property, report) but not the dates.
    """
    meta = {k: v for k, v in inherited.items() if k in ("account", "property", "report", "segment")}
    lines = [" ".join(c for c in _cells(row) if c).strip() for _, row in rows.iterrows()]
    hash_lines = [line for line in lines if line.startswith("#")]
    for line in lines:
        if not line:
            continue
        body = line.lstrip("#").strip()
        if not body or set(body) <= set("-= "):
            continue
        range_match = _DATE_RANGE.match(line)
        if range_match:
            meta["start"] = compact_date(range_match.group(1))
            meta["end"] = compact_date(range_match.group(2))
            continue
        kv = _KEY_VALUE.match(line)
        if kv and line.startswith("#"):
            key, value = norm(kv.group(1)), kv.group(2).strip()
            if key in ("start date", "開始日期"):
                meta["start"] = compact_date(value) or parse_one_date(value)
            elif key in ("end date", "結束日期"):
                meta["end"] = compact_date(value) or parse_one_date(value)
            elif key in ("property", "資源"):
                meta["property"] = value
            elif key in ("account", "帳戶"):
                meta["account"] = value
            else:
                meta.setdefault("report", body)
            continue
        if not line.startswith("#"):
            start, end = _range_line(body)
            if start:
                meta["start"], meta["end"] = start, end
            else:
                meta.setdefault("report", body)
        elif "report" not in meta:
            meta["report"] = body
        else:
            meta.setdefault("segment", body)
    if hash_lines:
        meta["hash_preamble"] = True
    return meta


def _range_line(text: str) -> tuple[Any, Any]:
    """``1 January 2024 - 31 March 2024`` / ``August 20, 2024 - September 18, 2024``."""
    parts = re.split(r"\s+[-–~]\s+", text)
    if len(parts) == 2:
        start, end = parse_one_date(parts[0]), parse_one_date(parts[1])
        if start and end:
            return start, end
    return None, None
