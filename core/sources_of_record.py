"""The workspace's source of record per metric, as a service for the KPIs page and ``kgi sources``.

The rules themselves are in :mod:`core.measurement`; this module reads which sources have
data for which months and applies them to every metric the workspace has or plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import String, cast, select
from sqlalchemy.engine import Engine

from core.catalog import load_catalog
from core.formatting import format_day, format_value
from core.i18n import t
from core.measurement import (
    Measurement,
    SourceChoice,
    covered_end,
    drop_overlaps,
    family_of,
    measurement_label,
    platform_of,
    resolve_sources,
    source_label,
    sources_with_data,
)
from core.models import Observation
from core.typography import join_list
from core.workspaces import get_workspace, source_of_record_choices


@dataclass(frozen=True)
class MetricSources:
    """One metric's source of record and the sources left out."""

    metric: str
    choice: SourceChoice
    # What "automatic" counts (the choice itself unless the workspace chose another family).
    default: Measurement | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, **self.choice.to_dict(),
                "default": self.default.to_dict() if self.default else None}


def source_coverage(engine: Engine, workspace_id: int) -> pd.DataFrame:
    """Distinct (metric, source, date) of the workspace's live rows: what has data when."""
    obs = Observation.__table__.c  # type: ignore[attr-defined]
    query = (
        select(obs.metric, obs.source, cast(obs.date, String))
        .where(obs.workspace_id == workspace_id, obs.superseded_by.is_(None))
        .group_by(obs.metric, obs.source, obs.date)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    frame = pd.DataFrame(rows, columns=["metric", "source", "date"])
    frame["date"] = pd.to_datetime(frame["date"].astype(str).str.slice(0, 10))
    return frame


def workspace_sources(engine: Engine, workspace_id: int, metrics: list[str] | None = None) -> list[MetricSources]:
    """Every metric with data (or in ``metrics``) and what it counts in this workspace."""
    ws = get_workspace(engine, workspace_id)
    chosen = source_of_record_choices(ws)
    coverage = source_coverage(engine, workspace_id)
    catalog = load_catalog()
    have = set(coverage["metric"]) if not coverage.empty else set()
    wanted = metrics if metrics is not None else [m for m in catalog.metrics if m in have or m in chosen]
    out = []
    for metric in wanted:
        available = sources_with_data(coverage, metric)
        choice = resolve_sources(metric, available, business_type=ws.business_type, chosen_family=chosen.get(metric))
        default = resolve_sources(metric, available, business_type=ws.business_type).record
        if choice.record is not None:
            out.append(MetricSources(metric, choice, default))
    return out


@dataclass(frozen=True)
class Overlap:
    """An import whose figures another family already measures for the same months: both
    kept, never added; the dashboard counts ``record`` and shows the others beside it."""

    metric: str
    source: str
    start: date
    end: date
    record: Measurement | None
    figures: tuple[tuple[Measurement, float], ...]
    currency: str
    # Two exports of one platform (not two families): the dashboard counts one, shows no other.
    same_platform: bool = False

    def message(self, lang: str) -> str:
        metric = load_catalog()[self.metric]
        others = [m for m, _ in self.figures if self.source not in m.sources]
        figures = ("；" if lang.startswith("zh") else "; ").join(
            f"{measurement_label(m, lang)} {format_value(v, metric.unit, lang, self.currency)}" for m, v in self.figures
        )
        key = "measurement.upload.same_platform" if self.same_platform else "measurement.upload.overlap"
        return t(
            key, lang, metric=metric.name(lang), source=source_label(self.source, lang),
            others=join_list((measurement_label(m, lang) for m in others), lang), start=format_day(self.start, lang),
            end=format_day(self.end, lang), record=measurement_label(self.record, lang), figures=figures,
        )

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "metric": self.metric, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "record": self.record.to_dict() if self.record else None,
            "figures": [{**m.to_dict(), "value": v} for m, v in self.figures],
            "same_platform": self.same_platform, "message": self.message(lang),
        }


def import_overlaps(engine: Engine, workspace_id: int, source: str, metrics: list[str],
                    start: date | None, end: date | None) -> list[Overlap]:
    """For a file just imported from ``source``: each metric another family also measures over
    the same months, with every family's figure over those months.

    A cheap look first (which sources have these metrics in the file's range), so an import
    that overlaps nothing — the usual case — costs one small query.
    """
    catalog = load_catalog()
    wanted = [m for m in metrics if m in catalog]
    if not wanted or start is None or end is None:
        return []
    obs = Observation.__table__.c  # type: ignore[attr-defined]
    first, last = start.replace(day=1), covered_end(end, "month")
    query = (
        select(obs.source)
        .where(obs.workspace_id == workspace_id, obs.superseded_by.is_(None), obs.metric.in_(wanted),
               obs.date >= first, obs.date <= last)
        .group_by(obs.source)
    )
    with engine.connect() as conn:
        sources = {row[0] for row in conn.execute(query)}
    siblings = [s for s in platform_of(source) if s in sources and s != source]
    if len({family_of(s) for s in sources}) < 2 and not siblings:
        return []
    from core.aggregate import aggregate
    from core.store import load_observations

    ws = get_workspace(engine, workspace_id)
    everything = source_coverage(engine, workspace_id)
    out = []
    for metric in wanted:
        rows = drop_overlaps(load_observations(engine, workspace_id, [metric], start=first, end=last))
        # The source of record is chosen on all the workspace's data, as the dashboard does.
        choice = resolve_sources(metric, sources_with_data(everything, metric), business_type=ws.business_type,
                                 chosen_family=source_of_record_choices(ws).get(metric))
        for found, same_platform in ((_overlap(rows, metric, source, choice, aggregate), False),
                                     (_sibling_overlap(rows, metric, source, siblings, aggregate), True)):
            if found is not None:
                record, months, figures = found
                out.append(Overlap(metric, source, date.fromisoformat(months[0] + "-01"),
                                   covered_end(date.fromisoformat(months[-1] + "-01"), "month"), record,
                                   figures, ws.currency, same_platform))
    return out


def _sibling_overlap(rows: pd.DataFrame, metric: str, source: str, siblings: list[str],
                     aggregate: Any) -> tuple[Measurement, list[str], tuple[tuple[Measurement, float], ...]] | None:
    """Two exports of one platform (Shopify's orders export and its sales report) for the same
    months: one figure twice. The platform counts its first export with data; both figures
    are named so the person importing sees which."""
    covered = sources_with_data(rows, metric)
    mine = covered.get(source, set())
    others = [s for s in siblings if covered.get(s, set()) & mine]
    if not mine or not others:
        return None
    shared = sorted(mine & set().union(*(covered[s] for s in others)))
    in_shared = pd.to_datetime(rows["date"]).dt.strftime("%Y-%m").isin(shared)
    family = family_of(source)
    figures = []
    for s in (source, *others):
        value = aggregate(rows.loc[in_shared & (rows["source"] == s)], metric, "period")
        if len(value):
            figures.append((Measurement(family, (s,)), float(value.iloc[0])))
    counted = next(s for s in platform_of(source) if s in (source, *others))
    return Measurement(family, (counted,)), shared, tuple(figures)


def _overlap(rows: pd.DataFrame, metric: str, source: str, choice: SourceChoice,
             aggregate: Any) -> tuple[Measurement | None, list[str], tuple[tuple[Measurement, float], ...]] | None:
    covered = sources_with_data(rows, metric)
    if source not in covered:
        return None
    measurements = [m for m in (choice.record, *choice.alternatives) if m is not None and m.sources]
    mine = next((m for m in measurements if source in m.sources), None)
    others = [m for m in measurements if m is not mine]
    if mine is None or not others:
        return None
    mine_months = set().union(*(covered.get(s, set()) for s in mine.sources))
    shared = sorted(mine_months & set().union(*(covered.get(s, set()) for m in others for s in m.sources)))
    if not shared:
        return None
    in_shared = pd.to_datetime(rows["date"]).dt.strftime("%Y-%m").isin(shared)
    figures = []
    for m in [mine, *others]:
        part = rows.loc[in_shared & rows["source"].isin(m.sources)]
        value = aggregate(part, metric, "period")
        if len(value):
            figures.append((m, float(value.iloc[0])))
    return choice.record, shared, tuple(figures)
