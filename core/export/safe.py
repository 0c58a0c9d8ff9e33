"""How every cell of a download is written: user text safely, numbers with their unit's format.

Text a person typed (a KPI label, an owner, a goal sentence) can start with ``=``, ``+``,
``-`` or ``@``. Written naively, openpyxl stores ``=HYPERLINK(...)`` as a live formula, and
Excel evaluates ``+1-2`` or ``@SUM(A1)`` when someone edits the cell: the classic spreadsheet
injection. :func:`write_text` stores such text as a plain string *and* sets the cell's
``quotePrefix`` style, the flag Excel itself sets when one types ``'=...``: the value reads
back exactly as typed, shows as typed, and stays text even after the cell is edited.

CSV has no cell types, so :func:`csv_safe` follows the OWASP advice instead: a leading ``'``
on text that a spreadsheet would read as a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.formatting import currency_symbol

# Characters that make a spreadsheet treat the rest of a cell as a formula (OWASP CSV
# injection list: = + - @, tab and carriage return).
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
# Control characters XML 1.0 cannot hold; openpyxl refuses them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
EXCEL_MAX_TEXT = 32_767

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=14, color="1F4E79")
SUBTITLE_FONT = Font(italic=True, size=10, color="595959")
SECTION_FONT = Font(bold=True, size=12, color="1F4E79")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (or as DDE)."""
    return text.startswith(FORMULA_TRIGGERS)


def clean_text(value: object) -> str:
    """``value`` as text a workbook can hold: ``None`` → ``""``, XML-illegal control
    characters removed, carriage returns turned into line feeds (XML readers fold a bare CR
    into LF anyway, so writing LF is what reads back), at most Excel's 32,767 characters."""
    if value is None:
        return ""
    text = _ILLEGAL.sub("", str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[:EXCEL_MAX_TEXT]


def write_text(cell: Cell, value: object) -> Cell:
    """Store ``value`` in ``cell`` as text, never as a formula.

    Use it for every string a person typed. ``None`` leaves the cell empty.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> cell = write_text(Workbook().active["A1"], '=HYPERLINK("http://x","y")')
    >>> cell.data_type, cell.value
    ('s', '=HYPERLINK("http://x","y")')
    """
    if value is None:
        cell.value = None
        return cell
    text = clean_text(value)
    cell.value = text
    # openpyxl guesses "f" (formula) for anything starting with "="; force plain text.
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


def csv_safe(value: object) -> str:
    """A CSV field that no spreadsheet will run: formula-looking text gets a leading ``'``.

    Plain numbers (``-5``, ``+3.2``) are left alone: they are data, not formulas.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # 12 significant digits: 0.022000000000000002 is float noise, not data.
        return "" if value != value else format(value, ".12g")
    text = str(value)
    if looks_like_formula(text) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


# --- number formats ------------------------------------------------------------------------

def _quoted(text: str) -> str:
    """A literal for an Excel number format: ``"NT$"`` (double quotes doubled inside)."""
    return '"' + text.replace('"', '""') + '"'


def currency_format(currency: str) -> str:
    """``"NT$"#,##0`` for TWD; two decimals for currencies that use cents in practice."""
    code = (currency or "").upper()
    symbol = currency_symbol(code)
    digits = "#,##0" if code in ("TWD", "JPY") else "#,##0.00"
    return f"{_quoted(symbol)}{digits};-{_quoted(symbol)}{digits}"


def unit_format(unit: str, currency: str) -> str:
    """The Excel number format of a value stored in the catalog's convention for ``unit``.

    Percent metrics are stored as fractions, so ``0.0%`` shows 0.031 as 3.1%.
    """
    if unit == "currency":
        return currency_format(currency)
    if unit == "percent":
        return "0.0%"
    if unit == "ratio":
        return '0.00"×"'
    if unit == "rank":
        return "0.0"
    return "#,##0"


CHANGE_PCT_FORMAT = "+0.0%;-0.0%;0.0%"
ACHIEVEMENT_FORMAT = "0%"


def pp_format(suffix: str) -> str:
    """Percentage points: ``+3.0 pp`` (the suffix is in the reader's language)."""
    quoted = _quoted(suffix)
    return f"+0.0{quoted};-0.0{quoted};0.0{quoted}"


# --- layout helpers --------------------------------------------------------------------------

def write_title(ws: Worksheet, title: str, subtitle: str | None = None) -> int:
    """Title (and subtitle) in the first rows; returns the next free row."""
    write_text(ws.cell(row=1, column=1), title).font = TITLE_FONT
    ws.row_dimensions[1].height = 24
    if subtitle:
        write_text(ws.cell(row=2, column=1), subtitle).font = SUBTITLE_FONT
        return 4
    return 3


def write_header(ws: Worksheet, row: int, labels: Iterable[str], start_col: int = 1) -> None:
    """Bold white-on-blue header cells, text-safe."""
    for offset, label in enumerate(labels):
        cell = write_text(ws.cell(row=row, column=start_col + offset), label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def set_widths(ws: Worksheet, widths: Iterable[float], start_col: int = 1) -> None:
    for offset, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(start_col + offset)].width = width


def print_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    """Landscape, fit to one page wide, header rows repeated on every printed page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_rows:
        ws.print_title_rows = title_rows


def grid_number(ws: Worksheet, row: int, col: int, value: float | None, fmt: str) -> None:
    """A number in a table cell: its format and the table's thin grid."""
    cell = ws.cell(row=row, column=col, value=value)
    cell.number_format = fmt
    cell.border = GRID


def grid_text(ws: Worksheet, row: int, col: int, value: object) -> None:
    """Text in a table cell, always stored as text, wrapped, with the table's grid."""
    cell = write_text(ws.cell(row=row, column=col), value)
    cell.border = GRID
    cell.alignment = WRAP
