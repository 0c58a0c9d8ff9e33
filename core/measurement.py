"""Which rows a figure counts: one source of record per metric, nothing counted twice.

Every number the product shows passes through two rules, declared once here and read by
progress, the dashboard, the review, ``kgi actuals`` and the workbooks (SPEC §3):

1. **One measurement per metric** (:func:`resolve_sources`). Sources of a metric are grouped
   in *families* (``core/data/measurement.toml``): revenue measured by the shop platforms, by
   the owner's books and by GA4 is one revenue measured three times, so exactly one family —
   the *source of record* — counts. Inside a family, different platforms are disjoint parts
   and add up (Meta + Google Ads spend; Shopify + Shopee orders); two exports of one platform
   are alternatives: each month counts the first of them (in preference order) that covers
   it, so an orders export for the spring and a sales report for the summer give the half
   year, and a month both cover is counted once.
2. **One row per covered stretch of time** (:func:`drop_overlaps`). Within one source, a
   total row and its breakdown rows (a GA4 daily total and the same days by channel) are one
   measurement: the total counts. A month total covers its whole month, so daily or weekly
   rows of the same source inside that month are the same figure again: the month total
   counts.

The families that were *not* counted are reported as alternatives, with their own figure,
so a page can show both numbers side by side when sources disagree.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from core.catalog import DATA_DIR, load_catalog

AUTO = "auto"


@dataclass(frozen=True)
class Family:
    """One way of measuring (``shop``, ``ads`` …): platforms, each a tuple of alternative exports."""

    key: str
    platforms: tuple[tuple[str, ...], ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(s for platform in self.platforms for s in platform)


@dataclass(frozen=True)
class _Declarations:
    families: dict[str, Family]
    order: dict[str, tuple[str, ...]]
    by_type: dict[str, dict[str, tuple[str, ...]]]


@cache
def _declarations() -> _Declarations:
    raw = tomllib.loads((DATA_DIR / "measurement.toml").read_text(encoding="utf-8"))
    families = {
        key: Family(key, tuple(tuple(p) for p in spec["platforms"]))
        for key, spec in raw["families"].items()
    }
    order = {m: tuple(spec.get("order", ())) for m, spec in raw.get("metrics", {}).items()}
    by_type = {
        m: {t: tuple(v) for t, v in spec.get("by_type", {}).items()}
        for m, spec in raw.get("metrics", {}).items()
    }
    return _Declarations(families, order, by_type)


def families() -> dict[str, Family]:
    """Every declared family, in declaration order."""
    return dict(_declarations().families)


def family_of(source: str) -> str:
    """The family a source belongs to; a source no family lists is a family of its own."""
    for family in _declarations().families.values():
        if source in family.sources:
            return family.key
    return source


def platform_of(source: str) -> tuple[str, ...]:
    """The exports of ``source``'s platform, in order of preference (``source`` alone when
    no family lists it): two of them for the same months are one figure twice."""
    for family in _declarations().families.values():
        for platform in family.platforms:
            if source in platform:
                return platform
    return (source,)


def _family(key: str) -> Family:
    declared = _declarations().families.get(key)
    return declared if declared is not None else Family(key, ((key,),))


def family_order(metric: str, business_type: str | None = None) -> tuple[str, ...]:
    """Families in order of preference for ``metric`` (a rate without its own entry takes its
    numerator's)."""
    decl = _declarations()
    key = metric
    if key not in decl.order:
        m = load_catalog().metrics.get(metric)
        if m is not None and m.aggregation == "ratio" and m.numerator in decl.order:
            key = m.numerator or metric
    named = decl.by_type.get(key, {}).get(business_type or "") or decl.order.get(key, ())
    rest = [f for f in decl.families if f not in named]
    return (*named, *rest)


@dataclass(frozen=True)
class Measurement:
    """One family's counted sources (one per platform that has data)."""

    family: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "sources": list(self.sources)}


@dataclass(frozen=True)
class SourceChoice:
    """What a metric counts and what it leaves out.

    ``record`` is the measurement counted (``None`` when no source has data and nothing was
    chosen); ``alternatives`` the other families with data, in preference order; ``chosen_by``
    says why: ``"default"`` (first family with data), ``"workspace"`` (the user chose the
    family) or ``"goal"`` (the KPI names its sources; they count as they are).
    """

    record: Measurement | None
    alternatives: tuple[Measurement, ...] = ()
    chosen_by: str = "default"

    @property
    def sources(self) -> tuple[str, ...]:
        return self.record.sources if self.record else ()

    @property
    def overlaps(self) -> bool:
        return bool(self.alternatives)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record.to_dict() if self.record else None,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "chosen_by": self.chosen_by,
        }


def _measurement(family: Family, available: set[str],
                 months: Mapping[str, set[str]] | None = None) -> Measurement | None:
    """Per platform, the first of its exports with data, and — when the months each covers
    are known — every later export that covers months the earlier ones do not (each month
    counts one export: see :func:`one_export_a_month`); ``None`` when the family has none."""
    sources: list[str] = []
    for platform in family.platforms:
        present = [s for s in platform if s in available]
        if not present:
            continue
        sources.append(present[0])
        seen = set((months or {}).get(present[0], ()))
        for later in present[1:] if months else ():
            extra = set(months.get(later, ())) - seen
            if extra:
                sources.append(later)
                seen |= extra
    return Measurement(family.key, tuple(sources)) if sources else None


def one_export_a_month(rows: pd.DataFrame, sources: Sequence[str], months: Mapping[str, set[str]]) -> pd.DataFrame:
    """``rows`` with, for each platform, every month taken from one export only: the first of
    the platform's exports (its preference order) that covers that month.

    Shopify's orders export for January to March and its sales report for March to June are
    one measurement of the shop's revenue: March counts the orders export, April to June the
    report, and no month adds the two.
    """
    drop = np.zeros(len(rows), dtype=bool)
    by_platform: dict[tuple[str, ...], list[str]] = {}
    for source in sources:
        by_platform.setdefault(platform_of(source), []).append(source)
    month_of: np.ndarray | None = None
    for platform, present in by_platform.items():
        ordered = [s for s in platform if s in present]
        if len(ordered) < 2:
            continue
        if month_of is None:
            month_of = pd.to_datetime(rows["date"]).to_numpy(dtype="datetime64[M]")
        seen = set(months.get(ordered[0], ()))
        for later in ordered[1:]:
            taken = np.array(sorted(seen), dtype="datetime64[M]")
            drop |= (rows["source"] == later).to_numpy() & np.isin(month_of, taken)
            seen |= set(months.get(later, ()))
    return rows.loc[~drop] if drop.any() else rows


def resolve_sources(
    metric: str,
    available: Iterable[str] | Mapping[str, Iterable[str]],
    *,
    business_type: str | None = None,
    chosen_family: str | None = None,
    goal_sources: Sequence[str] = (),
) -> SourceChoice:
    """The source of record of ``metric`` given the sources that have data for it.

    Parameters
    ----------
    metric : str
        Catalog key.
    available : iterable of str, or mapping of source to the months it covers
        Sources with usable rows (for a rate: with both of its parts, or the rate itself).
        With months, the default is the family covering the most months, ties going to the
        preference order: a shop export of one month does not outrank six months of GA4 —
        it is shown beside it instead.
    business_type : str, optional
        The workspace's type: some metrics prefer another family there (clicks of an SEO
        brand are Search Console's).
    chosen_family : str, optional
        The workspace's choice for this metric (``"auto"`` or ``None``: the default).
    goal_sources : list of str
        Sources a KPI names itself: they count exactly, even across families (the user said
        so); the families they leave out are still reported as alternatives.

    Examples
    --------
    GA4 and Shopify both report revenue: Shopify (the shop) is the source of record and GA4
    an alternative — the two are never added.

    >>> choice = resolve_sources("revenue", {"ga4", "shopify_orders"})
    >>> choice.sources, [a.family for a in choice.alternatives]
    (('shopify_orders',), ['web_analytics'])
    """
    months = {s: set(v) for s, v in available.items()} if isinstance(available, Mapping) else {}
    have = {s for s in available if s}
    order = family_order(metric, business_type)
    extra = sorted({family_of(s) for s in have} - set(order))
    candidates = [m for f in (*order, *extra) if (m := _measurement(_family(f), have, months)) is not None]
    if months:
        def covered(m: Measurement) -> int:
            return len(set().union(*(months.get(s, set()) for s in m.sources)))

        # sorted() is stable: equal coverage keeps the preference order.
        candidates = sorted(candidates, key=covered, reverse=True)
    if goal_sources:
        named = tuple(goal_sources)
        counted = {family_of(s) for s in named}
        others = tuple(m for m in candidates if m.family not in counted)
        return SourceChoice(Measurement("+".join(sorted(counted)), named), others, "goal")
    if chosen_family and chosen_family != AUTO:
        record = _measurement(_family(chosen_family), have, months) or Measurement(chosen_family, ())
        others = tuple(m for m in candidates if m.family != chosen_family)
        return SourceChoice(record, others, "workspace")
    if not candidates:
        return SourceChoice(None)
    return SourceChoice(candidates[0], tuple(candidates[1:]), "default")


def sources_with_data(rows: pd.DataFrame, metric: str) -> dict[str, set[str]]:
    """Sources that can give ``metric`` on their own, each with the months (``"2024-01"``) it
    covers: for a ratio, the months with both parts (or the stored rate); else the months with
    rows of the metric."""
    if rows.empty:
        return {}
    m = load_catalog()[metric]
    # Distinct (metric, source, month) by integer codes: a goal reads tens of thousands of rows.
    metric_codes, metric_names = pd.factorize(rows["metric"])
    source_codes, source_names = pd.factorize(rows["source"])
    months = pd.to_datetime(rows["date"]).to_numpy(dtype="datetime64[M]").astype(np.int64)
    first, span = int(months.min()), int(months.max() - months.min()) + 1
    n_sources = max(len(source_names), 1)
    packed = np.unique((metric_codes.astype(np.int64) * n_sources + source_codes) * span + (months - first))
    metric_of, rest = np.divmod(packed, n_sources * span)
    source_of, month_of = np.divmod(rest, span)
    labels = np.datetime_as_string((month_of + first).astype("datetime64[M]"), unit="M")

    def of(key: str | None) -> dict[str, set[str]]:
        if not key or key not in set(metric_names):
            return {}
        hit = metric_of == list(metric_names).index(key)
        found: dict[str, set[str]] = {}
        for source, label in zip(source_of[hit], labels[hit], strict=True):
            found.setdefault(str(source_names[source]), set()).add(str(label))
        return found

    if m.aggregation != "ratio":
        return of(m.key)
    num, den, stored = of(m.numerator), of(m.denominator), of(m.key)
    out = {s: num[s] & den[s] for s in num.keys() & den.keys() if num[s] & den[s]}
    for s, covered in stored.items():
        out[s] = out.get(s, set()) | covered
    return out


def choose(
    rows: pd.DataFrame,
    metric: str,
    *,
    business_type: str | None = None,
    chosen: Mapping[str, str] | None = None,
    goal_sources: Sequence[str] = (),
) -> tuple[pd.DataFrame, SourceChoice]:
    """``rows`` of ``metric`` (and its parts) cut to its source of record, and the choice.

    A rate whose parts no single source reports together — email revenue (Mailchimp) over
    revenue (the shop), ad spend over new customers — takes each part from that part's own
    source of record, pooled as one source so the ratio still counts only the months where
    both parts exist.
    """
    available = sources_with_data(rows, metric)
    m = load_catalog()[metric]
    if m.aggregation == "ratio" and not available and not goal_sources and not rows.empty:
        pooled = _pooled_parts(rows, m, business_type=business_type, chosen=chosen)
        if pooled is not None:
            return pooled
    choice = resolve_sources(
        metric, available, business_type=business_type,
        chosen_family=(chosen or {}).get(metric), goal_sources=goal_sources,
    )
    if rows.empty:
        return rows, choice
    cut = rows.loc[rows["source"].isin(choice.sources)]
    if choice.chosen_by != "goal":  # sources a goal names count as named
        cut = one_export_a_month(cut, choice.sources, available)
    return cut, choice


def _pooled_parts(
    rows: pd.DataFrame, m: Any, *, business_type: str | None, chosen: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, SourceChoice] | None:
    """A rate's numerator and denominator, each from its own source of record, as one source."""
    picked = []
    for part in (m.numerator, m.denominator):
        part_rows, part_choice = choose(rows.loc[rows["metric"] == part], part, business_type=business_type,
                                        chosen=chosen)
        if part_choice.record is None or part_rows.empty:
            return None
        picked.append((part_rows, part_choice.record))
    (num_rows, num), (den_rows, den) = picked
    label = "+".join(dict.fromkeys((*num.sources, *den.sources)))
    pooled = pd.concat([num_rows, den_rows], ignore_index=True)
    pooled = pooled.assign(source=label)
    record = Measurement(f"{num.family}/{den.family}", tuple(dict.fromkeys((*num.sources, *den.sources))))
    return pooled, SourceChoice(record, (), "default")


def counted(
    rows: pd.DataFrame,
    metric: str,
    *,
    business_type: str | None = None,
    chosen: Mapping[str, str] | None = None,
    goal_sources: Sequence[str] = (),
) -> tuple[pd.DataFrame, SourceChoice]:
    """Both rules at once: every stretch of time once (:func:`drop_overlaps`), then only the
    source of record (:func:`choose`). What every reader of figures calls."""
    return choose(
        drop_overlaps(rows), metric, business_type=business_type, chosen=chosen, goal_sources=goal_sources,
    )


def source_label(source: str, lang: str) -> str:
    """A source's display name (the key itself for a source no reader declares)."""
    from core.importing.sources import get_source

    try:
        return get_source(source).label(lang)
    except (KeyError, ValueError, LookupError):
        return source


def family_label(family: str, lang: str) -> str:
    """``Ad platforms`` / 「廣告平台」 (the key itself for a source that is its own family)."""
    from core.i18n import t

    try:
        return t(f"measurement.family.{family}", lang)
    except KeyError:
        return family


def measurement_label(measurement: Measurement | None, lang: str) -> str:
    """``Meta 廣告管理員 + Google Ads``: the sources a figure counts, by their names."""
    if measurement is None or not measurement.sources:
        return ""
    return " + ".join(source_label(s, lang) for s in measurement.sources)


# --- rows that cover the same stretch of time ------------------------------------------------

_FINER = {"month": ("day", "week"), "week": ("day",)}


def drop_overlaps(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with every figure counted once, per (metric, source).

    - A total row (empty dimension) and breakdown rows on the same date and granularity are
      one measurement: the breakdown rows go. (A frame whose rows carry a ``total`` flag —
      rows the database already summed — is read the same way.)
    - A month row covers its month: day and week rows of the same metric and source dated in
      that month go; a week row covers its seven days: day rows in it go.

    Rows need ``date``, ``metric`` and ``source``; ``granularity`` (default ``"day"``) and
    ``dimension`` or ``total`` are used when present.

    Examples
    --------
    A GA4 daily total of 100 sessions and the same day by channel (60 + 40) count 100, not 200;
    a sheet's January total of 3,000 and its 31 daily rows count 3,000.
    """
    if rows.empty:
        return rows
    is_total = _total_flags(rows)
    mixed = is_total.any() and not is_total.all()
    coarse = _has_coarse_rows(rows)
    if not mixed and not coarse:  # the usual case, checked cheaply
        return rows
    gran = _granularity(rows)
    keep = np.ones(len(rows), dtype=bool)
    if mixed:
        keep &= ~_shadowed_breakdowns(rows, is_total, gran)
    if coarse:
        keep &= ~_covered_by_coarser(rows, gran)
    return rows if keep.all() else rows.loc[keep]


def _has_coarse_rows(rows: pd.DataFrame) -> bool:
    if "granularity" not in rows:
        return False
    return any(g in _FINER for g in pd.unique(rows["granularity"]))


def _total_flags(rows: pd.DataFrame) -> np.ndarray:
    if "total" in rows:
        return rows["total"].to_numpy(dtype=bool)
    if "dimension" in rows:
        dim = rows["dimension"]
        return (dim.isna() | (dim == "")).to_numpy(dtype=bool)
    return np.ones(len(rows), dtype=bool)


def _granularity(rows: pd.DataFrame) -> np.ndarray:
    if "granularity" not in rows:
        return np.full(len(rows), "day", dtype=object)
    return rows["granularity"].astype(object).where(rows["granularity"].notna(), "day").to_numpy(dtype=object)


def _keys(rows: pd.DataFrame, extra: Any) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([
        rows["metric"].astype(object).to_numpy(), rows["source"].astype(object).to_numpy(), extra,
    ])


def _shadowed_breakdowns(rows: pd.DataFrame, is_total: np.ndarray, gran: np.ndarray) -> np.ndarray:
    """Breakdown rows that sit on a (metric, source, date, granularity) that has a total row."""
    stamp = pd.to_datetime(rows["date"]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object) + "|" + gran
    keys = _keys(rows, stamp)
    totals = keys[is_total].unique()
    return (~is_total) & keys.isin(totals)


def _covered_by_coarser(rows: pd.DataFrame, gran: np.ndarray) -> np.ndarray:
    """Finer rows inside a month (or week) that a coarser row of the same metric and source covers."""
    dates = pd.to_datetime(rows["date"])
    covered = np.zeros(len(rows), dtype=bool)
    labels = {
        "month": dates.dt.strftime("%Y-%m").to_numpy(dtype=object),
        "week": (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
    }
    for coarse, finer in _FINER.items():
        is_coarse = gran == coarse
        if not is_coarse.any():
            continue
        keys = _keys(rows, labels[coarse])
        is_finer = np.isin(gran, finer)
        covered |= is_finer & keys.isin(keys[is_coarse].unique())
    return covered


def covered_end(day: date, granularity: str | None) -> date:
    """The last day a row dated ``day`` stands for: a month row covers its month, a week row
    its seven days, a day row itself."""
    if granularity == "month":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    if granularity == "week":
        return day + timedelta(days=6)
    return day
