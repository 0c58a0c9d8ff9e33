"""The monthly review workbook and the printable summary, from hand-made ReviewData."""

from __future__ import annotations

import io
from datetime import date
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from core.errors import KgiError
from core.export import MonthCell, ReviewData, ReviewRow, build_review_workbook, summary_html
from core.i18n import t
from core.models import Workspace

SHEETS = {
    "en": ["Summary", "KPI achievement", "Monthly detail"],
    "zh-TW": ["本月摘要", "KPI 達成率", "每月明細"],
}
EVIL = '<script>alert("x")</script> & =HYPERLINK("http://x","y")'


def _data(**overrides) -> ReviewData:
    ws = Workspace(name="Tea <b>&</b> Co", business_type="ecommerce", currency="TWD",
                   period_start=date(2024, 1, 1))
    kgi = ReviewRow(
        metric="revenue", target=10_000_000, actual_to_date=4_100_000, expected_to_date=5_000_000,
        pace_ratio=0.82, forecast=8_600_000, forecast_low=7_900_000, forecast_high=9_300_000,
        required_per_month=983_333, status="off_track",
        sentence="NT$4.1M of NT$10M (41%) at 50% of the year — 18% behind pace",
        months=tuple(
            MonthCell(f"2024-{m:02d}", 833_333, a, a / 833_333, s)
            for m, a, s in ((1, 800_000, "at_risk"), (2, 700_000, "off_track"),
                            (3, 850_000, "on_track"))
        ),
    )
    cvr = ReviewRow(
        metric="conversion_rate", label=EVIL, target=0.022, actual_to_date=0.021,
        expected_to_date=0.022, pace_ratio=0.9545, status="on_track", sentence="2.1% of 2.2%",
        months=(MonthCell("2024-01", 0.022, 0.023, 1.045, "on_track"),
                MonthCell("2024-02", 0.022, 0.020, 0.909, "at_risk"),
                MonthCell("2024-03", 0.022, 0.021, 0.955, "on_track"),
                MonthCell("2024-04", 0.022, None, None, "no_data")),
    )
    cpa = ReviewRow(metric="cpa", target=10, actual_to_date=None, status="no_data",
                    months=(MonthCell("2024-01", 10, None, None, "no_data"),))
    values = {"workspace": ws, "month": "2024-03", "rows": [cvr, cpa], "kgi": kgi,
              "actions": ["Test two ad creatives", "=cmd|' /C calc'!A0"],
              "on_track_at": 0.95, "at_risk_at": 0.85, "as_of": date(2024, 3, 31)}
    values.update(overrides)
    return ReviewData(**values)


def _open(data: ReviewData, lang: str):
    return load_workbook(io.BytesIO(build_review_workbook(data, lang)))


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_sheets_and_properties(lang: str) -> None:
    wb = _open(_data(), lang)
    assert wb.sheetnames == SHEETS[lang]
    assert wb.properties.creator == "KGI Planner"
    month = "Mar 2024" if lang == "en" else "2024 年 3 月"
    title = t("export.review.title", lang, workspace="Tea <b>&</b> Co", month=month)
    assert wb[SHEETS[lang][0]]["A1"].value == title
    assert wb.properties.title == title


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_summary_sheet(lang: str) -> None:
    ws = _open(_data(), lang)[SHEETS[lang][0]]
    assert ws.freeze_panes == "A4"
    assert [ws.cell(row=5, column=c).value for c in range(1, 12)] == [
        t(f"export.review.col.{c}", lang) for c in (
            "name", "target", "actual", "expected", "pace", "forecast", "forecast_low",
            "forecast_high", "required", "status", "sentence")]
    kgi = [ws.cell(row=6, column=c).value for c in range(1, 12)]
    revenue = "營收" if lang == "zh-TW" else "Revenue"
    assert kgi[:10] == [revenue, 10_000_000, 4_100_000, 5_000_000, 0.82, 8_600_000, 7_900_000,
                        9_300_000, 983_333, f"✖ {t('numbers.status.off_track', lang)}"]
    assert ws["B6"].number_format == '"NT$"#,##0;-"NT$"#,##0'
    assert ws["E6"].number_format == "0%"
    assert ws["J6"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["A8"].value == t("export.review.kpis", lang)
    assert ws["A10"].value == EVIL and ws["A10"].data_type == "s"
    assert ws["B10"].number_format == "0.0%"
    assert ws["J10"].value == f"✔ {t('numbers.status.on_track', lang)}"
    assert ws["J11"].value == f"— {t('numbers.status.no_data', lang)}"
    assert ws["B11"].number_format == '"NT$"#,##0;-"NT$"#,##0'
    texts = [ws.cell(row=r, column=1).value for r in range(12, ws.max_row + 1)]
    assert t("export.review.actions", lang) in texts
    assert "1. Test two ad creatives" in texts
    assert "2. =cmd|' /C calc'!A0" in texts


def test_summary_pace_cells_have_band_colours() -> None:
    ws = _open(_data(), "en")["Summary"]
    rules = {str(cf.sqref): [r for r in cf.rules] for cf in ws.conditional_formatting}
    assert set(rules) == {"E6 E10:E11"}
    ops = [(r.operator, r.formula) for r in rules["E6 E10:E11"]]
    assert ops == [("greaterThanOrEqual", ["0.95"]), ("between", ["0.85", "0.95"]),
                   ("lessThan", ["0.85"])]


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_achievement_matrix(lang: str) -> None:
    ws = _open(_data(), lang)[SHEETS[lang][1]]
    months = ["Jan 2024", "Feb 2024", "Mar 2024"] if lang == "en" else [
        "2024 年 1 月", "2024 年 2 月", "2024 年 3 月"]
    header = [ws.cell(row=3, column=c).value for c in range(1, 7)]
    assert header == [t("export.review.col.name", lang), t("export.col.metric_key", lang),
                      *months, t("export.review.col.status", lang)]  # April is after the month
    assert ws.freeze_panes == "C4"
    assert ws.print_title_rows == "$3:$3"
    assert ws["B4"].value == "revenue"
    assert [ws.cell(row=4, column=c).value for c in (3, 4, 5)] == pytest.approx(
        [800_000 / 833_333, 700_000 / 833_333, 850_000 / 833_333])
    assert ws["C4"].number_format == "0%"
    assert ws["F4"].value == f"✖ {t('numbers.status.off_track', lang)}"
    assert ws["A5"].value == f"KPI: {EVIL}" and ws["A5"].data_type == "s"
    assert ws["F5"].value == f"✔ {t('numbers.status.on_track', lang)}"
    assert ws["C6"].value == 0 or ws["C6"].value is None  # CPA: no data
    assert ws["F6"].value == f"— {t('numbers.status.no_data', lang)}"
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert ranges == ["C4:E6"]
    legend = t("export.review.legend", lang, on_track="95%", at_risk="85%")
    assert ws["A8"].value == legend


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_monthly_detail(lang: str) -> None:
    ws = _open(_data(), lang)[SHEETS[lang][2]]
    assert [ws.cell(row=1, column=c).value for c in range(1, 8)] == [
        t("export.review.col.name", lang), t("export.col.metric_key", lang),
        *(t(f"export.review.col.{c}", lang) for c in
          ("month", "month_target", "month_actual", "achievement", "status"))]
    assert ws.freeze_panes == "B2"
    # 3 KGI months + 3 conversion-rate months (April is after the review month) + 1 CPA month
    assert ws.max_row == 1 + 7
    assert ws.auto_filter.ref == "A1:G8"
    assert ws["D2"].value == 833_333 and ws["D2"].number_format == '"NT$"#,##0;-"NT$"#,##0'
    assert ws["G3"].value == f"✖ {t('numbers.status.off_track', lang)}"
    assert ws["G3"].fill.fgColor.rgb.endswith("FFC7CE")
    assert (ws["E6"].value, ws["E6"].number_format) == (0.02, "0.0%")
    assert ws["G6"].value == f"▲ {t('numbers.status.at_risk', lang)}"
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["F2:F8"]


def test_empty_review_still_builds() -> None:
    wb = _open(_data(rows=[], kgi=None, actions=[]), "zh-TW")
    ws = wb["本月摘要"]
    texts = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    assert t("export.review.no_kgi", "zh-TW") in texts
    assert t("export.review.no_kpis", "zh-TW") in texts
    assert t("export.review.no_actions", "zh-TW") in texts
    assert wb["每月明細"].max_row == 1


def test_bad_month_is_a_user_error() -> None:
    with pytest.raises(KgiError) as err:
        build_review_workbook(_data(month="2024-13"), "en")
    assert err.value.key == "export.bad_month"
    with pytest.raises(KgiError):
        summary_html(_data(month="March"), "zh-TW")


# --- printable summary -------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:  # noqa: ANN001
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_summary_html_escapes_and_says_status_in_words(lang: str) -> None:
    page = summary_html(_data(), lang)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; =HYPERLINK" in page
    assert "Tea &lt;b&gt;&amp;&lt;/b&gt; Co" in page
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags and "link" not in parser.tags
    text = "".join(parser.text)
    assert EVIL in text  # what the reader sees is exactly what was typed
    for status in ("off_track", "on_track", "no_data"):
        assert t(f"numbers.status.{status}", lang) in text
    assert "✖" in text and "✔" in text
    assert "NT$4.1M of NT$10M (41%) at 50% of the year — 18% behind pace" in text
    assert "NT$10,000,000" in text and "82%" in text and "2.2%" in text
    assert t("export.html.range", lang, low="NT$7,900,000", high="NT$9,300,000") in text
    assert "Test two ad creatives" in text
    assert "@media print" in page and "@page" in page
    assert f'lang="{t("export.html.lang", lang)}"' in page


def test_summary_html_without_actions_or_kgi() -> None:
    page = summary_html(_data(kgi=None, actions=[], rows=[]), "en")
    assert t("export.review.no_kgi", "en") in page
    assert t("export.review.no_actions", "en") in page
    assert t("export.review.no_kpis", "en") in page


# --- from the database, through core.progress ----------------------------------------------


def _tracked_workspace(engine) -> int:  # noqa: ANN001 - the engine fixture
    from datetime import timedelta

    from core.db import session_scope
    from core.models import Kgi, Kpi, Observation

    with session_scope(engine) as s:
        ws = Workspace(name="Tracked", business_type="ecommerce", currency="TWD",
                       period_start=date(2024, 1, 1))
        s.add(ws)
        s.flush()
        s.add(Kgi(workspace_id=ws.id, text="2024 年全年營收成長 50%", metric="revenue",
                  direction="increase", target_kind="change_pct", target_value=50,
                  baseline=1_200_000, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31)))
        s.add(Kpi(workspace_id=ws.id, metric="sessions", label="@sessions", target_kind="level",
                  target_value=120_000))
        day = date(2024, 1, 1)
        while day <= date(2024, 3, 31):
            s.add(Observation(workspace_id=ws.id, metric="revenue", date=day, value=4000,
                              source="shopify"))
            s.add(Observation(workspace_id=ws.id, metric="sessions", date=day, value=300,
                              source="ga4"))
            day += timedelta(days=1)
        return ws.id


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_review_workbook_bytes_from_the_database(engine, lang: str) -> None:  # noqa: ANN001
    from core.review import review_workbook_bytes

    wb = load_workbook(io.BytesIO(review_workbook_bytes(engine, _tracked_workspace(engine),
                                                        "2024-03", lang)))
    assert wb.sheetnames == SHEETS[lang]
    summary = wb[SHEETS[lang][0]]
    assert summary["B6"].value == pytest.approx(1_800_000)  # baseline 1.2M + 50%
    assert summary["C6"].value == pytest.approx(91 * 4000)  # Jan–Mar 2024, 91 days
    assert summary["A10"].value == "@sessions" and summary["A10"].data_type == "s"
    assert summary["C10"].value == pytest.approx(91 * 300)
    words = {f"{icon} {t('numbers.status.' + s, lang)}" for icon, s in
             (("✔", "on_track"), ("▲", "at_risk"), ("✖", "off_track"), ("…", "too_early"))}
    assert summary["J6"].value in words and summary["J10"].value in words
    detail = wb[SHEETS[lang][2]]
    assert detail.max_row == 1 + 6  # two goals × January to March


def test_review_workbook_bytes_rejects_a_bad_month(sqlite_engine) -> None:  # noqa: ANN001
    from core.review import review_workbook_bytes

    with pytest.raises(KgiError) as err:
        review_workbook_bytes(sqlite_engine, 1, "2024/03", "en")
    assert err.value.key == "export.bad_month"
