"""Issue 8 end to end on SQLite and PostgreSQL: the numbers a user sees mean what they say.

Each test stores observations the way an import does, then reads them back through
``workspace_progress`` and ``kgi actuals`` — the same core the dashboard, the review and the
CLI use.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from parsed_fakes import FakeParsed
from shared_files import shared_file
from sqlalchemy.engine import Engine

from core import store
from core.cli import main
from core.db import session_scope
from core.figure_notes import overlap_notes, periods_apart_note, source_note
from core.models import Kgi, Kpi
from core.progress import workspace_progress
from core.workspaces import create_workspace, set_source_of_record


def put(engine: Engine, ws: int, source: str, rows: list[tuple], granularity: str = "day", name: str = "f.csv",
        kind: str | None = None) -> store.ImportResult:
    """Store (date, metric, value[, dimension]) rows as one import from ``source``, broken
    down by the column ``kind`` when given."""
    full = [(*r, *([""] if len(r) == 3 else [])) for r in rows]
    obs = pd.DataFrame(full, columns=["date", "metric", "value", "dimension"])
    obs["date"] = pd.to_datetime(obs["date"]).astype("datetime64[ns]")
    obs["value"] = obs["value"].astype(float)
    obs["granularity"] = granularity
    meta = {"dimension_kind": kind} if kind else {}
    result = store.store_parsed(engine, ws, FakeParsed(name, source, obs, meta=meta), f"{source}-{name}-{len(rows)}")
    assert result.status == "imported", result
    return result


def set_plan(engine: Engine, ws: int, *, kgi: tuple | None = None, kpis: list[tuple] = (),
             period: tuple[date, date] | None = None) -> None:
    with session_scope(engine) as session:
        if kgi:
            metric, kind, value = kgi
            session.add(Kgi(workspace_id=ws, text="", metric=metric, direction="increase", target_kind=kind,
                            target_value=value, period_start=period[0] if period else None,
                            period_end=period[1] if period else None))
        for i, (metric, kind, value) in enumerate(kpis):
            session.add(Kpi(workspace_id=ws, metric=metric, target_kind=kind, target_value=value, position=i))


@pytest.fixture
def shop(engine: Engine) -> int:
    return create_workspace(engine, "Tea Shop", "ecommerce", period_start=date(2024, 1, 1)).id


def months(metric: str, values: list[float], year: int = 2024) -> list[tuple]:
    return [(f"{year}-{i + 1:02d}-01", metric, v) for i, v in enumerate(values)]


def test_ga4_and_shop_revenue_for_the_same_months_show_one_revenue_with_its_source(engine, shop) -> None:
    put(engine, shop, "shopify_orders", months("revenue", [100.0] * 6), "month", "shop.csv")
    put(engine, shop, "ga4", months("revenue", [90.0] * 6), "month", "ga4.csv")
    set_plan(engine, shop, kgi=("revenue", "level", 1200.0))
    p = workspace_progress(engine, shop, lang="en")
    kgi = p.kgi
    assert kgi.actual_to_date == pytest.approx(600)  # never 600 + 540
    assert kgi.sources == ["shopify_orders"]
    assert kgi.alternatives == [{"family": "web_analytics", "sources": ["ga4"], "actual_to_date": 540.0,
                                 "start": "2024-01-01", "end": "2024-06-30", "record_value": 600.0}]
    assert source_note(kgi, "en") == "Source: Shopify orders"
    note = overlap_notes(kgi, "en", "TWD")[0]
    assert note.startswith("Google Analytics 4 also measures Revenue: NT$540 for Jan 2024 – Jun 2024, "
                           "where Shopify orders has NT$600.")
    assert source_note(kgi, "zh-TW") == "來源：Shopify 訂單"
    # Month totals cover their months: as of 30 June, half the year gone, progress 50%.
    assert p.as_of == date(2024, 6, 30)
    assert p.elapsed == pytest.approx(182 / 366)
    assert kgi.progress_ratio == pytest.approx(0.5)
    assert kgi.forecast.value == pytest.approx(1200, rel=0.05)

    # The workspace chooses GA4: now GA4 counts and the shop is the alternative.
    set_source_of_record(engine, shop, "revenue", "web_analytics")
    kgi = workspace_progress(engine, shop, lang="en").kgi
    assert kgi.actual_to_date == pytest.approx(540)
    assert kgi.source_of_record["chosen_by"] == "workspace"
    assert source_note(kgi, "en") == "Source: Google Analytics 4 (your choice)"


def test_the_real_samples_ga4_and_shopify_count_once(engine, shop) -> None:
    samples = shared_file() / "samples"
    for name in ("ga4_traffic_acquisition.csv", "shopify_orders_export.csv"):
        result = store.import_file(engine, shop, (samples / name).read_bytes(), name)
        assert result.status == "imported", result
    expected = json.loads((samples / "expected_monthly.json").read_text())
    ga4 = sum(expected["ga4_traffic_acquisition.csv"]["revenue"].values())
    shopify = sum(expected["shopify_orders_export.csv"]["revenue"].values())
    set_plan(engine, shop, kgi=("revenue", "level", 30_000_000.0))
    kgi = workspace_progress(engine, shop, lang="en").kgi
    # Six months of GA4 outrank one month of Shopify; both figures are there, never summed.
    figures = sorted([kgi.actual_to_date, *(a["actual_to_date"] for a in kgi.alternatives)])
    assert figures == pytest.approx(sorted([ga4, shopify]), rel=1e-6)
    assert kgi.actual_to_date == pytest.approx(ga4, rel=1e-6)


def test_sessions_total_and_channel_breakdown_of_one_source_count_once(engine, shop) -> None:
    put(engine, shop, "ga4", [("2024-01-01", "sessions", 100.0), ("2024-01-02", "sessions", 100.0)], name="totals.csv")
    put(engine, shop, "ga4", [("2024-01-01", "sessions", 70.0, "Organic Search"),
                              ("2024-01-01", "sessions", 30.0, "Direct"),
                              ("2024-01-02", "sessions", 70.0, "Organic Search"),
                              ("2024-01-02", "sessions", 30.0, "Direct")], name="channels.csv")
    set_plan(engine, shop, kgi=("sessions", "level", 36_600.0))
    assert workspace_progress(engine, shop, lang="en").kgi.actual_to_date == pytest.approx(200)
    assert store.actuals(engine, shop, "sessions") == [{"period": "2024-01", "value": 200.0}]


def _by(label: str, values: dict[str, float], days: int = 2) -> list[tuple]:
    del label
    return [(f"2024-01-{d:02d}", "sessions", v, k) for d in range(1, days + 1) for k, v in values.items()]


def test_two_breakdowns_of_one_total_by_different_columns_count_once(engine, shop) -> None:
    """GA4's sessions by channel, then the same days by device: each sums to all sessions."""
    put(engine, shop, "ga4", _by("channel", {"Organic Search": 70.0, "Direct": 30.0}), name="channels.csv",
        kind="session default channel group")
    result = put(engine, shop, "ga4", _by("device", {"mobile": 60.0, "desktop": 40.0}), name="devices.csv",
                 kind="device category")
    set_plan(engine, shop, kgi=("sessions", "level", 36_600.0))
    with session_scope(engine) as session:
        session.add(Kpi(workspace_id=shop, metric="sessions", target_kind="level", target_value=100.0,
                        dimensions=["Organic Search"], position=0))
    progress = workspace_progress(engine, shop, lang="en")
    assert progress.kgi.actual_to_date == pytest.approx(200)
    assert store.actuals(engine, shop, "sessions") == [{"period": "2024-01", "value": 200.0}]
    assert progress.kpis[0].actual_to_date == pytest.approx(140)  # the channel breakdown is still there
    notes = [w for w in result.warnings if w.key == "import.warn.other_breakdown"]
    assert len(notes) == 1
    en, zh = notes[0].message("en"), notes[0].message("zh-TW")
    assert "Sessions" in en and "channels.csv" in en and "device category" in en and "2024-01-01" in en
    assert "工作階段" in zh and "channels.csv" in zh and "sessions" not in zh
    store.undo_import(engine, result.batch_id)  # back to the channel file alone, still 200
    assert workspace_progress(engine, shop, lang="en").kgi.actual_to_date == pytest.approx(200)


def test_parts_of_one_total_in_two_files_by_the_same_column_add_up(engine, shop) -> None:
    """January's active campaigns in one file, its paused ones in another: one total, two parts."""
    put(engine, shop, "ga4", _by("campaign", {"Spring": 70.0}), name="active.csv", kind="session campaign")
    result = put(engine, shop, "ga4", _by("campaign", {"Autumn": 30.0}), name="paused.csv", kind="session campaign")
    set_plan(engine, shop, kgi=("sessions", "level", 36_600.0))
    assert workspace_progress(engine, shop, lang="en").kgi.actual_to_date == pytest.approx(200)
    assert not [w for w in result.warnings if w.key == "import.warn.other_breakdown"]


def test_ga4_exports_by_channel_and_by_device_read_from_files_count_sessions_once(engine, shop) -> None:
    preamble = "# ----------------------------------------\n# {title}\n# Account: Demo\n# ----------------------------------------\n"
    channels = preamble.format(title="Traffic acquisition") + "Session default channel group,Date,Sessions,Engaged sessions\n" + "".join(
        f"{c},202401{d:02d},{v},{v // 2}\n" for d in range(1, 29) for c, v in (("Organic Search", 60), ("Direct", 40)))
    devices = preamble.format(title="Tech: Device category") + "Device category,Date,Sessions,Engaged sessions\n" + "".join(
        f"{c},202401{d:02d},{v},{v // 2}\n" for d in range(1, 29) for c, v in (("mobile", 70), ("desktop", 30)))
    for name, text in (("channels.csv", channels), ("devices.csv", devices)):
        result = store.import_file(engine, shop, text.encode(), name, today=date(2024, 12, 31))
        assert result.status == "imported" and result.source == "ga4", result
    assert any(w.key == "import.warn.other_breakdown" for w in result.warnings)
    set_plan(engine, shop, kgi=("sessions", "level", 36_600.0))
    assert workspace_progress(engine, shop, lang="en").kgi.actual_to_date == pytest.approx(28 * 100)


def test_a_month_total_sheet_is_read_as_months_not_days(engine, shop) -> None:
    put(engine, shop, "sheet", months("revenue", [1_000_000, 1_100_000, 1_000_000, 1_050_000, 1_100_000, 1_050_000]),
        "month")
    set_plan(engine, shop, kgi=("revenue", "level", 12_600_000.0))
    p = workspace_progress(engine, shop, lang="en")
    assert p.as_of == date(2024, 6, 30)  # not 1 June
    assert p.elapsed == pytest.approx(0.497, abs=0.01)  # not 42%
    assert p.kgi.actual_to_date == pytest.approx(6_300_000)
    assert p.kgi.forecast.value < 20_000_000  # not 216 M
    assert p.kgi.progress_ratio == pytest.approx(0.5)


def test_two_exports_of_one_platform_for_the_same_months_are_named_with_both_figures(engine, shop) -> None:
    put(engine, shop, "shopify_orders", months("revenue", [100_000.0] * 3), "month", "orders_export.csv")
    result = put(engine, shop, "shopify_analytics", months("revenue", [90_000.0] * 2), "month", "sales_report.csv")
    overlaps = store.with_overlaps(engine, shop, result).overlaps
    assert len(overlaps) == 1
    found = overlaps[0]
    assert (found.start, found.end) == (date(2024, 1, 1), date(2024, 2, 29))
    assert sorted(v for _, v in found.figures) == [180_000.0, 200_000.0]
    assert found.record.sources == ("shopify_orders",)  # the platform's first export counts
    set_plan(engine, shop, kgi=("revenue", "level", 1_200_000.0))
    assert workspace_progress(engine, shop, lang="en").kgi.actual_to_date == pytest.approx(300_000)  # never added
    for lang in ("en", "zh-TW"):
        text = found.message(lang)
        assert "180,000" in text.replace("NT$", "") or "18 萬" in text, text


def test_aov_to_date_uses_months_with_both_revenue_and_orders(engine, shop) -> None:
    put(engine, shop, "shopify_orders", months("revenue", [127_300.0] * 12, 2024), "month", "rev.csv")
    put(engine, shop, "shopify_orders", months("orders", [100.0] * 6, 2024), "month", "ord.csv")
    set_plan(engine, shop, kpis=[("aov", "level", 1500.0)])
    p = workspace_progress(engine, shop, as_of=date(2024, 12, 31), lang="en")
    aov = p.kpis[0]
    assert aov.actual_to_date == pytest.approx(1273)  # not 2,546
    assert aov.unmatched_months == 6


def test_a_plan_whose_period_misses_the_data_names_both_periods(engine, shop) -> None:
    put(engine, shop, "ga4", months("revenue", [10.0] * 12, 2023) + months("revenue", [10.0] * 12, 2024), "month")
    set_plan(engine, shop, kgi=("revenue", "level", 1000.0), period=(date(2027, 1, 1), date(2027, 12, 31)))
    p = workspace_progress(engine, shop, as_of=date(2027, 3, 1), lang="en")
    assert p.periods_apart
    assert (p.data_start, p.data_end) == (date(2023, 1, 1), date(2024, 12, 31))
    note = periods_apart_note(p, "en")
    assert "1 Jan 2027" in note and "31 Dec 2024" in note and "1 Jan 2023" in note
    assert "2027 年 1 月 1 日" in periods_apart_note(p, "zh-TW")
    assert p.to_dict()["data"] == {"start": "2023-01-01", "end": "2024-12-31"}


def test_kgi_actuals_and_sources_cli_agree_with_progress(engine, shop, db_url, capsys) -> None:
    put(engine, shop, "shopify_orders", months("revenue", [100.0, 200.0]), "month", "shop.csv")
    put(engine, shop, "ga4", months("revenue", [90.0, 180.0]), "month", "ga4.csv")
    assert main(["--db", db_url, "actuals", "--workspace", "Tea Shop", "--metric", "revenue", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"period": "2024-01", "value": 100.0}, {"period": "2024-02", "value": 200.0}]
    assert main(["--db", db_url, "actuals", "--workspace", "Tea Shop", "--metric", "revenue", "--source", "ga4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0] == {"period": "2024-01", "value": 90.0}

    assert main(["--db", db_url, "--lang", "en", "sources", "--workspace", "Tea Shop", "--set", "revenue=web_analytics"]) == 0
    assert "Web analytics" in capsys.readouterr().out
    assert main(["--db", db_url, "sources", "--workspace", "Tea Shop", "--json"]) == 0
    listed = {row["metric"]: row for row in json.loads(capsys.readouterr().out)}
    assert listed["revenue"]["record"] == {"family": "web_analytics", "sources": ["ga4"]}
    assert listed["revenue"]["chosen_by"] == "workspace"
    assert listed["revenue"]["alternatives"] == [{"family": "shop", "sources": ["shopify_orders"]}]
    assert main(["--db", db_url, "actuals", "--workspace", "Tea Shop", "--metric", "revenue", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0] == {"period": "2024-01", "value": 90.0}
    assert main(["--db", db_url, "--lang", "en", "sources", "--workspace", "Tea Shop", "--set", "revenue=nowhere"]) == 1
    assert "not a kind of source" in capsys.readouterr().err


def test_the_upload_result_names_an_overlap_with_both_figures(engine, shop) -> None:
    samples = shared_file() / "samples"
    first = store.import_file(engine, shop, (samples / "ga4_traffic_acquisition.csv").read_bytes(), "ga4.csv")
    assert first.overlaps == []
    second = store.import_file(engine, shop, (samples / "shopify_orders_export.csv").read_bytes(), "orders.csv")
    expected = json.loads((samples / "expected_monthly.json").read_text())
    by_metric = {o.metric: o for o in second.overlaps}
    assert set(by_metric) >= {"revenue", "orders"}
    revenue = by_metric["revenue"]
    assert (revenue.start, revenue.end) == (date(2024, 1, 1), date(2024, 1, 31))
    figures = {m.sources: v for m, v in revenue.figures}
    assert figures[("shopify_orders",)] == pytest.approx(expected["shopify_orders_export.csv"]["revenue"]["2024-01"])
    assert figures[("ga4",)] == pytest.approx(expected["ga4_traffic_acquisition.csv"]["revenue"]["2024-01"])
    message = revenue.message("en")
    assert "Shopify orders" in message and "Google Analytics 4" in message and "never added up" in message
    assert "重疊" in revenue.message("zh-TW")
    assert second.to_dict("en")["overlaps"][0]["message"]


def test_a_rate_target_above_100_percent_is_refused_or_flagged(engine, shop) -> None:
    from core.errors import KgiError
    from core.plans import save_kpi

    with pytest.raises(KgiError) as refused:
        save_kpi(engine, shop, metric="conversion_rate", target_kind="change_pct", target_value=5000, baseline=0.02)
    assert "102.0%" in refused.value.message("en") and "0–100%" in refused.value.message("zh-TW")
    # Without a typed baseline, the data gives one (2% last year): +5000% is 102%, said so.
    put(engine, shop, "ga4", months("conversions", [20.0] * 12, 2023) + months("conversions", [20.0] * 3),
        "month", "conv.csv")
    put(engine, shop, "ga4", months("sessions", [1000.0] * 12, 2023) + months("sessions", [1000.0] * 3),
        "month", "sess.csv")
    save_kpi(engine, shop, metric="conversion_rate", target_kind="change_pct", target_value=5000)
    kpi = workspace_progress(engine, shop, lang="en").kpis[0]
    assert kpi.baseline == pytest.approx(0.02) and kpi.baseline_origin == "data"
    assert kpi.baseline_period == {"start": "2023-01-01", "end": "2023-12-31"}
    assert kpi.status == "off_track"
    assert "cannot be reached" in kpi.sentence and "102" in kpi.sentence


def test_the_same_file_read_as_months_replaces_its_daily_reading(engine, shop) -> None:
    put(engine, shop, "sheet", months("revenue", [100.0, 200.0]), "day", "books.csv")
    assert store.actuals(engine, shop, "revenue", by="day")[0] == {"period": "2024-01-01", "value": 100.0}
    put(engine, shop, "sheet", months("revenue", [100.0, 200.0]), "month", "books-as-months.csv")
    live = store.load_observations(engine, shop, ["revenue"])
    assert set(live["granularity"]) == {"month"} and len(live) == 2  # no stretch of time twice
    p = workspace_progress(engine, shop, lang="en")
    assert p.as_of == date(2024, 2, 29)
    # Read back as days: the newest reading wins again.
    put(engine, shop, "sheet", months("revenue", [100.0, 200.0]), "day", "books-again.csv")
    assert set(store.load_observations(engine, shop, ["revenue"])["granularity"]) == {"day"}


def test_a_rate_whose_parts_come_from_two_tools_uses_each_parts_source_of_record(engine, shop) -> None:
    """Email revenue share: email revenue from Mailchimp over revenue from the shop (GA4's
    revenue is an alternative, never added), over the months where both exist."""
    put(engine, shop, "mailchimp", months("email_revenue", [100.0, 300.0, 500.0]), "month", "mc.csv")
    shop_months = [("2024-02-01", "revenue", 1000.0), ("2024-03-01", "revenue", 1000.0),
                   ("2024-04-01", "revenue", 1000.0)]
    put(engine, shop, "shopify_orders", shop_months, "month", "shop.csv")
    put(engine, shop, "ga4", months("revenue", [9000.0, 9000.0]), "month", "ga4.csv")
    set_plan(engine, shop, kpis=[("email_revenue_share", "level", 0.3)])
    kpi = workspace_progress(engine, shop, as_of=date(2024, 3, 31), lang="en").kpis[0]
    assert kpi.actual_to_date == pytest.approx((300 + 500) / 2000)  # February and March
    assert kpi.sources == ["mailchimp", "shopify_orders"]
    assert kpi.unmatched_months == 1  # January has email revenue but no shop revenue


def test_two_exports_of_one_platform_each_count_the_months_only_they_cover(engine, shop) -> None:
    """Shopify's orders export for January to March, its sales report for March to June: the
    half year is both, month by month, and March (in both) is counted once, from the orders."""
    put(engine, shop, "shopify_orders", months("revenue", [100.0, 110.0, 120.0]), granularity="month",
        name="orders.csv")
    put(engine, shop, "shopify_analytics", [(f"2024-{m:02d}-01", "revenue", v) for m, v in
                                            ((3, 999.0), (4, 130.0), (5, 140.0), (6, 150.0))],
        granularity="month", name="sales.csv")
    assert store.actuals(engine, shop, "revenue") == [
        {"period": f"2024-{m:02d}", "value": v}
        for m, v in ((1, 100.0), (2, 110.0), (3, 120.0), (4, 130.0), (5, 140.0), (6, 150.0))
    ]
    set_plan(engine, shop, kgi=("revenue", "level", 2_000.0))
    kgi = workspace_progress(engine, shop, lang="en").kgi
    assert kgi.actual_to_date == pytest.approx(750.0)
    assert not kgi.alternatives  # one measurement (the shop's), not two to choose from


def test_a_later_export_covering_nothing_new_adds_nothing(engine, shop) -> None:
    put(engine, shop, "shopify_orders", months("revenue", [100.0, 110.0]), granularity="month", name="orders.csv")
    put(engine, shop, "shopify_analytics", months("revenue", [900.0]), granularity="month", name="sales.csv")
    assert sum(p["value"] for p in store.actuals(engine, shop, "revenue")) == 210.0
