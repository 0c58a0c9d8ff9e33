"""AppTest of the Track pages — dashboard, monthly review and optimise — in both languages:
no workspace, no plan, no data, the demo, and a KPI whose source has no data."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

import openpyxl
import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.demo import create_demo
from core.i18n import t
from core.plans import save_kgi, save_kpi
from core.progress import workspace_progress
from core.workspaces import create_workspace

LANGS = ("zh-TW", "en")
TRACK_PAGES = ("dashboard", "review", "optimise")
MakeApp = Callable[..., AppTest]


def _visit(make_app: MakeApp, page: str, lang: str, ws_id: int | None = None) -> AppTest:
    at = make_app(lang, ws_id)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert_clean(at)
    return at


@pytest.fixture
def demo_id(app_engine: Engine) -> int:
    return create_demo(app_engine).id


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", TRACK_PAGES)
def test_no_workspace_says_what_to_do(make_app: MakeApp, page: str, lang: str) -> None:
    at = _visit(make_app, page, lang)
    assert t("ui.empty.no_workspace", lang) in page_text(at)
    if page == "optimise":  # the A/B calculator needs no workspace
        assert t("track.ab.title", lang) in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", TRACK_PAGES)
def test_no_plan_and_no_data(make_app: MakeApp, app_engine: Engine, page: str, lang: str) -> None:
    ws = create_workspace(app_engine, "Tea shop", "ecommerce", language=lang)
    at = _visit(make_app, page, lang, ws.id)
    assert t("track.empty.no_kgi", lang) in page_text(at)
    save_kgi(app_engine, ws.id, f"{date.today().year} 年全年營收成長 30%", lang="zh-TW")
    at = _visit(make_app, page, lang, ws.id)
    assert t("track.empty.no_data", lang) in page_text(at)
    assert any(b.label == t("ui.demo.button", lang) for b in at.button)


@pytest.mark.parametrize("lang", LANGS)
def test_dashboard_on_the_demo(make_app: MakeApp, app_engine: Engine, demo_id: int, lang: str) -> None:
    at = _visit(make_app, "dashboard", lang, demo_id)
    text = page_text(at)
    progress = workspace_progress(app_engine, demo_id, lang=lang)
    assert progress.kgi.sentence in text
    for status in {g.status for g in progress.goals()}:  # every status in words, not colour alone
        assert t(f"numbers.status.{status}", lang) in text
    labels = [m.label for m in at.metric]
    for key in ("track.metric.actual", "track.metric.expected", "track.metric.pace", "track.metric.forecast"):
        assert t(key, lang) in labels
    charts = [c.key for c in at.get("plotly_chart")]
    assert charts.count("dash_kgi_chart") == 1
    # every KPI with two months or more has its sparkline, which carries the target line
    with_months = [k for k in progress.kpis if sum(1 for r in k.monthly if r.actual is not None) > 1]
    assert len([c for c in charts if c.startswith("spark_")]) == len(with_months) > 0
    # A widget change reruns the page without recomputing or failing.
    at.segmented_control(key="dash_chart").set_value("monthly").run()
    assert_clean(at)
    assert [c.key for c in at.get("plotly_chart")].count("dash_kgi_chart") == 1
    # An earlier as-of date: the page shows that date's figures, as `kgi progress --as-of` does.
    earlier = max(progress.as_of - timedelta(days=40), progress.period_start)
    at.date_input(key=f"dash_as_of_{demo_id}").set_value(earlier).run()
    assert_clean(at)
    then = workspace_progress(app_engine, demo_id, earlier, lang=lang)
    assert then.kgi.sentence != progress.kgi.sentence
    assert then.kgi.sentence in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_review_on_the_demo(make_app: MakeApp, demo_id: int, media: dict[str, bytes], lang: str) -> None:
    at = _visit(make_app, "review", lang, demo_id)
    assert len(at.dataframe) == 1
    table = at.dataframe[0].value
    assert len(table) == 6  # the KGI and five KPIs
    assert t("numbers.status.off_track", lang) in " ".join(str(v) for v in table.to_numpy().ravel())
    workbooks = [data for data in media.values() if data[:2] == b"PK"]
    assert workbooks, "the review workbook was not offered"
    book = openpyxl.load_workbook(io.BytesIO(workbooks[-1]))
    assert len(book.sheetnames) >= 2
    assert any(b"<html" in data.lower()[:200] for data in media.values())


@pytest.mark.parametrize("lang", LANGS)
def test_optimise_on_the_demo(make_app: MakeApp, demo_id: int, lang: str) -> None:
    from core.catalog import load_catalog

    at = _visit(make_app, "optimise", lang, demo_id)
    text = page_text(at)
    assert load_catalog()["conversion_rate"].name(lang) in text
    assert t("track.optimise.levers", lang) in text
    assert len(at.dataframe) == 1  # the driver gap table
    at.number_input(key="ab_c_b").set_value(100).run()
    assert_clean(at)
    assert t("track.ab.not_significant", lang, p="1.000") in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_a_kpi_whose_source_has_no_data(make_app: MakeApp, app_engine: Engine, demo_id: int, lang: str) -> None:
    save_kpi(app_engine, demo_id, metric="conversion_rate", target_kind="level", target_value=0.03,
             sources=["shopify"], label="")
    for page in ("dashboard", "optimise"):
        at = _visit(make_app, page, lang, demo_id)
        assert "shopify" in page_text(at)
