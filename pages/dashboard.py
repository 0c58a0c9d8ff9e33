"""Dashboard: the KGI headline (actual to date, expected pace, pace ratio, forecast with its
range, status and its sentence), the charts, and one card per KPI with a sparkline.

The body lives in :func:`ui.track.dashboard`, a fragment: a widget change there reruns the
body (or only the chart) instead of the whole app.
"""

from __future__ import annotations

import streamlit as st

from ui.track import dashboard
from ui.widgets import page_header, require_workspace

page_header("track.dashboard.title", "track.dashboard.subtitle")
ws = require_workspace()
if ws is None:
    st.stop()
dashboard(ws.id)
