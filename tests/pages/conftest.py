"""AppTest fixtures for the pages: a temp database per test and an app driven through app.py.

Streamlit auto-discovers ``pages/`` on every AppTest run (``PagesManager.uses_pages_directory``
is reset per run). ``app.py`` gives its pages URL paths that differ from the file names, so the
auto-discovered pages never match and every run goes through ``app.py``, as in a real session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.db import get_engine

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 60


@pytest.fixture
def app_db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's database for this test (``KGI_DATABASE_URL``), with no cached engine left over."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("KGI_DATABASE_URL", url)
    st.cache_resource.clear()
    yield url
    st.cache_resource.clear()


@pytest.fixture
def app_engine(app_db_url: str) -> Engine:
    """The same migrated engine the app uses."""
    return get_engine(app_db_url)


@pytest.fixture
def make_app(app_db_url: str) -> Callable[..., AppTest]:
    """A fresh session of the app in ``lang``, on workspace ``ws_id`` if given, not yet run."""

    def make(lang: str = "en", ws_id: int | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.session_state["ui_lang"] = lang
        if ws_id is not None:
            at.session_state["ui_workspace_id"] = ws_id
        return at

    return make


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file a page handed to Streamlit (download buttons), by media file id.

    AppTest gives each run its own in-memory media storage and drops it afterwards; this keeps
    a copy so a test can open what the user would download.
    """
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202
        file_id = original(self, path_or_data, mimetype, kind, filename)
        files[file_id] = self._files_by_id[file_id].content
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return files
