"""Downloads: the plan workbook and its CSV, the monthly review workbook, the printable summary.

Pages and the ``kgi`` command call the functions re-exported here; nothing in this package
imports Streamlit.
"""

from __future__ import annotations

from core.export.plan_workbook import (
    TEMPLATE_HEADERS,
    TEMPLATE_SOURCE,
    PlanData,
    actuals_template_bytes,
    build_plan_csv,
    build_plan_workbook,
    load_plan,
    plan_csv_bytes,
    plan_workbook_bytes,
)
from core.export.review_workbook import build_review_workbook
from core.export.safe import csv_safe, write_text
from core.export.summary_html import summary_html
from core.review_types import MonthCell, ReviewData, ReviewRow

__all__ = [
    "TEMPLATE_HEADERS",
    "TEMPLATE_SOURCE",
    "MonthCell",
    "PlanData",
    "ReviewData",
    "ReviewRow",
    "actuals_template_bytes",
    "build_plan_csv",
    "build_plan_workbook",
    "build_review_workbook",
    "csv_safe",
    "load_plan",
    "plan_csv_bytes",
    "plan_workbook_bytes",
    "summary_html",
    "write_text",
]
