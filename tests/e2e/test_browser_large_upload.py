"""A large export in a real headless Chromium: read in parts, previewed, imported (issue 11).

The server is started with ``KGI_STREAM_MIN_MB=1`` so a file of about 2 MB takes the chunked
path (the real threshold is 48 MB; what differs is only the size). The page says how many
figures the file holds and shows its first rows instead of a monthly table it could only
compute from part of the file; Import stores every row. Screenshots in both languages.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    language,
    main_text,
    nav,
    no_traceback,
    playwright_or_skip,
    serve_app,
    settle,
    shot,
)

from core.db import make_engine
from core.i18n import t
from core.store import actuals, list_imports

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect

DAYS, CAMPAIGNS = 700, 60


def large_csv() -> bytes:
    lines = ["Date,Campaign,Sessions,Orders"]
    for day in range(DAYS):
        stamp = (dt.date(2023, 1, 1) + dt.timedelta(days=day)).isoformat()
        lines += [f"{stamp},Campaign {c:02d},{(day * 7 + c) % 90 + 10},{c % 4}" for c in range(CAMPAIGNS)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with a 1 MB chunking threshold (the environment is the server's own)."""
    folder = tmp_path_factory.mktemp("e2e-large")
    before = os.environ.get("KGI_STREAM_MIN_MB")
    os.environ["KGI_STREAM_MIN_MB"] = "1"
    try:
        with serve_app(folder) as url:
            _restore(before)
            yield url, folder
    finally:
        _restore(before)


def _restore(value: str | None) -> None:
    if value is None:
        os.environ.pop("KGI_STREAM_MIN_MB", None)
    else:
        os.environ["KGI_STREAM_MIN_MB"] = value


def _new_workspace(page: Any) -> None:
    nav(page, t("ui.nav.workspace", "en"))
    box = page.get_by_role("textbox", name=t("ui.workspace.name", "en"))
    box.fill("Large exports")
    box.press("Tab")
    page.get_by_text("E-commerce", exact=True).click()
    settle(page)
    page.get_by_role("button", name=t("ui.workspace.create_button", "en")).click()
    expect(page.get_by_role("textbox", name="Your KGI in one sentence")).to_be_visible()


def test_a_large_export_is_read_in_parts_and_imported(server: tuple[str, Path], new_page: Any) -> None:
    url, folder = server
    page = new_page("en")
    rows = DAYS * CAMPAIGNS * 2
    try:
        page.goto(url)
        settle(page)
        _new_workspace(page)
        nav(page, t("ui.nav.upload", "en"))
        data = large_csv()
        assert len(data) > 1024 * 1024
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [{"name": "large.csv", "buffer": data, "mimeType": "text/csv"}])
        note = t("ui.upload.preview.large", "en", rows=f"{rows:,}", shown="2,000")
        expect(page.get_by_text(f"{rows:,}", exact=True)).to_be_visible(timeout=90_000)  # the Figures count
        page.get_by_role("tab", name=t("ui.upload.preview.title", "en")).click()
        expect(page.get_by_text(note[:40]).first).to_be_visible()
        assert note in main_text(page)
        no_traceback(page)
        shot(page, "large-upload-01-preview-en")
        language(page, "繁體中文")
        page.get_by_role("tab", name=t("ui.upload.preview.title", "zh-TW")).click()
        zh = t("ui.upload.preview.large", "zh-TW", rows=f"{rows:,}", shown="2,000")
        expect(page.get_by_text(zh[:20]).first).to_be_visible()
        shot(page, "large-upload-02-preview-zh")
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: the note wraps, nothing scrolls sideways
        shot(page, "large-upload-02-preview-zh-390")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.set_viewport_size(size)
        page.get_by_role("button", name=t("ui.upload.import.button", "zh-TW", count=1)).click()
        expect(page.locator('[data-testid="stAlertContentSuccess"]').first).to_be_visible(timeout=120_000)
        no_traceback(page)
        shot(page, "large-upload-03-imported-zh")
        engine = make_engine(f"sqlite:///{folder / 'e2e.db'}")
        (batch,) = list_imports(engine, 1)
        assert batch.rows == rows
        expected = sum((day * 7 + c) % 90 + 10 for day in range(DAYS) for c in range(CAMPAIGNS))
        assert sum(p["value"] for p in actuals(engine, 1, "sessions")) == expected
        engine.dispose()
    except Exception:
        shot(page, "failure-large-upload")
        print(sys.exc_info(), file=sys.stderr)
        raise
