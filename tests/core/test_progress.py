"""Progress against hand-computed cases (SPEC §5b): additive, rate, stock, lower-is-better,
seasonal split, too early, and a KPI whose source has no data."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.models import Kgi, Kpi
from core.progress import (
    GoalSpec,
    PlanInputs,
    compute_progress,
    default_as_of,
    gap_attribution,
    workspace_progress,
)

START, END = date(2024, 1, 1), date(2024, 12, 31)
Q1_END = date(2024, 3, 31)  # 91 days into a leap year


def daily(metric: str, start: str, end: str, value: float, source: str = "ga4", dimension: str = "") -> pd.DataFrame:
    days = pd.date_range(start, end, freq="D")
    return pd.DataFrame({"date": days, "metric": metric, "value": float(value), "source": source,
                         "dimension": dimension})


def obs(*frames: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def plan(kgi: GoalSpec | None = None, *kpis: GoalSpec, thresholds: dict | None = None) -> PlanInputs:
    return PlanInputs(1, "Shop", "TWD", START, END, 12, thresholds or {}, kgi, tuple(kpis))


def kgi(metric: str, kind: str, value: float, **extra) -> GoalSpec:
    return GoalSpec("kgi", 1, metric, "", kind, value, **extra)


def kpi(metric: str, kind: str, value: float, id_: int = 2, **extra) -> GoalSpec:
    return GoalSpec("kpi", id_, metric, "", kind, value, **extra)


def test_additive_level_target_linear_pace() -> None:
    data = obs(daily("revenue", "2024-01-01", "2024-03-31", 4))
    p = compute_progress(plan(kgi("revenue", "level", 1200)), data, Q1_END, "en")
    g = p.kgi
    assert g is not None and g.kind == "additive"
    assert g.target == 1200
    assert [r.target for r in g.monthly] == pytest.approx([100.0] * 12)
    assert g.actual_to_date == 364  # 91 days × 4
    assert g.expected_to_date == pytest.approx(300)  # three whole months of 100
    assert g.pace_ratio == pytest.approx(364 / 300)
    assert g.status == "on_track"
    assert g.required_rate == pytest.approx((1200 - 364) / 9)
    assert p.elapsed == pytest.approx(91 / 366)
    assert [r.actual for r in g.monthly[:4]] == [124, 116, 124, None]
    assert g.monthly[1].achievement == pytest.approx(1.16)


def test_change_pct_baseline_is_last_years_total() -> None:
    data = obs(daily("revenue", "2023-01-01", "2023-12-31", 2), daily("revenue", "2024-01-01", "2024-03-31", 2))
    p = compute_progress(plan(kgi("revenue", "change_pct", 50)), data, Q1_END, "en")
    g = p.kgi
    assert g.baseline == 730
    assert g.target == pytest.approx(1095)
    # Linear split: 91.25 a month; three months expected by March 31.
    assert g.expected_to_date == pytest.approx(273.75)
    assert g.pace_ratio == pytest.approx(182 / 273.75)
    assert g.status == "off_track"
    # Same dates last year: Jan 1 – Mar 31, 2023 has 90 days (no Feb 29): 182 / 180.
    assert g.actual_change_pct == pytest.approx((182 / 180 - 1) * 100)
    assert g.target_change_pct == 50


def test_rate_is_a_ratio_of_sums_against_a_level() -> None:
    data = obs(
        daily("sessions", "2023-01-01", "2024-03-31", 100),
        daily("conversions", "2023-01-01", "2023-12-31", 2),
        # 2024: January 1 a day on 100 sessions, February and March 3 a day.
        daily("conversions", "2024-01-01", "2024-01-31", 1),
        daily("conversions", "2024-02-01", "2024-03-31", 3),
    )
    p = compute_progress(plan(None, kpi("conversion_rate", "change_pct", 10)), data, Q1_END, "en")
    g = p.kpis[0]
    assert g.kind == "rate"
    assert g.baseline == pytest.approx(0.02)
    assert g.target == pytest.approx(0.022)
    assert g.expected_to_date == pytest.approx(0.022)  # the level, not a cumulative
    actual = (31 * 1 + 60 * 3) / (91 * 100)  # Σ conversions / Σ sessions, not a mean of days
    assert g.actual_to_date == pytest.approx(actual)
    assert g.pace_ratio == pytest.approx(actual / 0.022)
    assert g.status == "on_track"
    assert [r.actual for r in g.monthly[:3]] == pytest.approx([0.01, 0.03, 0.03])
    assert g.monthly[0].status == "off_track"


def test_change_pp_on_a_rate() -> None:
    data = obs(daily("sessions", "2023-01-01", "2024-03-31", 100), daily("conversions", "2023-01-01", "2024-03-31", 2))
    g = compute_progress(plan(None, kpi("conversion_rate", "change_pp", 0.5)), data, Q1_END, "en").kpis[0]
    assert g.target == pytest.approx(0.025)
    assert g.pace_ratio == pytest.approx(0.02 / 0.025)
    assert g.status == "off_track"  # 0.8 < 0.85


def test_stock_climbs_from_the_level_before_the_period() -> None:
    data = obs(
        daily("followers", "2023-12-31", "2023-12-31", 1000, "instagram"),
        daily("followers", "2024-03-30", "2024-03-30", 1240, "instagram"),
        daily("followers", "2024-03-31", "2024-03-31", 1250, "instagram"),
    )
    g = compute_progress(plan(None, kpi("followers", "level", 2200)), data, Q1_END, "en").kpis[0]
    assert g.kind == "stock"
    assert g.baseline == 1000
    assert [r.target for r in g.monthly[:3]] == pytest.approx([1100, 1200, 1300])
    assert g.expected_to_date == pytest.approx(1300)
    assert g.actual_to_date == 1250  # the last value, not a sum
    assert g.pace_ratio == pytest.approx(1250 / 1300)
    assert g.status == "on_track"
    assert g.required_rate == pytest.approx((2200 - 1250) / 9)  # followers a month from now on


def test_count_per_month_on_a_stock() -> None:
    data = obs(daily("followers", "2023-12-31", "2023-12-31", 40000, "instagram"),
               daily("followers", "2024-03-31", "2024-03-31", 70000, "instagram"))
    g = compute_progress(plan(None, kpi("followers", "count_per_cadence", 10000, cadence="month")),
                         data, Q1_END, "en").kpis[0]
    assert g.target == pytest.approx(160000)
    assert g.expected_to_date == pytest.approx(70000)
    assert g.pace_ratio == pytest.approx(1.0)


def test_count_per_week_on_a_flow() -> None:
    data = obs(daily("posts", "2024-01-01", "2024-03-31", 0.5, "instagram"))
    g = compute_progress(plan(None, kpi("posts", "count_per_cadence", 3, cadence="week")), data, Q1_END, "en").kpis[0]
    assert g.monthly[0].target == pytest.approx(3 * 31 / 7)
    assert g.target == pytest.approx(3 * 366 / 7)
    assert g.expected_to_date == pytest.approx(3 * 91 / 7)
    assert g.pace_ratio == pytest.approx(45.5 / (3 * 91 / 7))


def test_lower_is_better_ceiling() -> None:
    data = obs(daily("ad_spend", "2024-01-01", "2024-03-31", 100, "meta_ads"),
               daily("conversions", "2024-01-01", "2024-03-31", 8, "meta_ads"))
    g = compute_progress(plan(None, kpi("cpa", "ceiling", 10)), data, Q1_END, "en").kpis[0]
    assert g.direction == "lower"
    assert g.actual_to_date == pytest.approx(12.5)
    assert g.pace_ratio == pytest.approx(10 / 12.5)  # inverted: 0.8
    assert g.status == "off_track"
    assert g.monthly[0].achievement == pytest.approx(0.8)


def test_rank_target_is_lower_is_better() -> None:
    data = obs(daily("keyword_position", "2024-01-01", "2024-03-31", 4, "search_console"),
               daily("impressions", "2024-01-01", "2024-03-31", 100, "search_console"))
    g = compute_progress(plan(None, kpi("keyword_position", "rank", 3)), data, Q1_END, "en").kpis[0]
    assert g.actual_to_date == pytest.approx(4)
    assert g.pace_ratio == pytest.approx(0.75)
    assert g.status == "off_track"


def test_seasonal_split_follows_last_years_months() -> None:
    data = obs(
        daily("revenue", "2023-01-01", "2023-01-31", 10),  # January: 310
        daily("revenue", "2023-02-01", "2023-12-31", 1),  # the other months: their days
        daily("revenue", "2024-01-01", "2024-01-31", 10),
    )
    last_year_total = 310 + (365 - 31)
    p = compute_progress(plan(kgi("revenue", "change_pct", 100, split="seasonal")), data, date(2024, 1, 31), "en")
    g = p.kgi
    assert g.target == pytest.approx(2 * last_year_total)
    assert g.monthly[0].target == pytest.approx(2 * 310)
    assert g.monthly[1].target == pytest.approx(2 * 28)
    assert math.fsum(r.target for r in g.monthly) == pytest.approx(g.target)
    assert g.expected_to_date == pytest.approx(620)
    assert g.pace_ratio == pytest.approx(0.5)


def test_monthly_overrides_keep_the_total() -> None:
    data = obs(daily("revenue", "2024-01-01", "2024-01-31", 10))
    override = tuple([300.0] + [100.0] * 11)
    g = compute_progress(plan(kgi("revenue", "level", 1400, monthly_override=override)), data,
                         date(2024, 1, 31), "en").kgi
    assert g.monthly[0].target == pytest.approx(300)
    assert g.expected_to_date == pytest.approx(300)


def test_too_early_in_the_first_days() -> None:
    data = obs(daily("revenue", "2024-01-01", "2024-01-10", 100))
    g = compute_progress(plan(kgi("revenue", "level", 1200)), data, date(2024, 1, 10), "en").kgi
    assert g.status == "too_early"
    assert g.pace_ratio is not None  # measured, just not judged yet
    assert g.sentence.startswith("Too early to judge: 3% of the year has passed")


def test_thresholds_from_settings() -> None:
    data = obs(daily("revenue", "2024-01-01", "2024-03-31", 3))  # 273 of 300: 0.91
    loose = compute_progress(plan(kgi("revenue", "level", 1200), thresholds={"on_track": 0.9, "at_risk": 0.8}),
                             data, Q1_END, "en")
    strict = compute_progress(plan(kgi("revenue", "level", 1200)), data, Q1_END, "en")
    assert loose.kgi.status == "on_track"
    assert strict.kgi.status == "at_risk"


def test_kpi_whose_source_has_no_data() -> None:
    data = obs(daily("sessions", "2024-01-01", "2024-03-31", 100, "ga4"),
               daily("conversions", "2024-01-01", "2024-03-31", 2, "ga4"))
    g = compute_progress(plan(None, kpi("conversion_rate", "level", 0.02, sources=("shopify",))),
                         data, Q1_END, "en").kpis[0]
    assert not g.has_data
    assert g.status == "too_early"
    assert g.actual_to_date is None and g.forecast is None
    assert g.sources == ["shopify"]
    assert "Conversion rate" in g.sentence


def test_sources_and_dimensions_filter() -> None:
    data = obs(daily("sessions", "2024-01-01", "2024-03-31", 60, "ga4", "Organic Search"),
               daily("sessions", "2024-01-01", "2024-03-31", 40, "ga4", "Direct"))
    g = compute_progress(plan(None, kpi("sessions", "level", 100, dimensions=("Organic Search",))),
                         data, Q1_END, "en").kpis[0]
    assert g.actual_to_date == 60 * 91


def test_forecast_additive_flat_run_rate() -> None:
    data = obs(daily("revenue", "2024-01-01", "2024-06-30", 10))
    g = compute_progress(plan(kgi("revenue", "level", 3660)), data, date(2024, 6, 30), "en").kgi
    # Months of 310, 290, 310, 300, 310, 300: recent mean 303.3 with a tiny trend; six more
    # months at about that rate.
    assert g.forecast is not None
    assert g.forecast.low <= g.forecast.value <= g.forecast.high
    assert g.forecast.value == pytest.approx(1820 * 2, rel=0.02)


def test_gap_attribution_names_the_driver_behind() -> None:
    data = obs(
        daily("sessions", "2023-01-01", "2024-03-31", 100),
        daily("orders", "2023-01-01", "2023-12-31", 2), daily("conversions", "2023-01-01", "2023-12-31", 2),
        daily("revenue", "2023-01-01", "2023-12-31", 200),
        # 2024: same traffic, conversion down to 1.5%, order value unchanged (100).
        daily("orders", "2024-01-01", "2024-03-31", 1.5), daily("conversions", "2024-01-01", "2024-03-31", 1.5),
        daily("revenue", "2024-01-01", "2024-03-31", 150),
    )
    p = compute_progress(plan(kgi("revenue", "change_pct", 10), kpi("conversion_rate", "change_pct", 10)),
                         data, Q1_END, "en")
    gaps = gap_attribution(p)
    assert gaps[0].metric == "conversion_rate"
    assert gaps[0].actual_change_pct == pytest.approx(-25)
    assert gaps[0].shortfall == pytest.approx(math.log(0.75) - math.log(1.10))
    # The drivers' gaps add up to the KGI's: revenue 150 × 91 days against 200 × 90 days
    # (no Feb 29 in 2023) instead of +10%.
    assert sum(g.shortfall for g in gaps) == pytest.approx(math.log(150 * 91 / (200 * 90)) - math.log(1.10))
    assert {g.metric for g in gaps} == {"sessions", "conversion_rate", "aov"}


def test_default_as_of_is_capped_at_today() -> None:
    assert default_as_of(date(2030, 1, 1), date(2026, 5, 1)) == date(2026, 5, 1)
    assert default_as_of(date(2026, 4, 2), date(2026, 5, 1)) == date(2026, 4, 2)
    assert default_as_of(None, date(2026, 5, 1)) == date(2026, 5, 1)


def test_workspace_progress_from_the_database(engine) -> None:  # noqa: ANN001
    from core.db import session_scope
    from core.demo import bulk_insert
    from core.workspaces import create_workspace

    ws = create_workspace(engine, "Shop", "ecommerce", period_start=START)
    frame = daily("revenue", "2024-01-01", "2024-03-31", 4).assign(date=lambda f: f["date"].dt.date)
    bulk_insert(engine, ws.id, "ga4", frame, "rev.csv")
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws.id, text="revenue 1200", metric="revenue", target_kind="level",
                        target_value=1200, period_start=START, period_end=END))
        session.add(Kpi(workspace_id=ws.id, metric="roas", target_kind="level", target_value=5.0,
                        sources=["meta_ads"]))
    p = workspace_progress(engine, ws.id, lang="en", today=date(2030, 1, 1))
    assert p.as_of == Q1_END  # the last day with data
    assert p.kgi.actual_to_date == 364
    assert p.kgi.pace_ratio == pytest.approx(364 / 300)
    assert not p.kpis[0].has_data
    out = p.to_dict()
    assert set(out) >= {"kgi", "kpis"}
    for item in (out["kgi"], *out["kpis"]):
        assert set(item) >= {"metric", "target", "actual_to_date", "expected_to_date", "pace_ratio",
                             "forecast", "status"}
    assert out["kgi"]["status"] == "on_track"
    assert out["kpis"][0]["status"] == "too_early"


# --- the database read the pages cache ------------------------------------------------------


def _mixed_data() -> pd.DataFrame:
    """Two years of daily rows over three channels: sums, stored rates, a stock, a weighted mean."""
    rng = np.random.default_rng(11)
    frames = []
    for metric, scale in (("revenue", 5000), ("sessions", 400), ("conversions", 8), ("conversion_rate", 0.02),
                          ("impressions", 3000), ("clicks", 60), ("keyword_position", 6), ("followers", 900)):
        for dim in ("Organic Search", "Paid Social", "Email"):
            days = pd.date_range("2023-01-01", "2024-06-30", freq="D")
            frames.append(pd.DataFrame({"date": days.date, "metric": metric, "dimension": dim,
                                        "value": (scale * rng.lognormal(0, 0.3, len(days))).round(4)}))
    return pd.concat(frames, ignore_index=True)


def _assert_same(a: object, b: object, path: str = "") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), path
        for key in a:
            _assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), path
    else:
        assert a == b, path


def test_database_read_gives_the_progress_of_the_raw_rows(engine) -> None:  # noqa: ANN001
    """Rows summed over dimension values by the database (what the dashboard caches) give the
    same progress as the rows themselves, dimension and source filters included."""
    from core.db import session_scope
    from core.demo import bulk_insert
    from core.progress import load_plan_inputs, load_progress_observations
    from core.workspaces import create_workspace

    ws = create_workspace(engine, "Shop", "ecommerce", period_start=START)
    data = _mixed_data()
    half = data["metric"].isin(["impressions", "clicks"])
    bulk_insert(engine, ws.id, "ga4", data.loc[~half], "ga4.csv")
    bulk_insert(engine, ws.id, "meta_ads", data.loc[half], "meta.csv")
    with session_scope(engine) as session:
        session.add(Kgi(workspace_id=ws.id, text="revenue +20%", metric="revenue", target_kind="change_pct",
                        target_value=20, period_start=START, period_end=END, split="seasonal"))
        for position, (metric, kind, value, extra) in enumerate((
            ("conversion_rate", "change_pct", 10, {"dimensions": ["Organic Search", "Email"]}),
            ("keyword_position", "rank", 3, {}),
            ("followers", "count_per_cadence", 300, {"cadence": "month"}),
            ("ctr", "level", 0.03, {"sources": ["meta_ads"]}),
            ("sessions", "change_pct", 15, {"sources": ["ga4"], "dimensions": ["Paid Social"]}),
        )):
            session.add(Kpi(workspace_id=ws.id, metric=metric, target_kind=kind, target_value=value,
                            position=position, **extra))
    inputs = load_plan_inputs(engine, ws.id)
    prepared = load_progress_observations(engine, inputs)
    raw = pd.concat([data.loc[~half].assign(source="ga4"), data.loc[half].assign(source="meta_ads")])
    for as_of in (date(2024, 3, 15), date(2024, 6, 30)):
        from_db = compute_progress(inputs, prepared, as_of, "en")
        from_rows = compute_progress(inputs, raw, as_of, "en")
        assert all(g.has_data for g in from_db.goals())
        _assert_same(from_db.to_dict(), from_rows.to_dict())


def test_data_stamp_moves_with_imports_and_plan_edits(engine) -> None:  # noqa: ANN001
    from core.demo import bulk_insert
    from core.plans import save_kpi
    from core.progress import data_stamp
    from core.workspaces import create_workspace

    ws = create_workspace(engine, "Shop", "ecommerce", period_start=START)
    first = data_stamp(engine, ws.id)
    assert data_stamp(engine, ws.id) == first  # nothing changed, nothing to recompute
    bulk_insert(engine, ws.id, "ga4", daily("revenue", "2024-01-01", "2024-01-31", 4).assign(
        date=lambda f: f["date"].dt.date), "rev.csv")
    imported = data_stamp(engine, ws.id)
    assert imported != first
    save_kpi(engine, ws.id, metric="sessions", target_kind="change_pct", target_value=10)
    assert data_stamp(engine, ws.id) != imported


@pytest.mark.parametrize(
    ("actual", "target", "baseline", "kind", "direction", "expected"),
    [
        (4.1e6, 10e6, None, "additive", "higher", 0.41),  # the share of the period's total done
        (0.021, 0.022, 0.020, "rate", "higher", 0.5),  # halfway from 2.0% to 2.2%
        (0.019, 0.022, 0.020, "rate", "higher", 0.0),  # moved away: no progress, never negative
        (0.030, 0.022, 0.020, "rate", "higher", 5.0),  # five times the planned improvement
        (12.0, 10.0, 15.0, "rate", "lower", 0.6),  # CPA from 15 down to 12 of the way to 10
        (8.0, 10.0, None, "rate", "lower", 1.25),  # no baseline, lower is better: target ÷ actual
        (120_000, 150_000, 100_000, "stock", "higher", 0.4),  # followers 100k → 150k, now 120k
        (None, 10.0, None, "additive", "higher", None),
    ],
)
def test_progress_toward_the_whole_target(actual, target, baseline, kind, direction, expected) -> None:
    from core.progress import progress_toward

    result = progress_toward(actual, target, baseline, kind, direction)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_progress_and_pace_are_different_figures() -> None:
    """Half way through Q1 with a quarter of the year's target: progress 25%, pace 100%."""
    data = obs(daily("revenue", "2024-01-01", "2024-03-31", 1200 / 366))
    g = compute_progress(plan(kgi("revenue", "level", 1200)), data, Q1_END, "en").kgi
    assert g.progress_ratio == pytest.approx(91 / 366)
    assert g.pace_ratio == pytest.approx((91 / 366 * 1200) / 300)
