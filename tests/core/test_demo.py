"""The demo workspace: deterministic, fast to build, and telling a story (some KPIs on track,
some not, and the conversion rate explaining the revenue gap)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.demo import DEMO_NAME, DemoCalendar, create_demo, demo_observations
from core.models import ImportBatch, Observation
from core.plans import get_plan
from core.progress import gap_attribution, workspace_progress

TODAY = date(2026, 11, 26)


def test_calendar_is_this_year_with_last_year_as_history() -> None:
    cal = DemoCalendar.for_today(TODAY)
    assert (cal.period_start, cal.data_start, cal.data_end) == (date(2026, 1, 1), date(2025, 1, 1), date(2026, 11, 25))
    # In January and February too little of the year has passed: the year before is shown.
    early = DemoCalendar.for_today(date(2027, 2, 10))
    assert early.period_start == date(2026, 1, 1) and early.data_start == date(2025, 1, 1)


def test_observations_are_deterministic() -> None:
    cal = DemoCalendar.for_today(TODAY)
    first, second = demo_observations(cal), demo_observations(cal)
    assert set(first) == {"ga4", "meta_ads", "google_ads", "mailchimp", "search_console"}
    for source, frame in first.items():
        pd.testing.assert_frame_equal(frame, second[source])
        assert (frame["value"] >= 0).all(), source
    ga4 = first["ga4"]
    # GA4 purchases are the key event: conversions equal orders, so the driver tree is exact.
    orders = ga4.loc[ga4["metric"] == "orders", "value"].to_numpy()
    conversions = ga4.loc[ga4["metric"] == "conversions", "value"].to_numpy()
    assert (orders == conversions).all()


def test_double_eleven_outsells_an_ordinary_november_day() -> None:
    ga4 = demo_observations(DemoCalendar.for_today(TODAY))["ga4"]
    sessions = ga4.loc[ga4["metric"] == "sessions"].groupby("date")["value"].sum()
    assert sessions[date(2025, 11, 11)] > 1.8 * sessions[date(2025, 11, 20)]


def test_create_demo_tells_a_story(engine) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    assert ws.name == DEMO_NAME and ws.is_demo and ws.business_type == "ecommerce"
    assert ws.period_start == date(2026, 1, 1)
    with engine.connect() as conn:
        batches = conn.execute(select(ImportBatch.source).where(ImportBatch.workspace_id == ws.id)).scalars().all()
        rows = conn.execute(select(func.count()).select_from(Observation).where(Observation.workspace_id == ws.id)).scalar()
    assert sorted(batches) == ["ga4", "google_ads", "mailchimp", "meta_ads", "search_console"]
    assert rows > 30_000
    plan = get_plan(engine, ws.id)
    assert plan.kgi.metric == "revenue" and plan.kgi.target_value == 50
    assert {k.metric for k in plan.kpis} >= {"conversion_rate", "aov", "roas"}

    progress = workspace_progress(engine, ws.id, lang="en", today=TODAY)
    status = {g.metric: g.status for g in progress.goals()}
    assert status["revenue"] == "at_risk"
    assert status["conversion_rate"] == "off_track"
    assert status["aov"] == "on_track"
    assert status["roas"] == "at_risk"
    assert status["organic_sessions"] == "on_track"
    assert status["open_rate"] == "on_track"
    assert gap_attribution(progress)[0].metric == "conversion_rate"

    # A second demo gets a fresh name and the very same numbers.
    again = create_demo(engine, today=TODAY)
    assert again.name == f"{DEMO_NAME} 2"
    second = workspace_progress(engine, again.id, lang="en", today=TODAY)
    assert second.kgi.actual_to_date == progress.kgi.actual_to_date
    assert second.kpis[0].pace_ratio == pytest.approx(progress.kpis[0].pace_ratio)


def test_create_demo_speaks_english_when_asked(engine) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY, lang="en")
    assert ws.name == "Demo Tea Shop" and ws.language == "en"
    plan = get_plan(engine, ws.id)
    assert plan.kgi.metric == "revenue" and plan.kgi.target_value == 50
    labels = [plan.kgi.text, *(k.label for k in plan.kpis)]
    assert labels and not [s for s in labels if re.search(r"[\u3400-\u9fff]", s or "")], labels
    zh = create_demo(engine, today=TODAY, lang="zh-TW")
    zh_plan = get_plan(engine, zh.id)
    assert re.search(r"[\u3400-\u9fff]", zh_plan.kgi.text)
    assert all(re.search(r"[\u3400-\u9fff]", k.label) for k in zh_plan.kpis)
