"""The value types a read gives: a parsed file, its rejected rows, columns and messages.

Kept apart from the readers so that the pages, the store and the readers' own helpers can
name them without importing the reading machinery (imports run one way: reader → planning →
parsed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.i18n import t
from core.importing.messages import display_params, render
from core.importing.spill import Spill

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
