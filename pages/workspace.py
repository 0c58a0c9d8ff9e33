"""Step 1: create or pick the workspace (one brand, or one client of an agency)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.catalog import BUSINESS_TYPES
from core.errors import KgiError
from core.formatting import format_day, format_month
from core.i18n import LANGUAGES
from core.models import Workspace
from core.templates import business_type
from core.usertext import md_plain
from core.workspaces import CURRENCIES, create_workspace, default_period_start
from ui import access, state, workspace_life
from ui.widgets import (
    LANGUAGE_NAMES,
    demo_button,
    keep_choices,
    next_step,
    page_header,
    show_error,
    tr,
)

lang = state.lang()
page_header("ui.workspace.title", "ui.workspace.subtitle", step=1)


def _type_label(key: str) -> str:
    # The language is bound here, not looked up: format functions may run outside a page run.
    return business_type(key).name(lang)


def _use(ws_id: int) -> None:
    state.set_workspace(ws_id)


def _workspace_card(ws: Workspace, current: int | None) -> None:
    with st.container(border=True):
        st.markdown(f"**{md_plain(ws.name)}**")
        st.caption(
            tr(
                "ui.workspace.card_meta",
                type=_type_label(ws.business_type),
                currency=ws.currency,
                start=format_month(ws.period_start, lang),
                months=ws.period_months,
            )
        )
        if ws.id == current:
            st.badge(tr("ui.workspace.current"), icon=":material/check:", color="green")
        else:
            st.button(
                tr("ui.workspace.use"), key=f"use_ws_{ws.id}", on_click=_use, args=(ws.id,),
                icon=":material/login:",
            )


def _list_workspaces(spaces: list[Workspace]) -> None:
    st.subheader(tr("ui.workspace.yours"), anchor=False)
    current = state.workspace_id()
    columns = st.columns(3)
    for i, ws in enumerate(spaces):
        with columns[i % 3]:
            _workspace_card(ws, current)


def _create() -> None:
    """Create from the form's values; errors stay on screen, the typed values stay too."""
    ss = st.session_state
    try:
        ws = create_workspace(
            state.engine(),
            ss.get("ws_new_name", ""),
            ss.get("ws_new_type") or "",
            currency=ss.get("ws_new_currency") or "TWD",
            language=ss.get("ws_new_language") or lang,
            period_start=ss.get("ws_new_start"),
            period_months=int(ss.get("ws_new_months") or 12),
        )
    except KgiError as exc:
        ss["ws_create_error"] = exc
        return
    access.grant_creator(ws.id)
    state.set_workspace(ws.id)
    for key in ("ws_new_name",):
        ss.pop(key, None)
    ss["ui_flash"] = tr("ui.workspace.created", name=md_plain(ws.name))
    ss["ws_created"] = True


def _create_form(first: bool) -> None:
    keep_choices("ws_new_type", "ws_new_currency", "ws_new_language")
    if first:
        st.subheader(tr("ui.workspace.create"), anchor=False)
    ss = st.session_state
    ss.setdefault("ws_new_language", lang)
    suggested = default_period_start(date.today())
    ss.setdefault("ws_new_start", suggested)
    with st.container(border=True):
        left, right = st.columns([1, 1], gap="large")
        with left:
            st.text_input(
                tr("ui.workspace.name"), key="ws_new_name", placeholder=tr("ui.workspace.name_placeholder"),
                max_chars=200,
            )
            c1, c2 = st.columns(2)
            c1.selectbox(tr("ui.workspace.currency"), CURRENCIES, key="ws_new_currency",
                         help=tr("ui.workspace.currency_help"))
            c2.selectbox(tr("ui.workspace.language"), list(LANGUAGES), key="ws_new_language",
                         format_func=LANGUAGE_NAMES.get, help=tr("ui.workspace.language_help"))
            c3, c4 = st.columns(2)
            c3.date_input(tr("ui.workspace.start"), key="ws_new_start", help=tr("ui.workspace.start_help"))
            if suggested.year > date.today().year and ss.get("ws_new_start") == suggested:
                st.caption(tr("ui.workspace.start_next", start=format_day(suggested, lang)))
            c4.number_input(tr("ui.workspace.months"), min_value=1, max_value=36, value=12, step=1,
                            key="ws_new_months")
        with right:
            st.radio(
                tr("ui.workspace.type"),
                BUSINESS_TYPES,
                index=None,
                key="ws_new_type",
                format_func=_type_label,
                captions=[business_type(b).description(lang) for b in BUSINESS_TYPES],
                help=tr("ui.workspace.type_help"),
            )
        error = ss.pop("ws_create_error", None)
        if error is not None:
            show_error(error)
        with st.container(horizontal=True, horizontal_alignment="right"):
            st.button(
                tr("ui.workspace.create_button"), key="ws_create", on_click=_create,
                type="primary" if first else "secondary", icon=":material/add:",
            )


spaces = state.workspaces()
if st.session_state.pop("ws_created", False):
    st.switch_page("pages/kgi.py")

may_create = access.may_create_workspaces()
if not spaces and not may_create:  # shared mode: signed in, but nothing shared with them yet
    st.info(tr("members.access.no_workspaces", email=md_plain(access.current_user())), icon=":material/group_off:")
elif not spaces:
    with st.container(border=True):
        st.markdown(f":material/waving_hand: {tr('ui.workspace.welcome')}")
        demo_button("demo_workspace_empty")
    _create_form(first=True)
    workspace_life.archived_list()
else:
    _list_workspaces(spaces)
    if may_create:
        with st.expander(tr("ui.workspace.create_another"), icon=":material/add:"):
            _create_form(first=False)
        demo_button("demo_workspace")
    workspace_life.archived_list()
    if state.workspace_id() is not None and access.allowed("edit_plan"):
        next_step(tr("ui.workspace.next"), "kgi", key="ws_next")
