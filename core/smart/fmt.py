"""Numbers for people in SMART reasons: 25%, +30%, 「每月 10」, 「前 3 名」."""

from __future__ import annotations

from core.catalog import Metric
from core.goals import Target
from core.i18n import t


def fmt_plain(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def fmt_pct(fraction: float) -> str:
    return f"{fmt_plain(round(fraction * 100, 2))}%"


def fmt_signed_pct(fraction: float) -> str:
    text = fmt_plain(round(fraction * 100, 1))
    return f"+{text}%" if fraction >= 0 else f"{text}%".replace("-", "−")


def format_level(value: float, metric: Metric | None) -> str:
    """A value in the metric's unit for people: 0.25 → 25%, 5.0 → 5.0 (ROAS), 50000 → 50,000."""
    if metric is not None and metric.unit == "percent":
        return fmt_pct(value)
    if metric is not None and metric.unit == "ratio":
        return f"{value:.1f}" if float(value).is_integer() else fmt_plain(value)
    return fmt_plain(value)


def describe_target(target: Target, metric: Metric | None, lang: str) -> str:
    """「+30%」, 「達 25%」, 「低於 10」, 「每月 10」, 「前 3 名」, 「至少 100」, 「+3 個百分點」."""
    kind = target.kind
    if kind == "change_pct":
        return t("smart.kind.change_pct", lang, value=fmt_signed_pct(target.value / 100))
    if kind == "change_pp":
        sign = "+" if target.value >= 0 else "−"
        return t("smart.kind.change_pp", lang, sign=sign, value=fmt_plain(abs(target.value)))
    if kind == "rank":
        return t("smart.kind.rank", lang, value=fmt_plain(target.value))
    if kind == "count_per_cadence":
        cadence = t(f"smart.cadence.{target.cadence or 'period'}", lang)
        return t("smart.kind.count_per_cadence", lang, value=fmt_plain(target.value), cadence=cadence)
    return t(f"smart.kind.{kind}", lang, value=format_level(target.value, metric))
