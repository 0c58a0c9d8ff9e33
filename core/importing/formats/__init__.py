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
    from core.importing.reader import _Context, _Plan

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
