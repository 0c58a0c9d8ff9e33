"""The KGI sentence on the page: empty is a normal state, the page shows what was understood,
and the page and `kgi smart` give the same answer (issue 9)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date

import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.cli import main
from core.i18n import t
from core.smart import parse_goal, understood_items
from core.workspaces import create_workspace

MakeApp = Callable[..., AppTest]
LANGS = ("zh-TW", "en")


def _kgi_page(make_app: MakeApp, engine: Engine, lang: str) -> tuple[AppTest, int]:
    ws = create_workspace(engine, "Tea shop", "ecommerce", language=lang, period_start=date(2026, 1, 1))
    at = make_app(lang, ws.id).run()
    at.switch_page("pages/kgi.py").run()
    assert_clean(at)
    return at, ws.id


def _panel(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown if "**" in m.value and "-badge[" not in m.value)


def _badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


@pytest.mark.parametrize("lang", LANGS)
def test_clearing_the_sentence_is_a_hint_not_an_error(make_app: MakeApp, app_engine: Engine, lang: str) -> None:
    at, _ = _kgi_page(make_app, app_engine, lang)
    assert t("smart.understood.empty", lang) in page_text(at)
    at.text_input(key="kgi_text").input("Q3 官網流量成長 25%").run()
    assert_clean(at)
    assert at.session_state["kgi_metric"] == "sessions"
    for cleared in ("", "   "):
        at.text_input(key="kgi_text").input(cleared).run()
        assert_clean(at)
        assert not at.error, [e.value for e in at.error]
        assert at.session_state["kgi_metric"] is None and at.session_state["kgi_value"] is None
        assert t("smart.understood.empty", lang) in page_text(at)
        assert t("ui.kgi.check_empty", lang) in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_shows_what_was_understood(make_app: MakeApp, app_engine: Engine, lang: str) -> None:
    at, _ = _kgi_page(make_app, app_engine, lang)
    at.text_input(key="kgi_text").input("Q3 官網流量成長 25%").run()
    assert_clean(at)
    panel = _panel(at)
    assert t("smart.understood.title", lang) in page_text(at)
    assert "2026-07-01 → 2026-09-30" in panel  # Q3 of the plan's year, never the target 3
    assert "+25%" in panel and "(sessions)" in panel
    at.text_input(key="kgi_text").input("每月新增 5 千名追蹤者").run()
    panel = _panel(at)
    assert t("smart.cadence.month", lang) in panel and "5,000" in panel and "51,000" not in panel


@pytest.mark.parametrize(("lang", "text"), [
    ("zh-TW", "2026 年第三季底前營收成長 20%"),
    ("zh-TW", "114 年營業額要做到 1,500 萬"),
    ("en", "Raise conversion rate from 2% to 2.5% in H2"),
    ("en", "Increase orders 15% in Q4"),
    ("zh-TW", "每月新增 5 千名追蹤者"),  # a cadence: time-bound by itself on the page as in the CLI
])
def test_page_and_cli_give_the_same_answer(make_app: MakeApp, app_engine: Engine, lang: str, text: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    at, _ = _kgi_page(make_app, app_engine, lang)
    at.text_input(key="kgi_text").input(text).run()
    assert_clean(at)
    capsys.readouterr()
    assert main(["smart", text, "--start", "2026-01-01", "--type", "ecommerce", "--lang", lang, "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    badges = _badges(at)
    for badge, letter in zip(badges, ("specific", "measurable", "achievable", "relevant", "time_bound"), strict=True):
        assert t(f"ui.verdict.{cli['criteria'][letter]['verdict']}", lang) in badge, letter
    goal = parse_goal(text, lang, start=date(2026, 1, 1), business_type="ecommerce")
    assert goal.to_dict() == cli["parsed"]
    panel = re.sub(r"\\(.)", r"\1", _panel(at))  # the page escapes Markdown
    for label, value in understood_items(goal, lang):
        assert f"{label}" in panel and value in panel
