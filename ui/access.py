"""Who is using the app and from where: local mode versus shared mode.

Local mode (the default) is one person on their own computer: no sign-in, served only to this
computer. Shared mode turns on when ``[auth]`` is configured in Streamlit secrets; there the
signed-in user's e-mail identifies them, and their role in each workspace (owner, editor,
viewer, client — :mod:`core.access`) decides which workspaces they see and what each page lets
them do. Every check asks :func:`allowed`; in local mode the one person is the owner.

``.streamlit/config.toml`` binds the server to 127.0.0.1 and ``./dev app`` passes the same
address, but ``streamlit run`` from another folder reads neither, so :func:`admitted` also
refuses any visitor who is not on this computer while shared mode is off, and shared mode
refuses any visitor who has not signed in.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st

from core import audit, members
from core.access import best_role, can
from core.errors import KgiError
from core.i18n import t
from core.members import normalize_email
from core.usertext import md_plain

log = logging.getLogger(__name__)

LOCAL_USER = "local"
SIGNED_IN_KEY = "access_signed_in"  # the e-mail whose sign-in this session recorded


def shared_mode() -> bool:
    """True when sign-in is configured (``[auth]`` in Streamlit secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local mode
        return False


def client_ip() -> str | None:
    """The visitor's address; Streamlit gives ``None`` for a visitor on localhost (and AppTest)."""
    try:
        address = st.context.ip_address
    except Exception:
        return None
    return address if isinstance(address, str) else None  # AppTest's stand-in context


def is_loopback(address: str | None) -> bool:
    """``None`` counts as this computer: Streamlit reports localhost visitors so."""
    if address is None:
        return True
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return address == "localhost"

def admitted(lang: str) -> bool:
    """Whether this visitor may see anything at all; when not, says why (and offers sign-in).

    Local mode: only a visitor on this computer. Shared mode: only a signed-in visitor whose
    sign-in carries an e-mail; their first sign-in in this session is recorded
    (:func:`core.members.sign_in`: invitations become memberships, a fresh database is claimed).
    """
    if shared_mode():
        if not _signed_in():
            st.title("KGI Planner")
            st.info(t("workspace_life.access.sign_in_needed", lang), icon=":material/lock:")
            if st.button(t("workspace_life.access.sign_in", lang), type="primary", icon=":material/login:"):
                st.login()
            return False
        email = signed_in_email()
        if email is None:
            st.error(t("members.access.no_email", lang), icon=":material/error:")
            sign_out_button(lang)
            return False
        try:
            _record_sign_in(email)
        except KgiError as exc:  # the database is unreachable: say so, serve nothing
            st.error(exc.message(lang), icon=":material/error:")
            return False
        return True
    if is_loopback(client_ip()):
        return True
    log.warning("refused a visitor from %s: local mode serves this computer only", client_ip())
    st.error(t("workspace_life.access.local_only", lang), icon=":material/block:")
    return False


def _signed_in() -> bool:
    return bool(_user_source().get("is_logged_in"))


def _user_source() -> Mapping[str, Any]:
    """What the sign-in says about this visitor (Streamlit's ``st.user``)."""
    try:
        return st.user.to_dict()
    except Exception:  # outside a page run
        return {}


def signed_in_email() -> str | None:
    """The signed-in visitor's e-mail (lower-cased), or ``None``: not signed in, no e-mail in
    the sign-in, or one the provider says it has not verified."""
    user = _user_source()
    if not user.get("is_logged_in") or user.get("email_verified") is False:
        return None
    try:
        return normalize_email(str(user.get("email") or ""))
    except KgiError:
        return None


def _record_sign_in(email: str) -> None:
    if st.session_state.get(SIGNED_IN_KEY) == email:
        return
    from ui import state

    members.sign_in(state.engine(), email)
    st.session_state[SIGNED_IN_KEY] = email


def current_user() -> str:
    """Who is acting: ``"local"`` in local mode, the signed-in e-mail in shared mode."""
    if not shared_mode():
        return LOCAL_USER
    return signed_in_email() or "anonymous"


# -- roles -----------------------------------------------------------------------------------

# What a role must be allowed (core.access) to see a page; None: everyone who is admitted.
PAGE_ACTIONS: dict[str, str | None] = {
    "workspace": None,
    "kgi": "edit_plan",
    "kpis": "edit_plan",
    "plan": "view_plan",
    "upload": "upload",
    "dashboard": "view_dashboard",
    "review": "view_review",
    "optimise": "view_plan",
    "settings": None,
}


def role(workspace_id: int | None) -> str | None:
    """This visitor's role in the workspace: the owner in local mode, else their membership."""
    if workspace_id is None:
        return None
    if not shared_mode():
        return "owner"
    email = signed_in_email()
    if email is None:
        return None
    from ui import state

    return members.role_of(state.engine(), int(workspace_id), email)


def roles() -> dict[int, str] | None:
    """Every workspace this visitor belongs to with the role there; ``None`` in local mode
    (the one person may open every workspace)."""
    if not shared_mode():
        return None
    email = signed_in_email()
    if email is None:
        return {}
    from ui import state

    return members.roles_of(state.engine(), email)


def may_open(workspace_id: int) -> bool:
    mine = roles()
    return mine is None or int(workspace_id) in mine


def allowed(action: str, workspace_id: int | None = None) -> bool:
    """Whether this visitor may do ``action`` in the workspace (default: the current one)."""
    if workspace_id is None:
        from ui import state

        workspace_id = state.workspace_id()
    return can(role(workspace_id), action)


def page_role() -> str | None:
    """The role that decides which pages are listed: the one in the current workspace, else
    the best one this visitor has anywhere (so the page list fits before a workspace is open)."""
    from ui import state

    current = state.workspace_id()
    if current is not None:
        return role(current)
    mine = roles()
    if mine is None:
        return "owner"
    best = best_role(list(mine.values()))
    # The first person on a fresh database owns what they will create: show them every page.
    return best if best is not None or not may_create_workspaces() else "owner"


def page_allowed(name: str) -> bool:
    """Whether the page ``name`` is served to this visitor (and so may be linked to)."""
    action = PAGE_ACTIONS[name]
    return action is None or can(page_role(), action)


def may_create_workspaces() -> bool:
    """Local mode: always. Shared mode: the first person who signed in, and every owner."""
    if not shared_mode():
        return True
    email = signed_in_email()
    if email is None:
        return False
    from ui import state

    return members.may_create_workspaces(state.engine(), email)


def grant_creator(workspace_id: int) -> None:
    """In shared mode, whoever created or restored a workspace owns it."""
    email = signed_in_email() if shared_mode() else None
    if email is None:
        return
    from ui import state

    members.grant_creator(state.engine(), workspace_id, email)


def role_name(value: str | None, lang: str) -> str:
    return t(f"members.role.{value}", lang) if value else "—"


def sign_out_button(lang: str, *, key: str = "access_sign_out") -> None:
    if st.button(t("members.access.sign_out", lang), key=key, icon=":material/logout:"):
        st.session_state.pop(SIGNED_IN_KEY, None)
        st.logout()  # the browser goes to the provider's sign-out and back, signed out
        st.stop()  # draw nothing more for the signed-out visitor (a rerun would drop the redirect)


def account_box(lang: str) -> None:
    """Shared mode, in the sidebar: who is signed in, their role here, and Sign out."""
    if not shared_mode():
        return
    email = signed_in_email()
    if email is None:
        return
    from ui import state

    st.caption(t("members.access.signed_in_as", lang, email=md_plain(email)))
    if state.workspace_id() is not None:
        st.caption(t("members.access.role_here", lang, role=role_name(role(state.workspace_id()), lang)))
    sign_out_button(lang, key="sidebar_sign_out")


# Events in the audit trail name whoever this session's visitor is (set once per process).
audit.set_actor_provider(current_user)
