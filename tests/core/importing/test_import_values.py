"""Numbers, percents and dates, column by column (checklist items 20–24)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.importing.values import decide_decimal, parse_dates, parse_numbers


def nums(cells, **kwargs) -> list[float | None]:
    result = parse_numbers(pd.Series(cells, dtype="str"), **kwargs)
    return [None if np.isnan(v) else round(float(v), 6) for v in result.values]


def test_number_cleaning() -> None:
    cells = ["31,193", "NT$1,234", "US$ 5.50", "£0.00", "1,234元", "'60540", "\t-123", "(45.5)", " 7 ", "１２"]
    assert nums(cells) == [31193.0, 1234.0, 5.5, 0.0, 1234.0, 60540.0, -123.0, -45.5, 7.0, 12.0]


def test_null_tokens_are_missing_not_bad() -> None:
    cells = ["", "-", "--", " --", "n/a", "N/A", "(not set)", "not set", "< 10%", "> 90%", "100+"]
    result = parse_numbers(pd.Series(cells, dtype="str"))
    assert result.values.isna().all() and not result.bad.any()


def test_text_is_bad() -> None:
    result = parse_numbers(pd.Series(["12", "twelve"], dtype="str"))
    assert result.bad.tolist() == [False, True]


def test_european_decimals_decided_per_file() -> None:
    sample = pd.Series(["2.546", "1,15", "1.234,56", "3"], dtype="str")
    assert decide_decimal(sample) == ","
    assert nums(["2.546", "1,15", "1 234,56"], decimal=",") == [2546.0, 1.15, 1234.56]
    assert decide_decimal(pd.Series(["1,234.5", "12.34", "1,234"], dtype="str")) == "."


@pytest.mark.parametrize(
    ("mode", "cells", "expected"),
    [
        ("percent_string", ["2.81%", "0%", "61.97%"], [0.0281, 0.0, 0.6197]),
        ("fraction", ["0.62", "5%"], [0.62, 0.05]),
        ("percent_units", ["2.27272727", "1%"], [0.022727, 0.01]),
    ],
)
def test_percent_semantics_per_column(mode, cells, expected) -> None:
    assert nums(cells, percent=mode) == expected


def days(cells, **kwargs):
    result = parse_dates(pd.Series(cells, dtype=object), **kwargs)
    return [None if pd.isna(d) else d.date().isoformat() for d in result.dates], result


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["20240131", "20240201"], ["2024-01-31", "2024-02-01"]),
        (["2024-01-31", "2024-02-01"], ["2024-01-31", "2024-02-01"]),
        (["2024-04-01 23:50:00 +0800", "2024-04-02 00:10:00 +0800"], ["2024-04-01", "2024-04-02"]),
        (["2026-03-04T13:15:34-0800"], ["2026-03-04"]),
        (["113/01/31", "113/02/01"], ["2024-01-31", "2024-02-01"]),
        (["2024/1/31", "2024/2/1"], ["2024-01-31", "2024-02-01"]),
        (["2024年1月31日", "2024年2月1日"], ["2024-01-31", "2024-02-01"]),
        (["6/9/18 21:30", "6/30/18 9:05"], ["2018-06-09", "2018-06-30"]),
        (["Jun 09, 2018 09:30 pm", "Jul 1, 2018 10:00 am"], ["2018-06-09", "2018-07-01"]),
        (["09/15/2024 18:00", "09/16/2024 09:00"], ["2024-09-15", "2024-09-16"]),
        (["Mon, Apr 26, 2021 12:25"], ["2021-04-26"]),
        (["2025-10-01 - 2025-10-09"], ["2025-10-01"]),
        (["16/04/2015", "01/05/2015"], ["2015-04-16", "2015-05-01"]),
        (["2/11/24, 11:04\u202fAM"], ["2024-02-11"]),
        ([45292, 45293.75], ["2024-01-01", "2024-01-02"]),
        ([dt.datetime(2024, 1, 1, 10), dt.date(2024, 1, 2)], ["2024-01-01", "2024-01-02"]),
    ],
)
def test_date_formats(cells, expected) -> None:
    assert days(cells)[0] == expected


def test_month_granularity_from_format() -> None:
    parsed, result = days(["2024-01", "2024-02"])
    assert parsed == ["2024-01-01", "2024-02-01"] and result.granularity == "month"


def test_one_format_per_column_minority_rejected() -> None:
    parsed, result = days(["2024-01-01", "2024-01-02", "01/03/2024"])
    assert parsed == ["2024-01-01", "2024-01-02", None]
    assert result.mixed.tolist() == [False, False, True] and result.format == "iso"


def test_ambiguous_day_month_order_is_flagged() -> None:
    _, result = days(["01/02/2024", "03/04/2024"])
    assert result.format == "mdy" and result.assumed_order
    parsed, result = days(["01/02/2024", "03/04/2024"], prefer="dmy")
    assert parsed == ["2024-02-01", "2024-04-03"] and not result.assumed_order
