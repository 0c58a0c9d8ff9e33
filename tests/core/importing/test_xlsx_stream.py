"""Streaming one xlsx sheet in chunks (core.importing.xlsx_stream) gives calamine's whole read.

A generated corpus: workbooks written by openpyxl (normal and write-only) and by hand (shared,
inline and rich strings, ``t="str"/"b"/"e"/"d"``, rows and cells without ``r``, self-closing
rows, namespace prefixes, gaps, leading empty rows and columns, a lying ``<dimension>``, the
1904 date system, custom number formats), read with tiny ``chunk_rows`` so that chunk
boundaries fall everywhere; concatenated chunks must equal calamine's
``to_python(skip_empty_area=False)`` value for value and type for type.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from core.errors import KgiError
from core.importing.decode import column_letter
from core.importing.xlsx_stream import NotStreamable, RowChunk, sheet_row_chunks, sheet_xml_size

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TEXTS = [
    "abc", "台北 活動", "a<b&c>\"'", "  spaced  ", "日本語テキスト", "emoji 😀", "line\nbreak",
    "x&amp;y", "]]>", "Σ 100%", "2024-01-05", "0012", "TRUE", "#N/A", "tab\there", "é",
]
NUMBER_FORMATS = ["General", "0.00", "yyyy-mm-dd", "yyyy/mm/dd hh:mm", "hh:mm:ss", "[h]:mm:ss",
                  "0%", "m/d/yy", "[$-404]e/m/d", '"on "dddd d mmm yyyy', "#,##0", "mm:ss.0"]


# --- comparing ----------------------------------------------------------------------------


def whole_read(data: bytes, sheet: str) -> list[list[Any]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def typed(rows: list[list[Any]]) -> list[list[tuple[str, Any]]]:
    out = [[(type(v).__name__, v) for v in row] for row in rows]
    while out and all(v == ("str", "") for v in out[-1]):
        out.pop()
    return out


def streamed(data: bytes, sheet: str, chunk_rows: int) -> list[RowChunk]:
    return list(sheet_row_chunks(data, sheet, "book.xlsx", chunk_rows=chunk_rows))


def assert_same(data: bytes, sheet: str, chunk_sizes: tuple[int, ...] = (1, 2, 7, 50)) -> None:
    try:
        whole = whole_read(data, sheet)
    except Exception:  # e.g. OverflowError for a huge number styled as a duration
        for chunk_rows in chunk_sizes:
            with pytest.raises(KgiError):
                streamed(data, sheet, chunk_rows)
        return
    width = max((len(row) for row in whole), default=0)
    for chunk_rows in chunk_sizes:
        rows: list[list[Any]] = []
        seen_width = 0
        for chunk in streamed(data, sheet, chunk_rows):
            assert chunk.first_row == len(rows)
            assert chunk.rows
            widths = {len(row) for row in chunk.rows}
            assert len(widths) == 1  # every row of a chunk is padded alike
            assert widths.pop() >= seen_width  # ... to the widest seen so far
            seen_width = len(chunk.rows[0])
            rows.extend(chunk.rows)
        assert seen_width <= width
        padded = [row + [""] * (width - len(row)) for row in rows]
        assert typed(padded) == typed(whole), f"chunk_rows={chunk_rows}"


# --- hand-written workbooks ---------------------------------------------------------------


def styles_xml(formats: list[str]) -> str:
    builtin = {"General": 0, "0.00": 2, "0%": 9, "m/d/yy": 14, "hh:mm:ss": 21, "[h]:mm:ss": 46,
               "#,##0": 3, "mm:ss.0": 47}
    custom, ids = [], []
    for code in formats:
        if code in builtin:
            ids.append(builtin[code])
        else:
            ids.append(164 + len(custom))
            custom.append(f'<numFmt numFmtId="{ids[-1]}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>')
    xfs = "".join(f'<xf numFmtId="{i}" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/>'
                  for i in ids)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN_NS}">'
            f'<numFmts count="{len(custom)}">{"".join(custom)}</numFmts>'
            '<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill/></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(ids)}">{xfs}</cellXfs></styleSheet>')


def package(sheet_xml: str | bytes, *, strings: list[str] | None = None, formats: list[str] | None = None,
            date1904: bool = False, sheet_name: str = "Data", sheet_path: str = "worksheets/sheet1.xml",
            extra_sheet: bool = True) -> bytes:
    """A complete xlsx around one hand-written sheet part (plus an ordinary second sheet)."""
    formats = formats or ["General"]
    sheets = [(sheet_name, sheet_path)] + ([("Other", "worksheets/sheet2.xml")] if extra_sheet else [])
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/{path}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                  for _, path in sheets)
        + "</Types>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                 "</Relationships>")
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
                + (f'<workbookPr date1904="{1 if date1904 else 0}"/>')
                + "<sheets>"
                + "".join(f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                          for i, (name, _) in enumerate(sheets))
                + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="{REL_NS}/worksheet" Target="{path}"/>'
                      for i, (_, path) in enumerate(sheets))
            + f'<Relationship Id="rIdS" Type="{REL_NS}/styles" Target="styles.xml"/>'
            + (f'<Relationship Id="rIdT" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
               if strings is not None else "")
            + "</Relationships>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", root_rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/styles.xml", styles_xml(formats))
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings_xml(strings))
        archive.writestr(f"xl/{sheet_path}", sheet_xml)
        if extra_sheet:
            archive.writestr("xl/worksheets/sheet2.xml",
                             f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>9</v></c></row></sheetData></worksheet>')
    return out.getvalue()


def shared_strings_xml(strings: list[str]) -> str:
    items = []
    for i, text in enumerate(strings):
        if i % 5 == 1:  # rich text runs
            half = len(text) // 2
            items.append(f'<si><r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">{escape(text[:half])}</t></r>'
                         f'<r><t xml:space="preserve">{escape(text[half:])}</t></r></si>')
        elif i % 7 == 3:  # phonetic run, which is not part of the value
            items.append(f'<si><t xml:space="preserve">{escape(text)}</t><rPh sb="0" eb="1"><t>ふり</t></rPh></si>')
        else:
            items.append(f'<si><t xml:space="preserve">{escape(text)}</t></si>')
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{"".join(items)}</sst>')


col_letters = column_letter


def random_cell(rnd: random.Random, p: str, n_strings: int, n_styles: int) -> str | None:
    """What follows ``<c r="..."`` up to ``</c>`` (attributes, ``>``, content), None for an
    empty cell."""
    kind = rnd.choice(["n", "n", "n", "s", "s", "inline", "rich", "str", "b", "e", "d", "empty",
                       "formula_only", "date"])
    style = f' s="{rnd.randrange(n_styles)}"' if rnd.random() < 0.6 else ""
    if kind == "n":
        value = rnd.choice([rnd.randint(-1000, 100_000), round(rnd.uniform(-1e6, 1e6), rnd.randint(0, 6)),
                            0, 1e-7, 123456789012])
        return f'{style}><{p}v>{value}</{p}v>'
    if kind == "date":
        value = round(rnd.uniform(1, 60000), rnd.choice([0, 0, 3, 6]))
        return f'{style}><{p}v>{value}</{p}v>'
    if kind == "s":
        return f'{style} t="s"><{p}v>{rnd.randrange(n_strings)}</{p}v>'
    if kind == "inline":
        return f' t="inlineStr"{style}><{p}is><{p}t xml:space="preserve">{escape(rnd.choice(TEXTS))}</{p}t></{p}is>'
    if kind == "rich":
        a, b = rnd.choice(TEXTS), rnd.choice(TEXTS)
        return (f' t="inlineStr"><{p}is><{p}r><{p}rPr><{p}i/></{p}rPr><{p}t>{escape(a)}</{p}t></{p}r>'
                f'<{p}r><{p}t xml:space="preserve">{escape(b)}</{p}t></{p}r></{p}is>')
    if kind == "str":
        return f' t="str"{style}><{p}f>A1&amp;"x"</{p}f><{p}v>{escape(rnd.choice(TEXTS))}</{p}v>'
    if kind == "b":
        return f' t="b"><{p}v>{rnd.choice([0, 1])}</{p}v>'
    if kind == "e":
        return f' t="e"><{p}f>1/0</{p}f><{p}v>{rnd.choice(["#DIV/0!", "#N/A", "#REF!", "#VALUE!"])}</{p}v>'
    if kind == "d":
        return f' t="d"{style}><{p}v>{rnd.choice(["2024-02-29T13:45:00", "2023-01-01", "1999-12-31T23:59:59.5"])}</{p}v>'
    if kind == "formula_only":
        return f'><{p}f>SUM(A1:A2)</{p}f>'
    return None  # an empty cell


def random_sheet_xml(rnd: random.Random, n_strings: int, n_styles: int) -> str:
    """A hand-written sheet part (cells in increasing order, as every writer puts them)."""
    p = rnd.choice(["", "", "x:"])
    ns = f'xmlns:x="{MAIN_NS}"' if p else f'xmlns="{MAIN_NS}"'
    row_r_mode = rnd.choice(["always", "always", "never", "mixed"])
    cell_r_mode = rnd.choice(["always", "always", "never", "mixed"])
    q = rnd.choice(['"', "'"])
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns}>']
    if rnd.random() < 0.5:
        out.append(f'<{p}sheetPr><{p}outlinePr summaryBelow="1"/></{p}sheetPr>')
    if rnd.random() < 0.7:
        out.append(f'<{p}dimension ref="{rnd.choice(["A1", "A1:XFD1048576", "B2:C3", "A1:Z999999"])}"/>')
    out.append(f"<{p}sheetViews><{p}sheetView workbookViewId=\"0\"/></{p}sheetViews>")
    if rnd.random() < 0.3:
        out.append(f'<{p}cols><{p}col min="1" max="3" width="12" customWidth="1"/></{p}cols>')
    n_rows = rnd.choice([0, 1, 3, 10, 25, 60])
    if n_rows == 0 and rnd.random() < 0.5:
        out.append(f"<{p}sheetData/>")
    else:
        out.append(f"<{p}sheetData>")
        cur = rnd.choice([0, 0, 0, 1, 4, 20])  # calamine's row counter; leading empty rows
        if cur and row_r_mode != "always":
            out.append(f"<{p}row/>" * cur)  # positional leading rows
        first_col = rnd.choice([0, 0, 0, 1, 3])
        for _ in range(n_rows):
            gap = rnd.choice([0, 0, 0, 0, 1, 2, 9]) if rnd.random() < 0.3 else 0
            with_r = row_r_mode == "always" or (row_r_mode == "mixed" and rnd.random() < 0.5)
            if with_r:
                index = cur + gap
                attrs = f" r={q}{index + 1}{q}"
            else:
                if gap:
                    out.append(f"<{p}row/>" * gap)  # self-closing rows move the counter too
                    cur += gap
                index = cur
                attrs = ""
            if rnd.random() < 0.2:
                attrs += ' spans="1:5" x14ac:dyDescent="0.25"' if not p else ' ht="15"'
            if rnd.random() < 0.08:
                out.append(f"<{p}row{attrs}/>")
                cur = index + 1
                continue
            cells = []
            col = first_col if rnd.random() < 0.8 else 0
            for _ in range(rnd.choice([1, 2, 3, 3, 5, 8])):
                col += rnd.choice([0, 0, 0, 1, 2])
                cell_r = cell_r_mode == "always" or (cell_r_mode == "mixed" and rnd.random() < 0.5)
                body = random_cell(rnd, p, n_strings, n_styles)
                ref = f" r=\"{col_letters(col)}{index + 1}\"" if cell_r else ""
                if not cell_r and cells and rnd.random() < 0.1:
                    cells.append(f"<{p}c/>")  # an empty positional cell moves the column
                    col += 1
                if body is None:
                    cells.append(f"<{p}c{ref}{' s=' + chr(34) + '1' + chr(34) if n_styles > 1 else ''}/>")
                else:
                    cells.append(f"<{p}c{ref}{body}</{p}c>")
                col += 1
            sep = rnd.choice(["", "", "\n  "])
            out.append(f"<{p}row{attrs}>{sep}{sep.join(cells)}{sep}</{p}row>{sep}")
            cur = index + 1
        if rnd.random() < 0.3:
            out.append(f"<{p}row r=\"{cur + 3}\"/>" if row_r_mode != "never" else f"<{p}row/>")
        out.append(f"</{p}sheetData>")
    if rnd.random() < 0.5:
        out.append(f'<{p}mergeCells count="1"><{p}mergeCell ref="A1:B1"/></{p}mergeCells>')
    out.append(f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    out.append(f"</{p}worksheet>")
    xml = "".join(out)
    if "x14ac:" in xml and not p:
        xml = xml.replace(f'xmlns="{MAIN_NS}"',
                          f'xmlns="{MAIN_NS}" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"')
    return xml


def random_hand_workbook(seed: int) -> bytes:
    rnd = random.Random(seed)
    strings = [rnd.choice(TEXTS) + ("" if rnd.random() < 0.5 else f" {i}") for i in range(rnd.randint(1, 30))]
    strings[0] = ""  # an empty shared string is a (non-empty) string cell for calamine
    formats = rnd.sample(NUMBER_FORMATS, rnd.randint(1, len(NUMBER_FORMATS)))
    xml = random_sheet_xml(rnd, len(strings), len(formats))
    return package(xml, strings=strings, formats=formats, date1904=rnd.random() < 0.2,
                   sheet_name=rnd.choice(["Data", "資料 & <1>", "Sheet 1"]))


@pytest.mark.parametrize("seed", range(260))
def test_hand_written_sheets_stream_as_calamine_reads_them(seed: int) -> None:
    data = random_hand_workbook(seed)
    name = next(n for n in CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names if n != "Other")
    assert_same(data, name)


# --- openpyxl workbooks ------------------------------------------------------------------


def random_value(rnd: random.Random) -> tuple[Any, str | None]:
    kind = rnd.choice(["int", "float", "text", "text", "date", "datetime", "time", "bool", "blank",
                       "big", "delta"])
    if kind == "int":
        return rnd.randint(-10_000, 10_000_000), rnd.choice([None, "#,##0", "0.00"])
    if kind == "float":
        return rnd.uniform(-1e5, 1e5), rnd.choice([None, "0.00", "0%"])
    if kind == "text":
        return rnd.choice(TEXTS).replace("\t", " ") + rnd.choice(["", " 台灣", "_x000D_"]), None
    if kind == "date":
        return dt.date(2000, 1, 1) + dt.timedelta(days=rnd.randint(0, 12000)), rnd.choice(
            [None, "yyyy-mm-dd", "yyyy/m/d", "[$-404]e/m/d", "dd mmm yyyy"])
    if kind == "datetime":
        return dt.datetime(2020, 1, 1) + dt.timedelta(seconds=rnd.randint(0, 10**8)), rnd.choice(
            [None, "yyyy-mm-dd hh:mm:ss", "m/d/yy h:mm"])
    if kind == "time":
        return dt.time(rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59)), rnd.choice([None, "hh:mm"])
    if kind == "delta":
        return dt.timedelta(hours=rnd.randint(0, 100), minutes=rnd.randint(0, 59)), "[h]:mm:ss"
    if kind == "bool":
        return rnd.choice([True, False]), None
    if kind == "big":
        return 2**40 + rnd.randint(0, 99), None
    return None, None


def openpyxl_workbook(seed: int, write_only: bool) -> bytes:
    rnd = random.Random(seed)
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("Data") if write_only else book.active
    if not write_only:
        sheet.title = "Data"
    width = rnd.randint(1, 6)
    lead_rows = rnd.choice([0, 0, 1, 3])
    lead_cols = rnd.choice([0, 0, 2])
    rows = [[None] * (lead_cols + width) for _ in range(lead_rows)]
    for _ in range(rnd.choice([1, 5, 20, 45])):
        if rnd.random() < 0.1:
            rows.append([None] * (lead_cols + width))  # an empty row in between
            continue
        rows.append([None] * lead_cols + [rnd.random() < 0.85 and random_value(rnd) or (None, None)
                                          for _ in range(rnd.randint(1, width))])
    for r, row in enumerate(rows):
        if write_only:
            cells = []
            for item in row:
                if isinstance(item, tuple) and item[0] is not None:
                    cell = openpyxl.cell.WriteOnlyCell(sheet, value=item[0])
                    if item[1]:
                        cell.number_format = item[1]
                    cells.append(cell)
                else:
                    cells.append(None)
            sheet.append(cells)
        else:
            for c, item in enumerate(row):
                if isinstance(item, tuple) and item[0] is not None:
                    cell = sheet.cell(row=r + 1, column=c + 1, value=item[0])
                    if item[1]:
                        cell.number_format = item[1]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("seed", range(80))
def test_openpyxl_sheets_stream_as_calamine_reads_them(seed: int) -> None:
    assert_same(openpyxl_workbook(seed, write_only=False), "Data", (1, 3, 7))


@pytest.mark.parametrize("seed", range(80))
def test_openpyxl_write_only_sheets_stream_as_calamine_reads_them(seed: int) -> None:
    assert_same(openpyxl_workbook(1000 + seed, write_only=True), "Data", (1, 3, 7))


# --- particular cases --------------------------------------------------------------------


def sheet(rows_xml: str, head: str = "", p: str = "", after: str = "") -> str:
    ns = f'xmlns:x="{MAIN_NS}"' if p else f'xmlns="{MAIN_NS}"'
    return (f'<?xml version="1.0"?><{p}worksheet {ns}>{head}<{p}sheetData>{rows_xml}</{p}sheetData>'
            f"{after}</{p}worksheet>")


def rows_of(data: bytes, chunk_rows: int = 2, name: str = "Data") -> list[list[Any]]:
    return [row for chunk in streamed(data, name, chunk_rows) for row in chunk.rows]


def test_a_first_chunk_starting_far_down_keeps_its_row_index() -> None:
    rows = "".join(f'<row r="{200_001 + i}"><c r="B{200_001 + i}"><v>{i}</v></c></row>' for i in range(5))
    data = package(sheet(rows, head='<dimension ref="A1:B200005"/>'))
    chunks = streamed(data, "Data", 100_000)
    assert [c.first_row for c in chunks] == [0, 100_000, 200_000]
    assert chunks[-1].rows == [["", 0.0], ["", 1.0], ["", 2.0], ["", 3.0], ["", 4.0]]
    assert all(len(c.rows) == 100_000 and c.rows[0] == ["", ""] for c in chunks[:2])
    assert_same(data, "Data", (1, 3, 100_000))


def test_a_long_gap_between_rows_comes_in_pieces() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="5001"><c r="A5001"><v>2</v></c></row>'
    data = package(sheet(rows))
    chunks = streamed(data, "Data", 100)
    assert max(len(c.rows) for c in chunks) <= 200
    assert_same(data, "Data", (1, 100))


def test_rows_and_cells_without_r_are_placed_as_calamine_counts_them() -> None:
    rows = "".join(f"<row><c><v>{i}</v></c><c t=\"inlineStr\"><is><t>t{i}</t></is></c></row>" for i in range(9))
    data = package(sheet('<row r="3"/>' + rows + "<row/><row/>" + '<row><c r="C20"><v>5</v></c></row>'))
    assert_same(data, "Data", (1, 2, 3, 4, 5))
    assert rows_of(data)[3][:2] == [0.0, "t0"]


def test_prefixed_elements_are_read() -> None:
    rows = "".join(f'<x:row r="{i + 1}"><x:c r="A{i + 1}" t="inlineStr"><x:is><x:t>v{i}</x:t></x:is></x:c>'
                   f'<x:c r="B{i + 1}"><x:v>{i}</x:v></x:c></x:row>' for i in range(6))
    data = package(sheet(rows, p="x:"))
    assert rows_of(data)[5] == ["v5", 5.0]
    assert_same(data, "Data", (1, 4))


def test_a_later_wider_row_widens_only_later_chunks() -> None:
    rows = ('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'
            '<row r="3"><c r="D3"><v>3</v></c></row>')
    chunks = streamed(package(sheet(rows)), "Data", 2)
    assert chunks[0].rows == [[1.0], [2.0]]
    assert chunks[1].rows == [["", "", "", 3.0]]


def test_empty_sheets_give_no_chunks() -> None:
    assert streamed(package(f'<worksheet xmlns="{MAIN_NS}"><sheetData/></worksheet>'), "Data", 5) == []
    assert streamed(package(sheet('<row r="1"/><row r="2"></row>')), "Data", 1) == []


def test_shared_strings_and_styles_follow_every_chunk() -> None:
    strings = [f"s{i}" for i in range(50)]
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{49 - i}</v></c>'
                   f'<c r="B{i + 1}" s="1"><v>{45000 + i}</v></c></row>' for i in range(50))
    data = package(sheet(rows), strings=strings, formats=["General", "yyyy-mm-dd"], date1904=True)
    got = rows_of(data, 7)
    assert got[0] == ["s49", dt.date(1904, 1, 1) + dt.timedelta(days=45000)] and got[49][0] == "s0"
    assert_same(data, "Data", (1, 7, 13))


def test_sheet_xml_size() -> None:
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>')
    data = package(xml, sheet_path="worksheets/Sheet_A.xml")
    assert sheet_xml_size(data, "Data") == len(xml.encode())
    assert sheet_xml_size(data, "Nope") == 0
    assert sheet_xml_size(b"not a zip", "Data") == 0


def test_comments_inside_sheet_data_are_not_streamed() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><!-- <row r="2"> --><row r="3"><c r="A3"><v>3</v></c></row>'
    with pytest.raises(NotStreamable):
        streamed(package(sheet(rows)), "Data", 1)


def test_rows_going_back_across_chunks_are_not_streamed() -> None:
    rows = ('<row r="5"><c r="A5"><v>1</v></c></row><row r="6"><c r="A6"><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c></row>')
    data = package(sheet(rows))
    with pytest.raises(NotStreamable):
        streamed(data, "Data", 2)
    assert_same(data, "Data", (10,))  # in one chunk calamine sorts them out itself


def test_mixed_row_prefixes_are_not_streamed() -> None:
    rows = '<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><y:row r="2"><x:c r="A2"><x:v>2</x:v></x:c></y:row>'
    xml = sheet(rows, p="x:").replace("<x:worksheet ", f'<x:worksheet xmlns:y="{MAIN_NS}" ')
    with pytest.raises(NotStreamable):
        streamed(package(xml), "Data", 5)


@pytest.mark.parametrize("xml", [
    f'<worksheet xmlns="{MAIN_NS}"><sheetPr/></worksheet>',
    f'<chartsheet xmlns="{MAIN_NS}"><sheetPr/></chartsheet>',
    "<?xml version='1.0' encoding='UTF-16'?><worksheet><sheetData></sheetData></worksheet>".encode("utf-16"),
])
def test_a_small_part_without_sheet_data_is_read_whole(xml: str | bytes) -> None:
    data = package(xml)
    try:
        expected = whole_read(data, "Data")
    except Exception:
        refused(data)
    else:
        assert typed(rows_of(data)) == typed(expected)


# --- hostile input ------------------------------------------------------------------------


def refused(data: bytes, name: str = "Data") -> KgiError:
    with pytest.raises(KgiError) as err:
        streamed(data, name, 3)
    assert err.value.key == "import.file.bad_workbook" and err.value.params == {"file": "book.xlsx"}
    return err.value


def good_book() -> bytes:
    return package(sheet("".join(f'<row r="{i + 1}"><c r="A{i + 1}"><v>{i}</v></c></row>' for i in range(40))))


def test_a_truncated_zip_is_a_bad_workbook() -> None:
    data = good_book()
    for size in (0, 10, len(data) // 2, len(data) - 30):
        refused(data[:size])


def test_garbage_is_a_bad_workbook() -> None:
    refused(b"PK\x03\x04" + bytes(random.Random(1).randbytes(5000)))
    refused(b"hello, world")


def test_a_missing_sheet_is_a_bad_workbook() -> None:
    refused(good_book(), "Nope")


@pytest.mark.parametrize("xml", [
    "<worksheet><sheetData><row r='1'><c r='A1'><v>1</v></row></sheetData></worksheet>",
    sheet('<row r="1"><c r="A1"><v>1</v></c></row>' * 5)[:-40],  # cut short
    sheet('<row r="1"><c r="A1" t="s"><v>99</v></c></row>'),  # no such shared string
    sheet('<row r="1"><c r="A1"><v>1</v></c></row><row r="abc"><c><v>2</v></c></row>'),
    sheet('<row r="1"><c r="1A"><v>1</v></c></row>'),
    "\x00\x01garbage<<<>>>",
])
def test_broken_sheet_xml_is_a_bad_workbook_or_not_streamable(xml: str) -> None:
    data = package(xml, strings=["a"])
    try:
        whole_read(data, "Data")
        whole_ok = True
    except Exception:
        whole_ok = False
    try:
        list(sheet_row_chunks(data, "Data", "book.xlsx", chunk_rows=1))
    except KgiError as err:
        assert err.key == "import.file.bad_workbook" and not whole_ok
    except NotStreamable:
        pass
    else:
        assert whole_ok


def test_a_corrupted_sheet_part_is_a_bad_workbook() -> None:
    data = bytearray(package(sheet("".join(f'<row r="{i + 1}"><c r="A{i + 1}"><v>{i}</v></c></row>'
                                           for i in range(3000)))))
    at = bytes(data).find(b"xl/worksheets/sheet1.xml") + 60  # inside its deflated bytes
    for i in range(at, at + 200):
        data[i] ^= 0x5A
    refused(bytes(data))


def test_cells_outside_rows_are_streamed_only_where_exact() -> None:
    stray = ('<row r="1"><c><v>1</v></c></row><c><v>7</v></c><c><v>8</v></c>'
             '<row r="2"><c><v>2</v></c></row><row r="3"><c><v>3</v></c></row>')
    data = package(sheet(stray))
    with pytest.raises(NotStreamable):
        streamed(data, "Data", 1)
    assert_same(data, "Data", (3,))
    unclosed = '<row r="1"><c><v>1</v></c><row r="2"><c><v>2</v></c></row>'
    with pytest.raises((NotStreamable, KgiError)):
        streamed(package(sheet(unclosed)), "Data", 1)


def test_attribute_values_holding_a_greater_than_sign() -> None:
    rows = "".join(f'<row note="a>b" r="{i + 2}"><c><v>{i}</v></c></row>' for i in range(4))
    rows += "<row><c><v>9</v></c></row>"
    assert_same(package(sheet(rows)), "Data", (1, 2, 3))


@pytest.mark.parametrize("empty_cell", [
    '<c r="{ref}" t="s"><v>0</v></c>',
    '<c r="{ref}" t="inlineStr"><is><t></t></is></c>',
    '<c r="{ref}" t="str"><f>""</f><v></v></c>',
    '<c r="{ref}" t="str"><f>""</f><v/></c>',
    '<c r="{ref}" s="1"/>',
])
def test_cells_holding_an_empty_string_at_a_chunk_edge(empty_cell: str) -> None:
    rows = (f'<row r="2">{empty_cell.format(ref="C2")}</row>'
            '<row r="3"><c r="A3"><v>1</v></c></row>'
            f'<row r="4">{empty_cell.format(ref="D4")}</row>'
            f'<row r="6">{empty_cell.format(ref="B6")}<c r="E6"><v>2</v></c></row>'
            f'<row r="7">{empty_cell.format(ref="F7")}</row>')
    data = package(sheet(rows), strings=["", "x"], formats=["General", "yyyy-mm-dd"])
    assert_same(data, "Data", (1, 2, 3))


def rewrite(data: bytes, edit: dict[str, Any]) -> bytes:
    """Copy a zip, renaming members (``name: "new name"``) or editing them (``name: callable``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            body = source.read(name)
            change = edit.get(name)
            if callable(change):
                body = change(body)
            target.writestr(change if isinstance(change, str) else name, body)
    return out.getvalue()


def test_the_sheet_part_is_found_as_calamine_finds_it() -> None:
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}"><v>{i}</v></c></row>' for i in range(9))
    data = package(sheet(rows))
    absolute = rewrite(data, {"xl/_rels/workbook.xml.rels": lambda b: b.replace(
        b'Target="worksheets/sheet1.xml"', b'Target="/xl/worksheets/sheet1.xml"')})
    other_case = rewrite(data, {"xl/worksheets/sheet1.xml": "xl/Worksheets/Sheet1.XML"})
    for book in (absolute, other_case):
        assert sheet_xml_size(book, "Data") > 0
        assert_same(book, "Data", (2,))


def test_a_workbook_in_another_folder() -> None:
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i % 2}</v></c></row>' for i in range(9))
    data = package(sheet(rows), strings=["a", "b"])
    moved = rewrite(data, {name: name.replace("xl/", "book/") for name in zipfile.ZipFile(io.BytesIO(data)).namelist()
                           if name.startswith("xl/")} | {
        "_rels/.rels": lambda b: b.replace(b'Target="xl/workbook.xml"', b'Target="book/workbook.xml"')})
    assert_same(moved, "Data", (2,))
    assert rows_of(moved, 4)[1] == ["b"]


@pytest.mark.parametrize("seed", range(60))
def test_tiny_reads_and_byte_capped_groups_change_nothing(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tags split across inflated pieces, and groups cut by size rather than by row count."""
    from core.importing import xlsx_stream

    rnd = random.Random(seed)
    monkeypatch.setattr(xlsx_stream, "READ_BYTES", rnd.choice([1, 5, 17, 64]))
    monkeypatch.setattr(xlsx_stream, "MAX_GROUP_BYTES", rnd.choice([300, 1000, 10**9]))
    data = random_hand_workbook(5000 + seed)
    name = next(n for n in CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names if n != "Other")
    assert_same(data, name, (1, 4, 1000))


def test_one_huge_row_is_not_streamable(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.importing import xlsx_stream

    monkeypatch.setattr(xlsx_stream, "READ_BYTES", 100)
    monkeypatch.setattr(xlsx_stream, "MAX_GROUP_BYTES", 200)
    monkeypatch.setattr(xlsx_stream, "MAX_ROW_BYTES", 1000)
    cells = "".join(f'<c r="{col_letters(i)}2"><v>{i}</v></c>' for i in range(100))
    data = package(sheet(f'<row r="1"><c r="A1"><v>1</v></c></row><row r="2">{cells}</row>'))
    with pytest.raises(NotStreamable):
        streamed(data, "Data", 10)


MUTATIONS = [b"<row", b"</row>", b"<c", b"</c>", b"<v>", b"</v>", b"<!--", b"-->", b"<![CDATA[",
             b"r=\"", b"/>", b">", b"<", b"</sheetData>", b"<sheetData>", b"\x00", b"&", b"&#0;",
             b"x:", b"\"", b"'"]


@pytest.mark.parametrize("seed", range(120))
def test_mutated_sheets_raise_only_our_errors(seed: int) -> None:
    """Broken XML: chunks, NotStreamable or KgiError, never another exception, never a hang.
    (Values of XML that is not well formed may differ from the whole read: see the module.)"""
    rnd = random.Random(seed)
    data = random_hand_workbook(9000 + seed)
    name = next(n for n in CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names if n != "Other")
    xml = bytearray(zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml"))
    for _ in range(rnd.randint(1, 4)):
        at = rnd.randrange(len(xml) + 1)
        roll = rnd.random()
        if roll < 0.4:
            xml[at:at] = rnd.choice(MUTATIONS)
        elif roll < 0.7:
            del xml[at: at + rnd.randint(1, 20)]
        else:
            xml[at: at + 1] = bytes([rnd.randrange(256)])
    mutated = rewrite(data, {"xl/worksheets/sheet1.xml": lambda _: bytes(xml)})
    for chunk_rows in (1, 3, 50):
        try:
            for chunk in sheet_row_chunks(mutated, name, "book.xlsx", chunk_rows=chunk_rows):
                assert chunk.rows
        except (NotStreamable, KgiError):
            pass
