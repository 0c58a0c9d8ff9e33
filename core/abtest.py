"""A/B test arithmetic for two conversion rates: significance and sample size.

Method
------
*Test*: the two-proportion z-test with the pooled rate under H₀ (the textbook test; its
two-sided p-value equals that of Pearson's χ² test on the 2×2 table without continuity
correction).

*Confidence interval of the lift* (lift = rate_b / rate_a − 1): the delta method on the log of
the rate ratio (the Katz log interval for a risk ratio),

    se(ln RR) = √((1 − p_a)/(n_a p_a) + (1 − p_b)/(n_b p_b)),
    CI = exp(ln RR ± z₁₋α/₂ · se) − 1.

Unlike "CI of the difference ÷ rate_a" it is asymmetric as a ratio should be, never goes below
−100%, and accounts for the noise in rate_a too. It needs a conversion in each group; with none
the bounds are ``None``.

*Sample size* per group for a two-sided test of p₁ = baseline vs p₂ = baseline × (1 + mde)::

    n = (z₁₋α/₂ √(2 p̄ (1 − p̄)) + z₁₋β √(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²,  p̄ = (p₁+p₂)/2

rounded up (Fleiss' formula without continuity correction, as most online calculators use).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from core.errors import KgiError

_NORMAL = NormalDist()


@dataclass(frozen=True)
class ABResult:
    """Outcome of :func:`two_proportion_test`; rates and lift as fractions (0.25 = +25%)."""

    rate_a: float
    rate_b: float
    lift: float | None
    z: float
    p_value: float
    ci_low: float | None
    ci_high: float | None
    alpha: float = 0.05

    @property
    def significant(self) -> bool:
        return self.p_value < self.alpha

    def to_dict(self) -> dict[str, float | None]:
        """SPEC §9's ``abtest`` shape, exactly."""
        return {
            "rate_a": self.rate_a,
            "rate_b": self.rate_b,
            "lift": self.lift,
            "z": self.z,
            "p_value": self.p_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }


def _check_group(group: str, conversions: float, visitors: float) -> None:
    if conversions < 0 or visitors < 0:
        raise KgiError(
            "numbers.abtest.negative", group=group, conversions=conversions, visitors=visitors
        )
    if visitors == 0:
        raise KgiError("numbers.abtest.zero_visitors", group=group)
    if conversions > visitors:
        raise KgiError(
            "numbers.abtest.more_conversions",
            group=group,
            conversions=f"{conversions:,}",
            visitors=f"{visitors:,}",
        )


def _check_unit(key: str, value: float) -> None:
    if not (math.isfinite(value) and 0 < value < 1):
        raise KgiError(key, value=value)


def _lift_interval(
    conv_a: int, n_a: int, conv_b: int, n_b: int, z_crit: float
) -> tuple[float | None, float | None]:
    if conv_a == 0 or conv_b == 0:
        return None, None
    p_a, p_b = conv_a / n_a, conv_b / n_b
    se = math.sqrt((1 - p_a) / (n_a * p_a) + (1 - p_b) / (n_b * p_b))
    log_ratio = math.log(p_b / p_a)
    return math.exp(log_ratio - z_crit * se) - 1, math.exp(log_ratio + z_crit * se) - 1


def two_proportion_test(
    conv_a: int, n_a: int, conv_b: int, n_b: int, alpha: float = 0.05
) -> ABResult:
    """Is B's conversion rate different from A's?

    Parameters
    ----------
    conv_a, n_a : int
        Conversions and visitors of version A (the control).
    conv_b, n_b : int
        The same for version B.
    alpha : float
        Significance level; the lift's interval is at 1 − alpha.

    Returns
    -------
    ABResult
        ``lift`` is ``None`` when A converted nobody. ``z`` is 0 and ``p_value`` 1 when the
        pooled rate is 0% or 100% (no variation to test).

    Raises
    ------
    KgiError
        Negative counts, no visitors, more conversions than visitors, alpha outside (0, 1).

    Examples
    --------
    >>> r = two_proportion_test(120, 2400, 150, 2400)
    >>> round(r.lift, 3), round(r.z, 3), round(r.p_value, 4)
    (0.25, 1.879, 0.0602)
    """
    _check_group("A", conv_a, n_a)
    _check_group("B", conv_b, n_b)
    _check_unit("numbers.abtest.bad_alpha", alpha)
    p_a, p_b = conv_a / n_a, conv_b / n_b
    pooled = (conv_a + conv_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (p_b - p_a) / se if se > 0 else 0.0
    p_value = min(1.0, 2 * _NORMAL.cdf(-abs(z)))
    ci_low, ci_high = _lift_interval(conv_a, n_a, conv_b, n_b, _NORMAL.inv_cdf(1 - alpha / 2))
    lift = p_b / p_a - 1 if p_a > 0 else None
    return ABResult(p_a, p_b, lift, z, p_value, ci_low, ci_high, alpha)


def sample_size(
    baseline_rate: float,
    mde_relative: float,
    power: float = 0.8,
    alpha: float = 0.05,
) -> int:
    """Visitors needed **per group** to detect a relative change of ``mde_relative``.

    Parameters
    ----------
    baseline_rate : float
        Current conversion rate, a fraction in (0, 1).
    mde_relative : float
        Minimum detectable effect, relative (0.1 = +10%; negative for a fall).
    power : float
        Probability of detecting an effect of that size, in (0, 1).
    alpha : float
        Two-sided significance level, in (0, 1).

    Returns
    -------
    int
        Rounded up.

    Examples
    --------
    >>> sample_size(0.03, 0.1)
    53211
    """
    _check_unit("numbers.abtest.bad_baseline", baseline_rate)
    _check_unit("numbers.abtest.bad_power", power)
    _check_unit("numbers.abtest.bad_alpha", alpha)
    p1 = baseline_rate
    p2 = baseline_rate * (1 + mde_relative)
    if not math.isfinite(mde_relative) or mde_relative == 0 or not 0 < p2 < 1:
        raise KgiError("numbers.abtest.bad_mde", value=mde_relative)
    z_alpha = _NORMAL.inv_cdf(1 - alpha / 2)
    z_beta = _NORMAL.inv_cdf(power)
    p_bar = (p1 + p2) / 2
    root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    n = root**2 / (p2 - p1) ** 2
    # 1e-9 keeps float noise from rounding an exact integer up by one.
    return math.ceil(n - 1e-9)
