"""The new export formats end to end, through the path the CLI uses: ``kgi import`` stores the
observations, ``kgi actuals --by month`` gives back each sample's true monthly figures, and no
personal data from an order, payment or subscriber row reaches the database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import format_builders as fb
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from core import store
from core.cli import main
from core.workspaces import create_workspace

SAMPLES = fb.all_samples()
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_kgi_import_then_actuals_give_the_true_monthly_figures(
    name: str, sqlite_engine: Engine, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sample = SAMPLES[name]
    url = sqlite_engine.url.render_as_string(hide_password=False)
    create_workspace(sqlite_engine, "Formats", "saas" if "stripe" in name else "ecommerce")
    path = tmp_path / sample.name
    path.write_bytes(sample.data)
    code, out, err = run(capsys, url, "import", str(path), "--workspace", "Formats", "--json")
    [item] = json.loads(out)["imports"]
    assert code == 0 and item["status"] == "imported", (item, err)
    assert item["source"] == sample.source
    for metric, months in sample.expected.items():
        code, out, err = run(capsys, url, "actuals", "--workspace", "Formats", "--metric", metric, "--by", "month",
                             "--json")
        assert code == 0, err
        got = {r["period"]: r["value"] for r in json.loads(out)}
        assert sorted(got) == sorted(months), (metric, got)
        for month, want in months.items():
            assert got[month] == pytest.approx(want, rel=1e-9, abs=1e-9), (metric, month)


def dump(engine: Engine) -> str:
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        return repr([conn.execute(text(f'SELECT * FROM "{table}"')).all() for table in sorted(tables)])


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if not n.startswith(("line_", "shopee_insights"))))
def test_no_personal_data_reaches_the_database(name: str, engine: Engine) -> None:
    sample = SAMPLES[name]
    if not sample.name.endswith(".xlsx") and name != "mailchimp_campaign":
        written = sample.data.decode("utf-8-sig")
        assert any(value in written for value in fb.PII_VALUES)  # names, phones, addresses: the test can fail
    ws = create_workspace(engine, "PII", "ecommerce").id
    result = store.import_file(engine, ws, sample.data, sample.name)
    assert result.status == "imported", result.to_dict()
    stored = dump(engine)
    for value in fb.PII_VALUES:
        assert value not in stored, value
    assert EMAIL.search(stored) is None
