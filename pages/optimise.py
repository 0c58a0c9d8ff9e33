"""Optimise: for a KGI behind plan, which driver explains the gap; for each KPI behind, the
article's levers and what is needed from now on; and an A/B test calculator (significance of
a difference in two rates, and the sample size a test needs)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.abtest import sample_size, two_proportion_test
from core.catalog import load_catalog
from core.errors import KgiError
from core.formatting import format_pct, format_pct_change
from core.levers import levers_for
from core.progress import Progress, gap_attribution
from core.typography import join_list
from ui import state
from ui.track import (
    goal_header,
    goal_title,
    no_data_note,
    progress_for,
    require_plan,
    required_text,
    status_word,
    tt,
)
from ui.widgets import page_header, require_workspace, show_error

page_header("track.optimise.title", "track.optimise.subtitle")
lang = state.lang()


def driver_gap(p: Progress) -> None:
    """Which driver explains the KGI's gap: actual vs needed change, worst first."""
    kgi = p.kgi
    if kgi is None or not kgi.behind:
        return
    st.subheader(tt("track.optimise.why", kgi=goal_title(kgi)), anchor=False)
    gaps = gap_attribution(p)
    if not gaps:
        st.caption(tt("track.optimise.no_attribution"))
        return
    catalog = load_catalog()
    worst = gaps[0]
    if worst.shortfall is not None and worst.shortfall < 0:
        st.markdown(tt(
            "track.optimise.culprit", driver=catalog[worst.metric].name(lang),
            actual=format_pct_change(worst.actual_change_pct, lang),
            needed=format_pct_change(worst.target_change_pct, lang),
        ))
    table = pd.DataFrame([{
        tt("track.optimise.col_driver"): catalog[g.metric].name(lang),
        tt("track.optimise.col_actual"): format_pct_change(g.actual_change_pct, lang),
        tt("track.optimise.col_needed"): format_pct_change(g.target_change_pct, lang),
        tt("track.optimise.col_gap"): format_pct_change(g.shortfall * 100 if g.shortfall is not None else None, lang),
        tt("track.optimise.col_share"): format_pct(g.share) if g.share is not None else "—",
    } for g in gaps])
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(tt("track.optimise.gap_help", kgi_change=format_pct_change(kgi.actual_change_pct, lang),
                  kgi_target=format_pct_change(kgi.target_change_pct, lang)))


def behind_goals(p: Progress) -> None:
    goals = [g for g in p.goals() if g.behind or not g.has_data]
    st.subheader(tt("track.optimise.behind"), anchor=False)
    if not any(g.behind for g in goals):
        st.success(tt("track.optimise.all_on_track"), icon=":material/check_circle:")
    for goal in goals:
        with st.container(border=True):
            goal_header(goal, "KGI · " if goal.role == "kgi" else "")
            if not goal.has_data:
                no_data_note(goal)
                continue
            st.caption(goal.sentence)
            needed = required_text(goal, p.currency, even_on_track=True)
            if needed:
                st.markdown(f":material/flag: {needed}")
            st.markdown(f"**{tt('track.optimise.levers')}**")
            for lever in levers_for(goal.metric, lang, limit=4):
                st.markdown(f"- **{lever.title}** — {lever.how}")


def ab_calculator() -> None:
    st.subheader(tt("track.ab.title"), anchor=False)
    st.caption(tt("track.ab.subtitle"))
    test_tab, size_tab = st.tabs([tt("track.ab.test_tab"), tt("track.ab.size_tab")])
    with test_tab:
        a, b = st.columns(2)
        n_a = a.number_input(tt("track.ab.visitors_a"), min_value=1, value=5000, step=100, key="ab_n_a")
        c_a = a.number_input(tt("track.ab.conversions_a"), min_value=0, value=100, step=1, key="ab_c_a")
        n_b = b.number_input(tt("track.ab.visitors_b"), min_value=1, value=5000, step=100, key="ab_n_b")
        c_b = b.number_input(tt("track.ab.conversions_b"), min_value=0, value=130, step=1, key="ab_c_b")
        try:
            result = two_proportion_test(int(c_a), int(n_a), int(c_b), int(n_b))
        except KgiError as exc:
            show_error(exc)
        else:
            cols = st.columns(4)
            cols[0].metric(tt("track.ab.rate_a"), format_pct(result.rate_a, 2))
            cols[1].metric(tt("track.ab.rate_b"), format_pct(result.rate_b, 2))
            cols[2].metric(tt("track.ab.lift"), format_pct_change(None if result.lift is None else result.lift * 100, lang))
            cols[3].metric(tt("track.ab.p_value"), f"{result.p_value:.4f}")
            if result.ci_low is not None and result.ci_high is not None:
                st.caption(tt("track.ab.ci", low=format_pct_change(result.ci_low * 100, lang),
                              high=format_pct_change(result.ci_high * 100, lang)))
            verdict = "track.ab.significant" if result.significant else "track.ab.not_significant"
            icon = ":material/check_circle:" if result.significant else ":material/help:"
            st.markdown(f"{icon} {tt(verdict, p=f'{result.p_value:.3f}')}")
    with size_tab:
        cols = st.columns(4)
        base = cols[0].number_input(tt("track.ab.baseline"), min_value=0.01, max_value=99.0, value=2.0,
                                    step=0.1, key="ab_base", help=tt("track.ab.baseline_help"))
        mde = cols[1].number_input(tt("track.ab.mde"), min_value=1.0, max_value=500.0, value=10.0, step=1.0,
                                   key="ab_mde", help=tt("track.ab.mde_help"))
        power = cols[2].selectbox(tt("track.ab.power"), [0.8, 0.9, 0.95], key="ab_power",
                                  format_func=lambda v: format_pct(v))
        alpha = cols[3].selectbox(tt("track.ab.alpha"), [0.05, 0.01, 0.1], key="ab_alpha",
                                  format_func=lambda v: format_pct(v))
        try:
            n = sample_size(base / 100, mde / 100, float(power), float(alpha))
        except KgiError as exc:
            show_error(exc)
        else:
            st.metric(tt("track.ab.per_group"), f"{n:,}")
            st.caption(tt("track.ab.size_help", total=f"{2 * n:,}"))


ws = require_workspace()
if ws is not None:
    progress = progress_for(ws.id)
    if require_plan(progress):
        driver_gap(progress)
        behind_goals(progress)
        st.caption(tt("track.optimise.as_of", as_of=progress.as_of.isoformat(),
                      statuses=join_list((status_word(s) for s in ("on_track", "at_risk", "off_track")), lang)))
st.divider()
ab_calculator()
