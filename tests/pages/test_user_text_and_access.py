"""AppTest: hostile file and workspace names show as plain text on every page; local mode
serves only this computer; shared mode serves nothing before sign-in; the last workspace is
remembered per user, never once for everyone."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import streamlit as st
from apptest_helpers import assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.plans import load_draft
from core.store import import_file
from core.workspaces import create_workspace

MakeApp = Callable[..., AppTest]
LANGS = ("zh-TW", "en")
HOSTILE_WS = "Client ![x](http://evil.example/p.png) <b>A</b> :red[!]"
HOSTILE_FILE = "[click](http://evil.example) ![t](http://evil.example/t.png) <i>x</i>.csv"
SHEET = b"Date,Sessions,Orders\n2024-01-01,100,3\n2024-01-02,120,4\n"
# A link or an image, HTML tag or Streamlit directive that Markdown would act on.
LIVE_SYNTAX = re.compile(r"(?<!\\)\]\(|(?<!\\)<[a-z/]|(?<!\\):red")


def _elements(at: AppTest) -> list[str]:
    values: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        values.extend(str(e.value) for e in getattr(at, kind))
    values.extend(str(b.help or "") for b in at.button)
    return values


def _no_live_syntax(at: AppTest) -> None:
    for value in _elements(at):
        if "evil" in value:
            assert not LIVE_SYNTAX.search(value), value


@pytest.fixture
def hostile(app_engine: Engine) -> int:
    ws_id = create_workspace(app_engine, HOSTILE_WS, "ecommerce").id
    import_file(app_engine, ws_id, SHEET, HOSTILE_FILE)
    return ws_id


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_names_are_plain_text_everywhere(make_app: MakeApp, hostile: int, lang: str) -> None:
    at = make_app(lang, hostile).run()
    assert_clean(at)
    assert not at.error
    for page in ("workspace", "upload", "settings", "dashboard", "kpis"):
        at.switch_page(f"pages/{page}.py").run()
        assert_clean(at)
        _no_live_syntax(at)
    at.switch_page("pages/upload.py").run()
    # The import history shows the file name exactly, as text.
    assert HOSTILE_FILE in [str(e.value) for e in at.text]
    at.button(key=next(b.key for b in at.button if str(b.key).startswith("upl_undo_"))).click().run()
    assert any("evil" in w for w in (str(e.value) for e in at.warning))
    _no_live_syntax(at)
    at.switch_page("pages/workspace.py").run()
    assert HOSTILE_WS in page_text(at).replace("\\", "")


def test_local_mode_refuses_a_visitor_from_another_computer(make_app: MakeApp, hostile: int,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.access.client_ip", lambda: "192.168.1.20")
    at = make_app("en").run()
    assert [e.value for e in at.error] == [t("workspace_life.access.local_only", "en")]
    assert "Client" not in page_text(at) and not at.sidebar.selectbox


def test_local_mode_serves_this_computer(make_app: MakeApp, hostile: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ui.access.client_ip", lambda: "127.0.0.1")
    at = make_app("en", hostile).run()
    assert_clean(at)
    assert not at.error and at.sidebar.selectbox(key="sidebar_ws").value == hostile


@pytest.mark.parametrize("lang", LANGS)
def test_shared_mode_serves_nothing_before_sign_in(make_app: MakeApp, hostile: int, lang: str) -> None:
    at = make_app(lang, hostile)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32,
                          "client_id": "kgi", "client_secret": "secret",
                          "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}
    at.run()
    assert [e.value for e in at.info] == [t("workspace_life.access.sign_in_needed", lang)]
    assert [b.label for b in at.button] == [t("workspace_life.access.sign_in", lang)]
    assert not at.sidebar.selectbox and "Client" not in page_text(at)


def test_the_last_workspace_is_remembered_per_user(make_app: MakeApp, app_engine: Engine, hostile: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    at = make_app("en").run()
    at.sidebar.selectbox(key="sidebar_ws").set_value(hostile).run()
    assert_clean(at)
    # Nothing is stored under the one key every visitor used to share.
    assert load_draft(app_engine, 0, "ui.last_workspace") is None
    st.cache_resource.clear()
    assert make_app("en").run().session_state["ui_workspace_id"] == hostile
    # Another person (shared mode's signed-in e-mail) does not open this one.
    monkeypatch.setattr("ui.state.current_user", lambda: "someone.else@example.com")
    st.cache_resource.clear()
    assert make_app("en").run().session_state["ui_workspace_id"] is None


@pytest.mark.parametrize("lang", LANGS)
def test_a_hostile_file_name_uploaded_shows_as_text(make_app: MakeApp, app_engine: Engine, lang: str) -> None:
    ws_id = create_workspace(app_engine, "Tea", "ecommerce").id
    at = make_app(lang, ws_id).run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upl_files").set_value([(HOSTILE_FILE, SHEET, "text/csv")]).run()
    assert_clean(at)
    at.button(key="upl_import").click().run()
    assert_clean(at)
    assert any("evil" in str(e.value) for e in at.success)
    _no_live_syntax(at)
