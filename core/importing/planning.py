"""From a file's tables to plans: the source, each column's role, the date, the dimension and
the metrics of every usable table (``read_file``'s second step, after ``decode``).

:class:`_Context` is one read's state (rejected rows, warnings, metadata, and for a file read
in chunks the decisions its first chunk made); :class:`_Plan` is what one table's columns
mean. The parsers (``rows``, ``layouts``, ``formats``) read a table through its plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import load_catalog
from core.errors import KgiError
from core.i18n import t
from core.importing import formats
from core.importing.guards import (
    clean_label,
)
from core.importing.hints import is_total_label
from core.importing.parsed import MAX_DETAILED_REJECTIONS, ColumnInfo, Message, RejectedRow
from core.importing.periods import year_context
from core.importing.sources import (
    Resolution,
    Source,
    comparison_kind,
    detect,
    has_long_columns,
    norm,
    resolve_column,
    split_currency,
)
from core.importing.tables import RawTable
from core.importing.values import (
    parse_dates,
)


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
