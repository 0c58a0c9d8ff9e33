"""The Settings page's workspace life sections (archive, delete, the audit trail) and the
Workspace page's list of archived workspaces.

Every workspace, file and person name is shown as plain text (``md_plain`` in Markdown, plain
cells in tables). A change that alters the workspace list ends with ``st.rerun()``, so the
sidebar's switcher, drawn before the page, shows the new list at once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import audit, backup
from core.errors import KgiError
from core.formatting import format_local_time
from core.i18n import t
from core.models import Workspace
from core.usertext import md_plain
from core.workspace_life import (
    archive_workspace,
    delete_workspace,
    names_match,
    unarchive_workspace,
)
from core.workspaces import list_workspaces
from ui import access, state
from ui.widgets import show_error, tr

TRAIL_SHOWN = 200


def _leave(message: str) -> None:
    """Close the current workspace, say what happened, and redraw everything (the sidebar too)."""
    state.set_workspace(None)
    st.session_state["ui_flash"] = message
    st.rerun()


def archive_section(ws: Workspace) -> None:
    st.subheader(tr("workspace_life.archive.title"), anchor=False)
    st.markdown(tr("workspace_life.archive.help"))
    if st.button(tr("workspace_life.archive.button"), key="life_archive", icon=":material/archive:"):
        try:
            archive_workspace(state.engine(), ws.id)
        except KgiError as exc:
            show_error(exc)
            return
        _leave(tr("workspace_life.archive.done", name=md_plain(ws.name)))


def backup_button(ws: Workspace, label: str, *, key: str) -> None:
    """The workspace's full backup as a download, built only when clicked."""
    st.download_button(
        label,
        data=lambda: backup.backup_bytes(state.engine(), ws.id),
        file_name=backup.backup_file_name(ws.name),
        mime="application/zip",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def delete_section(ws: Workspace) -> None:
    """Delete: a backup offered first, then the name typed again, then one click."""
    with st.expander(tr("workspace_life.delete.title"), icon=":material/delete_forever:"):
        st.warning(tr("workspace_life.delete.warning", name=md_plain(ws.name)), icon=":material/warning:")
        backup_button(ws, tr("workspace_life.delete.backup_first"), key="life_delete_backup")
        typed = st.text_input(tr("workspace_life.delete.type_name", name=md_plain(ws.name)),
                              key=f"life_delete_name_{ws.id}", max_chars=220)
        ready = names_match(typed, ws.name)
        if st.button(tr("workspace_life.delete.button"), key="life_delete", type="primary",
                     icon=":material/delete_forever:", disabled=not ready):
            try:
                name = delete_workspace(state.engine(), ws.id, typed)
            except KgiError as exc:
                show_error(exc)
                return
            st.session_state.pop(f"life_delete_name_{ws.id}", None)
            _leave(tr("workspace_life.delete.done", name=md_plain(name)))


def action_label(action: str, lang: str) -> str:
    return t(f"workspace_life.action.{action}", lang)


def trail_frame(ws_id: int, lang: str) -> pd.DataFrame:
    """The workspace's audit trail as a table: when, who, what, on what (newest first)."""
    rows = [
        {
            t("workspace_life.trail.when", lang): format_local_time(e.created_at) if e.created_at else "",
            t("workspace_life.trail.who", lang): e.actor,
            t("workspace_life.trail.what", lang): action_label(e.action, lang),
            t("workspace_life.trail.subject", lang): e.subject,
        }
        for e in audit.events(state.engine(), ws_id, limit=TRAIL_SHOWN)
    ]
    return pd.DataFrame(rows)


def trail_section(ws: Workspace) -> None:
    lang = state.lang()
    st.subheader(tr("workspace_life.trail.title"), anchor=False)
    frame = trail_frame(ws.id, lang)
    if frame.empty:
        st.caption(tr("workspace_life.trail.empty"))
        return
    st.caption(tr("workspace_life.trail.help", shown=TRAIL_SHOWN))
    # Every cell is plain text: a file name like "[x](http://…)" stays those characters.
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={c: st.column_config.TextColumn(c) for c in frame.columns})


def _unarchive(ws_id: int, name: str) -> None:
    try:
        unarchive_workspace(state.engine(), ws_id)
    except KgiError as exc:
        st.session_state["ui_flash_error"] = exc.message(state.lang())
        return
    state.set_workspace(ws_id)
    st.session_state["ui_flash"] = tr("workspace_life.unarchive.done", name=md_plain(name))


def archived_list() -> None:
    """The archived workspaces, each with Unarchive (which also opens it)."""
    archived = [ws for ws in list_workspaces(state.engine(), archived=True) if access.allowed("archive", ws.id)]
    if not archived:
        return
    with st.expander(tr("workspace_life.archived.title", count=len(archived)), icon=":material/inventory_2:"):
        for ws in archived:
            name_col, button_col = st.columns([4, 1], vertical_alignment="center")
            name_col.text(ws.name)
            button_col.button(tr("workspace_life.unarchive.button"), key=f"life_unarchive_{ws.id}",
                              on_click=_unarchive, args=(ws.id, ws.name), icon=":material/unarchive:")
