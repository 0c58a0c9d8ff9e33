"""The KPIs page's sources of record and the dashboard's source notes (issue 8), in AppTest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine

from core import store
from core.i18n import t
from core.plans import save_kgi
from core.workspaces import create_workspace, get_workspace


@dataclass
class _Parsed:
    """What ``store_parsed`` reads of a parsed file."""

    file_name: str
    source: str
    observations: pd.DataFrame
    rejected: list[Any] = field(default_factory=list)


def _months(source: str, values: list[float]) -> _Parsed:
    obs = pd.DataFrame({
        "date": pd.to_datetime([f"2024-{m + 1:02d}-01" for m in range(len(values))]).astype("datetime64[ns]"),
        "metric": "revenue", "value": values, "dimension": "", "granularity": "month",
    })
    return _Parsed(f"{source}.csv", source, obs)


@pytest.fixture
def shop(app_engine: Engine) -> int:
    ws = create_workspace(app_engine, "Two tools", "ecommerce", period_start=date(2024, 1, 1))
    store.store_parsed(app_engine, ws.id, _months("shopify_orders", [100.0] * 6), "a")
    store.store_parsed(app_engine, ws.id, _months("ga4", [90.0] * 6), "b")
    save_kgi(app_engine, ws.id, "2024 年營收達到 1,200 元", lang="zh-TW")
    return ws.id


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_the_dashboard_names_the_source_and_the_other_figure(make_app, app_engine, shop, lang) -> None:
    at = make_app(lang, shop)
    at.switch_page("pages/dashboard.py").run()
    assert_clean(at)
    text = page_text(at)
    assert t("measurement.source", lang, sources="Shopify orders" if lang == "en" else "Shopify 訂單") in text
    assert "NT$540" in text and "NT$600" in text  # both figures, side by side, never NT$1,140
    assert "NT$1,140" not in text


def test_choosing_another_source_of_record_on_the_kpis_page(make_app, app_engine, shop) -> None:
    at = make_app("en", shop)
    at.switch_page("pages/kpis.py").run()
    assert_clean(at)
    assert t("measurement.kpis.title", "en") in page_text(at)
    box = next(s for s in at.selectbox if s.label == t("measurement.kpis.metric_choice", "en", metric="Revenue"))
    assert box.value == "auto"
    box.set_value("web_analytics").run()
    assert_clean(at)
    settings = get_workspace(app_engine, shop).settings
    assert settings["source_of_record"] == {"revenue": "web_analytics"}
    at.switch_page("pages/dashboard.py").run()
    text = page_text(at)
    assert "Source: Google Analytics 4 (your choice)" in text
