"""Field ranges a restored row must respect, beyond its JSON type (issue 11).

A backup is a file anyone can edit. Types are checked by ``core.backup``; here are the
values the rest of the app relies on: a period of 1–36 months, status thresholds that are
numbers in their bands, known target kinds and cadences, finite figures of sane magnitude.
A row that breaks one is refused with the field named, before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from core.catalog import BUSINESS_TYPES
from core.goals import TARGET_KINDS
from core.i18n import LANGUAGES
from core.pacing import Thresholds
from core.plans import KPI_CADENCES

MAX_PERIOD_MONTHS = 36  # as core.workspaces allows
# Wider than an import's bound (10^15): figures typed by hand or stored by an older version
# come back as they were; what is refused is what overflows a sum (1e308) or is not finite.
MAX_ABS_VALUE = 1e18
MAX_LIST_ITEMS = 1_000
THRESHOLD_NAMES = ("on_track", "at_risk", "min_elapsed_fraction", "min_days")
GRANULARITIES = ("day", "week", "month")


def _figure(value: Any) -> bool:
    """None or a finite number of sane magnitude (not a bool, not a string)."""
    return value is None or (type(value) in (int, float) and math.isfinite(value) and abs(value) < MAX_ABS_VALUE)


def _figures(value: Any) -> bool:
    return value is None or (isinstance(value, list) and len(value) <= MAX_LIST_ITEMS
                             and all(v is not None and _figure(v) for v in value))


def _texts(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= MAX_LIST_ITEMS and all(isinstance(v, str) for v in value)


def _settings(value: Any) -> str | None:
    """The first bad field of a workspace's settings (thresholds), or None."""
    if not isinstance(value, dict):
        return "settings"
    thresholds = value.get("thresholds") if isinstance(value.get("thresholds"), dict) else value
    if "thresholds" in value and not isinstance(value["thresholds"], dict | type(None)):
        return "settings.thresholds"
    prefix = "settings.thresholds." if thresholds is not value else "settings."
    for name in THRESHOLD_NAMES:
        if name in thresholds and thresholds[name] is not None and (
                type(thresholds[name]) not in (int, float) or not math.isfinite(thresholds[name])):
            return prefix + name
    try:
        Thresholds.from_settings(dict(thresholds))
    except (TypeError, ValueError):
        return prefix + "on_track"
    return None


Rule = Callable[[Any], bool]
RULES: dict[str, dict[str, Rule]] = {
    "workspace": {
        "period_months": lambda v: type(v) is int and 1 <= v <= MAX_PERIOD_MONTHS,
        "business_type": lambda v: v in BUSINESS_TYPES,
        "language": lambda v: v in LANGUAGES,
        "currency": lambda v: isinstance(v, str) and len(v) == 3 and v.isalpha(),
    },
    "kgi": {
        "target_kind": lambda v: v is None or v in TARGET_KINDS,
        "target_value": _figure,
        "baseline": _figure,
        "monthly_targets": _figures,
        "smart": lambda v: v is None or isinstance(v, dict),
    },
    "kpi": {
        "target_kind": lambda v: v in TARGET_KINDS,
        "target_value": _figure,
        "baseline": _figure,
        "cadence": lambda v: v in KPI_CADENCES,
        "sources": _texts,
        "dimensions": _texts,
        "position": lambda v: type(v) is int and 0 <= v <= 100_000,
    },
    "import_batch": {
        "rows": lambda v: type(v) is int and v >= 0,
        "replaced": lambda v: type(v) is int and v >= 0,
        "metrics": _texts,
        "errors": lambda v: isinstance(v, list) and all(isinstance(e, dict) for e in v),
    },
    "observation": {
        "value": lambda v: v is not None and _figure(v),
        "granularity": lambda v: v in GRANULARITIES,
    },
    "draft": {"payload": lambda v: isinstance(v, dict)},
}


def bad_field(table: str, row: dict[str, Any]) -> str | None:
    """The name of the first field of ``row`` outside its range, or None."""
    for name, rule in RULES.get(table, {}).items():
        if name in row and not rule(row[name]):
            return name
    if table == "workspace":
        return _settings(row.get("settings"))
    return None
