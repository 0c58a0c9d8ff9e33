"""Session state shared by every page: the database engine, the UI language and the current
workspace.

The language and the workspace belong to the browser session and are mirrored in the URL
(``?lang=en&ws=3``) so a reload keeps them. The last workspace used is remembered per user
(``"local"`` in local mode, the signed-in e-mail in shared mode), never once for everyone, so a
restart opens it again for the same person and a fresh visitor opens none.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from core.db import database_url, get_engine
from core.errors import KgiError
from core.i18n import LANGUAGES, normalize_language, t
from core.models import Workspace
from core.usertext import md_plain
from core.workspaces import get_workspace, list_workspaces
from ui import access
from ui.access import current_user

log = logging.getLogger(__name__)

LANG_KEY = "ui_lang"
WS_KEY = "ui_workspace_id"
LAST_WS_DRAFT = "ui.last_workspace:"  # + a digest of the user, so each person has their own


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> Engine:
    return get_engine(url)


def engine() -> Engine:
    """The migrated engine for ``KGI_DATABASE_URL`` (or the default SQLite file), one per URL."""
    return _engine_for(database_url())


# -- language -----------------------------------------------------------------------------


def init_language() -> str:
    """Pick the UI language once per session: the URL's ``lang``, else the browser's locale."""
    if LANG_KEY not in st.session_state:
        from_url = st.query_params.get("lang")
        chosen = from_url if from_url in LANGUAGES else normalize_language(_browser_locale())
        st.session_state[LANG_KEY] = chosen
    return st.session_state[LANG_KEY]


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except Exception:  # no browser behind this session (AppTest, bare mode)
        return None


def lang() -> str:
    """The current UI language (``"zh-TW"`` or ``"en"``)."""
    return st.session_state.get(LANG_KEY) or init_language()


def set_lang(value: str) -> None:
    if value in LANGUAGES:
        st.session_state[LANG_KEY] = value


# -- workspace ----------------------------------------------------------------------------


def workspaces() -> list[Workspace]:
    """The workspaces this visitor may open (in shared mode: those they are a member of)."""
    mine = access.roles()
    spaces = list_workspaces(engine())
    return spaces if mine is None else [ws for ws in spaces if ws.id in mine]


def init_workspace() -> int | None:
    """Pick the workspace once per session: the URL's ``ws``, else the one used last."""
    if WS_KEY not in st.session_state:
        st.session_state[WS_KEY] = _initial_workspace_id()
    current = st.session_state[WS_KEY]
    if current is not None and not _exists(current):
        st.session_state[WS_KEY] = None
    return st.session_state[WS_KEY]


def _initial_workspace_id() -> int | None:
    raw = st.query_params.get("ws")
    if raw and str(raw).isdigit():
        if _exists(int(raw)):
            return int(raw)
        if access.shared_mode():  # not theirs (or gone): say so, without naming anything
            st.session_state["ui_flash_error"] = t(
                "members.access.no_access", lang(), id=int(raw), email=md_plain(access.current_user()))
    remembered = _load_last_workspace()
    if remembered is not None and _exists(remembered):
        return remembered
    return None


def _exists(workspace_id: int) -> bool:
    """The workspace is there, not archived (an archived one is opened only by unarchiving),
    and this visitor may open it."""
    if not access.may_open(int(workspace_id)):
        return False
    try:
        return not get_workspace(engine(), int(workspace_id)).archived
    except KgiError:
        return False


def workspace_id() -> int | None:
    return st.session_state.get(WS_KEY)


def current_workspace() -> Workspace | None:
    """The workspace the user is working on, or ``None`` when none is chosen yet."""
    ws_id = workspace_id()
    if ws_id is None:
        return None
    if not access.may_open(ws_id):  # removed from it during this session
        st.session_state[WS_KEY] = None
        return None
    try:
        return get_workspace(engine(), ws_id)
    except KgiError:
        st.session_state[WS_KEY] = None
        return None


def set_workspace(ws_id: int | None) -> None:
    """Make ``ws_id`` current (and remember it for the next start)."""
    st.session_state[WS_KEY] = ws_id
    if ws_id is not None:
        _save_last_workspace(ws_id)


def _last_ws_key() -> str:
    """The draft key of this user's last workspace (an e-mail can be longer than a key)."""
    return LAST_WS_DRAFT + hashlib.sha256(current_user().encode()).hexdigest()[:32]


def _load_last_workspace() -> int | None:
    try:
        from core.plans import load_draft
    except ImportError:
        return None
    try:
        payload = load_draft(engine(), 0, _last_ws_key()) or {}
    except Exception:  # a remembered choice is a convenience, never a reason to fail
        log.warning("could not read the last workspace", exc_info=True)
        return None
    value = payload.get("id")
    return int(value) if isinstance(value, int) else None


def _save_last_workspace(ws_id: int) -> None:
    try:
        from core.plans import save_draft
    except ImportError:
        return
    try:
        save_draft(engine(), 0, _last_ws_key(), {"id": int(ws_id)})
    except Exception:
        log.warning("could not remember the last workspace", exc_info=True)


def sync_url() -> None:
    """Mirror the language and workspace in the URL, so a reload lands on the same view."""
    wanted: dict[str, Any] = {"lang": lang()}
    ws_id = workspace_id()
    if ws_id is not None:
        wanted["ws"] = str(ws_id)
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    if ws_id is None and "ws" in st.query_params:
        del st.query_params["ws"]
