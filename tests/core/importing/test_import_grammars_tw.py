"""Generated corpora for the small grammars of hand-kept sheets: month labels, totals labels,
granularity from dates. Thousands of combinations, each with its known answer."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pandas as pd
import pytest

from core.importing.hints import is_total_label, suggest_metric
from core.importing.periods import infer
from core.importing.values import bare_month, parse_dates

EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
EN_LONG = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
CN = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
LABELS = [
    lambda y, m: f"{EN[m - 1]} {y}",
    lambda y, m: f"{EN_LONG[m - 1]} {y}",
    lambda y, m: f"{EN[m - 1].upper()}-{y}",
    lambda y, m: f"{EN[m - 1]}-{y % 100:02d}",
    lambda y, m: f"{EN[m - 1]} '{y % 100:02d}",
    lambda y, m: f"{y} {EN[m - 1]}",
    lambda y, m: f"{y}年{m}月",
    lambda y, m: f"{y} 年 {m:02d} 月",
    lambda y, m: f"{y}年{m}月份",
    lambda y, m: f"{y - 1911}年{m}月",
    lambda y, m: f"民國{y - 1911}年{m}月",
    lambda y, m: f"{y}/{m}",
    lambda y, m: f"{y}-{m:02d}",
    lambda y, m: f"{y}.{m:02d}",
    lambda y, m: f"{y - 1911}/{m:02d}",
    lambda y, m: f"２０{y % 100:02d}／{m}",  # full-width, as typed with a Chinese input method
]


@pytest.mark.parametrize("index", range(len(LABELS)))
def test_month_label_corpus(index: int) -> None:
    label = LABELS[index]
    cases = [(y, m) for y in range(2015, 2031) for m in range(1, 13)]
    column = pd.Series([label(y, m) for y, m in cases], dtype=object)
    result = parse_dates(column)
    assert result.granularity == "month", result.format
    expected = pd.Series([pd.Timestamp(y, m, 1) for y, m in cases])
    assert (result.dates.to_numpy() == expected.to_numpy()).all()
    assert not result.bad.any() and not result.mixed.any()


BARE = [lambda m: f"{m}月", lambda m: f"{m:02d}月", lambda m: f"{CN[m - 1]}月", lambda m: f"{CN[m - 1]}月份",
        lambda m: f"{m} 月", lambda m: EN[m - 1], lambda m: EN_LONG[m - 1]]


@pytest.mark.parametrize(("index", "year"), list(itertools.product(range(len(BARE)), [2019, 2024, 2030])))
def test_bare_months_read_in_the_stated_year(index: int, year: int) -> None:
    labels = [BARE[index](m) for m in range(1, 13)]
    assert [bare_month(x) for x in labels] == list(range(1, 13))
    result = parse_dates(pd.Series(labels, dtype=object), year=year)
    assert list(result.dates) == [pd.Timestamp(year, m, 1) for m in range(1, 13)]
    without = parse_dates(pd.Series(labels, dtype=object))
    assert without.dates.isna().all()  # no year stated: never guessed


@pytest.mark.parametrize("text", ["3", "13月", "0月", "12", "1日", "Janx", "十三月", "2024"])
def test_not_bare_months(text: str) -> None:
    assert bare_month(text) is None


TOTAL_WORDS = ["總計", "合計", "小計", "總和", "加總", "total", "Total", "TOTAL", "Subtotal", "Sub-total", "Grand total"]
SCOPES = ["", "1月", "1 月", "第一季", "Q1 ", "上半年", "Jan ", "week 3 ", "台北店", "2024 年 "]
AFTER = ["", "：帳戶", ": Campaigns", "（含稅）", " - all", "：廣告活動", ":"]


def test_totals_label_corpus() -> None:
    count = 0
    for word, scope, after in itertools.product(TOTAL_WORDS, SCOPES, AFTER):
        if scope and after:
            continue  # "1月小計：帳戶" is not a way anyone writes it
        gap = " " if word.isascii() and scope and not scope.endswith(" ") else ""
        label = f"{scope}{gap}{word}{after}"
        assert is_total_label(label), label
        count += 1
    assert count > 150


NOT_TOTALS = [
    "2024-01-01", "2024年1月", "Jan 2024", "113/01/31", "品牌字", "Generic - 烏龍茶", "Organic Search", "台北店",
    "Total Wine Sale", "Totally Tea", "總計畫", "Brand", "直接", "(not set)", "", "Prospecting", "春季檔期",
    "Sum of all fears campaign launch", "totalitea.example",
]


@pytest.mark.parametrize("label", NOT_TOTALS)
def test_not_totals(label: str) -> None:
    assert not is_total_label(label)


@pytest.mark.parametrize(("header", "metric"), [
    ("廣告費", "ad_spend"), ("廣告花費(千元)", "ad_spend"), ("Ad Spend (TWD)", "ad_spend"), ("廣告花費金額", "ad_spend"),
    ("營收（元）", "revenue"), ("營業額(萬)", "revenue"), ("訂單數量", "orders"), ("客單價(元)", "aov"),
    ("Revnue", "revenue"), ("Sessionss", "sessions"), ("好友人數(人)", "line_friends"),
])
def test_metric_like_headers(header: str, metric: str) -> None:
    assert suggest_metric(header) == metric


@pytest.mark.parametrize("header", ["備註", "Notes", "店長", "天氣", "Weekday", "星期", "新使用者", "ID"])
def test_headers_that_are_no_metric(header: str) -> None:
    assert suggest_metric(header) is None


def _series(kind: str, start: dt.date, n: int) -> list[pd.Timestamp]:
    if kind == "month_start":
        return [pd.Timestamp(start.year, start.month, 1) + pd.DateOffset(months=i) for i in range(n)]
    if kind == "month_end":
        return [pd.Timestamp(start.year, start.month, 1) + pd.DateOffset(months=i + 1) - pd.Timedelta(days=1)
                for i in range(n)]
    if kind == "week":
        return [pd.Timestamp(start) + pd.Timedelta(days=7 * i) for i in range(n)]
    return [pd.Timestamp(start) + pd.Timedelta(days=i) for i in range(n)]


EXPECTED = {"month_start": "month", "month_end": "month", "week": "week", "day": "day"}


def test_granularity_corpus() -> None:
    rng = random.Random(8)
    checked = 0
    for _ in range(2500):
        kind = rng.choice(list(EXPECTED))
        start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 2400))
        if kind == "day" and start.day == 1:
            start += dt.timedelta(days=1)  # a run of days starting on the 1st is still days (n >= 3)
        n = rng.randrange(3, 40)
        dates = _series(kind, start, n)
        if kind == "day" and all(d.is_month_start for d in dates):
            continue
        rng.shuffle(dates)
        reading, _basis, note = infer(pd.DatetimeIndex(dates), rng.choice(["sheet", "ga4", "meta_ads"]))
        assert reading == EXPECTED[kind], (kind, dates[:3])
        assert note is None
        checked += 1
    assert checked > 2000


def test_weekly_with_a_missing_week_is_still_weekly() -> None:
    dates = pd.DatetimeIndex(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-22", "2024-01-29"]))
    assert infer(dates, "sheet")[0] == "week"
# --- hand-kept layouts, generated ------------------------------------------------------------

MONTH_STYLES = {
    "cjk": lambda y, m: f"{y}年{m}月",
    "roc": lambda y, m: f"{y - 1911}年{m}月",
    "en": lambda y, m: f"{EN[m - 1]} {y}",
    "slash": lambda y, m: f"{y}/{m}",
    "iso": lambda y, m: f"{y}-{m:02d}",
    "bare": lambda y, m: f"{m}月",  # needs the year from the title
    "first": lambda y, m: dt.date(y, m, 1),
    "last": lambda y, m: (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)),
}
HEADERS = {"plain", "stacked_above", "corner_below"}


def _layout(style: str, header: str, title: bool, blank_column: bool, subtotal_at: int | None,
            year: int, months: int) -> tuple[list[list[object]], dict[tuple[str, str], float]]:
    rng = random.Random(hash((style, header, title, blank_column, subtotal_at, year, months)) & 0xFFFF)
    figures = {m: (float(rng.randrange(10_000, 900_000)), float(rng.randrange(1, 500))) for m in range(1, months + 1)}
    label = MONTH_STYLES[style]
    gap = [""] if blank_column else []
    names = ["營收", "訂單"]
    rows: list[list[object]] = []
    if header == "stacked_above":
        rows.append(["月份", f"{year} 年營運月報", *gap, ""])
        rows.append(["", names[0], *gap, names[1]])
    elif header == "corner_below":
        if title:
            rows.append([f"{year} 年營運月報"])
        rows.append(["", names[0], *gap, names[1]])
        rows.append(["月", "", *gap, ""])
    else:
        if title:
            rows.append([f"{year} 年營運月報"])
        rows.append(["月份", names[0], *gap, names[1]])
    for m, (revenue, orders) in figures.items():
        value = label(year, m)
        rows.append([value.isoformat() if isinstance(value, dt.date) else value, revenue, *gap, orders])
        if subtotal_at == m:
            rows.append([f"{m}月小計" if m % 2 else "小計", revenue, *gap, orders])
    rows.append(["合計", sum(f[0] for f in figures.values()), *gap, sum(f[1] for f in figures.values())])
    truth = {}
    for m, (revenue, orders) in figures.items():
        truth[("revenue", f"{year}-{m:02d}")] = revenue
        truth[("orders", f"{year}-{m:02d}")] = orders
    return rows, truth


def test_hand_kept_layout_corpus() -> None:
    from builders import csv_text, xlsx

    from core.importing import read_file

    rng = random.Random(10)
    combos = list(itertools.product(MONTH_STYLES, sorted(HEADERS), [True, False], [True, False], [None, 2, 5]))
    checked = 0
    for style, header, title, blank_column, subtotal_at in rng.sample(combos, 50):
        if style == "bare" and not (title or header == "stacked_above"):
            continue  # no year anywhere: covered by the bad-file suite
        year, months = rng.choice([2019, 2023, 2024]), rng.randrange(3, 13)
        rows, truth = _layout(style, header, title, blank_column, subtotal_at, year, months)
        as_xlsx = rng.random() < 0.5
        data = xlsx({"工作表1": rows}) if as_xlsx else csv_text(rows).encode("utf-8")
        parsed = read_file(data, "books.xlsx" if as_xlsx else "books.csv", today=dt.date(2026, 1, 1))
        case = (style, header, title, blank_column, subtotal_at, as_xlsx)
        assert parsed.rejected == [], (case, [r.message("en") for r in parsed.rejected])
        obs = parsed.observations
        got = obs.groupby([obs["metric"], obs["date"].dt.strftime("%Y-%m")])["value"].sum().to_dict()
        assert got == truth, case
        assert parsed.granularity == "month", case
        assert len(parsed.skipped) == 1 + (subtotal_at is not None and subtotal_at <= months), case
        checked += 1
    assert checked > 38
