"""The logic behind the Upload actuals page, kept apart from the drawing so it can be tested.

A file goes through three steps: it is *read* (cached on file hash, source and mapping, so a
rerun or a mapping edit of another file reads nothing again), *shown* (source, period,
mapping, preview, rejected rows) and, on Import, *stored* with ``core.store.store_parsed`` in
one transaction. The column choices are language-neutral values (a metric key, ``""`` to
ignore, ``"@date"``, ``"@dimension"``); only the labels shown are translated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from core.aggregate import aggregate_many
from core.catalog import load_catalog
from core.errors import KgiError
from core.formatting import format_local_time, format_month, format_value
from core.i18n import t
from core.importing import ColumnInfo, ParsedFile, get_source, source_keys
from core.importing.columns import raw_columns
from core.importing.limits import mb
from core.importing.sandbox import read_file_isolated
from core.importing.spill import is_present, upload_spill_dir
from core.models import ImportBatch
from core.store import (
    COLUMN_ROLES,
    MAX_UPLOAD_BYTES,
    ImportResult,
    Problem,
    file_hash,
    import_digest,
    load_mapping,
    save_mapping,
    store_parsed,
    with_overlaps,
)
from core.usertext import md_plain

IGNORE, DATE, DIMENSION = "", "@date", "@dimension"
FALLBACK_SOURCE = "sheet"  # what the reader calls a file no tool's fingerprint matched
SPECIAL_CHOICES = (IGNORE, DATE, DIMENSION)
ACCEPTED_TYPES = ["csv", "tsv", "txt", "xlsx", "xls"]


def file_extension(name: str) -> str:
    """``"Report.XLSX"`` → ``"xlsx"``; ``""`` when the name has none."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def uploader_css(dropzone: str, browse: str) -> str:
    """Streamlit's uploader writes "Drag and drop files here", "Limit 200MB per file" and
    "Browse files" in English whatever the page's language: show ours in their place (the
    size limit is in the caption under it)."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "").replace('"', "'") + '"'

    return (
        "<style>"
        '[data-testid="stFileUploaderDropzoneInstructions"] > div > span,'
        '[data-testid="stFileUploaderDropzoneInstructions"] > div > small { display: none; }'
        '[data-testid="stFileUploaderDropzoneInstructions"] > div::before {'
        f" content: {quoted(dropzone)}; }}"
        '[data-testid="stFileUploaderDropzone"] button,'
        '[data-testid="stFileUploaderDropzone"] button * { font-size: 0 !important; }'
        '[data-testid="stFileUploaderDropzone"] button::after {'
        f" content: {quoted(browse)}; font-size: 0.95rem; }}"
        "</style>"
    )
PREVIEW_ROWS = 20
MAX_REJECTED_SHOWN = 500
HIGH_CONFIDENCE, MEDIUM_CONFIDENCE = 0.85, 0.6
# The exports the empty state explains, in the order people most often have them.
HOW_TO_SOURCES = ("ga4", "search_console", "meta_ads", "google_ads", "mailchimp", "shopify",
                  "instagram", "line_oa", "shopee", "shopline", "ninety_one_app", "stripe",
                  "mailchimp_campaign", "template", "sheet")


@dataclass(frozen=True)
class UploadedBlob:
    """One uploaded file: its name, its bytes and their sha256."""

    name: str
    data: bytes
    digest: str

    @classmethod
    def of(cls, name: str, data: bytes) -> UploadedBlob:
        return cls(name, data, file_hash(data))


@dataclass(frozen=True)
class ReadFailure:
    """Why a file cannot be read (a picklable stand-in for the ``KgiError``, so it is cached)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return Problem(self.key, self.params).message(lang)


@dataclass
class FileRead:
    """What the page knows about one file: the read, the mapping it used and what it changed."""

    blob: UploadedBlob
    requested_source: str  # "auto" or a source key
    parsed: ParsedFile | None
    failure: ReadFailure | None
    used_mapping: dict[str, str]  # remembered mapping + the user's edits, as read_file got it
    base_columns: list[ColumnInfo]  # columns as recognised before the user's edits
    granularity: str = "auto"  # what the user said each row stands for ("auto": inferred)

    @property
    def ok(self) -> bool:
        return self.parsed is not None and self.parsed.row_count > 0


# -- reading --------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=48)
def _read_cached(digest: str, file_name: str, source: str, mapping: tuple[tuple[str, str], ...],
                 today: date, _data: bytes, granularity: str = "auto") -> ParsedFile | ReadFailure:
    """``read_file`` cached on (file hash, name, source, mapping, day, granularity); the bytes
    are not hashed again (``digest`` stands for them)."""
    del digest  # part of the cache key only
    try:
        return read_file_isolated(_data, file_name, source=source, mapping=dict(mapping) or None,
                                  max_bytes=MAX_UPLOAD_BYTES, today=today, granularity=granularity,
                                  spill_dir=upload_spill_dir())
    except KgiError as exc:
        return ReadFailure(exc.key, dict(exc.params))


def _read(blob: UploadedBlob, source: str, mapping: dict[str, str],
          granularity: str = "auto") -> ParsedFile | ReadFailure:
    args = (blob.digest, blob.name, source, tuple(sorted(mapping.items())), date.today(), blob.data, granularity)
    result = _read_cached(*args)
    if isinstance(result, ParsedFile) and result.spill is not None and not is_present(result.spill):
        # A large file's chunks were cleared while its read sat in the cache: read it again.
        _read_cached.clear()
        result = _read_cached(*args)
    return result


def read_upload(engine: Engine, workspace_id: int, blob: UploadedBlob, source: str,
                edits: dict[str, str], granularity: str = "auto") -> FileRead:
    """The file read as the page shows it: see :func:`_read_upload`; ``granularity`` is the
    user's "each row is" choice (``"auto"`` until they make one)."""
    read = _read_upload(engine, workspace_id, blob, source, edits)
    if granularity == "auto" or read.parsed is None:
        return read
    again = _read(blob, read.parsed.source, read.used_mapping, granularity)
    result = _file_read(blob, source, again, read.used_mapping, read.base_columns)
    if result.parsed is not None:
        result.parsed.confidence = read.parsed.confidence
    result.granularity = granularity
    return result


def _read_upload(engine: Engine, workspace_id: int, blob: UploadedBlob, source: str,
                 edits: dict[str, str]) -> FileRead:
    """Read ``blob`` as ``source`` ("auto" detects) with the remembered mapping, then the edits.

    Mirrors ``core.store.import_file``: the mapping remembered for (workspace, detected source)
    applies, and the user's edits override it.
    """
    if len(blob.data) > MAX_UPLOAD_BYTES:
        failure = ReadFailure("store.too_large", {"size_mb": mb(len(blob.data)), "limit_mb": mb(MAX_UPLOAD_BYTES)})
        return FileRead(blob, source, None, failure, {}, [])
    first = _read(blob, source, load_mapping(engine, workspace_id, source) if source != "auto" else {})
    if isinstance(first, ReadFailure) and source == "auto":
        # A file nothing was recognised in is a hand-kept sheet: its remembered choices may be
        # exactly what makes it readable (the mapping of its unknown columns).
        sheet_mapping = load_mapping(engine, workspace_id, FALLBACK_SOURCE)
        if sheet_mapping:
            again = _read(blob, source, sheet_mapping)
            first = again if isinstance(again, ParsedFile) else first
    if isinstance(first, ReadFailure):
        # No metric or no date recognised: the mapping step is how the user fixes exactly
        # that, so the columns are still offered, and the file is read again with the edits.
        fallback = list(_raw_columns(blob.digest, blob.name, source, blob.data))
        if not edits:
            return FileRead(blob, source, None, first, {}, fallback)
        retry = _read(blob, source, dict(edits))
        return _file_read(blob, source, retry, dict(edits), fallback)
    remembered = load_mapping(engine, workspace_id, first.source)
    base = first
    if remembered and source == "auto":
        second = _read(blob, first.source, remembered)
        base = second if isinstance(second, ParsedFile) else first
    used = {**remembered, **edits}
    final = base if not edits else _read(blob, first.source, used)
    if isinstance(final, ParsedFile) and isinstance(base, ParsedFile):
        final.confidence = first.confidence if source == "auto" else 1.0
    return _file_read(blob, source, final, used, base.columns)


@st.cache_data(show_spinner=False, max_entries=48)
def _raw_columns(digest: str, file_name: str, source: str, _data: bytes) -> tuple[ColumnInfo, ...]:
    """The columns of a file the reader refused as a whole (``core.importing.columns``)."""
    del digest  # part of the cache key only
    return raw_columns(_data, file_name, source, MAX_UPLOAD_BYTES)


def _file_read(blob: UploadedBlob, source: str, result: ParsedFile | ReadFailure, used: dict[str, str],
               base_columns: list[ColumnInfo]) -> FileRead:
    if isinstance(result, ReadFailure):
        return FileRead(blob, source, None, result, used, base_columns)
    return FileRead(blob, source, result, None, used, base_columns or result.columns)


# -- the mapping table ----------------------------------------------------------------------


def choice_of(info: ColumnInfo) -> str:
    """What a recognised column is imported as, in the mapping's vocabulary."""
    if info.role == "metric" and info.metric:
        return info.metric
    return {"date": DATE, "dimension": DIMENSION}.get(info.role, IGNORE)


def mapping_columns(columns: Sequence[ColumnInfo], used_sheets: Sequence[str] = ()) -> list[ColumnInfo]:
    """One row per column name, from the sheets that are imported when the file names them.

    A workbook repeats "Clicks" on every sheet; the mapping is keyed by the column name, so a
    choice applies to all of them and the table shows the name once.
    """
    sheets = set(used_sheets)
    chosen = [c for c in columns if not sheets or c.sheet is None or c.sheet in sheets] or list(columns)
    seen: set[str] = set()
    unique = []
    for info in chosen:
        if info.name not in seen:
            seen.add(info.name)
            unique.append(info)
    return unique


def choice_labels(lang: str) -> dict[str, str]:
    """Every "Import as" value → its label in ``lang``: ignore, date, breakdown, then metrics.

    Labels are unique (the editor's select box round-trips labels, not values).
    """
    labels = {
        IGNORE: t("ui.upload.choice.ignore", lang),
        DATE: t("ui.upload.choice.date", lang),
        DIMENSION: t("ui.upload.choice.dimension", lang),
    }
    catalog = load_catalog()
    names = sorted(catalog.metrics.values(), key=lambda m: m.name(lang).casefold())
    taken = set(labels.values())
    for metric in names:
        label = metric.name(lang)
        if label in taken:
            label = f"{label} ({metric.key})"
        taken.add(label)
        labels[metric.key] = label
    return labels


def value_of_label(label: Any, lang: str) -> str | None:
    """The value behind an "Import as" label, in either language (a switch may leave old ones)."""
    if label is None:
        return None
    for code in (lang, *(x for x in ("zh-TW", "en") if x != lang)):
        for value, text in choice_labels(code).items():
            if text == label:
                return value
    return None


def mapping_frame(read: FileRead, edits: dict[str, str], lang: str) -> pd.DataFrame:
    """The editable table: column, sheet, samples, what it was recognised as, "Import as", why."""
    parsed = read.parsed
    sheets = parsed.meta.get("sheets", []) if parsed is not None else []
    labels = choice_labels(lang)
    rows = []
    for info in mapping_columns(read.base_columns, sheets):
        value = edits.get(info.name, choice_of(info))
        rows.append({
            "column": info.name,
            "sheet": info.sheet or "",
            "samples": " · ".join(info.samples[:3]),
            "role": t(f"ui.upload.role.{info.role}", lang) if info.role in _ROLES else info.role,
            "use_as": labels.get(value, labels[IGNORE]),
            "note": _note(info, lang),
        })
    frame = pd.DataFrame(rows, columns=["column", "sheet", "samples", "role", "use_as", "note"], dtype=object)
    return frame if any(frame["sheet"]) else frame.drop(columns=["sheet"])


_ROLES = ("metric", "date", "dimension", "ignored", "pii")


def _note(info: ColumnInfo, lang: str) -> str:
    if info.role in ("metric", "date", "dimension") or not info.note:
        return ""
    try:
        return t(info.note, lang)
    except KeyError:
        return ""


def edits_from_editor(state: Any, frame: pd.DataFrame, base: dict[str, str], lang: str) -> dict[str, str]:
    """The "Import as" changes in a data editor's state, as column → value.

    ``base`` is each column's value when the table was drawn; an edit back to it is dropped.
    """
    changed: dict[str, str] = {}
    edited = (state or {}).get("edited_rows", {}) if isinstance(state, dict) else {}
    for index, cells in edited.items():
        position = int(index)
        if "use_as" not in cells or position >= len(frame):
            continue
        value = value_of_label(cells["use_as"], lang)
        column = str(frame.iloc[position]["column"])
        if value is not None:
            changed[column] = value
    return changed


def merge_edits(edits: dict[str, str], changed: dict[str, str], auto: dict[str, str]) -> dict[str, str]:
    """``edits`` updated with ``changed``; a choice equal to the automatic one is no edit at all."""
    merged = {**edits, **changed}
    return {column: value for column, value in merged.items() if auto.get(column) != value}


def auto_choices(read: FileRead) -> dict[str, str]:
    parsed = read.parsed
    sheets = parsed.meta.get("sheets", []) if parsed is not None else []
    return {c.name: choice_of(c) for c in mapping_columns(read.base_columns, sheets)}


# -- summary and preview --------------------------------------------------------------------


def confidence_words(confidence: float, lang: str, *, chosen: bool = False) -> str:
    """Confidence in words and percent (never a bare number or colour)."""
    if chosen:
        return t("ui.upload.confidence.chosen", lang)
    pct = f"{confidence:.0%}"
    if confidence >= HIGH_CONFIDENCE:
        return t("ui.upload.confidence.high", lang, pct=pct)
    if confidence >= MEDIUM_CONFIDENCE:
        return t("ui.upload.confidence.medium", lang, pct=pct)
    return t("ui.upload.confidence.low", lang, pct=pct)


def source_label(key: str, lang: str) -> str:
    if key == "auto":
        return t("ui.upload.file.source_auto", lang)
    try:
        return get_source(key).label(lang)
    except (KeyError, KgiError):
        return key


def source_options() -> list[str]:
    return ["auto", *source_keys()]


def metric_name(key: str, lang: str) -> str:
    catalog = load_catalog()
    return catalog[key].name(lang) if key in catalog else key


def period_of(parsed: ParsedFile) -> tuple[date, date] | None:
    if parsed.spill is not None and parsed.spill.start and parsed.spill.end:
        return parsed.spill.start, parsed.spill.end
    obs = parsed.observations
    if obs.empty:
        return None
    return obs["date"].min().date(), obs["date"].max().date()


def format_day(day: date | None, lang: str) -> str:
    if day is None:
        return "—"
    return f"{day.year} 年 {day.month} 月 {day.day} 日" if lang == "zh-TW" else day.strftime("%d %b %Y").lstrip("0")


def preview_frame(parsed: ParsedFile, lang: str, rows: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first tidy observations, with translated headers and metric names."""
    head = parsed.observations.head(rows)
    return pd.DataFrame({
        t("ui.upload.preview.date", lang): head["date"].dt.date.astype(object),
        t("ui.upload.preview.metric", lang): [metric_name(m, lang) for m in head["metric"]],
        t("ui.upload.preview.dimension", lang): head["dimension"].fillna("").astype(object),
        t("ui.upload.preview.value", lang): head["value"].astype(float),
        t("ui.upload.preview.granularity", lang): [
            t(f"ui.upload.granularity.{g}", lang) if g in ("day", "week", "month") else str(g)
            for g in head["granularity"]
        ],
    })


def monthly_totals(parsed: ParsedFile, lang: str, currency: str) -> pd.DataFrame:
    """Per month, each metric by its catalog rule, formatted for people.

    Returns
    -------
    DataFrame with a month column then one column per metric (in the user's language).
    """
    metrics = parsed.metrics
    if not metrics:
        return pd.DataFrame()
    table = aggregate_many(parsed.observations, metrics, by="month")
    catalog = load_catalog()
    money = parsed.currency or currency
    out = pd.DataFrame({t("ui.upload.preview.month", lang): [format_month(p, lang) for p in table.index]})
    for key in metrics:
        unit = catalog[key].unit
        out[metric_name(key, lang)] = [format_value(v, unit, lang, currency=money) for v in table[key].tolist()]
    return out


GRANULARITIES = ("day", "week", "month")


def granularity_line(parsed: ParsedFile, lang: str) -> str | None:
    """How the rows were read, with the period they cover and why: "Each row is a month total,
    Jan 2024 – Jun 2024 (the dates are month labels)."."""
    granularity = parsed.granularity
    period = period_of(parsed)
    if granularity not in GRANULARITIES or period is None:
        return None
    if granularity == "month":
        first, last = format_month(period[0], lang), format_month(period[1], lang)
    else:
        first, last = format_day(period[0], lang), format_day(period[1], lang)
    basis = parsed.meta.get("granularity_basis")
    return t(f"ui.upload.granularity.read.{granularity}", lang, first=first, last=last,
             basis=t(basis, lang) if basis else "—")


def granularity_note(parsed: ParsedFile, lang: str) -> str | None:
    """The reading's caveat when the dates could not settle it (too few to tell)."""
    note = parsed.meta.get("granularity_note")
    return t(note, lang) if note else None


def granularity_label(value: str, lang: str) -> str:
    return t(f"ui.upload.granularity.option.{value}", lang)


def unmapped_lines(parsed: ParsedFile, lang: str) -> list[str]:
    """One sentence per column that looks like a metric but was not imported."""
    return [t("ui.upload.unmapped.line", lang, column=column, metric=metric_name(metric, lang))
            for column, metric in parsed.unmapped]


def skipped_frame(parsed: ParsedFile, lang: str, limit: int = MAX_REJECTED_SHOWN) -> pd.DataFrame:
    """Rows left out on purpose (totals, subtotals): row number and why."""
    rows = [{t("ui.upload.rejected.row", lang): r.row, t("ui.upload.rejected.reason", lang): r.message(lang)}
            for r in parsed.skipped[:limit]]
    return pd.DataFrame(rows, columns=[t(f"ui.upload.rejected.{c}", lang) for c in ("row", "reason")])


def rejected_frame(parsed: ParsedFile, lang: str, limit: int = MAX_REJECTED_SHOWN) -> pd.DataFrame:
    """Every rejected row (up to ``limit``): its row number in the file, column and reason."""
    rows = [
        {
            t("ui.upload.rejected.row", lang): r.row,
            t("ui.upload.rejected.column", lang): r.column or "",
            t("ui.upload.rejected.reason", lang): r.message(lang),
        }
        for r in parsed.rejected[:limit]
    ]
    return pd.DataFrame(rows, columns=[t(f"ui.upload.rejected.{c}", lang) for c in ("row", "column", "reason")])


# -- importing ------------------------------------------------------------------------------


def savable(edits: dict[str, str]) -> dict[str, str]:
    """The part of the edits ``save_mapping`` remembers (metric keys, ignores and column roles)."""
    catalog = load_catalog()
    return {column: value for column, value in edits.items()
            if value == IGNORE or value in catalog or value in COLUMN_ROLES}


def store_read(engine: Engine, workspace_id: int, read: FileRead, edits: dict[str, str],
               on_progress: Callable[[float], None] | None = None) -> ImportResult:
    """Store one read file in one transaction and remember the user's column choices.

    A file that could not be read, or whose rows the store refuses, comes back ``"rejected"``
    with the reason; nothing is written then.
    """
    source = read.parsed.source if read.parsed is not None else read.requested_source
    if read.failure is not None or read.parsed is None:
        failure = read.failure or ReadFailure("store.no_rows", {"file": read.blob.name})
        return ImportResult(file=read.blob.name, source=source, status="rejected",
                            errors=[Problem(failure.key, failure.params)])
    try:
        choices = read.used_mapping if read.granularity == "auto" else {
            **read.used_mapping, "@granularity": read.granularity}
        result = store_parsed(engine, workspace_id, read.parsed, import_digest(read.blob.data, choices),
                              on_progress=on_progress)
    except KgiError as exc:
        return ImportResult(file=read.blob.name, source=source, status="rejected",
                            errors=[Problem(exc.key, dict(exc.params))])
    result.file = read.blob.name
    keep = savable(edits)
    if keep:
        save_mapping(engine, workspace_id, read.parsed.source, keep)
    return with_overlaps(engine, workspace_id, result)


def result_lines(result: ImportResult, lang: str) -> list[tuple[str, str]]:
    """What to say about one file's import: (kind, sentence) with kind success/info/error/warning."""
    source = source_label(result.source, lang) if result.source else ""
    if result.status == "imported":
        lines = [("success", t("ui.upload.result.imported", lang, file=md_plain(result.file), rows=f"{result.rows:,}",
                               source=source, start=format_day(result.start, lang),
                               end=format_day(result.end, lang)))]
        if result.replaced:
            lines.append(("info", t("ui.upload.result.replaced", lang, count=f"{result.replaced:,}")))
        if result.rejected_rows:
            lines.append(("warning", t("ui.upload.result.rows_left_out", lang, count=f"{result.rejected_rows:,}")))
        lines += [("warning", overlap.message(lang)) for overlap in result.overlaps]
        return lines
    if result.status == "unchanged":
        return [("info", t("ui.upload.result.unchanged", lang, file=md_plain(result.file)))]
    reason = " ".join(p.message(lang) for p in result.errors) or "—"
    return [("error", t("ui.upload.result.rejected", lang, file=md_plain(result.file), reason=reason))]


# -- history --------------------------------------------------------------------------------


def batch_period(batch: ImportBatch, lang: str, *, compact: bool = False) -> str:
    """The days an import covers; ``compact`` (ISO days) where a table column is narrow."""
    if batch.start is None or batch.end is None:
        return "—"
    if compact:
        return f"{batch.start.isoformat()} – {batch.end.isoformat()}"
    return t("ui.upload.file.period_value", lang, start=format_day(batch.start, lang), end=format_day(batch.end, lang))


def history_frame(batches: Sequence[ImportBatch], lang: str) -> pd.DataFrame:
    """The import history as a table: file, source, status in words, rows, period, when."""
    rows = [
        {
            "id": b.id,
            t("ui.upload.history.file", lang): b.file_name,
            t("ui.upload.history.source", lang): source_label(b.source, lang),
            t("ui.upload.history.status", lang): status_words(b.status, lang),
            t("ui.upload.history.rows", lang): b.rows,
            t("ui.upload.history.replaced", lang): b.replaced,
            t("ui.upload.history.period", lang): batch_period(b, lang),
            t("ui.upload.history.when", lang): format_local_time(b.created_at) if b.created_at else "",
        }
        for b in batches
    ]
    return pd.DataFrame(rows)


def status_words(status: str, lang: str) -> str:
    key = f"ui.upload.status.{status}"
    try:
        return t(key, lang)
    except KeyError:
        return status
