"""A stand-in for ``core.importing.ParsedFile`` with only what storing reads, so storage tests
build exact observations without going through a reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Row = tuple[str, str, float, str]  # (date, metric, value, dimension)


@dataclass
class FakeParsed:
    """The fields of ``core.importing.ParsedFile`` that ``store_parsed`` uses."""

    file_name: str
    source: str
    observations: pd.DataFrame
    confidence: float = 1.0
    rejected: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeRejected:
    row: int
    column: str
    key: str
    params: dict[str, Any]


def parsed(rows: list[Row], *, source: str = "meta_ads", name: str = "a.csv",
           rejected: list[Any] | None = None) -> FakeParsed:
    """Observations from ``(date, metric, value, dimension)`` rows, as a reader returns them."""
    frame = pd.DataFrame(rows, columns=["date", "metric", "value", "dimension"])
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["value"] = frame["value"].astype("float64")
    frame["granularity"] = "day"
    return FakeParsed(file_name=name, source=source, observations=frame, rejected=rejected or [])


def daily(metric: str, values: dict[str, float], dimension: str = "") -> list[Row]:
    return [(d, metric, v, dimension) for d, v in values.items()]
