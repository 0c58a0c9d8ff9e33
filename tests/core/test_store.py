"""Storing imports: one transaction per file, newest import wins, undo, read back.

Most tests build a small ``ParsedFile`` stand-in, so the storing rules are tested apart from
the readers; the tests that need the real readers skip only while ``core.importing`` is absent.
"""

from __future__ import annotations

import multiprocessing
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from parsed_fakes import FakeParsed, FakeRejected, daily, parsed
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from core import store
from core.db import make_engine, migrate
from core.errors import KgiError
from core.models import Observation
from core.workspaces import create_workspace


@pytest.fixture
def ws(engine: Engine) -> int:
    return create_workspace(engine, "Demo Tea", "ecommerce").id


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, for "the database is unchanged" assertions."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    out: dict[str, list[tuple]] = {}
    with engine.connect() as conn:
        for table in sorted(tables):
            out[table] = sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{table}"')).all()), key=repr)
    return out


def live_values(engine: Engine, ws_id: int, metric: str) -> dict[tuple[str, str], float]:
    obs = store.load_observations(engine, ws_id, [metric])
    obs = obs[obs["metric"] == metric]
    return {(d.strftime("%Y-%m-%d"), dim): v for d, dim, v in zip(obs["date"], obs["dimension"], obs["value"], strict=True)}


FILE_A = daily("clicks", {"2024-01-01": 10, "2024-01-02": 20, "2024-01-03": 30}, "Brand") + daily(
    "impressions", {"2024-01-01": 100, "2024-01-02": 200, "2024-01-03": 300}, "Brand"
)


# --- storing ----------------------------------------------------------------------------------


def test_import_stores_every_value_with_its_batch(engine: Engine, ws: int) -> None:
    result = store.store_parsed(engine, ws, parsed(FILE_A), "h1")
    assert (result.status, result.rows, result.replaced) == ("imported", 6, 0)
    assert result.metrics == ["clicks", "impressions"]
    assert (result.start, result.end) == (date(2024, 1, 1), date(2024, 1, 3))
    item = result.to_dict()
    assert item["start"] == "2024-01-01" and item["end"] == "2024-01-03" and item["errors"] == []
    assert set(item) >= {"file", "source", "status", "rows", "metrics", "start", "end", "errors"}
    assert live_values(engine, ws, "clicks") == {
        ("2024-01-01", "Brand"): 10.0, ("2024-01-02", "Brand"): 20.0, ("2024-01-03", "Brand"): 30.0,
    }
    [batch] = store.list_imports(engine, ws)
    assert (batch.id, batch.rows, batch.metrics, batch.status) == (result.batch_id, 6, ["clicks", "impressions"], "imported")
    assert (batch.start, batch.end, batch.source, batch.file_hash) == (date(2024, 1, 1), date(2024, 1, 3), "meta_ads", "h1")


def test_same_bytes_again_is_unchanged_and_writes_nothing(engine: Engine, ws: int) -> None:
    first = store.store_parsed(engine, ws, parsed(FILE_A), "same")
    before = snapshot(engine)
    again = store.store_parsed(engine, ws, parsed(FILE_A), "same")
    assert again.status == "unchanged" and again.batch_id == first.batch_id and again.rows == 6
    assert snapshot(engine) == before


def test_another_file_for_the_same_days_replaces_never_doubles(engine: Engine, ws: int) -> None:
    store.store_parsed(engine, ws, parsed(FILE_A), "a")
    newer = daily("clicks", {"2024-01-02": 25, "2024-01-03": 35, "2024-01-04": 45}, "Brand")
    result = store.store_parsed(engine, ws, parsed(newer, name="b.csv"), "b")
    assert (result.status, result.replaced) == ("imported", 2)
    assert live_values(engine, ws, "clicks") == {
        ("2024-01-01", "Brand"): 10.0, ("2024-01-02", "Brand"): 25.0,
        ("2024-01-03", "Brand"): 35.0, ("2024-01-04", "Brand"): 45.0,
    }
    assert store.actuals(engine, ws, "clicks") == [{"period": "2024-01", "value": 115.0}]
    # impressions were not in the newer file: untouched
    assert sum(live_values(engine, ws, "impressions").values()) == 600.0


def test_other_sources_and_dimensions_stay_apart(engine: Engine, ws: int) -> None:
    store.store_parsed(engine, ws, parsed(FILE_A), "a")
    store.store_parsed(engine, ws, parsed(daily("clicks", {"2024-01-01": 7}, "Brand"), source="google_ads"), "g")
    store.store_parsed(engine, ws, parsed(daily("clicks", {"2024-01-01": 3}, "Retargeting")), "r")
    assert store.actuals(engine, ws, "clicks") == [{"period": "2024-01", "value": 70.0}]
    assert store.actuals(engine, ws, "clicks", source="google_ads") == [{"period": "2024-01", "value": 7.0}]
    assert store.actuals(engine, ws, "clicks", source="meta_ads") == [{"period": "2024-01", "value": 63.0}]


def test_undo_brings_back_the_replaced_values(engine: Engine, ws: int) -> None:
    a = store.store_parsed(engine, ws, parsed(FILE_A), "a")
    newer = daily("clicks", {"2024-01-02": 25, "2024-01-03": 35}, "Brand")
    b = store.store_parsed(engine, ws, parsed(newer, name="b.csv"), "b")
    undone = store.undo_import(engine, b.batch_id)
    assert undone.status == "undone"
    assert live_values(engine, ws, "clicks") == {
        ("2024-01-01", "Brand"): 10.0, ("2024-01-02", "Brand"): 20.0, ("2024-01-03", "Brand"): 30.0,
    }
    with pytest.raises(KgiError) as twice:
        store.undo_import(engine, b.batch_id)
    assert twice.value.key == "store.already_undone"
    store.undo_import(engine, a.batch_id)
    assert store.load_observations(engine, ws).empty
    with engine.connect() as conn:
        assert conn.execute(select(Observation)).all() == []
    with pytest.raises(KgiError) as missing:
        store.undo_import(engine, 999_999)
    assert missing.value.key == "store.import_not_found"


def test_undo_of_a_middle_import_keeps_the_newest(engine: Engine, ws: int) -> None:
    one = daily("clicks", {"2024-01-01": 1})
    a = store.store_parsed(engine, ws, parsed(one), "a")
    b = store.store_parsed(engine, ws, parsed(daily("clicks", {"2024-01-01": 2})), "b")
    c = store.store_parsed(engine, ws, parsed(daily("clicks", {"2024-01-01": 3})), "c")
    store.undo_import(engine, b.batch_id)
    assert live_values(engine, ws, "clicks") == {("2024-01-01", ""): 3.0}
    store.undo_import(engine, c.batch_id)  # a's value was handed over to c, so it returns now
    assert live_values(engine, ws, "clicks") == {("2024-01-01", ""): 1.0}
    assert [i.status for i in store.list_imports(engine, ws)] == ["undone", "undone", "imported"]
    assert store.list_imports(engine, ws)[-1].id == a.batch_id


def test_undone_file_can_be_imported_again(engine: Engine, ws: int) -> None:
    first = store.store_parsed(engine, ws, parsed(FILE_A), "a")
    store.undo_import(engine, first.batch_id)
    again = store.store_parsed(engine, ws, parsed(FILE_A), "a")
    assert again.status == "imported" and again.batch_id != first.batch_id
    assert sum(live_values(engine, ws, "clicks").values()) == 60.0


def test_failure_mid_import_rolls_everything_back(engine: Engine, ws: int, monkeypatch: pytest.MonkeyPatch) -> None:
    store.store_parsed(engine, ws, parsed(FILE_A), "a")
    before = snapshot(engine)
    calls: list[int] = []
    real_supersede = store._supersede

    def supersede_then_note(*args: Any, **kwargs: Any) -> int:
        calls.append(real_supersede(*args, **kwargs))
        return calls[-1]

    def boom(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_supersede", supersede_then_note)
    monkeypatch.setattr(store, "_insert_rows", boom)
    newer = daily("clicks", {"2024-01-02": 99, "2024-01-03": 99}, "Brand")
    with pytest.raises(RuntimeError):
        store.store_parsed(engine, ws, parsed(newer, name="b.csv"), "b")
    assert calls == [2]  # the supersede step ran and marked two rows before the failure
    assert snapshot(engine) == before
    assert sum(live_values(engine, ws, "clicks").values()) == 60.0


def test_failure_after_some_chunks_rolls_back(engine: Engine, ws: int, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(engine)
    monkeypatch.setattr(store, "INSERT_CHUNK", 2)
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if len(seen) == 2:
            raise KeyboardInterrupt  # the user closed the tab halfway

    with pytest.raises(KeyboardInterrupt):
        store.store_parsed(engine, ws, parsed(FILE_A), "a", on_progress=progress)
    assert snapshot(engine) == before


def test_progress_reaches_one(engine: Engine, ws: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "INSERT_CHUNK", 4)
    seen: list[float] = []
    store.store_parsed(engine, ws, parsed(FILE_A), "a", on_progress=seen.append)
    assert seen == [4 / 6, 1.0]


def test_rejected_rows_are_kept_on_the_batch(engine: Engine, ws: int) -> None:
    bad = [FakeRejected(7, "Cost", "store.bad_date", {})]
    result = store.store_parsed(engine, ws, parsed(FILE_A, rejected=bad), "a")
    assert result.rejected_rows == 1
    error = result.to_dict("en")["errors"][0]
    assert (error["row"], error["column"], error["key"]) == (7, "Cost", "store.bad_date")
    assert error["message"].startswith("Some figures have no valid date")
    assert result.to_dict("zh-TW")["errors"][0]["message"].startswith("有些數據沒有有效的日期")
    [batch] = store.list_imports(engine, ws)
    assert batch.errors == [{"row": 7, "column": "Cost", "key": "store.bad_date", "params": {}}]


# --- what storing refuses ---------------------------------------------------------------------


def test_blank_values_are_not_stored_as_zero(engine: Engine, ws: int) -> None:
    rows = [*daily("clicks", {"2024-01-01": 5}), ("2024-01-02", "clicks", float("nan"), "")]
    result = store.store_parsed(engine, ws, parsed(rows), "a")
    assert result.rows == 1 and result.end == date(2024, 1, 1)


@pytest.mark.parametrize(
    ("rows", "key"),
    [
        ([("2024-01-01", "clicks", 1.0, ""), ("2024-01-01", "clicks", 2.0, "")], "store.duplicate_key"),
        ([("2024-01-01", "not_a_metric", 1.0, "")], "store.unknown_metric"),
        ([("2024-01-01", "clicks", float("nan"), "")], "store.no_rows"),
    ],
)
def test_unusable_figures_change_nothing(engine: Engine, ws: int, rows: list, key: str) -> None:
    before = snapshot(engine)
    with pytest.raises(KgiError) as err:
        store.store_parsed(engine, ws, parsed(rows), "x")
    assert err.value.key == key
    assert snapshot(engine) == before


def test_too_large_file_is_rejected_before_reading(engine: Engine, ws: int) -> None:
    before = snapshot(engine)
    result = store.import_file(engine, ws, b"x" * 2048, "big.csv", max_bytes=1024)
    assert result.status == "rejected" and result.errors[0].key == "store.too_large"
    assert "1024" not in result.to_dict("en")["errors"][0]["message"]  # said in MB, not bytes
    assert snapshot(engine) == before


def test_max_upload_is_read_from_streamlit_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[server]\nmaxUploadSize = 50\n', encoding="utf-8")
    assert store._read_max_upload_mb(config) == 50
    config.write_text("[theme]\nbase = 'light'\n", encoding="utf-8")
    assert store._read_max_upload_mb(config) == 200
    assert store._read_max_upload_mb(tmp_path / "missing.toml") == 200
    config.write_text("not toml [", encoding="utf-8")
    assert store._read_max_upload_mb(config) == 200


# --- mappings ----------------------------------------------------------------------------------


def test_mapping_is_remembered_per_workspace_and_source(engine: Engine, ws: int) -> None:
    other = create_workspace(engine, "Other", "ecommerce").id
    store.save_mapping(engine, ws, "custom", {"花費": "ad_spend", "備註": ""})
    store.save_mapping(engine, ws, "custom", {"花費": "revenue", "點擊": "clicks"})
    assert store.load_mapping(engine, ws, "custom") == {"花費": "revenue", "備註": "", "點擊": "clicks"}
    assert store.load_mapping(engine, ws, "meta_ads") == {}
    assert store.load_mapping(engine, other, "custom") == {}
    with pytest.raises(KgiError):
        store.save_mapping(engine, ws, "custom", {"x": "nope"})
    store.save_mapping(engine, ws, "custom", {"日子": "@date", "通路": "@dimension"})
    assert store.load_mapping(engine, ws, "custom")["日子"] == "@date"


def test_a_remembered_mapping_rescues_an_unrecognised_sheet(engine: Engine, ws: int) -> None:
    data = "日子,神秘數字\n2024-01-01,5\n2024-01-02,7\n".encode()
    first = store.import_file(engine, ws, data, "odd.csv")
    assert first.status == "rejected"
    mapped = store.import_file(engine, ws, data, "odd.csv", source="sheet",
                               mapping={"日子": "@date", "神秘數字": "orders"})
    assert mapped.status == "imported"
    store.undo_import(engine, mapped.batch_id)
    again = store.import_file(engine, ws, data, "odd-again.csv")  # auto: the remembered choice applies
    assert again.status == "imported" and again.metrics == ["orders"]
    assert store.actuals(engine, ws, "orders", by="month") == [{"period": "2024-01", "value": 12.0}]


# --- reading back ------------------------------------------------------------------------------


def test_load_observations_adds_components_and_filters(engine: Engine, ws: int) -> None:
    store.store_parsed(engine, ws, parsed(FILE_A), "a")
    store.store_parsed(engine, ws, parsed(daily("revenue", {"2024-01-01": 500.0}), source="shopify"), "s")
    obs = store.load_observations(engine, ws, ["ctr"])
    assert sorted(set(obs["metric"])) == ["clicks", "impressions"]
    assert str(obs["date"].dtype) == "datetime64[ns]" and str(obs["value"].dtype) == "float64"
    assert list(obs.columns) == ["date", "metric", "value", "source", "dimension", "granularity"]
    some = store.load_observations(engine, ws, None, sources="shopify")
    assert some["metric"].tolist() == ["revenue"]
    window = store.load_observations(engine, ws, ["clicks"], start=date(2024, 1, 2), end=date(2024, 1, 2))
    assert window["value"].tolist() == [20.0]
    assert store.load_observations(engine, ws, ["clicks"], dimensions=["Nope"]).empty


def test_actuals_aggregates_as_the_catalog_says(engine: Engine, ws: int) -> None:
    rows = daily("clicks", {"2024-01-30": 10, "2024-01-31": 30, "2024-02-01": 5}) + daily(
        "impressions", {"2024-01-30": 1000, "2024-01-31": 1000, "2024-02-01": 50}
    )
    store.store_parsed(engine, ws, parsed(rows), "a")
    assert store.actuals(engine, ws, "ctr") == [
        {"period": "2024-01", "value": 0.02}, {"period": "2024-02", "value": 0.1},
    ]
    assert store.actuals(engine, ws, "clicks", by="day") == [
        {"period": "2024-01-30", "value": 10.0}, {"period": "2024-01-31", "value": 30.0},
        {"period": "2024-02-01", "value": 5.0},
    ]
    assert [r["value"] for r in store.actuals(engine, ws, "clicks", by="week")] == [45.0]
    assert store.actuals(engine, ws, "revenue") == []


def test_unknown_actuals_metric_lists_close_keys(engine: Engine, ws: int) -> None:
    with pytest.raises(KgiError) as err:
        store.actuals(engine, ws, "revenu")
    assert err.value.key == "store.unknown_actuals_metric"
    assert "revenue" in err.value.params["close"]


# --- two writers -------------------------------------------------------------------------------


def _child_import(url: str, ws_id: int, source: str, days: int, offset: float) -> None:
    eng = make_engine(url)
    dates = pd.date_range("2023-01-01", periods=days, freq="D")
    frame = pd.DataFrame({
        "date": dates.repeat(20).astype("datetime64[ns]"),
        "metric": "clicks",
        "value": [float(i) + offset for i in range(days * 20)],
        "dimension": [f"c{i % 20}" for i in range(days * 20)],
        "granularity": "day",
    })
    result = store.store_parsed(eng, ws_id, FakeParsed(f"{source}.csv", source, frame), f"hash-{source}-{offset}")
    assert result.status == "imported"
    eng.dispose()


def test_two_processes_import_into_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    eng = make_engine(url)
    migrate(eng)
    ws_id = create_workspace(eng, "Two writers", "ecommerce").id
    eng.dispose()
    ctx = multiprocessing.get_context("fork")
    jobs = [
        ctx.Process(target=_child_import, args=(url, ws_id, "google_ads", 700, 0.0)),
        ctx.Process(target=_child_import, args=(url, ws_id, "meta_ads", 700, 0.0)),
        ctx.Process(target=_child_import, args=(url, ws_id, "meta_ads", 700, 0.5)),  # same keys
    ]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(120)
    assert [job.exitcode for job in jobs] == [0, 0, 0]
    eng = make_engine(url)
    obs = store.load_observations(eng, ws_id, ["clicks"])
    assert len(obs[obs["source"] == "google_ads"]) == 14_000
    meta = obs[obs["source"] == "meta_ads"]
    assert len(meta) == 14_000  # the second meta import replaced the first, never doubled
    assert (meta["value"] % 1).nunique() == 1  # all from one file, not a mix
    assert [b.status for b in store.list_imports(eng, ws_id)] == ["imported"] * 3
    eng.dispose()


# --- with the real readers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.csv", b""), ("junk.xlsx", b"\x00\x01binary junk" * 50), ("header.csv", b"Date,Clicks\n")],
)
def test_rejected_file_changes_nothing(engine: Engine, ws: int, name: str, data: bytes) -> None:
    before = snapshot(engine)
    result = store.import_file(engine, ws, data, name)
    assert result.status == "rejected" and result.errors
    assert result.to_dict("zh-TW")["errors"][0]["message"]
    assert snapshot(engine) == before


def test_import_file_then_same_bytes_is_unchanged(engine: Engine, ws: int) -> None:
    data = b"Date,Clicks,Impressions\n2024-01-01,10,100\n2024-01-02,20,200\n"
    first = store.import_file(engine, ws, data, "mine.csv")
    assert first.status == "imported", first.to_dict()
    assert store.actuals(engine, ws, "ctr") == [{"period": "2024-01", "value": 0.1}]
    again = store.import_file(engine, ws, data, "mine-copy.csv")
    assert (again.status, again.file, again.rows) == ("unchanged", "mine-copy.csv", first.rows)
    assert store.actuals(engine, ws, "clicks") == [{"period": "2024-01", "value": 30.0}]


EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def test_shopify_pii_is_never_stored(engine: Engine, ws: int, shared_dir: Path) -> None:
    sample = shared_dir / "samples" / "shopify_orders_export.csv"
    result = store.import_file(engine, ws, sample.read_bytes(), sample.name)
    assert result.status == "imported", result.to_dict()
    dump = repr(snapshot(engine))
    assert "@example.invalid" in sample.read_text(encoding="utf-8")
    assert EMAIL.search(dump) is None
    assert "測試客戶" not in dump and "+886 900" not in dump


def test_given_mapping_applies_is_remembered_and_reapplies(engine: Engine, ws: int) -> None:
    data = b"Date,Mystery,Clicks\n2024-01-01,5,1\n2024-01-02,6,2\n"
    plain = store.import_file(engine, ws, data, "m.csv")
    assert plain.metrics == ["clicks"]
    mapped = store.import_file(engine, ws, data, "m.csv", mapping={"Mystery": "impressions"})
    # same bytes, other column choices: a new import that replaces the first, not "unchanged"
    assert (mapped.status, mapped.metrics, mapped.replaced) == ("imported", ["clicks", "impressions"], 2)
    assert store.load_mapping(engine, ws, mapped.source) == {"Mystery": "impressions"}
    later = store.import_file(engine, ws, b"Date,Mystery,Clicks\n2024-01-03,7,3\n", "m2.csv")
    assert later.metrics == ["clicks", "impressions"]  # the remembered choice applied by itself
    again = store.import_file(engine, ws, b"Date,Mystery,Clicks\n2024-01-03,7,3\n", "m2.csv")
    assert again.status == "unchanged"
    assert store.actuals(engine, ws, "ctr") == [{"period": "2024-01", "value": pytest.approx(6 / 18)}]


# --- bulk path details --------------------------------------------------------------------------


def test_rows_are_written_in_live_key_order(engine: Engine, ws: int) -> None:
    """Unsorted input is sorted (metric, date, granularity, dimension) before the insert."""
    rows = [("2024-01-02", "impressions", 4, "B"), ("2024-01-01", "clicks", 2, "B"),
            ("2024-01-02", "clicks", 3, "A"), ("2024-01-01", "impressions", 1, "A"),
            ("2024-01-01", "clicks", 5, "A")]
    store.store_parsed(engine, ws, parsed(rows), "order")
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT metric, CAST(date AS VARCHAR), dimension, value FROM observation ORDER BY id"
        )).all()
    assert [tuple(r) for r in stored] == [
        ("clicks", "2024-01-01", "A", 5.0), ("clicks", "2024-01-01", "B", 2.0), ("clicks", "2024-01-02", "A", 3.0),
        ("impressions", "2024-01-01", "A", 1.0), ("impressions", "2024-01-02", "B", 4.0),
    ]


def test_far_apart_dates_and_a_quote_in_the_source(engine: Engine, ws: int) -> None:
    """Dates decades apart (the sparse path) and a source name with a quote store exactly."""
    rows = daily("clicks", {"1990-05-01": 1, "2024-01-01": 2, "2024-01-02": 3}, "x'y")
    result = store.store_parsed(engine, ws, parsed(rows, source="o'hara"), "sparse")
    assert (result.rows, result.start, result.end) == (3, date(1990, 5, 1), date(2024, 1, 2))
    obs = store.load_observations(engine, ws, ["clicks"], sources="o'hara")
    assert obs["date"].dt.strftime("%Y-%m-%d").tolist() == ["1990-05-01", "2024-01-01", "2024-01-02"]
    assert obs["dimension"].tolist() == ["x'y"] * 3 and obs["value"].tolist() == [1.0, 2.0, 3.0]


def test_dates_code_sparse_and_dense_alike() -> None:
    days = pd.Series(pd.to_datetime(["2024-03-01", "1900-01-01", "2024-03-01", "2100-12-31"]))
    coded, start, end = store._dates(days)
    assert coded.strings() == ["2024-03-01", "1900-01-01", "2024-03-01", "2100-12-31"]
    assert (start, end) == (date(1900, 1, 1), date(2100, 12, 31))
    dense, _, _ = store._dates(pd.Series(pd.to_datetime(["2024-01-03", "2024-01-01", "2024-01-03"])))
    assert (dense.codes.tolist(), dense.uniques.tolist()) == ([1, 0, 1], ["2024-01-01", "2024-01-03"])
