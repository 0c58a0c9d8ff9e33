"""Which rows a figure counts (issue 8): one source of record per metric, total and breakdown
counted once, month totals covering their month, ratios over matching months."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pandas as pd
import pytest

from core.aggregate import RangeAggregator, aggregate
from core.measurement import (
    counted,
    covered_end,
    drop_overlaps,
    family_of,
    family_order,
    resolve_sources,
)


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (date, metric, value, source[, dimension[, granularity]])."""
    full = [(*r, *(("", "day")[len(r) - 4:])) for r in rows]
    out = pd.DataFrame(full, columns=["date", "metric", "value", "source", "dimension", "granularity"])
    out["date"] = pd.to_datetime(out["date"])
    return out


# --- source of record ------------------------------------------------------------------------


def test_ga4_and_the_shop_are_one_revenue_and_the_shop_counts() -> None:
    choice = resolve_sources("revenue", {"ga4", "shopify_orders"})
    assert choice.sources == ("shopify_orders",)
    assert [a.family for a in choice.alternatives] == ["web_analytics"]
    assert choice.chosen_by == "default"


def test_ad_platforms_are_parts_of_one_spend_and_the_books_an_alternative() -> None:
    choice = resolve_sources("ad_spend", {"meta_ads", "google_ads", "sheet"})
    assert set(choice.sources) == {"meta_ads", "google_ads"}
    assert [a.sources for a in choice.alternatives] == [("sheet",)]


def test_two_exports_of_one_platform_are_alternatives() -> None:
    choice = resolve_sources("orders", {"shopify_orders", "shopify_analytics", "shopee_orders"})
    assert choice.sources == ("shopify_orders", "shopee_orders")


def test_business_type_changes_the_default() -> None:
    assert resolve_sources("clicks", {"google_ads", "search_console"}).sources == ("google_ads",)
    seo = resolve_sources("clicks", {"google_ads", "search_console"}, business_type="seo")
    assert seo.sources == ("search_console",)


def test_the_workspace_choice_wins_even_without_data() -> None:
    choice = resolve_sources("revenue", {"ga4", "shopify_orders"}, chosen_family="web_analytics")
    assert (choice.sources, choice.chosen_by) == (("ga4",), "workspace")
    assert [a.family for a in choice.alternatives] == ["shop"]
    empty = resolve_sources("revenue", {"ga4"}, chosen_family="books")
    assert empty.sources == () and empty.record is not None and empty.record.family == "books"


def test_a_kpi_that_names_its_sources_counts_them_as_named() -> None:
    choice = resolve_sources("clicks", {"google_ads", "search_console", "meta_ads"}, goal_sources=["search_console"])
    assert choice.sources == ("search_console",)
    assert choice.chosen_by == "goal"
    assert [a.family for a in choice.alternatives] == ["ads"]


def test_a_one_month_shop_export_does_not_outrank_six_months_of_ga4() -> None:
    months = {"ga4": {f"2024-0{i}" for i in range(1, 7)}, "shopify_orders": {"2024-01"}}
    choice = resolve_sources("revenue", months)
    assert choice.sources == ("ga4",)
    assert [a.sources for a in choice.alternatives] == [("shopify_orders",)]
    even = resolve_sources("revenue", {"ga4": {"2024-01"}, "shopify_orders": {"2024-01"}})
    assert even.sources == ("shopify_orders",)


def test_unknown_sources_are_families_of_their_own_after_the_declared_ones() -> None:
    assert family_of("some_new_tool") == "some_new_tool"
    choice = resolve_sources("revenue", {"some_new_tool", "ga4"})
    assert choice.sources == ("ga4",)
    assert [a.family for a in choice.alternatives] == ["some_new_tool"]


def test_a_rate_follows_its_numerators_order() -> None:
    assert family_order("aov")[:2] == ("shop", "books")
    assert family_order("ctr", "seo")[0] == "search"


# A generated corpus: every combination of families reporting revenue, each with random
# figures; the counted total must always be exactly one family's total (its first platform
# export with data, platforms summed), never a sum across families.
FAMILY_SOURCES = {
    "shop": [["shopify_orders", "shopify_analytics"], ["shopee_orders"]],
    "books": [["sheet"]],
    "web_analytics": [["ga4"]],
}


def _corpus() -> list[tuple[dict[str, float], float, str]]:
    rng = random.Random(8)
    cases = []
    sources = ["shopify_orders", "shopify_analytics", "shopee_orders", "sheet", "ga4"]
    for n in range(1, len(sources) + 1):
        for present in itertools.combinations(sources, n):
            values = {s: float(rng.randint(1, 10_000)) for s in present}
            for family in ("shop", "books", "web_analytics"):
                picked = [next((s for s in p if s in values), None) for p in FAMILY_SOURCES[family]]
                picked = [s for s in picked if s]
                if picked:
                    cases.append((values, sum(values[s] for s in picked), family))
                    break
    return cases


@pytest.mark.parametrize(("values", "expected", "family"), _corpus())
def test_generated_corpus_counts_exactly_one_measurement(values: dict[str, float], expected: float, family: str) -> None:
    rows = frame([("2024-01-15", "revenue", v, s) for s, v in values.items()])
    kept, choice = counted(rows, "revenue")
    assert choice.record is not None and choice.record.family == family
    assert kept["value"].sum() == pytest.approx(expected)
    assert len(choice.alternatives) == len({family_of(s) for s in values}) - 1


# --- one row per stretch of time -------------------------------------------------------------


def test_a_total_and_its_breakdown_of_one_source_count_once() -> None:
    rows = frame([
        ("2024-01-01", "sessions", 100, "ga4"),
        ("2024-01-01", "sessions", 60, "ga4", "Organic Search"),
        ("2024-01-01", "sessions", 40, "ga4", "Paid Search"),
        ("2024-01-02", "sessions", 30, "ga4", "Organic Search"),  # no total that day: kept
    ])
    kept = drop_overlaps(rows)
    assert kept["value"].sum() == 130
    # A KPI on one channel still reads its breakdown rows.
    organic = drop_overlaps(rows.loc[rows["dimension"] == "Organic Search"])
    assert organic["value"].sum() == 90


def test_a_month_total_covers_its_month() -> None:
    rows = frame([
        ("2024-01-01", "revenue", 3000, "sheet", "", "month"),
        *[(f"2024-01-{d:02d}", "revenue", 50, "sheet", "", "day") for d in range(1, 32)],
        ("2024-02-01", "revenue", 70, "sheet", "", "day"),  # February has no month row: kept
        ("2024-01-05", "revenue", 999, "ga4", "", "day"),  # another source: untouched here
    ])
    kept = drop_overlaps(rows)
    by_source = kept.groupby("source")["value"].sum()
    assert by_source["sheet"] == 3070 and by_source["ga4"] == 999


def test_a_week_row_covers_its_seven_days() -> None:
    rows = frame([
        ("2024-01-01", "orders", 70, "sheet", "", "week"),
        ("2024-01-03", "orders", 10, "sheet", "", "day"),
        ("2024-01-08", "orders", 10, "sheet", "", "day"),
    ])
    assert drop_overlaps(rows)["value"].sum() == 80


def test_covered_end() -> None:
    assert covered_end(date(2024, 2, 1), "month") == date(2024, 2, 29)
    assert covered_end(date(2024, 1, 1), "week") == date(2024, 1, 7)
    assert covered_end(date(2024, 1, 1), "day") == date(2024, 1, 1)


# --- ratios over months where both parts exist -----------------------------------------------


def _revenue_12_orders_6() -> pd.DataFrame:
    rows = [(f"2024-{m:02d}-01", "revenue", 1000.0 * m, "shopify_orders", "", "month") for m in range(1, 13)]
    rows += [(f"2024-{m:02d}-01", "orders", 10.0, "shopify_orders", "", "month") for m in range(1, 7)]
    return frame(rows)


def test_aov_uses_only_the_months_with_both_revenue_and_orders() -> None:
    rows = _revenue_12_orders_6()
    expected = sum(1000.0 * m for m in range(1, 7)) / 60
    agg = RangeAggregator(rows, "aov")
    assert agg.total(date(2024, 1, 1), date(2024, 12, 31)) == pytest.approx(expected)
    assert agg.unmatched_months(date(2024, 1, 1), date(2024, 12, 31)) == 6
    assert agg.unmatched_months(date(2024, 1, 1), date(2024, 6, 30)) == 0
    assert aggregate(rows, "aov", "period").iloc[0] == pytest.approx(expected)
    assert aggregate(rows, "aov", "year").iloc[0] == pytest.approx(expected)


def test_every_source_a_reader_declares_belongs_to_a_family() -> None:
    """A new reader must say which measurement it is, or its figures could be added to
    another family's."""
    from core.importing.sources import source_keys
    from core.measurement import families

    declared = {s for f in families().values() for s in f.sources}
    assert set(source_keys()) <= declared
