"""Fixtures of the browser tests: the app served by ``streamlit run`` on a free port with a
database of its own (one per test module), and one headless Chromium for the session.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the Python ``playwright``
package; each test module skips with the reason when either is missing (or fails, when
``KGI_REQUIRE_BROWSER`` is set).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, ROOT, STEP_TIMEOUT_MS, VIEWPORT


def _free_port() -> int:
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``(url, folder)``: the app on a free port; its SQLite database is ``folder / "e2e.db"``."""
    folder = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {**os.environ, "KGI_DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
           "KGI_DATA_DIR": str(folder)}
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen(
        # Started as ``./dev app`` starts it (ui.launch: bound to 127.0.0.1, no usage stats,
        # deep links served from the very first visit).
        [sys.executable, "-m", "ui.launch", "--server.headless", "true", "--server.port", str(port),
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, folder
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


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
