"""The plan workbook (SPEC §7, issue 3): what a small-business owner downloads and shares.

Sheets, named in the reader's language: the KGI with its SMART review, the KPIs with the
driver check under them, the monthly targets, an actuals template to fill in and upload again,
and a help sheet explaining that template. :func:`plan_workbook_bytes` is what the Plan page
and ``kgi plan export`` call; :func:`build_plan_workbook` does the same from a
:class:`PlanData` held in memory (tests, previews).

Numbers are written as numbers with the number format of their metric's unit (so people can
compute with them); every string a person typed goes through :func:`core.export.safe.write_text`.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Engine

from core.catalog import display_name, load_catalog, unit_of
from core.errors import KgiError
from core.export.safe import (
    CHANGE_PCT_FORMAT,
    GRID,
    SECTION_FONT,
    WRAP,
    clean_text,
    csv_safe,
    grid_number,
    grid_text,
    pp_format,
    print_setup,
    set_widths,
    unit_format,
    write_header,
    write_text,
    write_title,
)
from core.formatting import format_month, format_pct_change
from core.goals import MONTHS_PER_CADENCE, Period
from core.i18n import t
from core.models import Kgi, Kpi, Workspace
from core.pacing import kind_of, monthly_targets

CREATOR = "KGI Planner"
# Header keys of the actuals template: the importer recognises the layout by exactly these
# names in row 1 (source "kgi_template"), whatever the workbook's language.
TEMPLATE_HEADERS: tuple[str, ...] = ("date", "metric", "value", "source", "dimension")
TEMPLATE_SOURCE = "kgi_template"
TEMPLATE_ROWS = 5000  # rows of the template covered by data validation
SMART_LETTERS: tuple[str, ...] = ("specific", "measurable", "achievable", "relevant", "time_bound")
VERDICT_ICONS: dict[str, str] = {"pass": "✔", "warn": "▲", "fail": "✖", "unknown": "?"}
VERDICT_FILLS: dict[str, str] = {
    "pass": "C6EFCE", "warn": "FFEB9C", "fail": "FFC7CE", "unknown": "E7E6E6",
}
SPLITS: tuple[str, ...] = ("linear", "seasonal")


# --- the plan in memory ------------------------------------------------------------------


@dataclass(frozen=True)
class PlanItem:
    """A KGI or KPI as the downloads show it (one row of the KPI sheet and the CSV)."""

    kind: str  # "kgi" | "kpi"
    metric: str
    label: str = ""
    target_kind: str | None = None
    target_value: float | None = None
    baseline: float | None = None
    cadence: str = "period"
    owner: str = ""
    sources: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    note: str = ""
    # (first day, last day) of the data the baseline was computed from; None when typed.
    baseline_from: tuple[str, str] | None = None

    def name(self, lang: str) -> str:
        """The user's label, else the catalog's name in ``lang``, else the key."""
        return display_name(self.metric, self.label, lang)

    @property
    def unit(self) -> str:
        return unit_of(self.metric)

    @property
    def aggregation(self) -> str:
        catalog = load_catalog()
        return catalog[self.metric].aggregation if self.metric in catalog else "sum"


@dataclass(frozen=True)
class PlanData:
    """A workspace's plan: the workspace, its KGI (if set) and its KPIs in order."""

    workspace: Workspace
    kgi: Kgi | None
    kpis: tuple[Kpi, ...] = ()
    # Saved per-month KGI targets, when the user edited them (used unless a split is forced).
    saved_monthly: tuple[float, ...] | None = field(default=None)
    # The SMART review in the workbook's language; ``None`` shows the one saved with the KGI.
    smart: dict[str, Any] | None = None
    # Baselines the data gives for goals without a typed one: (role, id) → (value, start, end).
    data_baselines: dict[tuple[str, int | None], tuple[float, str, str]] = field(default_factory=dict)

    def _baseline(self, role: str, goal_id: int | None, typed: float | None) -> tuple[float | None, tuple[str, str] | None]:
        if typed is not None:
            return typed, None
        found = self.data_baselines.get((role, goal_id))
        return (found[0], (found[1], found[2])) if found else (None, None)

    @property
    def period(self) -> Period:
        """The KGI's period, else the workspace's (``period_months`` from ``period_start``)."""
        if self.kgi is not None and self.kgi.period_start and self.kgi.period_end:
            return Period(self.kgi.period_start, self.kgi.period_end)
        ws = self.workspace
        return Period.months_from(ws.period_start, ws.period_months)

    @property
    def kgi_item(self) -> PlanItem | None:
        kgi = self.kgi
        if kgi is None or not kgi.metric:
            return None
        baseline, origin = self._baseline("kgi", kgi.id, kgi.baseline)
        return PlanItem(
            kind="kgi", metric=kgi.metric, label="", target_kind=kgi.target_kind,
            target_value=kgi.target_value, baseline=baseline, cadence="period", baseline_from=origin,
        )

    @property
    def kpi_items(self) -> list[PlanItem]:
        out = []
        for k in self.kpis:
            baseline, origin = self._baseline("kpi", k.id, k.baseline)
            out.append(PlanItem(
                kind="kpi", metric=k.metric, label=k.label or "", target_kind=k.target_kind,
                target_value=k.target_value, baseline=baseline, cadence=k.cadence or "period",
                owner=k.owner or "", sources=tuple(k.sources or ()),
                dimensions=tuple(k.dimensions or ()), note=k.note or "", baseline_from=origin,
            ))
        return out

    @property
    def items(self) -> list[PlanItem]:
        kgi = self.kgi_item
        return ([kgi] if kgi else []) + self.kpi_items


def load_plan(engine: Engine, workspace_id: int) -> PlanData:
    """Read a workspace's plan; an unknown id is a :class:`KgiError`."""
    from core.plans import data_baselines, get_plan

    plan = get_plan(engine, workspace_id)
    kgi = plan.kgi
    saved = tuple(kgi.monthly_targets) if kgi is not None and kgi.monthly_targets else None
    return PlanData(workspace=plan.workspace, kgi=kgi, kpis=tuple(plan.kpis), saved_monthly=saved,
                    data_baselines=data_baselines(engine, workspace_id))


# --- target arithmetic -------------------------------------------------------------------


def period_months(period: Period) -> list[date]:
    """First day of each calendar month the period touches, in order."""
    months: list[date] = []
    current = date(period.start.year, period.start.month, 1)
    while current <= period.end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def target_level(item: PlanItem, months: int) -> float | None:
    """The level (or period total) the target asks for, in the metric's storage unit.

    ``change_pct`` and ``change_pp`` need a baseline (``None`` without one). A count per
    cadence becomes the period's total on a flow and the end level (baseline + total) on a
    stock such as followers.
    """
    kind, value, base = item.target_kind, item.target_value, item.baseline
    if kind is None or value is None:
        return None
    if kind == "change_pct":
        return None if base is None else base * (1 + value / 100)
    if kind == "change_pp":
        return None if base is None else base + value / 100
    if kind == "count_per_cadence":
        total = _per_cadence_total(value, item.cadence, months)
        if item.aggregation == "last":
            return None if base is None or total is None else base + total
        return total
    return value


def _per_cadence_total(value: float, cadence: str, months: int) -> float | None:
    if cadence in ("period", "", None):
        return value
    per = MONTHS_PER_CADENCE.get(cadence)
    return None if per is None else value * months / per


def _per_month(value: float, cadence: str, month: date) -> float:
    """A count per ``cadence`` expressed for one calendar month (weeks by the month's days)."""
    days = calendar.monthrange(month.year, month.month)[1]
    return {
        "day": value * days,
        "week": value * days / 7,
        "month": value,
        "quarter": value / 3,
        "year": value / 12,
    }.get(cadence, value)


def monthly_values(
    item: PlanItem,
    months: Sequence[date],
    split: str = "linear",
    last_year: Sequence[float] | None = None,
) -> list[float | None]:
    """One target per month of the period (``None`` everywhere when there is no target level).

    Follows :func:`core.pacing.monthly_targets`, so the workbook and the dashboard agree:
    additive metrics split their period total linearly or by last year's shares (linear when
    last year cannot serve); rates, ratios and positions hold their level; stocks climb from
    the baseline to the target. A count per cadence on an additive metric is converted to
    each month instead (3 a week → 3 × days ÷ 7).
    """
    return list(_monthly_split(item, months, split, last_year) or [None] * len(months))


def _monthly_split(
    item: PlanItem,
    months: Sequence[date],
    split: str,
    last_year: Sequence[float] | None,
) -> list[float] | None:
    n = len(months)
    level = target_level(item, n)
    if level is None or n == 0:
        return None
    kind = kind_of(item.aggregation)
    per_cadence = item.target_kind == "count_per_cadence" and item.cadence not in ("period", "")
    if kind == "additive" and per_cadence and item.target_value is not None:
        return [_per_month(item.target_value, item.cadence, m) for m in months]
    seasonal = split == "seasonal" and last_year is not None and kind == "additive"
    return monthly_targets(level, n, kind, list(last_year) if seasonal else None,  # type: ignore[arg-type]
                           baseline=item.baseline if kind == "stock" else None)


def split_used(item: PlanItem | None, months: Sequence[date], split: str,
               last_year: Sequence[float] | None) -> str:
    """``"seasonal"`` only when the KGI's months really follow last year's pattern."""
    if item is None or split != "seasonal":
        return "linear"
    values = _monthly_split(item, months, split, last_year)
    return str(getattr(values, "method", "linear"))


# --- words -------------------------------------------------------------------------------


def baseline_origin_words(item: PlanItem, lang: str) -> str:
    """``From your data: 2023-01-01 – 2023-12-31`` for a baseline the data gave."""
    if not item.baseline_from:
        return ""
    return t("export.baseline_from_data", lang, start=item.baseline_from[0], end=item.baseline_from[1])


def target_form_words(kind: str | None, cadence: str | None, lang: str) -> str:
    if not kind:
        return ""
    key = f"export.form.{kind}"
    if kind == "count_per_cadence":
        unit_key = f"export.cadence_unit.{cadence or 'period'}"
        return t(key, lang, cadence=t(unit_key, lang) if _has(unit_key) else cadence)
    return t(key, lang) if _has(key) else kind


def cadence_words(cadence: str | None, lang: str) -> str:
    key = f"export.cadence.{cadence or 'period'}"
    return t(key, lang) if _has(key) else str(cadence)


def _has(key: str) -> bool:
    from core.i18n import has

    return has(key)


def _target_format(item: PlanItem, currency: str, lang: str) -> tuple[float | None, str]:
    """The target as stored in a cell (value, number format)."""
    value = item.target_value
    if value is None:
        return None, "General"
    if item.target_kind == "change_pct":
        return value / 100, CHANGE_PCT_FORMAT
    if item.target_kind == "change_pp":
        return value, pp_format(t("export.numfmt.pp", lang))
    if item.target_kind == "rank":
        return value, "0"
    return value, unit_format(item.unit, currency)


def _sources_text(item: PlanItem, lang: str) -> str:
    return ", ".join(item.sources) if item.sources else t("export.sources.all", lang)


# --- KGI sheet ---------------------------------------------------------------------------


def _kgi_sheet(ws: Worksheet, plan: PlanData, lang: str, split_label: str) -> None:
    currency = plan.workspace.currency
    period = plan.period
    row = write_title(
        ws,
        t("export.plan.title", lang, workspace=clean_text(plan.workspace.name)),
        t("export.plan.subtitle", lang, start=period.start.isoformat(), end=period.end.isoformat(),
          currency=currency, today=date.today().isoformat()),
    )
    ws.freeze_panes = "A4"
    set_widths(ws, (22, 26, 60, 60))
    item = plan.kgi_item
    if plan.kgi is None or item is None:
        grid_text(ws, row, 1, t("export.kgi.none", lang))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        return
    kgi = plan.kgi
    fields: list[tuple[str, Any, str | None]] = [
        ("export.kgi.goal", kgi.text, None),
        ("export.kgi.metric", f"{item.name(lang)} ({item.metric})", None),
        ("export.kgi.direction", _direction_words(kgi.direction, lang), None),
        ("export.col.target_form", target_form_words(item.target_kind, "period", lang), None),
    ]
    value, fmt = _target_format(item, currency, lang)
    numbers: list[tuple[str, float | None, str]] = [
        ("export.col.target", value, fmt),
        ("export.col.baseline", item.baseline, unit_format(item.unit, currency)),
        ("export.col.target_level", target_level(item, len(period_months(period))),
         unit_format(item.unit, currency)),
    ]
    for key, text, _ in fields:
        _label(ws, row, t(key, lang))
        grid_text(ws, row, 2, text)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        row += 1
    for key, number, number_fmt in numbers:
        _label(ws, row, t(key, lang))
        grid_number(ws, row, 2, number, number_fmt)
        if key == "export.col.baseline" and item.baseline_from:
            grid_text(ws, row, 3, baseline_origin_words(item, lang))
        row += 1
    _label(ws, row, t("export.kgi.period", lang))
    grid_text(ws, row, 2, f"{period.start.isoformat()} – {period.end.isoformat()}")
    row += 1
    _label(ws, row, t("export.kgi.split", lang))
    grid_text(ws, row, 2, split_label)
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    _smart_table(ws, row + 2, plan.smart if plan.smart is not None else kgi.smart, lang)


def _label(ws: Worksheet, row: int, text: str) -> None:
    cell = write_text(ws.cell(row=row, column=1), text)
    cell.font = Font(bold=True)
    cell.border = GRID
    cell.alignment = WRAP


def _direction_words(direction: str | None, lang: str) -> str:
    key = f"export.direction.{direction}"
    return t(key, lang) if direction and _has(key) else (direction or "")


def verdict_words(verdict: str, lang: str) -> str:
    """``✔ Pass`` / ``✖ 未通過``: an icon and a word, so the verdict never rests on colour."""
    key = f"export.verdict.{verdict}"
    word = t(key, lang) if _has(key) else verdict
    return f"{VERDICT_ICONS.get(verdict, '?')} {word}"


def _smart_table(ws: Worksheet, row: int, smart: Mapping[str, Any] | None, lang: str) -> None:
    write_text(ws.cell(row=row, column=1), t("export.smart.header", lang)).font = SECTION_FONT
    criteria = (smart or {}).get("criteria") or {}
    if not criteria:
        grid_text(ws, row + 1, 1, t("export.smart.none", lang))
        return
    write_header(ws, row + 1, [t(f"export.smart.{k}", lang) for k in
                               ("criterion", "verdict", "reason", "fix")])
    for offset, letter in enumerate(SMART_LETTERS, start=2):
        entry = criteria.get(letter) or {}
        verdict = str(entry.get("verdict") or "unknown")
        r = row + offset
        grid_text(ws, r, 1, t(f"export.smart.{letter}", lang))
        grid_text(ws, r, 2, verdict_words(verdict, lang))
        ws.cell(row=r, column=2).fill = PatternFill(
            "solid", fgColor=VERDICT_FILLS.get(verdict, VERDICT_FILLS["unknown"])
        )
        grid_text(ws, r, 3, entry.get("reason") or "")
        grid_text(ws, r, 4, entry.get("fix") or "")


# --- KPI sheet ---------------------------------------------------------------------------

KPI_COLUMNS: tuple[str, ...] = (
    "name", "metric_key", "target_form", "target", "baseline", "target_level", "cadence",
    "owner", "sources", "note",
)


def _kpi_sheet(ws: Worksheet, plan: PlanData, lang: str) -> None:
    currency = plan.workspace.currency
    months = len(period_months(plan.period))
    write_title(ws, t("export.plan.title", lang, workspace=clean_text(plan.workspace.name)))
    header_row = 3
    benchmark = _benchmark_lookup()
    columns = list(KPI_COLUMNS) + (["benchmark"] if benchmark else [])
    write_header(ws, header_row, [t(f"export.col.{c}", lang) for c in columns])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2).coordinate
    ws.print_title_rows = f"{header_row}:{header_row}"
    set_widths(ws, (28, 20, 24, 12, 14, 14, 12, 14, 22, 30, 30)[: len(columns)])
    items = plan.kpi_items
    if not items:
        grid_text(ws, header_row + 1, 1, t("export.kpis.none", lang))
        return
    for offset, item in enumerate(items, start=1):
        r = header_row + offset
        unit_fmt = unit_format(item.unit, currency)
        value, fmt = _target_format(item, currency, lang)
        grid_text(ws, r, 1, item.name(lang))
        grid_text(ws, r, 2, item.metric)
        grid_text(ws, r, 3, target_form_words(item.target_kind, item.cadence, lang))
        grid_number(ws, r, 4, value, fmt)
        grid_number(ws, r, 5, item.baseline, unit_fmt)
        if item.baseline_from:
            ws.cell(row=r, column=5).comment = Comment(baseline_origin_words(item, lang), "KGI Planner")
        grid_number(ws, r, 6, target_level(item, months), unit_fmt)
        grid_text(ws, r, 7, cadence_words(item.cadence, lang))
        grid_text(ws, r, 8, item.owner)
        grid_text(ws, r, 9, _sources_text(item, lang) + _dims(item))
        grid_text(ws, r, 10, item.note)
        if benchmark:
            grid_text(ws, r, 11, benchmark(item, plan.workspace, lang, months))
    last = header_row + len(items)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last}"
    _driver_summary(ws, last + 2, plan, lang)


def _dims(item: PlanItem) -> str:
    return f" ({', '.join(item.dimensions)})" if item.dimensions else ""


def _benchmark_lookup() -> Callable[[PlanItem, Workspace, str, int], str] | None:
    """A cell text per KPI from ``core.benchmarks.compare_to_benchmark``, when it is shipped."""
    try:
        from core.benchmarks import compare_to_benchmark
    except ImportError:
        return None

    def lookup(item: PlanItem, workspace: Workspace, lang: str, months: int) -> str:
        level = target_level(item, months)
        if level is None or item.metric not in load_catalog():
            return ""
        result = compare_to_benchmark(item.metric, level, business_type=workspace.business_type,
                                      currency=workspace.currency)
        return result.sentence(lang) if result is not None else ""

    return lookup


def driver_lines(plan: PlanData, lang: str) -> list[str]:
    """Sentences of the driver check (SPEC §5), empty when it has nothing to say."""
    item = plan.kgi_item
    if item is None or item.target_kind is None or item.target_value is None:
        return []
    try:
        from core.drivers import check_targets
        from core.goals import Target
    except ImportError:
        return []
    kpis = [
        (k.metric, Target(k.target_kind, k.target_value, _cadence(k.cadence))
         if k.target_kind and k.target_value is not None else None, k.baseline)
        for k in plan.kpi_items
        if k.metric in load_catalog()
    ]
    kgi_target = Target(item.target_kind, item.target_value, None)
    check = check_targets(item.metric, kgi_target, item.baseline, kpis,
                          months=len(period_months(plan.period)))
    if check.implied_change_pct is None and not check.missing:
        return []
    lines = []
    if check.kgi_change_pct is not None:
        lines.append(t("export.driver.goal", lang, change=format_pct_change(check.kgi_change_pct, lang)))
    if check.implied_change_pct is not None:
        lines.append(t("export.driver.implied", lang,
                       change=format_pct_change(check.implied_change_pct, lang)))
    for miss in check.missing:
        if miss.needed_change_pct is not None:
            name = load_catalog()[miss.metric].name(lang)
            lines.append(t("export.driver.missing", lang, metric=name,
                           change=format_pct_change(miss.needed_change_pct, lang)))
    if check.carries and not check.missing:
        lines.append(t("export.driver.enough", lang))
    return lines


def _cadence(cadence: str) -> str | None:
    from core.goals import CADENCES

    return cadence if cadence in CADENCES else None


def _driver_summary(ws: Worksheet, row: int, plan: PlanData, lang: str) -> None:
    lines = driver_lines(plan, lang)
    if not lines:
        return
    write_text(ws.cell(row=row, column=1), t("export.driver.header", lang)).font = SECTION_FONT
    for offset, line in enumerate(lines, start=1):
        write_text(ws.cell(row=row + offset, column=1), line)


# --- monthly targets ---------------------------------------------------------------------


def _monthly_sheet(
    ws: Worksheet,
    plan: PlanData,
    lang: str,
    split: str,
    history: Mapping[str, Sequence[float]],
) -> None:
    currency = plan.workspace.currency
    months = period_months(plan.period)
    items = plan.items
    write_title(ws, t("export.plan.title", lang, workspace=clean_text(plan.workspace.name)))
    header_row = 3
    write_header(ws, header_row, [t("export.monthly.month", lang)] + [
        f"{t('export.type.' + i.kind, lang)}: {i.name(lang)}" for i in items
    ])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2).coordinate
    ws.print_title_rows = f"{header_row}:{header_row}"
    set_widths(ws, [14] + [18] * len(items))
    ws.row_dimensions[header_row].height = 45
    for offset, month in enumerate(months, start=1):
        grid_text(ws, header_row + offset, 1, format_month(month, lang))
    total_row = header_row + len(months) + 1
    total_label = write_text(ws.cell(row=total_row, column=1), t("export.monthly.total", lang))
    total_label.font = Font(bold=True)
    any_missing = False
    for col, item in enumerate(items, start=2):
        values = _item_months(plan, item, months, split, history)
        any_missing |= all(v is None for v in values)
        fmt = unit_format(item.unit, currency)
        for offset, value in enumerate(values, start=1):
            grid_number(ws, header_row + offset, col, value, fmt)
        _total_cell(ws, total_row, col, item, values, len(months), header_row, fmt)
    note_row = total_row + 2
    write_text(ws.cell(row=note_row, column=1), t("export.monthly.level_note", lang))
    if any_missing:
        write_text(ws.cell(row=note_row + 1, column=1), t("export.monthly.no_target", lang))


def _item_months(
    plan: PlanData,
    item: PlanItem,
    months: Sequence[date],
    split: str,
    history: Mapping[str, Sequence[float]],
) -> list[float | None]:
    saved = plan.saved_monthly
    if item.kind == "kgi" and split == "saved" and saved and len(saved) == len(months):
        return list(saved)
    mode = "linear" if split == "saved" else split
    return monthly_values(item, months, mode, history.get(item.metric))


def _total_cell(
    ws: Worksheet, row: int, col: int, item: PlanItem, values: Sequence[float | None],
    n: int, header_row: int, fmt: str,
) -> None:
    """Additive metrics sum their months (a live formula); levels show the period target."""
    letter = get_column_letter(col)
    if item.aggregation == "sum" and all(v is not None for v in values):
        value: Any = f"=SUM({letter}{header_row + 1}:{letter}{header_row + n})"
    else:
        value = target_level(item, n)
    cell = ws.cell(row=row, column=col, value=value)
    cell.number_format = fmt
    cell.font = Font(bold=True)
    cell.border = GRID


# --- actuals template and help -----------------------------------------------------------


def template_metrics(plan: PlanData) -> list[str]:
    """Metric keys the template accepts: the plan's, each rate followed by its parts."""
    catalog = load_catalog()
    keys: list[str] = []
    for item in plan.items:
        keys.append(item.metric)
        if item.metric in catalog:
            keys.extend(c for c in catalog[item.metric].components if c)
    return list(dict.fromkeys(k for k in keys if k))


def _actuals_sheet(ws: Worksheet, lang: str, keys_ref: str | None) -> None:
    """Row 1 holds exactly the English header keys; nothing else is written below it."""
    for col, key in enumerate(TEMPLATE_HEADERS, start=1):
        cell = write_text(ws.cell(row=1, column=col), key)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        comment = Comment(t(f"export.template.{key}_comment", lang), CREATOR)
        comment.width, comment.height = 220, 60
        cell.comment = comment
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    set_widths(ws, (14, 24, 16, 16, 28))
    # Column styles (not cell styles): typed values take them, and no empty cells are stored.
    ws.column_dimensions["A"].number_format = "yyyy-mm-dd"
    ws.column_dimensions["C"].number_format = "#,##0.####"
    last = TEMPLATE_ROWS + 1
    date_rule = DataValidation(
        type="date", operator="greaterThanOrEqual", formula1="DATE(2000,1,1)",
        allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle=t("export.validation.date_title", lang),
        error=t("export.validation.date_error", lang),
    )
    date_rule.add(f"A2:A{last}")
    value_rule = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0",
        allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle=t("export.validation.value_title", lang),
        error=t("export.validation.value_error", lang),
    )
    value_rule.add(f"C2:C{last}")
    ws.add_data_validation(date_rule)
    ws.add_data_validation(value_rule)
    if keys_ref:
        metric_rule = DataValidation(
            type="list", formula1=keys_ref, allow_blank=True,
            showErrorMessage=True, errorStyle="stop", showInputMessage=True,
            promptTitle=t("export.validation.metric_title", lang),
            prompt=t("export.validation.metric_prompt", lang),
            errorTitle=t("export.validation.metric_title", lang),
            error=t("export.validation.metric_error", lang),
        )
        metric_rule.add(f"B2:B{last}")
        ws.add_data_validation(metric_rule)


def _help_sheet(ws: Worksheet, plan: PlanData, lang: str, actuals_name: str) -> str | None:
    """Instructions, examples (as text) and the metric key list; returns the list's range."""
    currency = plan.workspace.currency
    write_text(ws.cell(row=1, column=1), t("export.help.title", lang, sheet=actuals_name)).font = SECTION_FONT
    lines = ("rows", "date", "metric", "value", "source", "dimension", "headers")
    row = 2
    for key in lines:
        cell = write_text(ws.cell(row=row, column=1), t(f"export.help.{key}", lang))
        cell.alignment = WRAP
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.row_dimensions[row].height = 32
        row += 1
    row += 1
    write_text(ws.cell(row=row, column=1), t("export.help.example_title", lang, sheet=actuals_name)).font = Font(bold=True)
    keys = template_metrics(plan) or ["revenue"]
    # Examples are one line of text each, with no header row like the template's: an upload
    # of this workbook must never take them for figures.
    for offset, example in enumerate(_examples(keys), start=1):
        write_text(ws.cell(row=row + offset, column=1), "  |  ".join(example))
    row += len(_examples(keys)) + 2
    write_text(ws.cell(row=row, column=1), t("export.help.keys_title", lang)).font = Font(bold=True)
    write_header(ws, row + 1, [t("export.help.key", lang), t("export.help.name", lang),
                               t("export.help.how", lang)])
    first = row + 2
    catalog = load_catalog()
    planned = {i.metric for i in plan.items}
    rates = {c: m for m in planned if m in catalog
             for c in catalog[m].components if c and c not in planned}
    for offset, key in enumerate(keys):
        r = first + offset
        grid_text(ws, r, 1, key)
        name = catalog[key].name(lang) if key in catalog else key
        if key in rates and rates[key] in catalog:
            name += " — " + t("export.help.component", lang, rate=catalog[rates[key]].name(lang))
        grid_text(ws, r, 2, name)
        unit = catalog[key].unit if key in catalog else "count"
        grid_text(ws, r, 3, t(f"export.unit.{unit}", lang, currency=currency))
    set_widths(ws, (26, 40, 44, 18, 18))
    if not template_metrics(plan):
        return None
    return f"{quote_sheetname(ws.title)}!$A${first}:$A${first + len(keys) - 1}"


def _examples(keys: Sequence[str]) -> list[tuple[str, ...]]:
    first = keys[0]
    second = keys[1] if len(keys) > 1 else first
    return [
        ("2024-01-31", first, "125000", "shopify", "—"),
        ("2024-01-31", second, "3.1%", "ga4", "Organic Search"),
    ]


# --- the workbook ------------------------------------------------------------------------


def _split_label(asked: str, used: str, lang: str) -> str:
    if asked == "saved":
        return t("export.split.saved", lang)
    if asked == "seasonal" and used != "seasonal":
        return f"{t('export.split.linear', lang)} — {t('export.split.fallback', lang)}"
    return t(f"export.split.{used}", lang)


def build_plan_workbook(
    plan: PlanData,
    lang: str,
    *,
    split: str | None = None,
    history: Mapping[str, Sequence[float]] | None = None,
) -> bytes:
    """The plan workbook as ``.xlsx`` bytes.

    Parameters
    ----------
    plan : PlanData
    lang : {"zh-TW", "en"}
    split : {"linear", "seasonal"} or None
        How additive targets spread over the months. ``None`` keeps the KGI's saved monthly
        targets when there are any (the user may have edited them), else the KGI's own choice.
    history : mapping of metric → list of float, optional
        Last year's monthly actuals per metric, one per month of the period, for the seasonal
        split; a metric without a full year falls back to linear (and the KGI sheet says so).
    """
    history = dict(history or {})
    mode = split or ("saved" if plan.saved_monthly else (plan.kgi.split if plan.kgi else "linear"))
    if mode not in (*SPLITS, "saved"):
        mode = "linear"
    months = period_months(plan.period)
    kgi_item = plan.kgi_item
    used = split_used(kgi_item, months, mode, history.get(kgi_item.metric) if kgi_item else None)
    wb = Workbook()
    kgi_ws = wb.active
    kgi_ws.title = t("export.sheet.kgi", lang)
    kpi_ws = wb.create_sheet(t("export.sheet.kpis", lang))
    monthly_ws = wb.create_sheet(t("export.sheet.monthly", lang))
    actuals_ws = wb.create_sheet(t("export.sheet.actuals", lang))
    help_ws = wb.create_sheet(t("export.sheet.help", lang))
    _kgi_sheet(kgi_ws, plan, lang, _split_label(mode, used, lang))
    _kpi_sheet(kpi_ws, plan, lang)
    _monthly_sheet(monthly_ws, plan, lang, mode, history)
    keys_ref = _help_sheet(help_ws, plan, lang, actuals_ws.title)
    _actuals_sheet(actuals_ws, lang, keys_ref)
    for ws in (kgi_ws, kpi_ws, monthly_ws, actuals_ws, help_ws):
        print_setup(ws)
    kgi_ws.page_setup.orientation = "portrait"
    _properties(wb, plan, lang)
    return _save(wb)


def _properties(wb: Workbook, plan: PlanData, lang: str) -> None:
    props = wb.properties
    props.title = clean_text(t("export.plan.title", lang, workspace=plan.workspace.name))
    props.subject = t("export.plan.subject", lang)
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.language = lang


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def last_year_history(engine: Engine, plan: PlanData) -> dict[str, list[float]]:
    """Each additive plan metric's monthly actuals over the year before the period.

    Months without data are ``nan`` (the seasonal split then falls back to linear and says
    so); KPIs count only their own sources and dimension values.
    """
    from core.aggregate import aggregate
    from core.goals import add_months
    from core.measurement import counted
    from core.store import load_observations

    months = period_months(plan.period)
    start = add_months(months[0], -len(months))
    labels = [add_months(start, i).strftime("%Y-%m") for i in range(len(months))]
    out: dict[str, list[float]] = {}
    for item in plan.items:
        if item.aggregation != "sum" or item.metric in out:
            continue
        obs = load_observations(
            engine, plan.workspace.id or 0, [item.metric],
            dimensions=list(item.dimensions) or None, start=start,
            end=months[0] - timedelta(days=1),
        )
        # The same rows progress counts: the source of record, each month once.
        obs, _ = counted(obs, item.metric, business_type=plan.workspace.business_type,
                         chosen=(plan.workspace.settings or {}).get("source_of_record"),
                         goal_sources=item.sources)
        if obs.empty:
            continue
        series = aggregate(obs, item.metric, "month")
        out[item.metric] = [float(series.get(label, float("nan"))) for label in labels]
    return out


def with_smart_in(engine: Engine, plan: PlanData, lang: str) -> PlanData:
    """The plan with its SMART review redone in ``lang``.

    The review saved with the KGI is in whatever language the user wrote it in; the workbook
    must read in one language. The saved structured fields win over the sentence, as when the
    KGI was saved. If the check cannot run, the saved review is kept.
    """
    kgi = plan.kgi
    if kgi is None or not kgi.text.strip():
        return plan
    try:
        from core.plans import preview_kgi
    except ImportError:  # a partial installation: keep the saved review
        return plan
    overrides: dict[str, Any] = {
        "metric": kgi.metric, "target_kind": kgi.target_kind, "target_value": kgi.target_value,
        "period_start": kgi.period_start, "period_end": kgi.period_end, "baseline": kgi.baseline,
    }
    try:
        _, result = preview_kgi(engine, plan.workspace.id or 0, kgi.text, lang, **overrides)
    except KgiError:
        return plan
    return replace(plan, smart=result.to_dict())


def plan_workbook_bytes(
    engine: Engine,
    workspace_id: int,
    lang: str,
    *,
    split: str | None = None,
) -> bytes:
    """The plan workbook of a workspace (what the Plan page offers and ``kgi plan export`` writes).

    ``split``: ``"linear"``, ``"seasonal"`` (last year's actuals; linear where there is no full
    year) or ``None`` (the KGI's saved monthly targets, else its saved split choice).
    """
    if split is not None and split not in SPLITS:
        raise KgiError("export.bad_split", value=split, choices=", ".join(SPLITS))
    plan = with_smart_in(engine, load_plan(engine, workspace_id), lang)
    wants_seasonal = split == "seasonal" or (split is None and plan.kgi is not None
                                             and plan.kgi.split == "seasonal")
    history = last_year_history(engine, plan) if wants_seasonal else {}
    return build_plan_workbook(plan, lang, split=split, history=history)


def actuals_template_bytes(engine: Engine, workspace_id: int, lang: str) -> bytes:
    """Only the actuals template and its help: the file to fill in every month."""
    plan = load_plan(engine, workspace_id)
    wb = Workbook()
    actuals_ws = wb.active
    actuals_ws.title = t("export.sheet.actuals", lang)
    help_ws = wb.create_sheet(t("export.sheet.help", lang))
    keys_ref = _help_sheet(help_ws, plan, lang, actuals_ws.title)
    _actuals_sheet(actuals_ws, lang, keys_ref)
    for ws in (actuals_ws, help_ws):
        print_setup(ws)
    _properties(wb, plan, lang)
    return _save(wb)


# --- CSV ---------------------------------------------------------------------------------

CSV_COLUMNS: tuple[str, ...] = (
    "type", "name", "metric_key", "unit", "target_form", "target", "baseline", "target_level",
    "cadence", "owner", "sources", "period_start", "period_end", "note",
)


def build_plan_csv(plan: PlanData, lang: str) -> bytes:
    """The plan as CSV: one row per KGI/KPI, numbers raw in storage units (percent metrics as
    fractions; a ``change_pct`` target in percent), UTF-8 with a BOM so Excel reads zh-TW."""
    months = len(period_months(plan.period))
    period = plan.period
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([t(f"export.col.{c}", lang) for c in CSV_COLUMNS])
    for item in plan.items:
        writer.writerow([csv_safe(v) for v in (
            t(f"export.type.{item.kind}", lang),
            clean_text(item.name(lang)),
            item.metric,
            t(f"export.unitname.{item.unit}", lang, currency=plan.workspace.currency),
            target_form_words(item.target_kind, item.cadence, lang),
            item.target_value,
            item.baseline,
            target_level(item, months),
            cadence_words(item.cadence, lang),
            clean_text(item.owner),
            _sources_text(item, lang) + _dims(item),
            period.start.isoformat(),
            period.end.isoformat(),
            clean_text(item.note),
        )])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def plan_csv_bytes(engine: Engine, workspace_id: int, lang: str) -> bytes:
    """The plan of a workspace as CSV (see :func:`build_plan_csv`)."""
    return build_plan_csv(load_plan(engine, workspace_id), lang)
