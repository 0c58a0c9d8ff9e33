"""THE import API: bytes of an export in, tidy long observations out.

:func:`read_file` decodes the bytes, finds the tables, recognises the source and every
column, parses dates and numbers column by column, applies the source's derivations, rejects
bad rows with a reason, and returns one row per (date, metric, dimension). It never touches
the database: storing is ``core.store``'s job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from core.catalog import load_catalog
from core.errors import KgiError
from core.importing import formats
from core.importing.decode import Decoded, decode
from core.importing.hints import unmapped_columns
from core.importing.layouts import parse_long, parse_shopify_orders
from core.importing.parsed import (
    DEFAULT_MAX_BYTES,
    MAX_DETAILED_REJECTIONS,
    ColumnInfo,
    Message,
    ParsedFile,
    RejectedRow,
)
from core.importing.periods import GRANULARITY_CHOICES, settle_granularity
from core.importing.planning import (
    _choose_source,
    _Context,
    _Plan,
    _plan,
    _usable_plans,
)
from core.importing.rows import _combine, checked_values, parse_wide
from core.importing.sources import (
    Source,
    get_source,
    is_template_header,
    source_keys,
)
from core.importing.tables import RawTable, find_tables

# The value types, re-exported: ``from core.importing.reader import ParsedFile`` keeps working.
__all__ = ["DEFAULT_MAX_BYTES", "MAX_DETAILED_REJECTIONS", "ColumnInfo", "Message", "ParsedFile", "RejectedRow",
           "checked_values", "new_context", "plan_tables", "read_file"]


# --- the API ------------------------------------------------------------------------------


def read_file(
    data: bytes | Path,
    file_name: str,
    *,
    source: str = "auto",
    mapping: dict[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    granularity: str = "auto",
) -> ParsedFile:
    """Read one export.

    Parameters
    ----------
    data, file_name
        The file's bytes (or its path) and its name (the name is only used in messages: the kind of
        file is decided from the bytes).
    source
        ``"auto"`` to detect, or a key of ``core/data/sources.toml``.
    mapping
        The user's column choices: column name → metric key, ``""`` to ignore, or
        ``"@date"`` / ``"@dimension"``. They win over every automatic recognition.
    max_bytes
        Size limit; larger files are refused before anything is parsed.
    today
        Dates after it are rejected (default: the machine's date).
    granularity
        ``"auto"`` to infer what each row stands for (a day, a week or a month: see
        ``core.importing.periods``), or the user's choice ``"day"``/``"week"``/``"month"``.

    Raises
    ------
    KgiError
        When the whole file is unusable (empty, binary, encrypted, no date or no metric...).
    """
    if source != "auto" and source not in source_keys():
        raise KgiError("import.source.unknown", source=source, known=", ".join(source_keys()))
    if granularity not in GRANULARITY_CHOICES:
        raise KgiError("import.granularity.unknown", value=granularity, known=", ".join(GRANULARITY_CHOICES))
    mapping = dict(mapping or {})
    _check_mapping(mapping)
    if isinstance(data, Path):
        from core.importing.limits import read_capped

        data = read_capped(data, max_bytes)
    with _collector_paused():
        parsed = _read(data, file_name, source, mapping, max_bytes, today)
    return settle_granularity(parsed, granularity)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is read.

    A 200,000-row workbook becomes 200,000 row lists and 1.6 million cells in one go; the
    collector, triggered by allocation counts, then walks every live container again and
    again (a fifth of calamine's own read time, more in the grid code). Reading builds no
    reference cycles worth collecting, so reference counting frees what it drops as before;
    the few an exception may leave are collected once the collector runs again. The switch
    is process-wide: another thread reading at the same time keeps it off a little longer,
    which costs nothing but that delay. The previous state is restored either way.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(data: bytes, file_name: str, source: str, mapping: dict[str, str], max_bytes: int,
          today: dt.date | None) -> ParsedFile:
    decoded = decode(data, file_name, max_bytes)
    ctx = new_context(decoded, file_name, today, mapping)
    whole = formats.read_whole_file(ctx, decoded, source)
    if whole is not None:
        return _parsed_file(ctx, ctx.source.key, 1.0, _combine(ctx, [whole]))
    chosen, confidence, usable = plan_tables(ctx, decoded, source)
    frames = [_parse(ctx, plan) for plan in usable]
    observations = _combine(ctx, frames)
    return _parsed_file(ctx, chosen, confidence, observations)


def new_context(decoded: Decoded, file_name: str, today: dt.date | None, mapping: dict[str, str]) -> _Context:
    """The reading context of one file: its name, today, the user's mapping, how it decoded."""
    ctx = _Context(file_name=file_name, today=today or dt.date.today(), mapping=mapping)
    if decoded.encoding:
        ctx.meta["encoding"] = decoded.encoding
    if decoded.delimiter:
        ctx.meta["delimiter"] = decoded.delimiter
    return ctx


def plan_tables(ctx: _Context, decoded: Decoded, source: str) -> tuple[str, float, list[_Plan]]:
    """The source chosen (and how sure), and a plan for every usable table of the file."""
    tables = [tb for tb in find_tables(decoded) if tb.headers]
    if not tables:
        raise KgiError("import.file.no_table", file=ctx.file_name)
    formats.drop_cut_row(ctx, decoded, tables)
    chosen, confidence = _choose_source(tables, source)
    ctx.source = get_source(chosen)
    plans = [_plan(ctx, tb) for tb in _template_tables(ctx.source, tables)]
    usable = _usable_plans(ctx, plans)
    ctx.many_sheets = len({p.table.sheet for p in usable if p.table.sheet}) > 1
    return chosen, confidence, usable


def _parsed_file(ctx: _Context, chosen: str, confidence: float, observations: pd.DataFrame) -> ParsedFile:
    if observations.empty and not ctx.rejected:
        raise KgiError("import.file.no_rows", file=ctx.file_name)
    # Order-export readers (Shopify, Shopee, …) choose their own columns (Total, Subtotal,
    # status…) by design: a "looks like a metric" hint there would be a false alarm.
    by_design = ctx.source.layout == "shopify_orders" or formats.reads_rows(ctx.source.layout)
    unmapped = [] if by_design else unmapped_columns(ctx.columns, ctx.mapping)
    for column, metric in unmapped:
        ctx.warn("import.warn.unmapped_metric", column=column, metric_en=load_catalog()[metric].name("en"),
                 metric_zh=load_catalog()[metric].name("zh-TW"))
    return ParsedFile(
        file_name=ctx.file_name,
        source=chosen,
        confidence=round(confidence, 2),
        observations=observations,
        rejected=ctx.rejected,
        columns=ctx.columns,
        currency=ctx.currency,
        meta=ctx.meta,
        warnings=ctx.warnings,
        skipped=ctx.skipped,
        unmapped=unmapped,
    )


def _template_tables(source: Source, tables: list[RawTable]) -> list[RawTable]:
    """Only the tables with the source's exact template header row, when there are any.

    A plan workbook filled in and uploaded whole holds the actuals template on a later sheet;
    its other sheets (KGI, KPIs, monthly targets, help) are the plan itself, not data, so they
    are left out without a warning or a column in the mapping table.
    """
    template = [tb for tb in tables if is_template_header(source, tb.raw_headers)]
    return template or tables


def _check_mapping(mapping: dict[str, str]) -> None:
    catalog = load_catalog()
    for column, target in mapping.items():
        if target and target not in ("@date", "@dimension") and target not in catalog:
            raise KgiError("import.mapping.unknown_metric", column=column, metric=target)


# --- parsing ---------------------------------------------------------------------------------


def _parse(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    """One table's observations, by the parser its source's layout names."""
    row_parser = formats.row_parser(ctx.source.layout)
    if row_parser is not None:
        return row_parser(ctx, plan)
    if ctx.source.layout == "shopify_orders":
        return parse_shopify_orders(ctx, plan)
    if ctx.source.layout == "long":
        return parse_long(ctx, plan)
    return parse_wide(ctx, plan)
