"""Files from ``../shared`` (the article, the sample exports) beside the checkout.

CI always has that folder, so there a missing file fails the test; on a developer's machine
without it, the test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE_FILES = (
    "ga4_traffic_acquisition.csv",
    "google_ads_campaign_report.csv",
    "mailchimp_campaigns.csv",
    "meta_ads_daily.csv",
    "search_console_performance.xlsx",
    "shopify_orders_export.csv",
)


def shared_file(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI runs with ../shared beside the checkout")
        pytest.skip(f"{path} is not here (../shared beside the checkout)")
    return path


def expected_monthly() -> dict[str, Any]:
    """``samples/expected_monthly.json``: file → metric → month → figure."""
    return json.loads(shared_file("samples", "expected_monthly.json").read_text(encoding="utf-8"))
