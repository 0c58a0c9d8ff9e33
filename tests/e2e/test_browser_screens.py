"""Every page in both languages at a desktop (1366×900) and a phone (390×844) width.

A screenshot of each goes to ``screenshots/`` (``screen-<page>-<lang>-<width>.png``, git-ignored)
to be looked at; on the phone the sidebar starts closed and the document never scrolls
sideways (a wide table may scroll inside itself). The demo is created from the Workspace page in
each language, so the English screens show an English demo.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from e2e_support import no_traceback, playwright_or_skip, settle, shot

from core.i18n import t

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect

PAGES = {  # i18n name → the URL path app.py gives it (the default page, Workspace, is served at /)
    "workspace": "", "kgi": "goal", "kpis": "kpi", "plan": "export", "upload": "actuals",
    "dashboard": "progress", "review": "monthly-review", "optimise": "improve", "settings": "preferences",
}
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
CJK = re.compile(r"[\u3400-\u9fff]")

# How far the document (and Streamlit's scrolling main area) reaches past the window's right edge.
OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  const main = document.querySelector('[data-testid="stMain"]');
  return Math.max(doc.scrollWidth - doc.clientWidth, main ? main.scrollWidth - main.clientWidth : 0);
}"""


PLOTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(c => c.querySelector('.main-svg'))"""


def _open(browser: Any, lang: str, size: str) -> Any:
    context = browser.new_context(locale=lang, viewport=SIZES[size], accept_downloads=False)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _demo(browser: Any, url: str, lang: str) -> int:
    """The demo, made by its button on the Workspace page in ``lang``; its id."""
    page = _open(browser, lang, "desktop")
    try:
        page.goto(f"{url}/?lang={lang}")
        settle(page)  # the app has put the workspace it remembers into the URL
        before = parse_qs(urlparse(page.url).query).get("ws", [""])[0]
        page.get_by_role("button", name=t("ui.demo.button", lang)).first.click()
        settle(page)
        # the new demo, not the workspace the app remembered from the other language's run
        expect(page).to_have_url(re.compile(rf"[?&]ws=(?!{before}\b)\d+" if before else r"[?&]ws=\d+"))
        return int(parse_qs(urlparse(page.url).query)["ws"][0])
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_every_page_at_both_widths(server: tuple[str, Path], browser: Any, lang: str) -> None:
    url, _folder = server
    ws_id = _demo(browser, url, lang)
    for size in SIZES:
        page = _open(browser, lang, size)
        try:
            for name, path in PAGES.items():
                page.goto(f"{url}/{path}?ws={ws_id}&lang={lang}")
                settle(page)
                expect(page.get_by_role("heading", name=t(f"ui.nav.{name}", lang), exact=True).first).to_be_visible()
                assert not page.get_by_text("Page not found").count(), f"{name}: /{path} is not a page"
                errors = page.locator('[data-testid="stException"]').all_inner_texts()
                assert not errors, f"{name} ({lang}, {size}): {errors[0][:1500]}"
                no_traceback(page)
                if size == "phone":
                    sidebar = page.locator('[data-testid="stSidebar"]')
                    assert sidebar.get_attribute("aria-expanded") != "true", f"{name}: the sidebar covers the phone"
                    overflow = page.evaluate(OVERFLOW_JS)
                    assert overflow <= 1, f"{name} ({lang}) scrolls sideways by {overflow}px at 390px"
                if lang == "en" and name in ("kgi", "kpis", "dashboard"):
                    shown = page.locator('[data-testid="stMain"]').inner_text()
                    assert not CJK.findall(shown.replace("繁體中文", "")), f"{name}: Chinese in the English UI"
                with contextlib.suppress(Exception):  # a chart not drawn yet still leaves a useful shot
                    page.wait_for_function(PLOTS_DRAWN_JS, timeout=15_000)
                shot(page, f"screen-{name}-{lang}-{SIZES[size]['width']}")
        finally:
            page.context.close()
