"""The SMART check (SPEC §6): each letter's verdict, with a reason and a fix.

Never silent: when the words allow two readings (a phrase the business type does not
resolve, 「成長 2 倍」, "+30%" on a rate) the letter that depends on them is ``unknown`` and
its reason names both readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.catalog import Metric, load_catalog
from core.goals import ParsedGoal
from core.i18n import has, normalize_language, t
from core.smart.achievable import achievable
from core.smart.criteria import CRITERIA, Criterion, c
from core.smart.fmt import describe_target, fmt_pct, fmt_plain
from core.smart.parse import MAX_GOAL_CHARS, TOO_LONG_NOTE, invalid_date, two_periods
from core.smart.sanity import absurd
from core.typography import join_list

if TYPE_CHECKING:
    import pandas as pd

    from core.benchmarks import BenchmarkComparison


@dataclass
class SmartResult:
    goal: ParsedGoal
    criteria: dict[str, Criterion]
    lang: str
    benchmark: BenchmarkComparison | None = None

    def to_dict(self) -> dict[str, Any]:
        """SPEC §9's ``smart`` shape."""
        return {"parsed": self.goal.to_dict(),
                "criteria": {k: self.criteria[k].to_dict() for k in CRITERIA}}

    @property
    def passed(self) -> bool:
        return all(c.verdict == "pass" for c in self.criteria.values())


def check_smart(goal: ParsedGoal, *, lang: str | None = None, business_type: str | None = None,
                role: str = "kgi", kgi_metric: str | None = None,
                history: pd.Series | None = None, baseline: float | None = None,
                currency: str | None = None) -> SmartResult:
    """Judge each SMART letter of a parsed goal (SPEC §6).

    Parameters
    ----------
    goal : ParsedGoal
    lang : str, optional
        Language of reasons and fixes; default the sentence's.
    business_type : str, optional
        The workspace's business type (Relevant, benchmark segment).
    role : {"kgi", "kpi"}
        A KGI must be the business type's core outcome; a KPI must drive ``kgi_metric``.
    history : pandas.Series, optional
        Monthly actuals of the goal's metric (index: dates or monthly periods), in the metric's
        unit. Achievable compares the required growth with the best growth it shows.
    baseline : float, optional
        Today's value of the metric (metric units); default the sentence's own starting point
        (「從 2% 提升到 3%」). Needed to judge levels without history, and to show both
        readings of an ambiguous "+30%" on a rate.
    currency : str, optional
        The workspace's currency; currency-valued benchmarks are used only when it matches.
    """
    lang = normalize_language(lang) if lang else goal.lang
    if baseline is None:
        baseline = goal.baseline
    metric = load_catalog().metrics.get(goal.metric or "")
    if not goal.understood:
        too_long = next((n for n in goal.notes if n.startswith(TOO_LONG_NOTE)), None)
        if too_long is not None:
            nu = c("fail", lang, "smart.too_long", "smart.not_understood.fix",
                   chars=too_long.removeprefix(TOO_LONG_NOTE), limit=MAX_GOAL_CHARS)
        else:
            nu = c("fail", lang, "smart.not_understood", "smart.not_understood.fix")
        unknown = c("unknown", lang, "smart.not_understood.unknown")
        criteria = {"specific": nu, "measurable": nu, "achievable": unknown,
                    "relevant": unknown, "time_bound": nu}
        return SmartResult(goal, criteria, lang)
    a, comparison = achievable(goal, metric, lang, business_type, history, baseline,
                               currency or goal.currency)
    if goal.alternatives and a.verdict != "fail":
        a, comparison = _two_targets(goal, metric, lang), None
    measurable = _measurable(goal, metric, lang, baseline)
    if goal.metric_readings and measurable.verdict == "fail":
        a = measurable  # impossible whichever metric it is (a rate above 100%)
    criteria = {
        "specific": _specific(goal, metric, lang),
        "measurable": measurable,
        "achievable": a,
        "relevant": _relevant(goal, metric, lang, business_type, role, kgi_metric),
        "time_bound": _time_bound(goal, lang, role),
    }
    return SmartResult(goal, criteria, lang, benchmark=comparison)


def _names(keys: tuple[str, ...], lang: str) -> str:
    return join_list((load_catalog()[k].name(lang) for k in keys), lang)


# --- Specific ----------------------------------------------------------------------------


def _specific(goal: ParsedGoal, metric: Metric | None, lang: str) -> Criterion:
    if goal.metric_readings:
        return c("unknown", lang, "smart.s.two_metrics", "smart.s.two_metrics.fix",
                 phrase=goal.metric_phrase or "", readings=_names(goal.metric_readings, lang))
    if metric is None:
        return c("fail", lang, "smart.s.no_metric", "smart.s.no_metric.fix")
    name = metric.name(lang)
    if goal.vague_term:
        return c("fail", lang, "smart.s.vague", "smart.s.vague.fix", term=goal.vague_term)
    if goal.direction is None:
        return c("fail", lang, "smart.s.no_direction", "smart.s.no_direction.fix", metric=name)
    if goal.other_metrics:
        others = join_list((load_catalog()[k].name(lang) for k in goal.other_metrics), lang)
        return c("warn", lang, "smart.s.many", "smart.s.many.fix", metric=name, others=others)
    wrong_way = (goal.direction == "decrease" and metric.higher_is_better) or (
        goal.direction == "increase" and not metric.higher_is_better
        and goal.target is not None and goal.target.kind != "count_per_cadence")
    direction = t(f"smart.direction.{goal.direction}", lang)
    if wrong_way:
        return c("warn", lang, "smart.s.wrong_way", "smart.s.wrong_way.fix", metric=name,
                 direction=direction)
    if goal.reference == "last_year":
        return c("pass", lang, "smart.s.vs_last_year", metric=name, direction=direction)
    return c("pass", lang, "smart.s.pass", metric=name, direction=direction)


# --- Measurable --------------------------------------------------------------------------


def _measurable(goal: ParsedGoal, metric: Metric | None, lang: str,
                baseline: float | None) -> Criterion:
    if goal.target is None:
        if goal.reference == "last_year" and metric is not None:
            return c("fail", lang, "smart.m.vs_last_year", "smart.m.vs_last_year.fix",
                     metric=metric.name(lang))
        example = t("smart.example.kgi", lang)
        return c("fail", lang, "smart.m.no_number", "smart.m.no_number.fix", example=example)
    if goal.metric_readings:
        # A rate above 100% is impossible whichever rate it is.
        units = {load_catalog()[k].unit for k in goal.metric_readings}
        first = load_catalog()[goal.metric_readings[0]]
        found = absurd(goal, first, lang, baseline) if len(units) == 1 else None
        if found is not None:
            return found
        return c("unknown", lang, "smart.m.two_metrics", "smart.s.two_metrics.fix",
                 phrase=goal.metric_phrase or "", readings=_names(goal.metric_readings, lang),
                 target=describe_target(goal.target, None, lang))
    if metric is None:
        return c("fail", lang, "smart.m.no_metric", "smart.m.no_metric.fix",
                 target=describe_target(goal.target, None, lang))
    found = absurd(goal, metric, lang, baseline)
    if found is not None:
        return found
    if goal.alternatives:
        return _two_targets(goal, metric, lang)
    target = describe_target(goal.target, metric, lang)
    if goal.ambiguous_rate and goal.target.kind == "change_pct":
        return _ambiguous(goal, metric, lang, baseline)
    return c("pass", lang, "smart.m.pass", metric=metric.name(lang), target=target)


def _two_targets(goal: ParsedGoal, metric: Metric | None, lang: str) -> Criterion:
    assert goal.target is not None
    readings = [describe_target(x, metric, lang) for x in (goal.target, *goal.alternatives)]
    return c("unknown", lang, "smart.m.two_targets", "smart.m.two_targets.fix",
             first=readings[0], second=readings[1])


def _ambiguous(goal: ParsedGoal, metric: Metric, lang: str, baseline: float | None) -> Criterion:
    """"+30%" on a rate: relative or percentage points? Unknown, with both results."""
    assert goal.target is not None
    pct = goal.target.value
    base = baseline if baseline is not None and 0 < baseline < 1 else 0.10
    relative = base * (1 + pct / 100)
    points = base + pct / 100
    key = "smart.m.ambiguous.fix" if baseline is not None else "smart.m.ambiguous.fix_example"
    params = {"metric": metric.name(lang), "value": fmt_plain(abs(pct)), "sign": "+" if pct >= 0 else "−",
              "base": fmt_pct(base), "relative": fmt_pct(relative), "points": fmt_pct(points)}
    return Criterion("unknown", t("smart.m.ambiguous", lang, **params), t(key, lang, **params))


# --- Relevant ----------------------------------------------------------------------------


def core_metrics(business_type: str) -> list[str]:
    """Catalog metrics that can be a KGI for ``business_type`` (``core_for``)."""
    return [m.key for m in load_catalog().metrics.values() if business_type in m.core_for]


def _relevant(goal: ParsedGoal, metric: Metric | None, lang: str, business_type: str | None,
              role: str, kgi_metric: str | None) -> Criterion:
    if metric is None:
        return c("unknown", lang, "smart.r.no_metric")
    catalog = load_catalog()
    name = metric.name(lang)
    if role == "kpi":
        if not kgi_metric or kgi_metric not in catalog:
            return c("unknown", lang, "smart.r.no_kgi", "smart.r.no_kgi.fix")
        kgi_name = catalog[kgi_metric].name(lang)
        if metric.key == kgi_metric:
            return c("warn", lang, "smart.r.kpi_same", "smart.r.kpi_same.fix", metric=name)
        if metric.key in catalog.drivers_of(kgi_metric):
            return c("pass", lang, "smart.r.kpi_driver", metric=name, kgi=kgi_name)
        drivers = join_list((catalog[k].name(lang) for k in sorted(catalog.drivers_of(kgi_metric))[:4]), lang)
        return c("fail", lang, "smart.r.kpi_unrelated", "smart.r.kpi_unrelated.fix",
                 metric=name, kgi=kgi_name, drivers=drivers)
    if not business_type:
        return c("unknown", lang, "smart.r.no_type", "smart.r.no_type.fix")
    type_key = f"templates.type.{business_type}"
    type_name = t(type_key, lang) if has(type_key) else business_type
    cores = core_metrics(business_type)
    core_names = join_list((catalog[k].name(lang) for k in cores), lang)
    if metric.key in cores:
        return c("pass", lang, "smart.r.core", metric=name, type=type_name)
    if any(metric.key in catalog.drivers_of(k) for k in cores):
        return c("warn", lang, "smart.r.driver_as_kgi", "smart.r.driver_as_kgi.fix",
                 metric=name, type=type_name, cores=core_names)
    return c("warn", lang, "smart.r.not_core", "smart.r.not_core.fix", metric=name,
             type=type_name, cores=core_names)


# --- Time-bound --------------------------------------------------------------------------


def _time_bound(goal: ParsedGoal, lang: str, role: str) -> Criterion:
    """A period or a deadline after the plan's start; a cadence repeats inside the plan period."""
    start = goal.start.isoformat() if goal.start else ""
    both = two_periods(goal)
    if both is not None:
        return c("unknown", lang, "smart.t.two_periods", "smart.t.two_periods.fix", first=both[0], second=both[1])
    if goal.period is not None:
        params = {"start": goal.period.start.isoformat(), "end": goal.period.end.isoformat(),
                  "plan_start": start}
        if goal.start is not None and goal.period.end < goal.start:
            if goal.review:
                return c("warn", lang, "smart.t.review", "smart.t.review.fix", **params)
            return c("fail", lang, "smart.t.over", "smart.t.over.fix", **params)
        key = "smart.t.relative" if goal.period_relative else "smart.t.absolute"
        return c("pass", lang, key, **params)
    if goal.deadline is not None:
        return c("fail", lang, "smart.t.past", "smart.t.past.fix", end=goal.deadline.isoformat())
    invalid = invalid_date(goal)
    if invalid is not None:
        return c("fail", lang, "smart.t.invalid_date", "smart.t.invalid_date.fix", date=invalid)
    if goal.cadence is not None:
        cadence = t(f"smart.cadence.{goal.cadence}", lang)
        key = "smart.t.cadence" if role == "kpi" else "smart.t.cadence_kgi"
        return c("pass", lang, key, cadence=cadence, start=start)
    return c("fail", lang, "smart.t.none", "smart.t.none.fix")
