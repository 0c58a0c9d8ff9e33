"""End to end in a real headless Chromium: ``streamlit run app.py``, then the article's
e-commerce example from a new workspace to a downloaded plan workbook, switching language on the
way. Screenshots of every page in both languages go to ``screenshots/`` (git-ignored).

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the Python ``playwright``
package; skipped with the reason when either is missing.
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

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STEP_TIMEOUT_MS = 30_000

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    if os.environ.get("KGI_REQUIRE_BROWSER"):  # CI: a missing browser is a failure, not a skip
        raise RuntimeError("KGI_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect
expect.set_options(timeout=STEP_TIMEOUT_MS)  # a rerun on a busy CI machine can take seconds


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
    """The app served by ``streamlit run`` on a free port, with a database of its own."""
    folder = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {**os.environ, "KGI_DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}"}
    log = (folder / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _settle(page) -> None:  # noqa: ANN001 - playwright Page
    """Wait until Streamlit has finished the current rerun."""
    page.wait_for_timeout(400)
    running = page.locator('[data-testid="stStatusWidget"]')
    with contextlib.suppress(AssertionError):  # a screenshot mid-rerun is still useful
        expect(running).to_have_count(0, timeout=STEP_TIMEOUT_MS)
    page.wait_for_timeout(300)


def _shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(exist_ok=True)
    _settle(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _nav(page, label: str) -> None:  # noqa: ANN001
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label, exact=True).click()
    _settle(page)


def _field_values(page) -> list[str]:  # noqa: ANN001
    """What the inputs and select boxes of the main area show."""
    _settle(page)
    return page.locator('[data-testid="stMain"] input').evaluate_all(
        "els => els.map(e => e.value || e.getAttribute('aria-label') || '')"
    ) + page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').all_inner_texts()


def _language(page, name: str) -> None:  # noqa: ANN001
    page.locator('[data-testid="stSidebar"]').get_by_role("radio", name=name, exact=True).click()
    _settle(page)


def test_ecommerce_example_from_workspace_to_workbook(server: tuple[str, Path], browser) -> None:  # noqa: ANN001
    url, folder = server
    context = browser.new_context(locale="zh-TW", viewport={"width": 1440, "height": 1600},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        _walk(page, url, folder)
    except Exception:
        _shot(page, "failure")  # what the browser showed when the walk broke
        raise
    finally:
        context.close()


def _walk(page, url: str, folder: Path) -> None:  # noqa: ANN001
    # 1. A zh-TW browser opens in Traditional Chinese, on the workspace step.
    page.goto(url)
    expect(page.get_by_role("heading", name="工作區", exact=True)).to_be_visible()
    expect(page.get_by_text("歡迎使用 KGI Planner")).to_be_visible()
    _shot(page, "01-workspace-empty-zh")

    page.get_by_role("textbox", name="品牌或客戶名稱").fill("山嵐茶舖")
    page.get_by_role("textbox", name="品牌或客戶名稱").press("Tab")
    page.get_by_text("電商", exact=True).click()
    _settle(page)
    page.get_by_role("button", name="建立工作區").click()

    # 2. The KGI step: the article's example in one click, the SMART check live.
    expect(page.get_by_role("heading", name="您的目標（KGI）", exact=True)).to_be_visible()
    page.get_by_role("button", name="營收提升 50%").click()
    _settle(page)
    expect(page.get_by_role("textbox", name="用一句話寫下您的 KGI")).to_have_value("營收提升 50%")
    expect(page.get_by_role("heading", name="SMART 檢查", exact=True)).to_be_visible()
    expect(page.get_by_text("明確具體", exact=True)).to_be_visible()
    _shot(page, "02-kgi-zh")
    page.get_by_role("button", name="儲存並前往 KPI").click()

    # 3. The KPI step: the templates are there and the driver panel finds the missing +18.6%.
    expect(page.get_by_role("heading", name="能支撐目標的 KPI", exact=True)).to_be_visible()
    expect(page.get_by_text("網站轉換率提升 10%").first).to_be_visible()
    expect(page.get_by_text("+26.5%").first).to_be_visible()
    expect(page.get_by_text("+18.6%").first).to_be_visible()
    _shot(page, "03-kpis-zh")

    # 4. Switch to English midway: the same plan, the same numbers, nothing lost.
    _language(page, "English")
    expect(page.get_by_role("heading", name="KPIs that add up to the goal", exact=True)).to_be_visible()
    expect(page.get_by_text("+18.6%").first).to_be_visible()
    expect(page.get_by_text("Sessions").first).to_be_visible()
    # Select boxes chosen in zh-TW now read in English (the browser sends choices as labels).
    shown = _field_values(page)
    assert "Change (%)" in shown and "Whole period" in shown, shown
    assert "成長／變化（%）" not in shown and "整個期間" not in shown, shown
    _shot(page, "04-kpis-en")
    _nav(page, "KGI")
    expect(page.get_by_role("textbox", name="Your KGI in one sentence")).to_have_value("營收提升 50%")
    _shot(page, "05-kgi-en")
    _nav(page, "Workspace")
    _shot(page, "06-workspace-en")
    _nav(page, "Settings")
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    _shot(page, "07-settings-en")

    # 5. The plan, and the workbook download.
    _nav(page, "Plan")
    expect(page.get_by_role("heading", name="Your plan", exact=True)).to_be_visible()
    _shot(page, "08-plan-en")
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
    _language(page, "繁體中文")
    expect(page.get_by_role("heading", name="您的計畫書", exact=True)).to_be_visible()
    _shot(page, "09-plan-zh")
    _nav(page, "設定")
    _shot(page, "10-settings-zh")
    _nav(page, "工作區")
    _shot(page, "11-workspace-zh")
