"""The plan workbook round trip, and the lazy formula scan that keeps big workbooks fast."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

import core.importing.decode as decode_module
from core.export.plan_workbook import TEMPLATE_HEADERS, plan_workbook_bytes
from core.importing import get_source, read_file
from core.plans import apply_templates, save_kgi
from core.workspaces import create_workspace

TODAY = dt.date(2026, 1, 1)


def _filled_plan_workbook(engine, lang: str) -> tuple[bytes, str]:
    """The downloaded plan workbook with two rows typed into its actuals template sheet."""
    workspace = create_workspace(engine, "Demo Tea", "ecommerce", period_start=dt.date(2024, 1, 1))
    save_kgi(engine, workspace.id, "營收提升 50%", lang="zh-TW")
    apply_templates(engine, workspace.id)
    book = openpyxl.load_workbook(io.BytesIO(plan_workbook_bytes(engine, workspace.id, lang)))
    [sheet] = [ws for ws in book.worksheets
               if tuple(c.value for c in ws[1][: len(TEMPLATE_HEADERS)]) == TEMPLATE_HEADERS]
    assert sheet is not book.worksheets[0]  # the KGI sheet comes first: the layout under test
    sheet["A2"], sheet["B2"], sheet["C2"] = dt.date(2024, 1, 5), "revenue", 12345
    sheet["A3"], sheet["B3"], sheet["C3"], sheet["E3"] = dt.date(2024, 1, 5), "conversion_rate", "3.1%", "web"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), sheet.title


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_filled_plan_workbook_reads_its_template_sheet(sqlite_engine, lang: str) -> None:
    data, sheet_name = _filled_plan_workbook(sqlite_engine, lang)
    parsed = read_file(data, "plan.xlsx", today=TODAY)
    assert parsed.source == "kgi_template"
    assert parsed.rejected == []
    assert parsed.warnings == []  # the plan's own sheets are skipped quietly
    assert parsed.meta["sheets"] == [sheet_name]
    assert {c.sheet for c in parsed.columns} == {sheet_name}
    rows = parsed.observations.sort_values("metric").reset_index(drop=True)
    assert rows["metric"].tolist() == ["conversion_rate", "revenue"]
    assert rows["value"].tolist() == [pytest.approx(0.031), 12345.0]
    assert rows["dimension"].tolist() == ["web", ""]
    assert rows["date"].dt.date.tolist() == [dt.date(2024, 1, 5)] * 2
    assert set(rows["source"]) == {"kgi_template"}


def test_template_header_in_sources_matches_the_export() -> None:
    assert tuple(get_source("kgi_template").extra["template_header"]) == TEMPLATE_HEADERS


def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every sheet XML the formula scan reads."""
    seen: list[str] = []
    original = decode_module._FormulaScan._scan

    def counting(self, path: str) -> set[tuple[int, int]]:
        seen.append(path)
        return original(self, path)

    monkeypatch.setattr(decode_module._FormulaScan, "_scan", counting)
    return seen


def test_full_columns_skip_the_formula_scan(scans: list[str]) -> None:
    data = _workbook([["Date", "Revenue", "Orders"], ["2024-01-01", 100, 2], ["2024-01-02", 150, 3]])
    parsed = read_file(data, "full.xlsx", today=TODAY)
    assert len(parsed.observations) == 4 and parsed.rejected == []
    assert scans == []


def test_empty_metric_cell_scans_and_still_rejects_uncached_formula(scans: list[str]) -> None:
    data = _workbook([["Date", "Revenue", "Orders"], ["2024-01-01", 100, 2], ["2024-01-02", 50, None],
                      ["2024-01-03", 70, "=B4/10"]])
    parsed = read_file(data, "formulas.xlsx", today=TODAY)
    [row] = parsed.rejected
    assert (row.row, row.column, row.key) == (4, "Orders", "import.row.formula_no_value")
    assert scans == ["xl/worksheets/sheet1.xml"]  # once, however many columns ask
    orders = parsed.observations[parsed.observations["metric"] == "orders"]
    assert orders["value"].tolist() == [2.0]  # the blank cell of row 3 is missing, not a zero


def test_uncached_formula_in_the_date_column_is_rejected(scans: list[str]) -> None:
    data = _workbook([["Date", "Revenue"], [dt.date(2024, 1, 1), 100], ["=A2+1", 150]])
    parsed = read_file(data, "dates.xlsx", today=TODAY)
    keys = {(r.row, r.key) for r in parsed.rejected}
    assert (3, "import.row.formula_no_value") in keys
    assert parsed.observations["value"].tolist() == [100.0]
    assert len(scans) == 1
