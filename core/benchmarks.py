"""Cited industry benchmarks (grade A and B only) and how a target compares with them.

The table ships as two CSV files built from ``../shared/research/benchmarks.md`` (§10 schema,
simplified): ``core/data/benchmark_sources.csv`` describes each source once (publisher, title,
edition, the URL the figure was read on, grade) and ``core/data/benchmarks.csv`` holds one row
per figure with its metric (a catalog key), channel, platform, segment, statistic, value, data
year and grade. Percent figures are written as shown (6.66 for 6.66%) and loaded as fractions,
like every percent in the product. Grade C and unverified figures are never shipped; loading
refuses them.

Figures from different providers use different definitions, so a comparison always uses one
source (never a mix), names it with its year and grade, and says when the definition differs
from ours (engagement per follower vs our engagement per reach) instead of comparing anyway.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from core.catalog import load_catalog
from core.i18n import t

DATA_DIR = Path(__file__).parent / "data"
SHIPPED_GRADES: frozenset[str] = frozenset({"A", "A-", "B"})
Band = Literal["typical", "stretch", "ambitious", "extreme"]

# What each catalog rate divides by; a benchmark with another denominator is not comparable.
CATALOG_BASIS: dict[str, frozenset[str]] = {
    "conversion_rate": frozenset({"sessions", "clicks"}),
    "ctr": frozenset({"impressions"}),
    "open_rate": frozenset({"delivered"}),
    "email_ctr": frozenset({"delivered"}),
    "engagement_rate": frozenset({"reach", "impressions"}),
    "trial_conversion_rate": frozenset({"trials_started"}),
}
_UNIT_CURRENCY = {"usd": "USD", "gbp": "GBP", "twd": "TWD"}
OLD_AFTER_YEARS = 3


@dataclass(frozen=True)
class Source:
    source_id: str
    publisher: str
    title: str
    edition: str
    published: str
    data_period: str
    url_seen: str
    primary_url: str
    grade: str
    methodology: str = ""
    license_note: str = ""


@dataclass(frozen=True)
class Benchmark:
    """One published figure, in the catalog's units (percent as a fraction)."""

    benchmark_id: str
    source: Source
    metric: str
    channel: str
    platform: str
    segment_type: str
    segment: str
    business_types: tuple[str, ...]
    region: str
    unit: str
    stat: str
    percentile: float | None
    value: float
    value_low: float | None
    value_high: float | None
    measure: str
    basis: str
    data_year: int | None
    mpp_era: str
    grade: str
    note: str = ""

    @property
    def currency(self) -> str | None:
        return _UNIT_CURRENCY.get(self.unit)

    @property
    def is_typical(self) -> bool:
        return self.stat in ("mean", "median") or (self.stat == "percentile" and self.percentile == 50)

    @property
    def is_top(self) -> bool:
        return self.stat == "top_performers" or (
            self.stat == "percentile" and (self.percentile or 0) > 50)

    def formatted(self, value: float | None = None) -> str:
        return format_benchmark_value(self.value if value is None else value, self.unit, self.measure)

    def cite(self, lang: str) -> str:
        """「WordStream/LocaliQ, Search Advertising Benchmarks 2025 (data 2025, grade B)」."""
        src = self.source
        return t("benchmarks.cite", lang, publisher=src.publisher, title=src.title,
                 edition=src.edition, year=self.data_year or "?", grade=self.grade)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.benchmark_id, "metric": self.metric, "channel": self.channel,
            "platform": self.platform, "segment": self.segment, "stat": self.stat,
            "percentile": self.percentile, "value": self.value, "unit": self.unit,
            "measure": self.measure, "data_year": self.data_year, "grade": self.grade,
            "publisher": self.source.publisher, "title": self.source.title,
            "edition": self.source.edition, "url": self.source.url_seen,
        }


@dataclass(frozen=True)
class BenchmarkComparison:
    """Where a target sits against one source's figures for the same metric."""

    metric: str
    value: float
    band: Band
    reference: Benchmark
    top: Benchmark | None
    top_value: float | None
    comparable: bool
    caveats: tuple[str, ...] = ()

    def sentence(self, lang: str) -> str:
        """One or two sentences with the numbers and the source to cite."""
        ref = self.reference
        metric_name = load_catalog()[self.metric].name(lang)
        if not self.comparable:
            return t("benchmarks.not_comparable", lang, metric=metric_name,
                     basis=t(f"benchmarks.basis.{ref.basis}", lang), typical=ref.formatted(),
                     segment=ref.segment, cite=ref.cite(lang))
        params = {"value": ref.formatted(self.value), "typical": ref.formatted(),
                  "stat": t(f"benchmarks.stat.{ref.stat}", lang), "segment": ref.segment,
                  "metric": metric_name, "cite": ref.cite(lang)}
        text = t(f"benchmarks.band.{self.band}", lang, **params)
        if self.top_value is not None and self.top is not None:
            label = (t("benchmarks.top.percentile", lang, share=_fmt_share(self.top.percentile))
                     if self.top.stat == "percentile" else t("benchmarks.top.best", lang))
            text += " " + t("benchmarks.top", lang, label=label, top=ref.formatted(self.top_value))
        for caveat in self.caveats:
            text += " " + t(f"benchmarks.caveat.{caveat}", lang, year=ref.data_year or "?")
        return text

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "band": self.band,
                "comparable": self.comparable, "typical": self.reference.value,
                "top": self.top_value, "caveats": list(self.caveats),
                "source": self.reference.to_dict(), "sentence": self.sentence(lang)}


def _fmt_share(percentile: float | None) -> str:
    return f"{100 - (percentile or 90):g}%"


def format_benchmark_value(value: float, unit: str, measure: str = "level") -> str:
    if unit == "percent" or measure == "annual_growth":
        pct = value * 100
        return f"{pct:.3g}%" if pct < 1 else f"{pct:.2f}".rstrip("0").rstrip(".") + "%"
    if unit in _UNIT_CURRENCY:
        symbol = {"usd": "US$", "gbp": "£", "twd": "NT$"}[unit]
        return f"{symbol}{value:,.2f}"
    if unit == "ratio":
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:,g}"


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def load_sources() -> dict[str, Source]:
    with (DATA_DIR / "benchmark_sources.csv").open(encoding="utf-8", newline="") as fh:
        return {row["source_id"]: Source(**row) for row in csv.DictReader(fh)}


@cache
def load_benchmarks() -> tuple[Benchmark, ...]:
    """Every shipped figure. Raises ``ValueError`` on a row the product must not ship."""
    sources = load_sources()
    catalog = load_catalog()
    out = []
    with (DATA_DIR / "benchmarks.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["grade"] not in SHIPPED_GRADES:
                raise ValueError(f"benchmark {row['benchmark_id']} has grade {row['grade']}")
            if row["metric"] not in catalog:
                raise ValueError(f"benchmark {row['benchmark_id']} names unknown metric {row['metric']}")
            as_fraction = row["unit"] == "percent" or row["measure"] == "annual_growth"
            scale = 0.01 if as_fraction else 1.0

            def scaled(text: str, scale: float = scale) -> float | None:
                value = _float(text)
                return None if value is None else value * scale

            value = scaled(row["value"])
            assert value is not None, row["benchmark_id"]
            out.append(Benchmark(
                benchmark_id=row["benchmark_id"], source=sources[row["source_id"]],
                metric=row["metric"], channel=row["channel"], platform=row["platform"],
                segment_type=row["segment_type"], segment=row["segment"],
                business_types=tuple(x for x in row["business_types"].split(";") if x),
                region=row["region"], unit=row["unit"], stat=row["stat"],
                percentile=_float(row["percentile"]), value=value,
                value_low=scaled(row["value_low"]), value_high=scaled(row["value_high"]),
                measure=row["measure"], basis=row["basis"],
                data_year=int(row["data_year"]) if row["data_year"] else None,
                mpp_era=row["mpp_era"], grade=row["grade"], note=row["note"],
            ))
    return tuple(out)


def _score(b: Benchmark, business_type: str | None, as_of: date) -> float:
    """Higher is a better reference: made for this business type, recent, grade A."""
    tagged = 4.0 if business_type and business_type in b.business_types else 0.0
    age = as_of.year - (b.data_year or as_of.year - 15)
    return tagged - age + (0.5 if b.grade.startswith("A") else 0.0)


def benchmarks_for(metric: str, *, business_type: str | None = None, channel: str | None = None,
                   platform: str | None = None, segment: str | None = None,
                   as_of: date | None = None) -> list[Benchmark]:
    """Shipped figures for ``metric``, best reference first (made for the type, newest, grade A)."""
    as_of = as_of or date.today()
    rows = [b for b in load_benchmarks() if b.metric == metric
            and (channel is None or b.channel == channel)
            and (platform is None or b.platform == platform)
            and (segment is None or b.segment == segment)]
    return sorted(rows, key=lambda b: -_score(b, business_type, as_of))


def compare_to_benchmark(metric: str, value: float, *, business_type: str | None = None,
                         channel: str | None = None, platform: str | None = None,
                         segment: str | None = None, currency: str | None = None,
                         measure: str = "level", as_of: date | None = None) -> BenchmarkComparison | None:
    """Place a target against one source's figures for ``metric``.

    Parameters
    ----------
    metric : str
        Catalog key.
    value : float
        The target in the metric's unit (0.03 for a 3% CTR), or a yearly growth fraction when
        ``measure="annual_growth"``.
    currency : str, optional
        Currency of ``value``; figures in another currency (or when it is unknown) are skipped.

    Returns
    -------
    BenchmarkComparison or None
        ``band`` is direction-aware: ``typical`` (no better than the typical figure),
        ``stretch`` (up to the top-performer figure, or 1.5× typical without one),
        ``ambitious`` (up to 2× the top figure, or 4× typical), ``extreme`` beyond.
        ``None`` when no shipped figure fits.
    """
    as_of = as_of or date.today()
    rows = [b for b in benchmarks_for(metric, business_type=business_type, channel=channel,
                                      platform=platform, segment=segment, as_of=as_of)
            if b.measure == measure and (b.currency is None or b.currency == currency)
            and _segment_allowed(b, business_type, explicit=segment is not None or platform is not None)]
    if not rows:
        return None
    best = rows[0]
    group = [b for b in rows if (b.source.source_id, b.segment_type, b.segment)
             == (best.source.source_id, best.segment_type, best.segment)]
    typical = next((b for b in group if b.is_typical), None)
    if typical is None:
        return None
    higher = load_catalog()[metric].higher_is_better or measure == "annual_growth"
    top, top_value = _top_of(group, typical, higher)
    band = _band(value, typical.value, top_value, higher)
    allowed = CATALOG_BASIS.get(metric)
    comparable = not (allowed and typical.basis and typical.basis not in allowed)
    return BenchmarkComparison(metric, value, band, typical, top, top_value, comparable,
                               _caveats(typical, metric, as_of))


def _segment_allowed(b: Benchmark, business_type: str | None, *, explicit: bool) -> bool:
    if explicit or b.segment_type in ("overall", "platform"):
        return True
    return b.segment_type == "industry" and bool(business_type) and business_type in b.business_types


def _top_of(group: list[Benchmark], typical: Benchmark, higher: bool) -> tuple[Benchmark | None, float | None]:
    tops = [b for b in group if b.is_top]
    if tops:
        top = max(tops, key=lambda b: b.value) if higher else min(tops, key=lambda b: b.value)
        return top, top.value
    edge = typical.value_high if higher else typical.value_low
    return (typical, edge) if edge is not None else (None, None)


def _band(value: float, typical: float, top: float | None, higher: bool) -> Band:
    if value <= 0 or typical <= 0:
        return "typical" if (value <= typical) == higher else "extreme"
    ratio = value / typical if higher else typical / value
    top_ratio = None if top is None else (top / typical if higher else typical / top)
    ratio -= 1e-9  # 1.4% against a stored 1.4 × 0.01 is typical, not a stretch
    if ratio <= 1:
        return "typical"
    stretch_limit, ambitious_limit = (1.5, 4.0) if top_ratio is None else (top_ratio, 2 * top_ratio)
    if ratio <= stretch_limit:
        return "stretch"
    return "ambitious" if ratio <= ambitious_limit else "extreme"


def _caveats(b: Benchmark, metric: str, as_of: date) -> tuple[str, ...]:
    found = []
    if b.data_year is not None and as_of.year - b.data_year > OLD_AFTER_YEARS:
        found.append("old")
    if metric == "open_rate" and b.mpp_era == "pre_mpp":
        found.append("pre_mpp")
    if metric == "open_rate" and b.mpp_era == "mixed":
        found.append("mixed_mpp")
    if metric == "cpa" and "lead" in b.note:
        found.append("per_lead")
    if metric == "conversion_rate" and b.basis == "clicks":
        found.append("per_click")
    return tuple(found)
