"""The wizard through Streamlit's AppTest: every page in both languages, the whole path for every
business type, the downloads, drafts, the language switch and the driver panel."""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import streamlit as st
from apptest_helpers import ROOT, assert_clean, page_text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from core.catalog import BUSINESS_TYPES, load_catalog
from core.export.plan_workbook import plan_csv_bytes, plan_workbook_bytes
from core.i18n import I18N_DIR, messages, t
from core.plans import get_plan, load_draft, save_kgi, save_kpi
from core.templates import kgi_examples, kpi_templates
from core.workspaces import create_workspace, get_workspace

LANGS = ("zh-TW", "en")
MY_PAGES = ("workspace", "kgi", "kpis", "plan", "settings")
MakeApp = Callable[..., AppTest]


def _visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert_clean(at)
    return at


def _ecommerce(engine: Engine, lang: str = "zh-TW") -> int:
    ws = create_workspace(engine, "Tea shop", "ecommerce", language=lang)
    return ws.id


# -- every page renders -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_renders_without_a_workspace(make_app: MakeApp, lang: str) -> None:
    at = make_app(lang).run()
    assert_clean(at)
    assert at.title[0].value == t("ui.workspace.title", lang)
    for page in MY_PAGES:
        _visit(at, page)
        assert at.title, page
    # Pages that need a workspace say what to do next instead of failing.
    _visit(at, "kgi")
    assert t("ui.empty.no_workspace", lang) in page_text(at)


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_renders_with_a_workspace(make_app: MakeApp, app_engine: Engine, lang: str) -> None:
    ws_id = _ecommerce(app_engine, lang)
    at = make_app(lang, ws_id).run()
    assert_clean(at)
    for page in MY_PAGES:
        _visit(at, page)
    # ...and with a saved plan.
    save_kgi(app_engine, ws_id, "2025 年全年營收成長 50%", lang="zh-TW")
    for page in MY_PAGES:
        _visit(at, page)
    _visit(at, "plan")
    assert t("ui.plan.workbook_button", lang) in [b.label for b in at.get("download_button")]


# -- the whole path, for every business type ------------------------------------------------


def _create_through_the_form(at: AppTest, name: str, business_type: str) -> AppTest:
    at.text_input(key="ws_new_name").input(name)
    at.radio(key="ws_new_type").set_value(business_type)
    at.button(key="ws_create").click().run()
    assert_clean(at)
    return at


@pytest.mark.parametrize("business_type", BUSINESS_TYPES)
def test_whole_path_ends_with_the_type_templates(
    make_app: MakeApp, app_engine: Engine, business_type: str
) -> None:
    lang = "zh-TW"
    at = make_app(lang).run()
    _create_through_the_form(at, f"Brand {business_type}", business_type)
    # Creating a workspace opens the KGI step.
    assert at.title[0].value == t("ui.kgi.title", lang)
    ws = get_workspace(app_engine, f"Brand {business_type}")
    assert at.session_state["ui_workspace_id"] == ws.id

    # One click on the first example fills the sentence and runs the SMART check.
    example = kgi_examples(business_type)[0].text(lang)
    at.button(key="kgi_example_0").click().run()
    assert_clean(at)
    assert at.text_input(key="kgi_text").value == example
    assert at.session_state["kgi_metric"] is not None
    for word in ("specific", "measurable", "achievable", "relevant", "time_bound"):
        assert t(f"ui.smart.{word}", lang) in page_text(at)

    at.button(key="kgi_next").click().run()
    assert_clean(at)
    assert at.title[0].value == t("ui.kpis.title", lang)
    plan = get_plan(app_engine, ws.id)
    assert plan.kgi is not None and plan.kgi.text == example
    assert load_draft(app_engine, ws.id, "kgi") is None  # the draft became the plan

    expected = [(tpl.metric, tpl.target.kind, tpl.target.value)
                for tpl in kpi_templates(business_type) if tpl.preselected]
    got = [(k.metric, k.target_kind, k.target_value) for k in plan.kpis]
    assert got == expected

    at.button(key="kpi_next").click().run()
    assert_clean(at)
    assert at.title[0].value == t("ui.plan.title", lang)
    labels = [b.label for b in at.get("download_button")]
    assert labels == [t("ui.plan.csv_button", lang), t("ui.plan.workbook_button", lang)]

    book = openpyxl.load_workbook(io.BytesIO(plan_workbook_bytes(app_engine, ws.id, lang)))
    texts = _all_text(book)
    assert example in texts
    for kpi in get_plan(app_engine, ws.id).kpis:
        assert (kpi.label or load_catalog()[kpi.metric].name(lang)) in texts


def _all_text(book: openpyxl.Workbook) -> set[str]:
    return {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None}


# -- downloads ----------------------------------------------------------------------------


def _download_bytes(at: AppTest, media: dict[str, bytes], key: str) -> bytes:
    """The bytes behind the download button ``key`` (its URL names the media file)."""
    proto = next(b.proto for b in at.get("download_button") if b.proto.id.endswith(key))
    file_id = proto.url.rsplit("/", 1)[-1].split(".")[0]
    return media[file_id]


@pytest.mark.parametrize("lang", LANGS)
def test_the_downloaded_workbook_holds_the_plan(
    make_app: MakeApp, app_engine: Engine, media: dict[str, bytes], lang: str
) -> None:
    ws_id = _ecommerce(app_engine)
    save_kgi(app_engine, ws_id, "2025 年全年營收成長 50%", lang="zh-TW")
    save_kpi(app_engine, ws_id, metric="conversion_rate", target_kind="change_pct", target_value=10,
             owner="Amy", label="轉換率提升 10%")
    save_kpi(app_engine, ws_id, metric="aov", target_kind="change_pct", target_value=15)
    at = make_app(lang, ws_id).run()
    _visit(at, "plan")
    data = _download_bytes(at, media, "plan_xlsx")
    assert data == plan_workbook_bytes(app_engine, ws_id, lang, split="linear") or data[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(data))
    texts = _all_text(book)
    assert "2025 年全年營收成長 50%" in texts
    assert "轉換率提升 10%" in texts
    assert load_catalog()["aov"].name(lang) in texts
    assert "Amy" in texts
    assert len(book.worksheets) >= 4  # KGI, KPIs, monthly targets, actuals template

    csv_text = _download_bytes(at, media, "plan_csv").decode("utf-8-sig")
    assert "轉換率提升 10%" in csv_text
    assert csv_text.encode("utf-8") == plan_csv_bytes(app_engine, ws_id, lang).decode("utf-8-sig").encode()


def test_seasonal_choice_reaches_the_workbook(
    make_app: MakeApp, app_engine: Engine, media: dict[str, bytes]
) -> None:
    ws_id = _ecommerce(app_engine)
    save_kgi(app_engine, ws_id, "2025 年全年營收成長 50%", lang="zh-TW")
    at = make_app("en", ws_id).run()
    _visit(at, "plan")
    at.radio(key="plan_split").set_value("seasonal").run()
    assert_clean(at)
    book = openpyxl.load_workbook(io.BytesIO(_download_bytes(at, media, "plan_xlsx")))
    # No full year of actuals yet: the workbook says it fell back to even months.
    assert any(t("export.split.fallback", "en") in text for text in _all_text(book))


def test_a_formula_looking_kpi_label_stays_text(
    make_app: MakeApp, app_engine: Engine, media: dict[str, bytes]
) -> None:
    ws_id = _ecommerce(app_engine)
    save_kgi(app_engine, ws_id, "2025 年全年營收成長 50%", lang="zh-TW")
    kpi = save_kpi(app_engine, ws_id, metric="conversion_rate", target_kind="change_pct", target_value=10)
    at = make_app("en", ws_id).run()
    _visit(at, "kpis")
    formula = '=HYPERLINK("http://x.example","click")'
    at.text_input(key=f"kpi_{kpi.id}_label").input(formula).run()
    assert_clean(at)
    assert get_plan(app_engine, ws_id).kpis[0].label == formula
    _visit(at, "plan")
    book = openpyxl.load_workbook(io.BytesIO(_download_bytes(at, media, "plan_xlsx")))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == formula]
    assert cells, "the label is in the workbook"
    assert all(c.data_type == "s" for c in cells)
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f" and "HYPERLINK" in str(c.value)]


# -- KGI: live check, fields in step, drafts ------------------------------------------------


def test_the_sentence_fills_the_fields_and_the_check(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    at = make_app("zh-TW", ws_id).run()
    _visit(at, "kgi")
    # The workspace's own year (a past year's goal would be "over", issue 9).
    year = get_workspace(app_engine, ws_id).period_start.year
    at.text_input(key="kgi_text").input(f"{year} 年全年營收成長 30%").run()
    assert_clean(at)
    assert at.session_state["kgi_metric"] == "revenue"
    assert at.session_state["kgi_kind"] == "change_pct"
    assert at.session_state["kgi_value"] == 30
    assert str(at.session_state["kgi_start"]) == f"{year}-01-01"
    assert str(at.session_state["kgi_end"]) == f"{year}-12-31"
    text = page_text(at)
    assert text.count(t("ui.verdict.pass", "zh-TW")) >= 3  # S, M and T pass

    # A vague sentence: the fields follow it (no target, no dates); S and M fail, and T is not
    # a pass (the check borrows the plan period and says so).
    at.text_input(key="kgi_text").input("希望業績成長").run()
    assert at.session_state["kgi_value"] is None
    assert at.session_state["kgi_start"] is None and at.session_state["kgi_end"] is None
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    assert len(badges) == 5
    assert t("ui.verdict.fail", "zh-TW") in badges[0] and t("ui.verdict.fail", "zh-TW") in badges[1]
    assert t("ui.verdict.pass", "zh-TW") not in badges[4]


def test_a_field_overrides_the_sentence(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    at = make_app("en", ws_id).run()
    _visit(at, "kgi")
    at.text_input(key="kgi_text").input("Grow revenue 30%").run()
    at.date_input(key="kgi_start").set_value("2025-01-01").run()
    at.date_input(key="kgi_end").set_value("2025-12-31").run()
    at.number_input(key="kgi_value").set_value(40).run()
    assert_clean(at)
    at.button(key="kgi_next").click().run()
    kgi = get_plan(app_engine, ws_id).kgi
    assert kgi is not None
    assert (kgi.metric, kgi.target_kind, kgi.target_value) == ("revenue", "change_pct", 40)
    assert (str(kgi.period_start), str(kgi.period_end)) == ("2025-01-01", "2025-12-31")


def test_a_draft_survives_a_new_session(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    at = make_app("zh-TW", ws_id).run()
    _visit(at, "kgi")
    at.text_input(key="kgi_text").input("一年內營收成長 20%").run()
    assert load_draft(app_engine, ws_id, "kgi")["text"] == "一年內營收成長 20%"

    # A page switch and back...
    _visit(at, "settings")
    _visit(at, "kgi")
    assert at.text_input(key="kgi_text").value == "一年內營收成長 20%"
    # ...and a brand-new session (a reload, or a restart of the app).
    st.cache_resource.clear()
    again = make_app("zh-TW", ws_id).run()
    _visit(again, "kgi")
    assert again.text_input(key="kgi_text").value == "一年內營收成長 20%"
    assert again.session_state["kgi_metric"] == "revenue"


def test_the_last_workspace_opens_after_a_restart(make_app: MakeApp, app_engine: Engine) -> None:
    at = make_app("en").run()
    _create_through_the_form(at, "Remembered", "seo")
    st.cache_resource.clear()
    again = make_app("en").run()
    assert again.session_state["ui_workspace_id"] == get_workspace(app_engine, "Remembered").id


def test_switching_language_keeps_what_was_typed(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    at = make_app("zh-TW", ws_id).run()
    _visit(at, "kgi")
    at.text_input(key="kgi_text").input("2025 年營收成長 50%").run()
    at.number_input(key="kgi_baseline").set_value(1_000_000).run()
    at.sidebar.segmented_control(key="sidebar_lang").set_value("en").run()
    assert_clean(at)
    assert at.title[0].value == t("ui.kgi.title", "en")
    assert at.text_input(key="kgi_text").value == "2025 年營收成長 50%"
    assert at.number_input(key="kgi_baseline").value == 1_000_000
    # The Settings page switches too.
    _visit(at, "settings")
    at.segmented_control(key="settings_lang").set_value("zh-TW").run()
    assert at.title[0].value == t("ui.settings.title", "zh-TW")


def test_translated_choices_survive_the_switch(make_app: MakeApp, app_engine: Engine) -> None:
    """The choices of translated select boxes survive a switch (AppTest sends choices as
    values; the browser test checks the labels a real browser sends back)."""
    ws_id = _ecommerce(app_engine)
    kpi = save_kpi(app_engine, ws_id, metric="open_rate", target_kind="level", target_value=0.25,
                   cadence="month")
    at = make_app("zh-TW", ws_id).run()
    _visit(at, "kgi")
    at.text_input(key="kgi_text").input("2025 年營收成長 50%").run()
    _visit(at, "kpis")
    at.sidebar.segmented_control(key="sidebar_lang").set_value("en").run()
    assert_clean(at)
    assert at.session_state[f"kpi_{kpi.id}_kind"] == "level"
    assert at.session_state[f"kpi_{kpi.id}_cadence"] == "month"
    assert at.selectbox(key=f"kpi_{kpi.id}_kind").value == "level"
    # A further rerun (any click) keeps them, and nothing odd reaches the database.
    at.text_input(key=f"kpi_{kpi.id}_owner").input("Mei").run()
    saved = {k.id: k for k in get_plan(app_engine, ws_id).kpis}[kpi.id]
    assert (saved.target_kind, saved.cadence, saved.owner) == ("level", "month", "Mei")
    _visit(at, "kgi")
    at.sidebar.segmented_control(key="sidebar_lang").set_value("zh-TW").run()
    assert at.session_state["kgi_kind"] == "change_pct"
    assert at.session_state["kgi_metric"] == "revenue"


def test_a_new_workspace_form_keeps_its_values_across_the_switch(make_app: MakeApp) -> None:
    at = make_app("zh-TW").run()
    at.text_input(key="ws_new_name").input("半成品").run()
    at.radio(key="ws_new_type").set_value("saas").run()
    at.sidebar.segmented_control(key="sidebar_lang").set_value("en").run()
    assert at.text_input(key="ws_new_name").value == "半成品"
    assert at.radio(key="ws_new_type").value == "saas"
    assert at.title[0].value == t("ui.workspace.title", "en")


# -- KPIs: the driver panel -----------------------------------------------------------------


def test_the_reference_case_in_the_driver_panel(make_app: MakeApp, app_engine: Engine) -> None:
    """SPEC §5: revenue +50% with conversion rate +10% and AOV +15% → sessions +18.6%."""
    ws_id = _ecommerce(app_engine)
    save_kgi(app_engine, ws_id, "2025 年全年營收成長 50%", lang="zh-TW")
    at = make_app("en", ws_id).run()
    _visit(at, "kpis")
    text = page_text(at)
    assert "+26.5%" in text
    assert "+18.6%" in text
    sessions = load_catalog()["sessions"].name("en")
    at.button(key="kpi_missing_sessions").click().run()
    assert_clean(at)
    kpis = {k.metric: k for k in get_plan(app_engine, ws_id).kpis}
    assert kpis["sessions"].target_kind == "change_pct"
    assert kpis["sessions"].target_value == pytest.approx(18.6)
    assert t("ui.kpis.carries", "en", kgi=load_catalog()["revenue"].name("en")) in page_text(at)
    assert sessions in page_text(at)


def test_a_kpi_that_drives_nothing_is_flagged(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    save_kgi(app_engine, ws_id, "2025 年全年營收成長 50%", lang="zh-TW")
    at = make_app("en", ws_id).run()
    _visit(at, "kpis")
    at.selectbox(key="kpi_add_metric").set_value("followers").run()
    at.button(key="kpi_add").click().run()
    assert_clean(at)
    warning = t("ui.kpis.unrelated", "en", metric=load_catalog()["followers"].name("en"),
                kgi=load_catalog()["revenue"].name("en"))
    assert warning in [w.value for w in at.warning]


def test_editing_a_kpi_saves_it(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    kpi = save_kpi(app_engine, ws_id, metric="open_rate", target_kind="level", target_value=0.25)
    at = make_app("en", ws_id).run()
    _visit(at, "kpis")
    assert at.number_input(key=f"kpi_{kpi.id}_value").value == 25  # a rate is typed as a percent
    at.number_input(key=f"kpi_{kpi.id}_value").set_value(30).run()
    at.text_input(key=f"kpi_{kpi.id}_owner").input("Mei").run()
    at.selectbox(key=f"kpi_{kpi.id}_cadence").set_value("month").run()
    assert_clean(at)
    saved = get_plan(app_engine, ws_id).kpis[0]
    assert (saved.target_value, saved.owner, saved.cadence) == (pytest.approx(0.30), "Mei", "month")
    # A rate above 100% is refused with a sentence, and nothing is saved.
    at.number_input(key=f"kpi_{kpi.id}_value").set_value(300).run()
    assert_clean(at)
    assert at.error, "the bad value is explained"
    assert get_plan(app_engine, ws_id).kpis[0].target_value == pytest.approx(0.30)


def test_removed_templates_do_not_come_back(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    at = make_app("en", ws_id).run()
    _visit(at, "kpis")
    kpis = get_plan(app_engine, ws_id).kpis
    assert len(kpis) == len([tpl for tpl in kpi_templates("ecommerce") if tpl.preselected])
    at.button(key=f"kpi_{kpis[0].id}_remove").click().run()
    _visit(at, "plan")
    _visit(at, "kpis")
    assert len(get_plan(app_engine, ws_id).kpis) == len(kpis) - 1


# -- settings and failures ------------------------------------------------------------------


def test_settings_store_the_thresholds(make_app: MakeApp, app_engine: Engine) -> None:
    ws_id = _ecommerce(app_engine)
    at = make_app("en", ws_id).run()
    _visit(at, "settings")
    at.number_input(key="set_on_track").set_value(90).run()
    at.number_input(key="set_at_risk").set_value(70).run()
    at.selectbox(key="set_currency").set_value("USD").run()
    at.button(key="set_save").click().run()
    assert_clean(at)
    ws = get_workspace(app_engine, ws_id)
    assert ws.settings["on_track"] == pytest.approx(0.90)
    assert ws.settings["at_risk"] == pytest.approx(0.70)
    assert ws.currency == "USD"
    # An at-risk line above the on-track line is refused.
    at.number_input(key="set_at_risk").set_value(95).run()
    at.button(key="set_save").click().run()
    assert t("ui.settings.bad_thresholds", "en") in [e.value for e in at.error]
    assert get_workspace(app_engine, ws_id).settings["at_risk"] == pytest.approx(0.70)


def test_an_unusable_database_is_a_sentence_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KGI_DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'kgi.db'}")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["ui_lang"] = "en"
    at.run()
    assert not at.exception
    assert any(str(tmp_path / "missing") in e.value for e in at.error)
    st.cache_resource.clear()


def test_a_duplicate_workspace_name_is_explained(make_app: MakeApp, app_engine: Engine) -> None:
    _ecommerce(app_engine)
    at = make_app("zh-TW").run()
    at.expander[0]  # the create form is folded away once a workspace exists
    _create_through_the_form(at, "Tea shop", "ecommerce")
    assert t("workspace.exists", "zh-TW", name="Tea shop") in [e.value for e in at.error]
    assert at.text_input(key="ws_new_name").value == "Tea shop"


# -- every word exists in both languages --------------------------------------------------


def _ui_sources() -> str:
    files = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py"))]
    files += [ROOT / "pages" / f"{p}.py" for p in MY_PAGES]
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def test_every_literal_key_used_by_the_pages_exists() -> None:
    used = set(re.findall(r"""\b(?:tr|t)\(\s*f?["'](ui\.[a-z0-9_.]+)["']""", _ui_sources()))
    assert used, "the pattern finds the keys"
    missing = sorted(k for k in used if k not in messages())
    assert not missing


def test_every_ui_message_has_both_languages_with_the_same_placeholders() -> None:
    data = tomllib.loads((I18N_DIR / "ui.toml").read_text(encoding="utf-8"))
    fields = re.compile(r"{(\w+)}")
    for key, texts in data.items():
        assert key.startswith("ui."), key
        assert texts.get("en", "").strip() and texts.get("zh", "").strip(), key
        assert set(fields.findall(texts["en"])) == set(fields.findall(texts["zh"])), key


def test_every_dynamic_key_family_is_complete() -> None:
    from core.goals import TARGET_KINDS
    from core.plans import KPI_CADENCES

    for kind in TARGET_KINDS:
        assert f"ui.kind.{kind}" in messages()
    for cadence in KPI_CADENCES:
        assert f"ui.cadence.{cadence}" in messages()
    for page in ("workspace", "kgi", "kpis", "plan", "upload", "dashboard", "review", "optimise", "settings"):
        assert f"ui.nav.{page}" in messages()


@pytest.mark.parametrize("lang", LANGS)
def test_settings_offer_backup_and_restore(make_app: MakeApp, app_engine: Engine, lang: str) -> None:
    at = make_app(lang).run()
    _visit(at, "settings")  # no workspace yet: restore is still offered
    assert t("ui.backup.restore_title", lang) in page_text(at)
    ws_id = _ecommerce(app_engine, lang)
    at = make_app(lang, ws_id).run()
    _visit(at, "settings")
    text = page_text(at)
    assert t("ui.backup.title", lang) in text and t("ui.backup.restore_title", lang) in text
