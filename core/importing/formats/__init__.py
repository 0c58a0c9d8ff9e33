"""Readers for exports that are not "one row per day": order lists, subscription lists and
single-report key/value files, one module per export family.

The reader asks this package two things: which function reads the rows of a table whose
source declares a given ``layout`` (:func:`row_parser`), and whether a decoded file is a
whole-file report that has no table at all (:func:`read_whole_file`).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from core.importing.decode import Decoded
    from core.importing.planning import _Context, _Plan
    from core.importing.tables import RawTable

# layout name → "module:function"; the module is imported only when a file needs it.
_ROW_LAYOUTS: dict[str, str] = {
    "shopee_orders": "core.importing.formats.shopee:parse_orders",
    "shopline_orders": "core.importing.formats.shopline:parse_orders",
    "ninety_one_app_orders": "core.importing.formats.ninety_one_app:parse_orders",
    "stripe_payments": "core.importing.formats.stripe:parse_payments",
    "stripe_subscriptions": "core.importing.formats.stripe:parse_subscriptions",
}

# Whole-file readers, tried in order before any table is looked for.
_WHOLE_FILE: tuple[str, ...] = ("core.importing.formats.mailchimp_campaign:read",)

RowParser = Callable[["_Context", "_Plan"], "pd.DataFrame"]


def _load(target: str) -> Any:
    module, name = target.split(":")
    return getattr(import_module(module), name)


def reads_rows(layout: str) -> bool:
    """True when ``layout`` is read by a parser of this package (metrics come from rows)."""
    return layout in _ROW_LAYOUTS


def row_parser(layout: str) -> RowParser | None:
    target = _ROW_LAYOUTS.get(layout)
    return _load(target) if target else None


def read_whole_file(ctx: _Context, decoded: Decoded, requested: str) -> pd.DataFrame | None:
    """Observations of a whole-file report (Mailchimp's single-campaign report), or None.

    Each reader looks at the decoded file and answers None when it is not its kind; it sets
    ``ctx.source`` and fills ``ctx.columns`` and warnings when it is.
    """
    for target in _WHOLE_FILE:
        found = _load(target)(ctx, decoded, requested)
        if found is not None:
            return found
    return None


def drop_cut_row(ctx: _Context, decoded: Decoded, tables: list[RawTable]) -> None:
    """Leave out, with a reason, the last row of a CSV that was cut short.

    Exports often end without a line break, so that alone proves nothing. A file whose last
    line has fewer fields than its table's header, or an opening quote never closed, ended in
    the middle of that row (a download or a copy stopped early): its last number may be cut
    too (``800`` read as ``80``), so the row is rejected rather than read.
    """
    import csv

    import numpy as np

    text = decoded.text or ""
    if decoded.kind != "text" or not tables or not text or text.endswith(("\n", "\r")):
        return
    table = tables[-1]
    if table.workbook or not len(table.data):
        return
    last_line = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
    try:
        fields = next(csv.reader([last_line], delimiter=decoded.delimiter or ","), [])
    except csv.Error:
        fields = []
    unclosed = last_line.count('"') % 2 == 1
    if not unclosed and len(fields) >= len(table.raw_headers):
        return
    row = ["" if v is None else str(v).strip() for v in table.data.iloc[-1].tolist()]
    if [f.strip() for f in fields[:2]] != row[: min(2, len(fields))]:
        return  # the last line is not this table's last row (a quoted cell spans lines)
    pos = len(table.data) - 1
    ctx.reject(table, np.array([pos]), None, "import.fmt.row_cut_off")
    table.data = table.data.iloc[:pos]
    table.row_numbers = table.row_numbers[:pos]
    table.extra = table.extra.iloc[:pos]
    table._distinct.clear()
