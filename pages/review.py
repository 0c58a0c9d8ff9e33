"""Monthly review (每月檢討 KPI 達成率): a KPI × month achievement table with status, and the
downloads — the formatted review workbook and the one-page printable summary."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core.export.review_workbook import build_review_workbook
from core.export.summary_html import summary_html
from core.figure_notes import counted_sources, coverage_note, overlap_notes
from core.formatting import format_month, format_pct
from core.progress import Progress
from core.review import review_data_from_progress
from ui import access, state
from ui.track import (
    current_stamp,
    default_date,
    fmt,
    goal_title,
    progress_for,
    progress_text,
    require_plan,
    status_word,
    tt,
)
from ui.widgets import page_header, require_workspace

page_header("track.review.title", "track.review.subtitle")
ws = require_workspace()
if ws is None:
    st.stop()
lang = state.lang()
stamp = current_stamp(ws.id)
latest = default_date(ws.id, stamp)
overview = progress_for(ws.id, latest)
if not require_plan(overview):
    st.stop()

months = [r.period for r in (overview.goals()[0].monthly if overview.goals() else []) if r.period <= latest.strftime("%Y-%m")]
if not months:
    st.info(tt("track.review.no_months"), icon=":material/info:")
    st.stop()
month = st.selectbox(tt("track.review.month"), options=months[::-1], format_func=lambda m: format_month(m, lang),
                     key=f"review_month_{ws.id}", width=260)


def _month_end(label: str) -> date:
    return (pd.Timestamp(label + "-01") + pd.offsets.MonthEnd(0)).date()


as_of = min(_month_end(month), latest)
progress = progress_for(ws.id, as_of)


def achievement_table(p: Progress) -> pd.DataFrame:
    """One row per KGI/KPI: status, to date and target first (they must be seen without
    scrolling), then one column per month with icon, word and achievement (never colour alone)."""
    shown = [m for m in months if m <= month]
    rows = []
    for goal in p.goals():
        row: dict[str, Any] = {
            tt("track.review.col_goal"): ("KGI · " if goal.role == "kgi" else "") + goal_title(goal),
            tt("track.review.col_status"): status_word(goal.status),
            tt("track.review.col_to_date"): fmt(goal, goal.actual_to_date, p.currency, short=True),
            tt("track.review.col_target"): fmt(goal, goal.target, p.currency, short=True),
            tt("measurement.progress_ratio"): progress_text(goal),
            tt("track.review.col_source"): counted_sources(goal, lang) or "—",
        }
        for cell in goal.monthly:
            if cell.period not in shown:
                continue
            text = "—"
            if cell.actual is not None:
                text = f"{status_word(cell.status or 'too_early')} {format_pct(cell.achievement)}"
            row[format_month(cell.period, lang)] = text
        rows.append(row)
    return pd.DataFrame(rows)


st.subheader(tt("track.review.table", month=format_month(month, lang)), anchor=False)
st.caption(tt("track.review.legend"))
st.dataframe(
    achievement_table(progress), hide_index=True, width="stretch",
    # the goal's name stays in view while the months scroll sideways
    column_config={tt("track.review.col_goal"): st.column_config.TextColumn(pinned=True)},
)

for goal in progress.goals():
    if goal.has_data:  # no punctuation between the parts: it differs between zh-TW and English
        st.markdown(f"- **{goal_title(goal)}** · {status_word(goal.status)} — {goal.sentence}")
        for note in overlap_notes(goal, lang, progress.currency) + [n for n in [coverage_note(goal, lang)] if n]:
            st.caption(f"⚠ {note}")


@st.cache_data(show_spinner=False, max_entries=8)
def _files(workspace_id: int, stamp_key: tuple[Any, ...], month_key: str, lang_key: str) -> tuple[bytes, bytes]:
    del stamp_key
    data = review_data_from_progress(progress, month_key, lang_key, state.current_workspace(), progress_thresholds)
    del workspace_id
    return build_review_workbook(data, lang_key), summary_html(data, lang_key).encode("utf-8")


# The downloads are for the team (core.access "download"); a client reads the review here.
if access.allowed("download", ws.id):
    progress_thresholds = dict(ws.settings.get("thresholds") or ws.settings) if ws.settings else {}
    stem = re.sub(r'[\\/:*?"<>|\s]+', "-", ws.name).strip("-.") or "workspace"
    xlsx, html = _files(ws.id, (*stamp, as_of.isoformat()), month, lang)
    st.subheader(tt("track.review.downloads"), anchor=False)
    with st.container(horizontal=True):
        st.download_button(
            tt("track.review.download_xlsx"), data=xlsx, file_name=f"review-{stem}-{month}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:", type="primary", key="review_xlsx", on_click="ignore",
        )
        st.download_button(
            tt("track.review.download_html"), data=html, file_name=f"summary-{stem}-{month}.html",
            mime="text/html", icon=":material/print:", key="review_html", on_click="ignore",
        )
    st.caption(tt("track.review.html_help"))
