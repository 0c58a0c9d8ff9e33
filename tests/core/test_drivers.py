"""Driver tree (SPEC §5): implied KGI change, goal seek, identity choice, attribution."""

from __future__ import annotations

import math

import pytest

from core.catalog import load_catalog
from core.drivers import (
    attribute_change,
    check_targets,
    choose_expansion,
    driver_check,
    expansions,
    flow_total,
    kpi_change_pct,
)
from core.goals import Target


def test_spec_reference_case() -> None:
    """Revenue +50% with conversion rate +10% and AOV +15% (the article's e-commerce row)."""
    check = driver_check("revenue", 50, {"conversion_rate": 10, "aov": 15})
    assert check.implied_change_pct == pytest.approx((1.10 * 1.15 - 1) * 100)
    assert round(check.implied_change_pct, 1) == 26.5
    assert [m.metric for m in check.missing] == ["sessions"]
    assert check.missing[0].needed_change_pct == pytest.approx((1.5 / (1.10 * 1.15) - 1) * 100)
    assert round(check.missing[0].needed_change_pct, 1) == 18.6
    assert check.identity is not None
    assert check.identity.formula() == "revenue = sessions × conversion_rate × aov"
    assert check.carries is False


def test_reference_case_to_dict_shape() -> None:
    check = driver_check("revenue", 50, {"conversion_rate": 10, "aov": 15, "roas": None})
    out = check.to_dict()
    assert out["implied_change_pct"] == 26.5
    assert out["missing"] == [{"metric": "sessions", "needed_change_pct": 18.577075}]
    assert out["indirect"] == ["roas"]  # ROAS moves revenue only through an influence
    assert out["unrelated"] == [] and out["uncounted"] == []
    assert out["covered"] == ["conversion_rate", "aov"]


def test_reference_case_from_targets() -> None:
    kpis = [
        ("conversion_rate", Target("change_pct", 10), 0.02),
        ("aov", Target("change_pct", 15), 1200.0),
        ("roas", Target("level", 5.0), None),
    ]
    check = check_targets("revenue", Target("change_pct", 50), None, kpis)
    assert round(check.implied_change_pct, 1) == 26.5
    assert round(check.missing[0].needed_change_pct, 1) == 18.6


def test_with_sessions_too_the_kpis_carry() -> None:
    check = driver_check("revenue", 50, {"conversion_rate": 10, "aov": 15, "sessions": 18.6})
    assert check.missing == []
    assert check.implied_change_pct == pytest.approx((1.1 * 1.15 * 1.186 - 1) * 100)
    assert check.carries is True


def test_nested_identity_orders_times_aov() -> None:
    check = driver_check("revenue", 30, {"orders": 10})
    assert check.identity.formula() == "revenue = orders × aov"
    assert check.implied_change_pct == pytest.approx(10)
    assert check.missing[0].metric == "aov"
    assert check.missing[0].needed_change_pct == pytest.approx((1.3 / 1.1 - 1) * 100)  # 18.18%


def test_identity_covering_most_kpis_wins() -> None:
    assert choose_expansion("revenue", ["sessions", "aov"]).formula() == "revenue = sessions × conversion_rate × aov"
    assert choose_expansion("revenue", ["aov"]).formula() == "revenue = orders × aov"  # fewer gaps
    # orders and sessions cannot both count: sessions is inside orders.
    check = driver_check("revenue", 30, {"orders": 10, "sessions": 5})
    assert check.covered == ["orders"] and check.uncounted == ["sessions"]


def test_quotient_email_revenue_share() -> None:
    # share = email_revenue / revenue: +20% email revenue on flat revenue is +20% share.
    check = driver_check("email_revenue_share", 30, {"email_revenue": 20})
    assert check.identity.formula() == "email_revenue_share = email_revenue / revenue"
    assert check.implied_change_pct == pytest.approx(20)
    # Revenue alone would have to *fall* 7.7% for the share to reach +30%: 1.2/1.3 − 1.
    assert check.missing[0].metric == "revenue"
    assert check.missing[0].needed_change_pct == pytest.approx((1.2 / 1.3 - 1) * 100)
    both = driver_check("email_revenue_share", 30, {"email_revenue": 43, "revenue": 10})
    assert both.implied_change_pct == pytest.approx((1.43 / 1.10 - 1) * 100)  # exactly +30%
    assert both.carries is True


def test_quotient_expands_its_denominator() -> None:
    check = driver_check("email_revenue_share", 30, {"email_revenue": 40, "aov": 5, "sessions": 3})
    assert check.identity.formula() == (
        "email_revenue_share = email_revenue / (sessions × conversion_rate × aov)"
    )
    assert check.implied_change_pct == pytest.approx((1.4 / (1.05 * 1.03) - 1) * 100)
    missing = check.missing[0]
    assert missing.metric == "conversion_rate"
    # 1.4 / (1.05 × 1.03 × (1 + x)) = 1.3  →  x = 1.4 / (1.3 × 1.05 × 1.03) − 1
    assert missing.needed_change_pct == pytest.approx((1.4 / (1.3 * 1.05 * 1.03) - 1) * 100)


def test_lower_is_better_cpa() -> None:
    kgi_change = kpi_change_pct("cpa", Target("ceiling", 10), 12.5)  # from 12.5 to under 10
    assert kgi_change == pytest.approx(-20)
    check = driver_check("cpa", kgi_change, {"conversions": 20})
    assert check.implied_change_pct == pytest.approx((1 / 1.2 - 1) * 100)  # −16.7%
    assert check.carries is False  # −16.7% is not low enough
    assert check.missing[0].metric == "ad_spend"
    # 1.2 × 0.8 − 1 = −4%: spend must also fall 4%.
    assert check.missing[0].needed_change_pct == pytest.approx(-4)
    better = driver_check("cpa", -20, {"conversions": 25})
    assert better.implied_change_pct == pytest.approx(-20)
    assert better.carries is True


def test_stock_followers() -> None:
    """IG followers to 100,000 from 60,000 with +10,000 new followers a month for 12 months."""
    kpis = [("new_followers", Target("count_per_cadence", 10_000, "month"), None),
            ("engagement_rate", Target("level", 0.05), None)]
    check = check_targets("followers", Target("level", 100_000), 60_000, kpis, months=12)
    assert check.kgi_change_pct == pytest.approx(100 / 0.6 - 100)  # +66.7%
    assert check.identity.formula() == "followers(end) = followers(start) + Σ new_followers"
    assert check.implied_change_pct == pytest.approx(200)  # 120,000 more on 60,000
    assert check.missing == [] and check.carries is True
    assert check.indirect == ["engagement_rate"]


def test_stock_without_flow_kpi_needs_a_total() -> None:
    check = check_targets("followers", Target("level", 100_000), 60_000, [], months=12)
    assert check.implied_change_pct is None
    assert check.missing[0].metric == "new_followers"
    assert check.missing[0].needed_change_pct is None
    assert check.missing[0].needed_total == pytest.approx(40_000)
    assert check.to_dict()["missing"] == [
        {"metric": "new_followers", "needed_change_pct": None, "needed_total": 40000.0}
    ]


def test_followers_count_per_month_on_the_stock_itself() -> None:
    change = kpi_change_pct("followers", Target("count_per_cadence", 10_000, "month"), 60_000, months=12)
    assert change == pytest.approx(200)


def test_unrelated_kpi_is_flagged() -> None:
    check = driver_check("revenue", 30, {"open_rate": 10, "aov": 10})
    assert check.unrelated == ["open_rate"]
    assert "open_rate" not in load_catalog().drivers_of("revenue")


def test_saas_paid_members_lists_kpis_it_cannot_add() -> None:
    check = driver_check("paid_members", 30, {"trial_conversion_rate": None, "ctr": None, "open_rate": None})
    assert check.implied_change_pct is None
    assert check.uncounted == ["trial_conversion_rate"]
    assert sorted(check.indirect) == ["ctr", "open_rate"]


def test_kgi_without_identity() -> None:
    check = driver_check("roas", 25, {"ctr": 10, "cpa": -10})
    assert check.identity is None and check.implied_change_pct is None and check.missing == []
    assert sorted(check.indirect) == ["cpa", "ctr"]


def test_unknown_kgi_change_still_gives_implied() -> None:
    check = driver_check("revenue", None, {"conversion_rate": 10, "aov": 15})
    assert check.implied_change_pct == pytest.approx(26.5)
    assert check.missing[0].needed_change_pct is None
    assert check.carries is None


@pytest.mark.parametrize(
    ("metric", "target", "baseline", "expected"),
    [
        ("revenue", Target("change_pct", 30), None, 30),
        ("cpa", Target("change_pct", -20), 12, -20),
        ("conversion_rate", Target("change_pp", 0.5), 0.02, 25),  # 2% → 2.5%
        ("conversion_rate", Target("change_pp", 0.5), None, None),
        ("revenue", Target("change_pp", 3), 100, None),  # points make no sense on money
        ("open_rate", Target("level", 0.25), 0.20, 25),
        ("roas", Target("level", 5.0), 4.0, 25),
        ("roas", Target("level", 5.0), None, None),
        ("cpa", Target("ceiling", 10), 12.5, -20),
        ("internal_links", Target("threshold", 100), 80, 25),
        ("keyword_position", Target("rank", 3), 12, -75),
        ("articles_published", Target("count_per_cadence", 10, "month"), 8, 25),
        ("articles_published", Target("count_per_cadence", 10, "month"), None, None),
        ("roas", Target("level", 5.0), 0.0, None),
    ],
)
def test_kpi_change_pct(metric: str, target: Target, baseline: float | None, expected: float | None) -> None:
    result = kpi_change_pct(metric, target, baseline)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


def test_flow_total_per_cadence() -> None:
    assert flow_total(Target("count_per_cadence", 10_000, "month"), 12) == pytest.approx(120_000)
    assert flow_total(Target("count_per_cadence", 3, "week"), 12) == pytest.approx(3 * 52.1775)
    assert flow_total(Target("level", 3), 12) is None


def test_every_identity_target_has_an_expansion() -> None:
    for identity in load_catalog().identities:
        assert expansions(identity.target), identity.target


def test_attribution_log_shares() -> None:
    # Revenue −10%: sessions +5%, conversion rate −14.2857% (0.9/1.05), AOV flat.
    cr = (0.9 / 1.05 - 1) * 100
    shares = attribute_change("revenue", {"sessions": 5, "conversion_rate": cr, "aov": 0})
    assert shares["sessions"] == pytest.approx(math.log(1.05) / math.log(0.9))
    assert shares["conversion_rate"] == pytest.approx(math.log(0.9 / 1.05) / math.log(0.9))
    assert shares["aov"] == 0
    assert sum(shares.values()) == pytest.approx(1)


def test_attribution_with_kgi_total_has_other() -> None:
    shares = attribute_change("revenue", {"revenue": 21, "sessions": 10})
    assert shares["sessions"] == pytest.approx(math.log(1.1) / math.log(1.21))  # 0.5
    assert shares["other"] == pytest.approx(0.5)


def test_attribution_quotient_and_degenerate() -> None:
    shares = attribute_change("cpa", {"ad_spend": 10, "conversions": 10})
    assert shares == {}  # the changes cancel: CPA did not move, nothing to explain
    shares = attribute_change("cpa", {"ad_spend": 21, "conversions": 10})
    assert shares["ad_spend"] == pytest.approx(2) and shares["conversions"] == pytest.approx(-1)
    assert attribute_change("roas", {"ctr": 5}) == {}
    assert attribute_change("revenue", {"open_rate": 5}) == {}
