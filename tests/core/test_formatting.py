"""Number, month and change formatting (SPEC §2 "How it looks and feels")."""

from __future__ import annotations

from datetime import date

import pytest

from core.formatting import (
    currency_symbol,
    format_month,
    format_pct,
    format_pct_change,
    format_value,
)


@pytest.mark.parametrize(
    ("value", "unit", "lang", "kwargs", "expected"),
    [
        (1234567, "currency", "en", {}, "NT$1,234,567"),
        (1234567, "currency", "zh-TW", {}, "NT$1,234,567"),
        (1234567.4, "currency", "en", {}, "NT$1,234,567"),
        (9.5, "currency", "en", {}, "NT$9.50"),
        (10, "currency", "en", {}, "NT$10"),
        (-2500, "currency", "en", {}, "-NT$2,500"),
        (4_100_000, "currency", "en", {"short": True}, "NT$4.1M"),
        (10_000_000, "currency", "en", {"short": True}, "NT$10M"),
        (4_100_000, "currency", "zh-TW", {"short": True}, "NT$410 萬"),
        (10_000_000, "currency", "zh-TW", {"short": True}, "NT$1,000 萬"),
        (415_000, "currency", "zh-TW", {"short": True}, "NT$41.5 萬"),
        (123_456_789, "currency", "zh-TW", {"short": True}, "NT$1.2 億"),
        (999_999, "currency", "en", {"short": True}, "NT$1M"),
        (415_000, "currency", "en", {"short": True}, "NT$415K"),
        (950, "currency", "en", {"short": True}, "NT$950"),
        (1500, "currency", "en", {"currency": "USD"}, "US$1,500"),
        (1500, "currency", "en", {"currency": "HKD"}, "HK$1,500"),
        (1500.5, "currency", "en", {"currency": "JPY"}, "¥1,500"),
        (1500, "currency", "en", {"currency": "EUR"}, "€1,500"),
        (1500, "currency", "en", {"currency": "GBP"}, "£1,500"),
        (1500, "currency", "en", {"currency": "CNY"}, "¥1,500"),
        (1500, "currency", "en", {"currency": "SGD"}, "SGD 1,500"),
        (0.032, "percent", "en", {}, "3.2%"),
        (0.25, "percent", "zh-TW", {}, "25.0%"),
        (0.0045, "percent", "en", {}, "0.45%"),
        (0.0625, "percent", "en", {"decimals": 2}, "6.25%"),
        (5, "ratio", "en", {}, "5.0×"),
        (0.8, "ratio", "en", {}, "0.80×"),
        (3, "rank", "en", {}, "#3"),
        (3.42, "rank", "zh-TW", {}, "#3.4"),
        (12345, "count", "en", {}, "12,345"),
        (12345, "count", "en", {"short": True}, "12.3K"),
        (12345, "count", "zh-TW", {"short": True}, "1.2 萬"),
        (8000, "count", "zh-TW", {"short": True}, "8,000"),
        (2.5, "count", "en", {}, "2.5"),
        (None, "count", "en", {}, "—"),
        (float("nan"), "percent", "en", {}, "—"),
    ],
)
def test_format_value(value: float | None, unit: str, lang: str, kwargs: dict, expected: str) -> None:
    assert format_value(value, unit, lang, **kwargs) == expected


def test_currency_symbol() -> None:
    assert currency_symbol("twd") == "NT$"
    assert currency_symbol("USD") == "US$"
    assert currency_symbol("KRW") == "KRW "


@pytest.mark.parametrize(
    ("period", "lang", "expected"),
    [
        ("2024-03", "zh-TW", "2024 年 3 月"),
        ("2024-03", "en", "Mar 2024"),
        ("2024-12-15", "en", "Dec 2024"),
        (date(2025, 1, 1), "zh-TW", "2025 年 1 月"),
    ],
)
def test_format_month(period: object, lang: str, expected: str) -> None:
    assert format_month(period, lang) == expected


def test_format_month_rejects_non_months() -> None:
    with pytest.raises(ValueError):
        format_month("2024-13", "en")
    with pytest.raises(ValueError):
        format_month("total", "en")


@pytest.mark.parametrize(
    ("x", "expected"),
    [(26.5, "+26.5%"), (18.577, "+18.6%"), (50.0, "+50%"), (-16.666, "-16.7%"), (0, "0%"),
     (0.01, "0%"), (None, "—")],
)
def test_format_pct_change(x: float | None, expected: str) -> None:
    assert format_pct_change(x, "en") == expected
    assert format_pct_change(x, "zh-TW") == expected


def test_format_pct() -> None:
    assert format_pct(0.41) == "41%"
    assert format_pct(0.4149, 1) == "41.5%"
    assert format_pct(None) == "—"


@pytest.mark.parametrize(
    "module", ["core.formatting", "core.drivers", "core.pacing", "core.abtest", "core.aggregate"]
)
def test_docstring_examples(module: str) -> None:
    """The examples in the numeric modules' docstrings are true."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0


def test_numbers_messages_exist_in_both_languages() -> None:
    from core.i18n import messages
    from core.pacing import STATUSES

    ours = {k: v for k, v in messages().items() if k.startswith("numbers.")}
    assert all(set(texts) == {"en", "zh"} and texts["en"] != texts["zh"] for k, texts in ours.items()
               if k not in ("numbers.abtest.stats_line",)), "every message in both languages"
    for name in STATUSES:
        assert f"numbers.status.{name}" in ours


def test_format_day_in_both_languages():
    from datetime import date

    from core.formatting import format_day

    assert format_day(date(2026, 11, 5), "zh-TW") == "2026 年 11 月 5 日"
    assert format_day(date(2026, 11, 5), "en") == "5 Nov 2026"


def test_short_amounts_under_the_step_drop_decimals_from_100_up():
    from core.formatting import format_value

    assert format_value(1385.3, "currency", "zh-TW", short=True) == "NT$1,385"
    assert format_value(45.26, "currency", "en", "USD", short=True) == "US$45.3"


def test_big_counts_have_no_decimal():
    from core.formatting import format_value

    assert format_value(528674.9, "count", "en") == "528,675"
    assert format_value(12.5, "count", "en") == "12.5"


def test_month_ticks_are_short_with_the_year_where_it_changes():
    from core.formatting import month_ticks

    periods = ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert month_ticks(periods, "zh-TW") == ["2025 年 11 月", "12 月", "2026 年 1 月", "2 月"]
    assert month_ticks(periods, "en") == ["Nov 2025", "Dec", "Jan 2026", "Feb"]


# -- one convention per language (issue 14) -------------------------------------------------


def test_figures_that_differ_never_print_the_same() -> None:
    from core.formatting import format_distinct

    assert format_distinct([1385, 1402], "currency", "en", short=True) == ["NT$1.39K", "NT$1.4K"]
    assert format_distinct([1400, 1400], "currency", "en", short=True) == ["NT$1.4K", "NT$1.4K"]
    assert format_distinct([0.0312, 0.0314], "percent", "zh-TW") == ["3.12%", "3.14%"]
    assert format_distinct([None, 5.0], "ratio", "en") == ["—", "5.0×"]


@pytest.mark.parametrize("seed", range(200))
def test_distinct_holds_for_generated_pairs(seed: int) -> None:
    import random

    from core.formatting import format_distinct

    rng = random.Random(seed)
    a = rng.uniform(1, 10) * 10 ** rng.randint(0, 8)
    b = a * (1 + rng.choice([-1, 1]) * rng.uniform(0.002, 0.05))
    for lang in ("en", "zh-TW"):
        x, y = format_distinct([a, b], "currency", lang, short=True)
        assert x != y, (a, b, lang)


def test_axis_ticks_speak_the_language() -> None:
    from core.formatting import axis_ticks

    vals, text = axis_ticks([0, 20_000_000], "currency", "zh-TW")
    assert vals[0] == 0 and vals[-1] >= 20_000_000
    assert text[-1] == "NT$2,000 萬" and all("M" not in x for x in text)
    _, text_en = axis_ticks([0, 20_000_000], "currency", "en")
    assert text_en[-1] == "NT$20M"
    _, pct = axis_ticks([0.021, 0.034], "percent", "en", include_zero=False)
    assert pct == ["2.0%", "2.5%", "3.0%", "3.5%"]
    assert len(set(axis_ticks([0, 1_010_000], "count", "en")[1])) == len(axis_ticks([0, 1_010_000], "count", "en")[1])


def test_times_are_shown_in_taipei() -> None:
    from datetime import datetime

    from core.formatting import format_local_time

    assert format_local_time(datetime(2026, 11, 30, 12, 45)) == "2026-11-30 20:45"
    assert format_local_time(datetime(2026, 11, 30, 20, 0), "UTC") == "2026-11-30 20:00"
    assert format_local_time(None) == "—"
