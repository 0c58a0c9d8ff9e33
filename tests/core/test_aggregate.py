"""Aggregation of every catalog metric, against hand-computed values (SPEC §3)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.aggregate import RangeAggregator, aggregate, aggregate_many
from core.catalog import load_catalog

DAYS = ("2024-01-01", "2024-01-31", "2024-02-10")

# Every base metric's value on the three days (one source, no dimension).
DAILY: dict[str, tuple[float, float, float]] = {
    "revenue": (1000, 3000, 500),
    "orders": (10, 20, 4),
    "sessions": (500, 1500, 200),
    "organic_sessions": (100, 200, 50),
    "users": (400, 1000, 150),
    "conversions": (10, 50, 4),
    "ad_spend": (300, 900, 100),
    "impressions": (10000, 30000, 5000),
    "clicks": (100, 500, 50),
    "conversion_value": (1200, 4800, 300),
    "emails_delivered": (1000, 3000, 2000),
    "email_opens": (200, 800, 500),
    "email_clicks": (20, 100, 60),
    "email_revenue": (200, 800, 100),
    "followers": (60000, 61000, 62000),
    "new_followers": (300, 700, 400),
    "engagements": (50, 150, 30),
    "reach": (1000, 3000, 600),
    "posts": (1, 2, 3),
    "high_engagement_posts": (0, 1, 1),
    "keyword_position": (4, 2, 3),
    "keywords_top3": (5, 7, 8),
    "articles_published": (4, 6, 10),
    "internal_links": (80, 95, 110),
    "paid_members": (1000, 1100, 1200),
    "trial_signups": (100, 300, 100),
    "trial_conversions": (10, 70, 30),
    "leads": (20, 30, 10),
    "new_customers": (2, 8, 1),
    "line_friends": (1000, 1050, 1100),
    "mrr": (5000, 5200, 5400),
    "churned_customers": (1, 2, 1),
    "customers_at_start": (100, 0, 110),
    "line_messages_delivered": (1000, 3000, 2000),
    "line_message_opens": (400, 1000, 500),
    "line_message_clicks": (40, 160, 100),
}

# (January, February), worked out by hand from DAILY.
EXPECTED: dict[str, tuple[float, float]] = {
    "revenue": (4000, 500),
    "orders": (30, 4),
    "aov": (4000 / 30, 125),  # Σrevenue / Σorders
    "sessions": (2000, 200),
    "organic_sessions": (300, 50),
    "users": (1400, 150),
    "conversions": (60, 4),
    "conversion_rate": (0.03, 0.02),  # 60/2000 (the mean of daily rates would be 0.0267)
    "ad_spend": (1200, 100),
    "impressions": (40000, 5000),
    "clicks": (600, 50),
    "ctr": (0.015, 0.01),  # 600/40000
    "cpc": (2, 2),  # 1200/600, 100/50
    "cpa": (20, 25),  # 1200/60, 100/4
    "conversion_value": (6000, 300),
    "roas": (5, 3),  # 6000/1200, 300/100
    "emails_delivered": (4000, 2000),
    "email_opens": (1000, 500),
    "open_rate": (0.25, 0.25),
    "email_clicks": (120, 60),
    "email_ctr": (0.03, 0.03),
    "email_revenue": (1000, 100),
    "email_revenue_share": (0.25, 0.2),  # 1000/4000, 100/500
    "followers": (61000, 62000),  # last day of the month
    "new_followers": (1000, 400),
    "engagements": (200, 30),
    "engagement_rate": (0.05, 0.05),  # 200/4000, 30/600
    "reach": (4000, 600),
    "posts": (3, 3),
    "high_engagement_posts": (1, 1),
    "keyword_position": (2.5, 3),  # (4×10000 + 2×30000) / 40000
    "keywords_top3": (7, 8),
    "articles_published": (10, 10),
    "internal_links": (95, 110),
    "paid_members": (1100, 1200),
    "trial_signups": (400, 100),
    "trial_conversions": (80, 30),
    "trial_conversion_rate": (0.2, 0.3),
    "leads": (50, 10),
    "lead_conversion_rate": (0.2, 0.1),
    "new_customers": (10, 1),
    "line_friends": (1050, 1100),  # last day of the month
    "mrr": (5200, 5400),  # last day of the month
    "churned_customers": (3, 1),
    "customers_at_start": (100, 110),
    "churn_rate": (0.03, 1 / 110),  # Σ churned / Σ customers at start
    "cac": (1200 / 10, 100 / 1),  # Σ ad spend / Σ new customers
    "line_messages_delivered": (4000, 2000),
    "line_message_opens": (1400, 500),
    "line_open_rate": (0.35, 0.25),  # 1400/4000 (the mean of daily rates would be 0.367)
    "line_message_clicks": (200, 100),
    "line_click_rate": (0.05, 0.05),  # 200/4000, 100/2000
}


def obs_frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (date, metric, value[, source[, dimension]])."""
    full = [(*r, *(("s", "")[len(r) - 3:])) for r in rows]
    return pd.DataFrame(full, columns=["date", "metric", "value", "source", "dimension"])


@pytest.fixture(scope="module")
def all_obs() -> pd.DataFrame:
    rows = [(day, key, v) for key, values in DAILY.items() for day, v in zip(DAYS, values, strict=True)]
    return obs_frame(rows)


def test_expected_table_covers_the_whole_catalog() -> None:
    assert set(EXPECTED) == set(load_catalog().keys())


@pytest.mark.parametrize("key", load_catalog().keys())
def test_every_catalog_metric_by_month(all_obs: pd.DataFrame, key: str) -> None:
    result = aggregate(all_obs, key, "month")
    assert list(result.index) == ["2024-01", "2024-02"]
    assert result.tolist() == pytest.approx(list(EXPECTED[key]), rel=1e-12)
    assert result.name == key


def test_whole_period_total(all_obs: pd.DataFrame) -> None:
    frame = aggregate_many(all_obs, ["revenue", "conversion_rate", "followers", "keyword_position"], "period")
    assert list(frame.index) == ["total"]
    row = frame.loc["total"]
    assert row["revenue"] == 4500
    assert row["conversion_rate"] == pytest.approx(64 / 2200)
    assert row["followers"] == 62000
    assert row["keyword_position"] == pytest.approx((40000 + 60000 + 15000) / 45000)


def test_ratio_is_never_the_mean_of_daily_rates() -> None:
    obs = obs_frame([
        ("2024-01-01", "conversions", 10), ("2024-01-01", "sessions", 100),
        ("2024-01-02", "conversions", 30), ("2024-01-02", "sessions", 300),
        ("2024-01-01", "conversion_rate", 0.1), ("2024-01-02", "conversion_rate", 0.1),
    ])
    # 40/400 = 0.1 — the stored daily rates are ignored when the parts exist.
    assert aggregate(obs, "conversion_rate").tolist() == [0.1]
    obs.loc[obs["date"] == "2024-01-02", "value"] = [10, 300, 0.0333]
    assert aggregate(obs, "conversion_rate").tolist() == pytest.approx([20 / 400])


def test_ratio_counts_only_sources_with_both_parts() -> None:
    obs = obs_frame([
        ("2024-01-05", "clicks", 100, "search_console"), ("2024-01-05", "impressions", 5000, "search_console"),
        ("2024-01-05", "clicks", 300, "google_ads"), ("2024-01-05", "impressions", 10000, "google_ads"),
        ("2024-01-05", "clicks", 999, "meta_ads"),  # no impressions from Meta in this file
    ])
    assert aggregate(obs, "ctr").tolist() == pytest.approx([400 / 15000])
    assert aggregate(obs, "clicks").tolist() == [1399]
    assert aggregate(obs, "ctr", sources=["google_ads"]).tolist() == pytest.approx([0.03])


def test_stored_rate_fallback_for_a_hand_kept_sheet() -> None:
    obs = obs_frame([
        ("2024-01-01", "conversion_rate", 0.02, "sheet"),
        ("2024-01-20", "conversion_rate", 0.04, "sheet"),
        ("2024-02-01", "conversion_rate", 0.05, "sheet"),
        ("2024-02-01", "conversions", 3, "ga4"),
        ("2024-02-01", "sessions", 100, "ga4"),
    ])
    # January has no parts: the plain mean of what was typed. February has parts: they win.
    assert aggregate(obs, "conversion_rate").to_dict() == pytest.approx({"2024-01": 0.03, "2024-02": 0.03})


def test_ratio_with_zero_denominator_is_absent() -> None:
    obs = obs_frame([("2024-01-01", "orders", 0), ("2024-01-01", "revenue", 0)])
    assert aggregate(obs, "aov").empty


def test_last_sums_dimensions_on_the_last_date_and_adds_sources() -> None:
    obs = obs_frame([
        ("2024-03-01", "followers", 5000, "instagram", "brand_a"),
        ("2024-03-30", "followers", 5200, "instagram", "brand_a"),
        ("2024-03-30", "followers", 800, "instagram", "brand_b"),
        ("2024-03-10", "followers", 9999, "instagram", "brand_c"),  # not on the last date
        ("2024-03-31", "followers", 3000, "facebook", ""),
    ])
    assert aggregate(obs, "followers").to_dict() == {"2024-03": 5200 + 800 + 3000}
    assert aggregate(obs, "followers", dimensions=["brand_c"]).to_dict() == {"2024-03": 9999}


def test_weighted_mean_joins_on_source_date_and_dimension() -> None:
    obs = obs_frame([
        ("2024-01-01", "keyword_position", 1.0, "gsc", "tea"),
        ("2024-01-01", "impressions", 900, "gsc", "tea"),
        ("2024-01-01", "keyword_position", 11.0, "gsc", "oolong"),
        ("2024-01-01", "impressions", 100, "gsc", "oolong"),
        ("2024-01-01", "impressions", 50000, "google_ads", "tea"),  # another source: no join
    ])
    assert aggregate(obs, "keyword_position").tolist() == pytest.approx([(900 + 1100) / 1000])


def test_weighted_mean_without_weights_falls_back_to_plain_mean() -> None:
    obs = obs_frame([("2024-01-01", "keyword_position", 2.0), ("2024-01-02", "keyword_position", 4.0)])
    assert aggregate(obs, "keyword_position").tolist() == [3.0]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("day", {"2024-01-06": 1.0, "2024-01-07": 2.0, "2024-01-08": 4.0}),
        ("week", {"2024-01-01": 3.0, "2024-01-08": 4.0}),  # Sat/Sun belong to Monday Jan 1
        ("month", {"2024-01": 7.0}),
        ("quarter", {"2024-Q1": 7.0}),
        ("year", {"2024": 7.0}),
        ("period", {"total": 7.0}),
    ],
)
def test_period_labels(by: str, expected: dict[str, float]) -> None:
    obs = obs_frame([("2024-01-06", "sessions", 1), ("2024-01-07", "sessions", 2), ("2024-01-08", "sessions", 4)])
    assert aggregate(obs, "sessions", by).to_dict() == expected


def test_filters_dates_as_objects_and_nulls() -> None:
    obs = pd.DataFrame({
        "date": [date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)],
        "metric": ["organic_sessions"] * 3,
        "value": [10.0, 20.0, None],
        "source": ["ga4", None, "ga4"],
        "dimension": ["Organic Search", None, "Organic Search"],
    })
    assert aggregate(obs, "organic_sessions").to_dict() == {"2024-05": 30.0}
    assert aggregate(obs, "organic_sessions", sources=["ga4"]).to_dict() == {"2024-05": 10.0}
    assert aggregate(obs, "organic_sessions", dimensions=[""]).to_dict() == {"2024-05": 20.0}


def test_empty_and_unknown() -> None:
    empty = obs_frame([])
    assert aggregate(empty, "revenue").empty
    assert aggregate(obs_frame([("2024-01-01", "orders", 3)]), "revenue").empty
    with pytest.raises(KeyError):
        aggregate(empty, "not_a_metric")
    with pytest.raises(ValueError):
        aggregate(obs_frame([("2024-01-01", "orders", 3)]), "orders", "fortnight")


def test_aggregate_many_leaves_gaps_as_nan() -> None:
    obs = obs_frame([("2024-01-01", "orders", 3), ("2024-02-01", "revenue", 10)])
    frame = aggregate_many(obs, ["orders", "revenue"], "month")
    assert list(frame.columns) == ["orders", "revenue"]
    assert frame.loc["2024-01", "orders"] == 3
    assert pd.isna(frame.loc["2024-01", "revenue"])


# --- RangeAggregator: many date ranges over one prepared metric ----------------------------


def test_range_aggregator_by_hand() -> None:
    obs = obs_frame([
        ("2024-01-01", "conversions", 10, "shop", "web"), ("2024-01-01", "sessions", 500, "shop", "web"),
        ("2024-01-31", "conversions", 20, "shop", "app"), ("2024-01-31", "sessions", 1500, "shop", "app"),
        ("2024-02-10", "conversions", 4, "meta", ""),  # no sessions from meta: its conversions do not count
        ("2024-02-10", "sessions", 200, "shop", ""), ("2024-02-10", "conversions", 6, "shop", ""),
        ("2024-03-05", "conversion_rate", 0.5, "sheet", ""),  # only the stored rate in March
        ("2024-03-06", "conversion_rate", 0.1, "sheet", ""),
    ])
    rate = RangeAggregator(obs, "conversion_rate")
    assert rate.total(date(2024, 1, 1), date(2024, 1, 31)) == 30 / 2000
    assert rate.total(date(2024, 1, 2), date(2024, 1, 31)) == 20 / 1500
    assert rate.total(date(2024, 2, 1), date(2024, 2, 29)) == 6 / 200
    assert rate.total(date(2024, 3, 1), date(2024, 3, 31)) == pytest.approx(0.3)  # the plain mean
    assert rate.total(date(2024, 4, 1), date(2024, 4, 30)) is None
    assert rate.total() == 36 / 2200  # every source with both parts over the whole range
    assert rate.by_month(date(2024, 1, 15), date(2024, 3, 5)) == pytest.approx(
        {"2024-01": 20 / 1500, "2024-02": 6 / 200, "2024-03": 0.5})
    web = RangeAggregator(obs, "conversion_rate", dimensions=["web"])
    assert web.by_month() == {"2024-01": 10 / 500}
    conversions = RangeAggregator(obs, "conversions", sources=["meta"])
    assert conversions.total() == 4 and conversions.by_month() == {"2024-02": 4.0}
    assert RangeAggregator(obs_frame([]), "conversions").empty


def test_range_aggregator_last_and_weighted_mean() -> None:
    followers = RangeAggregator(obs_frame([
        ("2024-03-01", "followers", 5000, "instagram", "brand_a"),
        ("2024-03-30", "followers", 5200, "instagram", "brand_a"),
        ("2024-03-30", "followers", 800, "instagram", "brand_b"),
        ("2024-03-31", "followers", 3000, "facebook", ""),
    ]), "followers")
    assert followers.total() == 5200 + 800 + 3000
    assert followers.total(None, date(2024, 3, 30)) == 5200 + 800  # facebook has nothing yet
    assert followers.total(date(2024, 3, 2), date(2024, 3, 29)) is None
    position = RangeAggregator(obs_frame([
        ("2024-01-01", "keyword_position", 1.0, "gsc", "tea"), ("2024-01-01", "impressions", 900, "gsc", "tea"),
        ("2024-01-01", "keyword_position", 11.0, "gsc", "oolong"), ("2024-01-01", "impressions", 100, "gsc", "oolong"),
        ("2024-01-02", "keyword_position", 3.0, "gsc", "tea"),  # no weight: the plain mean alone
    ]), "keyword_position")
    assert position.total(date(2024, 1, 1), date(2024, 1, 1)) == pytest.approx(2.0)
    assert position.total(date(2024, 1, 2), date(2024, 1, 2)) == 3.0
    assert position.total() == pytest.approx(2.0)  # weighted rows win over the plain mean


def test_range_aggregator_reads_rows_summed_by_the_database() -> None:
    """A ``count`` column: rows standing for several, as ``load_progress_observations`` reads them."""
    summed = pd.DataFrame({
        "date": ["2024-01-01", "2024-01-02"], "metric": ["conversion_rate", "conversion_rate"],
        "value": [0.6, 0.1], "source": ["sheet", "sheet"], "dimension": ["", ""], "count": [3, 1],
    })
    assert RangeAggregator(summed, "conversion_rate").total() == pytest.approx(0.7 / 4)


def _random_obs(rng: np.random.Generator, metrics: list[str]) -> pd.DataFrame:
    frames = []
    for metric in metrics:
        n = int(rng.integers(30, 300))
        frames.append(pd.DataFrame({
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 150, n), unit="D"),
            "metric": metric,
            "value": np.where(rng.random(n) < 0.1, 0.0, (rng.random(n) * 100).round(2)),
            "source": rng.choice(["a", "b", "c"], n),
            "dimension": rng.choice(["", "x", "y"], n),
        }))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("metric", ["revenue", "conversion_rate", "followers", "keyword_position", "ctr"])
def test_range_aggregator_agrees_with_aggregate(metric: str) -> None:
    """Any range, any filter: the same figure as :func:`aggregate` on the sliced rows."""
    m = load_catalog()[metric]
    rng = np.random.default_rng(5)
    ranges = [(date(2024, 1, 1), date(2024, 3, 31)), (date(2024, 2, 10), date(2024, 2, 12)),
              (date(2024, 4, 20), date(2024, 9, 1))]
    for trial in range(12):
        keys = [metric, *m.components][: 1 + trial % 3]  # sometimes a part is missing
        obs = _random_obs(rng, keys)
        filters = {"sources": None if trial % 2 else ["a", "b"], "dimensions": None if trial % 4 else ["x", ""]}
        prepared = RangeAggregator(obs, metric, **filters)
        for start, end in ranges:
            rows = obs.loc[(obs["date"] >= pd.Timestamp(start)) & (obs["date"] <= pd.Timestamp(end))]
            total = aggregate(rows, metric, "period", **filters)
            assert prepared.total(start, end) == (pytest.approx(total.iloc[0], rel=1e-12) if len(total) else None)
            monthly = aggregate(rows, metric, "month", **filters).to_dict()
            assert prepared.by_month(start, end) == pytest.approx(monthly, rel=1e-12)
