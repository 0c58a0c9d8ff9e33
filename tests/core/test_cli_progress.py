"""``kgi progress``, ``kgi report`` and ``kgi demo`` agree with the core they call."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from core.cli import main
from core.demo import create_demo
from core.progress import workspace_progress

TODAY = date(2026, 11, 26)


def test_progress_json_matches_workspace_progress(engine, db_url, capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    assert main(["--db", db_url, "progress", "--workspace", str(ws.id), "--as-of", "2026-06-30", "--json",
                 "--lang", "en"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = json.loads(json.dumps(workspace_progress(engine, ws.id, date(2026, 6, 30), "en").to_dict()))
    assert printed == expected
    assert printed["as_of"] == "2026-06-30"
    assert printed["kgi"]["metric"] == "revenue"
    assert {k["metric"] for k in printed["kpis"]} >= {"conversion_rate", "aov", "roas"}
    assert set(printed["kgi"]["forecast"]) == {"value", "low", "high"}


def test_progress_text_and_bad_date(engine, db_url, capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    assert main(["--db", db_url, "--lang", "zh-TW", "progress", "--workspace", ws.name]) == 0
    out = capsys.readouterr().out
    assert "KGI [" in out and "營收" in out
    assert main(["--db", db_url, "--lang", "en", "progress", "--workspace", ws.name, "--as-of", "June"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_report_writes_the_workbook_and_summary(engine, db_url, tmp_path, capsys) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    xlsx, html = tmp_path / "review.xlsx", tmp_path / "review.html"
    assert main(["--db", db_url, "--lang", "en", "report", "--workspace", str(ws.id), "--month", "2026-10",
                 "-o", str(xlsx), "--html", str(html)]) == 0
    assert "2026-10" in capsys.readouterr().out
    book = openpyxl.load_workbook(xlsx)
    text = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    assert "Conversion rate" in text
    assert "<html" in html.read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("month", ["2026-13", "Oct", "2026-1"])
def test_report_rejects_a_bad_month(engine, db_url, tmp_path, capsys, month) -> None:  # noqa: ANN001
    ws = create_demo(engine, today=TODAY)
    out = tmp_path / "r.xlsx"
    assert main(["--db", db_url, "--lang", "en", "report", "--workspace", str(ws.id), "--month", month,
                 "-o", str(out)]) == 1
    assert "YYYY-MM" in capsys.readouterr().err
    assert not out.exists()


def test_demo_command(db_url, capsys) -> None:  # noqa: ANN001
    assert main(["--db", db_url, "--lang", "zh-TW", "demo", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["name"] == "茶葉電商（示範）"
    assert main(["--db", db_url, "--lang", "zh-TW", "demo"]) == 0
    assert "茶葉電商（示範） 2" in capsys.readouterr().out
    assert main(["--db", db_url, "--lang", "en", "demo"]) == 0  # the demo speaks the user's language
    assert "Demo Tea Shop" in capsys.readouterr().out
