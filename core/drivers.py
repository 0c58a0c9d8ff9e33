"""The driver tree (SPEC §5): what the KPI targets imply for the KGI, and what is missing.

The catalog declares identities (``revenue = sessions × conversion_rate × aov``, ``cpa =
ad_spend / conversions``, ``followers(end) = followers(start) + Σ new_followers``). Products and
quotients are both *multiplicative*: a relative change of the target is the product of its
parts' relative changes raised to ±1, so every such identity is handled as a list of terms
``(metric, power)``. Nested identities are expanded where that covers more KPIs: revenue =
orders × aov, and orders = sessions × conversion_rate.

All changes in this module are relative changes **in percent** (26.5 for +26.5%), like a
``change_pct`` target. Nothing is rounded here; round only for display.

Reference case (the article's e-commerce row)::

    >>> check = driver_check("revenue", 50, {"conversion_rate": 10, "aov": 15})
    >>> round(check.implied_change_pct, 1), round(check.missing[0].needed_change_pct, 1)
    (26.5, 18.6)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Protocol

from core.catalog import Catalog, Identity, load_catalog

# A KGI "carries" when the implied change reaches the target within this many percent points:
# 26.49 against 26.5 is float noise, not a shortfall.
_CARRY_TOLERANCE_PCT = 0.05


class TargetLike(Protocol):
    """What :class:`core.goals.Target` offers; any object with these attributes works."""

    kind: str
    value: float
    cadence: str | None


@dataclass(frozen=True)
class Term:
    """One factor of a multiplicative identity: ``metric`` to the power ``power`` (±1)."""

    metric: str
    power: int = 1


@dataclass(frozen=True)
class Expansion:
    """An identity for ``target``, with nested identities already substituted.

    ``kind`` is ``"product"`` (quotients included: their denominators have power −1) or
    ``"stock"`` (``flow`` set, ``terms`` empty).
    """

    target: str
    kind: str
    terms: tuple[Term, ...] = ()
    flow: str | None = None

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.flow,) if self.flow else tuple(t.metric for t in self.terms)

    def formula(self) -> str:
        """``revenue = sessions × conversion_rate × aov``; quotients with ``/``."""
        if self.kind == "stock":
            return f"{self.target}(end) = {self.target}(start) + Σ {self.flow}"
        top = [t.metric for t in self.terms if t.power > 0] or ["1"]
        bottom = [t.metric for t in self.terms if t.power < 0]
        text = " × ".join(top)
        if bottom:
            below = " × ".join(bottom)
            text += f" / ({below})" if len(bottom) > 1 else f" / {below}"
        return f"{self.target} = {text}"


@dataclass(frozen=True)
class MissingDriver:
    """A part of the identity no KPI covers, and what it alone would need.

    ``needed_change_pct`` is the relative change (percent) that part needs, every other part
    held at its KPI target, for the KPIs to carry the KGI. For a stock identity the flow has no
    baseline to be relative to, so ``needed_total`` gives the amount the flow must add over the
    period instead (``needed_change_pct`` is then ``None``).
    """

    metric: str
    needed_change_pct: float | None
    needed_total: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "metric": self.metric,
            "needed_change_pct": _clean(self.needed_change_pct),
        }
        if self.needed_total is not None:
            out["needed_total"] = _clean(self.needed_total)
        return out


@dataclass(frozen=True)
class DriverCheck:
    """Whether the KPI targets add up to the KGI target.

    Attributes
    ----------
    implied_change_pct
        The KGI change the KPI targets imply, every other driver held constant; ``None`` when
        no identity links the KPIs to the KGI arithmetically.
    missing
        Parts of the chosen identity with no KPI, each with the change it alone needs.
    identity
        The identity used (after expansion), or ``None`` when the KGI has none.
    covered
        KPI metrics that entered ``implied_change_pct``.
    unrelated
        KPI metrics that drive nothing in the KGI: a KPI to question.
    indirect
        KPI metrics that move the KGI only through an influence (ROAS for revenue): relevant,
        but with no arithmetic to add up.
    uncounted
        KPI metrics in the KGI's identities that the chosen identity could not use (a KPI on
        orders beside one on sessions), or with no baseline to turn into a change.
    """

    kgi_metric: str
    kgi_change_pct: float | None
    implied_change_pct: float | None
    missing: list[MissingDriver] = field(default_factory=list)
    identity: Expansion | None = None
    covered: list[str] = field(default_factory=list)
    unrelated: list[str] = field(default_factory=list)
    indirect: list[str] = field(default_factory=list)
    uncounted: list[str] = field(default_factory=list)

    @property
    def carries(self) -> bool | None:
        """Do the KPIs reach the KGI target? Direction-aware; ``None`` if it cannot be told."""
        if self.implied_change_pct is None or self.kgi_change_pct is None:
            return None
        gap = self.implied_change_pct - self.kgi_change_pct
        if load_catalog()[self.kgi_metric].higher_is_better:
            return gap >= -_CARRY_TOLERANCE_PCT
        return gap <= _CARRY_TOLERANCE_PCT

    def to_dict(self) -> dict[str, Any]:
        """SPEC §9's ``driver_check`` shape, plus the extra fields."""
        return {
            "implied_change_pct": _clean(self.implied_change_pct),
            "missing": [m.to_dict() for m in self.missing],
            "kgi_metric": self.kgi_metric,
            "kgi_change_pct": _clean(self.kgi_change_pct),
            "identity": self.identity.formula() if self.identity else None,
            "carries": self.carries,
            "covered": list(self.covered),
            "unrelated": list(self.unrelated),
            "indirect": list(self.indirect),
            "uncounted": list(self.uncounted),
        }


def _clean(value: float | None) -> float | None:
    """Strip float noise for JSON (26.500000000000004 → 26.5); not a display rounding."""
    return None if value is None else round(value, 6)


# --- target → relative change ------------------------------------------------------------


def kpi_change_pct(
    metric: str,
    target: TargetLike,
    baseline: float | None,
    *,
    months: float | None = None,
) -> float | None:
    """The relative change (percent) a target asks of its metric.

    Parameters
    ----------
    metric : str
        Catalog key.
    target : Target
        ``change_pct`` is already relative. ``change_pp`` on a rate (percentage points; the
        rate is stored as a fraction) becomes relative against ``baseline``: +0.5 pp on a 2%
        conversion rate is +25%. ``level``, ``ceiling``, ``threshold`` and ``rank`` need
        ``baseline`` (CPA under 10 from 12 is −16.7%: lower-is-better metrics simply get a
        negative change). ``count_per_cadence`` on a stock metric (followers +10,000 a month)
        needs ``baseline`` and ``months``; on a flow it is compared with ``baseline`` taken
        per the same cadence.
    baseline : float or None
        The metric's current level, in its storage unit.
    months : float, optional
        Length of the goal's period, for counts per cadence on stocks.

    Returns
    -------
    float or None
        ``None`` when the target cannot be expressed as a change (no or zero baseline).
    """
    kind, value = target.kind, float(target.value)
    if kind == "change_pct":
        return value
    if baseline is None or baseline == 0 or not math.isfinite(baseline):
        return None
    if kind == "change_pp":
        if not load_catalog()[metric].is_rate:
            return None
        return (value / 100) / baseline * 100
    if kind in ("level", "ceiling", "threshold", "rank"):
        return (value / baseline - 1) * 100
    if kind == "count_per_cadence":
        if load_catalog()[metric].aggregation == "last":
            if months is None:
                return None
            added = flow_total(target, months)
            return None if added is None else added / baseline * 100
        return (value / baseline - 1) * 100
    return None


def flow_total(target: TargetLike, months: float) -> float | None:
    """What a count per cadence adds up to over ``months``: +10,000 a month × 12 = 120,000."""
    from core.goals import MONTHS_PER_CADENCE

    if target.kind != "count_per_cadence":
        return None
    cadence = target.cadence or "month"
    if cadence == "period":
        return float(target.value)
    per = MONTHS_PER_CADENCE.get(cadence)
    return None if per is None else float(target.value) * months / per


# --- identities ---------------------------------------------------------------------------


def _terms_of(identity: Identity) -> list[Term]:
    if identity.kind == "product":
        return [Term(f, 1) for f in identity.factors]
    return [Term(identity.numerator or "", 1), Term(identity.denominator or "", -1)]


def _combine(groups: Iterable[tuple[Term, ...]]) -> tuple[Term, ...]:
    """Multiply term lists: equal metrics add powers, and cancelled ones drop out."""
    powers: dict[str, int] = {}
    for group in groups:
        for term in group:
            powers[term.metric] = powers.get(term.metric, 0) + term.power
    return tuple(Term(m, p) for m, p in powers.items() if p != 0)


def _options(catalog: Catalog, metric: str, visiting: frozenset[str]) -> list[tuple[Term, ...]]:
    """Every way to write ``metric`` as a product of terms: itself, or an identity, expanded."""
    found: list[tuple[Term, ...]] = [(Term(metric, 1),)]
    if metric in visiting:
        return found
    inner = visiting | {metric}
    for identity in catalog.identities_for(metric):
        if identity.kind == "stock":
            continue
        per_part = [
            [tuple(Term(t.metric, t.power * part.power) for t in option)
             for option in _options(catalog, part.metric, inner)]
            for part in _terms_of(identity)
        ]
        found.extend(_combine(combo) for combo in product(*per_part))
    return found


def expansions(kgi_metric: str) -> list[Expansion]:
    """Every identity for ``kgi_metric``, with nested expansions, in declaration order.

    Equivalent expansions (the same terms reached two ways) appear once.
    """
    catalog = load_catalog()
    out: list[Expansion] = []
    seen: set[frozenset[Term]] = set()
    for identity in catalog.identities_for(kgi_metric):
        if identity.kind == "stock":
            out.append(Expansion(kgi_metric, "stock", flow=identity.flow))
            continue
        for option in _options(catalog, kgi_metric, frozenset())[1:]:
            key = frozenset(option)
            if key not in seen:
                seen.add(key)
                out.append(Expansion(kgi_metric, "product", option))
    return out


def identity_drivers(kgi_metric: str) -> set[str]:
    """Metrics linked to ``kgi_metric`` by identities alone (recursively), not influences."""
    catalog = load_catalog()
    seen: set[str] = set()
    frontier = [kgi_metric]
    while frontier:
        current = frontier.pop()
        for identity in catalog.identities_for(current):
            for part in identity.parts:
                if part and part not in seen and part != kgi_metric:
                    seen.add(part)
                    frontier.append(part)
    return seen


def choose_expansion(kgi_metric: str, kpi_metrics: Iterable[str]) -> Expansion | None:
    """The identity that covers the most KPI metrics.

    Ties go to the one with fewer uncovered parts (fewer things left to explain), then to the
    catalog's order. ``None`` when the KGI has no identity.
    """
    kpis = set(kpi_metrics)
    best: tuple[int, int, int] | None = None
    chosen: Expansion | None = None
    for order, expansion in enumerate(expansions(kgi_metric)):
        covered = sum(1 for m in expansion.metrics if m in kpis)
        score = (-covered, len(expansion.metrics) - covered, order)
        if best is None or score < best:
            best, chosen = score, expansion
    return chosen


# --- the check ----------------------------------------------------------------------------


def _classify(kgi_metric: str, kpi_metrics: Iterable[str], used: set[str]) -> dict[str, list[str]]:
    catalog = load_catalog()
    all_drivers = catalog.drivers_of(kgi_metric)
    by_identity = identity_drivers(kgi_metric)
    out: dict[str, list[str]] = {"unrelated": [], "indirect": [], "uncounted": []}
    for metric in kpi_metrics:
        if metric == kgi_metric or metric in used:
            continue
        if metric not in all_drivers:
            out["unrelated"].append(metric)
        elif metric in by_identity:
            out["uncounted"].append(metric)
        else:
            out["indirect"].append(metric)
    return out


def _needed(kgi_factor: float, known: float, power: int) -> float | None:
    """Change (percent) of one term so that known × (1+x)^power = kgi_factor."""
    if known <= 0 or kgi_factor <= 0:
        return None
    return ((kgi_factor / known) ** (1 / power) - 1) * 100


def _product_check(
    kgi_change_pct: float | None,
    changes: Mapping[str, float],
    expansion: Expansion,
) -> tuple[float | None, list[MissingDriver], list[str]]:
    covered = [t for t in expansion.terms if t.metric in changes]
    known = math.prod((1 + changes[t.metric] / 100) ** t.power for t in covered) if covered else 1.0
    implied = (known - 1) * 100 if covered else None
    missing = []
    for term in expansion.terms:
        if term.metric in changes:
            continue
        needed = None
        if kgi_change_pct is not None:
            needed = _needed(1 + kgi_change_pct / 100, known, term.power)
        missing.append(MissingDriver(term.metric, needed))
    return implied, missing, [t.metric for t in covered]


def _stock_check(
    kgi_change_pct: float | None,
    expansion: Expansion,
    baseline: float | None,
    totals: Mapping[str, float],
) -> tuple[float | None, list[MissingDriver], list[str]]:
    flow = expansion.flow or ""
    usable = baseline is not None and baseline > 0
    if flow in totals:
        implied = totals[flow] / baseline * 100 if usable else None  # type: ignore[operator]
        return implied, [], [flow] if usable else []
    needed_total = None
    if usable and kgi_change_pct is not None:
        needed_total = baseline * kgi_change_pct / 100  # type: ignore[operator]
    return None, [MissingDriver(flow, None, needed_total)], []


def driver_check(
    kgi_metric: str,
    kgi_change_pct: float | None,
    kpi_changes: Mapping[str, float | None],
    *,
    baseline: float | None = None,
    kpi_totals: Mapping[str, float] | None = None,
) -> DriverCheck:
    """Check that the KPI targets add up to the KGI target.

    Parameters
    ----------
    kgi_metric : str
        Catalog key of the KGI.
    kgi_change_pct : float or None
        The KGI target as a relative change in percent (50 for +50%); ``None`` if unknown
        (then nothing is goal-sought, but the implied change is still computed).
    kpi_changes : mapping of str to float or None
        KPI metric → relative change in percent its target asks (see :func:`kpi_change_pct`).
        ``None`` means the KPI exists but its change is unknown (no baseline): it is listed,
        never counted.
    baseline : float, optional
        The KGI's level at the start: needed for a stock identity (followers).
    kpi_totals : mapping of str to float, optional
        For stock identities: what a flow KPI adds over the period (new followers 10,000 a
        month × 12 = 120,000; see :func:`flow_total`).

    Returns
    -------
    DriverCheck
    """
    totals = dict(kpi_totals or {})
    known = {m: c for m, c in kpi_changes.items() if c is not None}
    all_kpis = list(dict.fromkeys([*kpi_changes, *totals]))
    expansion = choose_expansion(kgi_metric, [*known, *totals])
    implied: float | None = None
    missing: list[MissingDriver] = []
    covered: list[str] = []
    if expansion is not None and expansion.kind == "stock":
        implied, missing, covered = _stock_check(kgi_change_pct, expansion, baseline, totals)
    elif expansion is not None:
        implied, missing, covered = _product_check(kgi_change_pct, known, expansion)
    groups = _classify(kgi_metric, all_kpis, set(covered))
    return DriverCheck(
        kgi_metric=kgi_metric,
        kgi_change_pct=kgi_change_pct,
        implied_change_pct=implied,
        missing=missing,
        identity=expansion,
        covered=covered,
        **groups,
    )


def check_targets(
    kgi_metric: str,
    kgi_target: TargetLike | None,
    kgi_baseline: float | None,
    kpis: Iterable[tuple[str, TargetLike | None, float | None]],
    months: float = 12,
) -> DriverCheck:
    """:func:`driver_check` straight from stored targets (what ``plan show`` and the KPI page use).

    ``kpis`` holds ``(metric, target, baseline)`` per KPI. Counts per cadence on a flow of a
    stock KGI (new followers per month for a followers KGI) become period totals; every other
    target becomes a relative change through :func:`kpi_change_pct`.
    """
    kgi_change = (
        kpi_change_pct(kgi_metric, kgi_target, kgi_baseline, months=months) if kgi_target else None
    )
    flows = {i.flow for i in load_catalog().identities_for(kgi_metric) if i.kind == "stock"}
    changes: dict[str, float | None] = {}
    totals: dict[str, float] = {}
    for metric, target, baseline in kpis:
        if target is None:
            changes.setdefault(metric, None)
            continue
        if metric in flows and target.kind == "count_per_cadence":
            total = flow_total(target, months)
            if total is not None:
                totals[metric] = total
                continue
        changes[metric] = kpi_change_pct(metric, target, baseline, months=months)
    return driver_check(kgi_metric, kgi_change, changes, baseline=kgi_baseline, kpi_totals=totals)


# --- attribution --------------------------------------------------------------------------


def attribute_change(kgi_metric: str, actual_changes: Mapping[str, float]) -> dict[str, float]:
    """Share of a multiplicative KGI change explained by each driver (log-change shares).

    For ``KGI = Π driverᵢ^pᵢ`` the log change is additive: ``ln(1+c) = Σ pᵢ ln(1+cᵢ)``, so
    ``shareᵢ = pᵢ ln(1+cᵢ) / ln(1+c)``. Shares sum to 1; a negative share is a driver that
    worked against the change.

    Parameters
    ----------
    kgi_metric : str
    actual_changes : mapping of str to float
        Driver → actual relative change in percent. If the KGI's own actual change is in the
        mapping too, it is the total, and whatever the drivers do not explain is returned
        under the key ``"other"`` (drivers no data covers, mix effects).

    Returns
    -------
    dict of str to float
        Driver → share (fraction). Empty when there is no multiplicative identity, no driver
        in the data, or the total change is zero (nothing to explain).

    Examples
    --------
    Revenue −10.0% with sessions +5% and conversion rate −14.29% (aov flat): conversion rate
    explains about 146% of the fall and sessions −46% (they pushed the other way).
    """
    changes = {k: v for k, v in actual_changes.items() if v is not None and v > -100}
    drivers = {k: v for k, v in changes.items() if k != kgi_metric}
    expansion = choose_expansion(kgi_metric, drivers)
    if expansion is None or expansion.kind != "product":
        return {}
    logs = {
        t.metric: t.power * math.log1p(drivers[t.metric] / 100)
        for t in expansion.terms
        if t.metric in drivers
    }
    if not logs:
        return {}
    total = math.log1p(changes[kgi_metric] / 100) if kgi_metric in changes else sum(logs.values())
    if abs(total) < 1e-12:
        return {}
    shares = {m: v / total for m, v in logs.items()}
    if kgi_metric in changes:
        shares["other"] = 1 - sum(shares.values())
    return shares
