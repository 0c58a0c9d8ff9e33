"""The sources of record on the KPIs page, and the baselines the data gives (both cached on
the workspace's data stamp, so a click elsewhere on the page recomputes neither)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.catalog import load_catalog
from core.db import database_url
from core.errors import KgiError
from core.formatting import format_value
from core.i18n import t
from core.measurement import AUTO, family_label, family_order, measurement_label
from core.plans import data_baselines
from core.progress import data_stamp
from core.sources_of_record import workspace_sources
from core.typography import join_list
from core.workspaces import set_source_of_record
from ui import state
from ui.widgets import show_error


@st.cache_data(show_spinner=False, max_entries=16)
def _baselines(url: str, workspace_id: int, stamp: tuple[Any, ...]) -> dict[tuple[str, int | None], tuple[float, str, str]]:
    del url, stamp  # the cache key only
    return data_baselines(state.engine(), workspace_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _sources(url: str, workspace_id: int, stamp: tuple[Any, ...], metrics: tuple[str, ...]) -> list[Any]:
    del url, stamp
    return workspace_sources(state.engine(), workspace_id, list(metrics))


def baseline_hint(workspace_id: int, role: str, goal_id: int | None, metric: str, currency: str) -> str | None:
    """``Baseline from your data: NT$8.2M (2023-01-01 – 2023-12-31)`` for a goal with none typed."""
    found = _baselines(database_url(), workspace_id, data_stamp(state.engine(), workspace_id)).get((role, goal_id))
    if found is None:
        return None
    value, start, end = found
    unit = load_catalog()[metric].unit
    lang = state.lang()
    return t("measurement.baseline_from_data", lang, value=format_value(value, unit, lang, currency),
             start=start, end=end)


def _choose(workspace_id: int, metric: str, key: str) -> None:
    try:
        set_source_of_record(state.engine(), workspace_id, metric, st.session_state.get(key) or AUTO)
    except KgiError as exc:
        st.session_state[f"{key}_error"] = exc


def sources_panel(workspace_id: int, business_type: str, metrics: list[str]) -> None:
    """One choice per plan metric that has data: which source it counts."""
    lang = state.lang()
    stamp = data_stamp(state.engine(), workspace_id)
    listed = _sources(database_url(), workspace_id, stamp, tuple(dict.fromkeys(metrics)))
    if not listed:
        return
    catalog = load_catalog()
    with st.container(border=True):
        _choices(workspace_id, business_type, listed, catalog, lang)


def _choices(workspace_id: int, business_type: str, listed: list[Any], catalog: Any, lang: str) -> None:
    st.subheader(t("measurement.kpis.title", lang), anchor=False)
    st.caption(t("measurement.kpis.help", lang))
    for item in listed:
        choice = item.choice
        key = f"source_of_record_{workspace_id}_{item.metric}"
        current = choice.record.family if choice.chosen_by == "workspace" and choice.record else AUTO
        st.session_state.setdefault(key, current)
        auto_label = (t("measurement.auto", lang, family=measurement_label(item.default, lang))
                      if item.default is not None else t("measurement.auto_none", lang))
        with_data = [m.family for m in (choice.record, *choice.alternatives) if m is not None and m.sources]
        options = [AUTO, *[f for f in family_order(item.metric, business_type) if f in with_data or f == current]]
        options += [f for f in with_data if f not in options]
        st.selectbox(
            t("measurement.kpis.metric_choice", lang, metric=catalog[item.metric].name(lang)), options, key=key,
            format_func=lambda f, auto=auto_label: auto if f == AUTO else family_label(f, lang),
            on_change=_choose, args=(workspace_id, item.metric, key),
        )
        if choice.alternatives:
            everyone = join_list((measurement_label(m, lang) for m in (choice.record, *choice.alternatives) if m), lang)
            st.caption(t("measurement.kpis.has_data", lang, sources=everyone))
        error = st.session_state.pop(f"{key}_error", None)
        if error is not None:
            show_error(error)
