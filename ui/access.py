"""Who is using the app and from where: local mode versus shared mode.

Local mode (the default) is one person on their own computer: no sign-in, served only to this
computer. Shared mode turns on when ``[auth]`` is configured in Streamlit secrets; there the
signed-in user's e-mail identifies them.

``.streamlit/config.toml`` binds the server to 127.0.0.1 and ``./dev app`` passes the same
address, but ``streamlit run`` from another folder reads neither, so :func:`admitted` also
refuses any visitor who is not on this computer while shared mode is off, and shared mode
refuses any visitor who has not signed in.
"""

from __future__ import annotations

import ipaddress
import logging

import streamlit as st

from core import audit
from core.i18n import t

log = logging.getLogger(__name__)

LOCAL_USER = "local"


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

    Local mode: only a visitor on this computer. Shared mode: only a signed-in visitor.
    """
    if shared_mode():
        if _signed_in():
            return True
        st.title("KGI Planner")
        st.info(t("workspace_life.access.sign_in_needed", lang), icon=":material/lock:")
        if st.button(t("workspace_life.access.sign_in", lang), type="primary", icon=":material/login:"):
            st.login()
        return False
    if is_loopback(client_ip()):
        return True
    log.warning("refused a visitor from %s: local mode serves this computer only", client_ip())
    st.error(t("workspace_life.access.local_only", lang), icon=":material/block:")
    return False


def _signed_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False


def current_user() -> str:
    """Who is acting: ``"local"`` in local mode, the signed-in e-mail in shared mode."""
    if not shared_mode():
        return LOCAL_USER
    try:
        email = st.user.get("email") if st.user.is_logged_in else None
    except Exception:
        email = None
    return str(email or "").strip().lower() or "anonymous"


# Events in the audit trail name whoever this session's visitor is (set once per process).
audit.set_actor_provider(current_user)
