"""``kgi import`` with hand-kept sheets: ``--granularity``, the granularity named per file in the
JSON result, and the columns that look like a metric but were not imported (``unmapped``)."""

from __future__ import annotations

import json
from pathlib import Path

import builders_tw as tw
import pytest
from sqlalchemy.engine import Engine

from core import store
from core.cli import main
from core.db import make_engine, migrate
from core.workspaces import create_workspace


@pytest.fixture
def db(db_url: str) -> tuple[str, Engine, int]:
    eng = make_engine(db_url)
    migrate(eng)
    ws_id = create_workspace(eng, "Tea books", "ecommerce").id
    yield db_url, eng, ws_id
    eng.dispose()


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_names_granularity_and_unmapped_columns(db, capsys, tmp_path: Path) -> None:
    url, eng, ws_id = db
    books = tmp_path / "月報.csv"
    books.write_bytes(tw.books_month_start_csv())
    sheet = tmp_path / "daily.csv"
    sheet.write_bytes(tw.unmapped_columns_csv())
    code, out, _ = run(capsys, url, "--lang", "en", "import", str(books), str(sheet), "--workspace", "Tea books",
                       "--json")
    assert code == 0
    first, second = json.loads(out)["imports"]
    assert first["granularity"] == "month" and second["granularity"] == "day"
    assert first["unmapped"] == []
    assert second["unmapped"] == [{"column": "廣告花費(千元)", "metric": "ad_spend"},
                                  {"column": "Total Ad Spend (TWD)", "metric": "ad_spend"}]
    warned = [w for w in second["warnings"] if w["key"] == "import.warn.unmapped_metric"]
    assert len(warned) == 2 and "looks like Ad spend" in warned[0]["message"]
    assert len(store.list_imports(eng, ws_id)) == 2


def test_granularity_flag_reads_rows_as_chosen(db, capsys, tmp_path: Path) -> None:
    url, _eng, _ws = db
    books = tmp_path / "月報.csv"
    books.write_bytes(tw.books_month_start_csv())
    code, out, _ = run(capsys, url, "import", str(books), "--workspace", "Tea books", "--granularity", "day",
                       "--json")
    assert code == 0
    assert json.loads(out)["imports"][0]["granularity"] == "day"
    # The same bytes read another way are another import, not "unchanged".
    code, out, _ = run(capsys, url, "import", str(books), "--workspace", "Tea books", "--granularity", "month",
                       "--json")
    result = json.loads(out)["imports"][0]
    assert result["status"] == "imported" and result["granularity"] == "month"


def test_granularity_refused_with_a_message_in_both_languages(db, capsys, tmp_path: Path) -> None:
    url, _eng, _ws = db
    daily = tmp_path / "日報.xlsx"
    daily.write_bytes(tw.sheet_per_month_xlsx())
    for lang, words in (("zh-TW", "無法以每列一個月讀取"), ("en", "cannot be read as one row per month")):
        code, out, _ = run(capsys, url, "--lang", lang, "import", str(daily), "--workspace", "Tea books",
                           "--granularity", "month", "--json")
        result = json.loads(out)["imports"][0]
        assert code == 1 and result["status"] == "rejected"
        assert words in result["errors"][0]["message"]


def test_text_output_names_granularity_and_skipped_subtotals(db, capsys, tmp_path: Path) -> None:
    url, _eng, _ws = db
    books = tmp_path / "營運.xlsx"
    books.write_bytes(tw.books_titled_xlsx())
    code, out, _ = run(capsys, url, "--lang", "en", "import", str(books), "--workspace", "Tea books", "--json")
    result = json.loads(out)["imports"][0]
    assert result["skipped_rows"] == 2 and result["rejected_rows"] == 0 and result["granularity"] == "month"
    roc = tmp_path / "月報.csv"
    roc.write_bytes(tw.books_roc_csv())
    code, out, _ = run(capsys, url, "--lang", "zh-TW", "import", str(roc), "--workspace", "Tea books")
    assert code == 0
    assert "每一列代表一個月的合計" in out
