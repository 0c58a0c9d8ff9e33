"""Bad input: each file gets a clear message (both languages), never a traceback."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import builders
import openpyxl
import pytest

from core.errors import KgiError
from core.importing import read_file

TODAY = dt.date(2024, 6, 30)


def error_of(data: bytes, name: str, **kwargs) -> KgiError:
    with pytest.raises(KgiError) as err:
        read_file(data, name, today=TODAY, **kwargs)
    for lang in ("en", "zh-TW"):
        text = err.value.message(lang)
        assert text and "{" not in text and "Traceback" not in text
    return err.value


def rejections(data: bytes, name: str, **kwargs) -> list:
    parsed = read_file(data, name, today=TODAY, **kwargs)
    for row in parsed.rejected:
        assert row.message("en") and row.message("zh-TW") and "{" not in row.message("zh-TW")
    return parsed.rejected


def encrypted_xlsx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(builders.english_serial_xlsx())
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    return out.getvalue()


def with_sheet_xml(data: bytes, edit) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            target.writestr(item, body)
    return out.getvalue()


# --- whole-file errors ---------------------------------------------------------------------

WHOLE_FILE = {
    "zero_bytes": (b"", "empty.csv", "import.file.empty"),
    "only_whitespace": (b"\r\n  \n", "blank.csv", "import.file.empty"),
    "bom_only": (b"\xef\xbb\xbf", "bom.csv", "import.file.empty"),
    "header_only_csv": (b"Date,Sessions,Revenue\n", "h.csv", "import.file.no_rows"),
    "header_only_gsc": (b"Date,Clicks,Impressions,CTR,Position", "Chart.csv", "import.file.no_rows"),
    "meta_no_data_available": (
        b'"Reporting starts","Reporting ends","Campaign name","Amount spent (USD)",Impressions\n"No data available."\n',
        "Acct-Campaigns.csv", "import.file.no_rows"),
    "binary_junk_named_xlsx": (bytes(range(256)) * 40, "report.xlsx", "import.file.binary"),
    "png_named_csv": (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)) * 20, "chart.csv", "import.file.binary"),
    "html_saved_as_xls": (b"<html><body><table><tr><td>Date</td></tr></table></body></html>", "report.xls",
                          "import.file.html"),
    "xml_spreadsheet_2003": (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
                             "report.xls", "import.file.html"),
    "ole_not_a_workbook": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls", "import.file.bad_workbook"),
    "truncated_zip": (b"PK\x03\x04" + b"\x00" * 50, "cut.xlsx", "import.file.bad_workbook"),
    "no_metric_columns": (b"Date,Notes,Owner\n2024-01-01,hello,Amy\n", "notes.csv", "import.file.no_metric"),
    "no_date_sheet": (b"Channel,Sessions\nDirect,10\n", "s.csv", "import.file.no_date"),
    "google_ads_without_day": (
        (b"Campaign report\n1 January 2024 - 2 January 2024\n"
         b"Campaign,Currency code,Clicks,Impr.,Cost,Conv. value,Avg. CPC\nBrand,TWD,1,\"1,000\",5,0,5\n"),
        "Campaign report.csv", "import.file.no_date_source"),
    "meta_without_day_breakdown": (
        b"Reporting starts,Reporting ends,Campaign name,Amount spent (USD),Impressions\n"
        b"2024-01-01,2024-01-20,A,10,100\n", "Acct.csv", "import.file.not_daily"),
    "unknown_source": (b"Date,Sessions\n2024-01-01,1\n", "x.csv", "import.source.unknown"),
}


@pytest.mark.parametrize("case", sorted(WHOLE_FILE))
def test_whole_file_is_refused_with_a_clear_message(case: str) -> None:
    data, name, key = WHOLE_FILE[case]
    kwargs = {"source": "no_such_tool"} if case == "unknown_source" else {}
    assert error_of(data, name, **kwargs).key == key


def test_no_date_message_names_the_fix() -> None:
    err = error_of(WHOLE_FILE["google_ads_without_day"][0], "Campaign report.csv")
    assert "Google Ads" in err.message("en") and "Day segment" in err.message("en")
    assert "區隔" in err.message("zh-TW")


def test_no_metric_message_lists_the_columns() -> None:
    err = error_of(WHOLE_FILE["no_metric_columns"][0], "notes.csv")
    assert "Notes" in err.message("en") and "Owner" in err.message("zh-TW")


def test_password_protected_xlsx() -> None:
    assert error_of(encrypted_xlsx(), "secret.xlsx").key == "import.file.encrypted"


def test_zip_that_is_not_xlsx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Chart.csv", "Date,Clicks\n2024-01-01,1\n")
    assert error_of(out.getvalue(), "performance.xlsx").key == "import.file.zip_not_xlsx"


def test_file_over_the_size_limit() -> None:
    data = builders.ga4_standard()
    err = error_of(data, "big.csv", max_bytes=100)
    assert err.key == "import.file.too_big" and err.params["limit_mb"] == "0.0"


def test_xlsx_whose_used_range_claims_a_million_rows() -> None:
    def claim(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:Z1048576"/>', xml)
        return xml.replace("</sheetData>", '<row r="1048576"><c r="Z1048576" s="0"/></row></sheetData>')

    data = with_sheet_xml(builders.english_serial_xlsx(), claim)
    parsed = read_file(data, "claims.xlsx", today=TODAY)
    assert len(parsed.observations[parsed.observations["metric"] == "revenue"]) == 3


def test_formula_cells_without_cached_value_are_reported() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Date", "Revenue", "Orders"])
    sheet.append(["2024-01-01", 100, 2])
    sheet.append(["2024-01-02", "=B2*2", 3])  # openpyxl writes no cached value
    out = io.BytesIO()
    workbook.save(out)
    parsed = read_file(out.getvalue(), "formulas.xlsx", today=TODAY)
    [row] = parsed.rejected
    assert (row.row, row.column, row.key) == (3, "Revenue", "import.row.formula_no_value")
    assert "B" in row.message("en") and "公式" in row.message("zh-TW")


# --- row-level rejections ------------------------------------------------------------------


def test_mixed_date_formats_in_a_column() -> None:
    data = b"Date,Sessions\n2024-01-01,1\n2024-01-02,2\n01/03/2024,3\n2024-01-04,4\n"
    [row] = rejections(data, "mixed.csv")
    assert (row.row, row.key, row.params["value"]) == (4, "import.row.mixed_date", "01/03/2024")
    assert "YYYY-MM-DD" in row.message("en")


def test_not_a_date_at_all() -> None:
    [row] = rejections(b"Date,Sessions\n2024-01-01,1\nsoon,2\n", "d.csv")
    assert (row.row, row.key) == (3, "import.row.bad_date")


def test_impossible_calendar_date() -> None:
    [row] = rejections(b"Date,Sessions\n2024-01-01,1\n2024-02-30,2\n", "d.csv")
    assert row.key in ("import.row.bad_date", "import.row.mixed_date") and row.row == 3


def test_negative_spend() -> None:
    data = b"Day,Campaign name,Amount spent (USD),Impressions\n2024-01-01,A,-5,10\n2024-01-02,A,5,10\n"
    [row] = rejections(data, "meta.csv", source="meta_ads")
    assert (row.row, row.column, row.key) == (2, "Amount spent (USD)", "import.row.negative")


def test_negative_count() -> None:
    [row] = rejections(b"Date,Sessions\n2024-01-01,-3\n", "s.csv")
    assert row.key == "import.row.negative"


def test_dates_in_the_future() -> None:
    data = b"Date,Sessions\n2024-06-30,1\n2024-07-01,2\n"
    [row] = rejections(data, "f.csv")
    assert (row.row, row.key, row.params["today"]) == (3, "import.row.future_date", "2024-06-30")


def test_text_in_a_number_column() -> None:
    data = b"Date,Sessions,Revenue\n2024-01-01,12,100\n2024-01-02,twelve,100\n"
    [row] = rejections(data, "t.csv")
    assert (row.row, row.column, row.key, row.params["value"]) == (3, "Sessions", "import.row.not_a_number", "twelve")


def test_duplicate_dates_rejected_later_row() -> None:
    data = b"Date,Sessions\n2024-01-01,1\n2024-01-02,2\n2024-01-01,5\n"
    parsed = read_file(data, "dup.csv", today=TODAY)
    [row] = parsed.rejected
    assert (row.row, row.key, row.params["first"]) == (4, "import.row.duplicate", 2)
    assert parsed.observations["value"].tolist() == [1.0, 2.0]


def test_ragged_row_with_extra_cells() -> None:
    data = b"Date,Sessions\n2024-01-01,1\n2024-01-02,2,surprise\n"
    [row] = rejections(data, "r.csv")
    assert (row.row, row.key) == (3, "import.row.ragged")


def test_missing_date_with_figures() -> None:
    data = b"Date,Sessions\n2024-01-01,1\n,2\n"
    parsed = read_file(data, "m.csv", today=TODAY)
    # A blank date with figures on a sheet without dimensions is a totals line: dropped.
    assert parsed.observations["value"].tolist() == [1.0]


def test_unknown_metric_in_long_template() -> None:
    data = b"date,metric,value\n2024-01-01,revenue,1\n2024-01-01,happiness,9\n"
    [row] = rejections(data, "t.csv")
    assert (row.row, row.key, row.params["value"]) == (3, "import.row.unknown_metric", "happiness")


def test_mapping_to_an_unknown_metric() -> None:
    err = error_of(b"Date,X\n2024-01-01,1\n", "x.csv", mapping={"X": "happiness"})
    assert err.key == "import.mapping.unknown_metric"


def test_many_rejections_are_capped_with_a_warning() -> None:
    rows = "\n".join(f"2024-01-{(i % 28) + 1:02d},x{i}" for i in range(2500))
    parsed = read_file(("Date,Sessions\n" + rows).encode(), "bad.csv", today=TODAY)
    assert len(parsed.rejected) == 2000
    assert any(w.key == "import.warn.more_rejected" and w.params["total"] == 2500 for w in parsed.warnings)
