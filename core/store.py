"""Storing imports safely, and reading the stored figures back.

Every file is stored in ONE transaction: the import batch, the rows it replaces (marked
``superseded_by`` its id rather than deleted, so an undo can bring them back) and its own rows.
Any failure rolls the whole file back, so the database is exactly as before.

The newest import wins: an observation is identified by (workspace, source, metric, date,
granularity, dimension); a later file with the same key replaces the live row, never adds to it.

Rows are written in bulk through the DB-API ``executemany`` (SQLite) or ``COPY`` (PostgreSQL),
sorted in the order of the live-row index so that each index insert is an append: 1.2 million
rows store in a few seconds, where one ORM ``add`` per row would take minutes.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import String, and_, cast, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from core import audit
from core.aggregate import BY_VALUES, aggregate
from core.breakdowns import OtherBreakdown, add_totals, find_other_breakdowns
from core.catalog import load_catalog
from core.errors import KgiError
from core.importing.spill import Spill
from core.measurement import counted
from core.models import ColumnMapping, ImportBatch, Observation, utcnow
from core.workspaces import get_workspace
from core.writequeue import begin_immediate, sqlite_writer

if TYPE_CHECKING:
    from core.importing import ParsedFile

ProgressFn = Callable[[float], None]

OBS = Observation.__table__
BATCH = ImportBatch.__table__
MAPPING = ColumnMapping.__table__

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STREAMLIT_CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"
DEFAULT_MAX_UPLOAD_MB = 200
GRANULARITIES = ("day", "week", "month")
INSERT_CHUNK = 100_000  # rows per executemany: small enough for a smooth progress bar
ID_CHUNK = 900  # ids per ``IN (...)``: under every backend's bound-parameter limit
MAX_STORED_ERRORS = 1000  # rejected rows kept on the batch (the count is always exact)
DIMENSION_MAX = 300  # column sizes in core.models
SOURCE_MAX = 40

# Columns written per observation, in this order (superseded_by stays NULL: the row is live).
INSERT_COLUMNS = ("workspace_id", "metric", "date", "granularity", "value", "source", "dimension", "import_id")
KEY_COLUMNS = ["metric", "date", "granularity", "dimension"]


# --------------------------------------------------------------------------------------------
# Size limit
# --------------------------------------------------------------------------------------------


def _read_max_upload_mb(path: Path = STREAMLIT_CONFIG) -> int:
    """``[server] maxUploadSize`` from the app's Streamlit config (in MB), else 200 MB.

    The same limit is enforced here so that ``kgi import`` and the page agree.
    """
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        value = int(config.get("server", {}).get("maxUploadSize", DEFAULT_MAX_UPLOAD_MB))
    except (OSError, ValueError, TypeError, tomllib.TOMLDecodeError):
        return DEFAULT_MAX_UPLOAD_MB
    return value if value > 0 else DEFAULT_MAX_UPLOAD_MB


MAX_UPLOAD_MB: int = _read_max_upload_mb()
MAX_UPLOAD_BYTES: int = MAX_UPLOAD_MB * 1024 * 1024


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A rejected row (or a rejected file when ``row`` is None), kept as a message key so it can
    be shown in any language later."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None

    def message(self, lang: str) -> str:
        """The message with its row, column and sheet filled in (never a bare key)."""
        from core.importing.messages import render

        return render(self.key, lang, self.row, self.column, self.params)

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "key": self.key, "message": self.message(lang)}

    def to_json(self) -> dict[str, Any]:
        """The form stored on the batch (no language chosen yet)."""
        return {"row": self.row, "column": self.column, "key": self.key, "params": _jsonable(self.params)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        return cls(key=str(data.get("key", "")), params=dict(data.get("params") or {}),
                   row=data.get("row"), column=data.get("column"))


@dataclass
class ImportResult:
    """What happened to one file; ``to_dict`` is SPEC §9's import item plus extra fields."""

    file: str
    source: str
    status: str  # "imported" | "unchanged" | "rejected"
    rows: int = 0
    metrics: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    errors: list[Problem] = field(default_factory=list)
    batch_id: int | None = None
    replaced: int = 0
    confidence: float | None = None
    rejected_rows: int = 0
    warnings: list[Problem] = field(default_factory=list)
    granularity: str | None = None  # how the rows were read: day | week | month
    unmapped: list[dict[str, str]] = field(default_factory=list)  # {"column", "metric"} not imported
    skipped_rows: int = 0  # totals and subtotals left out on purpose
    # Metrics another family also measures for the same months (core.sources_of_record.Overlap).
    overlaps: list[Any] = field(default_factory=list)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "file": self.file,
            "source": self.source,
            "status": self.status,
            "rows": self.rows,
            "metrics": list(self.metrics),
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "errors": [p.to_dict(lang) for p in self.errors],
            "import_id": self.batch_id,
            "replaced": self.replaced,
            "confidence": self.confidence,
            "rejected_rows": self.rejected_rows,
            "warnings": [p.to_dict(lang) for p in self.warnings],
            "granularity": self.granularity,
            "unmapped": list(self.unmapped),
            "skipped_rows": self.skipped_rows,
            "overlaps": [o.to_dict(lang) for o in self.overlaps],
        }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def file_hash(data: bytes | Path, suffix: bytes = b"") -> str:
    """sha256 of the bytes (a path: its file, read piece by piece) followed by ``suffix``."""
    digest = hashlib.sha256()
    if isinstance(data, Path):
        with data.open("rb") as fh:
            while piece := fh.read(4 * 1024 * 1024):
                digest.update(piece)
    else:
        digest.update(data)
    digest.update(suffix)
    return digest.hexdigest()


def _size(data: bytes | Path) -> int:
    return data.stat().st_size if isinstance(data, Path) else len(data)


def _problem_from(item: Any) -> Problem:
    """A reader's rejected row or warning (object with key/params, a KgiError, or text)."""
    if isinstance(item, Problem):
        return item
    if isinstance(item, KgiError):
        return Problem(item.key, dict(item.params))
    key = getattr(item, "key", None)
    if isinstance(key, str):
        return Problem(key, dict(getattr(item, "params", None) or {}),
                       getattr(item, "row", None), getattr(item, "column", None))
    if isinstance(item, dict) and "key" in item:
        return Problem.from_json(item)
    return Problem("store.note", {"text": str(item)})


# --------------------------------------------------------------------------------------------
# Preparing the rows
# --------------------------------------------------------------------------------------------


class _Coded:
    """A string column as sorted distinct values and one integer code per row.

    Far lighter than one Python string per row (1.2 million rows of a 200,000-row export),
    and the codes sort and compare like the strings.
    """

    def __init__(self, codes: np.ndarray, uniques: np.ndarray) -> None:
        self.codes = codes
        self.uniques = uniques

    @classmethod
    def of(cls, values: pd.Series, limit: int = 0) -> _Coded:
        codes, uniques = pd.factorize(values.fillna("").astype(str), sort=True)
        labels = np.array([str(u) for u in uniques], dtype=object)
        if limit and len(labels) and max(map(len, labels.tolist())) > limit:
            cut_codes, cut = pd.factorize(np.array([u[:limit] for u in labels.tolist()], dtype=object), sort=True)
            codes, labels = cut_codes[codes], np.asarray(cut, dtype=object)
        return cls(np.asarray(codes), labels)

    def take(self, order: np.ndarray) -> _Coded:
        return _Coded(self.codes[order], self.uniques)

    def strings(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The row values (shared string objects) for rows ``start:stop``."""
        return self.uniques[self.codes[start:stop]].tolist()

    def present(self) -> list[str]:
        """The distinct values the rows hold, sorted (a count per code: linear, no sort)."""
        if not len(self.codes):
            return []
        return self.uniques[np.flatnonzero(np.bincount(self.codes, minlength=len(self.uniques)))].tolist()


@dataclass
class _Prepared:
    """The observations to store, sorted by the live-key order."""

    metric: _Coded
    date: _Coded  # ISO days
    granularity: _Coded
    dimension: _Coded
    value: np.ndarray
    start: date | None
    end: date | None
    metrics: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.value)

    def keys_frame(self) -> pd.DataFrame:
        return pd.DataFrame({name: getattr(self, name).strings() for name in KEY_COLUMNS}, dtype=object)


def _dates(values: pd.Series) -> tuple[_Coded, date | None, date | None]:
    """Days as coded ``YYYY-MM-DD`` strings, formatting each distinct day only once.

    A file spans at most a few thousand days, so the codes are day offsets counted with
    ``bincount`` (linear) rather than ``np.unique`` (a sort of every row).
    """
    days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    if np.isnat(days).any():
        raise KgiError("store.bad_date")
    if len(days) == 0:
        return _Coded(np.zeros(0, dtype=np.int64), np.array([], dtype=object)), None, None
    offsets = days.view(np.int64)
    low = int(offsets.min())
    offsets = offsets - low
    span = int(offsets.max()) + 1
    if span > 4 * len(days) + 100_000:  # absurdly sparse dates: a sort is cheaper than the span
        uniq, inverse = np.unique(days, return_inverse=True)
    else:
        present = np.flatnonzero(np.bincount(offsets, minlength=span))
        remap = np.zeros(span, dtype=np.int64)
        remap[present] = np.arange(len(present))
        uniq, inverse = (present + low).astype("datetime64[D]"), remap[offsets]
    labels = np.array([str(d) for d in uniq], dtype=object)
    return _Coded(inverse.reshape(-1), labels), uniq[0].astype(date), uniq[-1].astype(date)


def _constant(n: int, text_value: str) -> _Coded:
    return _Coded(np.zeros(n, dtype=np.int64), np.array([text_value], dtype=object))


def prepare_observations(frame: pd.DataFrame) -> _Prepared:
    """Check and sort a reader's observations for storing.

    Rows without a finite value are dropped (a blank cell is not a zero). Unknown metrics,
    granularities or several values for one key are errors: storing them would corrupt totals.
    """
    missing = {"date", "metric", "value"} - set(frame.columns)
    if missing:
        raise KgiError("store.bad_frame", columns=", ".join(sorted(missing)))
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64")
    keep = np.isfinite(values)
    if not keep.all():
        frame, values = frame.loc[keep], values[keep]
    n = len(values)
    metric = _Coded.of(frame["metric"])
    known = load_catalog().metrics
    unknown = sorted(m for m in metric.present() if m not in known)
    if unknown:
        raise KgiError("store.unknown_metric", metrics=", ".join(unknown))
    gran = _Coded.of(frame["granularity"]) if "granularity" in frame else _constant(n, "day")
    bad = sorted(set(gran.present()) - set(GRANULARITIES))
    if bad:
        raise KgiError("store.bad_granularity", value=", ".join(bad))
    dimension = _Coded.of(frame["dimension"], DIMENSION_MAX) if "dimension" in frame else _constant(n, "")
    dates, start, end = _dates(frame["date"])
    order = _key_order((metric, dates, gran, dimension))
    if order is None:  # already in key order (a melted export usually is): no copy needed
        prepared = _Prepared(metric, dates, gran, dimension, values, start, end, metrics=metric.present())
    else:
        prepared = _Prepared(metric.take(order), dates.take(order), gran.take(order), dimension.take(order),
                             values[order], start, end, metrics=metric.present())
    _check_unique(prepared)
    return prepared


def _key_order(columns: Sequence[_Coded]) -> np.ndarray | None:
    """The row order that sorts by ``columns`` (metric, date, granularity, dimension), or
    None when the rows already are in that order.

    That is the live-row index's order (its leading workspace and source are constant in one
    file), so every index insert is an append. The codes sort like their strings, and SQLite
    compares text as UTF-8 bytes, which order like code points, as Python's strings do.
    """
    key = np.zeros(len(columns[0].codes), dtype=np.int64)
    total = 1
    for column in columns:
        size = max(len(column.uniques), 1)
        total *= size
        if total >= 2**62:  # too many combinations for one int64 key
            return np.lexsort(tuple(c.codes for c in reversed(columns)))
        key = key * size + column.codes
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return None
    return np.argsort(key, kind="stable")


def _check_unique(rows: _Prepared) -> None:
    """Two values for one key in one file: the reader should have combined them."""
    if len(rows) < 2:
        return
    same = np.ones(len(rows) - 1, dtype=bool)
    for name in KEY_COLUMNS:
        codes = getattr(rows, name).codes
        same &= codes[1:] == codes[:-1]
    if same.any():
        i = int(np.argmax(same))
        raise KgiError("store.duplicate_key", metric=rows.metric.strings(i, i + 1)[0],
                       date=rows.date.strings(i, i + 1)[0], dimension=rows.dimension.strings(i, i + 1)[0] or "—")


# --------------------------------------------------------------------------------------------
# The transaction
# --------------------------------------------------------------------------------------------


def _is_sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _begin_write(conn: Connection, workspace_id: int) -> None:
    """Take the write lock first, so two importers queue instead of failing.

    SQLite: ``BEGIN IMMEDIATE`` (a deferred transaction that reads, then writes, can fail
    with "database is locked" when another writer got in between; an immediate one waits for
    the busy timeout). PostgreSQL: a per-workspace advisory lock held to the end of the
    transaction, so two imports of overlapping files do not both insert the same live key.
    """
    if _is_sqlite(conn):
        begin_immediate(conn)
    elif conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(0x4B47490000 + int(workspace_id))))


def _live_batch_with_hash(conn: Connection, workspace_id: int, digest: str) -> Any | None:
    """The still-live import of the same bytes in this workspace, if any."""
    has_live_rows = (
        select(OBS.c.id)
        .where(OBS.c.import_id == BATCH.c.id, OBS.c.superseded_by.is_(None))
        .exists()
    )
    query = (
        select(BATCH)
        .where(BATCH.c.workspace_id == workspace_id, BATCH.c.file_hash == digest,
               BATCH.c.status == "imported", has_live_rows)
        .order_by(BATCH.c.id.desc())
        .limit(1)
    )
    return conn.execute(query).first()


def _result_from_batch(row: Any, status: str) -> ImportResult:
    return ImportResult(
        file=row.file_name, source=row.source, status=status, rows=row.rows,
        metrics=list(row.metrics or []), start=row.start, end=row.end, batch_id=row.id,
        replaced=row.replaced,
    )


def _insert_batch(conn: Connection, workspace_id: int, parsed: ParsedFile, digest: str,
                  problems: list[Problem]) -> int:
    values = {
        "workspace_id": workspace_id,
        "file_name": str(parsed.file_name)[:500],
        "file_hash": digest,
        "source": str(parsed.source)[:SOURCE_MAX],
        "status": "imported",
        "rows": 0,
        "metrics": [],
        "replaced": 0,
        "errors": [p.to_json() for p in problems[:MAX_STORED_ERRORS]],
        "created_at": utcnow(),
        "dimension_kind": (getattr(parsed, "meta", None) or {}).get("dimension_kind"),
    }
    return int(conn.execute(insert(BATCH).values(**values)).inserted_primary_key[0])


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _live_range(workspace_id: int, source: str, rows: _Prepared | _Spilled,
                other_than: int | None = None) -> tuple[Any, ...]:
    """Live rows of the workspace and source in the metrics and months of ``rows`` (and not
    of import ``other_than``: a large file's own earlier chunks)."""
    # From the first of the first month: a month total dated the 1st covers a file that
    # starts later in that month.
    start = rows.start.replace(day=1) if rows.start is not None else rows.start
    where = (
        OBS.c.workspace_id == workspace_id, OBS.c.source == source, OBS.c.superseded_by.is_(None),
        OBS.c.metric.in_(rows.metrics), OBS.c.date >= start, OBS.c.date <= rows.end,
    )
    return where if other_than is None else (*where, OBS.c.import_id != other_than)


def _existing_live(conn: Connection, workspace_id: int, source: str, rows: _Prepared,
                   other_than: int | None = None) -> pd.DataFrame:
    """Live rows of this workspace and source in the file's metrics and date range."""
    query = select(
        OBS.c.id, OBS.c.import_id, OBS.c.metric, cast(OBS.c.date, String).label("date"),
        OBS.c.granularity, OBS.c.dimension,
    ).where(*_live_range(workspace_id, source, rows, other_than))
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)


def _supersede(conn: Connection, workspace_id: int, source: str, rows: _Prepared, batch_id: int,
               other_than: int | None = None) -> int:
    """Mark the live rows this file replaces; returns how many.

    A row is replaced when the new file has the same key, or — the same file read another
    way (month totals instead of days) — when a row of another granularity of the same
    metric and dimension falls in a month the new file covers: the newest import wins, and
    no stretch of time keeps two figures of one source. ``other_than``: an import whose rows
    are never replaced (this file's own chunks, when it is stored chunk by chunk).
    """
    existing = _existing_live(conn, workspace_id, source, rows, other_than)
    if existing.empty:
        return 0
    new_keys = rows.keys_frame()
    hit = existing.merge(new_keys, on=KEY_COLUMNS, how="inner")
    if len(hit) == len(existing):
        # The usual case (a newer export of the same period): one statement, not an id list.
        conn.execute(update(OBS).where(*_live_range(workspace_id, source, rows, other_than))
                     .values(superseded_by=batch_id))
        return len(hit)
    ids = set(hit["id"].tolist()) | _other_granularity_hits(existing, new_keys)
    _set_superseded(conn, sorted(int(i) for i in ids), batch_id)
    return len(ids)


def _other_granularity_hits(existing: pd.DataFrame, new_keys: pd.DataFrame) -> set[Any]:
    """Ids of live rows whose granularity differs from the new rows' on the same metric,
    dimension and month."""
    def month_keys(frame: pd.DataFrame) -> pd.Series:
        return frame["metric"].astype(str) + "|" + frame["dimension"].astype(str) + "|" + frame["date"].astype(str).str.slice(0, 7)

    new = pd.DataFrame({"key": month_keys(new_keys), "granularity": new_keys["granularity"].astype(str)})
    old = existing.assign(key=month_keys(existing), granularity=existing["granularity"].astype(str))
    joined = old.merge(new.drop_duplicates(), on="key", suffixes=("", "_new"))
    return set(joined.loc[joined["granularity"] != joined["granularity_new"], "id"].tolist())


def _other_breakdown_note(found: OtherBreakdown) -> Problem:
    return Problem("import.warn.other_breakdown", {
        "metric": found.metric, "start": found.start.isoformat(), "end": found.end.isoformat(),
        "kind": found.kind, "other_kind": found.other_kind, "other_file": found.other_file,
    })


def _set_superseded(conn: Connection, ids: Sequence[int], value: int | None) -> None:
    for chunk in _chunks(list(ids), ID_CHUNK):
        conn.execute(update(OBS).where(OBS.c.id.in_(chunk)).values(superseded_by=value))


def _insert_rows(conn: Connection, workspace_id: int, source: str, rows: _Prepared, batch_id: int,
                 on_progress: ProgressFn | None) -> None:
    """Bulk-insert the new live rows, reporting progress per chunk."""
    total = len(rows)
    postgres = conn.dialect.name == "postgresql"
    for begin in range(0, total, INSERT_CHUNK):
        stop = min(begin + INSERT_CHUNK, total)
        # Rows are built per chunk from per-column lists (shared string objects), so only
        # one chunk of them is ever in memory.
        metric, day = rows.metric.strings(begin, stop), rows.date.strings(begin, stop)
        gran, dimension = rows.granularity.strings(begin, stop), rows.dimension.strings(begin, stop)
        value = rows.value[begin:stop].tolist()
        if postgres:
            _copy_chunk(conn, zip(repeat(workspace_id), metric, day, gran, value, repeat(source), dimension,
                                  repeat(batch_id), strict=False))
        else:
            _executemany_chunk(conn, workspace_id, source, batch_id, zip(metric, day, gran, value, dimension, strict=True))
        if on_progress:
            on_progress(stop / total)


def _column_list(conn: Connection) -> tuple[str, str]:
    prep = conn.dialect.identifier_preparer
    return prep.format_table(OBS), ", ".join(prep.quote(c) for c in INSERT_COLUMNS)


def _sql_text(value: str) -> str:
    """A SQL string literal (quotes doubled): the standard form, safe for any text."""
    return "'" + value.replace("'", "''") + "'"


def _executemany_chunk(conn: Connection, workspace_id: int, source: str, batch_id: int,
                       rows: Iterable[tuple[str, str, str, float, str]]) -> None:
    """SQLite: one prepared INSERT run over ``rows`` (metric, date, granularity, value, dimension).

    The values every row shares (workspace, source, import) are literals in the statement
    rather than parameters: binding three fewer values per row is about a fifth of the insert.
    """
    table, cols = _column_list(conn)
    sql = (f"INSERT INTO {table} ({cols}) VALUES ({int(workspace_id)}, ?, ?, ?, ?, {_sql_text(source)}, ?,"
           f" {int(batch_id)})")
    # The DB-API cursor takes the row iterator as it is (SQLAlchemy would want a list first).
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def _copy_chunk(conn: Connection, rows: Iterable[tuple]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN``: the fastest bulk path psycopg offers."""
    table, cols = _column_list(conn)
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(
        f"COPY {table} ({cols}) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)


class _Spilled:
    """A large file's observations on disk (``core.importing.spill``), with the totals
    ``_finish_batch`` and ``_live_range`` read from prepared rows."""

    def __init__(self, spill: Spill) -> None:
        self.spill = spill
        self.start, self.end, self.metrics = spill.start, spill.end, list(spill.metrics)

    def __len__(self) -> int:
        return self.spill.rows


def _store_spilled(conn: Connection, workspace_id: int, source: str, rows: _Spilled, batch_id: int,
                   kind: str | None, on_progress: ProgressFn | None) -> tuple[int, list[Problem]]:
    """Store a large file chunk by chunk (one chunk in memory at a time); returns how many
    live rows it replaced, and the notes on other breakdowns of the same totals.

    Each chunk replaces what it covers, as a small file would, but never rows of this import
    (the reader made sure no key comes twice). Day totals against another breakdown
    (``core.breakdowns``) are summed chunk by chunk and written once at the end.
    """
    found = find_other_breakdowns(conn, _live_range(workspace_id, source, rows), kind)
    replaced, done, total = 0, 0, len(rows)
    day_sums: list[pd.DataFrame] = []
    for frame in rows.spill.frames():
        chunk = prepare_observations(frame)
        del frame
        replaced += _supersede(conn, workspace_id, source, chunk, batch_id, other_than=batch_id)
        progress = None if on_progress is None else _scaled(on_progress, done, len(chunk), total)
        _insert_rows(conn, workspace_id, source, chunk, batch_id, progress)
        if found is not None:
            day_sums.append(_day_sums(chunk))
        done += len(chunk)
    notes: list[Problem] = []
    if found is not None and day_sums:
        own = pd.concat(day_sums, ignore_index=True)
        notes = [_other_breakdown_note(b) for b in add_totals(
            conn, found, workspace_id=workspace_id, source=source, batch_id=batch_id, rows=own)]
    return replaced, notes


def _day_sums(rows: _Prepared) -> pd.DataFrame:
    """One chunk's rows reduced for ``add_totals``: each day's sum over the dimensions (as one
    row with a placeholder dimension), and the file's own totals rows (dimension ``""``)."""
    frame = rows.keys_frame().assign(value=rows.value)
    totals = frame[frame["dimension"] == ""]
    parts = frame[frame["dimension"] != ""].groupby(["metric", "date", "granularity"], sort=False)["value"].sum()
    return pd.concat([totals, parts.reset_index().assign(dimension="\u2211")], ignore_index=True)


def _scaled(on_progress: ProgressFn, done: int, size: int, total: int) -> ProgressFn:
    """Progress through one chunk, as progress through the whole file."""
    return lambda fraction: on_progress((done + fraction * size) / max(total, 1))


def _finish_batch(conn: Connection, batch_id: int, rows: _Prepared | _Spilled, replaced: int) -> None:
    conn.execute(
        update(BATCH).where(BATCH.c.id == batch_id).values(
            rows=len(rows), metrics=rows.metrics, start=rows.start, end=rows.end, replaced=replaced,
        )
    )


def store_parsed(engine: Engine, workspace_id: int, parsed: ParsedFile, file_bytes_hash: str, *,
                 on_progress: ProgressFn | None = None) -> ImportResult:
    """Store one read file in one transaction; the newest import of a key wins.

    Parameters
    ----------
    engine : the database.
    workspace_id : the workspace the figures belong to.
    parsed : what ``core.importing.read_file`` returned.
    file_bytes_hash : sha256 of the file's bytes; the same bytes still live in this workspace
        give status ``"unchanged"`` and write nothing.
    on_progress : called with a fraction in [0, 1] as the rows are written.

    Returns
    -------
    ImportResult with status ``"imported"`` or ``"unchanged"``. Any exception rolls back
    everything this call wrote.
    """
    problems = [_problem_from(r) for r in (parsed.rejected or [])]
    warnings = [_problem_from(w) for w in (getattr(parsed, "warnings", None) or [])]
    spill = getattr(parsed, "spill", None)
    rows: _Prepared | _Spilled = prepare_observations(parsed.observations) if spill is None else _Spilled(spill)
    if len(rows) == 0:
        raise KgiError("store.no_rows", file=parsed.file_name)
    source = str(parsed.source)[:SOURCE_MAX]
    with sqlite_writer(engine.dialect.name), engine.connect() as conn:
        try:
            _begin_write(conn, workspace_id)
            existing = _live_batch_with_hash(conn, workspace_id, file_bytes_hash)
            if existing is not None:
                conn.rollback()
                return _result_from_batch(existing, "unchanged")
            batch_id = _insert_batch(conn, workspace_id, parsed, file_bytes_hash, problems)
            kind = (getattr(parsed, "meta", None) or {}).get("dimension_kind")
            if isinstance(rows, _Spilled):
                replaced, notes = _store_spilled(conn, workspace_id, source, rows, batch_id, kind, on_progress)
                warnings += notes
            else:
                replaced = _supersede(conn, workspace_id, source, rows, batch_id)
                found = find_other_breakdowns(conn, _live_range(workspace_id, source, rows), kind)
                _insert_rows(conn, workspace_id, source, rows, batch_id, on_progress)
                if found is not None:
                    own = rows.keys_frame().assign(value=rows.value)
                    warnings += [_other_breakdown_note(b) for b in add_totals(
                        conn, found, workspace_id=workspace_id, source=source, batch_id=batch_id, rows=own)]
            _finish_batch(conn, batch_id, rows, replaced)
            audit.record_conn(conn, workspace_id, "import", parsed.file_name, batch_id=batch_id, rows=len(rows),
                              source=source, replaced=replaced)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return ImportResult(
        file=parsed.file_name, source=source, status="imported", rows=len(rows), metrics=rows.metrics,
        start=rows.start, end=rows.end, errors=problems, batch_id=batch_id, replaced=replaced,
        confidence=getattr(parsed, "confidence", None), rejected_rows=len(problems), warnings=warnings,
        granularity=(getattr(parsed, "meta", None) or {}).get("granularity"),
        unmapped=[{"column": c, "metric": m} for c, m in getattr(parsed, "unmapped", None) or []],
        skipped_rows=len(getattr(parsed, "skipped", None) or []),
    )


# --------------------------------------------------------------------------------------------
# From bytes to stored rows
# --------------------------------------------------------------------------------------------


def _rejected(file_name: str, source: str, error: KgiError) -> ImportResult:
    return ImportResult(file=file_name, source=source, status="rejected",
                        errors=[Problem(error.key, dict(error.params))])


def _check_size(data: bytes | Path, max_bytes: int) -> None:
    from core.importing.limits import check_file, mb

    if isinstance(data, Path):
        try:
            check_file(data, max_bytes)
        except OSError as exc:
            raise KgiError("store.cli.no_file", path=str(data), reason=exc.strerror or type(exc).__name__) from None
    if _size(data) > max_bytes:
        raise KgiError("store.too_large", size_mb=mb(_size(data)), limit_mb=mb(max_bytes))


def import_file(engine: Engine, workspace_id: int, data: bytes | Path, file_name: str, *, source: str = "auto",
                mapping: dict[str, str] | None = None, today: date | None = None,
                on_progress: ProgressFn | None = None, max_bytes: int | None = None,
                granularity: str = "auto") -> ImportResult:
    """Read ``data`` and store it; a file that cannot be used comes back ``"rejected"``.

    The column mapping remembered for (workspace, source) applies, overridden by ``mapping``;
    a mapping given here is remembered for next time once the file is stored. ``granularity``
    is ``"auto"`` (inferred per file) or what each row stands for: ``day``, ``week``, ``month``.
    ``data`` may be a path (a regular file, checked): a large file is then never held whole,
    neither here nor in the reading child (see ``core.importing.stream``).
    """
    limit = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    try:
        _check_size(data, limit)
        digest = file_hash(data)
        early = _unchanged(engine, workspace_id, digest) if not mapping and granularity == "auto" else None
        if early is not None:
            early.file = file_name
            return early
        with tempfile.TemporaryDirectory(prefix="kgi-spill-") as spill_dir:
            parsed, used = _read(engine, workspace_id, data, file_name, source, mapping, today, limit, granularity,
                                 spill_dir)
            digest = import_digest(data, used if granularity == "auto" else {**used, "@granularity": granularity})
            result = store_parsed(engine, workspace_id, parsed, digest, on_progress=on_progress)
    except KgiError as exc:
        return _rejected(file_name, source, exc)
    if mapping:
        save_mapping(engine, workspace_id, result.source, {**load_mapping(engine, workspace_id, result.source), **mapping})
    return with_overlaps(engine, workspace_id, result)


def with_overlaps(engine: Engine, workspace_id: int, result: ImportResult) -> ImportResult:
    """``result`` with the metrics another source already measures for the same months, so
    the person importing sees both figures at once (the dashboard never adds them)."""
    from core.sources_of_record import import_overlaps

    if result.status == "imported":
        result.overlaps = import_overlaps(engine, workspace_id, result.source, result.metrics, result.start, result.end)
    return result


def import_digest(data: bytes | Path, used_mapping: dict[str, str] | None) -> str:
    """What a stored import is recognised by: the bytes, and the column choices they were read
    with (the same bytes read with other choices are another import)."""
    if not used_mapping:
        return file_hash(data)
    choices = json.dumps(used_mapping, sort_keys=True, ensure_ascii=False).encode()
    return file_hash(data, b"\0" + choices)


def _unchanged(engine: Engine, workspace_id: int, digest: str) -> ImportResult | None:
    """Answer "unchanged" before reading a big file again."""
    with engine.connect() as conn:
        row = _live_batch_with_hash(conn, workspace_id, digest)
    return _result_from_batch(row, "unchanged") if row is not None else None


def _read(engine: Engine, workspace_id: int, data: bytes | Path, file_name: str, source: str,
          mapping: dict[str, str] | None, today: date | None, limit: int,
          granularity: str = "auto", spill_dir: str | None = None) -> tuple[ParsedFile, dict[str, str]]:
    """The parsed file and the column mapping it was read with (remembered, then given)."""
    from core.importing.sandbox import read_file_isolated

    def read_file(*args: Any, **kwargs: Any) -> ParsedFile:
        return read_file_isolated(*args, spill_dir=spill_dir, **kwargs)

    given = dict(mapping or {})
    used = {**(load_mapping(engine, workspace_id, source) if source != "auto" else {}), **given}
    try:
        parsed = read_file(data, file_name, source=source, mapping=used or None, max_bytes=limit, today=today,
                           granularity=granularity)
    except KgiError:
        # Not recognised on its own: a hand-kept sheet whose columns the user mapped before.
        remembered = load_mapping(engine, workspace_id, "sheet") if source in ("auto", "sheet") else {}
        if not remembered:
            raise
        used = {**remembered, **given}
        parsed = read_file(data, file_name, source="sheet", mapping=used, max_bytes=limit, today=today,
                           granularity=granularity)
        return parsed, used
    if source == "auto":
        # Only now is the source known; read again if the user had mapped columns for it.
        extra = {k: v for k, v in load_mapping(engine, workspace_id, parsed.source).items() if k not in given}
        if extra:
            used = {**extra, **given}
            parsed = read_file(data, file_name, source=parsed.source, mapping=used, max_bytes=limit, today=today,
                               granularity=granularity)
    return parsed, used


# --------------------------------------------------------------------------------------------
# Column mappings
# --------------------------------------------------------------------------------------------


# Mapping values that name a column's role instead of a metric (the readers accept both).
COLUMN_ROLES = frozenset({"@date", "@dimension"})


def save_mapping(engine: Engine, workspace_id: int, source: str, mapping: dict[str, str]) -> None:
    """Remember column choices for this workspace and source: a metric key, "" (ignore),
    ``"@date"`` or ``"@dimension"``."""
    known = load_catalog().metrics
    bad = sorted({m for m in mapping.values() if m and m not in known and m not in COLUMN_ROLES})
    if bad:
        raise KgiError("store.unknown_metric", metrics=", ".join(bad))
    now = utcnow()
    with engine.begin() as conn:
        for column, metric_key in mapping.items():
            where = and_(MAPPING.c.workspace_id == workspace_id, MAPPING.c.source == source,
                         MAPPING.c.column == column)
            changed = conn.execute(update(MAPPING).where(where).values(metric=metric_key, updated_at=now))
            if changed.rowcount == 0:
                conn.execute(insert(MAPPING).values(workspace_id=workspace_id, source=source,
                                                    column=column, metric=metric_key, updated_at=now))


def load_mapping(engine: Engine, workspace_id: int, source: str) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(MAPPING.c.column, MAPPING.c.metric)
            .where(MAPPING.c.workspace_id == workspace_id, MAPPING.c.source == source)
            .order_by(MAPPING.c.id)
        ).all()
    return {r.column: r.metric for r in rows}


# --------------------------------------------------------------------------------------------
# History and undo
# --------------------------------------------------------------------------------------------


def _batch_from_row(row: Any) -> ImportBatch:
    return ImportBatch(**dict(row._mapping))


def list_imports(engine: Engine, workspace_id: int) -> list[ImportBatch]:
    """Every import of the workspace, newest first (undone ones included, marked so)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(BATCH).where(BATCH.c.workspace_id == workspace_id).order_by(BATCH.c.id.desc())
        ).all()
    return [_batch_from_row(r) for r in rows]


def get_import(engine: Engine, import_id: int) -> ImportBatch:
    with engine.connect() as conn:
        row = conn.execute(select(BATCH).where(BATCH.c.id == import_id)).first()
    if row is None:
        raise KgiError("store.import_not_found", id=import_id)
    return _batch_from_row(row)


def undo_import(engine: Engine, import_id: int) -> ImportBatch:
    """Remove an import's rows and bring back the rows it had replaced.

    A replaced row comes back live unless a later live import covers the same key; then it
    stays replaced, now by that import, so undoing that one later brings it back in turn.
    """
    with engine.connect() as conn:
        try:
            batch = conn.execute(select(BATCH).where(BATCH.c.id == import_id)).first()
            if batch is None:
                raise KgiError("store.import_not_found", id=import_id)
            _begin_write(conn, batch.workspace_id)
            status = conn.execute(select(BATCH.c.status).where(BATCH.c.id == import_id)).scalar_one()
            if status == "undone":
                raise KgiError("store.already_undone", id=import_id)
            conn.execute(delete(OBS).where(OBS.c.import_id == import_id))
            _revive(conn, batch.workspace_id, import_id)
            conn.execute(update(BATCH).where(BATCH.c.id == import_id).values(status="undone"))
            audit.record_conn(conn, batch.workspace_id, "undo", batch.file_name, batch_id=import_id)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return get_import(engine, import_id)


def _revive(conn: Connection, workspace_id: int, import_id: int) -> None:
    replaced_query = select(
        OBS.c.id, OBS.c.source, OBS.c.metric, cast(OBS.c.date, String).label("date"),
        OBS.c.granularity, OBS.c.dimension,
    ).where(OBS.c.superseded_by == import_id)
    result = conn.execute(replaced_query)
    replaced = pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)
    if replaced.empty:
        return
    live_query = select(
        OBS.c.import_id, OBS.c.source, OBS.c.metric, cast(OBS.c.date, String).label("date"),
        OBS.c.granularity, OBS.c.dimension,
    ).where(
        OBS.c.workspace_id == workspace_id, OBS.c.superseded_by.is_(None),
        OBS.c.source.in_(sorted(set(replaced["source"]))), OBS.c.metric.in_(sorted(set(replaced["metric"]))),
        OBS.c.date >= date.fromisoformat(min(replaced["date"])),
        OBS.c.date <= date.fromisoformat(max(replaced["date"])),
    )
    result = conn.execute(live_query)
    live = pd.DataFrame(result.fetchall(), columns=list(result.keys()), dtype=object)
    keys = ["source", *KEY_COLUMNS]
    merged = replaced.merge(live, on=keys, how="left") if not live.empty else replaced.assign(import_id=None)
    covered = merged[merged["import_id"].notna()]
    for later_id, group in covered.groupby("import_id"):
        _set_superseded(conn, [int(i) for i in group["id"]], int(later_id))
    orphans = merged["import_id"].isna()
    if orphans.all():  # nothing newer covers them: one statement brings them all back
        conn.execute(update(OBS).where(OBS.c.superseded_by == import_id).values(superseded_by=None))
    else:
        _set_superseded(conn, [int(i) for i in merged.loc[orphans, "id"]], None)


# --------------------------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------------------------


def with_components(metrics: Iterable[str]) -> list[str]:
    """The metrics plus, recursively, what ratio and weighted metrics are computed from."""
    catalog = load_catalog()
    seen: list[str] = []
    frontier = list(metrics)
    while frontier:
        key = frontier.pop(0)
        if key in seen:
            continue
        seen.append(key)
        if key in catalog:
            frontier.extend(c for c in catalog[key].components if c)
    return seen


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def load_observations(engine: Engine, workspace_id: int, metrics: Iterable[str] | None = None, *,
                      sources: str | Iterable[str] | None = None,
                      dimensions: str | Iterable[str] | None = None,
                      start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Live observations as a DataFrame.

    Returns
    -------
    DataFrame with columns ``date`` (datetime64[ns]), ``metric``, ``value`` (float64),
    ``source``, ``dimension``, ``granularity``. Asking for a ratio or weighted metric also
    returns its components, so it can be recomputed from its parts.
    """
    query = select(
        cast(OBS.c.date, String).label("date"), OBS.c.metric, OBS.c.value, OBS.c.source,
        OBS.c.dimension, OBS.c.granularity,
    ).where(OBS.c.workspace_id == workspace_id, OBS.c.superseded_by.is_(None))
    if metrics is not None:
        query = query.where(OBS.c.metric.in_(with_components(metrics)))
    source_list, dimension_list = _as_list(sources), _as_list(dimensions)
    if source_list is not None:
        query = query.where(OBS.c.source.in_(source_list))
    if dimension_list is not None:
        query = query.where(OBS.c.dimension.in_(dimension_list))
    if start is not None:
        query = query.where(OBS.c.date >= start)
    if end is not None:
        query = query.where(OBS.c.date <= end)
    query = query.order_by(OBS.c.metric, OBS.c.date)  # ux_observation_live leads with (workspace, metric)
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    return _frame(rows)


def _frame(rows: Sequence[Any]) -> pd.DataFrame:
    columns = ["date", "metric", "value", "source", "dimension", "granularity"]
    if not rows:
        return pd.DataFrame({
            "date": pd.Series([], dtype="datetime64[ns]"), "metric": pd.Series([], dtype=str),
            "value": pd.Series([], dtype="float64"), "source": pd.Series([], dtype=str),
            "dimension": pd.Series([], dtype=str), "granularity": pd.Series([], dtype=str),
        })
    # Column-wise from plain tuples: handing SQLAlchemy Row objects to pandas costs seconds
    # per million rows (it probes each row for attributes).
    data = dict(zip(columns, zip(*rows, strict=True), strict=True))
    days = pd.Series(data["date"], dtype=object).str.slice(0, 10)
    return pd.DataFrame({
        "date": pd.to_datetime(days, format="%Y-%m-%d").astype("datetime64[ns]"),
        "metric": pd.Series(data["metric"], dtype=str),
        "value": np.asarray(data["value"], dtype="float64"),
        "source": pd.Series(data["source"], dtype=str),
        "dimension": pd.Series(data["dimension"], dtype=str),
        "granularity": pd.Series(data["granularity"], dtype=str),
    })


def _resolve_metric(key: str) -> str:
    catalog = load_catalog()
    if key in catalog:
        return key
    close = get_close_matches(key, catalog.keys(), n=5, cutoff=0.5)
    raise KgiError("store.unknown_actuals_metric", metric=key,
                   close=", ".join(close) if close else ", ".join(catalog.keys()[:10]))


def actuals(engine: Engine, workspace_id: int, metric: str, by: str = "month",
            source: str | None = None) -> list[dict[str, Any]]:
    """Aggregated actuals: ``[{"period": "2024-01", "value": 123.4}, ...]`` (rates as fractions).

    Sums for additive metrics, ratios of sums for rates, the last value for stock levels and
    the weighted mean for positions, as the catalog declares — over the metric's source of
    record only (``source`` names another), each stretch of time counted once
    (:func:`core.measurement.counted`). A period whose value cannot be
    computed (a rate with a zero denominator) has value ``None``.
    """
    key = _resolve_metric(metric)
    if by not in BY_VALUES:
        raise KgiError("store.bad_by", value=by)
    obs = load_observations(engine, workspace_id, [key])
    if obs.empty:
        return []
    ws = get_workspace(engine, workspace_id)
    rows, _ = counted(obs, key, business_type=ws.business_type,
                      chosen=(ws.settings or {}).get("source_of_record"), goal_sources=[source] if source else ())
    if rows.empty:
        return []
    series = aggregate(rows, key, by=by)
    return [{"period": str(p), "value": _clean(v)} for p, v in series.items()]


def _clean(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number
