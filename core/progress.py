"""Progress of a workspace's KGI and every KPI as of a date (SPEC §2 pages 6–7, §5b, §9).

The work is split so the dashboard can cache it:

- :func:`load_plan_inputs` reads the plan (workspace, KGI, KPIs) into plain, picklable values;
- :func:`load_progress_observations` reads the observations the plan needs, summed over
  dimension values by the database where no figure needs them apart
  (:class:`PlanObservations`);
- :func:`compute_progress` is pure: plan + observations + date → :class:`Progress`; each
  goal's rows are prepared once (:class:`core.aggregate.RangeAggregator`) and every figure
  (months, to date, last year, weights) is then a range over them;
- :func:`workspace_progress` does all three (the CLI and the tests use it).

A goal's *target* is resolved into the metric's own unit before pacing: ``revenue +50%`` on
last year's NT$8M is NT$12M for the year; ``conversion rate +10%`` on last year's 2.0% is a
2.2% level; ``followers +10,000 a month`` from 40,000 climbs to 160,000. Baselines come from
the goal's ``baseline`` field when set, else from last year's actuals over the same months
(the same sources and dimension values the goal counts).
"""

from __future__ import annotations

import calendar
import gc
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, case, cast, func, literal_column, select
from sqlalchemy.engine import Engine

from core import pacing
from core.aggregate import RangeAggregator
from core.catalog import load_catalog
from core.db import session_scope
from core.drivers import (
    attribute_change,
    choose_expansion,
    driver_check,
    identity_drivers,
    kpi_change_pct,
)
from core.errors import KgiError
from core.formatting import format_pct
from core.goals import MONTHS_PER_CADENCE, Target, add_months
from core.i18n import t
from core.measurement import Measurement, SourceChoice, choose, covered_end, drop_overlaps
from core.models import ImportBatch, Kgi, Kpi, Observation, Workspace

_DAYS_PER_CADENCE = {"day": 1.0, "week": 7.0}


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalSpec:
    """A KGI or KPI as pacing needs it (a plain copy of the database row)."""

    role: str  # "kgi" | "kpi"
    id: int | None
    metric: str | None
    label: str
    target_kind: str | None
    target_value: float | None
    baseline: float | None = None
    cadence: str | None = None
    sources: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    split: str = "linear"
    monthly_override: tuple[float, ...] | None = None


@dataclass(frozen=True)
class PlanInputs:
    """Everything about a workspace's plan that progress depends on."""

    workspace_id: int
    name: str
    currency: str
    period_start: date
    period_end: date
    months: int
    thresholds: dict[str, Any] = field(default_factory=dict)
    kgi: GoalSpec | None = None
    kpis: tuple[GoalSpec, ...] = ()
    business_type: str | None = None
    # The workspace's source of record per metric (family key; absent or "auto": the default).
    source_of_record: tuple[tuple[str, str], ...] = ()

    def metrics(self) -> set[str]:
        """Metrics to read: every goal's, plus the KGI's drivers (for the gap attribution)."""
        goals = [g for g in (self.kgi, *self.kpis) if g is not None and g.metric]
        wanted = {g.metric for g in goals if g.metric in load_catalog()}
        if self.kgi is not None and self.kgi.metric in load_catalog():
            wanted |= identity_drivers(self.kgi.metric)
        return {m for m in wanted if m}  # type: ignore[misc]


def load_plan_inputs(engine: Engine, workspace_id: int) -> PlanInputs:
    """Read the workspace, its KGI and its KPIs (unknown workspace → ``KgiError``)."""
    with session_scope(engine) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            raise KgiError("workspace.not_found", ref=str(workspace_id))
        kgi_row = _first(session, select(Kgi).where(Kgi.workspace_id == workspace_id))
        kpi_rows = _all(session, select(Kpi).where(Kpi.workspace_id == workspace_id).order_by(Kpi.position, Kpi.id))
        start = ws.period_start
        months = int(ws.period_months or 12)
        end = add_months(start, months) - timedelta(days=1)
        kgi = _kgi_spec(kgi_row) if kgi_row is not None else None
        if kgi_row is not None and kgi_row.period_start and kgi_row.period_end:
            start, end = kgi_row.period_start, kgi_row.period_end
            months = _months_between(start, end)
        settings = dict(ws.settings or {})
        return PlanInputs(
            workspace_id=workspace_id,
            name=ws.name,
            currency=ws.currency,
            period_start=start,
            period_end=end,
            months=months,
            # Bands may sit under "thresholds" or at the top of the settings (Settings page).
            thresholds=dict(settings.get("thresholds") or settings),
            kgi=kgi,
            kpis=tuple(_kpi_spec(row) for row in kpi_rows),
            business_type=ws.business_type,
            source_of_record=tuple(sorted((settings.get("source_of_record") or {}).items())),
        )


def _first(session: Any, query: Any) -> Any:
    return session.execute(query).scalars().first()


def _all(session: Any, query: Any) -> list[Any]:
    return list(session.execute(query).scalars().all())


def _months_between(start: date, end: date) -> int:
    """Calendar months touched by [start, end]: 2024-01-01..2024-12-31 → 12."""
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 1)


def _kgi_spec(row: Kgi) -> GoalSpec:
    override = tuple(float(v) for v in row.monthly_targets) if row.monthly_targets else None
    return GoalSpec(
        role="kgi", id=row.id, metric=row.metric, label=row.text or "",
        target_kind=row.target_kind, target_value=row.target_value, baseline=row.baseline,
        split=row.split or "linear", monthly_override=override,
    )


def _kpi_spec(row: Kpi) -> GoalSpec:
    return GoalSpec(
        role="kpi", id=row.id, metric=row.metric, label=row.label or "",
        target_kind=row.target_kind, target_value=row.target_value, baseline=row.baseline,
        cadence=row.cadence, sources=tuple(row.sources or ()), dimensions=tuple(row.dimensions or ()),
    )


_OBS_COLUMNS = ("date", "metric", "value", "source", "dimension")


def _empty_obs() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.Series([], dtype="datetime64[ns]"), "metric": pd.Series([], dtype=object),
        "value": pd.Series([], dtype=float), "source": pd.Series([], dtype=object),
        "dimension": pd.Series([], dtype=object),
    })


@dataclass
class PlanObservations:
    """The observations a plan needs, as the database gave them, ready for :func:`compute_progress`.

    ``collapsed`` holds rows already summed over dimension values per (date, metric, source),
    with ``count`` the number of rows each stands for (so a stored rate's plain mean survives)
    — one frame per dimension filter the plan uses, ``()`` meaning every value; ``raw`` holds,
    per filter, the rows of a weighted mean and its weights, which must keep their dimension
    (they are joined on source, date and dimension). Picklable, so pages can cache it.
    """

    collapsed: dict[tuple[str, ...], pd.DataFrame] = field(default_factory=dict)
    raw: dict[tuple[str, ...], pd.DataFrame] = field(default_factory=dict)
    # First and last day the plan's rows cover (the workspace's, when the plan's have none).
    covered: tuple[date, date] | None = None

    def frame_for(self, metric: str, dimensions: tuple[str, ...]) -> tuple[str, pd.DataFrame | None]:
        """Which frame holds ``metric``'s rows for a dimension filter, and that frame."""
        if load_catalog()[metric].aggregation == "weighted_mean":
            return "raw", self.raw.get(dimensions)
        return "collapsed", self.collapsed.get(dimensions)


def _with_components(metrics: set[str]) -> set[str]:
    catalog = load_catalog()
    return {k for m in metrics for k in (m, *catalog[m].components) if k}


def _requests(inputs: PlanInputs) -> dict[tuple[str, ...], set[str]]:
    """Goal metrics to read per dimension filter (the KGI's drivers under ``()``)."""
    catalog = load_catalog()
    out: dict[tuple[str, ...], set[str]] = {}
    for goal in (inputs.kgi, *inputs.kpis):
        if goal is not None and goal.metric in catalog:
            out.setdefault(tuple(goal.dimensions), set()).add(goal.metric)  # type: ignore[arg-type]
    if inputs.kgi is not None and inputs.kgi.metric in catalog:
        out.setdefault((), set()).update(identity_drivers(inputs.kgi.metric))
    return out


def load_progress_observations(engine: Engine, inputs: PlanInputs) -> PlanObservations:
    """The live observations progress needs, from a year before the period to its end.

    The database does the collapsing: additive metrics come summed over dimension values per
    (date, metric, source) — a fifth of the rows for five channels — and only the metrics,
    dimension values and dates the plan reads are fetched.
    """
    catalog = load_catalog()
    data = PlanObservations()
    requests = _requests(inputs)
    if not requests:
        data.covered = data_range(engine, inputs.workspace_id)
        return data
    start, end = add_months(inputs.period_start, -12), inputs.period_end
    with engine.connect() as conn:
        for dimensions, metrics in requests.items():
            joined = {m for m in metrics if catalog[m].aggregation == "weighted_mean"}
            where = _Where(inputs.workspace_id, dimensions, start, end)
            data.collapsed[dimensions] = _read(conn, where, _with_components(metrics - joined), collapse=True)
            data.raw[dimensions] = _read(conn, where, _with_components(joined), collapse=False)
    # The range the plan's rows cover; only when they have none is the whole workspace scanned
    # (to say that the plan and the data do not meet).
    ranges = [r for f in (*data.collapsed.values(), *data.raw.values()) if (r := _frame_range(f)) is not None]
    if ranges:
        data.covered = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    else:
        data.covered = data_range(engine, inputs.workspace_id)
    return data


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while tens of thousands of row tuples are made.

    None of them can be part of a cycle, but each allocation counts towards the collector's
    thresholds: with pandas, Plotly and Streamlit loaded, the full collections it triggers
    cost more than reading the rows (≈ 85 ms of 155 ms on the benchmark's workspace).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class _Where:
    """The rows :func:`_read` fetches, besides their metrics."""

    workspace_id: int
    dimensions: tuple[str, ...]
    start: date
    end: date


def _read(conn: Any, where: _Where, metrics: set[str], *, collapse: bool) -> pd.DataFrame:
    """Live rows of ``metrics`` in [start, end]; when ``collapse``, summed over dimension values
    per (date, metric, source), with ``count`` the rows summed.

    Text columns come back categorical: a few distinct values each, cheap to filter and to
    pickle (pages cache these frames with ``st.cache_data``, which pickles them).
    """
    if not metrics:
        return _empty_obs()
    obs = Observation.__table__.c  # type: ignore[attr-defined]
    day = cast(obs.date, String)
    if collapse:
        # A total row and its breakdown on one (metric, source, date, granularity) are one
        # measurement (core.measurement.drop_overlaps): the sums of each come apart, and the
        # total wins where it exists. Grouping by the live index's own columns keeps the scan
        # in index order; literals, not bound parameters, so PostgreSQL sees one expression.
        blank = obs.dimension == literal_column("''")
        query = (
            select(day, obs.metric, obs.source, obs.granularity,
                   func.sum(case((blank, obs.value))), func.count(case((blank, obs.value))),
                   func.sum(case((~blank, obs.value))), func.count(case((~blank, obs.value))))
            .group_by(obs.metric, obs.source, obs.date, obs.granularity)
        )
    else:
        query = select(day, obs.metric, obs.value, obs.source, obs.dimension, obs.granularity)
    query = query.where(
        obs.workspace_id == where.workspace_id, obs.superseded_by.is_(None), obs.metric.in_(sorted(metrics)),
        obs.date >= where.start, obs.date <= where.end,
    )
    if where.dimensions:
        query = query.where(obs.dimension.in_(list(where.dimensions)))
    with _gc_paused():
        rows = conn.execute(query).fetchall()
        if not rows:
            return _empty_obs()
        columns = list(zip(*rows, strict=True))
        del rows
    return _frame(columns, collapse)


def _frame(columns: list[tuple[Any, ...]], collapse: bool) -> pd.DataFrame:
    """The columns of :func:`_read`'s query as a frame."""
    n = len(columns[0])
    # Dates arrive as text: parse each distinct day once (a few hundred), not every row.
    codes, days = pd.factorize(pd.Series(columns[0], dtype=object))
    parsed = pd.to_datetime(pd.Series(days, dtype=object).str.slice(0, 10), format="%Y-%m-%d").to_numpy()
    if collapse:
        return _collapsed_frame(columns, parsed.astype("datetime64[ns]")[codes], n)
    frame = {
        "date": parsed.astype("datetime64[ns]")[codes],
        "metric": pd.Categorical(columns[1]),
        "value": pd.to_numeric(pd.Series(columns[2], dtype=object), errors="coerce").astype(float),
        "source": pd.Categorical(columns[3]),
    }
    frame["dimension"] = pd.Categorical(columns[4])
    frame["granularity"] = pd.Categorical(columns[5])
    return pd.DataFrame(frame)


def _collapsed_frame(columns: list[tuple[Any, ...]], dates: np.ndarray, n: int) -> pd.DataFrame:
    """One row per (date, metric, source, granularity): the total where there is one, else
    the sum of the breakdown; ``count`` the rows it stands for."""
    total = pd.to_numeric(pd.Series(columns[4], dtype=object), errors="coerce").to_numpy(dtype=float)
    total_n = np.fromiter(columns[5], dtype=float, count=n)
    parts = pd.to_numeric(pd.Series(columns[6], dtype=object), errors="coerce").to_numpy(dtype=float)
    parts_n = np.fromiter(columns[7], dtype=float, count=n)
    has_total = total_n > 0
    return pd.DataFrame({
        "date": dates,
        "metric": pd.Categorical(columns[1]),
        "value": np.where(has_total, total, parts),
        "source": pd.Categorical(columns[2]),
        "dimension": pd.Categorical([""] * n),
        "count": np.where(has_total, total_n, parts_n),
        "granularity": pd.Categorical(columns[3]),
    })


def data_stamp(engine: Engine, workspace_id: int) -> tuple[Any, ...]:
    """What changes whenever progress could: imports (and undos), the plan's last edit, the
    workspace's settings — in one query, as pages ask for it on every rerun.

    Pages key their caches on it, so a widget change recomputes nothing while an import or a
    plan edit does.
    """
    live = (ImportBatch.workspace_id == workspace_id) & (ImportBatch.status == "imported")
    gone = (ImportBatch.workspace_id == workspace_id) & (ImportBatch.status != "imported")
    query = select(
        select(func.max(ImportBatch.id)).where(live).scalar_subquery(),
        select(func.count(ImportBatch.id)).where(live).scalar_subquery(),
        select(func.count(ImportBatch.id)).where(gone).scalar_subquery(),
        select(func.max(Kgi.updated_at)).where(Kgi.workspace_id == workspace_id).scalar_subquery(),
        select(func.count(Kgi.id)).where(Kgi.workspace_id == workspace_id).scalar_subquery(),
        select(func.max(Kpi.updated_at)).where(Kpi.workspace_id == workspace_id).scalar_subquery(),
        select(func.count(Kpi.id)).where(Kpi.workspace_id == workspace_id).scalar_subquery(),
        Workspace.name, Workspace.currency, Workspace.settings, Workspace.period_start, Workspace.period_months,
    ).where(Workspace.id == workspace_id)
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return (workspace_id, *(repr(v) if isinstance(v, dict) else str(v) if v is not None else None for v in row or ()))


def data_range(engine: Engine, workspace_id: int) -> tuple[date, date] | None:
    """First and last day the workspace's live rows cover (a month row covers its month).

    One pass without grouping: the last day of each granularity comes from a conditional MAX.
    """
    obs = Observation.__table__.c  # type: ignore[attr-defined]
    last_of = {g: func.max(case((obs.granularity == literal_column(f"'{g}'"), obs.date))) for g in ("week", "month")}
    query = select(func.min(obs.date), func.max(obs.date), last_of["week"], last_of["month"]).where(
        obs.workspace_id == workspace_id, obs.superseded_by.is_(None),
    )
    with engine.connect() as conn:
        first, last, week, month = conn.execute(query).one()
    if first is None:
        return None
    ends = [_as_date(last)]
    ends += [covered_end(_as_date(v), g) for v, g in ((week, "week"), (month, "month")) if v is not None]
    return _as_date(first), max(ends)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def last_data_date(engine: Engine, workspace_id: int) -> date | None:
    """The last day the data covers: 30 June for a sheet whose last row is June's total."""
    covered = data_range(engine, workspace_id)
    return covered[1] if covered else None


def default_as_of(last_data: date | None, today: date | None = None) -> date:
    """The last date with data, capped at today (today when there is no data)."""
    today = today or date.today()
    return min(last_data, today) if last_data is not None else today


def plan_as_of(obs: PlanObservations, today: date | None = None) -> date:
    """The day progress is shown as of by default: the last day the plan's own data covers
    (a month row covers its month), capped at today.

    The plan's rows are what progress counts, so a later file of an unrelated metric does not
    move "as of" past the plan's last figure; with no plan rows at all, the whole workspace's
    last day is used (:attr:`PlanObservations.covered` falls back to it).
    """
    return default_as_of(obs.covered[1] if obs.covered else None, today)


# --- results ------------------------------------------------------------------------------


@dataclass
class MonthRow:
    """One month of a goal: actual and target in the metric's unit, achievement and status."""

    period: str
    actual: float | None
    target: float | None
    achievement: float | None = None
    status: str | None = None


@dataclass
class GoalProgress:
    """Progress of one KGI or KPI (SPEC §9 ``progress`` item)."""

    role: str
    id: int | None
    metric: str
    label: str
    unit: str
    direction: str
    kind: str
    target: float | None
    target_spec: dict[str, Any] | None
    baseline: float | None
    actual_to_date: float | None
    expected_to_date: float | None
    pace_ratio: float | None
    forecast: pacing.Forecast | None
    status: str
    sentence: str
    required_rate: float | None
    monthly: list[MonthRow]
    has_data: bool
    sources: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    actual_change_pct: float | None = None
    target_change_pct: float | None = None
    # Progress toward the whole target (0–1 and beyond), apart from the pace ratio.
    progress_ratio: float | None = None
    # The measurement counted and those left out, each with its own figure to date.
    source_of_record: dict[str, Any] | None = None
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    # For a ratio: (source, month) cells left out because only one of its parts had data.
    unmatched_months: int = 0
    # Where the baseline comes from: "typed" by the user, "data" (then ``baseline_period``
    # names the months it was computed over), or None when there is none.
    baseline_origin: str | None = None
    baseline_period: dict[str, str] | None = None

    @property
    def behind(self) -> bool:
        return self.status in ("off_track", "at_risk")

    def name(self, lang: str) -> str:
        return load_catalog()[self.metric].name(lang)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["forecast"] = self.forecast.to_dict() if self.forecast else None
        return _clean(out)


@dataclass
class Progress:
    """Progress of a workspace's plan as of a date."""

    workspace_id: int
    workspace: str
    currency: str
    as_of: date
    period_start: date
    period_end: date
    months: int
    elapsed: float
    kgi: GoalProgress | None
    kpis: list[GoalProgress]
    driver_changes: dict[str, float] = field(default_factory=dict)
    lang: str = "zh-TW"
    # First and last day the workspace's data covers (all metrics, all sources).
    data_start: date | None = None
    data_end: date | None = None

    @property
    def has_data(self) -> bool:
        return any(g.has_data for g in self.goals())

    @property
    def periods_apart(self) -> bool:
        """Data exists, but none of it falls in the plan's period: the two do not meet."""
        if self.has_data or self.data_start is None or self.data_end is None:
            return False
        return self.data_end < self.period_start or self.data_start > self.period_end

    def goals(self) -> list[GoalProgress]:
        return ([self.kgi] if self.kgi else []) + list(self.kpis)

    def to_dict(self) -> dict[str, Any]:
        """SPEC §9: ``{"kgi": {...}, "kpis": [{...}]}`` plus context and the gap attribution."""
        return _clean({
            "workspace": {"id": self.workspace_id, "name": self.workspace, "currency": self.currency},
            "as_of": self.as_of.isoformat(),
            "period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()},
            "elapsed": self.elapsed,
            "data": {
                "start": self.data_start.isoformat() if self.data_start else None,
                "end": self.data_end.isoformat() if self.data_end else None,
            },
            "kgi": self.kgi.to_dict() if self.kgi else None,
            "kpis": [k.to_dict() for k in self.kpis],
            "attribution": [a.to_dict() for a in gap_attribution(self)],
        })


def _clean(value: Any) -> Any:
    """JSON-ready: NaN → None, floats rounded away from float noise."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 8)
    return value


# --- the computation ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    start: date
    end: date
    months: int
    as_of: date

    @property
    def labels(self) -> list[str]:
        return [add_months(self.start.replace(day=1), i).strftime("%Y-%m") for i in range(self.months)]

    @property
    def last_year_labels(self) -> list[str]:
        return [add_months(self.start.replace(day=1), i - 12).strftime("%Y-%m") for i in range(self.months)]

    @property
    def elapsed(self) -> float:
        return pacing.elapsed_fraction(self.start, self.end, self.as_of)

    @property
    def days_elapsed(self) -> int:
        return max((min(self.as_of, self.end) - self.start).days + 1, 0)

    @property
    def months_elapsed(self) -> float:
        """Whole months before ``as_of``'s month plus the share of it elapsed."""
        if self.as_of < self.start:
            return 0.0
        if self.as_of >= self.end:
            return float(self.months)
        index = (self.as_of.year - self.start.year) * 12 + self.as_of.month - self.start.month
        days = calendar.monthrange(self.as_of.year, self.as_of.month)[1]
        return index + self.as_of.day / days


class _Obs:
    """Each goal's rows, filtered, de-duplicated and cut to the metric's source of record once,
    and one :class:`RangeAggregator` per (metric, sources, dimensions).

    Every figure of a goal reads the same few rows many times (monthly, to date, last year,
    forecast weights), so each (metric, sources, dimensions) gets its rows once: filtered to
    the dimension values, every stretch of time counted once (:func:`drop_overlaps`), then
    the source of record (:func:`core.measurement.choose`) — the families left out are kept
    for the side-by-side figures. Additive rows are summed over dimension values per (date,
    metric, source), which changes no sum, ratio of sums or last-value total but makes every
    later aggregation small; rows read by :func:`load_progress_observations` come already
    summed by the database.
    """

    def __init__(
        self, obs: pd.DataFrame | PlanObservations, *, business_type: str | None = None,
        chosen: dict[str, str] | None = None,
    ) -> None:
        self._prepared = obs if isinstance(obs, PlanObservations) else None
        self._business_type = business_type
        self._chosen = dict(chosen or {})
        self._splits: dict[tuple[Any, ...], dict[str, pd.DataFrame]] = {}
        if self._prepared is None:
            frame = obs if not obs.empty else _empty_obs()
            frame = frame.assign(date=pd.to_datetime(frame["date"]))
            # Plain numpy columns: pandas' Arrow-backed strings cost more per operation than
            # the few thousand rows each goal reads.
            columns = [*_OBS_COLUMNS, *(["granularity"] if "granularity" in frame else [])]
            frame = frame.reindex(columns=columns)
            frame = frame.assign(**{c: frame[c].astype(object).fillna("") for c in ("metric", "source", "dimension")})
            self._by_metric = {str(k): v for k, v in frame.groupby("metric", sort=False)} if len(frame) else {}
        self._rows: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._all: dict[tuple[Any, ...], pd.DataFrame] = {}
        self._choices: dict[tuple[Any, ...], SourceChoice] = {}
        self._aggs: dict[tuple[Any, ...], RangeAggregator] = {}

    def rows(self, metric: str, goal: GoalSpec | None = None) -> pd.DataFrame:
        key = self._key(metric, goal)
        if key not in self._rows:
            _, sources, dimensions = key
            if self._prepared is not None:
                every = self._prepared_rows(self._prepared, metric, dimensions)
            else:
                every = self._build(metric, dimensions)
            every = drop_overlaps(every)
            counted, choice = choose(
                every, metric, business_type=self._business_type, chosen=self._chosen, goal_sources=sources,
            )
            self._all[key], self._choices[key] = every, choice
            self._rows[key] = counted if self._prepared is not None else _collapse(counted, metric)
        return self._rows[key]

    @staticmethod
    def _key(metric: str, goal: GoalSpec | None) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        return (metric, goal.sources if goal else (), goal.dimensions if goal else ())

    def choice(self, metric: str, goal: GoalSpec | None = None) -> SourceChoice:
        """The source of record ``metric`` counts for ``goal`` (and the alternatives left out)."""
        self.rows(metric, goal)
        return self._choices[self._key(metric, goal)]

    def alternative(self, metric: str, goal: GoalSpec | None, measurement: Measurement) -> RangeAggregator:
        """``metric`` as another family measures it, for the side-by-side figure."""
        self.rows(metric, goal)
        cache_key = ("alt", *self._key(metric, goal), measurement.sources)
        if cache_key not in self._aggs:
            every = self._all[self._key(metric, goal)]
            rows = every.loc[every["source"].isin(measurement.sources)]
            if self._prepared is None:
                rows = _collapse(rows, metric)
            self._aggs[cache_key] = RangeAggregator(rows, metric)
        return self._aggs[cache_key]

    def _prepared_rows(self, data: PlanObservations, metric: str, dimensions: tuple[str, ...]) -> pd.DataFrame:
        """``metric``'s rows and its components' from what the database summed."""
        name, frame = data.frame_for(metric, dimensions)
        if frame is None or frame.empty:
            return _empty_obs()
        if (name, dimensions) not in self._splits:  # split by metric once, not once per goal
            self._splits[(name, dimensions)] = {
                str(k): v for k, v in frame.groupby("metric", sort=False, observed=True)
            }
        split = self._splits[(name, dimensions)]
        parts = [split[k] for k in (metric, *load_catalog()[metric].components) if k in split]
        if not parts:
            return _empty_obs()
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def agg(self, key: str, metric: str | None = None, goal: GoalSpec | None = None) -> RangeAggregator:
        """``key`` (the metric, or one of its components) over the rows of ``metric`` for ``goal``."""
        metric = metric or key
        cache_key = (key, *self._key(metric, goal))
        if cache_key not in self._aggs:
            self._aggs[cache_key] = RangeAggregator(self.rows(metric, goal), key)
        return self._aggs[cache_key]

    def _build(self, metric: str, dimensions: tuple[str, ...]) -> pd.DataFrame:
        catalog = load_catalog()
        keys = [metric, *catalog[metric].components]
        parts = [self._by_metric[k] for k in keys if k in self._by_metric]
        if not parts:
            return _empty_obs()
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if dimensions:
            frame = frame.loc[frame["dimension"].isin(dimensions)]
        return frame


def _collapse(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Additive rows summed over dimension values (not for a weighted mean: it joins on them)."""
    catalog = load_catalog()
    if catalog[metric].aggregation == "weighted_mean":
        return frame
    summable = [k for k in (metric, *catalog[metric].components) if k and catalog[k].aggregation in ("sum", "last")]
    additive = frame["metric"].isin(summable)
    if not additive.any():
        return frame
    summed = (
        frame.loc[additive].groupby(["date", "metric", "source"], as_index=False, sort=False)["value"].sum()
        .assign(dimension="")
    )
    return pd.concat([summed, frame.loc[~additive]], ignore_index=True)


def _month_totals(series: RangeAggregator, labels: Sequence[str]) -> pd.Series:
    """Whole calendar months ``labels`` (``"2024-03"``) of ``series``; NaN for a month without data."""
    values = []
    for label in labels:
        first = date(int(label[:4]), int(label[5:7]), 1)
        value = series.total(first, add_months(first, 1) - timedelta(days=1))
        values.append(math.nan if value is None else value)
    return pd.Series(values, index=list(labels), dtype=float)


def _sum(values: Any) -> float:
    """Σ as pandas' ``Series.sum`` gives it (numpy's pairwise sum), so totals match the review."""
    return float(np.sum(np.fromiter(values, dtype=float)))


def _last_year(window: _Window) -> tuple[date, date]:
    """The twelve months before the period starts."""
    return add_months(window.start, -12), window.start - timedelta(days=1)


def _direction(goal: GoalSpec, catalog_direction: str) -> str:
    """Which way is better for this goal: the target's form says it before the catalog does."""
    kind, value = goal.target_kind, goal.target_value
    if kind in ("ceiling", "rank"):
        return "lower"
    if kind == "threshold":
        return "higher"
    if kind in ("change_pct", "change_pp") and value is not None and value != 0:
        return "higher" if value > 0 else "lower"
    return catalog_direction


def _baseline(goal: GoalSpec, kind: str, series: RangeAggregator, window: _Window) -> float | None:
    """The goal's baseline: typed by the user, else :func:`data_baseline`."""
    if goal.baseline is not None:
        return float(goal.baseline)
    found = data_baseline(kind, series, window)
    return found[0] if found else None


def data_baseline(kind: str, series: RangeAggregator, window: _Window) -> tuple[float, date, date] | None:
    """The baseline the data gives, with the period it comes from: last year's actual over the
    same months.

    Additive metrics take last year's total (scaled up to the full period when some months are
    missing); rates their ratio over last year's months; stocks the level just before the
    period starts (the period named is then the last month with data before it).
    """
    if kind == "stock":
        value = series.total(None, window.start - timedelta(days=1))
        months = series.by_month(None, window.start - timedelta(days=1))
        if value is None or not months:
            return None
        last = max(months)
        first = date(int(last[:4]), int(last[5:7]), 1)
        return value, first, add_months(first, 1) - timedelta(days=1)
    start, end = _last_year(window)
    monthly = series.by_month(start, end)
    if not monthly:
        return None
    if kind == "rate":
        value = series.total(start, end)
        return (value, start, end) if value is not None else None
    return _sum(monthly.values()) * window.months / len(monthly), start, end


def _per_month_counts(goal: GoalSpec, window: _Window) -> list[float]:
    """A count per cadence as monthly amounts (3 a week is 3 × 31/7 in January)."""
    value = float(goal.target_value or 0)
    cadence = goal.cadence or "month"
    out = []
    for label in window.labels:
        year, month = int(label[:4]), int(label[5:])
        if cadence in _DAYS_PER_CADENCE:
            out.append(value * calendar.monthrange(year, month)[1] / _DAYS_PER_CADENCE[cadence])
        elif cadence == "period":
            out.append(value / window.months)
        else:
            out.append(value / MONTHS_PER_CADENCE.get(cadence, 1.0))
    return out


def _target(goal: GoalSpec, kind: str, baseline: float | None, window: _Window) -> float | None:
    """The period target in the metric's unit (total, level, or end level for stocks)."""
    kind_, value = goal.target_kind, goal.target_value
    if kind_ is None or value is None:
        return None
    if kind_ == "change_pct":
        return None if baseline is None else baseline * (1 + value / 100)
    if kind_ == "change_pp":
        return None if baseline is None else baseline + value / 100
    if kind_ == "count_per_cadence":
        if kind == "additive":
            return math.fsum(_per_month_counts(goal, window))
        if kind == "stock":
            target = Target("count_per_cadence", value, goal.cadence or "month")
            months = window.months / MONTHS_PER_CADENCE["month"]
            from core.drivers import flow_total

            added = flow_total(target, months)
            return None if baseline is None or added is None else baseline + added
        return float(value)
    return float(value)  # level, ceiling, threshold, rank


def _monthly_targets(
    goal: GoalSpec, kind: str, target: float, baseline: float | None, series: RangeAggregator, window: _Window
) -> list[float]:
    if kind == "additive" and goal.target_kind == "count_per_cadence":
        return _per_month_counts(goal, window)
    last_year = None
    if kind == "additive" and goal.split == "seasonal":
        by_month = series.by_month(*_last_year(window))
        last_year = [by_month.get(m) for m in window.last_year_labels]
    overrides = None
    if goal.monthly_override and len(goal.monthly_override) == window.months:
        overrides = dict(enumerate(goal.monthly_override))
    return list(pacing.monthly_targets(
        target, window.months, kind, last_year, overrides,
        baseline=baseline if kind == "stock" else None,
    ))


def _weight_key(metric: str) -> str | None:
    """A rate's weight: its denominator, or the weight of a weighted mean."""
    m = load_catalog()[metric]
    return (m.denominator if m.aggregation == "ratio" else m.weight) or None


def _weights(weight: RangeAggregator | None, labels: Sequence[str]) -> pd.Series | None:
    """Each month's weight for a rate (NaN for a month without it)."""
    return None if weight is None else _month_totals(weight, labels)


def _forecast(
    kind: str, monthly: dict[str, float], weight: RangeAggregator | None, window: _Window
) -> pacing.Forecast | None:
    done_labels = [p for p in window.labels if p in monthly and p <= window.as_of.strftime("%Y-%m")]
    if not done_labels:
        return None
    values = [float(monthly[p]) for p in done_labels]
    fraction = 1.0
    if done_labels[-1] == window.as_of.strftime("%Y-%m") and window.as_of < window.end:
        fraction = window.as_of.day / calendar.monthrange(window.as_of.year, window.as_of.month)[1]
    weights = None
    if kind == "rate":
        w = _weights(weight, done_labels)
        if w is not None and w.notna().all() and (w > 0).all():
            weights = [float(x) for x in w]
    return pacing.forecast(values, window.months, kind, last_month_fraction=fraction, weights=weights)


def _required(
    kind: str, target: float | None, actual: float | None, weight: RangeAggregator | None, window: _Window
) -> float | None:
    """What is needed from now on: per month (additive), as a level (rates), per month (stocks)."""
    months_left = window.months - window.months_elapsed
    if target is None or months_left <= 0:
        return None
    if kind == "additive":
        return pacing.required_rate(target, actual or 0.0, months_left)
    if actual is None:
        return target if kind == "rate" else None
    if kind == "stock":
        return (target - actual) / months_left
    done = [p for p in window.labels if p <= window.as_of.strftime("%Y-%m")]
    w = _weights(weight, done)
    if w is None or w.isna().all():
        weight_so_far, weight_left = window.months_elapsed, months_left
    else:
        weight_so_far = float(w.sum())
        weight_left = float(w.dropna().iloc[-3:].mean()) * months_left
    return pacing.required_level(target, actual, weight_so_far, weight_left)


def _month_rows(
    monthly: dict[str, float], targets: list[float] | None, window: _Window, direction: str, kind: str,
    thresholds: pacing.Thresholds,
) -> list[MonthRow]:
    rows = []
    current = window.as_of.strftime("%Y-%m")
    for i, label in enumerate(window.labels):
        actual = monthly.get(label)
        target = targets[i] if targets else None
        if label > current:
            actual = None
        expected = target
        if label == current and kind == "additive" and target is not None and window.as_of < window.end:
            expected = target * window.as_of.day / calendar.monthrange(window.as_of.year, window.as_of.month)[1]
        ratio = pacing.pace_ratio(actual, expected, direction)
        status = None
        if actual is not None:
            status = pacing.status(ratio, 1.0, thresholds)
        rows.append(MonthRow(label, actual, target, ratio, status))
    return rows


def _goal_progress(
    goal: GoalSpec, store: _Obs, window: _Window, thresholds: pacing.Thresholds, lang: str,
    currency: str,
) -> GoalProgress | None:
    catalog = load_catalog()
    if not goal.metric or goal.metric not in catalog:
        return None
    m = catalog[goal.metric]
    kind = pacing.kind_of(m.aggregation)
    direction = _direction(goal, m.direction)
    # The goal's rows come filtered (its sources and dimension values) and prepared once.
    series = store.agg(m.key, goal=goal)
    weight_key = _weight_key(m.key)
    weight = store.agg(weight_key, m.key, goal) if weight_key else None
    choice = store.choice(m.key, goal)
    shown = goal
    goal = replace(goal, sources=(), dimensions=())
    to_date = min(window.as_of, window.end)
    monthly = series.by_month(window.start, to_date)
    has_data = bool(monthly)
    actual = series.total(window.start, to_date) if has_data else None
    if kind == "additive" and has_data:
        actual = _sum(monthly.values())
    baseline = _baseline(goal, kind, series, window)
    from_data = data_baseline(kind, series, window) if goal.baseline is None else None
    target = _target(goal, kind, baseline, window)
    targets = _monthly_targets(goal, kind, target, baseline, series, window) if target is not None else None
    expected = (
        pacing.expected_to_date(targets, window.start, min(window.as_of, window.end), kind)
        if targets else None
    )
    ratio = pacing.pace_ratio(actual, expected, direction)
    state = pacing.status(ratio, window.elapsed, thresholds, days_elapsed=window.days_elapsed)
    if not has_data or target is None:
        state = "too_early"
    sentence = _sentence(goal, actual, target, expected, window, kind, m.unit, direction, lang, currency, state)
    if m.unit == "percent" and target is not None and not 0 <= target <= 1:
        # A rate cannot leave 0–100%: say so rather than pace against an impossible level.
        sentence = t("measurement.rate_target_impossible", lang, metric=m.name(lang),
                     value=format_pct(target, 1))
        state = "off_track" if has_data else "too_early"
    spec = None
    if goal.target_kind and goal.target_value is not None:
        spec = {"kind": goal.target_kind, "value": goal.target_value, "cadence": goal.cadence}
    return GoalProgress(
        role=goal.role, id=goal.id, metric=m.key, label=goal.label or m.name(lang), unit=m.unit,
        direction=direction, kind=kind, target=target, target_spec=spec, baseline=baseline,
        actual_to_date=actual, expected_to_date=expected if has_data else expected,
        pace_ratio=ratio if has_data else None,
        forecast=_forecast(kind, monthly, weight, window) if has_data else None,
        status=state, sentence=sentence,
        required_rate=_required(kind, target, actual, weight, window),
        monthly=_month_rows(monthly, targets, window, direction, kind, thresholds),
        has_data=has_data, sources=list(choice.sources), dimensions=list(shown.dimensions),
        target_change_pct=_target_change(goal, baseline, window),
        progress_ratio=progress_toward(actual, target, baseline, kind, direction) if has_data else None,
        source_of_record={**choice.to_dict()["record"], "chosen_by": choice.chosen_by} if choice.record else None,
        alternatives=_alternatives(store, m.key, shown, choice, window, kind),
        unmatched_months=series.unmatched_months(window.start, to_date),
        baseline_origin="typed" if goal.baseline is not None else ("data" if from_data else None),
        baseline_period={"start": from_data[1].isoformat(), "end": from_data[2].isoformat()} if from_data else None,
    )


def progress_toward(
    actual: float | None, target: float | None, baseline: float | None, kind: str, direction: str,
) -> float | None:
    """How far the goal is toward its whole target (1.0 = reached), apart from the pace.

    Additive goals: the share of the period's total done (NT$4.1M of NT$10M → 0.41). Levels
    (rates, stocks) with a baseline: the share of the way from the baseline to the target
    (2.0% → 2.2%, now 2.1% → 0.5); a level that moved away from the target has made no
    progress (0, not a negative share — the status and the sentence say how far behind it
    is). Without a baseline, actual ÷ target (target ÷ actual when lower is better).
    """
    if actual is None or target is None:
        return None
    if kind == "additive":
        return actual / target if target else None
    if baseline is not None and target != baseline:
        return max((actual - baseline) / (target - baseline), 0.0)
    if direction == "lower":
        return target / actual if actual else None
    return actual / target if target else None


def _alternatives(
    store: _Obs, metric: str, goal: GoalSpec, choice: SourceChoice, window: _Window, kind: str,
) -> list[dict[str, Any]]:
    """Each family left out, with its own figure over the months it covers in the period and
    the counted figure over those same months: the two numbers side by side."""
    to_date = min(window.as_of, window.end)
    counted = store.agg(metric, goal=goal)
    out = []
    for measurement in choice.alternatives:
        series = store.alternative(metric, goal, measurement)
        monthly = series.by_month(window.start, to_date)
        if not monthly:
            continue
        first = date.fromisoformat(min(monthly) + "-01")
        last = min(_month_end(max(monthly)), to_date)
        value = _figure(series, kind, first, last)
        if value is not None:
            out.append({**measurement.to_dict(), "actual_to_date": value, "start": first.isoformat(),
                        "end": last.isoformat(), "record_value": _figure(counted, kind, first, last)})
    return out


def _figure(series: RangeAggregator, kind: str, first: date, last: date) -> float | None:
    """A goal's figure over [first, last]: the sum of its months for totals, else the range's."""
    if kind == "additive":
        monthly = series.by_month(first, last)
        return _sum(monthly.values()) if monthly else None
    return series.total(first, last)


def _target_change(goal: GoalSpec, baseline: float | None, window: _Window) -> float | None:
    if goal.target_kind is None or goal.target_value is None or not goal.metric:
        return None
    target = Target(goal.target_kind, float(goal.target_value), goal.cadence if goal.target_kind == "count_per_cadence" else None)
    return kpi_change_pct(goal.metric, target, baseline, months=float(window.months))


def _sentence(
    goal: GoalSpec, actual: float | None, target: float | None, expected: float | None,
    window: _Window, kind: str, unit: str, direction: str, lang: str, currency: str, state: str,
) -> str:
    if actual is None:
        return t("track.sentence.no_data", lang, metric=load_catalog()[goal.metric or ""].name(lang))
    if target is None:
        return t("track.sentence.no_target", lang)
    return pacing.status_sentence(
        actual=actual, target=target, expected=expected, elapsed=window.elapsed, kind=kind,
        unit=unit, direction=direction, lang=lang, currency=currency, months=window.months,
        status_key=state,
    )


def _same_dates_change(
    store: _Obs, metric: str, window: _Window, goal: GoalSpec | None = None
) -> float | None:
    """Relative change (percent) of ``metric`` from the period start to ``as_of`` against the
    same dates a year earlier: the "actual change" the attribution splits."""
    end = min(window.as_of, window.end)
    if end < window.start:
        return None
    series = store.agg(metric, goal=goal)
    now = series.total(window.start, end)
    then = series.total(add_months(window.start, -12), add_months(end, -12))
    if now is None or not then:
        return None
    return (now / then - 1) * 100


def compute_progress(
    inputs: PlanInputs, obs: pd.DataFrame | PlanObservations, as_of: date, lang: str = "zh-TW"
) -> Progress:
    """Progress of the plan as of ``as_of``: pure, so pages can cache it.

    Parameters
    ----------
    inputs : PlanInputs
    obs : DataFrame or PlanObservations
        Long observations (``date``, ``metric``, ``value``, ``source``, ``dimension``) from at
        least a year before the period start, or what :func:`load_progress_observations`
        read.
    as_of : date
        Inclusive.
    lang : {"zh-TW", "en"}
        Language of the sentences and default labels.
    """
    store = _Obs(obs, business_type=inputs.business_type, chosen=dict(inputs.source_of_record))
    covered = obs.covered if isinstance(obs, PlanObservations) else _frame_range(obs)
    window = _Window(inputs.period_start, inputs.period_end, inputs.months, as_of)
    thresholds = pacing.Thresholds.from_settings(inputs.thresholds)
    kgi = _goal_progress(inputs.kgi, store, window, thresholds, lang, inputs.currency) if inputs.kgi else None
    kpis = [
        p for p in (_goal_progress(g, store, window, thresholds, lang, inputs.currency) for g in inputs.kpis)
        if p is not None
    ]
    changes: dict[str, float] = {}
    if kgi is not None:
        for metric in sorted({kgi.metric, *identity_drivers(kgi.metric)}):
            change = _same_dates_change(store, metric, window)
            if change is not None:
                changes[metric] = change
        kgi.actual_change_pct = changes.get(kgi.metric)
    for kpi in kpis:
        spec = next((g for g in inputs.kpis if g.id == kpi.id), None)
        kpi.actual_change_pct = _same_dates_change(store, kpi.metric, window, spec)
    return Progress(
        workspace_id=inputs.workspace_id, workspace=inputs.name, currency=inputs.currency,
        as_of=as_of, period_start=inputs.period_start, period_end=inputs.period_end,
        months=inputs.months, elapsed=window.elapsed, kgi=kgi, kpis=kpis,
        driver_changes=changes, lang=lang,
        data_start=covered[0] if covered else None, data_end=covered[1] if covered else None,
    )


def _frame_range(obs: pd.DataFrame) -> tuple[date, date] | None:
    """First and last day a frame of observations covers."""
    if obs.empty:
        return None
    days = pd.to_datetime(obs["date"])
    gran = obs["granularity"].astype(object).fillna("day") if "granularity" in obs else "day"
    last = days.groupby(gran if not isinstance(gran, str) else pd.Series(gran, index=obs.index)).max()
    return days.min().date(), max(covered_end(d.date(), str(g)) for g, d in last.items())


def workspace_progress(
    engine: Engine, workspace_id: int, as_of: date | None = None, lang: str = "zh-TW",
    *, today: date | None = None,
) -> Progress:
    """Progress of a workspace's KGI and KPIs as of ``as_of``.

    ``as_of`` defaults to the last date with data, capped at today.
    """
    inputs = load_plan_inputs(engine, workspace_id)
    obs = load_progress_observations(engine, inputs)
    if as_of is None:
        as_of = plan_as_of(obs, today)
    return compute_progress(inputs, obs, as_of, lang)


# --- which driver explains the gap --------------------------------------------------------


@dataclass(frozen=True)
class DriverGap:
    """One driver of the KGI: its actual change, what the plan asked of it, its share.

    ``share`` is its share of the KGI's actual change (log-change shares, summing to 1 with
    "other"); ``shortfall`` is ``ln(1+actual) − ln(1+target)`` for the driver (times its power
    in the identity): negative when it is behind what the plan needed, and the drivers'
    shortfalls add up to the KGI's own.
    """

    metric: str
    actual_change_pct: float | None
    target_change_pct: float | None
    share: float | None
    shortfall: float | None

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))


def gap_attribution(progress: Progress) -> list[DriverGap]:
    """Which drivers explain the KGI's gap, worst first.

    Uses :func:`core.drivers.attribute_change` on each driver's actual change against the same
    dates last year. Only for a KGI with a multiplicative identity and data on its drivers;
    otherwise empty.
    """
    kgi = progress.kgi
    if kgi is None or kgi.metric not in progress.driver_changes:
        return []
    drivers = {k: v for k, v in progress.driver_changes.items() if k != kgi.metric}
    expansion = choose_expansion(kgi.metric, drivers)
    if expansion is None or expansion.kind != "product":
        return []
    shares = attribute_change(kgi.metric, {**drivers, kgi.metric: progress.driver_changes[kgi.metric]})
    if not shares:
        return []
    targets = {k.metric: k.target_change_pct for k in progress.kpis if k.target_change_pct is not None}
    # A driver with no KPI is asked what the plan implicitly needs of it (goal seek).
    check = driver_check(kgi.metric, kgi.target_change_pct, targets)
    for missing in check.missing:
        if missing.needed_change_pct is not None:
            targets.setdefault(missing.metric, missing.needed_change_pct)
    out = []
    for term in expansion.terms:
        actual = drivers.get(term.metric)
        target = targets.get(term.metric)
        shortfall = None
        if actual is not None and actual > -100:
            wanted = target if target is not None else 0.0
            shortfall = term.power * (math.log1p(actual / 100) - math.log1p(wanted / 100))
        out.append(DriverGap(term.metric, actual, target, shares.get(term.metric), shortfall))
    return sorted(out, key=lambda g: (g.shortfall is None, g.shortfall or 0.0))


# --- the monthly review -------------------------------------------------------------------


def _month_end(month: str) -> date:
    year, mon = int(month[:4]), int(month[5:7])
    return date(year, mon, calendar.monthrange(year, mon)[1])


def parse_month(month: str) -> str:
    """``"2024-03"`` checked (a person's typo → ``KgiError``)."""
    try:
        _month_end(month)
        if len(month) != 7 or month[4] != "-":
            raise ValueError(month)
    except (ValueError, IndexError):
        raise KgiError("track.bad_month", value=month) from None
    return month
