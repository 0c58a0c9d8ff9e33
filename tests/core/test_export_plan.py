"""The plan workbook and CSV (SPEC §7, issue 3 item 4), re-read with openpyxl and csv."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from sqlalchemy.engine import Engine
from sqlmodel import select

from core.db import session_scope
from core.errors import KgiError
from core.export import (
    TEMPLATE_HEADERS,
    actuals_template_bytes,
    build_plan_workbook,
    load_plan,
    plan_csv_bytes,
    plan_workbook_bytes,
)
from core.export.plan_workbook import PlanItem, monthly_values, period_months, target_level
from core.goals import Period
from core.i18n import t
from core.models import Kgi, Kpi, Observation, Workspace

HYPERLINK = '=HYPERLINK("http://x","y")'
SMART = {
    "parsed": {},
    "criteria": {
        "specific": {"verdict": "pass", "reason": "Revenue, up.", "fix": ""},
        "measurable": {"verdict": "pass", "reason": "+50%.", "fix": ""},
        "achievable": {"verdict": "warn", "reason": "=far above history", "fix": "Lower it."},
        "relevant": {"verdict": "pass", "reason": "Core outcome.", "fix": ""},
        "time_bound": {"verdict": "pass", "reason": "2024.", "fix": ""},
    },
}
SHEETS = {
    "en": ["KGI", "KPIs", "Monthly targets", "Actuals", "Help"],
    "zh-TW": ["KGI 目標", "KPI 指標", "每月目標", "實際數字", "填寫說明"],
}


def _make_plan(engine: Engine, *, currency: str = "TWD", name: str = "Tea Shop") -> int:
    """The article's e-commerce row, with formula-looking labels typed by a user."""
    with session_scope(engine) as s:
        ws = Workspace(name=name, business_type="ecommerce", currency=currency,
                       period_start=date(2024, 1, 1))
        s.add(ws)
        s.flush()
        s.add(Kgi(workspace_id=ws.id, text="2024 年全年營收成長 50%", metric="revenue",
                  direction="increase", target_kind="change_pct", target_value=50,
                  baseline=12_000_000, period_start=date(2024, 1, 1),
                  period_end=date(2024, 12, 31), smart=SMART))
        kpis = [
            Kpi(metric="conversion_rate", label=HYPERLINK, target_kind="change_pct",
                target_value=10, baseline=0.02, owner="+1-2", sources=["ga4"]),
            Kpi(metric="aov", label="@SUM(A1)", target_kind="change_pct", target_value=15,
                baseline=1200),
            Kpi(metric="roas", target_kind="level", target_value=5.0),
            Kpi(metric="new_followers", target_kind="count_per_cadence", target_value=10_000,
                cadence="month", dimensions=["Instagram"]),
        ]
        for position, kpi in enumerate(kpis):
            kpi.workspace_id = ws.id
            kpi.position = position
            s.add(kpi)
        return ws.id


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_sheets_titles_and_properties(engine: Engine, lang: str) -> None:
    wb = _open(plan_workbook_bytes(engine, _make_plan(engine), lang, split="linear"))
    assert wb.sheetnames == SHEETS[lang]
    assert wb.properties.creator == "KGI Planner"
    assert wb.properties.title == t("export.plan.title", lang, workspace="Tea Shop")
    kgi = wb[SHEETS[lang][0]]
    assert kgi["A1"].value == t("export.plan.title", lang, workspace="Tea Shop")
    assert kgi["A1"].font.b
    assert kgi.freeze_panes == "A4"


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_kgi_sheet_holds_the_goal_and_numbers(engine: Engine, lang: str) -> None:
    wb = _open(plan_workbook_bytes(engine, _make_plan(engine), lang, split="linear"))
    ws = wb[SHEETS[lang][0]]
    fields = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(4, 14)}
    assert fields[t("export.kgi.goal", lang)].value == "2024 年全年營收成長 50%"
    revenue = "營收" if lang == "zh-TW" else "Revenue"
    assert fields[t("export.kgi.metric", lang)].value == f"{revenue} (revenue)"
    target = fields[t("export.col.target", lang)]
    assert target.value == 0.5 and target.number_format == "+0.0%;-0.0%;0.0%"
    baseline = fields[t("export.col.baseline", lang)]
    assert baseline.value == 12_000_000 and baseline.number_format == '"NT$"#,##0;-"NT$"#,##0'
    assert fields[t("export.col.target_level", lang)].value == 18_000_000
    assert fields[t("export.kgi.period", lang)].value == "2024-01-01 – 2024-12-31"


def test_smart_review_has_words_and_colours(sqlite_engine: Engine) -> None:
    """From the saved review (build_plan_workbook does not re-run the check)."""
    plan = load_plan(sqlite_engine, _make_plan(sqlite_engine))
    wb = _open(build_plan_workbook(plan, "en", split="linear"))
    ws = wb["KGI"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    header = rows["Criterion"]
    assert [ws.cell(row=header, column=c).value for c in range(1, 5)] == [
        "Criterion", "Verdict", "Why", "How to improve"]
    achievable = rows["A — Achievable"]
    verdict = ws.cell(row=achievable, column=2)
    assert verdict.value == "▲ Check"
    assert verdict.fill.fgColor.rgb.endswith("FFEB9C")
    reason = ws.cell(row=achievable, column=3)
    assert reason.value == "=far above history" and reason.data_type == "s"
    assert ws.cell(row=rows["S — Specific"], column=2).value == "✔ Pass"


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_smart_rows_in_the_workbook_language(engine: Engine, lang: str) -> None:
    ws = _open(plan_workbook_bytes(engine, _make_plan(engine), lang))[SHEETS[lang][0]]
    labels = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    letters = [t(f"export.smart.{k}", lang) for k in
               ("specific", "measurable", "achievable", "relevant", "time_bound")]
    first = labels.index(letters[0]) + 1
    assert labels[first - 1:first + 4] == letters
    words = {f"{icon} {t('export.verdict.' + v, lang)}" for icon, v in
             (("✔", "pass"), ("▲", "warn"), ("✖", "fail"), ("?", "unknown"))}
    for r in range(first, first + 5):
        assert ws.cell(row=r, column=2).value in words
    # The sentence says 2024 and revenue: S and T pass whichever review is shown.
    assert ws.cell(row=first, column=2).value == f"✔ {t('export.verdict.pass', lang)}"
    assert ws.cell(row=first + 4, column=2).value == f"✔ {t('export.verdict.pass', lang)}"


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_kpi_sheet_rows_formats_and_safety(engine: Engine, lang: str) -> None:
    ws = _open(plan_workbook_bytes(engine, _make_plan(engine), lang))[SHEETS[lang][1]]
    header = [ws.cell(row=3, column=c).value for c in range(1, 12)]
    assert header == [t(f"export.col.{c}", lang) for c in (
        "name", "metric_key", "target_form", "target", "baseline", "target_level", "cadence",
        "owner", "sources", "note", "benchmark")]
    # The conversion-rate target (2.2%) sits beside a cited benchmark sentence.
    assert "2.2%" in ws["K4"].value
    assert ws.freeze_panes == "B4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.auto_filter.ref == "A3:K7"
    name, owner = ws["A4"], ws["H4"]
    assert name.value == HYPERLINK and name.data_type == "s"
    assert owner.value == "+1-2" and owner.data_type == "s"
    assert ws["A5"].value == "@SUM(A1)" and ws["A5"].data_type == "s"
    assert [ws.cell(row=4, column=c).value for c in (2, 4, 5)] == ["conversion_rate", 0.1, 0.02]
    assert ws["F4"].value == pytest.approx(0.022)
    assert ws["D4"].number_format == "+0.0%;-0.0%;0.0%"
    assert ws["E4"].number_format == "0.0%"
    assert ws["E5"].number_format == '"NT$"#,##0;-"NT$"#,##0'
    assert ws["F5"].value == pytest.approx(1380)
    assert (ws["D6"].value, ws["D6"].number_format) == (5, '0.00"×"')
    assert (ws["D7"].value, ws["D7"].number_format, ws["F7"].value) == (10_000, "#,##0", 120_000)
    assert ws["C7"].value == t("export.form.count_per_cadence", lang,
                               cadence=t("export.cadence_unit.month", lang))
    assert ws["G7"].value == t("export.cadence.month", lang)
    assert ws["I4"].value == "ga4"
    assert ws["I7"].value == t("export.sources.all", lang) + " (Instagram)"


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_driver_check_under_the_kpis(engine: Engine, lang: str) -> None:
    ws = _open(plan_workbook_bytes(engine, _make_plan(engine), lang))[SHEETS[lang][1]]
    texts = [ws.cell(row=r, column=1).value for r in range(8, ws.max_row + 1)]
    sessions = "工作階段" if lang == "zh-TW" else "Sessions"
    assert t("export.driver.header", lang) in texts
    assert t("export.driver.implied", lang, change="+26.5%") in texts
    assert t("export.driver.missing", lang, metric=sessions, change="+18.6%") in texts


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_monthly_targets_linear(engine: Engine, lang: str) -> None:
    ws = _open(plan_workbook_bytes(engine, _make_plan(engine), lang, split="linear"))[SHEETS[lang][2]]
    assert ws.freeze_panes == "B4"
    assert ws["A4"].value == ("Jan 2024" if lang == "en" else "2024 年 1 月")
    assert ws["A15"].value == ("Dec 2024" if lang == "en" else "2024 年 12 月")
    assert ws["B3"].value.endswith("營收" if lang == "zh-TW" else "Revenue")
    assert ws["C3"].value == f"KPI: {HYPERLINK}" and ws["C3"].data_type == "s"
    revenue = [ws.cell(row=r, column=2).value for r in range(4, 16)]
    assert revenue == pytest.approx([1_500_000] * 12)
    assert ws["B4"].number_format == '"NT$"#,##0;-"NT$"#,##0'
    assert ws["A16"].value == t("export.monthly.total", lang)
    assert ws["B16"].value == "=SUM(B4:B15)"  # additive: a live total
    assert ws["C16"].value == pytest.approx(0.022)  # a rate: the level, not a sum
    assert ws["C10"].value == pytest.approx(0.022) and ws["C10"].number_format == "0.0%"
    assert ws["E4"].value == 5 and ws["E4"].number_format == '0.00"×"'
    assert ws["F4"].value == 10_000 and ws["F16"].value == "=SUM(F4:F15)"


def _add_last_year(engine: Engine, workspace_id: int, values: list[float]) -> None:
    with session_scope(engine) as s:
        for month, value in enumerate(values, start=1):
            s.add(Observation(workspace_id=workspace_id, metric="revenue",
                              date=date(2023, month, 15), value=value, source="shopify"))


def test_monthly_targets_seasonal_follow_last_year(engine: Engine) -> None:
    ws_id = _make_plan(engine)
    last_year = [100.0 * m for m in range(1, 13)]  # sums to 7,800
    _add_last_year(engine, ws_id, last_year)
    wb = _open(plan_workbook_bytes(engine, ws_id, "en", split="seasonal"))
    monthly = wb["Monthly targets"]
    revenue = [monthly.cell(row=r, column=2).value for r in range(4, 16)]
    assert revenue == pytest.approx([18_000_000 * v / 7800 for v in last_year])
    assert sum(revenue) == pytest.approx(18_000_000)
    kgi = wb["KGI"]
    labels = {kgi.cell(row=r, column=1).value: kgi.cell(row=r, column=2).value for r in range(4, 14)}
    assert labels["Monthly split"] == t("export.split.seasonal", "en")


def test_seasonal_without_a_full_year_falls_back_and_says_so(engine: Engine) -> None:
    ws_id = _make_plan(engine)
    _add_last_year(engine, ws_id, [500.0] * 6)  # only January to June 2023
    wb = _open(plan_workbook_bytes(engine, ws_id, "zh-TW", split="seasonal"))
    revenue = [wb["每月目標"].cell(row=r, column=2).value for r in range(4, 16)]
    assert revenue == pytest.approx([1_500_000] * 12)
    kgi = wb["KGI 目標"]
    labels = {kgi.cell(row=r, column=1).value: kgi.cell(row=r, column=2).value for r in range(4, 14)}
    assert t("export.split.fallback", "zh-TW") in labels["每月分配方式"]


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_actuals_template_layout_and_validation(engine: Engine, lang: str) -> None:
    wb = _open(plan_workbook_bytes(engine, _make_plan(engine), lang))
    ws = wb[SHEETS[lang][3]]
    assert tuple(c.value for c in ws[1]) == TEMPLATE_HEADERS
    assert ws.max_row == 1, "no example rows: they would be imported as figures"
    assert ws.freeze_panes == "A2"
    assert ws["A1"].comment.text == t("export.template.date_comment", lang)
    assert ws.column_dimensions["A"].number_format == "yyyy-mm-dd"
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert set(rules) == {"date", "decimal", "list"}
    assert str(rules["date"].sqref) == "A2:A5001"
    assert (str(rules["decimal"].sqref), rules["decimal"].operator, rules["decimal"].formula1) == (
        "C2:C5001", "greaterThanOrEqual", "0")
    assert rules["list"].showErrorMessage and str(rules["list"].sqref) == "B2:B5001"
    assert rules["list"].error == t("export.validation.metric_error", lang)
    sheet_ref, cells = rules["list"].formula1.split("!")
    assert sheet_ref.strip("'") == SHEETS[lang][4]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    help_ws = wb[SHEETS[lang][4]]
    keys = [help_ws.cell(row=r, column=1).value for r in range(min_row, max_row + 1)]
    assert keys == ["revenue", "conversion_rate", "conversions", "sessions", "aov", "orders",
                    "roas", "conversion_value", "ad_spend", "new_followers"]


def test_help_sheet_examples_are_text_not_a_table(sqlite_engine: Engine) -> None:
    wb = _open(plan_workbook_bytes(sqlite_engine, _make_plan(sqlite_engine), "en"))
    help_ws = wb["Help"]
    rows = [tuple(c.value for c in row[:5]) for row in help_ws.iter_rows()]
    assert TEMPLATE_HEADERS not in rows  # an upload must not find a second template here
    numbers = [c for row in help_ws.iter_rows() for c in row if isinstance(c.value, int | float)]
    assert numbers == []
    assert any(isinstance(v, str) and "125000" in v for row in rows for v in row)


def test_actuals_template_alone(sqlite_engine: Engine) -> None:
    wb = _open(actuals_template_bytes(sqlite_engine, _make_plan(sqlite_engine), "zh-TW"))
    assert wb.sheetnames == ["實際數字", "填寫說明"]
    assert tuple(c.value for c in wb["實際數字"][1]) == TEMPLATE_HEADERS


def test_usd_workspace_uses_its_currency(sqlite_engine: Engine) -> None:
    ws_id = _make_plan(sqlite_engine, currency="USD", name="US shop")
    ws = _open(plan_workbook_bytes(sqlite_engine, ws_id, "en"))["KPIs"]
    assert ws["E5"].number_format == '"US$"#,##0.00;-"US$"#,##0.00'


def test_empty_plan_still_downloads(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as s:
        ws = Workspace(name="Empty", business_type="saas", period_start=date(2025, 3, 1))
        s.add(ws)
        s.flush()
        ws_id = ws.id
    wb = _open(plan_workbook_bytes(sqlite_engine, ws_id, "en"))
    assert wb["KGI"]["A4"].value == t("export.kgi.none", "en")
    assert wb["KPIs"]["A4"].value == t("export.kpis.none", "en")
    assert wb["Monthly targets"]["A4"].value == "Mar 2025"
    assert wb["Monthly targets"]["A15"].value == "Feb 2026"
    assert tuple(c.value for c in wb["Actuals"][1]) == TEMPLATE_HEADERS
    assert not wb["Actuals"].data_validations.dataValidation or all(
        dv.type != "list" for dv in wb["Actuals"].data_validations.dataValidation)


def test_unknown_workspace_and_bad_split(sqlite_engine: Engine) -> None:
    with pytest.raises(KgiError) as err:
        plan_workbook_bytes(sqlite_engine, 9999, "en")
    assert err.value.key == "workspace.not_found"
    with pytest.raises(KgiError) as err:
        plan_workbook_bytes(sqlite_engine, _make_plan(sqlite_engine), "en", split="weekly")
    assert err.value.key == "export.bad_split"
    assert "weekly" in err.value.message("zh-TW")


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_plan_csv_parses_back(engine: Engine, lang: str) -> None:
    data = plan_csv_bytes(engine, _make_plan(engine), lang)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [t(f"export.col.{c}", lang) for c in (
        "type", "name", "metric_key", "unit", "target_form", "target", "baseline",
        "target_level", "cadence", "owner", "sources", "period_start", "period_end", "note")]
    assert len(rows) == 6
    kgi, cvr, aov = rows[1], rows[2], rows[3]
    assert kgi[:3] == ["KGI", "營收" if lang == "zh-TW" else "Revenue", "revenue"]
    assert kgi[5:8] == ["50", "12000000", "18000000"]
    assert cvr[1] == "'" + HYPERLINK  # OWASP: defused with a leading quote
    assert cvr[9] == "'+1-2"
    assert cvr[5:8] == ["10", "0.02", "0.022"]
    assert aov[1] == "'@SUM(A1)"
    assert kgi[11:13] == ["2024-01-01", "2024-12-31"]


# --- the arithmetic ----------------------------------------------------------------------


def test_target_level_per_kind() -> None:
    def item(**kw) -> PlanItem:
        return PlanItem(kind="kpi", **kw)

    assert target_level(item(metric="revenue", target_kind="change_pct", target_value=30,
                             baseline=1000), 12) == pytest.approx(1300)
    assert target_level(item(metric="open_rate", target_kind="change_pp", target_value=3,
                             baseline=0.22), 12) == pytest.approx(0.25)
    assert target_level(item(metric="cpa", target_kind="ceiling", target_value=10), 12) == 10
    assert target_level(item(metric="revenue", target_kind="change_pct", target_value=30), 12) is None
    assert target_level(item(metric="high_engagement_posts", target_kind="count_per_cadence",
                             target_value=3, cadence="week"), 12) == pytest.approx(3 * 52.1775)
    assert target_level(item(metric="followers", target_kind="count_per_cadence",
                             target_value=10_000, cadence="month", baseline=50_000), 12) == 170_000


def test_monthly_values_per_cadence_and_stock() -> None:
    months = period_months(Period(date(2024, 1, 1), date(2024, 3, 31)))
    posts = PlanItem(kind="kpi", metric="high_engagement_posts", target_kind="count_per_cadence",
                     target_value=3, cadence="week")
    assert monthly_values(posts, months) == pytest.approx([3 * 31 / 7, 3 * 29 / 7, 3 * 31 / 7])
    followers = PlanItem(kind="kgi", metric="followers", target_kind="level",
                         target_value=100_000, baseline=70_000)
    assert monthly_values(followers, months) == pytest.approx([80_000, 90_000, 100_000])
    no_target = PlanItem(kind="kpi", metric="revenue", target_kind="change_pct", target_value=10)
    assert monthly_values(no_target, months) == [None, None, None]


def test_baselines_come_from_the_data_with_their_period(engine: Engine) -> None:
    """A goal without a typed baseline takes last year's figure, named, in the workbook."""
    ws_id = _make_plan(engine)
    with session_scope(engine) as s:
        kgi = s.exec(select(Kgi).where(Kgi.workspace_id == ws_id)).one()
        kgi.baseline = None  # as a user who never typed one
        s.add(kgi)
    _add_last_year(engine, ws_id, [1_000_000.0] * 12)
    wb = _open(plan_workbook_bytes(engine, ws_id, "en", split="linear"))
    ws = wb["KGI"]
    row = next(r for r in range(4, 14) if ws.cell(row=r, column=1).value == t("export.col.baseline", "en"))
    assert ws.cell(row=row, column=2).value == pytest.approx(12_000_000)
    assert ws.cell(row=row, column=3).value == t("export.baseline_from_data", "en", start="2023-01-01",
                                                  end="2023-12-31")
    level = next(r for r in range(4, 14) if ws.cell(row=r, column=1).value == t("export.col.target_level", "en"))
    assert ws.cell(row=level, column=2).value == pytest.approx(18_000_000)  # +50% on the data's baseline
    monthly = [wb["Monthly targets"].cell(row=r, column=2).value for r in range(4, 16)]
    assert monthly == pytest.approx([1_500_000] * 12)
