"""The Settings page's Members section (owners, shared mode): who may open the workspace with
which role, invite by e-mail, change a role, remove. Every change goes through
:mod:`core.members`, which writes it to the audit trail; a refused change (the last owner) says
why and puts the choice back. E-mail addresses are shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.access import ROLES
from core.errors import KgiError
from core.members import add_member, list_members, remove_member, set_role
from core.models import Membership, Workspace
from core.usertext import md_plain
from ui import access, state
from ui.widgets import tr


def _role_label(role: str) -> str:
    return access.role_name(role, state.lang())


def _refuse(exc: KgiError) -> None:
    st.session_state["ui_flash_error"] = exc.message(state.lang())


def _invite(ws_id: int) -> None:
    ss = st.session_state
    email, role = ss.get(f"mem_email_{ws_id}", ""), ss.get(f"mem_new_role_{ws_id}") or "viewer"
    try:
        row = add_member(state.engine(), ws_id, email, role)
    except KgiError as exc:
        _refuse(exc)
        return
    ss[f"mem_email_{ws_id}"] = ""
    ss["ui_flash"] = tr("members.section.invited_done", email=md_plain(row.email), role=_role_label(row.role))


def _change_role(ws_id: int, row_id: int, email: str, old: str) -> None:
    key = f"mem_role_{row_id}"
    try:
        row = set_role(state.engine(), ws_id, email, st.session_state[key])
    except KgiError as exc:
        st.session_state[key] = old
        _refuse(exc)
        return
    st.session_state["ui_flash"] = tr("members.section.role_done", email=md_plain(row.email),
                                      role=_role_label(row.role))


def _remove(ws_id: int, email: str) -> None:
    try:
        remove_member(state.engine(), ws_id, email)
    except KgiError as exc:
        _refuse(exc)
        return
    st.session_state["ui_flash"] = tr("members.section.removed_done", email=md_plain(email))


def _labels(lang: str) -> Callable[[str], str]:
    """The role names in ``lang`` (bound, not looked up: format functions may run outside a
    page run)."""
    return lambda role: access.role_name(role, lang)


def _member_row(ws_id: int, row: Membership, me: str) -> None:
    email_col, status_col, role_col, remove_col = st.columns([3, 2, 2, 1], vertical_alignment="center")
    email_col.text(tr("members.section.you", email=row.email) if row.email == me else row.email)
    status_col.caption(tr("members.section.joined" if row.joined_at else "members.section.invited"))
    key = f"mem_role_{row.id}"
    st.session_state[key] = row.role  # the stored role, whatever the widget last held
    role_col.selectbox(tr("members.section.change_role"), ROLES, key=key, format_func=_labels(state.lang()),
                       label_visibility="collapsed", on_change=_change_role,
                       args=(ws_id, row.id, row.email, row.role))
    remove_col.button(tr("members.section.remove"), key=f"mem_remove_{row.id}", on_click=_remove,
                      args=(ws_id, row.email), icon=":material/person_remove:", type="tertiary")


def _invite_form(ws_id: int) -> None:
    st.markdown(f"**{tr('members.section.invite_title')}**")
    email_col, role_col, button_col = st.columns([3, 2, 1], vertical_alignment="bottom")
    email_col.text_input(tr("members.section.invite_email"), key=f"mem_email_{ws_id}", max_chars=320,
                         placeholder="name@example.com")
    role_col.selectbox(tr("members.section.role"), ROLES, index=2, key=f"mem_new_role_{ws_id}",
                       format_func=_labels(state.lang()))
    button_col.button(tr("members.section.invite_button"), key=f"mem_invite_{ws_id}", on_click=_invite,
                      args=(ws_id,), icon=":material/person_add:", type="primary")


def members_section(ws: Workspace) -> None:
    st.subheader(tr("members.section.title"), anchor=False)
    st.markdown(tr("members.section.help"))
    st.caption(tr("members.role_help"))
    me = access.current_user()
    with st.container(border=True):
        for row in list_members(state.engine(), ws.id):
            _member_row(ws.id, row, me)
        _invite_form(ws.id)
