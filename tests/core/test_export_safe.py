"""Cells are written safely: formula-looking text stays text, CSV fields are defused."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.export.safe import (
    clean_text,
    csv_safe,
    currency_format,
    looks_like_formula,
    pp_format,
    unit_format,
    write_text,
)

DANGEROUS = [
    '=HYPERLINK("http://x","y")',
    "+1-2",
    "@SUM(A1)",
    "-2+3",
    "=1+1",
    "\t=cmd",
    "=cmd|' /C calc'!A0",
]


def _roundtrip(values: list[str]) -> list:
    wb = Workbook()
    for row, value in enumerate(values, start=1):
        write_text(wb.active.cell(row=row, column=1), value)
    buffer = io.BytesIO()
    wb.save(buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    return [ws.cell(row=r, column=1) for r in range(1, len(values) + 1)]


def test_formula_looking_text_reads_back_exactly_as_text() -> None:
    cells = _roundtrip(DANGEROUS)
    for cell, typed in zip(cells, DANGEROUS, strict=True):
        assert cell.data_type == "s"
        assert cell.value == typed
        assert cell.quotePrefix is True  # Excel keeps it text even after an edit


def test_plain_text_has_no_quote_prefix() -> None:
    (cell,) = _roundtrip(["營收 Revenue"])
    assert cell.value == "營收 Revenue"
    assert cell.quotePrefix is False


def test_write_text_before_saving_is_not_a_formula() -> None:
    cell = write_text(Workbook().active["A1"], "=SUM(A1:A3)")
    assert cell.data_type == "s"
    assert cell.value == "=SUM(A1:A3)"


def test_none_leaves_the_cell_empty() -> None:
    cell = write_text(Workbook().active["A1"], None)
    assert cell.value is None


def test_control_characters_are_removed_and_cr_becomes_lf() -> None:
    assert clean_text("a\x00b\x1fc") == "abc"
    assert clean_text("one\r\ntwo\rthree") == "one\ntwo\nthree"
    (cell,) = _roundtrip(["line1\r\nline2\x07"])
    assert cell.value == "line1\nline2"


def test_text_is_cut_at_excel_cell_limit() -> None:
    assert len(clean_text("x" * 40_000)) == 32_767


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1-2", "'+1-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-x", "'-x"),
        ("\tcmd", "'\tcmd"),
        ("-5", "-5"),
        ("+3.2", "+3.2"),
        ("plain", "plain"),
        (None, ""),
        (50.0, "50"),
        (0.022000000000000002, "0.022"),
        (12_000_000.0, "12000000"),
        (7, "7"),
        (float("nan"), ""),
    ],
)
def test_csv_safe(value: object, expected: str) -> None:
    assert csv_safe(value) == expected


def test_looks_like_formula() -> None:
    assert all(looks_like_formula(v) for v in DANGEROUS)
    assert not looks_like_formula(" =x")
    assert not looks_like_formula("營收")


def test_number_formats_by_unit() -> None:
    assert unit_format("currency", "TWD") == '"NT$"#,##0;-"NT$"#,##0'
    assert unit_format("currency", "USD") == '"US$"#,##0.00;-"US$"#,##0.00'
    assert unit_format("percent", "TWD") == "0.0%"
    assert unit_format("ratio", "TWD") == '0.00"×"'
    assert unit_format("count", "TWD") == "#,##0"
    assert unit_format("rank", "TWD") == "0.0"
    assert currency_format("JPY") == '"¥"#,##0;-"¥"#,##0'
    assert pp_format(" pp") == '+0.0" pp";-0.0" pp";0.0" pp"'
