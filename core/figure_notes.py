"""What a figure counts, in words: its source of record, the sources left out with their own
figures, a ratio's partial coverage, and a plan whose period misses the data.

The dashboard, the review workbook and ``kgi progress`` say the same sentences, so they are
written once here from :class:`core.progress.GoalProgress` and :class:`core.progress.Progress`.
"""

from __future__ import annotations

from datetime import date

from core.catalog import load_catalog
from core.formatting import format_day, format_month, format_value
from core.i18n import t
from core.measurement import Measurement, measurement_label
from core.progress import GoalProgress, Progress


def _measurement(item: dict | None) -> Measurement | None:
    if not item:
        return None
    return Measurement(str(item.get("family", "")), tuple(item.get("sources") or ()))


def counted_sources(goal: GoalProgress, lang: str) -> str:
    """The sources a goal's figure counts, by their names (``""`` when none has data)."""
    return measurement_label(_measurement(goal.source_of_record), lang)


def source_note(goal: GoalProgress, lang: str) -> str | None:
    """``Source: Shopify orders`` (``(your choice)`` when the workspace or KPI chose it)."""
    record = goal.source_of_record
    label = measurement_label(_measurement(record), lang)
    if not label:
        return None
    chosen = (record or {}).get("chosen_by") in ("workspace", "goal")
    return t("measurement.source_chosen" if chosen else "measurement.source", lang, sources=label)


def overlap_notes(goal: GoalProgress, lang: str, currency: str, *, short: bool = False) -> list[str]:
    """One sentence per family that also measures the goal's metric: its figure over the
    months it covers, beside the counted figure over the same months."""
    record = measurement_label(_measurement(goal.source_of_record), lang)
    metric = load_catalog()[goal.metric].name(lang)
    out = []
    for alt in goal.alternatives:
        others = measurement_label(_measurement(alt), lang)
        value = format_value(alt.get("actual_to_date"), goal.unit, lang, currency)
        counted = format_value(alt.get("record_value"), goal.unit, lang, currency)
        period = _period_words(alt.get("start"), alt.get("end"), lang)
        if short:
            out.append(t("measurement.overlap_short", lang, source=others, value=value, period=period))
        else:
            out.append(t("measurement.overlap", lang, others=others, metric=metric, value=value, record=record,
                         period=period, counted=counted))
    return out


def _period_words(start: str | None, end: str | None, lang: str) -> str:
    if not start or not end:
        return ""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if (first.year, first.month) == (last.year, last.month):
        return format_month(first, lang)
    return f"{format_month(first, lang)} – {format_month(last, lang)}"


def coverage_note(goal: GoalProgress, lang: str) -> str | None:
    """For a ratio that left out months where only one of its parts had data."""
    if not goal.unmatched_months:
        return None
    m = load_catalog()[goal.metric]
    catalog = load_catalog()
    return t(
        "measurement.partial_ratio", lang, metric=m.name(lang),
        numerator=catalog[m.numerator or ""].name(lang) if m.numerator else "",
        denominator=catalog[m.denominator or ""].name(lang) if m.denominator else "",
        count=goal.unmatched_months,
    )


def periods_apart_note(progress: Progress, lang: str) -> str | None:
    """When the data and the plan's period do not meet: both periods named, and the fix."""
    if not progress.periods_apart or progress.data_start is None or progress.data_end is None:
        return None
    return t(
        "measurement.periods_apart", lang,
        plan_start=format_day(progress.period_start, lang), plan_end=format_day(progress.period_end, lang),
        data_start=format_day(progress.data_start, lang), data_end=format_day(progress.data_end, lang),
    )


def goal_notes(goal: GoalProgress, lang: str, currency: str) -> list[str]:
    """Every note of a goal, in the order a reader needs them."""
    notes = [n for n in (source_note(goal, lang),) if n]
    notes += overlap_notes(goal, lang, currency)
    coverage = coverage_note(goal, lang)
    if coverage:
        notes.append(coverage)
    return notes
