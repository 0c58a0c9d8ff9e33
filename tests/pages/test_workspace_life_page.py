"""AppTest of a workspace's whole life in the pages: the activity trail on Settings, archive
(hidden from the switcher, back from the Workspace page), delete (a backup offered, the name
typed again), and restore opening the restored workspace with the switcher refreshed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core import audit, backup
from core.i18n import t
from core.store import import_file
from core.workspaces import create_workspace, get_workspace, list_workspaces

MakeApp = Callable[..., AppTest]
LANGS = ("zh-TW", "en")
SHEET = b"Date,Sessions\n2024-01-01,100\n2024-01-02,120\n"
HOSTILE_FILE = "![t](http://evil.example/t.png) [x](http://evil.example).csv"


@pytest.fixture
def two(app_engine: Engine) -> tuple[int, int]:
    a = create_workspace(app_engine, "Client A", "ecommerce").id
    b = create_workspace(app_engine, "Client B", "saas").id
    import_file(app_engine, a, SHEET, HOSTILE_FILE)
    return a, b


def _settings(make_app: MakeApp, lang: str, ws_id: int | None) -> AppTest:
    at = make_app(lang, ws_id).run()
    at.switch_page("pages/settings.py").run()
    assert_clean(at)
    return at


def _switcher(at: AppTest) -> list[str]:
    """The names the sidebar's workspace switcher offers."""
    return list(at.sidebar.selectbox(key="sidebar_ws").options)


@pytest.mark.parametrize("lang", LANGS)
def test_the_activity_trail_shows_who_did_what_as_text(make_app: MakeApp, two: tuple[int, int], lang: str) -> None:
    at = _settings(make_app, lang, two[0])
    assert t("workspace_life.trail.title", lang) in page_text(at)
    frame = at.dataframe[0].value
    assert list(frame[t("workspace_life.trail.subject", lang)]) == [HOSTILE_FILE, "Client A"]
    assert list(frame[t("workspace_life.trail.what", lang)]) == [
        t("workspace_life.action.import", lang), t("workspace_life.action.create", lang)]
    assert set(frame[t("workspace_life.trail.who", lang)]) == {"local"}


@pytest.mark.parametrize("lang", LANGS)
def test_archive_hides_and_unarchive_brings_back(make_app: MakeApp, app_engine: Engine, two: tuple[int, int],
                                                 lang: str) -> None:
    a, b = two
    at = _settings(make_app, lang, a)
    at.button(key="life_archive").click().run()
    assert_clean(at)
    assert get_workspace(app_engine, a).archived and at.session_state["ui_workspace_id"] is None
    assert _switcher(at) == ["Client B"]
    at.switch_page("pages/workspace.py").run()
    assert_clean(at)
    assert "Client A" in [str(e.value) for e in at.text]
    at.button(key=f"life_unarchive_{a}").click().run()
    assert_clean(at)
    assert not get_workspace(app_engine, a).archived
    assert at.session_state["ui_workspace_id"] == a and _switcher(at) == ["Client A", "Client B"]
    assert [e.action for e in audit.events(app_engine, a)][:2] == ["unarchive", "archive"]


@pytest.mark.parametrize("lang", LANGS)
def test_delete_needs_the_name_typed_again(make_app: MakeApp, app_engine: Engine, two: tuple[int, int],
                                           lang: str) -> None:
    a, b = two
    at = _settings(make_app, lang, a)
    assert at.button(key="life_delete").disabled
    assert any(d.label == t("workspace_life.delete.backup_first", lang) for d in at.get("download_button"))
    at.text_input(key=f"life_delete_name_{a}").input("Client B").run()
    assert at.button(key="life_delete").disabled
    at.text_input(key=f"life_delete_name_{a}").input("Client A").run()
    assert not at.button(key="life_delete").disabled
    at.button(key="life_delete").click().run()
    assert_clean(at)
    assert [w.id for w in list_workspaces(app_engine, archived=None)] == [b]
    assert at.session_state["ui_workspace_id"] is None and _switcher(at) == ["Client B"]


@pytest.mark.parametrize("lang", LANGS)
def test_restore_opens_the_restored_workspace_and_refreshes_the_switcher(
        make_app: MakeApp, app_engine: Engine, two: tuple[int, int], lang: str) -> None:
    a, b = two
    data = backup.backup_bytes(app_engine, a)
    at = _settings(make_app, lang, b)
    at.file_uploader(key="restore_file_0").set_value([("a.zip", data, "application/zip")]).run()
    assert_clean(at)
    at.button(key="restore_go").click().run()
    assert_clean(at)
    restored = get_workspace(app_engine, "Client A (2)")
    assert at.session_state["ui_workspace_id"] == restored.id
    assert "Client A (2)" in _switcher(at)
    assert at.sidebar.selectbox(key="sidebar_ws").value == restored.id
    assert [e.action for e in audit.events(app_engine, restored.id)][0] == "restore"


@pytest.mark.parametrize("lang", LANGS)
def test_a_file_that_is_not_a_backup_is_explained_in_the_users_language_and_restores_nothing(
        make_app: MakeApp, app_engine: Engine, two: tuple[int, int], lang: str) -> None:
    _, b = two
    at = _settings(make_app, lang, b)
    before = [w.id for w in list_workspaces(app_engine, archived=None)]
    at.file_uploader(key="restore_file_0").set_value([("notes.docx", b"PK\x03\x04 not a backup", "application/msword")]).run()
    assert_clean(at)
    shown = " ".join(e.value for e in at.error)
    assert shown and "Traceback" not in shown
    assert ("backup" in shown.lower()) if lang == "en" else ("備份" in shown)
    assert "restore_go" not in [button.key for button in at.button]
    assert [w.id for w in list_workspaces(app_engine, archived=None)] == before
