"""A/B test statistics against scipy and hand-known values."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from core.abtest import sample_size, two_proportion_test
from core.errors import KgiError
from core.i18n import t

CASES = [(120, 2400, 150, 2400), (30, 1000, 45, 1000), (200, 5000, 180, 4800), (5, 80, 19, 95)]


@pytest.mark.parametrize(("ca", "na", "cb", "nb"), CASES)
def test_p_value_matches_scipy_chi_square(ca: int, na: int, cb: int, nb: int) -> None:
    """The pooled two-sided z-test equals Pearson's χ² without continuity correction."""
    result = two_proportion_test(ca, na, cb, nb)
    chi2, p, _, _ = stats.chi2_contingency([[ca, na - ca], [cb, nb - cb]], correction=False)
    assert result.z**2 == pytest.approx(chi2, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert math.copysign(1, result.z) == math.copysign(1, cb / nb - ca / na)


@pytest.mark.parametrize(("ca", "na", "cb", "nb"), CASES)
def test_lift_interval_is_the_log_ratio_delta_method(ca: int, na: int, cb: int, nb: int) -> None:
    result = two_proportion_test(ca, na, cb, nb, alpha=0.1)
    pa, pb = ca / na, cb / nb
    se = math.sqrt(1 / ca - 1 / na + 1 / cb - 1 / nb)  # the Katz form of the same variance
    zc = stats.norm.ppf(0.95)
    assert result.lift == pytest.approx(pb / pa - 1)
    assert result.ci_low == pytest.approx(math.exp(math.log(pb / pa) - zc * se) - 1, rel=1e-9)
    assert result.ci_high == pytest.approx(math.exp(math.log(pb / pa) + zc * se) - 1, rel=1e-9)
    assert result.ci_low < result.lift < result.ci_high


def test_hand_known_example() -> None:
    # 5% vs 6.25%: pooled 5.625%, se = √(0.05625 × 0.94375 × 2/2400) = 0.0066513...
    result = two_proportion_test(120, 2400, 150, 2400)
    assert result.rate_a == 0.05 and result.rate_b == 0.0625
    assert result.lift == pytest.approx(0.25)
    assert result.z == pytest.approx(0.0125 / math.sqrt(0.05625 * 0.94375 * 2 / 2400))
    assert round(result.z, 3) == 1.879
    assert round(result.p_value, 4) == 0.0602
    assert not result.significant
    assert (round(result.ci_low, 4), round(result.ci_high, 4)) == (-0.0101, 0.5784)
    assert set(result.to_dict()) == {"rate_a", "rate_b", "lift", "z", "p_value", "ci_low", "ci_high"}


def test_significant_at_a_looser_alpha() -> None:
    result = two_proportion_test(120, 2400, 150, 2400, alpha=0.1)
    assert result.significant


def test_degenerate_groups() -> None:
    none_converted = two_proportion_test(0, 100, 0, 100)
    assert none_converted.z == 0 and none_converted.p_value == 1
    assert none_converted.lift is None and none_converted.ci_low is None
    b_zero = two_proportion_test(10, 100, 0, 100)
    assert b_zero.lift == -1 and b_zero.ci_low is None and b_zero.ci_high is None
    everyone = two_proportion_test(100, 100, 100, 100)
    assert everyone.p_value == 1 and everyone.lift == 0


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ((130, 100, 5, 100), "numbers.abtest.more_conversions"),
        ((10, 100, 5, 0), "numbers.abtest.zero_visitors"),
        ((-1, 100, 5, 100), "numbers.abtest.negative"),
        ((1, 100, 5, -100), "numbers.abtest.negative"),
    ],
)
def test_invalid_counts(args: tuple[int, int, int, int], key: str) -> None:
    with pytest.raises(KgiError) as info:
        two_proportion_test(*args)
    assert info.value.key == key
    for lang in ("zh-TW", "en"):
        assert info.value.message(lang)


def test_invalid_alpha() -> None:
    with pytest.raises(KgiError) as info:
        two_proportion_test(1, 10, 2, 10, alpha=1.5)
    assert info.value.key == "numbers.abtest.bad_alpha"


def _reference_n(p1: float, mde: float, power: float, alpha: float) -> float:
    p2 = p1 * (1 + mde)
    pbar = (p1 + p2) / 2
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return num**2 / (p2 - p1) ** 2


@pytest.mark.parametrize(
    ("p1", "mde", "power", "alpha"),
    [(0.03, 0.1, 0.8, 0.05), (0.1, 0.2, 0.8, 0.05), (0.05, -0.2, 0.9, 0.01), (0.5, 0.05, 0.8, 0.1)],
)
def test_sample_size_matches_scipy(p1: float, mde: float, power: float, alpha: float) -> None:
    assert sample_size(p1, mde, power, alpha) == math.ceil(_reference_n(p1, mde, power, alpha))


def test_sample_size_hand_known() -> None:
    # 10% → 12% at 80% power and α = 0.05 needs 3,841 per group (the common calculators' value).
    assert sample_size(0.10, 0.20) == 3841
    assert sample_size(0.03, 0.1) == 53211


def test_sample_size_power_check_by_simulation_free_formula() -> None:
    """At the returned n, the normal-approximation power is at least the asked power."""
    p1, p2, n = 0.1, 0.12, sample_size(0.1, 0.2)
    se0 = math.sqrt(2 * 0.11 * 0.89 / n)
    se1 = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    power = stats.norm.cdf(((p2 - p1) - stats.norm.ppf(0.975) * se0) / se1)
    assert 0.8 <= power < 0.8005


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ((0, 0.1), "numbers.abtest.bad_baseline"),
        ((1.2, 0.1), "numbers.abtest.bad_baseline"),
        ((0.03, 0), "numbers.abtest.bad_mde"),
        ((0.6, 1.0), "numbers.abtest.bad_mde"),  # 120% is not a rate
        ((0.03, 0.1, 1.0), "numbers.abtest.bad_power"),
        ((0.03, 0.1, 0.8, 0), "numbers.abtest.bad_alpha"),
    ],
)
def test_sample_size_invalid(args: tuple, key: str) -> None:
    with pytest.raises(KgiError) as info:
        sample_size(*args)
    assert info.value.key == key
    assert t(key, "zh-TW", **info.value.params) != t(key, "en", **info.value.params)
