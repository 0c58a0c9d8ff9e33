"""The monthly review workbook (issue 5, 每月檢討 KPI 達成率): what an agency sends its client.

The numbers come from ``core/progress.py``; this module only lays them out. Its input is a
small, explicit :class:`ReviewData` so the workbook can be built and tested from hand-made
figures, and so the progress code has exactly one shape to fill.

Status is never told by colour alone: each status cell holds an icon and a word (``✖ Off
track``) and is coloured as well; achievement cells are coloured by conditional formatting
on the same bands, with the bands spelled out in a legend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.errors import KgiError
from core.export.safe import (
    ACHIEVEMENT_FORMAT,
    SECTION_FONT,
    clean_text,
    grid_number,
    grid_text,
    print_setup,
    set_widths,
    unit_format,
    write_header,
    write_text,
    write_title,
)
from core.formatting import format_month, format_pct
from core.i18n import t
from core.review_types import ReviewData, ReviewRow

STATUSES: tuple[str, ...] = ("on_track", "at_risk", "off_track", "too_early", "no_data")
STATUS_ICONS: dict[str, str] = {
    "on_track": "✔", "at_risk": "▲", "off_track": "✖", "too_early": "…", "no_data": "—",
}
STATUS_FILLS: dict[str, str] = {
    "on_track": "C6EFCE", "at_risk": "FFEB9C", "off_track": "FFC7CE",
    "too_early": "DDEBF7", "no_data": "EDEDED",
}
STATUS_FONTS: dict[str, str] = {
    "on_track": "006100", "at_risk": "7F6000", "off_track": "9C0006",
    "too_early": "1F4E79", "no_data": "595959",
}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(month: str) -> str:
    """``"2024-06"`` passes; anything else is a :class:`KgiError` for the user."""
    if not isinstance(month, str) or not _MONTH.match(month):
        raise KgiError("export.bad_month", value=month)
    return month


def status_words(status: str, lang: str) -> str:
    """``✖ Off track`` / ``✔ 進度正常``: icon and word, never colour alone."""
    key = status if status in STATUSES else "no_data"
    return f"{STATUS_ICONS[key]} {t('numbers.status.' + key, lang)}"


def _style_status(cell, status: str) -> None:  # noqa: ANN001 - openpyxl cell
    key = status if status in STATUSES else "no_data"
    cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[key])
    cell.font = Font(bold=True, color=STATUS_FONTS[key])


def _band_rules(ws: Worksheet, ref: str, data: ReviewData) -> None:
    """Green / amber / red on achievement cells, by the workspace's bands."""
    on, risk = data.on_track_at, data.at_risk_at
    fills = {k: PatternFill("solid", fgColor=v, bgColor=v) for k, v in STATUS_FILLS.items()}
    ws.conditional_formatting.add(ref, CellIsRule(
        operator="greaterThanOrEqual", formula=[repr(on)], fill=fills["on_track"], stopIfTrue=True))
    ws.conditional_formatting.add(ref, CellIsRule(
        operator="between", formula=[repr(risk), repr(on)], fill=fills["at_risk"], stopIfTrue=True))
    ws.conditional_formatting.add(ref, CellIsRule(
        operator="lessThan", formula=[repr(risk)], fill=fills["off_track"], stopIfTrue=True))


def _legend(data: ReviewData, lang: str) -> str:
    return t("export.review.legend", lang, on_track=format_pct(data.on_track_at),
             at_risk=format_pct(data.at_risk_at))


# --- summary sheet -----------------------------------------------------------------------

SUMMARY_COLUMNS: tuple[str, ...] = (
    "name", "target", "actual", "expected", "pace", "forecast", "forecast_low",
    "forecast_high", "required", "status", "sentence", "progress", "notes",
)


def _summary_row(ws: Worksheet, r: int, row: ReviewRow, lang: str, currency: str) -> None:
    fmt = unit_format(row.unit, currency)
    grid_text(ws, r, 1, row.name(lang))
    for col, value in enumerate((row.target, row.actual_to_date, row.expected_to_date), start=2):
        grid_number(ws, r, col, value, fmt)
    grid_number(ws, r, 5, row.pace_ratio, ACHIEVEMENT_FORMAT)
    for col, value in enumerate((row.forecast, row.forecast_low, row.forecast_high,
                                 row.required_per_month), start=6):
        grid_number(ws, r, col, value, fmt)
    grid_text(ws, r, 10, status_words(row.status, lang))
    _style_status(ws.cell(row=r, column=10), row.status)
    grid_text(ws, r, 11, row.sentence)
    grid_number(ws, r, 12, row.progress_ratio, ACHIEVEMENT_FORMAT)
    grid_text(ws, r, 13, "\n".join(row.notes))


def _summary_sheet(ws: Worksheet, data: ReviewData, lang: str) -> None:
    currency = data.workspace.currency
    month = format_month(data.month, lang)
    write_title(ws, t("export.review.title", lang, workspace=clean_text(data.workspace.name),
                      month=month),
                t("export.review.subtitle", lang, as_of=(data.as_of or date.today()).isoformat(),
                  currency=currency, today=date.today().isoformat()))
    ws.freeze_panes = "A4"
    set_widths(ws, (28, 15, 15, 15, 10, 15, 14, 14, 16, 16, 60, 12, 60))
    headers = [t(f"export.review.col.{c}", lang) for c in SUMMARY_COLUMNS]
    row = 4
    write_text(ws.cell(row=row, column=1), t("export.review.kgi", lang)).font = SECTION_FONT
    write_header(ws, row + 1, headers)
    if data.kgi is not None:
        _summary_row(ws, row + 2, data.kgi, lang, currency)
    else:
        grid_text(ws, row + 2, 1, t("export.review.no_kgi", lang))
    pace_refs = [f"E{row + 2}"]
    row += 4
    write_text(ws.cell(row=row, column=1), t("export.review.kpis", lang)).font = SECTION_FONT
    write_header(ws, row + 1, headers)
    if not data.rows:
        grid_text(ws, row + 2, 1, t("export.review.no_kpis", lang))
    for offset, kpi in enumerate(data.rows, start=2):
        _summary_row(ws, row + offset, kpi, lang, currency)
    if data.rows:
        pace_refs.append(f"E{row + 2}:E{row + 1 + len(data.rows)}")
    _band_rules(ws, " ".join(pace_refs), data)
    row += 3 + max(len(data.rows), 1)
    write_text(ws.cell(row=row, column=1), t("export.review.actions", lang)).font = SECTION_FONT
    listed = actions_text(data.actions)
    actions = listed or [t("export.review.no_actions", lang)]
    for offset, action in enumerate(actions, start=1):
        prefix = f"{offset}. " if listed else ""
        write_text(ws.cell(row=row + offset, column=1), prefix + action)
    write_text(ws.cell(row=row + len(actions) + 2, column=1), _legend(data, lang)).font = Font(
        italic=True, size=9)


# --- achievement matrix and detail -------------------------------------------------------


def _achievement_sheet(ws: Worksheet, data: ReviewData, lang: str) -> None:
    periods = data.periods
    header_row = 3
    write_title(ws, t("export.review.title", lang, workspace=clean_text(data.workspace.name),
                      month=format_month(data.month, lang)))
    headers = [t("export.review.col.name", lang), t("export.col.metric_key", lang)]
    headers += [format_month(p, lang) for p in periods]
    headers += [t("export.review.col.status", lang)]
    write_header(ws, header_row, headers)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3).coordinate
    ws.print_title_rows = f"{header_row}:{header_row}"
    set_widths(ws, [28, 20] + [11] * len(periods) + [18])
    status_col = 3 + len(periods)
    rows = data.all_rows
    for offset, (kind, row) in enumerate(rows, start=1):
        r = header_row + offset
        grid_text(ws, r, 1, f"{t('export.type.' + kind, lang)}: {row.name(lang)}")
        grid_text(ws, r, 2, row.metric)
        cells = {c.period: c for c in row.months}
        for col, period in enumerate(periods, start=3):
            cell = cells.get(period)
            grid_number(ws, r, col, cell.achievement if cell else None, ACHIEVEMENT_FORMAT)
        grid_text(ws, r, status_col, status_words(row.status, lang))
        _style_status(ws.cell(row=r, column=status_col), row.status)
    if rows and periods:
        last = get_column_letter(2 + len(periods))
        _band_rules(ws, f"C{header_row + 1}:{last}{header_row + len(rows)}", data)
    legend_row = header_row + len(rows) + 2
    write_text(ws.cell(row=legend_row, column=1), _legend(data, lang)).font = Font(italic=True, size=9)


DETAIL_COLUMNS: tuple[str, ...] = ("name", "month", "month_target", "month_actual",
                                   "achievement", "status")


def _detail_sheet(ws: Worksheet, data: ReviewData, lang: str) -> None:
    currency = data.workspace.currency
    header_row = 1
    labels = [t(f"export.review.col.{c}", lang) for c in DETAIL_COLUMNS]
    labels.insert(1, t("export.col.metric_key", lang))
    write_header(ws, header_row, labels)
    ws.freeze_panes = "B2"
    ws.print_title_rows = "1:1"
    set_widths(ws, (28, 20, 14, 16, 16, 12, 18))
    r = header_row
    for kind, row in data.all_rows:
        fmt = unit_format(row.unit, currency)
        for cell in row.months:
            if cell.period > data.month:
                continue
            r += 1
            grid_text(ws, r, 1, f"{t('export.type.' + kind, lang)}: {row.name(lang)}")
            grid_text(ws, r, 2, row.metric)
            grid_text(ws, r, 3, format_month(cell.period, lang))
            grid_number(ws, r, 4, cell.target, fmt)
            grid_number(ws, r, 5, cell.actual, fmt)
            grid_number(ws, r, 6, cell.achievement, ACHIEVEMENT_FORMAT)
            grid_text(ws, r, 7, status_words(cell.status, lang))
            _style_status(ws.cell(row=r, column=7), cell.status)
    if r > header_row:
        _band_rules(ws, f"F{header_row + 1}:F{r}", data)
        ws.auto_filter.ref = f"A{header_row}:G{r}"


def build_review_workbook(data: ReviewData, lang: str) -> bytes:
    """The month's review workbook as ``.xlsx`` bytes: summary, KPI × month achievement
    matrix, and the month-by-month detail."""
    import io

    check_month(data.month)
    wb = Workbook()
    summary = wb.active
    summary.title = t("export.sheet.summary", lang)
    matrix = wb.create_sheet(t("export.sheet.achievement", lang))
    detail = wb.create_sheet(t("export.sheet.detail", lang))
    _summary_sheet(summary, data, lang)
    _achievement_sheet(matrix, data, lang)
    _detail_sheet(detail, data, lang)
    for ws in (summary, matrix, detail):
        print_setup(ws)
    props = wb.properties
    props.title = clean_text(t("export.review.title", lang, workspace=data.workspace.name,
                               month=format_month(data.month, lang)))
    props.subject = t("export.review.subject", lang)
    props.creator = props.lastModifiedBy = "KGI Planner"
    props.language = lang
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def actions_text(actions: Sequence[str]) -> list[str]:
    """Actions cleaned for any output (control characters removed, empty ones dropped)."""
    return [clean_text(a).strip() for a in actions if clean_text(a).strip()]
