"""Rendering a rejected row's message: its key, its row and column, and its sheet.

Row messages are written as "Row {row}: … {column} …"; whoever shows one (the reader's
``RejectedRow``, the store's ``Problem`` read back from an import batch) renders it here, so
the row and column are always filled in and no message key ever reaches a user.
"""

from __future__ import annotations

from typing import Any

from core.i18n import has, t

UNKNOWN_KEY = "import.row.unreadable"
UNKNOWN_FILE_KEY = "import.file.unreadable"


# Parameters that count things: shown with thousands separators (12,345 rows), the one rule
# for every import message. Row numbers, years and months are not counts and stay as written.
COUNT_PARAMS = frozenset({"count", "total", "shown", "cells", "rejected", "skipped"})


def display_params(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` ready for a sentence: integer counts grouped by thousands."""
    return {k: f"{v:,}" if k in COUNT_PARAMS and isinstance(v, int) and not isinstance(v, bool) else v
            for k, v in params.items()}


def render(key: str, lang: str, row: int | None = None, column: str | None = None,
           params: dict[str, Any] | None = None) -> str:
    """The message in ``lang``; a row in another sheet than the first says which sheet."""
    params = display_params(params or {})
    sheet = params.pop("sheet", None)
    if isinstance(params.get("metric"), str):  # a catalog key is named in the reader's language
        params["metric"] = _metric_name(params["metric"], lang)
    values = {"row": row if row is not None else "?", "column": column or "", **params}
    try:
        text = t(key, lang, **values) if has(key) else _unknown(lang, row)
    except (KeyError, IndexError, ValueError):
        text = _unknown(lang, row)
    if sheet:
        text = t("import.row.in_sheet", lang, sheet=sheet, message=text)
    return text


def _metric_name(key: str, lang: str) -> str:
    from core.catalog import load_catalog

    catalog = load_catalog()
    return catalog[key].name(lang) if key in catalog else key


def _unknown(lang: str, row: int | None) -> str:
    """A key this version does not know (an old batch, a newer reader): still a sentence."""
    return t(UNKNOWN_KEY, lang, row=row) if row is not None else t(UNKNOWN_FILE_KEY, lang)
