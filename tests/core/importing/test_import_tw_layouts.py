"""zh-TW interface exports and hand-kept sheets: each layout read to its true monthly figures
(builders_tw.py), with subtotal rows skipped and said, granularity inferred, and columns that
look like a metric but were not imported named."""

from __future__ import annotations

import datetime as dt

import builders
import builders_tw as tw
import pytest

from core.errors import KgiError
from core.importing import read_file

TODAY = dt.date(2026, 1, 1)
LANGS = ("zh-TW", "en")


def monthly(parsed, metrics: set[str] | None = None) -> dict[tuple[str, str], float]:
    """Σ value per (metric, month): the sum metrics' true monthly figures."""
    obs = parsed.observations
    if metrics is not None:
        obs = obs[obs["metric"].isin(metrics)]
    summed = obs.groupby([obs["metric"], obs["date"].dt.strftime("%Y-%m")])["value"].sum()
    return {key: round(float(v), 6) for key, v in summed.items()}


def expect(parsed, truth: dict[tuple[str, str], float]) -> None:
    got = monthly(parsed, {m for m, _ in truth})
    assert got == pytest.approx(truth)


# --- zh-TW interface exports ----------------------------------------------------------------


@pytest.mark.parametrize("position", ["排序", "平均排序", "排名", "平均排名"])
def test_search_console_zh_position_is_read(position: str) -> None:
    parsed = read_file(tw.gsc_zh_chart_csv(position), "圖表.csv", today=TODAY)
    assert parsed.source == "search_console"
    expect(parsed, tw.GSC_ZH_MONTHS)
    position_rows = parsed.observations[parsed.observations["metric"] == "keyword_position"]
    assert sorted(position_rows["value"]) == [6.0, 8.5]
    assert {c.name: c.metric for c in parsed.columns}[position] == "keyword_position"
    assert parsed.unmapped == []


def test_search_console_zh_workbook_reads_the_chart_sheet() -> None:
    parsed = read_file(tw.gsc_zh_xlsx(), "example.com-Performance-on-Search.xlsx", today=TODAY)
    assert parsed.source == "search_console"
    assert parsed.meta["sheets"] == ["圖表"]
    expect(parsed, tw.GSC_ZH_MONTHS)
    assert "keyword_position" in parsed.metrics


@pytest.mark.parametrize("build", [tw.google_ads_zh_csv, tw.google_ads_zh_utf16, tw.google_ads_zh_cjk_dates_xlsx])
def test_google_ads_zh_totals_rows_are_skipped_not_rejected(build) -> None:
    parsed = read_file(build(), "廣告活動報表.csv", today=TODAY)
    assert parsed.source == "google_ads"
    assert parsed.rejected == []
    expect(parsed, tw.GOOGLE_ADS_ZH_MONTHS)
    assert parsed.meta["start"] == "2024-01-01" and parsed.meta["end"] == "2024-01-02"
    assert parsed.currency == "TWD"
    assert [s.row for s in parsed.skipped] == ([6, 7] if len(parsed.skipped) == 2 else [6])
    for lang in LANGS:
        texts = [s.message(lang) for s in parsed.skipped]
        assert all("總計：" in text and "import." not in text for text in texts)
    assert "小計" in parsed.skipped[0].message("zh-TW")
    assert "subtotal" in parsed.skipped[0].message("en")


def test_ga4_zh_standard_report() -> None:
    parsed = read_file(tw.ga4_zh_csv(), "流量開發.csv", today=TODAY)
    assert parsed.source == "ga4"
    expect(parsed, tw.GA4_ZH_MONTHS)
    assert parsed.meta["start"] == "2024-01-01"
    assert parsed.unmapped == []
    # The grand-total row (no channel, no date) is skipped and said, never added in.
    assert [(s.row, s.key) for s in parsed.skipped] == [(13, "import.skip.total_blank")]
    assert "沒有日期也沒有名稱" in parsed.skipped[0].message("zh-TW")


def test_shopify_analytics_zh() -> None:
    parsed = read_file(tw.shopify_analytics_zh_csv(), "銷售.csv", today=TODAY)
    assert parsed.source == "shopify_analytics"
    expect(parsed, tw.SHOPIFY_ZH_MONTHS)


def test_instagram_zh_posts() -> None:
    parsed = read_file(tw.instagram_zh_csv(), "貼文.csv", today=TODAY)
    assert parsed.source == "instagram"
    expect(parsed, tw.INSTAGRAM_ZH_MONTHS)


def test_meta_zh_workbook_month_rows_are_months() -> None:
    parsed = read_file(builders.meta_xlsx_zh(), "耘初茶食.xlsx", today=TODAY)
    assert parsed.granularity == "month"
    assert set(parsed.observations["granularity"]) == {"month"}


# --- hand-kept sheets -----------------------------------------------------------------------


HAND_KEPT = {
    "titled": (tw.books_titled_xlsx, "營運.xlsx"),
    "stacked": (tw.books_stacked_header_xlsx, "books.xlsx"),
    "corner_below": (tw.books_corner_below_xlsx, "日報.xlsx"),
    "roc": (tw.books_roc_csv, "月報.csv"),
}


@pytest.mark.parametrize("name", list(HAND_KEPT))
def test_hand_kept_month_books(name: str) -> None:
    build, file_name = HAND_KEPT[name]
    parsed = read_file(build(), file_name, today=TODAY)
    assert parsed.source == "sheet"
    assert parsed.rejected == []
    expect(parsed, tw.BOOKS_MONTHS)
    assert parsed.granularity == "month"
    assert set(parsed.observations["granularity"]) == {"month"}
    assert parsed.meta["granularity_basis"] == "import.granularity.basis.labels_month"
    assert {c.name: c.metric for c in parsed.columns if c.role == "metric"}["廣告費"] == "ad_spend"


def test_subtotals_anywhere_are_skipped_and_said() -> None:
    parsed = read_file(tw.books_titled_xlsx(), "營運.xlsx", today=TODAY)
    labels = [s.params["value"] for s in parsed.skipped]
    assert labels == ["第一季小計", "合計"]
    assert [s.row for s in parsed.skipped] == [6, 10]
    assert parsed.skipped[0].message("zh-TW") == "第 6 列：已略過（小計或合計列「第一季小計」），避免重複計算。"
    assert parsed.skipped[0].message("en").startswith("Row 6: skipped — a subtotal or total row")


@pytest.mark.parametrize("style", ["{y}/{m}", "{y}-{mm}", "{y}.{mm}", "{y}年{m}月", "{y} 年 {mm} 月份"])
def test_month_labels_with_a_blank_column_between_blocks(style: str) -> None:
    parsed = read_file(tw.books_slash_csv(style), "books.csv", today=TODAY)
    assert parsed.rejected == []
    expect(parsed, tw.BOOKS_MONTHS)
    assert parsed.granularity == "month"
    blank = [c for c in parsed.columns if c.name == "(column D)"]
    assert blank and blank[0].role == "ignored"


@pytest.mark.parametrize("last_day", [False, True])
def test_month_totals_dated_on_the_first_or_last_day(last_day: bool) -> None:
    parsed = read_file(tw.books_month_start_csv(last_day), "books.csv", today=TODAY)
    expect(parsed, tw.BOOKS_MONTHS)
    assert parsed.granularity == "month"
    assert set(parsed.observations["date"].dt.day) == {1}  # each row dated the 1st of its month
    basis = "month_ends" if last_day else "month_starts"
    assert parsed.meta["granularity_basis"] == f"import.granularity.basis.{basis}"
    assert "granularity_note" not in parsed.meta
    assert parsed.meta["period_first"] == "2024-01-01" and parsed.meta["period_last"] == "2024-06-01"


@pytest.mark.parametrize("build", [tw.weekly_csv, tw.weekly_dates_csv])
def test_weekly_sheets(build) -> None:
    parsed = read_file(build(), "weeks.csv", today=TODAY)
    assert parsed.granularity == "week"
    assert set(parsed.observations["granularity"]) == {"week"}
    expect(parsed, tw.WEEKS_MONTHS)


def test_one_sheet_per_month_reads_every_sheet() -> None:
    parsed = read_file(tw.sheet_per_month_xlsx(), "2024 日報.xlsx", today=TODAY)
    assert parsed.meta["sheets"] == ["1月", "2月", "3月"]
    assert parsed.rejected == []
    expect(parsed, tw.DAILY_MONTHS)
    assert parsed.granularity == "day"
    assert len(parsed.skipped) == 3


def test_unmapped_metric_like_columns_are_named() -> None:
    parsed = read_file(tw.unmapped_columns_csv(), "books.csv", today=TODAY)
    assert parsed.metrics == ["revenue"]
    assert parsed.unmapped == [("廣告花費(千元)", "ad_spend"), ("Total Ad Spend (TWD)", "ad_spend")]
    warnings = [w for w in parsed.warnings if w.key == "import.warn.unmapped_metric"]
    assert len(warnings) == 2
    assert "廣告花費(千元)" in warnings[0].message("zh-TW") and "廣告花費" in warnings[0].message("zh-TW")
    assert "looks like Ad spend" in warnings[0].message("en")


def test_unmapped_column_mapped_by_the_user_is_no_longer_listed() -> None:
    parsed = read_file(tw.unmapped_columns_csv(), "books.csv", today=TODAY, mapping={"廣告花費(千元)": ""})
    assert parsed.unmapped == [("Total Ad Spend (TWD)", "ad_spend")]


# --- granularity chosen by the user ---------------------------------------------------------


def test_user_can_read_month_labels_as_days_and_back() -> None:
    parsed = read_file(tw.books_month_start_csv(), "books.csv", today=TODAY, granularity="day")
    assert parsed.granularity == "day"
    assert parsed.meta["granularity_basis"] == "import.granularity.basis.chosen"
    assert set(parsed.observations["granularity"]) == {"day"}
    weeks = read_file(tw.weekly_dates_csv(), "weeks.csv", today=TODAY, granularity="day")
    assert set(weeks.observations["granularity"]) == {"day"}
    again = read_file(tw.books_month_start_csv(), "books.csv", today=TODAY, granularity="month")
    assert again.granularity == "month" and again.meta["granularity_basis"] == "import.granularity.basis.chosen"


def test_month_choice_over_daily_rows_is_refused_with_the_month() -> None:
    with pytest.raises(KgiError) as caught:
        read_file(builders.english_serial_xlsx(), "daily.xlsx", today=TODAY, granularity="month")
    assert caught.value.key == "import.granularity.month_clash"
    assert "2024-01" in caught.value.message("en") and "2024-01" in caught.value.message("zh-TW")


def test_week_choice_over_daily_rows_is_refused() -> None:
    with pytest.raises(KgiError) as caught:
        read_file(builders.english_serial_xlsx(), "daily.xlsx", today=TODAY, granularity="week")
    assert caught.value.key == "import.granularity.week_clash"


def test_unknown_granularity_is_refused() -> None:
    with pytest.raises(KgiError) as caught:
        read_file(tw.books_month_start_csv(), "books.csv", today=TODAY, granularity="quarter")
    assert caught.value.key == "import.granularity.unknown"


@pytest.mark.parametrize(("dates", "source", "expected", "note"), [
    (["2024-01-01"], "sheet", "day", "single_month_day"),
    (["2024-01-01", "2024-02-01"], "sheet", "month", "two_months"),
    (["2024-01-31", "2024-02-29"], "ga4", "month", "two_months"),
    (["2024-01-01", "2024-02-01"], "ga4", "day", "two_month_starts_days"),
    (["2024-01-01", "2024-01-08"], "sheet", "week", "two_weeks"),
    (["2024-01-01", "2024-01-02"], "sheet", "day", None),
    (["2024-01-03"], "sheet", "day", None),
])
def test_too_few_dates_are_read_safely_and_said(dates, source, expected, note) -> None:
    import pandas as pd

    from core.importing.periods import infer

    reading, _basis, said = infer(pd.DatetimeIndex(pd.to_datetime(dates)), source)
    assert reading == expected
    assert said == (f"import.granularity.note.{note}" if note else None)


def test_an_ambiguous_reading_is_also_a_warning() -> None:
    data = "日期,營收\n2024-01-01,100\n2024-02-01,200\n".encode()
    parsed = read_file(data, "two.csv", today=TODAY)
    assert parsed.granularity == "month"
    assert [w.key for w in parsed.warnings] == ["import.granularity.note.two_months"]
    assert "較保守" in parsed.warnings[0].message("zh-TW")
