"""Tracking end to end in a real headless Chromium (issues 4 and 5).

Two walks on one served app (fixtures in ``conftest.py``):

1. **The demo**: "Try the demo" in one click, then the dashboard (the KGI headline and the KPI
   cards, checked against ``core.progress.workspace_progress`` on the same database — what
   ``kgi progress --json`` prints), the month's review workbook, the optimise page (the driver
   behind the gap, levers, the A/B calculator), and a screenshot of every page in both
   languages.
2. **An upload**: a fresh e-commerce workspace, a GA4 standard-report CSV (``#`` preamble) and a
   Meta Ads CSV (UTF-8 with BOM) built here in their real layouts, imported together; the
   monthly figures on the page match ``core.store.actuals``; the same file again is
   "unchanged"; an undo removes the import's figures.

Each walk switches language midway. Screenshots go to ``screenshots/`` (git-ignored).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from e2e_support import language, main_text, nav, no_traceback, playwright_or_skip, settle, shot
from sqlalchemy.engine import Engine

from core.abtest import two_proportion_test
from core.catalog import load_catalog
from core.cli import main as kgi_main
from core.db import make_engine
from core.figure_notes import source_note
from core.formatting import format_day, format_month, format_pct, format_value
from core.i18n import t
from core.levers import levers_for
from core.plans import save_kgi
from core.progress import gap_attribution, workspace_progress
from core.store import actuals

pytestmark = pytest.mark.browser
expect = playwright_or_skip().expect

# Every page, in the order of the sidebar, by its i18n key.
PAGES = ("workspace", "kgi", "kpis", "plan", "upload", "dashboard", "review", "optimise", "settings")
LANGUAGE_NAMES = {"zh-TW": "繁體中文", "en": "English"}


@pytest.fixture(scope="module")
def db(server: tuple[str, Path]) -> Iterator[Engine]:
    """The served app's own database, opened in the test to compare the page with core."""
    _url, folder = server
    engine = make_engine(f"sqlite:///{folder / 'e2e.db'}")
    yield engine
    engine.dispose()


def _workspace_id(page: Any) -> int:
    """The current workspace, from the URL (the app mirrors it as ``?ws=``)."""
    expect(page).to_have_url(re.compile(r"[?&]ws=\d+"))
    return int(parse_qs(urlparse(page.url).query)["ws"][0])


def _every_page(page: Any, lang: str, prefix: str) -> None:
    """Visit every page from the sidebar and take its full-page screenshot."""
    for number, name in enumerate(PAGES, start=1):
        nav(page, t(f"ui.nav.{name}", lang))
        no_traceback(page)
        shot(page, f"{prefix}-{number:02d}-{name}-{lang}")


def _metric_value(page: Any, label: str) -> str:
    """The value shown by the ``st.metric`` whose label is ``label``."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^{re.escape(label)}$"))
    ).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


# -- walk 1: the demo -------------------------------------------------------------------------


def test_demo_dashboard_review_and_optimise(
    server: tuple[str, Path], new_page: Any, db: Engine, capsys: pytest.CaptureFixture[str],
) -> None:
    url, folder = server
    page = new_page("zh-TW")
    try:
        ws_id = _demo_walk(page, url, folder, db)
        _check_progress_json(capsys, db, ws_id, "en")
    except Exception:
        shot(page, "failure-tracking-demo")  # what the browser showed when the walk broke
        raise


def _demo_walk(page: Any, url: str, folder: Path, db: Engine) -> int:
    page.goto(url)
    expect(page.get_by_role("heading", name=t("ui.nav.workspace", "zh-TW"), exact=True)).to_be_visible()
    page.get_by_role("button", name=t("ui.demo.button", "zh-TW")).first.click()
    settle(page)
    ws_id = _workspace_id(page)

    nav(page, t("ui.nav.dashboard", "zh-TW"))
    _check_dashboard(page, db, ws_id, "zh-TW")
    shot(page, "t-demo-dashboard-zh-TW")

    # Midway, in English: the same numbers, in English words.
    language(page, LANGUAGE_NAMES["en"])
    _check_dashboard(page, db, ws_id, "en")
    _check_review(page, db, ws_id, folder, "en")
    _check_optimise(page, db, ws_id, "en")
    _check_ab_calculator(page, "en")
    _every_page(page, "en", "t-demo")

    language(page, LANGUAGE_NAMES["zh-TW"])
    _check_optimise(page, db, ws_id, "zh-TW")
    _every_page(page, "zh-TW", "t-demo")
    return ws_id


def _check_dashboard(page: Any, db: Engine, ws_id: int, lang: str) -> None:
    """The headline and the KPI cards agree with ``workspace_progress`` (``kgi progress``)."""
    progress = workspace_progress(db, ws_id, lang=lang)
    kgi = progress.kgi
    assert kgi is not None and kgi.has_data, "the demo has a KGI with data"
    expect(page.get_by_role("heading", name=t("track.dashboard.title", lang), exact=True)).to_be_visible()
    expect(page.get_by_text(t("track.dashboard.kgi", lang), exact=True)).to_be_visible()
    settle(page)
    no_traceback(page)

    money = progress.currency
    assert _metric_value(page, t("track.metric.actual", lang)) == format_value(
        kgi.actual_to_date, kgi.unit, lang, money, short=True)
    assert _metric_value(page, t("track.metric.expected", lang)) == format_value(
        kgi.expected_to_date, kgi.unit, lang, money, short=True)
    assert _metric_value(page, t("track.metric.pace", lang)) == format_pct(kgi.pace_ratio)
    # Progress toward the whole target is its own labelled figure, never the pace.
    assert _metric_value(page, t("measurement.progress_ratio", lang)) == format_pct(kgi.progress_ratio)
    assert kgi.forecast is not None
    assert _metric_value(page, t("track.metric.forecast", lang)) == format_value(
        kgi.forecast.value, kgi.unit, lang, money, short=True)
    band = t("track.dashboard.range", lang, low=format_value(kgi.forecast.low, kgi.unit, lang, money, short=True),
             high=format_value(kgi.forecast.high, kgi.unit, lang, money, short=True))
    text = main_text(page)
    assert band in text, "the forecast range is shown"
    assert kgi.sentence in text, "the sentence that explains the KGI's status"
    assert source_note(kgi, lang) in text, "the figure names the source it counts"
    assert t(f"numbers.status.{kgi.status}", lang) in text, "the KGI's status in words (the badge)"

    # Which KPIs are behind: the summary line, and each card's status in words.
    behind = [k for k in progress.kpis if k.behind]
    assert behind, "the demo tells a story: some KPIs are behind"
    summary = t("track.dashboard.kpis_summary", lang, behind=len(behind), total=len(progress.kpis),
                elapsed=format_pct(progress.elapsed), as_of=format_day(progress.as_of, lang))
    assert summary in text
    for kpi in progress.kpis:
        card = page.locator('[data-testid="stVerticalBlock"]').filter(
            has=page.get_by_text(kpi.name(lang), exact=True)).filter(
            has=page.locator('[data-testid="stMetric"]')).last
        expect(card).to_contain_text(t(f"numbers.status.{kpi.status}", lang))


def _check_progress_json(capsys: pytest.CaptureFixture[str], db: Engine, ws_id: int, lang: str) -> None:
    """``kgi progress --json`` says what the page says: status, actual to date, KPIs behind."""
    progress = workspace_progress(db, ws_id, lang=lang)
    capsys.readouterr()
    assert kgi_main(["--db", db.url.render_as_string(hide_password=False), "--lang", lang, "--json",
                     "progress", "--workspace", str(ws_id)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert progress.kgi is not None
    assert printed["as_of"] == progress.as_of.isoformat()
    assert printed["kgi"]["status"] == progress.kgi.status
    assert printed["kgi"]["actual_to_date"] == pytest.approx(progress.kgi.actual_to_date, rel=1e-12)
    # The JSON rounds floats to 8 decimals.
    assert printed["kgi"]["progress_ratio"] == pytest.approx(progress.kgi.progress_ratio, abs=1e-8)
    assert printed["kgi"]["pace_ratio"] == pytest.approx(progress.kgi.pace_ratio, abs=1e-8)
    assert printed["kgi"]["source_of_record"]["sources"] == progress.kgi.sources
    assert [k["status"] for k in printed["kpis"]] == [k.status for k in progress.kpis]


def _check_review(page: Any, db: Engine, ws_id: int, folder: Path, lang: str) -> None:
    """The monthly review table, and the month's workbook downloaded and re-opened."""
    nav(page, t("ui.nav.review", lang))
    expect(page.get_by_role("heading", name=t("track.review.title", lang), exact=True)).to_be_visible()
    progress = workspace_progress(db, ws_id, lang=lang)
    month = progress.as_of.strftime("%Y-%m")
    expect(page.get_by_text(t("track.review.table", lang, month=format_month(month, lang)))).to_be_visible()
    no_traceback(page)
    with page.expect_download() as info:
        page.get_by_role("button", name=t("track.review.download_xlsx", lang)).click()
    assert info.value.suggested_filename.endswith(f"{month}.xlsx")
    target = folder / f"review-{lang}.xlsx"
    info.value.save_as(target)
    book = openpyxl.load_workbook(target)
    assert len(book.worksheets) == 3
    texts = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert progress.kgi is not None
    for goal in progress.goals():  # each goal by its label, with its metric key beside it
        assert goal.metric in texts and any(goal.label in x for x in texts), f"{goal.metric} is in the workbook"
    status = t(f"numbers.status.{progress.kgi.status}", lang)
    assert any(status in x for x in texts), "statuses are written in words"
    assert any(source_note(progress.kgi, lang) in x for x in texts), "the workbook names the KGI's source"
    assert t("export.review.col.progress", lang) in texts, "progress toward the target has its own column"


def _check_optimise(page: Any, db: Engine, ws_id: int, lang: str) -> None:
    """The driver behind the KGI's gap, and levers for each KPI behind."""
    nav(page, t("ui.nav.optimise", lang))
    expect(page.get_by_role("heading", name=t("track.optimise.title", lang), exact=True)).to_be_visible()
    progress = workspace_progress(db, ws_id, lang=lang)
    text = main_text(page)
    no_traceback(page)
    catalog = load_catalog()
    gaps = gap_attribution(progress)
    if progress.kgi is not None and progress.kgi.behind and gaps and (gaps[0].shortfall or 0) < 0:
        assert catalog[gaps[0].metric].name(lang) in text, "the driver that explains the gap is named"
        expect(page.get_by_text(t("track.optimise.why", lang, kgi=progress.kgi.name(lang)))).to_be_visible()
    behind = [k for k in progress.kpis if k.behind]
    assert behind
    assert text.count(t("track.optimise.levers", lang)) >= len(behind)
    for kpi in behind:
        assert kpi.name(lang) in text
        first = levers_for(kpi.metric, lang, limit=4)
        if first:
            assert first[0].title in text, f"a lever for {kpi.metric}"


def _check_ab_calculator(page: Any, lang: str) -> None:
    """120/2400 against 150/2400: the two-proportion test's p-value, as core computes it."""
    for key, value in (("visitors_a", 2400), ("conversions_a", 120), ("visitors_b", 2400), ("conversions_b", 150)):
        box = page.get_by_role("spinbutton", name=t(f"track.ab.{key}", lang), exact=True)
        box.fill(str(value))
        box.press("Enter")
        settle(page)
    expected = two_proportion_test(120, 2400, 150, 2400)
    expect(page.locator('[data-testid="stMetricValue"]', has_text=f"{expected.p_value:.4f}")).to_be_visible()
    assert _metric_value(page, t("track.ab.p_value", lang)) == f"{expected.p_value:.4f}"
    verdict = "track.ab.significant" if expected.significant else "track.ab.not_significant"
    expect(page.get_by_text(t(verdict, lang, p=f"{expected.p_value:.3f}"))).to_be_visible()
    shot(page, "t-demo-ab-calculator-" + lang)


# -- walk 2: an upload ------------------------------------------------------------------------

DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(60)]  # January and February 2024


def ga4_standard_csv() -> bytes:
    """A GA4 standard report download: ``#`` preamble, channel group × date (YYYYMMDD)."""
    lines = [
        "# ----------------------------------------",
        "# Traffic acquisition: Session primary channel group (Default Channel Group)",
        "# Account: Mountain Tea",
        "# Property: Mountain Tea (GA4)",
        "# ----------------------------------------",
        "# ",
        "# All Users",
        f"# Start date: {DAYS[0]:%Y%m%d}",
        f"# End date: {DAYS[-1]:%Y%m%d}",
        "Session primary channel group (Default Channel Group),Date,Sessions,Engaged sessions,"
        "Engagement rate,Key events,Ecommerce purchases,Total revenue",
    ]
    for i, day in enumerate(DAYS):
        for j, channel in enumerate(("Organic Search", "Paid Social")):
            sessions = 400 + 7 * i + 90 * j
            engaged = sessions * 6 // 10
            purchases = 8 + i % 5 + j
            revenue = purchases * 1250 + 0.25 * i
            lines.append(f"{channel},{day:%Y%m%d},{sessions},{engaged},{engaged / sessions},"
                         f"{purchases},{purchases},{revenue:.2f}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def meta_ads_csv() -> bytes:
    """A Meta Ads Manager export: day × campaign, UTF-8 with BOM, the currency in a header,
    CTR in percent units without ``%``, blanks where a count is zero."""
    lines = ["Day,Campaign name,Reach,Impressions,Amount spent (TWD),Link clicks,"
             "CTR (link click-through rate),Purchases,Purchases conversion value,"
             "Purchase ROAS (return on ad spend),Reporting starts,Reporting ends"]
    for i, day in enumerate(DAYS):
        for j, campaign in enumerate(("Always-on Prospecting", "Retargeting 30d")):
            impressions = 12000 + 50 * i + 3000 * j
            clicks = 150 + i + 20 * j
            spend = 1500 + 10 * i + 300 * j
            purchases = 0 if i % 10 == 9 else 3 + i % 4
            value = purchases * 1300.5
            lines.append(
                f"{day:%Y-%m-%d},{campaign},{impressions // 2},{impressions},{spend:.2f},{clicks},"
                f"{clicks / impressions * 100:.6f},{purchases or ''},{f'{value:.2f}' if value else ''},"
                f"{value / spend:.6f},{day:%Y-%m-%d},{day:%Y-%m-%d}"
            )
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


FILES = {
    "ga4-traffic-acquisition.csv": (ga4_standard_csv, "ga4", ("sessions", "revenue")),
    "meta-ads-daily.csv": (meta_ads_csv, "meta_ads", ("ad_spend", "impressions")),
}


def _payload(name: str) -> dict[str, Any]:
    build = FILES[name][0]
    return {"name": name, "mimeType": "text/csv", "buffer": build()}


def _upload(page: Any, names: list[str]) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([_payload(n) for n in names])
    for name in names:
        expect(page.get_by_role("heading", name=name)).to_be_visible()
    settle(page)


def _grid_text(page: Any) -> str:
    """The text of every data grid cell drawn on the page (the grid keeps an accessible copy)."""
    settle(page)
    return " | ".join(page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts())


def test_upload_import_reupload_and_undo(server: tuple[str, Path], new_page: Any, db: Engine) -> None:
    url, _folder = server
    page = new_page("en")
    try:
        _upload_walk(page, url, db)
    except Exception:
        shot(page, "failure-tracking-upload")
        raise


def _new_workspace(page: Any, name: str) -> int:
    """Create an e-commerce workspace from the Workspace page (the form may sit in an expander)."""
    nav(page, t("ui.nav.workspace", "en"))
    more = page.get_by_text(t("ui.workspace.create_another", "en"), exact=True)
    if more.count():
        more.click()
    box = page.get_by_role("textbox", name=t("ui.workspace.name", "en"))
    box.fill(name)
    box.press("Tab")
    page.get_by_text("E-commerce", exact=True).click()
    settle(page)
    page.get_by_role("button", name=t("ui.workspace.create_button", "en")).click()
    expect(page.get_by_role("textbox", name="Your KGI in one sentence")).to_be_visible()
    return _workspace_id(page)


def _upload_walk(page: Any, url: str, db: Engine) -> None:
    page.goto(url)
    settle(page)
    ws_id = _new_workspace(page, "Mountain Tea uploads")
    nav(page, t("ui.nav.upload", "en"))
    expect(page.get_by_text(t("ui.upload.how.title", "en"))).to_be_visible()
    shot(page, "t-upload-01-empty-en")

    names = list(FILES)
    _upload(page, names)
    no_traceback(page)
    shot(page, "t-upload-02-files-en")
    page.get_by_role("button", name=t("ui.upload.import.button", "en", count=len(names))).click()
    settle(page)
    expect(page.get_by_role("heading", name=t("ui.upload.result.title", "en"))).to_be_visible()
    for name in names:  # one success message per file
        expect(page.locator('[data-testid="stAlertContentSuccess"]').filter(has_text=name)).to_be_visible()
    shot(page, "t-upload-03-imported-en")

    # Midway, in Traditional Chinese: the month figures shown are those core stores.
    language(page, LANGUAGE_NAMES["zh-TW"])
    _check_monthly_figures(page, db, ws_id, "zh-TW")
    shot(page, "t-upload-04-imported-zh-TW")

    # The same file again: nothing doubles, and the page says so.
    nav(page, t("ui.nav.dashboard", "zh-TW"))
    nav(page, t("ui.nav.upload", "zh-TW"))
    _upload(page, [names[0]])
    page.get_by_role("button", name=t("ui.upload.import.button", "zh-TW", count=1)).click()
    unchanged = t("ui.upload.result.unchanged", "zh-TW", file=names[0]).replace("**", "")
    expect(page.get_by_text(unchanged)).to_be_visible()
    assert actuals(db, ws_id, "sessions", source="ga4")[0]["value"] == 34100.0  # not doubled
    shot(page, "t-upload-05-unchanged-zh-TW")

    # Undo the Meta Ads import: its figures are gone, the GA4 figures stay.
    history = page.locator('[data-testid="stHorizontalBlock"]').filter(has_text=names[1]).last
    history.get_by_role("button", name=t("ui.upload.undo.button", "zh-TW")).click()
    settle(page)
    page.get_by_role("button", name=t("ui.upload.undo.yes", "zh-TW")).click()
    expect(page.get_by_text(t("ui.upload.undo.done", "zh-TW", file=names[1]))).to_be_visible()
    settle(page)
    assert actuals(db, ws_id, "ad_spend", source="meta_ads") == []
    assert actuals(db, ws_id, "sessions", source="ga4")[0]["value"] == 34100.0
    no_traceback(page)
    shot(page, "t-upload-06-undone-zh-TW")


def _check_monthly_figures(page: Any, db: Engine, ws_id: int, lang: str) -> None:
    """Each file's preview shows, per month, the figures ``core.store.actuals`` returns."""
    catalog = load_catalog()
    for name, (_build, source, metrics) in FILES.items():
        card = page.locator('[data-testid="stVerticalBlock"]').filter(  # the innermost block: the card
            has=page.get_by_role("heading", name=name)).filter(has=page.locator('[data-testid="stTabs"]')).last
        card.get_by_role("tab", name=t("ui.upload.preview.title", lang)).click()
        settle(page)
        cells = " | ".join(card.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts())
        for metric in metrics:
            rows = actuals(db, ws_id, metric, source=source)
            assert [r["period"] for r in rows] == ["2024-01", "2024-02"], (metric, rows)
            for row in rows:
                shown = format_value(row["value"], catalog[metric].unit, lang, currency="TWD")
                assert shown in cells, f"{name}: {metric} {row['period']} {shown!r} not in {cells[:400]!r}"


# -- walk 3: the same revenue from two tools ---------------------------------------------------


def shopify_orders_csv() -> bytes:
    """A Shopify orders export for the same days as the GA4 file: one order a day, a line item
    per row, totals on the order's first row only (its revenue differs from GA4's on purpose)."""
    header = ("Name,Email,Financial Status,Paid at,Currency,Subtotal,Shipping,Taxes,Total,Created at,"
              "Lineitem quantity,Lineitem name,Lineitem price,Billing Name")
    lines = [header]
    for i, day in enumerate(DAYS):
        total = 2000 + 10 * i
        lines.append(f"#{1001 + i},buyer{i}@example.invalid,paid,{day:%Y-%m-%d} 10:00:00 +0800,TWD,"
                     f"{total:.2f},0.00,0.00,{total:.2f},{day:%Y-%m-%d} 10:00:00 +0800,1,凍頂烏龍 150g,"
                     f"{total:.2f},Buyer {i}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_ga4_and_a_shop_export_show_one_revenue_with_its_source(
    server: tuple[str, Path], new_page: Any, db: Engine,
) -> None:
    """A new user uploads a GA4 report and a shop export for the same months: the upload result
    names the overlap with both figures, and the dashboard counts one revenue, source named."""
    url, _folder = server
    page = new_page("en")
    try:
        page.goto(url)
        settle(page)
        ws_id = _new_workspace(page, "Two tools tea")
        nav(page, t("ui.nav.upload", "en"))
        files = [{"name": "ga4.csv", "mimeType": "text/csv", "buffer": ga4_standard_csv()},
                 {"name": "orders_export.csv", "mimeType": "text/csv", "buffer": shopify_orders_csv()}]
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
        for item in files:
            expect(page.get_by_role("heading", name=item["name"])).to_be_visible()
        settle(page)
        page.get_by_role("button", name=t("ui.upload.import.button", "en", count=2)).click()
        settle(page)
        expect(page.get_by_role("heading", name=t("ui.upload.result.title", "en"))).to_be_visible()
        text = main_text(page)
        assert "never added up" in text, "the upload result names the overlap"
        shot(page, "t-two-tools-01-imported-en")

        save_kgi(db, ws_id, "Revenue +30% in 2024", lang="en")
        progress = workspace_progress(db, ws_id, lang="en")
        kgi = progress.kgi
        shop = sum(row["value"] for row in actuals(db, ws_id, "revenue", source="shopify_orders"))
        ga4 = sum(row["value"] for row in actuals(db, ws_id, "revenue", source="ga4"))
        assert kgi.actual_to_date == pytest.approx(shop) and shop != pytest.approx(ga4)
        assert kgi.sources == ["shopify_orders"]
        nav(page, t("ui.nav.dashboard", "en"))
        settle(page)
        text = main_text(page)
        assert _metric_value(page, t("track.metric.actual", "en")) == format_value(
            kgi.actual_to_date, kgi.unit, "en", progress.currency, short=True)
        assert source_note(kgi, "en") in text
        assert "Google Analytics 4 also measures Revenue" in text
        no_traceback(page)
        shot(page, "t-two-tools-02-dashboard-en")
    except Exception:
        shot(page, "failure-two-tools")
        raise
