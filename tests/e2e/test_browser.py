"""End to end in a real headless Chromium: ``streamlit run app.py``, then the article's
e-commerce example from a new workspace to a downloaded plan workbook, switching language on the
way. Screenshots of every page in both languages go to ``screenshots/`` (git-ignored).

The served app and the browser are fixtures of ``conftest.py``; skipped with the reason when
Chromium or playwright is missing (a failure when ``KGI_REQUIRE_BROWSER`` is set).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from e2e_support import field_values, language, nav, playwright_or_skip, settle, shot

from core.i18n import t

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect


def test_ecommerce_example_from_workspace_to_workbook(server: tuple[str, Path], new_page: Any) -> None:
    url, folder = server
    page = new_page("zh-TW")
    try:
        _walk(page, url, folder)
    except Exception:
        shot(page, "failure")  # what the browser showed when the walk broke
        raise


def _walk(page: Any, url: str, folder: Path) -> None:
    # 1. A zh-TW browser opens in Traditional Chinese, on the workspace step.
    page.goto(url)
    expect(page.get_by_role("heading", name="工作區", exact=True)).to_be_visible()
    expect(page.get_by_text("歡迎使用 KGI Planner")).to_be_visible()
    shot(page, "01-workspace-empty-zh")

    page.get_by_role("textbox", name="品牌或客戶名稱").fill("山嵐茶舖")
    page.get_by_role("textbox", name="品牌或客戶名稱").press("Tab")
    page.get_by_text("電商", exact=True).click()
    settle(page)
    page.get_by_role("button", name="建立工作區").click()

    # 2. The KGI step: the article's example in one click, the SMART check live.
    expect(page.get_by_role("heading", name=t("ui.kgi.title", "zh-TW"), exact=True)).to_be_visible()
    page.get_by_role("button", name="營收提升 50%").click()
    settle(page)
    expect(page.get_by_role("textbox", name="用一句話寫下您的 KGI")).to_have_value("營收提升 50%")
    expect(page.get_by_role("heading", name="SMART 檢查", exact=True)).to_be_visible()
    expect(page.get_by_text("明確具體", exact=True)).to_be_visible()
    shot(page, "02-kgi-zh")
    page.get_by_role("button", name="儲存並前往 KPI").click()

    # 3. The KPI step: the templates are there and the driver panel finds the missing +18.6%.
    expect(page.get_by_role("heading", name=t("ui.kpis.title", "zh-TW"), exact=True)).to_be_visible()
    expect(page.get_by_text("網站轉換率提升 10%").first).to_be_visible()
    expect(page.get_by_text("+26.5%").first).to_be_visible()
    expect(page.get_by_text("+18.6%").first).to_be_visible()
    shot(page, "03-kpis-zh")

    # 4. Switch to English midway: the same plan, the same numbers, nothing lost.
    language(page, "English")
    expect(page.get_by_role("heading", name=t("ui.kpis.title", "en"), exact=True)).to_be_visible()
    expect(page.get_by_text("+18.6%").first).to_be_visible()
    expect(page.get_by_text("Sessions").first).to_be_visible()
    # Select boxes chosen in zh-TW now read in English (the browser sends choices as labels).
    shown = field_values(page)
    assert "Change (%)" in shown and "Whole period" in shown, shown
    assert "成長／變化（%）" not in shown and "整個期間" not in shown, shown
    shot(page, "04-kpis-en")
    nav(page, "KGI")
    expect(page.get_by_role("textbox", name="Your KGI in one sentence")).to_have_value("營收提升 50%")
    shot(page, "05-kgi-en")
    nav(page, "Workspace")
    shot(page, "06-workspace-en")
    nav(page, "Settings")
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    shot(page, "07-settings-en")

    # 5. The plan, and the workbook download.
    nav(page, "Plan")
    expect(page.get_by_role("heading", name=t("ui.plan.title", "en"), exact=True)).to_be_visible()
    shot(page, "08-plan-en")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the plan workbook").click()
    target = folder / "plan.xlsx"
    info.value.save_as(target)
    book = openpyxl.load_workbook(target)
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert "營收提升 50%" in texts
    assert any("18.6%" in text for text in texts), "the workbook states the missing driver"
    assert len(book.worksheets) >= 4

    # 6. Back to Traditional Chinese for the remaining screenshots.
    language(page, "繁體中文")
    expect(page.get_by_role("heading", name=t("ui.plan.title", "zh-TW"), exact=True)).to_be_visible()
    shot(page, "09-plan-zh")
    nav(page, "設定")
    shot(page, "10-settings-zh")
    nav(page, "工作區")
    shot(page, "11-workspace-zh")
