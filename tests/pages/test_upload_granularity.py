"""AppTest of the Upload page for hand-kept sheets, in both languages: how rows were read (with
the period and the reason) and the "each row is" select that reads the file again; columns
that look like a metric but were not imported; skipped subtotal rows listed with why."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.store import file_hash, list_imports, load_observations
from core.workspaces import create_workspace

LANGS = ("zh-TW", "en")
MakeApp = Callable[..., AppTest]


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


MONTHS = _csv([["日期", "營收", "訂單"], *[[dt.date(2024, m, 1).isoformat(), 1000 * m, m] for m in range(1, 7)]])
TWO_MONTHS = _csv([["日期", "營收"], ["2024-01-01", 100], ["2024-02-01", 200]])
UNMAPPED = _csv([["日期", "營收", "廣告花費(千元)"], ["2024-01-01", 1000, 8], ["2024-01-02", 1200, 9]])
SUBTOTALS = _csv([["月份", "營收"], ["2024年1月", 100], ["2024年2月", 200], ["小計", 300], ["2024年3月", 50]])


@pytest.fixture
def ws_id(app_engine: Engine) -> int:
    return create_workspace(app_engine, "Tea shop", "ecommerce").id


def _open_with(make_app: MakeApp, lang: str, ws_id: int, name: str, data: bytes) -> AppTest:
    at = make_app(lang, ws_id)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upl_files").set_value([(name, data, "text/csv")]).run()
    assert_clean(at)
    return at


def _select_key(data: bytes) -> str:
    return f"upl_gran_{file_hash(data)[:12]}"


@pytest.mark.parametrize("lang", LANGS)
def test_month_rows_are_said_and_can_be_read_as_days(make_app: MakeApp, app_engine: Engine, ws_id: int,
                                                    lang: str) -> None:
    at = _open_with(make_app, lang, ws_id, "books.csv", MONTHS)
    text = page_text(at)
    first, last = ("2024 年 1 月", "2024 年 6 月") if lang == "zh-TW" else ("Jan 2024", "Jun 2024")
    expected = t("ui.upload.granularity.read.month", lang, first=first, last=last,
                 basis=t("import.granularity.basis.month_starts", lang))
    assert expected in text
    select = at.selectbox(key=_select_key(MONTHS))
    assert select.value == "month"
    assert select.label == t("ui.upload.granularity.label", lang)
    assert list(select.options) == [
        t(f"ui.upload.granularity.option.{g}", lang) for g in ("day", "week", "month")]

    select.set_value("day").run()
    assert_clean(at)
    text = page_text(at)
    assert t("import.granularity.basis.chosen", lang) in text
    assert at.selectbox(key=_select_key(MONTHS)).value == "day"
    at.button(key="upl_import").click().run()
    assert_clean(at)
    assert [b.file_name for b in list_imports(app_engine, ws_id)] == ["books.csv"]
    stored = load_observations(app_engine, ws_id, ["revenue"])
    assert set(stored["granularity"]) == {"day"}


@pytest.mark.parametrize("lang", LANGS)
def test_two_dates_reading_is_a_visible_note(make_app: MakeApp, ws_id: int, lang: str) -> None:
    at = _open_with(make_app, lang, ws_id, "two.csv", TWO_MONTHS)
    assert t("import.granularity.note.two_months", lang) in [str(w.value) for w in at.warning]
    assert at.selectbox(key=_select_key(TWO_MONTHS)).value == "month"


def test_a_choice_the_rows_cannot_bear_is_refused_and_can_be_undone(make_app: MakeApp, ws_id: int) -> None:
    daily = _csv([["日期", "營收"], ["2024-01-01", 1], ["2024-01-02", 2], ["2024-01-03", 3]])
    at = _open_with(make_app, "en", ws_id, "daily.csv", daily)
    at.selectbox(key=_select_key(daily)).set_value("month").run()
    assert_clean(at)
    errors = "\n".join(str(e.value) for e in at.error)
    assert "cannot be read as one row per month" in errors
    at.selectbox(key=_select_key(daily)).set_value("day").run()
    assert_clean(at)
    assert not at.error
    assert [b for b in at.button if b.key == "upl_import"]


@pytest.mark.parametrize("lang", LANGS)
def test_metric_like_column_left_unmapped_is_said(make_app: MakeApp, ws_id: int, lang: str) -> None:
    at = _open_with(make_app, lang, ws_id, "books.csv", UNMAPPED)
    warnings = "\n".join(str(w.value) for w in at.warning)
    assert t("ui.upload.unmapped.title", lang) in warnings
    metric = "廣告花費" if lang == "zh-TW" else "Ad spend"
    assert t("ui.upload.unmapped.line", lang, column="廣告花費(千元)", metric=metric) in warnings


@pytest.mark.parametrize("lang", LANGS)
def test_skipped_subtotal_rows_are_listed_with_why(make_app: MakeApp, ws_id: int, lang: str) -> None:
    at = _open_with(make_app, lang, ws_id, "books.csv", SUBTOTALS)
    assert t("ui.upload.skipped.title", lang, count="1") in [tab.label for tab in at.tabs]
    frames = [df.value for df in at.dataframe]
    reason = t("ui.upload.rejected.reason", lang)
    listed = [df for df in frames if reason in df.columns and len(df.columns) == 2]
    assert listed and list(listed[0].iloc[:, 0]) == [4]
    assert listed[0].iloc[0, 1] == t("import.skip.subtotal", lang, row=4, column="", value="小計")
    assert not [df for df in frames if reason in df.columns and len(df.columns) == 3]  # nothing rejected
