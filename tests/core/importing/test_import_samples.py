"""The shared sample exports reproduce ``expected_monthly.json`` to 0.1 %."""

from __future__ import annotations

import datetime as dt

import pytest
from shared_files import expected_monthly, shared_file

from core.aggregate import aggregate
from core.importing import read_file

SOURCES = {
    "ga4_traffic_acquisition.csv": "ga4",
    "google_ads_campaign_report.csv": "google_ads",
    "mailchimp_campaigns.csv": "mailchimp",
    "meta_ads_daily.csv": "meta_ads",
    "search_console_performance.xlsx": "search_console",
    "shopify_orders_export.csv": "shopify_orders",
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_sample_reproduces_expected_monthly(name: str) -> None:
    expected = expected_monthly()
    parsed = read_file(shared_file("samples", name).read_bytes(), name, today=dt.date(2025, 1, 1))
    assert parsed.source == SOURCES[name]
    assert parsed.confidence >= 0.9
    assert parsed.rejected == []
    for metric, months in expected[name].items():
        got = aggregate(parsed.observations, metric, by="month")
        assert sorted(got.index) == sorted(months), metric
        for month, expected in months.items():
            assert got[month] == pytest.approx(expected, rel=1e-3), (metric, month)
