"""Dashboard: the KGI headline (actual to date, expected pace, pace ratio, forecast with its
range, status and its sentence), the charts, and one card per KPI with a sparkline."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.formatting import format_pct, format_pct_change
from core.progress import GoalProgress, Progress
from ui import state
from ui.track import (
    badge,
    cumulative_figure,
    current_stamp,
    default_date,
    fmt,
    goal_title,
    monthly_figure,
    no_data_note,
    pace_text,
    progress_for,
    require_plan,
    tt,
)
from ui.widgets import page_exists, page_header, require_workspace

page_header("track.dashboard.title", "track.dashboard.subtitle")
ws = require_workspace()
if ws is None:
    st.stop()

stamp = current_stamp(ws.id)
latest = default_date(ws.id, stamp)
with st.container(horizontal=True, vertical_alignment="bottom"):
    as_of: date = st.date_input(tt("track.dashboard.as_of"), value=latest, key=f"dash_as_of_{ws.id}",
                                help=tt("track.dashboard.as_of_help"), width=220)
    chart = st.segmented_control(
        tt("track.dashboard.chart"), options=["cumulative", "monthly"], default="cumulative",
        format_func=lambda o: tt(f"track.dashboard.chart_{o}"), key="dash_chart", required=True,
    )
progress = progress_for(ws.id, as_of)
if not require_plan(progress):
    st.stop()


def _forecast_text(goal: GoalProgress, currency: str) -> tuple[str, str]:
    fc = goal.forecast
    if fc is None:
        return "—", ""
    value = fmt(goal, fc.value, currency, short=True)
    return value, tt("track.dashboard.range", low=fmt(goal, fc.low, currency, short=True),
                     high=fmt(goal, fc.high, currency, short=True))


def _required_text(goal: GoalProgress, currency: str) -> str | None:
    if goal.required_rate is None or goal.status == "on_track":
        return None
    key = {"additive": "track.required.additive", "rate": "track.required.rate",
           "stock": "track.required.stock"}[goal.kind]
    return tt(key, value=fmt(goal, goal.required_rate, currency, short=True))


def headline(goal: GoalProgress, p: Progress) -> None:
    """The KGI in one box: five numbers, the status in icon and word, and its sentence."""
    with st.container(border=True):
        st.caption(tt("track.dashboard.kgi"))
        with st.container(horizontal=True, vertical_alignment="center"):
            st.subheader(goal.label or goal_title(goal), anchor=False)
            badge(goal.status)
        if not goal.has_data:
            no_data_note(goal)
            return
        cols = st.columns(5)
        cols[0].metric(tt("track.metric.actual"), fmt(goal, goal.actual_to_date, p.currency, short=True),
                       help=fmt(goal, goal.actual_to_date, p.currency))
        cols[1].metric(tt("track.metric.expected"), fmt(goal, goal.expected_to_date, p.currency, short=True))
        cols[2].metric(tt("track.metric.pace"), pace_text(goal),
                       delta=_delta(goal), delta_color="normal", help=tt("track.metric.pace_help"))
        value, band = _forecast_text(goal, p.currency)
        cols[3].metric(tt("track.metric.forecast"), value, help=band or None)
        cols[4].metric(tt("track.metric.target"), fmt(goal, goal.target, p.currency, short=True),
                       help=fmt(goal, goal.target, p.currency))
        st.markdown(f"**{goal.sentence}**")
        extra = [band] if band else []
        required = _required_text(goal, p.currency)
        if required:
            extra.append(required)
        if extra:
            st.caption(" · ".join(extra))


def _delta(goal: GoalProgress) -> str | None:
    if goal.pace_ratio is None:
        return None
    return tt("track.metric.vs_pace", change=format_pct_change((goal.pace_ratio - 1) * 100, state.lang(), 0))


def kpi_card(goal: GoalProgress, p: Progress) -> None:
    with st.container(border=True, height="stretch"):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"**{goal_title(goal)}**")
            badge(goal.status)
        if not goal.has_data:
            no_data_note(goal)
            return
        scale = 100.0 if goal.unit == "percent" else 1.0
        spark = [r.actual * scale for r in goal.monthly if r.actual is not None]
        st.metric(
            tt("track.kpi.actual_vs_target", target=fmt(goal, goal.target, p.currency, short=True)),
            fmt(goal, goal.actual_to_date, p.currency, short=True),
            delta=_delta(goal), chart_data=spark if len(spark) > 1 else None, chart_type="line",
        )
        st.caption(goal.sentence)
        if goal.actual_change_pct is not None:
            st.caption(tt("track.kpi.vs_last_year", change=format_pct_change(goal.actual_change_pct, state.lang())))


kgi = progress.kgi
if kgi is not None:
    headline(kgi, progress)
    if kgi.has_data:
        st.plotly_chart(
            cumulative_figure(kgi, progress) if chart == "cumulative" else monthly_figure(kgi),
            key="dash_kgi_chart", config={"displayModeBar": False},
        )
else:
    st.info(tt("track.dashboard.no_kgi_kpis_only"), icon=":material/info:")

if progress.kpis:
    st.subheader(tt("track.dashboard.kpis"), anchor=False)
    behind = sum(1 for k in progress.kpis if k.behind)
    st.caption(tt("track.dashboard.kpis_summary", behind=behind, total=len(progress.kpis),
                  elapsed=format_pct(progress.elapsed), as_of=progress.as_of.isoformat()))
    columns = st.columns(3)
    for i, goal in enumerate(progress.kpis):
        with columns[i % 3]:
            kpi_card(goal, progress)

if any(g.behind for g in progress.goals()) and page_exists("optimise"):
    st.page_link("pages/optimise.py", label=tt("track.dashboard.go_optimise"), icon=":material/tune:")
if page_exists("review"):
    st.page_link("pages/review.py", label=tt("track.dashboard.go_review"), icon=":material/fact_check:")
