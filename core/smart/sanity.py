"""Measurable's safety net: targets no business can have fail before any benchmark.

* a change of −100% or less, a negative level or count;
* a rate (unit ``percent``) above 100%, as a level or once a change is applied to a known
  baseline (the sentence's own 「從 2% 」 or today's value);
* growth beyond :data:`GROWTH_CEILING_PCT` a year (compounded for longer periods): +5000%
  revenue in a year is a typo or a wish, not a plan. The ceiling is +1000% (×11) a year for
  every unit; a rate's relative change is held to the same ceiling even without a baseline;
* a rank below 1.
"""

from __future__ import annotations

from core.catalog import Metric
from core.goals import ParsedGoal
from core.smart.criteria import Criterion, c
from core.smart.fmt import fmt_pct, fmt_plain

# The largest change a one-year goal may ask for, in percent, before it is called absurd.
GROWTH_CEILING_PCT = 1000.0


def growth_ceiling(goal: ParsedGoal) -> float:
    """:data:`GROWTH_CEILING_PCT` for the goal's period: compounded per year, one year at least."""
    years = max((goal.period.months if goal.period else 12) / 12, 1.0)
    return ((1 + GROWTH_CEILING_PCT / 100) ** years - 1) * 100


def absurd(goal: ParsedGoal, metric: Metric, lang: str, baseline: float | None) -> Criterion | None:
    """The first rule (module docstring) the goal's target breaks, as a failed criterion."""
    target = goal.target
    assert target is not None
    name = metric.name(lang)
    if target.kind == "change_pct" and target.value <= -100:
        return c("fail", lang, "smart.m.below_zero", "smart.m.below_zero.fix", metric=name,
                 value=fmt_plain(target.value))
    if target.kind in ("level", "threshold", "ceiling", "count_per_cadence") and target.value < 0:
        return c("fail", lang, "smart.m.negative", "smart.m.negative.fix", metric=name,
                 value=fmt_plain(target.value))
    if metric.unit == "percent" and target.kind in ("level", "threshold", "ceiling") and target.value > 1:
        return c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                 value=fmt_pct(target.value))
    if metric.unit == "percent" and target.kind == "change_pp" and baseline is not None:
        reached = baseline + target.value / 100
        if not 0 <= reached <= 1:
            return c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                     value=fmt_pct(reached))
    if (metric.unit == "percent" and target.kind == "change_pct" and baseline is not None
            and baseline * (1 + target.value / 100) > 1):
        return c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                 value=fmt_pct(baseline * (1 + target.value / 100)))
    if target.kind == "rank" and target.value < 1:
        return c("fail", lang, "smart.m.bad_rank", "smart.m.bad_rank.fix", value=fmt_plain(target.value))
    if metric.unit == "percent" and target.kind == "change_pp" and abs(target.value) > 100:
        return c("fail", lang, "smart.m.over_100", "smart.m.over_100.fix", metric=name,
                 value=fmt_plain(target.value) + " pp")
    if target.kind == "change_pct" and target.value > growth_ceiling(goal):
        return c("fail", lang, "smart.m.absurd_growth", "smart.m.absurd_growth.fix", metric=name,
                 value=fmt_plain(target.value), ceiling=fmt_plain(round(growth_ceiling(goal))))
    return None
