"""Pacing, status and forecast (SPEC §5b) against hand-computed cases."""

from __future__ import annotations

import math
from datetime import date
from statistics import NormalDist

import pytest

from core.pacing import (
    Forecast,
    Thresholds,
    elapsed_fraction,
    expected_to_date,
    forecast,
    kind_of,
    kind_of_metric,
    monthly_split_linear,
    monthly_split_seasonal,
    monthly_targets,
    pace_ratio,
    required_level,
    required_rate,
    status,
    status_sentence,
)

Z = NormalDist().inv_cdf(0.9)  # the documented 80% band


# --- monthly split -------------------------------------------------------------------------


def test_linear_split_sums_exactly() -> None:
    split = monthly_split_linear(100, 3)
    assert split[:2] == [100 / 3, 100 / 3]
    assert math.fsum(split) == 100
    assert split.method == "linear" and not split.fell_back
    assert monthly_split_linear(10_000_000, 12) == [10_000_000 / 12] * 11 + [pytest.approx(10_000_000 / 12)]
    with pytest.raises(ValueError):
        monthly_split_linear(100, 0)


def test_seasonal_split_follows_last_year() -> None:
    split = monthly_split_seasonal(1200, [10, 30, 20, 40])
    assert split == [120, 360, 240, 480]
    assert split.method == "seasonal"
    odd = monthly_split_seasonal(1000, [1, 1, 1])  # thirds that do not add up in floats
    assert math.fsum(odd) == 1000


@pytest.mark.parametrize(
    ("last_year", "reason"),
    [
        ([10, 0, 20], "zero_months"),
        ([10, -5, 20], "negative_months"),
        ([10, None, 20], "too_little_data"),
        ([10, float("nan"), 20], "too_little_data"),
        ([10], "too_little_data"),
    ],
)
def test_seasonal_falls_back_to_linear(last_year: list, reason: str) -> None:
    split = monthly_split_seasonal(900, last_year)
    assert split.fallback_reason == reason and split.method == "linear"
    assert split == [900 / len(last_year)] * len(last_year)


def test_monthly_targets_additive_with_overrides_keeps_the_total() -> None:
    split = monthly_targets(1200, 4, "sum", overrides={3: 600})
    assert split == [200, 200, 200, 600]
    seasonal = monthly_targets(1200, 4, "additive", last_year=[10, 30, 20, 40], overrides={0: 200})
    # The other months share 1000 in proportion 30:20:40.
    assert seasonal == pytest.approx([200, 1000 / 3, 2000 / 9, 4000 / 9])
    assert math.fsum(seasonal) == pytest.approx(1200)


def test_monthly_targets_seasonal_needs_every_month() -> None:
    split = monthly_targets(1200, 12, "sum", last_year=[100] * 6)
    assert split == [100] * 12 and split.fallback_reason == "too_little_data"


def test_monthly_targets_rate_and_stock() -> None:
    assert monthly_targets(0.035, 3, "ratio") == [0.035] * 3
    assert monthly_targets(0.035, 3, "ratio", overrides={0: 0.03}) == [0.03, 0.035, 0.035]
    assert monthly_targets(100_000, 4, "last", baseline=60_000) == [70_000, 80_000, 90_000, 100_000]
    assert monthly_targets(100_000, 2, "stock") == [100_000, 100_000]
    with pytest.raises(ValueError):
        monthly_targets(1, 3, "sum", overrides={3: 1})


def test_kinds() -> None:
    assert [kind_of(a) for a in ("sum", "ratio", "weighted_mean", "last")] == ["additive", "rate", "rate", "stock"]
    assert kind_of_metric("revenue") == "additive" and kind_of_metric("followers") == "stock"
    assert kind_of_metric("keyword_position") == "rate"
    with pytest.raises(ValueError):
        kind_of("median")


# --- expected to date ----------------------------------------------------------------------

YEAR = [1_000_000.0] * 12


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2023, 12, 31), 0.0),
        (date(2024, 1, 31), 1_000_000.0),
        (date(2024, 7, 15), 6_000_000 + 1_000_000 * 15 / 31),
        (date(2024, 2, 29), 2_000_000.0),
        (date(2024, 12, 31), 12_000_000.0),
        (date(2025, 3, 1), 12_000_000.0),
    ],
)
def test_expected_to_date_additive(as_of: date, expected: float) -> None:
    assert expected_to_date(YEAR, date(2024, 1, 1), as_of, "sum") == pytest.approx(expected)


def test_expected_to_date_period_starting_in_april() -> None:
    targets = [10.0, 20.0, 30.0]
    assert expected_to_date(targets, date(2024, 4, 1), date(2024, 5, 10), "additive") == pytest.approx(10 + 20 * 10 / 31)


def test_expected_to_date_levels() -> None:
    path = [70_000.0, 80_000.0, 90_000.0, 100_000.0]
    start = date(2024, 1, 1)
    assert expected_to_date(path, start, date(2024, 3, 5), "last") == 90_000
    assert expected_to_date(path, start, date(2023, 6, 1), "last") == 70_000
    assert expected_to_date(path, start, date(2025, 1, 1), "stock") == 100_000
    assert expected_to_date([0.03, 0.035], start, date(2024, 2, 1), "ratio") == 0.035
    with pytest.raises(ValueError):
        expected_to_date([], start, start, "sum")


def test_elapsed_fraction() -> None:
    assert elapsed_fraction(date(2024, 1, 1), date(2024, 12, 31), date(2024, 1, 1)) == pytest.approx(1 / 366)
    assert elapsed_fraction(date(2024, 1, 1), date(2024, 12, 31), date(2024, 7, 1)) == pytest.approx(183 / 366)
    assert elapsed_fraction(date(2024, 1, 1), date(2024, 12, 31), date(2023, 1, 1)) == 0
    assert elapsed_fraction(date(2024, 1, 1), date(2024, 12, 31), date(2026, 1, 1)) == 1


# --- pace and status -----------------------------------------------------------------------


def test_pace_ratio_additive() -> None:
    assert pace_ratio(4_100_000, 5_000_000, "higher") == pytest.approx(0.82)
    assert pace_ratio(None, 5, "higher") is None
    assert pace_ratio(3, 0, "higher") is None
    assert pace_ratio(3, None, "higher") is None


def test_pace_ratio_lower_is_better() -> None:
    # CPA 12 against a ceiling of 10 is behind; 8 is ahead.
    assert pace_ratio(12, 10, "lower") == pytest.approx(10 / 12)
    assert pace_ratio(8, 10, "lower") == pytest.approx(1.25)
    assert pace_ratio(0, 10, "decrease") is None


@pytest.mark.parametrize(
    ("ratio", "elapsed", "days", "expected"),
    [
        (0.95, 0.5, None, "on_track"),
        (1.40, 0.5, None, "on_track"),
        (0.9499, 0.5, None, "at_risk"),
        (0.85, 0.5, None, "at_risk"),
        (0.8499, 0.5, None, "off_track"),
        (0.2, 0.099, None, "too_early"),  # under 10% of the period
        (0.2, 0.5, 13, "too_early"),  # a one-month period after 13 days
        (0.2, 0.5, 14, "off_track"),
        (None, 0.5, None, "too_early"),
    ],
)
def test_status_bands(ratio: float | None, elapsed: float, days: int | None, expected: str) -> None:
    assert status(ratio, elapsed, days_elapsed=days) == expected


def test_status_custom_thresholds() -> None:
    strict = Thresholds(on_track=1.0, at_risk=0.9, min_elapsed_fraction=0.2, min_days=0)
    assert status(0.97, 0.5, strict) == "at_risk"
    assert status(0.97, 0.15, strict) == "too_early"
    assert Thresholds.from_settings({"on_track": 0.9, "other": 1}) == Thresholds(on_track=0.9)
    assert Thresholds.from_settings(None) == Thresholds()
    with pytest.raises(ValueError):
        Thresholds(on_track=0.8, at_risk=0.9)


# --- forecast ------------------------------------------------------------------------------


def test_forecast_additive_steady_trend() -> None:
    # +10 a month: the remaining 8 months go 140 … 210, sum 1400; 460 done.
    result = forecast([100, 110, 120, 130], 12, "sum")
    assert result == Forecast(1860, 1860, 1860)


def test_forecast_additive_with_noise() -> None:
    # slope 5 (least squares), run rate 110 centred on month 1 → months 3, 4, 5: 120, 125, 130.
    result = forecast([100, 120, 110], 6, "sum")
    assert result.value == pytest.approx(330 + 375)
    half = Z * math.sqrt(75) * math.sqrt(3)  # residuals 100, 115, 100 → std √75
    assert result.low == pytest.approx(705 - half) and result.high == pytest.approx(705 + half)


def test_forecast_additive_partial_month() -> None:
    # Half of February gave 50: a full-month pace of 100; 50 more in February, 100 in March.
    result = forecast([100, 50], 3, "additive", last_month_fraction=0.5)
    assert result.value == pytest.approx(300)


def test_forecast_single_month_has_an_assumed_band_and_never_below_actual() -> None:
    result = forecast([100], 12, "sum")
    assert result.value == pytest.approx(1200)
    half = Z * 25 * math.sqrt(11)
    assert result.high == pytest.approx(1200 + half)
    assert result.low == pytest.approx(1200 - half)
    tiny = forecast([100, 0, 0, 0], 5, "sum")
    assert tiny.low >= 100


def test_forecast_rate_is_ratio_of_sums() -> None:
    # Recent level (1×1000×2% + 2×3000×3%) / 7000 = 2.857%; 10 more months of 2000 sessions.
    result = forecast([0.02, 0.03], 12, "ratio", weights=[1000, 3000])
    level = 200 / 7000
    assert result.value == pytest.approx((20 + 90 + level * 20_000) / 24_000)
    half = Z * math.sqrt(0.00005) * (20_000 / 24_000)
    assert result.high - result.value == pytest.approx(half)


def test_forecast_rate_lower_is_better_cpa() -> None:
    result = forecast([12.0, 11.0, 10.0], 3, "ratio")
    assert result == Forecast(11.0, 11.0, 11.0)  # nothing left: the period's own level


def test_forecast_stock() -> None:
    result = forecast([60_000, 70_000, 85_000], 12, "last")
    assert result.value == pytest.approx(85_000 + 12_500 * 9)
    half = Z * math.sqrt(12_500_000) * 3
    assert result.low == pytest.approx(result.value - half)
    assert forecast([60_000], 12, "stock") == Forecast(60_000, 60_000, 60_000)


def test_forecast_without_data() -> None:
    assert forecast([], 12, "sum") is None
    assert forecast([None], 12, "sum") is None
    with pytest.raises(ValueError):
        forecast([1], 12, "ratio", weights=[1, 2])
    with pytest.raises(ValueError):
        forecast([1], 12, "sum", last_month_fraction=0)


def test_required_rate_and_level() -> None:
    assert required_rate(10_000_000, 4_100_000, 6) == pytest.approx(5_900_000 / 6)
    assert required_rate(100, 120, 3) == 0
    assert required_rate(100, 50, 0) is None
    # 10,000 sessions at 2% so far, 20,000 to come: 3% overall needs 3.5% from now on.
    assert required_level(0.03, 0.02, 10_000, 20_000) == pytest.approx(0.035)
    assert required_level(0.03, 0.02, 10_000, 0) is None


# --- the sentence --------------------------------------------------------------------------

SENTENCE = {"actual": 4_100_000, "target": 10_000_000, "expected": 5_000_000, "elapsed": 0.5,
            "kind": "sum", "unit": "currency"}


def test_status_sentence_spec_example() -> None:
    assert status_sentence(**SENTENCE, lang="en") == "NT$4.1M of NT$10M (41%) at 50% of the year — 18% behind pace"
    assert status_sentence(**SENTENCE, lang="zh-TW") == "已達 NT$410 萬／目標 NT$1,000 萬（41%），年度已過 50%，落後進度 18%"


def test_status_sentence_ahead_on_pace_and_quarter() -> None:
    ahead = {**SENTENCE, "actual": 6_000_000}
    assert status_sentence(**ahead, lang="en").endswith("— 20% ahead of pace")
    assert status_sentence(**ahead, lang="zh-TW").endswith("，超前進度 20%")
    on_pace = {**SENTENCE, "actual": 5_010_000}
    assert status_sentence(**on_pace, lang="en").endswith("— right on pace")
    assert "of the quarter" in status_sentence(**SENTENCE, lang="en", months=3)


def test_status_sentence_rate_and_lower_is_better() -> None:
    rate = status_sentence(actual=0.031, target=0.035, expected=0.035, elapsed=0.5, kind="ratio",
                           unit="percent", lang="en")
    assert rate == "3.1% against 3.5% planned for now (target 3.5%) at 50% of the year — 11% behind pace"
    cpa = status_sentence(actual=12, target=10, expected=10, elapsed=0.5, kind="ratio", unit="currency",
                          direction="lower", lang="zh-TW", currency="USD")
    assert cpa == "目前 US$12，此時應達 US$10（目標 US$10），年度已過 50%，落後進度 17%"


def test_status_sentence_too_early_no_data_no_target() -> None:
    early = status_sentence(**{**SENTENCE, "elapsed": 0.05}, status_key="too_early", lang="en")
    assert early == "Too early to judge: 5% of the year has passed (NT$4.1M so far, target NT$10M)."
    none = status_sentence(**{**SENTENCE, "actual": None}, lang="zh-TW")
    assert none.startswith("這個年度還沒有資料（目標 NT$1,000 萬）")
    no_target = status_sentence(**{**SENTENCE, "target": None}, lang="en")
    assert no_target == "NT$4.1M so far at 50% of the year; no target is set yet."
