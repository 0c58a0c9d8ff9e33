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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import load_catalog, synonym_index
from core.errors import KgiError
from core.i18n import t
from core.importing import formats
from core.importing.decode import Decoded, column_letter, decode
from core.importing.guards import (
    MAX_ABS_VALUE,
    clean_label,
    dates_out_of_range,
    has_control,
    has_email,
    mask_emails,
    value_problems,
)
from core.importing.hints import is_total_label, unmapped_columns
from core.importing.messages import display_params, render
from core.importing.periods import GRANULARITY_CHOICES, settle_granularity, year_context
from core.importing.sources import (
    Resolution,
    Source,
    comparison_kind,
    detect,
    get_source,
    granularity_of_header,
    has_long_columns,
    is_template_header,
    norm,
    registry,
    resolve_column,
    source_keys,
    split_currency,
)
from core.importing.spill import Spill
from core.importing.tables import NeedsWholeRead, RawTable, find_tables
from core.importing.values import (
    NULL_TOKENS,
    PercentMode,
    bare_month,
    decide_decimal,
    index_dates,
    parse_dates,
    parse_numbers,
)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_DETAILED_REJECTIONS = 2_000
MAX_DIMENSION_LENGTH = 300
OBSERVATION_COLUMNS = ["date", "metric", "value", "dimension", "granularity", "source"]


@dataclass
class Message:
    """A warning or note for the user: an i18n key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return t(self.key, lang, **display_params(self.params))


@dataclass
class RejectedRow:
    row: int  # 1-based row number as the user sees it in the file (sheet row / line)
    column: str | None
    key: str  # i18n message key, e.g. "import.row.bad_date"
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return render(self.key, lang, self.row, self.column, self.params)


@dataclass
class ColumnInfo:
    name: str  # as shown to the user (duplicates get ".1")
    normalized: str  # NFKC, lower case, currency code removed
    metric: str | None
    role: str  # "metric" | "date" | "dimension" | "ignored" | "pii"
    samples: list[str] = field(default_factory=list)
    sheet: str | None = None
    note: str | None = None  # i18n key explaining an "ignored" decision


@dataclass
class ParsedFile:
    file_name: str
    source: str
    confidence: float
    observations: pd.DataFrame
    rejected: list[RejectedRow]
    columns: list[ColumnInfo]
    currency: str | None
    meta: dict[str, Any]
    warnings: list[Message]
    # Rows left out on purpose (totals and subtotals), each with its row and why: not errors.
    skipped: list[RejectedRow] = field(default_factory=list)
    # Columns that look like a metric but were not imported: (column, suggested metric key).
    unmapped: list[tuple[str, str]] = field(default_factory=list)
    # A file too large to hold at once: its observations wait on disk, chunk by chunk, and
    # ``observations`` holds only its first rows, for the preview (see ``core.importing.stream``).
    spill: Spill | None = None

    @property
    def granularity(self) -> str | None:
        """``day``/``week``/``month``: how the file's rows were read (see ``periods``)."""
        return self.meta.get("granularity")

    @property
    def metrics(self) -> list[str]:
        if self.spill is not None:
            return list(self.spill.metrics)
        return sorted(self.observations["metric"].unique().tolist()) if len(self.observations) else []

    @property
    def row_count(self) -> int:
        """How many observations the file gives (all of them, also when they wait on disk)."""
        return self.spill.rows if self.spill is not None else len(self.observations)


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


# --- context and plans --------------------------------------------------------------------


@dataclass
class _Context:
    file_name: str
    today: dt.date
    mapping: dict[str, str]
    source: Source = field(default=None)  # type: ignore[assignment]
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_total: int = 0
    skipped: list[RejectedRow] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)
    currency: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    many_sheets: bool = False  # rows of several sheets: a rejected row names its sheet
    # A file read in chunks (``core.importing.stream``): the decisions the first chunk made
    # (percent reading, date order) hold for the rest, and ``stream`` sees every chunk's keys.
    pinned: dict[str, Any] = field(default_factory=dict)
    stream: Any = None

    def warn(self, key: str, **params: Any) -> None:
        self.warnings.append(Message(key, params))

    def reject(self, table: RawTable, positions: np.ndarray, column: str | None, key: str,
               values: pd.Series | None = None, **params: Any) -> None:
        """Record rejected rows (positions into the table's data)."""
        if not len(positions):
            return
        self.rejected_total += len(positions)
        room = MAX_DETAILED_REJECTIONS - len(self.rejected)
        for pos in positions[: max(room, 0)]:
            extra = dict(params)
            if table.sheet and self.many_sheets:
                extra["sheet"] = table.sheet
            if values is not None:
                extra["value"] = _show(values.iloc[pos])
            self.rejected.append(RejectedRow(int(table.row_numbers[pos]), column, key, extra))

    def skip(self, table: RawTable, positions: np.ndarray, labels: list[str]) -> None:
        """Record totals and subtotal rows left out on purpose: shown with why, not errors."""
        room = MAX_DETAILED_REJECTIONS - len(self.skipped)
        for pos, label in list(zip(positions, labels, strict=True))[: max(room, 0)]:
            key = "import.skip.subtotal" if label else "import.skip.total_blank"
            self.skipped.append(RejectedRow(int(table.row_numbers[pos]), None, key, {"value": label}))


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = clean_label(str(value))
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass
class _Column:
    index: int
    name: str
    normalized: str
    role: str
    metric: str | None = None
    via: str = ""
    currency: str | None = None


@dataclass(eq=False)  # compared by identity: a plan holds a DataFrame
class _Plan:
    table: RawTable
    columns: list[_Column]
    date: _Column | None = None
    dimension: _Column | None = None
    breakdowns: list[_Column] = field(default_factory=list)
    metrics: dict[str, _Column] = field(default_factory=dict)  # metric key → column
    rates_dropped: list[_Column] = field(default_factory=list)
    problem: str | None = None  # why the table cannot be used


def _choose_source(tables: list[RawTable], requested: str) -> tuple[str, float]:
    if requested != "auto":
        return requested, 1.0
    sheet_names = tuple(tb.sheet for tb in tables if tb.sheet)
    best = None
    for table in tables:
        found = detect(table.raw_headers, hash_preamble=bool(table.meta.get("hash_preamble")),
                       sheet_names=sheet_names)
        if best is None or (found.source != "sheet", found.hits, found.confidence) > (
            best.source != "sheet", best.hits, best.confidence
        ):
            best = found
    assert best is not None
    return best.source, best.confidence


def _plan(ctx: _Context, table: RawTable) -> _Plan:
    source = ctx.source
    columns: list[_Column] = []
    for i, (name, raw) in enumerate(zip(table.headers, table.raw_headers, strict=True)):
        base, currency = split_currency(raw)
        resolution = _resolve(ctx, source, name, raw)
        if raw != raw.rstrip() and raw.rstrip() in table.raw_headers and resolution.role == "metric":
            # Shopify comparison exports: the trailing-space twin holds the % change.
            resolution = Resolution("ignored", via="change_column")
        kind, stripped = comparison_kind(base)
        normalized = stripped if kind == "current" else base
        columns.append(_Column(i, name, normalized, resolution.role, resolution.metric, resolution.via, currency))
        if currency and resolution.role == "metric":
            ctx.currency = ctx.currency or currency
    plan = _Plan(table=table, columns=columns)
    _choose_date(ctx, plan)
    _choose_dimensions(plan)
    _choose_metrics(ctx, plan)
    return plan


def _resolve(ctx: _Context, source: Source, name: str, raw: str) -> Resolution:
    for key in (name, raw, raw.strip(), norm(raw)):
        if key in ctx.mapping:
            target = ctx.mapping[key]
            if target == "":
                return Resolution("ignored", via="mapping")
            if target == "@date":
                return Resolution("date", via="mapping")
            if target == "@dimension":
                return Resolution("dimension", via="mapping")
            return Resolution("metric", target, "mapping")
    return resolve_column(source, raw)


def _choose_date(ctx: _Context, plan: _Plan) -> None:
    candidates = [c for c in plan.columns if c.role == "date"]
    if not candidates and ctx.source.layout != "shopify_orders" and not formats.reads_rows(ctx.source.layout):
        candidates = _sniff_date_columns(plan)
    if not candidates:
        return
    order = list(ctx.source.date_columns)

    def rank(col: _Column) -> tuple[int, int]:
        if col.via == "mapping":
            return (-1, col.index)
        return (order.index(col.normalized) if col.normalized in order else len(order), col.index)

    candidates.sort(key=rank)
    plan.date = candidates[0]
    for other in candidates[1:]:
        other.role = "ignored"
        other.via = "second_date"


def _sniff_date_columns(plan: _Plan) -> list[_Column]:
    """Hand-kept sheets: a column whose values mostly read as dates is the date column."""
    found = []
    for col in plan.columns:
        if col.role != "ignored" or col.via not in ("unknown",):
            continue
        sample = plan.table.data[col.index].head(60)
        sample = sample[sample.map(lambda v: str(v).strip() != "" and not is_total_label(v))]
        if len(sample) < 1:
            continue
        result = parse_dates(sample.astype(object), serials=False, year=year_context(plan.table))
        share = result.dates.notna().sum() / len(sample)
        if share >= 0.8:
            col.role, col.via = "date", "sniffed"
            found.append(col)
    return found


def _choose_dimensions(plan: _Plan) -> None:
    dims = [c for c in plan.columns if c.role == "dimension"]
    if dims:
        mapped = [c for c in dims if c.via == "mapping"]
        plan.dimension = mapped[0] if mapped else dims[0]
        for other in dims:
            if other is not plan.dimension:
                other.role = "breakdown"
    plan.breakdowns = [c for c in plan.columns if c.role == "breakdown"]


def _choose_metrics(ctx: _Context, plan: _Plan) -> None:
    """One column per metric (earlier source entries win), rates with parts dropped."""
    catalog = load_catalog()
    source_order = list(ctx.source.columns)

    def priority(col: _Column) -> tuple[int, int, int]:
        if col.via == "mapping":
            return (0, 0, col.index)
        if col.via == "source":
            return (1, source_order.index(col.normalized), col.index)
        return (2, 0, col.index)

    metric_cols = sorted((c for c in plan.columns if c.role == "metric"), key=priority)
    for col in metric_cols:
        if col.metric not in catalog:
            col.role, col.via = "ignored", "unknown_metric"
            continue
        if col.metric in plan.metrics:
            first = plan.metrics[col.metric]
            col.role, col.via = "ignored", "duplicate_metric"
            ctx.warn("import.warn.duplicate_metric", column=col.name, kept=first.name,
                     metric=catalog[col.metric].name("en"), metric_zh=catalog[col.metric].name("zh-TW"))
            continue
        plan.metrics[col.metric] = col
    for key, col in list(plan.metrics.items()):
        metric = catalog[key]
        if metric.aggregation != "ratio":
            continue
        parts_present = metric.numerator in plan.metrics and metric.denominator in plan.metrics
        derives = any(d.kind == "product" and key in d.factors for d in ctx.source.derive)
        derived_target = any(
            d.kind == "product" and key in d.factors and d.metric not in plan.metrics for d in ctx.source.derive
        )
        if parts_present or (derives and not derived_target):
            col.role, col.via = "ignored", "rate_from_parts"
            plan.rates_dropped.append(col)
            del plan.metrics[key]
        elif derives:
            continue  # kept only as a factor of a derivation, never stored (see _derive)
        elif not ctx.source.store_rates and col.via != "mapping":
            col.role, col.via = "ignored", "rate_without_parts"
            del plan.metrics[key]


def _usable_plans(ctx: _Context, plans: list[_Plan]) -> list[_Plan]:
    """Tables that have a date and a metric; the best error when none has."""
    usable = []
    preferred = ctx.source.sheets
    for plan in plans:
        has_rows = len(plan.table.data) > 0
        if ctx.source.layout == "long":
            has_metric = has_long_columns(ctx.source, plan.table.raw_headers)
        else:
            has_metric = bool(plan.metrics) or ctx.source.layout == "shopify_orders" or formats.reads_rows(
                ctx.source.layout)
        if plan.date is None:
            plan.problem = "no_date"
        elif not has_metric:
            plan.problem = "no_metric"
        elif not has_rows:
            plan.problem = "no_rows"
        else:
            usable.append(plan)
    if preferred and len(usable) > 1:
        ranked = [p for p in usable if p.table.sheet and norm(p.table.sheet) in preferred]
        usable = ranked or usable
    for plan in plans:
        ctx.columns.extend(_column_infos(plan))
        if not any(plan is p for p in usable) and plan.table.sheet and len(plans) > 1:
            ctx.warn("import.warn.sheet_skipped", sheet=plan.table.sheet,
                     reason_en=t(f"import.reason.{plan.problem or 'duplicate'}", "en"),
                     reason_zh=t(f"import.reason.{plan.problem or 'duplicate'}", "zh-TW"))
    if usable:
        _merge_meta(ctx, usable)
        return usable
    raise _best_error(ctx, plans)


def _merge_meta(ctx: _Context, plans: list[_Plan]) -> None:
    for plan in plans:
        for key, value in plan.table.meta.items():
            if key == "hash_preamble":
                continue
            ctx.meta.setdefault(key, value.isoformat() if isinstance(value, dt.date) else value)
    sheets = [p.table.sheet for p in plans if p.table.sheet]
    if sheets:
        ctx.meta["sheets"] = sheets
    ctx.meta["tables"] = len(plans)
    # What the rows are broken down by: told apart from another file's breakdown of the same
    # total when stored (sessions by channel, then by device, are not two parts of sessions).
    kinds = sorted({p.dimension.normalized for p in plans if p.dimension is not None})
    if kinds:
        ctx.meta["dimension_kind"] = " + ".join(kinds)[:300]


def _best_error(ctx: _Context, plans: list[_Plan]) -> KgiError:
    seen = ", ".join(dict.fromkeys(c.name for p in plans for c in p.columns))
    label_en, label_zh = ctx.source.label("en"), ctx.source.label("zh-TW")
    hint_en, hint_zh = t(ctx.source.hint, "en"), t(ctx.source.hint, "zh-TW")
    with_metrics = [p for p in plans if p.metrics]
    if with_metrics and all(p.problem == "no_rows" for p in with_metrics):
        return KgiError("import.file.no_rows", file=ctx.file_name)
    if with_metrics and any(p.problem == "no_date" for p in with_metrics):
        if ctx.source.key in ("sheet", "kgi_template"):
            return KgiError("import.file.no_date", file=ctx.file_name, columns=_clip(seen))
        return KgiError("import.file.no_date_source", file=ctx.file_name, source_en=label_en,
                        source_zh=label_zh, hint_en=hint_en, hint_zh=hint_zh)
    if all(len(p.table.data) == 0 for p in plans):
        return KgiError("import.file.no_rows", file=ctx.file_name)
    return KgiError("import.file.no_metric", file=ctx.file_name, columns=_clip(seen))


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_NOTES = {
    "rate_from_parts": "import.note.rate_from_parts",
    "rate_without_parts": "import.note.rate_without_parts",
    "comparison": "import.note.comparison",
    "change_column": "import.note.comparison",
    "duplicate_metric": "import.note.duplicate_metric",
    "second_date": "import.note.second_date",
    "pii": "import.note.pii",
    "unknown": "import.note.unknown",
    "source": "import.note.not_imported",
    "mapping": "import.note.mapped_out",
}


def _note(col: _Column) -> str | None:
    if col.via == "source" and col.metric and load_catalog()[col.metric].aggregation == "ratio":
        return _NOTES["rate_from_parts"]
    return _NOTES.get(col.via)


def _column_infos(plan: _Plan) -> list[ColumnInfo]:
    infos = []
    for col in plan.columns:
        role = "dimension" if col.role == "breakdown" else col.role
        if role == "metric" and col.metric not in plan.metrics:
            role = "ignored"
        samples: list[str] = []
        if role != "pii":
            values = plan.table.data[col.index].head(50)
            samples = [_show(v) for v in values if _show(v).strip()][:3]
        infos.append(ColumnInfo(
            name=col.name, normalized=col.normalized,
            metric=col.metric if role in ("metric", "ignored") and col.role != "pii" else None,
            role=role, samples=samples, sheet=plan.table.sheet, note=_note(col),
        ))
    return infos


# --- parsing one table --------------------------------------------------------------------


_TOTALS_PREFIX = re.compile(r"^total\s*:", re.IGNORECASE)


def _parse(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    row_parser = formats.row_parser(ctx.source.layout)
    if row_parser is not None:
        return row_parser(ctx, plan)
    if ctx.source.layout == "shopify_orders":
        from core.importing.layouts import parse_shopify_orders

        return parse_shopify_orders(ctx, plan)
    if ctx.source.layout == "long":
        from core.importing.layouts import parse_long

        return parse_long(ctx, plan)
    return parse_wide(ctx, plan)


def drop_totals(ctx: _Context, plan: _Plan) -> np.ndarray:
    """Rows kept after dropping totals and placeholder rows (checklist items 11, 12)."""
    table = plan.table
    n = len(table.data)
    key_cols = [c.index for c in (plan.date, plan.dimension) if c is not None] or [0]
    totals = set(registry().totals)

    def is_total(v: object) -> bool:
        return _is_total_label(v, totals)

    total_rows = np.zeros(n, dtype=bool)
    for index in dict.fromkeys([0, *key_cols]):
        total_rows |= map_distinct(*table.distinct(index), is_total)
    total_rows |= map_unique(table.extra, is_total)
    placeholder = map_distinct(*table.distinct(0), lambda v: isinstance(v, str) and norm(v) in _PLACEHOLDERS)
    blank_keys = np.ones(n, dtype=bool)
    for index in key_cols:
        blank_keys &= map_distinct(*table.distinct(index), _blank)
    if plan.dimension is not None or ctx.source.key != "sheet":
        total_rows |= blank_keys & (plan.dimension is not None)
    dropped = total_rows | placeholder
    if total_rows.any():
        ctx.warn("import.warn.totals_dropped", count=int(total_rows.sum()), sheet=table.sheet or "")
        positions = np.flatnonzero(total_rows)
        ctx.skip(table, positions, _total_labels(table, positions, key_cols))
    if placeholder.any():
        ctx.warn("import.warn.no_data_rows", count=int(placeholder.sum()))
    return ~dropped


_PLACEHOLDERS = frozenset({"no data available.", "no data available", "沒有可用的資料。", "沒有資料"})


def map_unique(column: pd.Series, fn: Any) -> np.ndarray:
    """``fn`` applied once per distinct cell value (a 200,000-row column has few)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return map_distinct(np.asarray(codes), np.asarray(uniques, dtype=object), fn)


def map_distinct(codes: np.ndarray, uniques: np.ndarray, fn: Any) -> np.ndarray:
    """``fn`` of each row's cell from a factorized column (code -1: a missing cell)."""
    if not len(uniques):
        return np.array([bool(fn(None))] * len(codes), dtype=bool)
    mapped = np.array([bool(fn(u)) for u in uniques], dtype=bool)
    out = mapped[np.where(codes < 0, 0, codes)]
    if (codes < 0).any():
        out[codes < 0] = bool(fn(None))
    return out


def _is_total_label(value: object, totals: set[str]) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    text = norm(value)
    return text in totals or bool(_TOTALS_PREFIX.match(text)) or is_total_label(value)


def _total_labels(table: RawTable, positions: np.ndarray, key_cols: list[int]) -> list[str]:
    """The label of each skipped totals row (its first totals-like cell, else blank)."""
    columns = [table.data[i] for i in dict.fromkeys([0, *key_cols])]
    labels = []
    for pos in positions:
        cells = [c.iloc[pos] for c in columns]
        label = next((str(v).strip() for v in cells if is_total_label(v)), "")
        if not label:
            label = next((str(v).strip() for v in table.extra.iloc[pos:pos + 1] if str(v).strip()), "")
        labels.append(_show(label))
    return labels


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and value.strip().lower() in ("", "(blank)")
    )


def parse_wide(ctx: _Context, plan: _Plan) -> pd.DataFrame:
    table = plan.table
    keep = drop_totals(ctx, plan)
    ok = keep.copy()
    ragged = keep & table.extra.ne("").to_numpy(dtype=bool)
    if ragged.any():
        ctx.reject(table, np.flatnonzero(ragged), None, "import.row.ragged", table.extra)
        ok &= ~ragged
    dates, granularity = parse_date_column(ctx, plan, ok)
    ok &= dates.notna().to_numpy()
    values = parse_metric_columns(ctx, plan, ok)
    dimension = dimension_values(plan, ctx)
    _warn_rates(ctx, plan)
    frame = pd.DataFrame({"date": dates, "dimension": dimension})
    for key, series in values.items():
        frame[key] = series
    derive(ctx, plan, frame)
    frame = frame[ok]
    frame = collapse_duplicates(ctx, plan, frame)
    return melt(frame, granularity, ctx.source.key)


def parse_date_column(ctx: _Context, plan: _Plan, ok: np.ndarray) -> tuple[pd.Series, str]:
    """Dates of every row (NaT where rejected); rejections recorded on ``ctx``."""
    table, col = plan.table, plan.date
    assert col is not None
    raw = table.data[col.index]
    granularity = granularity_of_header(col.normalized) or "day"
    if col.normalized.startswith("nth "):
        start = table.meta.get("start")
        if not start:
            ctx.reject(table, np.flatnonzero(ok), col.name, "import.row.no_start_date")
            return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]"), granularity
        unit = "week" if "week" in col.normalized else "month" if "month" in col.normalized else "day"
        dates = index_dates(raw, start, unit).astype("datetime64[ns]")
        bad = ok & dates.isna().to_numpy()
        ctx.reject(table, np.flatnonzero(bad), col.name, "import.row.bad_date", raw)
        return dates.where(~pd.Series(bad, index=raw.index)), unit
    pinned = ctx.pinned.get("date_format") if ctx.stream is not None else None
    result = parse_dates(raw, prefer=pinned or ctx.source.date_format, serials=table.workbook,
                         distinct=table.distinct(col.index), year=year_context(table))
    if ctx.stream is not None and result.format:
        if pinned and result.format != pinned:
            raise NeedsWholeRead  # this chunk's dates read in another order than the first's
        ctx.pinned["date_format"] = result.format
    if result.granularity != "day" and granularity == "day":
        granularity = result.granularity
    if result.assumed_order:
        ctx.warn("import.warn.date_order_assumed", column=col.name)
    dates = result.dates.copy()
    missing = ok & result.missing.to_numpy()
    bad = ok & result.bad.to_numpy()
    mixed = ok & result.mixed.to_numpy()
    ctx.reject(table, np.flatnonzero(missing), col.name, "import.row.missing_date")
    no_year = np.zeros(len(raw), dtype=bool)
    if bad.any():  # only rejected cells are looked at again (a map over every row costs)
        where = np.flatnonzero(bad)
        no_year[where] = [isinstance(v, str) and bare_month(v) is not None for v in raw.iloc[where]]
    ctx.reject(table, np.flatnonzero(no_year), col.name, "import.row.month_no_year", raw)
    ctx.reject(table, np.flatnonzero(bad & ~no_year), col.name, "import.row.bad_date", raw)
    ctx.reject(table, np.flatnonzero(mixed), col.name, "import.row.mixed_date", raw,
               expected=_format_label(result.format))
    # A formula without a cached value reads as an empty cell: only empty cells can be one.
    uncached = _uncached_rows(table, col.index, result.missing.to_numpy())
    if uncached.any():
        ctx.reject(table, np.flatnonzero(uncached & ok), col.name, "import.row.formula_no_value",
                   cell=f"{column_letter(col.index)}")
    future = ok & (dates > pd.Timestamp(ctx.today)).to_numpy()
    ctx.reject(table, np.flatnonzero(future), col.name, "import.row.future_date", raw,
               today=ctx.today.isoformat())
    future |= _reject_out_of_range(ctx, table, col, dates, ok & ~future, raw)
    granularity = _check_range_end(ctx, plan, dates, ok, granularity)
    invalid = missing | bad | mixed | future | uncached
    dates[invalid] = pd.NaT
    return dates, granularity


def _reject_out_of_range(ctx: _Context, table: RawTable, col: _Column, dates: pd.Series, ok: np.ndarray,
                         raw: pd.Series) -> np.ndarray:
    """Rows dated before 1990 or after 2100 (ROC year 0 is 1911): rejected, not stored."""
    outside = ok & dates_out_of_range(dates)
    ctx.reject(table, np.flatnonzero(outside), col.name, "import.row.date_out_of_range", raw)
    return outside


def _uncached_rows(table: RawTable, column: int, empty: np.ndarray) -> np.ndarray:
    """Rows whose cell in ``column`` is a formula without a cached value.

    calamine gives such a cell as empty, so only ``empty`` cells can be one; a column without
    empty cells never pays for the sheet's formula scan (see ``RawTable.uncached``).
    """
    none = np.zeros(len(table.data), dtype=bool)
    if not table.workbook or not empty.any() or not table.uncached:
        return none
    rows = {r for r, c in table.uncached if c == column}
    return (np.isin(table.row_numbers, list(rows)) & empty) if rows else none


def _format_label(fmt: str | None) -> str:
    labels = {
        "yyyymmdd": "YYYYMMDD", "iso": "YYYY-MM-DD", "ymd_slash": "YYYY/M/D", "roc": "113/01/31",
        "roc_compact": "1130131", "cjk": "2024年1月31日", "roc_cjk": "113年1月31日", "mdy": "M/D/YYYY",
        "dmy": "D/M/YYYY", "mon_d_y": "Jan 31, 2024", "d_mon_y": "31 Jan 2024", "year_month": "YYYY-MM",
        "cjk_month": "2024年1月", "roc_month": "113/01", "roc_cjk_month": "113年1月", "mon_y": "Jan 2024",
        "y_mon": "2024 Jan",
    }
    return labels.get(fmt or "", fmt or "?")


def _check_range_end(ctx: _Context, plan: _Plan, dates: pd.Series, ok: np.ndarray, granularity: str) -> str:
    """Meta without a Day breakdown: ``Reporting starts``/``ends`` span the whole range."""
    col = plan.date
    assert col is not None
    end_name = ctx.source.range_end.get(col.normalized)
    if not end_name:
        return granularity
    end_col = next((c for c in plan.columns if c.normalized == end_name), None)
    if end_col is None:
        return granularity
    ends = parse_dates(plan.table.data[end_col.index].astype(object)).dates
    spans = (ends - dates).dt.days
    valid = ok & dates.notna().to_numpy() & ends.notna().to_numpy()
    if not valid.any() or (spans[valid] == 0).all():
        return granularity
    month_start = dates[valid].dt.is_month_start.all()
    month_end = ends[valid].dt.is_month_end.all()
    same_month = (dates[valid].dt.to_period("M") == ends[valid].dt.to_period("M")).all()
    if month_start and month_end and same_month:
        return "month"
    raise KgiError("import.file.not_daily", file=ctx.file_name, source_en=ctx.source.label("en"),
                   source_zh=ctx.source.label("zh-TW"), hint_en=t(ctx.source.hint, "en"),
                   hint_zh=t(ctx.source.hint, "zh-TW"))


def _percent_mode(ctx: _Context, plan: _Plan, col: _Column) -> PercentMode | None:
    metric = load_catalog()[col.metric or ""]
    if metric.unit != "percent":
        return None
    mode = ctx.source.percent_xlsx if plan.table.workbook else ctx.source.percent_csv
    if mode != "auto":
        return mode  # type: ignore[return-value]
    raw = plan.table.data[col.index]
    text = raw[raw.map(lambda v: isinstance(v, str))].astype(str)
    if text.str.strip().str.endswith("%").any():
        chosen: PercentMode = "percent_string"
    else:
        numbers = parse_numbers(raw).values.dropna()
        chosen = "fraction" if (numbers.abs() <= 1).all() else "percent_units"
    pin = f"percent:{col.index}"
    if ctx.stream is not None and pin in ctx.pinned:
        if chosen != ctx.pinned[pin] and len(raw):
            raise NeedsWholeRead  # this chunk reads its percentages unlike the first chunk
        return ctx.pinned[pin]
    ctx.warn("import.warn.percent_mode", column=col.name, mode_en=t(f"import.percent.{chosen}", "en"),
             mode_zh=t(f"import.percent.{chosen}", "zh-TW"))
    ctx.pinned[pin] = chosen
    return chosen


def file_decimal(plan: _Plan, columns: list[_Column]) -> str:
    samples = [plan.table.data[c.index] for c in columns]
    if not samples:
        return "."
    # Workbook number columns hold no text at all: one C type scan says so (no per-cell call).
    heads = [h for h in (s.head(2000) for s in samples) if _may_hold_text(h)]
    if not heads:
        return "."
    text = pd.concat([h[h.map(lambda v: isinstance(v, str))] for h in heads])
    return decide_decimal(text.astype(str)) if len(text) else "."


def _may_hold_text(cells: pd.Series) -> bool:
    """False when a C type scan shows the cells are numbers, dates or missing, never text."""
    return cells.dtype != object or pd.api.types.infer_dtype(cells, skipna=True) not in (
        "floating", "integer", "mixed-integer-float", "empty", "date", "datetime", "boolean",
    )


def parse_metric_columns(ctx: _Context, plan: _Plan, ok: np.ndarray) -> dict[str, pd.Series]:
    """Every metric column as floats; bad, negative and uncached cells reject their row."""
    table = plan.table
    allow_negative = registry().allow_negative
    decimal = ctx.meta.setdefault("decimal", file_decimal(plan, list(plan.metrics.values())))
    out: dict[str, pd.Series] = {}
    for key, col in plan.metrics.items():
        raw = table.data[col.index]
        result = parse_numbers(raw, decimal=decimal, percent=_percent_mode(ctx, plan, col))
        if result.currency:
            ctx.currency = ctx.currency or result.currency
        for wrong, reason in value_problems(raw, result.values, result.bad):
            wrong &= ok
            ctx.reject(table, np.flatnonzero(wrong), col.name, reason, raw)
            ok &= ~wrong
        bad = ok & result.bad.to_numpy()
        ctx.reject(table, np.flatnonzero(bad), col.name, "import.row.not_a_number", raw)
        ok &= ~bad
        if key not in allow_negative:
            negative = ok & (result.values < 0).to_numpy()
            ctx.reject(table, np.flatnonzero(negative), col.name, "import.row.negative", raw)
            ok &= ~negative
        empty = result.values.isna().to_numpy() & ~result.bad.to_numpy()
        uncached = ok & _uncached_rows(table, col.index, empty)
        ctx.reject(table, np.flatnonzero(uncached), col.name, "import.row.formula_no_value",
                   cell=column_letter(col.index))
        ok &= ~uncached
        out[key] = result.values
    for column in _currency_columns(plan):
        values = plan.table.data[column.index].map(lambda v: str(v).strip().upper())
        codes = values[values.str.fullmatch(r"[A-Z]{3}")]
        if len(codes):
            ctx.currency = ctx.currency or codes.mode().iloc[0]
    return out


def _currency_columns(plan: _Plan) -> list[_Column]:
    names = set(registry().currency_columns)
    return [c for c in plan.columns if c.normalized in names]


def _safe_labels(ctx: _Context | None, column: str, texts: list[str]) -> list[str]:
    """Labels without control characters and without e-mail addresses, said so."""
    control = [i for i, text in enumerate(texts) if has_control(text)]
    for i in control:
        texts[i] = clean_label(texts[i]).strip()
    emails = [i for i, text in enumerate(texts) if has_email(text)]
    for i in emails:
        texts[i] = mask_emails(texts[i])
    if ctx is not None and control:
        ctx.warn("import.warn.control_removed", column=column, count=len(control))
    if ctx is not None and emails:
        ctx.warn("import.warn.emails_masked", column=column, count=len(emails))
    return texts


def dimension_values(plan: _Plan, ctx: _Context | None = None) -> pd.Series:
    """The dimension label of every row, categorical: a few hundred campaigns over 200,000
    rows, so duplicates, grouping and the melt work on their codes, not on the strings."""
    n = len(plan.table.data)
    if plan.dimension is None:
        return pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int64), [""]))
    raw = plan.table.data[plan.dimension.index]
    codes, uniques = plan.table.distinct(plan.dimension.index)
    texts = _safe_labels(ctx, plan.dimension.name,
                         [("" if _blank(u) else str(u).strip()) for u in uniques])
    texts = [text[:MAX_DIMENSION_LENGTH] for text in texts] + [""]
    # Cells that differ only in spaces or beyond the length limit share one label.
    relabel, labels = pd.factorize(np.array(texts, dtype=object))
    row_codes = relabel[np.where(codes < 0, len(uniques), codes)]
    categories = pd.Index(np.asarray(labels, dtype=object), dtype=object)
    return pd.Series(pd.Categorical.from_codes(row_codes, categories), index=raw.index)


def _warn_rates(ctx: _Context, plan: _Plan) -> None:
    if plan.rates_dropped:
        ctx.warn("import.warn.rates_recomputed", columns=", ".join(c.name for c in plan.rates_dropped))


def derive(ctx: _Context, plan: _Plan, frame: pd.DataFrame) -> None:
    """Per-source derivations declared in ``sources.toml`` (organic sessions, ROAS × spend...)."""
    catalog = load_catalog()
    for rule in ctx.source.derive:
        if rule.kind == "filter" and rule.source_metric in frame and plan.dimension is not None:
            if plan.dimension.normalized in rule.dimension_from:
                hit = frame["dimension"].map(norm).isin(rule.dimension_values)
                frame[rule.metric] = frame[rule.source_metric].where(hit)
        elif rule.kind == "product" and rule.metric not in frame and all(f in frame for f in rule.factors):
            product = frame[rule.factors[0]].copy()
            for factor in rule.factors[1:]:
                product = product * frame[factor]
            frame[rule.metric] = product
            ctx.warn("import.warn.derived", metric_en=catalog[rule.metric].name("en"),
                     metric_zh=catalog[rule.metric].name("zh-TW"),
                     formula=" × ".join(catalog[f].name("en") for f in rule.factors))
        elif rule.kind == "sum":
            cols = [c for c in plan.columns if c.normalized in rule.columns]
            if cols and rule.metric not in frame:
                total = pd.Series(0.0, index=frame.index)
                for col in cols:
                    total = total + parse_numbers(plan.table.data[col.index]).values.fillna(0.0)
                frame[rule.metric] = total
        elif rule.kind == "count_rows" and rule.metric not in frame:
            frame[rule.metric] = 1.0
    for rule in ctx.source.derive:
        if rule.kind == "product":
            for factor in rule.factors:
                if catalog[factor].aggregation == "ratio" and factor in frame:
                    del frame[factor]


def collapse_duplicates(ctx: _Context, plan: _Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (date, dimension): later duplicates rejected, or summed (per source)."""
    keys = ["date", "dimension"]
    summing = ctx.source.duplicates == "sum" or bool(plan.breakdowns)
    if ctx.stream is not None:  # rows whose key an earlier chunk of the file already had
        frame = ctx.stream.earlier_keys(ctx, plan, frame, summing)
    dup = frame.duplicated(keys, keep="first")
    if not dup.any():
        return frame
    if not summing:
        first_rows = _first_row_of(frame, keys, plan.table.row_numbers)
        for pos in np.flatnonzero(dup.to_numpy()):
            label = frame.index[pos]
            ctx.reject(plan.table, np.array([label]), plan.date.name if plan.date else None,
                       "import.row.duplicate", first=int(first_rows[pos]))
        return frame[~dup]
    if plan.breakdowns:
        ctx.warn("import.warn.breakdown_summed", columns=", ".join(c.name for c in plan.breakdowns))
    return _sum_groups(frame, keys)


def _first_row_of(frame: pd.DataFrame, keys: list[str], row_numbers: np.ndarray) -> np.ndarray:
    first_label = frame.reset_index().groupby(keys, dropna=False)["index"].transform("first")
    return row_numbers[first_label.to_numpy()]


def _sum_groups(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum additive metrics; weighted means by their weight; stocks take the last value."""
    catalog = load_catalog()
    metrics = [c for c in frame.columns if c not in keys]
    work = frame.copy()
    weighted = {}
    for key in metrics:
        m = catalog[key]
        if m.aggregation == "weighted_mean" and m.weight in work:
            weighted[key] = m.weight
            work[f"__w_{key}"] = work[key] * work[m.weight]
    agg = {k: ("last" if catalog[k].aggregation == "last" else "sum") for k in metrics}
    agg |= {f"__w_{k}": "sum" for k in weighted}
    grouped = work.groupby(keys, sort=False, dropna=False).agg(
        {k: v for k, v in agg.items()}
    )
    for key, weight in weighted.items():
        grouped[key] = grouped[f"__w_{key}"] / grouped[weight].where(grouped[weight] != 0)
        grouped = grouped.drop(columns=f"__w_{key}")
    # A metric that was NaN in every row of a group stays missing, not 0.
    counts = frame.groupby(keys, sort=False, dropna=False)[metrics].count()
    grouped[metrics] = grouped[metrics].where(counts[metrics] > 0)
    return grouped.reset_index()


def melt(frame: pd.DataFrame, granularity: str, source: str) -> pd.DataFrame:
    """Wide ``date, dimension, <metric>...`` → one row per (metric, date, dimension) value.

    Same rows and order as ``DataFrame.melt`` followed by dropping empty values, built from
    numpy positions: the text columns are made by arrow from their few distinct values,
    never as 1.2 million Python strings for a 200,000-row export. A categorical
    ``dimension`` (see :func:`dimension_values`) lends its codes directly.
    """
    metrics = [c for c in frame.columns if c not in ("date", "dimension")]
    if frame.empty or not metrics:
        return _empty_observations()
    n = len(frame)
    values = np.concatenate([frame[m].to_numpy(dtype="float64", na_value=np.nan) for m in metrics])
    dim_codes, dim_labels = _codes_of(frame["dimension"])
    dates = frame["date"].to_numpy(dtype="datetime64[ns]")
    empty = np.isnan(values)
    if empty.any():
        keep = np.flatnonzero(~empty)
        rows = keep % n
        metric = _text_take(metrics, keep // n)
        values, dates, dim_codes = values[keep], dates[rows], dim_codes[rows]
    else:  # every cell filled (the usual export): whole blocks, no index arithmetic
        metric = _text_blocks(metrics, n)
        dates, dim_codes = np.tile(dates, len(metrics)), np.tile(dim_codes, len(metrics))
    size = len(values)
    return pd.DataFrame({
        "date": dates,
        "metric": metric,
        "value": values,
        "dimension": _text_take(dim_labels, dim_codes),
        "granularity": _text_blocks([granularity], size),
        "source": _text_blocks([source], size),
    })


def _codes_of(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their labels for a text column (missing cells read as ``""``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        labels = [str(c) for c in column.cat.categories]
        if (codes < 0).any():
            codes = np.where(codes < 0, len(labels), codes)
            labels.append("")
        return codes, labels
    codes, uniques = pd.factorize(column.fillna(""), use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _text_take(labels: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``labels[codes]`` as a pandas ``str`` array, built by arrow without a Python object per row."""
    import pyarrow as pa

    taken = pa.array(labels, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.array(taken, dtype="str")


def _text_blocks(labels: list[str], n: int) -> pd.api.extensions.ExtensionArray:
    """Each label repeated ``n`` times, one after the other, as a pandas ``str`` array.

    Laid out directly in arrow's buffers (equal-length offsets, the bytes repeated): no
    gather at all, which is what a constant column or a fully filled metric block needs.
    """
    import pyarrow as pa

    encoded = [label.encode("utf-8") for label in labels]
    # One offsets array filled in place: these columns are 1.2 million rows long, and every
    # temporary copy is fresh memory the process has to fault in.
    offsets = np.empty(len(labels) * n + 1, dtype=np.int64)
    offsets[0] = 0
    steps = np.arange(1, n + 1, dtype=np.int64)
    start = 0
    for i, text in enumerate(encoded):
        block = offsets[1 + i * n : 1 + (i + 1) * n]
        np.multiply(steps, len(text), out=block)
        block += start
        start += len(text) * n
    data = encoded[0] * n if len(encoded) == 1 else b"".join(text * n for text in encoded)
    array = pa.LargeStringArray.from_buffers(len(labels) * n, pa.py_buffer(offsets), pa.py_buffer(data))
    return pd.array(array, dtype="str")


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series(dtype="datetime64[ns]"), "metric": pd.Series(dtype=object),
        "value": pd.Series(dtype="float64"), "dimension": pd.Series(dtype=object),
        "granularity": pd.Series(dtype=object), "source": pd.Series(dtype=object),
    })


def _combine(ctx: _Context, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """All tables together, one row per key; a key given by two tables keeps the first."""
    if ctx.rejected_total > len(ctx.rejected):
        ctx.warn("import.warn.more_rejected", shown=len(ctx.rejected), total=ctx.rejected_total)
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_observations()
    combined = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(frames) > 1:
        keys = ["date", "metric", "dimension", "granularity", "source"]
        dup = combined.duplicated(keys, keep="first")
        if dup.any():
            ctx.warn("import.warn.overlapping_tables", count=int(dup.sum()))
            combined = combined[~dup]
    return checked_values(ctx, combined)


def checked_values(ctx: _Context, combined: pd.DataFrame) -> pd.DataFrame:
    """Observations with their column types settled and unreal values left out (said so)."""
    if combined.empty:
        return _empty_observations()
    combined = combined.assign(
        date=combined["date"].astype("datetime64[ns]"), value=combined["value"].astype("float64")
    )
    # Every layout's values, once more: a non-finite or absurd value is left out, said so.
    unreal = ~(combined["value"].abs() < MAX_ABS_VALUE) & combined["value"].notna()
    if unreal.any():
        ctx.warn("import.warn.values_dropped", count=int(unreal.sum()))
        combined = combined[~unreal]
    return combined.reset_index(drop=True)


def is_null_token(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in NULL_TOKENS


def metric_of_label(label: str) -> str | None:
    """A metric key from a key, an English/zh-TW name or a synonym (long template rows)."""
    catalog = load_catalog()
    text = str(label).strip()
    if text in catalog:
        return text
    base, _ = split_currency(text)
    return synonym_index().get(base) or synonym_index().get(norm(text))
