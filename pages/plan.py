"""Step 4: review the plan, then download it: the plan workbook (monthly targets split linearly
or by last year's season) and a CSV of the plan."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from core.catalog import load_catalog
from core.db import database_url, get_engine
from core.drivers import DriverCheck
from core.errors import KgiError
from core.export.plan_workbook import plan_csv_bytes, plan_workbook_bytes
from core.formatting import format_pct_change, format_value
from core.i18n import LANGUAGES, t
from core.models import Kgi, Kpi, Workspace
from core.plans import get_plan, kgi_target, kpi_target, plan_driver_check
from core.progress import data_stamp
from core.smart import describe_target
from core.typography import join_list
from ui import access, state
from ui.upload import source_label
from ui.widgets import (
    LANGUAGE_NAMES,
    SMART_LETTERS,
    VERDICT_STYLE,
    empty_state,
    first_existing,
    keep_choices,
    next_step,
    page_header,
    require_workspace,
    show_error,
    tr,
)

SPLITS = ("linear", "seasonal")

lang = state.lang()
page_header("ui.plan.title", "ui.plan.subtitle", step=4)
ws = require_workspace()
if ws is None:
    st.stop()
engine = state.engine()
catalog = load_catalog()


def _split_label(split: str) -> str:
    return t(f"ui.plan.split.{split}", lang)


def _file_stem(workspace: Workspace) -> str:
    """A file name any system accepts: the workspace name without path or reserved characters."""
    clean = re.sub(r'[\\/:*?"<>|\s]+', "-", workspace.name).strip("-.") or "workspace"
    file_lang = st.session_state.get("plan_lang") or lang
    return f"{t('ui.plan.file_prefix', file_lang)}-{clean}-{date.today():%Y%m%d}"


def _target_text(kpi_or_kgi: Kpi | Kgi, target) -> str:  # noqa: ANN001 - core.goals.Target
    if target is None:
        return tr("ui.plan.no_target")
    metric = catalog.metrics.get(kpi_or_kgi.metric or "")
    return describe_target(target, metric, lang)


def _kgi_section(kgi: Kgi) -> None:
    st.subheader(tr("ui.plan.kgi"), anchor=False)
    with st.container(border=True):
        st.markdown(f"#### {_md(kgi.text)}")
        parts = []
        if kgi.metric in catalog:
            parts.append(f"{catalog[kgi.metric].name(lang)} · {_target_text(kgi, kgi_target(kgi))}")
        if kgi.period_start and kgi.period_end:
            parts.append(tr("ui.plan.period", start=f"{kgi.period_start:%Y/%m/%d}",
                            end=f"{kgi.period_end:%Y/%m/%d}"))
        if kgi.baseline is not None and kgi.metric in catalog:
            base = format_value(kgi.baseline, catalog[kgi.metric].unit, lang, ws.currency)
            parts.append(tr("ui.plan.baseline", value=base))
        st.caption(" · ".join(parts))
        _smart_badges(kgi)


def _smart_badges(kgi: Kgi) -> None:
    criteria = (kgi.smart or {}).get("criteria") or {}
    with st.container(horizontal=True, gap="small"):
        for letter, word in SMART_LETTERS:
            verdict = (criteria.get(word) or {}).get("verdict", "unknown")
            icon, color = VERDICT_STYLE.get(verdict, VERDICT_STYLE["unknown"])
            st.badge(tr("ui.plan.smart_badge", letter=letter, word=tr(f"ui.smart.{word}"),
                        verdict=tr(f"ui.verdict.{verdict}")),
                     icon=icon, color=color)


def _kpi_table(kpis: list[Kpi]) -> None:
    st.subheader(tr("ui.plan.kpis"), anchor=False)
    rows = []
    for kpi in kpis:
        metric = catalog[kpi.metric]
        rows.append({
            tr("ui.plan.col.kpi"): kpi.label or metric.name(lang),
            tr("ui.plan.col.metric"): metric.name(lang),
            tr("ui.plan.col.target"): _target_text(kpi, kpi_target(kpi)),
            tr("ui.plan.col.baseline"): format_value(kpi.baseline, metric.unit, lang, ws.currency),
            tr("ui.plan.col.cadence"): t(f"ui.cadence.{kpi.cadence}", lang),
            tr("ui.plan.col.owner"): kpi.owner or "—",
            tr("ui.plan.col.sources"): _sources_text(kpi.sources) or tr("ui.plan.all_sources"),
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _sources_text(keys: list[str]) -> str:
    """The sources a KPI counts, by the names people know them by (list separator per language)."""
    return join_list((source_label(key, lang) for key in keys), lang)


def _driver_line(check: DriverCheck | None) -> None:
    if check is None or check.implied_change_pct is None:
        return
    kgi_name = catalog[check.kgi_metric].name(lang)
    implied = format_pct_change(check.implied_change_pct, lang)
    target = format_pct_change(check.kgi_change_pct, lang)
    if check.carries:
        st.success(tr("ui.plan.drivers_ok", kgi=kgi_name, implied=implied, target=target),
                   icon=":material/check_circle:")
        return
    needs = [
        tr("ui.plan.needs", metric=catalog[m.metric].name(lang),
           change=format_pct_change(m.needed_change_pct, lang))
        for m in check.missing if m.needed_change_pct is not None
    ]
    st.warning(
        tr("ui.plan.drivers_short", kgi=kgi_name, implied=implied, target=target)
        + (" " + " ".join(needs) if needs else ""),
        icon=":material/warning:",
    )


@st.cache_data(show_spinner=False, max_entries=16)
def _plan_files(url: str, workspace_id: int, stamp: tuple, file_lang: str, split: str) -> tuple[bytes, bytes]:
    """The workbook and the CSV, built once per plan version (``stamp``), language and split:
    a click elsewhere on the page rebuilds nothing."""
    del stamp  # part of the cache key only
    engine_for_url = get_engine(url)
    return (plan_workbook_bytes(engine_for_url, workspace_id, file_lang, split=split),
            plan_csv_bytes(engine_for_url, workspace_id, file_lang))


def _downloads(workspace: Workspace) -> None:
    if not access.allowed("download", workspace.id):
        return
    st.subheader(tr("ui.plan.download"), anchor=False)
    keep_choices("plan_split", "plan_lang")
    kgi = get_plan(engine, workspace.id).kgi
    # Start from the split the plan itself uses (the demo's is seasonal).
    st.session_state.setdefault("plan_split", kgi.split if kgi is not None and kgi.split in SPLITS else "linear")
    with st.container(border=True):
        st.radio(
            tr("ui.plan.split"), SPLITS, key="plan_split", horizontal=True, format_func=_split_label,
            captions=[tr(f"ui.plan.split.{s}.help") for s in SPLITS],
        )
        st.session_state.setdefault("plan_lang", lang)
        st.segmented_control(
            tr("ui.plan.language"), list(LANGUAGES), key="plan_lang", required=True,
            format_func=LANGUAGE_NAMES.get,
        )
        split = st.session_state.get("plan_split") or "linear"
        file_lang = st.session_state.get("plan_lang") or lang
        try:
            workbook, csv = _plan_files(database_url(), workspace.id, data_stamp(engine, workspace.id),
                                        file_lang, split)
        except KgiError as exc:
            show_error(exc)
            return
        stem = _file_stem(workspace)
        st.caption(tr("ui.plan.workbook_help"))
        with st.container(horizontal=True, horizontal_alignment="right"):
            st.download_button(
                tr("ui.plan.csv_button"), csv, file_name=f"{stem}.csv", mime="text/csv",
                key="plan_csv", on_click="ignore", icon=":material/table_view:",
            )
            st.download_button(
                tr("ui.plan.workbook_button"), workbook, file_name=f"{stem}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="plan_xlsx", on_click="ignore", type="primary", icon=":material/download:",
            )


def _md(text: str) -> str:
    for char in "\\`*_[]#<>|":
        text = text.replace(char, "\\" + char)
    return text


plan = get_plan(engine, ws.id)
if plan.kgi is None and not plan.kpis:
    empty_state("ui.plan.empty", action_key="ui.plan.go_kgi", page="kgi")
    st.stop()

if plan.kgi is not None:
    _kgi_section(plan.kgi)
else:
    st.info(tr("ui.plan.no_kgi"), icon=":material/flag:")
if plan.kpis:
    _kpi_table(plan.kpis)
else:
    st.info(tr("ui.plan.no_kpis"), icon=":material/checklist:")
_driver_line(plan_driver_check(engine, ws.id))
_downloads(ws)

after = first_existing("upload", "dashboard")
if after:
    next_step(tr(f"ui.plan.next_{after}"), after, key="plan_next", primary=False)
