"""Settings: the UI language, the workspace's details and the status thresholds, the e-mail
digest and alerts, its backup, history, members, archive, delete and restore — each for the
roles that may use it."""

from __future__ import annotations

import streamlit as st

from core import backup
from core.errors import KgiError
from core.formatting import format_local_time
from core.i18n import LANGUAGES
from core.models import Workspace
from core.pacing import Thresholds
from core.usertext import md_plain
from core.workspaces import CURRENCIES, update_settings, update_workspace
from ui import access, digest, state, workspace_life
from ui.members import members_section
from ui.upload import uploader_css
from ui.widgets import (
    LANGUAGE_NAMES,
    language_switch,
    page_header,
    require_workspace,
    show_error,
    tr,
)

page_header("ui.settings.title", "ui.settings.subtitle")

st.subheader(tr("ui.settings.language"), anchor=False)
language_switch("settings_lang", label_visibility="collapsed")
st.caption(tr("ui.settings.language_help"))



def _restore_section() -> None:
    """Restore a workspace from a backup file: check it, say what it holds, then restore."""
    st.subheader(tr("ui.backup.restore_title"), anchor=False)
    # No ``type=``: Streamlit would refuse another file with an English hover only; a file that
    # is not a backup is explained below in the user's language. Its dropzone words are ours.
    st.html(uploader_css(tr("ui.upload.dropzone"), tr("ui.upload.browse")))
    upload = st.file_uploader(tr("ui.backup.restore_pick"),
                              key=f"restore_file_{st.session_state.get('restore_round', 0)}",
                              help=tr("ui.backup.restore_help"))
    if upload is None:
        return
    data = upload.getvalue()
    try:
        info = backup.read_backup_info(data)
    except KgiError as exc:
        show_error(exc)
        return
    st.info(tr("ui.backup.restore_info", name=md_plain(info.workspace_name),
               created=format_local_time(info.created_at),
               rows=f"{info.rows.get('observation', 0):,}"), icon=":material/inventory_2:")
    suggested = backup.suggest_name(state.engine(), info.workspace_name)
    new_name = st.text_input(tr("ui.backup.restore_name"), value=suggested, key=f"restore_name_{upload.file_id}")
    if st.button(tr("ui.backup.restore_button"), key="restore_go", icon=":material/restore:"):
        bar = st.progress(0.0)
        try:
            restored = backup.restore_bytes(state.engine(), data, new_name=new_name,
                                            on_progress=lambda f: bar.progress(min(1.0, f)))
        except KgiError as exc:
            show_error(exc)
            return
        # Open it and redraw everything, so the sidebar's switcher lists it and shows it chosen.
        access.grant_creator(restored.id)
        state.set_workspace(restored.id)
        st.session_state["ui_flash"] = tr("workspace_life.restored_open", name=md_plain(restored.name))
        st.session_state["restore_round"] = st.session_state.get("restore_round", 0) + 1
        st.rerun()


ws = require_workspace("ui.empty.settings_no_workspace")
if ws is None:
    if access.may_create_workspaces():
        _restore_section()
    st.stop()


def _load(workspace: Workspace) -> None:
    """Fill the fields from the database when this workspace is first shown in the session."""
    ss = st.session_state
    if ss.get("set_loaded_for") == workspace.id and "set_name" in ss:
        return
    limits = Thresholds.from_settings(workspace.settings)
    ss.update(
        set_loaded_for=workspace.id,
        set_name=workspace.name,
        set_currency=workspace.currency,
        set_language=workspace.language,
        set_start=workspace.period_start,
        set_months=workspace.period_months,
        set_on_track=round(limits.on_track * 100),
        set_at_risk=round(limits.at_risk * 100),
        set_min_elapsed=round(limits.min_elapsed_fraction * 100),
        set_min_days=limits.min_days,
    )


def _save(workspace_id: int) -> bool:
    ss = st.session_state
    try:
        limits = Thresholds(
            on_track=ss.set_on_track / 100,
            at_risk=ss.set_at_risk / 100,
            min_elapsed_fraction=ss.set_min_elapsed / 100,
            min_days=int(ss.set_min_days),
        )
    except ValueError:
        st.error(tr("ui.settings.bad_thresholds"), icon=":material/error:")
        return False
    try:
        update_workspace(
            state.engine(), workspace_id, name=ss.set_name, currency=ss.set_currency,
            language=ss.set_language, period_start=ss.set_start, period_months=int(ss.set_months),
        )
        update_settings(
            state.engine(), workspace_id, on_track=limits.on_track, at_risk=limits.at_risk,
            min_elapsed_fraction=limits.min_elapsed_fraction, min_days=limits.min_days,
        )
    except KgiError as exc:
        show_error(exc)
        return False
    st.toast(tr("ui.settings.saved"), icon=":material/check_circle:")
    return True


def _details_section(workspace: Workspace) -> None:
    """The workspace's details and status thresholds, and Save (owners only)."""
    _load(workspace)
    st.subheader(tr("ui.settings.workspace", name=md_plain(workspace.name)), anchor=False)
    with st.container(border=True):
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.text_input(tr("ui.workspace.name"), key="set_name", max_chars=200)
        c2.selectbox(tr("ui.workspace.currency"), CURRENCIES, key="set_currency")
        c3.selectbox(tr("ui.settings.export_language"), list(LANGUAGES), key="set_language",
                     format_func=LANGUAGE_NAMES.get, help=tr("ui.workspace.language_help"))
        c4, c5, _ = st.columns([1, 1, 2])
        c4.date_input(tr("ui.workspace.start"), key="set_start")
        c5.number_input(tr("ui.workspace.months"), min_value=1, max_value=36, step=1, key="set_months")

    st.subheader(tr("ui.settings.thresholds"), anchor=False)
    st.markdown(tr("ui.settings.thresholds_help"))
    with st.container(border=True):
        c1, c2 = st.columns(2)
        c1.number_input(tr("ui.settings.on_track"), min_value=1, max_value=200, step=1, key="set_on_track",
                        help=tr("ui.settings.on_track_help"))
        c2.number_input(tr("ui.settings.at_risk"), min_value=1, max_value=200, step=1, key="set_at_risk",
                        help=tr("ui.settings.at_risk_help"))
        c3, c4 = st.columns(2)
        c3.number_input(tr("ui.settings.min_elapsed"), min_value=0, max_value=99, step=1,
                        key="set_min_elapsed", help=tr("ui.settings.min_elapsed_help"))
        c4.number_input(tr("ui.settings.min_days"), min_value=0, max_value=365, step=1, key="set_min_days",
                        help=tr("ui.settings.min_days_help"))
        st.caption(
            tr(
                "ui.settings.bands_preview",
                on_track=st.session_state.set_on_track,
                at_risk=st.session_state.set_at_risk,
            )
        )

    with st.container(horizontal=True, horizontal_alignment="right"):
        if st.button(tr("ui.settings.save"), key="set_save", type="primary", icon=":material/save:"):
            _save(workspace.id)


def _backup_section(workspace: Workspace) -> None:
    st.subheader(tr("ui.backup.title"), anchor=False)
    st.markdown(tr("ui.backup.help"))
    workspace_life.backup_button(workspace, tr("ui.backup.download"), key="backup_download")


# Each section is drawn only for a role that may use it (core.access): a client sees the
# language alone, a viewer also the history, an owner everything.
if access.allowed("edit_settings", ws.id):
    _details_section(ws)
    digest.digest_section(ws)  # recipients and "send a test": for those who may change settings
if access.allowed("backup", ws.id):
    _backup_section(ws)
if access.allowed("view_history", ws.id):
    workspace_life.trail_section(ws)
if access.shared_mode() and access.allowed("manage_members", ws.id):  # local mode: one person
    members_section(ws)
if access.allowed("archive", ws.id):
    workspace_life.archive_section(ws)
if access.allowed("delete", ws.id):
    workspace_life.delete_section(ws)
if access.allowed("restore", ws.id):
    _restore_section()
