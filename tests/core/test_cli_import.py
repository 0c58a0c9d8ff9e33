"""``kgi import``, ``kgi imports list|undo`` and ``kgi actuals``, end to end through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from parsed_fakes import daily, parsed
from shared_files import SAMPLE_FILES, expected_monthly, shared_file
from sqlalchemy.engine import Engine

from core import store
from core.cli import main
from core.db import make_engine, migrate
from core.workspaces import create_workspace

FILE_A = daily("clicks", {"2024-01-01": 10, "2024-01-02": 20, "2024-01-03": 30}, "Brand") + daily(
    "impressions", {"2024-01-01": 100, "2024-01-02": 200, "2024-01-03": 300}, "Brand"
)


@pytest.fixture
def db(db_url: str) -> tuple[str, Engine, int]:
    """A migrated database (SQLite, then PostgreSQL), its engine and a workspace id."""
    eng = make_engine(db_url)
    migrate(eng)
    ws_id = create_workspace(eng, "Demo Tea", "ecommerce").id
    yield db_url, eng, ws_id
    eng.dispose()


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_imports_list_and_undo(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str]) -> None:
    url, eng, ws_id = db
    a = store.store_parsed(eng, ws_id, parsed(FILE_A, name="meta.csv"), "a")
    b = store.store_parsed(eng, ws_id, parsed(daily("clicks", {"2024-01-01": 99}, "Brand"), name="new.csv"), "b")
    code, out, _ = run(capsys, url, "imports", "list", "--workspace", "Demo Tea", "--json")
    listed = json.loads(out)
    assert code == 0
    assert [(i["id"], i["file"], i["status"], i["rows"]) for i in listed] == [
        (b.batch_id, "new.csv", "imported", 1), (a.batch_id, "meta.csv", "imported", 6),
    ]
    assert listed[1]["start"] == "2024-01-01" and listed[1]["end"] == "2024-01-03"

    code, out, _ = run(capsys, url, "--lang", "en", "imports", "undo", str(b.batch_id))
    assert code == 0 and f"#{b.batch_id}" in out and "new.csv" in out
    code, out, _ = run(capsys, url, "actuals", "--workspace", str(ws_id), "--metric", "clicks", "--json")
    assert json.loads(out) == [{"period": "2024-01", "value": 60.0}]

    code, _, err = run(capsys, url, "--lang", "en", "imports", "undo", str(b.batch_id))
    assert code == 1 and "already been undone" in err
    code, out, _ = run(capsys, url, "--lang", "zh-TW", "imports", "list", "--workspace", "Demo Tea")
    assert "已復原" in out and "已匯入" in out and "meta.csv" in out


def test_imports_list_empty_says_how_to_import(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str]) -> None:
    url, _, _ = db
    code, out, _ = run(capsys, url, "--lang", "en", "imports", "list", "--workspace", "Demo Tea")
    assert code == 0 and "kgi import FILE" in out


def test_actuals_unknown_metric_and_human_output(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str]) -> None:
    url, eng, ws_id = db
    code, _, err = run(capsys, url, "--lang", "en", "actuals", "--workspace", "Demo Tea", "--metric", "ctrr")
    assert code == 1 and "ctr" in err and "Traceback" not in err
    store.store_parsed(eng, ws_id, parsed(FILE_A), "a")
    code, out, _ = run(capsys, url, "--lang", "en", "actuals", "--workspace", "Demo Tea", "--metric", "ctr")
    assert code == 0 and out.splitlines()[-1] == "2024-01  10.00%"
    code, out, _ = run(capsys, url, "actuals", "--workspace", "Demo Tea", "--metric", "ctr", "--by", "day", "--json")
    assert [r["value"] for r in json.loads(out)] == [0.1, 0.1, 0.1]
    code, out, _ = run(capsys, url, "--lang", "en", "actuals", "--workspace", "Demo Tea", "--metric", "revenue")
    assert code == 0 and "No Revenue figures" in out


def test_import_of_a_missing_file_is_rejected_with_exit_1(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url, _, _ = db
    code, out, _ = run(capsys, url, "--lang", "en", "import", str(tmp_path / "nope.csv"), "--workspace", "Demo Tea", "--json")
    [item] = json.loads(out)["imports"]
    assert code == 1 and item["status"] == "rejected" and item["file"] == "nope.csv"
    assert "Cannot read the file" in item["errors"][0]["message"]


def test_bad_map_and_unknown_workspace(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url, _, _ = db
    sample = tmp_path / "x.csv"
    sample.write_text("Date,Clicks\n2024-01-01,1\n", encoding="utf-8")
    code, _, err = run(capsys, url, "--lang", "en", "import", str(sample), "--workspace", "Demo Tea", "--map", "Clicks")
    assert code == 1 and "COLUMN=metric" in err
    code, _, err = run(capsys, url, "--lang", "en", "import", str(sample), "--workspace", "Nobody")
    assert code == 1 and "Nobody" in err


def test_parse_mappings() -> None:
    from core.cli.imports import parse_mappings

    assert parse_mappings(["Cost=ad_spend", " 備註 = ", "a=b=c"]) == {"Cost": "ad_spend", "備註": "", "a": "b=c"}


# --- with the real readers ---------------------------------------------------------------------


def test_cli_import_human_then_unchanged(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url, _, _ = db
    sheet = tmp_path / "手動紀錄.csv"
    sheet.write_text("日期,營收,訂單數\n2024-01-01,1000,2\n2024-01-02,3000,4\n", encoding="utf-8")
    code, out, _ = run(capsys, url, "--lang", "en", "import", str(sheet), "--workspace", "Demo Tea")
    assert code == 0 and "imported" in out and "2024-01-01 to 2024-01-02" in out
    code, out, _ = run(capsys, url, "import", str(sheet), "--workspace", "Demo Tea", "--json")
    assert code == 0 and json.loads(out)["imports"][0]["status"] == "unchanged"
    code, out, _ = run(capsys, url, "actuals", "--workspace", "Demo Tea", "--metric", "aov", "--json")
    assert json.loads(out) == [{"period": "2024-01", "value": pytest.approx(4000 / 6)}]


def test_cli_rejected_file_exit_1_and_nothing_written(db: tuple[str, Engine, int], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url, eng, ws_id = db
    junk = tmp_path / "report.xlsx"
    junk.write_bytes(b"<html><body>not a workbook</body></html>")
    code, out, _ = run(capsys, url, "--lang", "zh-TW", "import", str(junk), "--workspace", "Demo Tea")
    assert code == 1 and "未匯入" in out
    assert store.list_imports(eng, ws_id) == []


@pytest.mark.parametrize("file_name", SAMPLE_FILES)
def test_samples_reproduce_expected_monthly(file_name: str, sqlite_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    """Each sample through ``kgi import`` then ``kgi actuals --json`` gives its figures to 0.1%."""
    expected = expected_monthly()
    url = sqlite_engine.url.render_as_string(hide_password=False)
    create_workspace(sqlite_engine, "Samples", "ecommerce")
    sample = shared_file("samples", file_name)
    code, out, err = run(capsys, url, "import", str(sample), "--workspace", "Samples", "--json")
    [item] = json.loads(out)["imports"]
    assert code == 0 and item["status"] == "imported", (item, err)
    for metric, months in expected[file_name].items():
        code, out, err = run(capsys, url, "actuals", "--workspace", "Samples", "--metric", metric, "--by", "month", "--json")
        assert code == 0, err
        got = {r["period"]: r["value"] for r in json.loads(out)}
        assert sorted(got) == sorted(months), (metric, got)
        for month, want in months.items():
            assert got[month] == pytest.approx(want, rel=1e-3), (metric, month)


def test_expected_monthly_covers_every_sample() -> None:
    expected = expected_monthly()
    assert sorted(expected) == sorted(SAMPLE_FILES)
    assert isinstance(pd.Series(expected["meta_ads_daily.csv"]["ad_spend"]).sum(), float)
