"""A link to one page is the first thing a freshly started server serves (a bookmark, a link
in a digest e-mail): the page opens, with no "Page not found" over it.

Streamlit takes a ``pages/`` folder for an old-style multipage app until ``app.py`` registers
its pages; ``./dev app`` (``ui.launch``) says so before the server starts, and the ``server``
fixture starts the app the same way. This module's server is fresh: its first visit is here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import playwright_or_skip, settle

from core.i18n import t

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect


def test_the_first_visit_to_a_fresh_server_may_be_a_deep_link(server: tuple[str, Path], new_page: Any) -> None:
    url, _folder = server
    page = new_page("zh-TW")
    page.goto(f"{url}/preferences?lang=zh-TW")
    settle(page)
    expect(page.get_by_role("heading", name=t("ui.nav.settings", "zh-TW"), exact=True).first).to_be_visible()
    assert not page.get_by_text("Page not found").count()
