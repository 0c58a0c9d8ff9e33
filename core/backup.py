"""Backup of one workspace to a single file, and restore of that file as a new workspace.

The file is a zip::

    manifest.json         format name and version, app version, alembic revision, created-at,
                          workspace name, and per table: member name, row count, sha256
    workspace.jsonl       one JSON object per row, columns by name, ordered by id
    kgi.jsonl, kpi.jsonl, import_batch.jsonl, observation.jsonl, column_mapping.jsonl, draft.jsonl,
    audit_event.jsonl (the audit trail; a backup made before it existed simply has none)

Every observation is kept, superseded ones too, so an import can still be undone after a
restore. Dates and times are ISO 8601; floats are written with ``repr`` (exact round trip).

Restoring validates the whole file first (checksums, counts, each row's fields and types,
references between tables) and only then writes, in one transaction, under new ids: a bad
file, a name clash or a failure half-way leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import IO, Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import SQLModel

import core
from core import audit
from core.backup_checks import bad_field
from core.db import MIGRATIONS_DIR, session_scope
from core.errors import KgiError
from core.importing.limits import mb
from core.importing.sandbox import run_isolated
from core.models import (
    AuditEvent,
    ColumnMapping,
    Draft,
    ImportBatch,
    Kgi,
    Kpi,
    Observation,
    Workspace,
)
from core.writequeue import begin_immediate, sqlite_writer

FORMAT_NAME = "kgi-planner-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 1_000_000  # a manifest is a few hundred bytes; refuse to read a huge one
READ_CHUNK = 5_000  # rows fetched per round trip while writing a backup
INSERT_CHUNK = 5_000  # rows per executemany while restoring
MAX_NAME_LENGTH = 200
# Bounds checked before inflating (issue 11): one JSON line, one row of each table (with room
# to spare: an observation line is about 200 bytes), and the whole backup inflated.
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_ROW_BYTES = {"observation": 4_096, "column_mapping": 4_096, "kpi": 262_144, "kgi": 1_048_576,
                 "workspace": 1_048_576, "import_batch": MAX_LINE_BYTES, "draft": MAX_LINE_BYTES}
MAX_BACKUP_BYTES = 4 * 1024 * 1024 * 1024

ProgressFn = Callable[[float], None]

# Parents before children: the order rows are written and restored in.
MODELS: tuple[type[SQLModel], ...] = (
    Workspace, Kgi, Kpi, ImportBatch, Observation, ColumnMapping, Draft, AuditEvent,
)
TABLES: dict[str, Table] = {m.__table__.name: m.__table__ for m in MODELS}  # type: ignore[attr-defined]
MODEL_OF: dict[str, type[SQLModel]] = {m.__table__.name: m for m in MODELS}  # type: ignore[attr-defined]
# Tables added after the backup format's first version: an older file without them restores
# with none of their rows.
OPTIONAL_TABLES = frozenset({"audit_event"})


def _tables_in(manifest: dict[str, Any]) -> list[str]:
    """The tables this file holds (every required one, and the optional ones it has)."""
    return [t for t in TABLES if t not in OPTIONAL_TABLES or t in manifest["tables"]]


def member_name(table: str) -> str:
    return f"{table}.jsonl"


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file says about itself (from its manifest), for a "restore?" prompt."""

    workspace_name: str
    created_at: datetime
    app_version: str
    alembic_revision: str | None
    format_version: int
    rows: dict[str, int]


# --------------------------------------------------------------------------------------------
# Values: to JSON and back
# --------------------------------------------------------------------------------------------


def _kind(column: Any) -> str:
    """The JSON shape of a column: json, bool, int, float, date, datetime or str."""
    col_type = column.type
    impl = getattr(col_type, "impl", col_type)  # TypeDecorators (UTCDateTime, AutoString)
    impl = impl if not isinstance(impl, type) else impl()
    for kind, sa_type in (("json", JSON), ("bool", Boolean), ("int", Integer), ("float", Float),
                          ("datetime", DateTime), ("date", Date), ("str", String)):
        if isinstance(col_type, sa_type) or isinstance(impl, sa_type):
            return kind
    raise TypeError(f"no backup rule for column {column} of type {col_type!r}")  # a new model type


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str
    nullable: bool
    length: int | None
    default: Callable[[], Any] | None  # fills a field an older backup does not have
    convert: Callable[[Any], Any]


@cache
def _fields(table_name: str) -> tuple[_Field, ...]:
    table = TABLES[table_name]
    model_fields = MODEL_OF[table_name].model_fields
    result = []
    for column in table.columns:
        info = model_fields.get(column.name)
        default: Callable[[], Any] | None = None
        if column.nullable:
            default = lambda: None  # noqa: E731
        if info is not None and info.default_factory is not None:
            default = info.default_factory  # type: ignore[assignment]
        elif info is not None and not info.is_required() and info.default is not None:
            default = (lambda value: lambda: value)(info.default)
        length = getattr(getattr(column.type, "impl", column.type), "length", None)
        kind = _kind(column)
        result.append(_Field(column.name, kind, bool(column.nullable), length, default, _converter(kind, length)))
    return tuple(result)


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _encode_row(row: Any, names: list[str]) -> bytes:
    # json.dumps writes floats with repr, which reads back to the identical float.
    values = {name: _to_json(value) for name, value in zip(names, row, strict=True)}
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class _BadRow(Exception):
    """One row does not fit its table; turned into a KgiError with the row number."""

    def __init__(self, key: str, field: str) -> None:
        super().__init__(key)
        self.key = key
        self.field = field


def _converter(kind: str, length: int | None) -> Callable[[Any], Any]:
    """A function giving the database value of a JSON value, or raising ``ValueError``.

    ``type(v) is`` rather than ``isinstance``: ``True`` is not an id, and this runs once per
    field of every observation.
    """
    def as_bool(v: Any) -> bool:
        if type(v) is not bool:
            raise ValueError(v)
        return v

    def as_int(v: Any) -> int:
        if type(v) is not int:
            raise ValueError(v)
        return v

    def as_float(v: Any) -> float:
        if (type(v) is not float and type(v) is not int) or not math.isfinite(v):
            raise ValueError(v)
        return float(v)

    def as_str(v: Any) -> str:
        if type(v) is not str or (length is not None and len(v) > length):
            raise ValueError(v)
        return v

    def as_date(v: Any) -> date:
        if type(v) is not str:
            raise ValueError(v)
        return date.fromisoformat(v)

    def as_datetime(v: Any) -> datetime:
        if type(v) is not str:
            raise ValueError(v)
        parsed = datetime.fromisoformat(v)
        return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)

    converters: dict[str, Callable[[Any], Any]] = {
        "json": lambda v: v, "bool": as_bool, "int": as_int, "float": as_float, "str": as_str,
        "date": as_date, "datetime": as_datetime,
    }
    return converters[kind]


@cache
def _names(table: str) -> frozenset[str]:
    return frozenset(spec.name for spec in _fields(table))


def _decode_row(table: str, line: bytes, *, trusted: bool = False) -> dict[str, Any]:
    """A JSON line as a dict of database values; missing fields take their default.

    ``trusted``: the line was checked by an earlier pass over the same bytes, so only the
    conversions the database needs (dates, times, defaults) are done.
    """
    try:
        raw = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadRow("backup.bad_json", "") from exc
    if not isinstance(raw, dict):
        raise _BadRow("backup.bad_json", "")
    specs = _fields(table)
    if not trusted and raw.keys() - _names(table):
        raise _BadRow("backup.unknown_field", sorted(raw.keys() - _names(table))[0])
    row: dict[str, Any] = {}
    for spec in specs:
        if spec.name not in raw:
            if spec.default is None or spec.name == "id":
                raise _BadRow("backup.missing_field", spec.name)
            row[spec.name] = spec.default()
            continue
        value = raw[spec.name]
        if value is None:
            if not spec.nullable:
                raise _BadRow("backup.bad_value", spec.name)
            row[spec.name] = None
        elif trusted and spec.kind not in ("date", "datetime", "float"):
            row[spec.name] = value
        else:
            try:
                row[spec.name] = spec.convert(value)
            except (ValueError, TypeError, OverflowError):
                raise _BadRow("backup.bad_value", spec.name) from None
    return row


# --------------------------------------------------------------------------------------------
# Writing a backup
# --------------------------------------------------------------------------------------------


def database_revision(conn: Connection) -> str | None:
    """The alembic revision the database is at (None when it was never migrated)."""
    try:
        with conn.begin_nested():
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


@cache
def known_revisions() -> frozenset[str]:
    """Every alembic revision this version of the app knows how to read."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions())


def _begin_snapshot(conn: Connection) -> None:
    """Read every table from one snapshot, so a concurrent import cannot split the backup."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN")  # WAL: a read transaction sees one snapshot throughout


def _snapshot_connection(engine: Engine) -> Connection:
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def _table_rows(conn: Connection, table: str, workspace_id: int) -> Iterator[bytes]:
    """The table's rows of the workspace as JSON lines, fetched in chunks (low memory)."""
    tbl = TABLES[table]
    key = tbl.c.id if table == "workspace" else tbl.c.workspace_id
    query = select(tbl).where(key == workspace_id).order_by(tbl.c.id)
    names = [c.name for c in tbl.columns]
    result = conn.execution_options(stream_results=True, yield_per=READ_CHUNK).execute(query)
    for partition in result.partitions():
        for row in partition:
            yield _encode_row(row, names)


def write_backup(engine: Engine, workspace_id: int, out: IO[bytes]) -> BackupInfo:
    """Write the backup of ``workspace_id`` to the binary file ``out`` (see module docstring).

    Rows are streamed table by table, so memory stays small even for a million observations.
    Unknown workspace → ``KgiError("workspace.not_found")``.
    """
    tables: dict[str, dict[str, Any]] = {}
    with _snapshot_connection(engine) as conn:
        _begin_snapshot(conn)
        ws = conn.execute(select(TABLES["workspace"]).where(TABLES["workspace"].c.id == workspace_id)).first()
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(workspace_id))
        revision = database_revision(conn)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for table in TABLES:
                tables[table] = _write_member(zf, member_name(table), _table_rows(conn, table, workspace_id))
            created = datetime.now(UTC)
            manifest = {
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "app_version": core.__version__,
                "alembic_revision": revision,
                "created_at": created.isoformat(),
                "workspace": {"id": ws.id, "name": ws.name},
                "tables": tables,
            }
            zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        conn.rollback()
    return BackupInfo(ws.name, created, core.__version__, revision, FORMAT_VERSION,
                      {name: spec["rows"] for name, spec in tables.items()})


def _write_member(zf: zipfile.ZipFile, name: str, lines: Iterator[bytes]) -> dict[str, Any]:
    digest = hashlib.sha256()
    count = 0
    with zf.open(name, "w", force_zip64=True) as member:
        for line in lines:
            member.write(line)
            digest.update(line)
            count += 1
    return {"member": name, "rows": count, "sha256": digest.hexdigest()}


def backup_bytes(engine: Engine, workspace_id: int) -> bytes:
    """All data of one workspace as the bytes of one backup file (a zip)."""
    buffer = io.BytesIO()
    write_backup(engine, workspace_id, buffer)
    return buffer.getvalue()


def backup_file_name(workspace_name: str, when: date | None = None) -> str:
    """A download name such as ``kgi-backup-Demo-Tea-2024-05-01.zip`` (keeps CJK letters)."""
    slug = re.sub(r"[^\w]+", "-", workspace_name, flags=re.UNICODE).strip("-") or "workspace"
    return f"kgi-backup-{slug[:60]}-{(when or date.today()).isoformat()}.zip"


# --------------------------------------------------------------------------------------------
# Reading and validating a backup
# --------------------------------------------------------------------------------------------


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise KgiError("backup.not_a_backup") from exc


def _read_manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest, checked for shape; anything else than our format → not a backup."""
    try:
        info = zf.getinfo(MANIFEST)
        if info.file_size > MAX_MANIFEST_BYTES:
            raise KgiError("backup.not_a_backup")
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError as exc:
        raise KgiError("backup.not_a_backup") from exc
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error) as exc:
        raise KgiError("backup.not_a_backup") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise KgiError("backup.not_a_backup")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise KgiError("backup.not_a_backup")
    if version > FORMAT_VERSION:
        raise KgiError("backup.newer_format", version=version, supported=FORMAT_VERSION,
                       app_version=str(manifest.get("app_version", "?")))
    revision = manifest.get("alembic_revision")
    if revision is not None and revision not in known_revisions():
        raise KgiError("backup.newer_schema", revision=str(revision),
                       app_version=str(manifest.get("app_version", "?")))
    _check_manifest_tables(manifest)
    return manifest


def _check_manifest_tables(manifest: dict[str, Any]) -> None:
    tables = manifest.get("tables")
    ws = manifest.get("workspace")
    if not isinstance(tables, dict) or not isinstance(ws, dict) or not isinstance(ws.get("name"), str):
        raise KgiError("backup.bad_manifest")
    for table in TABLES:
        spec = tables.get(table)
        if spec is None and table in OPTIONAL_TABLES:
            continue
        if not isinstance(spec, dict):
            raise KgiError("backup.missing_member", member=member_name(table))
        rows, digest = spec.get("rows"), spec.get("sha256")
        if (spec.get("member") != member_name(table) or not isinstance(rows, int) or rows < 0
                or not isinstance(digest, str)):
            raise KgiError("backup.bad_manifest")
    try:
        datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError as exc:
        raise KgiError("backup.bad_manifest") from exc


def read_backup_info(data: bytes) -> BackupInfo:
    """What the file is (from its manifest), without checking every row; for a confirm prompt.

    Raises the same "not a backup" / "newer version" errors as ``restore_bytes``.
    """
    with _open_zip(data) as zf:
        manifest = _read_manifest(zf)
    created = datetime.fromisoformat(manifest["created_at"])
    return BackupInfo(
        workspace_name=manifest["workspace"]["name"],
        created_at=created if created.utcoffset() is not None else created.replace(tzinfo=UTC),
        app_version=str(manifest.get("app_version", "")),
        alembic_revision=manifest.get("alembic_revision"),
        format_version=manifest["format_version"],
        rows={table: manifest["tables"][table]["rows"] for table in _tables_in(manifest)},
    )


def _member_lines(zf: zipfile.ZipFile, table: str) -> Iterator[bytes]:
    """The member's lines; a zip-level defect (bad CRC, broken deflate) → corrupted."""
    name = member_name(table)
    try:
        with zf.open(name) as stream:
            while line := stream.readline(MAX_LINE_BYTES + 1):
                if len(line) > MAX_LINE_BYTES:
                    raise KgiError("backup.member_too_large", member=name, size_mb=mb(len(line)),
                                   limit_mb=mb(MAX_LINE_BYTES))
                yield line
    except KeyError as exc:
        raise KgiError("backup.missing_member", member=name) from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise KgiError("backup.corrupted", member=name) from exc


def _check_sizes(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Each member no larger than its row count allows, all together under a bound: checked
    on the zip's directory, before anything is inflated (4 GiB of newlines, a 3 GiB line)."""
    total = 0
    for table in _tables_in(manifest):
        name = member_name(table)
        try:
            size = zf.getinfo(name).file_size
        except KeyError as exc:
            raise KgiError("backup.missing_member", member=name) from exc
        allowed = (manifest["tables"][table]["rows"] + 1) * MAX_ROW_BYTES.get(table, MAX_LINE_BYTES)
        if size > min(allowed, MAX_BACKUP_BYTES):
            raise KgiError("backup.member_too_large", member=name, size_mb=mb(size),
                           limit_mb=mb(min(allowed, MAX_BACKUP_BYTES)))
        total += size
    if total > MAX_BACKUP_BYTES:
        raise KgiError("backup.member_too_large", member="*.jsonl", size_mb=mb(total), limit_mb=mb(MAX_BACKUP_BYTES))


def _check_checksums(zf: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    _check_sizes(zf, manifest)
    for table in _tables_in(manifest):
        spec = manifest["tables"][table]
        digest = hashlib.sha256()
        count = 0
        for line in _member_lines(zf, table):
            digest.update(line)  # every byte, blank lines too
            count += bool(line.strip())
        if digest.hexdigest() != spec["sha256"]:
            raise KgiError("backup.corrupted", member=member_name(table))
        if count != spec["rows"]:
            raise KgiError("backup.count_mismatch", member=member_name(table), expected=spec["rows"], found=count)


def _rows(zf: zipfile.ZipFile, table: str, *, trusted: bool = False) -> Iterator[dict[str, Any]]:
    """Checked rows of one table; a bad row → KgiError naming the member, row and field."""
    lines = (line for line in _member_lines(zf, table) if line.strip())
    for number, line in enumerate(lines, start=1):
        try:
            row = _decode_row(table, line, trusted=trusted)
        except _BadRow as bad:
            raise KgiError(bad.key, member=member_name(table), row=number, field=bad.field) from None
        if not trusted:
            field = bad_field(table, row)
            if field is not None:
                raise KgiError("backup.out_of_range", member=member_name(table), row=number, field=field)
        yield row


@dataclass
class _Ids:
    """Ids seen while validating, to check references before anything is written."""

    workspace: int = 0
    batches: frozenset[int] = frozenset()


def _validate(zf: zipfile.ZipFile, tables: list[str]) -> _Ids:
    """Every row and every reference of the file, in one streaming pass per table."""
    ws_rows = list(_rows(zf, "workspace"))
    if len(ws_rows) != 1:
        raise KgiError("backup.count_mismatch", member=member_name("workspace"), expected=1, found=len(ws_rows))
    ids = _Ids(workspace=ws_rows[0]["id"])
    for table in tables:
        if table == "workspace":
            continue
        seen = _validate_table(zf, table, ids)
        if table == "import_batch":
            ids.batches = frozenset(seen)
    return ids


# Unique keys besides the id (the database would refuse a second row with the same key).
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "observation": ("source", "metric", "date", "granularity", "dimension"),  # live rows only
    "column_mapping": ("source", "column"),
    "draft": ("key",),
    "kgi": ("workspace_id",),  # one KGI per workspace
}


def _unique_key(table: str, row: dict[str, Any]) -> tuple | None:
    if table not in UNIQUE_KEYS or (table == "observation" and row["superseded_by"] is not None):
        return None
    return tuple(row[name] for name in UNIQUE_KEYS[table])


def _validate_table(zf: zipfile.ZipFile, table: str, ids: _Ids) -> set[int]:
    seen: set[int] = set()
    keys: set[tuple] = set()
    for number, row in enumerate(_rows(zf, table), start=1):
        member = member_name(table)
        if row["id"] in seen:
            raise KgiError("backup.duplicate", member=member, row=number, field="id")
        seen.add(row["id"])
        if row["workspace_id"] != ids.workspace:
            raise KgiError("backup.bad_reference", member=member, row=number, field="workspace_id")
        if table == "observation":
            for name in ("import_id", "superseded_by"):
                if row[name] is not None and row[name] not in ids.batches:
                    raise KgiError("backup.bad_reference", member=member, row=number, field=name)
        key = _unique_key(table, row)
        if key is not None:
            if key in keys:
                raise KgiError("backup.duplicate", member=member, row=number, field=", ".join(UNIQUE_KEYS[table]))
            keys.add(key)
    return seen


# --------------------------------------------------------------------------------------------
# Restoring
# --------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    clean = " ".join(str(name).split())
    if not clean:
        raise KgiError("workspace.name_empty")
    if len(clean) > MAX_NAME_LENGTH:
        raise KgiError("workspace.name_too_long", limit=MAX_NAME_LENGTH)
    return clean


def _name_taken(conn: Connection, name: str) -> bool:
    ws = TABLES["workspace"]
    query = select(ws.c.id).where(func.lower(ws.c.name) == name.lower()).limit(1)
    return conn.execute(query).first() is not None


def _free_name(conn: Connection, name: str) -> str:
    for n in range(2, 1000):
        suffix = f" ({n})"
        candidate = name[: MAX_NAME_LENGTH - len(suffix)] + suffix
        if not _name_taken(conn, candidate):
            return candidate
    return f"{name[:150]} ({datetime.now(UTC):%Y%m%d%H%M%S})"


def suggest_name(engine: Engine, name: str) -> str:
    """``name`` if no workspace has it yet, else the first free "name (2)", "name (3)"..."""
    clean = _clean_name(name)
    with engine.connect() as conn:
        return clean if not _name_taken(conn, clean) else _free_name(conn, clean)


def _insert_rows(conn: Connection, table: str, rows: list[dict[str, Any]], *, returning: bool = False) -> list[int]:
    """Bulk insert (Core ``insert`` with a list of dicts); new ids in row order if asked."""
    if not rows:
        return []
    tbl = TABLES[table]
    if returning:
        stmt = insert(tbl).returning(tbl.c.id, sort_by_parameter_order=True)
        return [int(i) for i in conn.execute(stmt, rows).scalars().all()]
    conn.execute(insert(tbl), rows)
    return []


def _without_id(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    values = {k: v for k, v in row.items() if k != "id"}
    values.update(changes)
    return values


def _begin_write(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        begin_immediate(conn)  # wait (queue) for the write lock now, not mid-restore


def _restore_small(conn: Connection, zf: zipfile.ZipFile, name: str,
                   tables: list[str]) -> tuple[int, dict[int, int]]:
    """The workspace and its small tables; returns the new workspace id and the batch id map.

    A restored workspace is never archived: restoring one is asking to see it.
    """
    ws_row = next(_rows(zf, "workspace"))
    new_ws = _insert_rows(conn, "workspace", [_without_id(ws_row, name=name, archived=False)], returning=True)[0]
    for table in [t for t in ("kgi", "kpi", "column_mapping", "draft", "audit_event") if t in tables]:
        _insert_rows(conn, table, [_without_id(r, workspace_id=new_ws) for r in _rows(zf, table)])
    batches = list(_rows(zf, "import_batch"))
    new_ids = _insert_rows(conn, "import_batch", [_without_id(r, workspace_id=new_ws) for r in batches],
                           returning=True)
    return new_ws, {old["id"]: new for old, new in zip(batches, new_ids, strict=True)}


def _restore_observations(conn: Connection, zf: zipfile.ZipFile, new_ws: int, batch_map: dict[int, int],
                          total: int, on_progress: ProgressFn | None) -> None:
    chunk: list[dict[str, Any]] = []
    done = 0
    for row in _rows(zf, "observation", trusted=True):  # checked by _validate already
        chunk.append(_without_id(
            row, workspace_id=new_ws,
            import_id=None if row["import_id"] is None else batch_map[row["import_id"]],
            superseded_by=None if row["superseded_by"] is None else batch_map[row["superseded_by"]],
        ))
        if len(chunk) >= INSERT_CHUNK:
            _insert_rows(conn, "observation", chunk)
            done += len(chunk)
            chunk = []
            if on_progress:
                on_progress(min(1.0, done / total))
    _insert_rows(conn, "observation", chunk)
    if on_progress:
        on_progress(1.0)


BACKUP_LABEL = "backup.zip"  # how a backup is named in "could not be read safely" messages


def validate_backup(data: bytes) -> dict[str, Any]:
    """The whole file checked (manifest, sizes, checksums, every row and reference): its
    manifest, or a ``KgiError``. ``restore_bytes`` runs this in a limited child process."""
    with _open_zip(data) as zf:
        manifest = _read_manifest(zf)
        _check_checksums(zf, manifest)
        _validate(zf, _tables_in(manifest))
    return manifest


def restore_bytes(engine: Engine, data: bytes, *, new_name: str | None = None,
                  on_progress: ProgressFn | None = None) -> Workspace:
    """Restore a backup file as a NEW workspace and return it.

    Parameters
    ----------
    engine : the database to restore into (any backend; it need not be the one backed up).
    data : the bytes of a file made by ``backup_bytes``.
    new_name : the new workspace's name; default: the name stored in the backup.
    on_progress : called with a fraction in [0, 1] while observations are written.

    Raises
    ------
    KgiError
        ``backup.not_a_backup``, ``backup.newer_format``, ``backup.newer_schema``,
        ``backup.corrupted``, ``backup.count_mismatch``, a row or reference problem, or
        ``backup.name_exists`` (its ``suggestion`` parameter is a free name). The whole file is
        checked before anything is written, and the writes are one transaction: on any error
        the database is unchanged.
    """
    manifest = run_isolated(validate_backup, data, file_name=BACKUP_LABEL)
    with _open_zip(data) as zf:
        tables = _tables_in(manifest)
        name = _clean_name(new_name if new_name is not None else manifest["workspace"]["name"])
        with sqlite_writer(engine.dialect.name), engine.connect() as conn:
            try:
                _begin_write(conn)
                if _name_taken(conn, name):
                    raise KgiError("backup.name_exists", name=name, suggestion=_free_name(conn, name))
                new_ws, batch_map = _restore_small(conn, zf, name, tables)
                _restore_observations(conn, zf, new_ws, batch_map, manifest["tables"]["observation"]["rows"],
                                      on_progress)
                audit.record_conn(conn, new_ws, "restore", name, backup_name=manifest["workspace"]["name"],
                                  backup_created=str(manifest.get("created_at", "")))
                conn.commit()
            except IntegrityError as exc:
                conn.rollback()
                if suggest_name(engine, name) == name:
                    raise
                # another writer took the name between our check and our insert
                raise KgiError("backup.name_exists", name=name, suggestion=suggest_name(engine, name)) from exc
            except BaseException:
                conn.rollback()
                raise
    return _load_workspace(engine, new_ws)


def _load_workspace(engine: Engine, workspace_id: int) -> Workspace:
    with session_scope(engine) as session:
        ws = session.get(Workspace, workspace_id)
        assert ws is not None  # just committed
        return ws
