"""Dashboard speed (issue 5): first run and a rerun after a widget change, against an empty page.

Fills a workspace with 3 years × 40 metrics of daily data over 5 dimension values (about
220,000 observations), gives it a KGI and eight KPIs, then times with AppTest, in the same
process and against the same database:

- an *empty page* of the same app (the same page set-up and sidebar, a page with no body);
- the dashboard's *first run* (cold caches: loading, aggregation, pacing, charts);
- the dashboard's *rerun* after a widget change (the chart switch), which should recompute
  nothing.

The rerun is requested as the browser requests it: when the changed widget was drawn inside
an ``st.fragment``, the browser asks for a rerun of that fragment only (``fragment_id`` in its
rerun request), and so does this benchmark — AppTest itself always reruns the whole script,
which no user ever waits for after such a change. ``full_rerun`` (the whole script after the
same kind of change) is printed too, for information.

Each is the median of several runs. The last line printed is
``first_ratio=<dashboard first / empty first> rerun_ratio=<dashboard rerun / empty rerun>``
(goal: ≤ 4 and ≤ 1.5).

With ``--postgres`` the same is measured on PostgreSQL (a throwaway schema on the team
server, see ``benchmarks/pg_support.py``) beside an agency's other clients: ``--clients``
workspaces (default 40) of 2 years × daily × 20 campaigns × 9 metrics, about 5 million
observations, seeded with ``COPY`` before anything is timed (issue 12; same goals).

Run: ``.venv/bin/python benchmarks/dashboard_bench.py [--repeat 3] [--postgres [--clients 40]]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIMENSIONS = ("Organic Search", "Paid Social", "Paid Search", "Direct", "Email")
CHROME = """
import streamlit as st
from ui import state
from ui.widgets import sidebar
st.set_page_config(page_title="KGI Planner", layout="wide")
state.init_language()
state.init_workspace()
sidebar()
"""
# Both scripts register every page of the app (links between pages must resolve); only the
# default page differs: an empty one, or the dashboard.
PAGES = """
from pathlib import Path
ROOT = Path({root!r})
others = [st.Page(f"pages/{{p.name}}", url_path=p.stem + "-page")
          for p in sorted((ROOT / "pages").glob("*.py")) if p.stem != "dashboard"]
dashboard = st.Page("pages/dashboard.py", url_path="progress", default={dash})
def _empty() -> None:
    st.title("Empty")
empty = st.Page(_empty, title="Empty", url_path="empty", default={empty})
st.navigation([empty, dashboard, *others]).run()
"""
EMPTY_SCRIPT = CHROME + PAGES.format(root=str(ROOT), dash=False, empty=True)
DASHBOARD_SCRIPT = CHROME + PAGES.format(root=str(ROOT), dash=True, empty=False)


def _metrics() -> list[str]:
    from core.catalog import load_catalog

    return load_catalog().keys()[:40]


def fill(engine, today: date) -> int:  # noqa: ANN001
    """A workspace with ~220,000 observations and a plan; returns its id."""
    from core.catalog import load_catalog
    from core.demo import bulk_insert
    from core.plans import apply_templates, save_kgi, save_kpi
    from core.workspaces import create_workspace

    year = today.year
    ws = create_workspace(engine, "Bench shop", "ecommerce", period_start=date(year, 1, 1))
    days = pd.date_range(date(year - 2, 1, 1), today - timedelta(days=1), freq="D")
    days = days[: 3 * 365]
    rng = np.random.default_rng(7)
    catalog = load_catalog()
    frames = []
    for metric in _metrics():
        unit = catalog[metric].unit
        scale = {"percent": 0.03, "ratio": 4.0, "rank": 8.0, "currency": 20000.0}.get(unit, 500.0)
        for dim in DIMENSIONS:
            values = scale * rng.lognormal(0, 0.2, len(days))
            frames.append(pd.DataFrame({"date": days.date, "metric": metric, "value": values, "dimension": dim}))
    data = pd.concat(frames, ignore_index=True)
    bulk_insert(engine, ws.id, "ga4", data, "bench.csv")
    save_kgi(engine, ws.id, f"{year} 年全年營收成長 30%", lang="zh-TW")
    apply_templates(engine, ws.id)
    for metric, kind, value in (("ctr", "level", 0.03), ("open_rate", "level", 0.25),
                                ("organic_sessions", "change_pct", 20), ("followers", "level", 100000),
                                ("keyword_position", "rank", 3)):
        save_kpi(engine, ws.id, metric=metric, target_kind=kind, target_value=value)
    print(f"observations={len(data)}", flush=True)
    return ws.id


def _session(script: str, ws_id: int):  # noqa: ANN202
    """An AppTest of ``script`` run as if it were the app's entry file (page paths are
    relative to the entry file, so it is written beside app.py for the run)."""
    from streamlit.testing.v1 import AppTest

    entry = ROOT / f".bench_entry_{os.getpid()}_{abs(hash(script))}.py"
    entry.write_text(script, encoding="utf-8")
    ENTRIES.append(entry)
    at = AppTest.from_file(str(entry), default_timeout=120)
    at.session_state["ui_lang"] = "en"
    at.session_state["ui_workspace_id"] = ws_id
    return at


ENTRIES: list[Path] = []


def _browser_like_runner():  # noqa: ANN202
    """AppTest's script runner, with the one thing the browser does that AppTest does not:
    a rerun after a change to a widget inside a fragment is scoped to that fragment.

    The app's session hands a new script runner the request it is created for
    (``initial_rerun_data``); AppTest always hands it a full rerun, so both that and the
    request made by ``run`` carry the fragment here.
    """
    from unittest import mock

    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
    from streamlit.testing.v1 import local_script_runner

    class BrowserLikeRunner(local_script_runner.LocalScriptRunner):
        fragment_id: str | None = None  # set for one run by ``_rerun``
        messages: list = []  # noqa: RUF012 - the last run's messages, to find a widget's fragment

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            with mock.patch.object(local_script_runner, "RerunData", self._initial):
                super().__init__(*args, **kwargs)

        @staticmethod
        def _initial(**kwargs) -> RerunData:  # noqa: ANN003
            return RerunData(**kwargs, fragment_id=BrowserLikeRunner.fragment_id)

        def request_rerun(self, rerun_data: RerunData) -> bool:
            if BrowserLikeRunner.fragment_id:
                rerun_data = dataclasses.replace(rerun_data, fragment_id=BrowserLikeRunner.fragment_id)
            return super().request_rerun(rerun_data)

        def forward_msgs(self):  # noqa: ANN202
            BrowserLikeRunner.messages = list(super().forward_msgs())
            return BrowserLikeRunner.messages

    return BrowserLikeRunner


RUNNER = None


def _fragment_of(widget_key: str) -> str | None:
    """The fragment the widget ``widget_key`` was drawn in during the last run (as the
    browser reads it from the element's delta), or ``None`` outside any fragment."""
    for msg in RUNNER.messages:
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            continue
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
        if isinstance(widget_id, str) and widget_id.endswith(f"-{widget_key}"):
            return msg.delta.fragment_id or None
    return None


def _rerun(at, widget_key: str) -> float:  # noqa: ANN001
    """Time the rerun the browser would request after ``widget_key`` changed."""
    RUNNER.fragment_id = _fragment_of(widget_key)
    try:
        return _time(at.run)
    finally:
        RUNNER.fragment_id = None


def _time(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(ws_id: int, repeat: int) -> dict[str, float]:
    import streamlit as st

    results: dict[str, list[float]] = {"empty_first": [], "empty_rerun": [], "first": [], "rerun": [],
                                       "full_rerun": []}
    for _ in range(repeat):
        st.cache_data.clear()
        empty = _session(EMPTY_SCRIPT, ws_id)
        results["empty_first"].append(_time(empty.run))
        results["empty_rerun"].append(_time(empty.run))
        st.cache_data.clear()
        dash = _session(DASHBOARD_SCRIPT, ws_id)
        results["first"].append(_time(dash.run))
        assert not dash.exception, [e.value for e in dash.exception]
        dash.segmented_control(key="dash_chart").set_value("monthly")
        results["rerun"].append(_rerun(dash, "dash_chart"))
        assert not dash.exception, [e.value for e in dash.exception]
        assert len(dash.get("plotly_chart")) == 1, "the rerun did not draw the chart"
        dash.run()  # a full run, so the tree holds the whole page again
        dash.segmented_control(key="dash_chart").set_value("cumulative")
        results["full_rerun"].append(_time(dash.run))
        assert not dash.exception, [e.value for e in dash.exception]
    return {k: statistics.median(v) for k, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="measure on PostgreSQL among an agency's clients")
    parser.add_argument("--clients", type=int, default=40, help="with --postgres: other workspaces to seed")
    args = parser.parse_args()
    if args.postgres:
        from pg_support import throwaway_schema

        with throwaway_schema() as url:
            run(url, args)
        return
    folder = tempfile.mkdtemp(prefix="kgi-bench-")
    run(f"sqlite:///{folder}/bench.db", args)


def run(url: str, args: argparse.Namespace) -> None:
    os.environ["KGI_DATABASE_URL"] = url
    os.chdir(ROOT)
    from unittest import mock

    from streamlit.testing.v1 import app_test

    from core.db import get_engine

    global RUNNER
    RUNNER = _browser_like_runner()
    patcher = mock.patch.object(app_test, "LocalScriptRunner", RUNNER)
    patcher.start()

    engine = get_engine()
    start = time.perf_counter()
    if args.postgres:
        from pg_support import seed_agency

        seeded = seed_agency(engine, args.clients, date.today())
        print(f"agency_clients={args.clients} agency_observations={seeded} seed_seconds="
              f"{time.perf_counter() - start:.1f}", flush=True)
        start = time.perf_counter()
    ws_id = fill(engine, date.today())
    print(f"fill_seconds={time.perf_counter() - start:.1f}", flush=True)
    try:
        # One warm-up of each script so imports and Streamlit's own start-up are not timed.
        measure(ws_id, 1)
        t = measure(ws_id, args.repeat)
    finally:
        patcher.stop()
        for entry in set(ENTRIES):
            entry.unlink(missing_ok=True)
    for key, value in t.items():
        print(f"{key}={value:.3f}s")
    print(f"first_ratio={t['first'] / t['empty_first']:.2f} rerun_ratio={t['rerun'] / t['empty_rerun']:.2f}")


if __name__ == "__main__":
    main()
