"""The shipped benchmark table and comparisons against it."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from core.benchmarks import (
    DATA_DIR,
    SHIPPED_GRADES,
    benchmarks_for,
    compare_to_benchmark,
    format_benchmark_value,
    load_benchmarks,
    load_sources,
)
from core.catalog import load_catalog

AS_OF = date(2026, 6, 1)


def test_only_grade_a_and_b_rows_with_source_and_year() -> None:
    rows = load_benchmarks()
    assert len(rows) > 200
    catalog = load_catalog()
    for b in rows:
        assert b.grade in SHIPPED_GRADES
        assert b.metric in catalog
        assert b.source.publisher and b.source.title and b.source.url_seen.startswith("http")
        assert b.data_year is not None or b.source.published
    with (DATA_DIR / "benchmarks.csv").open(encoding="utf-8") as fh:
        ids = [r["benchmark_id"] for r in csv.DictReader(fh)]
    assert len(ids) == len(set(ids))
    assert {b.source.source_id for b in rows} == set(load_sources())


def test_percent_rows_are_fractions() -> None:
    shopify = {b.benchmark_id: b for b in benchmarks_for("conversion_rate", business_type="ecommerce")}
    assert shopify["shopify_cvr_all_mean_2023"].value == pytest.approx(0.014)
    assert shopify["shopify_cvr_all_p90_2023"].percentile == 90
    cpc = {b.benchmark_id: b for b in benchmarks_for("cpc")}
    assert cpc["gads_search_cpc_all_2025"].value == pytest.approx(5.26)
    assert cpc["gads_search_cpc_all_2025"].currency == "USD"


def test_figures_from_the_research_file() -> None:
    by_id = {b.benchmark_id: b for b in load_benchmarks()}
    assert by_id["gads_search_ctr_all_2025"].value == pytest.approx(0.0666)
    assert by_id["mailchimp_open_all_non_labeled_accounts_2019"].value == pytest.approx(0.2271)
    assert by_id["mailchimp_open_all_non_labeled_accounts_2019"].mpp_era == "pre_mpp"
    assert by_id["totango_trial_optin_2012"].value == pytest.approx(0.15)
    assert by_id["fps_organic_ctr_pos1_2024"].value == pytest.approx(0.398)
    assert by_id["meta_ctr_all_2017"].value == pytest.approx(0.009)
    # No ROAS figure of grade A or B exists (research §3): none is shipped.
    assert benchmarks_for("roas") == []


def test_benchmarks_for_prefers_type_and_recency() -> None:
    first = benchmarks_for("conversion_rate", business_type="ecommerce", as_of=AS_OF)[0]
    assert first.source.publisher == "Littledata"
    first_ads = benchmarks_for("ctr", business_type="ads", as_of=AS_OF)[0]
    assert first_ads.benchmark_id == "gads_search_ctr_all_2025"
    meta = benchmarks_for("ctr", channel="meta_ads", as_of=AS_OF)
    assert meta and all(b.channel == "meta_ads" for b in meta)


@pytest.mark.parametrize(("value", "band"), [(0.012, "typical"), (0.014, "typical"), (0.03, "stretch"),
                                             (0.047, "stretch"), (0.06, "ambitious"), (0.1, "extreme")])
def test_bands_with_percentiles(value: float, band: str) -> None:
    c = compare_to_benchmark("conversion_rate", value, business_type="ecommerce", as_of=AS_OF)
    assert c is not None and c.band == band
    assert c.reference.benchmark_id == "shopify_cvr_all_mean_2023"
    assert c.top_value == pytest.approx(0.047)


@pytest.mark.parametrize(("value", "band"), [(80.0, "typical"), (70.11, "typical"), (50.0, "stretch"),
                                             (20.0, "ambitious"), (10.0, "extreme")])
def test_bands_lower_is_better(value: float, band: str) -> None:
    c = compare_to_benchmark("cpa", value, business_type="ads", currency="USD", as_of=AS_OF)
    assert c is not None and c.band == band
    assert "per_lead" in c.caveats


def test_currency_must_match() -> None:
    assert compare_to_benchmark("cpa", 10, business_type="ads", as_of=AS_OF) is None
    assert compare_to_benchmark("cpa", 10, business_type="ads", currency="TWD", as_of=AS_OF) is None


def test_sentence_cites_source_and_year() -> None:
    c = compare_to_benchmark("ctr", 0.03, business_type="ads", as_of=AS_OF)
    assert c is not None and c.band == "typical"
    en = c.sentence("en")
    assert en == ("Typical: 3% is within the average Click-through rate (CTR) of 6.66% (All industries; "
                  "WordStream/LocaliQ, Search Advertising Benchmarks 2025 (data 2025, grade B)).")
    assert "WordStream/LocaliQ" in c.sentence("zh-TW") and "2025" in c.sentence("zh-TW")
    assert c.to_dict()["source"]["url"].startswith("https://")


def test_old_and_pre_mpp_caveats() -> None:
    c = compare_to_benchmark("trial_conversion_rate", 0.2, business_type="saas", as_of=AS_OF)
    assert c is not None and c.band == "stretch" and "old" in c.caveats
    assert "2012" in c.sentence("en")
    mc = compare_to_benchmark("open_rate", 0.25, business_type="email", channel="email",
                              platform="mailchimp", as_of=AS_OF)
    assert mc is not None and "pre_mpp" in mc.caveats
    assert "Apple Mail Privacy Protection" in mc.sentence("en")


def test_different_definition_is_not_comparable() -> None:
    c = compare_to_benchmark("engagement_rate", 0.05, business_type="social", as_of=AS_OF)
    assert c is not None and not c.comparable
    assert c.sentence("en").startswith("Unknown: published Engagement rate figures count engagements per follower")


def test_growth_measure() -> None:
    c = compare_to_benchmark("followers", 0.5, business_type="social", measure="annual_growth", as_of=AS_OF)
    assert c is not None and c.reference.value == pytest.approx(0.42) and c.band == "stretch"
    assert compare_to_benchmark("revenue", 0.3, measure="annual_growth") is None


def test_format_values() -> None:
    assert format_benchmark_value(0.0666, "percent") == "6.66%"
    assert format_benchmark_value(0.00035, "percent") == "0.035%"
    assert format_benchmark_value(18.68, "usd") == "US$18.68"
    assert format_benchmark_value(112, "gbp") == "£112.00"
