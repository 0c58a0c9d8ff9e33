"""A hostile upload cannot take the app down (issue 11), in a real headless Chromium.

An xlsx of a few KB with one cell at XFD1048576 (and a ``<dimension>`` claiming it) used to
make python-calamine ask for 550 GB and abort the whole Streamlit server. Uploaded here, the
page says why the file was refused, and the app goes on serving: another page loads, and the
server still answers its health check.
"""

from __future__ import annotations

import io
import re
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from e2e_support import main_text, nav, no_traceback, playwright_or_skip, settle, shot

from core.i18n import t

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect

FAR = "XFD1048576"


def far_cell_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    for row in (["Date", "Sessions"], ["2024-01-01", 5], ["2024-01-02", 7]):
        sheet.append(row)
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{FAR}"', body.decode())
                xml = xml.replace("</sheetData>", f'<row r="1048576"><c r="{FAR}" t="n"><v>1</v></c></row></sheetData>')
                body = xml.encode()
            target.writestr(item, body)
    return out.getvalue()


def _new_workspace(page: Any, name: str) -> None:
    nav(page, t("ui.nav.workspace", "en"))
    more = page.get_by_text(t("ui.workspace.create_another", "en"), exact=True)
    if more.count():
        more.click()
    box = page.get_by_role("textbox", name=t("ui.workspace.name", "en"))
    box.fill(name)
    box.press("Tab")
    page.get_by_text("E-commerce", exact=True).click()
    settle(page)
    page.get_by_role("button", name=t("ui.workspace.create_button", "en")).click()
    expect(page.get_by_role("textbox", name="Your KGI in one sentence")).to_be_visible()


def _healthy(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
        return response.status == 200


def test_far_cell_upload_is_refused_and_the_app_keeps_serving(server: tuple[str, Path], new_page: Any) -> None:
    url, _folder = server
    page = new_page("en")
    try:
        page.goto(url)
        settle(page)
        _new_workspace(page, "Hostile files")
        nav(page, t("ui.nav.upload", "en"))
        data = far_cell_xlsx()
        assert len(data) < 10_000
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            [{"name": "far-cell.xlsx", "buffer": data,
              "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
        expect(page.get_by_text(re.compile(FAR)).first).to_be_visible()
        text = main_text(page)
        assert "far-cell.xlsx" in text and FAR in text
        no_traceback(page)
        shot(page, "hostile-01-far-cell-en")
        assert _healthy(url)
        nav(page, t("ui.nav.settings", "en"))
        no_traceback(page)
        nav(page, t("ui.nav.kpis", "en"))
        no_traceback(page)
        expect(page.locator('[data-testid="stSidebarNav"]')).to_be_visible()
        assert _healthy(url)
    except Exception:
        shot(page, "failure-hostile-far-cell")
        print(sys.exc_info(), file=sys.stderr)
        raise
