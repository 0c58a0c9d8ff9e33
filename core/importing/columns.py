"""The columns of a file the reader refused as a whole, as far as they can be seen.

The Upload page offers them in its mapping table, so a user can fix exactly what made the
file unreadable (no metric or no date recognised). Each header is recognised the way the
reader would (source columns, catalog synonyms, date and PII names).
"""

from __future__ import annotations

from core.errors import KgiError
from core.importing.decode import decode
from core.importing.parsed import ColumnInfo
from core.importing.sandbox import run_isolated
from core.importing.sources import get_source, norm, resolve_column
from core.importing.tables import find_tables

ROLES = ("metric", "date", "dimension", "ignored", "pii")
FALLBACK_SOURCE = "sheet"


def raw_columns(data: bytes, file_name: str, source: str, max_bytes: int) -> tuple[ColumnInfo, ...]:
    """Every header of every table in ``data``, with its recognised role and a few samples.

    Runs in the limited child process (:mod:`core.importing.sandbox`): it decodes the whole
    file. A file that cannot be decoded at all gives no columns.
    """
    try:
        return run_isolated(_raw_columns, data, file_name, source, max_bytes, file_name=file_name)
    except KgiError:
        return ()


def _raw_columns(data: bytes, file_name: str, source: str, max_bytes: int) -> tuple[ColumnInfo, ...]:
    tables = [tb for tb in find_tables(decode(data, file_name, max_bytes)) if tb.headers]
    spec = get_source(source if source != "auto" else FALLBACK_SOURCE)
    infos: list[ColumnInfo] = []
    for table in tables:
        for index, (name, raw) in enumerate(zip(table.headers, table.raw_headers, strict=True)):
            found = resolve_column(spec, raw)
            role = {"breakdown": "dimension"}.get(found.role, found.role)
            if role not in ROLES or (role == "metric" and not found.metric):
                role = "ignored"
            samples = [] if role == "pii" else [
                str(v) for v in table.data[index].head(50).tolist() if str(v).strip() and str(v) != "nan"
            ][:3]
            infos.append(ColumnInfo(name=name, normalized=norm(raw), metric=found.metric, role=role,
                                    samples=samples, sheet=table.sheet,
                                    note="import.note.unknown" if role == "ignored" else None))
    return tuple(infos)
