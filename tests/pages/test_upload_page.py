"""AppTest of the Upload actuals page in both languages: no workspace, no imports yet, files
dropped in the uploader (source, period, mapping, preview, rejected rows), import, re-import
("nothing doubled"), a mapping edit, and undo through the button with its confirmation."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.importing import read_file
from core.store import actuals, import_file, list_imports, load_mapping
from core.workspaces import create_workspace
from ui.upload import (
    IGNORE,
    choice_labels,
    confidence_words,
    import_digest,
    mapping_columns,
    merge_edits,
    monthly_totals,
    value_of_label,
)

LANGS = ("zh-TW", "en")
MakeApp = Callable[..., AppTest]

SHEET = (
    b"Date,Sessions,Orders\n"
    b"2024-01-01,100,3\n"
    b"2024-01-02,120,4\n"
    b"2024-02-01,90,2\n"
)
NEWER = (
    b"Date,Sessions,Orders\n"
    b"2024-01-02,500,9\n"
)
WITH_BAD_ROW = (
    b"Date,Sessions\n"
    b"2024-01-01,100\n"
    b"not a date,120\n"
    b"2024-01-03,80\n"
)
UNKNOWN_COLUMN = (
    "日期,Zorblax\n"
    "2024-03-01,40\n"
    "2024-03-02,60\n"
).encode()


def _open(make_app: MakeApp, lang: str, ws_id: int | None = None) -> AppTest:
    at = make_app(lang, ws_id)
    at.run()
    at.switch_page("pages/upload.py").run()
    assert_clean(at)
    return at


def _upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="upl_files").set_value([(name, data, "text/csv") for name, data in files]).run()
    assert_clean(at)
    return at


def _texts(elements: object) -> list[str]:
    return [str(e.value) for e in elements]  # type: ignore[attr-defined]


@pytest.fixture
def ws_id(app_engine: Engine) -> int:
    return create_workspace(app_engine, "Tea shop", "ecommerce").id


# -- empty states -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_workspace_says_what_to_do_and_offers_the_demo(make_app: MakeApp, lang: str) -> None:
    at = _open(make_app, lang)
    text = page_text(at)
    assert t("ui.upload.title", lang) in text
    assert t("ui.upload.no_workspace", lang) in text
    assert t("ui.demo.button", lang) in [b.label for b in at.button]
    assert not at.file_uploader


@pytest.mark.parametrize("lang", LANGS)
def test_no_files_explains_which_exports_work(make_app: MakeApp, ws_id: int, lang: str) -> None:
    at = _open(make_app, lang, ws_id)
    text = page_text(at)
    for key in ("ga4", "search_console", "meta_ads", "google_ads", "mailchimp", "shopify", "instagram",
                "template", "sheet"):
        assert t(f"ui.upload.how.{key}", lang) in text
    assert t("ui.upload.history.empty", lang) in text
    uploader = at.file_uploader(key="upl_files")
    assert uploader.accept_multiple_files
    # Any file may be dropped: a type the page cannot read is explained on the page in the
    # user's language (Streamlit's own refusal is an English hover).
    assert not uploader.allowed_type
    assert t("ui.upload.limit", lang, mb=200) in text


@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_file_type_is_explained_in_the_users_language(make_app: MakeApp, ws_id: int,
                                                                lang: str) -> None:
    at = _upload(_open(make_app, lang, ws_id), ("plan.docx", b"PK\x03\x04 not an export"),
                 ("exports.zip", b"PK\x03\x04"), ("README", b"hello"), ("tea.csv", SHEET))
    errors = [e.value for e in at.error]
    assert t("ui.upload.refused_type", lang, file="plan.docx", kind="DOCX") in errors
    assert t("ui.upload.refused_type", lang, file="exports.zip", kind="ZIP") in errors
    assert t("ui.upload.refused_no_extension", lang, file="README") in errors
    assert "tea.csv" in page_text(at)  # the readable file is still read


# -- files, import, re-import -----------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_upload_preview_import_and_reimport(make_app: MakeApp, app_engine: Engine, ws_id: int,
                                            lang: str) -> None:
    at = _upload(_open(make_app, lang, ws_id), ("tea.csv", SHEET), ("bad.csv", WITH_BAD_ROW))
    text = page_text(at)
    # Source, confidence in words, period, metrics found.
    assert t("ui.upload.file.detected", lang, source="**" + ("自製試算表" if lang == "zh-TW" else "Spreadsheet") + "**") in text
    metrics = {m.label: m.value for m in at.metric}
    assert t("ui.upload.file.period", lang) in metrics
    sessions, orders = (("工作階段", "訂單數") if lang == "zh-TW" else ("Sessions", "Orders"))
    assert any(sessions in line and orders in line for line in _texts(at.markdown))
    # The mapping editor, one per file, with the catalog's names in the user's language.
    assert len(at.data_editor) == 2
    mapping = at.data_editor[0].value
    assert list(mapping.iloc[:, 0]) == ["Date", "Sessions", "Orders"]
    assert choice_labels(lang)["sessions"] in list(mapping.iloc[:, -2])
    # The bad row is listed with its row number and a reason in the user's language.
    rejected = read_file(WITH_BAD_ROW, "bad.csv").rejected
    assert [r.row for r in rejected] == [3]
    frames = [df.value for df in at.dataframe if df not in at.data_editor]
    reasons = [df for df in frames if t("ui.upload.rejected.reason", lang) in df.columns]
    assert reasons and list(reasons[0].iloc[:, 0]) == [3]
    assert reasons[0].iloc[0, 2] == rejected[0].message(lang)

    at.button(key="upl_import").click().run()
    assert_clean(at)
    success = "\n".join(_texts(at.success))
    assert "tea.csv" in success and "bad.csv" in success
    assert [b.file_name for b in list_imports(app_engine, ws_id)] == ["bad.csv", "tea.csv"]
    # Both are hand-kept sheets: bad.csv's 1 Jan replaces tea.csv's (newest wins, never added).
    assert t("ui.upload.result.replaced", lang, count="1") in _texts(at.info)
    assert actuals(app_engine, ws_id, "sessions", by="month") == [
        {"period": "2024-01", "value": 100.0 + 120.0 + 80.0}, {"period": "2024-02", "value": 90.0},
    ]

    # The same files again: "already imported, nothing doubled", and the figures stay.
    at.button(key="upl_import").click().run()
    assert_clean(at)
    info = "\n".join(_texts(at.info))
    assert t("ui.upload.result.unchanged", lang, file="tea.csv") in info
    assert len(list_imports(app_engine, ws_id)) == 2


def test_monthly_totals_and_newest_import_wins(make_app: MakeApp, app_engine: Engine, ws_id: int) -> None:
    """Monthly totals in the preview; a newer file over the same day replaces, and says so."""
    parsed = read_file(SHEET, "tea.csv")
    table = monthly_totals(parsed, "en", "TWD")
    assert list(table.columns) == ["Month", "Orders", "Sessions"]
    assert table.to_dict("records") == [
        {"Month": "Jan 2024", "Orders": "7", "Sessions": "220"},
        {"Month": "Feb 2024", "Orders": "2", "Sessions": "90"},
    ]
    assert import_file(app_engine, ws_id, SHEET, "tea.csv").status == "imported"
    at = _upload(_open(make_app, "en", ws_id), ("newer.csv", NEWER))
    at.button(key="upl_import").click().run()
    assert_clean(at)
    assert t("ui.upload.result.replaced", "en", count="2") in _texts(at.info)
    assert actuals(app_engine, ws_id, "sessions", by="day") == [
        {"period": "2024-01-01", "value": 100.0}, {"period": "2024-01-02", "value": 500.0},
        {"period": "2024-02-01", "value": 90.0},
    ]


def test_a_file_imported_from_the_command_line_is_unchanged_here(make_app: MakeApp, app_engine: Engine,
                                                                 ws_id: int) -> None:
    assert import_file(app_engine, ws_id, SHEET, "tea.csv").status == "imported"
    at = _upload(_open(make_app, "zh-TW", ws_id), ("copy.csv", SHEET))
    at.button(key="upl_import").click().run()
    assert t("ui.upload.result.unchanged", "zh-TW", file="copy.csv") in _texts(at.info)
    assert len(list_imports(app_engine, ws_id)) == 1


def test_unreadable_file_says_why_and_cannot_be_imported(make_app: MakeApp, ws_id: int) -> None:
    at = _upload(_open(make_app, "en", ws_id), ("empty.csv", b""))
    errors = "\n".join(_texts(at.error))
    assert t("ui.upload.file.unreadable", "en") in errors
    assert "empty.csv" in errors
    assert t("ui.upload.import.none_ready", "en") in _texts(at.warning)
    assert not [b for b in at.button if b.key == "upl_import"]


# -- mapping ----------------------------------------------------------------------------------


def test_mapping_edit_rereads_the_file_and_is_remembered(make_app: MakeApp, app_engine: Engine,
                                                         ws_id: int) -> None:
    at = _upload(_open(make_app, "en", ws_id), ("own.csv", UNKNOWN_COLUMN))
    # Refused as it is (no metric recognised), with the reader's reason and the way out.
    assert "Zorblax" in "\n".join(_texts(at.error))
    assert not [b for b in at.button if b.key == "upl_import"]
    editor = at.data_editor[0]
    rows = list(editor.value.iloc[:, 0])
    assert rows == ["日期", "Zorblax"]
    at.session_state[editor.key] = {
        "edited_rows": {1: {"use_as": choice_labels("en")["sessions"]}}, "added_rows": [], "deleted_rows": [],
    }
    at.run()
    assert_clean(at)
    assert t("ui.upload.file.metrics", "en", metrics="Sessions") in _texts(at.markdown)
    assert t("ui.upload.mapping.changed", "en", count=1) in _texts(at.caption)
    at.button(key="upl_import").click().run()
    assert_clean(at)
    assert actuals(app_engine, ws_id, "sessions", by="month") == [{"period": "2024-03", "value": 100.0}]
    assert load_mapping(app_engine, ws_id, "sheet") == {"Zorblax": "sessions"}
    # The next file of that source in this workspace is read with the remembered choice.
    at2 = _upload(_open(make_app, "zh-TW", ws_id), ("april.csv", UNKNOWN_COLUMN.replace(b"2024-03", b"2024-04")))
    assert t("ui.upload.file.metrics", "zh-TW", metrics="工作階段") in _texts(at2.markdown)


def test_mapping_helpers() -> None:
    for lang in LANGS:
        labels = choice_labels(lang)
        assert len(set(labels.values())) == len(labels)  # the editor round-trips labels
        assert labels[IGNORE] == t("ui.upload.choice.ignore", lang)
    # A label left over from before a language switch still means the same choice.
    assert value_of_label(choice_labels("zh-TW")["revenue"], "en") == "revenue"
    assert value_of_label("no such label", "en") is None
    assert merge_edits({"A": "sessions"}, {"B": "", "A": "orders"}, {"A": "orders", "B": "clicks"}) == {"B": ""}
    assert import_digest(b"x", {}) != import_digest(b"x", {"A": "sessions"})
    assert confidence_words(0.93, "en") == "Confident (93%)"
    assert confidence_words(0.5, "zh-TW") == "不太確定（50%），請確認來源與欄位對應"
    columns = read_file(SHEET, "tea.csv").columns
    assert [c.name for c in mapping_columns(columns + columns)] == ["Date", "Sessions", "Orders"]


# -- history and undo -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_history_and_undo_restores_the_previous_state(make_app: MakeApp, app_engine: Engine, ws_id: int,
                                                      lang: str) -> None:
    first = import_file(app_engine, ws_id, SHEET, "tea.csv")
    second = import_file(app_engine, ws_id, NEWER, "newer.csv")
    assert second.replaced == 2
    before = actuals(app_engine, ws_id, "sessions", by="day")
    assert before[1] == {"period": "2024-01-02", "value": 500.0}

    at = _open(make_app, lang, ws_id)
    text = page_text(at)
    assert t("ui.upload.history.explain", lang) in text
    assert "tea.csv" in text and "newer.csv" in text
    assert t("ui.upload.status.imported", lang) in text
    at.button(key=f"upl_undo_{second.batch_id}").click().run()
    assert_clean(at)
    # Nothing happens before the confirmation, which says what undo does.
    assert list_imports(app_engine, ws_id)[0].status == "imported"
    assert any("newer.csv" in w for w in _texts(at.warning))
    at.button(key="upl_undo_cancel").click().run()
    assert not [b for b in at.button if b.key == "upl_undo_yes"]
    at.button(key=f"upl_undo_{second.batch_id}").click().run()
    at.button(key="upl_undo_yes").click().run()
    assert_clean(at)

    statuses = {b.id: b.status for b in list_imports(app_engine, ws_id)}
    assert statuses == {first.batch_id: "imported", second.batch_id: "undone"}
    assert actuals(app_engine, ws_id, "sessions", by="day") == [
        {"period": "2024-01-01", "value": 100.0}, {"period": "2024-01-02", "value": 120.0},
        {"period": "2024-02-01", "value": 90.0},
    ]
    assert t("ui.upload.status.undone", lang) in page_text(at)
    # An undone import has no Undo button any more; the live one still has.
    keys = {b.key for b in at.button}
    assert f"upl_undo_{second.batch_id}" not in keys
    assert f"upl_undo_{first.batch_id}" in keys


def test_history_lists_period_and_source(make_app: MakeApp, app_engine: Engine, ws_id: int) -> None:
    import_file(app_engine, ws_id, SHEET, "tea.csv", today=date(2024, 12, 31))
    text = page_text(_open(make_app, "zh-TW", ws_id))
    assert "2024-01-01 – 2024-02-01" in text  # compact in the table
    assert "自製試算表" in text  # the source in the user's language


def _large_sheet(days: int = 700, campaigns: int = 60) -> bytes:
    lines = ["Date,Campaign,Sessions,Orders"]
    for day in range(days):
        stamp = date.fromordinal(date(2023, 1, 1).toordinal() + day).isoformat()
        lines += [f"{stamp},Campaign {c:02d},{(day * 7 + c) % 90 + 10},{c % 4}" for c in range(campaigns)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("lang", LANGS)
def test_a_large_file_is_read_in_parts_previewed_and_imported(make_app: MakeApp, app_engine: Engine, ws_id: int,
                                                              lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file past the streaming size: its count and first rows are shown, its months after
    import, and the import stores every row (read in a child, kept on disk meanwhile)."""
    monkeypatch.setenv("KGI_STREAM_MIN_MB", "1")
    data = _large_sheet()
    assert len(data) > 1024 * 1024
    at = _upload(_open(make_app, lang, ws_id), ("big.csv", data))
    rows = 700 * 60 * 2
    assert t("ui.upload.preview.large", lang, rows=f"{rows:,}", shown="2,000") in page_text(at)
    assert {m.label: m.value for m in at.metric}[t("ui.upload.file.rows", lang)] == f"{rows:,}"
    # The chunks are cleared while the page waits (hours pass): Import reads the file again.
    for spill in Path(os.environ["KGI_SPILL_DIR"]).glob("stream-*"):
        shutil.rmtree(spill)
    at.button(key="upl_import").click().run()
    assert_clean(at)
    assert "big.csv" in "\n".join(_texts(at.success))
    sessions = actuals(app_engine, ws_id, "sessions", by="month")
    expected = sum((day * 7 + c) % 90 + 10 for day in range(700) for c in range(60))
    assert sum(p["value"] for p in sessions) == expected
