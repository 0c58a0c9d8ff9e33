"""Hostile and broken files, built by code (nothing large is committed)."""

from __future__ import annotations

import io
import re
import zipfile

import builders


def _edit_sheet(data: bytes, edit) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = edit(body.decode()).encode()
            target.writestr(item, body)
    return out.getvalue()


def small_xlsx() -> bytes:
    return builders.xlsx({"Data": [["Date", "Sessions"], ["2024-01-01", 5], ["2024-01-02", 7]]})


def far_cell_xlsx(ref: str = "XFD1048576", claim: bool = True) -> bytes:
    """A tiny workbook with one valued cell at ``ref`` (and a ``<dimension>`` claiming it)."""
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    def edit(xml: str) -> str:
        if claim:
            xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="A1:{ref}"', xml)
        return xml.replace("</sheetData>", f'<row r="{row}"><c r="{ref}" t="n"><v>1</v></c></row></sheetData>')

    return _edit_sheet(small_xlsx(), edit)


def shared_strings_bomb(expanded_mb: int = 1100) -> bytes:
    """A workbook whose sharedStrings.xml inflates to ``expanded_mb`` MB (a few MB zipped)."""
    base = zipfile.ZipFile(io.BytesIO(small_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in base.infolist():
            target.writestr(item, base.read(item.filename))
        chunk = b"<si><t>" + b"A" * 1_048_000 + b"</t></si>"
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(expanded_mb):
                fh.write(chunk)
            fh.write(b"</sst>")
    return out.getvalue()


def many_columns_csv(columns: int) -> bytes:
    header = ",".join(f"c{i}" for i in range(columns))
    return ("Date," + header + "\n2024-01-01," + ",".join("1" for _ in range(columns)) + "\n").encode()


def no_line_breaks_csv(chars: int = 3_000_000) -> bytes:
    return b"Date,Sessions," + b"x" * chars
