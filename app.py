"""KGI Planner: the Streamlit entry point.

Sets the page up, picks the language and workspace for this session, draws the sidebar and
registers every page explicitly with ``st.navigation``: *Plan* (Workspace, KGI, KPIs, Plan),
*Track* (Upload, Dashboard, Review, Optimise — each only once its page file exists), then
Settings. In shared mode a page is listed (and served) only when the visitor's role allows it
(``ui.access.PAGE_ACTIONS``, asked of :func:`core.access.can`). Run with ``python -m ui.launch``
(``./dev app``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.access import can
from core.i18n import t
from ui import access, state
from ui.widgets import flash, guarded, sidebar

ROOT = Path(__file__).resolve().parent
ASSETS = ROOT / "assets"

PLAN_PAGES = (
    ("workspace", ":material/storefront:"),
    ("kgi", ":material/flag:"),
    ("kpis", ":material/checklist:"),
    ("plan", ":material/description:"),
)
TRACK_PAGES = (
    ("upload", ":material/upload_file:"),
    ("dashboard", ":material/monitoring:"),
    ("review", ":material/fact_check:"),
    ("optimise", ":material/tune:"),
)
# URL paths deliberately differ from the file names. Streamlit still auto-discovers `pages/`
# on a process's very first run (and on every AppTest run); a URL equal to a file's name would
# then run that file alone, without this script's sidebar and page set-up.
URL_PATHS = {
    "workspace": "start",
    "kgi": "goal",
    "kpis": "kpi",
    "plan": "export",
    "upload": "actuals",
    "dashboard": "progress",
    "review": "monthly-review",
    "optimise": "improve",
    "settings": "preferences",
}


def _exists(name: str) -> bool:
    return (ROOT / "pages" / f"{name}.py").is_file()


def _page(name: str, icon: str, lang: str, *, default: bool = False) -> st.Page:
    return st.Page(
        f"pages/{name}.py", title=t(f"ui.nav.{name}", lang), icon=icon, url_path=URL_PATHS[name],
        default=default,
    )


def _shown(name: str, role: str | None) -> bool:
    """The page exists and the role may see it (a page left out is not served, not even by
    its address)."""
    action = access.PAGE_ACTIONS[name]
    return _exists(name) and (action is None or can(role, action))


def _refused(name: str, role: str | None, lang: str) -> st.Page:
    """Stands in, hidden from the list, for a page this role may not see: its address then
    says so in the user's language (instead of Streamlit's "page not found") and serves
    nothing of the page."""

    def refused() -> None:
        st.title(t(f"ui.nav.{name}", lang), anchor=False)
        if role is None:
            st.warning(t("members.access.not_available", lang), icon=":material/lock:")
        else:
            st.warning(t("members.access.not_allowed", lang, role=access.role_name(role, lang)),
                       icon=":material/lock:")

    return st.Page(refused, title=t(f"ui.nav.{name}", lang), url_path=URL_PATHS[name], visibility="hidden")


def _navigation(lang: str, role: str | None) -> st.navigation:
    plan = [_page(n, i, lang, default=n == "workspace") for n, i in PLAN_PAGES if _shown(n, role)]
    track = [_page(n, i, lang) for n, i in TRACK_PAGES if _shown(n, role)]
    refused = [_refused(n, role, lang) for n, _ in PLAN_PAGES + TRACK_PAGES
               if _exists(n) and not _shown(n, role)]
    sections: dict[str, list[st.Page]] = {t("ui.nav.section_plan", lang): plan}
    if track:
        sections[t("ui.nav.section_track", lang)] = track
    sections[t("ui.nav.section_more", lang)] = [_page("settings", ":material/settings:", lang), *refused]
    return st.navigation(sections, position="sidebar")


def main() -> None:
    st.set_page_config(
        page_title="KGI Planner", page_icon=str(ASSETS / "icon.svg"), layout="wide",
        initial_sidebar_state="auto",  # closed on a phone, open on a desktop
    )
    st.logo(str(ASSETS / "logo.svg"), icon_image=str(ASSETS / "icon.svg"), size="large")
    lang = state.init_language()
    if not access.admitted(lang):  # local mode: this computer only; shared mode: signed in
        return
    # Local mode needs no database for the page list (one person, the owner); shared mode asks
    # the visitor's role, in the current workspace or, before one is open, their best one.
    role: str | None = None if access.shared_mode() else "owner"
    ready = False
    with guarded():  # an unreachable database is explained here, once
        state.init_workspace()
        role = access.page_role()
        ready = True
    page = _navigation(lang, role)
    if not ready:
        return
    ready = False
    with guarded():
        sidebar()
        state.sync_url()
        ready = True
    if not ready:
        return
    flash()
    with guarded():
        page.run()


main()
