"""Hostile files (issue 11): refused cheaply with a message, or read in a limited child
process so that a crash or a runaway ends that one read, never the server."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import hostile
import pytest

from core.errors import KgiError
from core.importing import read_file
from core.importing.sandbox import Limits, read_file_isolated, read_path, run_isolated

TODAY = dt.date(2024, 6, 30)


def refused(data: bytes, name: str, isolated: bool = False) -> KgiError:
    reader = read_file_isolated if isolated else read_file
    with pytest.raises(KgiError) as err:
        reader(data, name, today=TODAY)
    for lang in ("en", "zh-TW"):
        text = err.value.message(lang)
        assert text and "{" not in text and "import." not in text
    return err.value


def test_one_cell_at_xfd1048576_is_refused_before_calamine_sees_it() -> None:
    data = hostile.far_cell_xlsx()
    assert len(data) < 10_000
    started = time.perf_counter()
    error = refused(data, "far.xlsx")
    assert error.key == "import.file.far_cell" and error.params["cell"] == "XFD1048576"
    assert "XFD1048576" in error.message("zh-TW") and "XFD1048576" in error.message("en")
    assert time.perf_counter() - started < 5


def test_far_cell_without_a_dimension_claim_is_found_by_the_scan() -> None:
    assert refused(hostile.far_cell_xlsx("XFD5", claim=False), "far.xlsx").key == "import.file.far_cell"


@pytest.mark.parametrize(("ref", "key"), [
    ("ZZ1048576", "import.file.too_many_cells"),
    ("B1000000", "import.file.far_cell_sparse"),
    ("B3000001", "import.file.too_many_rows"),
])
def test_huge_used_ranges_are_refused(ref: str, key: str) -> None:
    assert refused(hostile.far_cell_xlsx(ref), "far.xlsx").key == key


def test_styled_empty_cell_far_below_is_not_a_far_cell() -> None:
    def claim(xml: str) -> str:
        return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" s="0"/></row></sheetData>')

    parsed = read_file(hostile._edit_sheet(hostile.small_xlsx(), claim), "styled.xlsx", today=TODAY)
    assert parsed.observations["value"].sum() == 12


def test_shared_strings_expanding_past_a_gib_are_refused_before_inflating() -> None:
    data = hostile.shared_strings_bomb(1100)
    assert len(data) < 5_000_000
    error = refused(data, "bomb.xlsx")
    assert error.key == "import.file.expands_too_far"
    assert "MB" in error.message("en") and "MB" in error.message("zh-TW")


@pytest.mark.parametrize("columns", [5_000, 1_000_000])
def test_csv_with_too_many_columns_is_refused_quickly(columns: int) -> None:
    started = time.perf_counter()
    error = refused(hostile.many_columns_csv(columns), "wide.csv")
    assert error.key in ("import.file.too_many_columns", "import.file.line_too_long")
    assert time.perf_counter() - started < 10


def test_many_columns_on_a_later_line_are_refused() -> None:
    data = b"Date,Sessions\n2024-01-01,5\n" + b"2024-01-02," + b"1," * 3_000 + b"1\n"
    assert refused(data, "ragged.csv").key == "import.file.too_many_columns"


def test_csv_without_line_breaks_is_refused() -> None:
    error = refused(hostile.no_line_breaks_csv(), "one-line.csv")
    assert error.key == "import.file.line_too_long" and error.params["line"] == 1


def test_dev_zero_and_folders_are_refused_before_reading(tmp_path: Path) -> None:
    for path in (Path("/dev/zero"), tmp_path):
        with pytest.raises(KgiError) as err:
            read_path(path, 10 * 1024 * 1024)
        assert err.value.key == "import.file.not_regular"


def test_a_file_over_the_limit_is_refused_in_mb(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"Date,Sessions\n" + b"2024-01-01,1\n" * 200_000)
    with pytest.raises(KgiError) as err:
        read_path(big, 1024 * 1024)
    assert err.value.key == "import.file.too_big"
    assert err.value.params == {"file": "big.csv", "size_mb": "2.5", "limit_mb": "1.0"}


# --- the child process ------------------------------------------------------------------


def test_isolated_read_returns_the_same_result_as_in_process() -> None:
    data = hostile.small_xlsx()
    inside = read_file(data, "ok.xlsx", today=TODAY)
    outside = read_file_isolated(data, "ok.xlsx", today=TODAY)
    assert outside.observations.equals(inside.observations)
    assert outside.source == inside.source


def test_isolated_read_raises_the_readers_own_error() -> None:
    error = refused(b"", "empty.csv", isolated=True)
    assert error.key == "import.file.empty"


def _abort() -> None:
    os.abort()


def _allocate() -> bytes:
    return b"x" * (4 * 1024 * 1024 * 1024)


def _spin() -> None:
    while True:
        pass


def test_a_native_abort_ends_only_the_child() -> None:
    with pytest.raises(KgiError) as err:
        run_isolated(_abort, file_name="crash.xlsx")
    assert err.value.key == "import.safety.crashed"
    assert "crash.xlsx" in err.value.message("zh-TW")


def test_running_out_of_memory_is_a_clear_message() -> None:
    with pytest.raises(KgiError) as err:
        run_isolated(_allocate, file_name="big.xlsx", limits=Limits(memory_mb=1024, cpu_seconds=30, wall_seconds=60))
    assert err.value.key == "import.safety.memory"
    assert "1024.0 MB" in err.value.message("en")


def test_a_runaway_is_killed_at_the_wall_clock_limit() -> None:
    started = time.perf_counter()
    with pytest.raises(KgiError) as err:
        run_isolated(_spin, file_name="slow.csv", limits=Limits(memory_mb=1024, cpu_seconds=30, wall_seconds=2))
    assert err.value.key == "import.safety.time"
    assert time.perf_counter() - started < 15


def test_cpu_limit_ends_a_runaway() -> None:
    with pytest.raises(KgiError) as err:
        run_isolated(_spin, file_name="slow.csv", limits=Limits(memory_mb=1024, cpu_seconds=1, wall_seconds=60))
    assert err.value.key == "import.safety.time"


def test_calamine_on_a_far_cell_aborts_in_the_child_not_here() -> None:
    """Without the pre-check, python-calamine itself would abort the process (550 GB)."""
    from core.importing.decode import _calamine_sheets

    with pytest.raises(KgiError) as err:
        run_isolated(_calamine_sheets, hostile.far_cell_xlsx(), "far.xlsx", file_name="far.xlsx")
    assert err.value.key in ("import.safety.crashed", "import.safety.memory")


# --- stored quietly though wrong: each becomes a rejected row or a refused file ----------


def rejected(data: bytes, name: str) -> tuple[object, dict[int, str]]:
    parsed = read_file(data, name, today=TODAY)
    for row in parsed.rejected:
        for lang in ("en", "zh-TW"):
            text = row.message(lang)
            assert str(row.row) in text and "{" not in text and "import." not in text
    return parsed, {row.row: row.key for row in parsed.rejected}


CSV_VALUES = (b"Date,Campaign,Sessions\n2024-01-01,A,TRUE\n2024-01-02,A,5\n2024-01-03,A,1e308\n"
              b"2024-01-04,A,1e309\n2024-01-05,A,#DIV/0!\n2024-01-06,A,#N/A\n2024-01-07,A,inf\n"
              b"2024-01-08,A,#VALUE!\n2024-01-09,A,false\n2024-01-10,A,-\n")


def test_bad_values_in_a_csv_are_rejected_rows_with_their_reason() -> None:
    parsed, keys = rejected(CSV_VALUES, "values.csv")
    assert keys == {
        2: "import.row.boolean", 4: "import.row.value_too_large", 5: "import.row.value_too_large",
        6: "import.row.error_cell", 7: "import.row.error_cell", 8: "import.row.value_too_large",
        9: "import.row.error_cell", 10: "import.row.boolean",
    }
    assert parsed.observations["value"].tolist() == [5.0]  # "-" (no data) stays a blank, not a row
    by_row = {r.row: r for r in parsed.rejected}
    assert by_row[6].message("en") == ("Row 6: Sessions holds the spreadsheet error “#DIV/0!”, not a figure; "
                                       "the row was left out. Fix the formula in the source sheet and export again.")
    assert "1e308" in by_row[4].message("zh-TW") and "10^15" in by_row[4].message("zh-TW")


def test_bad_values_in_a_workbook_are_rejected_rows() -> None:
    import builders

    data = builders.xlsx({"S": [["Date", "Campaign", "Sessions"], ["2024-01-01", "A", True],
                                ["2024-01-02", "A", 5], ["2024-01-03", "A", "#DIV/0!"], ["2024-01-04", "A", 1e308],
                                ["2024-01-05", "A", False]]})
    parsed, keys = rejected(data, "values.xlsx")
    assert keys == {2: "import.row.boolean", 4: "import.row.error_cell", 5: "import.row.value_too_large",
                    6: "import.row.boolean"}
    assert parsed.observations["value"].tolist() == [5.0]


@pytest.mark.parametrize("written", ["1900-01-01", "1911-01-01", "1989-12-31", "2101-01-01"])
def test_dates_outside_1990_to_2100_are_rejected(written: str) -> None:
    data = f"Date,Sessions\n{written},1\n2024-01-02,5\n".encode()
    parsed, keys = rejected(data, "dates.csv")
    assert keys == {2: "import.row.date_out_of_range"} or keys == {2: "import.row.future_date"}
    assert parsed.observations["value"].tolist() == [5.0]


def test_roc_year_zero_is_not_stored_as_1911() -> None:
    parsed, keys = rejected("日期,工作階段\n000/01/01,1\n113/01/02,5\n".encode(), "roc.csv")
    assert keys == {2: "import.row.date_out_of_range"}
    assert parsed.observations["date"].min().year == 2024


def test_mixed_utf8_and_big5_is_refused_never_mojibake() -> None:
    data = "Date,Campaign,Sessions\n2024-01-01,春季,1\n".encode() + "2024-01-02,夏季,5\n".encode("cp950")
    error = refused(data, "mixed.csv")
    assert error.key == "import.file.mixed_encoding"
    assert error.params["utf8_line"] == 2 and error.params["big5_line"] == 3
    assert "Big5" in error.message("zh-TW")


def test_whole_big5_file_still_reads() -> None:
    data = "日期,活動,工作階段\n2024-01-01,春季,1\n2024-01-02,夏季,5\n".encode("cp950")
    parsed = read_file(data, "big5.csv", today=TODAY)
    assert set(parsed.observations["dimension"]) == {"春季", "夏季"}


def unclosed_quote_csv(closed_later: bool) -> bytes:
    rows = "\n".join(f"2024-01-{d:02d},C{d},{d}" for d in range(2, 30))
    tail = '\n2024-01-30,"x",3\n' if closed_later else "\n"
    return ('Date,Campaign,Sessions\n2024-01-01,"Oops,1\n' + rows + tail).encode()


@pytest.mark.parametrize("closed_later", [False, True])
def test_an_unclosed_quote_swallowing_rows_is_refused_with_its_line(closed_later: bool) -> None:
    error = refused(unclosed_quote_csv(closed_later), "quote.csv")
    assert error.key == "import.file.unclosed_quote" and error.params["line"] == 2
    assert "line 2" in error.message("en") and "第 2 行" in error.message("zh-TW")


def test_a_quoted_label_over_two_lines_is_still_fine() -> None:
    parsed = read_file(b'Date,Campaign,Sessions\n2024-01-01,"two\nlines",1\n2024-01-02,B,2\n', "ok.csv", today=TODAY)
    assert parsed.observations["value"].sum() == 3
