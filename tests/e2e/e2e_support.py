"""Helpers shared by the browser tests: the Chromium check, and small Playwright steps that
wait for Streamlit the way a person would (until the page has finished rerunning).

Fixtures (the served app, the browser) live in ``conftest.py``; these are plain functions so a
test module can import them (``tests/e2e`` is on ``sys.path`` while its tests run).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STEP_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1440, "height": 1600}
MAX_SHOT_HEIGHT = 12_000  # a runaway page must not make a gigapixel image


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("streamlit did not become healthy")


@contextlib.contextmanager
def serve_app(folder: Path, *options: str, port: int | None = None) -> Iterator[str]:
    """The app served as ``./dev app`` serves it (``python -m ui.launch``) on 127.0.0.1 (a free port unless given), with its
    SQLite database in ``folder / "e2e.db"`` and ``options`` added to the command line; yields
    its URL and stops it afterwards (its log is ``folder / "streamlit.log"``)."""
    port = port or free_port()
    env = {**os.environ, "KGI_DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}", "KGI_DATA_DIR": str(folder)}
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen(
        # Started as ``./dev app`` starts it (ui.launch: bound to 127.0.0.1, no usage stats,
        # deep links served from the very first visit).
        [sys.executable, "-m", "ui.launch", "--server.headless", "true", "--server.port", str(port),
         "--server.fileWatcherType", "none", *options],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def playwright_or_skip() -> ModuleType:
    """``playwright.sync_api``, or skip the calling module with the reason.

    With ``KGI_REQUIRE_BROWSER`` set (CI), a missing Chromium is a failure, not a skip.
    """
    if not CHROMIUM.exists():
        if os.environ.get("KGI_REQUIRE_BROWSER"):
            raise RuntimeError("KGI_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                    allow_module_level=True)
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    sync_api.expect.set_options(timeout=STEP_TIMEOUT_MS)  # a rerun on a busy CI machine can take seconds
    return sync_api


def settle(page: Any) -> None:
    """Wait until Streamlit has finished the current rerun."""
    from playwright.sync_api import expect

    page.wait_for_timeout(400)
    running = page.locator('[data-testid="stStatusWidget"]')
    with contextlib.suppress(AssertionError):  # a screenshot mid-rerun is still useful
        expect(running).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(300)


NOTHING_PENDING_JS = """() => !document.querySelector('[data-testid^="stSkeleton"]')
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def shot(page: Any, name: str) -> None:
    """A full-page screenshot in ``screenshots/`` (git-ignored), once the page is still.

    Streamlit scrolls inside its main area, not the document, so a plain full-page screenshot
    stops at the window's edge: the window is made as tall as the content for the shot.
    """
    SHOTS.mkdir(exist_ok=True)
    settle(page)
    size = page.viewport_size or VIEWPORT
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? Math.max(m.scrollHeight, document.body.scrollHeight) : document.body.scrollHeight; }"
    )
    tall = min(max(int(height), size["height"]), MAX_SHOT_HEIGHT)
    if tall > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": tall})
        page.wait_for_timeout(500)  # charts and grids redraw at the new size
        # Elements laid out again show a skeleton meanwhile; a loaded machine takes its time.
        with contextlib.suppress(Exception):
            page.wait_for_function(NOTHING_PENDING_JS, timeout=15_000)
    try:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    finally:
        if tall > size["height"]:
            page.set_viewport_size(size)


def nav(page: Any, label: str) -> None:
    """Open a page from the sidebar by its (translated) name."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label, exact=True).click()
    settle(page)


def language(page: Any, name: str) -> None:
    """Switch the UI language from the sidebar ("繁體中文" or "English")."""
    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name=name, exact=True).click()
    settle(page)


def field_values(page: Any) -> list[str]:
    """What the inputs and select boxes of the main area show."""
    settle(page)
    return page.locator('[data-testid="stMain"] input').evaluate_all(
        "els => els.map(e => e.value || e.getAttribute('aria-label') || '')"
    ) + page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').all_inner_texts()


def main_text(page: Any) -> str:
    """All the text of the main area, as shown."""
    settle(page)
    return page.locator('[data-testid="stMain"]').inner_text()


def no_traceback(page: Any) -> None:
    """No exception box and no Python traceback anywhere on the page."""
    assert page.locator('[data-testid="stException"]').count() == 0, "an exception is shown"
    assert "Traceback (most recent call last)" not in page.locator("body").inner_text()
