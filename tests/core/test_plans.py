"""The plan service: KGI, KPIs, templates, driver check, drafts — on SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlmodel import select

from core.db import session_scope
from core.errors import KgiError
from core.models import Kgi, Kpi
from core.plans import (
    add_missing_driver,
    apply_templates,
    clear_draft,
    delete_kpi,
    get_plan,
    load_draft,
    plan_driver_check,
    plan_summary,
    preview_kgi,
    save_draft,
    save_kgi,
    save_kpi,
)
from core.templates import business_type
from core.workspaces import create_workspace


@pytest.fixture
def shop(engine):
    return create_workspace(engine, "Demo Tea", "ecommerce", period_start=date(2024, 1, 1))


def test_reference_case_of_spec_section_5(engine, shop):
    save_kgi(engine, shop.id, "營收提升 50%", lang="zh-TW")
    apply_templates(engine, shop.id)
    check = plan_driver_check(engine, shop.id)
    assert check is not None
    assert check.implied_change_pct == pytest.approx(26.5)
    [missing] = check.missing
    assert missing.metric == "sessions"
    assert missing.needed_change_pct == pytest.approx((1.5 / (1.10 * 1.15) - 1) * 100)
    assert round(missing.needed_change_pct, 1) == 18.6
    assert "roas" in check.indirect  # ROAS moves revenue, but not through the identity


def test_templates_are_the_business_types_and_not_added_twice(engine, shop):
    first = apply_templates(engine, shop.id)
    again = apply_templates(engine, shop.id)
    assert [k.metric for k in first] == [t.metric for t in business_type("ecommerce").preselected_kpis]
    assert [k.metric for k in first] == ["conversion_rate", "aov", "roas"]
    assert again == []
    assert len(get_plan(engine, shop.id).kpis) == len(first)


def test_add_missing_driver_closes_the_gap(engine, shop):
    save_kgi(engine, shop.id, "營收提升 50%", lang="zh-TW")
    apply_templates(engine, shop.id)
    kpi = add_missing_driver(engine, shop.id, "sessions")
    assert (kpi.metric, kpi.target_kind, kpi.target_value) == ("sessions", "change_pct", 18.6)
    check = plan_driver_check(engine, shop.id)
    assert check.missing == []
    assert check.implied_change_pct == pytest.approx(50, abs=0.05)
    with pytest.raises(KgiError):
        add_missing_driver(engine, shop.id, "sessions")


def test_save_kgi_replaces_and_stores_smart(engine, shop):
    save_kgi(engine, shop.id, "希望業績成長", lang="zh-TW")
    kgi = save_kgi(engine, shop.id, "2024 年全年營收成長 30%", lang="zh-TW")
    with session_scope(engine) as s:
        assert len(s.exec(select(Kgi)).all()) == 1
    assert (kgi.metric, kgi.target_kind, kgi.target_value) == ("revenue", "change_pct", 30)
    assert (kgi.period_start, kgi.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert kgi.smart["criteria"]["specific"]["verdict"] == "pass"


def test_structured_fields_override_the_sentence(engine, shop):
    goal, result = preview_kgi(
        engine, shop.id, "希望業績成長", "zh-TW", target_kind="change_pct", target_value=20,
        period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
    )
    assert goal.target.value == 20 and goal.period.end == date(2025, 12, 31)
    with session_scope(engine) as s:
        assert s.exec(select(Kgi)).all() == []  # preview writes nothing


@pytest.mark.parametrize(
    ("metric", "kind", "value", "key"),
    [
        ("nope", "level", 1, "plan.unknown_metric"),
        ("ctr", "level", 3.0, "plan.rate_out_of_range"),  # 300% CTR
        ("revenue", "change_pct", -200, "plan.change_below_minus_100"),
        ("orders", "threshold", -5, "plan.negative_target"),
        ("orders", "bogus", 5, "plan.bad_target_kind"),
    ],
)
def test_absurd_kpis_are_refused_and_nothing_changes(engine, shop, metric, kind, value, key):
    with pytest.raises(KgiError) as info:
        save_kpi(engine, shop.id, metric=metric, target_kind=kind, target_value=value)
    assert info.value.key == key
    assert info.value.message("zh-TW") and info.value.message("en")
    with session_scope(engine) as s:
        assert s.exec(select(Kpi)).all() == []


def test_kpi_edit_and_delete(engine, shop):
    kpi = save_kpi(engine, shop.id, metric="cpa", target_kind="ceiling", target_value=10)
    kpi = save_kpi(
        engine, shop.id, kpi_id=kpi.id, metric="cpa", target_kind="ceiling", target_value=5,
        owner=" Amy ", sources=["meta_ads"],
    )
    assert (kpi.target_value, kpi.owner, kpi.sources) == (5, "Amy", ["meta_ads"])
    delete_kpi(engine, kpi.id)
    assert get_plan(engine, shop.id).kpis == []


def test_plan_summary_shape(engine, shop):
    save_kgi(engine, shop.id, "營收提升 50%", lang="zh-TW")
    apply_templates(engine, shop.id)
    summary = plan_summary(engine, shop.id, "en")
    assert summary["kgi"]["metric"] == "revenue"
    assert [k["metric"] for k in summary["kpis"]] == ["conversion_rate", "aov", "roas"]
    check = summary["driver_check"]
    assert check["implied_change_pct"] == pytest.approx(26.5)
    assert check["missing"][0]["metric"] == "sessions"


def test_drafts_survive_and_clear(engine, shop):
    assert load_draft(engine, shop.id, "kgi") is None
    save_draft(engine, shop.id, "kgi", {"text": "營收", "start": date(2024, 1, 1)})
    save_draft(engine, shop.id, "kgi", {"text": "營收提升 50%"})
    assert load_draft(engine, shop.id, "kgi") == {"text": "營收提升 50%"}
    clear_draft(engine, shop.id, "kgi")
    assert load_draft(engine, shop.id, "kgi") is None


def test_kgi_without_deadline_takes_the_workspace_period_with_a_warning(engine, shop):
    kgi = save_kgi(engine, shop.id, "營收提升 50%", lang="zh-TW")
    assert (kgi.period_start, kgi.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
    time_bound = kgi.smart["criteria"]["time_bound"]
    assert time_bound["verdict"] == "warn"
    assert "2024-01-01" in time_bound["reason"] and "工作區" in time_bound["reason"]
