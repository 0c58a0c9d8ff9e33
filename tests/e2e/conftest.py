"""Fixtures of the browser tests: the app served as ``./dev app`` serves it, on a free port with a
database of its own (one per test module), and one headless Chromium for the session.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the Python ``playwright``
package; each test module skips with the reason when either is missing (or fails, when
``KGI_REQUIRE_BROWSER`` is set).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, STEP_TIMEOUT_MS, VIEWPORT, serve_app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``(url, folder)``: the app on a free port; its SQLite database is ``folder / "e2e.db"``."""
    folder = tmp_path_factory.mktemp("e2e")
    with serve_app(folder) as url:
        yield url, folder


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Open a page in a fresh browser context with the given locale (downloads allowed)."""
    contexts: list[Any] = []

    def _open(locale: str = "zh-TW") -> Any:
        context = browser.new_context(locale=locale, viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(STEP_TIMEOUT_MS)
        return page

    yield _open
    for context in contexts:
        context.close()
