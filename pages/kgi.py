"""Step 2: the KGI. Start from an example or write it; the SMART check runs as you type.

Everything typed is kept as a draft in the database (key ``kgi``) on every change, so a page
switch, a reload or a restart of the app loses nothing; saving the KGI clears the draft.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from core.catalog import load_catalog
from core.db import database_url, get_engine
from core.errors import KgiError
from core.goals import TARGET_KINDS, ParsedGoal
from core.i18n import t
from core.models import Workspace
from core.plans import clear_draft, get_plan, load_draft, preview_kgi, save_draft, save_kgi
from core.progress import data_stamp
from core.smart import SmartResult, is_blank, parse_goal, understood_items
from core.templates import business_type, kgi_examples
from ui import state
from ui.sources import baseline_hint
from ui.units import (
    baseline_from_display,
    baseline_suffix,
    baseline_to_display,
    from_display,
    to_display,
    value_suffix,
)
from ui.widgets import (
    keep_choices,
    next_step,
    page_header,
    require_workspace,
    show_error,
    smart_cards,
    tr,
    understood_panel,
)

DRAFT = "kgi"
FIELDS = ("kgi_text", "kgi_metric", "kgi_kind", "kgi_value", "kgi_baseline", "kgi_start", "kgi_end")

lang = state.lang()
page_header("ui.kgi.title", "ui.kgi.subtitle", step=2)
ws = require_workspace()
if ws is None:
    st.stop()
engine = state.engine()
ss = st.session_state


# -- loading and drafts -------------------------------------------------------------------


def _as_date(value: Any) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _from_saved(workspace: Workspace) -> dict[str, Any]:
    kgi = get_plan(engine, workspace.id).kgi
    if kgi is None:
        return {}
    return {
        "text": kgi.text, "metric": kgi.metric, "target_kind": kgi.target_kind,
        "target_value": kgi.target_value, "baseline": kgi.baseline,
        "period_start": kgi.period_start, "period_end": kgi.period_end,
    }


def _load(workspace: Workspace) -> None:
    """Fill the fields once per workspace and session: the draft if any, else the saved KGI."""
    if ss.get("kgi_loaded_for") == workspace.id and all(k in ss for k in FIELDS):
        return
    values = load_draft(engine, workspace.id, DRAFT) or _from_saved(workspace)
    metric, kind = values.get("metric"), values.get("target_kind")
    ss.update(
        kgi_loaded_for=workspace.id,
        kgi_text=values.get("text") or "",
        kgi_metric=metric,
        kgi_kind=kind,
        kgi_value=to_display(values.get("target_value"), metric, kind),
        kgi_baseline=baseline_to_display(values.get("baseline"), metric),
        kgi_start=_as_date(values.get("period_start")),
        kgi_end=_as_date(values.get("period_end")),
    )


def _core_values() -> dict[str, Any]:
    """The structured fields in core's units (what preview/save take as overrides)."""
    metric, kind = ss.get("kgi_metric"), ss.get("kgi_kind")
    return {
        "metric": metric,
        "target_kind": kind,
        "target_value": from_display(ss.get("kgi_value"), metric, kind),
        "baseline": baseline_from_display(ss.get("kgi_baseline"), metric),
        "period_start": ss.get("kgi_start"),
        "period_end": ss.get("kgi_end"),
    }


def _save_draft() -> None:
    save_draft(engine, ws.id, DRAFT, {"text": ss.get("kgi_text", ""), **_core_values()})


def _overrides() -> dict[str, Any]:
    return {k: v for k, v in _core_values().items() if v is not None}


@st.cache_data(show_spinner=False, max_entries=64)
def _check(url: str, workspace_id: int, stamp: tuple, text: str, check_lang: str,
           overrides: tuple[tuple[str, Any], ...]) -> SmartResult:
    """The live SMART check, once per sentence, fields and data version: a rerun for another
    widget does not read the workspace's history again."""
    del stamp  # part of the cache key only
    return preview_kgi(get_engine(url), workspace_id, text, check_lang, **dict(overrides))[1]


# -- callbacks ----------------------------------------------------------------------------


def _follow_sentence() -> None:
    """The sentence changed: the fields follow what it says (the baseline is kept).

    Only what the sentence itself says: the plan period the check borrows for a sentence
    without a deadline is not copied into the fields, or it would stop being flagged. A
    cleared sentence clears them (an empty sentence is a normal state, not an error).
    """
    goal = _understood(ss.get("kgi_text", ""))
    if goal is None:
        ss.update(kgi_metric=None, kgi_kind=None, kgi_value=None, kgi_start=None, kgi_end=None)
        _save_draft()
        return
    target = goal.target
    ss.kgi_metric = goal.metric
    ss.kgi_kind = target.kind if target else None
    ss.kgi_value = to_display(target.value, goal.metric, target.kind) if target else None
    ss.kgi_start = goal.period.start if goal.period else None
    ss.kgi_end = goal.period.end if goal.period else None
    if goal.baseline is not None:  # 「從 80 萬提升到 100 萬」: the sentence's own starting point
        ss.kgi_baseline = baseline_to_display(goal.baseline, goal.metric)
    _save_draft()


def _understood(text: str | None) -> ParsedGoal | None:
    """The sentence as the parser reads it, with the workspace's start and type (as `kgi smart
    --start --type` does); ``None`` for a blank sentence."""
    if is_blank(text):
        return None
    return parse_goal(str(text), lang, start=ws.period_start, business_type=ws.business_type)


def _use_example(text: str) -> None:
    ss.kgi_text = text
    _follow_sentence()


def _on_kind_change() -> None:
    _save_draft()


def _save() -> bool:
    try:
        save_kgi(engine, ws.id, ss.get("kgi_text", ""), lang=lang, **_overrides())
    except KgiError as exc:
        show_error(exc)
        return False
    clear_draft(engine, ws.id, DRAFT)
    ss["ui_flash"] = tr("ui.kgi.saved")
    return True


# -- labels (the language is bound: format functions may run outside a page run) -----------


def _metric_options(business_type: str) -> list[str]:
    """The business type's core outcomes first, then every other metric by name."""
    catalog = load_catalog()
    core = [k for k in catalog.metrics if business_type in catalog[k].core_for]
    rest = sorted((k for k in catalog.metrics if k not in core), key=lambda k: catalog[k].name(lang))
    return core + rest


def _metric_label(key: str) -> str:
    return load_catalog()[key].name(lang)


def _kind_label(kind: str) -> str:
    return t(f"ui.kind.{kind}", lang)


# -- the page -----------------------------------------------------------------------------

_load(ws)
keep_choices("kgi_metric", "kgi_kind")

with st.container(border=True):
    st.markdown(f"**{tr('ui.kgi.examples')}**")
    st.caption(tr("ui.kgi.examples_help", type=business_type(ws.business_type).name(lang)))
    with st.container(horizontal=True, gap="small"):
        for i, example in enumerate(kgi_examples(ws.business_type)):
            text = example.text(lang)
            st.button(text, key=f"kgi_example_{i}", on_click=_use_example, args=(text,),
                      icon=":material/lightbulb:")

st.text_input(
    tr("ui.kgi.sentence"),
    key="kgi_text",
    placeholder=tr("ui.kgi.sentence_placeholder"),
    help=tr("ui.kgi.sentence_help"),
    on_change=_follow_sentence,
    live=True,
    max_chars=500,
)
_goal = _understood(ss.get("kgi_text", ""))
understood_panel(understood_items(_goal, lang) if _goal is not None else None)

with st.expander(tr("ui.kgi.fields"), expanded=True, icon=":material/tune:"):
    st.caption(tr("ui.kgi.fields_help"))
    metric, kind = ss.get("kgi_metric"), ss.get("kgi_kind")
    c1, c2, c3 = st.columns([2, 2, 1.4])
    c1.selectbox(
        tr("ui.kgi.metric"), _metric_options(ws.business_type), key="kgi_metric", index=None,
        format_func=_metric_label, placeholder=tr("ui.kgi.metric_placeholder"), on_change=_save_draft,
    )
    c2.selectbox(
        tr("ui.kgi.kind"), TARGET_KINDS, key="kgi_kind", index=None, format_func=_kind_label,
        placeholder=tr("ui.kgi.kind_placeholder"), on_change=_on_kind_change,
    )
    suffix = value_suffix(metric, kind, ws.currency)
    c3.number_input(
        tr("ui.kgi.value", unit=suffix) if suffix else tr("ui.kgi.value_plain"), key="kgi_value",
        value=None, step=1.0, format="%g", on_change=_save_draft,
    )
    c4, c5, c6 = st.columns([2, 2, 1.4])
    c4.date_input(tr("ui.kgi.start"), key="kgi_start", value=None, on_change=_save_draft)
    c5.date_input(tr("ui.kgi.end"), key="kgi_end", value=None, on_change=_save_draft)
    bsuffix = baseline_suffix(metric, ws.currency)
    c6.number_input(
        tr("ui.kgi.baseline", unit=bsuffix) if bsuffix else tr("ui.kgi.baseline_plain"),
        key="kgi_baseline", value=None, step=1.0, format="%g", on_change=_save_draft,
        help=tr("ui.kgi.baseline_help"),
    )
    saved_kgi = get_plan(engine, ws.id).kgi
    if ss.get("kgi_baseline") is None and saved_kgi is not None and metric and saved_kgi.metric == metric:
        hint = baseline_hint(ws.id, "kgi", saved_kgi.id, metric, ws.currency)
        if hint:
            st.caption(f":material/history: {hint}")

st.subheader(tr("ui.kgi.check"), anchor=False)
text = ss.get("kgi_text", "") or ""
result = None
if not is_blank(text):
    try:
        result = _check(database_url(), ws.id, data_stamp(engine, ws.id), text, lang,
                        tuple(sorted(_overrides().items())))
    except KgiError as exc:
        show_error(exc)
    if result is not None:
        smart_cards(result)
        if result.passed:
            st.success(tr("ui.kgi.all_pass"), icon=":material/verified:")
else:
    st.info(tr("ui.kgi.check_empty"), icon=":material/edit_note:")

saved = get_plan(engine, ws.id).kgi
draft = load_draft(engine, ws.id, DRAFT)
if draft is not None:
    st.caption(f":material/cloud_done: {tr('ui.kgi.draft_kept')}")
elif saved is not None:
    st.caption(f":material/check: {tr('ui.kgi.is_saved')}")

next_step(
    tr("ui.kgi.next"), "kpis", key="kgi_next", on_click=_save, disabled=is_blank(text),
    help=tr("ui.kgi.next_help"),
)
