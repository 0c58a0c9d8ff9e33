"""Shared pieces of UI: page headers, SMART letter cards, status badges, empty states, the
"next step" button and the sidebar.

Every word shown comes from ``core/data/i18n/ui.toml`` through :func:`tr`; a status or verdict
always shows an icon and a word, never a colour alone.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import streamlit as st

from core.errors import KgiError
from core.i18n import LANGUAGES, t
from core.usertext import md_plain
from ui import access, state

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"zh-TW": "繁體中文", "en": "English"}

# (letter, the key the SMART result uses); results may be keyed by the word or by the letter.
SMART_LETTERS: tuple[tuple[str, str], ...] = (
    ("S", "specific"),
    ("M", "measurable"),
    ("A", "achievable"),
    ("R", "relevant"),
    ("T", "time_bound"),
)

VERDICT_STYLE: dict[str, tuple[str, str]] = {
    "pass": (":material/check_circle:", "green"),
    "warn": (":material/warning:", "orange"),
    "fail": (":material/cancel:", "red"),
    "unknown": (":material/help:", "gray"),
}

STATUS_STYLE: dict[str, tuple[str, str]] = {
    "on_track": (":material/check_circle:", "green"),
    "at_risk": (":material/warning:", "orange"),
    "off_track": (":material/trending_down:", "red"),
    "too_early": (":material/hourglass_empty:", "gray"),
}

PAGE_FILES = {
    "workspace": "pages/workspace.py",
    "kgi": "pages/kgi.py",
    "kpis": "pages/kpis.py",
    "plan": "pages/plan.py",
    "upload": "pages/upload.py",
    "dashboard": "pages/dashboard.py",
    "review": "pages/review.py",
    "optimise": "pages/optimise.py",
    "settings": "pages/settings.py",
}


def tr(key: str, /, **params: Any) -> str:
    """``key`` in the current UI language."""
    return t(key, state.lang(), **params)


# -- errors -------------------------------------------------------------------------------


@contextmanager
def guarded() -> Iterator[None]:
    """Show a problem as a sentence for people, never as a traceback.

    Streamlit's own control flow (rerun, stop, switch page) derives from ``BaseException`` and
    passes through untouched.
    """
    try:
        yield
    except KgiError as exc:
        st.error(exc.message(state.lang()), icon=":material/error:")
    except Exception:
        log.exception("unexpected error on a page")
        st.error(tr("ui.error.unexpected"), icon=":material/error:")


def show_error(exc: KgiError) -> None:
    st.error(exc.message(state.lang()), icon=":material/error:")


# -- layout -------------------------------------------------------------------------------


def page_header(title_key: str, subtitle_key: str | None = None, step: int | None = None) -> None:
    """The page title, the step of the plan flow it is, and one line on what to do here."""
    if step is not None:
        st.caption(tr("ui.common.step", step=step, total=4))
    st.title(tr(title_key), anchor=False)
    if subtitle_key:
        st.markdown(tr(subtitle_key))


def next_step(
    label: str,
    page: str | None = None,
    *,
    key: str,
    on_click: Callable[[], bool] | None = None,
    disabled: bool = False,
    help: str | None = None,
    primary: bool = True,
) -> None:
    """The one primary action of a screen, at the bottom right.

    ``on_click`` runs first (e.g. a save); when it returns ``False`` the page does not change.
    """
    st.space("small")
    with st.container(horizontal=True, horizontal_alignment="right"):
        clicked = st.button(
            label, key=key, type="primary" if primary else "secondary", disabled=disabled, help=help,
            icon=":material/arrow_forward:", icon_position="right",
        )
    if clicked:
        ok = on_click() if on_click else True
        if ok and page and page_exists(page):
            st.switch_page(PAGE_FILES[page])


def page_exists(page: str) -> bool:
    """The page is there and served to this visitor (a link to a page their role may not see
    is not drawn)."""
    from pathlib import Path

    return (Path(__file__).resolve().parents[1] / PAGE_FILES[page]).is_file() and access.page_allowed(page)


def first_existing(*pages: str) -> str | None:
    return next((p for p in pages if page_exists(p)), None)


# -- verdicts and statuses ----------------------------------------------------------------


def verdict_badge(verdict: str) -> None:
    icon, color = VERDICT_STYLE.get(verdict, VERDICT_STYLE["unknown"])
    st.badge(tr(f"ui.verdict.{verdict if verdict in VERDICT_STYLE else 'unknown'}"), icon=icon, color=color)


def status_badge(status: str) -> None:
    icon, color = STATUS_STYLE.get(status, STATUS_STYLE["too_early"])
    st.badge(tr(f"numbers.status.{status if status in STATUS_STYLE else 'too_early'}"), icon=icon, color=color)


def _criterion(criteria: Mapping[str, Any], letter: str, word: str) -> Any:
    for key in (word, letter, letter.lower(), word.replace("_", "-")):
        if key in criteria:
            return criteria[key]
    return None


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def smart_cards(result: Any) -> None:
    """Five cards in a row, S M A R T: the verdict as icon and word, the reason, then the fix."""
    criteria = _field(result, "criteria", {}) or {}
    columns = st.columns(5, gap="small")
    for column, (letter, word) in zip(columns, SMART_LETTERS, strict=True):
        criterion = _criterion(criteria, letter, word)
        verdict = str(_field(criterion, "verdict", "unknown") or "unknown")
        with column, st.container(border=True, height="stretch"):
            st.markdown(f"### {letter}\n**{tr(f'ui.smart.{word}')}**")
            verdict_badge(verdict)
            reason = _field(criterion, "reason")
            fix = _field(criterion, "fix")
            if reason:
                st.markdown(reason)
            if fix and verdict != "pass":
                st.caption(f":material/lightbulb: {fix}")


def understood_panel(items: list[tuple[str, str]] | None) -> None:
    """What the parser understood (metric, target, period, baseline, cadence) beside the
    sentence, so a misreading shows at a glance; a hint while there is no sentence."""
    with st.container(border=True, key="smart_understood"):
        st.caption(f":material/visibility: **{tr('smart.understood.title')}**")
        if not items:
            st.caption(tr("smart.understood.empty"))
            return
        sep = "：" if state.lang().startswith("zh") else ": "
        st.markdown("  \n".join(f"**{label}**{sep}{_md_escape(value)}" for label, value in items))


def _md_escape(text: str) -> str:
    """A value as plain text in Markdown (a metric name or a sentence may hold * _ ` or $)."""
    for ch in "\\`*_[]$<>#|~":
        text = text.replace(ch, "\\" + ch)
    return text


def smart_summary(result: Any) -> str:
    """One line: ``S ✓ · M ✓ · A ? · R ✓ · T ✓`` with words, for compact reviews."""
    criteria = _field(result, "criteria", {}) or {}
    marks = {"pass": "✓", "warn": "!", "fail": "✗", "unknown": "?"}
    parts = []
    for letter, word in SMART_LETTERS:
        verdict = str(_field(_criterion(criteria, letter, word), "verdict", "unknown") or "unknown")
        parts.append(f"{letter} {marks.get(verdict, '?')} {tr(f'ui.verdict.{verdict}')}")
    return " · ".join(parts)


# -- empty states and the demo ------------------------------------------------------------


def demo_available() -> bool:
    try:
        module = importlib.import_module("core.demo")
    except ImportError:
        return False
    return hasattr(module, "create_demo")


def _create_demo() -> None:
    from core.demo import create_demo

    try:
        ws = create_demo(state.engine(), lang=state.lang())
    except KgiError as exc:
        st.session_state["ui_flash_error"] = exc.message(state.lang())
        return
    access.grant_creator(ws.id)
    state.set_workspace(ws.id)
    st.session_state["ui_flash"] = tr("ui.demo.created", name=md_plain(ws.name))


def demo_button(key: str, *, primary: bool = False) -> None:
    """"Try the demo" in one click; hidden until the demo exists in core, and from whoever
    may not create workspaces (shared mode)."""
    if not demo_available() or not access.may_create_workspaces():
        return
    st.button(
        tr("ui.demo.button"), key=key, on_click=_create_demo, icon=":material/play_circle:",
        type="primary" if primary else "secondary", help=tr("ui.demo.help"),
    )


def empty_state(message_key: str, *, action_key: str | None = None, page: str | None = None) -> None:
    """Say what to do next, offer the way there and the demo."""
    with st.container(border=True):
        st.markdown(f":material/info: {tr(message_key)}")
        with st.container(horizontal=True):
            if action_key and page and page_exists(page):
                st.page_link(PAGE_FILES[page], label=tr(action_key), icon=":material/arrow_forward:")
            demo_button(key=f"demo_{message_key}")


def flash() -> None:
    """Show the message a callback left for this run (callbacks run before the page draws)."""
    message = st.session_state.pop("ui_flash", None)
    if message:
        st.toast(message, icon=":material/check_circle:")
    error = st.session_state.pop("ui_flash_error", None)
    if error:
        st.error(error, icon=":material/error:")


def keep_choices(*keys: str) -> None:
    """Carry option widgets whose labels are translated across a language switch.

    The browser sends a select box's choice back as its *label*; after a switch that label
    belongs to the other language and would no longer match any option. Reading the value here
    (decoded with the previous run's labels) and assigning it back before the widget is drawn
    makes Streamlit send the choice again under the new labels.
    """
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def require_workspace(message_key: str = "ui.empty.no_workspace") -> Any:
    """The current workspace, or an empty state pointing to the Workspace page (and ``None``)."""
    ws = state.current_workspace()
    if ws is None:
        empty_state(message_key, action_key="ui.empty.go_workspace", page="workspace")
    return ws


# -- sidebar ------------------------------------------------------------------------------


def _on_workspace_pick() -> None:
    state.set_workspace(st.session_state.get("sidebar_ws"))


def _on_lang_pick(widget_key: str) -> None:
    value = st.session_state.get(widget_key)
    if value:
        state.set_lang(value)


def language_switch(key: str, *, label_visibility: str = "visible") -> None:
    """zh-TW / English; every keyed widget keeps its value when the language changes."""
    st.session_state[key] = state.lang()
    st.segmented_control(
        tr("ui.sidebar.language"),
        options=list(LANGUAGES),
        format_func=LANGUAGE_NAMES.get,
        key=key,
        required=True,
        on_change=_on_lang_pick,
        args=(key,),
        label_visibility=label_visibility,  # type: ignore[arg-type]
    )


def sidebar() -> None:
    """The workspace switcher and the language switch (the page list is st.navigation's)."""
    with st.sidebar:
        spaces = state.workspaces()
        if spaces:
            ids = [ws.id for ws in spaces]
            names = {ws.id: ws.name for ws in spaces}
            current = state.workspace_id()
            st.session_state["sidebar_ws"] = current if current in ids else None
            st.selectbox(
                tr("ui.sidebar.workspace"),
                options=ids,
                format_func=lambda i: names.get(i, str(i)),
                key="sidebar_ws",
                # No clear button once a workspace is open: there is always a current one.
                index=None if current not in ids else 0,
                placeholder=tr("ui.sidebar.pick_workspace"),
                on_change=_on_workspace_pick,
            )
        else:
            st.caption(tr("ui.sidebar.no_workspace"))
        language_switch("sidebar_lang")
        access.account_box(state.lang())
