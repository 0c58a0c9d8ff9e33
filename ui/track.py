"""Shared pieces of the Track pages (dashboard, review, optimise): cached progress, empty
states, number formatting, the Plotly charts, and the dashboard's body.

Progress is cached on (database, workspace, data stamp, as-of date, language): the stamp
changes with every import, undo and plan edit, so a widget change on a page recomputes
nothing, while new data is never hidden behind a stale cache. The dashboard's widgets live
in fragments (``st.fragment``): changing the as-of date reruns the dashboard's body only,
switching the chart reruns the chart only, and neither touches the rest of the page.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.catalog import load_catalog
from core.db import database_url
from core.figure_notes import coverage_note, overlap_notes, periods_apart_note, source_note
from core.formatting import (
    axis_ticks,
    format_day,
    format_distinct,
    format_month,
    format_pct,
    format_pct_change,
    format_value,
    month_ticks,
)
from core.i18n import t
from core.levers import levers_for
from core.progress import (
    GoalProgress,
    PlanInputs,
    PlanObservations,
    Progress,
    compute_progress,
    data_stamp,
    gap_attribution,
    load_plan_inputs,
    load_progress_observations,
    plan_as_of,
)
from core.usertext import md_plain
from ui import state
from ui.widgets import empty_state, page_exists, status_badge

STATUS_ICONS = {"on_track": "✔", "at_risk": "▲", "off_track": "✖", "too_early": "…"}
CHARTS = ("cumulative", "monthly")


def tt(key: str, /, **params: Any) -> str:
    """``key`` from track.toml (or any catalog file) in the UI language."""
    return t(key, state.lang(), **params)


# -- cached data --------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _inputs(url: str, workspace_id: int, stamp: tuple[Any, ...]) -> tuple[PlanInputs, PlanObservations]:
    del stamp  # part of the cache key only
    engine = state.engine() if url == database_url() else None
    from core.db import get_engine

    engine = engine or get_engine(url)
    inputs = load_plan_inputs(engine, workspace_id)
    return inputs, load_progress_observations(engine, inputs)


@st.cache_data(show_spinner=False, max_entries=32)
def _progress(url: str, workspace_id: int, stamp: tuple[Any, ...], as_of: date, lang: str) -> Progress:
    inputs, obs = _inputs(url, workspace_id, stamp)
    return compute_progress(inputs, obs, as_of, lang)


def current_stamp(workspace_id: int) -> tuple[Any, ...]:
    return data_stamp(state.engine(), workspace_id)


def default_date(workspace_id: int, stamp: tuple[Any, ...]) -> date:
    """The last day the plan's data covers (the inputs are read, and cached, for progress anyway)."""
    return plan_as_of(_inputs(database_url(), workspace_id, stamp)[1])


def progress_for(workspace_id: int, as_of: date | None = None) -> Progress:
    """The workspace's progress as of ``as_of`` (default: last day with data), cached."""
    stamp = current_stamp(workspace_id)
    day = as_of or default_date(workspace_id, stamp)
    return _progress(database_url(), workspace_id, stamp, day, state.lang())


# -- empty states -------------------------------------------------------------------------


def require_plan(progress: Progress) -> bool:
    """Say what to do when there is no KGI or no data yet; ``True`` when the page can go on."""
    if progress.kgi is None and not progress.kpis:
        empty_state("track.empty.no_kgi", action_key="track.empty.go_kgi", page="kgi")
        return False
    apart = periods_apart_note(progress, state.lang())
    if apart:
        st.warning(apart, icon=":material/date_range:")
        if page_exists("workspace"):
            st.page_link("pages/workspace.py", label=tt("measurement.go_period"), icon=":material/edit_calendar:")
        if page_exists("upload"):
            st.page_link("pages/upload.py", label=tt("track.empty.go_upload"), icon=":material/upload_file:")
        return False
    if not progress.has_data:
        empty_state("track.empty.no_data", action_key="track.empty.go_upload", page="upload")
        return False
    return True


def no_data_note(goal: GoalProgress) -> None:
    """A KPI whose sources have no data: which sources, and where to upload them."""
    sources = ", ".join(goal.sources) if goal.sources else tt("track.any_source")
    st.info(tt("track.kpi.no_data", metric=goal.name(state.lang()), sources=sources), icon=":material/info:")
    if page_exists("upload"):
        st.page_link("pages/upload.py", label=tt("track.empty.go_upload"), icon=":material/upload_file:")


# -- formatting ---------------------------------------------------------------------------


def fmt(goal: GoalProgress, value: float | None, currency: str, short: bool = False) -> str:
    return format_value(value, goal.unit, state.lang(), currency, short=short)


def status_word(status: str) -> str:
    """Icon and word, for tables where a badge cannot go (never colour alone)."""
    return f"{STATUS_ICONS.get(status, '…')} {t(f'numbers.status.{status}', state.lang())}"


def goal_title(goal: GoalProgress) -> str:
    return goal.name(state.lang())


def badge(status: str) -> None:
    status_badge(status)


def pace_text(goal: GoalProgress) -> str:
    return format_pct(goal.pace_ratio) if goal.pace_ratio is not None else "—"


def progress_text(goal: GoalProgress) -> str:
    return format_pct(goal.progress_ratio) if goal.progress_ratio is not None else "—"


def figure_notes(goal: GoalProgress, currency: str, *, short: bool = False) -> None:
    """Under a figure: the source it counts, other sources of the same thing with their own
    figure (never added), and a ratio's partial coverage."""
    lang = state.lang()
    source = source_note(goal, lang)
    if source:
        st.caption(source)
    for note in overlap_notes(goal, lang, currency, short=short):
        if short:
            st.caption(f"⚠ {note}")
        else:
            st.warning(note, icon=":material/difference:")
    coverage = coverage_note(goal, lang)
    if coverage:
        st.caption(f"ⓘ {coverage}")


# -- charts -------------------------------------------------------------------------------


def _month_end(label: str) -> pd.Timestamp:
    year, month = int(label[:4]), int(label[5:7])
    return pd.Timestamp(year, month, calendar.monthrange(year, month)[1])


def _layout(fig: go.Figure, height: int = 360, title: str | None = None) -> go.Figure:
    fig.update_layout(
        title={"text": title or "", "font": {"size": 15}, "x": 0, "xanchor": "left"},
        height=height, margin={"l": 10, "r": 10, "t": 50 if title else 30, "b": 10},
        # The legend at the foot of the whole figure (not a fraction of the plot's height), so
        # month ticks turned upright on a phone push the plot up instead of running into it.
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        hovermode="x unified",
    )
    return fig


HIT_COLOUR, MISS_COLOUR, OPEN_COLOUR = "#1f6f8b", "#c2410c", "#94a3b8"


def _value_axis(fig: go.Figure, goal: GoalProgress, values: list[float | None], currency: str) -> None:
    """The value axis in the language's number style (萬/億 or K/M, percent as percent)."""
    vals, text = axis_ticks(values, goal.unit, state.lang(), currency, include_zero=goal.kind == "additive")
    if vals:
        fig.update_yaxes(tickvals=vals, ticktext=text, range=[vals[0], vals[-1]])


def _hover_values(goal: GoalProgress, values: list[float | None], currency: str) -> list[str]:
    return format_distinct(values, goal.unit, state.lang(), currency)


def _bar_colour(actual: float | None, target: float | None, higher_is_better: bool) -> str:
    """Hit (blue) or missed (orange) its month's target; grey without a target."""
    if actual is None or target is None:
        return OPEN_COLOUR
    hit = actual >= target if higher_is_better else actual <= target
    return HIT_COLOUR if hit else MISS_COLOUR


def _month_axis(fig: go.Figure, goal: GoalProgress, labels: list[str]) -> None:
    """Month categories keep their full names (the hover shows them); the ticks are short and
    need no axis title (they are months, and the first names its year)."""
    fig.update_xaxes(tickvals=labels, ticktext=month_ticks([r.period for r in goal.monthly], state.lang()))


def cumulative_figure(goal: GoalProgress, progress: Progress) -> go.Figure:
    """Cumulative actual against the target pace, with the forecast band to the period end.

    Rates and stocks have no cumulative: their monthly level is drawn against the target.
    """
    lang = state.lang()
    x = [_month_end(r.period) for r in goal.monthly]
    fig = go.Figure()
    if goal.kind != "additive":
        return level_figure(goal, progress)
    target_cum = pd.Series([r.target or 0.0 for r in goal.monthly]).cumsum()
    fig.add_trace(go.Scatter(
        x=[pd.Timestamp(progress.period_start), *x], y=[0.0, *target_cum],
        name=tt("track.chart.target_pace"), line={"dash": "dash", "color": "#888"},
    ))
    done = [(xi, r.actual) for xi, r in zip(x, goal.monthly, strict=True) if r.actual is not None]
    if done:
        xs = [pd.Timestamp(progress.period_start)] + [min(xi, pd.Timestamp(progress.as_of)) for xi, _ in done]
        ys = [0.0, *pd.Series([v for _, v in done]).cumsum()]
        fig.add_trace(go.Scatter(x=xs, y=ys, name=tt("track.chart.actual"), mode="lines+markers",
                                 line={"width": 3, "color": "#1f6f8b"}))
        fc = goal.forecast
        if fc is not None and pd.Timestamp(progress.as_of) < pd.Timestamp(progress.period_end):
            end = pd.Timestamp(progress.period_end)
            start = xs[-1]
            fig.add_trace(go.Scatter(x=[start, end], y=[ys[-1], fc.high], mode="lines", line={"width": 0},
                                     showlegend=False, hoverinfo="skip"))
            fig.add_trace(go.Scatter(x=[start, end], y=[ys[-1], fc.low], mode="lines", line={"width": 0},
                                     fill="tonexty", fillcolor="rgba(31,111,139,0.15)",
                                     name=tt("track.chart.forecast_range")))
            fig.add_trace(go.Scatter(x=[start, end], y=[ys[-1], fc.value], name=tt("track.chart.forecast"),
                                     mode="lines", line={"dash": "dot", "color": "#1f6f8b"}))
    # Month ticks in the user's language (plotly's own are English), values in its number style.
    fig.update_xaxes(tickvals=x, ticktext=month_ticks([r.period for r in goal.monthly], lang),
                     hoverformat="%Y-%m-%d")
    fig.update_yaxes(title=goal_title(goal))
    shown = [*target_cum] + [y for trace in fig.data for y in (trace.y or ()) if y is not None]
    _value_axis(fig, goal, shown, progress.currency)
    return _layout(fig, title=tt("track.chart.cumulative_title", goal=goal_title(goal)))


def level_figure(goal: GoalProgress, progress: Progress) -> go.Figure:
    """Monthly level (rate or stock) against its monthly target."""
    labels = [format_month(r.period, state.lang()) for r in goal.monthly]
    targets = [r.target for r in goal.monthly]
    actuals = [r.actual for r in goal.monthly]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=labels, y=targets, name=tt("track.chart.target"),
                             customdata=_hover_values(goal, targets, progress.currency),
                             hovertemplate="%{customdata}", line={"dash": "dash", "color": "#888"}))
    fig.add_trace(go.Scatter(
        x=labels, y=actuals, customdata=_hover_values(goal, actuals, progress.currency),
        hovertemplate="%{customdata}", name=tt("track.chart.actual"), mode="lines+markers",
        line={"width": 3, "color": "#1f6f8b"},
    ))
    fig.update_yaxes(title=goal_title(goal))
    _value_axis(fig, goal, [*targets, *actuals], progress.currency)
    _month_axis(fig, goal, labels)
    return _layout(fig, title=tt("track.chart.level_title", goal=goal_title(goal)))


def monthly_figure(goal: GoalProgress, currency: str = "TWD") -> go.Figure:
    """Monthly bars against monthly targets, each bar coloured by whether it hit its month's
    target (and its hover says the status in words: never colour alone)."""
    labels = [format_month(r.period, state.lang()) for r in goal.monthly]
    targets = [r.target for r in goal.monthly]
    actuals = [r.actual for r in goal.monthly]
    higher = load_catalog()[goal.metric].higher_is_better if goal.metric in load_catalog() else True
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=actuals, name=tt("track.chart.actual"),
        marker_color=[_bar_colour(a, tg, higher) for a, tg in zip(actuals, targets, strict=True)],
        text=[status_word(r.status) if r.status else "" for r in goal.monthly],
        customdata=_hover_values(goal, actuals, currency),
        textposition="none", hovertemplate="%{customdata} %{text}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=labels, y=targets, name=tt("track.chart.monthly_target"), mode="lines+markers",
        customdata=_hover_values(goal, targets, currency), hovertemplate="%{customdata}",
        line={"dash": "dash", "color": "#d97706"},
    ))
    _month_axis(fig, goal, labels)
    fig.update_yaxes(title=goal_title(goal))
    _value_axis(fig, goal, [*targets, *actuals], currency)
    return _layout(fig, title=tt("track.chart.monthly_title", goal=goal_title(goal)))


# -- the dashboard ------------------------------------------------------------------------


def dashboard(workspace_id: int) -> None:
    """The dashboard's body, or what to do first when there is no plan or no data yet.

    The empty states stay outside the fragment: their buttons (the demo) must rerun the app.
    """
    stamp = current_stamp(workspace_id)
    progress = _progress(database_url(), workspace_id, stamp, default_date(workspace_id, stamp), state.lang())
    if require_plan(progress):
        dashboard_body(workspace_id)


@st.fragment
def dashboard_body(workspace_id: int) -> None:
    """The as-of date, the KGI headline and chart, the KPI cards.

    A fragment, so a new as-of date reruns this body only (the sidebar and the page chrome
    stay as they are); the data stamp is read again, so new imports still show.
    """
    stamp = current_stamp(workspace_id)
    as_of: date = st.date_input(
        tt("track.dashboard.as_of"), value=default_date(workspace_id, stamp), key=f"dash_as_of_{workspace_id}",
        help=tt("track.dashboard.as_of_help"), width=220,
    )
    progress = _progress(database_url(), workspace_id, stamp, as_of, state.lang())
    if progress.kgi is None and not progress.kpis:  # the plan went away meanwhile
        st.info(tt("track.empty.no_kgi"), icon=":material/info:")
        return
    if not progress.has_data:  # nothing up to the chosen date
        st.info(tt("track.empty.no_data"), icon=":material/info:")
        return
    kgi = progress.kgi
    if kgi is not None:
        headline(kgi, progress)
        if kgi.has_data:
            kgi_chart(progress, (stamp, as_of, state.lang()))
    else:
        st.info(tt("track.dashboard.no_kgi_kpis_only"), icon=":material/info:")
    if progress.kpis:
        kpi_cards(progress)
    why_and_what_to_try(progress)
    if any(g.behind for g in progress.goals()) and page_exists("optimise"):
        st.page_link("pages/optimise.py", label=tt("track.dashboard.go_optimise"), icon=":material/tune:")
    if page_exists("review"):
        st.page_link("pages/review.py", label=tt("track.dashboard.go_review"), icon=":material/fact_check:")


@st.fragment
def kgi_chart(progress: Progress, version: tuple[Any, ...]) -> None:
    """The chart switch and the KGI's chart: a switch reruns this fragment only, and each
    figure is built once per ``version`` (data stamp, as-of date, language)."""
    chart = st.segmented_control(
        tt("track.dashboard.chart"), options=list(CHARTS), default=CHARTS[0],
        format_func=lambda o: tt(f"track.dashboard.chart_{o}"), key="dash_chart", required=True,
    )
    st.plotly_chart(_figure(progress, version, chart or CHARTS[0]), key="dash_kgi_chart",
                    config={"displayModeBar": False})


_FIGURES = "_track_figures"


def _figure(progress: Progress, version: tuple[Any, ...], chart: str) -> go.Figure:
    """The KGI's ``chart``, kept in the session for the current ``version`` only.

    Figures are not picklable cheaply (``st.cache_data`` would rebuild them on every read),
    and are never mutated once drawn, so the session keeps the objects themselves.
    """
    cached = st.session_state.get(_FIGURES)
    if not cached or cached.get("version") != version:
        cached = {"version": version}
        st.session_state[_FIGURES] = cached
    if chart not in cached:
        kgi = progress.kgi
        assert kgi is not None
        cached[chart] = cumulative_figure(kgi, progress) if chart == "cumulative" else monthly_figure(kgi, progress.currency)
    return cached[chart]


def _forecast_text(goal: GoalProgress, currency: str) -> tuple[str, str]:
    fc = goal.forecast
    if fc is None:
        return "—", ""
    value = fmt(goal, fc.value, currency, short=True)
    return value, tt("track.dashboard.range", low=fmt(goal, fc.low, currency, short=True),
                     high=fmt(goal, fc.high, currency, short=True))


def required_text(goal: GoalProgress, currency: str, *, even_on_track: bool = False) -> str | None:
    """What the goal needs from now on, in words (nothing for a goal on track, unless asked)."""
    if goal.required_rate is None or (goal.status == "on_track" and not even_on_track):
        return None
    key = {"additive": "track.required.additive", "rate": "track.required.rate",
           "stock": "track.required.stock"}[goal.kind]
    return tt(key, value=fmt(goal, goal.required_rate, currency, short=True))


def _delta(goal: GoalProgress) -> str | None:
    if goal.pace_ratio is None:
        return None
    return tt("track.metric.vs_pace", change=format_pct_change((goal.pace_ratio - 1) * 100, state.lang(), 0))


def headline(goal: GoalProgress, p: Progress) -> None:
    """The KGI in one box: five numbers, the status in icon and word, and its sentence."""
    with st.container(border=True):
        st.caption(tt("track.dashboard.kgi"))
        with st.container(horizontal=True, vertical_alignment="center"):
            st.subheader(md_plain(goal.label) if goal.label else goal_title(goal), anchor=False)
            badge(goal.status)
        if not goal.has_data:
            no_data_note(goal)
            return
        # Two rows: six big currency figures side by side would be cut short ("NT$3,536…").
        # Progress toward the whole target and the pace are two figures, each labelled: a
        # headline percentage reads as progress, so the pace never stands in for it.
        top, bottom = st.columns(3), st.columns(3)
        # Figures side by side that differ never print the same (NT$1.39K against NT$1.4K).
        actual, target, expected = format_distinct(
            [goal.actual_to_date, goal.target, goal.expected_to_date], goal.unit, state.lang(), p.currency, short=True)
        top[0].metric(tt("track.metric.actual"), actual, help=fmt(goal, goal.actual_to_date, p.currency))
        top[1].metric(tt("measurement.progress_ratio"), progress_text(goal), help=tt("measurement.progress_help"))
        top[2].metric(tt("track.metric.target"), target, help=fmt(goal, goal.target, p.currency))
        bottom[0].metric(tt("track.metric.expected"), expected)
        bottom[1].metric(tt("track.metric.pace"), pace_text(goal),
                         delta=_delta(goal), delta_color="normal", help=tt("track.metric.pace_help"))
        value, band = _forecast_text(goal, p.currency)
        bottom[2].metric(tt("track.metric.forecast"), value, help=band or None)
        st.markdown(f"**{goal.sentence}**")
        extra = [band] if band else []
        required = required_text(goal, p.currency)
        if required:
            extra.append(required)
        if extra:
            st.caption(" · ".join(extra))
        figure_notes(goal, p.currency)


def kpi_cards(progress: Progress) -> None:
    """The KPIs, three to a row, with how many are behind."""
    st.subheader(tt("track.dashboard.kpis"), anchor=False)
    behind = sum(1 for k in progress.kpis if k.behind)
    st.caption(tt("track.dashboard.kpis_summary", behind=behind, total=len(progress.kpis),
                  elapsed=format_pct(progress.elapsed), as_of=format_day(progress.as_of, state.lang())))
    columns = st.columns(3)
    for i, goal in enumerate(progress.kpis):
        with columns[i % 3]:
            kpi_card(goal, progress)


def goal_header(goal: GoalProgress, prefix: str = "") -> None:
    """A goal's name and its status badge (icon and word) on one line."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.markdown(f"**{prefix}{goal_title(goal)}**")
        badge(goal.status)


def kpi_card(goal: GoalProgress, p: Progress) -> None:
    with st.container(border=True, height="stretch"):
        goal_header(goal)
        if not goal.has_data:
            no_data_note(goal)
            return
        actual, target = format_distinct([goal.actual_to_date, goal.target], goal.unit, state.lang(), p.currency,
                                         short=True)
        st.metric(tt("track.kpi.actual_vs_target", target=target), actual, delta=_delta(goal))
        if sum(1 for r in goal.monthly if r.actual is not None) > 1:
            st.plotly_chart(sparkline(goal), key=f"spark_{goal.metric}_{goal.label}",
                            config={"displayModeBar": False, "staticPlot": True})
        st.caption(goal.sentence)
        if goal.progress_ratio is not None:
            st.caption(tt("measurement.progress_line", value=progress_text(goal)))
        if goal.actual_change_pct is not None:
            st.caption(tt("track.kpi.vs_last_year", change=format_pct_change(goal.actual_change_pct, state.lang())))
        figure_notes(goal, p.currency, short=True)


def sparkline(goal: GoalProgress) -> dict[str, Any]:
    """A KPI's months in a thumbnail: the actual line and its monthly target dashed (st.metric's
    own sparkline cannot draw a target).

    A plain figure dict: eight cards of Plotly's figure objects (each ``update_layout``
    validated) cost a tenth of the dashboard's first run; the dict is validated once.
    """
    done = [r for r in goal.monthly if r.actual is not None]
    lines = (([r.target for r in done], {"dash": "dash", "color": "#d97706", "width": 1.5}),
             ([r.actual for r in done], {"color": "#1f6f8b", "width": 2}))
    return {
        "data": [{"type": "scatter", "y": ys, "mode": "lines", "line": line} for ys, line in lines],
        "layout": {"height": 70, "margin": {"l": 0, "r": 0, "t": 4, "b": 4}, "showlegend": False,
                   "xaxis": {"visible": False}, "yaxis": {"visible": False}},
    }


def why_and_what_to_try(progress: Progress) -> None:
    """On the dashboard itself: which driver explains the KGI's gap and, for each goal behind,
    the first thing to try and what it needs from now on (the Optimise page has the rest)."""
    behind = [g for g in progress.goals() if g.behind and g.has_data]
    if not behind:
        return
    lang = state.lang()
    catalog = load_catalog()
    with st.container(border=True):
        st.subheader(tt("track.dashboard.why_title"), anchor=False)
        kgi = progress.kgi
        if kgi is not None and kgi.behind:
            gaps = [g for g in gap_attribution(progress) if g.shortfall is not None and g.shortfall < 0]
            if gaps:
                worst = gaps[0]
                st.markdown(tt("track.optimise.culprit", driver=catalog[worst.metric].name(lang),
                               actual=format_pct_change(worst.actual_change_pct, lang),
                               needed=format_pct_change(worst.target_change_pct, lang)))
        for goal in behind:
            lever = next(iter(levers_for(goal.metric, lang, limit=1)), None)
            needed = required_text(goal, progress.currency)
            line = tt("track.dashboard.try_line", goal=goal_title(goal), status=status_word(goal.status),
                      lever=lever.title if lever else tt("track.dashboard.no_lever"))
            st.markdown(f"- {line}" + (f" · {needed}" if needed else ""))
