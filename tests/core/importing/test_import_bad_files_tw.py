"""Bad-file suite, hand-kept sheets and zh-TW exports: the broken forms of the layouts in
builders_tw.py. Each says what is wrong in both languages, with its row and column, never a
message key and never a traceback."""

from __future__ import annotations

import datetime as dt

import builders_tw as tw
import pytest
from builders import csv_text, xlsx

from core.errors import KgiError
from core.importing import read_file

TODAY = dt.date(2026, 1, 1)
LANGS = ("zh-TW", "en")


def _clean(text: str) -> None:
    assert text and "{" not in text and "Traceback" not in text
    assert not text.startswith(("import.", "store.", "ui."))


def error_of(data: bytes, name: str, **kwargs) -> KgiError:
    with pytest.raises(KgiError) as err:
        read_file(data, name, today=TODAY, **kwargs)
    for lang in LANGS:
        _clean(err.value.message(lang))
    return err.value


def read_checked(data: bytes, name: str, **kwargs):
    parsed = read_file(data, name, today=TODAY, **kwargs)
    for item in [*parsed.rejected, *parsed.skipped, *parsed.warnings]:
        for lang in LANGS:
            _clean(item.message(lang))
    return parsed


def test_months_without_a_year_are_rejected_with_the_fix() -> None:
    rows = [["營運月報"], ["月份", "營收", "訂單"], ["1月", 100, 1], ["2月", 200, 2]]
    parsed = read_checked(xlsx({"工作表1": rows}), "月報.xlsx")
    assert [r.key for r in parsed.rejected] == ["import.row.month_no_year"] * 2
    first = parsed.rejected[0]
    assert first.row == 3 and first.column == "月份"
    assert "年份" in first.message("zh-TW") and "「1月」" in first.message("zh-TW")
    assert "without a year" in first.message("en")


def test_a_title_naming_two_years_states_no_year() -> None:
    rows = [["2023–2024 年營運月報"], ["月份", "營收"], ["1月", 100], ["2月", 200]]
    parsed = read_checked(xlsx({"S": rows}), "月報.xlsx")
    assert {r.key for r in parsed.rejected} == {"import.row.month_no_year"}


def test_only_subtotal_rows_means_no_rows() -> None:
    rows = [["日期", "營收"], ["小計", 100], ["合計", 100]]
    err = error_of(csv_text(rows).encode(), "books.csv")
    assert err.key in ("import.file.no_rows", "import.file.no_date")


def test_impossible_month_label_is_a_bad_date_with_its_row() -> None:
    rows = [["年月", "營收"], ["2024年1月", "100"], ["2024年13月", "200"], ["2024年3月", "300"]]
    parsed = read_checked(csv_text(rows).encode(), "books.csv")
    assert [(r.row, r.column, r.key) for r in parsed.rejected] == [(3, "年月", "import.row.bad_date")]
    assert parsed.granularity == "month"


def test_month_labels_mixed_with_days_are_rejected_not_guessed() -> None:
    rows = [["日期", "營收"], ["2024年1月", "100"], ["2024年2月", "200"], ["2024-03-15", "300"]]
    parsed = read_checked(csv_text(rows).encode(), "books.csv")
    assert [(r.row, r.key) for r in parsed.rejected] == [(4, "import.row.mixed_date")]
    assert "2024年1月" in parsed.rejected[0].message("zh-TW")


def test_units_row_under_a_header_is_rejected_not_merged() -> None:
    rows = [["2024 年營運日報"], ["日期", "營收", "訂單"], ["", "元", "筆"], ["2024-01-05", 100, 1]]
    parsed = read_checked(xlsx({"S": rows}), "books.xlsx")
    assert parsed.rejected and parsed.rejected[0].row == 3
    assert parsed.observations["value"].sum() == 101


def test_month_choice_over_daily_rows_says_which_month() -> None:
    err = error_of(tw.sheet_per_month_xlsx(), "日報.xlsx", granularity="month")
    assert err.key == "import.granularity.month_clash"
    assert "2024-01" in err.message("zh-TW")


def test_week_choice_over_daily_rows_says_where() -> None:
    err = error_of(tw.sheet_per_month_xlsx(), "日報.xlsx", granularity="week")
    assert err.key == "import.granularity.week_clash"


def test_unknown_granularity_names_the_choices() -> None:
    err = error_of(tw.books_roc_csv(), "月報.csv", granularity="quarterly")
    assert "month" in err.message("en")


def test_sheet_per_month_with_one_sheet_without_dates_is_said() -> None:
    good = xlsx({"1月": [["日期", "營收"], ["2024-01-01", 100]], "說明": [["項目", "營收"], ["門市", 5]]})
    parsed = read_checked(good, "日報.xlsx")
    assert parsed.meta["sheets"] == ["1月"]
    skipped = [w for w in parsed.warnings if w.key == "import.warn.sheet_skipped"]
    assert skipped and "說明" in skipped[0].message("zh-TW")


def test_google_ads_zh_with_only_totals_rows() -> None:
    text = ("廣告活動報表\n2024年1月1日 - 2024年1月2日\n"
            + csv_text([["日期", "廣告活動", "點擊", "曝光", "費用"], ["總計：帳戶", "", "283", "5,447", "3,469.57"]]))
    err = error_of(text.encode(), "ads.csv")
    assert err.key == "import.file.no_rows"
