"""The Settings page's e-mail digest in a real headless Chromium, at 1366 px wide, both languages.

The demo is made with core on the served app's own database; the page must show the preview of
the message ``kgi digest`` would send (the same builder), with the KGI's headline inside the
preview's frame, and no password anywhere. A screenshot of the section goes to
``screenshots/digest-settings-<lang>.png`` (git-ignored) to be looked at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from e2e_support import SHOTS, nav, no_traceback, playwright_or_skip, settle
from sqlalchemy.engine import Engine

from core.db import get_engine
from core.demo import create_demo
from core.digest import build_digest, preview_months
from core.i18n import t

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect

DESKTOP = {"width": 1366, "height": 1700}  # tall enough for the whole section in one shot


@pytest.fixture(scope="module")
def db(server: tuple[str, Path]) -> Iterator[Engine]:
    """The served app's database (migrated by the app; ``get_engine`` only checks)."""
    _url, folder = server
    yield get_engine(f"sqlite:///{folder / 'e2e.db'}")


def _headline(html: str) -> tuple[str, str]:
    """The KGI's name and its sentence, as the digest's HTML writes them."""
    block = re.search(r"<strong>(.*?)</strong> · (.*?)<br>(.*?)<br>", html)
    assert block, html[:400]
    return unescape(block.group(1)), unescape(block.group(3))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_settings_shows_the_digest_preview(server: tuple[str, Path], db: Engine, browser: Any, lang: str) -> None:
    url, _folder = server
    ws = create_demo(db, today=date.today(), lang=lang)
    _months, month = preview_months(db, ws.id, date.today())
    expected = build_digest(db, ws.id, month)
    name, sentence = _headline(expected.html)

    context = browser.new_context(locale=lang, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{url}/?ws={ws.id}&lang={lang}")
        settle(page)
        nav(page, t("ui.nav.settings", lang))
        no_traceback(page)
        heading = page.get_by_role("heading", name=t("ui.digest.title", lang), exact=True)
        expect(heading).to_be_visible()
        missing = re.split(r"(?<=[。.]) ?", t("ui.digest.smtp_missing", lang))[0]  # its first sentence
        expect(page.get_by_text(missing)).to_be_visible()  # no server set up for this app
        frame = page.frame_locator(f'iframe[title="{t("ui.digest.preview_alt", lang, subject=expected.subject)}"]')
        expect(frame.get_by_text(name, exact=True).first).to_be_visible()
        expect(frame.get_by_text(sentence).first).to_be_visible()
        expect(frame.locator('img[src^="data:image/png"]')).to_have_count(1)  # the chart, drawn inline
        expect(page.get_by_text(expected.subject, exact=True)).to_be_visible()
        assert "KGI_SMTP_PASSWORD=" not in page.locator("body").inner_text()

        heading.scroll_into_view_if_needed()
        page.evaluate("""(title) => {
          const h = [...document.querySelectorAll('h3')].find(e => e.textContent.trim() === title);
          const main = document.querySelector('[data-testid="stMain"]');
          main.scrollTop += h.getBoundingClientRect().top - 8;
        }""", t("ui.digest.title", lang))
        settle(page)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"digest-settings-{lang}.png"))
    finally:
        context.close()
