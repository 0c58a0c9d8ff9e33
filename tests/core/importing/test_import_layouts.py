"""One fixture per export layout, built by test code in the real layout (builders.py)."""

from __future__ import annotations

import datetime as dt

import builders
import pandas as pd
import pytest

from core.importing import read_file

TODAY = dt.date(2026, 1, 1)


def values(parsed, metric: str, dimension: str | None = None) -> dict[str, float]:
    obs = parsed.observations
    rows = obs[obs["metric"] == metric]
    if dimension is not None:
        rows = rows[rows["dimension"] == dimension]
    summed = rows.groupby(rows["date"].dt.strftime("%Y-%m-%d"))["value"].sum()
    return {k: round(float(v), 6) for k, v in summed.items()}


def roles(parsed) -> dict[str, tuple[str, str | None]]:
    return {c.name: (c.role, c.metric) for c in parsed.columns}


def test_observation_frame_shape() -> None:
    parsed = read_file(builders.ga4_standard(), "Traffic.csv", today=TODAY)
    obs = parsed.observations
    assert list(obs.columns)[:5] == ["date", "metric", "value", "dimension", "granularity"]
    assert str(obs["date"].dtype) == "datetime64[ns]"
    assert str(obs["value"].dtype) == "float64"
    assert not obs.duplicated(["date", "metric", "dimension"]).any()
    assert set(obs["granularity"]) == {"day"}


def test_ga4_standard() -> None:
    parsed = read_file(builders.ga4_standard(), "Traffic.csv", today=TODAY)
    assert parsed.source == "ga4"
    assert parsed.confidence >= 0.9
    assert values(parsed, "sessions") == {"2024-01-01": 150.0, "2024-01-02": 160.0}
    assert values(parsed, "organic_sessions") == {"2024-01-01": 100.0, "2024-01-02": 120.0}
    assert values(parsed, "revenue") == {"2024-01-01": 3400.5, "2024-01-02": 4100.0}
    assert values(parsed, "orders") == {"2024-01-01": 3.0, "2024-01-02": 4.0}
    assert values(parsed, "conversions", "Direct") == {"2024-01-01": 1.0, "2024-01-02": 0.0}
    assert parsed.meta["start"] == "2024-01-01" and parsed.meta["end"] == "2024-01-02"
    assert parsed.meta["property"] == "Test Shop (GA4)"
    assert roles(parsed)["Engagement rate"] == ("ignored", "engagement_rate")
    assert parsed.rejected == []


def test_ga4_exploration_grand_total_row_with_extra_field() -> None:
    parsed = read_file(builders.ga4_exploration(), "download (2).csv", today=TODAY)
    assert parsed.source == "ga4"
    assert values(parsed, "sessions") == {"2024-01-01": 100.0, "2024-01-02": 200.0, "2024-01-03": 300.0}
    assert values(parsed, "users")["2024-01-03"] == 240.0
    assert parsed.rejected == []
    assert any(w.key == "import.warn.totals_dropped" for w in parsed.warnings)
    assert parsed.meta["start"] == "2024-01-01" and parsed.meta["end"] == "2024-01-03"


def test_ga4_overview_multi_table() -> None:
    parsed = read_file(builders.ga4_overview(), "data-export.csv", today=TODAY)
    assert parsed.source == "ga4"
    assert values(parsed, "users") == {"2024-03-01": 10.0, "2024-03-02": 20.0, "2024-03-03": 30.0}
    assert values(parsed, "revenue") == {"2024-03-01": 100.5, "2024-03-02": 200.0, "2024-03-03": 0.0}
    assert parsed.meta["tables"] == 2  # the Users and revenue blocks; empty and dateless ones skipped


def test_gsc_chart_csv_rates_recomputed_not_stored() -> None:
    parsed = read_file(builders.gsc_chart_csv(), "Chart.csv", today=TODAY)
    assert parsed.source == "search_console"
    assert set(parsed.metrics) == {"clicks", "impressions", "keyword_position"}
    assert values(parsed, "clicks") == {"2024-05-01": 10.0, "2024-05-02": 30.0, "2024-05-03": 0.0}
    assert values(parsed, "keyword_position") == {"2024-05-01": 8.5, "2024-05-02": 6.0}
    assert roles(parsed)["CTR"] == ("ignored", "ctr")


def test_gsc_dates_csv_newest_first() -> None:
    parsed = read_file(builders.gsc_chart_csv(newest_first=True), "Dates.csv", today=TODAY)
    assert values(parsed, "impressions") == {"2024-05-01": 1000.0, "2024-05-02": 1500.0, "2024-05-03": 0.0}


def test_gsc_queries_csv_has_no_dates() -> None:
    from core.errors import KgiError

    with pytest.raises(KgiError) as err:
        read_file(builders.gsc_queries_csv(), "Queries.csv", today=TODAY)
    assert err.value.key == "import.file.no_date_source"
    assert "Chart.csv" in err.value.message("en")
    assert "Chart.csv" in err.value.message("zh-TW")


def test_gsc_xlsx_picks_the_chart_sheet() -> None:
    parsed = read_file(builders.gsc_xlsx(), "site-Performance-on-Search-2024-05-03.xlsx", today=TODAY)
    assert parsed.source == "search_console"
    assert parsed.meta["sheets"] == ["Chart"]
    assert values(parsed, "clicks") == {"2024-05-01": 10.0, "2024-05-02": 30.0}
    skipped = [w for w in parsed.warnings if w.key == "import.warn.sheet_skipped"]
    assert {w.params["sheet"] for w in skipped} >= {"Queries", "Pages", "Filters"}


def test_gsc_compare_mode_by_suffix() -> None:
    parsed = read_file(builders.gsc_compare_csv(), "Chart.csv", source="search_console", today=TODAY)
    assert values(parsed, "clicks") == {"2024-05-01": 10.0}
    assert values(parsed, "impressions") == {"2024-05-01": 100.0}
    assert roles(parsed)["Previous 28 days Clicks"][0] == "ignored"


def test_meta_csv_english() -> None:
    parsed = read_file(builders.meta_csv_en(), "Acct-Campaigns-1-Feb-2024-2-Feb-2024.csv", today=TODAY)
    assert parsed.source == "meta_ads"
    assert parsed.currency == "USD"
    assert values(parsed, "ad_spend") == {"2024-02-01": 70.0, "2024-02-02": 60.0}
    assert values(parsed, "clicks", "Prospecting") == {"2024-02-01": 20.0, "2024-02-02": 30.0}
    assert values(parsed, "conversions") == {"2024-02-01": 2.0, "2024-02-02": 3.0}
    # No value column: conversion value = ROAS × spend, row by row; ROAS itself is not stored.
    assert values(parsed, "conversion_value") == {"2024-02-01": 225.0, "2024-02-02": 300.0}
    assert "roas" not in parsed.metrics and "ctr" not in parsed.metrics
    assert any(w.key == "import.warn.derived" for w in parsed.warnings)


def test_meta_xlsx_zh_tw_duplicate_headers_and_month_ranges() -> None:
    parsed = read_file(builders.meta_xlsx_zh(), "耘初茶食.xlsx", today=TODAY)
    assert parsed.source == "meta_ads"
    assert parsed.currency == "TWD"
    obs = parsed.observations
    assert set(obs["granularity"]) == {"month"}
    assert values(parsed, "ad_spend", "春季檔期") == {"2025-10-01": 100.0}
    assert values(parsed, "impressions") == {"2025-10-01": 200.0, "2025-11-01": 60.0}
    assert values(parsed, "conversions") == {"2025-10-01": 2.0}
    assert values(parsed, "conversion_value") == {"2025-10-01": 270.0}
    names = [c.name for c in parsed.columns]
    assert "行銷活動名稱" in names and "行銷活動名稱.1" in names
    assert parsed.rejected == []


def test_google_ads_csv_utf8_totals_dropped() -> None:
    parsed = read_file(builders.google_ads_csv(), "Campaign report (1).csv", today=TODAY)
    assert parsed.source == "google_ads"
    assert parsed.currency == "TWD"
    assert values(parsed, "impressions") == {"2024-01-01": 6538.0, "2024-01-02": 2949.0}
    assert values(parsed, "conversion_value") == {"2024-01-01": 18679.07, "2024-01-02": 15313.05}
    assert parsed.meta["start"] == "2024-01-01" and parsed.meta["end"] == "2024-01-02"
    assert any(w.key == "import.warn.totals_dropped" and w.params["count"] == 2 for w in parsed.warnings)


def test_google_ads_utf16_tab_same_figures() -> None:
    utf8 = read_file(builders.google_ads_csv(), "a.csv", today=TODAY).observations
    utf16 = read_file(builders.google_ads_utf16_tab(), "Campaign report.csv", today=TODAY)
    assert utf16.meta["encoding"] == "utf-16-le" and utf16.meta["delimiter"] == "\t"
    pd.testing.assert_frame_equal(utf8.reset_index(drop=True), utf16.observations.reset_index(drop=True))


def test_google_ads_xlsx_with_preamble_rows() -> None:
    parsed = read_file(builders.google_ads_xlsx(), "Campaign report.xlsx", today=TODAY)
    assert parsed.source == "google_ads"
    assert values(parsed, "clicks") == {"2024-01-01": 304.0, "2024-01-02": 178.0}
    assert values(parsed, "ad_spend") == {"2024-01-01": 3717.25, "2024-01-02": 2357.2}
    assert parsed.meta["start"] == "2024-01-01"


def test_mailchimp_campaigns_by_send_date() -> None:
    parsed = read_file(builders.mailchimp_csv(), "campaigns.csv", today=TODAY)
    assert parsed.source == "mailchimp"
    assert values(parsed, "emails_delivered") == {"2024-03-01": 1090.0, "2024-03-15": 995.0}
    assert values(parsed, "email_opens") == {"2024-03-01": 350.0, "2024-03-15": 310.0}
    assert values(parsed, "email_revenue") == {"2024-03-01": 1234.5, "2024-03-15": 2000.0}
    assert "open_rate" not in parsed.metrics


def test_shopify_orders_line_items_and_pii() -> None:
    parsed = read_file(builders.shopify_orders_csv(), "orders_export_1.csv", today=TODAY)
    assert parsed.source == "shopify_orders"
    assert values(parsed, "orders") == {"2024-04-01": 2.0, "2024-04-02": 1.0}
    assert values(parsed, "revenue") == {"2024-04-01": 1400.0, "2024-04-02": 700.0}
    pii = {c.name for c in parsed.columns if c.role == "pii"}
    assert {"Email", "Billing Name", "Billing Zip", "Billing Phone", "Note Attributes"} <= pii
    assert all(c.samples == [] for c in parsed.columns if c.role == "pii")
    flat = repr(parsed.observations.to_dict()) + repr(parsed.meta) + repr([c.samples for c in parsed.columns])
    assert "example.invalid" not in flat and "Amy" not in flat and "+886" not in flat
    assert any(w.key == "import.warn.orders_excluded" and w.params["count"] == 1 for w in parsed.warnings)


def test_shopify_analytics_weekly_and_comparison_columns() -> None:
    parsed = read_file(builders.shopify_analytics_csv(), "Sessions over time.csv", today=TODAY)
    assert parsed.source == "shopify_analytics"
    assert set(parsed.observations["granularity"]) == {"week"}
    assert values(parsed, "sessions") == {"2024-01-01": 150.0, "2024-01-08": 160.0}
    assert values(parsed, "users") == {"2024-01-01": 100.0, "2024-01-08": 110.0}
    assert roles(parsed)["Sessions (previous_year) "][0] == "ignored"


def test_instagram_posts() -> None:
    parsed = read_file(builders.instagram_csv(), "posts.csv", today=TODAY)
    assert parsed.source == "instagram"
    assert values(parsed, "posts") == {"2024-09-15": 2.0, "2024-09-16": 1.0}
    assert values(parsed, "impressions") == {"2024-09-15": 16000.0, "2024-09-16": 2000.0}
    assert values(parsed, "engagements") == {"2024-09-15": 655.0, "2024-09-16": 130.0}
    assert values(parsed, "new_followers", "IG reel") == {"2024-09-15": 14.0, "2024-09-16": 2.0}


def test_our_long_template() -> None:
    parsed = read_file(builders.template_long_csv(), "actuals.csv", today=TODAY)
    assert parsed.source == "kgi_template"
    obs = parsed.observations
    assert values(parsed, "revenue") == {"2024-01-31": 1500.0}
    assert obs.loc[obs["dimension"] == "台北店", "source"].tolist() == ["pos"]
    assert values(parsed, "ctr") == {"2024-01-31": 0.035}
    assert values(parsed, "sessions") == {"2024-02-01": 120.0}


def test_zh_tw_big5_sheet_with_roc_dates_and_nt_dollars() -> None:
    parsed = read_file(builders.big5_roc_csv(), "業績.csv", today=TODAY)
    assert parsed.source == "sheet"
    assert parsed.meta["encoding"] in ("cp950", "big5hkscs")
    assert parsed.currency == "TWD"
    assert values(parsed, "revenue") == {"2024-01-30": 1234.0, "2024-01-31": 12000.0, "2024-02-01": 500.0}
    assert values(parsed, "orders") == {"2024-01-30": 3.0, "2024-01-31": 10.0, "2024-02-01": 1.0}
    assert values(parsed, "sessions")["2024-01-31"] == 250.0
    assert roles(parsed)["備註"] == ("ignored", None)


def test_english_xlsx_with_excel_serial_dates() -> None:
    parsed = read_file(builders.english_serial_xlsx(), "tracking.xlsx", today=TODAY)
    assert parsed.source == "sheet"
    assert values(parsed, "revenue") == {"2024-01-01": 1500.0, "2024-01-02": 900.0, "2024-01-03": 1200.5}
    assert values(parsed, "orders")["2024-01-03"] == 4.0


def test_user_mapping_wins_and_can_ignore() -> None:
    data = builders.csv_text([["Date", "Walk-ins", "Revenue"], ["2024-01-01", "7", "100"]]).encode()
    parsed = read_file(data, "shop.csv", mapping={"Walk-ins": "sessions", "Revenue": ""}, today=TODAY)
    assert parsed.metrics == ["sessions"]
    assert values(parsed, "sessions") == {"2024-01-01": 7.0}


def test_identifiers_stay_text() -> None:
    data = builders.csv_text([["Day", "Campaign name", "Amount spent (USD)", "Impressions"],
                              ["2024-01-01", "12.23.2024", "5", "10"], ["2024-01-01", "007", "1", "2"]]).encode()
    parsed = read_file(data, "meta.csv", source="meta_ads", today=TODAY)
    assert set(parsed.observations["dimension"]) == {"12.23.2024", "007"}


def test_both_languages_render_every_warning() -> None:
    for build in (builders.ga4_exploration, builders.meta_csv_en, builders.gsc_xlsx, builders.shopify_orders_csv):
        parsed = read_file(build(), "f", today=TODAY)
        for warning in parsed.warnings:
            assert warning.message("en") and warning.message("zh-TW")
