""""What was understood": the parsed goal as label/value lines, for the page and ``kgi smart``.

The same lines in both places, so a misreading (a period's number taken as the target, the
wrong metric) is visible at a glance next to the sentence.
"""

from __future__ import annotations

from core.catalog import load_catalog
from core.goals import ParsedGoal
from core.i18n import t
from core.smart.fmt import describe_target, format_level


def _metric(goal: ParsedGoal, lang: str) -> str | None:
    catalog = load_catalog()
    if goal.metric_readings:
        names = [catalog[k].name(lang) for k in goal.metric_readings]
        return t("smart.understood.readings", lang, readings=t("smart.understood.or", lang).join(names))
    if goal.metric:
        return f"{catalog[goal.metric].name(lang)} ({goal.metric})"
    return None


def _target(goal: ParsedGoal, lang: str) -> str | None:
    if goal.target is None:
        if goal.reference == "last_year" and goal.direction:
            return t("smart.understood.vs_last_year", lang,
                     direction=t(f"smart.direction.{goal.direction}", lang))
        return None
    metric = load_catalog().metrics.get(goal.metric or "")
    text = describe_target(goal.target, metric, lang)
    if goal.alternatives:
        others = [describe_target(x, metric, lang) for x in goal.alternatives]
        text = t("smart.understood.or", lang).join([text, *others])
    return text


def _period(goal: ParsedGoal, lang: str) -> str | None:
    if goal.period is not None:
        return f"{goal.period.start.isoformat()} → {goal.period.end.isoformat()}"
    if goal.deadline is not None:
        return t("smart.understood.past_deadline", lang, end=goal.deadline.isoformat())
    return None


def understood_items(goal: ParsedGoal, lang: str) -> list[tuple[str, str]]:
    """(label, value) for metric, direction, target, period, baseline and cadence; "—" if none."""
    none = t("smart.cli.none", lang)
    metric = load_catalog().metrics.get(goal.metric or "")
    baseline = format_level(goal.baseline, metric) if goal.baseline is not None else None
    cadence = t(f"smart.cadence.{goal.cadence}", lang) if goal.cadence else None
    direction = t(f"smart.direction.{goal.direction}", lang) if goal.direction else None
    rows = [
        ("smart.cli.metric", _metric(goal, lang)),
        ("smart.cli.direction", direction),
        ("smart.cli.target", _target(goal, lang)),
        ("smart.cli.period", _period(goal, lang)),
        ("smart.cli.baseline", baseline),
        ("smart.cli.cadence", cadence),
    ]
    return [(t(key, lang), value or none) for key, value in rows]
