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
    assert "1024 MB" in err.value.message("en")


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
